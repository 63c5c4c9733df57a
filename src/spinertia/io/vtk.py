"""VTK export of a lattice run for ParaView: one XML unstructured-grid file (``.vtu``) per output frame and a
``.pvd`` collection that ParaView opens as a time series (written with pyevtk).

Every frame holds

* the points: site positions in **nanometres** (ParaView renders metre-sized coordinates of 1e-10 poorly);
* point data: ``spin`` (unit vector), ``m_z``, and on 2D lattices the topological charge per site
  ``charge`` (Berg-Luscher triangle charges shared among their corners, sum = Q,
  :func:`spinertia.analysis.topology.site_charge`) and ``charge_density`` = charge / area per site (1/nm^2);
* cells: on 2D lattices the triangles of :func:`spinertia.analysis.topology.triangulate` (those that wrap
  around a periodic boundary are left out of the cells, not of the charges) with cell data ``charge`` q_t and
  ``charge_density`` q_t / area (1/nm^2); on other lattices one vertex cell per site;
* the time of the frame in the ``.pvd`` file in **picoseconds**.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import InputError

__all__ = ["export_vtk", "system_of_result"]

NM = 1e-9
PS = 1e-12


def system_of_result(ds):
    """The :class:`~spinertia.lattice.system.System` of a result, rebuilt from its ``scenario`` attribute
    (written by ``spinertia run`` and the sweeps); None when the result does not carry one."""
    from .system_scenario import build_system

    text = ds.attrs.get("scenario")
    if not text:
        return None
    try:
        raw = json.loads(text) if isinstance(text, str) else dict(text)
        return build_system(raw["system"])
    except (ValueError, KeyError, TypeError, InputError):
        return None


def _load(result):
    import xarray as xr

    from .results import read_result

    if isinstance(result, xr.Dataset):
        return result, "result"
    return read_result(result), Path(result).stem


def export_vtk(result, directory, system=None, every=1, name=None):
    """Write a lattice result as a ParaView time series (module docstring).

    Parameters
    ----------
    result : path or xarray.Dataset
        A lattice result (``result.nc`` of ``spinertia run``: variables ``spins`` and ``position``).
    directory : path
        Output directory (created); gets ``NAME_000000.vtu`` ... and ``NAME.pvd``.
    system : System or FinalizedSystem, optional
        The lattice, for the topological charge; default: rebuilt from the result's scenario attribute.
    every : int
        Export every n-th output frame.
    name : str, optional
        Base name of the files (default: the result file's stem, ``result``).

    Returns
    -------
    pathlib.Path
        The ``.pvd`` file.
    """
    try:
        from pyevtk.hl import unstructuredGridToVTK
        from pyevtk.vtk import VtkGroup, VtkTriangle, VtkVertex
    except ImportError:
        raise InputError("the VTK export needs pyevtk: pip install pyevtk") from None
    from .stream import prepare_output_dir

    ds, stem = _load(result)
    name = name or stem
    if "spins" not in ds or "position" not in ds.coords and "position" not in ds:
        raise InputError(f"the VTK export needs a lattice result (variables 'spins' and 'position'); this one has "
                         f"{', '.join(ds.data_vars) or 'no variables'} (a macrospin run: plot it with "
                         "'spinertia plot' instead)")
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise InputError(f"every must be a positive integer (export every n-th frame), got {every!r}")
    spins = np.asarray(ds["spins"].values, dtype=float)
    pos = np.ascontiguousarray(np.asarray(ds["position"].values, dtype=float) / NM)
    times = np.asarray(ds["time"].values, dtype=float)
    n_sites = pos.shape[0]
    out = prepare_output_dir(directory, option="--vtk")

    if system is None:
        system = system_of_result(ds)
    tri = None
    if system is not None:
        from ..analysis.topology import triangulate
        from ..lattice.textures import _system

        s = _system(system)
        if s.lattice.dimension == 2 and s.n_sites == n_sites:
            tri = triangulate(system)
    x, y, z = (np.ascontiguousarray(pos[:, k]) for k in range(3))
    if tri is not None:
        direct = np.all(np.abs(tri.vertices / NM - pos[tri.indices]) < 1e-6, axis=(1, 2))  # not wrapping
        cells = tri.indices[direct]
        conn = np.ascontiguousarray(cells.ravel(), dtype=np.int64)
        offsets = np.arange(3, 3 * len(cells) + 1, 3, dtype=np.int64)
        ctypes = np.full(len(cells), VtkTriangle.tid, dtype=np.uint8)
        area_nm2 = tri.areas / NM ** 2
        site_area = np.zeros(n_sites)
        for k in range(3):
            np.add.at(site_area, tri.indices[:, k], area_nm2 / 3)
    else:
        conn = np.arange(n_sites, dtype=np.int64)
        offsets = np.arange(1, n_sites + 1, dtype=np.int64)
        ctypes = np.full(n_sites, VtkVertex.tid, dtype=np.uint8)

    group = VtkGroup(str(out / name))
    try:
        for f in range(0, len(times), int(every)):
            m = spins[f]
            point = {"spin": tuple(np.ascontiguousarray(m[:, k]) for k in range(3)),
                     "m_z": np.ascontiguousarray(m[:, 2])}
            cell = None
            if tri is not None:
                from ..analysis.topology import site_charge, triangle_charges

                q_t, _ = triangle_charges(system, m, triangulation=tri)
                q_i = site_charge(system, m, triangulation=tri)
                point["charge"] = np.ascontiguousarray(q_i)
                point["charge_density"] = np.ascontiguousarray(q_i / site_area)
                cell = {"charge": np.ascontiguousarray(q_t[direct]),
                        "charge_density": np.ascontiguousarray(q_t[direct] / area_nm2[direct])}
            path = unstructuredGridToVTK(str(out / f"{name}_{f:06d}"), x, y, z, connectivity=conn, offsets=offsets,
                                         cell_types=ctypes, pointData=point, cellData=cell)
            group.addFile(filepath=path, sim_time=float(times[f] / PS))
    finally:
        group.save()
    return out / f"{name}.pvd"
