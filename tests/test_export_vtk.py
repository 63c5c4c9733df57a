"""VTK export (``spinertia export --vtk``, spinertia.io.vtk, written with pyevtk): read back with VTK's own XML
reader (the library ParaView is built on) and compared with the result file and the topology module."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import xarray as xr

from spinertia.analysis.topology import topological_charge, triangle_charges, triangulate
from spinertia.cli.main import main
from spinertia.io.vtk import export_vtk, system_of_result

LATTICE = """
[units]
time = "1 fs"
[system]
lattice = "square"
a = "2.5 Å"
size = [12, 12]
periodic = true
mu = "2 muB"
[[system.exchange]]
J = "10 meV"
shell = 1
[[system.dmi]]
D = "2 meV"
shell = 1
[[system.anisotropy]]
K = "0.8 meV"
[system.zeeman]
B = [0, 0, 1.0]
[system.damping]
alpha = 0.1
[system.inertia]
eta = "10 fs"
[model]
type = "illg"
[initial]
state = "skyrmion"
radius = "0.8 nm"
[run]
t_end = "20 fs"
dt = "0.5 fs"
output_every = "10 fs"
"""


@pytest.fixture(scope="module")
def lattice_result(tmp_path_factory):
    d = tmp_path_factory.mktemp("lattice")
    (d / "sk.toml").write_text(LATTICE)
    assert main(["run", str(d / "sk.toml"), "--out", str(d / "run"), "--no-progress"]) == 0
    return d / "run" / "result.nc"


def read_vtu(path):
    vtk_xml = pytest.importorskip("vtkmodules.vtkIOXML")
    from vtkmodules.util.numpy_support import vtk_to_numpy

    reader = vtk_xml.vtkXMLUnstructuredGridReader()
    reader.SetFileName(str(path))
    reader.Update()
    grid = reader.GetOutput()
    pd, cd = grid.GetPointData(), grid.GetCellData()
    return {"points": vtk_to_numpy(grid.GetPoints().GetData()),
            "n_cells": grid.GetNumberOfCells(),
            "cell_type": grid.GetCellType(0),
            "point": {pd.GetArrayName(i): vtk_to_numpy(pd.GetArray(i)) for i in range(pd.GetNumberOfArrays())},
            "cell": {cd.GetArrayName(i): vtk_to_numpy(cd.GetArray(i)) for i in range(cd.GetNumberOfArrays())}}


def test_vtk_round_trip(lattice_result, tmp_path, capsys):
    pytest.importorskip("vtkmodules")
    out = tmp_path / "vtk"
    assert main(["export", str(lattice_result), "--vtk", str(out)]) == 0
    assert "3 frames" in capsys.readouterr().out
    ds = xr.load_dataset(lattice_result, engine="h5netcdf")
    system = system_of_result(ds)
    tri = triangulate(system)
    collection = ET.parse(out / "result.pvd").getroot()
    assert collection.get("type") == "Collection"
    entries = collection.find("Collection").findall("DataSet")
    np.testing.assert_allclose([float(e.get("timestep")) for e in entries], ds["time"].values / 1e-12, rtol=1e-12)
    for f, entry in enumerate(entries):
        frame = read_vtu(out / entry.get("file"))
        spins = ds["spins"].values[f]
        np.testing.assert_array_equal(frame["points"], ds["position"].values / 1e-9)
        np.testing.assert_array_equal(frame["point"]["spin"], spins)
        np.testing.assert_array_equal(frame["point"]["m_z"], spins[:, 2])
        # charges: per site they add up to the Berg-Luscher Q of the periodic lattice (-1 for this skyrmion)
        Q = topological_charge(system, spins)
        assert abs(Q + 1) < 1e-9
        assert frame["point"]["charge"].sum() == pytest.approx(Q, abs=1e-12)
        # per triangle: the cells are the triangles that do not wrap around the boundary
        q, _ = triangle_charges(system, spins, triangulation=tri)
        assert frame["cell_type"] == 5 and 0 < frame["n_cells"] < len(tri)
        assert set(np.round(frame["cell"]["charge"], 15)) <= set(np.round(q, 15))
        area = frame["cell"]["charge"] / frame["cell"]["charge_density"]
        np.testing.assert_allclose(area[np.isfinite(area)], (2.5e-10 / 1e-9) ** 2 / 2, rtol=1e-9)


def test_export_every_and_refusals(lattice_result, tmp_path, capsys):
    pvd = export_vtk(lattice_result, tmp_path / "v", every=2, name="sk")
    assert pvd.name == "sk.pvd" and len(list(pvd.parent.glob("sk_*.vtu"))) == 2
    macro = tmp_path / "m.toml"
    macro.write_text('[[system.zeeman]]\nB = [0, 0, 1]\n[system.inertia]\neta = "1 ps"\n[model]\ntype = "illg"\n'
                     '[initial]\ntheta = "10 deg"\n[run]\nt_end = "1 ps"\ndt = "5 fs"\nintegrator = "rkmk4"\n')
    assert main(["run", str(macro), "--out", str(tmp_path / "mr"), "--no-progress"]) == 0
    assert main(["export", str(tmp_path / "mr" / "result.nc"), "--vtk", str(tmp_path / "mv")]) == 2
    assert "needs a lattice result" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "none.nc"), "--vtk", str(tmp_path / "nv")]) == 2
    assert "does not exist" in capsys.readouterr().err
