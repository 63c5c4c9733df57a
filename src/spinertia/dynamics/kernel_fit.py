"""Fit a tabulated memory kernel chi(t_k) by a sum of damped exponentials (Prony / matrix pencil).

The result is an :class:`~spinertia.dynamics.kernels.ExponentialSumKernel`
chi(t) = sum_j Re[c_j exp(z_j t)], the representation that the auxiliary-variable integration of
Webb et al. 2026, Eq. 10 needs (one ODE per term).  A damped oscillator term Re[c e^{z t}] (Im z != 0)
appears in the data as a conjugate pair of complex exponentials; a real decaying exponential
(Im z = 0) as one.  The exponents come from the matrix pencil of the real data (whose poles are
real or exact conjugate pairs), the coefficients from linear least squares in the real basis
e^{Re z t} cos(Im z t), e^{Re z t} sin(Im z t).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .kernels import ExponentialSumKernel

__all__ = ["KernelFit", "fit_kernel"]


@dataclass(frozen=True)
class KernelFit:
    """Result of :func:`fit_kernel`.

    kernel             the fitted ExponentialSumKernel
    rms_residual       sqrt(mean((kernel(t_k) - chi_k)^2)), in the units of chi
    relative_residual  rms_residual / sqrt(mean(chi_k^2))
    """

    kernel: ExponentialSumKernel
    rms_residual: float
    relative_residual: float


def _check_grid(t, chi):
    t = np.asarray(t)
    chi = np.asarray(chi)
    if t.ndim != 1 or chi.ndim != 1 or t.shape != chi.shape:
        raise InputError(f"t and chi must be 1-D arrays of equal length, got shapes {t.shape} and {chi.shape}")
    if np.iscomplexobj(chi):
        if np.any(chi.imag != 0):
            raise InputError("chi must be real: a memory kernel of a real dynamics is a real function of time")
        chi = chi.real
    t = t.astype(float)
    chi = chi.astype(float)
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(chi))):
        raise InputError("t and chi must not contain NaN or inf; trim or clean the table first")
    if len(t) < 2:
        raise InputError(f"need at least 2 samples, got {len(t)}")
    dt = (t[-1] - t[0]) / (len(t) - 1)
    if not dt > 0:
        raise InputError("t must be increasing")
    if np.max(np.abs(np.diff(t) - dt)) > 1e-8 * dt + 4 * np.finfo(float).eps * np.max(np.abs(t)):
        raise InputError(
            "t must be a uniform grid (constant spacing) for the matrix-pencil fit; resample chi onto "
            "np.linspace(t[0], t[-1], N) first"
        )
    if t[0] < 0:
        raise InputError(f"the kernel is causal: t must start at t >= 0, got t[0] = {t[0]}")
    return t, chi, dt


def _terms_from_poles(mu, dt):
    """Group real-pencil poles into kernel exponents z (Im z >= 0, one per term); None if unpaired."""
    real = mu[mu.imag == 0].real
    upper = mu[mu.imag > 0]
    lower = mu[mu.imag < 0]
    if len(upper) != len(lower) or not np.allclose(np.sort_complex(upper), np.sort_complex(lower.conj())):
        return None
    if np.any(real == 0) or np.any(upper == 0):
        return None
    # log(mu) with Im in (0, pi]: a negative real pole is a Nyquist-frequency oscillation
    z = np.concatenate([np.log(real.astype(complex)), np.log(upper)]) / dt
    return z


def _coefficients(t, chi, z):
    """Least-squares complex c_j of chi(t) = sum Re[c_j e^{z_j t}] (real c for real z)."""
    t0 = t[0]
    tau = t - t0
    cols, owner = [], []
    for j, zj in enumerate(z):
        e = np.exp(zj * tau)
        cols.append(e.real)  # Re c
        owner.append((j, 1.0))
        if zj.imag != 0 and not np.isclose(zj.imag * (t[1] - t[0]), math.pi):
            cols.append(-e.imag)  # Im c
            owner.append((j, 1j))
    a = np.column_stack(cols)
    scale = np.linalg.norm(a, axis=0)
    scale[scale == 0] = 1.0
    x = np.linalg.lstsq(a / scale, chi, rcond=None)[0] / scale
    b = np.zeros(len(z), dtype=complex)
    for (j, unit), xj in zip(owner, x):
        b[j] += unit * xj
    return b * np.exp(-z * t0)  # shift the time origin from t[0] to 0


def fit_kernel(t, chi, n_terms, real_only=False, pencil=None):
    """Fit chi(t_k) on a uniform grid by ``n_terms`` kernel terms sum_j Re[c_j exp(z_j t)].

    Each oscillatory term (Im z != 0) uses two complex exponentials of the data, each real
    exponential one; the number of exponentials M in [n_terms, 2 n_terms] is chosen as the one
    whose poles group into exactly ``n_terms`` decaying terms with the smallest residual.
    ``real_only=True`` fits ``n_terms`` real decaying exponentials only.  ``t[0]`` may be nonzero
    (the coefficients are referred to t = 0).  ``pencil`` is passed to the matrix pencil.

    Returns a :class:`KernelFit`; raises InputError if no decaying fit exists, or if non-decaying
    exponents fit the data markedly better (use fewer terms or longer data).  Used to build the auxiliary-variable form of Webb et al. 2026, Eq. 10 for a tabulated kernel.
    """
    from ..numerics.signal import pencil_poles

    t, chi, dt = _check_grid(t, chi)
    if isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer)) or n_terms < 1:
        raise InputError(f"n_terms must be a positive integer, got {n_terms!r}")
    n_terms = int(n_terms)
    need = 2 * (n_terms if real_only else 2 * n_terms) + 1
    if len(t) < need:
        raise InputError(
            f"{len(t)} samples are too few for {n_terms} kernel terms: need at least {need}; "
            "sample chi more finely or use fewer terms"
        )
    norm = math.sqrt(float(np.mean(chi**2)))
    if norm == 0:
        raise InputError("chi is identically zero; there is nothing to fit")

    decaying, growing = None, None  # best (rms, z, c) over the M whose poles group into n_terms terms
    for m in [n_terms] if real_only else range(n_terms, 2 * n_terms + 1):
        mu = pencil_poles(chi, m, pencil)
        if real_only and np.any(mu.imag != 0):
            raise InputError(
                f"the data oscillate (complex poles {mu[mu.imag != 0]}); use real_only=False to fit damped oscillators"
            )
        z = _terms_from_poles(mu, dt)
        if z is None or len(z) != n_terms:
            continue
        c = _coefficients(t, chi, z)
        with np.errstate(over="ignore", invalid="ignore"):
            model = np.real(np.exp(np.multiply.outer(t, z)) @ c)
        rms = math.sqrt(float(np.mean((model - chi) ** 2)))
        if not math.isfinite(rms):
            continue
        if np.all(z.real < 0):
            if decaying is None or rms < decaying[0]:
                decaying = (rms, z, c)
        elif growing is None or rms < growing[0]:
            growing = (rms, z, c)
    # a non-decaying fit that is markedly better means the data do not show a fading kernel
    if growing is not None and (
        decaying is None or (growing[0] < 0.1 * decaying[0] and decaying[0] > 1e-6 * norm)
    ):
        z = growing[1]
        raise InputError(
            f"the best {n_terms}-term fit has non-decaying exponents {z[z.real >= 0]} (Re z >= 0): a kernel "
            "must fade; use fewer terms or a longer data window that shows the decay"
        )
    if decaying is None:
        raise InputError(
            f"could not group the fitted exponentials into {n_terms} kernel terms; try a different n_terms"
        )
    rms, z, c = decaying
    return KernelFit(ExponentialSumKernel(c, z), rms, rms / norm)
