"""Run a model from t0 to t_end: a thin loop over the :class:`~.stepper.Stepper` that adds output sampling,
progress, checkpoint/resume, interruption and divergence handling.

* Work runs in compiled chunks of steps sized to about ``chunk_seconds`` of wall time (independent of the
  output cadence), so Ctrl-C is answered within about that time at any system size; the first Ctrl-C lets the
  chunk in progress finish and keeps it, a second one interrupts at once.
* Output samples go to a ``sink`` as they are computed (the command line streams them to the result file:
  memory stays bounded by the system size, not the run length), and are kept in memory unless
  ``keep_samples=False``.
* A checkpoint holds the state after the last chunk and the settings of the run; ``resume=True`` continues
  from it.  A resume with changed settings is refused with the list of changes (old -> new); the end time
  and the output cadence may change (a run is extended by resuming it with a later ``t_end``).
"""
from __future__ import annotations

import json
import math
import os
import time as _time
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, RunStopped, SimulationDiverged
from . import integrators as integ
from .stepper import Stepper, seconds

#: settings that may differ between a checkpoint and the run that resumes it
RESUMABLE_CHANGES = ("t_end", "output_every")


@dataclass
class Trajectory:
    """Saved states of a run.  ``Y[k]`` (reduced units, the model's state layout) is the state at ``t[k]``
    (reduced time); :attr:`time` gives the times in seconds."""

    model: object
    t: np.ndarray
    Y: np.ndarray
    complete: bool = True
    status: str = "complete"
    stats: dict = field(default_factory=dict)

    @property
    def time(self):
        """Sample times in seconds."""
        return self.model.units.time_to_si(self.t)

    @property
    def m(self):
        """Magnetization direction of a macrospin (n_times, 3), or the mean direction of a lattice."""
        return self.Y[:, 0:3] if self.model.n_sites == 1 else self.model.magnetization(self.Y)

    @property
    def spins(self):
        """Spin directions (n_times, n_sites, 3)."""
        return self.model.spins(self.Y)

    def observables(self):
        return self.model.observables(self.t, self.Y)


class _Interrupts:
    """Within a run, the first Ctrl-C (SIGINT) sets a flag that the loop reads between chunks, so the chunk in
    progress is kept; a second Ctrl-C interrupts at once."""

    def __init__(self):
        self.flag = False
        self._old = None
        self._installed = False

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            old = signal.getsignal(signal.SIGINT)
            if old == signal.SIG_IGN:  # Ctrl-C ignored here (a worker process): leave it so
                return self
            self._old = old

            def handler(signum, frame):
                if self.flag:
                    raise KeyboardInterrupt
                self.flag = True

            signal.signal(signal.SIGINT, handler)
            self._installed = True
        return self

    def __exit__(self, *exc):
        if self._installed:
            import signal

            self._installed = False
            # None: a handler not installed from Python; the default one is the closest to restore
            signal.signal(signal.SIGINT, signal.default_int_handler if self._old is None else self._old)
        return False


# ------------------------------------------------------------------------------------------------
# checkpoints
# ------------------------------------------------------------------------------------------------
def _flatten(obj, prefix=""):
    """{dotted key: value} of a nested dict (lists kept as values)."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    else:
        out[prefix] = obj
    return out


def run_settings(model, method, dt, t0, t_end, output_every, rtol, atol):
    """The settings a checkpoint records (JSON-able; times in seconds)."""
    return json.loads(json.dumps({"model": model.describe(), "method": method, "dt": dt, "t0": t0, "t_end": t_end,
                                  "output_every": output_every, "rtol": rtol, "atol": atol}, default=str))


def settings_changes(old, new):
    """[(key, old value, new value)] of the settings that differ."""
    a, b = _flatten(old), _flatten(new)
    return [(k, a.get(k, "(absent)"), b.get(k, "(absent)")) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def _save_checkpoint(path, settings, state):
    """Write the checkpoint atomically (temp file + rename): an interrupted or failed write leaves the previous
    checkpoint intact and no temp file behind."""
    from ..atomic import atomic_write

    def write(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, settings=np.array(json.dumps(settings)), **state)

    atomic_write(path, write)


def load_checkpoint(path):
    """(settings dict, arrays dict) of a checkpoint file."""
    try:
        with np.load(path) as ck:
            data = {k: ck[k] for k in ck.files}
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the checkpoint {str(path)!r} ({err}); delete it to start afresh") from None
    if "settings" not in data:
        raise InputError(f"{str(path)!r} was written by an older spinertia; delete it to start afresh")
    return json.loads(str(data.pop("settings"))), data


def check_resume(old, new):
    """Refuse a resume whose settings differ in more than the resumable ones, listing every change."""
    changes = settings_changes(old, new)
    fatal = [c for c in changes if c[0] not in RESUMABLE_CHANGES]
    if fatal:
        lines = "; ".join(f"{k}: {a!r} -> {b!r}" for k, a, b in fatal)
        raise InputError(f"cannot resume: the checkpoint was written with other settings ({lines}). Only "
                         f"{' and '.join(RESUMABLE_CHANGES)} may change on a resume (e.g. a later t_end extends "
                         "the run); restore the settings, or start afresh (without --resume), or start a new run "
                         "from the saved state (--restart-from)")
    return changes


# ------------------------------------------------------------------------------------------------
# the driver
# ------------------------------------------------------------------------------------------------
def simulate(model, y0, t_end, dt, *, method="rk4", output_every=None, t0=0.0, rtol=1e-9, atol=1e-12,
             progress=False, checkpoint=None, checkpoint_interval=30.0, resume=False, norm_tol=1e-2,
             max_steps=100_000_000, hook=None, hook_every="stage", threads=None, chunk_seconds=0.25, sink=None,
             keep_samples=True):
    """Integrate ``model`` from state ``y0`` at ``t0`` to ``t_end``.

    Parameters
    ----------
    model : Model
    y0 : array
        Initial state, ``model.initial_state(...)``.
    t_end, dt, output_every, t0 : float or str
        Seconds (or quantity strings such as ``"10 ps"``).  ``dt`` is the fixed step (the first step guess for
        dp45); ``output_every`` the spacing of saved states (a multiple of dt for fixed-step methods; default dt).
    method : {"rk4", "rkmk4", "heun", "dp45"}
    rtol, atol : float
        Tolerances of dp45.
    progress : bool
        Progress bar on stderr.
    checkpoint : path, optional
        .npz checkpoint written every ``checkpoint_interval`` wall seconds and at the end; ``resume=True``
        continues from it (see the module docstring for what may change).
    hook, hook_every :
        Coupling hook of the stepper (:mod:`.stepper`).
    threads : int, optional
        Fix the number of threads (default: chosen at run time, :mod:`.threads`).
    sink : callable, optional
        ``sink(t, Y)`` receives every chunk of new samples (reduced times and states) as it is computed,
        including the initial one.
    keep_samples : bool
        Keep the samples in memory (the returned trajectory); False keeps only the last one.

    Returns
    -------
    Trajectory
        ``complete=False`` after Ctrl-C.  Divergence raises :class:`~spinertia.errors.SimulationDiverged`,
        a failing hook :class:`~spinertia.errors.HookError`, both naming the step, time and quantity, with the
        partial trajectory in ``err.partial``.
    """
    u = model.units
    t_end_s, dt_s, t0_s = seconds(t_end, "t_end"), seconds(dt, "dt"), seconds(t0, "t0")
    out_s = dt_s if output_every is None else seconds(output_every, "output_every")
    if not (out_s > 0):
        raise InputError(f"output_every must be > 0 s, got {output_every!r}")
    if not (t_end_s > t0_s):
        raise InputError(f"t_end = {t_end_s} s must be larger than t0 = {t0_s} s")
    stepper = Stepper(model, y0, dt_s, method=method, t0=t0_s, hook=hook, hook_every=hook_every,
                      norm_tol=norm_tol, threads=threads, rtol=rtol, atol=atol)
    t0r, t_endr, dtr, outr = u.time(t0_s), u.time(t_end_s), u.time(dt_s), u.time(out_s)
    fixed = method in integ.FIXED_STEP
    save_every = 1
    if fixed:
        save_every = int(round(outr / dtr))
        if save_every < 1 or abs(save_every * dtr - outr) > 1e-6 * dtr:
            raise InputError(f"output_every = {out_s} s must be a multiple of dt = {dt_s} s")
    settings = run_settings(model, method, dt_s, t0_s, t_end_s, out_s, rtol, atol)
    samples_t, samples_Y = [t0r], [stepper.y.copy()]
    phase = 0  # steps since the last output (fixed-step methods)
    t_last = t0r  # time of the last output
    if resume:
        if checkpoint is None or not os.path.exists(checkpoint):
            raise InputError(f"cannot resume: no checkpoint file at {checkpoint!r}")
        old, ck = load_checkpoint(checkpoint)
        check_resume(old, settings)
        t_ck = float(ck["t_now"])
        if t_ck >= t_endr - 1e-12 * max(1.0, abs(t_endr)):
            raise InputError(f"cannot resume: the checkpoint is at t = {u.time_to_si(t_ck):.6g} s, at or beyond "
                             f"t_end = {t_end_s:.6g} s; give a later t_end to extend the run")
        stepper.y[:] = ck["y_now"]
        stepper.t = t_ck
        stepper.h = float(ck["h"])
        phase = int(ck["phase"]) % save_every
        t_last = float(ck["t_last"])
        samples_t, samples_Y = list(ck.get("t", [])), list(ck.get("Y", []))
        if "t" in ck and len(ck["t"]):
            samples_t, samples_Y = [float(x) for x in ck["t"]], [row for row in ck["Y"]]
    n_left_steps = int(round((t_endr - stepper.t) / dtr)) if fixed else None
    if fixed and abs(n_left_steps * dtr - (t_endr - stepper.t)) > 1e-6 * dtr:
        n_left_steps = int(math.floor((t_endr - stepper.t) / dtr + 1e-9))
    n_total_out = int(math.floor((t_endr - t0r) / outr + 1e-9))
    if n_total_out < 1:
        raise InputError(f"the time span {t_end_s - t0_s} s is shorter than one output interval {out_s} s")
    if sink is not None and not resume:
        sink(np.array([t0r]), stepper.y[None, :].copy())
    if not keep_samples:
        samples_t, samples_Y = samples_t[-1:], samples_Y[-1:]
    stats = {"method": method, "dt": dtr, "steps": 0, "rejected": 0, "wall_s": 0.0}
    wall0 = _time.perf_counter()
    last_ck = wall0
    bar = None
    status = "complete"
    interrupts = _Interrupts()
    y_start, t_start, in_chunk = stepper.y.copy(), stepper.t, False

    def store(t_new, Y_new):
        if len(t_new) == 0:
            return
        if sink is not None:
            sink(np.asarray(t_new), Y_new)
        if keep_samples:
            samples_t.extend(float(x) for x in t_new)
            samples_Y.extend(Y_new)
        else:
            samples_t[:] = [float(t_new[-1])]
            samples_Y[:] = [Y_new[-1]]

    def checkpoint_state():
        state = {"t_now": stepper.t, "y_now": stepper.y, "h": stepper.h, "phase": phase, "t_last": t_last}
        if keep_samples and sink is None:
            state.update(t=np.array(samples_t), Y=np.array(samples_Y))
        return state

    def done_outputs():
        return int(round((t_last - t0r) / outr))

    try:
        interrupts.__enter__()
        stepper.warm_up()
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=n_total_out, initial=done_outputs(), unit="out", desc=f"{model.name}/{method}",
                       mininterval=0.5)
        chunk = 1  # steps (fixed) or outputs (dp45) per chunk: grows to about chunk_seconds of work
        while t_last < t_endr - 0.5 * (dtr if fixed else outr) and (not fixed or n_left_steps > 0):
            if interrupts.flag:
                raise KeyboardInterrupt
            w = _time.perf_counter()
            y_start, t_start = stepper.y.copy(), stepper.t  # restored if the chunk is interrupted at once
            in_chunk = True
            try:
                if fixed:
                    k = min(chunk, n_left_steps)
                    n_new = (phase + k) // save_every
                    buf = np.empty((n_new, model.state_size))
                    stepper.advance(k, save_every, buf, phase)
                    t_new = t0r + outr * (done_outputs() + np.arange(1, n_new + 1))
                    phase = (phase + k) % save_every
                    n_left_steps -= k
                else:
                    n_new = min(chunk, n_total_out - done_outputs())
                    t_new = t0r + outr * (done_outputs() + np.arange(1, n_new + 1))
                    buf = np.empty((n_new, model.state_size))
                    stepper.advance_to(t_new, buf, max_steps=max_steps)
                    k = n_new
            except RunStopped as err:
                steps_ok = getattr(err, "steps_done", 0)
                if fixed:
                    n_ok = max(0, min(n_new, (phase + steps_ok) // save_every))
                else:
                    n_ok = max(0, min(n_new, steps_ok))
                store(t0r + outr * (done_outputs() + np.arange(1, n_ok + 1)), buf[:n_ok])
                stats.update(_stats(stepper))
                kind = "diverged" if isinstance(err, SimulationDiverged) else "stopped"
                err.partial = Trajectory(model, np.array(samples_t), np.array(samples_Y), complete=False,
                                         status=kind, stats=stats)
                raise
            store(t_new, buf)
            in_chunk = False
            if n_new:
                t_last = float(t_new[-1])
            stepper.t = t_last + (phase * dtr if fixed else 0.0)  # no drift of the time grid
            elapsed = _time.perf_counter() - w
            if elapsed > 0:
                chunk = max(1, min(4 * chunk, int(chunk * chunk_seconds / elapsed) or 1))
            if bar is not None:
                bar.update(n_new)
            if checkpoint is not None and _time.perf_counter() - last_ck > checkpoint_interval:
                _save_checkpoint(checkpoint, settings, checkpoint_state())
                last_ck = _time.perf_counter()
    except KeyboardInterrupt:
        status = "interrupted"
        if in_chunk:  # a chunk was cut off before its samples were stored: back to its start
            stepper.y[:] = y_start
            stepper.t = t_start
    finally:
        interrupts.__exit__()
        if bar is not None:
            bar.close()
        stepper.tuner.restore()
    stats.update(_stats(stepper))
    stats["wall_s"] = _time.perf_counter() - wall0
    if checkpoint is not None:
        _save_checkpoint(checkpoint, settings, checkpoint_state())
    complete = status == "complete"
    return Trajectory(model, np.array(samples_t), np.array(samples_Y), complete=complete, status=status,
                      stats=stats)


def _stats(stepper):
    return {"steps": int(stepper.steps), "rejected": stepper.rejected_steps, "threads": stepper.tuner.summary()}
