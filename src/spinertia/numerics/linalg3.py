"""Small compiled 3-vector helpers shared by the torque models."""
import numba as nb
import numpy as np


def as_tensor(value, name):
    """Scalar or 3x3 -> flat row-major 9-array (float)."""
    from ..errors import InputError

    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        a = float(a) * np.eye(3)
    if a.shape != (3, 3):
        raise InputError(f"{name} must be a scalar or a 3x3 tensor, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be finite, got {a.tolist()}")
    return np.ascontiguousarray(a.ravel())


@nb.njit(cache=True, inline="always")
def solve3_scalar(a00, a01, a02, a10, a11, a12, a20, a21, a22, b0, b1, b2):
    """Allocation-free Cramer solve of a 3x3 system; returns (x0, x1, x2)."""
    c00 = a11 * a22 - a12 * a21
    c01 = a12 * a20 - a10 * a22
    c02 = a10 * a21 - a11 * a20
    inv = 1.0 / (a00 * c00 + a01 * c01 + a02 * c02)
    x0 = inv * (c00 * b0 + (a02 * a21 - a01 * a22) * b1 + (a01 * a12 - a02 * a11) * b2)
    x1 = inv * (c01 * b0 + (a00 * a22 - a02 * a20) * b1 + (a02 * a10 - a00 * a12) * b2)
    x2 = inv * (c02 * b0 + (a01 * a20 - a00 * a21) * b1 + (a00 * a11 - a01 * a10) * b2)
    return x0, x1, x2


@nb.njit(cache=True, inline="always")
def cross_times_matrix_scalar(m0, m1, m2, A):
    """Entries of [m x] A (A flat row-major) as a 9-tuple, without allocation."""
    q00 = m1 * A[6] - m2 * A[3]
    q01 = m1 * A[7] - m2 * A[4]
    q02 = m1 * A[8] - m2 * A[5]
    q10 = m2 * A[0] - m0 * A[6]
    q11 = m2 * A[1] - m0 * A[7]
    q12 = m2 * A[2] - m0 * A[8]
    q20 = m0 * A[3] - m1 * A[0]
    q21 = m0 * A[4] - m1 * A[1]
    q22 = m0 * A[5] - m1 * A[2]
    return q00, q01, q02, q10, q11, q12, q20, q21, q22


@nb.njit(cache=True, inline="always")
def gilbert_precession(m0, m1, m2, h0, h1, h2, A):
    """dm/dt solving dm/dt = -m x h + m x (A dm/dt), i.e. (I - [m x] A) x = -m x h; returns (x0, x1, x2)."""
    b0 = -(m1 * h2 - m2 * h1)
    b1 = -(m2 * h0 - m0 * h2)
    b2 = -(m0 * h1 - m1 * h0)
    q00, q01, q02, q10, q11, q12, q20, q21, q22 = cross_times_matrix_scalar(m0, m1, m2, A)
    return solve3_scalar(1.0 - q00, -q01, -q02, -q10, 1.0 - q11, -q12, -q20, -q21, 1.0 - q22, b0, b1, b2)


@nb.njit(cache=True, inline="always")
def gilbert_precession_row(m0, m1, m2, h0, h1, h2, A, r):
    """:func:`gilbert_precession` with the damping tensor in row ``r`` of a (n, 9) table.

    Indexing A[r, j] instead of passing the view A[r] keeps hot parallel loops free of array-view
    reference counting (atomic, and shared between threads)."""
    b0 = -(m1 * h2 - m2 * h1)
    b1 = -(m2 * h0 - m0 * h2)
    b2 = -(m0 * h1 - m1 * h0)
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
