"""Lattice System: geometry, Hamiltonian terms, effective field = -gradient of the energy, errors."""
import numpy as np
import pytest

from spinertia.errors import InputError
from spinertia.lattice import geometry as geo
from spinertia.lattice.system import System, axial_vector, cross_matrix
from spinertia.units import E_CHARGE, MU_B, ReducedUnits

meV = 1e-3 * E_CHARGE
A = 2.5e-10


def random_spins(n, seed=0):
    S = np.random.default_rng(seed).normal(size=(n, 3))
    return S / np.linalg.norm(S, axis=1)[:, None]


def numerical_field(fin, S, eps=1e-6):
    """B_i = -(1/mu_i) dE/dS_i by central differences of the energy (independent of the field kernel)."""
    G = np.zeros_like(S)
    for i in range(len(S)):
        for a in range(3):
            Sp, Sm = S.copy(), S.copy()
            Sp[i, a] += eps
            Sm[i, a] -= eps
            G[i, a] = (fin.energy(0.0, Sp) - fin.energy(0.0, Sm)) / (2 * eps)
    return -G / fin.mu[fin.sub][:, None]


@pytest.mark.parametrize("lattice,size,periodic", [
    (geo.square(A), (4, 3), (True, False)),
    (geo.triangular(A), (3, 4), True),
    (geo.simple_cubic(A), (2, 3, 2), (True, True, False)),
    (geo.checkerboard(A, 1.1 * A), (3, 2), True),
])
def test_field_is_minus_energy_gradient(lattice, size, periodic):
    s = System(lattice, size=size, periodic=periodic, mu=[2 * MU_B * (1 + 0.1 * i) for i in range(lattice.n_sub)])
    s.add_exchange(10 * meV, shell=1)
    s.add_exchange(-1 * meV, shell=2)
    s.add_dmi(2 * meV, shell=1, kind="interfacial")
    s.add_dmi(0.5 * meV, shell=2, kind="bulk")
    s.add_anisotropy(0.3 * meV, axis=(1, 1, 1))
    s.add_anisotropy_tensor(np.diag([0.1, -0.2, 0.05]) * meV)
    s.add_zeeman([0.3, -0.2, 1.0])
    s.set_site_field(np.random.default_rng(1).normal(size=(s.n_sites, 3)))
    fin = s.finalized(ReducedUnits(1e-12))
    S = random_spins(fin.n_sites)
    B = fin.field_tesla(0.0, S)
    Bn = numerical_field(fin, S)
    assert np.abs(B - Bn).max() < 1e-6 * np.abs(B).max()


def test_heisenberg_dmi_energy_closed_forms():
    """Uniform state and a flat cycloid on the square lattice against hand-computed energies."""
    n = 8
    s = System(geo.square(A), size=(n, n), mu=2 * MU_B)
    J, D, K, B = 10 * meV, 2 * meV, 0.5 * meV, 1.5
    s.add_exchange(J, shell=1).add_dmi(D, shell=1, kind="interfacial").add_anisotropy(K).add_zeeman([0, 0, B])
    fin = s.finalized()
    N = fin.n_sites
    up = np.tile([0.0, 0.0, 1.0], (N, 1))
    assert fin.energy(0, up) == pytest.approx(-2 * N * J - N * K - N * 2 * MU_B * B, rel=1e-14)
    # cycloid in the xz plane along x with q = 2 pi / n per site: S = (sin qx, 0, cos qx)
    q = 2 * np.pi / n
    x = fin.positions[:, 0] / A
    S = np.stack([np.sin(q * x), 0 * x, np.cos(q * x)], 1)
    # exchange: x bonds -J cos q, y bonds -J; DMI (z x x_hat = y_hat): -D y.(S_i x S_j) = -D sin q per x bond
    # (sign: S_i x S_j for a rotation about +y by +q is -sin q y_hat... computed explicitly below)
    Si, Sj = S, np.stack([np.sin(q * (x + 1)), 0 * x, np.cos(q * (x + 1))], 1)
    dmi_x = -D * np.sum(np.cross(Si, Sj)[:, 1])
    e_exch = -J * N * (np.cos(q) + 1)
    e_ani = -K * np.sum(S[:, 2] ** 2)
    e_z = -2 * MU_B * B * np.sum(S[:, 2])
    assert fin.energy(0, S) == pytest.approx(e_exch + dmi_x + e_ani + e_z, rel=1e-13)
    # the two rotation senses differ by the DMI energy: the chirality is fixed by D
    S_rev = S * np.array([-1, 1, 1])
    assert fin.energy(0, S) - fin.energy(0, S_rev) == pytest.approx(2 * dmi_x, rel=1e-12)


def test_neighbour_shells_and_bonds():
    sq = geo.square(A)
    assert len(sq.shell(1)) == 2 and len(sq.shell(2)) == 2 and len(sq.shell(3)) == 2
    assert np.allclose(sq.shell_distances(3), [A, np.sqrt(2) * A, 2 * A])
    tri = geo.triangular(A)
    assert len(tri.shell(1)) == 3
    cb = geo.checkerboard(A)
    # all NN bonds of the checkerboard join A and B (spec 1.1)
    assert all({b.s, b.t} == {0, 1} for b in cb.shell(1)) and len(cb.shell(1)) == 4
    sc = geo.simple_cubic(A)
    assert len(sc.shell(1)) == 3 and len(sc.shell(2)) == 6


def test_open_boundaries_drop_bonds_and_periodic_keep_them():
    s = System(geo.square(A), size=(4, 4), periodic=(True, False)).add_exchange(1 * meV, shell=1)
    fin = s.finalized()
    missing = (fin.tables.nbr < 0).sum(axis=1)
    y = (fin.positions[:, 1] / A).round().astype(int)
    assert np.all(missing[(y == 0) | (y == 3)] == 1) and np.all(missing[(y == 1) | (y == 2)] == 0)


def test_small_periodic_lattice_counts_both_images():
    """On a 2-site periodic ring each pair is joined by two bonds (both images): energy doubles."""
    s = System(geo.chain(A), size=(2,), periodic=True).add_exchange(1 * meV, shell=1)
    fin = s.finalized()
    up = np.tile([0, 0, 1.0], (2, 1))
    assert fin.energy(0, up) == pytest.approx(-2 * meV, rel=1e-14)


def test_pair_tensor_reverse_is_transpose_and_decompositions():
    D = np.array([0.1, -0.2, 0.3])
    T = 1.0 * np.eye(3) - cross_matrix(D)
    assert np.allclose(-axial_vector(T), D)
    assert np.allclose(cross_matrix(D) @ np.array([1.0, 2, 3]), np.cross(D, [1.0, 2, 3]))


def test_builder_errors_are_clear():
    s = System(geo.square(A), size=(3, 3))
    with pytest.raises(InputError, match="unknown sublattice"):
        s.add_exchange(1.0, bonds=[("A", "C", (1, 0))])
    with pytest.raises(InputError, match="exactly one of shell"):
        s.add_exchange(1.0)
    with pytest.raises(InputError, match="unknown DMI kind"):
        s.add_dmi(1.0, shell=1, kind="weird")
    with pytest.raises(InputError, match="to itself"):
        s.add_exchange(1.0, bonds=[("A", "A", (0, 0))])
    with pytest.raises(InputError, match="positive"):
        System(geo.square(A), size=(3, 3), mu=-1.0)
    with pytest.raises(InputError, match="sizes"):
        System(geo.square(A), size=(3, 3, 2))
    fin = s.finalized()
    with pytest.raises(InputError, match="shape"):
        fin.check_spins(np.zeros((4, 3)))
    bad = np.tile([0, 0, 1.0], (9, 1))
    bad[5] = [0, 0, 1.2]
    with pytest.raises(InputError, match="site 5 is not a unit vector"):
        fin.check_spins(bad)
    with pytest.raises(InputError, match="site field"):
        s.set_site_field(np.zeros((3, 3)))


def test_agrees_with_spirit_when_installed():
    """Independent code: Spirit's energy and tangential field for the benchmark model (benchmarks/)."""
    rs = pytest.importorskip("benchmarks.reference_spirit", reason="needs the benchmarks folder")
    if not rs.spirit_available():
        pytest.skip("spirit not installed")
    from benchmarks.bench_model import benchmark_system

    n = 8
    S = random_spins(n * n, seed=3)
    e_sp, b_sp = rs.spirit_energy_and_field(S, n, model=rs.spirit_model())
    fin_sp = benchmark_system(n, constants="spirit").finalized()
    assert fin_sp.energy(0, S) == pytest.approx(e_sp, rel=1e-10)
    B = fin_sp.field_tesla(0, S)
    Bt = B - np.sum(B * S, 1)[:, None] * S
    assert np.abs(Bt - b_sp).max() < 1e-8 * np.abs(Bt).max()
