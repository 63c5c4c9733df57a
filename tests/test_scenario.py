"""TOML scenarios: examples load, schema validation names keys and suggests fixes."""
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from spinertia.errors import InputError, StepTooLargeError
from spinertia.io.scenario import SCHEMA, load_scenario, scenario_from_dict
from spinertia.units import GAMMA_ELECTRON

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def base(model="llg"):
    """A small valid scenario as a dict."""
    raw = {
        "units": {"time": "1 ps"},
        "system": {"zeeman": [{"B": [0, 0, 0.5]}], "damping": {"alpha": 0.01}},
        "model": {"type": model},
        "initial": {"theta": "30 deg"},
        "run": {"t_end": "10 ps", "dt": "1 fs", "output_every": "0.1 ps"},
    }
    if model == "illg":
        raw["system"]["inertia"] = {"eta": "1 ps"}
    if model == "kernel":
        raw["model"]["kernel"] = {"Omega0": "1 rad/ps", "Z": 0.5, "Gamma": 4e10, "V0_sq": 1e22}
    return raw


def error_of(raw):
    with pytest.raises(InputError) as info:
        scenario_from_dict(raw)
    return str(info.value)


@pytest.mark.parametrize("name,model,size", [("llg", "llg", 3), ("illg", "illg", 6), ("kernel", "kernel", 9)])
def test_examples_load(name, model, size):
    sc = load_scenario(EXAMPLES / f"{name}.toml")
    assert sc.model.name == model
    assert sc.y0.shape == (size,)
    assert np.linalg.norm(sc.y0[:3]) == pytest.approx(1.0)
    assert sc.run.t_end > sc.run.dt > 0
    assert sc.name
    # every key used by the examples is in the schema and documented
    doc = (ROOT / "docs" / "scenario_reference.md").read_text()
    raw = tomllib.loads((EXAMPLES / f"{name}.toml").read_text())
    for section, table in raw.items():
        tables = table if isinstance(table, list) else [table]
        for t in tables:
            for key in t:
                assert f"`{key}`" in doc, f"{section}.{key} not documented"


def test_scenario_reference_is_generated_from_the_schema():
    """docs/scenario_reference.md is the output of the schema the readers validate with (no drift)."""
    from spinertia.io.schema import TABLES, render_markdown

    doc = (ROOT / "docs" / "scenario_reference.md").read_text()
    assert doc == render_markdown(), "regenerate: python -m spinertia.io.schema > docs/scenario_reference.md"
    for table in TABLES:
        for key in table.keys:
            assert f"| `{key.name}` |" in doc
    for path, keys in SCHEMA.items():
        for key in keys:
            assert f"| `{key}` |" in doc, f"{path}.{key}"

def test_si_numbers_and_unit_strings_agree():
    a = base("illg")
    b = base("illg")
    b["run"] = {"t_end": 1e-11, "dt": 1e-15, "output_every": 1e-13}
    b["system"]["inertia"]["eta"] = 1e-12
    b["system"]["zeeman"] = [{"B": ["0 T", "0 mT", "500 mT"]}]
    sa, sb = scenario_from_dict(a), scenario_from_dict(b)
    assert sa.run.t_end == pytest.approx(sb.run.t_end) == 1e-11
    assert sa.run.dt == pytest.approx(sb.run.dt) == 1e-15
    assert np.allclose(sa.finalized.tables.h0, sb.finalized.tables.h0)
    assert np.allclose(sa.model.E.T, sb.model.E.T)
    # reduced units: eta = 1 ps with t_unit = 1 ps -> 1; h = gamma B t_unit
    assert sa.model.E.T[0, 0] == pytest.approx(1.0)
    assert sa.hamiltonian.static_field[2] == pytest.approx(GAMMA_ELECTRON * 0.5 * 1e-12)
    assert sa.run.output_every == pytest.approx(100 * sa.run.dt)


def test_initial_angles_and_velocity():
    raw = base("illg")
    raw["initial"] = {"theta": "90 deg", "phi": "90 deg", "dmdt": [1e9, 0, 0]}
    sc = scenario_from_dict(raw)
    assert np.allclose(sc.y0[:3], [0, 1, 0], atol=1e-12)
    # w = m x dm/dt in reduced units (1e9 rad/s * 1 ps = 1e-3)
    assert np.allclose(sc.y0[3:], np.cross([0, 1, 0], [1e-3, 0, 0]), atol=1e-15)


def test_kernel_parameters():
    raw = base("kernel")
    raw["model"]["kernel"] = {"Omega0": "1 rad/ps", "Z": 0.5, "lifetime": "50 ps", "V0_sq": "0.01 (rad/ps)^2",
                              "history": "equilibrated"}
    raw["model"]["longitudinal"] = {"tau": "1 ps", "m_eq": 0.95}
    sc = scenario_from_dict(raw)
    k = sc.model.kernel
    # c = -i 2 Z V0^2, z = -Z Gamma + i Omega0 in reduced units; Z Gamma = 1 / lifetime
    assert k.exponents[0] == pytest.approx(complex(-1 / 50, 1.0))
    assert k.coefficients[0] == pytest.approx(-1j * 2 * 0.5 * 0.01)
    assert sc.model.longitudinal == pytest.approx((1e-12, 0.95))
    assert np.any(sc.y0[3:] != 0)  # equilibrated history fills the auxiliary variables


def test_cyclic_frequency_and_protocols():
    raw = base()
    raw["system"]["zeeman"] = [{"B": [0, 0, 0.5]},
                               {"B": [0, 0, 0], "protocol": "sine", "B1": [0.01, 0, 0], "frequency": "10 GHz"}]
    raw["system"]["anisotropy"] = [{"type": "easy_plane", "B_K": 0.1, "normal": [1, 0, 0]},
                                   {"type": "tensor", "N": [[0, 0, 0], [0, 0, 0], [0, 0, 1e9]]}]
    sc = scenario_from_dict(raw)
    assert sc.system.protocol == "sine"
    assert sc.finalized.fp[1] == pytest.approx(2 * math.pi * 10e9 * 1e-12)
    N = sc.hamiltonian.anisotropy
    assert N[0, 0] == pytest.approx(-GAMMA_ELECTRON * 0.1 * 1e-12)
    assert N[2, 2] == pytest.approx(1e9 * 1e-12)


# ------------------------------------------------------------------------------------------------
# unknown keys
# ------------------------------------------------------------------------------------------------
def test_unknown_key_named_with_suggestion():
    raw = base()
    raw["system"]["damping"]["alpah"] = 0.1
    msg = error_of(raw)
    assert "'alpah'" in msg and "did you mean 'alpha'" in msg and "system.damping" in msg
    raw = base()
    raw["model"]["tyep"] = "llg"
    msg = error_of(raw)
    assert "'tyep'" in msg and "did you mean 'type'" in msg and "[model]" in msg
    assert "convention" in msg  # lists the allowed keys


@pytest.mark.parametrize("where,key,suggest", [
    ((), "modle", "model"),
    (("run",), "outpt_every", "output_every"),
    (("units",), "tim", "time"),
    (("model", "kernel"), "omega0", "Omega0"),
])
def test_unknown_keys_everywhere(where, key, suggest):
    raw = base("kernel")
    table = raw
    for w in where:
        table = table[w]
    table[key] = 1
    msg = error_of(raw)
    assert f"'{key}'" in msg and f"did you mean '{suggest}'" in msg


def test_unknown_key_in_array_of_tables():
    raw = base()
    raw["system"]["zeeman"][0]["protocl"] = "step"
    msg = error_of(raw)
    assert "'protocl'" in msg and "'protocol'" in msg and "system.zeeman" in msg


def test_bad_choice_suggests():
    raw = base()
    raw["run"]["integrator"] = "rk45"
    msg = error_of(raw)
    assert "run.integrator" in msg and "rk4" in msg and "dp45" in msg


# ------------------------------------------------------------------------------------------------
# bad values
# ------------------------------------------------------------------------------------------------
def test_non_unit_m():
    raw = base()
    raw["initial"] = {"m": [1, 1, 0]}
    msg = error_of(raw)
    assert "initial.m" in msg and "unit vector" in msg and "normalize" in msg


def test_negative_dt():
    raw = base()
    raw["run"]["dt"] = "-1 fs"
    msg = error_of(raw)
    assert "run.dt" in msg and "> 0" in msg


def test_t_end_shorter_than_dt():
    raw = base()
    raw["run"] = {"t_end": "0.5 fs", "dt": "1 fs"}
    msg = error_of(raw)
    assert "run.t_end" in msg and "run.dt" in msg


@pytest.mark.parametrize("key,value", [("Gamma", -4e10), ("lifetime", "-5 ps")])
def test_negative_lifetime_or_broadening(key, value):
    raw = base("kernel")
    del raw["model"]["kernel"]["Gamma"]
    raw["model"]["kernel"][key] = value
    msg = error_of(raw)
    assert f"model.kernel.{key}" in msg and "> 0" in msg


@pytest.mark.parametrize("alpha", [[0.1, 0.2], [[1, 0], [0, 1]], [[1, 0, 0], [0, 1, 0]]])
def test_wrong_alpha_shape(alpha):
    raw = base()
    raw["system"]["damping"]["alpha"] = alpha
    msg = error_of(raw)
    assert "system.damping.alpha" in msg and "3x3" in msg


@pytest.mark.parametrize("key,where", [("alpha", "[system.damping]"), ("eta", "[system.inertia]")])
def test_moved_keys_say_where_they_live_now(key, where):
    raw = base()
    raw["model"][key] = 0.01
    msg = error_of(raw)
    assert f"model.{key}" in msg and where in msg


@pytest.mark.parametrize("mutate,fragment", [
    (lambda r: r["model"]["kernel"].update(Z=1.5), "model.kernel.Z"),
    (lambda r: r["model"]["kernel"].update(V0_sq=-1.0), "V0_sq"),
    (lambda r: r["model"]["kernel"].update(sign="negative"), "model.kernel.sign"),
    (lambda r: r["run"].update(dt="1 lightyear"), "run.dt"),
    (lambda r: r["run"].update(output_every="1.5 fs"), "run.output_every"),
    (lambda r: r["initial"].update(m=[0, 0, 1]), "either m"),
    (lambda r: r["initial"].update(dmdt=[0, 0, 0]), "initial.dmdt"),
    (lambda r: r["model"].update(eta="1 ps"), "model.eta"),
    (lambda r: r["model"].update(convention="seed003"), "now called 'spin'"),
    (lambda r: r["system"]["zeeman"][0].update(t_on="1 ps"), "t_on"),
    (lambda r: r["system"]["zeeman"][0].update(omega=[0, 0, 1]), "B or omega"),
    (lambda r: r.pop("run"), "[run]"),
])
def test_bad_values(mutate, fragment):
    raw = base("kernel")
    mutate(raw)
    msg = error_of(raw)
    assert fragment in msg, msg


def test_rkmk4_with_longitudinal_refused():
    raw = base("kernel")
    raw["model"]["longitudinal"] = {"tau": "1 ps", "m_eq": 0.9}
    raw["run"]["integrator"] = "rkmk4"
    assert "rkmk4" in error_of(raw)


def test_step_too_large_names_dt():
    raw = base("illg")
    raw["system"]["inertia"]["eta"] = "1 fs"
    raw["run"] = {"t_end": "10 ps", "dt": "10 fs"}
    with pytest.raises(StepTooLargeError) as info:
        scenario_from_dict(raw)
    assert "run.dt" in str(info.value)


def test_load_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[model\ntype = 'llg'\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(bad)
