"""Throughput of the batched inertial spin-wave solver (Ghosh et al. 2025, spec 6.1) vs a per-k scipy pencil loop.

Run:  python benchmarks/spinwaves.py [--smoke]   (~20 s on 2 cores; --smoke: seconds, run by the tests)

Model: the spec-4 two-sublattice checkerboard, run R3 (Co/Fe moments, eta = 100 fs, eta_AB = 50 fs, D, alpha),
so H(k) is a full 2x2 matrix.  k-points: 1e5 uniform random points in the square [-pi/a, pi/a]^2.

* batched: spinertia.spinwaves.solve(model, k, sigma=+1, vectors=False) -- builds Omega, H, C for all k at
  once, reduces the scaled companion pencil with H^-1 and calls numpy.linalg.eigvals on the (nk, 4, 4) stack,
  then sorts p1, p2, n1, n2 (spec 2.4).  One sigma (= +1) per call; the table also lists both sigmas and the
  variant with eigenvectors.
* per-k reference: the same matrices, then scipy.linalg.eig(A, B) (eigenvalues only) on the scaled companion
  pencil of spec 6.1 for each k in a loop, measured on N_REF k-points in the same run and scaled per k-point.

Timings are wall-clock, best of REPEATS.  The last two lines are
``kpoints_per_second_2sublattice: <1e5 / best batched time, one sigma>`` and
``speedup_vs_per_k_eig: <per-k time per point / batched time per point>``.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from spinertia.spinwaves import r3, solve
from spinertia.lattice.presets import DEFAULTS

NK = 100_000
N_REF = 2_000
REPEATS = 3


def best_of(fn, k=REPEATS):
    best = math.inf
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    global NK, N_REF, REPEATS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="few k-points: checks that the benchmark runs")
    if p.parse_args(argv).smoke:
        NK, N_REF, REPEATS = 2_000, 100, 1
    model = r3()
    rng = np.random.default_rng(0)
    k = (rng.random((NK, 2)) * 2 - 1) * np.pi / DEFAULTS["a"]
    solve(model, k[:10])  # warm-up

    t_one = best_of(lambda: solve(model, k, +1, vectors=False))
    t_both = best_of(lambda: (solve(model, k, +1, vectors=False), solve(model, k, -1, vectors=False)))
    t_vec = best_of(lambda: solve(model, k, +1, vectors=True))
    kref = k[:N_REF]
    t_ref = best_of(lambda: solve(model, kref, +1, vectors=False, method="pencil"), k=1)

    # same roots from both routes on the reference subset
    fast = solve(model, kref, +1, vectors=False).omega
    slow = solve(model, kref, +1, vectors=False, method="pencil").omega
    err = float(np.max(np.abs(fast - slow) / np.abs(slow)))

    per_fast = t_one / NK
    per_ref = t_ref / N_REF
    rows = [
        ("batched, sigma=+1, eigenvalues", NK, t_one),
        ("batched, sigma=+1 and -1, eigenvalues", NK, t_both),
        ("batched, sigma=+1, with eigenvectors", NK, t_vec),
        ("per-k scipy.linalg.eig(A, B), sigma=+1", N_REF, t_ref),
    ]
    print("model R3 (N = 2 sublattices, 4 roots per k and sigma); k-points uniform in [-pi/a, pi/a]^2")
    print(f"{'method':44s} {'k-points':>9s} {'time (s)':>10s} {'us / k':>9s}")
    for name, n, t in rows:
        print(f"{name:44s} {n:9d} {t:10.3f} {1e6 * t / n:9.2f}")
    print(f"max relative difference batched vs per-k pencil on {N_REF} k: {err:.2e}")
    print(f"kpoints_per_second_2sublattice: {NK / t_one:.0f}")
    print(f"speedup_vs_per_k_eig: {per_ref / per_fast:.1f}")


if __name__ == "__main__":
    main()
