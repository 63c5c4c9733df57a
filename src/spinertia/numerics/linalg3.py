"""Compiled 3x3 algebra without allocation (the site-level equations of :mod:`spinertia.dynamics.equations`)."""
import numba as nb


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
