"""Reference solver for the memory-kernel LLG by direct quadrature of the memory integral.

This module is an *independent* check of the auxiliary-variable method of
:class:`spinertia.dynamics.models.MemoryKernelLLG` (Webb et al. 2026, Eq. 10).  It integrates

    dm/dt = -m x (h_eff(t, m) + s h_mem(t)) + m x (A dm/dt),
    h_mem(t) = int_0^t chi(t - s') m(s') ds',

with ``s = +1`` (``kernel_sign="passive"``) or ``-1`` (``"as_printed"``), evaluating ``h_mem`` by
quadrature over the stored history of ``m``.  It never uses the auxiliary variables w_j: only the
kernel values chi(t) enter, so it tests the exponential-sum bookkeeping, the signs and the
initial condition (no memory before t = 0) of the fast method.  The price is O(history) work per
step, O(n^2) for n steps.

Scheme (4th order overall), fixed step h, half-step spacing d = h/2:

* m is stored on the half-step grid s_k = k d; chi is tabulated at all lags j d (chi(0) is used as
  given, it need not vanish).
* classical RK4 in time for m only; the memory integral at the stage times is

  - t_n (stage 1):            composite Simpson over nodes 0..2n (zero for n = 0);
  - t_n + h/2 (stages 2, 3):  Simpson over 0..2n-2 plus Simpson 3/8 over the last three intervals
                              (2n-2..2n+1), trapezoid for n = 0; node 2n+1 is the stage's own
                              predicted m;
  - t_n + h (stage 4):        Simpson over 0..2n+2, node 2n+2 = the stage-4 input m_n + h k3 and
                              node 2n+1 = the mean of the stage-2 and stage-3 inputs,
                              m_n + (h/4)(k1 + k2).  (Either input alone is only an O(h^2) estimate
                              of m(t_n + h/2); with chi(0) != 0 its quadrature weight 4/3 (h/2) chi(h/2)
                              is O(h), which cost one order: measured 3.0 instead of 4.0.  Their mean
                              is O(h^3) accurate.  For chi(0) = 0 either choice is 4th order.)
* after the step node 2n+2 = m_{n+1}, and node 2n+1 is the cubic Hermite midpoint
  (m_n + m_{n+1})/2 + h (f_n - f_{n+1})/8 with f = dm/dt; f_n is stage 1 and f_{n+1} is evaluated
  at m_{n+1} with the stage-4 quadrature (same node 2n+1 as stage 4, node 2n+2 = m_{n+1}).

The three history sums (all nodes whose value is known at the start of the step) are done in one
compiled pass; the stage-dependent end nodes are added per stage, so a step costs one pass over
the history plus five O(1) torque evaluations.

API
---
``simulate_direct(model, m0, t_end, dt, output_every=None)`` returns a :class:`DirectTrajectory`
(a :class:`~spinertia.dynamics.simulate.Trajectory` whose ``Y`` holds **only the m columns**,
shape (n_times, 3)).  ``DirectWorkspace`` + the compiled ``advance_direct`` run n steps without
the Python driver (used by ``benchmarks/memory_kernel.py``).
"""
from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass

import numba as nb
import numpy as np

from ..errors import InputError, SimulationDiverged
from ..lattice.fields import site_field
from ..lattice.protocols import profile
from . import integrators as integ
from .equations import gilbert_velocity, precession_drive
from .models import KERNEL_SIGNS, MemoryKernelLLG, check_unit_vector
from .stepper import check_step
from .simulate import Trajectory, seconds

#: refuse longer runs: the direct method costs O(n^2) time and O(n) memory
MAX_DIRECT_STEPS = 2_000_000


# ---------------------------------------------------------------------------------------------------
# compiled kernels
# ---------------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def _torque(t, m, hmem, tb, A, sign, out):
    """out <- dm/dt = -m x (h_eff + sign h_mem) + m x (A dm/dt) for the one site of ``tb`` (the memory-kernel
    model of :mod:`.models` without the longitudinal term: the same compiled field and Gilbert solve)."""
    sub, nbr, jrow, J, krow, K, hrow, h0, h1, fp, hsite, hext, hnoise, snbr, srow, su, sb = tb
    h0_, h1_, h2_ = site_field(0, profile(t, fp), m, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, hext, hnoise)
    b0, b1, b2 = precession_drive(m[0], m[1], m[2], h0_ + sign * hmem[0], h1_ + sign * hmem[1],
                                  h2_ + sign * hmem[2], hext, 0)
    out[0], out[1], out[2] = gilbert_velocity(m[0], m[1], m[2], b0, b1, b2, A, 0)


@nb.njit(cache=True, fastmath=True)
def _correlate3(chi_rev, o, whist, L, acc):
    """acc[3*q + c] <- sum_{i<L} chi_rev[o - q + i] * whist[c, i] for q = 0, 1, 2 (one pass over the history)."""
    a00 = a01 = a02 = 0.0
    a10 = a11 = a12 = 0.0
    a20 = a21 = a22 = 0.0
    wx = whist[0]
    wy = whist[1]
    wz = whist[2]
    for i in range(L):
        r0 = chi_rev[o + i]
        r1 = chi_rev[o - 1 + i]
        r2 = chi_rev[o - 2 + i]
        x = wx[i]
        y = wy[i]
        z = wz[i]
        a00 += r0 * x
        a01 += r0 * y
        a02 += r0 * z
        a10 += r1 * x
        a11 += r1 * y
        a12 += r1 * z
        a20 += r2 * x
        a21 += r2 * y
        a22 += r2 * z
    acc[0], acc[1], acc[2] = a00, a01, a02
    acc[3], acc[4], acc[5] = a10, a11, a12
    acc[6], acc[7], acc[8] = a20, a21, a22


@nb.njit(cache=True)
def _history_sums(chi, chi_rev, hist, whist, n, d, base, acc):
    """Known parts of the memory integrals of step n (nodes 0..2n filled, spacing d = h/2).

    base[0:3]  int_0^{t_n}       (complete: stage 1)
    base[3:6]  int_0^{t_n + h/2} without the node-(2n+1) term, which is + w23 chi(0) m_{2n+1}
    base[6:9]  int_0^{t_n + h}   without the nodes 2n+1 and 2n+2, which are + d/3 (4 chi(d) m_{2n+1} + chi(0) m_{2n+2})
    acc: a 9-array of work space.
    Returns w23, the quadrature weight of node 2n+1 at t_n + h/2 (3d/8, or d/2 for the trapezoid at n = 0).
    The weighted history holds whist[:, i] = w_i m_i with the Simpson pattern w = 1, 4, 2, 4, ..., 2, 4.
    """
    for k in range(9):
        base[k] = 0.0
    if n == 0:
        for c in range(3):
            base[3 + c] = 0.5 * d * chi[1] * hist[c, 0]
            base[6 + c] = d / 3.0 * chi[2] * hist[c, 0]
        return 0.5 * d
    Lmax = chi.shape[0] - 1
    o = Lmax - 2 * n  # chi[2n - i] = chi_rev[o + i]
    L = 2 * n - 2  # nodes 0..2n-3 are shared by the three sums
    _correlate3(chi_rev, o, whist, L, acc)
    k = 2 * n
    for c in range(3):
        # stage 1: Simpson 0..2n (node 2n - 2 keeps its interior weight, node 2n is the end point)
        base[c] = d / 3.0 * (acc[c] + chi[2] * whist[c, k - 2] + chi[1] * whist[c, k - 1] + chi[0] * hist[c, k])
        # stages 2, 3: Simpson 0..2n-2 (node 2n-2 is its end point, weight 1) + 3/8 on 2n-2..2n+1
        s13 = 0.0
        if n >= 2:
            s13 = d / 3.0 * (acc[3 + c] + chi[3] * hist[c, k - 2])
        base[3 + c] = s13 + 3.0 * d / 8.0 * (chi[3] * hist[c, k - 2] + 3.0 * chi[2] * hist[c, k - 1]
                                              + 3.0 * chi[1] * hist[c, k])
        # stage 4: Simpson 0..2n+2; nodes up to 2n have their interior weights
        base[6 + c] = d / 3.0 * (acc[6 + c] + chi[4] * whist[c, k - 2] + chi[3] * whist[c, k - 1]
                                 + chi[2] * whist[c, k])
    return 3.0 * d / 8.0


@nb.njit(cache=True)
def _check_m(m, norm_tol):
    for i in range(3):
        if not np.isfinite(m[i]):
            return integ.NONFINITE
    if abs(np.sqrt(m[0] * m[0] + m[1] * m[1] + m[2] * m[2]) - 1.0) > norm_tol:
        return integ.NORM
    return integ.OK


@nb.njit(cache=True)
def advance_direct(tb, A, sign, chi, chi_rev, hist, whist, n0, n_steps, h, save_every, out, norm_tol):
    """Advance the direct-convolution RK4 from step n0 (state m_{n0} = hist[:, 2 n0], t = n0 h) by n_steps.

    Arguments::

        tb, A, sign      field tables of the one site, Gilbert tensor (1, 9), kernel sign (+1 passive, -1 as printed)
        chi              chi(j h/2) for j = 0..2N (N = capacity in steps); chi_rev = chi[::-1] (contiguous)
        hist, whist      (3, 2N+1) history of m on the half-step grid and its Simpson-weighted copy;
                         nodes 0..2 n0 must be filled (hist[:, 0] = m0, whist[:, 0] = m0 for n0 = 0)
        out[k]           <- m after every save_every steps

    Returns (status, steps done): status as in :mod:`.integrators` (0 ok, 1 non-finite, 2 |m| drift).
    """
    last = 2 * (n0 + n_steps)  # highest node written
    if (n0 < 0 or n_steps < 0 or save_every < 1 or last >= hist.shape[1] or last >= whist.shape[1]
            or last >= chi.shape[0] or chi_rev.shape[0] != chi.shape[0] or chi.shape[0] < 5
            or out.shape[0] < n_steps // save_every):
        raise ValueError("advance_direct: the workspace is too small for n0 + n_steps steps (or bad save_every/out)")
    d = 0.5 * h
    base = np.empty(9)
    acc = np.empty(9)
    m = np.empty(3)
    mp = np.empty(3)
    m3 = np.empty(3)
    m4 = np.empty(3)
    mh = np.empty(3)
    mn = np.empty(3)
    hm = np.empty(3)
    k1, k2, k3, k4, f1 = np.empty(3), np.empty(3), np.empty(3), np.empty(3), np.empty(3)
    for s in range(n_steps):
        n = n0 + s
        t = n * h
        k = 2 * n
        for c in range(3):
            m[c] = hist[c, k]
        w23 = _history_sums(chi, chi_rev, hist, whist, n, d, base, acc)
        # stage 1 at t_n
        for c in range(3):
            hm[c] = base[c]
        _torque(t, m, hm, tb, A, sign, k1)
        # stage 2 at t_n + h/2
        for c in range(3):
            mp[c] = m[c] + d * k1[c]
            hm[c] = base[3 + c] + w23 * chi[0] * mp[c]
        _torque(t + d, mp, hm, tb, A, sign, k2)
        # stage 3 at t_n + h/2
        for c in range(3):
            m3[c] = m[c] + d * k2[c]
            hm[c] = base[3 + c] + w23 * chi[0] * m3[c]
        _torque(t + d, m3, hm, tb, A, sign, k3)
        # stage 4 at t_n + h; node 2n+1 = (stage-2 input + stage-3 input)/2 = m_n + d (k1 + k2)/2, an O(h^3)
        # estimate of m(t_n + h/2) (either input alone is only O(h^2), which costs one order when chi(0) != 0)
        for c in range(3):
            mh[c] = m[c] + 0.5 * d * (k1[c] + k2[c])
            m4[c] = m[c] + h * k3[c]
            hm[c] = base[6 + c] + d / 3.0 * (4.0 * chi[1] * mh[c] + chi[0] * m4[c])
        _torque(t + h, m4, hm, tb, A, sign, k4)
        for c in range(3):
            mn[c] = m[c] + h * (k1[c] + 2.0 * k2[c] + 2.0 * k3[c] + k4[c]) / 6.0
        st = _check_m(mn, norm_tol)
        if st != integ.OK:
            return st, s + 1
        # f_{n+1} for the Hermite midpoint (node 2n+1 from stage 3, node 2n+2 = m_{n+1})
        for c in range(3):
            hm[c] = base[6 + c] + d / 3.0 * (4.0 * chi[1] * mh[c] + chi[0] * mn[c])
        _torque(t + h, mn, hm, tb, A, sign, f1)
        for c in range(3):
            mid = 0.5 * (m[c] + mn[c]) + h * (k1[c] - f1[c]) / 8.0
            hist[c, k + 1] = mid
            whist[c, k + 1] = 4.0 * mid
            hist[c, k + 2] = mn[c]
            whist[c, k + 2] = 2.0 * mn[c]
        if (s + 1) % save_every == 0:
            j = (s + 1) // save_every - 1
            for c in range(3):
                out[j, c] = mn[c]
    return integ.OK, n_steps


# ---------------------------------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------------------------------
def _check_model(model):
    if not isinstance(model, MemoryKernelLLG):
        raise InputError(
            f"simulate_direct needs a MemoryKernelLLG model (spinertia.dynamics.models), got {type(model).__name__}"
        )
    if model.n_sites != 1 or model.G.nbr.shape[1]:
        raise InputError(f"the direct-convolution reference solves a macrospin (one site); this model has "
                         f"{model.n_sites} sites")
    if model.longitudinal is not None:
        raise InputError(
            "the direct-convolution reference solver follows the transverse equation only (|m| = 1); "
            f"the model has the longitudinal term on (longitudinal={model.longitudinal}). "
            "Build the model with longitudinal=None, or use simulate() for the longitudinal dynamics"
        )


def _positive_finite(value, name):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise InputError(f"{name} must be positive and finite, got {value!r}")
    return v


@dataclass
class DirectWorkspace:
    """Arrays of a direct-convolution run with room for ``capacity`` steps of size ``dt``.

    ``advance_direct(*ws.arrays, n0, n_steps, dt, save_every, out, norm_tol)`` advances it; with n0 = 0
    it restarts from m0 (node 0 is never overwritten), so a workspace can be timed repeatedly.
    """

    tb: tuple
    A: np.ndarray
    sign: float
    chi: np.ndarray
    chi_rev: np.ndarray
    hist: np.ndarray
    whist: np.ndarray
    dt: float
    capacity: int

    @property
    def arrays(self):
        return (self.tb, self.A, self.sign, self.chi, self.chi_rev, self.hist, self.whist)

    @classmethod
    def create(cls, model, m0, dt, capacity, max_steps=MAX_DIRECT_STEPS):
        _check_model(model)
        dt = _positive_finite(dt, "dt")
        m = check_unit_vector(m0)
        if isinstance(capacity, bool) or int(capacity) != capacity or capacity < 1:
            raise InputError(f"the number of steps must be a positive integer, got {capacity!r}")
        capacity = int(capacity)
        if capacity > max_steps:
            raise InputError(
                f"{capacity} steps exceed the limit {max_steps} of the direct-convolution solver, whose cost grows "
                "as n^2; use simulate() (auxiliary variables, O(1) per step), or raise max_steps deliberately"
            )
        n_nodes = 2 * capacity + 1
        lags = 0.5 * dt * np.arange(max(n_nodes, 5))  # at least lags 0..4 for the end-point formulas
        chi = np.ascontiguousarray(model.kernel(lags), dtype=float)
        if not np.all(np.isfinite(chi)):
            raise InputError("the kernel is not finite on the time grid")
        hist = np.zeros((3, max(n_nodes, 5)))
        whist = np.zeros_like(hist)
        hist[:, 0] = m
        whist[:, 0] = m
        return cls(
            tb=model.system.tables_with(hext=np.zeros(0), hnoise=np.zeros(0)),
            A=np.ascontiguousarray(model.A.T[model.A.row[:1]], dtype=float),
            sign=float(KERNEL_SIGNS[model.kernel_sign]),
            chi=chi,
            chi_rev=np.ascontiguousarray(chi[::-1]),
            hist=hist,
            whist=whist,
            dt=dt,
            capacity=capacity,
        )


class DirectTrajectory(Trajectory):
    """Result of :func:`simulate_direct`.  NOTE: ``Y`` holds only the m columns, shape (n_times, 3);
    there are no auxiliary variables, so ``Y`` is not a state of the model and ``observables()`` is
    not available (use :func:`spinertia.dynamics.simulate.simulate` for those)."""

    @property
    def m(self):
        return self.Y[:, 0:3]

    def observables(self):
        raise InputError(
            "a direct-convolution trajectory stores only m (no auxiliary memory variables), so the model's "
            "observables cannot be evaluated from it; run simulate(model, model.initial_state(m0), ...) instead"
        )


def simulate_direct(model, m0, t_end, dt, output_every=None, *, norm_tol=1e-2, max_steps=MAX_DIRECT_STEPS):
    """Integrate a :class:`MemoryKernelLLG` from m(0) = m0 (no memory before t = 0) to ``t_end`` by
    direct quadrature of the memory integral (RK4 + Simpson, 4th order, O(n) work per step).

    t_end, dt: seconds (or quantity strings); output_every: a multiple of dt (default dt).
    Returns a :class:`DirectTrajectory` with ``t`` (n_times,, reduced) and ``Y`` = m (n_times, 3) on the grid
    k * output_every, the same grid :func:`simulate` uses from t0 = 0.
    """
    _check_model(model)
    m0 = check_unit_vector(m0)
    u = model.units
    t_end = u.time(_positive_finite(seconds(t_end, "t_end"), "t_end"))
    dt = u.time(_positive_finite(seconds(dt, "dt"), "dt"))
    output_every = dt if output_every is None else u.time(seconds(output_every, "output_every"))
    output_every = _positive_finite(output_every, "output_every")
    save_every = int(round(output_every / dt))
    if save_every < 1 or abs(save_every * dt - output_every) > 1e-6 * dt:
        raise InputError(f"output_every = {output_every} must be a multiple of dt = {dt}")
    n_out = int(math.floor(t_end / output_every + 1e-9))
    if n_out < 1:
        raise InputError(f"t_end = {t_end} is shorter than one output interval {output_every}")
    n_steps = n_out * save_every
    check_step(model, dt, "rk4")
    ws = DirectWorkspace.create(model, m0, dt, n_steps, max_steps=max_steps)
    t_grid = output_every * np.arange(n_out + 1)
    Y = np.empty((n_out + 1, 3))
    Y[0] = m0
    out = np.empty((n_out, 3))
    wall0 = _time.perf_counter()
    st, done = advance_direct(*ws.arrays, 0, n_steps, dt, save_every, out, float(norm_tol))
    wall = _time.perf_counter() - wall0
    n_ok = int(done) // save_every
    Y[1:1 + n_ok] = out[:n_ok]
    stats = {"method": "direct-convolution (RK4 + Simpson)", "dt": dt, "steps": int(done), "rejected": 0,
             "wall_s": wall}
    if st != integ.OK:
        partial = DirectTrajectory(model, t_grid[:n_ok + 1].copy(), Y[:n_ok + 1].copy(), complete=False,
                                   status="diverged", stats=stats)
        m_bad = ws.hist[:, 2 * (int(done) - 1)] if done > 1 else m0
        extra = f" (|m| = {np.linalg.norm(m_bad):.6g} before the failing step)" if st == integ.NORM else ""
        err = SimulationDiverged(
            f"direct-convolution run diverged at step {int(done)}, t = {u.time_to_si(int(done) * dt):.6g} s: "
            f"{integ.STATUS_TEXT[st]}{extra}. Reduce the time step, or check the parameters.",
            step=int(done), time=float(u.time_to_si(int(done) * dt)),
            quantity="state (non-finite)" if st == integ.NONFINITE else "|m|")
        err.partial = partial
        raise err
    return DirectTrajectory(model, t_grid, Y, complete=True, status="complete", stats=stats)


def memory_integrals_at_step(chi, nodes, n, h):
    """The three memory integrals the solver forms in step n, from given node values (for tests).

    chi: chi(j h/2) for j = 0..len(nodes)-1 (at least 0..4); nodes: (>= 2n+3, 3) values of m on the
    half-step grid.  Returns (I(t_n), I(t_n + h/2), I(t_n + h)), each a 3-vector, with the end nodes
    2n+1, 2n+2 taken from ``nodes`` (as if every stage predicted them exactly).
    """
    chi = np.ascontiguousarray(chi, dtype=float)
    nodes = np.asarray(nodes, dtype=float)
    if nodes.ndim != 2 or nodes.shape[1] != 3 or nodes.shape[0] < 2 * n + 3:
        raise InputError(f"nodes must have shape (>= {2 * n + 3}, 3), got {nodes.shape}")
    if chi.shape[0] < max(nodes.shape[0], 5):
        raise InputError("chi must be tabulated at least at as many lags as there are nodes (and at least 5)")
    hist = np.ascontiguousarray(nodes.T[:, :chi.shape[0]])
    hist = np.concatenate([hist, np.zeros((3, chi.shape[0] - hist.shape[1]))], axis=1)
    w = np.where(np.arange(hist.shape[1]) % 2 == 1, 4.0, 2.0)
    w[0] = 1.0
    whist = np.ascontiguousarray(hist * w)
    base = np.empty(9)
    d = 0.5 * h
    w23 = _history_sums(chi, np.ascontiguousarray(chi[::-1]), hist, whist, n, d, base, np.empty(9))
    mid, end = nodes[2 * n + 1], nodes[2 * n + 2]
    I1 = base[0:3].copy()
    I2 = base[3:6] + w23 * chi[0] * mid
    I4 = base[6:9] + d / 3.0 * (4.0 * chi[1] * mid + chi[0] * end)
    return I1, I2, I4
