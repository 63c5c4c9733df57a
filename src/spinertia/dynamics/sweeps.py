"""Fused geometric Heun sweeps: the fast path for site-local models (on-site damping and inertia).

One stage of the geometric Heun scheme (:mod:`.integrators`) evaluates the field of site i and updates its
spin in the same pass over the sites, so a step costs two sweeps through memory.  The site equations are
those of :mod:`.equations`; the closed forms for scalar damping and inertia are taken where the table row is
a multiple of the identity (``A_iso`` / ``E_iso``).

The spin-transfer field (:mod:`spinertia.lattice.fields`) is added to the field of site i by the bound
``spin_transfer`` (the ``_STT`` compilations; the others bind a no-op).

``sweep(args, t, y, ys, k, h, n_sites, extra, first)``: stage 1 (``first``) reads ``y`` and writes the
predictor ``ys``; stage 2 reads ``ys`` and updates ``y`` in place (site i reads only its own y_i there).
"""
from __future__ import annotations

import numba as nb

from ..lattice.fields import no_spin_transfer, site_field, spin_transfer_field
from ..lattice.protocols import profile
from ..numerics.jit import variants
from .equations import (angular_velocity_scalar_damping, gilbert_velocity, inertial_acceleration,
                        inertial_acceleration_scalar, inertial_rhs_vector, precession_drive)
from .integrators import double_cross


@nb.njit(cache=True, inline="always")
def heun_site_update(i, o0, o1, o2, d0, d1, d2, y, ys, k, h, n_sites, extra, first):
    """Site i of a fused geometric Heun stage.  Stage 1 (first): store the angular velocity o and the
    derivative d of the extra block, write the predictor ys_i = cay(h o) y_i; stage 2: y_i <-
    cay(h/2 (o + o1)) y_i in place.  Cayley retraction: the exact rotation of m by the angle
    2 atan(|a|/2) about a, = exp(a) + O(a^3)."""
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


def _llg_sweep(args, t, y, ys, k, h, n_sites, extra, first):
    """One fused Heun stage of the site-local LLG."""
    sub, nbr, jrow, J, krow, K, hrow, h0, h1, fp, hsite, hext, hnoise, snbr, srow, su, sb = args.tb
    A = args.A.T
    arow = args.A.row
    iso = args.A_iso
    torque = args.torque
    f = profile(t, fp)
    src = y if first else ys
    for i in nb.prange(n_sites):
        m0, m1, m2 = src[3 * i], src[3 * i + 1], src[3 * i + 2]
        hx, hy, hz = site_field(i, f, src, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, hext, hnoise)
        sx, sy, sz = spin_transfer(i, src, m0, m1, m2, snbr, srow, su, sb)
        hx += sx
        hy += sy
        hz += sz
        b0, b1, b2 = precession_drive(m0, m1, m2, hx, hy, hz, torque, i)
        a = arow[i]
        if iso[a] != 0.0:
            o0, o1, o2 = angular_velocity_scalar_damping(m0, m1, m2, b0, b1, b2, A[a, 0])
        else:
            x0, x1, x2 = gilbert_velocity(m0, m1, m2, b0, b1, b2, A, a)
            o0, o1, o2 = m1 * x2 - m2 * x1, m2 * x0 - m0 * x2, m0 * x1 - m1 * x0
        heun_site_update(i, o0, o1, o2, 0.0, 0.0, 0.0, y, ys, k, h, n_sites, extra, first)


def _illg_sweep(args, t, y, ys, k, h, n_sites, extra, first):
    """One fused Heun stage of the site-local iLLG: the angular velocity w_i (its part perpendicular to m_i)
    rotates spin i and dw_i/dt = m_i x d2m_i/dt2 updates w_i."""
    sub, nbr, jrow, J, krow, K, hrow, h0, h1, fp, hsite, hext, hnoise, snbr, srow, su, sb = args.tb
    A = args.A.T
    arow = args.A.row
    E = args.E.T
    erow = args.E.row
    iso = args.E_iso
    torque = args.torque
    f = profile(t, fp)
    src = y if first else ys
    n = n_sites
    for i in nb.prange(n_sites):
        m0, m1, m2 = src[3 * i], src[3 * i + 1], src[3 * i + 2]
        o = 3 * n + 3 * i
        w0, w1, w2 = src[o], src[o + 1], src[o + 2]
        wm = w0 * m0 + w1 * m1 + w2 * m2
        w0 -= wm * m0
        w1 -= wm * m1
        w2 -= wm * m2
        v0 = w1 * m2 - w2 * m1
        v1 = w2 * m0 - w0 * m2
        v2 = w0 * m1 - w1 * m0
        hx, hy, hz = site_field(i, f, src, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, hext, hnoise)
        sx, sy, sz = spin_transfer(i, src, m0, m1, m2, snbr, srow, su, sb)
        hx += sx
        hy += sy
        hz += sz
        a = arow[i]
        g0 = A[a, 0] * v0 + A[a, 1] * v1 + A[a, 2] * v2
        g1 = A[a, 3] * v0 + A[a, 4] * v1 + A[a, 5] * v2
        g2 = A[a, 6] * v0 + A[a, 7] * v1 + A[a, 8] * v2
        c0, c1, c2 = inertial_rhs_vector(m0, m1, m2, v0, v1, v2, hx, hy, hz, g0, g1, g2, torque, i)
        vv = v0 * v0 + v1 * v1 + v2 * v2
        r0, r1, r2 = c0 - vv * m0, c1 - vv * m1, c2 - vv * m2
        e = erow[i]
        if iso[e] != 0.0:
            x0, x1, x2 = inertial_acceleration_scalar(m0, m1, m2, r0, r1, r2, E[e, 0])
        else:
            x0, x1, x2 = inertial_acceleration(m0, m1, m2, r0, r1, r2, E, e)
        heun_site_update(i, w0, w1, w2, m1 * x2 - m2 * x1, m2 * x0 - m0 * x2, m0 * x1 - m1 * x0,
                         y, ys, k, h, n_sites, extra, first)


#: global name bound by specialize: the spin-transfer field or nothing (:mod:`spinertia.lattice.fields`)
spin_transfer = None

#: sweeps without and with the spin-transfer torque (compiled on first use)
LLG_SWEEP, LLG_SWEEP_STT = (variants(_llg_sweep, spin_transfer=st) for st in (no_spin_transfer, spin_transfer_field))
ILLG_SWEEP, ILLG_SWEEP_STT = (variants(_illg_sweep, spin_transfer=st) for st in (no_spin_transfer, spin_transfer_field))
