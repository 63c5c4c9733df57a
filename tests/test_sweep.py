"""Parameter sweeps (spinertia.sweep, spinertia.parallel, ``spinertia sweep``): every point equals an individual
run bit for bit, executors agree, no point is lost to a killed worker or an interruption, and a bad --vary is
refused with the key named before anything runs."""
import functools
import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import spinertia as si
from spinertia.cli.main import main
from spinertia.errors import InputError
from spinertia.io.results import summary_from_dataset, trajectory_to_dataset
from spinertia.io.scenario import scenario_from_dict
from spinertia.io.validate import read_toml
from spinertia.parallel import LocalExecutor, SerialExecutor
from spinertia.sweep import make_grid, parse_key, parse_spec, parse_vary, set_key

SCENARIO = """
[units]
time = "1 ps"
[[system.zeeman]]
B = [0, 0, {Bz}]
[system.damping]
alpha = {alpha}
[system.inertia]
eta = "{eta}"
[model]
type = "illg"
[initial]
theta = "10 deg"
[run]
t_end = "10 ps"
dt = "5 fs"
integrator = "rkmk4"
output_every = "0.1 ps"
"""

#: variables that differ from run to run by their nature (wall-clock seconds)
CLOCK = {"wall_time_s", "point_seconds"}


@pytest.fixture
def scenario_file(tmp_path):
    p = tmp_path / "base.toml"
    p.write_text(SCENARIO.format(Bz=1.0, alpha=0.02, eta="1 ps"))
    return p


def same(a, b):
    """Two sweep datasets hold the same results (everything but the wall-clock seconds), bit for bit."""
    assert set(a.data_vars) == set(b.data_vars)
    for v in a.data_vars:
        if v not in CLOCK:
            assert a[v].equals(b[v]), v
    for c in a.coords:
        assert a[c].equals(b[c]), c


# ------------------------------------------------------------------------------------------------
# module-level functions run on the workers (picklable)
# ------------------------------------------------------------------------------------------------
def max_tilt(ds):
    """Reduce a run: largest polar angle (rad) and the time of it (s); plain numpy, no LAPACK."""
    th = np.arccos(np.clip(ds["m"].values[:, 2], -1, 1))
    k = int(np.argmax(th))
    return {"max_tilt": th[k], "max_tilt_time": ds["time"].values[k]}


def kill_once(ds, marker):
    """Kill the worker process running it, the first time only (marker file)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return max_tilt(ds)
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


def interrupt_at(ds, counter, k):
    """Ctrl-C (KeyboardInterrupt) during the k-th point of this process (counter file), then normal."""
    n = int(Path(counter).read_text()) if Path(counter).exists() else 0
    Path(counter).write_text(str(n + 1))
    if n + 1 == k:
        raise KeyboardInterrupt
    return max_tilt(ds)


def worker_threads(_):
    """Threads a worker runs: the package's compiled-loop threads and the BLAS/OpenMP environment."""
    from spinertia.numerics.jit import get_threads, max_threads

    return get_threads(), max_threads(), os.environ.get("OMP_NUM_THREADS"), os.environ.get("OPENBLAS_NUM_THREADS")


def fail_above(ds, limit):
    if float(json.loads(ds.attrs["scenario"])["system"]["damping"]["alpha"]) > limit:
        raise ValueError("alpha too large for this reduction")
    return max_tilt(ds)


# ------------------------------------------------------------------------------------------------
# specs and keys
# ------------------------------------------------------------------------------------------------
def test_specs_ranges_lists_csv(tmp_path):
    assert parse_spec("k", "0.01:0.05:5") == tuple(np.linspace(0.01, 0.05, 5))
    assert parse_spec("k", "log:1e-14:1e-12:3") == tuple(np.geomspace(1e-14, 1e-12, 3))
    assert parse_spec("k", "1 fs:3 fs:3") == ("1.0 fs", "2.0 fs", "3.0 fs")
    assert parse_spec("k", '["10 fs", "20 fs"]') == ("10 fs", "20 fs")
    assert parse_spec("k", "[10 fs, 20 fs, 3]") == ("10 fs", "20 fs", 3)
    assert parse_spec("k", "[0.1, 0.2]") == (0.1, 0.2)
    assert parse_spec("k", "0.5") == (0.5,)
    (tmp_path / "etas.csv").write_text("name,eta\na,1e-13\nb,2e-13\n\nc,4e-13\n")
    assert parse_spec("k", f"{tmp_path}/etas.csv:eta") == (1e-13, 2e-13, 4e-13)
    assert parse_spec("k", "etas.csv:1", base_dir=tmp_path) == (1e-13, 2e-13, 4e-13)
    assert parse_key("system.zeeman[0].B[2]") == ["system", "zeeman", 0, "B", 2]
    v = parse_vary("system.inertia.eta=log:1e-13:1e-12:4")
    assert v.key == "system.inertia.eta" and len(v.values) == 4


def test_set_key_patches_a_copy():
    raw = read_toml_text(SCENARIO.format(Bz=1.0, alpha=0.02, eta="1 ps"))
    out = set_key(raw, "system.zeeman[0].B[2]", 0.5)
    assert out["system"]["zeeman"][0]["B"] == [0, 0, 0.5] and raw["system"]["zeeman"][0]["B"] == [0, 0, 1.0]
    assert set_key(raw, "system.zeeman.B", [0, 0, 2.0])["system"]["zeeman"][0]["B"] == [0, 0, 2.0]
    assert set_key(raw, "model.temperature", "1 K")["model"]["temperature"] == "1 K"  # a key not set before
    with pytest.raises(InputError, match=r"system\.zeeman\[3\].*has 1 item"):
        set_key(raw, "system.zeeman[3].B", 1.0)
    with pytest.raises(InputError, match=r"run\.dt.*not a table"):
        set_key(raw, "run.dt.x", 1.0)


def read_toml_text(text):
    import tomllib

    return tomllib.loads(text)


@pytest.mark.parametrize("vary, pattern", [
    ("system.damping.alph=0.01:0.02:2", r"--vary system\.damping\.alph.*unknown key 'alph'.*did you mean 'alpha'"),
    ("system.damping.alpha=[a, b]", r"system\.damping\.alpha"),
    ("run.dt=[true]", r"--vary run\.dt"),
    ("system.inertia.eta=1:2:0", r"--vary system\.inertia\.eta: empty range"),
    ("system.inertia.eta=log:0:1e-12:3", r"--vary system\.inertia\.eta: a log range needs start and stop > 0"),
    ("system.inertia.eta=[]", r"--vary system\.inertia\.eta: empty list"),
    ("system.zeeman[2].B=[1]", r"--vary system\.zeeman\[2\]\.B: system\.zeeman has 1 item"),
    ("system..alpha=1", r"not a scenario key path"),
    ("missing.csv:eta", r"write KEY=SPEC"),
    ("system.inertia.eta=nofile.csv:eta", r"--vary system\.inertia\.eta: CSV file .* does not exist"),
])
def test_bad_vary_is_refused_naming_the_key_before_anything_runs(scenario_file, tmp_path, capsys, vary, pattern):
    out = tmp_path / "out"
    code = main(["sweep", str(scenario_file), "--vary", vary, "--out", str(out), "--executor", "serial",
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert __import__("re").search(pattern, err), err
    assert err.count("\n") == 1  # one line, no traceback
    assert not out.exists()  # nothing ran, nothing was written


def test_zip_needs_equal_lengths_and_a_point_error_names_its_key(scenario_file):
    with pytest.raises(InputError, match=r"--zip .*system\.inertia\.eta: 2, system\.damping\.alpha: 3"):
        make_grid(["system.inertia.eta=[1e-13, 2e-13]", "system.damping.alpha=[0.1, 0.2, 0.3]"], zip=True)
    with pytest.raises(InputError, match=r"--vary run\.dt = '1 ns': .*run\.t_end.*shorter.*\(point 1 of 2\)"):
        si.sweep(scenario_file, {"run.dt": ["1 fs", "1 ns"]}, executor="serial")


# ------------------------------------------------------------------------------------------------
# results
# ------------------------------------------------------------------------------------------------
def test_sweep_points_equal_individual_runs_bit_for_bit(scenario_file, tmp_path, capsys):
    out = tmp_path / "sw"
    code = main(["sweep", str(scenario_file), "--vary", "system.damping.alpha=0.01:0.03:2",
                 "--vary", 'system.inertia.eta=["0.5 ps", "2 ps"]', "--series", "m,energy", "--out", str(out),
                 "--executor", "serial", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    ds = xr.load_dataset(out / "sweep.nc", engine="h5netcdf")
    assert ds["final_m"].dims == ("system.damping.alpha", "system.inertia.eta", "component")
    assert ds["m"].dims == ("system.damping.alpha", "system.inertia.eta", "time", "component")
    np.testing.assert_array_equal(ds["system.inertia.eta"].values, [0.5e-12, 2e-12])
    assert ds["system.inertia.eta"].attrs["units"] == "s"
    assert bool(ds["ok"].all()) and ds.attrs["n_failed"] == 0
    for i, alpha in enumerate(ds["system.damping.alpha"].values):
        for j, eta in enumerate(["0.5 ps", "2 ps"]):
            # independent route: the same scenario written out and run with 'spinertia run'
            toml = tmp_path / f"p{i}{j}.toml"
            toml.write_text(SCENARIO.format(Bz=1.0, alpha=repr(float(alpha)), eta=eta))
            assert main(["run", str(toml), "--out", str(tmp_path / f"r{i}{j}"), "--no-progress"]) == 0
            summary = json.loads((tmp_path / f"r{i}{j}" / "summary.json").read_text())
            result = xr.load_dataset(tmp_path / f"r{i}{j}" / "result.nc", engine="h5netcdf")
            point = ds.isel({"system.damping.alpha": i, "system.inertia.eta": j})
            for key, value in summary.items():
                if key in point and key not in CLOCK:
                    got = point[key].values
                    assert (got.tolist() == value) if got.dtype.kind in "OUb" else np.array_equal(got, value), key
            np.testing.assert_array_equal(point["m"].values, result["m"].values)
            np.testing.assert_array_equal(point["energy"].values, result["energy"].values)
    capsys.readouterr()


def test_python_api_reduce_and_failures_recorded(scenario_file):
    raw = read_toml(scenario_file)
    ds = si.sweep(raw, {"system.damping.alpha": [0.01, 0.02, 0.05]}, executor="serial",
                  reduce=functools.partial(fail_above, limit=0.03))
    assert ds["ok"].values.tolist() == [True, True, False]
    assert "ValueError: alpha too large" in str(ds["error"].values[2])
    assert np.isnan(ds["max_tilt"].values[2]) and np.all(np.isfinite(ds["max_tilt"].values[:2]))
    assert ds.attrs["n_failed"] == 1
    # independent route for a point: build the scenario, run it, reduce it here
    sc = scenario_from_dict(set_key(raw, "system.damping.alpha", 0.02))
    run = trajectory_to_dataset(sc.simulate(progress=False), sc.units)
    assert ds["max_tilt"].values[1] == max_tilt(run)["max_tilt"]
    assert ds["final_energy_J"].values[1] == summary_from_dataset(run)["final_energy_J"]


def test_local_and_dask_executors_give_the_same_dataset(scenario_file):
    grid = {"system.inertia.eta": "log:2e-13:2e-12:3", "system.zeeman[0].B[2]": [0.5, 1.0]}
    serial = si.sweep(scenario_file, grid, executor="serial", reduce=max_tilt)
    with LocalExecutor(2) as ex:
        local = si.sweep(scenario_file, grid, executor=ex, reduce=max_tilt, target_seconds=0.05)
        assert ex.map(worker_threads, range(4)) == [(1, 1, "1", "1")] * 4  # one thread per worker
    same(serial, local)
    pytest.importorskip("distributed")
    from spinertia.parallel import DaskExecutor

    with DaskExecutor(workers=2) as ex:
        dask = si.sweep(scenario_file, grid, executor=ex, reduce=max_tilt)
        assert ex.map(worker_threads, range(4)) == [(1, 1, "1", "1")] * 4
    same(serial, dask)
    assert "LocalCluster" in dask.attrs["executor"]


def test_batches_carry_about_the_target_work():
    from spinertia.parallel import BatchSizer

    sizer = BatchSizer(target_seconds=1.0, n_workers=2)
    assert sizer.size(1000) == 1  # nothing measured yet: one point per task
    for _ in range(4):
        sizer.observe(0.05)
    assert sizer.size(1000) == 20  # 20 x 50 ms = 1 s
    assert sizer.size(30) == 7  # the tail still spreads over both workers (30 // 4)
    assert sizer.size(2) == 1
    out = list(SerialExecutor().imap_unordered(lambda x: x * x, [3, 4]))
    assert [(i, ok, v) for i, ok, v, _ in out] == [(0, True, 9), (1, True, 16)]


def test_a_killed_worker_loses_no_point(scenario_file, tmp_path):
    grid = {"system.damping.alpha": "0.01:0.05:6"}
    marker = tmp_path / "killed"
    with LocalExecutor(2) as ex:
        ds = si.sweep(scenario_file, grid, executor=ex, reduce=functools.partial(kill_once, marker=str(marker)))
    assert marker.exists()  # a worker was killed mid-sweep
    assert bool(ds["ok"].all()), ds["error"].values
    same(ds, si.sweep(scenario_file, grid, executor=SerialExecutor(),
                      reduce=functools.partial(kill_once, marker=str(marker))))


def test_resume_after_an_interrupted_sweep_runs_only_the_missing_points(scenario_file, tmp_path):
    grid = {"system.damping.alpha": "0.01:0.05:5"}
    out = tmp_path / "sw"
    reduce = functools.partial(interrupt_at, counter=str(tmp_path / "count"), k=3)
    with pytest.raises(KeyboardInterrupt):
        si.sweep(scenario_file, grid, executor="serial", reduce=reduce, out=out)
    partial = xr.load_dataset(out / "sweep.nc", engine="h5netcdf")
    assert partial["ok"].values.tolist() == [True, True, False, False, False]
    assert partial["error"].values[3] == "not run" and partial.attrs["interrupted"] == 1
    assert len(list((out / "points").glob("p*.nc"))) == 2
    with pytest.raises(InputError, match="cannot resume.*--vary keys or values"):
        si.sweep(scenario_file, {"system.damping.alpha": "0.01:0.05:4"}, executor="serial", reduce=reduce, out=out,
                 resume=True)
    resumed = si.sweep(scenario_file, grid, executor="serial", reduce=reduce, out=out, resume=True)
    assert resumed.attrs["n_computed"] == 3
    assert int((tmp_path / "count").read_text()) == 2 + 1 + 3  # no finished point ran again
    full = si.sweep(scenario_file, grid, executor="serial", reduce=max_tilt)
    same(resumed.drop_vars("warnings"), full.drop_vars("warnings"))
    same(xr.load_dataset(out / "sweep.nc", engine="h5netcdf"), resumed)


def test_cli_zip_resume_and_progress(scenario_file, tmp_path, capsys):
    out = tmp_path / "z"
    args = ["sweep", str(scenario_file), "--vary", "system.damping.alpha=[0.01, 0.02]",
            "--vary", "system.inertia.eta=[1e-12, 2e-12]", "--zip", "--out", str(out), "--executor", "serial"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "2/2" in captured.err  # the progress bar counts points
    ds = xr.load_dataset(out / "sweep.nc", engine="h5netcdf")
    assert ds["final_energy_J"].dims == ("point",)
    assert ds["system.inertia.eta"].values.tolist() == [1e-12, 2e-12]
    assert main(args + ["--resume", "--no-progress"]) == 0
    assert "0 computed now" in capsys.readouterr().out


def test_a_function_defined_in_main_runs_on_spawned_workers():
    """A reduce function typed into a notebook or ``python -c`` (module ``__main__`` with no file) pickles by
    reference but does not exist in a spawned worker: it travels by value (cloudpickle) and runs there."""
    import subprocess
    import sys

    code = ("from spinertia.parallel import LocalExecutor\n"
            "def square(x):\n"
            "    return x * x\n"
            "ex = LocalExecutor(workers=1)\n"
            "try:\n"
            "    out = sorted((i, ok, v) for i, ok, v, _ in ex.imap_unordered(square, [1, 2, 3]))\n"
            "finally:\n"
            "    ex.close()\n"
            "print(out)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[(0, True, 1), (1, True, 4), (2, True, 9)]"
