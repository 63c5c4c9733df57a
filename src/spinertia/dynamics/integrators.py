"""Compiled time integrators for y' = f(t, y).

The integrators are physics-agnostic: they receive a compiled right-hand side
``f(t, y, args, dydt)``, its opaque ``args`` tuple, and the start indices of the 3-blocks of ``y``
that are unit vectors (``sphere``; used by the geometric scheme and the divergence check).

* ``rk4``   classical fixed-step Runge-Kutta, order 4.
* ``rkmk4`` Runge-Kutta-Munthe-Kaas, order 4, on SO(3)^k x R^n: unit vectors are advanced by
  rotations exp(u) (Rodrigues), so |m| = 1 holds to round-off for any step size; the remaining
  components are advanced by the same RK4 tableau (Iserles et al., Acta Numerica 9, 215 (2000)).
* ``heun``  geometric Heun (RKMK2, order 2), the scheme of Spirit/UppASD-type codes; with noise held
  fixed within the step it converges to the Stratonovich stochastic LLG.
* ``dp45``  Dormand-Prince 5(4) with local error control (rtol, atol) and step-size adaptation.

Functions that take the right-hand side ``f`` as an argument are compiled per process (numba cannot
cache dispatcher-typed arguments reliably); leaf functions are cached on disk.

Each ``advance_*`` function runs a chunk of steps and returns a status code:
0 ok, 1 non-finite state, 2 a unit vector left the sphere (| |m| - 1 | > norm_tol), 3 step size
underflow (adaptive), 4 too many steps (adaptive).
"""
from __future__ import annotations

import numba as nb
import numpy as np

OK, NONFINITE, NORM, UNDERFLOW, MAXSTEPS = 0, 1, 2, 3, 4
STATUS_TEXT = {
    NONFINITE: "the state became non-finite (NaN or inf)",
    NORM: "a unit vector left the sphere (| |m| - 1 | exceeded the tolerance)",
    UNDERFLOW: "the adaptive step size underflowed",
    MAXSTEPS: "the adaptive integrator exceeded its step budget",
}


def _check_py(y, sphere, norm_tol):
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


_check = nb.njit(cache=True)(_check_py)


@nb.njit(cache=True)
def no_noise(step, h, args):
    """Per-step hook of deterministic models (stochastic models refresh their noise here)."""
    return None


@nb.njit(cache=True, inline="always")
def double_cross(u0, u1, u2, m0, m1, m2):
    """(u x m, u x (u x m)) as six scalars: the pieces of Rodrigues, Cayley and dexp^-1 on so(3)."""
    c0 = u1 * m2 - u2 * m1
    c1 = u2 * m0 - u0 * m2
    c2 = u0 * m1 - u1 * m0
    return c0, c1, c2, u1 * c2 - u2 * c1, u2 * c0 - u0 * c2, u0 * c1 - u1 * c0


@nb.njit(cache=True, inline="always")
def _rotate(m, u, out, o):
    """out[o:o+3] <- exp([u x]) m (Rodrigues)."""
    th2 = u[0] * u[0] + u[1] * u[1] + u[2] * u[2]
    th = np.sqrt(th2)
    if th < 1e-4:
        a = 1.0 - th2 / 6.0 + th2 * th2 / 120.0  # sin(th)/th
        b = 0.5 - th2 / 24.0 + th2 * th2 / 720.0  # (1-cos th)/th^2
    else:
        a = np.sin(th) / th
        b = (1.0 - np.cos(th)) / th2
    c0, c1, c2, d0, d1, d2 = double_cross(u[0], u[1], u[2], m[0], m[1], m[2])
    out[o] = m[0] + a * c0 + b * d0
    out[o + 1] = m[1] + a * c1 + b * d1
    out[o + 2] = m[2] + a * c2 + b * d2


def _build_fixed_step(parallel):
    """Compile the fixed-step integrators, serially (macrospin) or thread-parallel (lattice).

    One source, two compilations: ``prange`` is a plain ``range`` without ``parallel=True``.
    Every advance function calls ``g(step, h, args)`` before each step (random inputs of stochastic
    models, held fixed within the step: Stratonovich calculus for the Heun scheme).
    """
    jit = nb.njit(parallel=parallel)
    check = jit(_check_py)

    @jit
    def axpy(out, y, a, k):
        for i in nb.prange(y.shape[0]):
            out[i] = y[i] + a * k[i]

    @jit
    def rk4_step(f, args, t, y, h, is_sphere, sphere, W):
        k1, k2, k3, k4, tmp = W[0], W[1], W[2], W[3], W[4]
        f(t, y, args, k1)
        axpy(tmp, y, 0.5 * h, k1)
        f(t + 0.5 * h, tmp, args, k2)
        axpy(tmp, y, 0.5 * h, k2)
        f(t + 0.5 * h, tmp, args, k3)
        axpy(tmp, y, h, k3)
        f(t + h, tmp, args, k4)
        for i in nb.prange(y.shape[0]):
            y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0

    @jit
    def lie_apply(y, u, is_sphere, sphere, out):
        """out <- exp(u) . y : rotations on sphere blocks, translations elsewhere."""
        for i in nb.prange(y.shape[0]):
            if not is_sphere[i]:
                out[i] = y[i] + u[i]
        for k in nb.prange(sphere.shape[0]):
            b = sphere[k]
            _rotate(y[b:b + 3], u[b:b + 3], out, b)

    @jit
    def generator(f, args, t, ys, u, is_sphere, sphere, k, dy):
        """k <- dexp^{-1}_u (F(ys)): angular velocities on sphere blocks, dy/dt elsewhere."""
        f(t, ys, args, dy)
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
            u0, u1, u2 = u[b], u[b + 1], u[b + 2]
            # dexpinv(u, w) = w - 1/2 [u, w] + 1/12 [u, [u, w]]  with [a, b] = a x b on so(3)
            c0, c1, c2, d0, d1, d2 = double_cross(u0, u1, u2, w0, w1, w2)
            k[b] = w0 - 0.5 * c0 + d0 / 12.0
            k[b + 1] = w1 - 0.5 * c1 + d1 / 12.0
            k[b + 2] = w2 - 0.5 * c2 + d2 / 12.0

    @jit
    def scale(u, a, k):
        for i in nb.prange(u.shape[0]):
            u[i] = a * k[i]

    @jit
    def rkmk4_step(f, args, t, y, h, is_sphere, sphere, W):
        k1, k2, k3, k4, u, ys, dy = W[0], W[1], W[2], W[3], W[4], W[5], W[6]
        u[:] = 0.0
        generator(f, args, t, y, u, is_sphere, sphere, k1, dy)
        scale(u, 0.5 * h, k1)
        lie_apply(y, u, is_sphere, sphere, ys)
        generator(f, args, t + 0.5 * h, ys, u, is_sphere, sphere, k2, dy)
        scale(u, 0.5 * h, k2)
        lie_apply(y, u, is_sphere, sphere, ys)
        generator(f, args, t + 0.5 * h, ys, u, is_sphere, sphere, k3, dy)
        scale(u, h, k3)
        lie_apply(y, u, is_sphere, sphere, ys)
        generator(f, args, t + h, ys, u, is_sphere, sphere, k4, dy)
        for i in nb.prange(y.shape[0]):
            u[i] = h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0
        lie_apply(y, u, is_sphere, sphere, ys)
        y[:] = ys

    @jit
    def heun_step(f, args, t, y, h, is_sphere, sphere, W):
        """Geometric Heun (RKMK2): the Depondt-Mertens / Spirit scheme; Stratonovich for fixed noise."""
        k1, k2, u, ys, dy = W[0], W[1], W[2], W[3], W[4]
        u[:] = 0.0
        generator(f, args, t, y, u, is_sphere, sphere, k1, dy)
        scale(u, h, k1)
        lie_apply(y, u, is_sphere, sphere, ys)
        generator(f, args, t + h, ys, u, is_sphere, sphere, k2, dy)
        for i in nb.prange(y.shape[0]):
            u[i] = 0.5 * h * (k1[i] + k2[i])
        lie_apply(y, u, is_sphere, sphere, ys)
        y[:] = ys

    @jit
    def sphere_mask(n, sphere):
        is_sphere = np.zeros(n, dtype=np.bool_)
        for b in sphere:
            is_sphere[b:b + 3] = True
        return is_sphere

    def make_advance(step, n_work):
        @jit
        def advance(f, g, args, sphere, t0, y, h, n_steps, save_every, out, norm_tol, step0):
            """Advance y in place by n_steps; out[k] <- y after every save_every steps. Returns (status, steps)."""
            n = y.shape[0]
            is_sphere = sphere_mask(n, sphere)
            W = np.empty((n_work, n))
            for s in range(n_steps):
                g(step0 + s, h, args)
                step(f, args, t0 + s * h, y, h, is_sphere, sphere, W)
                st = check(y, sphere, norm_tol)
                if st != OK:
                    return st, s + 1
                if (s + 1) % save_every == 0:
                    out[(s + 1) // save_every - 1, :] = y
            return OK, n_steps

        return advance

    advance_rk4 = make_advance(rk4_step, 5)
    advance_rkmk4 = make_advance(rkmk4_step, 7)
    advance_heun = make_advance(heun_step, 5)
    return {"rk4": advance_rk4, "rkmk4": advance_rkmk4, "heun": advance_heun}


FIXED_STEP = _build_fixed_step(parallel=False)
#: thread-parallel variants for lattice models (``model.parallel = True``)
FIXED_STEP_PARALLEL = _build_fixed_step(parallel=True)
advance_rk4 = FIXED_STEP["rk4"]
advance_rkmk4 = FIXED_STEP["rkmk4"]
advance_heun = FIXED_STEP["heun"]


_LOCAL_HEUN_CACHE = {}


@nb.njit(inline="always")
def heun_site_update(i, o0, o1, o2, d0, d1, d2, y, ys, k, h, n_sites, extra, first):
    """Site i of a fused geometric Heun stage.  Stage 1 (first): store the angular velocity o and the
    derivative d of the extra block, write the predictor ys_i = cay(h o) y_i; stage 2: y_i <-
    cay(h/2 (o + o1)) y_i in place (site i reads only its own y_i).  Cayley retraction: the exact
    rotation of m by the angle 2 atan(|a|/2) about a, = exp(a) + O(a^3)."""
    if first:
        a0, a1, a2 = h * o0, h * o1, h * o2
        k[6 * i], k[6 * i + 1], k[6 * i + 2] = o0, o1, o2
        k[6 * i + 3], k[6 * i + 4], k[6 * i + 5] = d0, d1, d2
    else:
        a0 = 0.5 * h * (o0 + k[6 * i])
        a1 = 0.5 * h * (o1 + k[6 * i + 1])
        a2 = 0.5 * h * (o2 + k[6 * i + 2])
        d0 = 0.5 * (d0 + k[6 * i + 3])
        d1 = 0.5 * (d1 + k[6 * i + 4])
        d2 = 0.5 * (d2 + k[6 * i + 5])
    m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
    c0, c1, c2, e0, e1, e2 = double_cross(a0, a1, a2, m0, m1, m2)
    q = 1.0 / (1.0 + 0.25 * (a0 * a0 + a1 * a1 + a2 * a2))
    dst = ys if first else y
    dst[3 * i] = m0 + q * (c0 + 0.5 * e0)
    dst[3 * i + 1] = m1 + q * (c1 + 0.5 * e1)
    dst[3 * i + 2] = m2 + q * (c2 + 0.5 * e2)
    if extra:
        b = 3 * n_sites + 3 * i
        dst[b] = y[b] + h * d0
        dst[b + 1] = y[b + 1] + h * d1
        dst[b + 2] = y[b + 2] + h * d2


def local_heun(sweep, parallel):
    """Geometric Heun fused with the right-hand side, for models whose time derivative at site i depends
    on the other sites only through their spins.

    ``sweep(sa, t, y, ys, k, h, n_sites, extra, first)`` is a plain Python function (compiled here, serial
    or thread-parallel) that loops over the sites, evaluates the angular velocity o_i of spin i and the
    derivative d_i of its optional extra 3-block (stored after all spins; ``extra`` = True) from
    ``y`` (stage 1) or the predictor ``ys`` (stage 2), and calls :func:`heun_site_update`.  Each step is
    two sweeps that evaluate the field and update the spin in one pass; |m| = 1 to round-off.

    Returns ``advance(g, args, sa, n_sites, extra, t0, y, h, n_steps, save_every, out, norm_tol, step0)``;
    ``g(step, h, args)`` is the per-step noise hook as for the other integrators.
    """
    key = (sweep, parallel)
    if key in _LOCAL_HEUN_CACHE:
        return _LOCAL_HEUN_CACHE[key]
    jit = nb.njit(parallel=parallel)
    check = jit(_check_py)
    stage = jit(sweep)

    @jit
    def advance(g, args, sa, n_sites, extra, t0, y, h, n_steps, save_every, out, norm_tol, step0):
        n = y.shape[0]
        ys = np.empty(n)
        k = np.empty(6 * n_sites)
        sphere = np.arange(0, 3 * n_sites, 3)
        for s in range(n_steps):
            g(step0 + s, h, args)
            t = t0 + s * h
            stage(sa, t, y, ys, k, h, n_sites, extra, True)
            stage(sa, t + h, y, ys, k, h, n_sites, extra, False)
            st = check(y, sphere, norm_tol)
            if st != OK:
                return st, s + 1
            if (s + 1) % save_every == 0:
                out[(s + 1) // save_every - 1, :] = y
        return OK, n_steps

    _LOCAL_HEUN_CACHE[key] = advance
    return advance


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


@nb.njit
def advance_dp45(f, args, sphere, t, y, t_out, out, h, rtol, atol, h_min, max_steps, norm_tol, counters):
    """Integrate from t through the times t_out (increasing), storing y(t_out[k]) in out[k].

    Returns (status, t, h, n_outputs_done); counters[0] += accepted, counters[1] += rejected steps.
    """
    n = y.shape[0]
    K = np.empty((7, n))
    ytmp = np.empty(n)
    ynew = np.empty(n)
    f(t, y, args, K[0])
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
                f(t + _C[s] * hs, ytmp, args, K[s])
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
                st = _check(y, sphere, norm_tol)
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


ADAPTIVE = {"dp45": advance_dp45}
METHODS = ("rk4", "rkmk4", "heun", "dp45")
#: order of accuracy of each method (verified in tests)
ORDER = {"rk4": 4, "rkmk4": 4, "heun": 2, "dp45": 5}
#: stability limit |h lambda| on the imaginary axis (RK4 family: 2 sqrt 2; Heun is weakly unstable on the
#: imaginary axis, |1 + z + z^2/2| = sqrt(1 + x^4/4): the guard uses the accuracy limit 1.0 instead)
STABILITY_LIMIT = {"rk4": 2.83, "rkmk4": 2.83, "heun": 1.0, "dp45": 3.3}
