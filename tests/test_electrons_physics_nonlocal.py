"""Bhattacharjee et al. 2012 pair tensors: exchange against exact diagonalization, sum rules, hand-off."""
import numpy as np
import pytest

from spinertia.electrons import ElectronUnits, SemiInfiniteLead, TightBinding
from spinertia.electrons import linear_response as lr
from spinertia.electrons.linear_response import Device
from spinertia.electrons.nonlocal_tensors import pair_tensors, site_pairs, to_spin_parameters
from spinertia.electrons.tensors import magnet_tensors
from spinertia.errors import InputError
from spinertia.lattice.geometry import square
from spinertia.lattice.system import System
from spinertia.units import HBAR, MU_B


def cluster(rashba=0.4, seed=3, nx=3, ny=2, J=1.1, texture=None):
    rng = np.random.default_rng(seed)
    tb = TightBinding(square(), (nx, ny), hopping=1.0)
    tb.add_onsite(0.2 * rng.standard_normal(nx * ny))
    if rashba:
        tb.add_rashba(rashba)
    if texture is None:
        texture = rng.standard_normal((nx * ny, 3))
        texture /= np.linalg.norm(texture, axis=1)[:, None]
    tb.set_exchange(J, texture)
    return tb.finalized()


def grand_potential(H, mu, kT):
    e = np.linalg.eigvalsh(H)
    if kT == 0:
        return np.sum((e - mu)[e < mu])
    return -kT * np.sum(np.logaddexp(0.0, -(e - mu) / kT))


def ed_bilinear(f, mu, kT, i, a, j, b, h=1e-2):
    """d^2 Omega / dm_ia dm_jb of the closed cluster by exact diagonalization (Richardson, error O(h^4))."""
    H0 = f.hamiltonian().toarray()
    J = f.exchange_J
    Vi = J[i] * f.sigma_site(a, [i]).toarray()
    Vj = J[j] * f.sigma_site(b, [j]).toarray()

    def d(hh):
        O = lambda x, y: grand_potential(H0 + x * Vi + y * Vj, mu, kT)  # noqa: E731
        return (O(hh, hh) - O(hh, -hh) - O(-hh, hh) + O(-hh, -hh)) / (4 * hh * hh)

    return (4 * d(h) - d(2 * h)) / 3


@pytest.mark.parametrize("kT", [0.0, 0.1])
def test_exchange_eq12_equals_energy_of_small_rotations(kT):
    """Closed cluster with Rashba coupling and a random texture: the full 3x3 chi_ij(0) of every pair
    (Heisenberg, Dzyaloshinskii-Moriya and anisotropic parts) against the second derivative of the grand
    potential computed by exact diagonalization."""
    f = cluster()
    ev = np.linalg.eigvalsh(f.hamiltonian().toarray())
    mu = 0.5 * (ev[5] + ev[6])  # in a gap: no level on the contour
    pt = pair_tensors(f, mu, kT=kT, cutoff=np.inf, what=("chi",))
    scale = np.abs(pt.chi).max()
    rng = np.random.default_rng(0)
    for k in rng.choice(len(pt.pairs), size=8, replace=False):
        i, j = pt.pairs[k]
        ed = np.array([[ed_bilinear(f, mu, kT, i, a, j, b) for b in range(3)] for a in range(3)])
        assert np.abs(ed - pt.chi[k]).max() <= 1e-7 * scale
    # chi_ji = chi_ij^T
    key = {tuple(p): k for k, p in enumerate(pt.pairs)}
    for k, (i, j) in enumerate(pt.pairs):
        assert np.allclose(pt.chi[key[(j, i)]], pt.chi[k].T, atol=1e-12 * scale)


def test_goldstone_sum_rule_without_spin_orbit():
    """No spin-orbit coupling, collinear m = z: a uniform rotation costs no energy, so
    sum_ij chi_ij^xx = sum_i J_i <sigma_i . m> (the transverse exchange sums to the exchange field)."""
    tex = np.tile([0.0, 0.0, 1.0], (6, 1))
    f = cluster(rashba=0.0, texture=tex)
    ev = np.linalg.eigvalsh(f.hamiltonian().toarray())
    mu = 0.5 * (ev[5] + ev[6])
    pt = pair_tensors(f, mu, cutoff=np.inf, what=("chi",))
    dev = Device.from_system(f, mu)
    sz = lr.expectation(dev, [f.exchange_J[0] * f.sigma_site(2)])[0]
    assert pt.total("chi")[0, 0] == pytest.approx(sz, rel=1e-10)
    assert pt.total("chi")[1, 1] == pytest.approx(sz, rel=1e-10)
    # isotropy: chi_ij is diagonal with xx = yy for every pair
    assert np.allclose(pt.chi[:, 0, 0], pt.chi[:, 1, 1], atol=1e-12)
    assert np.abs(pt.chi[:, 0, 1]).max() < 1e-12


def open_strip():
    rng = np.random.default_rng(5)
    tb = TightBinding(square(), (4, 2), hopping=1.0)
    tb.add_onsite(0.2 * rng.standard_normal(8))
    tb.add_rashba(0.3)
    m = np.array([0.3, -0.2, 0.9])
    tb.set_exchange(0.9, np.tile(m / np.linalg.norm(m), (8, 1)))
    f = tb.finalized()
    f.attach_lead(SemiInfiniteLead.from_system(f, "left"), side="left")
    f.attach_lead(SemiInfiniteLead.from_system(f, "right"), side="right")
    return f


def test_pair_tensors_sum_to_the_macrospin_tensors():
    """G_ij and I_ij summed over all pairs = the Xu et al. 2023 macrospin damping and inertia."""
    f = open_strip()
    pt = pair_tensors(f, 0.35, cutoff=np.inf)
    mt = magnet_tensors(f, 0.35, spin=1.0)
    assert np.allclose(pt.total("friction"), mt.alpha, rtol=0, atol=1e-10 * np.abs(mt.alpha).max())
    assert np.allclose(pt.total("inertia"), mt.inertia, rtol=0, atol=1e-10 * np.abs(mt.inertia).max())
    # static response of the macrospin vertex: eta with the spin operator replaced by the vertex
    dev = Device.from_system(f, 0.35)
    from spinertia.electrons.tensors import magnet_vertices

    chi_macro = lr.static_response(dev, magnet_vertices(f))
    assert np.allclose(pt.total("chi"), chi_macro, rtol=0, atol=1e-10 * np.abs(chi_macro).max())


def test_symmetric_pair_damping_is_dissipative():
    """The symmetric part of the full site-resolved friction matrix (3N x 3N) is positive semi-definite."""
    f = open_strip()
    pt = pair_tensors(f, 0.35, cutoff=np.inf, what=("friction",))
    n = f.n_sites
    M = np.zeros((3 * n, 3 * n))
    for (i, j), T in zip(pt.pairs, pt.friction):
        M[3 * i:3 * i + 3, 3 * j:3 * j + 3] = T
    assert np.linalg.eigvalsh(0.5 * (M + M.T)).min() > -1e-12 * np.abs(M).max()


def test_to_spin_parameters_units_and_conventions():
    f = open_strip()
    pt = pair_tensors(f, 0.35, cutoff=None)
    units = ElectronUnits(0.5)
    sysm = System(square(2.5e-10), (4, 2), periodic=False, mu=2 * MU_B)
    out = to_spin_parameters(pt, units, system=sysm)
    S = 2 * MU_B / sysm.gamma[0] / HBAR
    k_on = [k for k, (i, j) in enumerate(pt.pairs) if i == j][0]
    i0 = pt.pairs[k_on, 0]
    assert np.allclose(out["damping_onsite"][i0], pt.friction[k_on] / S)
    assert np.allclose(out["inertia_onsite"][i0], pt.inertia[k_on] / S * units.time_s)
    ex = {(i, j): T for i, j, T in out["exchange_pairs"]}
    k = [k for k, (i, j) in enumerate(pt.pairs) if i < j][0]
    i, j = pt.pairs[k]
    assert np.allclose(ex[(i, j)], -pt.chi[k] * units.energy_J)
    assert all(i < j for i, j, _ in out["exchange_pairs"])
    dp = {(i, j) for i, j, _ in out["damping_pairs"]}
    assert all((j, i) in dp for i, j in dp)
    assert out["damping_onsite"].shape == (f.n_sites, 3, 3)
    sym = to_spin_parameters(pt, units, spin=1.5, symmetrize=True)
    G = {(i, j): T for i, j, T in sym["damping_pairs"]}
    assert all(np.allclose(G[(i, j)], G[(j, i)].T) for i, j in G)
    with pytest.raises(InputError, match="exactly one"):
        to_spin_parameters(pt, units)
    with pytest.raises(InputError, match="sites"):
        to_spin_parameters(pt, units, system=System(square(2.5e-10), (5, 2), periodic=False))


def test_site_pairs_cutoff():
    f = open_strip()
    pairs, d = site_pairs(f, cutoff=None)
    a = np.min(d[d > 0])
    assert np.all((d == 0) | (np.abs(d - a) < 1e-6 * a))
    pairs_all, _ = site_pairs(f, cutoff=np.inf)
    assert len(pairs_all) == f.n_sites ** 2
    with pytest.raises(InputError, match="cutoff"):
        site_pairs(f, cutoff=-1.0)


def test_hand_off_puts_the_map_into_the_engine_site_by_site():
    """apply_to_system: the finalized spin system holds the electrons' damping tensor of every site and every
    ordered pair as it is (no sublattice averaging), and the LLG right-hand side equals a dense solve of
    v_i - m_i x sum_j G_ij v_j = -m_i x h_i with the exchange field of the handed-over J_ij."""
    from spinertia.lattice.system import cross_matrix
    from spinertia.dynamics.models import LLG
    from spinertia.electrons.nonlocal_tensors import apply_to_system
    from spinertia.units import ReducedUnits

    f = open_strip()
    pt = pair_tensors(f, 0.35, cutoff=None)
    units = ElectronUnits(0.5)
    sysm = System(square(2.5e-10), (4, 2), periodic=False, mu=2 * MU_B)
    params = to_spin_parameters(pt, units, system=sysm)
    apply_to_system(params, sysm, inertia=False)
    fin = sysm.finalized(ReducedUnits(1e-15))
    n = fin.n_sites
    assert fin.damping.T.shape == (n, 9)  # one row per site
    np.testing.assert_array_equal(fin.damping.T.reshape(n, 3, 3), params["damping_onsite"])
    nbr, row, T = fin.pair_damping
    got = {(i, int(nbr[i, k])): T[row[i], k].reshape(3, 3) for i in range(n) for k in range(nbr.shape[1])
           if nbr[i, k] >= 0}
    want = {(i, j): G for i, j, G in params["damping_pairs"]}
    assert set(got) == set(want)
    assert all(np.array_equal(got[key], want[key]) for key in want)
    # LLG right-hand side against a dense solve
    rng = np.random.default_rng(1)
    S = rng.normal(size=(n, 3))
    S /= np.linalg.norm(S, axis=1)[:, None]
    model = LLG(fin)
    d = model.derivative(0.0, model.initial_state(S)).reshape(n, 3)
    A = np.zeros((3 * n, 3 * n))
    for i in range(n):
        A[3 * i:3 * i + 3, 3 * i:3 * i + 3] = params["damping_onsite"][i]
    for i, j, G in params["damping_pairs"]:
        A[3 * i:3 * i + 3, 3 * j:3 * j + 3] = G
    Jfield = np.zeros((n, 3))  # B_i = (1/mu) sum_j J_ij S_j (H = -sum_<ij> S_i.J_ij S_j)
    for i, j, J in params["exchange_pairs"]:
        Jfield[i] += J @ S[j]
        Jfield[j] += J.T @ S[i]
    h = Jfield / (2 * MU_B) * sysm.gamma[0] * 1e-15  # reduced angular frequency
    M = np.eye(3 * n)
    for i in range(n):
        M[3 * i:3 * i + 3] -= cross_matrix(S[i]) @ A[3 * i:3 * i + 3]
    ref = np.linalg.solve(M, -np.cross(S, h).reshape(-1)).reshape(n, 3)
    np.testing.assert_allclose(d, ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())
