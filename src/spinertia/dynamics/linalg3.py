"""Small compiled 3-vector helpers shared by the torque models."""
import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def cross(a, b, out):
    out[0] = a[1] * b[2] - a[2] * b[1]
    out[1] = a[2] * b[0] - a[0] * b[2]
    out[2] = a[0] * b[1] - a[1] * b[0]


@nb.njit(cache=True, inline="always")
def matvec(A, x, out):
    """out <- A x for A given as a flat row-major 9-array."""
    for i in range(3):
        out[i] = A[3 * i] * x[0] + A[3 * i + 1] * x[1] + A[3 * i + 2] * x[2]


@nb.njit(cache=True)
def solve3(M, b, x):
    """Solve the 3x3 system M x = b (M flat row-major) by Cramer's rule. Returns the determinant."""
    a00, a01, a02 = M[0], M[1], M[2]
    a10, a11, a12 = M[3], M[4], M[5]
    a20, a21, a22 = M[6], M[7], M[8]
    c00 = a11 * a22 - a12 * a21
    c01 = a12 * a20 - a10 * a22
    c02 = a10 * a21 - a11 * a20
    det = a00 * c00 + a01 * c01 + a02 * c02
    inv = 1.0 / det
    x[0] = inv * (c00 * b[0] + (a02 * a21 - a01 * a22) * b[1] + (a01 * a12 - a02 * a11) * b[2])
    x[1] = inv * (c01 * b[0] + (a00 * a22 - a02 * a20) * b[1] + (a02 * a10 - a00 * a12) * b[2])
    x[2] = inv * (c02 * b[0] + (a01 * a20 - a00 * a21) * b[1] + (a00 * a11 - a01 * a10) * b[2])
    return det


@nb.njit(cache=True)
def cross_matrix_times(m, A, out):
    """out <- [m x] A (flat 9-arrays): row i of [m x] is (e_i x ...) applied to the columns of A."""
    for j in range(3):
        c0, c1, c2 = A[j], A[3 + j], A[6 + j]
        out[j] = m[1] * c2 - m[2] * c1
        out[3 + j] = m[2] * c0 - m[0] * c2
        out[6 + j] = m[0] * c1 - m[1] * c0


@nb.njit(cache=True)
def solve_gilbert(m, A, rhs, x, work):
    """Solve (I - [m x] A) x = rhs: the implicit Gilbert form x = rhs + m x (A x).

    Returns the determinant (zero means the damping tensor makes the equation singular).
    """
    cross_matrix_times(m, A, work)
    for k in range(9):
        work[k] = -work[k]
    work[0] += 1.0
    work[4] += 1.0
    work[8] += 1.0
    return solve3(work, rhs, x)


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
