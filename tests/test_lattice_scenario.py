"""spinertia run with a lattice scenario: result file, final OVF state, resume, errors."""
import numpy as np
import pytest

from spinertia.cli.main import main
from spinertia.errors import InputError
from spinertia.io.ovf import read_spins
from spinertia.io.results import read_result
from spinertia.io.scenario import scenario_from_dict

BASE = """
[units]
time = "1 fs"
[system]
lattice = "square"
a = "2.5 Å"
size = [6, 5]
periodic = [true, false]
mu = "2 muB"
[[system.exchange]]
J = "10 meV"
shell = 1
[[system.dmi]]
D = "2 meV"
shell = 1
kind = "interfacial"
[[system.anisotropy]]
K = "0.5 meV"
axis = [0, 0, 1]
[system.zeeman]
B = [0, 0, 1.0]
[system.damping]
alpha = 0.1
[system.inertia]
eta = "10 fs"
[model]
type = "illg"
[initial]
state = "random"
seed = 3
[run]
t_end = "40 fs"
dt = "0.5 fs"
output_every = "10 fs"
"""


def test_lattice_run_writes_result_and_final_state(tmp_path):
    sc = tmp_path / "s.toml"
    sc.write_text(BASE)
    assert main(["run", str(sc), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    ds = read_result(tmp_path / "o" / "result.nc")
    spins = ds["spins"].values
    assert spins.shape == (5, 30, 3)
    assert np.abs(np.linalg.norm(spins, axis=-1) - 1).max() < 1e-12
    assert ds["energy"].attrs["units"] == "J"
    total = ds["energy"].values + ds["kinetic_energy"].values
    assert np.all(np.diff(total) < 0)  # damped: magnetic + inertial energy decreases
    final = read_spins(tmp_path / "o" / "final.ovf")
    assert np.array_equal(final, spins[-1])
    assert ds.attrs["integrator"] == "heun"


def test_lattice_scenario_matches_direct_api(tmp_path):
    import tomllib

    from spinertia.dynamics.simulate import simulate

    sc = scenario_from_dict(tomllib.loads(BASE))
    a = sc.simulate()
    b = simulate(sc.model, sc.y0, sc.run.t_end, sc.run.dt, method="heun", output_every=sc.run.output_every)
    assert np.array_equal(a.Y, b.Y)


def test_lattice_scenario_errors():
    import tomllib

    raw = tomllib.loads(BASE)
    raw["model"]["tpye"] = "llg"
    with pytest.raises(InputError, match="tpye"):
        scenario_from_dict(raw)
    raw = tomllib.loads(BASE)
    raw["initial"] = {"state": "ovf"}
    with pytest.raises(InputError, match="initial.path"):
        scenario_from_dict(raw)
    raw = tomllib.loads(BASE)
    raw["run"]["integrator"] = "euler"
    with pytest.raises(InputError, match="integrator"):
        scenario_from_dict(raw)
