"""Frozen Green's functions at the Fermi level for a moving texture and pumping gates.

:class:`PumpingSolver` evaluates, for a spin texture m_i and a time t (units hbar/t), the adiabatically
pumped quantities of Xu et al. 2023, Sec. V at zero temperature (docs/coupled.md derives them):

* the Fermi-surface part of the first-order (in dV/dt) density matrix,

      rho^I = (1 / 2 pi) [G Hdot G^dagger - Re_H(G Hdot G)]  = (i / 4 pi) [G Hdot A - A Hdot G^dagger],

  G = G^r(E_F) the frozen retarded Green's function, A = G Gamma G^dagger, Hdot = sum_g dV_g/dt P_g the
  gate rates on the gated orbitals, Re_H X = (X + X^dagger)/2; its spin density s_i = Tr_s[sigma rho_ii]/2
  (units of hbar) is what exerts the torque on the magnet;
* the pumped particle currents into each lead (Xu et al. 2023, Eq. 40, Brouwer's formula), total, per
  outgoing spin along z and as a spin-current vector, from the emission matrix of lead p,
  E_p = (i / 2 pi) (dS/dt S^dagger)_pp, I_p = Tr E_p = (1/2 pi) Tr[Gamma_p G Hdot G^dagger].

Algorithm (one energy, one factorization per call).  With A = Psi Psi^dagger, Psi = G W (the scattering
states of all leads, Gamma = W W^dagger) and Phi = G Hdot Psi,

    rho^I = (i / 4 pi) (Phi Psi^dagger - Psi Phi^dagger),   S = -1 + i W^dagger Psi,   dS/dt = i W^dagger Phi,

so everything follows from G applied to two sets of sources: the lead channels W and the gate sources
Hdot Psi.  G is applied with right-connected functions: one sweep of layer inverses from the last layer
to the first, gR_{N-1} = A_{N-1}^{-1}, gR_k = (A_k - U_k gR_{k+1} U_k^dagger)^{-1} (A_k = E_F - H_kk - Sigma_k,
U_k = H_{k,k+1}), then for sources b (nonzero on layers <= m) a right-to-left chain
p_k = gR_k (b_k + U_k p_{k+1}) and a left-to-right chain x_k = p_k + gR_k U_{k-1}^dagger x_{k-1}; x = G b.
The lead self-energies are computed once (they depend on neither time nor texture); only the on-site
blocks (exchange J sigma.m_i, gate potentials) are rewritten per call.  The chains of Psi and Phi share
one matrix product per layer beyond the gates.

With a broadening eta > 0 (G = (E_F + i eta - H - Sigma)^{-1} in the region) A = i(G - G^dagger) is no longer
G Gamma G^dagger; the gate-column form then computes rho^I from the columns G P and rows P G of the gated
orbitals, which beyond the last gate layer factor through it (``_solve_columns``).

:meth:`PumpingSolver.rows` and :meth:`PumpingSolver.columns` expose the general primitives (the Fermi-sea
term and the tests use them).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..electrons.rgf import _Coupling, _inv
from ..electrons.tightbinding import PAULI, check_texture
from ..errors import InputError
from ..numerics.blas import single_blas_thread
from .gates import GateDrive

__all__ = ["PumpingSolver", "PumpingResult", "lead_channels"]


def _right(cpl, X):
    """X U (rows propagated through the coupling U = H_{k,k+1})."""
    if cpl.kind == "scalar":
        return cpl.c * X
    if cpl.kind == "diag":
        return X * cpl.d[None, :]
    return X @ cpl.U


def lead_channels(gamma, interface_spins, tol=1e-13):
    """Channel factor W (Gamma = W W^dagger) of one lead in a spin-resolved basis where possible.

    Parameters
    ----------
    gamma : (n, n) complex array
        Broadening of the lead on its interface orbitals.
    interface_spins : (n,) int array
        Spin (0 = up, 1 = down along z) of each interface orbital.

    Returns
    -------
    W : (n, c) array
    spins : (c,) int array or None
        Spin along z of each channel (None when Gamma mixes the spins along z).
    degenerate : bool
        True when Gamma = Gamma_orb x 1_spin (a normal lead): then the channels are ordered
        [w x up, w x down] with the same orbital factor w, and sigma acts on them as sigma x 1_r.
    """
    G = 0.5 * (gamma + gamma.conj().T)
    scale = max(float(np.abs(G).max(initial=0.0)), 1e-300)
    up, dn = np.flatnonzero(interface_spins == 0), np.flatnonzero(interface_spins == 1)

    def factor(M):
        w, v = np.linalg.eigh(0.5 * (M + M.conj().T))
        keep = w > tol * scale
        return v[:, keep] * np.sqrt(w[keep])[None, :]

    if len(up) != len(dn) or len(up) == 0:
        return factor(G), None, False
    off = max(np.abs(G[np.ix_(up, dn)]).max(initial=0.0), np.abs(G[np.ix_(dn, up)]).max(initial=0.0))
    if off > 1e-12 * scale:
        return factor(G), None, False
    Gu, Gd = G[np.ix_(up, up)], G[np.ix_(dn, dn)]
    n = len(interface_spins)
    if np.abs(Gu - Gd).max(initial=0.0) <= 1e-12 * scale:
        w = factor(Gu)
        r = w.shape[1]
        W = np.zeros((n, 2 * r), dtype=complex)
        W[up, :r] = w
        W[dn, r:] = w
        return W, np.repeat([0, 1], r), True
    wu, wd = factor(Gu), factor(Gd)
    W = np.zeros((n, wu.shape[1] + wd.shape[1]), dtype=complex)
    W[up, :wu.shape[1]] = wu
    W[dn, wu.shape[1]:] = wd
    return W, np.repeat([0, 1], [wu.shape[1], wd.shape[1]]), False


@dataclass
class PumpingResult:
    """Pumped quantities at one time (units: hbar = 1, energies in t, time in hbar/t).

    Attributes
    ----------
    t : float
        Time (hbar/t).
    V, dVdt : (n_gates,) arrays
        Gate potentials (t) and rates (t^2/hbar).
    s : (n_sites, 3) array
        Fermi-surface pumped spin density (hbar): Tr_s[sigma rho^I_ii] / 2.
    n : (n_sites,) array
        Fermi-surface pumped particle density Tr rho^I_ii.
    current : (n_leads,) array
        Particle current into each lead (per hbar/t); Xu et al. 2023, Eq. 40 is 2 pi times it.
    current_spin : (n_leads, 2) array
        Current into each lead carried by outgoing electrons with spin up / down along z (nan when the
        lead mixes the spins).
    spin_current : (n_leads, 3) array
        Spin current into each lead, Tr[(sigma/2) E_p] (hbar per hbar/t; nan unless the lead is normal).
    smatrix : (n_ch, n_ch) complex array
        Frozen scattering matrix at E_F (channels of all leads, spin-resolved basis of :func:`lead_channels`).
    channels : list of slice
        Columns of each lead in ``smatrix``.
    """

    t: float
    V: np.ndarray
    dVdt: np.ndarray
    s: np.ndarray
    n: np.ndarray
    current: np.ndarray
    current_spin: np.ndarray
    spin_current: np.ndarray
    smatrix: np.ndarray
    channels: list
    extra: dict = field(default_factory=dict)


class PumpingSolver:
    """Adiabatic pumping at the Fermi level of a finalized tight-binding system with gates and leads.

    Parameters
    ----------
    fsys : spinertia.electrons.FinalizedTightBinding
        The electrons: leads attached, gates added with ``TightBinding.add_gate`` (the pumps), the s-d
        exchange set with ``set_exchange`` (its J_i per site is used; the texture is given per call).
    fermi_level : float
        E_F (units of t), real; zero temperature.
    broadening : float
        eta >= 0 (units of t): G = (E_F + i eta - H - Sigma)^{-1} inside the region, a bath at E_F with lifetime
        hbar / 2 eta that caps the dwell times (docs/coupled.md, "Energy window").  0: the literal adiabatic
        theory.
    method : {"auto", "scattering", "columns"}
        "scattering" (eta = 0 only): the Psi / Phi form of the module docstring; "columns": columns and rows
        of the gated orbitals, rho^I = (1/2 pi)[G Hdot G^dagger - Re_H(G Hdot G)], currents from
        Tr[Gamma_p G Hdot G^dagger]; "auto": scattering for eta = 0, columns otherwise.
    threads : {1, 2}
        Run the two independent chains of matrix products side by side (numpy releases the GIL in BLAS).

    Notes
    -----
    Every lead must couple to a single RGF layer (the usual left/right leads).  A call of :meth:`solve`
    costs one sweep of layer inverses and two chains of matrix products (module docstring).
    """

    def __init__(self, fsys, fermi_level, broadening=0.0, method="auto", threads=1):
        if fsys.rgf_problem:
            raise InputError(fsys.rgf_problem)
        if not fsys.leads:
            raise InputError("pumping needs leads: attach at least one lead (fsys.attach_lead) to carry the pumped "
                             "current")
        try:
            E = float(fermi_level)
        except (TypeError, ValueError):
            raise InputError(f"fermi_level must be a real number (units of t), got {fermi_level!r}") from None
        if not np.isfinite(E):
            raise InputError(f"fermi_level must be finite, got {fermi_level!r}")
        try:
            eta = float(broadening)
        except (TypeError, ValueError):
            raise InputError(f"broadening must be a number >= 0 (units of t), got {broadening!r}") from None
        if not (np.isfinite(eta) and eta >= 0):
            raise InputError(f"broadening must be finite and >= 0 (units of t), got {broadening!r}")
        if method not in ("auto", "scattering", "columns"):
            raise InputError(f"method must be 'auto', 'scattering' or 'columns', got {method!r}")
        if method == "scattering" and eta > 0:
            raise InputError("the scattering-state method needs broadening = 0 (A = G Gamma G^dagger); use "
                             "method='columns' or 'auto' with a broadening")
        if threads not in (1, 2):
            raise InputError(f"threads must be 1 or 2 (the column and row chains run side by side), got {threads!r}")
        self.threads = int(threads)
        self._pool = None
        self.fsys = fsys
        self.E = E
        self.eta = eta
        self.method = ("columns" if eta > 0 else "scattering") if method == "auto" else method
        self.z = complex(E)
        self.gates = GateDrive(fsys)
        self.n_sites, self.block = fsys.n_sites, fsys.block
        self._J = fsys.exchange_J
        self._setup_layers()
        self._setup_leads()

    # -- set-up ----------------------------------------------------------------------------------
    def _setup_layers(self):
        fs = self.fsys
        diag, up = fs.layer_blocks(0.0, exchange=False, gates=False)
        self.N = N = len(diag)
        self.sizes = sizes = np.array([len(o) for o in fs.layer_orbitals])
        n = self.n = int(sizes.max())
        # padded layers: orbitals beyond a layer's size are decoupled dummies with A = 1 (G = 1)
        H0 = np.zeros((N, n, n), dtype=complex)
        for k, h in enumerate(diag):
            H0[k, :sizes[k], :sizes[k]] = h
        U = []
        for k, u in enumerate(up):
            P = np.zeros((n, n), dtype=complex)
            P[:u.shape[0], :u.shape[1]] = u
            U.append(_Coupling(P))
        self._cpl = U
        self._H0 = H0
        self._A0 = self._base_without_leads(self.z)
        # orbital -> (layer, local index)
        self._lay = fs.layer_of_orbital
        self._loc = fs.local_index
        # exchange slots: for every site and orbital, the local indices of spin up / down
        o = fs.orbitals
        orb = np.arange(self.n_sites * o)
        up_orb = 2 * orb
        self._ex_site = np.repeat(np.arange(self.n_sites), o)
        self._ex_lay = self._lay[up_orb]
        self._ex_up = self._loc[up_orb]
        self._ex_dn = self._loc[up_orb + 1]
        nn = n * n
        L0 = self._ex_lay * nn
        self._fx_uu = L0 + self._ex_up * n + self._ex_up  # flat positions in the stacked (N, n, n) array
        self._fx_dd = L0 + self._ex_dn * n + self._ex_dn
        self._fx_ud = L0 + self._ex_up * n + self._ex_dn
        self._fx_du = L0 + self._ex_dn * n + self._ex_up
        # gates: orbital positions
        self._gate_lay = [self._lay[orbs] for orbs in self.gates.orbitals]
        self._gate_loc = [self._loc[orbs] for orbs in self.gates.orbitals]
        self._gate_flat = [L * nn + i * n + i for L, i in zip(self._gate_lay, self._gate_loc)]
        self.gate_layers = self.gates.layers
        self._site_order = np.concatenate(fs.layers)  # layer-major site order of the chains
        self._equal = bool(np.all(sizes == n))

    def _base_without_leads(self, z):
        """z - H0 on every (padded) layer; padding rows are identity."""
        A0 = -self._H0.copy()
        n = self.n
        A0[:, np.arange(n), np.arange(n)] += z + 1j * self.eta
        for k in range(self.N):
            m = self.sizes[k]
            if m < n:
                A0[k, m:, :] = 0.0
                A0[k, :, m:] = 0.0
                A0[k, np.arange(m, n), np.arange(m, n)] = 1.0
        return A0

    def _lead_sigmas(self, z):
        """[(layer, local indices, Sigma_p(z))] of every lead."""
        return [(ld["layer"], ld["loc"], np.asarray(al.lead.self_energy(z), dtype=complex))
                for ld, al in zip(self.leads, self.fsys.leads)]

    def base(self, z=None):
        """A0(z) = z - H0 - Sigma(z) (no exchange, no gates), stacked (N, n, n); cached at E_F."""
        if z is None or complex(z) == self.z:
            return self._A0
        A0 = self._base_without_leads(complex(z))
        for k, loc, S in self._lead_sigmas(complex(z)):
            A0[k][np.ix_(loc, loc)] -= S
        return A0

    def _setup_leads(self):
        fs = self.fsys
        self.leads = []
        start = 0
        for p, al in enumerate(fs.leads):
            lay = np.unique(self._lay[al.interface])
            if len(lay) != 1:
                raise InputError(f"lead {p} couples to several layers; the pumping solver needs every lead on one "
                                 "layer (attach it with side='left' | 'right' or to one column of sites)")
            k = int(lay[0])
            S = np.asarray(al.lead.self_energy(self.z), dtype=complex)
            Gam = 1j * (S - S.conj().T)
            W, spins, degenerate = lead_channels(Gam, al.interface % 2)
            loc = self._loc[al.interface]
            self._A0[k][np.ix_(loc, loc)] -= S
            c = W.shape[1]
            self.leads.append({"layer": k, "loc": loc, "W": W, "spins": spins, "degenerate": degenerate,
                               "cols": slice(start, start + c), "gamma": Gam})
            start += c
        self.n_channels = start
        self._lead_max_layer = max(ld["layer"] for ld in self.leads)

    # -- Hamiltonian per call ----------------------------------------------------------------------
    def _texture(self, texture):
        if texture is None:
            tex = self.fsys.texture
            if tex is None:
                return None
            return tex
        return check_texture(texture, self.n_sites)

    def matrices(self, t, texture=None, z=None):
        """A_k = z - H_kk(t, m) - Sigma_k(z) for every layer (z = E_F by default), stacked (N, n, n)."""
        A = self.base(z).copy()
        Af = A.reshape(-1)
        tex = self._texture(texture)
        if tex is not None and self._J is not None:
            Jm = self._J[self._ex_site, None] * tex[self._ex_site]  # (n_orb/2, 3): J sigma . m blocks
            Af[self._fx_uu] -= Jm[:, 2]
            Af[self._fx_dd] += Jm[:, 2]
            Af[self._fx_ud] -= Jm[:, 0] - 1j * Jm[:, 1]
            Af[self._fx_du] -= Jm[:, 0] + 1j * Jm[:, 1]
        V = self.gates.values(t) if len(self.gates) else np.zeros(0)
        for v, idx in zip(V, self._gate_flat):
            Af[idx] -= v
        return A, V

    def factorize(self, t, texture=None, z=None):
        """Right-connected Green's functions gR (N, n, n) of the frozen system at time t (and V(t)), at the
        energy z (default E_F; Im z >= 0)."""
        A, V = self.matrices(t, texture, z)
        zz = self.z if z is None else complex(z)
        N = self.N
        gR = np.empty_like(A)
        gR[N - 1] = _inv(A[N - 1].T, zz).T
        for k in range(N - 2, -1, -1):
            Ak = A[k]
            cpl = self._cpl[k]
            if cpl.kind == "scalar" and cpl.c2 == 1.0:
                Ak -= gR[k + 1]
            else:
                Ak -= cpl.bwd(gR[k + 1])
            gR[k] = _inv(Ak.T, zz).T
        return gR, V

    def _parallel(self, *jobs):
        """Run independent chains (numpy releases the GIL in its BLAS calls) on ``threads`` threads."""
        if self.threads == 1 or len(jobs) == 1:
            for job in jobs:
                job()
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=len(jobs) - 1, thread_name_prefix="pumping")
        futures = [self._pool.submit(job) for job in jobs[1:]]
        jobs[0]()
        for f in futures:
            f.result()

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_pool"] = None
        return d

    # -- primitives ------------------------------------------------------------------------------
    def _pchain(self, gR, sources, ncols, kmax, out=None):
        """Right-to-left p_k = gR_k (b_k + U_k p_{k+1}) for k = kmax..0; sources {layer: (n, ncols)}."""
        P = np.zeros((kmax + 1, self.n, ncols), dtype=complex) if out is None else out
        prev = None
        for k in range(kmax, -1, -1):
            b = sources.get(k)
            if prev is None:
                rhs = b
            else:
                rhs = self._cpl[k].up(prev)
                if b is not None:
                    rhs = rhs + b
            if rhs is None:
                P[k] = 0.0
                prev = None
                continue
            P[k] = gR[k] @ rhs
            prev = P[k]
        return P

    def _xstep(self, gR, k, Xprev, out):
        """out = gR_k U_{k-1}^dagger Xprev."""
        cpl = self._cpl[k - 1]
        if cpl.kind == "scalar":
            np.matmul(gR[k], Xprev, out=out)
            out *= cpl.c.conjugate()
        else:
            np.matmul(gR[k], cpl.down(Xprev), out=out)
        return out

    def columns(self, gR, sources, ncols):
        """x = G b for sources b given as {layer: (n, ncols) array}: returns (N, n, ncols)."""
        if not sources:
            return np.zeros((self.N, self.n, ncols), dtype=complex)
        kmax = max(sources)
        P = self._pchain(gR, sources, ncols, kmax)
        X = np.empty((self.N, self.n, ncols), dtype=complex)
        X[0] = P[0]
        for k in range(1, self.N):
            self._xstep(gR, k, X[k - 1], X[k])
            if k <= kmax:
                X[k] += P[k]
        return X

    def rows(self, gR, sources, nrows):
        """y = c G for row sources c given as {layer: (nrows, n) array}: returns (N, nrows, n)."""
        if not sources:
            return np.zeros((self.N, nrows, self.n), dtype=complex)
        kmax = max(sources)
        Q = np.zeros((kmax + 1, nrows, self.n), dtype=complex)
        prev = None
        for k in range(kmax, -1, -1):
            c = sources.get(k)
            if prev is None:
                lhs = c
            else:
                lhs = self._cpl[k].right_dag(prev)
                if c is not None:
                    lhs = lhs + c
            if lhs is None:
                prev = None
                continue
            Q[k] = lhs @ gR[k]
            prev = Q[k]
        Y = np.empty((self.N, nrows, self.n), dtype=complex)
        Y[0] = Q[0]
        for k in range(1, self.N):
            Y[k] = _right(self._cpl[k - 1], Y[k - 1]) @ gR[k]
            if k <= kmax:
                Y[k] += Q[k]
        return Y

    # -- site blocks -----------------------------------------------------------------------------
    def site_blocks(self, X):
        """(N, n, c) layer columns -> (n_sites, B, c) site-resolved rows (site order)."""
        B = self.block
        fs = self.fsys
        if self._equal:
            Xs = X.reshape(self.N * (self.n // B), B, X.shape[-1])
            out = np.empty_like(Xs)
            out[np.concatenate(fs.layers)] = Xs
            return out
        out = np.empty((self.n_sites, B, X.shape[-1]), dtype=X.dtype)
        for k, s in enumerate(fs.layers):
            out[s] = X[k, :self.sizes[k]].reshape(len(s), B, -1)
        return out

    # -- the pumped quantities ---------------------------------------------------------------------
    def solve(self, t, texture=None, keep=False):
        """Pumped spin density and currents at time t (hbar/t) for the texture (n_sites, 3).

        Parameters
        ----------
        t : float
            Time in hbar/t (gates V_g(t), rates dV_g/dt).
        texture : (n_sites, 3) array, optional
            Exchange directions m_i (default: the system's current texture).
        keep : bool
            Keep Psi, Phi (site order) and gR in ``result.extra`` (diagnostics, tests).

        Returns
        -------
        PumpingResult
        """
        with single_blas_thread():  # small blocks: one BLAS thread (spinertia.numerics.blas)
            if self.method == "columns":
                return self._solve_columns(t, texture, keep)
            return self._solve_scattering(t, texture, keep)

    def _solve_scattering(self, t, texture, keep):
        """:meth:`solve` in the scattering-state form (eta = 0)."""
        gR, V = self.factorize(t, texture)
        rates = self.gates.rates(t) if len(self.gates) else np.zeros(0)
        N, n, C = self.N, self.n, self.n_channels
        Z = np.empty((N, n, 2 * C), dtype=complex)
        Psi, Phi = Z[:, :, :C], Z[:, :, C:]
        # Psi = G W: right-to-left chains of every lead on its own channels
        chains = []
        for ld in self.leads:
            b = np.zeros((n, ld["W"].shape[1]), dtype=complex)
            b[ld["loc"]] = ld["W"]
            chains.append((ld["layer"], ld["cols"], self._pchain(gR, {ld["layer"]: b}, b.shape[1], ld["layer"])))

        def add_sources(k):
            for kl, cols, P in chains:
                if k <= kl:
                    Psi[k][:, cols] += P[k]

        mg = int(self.gate_layers.max()) if len(self.gate_layers) else -1
        Psi[0] = 0.0
        add_sources(0)
        for k in range(1, mg + 1):
            self._xstep(gR, k, Psi[k - 1], Psi[k])
            add_sources(k)
        # Phi = G Hdot Psi: sources on the gate layers
        if mg >= 0 and np.any(rates != 0):
            src = {}
            for r, L, loc in zip(rates, self._gate_lay, self._gate_loc):
                for k in np.unique(L):
                    sel = loc[L == k]
                    bb = src.setdefault(int(k), np.zeros((n, C), dtype=complex))
                    bb[sel] += r * Psi[k][sel]
            Pphi = self._pchain(gR, src, C, mg)
            Phi[0] = Pphi[0]
            for k in range(1, mg + 1):
                self._xstep(gR, k, Phi[k - 1], Phi[k])
                Phi[k] += Pphi[k]
        else:
            Phi[: max(mg + 1, 1)] = 0.0
        k0 = max(mg + 1, 1)
        if self.threads == 1:
            for k in range(k0, N):
                self._xstep(gR, k, Z[k - 1], Z[k])  # Psi and Phi together: one product per layer
                add_sources(k)
        else:  # Psi and Phi side by side on contiguous copies
            PS = np.ascontiguousarray(Psi)
            PH = np.ascontiguousarray(Phi)

            def psi_chain():
                for k in range(k0, N):
                    self._xstep(gR, k, PS[k - 1], PS[k])
                    for kl, cols, P in chains:
                        if k <= kl:
                            PS[k][:, cols] += P[k]

            def phi_chain():
                for k in range(k0, N):
                    self._xstep(gR, k, PH[k - 1], PH[k])

            self._parallel(psi_chain, phi_chain)
            Psi[k0:], Phi[k0:] = PS[k0:], PH[k0:]
        s, dens, rho = self._densities(Z, C, keep)
        # scattering matrix and its rate at E_F
        WPsi = np.empty((C, C), dtype=complex)
        WPhi = np.empty((C, C), dtype=complex)
        for ld in self.leads:
            Wd = ld["W"].conj().T
            rows = Z[ld["layer"]][ld["loc"]]
            WPsi[ld["cols"]] = Wd @ rows[:, :C]
            WPhi[ld["cols"]] = Wd @ rows[:, C:]
        S = 1j * WPsi
        S[np.arange(C), np.arange(C)] -= 1.0
        Sdot = 1j * WPhi
        n_leads = len(self.leads)
        cur = np.empty(n_leads)
        cur_s = np.full((n_leads, 2), np.nan)
        spin = np.full((n_leads, 3), np.nan)
        for p, ld in enumerate(self.leads):
            c = ld["cols"]
            Ep = (1j / (2 * np.pi)) * (Sdot[c] @ S[c].conj().T)  # emission matrix of lead p
            cur[p] = float(np.real(np.trace(Ep)))
            if ld["spins"] is not None:
                d = np.real(np.diagonal(Ep))
                cur_s[p] = [d[ld["spins"] == 0].sum(), d[ld["spins"] == 1].sum()]
            if ld["degenerate"]:
                r = Ep.shape[0] // 2
                T = np.einsum("aibi->ab", Ep.reshape(2, r, 2, r))  # channel-traced 2x2 spin block of E_p
                spin[p] = 0.5 * np.real(np.einsum("aij,ji->a", PAULI, T))
        res = PumpingResult(t=float(t), V=V, dVdt=rates, s=s, n=dens, current=cur, current_spin=cur_s,
                            spin_current=spin, smatrix=S, channels=[ld["cols"] for ld in self.leads])
        if keep:
            res.extra.update(gR=gR, Psi=self.site_blocks(Psi.copy()), Phi=self.site_blocks(Phi.copy()), Sdot=Sdot,
                             rho=rho)
        return res

    def _solve_columns(self, t, texture, keep):
        """rho^I = (1/2 pi)[G Hdot G^dagger - Re_H(G Hdot G)] from the columns and rows of the gated orbitals,
        currents I_p = Tr[Gamma_p G Hdot G^dagger] / 2 pi (Xu et al. 2023, Eq. 40 as printed).  Valid with a
        broadening eta > 0 (then G - G^dagger != -i G Gamma G^dagger and the scattering-state form fails).

        Beyond the last gate layer m the columns and rows factor through layer m, C_k = T_k C_m and
        R_k = R_m Tt_k, so [G Hdot G^dagger]_kk = (T_k U) Lambda (T_k U)^dagger with Q = C_m h C_m^dagger =
        U Lambda U^dagger and [G Hdot G]_kk = (T_k M) Tt_k with M = C_m h R_m: n + n columns and n rows
        per layer instead of 2 n_gate-orbitals each."""
        gR, V = self.factorize(t, texture)
        rates = self.gates.rates(t) if len(self.gates) else np.zeros(0)
        N, n, B = self.N, self.n, self.block
        nsite = n // B
        csrc, rsrc, which = self._gate_sources()
        h = rates[which] if len(which) else np.zeros(0)
        nS = len(which)
        m = int(self.gate_layers.max()) if len(self.gate_layers) else -1
        Xd = np.zeros((N, nsite, B, B), dtype=complex)  # [G Hdot G^dagger] site blocks, layer order
        Yd = np.zeros((N, nsite, B, B), dtype=complex)  # [G Hdot G] site blocks
        full = {}  # [G Hdot G^dagger] layer blocks at the lead layers
        lead_layers = {ld["layer"] for ld in self.leads}
        if m >= 0 and np.any(h != 0):
            P = self._pchain(gR, csrc, nS, m)
            Qr = np.zeros((m + 1, nS, n), dtype=complex)
            prev = None
            for k in range(m, -1, -1):  # rows: right-to-left q-chain
                c = rsrc.get(k)
                lhs = c if prev is None else (self._cpl[k].right_dag(prev) + (c if c is not None else 0.0))
                Qr[k] = lhs @ gR[k]
                prev = Qr[k]
            Ck, Rk = P[0], Qr[0]
            for k in range(m + 1):
                if k > 0:
                    Ck = self._xstep(gR, k, Ck, np.empty_like(Ck)) + P[k]
                    Rk = _right(self._cpl[k - 1], Rk) @ gR[k] + Qr[k]
                Ch = Ck * h[None, :]
                Cr = Ck.reshape(nsite, B, nS)
                Xd[k] = np.einsum("sar,sbr->sab", Cr * h[None, None, :], Cr.conj())
                Yd[k] = np.einsum("sar,rsb->sab", Cr * h[None, None, :], Rk.reshape(nS, nsite, B))
                if k in lead_layers:
                    full[k] = Ch @ Ck.conj().T
            Q = Ch @ Ck.conj().T
            M = Ch @ Rk
            lam, U = np.linalg.eigh(0.5 * (Q + Q.conj().T))
            keep_ = np.abs(lam) > 1e-15 * max(np.abs(lam).max(initial=0.0), 1e-300)
            lam, U = lam[keep_], U[:, keep_]
            r = len(lam)
            nk = N - m - 1
            if nk > 0:
                XS = np.empty((nk + 1, n, r + n), dtype=complex)  # T_k [U | M], k = m .. N-1
                TS = np.empty((nk + 1, n, n), dtype=complex)  # Tt_k
                XS[0, :, :r], XS[0, :, r:] = U, M
                TS[0] = np.eye(n)

                def columns_chain():
                    for j, k in enumerate(range(m + 1, N), start=1):
                        self._xstep(gR, k, XS[j - 1], XS[j])

                def rows_chain():
                    for j, k in enumerate(range(m + 1, N), start=1):
                        np.matmul(_right(self._cpl[k - 1], TS[j - 1]), gR[k], out=TS[j])

                self._parallel(columns_chain, rows_chain)
                # site blocks of all layers beyond m at once (batched 2 x 2 products)
                Xu = XS[1:, :, :r].reshape(nk * nsite, B, r)
                Xd[m + 1:] = np.matmul(Xu * lam[None, None, :], np.conj(np.swapaxes(Xu, 1, 2))).reshape(
                    nk, nsite, B, B)
                XM = XS[1:, :, r:].reshape(nk * nsite, B, n)
                Tr = np.swapaxes(TS[1:].reshape(nk, n, nsite, B), 1, 2).reshape(nk * nsite, n, B)
                Yd[m + 1:] = np.matmul(XM, Tr).reshape(nk, nsite, B, B)
                for k in lead_layers:
                    if k > m:
                        Xk = XS[k - m, :, :r]
                        full[k] = (Xk * lam[None, :]) @ Xk.conj().T
        rho_l = (Xd - 0.5 * (Yd + np.conj(np.swapaxes(Yd, -1, -2)))) / (2 * np.pi)
        o = self.fsys.orbitals
        rho = np.empty((self.n_sites, B, B), dtype=complex)
        if self._equal:
            rho[self._site_order] = rho_l.reshape(-1, B, B)
        else:
            for k, sites in enumerate(self.fsys.layers):
                rho[sites] = rho_l[k, :len(sites)]
        rho_s = np.einsum("ioaob->iab", rho.reshape(self.n_sites, o, 2, o, 2))
        s = 0.5 * np.real(np.einsum("aij,sji->sa", PAULI, rho_s))
        dens = np.real(rho_s[:, 0, 0] + rho_s[:, 1, 1])
        n_leads = len(self.leads)
        cur = np.zeros(n_leads)
        cur_s = np.full((n_leads, 2), np.nan)
        spin = np.full((n_leads, 3), np.nan)
        for p, ld in enumerate(self.leads):
            if ld["layer"] not in full:
                cur_s[p] = 0.0 if ld["spins"] is not None else np.nan
                spin[p] = 0.0 if ld["degenerate"] else np.nan
                continue
            Xp = full[ld["layer"]][np.ix_(ld["loc"], ld["loc"])]
            Mp = ld["gamma"] @ Xp / (2 * np.pi)
            cur[p] = float(np.real(np.trace(Mp)))
            sp = self.fsys.leads[p].interface % 2
            if ld["spins"] is not None:
                cur_s[p] = [float(np.real(np.trace(Mp[np.ix_(sp == a, sp == a)]))) for a in (0, 1)]
            if ld["degenerate"]:
                kk = len(sp) // 2
                T = np.einsum("iaib->ab", Mp.reshape(kk, 2, kk, 2))
                spin[p] = 0.5 * np.real(np.einsum("aij,ji->a", PAULI, T))
        res = PumpingResult(t=float(t), V=V, dVdt=rates, s=s, n=dens, current=cur, current_spin=cur_s,
                            spin_current=spin, smatrix=None, channels=[ld["cols"] for ld in self.leads])
        if keep:
            res.extra.update(gR=gR, rho=rho)
        return res

    def _densities(self, Z, C, keep=False):
        """Spin density s (n_sites, 3) and density n (n_sites,) of rho^I = (i/4 pi)(Phi Psi^dagger - h.c.) from
        the layer columns Z = [Psi | Phi] (N, n, 2C); optionally the site blocks of rho^I."""
        B, o = self.block, self.fsys.orbitals
        order = self._site_order
        if self._equal:
            Zs = Z.reshape(-1, B, 2 * C)
        else:
            Zs = np.concatenate([Z[k, :self.sizes[k]].reshape(-1, B, 2 * C) for k in range(self.N)])
        Ps, Fs = Zs[:, :, :C], Zs[:, :, C:]
        if o == 1:  # Y_ab = sum_c Phi_a conj(Psi_b), only the four spin entries
            Y = np.empty((len(Zs), 2, 2), dtype=complex)
            for a in (0, 1):
                for b in (0, 1):
                    Y[:, a, b] = np.einsum("ic,ic->i", Fs[:, a], Ps[:, b].conj())
        else:
            Yf = np.matmul(Fs, np.conj(np.swapaxes(Ps, 1, 2)))
            Y = np.einsum("ioaob->iab", Yf.reshape(-1, o, 2, o, 2))
        rho_s = (1j / (4 * np.pi)) * (Y - np.conj(np.swapaxes(Y, 1, 2)))  # spin block, orbitals summed
        s = np.empty((self.n_sites, 3))
        s[order] = 0.5 * np.real(np.einsum("aij,sji->sa", PAULI, rho_s))
        dens = np.empty(self.n_sites)
        dens[order] = np.real(rho_s[:, 0, 0] + rho_s[:, 1, 1])
        rho_b = None
        if keep:
            Yf = np.matmul(Fs, np.conj(np.swapaxes(Ps, 1, 2)))
            rb = (1j / (4 * np.pi)) * (Yf - np.conj(np.swapaxes(Yf, 1, 2)))
            rho_b = np.empty_like(rb)
            rho_b[order] = rb
        return s, dens, rho_b

    # -- beyond the Fermi surface (diagnostics and small systems) ---------------------------------
    def _gate_sources(self):
        """Column and row unit sources of every gated orbital: ({layer: (n, n_S)}, {layer: (n_S, n)}), and the
        gate index of each gated orbital."""
        lay = np.concatenate(self._gate_lay) if self._gate_lay else np.zeros(0, dtype=np.int64)
        loc = np.concatenate(self._gate_loc) if self._gate_loc else np.zeros(0, dtype=np.int64)
        which = np.concatenate([np.full(len(x), g) for g, x in enumerate(self._gate_lay)]) if self._gate_lay else \
            np.zeros(0, dtype=np.int64)
        nS = len(lay)
        cols, rows = {}, {}
        for j, (k, i) in enumerate(zip(lay, loc)):
            cols.setdefault(int(k), np.zeros((self.n, nS), dtype=complex))[i, j] = 1.0
            rows.setdefault(int(k), np.zeros((nS, self.n), dtype=complex))[j, i] = 1.0
        return cols, rows, which

    def _sigma_derivative(self, z, h=1e-4):
        """dSigma_p/dE at z (fourth-order central difference along the real direction), per lead."""
        out = []
        for (k, loc, _), al in zip(self._lead_sigmas(z), self.fsys.leads):
            S = [np.asarray(al.lead.self_energy(z + d * h), dtype=complex) for d in (2, 1, -1, -2)]
            out.append((k, loc, (8 * (S[1] - S[2]) - (S[0] - S[3])) / (12 * h)))
        return out

    def sea_integrand(self, t, texture, z):
        """Site blocks (n_sites, B, B) of X(z) = G Hdot dG/dE - dG/dE Hdot G at a complex energy z, with
        dG/dE = -G (1 - dSigma/dE) G applied exactly (columns and rows of the gated orbitals)."""
        gR, _ = self.factorize(t, texture, z)
        rates = self.gates.rates(t)
        csrc, rsrc, which = self._gate_sources()
        h = rates[which]
        nS = len(which)
        C = self.columns(gR, csrc, nS)
        R = self.rows(gR, rsrc, nS)
        dS = self._sigma_derivative(complex(z))
        srcC = {k: C[k].copy() for k in range(self.N)}
        srcR = {k: R[k].copy() for k in range(self.N)}
        for k, loc, D in dS:
            srcC[k][loc] -= D @ C[k][loc]
            srcR[k][:, loc] -= R[k][:, loc] @ D
        dC = -self.columns(gR, srcC, nS)
        dR = -self.rows(gR, srcR, nS)
        Cs, dCs = self.site_blocks(C), self.site_blocks(dC)
        Rs = self.site_blocks(np.swapaxes(R, 1, 2)).swapaxes(1, 2)
        dRs = self.site_blocks(np.swapaxes(dR, 1, 2)).swapaxes(1, 2)
        return np.matmul(Cs * h[None, None, :], dRs) - np.matmul(dCs * h[None, None, :], Rs)

    def sea_density(self, t, texture=None, n=48, tol=1e-6, max_n=768):
        """Fermi-sea part of the first-order pumped spin density (Smrcka-Streda II-like term):

            rho^II = Re_H int_{-inf}^{E_F} dE / 2 pi [G Hdot dG/dE - dG/dE Hdot G]

        on the zero-temperature contour of :mod:`spinertia.electrons.integrate` (semicircle from below the
        spectrum to E_F; the line E_F + i y with wide-band leads), n doubled until two rules agree to
        ``tol`` (absolute, on the site blocks).  Cost: ~ 5 RGF-equivalents per node with the columns and
        rows of every gated orbital -- a diagnostic, not for every time step of a large system.

        Returns
        -------
        s : (n_sites, 3) array (hbar), n : (n_sites,) array, info : dict
        """
        from ..electrons import integrate as ig
        from ..electrons.observables import spectrum_bounds

        tex = self._texture(texture)
        if tex is not None:
            self.fsys.set_texture(tex)
        lo, hi, unbounded = spectrum_bounds(self.fsys, t)
        prev = None
        while True:
            if unbounded:
                _, z, c = ig.imaginary_axis_rule(self.E, n, max(1.0, hi - lo) / 4)
            else:
                z, c = ig.zero_temperature_contour(lo, self.E, n)
            acc = 0.0
            for zj, cj in zip(z, c):
                acc = acc + cj * self.sea_integrand(t, tex, zj)
            I = (-1j * np.pi) * acc / (2 * np.pi)
            rho = 0.5 * (I + np.conj(np.swapaxes(I, 1, 2)))
            if prev is not None and np.abs(rho - prev).max() <= tol:
                break
            if 2 * n > max_n:
                raise InputError(f"the Fermi-sea contour did not converge with {n} nodes (change "
                                 f"{np.abs(rho - prev).max():.2e} > tol {tol:g})")
            prev, n = rho, 2 * n
        o = self.fsys.orbitals
        rs = np.einsum("ioaob->iab", rho.reshape(self.n_sites, o, 2, o, 2))
        return (0.5 * np.real(np.einsum("aij,sji->sa", PAULI, rs)), np.real(rs[:, 0, 0] + rs[:, 1, 1]),
                {"nodes": n})

    def equilibrium_density(self, t, texture=None, tol=1e-9):
        """Equilibrium (zeroth-order) spin density s^(0) of the frozen H(t) at E_F (Xu et al. 2023, Eq. 14),
        on the zero-temperature contour of :func:`spinertia.electrons.observables.equilibrium_blocks`.

        Returns s (n_sites, 3) (hbar) and n (n_sites,)."""
        from ..electrons.observables import equilibrium_blocks, site_moments
        from ..electrons.rgf import RGF

        tex = self._texture(texture)
        if tex is not None:
            self.fsys.set_texture(tex)
        rho, _ = equilibrium_blocks(RGF(self.fsys, t=t), self.E, 0.0, t=t, tol=tol)
        n, s = site_moments(rho, self.fsys.orbitals)
        return s, n

    def describe(self):
        return {"fermi_level": self.E, "broadening": self.eta, "method": self.method, "n_layers": int(self.N),
                "layer_size": int(self.n),
                "n_channels": int(self.n_channels), "gates": self.gates.describe(),
                "gate_layers": self.gate_layers.tolist(),
                "leads": [{"layer": ld["layer"], "channels": int(ld["W"].shape[1]), "spin_degenerate": ld["degenerate"]}
                          for ld in self.leads]}
