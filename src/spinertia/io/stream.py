"""Result files written while a run goes on, and the checks of an output location before any computation.

:class:`ResultStream` appends output samples to ``result.nc`` chunk by chunk (the netCDF/HDF5 layout of
:func:`spinertia.io.results.trajectory_to_dataset`, with an unlimited ``time`` dimension): memory stays
bounded by the system size, and the file, closed between chunks, can be read while the run goes on.  An I/O
error (disk full, a vanished directory) becomes an :class:`OutputError` naming the file and the samples
already written; the samples written before stay readable.

:func:`prepare_output_dir` creates the output directory and writes a probe file in it, and
:func:`check_free_space` compares the expected size of the result with the free space, so that a run whose
output cannot be written is refused before it computes anything.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from ..errors import InputError, SpinertiaError


class OutputError(SpinertiaError, OSError):
    """Writing a result, checkpoint or state file failed (disk full, permissions, a vanished directory)."""


def _describe_oserror(err):
    import errno

    if getattr(err, "errno", None) == errno.ENOSPC:
        return "the disk is full"
    if getattr(err, "errno", None) in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if getattr(err, "errno", None) == errno.EROFS:
        return "the file system is read-only"
    return err.strerror or str(err)


def prepare_output_dir(path, option="--out") -> Path:
    """Create the output directory (with parents) and check that a file can be written in it.

    Raises InputError with one clear line when the path is a file, a parent is a file, or the location is not
    writable (permissions, read-only file system)."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"{option} {str(out)!r} exists and is not a directory; give a directory path")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise InputError(f"{option} {str(out)!r}: {str(parent)!r} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".spinertia-probe-{os.getpid()}"
        probe.write_bytes(b"probe")
        probe.unlink()
    except OSError as err:
        raise InputError(f"{option} {str(out)!r} cannot be written ({_describe_oserror(err)}); choose another "
                         "directory") from None
    return out


def check_free_space(path, n_bytes, what="the result"):
    """Refuse (InputError) when ``n_bytes`` (with a 10 % margin) exceed the free space at ``path``."""
    free = shutil.disk_usage(path).free
    if n_bytes * 1.1 > free:
        raise InputError(f"{what} needs about {n_bytes / 1e9:.3g} GB but only {free / 1e9:.3g} GB are free at "
                         f"{str(path)!r}: write fewer samples (a larger output_every or a shorter t_end) or choose "
                         "another directory")


def estimated_result_bytes(model, n_samples):
    """Size of a result with ``n_samples`` samples: the state, the spins of a lattice and the observables."""
    per = model.state_size + (3 * model.n_sites if model.n_sites > 1 else 0) + 64
    return int(n_samples * per * 8 + 1e5)


#: bytes of one HDF5 chunk of a time-dependent variable: large enough for fast appends, small enough that
#: HDF5 never holds a huge partial chunk (64 samples of a 1024^2 lattice would be 1.6 GB per chunk)
CHUNK_BYTES = 4 << 20


def _chunks(shape, itemsize):
    """HDF5 chunk shape of a variable whose first axis is time: up to 64 samples, split along the second
    axis (sites) when one sample alone exceeds :data:`CHUNK_BYTES`."""
    shape = tuple(max(1, int(n)) for n in shape)
    sample = int(np.prod(shape[1:], dtype=np.int64)) * itemsize
    if sample <= CHUNK_BYTES:
        return (int(min(64, max(1, CHUNK_BYTES // max(sample, 1)))),) + shape[1:]
    inner = int(np.prod(shape[2:], dtype=np.int64)) * itemsize
    return (1, int(max(1, min(shape[1], CHUNK_BYTES // inner)))) + shape[2:]


class ResultStream:
    """Append samples of a run to a netCDF result file (see the module docstring).

    Parameters
    ----------
    path : path
        The result file (created, or appended to with ``append=True``, e.g. on a resume).
    model : Model
    attrs : dict
        Extra global attributes (the command line adds the scenario).
    """

    def __init__(self, path, model, attrs=None, append=False, keep_until=None):
        self.path = Path(path)
        self.model = model
        self.attrs = dict(attrs or {})
        self.n = 0
        self.t_last = None
        if append and self.path.exists():
            # a resume: keep the samples up to the checkpoint (``keep_until``, seconds), drop later ones (they
            # are computed again)
            try:
                import h5netcdf

                with h5netcdf.File(self.path, "a") as f:
                    times = np.asarray(f.variables["time"][:], dtype=float)
                    if keep_until is not None:
                        n_keep = int(np.sum(times <= keep_until * (1 + 1e-12) + 1e-300))
                        if n_keep < len(times):
                            f.resize_dimension("time", n_keep)
                        times = times[:n_keep]
                    self.n = len(times)
                    self.t_last = float(times[-1]) if self.n else None
            except (OSError, KeyError) as err:
                raise OutputError(f"cannot append to {str(self.path)!r} ({err}); start the run afresh") from None
        elif self.path.exists():
            self.path.unlink()

    def _variables(self, t, Y):
        from ..dynamics.simulate import Trajectory
        from .results import trajectory_variables

        coords, data_vars, attrs = trajectory_variables(Trajectory(self.model, np.asarray(t), np.asarray(Y)),
                                                        attrs=self.attrs)
        variables = {}
        for group, table in (("coord", coords), ("data", data_vars)):
            for name, spec in table.items():
                dims = (spec[0],) if isinstance(spec[0], str) else tuple(spec[0])
                variables[name] = (group, dims, np.asarray(spec[1]), dict(spec[2]) if len(spec) > 2 else {})
        return variables, attrs

    def __call__(self, t, Y):
        """Append the samples ``Y`` at reduced times ``t`` (a chunk of the run)."""
        if len(t) == 0:
            return
        variables, attrs = self._variables(t, Y)
        try:
            if self.n == 0:
                self._create(variables, attrs)
            else:
                self._append(variables)
        except OSError as err:
            raise OutputError(f"writing {str(self.path)!r} failed: {_describe_oserror(err)} "
                              f"({self.n} samples were written before and remain readable)") from None
        self.n += len(t)
        self.t_last = float(variables["time"][2][-1])

    def _create(self, variables, attrs):
        import h5netcdf
        import h5py

        from ..atomic import atomic_write

        sizes = {}
        for _, dims, values, _ in variables.values():
            sizes.update(zip(dims, values.shape))
        # non-index coordinates (e.g. position) are linked from the data variables that share their dims
        aux = [name for name, (group, dims, _, _) in variables.items() if group == "coord" and dims != (name,)]

        def write(tmp):
            with h5netcdf.File(tmp, "w") as f:
                for name, size in sizes.items():
                    f.dimensions[name] = None if name == "time" else size
                created = {}
                for name, (group, dims, values, var_attrs) in variables.items():
                    dtype = h5py.string_dtype("utf-8") if values.dtype.kind in "UO" else values.dtype
                    chunks = _chunks(values.shape, values.dtype.itemsize) if "time" in dims else None
                    created[name] = f.create_variable(name, dims, dtype=dtype, chunks=chunks)
                    for k, a in var_attrs.items():
                        created[name].attrs[k] = a
                    linked = [c for c in aux if c != name and set(variables[c][1]) <= set(dims)]
                    if group == "data" and linked:
                        created[name].attrs["coordinates"] = " ".join(linked)
                f.resize_dimension("time", sizes["time"])
                for name, (_, _, values, _) in variables.items():
                    created[name][...] = values.astype(object) if values.dtype.kind in "UO" else values
                for k, a in attrs.items():
                    f.attrs[k] = a

        atomic_write(self.path, write)

    def _append(self, variables):
        import h5netcdf

        n0, k = self.n, len(variables["time"][2])
        with h5netcdf.File(self.path, "a") as f:
            f.resize_dimension("time", n0 + k)
            try:
                for name, (_, dims, values, _) in variables.items():
                    if "time" in dims:
                        f.variables[name][n0:n0 + k] = values
            except BaseException:
                f.resize_dimension("time", n0)  # keep only the samples written completely
                raise

    def finish(self, traj, extra_attrs=None):
        """Record the run's status and statistics in the file's attributes."""
        from .results import to_json

        stats = dict(traj.stats or {})
        t_unit = self.model.units.t_unit
        if "dt" in stats:
            stats["dt_s"] = float(stats["dt"]) * t_unit
        attrs = {"complete": int(bool(traj.complete)), "status": str(traj.status),
                 "integrator": str(stats.get("method", "")), "integrator_stats": to_json(stats, sort_keys=True),
                 "steps": int(stats.get("steps", 0)), "wall_time_s": float(stats.get("wall_s", float("nan")))}
        attrs.update(extra_attrs or {})
        try:
            import h5netcdf

            with h5netcdf.File(self.path, "a") as f:
                for k, a in attrs.items():
                    f.attrs[k] = a if isinstance(a, (str, int, float)) else json.dumps(a)
        except OSError as err:
            raise OutputError(f"writing {str(self.path)!r} failed: {_describe_oserror(err)}") from None
