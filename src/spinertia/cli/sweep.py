"""``spinertia sweep``: one scenario run at every point of a parameter grid (:mod:`spinertia.sweep`)."""
from __future__ import annotations

import sys

from ..errors import InputError


def add_sweep_parser(sub):
    p = sub.add_parser(
        "sweep", help="run a scenario over a grid of parameter values and write DIR/sweep.nc",
        description="Run SCENARIO.toml at every point of a grid of scenario keys and collect every run's summary "
                    "numbers (and optionally time series) in DIR/sweep.nc, with the swept values as coordinates. "
                    "Every point is validated before anything runs. A failing point is recorded with its error and "
                    "the sweep goes on; an interrupted sweep continues with --resume. See docs/sweep.md.",
        epilog="SPEC: start:stop:num (linear, e.g. 0.01:0.05:5 or '1 fs:5 fs:5'), log:start:stop:num, a list "
               "[a,b,c] (e.g. '[\"10 fs\", \"20 fs\"]'), FILE.csv:COLUMN, or one value. KEY: a path into the "
               "scenario, e.g. system.damping.alpha, system.inertia.eta, model.temperature, run.dt, "
               "system.zeeman[0].B[2].")
    p.add_argument("scenario", metavar="SCENARIO.toml", help="the base scenario (docs/scenario.md)")
    p.add_argument("--vary", action="append", required=True, metavar="KEY=SPEC",
                   help="a scenario key and its values (repeatable: a product grid, or pairs with --zip)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (sweep.nc, sweep.json, points/)")
    p.add_argument("--zip", action="store_true", help="pair the values of the --vary options instead of their product")
    p.add_argument("--series", nargs="?", const="all", metavar="NAMES",
                   help="also keep time series: all observables, or a comma-separated list (e.g. m,energy)")
    p.add_argument("--reduce", metavar="MODULE:FUNCTION",
                   help="a function of each run's result dataset, run on the worker; its values become variables")
    p.add_argument("--executor", choices=("local", "dask", "serial"), default=None,
                   help="local worker processes (default), Dask distributed, or serial in this process")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (local, Dask LocalCluster)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://10.0.0.1:8786 (implies --executor dask)")
    p.add_argument("--task-seconds", type=float, default=1.0, metavar="S",
                   help="work per task: points are batched to about S seconds (default 1)")
    p.add_argument("--resume", action="store_true", help="run only the points missing in DIR")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: run the failed points again too")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=cmd_sweep)
    return p


def cmd_sweep(args):
    from pathlib import Path

    from ..sweep import SWEEP_FILE, load_reduce, make_grid, parse_vary, sweep
    from .main import EXIT_INTERRUPTED, EXIT_OK, _err

    if args.retry_failed and not args.resume:
        raise InputError("--retry-failed goes with --resume")
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be >= 1, got {args.workers}")
    if args.scheduler and args.executor not in (None, "dask"):
        raise InputError(f"--scheduler is the address of a Dask scheduler; it does not go with --executor "
                         f"{args.executor}")
    if args.executor == "dask" or args.scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError("--executor dask needs Dask distributed: pip install 'dask[distributed]'") from None
    grid = make_grid([parse_vary(v) for v in args.vary], zip=args.zip)
    series = False if args.series is None else (True if args.series == "all" else
                                                [s.strip() for s in args.series.split(",") if s.strip()])
    reduce = load_reduce(args.reduce) if args.reduce else None
    try:
        ds = sweep(args.scenario, grid, executor=args.executor, reduce=reduce, series=series, out=args.out,
                   resume=args.resume, retry_failed=args.retry_failed, progress=not args.no_progress,
                   workers=args.workers, scheduler=args.scheduler, target_seconds=args.task_seconds)
    except KeyboardInterrupt:
        _err(f"interrupted; the finished points are kept in {args.out}: continue with the same command and --resume")
        return EXIT_INTERRUPTED
    out = Path(args.out) / SWEEP_FILE
    n, failed = ds.attrs["n_points"], ds.attrs["n_failed"]
    print(f"wrote {out} ({n} points, {ds.attrs['n_computed']} computed now, {failed} failed)")
    if failed:
        import numpy as np

        first = next(str(e) for e in np.ravel(ds["error"].values) if str(e))
        _err(f"warning: {failed} of {n} points failed (variable 'error' of {out}); first: {first}")
    sys.stdout.flush()
    return EXIT_OK
