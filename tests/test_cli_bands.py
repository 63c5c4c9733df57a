"""``spinertia bands`` (spinertia.cli.bands): example scenarios against closed forms and the Ghosh et al. 2025 presets,
output files, the --json format, reported instabilities, the general 2N form and input errors."""
import argparse
import contextlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from spinertia.cli.bands import add_bands_parser, cmd_bands
from spinertia.io.bands_scenario import bands_scenario_from_dict, load_bands_scenario
from spinertia.errors import InputError
from spinertia.spinwaves import r3, solve
from spinertia.units import E_CHARGE, GAMMA_ELECTRON, MU_B

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
THZ = 2 * np.pi * 1e12


def parser():
    p = argparse.ArgumentParser(prog="spinertia")
    add_bands_parser(p.add_subparsers(dest="command"))
    return p


def run(scenario, out, *extra):
    args = parser().parse_args(["bands", str(scenario), "--out", str(out), *extra])
    assert args.func is cmd_bands
    return args.func(args)


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


SQUARE = """
[system]
lattice = "square"
a = "3 A"
mu = "2 muB"
[[system.exchange]]
J = "10 meV"
shell = 1
[system.zeeman]
B = [0, 0, "0.5 T"]
{extra}
[bands]
{bands}
"""


# ------------------------------------------------------------------------------ examples, closed forms
@pytest.fixture(scope="module")
def square(tmp_path_factory):
    out = tmp_path_factory.mktemp("square")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        assert run(EXAMPLES / "bands_square.toml", out, "--json") == 0
    return out, stdout.getvalue(), stderr.getvalue()


def test_square_example_matches_closed_form(square):
    """Spec 2.5.2 / 2.5.3: lambda = gamma [B + 2K/mu + (J/mu)(4 - 2 c_x - 2 c_y)],
    omega = (kappa -+ sqrt(kappa^2 + 4 eta lambda)) / 2 eta, kappa = 1 - i alpha."""
    square = square[0]
    ds = xr.load_dataset(square / "bands.nc", engine="h5netcdf")
    k = ds["k"].values
    a, J, K, mu, B, alpha, eta = 3e-10, 10e-3 * E_CHARGE, 0.1e-3 * E_CHARGE, 2 * MU_B, 0.5, 0.02, 50e-15
    lam = GAMMA_ELECTRON * (B + 2 * K / mu + J / mu * (4 - 2 * np.cos(k[:, 0] * a) - 2 * np.cos(k[:, 1] * a)))
    kap = 1 - 1j * alpha
    r = np.sqrt(kap**2 + 4 * eta * lam)
    ref = np.stack([(kap - r) / (2 * eta), (kap + r) / (2 * eta)], axis=1)
    w = ds["omega_real"].values[0] + 1j * ds["omega_imag"].values[0]
    assert np.abs(w - ref).max() <= 1e-12 * np.abs(ref).max()
    assert list(ds["band"].values) == ["p1", "n1"] and list(ds["sigma"].values) == [1]
    # path G-X-M-G in fractions of b1, b2 (2 pi / a)
    assert json.loads(ds.attrs["path_labels"]) == ["G", "X", "M", "G"]
    assert np.allclose(k[100], [np.pi / a, 0]) and np.allclose(k[200], [np.pi / a, np.pi / a])
    assert ds["path"].values[-1] == pytest.approx((2 + np.sqrt(2)) * np.pi / a)
    assert np.allclose(ds["frequency"].values, np.abs(ds["omega_real"].values) / (2 * np.pi))
    # single sublattice, alpha_eff / alpha = gamma_eff / gamma = 1/sqrt(1 + 4 eta lambda) at O(alpha)
    assert np.allclose(ds["alpha_eff"].values[0] / alpha, ds["gamma_eff"].values[0] / GAMMA_ELECTRON, atol=1e-3)
    # group velocity along the G-X segment = d|Re omega|/dk_x, analytic
    i = 50
    dl = GAMMA_ELECTRON * J / mu * 2 * a * np.sin(k[i, 0] * a)
    v = dl / np.abs(r[i]) * np.array([1, 1])  # alpha -> 0 closed form (spec 3)
    assert np.allclose(ds["group_velocity_path"].values[0, i], v, rtol=1e-3)
    assert np.allclose(ds["group_velocity"].values[0, i, :, 0], v, rtol=1e-3)
    summ = json.loads((square / "summary.json").read_text())
    assert summ["stability"]["ok"] and summ["bands"] == ["p1", "n1"] and "zone_edge_gaps" not in summ
    assert summ["crossings"]["bands"] == ["p1", "n1"] and summ["crossings"]["per_sigma"]["1"]["crossings"] == []
    png = (square / "bands.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert (square / "scenario.toml").read_text() == (EXAMPLES / "bands_square.toml").read_text()


def test_json_output_format(square):
    """--json: one document on stdout, per k-point {"k", "sigma", "omega": [[re, im], ...]} ordered p1.., n1.."""
    square, out, err = square
    doc = json.loads(out)  # stdout holds the JSON document only
    assert "wrote" in err
    rows = doc["kpoints"]
    ds = xr.load_dataset(square / "bands.nc", engine="h5netcdf")
    assert len(rows) == ds.sizes["kpoint"] == 301 and doc["bands"] == ["p1", "n1"]
    r = rows[120]
    assert set(r) == {"k", "sigma", "omega"} and r["sigma"] == 1
    assert r["k"] == pytest.approx(ds["k"].values[120].tolist(), rel=1e-15)
    ref = np.stack([ds["omega_real"].values[0, 120], ds["omega_imag"].values[0, 120]], axis=1)
    assert np.array(r["omega"]) == pytest.approx(ref, rel=1e-15)
    assert r["omega"][0][0] < 0 < r["omega"][1][0]  # sigma = +1: precessional Re < 0, inertial Re > 0


def test_ghosh2025_example_equals_preset_R3(tmp_path):
    assert run(EXAMPLES / "bands_ghosh2025.toml", tmp_path) == 0
    ds = xr.load_dataset(tmp_path / "bands.nc", engine="h5netcdf")
    assert list(ds["sigma"].values) == [1, -1] and list(ds["band"].values) == ["p1", "p2", "n1", "n2"]
    k = ds["k"].values
    assert np.allclose(k[:, 0], 0) and k[0, 1] == pytest.approx(-np.pi / 2.87e-10) and k[-1, 1] == pytest.approx(
        np.pi / 2.87e-10)
    for i, s in enumerate((1, -1)):
        w = ds["omega_real"].values[i] + 1j * ds["omega_imag"].values[i]
        ref = solve(r3(), k, s, vectors=False).omega
        assert np.abs(w - ref).max() <= 1e-12 * np.abs(ref).max()
    summ = json.loads((tmp_path / "summary.json").read_text())
    assert summ["stability"]["ok"]
    gaps = {(g["label"], g["sigma"]): g for g in summ["zone_edge_gaps"]["points"]}
    assert round(gaps[("Y", 1)]["delta_p_THz"], 4) == 0.5578 == round(gaps[("Y", 1)]["delta_n_THz"], 4)
    cr = [c["k_input"][1] for c in summ["crossings"]["per_sigma"]["1"]["crossings"]]
    assert np.round(cr, 3).tolist() == [-0.686, 0.686]
    # R3 along k_y: max |v_n2| = 4.88 km/s (spec T9), velocity along the path = d|Re omega|/dk_y
    v = ds["group_velocity_path"].values[0]
    assert round(np.abs(v[:, 3]).max() / 1e3, 2) == 4.88
    assert np.allclose(v, ds["group_velocity"].values[0, :, :, 1], rtol=1e-12, atol=1e-9)


def test_kpoint_units_agree(tmp_path):
    """(0, pi/b) of the checkerboard: reciprocal (0.5, -0.5) = pi/a (0, 1) = 1/m (0, pi/b)."""
    kb = np.pi / 2.87e-10
    outs = []
    for units, pts in (("reciprocal", "[[0, 0], [0.5, -0.5]]"), ("pi/a", "[[0, 0], [0, 1]]"),
                       ("1/m", f"[[0, 0], [0, {kb!r}]]")):
        sc = bands_scenario_from_dict({"system": {"preset": "ghosh2025_checkerboard"},
                                       "bands": {"kpoints": json.loads(pts), "units": units, "sigma": "both"}})
        outs.append(sc.k)
        assert sc.sigmas == (1, -1) and sc.node_labels == ()
    assert np.allclose(outs[0], outs[1], rtol=1e-14, atol=1) and np.allclose(outs[1], outs[2], rtol=1e-14, atol=1)


# --------------------------------------------------------------------------- reported, not raised
def test_unstable_system_is_reported_not_refused(tmp_path, capsys):
    """Spec T14: on-site chiral inertia xi = 0.3 fs makes precession grow: exit 0, flagged in summary.json."""
    p = write(tmp_path, '[system]\npreset = "ghosh2025_checkerboard"\nxi = "0.3 fs"\n'
                        '[bands]\npath = [["G", [0, 0]], ["Y", [0, 1]]]\nunits = "pi/a"\nn = 10\n')
    assert run(p, tmp_path / "out") == 0
    summ = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert not summ["stability"]["ok"]
    assert {f["condition"] for f in summ["stability"]["failures"]} == {"growing_mode"}
    assert "not stable" in capsys.readouterr().err
    assert xr.load_dataset(tmp_path / "out" / "bands.nc", engine="h5netcdf").attrs["stability_ok"] == 0


def test_llg_without_inertia_gives_null_inertial_roots(tmp_path, capsys):
    p = write(tmp_path, SQUARE.format(extra="[system.damping]\nalpha = 0.1",
                                      bands='kpoints = [[0, 0], [0.25, 0]]\nsigma = -1'))
    assert run(p, tmp_path / "out", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    r = doc["kpoints"][1]
    assert r["sigma"] == -1 and r["omega"][1] is None and r["omega"][0][0] > 0  # sigma = -1: precession Re > 0
    lam = GAMMA_ELECTRON * (0.5 + 10e-3 * E_CHARGE / (2 * MU_B) * (4 - 2 * np.cos(np.pi / 2) - 2))
    assert complex(*r["omega"][0]) == pytest.approx(lam / (1 + 0.1j), rel=1e-12)  # -conj(-lam / (1 - i alpha))


def test_beta_mixing_uses_general_form(tmp_path, capsys):
    """In-plane anisotropy (easy axis x, field along z large enough) couples beta+ and beta-: 4N roots."""
    p = write(tmp_path, SQUARE.format(extra='[[system.anisotropy]]\nK = "0.01 meV"\naxis = [1, 0, 0]\n'
                                            '[system.inertia]\neta = "50 fs"\n[system.damping]\nalpha = 0.01',
                                      bands='path = [["G", [0, 0]], ["X", [0.5, 0]]]\nn = 8\nsigma = "both"'))
    assert run(p, tmp_path / "out") == 0
    assert "general 2N form" in capsys.readouterr().err
    ds = xr.load_dataset(tmp_path / "out" / "bands.nc", engine="h5netcdf")
    assert list(ds["sigma"].values) == [0] and list(ds["band"].values) == ["m1", "m2", "m3", "m4"]
    summ = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summ["stability"]["ok"] and "crossings" not in summ and summ["sigma"] == [0]


# ------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("bands,match", [
    ('path = [["G", [0, 0, 0]], ["X", [0.5, 0, 0]]]', r"bands.path\[0\]: k-point \[0, 0, 0\] has 3 component\(s\); "
                                                      r"this 2D lattice needs 2"),
    ('kpoints = [[0.1]]', r"bands.kpoints\[0\]: k-point \[0.1\] has 1 component"),
    ('path = [["G", [0, 0]]]', r"bands.path must be at least two named points"),
    ('path = [[0, 0], [0.5, 0]]', r"bands.path\[0\] must be a named point"),
    ('path = [["G", [0, 0]], ["X", [0.5, "a"]]]', r"bands.path\[1\]\[1\] must be a finite number"),
    ('kpoints = [[0, 0]]\npath = [["G", [0, 0]], ["X", [0.5, 0]]]', r"give exactly one of path"),
    ('kpoints = [[0, 0]]\nn = 10', r"bands.n applies to a path"),
    ('path = [["G", [0, 0]], ["X", [0.5, 0]]]\nn = 0', r"bands.n must be a positive integer"),
    ('path = [["G", [0, 0]], ["X", [0.5, 0]]]\nsigma = 2', r"bands.sigma = 2 is not valid"),
    ('path = [["G", [0, 0]], ["X", [0.5, 0]]]\nunits = "2pi/a"', r"bands.units = '2pi/a' is not valid"),
    ('path = [["G", [0, 0]], ["X", [0.5, 0]]]\nnpoints = 3', r"unknown key 'npoints' in \[bands\].*Allowed keys: path"),
])
def test_bad_bands_table(tmp_path, bands, match):
    p = write(tmp_path, SQUARE.format(extra="", bands=bands))
    with pytest.raises(InputError, match=match):
        run(p, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bad_system_and_files(tmp_path):
    bad = SQUARE.format(extra='[[system.dmi]]\nD = 1e-22\nkind = "vector"\nvector = [0, 0, 1]\n'
                              'bonds = [["A", "B", [1, 0]]]', bands='kpoints = [[0, 0]]')
    with pytest.raises(InputError, match=r"s.toml: system.dmi\[0\].bonds\[0\]: unknown sublattice 'B'; "
                                         r"this lattice has \['A'\]"):
        run(write(tmp_path, bad), tmp_path / "out")
    with pytest.raises(InputError, match=r"missing required section \[bands\]"):
        run(write(tmp_path, '[system]\npreset = "ghosh2025_checkerboard"\n'), tmp_path / "out")
    with pytest.raises(InputError, match=r"unknown section 'modle'; did you mean 'model'"):
        run(write(tmp_path, '[system]\npreset = "ghosh2025_checkerboard"\n[modle]\ntype = "illg"\n'
                            '[bands]\nkpoints = [[0, 0]]\n'), tmp_path / "out")
    with pytest.raises(InputError, match=r"pi/a needs a lattice constant"):
        run(write(tmp_path, '[system]\nmu = 1e-23\n[system.lattice]\nvectors = [[3e-10, 0], [0, 3e-10]]\n'
                            '[bands]\nkpoints = [[0, 0]]\nunits = "pi/a"\n'), tmp_path / "out")
    with pytest.raises(InputError, match=r"does not exist"):
        run(tmp_path / "missing.toml", tmp_path / "out")
    with pytest.raises(InputError, match=r"not valid TOML"):
        run(write(tmp_path, "[system\n"), tmp_path / "out")
    good = tmp_path / "good.toml"
    shutil.copy(EXAMPLES / "bands_square.toml", good)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError, match=r"exists and is not a directory"):
        run(good, tmp_path / "afile")


def test_dynamics_sections_are_ignored(tmp_path):
    text = (EXAMPLES / "bands_square.toml").read_text().replace("n = 100", "n = 4")
    text += '\n[units]\ntime = "1 ps"\n[run]\nt_end = "1 ps"\n'
    sc = load_bands_scenario(write(tmp_path, text))
    assert len(sc.k) == 13 and sc.node_labels == ("G", "X", "M", "G")
