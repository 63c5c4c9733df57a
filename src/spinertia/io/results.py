"""Result files: a trajectory as an xarray Dataset in SI units, stored as netCDF (h5netcdf).

Layout of a result (``trajectory_to_dataset``):

* coordinate ``time`` in seconds; dimension ``component`` = x, y, z;
* every observable of the model (``model.observables``) converted from reduced to SI units, with a
  ``units`` and a ``long_name`` attribute: energies in joule, powers in watt (for a macrospin the
  energy of its moment mu), rates in 1/s;
* ``B_eff`` = h_eff / gamma in tesla;
* for memory-kernel models the auxiliary variables ``aux`` (dims time, kernel_term, part = re/im,
  component) in rad/s;
* ``state``: the raw integrator state in reduced units (exact round trip; see ``time_unit_s``);
* attributes: model description (JSON), ``complete`` (1/0), ``status``, integrator statistics
  (JSON and a few flat entries), ``spinertia_version``, ``time_unit_s``, ``gamma_rad_per_s_T``,
  conventions and any extra attributes given (the CLI adds the scenario).
"""
from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import InputError
from ..atomic import atomic_write

__all__ = ["trajectory_to_dataset", "trajectory_variables", "write_result", "read_result", "summary_from_dataset",
           "summary_from_file", "write_summary",
           "OBSERVABLE_UNITS"]

_ENERGY = "J"
_POWER = "W"

#: name -> (scaling kind, units attribute, long name). kind: 1 (none), f (1/time), E (energy: times the
#: model's energy_scale), P (power: energy_scale / time).
OBSERVABLE_UNITS = {
    "m": ("1", "1", "magnetization direction m = M/Ms"),
    "magnetization": ("1", "1", "moment-weighted mean spin direction"),
    "dmdt": ("f", "1/s", "time derivative dm/dt"),
    "h_eff": ("f", "rad/s", "effective field gamma*B_eff = -dE/dm (without memory field)"),
    "energy": ("E", _ENERGY, "energy of the spin Hamiltonian"),
    "dEdt": ("P", _POWER, "energy rate dE/dt = -mu B_eff . dm/dt"),
    "angular_velocity": ("f", "rad/s", "angular velocity m x dm/dt"),
    "kinetic_energy": ("E", _ENERGY, "inertial (kinetic) energy 1/2 sum (mu/gamma) dm/dt . eta dm/dt"),
    "total_energy": ("E", _ENERGY, "conserved-without-damping total energy of the model"),
    "dissipation": ("P", _POWER, "dissipated power (decrease rate of total_energy)"),
    "memory_field": ("f", "rad/s", "memory field s * int chi(t - t') m(t') dt'"),
    "aux": ("f", "rad/s", "kernel auxiliary variables w_j (memory field = s sum_j Re w_j)"),
    "phonon_energy": ("E", _ENERGY, "energy of the phonon (kernel oscillator) coordinates"),
    "m_norm": ("1", "1", "length |m|"),
}


CONVENTIONS = (
    "m = M/Ms; dm/dt = -gamma m x B_eff + ... with gamma = |gamma| > 0; fields as angular frequencies "
    "h = gamma B (rad/s); energies in joule; complex frequencies exp(-i omega t), Im omega < 0 = decay"
)


def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (complex, np.complexfloating)):
        return [float(np.real(obj)), float(np.imag(obj))]
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    return str(obj)


def to_json(obj, **kwargs):
    """JSON text for attributes and summaries (numpy types, complex as [re, im], others as str)."""
    return json.dumps(obj, default=_json_default, **kwargs)


def _scale(kind, t_unit, energy_scale):
    return {"1": 1.0, "f": 1.0 / t_unit, "E": energy_scale, "P": energy_scale / t_unit}[kind]


def trajectory_to_dataset(traj, units=None, attrs=None) -> "xr.Dataset":
    """Convert a :class:`~spinertia.dynamics.simulate.Trajectory` (reduced units) to an SI Dataset.

    ``units`` defaults to the model Hamiltonian's :class:`~spinertia.units.ReducedUnits`; ``attrs``
    are extra global attributes (non-string values are stored as JSON text).
    """
    import xarray as xr

    coords, data_vars, ds_attrs = trajectory_variables(traj, units, attrs)
    return xr.Dataset(data_vars=data_vars, coords=coords, attrs=ds_attrs)


def trajectory_variables(traj, units=None, attrs=None):
    """The content of :func:`trajectory_to_dataset` as plain ``(coords, data_vars, attrs)``.

    ``coords`` and ``data_vars`` map names to ``(dims, values[, attrs])`` tuples.  The result stream
    writes these with h5netcdf directly, so that a run does not import xarray (about 1 s of start-up).
    """
    model = traj.model
    if units is None:
        units = model.hamiltonian.units
    t_unit = float(units.t_unit)
    t = np.asarray(traj.t, dtype=float)
    Y = np.asarray(traj.Y, dtype=float)
    if Y.ndim != 2 or len(Y) != len(t):
        raise InputError(f"trajectory arrays do not match: t has shape {t.shape}, Y has shape {Y.shape}")
    with np.errstate(all="ignore"):
        obs = model.observables(t, Y) if len(t) else {}
    units_table = OBSERVABLE_UNITS
    escale = float(model.energy_scale())
    coords = {"time": ("time", t * t_unit, {"units": "s", "long_name": "time", "standard_name": "time"}),
              "component": ("component", np.array(["x", "y", "z"]))}
    data_vars = {}
    n = len(t)
    for name, value in obs.items():
        value = np.asarray(value)
        kind, unit, long_name = units_table.get(name, (None, "reduced (unknown dimension)", name))
        scale = 1.0 if kind is None else _scale(kind, t_unit, escale)
        value = value * scale
        if name == "aux":
            n_terms = value.shape[1] // 6
            value = value.reshape(n, n_terms, 2, 3)
            dims = ("time", "kernel_term", "part", "component")
            coords["kernel_term"] = ("kernel_term", np.arange(n_terms))
            coords["part"] = ("part", np.array(["re", "im"]))
        elif value.ndim == 2 and value.shape[1] == 3:
            dims = ("time", "component")
        elif value.ndim == 1:
            dims = ("time",)
        else:
            dims = ("time",) + tuple(f"{name}_dim{i}" for i in range(1, value.ndim))
        data_vars[name] = (dims, value, {"units": unit, "long_name": long_name})
    g = np.asarray(model.system.gamma, dtype=float)
    gamma = float(g) if g.ndim == 0 else float(g[0]) if np.all(g == g[0]) else float("nan")
    if "h_eff" in obs and math.isfinite(gamma) and gamma > 0:
        data_vars["B_eff"] = (("time", "component"), np.asarray(obs["h_eff"]) / t_unit / gamma,
                              {"units": "T", "long_name": "effective field h_eff / gamma (without memory field)"})
    lattice = model.system if model.n_sites > 1 else None
    if lattice is not None:  # lattice run: spins per site, positions
        coords["site"] = ("site", np.arange(lattice.n_sites))
        coords["position"] = (("site", "component"), lattice.positions, {"units": "m"})
        data_vars["spins"] = (("time", "site", "component"), model.spins(Y), {"units": "1", "long_name": "spin directions"})
    data_vars["state"] = (("time", "state_index"), Y,
                          {"units": f"reduced (time unit {t_unit:g} s)",
                           "long_name": f"raw integrator state of the {model.name} model"})
    stats = dict(traj.stats or {})
    if "dt" in stats:
        stats["dt_s"] = float(stats["dt"]) * t_unit
    try:
        description = model.describe()
    except Exception as err:  # describe must never prevent saving a result
        description = {"model": getattr(model, "name", "?"), "describe_error": repr(err)}
    ds_attrs = {
        "title": "spinertia lattice trajectory" if lattice is not None else "spinertia macrospin trajectory",
        "spinertia_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model": str(getattr(model, "name", "?")),
        "model_description": to_json(description, sort_keys=True),
        "complete": int(bool(traj.complete)),
        "status": str(traj.status),
        "integrator": str(stats.get("method", "")),
        "integrator_stats": to_json(stats, sort_keys=True),
        "steps": int(stats.get("steps", 0)),
        "wall_time_s": float(stats.get("wall_s", float("nan"))),
        "time_unit_s": t_unit,
        "gamma_rad_per_s_T": gamma,
        "conventions": CONVENTIONS,
    }
    for key, value in (attrs or {}).items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            ds_attrs[key] = value
        else:
            ds_attrs[key] = to_json(value, sort_keys=True)
    return coords, data_vars, ds_attrs


def write_result(ds: "xr.Dataset", path) -> Path:
    """Write ``ds`` to ``path`` (netCDF4/HDF5 via h5netcdf) atomically: temp file + os.replace."""
    return _atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))


_atomic_write = atomic_write


def read_result(path) -> "xr.Dataset":
    """Load a result file fully into memory (the file is closed on return)."""
    import xarray as xr

    path = Path(path)
    if not path.exists():
        raise InputError(f"result file {str(path)!r} does not exist")
    return xr.load_dataset(path, engine="h5netcdf")


def _finite_or_none(x):
    x = float(x)
    return x if math.isfinite(x) else None


class _FileView:
    """The part of the xarray Dataset interface that :func:`summary_from_dataset` reads, served by
    h5netcdf from an open file (``sizes``, ``attrs``, ``name in view``, ``view[name].values``)."""

    class _Var:
        def __init__(self, var):
            self._var = var

        @property
        def values(self):
            return np.asarray(self._var[...])

    def __init__(self, f):
        self._f = f
        self.sizes = {name: dim.size for name, dim in f.dimensions.items()}
        self.attrs = dict(f.attrs)

    def __contains__(self, name):
        return name in self._f.variables

    def __getitem__(self, name):
        return self._Var(self._f.variables[name])


def summary_from_file(path) -> dict:
    """:func:`summary_from_dataset` of a result file, read with h5netcdf alone (no xarray import)."""
    import h5netcdf

    with h5netcdf.File(path, "r") as f:
        return summary_from_dataset(_FileView(f))


def summary_from_dataset(ds: "xr.Dataset") -> dict:
    """Key numbers of a result: final m, |m| range, final energy, total-energy drift, run status.

    ``total_energy_drift_relative`` = (E_tot(end) - E_tot(0)) / |E_tot(0)| (scaled by max |E_tot| when
    E_tot(0) = 0) and ``total_energy_max_deviation_relative`` = max |E_tot - E_tot(0)| / same scale;
    present when the model reports a total energy.  For damped runs the drift is the dissipated
    fraction, not an error.  Non-finite numbers are written as null.
    """
    n = int(ds.sizes.get("time", 0))
    attrs = ds.attrs
    out = {
        "model": attrs.get("model"),
        "complete": bool(int(attrs.get("complete", 0))),
        "status": attrs.get("status"),
        "n_samples": n,
        "t_final_s": _finite_or_none(ds["time"].values[-1]) if n else None,
        "integrator": attrs.get("integrator"),
        "steps": int(attrs.get("steps", 0)),
        "wall_time_s": _finite_or_none(attrs.get("wall_time_s", float("nan"))),
    }
    if n and "m" in ds:
        m = np.asarray(ds["m"].values, dtype=float)
        norm = np.linalg.norm(m, axis=1)
        out["final_m"] = [_finite_or_none(v) for v in m[-1]]
        out["final_m_norm"] = _finite_or_none(norm[-1])
        out["m_norm_min"] = _finite_or_none(np.nanmin(norm)) if np.any(np.isfinite(norm)) else None
        out["m_norm_max"] = _finite_or_none(np.nanmax(norm)) if np.any(np.isfinite(norm)) else None
    if n and "energy" in ds:
        out["final_energy_J"] = _finite_or_none(ds["energy"].values[-1])
    if n and "magnetization" in ds:
        out["final_magnetization"] = [_finite_or_none(v) for v in np.asarray(ds["magnetization"].values)[-1]]
    if n and "total_energy" in ds:
        e = np.asarray(ds["total_energy"].values, dtype=float)
        scale = abs(e[0])
        if not scale > 0:
            scale = float(np.nanmax(np.abs(e))) if np.any(np.isfinite(e)) else float("nan")
        if not scale > 0:
            scale = 1.0
        with np.errstate(all="ignore"):
            out["final_total_energy_J"] = _finite_or_none(e[-1])
            out["total_energy_drift_relative"] = _finite_or_none((e[-1] - e[0]) / scale)
            dev = np.abs(e - e[0])
            out["total_energy_max_deviation_relative"] = (
                _finite_or_none(np.nanmax(dev) / scale) if np.any(np.isfinite(dev)) else None)
    out["units"] = {"t_final_s": "s", "wall_time_s": "s (wall clock)", "final_energy_J": "J",
                    "final_total_energy_J": "J"}
    return out


def write_summary(summary: dict, path) -> Path:
    """Write a summary dict as JSON (atomically)."""
    text = to_json(_sanitize(summary), indent=2, sort_keys=False, allow_nan=False) + "\n"
    return _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _sanitize(obj):
    """Replace non-finite floats by None so that the JSON is strict."""
    if isinstance(obj, dict):
        return {str(k): _sanitize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_sanitize(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _sanitize(obj.tolist())
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
