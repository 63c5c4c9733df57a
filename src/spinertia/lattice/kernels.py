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

from ..dynamics.linalg3 import gilbert_precession, solve3_scalar
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
        t = T[s, k]
        x0 = y[base + 3 * j]
        x1 = y[base + 3 * j + 1]
        x2 = y[base + 3 * j + 2]
        a0 += t[0] * x0 + t[1] * x1 + t[2] * x2
        a1 += t[3] * x0 + t[4] * x1 + t[5] * x2
        a2 += t[6] * x0 + t[7] * x1 + t[8] * x2
    return a0, a1, a2


@nb.njit(inline="always")
def site_field(i, f, y, hp):
    """Effective field h_i (reduced angular frequency) at site i; f = protocol profile f(t)."""
    sub, nbr, T, aniso, h0, h1, fp, hsite, hnoise = hp
    s = sub[i]
    m0 = y[3 * i]
    m1 = y[3 * i + 1]
    m2 = y[3 * i + 2]
    a0, a1, a2 = pair_sum(i, s, nbr, T, y, 0)
    K = aniso[s]
    a0 += K[0] * m0 + K[1] * m1 + K[2] * m2 + h0[s, 0] + f * h1[s, 0]
    a1 += K[3] * m0 + K[4] * m1 + K[5] * m2 + h0[s, 1] + f * h1[s, 1]
    a2 += K[6] * m0 + K[7] * m1 + K[8] * m2 + h0[s, 2] + f * h1[s, 2]
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
    f = protocol_profile(t, hp[6])
    n = hp[0].shape[0]
    for i in nb.prange(n):
        a0, a1, a2 = site_field(i, f, y, hp)
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
        K = KJ[s]
        k0 = K[0] * m0 + K[1] * m1 + K[2] * m2
        k1 = K[3] * m0 + K[4] * m1 + K[5] * m2
        k2 = K[6] * m0 + K[7] * m1 + K[8] * m2
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
    sub = hp[0]
    n = sub.shape[0]
    f = protocol_profile(t, hp[6])
    h = work[0]
    for i in nb.prange(n):
        a0, a1, a2 = site_field(i, f, y, hp)
        h[3 * i] = a0
        h[3 * i + 1] = a1
        h[3 * i + 2] = a2
        x0, x1, x2 = gilbert_precession(y[3 * i], y[3 * i + 1], y[3 * i + 2], a0, a1, a2, A[sub[i]])
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
            x0, x1, x2 = gilbert_precession(y[3 * i], y[3 * i + 1], y[3 * i + 2],
                                            h[3 * i] - g0, h[3 * i + 1] - g1, h[3 * i + 2] - g2, A[s])
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


@nb.njit(inline="always")
def llg_site(i, t, y, sa):
    """Site-local LLG for the fused Heun integrator: angular velocity Omega_i = m_i x dm_i/dt.

    sa = hp + (A, E): a flat tuple of arrays (numba parallel loops cannot capture nested tuples)."""
    hp = sa[:9]
    A = sa[9]
    s = hp[0][i]
    f = protocol_profile(t, hp[6])
    h0, h1, h2 = site_field(i, f, y, hp)
    m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
    x0, x1, x2 = gilbert_precession(m0, m1, m2, h0, h1, h2, A[s])
    return m1 * x2 - m2 * x1, m2 * x0 - m0 * x2, m0 * x1 - m1 * x0, 0.0, 0.0, 0.0


# ---------------------------------------------------------------------------------------------------
# inertial LLG
# ---------------------------------------------------------------------------------------------------
@nb.njit(inline="always")
def illg_site(i, t, y, sa):
    """Site-local iLLG (on-site inertia and damping) for the fused Heun integrator: returns the
    angular velocity w_i (perpendicular part) of spin i and dw_i/dt = m_i x d2m_i/dt2; sa = hp + (A, E)."""
    hp = sa[:9]
    A = sa[9]
    E = sa[10]
    sub = hp[0]
    n = sub.shape[0]
    s = sub[i]
    f = protocol_profile(t, hp[6])
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
    h0, h1, h2 = site_field(i, f, y, hp)
    a = A[s]
    g0 = a[0] * v0 + a[1] * v1 + a[2] * v2
    g1 = a[3] * v0 + a[4] * v1 + a[5] * v2
    g2 = a[6] * v0 + a[7] * v1 + a[8] * v2
    vv = v0 * v0 + v1 * v1 + v2 * v2
    c0 = v0 + (m1 * (h2 - g2) - m2 * (h1 - g1))
    c1 = v1 + (m2 * (h0 - g0) - m0 * (h2 - g2))
    c2 = v2 + (m0 * (h1 - g1) - m1 * (h0 - g0))
    e = E[s]
    x0, x1, x2 = solve3_scalar(m1 * e[6] - m2 * e[3] + m0 * m0, m1 * e[7] - m2 * e[4] + m0 * m1,
                               m1 * e[8] - m2 * e[5] + m0 * m2,
                               m2 * e[0] - m0 * e[6] + m1 * m0, m2 * e[1] - m0 * e[7] + m1 * m1,
                               m2 * e[2] - m0 * e[8] + m1 * m2,
                               m0 * e[3] - m1 * e[0] + m2 * m0, m0 * e[4] - m1 * e[1] + m2 * m1,
                               m0 * e[5] - m1 * e[2] + m2 * m2,
                               c0 - vv * m0, c1 - vv * m1, c2 - vv * m2)
    return w0, w1, w2, m1 * x2 - m2 * x1, m2 * x0 - m0 * x2, m0 * x1 - m1 * x0


@nb.njit(inline="always")
def _proj_precond(m0, m1, m2, e, r0, r1, r2):
    """Solve (P E P + m m^T) z = r for tangent r (P = 1 - m m^T): the block preconditioner.

    (P E P)_ab = E_ab - m_a (m^T E)_b - (E m)_a m_b + m_a m_b (m^T E m)."""
    u0 = e[0] * m0 + e[1] * m1 + e[2] * m2
    u1 = e[3] * m0 + e[4] * m1 + e[5] * m2
    u2 = e[6] * m0 + e[7] * m1 + e[8] * m2
    w0 = m0 * e[0] + m1 * e[3] + m2 * e[6]
    w1 = m0 * e[1] + m1 * e[4] + m2 * e[7]
    w2 = m0 * e[2] + m1 * e[5] + m2 * e[8]
    g = m0 * u0 + m1 * u1 + m2 * u2 + 1.0
    return solve3_scalar(
        e[0] - m0 * w0 - u0 * m0 + m0 * m0 * g, e[1] - m0 * w1 - u0 * m1 + m0 * m1 * g,
        e[2] - m0 * w2 - u0 * m2 + m0 * m2 * g,
        e[3] - m1 * w0 - u1 * m0 + m1 * m0 * g, e[4] - m1 * w1 - u1 * m1 + m1 * m1 * g,
        e[5] - m1 * w2 - u1 * m2 + m1 * m2 * g,
        e[6] - m2 * w0 - u2 * m0 + m2 * m0 * g, e[7] - m2 * w1 - u2 * m1 + m2 * m1 * g,
        e[8] - m2 * w2 - u2 * m2 + m2 * m2 * g,
        r0, r1, r2)


@nb.njit(inline="always")
def _apply_inertia(i, s, y, E, inbr, I, x, out):
    """out_i <- P_i (E_ss x_i + sum_k I[s,k] x_j) (tangent projection at site i)."""
    m0 = y[3 * i]
    m1 = y[3 * i + 1]
    m2 = y[3 * i + 2]
    e = E[s]
    x0 = x[3 * i]
    x1 = x[3 * i + 1]
    x2 = x[3 * i + 2]
    a0, a1, a2 = pair_sum(i, s, inbr, I, x, 0)
    a0 += e[0] * x0 + e[1] * x1 + e[2] * x2
    a1 += e[3] * x0 + e[4] * x1 + e[5] * x2
    a2 += e[6] * x0 + e[7] * x1 + e[8] * x2
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
    sub = hp[0]
    n = sub.shape[0]
    o = 3 * n
    f = protocol_profile(t, hp[6])
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
        h0, h1, h2 = site_field(i, f, y, hp)
        a = A[s]
        g0, g1, g2 = pair_sum(i, s, gnbr, G, v, 0)
        g0 += a[0] * v0 + a[1] * v1 + a[2] * v2
        g1 += a[3] * v0 + a[4] * v1 + a[5] * v2
        g2 += a[6] * v0 + a[7] * v1 + a[8] * v2
        vv = v0 * v0 + v1 * v1 + v2 * v2
        # c = v + m x h - m x (damping): then m x sum_j E_ij d2m_j = c
        c0 = v0 + (m1 * (h2 - g2) - m2 * (h1 - g1))
        c1 = v1 + (m2 * (h0 - g0) - m0 * (h2 - g2))
        c2 = v2 + (m0 * (h1 - g1) - m1 * (h0 - g0))
        if not nonlocal_inertia:
            # ([m x] E + m m^T) x = c - |v|^2 m ; the m m^T row carries m . m'' = -|v|^2
            e = E[s]
            q00 = m1 * e[6] - m2 * e[3] + m0 * m0
            q01 = m1 * e[7] - m2 * e[4] + m0 * m1
            q02 = m1 * e[8] - m2 * e[5] + m0 * m2
            q10 = m2 * e[0] - m0 * e[6] + m1 * m0
            q11 = m2 * e[1] - m0 * e[7] + m1 * m1
            q12 = m2 * e[2] - m0 * e[8] + m1 * m2
            q20 = m0 * e[3] - m1 * e[0] + m2 * m0
            q21 = m0 * e[4] - m1 * e[1] + m2 * m1
            q22 = m0 * e[5] - m1 * e[2] + m2 * m2
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
            z0, z1, z2 = _proj_precond(y[3 * i], y[3 * i + 1], y[3 * i + 2], E[s], b[3 * i], b[3 * i + 1],
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
                z0, z1, z2 = _proj_precond(y[3 * i], y[3 * i + 1], y[3 * i + 2], E[s], r[3 * i], r[3 * i + 1],
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
                z0, z1, z2 = _proj_precond(m0, m1, m2, E[s], r0, r1, r2)
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


def _rebind(func, extra_globals):
    g = dict(func.__globals__)
    g.update(extra_globals)
    return types.FunctionType(func.__code__, g, func.__name__, func.__defaults__, func.__closure__)


PARALLEL = build_kernels(True)
SERIAL = build_kernels(False)
#: systems with at least this many sites use the thread-parallel kernels and integrators
PARALLEL_MIN_SITES = 2048


def for_size(n_sites):
    return PARALLEL if n_sites >= PARALLEL_MIN_SITES else SERIAL
