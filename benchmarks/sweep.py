"""Parameter sweeps on worker processes: serial vs the local executor vs a Dask LocalCluster, in one run.

Run:  python benchmarks/sweep.py [--smoke]   (~3 min on 2 cores; --smoke: seconds, run by the tests)

Workload: N_POINTS short macrospin iLLG runs (1 T along z, alpha = 0.01, m tilted 10 deg at rest, rkmk4,
dt = 1 fs, 20 ps, output every 20 fs), eta log-spaced from 0.1 to 1 ps, each reduced on its worker to the
nutation frequency and lifetime (matrix-pencil fit of theta(t), :func:`spinertia.analysis.nutation.fit_nutation`):
a nutation frequency vs eta curve, checked against the closed-form iLLG roots (:func:`spinertia.analysis.modes`;
theta(t) oscillates at the nutation frequency seen from the precessing frame).

* serial: ``spinertia.sweep(..., executor="serial")`` in this process;
* local: :class:`spinertia.parallel.LocalExecutor` with one worker per core;
* dask: :class:`spinertia.parallel.DaskExecutor` on a LocalCluster, one one-thread worker per core (skipped when
  Dask distributed is not installed).

The executors are started and warmed (every worker has loaded the compiled code) before timing: their start-up
is reported on its own.  The three are timed in turn, REPEATS times (interleaved), and the medians compared.
Per-task overhead: TRIVIAL tasks of no work, one item per task, (wall x workers) / tasks.

Last line: ``sweep_parallel_efficiency: <x>`` = best parallel throughput / (serial throughput x cores).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

# the serial reference runs on one core too: one BLAS/compiled-loop thread, as in every worker (set before numpy)
os.environ.update({k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")})

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import interleaved_medians  # noqa: E402

import spinertia as si  # noqa: E402
from spinertia.parallel import LocalExecutor, SerialExecutor  # noqa: E402

N_POINTS, REPEATS, TRIVIAL, T_END = 200, 3, 400, "20 ps"

SCENARIO = {
    "units": {"time": "1 ps"},
    "system": {"zeeman": [{"B": [0.0, 0.0, 1.0]}], "damping": {"alpha": 0.01}, "inertia": {"eta": "1 ps"}},
    "model": {"type": "illg"},
    "initial": {"theta": "10 deg"},
    "run": {"t_end": T_END, "dt": "1 fs", "integrator": "rkmk4", "output_every": "20 fs"},
}


def nutation(ds):
    """Reduce one run on its worker: nutation angular frequency (rad/s) and amplitude lifetime (s)."""
    import json

    from spinertia.analysis.nutation import fit_nutation, polar_angle

    eta = float(json.loads(ds.attrs["scenario"])["system"]["inertia"]["eta"])
    fit = fit_nutation(ds["time"].values, polar_angle(ds["m"].values), 0.3 / eta)
    return {"nutation_omega": fit.frequency,
            "nutation_lifetime": 1.0 / fit.decay_rate if fit.decay_rate > 0 else np.inf}


def _noop(item):
    return item


def main(argv=None):
    global N_POINTS, REPEATS, TRIVIAL
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="few short runs: checks that the benchmark runs")
    if p.parse_args(argv).smoke:
        N_POINTS, REPEATS, TRIVIAL = 8, 1, 20
        SCENARIO["run"]["t_end"] = "3 ps"
    load0 = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    grid = {"system.inertia.eta": f"log:1e-13:1e-12:{N_POINTS}"}
    try:
        import distributed  # noqa: F401
        have_dask = True
    except ImportError:
        have_dask = False
    print(f"sweep benchmark: {N_POINTS} macrospin iLLG runs ({SCENARIO['run']['t_end']}, dt 1 fs, rkmk4), "
          f"nutation fit on the worker; {cores} cores, repeats {REPEATS} (medians, interleaved)")

    serial = SerialExecutor()
    run = lambda ex: si.sweep(SCENARIO, grid, executor=ex, reduce=nutation)  # noqa: E731
    si.sweep(SCENARIO, {"system.inertia.eta": [1e-13]}, executor=serial, reduce=nutation)  # warm

    executors = {"serial": serial}
    startup = {}
    t0 = time.perf_counter()
    executors["local"] = LocalExecutor(cores)
    executors["local"].map(_noop, range(2 * cores), target_seconds=0)
    startup["local"] = time.perf_counter() - t0
    if have_dask:
        from spinertia.parallel import DaskExecutor

        t0 = time.perf_counter()
        executors["dask"] = DaskExecutor(workers=cores)
        executors["dask"].map(_noop, range(2 * cores), target_seconds=0)
        startup["dask"] = time.perf_counter() - t0
    warm = {"system.inertia.eta": list(np.geomspace(1e-13, 1e-12, 2 * cores))}
    for name in ("local", "dask"):
        if name in executors:  # every worker loads the compiled code once
            si.sweep(SCENARIO, warm, executor=executors[name], reduce=nutation, target_seconds=0)

    results = {}

    def timed(name):
        def fn():
            t0 = time.perf_counter()
            results[name] = run(executors[name])
            return time.perf_counter() - t0
        return fn

    wall = interleaved_medians({name: timed(name) for name in executors}, REPEATS)

    overhead = {}
    for name in ("local", "dask"):
        if name in executors:
            ex = executors[name]
            t0 = time.perf_counter()
            list(ex.imap_unordered(_noop, range(TRIVIAL), target_seconds=0))
            overhead[name] = (time.perf_counter() - t0) * ex.n_workers / TRIVIAL
    for ex in executors.values():
        ex.close()

    ref = results["serial"]
    for name, ds in results.items():
        assert int(ds.attrs["n_failed"]) == 0, (name, ds["error"].values)
        for v in ("final_energy_J", "final_m", "total_energy_drift_relative"):  # the runs: bit for bit
            assert np.array_equal(ds[v].values, ref[v].values), (name, v)
        # the fit uses LAPACK, whose rounding depends on its thread count (one per worker)
        assert np.allclose(ds["nutation_omega"].values, ref["nutation_omega"].values, rtol=1e-9), name
    eta = ref["system.inertia.eta"].values
    from spinertia.analysis.modes import macrospin_modes

    from spinertia.analysis.nutation import precessing_frame_frequency

    modes = [macrospin_modes("illg", 1.0, alpha=0.01, eta=e) for e in eta]
    # theta(t) oscillates at the nutation frequency seen from the precessing frame
    closed = np.array([precessing_frame_frequency(m["nutation"].real, m["precession"].real).real for m in modes])
    err = np.max(np.abs(ref["nutation_omega"].values / closed - 1))
    compute = float(np.sum(ref["point_seconds"].values))

    print()
    print(f"nutation frequency vs eta: {eta[0]:.3g} s -> {ref['nutation_omega'].values[0] / 2e12 / math.pi:.4g} THz, "
          f"{eta[-1]:.3g} s -> {ref['nutation_omega'].values[-1] / 2e12 / math.pi:.4g} THz; "
          f"max |fit / closed-form iLLG root - 1| = {err:.2e}")
    print(f"compute per point (serial, on the worker): {1e3 * compute / N_POINTS:.1f} ms")
    medians = {name: 1e3 * float(np.median(ds["point_seconds"].values)) for name, ds in results.items()}
    print("median compute per point on the workers: "
          + ", ".join(f"{name} {ms:.1f} ms" for name, ms in medians.items())
          + (" (more than serial: the workers did not get a core each)"
             if max(medians.values()) > 1.15 * medians.get("serial", float("inf")) else ""))
    print(f"load average (1 min) before / after: {load0:.2f} / {os.getloadavg()[0]:.2f} on {cores} cores")
    print(f"{'executor':>8}  {'workers':>7}  {'wall [s]':>9}  {'points/s':>9}  {'speedup':>8}  {'efficiency':>10}  "
          f"{'start-up [s]':>12}  {'overhead/task [ms]':>18}")
    best = 0.0
    for name in executors:
        n = 1 if name == "serial" else cores
        thr = N_POINTS / wall[name]
        speed = wall["serial"] / wall[name]
        eff = speed / n
        if name != "serial":
            best = max(best, eff)
        print(f"{name:>8}  {n:>7d}  {wall[name]:>9.3f}  {thr:>9.2f}  {speed:>8.2f}  {eff:>10.2f}  "
              f"{startup.get(name, 0.0):>12.2f}  "
              f"{(f'{1e3 * overhead[name]:.2f}' if name in overhead else '-'):>18}")
    if not have_dask:
        print("dask: not installed (pip install 'dask[distributed]'), skipped")
    print(f"sweep_overhead_per_task_ms_local: {1e3 * overhead['local']:.2f}")
    if "dask" in overhead:
        print(f"sweep_overhead_per_task_ms_dask: {1e3 * overhead['dask']:.2f}")
    print(f"sweep_parallel_efficiency: {best:.3f}")


if __name__ == "__main__":
    main()
