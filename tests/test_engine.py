"""The engine: stepper and its coupling hooks, site-resolved parameters, disk-cached compilation, thread choice.

Expected values come from independent routes: a Zeeman term of the Hamiltonian for a hook field, the
sublattice tables for site-resolved ones, a dense linear solve for an inhomogeneous damping map.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from spinertia.dynamics.models import LLG, InertialLLG
from spinertia.dynamics.simulate import simulate
from spinertia.dynamics.stepper import Stepper
from spinertia.dynamics.threads import ThreadTuner
from spinertia.errors import HookError, InputError
from spinertia.lattice import geometry as geo
from spinertia.lattice.system import System, cross_matrix
from spinertia.units import E_CHARGE, GAMMA_ELECTRON, MU_B, ReducedUnits

meV = 1e-3 * E_CHARGE
A = 2.5e-10
U = ReducedUnits(1e-15)


def texture(n, seed=0, amp=0.4):
    S = np.array([0, 0, 1.0]) + amp * np.random.default_rng(seed).normal(size=(n, 3))
    return S / np.linalg.norm(S, axis=1)[:, None]


def lattice(n=(6, 5), B=(0.0, 0.0, 1.0)):
    s = System(geo.checkerboard(A), size=n, mu={"A": 2 * MU_B, "B": 2.4 * MU_B})
    s.add_exchange(5 * meV, shell=1).add_dmi(1 * meV, shell=2, kind="bulk").add_anisotropy(0.2 * meV)
    s.add_zeeman(B)
    return s


# ---------------------------------------------------------------------------------------------------
# stepper and hooks
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["rk4", "heun", "dp45"])
def test_hook_constant_field_equals_zeeman_term(method):
    """A hook that returns a constant field gives the trajectory of the same field as a Zeeman term."""
    Bh = np.array([0.3, -0.2, 0.5])
    ref_sys = lattice(B=Bh).set_damping(0.05).set_inertia("20 fs").finalized(U)
    sys0 = lattice(B=(0.0, 0.0, 0.0)).set_damping(0.05).set_inertia("20 fs").finalized(U)
    S0 = texture(ref_sys.n_sites)
    calls = []

    def hook(t, spins):
        calls.append(t)
        return {"field": np.tile(Bh, (len(spins), 1))}

    for cls in (LLG, InertialLLG):
        a = cls(ref_sys)
        b = cls(sys0)
        ta = simulate(a, a.initial_state(S0), "0.3 ps", "1 fs", method=method, output_every="0.1 ps")
        tb = simulate(b, b.initial_state(S0), "0.3 ps", "1 fs", method=method, output_every="0.1 ps", hook=hook)
        assert np.abs(ta.Y - tb.Y).max() < 1e-12, cls.__name__
    assert len(calls) > 0 and min(calls) >= 0.0 and max(calls) <= 0.3e-12 + 1e-20


def test_hook_runs_at_every_rk4_stage_or_once_per_step():
    fin = lattice().set_damping(0.05).finalized(U)
    model = LLG(fin)
    times = []
    st = Stepper(model, model.initial_state(texture(fin.n_sites)), "1 fs", method="rk4",
                 hook=lambda t, s: times.append(t))
    st.advance(3)
    assert np.allclose(np.array(times) / 1e-15, [0, 0.5, 0.5, 1, 1, 1.5, 1.5, 2, 2, 2.5, 2.5, 3])
    times.clear()
    st2 = Stepper(model, model.initial_state(texture(fin.n_sites)), "1 fs", method="rk4",
                  hook=lambda t, s: times.append(t), hook_every="step")
    st2.advance(3)
    assert np.allclose(np.array(times) / 1e-15, [0, 1, 2])
    assert st2.time == pytest.approx(3e-15) and st2.steps == 3


def test_hook_torque_enters_the_equation_of_motion():
    """A torque tau = m x h_t from the hook equals the precession about the field -h_t (dm/dt = -m x h + tau)."""
    fin0 = lattice(B=(0.0, 0.0, 0.0)).set_damping(0.0).finalized(U)
    Bt = np.array([0.0, 0.4, 0.2])
    fin1 = lattice(B=-Bt).set_damping(0.0).finalized(U)
    S0 = texture(fin0.n_sites, seed=3)
    gam = GAMMA_ELECTRON

    def hook(t, spins):
        return {"torque": gam * np.cross(spins, np.tile(Bt, (len(spins), 1)))}

    a = LLG(fin1)
    b = LLG(fin0)
    ta = simulate(a, a.initial_state(S0), "0.2 ps", "1 fs", method="rk4", output_every="0.1 ps")
    tb = simulate(b, b.initial_state(S0), "0.2 ps", "1 fs", method="rk4", output_every="0.1 ps", hook=hook)
    assert np.abs(ta.Y - tb.Y).max() < 1e-12


@pytest.mark.parametrize("bad,match", [
    (lambda spins: np.zeros((len(spins) - 1, 3)), r"shape \(59, 3\); expected \(60, 3\)"),
    (lambda spins: np.where(np.arange(len(spins))[:, None] == 7, np.nan, 0.0) * np.ones(3), "non-finite field at site 7"),
    (lambda spins: {"fild": spins}, "unknown key"),
])
def test_bad_hook_stops_with_step_and_site_and_keeps_the_partial_result(bad, match):
    fin = lattice().set_damping(0.05).finalized(U)
    model = LLG(fin)
    state = {"n": 0}

    def hook(t, spins):
        state["n"] += 1
        return bad(spins) if state["n"] > 30 else None  # fails in step 8 (4 stages per rk4 step)

    with pytest.raises(HookError, match=match) as info:
        simulate(model, model.initial_state(texture(fin.n_sites)), "20 fs", "1 fs", method="rk4", hook=hook)
    err = info.value
    assert "step 8" in str(err) and err.step == 8 and err.time == pytest.approx(7e-15)
    assert err.partial is not None and len(err.partial.t) == 8  # t = 0 .. 7 fs, all valid
    assert np.all(np.isfinite(err.partial.Y))


def test_stepper_refuses_bad_arguments():
    fin = lattice().set_damping(0.05).finalized(U)
    model = LLG(fin)
    y0 = model.initial_state(texture(fin.n_sites))
    with pytest.raises(InputError, match="hook must be a callable"):
        Stepper(model, y0, "1 fs", hook=3)
    with pytest.raises(InputError, match="hook_every"):
        Stepper(model, y0, "1 fs", hook=lambda t, s: None, hook_every="sometimes")
    with pytest.raises(InputError, match="expects"):
        Stepper(model, y0[:-3], "1 fs")
    with pytest.raises(InputError, match="advance_to"):
        Stepper(model, y0, "1 fs", method="dp45").advance(3)


# ---------------------------------------------------------------------------------------------------
# site-resolved parameters
# ---------------------------------------------------------------------------------------------------
def _site_copy(s):
    """Same couplings, given site by site: on-site damping/inertia as arrays, pair inertia as explicit pairs."""
    c = s.copy()
    c.set_damping(s.onsite_tensors("damping"))
    c.set_inertia(s.onsite_tensors("inertia"))
    return c


def test_site_resolved_tensors_equal_to_the_sublattice_ones_give_identical_results():
    s = lattice()
    s.set_damping(0.05, sublattice="A")
    s.set_damping(np.diag([0.08, 0.06, 0.07]), sublattice="B")
    s.set_inertia("30 fs", sublattice="A").set_inertia("45 fs", sublattice="B")
    f1 = s.finalized(U)
    f2 = _site_copy(s).finalized(U)
    assert len(f2.damping.T) == f2.n_sites and len(f1.damping.T) == 2  # per site vs per sublattice
    S0 = texture(f1.n_sites, seed=1)
    for cls, method in ((LLG, "heun"), (InertialLLG, "heun"), (InertialLLG, "rk4")):
        a, b = cls(f1), cls(f2)
        ya = simulate(a, a.initial_state(S0), "0.2 ps", "1 fs", method=method, output_every="0.1 ps").Y
        yb = simulate(b, b.initial_state(S0), "0.2 ps", "1 fs", method=method, output_every="0.1 ps").Y
        np.testing.assert_array_equal(ya, yb)


def test_explicit_site_pairs_equal_to_shell_bonds_give_identical_results():
    """Pair inertia on the first shell, or the same tensors listed site pair by site pair."""
    s = lattice(n=(4, 3)).set_damping(0.02).set_inertia("40 fs")
    xi = lambda d: (0, 0, 3e-15 * np.sign(round(d[1] / A)))  # noqa: E731  (chiral, odd under reversal)
    a_sys = s.copy().add_pair_inertia(eta=5e-15, xi=xi, shell=1)
    fa = a_sys.finalized(U)
    nbr, row, T = fa.pair_inertia
    ii, kk = np.nonzero(nbr >= 0)
    keep = ii < nbr[ii, kk]  # each unordered pair once (the reverse direction carries the transpose)
    pairs = np.stack([ii[keep], nbr[ii, kk][keep]], 1)
    tensors = T[row[ii[keep]], kk[keep]].reshape(-1, 3, 3) * U.t_unit
    fb = s.copy().add_pair_inertia(tensor=tensors, pairs=pairs).finalized(U)
    assert fb.pair_inertia.T.shape[0] == fb.n_sites
    np.testing.assert_allclose(fa.inertia_matrix(), fb.inertia_matrix(), rtol=1e-15, atol=0)
    S0 = texture(fa.n_sites, seed=2)
    ya = simulate(InertialLLG(fa), InertialLLG(fa).initial_state(S0), "0.1 ps", "0.5 fs", method="rkmk4").Y
    yb = simulate(InertialLLG(fb), InertialLLG(fb).initial_state(S0), "0.1 ps", "0.5 fs", method="rkmk4").Y
    np.testing.assert_allclose(ya, yb, rtol=0, atol=1e-13)


def test_inhomogeneous_damping_map_matches_a_dense_solve():
    """Site-resolved damping tensors (a callable of position) and pair damping between arbitrary sites: the
    LLG right-hand side equals a dense solve of v_i - m_i x sum_j A_ij v_j = -m_i x h_i."""
    s = lattice(n=(5, 4))
    rng = np.random.default_rng(7)

    def alpha_of(r):
        x = r[0] / A
        return np.diag([0.02 + 0.01 * x, 0.03, 0.05 + 0.002 * x * x]) + 0.004 * cross_matrix([0, 0, 1])

    s.set_damping(alpha_of)
    n = s.n_sites
    pairs = np.array([(i, j) for i in range(n) for j in rng.choice(n, 3, replace=False) if i < j])
    G = 0.003 * rng.normal(size=(len(pairs), 3, 3))
    s.add_pair_damping(G, pairs=pairs)
    fin = s.finalized(U)
    m = LLG(fin)
    S = texture(n, seed=4)
    d = m.derivative(0.0, m.initial_state(S)).reshape(-1, 3)
    h = fin.field(0.0, S)
    Amat = np.zeros((3 * n, 3 * n))
    pos = fin.positions
    for i in range(n):
        Amat[3 * i:3 * i + 3, 3 * i:3 * i + 3] = alpha_of(pos[i])
    for (i, j), g in zip(pairs, G):
        Amat[3 * i:3 * i + 3, 3 * j:3 * j + 3] += g
        Amat[3 * j:3 * j + 3, 3 * i:3 * i + 3] += g.T
    M = np.eye(3 * n)
    for i in range(n):
        M[3 * i:3 * i + 3] -= cross_matrix(S[i]) @ Amat[3 * i:3 * i + 3]
    ref = np.linalg.solve(M, -np.cross(S, h).reshape(-1)).reshape(n, 3)
    assert np.abs(d - ref).max() < 1e-10 * np.abs(ref).max()


def test_site_resolved_exchange_and_anisotropy():
    """Exchange between listed sites and a per-site anisotropy: field = -(1/mu) dH/dS by finite differences."""
    s = lattice(n=(4, 4))
    n = s.n_sites
    rng = np.random.default_rng(5)
    pairs = np.array([(0, 5), (3, 9), (2, 30), (7, 8)])
    s.add_exchange(rng.normal(size=(4, 3, 3)) * meV, pairs=pairs)
    s.add_anisotropy(lambda r: 0.1 * meV * (1 + r[0] / A), axis=(1, 0, 1))
    fin = s.finalized(U)
    S = texture(n, seed=6)
    B = fin.field_tesla(0.0, S)
    eps = 1e-6
    mu = fin.mu[fin.sub]
    for i in (0, 5, 9, 30):
        for a in range(3):
            Sp, Sm = S.copy(), S.copy()
            Sp[i, a] += eps
            Sm[i, a] -= eps
            g = (fin.energy(0.0, Sp) - fin.energy(0.0, Sm)) / (2 * eps)
            assert -g / mu[i] == pytest.approx(B[i, a], rel=1e-6, abs=1e-9)


def test_site_resolved_input_errors():
    s = lattice(n=(3, 3))
    with pytest.raises(InputError, match=r"shape \(18,\) or \(18, 3, 3\)"):
        s.set_damping(np.ones(17))
    with pytest.raises(InputError, match="site indices must lie in 0..17"):
        s.add_pair_damping(0.01, pairs=[(0, 18)])
    with pytest.raises(InputError, match="joins a site to itself"):
        s.add_exchange(1 * meV, pairs=[(2, 2)])
    with pytest.raises(InputError, match="one per pair"):
        s.add_exchange(np.ones(3) * meV, pairs=[(0, 1), (1, 2)])
    with pytest.raises(InputError, match="cannot be combined with sublattice"):
        s.set_damping(np.ones(18) * 0.1, sublattice="A")
    with pytest.raises(InputError, match="not a plausible exchange"):
        s.add_exchange(10.0, shell=1)  # 10 J per bond: meant 10 meV
    with pytest.raises(InputError, match="not a plausible moment"):
        System(geo.square(A), size=(2, 2), mu=2.0)  # 2 J/T: meant 2 muB


# ---------------------------------------------------------------------------------------------------
# compilation cache and threads
# ---------------------------------------------------------------------------------------------------
_PROBE = textwrap.dedent("""
    import json, time
    t0 = time.perf_counter()
    import numpy as np
    from spinertia.lattice.macrospin import Macrospin
    from spinertia.dynamics.models import LLG
    from spinertia.dynamics.stepper import Stepper
    t1 = time.perf_counter()
    ms = Macrospin().add_zeeman([0, 0, 0.5]); ms.set_damping(0.1)
    m = LLG(ms.finalized())
    st = Stepper(m, m.initial_state([0.6, 0, 0.8]), "1 fs", method="rk4")
    t2 = time.perf_counter()
    st.warm_up()
    t3 = time.perf_counter()
    fn = st._advance_fn(False)
    print(json.dumps({"import_s": t1 - t0, "compile_s": t3 - t2, "hits": sum(fn.stats.cache_hits.values()),
                      "misses": sum(fn.stats.cache_misses.values())}))
""")


def test_second_process_loads_compiled_code_from_the_disk_cache(tmp_path):
    import time

    import spinertia

    start = time.time()
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["SPINERTIA_CACHE_DIR"] = str(tmp_path / "cache")
    runs = [json.loads(subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True,
                                      check=True).stdout) for _ in range(2)]
    first, second = runs
    assert first["misses"] == 1 and second["hits"] == 1 and second["misses"] == 0
    # loading takes ~0.3 s on a quiet machine (README); the bound leaves room for a loaded shared machine
    assert second["compile_s"] < 5.0 and second["compile_s"] < first["compile_s"] / 3
    assert any((tmp_path / "cache").rglob("*.nbi"))  # the cache lives where it was told ...
    package = os.path.dirname(spinertia.__file__)
    fresh = [p for p in _walk(package, ".nbi") if os.path.getmtime(p) >= start]
    assert not fresh  # ... and never in the package (which may be installed read-only)


def _walk(top, suffix):
    for root, _, files in os.walk(top):
        for f in files:
            if f.endswith(suffix):
                yield os.path.join(root, f)


def test_thread_tuner_keeps_the_fastest_candidate(monkeypatch):
    import spinertia.dynamics.threads as th

    monkeypatch.setattr(th, "max_threads", lambda: 2)
    monkeypatch.setattr(th, "set_threads", lambda n: None)
    tuner = ThreadTuner(allow_parallel=True)
    assert tuner.candidates == [(False, 1), (True, 2)]
    seen = [tuner.choose()]
    tuner.report(seen[0], 100, 1.0)
    seen.append(tuner.choose())
    tuner.report(seen[1], 100, 10.0)  # two threads on a busy machine: ten times slower
    assert set(seen) == set(tuner.candidates)
    assert tuner.choose() == (False, 1)
    monkeypatch.setattr(th, "REPROBE_SECONDS", 0.0)
    assert tuner.choose() == (True, 2)  # re-measured now and then: the load may have changed
    assert ThreadTuner(allow_parallel=False).candidates == [(False, 1)]


def test_thread_tuner_reacts_to_a_core_taken_mid_run(monkeypatch):
    """The machine gets busy while the parallel kernels are in use: the next chunk already measures one thread
    again (not after REPROBE_SECONDS), and near parity one thread is kept."""
    import spinertia.dynamics.threads as th

    monkeypatch.setattr(th, "max_threads", lambda: 2)
    monkeypatch.setattr(th, "set_threads", lambda n: None)
    monkeypatch.setattr(th, "REPROBE_SECONDS", 1e9)
    tuner = ThreadTuner(allow_parallel=True)
    tuner.report(tuner.choose(), 100, 1.0)   # serial, quiet machine
    tuner.report(tuner.choose(), 100, 0.5)   # two threads, quiet machine: twice as fast
    assert tuner.choose() == (True, 2)
    tuner.report((True, 2), 100, 5.0)        # another process takes a core: ten times slower
    assert tuner.choose() == (False, 1)      # measured again at once
    tuner.report((False, 1), 100, 1.2)
    assert tuner.choose() == (False, 1)
    tuner.report((False, 1), 100, 1.2)
    tuner.rate[(True, 2)] = 1.19 / 100        # parallel barely faster (within PARALLEL_MARGIN): keep one thread
    assert tuner.choose() == (False, 1)
    tuner.report((True, 2), 100, 0.5)        # re-measured after the other process ended: the record is replaced,
    assert tuner.rate[(True, 2)] == 0.5 / 100  # not averaged with the slow one
    assert tuner.choose() == (True, 2)


@pytest.mark.parametrize("method", ["heun", "rk4"])
def test_advance_in_pieces_equals_one_piece(method):
    """A chunk split into pieces (as when the thread tuner takes a few steps to measure another candidate)
    gives the same states and outputs, bit for bit, as the chunk in one piece."""
    fin = lattice().set_damping(0.05).set_inertia("20 fs").finalized(U)
    model = InertialLLG(fin)
    y0 = model.initial_state(texture(fin.n_sites))
    whole = Stepper(model, y0, "1 fs", method=method, threads=1)
    split = Stepper(model, y0, "1 fs", method=method, threads=1)
    split.tuner.steps_for = lambda n: min(n, 3)  # pieces of 3 steps
    out_a, out_b = np.empty((6, model.state_size)), np.empty((6, model.state_size))
    assert whole.advance(25, save_every=4, out=out_a, phase=1) == 25
    assert split.advance(25, save_every=4, out=out_b, phase=1) == 25
    assert np.array_equal(out_a, out_b) and np.array_equal(whole.y, split.y)
    assert whole.t == split.t and whole.steps == split.steps == 25
