"""Seed 003 reproduction (quick mode): relaxed skyrmion, charge, radii, LLG cross-check, outputs."""
import json

import numpy as np
import pytest

from spinertia.errors import InputError


@pytest.fixture(scope="module")
def repro(tmp_path_factory):
    from spinertia.reproduce import run_reproduce

    out = tmp_path_factory.mktemp("repro003")
    return out, run_reproduce(out, quick=True, papers=("xu2023",))


def test_outputs_written(repro):
    out, res = repro
    s = res["papers"]["xu2023"]
    for name in ("fig2_skyrmion.png", "fig_relaxation.png"):
        p = out / "xu2023" / name
        assert p.exists() and p.stat().st_size > 10_000, name
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert s["figures"][name] == str(p)
    report = (out / "xu2023" / "report.md").read_text()
    assert "PASS" in report and "FAIL" not in report and "r0" in report
    assert set(json.loads((out / "checks.json").read_text())) == {"xu2023"}
    from spinertia.io.ovf import read_ovf, read_spins

    for key in ("bulk_open", "interfacial_open", "bulk_periodic", "interfacial_periodic"):
        path = out / "xu2023" / f"skyrmion_{key}.ovf"
        assert s["ovf"][key] == str(path)
        assert read_ovf(path).header["xnodes"] == 40
        assert read_spins(path).shape == (1600, 3)


def test_every_check_passes(repro):
    _, res = repro
    checks = res["papers"]["xu2023"]["checks"]
    failed = [(c["figure"], c["name"], c["measured_str"], c["expected_str"], c["tolerance"]) for c in checks
              if not c["passed"]]
    assert not failed, failed
    assert len(checks) >= 40 and res["all_passed"]
    names = " ".join(c["name"] for c in checks)
    for key in ("LLG", "Berg-Luscher", "monotonically", "continuum", "OVF", "r0"):
        assert key in names
    for c in checks:
        assert c["source"] and c["expected_str"] and c["measured_str"]


def test_relaxed_numbers(repro):
    _, res = repro
    summ = res["papers"]["xu2023"]["summary"]
    for key, v in summ.items():
        assert v["Q_closed"] == pytest.approx(-1.0, abs=1e-6), key
        assert v["E_sk_J_ex"] > 0  # D < D_c: metastable isolated skyrmion
        assert 4.0 < v["r_mz0_a"] < 5.0 and 10.0 < v["r0_a"] < 11.5
    # open lattice: the plain sum is -1 plus the solid angle of the DMI-canted edge, which the relaxed
    # uniform background alone carries (an identity, not a stored number)
    from spinertia.analysis.topology import topological_charge
    from spinertia.lattice import textures
    from spinertia.lattice.minimize import minimize
    from spinertia.reproduce import xu2023

    fin = xu2023.build(xu2023.parameters(), "bulk", periodic=False)
    q_edge = topological_charge(fin, minimize(fin, textures.uniform(fin), rtol=1e-9).spins)
    assert abs(q_edge) > 0.01
    assert summ["bulk_open"]["Q"] == pytest.approx(-1.0 + q_edge, abs=5e-3)
    assert summ["bulk_periodic"]["Q"] == pytest.approx(-1.0, abs=1e-9)
    cont = res["papers"]["xu2023"]["continuum"]
    assert cont["D"] / cont["D_crit"] == pytest.approx(0.2 / (4 * np.sqrt(0.035) / np.pi))


def test_paper_is_registered_and_unknown_refused(tmp_path):
    from spinertia.reproduce import available_papers, run_reproduce

    assert "xu2023" in available_papers()
    with pytest.raises(InputError, match="no reproduction registered"):
        run_reproduce(tmp_path, quick=True, papers=("nobody1998",))
