"""Atomistic LLG / iLLG throughput: spinertia vs Spirit vs plain numpy, on a quiet and on a shared machine.

    python benchmarks/atomistic.py [--smoke]

Model: benchmarks/REFERENCES.md (n x n periodic square lattice, exchange + Neel DMI + easy axis + Zeeman,
alpha = 0.1, dt = 1 fs).  Every engine uses a two-evaluation second-order scheme: spinertia's geometric Heun
(fused with the site-local right-hand side), Spirit's Depondt, Heun and SIB solvers, numpy Heun.  The iLLG
adds on-site inertia eta = 10 fs.  Spin-steps per second = sites x steps / wall seconds of a timed run, the
median of interleaved repeats (compilation and set-up excluded; Spirit's per-call set-up included).

spinertia runs with the thread choice a user gets (threads chosen at run time, ``auto``) and pinned to one
thread (``1 thread``).  The contended measurement starts a busy process of its own that keeps one core
occupied, and measures both again.  The last lines are

    llg_contended_over_serial_256: <auto with one core busy / one thread with one core busy>
    llg_speedup_vs_spirit_256: <auto / fastest Spirit solver, quiet>
    illg_over_llg_cost_256: <LLG rate / iLLG rate, quiet>
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_numpy as rn  # noqa: E402
import reference_spirit as rs  # noqa: E402
from bench_model import benchmark_system  # noqa: E402
from timing import busy_neighbour, interleaved_medians, timed  # noqa: E402

from spinertia.dynamics.models import LLG, InertialLLG  # noqa: E402
from spinertia.dynamics.stepper import Stepper  # noqa: E402
from spinertia.numerics.jit import max_threads  # noqa: E402
from spinertia.units import ReducedUnits  # noqa: E402

DT = 1e-15
UNITS = ReducedUnits(1e-15)
SPIRIT_SOLVERS = ("depondt", "heun", "sib")


def spinertia_runner(n, n_steps, inertial, threads=None):
    """fn() -> seconds of n_steps fused-Heun steps; the stepper keeps its state (and thread tuning) across calls."""
    fin = benchmark_system(n, eta=10e-15 if inertial else None).finalized(UNITS)
    model = InertialLLG(fin) if inertial else LLG(fin)
    st = Stepper(model, model.initial_state(rn.to_flat(rn.initial_state(n)).reshape(-1, 3)), DT, method="heun",
                 threads=threads)
    st.warm_up()
    st.advance(2)  # each thread candidate once (the tuner measures them)
    st.advance(2)
    return lambda: timed(lambda: st.advance(n_steps)), fin


def spirit_runner(n, n_steps, solver):
    sysm = rs.SpiritSystem(n)
    sysm.set_spins(rn.to_flat(rn.initial_state(n)))
    sysm.run(solver, 2)
    return (lambda: sysm.run(solver, n_steps)[0]), sysm


def memory_bandwidth(n_bytes=256 * 2**20, repeats=3):
    """Copy bandwidth (read + write) in bytes/s of one large numpy copy."""
    a = np.ones(n_bytes // 8)
    b = np.empty_like(a)
    best = min(timed(lambda: np.copyto(b, a)) for _ in range(repeats))
    return 2 * a.nbytes / best


def traffic_per_spin_step(inertial):
    """Bytes moved per spin-step by the fused Heun when nothing stays in cache: stage 1 reads the state and
    writes predictor + stage derivatives; stage 2 reads predictor, derivatives and state and writes the state;
    plus the neighbour indices twice (4 x int32)."""
    s = 48 if inertial else 24  # state bytes per site
    return (s + s + 48) + (s + 48 + s + s) + 2 * 16


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat: checks that the benchmark runs")
    args = p.parse_args(argv)
    sizes = (32,) if args.smoke else (256, 1024)
    steps = {32: 4, 256: 100, 1024: 8}
    repeats = 1 if args.smoke else 5
    n0 = sizes[0]
    print(f"threads: up to {max_threads()}, cores {os.cpu_count()}; median of {repeats} interleaved repeats")
    bw = memory_bandwidth(16 * 2**20 if args.smoke else 256 * 2**20)
    print(f"memory copy bandwidth: {bw / 1e9:.1f} GB/s")
    rates = {}
    spirit = rs.spirit_available()
    for n in sizes:
        k = steps[n]
        runners, keep = {}, []
        for name, inertial, threads in (("LLG auto", False, None), ("LLG 1 thread", False, 1),
                                        ("iLLG auto", True, None)):
            fn, _ = spinertia_runner(n, k, inertial, threads)
            runners[name] = fn
        nk = max(2, k // 4)
        runners["numpy Heun"] = lambda n=n, nk=nk: rn.numpy_llg_rate(n, nk, method="heun", warmup=0, repeats=1)["seconds"] * k / nk
        if spirit:
            for solver in SPIRIT_SOLVERS:
                fn, sysm = spirit_runner(n, k, solver)
                keep.append(sysm)
                runners[f"Spirit {solver}"] = fn
        med = interleaved_medians(runners, repeats)
        for sysm in keep:
            sysm.close()
        for name, sec in med.items():
            rates[(name, n)] = n * n * k / sec
        if n == n0:  # the shared-machine measurement
            with busy_neighbour():
                cont = interleaved_medians({"LLG auto": runners["LLG auto"], "LLG 1 thread": runners["LLG 1 thread"]},
                                           repeats)
            for name, sec in cont.items():
                rates[(name + ", one core busy", n)] = n * n * k / sec
        for (name, m), r in sorted(rates.items(), key=lambda x: (x[0][1], x[0][0])):
            if m == n:
                extra = ""
                if name.startswith("LLG auto") or name.startswith("iLLG auto"):
                    inert = name.startswith("iLLG")
                    extra = f"  (DRAM-traffic bound {bw / traffic_per_spin_step(inert):.2e})"
                print(f"n={n:5d}  {name:<28s} {r:.3e} spin-steps/s{extra}")
        if not spirit:
            print("Spirit not installed (pip install '.[bench]'): its column is skipped")
    best_spirit = max((rates[(f"Spirit {s}", n0)] for s in SPIRIT_SOLVERS if (f"Spirit {s}", n0) in rates),
                      default=float("nan"))
    print()
    z = rates[("LLG auto, one core busy", n0)] / rates[("LLG 1 thread, one core busy", n0)]
    print(f"llg_contended_over_serial_{n0}: {z:.2f}")
    print(f"llg_speedup_vs_spirit_{n0}: {rates[('LLG auto', n0)] / best_spirit:.2f}")
    print(f"illg_over_llg_cost_{n0}: {rates[('LLG auto', n0)] / rates[('iLLG auto', n0)]:.2f}")


if __name__ == "__main__":
    main()
