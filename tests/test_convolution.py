"""Direct-convolution reference solver (spinertia.dynamics.convolution) vs the auxiliary-variable
memory-kernel LLG (Webb et al. 2026, Eq. 10), its quadrature against closed forms, and its input checks.

Agreement metric used throughout:

    err(dt) = max_k |m_aux(t_k) - m_direct(t_k)|_2 / max_k |m_aux(t_k)|_2

over the common output grid t_k = 0.1 k, 0 < t_k <= t_end.  The auxiliary-variable reference is run
with dp45 at rtol 1e-11, atol 1e-13 (its own error is ~ 4e-12, far below the direct errors tested).
"""
import math

import numpy as np
import pytest

from conftest import dyn
from spinertia.dynamics.convolution import (
    DirectTrajectory,
    DirectWorkspace,
    advance_direct,
    memory_integrals_at_step,
    simulate_direct,
)
from spinertia.dynamics.kernels import damped_oscillator_kernel, exponential_kernel, phonon_kernel
from spinertia.dynamics.models import LLG, MemoryKernelLLG
from spinertia.dynamics.simulate import Trajectory, simulate
from spinertia.errors import InputError, SimulationDiverged, StepTooLargeError
from spinertia.lattice.macrospin import Macrospin
from spinertia.units import ReducedUnits

T_END = 10.0
OUT = 0.1
M45 = np.array([math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4)])


def precession_hamiltonian(omega0=1.0):
    return Macrospin().add_zeeman(omega=[0.0, 0.0, omega0]).finalized(ReducedUnits(1.0))


def phonon_model(kernel_sign="passive"):
    return MemoryKernelLLG(dyn(precession_hamiltonian(), 0.02), phonon_kernel(V0_sq=5.0, Omega0=20.0, Z=0.5, Gamma=2.0), kernel_sign=kernel_sign)


def reference(model, m0, t_end):
    tr = simulate(model, model.initial_state(m0), t_end, 1e-3, method="dp45", rtol=1e-11, atol=1e-13,
                  output_every=OUT)
    assert tr.complete
    return tr


def rel_err(m_ref, m):
    assert m_ref.shape == m.shape
    return np.max(np.linalg.norm(m_ref - m, axis=1)) / np.max(np.linalg.norm(m_ref, axis=1))


@pytest.fixture(scope="module", params=["passive", "as_printed"])
def phonon_case(request):
    model = phonon_model(request.param)
    ref = reference(model, M45, T_END)
    runs = {dt: simulate_direct(model, M45, T_END, dt, output_every=OUT) for dt in (0.01, 0.005)}
    return model, ref, runs


# --------------------------------------------------------------------------------------------------
# (a) agreement with the auxiliary-variable method and 4th-order convergence
# --------------------------------------------------------------------------------------------------
def test_direct_agrees_with_auxiliary_variables(phonon_case):
    model, ref, runs = phonon_case
    tr = runs[0.01]
    assert isinstance(tr, Trajectory) and isinstance(tr, DirectTrajectory)
    assert tr.complete and tr.Y.shape == (len(ref.t), 3)
    np.testing.assert_allclose(tr.t, ref.t, rtol=0, atol=1e-12)
    assert np.array_equal(tr.m, tr.Y)
    err = rel_err(ref.m, tr.m)
    assert err <= 1e-6, err  # measured ~2e-8


def test_direct_error_falls_as_h4(phonon_case):
    model, ref, runs = phonon_case
    e1, e2 = rel_err(ref.m, runs[0.01].m), rel_err(ref.m, runs[0.005].m)
    order = math.log2(e1 / e2)
    assert order > 3.5, (e1, e2, order)  # measured ~5.0 (pre-asymptotic), -> 4 for smaller dt
    assert e2 <= 1e-8


def test_memory_actually_matters(phonon_case):
    """The agreement is not vacuous: the kernel sign changes the trajectory by far more than the error."""
    model, ref, runs = phonon_case
    other = "as_printed" if model.kernel_sign == "passive" else "passive"
    wrong = simulate_direct(phonon_model(other), M45, T_END, 0.01, output_every=OUT)
    assert rel_err(ref.m, wrong.m) > 1e-3


def test_generic_kernel_with_nonzero_chi0_is_fourth_order():
    """chi(0) != 0 (exponential term), two kernel terms, tensor damping, anisotropy and a sine field."""
    ham = (Macrospin()
           .add_zeeman(omega=[0.2, 0.0, 1.0], protocol="sine", omega1=[0.3, 0.0, 0.0], frequency=2.0, phase=0.1)
           .add_uniaxial_anisotropy(omega_K=0.5, axis=[0.0, 1.0, 1.0])
           .finalized(ReducedUnits(1.0)))
    kernel = exponential_kernel(2.0, 3.0) + damped_oscillator_kernel(4.0, 8.0, 1.5)
    assert kernel(0.0) != 0.0
    model = MemoryKernelLLG(dyn(ham, [[0.03, 0.01, 0.0], [0.0, 0.02, 0.0], [0.0, 0.0, 0.05]]), kernel)
    m0 = np.array([0.6, 0.0, 0.8])
    ref = reference(model, m0, 5.0)
    e1 = rel_err(ref.m, simulate_direct(model, m0, 5.0, 0.02, output_every=OUT).m)
    e2 = rel_err(ref.m, simulate_direct(model, m0, 5.0, 0.01, output_every=OUT).m)
    assert e1 <= 1e-6 and math.log2(e1 / e2) > 3.5, (e1, e2)  # measured 4.2e-8 -> 2.5e-9, order 4.04


# --------------------------------------------------------------------------------------------------
# (b) analytic cases
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel_sign", ["passive", "as_printed"])
def test_equilibrium_stays_put(kernel_sign):
    """m0 || field: the memory field is parallel to m for all t, the torque vanishes identically."""
    tr = simulate_direct(phonon_model(kernel_sign), [0.0, 0.0, 1.0], 5.0, 0.01, output_every=0.5)
    np.testing.assert_allclose(tr.m, np.tile([0.0, 0.0, 1.0], (len(tr.t), 1)), rtol=0, atol=1e-14)


def test_constant_m_without_field_for_any_direction():
    """No Zeeman field: a constant m is an exact solution for any direction (h_mem = m int chi || m)."""
    ham = Macrospin().finalized(ReducedUnits(1.0))
    model = MemoryKernelLLG(dyn(ham, 0.1), exponential_kernel(3.0, 2.0) + phonon_kernel(5.0, 20.0, 0.5, 2.0))
    m0 = np.array([1.0, -2.0, 0.5]) / np.linalg.norm([1.0, -2.0, 0.5])
    tr = simulate_direct(model, m0, 3.0, 0.01, output_every=0.1)
    np.testing.assert_allclose(tr.m, np.tile(m0, (len(tr.t), 1)), rtol=0, atol=1e-14)


def _exact_memory_integral(c, z, om, t):
    """int_0^t Re[c e^{z(t-s)}] (cos om s, sin om s, 1) ds in closed form."""
    g = 0.5 * (c * (np.exp(1j * om * t) - np.exp(z * t)) / (1j * om - z)
               + np.conj(c) * (np.exp(1j * om * t) - np.exp(np.conj(z) * t)) / (1j * om - np.conj(z)))
    one = np.real(c * (np.exp(z * t) - 1.0) / z)
    return np.array([g.real, g.imag, one])


@pytest.mark.parametrize("kernel", [exponential_kernel(2.0, 3.0), damped_oscillator_kernel(4.0, 8.0, 1.5)],
                         ids=["exponential", "oscillator"])
def test_quadrature_matches_closed_form(kernel):
    """The solver's three stage quadratures (t_n, t_n + h/2, t_n + h) converge as h^4 to the exact integral
    for a prescribed history m(s) = (cos w s, sin w s, 1)."""
    c, z, om, T = kernel.coefficients[0], kernel.exponents[0], 2.3, 1.3
    errs = []
    for n in (8, 16, 32):
        h = T / n
        s = 0.5 * h * np.arange(2 * n + 3)
        nodes = np.stack([np.cos(om * s), np.sin(om * s), np.ones_like(s)], axis=1)
        integrals = memory_integrals_at_step(kernel(s), nodes, n, h)
        errs.append([np.max(np.abs(I - _exact_memory_integral(c, z, om, T + dt)))
                     for I, dt in zip(integrals, (0.0, 0.5 * h, h))])
    errs = np.array(errs)
    assert np.all(errs[-1] < 5e-6)
    assert np.all(np.log2(errs[:-1] / errs[1:]) > 3.7), errs


# --------------------------------------------------------------------------------------------------
# compiled driver: restart and chunking (what the benchmark relies on)
# --------------------------------------------------------------------------------------------------
def test_advance_direct_restart_and_chunks():
    model = phonon_model()
    n, dt = 400, 0.01
    ws = DirectWorkspace.create(model, M45, dt, n)
    out1 = np.empty((1, 3))
    st, done = advance_direct(*ws.arrays, 0, n, dt, n, out1, 1e-2)
    assert st == 0 and done == n
    out2 = np.empty((1, 3))
    advance_direct(*ws.arrays, 0, n, dt, n, out2, 1e-2)  # restart from node 0 = m0
    assert np.array_equal(out1, out2)
    out3 = np.empty((1, 3))
    advance_direct(*ws.arrays, 0, 150, dt, 150, out3, 1e-2)
    advance_direct(*ws.arrays, 150, n - 150, dt, n - 150, out3, 1e-2)
    np.testing.assert_allclose(out3, out1, rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="too small"):
        advance_direct(*ws.arrays, 0, n + 1, dt, n + 1, out3, 1e-2)
    tr = simulate_direct(model, M45, n * dt, dt, output_every=n * dt)
    np.testing.assert_allclose(tr.m[-1], out1[0], rtol=0, atol=1e-15)


# --------------------------------------------------------------------------------------------------
# (c) bad input
# --------------------------------------------------------------------------------------------------
def test_rejects_models_it_cannot_follow():
    with pytest.raises(InputError, match="MemoryKernelLLG"):
        simulate_direct(LLG(dyn(precession_hamiltonian(), 0.1)), M45, 1.0, 0.01)
    longitudinal = MemoryKernelLLG(dyn(precession_hamiltonian(), 0.02), phonon_kernel(5.0, 20.0, 0.5, 2.0), longitudinal=(1.0, 0.9))
    with pytest.raises(InputError, match="longitudinal"):
        simulate_direct(longitudinal, M45, 1.0, 0.01)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(m0=[1.0, 1.0, 0.0]), "unit vector"),
        (dict(m0=[0.0, 1.0]), "3-vector"),
        (dict(m0=[np.nan, 0.0, 1.0]), "finite"),
        (dict(dt=0.0), "dt must be positive"),
        (dict(dt=float("nan")), "dt must be finite"),
        (dict(dt="small"), "dt: cannot read 'small' as a time"),
        (dict(t_end=-1.0), "t_end must be positive"),
        (dict(t_end=0.005), "shorter than one output interval"),
        (dict(output_every=0.015), "multiple of dt"),
        (dict(output_every=-0.1), "output_every must be positive"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(m0=M45, t_end=1.0, dt=0.01, output_every=None)
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        simulate_direct(phonon_model(), args["m0"], args["t_end"], args["dt"], output_every=args["output_every"])


def test_step_too_large_and_too_many_steps():
    with pytest.raises(StepTooLargeError, match="stability limit"):
        simulate_direct(phonon_model(), M45, 10.0, 0.2)
    with pytest.raises(InputError, match="exceed the limit"):
        simulate_direct(phonon_model(), M45, 10.0, 0.01, max_steps=500)
    with pytest.raises(InputError, match="positive integer"):
        DirectWorkspace.create(phonon_model(), M45, 0.01, 0)


def test_direct_trajectory_has_no_observables():
    tr = simulate_direct(phonon_model(), M45, 0.5, 0.01, output_every=0.1)
    assert tr.Y.shape == (6, 3)
    with pytest.raises(InputError, match="only m"):
        tr.observables()


def test_divergence_is_reported():
    """|m| drifting beyond norm_tol stops the run; the error names the step and keeps the partial trajectory."""
    with pytest.raises(SimulationDiverged, match="diverged at step") as info:
        simulate_direct(phonon_model(), M45, 10.0, 0.01, output_every=0.1, norm_tol=1e-13)
    err = info.value
    assert err.quantity == "|m|" and err.step >= 1 and not err.partial.complete
    assert err.partial.Y.shape[1] == 3 and len(err.partial.t) == len(err.partial.Y)
