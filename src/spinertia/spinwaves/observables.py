"""Observables of the inertial spin-wave bands (Ghosh et al. 2025, spec 3 and 7).

* group velocity v = d|Re omega|/dk (m/s) from the left/right null vectors of the QEP (spec 3):
  d omega/dk = -(u^H dM/dk x) / (u^H dM/domega x),  M(omega, k) = omega^2 H - omega C - Omega;
* effective damping alpha_eff = |Im omega / Re omega| (paper Eq. 21) and effective gyromagnetic ratio
  gamma_eff = |d Re omega / dB| (rad/(s T)), with dM/dB = -dOmega/dB = -diag(gamma_s eps_s);
* zone-edge gaps Delta_p, Delta_n (paper Eq. 22), p2/n1 band crossings along a path (sign changes of
  g(k) = |Re omega_n1| - |Re omega_p2|, refined with brentq), straight-segment k-paths;
* stability report (spec 7): H(k) positive definite, eigenvalues of Omega(k) positive, all Im omega < 0;
  failures are reported, never raised.

``sigma``: +1 or -1 selects the N x N formulation (spec 2.2); ``sigma=None`` the general 2N formulation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from ..errors import InputError
from .solver import (Bands, _arrays, _direction, _general_blocks, _require_sigma_separable, _sigma_blocks,
                     _check_sigma, as_kpoints, solve, solve_general)

__all__ = ["KPath", "k_path", "domega_dk", "group_velocity", "domega_dB", "effective_gyromagnetic_ratio",
           "effective_damping", "zone_edge_gaps", "band_separation", "Crossing", "find_crossings",
           "StabilityFailure", "StabilityReport", "stability_report", "check_inertia"]


# -------------------------------------------------------------------------------------------- paths
@dataclass(frozen=True)
class KPath:
    """Piecewise-straight k-path: k (nk, dim) in rad/m, s (nk,) cumulative length in rad/m,
    node_index / node_s: positions of the named points, labels: their names."""

    k: np.ndarray
    s: np.ndarray
    node_index: np.ndarray
    node_s: np.ndarray
    labels: tuple


def k_path(points, n=100, labels=None, dim=None) -> KPath:
    """Straight segments between ``points`` (sequence of vectors in rad/m, or of (label, vector) pairs),
    ``n`` points per segment (start included, end excluded, except the final point)."""
    pts = list(points)
    if len(pts) < 2:
        raise InputError("a k-path needs at least two points")
    if all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in pts):
        labels, pts = tuple(p[0] for p in pts), [p[1] for p in pts]
    vec = np.array([np.asarray(p, dtype=float).reshape(-1) for p in pts]) if len({np.size(p) for p in pts}) == 1 \
        else None
    if vec is None:
        raise InputError("all k-path points must have the same number of components")
    if dim is not None and vec.shape[1] != dim:
        raise InputError(f"k-path points must have {dim} components, got {vec.shape[1]}")
    if not np.all(np.isfinite(vec)):
        raise InputError("k-path points must be finite")
    if int(n) < 1:
        raise InputError(f"n must be >= 1 points per segment, got {n}")
    labels = tuple(labels) if labels is not None else tuple(str(i) for i in range(len(vec)))
    if len(labels) != len(vec):
        raise InputError(f"{len(labels)} labels for {len(vec)} points")
    t = np.arange(int(n)) / int(n)
    k = np.concatenate([vec[i] + t[:, None] * (vec[i + 1] - vec[i]) for i in range(len(vec) - 1)] + [vec[-1:]])
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(k, axis=0), axis=1))])
    idx = np.arange(len(vec)) * int(n)
    return KPath(k=k, s=s, node_index=idx, node_s=s[idx], labels=labels)


# ------------------------------------------------------------------------------ derivatives of omega
def _blocks(model, k, sigma, direction=None):
    arr = _arrays(model)
    kk = as_kpoints(arr, k)
    d = None if direction is None else _direction(arr, direction)
    if sigma is None:
        return kk, _general_blocks(arr, kk, d)
    _require_sigma_separable(arr)
    return kk, _sigma_blocks(arr, kk, _check_sigma(sigma), d)


def _bands(model, k, sigma):
    return solve_general(model, k, vectors=False) if sigma is None else solve(model, k, sigma, vectors=False)


def _implicit_derivative(omega, Omega, H, C, dM):
    """-(u^H dM x)/(u^H dM/domega x) for each root; dM(omega) -> (nk, nroots, n, n)."""
    finite = np.isfinite(omega)
    w = np.where(finite, omega, 0.0)[..., None, None]
    M = w**2 * H[:, None] - w * C[:, None] - Omega[:, None]
    U, _, Vh = np.linalg.svd(M)
    u, x = U[..., :, -1], Vh[..., -1, :].conj()
    num = np.einsum("...i,...ij,...j->...", u.conj(), dM(w), x)
    den = np.einsum("...i,...ij,...j->...", u.conj(), 2 * w * H[:, None] - C[:, None], x)
    out = -num / den
    return np.where(finite, out, np.nan)


def domega_dk(model, k, direction, sigma=1, bands: Bands | None = None):
    """Complex d omega/dk along ``direction`` (dim,) for every root, (nk, nroots) in rad/s * m (= m/s).

    Implicit differentiation of the QEP with the left/right null vectors u, x of M(omega) (smallest singular
    vectors); undefined at exactly degenerate roots (e.g. p1 = p2 at the zone edge for mu_A = mu_B).
    Uses the bands in ``bands`` (same k and sigma) if given, otherwise solves."""
    b = bands if bands is not None else _bands(model, k, sigma)
    _, (Om, H, C) = _blocks(model, b.k, sigma)
    _, (dO, dH, dC) = _blocks(model, b.k, sigma, direction)
    return _implicit_derivative(b.omega, Om, H, C,
                                lambda w: w**2 * dH[:, None] - w * dC[:, None] - dO[:, None])


def group_velocity(model, k, sigma=1, direction=None, bands: Bands | None = None):
    """Group velocity v = d|Re omega|/dk in m/s (spec 3, paper Eq. 20).

    ``direction`` (dim,) unit-normalised internally -> (nk, nroots); None -> full gradient (nk, nroots, dim)."""
    b = bands if bands is not None else _bands(model, k, sigma)
    sign = np.sign(b.omega.real)
    if direction is not None:
        d = _direction(_arrays(model), direction)
        nrm = np.linalg.norm(d)
        if nrm == 0:
            raise InputError("direction must be a non-zero vector")
        return sign * domega_dk(model, b.k, d / nrm, sigma, b).real
    dim = b.k.shape[1]
    return np.stack([sign * domega_dk(model, b.k, np.eye(dim)[a], sigma, b).real for a in range(dim)], axis=-1)


def domega_dB(model, k, sigma=1, bands: Bands | None = None):
    """Complex d omega / dB (field along z) for every root, (nk, nroots) in rad/(s T)."""
    arr = _arrays(model)
    b = bands if bands is not None else _bands(model, k, sigma)
    _, (Om, H, C) = _blocks(model, b.k, sigma)
    g = arr.gamma * arr.epsilon
    if sigma is None:
        g = np.concatenate([g, g])
    dO = np.diag(g).astype(complex)
    return _implicit_derivative(b.omega, Om, H, C, lambda w: -np.broadcast_to(dO, w.shape[:-2] + dO.shape))


def effective_gyromagnetic_ratio(model, k, sigma=1, bands: Bands | None = None):
    """gamma_eff = |d Re omega / dB| in rad/(s T), (nk, nroots) (spec 3)."""
    return np.abs(domega_dB(model, k, sigma, bands).real)


def effective_damping(bands: Bands):
    """alpha_eff = |Im omega / Re omega| per root, (nk, nroots) (spec 3, paper Eq. 21)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(bands.omega.imag / bands.omega.real)


# ----------------------------------------------------------------------------- gaps and crossings
def zone_edge_gaps(model, k_edge, sigma=1, pair=(1, 2)):
    """(Delta_p, Delta_n) in rad/s at ``k_edge`` (spec 3, paper Eq. 22):
    Delta_p = |Re omega_p{j2}| - |Re omega_p{j1}|, Delta_n = |Re omega_n{j2}| - |Re omega_n{j1}|."""
    b = solve(model, np.asarray(k_edge, dtype=float), sigma, vectors=False)
    j1, j2 = pair
    f = np.abs(b.omega.real[0])
    return (float(f[b.index(f"p{j2}")] - f[b.index(f"p{j1}")]),
            float(f[b.index(f"n{j2}")] - f[b.index(f"n{j1}")]))


def band_separation(model, k, bands=("p2", "n1"), sigma=1, solved: Bands | None = None):
    """g(k) = |Re omega_{bands[1]}| - |Re omega_{bands[0]}| in rad/s, (nk,) (spec 3: p2/n1 crossing)."""
    b = solved if solved is not None else solve(model, k, sigma, vectors=False)
    lo, hi = b.index(bands[0]), b.index(bands[1])
    return np.abs(b.omega.real[:, hi]) - np.abs(b.omega.real[:, lo])


@dataclass(frozen=True)
class Crossing:
    """A zero of g(k) between samples ``index`` and ``index + 1``: k (dim,) in rad/m, s the path
    coordinate (rad/m from the first sample), frequency the common |Re omega| (rad/s)."""

    k: np.ndarray
    s: float
    index: int
    frequency: float


def find_crossings(model, k, bands=("p2", "n1"), sigma=1, xtol=1e-12):
    """Crossings of |Re omega| of two bands along the sampled polyline ``k`` (nk, dim) (spec 3).

    Sign changes of g between consecutive samples are refined by brentq on the straight segment.
    Returns (list of Crossing, g at the samples in rad/s)."""
    kk = as_kpoints(model, k)
    g = band_separation(model, kk, bands, sigma)
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(kk, axis=0), axis=1))])

    def g_at(t, i):
        return band_separation(model, kk[i] + t * (kk[i + 1] - kk[i]), bands, sigma)[0]

    out = []
    for i in np.nonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)[0]:
        t = optimize.brentq(g_at, 0.0, 1.0, args=(int(i),), xtol=xtol)
        kc = kk[i] + t * (kk[i + 1] - kk[i])
        b = solve(model, kc, sigma, vectors=False)
        out.append(Crossing(k=kc, s=float(s[i] + t * (s[i + 1] - s[i])), index=int(i),
                            frequency=float(abs(b[bands[0]][0].real))))
    for i in np.nonzero(g == 0)[0]:  # exact zeros on a sample
        b = solve(model, kk[i], sigma, vectors=False)
        out.append(Crossing(k=kk[i], s=float(s[i]), index=int(i), frequency=float(abs(b[bands[0]][0].real))))
    return sorted(out, key=lambda c: c.s), g


# ------------------------------------------------------------------------------------------ stability
@dataclass(frozen=True)
class StabilityFailure:
    """One failed condition: name, sigma (None: general form), indices and k of the failing points, and
    the worst value (min eigenvalue of H in s, min eigenvalue of Omega in rad/s, or max Im omega in rad/s)."""

    condition: str
    sigma: int | None
    k_index: np.ndarray
    k: np.ndarray
    worst: float

    def __str__(self):
        return (f"{self.condition} (sigma={self.sigma}) at {len(self.k_index)} k-point(s), first k = "
                f"{self.k[0].tolist()} rad/m, worst value {self.worst:.6g}")


@dataclass(frozen=True)
class StabilityReport:
    """Result of :func:`stability_report`.  ``ok`` is True when no condition failed.

    min_inertia_eigenvalue (s), min_omega_eigenvalue (rad/s), max_imag_omega (rad/s): dicts sigma -> (nk,)."""

    ok: bool
    failures: list
    warnings: list
    min_inertia_eigenvalue: dict = field(repr=False)
    min_omega_eigenvalue: dict = field(repr=False)
    max_imag_omega: dict = field(repr=False)

    def __str__(self):
        if self.ok:
            return "stable" + "".join(f"\n  warning: {w}" for w in self.warnings)
        return "unstable:\n  " + "\n  ".join(str(f) for f in self.failures) + \
            "".join(f"\n  warning: {w}" for w in self.warnings)


def _omega_eigenvalues(arr, Omega, general):
    """Real eigenvalues of Omega = diag(gamma/mu) E (E Hermitian) via D^1/2 E D^1/2, (nk, n) rad/s."""
    d = arr.gamma / arr.mu
    if general:
        d = np.concatenate([d, d])
    r = np.sqrt(d[None, :] / d[:, None])  # S_ij = Omega_ij sqrt(d_j / d_i)
    S = Omega * r
    return np.linalg.eigvalsh(0.5 * (S + np.conj(np.swapaxes(S, -1, -2))))


def stability_report(model, k, sigmas=(1, -1), rtol=1e-10) -> StabilityReport:
    """Check the stability conditions of spec 7 at the k-points ``k`` (nk, dim) rad/m; never raises for an
    unstable model.

    Conditions: 'inertia_not_positive_definite' (Hermitian part of H(k) has an eigenvalue below
    -rtol max|H|), 'omega_not_positive' (an eigenvalue of Omega(k) <= rtol max|Omega|: the collinear state is
    not an energy minimum), 'growing_mode' (Im omega > rtol |omega|: also catches the T14 instability of
    on-site chiral inertia).  A singular but semidefinite H (some eta = 0: infinite inertial roots, spec 6.1)
    is a warning, not a failure.  Models with beta^+/beta^- mixing or antiparallel sublattices are checked
    in the general 2N form (sigma None)."""
    arr = _arrays(model)
    kk = as_kpoints(arr, k)
    general = arr.mixes_circular_components or not arr.ferromagnetic
    sig_list = [None] if general else [_check_sigma(s) for s in sigmas]
    failures, warnings, hmin, omin, imax = [], [], {}, {}, {}

    def fail(name, sigma, mask, worst):
        idx = np.nonzero(mask)[0]
        failures.append(StabilityFailure(name, sigma, idx, kk[idx], float(worst)))

    for sigma in sig_list:
        Omega, H, C = _general_blocks(arr, kk) if sigma is None else _sigma_blocks(arr, kk, sigma)
        hh = np.linalg.eigvalsh(0.5 * (H + np.conj(np.swapaxes(H, -1, -2))))
        hscale = np.abs(H).max()
        hmin[sigma] = hh[:, 0]
        if hscale > 0:
            bad = hh[:, 0] < -rtol * hscale
            if np.any(bad):
                fail("inertia_not_positive_definite", sigma, bad, hh[:, 0].min())
            sing = (~bad) & (hh[:, 0] <= rtol * hscale)
            if np.any(sing):
                warnings.append(f"H(k) is singular (positive semidefinite) at {int(sing.sum())} k-point(s) "
                                f"(sigma={sigma}): some eta = 0, those inertial roots are infinite")
        lam = _omega_eigenvalues(arr, Omega, sigma is None)
        omin[sigma] = lam[:, 0]
        bad = lam[:, 0] <= rtol * np.abs(lam).max(axis=-1)
        if np.any(bad):
            fail("omega_not_positive", sigma, bad, lam[:, 0].min())
        b = solve_general(arr, kk, vectors=False) if sigma is None else solve(arr, kk, sigma, vectors=False)
        grow = np.where(np.isnan(b.omega), -np.inf, b.omega.imag - rtol * np.abs(b.omega))
        imax[sigma] = np.nanmax(np.where(np.isnan(b.omega), -np.inf, b.omega.imag), axis=-1)
        bad = np.any(grow > 0, axis=-1)
        if np.any(bad):
            fail("growing_mode", sigma, bad, imax[sigma][bad].max())
    return StabilityReport(ok=not failures, failures=failures, warnings=warnings, min_inertia_eigenvalue=hmin,
                           min_omega_eigenvalue=omin, max_imag_omega=imax)


def check_inertia(model, k, allow_singular=True):
    """Raise InputError if H(k) (Hermitian part) is not positive definite at some k (rad/m); a singular,
    semidefinite H is accepted with ``allow_singular``.  Returns the minimum eigenvalue of H (s)."""
    arr = _arrays(model)
    kk = as_kpoints(arr, k)
    general = arr.mixes_circular_components or not arr.ferromagnetic
    worst = np.inf
    for sigma in ([None] if general else [1, -1]):
        H = _general_blocks(arr, kk)[1] if sigma is None else _sigma_blocks(arr, kk, sigma)[1]
        hh = np.linalg.eigvalsh(0.5 * (H + np.conj(np.swapaxes(H, -1, -2))))[:, 0]
        tol = 1e-10 * np.abs(H).max()
        bad = hh < -tol if allow_singular else hh <= tol
        if np.any(bad):
            i = int(np.argmin(hh))
            raise InputError(f"inertia matrix H(k) is not positive {'semi' if allow_singular else ''}definite "
                             f"(sigma={sigma}): min eigenvalue {hh[i]:.3e} s at k = {kk[i].tolist()} rad/m; "
                             f"reduce the cross inertia (e.g. eta_AB < sqrt(eta_AA eta_BB))")
        worst = min(worst, float(hh.min()))
    return worst
