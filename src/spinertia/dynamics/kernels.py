"""Memory kernels that are sums of damped complex exponentials.

A kernel is represented as

    chi(t) = Theta(t) * sum_j Re[ c_j exp(z_j t) ],      Re z_j < 0,

(units: 1/time^2 in reduced units, so that the memory field int chi(t-s) m(s) ds is an angular
frequency).  A damped oscillator A sin(W t) exp(-l t) is the single term c = -iA, z = -l + iW;
an exponential A exp(-l t) is c = A, z = -l.

The memory field h_mem(t) = int_0^t chi(t-s) m(s) ds is then carried exactly by auxiliary
variables w_j(t) = int_0^t c_j exp(z_j (t-s)) m(s) ds obeying

    dw_j/dt = z_j w_j + c_j m(t),      h_mem = sum_j Re w_j,

so one time step costs O(number of terms), independent of the history length
(Webb et al. 2026, Eq. 10; the phonon kernel is a driven damped oscillator: a phonon coordinate).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class ExponentialSumKernel:
    """chi(t) = sum_j Re[c_j exp(z_j t)] for t >= 0 (zero for t < 0)."""

    coefficients: np.ndarray  # complex c_j, 1/time^2
    exponents: np.ndarray  # complex z_j, 1/time, Re z_j < 0

    def __post_init__(self):
        c = np.atleast_1d(np.asarray(self.coefficients, dtype=complex))
        z = np.atleast_1d(np.asarray(self.exponents, dtype=complex))
        if c.shape != z.shape or c.ndim != 1:
            raise InputError(
                f"kernel coefficients and exponents must be 1-D arrays of equal length, got shapes {c.shape} and {z.shape}"
            )
        if not (np.all(np.isfinite(c)) and np.all(np.isfinite(z))):
            raise InputError("kernel coefficients and exponents must be finite")
        if np.any(z.real >= 0):
            bad = z[z.real >= 0]
            raise InputError(
                f"kernel exponents must decay (Re z < 0); got {bad}. A non-decaying kernel has an infinite memory: "
                "give the phonon a finite lifetime (Gamma > 0)."
            )
        object.__setattr__(self, "coefficients", c)
        object.__setattr__(self, "exponents", z)

    @property
    def n_terms(self) -> int:
        return len(self.coefficients)

    def __call__(self, t):
        """Evaluate chi(t) (array-valued); zero for t < 0."""
        t = np.asarray(t, dtype=float)
        val = np.real(np.exp(np.multiply.outer(t, self.exponents)) @ self.coefficients)
        return np.where(t >= 0, val, 0.0)

    def laplace(self, s):
        """Laplace transform chi(s) = int_0^inf chi(t) exp(-s t) dt (complex s, Re s > max Re z)."""
        s = np.asarray(s, dtype=complex)
        c, z = self.coefficients, self.exponents
        # Re[c e^{zt}] = (c e^{zt} + conj(c) e^{conj(z) t}) / 2
        out = 0.5 * (np.divide.outer(1.0, np.subtract.outer(s, z)) @ c)
        out = out + 0.5 * (np.divide.outer(1.0, np.subtract.outer(s, z.conj())) @ c.conj())
        return out

    def fourier(self, omega):
        """Retarded transform chi(omega) = int_0^inf chi(t) exp(+i omega t) dt (exp(-i omega t) modes)."""
        return self.laplace(-1j * np.asarray(omega, dtype=complex))

    def integral(self):
        """int_0^inf chi(t) dt = chi(omega=0): the static shift of the memory field."""
        return float(np.real(self.laplace(0.0)))

    def slowest_decay_time(self):
        return float(1.0 / np.min(-self.exponents.real))

    def fastest_rate(self):
        """Largest |z_j|: the fastest time scale the kernel introduces."""
        return float(np.max(np.abs(self.exponents)))

    def scaled(self, factor):
        return ExponentialSumKernel(self.coefficients * factor, self.exponents)

    def to_time_unit(self, t_unit):
        """Express a kernel given in SI (1/s^2, 1/s) in reduced units of time ``t_unit`` (s)."""
        return ExponentialSumKernel(self.coefficients * t_unit**2, self.exponents * t_unit)

    def __add__(self, other):
        if not isinstance(other, ExponentialSumKernel):
            return NotImplemented
        return ExponentialSumKernel(
            np.concatenate([self.coefficients, other.coefficients]),
            np.concatenate([self.exponents, other.exponents]),
        )


def damped_oscillator_kernel(amplitude, omega, rate):
    """chi(t) = amplitude * sin(omega t) * exp(-rate t)."""
    if rate <= 0:
        raise InputError(f"oscillator decay rate must be > 0, got {rate}; the memory must fade")
    if omega < 0:
        raise InputError(f"oscillator frequency must be >= 0, got {omega}")
    return ExponentialSumKernel(np.array([-1j * amplitude]), np.array([complex(-rate, omega)]))


def exponential_kernel(amplitude, rate):
    """chi(t) = amplitude * exp(-rate t)."""
    if rate <= 0:
        raise InputError(f"exponential decay rate must be > 0, got {rate}")
    return ExponentialSumKernel(np.array([complex(amplitude)]), np.array([complex(-rate)]))


def phonon_kernel(V0_sq, Omega0, Z, Gamma):
    """Optical-phonon memory kernel of Webb et al. 2026 (Eq. 10, coherent part of Eq. 5).

    chi(t) = 2 Z V0^2 Theta(t) sin(Omega0 t) exp(-Z Gamma t)  (in units where M = Ms m).

    Parameters (any consistent unit system, e.g. rad/s):
      V0_sq   |V0|^2, magnon-phonon coupling squared (frequency^2), >= 0
      Omega0  optical-phonon frequency (> 0)
      Z       quasiparticle residue, 0 < Z <= 1 (Webb et al. 2026, Eq. 8 discussion)
      Gamma   broadening, > 0; the phonon lifetime is 1/(Z Gamma)

    The *sign* with which this kernel enters the equation of motion is set by the model
    (see :class:`spinertia.dynamics.models.MemoryKernelLLG`, ``kernel_sign``); docs/theory.md derives
    why the passive sign is h_mem = +int chi m.
    """
    for name, val in (("V0_sq", V0_sq), ("Omega0", Omega0), ("Gamma", Gamma)):
        if not np.isfinite(val):
            raise InputError(f"{name} must be finite, got {val}")
    if V0_sq < 0:
        raise InputError(f"V0_sq = |V0|^2 must be >= 0, got {V0_sq}")
    if Omega0 <= 0:
        raise InputError(f"phonon frequency Omega0 must be > 0, got {Omega0}")
    if not (0 < Z <= 1):
        raise InputError(f"quasiparticle residue Z must lie in (0, 1], got {Z} (Webb et al. 2026, Eq. 8: 0 < Z < 1)")
    if Gamma <= 0:
        raise InputError(
            f"phonon broadening Gamma must be > 0 (lifetime 1/(Z Gamma) must be finite), got {Gamma}; "
            "a negative lifetime is unphysical"
        )
    return damped_oscillator_kernel(2.0 * Z * V0_sq, Omega0, Z * Gamma)
