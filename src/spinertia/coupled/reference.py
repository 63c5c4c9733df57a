"""Independent references for the pumping solver (dense inverses; small systems only).

* :func:`dense_pumping` -- the Fermi-surface pumped density and the pumped currents from the dense
  G = (E_F - H(t) - Sigma)^{-1} with the formulas as printed: rho^I = (1/2 pi)[G Hdot G^dagger -
  Re_H(G Hdot G)] and Xu et al. 2023, Eq. 40, I_p = Tr[Gamma_p G Hdot G^dagger] / 2 pi (the solver uses the
  scattering-state form and the S-matrix instead);
* :func:`brouwer_charge` -- the charge pumped per cycle by two gates V_a cos(w t), V_b cos(w t + phi) from
  Brouwer's area formula, Q_p = (1/pi) int_A dX_1 dX_2 Im Tr[P_p dS/dX_1 dS^dagger/dX_2] with
  dS/dX_j = i W^dagger G P_j G W, integrated over the ellipse enclosed by the pumping path (Stokes) --
  independent of the time integration of Eq. 40;
* :func:`wideband_driven_density` -- the exact density matrix and lead currents of a small system with
  wide-band leads under arbitrary gate driving, from the time-dependent scattering states
  i d(phi_pE)/dt = (H(t) - i Gamma/2 - E) phi_pE + W_p (integrated in time, no adiabatic expansion): the
  reference for the first-order (adiabatic) theory, rho(t) = rho_eq(t) + rho^I + rho^II + O(omega^2).
"""
from __future__ import annotations

import numpy as np

from ..electrons.rgf import retarded_dense
from ..electrons.tightbinding import PAULI
from ..errors import InputError
from .gates import GateDrive

__all__ = ["dense_pumping", "brouwer_charge", "wideband_driven_density", "dense_sea_density",
           "site_spin", "dense_solver"]


def site_spin(rho, orbitals=1):
    """Spin (n_sites, 3) and particle number (n_sites,) from a dense density matrix (n_orb, n_orb)."""
    n_orb = rho.shape[0]
    n_sites = n_orb // (2 * orbitals)
    blocks = np.array([rho[2 * orbitals * i:2 * orbitals * (i + 1), 2 * orbitals * i:2 * orbitals * (i + 1)]
                       for i in range(n_sites)])
    bs = np.einsum("ioaob->iab", blocks.reshape(n_sites, orbitals, 2, orbitals, 2))
    return 0.5 * np.real(np.einsum("aij,sji->sa", PAULI, bs)), np.real(bs[:, 0, 0] + bs[:, 1, 1])


def _rates(fsys, t):
    g = GateDrive(fsys)
    return g.per_orbital(g.rates(t)) if len(g) else np.zeros(fsys.n_orb)


def dense_pumping(fsys, fermi_level, t, texture=None, broadening=0.0):
    """Pumped spin density, densities and currents from the dense inverse (test reference).

    ``broadening`` eta adds i eta to E_F inside the region (not in the leads' self-energies), as
    :class:`spinertia.coupled.PumpingSolver` does.  Returns a dict with ``s`` (n_sites, 3), ``n`` (n_sites,),
    ``current`` (n_leads,), ``current_spin`` (n_leads, 2) and ``spin_current`` (n_leads, 3), the conventions
    of :class:`spinertia.coupled.solver.PumpingResult`."""
    from ..electrons.rgf import self_energy_dense

    if texture is not None:
        fsys.set_texture(texture)
    E = float(fermi_level)
    M = (E + 1j * broadening) * np.eye(fsys.n_orb) - fsys.hamiltonian(t).toarray() - self_energy_dense(fsys, E)
    G = np.linalg.inv(M)
    h = _rates(fsys, t)
    GH = G * h[None, :]
    X = GH @ G.conj().T
    Y = GH @ G
    rho = (X - 0.5 * (Y + Y.conj().T)) / (2 * np.pi)
    s, n = site_spin(rho, fsys.orbitals)
    cur, cur_s, spin = [], [], []
    for al in fsys.leads:
        I = al.interface
        Gam = al.lead.gamma(E)
        M = Gam @ X[np.ix_(I, I)]
        cur.append(float(np.real(np.trace(M))) / (2 * np.pi))
        sp = I % 2
        cur_s.append([float(np.real(np.trace(M[np.ix_(sp == a, sp == a)]))) / (2 * np.pi) for a in (0, 1)])
        sig = [np.kron(np.eye(len(I) // 2), PAULI[a]) for a in range(3)]
        spin.append([float(np.real(np.trace(sg @ M))) / (4 * np.pi) for sg in sig])
    return {"s": s, "n": n, "current": np.array(cur), "current_spin": np.array(cur_s),
            "spin_current": np.array(spin), "rho": rho, "G": G}


def _channels(fsys, E):
    Ws, cols, start = [], [], 0
    for al in fsys.leads:
        W = al.lead.gamma_factor(E)
        Wf = np.zeros((fsys.n_orb, W.shape[1]), dtype=complex)
        Wf[al.interface] = W
        Ws.append(Wf)
        cols.append(slice(start, start + W.shape[1]))
        start += W.shape[1]
    return np.hstack(Ws), cols


def brouwer_charge(fsys, fermi_level, gate_a=0, gate_b=1, n_r=12, n_theta=48, texture=None):
    """Charge (particles) pumped into every lead per cycle by Brouwer's area formula (dense inverses).

    The two gates must be ('cos', V_a, w, phi_a) and ('cos', V_b, w, phi_b) with the same w; every other
    gate must be static.  The path (V_a cos(th + phi_a), V_b cos(th + phi_b)) encloses an ellipse; with
    X = r (V_a cos th, V_b cos(th + phi)), phi = phi_b - phi_a, r in [0, 1], the oriented area element is
    -V_a V_b r sin(phi) dr dth, so

        Q_p = (V_a V_b sin(phi) / pi) int_0^1 r dr int_0^{2 pi} dth Im Tr[P_p dS/dX_b dS^dagger/dX_a],

    with Gauss-Legendre in r (``n_r`` nodes) and the trapezoid rule in th (``n_theta``, exact for the
    periodic integrand up to its harmonics).  Returns (n_leads,) particles per cycle into each lead.
    """
    if texture is not None:
        fsys.set_texture(texture)
    gd = GateDrive(fsys)
    if len(gd) < 2:
        raise InputError("brouwer_charge needs two gates")
    ga, gb = gd.gates[gate_a], gd.gates[gate_b]
    for g in (ga, gb):
        if g.kind != "cos":
            raise InputError("brouwer_charge needs gates ('cos', V, omega, phase)")
    if ga.params[1] != gb.params[1]:
        raise InputError("the two gates must have the same frequency")
    others = [g for i, g in enumerate(gd.gates) if i not in (gate_a, gate_b)]
    if any(g.kind != "static" for g in others):
        raise InputError("brouwer_charge: the other gates must be static")
    Va, Vb = ga.params[0], gb.params[0]
    phi = gb.params[2] - ga.params[2]
    E = float(fermi_level)
    H0 = fsys.hamiltonian(0.0).toarray()
    # remove the gates at t = 0 and put the static ones back
    for g, orbs in zip(gd.gates, gd.orbitals):
        H0[orbs, orbs] -= g(0.0)
        if g.kind == "static":
            H0[orbs, orbs] += g.params[0]
    from ..electrons.rgf import self_energy_dense

    M0 = E * np.eye(fsys.n_orb) - H0 - self_energy_dense(fsys, E)
    W, cols = _channels(fsys, E)
    Pa = np.zeros(fsys.n_orb)
    Pa[gd.orbitals[gate_a]] = 1.0
    Pb = np.zeros(fsys.n_orb)
    Pb[gd.orbitals[gate_b]] = 1.0
    x, w = np.polynomial.legendre.leggauss(n_r)
    r = 0.5 * (x + 1)
    wr = 0.5 * w
    th = 2 * np.pi * np.arange(n_theta) / n_theta
    Q = np.zeros(len(fsys.leads))
    for rj, wj in zip(r, wr):
        for t in th:
            X1, X2 = rj * Va * np.cos(t + ga.params[2]), rj * Vb * np.cos(t + ga.params[2] + phi)
            M = M0 - np.diag(X1 * Pa + X2 * Pb)
            G = np.linalg.inv(M)
            GW = G @ W
            WG = W.conj().T @ G
            dSa = 1j * (WG * Pa[None, :]) @ GW
            dSb = 1j * (WG * Pb[None, :]) @ GW
            K = dSb @ dSa.conj().T
            for p, c in enumerate(cols):
                Q[p] += wj * rj * (2 * np.pi / n_theta) * float(np.imag(np.trace(K[c, c])))
    return Va * Vb * np.sin(phi) / np.pi * Q


def dense_sea_density(fsys, fermi_level, t, n=96, scale=1.0, h=1e-4):
    """Fermi-sea part of the first-order pumped density matrix (dense; wide-band leads or any leads with
    Sigma analytic in the upper half plane and decaying G):

        rho^II = Re_H int_{-inf}^{E_F} dE/2 pi [G Hdot dG/dE - dG/dE Hdot G],

    on the line E_F + i y (the contour closed in the upper half plane; the integrand decays like 1/z^3):
    int_{-inf}^{E_F} X dE = -i int_0^inf X(E_F + i y) dy.  dG/dE by the fourth-order central difference
    with step ``h`` along the real direction.  Returns the dense (n_orb, n_orb) matrix."""
    from ..electrons.integrate import imaginary_axis_rule

    E = float(fermi_level)
    hr = _rates(fsys, t)
    _, z, c = imaginary_axis_rule(E, n, scale)
    dy = c * np.pi  # weights of int dy
    acc = np.zeros((fsys.n_orb, fsys.n_orb), dtype=complex)
    for zj, wj in zip(z, dy):
        G = retarded_dense(fsys, zj, t)
        d = (8 * (retarded_dense(fsys, zj + h, t) - retarded_dense(fsys, zj - h, t))
             - (retarded_dense(fsys, zj + 2 * h, t) - retarded_dense(fsys, zj - 2 * h, t))) / (12 * h)
        X = (G * hr[None, :]) @ d - (d * hr[None, :]) @ G
        acc += -1j * wj * X
    acc /= 2 * np.pi
    return 0.5 * (acc + acc.conj().T)


def wideband_driven_density(H_of_t, gamma_leads, fermi_level, t_eval, t_start, energies, weights, dt=2e-3):
    """Exact density matrix and lead currents at ``t_eval`` of a driven region with wide-band leads.

    Scattering states of every channel of every lead obey, in the frame phi = psi e^{iEt},

        i dphi/dt = (H(t) - i Gamma/2 - E) phi + W_p,     Gamma = sum_p Gamma_p = sum_p W_p W_p^dagger,

    started at ``t_start`` from the frozen solution phi = G_f(E, t_start) W (the transient decays with the
    smallest width of the open system) and integrated with RK4 (step ``dt``).  At zero temperature

        rho(t) = sum_E w_E sum_p phi_pE phi_pE^dagger / 2 pi,
        I_p(t) = sum_E w_E [ sum_q ||(-delta_pq + i W_p^dagger phi_qE)||^2 - N_p ] / 2 pi

    (particles per unit time into lead p, outgoing minus incoming flux; wide-band input-output relation)
    for a quadrature (``energies``, ``weights``) of E < E_F.

    Parameters
    ----------
    H_of_t : callable t -> (n, n) Hermitian array
    gamma_leads : list of (n, n) arrays
        Gamma_p (Hermitian positive semi-definite).
    energies, weights : arrays
        Quadrature of int_{-inf}^{E_F} dE (the caller chooses the cutoff of the Lorentzian tails).

    Returns
    -------
    rho : (n, n) complex array, currents : (n_leads,) array
    """
    Ws = []
    for g in gamma_leads:
        w, v = np.linalg.eigh(0.5 * (g + g.conj().T))
        keep = w > 1e-13 * max(1.0, w.max())
        Ws.append(v[:, keep] * np.sqrt(w[keep]))
    W = np.hstack(Ws)
    Gam = sum(gamma_leads)
    n = W.shape[0]
    Es = np.asarray(energies, dtype=float)
    eye = np.eye(n)

    def frozen(t):
        return np.linalg.inv(Es[:, None, None] * eye - (H_of_t(t) - 0.5j * Gam)[None]) @ W

    def rhs(t, phi):
        K = H_of_t(t) - 0.5j * Gam
        return -1j * (np.matmul(K, phi) - Es[:, None, None] * phi + W[None])

    n_steps = int(np.ceil((t_eval - t_start) / dt))
    h = (t_eval - t_start) / n_steps
    phi = frozen(t_start)
    t = t_start
    for _ in range(n_steps):
        k1 = rhs(t, phi)
        k2 = rhs(t + h / 2, phi + h / 2 * k1)
        k3 = rhs(t + h / 2, phi + h / 2 * k2)
        k4 = rhs(t + h, phi + h * k3)
        phi = phi + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t += h
    w = np.asarray(weights, dtype=float)
    rho = np.einsum("e,eic,ejc->ij", w, phi, phi.conj()) / (2 * np.pi)
    cur = []
    start = 0
    for Wp in Ws:
        c = slice(start, start + Wp.shape[1])
        S = 1j * np.einsum("ia,eic->eac", Wp.conj(), phi)
        S[:, np.arange(Wp.shape[1]), np.arange(start, start + Wp.shape[1])] -= 1.0
        cur.append(float(np.sum(w * (np.sum(np.abs(S) ** 2, axis=(1, 2)) - Wp.shape[1]))) / (2 * np.pi))
        start = c.stop
    return rho, np.array(cur)


def dense_solver(fsys, fermi_level, broadening=0.0):
    """A PumpingSolver whose :meth:`solve` uses the dense inverse of the whole region at every call
    (:func:`dense_pumping`; same results, O(n_orb^3) per call): the reference of the benchmark and tests, usable
    in :class:`~spinertia.coupled.ElectronCoupling`."""
    from .solver import PumpingResult, PumpingSolver

    class _Dense(PumpingSolver):
        def solve(self, t, texture=None, keep=False):
            d = dense_pumping(self.fsys, self.E, t, texture, broadening=self.eta)
            V = self.gates.values(t) if len(self.gates) else np.zeros(0)
            rates = self.gates.rates(t) if len(self.gates) else np.zeros(0)
            return PumpingResult(t=float(t), V=V, dVdt=rates, s=d["s"], n=d["n"], current=d["current"],
                                 current_spin=d["current_spin"], spin_current=d["spin_current"], smatrix=None,
                                 channels=[])

        def describe(self):
            return dict(super().describe(), method="dense")

    return _Dense(fsys, fermi_level, broadening=broadening, method="columns")
