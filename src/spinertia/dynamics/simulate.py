"""Run a model from t0 to t_end: a thin loop over the :class:`~.stepper.Stepper` that adds output sampling,
progress, checkpoint/resume, interruption and divergence handling.

Chunks of steps run in compiled code and are sized to about ``chunk_seconds`` of wall time, so Ctrl-C is
answered within about that time at any system size, and every sample computed before it is kept.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time as _time
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, RunStopped
from . import integrators as integ
from .stepper import Stepper, check_step, seconds  # noqa: F401  (check_step re-exported)


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


def _signature(model, method, dt, t0, t_end, output_every, rtol, atol):
    desc = json.dumps(
        {"model": model.describe(), "method": method, "dt": dt, "t0": t0, "t_end": t_end,
         "output_every": output_every, "rtol": rtol, "atol": atol},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(desc.encode()).hexdigest()


class _Interrupts:
    """Within a run, the first Ctrl-C (SIGINT) sets a flag that the loop reads between chunks, so the chunk in
    progress is kept; a second Ctrl-C interrupts at once."""

    def __init__(self):
        self.flag = False
        self._old = None

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self._old = signal.getsignal(signal.SIGINT)

            def handler(signum, frame):
                if self.flag or not callable(self._old):
                    raise KeyboardInterrupt
                self.flag = True

            signal.signal(signal.SIGINT, handler)
        return self

    def __exit__(self, *exc):
        if self._old is not None:
            import signal

            signal.signal(signal.SIGINT, self._old)
        return False


def _save_checkpoint(path, sig, t_now, y_now, t_saved, Y_saved, h, **extra):
    """Write the checkpoint atomically; ``extra`` arrays (e.g. a coupled driver's records) are stored beside."""
    tmp = f"{path}.tmp.npz"
    np.savez(tmp, signature=np.array(sig), t_now=t_now, y_now=y_now, t=t_saved, Y=Y_saved, h=h, **extra)
    os.replace(tmp, path)


def simulate(model, y0, t_end, dt, *, method="rk4", output_every=None, t0=0.0, rtol=1e-9, atol=1e-12,
             progress=False, checkpoint=None, checkpoint_interval=30.0, resume=False, norm_tol=1e-2,
             max_steps=100_000_000, hook=None, hook_every="stage", threads=None, chunk_seconds=0.25):
    """Integrate ``model`` from state ``y0`` at ``t0`` to ``t_end``.

    Parameters
    ----------
    model : Model
    y0 : array
        Initial state, ``model.initial_state(...)``.
    t_end, dt, output_every, t0 : float or str
        Seconds (or quantity strings such as ``"10 ps"``).  ``dt`` is the fixed step (the first step guess for
        dp45); ``output_every`` the spacing of saved states (a multiple of dt for fixed-step methods; default
        dt).
    method : {"rk4", "rkmk4", "heun", "dp45"}
    rtol, atol : float
        Tolerances of dp45.
    progress : bool
        Progress bar on stderr.
    checkpoint : path, optional
        .npz checkpoint written every ``checkpoint_interval`` wall seconds and at the end; ``resume=True``
        continues from it (the model and settings must match).
    hook, hook_every :
        Coupling hook of the stepper (:mod:`.stepper`).
    threads : int, optional
        Fix the number of threads (default: chosen at run time, :mod:`.threads`).

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
    n_out = int(math.floor((t_endr - t0r) / outr + 1e-9))
    if n_out < 1:
        raise InputError(f"the time span {t_end_s - t0_s} s is shorter than one output interval {out_s} s")
    t_grid = t0r + outr * np.arange(n_out + 1)
    Y = np.empty((n_out + 1, model.state_size))
    Y[0] = stepper.y
    done = 0  # outputs completed after the initial one
    sig = _signature(model, method, dtr, t0r, t_endr, outr, rtol, atol)
    if resume:
        if checkpoint is None or not os.path.exists(checkpoint):
            raise InputError(f"cannot resume: no checkpoint file at {checkpoint!r}")
        ck = np.load(checkpoint)
        if str(ck["signature"]) != sig:
            raise InputError("cannot resume: the checkpoint was written for a different model or settings")
        k = len(ck["t"])
        Y[:k] = ck["Y"]
        stepper.y[:] = Y[k - 1]
        stepper.t = t_grid[k - 1]
        stepper.h = float(ck["h"])
        done = k - 1
    stats = {"method": method, "dt": dtr, "steps": 0, "rejected": 0, "wall_s": 0.0}
    wall0 = _time.perf_counter()
    last_ck = wall0
    bar = None
    status = "complete"
    interrupts = _Interrupts()
    try:
        interrupts.__enter__()
        stepper.warm_up()
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=n_out, initial=done, unit="out", desc=f"{model.name}/{method}", mininterval=0.5)
        chunk = 1  # outputs per chunk: grows to about chunk_seconds of work
        while done < n_out:
            if interrupts.flag:
                raise KeyboardInterrupt
            k = min(chunk, n_out - done)
            stepper.t = t_grid[done]  # no drift of the time grid
            w = _time.perf_counter()
            try:
                if fixed:
                    buf = np.empty((k, model.state_size))
                    stepper.advance(k * save_every, save_every, buf)
                    Y[done + 1:done + 1 + k] = buf
                else:
                    buf = np.empty((k, model.state_size))
                    stepper.advance_to(t_grid[done + 1:done + 1 + k], buf, max_steps=max_steps)
                    Y[done + 1:done + 1 + k] = buf
            except RunStopped as err:
                n_ok = (err.steps_done // save_every) if fixed and hasattr(err, "steps_done") else \
                    getattr(err, "steps_done", 0)
                n_ok = max(0, min(k, n_ok)) if fixed else 0
                if fixed:
                    Y[done + 1:done + 1 + n_ok] = buf[:n_ok]
                done += n_ok
                stats.update(_stats(stepper))
                err.partial = Trajectory(model, t_grid[:done + 1].copy(), Y[:done + 1].copy(), complete=False,
                                         status="diverged" if "diverged" in type(err).__name__.lower() else "stopped",
                                         stats=stats)
                raise
            elapsed = _time.perf_counter() - w
            done += k
            if elapsed > 0:
                chunk = max(1, min(4 * chunk, int(chunk * chunk_seconds / elapsed) or 1))
            if bar is not None:
                bar.update(k)
            if checkpoint is not None and _time.perf_counter() - last_ck > checkpoint_interval:
                _save_checkpoint(checkpoint, sig, t_grid[done], Y[done], t_grid[:done + 1], Y[:done + 1],
                                 stepper.h)
                last_ck = _time.perf_counter()
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        interrupts.__exit__()
        if bar is not None:
            bar.close()
        stepper.tuner.restore()
    stats.update(_stats(stepper))
    stats["wall_s"] = _time.perf_counter() - wall0
    if checkpoint is not None:
        _save_checkpoint(checkpoint, sig, t_grid[done], Y[done], t_grid[:done + 1], Y[:done + 1], stepper.h)
    return Trajectory(model, t_grid[:done + 1].copy(), Y[:done + 1].copy(), complete=(done == n_out),
                      status=status, stats=stats)


def _stats(stepper):
    return {"steps": int(stepper.steps), "rejected": stepper.rejected_steps, "threads": stepper.tuner.summary()}
