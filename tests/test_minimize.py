"""Energy minimizer on the product of spheres (spinertia.lattice.minimize)."""
import warnings

import numpy as np
import pytest

from spinertia.analysis import topology as tp
from spinertia.errors import InputError
from spinertia.lattice import textures as tx
from spinertia.lattice.geometry import square, triangular
from spinertia.lattice.minimize import (MinimizationNotConverged, NotConvergedWarning, _rotate, minimize,
                                        torque_scale)
from spinertia.lattice.system import System
from spinertia.units import E_CHARGE, HBAR, MU_B, ReducedUnits

A = 5e-10
J = 1e-3 * E_CHARGE


def xu2023_system(n=40, periodic=False, kind="bulk"):
    s = System(square(A), (n, n), periodic=periodic, mu=MU_B)
    s.add_exchange(J, shell=1).add_dmi(0.2 * J, shell=1, kind=kind).add_anisotropy(0.07 * J)
    return s.finalized(ReducedUnits(HBAR / J))


def small_system(periodic=True, n=8):
    s = System(triangular(A), (n, n), periodic=periodic, mu=2 * MU_B)
    s.add_exchange(J, shell=1).add_dmi(0.3 * J, shell=1, kind="interfacial").add_anisotropy(0.05 * J)
    s.add_zeeman([0.0, 0.0, 2.0])
    return s.finalized(ReducedUnits(HBAR / J))


def test_rotation_is_exact_and_norm_preserving():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(50, 3))
    m /= np.linalg.norm(m, axis=1)[:, None]
    phi = rng.normal(size=(50, 3)) * np.array([[1e-9], [0.3], [3.0], [0.0], [1.0]] * 10)
    out = _rotate(m, phi)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-15)
    from scipy.spatial.transform import Rotation

    ref = np.array([Rotation.from_rotvec(p).apply(v) for p, v in zip(phi, m)])
    np.testing.assert_allclose(out, ref, atol=1e-13)


def test_gradient_matches_finite_differences():
    # dE/dphi_i = -mu_i m_i x B_i (the minimizer's gradient) against a central difference of the energy
    fin = small_system(n=4)
    m = tx.random(fin, seed=4)
    B = fin.field_tesla(0, m)
    g = -fin.mu[fin.sub][:, None] * np.cross(m, B)
    h = 1e-6
    for i, a in ((0, 0), (5, 1), (11, 2)):
        phi = np.zeros_like(m)
        phi[i, a] = h
        num = (fin.energy(0, _rotate(m, phi)) - fin.energy(0, _rotate(m, -phi))) / (2 * h)
        assert num == pytest.approx(g[i, a], rel=1e-6, abs=1e-10 * J)


@pytest.mark.parametrize("method", ["lbfgs", "bb"])
def test_reaches_torque_tolerance_and_lowers_energy(method):
    fin = small_system()
    m0 = tx.random(fin, seed=1)
    res = minimize(fin, m0, method=method, rtol=1e-9)
    assert res.converged and res.max_torque <= res.tolerance
    assert res.tolerance == pytest.approx(1e-9 * torque_scale(fin))
    assert res.energy < res.energy_initial
    assert res.monotone
    dE = res.history["dE"]
    assert np.all(dE[~res.history["wolfe"]] < 0) and np.all(dE <= res.energy_resolution)
    assert res.history["max_torque"][-1] == res.max_torque
    assert len(res.history["energy"]) == res.iterations + 1
    assert res.history["energy"][-1] == pytest.approx(res.energy, rel=1e-12)
    # the torque reported is the true one
    tq = np.linalg.norm(np.cross(res.spins, fin.field_tesla(0, res.spins)), axis=1).max()
    assert tq == pytest.approx(res.max_torque, rel=1e-9)
    np.testing.assert_allclose(np.linalg.norm(res.spins, axis=1), 1.0, atol=1e-14)
    assert res.summary()["converged"] and "torque" in res.message


def test_accepts_a_system_and_a_tesla_tolerance():
    s = System(square(A), (6, 6), periodic=True, mu=MU_B).add_exchange(J, shell=1).add_zeeman([0, 0, 1.0])
    m0 = tx.uniform(s, (1, 0.2, 0.5))
    res = minimize(s, m0, tol=1e-6)
    assert res.converged and res.max_torque <= 1e-6
    np.testing.assert_allclose(res.spins, tx.uniform(s), atol=1e-6)
    # a stationary state returns at once
    r0 = minimize(s, tx.uniform(s))
    assert r0.converged and r0.iterations == 0


def test_fixed_sites_are_pinned():
    fin = small_system(periodic=False)
    m0 = tx.random(fin, seed=2)
    fixed = np.zeros(fin.n_sites, bool)
    fixed[:8] = True
    res = minimize(fin, m0, fixed=fixed)
    assert res.converged
    np.testing.assert_array_equal(res.spins[:8], fin.check_spins(m0)[:8])
    res2 = minimize(fin, m0, fixed=np.arange(8))
    np.testing.assert_allclose(res2.spins, res.spins, atol=1e-12)
    with pytest.raises(InputError):
        minimize(fin, m0, fixed=[fin.n_sites])


def test_non_convergence_is_reported_never_hidden():
    fin = xu2023_system(20, periodic=True)
    m0 = tx.skyrmion(fin, None, 4 * A, kind="bloch", wall_width=2.67 * A)
    with pytest.warns(NotConvergedWarning, match="max_iter"):
        res = minimize(fin, m0, max_iter=3)
    assert not res.converged and res.iterations == 3 and res.max_torque > res.tolerance
    with pytest.raises(MinimizationNotConverged):
        res.raise_if_not_converged()
    # an unreachable tolerance ends (line search at round-off or max_iter), not converged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotConvergedWarning)
        res = minimize(fin, m0, tol=1e-300, max_iter=3000)
    assert not res.converged and res.monotone
    assert "line search" in res.message or "max_iter" in res.message
    # callback stop
    res = minimize(fin, m0, callback=lambda it, m, E, t: it >= 2, warn=False)
    assert not res.converged and res.iterations == 2 and "callback" in res.message


def test_bad_input():
    fin = small_system(n=4)
    m = tx.random(fin, seed=0)
    with pytest.raises(InputError, match="unit vector"):
        minimize(fin, 2 * m)
    with pytest.raises(InputError, match="shape"):
        minimize(fin, m[:3])
    with pytest.raises(InputError, match="method"):
        minimize(fin, m, method="newton")
    with pytest.raises(InputError):
        minimize(fin, m, max_rotation=0)
    with pytest.raises(InputError):
        minimize(fin, m, tol=-1.0)
    with pytest.raises(InputError):
        minimize("fin", m)


def test_equals_damped_dynamics_for_a_small_system():
    from spinertia.dynamics.models import LLG
    from spinertia.dynamics.simulate import simulate

    fin = xu2023_system(12, periodic=False)
    m0 = tx.skyrmion(fin, None, 2.5 * A, kind="bloch", wall_width=1.5 * A)
    res = minimize(fin, m0, rtol=1e-9)
    assert res.converged
    model = LLG(fin.system.copy().set_damping(0.5).finalized(fin.units))
    t = fin.units.time_to_si  # the run in reduced times 300 and 0.05 (units of hbar/J)
    tr = simulate(model, model.initial_state(m0), t(300.0), t(0.05), method="rkmk4", output_every=t(300.0))
    m_llg = model.spins(tr.Y)[-1]
    assert fin.energy(0, m_llg) == pytest.approx(res.energy, abs=1e-9 * J)
    np.testing.assert_allclose(m_llg, res.spins, atol=1e-5)


def test_xu2023_skyrmion_relaxes_to_unit_charge():
    fin = xu2023_system(40, periodic=False)
    m0 = tx.skyrmion(fin, None, 5 * A, kind="bloch", wall_width=2.67 * A)
    res = minimize(fin, m0)
    assert res.converged and res.iterations < 500
    assert tp.topological_charge(fin, res.spins, cap=(0, 0, 1)) == pytest.approx(-1.0, abs=1e-9)
    r = tp.skyrmion_radius(fin, res.spins)
    assert 4.0 * A < r["r_mz0"] < 5.0 * A and 9.5 * A < r["r0"] < 11.5 * A
