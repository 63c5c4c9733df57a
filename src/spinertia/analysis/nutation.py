"""Quantify nutation in a magnetization trajectory (Webb et al. 2026, Figs. 1-2 and the text after Eq. 10).

Nutation is the fast oscillation that the inertial LLG (Webb et al. 2026, Eq. 1) or the phonon memory kernel
(Eq. 10) superimposes on the slow Larmor precession.  Webb et al. 2026, states, after Eq. 10:

* iLLG: nutation at ``omega_eta ~ 1/eta`` with broadening ``Delta omega_eta ~ alpha/eta`` (amplitude decay
  rate); the energy of the nutation therefore lives ``tau = eta/(2 alpha)``, and the matching phonon
  lifetime is ``1/(Z Gamma) = eta/alpha = 2 tau`` (caption of Fig. 1).  Its amplitude is
  ``|Delta theta|_iLLG ~ eta omega0`` (for a release at polar angle theta0 from rest the precise scale is
  ``eta omega0 sin(theta0)``: the nutation absorbs the missing initial precession velocity
  ``omega0 sin(theta0)`` at a frequency ~ 1/eta).
* memory kernel: nutation near the optical-phonon frequency ``Omega0`` with amplitude
  ``|Delta theta| ~ |V0|^2 omega0 / Omega0^3``; with an empty memory at t = 0 the envelope first grows
  while memory accumulates over the phonon lifetime, then decays.

Tools
-----
* :func:`polar_angle`, :func:`azimuth`, :func:`stereographic`, :func:`transverse_complex`: coordinates of
  ``m(t)`` about a field axis.  ``stereographic`` is ``zeta = tan(theta/2) exp(-i phi)``; for the LLG in a
  static field it is *exactly* ``zeta0 exp(-i omega0 t/(1 + i alpha))`` at any amplitude, so it is the
  natural coordinate for precession fits (package convention ``exp(-i omega t)``).
* :func:`highpass` / :func:`separate_nutation`: split a series into a slow part and a nutation part, either
  by a high-pass (mirror-extended FFT filter, or zero-phase Butterworth) placed in the gap between the
  precession and nutation frequencies, or (default) by a matrix-pencil fit (:func:`fit_nutation`), which
  has no edge artefacts.
* Separation by a reference: theta(t) - theta_LLG(t) (same initial state) removes the slow Gilbert
  relaxation; what remains is the nutation plus a small inertial offset (~ -eta omega0 sin theta0 for the
  iLLG), which the slow modes of :func:`fit_nutation` absorb.
* :func:`fit_nutation`: matrix-pencil fit of slow modes + nutation pairs; returns the nutation frequency,
  decay rate, the envelope, its peak (the nutation amplitude ``|Delta theta|``) and the peak time.

A subtlety when reading frequencies from ``theta(t)``: the polar angle is measured in the frame that
co-rotates with the precession, so a lab-frame nutation line at ``-omega_n`` (counter-rotating) appears in
``theta(t)`` at ``|omega_n| + omega_p`` and a co-rotating line ``+omega_n`` at ``omega_n - omega_p``
(``omega_p`` the precession frequency).  :func:`precessing_frame_frequency` does this conversion.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..numerics.signal import envelope as hilbert_envelope
from ..numerics.signal import matrix_pencil

__all__ = [
    "polar_angle",
    "azimuth",
    "stereographic",
    "transverse_complex",
    "frame_basis",
    "highpass",
    "separate_nutation",
    "NutationFit",
    "fit_nutation",
    "analyze_nutation",
    "nutation_envelope",
    "precessing_frame_frequency",
    "illg_amplitude_estimate",
    "kernel_amplitude_estimate",
]


# ---------------------------------------------------------------------------------------------------
# coordinates about an axis
# ---------------------------------------------------------------------------------------------------
def _unit_axis(axis):
    a = np.asarray(axis, dtype=float)
    if a.shape != (3,) or not np.all(np.isfinite(a)) or np.linalg.norm(a) == 0:
        raise InputError(f"axis must be a finite non-zero 3-vector, got {axis!r}")
    return a / np.linalg.norm(a)


def frame_basis(axis=(0.0, 0.0, 1.0)):
    """Right-handed orthonormal frame (e1, e2, e3 = axis).  For axis = z this is (x, y, z)."""
    e3 = _unit_axis(axis)
    if abs(e3[2]) > 1 - 1e-12:
        e1 = np.array([1.0, 0.0, 0.0])
        e2 = np.cross(e3, e1)
        return e1, e2 / np.linalg.norm(e2), e3
    ref = np.array([0.0, 0.0, 1.0])
    e1 = ref - e3 * (ref @ e3)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(e3, e1)
    return e1, e2, e3


def _m_array(m):
    m = np.asarray(m, dtype=float)
    if m.ndim != 2 or m.shape[1] != 3:
        raise InputError(f"m must have shape (n_times, 3), got {m.shape}")
    return m


def polar_angle(m, axis=(0.0, 0.0, 1.0)):
    """Polar angle theta(t) of m(t) about ``axis`` (radians; accurate near 0 and pi)."""
    m = _m_array(m)
    a = _unit_axis(axis)
    c = m @ a
    s = np.linalg.norm(np.cross(m, a), axis=1)
    return np.arctan2(s, c)


def azimuth(m, axis=(0.0, 0.0, 1.0), unwrap=True):
    """Azimuth phi(t) of m(t) about ``axis`` in the frame :func:`frame_basis` (unwrapped by default)."""
    m = _m_array(m)
    e1, e2, _ = frame_basis(axis)
    phi = np.arctan2(m @ e2, m @ e1)
    return np.unwrap(phi) if unwrap else phi


def transverse_complex(m, axis=(0.0, 0.0, 1.0)):
    """m_- = m.e1 - i m.e2: a counter-clockwise precession about ``axis`` is exp(-i omega t), omega > 0."""
    m = _m_array(m)
    e1, e2, _ = frame_basis(axis)
    return m @ e1 - 1j * (m @ e2)


def stereographic(m, axis=(0.0, 0.0, 1.0)):
    """zeta = tan(theta/2) exp(-i phi) = m_- / (|m| + m.axis).

    For the LLG in a static field along ``axis`` zeta(t) = zeta0 exp(-i omega0 t/(1 + i alpha)) exactly, at
    any cone angle, so a one-mode matrix pencil on zeta returns the exact LLG root.
    """
    m = _m_array(m)
    a = _unit_axis(axis)
    return transverse_complex(m, a) / (np.linalg.norm(m, axis=1) + m @ a)


def precessing_frame_frequency(omega_nutation_lab, omega_precession, corotating=False):
    """Frequency at which a lab-frame nutation line shows up in theta(t) (the precessing frame).

    ``omega_nutation_lab`` and ``omega_precession`` are representatives (Re >= 0) of the exact linear roots
    (e.g. from :mod:`spinertia.analysis.modes`).  A counter-rotating nutation (iLLG; the kernel's
    ``'nutation'``) appears at ``omega_n + omega_p``, a co-rotating one at ``omega_n - omega_p``; the decay
    amplitude decay rate of the polar-angle oscillation is that of the nutation mode, ``-Im omega_n``
    (theta_nut = Re(a_p a_n^* e^{...})/|a_p e^{-i omega_p t}|: the precession decay cancels).
    Valid in the small-angle (linear) limit; at a finite cone angle theta0 the iLLG value becomes
    ``1/eta + 2 omega_p cos(theta0)`` (see :func:`illg_amplitude_estimate`).
    Returns a complex frequency (exp(-i omega t) convention).
    """
    wn, wp = complex(omega_nutation_lab), complex(omega_precession)
    if corotating:
        return complex(wn.real - wp.real, wn.imag)
    return complex(wn.real + wp.real, wn.imag)


# ---------------------------------------------------------------------------------------------------
# separation of the nutation part
# ---------------------------------------------------------------------------------------------------
def _uniform_dt(t):
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or len(t) < 3:
        raise InputError("t must be a 1-D array of at least 3 times")
    d = np.diff(t)
    dt = float(np.mean(d))
    if not (dt > 0) or np.max(np.abs(d - dt)) > 1e-6 * dt:
        raise InputError("t must be uniformly spaced and increasing (use the saved trajectory grid)")
    return dt


def highpass(y, dt, omega_cut, method="fft", order=4, detrend=2):
    """High-pass a uniformly sampled series with angular cut-off ``omega_cut``.

    Place ``omega_cut`` in the gap between precession and nutation, e.g. ``sqrt(omega0 * Omega0)``.

    method='fft' (default): a least-squares polynomial of degree ``detrend`` is removed first (it is slow),
      then the series is mirrored (even extension: no end discontinuity), Fourier transformed and multiplied by
      a smooth (sin^2) transfer function rising from 0 at omega_cut/2 to 1 at omega_cut.  What is left of
      the slow part leaks only through its end kinks (harmonics ~ slope/omega^2), so a nutation that starts
      abruptly at t = 0 is kept almost undistorted.

    method='butter': zero-phase Butterworth of the given order (scipy ``sosfiltfilt``); its edge transients
      last ~ 1/(omega_cut sin(pi/(2 order))), i.e. several 1/omega_cut.

    Prefer :func:`fit_nutation` for quantitative work (no filter at all).
    """
    y = np.asarray(y, dtype=float)
    nyq = np.pi / float(dt)
    if not (0 < omega_cut < nyq):
        raise InputError(f"omega_cut = {omega_cut} must lie in (0, pi/dt = {nyq:.4g})")
    if method == "butter":
        from scipy.signal import butter, sosfiltfilt

        sos = butter(order, omega_cut / nyq, btype="highpass", output="sos")
        return sosfiltfilt(sos, y)
    if method != "fft":
        raise InputError(f"method must be 'fft' or 'butter', got {method!r}")
    n = len(y)
    if detrend is not None and detrend >= 0 and n > detrend + 1:
        x = np.linspace(-1.0, 1.0, n)
        y = y - np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyfit(x, y, int(detrend)))
    ext = np.concatenate([y, y[::-1]])
    Y = np.fft.rfft(ext)
    w = 2 * np.pi * np.fft.rfftfreq(2 * n, dt)
    x = np.clip((w - omega_cut / 2) / (omega_cut / 2), 0.0, 1.0)
    H = np.sin(0.5 * np.pi * x) ** 2
    return np.fft.irfft(Y * H, 2 * n)[:n]


def separate_nutation(t, y, omega_cut, reference=None, method="pencil", n_pairs=1, n_slow=2):
    """Split ``y(t)`` (e.g. theta(t)) into ``(slow, nutation)``.

    reference: optional series of the non-inertial model (LLG) on the same grid, subtracted first
      (``y - reference`` keeps the nutation and the small inertial offset).
    method: 'pencil' (matrix-pencil fit with ``n_slow`` slow modes and ``n_pairs`` nutation pairs above
      ``omega_cut``; no edge effects) or 'highpass' (:func:`highpass`).
    """
    y = np.asarray(y, dtype=float)
    if reference is not None:
        y = y - np.asarray(reference, dtype=float)
    dt = _uniform_dt(t)
    if method == "highpass":
        fast = highpass(y, dt, omega_cut)
    elif method == "pencil":
        fast = fit_nutation(t, y, omega_min=omega_cut, n_pairs=n_pairs, n_slow=n_slow).nutation
    else:
        raise InputError(f"method must be 'pencil' or 'highpass', got {method!r}")
    return y - fast, fast


# ---------------------------------------------------------------------------------------------------
# fits
# ---------------------------------------------------------------------------------------------------
@dataclass
class NutationFit:
    """Result of :func:`fit_nutation` (angular frequencies and rates in the units of 1/t).

    omega          complex frequency of the dominant nutation mode (exp(-i omega t), Re > 0)
    frequency      Re omega;  decay_rate = -Im omega (amplitude);  energy_lifetime = 1/(2 decay_rate)
    modes          all fitted nutation modes (Re > 0) as (omega, amplitude of the real-signal cosine)
    slow_modes     the slow modes (|Re omega| < omega_min)
    t, nutation    the reconstructed nutation part on the input grid
    envelope       its analytic envelope |sum_j 2 a_j exp(-i omega_j (t - t0))|
    amplitude      peak of the envelope (|Delta theta| if y = theta);  peak_time its time
    residual       rms misfit of the full pencil model relative to the rms of y
    """

    omega: complex
    frequency: float
    decay_rate: float
    energy_lifetime: float
    amplitude: float
    peak_time: float
    modes: list
    slow_modes: list
    t: np.ndarray = field(repr=False)
    nutation: np.ndarray = field(repr=False)
    envelope: np.ndarray = field(repr=False)
    residual: float = 0.0


def fit_nutation(t, y, omega_min, reference=None, n_pairs=1, n_slow=2, t_min=None, t_max=None, pencil=None):
    """Matrix-pencil fit of the nutation in a real series ``y(t)`` (Webb et al. 2026: theta(t) or dE/dt).

    The series (minus ``reference`` if given, e.g. theta of the LLG run) is modelled as ``n_slow`` slow modes
    plus ``n_pairs`` damped cosines with ``|Re omega| >= omega_min``; this separates nutation from the
    precession/inertial offset exactly when both are sums of exponentials, without filter edge effects.
    Use ``n_pairs=1`` for the iLLG (one counter-rotating nutation) and ``n_pairs=2`` for the memory kernel,
    whose two nutation modes (counter- and co-rotating, Webb et al. 2026, Eq. 9) appear in theta(t) split by
    ~2 omega0 and build up the grow-then-decay envelope.

    Returns a :class:`NutationFit`.  The envelope is evaluated on the (possibly trimmed) grid.
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    if reference is not None:
        y = y - np.asarray(reference, dtype=float)
    if t.shape != y.shape:
        raise InputError(f"t and y must have the same shape, got {t.shape} and {y.shape}")
    sel = np.ones(len(t), bool)
    if t_min is not None:
        sel &= t >= t_min - 1e-12
    if t_max is not None:
        sel &= t <= t_max + 1e-12
    t, y = t[sel], y[sel]
    dt = _uniform_dt(t)
    if not (omega_min > 0):
        raise InputError(f"omega_min must be > 0 (the precession/nutation gap), got {omega_min}")
    if omega_min >= np.pi / dt:
        raise InputError(f"omega_min = {omega_min} is above the Nyquist frequency pi/dt = {np.pi / dt:.4g}: "
                         "sample the trajectory more finely")
    n_modes = 2 * int(n_pairs) + int(n_slow)
    omega, amp = matrix_pencil(y, dt, n_modes, pencil=pencil)
    tau = t - t[0]
    fast = np.abs(omega.real) >= omega_min
    if not np.any(fast & (omega.real > 0)):
        raise InputError(f"no nutation mode above omega_min = {omega_min} among the fitted modes {omega}")
    with np.errstate(over="ignore", under="ignore"):
        basis = np.exp(-1j * np.outer(tau, omega))
    model = np.real(basis @ amp)
    nut = np.real(basis[:, fast] @ amp[fast])
    pos = fast & (omega.real > 0)
    env = np.abs(basis[:, pos] @ (2 * amp[pos]))
    order = np.argsort(-np.abs(amp[pos]))
    pos_w, pos_a = omega[pos][order], amp[pos][order]
    w_dom = complex(pos_w[0])
    k = int(np.argmax(env))
    rms = np.sqrt(np.mean(y**2))
    return NutationFit(
        omega=w_dom,
        frequency=float(w_dom.real),
        decay_rate=float(-w_dom.imag),
        energy_lifetime=float(1.0 / (-2 * w_dom.imag)) if w_dom.imag < 0 else float("inf"),
        amplitude=float(env[k]),
        peak_time=float(t[k]),
        modes=[(complex(w), complex(2 * a)) for w, a in zip(pos_w, pos_a)],
        slow_modes=[(complex(w), complex(a)) for w, a in zip(omega[~fast], amp[~fast])],
        t=t,
        nutation=nut,
        envelope=env,
        residual=float(np.sqrt(np.mean((y - model) ** 2)) / rms) if rms > 0 else 0.0,
    )


def analyze_nutation(t, m, m_reference=None, axis=(0.0, 0.0, 1.0), omega_min=None, n_pairs=1, n_slow=2,
                     t_max=None):
    """Nutation of a trajectory ``m(t)`` about a field ``axis``: fit of theta(t) - theta_ref(t).

    ``m_reference``: the LLG trajectory from the same initial state (removes the slow Gilbert relaxation);
    ``omega_min``: the precession/nutation gap (required), e.g. ``sqrt(omega0 * Omega0)``.
    """
    if omega_min is None:
        raise InputError("omega_min (the precession/nutation gap, e.g. sqrt(omega0 * Omega0)) is required")
    theta = polar_angle(m, axis)
    ref = None if m_reference is None else polar_angle(m_reference, axis)
    return fit_nutation(t, theta, omega_min, reference=ref, n_pairs=n_pairs, n_slow=n_slow, t_max=t_max)


def nutation_envelope(t, y, omega_cut, reference=None, trim_periods=2.0):
    """Hilbert envelope of the high-passed nutation part (model-free; compare with :func:`fit_nutation`).

    Returns ``(t_trimmed, envelope)`` with ``trim_periods`` periods of the dominant high-passed line
    (located with :func:`spinertia.numerics.signal.fft_peak`) removed at both ends (Hilbert edge effects).
    """
    from ..numerics.signal import fft_peak

    y = np.asarray(y, dtype=float)
    if reference is not None:
        y = y - np.asarray(reference, dtype=float)
    dt = _uniform_dt(t)
    fast = highpass(y, dt, omega_cut)
    env = hilbert_envelope(fast)
    w = abs(fft_peak(fast, dt, omega_min=omega_cut))
    n = int(np.ceil(trim_periods * 2 * np.pi / w / dt))
    if 2 * n >= len(y):
        raise InputError("series too short for the requested trimming")
    return np.asarray(t)[n:-n], env[n:-n]


# ---------------------------------------------------------------------------------------------------
# amplitude estimates (Webb et al. 2026 text after Eq. 10, made explicit)
# ---------------------------------------------------------------------------------------------------
def illg_amplitude_estimate(eta, omega0, theta0, omega_p=None):
    """|Delta theta| of the iLLG released from rest at polar angle theta0 in a field omega0.

    Webb et al. 2026: |Delta theta|_iLLG ~ eta omega0.  Released with dm/dt = 0, the nutation must supply the
    precession velocity omega_p sin(theta0); in the precessing frame it turns at
    nu = 1/eta + 2 omega_p cos(theta0) (Coriolis term of eta m x m''), so the radius of the nutation circle is
    omega_p sin(theta0)/nu ~ eta omega0 sin(theta0) (1 - 2 eta omega0 cos theta0).
    """
    wp = omega0 if omega_p is None else float(omega_p)
    return wp * np.sin(theta0) / (1.0 / eta + 2 * wp * np.cos(theta0))


def kernel_amplitude_estimate(V0_sq, Omega0, Z, Gamma, omega0, theta0):
    """Peak |Delta theta| of the phonon-kernel nutation (memory empty at t = 0, passive sign).

    Webb et al. 2026, estimates |Delta theta| ~ |V0|^2 omega0 / Omega0^3.  Explicitly: with h_mem = int chi m, the part
    of h_mem not parallel to m(t) is int chi(t - s)(m(s) - m(t)) ds; its oscillating piece is dominated by
    the oldest memory, (m(0) - m(t)) (2 Z V0^2/Omega0) cos(Omega0 t) e^{-Z Gamma t}.  With
    |m(0) - m(t)| ~ omega0 sin(theta0) t this tilts m by (2 Z V0^2 omega0 sin theta0 / Omega0^2) t e^{-Z Gamma t},
    which peaks at t = 1/(Z Gamma) (the phonon lifetime) with the value returned here:
    2 Z V0^2 omega0 sin(theta0) / (e Z Gamma Omega0^2)  =  |V0|^2 omega0/Omega0^3 * 2 Z sin(theta0) Omega0/(e Z Gamma).
    """
    lam = Z * Gamma
    return 2 * Z * V0_sq * omega0 * np.sin(theta0) / (np.e * lam * Omega0**2)
