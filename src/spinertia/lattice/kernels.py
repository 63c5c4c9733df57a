"""Compiled, thread-parallel kernels of the lattice: effective field, energy, equations of motion.

Data layout (built by :class:`spinertia.lattice.finalized.FinalizedSystem`):

* spins ``y[3 i: 3 i + 3]`` (flat), site ``i`` of sublattice ``sub[i]``;
* pair tables ``nbr`` (n_sites, z) int32 neighbour indices (-1: no neighbour, open boundary) with
  per-sublattice tensors ``T`` (n_sub, z, 9) (row-major 3x3): the k-th bond of every site of a
  sublattice has the same tensor (translation invariance), so the per-site cost in memory is 4 z bytes;
* ``hp = (sub, nbr, T, aniso, h0, h1, fp, hsite, hnoise)``: reduced-unit field parameters with
  h_i = sum_k T[s,k] m_j + aniso[s] m_i + h0[s] + f(t) h1[s] + hsite[i] + hnoise[3i:3i+3]
  (hsite and hnoise may be empty; hnoise is the Langevin field, refreshed once per step by the
  stochastic models' noise hook, :mod:`spinertia.dynamics.thermal`).

Equations of motion (canonical form of :mod:`spinertia.dynamics.models`, now with pair tensors):

    dm_i/dt = -m_i x h_i + m_i x sum_j (A_ij dm_j/dt + E_ij d^2 m_j/dt^2)

with on-site A_ii, E_ii and pair tables for i != j.  Non-local damping in the LLG is solved by a
block-Jacobi iteration (a contraction for |G| << 1); non-local inertia in the iLLG by
block-preconditioned conjugate gradients on the tangent spaces (the inertia matrix is symmetric
positive definite, checked at finalization), or block Jacobi when it is not symmetric; both stop at
a relative residual ``tol`` and report non-convergence (docs/atomistic.md).
"""
from __future__ import annotations

import types
from types import SimpleNamespace

import numba as nb
import numpy as np

from ..dynamics.integrators import heun_site_update
from ..dynamics.linalg3 import gilbert_precession_row, solve3_scalar
from ..hamiltonian.macrospin import protocol_profile



@nb.njit(inline="always")
def pair_sum(i, s, nbr, T, y, base):
    """sum_k T[s, k] y[base + 3 j : base + 3 j + 3] over the neighbours j = nbr[i, k]."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    for k in range(nbr.shape[1]):
        j = nbr[i, k]
        if j < 0:
            continue
        x0 = y[base + 3 * j]
        x1 = y[base + 3 * j + 1]
        x2 = y[base + 3 * j + 2]
        a0 += T[s, k, 0] * x0 + T[s, k, 1] * x1 + T[s, k, 2] * x2
        a1 += T[s, k, 3] * x0 + T[s, k, 4] * x1 + T[s, k, 5] * x2
        a2 += T[s, k, 6] * x0 + T[s, k, 7] * x1 + T[s, k, 8] * x2
    return a0, a1, a2


@nb.njit(inline="always")
def site_field(i, f, y, sub, nbr, T, aniso, h0, h1, hsite, hnoise):
    """Effective field h_i (reduced angular frequency) at site i; f = protocol profile f(t).

    The arrays come unpacked from ``hp`` *outside* the parallel loops: extracting arrays from a tuple
    inside a loop costs atomic reference counts per site, shared between threads."""
    s = sub[i]
    m0 = y[3 * i]
    m1 = y[3 * i + 1]
    m2 = y[3 * i + 2]
    a0, a1, a2 = pair_sum(i, s, nbr, T, y, 0)
    a0 += aniso[s, 0] * m0 + aniso[s, 1] * m1 + aniso[s, 2] * m2 + h0[s, 0] + f * h1[s, 0]
    a1 += aniso[s, 3] * m0 + aniso[s, 4] * m1 + aniso[s, 5] * m2 + h0[s, 1] + f * h1[s, 1]
    a2 += aniso[s, 6] * m0 + aniso[s, 7] * m1 + aniso[s, 8] * m2 + h0[s, 2] + f * h1[s, 2]
    if hsite.shape[0] > 0:
        a0 += hsite[i, 0]
        a1 += hsite[i, 1]
        a2 += hsite[i, 2]
    if hnoise.shape[0] > 0:
        a0 += hnoise[3 * i]
        a1 += hnoise[3 * i + 1]
        a2 += hnoise[3 * i + 2]
    return a0, a1, a2


def _field_all_py(t, y, hp, h):
    """h[3i:3i+3] <- effective field at every site (reduced units)."""
    sub, nbr, T, aniso, h0, h1, fp, hsite, hnoise = hp
    f = protocol_profile(t, fp)
    n = sub.shape[0]
    for i in nb.prange(n):
        a0, a1, a2 = site_field(i, f, y, sub, nbr, T, aniso, h0, h1, hsite, hnoise)
        h[3 * i] = a0
        h[3 * i + 1] = a1
        h[3 * i + 2] = a2


def _energy_sites_py(t, y, ep, e):
    """Energy per site (joule): e_i = -1/2 S_i . sum_j J_ij S_j - S_i . K_i S_i - mu_i B_i(t) . S_i."""
    sub, nbr, TJ, KJ, mu, B0, B1, fp, Bsite = ep
    f = protocol_profile(t, fp)
    n = sub.shape[0]
    for i in nb.prange(n):
        s = sub[i]
        m0 = y[3 * i]
        m1 = y[3 * i + 1]
        m2 = y[3 * i + 2]
        a0, a1, a2 = pair_sum(i, s, nbr, TJ, y, 0)
        k0 = KJ[s, 0] * m0 + KJ[s, 1] * m1 + KJ[s, 2] * m2
        k1 = KJ[s, 3] * m0 + KJ[s, 4] * m1 + KJ[s, 5] * m2
        k2 = KJ[s, 6] * m0 + KJ[s, 7] * m1 + KJ[s, 8] * m2
        b0 = B0[0] + f * B1[0]
        b1 = B0[1] + f * B1[1]
        b2 = B0[2] + f * B1[2]
        if Bsite.shape[0] > 0:
            b0 += Bsite[i, 0]
            b1 += Bsite[i, 1]
            b2 += Bsite[i, 2]
        e[i] = (-0.5 * (m0 * a0 + m1 * a1 + m2 * a2) - (m0 * k0 + m1 * k1 + m2 * k2)
                - mu[s] * (b0 * m0 + b1 * m1 + b2 * m2))


# ---------------------------------------------------------------------------------------------------
# LLG
# ---------------------------------------------------------------------------------------------------
def _llg_rhs_py(t, y, args, dydt):
    """Lattice LLG with on-site (scalar/tensor) and optional non-local pair damping G_ij.

    args = (hp, A (n_sub, 9), gnbr, G (n_sub, z, 9), work (2, 3N), ctl [tol, maxit], info [iters, fails],
    noise) -- ``noise`` (the thermal-noise parameters) is read only by the per-step noise hook.
    """
    hp, A, gnbr, G, work, ctl, info, noise = args
    sub, nbr, T, aniso, h0, h1, fp, hsite, hnoise = hp
    n = sub.shape[0]
    f = protocol_profile(t, fp)
    h = work[0]
    for i in nb.prange(n):
        a0, a1, a2 = site_field(i, f, y, sub, nbr, T, aniso, h0, h1, hsite, hnoise)
        h[3 * i] = a0
        h[3 * i + 1] = a1
        h[3 * i + 2] = a2
        x0, x1, x2 = gilbert_precession_row(y[3 * i], y[3 * i + 1], y[3 * i + 2], a0, a1, a2, A, sub[i])
        dydt[3 * i] = x0
        dydt[3 * i + 1] = x1
        dydt[3 * i + 2] = x2
    if gnbr.shape[1] == 0:
        return
    # block Jacobi on (1 - [m x] A) v_i - m_i x sum_j G_ij v_j = -m_i x h_i
    vnew = work[1]
    tol = ctl[0]
    maxit = int(ctl[1])
    for it in range(maxit):
        diff = 0.0
        scale = 0.0
        for i in nb.prange(n):
            s = sub[i]
            g0, g1, g2 = pair_sum(i, s, gnbr, G, dydt, 0)
            x0, x1, x2 = gilbert_precession_row(y[3 * i], y[3 * i + 1], y[3 * i + 2],
                                            h[3 * i] - g0, h[3 * i + 1] - g1, h[3 * i + 2] - g2, A, s)
            vnew[3 * i] = x0
            vnew[3 * i + 1] = x1
            vnew[3 * i + 2] = x2
            d = abs(x0 - dydt[3 * i]) + abs(x1 - dydt[3 * i + 1]) + abs(x2 - dydt[3 * i + 2])
            diff = max(diff, d)
            scale = max(scale, abs(x0) + abs(x1) + abs(x2))
        dydt[:] = vnew
        if diff <= tol * scale:
            info[0] = max(info[0], it + 1)
            return
    info[1] += 1
    dydt[:] = np.nan


def _llg_sweep_py(sa, t, y, ys, k, h, n_sites, extra, first):
    """One stage of the fused geometric Heun for the site-local LLG (see integrators.local_heun).

    sa = hp + (A, E): the field arrays, on-site damping (and an unused inertia slot)."""
    sub, nbr, T, aniso, h0, h1, fp, hsite, hnoise, A, E, iso = sa
    f = protocol_profile(t, fp)
    src = y if first else ys
    for i in nb.prange(n_sites):
        s = sub[i]
        hx, hy, hz = site_field(i, f, src, sub, nbr, T, aniso, h0, h1, hsite, hnoise)
        m0, m1, m2 = src[3 * i], src[3 * i + 1], src[3 * i + 2]
        if iso[s, 0] != 0.0:
            # scalar alpha: Omega = (h_perp + alpha m x h) / (1 + alpha^2)  (Landau-Lifshitz form)
            al = A[s, 0]
            mh = m0 * hx + m1 * hy + m2 * hz
            c = 1.0 / (1.0 + al * al)
            o0 = c * (hx - mh * m0 + al * (m1 * hz - m2 * hy))
            o1 = c * (hy - mh * m1 + al * (m2 * hx - m0 * hz))
            o2 = c * (hz - mh * m2 + al * (m0 * hy - m1 * hx))
        else:
            x0, x1, x2 = gilbert_precession_row(m0, m1, m2, hx, hy, hz, A, s)
            o0, o1, o2 = m1 * x2 - m2 * x1, m2 * x0 - m0 * x2, m0 * x1 - m1 * x0
        heun_site_update(i, o0, o1, o2, 0.0, 0.0, 0.0, y, ys, k, h, n_sites, extra, first)


# ---------------------------------------------------------------------------------------------------
# inertial LLG
# ---------------------------------------------------------------------------------------------------
def _illg_sweep_py(sa, t, y, ys, k, h, n_sites, extra, first):
    """One stage of the fused geometric Heun for the site-local iLLG (on-site inertia and damping): the
    angular velocity w_i (perpendicular part) rotates spin i and dw_i/dt = m_i x d2m_i/dt2 updates w_i."""
    sub, nbr, T, aniso, h0, h1, fp, hsite, hnoise, A, E, iso = sa
    f = protocol_profile(t, fp)
    src = y if first else ys
    for i in nb.prange(n_sites):
        _illg_site(i, f, src, sub, nbr, T, aniso, h0, h1, hsite, hnoise, A, E, iso, y, ys, k, h, n_sites, extra,
                   first)


@nb.njit(inline="always")
def _illg_site(i, f, y, sub, nbr, T, aniso, h0, h1, hsite, hnoise, A, E, iso, yb, ys, k, h, n_sites, extra,
               first):
    n = n_sites
    s = sub[i]
    m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
    o = 3 * n + 3 * i
    w0, w1, w2 = y[o], y[o + 1], y[o + 2]
    wm = w0 * m0 + w1 * m1 + w2 * m2
    w0 -= wm * m0
    w1 -= wm * m1
    w2 -= wm * m2
    v0 = w1 * m2 - w2 * m1
    v1 = w2 * m0 - w0 * m2
    v2 = w0 * m1 - w1 * m0
    hx, hy, hz = site_field(i, f, y, sub, nbr, T, aniso, h0, h1, hsite, hnoise)
    g0 = A[s, 0] * v0 + A[s, 1] * v1 + A[s, 2] * v2
    g1 = A[s, 3] * v0 + A[s, 4] * v1 + A[s, 5] * v2
    g2 = A[s, 6] * v0 + A[s, 7] * v1 + A[s, 8] * v2
    vv = v0 * v0 + v1 * v1 + v2 * v2
    c0 = v0 + (m1 * (hz - g2) - m2 * (hy - g1))
    c1 = v1 + (m2 * (hx - g0) - m0 * (hz - g2))
    c2 = v2 + (m0 * (hy - g1) - m1 * (hx - g0))
    r0, r1, r2 = c0 - vv * m0, c1 - vv * m1, c2 - vv * m2
    if iso[s, 1] != 0.0:
        # scalar eta: ([m x] eta + m m^T) x = r  ->  x = (m . r) m - (m x r) / eta
        mr = m0 * r0 + m1 * r1 + m2 * r2
        ie = 1.0 / E[s, 0]
        x0 = mr * m0 - ie * (m1 * r2 - m2 * r1)
        x1 = mr * m1 - ie * (m2 * r0 - m0 * r2)
        x2 = mr * m2 - ie * (m0 * r1 - m1 * r0)
        heun_site_update(i, w0, w1, w2, m1 * x2 - m2 * x1, m2 * x0 - m0 * x2, m0 * x1 - m1 * x0,
                         yb, ys, k, h, n_sites, extra, first)
        return
    x0, x1, x2 = solve3_scalar(m1 * E[s, 6] - m2 * E[s, 3] + m0 * m0, m1 * E[s, 7] - m2 * E[s, 4] + m0 * m1,
                               m1 * E[s, 8] - m2 * E[s, 5] + m0 * m2,
                               m2 * E[s, 0] - m0 * E[s, 6] + m1 * m0, m2 * E[s, 1] - m0 * E[s, 7] + m1 * m1,
                               m2 * E[s, 2] - m0 * E[s, 8] + m1 * m2,
                               m0 * E[s, 3] - m1 * E[s, 0] + m2 * m0, m0 * E[s, 4] - m1 * E[s, 1] + m2 * m1,
                               m0 * E[s, 5] - m1 * E[s, 2] + m2 * m2,
                               r0, r1, r2)
    heun_site_update(i, w0, w1, w2, m1 * x2 - m2 * x1, m2 * x0 - m0 * x2, m0 * x1 - m1 * x0,
                     yb, ys, k, h, n_sites, extra, first)


@nb.njit(inline="always")
def _proj_precond(m0, m1, m2, E, s, r0, r1, r2):
    """Solve (P E P + m m^T) z = r for tangent r (P = 1 - m m^T): the block preconditioner.

    (P E P)_ab = E_ab - m_a (m^T E)_b - (E m)_a m_b + m_a m_b (m^T E m)."""
    u0 = E[s, 0] * m0 + E[s, 1] * m1 + E[s, 2] * m2
    u1 = E[s, 3] * m0 + E[s, 4] * m1 + E[s, 5] * m2
    u2 = E[s, 6] * m0 + E[s, 7] * m1 + E[s, 8] * m2
    w0 = m0 * E[s, 0] + m1 * E[s, 3] + m2 * E[s, 6]
    w1 = m0 * E[s, 1] + m1 * E[s, 4] + m2 * E[s, 7]
    w2 = m0 * E[s, 2] + m1 * E[s, 5] + m2 * E[s, 8]
    g = m0 * u0 + m1 * u1 + m2 * u2 + 1.0
    return solve3_scalar(
        E[s, 0] - m0 * w0 - u0 * m0 + m0 * m0 * g, E[s, 1] - m0 * w1 - u0 * m1 + m0 * m1 * g,
        E[s, 2] - m0 * w2 - u0 * m2 + m0 * m2 * g,
        E[s, 3] - m1 * w0 - u1 * m0 + m1 * m0 * g, E[s, 4] - m1 * w1 - u1 * m1 + m1 * m1 * g,
        E[s, 5] - m1 * w2 - u1 * m2 + m1 * m2 * g,
        E[s, 6] - m2 * w0 - u2 * m0 + m2 * m0 * g, E[s, 7] - m2 * w1 - u2 * m1 + m2 * m1 * g,
        E[s, 8] - m2 * w2 - u2 * m2 + m2 * m2 * g,
        r0, r1, r2)


@nb.njit(inline="always")
def _apply_inertia(i, s, y, E, inbr, I, x, out):
    """out_i <- P_i (E_ss x_i + sum_k I[s,k] x_j) (tangent projection at site i)."""
    m0 = y[3 * i]
    m1 = y[3 * i + 1]
    m2 = y[3 * i + 2]
    x0 = x[3 * i]
    x1 = x[3 * i + 1]
    x2 = x[3 * i + 2]
    a0, a1, a2 = pair_sum(i, s, inbr, I, x, 0)
    a0 += E[s, 0] * x0 + E[s, 1] * x1 + E[s, 2] * x2
    a1 += E[s, 3] * x0 + E[s, 4] * x1 + E[s, 5] * x2
    a2 += E[s, 6] * x0 + E[s, 7] * x1 + E[s, 8] * x2
    d = m0 * a0 + m1 * a1 + m2 * a2
    out[3 * i] = a0 - d * m0
    out[3 * i + 1] = a1 - d * m1
    out[3 * i + 2] = a2 - d * m2


def _illg_rhs_py(t, y, args, dydt):
    """Lattice iLLG, state y = (m_1..m_N, w_1..w_N) with w_i = m_i x dm_i/dt.

    args = (hp, A, gnbr, G, E (n_sub, 9), inbr, I (n_sub, z, 9), work (8, 3N), ctl [tol, maxit, symmetric],
    info [iters, fails], noise).
    """
    hp, A, gnbr, G, E, inbr, I, work, ctl, info, noise = args
    sub, nbr, T, aniso, h0, h1, fp, hsite, hnoise = hp
    n = sub.shape[0]
    o = 3 * n
    f = protocol_profile(t, fp)
    v = work[0]
    c = work[1]
    for i in nb.prange(n):
        m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
        w0, w1, w2 = y[o + 3 * i], y[o + 3 * i + 1], y[o + 3 * i + 2]
        v[3 * i] = w1 * m2 - w2 * m1
        v[3 * i + 1] = w2 * m0 - w0 * m2
        v[3 * i + 2] = w0 * m1 - w1 * m0
    nonlocal_inertia = inbr.shape[1] > 0
    for i in nb.prange(n):
        s = sub[i]
        m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
        v0, v1, v2 = v[3 * i], v[3 * i + 1], v[3 * i + 2]
        hx, hy, hz = site_field(i, f, y, sub, nbr, T, aniso, h0, h1, hsite, hnoise)
        g0, g1, g2 = pair_sum(i, s, gnbr, G, v, 0)
        g0 += A[s, 0] * v0 + A[s, 1] * v1 + A[s, 2] * v2
        g1 += A[s, 3] * v0 + A[s, 4] * v1 + A[s, 5] * v2
        g2 += A[s, 6] * v0 + A[s, 7] * v1 + A[s, 8] * v2
        vv = v0 * v0 + v1 * v1 + v2 * v2
        # c = v + m x h - m x (damping): then m x sum_j E_ij d2m_j = c
        c0 = v0 + (m1 * (hz - g2) - m2 * (hy - g1))
        c1 = v1 + (m2 * (hx - g0) - m0 * (hz - g2))
        c2 = v2 + (m0 * (hy - g1) - m1 * (hx - g0))
        if not nonlocal_inertia:
            # ([m x] E + m m^T) x = c - |v|^2 m ; the m m^T row carries m . m'' = -|v|^2
            q00 = m1 * E[s, 6] - m2 * E[s, 3] + m0 * m0
            q01 = m1 * E[s, 7] - m2 * E[s, 4] + m0 * m1
            q02 = m1 * E[s, 8] - m2 * E[s, 5] + m0 * m2
            q10 = m2 * E[s, 0] - m0 * E[s, 6] + m1 * m0
            q11 = m2 * E[s, 1] - m0 * E[s, 7] + m1 * m1
            q12 = m2 * E[s, 2] - m0 * E[s, 8] + m1 * m2
            q20 = m0 * E[s, 3] - m1 * E[s, 0] + m2 * m0
            q21 = m0 * E[s, 4] - m1 * E[s, 1] + m2 * m1
            q22 = m0 * E[s, 5] - m1 * E[s, 2] + m2 * m2
            x0, x1, x2 = solve3_scalar(q00, q01, q02, q10, q11, q12, q20, q21, q22,
                                       c0 - vv * m0, c1 - vv * m1, c2 - vv * m2)
            dydt[3 * i] = v0
            dydt[3 * i + 1] = v1
            dydt[3 * i + 2] = v2
            dydt[o + 3 * i] = m1 * x2 - m2 * x1
            dydt[o + 3 * i + 1] = m2 * x0 - m0 * x2
            dydt[o + 3 * i + 2] = m0 * x1 - m1 * x0
        else:
            # -m x c, stored in c; the |v_j|^2 m_j part of the acceleration is added below
            c[3 * i] = -(m1 * c2 - m2 * c1)
            c[3 * i + 1] = -(m2 * c0 - m0 * c2)
            c[3 * i + 2] = -(m0 * c1 - m1 * c0)
    if not nonlocal_inertia:
        return
    nonlocal_acceleration(y, v, c, E, inbr, I, work, ctl, info, sub, dydt)


def _nonlocal_acceleration_py(y, v, c, E, inbr, I, work, ctl, info, sub, dydt):
    """Solve P_i sum_j E_ij a_j = b_i for tangent accelerations a (d2m_j = a_j - |v_j|^2 m_j)."""
    n = sub.shape[0]
    o = 3 * n
    nm = work[2]   # |v_j|^2 m_j
    b = work[3]
    a = work[4]
    r = work[5]
    z = work[6]
    p = work[7]
    q = work[1]    # c is consumed into b first
    for i in nb.prange(n):
        vv = v[3 * i] ** 2 + v[3 * i + 1] ** 2 + v[3 * i + 2] ** 2
        nm[3 * i] = vv * y[3 * i]
        nm[3 * i + 1] = vv * y[3 * i + 1]
        nm[3 * i + 2] = vv * y[3 * i + 2]
    for i in nb.prange(n):
        _apply_inertia(i, sub[i], y, E, inbr, I, nm, b)
    for i in nb.prange(3 * n):
        b[i] += c[i]
    tol = ctl[0]
    maxit = int(ctl[1])
    symmetric = ctl[2] != 0.0
    bnorm = 0.0
    for i in nb.prange(3 * n):
        bnorm += b[i] * b[i]
    bnorm = np.sqrt(bnorm)
    converged = bnorm == 0.0
    a[:] = 0.0
    if not converged and symmetric:
        # preconditioned conjugate gradients (a0 = 0, r0 = b)
        rz = 0.0
        for i in nb.prange(n):
            s = sub[i]
            r[3 * i], r[3 * i + 1], r[3 * i + 2] = b[3 * i], b[3 * i + 1], b[3 * i + 2]
            z0, z1, z2 = _proj_precond(y[3 * i], y[3 * i + 1], y[3 * i + 2], E, s, b[3 * i], b[3 * i + 1],
                                       b[3 * i + 2])
            z[3 * i], z[3 * i + 1], z[3 * i + 2] = z0, z1, z2
            rz += z0 * b[3 * i] + z1 * b[3 * i + 1] + z2 * b[3 * i + 2]
        p[:] = z
        for it in range(maxit):
            for i in nb.prange(n):
                _apply_inertia(i, sub[i], y, E, inbr, I, p, q)
            pq = 0.0
            for i in nb.prange(3 * n):
                pq += p[i] * q[i]
            alpha = rz / pq
            rr = 0.0
            for i in nb.prange(3 * n):
                a[i] += alpha * p[i]
                r[i] -= alpha * q[i]
                rr += r[i] * r[i]
            if np.sqrt(rr) <= tol * bnorm:
                converged = True
                info[0] = max(info[0], it + 1)
                break
            rz_new = 0.0
            for i in nb.prange(n):
                s = sub[i]
                z0, z1, z2 = _proj_precond(y[3 * i], y[3 * i + 1], y[3 * i + 2], E, s, r[3 * i], r[3 * i + 1],
                                           r[3 * i + 2])
                z[3 * i], z[3 * i + 1], z[3 * i + 2] = z0, z1, z2
                rz_new += z0 * r[3 * i] + z1 * r[3 * i + 1] + z2 * r[3 * i + 2]
            beta = rz_new / rz
            rz = rz_new
            for i in nb.prange(3 * n):
                p[i] = z[i] + beta * p[i]
    elif not converged:
        # block Jacobi: a_i <- (P E_ii P + m m^T)^-1 (b_i - P_i sum_k I[s,k] a_j)
        for it in range(maxit):
            rr = 0.0
            for i in nb.prange(n):
                s = sub[i]
                m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
                g0, g1, g2 = pair_sum(i, s, inbr, I, a, 0)
                d = m0 * g0 + m1 * g1 + m2 * g2
                r0 = b[3 * i] - (g0 - d * m0)
                r1 = b[3 * i + 1] - (g1 - d * m1)
                r2 = b[3 * i + 2] - (g2 - d * m2)
                z0, z1, z2 = _proj_precond(m0, m1, m2, E, s, r0, r1, r2)
                z[3 * i], z[3 * i + 1], z[3 * i + 2] = z0, z1, z2
            for i in nb.prange(n):
                _apply_inertia(i, sub[i], y, E, inbr, I, z, q)
            for i in nb.prange(3 * n):
                rr += (b[i] - q[i]) ** 2
            a[:] = z
            if np.sqrt(rr) <= tol * bnorm:
                converged = True
                info[0] = max(info[0], it + 1)
                break
    if not converged:
        info[1] += 1
        dydt[:] = np.nan
        return
    for i in nb.prange(n):
        m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
        a0, a1, a2 = a[3 * i], a[3 * i + 1], a[3 * i + 2]
        dydt[3 * i] = v[3 * i]
        dydt[3 * i + 1] = v[3 * i + 1]
        dydt[3 * i + 2] = v[3 * i + 2]
        dydt[o + 3 * i] = m1 * a2 - m2 * a1
        dydt[o + 3 * i + 1] = m2 * a0 - m0 * a2
        dydt[o + 3 * i + 2] = m0 * a1 - m1 * a0


def build_kernels(parallel):
    """Compile the lattice kernels, thread-parallel (large systems) or serial (small systems, where
    thread start-up would dominate).  One source, two compilations (``prange`` is ``range`` serially)."""
    jit = nb.njit(parallel=parallel)
    nonlocal_acceleration = jit(_nonlocal_acceleration_py)
    ns = {"nonlocal_acceleration": nonlocal_acceleration}
    # illg_rhs calls nonlocal_acceleration through its globals: bind the variant of the same mode
    illg_py = _rebind(_illg_rhs_py, ns)
    return SimpleNamespace(parallel=parallel, field_all=jit(_field_all_py), energy_sites=jit(_energy_sites_py),
                           llg_rhs=jit(_llg_rhs_py), illg_rhs=jit(illg_py),
                           nonlocal_acceleration=nonlocal_acceleration)


#: fused-Heun sweeps (plain Python functions; integrators.local_heun compiles them serial or parallel)
llg_sweep = _llg_sweep_py
illg_sweep = _illg_sweep_py


def _rebind(func, extra_globals):
    g = dict(func.__globals__)
    g.update(extra_globals)
    return types.FunctionType(func.__code__, g, func.__name__, func.__defaults__, func.__closure__)


PARALLEL = build_kernels(True)
SERIAL = build_kernels(False)
#: systems with at least this many sites use the thread-parallel kernels and integrators
PARALLEL_MIN_SITES = 8192


def for_size(n_sites):
    return PARALLEL if n_sites >= PARALLEL_MIN_SITES else SERIAL
