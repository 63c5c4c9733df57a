"""Run a torque model with an integrator: chunked compiled loops, step-size guard, progress,
divergence detection, checkpoint/resume and a partial result on interruption."""
from __future__ import annotations

import hashlib
import json
import math
import os
import time as _time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, SimulationDiverged, StepTooLargeError
from . import integrators as integ

#: accuracy warning threshold: dt * omega_max above this means < ~12 steps per fastest period
ACCURACY_LIMIT = 0.5


@dataclass
class Trajectory:
    """Saved states of a run (reduced units). ``Y[k]`` is the state at ``t[k]``."""

    model: object
    t: np.ndarray
    Y: np.ndarray
    complete: bool = True
    status: str = "complete"
    stats: dict = field(default_factory=dict)

    @property
    def m(self):
        return self.Y[:, 0:3]

    def observables(self):
        return self.model.observables(self.t, self.Y)


def check_step(model, dt, method):
    """Refuse a step beyond the stability limit of the fastest mode; warn when it is inaccurate."""
    w = float(model.max_frequency())
    if not (dt > 0 and math.isfinite(dt)):
        raise InputError(f"time step must be positive and finite, got dt = {dt}")
    if w <= 0:
        return
    x = dt * w
    lim = integ.STABILITY_LIMIT[method]
    period = 2 * math.pi / w
    if x > 0.9 * lim:
        raise StepTooLargeError(
            f"dt = {dt:.4g} is too large for the fastest mode of the {model.name} model: omega_max = {w:.4g} "
            f"(period {period:.4g}), dt*omega_max = {x:.3g} exceeds the stability limit {lim} of {method}. "
            f"Use dt <= {ACCURACY_LIMIT / w:.3g} for accuracy (hard limit {0.9 * lim / w:.3g})."
        )
    if x > ACCURACY_LIMIT:
        warnings.warn(
            f"dt = {dt:.4g} resolves the fastest mode (omega_max = {w:.4g}, period {period:.4g}) with only "
            f"{period / dt:.1f} steps per period; results may be inaccurate. Suggested dt <= {ACCURACY_LIMIT / w:.3g}.",
            stacklevel=3,
        )


def _signature(model, method, dt, t0, t_end, output_every, rtol, atol):
    desc = json.dumps(
        {"model": model.describe(), "method": method, "dt": dt, "t0": t0, "t_end": t_end,
         "output_every": output_every, "rtol": rtol, "atol": atol},
        sort_keys=True, default=str,
    )
    return hashlib.sha256(desc.encode()).hexdigest()


def _save_checkpoint(path, sig, t_now, y_now, t_saved, Y_saved, h):
    tmp = f"{path}.tmp.npz"
    np.savez(tmp, signature=np.array(sig), t_now=t_now, y_now=y_now, t=t_saved, Y=Y_saved, h=h)
    os.replace(tmp, path)


def simulate(model, y0, t_end, dt, *, method="rk4", output_every=None, t0=0.0, rtol=1e-9, atol=1e-12,
             progress=False, checkpoint=None, checkpoint_interval=30.0, resume=False, norm_tol=1e-2,
             max_steps=100_000_000):
    """Integrate ``model`` from state ``y0`` at ``t0`` to ``t_end`` (reduced units).

    method: 'rk4' | 'rkmk4' | 'heun' (fixed step dt) | 'dp45' (adaptive; dt is the first step guess).
    output_every: spacing of saved states (a multiple of dt for fixed-step methods; default dt).
    checkpoint: path of a .npz checkpoint written every ``checkpoint_interval`` wall seconds and at the end;
    resume=True continues from it (the model and settings must match).
    Ctrl-C returns the partial trajectory with ``complete=False``; divergence raises
    :class:`SimulationDiverged` naming the step, time and quantity (the partial trajectory is attached).
    """
    if method not in integ.METHODS:
        raise InputError(f"unknown integrator {method!r}; use one of {list(integ.METHODS)}")
    if method == "rkmk4" and not model.norm_preserving:
        raise InputError(
            "the geometric integrator 'rkmk4' keeps |m| = 1 and cannot follow a model whose length changes "
            "(longitudinal term on); use 'rk4' or 'dp45'"
        )
    y = np.array(y0, dtype=float)
    if y.shape != (model.state_size,):
        raise InputError(f"initial state has shape {y.shape}, the {model.name} model expects ({model.state_size},); "
                         "build it with model.initial_state(m0)")
    if not (t_end > t0):
        raise InputError(f"t_end = {t_end} must be larger than t0 = {t0}")
    if output_every is None:
        output_every = dt
    if not (output_every > 0):
        raise InputError(f"output_every must be > 0, got {output_every}")
    fixed = method in integ.FIXED_STEP
    if getattr(model, "stochastic", False) and not fixed:
        raise InputError(f"the {model.name} model has thermal noise: use a fixed-step method ('heun', the "
                         "Stratonovich scheme), not the adaptive {method!r}")
    check_step(model, dt, method)
    if fixed:
        save_every = int(round(output_every / dt))
        if save_every < 1 or abs(save_every * dt - output_every) > 1e-6 * dt:
            raise InputError(f"output_every = {output_every} must be a multiple of dt = {dt}")
    n_out = int(math.floor((t_end - t0) / output_every + 1e-9))
    if n_out < 1:
        raise InputError(f"the time span {t_end - t0} is shorter than one output interval {output_every}")
    t_grid = t0 + output_every * np.arange(n_out + 1)
    Y = np.empty((n_out + 1, model.state_size))
    Y[0] = y
    done = 0  # outputs completed after the initial one
    h = dt
    sig = _signature(model, method, dt, t0, t_end, output_every, rtol, atol)
    if resume:
        if checkpoint is None or not os.path.exists(checkpoint):
            raise InputError(f"cannot resume: no checkpoint file at {checkpoint!r}")
        ck = np.load(checkpoint)
        if str(ck["signature"]) != sig:
            raise InputError("cannot resume: the checkpoint was written for a different model or settings")
        k = len(ck["t"])
        Y[:k] = ck["Y"]
        y = Y[k - 1].copy()
        h = float(ck["h"])
        done = k - 1
    # unit-vector blocks: rotated by rkmk4 and checked for |m| = 1 (not for models whose length changes)
    sphere = np.asarray(model.sphere_blocks if model.norm_preserving else [], dtype=np.int64)
    stats = {"method": method, "dt": dt, "steps": 0, "rejected": 0, "wall_s": 0.0}
    wall0 = _time.perf_counter()
    last_ck = wall0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n_out, initial=done, unit="out", desc=f"{model.name}/{method}", mininterval=0.5)
    status = "complete"
    try:
        counters = np.zeros(2, dtype=np.int64)
        if fixed:
            parallel = getattr(model, "parallel", False)
            noise_hook = getattr(model, "noise_hook", integ.no_noise)
            if method == "heun" and getattr(model, "site_rhs", None) is not None:
                # site-local lattice models: the fused geometric Heun (one sweep per stage)
                fused = integ.local_heun(model.site_rhs, parallel)

                def advance(f, g, args, sphere_, t_s, y_, h_, n_, every_, out_, tol_, step0_):
                    return fused(g, args, model.site_args, model.system.n_sites, model.extra_block, t_s, y_, h_,
                                 n_, every_, out_, tol_, step0_)
            else:
                advance = (integ.FIXED_STEP_PARALLEL if parallel else integ.FIXED_STEP)[method]
            chunk_out = max(1, 20000 // save_every)
        else:
            chunk_out = 64
        while done < n_out:
            k = min(chunk_out, n_out - done)
            t_start = t_grid[done]
            if fixed:
                buf = np.empty((k, model.state_size))
                # absolute step index (noise of stochastic models is a function of it: a run continued from
                # t0 = previous t_end draws new numbers, a resumed run the same ones)
                step0 = int(round(t_start / dt))
                st, nsteps = advance(model.rhs, noise_hook, model.args, sphere, t_start, y, dt, k * save_every,
                                     save_every, buf, norm_tol, step0)
                stats["steps"] += int(nsteps)
                n_ok = nsteps // save_every
                Y[done + 1:done + 1 + n_ok] = buf[:n_ok]
                if st != integ.OK:
                    done += n_ok
                    _raise_diverged(model, st, t_start + nsteps * dt, done, t_grid, Y, stats, y,
                                    step=int(round((t_start - t0) / dt)) + int(nsteps))
                done += k
            else:
                buf = np.empty((k, model.state_size))
                t_cur = float(t_start)
                st, t_cur, h, n_ok = integ.advance_dp45(
                    model.rhs, model.args, sphere, t_cur, y, t_grid[done + 1:done + 1 + k], buf, h, rtol, atol,
                    1e-14 * max(1.0, abs(t_end)), max_steps, norm_tol, counters)
                Y[done + 1:done + 1 + n_ok] = buf[:n_ok]
                stats["steps"], stats["rejected"] = int(counters[0]), int(counters[1])
                if st != integ.OK:
                    done += n_ok
                    _raise_diverged(model, st, t_cur, done, t_grid, Y, stats, y, step=int(counters[0]))
                done += k
            if bar is not None:
                bar.update(k)
            if checkpoint is not None and _time.perf_counter() - last_ck > checkpoint_interval:
                _save_checkpoint(checkpoint, sig, t_grid[done], Y[done], t_grid[:done + 1], Y[:done + 1], h)
                last_ck = _time.perf_counter()
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        if bar is not None:
            bar.close()
    stats["wall_s"] = _time.perf_counter() - wall0
    if checkpoint is not None:
        _save_checkpoint(checkpoint, sig, t_grid[done], Y[done], t_grid[:done + 1], Y[:done + 1], h)
    return Trajectory(model, t_grid[:done + 1].copy(), Y[:done + 1].copy(), complete=(done == n_out),
                      status=status, stats=stats)


def _raise_diverged(model, st, t_bad, done, t_grid, Y, stats, y, step):
    quantity = "state (non-finite)" if st == integ.NONFINITE else ("|m|" if st == integ.NORM else "step size")
    partial = Trajectory(model, t_grid[:done + 1].copy(), Y[:done + 1].copy(), complete=False,
                         status="diverged", stats=stats)
    extra = ""
    if st == integ.NORM:
        blocks = np.asarray(model.sphere_blocks)
        norms = np.array([np.linalg.norm(y[b:b + 3]) for b in blocks])
        worst = int(np.argmax(np.abs(norms - 1)))
        extra = f" (|m| = {norms[worst]:.6g}" + (f" at site {worst})" if len(blocks) > 1 else ")")
    elif st == integ.NONFINITE and len(np.asarray(model.sphere_blocks)) > 1:
        bad = np.flatnonzero(~np.isfinite(y))
        extra = f" (first non-finite component {int(bad[0])}, site {int(bad[0] // 3) % (len(y) // 3)})" if bad.size else ""
    report = getattr(model, "solver_report", None)
    if report is not None and report()["failed_solves"]:
        extra += "; the non-local damping/inertia solve did not converge (check that the pair couplings are " \
                 "smaller than the on-site ones)"
    err = SimulationDiverged(
        f"simulation diverged at step {step}, t = {t_bad:.6g} (reduced units): {integ.STATUS_TEXT[st]}{extra}. "
        "Reduce the time step, or check the parameters (negative damping, huge fields).",
        step=step, time=float(t_bad), quantity=quantity)
    err.partial = partial
    raise err
