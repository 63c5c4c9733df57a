"""Fuzzing the scenario reader: mutated valid scenarios (keys, types, values, NaN/inf, shapes, truncated files)
either build and run, or raise the package's InputError with a message that names the offending key -- never a
traceback.  Counts: ``pytest tests/test_fuzz_scenarios.py --hypothesis-show-statistics``."""
import copy
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from spinertia.errors import InputError, SpinertiaError
from spinertia.io.scenario import scenario_from_dict

MACROSPIN = {
    "units": {"time": "1 ps"},
    "system": {"gamma": 1.76e11, "zeeman": [{"B": [0, 0, 0.5]}],
               "anisotropy": [{"type": "uniaxial", "B_K": 0.05, "axis": [0, 0, 1]}],
               "damping": {"alpha": 0.01}, "inertia": {"eta": "1 ps"}},
    "model": {"type": "illg", "convention": "magnetization"},
    "initial": {"theta": "30 deg", "phi": "0 deg"},
    "run": {"t_end": "2 ps", "dt": "1 fs", "integrator": "rk4", "output_every": "1 ps"},
}
KERNEL = {
    "system": {"zeeman": [{"B": [0, 0, 1.0]}]},
    "model": {"type": "kernel", "kernel": {"Omega0": "1 rad/ps", "Z": 0.5, "Gamma": "0.04 rad/ps",
                                           "V0_sq": "0.01 (rad/ps)^2", "sign": "passive", "history": "none"}},
    "initial": {"m": [1, 0, 0]},
    "run": {"t_end": "2 ps", "dt": "5 fs", "output_every": "1 ps"},
}
LATTICE = {
    "units": {"time": "1 fs"},
    "system": {"lattice": "square", "a": "2.5 A", "size": [4, 4], "periodic": True, "mu": "2 muB",
               "exchange": [{"J": "10 meV", "shell": 1}], "dmi": [{"D": "2 meV", "shell": 1, "kind": "interfacial"}],
               "anisotropy": [{"K": "0.8 meV", "axis": [0, 0, 1]}], "zeeman": {"B": [0, 0, 1.0]},
               "damping": {"alpha": 0.1}, "inertia": {"eta": "10 fs"}},
    "model": {"type": "illg", "temperature": "0 K", "seed": 1},
    "initial": {"state": "skyrmion", "radius": "0.5 nm", "kind": "neel"},
    "run": {"t_end": "4 fs", "dt": "0.5 fs", "integrator": "heun", "output_every": "2 fs"},
}
BASES = [MACROSPIN, KERNEL, LATTICE]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

STRANGE = [None, True, -1, 0, 1e300, -1e-300, math.nan, math.inf, -math.inf, "", "abc", "10 parsec", "1e9 T",
           [], [1], [1, 2], [1, 2, 3, 4], [[1, 2, 3]], {"x": 1}, [["a"]], "-5 fs", 3, 2.5, "0 K"]


def paths(obj, prefix=()):
    """Every (path to a value) in a nested dict/list scenario."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, (dict, list)):
                yield from paths(v, prefix + (i,))


def get_parent(obj, path):
    for p in path[:-1]:
        obj = obj[p]
    return obj


def names_in(path):
    return [str(p) for p in path if isinstance(p, str)]


def check(raw, mutated_path):
    try:
        sc = scenario_from_dict(raw)
    except InputError as err:
        msg = str(err)
        assert msg and "Traceback" not in msg
        names = names_in(mutated_path)
        # the message names the offending key or its table
        assert any(n in msg for n in names) or any(n in msg for n in ("[system]", "[run]", "[model]", "[initial]")), \
            (mutated_path, msg)
        event("refused with the key named")
        return
    try:
        sc.run.t_end = min(sc.run.t_end, sc.run.output_every * 2)  # a short run of the built scenario
        sc.simulate(progress=False)
        event("built and ran")
    except SpinertiaError as err:  # e.g. a diverging run: a clear package error, never a traceback
        assert str(err)
        event("built, stopped with a package error")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(range(3)), data=st.data())
def test_mutated_scenarios_run_or_name_the_key(base, data):
    raw = copy.deepcopy(BASES[base])
    all_paths = list(paths(raw))
    path = data.draw(st.sampled_from(all_paths))
    action = data.draw(st.sampled_from(["delete", "replace", "unknown", "rename"]))
    parent = get_parent(raw, path)
    key = path[-1]
    if action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = data.draw(st.sampled_from(STRANGE))
    elif action == "unknown":
        target = parent if isinstance(parent, dict) else raw
        target["zz_" + str(key)] = 1
        path = path[:-1] + ("zz_" + str(key),)
    else:
        if isinstance(parent, dict):
            parent[str(key)[:-1] or "x"] = parent.pop(key)
            path = path[:-1] + (str(key)[:-1] or "x",)
    check(raw, path)


@pytest.mark.parametrize("cut", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_truncated_files_are_clear_errors(tmp_path, cut):
    from spinertia.io.scenario import load_scenario

    text = (EXAMPLES / "illg.toml").read_text()
    p = tmp_path / "cut.toml"
    p.write_text(text[: int(len(text) * cut)])
    try:
        load_scenario(p)
    except InputError as err:
        assert "Traceback" not in str(err) and str(err)
    else:  # a cut at a line end can still be valid TOML but misses sections
        pytest.fail("a truncated scenario loaded")
