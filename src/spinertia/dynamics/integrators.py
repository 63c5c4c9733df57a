"""Time integrators for y' = F(t, y), physics-agnostic and compiled.

* ``rk4``   classical fixed-step Runge-Kutta, order 4.
* ``rkmk4`` Runge-Kutta-Munthe-Kaas, order 4, on SO(3)^k x R^n: unit vectors are advanced by
  rotations exp(u) (Rodrigues), so |m| = 1 holds to round-off for any step size; the remaining
  components are advanced by the same RK4 tableau (Iserles et al., Acta Numerica 9, 215 (2000)).
* ``heun``  geometric Heun (RKMK2, order 2), the scheme of Spirit/UppASD-type codes; with noise held
  fixed within the step it converges to the Stratonovich stochastic LLG.  Site-local models run it fused
  with their right-hand side (:mod:`.sweeps`).
* ``dp45``  Dormand-Prince 5(4) with local error control (rtol, atol) and step-size adaptation.

The integrators know nothing of the physics: each is a *template* whose global names ``rhs`` (the model's
compiled ``rhs(t, y, args, dydt)``), ``noise`` (per-step hook ``noise(step, h, args)`` of stochastic
models), ``hook`` (per-stage coupling hook, :mod:`.stepper`) and ``check`` are bound by
:func:`compiled` and compiled under a unique, disk-cached name.  They learn which 3-blocks of ``y`` are unit
vectors from ``sphere`` (start indices).

Each ``advance`` runs a chunk of steps in place and returns ``(status, steps_done)``: 0 ok, 1 non-finite
state, 2 a unit vector left the sphere (| |m| - 1 | > norm_tol), 3 step size underflow (adaptive), 4 too many
steps (adaptive), 5 a hook reported an error (the state is restored to the start of that step).
"""
from __future__ import annotations

import numba as nb
import numpy as np

from ..numerics.jit import specialize

OK, NONFINITE, NORM, UNDERFLOW, MAXSTEPS, HOOK = 0, 1, 2, 3, 4, 5
STATUS_TEXT = {
    NONFINITE: "the state became non-finite (NaN or inf)",
    NORM: "a unit vector left the sphere (| |m| - 1 | exceeded the tolerance)",
    UNDERFLOW: "the adaptive step size underflowed",
    MAXSTEPS: "the adaptive integrator exceeded its step budget",
    HOOK: "the coupling hook reported an error",
}
METHODS = ("rk4", "rkmk4", "heun", "dp45")
FIXED_STEP = ("rk4", "rkmk4", "heun")
#: order of accuracy of each method (verified in tests)
ORDER = {"rk4": 4, "rkmk4": 4, "heun": 2, "dp45": 5}
#: stability limit |h lambda| on the imaginary axis (RK4 family: 2 sqrt 2; Heun is weakly unstable on the
#: imaginary axis, |1 + z + z^2/2| = sqrt(1 + x^4/4): the guard uses the accuracy limit 1.0 instead)
STABILITY_LIMIT = {"rk4": 2.83, "rkmk4": 2.83, "heun": 1.0, "dp45": 3.3}
#: rows of the work array (3 N or state size each) per method
WORK_ROWS = {"rk4": 5, "rkmk4": 7, "heun": 5, "dp45": 7}


#: global names of the templates below, bound by :func:`compiled` (placeholders until then)
rhs = hook = noise = step = check = axpy = generator = scale = lie_apply = sweep = None

# ------------------------------------------------------------------------------------------------
# hooks
# ------------------------------------------------------------------------------------------------
@nb.njit(cache=True, inline="always")
def no_hook(t, y, args, stage):
    """No coupling: the compiled fast path."""
    return 0


_ACTIVE_HOOKS = []


def _dispatch_hook(t, y, stage):
    return _ACTIVE_HOOKS[-1](t, y, stage)


@nb.njit(cache=True)
def python_hook(t, y, args, stage):
    """Call the active Python coupling hook (:class:`spinertia.dynamics.stepper.Stepper`) from compiled code;
    it writes its field/torque into buffers of ``args`` and returns 0, or nonzero on error."""
    with nb.objmode(st="int64"):
        st = _dispatch_hook(t, y, stage)
    return st


# ------------------------------------------------------------------------------------------------
# building blocks
# ------------------------------------------------------------------------------------------------
def _check(y, sphere, norm_tol):
    bad = 0
    for i in nb.prange(y.shape[0]):
        if not np.isfinite(y[i]):
            bad += 1
    if bad > 0:
        return NONFINITE
    off = 0
    for k in nb.prange(sphere.shape[0]):
        b = sphere[k]
        n = np.sqrt(y[b] ** 2 + y[b + 1] ** 2 + y[b + 2] ** 2)
        if abs(n - 1.0) > norm_tol:
            off += 1
    return NORM if off > 0 else OK


@nb.njit(cache=True, inline="always")
def double_cross(u0, u1, u2, m0, m1, m2):
    """(u x m, u x (u x m)) as six scalars: the pieces of Rodrigues, Cayley and dexp^-1 on so(3)."""
    c0 = u1 * m2 - u2 * m1
    c1 = u2 * m0 - u0 * m2
    c2 = u0 * m1 - u1 * m0
    return c0, c1, c2, u1 * c2 - u2 * c1, u2 * c0 - u0 * c2, u0 * c1 - u1 * c0


@nb.njit(cache=True, inline="always")
def _rotate(m0, m1, m2, u0, u1, u2, out, o):
    """out[o:o+3] <- exp([u x]) m (Rodrigues)."""
    th2 = u0 * u0 + u1 * u1 + u2 * u2
    th = np.sqrt(th2)
    if th < 1e-4:
        a = 1.0 - th2 / 6.0 + th2 * th2 / 120.0  # sin(th)/th
        b = 0.5 - th2 / 24.0 + th2 * th2 / 720.0  # (1-cos th)/th^2
    else:
        a = np.sin(th) / th
        b = (1.0 - np.cos(th)) / th2
    c0, c1, c2, d0, d1, d2 = double_cross(u0, u1, u2, m0, m1, m2)
    out[o] = m0 + a * c0 + b * d0
    out[o + 1] = m1 + a * c1 + b * d1
    out[o + 2] = m2 + a * c2 + b * d2


def _axpy(out, y, a, k):
    for i in nb.prange(y.shape[0]):
        out[i] = y[i] + a * k[i]


def _lie_apply(y, u, is_sphere, sphere, out):
    """out <- exp(u) . y : rotations on sphere blocks, translations elsewhere."""
    for i in nb.prange(y.shape[0]):
        if not is_sphere[i]:
            out[i] = y[i] + u[i]
    for k in nb.prange(sphere.shape[0]):
        b = sphere[k]
        _rotate(y[b], y[b + 1], y[b + 2], u[b], u[b + 1], u[b + 2], out, b)


def _generator(t, ys, u, is_sphere, sphere, k, dy, args):
    """k <- dexp^{-1}_u (F(ys)): angular velocities on sphere blocks, dy/dt elsewhere."""
    rhs(t, ys, args, dy)
    for i in nb.prange(ys.shape[0]):
        if not is_sphere[i]:
            k[i] = dy[i]
    for q in nb.prange(sphere.shape[0]):
        b = sphere[q]
        m0, m1, m2 = ys[b], ys[b + 1], ys[b + 2]
        mm = m0 * m0 + m1 * m1 + m2 * m2
        # angular velocity of a norm-preserving flow: Omega = m x dm/dt / |m|^2
        w0 = (m1 * dy[b + 2] - m2 * dy[b + 1]) / mm
        w1 = (m2 * dy[b] - m0 * dy[b + 2]) / mm
        w2 = (m0 * dy[b + 1] - m1 * dy[b]) / mm
        c0, c1, c2, d0, d1, d2 = double_cross(u[b], u[b + 1], u[b + 2], w0, w1, w2)
        # dexpinv(u, w) = w - 1/2 [u, w] + 1/12 [u, [u, w]]  with [a, b] = a x b on so(3)
        k[b] = w0 - 0.5 * c0 + d0 / 12.0
        k[b + 1] = w1 - 0.5 * c1 + d1 / 12.0
        k[b + 2] = w2 - 0.5 * c2 + d2 / 12.0


def _scale(u, a, k):
    for i in nb.prange(u.shape[0]):
        u[i] = a * k[i]


# ------------------------------------------------------------------------------------------------
# steps (each returns the OR of the hook statuses of its stages)
# ------------------------------------------------------------------------------------------------
def _rk4_step(t, y, h, args, is_sphere, sphere, W):
    k1, k2, k3, k4, tmp = W[0], W[1], W[2], W[3], W[4]
    st = hook(t, y, args, 0)
    rhs(t, y, args, k1)
    axpy(tmp, y, 0.5 * h, k1)
    st |= hook(t + 0.5 * h, tmp, args, 1)
    rhs(t + 0.5 * h, tmp, args, k2)
    axpy(tmp, y, 0.5 * h, k2)
    st |= hook(t + 0.5 * h, tmp, args, 2)
    rhs(t + 0.5 * h, tmp, args, k3)
    axpy(tmp, y, h, k3)
    st |= hook(t + h, tmp, args, 3)
    rhs(t + h, tmp, args, k4)
    for i in nb.prange(y.shape[0]):
        y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0
    return st


def _rkmk4_step(t, y, h, args, is_sphere, sphere, W):
    k1, k2, k3, k4, u, ys, dy = W[0], W[1], W[2], W[3], W[4], W[5], W[6]
    u[:] = 0.0
    st = hook(t, y, args, 0)
    generator(t, y, u, is_sphere, sphere, k1, dy, args)
    scale(u, 0.5 * h, k1)
    lie_apply(y, u, is_sphere, sphere, ys)
    st |= hook(t + 0.5 * h, ys, args, 1)
    generator(t + 0.5 * h, ys, u, is_sphere, sphere, k2, dy, args)
    scale(u, 0.5 * h, k2)
    lie_apply(y, u, is_sphere, sphere, ys)
    st |= hook(t + 0.5 * h, ys, args, 2)
    generator(t + 0.5 * h, ys, u, is_sphere, sphere, k3, dy, args)
    scale(u, h, k3)
    lie_apply(y, u, is_sphere, sphere, ys)
    st |= hook(t + h, ys, args, 3)
    generator(t + h, ys, u, is_sphere, sphere, k4, dy, args)
    for i in nb.prange(y.shape[0]):
        u[i] = h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0
    lie_apply(y, u, is_sphere, sphere, ys)
    y[:] = ys
    return st


def _heun_step(t, y, h, args, is_sphere, sphere, W):
    """Geometric Heun (RKMK2): the Depondt-Mertens / Spirit scheme; Stratonovich for fixed noise."""
    k1, k2, u, ys, dy = W[0], W[1], W[2], W[3], W[4]
    u[:] = 0.0
    st = hook(t, y, args, 0)
    generator(t, y, u, is_sphere, sphere, k1, dy, args)
    scale(u, h, k1)
    lie_apply(y, u, is_sphere, sphere, ys)
    st |= hook(t + h, ys, args, 1)
    generator(t + h, ys, u, is_sphere, sphere, k2, dy, args)
    for i in nb.prange(y.shape[0]):
        u[i] = 0.5 * h * (k1[i] + k2[i])
    lie_apply(y, u, is_sphere, sphere, ys)
    y[:] = ys
    return st


def _fused_heun_step(t, y, h, args, is_sphere, sphere, W):
    """Geometric Heun fused with a site-local right-hand side (:mod:`.sweeps`); W[0] = predictor,
    W[1] (first 6 n_sites entries) = stage-1 angular velocities and extra derivatives."""
    n_sites = sphere.shape[0]
    extra = y.shape[0] > 3 * n_sites
    ys = W[0]
    k = W[1]
    st = hook(t, y, args, 0)
    sweep(args, t, y, ys, k, h, n_sites, extra, True)
    st |= hook(t + h, ys, args, 1)
    sweep(args, t + h, y, ys, k, h, n_sites, extra, False)
    return st


def _advance(args, sphere, t0, y, h, n_steps, save_every, phase, out, norm_tol, step0, W, ybak):
    """Advance y in place by n_steps; out[k] <- y at every output, i.e. whenever the number of steps since the
    last output (``phase`` at entry) reaches save_every.  ``ybak`` (empty unless a Python hook is bound) holds
    the state at the start of the current step.  Returns (status, steps)."""
    n = y.shape[0]
    is_sphere = np.zeros(n, dtype=np.bool_)
    for b in sphere:
        is_sphere[b:b + 3] = True
    backup = ybak.shape[0] == n
    for s in range(n_steps):
        if backup:
            ybak[:] = y
        noise(step0 + s, h, args)
        st = step(t0 + s * h, y, h, args, is_sphere, sphere, W)
        if st != 0:
            if backup:
                y[:] = ybak
            return HOOK, s
        st = check(y, sphere, norm_tol)
        if st != OK:
            return st, s + 1
        if (phase + s + 1) % save_every == 0:
            out[(phase + s + 1) // save_every - 1, :] = y
    return OK, n_steps


# ------------------------------------------------------------------------------------------------
# Dormand-Prince 5(4)
# ------------------------------------------------------------------------------------------------
_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_A = np.array([
    [0, 0, 0, 0, 0, 0],
    [1 / 5, 0, 0, 0, 0, 0],
    [3 / 40, 9 / 40, 0, 0, 0, 0],
    [44 / 45, -56 / 15, 32 / 9, 0, 0, 0],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0, 0],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
])
_B5 = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0])
_B4 = np.array([5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40])
_E = _B5 - _B4


def _advance_dp45(args, sphere, t, y, t_out, out, h, rtol, atol, h_min, max_steps, norm_tol, counters, K):
    """Integrate from t through the times t_out (increasing), storing y(t_out[k]) in out[k].

    K: work array (9, n).  Returns (status, t, h, n_outputs_done); counters[0] += accepted,
    counters[1] += rejected steps.  The FSAL derivative K[0] is recomputed at entry (chunks may resume
    after a change of the coupling buffers)."""
    n = y.shape[0]
    ytmp = K[7]
    ynew = K[8]
    if hook(t, y, args, 0) != 0:
        return HOOK, t, h, 0
    rhs(t, y, args, K[0])
    steps = 0
    for k in range(t_out.shape[0]):
        t_target = t_out[k]
        while t < t_target:
            if steps >= max_steps:
                return MAXSTEPS, t, h, k
            hs = h
            last = False
            if t + hs >= t_target:
                hs = t_target - t
                last = True
            for s in range(1, 7):
                for i in range(n):
                    acc = 0.0
                    for j in range(s):
                        acc += _A[s, j] * K[j, i]
                    ytmp[i] = y[i] + hs * acc
                if hook(t + _C[s] * hs, ytmp, args, s) != 0:
                    return HOOK, t, h, k
                rhs(t + _C[s] * hs, ytmp, args, K[s])
            # ytmp now holds the 5th-order solution (FSAL: row 6 of A equals B5)
            err = 0.0
            for i in range(n):
                ynew[i] = ytmp[i]
                e = 0.0
                for j in range(7):
                    e += _E[j] * K[j, i]
                sc = atol + rtol * max(abs(y[i]), abs(ynew[i]))
                err += (hs * e / sc) ** 2
            err = np.sqrt(err / n)
            steps += 1
            if not np.isfinite(err):
                err = 1e10
            if err <= 1.0:
                t = t_target if last else t + hs
                y[:] = ynew
                K[0, :] = K[6, :]
                counters[0] += 1
                st = check(y, sphere, norm_tol)
                if st != OK:
                    return st, t, h, k
                fac = 0.9 * err ** (-0.2) if err > 0 else 5.0
                hn = hs * min(5.0, max(0.2, fac))
                if not last or hn > h:
                    h = hn
            else:
                counters[1] += 1
                h = hs * max(0.2, 0.9 * err ** (-0.2))
                if h < h_min:
                    return UNDERFLOW, t, h, k
        out[k, :] = y
    return OK, t, h, t_out.shape[0]


# ------------------------------------------------------------------------------------------------
# compilation registry
# ------------------------------------------------------------------------------------------------
_STEPS = {"rk4": _rk4_step, "rkmk4": _rkmk4_step, "heun": _heun_step}


def compiled(method, rhs, noise, parallel=False, hooked=False, sweep=None):
    """The compiled ``advance`` of ``method`` for a model's right-hand side ``rhs`` and per-step ``noise``
    hook; ``hooked`` binds the Python coupling hook; ``sweep`` (heun only) selects the fused sweep of a
    site-local model.  Compiled on first use and cached on disk."""
    hook = python_hook if hooked else no_hook
    check = specialize(_check, parallel)
    if method == "dp45":
        return specialize(_advance_dp45, False, rhs=rhs, hook=hook, check=specialize(_check, False))
    if sweep is not None:
        if method != "heun":
            raise ValueError("fused sweeps exist for the heun method only")
        step = specialize(_fused_heun_step, False, hook=hook, sweep=sweep)
    elif method == "rk4":
        step = specialize(_rk4_step, parallel, rhs=rhs, hook=hook, axpy=specialize(_axpy, parallel))
    else:
        step = specialize(_STEPS[method], parallel, hook=hook,
                          generator=specialize(_generator, parallel, rhs=rhs),
                          scale=specialize(_scale, parallel), lie_apply=specialize(_lie_apply, parallel))
    return specialize(_advance, False, step=step, noise=noise, check=check)
