"""Compiled code: the on-disk cache, specialized loops and thread control.

Every compiled function of the package is cached on disk (numba ``cache=True``) in a per-user cache
directory, never in the source tree, so an installed (read-only) package works and a second process
pays no compilation:

* ``$SPINERTIA_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/spinertia`` (default ``~/.cache/spinertia``),
  else a directory under the system temporary directory;
* inside it one folder per build of the package, named by a hash of the sources of its compiled code, so
  that a changed or upgraded package never loads code compiled from other sources (numba itself checks only the
  time stamp of the file that defines a function, not of the functions it calls).  Folders of other builds
  unused for 30 days are removed.

A user who sets ``NUMBA_CACHE_DIR`` keeps it.

Generic loops (integrators, sweeps) are written once as plain Python *templates* whose callees (the
right-hand side of a model, a per-stage hook) are global names.  :func:`specialize` binds those names and
compiles the result under a unique name, which numba can cache (a compiled function that receives another
compiled function as an argument cannot be cached).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
import types
from pathlib import Path

import numba as nb

_PACKAGE = Path(__file__).resolve().parent.parent
_STALE_DAYS = 30


def _source_hash():
    """Hash of numba's version and of every package module that holds compiled code."""
    h = hashlib.sha1(nb.__version__.encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        text = path.read_bytes()
        if b"numba" in text:
            h.update(str(path.relative_to(_PACKAGE)).encode())
            h.update(text)
    return h.hexdigest()[:16]


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def _prune(base: Path, keep: Path):
    cutoff = time.time() - _STALE_DAYS * 86400
    for other in base.glob("numba-*"):
        if other == keep:
            continue
        try:
            if other.stat().st_mtime < cutoff:
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            pass


def cache_root() -> Path:
    """Base directory of spinertia's caches (see the module docstring)."""
    env = os.environ.get("SPINERTIA_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "spinertia"


def configure_cache() -> str | None:
    """Point numba's cache at the per-user, per-build directory; returns it (None: caching off)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    key = _source_hash()
    for base in (cache_root(), Path(tempfile.gettempdir()) / f"spinertia-{os.getuid() if hasattr(os, 'getuid') else 'user'}"):
        target = base / f"numba-{key}"
        if _writable(target):
            os.utime(target)
            _prune(base, target)
            nb.config.CACHE_DIR = str(target)
            return str(target)
    return None


CACHE_DIR = configure_cache()

# ------------------------------------------------------------------------------------------------
# specialization
# ------------------------------------------------------------------------------------------------
_SPECIALIZED = {}
_LOCK = threading.Lock()


def _label(value):
    name = getattr(value, "__name__", None) or getattr(getattr(value, "py_func", None), "__name__", None)
    if name is None:
        raise TypeError(f"cannot bind {value!r}: only named functions can be bound in a template")
    return name.strip("_")


def specialize(template, parallel=False, **bindings):
    """Compile ``template`` (a plain Python function) with its global names ``bindings`` replaced.

    The compiled function gets the unique name ``<template>__<hash of the bound names>[__par]`` and is cached
    on disk.  ``parallel`` compiles ``prange`` loops thread-parallel.  Results are memoized per process.
    """
    key = (template, parallel, tuple(sorted((k, id(v)) for k, v in bindings.items())))
    with _LOCK:
        hit = _SPECIALIZED.get(key)
        if hit is not None:
            return hit
        bound = ",".join(f"{k}={_label(v)}" for k, v in sorted(bindings.items()))
        name = template.__name__.strip("_")
        if bound:  # a short, stable name per binding (file names of the disk cache stay short)
            name += "__" + hashlib.sha1(bound.encode()).hexdigest()[:12]
        if parallel:
            name += "__par"
        glb = dict(template.__globals__)
        glb.update(bindings)
        fn = types.FunctionType(template.__code__, glb, name, template.__defaults__, template.__closure__)
        fn.__qualname__ = name
        fn.__module__ = template.__module__
        fn.__doc__ = template.__doc__
        compiled = nb.njit(cache=True, parallel=parallel)(fn)
        _SPECIALIZED[key] = compiled
        return compiled


def variants(template, **bindings):
    """(serial, parallel) compilations of one template (see :func:`specialize`).  A binding given as a
    (serial, parallel) pair binds the matching member in each."""
    return tuple(specialize(template, par, **{k: (v[int(par)] if isinstance(v, tuple) else v)
                                              for k, v in bindings.items()}) for par in (False, True))


# ------------------------------------------------------------------------------------------------
# threads
# ------------------------------------------------------------------------------------------------
def max_threads() -> int:
    """Number of threads the parallel kernels may use (numba's NUMBA_NUM_THREADS)."""
    return int(nb.config.NUMBA_NUM_THREADS)


def set_threads(n: int):
    """Set the number of threads of the parallel kernels of this process (1 .. max_threads())."""
    nb.set_num_threads(max(1, min(int(n), max_threads())))


def get_threads() -> int:
    return int(nb.get_num_threads())
