"""Parameter sweeps: many runs of one scenario, one key path varied per axis, collected in one dataset.

::

    import spinertia as si
    ds = si.sweep("examples/illg.toml", {"system.inertia.eta": "log:1e-13:1e-12:8",
                                         "system.damping.alpha": [0.01, 0.02]})
    ds["final_energy_J"].sel({"system.damping.alpha": 0.02})

Command line: ``spinertia sweep SCENARIO.toml --vary KEY=SPEC ... --out DIR`` (``docs/sweep.md``).

Keys and values
---------------
A *key* is a path into the scenario file: ``system.damping.alpha``, ``system.inertia.eta``,
``model.temperature``, ``run.dt``, with list indices for arrays of tables and vectors
(``system.zeeman[0].B``, ``system.zeeman[0].B[2]``); missing tables on the way are created (so a key the
scenario does not set can be varied).  A *spec* gives its values (:func:`parse_spec`):

* ``start:stop:num`` -- ``num`` values evenly spaced from start to stop (``numpy.linspace``); with units,
  the same unit on both ends: ``"1 fs:5 fs:5"``;
* ``log:start:stop:num`` -- geometrically spaced (``numpy.geomspace``), start and stop > 0;
* ``[a, b, c]`` -- a list (TOML syntax; unquoted items are read as numbers or strings: ``[10 fs, 20 fs]``);
* ``FILE.csv:COLUMN`` -- a column of a CSV file (by header name, or 0-based index);
* one value.

Several keys form a product grid (the first key varies slowest); ``zip=True`` pairs them (equal lengths).
Every point's scenario is built and validated (:func:`spinertia.io.scenario.scenario_from_dict` on the
patched table) before anything runs; an error names the key.

Result
------
One :class:`xarray.Dataset`: a dimension per key (``zip``: one dimension ``point`` with a coordinate per key),
the swept values as coordinates (quantity strings converted to SI numbers, with a ``units`` attribute and the
given strings in ``given``), and as variables every per-run summary scalar of
:func:`spinertia.io.results.summary_from_dataset` (numbers as float64, NaN where a point failed; vectors with
a ``component`` dimension; strings), ``ok``, ``error`` (empty when ok), ``warnings``, ``point_seconds``
(compute seconds of the point on its worker), the variables of a ``reduce`` function, and with ``series`` the
time series (the common ``time`` coordinate, or a per-point ``time`` over a ``sample`` dimension when the
points have different output times).  A failing point is recorded with its error; the sweep goes on.

With ``out``, every finished point is written at once to ``out/points/`` and the dataset to ``out/sweep.nc``;
``resume=True`` runs only the points that are missing there (an interrupted sweep, or one whose machine
died), after checking that the scenario and the grid are those of ``out/sweep.json``.
"""
from __future__ import annotations

import copy
import csv
import datetime as _dt
import functools
import json
import math
import re
import sys
import types
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError

__all__ = ["Vary", "Grid", "sweep", "parse_vary", "parse_spec", "parse_key", "set_key", "make_grid",
           "point_scenarios", "run_point", "assemble", "load_reduce", "SWEEP_FILE", "MANIFEST_FILE", "POINTS_DIR"]

SWEEP_FILE, MANIFEST_FILE, POINTS_DIR = "sweep.nc", "sweep.json", "points"

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(rf"({_NAME})|\[(\d+)\]")
_KEY = re.compile(rf"^{_NAME}(\[\d+\])*(\.{_NAME}(\[\d+\])*)*$")
_NUMBER_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*?)?\s*$")

#: SI unit of each dimension of :data:`spinertia.units.DIMENSIONS` (attribute of a swept coordinate)
SI_UNITS = {"time": "s", "field": "T", "angular_frequency": "rad/s", "energy": "J", "temperature": "K",
            "angle": "rad", "length": "m", "moment": "J/T"}


# ------------------------------------------------------------------------------------------------
# keys
# ------------------------------------------------------------------------------------------------
def parse_key(key):
    """``"system.zeeman[0].B[2]"`` -> ``["system", "zeeman", 0, "B", 2]`` (InputError for a malformed path)."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise InputError(f"--vary {key!r}: not a scenario key path; write table and key names joined by dots, with "
                         "[i] for list items, e.g. system.damping.alpha, run.dt or system.zeeman[0].B")
    return [int(i) if i else name for name, i in _TOKEN.findall(key)]


def _describe(tokens):
    out = ""
    for t in tokens:
        out += f"[{t}]" if isinstance(t, int) else (f".{t}" if out else t)
    return out


def set_key(raw, key, value):
    """A deep copy of the scenario table ``raw`` with ``key`` (a path, :func:`parse_key`) set to ``value``.

    Tables missing on the way are created; an index must exist (``[0]`` of a single table is the table
    itself).  Whether the value is allowed is for the scenario validation to say."""
    tokens = parse_key(key)
    out = copy.deepcopy(raw)
    node = out
    for depth, tok in enumerate(tokens):
        here, last = _describe(tokens[:depth + 1]), depth == len(tokens) - 1
        if isinstance(tok, int):
            if isinstance(node, dict) and tok == 0:
                if last:
                    raise InputError(f"--vary {key}: {_describe(tokens[:depth])} is a table, not a list; vary one of "
                                     "its keys")
                continue  # a single table written as [x] stands for [[x]] with one entry
            if not isinstance(node, list):
                raise InputError(f"--vary {key}: {_describe(tokens[:depth])} is not a list (it is "
                                 f"{type(node).__name__} {node!r}), so it has no item {tok}")
            if tok >= len(node):
                raise InputError(f"--vary {key}: {_describe(tokens[:depth])} has {len(node)} item(s); index {tok} "
                                 "does not exist (indices start at 0)")
            if last:
                node[tok] = value
            else:
                node = node[tok]
            continue
        if isinstance(node, list):
            if len(node) == 1 and isinstance(node[0], dict):
                node = node[0]  # [[x]] with one table: x.key means x[0].key
            else:
                raise InputError(f"--vary {key}: {_describe(tokens[:depth])} is a list of {len(node)} tables; give the "
                                 f"index, e.g. {_describe(tokens[:depth])}[0].{tok}")
        if not isinstance(node, dict):
            raise InputError(f"--vary {key}: {_describe(tokens[:depth])} is a value ({node!r}), not a table, so it "
                             f"has no key {tok!r}")
        if last:
            node[tok] = value
        else:
            if tok not in node:
                if isinstance(tokens[depth + 1], int):
                    raise InputError(f"--vary {key}: the scenario has no {here} to index")
                node[tok] = {}
            node = node[tok]
    return out


# ------------------------------------------------------------------------------------------------
# values
# ------------------------------------------------------------------------------------------------
def _scalar(text):
    """A value written on the command line: integer, float, true/false, or a string (quotes removed)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1]
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        pass
    if t in ("true", "false"):
        return t == "true"
    return t


def _endpoint(text, key):
    m = _NUMBER_UNIT.match(text)
    if not m:
        raise InputError(f"--vary {key}: cannot read the range end {text!r} as a number (with an optional unit)")
    return float(m.group(1)), (m.group(2) or "")


def _count(text, key):
    try:
        num = int(text)
    except ValueError:
        raise InputError(f"--vary {key}: the number of values {text!r} must be an integer") from None
    if num < 1:
        raise InputError(f"--vary {key}: empty range ({num} values); give at least 1")
    return num


def _range(key, body, log):
    parts = body.split(":")
    if len(parts) != 3:
        form = "log:start:stop:num" if log else "start:stop:num"
        raise InputError(f"--vary {key}: a range is {form}, got {body!r}")
    (a, ua), (b, ub) = _endpoint(parts[0], key), _endpoint(parts[1], key)
    num = _count(parts[2], key)
    if ua != ub:
        raise InputError(f"--vary {key}: both ends of a range need the same unit, got {ua or 'none'!r} and "
                         f"{ub or 'none'!r}")
    if not (math.isfinite(a) and math.isfinite(b)):
        raise InputError(f"--vary {key}: the range ends must be finite, got {parts[0]!r} and {parts[1]!r}")
    if log:
        if not (a > 0 and b > 0):
            raise InputError(f"--vary {key}: a log range needs start and stop > 0, got {parts[0]!r} and {parts[1]!r}")
        values = np.geomspace(a, b, num)
    else:
        values = np.linspace(a, b, num)
    values = [float(v) for v in values]
    return tuple(f"{v!r} {ua}" for v in values) if ua else tuple(values)


def _csv_column(key, spec, base_dir):
    path_text, column = spec.rsplit(":", 1)
    path = Path(path_text)
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.is_file():
        raise InputError(f"--vary {key}: CSV file {str(path)!r} does not exist")
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)]
    if not rows:
        raise InputError(f"--vary {key}: CSV file {str(path)!r} is empty")
    header = [c.strip() for c in rows[0]]
    if column.strip() in header:
        j, body = header.index(column.strip()), rows[1:]
    elif column.strip().isdigit() and int(column) < len(header):
        j = int(column)
        body = rows if all(_NUMBER_UNIT.match(c) for c in rows[0]) else rows[1:]
    else:
        raise InputError(f"--vary {key}: CSV file {str(path)!r} has no column {column!r} (columns: "
                         f"{', '.join(header)}; or give a 0-based index)")
    values = tuple(_scalar(r[j]) for r in body if j < len(r) and r[j].strip())
    if not values:
        raise InputError(f"--vary {key}: column {column!r} of {str(path)!r} holds no values (empty range)")
    return values


def parse_spec(key, spec, base_dir=None):
    """The values of a spec (see the module docstring) as a tuple of scenario values (numbers, strings)."""
    if isinstance(spec, (list, tuple, np.ndarray)):
        values = tuple(v.item() if isinstance(v, np.generic) else v for v in spec)
        if not values:
            raise InputError(f"--vary {key}: empty list of values")
        return values
    if not isinstance(spec, str):
        return (spec.item() if isinstance(spec, np.generic) else spec,)
    text = spec.strip()
    if not text:
        raise InputError(f"--vary {key}: no values given (write {key}=start:stop:num, {key}=[a,b,c] or "
                         f"{key}=FILE.csv:COLUMN)")
    if text.startswith("log:"):
        return _range(key, text[4:], log=True)
    if text.startswith("["):
        if not text.endswith("]"):
            raise InputError(f"--vary {key}: a list must end with ']', got {text!r}")
        import tomllib

        try:
            values = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            values = [_scalar(v) for v in text[1:-1].split(",") if v.strip()]
        if not values:
            raise InputError(f"--vary {key}: empty list of values")
        return tuple(values)
    if re.search(r"\.csv:[^:]*$", text, re.IGNORECASE):
        return _csv_column(key, text, base_dir)
    if text.count(":") == 2:
        return _range(key, text, log=False)
    if ":" in text:
        raise InputError(f"--vary {key}: cannot read {text!r}; write start:stop:num, log:start:stop:num, [a,b,c] "
                         "or FILE.csv:COLUMN")
    return (_scalar(text),)


@dataclass(frozen=True)
class Vary:
    """One swept key: its path, its values (as written into the scenario) and the spec they came from."""

    key: str
    values: tuple
    spec: str = ""


def parse_vary(text, base_dir=None):
    """``"KEY=SPEC"`` (the ``--vary`` option) -> :class:`Vary`."""
    if "=" not in text:
        raise InputError(f"--vary {text!r}: write KEY=SPEC, e.g. system.inertia.eta=log:1e-14:1e-12:8")
    key, spec = text.split("=", 1)
    key = key.strip()
    parse_key(key)
    return Vary(key, parse_spec(key, spec, base_dir), spec.strip())


def _as_varies(grid, base_dir=None):
    if isinstance(grid, dict):
        items = [Vary(str(k), parse_spec(str(k), v, base_dir), v if isinstance(v, str) else "")
                 for k, v in grid.items()]
    elif isinstance(grid, Vary):
        items = [grid]
    elif isinstance(grid, str):
        items = [parse_vary(grid, base_dir)]
    elif isinstance(grid, (list, tuple)):
        items = []
        for g in grid:
            if isinstance(g, Vary):
                items.append(g)
            elif isinstance(g, str):
                items.append(parse_vary(g, base_dir))
            elif isinstance(g, (list, tuple)) and len(g) == 2:
                items.append(Vary(str(g[0]), parse_spec(str(g[0]), g[1], base_dir)))
            else:
                raise InputError(f"grid entries are 'KEY=SPEC' strings, (key, values) pairs or Vary, got {g!r}")
    else:
        raise InputError(f"grid must be a dict {{key: values or spec}}, a list of 'KEY=SPEC' or Vary, got {grid!r}")
    if not items:
        raise InputError("the grid is empty: give at least one key to vary")
    seen = set()
    for v in items:
        parse_key(v.key)
        if v.key in seen:
            raise InputError(f"--vary {v.key} is given twice")
        seen.add(v.key)
    return items


# ------------------------------------------------------------------------------------------------
# grid
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grid:
    """The points of a sweep: a product of the varies' values (C order), or their ``zip``."""

    varies: tuple
    zip: bool = False

    @property
    def shape(self):
        return (len(self.varies[0].values),) if self.zip else tuple(len(v.values) for v in self.varies)

    @property
    def dims(self):
        return ("point",) if self.zip else tuple(v.key for v in self.varies)

    @property
    def n_points(self):
        return int(np.prod(self.shape))

    def assignment(self, i):
        """{key: value} of point ``i`` (flat index)."""
        if self.zip:
            return {v.key: v.values[i] for v in self.varies}
        idx = np.unravel_index(i, self.shape)
        return {v.key: v.values[k] for v, k in zip(self.varies, idx)}

    def manifest(self):
        return {"zip": self.zip,
                "vary": [{"key": v.key, "spec": v.spec, "values": list(v.values)} for v in self.varies]}


def make_grid(grid, zip=False, base_dir=None):
    """A :class:`Grid` from a dict ``{key: values or spec}``, a list of ``"KEY=SPEC"`` strings or :class:`Vary`."""
    if isinstance(grid, Grid):
        return grid
    varies = _as_varies(grid, base_dir)
    if zip:
        lengths = {v.key: len(v.values) for v in varies}
        if len(set(lengths.values())) > 1:
            raise InputError("--zip pairs the values of every --vary, so they need the same number of values; got "
                             + ", ".join(f"{k}: {n}" for k, n in lengths.items()))
    return Grid(tuple(varies), bool(zip))


def _show(value):
    return repr(value) if isinstance(value, str) else f"{value!r}"


def point_scenarios(raw, grid, path=None):
    """The patched scenario table of every point, each validated by building its scenario; raises
    InputError naming the key (and the point) when one is refused -- before anything runs."""
    from .io.scenario import scenario_from_dict

    raws = []
    for i in range(grid.n_points):
        a = grid.assignment(i)
        point = raw
        for key, value in a.items():
            point = set_key(point, key, value)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scenario_from_dict(point, path)
        except InputError as err:
            named = [k for k in a if k in str(err) or k.rsplit(".", 1)[-1].split("[")[0] in str(err)]
            if not named:  # an error of the base scenario itself is not the varied key's
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        scenario_from_dict(raw, path)
                except InputError as base_err:
                    if str(base_err) == str(err):
                        raise InputError(f"scenario {str(path) if path else ''}: {err}".replace(" :", ":")) from None
            if len(named) == 1 or len(a) == 1:
                k = named[0] if named else next(iter(a))
                raise InputError(f"--vary {k} = {_show(a[k])}: {err}"
                                 + (f" (point {i} of {grid.n_points})" if grid.n_points > 1 else "")) from None
            where = ", ".join(f"{k} = {_show(v)}" for k, v in a.items())
            raise InputError(f"--vary point {i} of {grid.n_points} ({where}): {err}") from None
        raws.append(point)
    return raws


def _si_value(value):
    """(SI number, dimension) of a number or quantity string; None when it is neither."""
    from .units import DIMENSIONS

    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value), None
    if not isinstance(value, str):
        return None
    m = _NUMBER_UNIT.match(value)
    if not m:
        return None
    unit = m.group(2) or ""
    if not unit:
        return float(m.group(1)), None
    for dim, table in DIMENSIONS.items():
        if unit in table:
            return float(m.group(1)) * table[unit], dim
    return None


def _coordinate(values):
    """Coordinate array and attributes of a swept key's values."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values), {}
    si = [_si_value(v) for v in values]
    dims = {d for s in si if s is not None for d in [s[1]] if d is not None}
    if all(s is not None for s in si) and len(dims) == 1:
        dim = dims.pop()
        return (np.array([s[0] for s in si], float),
                {"units": SI_UNITS.get(dim, ""), "given": json.dumps([str(v) for v in values])})
    return np.array([json.dumps(v) if not isinstance(v, str) else v for v in values], dtype=str), {}


# ------------------------------------------------------------------------------------------------
# one point (runs on a worker)
# ------------------------------------------------------------------------------------------------
def _summary_vars(summary):
    units = summary.get("units", {})
    out = {}
    for name, value in summary.items():
        if name == "units":
            continue
        attrs = {"units": units[name]} if name in units else {}
        if isinstance(value, bool):
            out[name] = ((), np.bool_(value), attrs)
        elif value is None or isinstance(value, (int, float)):
            out[name] = ((), np.float64(np.nan if value is None else value), attrs)
        elif isinstance(value, str):
            out[name] = ((), np.array(value, dtype=str), attrs)
        elif isinstance(value, (list, tuple)) and len(value) == 3:
            out[name] = (("component",), np.array([np.nan if v is None else v for v in value], float), attrs)
    return out


def _reduced_vars(result, taken):
    import xarray as xr

    if isinstance(result, xr.Dataset):
        items = {k: result[k] for k in result.data_vars}
    elif isinstance(result, dict):
        items = result
    else:
        raise InputError(f"the reduce function must return a dict of values or an xarray Dataset, got "
                         f"{type(result).__name__}")
    out = {}
    for name, value in items.items():
        name = str(name)
        if name in taken:
            raise InputError(f"the reduce function returned {name!r}, which is a summary variable already; rename it")
        if isinstance(value, xr.DataArray):
            dims, arr, attrs = value.dims, value.values, dict(value.attrs)
        else:
            arr = np.asarray(value)
            dims = tuple(f"{name}_dim{i}" for i in range(arr.ndim))
            attrs = {}
        if arr.dtype.kind == "c":
            raise InputError(f"the reduce function returned a complex value for {name!r}; return its real and "
                             "imaginary parts as two values")
        if arr.dtype.kind == "O":
            arr = arr.astype(str)
        out[name] = (dims, arr, attrs)
    return out


def run_point(raw, path=None, reduce=None, series=False):
    """Run one point's scenario table and return its results as a small :class:`xarray.Dataset` (the
    summary scalars, the ``reduce`` variables, the ``series`` time series; attribute ``error``, empty when
    it ran).  Errors of the run are caught and recorded, never raised."""
    import xarray as xr

    from .errors import SimulationDiverged
    from .io.results import summary_from_dataset, trajectory_to_dataset
    from .io.scenario import scenario_from_dict

    error, data, coords = "", {}, {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            scenario = scenario_from_dict(raw, path)
            try:
                traj = scenario.simulate(progress=False)
            except SimulationDiverged as err:  # the partial run is summarized, the error recorded
                if err.partial is None or not len(err.partial.t):
                    raise
                error = f"{type(err).__name__}: {err}"
                traj = err.partial
            ds = trajectory_to_dataset(traj, scenario.units, attrs={"scenario": raw})
            data.update(_summary_vars(summary_from_dataset(ds)))
            if reduce is not None and not error:
                data.update(_reduced_vars(reduce(ds), set(data)))
            if series:
                names = ([n for n in ds.data_vars if "time" in ds[n].dims and n != "state"] if series is True
                         else list(series))
                for n in names:
                    if n not in ds.data_vars:
                        raise InputError(f"series variable {n!r} is not in the result (it has: "
                                         f"{', '.join(ds.data_vars)})")
                    data[n] = (ds[n].dims, ds[n].values, dict(ds[n].attrs))
                coords["time"] = ("time", ds["time"].values, dict(ds["time"].attrs))
                for c in ("site", "position", "kernel_term", "part"):
                    if c in ds.coords and any(c in data[n][0] or (c == "position" and "site" in data[n][0])
                                              for n in names):
                        coords[c] = (ds[c].dims, ds[c].values, dict(ds[c].attrs))
        except Exception as err:  # recorded with the point; the sweep goes on
            error = f"{type(err).__name__}: {err}"
    if any(len(d[0]) and d[0][-1] == "component" for d in data.values()):
        coords["component"] = ("component", np.array(["x", "y", "z"]))
    notes = sorted({str(w.message).splitlines()[0] for w in caught})
    return xr.Dataset({k: xr.Variable(*v) for k, v in data.items()}, coords=coords,
                      attrs={"error": error, "warnings": " | ".join(notes)})


# ------------------------------------------------------------------------------------------------
# assembly
# ------------------------------------------------------------------------------------------------
def _fill_for(kind):
    return {"b": False, "O": "", "U": "", "S": ""}.get(kind, np.nan)


def assemble(grid, points, attrs=None):
    """The sweep dataset of ``grid`` from the point datasets ``{index: Dataset}`` (:func:`run_point`); a point
    that is missing is reported with ``error = "not run"``."""
    import xarray as xr

    shape, gdims = grid.shape, grid.dims
    n = grid.n_points
    order = []
    for i in sorted(points):
        for name in points[i].data_vars:
            if name not in order:
                order.append(name)
    # the time axis: shared when every point has the same output times, else per point over "sample"
    times = [points[i]["time"].values for i in sorted(points) if "time" in points[i].coords]
    shared_time = bool(times) and all(len(t) == len(times[0]) and np.array_equal(t, times[0]) for t in times)
    coords = {}
    for v in grid.varies:
        arr, attrs_c = _coordinate(v.values)
        coords[v.key] = (gdims if grid.zip else (v.key,), arr, {"key": v.key, **attrs_c})
    data = {}
    for name in order:
        have = [i for i in points if name in points[i].data_vars]
        first = points[have[0]][name]
        extra = tuple("sample" if (d == "time" and not shared_time) else d for d in first.dims)
        sizes = [max(points[i][name].shape[k] for i in have) for k in range(first.ndim)]
        kind = first.dtype.kind
        if kind in "iuf":
            dtype = np.float64
        elif kind == "b":
            dtype = bool
        else:
            dtype = object
        out = np.full((n, *sizes), _fill_for(np.dtype(dtype).kind), dtype=dtype)
        for i in have:
            val = np.asarray(points[i][name].values)
            out[(i, *tuple(slice(0, s) for s in val.shape))] = val.item() if val.ndim == 0 else val
        if dtype is object:
            out = out.astype(str)
        data[name] = (gdims + extra, out.reshape(shape + tuple(sizes)), dict(first.attrs))
    ok = np.zeros(n, bool)
    error = np.full(n, "not run", dtype=object)
    notes = np.full(n, "", dtype=object)
    for i, p in points.items():
        error[i] = p.attrs.get("error", "")
        ok[i] = not error[i]
        notes[i] = p.attrs.get("warnings", "")
    data["ok"] = (gdims, ok.reshape(shape), {"long_name": "the point ran to its end without error"})
    data["error"] = (gdims, error.astype(str).reshape(shape), {"long_name": "error of the point (empty when ok)"})
    data["warnings"] = (gdims, notes.astype(str).reshape(shape), {"long_name": "warnings of the point's run"})
    if times:
        if shared_time:
            coords["time"] = ("time", times[0], {"units": "s", "long_name": "time"})
        else:
            m = max(len(t) for t in times)
            tt = np.full((n, m), np.nan)
            for i in points:
                if "time" in points[i].coords:
                    t = points[i]["time"].values
                    tt[i, :len(t)] = t
            coords["time"] = (gdims + ("sample",), tt.reshape(shape + (m,)),
                              {"units": "s", "long_name": "output times of each point"})
    for i in sorted(points):
        for c, var in points[i].coords.items():
            if c not in coords and c != "time":
                coords[c] = (var.dims, var.values, dict(var.attrs))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update(attrs or {})
    ds.attrs["n_points"] = n
    ds.attrs["n_failed"] = int(np.sum(~ok))
    return ds


# ------------------------------------------------------------------------------------------------
# the sweep
# ------------------------------------------------------------------------------------------------
def load_reduce(spec):
    """``"module:function"`` -> the function (for ``--reduce``; the current directory is searched too)."""
    import importlib

    if not isinstance(spec, str) or spec.count(":") != 1:
        raise InputError(f"--reduce {spec!r}: write MODULE:FUNCTION, e.g. mymodule:nutation_frequency")
    mod, name = spec.split(":")
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        fn = getattr(importlib.import_module(mod), name)
    except (ImportError, AttributeError) as err:
        raise InputError(f"--reduce {spec!r}: cannot import it ({err})") from None
    if not callable(fn):
        raise InputError(f"--reduce {spec!r} is not a function")
    return fn


def _scenario_input(scenario):
    from .io.scenario import Scenario
    from .io.validate import read_toml

    if isinstance(scenario, Scenario):
        return copy.deepcopy(scenario.raw), scenario.path
    if isinstance(scenario, dict):
        return copy.deepcopy(scenario), None
    if isinstance(scenario, (str, Path)):
        return read_toml(scenario), Path(scenario)
    raise InputError(f"scenario must be a TOML file, a parsed table (dict) or a Scenario, got {scenario!r}")


def _manifest(raw, grid, series, reduce):
    from .io.results import _sanitize

    return _sanitize({"format": "spinertia sweep 1", "scenario": raw, **grid.manifest(),
                      "series": series if isinstance(series, bool) else list(series),
                      "reduce": None if reduce is None else _function_name(reduce)})


def _function_name(fn):
    """A stable name of a function (the same in every session: no addresses), for the manifest."""
    inner = getattr(fn, "func", fn)  # functools.partial
    return f"{getattr(inner, '__module__', '?')}.{getattr(inner, '__qualname__', type(inner).__qualname__)}"


def _prepare_out(out, manifest, resume, retry_failed):
    """Output directory; on resume the finished points found in it ({index: Dataset})."""
    import xarray as xr

    from .atomic import atomic_write
    from .io.stream import prepare_output_dir

    out = prepare_output_dir(out)
    points_dir = out / POINTS_DIR
    man_path = out / MANIFEST_FILE
    text = json.dumps(manifest, sort_keys=True, indent=1)
    done = {}
    if resume:
        if not man_path.exists():
            raise InputError(f"cannot resume: no sweep in {str(out)!r} ({MANIFEST_FILE} is missing); run without "
                             "--resume to start it")
        old = json.loads(man_path.read_text(encoding="utf-8"))
        new = json.loads(text)
        for part, what in (("scenario", "the scenario"), ("vary", "the --vary keys or values"),
                           ("zip", "--zip"), ("series", "--series"), ("reduce", "the reduce function")):
            if old.get(part) != new.get(part):
                raise InputError(f"cannot resume the sweep in {str(out)!r}: {what} differ(s) from the sweep "
                                 f"begun there ({MANIFEST_FILE}); use the same options, or another --out")
        for p in sorted(points_dir.glob("p*.nc")) if points_dir.is_dir() else []:
            try:
                i = int(p.stem[1:])
                ds = xr.load_dataset(p, engine="h5netcdf")
            except (ValueError, OSError):
                continue  # a torn or foreign file: that point runs again
            if retry_failed and ds.attrs.get("error"):
                continue
            done[i] = ds
    else:
        if points_dir.is_dir():
            for p in points_dir.glob("p*.nc"):
                p.unlink()
        atomic_write(man_path, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
    points_dir.mkdir(exist_ok=True)
    return out, done


def _write_point(out, i, ds):
    from .atomic import atomic_write

    atomic_write(out / POINTS_DIR / f"p{i:06d}.nc", lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))


def sweep(scenario, grid, *, executor=None, zip=False, reduce=None, series=False, out=None, resume=False,
          retry_failed=False, progress=False, workers=None, scheduler=None, target_seconds=1.0):
    """Run a scenario at every point of a parameter grid and collect the results in one dataset.

    Parameters
    ----------
    scenario : path, dict or Scenario
        The base scenario (a TOML file, its parsed table, or a loaded :class:`~spinertia.io.scenario.Scenario`).
    grid : dict, list or Grid
        ``{key: values or spec}``, a list of ``"KEY=SPEC"`` strings (module docstring), or a :class:`Grid`.
    executor : str, Executor or distributed.Client, optional
        ``"local"`` (default: worker processes on this machine), ``"dask"`` (a Dask LocalCluster, or the
        cluster at ``scheduler``), ``"serial"``, or an :class:`~spinertia.parallel.Executor` (left open).
    zip : bool
        Pair the keys' values instead of forming their product.
    reduce : callable, optional
        ``reduce(ds) -> dict | xarray.Dataset`` run on the worker with each run's result dataset (SI units,
        :func:`~spinertia.io.results.trajectory_to_dataset`); its values (numbers, arrays, strings) become
        variables of the sweep.  Must be picklable for process executors (a module-level function; lambdas
        need cloudpickle).
    series : bool or list of str
        Also keep the time series (all observables except the raw state, or the named ones).
    out : path, optional
        Directory for ``sweep.nc``, ``sweep.json`` and the per-point files (``points/``); none: in memory.
    resume : bool
        Run only the points missing in ``out`` (same scenario and grid).
    retry_failed : bool
        With ``resume``: run the points that failed again too.
    progress : bool
        A progress bar counting points (stderr).
    workers : int, optional
        Worker processes of the local executor or the Dask LocalCluster.
    scheduler : str, optional
        Address of a running Dask scheduler.
    target_seconds : float
        Work per task (s): points are batched to about this much.

    Returns
    -------
    xarray.Dataset
        See the module docstring; also written to ``out/sweep.nc``.
    """
    from . import __version__
    from .io.results import to_json, write_result
    from .parallel import Executor, get_executor

    raw, path = _scenario_input(scenario)
    g = make_grid(grid, zip=zip)
    if series not in (True, False) and not all(isinstance(s, str) for s in series):
        raise InputError(f"series must be True/False or a list of variable names, got {series!r}")
    if reduce is not None and not callable(reduce):
        raise InputError(f"reduce must be a function of the result dataset, got {reduce!r}")
    raws = point_scenarios(raw, g, path)  # validation: every point, before anything runs
    manifest = _manifest(raw, g, series, reduce)
    if out is not None:
        out, points = _prepare_out(out, manifest, resume, retry_failed)
    else:
        if resume:
            raise InputError("resume needs the output directory of the sweep (out=...)")
        points = {}
    todo = [(i, raws[i]) for i in range(g.n_points) if i not in points]
    from .parallel import shippable

    # a reduce function typed into a notebook travels to the workers by value
    fn = functools.partial(run_point, path=None if path is None else str(path),
                           reduce=None if reduce is None else shippable(reduce), series=series)
    own = not isinstance(executor, Executor)
    ex = get_executor(executor, workers=workers, scheduler=scheduler) if todo else None
    computed = 0
    attrs = {"title": "spinertia sweep", "spinertia_version": __version__, "scenario": to_json(raw, sort_keys=True),
             "sweep": to_json(g.manifest()), "zip": int(g.zip),
             "keys": to_json([v.key for v in g.varies]),
             "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    if path is not None:
        attrs["scenario_path"] = str(path)
    if ex is not None:
        attrs["executor"] = ex.describe()
    from tqdm.auto import tqdm

    bar = tqdm(total=g.n_points, initial=len(points), desc="sweep", unit="point", disable=not progress,
               file=sys.stderr, dynamic_ncols=True)
    try:
        if todo:
            for i, ok, value, seconds in ex.imap_indexed(fn, todo, target_seconds):
                if not ok:  # the worker could not run it (died repeatedly): recorded like any failure
                    import xarray as xr

                    value = xr.Dataset(attrs={"error": f"{type(value).__name__}: {value}", "warnings": ""})
                else:
                    value["point_seconds"] = ((), np.float64(seconds), {"units": "s (wall clock, on the worker)"})
                points[i] = value
                computed += 1
                if out is not None:
                    _write_point(out, i, value)
                bar.update(1)
    except KeyboardInterrupt:
        if ex is not None:
            ex.abort()  # the workers stop now, not after their batches
        if out is not None:  # what is done stays: sweep.nc with the missing points marked, resume runs them
            attrs["n_computed"] = computed
            attrs["interrupted"] = 1
            write_result(assemble(g, points, attrs), out / SWEEP_FILE)
        raise
    finally:
        bar.close()
        if ex is not None and own:
            ex.close()
    attrs["n_computed"] = computed
    ds = assemble(g, points, attrs)
    if out is not None:
        write_result(ds, out / SWEEP_FILE)
    return ds


class _CallableModule(types.ModuleType):
    """``spinertia.sweep(...)`` calls :func:`sweep` (the package exports the function under the module's name;
    whichever Python sets as the attribute first, both work)."""

    def __call__(self, *args, **kwargs):
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
