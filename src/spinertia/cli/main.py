"""Command line interface: ``spinertia run | modes | bands | electrons | sweep | export | plot | reproduce``.

Exit codes: 0 success, 1 unavailable feature or unexpected failure, 2 bad input (message, no
traceback), 3 the simulation diverged (partial result written), 130 interrupted (partial result
written; continue with ``--resume``).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
from pathlib import Path

from .. import __version__
from ..errors import InputError, RunStopped, SimulationDiverged
from ..units import GAMMA_ELECTRON, parse_quantity

EXIT_OK, EXIT_FAILURE, EXIT_INPUT, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

MODES_CONVENTION = "exp(-i omega t); Re omega > 0; Im omega < 0 is decay"


def _err(msg):
    print(f"spinertia: {msg}", file=sys.stderr)


# ------------------------------------------------------------------------------------------------
# argument types (numbers or quantity strings)
# ------------------------------------------------------------------------------------------------
def _qty(dimension):
    def convert(text):
        try:
            value = parse_quantity(float(text) if _is_number(text) else text, dimension)
        except InputError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not finite")
        return value

    convert.__name__ = dimension
    return convert


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _finite_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not finite")
    return value


# ------------------------------------------------------------------------------------------------
# parser
# ------------------------------------------------------------------------------------------------
def build_parser():
    parser = argparse.ArgumentParser(
        prog="spinertia",
        description="Inertial and non-Markovian magnetization dynamics (LLG, inertial LLG, memory-kernel LLG).",
        epilog="Exit codes: 0 ok, 1 failure, 2 bad input, 3 diverged, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"spinertia {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "run", help="run a TOML scenario and write result.nc + summary.json",
        description="Run a scenario file (schema: docs/scenario.md). Writes DIR/result.nc (netCDF, SI units), "
                    "DIR/summary.json, DIR/scenario.toml and DIR/checkpoint.npz. Ctrl-C or a divergence writes "
                    "the partial result; continue an interrupted run with --resume.")
    p.add_argument("scenario", metavar="SCENARIO.toml", help="scenario file (see examples/ and docs/scenario.md)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--resume", action="store_true",
                   help="continue from DIR/checkpoint.npz (a later run.t_end extends the run)")
    p.add_argument("--restart-from", metavar="FILE", dest="restart_from",
                   help="start a new run from a saved state: a result (.nc, its last state), a checkpoint (.npz) or "
                        "an OVF file (spins)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "modes", help="linear precession and nutation modes of a macrospin in a field",
        description="Complex mode frequencies of a macrospin in a static field, convention "
                    f"{MODES_CONVENTION}. Quantities accept numbers (SI) or strings with units, "
                    "e.g. --eta '1 ps', --Omega0 '5 THz' (cyclic, converted to rad/s).")
    p.add_argument("--model", required=True, choices=("llg", "illg", "kernel"), help="equation of motion")
    p.add_argument("--field", required=True, type=_qty("field"), metavar="TESLA", help="static field (tesla)")
    p.add_argument("--alpha", required=True, type=_finite_float, metavar="A", help="Gilbert damping")
    p.add_argument("--eta", type=_qty("time"), metavar="S", help="inertial time in seconds (illg)")
    p.add_argument("--gamma", type=_finite_float, default=GAMMA_ELECTRON, metavar="G",
                   help=f"|gamma| in rad/(s T) (default {GAMMA_ELECTRON:g}, electron)")
    p.add_argument("--Omega0", type=_qty("angular_frequency"), metavar="W", help="phonon frequency, rad/s (kernel)")
    p.add_argument("--Z", type=_finite_float, metavar="Z", help="quasiparticle residue, 0 < Z <= 1 (kernel)")
    p.add_argument("--Gamma", type=_qty("angular_frequency"), metavar="G",
                   help="phonon broadening, rad/s; lifetime 1/(Z Gamma) (kernel)")
    p.add_argument("--V0-sq", dest="V0_sq", type=_finite_float, metavar="V",
                   help="magnon-phonon coupling |V0|^2 in (rad/s)^2 (kernel)")
    p.add_argument("--kernel-sign", choices=("passive", "as_printed"), default="passive",
                   help="sign of the memory field (kernel; default passive, see docs/theory.md)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_modes)

    p = sub.add_parser(
        "reproduce", help="reproduce the figures and numbers of the papers spinertia implements",
        description="Run the reproductions of the papers (Webb et al. 2026, Ghosh et al. 2025, Xu et al. 2023) "
                    "and write figures and a report with quantitative checks to DIR.")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--quick", action="store_true", help="short runs (smoke test)")
    p.add_argument("--paper", action="append", metavar="ID",
                   help="paper to reproduce, e.g. xu2023 (repeatable; default: all registered papers)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.set_defaults(func=cmd_reproduce)

    from .bands import add_bands_parser
    from .electrons import add_electrons_parser
    from .export import add_export_parser
    from .plot import add_plot_parser
    from .sweep import add_sweep_parser

    add_bands_parser(sub)
    add_electrons_parser(sub)
    add_sweep_parser(sub)
    add_export_parser(sub)
    add_plot_parser(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line without source paths (the messages carry the numbers and units)."""
    _err(f"warning: {message}")


#: option values that are negative numbers, including scientific notation ("--eta -3e-13")
_NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def main(argv=None):
    """Entry point of the ``spinertia`` console script; returns the exit code."""
    import warnings

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # argparse has no public access to them
    for p in (parser, *commands.values()):
        p._negative_number_matcher = _NEGATIVE_NUMBER
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            return args.func(args)
        except InputError as err:
            _err(f"error: {err}")
            return EXIT_INPUT
        except OSError as err:  # writing an output failed (disk full, permissions): one line, no traceback
            _err(f"error: {err}")
            return EXIT_FAILURE
        except KeyboardInterrupt:
            _err("interrupted")
            return EXIT_INTERRUPTED


# ------------------------------------------------------------------------------------------------
# run
# ------------------------------------------------------------------------------------------------
def _restart_state(path, model):
    """Initial state of a new run from a saved one: a result file (its last state), a checkpoint or an OVF file
    (spins only; velocities and memory start at zero)."""
    import numpy as np

    path = Path(path)
    if not path.exists():
        raise InputError(f"--restart-from {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".nc":
        from ..io.results import read_result

        ds = read_result(path)
        if "state" not in ds or ds.sizes.get("time", 0) == 0:
            raise InputError(f"--restart-from {str(path)!r} holds no saved state")
        y = np.asarray(ds["state"].values[-1], dtype=float)
    elif suffix == ".npz":
        from ..dynamics.simulate import load_checkpoint

        y = np.asarray(load_checkpoint(path)[1]["y_now"], dtype=float)
    elif suffix == ".ovf":
        from ..io.ovf import read_spins

        spins = read_spins(path)
        if spins.shape != (model.n_sites, 3):
            raise InputError(f"--restart-from {str(path)!r} holds {spins.shape[0]} spins, the system has "
                             f"{model.n_sites}")
        return model.initial_state(spins)
    else:
        raise InputError(f"--restart-from {str(path)!r}: give a result (.nc), a checkpoint (.npz) or an OVF file "
                         "(.ovf)")
    if y.shape != (model.state_size,):
        raise InputError(f"--restart-from {str(path)!r}: the saved state has {y.size} components, the "
                         f"{model.name} model of this scenario has {model.state_size} (another system or model)")
    return y


def cmd_run(args):
    from ..dynamics.simulate import load_checkpoint
    from ..io.results import summary_from_file
    from ..io.scenario import load_scenario
    from ..io.stream import (OutputError, ResultStream, check_free_space, estimated_result_bytes,
                             prepare_output_dir)

    scenario_path = Path(args.scenario)
    try:
        scenario = load_scenario(scenario_path)
    except InputError as err:
        _err(f"error in scenario {scenario_path}: {err}")
        return EXIT_INPUT
    if args.resume and args.restart_from:
        raise InputError("--resume continues this output directory's run; --restart-from starts a new run from a "
                         "saved state: give one of them")
    out = prepare_output_dir(args.out)
    checkpoint = out / "checkpoint.npz"
    result_path = out / "result.nc"
    model, run = scenario.model, scenario.run
    if args.resume:
        if not checkpoint.exists():
            raise InputError(f"cannot resume: no checkpoint at {checkpoint}; run without --resume to start afresh")
        t_done = scenario.units.time_to_si(float(load_checkpoint(checkpoint)[1]["t_last"]))
    else:
        t_done = 0.0
    y0 = _restart_state(args.restart_from, model) if args.restart_from else scenario.y0
    n_samples = int((run.t_end - t_done) / run.output_every) + 1
    check_free_space(out, estimated_result_bytes(model, n_samples))

    attrs = {"scenario": scenario.raw, "scenario_path": str(scenario_path)}
    if scenario.name:
        attrs["scenario_name"] = scenario.name
    if args.restart_from:
        attrs["restarted_from"] = str(args.restart_from)
    if scenario.is_coupled:
        return _run_coupled(args, scenario, y0, out, attrs)
    stream = ResultStream(result_path, model, attrs=attrs, append=args.resume,
                          keep_until=t_done if args.resume else None)
    copy = out / "scenario.toml"
    if not (copy.exists() and copy.resolve() == scenario_path.resolve()):
        shutil.copyfile(scenario_path, copy)
    code, message = EXIT_OK, None
    try:
        traj = scenario.simulate(y0=y0, progress=not args.no_progress, checkpoint=str(checkpoint),
                                 resume=args.resume, sink=stream, keep_samples=False)
    except SimulationDiverged as err:
        traj = err.partial
        code = EXIT_DIVERGED
        message = f"{err}"
    except OutputError as err:
        _err(f"error: {err}; the checkpoint {checkpoint} holds the last good state: free space, then continue "
             f"with --resume")
        return EXIT_FAILURE
    if code == EXIT_OK and not traj.complete:
        code = EXIT_INTERRUPTED
        message = (f"interrupted at t = {stream.t_last:.6g} s ({stream.n} samples saved); continue with: "
                   f"spinertia run {args.scenario} --out {args.out} --resume")
    state_file = _write_state_file(scenario, traj, out)  # lattice: final state as OVF 2.0 (another name if partial)
    try:
        stream.finish(traj)
    except OutputError as err:
        _err(f"error: {err}")
        return EXIT_FAILURE
    return _finish_run(args, summary_from_file(result_path), state_file, traj, out, result_path, code, message)


def _finish_run(args, summary, state_file, traj, out, result_path, code, message, kind=""):
    """Complete the summary of a run (scenario, resume, state file), write summary.json, report; exit code."""
    from ..io.results import write_summary

    summary["scenario"] = str(Path(args.scenario))
    summary["resumed"] = bool(args.resume)
    if args.restart_from:
        summary["restarted_from"] = str(args.restart_from)
    if state_file is not None:
        summary["state_file"] = state_file.name
        summary["state_file_is_final"] = bool(traj.complete)
    write_summary(summary, out / "summary.json")
    if message is not None:
        _err(f"{message} (partial result in {result_path})")
        return code
    print(f"wrote {result_path} and {out / 'summary.json'} ({kind}{summary['n_samples']} samples, "
          f"t_end = {summary['t_final_s']:.6g} s)")
    return EXIT_OK


def _write_state_file(scenario, traj, out):
    """final.ovf of a finished lattice run, last.ovf of a partial one; returns the file (or None)."""
    if not (scenario.is_lattice and len(traj.t)):
        return None
    import numpy as np

    from ..io.ovf import write_spins

    state_file = out / ("final.ovf" if traj.complete else "last.ovf")
    spins = traj.model.spins(traj.Y[-1])
    norm = np.linalg.norm(spins, axis=1, keepdims=True)
    if np.abs(norm - 1).max() > 1e-12:  # rk4 keeps |m| = 1 only to its tolerance (coupled runs)
        spins = spins / norm
    write_spins(state_file, spins, scenario.system.size,
                step=tuple(float(x) for x in np.linalg.norm(scenario.system.lattice.vectors, axis=1)))
    if traj.complete and (out / "last.ovf").exists():
        (out / "last.ovf").unlink()
    return state_file


def _run_coupled(args, scenario, y0, out, attrs):
    """``spinertia run`` of a scenario with an [electrons] table: spinertia.coupled.run_coupled, its result
    file (rewritten atomically while running) and checkpoint in ``out``, a summary with the pumped charge."""
    import numpy as np

    from ..io.results import summary_from_dataset

    checkpoint, result_path = out / "checkpoint.npz", out / "result.nc"
    code, message = EXIT_OK, None
    try:
        res = scenario.run_coupled(y0=y0, progress=not args.no_progress, checkpoint=str(checkpoint),
                                   resume=args.resume, result_path=result_path, attrs=attrs,
                                   write_interval=scenario.run.checkpoint_interval)
    except RunStopped as err:  # diverged, or the electrons failed (err names the step)
        res, message = err.partial, f"{err}"
        code = EXIT_DIVERGED if isinstance(err, SimulationDiverged) else EXIT_FAILURE
    traj = res.trajectory
    if code == EXIT_OK and not res.complete:
        code = EXIT_INTERRUPTED
        message = (f"interrupted at t = {traj.t[-1] * scenario.units.t_unit:.6g} s ({len(traj.t)} samples saved); "
                   f"continue with: spinertia run {args.scenario} --out {args.out} --resume")
    state_file = _write_state_file(scenario, traj, out)
    summary = summary_from_dataset(res.to_dataset(attrs))
    rec = res.records
    if len(rec.get("time_s", ())) > 1:
        t = np.asarray(rec["time_s"])
        current = np.asarray(rec["current"])  # particles per second into each lead
        charge = np.sum(0.5 * (current[1:] + current[:-1]) * np.diff(t)[:, None], axis=0)
        summary["pumped_particles_per_lead"] = charge.tolist()
        summary["final_skyrmion_center_m"] = np.asarray(rec["center_m"])[-1].tolist()
        summary["final_topological_charge"] = float(np.asarray(rec["charge"])[-1])
    summary["wall_time_s"] = float(res.info.get("wall_s", float("nan")))
    summary["electron_solves"] = int(res.info.get("electron_calls", 0))
    summary["electron_seconds"] = float(res.info.get("electron_seconds", 0.0))
    summary["units"].update({"pumped_particles_per_lead": "1 (time integral of the particle current into each "
                             "lead, trapezoidal on the outputs)", "final_skyrmion_center_m": "m"})
    return _finish_run(args, summary, state_file, traj, out, result_path, code, message, kind="coupled run, ")


# ------------------------------------------------------------------------------------------------
# modes
# ------------------------------------------------------------------------------------------------
def _complex_pair(value):
    if value is None:
        return None
    c = complex(value)
    return [c.real, c.imag]


def _jsonable(value):
    import numpy as np

    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (complex, np.complexfloating)):
        return _complex_pair(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _describe_mode(name, omega):
    c = complex(omega)
    f = c.real / (2 * math.pi)
    rate = -c.imag
    q = f"{c.real / (2 * rate):.4g}" if rate > 0 else "inf"
    return (f"{name:<11} omega = {c.real:.6g} {'-' if c.imag < 0 else '+'} {abs(c.imag):.6g}i rad/s   "
            f"(f = {f / 1e9:.6g} GHz, decay rate {rate:.6g} 1/s, Q = {q})")


def cmd_modes(args):
    try:
        from ..analysis.modes import macrospin_modes
    except ModuleNotFoundError as err:
        if err.name and err.name.startswith("spinertia.analysis"):
            _err("error: 'spinertia modes' needs spinertia.analysis.modes, which this installation lacks")
            return EXIT_FAILURE
        raise
    missing = []
    if args.model == "illg" and args.eta is None:
        missing.append("--eta")
    if args.model == "kernel":
        missing += [flag for flag, val in (("--Omega0", args.Omega0), ("--Z", args.Z), ("--Gamma", args.Gamma),
                                           ("--V0-sq", args.V0_sq)) if val is None]
    if missing:
        raise InputError(f"model {args.model!r} needs {', '.join(missing)}")
    unused = []
    if args.model != "illg" and args.eta is not None:
        unused.append("--eta")
    if args.model != "kernel":
        unused += [flag for flag, val in (("--Omega0", args.Omega0), ("--Z", args.Z), ("--Gamma", args.Gamma),
                                          ("--V0-sq", args.V0_sq)) if val is not None]
    if unused:
        raise InputError(f"{', '.join(unused)} do(es) not apply to model {args.model!r}")
    kwargs = {"alpha": args.alpha, "gamma": args.gamma}
    if args.model == "illg":
        kwargs["eta"] = args.eta
    if args.model == "kernel":
        kwargs.update(Omega0=args.Omega0, Z=args.Z, Gamma=args.Gamma, V0_sq=args.V0_sq,
                      kernel_sign=args.kernel_sign)
    result = macrospin_modes(args.model, args.field, **kwargs)
    precession = result.get("precession")
    nutation = result.get("nutation")
    if args.json:
        doc = {"model": args.model, "field_T": args.field,
               "precession": _complex_pair(precession), "nutation": _complex_pair(nutation),
               "convention": str(result.get("convention", MODES_CONVENTION)),
               "units": str(result.get("units", "rad/s"))}
        for key, value in result.items():
            if key not in doc:
                doc[key] = _jsonable(value)
        print(json.dumps(doc, indent=2, allow_nan=False))
        return EXIT_OK
    print(f"# {args.model} macrospin in B = {args.field:g} T; convention {MODES_CONVENTION}")
    if precession is not None:
        print(_describe_mode("precession", precession))
    if nutation is not None:
        print(_describe_mode("nutation", nutation))
    elif args.model == "llg":
        print("nutation    none (no inertia in the LLG equation)")
    return EXIT_OK


# ------------------------------------------------------------------------------------------------
# reproduce
# ------------------------------------------------------------------------------------------------
def cmd_reproduce(args):
    try:
        from ..reproduce import run_reproduce
    except ImportError as err:
        if "run_reproduce" in str(err) or (getattr(err, "name", "") or "").startswith("spinertia.reproduce"):
            _err("error: 'spinertia reproduce' needs spinertia.reproduce.run_reproduce, which this "
                 "installation lacks")
            return EXIT_FAILURE
        raise
    from ..reproduce import available_papers

    from ..io.stream import prepare_output_dir

    papers = args.paper or list(available_papers())
    out = prepare_output_dir(args.out)
    result = run_reproduce(out, quick=args.quick, papers=papers, progress=not args.no_progress)
    code = EXIT_OK if result.get("all_passed") else EXIT_FAILURE
    if code == EXIT_OK:
        print(f"reproduce: papers {', '.join(papers)} written to {out}; {result.get('n_checks')} checks passed "
              f"({out / 'report.md'})")
    else:
        _err(f"reproduce: finished with failures (exit {code}); see {out}")
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
