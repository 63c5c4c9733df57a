"""Cost per step of the memory-kernel LLG: auxiliary variables (O(1) per step) vs direct convolution
(O(history) per step, O(n^2) in total).

Run:  python benchmarks/memory_kernel.py [--smoke]   (< 3 min on 2 cores; --smoke: seconds, run by the tests)

Both methods integrate the same case (omega0 = 1 along z, phonon kernel V0^2 = 5, Omega0 = 20,
Z = 0.5, Gamma = 2, alpha = 0.02, m0 at 45 degrees, dt = 0.005) with 4th-order fixed-step schemes:

* aux:    the compiled RK4 loop of spinertia.dynamics.integrators with the model's right-hand side (state m +
          6 per kernel term);
* direct: spinertia.dynamics.convolution.advance_direct (RK4 + Simpson over the full stored history,
          never truncated).

Timings are of the compiled loops only (compiled beforehand), best of k repeats.  Both loops are
single-threaded, so the primary time is the CPU time of the calling thread (``time.thread_time``):
on an idle machine it equals the wall time, and on a shared machine it is not inflated by other
processes.  The best wall time is printed next to it.  The direct cost at 1e5 steps is measured if
the fitted power law T(n) = a n^p predicts < 60 s, otherwise extrapolated (and said so).  The last
line is ``speedup_at_1e5_steps: <T_direct(1e5) / T_aux(1e5)>`` (CPU times).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

from spinertia.dynamics import integrators as integ
from spinertia.dynamics.convolution import DirectWorkspace, advance_direct
from spinertia.dynamics.kernels import phonon_kernel
from spinertia.dynamics.models import MemoryKernelLLG
from spinertia.lattice.macrospin import Macrospin
from spinertia.units import ReducedUnits

DT = 0.005
NORM_TOL = 1e-2
AUX_STEPS = (1_000, 10_000, 100_000, 1_000_000)
DIRECT_STEPS = (1_000, 3_000, 10_000, 30_000)
TARGET = 100_000
DIRECT_MEASURE_LIMIT_S = 60.0


def build_model():
    ms = Macrospin().add_zeeman(omega=[0.0, 0.0, 1.0])
    ms.set_damping(0.02)
    kernel = phonon_kernel(V0_sq=5.0, Omega0=20.0, Z=0.5, Gamma=2.0)
    return MemoryKernelLLG(ms.finalized(ReducedUnits(1.0)), kernel, kernel_sign="passive")


def best_of(fn, k):
    """(best thread-CPU time, best wall time) over k runs of fn()."""
    best_cpu = best_wall = math.inf
    for _ in range(k):
        c0, w0 = time.thread_time(), time.perf_counter()
        fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.thread_time() - c0)
    return best_cpu, best_wall


def time_aux(model, y0, n, k):
    sphere = np.asarray(model.sphere_blocks, dtype=np.int64)
    out = np.empty((1, model.state_size))
    advance = integ.compiled("rk4", model.rhs[0], model.noise[0])
    W = np.empty((integ.WORK_ROWS["rk4"], model.state_size))

    def run():
        y = y0.copy()
        st, done = advance(model.args, sphere, 0.0, y, DT, n, n, 0, out, NORM_TOL, 0, W, np.empty(0))
        if st != 0 or done != n:
            raise RuntimeError(f"aux run failed: status {st} after {done} steps")

    return best_of(run, k), out[0, 0:3].copy()


def time_direct(ws, n, k):
    out = np.empty((1, 3))

    def run():
        st, done = advance_direct(*ws.arrays, 0, n, DT, n, out, NORM_TOL)
        if st != 0 or done != n:
            raise RuntimeError(f"direct run failed: status {st} after {done} steps")

    return best_of(run, k), out[0].copy()


def main(argv=None):
    global AUX_STEPS, DIRECT_STEPS, TARGET
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="small step counts: checks that the benchmark runs")
    if p.parse_args(argv).smoke:
        AUX_STEPS, DIRECT_STEPS, TARGET = (1_000, 3_000), (300, 1_000, 3_000), 3_000
    wall0 = time.perf_counter()
    model = build_model()
    m0 = np.array([math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4)])
    y0 = model.initial_state(m0)
    ws = DirectWorkspace.create(model, m0, DT, TARGET)  # room for the 1e5-step run; smaller runs reuse it

    # warm-up: compile both compiled loops (or load them from the numba cache)
    t0 = time.perf_counter()
    time_aux(model, y0, 10, 1)
    time_direct(ws, 10, 1)
    compile_s = time.perf_counter() - t0

    print("memory-kernel LLG: cost per step, auxiliary variables vs direct convolution")
    print(f"case: omega0 = 1 (z), phonon kernel V0^2=5 Omega0=20 Z=0.5 Gamma=2 (1 term), alpha = 0.02, "
          f"m0 at 45 deg, dt = {DT}")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, cpus {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}, warm-up/compile {compile_s:.2f} s")
    print("times: best of k; 'cpu' = thread CPU time (primary), 'wall' = wall-clock time")
    print()

    aux, aux_wall, direct, direct_wall, rep_aux, rep_dir = {}, {}, {}, {}, {}, {}
    for n in AUX_STEPS:
        rep_aux[n] = 7 if n <= 100_000 else 3
        (aux[n], aux_wall[n]), _ = time_aux(model, y0, n, rep_aux[n])
    for n in DIRECT_STEPS:
        rep_dir[n] = 3
        (direct[n], direct_wall[n]), _ = time_direct(ws, n, rep_dir[n])

    # the two methods follow the same trajectory (sanity check at the largest common step count)
    n_chk = DIRECT_STEPS[-1]
    _, m_a = time_aux(model, y0, n_chk, 1)
    _, m_d = time_direct(ws, n_chk, 1)
    agree = float(np.linalg.norm(m_a - m_d))

    # power-law fit T = a n^p of the direct method on its measured points
    ns = np.array(DIRECT_STEPS, dtype=float)
    ts = np.array([direct[n] for n in DIRECT_STEPS])
    p, log_a = np.polyfit(np.log(ns), np.log(ts), 1)
    p_hi = math.log(ts[-1] / ts[-2]) / math.log(ns[-1] / ns[-2])
    predicted = math.exp(log_a) * TARGET**p

    if predicted < DIRECT_MEASURE_LIMIT_S:
        rep_dir[TARGET] = 1
        (direct[TARGET], direct_wall[TARGET]), _ = time_direct(ws, TARGET, 1)
        direct_target_kind = "measured"
        t_direct_target = direct[TARGET]
    else:
        direct_target_kind = "extrapolated"
        t_direct_target = predicted

    aux_per_step = {n: aux[n] / n for n in AUX_STEPS}
    print("auxiliary variables (compiled RK4, O(1) per step):")
    print(f"  {'steps':>9}  {'best of':>7}  {'cpu [s]':>10}  {'wall [s]':>10}  {'per step [ns]':>14}")
    for n in AUX_STEPS:
        print(f"  {n:>9d}  {rep_aux[n]:>7d}  {aux[n]:>10.5f}  {aux_wall[n]:>10.5f}  {1e9 * aux_per_step[n]:>14.1f}")
    spread = max(aux_per_step.values()) / min(aux_per_step.values())
    print(f"  per-step cost max/min over 1e3..1e6 steps: {spread:.2f} (flat: O(1) per step)")
    print()
    print("direct convolution (RK4 + Simpson over the full history, O(n) per step):")
    print(f"  {'steps':>9}  {'best of':>7}  {'cpu [s]':>10}  {'wall [s]':>10}  {'per step [ns]':>14}  "
          f"{'per step / aux':>14}")
    for n in sorted(direct):
        ratio = (direct[n] / n) / aux_per_step.get(n, aux_per_step[AUX_STEPS[-1]])
        note = "" if n in aux else f"   (aux per step from its {AUX_STEPS[-1]}-step run)"
        print(f"  {n:>9d}  {rep_dir[n]:>7d}  {direct[n]:>10.5f}  {direct_wall[n]:>10.5f}  "
              f"{1e9 * direct[n] / n:>14.1f}  {ratio:>14.1f}{note}")
    print("  (per step / aux = total / aux at equal step counts)")
    print(f"  fitted T(n) = a n^p on n = {list(DIRECT_STEPS)}: p = {p:.3f} (local slope between the two largest: "
          f"{p_hi:.3f}), a = {math.exp(log_a):.3e} s")
    print(f"  fit prediction at n = {TARGET}: {predicted:.3f} s")
    if direct_target_kind == "measured":
        print(f"  n = {TARGET} MEASURED (prediction < {DIRECT_MEASURE_LIMIT_S:.0f} s, so it was run): "
              f"{direct[TARGET]:.3f} s; fit error {100 * (predicted / direct[TARGET] - 1):+.1f} %")
    else:
        print(f"  n = {TARGET} EXTRAPOLATED from the fit (p = {p:.3f}); not run because the prediction exceeds "
              f"{DIRECT_MEASURE_LIMIT_S:.0f} s")
    print()
    print(f"|m_aux - m_direct| after {n_chk} steps (t = {n_chk * DT:g}): {agree:.2e}")
    print("note: the direct method keeps the whole history; truncating it where chi has decayed would make it "
          "O(window) per step, but it is a reference solver, not a production method")
    speedup = t_direct_target / aux[TARGET]
    print(f"total CPU time for {TARGET} steps: aux {aux[TARGET]:.4f} s (measured), direct {t_direct_target:.3f} s "
          f"({direct_target_kind}); wall-clock ratio "
          + (f"{direct_wall[TARGET] / aux_wall[TARGET]:.1f}" if TARGET in direct_wall else "n/a")
          + f"; target speedup >= 100: {'met' if speedup >= 100 else 'NOT met'}")
    print(f"benchmark wall time {time.perf_counter() - wall0:.1f} s")
    print(f"speedup_at_{TARGET:.0e}_steps: {speedup:.1f}".replace("e+0", "e"))


if __name__ == "__main__":
    main()
