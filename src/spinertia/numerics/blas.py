"""One BLAS thread inside the Green's-function solvers.

The recursive Green's functions multiply many small blocks (tens to a few hundred orbitals).  Multi-threaded
OpenBLAS splits each small product across threads and synchronizes them at every call; on a shared machine,
where another process holds a core, every such barrier waits for a descheduled thread.  Measured on 2 cores with
one core busy: the 40 x 40 pumping solve took 700 ms with two BLAS threads and 116 ms with one; a 16 x 16 solve
120 ms and 12 ms.  The solvers therefore run their products on one BLAS thread and get their parallelism from
their own independent chains (``PumpingSolver(threads=2)``) or from worker processes.
"""
from __future__ import annotations

import contextlib
import functools

__all__ = ["single_blas_thread", "one_blas_thread"]

_controller = None


def _get_controller():
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # optional at run time: without it the BLAS keeps its default threads
            _controller = False
        else:
            _controller = ThreadpoolController()
    return _controller


@contextlib.contextmanager
def single_blas_thread():
    """Context in which BLAS calls run on one thread (restored on exit; about 15 us per use)."""
    ctl = _get_controller()
    if not ctl:
        yield
        return
    with ctl.limit(limits=1, user_api="blas"):
        yield


def one_blas_thread(fn):
    """Decorator: run ``fn`` inside :func:`single_blas_thread`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with single_blas_thread():
            return fn(*args, **kwargs)

    return wrapper
