"""TOML scenarios for lattice (atomistic) runs: ``spinertia run`` with a ``[system]`` lattice table.

A scenario is a lattice run when its ``[system]`` table has ``lattice`` or ``preset`` (schema of the
system: docs/scenario.md, "Lattice systems").  The other sections::

    [units]
    time = "1 fs"                 # reduced time unit (default 1 fs for lattices)

    [model]
    type = "illg"                 # llg | illg  (damping and inertia come from [system])
    convention = "seed002"        # seed002 | seed003
    temperature = "0 K"           # > 0: stochastic (Langevin) dynamics, integrator heun
    seed = 1                      # random seed of the thermal noise

    [initial]
    state = "uniform"             # uniform | random | skyrmion | ovf
    direction = [0, 0, 1]         # uniform
    seed = 0                      # random
    radius = "1 nm"               # skyrmion (plus center = [x, y, 0] in metres, kind = "neel"|"bloch",
    polarity = -1                 #           polarity = -1 core down)
    path = "state.ovf"            # ovf (relative to the scenario file)

    [run]                         # as for the macrospin; integrator rk4 | rkmk4 | heun (default heun)

Every error names the offending key.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


from ..errors import InputError
from ..units import ReducedUnits, parse_quantity
from .scenario import Scenario, _check_keys, _choice, _quantity, _table, _vector, build_run_settings

SECTIONS = ("meta", "units", "system", "model", "initial", "run")
MODEL_KEYS = ("type", "convention", "temperature", "seed")
INITIAL_KEYS = ("state", "direction", "seed", "radius", "center", "kind", "polarity", "path")
STATES = ("uniform", "random", "skyrmion", "ovf")


def is_lattice_scenario(raw) -> bool:
    system = raw.get("system", {}) if isinstance(raw, dict) else {}
    return isinstance(system, dict) and ("lattice" in system or "preset" in system)


@dataclass
class LatticeScenario(Scenario):
    """A loaded lattice scenario; ``hamiltonian`` is the FinalizedSystem, ``system`` its builder."""

    system: object = None


def _unknown(table, allowed, where):
    bad = sorted(set(table) - set(allowed))
    if bad:
        raise InputError(f"[{where}]: unknown key(s) {bad}; allowed: {list(allowed)}")


def build_lattice_model(table, fin):
    from ..dynamics.lattice_models import LatticeInertialLLG, LatticeLLG

    table = _table(table, "model")
    _unknown(table, MODEL_KEYS, "model")
    kind = _choice(table.get("type", "llg"), ("llg", "illg"), "model.type")
    convention = _choice(table.get("convention", "seed002"), ("seed002", "seed000", "seed003"), "model.convention")
    T = parse_quantity(table.get("temperature", 0.0), "temperature", "model.temperature")
    seed = table.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"model.seed must be a non-negative integer, got {seed!r}")
    cls = LatticeInertialLLG if kind == "illg" else LatticeLLG
    return cls(fin, convention=convention, temperature=T, seed=seed)


def build_lattice_initial(table, model, fin, base: Path | None):
    from ..lattice import textures

    table = _table(table, "initial")
    _unknown(table, INITIAL_KEYS, "initial")
    state = _choice(table.get("state", "uniform"), STATES, "initial.state")
    if state == "uniform":
        spins = textures.uniform(fin, _vector(table.get("direction", [0, 0, 1]), None, "initial.direction"))
    elif state == "random":
        spins = textures.random(fin, seed=int(table.get("seed", 0)))
    elif state == "skyrmion":
        kw = {}
        if "radius" in table:
            kw["radius"] = _quantity(table["radius"], "length", "initial.radius", positive=True)
        if "center" in table:
            kw["center"] = _vector(table["center"], "length", "initial.center")
        if "kind" in table:
            kw["kind"] = _choice(table["kind"], ("neel", "bloch"), "initial.kind")
        if "polarity" in table:
            kw["polarity"] = int(table["polarity"])
        spins = textures.skyrmion(fin, **kw)
    else:
        from .ovf import read_spins

        if "path" not in table:
            raise InputError("initial.state = 'ovf' needs initial.path (an OVF 2.0 file)")
        p = Path(table["path"])
        if not p.is_absolute() and base is not None:
            p = base.parent / p
        spins = read_spins(p)
    return model.initial_state(spins)


def lattice_scenario_from_dict(raw: dict, path=None) -> LatticeScenario:
    from .system_scenario import build_system

    raw = _table(raw, "")
    _unknown(raw, SECTIONS, "scenario")
    for section in ("system", "model", "initial", "run"):
        if section not in raw:
            raise InputError(f"{path or 'scenario'}: missing required section [{section}] (docs/scenario.md)")
    meta = _table(raw.get("meta", {}), "meta")
    _check_keys(meta, "meta")
    units_t = _table(raw.get("units", {}), "units")
    _unknown(units_t, ("time",), "units")
    units = ReducedUnits(_quantity(units_t.get("time", "1 fs"), "time", "units.time", positive=True))
    system = build_system(raw["system"])
    fin = system.finalized(units)
    model = build_lattice_model(raw["model"], fin)
    y0 = build_lattice_initial(raw["initial"], model, fin, Path(path) if path is not None else None)
    run_t = dict(_table(raw["run"], "run"))
    run_t.setdefault("integrator", "heun")
    run = build_run_settings(run_t, units, model)
    return LatticeScenario(units=units, system=system, hamiltonian=fin, model=model, y0=y0, run=run, raw=raw,
                           path=Path(path) if path is not None else None, name=meta.get("name"))
