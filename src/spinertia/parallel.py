"""Executors: one interface that runs a function over many independent items on worker processes.

Used by :func:`spinertia.sweep.sweep` (one item = one scenario run) and meant for every embarrassingly parallel
grid of the package, e.g. the energies or k-points of the electrons
(:func:`spinertia.electrons.integrate.map_energies` could become ``executor.map(fn, energies)``).

Three executors share :class:`Executor`'s interface:

* :class:`SerialExecutor` -- in this process (reference, debugging);
* :class:`LocalExecutor` -- local worker processes (``spawn``), nothing to install; the default;
* :class:`DaskExecutor` -- Dask distributed: a ``LocalCluster`` when no address is given, or an existing
  cluster (``address="tcp://host:8786"``), e.g. one started on Slurm/PBS with dask-jobqueue (``docs/sweep.md``).

Every worker runs one compiled/BLAS thread (``NUMBA_NUM_THREADS=1``, ``OMP_NUM_THREADS=1``, ... in the
environment of the processes it starts, and the package's thread count set to 1 in each task): parallelism is
over items, not inside one item.  Compiled code is cached on disk per user, so a worker loads it instead of
compiling.

Items are *batched*: a task carries several items so that it holds about ``target_seconds`` (default 1 s) of
work, measured on the first items (which run one per task).  Results come back per item.  A worker process
that dies (killed, out of memory) loses only its batch: the batch is run again, up to ``retries`` times, after
which its items are reported as failed with :class:`WorkerLost`.
"""
from __future__ import annotations

import collections
import math
import os
import time

from .errors import InputError, SpinertiaError

__all__ = ["Executor", "SerialExecutor", "LocalExecutor", "DaskExecutor", "WorkerLost", "shippable", "get_executor",
           "THREAD_ENV", "EXECUTORS"]

#: environment of every worker process: one thread for compiled loops and BLAS
THREAD_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}
EXECUTORS = ("local", "dask", "serial")


class WorkerLost(SpinertiaError):
    """A worker process died (killed, out of memory) while running a batch, more often than retried."""


def run_batch(fn, batch):
    """Run ``fn`` on the items of a batch in a worker: ``[(index, result, seconds), ...]``.

    Sets the package's compiled-loop threads to 1 (a worker is one core)."""
    from .numerics.jit import set_threads

    set_threads(1)
    out = []
    for index, item in batch:
        t0 = time.perf_counter()
        result = fn(item)
        out.append((index, result, time.perf_counter() - t0))
    return out


class BatchSizer:
    """Number of items per task: one while nothing is measured, then about ``target_seconds`` of work, at most
    a share of the remaining items (so that the last tasks still spread over the workers)."""

    def __init__(self, target_seconds, n_workers):
        self.target = float(target_seconds)
        self.n_workers = max(1, int(n_workers))
        self.seconds = 0.0
        self.count = 0

    def observe(self, seconds):
        self.seconds += float(seconds)
        self.count += 1

    def size(self, remaining):
        if self.count == 0 or self.target <= 0:
            return 1
        per_item = max(self.seconds / self.count, 1e-6)
        share = max(1, remaining // (2 * self.n_workers))
        return int(max(1, min(math.ceil(self.target / per_item), share)))


class Executor:
    """Runs ``fn(item)`` for many items; see the module docstring.

    Subclasses provide ``n_workers`` and the task primitives ``_submit(fn, batch)``, ``_wait(futures)`` (the
    finished ones), ``_result(future)`` (raises :class:`WorkerLost` when the worker died) and ``_restart()``.
    Executors are context managers (``close()`` on exit).
    """

    name = "executor"
    n_workers = 1
    retries = 3

    def imap_unordered(self, fn, items, target_seconds=1.0):
        """Yield ``(index, ok, value, seconds)`` per item as results arrive: ``value`` = ``fn(item)`` when ok,
        else the exception (:class:`WorkerLost`, or the exception ``fn`` raised).  ``items``: a sequence, or
        ``(index, item)`` pairs via :meth:`imap_indexed`."""
        yield from self.imap_indexed(fn, list(enumerate(items)), target_seconds)

    def imap_indexed(self, fn, pairs, target_seconds=1.0):
        """As :meth:`imap_unordered` for ``(index, item)`` pairs (e.g. the points still missing)."""
        pending = collections.deque(pairs)
        sizer = BatchSizer(target_seconds, self.n_workers)
        in_flight = {}
        limit = 2 * self.n_workers
        try:
            while pending or in_flight:
                while pending and len(in_flight) < limit:
                    k = sizer.size(len(pending))
                    batch = [pending.popleft() for _ in range(min(k, len(pending)))]
                    in_flight[self._submit(fn, batch)] = (batch, 0)
                for fut in self._wait(list(in_flight)):
                    batch, attempts = in_flight.pop(fut)
                    try:
                        results = self._result(fut)
                    except WorkerLost as err:
                        if attempts + 1 > self.retries:
                            for index, _ in batch:
                                yield index, False, err, float("nan")
                        else:  # run it again (a fresh worker replaces the dead one)
                            in_flight[self._submit(fn, batch)] = (batch, attempts + 1)
                        continue
                    except Exception as err:  # fn raised: every item of the batch reports it
                        for index, _ in batch:
                            yield index, False, err, float("nan")
                        continue
                    for index, value, seconds in results:
                        sizer.observe(seconds)
                        yield index, True, value, seconds
        finally:
            if in_flight:
                self._cancel(list(in_flight))

    def map(self, fn, items, target_seconds=1.0):
        """``[fn(item) for item in items]`` in parallel, in order; raises the first failure."""
        items = list(items)
        out = [None] * len(items)
        for index, ok, value, _ in self.imap_unordered(fn, items, target_seconds):
            if not ok:
                raise value
            out[index] = value
        return out

    def describe(self):
        return f"{self.name} ({self.n_workers} worker{'s' if self.n_workers != 1 else ''})"

    def _cancel(self, futures):
        pass

    def abort(self):
        """Stop the work in progress now (after Ctrl-C); the executor stays usable."""

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SerialExecutor(Executor):
    """Runs the items in this process, one by one (the reference of the others)."""

    name = "serial"

    def imap_indexed(self, fn, pairs, target_seconds=1.0):
        for index, item in pairs:
            t0 = time.perf_counter()
            try:
                value = fn(item)
            except Exception as err:
                yield index, False, err, float("nan")
                continue
            yield index, True, value, time.perf_counter() - t0


def _local_worker_init():
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's business
    os.environ.update(THREAD_ENV)


class _Pickled:
    """A callable shipped by value (cloudpickle) when plain pickle cannot (lambdas, local functions)."""

    def __init__(self, fn):
        import cloudpickle

        self.blob = cloudpickle.dumps(fn)
        self.fn = None

    def __getstate__(self):
        return {"blob": self.blob}

    def __setstate__(self, state):
        self.blob, self.fn = state["blob"], None

    def __call__(self, *args, **kwargs):
        if self.fn is None:
            import pickle

            self.fn = pickle.loads(self.blob)
        return self.fn(*args, **kwargs)


def shippable(fn):
    """``fn`` itself when workers can import it, else wrapped to travel by value.  Functions of ``__main__`` (a
    script, a notebook) pickle by reference but do not exist in a spawned worker: they travel by value too."""
    import pickle

    if getattr(fn, "__module__", None) != "__main__":
        try:
            pickle.dumps(fn)
            return fn
        except Exception:
            pass
    try:
        return _Pickled(fn)
    except ImportError:
        raise InputError("the function to run on the workers cannot be pickled (a lambda or a local function); "
                         "define it at module level or install cloudpickle") from None


class LocalExecutor(Executor):
    """Worker processes on this machine (``concurrent.futures`` with the ``spawn`` start method).

    Parameters
    ----------
    workers : int, optional
        Number of worker processes (default: the CPUs this process may use).
    """

    name = "local"

    def __init__(self, workers=None):
        if workers is None:
            workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InputError(f"workers must be a positive integer, got {workers!r}")
        self.n_workers = int(workers)
        # the workers inherit the environment at their start: one thread each (restored by close())
        self._saved_env = {k: os.environ.get(k) for k in THREAD_ENV}
        os.environ.update(THREAD_ENV)
        self._pool = None
        self._fn = None
        self._start()

    def _start(self):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(max_workers=self.n_workers, mp_context=mp.get_context("spawn"),
                                         initializer=_local_worker_init)

    def _submit(self, fn, batch):
        if fn is not self._fn:
            self._fn, self._shipped = fn, shippable(fn)
        try:
            return self._pool.submit(run_batch, self._shipped, batch)
        except RuntimeError:  # the pool broke (a worker died) since the last submission: a fresh pool
            self._restart()
            return self._pool.submit(run_batch, self._shipped, batch)

    def _wait(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return list(done)

    def _result(self, fut):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool:
            if getattr(self._pool, "_broken", False):  # the current pool (not an earlier one) broke
                self._restart()
            raise WorkerLost("a worker process died while running this point (killed or out of memory)") from None

    def _restart(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._start()

    def _cancel(self, futures):
        for f in futures:
            f.cancel()

    def abort(self):
        """Terminate the worker processes (their batches are lost); a fresh pool starts on the next use."""
        if self._pool is not None:
            for proc in list(getattr(self._pool, "_processes", {}).values()):
                proc.terminate()
            self._restart()

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class DaskExecutor(Executor):
    """Dask distributed: a ``LocalCluster`` of ``workers`` one-thread worker processes, or the cluster whose
    scheduler listens at ``address`` (its workers should run one thread each: ``--nthreads 1`` and the
    :data:`THREAD_ENV` variables; see ``docs/sweep.md`` for dask-jobqueue on Slurm/PBS).

    Parameters
    ----------
    address : str, optional
        Scheduler address, e.g. ``"tcp://10.0.0.1:8786"``; default: start a LocalCluster.
    workers : int, optional
        Workers of the LocalCluster (default: the CPUs this process may use).
    client : distributed.Client, optional
        An existing client (neither address nor workers then).
    """

    name = "dask"

    def __init__(self, address=None, workers=None, client=None):
        try:
            import distributed
        except ImportError:
            raise InputError("the dask executor needs Dask distributed: pip install 'dask[distributed]'") from None
        self._cluster = None
        self._own_client = client is None
        if client is not None:
            self.client = client
        elif address is not None:
            try:
                self.client = distributed.Client(address, timeout="20s")
            except (OSError, TimeoutError) as err:
                raise InputError(f"cannot reach the Dask scheduler at {address!r} ({err})") from None
        else:
            import logging

            if workers is None:
                workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            self._cluster = distributed.LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                                                     dashboard_address=None, silence_logs=logging.ERROR,
                                                     env=dict(THREAD_ENV))
            self.client = distributed.Client(self._cluster)
        info = self.client.scheduler_info()
        workers_info = info.get("workers", {})
        self.n_workers = max(1, sum(int(w.get("nthreads", 1)) for w in workers_info.values()))

    def _submit(self, fn, batch):
        return self.client.submit(run_batch, fn, batch, pure=False)

    def _wait(self, futures):
        from distributed import wait

        done, _ = wait(futures, return_when="FIRST_COMPLETED")
        return list(done)

    def _result(self, fut):
        from distributed import KilledWorker

        try:
            return fut.result()
        except KilledWorker as err:
            raise WorkerLost(f"Dask workers died running this point ({err})") from None

    def _cancel(self, futures):
        try:
            self.client.cancel(futures)
        except Exception:
            pass

    def describe(self):
        where = "LocalCluster" if self._cluster is not None else f"scheduler {self.client.scheduler.address}"
        return f"dask ({where}, {self.n_workers} worker thread{'s' if self.n_workers != 1 else ''})"

    def close(self):
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def get_executor(executor=None, workers=None, scheduler=None):
    """An :class:`Executor` from a name (``"local"`` (default), ``"dask"``, ``"serial"``), an executor (returned
    as is) or a ``distributed.Client``.  ``workers``: processes (local, Dask LocalCluster); ``scheduler``: the
    address of an existing Dask scheduler (implies ``"dask"``)."""
    if isinstance(executor, Executor):
        return executor
    if executor is not None and not isinstance(executor, str):
        if type(executor).__name__ == "Client":
            return DaskExecutor(client=executor)
        raise InputError(f"executor must be one of {', '.join(EXECUTORS)}, an Executor or a dask Client, "
                         f"got {executor!r}")
    name = executor or ("dask" if scheduler else "local")
    if name not in EXECUTORS:
        raise InputError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}")
    if scheduler and name != "dask":
        raise InputError(f"a scheduler address is for the dask executor, not {name!r}")
    if name == "serial":
        return SerialExecutor()
    if name == "local":
        return LocalExecutor(workers)
    return DaskExecutor(address=scheduler, workers=workers if scheduler is None else None)
