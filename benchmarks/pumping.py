"""Coupled pumping simulation of Xu et al. 2023, Sec. V: seconds per pump period, RGF vs a dense inverse.

Run:  python benchmarks/pumping.py            (~15-25 minutes on a quiet 2-core machine: timing, the time-step
                                             convergence study over 10 periods, dense-inverse steps)
      python benchmarks/pumping.py --smoke    (about a minute: a few RK4 steps of the 40 x 40 run, the dense
                                             inverse on 16 x 16 scaled to 40 x 40 by n_orb^3, no convergence study)

System: the seed's 40 x 40 open square lattice, Eq. 38 spins (LLG, alpha = 0.4, S = 1), electrons with
on-site 4t + 2 sigma . m_i, E_F = 1.9, gates V = 0.8 cos(w t), 0.8 cos(w t + pi/2) on columns 0 and 4,
w_p = 1 (period T = 2 pi hbar/J_ex), broadening eta = 1/4pi (spinertia.reproduce.xu2023_pumping.parameters),
RK4 with T/32 steps (four electron solves per step).  Convergence (issue 13): halving dt changes the skyrmion
centre after 10 periods by < 1e-3 a and the charge pumped into the right lead in the last period by < 1e-4
relative.  The dense implementation inverts the whole 3200 x 3200 matrix E_F + i eta - H - Sigma at every
stage (spinertia.coupled.reference.dense_solver), timed on one RK4 step in the same run.

The last line is ``seconds_per_pump_period: <number>`` (RGF, the faster of one thread and two threads for the
column and row chains; on a shared machine the second thread often finds no free core).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")

import numpy as np  # noqa: E402

from spinertia.coupled import ElectronCoupling, run_coupled  # noqa: E402
from spinertia.coupled.reference import dense_solver  # noqa: E402
from spinertia.electrons import ElectronUnits  # noqa: E402
from spinertia.reproduce import xu2023_pumping as xp  # noqa: E402


def periods_run(P, sk, periods, n, threads):
    """Wall seconds per period of a coupled run (and the run)."""
    model, c, y0 = xp.coupled_case(P, sk, threads=threads)
    T = 2 * math.pi
    tu = P["t_unit"]
    run_coupled(model, y0, c, T / n * tu, T / n * tu, T / n * tu)  # compile / warm-up outside the timing
    model, c, y0 = xp.coupled_case(P, sk, threads=threads)
    w, cpu = time.perf_counter(), time.process_time()
    res = run_coupled(model, y0, c, periods * T * tu, T / n * tu, T / 16 * tu)
    wall, cpu = time.perf_counter() - w, time.process_time() - cpu
    return wall / periods, cpu / periods, res, c


def dense_step_seconds(P, sk, L=None):
    """Wall seconds of one RK4 step (four dense solves) on an L x L system (default 40)."""
    Pd = dict(P)
    if L is not None:
        Pd["L"] = L
        from spinertia.lattice import textures as tx

        model = xp.spin_model(Pd)
        sk = tx.skyrmion(model.system, None, L / 4 * P["a"], polarity=-1, helicity=np.pi / 2)
    model = xp.spin_model(Pd)
    sol = xp.electrons(Pd, sk)
    c = ElectronCoupling(dense_solver(sol.fsys, sol.E, broadening=sol.eta), model.system,
                         ElectronUnits(P["hopping_eV"]))
    T = 2 * math.pi
    dt = T / P["steps_per_period"] * P["t_unit"]
    w = time.perf_counter()
    run_coupled(model, model.initial_state(sk), c, dt, dt, dt)
    return (time.perf_counter() - w) / 1.0, c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="a few steps; dense on 16 x 16 scaled; no convergence study")
    ap.add_argument("--periods", type=int, default=2, help="periods of the timed run (full mode)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    P = xp.parameters()
    n = P["steps_per_period"]
    sk = xp.relaxed_skyrmion(P)
    print(f"# 40 x 40, w_p = 1, V = 0.8, eta = {P['broadening']:.4f}, RK4 T/{n}; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    solver = xp.electrons(P, sk)
    solver.solve(0.1, sk)
    for threads in (1, 2):
        solver.threads = threads
        ts = []
        for i in range(3 if args.smoke else 10):
            w = time.perf_counter()
            solver.solve(0.3 + 0.01 * i, sk)
            ts.append(time.perf_counter() - w)
        print(f"electron solve (gate-column form, eta > 0), threads={threads}: median {np.median(ts) * 1e3:.1f} ms, "
              f"min {min(ts) * 1e3:.1f} ms")
    lit = xp.electrons(P, sk, broadening=0.0)
    lit.solve(0.1, sk)
    ts = []
    for i in range(3 if args.smoke else 10):
        w = time.perf_counter()
        lit.solve(0.3 + 0.01 * i, sk)
        ts.append(time.perf_counter() - w)
    print(f"electron solve (scattering-state form, eta = 0), threads=1: median {np.median(ts) * 1e3:.1f} ms")
    periods = 2.0 / n if args.smoke else float(args.periods)  # smoke: two steps
    sec = {}
    for threads in (1, 2):
        sec[threads], cpu, res, c = periods_run(P, sk, periods, n, threads)
        print(f"coupled run, threads={threads}: {sec[threads]:.2f} s per pump period wall, {cpu:.2f} s CPU "
              f"({sec[threads] / (4 * n) * 1e3:.1f} ms per stage; electron solves "
              f"{c.solve_seconds / max(c.calls, 1) * 1e3:.1f} ms each); 100 periods: {100 * sec[threads] / 60:.1f} min "
              f"(load average {os.getloadavg()[0]:.2f})")
    if args.smoke:
        t16, _ = dense_step_seconds(P, sk, L=16)
        scale = (40 / 16) ** 6  # n_orb^3
        dense = t16 * scale * n
        print(f"dense inverse: one RK4 step on 16 x 16 {t16:.2f} s; x (40/16)^6 -> {dense:.0f} s per pump period "
              "on 40 x 40 (smoke: extrapolated)")
        print("convergence: not measured in smoke mode (full mode: 10 periods at T/32 and T/64)")
    else:
        tstep, _ = dense_step_seconds(P, sk)
        dense = tstep * n
        print(f"dense inverse (3200 x 3200 at every stage): one RK4 step {tstep:.1f} s -> {dense:.0f} s per period "
              f"({dense / min(sec.values()):.0f} x the RGF)")
        T = 2 * math.pi
        res_a = xp.coupled(P, sk, 10, n=n)
        res_b = xp.coupled(P, sk, 10, n=2 * n)
        _, xa, ya = xp.centre_track(res_a, P)
        _, xb, yb = xp.centre_track(res_b, P)
        dc = float(np.hypot(xa[-1] - xb[-1], ya[-1] - yb[-1]))
        tu = P["t_unit"]
        qa = xp.charge_per_period(res_a.records["time_s"] / tu, res_a.records["current"][:, 1] * tu, T)  # particles
        qb = xp.charge_per_period(res_b.records["time_s"] / tu, res_b.records["current"][:, 1] * tu, T)
        print(f"convergence (T/{n} vs T/{2 * n}, 10 periods): centre {dc:.2e} a (target < 1e-3), charge pumped into R "
              f"in the last period {qa:.8e} vs {qb:.8e}: {abs(qa - qb) / abs(qb):.2e} relative (target < 1e-4)")
        sys.stdout.flush()
    best = min(sec, key=sec.get)
    print(f"(seconds_per_pump_period: the faster of the two runs, threads={best}; the dense figure is one thread)")
    print(f"dense_seconds_per_pump_period: {dense:.1f}")
    print(f"seconds_per_pump_period: {sec[best]:.2f}")


if __name__ == "__main__":
    main()
