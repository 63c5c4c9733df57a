"""Units: SI at the user-facing edge, reduced units inside. All conversions live here.

Conventions (stated once for the whole package)
-----------------------------------------------
* ``m`` is the unit vector of the magnetization M = Ms m.  For electrons the magnetization is
  antiparallel to the spin; the equation of motion is written with a *positive* gyromagnetic
  ratio ``gamma = |gamma|`` as ``dm/dt = -gamma m x B_eff + ...`` (Webb et al. 2026, Eq. 1), so m precesses
  counter-clockwise about B when viewed from the tip of B.
* Fields enter the dynamics as angular frequencies ``h = gamma B`` (rad/s in SI).
* Energies of a macrospin are reported *per magnetic moment, as an angular frequency*:
  ``E_red = E_SI * gamma / mu`` (rad/s), so that ``h_eff = -dE_red/dm`` and Zeeman is ``-h.m``.
  ``energy_to_joule`` converts back when the moment ``mu`` (J/T) is known.
* Complex mode frequencies use ``exp(-i omega t)``: ``omega = omega' - i Gamma`` with
  ``Im omega < 0`` for a decaying mode.

Reduced units
-------------
A :class:`ReducedUnits` object fixes one time unit ``t_unit`` (seconds).  Inside the solvers,
times are ``t / t_unit`` and angular frequencies ``omega * t_unit``.  Dimensionless parameters
(Gilbert alpha) are unchanged; the inertial time eta scales like a time; kernel amplitudes
(rad/s)^2 scale like frequency squared.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import InputError

#: Electron gyromagnetic ratio |gamma_e| in rad/(s T) (CODATA 2018).
GAMMA_ELECTRON = 1.76085963023e11
#: Bohr magneton in J/T.
MU_B = 9.2740100783e-24
#: Boltzmann constant in J/K.
K_B = 1.380649e-23
#: Reduced Planck constant in J s.
HBAR = 1.054571817e-34
#: Vacuum permeability in T m/A.
MU_0 = 1.25663706212e-6
#: Elementary charge in C.
E_CHARGE = 1.602176634e-19

_TIME = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "ps": 1e-12, "fs": 1e-15, "as": 1e-18}
_FIELD = {"T": 1.0, "mT": 1e-3, "uT": 1e-6, "µT": 1e-6}
_ANGULAR = {
    "rad/s": 1.0,
    "rad/ps": 1e12,
    "rad/fs": 1e15,
    "1/s": 1.0,
    "1/ps": 1e12,
    "1/fs": 1e15,
    # cyclic frequencies are converted to angular frequencies: omega = 2 pi f
    "Hz": 2 * math.pi,
    "kHz": 2 * math.pi * 1e3,
    "MHz": 2 * math.pi * 1e6,
    "GHz": 2 * math.pi * 1e9,
    "THz": 2 * math.pi * 1e12,
}
_ENERGY = {"J": 1.0, "eV": E_CHARGE, "meV": 1e-3 * E_CHARGE, "ueV": 1e-6 * E_CHARGE}
_TEMPERATURE = {"K": 1.0, "mK": 1e-3}
_LENGTH = {"m": 1.0, "um": 1e-6, "µm": 1e-6, "nm": 1e-9, "pm": 1e-12, "A": 1e-10, "Å": 1e-10, "angstrom": 1e-10}
#: magnetic moments: J/T, or multiples of the Bohr magneton
_MOMENT = {"J/T": 1.0, "muB": 9.2740100783e-24, "mu_B": 9.2740100783e-24, "μB": 9.2740100783e-24}
_ANGLE = {"rad": 1.0, "deg": math.pi / 180.0}
#: velocities (spin-transfer drift velocity u)
_VELOCITY = {"m/s": 1.0, "km/s": 1e3, "nm/ns": 1.0, "nm/ps": 1e3}

#: Known physical dimensions and their unit tables (factor to SI).
DIMENSIONS = {
    "time": _TIME,
    "field": _FIELD,
    "angular_frequency": _ANGULAR,
    "energy": _ENERGY,
    "temperature": _TEMPERATURE,
    "angle": _ANGLE,
    "length": _LENGTH,
    "moment": _MOMENT,
    "velocity": _VELOCITY,
}

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*?)?\s*$")


def parse_quantity(value, dimension: str, name: str = "value") -> float:
    """Return ``value`` in SI units of ``dimension``.

    ``value`` is a number (already SI) or a string such as ``"10 fs"``, ``"0.5 T"``,
    ``"2 THz"`` (cyclic, converted to rad/s) or ``"45 deg"``.
    """
    table = DIMENSIONS.get(dimension)
    if table is None:
        raise InputError(f"unknown dimension {dimension!r}; known: {sorted(DIMENSIONS)}")
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name}: expected a number or a quantity string, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if not isinstance(value, str):
        raise InputError(f"{name}: expected a number or a quantity string like '1 ps', got {value!r}")
    match = _QUANTITY.match(value)
    if not match:
        raise InputError(f"{name}: cannot read {value!r} as a {dimension}; write e.g. '1.5 {next(iter(table))}'")
    number, unit = float(match.group(1)), (match.group(2) or "").strip()
    if not unit:
        return number
    if unit not in table:
        raise InputError(f"{name}: unknown {dimension} unit {unit!r} in {value!r}; use one of {sorted(table)}")
    return number * table[unit]


@dataclass(frozen=True)
class ReducedUnits:
    """Reduced units fixed by a time unit (seconds). Default: 1 ps."""

    t_unit: float = 1e-12

    def __post_init__(self):
        if not (self.t_unit > 0 and math.isfinite(self.t_unit)):
            raise InputError(f"time unit must be a positive finite number of seconds, got {self.t_unit!r}")
        if not 1e-24 <= self.t_unit <= 1e6:
            raise InputError(f"time unit {self.t_unit:g} s is outside 1e-24 .. 1e6 s; choose it near the fastest "
                             "period of the dynamics (e.g. '1 fs' for a lattice, '1 ps' for a macrospin)")

    # time -------------------------------------------------------------------------------------
    def time(self, t_seconds):
        """Seconds -> reduced time."""
        return t_seconds / self.t_unit

    def time_to_si(self, t_reduced):
        """Reduced time -> seconds."""
        return t_reduced * self.t_unit

    # angular frequency --------------------------------------------------------------------------
    def frequency(self, omega_rad_per_s):
        """rad/s -> reduced angular frequency."""
        return omega_rad_per_s * self.t_unit

    def frequency_to_si(self, omega_reduced):
        """Reduced angular frequency -> rad/s."""
        return omega_reduced / self.t_unit

    def frequency_squared(self, value_rad2_per_s2):
        """(rad/s)^2 -> reduced (kernel amplitudes, V0^2)."""
        return value_rad2_per_s2 * self.t_unit**2

    def frequency_squared_to_si(self, value_reduced):
        return value_reduced / self.t_unit**2

    def time_squared(self, value_s2):
        """s^2 -> reduced (e.g. the sum-rule constant kappa)."""
        return value_s2 / self.t_unit**2

    # field ----------------------------------------------------------------------------------------
    def field(self, b_tesla, gamma=GAMMA_ELECTRON):
        """Magnetic field in tesla -> reduced angular frequency gamma B t_unit."""
        return gamma * b_tesla * self.t_unit

    def field_to_si(self, h_reduced, gamma=GAMMA_ELECTRON):
        """Reduced angular frequency -> tesla."""
        return h_reduced / (gamma * self.t_unit)


def energy_to_joule(e_reduced_rad_per_s, mu_j_per_t, gamma=GAMMA_ELECTRON):
    """Macrospin energy in rad/s (per moment) -> joule, for a moment ``mu`` in J/T."""
    return e_reduced_rad_per_s * mu_j_per_t / gamma


def bose(omega, temperature):
    """Bose-Einstein occupation n_B(omega) for angular frequency omega (rad/s) at T (K).

    At T = 0 returns 0 for omega > 0 and -1 for omega < 0 (the T -> 0 limit).
    """
    omega = np.asarray(omega, dtype=float)
    if temperature < 0:
        raise InputError(f"temperature must be >= 0 K, got {temperature}")
    if temperature == 0:
        return np.where(omega > 0, 0.0, -1.0)
    x = HBAR * omega / (K_B * temperature)
    with np.errstate(over="ignore", divide="ignore"):
        return 1.0 / np.expm1(x)


#: Largest plausible magnitudes (SI) of user-facing quantities: name -> (dimension, largest, typical).
#: Larger values are almost always a unit mistake (10 J meant as 10 meV, 2 J/T meant as 2 muB);
#: :func:`check_plausible` refuses them with a message that names the unit.  (Inertial times are checked
#: against the precession frequency by the inertial model, where the scale is known.)
PLAUSIBLE = {
    "exchange": ("energy", 1e-17, "0.1 - 100 meV per bond (e.g. '10 meV')"),
    "anisotropy": ("energy", 1e-17, "1 ueV - 1 meV per site (e.g. '0.1 meV')"),
    "field": ("field", 1e5, "mT - 10 T (e.g. '0.5 T')"),
    "moment": ("moment", 1e-12, "0.1 - 10 muB per atom (e.g. '2 muB')"),
    "velocity": ("velocity", 1e5, "1 - 1000 m/s (spin-transfer drift velocity, e.g. '100 m/s')"),
}


def check_plausible(value, kind: str, name: str):
    """Refuse a value whose magnitude is far above anything physical for ``kind`` (see PLAUSIBLE); the
    message names the SI unit the number was read in and a typical range.  Returns ``value``."""
    dim, high, typical = PLAUSIBLE[kind]
    arr = np.abs(np.asarray(value, dtype=float))
    if arr.size and arr.max() > high:
        unit = {"energy": "J", "field": "T", "moment": "J/T", "velocity": "m/s"}[dim]
        example = typical.split("e.g. ")[-1].rstrip(")")
        raise InputError(
            f"{name} = {arr.max():.6g} {unit} is not a plausible {kind} (plain numbers are SI: {unit}); typical: "
            f"{typical}. Give a quantity string with its unit, e.g. {example}")
    return value
