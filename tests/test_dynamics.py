"""Torque models + integrators: invariants, conserved quantities, convergence orders, errors."""
import numpy as np
import pytest

from conftest import dyn, field_z, tilted
from spinertia.dynamics.kernels import damped_oscillator_kernel, exponential_kernel, phonon_kernel
from spinertia.dynamics.models import LLG, InertialLLG, MemoryKernelLLG
from spinertia.dynamics.simulate import simulate
from spinertia.errors import InputError, SimulationDiverged, StepTooLargeError


def run(model, t_end, dt, method="rk4", out=None, **kw):
    m0 = tilted(np.pi / 4)
    return simulate(model, model.initial_state(m0), t_end, dt, method=method, output_every=out or dt, **kw)


# ---------------------------------------------------------------------------------------------------
# LLG: closed-form solution in a static field (independent of the integrators)
# ---------------------------------------------------------------------------------------------------
def llg_exact(t, theta0, omega0, alpha):
    """Scalar LLG in a field along z: tan(theta/2) = tan(theta0/2) exp(-alpha omega0 t/(1+alpha^2)),
    phi = omega0 t/(1+alpha^2)."""
    th = 2 * np.arctan(np.tan(theta0 / 2) * np.exp(-alpha * omega0 * t / (1 + alpha**2)))
    ph = omega0 * t / (1 + alpha**2)
    return np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=1)


@pytest.mark.parametrize("method", ["rk4", "rkmk4", "dp45"])
def test_llg_matches_closed_form(method, ham):
    tr = run(LLG(dyn(ham, 0.1)), 10.0, 1e-3, method, out=0.1)
    np.testing.assert_allclose(tr.m, llg_exact(tr.t, np.pi / 4, 1.0, 0.1), atol=1e-9)


@pytest.mark.parametrize("model_name", ["llg", "illg"])
@pytest.mark.parametrize("method", ["rk4", "rkmk4"])
def test_fixed_step_order_is_four(method, model_name, ham):
    """Measured convergence order of the fixed-step schemes (reference: dp45 at rtol 1e-13)."""
    model = LLG(dyn(ham, 0.1)) if model_name == "llg" else InertialLLG(dyn(ham, 0.05, 0.1))
    ref = run(model, 4.0, 0.01, "dp45", out=4.0, rtol=1e-13, atol=1e-15).Y[-1]
    errs = []
    dts = [0.04, 0.02, 0.01]
    for dt in dts:
        errs.append(np.linalg.norm(run(model, 4.0, dt, method, out=4.0).Y[-1] - ref))
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all((orders > 3.7) & (orders < 4.4)), orders


def test_adaptive_order_is_five(ham):
    """DP45: the global error falls like (number of steps)^-5 as the tolerance tightens."""
    model = InertialLLG(dyn(ham, 0.05, 0.1))
    ref = run(model, 4.0, 0.01, "dp45", out=4.0, rtol=1e-14, atol=1e-16).Y[-1]
    steps, errs = [], []
    for rtol in (1e-6, 1e-8, 1e-10):
        tr = run(model, 4.0, 0.01, "dp45", out=4.0, rtol=rtol, atol=rtol * 1e-2)
        steps.append(tr.stats["steps"])
        errs.append(np.linalg.norm(tr.Y[-1] - ref))
    slope = np.polyfit(np.log(steps), np.log(errs), 1)[0]
    assert -6.0 < slope < -4.3, (slope, steps, errs)


def test_geometric_integrator_keeps_norm_to_roundoff(ham):
    model = InertialLLG(dyn(ham, 0.02, 0.05))
    tr = run(model, 200.0, 0.02, "rkmk4", out=1.0)
    assert np.max(np.abs(np.linalg.norm(tr.m, axis=1) - 1)) < 1e-13
    tr4 = run(model, 200.0, 0.02, "rk4", out=1.0)
    drift = np.max(np.abs(np.linalg.norm(tr4.m, axis=1) - 1))
    assert 1e-13 < drift < 1e-4  # plain RK4 drifts, at O(dt^4)


# ---------------------------------------------------------------------------------------------------
# iLLG: conserved energy E + eta/2 |dm/dt|^2 and its dissipation
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["rkmk4", "dp45"])
def test_illg_conserves_energy_plus_kinetic_term_without_damping(method):
    ham = field_z(1.0, omega_K=0.3, axis=(1, 0, 1))
    model = InertialLLG(dyn(ham, 0.0, 0.05))
    tr = run(model, 20.0, 5e-4, method, out=0.05, rtol=1e-12, atol=1e-14)
    obs = tr.observables()
    E = obs["total_energy"]
    assert np.ptp(obs["kinetic_energy"]) > 1e-3  # nutation is excited: the kinetic term matters
    assert np.max(np.abs(E - E[0])) < 1e-10 * np.max(np.abs(E))
    assert np.ptp(obs["energy"]) > 1e-4  # the magnetic energy alone is not conserved


def test_illg_energy_budget_with_tensor_damping_and_inertia():
    ham = field_z(1.0, omega_K=0.2, axis=(0, 1, 1))
    A = np.diag([0.02, 0.05, 0.03]) + 0.005 * (np.ones((3, 3)) - np.eye(3))
    E = np.diag([0.04, 0.06, 0.05])
    model = InertialLLG(dyn(ham, A, E))
    tr = run(model, 10.0, 1e-3, "rkmk4", out=1e-3)
    obs = tr.observables()
    lost = np.concatenate([[0], np.cumsum(0.5 * (obs["dissipation"][1:] + obs["dissipation"][:-1]) * 1e-3)])
    budget = obs["total_energy"] + lost
    assert np.max(np.abs(budget - budget[0])) < 1e-6
    assert np.all(np.diff(obs["total_energy"]) < 1e-12)


def test_isotropic_tensors_equal_scalars(ham):
    a = run(InertialLLG(dyn(ham, 0.03, 0.07)), 3.0, 1e-3, out=0.5).Y
    b = run(InertialLLG(dyn(ham, 0.03 * np.eye(3), 0.07 * np.eye(3))), 3.0, 1e-3, out=0.5).Y
    np.testing.assert_allclose(a, b, atol=1e-14)


def test_spin_convention_is_the_sign_flipped_tensor(ham):
    a = run(InertialLLG(dyn(ham, 0.03, 0.07)), 3.0, 1e-3, out=0.5).Y
    b = run(InertialLLG(dyn(ham, -0.03, -0.07), convention="spin"), 3.0, 1e-3, out=0.5).Y
    np.testing.assert_allclose(a, b, atol=1e-14)
    with pytest.raises(InputError, match="positive definite"):
        InertialLLG(dyn(ham, 0.03, 0.07), convention="spin")
    with pytest.warns(UserWarning, match="anti-damping"):
        LLG(dyn(ham, 0.03), convention="spin")


def test_llg_is_the_small_eta_limit_of_illg(ham):
    ref = run(LLG(dyn(ham, 0.05)), 5.0, 1e-3, out=5.0).m[-1]
    devs = [np.linalg.norm(run(InertialLLG(dyn(ham, 0.05, eta)), 5.0, eta / 20, out=5.0).m[-1] - ref) for eta in (4e-3, 2e-3)]
    assert devs[1] < 0.6 * devs[0] and devs[0] < 2e-2  # deviation ~ eta omega0


# ---------------------------------------------------------------------------------------------------
# memory kernel: passive sign makes magnet + phonon energy a Lyapunov function
# ---------------------------------------------------------------------------------------------------
def test_kernel_energy_budget_passive():
    ham = field_z(1.0, omega_K=0.2, axis=(1, 0, 1))
    k = phonon_kernel(V0_sq=4.0, Omega0=8.0, Z=0.6, Gamma=0.5)
    model = MemoryKernelLLG(dyn(ham, 0.01), k)
    tr = run(model, 8.0, 1e-3, "dp45", out=1e-3, rtol=1e-11, atol=1e-13)
    obs = tr.observables()
    Etot, D = obs["total_energy"], obs["dissipation"]
    lost = np.concatenate([[0], np.cumsum(0.5 * (D[1:] + D[:-1]) * 1e-3)])
    assert np.max(np.abs(Etot + lost - Etot[0])) < 1e-6
    assert np.all(np.diff(Etot) < 1e-12)


def test_undamped_phonon_conserves_total_energy():
    """Gamma -> 0 limit (a very long phonon lifetime) with alpha = 0: E_mag - h_mem.m + E_phonon is constant."""
    ham = field_z(1.0)
    k = damped_oscillator_kernel(amplitude=3.0, omega=6.0, rate=1e-14)
    model = MemoryKernelLLG(dyn(ham, 0.0), k)
    tr = run(model, 10.0, 2.5e-4, "rkmk4", out=0.01)
    E = tr.observables()["total_energy"]
    assert np.max(np.abs(E - E[0])) < 1e-10


def test_equilibrated_history_is_stationary(ham):
    model = MemoryKernelLLG(dyn(ham, 0.02), phonon_kernel(2.0, 10.0, 0.5, 1.0))
    y0 = model.initial_state([0, 0, 1.0], history="equilibrated")
    tr = simulate(model, y0, 5.0, 1e-2, method="rk4")
    np.testing.assert_allclose(tr.Y[-1], y0, atol=1e-13)


def test_longitudinal_relaxation_follows_logistic_law(ham):
    """Eq. 4 longitudinal term with g = -(|m|^2 - m_eq^2)/tau: u = |m|^2 obeys u' = -(u - m_eq^2) u / tau."""
    tau, me = 0.7, 0.9
    model = MemoryKernelLLG(dyn(ham, 0.05), exponential_kernel(0.5, 2.0), longitudinal=(tau, me))
    tr = run(model, 5.0, 1e-3, "rk4", out=0.25)
    u = np.sum(tr.m**2, axis=1)
    expected = me**2 / (1 + (me**2 - 1) * np.exp(-me**2 * tr.t / tau))
    np.testing.assert_allclose(u, expected, rtol=1e-9)
    with pytest.raises(InputError, match="rkmk4"):
        run(model, 1.0, 1e-3, "rkmk4")


# ---------------------------------------------------------------------------------------------------
# guards and errors
# ---------------------------------------------------------------------------------------------------
def test_step_too_large_for_nutation_is_refused(ham):
    model = InertialLLG(dyn(ham, 0.02, 1e-3))  # nutation ~ 1/eta = 1000 omega0
    with pytest.raises(StepTooLargeError, match=r"omega_max = 1001 .* stability limit"):
        run(model, 1.0, 5e-3)
    with pytest.warns(UserWarning, match="steps per period"):
        run(model, 1e-2, 1e-3)


def test_divergence_names_step_and_quantity(ham, monkeypatch):
    model = InertialLLG(dyn(ham, 0.02, 1e-3))
    monkeypatch.setattr(model, "max_frequency", lambda: 1.0)  # defeat the guard on purpose
    with pytest.raises(SimulationDiverged, match=r"diverged at step \d+") as err:
        run(model, 10.0, 4e-3)
    assert err.value.step > 0 and err.value.quantity in ("|m|", "state (non-finite)")
    assert err.value.partial.complete is False and len(err.value.partial.t) >= 1


def test_bad_inputs(ham):
    with pytest.raises(InputError, match="not a unit vector"):
        LLG(dyn(ham, 0.1)).initial_state([0, 0, 2.0])
    with pytest.raises(InputError, match="Gamma must be > 0"):
        phonon_kernel(1.0, 10.0, 0.5, -1.0)
    with pytest.raises(InputError, match="Z must lie"):
        phonon_kernel(1.0, 10.0, 1.5, 1.0)
    with pytest.raises(InputError, match="scalar or a 3x3"):
        LLG(dyn(ham, np.ones(2)))
    with pytest.raises(InputError, match="positive definite"):
        InertialLLG(dyn(ham, 0.1, np.diag([1.0, 1.0, -1.0])))
    with pytest.raises(InputError, match="unknown integrator"):
        run(LLG(dyn(ham, 0.1)), 1.0, 1e-2, "euler")
    with pytest.raises(InputError, match="multiple of dt"):
        run(LLG(dyn(ham, 0.1)), 1.0, 1e-2, out=0.015)
    with pytest.raises(InputError, match="expects"):
        simulate(LLG(dyn(ham, 0.1)), np.zeros(6), 1.0, 1e-2)
    with pytest.raises(InputError, match="decay"):
        damped_oscillator_kernel(1.0, 1.0, 0.0)
