"""Thermal noise (Langevin LLG / iLLG) and the Metropolis Monte Carlo: equilibrium, equipartition,
reproducibility, Stratonovich consistency, bad input.

Statistical tests: the error of a time average is the blocking estimate (Flyvbjerg-Petersen,
``montecarlo.blocking_error``), which accounts for the autocorrelation time; each test asserts
|difference| < 4 sigma and that sigma is small enough for the comparison to discriminate (a 10 %
error of the temperature or of the noise variance moves <m_z> by more than 4 sigma).  Seeds are fixed, so
the outcomes are deterministic; the margins are reported in docs/thermal.md.
"""
import numpy as np
import numba
import pytest

from spinertia.analysis.montecarlo import blocking_error, mean_and_error, metropolis
from spinertia.dynamics import thermal
from spinertia.dynamics.models import InertialLLG as LatticeInertialLLG
from spinertia.dynamics.models import LLG as LatticeLLG
from spinertia.dynamics.rhs import LANGEVIN_NOISE
from spinertia.numerics import rng
from spinertia.dynamics.simulate import simulate as _simulate
from spinertia.dynamics.thermal import langevin, single_spin
from spinertia.errors import InputError
from spinertia.lattice.geometry import square
from spinertia.lattice.system import System
from spinertia.units import GAMMA_ELECTRON, K_B, MU_B, ReducedUnits

MU = 2 * MU_B
T_UNIT = 1e-12


def simulate(model, y0, t_end, dt, output_every=None, t0=0.0, **kw):
    """simulate with times in units of T_UNIT (ps)."""
    return _simulate(model, y0, t_end * T_UNIT, dt * T_UNIT, t0=t0 * T_UNIT,
                     output_every=None if output_every is None else output_every * T_UNIT, **kw)

H0 = 1.0                                   # reduced Larmor frequency gamma B t_unit
B = H0 / (GAMMA_ELECTRON * T_UNIT)         # ~5.68 T
UP = np.array([[0.0, 0.0, 1.0]])


def temperature_for(x):
    """T with mu B / (k_B T) = x."""
    return MU * B / (K_B * x)


def free_spins(n, alpha, eta=0.0):
    """n x n open square lattice without bonds: n^2 independent copies of the single spin."""
    s = System(square(2.5e-10), size=(n, n), periodic=False, mu=MU)
    s.add_zeeman([0, 0, B])
    s.set_damping(alpha)
    if eta:
        s.set_inertia(eta)
    return s.finalized(ReducedUnits(T_UNIT))


def stationary(model, y0, t_end, dt, burn=0.1, every=0.2):
    tr = simulate(model, y0, t_end, dt, method="heun", output_every=every)
    return tr.Y[int(burn * len(tr.Y)):]


# ---------------------------------------------------------------------------------------------------
# random numbers
# ---------------------------------------------------------------------------------------------------
def test_philox_known_answers():
    """Philox4x32-10 against the Random123 known-answer vectors (kat_vectors)."""
    U = np.uint64
    cases = [((0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
             ((0xffffffff,) * 4, (0xffffffff,) * 2, (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
             ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
              (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1))]
    for ctr, key, want in cases:
        got = rng.philox4x32(*[U(c) for c in ctr], *[U(k) for k in key])
        assert tuple(int(g) for g in got) == want


def test_normals_are_standard_and_independent():
    key = rng.seed_words(12345)
    z = np.concatenate([rng.standard_normals(key, s, 500) for s in range(200)])  # 1e5 x 3
    n = len(z)
    assert np.all(np.abs(z.mean(0)) < 4 / np.sqrt(n))
    assert np.all(np.abs(z.var(0) - 1) < 4 * np.sqrt(2 / n))
    c = np.corrcoef(z.T)[np.triu_indices(3, 1)]
    assert np.all(np.abs(c) < 4 / np.sqrt(n))
    assert np.all(np.abs((z ** 4).mean(0) - 3) < 4 * np.sqrt(96 / n))
    # consecutive steps and neighbouring sites uncorrelated
    a = rng.standard_normals(key, 7, 20000)
    b = rng.standard_normals(key, 8, 20000)
    assert abs(np.mean(a * b)) < 4 / np.sqrt(a.size)
    assert abs(np.mean(a[1:] * a[:-1])) < 4 / np.sqrt(a.size)
    assert not np.array_equal(a, rng.standard_normals(rng.seed_words(12346), 7, 20000))


def test_noise_field_amplitude_and_thread_independence():
    """hnoise = L xi / sqrt(h) with L L^T = (2 k_B T gamma t_unit / mu) sym(A); identical from the serial
    hook and the parallel hook at 1 and 2 threads (counter-based: a function of (seed, step, site))."""
    alpha = np.array([[0.2, 0.05, 0.0], [0.0, 0.1, 0.0], [0.0, 0.0, 0.3]])  # non-symmetric tensor
    s = System(square(2.5e-10), size=(5, 4), periodic=False, mu=MU)
    s.add_zeeman([0, 0, B])
    s.set_damping(alpha)
    fin = s.finalized(ReducedUnits(T_UNIT))
    T = 30.0
    m = LatticeLLG(fin, temperature=T, seed=99)
    L = m.noise_tables.L[0].reshape(3, 3)
    sym = 0.5 * (alpha + alpha.T)
    np.testing.assert_allclose(L @ L.T, 2 * K_B * T * GAMMA_ELECTRON * T_UNIT / MU * sym, rtol=1e-12)
    h = 0.03
    hn = m.args.tb.hnoise
    ref = rng.standard_normals(rng.seed_words(99), 1234, fin.n_sites, h) @ L.T / np.sqrt(h)
    LANGEVIN_NOISE[0](1234, h, m.args)
    serial = hn.copy()
    np.testing.assert_allclose(serial.reshape(-1, 3), ref, rtol=1e-13, atol=0)
    nthreads = numba.get_num_threads()
    try:
        for k in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(k)
            hn[:] = 0.0
            LANGEVIN_NOISE[1](1234, h, m.args)
            assert np.array_equal(hn, serial)
    finally:
        numba.set_num_threads(nthreads)


def test_semidefinite_damping_uses_eigen_decomposition():
    fin = free_spins(1, np.diag([0.1, 0.1, 0.0]))
    L = thermal.noise_amplitudes(fin, LatticeLLG(fin).A, 10.0)[0].reshape(3, 3)
    c = 2 * K_B * 10.0 * GAMMA_ELECTRON * T_UNIT / MU
    np.testing.assert_allclose(L @ L.T, c * np.diag([0.1, 0.1, 0.0]), atol=1e-15 * c)


# ---------------------------------------------------------------------------------------------------
# single spin: Langevin function and equipartition
# ---------------------------------------------------------------------------------------------------
def test_single_site_system_is_one_copy_of_the_free_spin_ensemble():
    """The single-spin route (a 1-site System, ``thermal.single_spin``) and site 0 of an n x n lattice
    without bonds receive the same noise (a function of (seed, step, site)) and follow the same
    arithmetic: bit-identical trajectories.  So the ensemble tests below are n^2 independent runs of
    the single spin."""
    for eta in (0.0, 0.5e-12):
        one = single_spin(B=[0, 0, B], mu=MU, alpha=0.25, eta=eta)
        many = free_spins(3, 0.25, eta)
        cls = LatticeInertialLLG if eta else LatticeLLG
        m1 = cls(one, temperature=10.0, seed=4)
        m9 = cls(many, temperature=10.0, seed=4)
        y1 = simulate(m1, m1.initial_state(UP), 20.0, 0.02, method="heun", output_every=1.0).Y
        y9 = simulate(m9, m9.initial_state(np.tile(UP, (9, 1))), 20.0, 0.02, method="heun", output_every=1.0).Y
        assert np.array_equal(m1.spins(y1)[:, 0], m9.spins(y9)[:, 0])
        assert np.abs(m9.spins(y9)[-1, 0] - m9.spins(y9)[-1, 1]).max() > 1e-2  # sites are independent


@pytest.mark.parametrize("x", [1.0, 3.0])
def test_single_spin_llg_thermalizes_to_langevin_function(x):
    """16 independent single spins (4x4 without bonds), alpha = 0.25, dt = 0.02/h0, 4000/h0:
    <m_z> = coth x - 1/x.  Measured (seed 1): x = 1: 0.3152 +- 0.0048 (exact 0.3130); x = 3:
    0.6704 +- 0.0030 (exact 0.6716).  The step bias at this dt (256 spins, docs/thermal.md) is
    +0.0028 +- 0.0010 and +0.0002 +- 0.0010, below 0.6 sigma."""
    fin = free_spins(4, 0.25)
    model = LatticeLLG(fin, temperature=temperature_for(x), seed=1)
    Y = stationary(model, model.initial_state(np.tile(UP, (16, 1))), 4000.0, 0.02)
    mz, err = mean_and_error(model.magnetization(Y)[:, 2])
    exact = langevin(x)
    assert err < 0.006
    assert abs(mz - exact) < 4 * err, (mz, err, exact)
    # discriminating power: a 10 % error of the temperature (or of the noise variance) would show
    assert abs(langevin(1.1 * x) - exact) > 4 * err


@pytest.mark.parametrize("x", [1.0, 3.0])
def test_single_spin_illg_equilibrium_and_equipartition(x):
    """36 independent inertial spins (eta = 0.5 ps, alpha = 0.25, dt = 0.05/h0, 4000/h0): inertia leaves
    the distribution of m unchanged, and <1/2 (mu/gamma) v.E v> = k_B T per spin (two tangent degrees of
    freedom).  Measured (seed 2): x = 1: m_z 0.3047 +- 0.0033 (exact 0.3130, -2.5 sigma; over 8 seeds of 16
    spins the mean deviation is -0.0018 +- 0.0021, and 256 spins at seed 1 give +0.0001 +- 0.0016),
    K/k_BT 0.998 +- 0.004; x = 3: m_z 0.6723 +- 0.0016 (exact 0.6716), K/k_BT 0.999 +- 0.004."""
    eta = 0.5e-12
    fin = free_spins(6, 0.25, eta)
    T = temperature_for(x)
    model = LatticeInertialLLG(fin, temperature=T, seed=2)
    Y = stationary(model, model.initial_state(np.tile(UP, (36, 1))), 4000.0, 0.05)
    mz, err = mean_and_error(model.magnetization(Y)[:, 2])
    assert err < 0.006
    assert abs(mz - langevin(x)) < 4 * err, (mz, err)
    v = model.velocities(Y)
    kin = 0.5 * (MU / GAMMA_ELECTRON) * (eta / T_UNIT) * np.sum(v * v, (1, 2)) / T_UNIT / 36
    np.testing.assert_allclose(kin[:3], model.kinetic_energy(Y[:3]) * model.energy_scale() / 36, rtol=1e-12)
    k, kerr = mean_and_error(kin / (K_B * T))
    assert kerr < 0.01
    assert abs(k - 1.0) < 4 * kerr, (k, kerr)


def test_montecarlo_single_spin_and_anisotropy_exact():
    """Metropolis is unbiased: single spin <m_z> = L(x), and <m_z^2> of a pure uniaxial anisotropy
    -K m_z^2 equals its exact quadrature; the tracked energy equals the recomputed one."""
    x = 2.0
    fin = single_spin(B=[0, 0, B], mu=MU)
    r = metropolis(fin, temperature_for(x), 60000, 500, seed=3)
    mz, err = mean_and_error(r["magnetization"][:, 2])
    assert err < 0.005 and abs(mz - langevin(x)) < 4 * err, (mz, err)
    kappa = 1.5
    T = 10.0
    fin = single_spin(mu=MU, K=kappa * K_B * T)
    r = metropolis(fin, T, 60000, 500, seed=4, cone=0.3)
    u = np.linspace(-1, 1, 20001)
    w = np.exp(kappa * u ** 2)
    exact = np.trapezoid(u ** 2 * w, u) / np.trapezoid(w, u)
    m2, err = mean_and_error(r["magnetization"][:, 2] ** 2)
    assert err < 0.005 and abs(m2 - exact) < 4 * err, (m2, err, exact)
    # the cone adapts towards 50 % acceptance, or opens fully (uniform moves) when even those are accepted
    assert r["cone"] == pytest.approx(np.pi) or abs(r["acceptance"] - 0.5) < 0.1


def test_montecarlo_energy_tracking_with_all_terms():
    s = System(square(2.5e-10), size=(3, 1), periodic=True, mu=MU)  # width 1 along y: self-bonds
    s.add_exchange(2e-22, shell=1)
    s.add_dmi(5e-23, shell=1)
    s.add_anisotropy(3e-23, axis=(1, 0, 1))
    s.add_zeeman([0.2, 0, 1.0])
    s.set_site_field(np.random.default_rng(0).normal(size=(3, 3)))
    fin = s.finalized(ReducedUnits(T_UNIT))
    r = metropolis(fin, 8.0, 200, 50, seed=1)
    assert r["energy"][-1] == pytest.approx(fin.energy(0.0, r["spins"]), rel=1e-10, abs=1e-30)
    assert np.allclose(np.linalg.norm(r["spins"], axis=1), 1.0)


# ---------------------------------------------------------------------------------------------------
# lattice: stochastic LLG vs Monte Carlo
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kT_over_J", [0.5, 1.5])
def test_lattice_llg_matches_montecarlo(kT_over_J):
    """6x6 periodic square ferromagnet, J = 1e-22 J, B = 5.68 T (mu B ~ J), alpha = 0.25, dt = 0.01/h0,
    2000/h0, against Metropolis (1e5 sweeps).  Reference MC (1e6 sweeps): <m_z> = 0.86614 +- 0.00010
    (kT = 0.5 J), 0.50777 +- 0.00030 (kT = 1.5 J).  The Heun step bias at kT = 1.5 J (6 seeds each):
    alpha = 0.5, dt = 0.01: +0.0069 +- 0.0018; alpha = 0.5, dt = 0.005: +0.0029 +- 0.0010; alpha = 0.25,
    dt = 0.01 (used here): +0.0015 +- 0.0021, below the single-run sigma ~ 0.005.  Measured here:
    kT = 0.5 J: LLG 0.8656 +- 0.0011, MC 0.8668 +- 0.0003; kT = 1.5 J: LLG 0.5128 +- 0.0042, MC 0.5085 +- 0.0013."""
    J = 1e-22
    s = System(square(2.5e-10), size=(6, 6), periodic=True, mu=MU)
    s.add_exchange(J, shell=1)
    s.add_zeeman([0, 0, B])
    s.set_damping(0.25)
    fin = s.finalized(ReducedUnits(T_UNIT))
    T = kT_over_J * J / K_B
    mc = metropolis(fin, T, 100000, 2000, seed=5)
    m_mc, e_mc = mean_and_error(mc["magnetization"][:, 2])
    model = LatticeLLG(fin, temperature=T, seed=2)
    Y = stationary(model, model.initial_state(np.tile([0.0, 0.0, 1.0], (36, 1))), 2000.0, 0.01)
    m_llg, e_llg = mean_and_error(model.magnetization(Y)[:, 2])
    sigma = np.hypot(e_mc, e_llg)
    assert sigma < 0.008   # a 10 % error of T moves <m_z> by ~ 0.04 at kT = 1.5 J
    assert abs(m_llg - m_mc) < 4 * sigma, (m_llg, e_llg, m_mc, e_mc)


# ---------------------------------------------------------------------------------------------------
# Stratonovich consistency of the Heun scheme
# ---------------------------------------------------------------------------------------------------
def test_heun_step_bias_is_first_order_and_extrapolates_to_boltzmann():
    """Weak convergence of the stationary <m_z> (x = 1, alpha = 1: the largest bias) for 64 independent
    spins (an 8x8 lattice without bonds), 4000/h0 per run.  The bias is resolved, halves with dt (weak
    order 1, non-commuting multiplicative noise) and the Richardson extrapolation 2 m(dt/2) - m(dt)
    agrees with the Boltzmann value: the dt -> 0 limit is the Stratonovich equation (an Ito limit would
    keep a finite bias).  Measured here: +0.0292 +- 0.0018 (dt = 0.1), +0.0134 +- 0.0015 (dt = 0.05),
    ratio 0.46, extrapolation -0.0025 +- 0.0034.  With 256 spins: dt = 0.1: +0.0294, 0.05: +0.0161,
    0.025: +0.0079 (+- 0.0007); alpha = 0.25, dt = 0.02 (the single-spin test): +0.0028 +- 0.0010."""
    x = 1.0
    fin = free_spins(8, 1.0)
    exact = langevin(x)
    res = {}
    for dt, seed in ((0.1, 11), (0.05, 12)):
        model = LatticeLLG(fin, temperature=temperature_for(x), seed=seed)
        Y = stationary(model, model.initial_state(np.tile([0.0, 0.0, 1.0], (64, 1))), 4000.0, dt)
        res[dt] = mean_and_error(model.magnetization(Y)[:, 2])
    (m1, e1), (m2, e2) = res[0.1], res[0.05]
    assert e1 < 0.003 and e2 < 0.003
    assert m1 - exact > 5 * e1                     # the O(dt) bias is resolved
    ratio = (m2 - exact) / (m1 - exact)
    assert 0.25 < ratio < 0.8, ratio               # ~ 1/2: first order
    extrap = 2 * m2 - m1
    assert abs(extrap - exact) < 4 * np.hypot(2 * e2, e1), (extrap, exact)


# ---------------------------------------------------------------------------------------------------
# reproducibility, checkpoint/resume
# ---------------------------------------------------------------------------------------------------
def _small_model(seed, inertial=False):
    s = System(square(2.5e-10), size=(3, 3), periodic=True, mu=MU)
    s.add_exchange(1e-22, shell=1)
    s.add_zeeman([0, 0, B])
    s.set_damping(0.3)
    if inertial:
        s.set_inertia(0.5e-12)
    fin = s.finalized(ReducedUnits(T_UNIT))
    cls = LatticeInertialLLG if inertial else LatticeLLG
    return cls(fin, temperature=20.0, seed=seed)


@pytest.mark.parametrize("inertial", [False, True])
def test_same_seed_is_bit_identical_and_seeds_differ(inertial):
    y0 = np.tile([0.0, 0.0, 1.0], (9, 1))
    runs = []
    for seed in (7, 7, 8):
        m = _small_model(seed, inertial)
        runs.append(simulate(m, m.initial_state(y0), 20.0, 0.02, method="heun", output_every=1.0).Y)
    assert np.array_equal(runs[0], runs[1])
    assert np.abs(runs[0][-1] - runs[2][-1]).max() > 1e-2


def test_resume_from_checkpoint_continues_the_same_noise(tmp_path):
    """A run interrupted after 12 of 25 outputs and resumed gives the uninterrupted trajectory
    bit for bit (the noise is indexed by the global step)."""
    m = _small_model(3)
    y0 = m.initial_state(np.tile([0.0, 0.0, 1.0], (9, 1)))
    full = simulate(m, y0, 25.0, 0.02, method="heun", output_every=1.0)
    ck = tmp_path / "ck.npz"
    simulate(m, y0, 25.0, 0.02, method="heun", output_every=1.0, checkpoint=str(ck))
    d = dict(np.load(ck))
    k = 13  # keep the initial state and 12 outputs, as an interrupted run leaves them
    d.update(t=d["t"][:k], Y=d["Y"][:k], t_now=d["t"][k - 1], y_now=d["Y"][k - 1], t_last=d["t"][k - 1], phase=0)
    np.savez(ck, **d)
    resumed = simulate(m, y0, 25.0, 0.02, method="heun", output_every=1.0, checkpoint=str(ck), resume=True)
    assert resumed.complete
    assert np.array_equal(resumed.Y, full.Y)


def test_noise_depends_on_seed_step_site_and_dt_only():
    key = rng.seed_words(5)
    a = rng.standard_normals(key, 10, 4, 0.02)
    assert np.array_equal(a, rng.standard_normals(key, 10, 4, 0.02))
    assert np.array_equal(a[:2], rng.standard_normals(key, 10, 2, 0.02))   # site i is site i
    assert not np.any(a == rng.standard_normals(key, 10, 4, 0.01))         # another dt: new numbers
    assert not np.any(a == rng.standard_normals(key, 11, 4, 0.02))


def test_reseed_decorrelates_a_continuation():
    """A second simulate call restarts the step count at its t0: reseed() gives the continuation fresh
    noise (without it, a damped spin would synchronize to the first segment's trajectory)."""
    fin = single_spin(B=[0, 0, B], mu=MU, alpha=0.5)
    m = LatticeLLG(fin, temperature=10.0, seed=1)
    a = simulate(m, m.initial_state(UP), 100.0, 0.02, method="heun", output_every=1.0)
    thermal.reseed(m, 2)
    b = simulate(m, a.Y[-1], 200.0, 0.02, method="heun", output_every=1.0, t0=100.0)
    assert np.abs(a.Y[-20:] - b.Y[-20:]).max() > 0.1
    with pytest.raises(InputError, match="no thermal noise"):
        thermal.reseed(LatticeLLG(fin), 3)


# ---------------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------------
def test_bad_input():
    fin = single_spin(B=[0, 0, B], mu=MU, alpha=0.1)
    with pytest.raises(InputError, match="temperature must be >= 0"):
        LatticeLLG(fin, temperature=-1.0)
    with pytest.raises(InputError, match="damping is zero"):
        LatticeLLG(single_spin(B=[0, 0, B], mu=MU, alpha=0.0), temperature=10.0)
    with pytest.raises(InputError, match="seed"):
        LatticeLLG(fin, temperature=10.0, seed=-1)
    with pytest.warns(UserWarning, match="anti-damping"), pytest.raises(InputError, match="anti-damping"):
        LatticeLLG(fin, temperature=10.0, convention="spin")
    s = System(square(2.5e-10), size=(3, 3), periodic=True, mu=MU)
    s.add_exchange(1e-22, shell=1)
    s.set_damping(0.1)
    s.add_pair_damping(0.01, shell=1)
    with pytest.raises(InputError, match="non-local .*not supported"):
        LatticeLLG(s.finalized(ReducedUnits(T_UNIT)), temperature=10.0)
    model = LatticeLLG(fin, temperature=10.0, seed=1)
    with pytest.raises(InputError, match="thermal noise: use a fixed-step method"):
        simulate(model, model.initial_state(UP), 1.0, 0.01, method="dp45")
    with pytest.raises(InputError, match="temperature > 0"):
        metropolis(fin, 0.0, 10)
    with pytest.raises(InputError, match="samples"):
        blocking_error(np.zeros(10))
