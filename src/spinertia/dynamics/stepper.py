"""The stepper: advances a model's state in time with one integrator, optionally calling Python code at every
step or Runge-Kutta stage.

    stepper = Stepper(model, y0, dt="1 fs", method="rk4", hook=my_hook)
    stepper.advance(1000)           # compiled loop; the hook runs inside it at each stage
    stepper.time, stepper.spins     # seconds, (n_sites, 3)

A *hook* couples the spins to something computed outside the compiled code (the electrons' spin density,
a field from a micromagnetic solver, ...):

    def my_hook(t, spins):          # t in seconds, spins (n_sites, 3) at this stage (read-only)
        return {"field": B, "torque": tau}   # tesla (n_sites, 3) and rad/s (n_sites, 3); either may be absent

(or it returns the field array alone, or None).  The field adds to the effective field, the torque to the
right-hand side of the equation of motion (:mod:`.equations`).  ``hook_every="stage"`` (default) evaluates it
at every stage of the integrator; ``"step"`` once per step, held fixed during the step.  A hook that returns
a wrong shape or a non-finite value stops the stepper with :class:`~spinertia.errors.HookError` naming the
step, time and site; the state is left at the start of that step.

Without a hook the compiled fast path runs unchanged.  Thread-parallel kernels are chosen at run time by
:class:`.threads.ThreadTuner`.
"""
from __future__ import annotations

import math
import time as _time

import numpy as np

from ..errors import HookError, InputError, SimulationDiverged, StepTooLargeError, warn
from ..units import parse_quantity
from . import integrators as integ
from .models import Model
from .threads import ThreadTuner

#: accuracy warning threshold: dt * omega_max above this means < ~12 steps per fastest period
ACCURACY_LIMIT = 0.5
HOOK_MODES = ("stage", "step")


def check_step(model, dt, method):
    """Refuse a step (reduced units) beyond the stability limit of the fastest mode; warn when it is
    inaccurate.  Messages quote seconds and rad/s."""
    w = float(model.max_frequency())
    if not (dt > 0 and math.isfinite(dt)):
        raise InputError(f"time step must be positive and finite, got dt = {model.units.time_to_si(dt)} s")
    if w <= 0:
        return
    x = dt * w
    lim = integ.STABILITY_LIMIT[method]
    u = model.units
    period = 2 * math.pi / w
    fmt = (lambda r: f"{u.time_to_si(r):.4g} s")
    if x > 0.9 * lim:
        raise StepTooLargeError(
            f"dt = {fmt(dt)} is too large for the fastest mode of the {model.name} model: omega_max = "
            f"{u.frequency_to_si(w):.4g} rad/s (period {fmt(period)}), dt*omega_max = {x:.3g} exceeds the "
            f"stability limit {lim} of {method}. Use dt <= {fmt(ACCURACY_LIMIT / w)} for accuracy "
            f"(hard limit {fmt(0.9 * lim / w)}).")
    if x > ACCURACY_LIMIT:
        warn(f"dt = {fmt(dt)} resolves the fastest mode (omega_max = {u.frequency_to_si(w):.4g} rad/s, period "
             f"{fmt(period)}) with only {period / dt:.1f} steps per period; results may be inaccurate. "
             f"Suggested dt <= {fmt(ACCURACY_LIMIT / w)}.", stacklevel=4)


def seconds(value, name):
    """A time in seconds from a number (SI) or a quantity string."""
    x = parse_quantity(value, "time", name)
    if not math.isfinite(x):
        raise InputError(f"{name} must be finite, got {value!r}")
    return x


class Stepper:
    """Advance ``model`` from state ``y0`` with a fixed-step ``method`` (rk4, rkmk4, heun) or the adaptive
    dp45 (see :meth:`advance_to`).

    Parameters
    ----------
    model : Model
    y0 : array
        Initial state (``model.initial_state(...)``), reduced units.
    dt : float or str
        Time step in seconds (or e.g. ``"1 fs"``); for dp45 the first step guess.
    method : {"rk4", "rkmk4", "heun", "dp45"}
    t0 : float or str
        Start time in seconds.
    hook : callable, optional
        Coupling hook (module docstring).
    hook_every : {"stage", "step"}
    norm_tol : float
        Largest allowed | |m| - 1 | before the run stops as diverged.
    threads : int, optional
        Fix the number of threads (default: chosen at run time).
    check : bool
        Apply the step-size guard (:func:`check_step`).
    """

    def __init__(self, model, y0, dt, method="rk4", t0=0.0, hook=None, hook_every="stage", norm_tol=1e-2,
                 threads=None, rtol=1e-9, atol=1e-12, check=True):
        if not isinstance(model, Model):
            raise InputError(f"Stepper needs a spinertia model (LLG, InertialLLG, MemoryKernelLLG), got "
                             f"{type(model).__name__}")
        if method not in integ.METHODS:
            raise InputError(f"unknown integrator {method!r}; use one of {list(integ.METHODS)}")
        if method == "rkmk4" and not model.norm_preserving:
            raise InputError("the geometric integrator 'rkmk4' keeps |m| = 1 and cannot follow a model whose "
                             "length changes (longitudinal term on); use 'rk4' or 'dp45'")
        if model.stochastic and method != "heun":
            raise InputError(f"the {model.name} model has thermal noise: use a fixed-step method, the integrator "
                             f"'heun' (the Stratonovich scheme), not {method!r}")
        if hook_every not in HOOK_MODES:
            raise InputError(f"hook_every must be one of {HOOK_MODES}, got {hook_every!r}")
        if hook is not None and not callable(hook):
            raise InputError(f"hook must be a callable hook(t, spins), got {type(hook).__name__}")
        self.model = model
        self.units = u = model.units
        self.method = method
        y = np.array(y0, dtype=float)
        if y.shape != (model.state_size,):
            raise InputError(f"initial state has shape {y.shape}, the {model.name} model expects "
                             f"({model.state_size},); build it with model.initial_state(...)")
        if not np.all(np.isfinite(y)):
            raise InputError("the initial state is not finite")
        self.y = y
        self.dt = u.time(seconds(dt, "dt"))
        self.h = self.dt
        self.t = u.time(seconds(t0, "t0"))
        self.rtol, self.atol = float(rtol), float(atol)
        if check:
            check_step(model, self.dt, method)
        self.norm_tol = float(norm_tol)
        self.sphere = np.asarray(model.sphere_blocks, dtype=np.int64)
        self.hook = hook
        self.hook_every = hook_every
        self._hook_error = None
        self._hook_calls = 0
        if hook is not None:
            self._field, self._torque = model.enable_coupling()
            self._n = model.n_sites
            self._gt = (model.system.gamma[model.system.sub] * u.t_unit)[:, None]
        fused = method == "heun" and model.sweep is not None
        self._sweep = model.sweep if fused else None
        n = model.state_size
        cols = max(n, 6 * model.n_sites) if fused else n
        self._W = np.empty((9 if method == "dp45" else integ.WORK_ROWS[method], cols))
        self._ybak = np.empty(n if hook is not None else 0)
        self._counters = np.zeros(2, dtype=np.int64)
        self.tuner = ThreadTuner(model.parallel, threads)
        self.steps = 0

    # -- state -----------------------------------------------------------------------------------------
    @property
    def time(self):
        """Current time in seconds."""
        return self.units.time_to_si(self.t)

    @property
    def spins(self):
        """Current spin directions (n_sites, 3) (a view of the state)."""
        return self.model.spins(self.y)

    @property
    def state(self):
        return self.y

    # -- compiled loops --------------------------------------------------------------------------------
    def _advance_fn(self, parallel):
        m = self.model
        p = int(parallel)
        return integ.compiled(self.method, m.rhs[p], m.noise[p], parallel=parallel, hooked=self.hook is not None,
                              sweep=None if self._sweep is None else self._sweep[p])

    def _hook_dispatch(self, t, y, stage):
        if self.hook_every == "step" and stage > 0:
            return 0
        try:
            self._hook_calls += 1
            n = self._n
            res = self.hook(self.units.time_to_si(t), y[: 3 * n].reshape(n, 3))
            field, torque = None, None
            if isinstance(res, dict):
                unknown = sorted(set(res) - {"field", "torque"})
                if unknown:
                    raise InputError(f"the hook returned unknown key(s) {unknown}; allowed: 'field' (tesla), "
                                     "'torque' (rad/s)")
                field, torque = res.get("field"), res.get("torque")
            elif res is not None:
                field = res
            for name, value, buf, scale in (("field", field, self._field, self._gt),
                                            ("torque", torque, self._torque, self.units.t_unit)):
                if value is None:
                    buf[:] = 0.0
                    continue
                a = np.asarray(value, dtype=float)
                if a.shape != (n, 3):
                    raise InputError(f"the hook returned a {name} of shape {a.shape}; expected ({n}, 3) "
                                     f"({'tesla' if name == 'field' else 'rad/s'} per site)")
                bad = ~np.isfinite(a)
                if bad.any():
                    site = int(np.argmax(bad.any(axis=1)))
                    raise InputError(f"the hook returned a non-finite {name} at site {site}: {a[site].tolist()}")
                buf[:] = (a * scale).reshape(-1)
        except Exception as err:  # reported by the compiled loop as status HOOK
            self._hook_error = err
            return 1
        return 0

    def _raise_hook_error(self, done):
        err = self._hook_error
        self._hook_error = None
        msg = str(err) if isinstance(err, InputError) else f"{type(err).__name__}: {err}"
        e = HookError(f"the coupling hook failed at step {self.steps + 1} (t = {self.time:.6g} s): {msg}",
                      step=self.steps + 1, time=self.time)
        e.__cause__ = err
        e.steps_done = done  # valid steps of the chunk before the failing one
        raise e

    def _run(self, fn, *args):
        if self.hook is None:
            return fn(*args)
        integ._ACTIVE_HOOKS.append(self._hook_dispatch)
        try:
            return fn(*args)
        finally:
            integ._ACTIVE_HOOKS.pop()

    def warm_up(self):
        """Compile (or load from the disk cache) every kernel variant the run may use, outside any timing."""
        if self.method == "dp45":
            self._advance_fn(False)
            return
        for par in sorted({c[0] for c in self.tuner.candidates}):
            fn = self._advance_fn(par)
            y = self.y.copy()
            out = np.empty((0, self.model.state_size))
            self._run(fn, self.model.args, self.sphere, self.t, y, self.dt, 0, 1, 0, out, self.norm_tol, 0, self._W,
                      self._ybak)

    def advance(self, n_steps, save_every=None, out=None, phase=0):
        """Advance by ``n_steps`` fixed steps.  With ``out`` (shape ((phase + n_steps) // save_every, state_size)),
        the state is stored there at every output, i.e. whenever the steps since the last output (``phase`` at
        entry) reach ``save_every``.  Returns the number of steps done (= n_steps unless an error is raised:
        :class:`SimulationDiverged` or :class:`HookError`, with ``err.steps_done``)."""
        if self.method == "dp45":
            raise InputError("the adaptive dp45 integrator advances to given times: use advance_to(times)")
        n_steps = int(n_steps)
        if save_every is None:
            save_every = max(1, n_steps)
        if out is None:
            out = np.empty(((phase + n_steps) // save_every, self.model.state_size))
        if n_steps <= 0:
            return 0
        t0, total, row = self.t, 0, 0
        while True:
            # the thread tuner may take a few steps for a measurement of another candidate: pieces
            par, threads = self.tuner.choose()
            k = self.tuner.steps_for(n_steps - total)
            fn = self._advance_fn(par)
            step0 = int(round(self.t / self.dt))  # absolute step index (the thermal noise is a function of it)
            w0 = _time.perf_counter()
            st, done = self._run(fn, self.model.args, self.sphere, self.t, self.y, self.dt, k, save_every, phase,
                                 out[row:], self.norm_tol, step0, self._W, self._ybak)
            self.tuner.report((par, threads), done, _time.perf_counter() - w0)
            total += done
            row += (phase + done) // save_every
            phase = (phase + done) % save_every
            self.t = t0 + total * self.dt
            self.steps += done
            if st == integ.HOOK:
                self._raise_hook_error(total)
            if st != integ.OK:
                self._raise_diverged(st, total)
            if total >= n_steps:
                return total

    def step(self):
        """One step."""
        return self.advance(1)

    def advance_to(self, times, out=None, max_steps=100_000_000):
        """Adaptive dp45: integrate through the increasing reduced times ``times``; out[k] <- state at times[k].
        Returns the number of outputs written."""
        if self.method != "dp45":
            raise InputError("advance_to is for the adaptive dp45 integrator; fixed-step methods use advance(n)")
        times = np.asarray(times, dtype=float)
        if out is None:
            out = np.empty((len(times), self.model.state_size))
        fn = self._advance_fn(False)
        t_end = float(times[-1]) if len(times) else self.t
        st, t, h, n_ok = self._run(fn, self.model.args, self.sphere, self.t, self.y, times, out, self.h, self.rtol,
                                   self.atol, 1e-14 * max(1.0, abs(t_end)), max_steps, self.norm_tol,
                                   self._counters, self._W)
        self.t, self.h = float(t), float(h)
        self.steps = int(self._counters[0])
        if st == integ.HOOK:
            self._raise_hook_error(n_ok)
        if st != integ.OK:
            self._raise_diverged(st, n_ok)
        return n_ok

    @property
    def rejected_steps(self):
        return int(self._counters[1])

    def _raise_diverged(self, st, done):
        m = self.model
        y = self.y
        quantity = "state (non-finite)" if st == integ.NONFINITE else ("|m|" if st == integ.NORM else "step size")
        extra = ""
        if st == integ.NORM:
            norms = np.linalg.norm(y[: 3 * m.n_sites].reshape(-1, 3), axis=1)
            worst = int(np.argmax(np.abs(norms - 1)))
            extra = f" (|m| = {norms[worst]:.6g}" + (f" at site {worst})" if m.n_sites > 1 else ")")
        elif st == integ.NONFINITE and m.n_sites > 1:
            bad = np.flatnonzero(~np.isfinite(y))
            extra = f" (first non-finite component {int(bad[0])}, site {int(bad[0] // 3) % m.n_sites})" \
                if bad.size else ""
        if m.solver_report()["failed_solves"]:
            extra += ("; the non-local damping/inertia solve did not converge (check that the pair couplings are "
                      "smaller than the on-site ones)")
        err = SimulationDiverged(
            f"simulation diverged at step {self.steps}, t = {self.time:.6g} s: {integ.STATUS_TEXT[st]}{extra}. "
            "Reduce the time step, or check the parameters (negative damping, huge fields).",
            step=self.steps, time=self.time, quantity=quantity)
        err.steps_done = done - 1 if self.method != "dp45" else done  # the failing step is not valid
        raise err
