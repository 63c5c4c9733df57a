"""Compiled right-hand sides dy/dt = F(t, y) of the models, for any number of sites (a macrospin is one).

Each is a loop over sites around the site-level equations of :mod:`.equations`, reading the field tables of
the finalized system (:mod:`spinertia.lattice.fields`) and the model's damping/inertia tables from a named
tuple of arguments:

* :data:`GilbertArgs` -- LLG and memory-kernel LLG, state y = (m_1..m_N[, auxiliary variables]);
* :data:`InertialArgs` -- inertial LLG, state y = (m_1..m_N, w_1..w_N) with w_i = m_i x dm_i/dt.

Non-local damping (pair tensors G_ij) is solved by a block-Jacobi iteration (a contraction for |G| << 1);
non-local inertia by block-preconditioned conjugate gradients on the tangent spaces (the inertia matrix is
symmetric positive definite, checked by the model), or block Jacobi when it is not symmetric; both stop at a
relative residual ``ctl[0]`` and report non-convergence in ``info`` (iterations, failed solves), marking the
derivative NaN so that the integrator stops with a clear error.

Every function here is a template (:func:`spinertia.numerics.jit.specialize`): the LLG and the memory-kernel
LLG are one template with different bound ``memory_field`` and ``extra_derivatives``; each is compiled
serially and thread-parallel.
"""
from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from ..lattice.fields import no_spin_transfer, pair_sum, site_field, spin_transfer_field
from ..lattice.protocols import profile
from ..numerics.jit import variants
from ..numerics.linalg3 import solve3_scalar
from ..numerics.rng import STREAM_LANGEVIN, normals3, step_counter
from .equations import (gilbert_velocity, inertial_acceleration, inertial_rhs_vector, memory_aux_derivative,
                        precession_drive)

#: arguments of the LLG and memory-kernel LLG right-hand sides.  A, E: OnsiteTable; G, I: PairTable;
#: torque: flat external torque (3N) or empty; kp = [kernel sign, longitudinal on, 1/tau, m_eq^2];
#: c, z: complex kernel coefficients and exponents (Webb et al. 2026, Eq. 10); noise: :data:`Noise`.
GilbertArgs = namedtuple("GilbertArgs", ["tb", "A", "A_iso", "G", "torque", "kp", "c", "z", "work", "ctl", "info",
                                         "noise"])
InertialArgs = namedtuple("InertialArgs", ["tb", "A", "A_iso", "G", "E", "E_iso", "I", "torque", "work", "ctl",
                                           "info", "noise"])
#: global names of the templates, bound by specialize (placeholders until then); ``spin_transfer`` is
#: :func:`~spinertia.lattice.fields.spin_transfer_field` or :func:`~spinertia.lattice.fields.no_spin_transfer`
memory_field = extra_derivatives = pair_damping_jacobi = nonlocal_acceleration = spin_transfer = None
#: Langevin amplitudes per damping row (``row`` (N,), L (rows, 9)) and the Philox key
Noise = namedtuple("Noise", ["row", "L", "key"])


def no_noise_tables():
    """Noise arguments of a deterministic model."""
    return Noise(np.zeros(0, dtype=np.int32), np.zeros((0, 9)), np.zeros(2, dtype=np.uint64))


# ------------------------------------------------------------------------------------------------
# pluggable pieces of the Gilbert template
# ------------------------------------------------------------------------------------------------
@nb.njit(cache=True, inline="always")
def no_memory_field(i, n, y, kp, c):
    return 0.0, 0.0, 0.0


@nb.njit(cache=True, inline="always")
def kernel_memory_field(i, n, y, kp, c):
    """s sum_j Re w_j(i): the memory field of site i (auxiliary variables after the n spins)."""
    s = kp[0]
    e0 = 0.0
    e1 = 0.0
    e2 = 0.0
    for j in range(c.shape[0]):
        base = 3 * n + 6 * (n * j + i)
        e0 += y[base]
        e1 += y[base + 1]
        e2 += y[base + 2]
    return s * e0, s * e1, s * e2


@nb.njit(cache=True)
def no_extra_derivatives(t, y, args, dydt):
    return None


def _kernel_extra_derivatives(t, y, args, dydt):
    """Auxiliary variables d w_j(i)/dt = z_j w_j(i) + c_j m_i, and the optional longitudinal relaxation
    d|m|^2/dt = -(|m|^2 - m_eq^2)/tau of the memory-kernel model (docs/theory.md)."""
    n = args.tb.sub.shape[0]
    long_on = args.kp[1]
    inv_tau = args.kp[2]
    me2 = args.kp[3]
    c = args.c
    z = args.z
    nt = c.shape[0]
    for i in nb.prange(n):
        m0 = y[3 * i]
        m1 = y[3 * i + 1]
        m2 = y[3 * i + 2]
        if long_on != 0.0:
            g = -(m0 * m0 + m1 * m1 + m2 * m2 - me2) * inv_tau
            dydt[3 * i] += 0.5 * g * m0
            dydt[3 * i + 1] += 0.5 * g * m1
            dydt[3 * i + 2] += 0.5 * g * m2
        for j in range(nt):
            base = 3 * n + 6 * (n * j + i)
            zr, zi, cr, ci = z[j].real, z[j].imag, c[j].real, c[j].imag
            for a in range(3):
                re, im = memory_aux_derivative(zr, zi, cr, ci, y[base + a], y[base + 3 + a], y[3 * i + a])
                dydt[base + a] = re
                dydt[base + 3 + a] = im


# ------------------------------------------------------------------------------------------------
# Gilbert form (LLG, memory-kernel LLG)
# ------------------------------------------------------------------------------------------------
def _gilbert_rhs(t, y, args, dydt):
    """dm_i/dt = -m_i x (h_i + h_stt,i + h_mem,i) + tau_i + m_i x sum_j A_ij dm_j/dt, then the extra derivatives
    (h_stt: the bound ``spin_transfer`` field)."""
    sub, nbr, jrow, J, krow, K, hrow, h0, h1, fp, hsite, hext, hnoise, snbr, srow, su, sb = args.tb
    f = profile(t, fp)
    n = sub.shape[0]
    h = args.work[0]
    A = args.A.T
    arow = args.A.row
    torque = args.torque
    kp = args.kp
    c = args.c
    for i in nb.prange(n):
        m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
        hx, hy, hz = site_field(i, f, y, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, hext, hnoise)
        sx, sy, sz = spin_transfer(i, y, m0, m1, m2, snbr, srow, su, sb)
        ex, ey, ez = memory_field(i, n, y, kp, c)
        hx += ex + sx
        hy += ey + sy
        hz += ez + sz
        h[3 * i] = hx
        h[3 * i + 1] = hy
        h[3 * i + 2] = hz
        b0, b1, b2 = precession_drive(m0, m1, m2, hx, hy, hz, torque, i)
        x0, x1, x2 = gilbert_velocity(m0, m1, m2, b0, b1, b2, A, arow[i])
        dydt[3 * i] = x0
        dydt[3 * i + 1] = x1
        dydt[3 * i + 2] = x2
    if args.G.nbr.shape[1] > 0:
        pair_damping_jacobi(y, h, args, dydt)
    extra_derivatives(t, y, args, dydt)


def _pair_damping_jacobi(y, h, args, dydt):
    """Block Jacobi on (1 - [m x] A) v_i - m_i x sum_j G_ij v_j = -m_i x h_i + tau_i."""
    n = args.tb.sub.shape[0]
    A = args.A.T
    arow = args.A.row
    gnbr = args.G.nbr
    grow = args.G.row
    G = args.G.T
    torque = args.torque
    vnew = args.work[1]
    tol = args.ctl[0]
    maxit = int(args.ctl[1])
    for it in range(maxit):
        diff = 0.0
        scale = 0.0
        for i in nb.prange(n):
            g0, g1, g2 = pair_sum(i, grow[i], gnbr, G, dydt, 0)
            m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
            b0, b1, b2 = precession_drive(m0, m1, m2, h[3 * i] - g0, h[3 * i + 1] - g1, h[3 * i + 2] - g2, torque, i)
            x0, x1, x2 = gilbert_velocity(m0, m1, m2, b0, b1, b2, A, arow[i])
            vnew[3 * i] = x0
            vnew[3 * i + 1] = x1
            vnew[3 * i + 2] = x2
            d = abs(x0 - dydt[3 * i]) + abs(x1 - dydt[3 * i + 1]) + abs(x2 - dydt[3 * i + 2])
            diff = max(diff, d)
            scale = max(scale, abs(x0) + abs(x1) + abs(x2))
        for q in nb.prange(3 * n):
            dydt[q] = vnew[q]
        if diff <= tol * scale:
            args.info[0] = max(args.info[0], it + 1)
            return
    args.info[1] += 1
    for q in nb.prange(3 * n):
        dydt[q] = np.nan


# ------------------------------------------------------------------------------------------------
# inertial LLG
# ------------------------------------------------------------------------------------------------
def _inertial_rhs(t, y, args, dydt):
    """iLLG, state y = (m_1..m_N, w_1..w_N) with w_i = m_i x dm_i/dt: dm/dt = w x m, dw/dt = m x d2m/dt2."""
    sub, nbr, jrow, J, krow, K, hrow, h0, h1, fp, hsite, hext, hnoise, snbr, srow, su, sb = args.tb
    n = sub.shape[0]
    o = 3 * n
    f = profile(t, fp)
    v = args.work[0]
    c = args.work[1]
    A = args.A.T
    arow = args.A.row
    E = args.E.T
    erow = args.E.row
    gnbr = args.G.nbr
    grow = args.G.row
    G = args.G.T
    torque = args.torque
    for i in nb.prange(n):
        m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
        w0, w1, w2 = y[o + 3 * i], y[o + 3 * i + 1], y[o + 3 * i + 2]
        v[3 * i] = w1 * m2 - w2 * m1
        v[3 * i + 1] = w2 * m0 - w0 * m2
        v[3 * i + 2] = w0 * m1 - w1 * m0
    nonlocal_inertia = args.I.nbr.shape[1] > 0
    for i in nb.prange(n):
        m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
        v0, v1, v2 = v[3 * i], v[3 * i + 1], v[3 * i + 2]
        hx, hy, hz = site_field(i, f, y, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, hext, hnoise)
        sx, sy, sz = spin_transfer(i, y, m0, m1, m2, snbr, srow, su, sb)
        hx += sx
        hy += sy
        hz += sz
        g0, g1, g2 = pair_sum(i, grow[i], gnbr, G, v, 0)
        a = arow[i]
        g0 += A[a, 0] * v0 + A[a, 1] * v1 + A[a, 2] * v2
        g1 += A[a, 3] * v0 + A[a, 4] * v1 + A[a, 5] * v2
        g2 += A[a, 6] * v0 + A[a, 7] * v1 + A[a, 8] * v2
        c0, c1, c2 = inertial_rhs_vector(m0, m1, m2, v0, v1, v2, hx, hy, hz, g0, g1, g2, torque, i)
        if not nonlocal_inertia:
            vv = v0 * v0 + v1 * v1 + v2 * v2
            x0, x1, x2 = inertial_acceleration(m0, m1, m2, c0 - vv * m0, c1 - vv * m1, c2 - vv * m2, E, erow[i])
            dydt[3 * i] = v0
            dydt[3 * i + 1] = v1
            dydt[3 * i + 2] = v2
            dydt[o + 3 * i] = m1 * x2 - m2 * x1
            dydt[o + 3 * i + 1] = m2 * x0 - m0 * x2
            dydt[o + 3 * i + 2] = m0 * x1 - m1 * x0
        else:
            # -m x c, stored in c; the |v_j|^2 m_j part of the acceleration is added in the solve
            c[3 * i] = -(m1 * c2 - m2 * c1)
            c[3 * i + 1] = -(m2 * c0 - m0 * c2)
            c[3 * i + 2] = -(m0 * c1 - m1 * c0)
    if nonlocal_inertia:
        nonlocal_acceleration(y, v, c, args, dydt)


@nb.njit(cache=True, inline="always")
def _proj_precond(m0, m1, m2, E, e, r0, r1, r2):
    """Solve (P E P + m m^T) z = r for tangent r (P = 1 - m m^T): the block preconditioner.

    (P E P)_ab = E_ab - m_a (m^T E)_b - (E m)_a m_b + m_a m_b (m^T E m)."""
    u0 = E[e, 0] * m0 + E[e, 1] * m1 + E[e, 2] * m2
    u1 = E[e, 3] * m0 + E[e, 4] * m1 + E[e, 5] * m2
    u2 = E[e, 6] * m0 + E[e, 7] * m1 + E[e, 8] * m2
    w0 = m0 * E[e, 0] + m1 * E[e, 3] + m2 * E[e, 6]
    w1 = m0 * E[e, 1] + m1 * E[e, 4] + m2 * E[e, 7]
    w2 = m0 * E[e, 2] + m1 * E[e, 5] + m2 * E[e, 8]
    g = m0 * u0 + m1 * u1 + m2 * u2 + 1.0
    return solve3_scalar(
        E[e, 0] - m0 * w0 - u0 * m0 + m0 * m0 * g, E[e, 1] - m0 * w1 - u0 * m1 + m0 * m1 * g,
        E[e, 2] - m0 * w2 - u0 * m2 + m0 * m2 * g,
        E[e, 3] - m1 * w0 - u1 * m0 + m1 * m0 * g, E[e, 4] - m1 * w1 - u1 * m1 + m1 * m1 * g,
        E[e, 5] - m1 * w2 - u1 * m2 + m1 * m2 * g,
        E[e, 6] - m2 * w0 - u2 * m0 + m2 * m0 * g, E[e, 7] - m2 * w1 - u2 * m1 + m2 * m1 * g,
        E[e, 8] - m2 * w2 - u2 * m2 + m2 * m2 * g,
        r0, r1, r2)


@nb.njit(cache=True, inline="always")
def _apply_inertia(i, y, E, erow, inbr, irow, I, x, out):
    """out_i <- P_i (E_ii x_i + sum_k I[irow_i, k] x_j) (tangent projection at site i)."""
    m0 = y[3 * i]
    m1 = y[3 * i + 1]
    m2 = y[3 * i + 2]
    x0 = x[3 * i]
    x1 = x[3 * i + 1]
    x2 = x[3 * i + 2]
    a0, a1, a2 = pair_sum(i, irow[i], inbr, I, x, 0)
    e = erow[i]
    a0 += E[e, 0] * x0 + E[e, 1] * x1 + E[e, 2] * x2
    a1 += E[e, 3] * x0 + E[e, 4] * x1 + E[e, 5] * x2
    a2 += E[e, 6] * x0 + E[e, 7] * x1 + E[e, 8] * x2
    d = m0 * a0 + m1 * a1 + m2 * a2
    out[3 * i] = a0 - d * m0
    out[3 * i + 1] = a1 - d * m1
    out[3 * i + 2] = a2 - d * m2


def _nonlocal_acceleration(y, v, c, args, dydt):
    """Solve P_i sum_j E_ij a_j = b_i for tangent accelerations a (d2m_j = a_j - |v_j|^2 m_j)."""
    n = args.tb.sub.shape[0]
    o = 3 * n
    E = args.E.T
    erow = args.E.row
    inbr = args.I.nbr
    irow = args.I.row
    I = args.I.T
    work = args.work
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
        _apply_inertia(i, y, E, erow, inbr, irow, I, nm, b)
    for i in nb.prange(3 * n):
        b[i] += c[i]
    tol = args.ctl[0]
    maxit = int(args.ctl[1])
    symmetric = args.ctl[2] != 0.0
    bnorm = 0.0
    for i in nb.prange(3 * n):
        bnorm += b[i] * b[i]
    bnorm = np.sqrt(bnorm)
    converged = bnorm == 0.0
    for i in nb.prange(3 * n):
        a[i] = 0.0
    if not converged and symmetric:
        # preconditioned conjugate gradients (a0 = 0, r0 = b)
        rz = 0.0
        for i in nb.prange(n):
            e = erow[i]
            r[3 * i], r[3 * i + 1], r[3 * i + 2] = b[3 * i], b[3 * i + 1], b[3 * i + 2]
            z0, z1, z2 = _proj_precond(y[3 * i], y[3 * i + 1], y[3 * i + 2], E, e, b[3 * i], b[3 * i + 1],
                                       b[3 * i + 2])
            z[3 * i], z[3 * i + 1], z[3 * i + 2] = z0, z1, z2
            rz += z0 * b[3 * i] + z1 * b[3 * i + 1] + z2 * b[3 * i + 2]
        for i in nb.prange(3 * n):
            p[i] = z[i]
        for it in range(maxit):
            for i in nb.prange(n):
                _apply_inertia(i, y, E, erow, inbr, irow, I, p, q)
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
                args.info[0] = max(args.info[0], it + 1)
                break
            rz_new = 0.0
            for i in nb.prange(n):
                e = erow[i]
                z0, z1, z2 = _proj_precond(y[3 * i], y[3 * i + 1], y[3 * i + 2], E, e, r[3 * i], r[3 * i + 1],
                                           r[3 * i + 2])
                z[3 * i], z[3 * i + 1], z[3 * i + 2] = z0, z1, z2
                rz_new += z0 * r[3 * i] + z1 * r[3 * i + 1] + z2 * r[3 * i + 2]
            beta = rz_new / rz
            rz = rz_new
            for i in nb.prange(3 * n):
                p[i] = z[i] + beta * p[i]
    elif not converged:
        # block Jacobi: a_i <- (P E_ii P + m m^T)^-1 (b_i - P_i sum_k I[row_i, k] a_j)
        for it in range(maxit):
            rr = 0.0
            for i in nb.prange(n):
                m0, m1, m2 = y[3 * i], y[3 * i + 1], y[3 * i + 2]
                g0, g1, g2 = pair_sum(i, irow[i], inbr, I, a, 0)
                d = m0 * g0 + m1 * g1 + m2 * g2
                r0 = b[3 * i] - (g0 - d * m0)
                r1 = b[3 * i + 1] - (g1 - d * m1)
                r2 = b[3 * i + 2] - (g2 - d * m2)
                z0, z1, z2 = _proj_precond(m0, m1, m2, E, erow[i], r0, r1, r2)
                z[3 * i], z[3 * i + 1], z[3 * i + 2] = z0, z1, z2
            for i in nb.prange(n):
                _apply_inertia(i, y, E, erow, inbr, irow, I, z, q)
            for i in nb.prange(3 * n):
                rr += (b[i] - q[i]) ** 2
            for i in nb.prange(3 * n):
                a[i] = z[i]
            if np.sqrt(rr) <= tol * bnorm:
                converged = True
                args.info[0] = max(args.info[0], it + 1)
                break
    if not converged:
        args.info[1] += 1
        for i in nb.prange(6 * n):
            dydt[i] = np.nan
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


# ------------------------------------------------------------------------------------------------
# thermal noise (per-step hook)
# ------------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def no_noise(step, h, args):
    """Per-step hook of deterministic models (stochastic models refresh their Langevin field here)."""
    return None


def _langevin_noise(step, h, args):
    """hnoise[3i:3i+3] <- L_{row i} xi_i(seed, step) / sqrt(h) (:mod:`.thermal`)."""
    hnoise = args.tb.hnoise
    row = args.noise.row
    L = args.noise.L
    k0 = args.noise.key[0]
    k1 = args.noise.key[1]
    c = 1.0 / np.sqrt(h)
    c0, c1 = step_counter(step, h)
    tag = np.uint64(STREAM_LANGEVIN)
    n = row.shape[0]
    for i in nb.prange(n):
        z0, z1, z2 = normals3(c0, c1, np.uint64(i), tag, k0, k1)
        r = row[i]
        hnoise[3 * i] = c * (L[r, 0] * z0 + L[r, 1] * z1 + L[r, 2] * z2)
        hnoise[3 * i + 1] = c * (L[r, 3] * z0 + L[r, 4] * z1 + L[r, 5] * z2)
        hnoise[3 * i + 2] = c * (L[r, 6] * z0 + L[r, 7] * z1 + L[r, 8] * z2)


# ------------------------------------------------------------------------------------------------
# compilations: (serial, parallel) pairs
# ------------------------------------------------------------------------------------------------
PAIR_DAMPING_JACOBI = variants(_pair_damping_jacobi)
NONLOCAL_ACCELERATION = variants(_nonlocal_acceleration)
KERNEL_EXTRA = variants(_kernel_extra_derivatives)
LANGEVIN_NOISE = variants(_langevin_noise)


#: right-hand sides without and with the spin-transfer torque (compiled on first use)
LLG_RHS, LLG_RHS_STT = (variants(_gilbert_rhs, memory_field=no_memory_field, extra_derivatives=no_extra_derivatives,
                                 pair_damping_jacobi=PAIR_DAMPING_JACOBI, spin_transfer=st)
                        for st in (no_spin_transfer, spin_transfer_field))
KERNEL_RHS, KERNEL_RHS_STT = (variants(_gilbert_rhs, memory_field=kernel_memory_field, extra_derivatives=KERNEL_EXTRA,
                                       pair_damping_jacobi=PAIR_DAMPING_JACOBI, spin_transfer=st)
                              for st in (no_spin_transfer, spin_transfer_field))
INERTIAL_RHS, INERTIAL_RHS_STT = (variants(_inertial_rhs, nonlocal_acceleration=NONLOCAL_ACCELERATION, spin_transfer=st)
                                  for st in (no_spin_transfer, spin_transfer_field))
