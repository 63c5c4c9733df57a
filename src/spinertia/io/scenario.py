"""TOML scenario files: one macrospin simulation described in SI units.

The schema is documented key by key in ``docs/scenario.md``; ``examples/`` holds one scenario per
model.  In short::

    [meta]                      # optional, free text
    name = "..."
    description = "..."

    [units]
    time = "1 ps"               # internal (reduced) time unit; default 1 ps

    [system]
    gamma = 1.76085963023e11    # |gamma| in rad/(s T); default GAMMA_ELECTRON

    [[system.zeeman]]           # any number of Zeeman terms (at most one time-dependent)
    B = [0, 0, 0.5]             # tesla  (or omega = [...] in rad/s)
    protocol = "static"         # static | step | sine | pulse
    B1 = [0.01, 0, 0]           # tesla  (or omega1), time-dependent part (not for static)
    t_on = "10 ps"              # step;  frequency = "10 GHz", phase = "0 deg" (sine);
                                # t0 = "5 ps", width = "1 ps" (pulse)

    [[system.anisotropy]]
    type = "uniaxial"           # uniaxial | easy_plane | tensor
    B_K = 0.1                   # tesla (or omega_K in rad/s); tensor: N = 3x3 in rad/s
    axis = [0, 0, 1]            # easy_plane: normal = [...]

    [model]
    type = "illg"               # llg | illg | kernel
    alpha = 0.01                # scalar or 3x3
    eta = "100 fs"              # illg only: seconds, scalar or 3x3
    convention = "seed002"      # seed002 (= seed000) | seed003

    [model.kernel]              # kernel only
    type = "phonon"
    Omega0 = "1 rad/ps"         # rad/s ("5 THz" is cyclic: 2 pi 5e12 rad/s)
    Z = 0.5
    Gamma = 4e10                # rad/s  (or lifetime = "25 ps" = 1/(Z Gamma))
    V0_sq = 1e22                # (rad/s)^2, or "0.01 (rad/ps)^2"
    sign = "passive"            # passive | as_printed
    history = "none"            # none | equilibrated

    [model.longitudinal]        # kernel only, optional
    tau = "1 ps"
    m_eq = 0.95

    [initial]
    m = [1, 0, 0]               # unit vector, or theta = "45 deg", phi = "0 deg"
    dmdt = [0, 0, 0]            # illg only, rad/s

    [run]
    t_end = "100 ps"
    dt = "1 fs"
    integrator = "rk4"          # rk4 | rkmk4 | dp45
    output_every = "0.1 ps"
    rtol = 1e-9                 # dp45
    atol = 1e-12                # dp45
    checkpoint_interval = "30 s"  # wall-clock seconds between checkpoints

Numbers are SI; strings carry units and are read by :func:`spinertia.units.parse_quantity`.
Every error is an :class:`~spinertia.errors.InputError` that names the offending key.
"""
from __future__ import annotations

import difflib
import math
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..units import GAMMA_ELECTRON, ReducedUnits, parse_quantity

__all__ = [
    "Scenario",
    "RunSettings",
    "SCHEMA",
    "load_scenario",
    "scenario_from_dict",
    "build_hamiltonian",
    "build_model",
    "build_initial_state",
    "build_run_settings",
]

MODEL_TYPES = ("llg", "illg", "kernel")
INTEGRATORS = ("rk4", "rkmk4", "heun", "dp45")
PROTOCOL_KEYS = {"static": (), "step": ("t_on",), "sine": ("frequency", "phase"), "pulse": ("t0", "width")}
ANISOTROPY_TYPES = ("uniaxial", "easy_plane", "tensor")
KERNEL_TYPES = ("phonon",)
KERNEL_SIGNS = ("passive", "as_printed")
HISTORIES = ("none", "equilibrated")
CONVENTIONS = ("seed002", "seed000", "seed003")

#: Allowed keys of every table (the complete schema; docs/scenario.md documents each one).
SCHEMA = {
    "": ("meta", "units", "system", "model", "initial", "run"),
    "meta": ("name", "description"),
    "units": ("time",),
    "system": ("gamma", "zeeman", "anisotropy"),
    "system.zeeman": ("B", "omega", "protocol", "B1", "omega1", "t_on", "frequency", "phase", "t0", "width"),
    "system.anisotropy": ("type", "B_K", "omega_K", "axis", "normal", "N"),
    "model": ("type", "alpha", "eta", "convention", "kernel", "longitudinal"),
    "model.kernel": ("type", "Omega0", "Z", "Gamma", "lifetime", "V0_sq", "sign", "history"),
    "model.longitudinal": ("tau", "m_eq"),
    "initial": ("m", "theta", "phi", "dmdt"),
    "run": ("t_end", "dt", "integrator", "output_every", "rtol", "atol", "checkpoint_interval"),
}

#: Keys that only some model types accept.
_MODEL_ONLY = {"eta": ("illg",), "kernel": ("kernel",), "longitudinal": ("kernel",)}


# ------------------------------------------------------------------------------------------------
# data classes
# ------------------------------------------------------------------------------------------------
@dataclass
class RunSettings:
    """Integration settings in reduced units (times divided by ``units.t_unit``)."""

    t_end: float
    dt: float
    method: str = "rk4"
    output_every: float | None = None
    rtol: float = 1e-9
    atol: float = 1e-12
    checkpoint_interval: float = 30.0  # wall-clock seconds

    def simulate_kwargs(self):
        """Keyword arguments for :func:`spinertia.dynamics.simulate.simulate` (besides model, y0, t_end, dt)."""
        return dict(method=self.method, output_every=self.output_every, rtol=self.rtol, atol=self.atol,
                    checkpoint_interval=self.checkpoint_interval)


@dataclass
class Scenario:
    """A loaded scenario: everything needed to run ``simulate`` (reduced units) plus the raw table."""

    units: ReducedUnits
    hamiltonian: object  # FinalizedMacrospin
    model: object  # TorqueModel
    y0: np.ndarray
    run: RunSettings
    raw: dict = field(default_factory=dict)
    path: Path | None = None
    name: str | None = None

    def simulate(self, **kwargs):
        """Run the scenario: ``simulate(model, y0, t_end, dt, ...)``; keyword arguments override."""
        from ..dynamics.simulate import simulate

        opts = self.run.simulate_kwargs()
        opts.update(kwargs)
        return simulate(self.model, self.y0, self.run.t_end, self.run.dt, **opts)


# ------------------------------------------------------------------------------------------------
# validation helpers
# ------------------------------------------------------------------------------------------------
def _where(path, key=None):
    full = f"{path}.{key}" if path and key else (key or path)
    return full or "<top level>"


def _table(value, path):
    if not isinstance(value, dict):
        raise InputError(f"[{path}] must be a table (e.g. '[{path}]' followed by 'key = value' lines), "
                         f"got {type(value).__name__} {value!r}")
    return value


def _check_keys(table, path, allowed=None):
    """Raise InputError for keys of ``table`` not in the schema of ``path``, suggesting the closest one."""
    allowed = SCHEMA[path] if allowed is None else allowed
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
            if not close:
                lower = {a.lower(): a for a in allowed}
                if key.lower() in lower:
                    close = [lower[key.lower()]]
            hint = f"; did you mean '{close[0]}'?" if close else ""
            if path:
                raise InputError(f"unknown key '{key}' in [{path}]{hint} Allowed keys: {', '.join(allowed)} "
                                 "(docs/scenario.md)")
            raise InputError(f"unknown section '{key}'{hint} Allowed sections: {', '.join(allowed)} "
                             "(docs/scenario.md)")


def _choice(value, options, where):
    if not isinstance(value, str) or value not in options:
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise InputError(f"{where} = {value!r} is not valid{hint} Use one of: {', '.join(options)}")
    return value


def _quantity(value, dimension, where, *, positive=False, nonnegative=False):
    """A scalar quantity in SI: number or string with units."""
    if isinstance(value, (list, dict)):
        raise InputError(f"{where} must be a single number or a quantity string like '1 ps', got {value!r}")
    x = parse_quantity(value, dimension, name=where)
    if not math.isfinite(x):
        raise InputError(f"{where} must be finite, got {value!r}")
    if positive and not x > 0:
        raise InputError(f"{where} must be > 0, got {value!r}")
    if nonnegative and x < 0:
        raise InputError(f"{where} must be >= 0, got {value!r}")
    return x


def _number(value, where, *, positive=False, low=None, high=None):
    """A dimensionless number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(f"{where} must be finite, got {value!r}")
    if positive and not x > 0:
        raise InputError(f"{where} must be > 0, got {value!r}")
    if low is not None and not x > low:
        raise InputError(f"{where} must be > {low}, got {value!r}")
    if high is not None and not x <= high:
        raise InputError(f"{where} must be <= {high}, got {value!r}")
    return x


def _vector(value, dimension, where):
    """A 3-vector; each component a number (SI) or a quantity string."""
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise InputError(f"{where} must be a list of 3 components, e.g. [0, 0, 1], got {value!r}")
    if dimension is None:
        return np.array([_number(v, f"{where}[{i}]") for i, v in enumerate(value)])
    return np.array([_quantity(v, dimension, f"{where}[{i}]") for i, v in enumerate(value)])


def _scalar_or_tensor(value, dimension, where):
    """A scalar or a 3x3 tensor (list of 3 rows of 3)."""
    if isinstance(value, (list, tuple)):
        ok = len(value) == 3 and all(isinstance(r, (list, tuple)) and len(r) == 3 for r in value)
        if not ok:
            shape = np.shape(np.array(value, dtype=object)) if value else (0,)
            raise InputError(
                f"{where} must be a scalar or a 3x3 tensor written as 3 rows of 3, e.g. "
                f"[[a, 0, 0], [0, a, 0], [0, 0, b]]; got shape {shape}: {value!r}")
        conv = (lambda v, w: _number(v, w)) if dimension is None else (lambda v, w: _quantity(v, dimension, w))
        return np.array([[conv(v, f"{where}[{i}][{j}]") for j, v in enumerate(r)] for i, r in enumerate(value)])
    if dimension is None:
        return _number(value, where)
    return _quantity(value, dimension, where)


_SQUARED = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\(\s*(.+?)\s*\)\s*\^\s*2\s*$")


def _frequency_squared(value, where):
    """(rad/s)^2: a number, or a string '<number> (<angular-frequency unit>)^2', e.g. '0.01 (rad/ps)^2'."""
    if isinstance(value, str):
        match = _SQUARED.match(value)
        if match:
            unit = parse_quantity(f"1 {match.group(2)}", "angular_frequency", name=where)
            x = float(match.group(1)) * unit**2
        else:
            try:
                x = float(value)
            except ValueError:
                raise InputError(f"{where}: cannot read {value!r}; write a number in (rad/s)^2 or a string "
                                 "like '0.01 (rad/ps)^2'") from None
    else:
        x = _number(value, where)
    if not math.isfinite(x):
        raise InputError(f"{where} must be finite, got {value!r}")
    return x


def _one_of(table, keys, where, required=True):
    present = [k for k in keys if k in table]
    if len(present) > 1:
        raise InputError(f"[{where}]: give only one of {' or '.join(keys)}, got {', '.join(present)}")
    if required and not present:
        raise InputError(f"[{where}]: missing key; give one of {' or '.join(keys)}")
    return present[0] if present else None


def _require(table, key, path):
    if key not in table:
        raise InputError(f"[{path}]: missing required key '{key}' (docs/scenario.md)")
    return table[key]


# ------------------------------------------------------------------------------------------------
# builders
# ------------------------------------------------------------------------------------------------
def build_units(table) -> ReducedUnits:
    table = _table(table, "units")
    _check_keys(table, "units")
    t_unit = _quantity(table.get("time", 1e-12), "time", "units.time", positive=True)
    return ReducedUnits(t_unit)


def build_hamiltonian(table, units: ReducedUnits):
    """[system] table -> FinalizedMacrospin in ``units``."""
    from ..hamiltonian.macrospin import Macrospin

    table = _table(table, "system")
    _check_keys(table, "system")
    gamma = _number(table.get("gamma", GAMMA_ELECTRON), "system.gamma", positive=True)
    builder = Macrospin(gamma=gamma)
    for path, key, fn in (("system.zeeman", "zeeman", _add_zeeman), ("system.anisotropy", "anisotropy",
                                                                        _add_anisotropy)):
        terms = table.get(key, [])
        if isinstance(terms, dict):  # a single [system.zeeman] table
            terms = [terms]
        if not isinstance(terms, list):
            raise InputError(f"system.{key} must be a list of tables written as [[system.{key}]], got {terms!r}")
        for i, term in enumerate(terms):
            where = f"{path}[{i}]"
            term = _table(term, where)
            _check_keys(term, path)
            try:
                fn(builder, term, where)
            except InputError as err:
                msg = str(err)
                raise InputError(msg if where in msg else f"{where}: {msg}") from None
    return builder.finalized(units)


def _add_zeeman(builder, term, where):
    which = _one_of(term, ("B", "omega"), where)
    dim = "field" if which == "B" else "angular_frequency"
    value = _vector(term[which], dim, f"{where}.{which}")
    protocol = _choice(term.get("protocol", "static"), tuple(PROTOCOL_KEYS), f"{where}.protocol")
    params = {}
    allowed = PROTOCOL_KEYS[protocol]
    for key in ("t_on", "frequency", "phase", "t0", "width"):
        if key in term and key not in allowed:
            users = [p for p, ks in PROTOCOL_KEYS.items() if key in ks]
            raise InputError(f"{where}.{key} is a parameter of protocol '{users[0]}', not of "
                             f"protocol '{protocol}' (which takes: {', '.join(allowed) or 'nothing'})")
    kwargs = {}
    if protocol == "static":
        for key in ("B1", "omega1"):
            if key in term:
                raise InputError(f"{where}.{key}: a static field has no time-dependent part; set "
                                 "protocol = 'step', 'sine' or 'pulse', or remove the key")
    else:
        which1 = _one_of(term, ("B1", "omega1"), where)
        dim1 = "field" if which1 == "B1" else "angular_frequency"
        kwargs[which1] = _vector(term[which1], dim1, f"{where}.{which1}")
        dims = {"t_on": "time", "frequency": "angular_frequency", "phase": "angle", "t0": "time", "width": "time"}
        for key in allowed:
            if key in term:
                params[key] = _quantity(term[key], dims[key], f"{where}.{key}", positive=(key == "width"))
            elif key in ("frequency", "width"):
                raise InputError(f"{where}: protocol '{protocol}' needs '{key}'")
    builder.add_zeeman(**{which: value}, protocol=protocol, **kwargs, **params)


def _add_anisotropy(builder, term, where):
    kind = _choice(_require(term, "type", where), ANISOTROPY_TYPES, f"{where}.type")
    allowed = {"uniaxial": ("type", "B_K", "omega_K", "axis"), "easy_plane": ("type", "B_K", "omega_K", "normal"),
               "tensor": ("type", "N")}[kind]
    for key in term:
        if key not in allowed:
            raise InputError(f"{where}.{key} does not apply to anisotropy type '{kind}' "
                             f"(which takes: {', '.join(allowed)})")
    if kind == "tensor":
        N = _scalar_or_tensor(_require(term, "N", where), "angular_frequency", f"{where}.N")
        builder.add_anisotropy_tensor(np.asarray(N) * (np.eye(3) if np.ndim(N) == 0 else 1.0))
        return
    which = _one_of(term, ("B_K", "omega_K"), where)
    value = _quantity(term[which], "field" if which == "B_K" else "angular_frequency", f"{where}.{which}")
    wk = builder.gamma * value if which == "B_K" else value
    if kind == "uniaxial":
        axis = _vector(term.get("axis", [0, 0, 1]), None, f"{where}.axis")
        if np.linalg.norm(axis) == 0:
            raise InputError(f"{where}.axis must be a non-zero direction")
        builder.add_uniaxial_anisotropy(omega_K=wk, axis=axis)
    else:
        if not wk > 0:
            raise InputError(f"{where}.{which} must be > 0 for an easy plane (its strength), got {term[which]!r}; "
                             "for an easy axis use type = 'uniaxial'")
        normal = _vector(term.get("normal", [0, 0, 1]), None, f"{where}.normal")
        if np.linalg.norm(normal) == 0:
            raise InputError(f"{where}.normal must be a non-zero direction")
        # easy plane with normal n = hard axis along n: E = +(omega_K / 2)(m.n)^2
        builder.add_uniaxial_anisotropy(omega_K=-wk, axis=normal)


def build_model(table, hamiltonian, units: ReducedUnits | None = None):
    """[model] table -> torque model (LLG, InertialLLG or MemoryKernelLLG) in reduced ``units``.

    Returns ``(model, history)`` where history is the kernel's initial-history choice ('none' for
    models without memory).
    """
    from ..dynamics.kernels import phonon_kernel
    from ..dynamics.models import LLG, InertialLLG, MemoryKernelLLG

    units = hamiltonian.units if units is None else units
    table = _table(table, "model")
    _check_keys(table, "model")
    kind = _choice(_require(table, "type", "model"), MODEL_TYPES, "model.type")
    for key, users in _MODEL_ONLY.items():
        if key in table and kind not in users:
            raise InputError(f"model.{key} is used only by model type {' or '.join(users)!r}, not by {kind!r}; "
                             "remove it or change model.type")
    alpha = _scalar_or_tensor(table.get("alpha", 0.0), None, "model.alpha")
    convention = _choice(table.get("convention", "seed002"), CONVENTIONS, "model.convention")
    history = "none"
    if kind == "llg":
        model = LLG(hamiltonian, alpha=alpha, convention=convention)
    elif kind == "illg":
        eta = _scalar_or_tensor(_require(table, "eta", "model"), "time", "model.eta")
        if np.ndim(eta) == 0 and not eta > 0:
            raise InputError(f"model.eta must be > 0 (the inertial time), got {table['eta']!r}; "
                             "eta = 0 is plain LLG: use model.type = 'llg'")
        model = InertialLLG(hamiltonian, alpha=alpha, eta=units.time(np.asarray(eta)), convention=convention)
    else:
        ktab = _table(_require(table, "kernel", "model"), "model.kernel")
        _check_keys(ktab, "model.kernel")
        _choice(ktab.get("type", "phonon"), KERNEL_TYPES, "model.kernel.type")
        omega0 = _quantity(_require(ktab, "Omega0", "model.kernel"), "angular_frequency", "model.kernel.Omega0",
                           positive=True)
        Z = _number(_require(ktab, "Z", "model.kernel"), "model.kernel.Z", low=0.0, high=1.0)
        which = _one_of(ktab, ("Gamma", "lifetime"), "model.kernel")
        if which == "Gamma":
            gamma_b = _quantity(ktab["Gamma"], "angular_frequency", "model.kernel.Gamma")
            if not gamma_b > 0:
                raise InputError(f"model.kernel.Gamma must be > 0 (the phonon lifetime 1/(Z Gamma) must be "
                                 f"positive and finite), got {ktab['Gamma']!r}")
        else:
            life = _quantity(ktab["lifetime"], "time", "model.kernel.lifetime")
            if not life > 0:
                raise InputError(f"model.kernel.lifetime must be > 0 (a negative lifetime is unphysical), "
                                 f"got {ktab['lifetime']!r}")
            gamma_b = 1.0 / (Z * life)
        v0_sq = _frequency_squared(_require(ktab, "V0_sq", "model.kernel"), "model.kernel.V0_sq")
        if v0_sq < 0:
            raise InputError(f"model.kernel.V0_sq = |V0|^2 must be >= 0, got {ktab['V0_sq']!r}")
        sign = _choice(ktab.get("sign", "passive"), KERNEL_SIGNS, "model.kernel.sign")
        history = _choice(ktab.get("history", "none"), HISTORIES, "model.kernel.history")
        kernel = phonon_kernel(v0_sq, omega0, Z, gamma_b).to_time_unit(units.t_unit)
        longitudinal = None
        if "longitudinal" in table:
            ltab = _table(table["longitudinal"], "model.longitudinal")
            _check_keys(ltab, "model.longitudinal")
            tau = _quantity(_require(ltab, "tau", "model.longitudinal"), "time", "model.longitudinal.tau",
                            positive=True)
            m_eq = _number(_require(ltab, "m_eq", "model.longitudinal"), "model.longitudinal.m_eq",
                           low=0.0, high=1.0)
            longitudinal = (units.time(tau), m_eq)
        model = MemoryKernelLLG(hamiltonian, kernel, alpha=alpha, kernel_sign=sign, longitudinal=longitudinal,
                                convention=convention)
    return model, history


def build_initial_state(table, model, units: ReducedUnits, history="none"):
    """[initial] table -> state vector y0 of ``model`` (reduced units)."""
    table = _table(table, "initial")
    _check_keys(table, "initial")
    if "m" in table and ("theta" in table or "phi" in table):
        raise InputError("[initial]: give either m = [x, y, z] or the angles theta/phi, not both")
    if "m" in table:
        m = _vector(table["m"], None, "initial.m")
        n = float(np.linalg.norm(m))
        if abs(n - 1.0) > 1e-6:
            raise InputError(f"initial.m = {table['m']!r} is not a unit vector (|m| = {n:.8g}); normalize it "
                             f"(e.g. {np.round(m / n, 6).tolist() if n > 0 else [0, 0, 1]}) or give "
                             "theta/phi instead")
        m = m / n
    elif "theta" in table:
        th = _quantity(table["theta"], "angle", "initial.theta")
        ph = _quantity(table.get("phi", 0.0), "angle", "initial.phi")
        m = np.array([math.sin(th) * math.cos(ph), math.sin(th) * math.sin(ph), math.cos(th)])
    else:
        raise InputError("[initial]: give the initial direction as m = [x, y, z] (unit vector) or "
                         "theta = '45 deg' (polar angle from z) with optional phi (azimuth from x)")
    if "dmdt" in table:
        if model.name != "illg":
            raise InputError("initial.dmdt is used only by model type 'illg' (the inertial model needs an "
                             "initial velocity); remove it")
        v = _vector(table["dmdt"], "angular_frequency", "initial.dmdt")
        if abs(float(np.dot(m, v))) > 1e-9 * (1.0 + float(np.linalg.norm(v))):
            raise InputError(f"initial.dmdt = {table['dmdt']!r} must be perpendicular to m (|m| = 1 is "
                             "conserved); remove its component along m")
        return model.initial_state(m, units.frequency(v))
    if model.name == "kernel":
        return model.initial_state(m, history=history)
    return model.initial_state(m)


def build_run_settings(table, units: ReducedUnits, model=None):
    """[run] table -> RunSettings in reduced units (checked against the model's fastest mode)."""
    table = _table(table, "run")
    _check_keys(table, "run")
    t_end = _quantity(_require(table, "t_end", "run"), "time", "run.t_end", positive=True)
    dt = _quantity(_require(table, "dt", "run"), "time", "run.dt", positive=True)
    if not t_end >= dt:
        raise InputError(f"run.t_end = {table['t_end']!r} is shorter than the time step run.dt = {table['dt']!r}; "
                         "increase t_end or decrease dt")
    method = _choice(table.get("integrator", "rk4"), INTEGRATORS, "run.integrator")
    fixed = method != "dp45"
    if "output_every" in table:
        out = _quantity(table["output_every"], "time", "run.output_every", positive=True)
        if out > t_end:
            raise InputError(f"run.output_every = {table['output_every']!r} exceeds run.t_end = {table['t_end']!r}")
    else:
        out = dt * max(1, round(t_end / 1000.0 / dt))  # about 1000 samples
    dt_r, out_r, t_end_r = units.time(dt), units.time(out), units.time(t_end)
    if fixed:
        k = round(out_r / dt_r)
        if k < 1 or abs(k * dt_r - out_r) > 1e-6 * dt_r:
            raise InputError(f"run.output_every = {table.get('output_every')!r} must be a whole multiple of "
                             f"run.dt = {table['dt']!r} for the fixed-step integrator '{method}'")
        out_r = k * dt_r
    rtol = _number(table.get("rtol", 1e-9), "run.rtol", positive=True)
    atol = _number(table.get("atol", 1e-12), "run.atol", positive=True)
    ck = _quantity(table.get("checkpoint_interval", 30.0), "time", "run.checkpoint_interval", nonnegative=True)
    if model is not None and method == "rkmk4" and not model.norm_preserving:
        raise InputError("run.integrator = 'rkmk4' keeps |m| = 1 and cannot follow the longitudinal relaxation "
                         "of [model.longitudinal]; use 'rk4' or 'dp45'")
    if model is not None:
        from ..dynamics.simulate import check_step

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # accuracy warnings are issued again when the run starts
            try:
                check_step(model, dt_r, method)
            except InputError as err:
                raise type(err)(f"run.dt = {table['dt']!r}: {err} (times in units of {units.t_unit:g} s)") from None
    return RunSettings(t_end=t_end_r, dt=dt_r, method=method, output_every=out_r, rtol=rtol, atol=atol,
                       checkpoint_interval=ck)


# ------------------------------------------------------------------------------------------------
# entry points
# ------------------------------------------------------------------------------------------------
def scenario_from_dict(raw: dict, path=None) -> Scenario:
    """Validate and build a scenario from a parsed TOML table (a lattice scenario when [system] has
    ``lattice`` or ``preset``: :mod:`spinertia.io.lattice_scenario`)."""
    from .lattice_scenario import is_lattice_scenario, lattice_scenario_from_dict

    if is_lattice_scenario(raw):
        return lattice_scenario_from_dict(raw, path)
    raw = _table(raw, "")
    _check_keys(raw, "")
    for section in ("system", "model", "initial", "run"):
        if section not in raw:
            raise InputError(f"{path or 'scenario'}: missing required section [{section}] (docs/scenario.md)")
    meta = _table(raw.get("meta", {}), "meta")
    _check_keys(meta, "meta")
    for key, val in meta.items():
        if not isinstance(val, str):
            raise InputError(f"meta.{key} must be a string, got {val!r}")
    units = build_units(raw.get("units", {}))
    ham = build_hamiltonian(raw["system"], units)
    model, history = build_model(raw["model"], ham, units)
    y0 = build_initial_state(raw["initial"], model, units, history=history)
    run = build_run_settings(raw["run"], units, model)
    return Scenario(units=units, hamiltonian=ham, model=model, y0=y0, run=run, raw=raw,
                    path=Path(path) if path is not None else None, name=meta.get("name"))


def read_toml(path) -> dict:
    """Parse a TOML file; every failure is an InputError that names the file."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"scenario file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"scenario path {str(path)!r} is a directory; give a .toml file") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not a UTF-8 text file ({err})") from None
    return raw


def load_scenario(path) -> Scenario:
    """Read and validate a TOML scenario file (schema: docs/scenario.md)."""
    return scenario_from_dict(read_toml(path), path=Path(path))
