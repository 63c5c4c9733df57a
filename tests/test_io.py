"""Result files: SI dataset, netCDF round trip, units attributes, summaries."""
import json
import math

import numpy as np
import pytest
import xarray as xr

import spinertia
from conftest import dyn
from spinertia.dynamics.kernels import phonon_kernel
from spinertia.dynamics.models import LLG, InertialLLG, MemoryKernelLLG
from spinertia.dynamics.simulate import Trajectory, simulate
from spinertia.lattice.macrospin import Macrospin
from spinertia.io.results import (
    read_result,
    summary_from_dataset,
    trajectory_to_dataset,
    write_result,
    write_summary,
)
from spinertia.units import GAMMA_ELECTRON, MU_B, ReducedUnits

UNITS = ReducedUnits(1e-12)


def hamiltonian():
    return Macrospin().add_zeeman([0, 0, 0.5]).add_uniaxial_anisotropy(0.05, [0, 0, 1]).finalized(UNITS)


@pytest.fixture(scope="module")
def llg_traj():
    model = LLG(dyn(hamiltonian(), 0.05))
    th = math.radians(30)
    y0 = model.initial_state([math.sin(th), 0, math.cos(th)])
    return simulate(model, y0, t_end="50 ps", dt="0.1 ps", method="rkmk4", output_every="1 ps")


def synthetic(model, n=7, seed=0):
    """A trajectory with arbitrary states (no integration needed)."""
    rng = np.random.default_rng(seed)
    Y = rng.normal(size=(n, model.state_size)) * 0.1
    m = rng.normal(size=(n, 3))
    Y[:, 0:3] = m / np.linalg.norm(m, axis=1, keepdims=True)
    return Trajectory(model, np.arange(n) * 0.5, Y, complete=False, status="interrupted",
                      stats={"method": "rk4", "dt": 0.5, "steps": n - 1, "rejected": 0, "wall_s": 0.25})


def test_netcdf_round_trip_equals_trajectory(llg_traj, tmp_path):
    ds = trajectory_to_dataset(llg_traj, UNITS)
    path = write_result(ds, tmp_path / "sub" / "result.nc")
    assert path.exists()
    assert [p.name for p in path.parent.iterdir()] == ["result.nc"]  # no temporary file left
    back = read_result(path)
    xr.testing.assert_identical(ds, back)
    np.testing.assert_array_equal(back["time"].values, llg_traj.t * 1e-12)
    np.testing.assert_array_equal(back["m"].values, llg_traj.m)
    np.testing.assert_array_equal(back["state"].values, llg_traj.Y)
    assert list(back["component"].values) == ["x", "y", "z"]
    assert back.attrs["complete"] == 1 and back.attrs["status"] == "complete"
    assert back.attrs["spinertia_version"] == spinertia.__version__
    desc = json.loads(back.attrs["model_description"])
    assert desc["model"] == "llg"
    stats = json.loads(back.attrs["integrator_stats"])
    assert stats["method"] == "rkmk4" and stats["steps"] == 500
    assert stats["dt_s"] == pytest.approx(1e-13)
    # overwriting an existing file is atomic and works
    write_result(ds.isel(time=slice(0, 3)), path)
    assert read_result(path).sizes["time"] == 3


def test_si_conversion_and_units(llg_traj):
    ds = trajectory_to_dataset(llg_traj)  # units default to the Hamiltonian's
    for name, var in ds.data_vars.items():
        assert "units" in var.attrs, name
    assert ds["time"].attrs["units"] == "s"
    assert ds["energy"].attrs["units"] == "J"
    assert ds["dEdt"].attrs["units"] == "W"
    assert ds["h_eff"].attrs["units"] == "rad/s"
    assert ds["B_eff"].attrs["units"] == "T"
    assert ds["dmdt"].attrs["units"] == "1/s"
    obs = llg_traj.observables()
    np.testing.assert_allclose(ds["h_eff"].values, obs["h_eff"] / 1e-12)
    np.testing.assert_allclose(ds["dEdt"].values, obs["dEdt"] * llg_traj.model.energy_scale() / 1e-12)
    # effective field in tesla: B + B_K m_z along z
    mz = ds["m"].values[:, 2]
    np.testing.assert_allclose(ds["B_eff"].values[:, 2], 0.5 + 0.05 * mz, rtol=1e-12)
    mu = 2 * MU_B  # the Macrospin's default moment: E = -mu B m_z - mu B_K m_z^2 / 2
    np.testing.assert_allclose(ds["energy"].values, -mu * (0.5 * mz + 0.5 * 0.05 * mz**2), rtol=1e-12)
    assert ds.attrs["time_unit_s"] == 1e-12
    assert ds.attrs["gamma_rad_per_s_T"] == GAMMA_ELECTRON


def test_kernel_auxiliary_variables(tmp_path):
    kernel = phonon_kernel(1e22, 1e12, 0.5, 4e10)
    model = MemoryKernelLLG(dyn(hamiltonian(), 0.01), kernel, longitudinal=("1 ps", 0.95))
    traj = synthetic(model)
    ds = read_result(write_result(trajectory_to_dataset(traj, UNITS, attrs={"note": {"a": 1}}),
                                  tmp_path / "k.nc"))
    assert ds["aux"].dims == ("time", "kernel_term", "part", "component")
    assert list(ds["part"].values) == ["re", "im"]
    assert ds["aux"].attrs["units"] == "rad/s"
    np.testing.assert_allclose(ds["aux"].values.reshape(len(traj.t), -1), traj.Y[:, 3:] / 1e-12)
    # passive sign: memory field = sum_j Re w_j
    np.testing.assert_allclose(ds["memory_field"].values, ds["aux"].sel(part="re").sum("kernel_term").values)
    for name in ("phonon_energy", "total_energy", "dissipation", "m_norm"):
        assert name in ds and "units" in ds[name].attrs
    assert json.loads(ds.attrs["note"]) == {"a": 1}
    assert ds.attrs["complete"] == 0 and ds.attrs["status"] == "interrupted"


def test_illg_extras_and_summary(tmp_path):
    model = InertialLLG(dyn(hamiltonian(), 0.0, 0.5e-12))
    y0 = model.initial_state([math.sin(0.3), 0, math.cos(0.3)])
    traj = Trajectory(model, np.array([0.0]), y0[None, :], stats={"method": "rk4", "dt": 0.01, "wall_s": 1.5})
    ds = trajectory_to_dataset(traj, UNITS)
    for name in ("angular_velocity", "kinetic_energy", "total_energy", "dissipation"):
        assert name in ds
    assert ds["kinetic_energy"].attrs["units"] == "J"
    assert ds["dissipation"].attrs["units"] == "W"
    s = summary_from_dataset(ds)
    assert s["n_samples"] == 1 and s["complete"] is True and s["wall_time_s"] == 1.5
    assert s["total_energy_drift_relative"] == 0.0


def test_summary_fields(llg_traj, tmp_path):
    ds = trajectory_to_dataset(llg_traj)
    s = summary_from_dataset(ds)
    assert s["model"] == "llg" and s["complete"] is True and s["status"] == "complete"
    assert s["n_samples"] == len(llg_traj.t) == 51
    assert s["t_final_s"] == pytest.approx(50e-12)
    np.testing.assert_allclose(s["final_m"], llg_traj.m[-1])
    assert s["m_norm_min"] == pytest.approx(1.0, abs=1e-12) and s["m_norm_max"] == pytest.approx(1.0, abs=1e-12)
    assert s["final_energy_J"] == pytest.approx(float(ds["energy"].values[-1]))
    assert s["wall_time_s"] >= 0 and s["integrator"] == "rkmk4" and s["steps"] == 500
    assert "total_energy_drift_relative" not in s  # plain LLG reports no total energy
    path = write_summary(s, tmp_path / "summary.json")
    assert json.loads(path.read_text()) == json.loads(json.dumps(s))


def test_summary_drift_and_nonfinite(tmp_path):
    kernel = phonon_kernel(1e22, 1e12, 0.5, 4e10)
    model = MemoryKernelLLG(hamiltonian(), kernel)
    ds = trajectory_to_dataset(synthetic(model, n=5), UNITS)
    e = ds["total_energy"].values
    s = summary_from_dataset(ds)
    assert s["complete"] is False and s["status"] == "interrupted"
    assert s["total_energy_drift_relative"] == pytest.approx((e[-1] - e[0]) / abs(e[0]))
    assert s["total_energy_max_deviation_relative"] == pytest.approx(np.max(np.abs(e - e[0])) / abs(e[0]))
    # non-finite values become null in strict JSON
    ds["energy"].values[-1] = np.nan
    s = summary_from_dataset(ds)
    assert s["final_energy_J"] is None
    s["extra"] = float("inf")
    text = write_summary(s, tmp_path / "s.json").read_text()
    assert json.loads(text)["extra"] is None
