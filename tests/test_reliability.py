"""Runs that fail early and clearly, never write garbage, keep what they computed, and resume with reasons."""
import errno
import json
import os
from pathlib import Path

import numpy as np
import pytest

from spinertia.cli.main import main
from spinertia.dynamics.simulate import load_checkpoint, simulate
from spinertia.errors import InputError
from spinertia.io import stream as st
from spinertia.io.results import read_result

LLG = """
[units]
time = "1 ps"
[[system.zeeman]]
B = [0, 0, 0.5]
[system.damping]
alpha = {alpha}
[model]
type = "llg"
[initial]
theta = "20 deg"
[run]
t_end = "{t_end}"
dt = "0.1 ps"
integrator = "rkmk4"
output_every = "1 ps"
checkpoint_interval = 0
"""

LATTICE = """
[system]
lattice = "square"
a = "2.5 A"
size = [8, 8]
mu = "2 muB"
[[system.exchange]]
J = "10 meV"
shell = 1
[system.zeeman]
B = [0, 0, 1.0]
[system.damping]
alpha = 0.1
[model]
type = "llg"
[initial]
state = "random"
seed = 2
[run]
t_end = "{t_end}"
dt = "1 fs"
output_every = "{out}"
checkpoint_interval = 0
"""


def write(tmp_path, text, name="scenario.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def err_of(capsys):
    return capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------
# check before computing
# ---------------------------------------------------------------------------------------------------
def test_output_location_problems_are_one_line_exit_2(tmp_path, capsys, monkeypatch):
    sc = write(tmp_path, LLG.format(alpha=0.01, t_end="5 ps"))
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out, fragment in ((afile, "is not a directory"), (afile / "sub", "is a file, not a directory")):
        assert main(["run", str(sc), "--out", str(out), "--no-progress"]) == 2
        e = err_of(capsys)
        assert fragment in e and "Traceback" not in e and len(e.strip().splitlines()) == 1

    def read_only(self, data):
        raise OSError(errno.EROFS, "Read-only file system")

    with monkeypatch.context() as mp:  # (root ignores permissions: the file system refuses instead)
        mp.setattr(Path, "write_bytes", read_only)
        assert main(["run", str(sc), "--out", str(tmp_path / "ro"), "--no-progress"]) == 2
    e = err_of(capsys)
    assert "cannot be written (the file system is read-only)" in e and len(e.strip().splitlines()) == 1
    assert not (tmp_path / "ro" / "result.nc").exists()
    # a missing parent is created
    assert main(["run", str(sc), "--out", str(tmp_path / "a" / "b" / "c"), "--no-progress"]) == 0


def test_a_run_whose_output_cannot_fit_is_refused_before_computing(tmp_path, capsys, monkeypatch):
    sc = write(tmp_path, LLG.format(alpha=0.01, t_end="5000 ps"))
    monkeypatch.setattr(st.shutil, "disk_usage", lambda p: type("U", (), {"free": 10_000})())
    computed = []
    monkeypatch.setattr("spinertia.dynamics.simulate.Stepper.advance", lambda *a, **k: computed.append(1))
    assert main(["run", str(sc), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    e = err_of(capsys)
    assert "needs about" in e and "GB are free" in e and not computed


# ---------------------------------------------------------------------------------------------------
# bounded memory, faults while writing
# ---------------------------------------------------------------------------------------------------
def test_samples_stream_to_the_file_while_the_run_goes_on(tmp_path, monkeypatch):
    """The result grows chunk by chunk and is readable in between; the driver keeps only the last sample."""
    sc = write(tmp_path, LATTICE.format(t_end="40 fs", out="2 fs"))
    seen = []
    real = st.ResultStream.__call__

    def spy(self, t, Y):
        real(self, t, Y)
        seen.append(read_result(self.path).sizes["time"])  # readable during the run

    monkeypatch.setattr(st.ResultStream, "__call__", spy)
    assert main(["run", str(sc), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    assert len(seen) > 2 and seen == sorted(seen) and seen[-1] == 21
    ds = read_result(tmp_path / "o" / "result.nc")
    assert ds["spins"].shape == (21, 64, 3) and ds.attrs["complete"] == 1


def test_disk_full_while_writing_gives_a_clear_error_and_keeps_the_good_part(tmp_path, capsys, monkeypatch):
    sc = write(tmp_path, LATTICE.format(t_end="60 fs", out="1 fs"))
    out = tmp_path / "o"
    calls = {"n": 0}
    real = st.ResultStream._append

    def full_disk(self, ds):
        calls["n"] += 1
        if calls["n"] >= 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, ds)

    monkeypatch.setattr(st.ResultStream, "_append", full_disk)
    assert main(["run", str(sc), "--out", str(out), "--no-progress"]) == 1
    e = err_of(capsys)
    assert "the disk is full" in e and "remain readable" in e and "Traceback" not in e
    ds = read_result(out / "result.nc")
    assert 1 < ds.sizes["time"] < 61 and np.all(np.isfinite(ds["spins"].values))
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]  # no temp files left
    load_checkpoint(out / "checkpoint.npz")  # the checkpoint is intact


def test_checkpoint_write_failure_leaves_the_previous_one_intact(tmp_path, monkeypatch):
    from spinertia.dynamics import simulate as sim_mod
    from spinertia.lattice.macrospin import Macrospin

    ms = Macrospin().add_zeeman([0, 0, 0.5])
    ms.set_damping(0.05)
    from spinertia.dynamics.models import LLG

    m = LLG(ms.finalized())
    ck = tmp_path / "ck.npz"
    simulate(m, m.initial_state([0.6, 0, 0.8]), "10 ps", "10 fs", checkpoint=str(ck))
    before = ck.read_bytes()

    def boom(fh, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sim_mod.np, "savez", boom)
    with pytest.raises(OSError):
        simulate(m, m.initial_state([0.6, 0, 0.8]), "20 ps", "10 fs", checkpoint=str(ck))
    assert ck.read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


# ---------------------------------------------------------------------------------------------------
# Ctrl-C granularity: chunks are shorter than an output interval when one interval is long
# ---------------------------------------------------------------------------------------------------
def test_chunks_are_bounded_in_time_not_by_the_output_cadence():
    import spinertia as si

    s = si.System(si.square("2.5 A"), (16, 16), mu="2 muB").add_exchange("10 meV", shell=1)
    s.add_zeeman([0, 0, 1.0]).set_damping(0.1)
    m = si.LLG(s.finalized(si.ReducedUnits(1e-15)))
    calls = []
    real = si.Stepper.advance

    def spy(self, n, *a, **k):
        calls.append(n)
        return real(self, n, *a, **k)

    si.Stepper.advance = spy
    try:
        tr = simulate(m, m.initial_state(si.textures.random(s, seed=1)), "3 ps", "1 fs", method="heun",
                      output_every="3 ps", chunk_seconds=0.02)
    finally:
        si.Stepper.advance = real
    assert len(tr.t) == 2 and len(calls) > 3 and max(calls) < 3000  # one output, many short chunks


# ---------------------------------------------------------------------------------------------------
# resume with reasons, extension, restart from a saved state
# ---------------------------------------------------------------------------------------------------
def test_refused_resume_lists_the_changes_and_an_extension_resumes(tmp_path, capsys):
    out = tmp_path / "o"
    sc = write(tmp_path, LLG.format(alpha=0.01, t_end="30 ps"))
    assert main(["run", str(sc), "--out", str(out), "--no-progress"]) == 0
    changed = write(tmp_path, LLG.format(alpha=0.02, t_end="30 ps"), "changed.toml")
    assert main(["run", str(changed), "--out", str(out), "--resume", "--no-progress"]) == 2
    e = err_of(capsys)
    assert "cannot resume" in e and "damping" in e and "0.01" in e and "0.02" in e and "t_end and output_every" in e
    longer = write(tmp_path, LLG.format(alpha=0.01, t_end="60 ps"), "longer.toml")
    assert main(["run", str(longer), "--out", str(out), "--resume", "--no-progress"]) == 0
    ref_out = tmp_path / "ref"
    assert main(["run", str(longer), "--out", str(ref_out), "--no-progress"]) == 0
    a, b = read_result(out / "result.nc"), read_result(ref_out / "result.nc")
    np.testing.assert_array_equal(a["time"].values, b["time"].values)
    np.testing.assert_allclose(a["m"].values, b["m"].values, rtol=0, atol=1e-13)


def test_restart_from_result_checkpoint_or_ovf(tmp_path, capsys):
    sc = write(tmp_path, LATTICE.format(t_end="10 fs", out="2 fs"))
    first = tmp_path / "first"
    assert main(["run", str(sc), "--out", str(first), "--no-progress"]) == 0
    last = read_result(first / "result.nc")["spins"].values[-1]
    for saved in (first / "result.nc", first / "checkpoint.npz", first / "final.ovf"):
        out = tmp_path / saved.suffix.strip(".")
        assert main(["run", str(sc), "--out", str(out), "--restart-from", str(saved), "--no-progress"]) == 0
        first_sample = read_result(out / "result.nc")["spins"].values[0]
        np.testing.assert_allclose(first_sample, last, atol=1e-12)
        assert json.loads((out / "summary.json").read_text())["restarted_from"] == str(saved)
    assert main(["run", str(sc), "--out", str(tmp_path / "x"), "--restart-from", str(tmp_path / "nope.nc")]) == 2
    assert "does not exist" in err_of(capsys)


def test_partial_run_writes_last_ovf_not_final(tmp_path, monkeypatch):
    from spinertia.dynamics import integrators as integ

    sc = write(tmp_path, LATTICE.format(t_end="2000 fs", out="2 fs"))
    real = integ.compiled
    calls = {"n": 0}

    def compiled(*a, **k):
        fn = real(*a, **k)

        def advance(*args):
            if args[5] and calls["n"] >= 2:
                raise KeyboardInterrupt
            calls["n"] += bool(args[5])
            return fn(*args)

        return advance

    monkeypatch.setattr(integ, "compiled", compiled)
    out = tmp_path / "o"
    assert main(["run", str(sc), "--out", str(out), "--no-progress"]) == 130
    assert (out / "last.ovf").exists() and not (out / "final.ovf").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["state_file"] == "last.ovf" and summary["state_file_is_final"] is False


# ---------------------------------------------------------------------------------------------------
# units that cannot be confused
# ---------------------------------------------------------------------------------------------------
def test_unit_traps_name_the_unit():
    import spinertia as si

    ms = si.Macrospin().add_zeeman([0, 0, 1.0])
    ms.set_damping(0.01).set_inertia(10)  # 10 s: meant 10 fs
    with pytest.raises(InputError, match=r"eta = 10 s .*Plain numbers are seconds"):
        si.InertialLLG(ms.finalized())
    s = si.System(si.square("2.5 A"), (2, 2), mu="2 muB")
    with pytest.raises(InputError, match=r"plain numbers are SI: J.*'10 meV'"):
        s.add_exchange(10, shell=1)
    s.add_exchange("10 meV", shell=1)  # the quantity string works
    with pytest.raises(InputError, match="not a plausible field"):
        s.add_zeeman([0, 0, 1e6])


def test_warnings_are_one_line_with_units(tmp_path, capsys):
    sc = write(tmp_path, LLG.format(alpha=-0.01, t_end="5 ps"))
    assert main(["run", str(sc), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    e = err_of(capsys)
    lines = [x for x in e.splitlines() if "warning" in x]
    assert lines and all(x.startswith("spinertia: warning:") for x in lines)
    assert "anti-damping" in e and ".py" not in e
