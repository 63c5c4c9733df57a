"""Quick-look figures (``spinertia plot``, spinertia.quicklook): a macrospin run, a lattice run and a sweep each give
a PNG with the expected panels, drawn headless."""
import matplotlib.image
import numpy as np
import pytest

import spinertia as si
from spinertia.cli.main import main
from spinertia.quicklook import _plot_lattice, _plot_macrospin, _plot_sweep
from spinertia.io.results import read_result

MACRO = """
[[system.zeeman]]
B = [0, 0, 1.0]
[system.damping]
alpha = 0.05
[system.inertia]
eta = "1 ps"
[model]
type = "illg"
[initial]
theta = "20 deg"
[run]
t_end = "5 ps"
dt = "5 fs"
integrator = "rkmk4"
output_every = "50 fs"
"""


def png(path):
    img = matplotlib.image.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 400
    assert np.std(img[..., :3]) > 0.05  # not blank
    return img


def test_plot_macrospin_run_and_a_sweep(tmp_path, capsys):
    (tmp_path / "m.toml").write_text(MACRO)
    assert main(["run", str(tmp_path / "m.toml"), "--out", str(tmp_path / "r"), "--no-progress"]) == 0
    assert main(["plot", str(tmp_path / "r" / "result.nc")]) == 0
    png(tmp_path / "r" / "result.png")
    fig = _plot_macrospin(read_result(tmp_path / "r" / "result.nc"))
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels[:3] == ["m", "energy (J)", "energy rate (W)"]
    line = fig.axes[0].lines[2]  # m_z(t) is the data
    np.testing.assert_array_equal(line.get_ydata(), read_result(tmp_path / "r" / "result.nc")["m"].values[:, 2])

    ds = si.sweep(tmp_path / "m.toml", {"system.inertia.eta": ["0.5 ps", "1 ps", "2 ps"],
                                         "system.damping.alpha": [0.01, 0.05]}, executor="serial",
                  out=tmp_path / "sw")
    assert main(["plot", str(tmp_path / "sw" / "sweep.nc"), "--out", str(tmp_path / "sweep.png")]) == 0
    png(tmp_path / "sweep.png")
    fig = _plot_sweep(ds)
    energy = next(ax for ax in fig.axes if ax.get_ylabel() == "final_energy_J (J)")
    assert energy.get_xlabel() == "system.inertia.eta (s)" and len(energy.lines) == 2  # one line per alpha
    np.testing.assert_array_equal(energy.lines[1].get_ydata(), ds["final_energy_J"].values[:, 1])
    assert main(["plot", str(tmp_path / "r" / "result.nc"), "--out", str(tmp_path / "no" / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_plot_lattice_snapshot_and_averages(tmp_path):
    from test_export_vtk import LATTICE

    (tmp_path / "sk.toml").write_text(LATTICE)
    assert main(["run", str(tmp_path / "sk.toml"), "--out", str(tmp_path / "r"), "--no-progress"]) == 0
    result = tmp_path / "r" / "result.nc"
    assert main(["plot", str(result), "--out", str(tmp_path / "sk.png"), "--frame", "0"]) == 0
    png(tmp_path / "sk.png")
    fig = _plot_lattice(read_result(result), -1)
    snapshot = fig.axes[0]
    assert "Q = -1.000" in snapshot.get_title()
    assert snapshot.get_legend().get_texts()[0].get_text() == "charge centre"
    q_axis = next(ax for ax in fig.axes if ax.get_ylabel() == "topological charge Q")
    np.testing.assert_allclose(q_axis.lines[0].get_ydata(), -1.0, atol=1e-9)
    with pytest.raises(si.InputError, match="--frame 7: the result has 3 frames"):
        _plot_lattice(read_result(result), 7)
