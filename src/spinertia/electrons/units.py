"""Electron units: energies in units of the hopping t, hbar = 1 inside.

Every energy of :mod:`spinertia.electrons` (hoppings, on-site energies, the s-d exchange J, Fermi
levels, k_B T, bias voltages times e) is a number in units of the nearest-neighbour hopping t, and
hbar = 1, so a time is measured in hbar/t and a rate in t/hbar.  Spin densities are in units of hbar
(s = <sigma>/2), particle numbers are dimensionless and Green's functions are in 1/t.

:class:`ElectronUnits` is the one conversion to SI: it fixes t in electronvolt.  Xu et al. 2023's Table I
(Xu et al. 2023) takes t = J_ex = 1 meV, so its time unit is hbar/t = 0.658 ps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError
from ..units import E_CHARGE, HBAR, K_B

__all__ = ["ElectronUnits"]


@dataclass(frozen=True)
class ElectronUnits:
    """Conversion between the reduced electron units (t = 1, hbar = 1) and SI.

    Parameters
    ----------
    hopping_eV : float
        The hopping t in electronvolt (positive).

    Examples
    --------
    >>> u = ElectronUnits(1e-3)          # t = 1 meV (Xu et al. 2023, Table I)
    >>> round(u.time_s * 1e12, 4)        # hbar / t in picoseconds
    0.6582
    """

    hopping_eV: float = 1.0

    def __post_init__(self):
        t = self.hopping_eV
        if not (isinstance(t, (int, float)) and math.isfinite(t) and t > 0):
            raise InputError(f"hopping_eV must be a positive finite number (the hopping t in eV), got {t!r}")

    @property
    def energy_J(self) -> float:
        """One energy unit (t) in joule."""
        return self.hopping_eV * E_CHARGE

    @property
    def time_s(self) -> float:
        """One time unit (hbar / t) in seconds."""
        return HBAR / self.energy_J

    def energy(self, value_J):
        """Energy in joule -> units of t."""
        return value_J / self.energy_J

    def energy_to_J(self, value):
        """Energy in units of t -> joule."""
        return value * self.energy_J

    def energy_to_eV(self, value):
        """Energy in units of t -> electronvolt."""
        return value * self.hopping_eV

    def kT(self, temperature_K):
        """k_B T in units of t for a temperature in kelvin."""
        if temperature_K < 0:
            raise InputError(f"temperature must be >= 0 K, got {temperature_K}")
        return K_B * temperature_K / self.energy_J

    def time(self, value_s):
        """Time in seconds -> units of hbar/t."""
        return value_s / self.time_s

    def time_to_s(self, value):
        """Time in units of hbar/t -> seconds."""
        return value * self.time_s

    def rate_to_per_s(self, value):
        """Rate (or angular frequency) in units of t/hbar -> 1/s."""
        return value / self.time_s
