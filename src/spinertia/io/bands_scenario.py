"""Spin-wave band files: a ``[system]`` table (the description of :mod:`.system_scenario`, the same one
dynamics runs use) and a ``[bands]`` table (docs/scenario.md; docs/spinwaves.md)::

    [bands]
    path = [["G", [0, 0]], ["X", [0.5, 0]], ["M", [0.5, 0.5]], ["G", [0, 0]]]   # or kpoints = [[...], ...]
    units = "reciprocal"     # reciprocal (fractions of b1, b2, b3) | 1/m (cartesian rad/m) | pi/a
    n = 100                  # points per path segment
    sigma = 1                # 1 | -1 | "both"

Read by ``spinertia bands`` (:mod:`spinertia.cli.bands`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from . import schema
from .system_scenario import build_system, lattice_constants
from .validate import check_keys, choice, read_toml, table

__all__ = ["BandsScenario", "load_bands_scenario", "bands_scenario_from_dict", "BANDS_KEYS", "K_UNITS"]

#: Allowed keys of [bands] and the units of its k-points (:mod:`.schema`).
BANDS_KEYS = schema.keys("bands")
K_UNITS = schema.K_UNITS
#: Top-level sections of a bands scenario; the dynamics sections of a lattice run are accepted and ignored,
#: so one file can describe both.
SECTIONS = ("meta", "system", "bands")
DYNAMICS_SECTIONS = ("units", "model", "initial", "run")


@dataclass
class BandsScenario:
    """A loaded bands scenario: system, spin-wave model and the k-points (rad/m)."""

    system: object
    model: object
    k: np.ndarray                 # (nk, dim) rad/m
    s: np.ndarray                 # (nk,) path coordinate, rad/m
    k_input: np.ndarray           # (nk, lattice dimension) in ``units``
    units: str
    sigmas: tuple                 # (1,), (-1,), (1, -1); (0,) = general 2N form
    node_index: np.ndarray
    node_labels: tuple
    n: int
    raw: dict = field(default_factory=dict)
    name: str | None = None
    notes: list = field(default_factory=list)

    @property
    def general(self) -> bool:
        return self.sigmas == (0,)


def _points(value, where, ndim, labelled):
    if not isinstance(value, list) or len(value) < (2 if labelled else 1):
        need = "at least two named points [[\"G\", [0, 0]], [\"X\", [0.5, 0]]]" if labelled else \
            "a non-empty list of k-vectors [[kx, ky], ...]"
        raise InputError(f"{where} must be {need}, got {value!r}")
    labels, vecs = [], []
    for i, p in enumerate(value):
        w = f"{where}[{i}]"
        if labelled:
            if not (isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], list)):
                raise InputError(f"{w} must be a named point [\"label\", [c1, c2, ...]], got {p!r}")
            label, vec = p
        else:
            label, vec = None, p
            if not isinstance(vec, list):
                raise InputError(f"{w} must be a k-vector [c1, c2, ...], got {p!r}")
        if len(vec) != ndim:
            raise InputError(f"{w}: k-point {vec!r} has {len(vec)} component(s); this {ndim}D lattice needs "
                             f"{ndim} (one per lattice direction)")
        comps = []
        for j, c in enumerate(vec):
            if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c):
                raise InputError(f"{w}[{j}] must be a finite number, got {c!r}")
            comps.append(float(c))
        labels.append(label)
        vecs.append(comps)
    return labels, np.array(vecs)


def _to_cartesian(f, units, lattice, table, dim):
    """k in ``units`` (nk, lattice dimension) -> cartesian rad/m (nk, dim)."""
    d = lattice.dimension
    if units == "reciprocal":
        k = f @ lattice.reciprocal_vectors()[:d]
    else:
        k = np.zeros((len(f), 3))
        if units == "1/m":
            k[:, :d] = f
        else:
            consts = np.array(lattice_constants(table))
            k[:, :d] = f * np.pi / consts[:d]
    return k[:, :dim]


def from_cartesian(k, units, lattice, table):
    """Inverse of :func:`_to_cartesian`: cartesian rad/m (nk, dim) -> ``units`` (nk, lattice dimension)."""
    d = lattice.dimension
    k3 = np.zeros((len(k), 3))
    k3[:, :k.shape[1]] = k
    if units == "reciprocal":
        return k3 @ np.linalg.pinv(lattice.reciprocal_vectors()[:d])
    if units == "1/m":
        return k3[:, :d]
    return k3[:, :d] / (np.pi / np.array(lattice_constants(table))[:d])


def bands_scenario_from_dict(raw: dict, path=None) -> BandsScenario:
    """Validate a parsed bands scenario and build the system, model and k-points."""
    from ..spinwaves.from_system import spinwave_model
    from ..spinwaves.observables import k_path

    where0 = str(path) if path is not None else "scenario"
    raw = table(raw, "")
    check_keys(raw, "", SECTIONS + DYNAMICS_SECTIONS)
    for section in ("system", "bands"):
        if section not in raw:
            raise InputError(f"{where0}: missing required section [{section}] (docs/scenario.md, Lattice systems)")
    meta = table(raw.get("meta", {}), "meta")
    check_keys(meta, "meta", ("name", "description"))
    system = build_system(raw["system"])
    model = spinwave_model(system)
    arr = model.arrays
    bt = table(raw["bands"], "bands")
    check_keys(bt, "bands", BANDS_KEYS)
    units = choice(bt.get("units", "reciprocal"), K_UNITS, "bands.units")
    n = bt.get("n", 100)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"bands.n must be a positive integer (points per path segment), got {n!r}")
    sig = bt.get("sigma", 1)
    if sig not in (1, -1, "both") or isinstance(sig, bool):
        raise InputError(f"bands.sigma = {sig!r} is not valid. Use one of: 1, -1, \"both\"")
    sigmas = (1, -1) if sig == "both" else (int(sig),)
    if ("path" in bt) == ("kpoints" in bt):
        raise InputError("[bands]: give exactly one of path = [[\"G\", [0, 0]], ...] (named points, joined by "
                         "straight segments) or kpoints = [[k1, k2], ...] (explicit list)")
    lat = system.lattice
    ndim = lat.dimension
    if "path" in bt:
        labels, f = _points(bt["path"], "bands.path", ndim, True)
        kin = k_path(list(f), n=n).k
        k = _to_cartesian(kin, units, lat, raw["system"], arr.dim)
        node_index = np.arange(len(f)) * n
        node_labels = tuple(labels)
    else:
        if "n" in bt:
            raise InputError("bands.n applies to a path; with kpoints every listed point is computed")
        _, kin = _points(bt["kpoints"], "bands.kpoints", ndim, False)
        k = _to_cartesian(kin, units, lat, raw["system"], arr.dim)
        node_index = np.array([], dtype=int)
        node_labels = ()
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(k, axis=0), axis=1))])
    notes = []
    if arr.mixes_circular_components or not arr.ferromagnetic:
        notes.append("the system couples beta+ and beta- (in-plane anisotropy or anisotropic on-site inertia): "
                     "solved in the general 2N form (all 4N roots m1..m4N, sigma = 0; no p/n labels, gaps or "
                     "crossings)")
        sigmas = (0,)
    return BandsScenario(system=system, model=model, k=k, s=s, k_input=kin, units=units, sigmas=sigmas,
                         node_index=node_index, node_labels=node_labels, n=n, raw=raw, name=meta.get("name"),
                         notes=notes)


def load_bands_scenario(path) -> BandsScenario:
    """Read and validate a bands scenario file (TOML)."""
    path = Path(path)
    raw = read_toml(path)
    try:
        return bands_scenario_from_dict(raw, path=path)
    except InputError as err:
        raise InputError(f"{path}: {err}") from None
