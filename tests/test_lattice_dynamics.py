"""Lattice LLG / iLLG: invariants, limits, agreement with the macrospin engine, non-local solves, errors."""
import numpy as np
import pytest

from spinertia.dynamics.models import LLG, InertialLLG
from spinertia.dynamics.simulate import simulate
from spinertia.errors import InputError
from spinertia.lattice.macrospin import Macrospin
from spinertia.lattice import geometry as geo
from spinertia.lattice.system import System, cross_matrix
from spinertia.units import E_CHARGE, GAMMA_ELECTRON, MU_B, ReducedUnits

meV = 1e-3 * E_CHARGE
A = 2.5e-10
U = ReducedUnits(1e-12)


def tilted_spins(n, seed=0, amp=0.3):
    S = np.array([0, 0, 1.0]) + amp * np.random.default_rng(seed).normal(size=(n, 3))
    return S / np.linalg.norm(S, axis=1)[:, None]


def single_site(alpha=0.05, eta=None, B=(0.2, 0.0, 1.0), K=2e-23):
    s = System(geo.square(A), size=(1, 1), periodic=False, mu=2 * MU_B)
    s.add_zeeman(B).add_anisotropy(K, axis=(0, 1, 1))
    s.set_damping(alpha)
    if eta is not None:
        s.set_inertia(eta)
    return s


def macrospin_twin(B=(0.2, 0.0, 1.0), K=2e-23, alpha=0.05, eta=None):
    ms = Macrospin()
    ms.add_zeeman(B)
    # -K (m.n)^2 = -(gamma B_K / 2)(m.n)^2 with gamma B_K = 2 K gamma / mu
    ms.add_uniaxial_anisotropy(omega_K=2 * K * GAMMA_ELECTRON / (2 * MU_B), axis=(0, 1, 1))
    ms.set_damping(alpha)
    if eta is not None:
        ms.set_inertia(eta)
    return ms.finalized(U)


@pytest.mark.parametrize("inertial", [False, True])
def test_one_site_lattice_equals_macrospin_through_the_same_code(inertial):
    """A one-site square-lattice System and a Macrospin built from field-style parameters run through the same
    compiled right-hand side and agree to round-off (the parameters are converted differently)."""
    m0 = np.array([0.6, 0.0, 0.8])
    cls = InertialLLG if inertial else LLG
    eta = 20e-15 if inertial else None
    lat = cls(single_site(eta=eta).finalized(U))
    mac = cls(macrospin_twin(eta=eta))
    assert lat.rhs is mac.rhs
    a = simulate(lat, lat.initial_state(m0[None, :]), "5 ps", "2 fs", method="rk4", output_every="0.5 ps")
    b = simulate(mac, mac.initial_state(m0), "5 ps", "2 fs", method="rk4", output_every="0.5 ps")
    assert np.abs(a.Y - b.Y).max() < 1e-12


def test_uniform_precession_of_ferromagnet_equals_macrospin():
    """Exchange does not act on a uniform state: every spin follows the macrospin."""
    s = System(geo.triangular(A), size=(4, 4), mu=2 * MU_B)
    s.add_exchange(10 * meV, shell=1).add_zeeman([0.2, 0.0, 1.0]).add_anisotropy(2e-23, axis=(0, 1, 1))
    s.set_damping(0.05).set_inertia(20e-15)
    m0 = np.array([0.6, 0.0, 0.8])
    lat = InertialLLG(s.finalized(U))
    a = simulate(lat, lat.initial_state(np.tile(m0, (16, 1))), "3 ps", "2 fs", method="rkmk4", output_every="0.5 ps")
    mac = InertialLLG(macrospin_twin(eta=20e-15))
    b = simulate(mac, mac.initial_state(m0), "3 ps", "2 fs", method="rkmk4", output_every="0.5 ps")
    S = lat.spins(a.Y)
    assert np.abs(S - b.Y[:, None, 0:3]).max() < 1e-11


def chain_with_pair_terms(eta_pair=5e-15, xi=3e-15, G=0.0, n=(5, 4), mu2=1.0):
    s = System(geo.checkerboard(A), size=n, mu={"A": 2 * MU_B, "B": 2 * MU_B * mu2})
    s.add_exchange(5 * meV, shell=1).add_dmi(1 * meV, shell=2, kind="bulk").add_anisotropy(0.2 * meV)
    s.add_zeeman([0.1, 0.0, 2.0])
    s.set_inertia(40e-15)
    if eta_pair or xi:
        s.add_pair_inertia(eta=eta_pair, xi=lambda d: (0, 0, xi * np.sign(round(d[1] / A))), shell=1)
    if G:
        s.add_pair_damping(G, shell=1)
    return s


def test_illg_conserves_energy_with_nonlocal_chiral_inertia():
    """alpha = 0: H + 1/2 sum (mu/gamma) v.E v is conserved (symmetric mass matrix: equal moments)."""
    fin = chain_with_pair_terms().finalized(U)
    m = InertialLLG(fin)
    y0 = m.initial_state(tilted_spins(fin.n_sites))
    tr = simulate(m, y0, "1 ps", "0.5 fs", method="rkmk4", output_every="50 fs")
    obs = m.observables(tr.t, tr.Y)
    tot = obs["energy"] + obs["kinetic_energy"]
    assert np.abs(tot - tot[0]).max() < 1e-8 * np.abs(obs["energy"]).max()
    assert np.abs(np.linalg.norm(m.spins(tr.Y), axis=-1) - 1).max() < 1e-13
    assert obs["kinetic_energy"].max() > 1e-3 * np.abs(obs["energy"] - obs["energy"][0]).max()  # not trivial
    assert m.solver_report()["failed_solves"] == 0


def test_nonlocal_inertia_solve_equals_dense_solve():
    """The CG acceleration equals a dense solve of m_i x sum_j E_ij a_j = c_i, m_i . a_i = -|v_i|^2."""
    fin = chain_with_pair_terms(G=0.01).finalized(U)
    fin.system.set_damping(0.02)
    fin = fin.system.finalized(U)
    m = InertialLLG(fin)
    S = tilted_spins(fin.n_sites, seed=2)
    V = np.cross(np.random.default_rng(3).normal(size=S.shape), S) * 0.1
    y = m.initial_state(S, V / U.t_unit)  # velocities in rad/s
    d = m.derivative(0.0, y)
    N = fin.n_sites
    acc_cross = d[3 * N:].reshape(N, 3)  # m x d2m
    # dense reference
    E = np.zeros((3 * N, 3 * N))
    Amat = np.zeros((3 * N, 3 * N))
    for i in range(N):
        E[3 * i:3 * i + 3, 3 * i:3 * i + 3] = m.E.T[m.E.row[i]].reshape(3, 3)
        Amat[3 * i:3 * i + 3, 3 * i:3 * i + 3] = m.A.T[m.A.row[i]].reshape(3, 3)
        for k in range(m.I.nbr.shape[1]):
            j = m.I.nbr[i, k]
            if j >= 0:
                E[3 * i:3 * i + 3, 3 * j:3 * j + 3] += m.I.T[m.I.row[i], k].reshape(3, 3)
        for k in range(m.G.nbr.shape[1]):
            j = m.G.nbr[i, k]
            if j >= 0:
                Amat[3 * i:3 * i + 3, 3 * j:3 * j + 3] += m.G.T[m.G.row[i], k].reshape(3, 3)
    h = fin.field(0.0, S).reshape(-1)
    v = V.reshape(-1)
    Av = Amat @ v
    M = np.zeros((4 * N, 3 * N))
    rhs = np.zeros(4 * N)
    for i in range(N):
        X = cross_matrix(S[i])
        M[3 * i:3 * i + 3] = X @ E[3 * i:3 * i + 3]
        rhs[3 * i:3 * i + 3] = v[3 * i:3 * i + 3] + X @ (h[3 * i:3 * i + 3] - Av[3 * i:3 * i + 3])
        M[3 * N + i, 3 * i:3 * i + 3] = S[i]
        rhs[3 * N + i] = -V[i] @ V[i]
    acc = np.linalg.lstsq(M, rhs, rcond=None)[0].reshape(N, 3)
    ref = np.cross(S, acc)
    assert np.abs(acc_cross - ref).max() < 1e-9 * np.abs(ref).max()


def test_nonlocal_damping_llg_equals_dense_solve_and_dissipates():
    s = chain_with_pair_terms(eta_pair=0, xi=0, G=0.02)
    s.set_damping(0.1)
    fin = s.finalized(U)
    m = LLG(fin)
    S = tilted_spins(fin.n_sites, seed=4)
    d = m.derivative(0.0, m.initial_state(S)).reshape(-1, 3)
    N = fin.n_sites
    h = fin.field(0.0, S)
    # dense: v_i - m_i x sum_j A_ij v_j = -m_i x h_i
    M = np.eye(3 * N)
    for i in range(N):
        X = cross_matrix(S[i])
        M[3 * i:3 * i + 3, 3 * i:3 * i + 3] -= X @ m.A.T[m.A.row[i]].reshape(3, 3)
        for k in range(m.G.nbr.shape[1]):
            j = m.G.nbr[i, k]
            if j >= 0:
                M[3 * i:3 * i + 3, 3 * j:3 * j + 3] -= X @ m.G.T[m.G.row[i], k].reshape(3, 3)
    ref = np.linalg.solve(M, -np.cross(S, h).reshape(-1)).reshape(N, 3)
    assert np.abs(d - ref).max() < 1e-10 * np.abs(ref).max()
    tr = simulate(m, m.initial_state(S), "2 ps", "2 fs", method="rkmk4", output_every="0.2 ps")
    e = m.observables(tr.t, tr.Y)["energy"]
    assert np.all(np.diff(e) < 0)


def test_convergence_orders_on_lattice():
    """Measured order: rk4 and rkmk4 4, geometric Heun (generic and fused site-local) 2."""
    fin = chain_with_pair_terms(eta_pair=0, xi=0).finalized(U)
    fin.system.set_damping(0.1)
    fin = fin.system.finalized(U)
    m = LLG(fin)
    y0 = m.initial_state(tilted_spins(fin.n_sites, seed=5))
    ref = simulate(m, y0, 0.4e-12, 0.5e-15, method="rk4").Y[-1]
    for method, order in (("rk4", 4), ("rkmk4", 4), ("heun", 2)):
        errs = [np.abs(simulate(m, y0, 0.4e-12, dt, method=method).Y[-1] - ref).max() for dt in (8e-15, 4e-15)]
        assert np.log2(errs[0] / errs[1]) == pytest.approx(order, abs=0.35), method


def test_fused_heun_matches_generic_heun_to_second_order():
    """The fused site-local Heun sweep (the heun fast path) converges at order 2 and agrees with the generic
    geometric Heun to O(dt^2)."""
    s = chain_with_pair_terms(eta_pair=0, xi=0)
    s.set_damping(0.1)
    fin = s.finalized(U)
    for model in (LLG(fin), InertialLLG(fin)):
        assert model.sweep is not None
        y0 = model.initial_state(tilted_spins(fin.n_sites, seed=6))
        ref = simulate(model, y0, "0.2 ps", "0.2 fs", method="rk4").Y[-1]
        errs, gen = [], []
        for dt in (4e-15, 2e-15):
            errs.append(np.abs(simulate(model, y0, "0.2 ps", dt, method="heun").Y[-1] - ref).max())
            sweep = model.sweep
            model.sweep = None  # the generic geometric Heun
            try:
                gen.append(simulate(model, y0, "0.2 ps", dt, method="heun").Y[-1])
            finally:
                model.sweep = sweep
        assert np.log2(errs[0] / errs[1]) == pytest.approx(2, abs=0.35)
        assert np.abs(gen[1] - ref).max() < 3 * errs[1]  # the generic scheme has an error of the same size


def test_singular_inertia_matrix_is_refused():
    s = chain_with_pair_terms(eta_pair=20e-15, xi=0)  # 4 bonds x 20 fs > 40 fs on-site: indefinite
    with pytest.raises(InputError, match="not positive definite"):
        InertialLLG(s.finalized(U))
    s2 = System(geo.square(A), size=(2, 2)).add_exchange(1 * meV, shell=1)
    with pytest.raises(InputError, match="not positive definite"):
        InertialLLG(s2.finalized(U))  # no inertia at all


def test_bad_initial_state_and_divergence_messages():
    fin = chain_with_pair_terms(eta_pair=0, xi=0).finalized(U)
    m = LLG(fin)
    S = tilted_spins(fin.n_sites)
    S[3] *= 1.1
    with pytest.raises(InputError, match="site 3 is not a unit vector"):
        m.initial_state(S)
    with pytest.raises(InputError, match="shape"):
        m.initial_state(S[:-1])
    im = InertialLLG(fin)
    with pytest.raises(InputError, match="perpendicular"):
        im.initial_state(tilted_spins(fin.n_sites), velocities=tilted_spins(fin.n_sites))
