"""Command line: spinertia run / modes / reproduce."""
import json
from pathlib import Path

import numpy as np
import pytest

from spinertia.cli.main import main
from spinertia.dynamics import integrators as integ
from spinertia.io.results import read_result
from spinertia.units import GAMMA_ELECTRON

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# 40000 rkmk4 steps = two compiled chunks of 20000 // save_every = 2000 outputs (20000 steps) each
LONG_LLG = """
[units]
time = "1 ps"
[[system.zeeman]]
B = [0, 0, 0.5]
[system.damping]
alpha = 0.01
[model]
type = "llg"
[initial]
theta = "20 deg"
[run]
t_end = "4000 ps"
dt = "0.1 ps"
integrator = "rkmk4"
output_every = "1 ps"
checkpoint_interval = 0
"""


def write(tmp_path, text, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_run_llg_example(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(EXAMPLES / "llg.toml"), "--out", str(out), "--no-progress"])
    assert code == 0
    assert (out / "result.nc").exists() and (out / "summary.json").exists() and (out / "scenario.toml").exists()
    ds = read_result(out / "result.nc")
    norm = np.linalg.norm(ds["m"].values, axis=1)
    np.testing.assert_allclose(norm, 1.0, atol=1e-12)
    assert ds.attrs["complete"] == 1
    assert json.loads(ds.attrs["scenario"])["model"]["type"] == "llg"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["complete"] is True and summary["status"] == "complete"
    assert summary["n_samples"] == ds.sizes["time"] == 501
    assert summary["m_norm_min"] == pytest.approx(1.0, abs=1e-12)
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("name,extra", [("illg", "kinetic_energy"), ("kernel", "aux")])
def test_run_other_examples_shortened(tmp_path, name, extra):
    text = (EXAMPLES / f"{name}.toml").read_text()
    assert 't_end = "200 ps"' in text
    scenario = write(tmp_path, text.replace('t_end = "200 ps"', 't_end = "2 ps"'), f"{name}.toml")
    assert main(["run", str(scenario), "--out", str(tmp_path / name), "--no-progress"]) == 0
    ds = read_result(tmp_path / name / "result.nc")
    assert ds.attrs["model"] == name and extra in ds
    summary = json.loads((tmp_path / name / "summary.json").read_text())
    assert summary["complete"] is True and summary["n_samples"] == 21
    assert summary["total_energy_drift_relative"] is not None


def _interrupting(monkeypatch, after_calls, action):
    """Wrap the compiled advance functions: the first ``after_calls`` chunks run, then ``action(real, args)``.
    Returns a record of the outputs each chunk wrote (``calls["outputs"]``)."""
    real_compiled = integ.compiled
    calls = {"n": 0, "outputs": [], "steps": []}

    def compiled(*a, **k):
        real = real_compiled(*a, **k)

        def advance(*args):
            if args[5] == 0:  # warm-up call (compilation)
                return real(*args)
            calls["n"] += 1
            if calls["n"] > after_calls:
                return action(real, args, calls)
            calls["outputs"].append((args[7] + args[5]) // args[6])
            calls["steps"].append(args[5])
            return real(*args)

        return advance

    monkeypatch.setattr(integ, "compiled", compiled)
    return calls


@pytest.fixture
def live_ctrl_c():
    """SIGINT handled as in a terminal: a test process started in the background by a non-interactive shell
    inherits SIGINT ignored (and a run there leaves it ignored: Ctrl-C cannot reach it)."""
    import signal

    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def test_ctrl_c_keeps_the_chunk_in_progress_then_resume(tmp_path, monkeypatch, capsys, live_ctrl_c):
    """SIGINT arrives while a compiled chunk runs: the chunk completes, its samples are saved, the run stops
    with exit 130, and --resume gives the uninterrupted result."""
    import os
    import signal

    scenario = write(tmp_path, LONG_LLG)
    full, part = tmp_path / "full", tmp_path / "part"
    assert main(["run", str(scenario), "--out", str(full), "--no-progress"]) == 0

    def sigint_during(real, args, calls):
        out = real(*args)
        calls["outputs"].append((args[7] + args[5]) // args[6])
        os.kill(os.getpid(), signal.SIGINT)  # delivered when the compiled call has returned
        return out

    with monkeypatch.context() as mp:
        calls = _interrupting(mp, 2, sigint_during)
        code = main(["run", str(scenario), "--out", str(part), "--no-progress"])
    assert code == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    partial = read_result(part / "result.nc")
    assert partial.attrs["complete"] == 0 and partial.attrs["status"] == "interrupted"
    assert partial.sizes["time"] == 1 + sum(calls["outputs"])  # nothing computed is lost
    summary = json.loads((part / "summary.json").read_text())
    assert summary["complete"] is False
    assert (part / "checkpoint.npz").exists()

    assert main(["run", str(scenario), "--out", str(part), "--resume", "--no-progress"]) == 0
    resumed, reference = read_result(part / "result.nc"), read_result(full / "result.nc")
    assert resumed.attrs["complete"] == 1
    np.testing.assert_array_equal(resumed["time"].values, reference["time"].values)
    np.testing.assert_allclose(resumed["m"].values, reference["m"].values, rtol=0, atol=1e-13)
    assert json.loads((part / "summary.json").read_text())["resumed"] is True


def test_immediate_interrupt_then_resume(tmp_path, monkeypatch):
    """A KeyboardInterrupt raised at once (a second Ctrl-C) loses only the chunk in progress."""
    scenario = write(tmp_path, LONG_LLG)
    full, part = tmp_path / "full", tmp_path / "part"
    assert main(["run", str(scenario), "--out", str(full), "--no-progress"]) == 0

    def ctrl_c_after(real, args, calls):
        real(*args)
        raise KeyboardInterrupt

    with monkeypatch.context() as mp:
        calls = _interrupting(mp, 1, ctrl_c_after)
        assert main(["run", str(scenario), "--out", str(part), "--no-progress"]) == 130
    assert read_result(part / "result.nc").sizes["time"] == 1 + sum(calls["outputs"])
    assert main(["run", str(scenario), "--out", str(part), "--resume", "--no-progress"]) == 0
    resumed, reference = read_result(part / "result.nc"), read_result(full / "result.nc")
    np.testing.assert_allclose(resumed["m"].values, reference["m"].values, rtol=0, atol=1e-13)


def test_divergence_writes_partial_result(tmp_path, monkeypatch, capsys):
    """A chunk that diverges after n/2 steps keeps exactly the samples of the valid steps before it."""
    scenario = write(tmp_path, LONG_LLG)
    out = tmp_path / "div"

    def blow_up(real, args, calls):
        status, n = real(*args)
        calls["bad_steps"] = n // 2
        return integ.NONFINITE, n // 2

    calls = _interrupting(monkeypatch, 2, blow_up)
    code = main(["run", str(scenario), "--out", str(out), "--no-progress"])
    assert code == 3
    err = capsys.readouterr().err.strip()
    assert "diverged" in err and len(err.splitlines()) == 1
    ds = read_result(out / "result.nc")
    assert ds.attrs["complete"] == 0 and ds.attrs["status"] == "diverged"
    valid_steps = calls["bad_steps"] - 1  # the step that diverged is not valid
    assert ds.sizes["time"] == 1 + (sum(calls["steps"]) + valid_steps) // 10  # output every 10 steps
    assert json.loads((out / "summary.json").read_text())["status"] == "diverged"


def test_bad_scenario_exit_2(tmp_path, capsys):
    bad = write(tmp_path, LONG_LLG.replace("alpha = 0.01", "alpah = 0.01"))
    code = main(["run", str(bad), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "alpah" in err and "did you mean 'alpha'" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_missing_scenario_and_resume_without_checkpoint(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    scenario = write(tmp_path, LONG_LLG)
    assert main(["run", str(scenario), "--out", str(tmp_path / "o"), "--resume"]) == 2
    assert "checkpoint" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["modes", "--help"], ["reproduce", "--help"],
                                  ["--version"]])
def test_help_exits_zero(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert capsys.readouterr().out.strip()


def test_no_command_exit_2(capsys):
    assert main([]) == 2


def test_modes_json(capsys):
    pytest.importorskip("spinertia.analysis.modes")
    alpha, B = 0.01, 1.0
    assert main(["modes", "--model", "llg", "--field", str(B), "--alpha", str(alpha), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["units"] == "rad/s" and doc["nutation"] is None and "exp(-i omega t)" in doc["convention"]
    re, im = doc["precession"]
    w0 = GAMMA_ELECTRON * B
    assert re == pytest.approx(w0 / (1 + alpha**2), rel=1e-6)
    assert im == pytest.approx(-alpha * w0 / (1 + alpha**2), rel=1e-6)

    assert main(["modes", "--model", "illg", "--field", "1 T", "--alpha", "0.02", "--eta", "1 ps", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["nutation"][0] > doc["precession"][0] > 0
    assert doc["nutation"][1] < 0 and doc["precession"][1] < 0
    assert doc["nutation"][0] == pytest.approx(1e12, rel=0.3)  # ~ 1/eta

    assert main(["modes", "--model", "kernel", "--field", "1", "--alpha", "0", "--Omega0", "1 rad/ps", "--Z", "0.5",
                 "--Gamma", "4e10", "--V0-sq", "1e22"]) == 0
    text = capsys.readouterr().out
    assert "precession" in text and "nutation" in text


def test_modes_missing_parameters(capsys):
    pytest.importorskip("spinertia.analysis.modes")
    assert main(["modes", "--model", "illg", "--field", "1", "--alpha", "0.01"]) == 2
    assert "--eta" in capsys.readouterr().err
    assert main(["modes", "--model", "kernel", "--field", "1", "--alpha", "0.01", "--Z", "0.5"]) == 2
    assert "--Omega0" in capsys.readouterr().err


def test_reproduce_calls_run_reproduce(tmp_path, monkeypatch, capsys):
    mod = pytest.importorskip("spinertia.reproduce")
    if not hasattr(mod, "run_reproduce"):
        pytest.skip("spinertia.reproduce.run_reproduce not available yet")
    seen = {}

    def fake(out_dir, quick=False, papers=None, progress=False):
        seen.update(out_dir=Path(out_dir), quick=quick, papers=papers)
        return {"all_passed": seen.get("pass", True), "n_checks": 1}

    monkeypatch.setattr(mod, "run_reproduce", fake)
    assert main(["reproduce", "--quick", "--out", str(tmp_path / "r"), "--paper", "webb2026", "--no-progress"]) == 0
    assert seen == {"out_dir": tmp_path / "r", "quick": True, "papers": ["webb2026"]}
    assert main(["reproduce", "--out", str(tmp_path / "r2"), "--no-progress"]) == 0
    assert seen["quick"] is False and seen["papers"] == list(mod.available_papers())  # default: every paper
    seen["pass"] = False  # a failed check must give a non-zero exit code
    assert main(["reproduce", "--out", str(tmp_path / "r3"), "--no-progress"]) != 0


def test_a_run_where_ctrl_c_is_ignored_leaves_it_ignored():
    """A sweep worker (or a background job) ignores SIGINT: a run there keeps ignoring it, and a run in a
    terminal gets its stop-after-this-chunk handler and restores the previous one."""
    import signal

    from spinertia.dynamics.simulate import _Interrupts

    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _Interrupts():
            assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with _Interrupts() as it:
            handler = signal.getsignal(signal.SIGINT)
            handler(signal.SIGINT, None)  # the first Ctrl-C only sets the flag
            assert it.flag
            with pytest.raises(KeyboardInterrupt):
                handler(signal.SIGINT, None)  # the second interrupts at once
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, old)
