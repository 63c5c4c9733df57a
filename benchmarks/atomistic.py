"""Atomistic LLG / iLLG throughput: spinertia vs Spirit vs plain numpy, measured in one invocation.

    python benchmarks/atomistic.py [--quick]

Model: benchmarks/REFERENCES.md (n x n periodic square lattice, exchange + Neel DMI + easy axis + Zeeman,
alpha = 0.1, dt = 1 fs).  All three engines use a two-evaluation second-order scheme: spinertia's fused
geometric Heun (Cayley retraction), Spirit's Depondt (rotation Heun) and numpy Heun.  The iLLG adds
on-site inertia eta = 10 fs (state doubles: spins and angular velocities).  Spin-steps per second =
sites x steps / wall seconds (best of repeats, compilation and setup excluded).  Ends with

    llg_speedup_vs_spirit_256: <x>
    illg_over_llg_cost_256: <y>
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_numpy as rn  # noqa: E402
import reference_spirit as rs  # noqa: E402
from bench_model import benchmark_system  # noqa: E402

from spinertia.dynamics import integrators as integ  # noqa: E402
from spinertia.dynamics.lattice_models import LatticeInertialLLG, LatticeLLG  # noqa: E402
from spinertia.units import ReducedUnits  # noqa: E402

DT = 1e-15
UNITS = ReducedUnits(1e-15)


def spinertia_rate(n, n_steps, inertial, repeats=3):
    fin = benchmark_system(n, eta=10e-15 if inertial else None).finalized(UNITS)
    model = LatticeInertialLLG(fin) if inertial else LatticeLLG(fin)
    y = model.initial_state(rn.to_flat(rn.initial_state(n)))
    adv = integ.local_heun(model.site_rhs, model.parallel)
    out = np.empty((1, y.size))
    h = UNITS.time(DT)

    def run(k):
        st, _ = adv(integ.no_noise, model.args, model.site_args, fin.n_sites, model.extra_block, 0.0, y, h, k, k,
                    out, 1e-2, 0)
        assert st == integ.OK

    run(2)  # compile
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(n_steps)
        best = min(best, time.perf_counter() - t0)
    state_bytes = y.nbytes / fin.n_sites
    # working arrays of the fused Heun: predictor state + stage derivatives (6 doubles per site)
    per_site = state_bytes * 2 + 6 * 8 + fin.memory_bytes_per_site()
    return {"rate": fin.n_sites * n_steps / best, "seconds": best, "bytes_per_site": per_site,
            "state_bytes_per_site": state_bytes}


def memory_bandwidth(n_bytes=256 * 2**20, repeats=3):
    """Copy bandwidth (read + write) in bytes/s of one large numpy copy."""
    a = np.ones(n_bytes // 8)
    b = np.empty_like(a)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t0)
    return 2 * a.nbytes / best


def traffic_per_spin_step(inertial):
    """Bytes moved per spin-step by the fused Heun when nothing stays in cache: stage 1 reads the state
    and writes predictor + stage derivatives; stage 2 reads predictor, derivatives and state and writes
    the state; plus the neighbour indices twice (4 x int32)."""
    s = 48 if inertial else 24  # state bytes per site
    return (s + s + 48) + (s + 48 + s + s) + 2 * 16


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer steps (smoke test)")
    args = p.parse_args(argv)
    import numba

    steps = {256: 40 if args.quick else 200, 1024: 4 if args.quick else 20}
    print(f"threads: numba {numba.get_num_threads()} ({numba.threading_layer() if hasattr(numba, 'threading_layer') else '?'}), "
          f"cores {os.cpu_count()}")
    bw = memory_bandwidth()
    print(f"memory copy bandwidth: {bw / 1e9:.1f} GB/s")
    results = {}
    for n in (256, 1024):
        r_llg = spinertia_rate(n, steps[n], inertial=False)
        r_illg = spinertia_rate(n, steps[n], inertial=True)
        results[n] = (r_llg, r_illg)
        for name, r, inert in (("LLG ", r_llg, False), ("iLLG", r_illg, True)):
            limit = bw / traffic_per_spin_step(inert)
            print(f"spinertia {name} n={n:5d}: {r['rate']:.3e} spin-steps/s  (DRAM-bound estimate "
                  f"{limit:.2e} at {traffic_per_spin_step(inert)} B/spin-step; memory {r['bytes_per_site']:.0f} "
                  f"B/spin, state {r['state_bytes_per_site']:.0f} B/spin)")
    ref = {}
    for n in (256, 1024):
        nr = rn.numpy_llg_rate(n, max(2, steps[n] // 4), method="heun", repeats=2)
        ref[("numpy", n)] = nr["spin_steps_per_s"]
        print(f"numpy     LLG  n={n:5d}: {nr['spin_steps_per_s']:.3e} spin-steps/s (Heun, single thread)")
    if rs.spirit_available():
        for n in (256, 1024):
            sr = rs.spirit_llg_rate(n, max(8, steps[n] // 2), solver="depondt")
            ref[("spirit", n)] = sr["spin_steps_per_s"]
            print(f"Spirit    LLG  n={n:5d}: {sr['spin_steps_per_s']:.3e} spin-steps/s (Depondt, {rs.spirit_version()}, "
                  "single thread)")
    else:
        print("Spirit not installed (pip install spirit): its column is skipped")
    print()
    print(f"{'n':>6} {'ours/numpy LLG':>15} {'ours/Spirit LLG':>16} {'iLLG/LLG cost':>14}")
    for n in (256, 1024):
        r_llg, r_illg = results[n]
        sp = ref.get(("spirit", n))
        print(f"{n:6d} {r_llg['rate'] / ref[('numpy', n)]:15.1f} "
              f"{(r_llg['rate'] / sp) if sp else float('nan'):16.1f} {r_llg['rate'] / r_illg['rate']:14.2f}")
    sp = ref.get(("spirit", 256))
    x = results[256][0]["rate"] / sp if sp else float("nan")
    y = results[256][0]["rate"] / results[256][1]["rate"]
    print(f"llg_speedup_vs_spirit_256: {x:.2f}")
    print(f"illg_over_llg_cost_256: {y:.2f}")


if __name__ == "__main__":
    main()
