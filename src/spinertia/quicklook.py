"""Quick-look figures of results (``spinertia plot``), drawn headless (matplotlib Agg, no display needed).

* a macrospin run: m(t), the energy (and the total energy when the model has one), the energy rate dE/dt
  (with the dissipated power) and the kinetic energy of an inertial model;
* a lattice run: a snapshot (m_z colour map with in-plane arrows, the topological charge Q and the charge
  centre), and averages over time: the mean magnetization, the energy and Q(t);
* a sweep (``sweep.nc``): each summary variable against the swept values (the first key on the x axis, one
  line per value of the others; failed points are gaps).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .errors import InputError

__all__ = ["plot_result", "result_kind"]

PS, NM = 1e-12, 1e-9


def result_kind(ds):
    """``"sweep"``, ``"lattice"`` or ``"macrospin"``."""
    if ds.attrs.get("title") == "spinertia sweep":
        return "sweep"
    if "spins" in ds:
        return "lattice"
    if "m" in ds:
        return "macrospin"
    raise InputError(f"not a spinertia result or sweep: it has the variables {', '.join(ds.data_vars) or 'none'}")


def _figure(nrows, ncols, width=5.0, height=3.4):
    from matplotlib.figure import Figure

    return Figure(figsize=(width * ncols, height * nrows), layout="constrained")


def _time_axis(ax):
    ax.set_xlabel("t (ps)")


def _plot_macrospin(ds):
    fig = _figure(2, 2)
    axes = fig.subplots(2, 2).ravel()
    t = ds["time"].values / PS
    m = ds["m"].values
    for k, c in enumerate("xyz"):
        axes[0].plot(t, m[:, k], label=f"m_{c}")
    axes[0].set_ylabel("m")
    panels = ((axes[1], "energy (J)", (("energy", "E"), ("total_energy", "E_total"))),
              (axes[2], "energy rate (W)", (("dEdt", "dE/dt"), ("dissipation", "dissipation"))),
              (axes[3], "kinetic energy (J)", (("kinetic_energy", "E_kinetic"),)))
    for ax, ylabel, curves in panels:
        for name, label in curves:
            if name in ds:
                ax.plot(t, ds[name].values, label=label)
        ax.set_ylabel(ylabel)
        if not ax.lines:
            ax.set_visible(False)
    for ax in axes:
        if ax.lines:
            ax.legend(loc="best", fontsize="small")
        _time_axis(ax)
    fig.suptitle(f"macrospin, model {ds.attrs.get('model', '?')} ({ds.attrs.get('status', '?')})")
    return fig


def _snapshot(ax, fig, ds, system, frame):
    pos = ds["position"].values / NM
    spins = ds["spins"].values
    n_frames = spins.shape[0]
    f = frame if frame >= 0 else n_frames + frame
    if not 0 <= f < n_frames:
        raise InputError(f"--frame {frame}: the result has {n_frames} frames (0 .. {n_frames - 1}, or -1 for the last)")
    m = spins[f]
    x, y = pos[:, 0], pos[:, 1]
    tri = _triangulation(system, len(pos))
    if tri is not None:
        direct = np.all(np.abs(tri.vertices / NM - pos[tri.indices]) < 1e-6, axis=(1, 2))
        art = ax.tripcolor(x, y, m[:, 2], triangles=tri.indices[direct], shading="gouraud", cmap="RdBu_r",
                           vmin=-1, vmax=1)
    else:
        art = ax.scatter(x, y, c=m[:, 2], cmap="RdBu_r", vmin=-1, vmax=1, s=8)
    fig.colorbar(art, ax=ax, label="m_z")
    step = max(1, int(math.sqrt(len(pos) / 400)))  # about 400 arrows
    sel = np.arange(len(pos))[::step * step] if step > 1 else np.arange(len(pos))
    ax.quiver(x[sel], y[sel], m[sel, 0], m[sel, 1], angles="xy", pivot="middle", color="k", alpha=0.7)
    title = f"t = {ds['time'].values[f] / PS:.4g} ps"
    if tri is not None:
        from .analysis.topology import charge_center, topological_charge

        Q = topological_charge(system, m, triangulation=tri)
        title += f", Q = {Q:.3f}"
        if abs(Q) > 0.5:
            c = charge_center(system, m) / NM
            ax.plot(c[0], c[1], "x", color="gold", ms=12, mew=3, label="charge centre")
            ax.legend(loc="upper right", fontsize="small")
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    return tri


def _triangulation(system, n_sites):
    if system is None:
        return None
    from .analysis.topology import triangulate
    from .lattice.textures import _system

    s = _system(system)
    if s.lattice.dimension != 2 or s.n_sites != n_sites:
        return None
    return triangulate(system)


def _plot_lattice(ds, frame):
    from .io.vtk import system_of_result

    system = system_of_result(ds)
    fig = _figure(2, 2, width=5.5, height=4.2)
    axes = fig.subplots(2, 2)
    tri = _snapshot(axes[0, 0], fig, ds, system, frame)
    t = ds["time"].values / PS
    if "magnetization" in ds:
        mag = ds["magnetization"].values
        for k, c in enumerate("xyz"):
            axes[0, 1].plot(t, mag[:, k], label=f"<m_{c}>")
        axes[0, 1].legend(loc="best", fontsize="small")
    axes[0, 1].set_ylabel("mean magnetization")
    for name, label in (("energy", "E"), ("total_energy", "E_total")):
        if name in ds:
            axes[1, 0].plot(t, ds[name].values, label=label)
    axes[1, 0].set_ylabel("energy (J)")
    axes[1, 0].legend(loc="best", fontsize="small")
    if tri is not None:
        from .analysis.topology import topological_charge

        spins = ds["spins"].values
        idx = np.unique(np.linspace(0, len(t) - 1, min(len(t), 200)).astype(int))
        Q = [topological_charge(system, spins[i], triangulation=tri) for i in idx]
        axes[1, 1].plot(t[idx], Q, ".-")
        axes[1, 1].set_ylabel("topological charge Q")
    else:
        axes[1, 1].text(0.5, 0.5, "no topological charge\n(not a 2D lattice, or no scenario in the result)",
                        ha="center", va="center", transform=axes[1, 1].transAxes)
    for ax in (axes[0, 1], axes[1, 0], axes[1, 1]):
        _time_axis(ax)
    fig.suptitle(f"lattice, {ds.sizes.get('site', '?')} sites, model {ds.attrs.get('model', '?')} "
                 f"({ds.attrs.get('status', '?')})")
    return fig


def _sweep_variables(ds, gdims):
    out = []
    for name, var in ds.data_vars.items():
        extra = [d for d in var.dims if d not in gdims]
        if var.dtype.kind not in "fiub" or name == "ok" or extra not in ([], ["component"]):
            continue
        if var.dtype.kind == "f" and not np.any(np.isfinite(var.values)):
            continue
        out.append(name)
    return out


def _plot_sweep(ds):
    import json

    keys = json.loads(ds.attrs.get("keys", "[]")) or [d for d in ds.dims if d not in ("component", "time", "sample")]
    gdims = ("point",) if int(ds.attrs.get("zip", 0)) else tuple(keys)
    names = _sweep_variables(ds, gdims)
    if not names:
        raise InputError("the sweep has no numeric variable to plot (did every point fail? see its 'error' variable)")
    xkey = keys[0]
    x = ds[xkey]
    numeric_x = x.dtype.kind in "fiu"
    xs = x.values if numeric_x else np.arange(x.size)
    other = [] if gdims == ("point",) else list(gdims[1:])
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = _figure(nrows, ncols, width=4.6, height=3.2)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax, name in zip(axes, names):
        var = ds[name].astype(float)
        if other:
            var = var.stack(_others=other).transpose(gdims[0], "_others", ...)
            labels = [", ".join(f"{k.rsplit('.', 1)[-1]}={v:.3g}" if isinstance(v, (float, np.floating)) else
                                f"{k.rsplit('.', 1)[-1]}={v}" for k, v in zip(other, (c if isinstance(c, tuple)
                                                                                    else (c,))))
                      for c in var["_others"].values]
            curves = [(var.isel(_others=j), labels[j]) for j in range(min(len(labels), 8))]
        else:
            curves = [(var, None)]
        for curve, label in curves:
            vals = curve.values
            if vals.ndim == 2:  # component
                for k, c in enumerate("xyz"):
                    ax.plot(xs, vals[:, k], "o-", ms=3, label=(f"{label}, " if label else "") + c)
            else:
                ax.plot(xs, vals, "o-", ms=3, label=label)
        if len(ax.get_legend_handles_labels()[0]) > 1:
            ax.legend(fontsize="x-small")
        unit = ds[name].attrs.get("units")
        ax.set_ylabel(f"{name} ({unit})" if unit else name)
        xunit = x.attrs.get("units")
        ax.set_xlabel(f"{xkey} ({xunit})" if xunit else xkey)
        if numeric_x and np.all(xs > 0) and xs.max() / xs.min() > 20:
            ax.set_xscale("log")
        if not numeric_x:
            ax.set_xticks(xs, [str(v) for v in x.values], rotation=30, fontsize="small")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"sweep over {', '.join(keys)}: {ds.attrs.get('n_points', '?')} points, "
                 f"{ds.attrs.get('n_failed', 0)} failed")
    return fig


def plot_result(result, out=None, frame=-1):
    """Draw the quick-look figure of a result or sweep (module docstring) and write it.

    Parameters
    ----------
    result : path or xarray.Dataset
        ``result.nc`` of a run, or ``sweep.nc`` of a sweep.
    out : path, optional
        Figure file (the format follows its suffix: png, pdf, svg); default ``RESULT.png`` beside a result file.
    frame : int
        Lattice runs: the output frame of the snapshot (default the last).

    Returns
    -------
    pathlib.Path
        The figure file.
    """
    import xarray as xr

    from .io.results import read_result

    if isinstance(result, xr.Dataset):
        ds = result
        if out is None:
            raise InputError("give the figure file (out=...) when plotting a dataset")
    else:
        ds = read_result(result)
        if out is None:
            out = Path(result).with_suffix(".png")
    kind = result_kind(ds)
    if kind == "macrospin":
        fig = _plot_macrospin(ds)
    elif kind == "lattice":
        fig = _plot_lattice(ds, frame)
    else:
        fig = _plot_sweep(ds)
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise InputError(f"--out {str(out)!r}: the directory {str(out.parent)!r} does not exist")
    try:
        fig.savefig(out, dpi=110)
    except ValueError as err:  # unknown format
        raise InputError(f"--out {str(out)!r}: {err}") from None
    return out
