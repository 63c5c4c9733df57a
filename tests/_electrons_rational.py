"""Exact Fermi integrals of rational functions of the energy (test reference for the electron tensors).

A rational function is a list of terms ``(c, {z: k, ...})`` meaning ``c prod (E - z)^-k`` with complex,
non-real poles z.  ``fermi_integral(R, mu, kT)`` returns ``int dE f(E) R(E)`` exactly (partial
fractions; T = 0: logarithms, T > 0: digamma and polygamma functions of complex argument):

    int f / (E - z)    (residues summing to 0) -> Psi(z) = psi(q) -+ i pi/2,   q = 1/2 + (mu - z)/(+-2 pi i kT)
    int f / (E - z)^m  (m >= 2)                -> psi^(m-1)(q) (-1/(+-2 pi i kT))^(m-1) / (m-1)!

(upper signs for Im z < 0), and at T = 0 ``log(mu - z) -+ i pi`` and ``-1/((m-1)(mu - z)^(m-1))``.
No numerical quadrature: independent of the code under test.
"""
from __future__ import annotations

import math
from math import comb, factorial

import numpy as np
from scipy import special

_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330]


def hurwitz_zeta(s, q, N=30):
    """zeta(s, q) = sum_n (q + n)^-s for integer s >= 2 and complex q with Re q > 0 (Euler-Maclaurin)."""
    head = sum((q + n) ** (-s) for n in range(N))
    a = q + N
    tail = a ** (1 - s) / (s - 1) + 0.5 * a ** (-s)
    rising = s  # s (s+1) ... (s + 2k - 2)
    for k, B in enumerate(_BERNOULLI, start=1):
        tail += B / factorial(2 * k) * rising * a ** (-s - 2 * k + 1)
        rising *= (s + 2 * k - 1) * (s + 2 * k)
    return head + tail


def polygamma(m, q):
    """psi^(m)(q) for complex q (Re q > 0)."""
    if m == 0:
        return special.psi(q)
    return (-1) ** (m + 1) * factorial(m) * hurwitz_zeta(m + 1, q)


def mul(R1, R2):
    """Product of two rational functions."""
    out = []
    for c1, p1 in R1:
        for c2, p2 in R2:
            p = dict(p1)
            for z, k in p2.items():
                p[z] = p.get(z, 0) + k
            out.append((c1 * c2, p))
    return out


def add(*Rs):
    return [t for R in Rs for t in R]


def scale(R, c):
    return [(c * a, p) for a, p in R]


def conj(R):
    return [(np.conj(a), {np.conj(z): k for z, k in p.items()}) for a, p in R]


def deriv(R):
    """d/dE of a rational function."""
    out = []
    for c, p in R:
        for z, k in p.items():
            q = dict(p)
            q[z] = k + 1
            out.append((-k * c, q))
    return out


def pole(z, k=1, c=1.0):
    return [(c, {complex(z): k})]


def _partial_fractions(c, poles):
    """{(z, m): a} with c prod (E - z_l)^-k_l = sum a / (E - z)^m."""
    out = {}
    for z, k in poles.items():
        # Taylor series of prod_{l != z} (E - z_l)^-k_l about E = z, up to order k - 1
        series = np.zeros(k, dtype=complex)
        series[0] = 1.0
        for zl, kl in poles.items():
            if zl == z:
                continue
            d = z - zl
            fac = np.array([(-1) ** n * comb(kl + n - 1, n) * d ** (-kl - n) for n in range(k)], dtype=complex)
            series = np.convolve(series, fac)[:k]
        for m in range(1, k + 1):
            out[(z, m)] = out.get((z, m), 0) + c * series[k - m]
    return out


def fermi_integral(R, mu, kT):
    """int dE f(E) R(E) for a rational function decaying at least like 1/E^2."""
    coef = {}
    for c, p in R:
        for key, a in _partial_fractions(c, p).items():
            coef[key] = coef.get(key, 0) + a
    total = 0j
    for (z, m), a in coef.items():
        if z.imag == 0:
            raise ValueError("real pole")
        lower = z.imag < 0
        if kT == 0:
            if m == 1:
                val = np.log(mu - z) + (-1j * math.pi if lower else 1j * math.pi)
            else:
                val = -1.0 / ((m - 1) * (mu - z) ** (m - 1))
        else:
            s = 2j * math.pi * kT * (1 if lower else -1)
            q = 0.5 + (mu - z) / s
            if m == 1:
                val = special.psi(q) + (-0.5j * math.pi if lower else 0.5j * math.pi)
            else:
                val = polygamma(m - 1, q) * (-1.0 / s) ** (m - 1) / factorial(m - 1)
        total += a * val
    return total


def surface_integral(R, mu, kT):
    """int dE (-df/dE) R(E) = int dE f(E) R'(E); R(mu) at T = 0."""
    return fermi_integral(deriv(R), mu, kT)
