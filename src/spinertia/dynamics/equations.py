"""The equations of motion, written once, at the level of one site.

Canonical form (Webb et al. 2026, Eq. 1; Bhattacharjee et al. 2012, Eq. 1), reduced units, for the
magnetization direction m_i of site i:

    dm_i/dt = -m_i x h_i + tau_i + m_i x sum_j (A_ij dm_j/dt + E_ij d^2 m_j/dt^2)

with the effective field h_i (:mod:`spinertia.lattice.fields`), an optional external torque tau_i (from a
stepper hook, e.g. spin-transfer or the electrons' s-d torque), the Gilbert tensors A_ij (dimensionless) and
the inertia tensors E_ij (time).  Xu et al. 2023, Eq. 21 writes the damping and inertia terms with a minus
sign (the equation written for the spin direction s = -m); its tensors enter as A = -alpha, E = -alpha_bar
(``convention="spin"`` of the models, docs/theory.md).

Every model (LLG, inertial LLG, memory-kernel LLG) and every system size (one macrospin, a lattice) uses the
functions below; the lattice right-hand sides (:mod:`.rhs`) and the fused Heun sweeps (:mod:`.sweeps`) are
loops over sites around them.
"""
from __future__ import annotations

import numba as nb

from ..numerics.linalg3 import solve3_scalar


@nb.njit(cache=True, inline="always")
def gilbert_velocity(m0, m1, m2, b0, b1, b2, A, r):
    """dm/dt from the Gilbert form (1 - [m x] A) dm/dt = b, with b = -m x h + tau and the damping tensor
    in row ``r`` of the (rows, 9) table ``A`` (indexing A[r, k] keeps hot parallel loops free of array-view
    reference counting)."""
    q00 = m1 * A[r, 6] - m2 * A[r, 3]
    q01 = m1 * A[r, 7] - m2 * A[r, 4]
    q02 = m1 * A[r, 8] - m2 * A[r, 5]
    q10 = m2 * A[r, 0] - m0 * A[r, 6]
    q11 = m2 * A[r, 1] - m0 * A[r, 7]
    q12 = m2 * A[r, 2] - m0 * A[r, 8]
    q20 = m0 * A[r, 3] - m1 * A[r, 0]
    q21 = m0 * A[r, 4] - m1 * A[r, 1]
    q22 = m0 * A[r, 5] - m1 * A[r, 2]
    return solve3_scalar(1.0 - q00, -q01, -q02, -q10, 1.0 - q11, -q12, -q20, -q21, 1.0 - q22, b0, b1, b2)


@nb.njit(cache=True, inline="always")
def precession_drive(m0, m1, m2, h0, h1, h2, torque, i):
    """b = -m x h + tau_i (tau from the flat torque buffer, skipped when it is empty)."""
    b0 = -(m1 * h2 - m2 * h1)
    b1 = -(m2 * h0 - m0 * h2)
    b2 = -(m0 * h1 - m1 * h0)
    if torque.shape[0] > 0:
        b0 += torque[3 * i]
        b1 += torque[3 * i + 1]
        b2 += torque[3 * i + 2]
    return b0, b1, b2


@nb.njit(cache=True, inline="always")
def angular_velocity_scalar_damping(m0, m1, m2, b0, b1, b2, alpha):
    """Omega = m x dm/dt for scalar damping in closed form: with p = m x b (b tangent),
    Omega = (p + alpha m x p) / (1 + alpha^2) (the Landau-Lifshitz form; |m| = 1)."""
    p0 = m1 * b2 - m2 * b1
    p1 = m2 * b0 - m0 * b2
    p2 = m0 * b1 - m1 * b0
    c = 1.0 / (1.0 + alpha * alpha)
    return (c * (p0 + alpha * (m1 * p2 - m2 * p1)), c * (p1 + alpha * (m2 * p0 - m0 * p2)),
            c * (p2 + alpha * (m0 * p1 - m1 * p0)))


@nb.njit(cache=True, inline="always")
def inertial_rhs_vector(m0, m1, m2, v0, v1, v2, h0, h1, h2, g0, g1, g2, torque, i):
    """c = v + m x (h - g) - tau: the iLLG reads m x (sum_j E_ij d2m_j/dt2) = c, with the damping
    g = sum_j A_ij v_j and v = dm/dt."""
    c0 = v0 + (m1 * (h2 - g2) - m2 * (h1 - g1))
    c1 = v1 + (m2 * (h0 - g0) - m0 * (h2 - g2))
    c2 = v2 + (m0 * (h1 - g1) - m1 * (h0 - g0))
    if torque.shape[0] > 0:
        c0 -= torque[3 * i]
        c1 -= torque[3 * i + 1]
        c2 -= torque[3 * i + 2]
    return c0, c1, c2


@nb.njit(cache=True, inline="always")
def inertial_acceleration(m0, m1, m2, r0, r1, r2, E, e):
    """x with ([m x] E + m m^T) x = r, E in row ``e`` of a (rows, 9) table: the on-site inertial solve.

    With r = c - |v|^2 m the m m^T row carries the constraint m . d2m/dt2 = -|dm/dt|^2, and x = d2m/dt2."""
    return solve3_scalar(m1 * E[e, 6] - m2 * E[e, 3] + m0 * m0, m1 * E[e, 7] - m2 * E[e, 4] + m0 * m1,
                         m1 * E[e, 8] - m2 * E[e, 5] + m0 * m2,
                         m2 * E[e, 0] - m0 * E[e, 6] + m1 * m0, m2 * E[e, 1] - m0 * E[e, 7] + m1 * m1,
                         m2 * E[e, 2] - m0 * E[e, 8] + m1 * m2,
                         m0 * E[e, 3] - m1 * E[e, 0] + m2 * m0, m0 * E[e, 4] - m1 * E[e, 1] + m2 * m1,
                         m0 * E[e, 5] - m1 * E[e, 2] + m2 * m2,
                         r0, r1, r2)


@nb.njit(cache=True, inline="always")
def inertial_acceleration_scalar(m0, m1, m2, r0, r1, r2, eta):
    """Closed form of :func:`inertial_acceleration` for E = eta 1: x = (m . r) m - (m x r) / eta."""
    mr = m0 * r0 + m1 * r1 + m2 * r2
    ie = 1.0 / eta
    return (mr * m0 - ie * (m1 * r2 - m2 * r1), mr * m1 - ie * (m2 * r0 - m0 * r2),
            mr * m2 - ie * (m0 * r1 - m1 * r0))


@nb.njit(cache=True, inline="always")
def memory_aux_derivative(zr, zi, cr, ci, wr, wi, m):
    """d w_j/dt = z_j w_j + c_j m for one component of the auxiliary variable of kernel term j
    (Webb et al. 2026, Eq. 10 with chi(t) = sum_j Re(c_j e^{z_j t})); returns (Re, Im)."""
    return zr * wr - zi * wi + cr * m, zr * wi + zi * wr + ci * m


def nutation_frequency_bound(w0, alpha, eta):
    """|omega_n| of the scalar iLLG closed form, the fastest mode of an inertial model (reduced units):
    |(1 - i alpha) + sqrt((1 - i alpha)^2 + 4 eta w0)| / (2 eta) for the precession scale w0, the damping
    norm alpha and the smallest inertia eta."""
    a = complex(1.0, -alpha)
    return float(abs(a + (a * a + 4 * eta * w0) ** 0.5) / (2 * eta))
