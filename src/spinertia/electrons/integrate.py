"""Energy integration: Fermi functions, equilibrium contours, real-axis quadrature, parallel energy maps.

Equilibrium density matrix of a region with leads at one chemical potential mu and temperature kT:

    rho = (i / 2 pi) int dE f(E) [G(E) - G(E)^dagger] = Re_H[(i / pi) int dE f(E) G(E + i0)],

Re_H(X) = (X + X^dagger)/2.  G(z) is analytic in the upper half plane, so the integral is moved off the
real axis, where bound states below the lead bands (split off by the s-d exchange) and sharp
resonances are no longer delta functions:

* kT = 0: a semicircle from E_min (below the whole spectrum) to mu in the upper half plane,
  rho = Re_H[(i / pi) int_C G(z) dz], Gauss-Legendre in the angle with nodes clustered at mu
  (the break point), refined until two rules agree; with wide-band leads the spectrum has Lorentzian
  tails without a lower bound, and the line mu + i y, y > 0, is used instead:
  rho = 1/2 + (1/pi) int_0^inf Re_H G(mu + i y) dy;
* kT > 0: the Ozaki continued-fraction expansion of f (T. Ozaki, Phys. Rev. B 75, 035123 (2007)),
  f(x) = 1/2 - sum_p R_p [1/(x - i z_p) + 1/(x + i z_p)], x = (E - mu)/kT, which gives
  rho = 1/2 + sum_p Re_H[2 R_p kT G(mu + i z_p kT)]  (using the sum rule int A dE / 2 pi = 1); the
  number of poles is chosen so that the expansion is exact to ``tol`` over the spectrum [E_min, E_max]
  of the region and its semi-infinite leads; with wide-band leads the Lorentzian tails outside are
  corrected by a real-axis integral of (f - f_N) A / 2 pi (smooth there).

Every rule is returned as (c0, z_j, c_j) with rho = c0 * 1 + sum_j Re_H[c_j G(z_j)].

Non-equilibrium (leads at different mu_p): rho = rho_eq(mu_ref) + sum_p int dE/2 pi (f_p - f_ref) A_p(E),
A_p = G Gamma_p G^dagger, on the real axis over the bias window; at kT = 0 the window is
[mu_ref, mu_p] exactly and its ends are break points (no Fermi-step oscillations).

Real-axis rules split [a, b] into panels at the break points and use Gauss-Legendre in theta with
E = a + (b - a)(1 - cos theta)/2 on each panel, which integrates the inverse-square-root band-edge
singularities of leads and DOS to spectral accuracy.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy.special import expit

from ..errors import InputError

__all__ = ["fermi", "ozaki_poles", "fermi_poles", "zero_temperature_contour", "imaginary_axis_rule", "fermi_tail_rule",
           "equilibrium_rule", "real_axis_rule",
           "integrate_real", "bias_window", "map_energies", "contour_sum"]

#: Fermi-function tails beyond |E - mu| > TAIL * kT are dropped (e^-40 ~ 4e-18).
TAIL = 40.0


def _kT(kT):
    try:
        v = float(kT)
    except (TypeError, ValueError):
        raise InputError(f"kT must be a number >= 0 (units of t), got {kT!r}") from None
    if not (np.isfinite(v) and v >= 0):
        raise InputError(f"kT must be finite and >= 0 (units of t), got {kT!r}")
    return v


def _mu(mu, name="mu"):
    if mu is None:
        raise InputError(f"{name} (the Fermi level, units of t) is required: equilibrium and non-equilibrium "
                         "densities depend on it; pass e.g. mu=1.9")
    try:
        v = float(mu)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number (units of t), got {mu!r}") from None
    if not np.isfinite(v):
        raise InputError(f"{name} must be finite, got {mu!r}")
    return v


def fermi(E, mu, kT):
    """Fermi function f(E) = 1 / (1 + exp((E - mu)/kT)); at kT = 0 the step with f(mu) = 1/2."""
    mu, kT = _mu(mu), _kT(kT)
    E = np.asarray(E, dtype=float)
    if kT == 0:
        return np.where(E < mu, 1.0, np.where(E > mu, 0.0, 0.5))
    return expit(-(E - mu) / kT)


def ozaki_poles(n):
    """Poles z_p > 0 and residues R_p of Ozaki's continued-fraction Fermi expansion with n pole pairs.

    f(x) = 1/2 - sum_p R_p [1/(x - i z_p) + 1/(x + i z_p)] (x = (E - mu)/kT); exact to round-off for
    |x| <~ n^2 / 8 (from the eigenvalues of a 2n x 2n tridiagonal matrix, Ozaki 2007)."""
    n = int(n)
    if n < 1:
        raise InputError("need at least one Ozaki pole")
    m = np.arange(1, 2 * n)
    b = 1.0 / (2.0 * np.sqrt((2 * m - 1) * (2 * m + 1)))
    w, v = np.linalg.eigh(np.diag(b, 1) + np.diag(b, -1))
    pos = w > 0
    z = 1.0 / w[pos]
    R = np.abs(v[0, pos]) ** 2 / (4.0 * w[pos] ** 2)
    o = np.argsort(z)
    return z[o], R[o]


def _ozaki_error(n, xmin, xmax):
    z, R = ozaki_poles(n)
    x = np.linspace(xmin, xmax, 4001)
    x = np.concatenate([x, np.linspace(-min(50.0, -xmin), min(50.0, xmax), 2001)]) if xmin < 0 < xmax else x
    approx = 0.5 - np.sum(R[None, :] * (2 * x[:, None] / (x[:, None] ** 2 + z[None, :] ** 2)), axis=1)
    return float(np.abs(approx - expit(-x)).max())


def fermi_poles(mu, kT, e_min, e_max, tol=1e-12, max_poles=1000):
    """Ozaki nodes z_p = mu + i z_p kT and weights c_p = 2 R_p kT for a spectrum in [e_min, e_max].

    Raises InputError when more than ``max_poles`` poles would be needed (kT far below the spectral
    width): use kT = 0 (exact zero-temperature contour) instead."""
    mu, kT = _mu(mu), _kT(kT)
    if kT == 0:
        raise InputError("fermi_poles needs kT > 0; use zero_temperature_contour for kT = 0")
    xmin, xmax = (e_min - mu) / kT, (e_max - mu) / kT
    n = 8
    while True:
        if _ozaki_error(n, min(xmin, -1.0), max(xmax, 1.0)) <= tol:
            break
        if n >= max_poles:
            raise InputError(f"kT = {kT:g} is too small for the spectrum width {e_max - e_min:.3g}: the Fermi "
                             f"expansion needs more than {max_poles} poles; use kT = 0 (exact zero-temperature "
                             "contour) or raise max_poles")
        n = min(int(n * 1.5) + 1, max_poles)
    z, R = ozaki_poles(n)
    return mu + 1j * z * kT, 2.0 * R * kT


def zero_temperature_contour(e_min, mu, n):
    """Semicircle from e_min to mu in the upper half plane with n nodes clustered at mu.

    Returns (z_j, c_j) with rho = sum_j Re_H[c_j G(z_j)] = (i/2 pi) int_{e_min}^{mu} (G - G^dagger) dE."""
    if not mu > e_min:
        raise InputError(f"the Fermi level mu = {mu} must lie above the bottom of the spectrum {e_min}")
    x, w = np.polynomial.legendre.leggauss(int(n))
    u = 0.5 * (x + 1)  # (0, 1)
    wu = 0.5 * w
    # theta = pi u^2: nodes cluster at theta = 0 (z -> mu), where G varies fastest
    theta = np.pi * u ** 2
    dtheta = 2 * np.pi * u * wu
    c, r = 0.5 * (e_min + mu), 0.5 * (mu - e_min)
    z = c + r * np.exp(1j * theta)
    dz = 1j * r * np.exp(1j * theta) * dtheta  # theta runs pi -> 0 along the path: sign below
    return z, -(1j / np.pi) * dz


def imaginary_axis_rule(mu, n, scale=1.0):
    """Zero-temperature rule along the line mu + i y, y in (0, inf), n nodes clustered at y = 0.

    rho = 1/2 + (1/pi) int_0^inf Re_H G(mu + i y) dy (the semicircle closed at infinity with the sum rule
    int A dE / 2 pi = 1): needs no lower bound of the spectrum, so it also serves unbounded spectra
    (wide-band leads give Lorentzian tails).  Returns (c0, z_j, c_j)."""
    x, w = np.polynomial.legendre.leggauss(int(n))
    u = 0.5 * (x + 1)
    wu = 0.5 * w
    # y = scale tan(pi u^2 / 2): clustered at y = 0 (mu), 1/y^2 tail mapped onto u -> 1
    a = 0.5 * np.pi * u ** 2
    y = scale * np.tan(a)
    dy = scale * np.pi * u / np.cos(a) ** 2 * wu
    return 0.5, mu + 1j * y, dy / np.pi


def fermi_tail_rule(mu, kT, n_poles, lo, hi, n=64):
    """Real-axis correction for an unbounded spectrum: nodes E_j and weights w_j (f - f_N)(E_j) on
    E < lo and E > hi, so that int (f - f_N) A dE / 2 pi = sum_j w_j A(E_j) / 2 pi, where f_N is the
    Ozaki expansion with ``n_poles`` poles (exact on [lo, hi]).  E = mu -+ D / u with u in (0, 1]."""
    z, R = ozaki_poles(n_poles)
    x, w = np.polynomial.legendre.leggauss(int(n))
    u = 0.5 * (x + 1)
    wu = 0.5 * w
    E, W = [], []
    for D, sgn in ((mu - lo, -1.0), (hi - mu, 1.0)):
        Eu = mu + sgn * D / u
        xx = (Eu - mu) / kT
        fN = 0.5 - np.sum(R[None, :] * 2 * xx[:, None] / (xx[:, None] ** 2 + z[None, :] ** 2), axis=1)
        E.append(Eu)
        W.append(wu * D / u ** 2 * (expit(-xx) - fN))
    return np.concatenate(E), np.concatenate(W)


def equilibrium_rule(mu, kT, e_min, e_max, n=64, tol=1e-12, max_poles=1000):
    """(c0, z_j, c_j) with rho = c0 + sum_j Re_H[c_j G(z_j)] (module docstring).

    Parameters
    ----------
    mu, kT : float
        Fermi level and temperature (units of t).
    e_min, e_max : float
        Bounds of the spectrum of region + leads (e_min strictly below every state, bound states included).
    n : int
        Nodes of the zero-temperature semicircle.
    """
    mu, kT = _mu(mu), _kT(kT)
    if kT == 0:
        z, c = zero_temperature_contour(e_min, mu, n)
        return 0.0, z, c
    z, c = fermi_poles(mu, kT, e_min, e_max, tol=tol, max_poles=max_poles)
    return 0.5, z, c


def contour_sum(c0, z, c, blocks_of_z, identity_block):
    """rho = c0 * identity_block + sum_j Re_H[c_j X(z_j)] for X(z) = blocks_of_z(z) (..., B, B) arrays."""
    acc = None
    for zj, cj in zip(z, c):
        X = cj * blocks_of_z(zj)
        acc = X if acc is None else acc + X
    acc = 0.5 * (acc + np.conj(np.swapaxes(acc, -1, -2)))
    return acc + c0 * identity_block


def real_axis_rule(a, b, breakpoints=(), n=32):
    """Nodes and weights on [a, b], panels split at the break points, n nodes per panel.

    Each panel [p, q] uses E = p + (q - p)(1 - cos theta)/2 with Gauss-Legendre in theta: exact for
    smooth integrands and spectrally accurate for inverse-square-root edge singularities."""
    a, b = float(a), float(b)
    if not (np.isfinite(a) and np.isfinite(b) and b > a):
        raise InputError(f"real-axis interval must be finite with b > a, got [{a}, {b}]")
    pts = np.unique(np.concatenate([[a, b], [p for p in np.atleast_1d(breakpoints) if a < p < b]]))
    x, w = np.polynomial.legendre.leggauss(int(n))
    th = 0.5 * np.pi * (x + 1)
    wt = 0.5 * np.pi * w
    E, W = [], []
    for p, q in zip(pts[:-1], pts[1:]):
        E.append(p + (q - p) * 0.5 * (1 - np.cos(th)))
        W.append((q - p) * 0.5 * np.sin(th) * wt)
    return np.concatenate(E), np.concatenate(W)


def integrate_real(fn, a, b, breakpoints=(), n=32, tol=1e-10, max_n=1024, workers=None):
    """int_a^b fn(E) dE with break points, doubling the nodes per panel until two rules agree to tol.

    fn maps one energy to an array (all of the same shape).  Returns (integral, error estimate, n used)."""
    prev = None
    while True:
        E, W = real_axis_rule(a, b, breakpoints, n)
        vals = map_energies(fn, E, workers=workers)
        cur = np.tensordot(W, vals, axes=(0, 0))
        if prev is not None:
            err = float(np.max(np.abs(cur - prev)))
            scale = max(1.0, float(np.max(np.abs(cur))))
            if err <= tol * scale:
                return cur, err, n
            if 2 * n > max_n:
                raise InputError(f"real-axis integral did not converge to {tol:g} with {n} nodes per panel (error "
                                 f"{err:.2e}); add break points at the band edges/resonances or raise max_n")
        prev = cur
        n *= 2


def bias_window(mus, kT):
    """(mu_ref, a, b, break points) of the non-equilibrium window for lead Fermi levels ``mus``.

    mu_ref = min(mus); the window [a, b] covers every E where some f_p differs from f_ref by more than
    e^-TAIL; at kT = 0 it is [min mu, max mu] with each mu_p a break point."""
    m = np.array([_mu(x, "lead Fermi level") for x in np.atleast_1d(mus)])
    kT = _kT(kT)
    ref = float(m.min())
    a, b = ref - TAIL * kT, float(m.max()) + TAIL * kT
    return ref, a, b, tuple(np.unique(m))


def _worker_init():
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[k] = "1"


def map_energies(fn, energies, workers=None):
    """[fn(E) for E in energies] as an array, optionally in ``workers`` processes (spawned, one BLAS
    thread each; fn and its data must be picklable).  workers=None or 1: in this process."""
    energies = list(energies)
    if not workers or workers == 1 or len(energies) < 2 * workers:
        return np.array([fn(E) for E in energies])
    import multiprocessing as mp

    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    _worker_init()  # inherited by the spawned workers before they import numpy
    try:
        with ProcessPoolExecutor(max_workers=int(workers), mp_context=mp.get_context("spawn"),
                                 initializer=_worker_init) as ex:
            chunk = max(1, len(energies) // (4 * int(workers)))
            out = list(ex.map(fn, energies, chunksize=chunk))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return np.array(out)
