"""Corrections to the seeds that fix a convention: energy-dependent leads in Eq. 19 (G^r G^r -> -dG/dE),
Onsager reciprocity, the sign of the exchange torque (Eq. 17 vs Eq. 39), the sign of the inertia."""
import numpy as np
from scipy import integrate

from spinertia.electrons import SemiInfiniteLead, TightBinding, WideBandLead
from spinertia.electrons.linear_response import Device
from spinertia.electrons.smatrix import btb_damping
from spinertia.electrons.tensors import damping_tensor, magnet_tensors, magnet_vertices
from spinertia.electrons.torques import site_torques
from spinertia.lattice.geometry import chain, square


class ResonantLead:
    """A lead through one resonant level: Sigma(E) = tc^2 / (E - eps + i g/2) on each interface orbital.

    Energy dependent, analytic in the upper half plane, no band edge and no bound state: the real-axis
    integral of the Fermi sea is exact, so the literal Eq. 19 can be evaluated by brute force."""

    def __init__(self, interface, tc=0.8, eps=0.4, g=0.6):
        self.interface = np.asarray(interface)
        self.tc, self.eps, self.g = tc, eps, g

    def self_energy(self, E):
        return self.tc ** 2 / (E - self.eps + 0.5j * self.g) * np.eye(len(self.interface))

    def dsigma(self, E):
        return -self.tc ** 2 / (E - self.eps + 0.5j * self.g) ** 2 * np.eye(len(self.interface))


def test_energy_dependent_leads_need_dG_dE_not_GG():
    """Xu et al. 2023, Eq. 19 writes G^r G^r = -dG^r/dE, true only for energy-independent self-energies
    (their App. C drops the energy dependence of Sigma).  With a resonant-level lead the literal G^r G^r
    misses the scattering-matrix damping by percents, -dG/dE = G (1 - Sigma') G agrees to 1e-8."""
    tb = TightBinding(square(), (3, 2), hopping=1.0)
    tb.add_rashba(0.3)
    m = np.array([0.4, 0.1, 0.9])
    tb.set_exchange(0.7, np.tile(m / np.linalg.norm(m), (6, 1)))
    f = tb.finalized()
    left, right = f.site_orbitals([0, 3]), f.site_orbitals([2, 5])
    leads = [ResonantLead(left), ResonantLead(right, eps=-0.3)]
    mu = 0.1
    dev = Device(f.hamiltonian(), leads, mu=mu)
    V = [v.toarray() for v in magnet_vertices(f)]
    H = dev.H

    def integrand(E, literal):
        S = np.zeros((dev.n, dev.n), dtype=complex)
        dS = np.zeros_like(S)
        for ld in leads:
            S[np.ix_(ld.interface, ld.interface)] += ld.self_energy(E)
            dS[np.ix_(ld.interface, ld.interface)] += ld.dsigma(E)
        G = np.linalg.inv(E * np.eye(dev.n) - H - S)
        Gl = -(G - G.conj().T)  # f = 1 below mu
        dG = -G @ G if literal else -G @ (np.eye(dev.n) - dS) @ G
        return np.array([[2 * np.trace(Gl @ Va @ dG @ Vb).real / (2 * np.pi) for Vb in V] for Va in V]).ravel()

    ev = np.linalg.eigvalsh(H)
    edges = [-np.inf, -6.0] + sorted(e for e in ev if -6 < e < mu) + [mu]
    res = {}
    for literal in (False, True):
        tot = 0.0
        for a, b in zip(edges[:-1], edges[1:]):
            tot = tot + integrate.quad_vec(lambda E: integrand(E, literal), a, b, epsabs=1e-12, epsrel=1e-11,
                                           limit=4000)[0]
        res[literal] = tot.reshape(3, 3)
    btb, unitarity = btb_damping(dev, magnet_vertices(f), spin=1.0)
    assert unitarity < 1e-12
    sym = lambda A: 0.5 * (A + A.T)  # noqa: E731
    scale = np.abs(btb).max()
    assert np.abs(sym(res[False]) - btb).max() < 1e-8 * scale
    assert np.abs(sym(res[True]) - btb).max() > 1e-2 * scale
    # the code (contour + Fermi surface, Sigma' by finite differences) agrees with the corrected form
    assert np.abs(damping_tensor(dev, magnet_vertices(f)) - res[False]).max() < 1e-8 * scale


def test_onsager_reciprocity():
    """Time reversal (m -> -m; Rashba coupling and normal leads are even): alpha(m) = alpha(-m)^T and
    I(m) = I(-m)^T."""
    def build(sign):
        tb = TightBinding(square(), (4, 2), hopping=1.0)
        tb.add_onsite(0.15 * np.arange(8) % 0.4)
        tb.add_rashba(0.3)
        m = sign * np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])
        tb.set_exchange(0.9, np.tile(m, (8, 1)))
        f = tb.finalized()
        f.attach_lead(SemiInfiniteLead.from_system(f, "left"), side="left")
        f.attach_lead(SemiInfiniteLead.from_system(f, "right"), side="right")
        return magnet_tensors(f, 0.25, spin=1.0)

    a, b = build(1), build(-1)
    assert np.abs(a.alpha - a.alpha.T).max() > 1e-2  # a genuinely non-symmetric tensor
    assert np.allclose(a.alpha, b.alpha.T, atol=1e-10)
    assert np.allclose(a.inertia, b.inertia.T, atol=1e-10)


def test_exchange_torque_sign_is_the_gradient_of_the_electron_energy():
    """The torque m_i x <dH/dm_i> of site_torques is m_i x dOmega/dm_i (Hellmann-Feynman, Omega the grand
    potential by exact diagonalization), i.e. hbar S dm_i/dt of the magnetization in the spin engine's
    convention dm/dt = -gamma m x B_eff, B_eff = -(1/mu) dH/dm.  This fixes the sign of the s_D term that
    Xu et al. 2023 print with opposite signs in Eq. 17 (spin M) and Eq. 39."""
    rng = np.random.default_rng(7)
    tb = TightBinding(square(), (3, 2), hopping=1.0)
    tb.add_rashba(0.2)
    tex = rng.standard_normal((6, 3))
    tb.set_exchange(0.9, tex / np.linalg.norm(tex, axis=1)[:, None])
    f = tb.finalized()
    H0 = f.hamiltonian().toarray()
    ev = np.linalg.eigvalsh(H0)
    mu = 0.5 * (ev[5] + ev[6])
    st = site_torques(f, mu)

    def omega(H):
        e = np.linalg.eigvalsh(H)
        return np.sum((e - mu)[e < mu])

    h = 1e-5
    for i in range(6):
        grad = np.array([(omega(H0 + h * 0.9 * f.sigma_site(a, [i]).toarray())
                          - omega(H0 - h * 0.9 * f.sigma_site(a, [i]).toarray())) / (2 * h) for a in range(3)])
        assert np.allclose(st.torque[i], np.cross(f.texture[i], grad), atol=1e-7)


def _dot(delta, gamma=1.0):
    tb = TightBinding(chain(), (1,), hopping=None)
    tb.set_exchange(delta, np.array([[0.0, 0.0, 1.0]]))
    f = tb.finalized()
    f.attach_lead(WideBandLead(gamma / 2), sites=[0])
    f.attach_lead(WideBandLead(gamma / 2), sites=[0])
    return f


def test_inertia_sign_depends_on_the_exchange():
    """Bhattacharjee et al. 2012, Eq. 5 estimate a negative inertia (featureless band); a dot shows both
    signs: negative for an exchange splitting small compared to the broadening, positive (stable nutation)
    for a large one."""
    weak = magnet_tensors(_dot(0.2), 0.0, spin=1.0).inertia[0, 0]
    strong = magnet_tensors(_dot(2.0), 0.0, spin=1.0).inertia[0, 0]
    assert weak < 0 < strong
