"""``spinertia plot``: a quick-look figure of a run or a sweep (:func:`spinertia.quicklook.plot_result`)."""
from __future__ import annotations

from pathlib import Path


def add_plot_parser(sub):
    p = sub.add_parser(
        "plot", help="quick-look figure of a result or sweep (PNG)",
        description="Plot RESULT.nc: a macrospin run (m(t), energy and its rate), a lattice run (a snapshot: m_z "
                    "colour map with in-plane arrows, topological charge and centre; averages over time) or a "
                    "sweep (sweep.nc: each summary variable against the swept values).")
    p.add_argument("result", metavar="RESULT.nc", help="result.nc of 'spinertia run' or sweep.nc of 'spinertia sweep'")
    p.add_argument("--out", metavar="FILE.png", help="figure file (default: RESULT.png beside the input)")
    p.add_argument("--frame", type=int, default=-1, metavar="K",
                   help="lattice: output frame of the snapshot (default -1, the last)")
    p.set_defaults(func=cmd_plot)
    return p


def cmd_plot(args):
    from ..quicklook import plot_result
    from .main import EXIT_OK

    out = plot_result(Path(args.result), args.out, frame=args.frame)
    print(f"wrote {out}")
    return EXIT_OK
