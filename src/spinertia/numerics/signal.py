"""Frequencies and decay rates from uniformly sampled time series.

Convention (package-wide): modes are ``a exp(-i omega t)`` with complex ``omega = omega' - i Gamma``;
a decaying mode has ``Im omega < 0``.  For complex signals the sign of ``Re omega`` carries the
rotation sense (``exp(-i omega t)`` with ``omega > 0`` turns clockwise in the complex plane).
Times and frequencies are in any consistent units (e.g. reduced units, or s and rad/s); returned
frequencies are angular (rad per time unit).
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import InputError

__all__ = [
    "pencil_poles",
    "matrix_pencil",
    "dominant_mode",
    "fft_spectrum",
    "fft_peak",
    "envelope",
    "fit_exponential_decay",
]

#: Default cap on the pencil parameter L (cost ~ N L^2); pass ``pencil`` to override.
MAX_DEFAULT_PENCIL = 256


def _series(y, name="y", min_len=2):
    y = np.asarray(y)
    if y.ndim != 1:
        raise InputError(f"{name} must be a 1-D time series, got shape {y.shape}")
    if not (np.issubdtype(y.dtype, np.number) and not np.issubdtype(y.dtype, np.bool_)):
        raise InputError(f"{name} must be numeric, got dtype {y.dtype}")
    y = y.astype(complex if np.iscomplexobj(y) else float)
    if len(y) < min_len:
        raise InputError(f"{name} is too short: {len(y)} samples, need at least {min_len}")
    if not np.all(np.isfinite(y)):
        bad = int(np.flatnonzero(~np.isfinite(y))[0])
        raise InputError(f"{name} contains NaN/inf (first at index {bad}); trim or clean the series first")
    return y


def _step(dt):
    try:
        dt = float(dt)
    except (TypeError, ValueError):
        raise InputError(f"time step dt must be a positive number, got {dt!r}") from None
    if not (dt > 0 and math.isfinite(dt)):
        raise InputError(f"time step dt must be positive and finite, got {dt}")
    return dt


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float)) or int(value) != value or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def pencil_poles(y, n_modes, pencil=None):
    """Discrete-time poles mu_j of y_k = sum_j b_j mu_j^k (Hua-Sarkar matrix pencil, SVD-truncated).

    ``pencil`` is the pencil parameter L (n_modes <= L <= N - n_modes - 1); default
    min(N // 3, MAX_DEFAULT_PENCIL) (clipped into the allowed range).  Real ``y`` gives a real
    pencil, so its poles are real or exact complex-conjugate pairs.
    """
    Y = np.asarray(y)
    if Y.ndim == 2:  # several channels sharing the same poles: stacked Hankel matrices
        Y = np.array([_series(row, f"channel {c}") for c, row in enumerate(Y)])
    else:
        Y = _series(y)[None, :]
    n = Y.shape[1]
    n_modes = _positive_int("n_modes", n_modes)
    if n < 2 * n_modes + 1:
        raise InputError(
            f"n_modes = {n_modes} is too large for {n} samples: the matrix pencil needs at least "
            f"2 n_modes + 1 = {2 * n_modes + 1} samples; use fewer modes or a longer series"
        )
    if pencil is None:
        pencil = min(max(n // 3, n_modes), MAX_DEFAULT_PENCIL, n - n_modes - 1)
        pencil = max(pencil, n_modes)
    elif _positive_int("pencil", pencil) < n_modes or pencil > n - n_modes - 1:
        raise InputError(
            f"pencil parameter must be an integer in [n_modes, N - n_modes - 1] = [{n_modes}, {n - n_modes - 1}], "
            f"got {pencil!r}"
        )
    pencil = int(pencil)
    # Hankel data matrix, rows y[i : i + L + 1]
    idx = np.arange(n - pencil)[:, None] + np.arange(pencil + 1)[None, :]
    _, s, vh = np.linalg.svd(np.vstack([row[idx] for row in Y]), full_matrices=False)
    if s[0] == 0:
        raise InputError("the series is identically zero; there are no modes to fit")
    v = vh[:n_modes].T  # (L+1, M): rows of vh span the row space of the Hankel matrix
    a = np.linalg.lstsq(v[:-1], v[1:], rcond=None)[0]
    return np.linalg.eigvals(a)


def _amplitudes(y, mu):
    """Least-squares amplitudes b_j of y_k = sum_j b_j mu_j^k."""
    k = np.arange(len(y))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        vander = mu[None, :] ** k[:, None]
    if not np.all(np.isfinite(vander)):
        raise InputError("a fitted mode grows so fast that it overflows; use fewer modes or a shorter series")
    return np.linalg.lstsq(vander, y.astype(complex), rcond=None)[0]


def matrix_pencil(y, dt, n_modes, pencil=None):
    """Fit y(t_k) = sum_j a_j exp(-i omega_j t_k), t_k = k dt, by the matrix-pencil method.

    Hua & Sarkar's pencil with SVD truncation to ``n_modes``; exact for noiseless data with at most
    ``n_modes`` modes.  Returns ``(omega, amplitudes)`` (complex arrays) sorted by Re omega
    descending (ties: larger |a| first).  Decaying modes have Im omega < 0; Re omega is aliased
    into (-pi/dt, pi/dt].  A real signal needs two modes per oscillation: omega and -conj(omega)
    with conjugate amplitudes (a damped cosine A cos(w t) e^{-g t} is (A/2, w - i g) + (A/2, -w - i g)).
    """
    y = _series(y)
    dt = _step(dt)
    mu = pencil_poles(y, n_modes, pencil)
    amp = _amplitudes(y, mu)
    with np.errstate(divide="ignore"):
        omega = 1j * np.log(mu.astype(complex)) / dt
    if not np.all(np.isfinite(omega)):
        raise InputError("a fitted mode has a zero pole (infinitely fast decay); use fewer modes")
    order = np.lexsort((-np.abs(amp), -omega.real))
    return omega[order], amp[order]


def dominant_mode(y, dt, n_modes=2, pencil=None):
    """The mode with Re omega > 0 and the largest |amplitude| from :func:`matrix_pencil`.

    Returns ``(omega, amplitude)``.  For a real signal with one damped oscillation use n_modes=2.
    """
    omega, amp = matrix_pencil(y, dt, n_modes, pencil)
    pos = omega.real > 0
    if not np.any(pos):
        raise InputError(
            f"no positive-frequency mode among the {n_modes} fitted modes {omega}; the series may not "
            "oscillate, or (complex signal) it rotates the other way: try n_modes larger or conj(y)"
        )
    j = np.flatnonzero(pos)[np.argmax(np.abs(amp[pos]))]
    return omega[j], amp[j]


def fft_spectrum(y, dt, window="hann", pad=4):
    """Windowed, zero-padded amplitude spectrum; returns ``(omega, |Y|)`` with omega in rad per time unit.

    ``window`` is any scipy.signal.get_window name (None or "boxcar" for none); ``pad`` (integer
    >= 1) zero-pads to pad * N points.  Real y: omega >= 0 (one-sided).  Complex y: omega ascending
    over the full axis with the package sign convention, i.e. exp(-i w0 t) peaks at omega = +w0.
    """
    y = _series(y, min_len=4)
    dt = _step(dt)
    pad = _positive_int("pad (zero-padding factor)", pad)
    from scipy.signal import get_window  # local: scipy.signal is slow to import

    n = len(y)
    nfft = pad * n
    try:
        w = np.ones(n) if window is None else get_window(window, n)
    except (ValueError, TypeError) as exc:
        raise InputError(f"unknown window {window!r}: {exc}; use e.g. 'hann', 'blackman' or None") from None
    yw = y * w
    if np.iscomplexobj(y):
        spec = np.fft.fft(yw, nfft)
        omega = -2.0 * np.pi * np.fft.fftfreq(nfft, dt)  # exp(-i w0 t) -> peak at +w0
        order = np.argsort(omega)
        return omega[order], np.abs(spec[order])
    spec = np.fft.rfft(yw, nfft)
    return 2.0 * np.pi * np.fft.rfftfreq(nfft, dt), np.abs(spec)


def fft_peak(y, dt, window="hann", pad=4, omega_min=0.0, omega_max=None):
    """Angular frequency of the largest spectral peak with omega_min <= |omega| <= omega_max.

    The peak is refined by a parabola through log|Y| at the three highest bins (exact for a
    Gaussian line; for a Hann window the error is a small fraction of a bin 2 pi / (N dt)).
    For complex y the returned frequency is signed (see :func:`fft_spectrum`).
    """
    omega, mag = fft_spectrum(y, dt, window=window, pad=pad)
    hi = np.inf if omega_max is None else float(omega_max)
    sel = (np.abs(omega) >= float(omega_min)) & (np.abs(omega) <= hi)
    if not np.any(sel):
        raise InputError(f"no spectral bins in omega_min={omega_min}, omega_max={omega_max}; widen the range")
    masked = np.where(sel, mag, -np.inf)
    k = int(np.argmax(masked))
    if mag[k] == 0:
        raise InputError("the spectrum is identically zero; the series has no peak")
    if 0 < k < len(mag) - 1 and sel[k - 1] and sel[k + 1] and mag[k - 1] > 0 and mag[k + 1] > 0:
        lm, l0, lp = np.log(mag[k - 1]), np.log(mag[k]), np.log(mag[k + 1])
        denom = lm - 2.0 * l0 + lp
        shift = 0.5 * (lm - lp) / denom if denom < 0 else 0.0
        return float(omega[k] + shift * (omega[k + 1] - omega[k]))
    return float(omega[k])


def envelope(y):
    """Instantaneous amplitude |y + i H[y]| via the Hilbert transform (scipy.signal.hilbert).

    For a complex (already analytic) signal returns |y|.  Edge samples are distorted by the
    FFT-based transform: trim ~ one period at each end before fitting.
    """
    from scipy.signal import hilbert

    y = _series(y, min_len=4)
    if np.iscomplexobj(y):
        return np.abs(y)
    return np.abs(hilbert(y))


def fit_exponential_decay(t, env):
    """Decay rate g of env(t) ~ A exp(-g t) by linear least squares on log(env); returns g."""
    t = _series(t, "t")
    env = _series(env, "env")
    if np.iscomplexobj(t) or np.iscomplexobj(env):
        raise InputError("t and env must be real (use envelope(y) to get a real amplitude)")
    if t.shape != env.shape:
        raise InputError(f"t and env must have the same length, got {len(t)} and {len(env)}")
    if np.any(env <= 0):
        raise InputError("env must be strictly positive to take its logarithm; trim zeros from the series")
    if np.ptp(t) == 0:
        raise InputError("t must span a nonzero interval")
    slope = np.polyfit(t, np.log(env), 1)[0]
    return float(-slope)


def matrix_pencil_multi(Y, dt, n_modes, pencil=None):
    """Common complex frequencies of several channels Y[c](t_k) = sum_j a_cj exp(-i omega_j t_k).

    Returns ``(omega, amplitudes (n_channels, n_modes))`` sorted by Re omega descending.  Used to read
    the modes of a multi-sublattice plane wave from all sublattice channels at once (Ghosh et al. 2025, spec 6.3).
    """
    Y = np.asarray(Y)
    if Y.ndim != 2:
        raise InputError(f"Y must be 2-D (channels x samples), got shape {Y.shape}")
    dt = _step(dt)
    mu = pencil_poles(Y, n_modes, pencil)
    amp = np.array([_amplitudes(_series(row), mu) for row in Y])
    with np.errstate(divide="ignore"):
        omega = 1j * np.log(mu.astype(complex)) / dt
    if not np.all(np.isfinite(omega)):
        raise InputError("a fitted mode has a zero pole (infinitely fast decay); use fewer modes")
    order = np.argsort(-omega.real)
    return omega[order], amp[:, order]
