"""``spinertia electrons SCENARIO.toml --out DIR [--json]``: damping, inertia and exchange from electrons.

The scenario (schema: :mod:`spinertia.io.electron_scenario`, docs/electrons.md) describes a tight-binding
magnet with leads and the quantities to compute:

* ``alpha``, ``inertia``, ``eta``, ``alpha_omega``: tensors of the magnet (Xu et al. 2023, Eqs. 19, 22, 30,
  B5, corrected), :func:`spinertia.electrons.tensors.magnet_tensors`;
* ``btb``: the scattering-matrix damping (Xu et al. 2023, App. D);
* ``pairs``: site-pair exchange, damping and inertia (Bhattacharjee et al. 2012) and their SI hand-off to
  the atomistic engine (``DIR/spin_parameters.npz``);
* ``torques``: spin density and exchange torque per site under bias (``DIR/torques.npz``);
* ``adiabatic``: b_J and c_J of the texture (Xu et al. 2023, Eq. 31).

Writes ``DIR/summary.json`` and a copy of the scenario.  ``--json`` prints the magnet's tensors
``{"alpha": 3x3, "inertia": 3x3, ...}`` on stdout.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..units import HBAR

__all__ = ["add_electrons_parser", "cmd_electrons", "run_electrons"]


def add_electrons_parser(subparsers):
    """Register ``spinertia electrons`` on an argparse sub-parser collection; returns the parser."""
    p = subparsers.add_parser(
        "electrons", help="damping, inertia and exchange tensors from a tight-binding model (NEGF)",
        description="Gilbert damping, inertia, frequency-dependent damping, gyromagnetic renormalization, "
                    "scattering-matrix damping, site-pair exchange/damping/inertia, torques under bias and "
                    "adiabatic spin-transfer torques of a tight-binding magnet (docs/electrons.md). Writes "
                    "DIR/summary.json (+ spin_parameters.npz, torques.npz) and DIR/scenario.toml.")
    p.add_argument("scenario", metavar="SCENARIO.toml", help="scenario file (see examples/electrons_*.toml)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--json", action="store_true",
                   help="print {'alpha': 3x3, 'inertia': 3x3 (hbar/t), 'inertia_s': 3x3 (s), 'eta': 3x3, ...} "
                        "of the magnet on stdout")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes for the energy nodes (one BLAS thread each; default: this process)")
    p.set_defaults(func=cmd_electrons)
    return p


def _plain(x):
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, (np.floating, float)):
        return float(x) if np.isfinite(x) else None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, complex):
        return [x.real, x.imag]
    return x


def run_electrons(sc, out: Path, workers=None):
    """Compute the requested quantities of a scenario; returns (summary dict, magnet json dict)."""
    from ..electrons.linear_response import Device
    from ..electrons.nonlocal_tensors import pair_tensors, to_spin_parameters
    from ..electrons.smatrix import btb_damping
    from ..electrons.tensors import magnet_tensors, magnet_vertices
    from ..electrons.torques import adiabatic_torques, site_torques
    from ..atomic import atomic_write_stream

    f, u = sc.fsys, sc.units
    q = set(sc.quantities)
    summary = {"name": sc.name, "mu": sc.mu, "kT": sc.kT, "hopping_eV": u.hopping_eV, "spin_hbar": sc.spin,
               "n_sites": f.n_sites, "n_orbitals": f.n_orb, "quantities": list(sc.quantities), "notes": sc.notes,
               "files": ["summary.json", "scenario.toml"]}
    magnet_json = None
    if q & {"alpha", "inertia", "eta", "alpha_omega"}:
        mt = magnet_tensors(f, sc.mu, kT=sc.kT, spin=sc.spin, omegas=sc.omegas if "alpha_omega" in q else (),
                            workers=workers)
        d = mt.to_dict(units=u)
        summary["magnet"] = d
        magnet_json = {k: d[k] for k in ("alpha", "alpha_sym", "inertia", "inertia_s", "eta", "gyromagnetic_factor",
                                         "s_D_hbar", "m", "spin_hbar", "units", "omega", "alpha_omega_re",
                                         "alpha_omega_im") if k in d}
    if "btb" in q:
        dev = Device.from_system(f, sc.mu, kT=sc.kT)
        alpha_btb, unitarity = btb_damping(dev, magnet_vertices(f), spin=sc.spin)
        summary["btb"] = {"alpha": alpha_btb.tolist(), "unitarity_error": unitarity}
        if magnet_json is not None:
            magnet_json["alpha_btb"] = alpha_btb.tolist()
    if "pairs" in q:
        pt = pair_tensors(f, sc.mu, kT=sc.kT, cutoff=sc.cutoff, workers=workers)
        params = to_spin_parameters(pt, u, system=sc.system)
        arrays = {"pairs": pt.pairs, "distance_m": pt.distance, "friction_hbar": pt.friction,
                  "damping_onsite": params["damping_onsite"], "inertia_onsite_s": params["inertia_onsite"],
                  "damping_pair": pt.friction / (np.asarray(params["units"]["spin_hbar"])[pt.pairs[:, 0]]
                                                 [:, None, None])}
        if pt.chi is not None:
            arrays["chi_t"] = pt.chi
            arrays["exchange_J"] = -pt.chi * u.energy_J
        if pt.inertia is not None:
            arrays["inertia_pair_s"] = pt.inertia / np.asarray(params["units"]["spin_hbar"])[pt.pairs[:, 0]][
                :, None, None] * u.time_s
        atomic_write_stream(out / "spin_parameters.npz", lambda fh: np.savez(fh, **arrays))
        summary["files"].append("spin_parameters.npz")
        on = pt.pairs[:, 0] == pt.pairs[:, 1]
        summary["pairs"] = {"n_pairs": int(len(pt.pairs)), "cutoff_m": pt.info["cutoff_m"],
                            "units": params["units"],
                            "damping_onsite_mean": params["damping_onsite"][pt.pairs[on, 0]].mean(axis=0).tolist(),
                            "sum_friction_hbar": pt.total("friction").tolist()}
    if "torques" in q:
        st = site_torques(f, sc.mu, kT=sc.kT)
        atomic_write_stream(out / "torques.npz", lambda fh: np.savez(fh, s=st.s, torque=st.torque,
                                                                    current_induced=st.current_induced,
                                                                    texture=f.texture))
        summary["files"].append("torques.npz")
        summary["torques"] = {"total_torque_t": st.torque.sum(axis=0).tolist(),
                              "total_current_induced_t": st.current_induced.sum(axis=0).tolist(),
                              "units": "torque = hbar S dm/dt in units of t; s in hbar"}
    if "adiabatic" in q:
        spins = sc.system.mu / sc.system.gamma / HBAR  # hbar S = mu / gamma, per sublattice
        res = adiabatic_torques(f, float(np.mean(sc.mu)), u, spin=float(np.mean(spins)), bias_V=sc.bias_V, kT=sc.kT)
        summary["adiabatic"] = {"u_m_per_s": res.u, "beta": res.beta, "b_J": res.b_J, "c_J": res.c_J,
                                "j_e": res.j_e, "bias_V": res.bias_V, "particle_current_per_s": res.particle_current,
                                "fit_residual": res.residual, "units": res.info["units"]}
    return _plain(summary), _plain(magnet_json)


def cmd_electrons(args) -> int:
    """Run ``spinertia electrons``; returns 0.  Bad input raises InputError (exit code 2 in ``spinertia``)."""
    from ..io.electron_scenario import load_electron_scenario
    from ..io.results import write_summary

    path = Path(args.scenario)
    sc = load_electron_scenario(path)
    from ..io.stream import prepare_output_dir

    out = prepare_output_dir(args.out)
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be >= 1, got {args.workers}")
    summary, magnet = run_electrons(sc, out, workers=args.workers)
    summary["scenario"] = str(path)
    write_summary(summary, out / "summary.json")
    copy = out / "scenario.toml"
    if not (copy.exists() and copy.resolve() == path.resolve()):
        shutil.copyfile(path, copy)
    for note in sc.notes:
        print(f"spinertia electrons: note: {note}", file=sys.stderr)
    if args.json:
        if magnet is None:
            raise InputError("--json prints the magnet's tensors: add alpha (and inertia, eta) to compute.quantities")
        print(json.dumps(magnet, allow_nan=False))
    stream = sys.stderr if args.json else sys.stdout
    print(f"wrote {out / 'summary.json'} ({', '.join(summary['files'])}; quantities {', '.join(sc.quantities)})",
          file=stream)
    return 0
