"""``spinertia bands SCENARIO.toml --out DIR [--json]``: inertial spin-wave bands of a lattice system.

The scenario has a ``[system]`` table (the lattice description of :mod:`spinertia.io.system_scenario`, the
same one lattice dynamics runs use) and a ``[bands]`` table (docs/scenario.md, "Lattice systems";
docs/spinwaves.md)::

    [bands]
    path = [["G", [0, 0]], ["X", [0.5, 0]], ["M", [0.5, 0.5]], ["G", [0, 0]]]   # or kpoints = [[...], ...]
    units = "reciprocal"     # reciprocal (fractions of b1, b2, b3) | 1/m (cartesian rad/m) | pi/a
    n = 100                  # points per path segment
    sigma = 1                # 1 | -1 | "both"

The system is converted with :func:`spinertia.spinwaves.from_system.spinwave_model` (collinear state along
+z) and solved with :func:`spinertia.spinwaves.solve`.  Writes

* ``DIR/bands.nc``: k (rad/m), path coordinate, Re/Im omega (rad/s) of every band p1..pN, n1..nN per sigma,
  frequency |Re omega|/2 pi (Hz), group velocity (m/s, cartesian and along the path), alpha_eff, gamma_eff;
* ``DIR/bands.png``: |Re omega|/2 pi in THz along the path, precessional solid, inertial dashed;
* ``DIR/summary.json``: stability report, gaps at the labelled points (two sublattices), p_N/n1 crossings;
* ``DIR/scenario.toml``: a copy of the scenario.

``--json`` prints one JSON document on stdout: a dict whose ``"kpoints"`` list holds, per k-point and per
sigma (sigma inner), ``{"k": [kx, ky(, kz)] (rad/m), "sigma": 1, "omega": [[re, im], ...] (rad/s)}`` ordered
p1, p2, ..., n1, n2, ... (precessional then inertial, each by |Re omega|); an infinite root (eta = 0 on a
sublattice) is ``null``.  Unstable systems are reported (stderr, summary.json), not refused; bad input
raises InputError (exit code 2 in ``spinertia``).
"""
from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np


__all__ = ["add_bands_parser", "cmd_bands", "compute_bands", "bands_dataset", "bands_summary", "bands_json",
           "plot_bands"]

CONVENTION = ("exp(-i omega t), Im omega < 0 decays; sigma = +1: precessional roots Re omega < 0, inertial "
              "Re omega > 0 (sigma = -1: opposite); bands ordered p1..pN, n1..nN by |Re omega|")
THZ = 2 * math.pi * 1e12


# ------------------------------------------------------------------------------------------------
# computation
# ------------------------------------------------------------------------------------------------
def _tangents(k):
    """Unit direction of the path at each sample (outgoing segment; the last point its incoming one)."""
    d = np.diff(k, axis=0)
    if len(d) == 0:
        return np.full_like(k, np.nan)
    d = np.vstack([d, d[-1:]])
    nrm = np.linalg.norm(d, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(nrm > 0, d / nrm, np.nan)


def compute_bands(sc) -> dict:
    """Solve the bands and observables for every sigma of the scenario.

    Returns {'sigmas', 'labels', 'bands': {sigma: Bands}, 'velocity': {sigma: (nk, nroots, dim) m/s},
    'velocity_path': {sigma: (nk, nroots)}, 'alpha_eff', 'gamma_eff', 'stability': StabilityReport}."""
    from ..spinwaves import (effective_damping, effective_gyromagnetic_ratio, group_velocity, solve,
                             solve_general, stability_report)

    out = {"sigmas": sc.sigmas, "bands": {}, "velocity": {}, "velocity_path": {}, "alpha_eff": {},
           "gamma_eff": {}}
    tan = _tangents(sc.k)
    with np.errstate(all="ignore"):
        for sigma in sc.sigmas:
            sg = None if sigma == 0 else sigma
            b = solve_general(sc.model, sc.k, vectors=False) if sg is None else solve(sc.model, sc.k, sg,
                                                                                       vectors=False)
            v = group_velocity(sc.model, sc.k, sg, bands=b)
            out["bands"][sigma] = b
            out["velocity"][sigma] = v
            out["velocity_path"][sigma] = np.einsum("krd,kd->kr", v, tan)
            out["alpha_eff"][sigma] = effective_damping(b)
            out["gamma_eff"][sigma] = effective_gyromagnetic_ratio(sc.model, sc.k, sg, bands=b)
        out["labels"] = out["bands"][sc.sigmas[0]].labels
        out["stability"] = stability_report(sc.model, sc.k)
    return out


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def bands_summary(sc, res: dict) -> dict:
    """summary.json content: stability, gaps at the labelled points (two sublattices), crossings."""
    from ..io.bands_scenario import from_cartesian
    from ..spinwaves import find_crossings, zone_edge_gaps

    rep = res["stability"]
    n = sc.model.arrays.n
    summary = {
        "scenario_name": sc.name,
        "n_sublattices": n,
        "sublattices": list(sc.model.arrays.names),
        "n_kpoints": int(len(sc.k)),
        "sigma": list(sc.sigmas),
        "bands": list(res["labels"]),
        "k_units_input": sc.units,
        "convention": CONVENTION,
        "notes": list(sc.notes),
        "stability": {
            "ok": bool(rep.ok),
            "checked": "H(k) positive definite, eigenvalues of Omega(k) > 0, all Im omega < 0, for sigma = +1 "
                       "and -1 at the k-points of the path (spec 7)",
            "failures": [{"condition": f.condition, "sigma": f.sigma, "n_kpoints": int(len(f.k_index)),
                          "first_k_rad_per_m": [float(x) for x in f.k[0]], "worst": _num(f.worst),
                          "description": str(f)} for f in rep.failures],
            "warnings": list(rep.warnings),
        },
        "frequency_range_THz": {},
    }
    for sigma in sc.sigmas:
        f = res["bands"][sigma].thz
        summary["frequency_range_THz"][str(sigma)] = {
            lab: [_num(np.nanmin(f[:, j])) if np.any(np.isfinite(f[:, j])) else None,
                  _num(np.nanmax(f[:, j])) if np.any(np.isfinite(f[:, j])) else None]
            for j, lab in enumerate(res["labels"])}
    if sc.general:
        return summary
    if n == 2:
        pts = [(lab, int(i)) for lab, i in zip(sc.node_labels, sc.node_index)] or \
            ([("first", 0), ("last", len(sc.k) - 1)] if len(sc.k) > 1 else [("first", 0)])
        gaps = []
        with np.errstate(all="ignore"):
            for lab, i in pts:
                for sigma in sc.sigmas:
                    dp, dn = zone_edge_gaps(sc.model, sc.k[i], sigma)
                    gaps.append({"label": lab, "k_index": i, "k_rad_per_m": [float(x) for x in sc.k[i]],
                                 "k_input": [float(x) for x in sc.k_input[i]], "sigma": sigma,
                                 "delta_p_rad_per_s": _num(dp), "delta_n_rad_per_s": _num(dn),
                                 "delta_p_THz": _num(dp / THZ), "delta_n_THz": _num(dn / THZ)})
        summary["zone_edge_gaps"] = {
            "definition": "Delta_p = |Re omega_p2| - |Re omega_p1|, Delta_n = |Re omega_n2| - |Re omega_n1| "
                          "(paper Eq. 22) at each labelled point of the path (first/last k-point for kpoints)",
            "points": gaps}
    pair = (f"p{n}", "n1")
    cross = {"bands": list(pair), "definition": f"sign changes of |Re omega_n1| - |Re omega_{pair[0]}| along the "
             "k-points (joined by straight segments), refined by brentq", "per_sigma": {}}
    with np.errstate(all="ignore"):
        for sigma in sc.sigmas:
            found, g = find_crossings(sc.model, sc.k, pair, sigma)
            imin = int(np.nanargmin(g)) if np.any(np.isfinite(g)) else None
            cross["per_sigma"][str(sigma)] = {
                "crossings": [{"k_rad_per_m": [float(x) for x in c.k],
                               "k_input": [float(x) for x in from_cartesian(c.k[None, :], sc.units,
                                                                             sc.system.lattice, sc.raw["system"])[0]],
                               "path_rad_per_m": float(c.s),
                               "segment_index": c.index, "omega_rad_per_s": _num(c.frequency),
                               "frequency_THz": _num(c.frequency / THZ)} for c in found],
                "min_separation_THz": None if imin is None else _num(g[imin] / THZ),
                "min_separation_k_index": imin,
            }
    summary["crossings"] = cross
    return summary


def bands_dataset(sc, res: dict):
    """xarray Dataset of the bands (SI units; dims sigma, kpoint, band, component)."""
    import xarray as xr

    from .. import __version__
    from ..io.results import to_json

    sig = list(sc.sigmas)
    dim = sc.k.shape[1]
    comp = ["x", "y", "z"][:dim]
    stack = lambda key: np.stack([res[key][s] for s in sig])  # noqa: E731
    omega = np.stack([res["bands"][s].omega for s in sig])
    cons = np.stack([res["bands"][s].consistent for s in sig]).astype(np.int8)
    band_dims = ("sigma", "kpoint", "band")
    coords = {
        "sigma": ("sigma", np.array(sig, dtype=np.int64),
                  {"long_name": "handedness sign of the circular basis (0: general 2N form)"}),
        "kpoint": ("kpoint", np.arange(len(sc.k))),
        "band": ("band", np.array(res["labels"]), {"long_name": "p1..pN precessional, n1..nN inertial"}),
        "component": ("component", np.array(comp)),
        "k": (("kpoint", "component"), sc.k, {"units": "rad/m", "long_name": "wavevector (cartesian)"}),
        "path": ("kpoint", sc.s, {"units": "rad/m", "long_name": "path coordinate (cumulative |dk|)"}),
        "k_input": (("kpoint", "input_component"), sc.k_input,
                    {"units": sc.units, "long_name": "wavevector as given in [bands]"}),
    }
    data = {
        "omega_real": (band_dims, omega.real, {"units": "rad/s", "long_name": "Re omega"}),
        "omega_imag": (band_dims, omega.imag, {"units": "rad/s", "long_name": "Im omega (< 0: decay)"}),
        "frequency": (band_dims, np.abs(omega.real) / (2 * np.pi), {"units": "Hz",
                                                                   "long_name": "|Re omega| / 2 pi"}),
        "group_velocity": (band_dims + ("component",), stack("velocity"),
                           {"units": "m/s", "long_name": "gradient of |Re omega| with respect to k"}),
        "group_velocity_path": (band_dims, stack("velocity_path"),
                                {"units": "m/s", "long_name": "d|Re omega|/dk along the path direction"}),
        "alpha_eff": (band_dims, stack("alpha_eff"), {"units": "1", "long_name": "|Im omega / Re omega|"}),
        "gamma_eff": (band_dims, stack("gamma_eff"), {"units": "rad/(s T)", "long_name": "|d Re omega / dB|"}),
        "consistent": (("sigma", "kpoint"), cons,
                       {"units": "1", "long_name": "1 where N precessional and rank(H) inertial roots were found"}),
    }
    rep = res["stability"]
    attrs = {
        "title": "spinertia inertial spin-wave bands",
        "spinertia_version": __version__,
        "conventions": CONVENTION,
        "sublattices": to_json(list(sc.model.arrays.names)),
        "path_labels": to_json(list(sc.node_labels)),
        "path_label_index": to_json([int(i) for i in sc.node_index]),
        "k_units_input": sc.units,
        "stability_ok": int(rep.ok),
        "stability": str(rep),
        "scenario": to_json(sc.raw, sort_keys=True),
    }
    return xr.Dataset(data_vars=data, coords=coords, attrs=attrs)


def bands_json(sc, res: dict) -> dict:
    """The --json document: {'kpoints': [{'k', 'sigma', 'omega'}, ...], 'bands', 'units', 'convention'}."""
    def pair(w):
        return [float(w.real), float(w.imag)] if np.isfinite(w) else None

    rows = []
    for i in range(len(sc.k)):
        for sigma in sc.sigmas:
            w = res["bands"][sigma].omega[i]
            rows.append({"k": [float(x) for x in sc.k[i]], "sigma": sigma, "omega": [pair(x) for x in w]})
    return {"units": {"k": "rad/m (cartesian)", "omega": "rad/s, [Re, Im]"}, "convention": CONVENTION,
            "bands": list(res["labels"]), "sigma": list(sc.sigmas), "kpoints": rows}


def plot_bands(sc, res: dict, path):
    """|Re omega|/2 pi (THz) along the path, one panel per sigma: precessional solid, inertial dashed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ns = len(sc.sigmas)
    fig = Figure(figsize=(5.0 * ns, 3.8))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ns, squeeze=False, sharey=True)
    x = sc.s * 1e-9  # 1/nm
    n = sc.model.arrays.n
    for ax, sigma in zip(axes[0], sc.sigmas):
        b = res["bands"][sigma]
        f = b.thz
        for j, lab in enumerate(b.labels):
            if sigma == 0:
                style = "-" if np.nanmedian(b.omega[:, j].real) < 0 else "--"
                color = f"C{j % 10}"
            else:
                style = "-" if lab.startswith("p") else "--"
                color = f"C{(int(lab[1:]) - 1) % 10}"
            ax.plot(x, f[:, j], style, color=color, lw=1.2, label=lab)
        for i, lab in zip(sc.node_index, sc.node_labels):
            ax.axvline(x[i], color="0.7", lw=0.6)
        if len(sc.node_labels):
            ax.set_xticks(x[sc.node_index], sc.node_labels)
            ax.set_xlabel("wavevector path")
        else:
            ax.set_xlabel("path coordinate (1/nm)")
        ax.set_xlim(x[0], x[-1] if x[-1] > x[0] else x[0] + 1)
        title = "general 2N form" if sigma == 0 else f"sigma = {sigma:+d}"
        ax.set_title(f"{sc.name or 'bands'}: {title}", fontsize=9)
        ax.legend(fontsize=7, ncol=2 if 2 * n > 4 else 1)
    axes[0][0].set_ylabel("|Re omega| / 2 pi (THz)")
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    return Path(path)


# ------------------------------------------------------------------------------------------------
# command
# ------------------------------------------------------------------------------------------------
def add_bands_parser(subparsers):
    """Register ``spinertia bands`` on an argparse sub-parser collection; returns the parser."""
    p = subparsers.add_parser(
        "bands", help="inertial spin-wave bands of a lattice system (bands.nc, bands.png, summary.json)",
        description="Inertial linear spin-wave bands of the lattice system of a scenario ([system] and [bands]; "
                    "docs/scenario.md, Lattice systems; docs/spinwaves.md). Writes DIR/bands.nc (netCDF, SI), "
                    "DIR/bands.png, DIR/summary.json (stability, gaps, crossings) and DIR/scenario.toml.")
    p.add_argument("scenario", metavar="SCENARIO.toml", help="scenario file (see examples/bands_*.toml)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--json", action="store_true",
                   help="print {'kpoints': [{'k': [...] (rad/m), 'sigma': 1, 'omega': [[re, im], ...] (rad/s)}, "
                        "...]} on stdout, bands ordered p1..pN, n1..nN")
    p.set_defaults(func=cmd_bands)
    return p


def cmd_bands(args) -> int:
    """Run ``spinertia bands``; returns 0 (also for unstable systems, which are reported).  Bad input raises
    InputError (``spinertia`` maps it to exit code 2)."""
    from ..io.results import _atomic_write, write_result, write_summary

    scenario_path = Path(args.scenario)
    from ..io.bands_scenario import load_bands_scenario

    sc = load_bands_scenario(scenario_path)
    from ..io.stream import prepare_output_dir

    out = prepare_output_dir(args.out)
    res = compute_bands(sc)
    write_result(bands_dataset(sc, res), out / "bands.nc")
    _atomic_write(out / "bands.png", lambda tmp: plot_bands(sc, res, tmp))
    summary = bands_summary(sc, res)
    summary["scenario"] = str(scenario_path)
    summary["files"] = ["bands.nc", "bands.png", "summary.json", "scenario.toml"]
    write_summary(summary, out / "summary.json")
    copy = out / "scenario.toml"
    if not (copy.exists() and copy.resolve() == scenario_path.resolve()):
        shutil.copyfile(scenario_path, copy)
    stream = sys.stderr if args.json else sys.stdout
    for note in sc.notes:
        print(f"spinertia bands: note: {note}", file=sys.stderr)
    if not res["stability"].ok:
        print(f"spinertia bands: warning: the collinear state is not stable: {res['stability']} "
              f"(details in {out / 'summary.json'})", file=sys.stderr)
    if args.json:
        print(json.dumps(bands_json(sc, res), allow_nan=False))
    print(f"wrote {out / 'bands.nc'}, {out / 'bands.png'} and {out / 'summary.json'} ({len(sc.k)} k-points, "
          f"sigma {', '.join(str(s) for s in sc.sigmas)}, bands {', '.join(res['labels'])}; "
          f"{'stable' if res['stability'].ok else 'UNSTABLE'})", file=stream)
    return 0

