"""A macrospin: a single-domain magnet, described as a one-site :class:`~spinertia.lattice.system.System`.

It runs through the same finalized tables, equations of motion and integrators as a lattice.  The builder
adds the field-style parameters usual for a macrospin (an anisotropy *field*, fields given as angular
frequencies):

    ms = Macrospin()                                  # moment 2 muB, electron gamma
    ms.add_zeeman([0, 0, 0.5])                        # tesla (or omega=[...] in rad/s)
    ms.add_uniaxial_anisotropy(0.1, [0, 0, 1])        # anisotropy field B_K in tesla (or omega_K in rad/s)
    ms.set_damping(0.01); ms.set_inertia("100 fs")
    fin = ms.finalized()

Energy: E(m, t) = -mu B(t) . m - (mu B_K / 2)(m . r)^2, i.e. an anisotropy constant K = mu B_K / 2 per site;
the magnon gap is omega0 = gamma (B + B_K) (Webb et al. 2026, supp. Eq. 7 with 2KS = gamma B_K).
Energies of a macrospin are naturally quoted per moment as angular frequencies, E gamma / mu (rad/s).
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..units import GAMMA_ELECTRON, MU_B, parse_quantity
from . import protocols
from .geometry import chain
from .system import System, _vec3


class Macrospin(System):
    """One-site system (see the module docstring).

    Parameters
    ----------
    gamma : float
        Gyromagnetic ratio |gamma| in rad/(s T) (positive).
    mu : float or str
        Magnetic moment in J/T (or e.g. ``"2 muB"``); enters energies in joule and the thermal-noise
        amplitude, not the deterministic dynamics.
    """

    def __init__(self, gamma=GAMMA_ELECTRON, mu=2 * MU_B):
        if isinstance(gamma, str) or not (np.isfinite(gamma) and gamma > 0):
            raise InputError(
                f"gamma must be the positive magnitude |gamma| in rad/(s T), got {gamma}; "
                "the sign convention is fixed in the equation of motion (dm/dt = -gamma m x B)")
        super().__init__(chain(1e-10), size=1, periodic=False, mu=mu, gamma=gamma)

    @property
    def gamma_value(self):
        return float(self.gamma[0])

    def _to_tesla(self, B, omega, name):
        if (B is None) == (omega is None):
            raise InputError(f"give exactly one of {name} (tesla) or omega{name[1:]} (rad/s)")
        value = B if B is not None else omega
        if np.shape(value) != (3,):
            raise InputError(f"{name if B is not None else 'omega' + name[1:]} must be a 3-vector, got "
                             f"{np.asarray(value).tolist()}: write e.g. [0, 0, 0.5]")
        if B is not None:
            return _vec3(B, name, "field")
        return _vec3(omega, f"omega{name[1:]}", "angular_frequency") / self.gamma_value

    def add_zeeman(self, B=None, *, omega=None, protocol="static", B1=None, omega1=None, **protocol_params):
        """Zeeman field B (tesla) or directly h = omega (rad/s), plus an optional time-dependent part B1 f(t)
        (tesla; or omega1 in rad/s) with ``protocol`` in {static, step, sine, pulse}
        (:mod:`spinertia.lattice.protocols`)."""
        B0 = self._to_tesla(B, omega, "B")
        if protocol not in protocols.PROTOCOLS:
            raise InputError(f"unknown field protocol {protocol!r}; use one of {sorted(protocols.PROTOCOLS)}")
        B1v = None
        if protocol != "static" or B1 is not None or omega1 is not None:
            if protocol == "static":
                raise InputError("a static Zeeman field takes no B1/omega1 (set protocol = 'step', 'sine' or 'pulse')")
            if B1 is None and omega1 is None:
                raise InputError(f"protocol {protocol!r} needs exactly one of B1 (tesla) or omega1 (rad/s)")
            B1v = self._to_tesla(B1, omega1, "B1")
        return super().add_zeeman(B0, protocol=protocol, B1=B1v, **protocol_params)

    def add_uniaxial_anisotropy(self, B_K=None, axis=(0, 0, 1), *, omega_K=None):
        """Easy axis (B_K > 0) or hard axis (B_K < 0): E = -(mu B_K / 2)(m . axis)^2.

        Give the anisotropy field B_K in tesla, or omega_K = gamma B_K = 2 K S in rad/s."""
        if (B_K is None) == (omega_K is None):
            raise InputError("add_uniaxial_anisotropy: give exactly one of B_K (tesla) or omega_K (rad/s)")
        bk = parse_quantity(B_K, "field", "B_K") if B_K is not None else \
            parse_quantity(omega_K, "angular_frequency", "omega_K") / self.gamma_value
        if not np.isfinite(bk):
            raise InputError("anisotropy strength must be finite")
        return self.add_anisotropy(0.5 * self.mu[0] * bk, axis=axis)

    def add_anisotropy_field_tensor(self, N):
        """General quadratic anisotropy E = -(mu / 2 gamma) m . N m, with N symmetric in rad/s (the anisotropy
        field is N m / gamma)."""
        N = np.asarray(N, dtype=float)
        if N.shape != (3, 3) or not np.allclose(N, N.T) or not np.all(np.isfinite(N)):
            raise InputError(f"anisotropy tensor must be a finite symmetric 3x3 matrix (rad/s), got {N!r}")
        return self.add_anisotropy_tensor(0.5 * self.mu[0] / self.gamma_value * N)

    def describe(self):
        return {**super().describe(), "kind": "macrospin"}
