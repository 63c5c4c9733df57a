"""``spinertia electrons SCENARIO.toml --out DIR [--json]`` and its scenario file."""
import argparse
import json

import numpy as np
import pytest

from spinertia.cli.electrons import add_electrons_parser
from spinertia.electrons import ElectronUnits
from spinertia.electrons.tensors import magnet_tensors
from spinertia.errors import InputError
from spinertia.io.electron_scenario import electron_scenario_from_dict, load_electron_scenario
from spinertia.units import HBAR

SCENARIO = """
[meta]
name = "chain"

[system]
lattice = "chain"
a = "3 A"
size = [4]
periodic = false
mu = "2 muB"

[electrons]
hopping_eV = 0.5
exchange = 0.8
onsite = 0.1
fermi_level = 0.3
kT = 0.0

[electrons.texture]
type = "uniform"
direction = [1, 0, 1]

[electrons.leads]
type = "wide_band"
gamma = 0.6

[compute]
quantities = ["alpha", "inertia", "eta", "alpha_omega", "btb", "pairs", "torques"]
omegas = [0.05]
"""


def run(argv):
    p = argparse.ArgumentParser()
    add_electrons_parser(p.add_subparsers())
    a = p.parse_args(argv)
    return a.func(a)


def test_cli_json_and_files(tmp_path, capsys):
    path = tmp_path / "chain.toml"
    path.write_text(SCENARIO)
    assert run(["electrons", str(path), "--out", str(tmp_path / "out"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    sc = load_electron_scenario(path)
    S = 4 * sc.system.mu[0] / sc.system.gamma[0] / HBAR
    assert doc["spin_hbar"] == pytest.approx(S)
    ref = magnet_tensors(sc.fsys, 0.3, spin=S)
    assert np.allclose(doc["alpha"], ref.alpha, atol=1e-12)
    assert np.allclose(doc["inertia"], ref.inertia, atol=1e-12)
    assert np.allclose(doc["inertia_s"], ref.inertia * ElectronUnits(0.5).time_s, rtol=1e-12)
    assert np.allclose(doc["alpha_btb"], doc["alpha_sym"], atol=1e-9 * np.abs(doc["alpha_btb"]).max())
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert set(summary["files"]) >= {"summary.json", "scenario.toml", "spin_parameters.npz", "torques.npz"}
    npz = np.load(tmp_path / "out" / "spin_parameters.npz")
    assert npz["damping_onsite"].shape == (4, 3, 3)
    assert npz["pairs"].shape[1] == 2
    assert (tmp_path / "out" / "scenario.toml").exists()


def _doc(**changes):
    import tomllib

    raw = tomllib.loads(SCENARIO)
    for key, val in changes.items():
        table, k = key.split(".", 1) if "." in key else ("", key)
        target = raw if not table else raw.setdefault(table, {})
        if "." in k:
            sub, k = k.split(".")
            target = target.setdefault(sub, {})
        if val is None:
            target.pop(k, None)
        else:
            target[k] = val
    return raw


def test_scenario_errors():
    with pytest.raises(InputError, match="missing Fermi level"):
        electron_scenario_from_dict(_doc(**{"electrons.fermi_level": None}))
    with pytest.raises(InputError, match="unknown key 'exchnge'"):
        electron_scenario_from_dict(_doc(**{"electrons.exchnge": 1.0}))
    with pytest.raises(InputError, match="omegas"):
        electron_scenario_from_dict(_doc(**{"compute.omegas": None}))
    with pytest.raises(InputError, match="bias"):
        electron_scenario_from_dict(_doc(**{"electrons.bias": 0.1}))
    with pytest.raises(InputError, match="quantities"):
        electron_scenario_from_dict(_doc(**{"compute.quantities": ["alpha", "dampng"]}))


def test_texture_file_size_mismatch(tmp_path):
    from spinertia.io.ovf import write_spins

    write_spins(tmp_path / "m.ovf", np.tile([0.0, 0.0, 1.0], (5, 1)), (5, 1, 1))
    raw = _doc(**{"electrons.texture": {"type": "ovf", "file": str(tmp_path / "m.ovf")}})
    with pytest.raises(InputError, match="does not match the lattice"):
        electron_scenario_from_dict(raw)


def test_energies_with_units_and_temperature():
    sc = electron_scenario_from_dict(_doc(**{"electrons.fermi_level": "0.15 eV", "electrons.kT": None,
                                             "electrons.temperature": "300 K",
                                             "compute.quantities": ["alpha"]}))
    assert sc.mu == [pytest.approx(0.3), pytest.approx(0.3)]
    assert sc.kT == pytest.approx(ElectronUnits(0.5).kT(300.0))
