"""Reproductions of the papers' figures with quantitative checks.

Each paper has a module ``spinertia.reproduce.<author><year>`` exposing

    TITLE: str
    FIGURES: tuple of PNG file names it writes
    run(out_dir, quick=False, progress=False) -> dict
        with at least {'figures': {name: path}, 'report': path, 'checks': [check, ...], 'passed': bool}
        where every check is a dict {'figure', 'name', 'measured', 'expected', 'source', 'tolerance',
        'passed', ...} (JSON-serializable).

and is listed in :data:`REGISTRY` (or added at run time with :func:`register_paper`).  ``run_reproduce`` runs
the requested papers, each into ``out_dir/<author><year>/``, and writes an index ``out_dir/report.md``.

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

__all__ = ["REGISTRY", "register_paper", "available_papers", "run_reproduce"]

#: paper id (first author and year) -> module path.  Add later papers here (or call register_paper).
REGISTRY: dict[str, str] = {
    "webb2026": "spinertia.reproduce.webb2026",
    "ghosh2025": "spinertia.reproduce.ghosh2025",
    "xu2023": "spinertia.reproduce.xu2023",
    "xu2023_transport": "spinertia.reproduce.xu2023_transport",
    "xu2023_pumping": "spinertia.reproduce.xu2023_pumping",
}


def paper_result(paper, title, out_dir, figures, report, checks, wall_s, **extra) -> dict:
    """The result dictionary every paper's ``run`` returns (see the module docstring)."""
    out = {
        "paper": paper,
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


def register_paper(paper: str, module: str) -> None:
    """Register (or replace) the module that reproduces ``paper`` (an id such as 'xu2023')."""
    if not isinstance(paper, str) or not paper:
        raise InputError(f"paper must be a non-empty id such as 'xu2023', got {paper!r}")
    REGISTRY[paper] = module


def available_papers() -> tuple[str, ...]:
    return tuple(sorted(REGISTRY))


def run_reproduce(out_dir, quick=False, papers=None, progress=False) -> dict:
    """Run the reproductions of ``papers`` into ``out_dir`` (one sub-folder per paper, named like its id).

    papers=None runs every registered paper.  quick=True uses coarser output cadences and fewer comparison runs
    (seconds to a minute per paper).  Returns {'out_dir', 'quick', 'papers': {id: result of the paper's run()},
    'all_passed', 'n_checks', 'n_failed', 'wall_s', 'index'}; also writes ``out_dir/report.md`` (index) and
    ``out_dir/checks.json``.
    """
    if papers is None:
        papers = available_papers()
    if isinstance(papers, str):
        papers = (papers,)
    wanted = [str(p).strip().lower() for p in papers]
    unknown = [p for p in wanted if p not in REGISTRY]
    if unknown:
        raise InputError(f"no reproduction registered for paper(s) {unknown}; available: {list(available_papers())}")
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    results = {}
    for s in wanted:
        mod = importlib.import_module(REGISTRY[s])
        results[s] = mod.run(os.path.join(out_dir, s), quick=quick, progress=progress)
    wall = time.perf_counter() - t0
    n_checks = sum(len(r["checks"]) for r in results.values())
    n_failed = sum(sum(not c["passed"] for c in r["checks"]) for r in results.values())
    index = os.path.join(out_dir, "report.md")
    lines = ["# spinertia reproductions", "", f"Mode: {'quick' if quick else 'full'}; wall time {wall:.1f} s; "
             f"{n_checks - n_failed}/{n_checks} checks passed.", "",
             "| paper | title | checks passed | report |", "|---|---|---|---|"]
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
        "papers": results,
        "all_passed": n_failed == 0,
        "n_checks": n_checks,
        "n_failed": n_failed,
        "wall_s": wall,
        "index": index,
    }
    with open(os.path.join(out_dir, "checks.json"), "w", encoding="utf-8") as fh:
        json.dump({s: r["checks"] for s, r in results.items()}, fh, indent=1)
    return summary
