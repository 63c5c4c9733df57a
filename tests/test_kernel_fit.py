"""Kernel fitting by matrix pencil + least squares: recover known exponential-sum kernels."""
import numpy as np
import pytest

from spinertia.dynamics.kernel_fit import KernelFit, fit_kernel
from spinertia.dynamics.kernels import phonon_kernel
from spinertia.errors import InputError

V0_SQ, OMEGA0, Z, GAMMA = 0.3, 5.0, 0.8, 0.25  # reduced units
A, W, L = 2 * Z * V0_SQ, OMEGA0, Z * GAMMA  # chi(t) = A sin(W t) exp(-L t)
B, R = 0.7, 0.5  # exponential term B exp(-R t)


def oscillator(t):
    return A * np.sin(W * t) * np.exp(-L * t)


def exponential(t):
    return B * np.exp(-R * t)


@pytest.mark.parametrize("t0", [0.0, 1.3])
def test_recover_phonon_kernel(t0):
    t = t0 + np.linspace(0.0, 20.0, 801)
    fit = fit_kernel(t, oscillator(t), 1)
    assert isinstance(fit, KernelFit)
    k = fit.kernel
    assert k.n_terms == 1
    # A sin(W t) e^{-L t} = Re[-i A e^{(-L + i W) t}]
    np.testing.assert_allclose(k.exponents, [-L + 1j * W], rtol=1e-10)
    np.testing.assert_allclose(k.coefficients, [-1j * A], rtol=1e-9, atol=1e-9 * A)
    assert fit.relative_residual < 1e-10
    # consistent with the package's own phonon kernel (independent construction of the same chi)
    ref = phonon_kernel(V0_SQ, OMEGA0, Z, GAMMA)
    tt = np.linspace(0, 30, 301)
    np.testing.assert_allclose(k(tt), ref(tt), atol=1e-10 * A)


def test_recover_oscillator_plus_exponential():
    t = np.linspace(0.0, 25.0, 1001)
    fit = fit_kernel(t, oscillator(t) + exponential(t), 2)
    k = fit.kernel
    order = np.argsort(k.exponents.imag)  # real exponent first
    np.testing.assert_allclose(k.exponents[order], [-R, -L + 1j * W], rtol=1e-9)
    np.testing.assert_allclose(k.coefficients[order], [B, -1j * A], rtol=1e-8, atol=1e-8 * A)
    assert fit.rms_residual < 1e-10


def test_fourier_transform_matches_exact():
    t = np.linspace(0.0, 25.0, 1001)
    k = fit_kernel(t, oscillator(t) + exponential(t), 2).kernel
    omega = np.linspace(-12, 12, 97)
    # int_0^inf A sin(W t) e^{-L t} e^{i w t} dt = A W / ((L - i w)^2 + W^2);  int B e^{-R t} e^{i w t} = B/(R - i w)
    exact = A * W / ((L - 1j * omega) ** 2 + W**2) + B / (R - 1j * omega)
    np.testing.assert_allclose(k.fourier(omega), exact, rtol=1e-8)


def test_real_only_two_exponentials():
    t = np.linspace(0.0, 10.0, 401)
    chi = 0.7 * np.exp(-0.5 * t) - 0.2 * np.exp(-2.0 * t)
    k = fit_kernel(t, chi, 2, real_only=True).kernel
    order = np.argsort(-k.exponents.real)
    np.testing.assert_allclose(k.exponents[order], [-0.5, -2.0], rtol=1e-9)
    np.testing.assert_allclose(k.coefficients[order], [0.7, -0.2], rtol=1e-8)
    with pytest.raises(InputError, match="oscillate"):
        fit_kernel(t, oscillator(t), 2, real_only=True)


def test_bad_input():
    t = np.linspace(0.0, 10.0, 201)
    chi = oscillator(t)
    t_bad = t.copy()
    t_bad[50] += 1e-3
    with pytest.raises(InputError, match="uniform"):
        fit_kernel(t_bad, chi, 1)
    with pytest.raises(InputError, match="too few"):
        fit_kernel(t[:4], chi[:4], 1)
    chi_nan = chi.copy()
    chi_nan[3] = np.nan
    with pytest.raises(InputError, match="NaN"):
        fit_kernel(t, chi_nan, 1)
    with pytest.raises(InputError, match="equal length"):
        fit_kernel(t, chi[:-1], 1)
    with pytest.raises(InputError, match="n_terms"):
        fit_kernel(t, chi, 0)
    with pytest.raises(InputError, match="zero"):
        fit_kernel(t, np.zeros_like(t), 1)
    with pytest.raises(InputError, match="non-decaying"):
        fit_kernel(t, np.exp(0.3 * t) * np.cos(2 * t), 1)
    with pytest.raises(InputError, match="t >= 0"):
        fit_kernel(t - 1.0, chi, 1)
