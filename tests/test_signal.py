"""Mode extraction from synthetic damped sinusoids with known frequencies and rates."""
import math

import numpy as np
import pytest

from spinertia.numerics.signal import (
    dominant_mode,
    envelope,
    fft_peak,
    fft_spectrum,
    fit_exponential_decay,
    matrix_pencil,
)
from spinertia.errors import InputError

DT, N = 0.02, 2000
T = np.arange(N) * DT
W1, G1, W2, G2 = 3.0, 0.1, 11.0, 0.4


def two_damped_cosines():
    return 1.0 * np.cos(W1 * T + 0.3) * np.exp(-G1 * T) + 0.5 * np.cos(W2 * T - 1.0) * np.exp(-G2 * T)


def test_matrix_pencil_real_signal_exact():
    omega, amp = matrix_pencil(two_damped_cosines(), DT, 4)
    expected = np.array([W2 - 1j * G2, W1 - 1j * G1, -W1 - 1j * G1, -W2 - 1j * G2])  # Re omega descending
    np.testing.assert_allclose(omega, expected, rtol=1e-9)
    # A cos(w t + p) e^{-g t} = (A/2) e^{-ip} e^{-i(w - ig)t} + c.c.-partner
    np.testing.assert_allclose(amp[:2], [0.25 * np.exp(1j * 1.0), 0.5 * np.exp(-0.3j)], rtol=1e-8)
    np.testing.assert_allclose(amp[2:], np.conj(amp[1::-1]), rtol=1e-8)


def test_matrix_pencil_complex_signal_and_pencil_choice():
    modes = np.array([2.0 - 0.05j, 0.0 - 0.7j, -5.0 - 0.3j])  # documented order: Re omega descending
    amps = np.array([1.0 + 0.5j, -0.2j, 0.3])
    y = np.exp(-1j * np.outer(T[:600], modes)) @ amps
    for pencil in (None, 50, 300):
        omega, amp = matrix_pencil(y, DT, 3, pencil=pencil)
        np.testing.assert_allclose(omega, modes, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(amp, amps, rtol=1e-8, atol=1e-10)


def test_matrix_pencil_with_noise():
    rng = np.random.default_rng(12345)
    y = two_damped_cosines() + 1e-4 * rng.standard_normal(N)
    omega, _ = matrix_pencil(y, DT, 4)
    assert omega[0].real == pytest.approx(W2, rel=1e-3) and -omega[0].imag == pytest.approx(G2, rel=1e-3)
    assert omega[1].real == pytest.approx(W1, rel=1e-3) and -omega[1].imag == pytest.approx(G1, rel=1e-3)


def test_dominant_mode():
    omega, amp = dominant_mode(two_damped_cosines(), DT, n_modes=4)
    assert omega == pytest.approx(W1 - 1j * G1, rel=1e-9)
    assert abs(amp) == pytest.approx(0.5, rel=1e-8)
    with pytest.raises(InputError, match="positive-frequency"):
        dominant_mode(np.exp(-0.3 * T), DT, n_modes=1)


@pytest.mark.parametrize("w0", [2.0, 2.37, 5.123])
def test_fft_peak_within_fraction_of_bin(w0):
    bin_width = 2 * math.pi / (N * DT)
    y = np.cos(w0 * T + 0.4)
    assert abs(fft_peak(y, DT) - w0) < 0.01 * bin_width
    assert abs(fft_peak(y, DT, pad=1) - w0) < 0.05 * bin_width


def test_fft_sign_convention_and_range():
    y = np.exp(-1j * 4.2 * T) + 0.5 * np.exp(1j * 7.0 * T)  # modes at +4.2 and -7.0
    omega, mag = fft_spectrum(y, DT)
    assert np.all(np.diff(omega) > 0)
    assert fft_peak(y, DT) == pytest.approx(4.2, abs=1e-3)
    assert fft_peak(y, DT, omega_min=5.0) == pytest.approx(-7.0, abs=1e-3)
    omega_r, _ = fft_spectrum(np.cos(T), DT, window=None, pad=2)
    assert omega_r[0] == 0 and len(omega_r) == N + 1


def test_hilbert_envelope_decay_rate():
    g = 0.05
    y = np.cos(7.0 * T + 0.2) * np.exp(-g * T)
    env = envelope(y)
    core = slice(100, N - 100)  # drop ~2 periods at each end (FFT edge effects)
    assert fit_exponential_decay(T[core], env[core]) == pytest.approx(g, rel=1e-3)
    np.testing.assert_allclose(envelope(np.exp(-1j * T) * np.exp(-g * T)), np.exp(-g * T), rtol=1e-14)


def test_fit_exponential_decay_exact():
    assert fit_exponential_decay(T, 3.0 * np.exp(-0.7 * T)) == pytest.approx(0.7, rel=1e-12)


def test_errors():
    y = two_damped_cosines()
    with pytest.raises(InputError, match="too large"):
        matrix_pencil(y[:8], DT, 4)
    with pytest.raises(InputError, match="too short"):
        matrix_pencil(y[:1], DT, 1)
    bad = y.copy()
    bad[17] = np.nan
    with pytest.raises(InputError, match="NaN"):
        matrix_pencil(bad, DT, 2)
    with pytest.raises(InputError, match="NaN"):
        fft_peak(bad, DT)
    with pytest.raises(InputError, match="dt"):
        matrix_pencil(y, 0.0, 2)
    with pytest.raises(InputError, match="1-D"):
        matrix_pencil(y.reshape(2, -1), DT, 2)
    with pytest.raises(InputError, match="pencil"):
        matrix_pencil(y, DT, 2, pencil=1)
    with pytest.raises(InputError, match="n_modes"):
        matrix_pencil(y, DT, 0)
    with pytest.raises(InputError, match="zero"):
        matrix_pencil(np.zeros(50), DT, 2)
    with pytest.raises(InputError, match="window"):
        fft_spectrum(y, DT, window="no-such-window")
    with pytest.raises(InputError, match="positive"):
        fit_exponential_decay(T[:10], np.linspace(-1, 1, 10))
    with pytest.raises(InputError, match="same length"):
        fit_exponential_decay(T[:10], np.ones(9))
