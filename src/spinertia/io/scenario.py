"""TOML scenario files: one simulation of a macrospin or a lattice, described in SI units.

One schema and one reader for both (documented key by key in ``docs/scenario.md``; ``examples/`` holds one
scenario per model)::

    [meta]                      # optional, free text: name, description
    [units]
    time = "1 ps"               # internal (reduced) time unit; default 1 ps (macrospin), 1 fs (lattice)
    [system]                    # the description: spinertia.io.system_scenario (macrospin or lattice),
                                # with its damping [system.damping] and inertia [system.inertia]
    [model]
    type = "illg"               # llg | illg | kernel
    convention = "magnetization"  # magnetization | spin (sign of the damping/inertia tensors)
    temperature = "0 K"         # llg/illg: > 0 adds the Langevin field (integrator heun)
    seed = 0                    # random seed of the thermal noise
    [model.kernel]              # kernel only: type = "phonon", Omega0, Z, Gamma | lifetime, V0_sq, sign, history
    [model.longitudinal]        # kernel only, optional: tau, m_eq
    [initial]                   # macrospin: m = [x, y, z] | theta, phi; dmdt (illg, rad/s)
                                # lattice: state = uniform | random | skyrmion | ovf (+ its keys)
    [run]
    t_end = "100 ps"
    dt = "1 fs"
    integrator = "rk4"          # rk4 | rkmk4 | heun | dp45 (default rk4 macrospin, heun lattice)
    output_every = "0.1 ps"
    rtol = 1e-9                 # dp45
    atol = 1e-12                # dp45
    checkpoint_interval = "30 s"  # wall-clock seconds between checkpoints
    [electrons]                 # optional, lattice only: a coupled run (spinertia.io.coupled_scenario)

Numbers are SI; strings carry units (:func:`spinertia.units.parse_quantity`).  Every error is an
:class:`~spinertia.errors.InputError` that names the offending key.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..units import ReducedUnits
from . import schema
from .system_scenario import build_system, is_macrospin
from .validate import (check_keys, choice, frequency_squared, number, one_of, quantity, read_toml, require,
                       table, vector)

__all__ = ["Scenario", "RunSettings", "SCHEMA", "load_scenario", "scenario_from_dict", "build_model",
           "build_initial_state", "build_run_settings", "read_toml"]

#: Allowed keys of every table besides [system] (schema of [system]: system_scenario.SYSTEM_SCHEMA), from the one
#: schema of :mod:`.schema` (which also generates docs/scenario_reference.md).
SCHEMA = {path: schema.keys(path) for path in ("", "meta", "units", "model", "model.kernel", "model.longitudinal",
                                               "initial(macrospin)", "initial(lattice)", "run")}
MODEL_TYPES, INTEGRATORS, CONVENTIONS = schema.MODEL_TYPES, schema.INTEGRATORS, schema.CONVENTIONS
KERNEL_TYPES, KERNEL_SIGNS, HISTORIES, STATES = (schema.KERNEL_TYPES, schema.KERNEL_SIGNS, schema.HISTORIES,
                                                 schema.STATES)
#: keys that only some model types accept
_MODEL_ONLY = {"kernel": ("kernel",), "longitudinal": ("kernel",), "temperature": ("llg", "illg"),
               "seed": ("llg", "illg")}
#: keys that moved: old place -> message
_MOVED = {"alpha": "the damping lives on the system now: write it as [system.damping] alpha = ...",
          "eta": "the inertia lives on the system now: write it as [system.inertia] eta = ..."}


@dataclass
class RunSettings:
    """Integration settings in SI (seconds)."""

    t_end: float
    dt: float
    method: str = "rk4"
    output_every: float | None = None
    rtol: float = 1e-9
    atol: float = 1e-12
    checkpoint_interval: float = 30.0  # wall-clock seconds

    def simulate_kwargs(self):
        """Keyword arguments of :func:`spinertia.dynamics.simulate.simulate` besides model, y0, t_end, dt."""
        return dict(method=self.method, output_every=self.output_every, rtol=self.rtol, atol=self.atol,
                    checkpoint_interval=self.checkpoint_interval)


@dataclass
class Scenario:
    """A loaded scenario: the description, its finalized form, the model, the initial state and run settings."""

    units: ReducedUnits
    system: object  # System or Macrospin (the builder)
    finalized: object  # FinalizedSystem
    model: object
    y0: np.ndarray
    run: RunSettings
    raw: dict = field(default_factory=dict)
    path: Path | None = None
    name: str | None = None
    coupling: object = None  # ElectronCoupling of an [electrons] table (a coupled run), else None
    coupling_info: dict = field(default_factory=dict)

    @property
    def is_lattice(self):
        return self.finalized.n_sites > 1 or not is_macrospin(self.raw.get("system", {}))

    @property
    def hamiltonian(self):
        return self.finalized

    @property
    def is_coupled(self):
        """Whether the scenario couples the spins to electrons (an ``[electrons]`` table)."""
        return self.coupling is not None

    def run_coupled(self, y0=None, **kwargs):
        """Run a coupled scenario: :func:`spinertia.coupled.run_coupled` with the scenario's model, coupling and
        run settings; keyword arguments are passed on (progress, checkpoint, resume, result_path, attrs)."""
        from ..coupled import run_coupled

        if not self.is_coupled:
            raise InputError("this scenario has no [electrons] table: use simulate()")
        kwargs.setdefault("maps_every", self.coupling_info.get("maps_every", 0))
        return run_coupled(self.model, self.y0 if y0 is None else y0, self.coupling, self.run.t_end, self.run.dt,
                           self.run.output_every, method=self.run.method, **kwargs)

    def simulate(self, y0=None, **kwargs):
        """Run the scenario: ``simulate(model, y0, t_end, dt, ...)``; keyword arguments override the settings
        (``y0``: another initial state).  A coupled scenario runs with its electrons as the hook (use
        :meth:`run_coupled` for the electron observables)."""
        from ..dynamics.simulate import simulate

        opts = self.run.simulate_kwargs()
        if self.is_coupled:
            opts.update(hook=self.coupling, hook_every="stage")
        opts.update(kwargs)
        return simulate(self.model, self.y0 if y0 is None else y0, self.run.t_end, self.run.dt, **opts)


# ------------------------------------------------------------------------------------------------
# builders
# ------------------------------------------------------------------------------------------------
def build_units(tab, default="1 ps") -> ReducedUnits:
    tab = table(tab, "units")
    check_keys(tab, "units", SCHEMA["units"])
    return ReducedUnits(quantity(tab.get("time", default), "time", "units.time", positive=True))


def _kernel(ktab):
    from ..dynamics.kernels import phonon_kernel

    ktab = table(ktab, "model.kernel")
    check_keys(ktab, "model.kernel", SCHEMA["model.kernel"])
    choice(ktab.get("type", "phonon"), KERNEL_TYPES, "model.kernel.type")
    omega0 = quantity(require(ktab, "Omega0", "model.kernel"), "angular_frequency", "model.kernel.Omega0",
                      positive=True)
    Z = number(require(ktab, "Z", "model.kernel"), "model.kernel.Z", low=0.0, high=1.0)
    which = one_of(ktab, ("Gamma", "lifetime"), "model.kernel")
    if which == "Gamma":
        gamma_b = quantity(ktab["Gamma"], "angular_frequency", "model.kernel.Gamma")
        if not gamma_b > 0:
            raise InputError(f"model.kernel.Gamma must be > 0 (the phonon lifetime 1/(Z Gamma) must be "
                             f"positive and finite), got {ktab['Gamma']!r}")
    else:
        life = quantity(ktab["lifetime"], "time", "model.kernel.lifetime")
        if not life > 0:
            raise InputError(f"model.kernel.lifetime must be > 0 (a negative lifetime is unphysical), "
                             f"got {ktab['lifetime']!r}")
        gamma_b = 1.0 / (Z * life)
    v0_sq = frequency_squared(require(ktab, "V0_sq", "model.kernel"), "model.kernel.V0_sq")
    if v0_sq < 0:
        raise InputError(f"model.kernel.V0_sq = |V0|^2 must be >= 0, got {ktab['V0_sq']!r}")
    sign = choice(ktab.get("sign", "passive"), KERNEL_SIGNS, "model.kernel.sign")
    history = choice(ktab.get("history", "none"), HISTORIES, "model.kernel.history")
    return phonon_kernel(v0_sq, omega0, Z, gamma_b), sign, history


def build_model(tab, fin):
    """[model] table -> model (LLG, InertialLLG or MemoryKernelLLG) of the finalized system ``fin``.

    Returns ``(model, history)``: the kernel's initial-history choice ('none' for models without memory)."""
    from ..dynamics.models import LLG, InertialLLG, MemoryKernelLLG

    tab = table(tab, "model")
    for key, msg in _MOVED.items():
        if key in tab:
            raise InputError(f"model.{key}: {msg} (docs/scenario.md)")
    check_keys(tab, "model", SCHEMA["model"])
    kind = choice(require(tab, "type", "model"), MODEL_TYPES, "model.type")
    for key, users in _MODEL_ONLY.items():
        if key in tab and kind not in users:
            raise InputError(f"model.{key} is used only by model type {' or '.join(users)!r}, not by {kind!r}; "
                             "remove it or change model.type")
    convention = tab.get("convention", "magnetization")
    if convention in ("seed002", "seed000", "seed003"):
        new = "spin" if convention == "seed003" else "magnetization"
        raise InputError(f"model.convention = {convention!r} is now called {new!r} (named by its meaning, "
                         "docs/theory.md)")
    convention = choice(convention, CONVENTIONS, "model.convention")
    if kind == "kernel":
        kernel, sign, history = _kernel(require(tab, "kernel", "model"))
        longitudinal = None
        if "longitudinal" in tab:
            ltab = table(tab["longitudinal"], "model.longitudinal")
            check_keys(ltab, "model.longitudinal", SCHEMA["model.longitudinal"])
            tau = quantity(require(ltab, "tau", "model.longitudinal"), "time", "model.longitudinal.tau",
                           positive=True)
            m_eq = number(require(ltab, "m_eq", "model.longitudinal"), "model.longitudinal.m_eq", low=0.0, high=1.0)
            longitudinal = (tau, m_eq)
        return MemoryKernelLLG(fin, kernel, kernel_sign=sign, longitudinal=longitudinal,
                               convention=convention), history
    T = quantity(tab.get("temperature", 0.0), "temperature", "model.temperature", nonnegative=True)
    seed = tab.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 64:
        raise InputError(f"model.seed must be an integer 0 <= seed < 2^64, got {seed!r}")
    if kind == "illg" and not np.any(fin.inertia.T) and not fin.pair_inertia.nbr.shape[1]:
        raise InputError("model.type = 'illg' needs inertia: set [system.inertia] eta = \"...\" (eta = 0 is plain "
                         "LLG: use model.type = 'llg')")
    cls = InertialLLG if kind == "illg" else LLG
    return cls(fin, convention=convention, temperature=T, seed=seed), "none"


def _macrospin_initial(tab, model, units, history):
    check_keys(tab, "initial", SCHEMA["initial(macrospin)"])
    if "m" in tab and ("theta" in tab or "phi" in tab):
        raise InputError("[initial]: give either m = [x, y, z] or the angles theta/phi, not both")
    if "m" in tab:
        m = vector(tab["m"], None, "initial.m")
        n = float(np.linalg.norm(m))
        if abs(n - 1.0) > 1e-6:
            raise InputError(f"initial.m = {tab['m']!r} is not a unit vector (|m| = {n:.8g}); normalize it "
                             f"(e.g. {np.round(m / n, 6).tolist() if n > 0 else [0, 0, 1]}) or give "
                             "theta/phi instead")
        m = m / n
    elif "theta" in tab:
        th = quantity(tab["theta"], "angle", "initial.theta")
        ph = quantity(tab.get("phi", 0.0), "angle", "initial.phi")
        m = np.array([math.sin(th) * math.cos(ph), math.sin(th) * math.sin(ph), math.cos(th)])
    else:
        raise InputError("[initial]: give the initial direction as m = [x, y, z] (unit vector) or "
                         "theta = '45 deg' (polar angle from z) with optional phi (azimuth from x)")
    if "dmdt" in tab:
        if model.name != "illg":
            raise InputError("initial.dmdt is used only by model type 'illg' (the inertial model needs an "
                             "initial velocity); remove it")
        v = vector(tab["dmdt"], "angular_frequency", "initial.dmdt")
        if abs(float(np.dot(m, v))) > 1e-9 * (1.0 + float(np.linalg.norm(v))):
            raise InputError(f"initial.dmdt = {tab['dmdt']!r} must be perpendicular to m (|m| = 1 is "
                             "conserved); remove its component along m")
        return model.initial_state(m, v)
    if model.name == "kernel":
        return model.initial_state(m, history=history)
    return model.initial_state(m)


def _lattice_initial(tab, model, fin, base: Path | None, history):
    from ..lattice import textures

    check_keys(tab, "initial", SCHEMA["initial(lattice)"])
    state = choice(tab.get("state", "uniform"), STATES, "initial.state")
    if state == "uniform":
        d = vector(tab.get("direction", [0, 0, 1]), None, "initial.direction")
        if not np.linalg.norm(d) > 0:
            raise InputError(f"initial.direction must be a non-zero vector, got {tab.get('direction')!r}")
        spins = textures.uniform(fin, d)
    elif state == "random":
        seed = tab.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InputError(f"initial.seed must be a non-negative integer, got {seed!r}")
        spins = textures.random(fin, seed=seed)
    elif state == "skyrmion":
        kw = {}
        if "radius" in tab:
            kw["radius"] = quantity(tab["radius"], "length", "initial.radius", positive=True)
        if "center" in tab:
            kw["center"] = vector(tab["center"], "length", "initial.center")
        if "kind" in tab:
            kw["kind"] = choice(tab["kind"], ("neel", "bloch"), "initial.kind")
        if "polarity" in tab:
            p = tab["polarity"]
            if p not in (-1, 1) or isinstance(p, bool):
                raise InputError(f"initial.polarity must be -1 (core down) or +1, got {p!r}")
            kw["polarity"] = int(p)
        spins = textures.skyrmion(fin, **kw)
    else:
        from .ovf import read_spins

        if "path" not in tab:
            raise InputError("initial.state = 'ovf' needs initial.path (an OVF 2.0 file)")
        if not isinstance(tab["path"], str):
            raise InputError(f"initial.path must be a file name (string), got {tab['path']!r}")
        p = Path(tab["path"])
        if not p.is_absolute() and base is not None:
            p = base.parent / p
        spins = read_spins(p)
        if spins.shape != (fin.n_sites, 3):
            raise InputError(f"initial.path = {str(p)!r} holds {spins.shape[0]} spins, the system has {fin.n_sites}")
    if model.name == "kernel":
        return model.initial_state(spins, history=history)
    return model.initial_state(spins)


def build_initial_state(tab, model, units: ReducedUnits, history="none", base=None):
    """[initial] table -> state vector of ``model``."""
    tab = table(tab, "initial")
    if model.n_sites == 1 and not any(k in tab for k in SCHEMA["initial(lattice)"]):
        return _macrospin_initial(tab, model, units, history)
    return _lattice_initial(tab, model, model.system, base, history)


def build_run_settings(tab, units: ReducedUnits, model=None, default_integrator="rk4"):
    """[run] table -> RunSettings (SI), checked against the model's fastest mode."""
    tab = table(tab, "run")
    check_keys(tab, "run", SCHEMA["run"])
    t_end = quantity(require(tab, "t_end", "run"), "time", "run.t_end", positive=True)
    dt = quantity(require(tab, "dt", "run"), "time", "run.dt", positive=True)
    if not t_end >= dt:
        raise InputError(f"run.t_end = {tab['t_end']!r} is shorter than the time step run.dt = {tab['dt']!r}; "
                         "increase t_end or decrease dt")
    method = choice(tab.get("integrator", default_integrator), INTEGRATORS, "run.integrator")
    fixed = method != "dp45"
    if "output_every" in tab:
        out = quantity(tab["output_every"], "time", "run.output_every", positive=True)
        if out > t_end:
            raise InputError(f"run.output_every = {tab['output_every']!r} exceeds run.t_end = {tab['t_end']!r}")
    else:
        out = dt * max(1, round(t_end / 1000.0 / dt))  # about 1000 samples
    if fixed:
        k = round(out / dt)
        if k < 1 or abs(k * dt - out) > 1e-6 * dt:
            raise InputError(f"run.output_every = {tab.get('output_every')!r} must be a whole multiple of "
                             f"run.dt = {tab['dt']!r} for the fixed-step integrator '{method}'")
        out = k * dt
    rtol = number(tab.get("rtol", 1e-9), "run.rtol", positive=True)
    atol = number(tab.get("atol", 1e-12), "run.atol", positive=True)
    ck = quantity(tab.get("checkpoint_interval", 30.0), "time", "run.checkpoint_interval", nonnegative=True)
    if model is not None:
        if method == "rkmk4" and not model.norm_preserving:
            raise InputError("run.integrator = 'rkmk4' keeps |m| = 1 and cannot follow the longitudinal "
                             "relaxation of [model.longitudinal]; use 'rk4' or 'dp45'")
        if model.stochastic and method != "heun":
            raise InputError(f"run.integrator = {method!r}: a run at model.temperature > 0 needs 'heun' (the "
                             "Stratonovich scheme for the Langevin field)")
        from ..dynamics.stepper import check_step

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # accuracy warnings are issued again when the run starts
            try:
                check_step(model, units.time(dt), method)
            except InputError as err:
                raise type(err)(f"run.dt = {tab['dt']!r}: {err}") from None
    return RunSettings(t_end=t_end, dt=dt, method=method, output_every=out, rtol=rtol, atol=atol,
                       checkpoint_interval=ck)


# ------------------------------------------------------------------------------------------------
# entry points
# ------------------------------------------------------------------------------------------------
def scenario_from_dict(raw: dict, path=None) -> Scenario:
    """Validate and build a scenario from a parsed TOML table."""
    raw = table(raw, "")
    if "bands" in raw or "kpath" in raw:
        raise InputError(f"{path or 'scenario'} is a spin-wave band file ([bands]/[kpath]); run it with "
                         "'spinertia bands', not 'spinertia run'")
    check_keys(raw, "", SCHEMA[""])
    for section in ("system", "model", "initial", "run"):
        if section not in raw:
            raise InputError(f"{path or 'scenario'}: missing required section [{section}] (docs/scenario.md)")
    meta = table(raw.get("meta", {}), "meta")
    check_keys(meta, "meta", SCHEMA["meta"])
    for key, val in meta.items():
        if not isinstance(val, str):
            raise InputError(f"meta.{key} must be a string, got {val!r}")
    macrospin = is_macrospin(raw["system"])
    units = build_units(raw.get("units", {}), "1 ps" if macrospin else "1 fs")
    system = build_system(raw["system"])
    fin = system.finalized(units)
    model, history = build_model(raw["model"], fin)
    base = Path(path) if path is not None else None
    y0 = build_initial_state(raw["initial"], model, units, history=history, base=base)
    run = build_run_settings(raw["run"], units, model, default_integrator="rk4" if macrospin else "heun")
    coupling, coupling_info = (None, {}) if "electrons" not in raw else _coupling(raw, model, y0, run, macrospin)
    return Scenario(units=units, system=system, finalized=fin, model=model, y0=y0, run=run, raw=raw,
                    path=base, name=meta.get("name"), coupling=coupling, coupling_info=coupling_info)


def _coupling(raw, model, y0, run, macrospin):
    """The electron coupling of an ``[electrons]`` table, after checking that the run can take it."""
    from .coupled_scenario import build_coupling

    if macrospin:
        raise InputError("[electrons] couples electrons to the spins of a lattice: give [system] a lattice (the "
                         "electrons live on its sites)")
    if run.method not in ("rk4", "rkmk4", "heun"):
        raise InputError(f"run.integrator = {run.method!r}: a run with [electrons] needs a fixed-step integrator "
                         "(the electrons are evaluated at every stage): 'rk4' (as in Xu et al. 2023), 'rkmk4' or "
                         "'heun'")
    if model.stochastic:
        raise InputError("model.temperature > 0 with [electrons]: coupled runs are at zero temperature; remove "
                         "model.temperature")
    return build_coupling(raw["electrons"], model.system, initial_spins=model.spins(y0))


def load_scenario(path) -> Scenario:
    """Read and validate a TOML scenario file (schema: docs/scenario.md)."""
    return scenario_from_dict(read_toml(path), path=Path(path))
