"""Seed 001 reproduction (quick mode): figures, report.md with the claims T1-T12 (+ T14 warning) of spec
section 5, every check passing, the one-description check, and the index written by run_reproduce."""
import json

import pytest

from spinertia.reproduce import REGISTRY, run_reproduce
from spinertia.reproduce import ghosh2025


@pytest.fixture(scope="module")
def repro(tmp_path_factory):
    out = tmp_path_factory.mktemp("repro001")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(REGISTRY, "ghosh2025", "spinertia.reproduce.ghosh2025")
        res = run_reproduce(out, quick=True, papers=("ghosh2025",))
    return out, res


def test_every_check_passes(repro):
    _, res = repro
    r = res["papers"]["ghosh2025"]
    assert r["title"] == ghosh2025.TITLE and r["wall_s"] < 20
    failed = [(c["claim"], c["name"], c["measured_str"], c["expected_str"], c["tolerance"]) for c in r["checks"]
              if not c["passed"]]
    assert not failed, failed
    assert r["passed"] and res["all_passed"] and res["n_failed"] == 0
    claims = {c["claim"] for c in r["checks"]}
    assert claims == {f"T{i}" for i in range(1, 13)} | {"T14 (warning)", "System ≡ preset"}
    assert {c["source"] for c in r["checks"]} == {"spec §5 (paper claim)", "model"}
    assert len(r["checks"]) >= 100
    for c in r["checks"]:
        assert c["name"] and c["measured_str"] and c["expected_str"] and c["tolerance"], c
    json.dumps(r["checks"])  # serializable (run_reproduce writes checks.json)


def test_one_description_check(repro):
    """Models built through System + spinwave_model equal the spin-wave presets to 1e-12."""
    checks = [c for c in repro[1]["papers"]["ghosh2025"]["checks"] if c["claim"] == "System ≡ preset"]
    assert [c["name"][:2] for c in checks] == ["R1", "R2", "R3", "R4", "R5"]
    assert all(c["passed"] and c["measured"] < 1e-12 for c in checks)


def test_figures_report_and_index(repro):
    out, res = repro
    r = res["papers"]["ghosh2025"]
    assert set(r["figures"]) == set(ghosh2025.FIGURES) and len(ghosh2025.FIGURES) == 8
    for name in ghosh2025.FIGURES:
        p = out / "ghosh2025" / name
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000, name
        assert r["figures"][name] == str(p)
    report = (out / "ghosh2025" / "report.md").read_text()
    assert "| claim | statement | measured | spec / paper | tolerance | result | source |" in report
    assert "FAIL" not in report and report.count("| PASS |") == len(r["checks"])
    for i in range(1, 13):
        assert f"| T{i} |" in report or f"| T{i} ≈ |" in report
    assert "| T14 (warning) |" in report
    # the statements that hold only approximately are listed with their measured numbers
    approx = report.split("## Statements that hold only approximately")[1]
    for text in ("v_p1(0) = 0.68 m/s", "0.471 pi/b", "0.313 pi/b", "1/(1 + alpha^2)"):
        assert text in approx, text
    index = (out / "report.md").read_text()
    assert "| ghosh2025 |" in index and "ghosh2025/report.md" in index
    assert set(json.loads((out / "checks.json").read_text())) == {"ghosh2025"}
