"""Energy quadrature rules for Fermi-sea, Fermi-surface and bias-window integrals.

Every response coefficient of :mod:`spinertia.electrons.tensors`, :mod:`.nonlocal_tensors` and
:mod:`.torques` is a sum of three kinds of energy integrals (docs/electrons.md, "Energy integrals"):

* **Fermi sea** ``int dE f(E) F(E)`` where ``F`` is the boundary value of a function analytic in the
  upper half plane that decays at least like ``1/z^2`` (traces of products of retarded Green's
  functions).  :func:`sea_rule` returns complex nodes ``z_k`` (``Im z_k > 0``) and weights ``w_k`` with
  ``int f F dE = sum_k w_k F(z_k)``: bound states below the lead bands, which a real-axis quadrature of
  scattering states misses, are poles that the contour encloses.
* **Fermi surface** ``int dE (-df/dE) X(E)`` on the real axis (:func:`surface_rule`): one node at
  ``T = 0``.
* **Bias window** ``int dE [f(E; mu_1) - f(E; mu_0)] X(E)`` (:func:`window_rule`): Gauss-Legendre
  between the Fermi levels at ``T = 0`` (they are the break points), a trapezoidal rule in energy at
  ``T > 0``.

Energies are in units of the hopping t; ``kT`` is k_B T in the same units.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from ..errors import InputError

__all__ = ["Rule", "sea_rule", "surface_rule", "window_rule"]


@dataclass(frozen=True)
class Rule:
    """Quadrature nodes and weights: ``integral ~ sum(weights * F(nodes))``."""

    nodes: np.ndarray
    weights: np.ndarray

    def __len__(self):
        return len(self.nodes)

    def apply(self, values):
        """Contract the weights with an array of integrand values whose first axis runs over nodes."""
        return np.tensordot(self.weights, np.asarray(values), axes=(0, 0))


def _check_mu_kT(mu, kT):
    if mu is None:
        raise InputError("missing Fermi level: give mu (the chemical potential, in units of the hopping t)")
    mu = float(mu)
    kT = float(kT)
    if not math.isfinite(mu):
        raise InputError(f"the Fermi level must be finite, got {mu}")
    if not (math.isfinite(kT) and kT >= 0):
        raise InputError(f"k_B T must be a finite number >= 0 (units of t), got {kT}")
    return mu, kT


def sea_rule(mu, kT, radius, *, step=0.25, decades=9.0, circle_points=96, laurent_terms=60):
    """Nodes and weights for ``int dE f(E) F(E)`` with ``F`` analytic in the upper half plane, O(1/z^2).

    Parameters
    ----------
    mu : float
        Chemical potential (units of t).
    kT : float
        k_B T (units of t), >= 0.
    radius : float
        Radius (units of t) of a circle about ``mu`` outside of which the Green's function has no
        singularity (eigenvalues, lead bands, bound states): :meth:`Device.singularity_radius`.
    step : float
        Step of the trapezoidal rule in ``log y`` (T = 0); the error decays like ``exp(-pi^2/step)``.
    decades : float
        The T = 0 line runs over ``y`` in ``radius * 10**[-decades, decades]``.
    circle_points, laurent_terms : int
        T > 0: points on the circle used to obtain the Laurent coefficients of ``F`` at infinity, and
        the number of coefficients kept.

    Returns
    -------
    Rule
        Complex nodes and weights.

    Notes
    -----
    ``T = 0``: closing the contour in the second quadrant, ``int_{-inf}^{mu} F dE = -i int_0^inf
    F(mu + i y) dy``; with ``y = exp(s)`` the integrand is analytic in the strip ``|Im s| < pi/2`` whatever
    the distance of the poles from the real axis, so the trapezoidal rule in ``s`` converges
    geometrically.

    ``T > 0``: ``int f F dE = -2 pi i kT sum_{n >= 0} F(mu + i w_n)``, ``w_n = (2n + 1) pi kT``.  The
    first ``N`` poles are summed explicitly with ``w_N >= 3 radius``; the tail uses the Laurent series
    ``F = sum_k c_k (z - mu)^-k`` (valid for ``|z - mu| > radius``) and Hurwitz zeta functions,
    ``sum_{n >= N} (i w_n)^-k = (2 pi i kT)^-k zeta(k, N + 1/2)``.  The ``c_k`` are trapezoidal sums on
    a circle of radius ``1.5 radius``; the weights fold them in, so the rule is linear in ``F``.  Nodes
    in the lower half plane are evaluated with ``G(z) = G(conj z)^dagger`` (physical sheet).
    """
    mu, kT = _check_mu_kT(mu, kT)
    radius = float(radius)
    if not (math.isfinite(radius) and radius > 0):
        raise InputError(f"the singularity radius must be a positive number, got {radius}")
    if kT == 0:
        lo = math.log(radius) - decades * math.log(10.0)
        hi = math.log(radius) + decades * math.log(10.0)
        s = np.arange(lo, hi + step / 2, step)
        y = np.exp(s)
        w = -1j * step * y
        # end corrections: the omitted trapezoid terms beyond both ends, summed for F ~ const (y -> 0)
        # and F ~ c/z^2 (y -> inf): a geometric series h/(e^h - 1) times the end term
        tail = step / math.expm1(step)
        w[0] += -1j * y[0] * tail
        w[-1] += -1j * y[-1] * tail
        return Rule(mu + 1j * y, w)
    # explicit Matsubara poles
    n_poles = max(1, int(math.ceil(3.0 * radius / (2 * math.pi * kT) - 0.5)))
    wn = (2 * np.arange(n_poles) + 1) * math.pi * kT
    nodes = [mu + 1j * wn]
    weights = [np.full(n_poles, -2j * math.pi * kT)]
    # Laurent tail from a circle of radius rho
    rho = 1.5 * radius
    M = int(circle_points)
    theta = 2 * math.pi * (np.arange(M) + 0.5) / M
    zc = rho * np.exp(1j * theta)
    k = np.arange(2, int(laurent_terms) + 2)
    zeta = special.zeta(k.astype(float), n_poles + 0.5)
    # sum_k (zc/(2 pi i kT))^k zeta(k, N+1/2), evaluated in log form to avoid overflow
    ratio = zc[:, None] / (2j * math.pi * kT)
    terms = np.exp(k[None, :] * np.log(ratio) + np.log(zeta)[None, :])
    w_circle = -2j * math.pi * kT * terms.sum(axis=1) / M
    nodes.append(mu + zc)
    weights.append(w_circle)
    return Rule(np.concatenate(nodes), np.concatenate(weights))


def _gauss_legendre(n, a, b):
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (b - a) * x + 0.5 * (b + a), 0.5 * (b - a) * w


#: thermal factors are dropped beyond |E - mu| > TAIL kT (sech^2 and Fermi tails ~ e^-36 ~ 2e-16)
TAIL = 36.0


def surface_rule(mu, kT, *, step=0.5):
    """Real nodes and weights for ``int dE (-df/dE) X(E)``.

    ``T = 0``: the single node ``mu``.  ``T > 0``: trapezoidal rule in ``x = (E - mu)/kT`` with weight
    ``sech^2(x/2)/4`` on ``|x| <= 36``; the integrand is analytic in ``|Im x| < pi`` (and in the strip of
    analyticity of X), so the error decays like ``exp(-2 pi^2/step)`` for X smooth on the scale kT.
    """
    mu, kT = _check_mu_kT(mu, kT)
    if kT == 0:
        return Rule(np.array([mu]), np.array([1.0]))
    x = np.arange(-TAIL, TAIL + step / 2, step)
    return Rule(mu + kT * x, step * 0.25 / np.cosh(0.5 * x) ** 2)


def window_rule(mu0, mu1, kT, *, points=24, step=0.5):
    """Real nodes and weights for ``int dE [f(E; mu1) - f(E; mu0)] X(E)``.

    ``T = 0``: Gauss-Legendre with ``points`` nodes on ``[mu0, mu1]`` (signed; the Fermi levels are the
    break points).  ``T > 0``: trapezoidal rule of step ``step * kT`` on
    ``[min(mu) - 36 kT, max(mu) + 36 kT]`` with the weight ``f1 - f0`` (analytic in ``|Im E| < pi kT``).
    Empty when ``mu1 == mu0``.
    """
    mu0, kT = _check_mu_kT(mu0, kT)
    mu1, _ = _check_mu_kT(mu1, kT)
    if mu1 == mu0:
        return Rule(np.zeros(0), np.zeros(0))
    if kT == 0:
        return Rule(*_gauss_legendre(int(points), mu0, mu1))  # signed weights when mu1 < mu0
    lo, hi = min(mu0, mu1) - TAIL * kT, max(mu0, mu1) + TAIL * kT
    n = int(math.ceil((hi - lo) / (step * kT)))
    E = np.linspace(lo, hi, n + 1)
    h = (hi - lo) / n
    w = h * (special.expit(-(E - mu1) / kT) - special.expit(-(E - mu0) / kT))
    return Rule(E, w)
