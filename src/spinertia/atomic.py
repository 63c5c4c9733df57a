"""Atomic file writes: write a temporary file beside the target, then ``os.replace`` it into place,
so that an interrupted write never leaves a torn file (results, OVF states, checkpoints)."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

_counter = itertools.count()


def temp_name(path: Path) -> Path:
    """A temporary file beside ``path`` (same file system, so os.replace is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{next(_counter)}.tmp")


def atomic_write(path, write) -> Path:
    """Call ``write(tmp_path)``, then move the temporary file to ``path``; on any error remove it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_write_stream(path, write) -> Path:
    """As :func:`atomic_write` for a writer of an open binary file ``write(f)``; flushed and fsynced."""
    def to_file(tmp):
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())

    return atomic_write(path, to_file)
