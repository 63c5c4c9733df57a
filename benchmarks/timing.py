"""Timing helpers shared by the benchmarks: medians of interleaved repeats, and a busy neighbour process.

Interleaving (A B C A B C ...) spreads slow drifts of a shared machine over all candidates; the median of the
repeats ignores the odd disturbed run.  Ratios are taken between numbers measured in the same invocation.
"""
from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import time


def interleaved_medians(runners, repeats):
    """``runners``: {name: fn() -> seconds of one timed run}.  Runs them in turn ``repeats`` times and returns
    {name: median seconds}."""
    samples = {name: [] for name in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            samples[name].append(fn())
    return {name: statistics.median(v) for name, v in samples.items()}


def timed(fn):
    """Wall seconds of one call of fn()."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


@contextlib.contextmanager
def busy_neighbour():
    """A second process that keeps one core busy (a shared machine) for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        yield proc
    finally:
        proc.kill()
        proc.wait()
