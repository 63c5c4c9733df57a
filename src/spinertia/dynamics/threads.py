"""Thread choice at run time: the parallel kernels only where they pay, and never slower than one thread.

On a shared machine another process may occupy a core; the thread-parallel kernels then wait for their
slowest thread at every barrier and can run ten times slower than one thread.  :class:`ThreadTuner`
measures the throughput of each candidate -- the serial kernels, and the parallel kernels with 2 .. n
threads -- on the chunks of a run, keeps the fastest, and re-measures the others now and then (the load of
the machine changes).  A re-measurement is short (about PROBE_SECONDS of work, a few steps taken out of a
chunk by :meth:`ThreadTuner.steps_for`), and comes after REPROBE_SECONDS of kernel work, not of wall time,
so that a slow candidate costs at most about 1 % of the run.  Systems below
:data:`spinertia.lattice.finalized.PARALLEL_MIN_SITES` sites always run
serially (thread start-up would dominate).
"""
from __future__ import annotations

import time

from ..numerics.jit import get_threads, max_threads, set_threads

#: seconds of kernel work between re-measurements of the candidates that are not in use
REPROBE_SECONDS = 5.0
#: wall seconds of work that a re-measurement (or a first measurement once another candidate is known) takes
PROBE_SECONDS = 0.05
#: a chunk of the chosen candidate this much slower than its record means the load changed (e.g. another
#: process took a core): its record is replaced and the others are measured again at once
SLOWDOWN = 1.5
#: the parallel kernels must beat one thread by this factor to be chosen: near parity, one thread is the
#: safer choice (it does not wait at barriers for a thread that another process has descheduled)
PARALLEL_MARGIN = 1.05


class ThreadTuner:
    """Chooses (parallel, n_threads) per chunk from measured seconds per step (see the module docstring)."""

    def __init__(self, allow_parallel: bool, threads=None):
        n = max_threads()
        if threads is not None:
            self.candidates = [(int(threads) > 1 and allow_parallel, max(1, min(int(threads), n)))]
        elif allow_parallel and n > 1:
            self.candidates = [(False, 1)] + [(True, k) for k in range(2, n + 1)]
        else:
            self.candidates = [(False, 1)]
        self.rate = {c: None for c in self.candidates}  # seconds per step (exponential average)
        self.current = self.candidates[-1]
        self._work = 0.0  # kernel seconds since the last re-measurement
        self._probing = False
        self._saved = get_threads()

    @property
    def fixed(self):
        return len(self.candidates) == 1

    def choose(self):
        """The candidate for the next chunk: first each one once, then the fastest, re-measuring the others
        after REPROBE_SECONDS of work."""
        self._probing = False
        for c in self.candidates:
            if self.rate[c] is None:
                self.current = c
                self._probing = any(self.rate[k] is not None for k in self.candidates)
                break
        else:
            if self._work > REPROBE_SECONDS and not self.fixed:
                self._work = 0.0
                others = [c for c in self.candidates if c != self.best()]
                self.current = min(others, key=lambda c: self.rate[c])
                self._probing = True
            else:
                self.current = self.best()
        if self.current[0]:
            set_threads(self.current[1])
        return self.current

    def steps_for(self, n_steps):
        """How many of ``n_steps`` to run with the chosen candidate: all of them, or, for a measurement of a
        candidate that is not the best, about PROBE_SECONDS of work (the rest goes to the next choice)."""
        if not self._probing:
            return n_steps
        known = [r for r in self.rate.values() if r is not None]
        r = self.rate[self.current] or min(known)
        return int(max(1, min(n_steps, PROBE_SECONDS / max(r, 1e-12))))

    def best(self):
        known = [c for c in self.candidates if self.rate[c] is not None]
        if not known:
            return self.candidates[-1]
        fastest = min(known, key=lambda c: self.rate[c])
        serial = (False, 1)
        if fastest[0] and self.rate.get(serial) is not None and self.rate[serial] <= PARALLEL_MARGIN * self.rate[fastest]:
            return serial
        return fastest

    def report(self, candidate, steps, seconds):
        """Record ``seconds`` for ``steps`` steps of ``candidate``: an exponential average, except that a change
        by more than SLOWDOWN replaces the record (the load changed), and a sudden slowdown of the candidate in
        use also has the others measured again."""
        if steps <= 0 or seconds <= 0:
            return
        r = seconds / steps
        if not self._probing:
            self._work += seconds  # work of the chosen candidate: the clock of the re-measurements
        old = self.rate[candidate]
        changed = old is None or r > SLOWDOWN * old or r * SLOWDOWN < old  # the load changed: no averaging
        if changed and old is not None and r > old and not self._probing and not self.fixed:
            self.rate = {c: None for c in self.candidates}  # slower where it runs: measure the others again
        self.rate[candidate] = r if changed else 0.5 * (old + r)

    def restore(self):
        set_threads(self._saved)

    def summary(self):
        return {("parallel" if p else "serial") + f"_{k}": (None if r is None else 1.0 / r)
                for (p, k), r in self.rate.items()}
