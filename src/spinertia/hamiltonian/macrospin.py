"""Macrospin Hamiltonian: builder (SI) -> finalized object (reduced units, compiled field).

Energy per moment, as an angular frequency (see :mod:`spinertia.units`):

    E(m, t) = - h_Z(t) . m  -  1/2 m . N m

* Zeeman  h_Z(t) = gamma [B0 + B1 f(t)] with a protocol f(t): ``static`` (f = 0), ``step``
  (f = Theta(t - t_on)), ``sine`` (f = sin(w t + phase)), ``pulse`` (f = exp(-(t-t0)^2/(2 s^2))).
* Quadratic anisotropy N (symmetric 3x3, rad/s): a uniaxial easy axis r with anisotropy field
  B_K adds gamma B_K r r^T, i.e. E = -(gamma B_K / 2)(m.r)^2 = -K S (m.r)^2 with 2KS = gamma B_K
  (seed 000 supp. Eq. 7: the magnon gap is omega0 = gamma H + 2KS); an easy plane with normal n
  adds -gamma B_K n n^T.

Effective field h_eff = -dE/dm = h_Z(t) + N m (rad/s).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numba as nb
import numpy as np

from ..errors import InputError
from ..units import GAMMA_ELECTRON, ReducedUnits

PROTOCOLS = {"static": 0, "step": 1, "sine": 2, "pulse": 3}

# layout of the flat field-parameter array
_H0, _N, _PROTO, _H1, _P = 0, 3, 12, 13, 16
FIELD_PARAM_SIZE = 19


def _vector3(v, name):
    a = np.asarray(v, dtype=float)
    if a.shape != (3,):
        raise InputError(f"{name} must be a 3-vector, got shape {a.shape}: write e.g. [0, 0, 0.5]")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be finite, got {a}")
    return a


def _unit(v, name):
    a = _vector3(v, name)
    n = np.linalg.norm(a)
    if n == 0:
        raise InputError(f"{name} must be a non-zero direction")
    return a / n


@dataclass
class Macrospin:
    """Builder for a single-domain magnet. Inputs in SI (tesla, seconds, rad/s).

    >>> sys = Macrospin()
    >>> sys.add_zeeman([0, 0, 0.5])                   # tesla, on for t >= 0
    >>> sys.add_uniaxial_anisotropy(0.1, [0, 0, 1])   # anisotropy field B_K in tesla
    >>> ham = sys.finalized(ReducedUnits(1e-12))
    """

    gamma: float = GAMMA_ELECTRON  # rad/(s T), > 0 by convention (see units)
    _h0: np.ndarray = field(default_factory=lambda: np.zeros(3))
    _n: np.ndarray = field(default_factory=lambda: np.zeros((3, 3)))
    _protocol: str = "static"
    _h1: np.ndarray = field(default_factory=lambda: np.zeros(3))
    _p: np.ndarray = field(default_factory=lambda: np.zeros(3))
    terms: list = field(default_factory=list)

    def __post_init__(self):
        if not (np.isfinite(self.gamma) and self.gamma > 0):
            raise InputError(
                f"gamma must be the positive magnitude |gamma| in rad/(s T), got {self.gamma}; "
                "the sign convention is fixed in the equation of motion (dm/dt = -gamma m x B)"
            )

    # -- Zeeman ------------------------------------------------------------------------------------
    def add_zeeman(self, B=None, *, omega=None, protocol="static", B1=None, omega1=None, **protocol_params):
        """Add a Zeeman field B (tesla) or directly h = omega (rad/s), plus an optional time-dependent
        part B1 f(t) (tesla; or omega1 in rad/s) with ``protocol`` in {static, step, sine, pulse}.

        Protocol parameters (seconds, rad/s): step: t_on; sine: frequency, phase; pulse: t0, width.
        """
        if (B is None) == (omega is None):
            raise InputError("add_zeeman: give exactly one of B (tesla) or omega (rad/s)")
        h = self.gamma * _vector3(B, "B") if B is not None else _vector3(omega, "omega")
        self._h0 = self._h0 + h
        if protocol not in PROTOCOLS:
            raise InputError(f"unknown field protocol {protocol!r}; use one of {sorted(PROTOCOLS)}")
        if protocol != "static":
            if self._protocol != "static":
                raise InputError("only one time-dependent Zeeman term is supported; combine them into one")
            if (B1 is None) == (omega1 is None):
                raise InputError(f"protocol {protocol!r} needs exactly one of B1 (tesla) or omega1 (rad/s)")
            self._h1 = self.gamma * _vector3(B1, "B1") if B1 is not None else _vector3(omega1, "omega1")
            self._protocol = protocol
            self._p = _protocol_params(protocol, protocol_params)
        elif protocol_params or B1 is not None or omega1 is not None:
            raise InputError(f"static Zeeman field takes no protocol parameters, got {sorted(protocol_params)}")
        self.terms.append(("zeeman", dict(h=h.tolist(), protocol=protocol)))
        return self

    # -- anisotropy ------------------------------------------------------------------------------
    def add_uniaxial_anisotropy(self, B_K=None, axis=(0, 0, 1), *, omega_K=None):
        """Easy axis (B_K > 0) or hard axis (B_K < 0): E = -(gamma B_K/2)(m.axis)^2.

        Give the anisotropy field B_K in tesla, or omega_K = gamma B_K = 2 K S in rad/s.
        """
        if (B_K is None) == (omega_K is None):
            raise InputError("add_uniaxial_anisotropy: give exactly one of B_K (tesla) or omega_K (rad/s)")
        wk = self.gamma * float(B_K) if B_K is not None else float(omega_K)
        if not np.isfinite(wk):
            raise InputError("anisotropy strength must be finite")
        r = _unit(axis, "axis")
        self._n = self._n + wk * np.outer(r, r)
        self.terms.append(("uniaxial", dict(omega_K=wk, axis=r.tolist())))
        return self

    def add_anisotropy_tensor(self, N):
        """General quadratic anisotropy E = -1/2 m.N m with N symmetric (rad/s)."""
        N = np.asarray(N, dtype=float)
        if N.shape != (3, 3) or not np.allclose(N, N.T) or not np.all(np.isfinite(N)):
            raise InputError(f"anisotropy tensor must be a finite symmetric 3x3 matrix (rad/s), got {N!r}")
        self._n = self._n + N
        self.terms.append(("anisotropy_tensor", dict(N=N.tolist())))
        return self

    def finalized(self, units: ReducedUnits = ReducedUnits()):
        return FinalizedMacrospin(self, units)


def reduced_protocol_params(fp, protocol, p_si, units):
    """Write the protocol kind and its parameters (converted to reduced units) into ``fp``."""
    p = np.array(p_si, dtype=float)
    if protocol == "step":
        p[0] = units.time(p[0])
    elif protocol == "sine":
        p[0] = units.frequency(p[0])
    elif protocol == "pulse":
        p[0], p[1] = units.time(p[0]), units.time(p[1])
    fp[_PROTO] = PROTOCOLS[protocol]
    fp[_P:_P + 3] = p


def _protocol_params(protocol, params):
    allowed = {"step": ("t_on",), "sine": ("frequency", "phase"), "pulse": ("t0", "width")}[protocol]
    unknown = set(params) - set(allowed)
    if unknown:
        raise InputError(f"protocol {protocol!r}: unknown parameters {sorted(unknown)}; allowed: {list(allowed)}")
    p = np.zeros(3)
    for i, name in enumerate(allowed):
        val = params.get(name, 0.0)
        if not np.isfinite(val):
            raise InputError(f"protocol parameter {name} must be finite")
        p[i] = val
    if protocol == "pulse" and p[1] <= 0:
        raise InputError("pulse protocol needs width > 0 (seconds)")
    return p


class FinalizedMacrospin:
    """Reduced-unit macrospin Hamiltonian with a compiled effective field."""

    def __init__(self, builder: Macrospin, units: ReducedUnits):
        self.units = units
        self.gamma = builder.gamma
        self.terms = list(builder.terms)
        fp = np.zeros(FIELD_PARAM_SIZE)
        fp[_H0:_H0 + 3] = units.frequency(builder._h0)
        fp[_N:_N + 9] = units.frequency(builder._n).ravel()
        fp[_H1:_H1 + 3] = units.frequency(builder._h1)
        reduced_protocol_params(fp, builder._protocol, builder._p, units)
        self.params = fp
        self.protocol = builder._protocol

    @property
    def static_field(self):
        return self.params[_H0:_H0 + 3].copy()

    @property
    def anisotropy(self):
        return self.params[_N:_N + 9].reshape(3, 3).copy()

    def field(self, t, m):
        """Effective field h_eff (reduced angular frequency) for m of shape (..., 3) at time(s) t."""
        m = np.asarray(m, dtype=float)
        prof = np.asarray(protocol_profile_np(np.asarray(t, float), self.params))
        h = self.params[_H0:_H0 + 3] + np.multiply.outer(prof, self.params[_H1:_H1 + 3])
        return h + m @ self.anisotropy.T

    def energy(self, t, m):
        """E(m, t) per moment (reduced angular frequency)."""
        m = np.asarray(m, dtype=float)
        prof = np.asarray(protocol_profile_np(np.asarray(t, float), self.params))
        hz = self.params[_H0:_H0 + 3] + np.multiply.outer(prof, self.params[_H1:_H1 + 3])
        return -np.sum(hz * m, axis=-1) - 0.5 * np.einsum("...i,ij,...j->...", m, self.anisotropy, m)

    def max_frequency(self, t_span=None):
        """Upper estimate of the precession frequency scale |h| + ||N|| (reduced)."""
        return float(
            np.linalg.norm(self.params[_H0:_H0 + 3])
            + np.linalg.norm(self.params[_H1:_H1 + 3])
            + np.linalg.norm(self.anisotropy, 2)
        )

    def describe(self):
        return {"kind": "macrospin", "gamma_rad_per_s_T": self.gamma, "terms": self.terms,
                "time_unit_s": self.units.t_unit}


def protocol_profile_np(t, fp):
    kind = int(fp[_PROTO])
    p = fp[_P:_P + 3]
    if kind == 0:
        return np.zeros_like(t)
    if kind == 1:
        return (t >= p[0]).astype(float)
    if kind == 2:
        return np.sin(p[0] * t + p[1])
    return np.exp(-0.5 * ((t - p[0]) / p[1]) ** 2)


@nb.njit(cache=True, inline="always")
def protocol_profile(t, fp):
    kind = int(fp[_PROTO])
    if kind == 0:
        return 0.0
    if kind == 1:
        return 1.0 if t >= fp[_P] else 0.0
    if kind == 2:
        return np.sin(fp[_P] * t + fp[_P + 1])
    x = (t - fp[_P]) / fp[_P + 1]
    return np.exp(-0.5 * x * x)


@nb.njit(cache=True, inline="always")
def macrospin_field3(t, m0, m1, m2, fp):
    """Allocation-free effective field: returns (h_x, h_y, h_z) for m = (m0, m1, m2)."""
    f = protocol_profile(t, fp)
    h0 = fp[_H0] + f * fp[_H1] + fp[_N] * m0 + fp[_N + 1] * m1 + fp[_N + 2] * m2
    h1 = fp[_H0 + 1] + f * fp[_H1 + 1] + fp[_N + 3] * m0 + fp[_N + 4] * m1 + fp[_N + 5] * m2
    h2 = fp[_H0 + 2] + f * fp[_H1 + 2] + fp[_N + 6] * m0 + fp[_N + 7] * m1 + fp[_N + 8] * m2
    return h0, h1, h2
