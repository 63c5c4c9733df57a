"""Property-based checks (hypothesis): invariants that must hold for any admissible input."""
import numpy as np
from hypothesis import given, settings, strategies as st

from conftest import dyn, field_z
from spinertia.dynamics.kernels import ExponentialSumKernel
from spinertia.dynamics.models import InertialLLG, LLG
from spinertia.dynamics.simulate import simulate

unit = st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1)).filter(
    lambda v: np.linalg.norm(v) > 0.1).map(lambda v: np.array(v) / np.linalg.norm(v))


@settings(max_examples=15, deadline=None)
@given(m0=unit, alpha=st.floats(0.0, 0.3), eta=st.floats(0.02, 0.3), kx=st.floats(-1, 1))
def test_rkmk4_keeps_norm_and_energy_never_increases(m0, alpha, eta, kx):
    ham = field_z(1.0, omega_K=0.5, axis=(kx, 0.3, 1.0))
    model = InertialLLG(dyn(ham, alpha, eta))
    tr = simulate(model, model.initial_state(m0), 3.0, 2e-3, method="rkmk4", output_every=0.05)
    assert np.max(np.abs(np.linalg.norm(tr.m, axis=1) - 1)) < 1e-13
    E = tr.observables()["total_energy"]
    assert np.all(np.diff(E) < 1e-9)


@settings(max_examples=15, deadline=None)
@given(m0=unit, a=st.floats(0.0, 0.5))
def test_llg_magnetic_energy_never_increases(m0, a):
    ham = field_z(1.0, omega_K=-0.4, axis=(1.0, 0.0, 0.0))
    model = LLG(dyn(ham, a))
    tr = simulate(model, model.initial_state(m0), 3.0, 2e-3, method="rkmk4", output_every=0.05)
    assert np.all(np.diff(tr.observables()["energy"]) < 1e-12)


@settings(max_examples=25, deadline=None)
@given(amp=st.floats(0.1, 5), W=st.floats(0.0, 20), lam=st.floats(0.2, 3), w=st.floats(-10, 10))
def test_kernel_transform_equals_numerical_integral(amp, W, lam, w):
    """Retarded transform chi(omega) against Simpson quadrature of chi(t) e^{i omega t} (the trapezoid rule's
    h^2 f'(0) / 12 error reached 1.3e-6 for amp = 4, W = 16, lam = 0.2, above the tolerance)."""
    from scipy.integrate import simpson

    k = ExponentialSumKernel([-1j * amp], [complex(-lam, W)])
    t = np.linspace(0, 40 / lam, 400001)
    num = simpson(k(t) * np.exp(1j * w * t), x=t)
    assert abs(k.fourier(w) - num) < 1e-6 * (1 + abs(num))
