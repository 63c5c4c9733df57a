"""``spinertia export``: a result in other formats (VTK for ParaView: :func:`spinertia.io.vtk.export_vtk`)."""
from __future__ import annotations

from pathlib import Path


def add_export_parser(sub):
    p = sub.add_parser(
        "export", help="export a lattice result to VTK (ParaView time series)",
        description="Write RESULT.nc (a lattice run) as a ParaView time series: one .vtu file per output frame and "
                    "a .pvd collection in DIR, with site positions (nm), spin vectors, m_z and the topological "
                    "charge per site and per triangle (time in ps). Open DIR/NAME.pvd in ParaView.")
    p.add_argument("result", metavar="RESULT.nc", help="result file of 'spinertia run'")
    p.add_argument("--vtk", required=True, metavar="DIR", help="output directory of the VTK files")
    p.add_argument("--every", type=int, default=1, metavar="N", help="export every N-th frame (default 1)")
    p.set_defaults(func=cmd_export)
    return p


def cmd_export(args):
    from ..io.vtk import export_vtk
    from .main import EXIT_OK

    pvd = export_vtk(Path(args.result), Path(args.vtk), every=args.every)
    n = sum(1 for _ in pvd.parent.glob(f"{pvd.stem}_*.vtu"))
    print(f"wrote {pvd} ({n} frames); open it in ParaView")
    return EXIT_OK
