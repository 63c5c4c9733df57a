"""Seed 003 Fig. 3 reproduction (quick mode): spin-resolved transmission and DOS with and without a skyrmion."""
import numpy as np
import pytest

from spinertia.reproduce import xu2023_transport as fig3


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig3")
    return out, fig3.run(out, quick=True)


def test_outputs_and_every_check(result):
    out, res = result
    png = out / fig3.FIGURES[0]
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    report = (out / "report.md").read_text()
    assert "FAIL" not in report and "J/2" in report
    failed = [(c["name"], c["measured_str"], c["expected_str"]) for c in res["checks"] if not c["passed"]]
    assert not failed, failed
    assert res["passed"] and len(res["checks"]) >= 15
    for c in res["checks"]:
        assert c["source"] and c["measured_str"] and c["expected_str"]


def test_three_polarization_regions(result):
    _, res = result
    s = res["summary"]
    assert s["P_T_skyrmion_region_i_max"] < -0.999 and s["P_T_skyrmion_region_iii_min"] > 0.999
    assert s["band_bottom_up"] == pytest.approx(2 + 2 * (1 - np.cos(np.pi / 41)))
    assert -0.95 < s["P_T_open_region_i_mean"] < -0.75  # DMI edge canting of the open-boundary texture


def test_transfer_matrix_route():
    # single-site barrier on a chain: T = 4 sin^2 k / (4 sin^2 k + V^2); no barrier: T = 1
    k = np.arccos(-0.3 / 2)
    assert fig3.chain_transmission(0.3, 1.0, 1) == pytest.approx(4 * np.sin(k) ** 2 / (4 * np.sin(k) ** 2 + 1))
    assert fig3.chain_transmission(0.3, 0.0, 40) == pytest.approx(1.0, abs=1e-12)
    assert fig3.chain_transmission(-1.9, 3.0, 40) < 1e-40 and fig3.chain_transmission(2.5, 0.0, 3) == 0.0
