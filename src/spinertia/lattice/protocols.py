"""Time protocols of the applied field: one home for their names, parameters and the compiled profile.

A time-dependent Zeeman term is ``B(t) = B0 + B1 f(t)`` with the profile ``f``:

=========  ==============================  ====================================================
protocol   f(t)                            parameters (SI)
=========  ==============================  ====================================================
static     0                               --
step       Theta(t - t_on)                 t_on (s)
sine       sin(omega t + phase)            frequency omega (rad/s; "10 GHz" is cyclic), phase (rad)
pulse      exp(-(t - t0)^2 / (2 w^2))      t0 (s), width w (s, > 0)
=========  ==============================  ====================================================

Compiled code reads the profile from a small array ``fp = [kind, p0, p1, p2]`` in reduced units.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..errors import InputError

#: protocol name -> (kind code, {parameter: dimension}) in the order of fp[1:4]
PROTOCOLS = {
    "static": (0, {}),
    "step": (1, {"t_on": "time"}),
    "sine": (2, {"frequency": "angular_frequency", "phase": "angle"}),
    "pulse": (3, {"t0": "time", "width": "time"}),
}
#: every protocol parameter and its dimension
PARAMETER_DIMENSIONS = {k: d for _, params in PROTOCOLS.values() for k, d in params.items()}
#: parameters that must be given (the others default to 0)
REQUIRED = {"sine": ("frequency",), "pulse": ("width",)}
STATIC_FP = np.zeros(4)


def protocol_parameters(protocol, params):
    """Validate the SI parameters of ``protocol``; returns the 3-array (p0, p1, p2) in SI."""
    from ..units import parse_quantity

    if protocol not in PROTOCOLS:
        raise InputError(f"unknown field protocol {protocol!r}; use one of {sorted(PROTOCOLS)}")
    allowed = PROTOCOLS[protocol][1]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        users = [p for p, (_, ks) in PROTOCOLS.items() if unknown[0] in ks]
        owner = f" (a parameter of protocol {users[0]!r})" if users else ""
        raise InputError(f"protocol {protocol!r}: unknown parameter(s) {unknown}{owner}; it takes: "
                         f"{', '.join(allowed) or 'nothing'}")
    for name in REQUIRED.get(protocol, ()):
        if name not in params:
            raise InputError(f"protocol {protocol!r} needs {name!r}")
    p = np.zeros(3)
    for i, (name, dim) in enumerate(allowed.items()):
        value = parse_quantity(params.get(name, 0.0), dim, name)
        if not math.isfinite(value):
            raise InputError(f"protocol parameter {name} must be finite, got {params.get(name)!r}")
        p[i] = value
    if protocol == "pulse" and not p[1] > 0:
        raise InputError("protocol 'pulse' needs width > 0 (seconds)")
    return p


def reduced_fp(protocol, p_si, units):
    """fp = [kind, p0, p1, p2] with times and frequencies in reduced ``units``."""
    kind, params = PROTOCOLS[protocol]
    fp = np.zeros(4)
    fp[0] = kind
    for i, dim in enumerate(params.values()):
        fp[1 + i] = {"time": units.time, "angular_frequency": units.frequency}.get(dim, float)(p_si[i])
    return fp


@nb.njit(cache=True, inline="always")
def profile(t, fp):
    """f(t) of the protocol encoded in ``fp`` (reduced time)."""
    kind = int(fp[0])
    if kind == 0:
        return 0.0
    if kind == 1:
        return 1.0 if t >= fp[1] else 0.0
    if kind == 2:
        return np.sin(fp[1] * t + fp[2])
    x = (t - fp[1]) / fp[2]
    return np.exp(-0.5 * x * x)


def profile_np(t, fp):
    """Vectorized f(t) (numpy) for arrays of times."""
    t = np.asarray(t, dtype=float)
    kind = int(fp[0])
    if kind == 0:
        return np.zeros_like(t)
    if kind == 1:
        return (t >= fp[1]).astype(float)
    if kind == 2:
        return np.sin(fp[1] * t + fp[2])
    return np.exp(-0.5 * ((t - fp[1]) / fp[2]) ** 2)
