"""Reproductions of the seed papers' figures with quantitative checks.

Each seed has a module ``spinertia.reproduce.seedNNN`` exposing

    TITLE: str
    FIGURES: tuple of PNG file names it writes
    run(out_dir, quick=False, progress=False) -> dict
        with at least {'figures': {name: path}, 'report': path, 'checks': [check, ...], 'passed': bool}
        where every check is a dict {'figure', 'name', 'measured', 'expected', 'source', 'tolerance',
        'passed', ...} (JSON-serializable).

and is listed in :data:`REGISTRY` (or added at run time with :func:`register_seed`).  ``run_reproduce`` runs
the requested seeds, each into ``out_dir/seedNNN/``, and writes an index ``out_dir/report.md``.

    >>> from spinertia.reproduce import run_reproduce
    >>> result = run_reproduce("out_repro", quick=True)       # doctest: +SKIP
    >>> result["all_passed"]                                  # doctest: +SKIP
    True
"""
from __future__ import annotations

import importlib
import json
import os
import time

from ..errors import InputError

__all__ = ["REGISTRY", "register_seed", "available_seeds", "run_reproduce"]

#: seed id -> module path.  Add later seeds here (or call register_seed).
REGISTRY: dict[str, str] = {
    "000": "spinertia.reproduce.seed000",
    "001": "spinertia.reproduce.seed001",
    "003": "spinertia.reproduce.seed003",
}


def seed_result(seed, title, out_dir, figures, report, checks, wall_s, **extra) -> dict:
    """The result dictionary every seed's ``run`` returns (see the module docstring)."""
    out = {
        "seed": seed,
        "title": title,
        "out_dir": str(out_dir),
        "figures": {f: os.path.join(out_dir, f) for f in figures},
        "report": report,
        "checks": checks,
        "passed": all(c["passed"] for c in checks),
        "n_checks": len(checks),
        "n_failed": sum(not c["passed"] for c in checks),
        "wall_s": wall_s,
    }
    out.update(extra)
    return out


def register_seed(seed: str, module: str) -> None:
    """Register (or replace) the module that reproduces ``seed`` (a string such as '001')."""
    if not isinstance(seed, str) or not seed:
        raise InputError(f"seed must be a non-empty string such as '001', got {seed!r}")
    REGISTRY[seed] = module


def available_seeds() -> tuple[str, ...]:
    return tuple(sorted(REGISTRY))


def _normalize(seed) -> str:
    s = str(seed).strip()
    if s.lower().startswith("seed"):
        s = s[4:]
    if s.isdigit():
        s = s.zfill(3)
    return s


def run_reproduce(out_dir, quick=False, seeds=None, progress=False) -> dict:
    """Run the reproductions of ``seeds`` into ``out_dir`` (one sub-folder ``seedNNN`` per seed).

    seeds=None runs every registered seed.  quick=True uses coarser output cadences and fewer comparison runs (seconds to a minute per seed).
    Returns {'out_dir', 'quick', 'seeds': {seed: result of the seed's run()}, 'all_passed', 'n_checks',
    'n_failed', 'wall_s', 'index'}; also writes ``out_dir/report.md`` (index) and ``out_dir/checks.json``.
    """
    if seeds is None:
        seeds = available_seeds()
    if isinstance(seeds, (str, int)):
        seeds = (seeds,)
    wanted = [_normalize(s) for s in seeds]
    unknown = [s for s in wanted if s not in REGISTRY]
    if unknown:
        raise InputError(f"no reproduction registered for seed(s) {unknown}; available: {list(available_seeds())}")
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    results = {}
    for s in wanted:
        mod = importlib.import_module(REGISTRY[s])
        results[s] = mod.run(os.path.join(out_dir, f"seed{s}"), quick=quick, progress=progress)
    wall = time.perf_counter() - t0
    n_checks = sum(len(r["checks"]) for r in results.values())
    n_failed = sum(sum(not c["passed"] for c in r["checks"]) for r in results.values())
    index = os.path.join(out_dir, "report.md")
    lines = ["# spinertia reproductions", "", f"Mode: {'quick' if quick else 'full'}; wall time {wall:.1f} s; "
             f"{n_checks - n_failed}/{n_checks} checks passed.", "",
             "| seed | title | checks passed | report |", "|---|---|---|---|"]
    for s, r in results.items():
        n = len(r["checks"])
        ok = n - sum(not c["passed"] for c in r["checks"])
        rel = os.path.relpath(r["report"], out_dir)
        lines.append(f"| {s} | {r.get('title', '')} | {ok}/{n} | [{rel}]({rel}) |")
    with open(index, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    summary = {
        "out_dir": out_dir,
        "quick": bool(quick),
        "seeds": results,
        "all_passed": n_failed == 0,
        "n_checks": n_checks,
        "n_failed": n_failed,
        "wall_s": wall,
        "index": index,
    }
    with open(os.path.join(out_dir, "checks.json"), "w", encoding="utf-8") as fh:
        json.dump({s: r["checks"] for s, r in results.items()}, fh, indent=1)
    return summary
