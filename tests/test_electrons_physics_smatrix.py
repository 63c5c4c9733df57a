"""Gilbert damping by three independent routes on multi-site systems.

1. Scattering matrix (Brataas-Tserkovnyak-Bauer, Xu et al. 2023 App. D): the symmetrized corrected
   Eq. 19 equals (1/4 pi S) Re Tr[dS/dm_i dS/dm_j^dagger] with S from Fisher-Lee and dS by finite
   differences of S, at T = 0 without bias, with Rashba spin-orbit coupling.
2. Brute force: the defining integral 2 Re int dE/2pi Tr[G^< V_a dG/dE V_b] by adaptive real-axis
   quadrature (wide-band leads, no bound states), against the contour/Fermi-surface split of the code.
3. Rotating frame: a magnet rotating uniformly about n is static in the frame rotating with it, where the
   device gets -Omega sigma.n/2 and every lead splits into spin sub-leads along n with self-energy
   Sigma(E +- Omega/2) and Fermi level mu -+ Omega/2 (exact for spin-independent H_0 and normal leads).
   The static torque of that problem, antisymmetrized in Omega, is -gamma dm/dt: the full friction tensor
   (symmetric and antisymmetric parts), with energy-dependent leads and bound states.
"""
import numpy as np
import pytest
from scipy import integrate

from spinertia.electrons import PAULI, SemiInfiniteLead, TightBinding, WideBandLead
from spinertia.electrons import linear_response as lr
from spinertia.electrons.linear_response import Device
from spinertia.electrons.smatrix import btb_damping, scattering_matrix
from spinertia.electrons.tensors import damping_tensor, magnet_vertices
from spinertia.lattice.geometry import square

M0 = np.array([np.sin(0.7) * np.cos(0.3), np.sin(0.7) * np.sin(0.3), np.cos(0.7)])


def strip(nx=4, ny=3, rashba=0.3, J=0.8, m=M0, leads="semi", seed=1):
    rng = np.random.default_rng(seed)
    tb = TightBinding(square(), (nx, ny), hopping=1.0)
    tb.add_onsite(0.3 * rng.standard_normal(nx * ny))
    if rashba:
        tb.add_rashba(rashba)
    tb.set_exchange(J, np.tile(m, (nx * ny, 1)))
    f = tb.finalized()
    if leads == "semi":
        f.attach_lead(SemiInfiniteLead.from_system(f, "left"), side="left")
        f.attach_lead(SemiInfiniteLead.from_system(f, "right"), side="right")
    else:
        f.attach_lead(WideBandLead(0.7), side="left")
        f.attach_lead(WideBandLead(0.4), side="right")
    return f


@pytest.mark.parametrize("leads", ["semi", "wide"])
def test_symmetrized_eq19_equals_btb_scattering_matrix(leads):
    f = strip(leads=leads)
    dev = Device.from_system(f, 0.3)
    V = magnet_vertices(f)
    alpha = damping_tensor(dev, V, spin=2.0)
    btb, unitarity = btb_damping(dev, V, spin=2.0)
    assert unitarity < 1e-12
    sym = 0.5 * (alpha + alpha.T)
    assert np.abs(sym - btb).max() <= 1e-8 * np.abs(btb).max()
    assert np.linalg.eigvalsh(btb).min() > -1e-12


def test_fisher_lee_unitary_and_transmission():
    f = strip()
    dev = Device.from_system(f, 0.3)
    S, sizes = scattering_matrix(dev, 0.3)
    assert np.abs(S @ S.conj().T - np.eye(S.shape[0])).max() < 1e-12
    # |S_RL|^2 summed = Caroli transmission
    G = np.linalg.inv(0.3 * np.eye(dev.n) - dev.H - dev._embed([s[0] for s in dev.lead_sigmas(0.3)]))
    (iL, gL), (iR, gR) = dev.gammas(0.3)
    caroli = np.trace(gR @ G[np.ix_(iR, iL)] @ gL @ G[np.ix_(iR, iL)].conj().T).real
    nL = sizes[0]
    assert np.sum(np.abs(S[nL:, :nL]) ** 2) == pytest.approx(caroli, rel=1e-11)


@pytest.mark.parametrize("mu", [0.3, (0.5, 0.1)], ids=["equilibrium", "bias"])
def test_eq19_contour_split_equals_brute_force_real_axis(mu):
    """Wide-band leads: int dE 2 Re Tr[G^< V_a G' V_b]/2pi, G^< = i G (f_L Gamma_L + f_R Gamma_R) G^dag,
    G' = -G G, by adaptive quadrature on the real axis (T = 0, with and without bias)."""
    f = strip(leads="wide", nx=3, ny=2)
    dev = Device.from_system(f, mu)
    V = [v.toarray() for v in magnet_vertices(f)]
    gams = [np.zeros((dev.n, dev.n), dtype=complex) for _ in range(2)]
    for g, (idx, gp) in zip(gams, dev.gammas(0.0)):
        g[np.ix_(idx, idx)] = gp
    H = dev.H
    mus = np.broadcast_to(np.atleast_1d(mu), (2,))

    def integrand(E):
        G = np.linalg.inv(E * np.eye(dev.n) - H + 0.5j * (gams[0] + gams[1]))
        occ = sum(g for g, m in zip(gams, mus) if E < m)
        Gl = 1j * G @ occ @ G.conj().T
        dG = -G @ G
        return np.array([[2 * np.trace(Gl @ Va @ dG @ Vb).real / (2 * np.pi) for Vb in V] for Va in V]).ravel()

    ev = np.linalg.eigvalsh(H)
    edges = sorted(set([-np.inf, ev.min() - 1.0] + [e for e in ev if e < mus.max()] + list(mus)))
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        total = total + integrate.quad_vec(integrand, a, b, epsabs=1e-13, epsrel=1e-12, limit=4000)[0]
    brute = total.reshape(3, 3)
    alpha = damping_tensor(dev, magnet_vertices(f), spin=1.0)
    assert np.abs(alpha - brute).max() <= 1e-8 * np.abs(brute).max()


class _SpinSubLead:
    """Spin-s component along n of a normal lead in the rotating frame: P_s Sigma(E + s Omega/2) P_s."""

    def __init__(self, attached, n, s, omega):
        self.lead = self
        self.interface = attached.interface
        self.base = attached.lead
        k = len(self.interface) // 2
        self.P = np.kron(np.eye(k), 0.5 * (np.eye(2) + s * np.einsum("a,aij->ij", n, PAULI)))
        self.shift = 0.5 * s * omega

    def self_energy(self, E):
        return self.P @ self.base.self_energy(E + self.shift) @ self.P


def _rotating_frame_force(f, V, mu, n, omega):
    """-<V> in the steady state of the frame rotating with m about n at angular velocity omega."""
    H = f.hamiltonian().toarray() - 0.5 * omega * np.einsum("a,aij->ij", n, [f.sigma_site(a).toarray()
                                                                             for a in range(3)])
    leads, mus = [], []
    for al in f.leads:
        for s in (+1, -1):
            leads.append(_SpinSubLead(al, n, s, omega))
            mus.append(mu - 0.5 * s * omega)
    dev = Device(H, leads, mu=mus, kT=0.0)
    return -lr.expectation(dev, V)


def test_rotating_frame_torque_equals_friction_tensor():
    """No spin-orbit coupling: rotations about x, y, z probe every column of gamma (n x m0)."""
    f = strip(rashba=0.0, nx=4, ny=2)
    mu = 0.4
    V = magnet_vertices(f)
    gamma = damping_tensor(Device.from_system(f, mu), V, spin=1.0)
    omega = 2e-3
    for n in np.eye(3):
        mdot = omega * np.cross(n, M0)
        F_plus = _rotating_frame_force(f, V, mu, n, omega)
        F_minus = _rotating_frame_force(f, V, mu, n, -omega)
        friction_force = 0.5 * (F_plus - F_minus)  # odd in omega: -gamma dm/dt + O(omega^3)
        expected = -gamma @ mdot
        assert np.abs(friction_force - expected).max() <= 1e-5 * np.abs(expected).max()
        # dissipated power = energy pumped into the leads, >= 0
        assert -friction_force @ mdot > 0
