"""Matrices and batched solution of the inertial LSWT quadratic eigenvalue problem (Ghosh et al. 2025).

For each k and handedness sigma = +1/-1 (spec 2.2, 7)

    M_sigma(omega, k) beta = [omega^2 H^sigma(k) - omega C^sigma(k) - Omega^sigma(k)] beta = 0 ,

    Omega^sigma_ss'(k) = (gamma_s/mu_s) [ E0_s delta_ss' - sum_delta (J_delta - i sigma D_delta) e^{i k.delta} ] ,
    E0_s = mu_s eps_s B + 2 K_s - (K_perp,xx + K_perp,yy)_s + sum_{bonds from s} J eps_s eps_s' ,
    H^sigma_ss'(k) = (eta_ss + i sigma xi_ss) delta_ss' + sum_delta (eta_delta + i sigma xi_delta) e^{i k.delta} ,
    C^sigma(k)     = sigma diag(eps_s) - i alpha(k),
    alpha_ss'(k)   = alpha_s delta_ss' + sum_delta alpha_delta e^{i k.delta} .

Units: k in rad/m, Omega in rad/s, H in s, C dimensionless, omega in rad/s (time dependence
exp(-i omega t): Im omega < 0 decays).  For eps_s = +1 and no in-plane terms this is exactly spec Eq. 2.2.

General 2N form (spec 7).  With u = (beta^+_1..beta^+_N, beta^-_1..beta^-_N) in the *global* frame the
2N x 2N matrices are [[X^+, X^{+-}], [X^{-+}, X^-]], with the sigma blocks above on the diagonal and on-site
mixing blocks from the traceless in-plane anisotropy K_perp = [[p, q], [q, -p]] + iso and the in-plane inertia
I_perp = [[pI, qI], [qI, -pI]]:  Omega^{+-} = -(2 gamma/mu)(p + i q),  H^{+-} = pI + i qI  (and their conjugates
for -+).  In the global frame antiparallel sublattices (eps_s = -1) only flip the gyroscopic term
sigma eps_s; the local-frame form of spec 7 is related by swapping beta^+ <-> beta^- on those sublattices
(same spectrum).  The 2N problem gives omega^+(k) and omega^-(k) = -omega^+(-k)^* together (4N roots).

Solution (spec 6.1).  omega = x / tau with tau = max|H(k)| (1/max|Omega(k)| when H = 0), companion pencil
on z = (beta, x beta):

    [[0, 1], [tau Omega, C]] z = x [[1, 0], [0, H/tau]] z .

* H well conditioned (cond < COND_MAX): batched standard eigenproblem of [[0, 1], [tau H^-1 tau Omega, tau H^-1 C]]
  (numpy.linalg.eig on the whole (nk, 2N, 2N) stack);
* H singular (some eta = 0) or ill conditioned: batched shift-and-invert (A - s B)^-1 B with a fixed complex shift s;
  the N - rank(H) eigenvalues mu = 1/(x - s) closest to 0 are the infinite roots and are dropped
  (reported as NaN); equivalent to discarding the infinite eigenvalues of scipy.linalg.eig(A, B);
* ``method="pencil"``: the per-k scipy.linalg.eig(A, B) reference of spec 6.1.

Ordering (spec 2.4): precessional roots (sigma Re omega <= 0) first, then inertial (sigma Re omega > 0),
each by increasing |Re omega|; labels p1..pN, n1..nN.  Dropped infinite roots (NaN) close the inertial block.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ..errors import InputError
from .model import ModelArrays, SpinWaveModel

__all__ = ["Bands", "as_kpoints", "matrices", "matrix_derivatives", "general_matrices",
           "general_matrix_derivatives", "solve", "solve_general", "solve_qep", "companion_pencil"]

#: Relative singular-value threshold below which H(k) counts as singular (rank-deficient).
RANK_RTOL = 1e-10
#: Largest condition number of H(k) for the direct reduction H^-1 (else shift-and-invert is used).
COND_MAX = 1e4
#: Scaled complex shift of the shift-and-invert path (|x| ~ 1 are the scaled inertial roots).
SHIFT = 0.3718 + 0.9283j


def _arrays(model) -> ModelArrays:
    if isinstance(model, SpinWaveModel):
        return model.arrays
    if isinstance(model, ModelArrays):
        return model
    raise InputError(f"expected a SpinWaveModel, got {type(model).__name__}")


def as_kpoints(model, k) -> np.ndarray:
    """Validate k-points: shape (nk, dim) or (dim,) in rad/m, finite -> float array (nk, dim)."""
    arr = _arrays(model)
    kk = np.asarray(k, dtype=float)
    if kk.ndim == 1:
        kk = kk[None, :]
    if kk.ndim != 2 or kk.shape[1] != arr.dim:
        raise InputError(f"k-points must have shape (nk, {arr.dim}) for this {arr.dim}D model (rad/m), "
                         f"got shape {np.shape(k)}")
    if not np.all(np.isfinite(kk)):
        raise InputError("k-points must be finite")
    return kk


def _check_sigma(sigma):
    if sigma not in (1, -1):
        raise InputError(f"sigma must be +1 or -1, got {sigma!r}")
    return int(sigma)


# ------------------------------------------------------------------------------------------ matrices
def _bond_sums(arr, k, direction=None):
    """Fourier sums sum_delta p_delta e^{i k.delta} for p in (J, D, eta, xi, alpha): 5 arrays (nk, N, N).
    With ``direction`` (dim,), the directional derivative d/dk along it (factor i delta.direction).

    One real GEMM: e^{i k.delta} viewed as interleaved (cos, sin) pairs (nk, 2 nb) times a (2 nb, 2 M) scatter
    matrix of the bond parameters whose output columns are interleaved (Re, Im) pairs, i.e. complex (nk, M)."""
    nk, n, nb = k.shape[0], arr.n, len(arr.src)
    if nb == 0:
        z = np.zeros((nk, n, n), complex)
        return z, z, z, z, z
    params = np.stack([arr.J, arr.D, arr.bond_eta, arr.bond_xi, arr.bond_alpha], axis=1)  # (nb, 5)
    Q = (arr.bond_onehot[:, None, :] * params[:, :, None]).reshape(nb, -1)  # (nb, M = 5 N^2)
    Q2 = np.zeros((nb, 2, Q.shape[1], 2))  # [bond, cos|sin, column, Re|Im]
    if direction is None:  # Re = cos Q, Im = sin Q
        Q2[:, 0, :, 0] = Q2[:, 1, :, 1] = Q
    else:  # i w e^{i k.delta}: Re = -w sin Q, Im = w cos Q
        w = (arr.delta @ direction)[:, None]
        Q2[:, 1, :, 0], Q2[:, 0, :, 1] = -w * Q, w * Q
    phase = np.exp(1j * (k @ arr.delta.T))  # (nk, nb) complex = interleaved (cos, sin)
    out = (phase.view(float) @ Q2.reshape(2 * nb, -1)).view(complex).reshape(nk, 5, n, n)
    return tuple(out[:, j] for j in range(5))


def _onsite_energy(arr):
    """E0_s (J): diagonal of the energy Hessian per unit amplitude (spec 2.1 B^z_s times mu_s eps_s)."""
    n = arr.n
    jsum = np.zeros(n)
    np.add.at(jsum, arr.src, arr.J * arr.epsilon[arr.src] * arr.epsilon[arr.dst])
    iso = arr.K_perp[:, 0, 0] + arr.K_perp[:, 1, 1]
    return arr.mu * arr.epsilon * arr.field + 2 * arr.K - iso + jsum


def _sigma_blocks(arr, k, sigma, direction=None):
    Jk, Dk, Ek, Xk, Ak = _bond_sums(arr, k, direction)
    rate = (arr.gamma / arr.mu)[:, None]
    Omega = -rate * (Jk - 1j * sigma * Dk)
    H = Ek + 1j * sigma * Xk
    C = -1j * Ak
    if direction is None:  # on-site (k-independent) terms
        i = np.arange(arr.n)
        Omega[:, i, i] += arr.gamma / arr.mu * _onsite_energy(arr)
        H[:, i, i] += arr.eta + 1j * sigma * arr.xi
        C[:, i, i] += sigma * arr.epsilon - 1j * arr.alpha
    return Omega, H, C


def _require_sigma_separable(arr):
    if arr.mixes_circular_components:
        raise InputError("this model couples beta^+ and beta^- (in-plane K_perp or I_perp); "
                         "use solve_general / general_matrices (spec 7)")
    if not arr.ferromagnetic:
        raise InputError("the sigma formulation with p/n labels needs all sublattices along +z; "
                         "for antiparallel sublattices (epsilon = -1) use solve_general (spec 7)")


def matrices(model, k, sigma=1):
    """Omega^sigma(k) (rad/s), H^sigma(k) (s), C^sigma(k) (1), each (nk, N, N) complex (spec 2.2, 7)."""
    arr = _arrays(model)
    _require_sigma_separable(arr)
    return _sigma_blocks(arr, as_kpoints(arr, k), _check_sigma(sigma))


def matrix_derivatives(model, k, direction, sigma=1):
    """d/dk of (Omega, H, C) along the vector ``direction`` (dim,): units rad/s m, s m, m."""
    arr = _arrays(model)
    _require_sigma_separable(arr)
    d = _direction(arr, direction)
    return _sigma_blocks(arr, as_kpoints(arr, k), _check_sigma(sigma), d)


def _direction(arr, direction):
    d = np.asarray(direction, dtype=float).reshape(-1)
    if d.size != arr.dim or not np.all(np.isfinite(d)):
        raise InputError(f"direction must be a finite vector with {arr.dim} components, got {direction!r}")
    return d


def _general_blocks(arr, k, direction=None):
    n = arr.n
    Op, Hp, Cp = _sigma_blocks(arr, k, +1, direction)
    Om, Hm, Cm = _sigma_blocks(arr, k, -1, direction)
    nk = k.shape[0]
    Omega, H, C = (np.zeros((nk, 2 * n, 2 * n), complex) for _ in range(3))
    for big, (p, m) in zip((Omega, H, C), ((Op, Om), (Hp, Hm), (Cp, Cm))):
        big[:, :n, :n], big[:, n:, n:] = p, m
    if direction is None:  # on-site mixing blocks (spec 7)
        i = np.arange(n)
        pk = (arr.K_perp[:, 0, 0] - arr.K_perp[:, 1, 1]) / 2 + 1j * arr.K_perp[:, 0, 1]
        Omega[:, i, n + i] = -2 * arr.gamma / arr.mu * pk
        Omega[:, n + i, i] = -2 * arr.gamma / arr.mu * pk.conj()
        pi = arr.I_perp[:, 0, 0] + 1j * arr.I_perp[:, 0, 1]
        H[:, i, n + i] = pi
        H[:, n + i, i] = pi.conj()
    return Omega, H, C


def general_matrices(model, k):
    """2N x 2N (Omega, H, C) on u = (beta^+, beta^-) in the global frame (spec 7), each (nk, 2N, 2N)."""
    arr = _arrays(model)
    return _general_blocks(arr, as_kpoints(arr, k))


def general_matrix_derivatives(model, k, direction):
    """d/dk of the 2N matrices along ``direction`` (the mixing blocks are on-site: k independent)."""
    arr = _arrays(model)
    return _general_blocks(arr, as_kpoints(arr, k), _direction(arr, direction))


# ------------------------------------------------------------------------------------------- solver
def companion_pencil(Omega, H, C, tau):
    """Scaled companion pencil (A, B) of spec 6.1 for one k: omega = x / tau."""
    n = Omega.shape[-1]
    eye, zero = np.eye(n), np.zeros((n, n))
    A = np.block([[zero, eye], [tau * Omega, C]])
    B = np.block([[eye, zero], [zero, H / tau]])
    return A, B


def _scale_and_rank(Omega, H):
    """Per-k scale tau (s), numerical rank of H, and a mask of well-conditioned H (cond < COND_MAX).

    cond(H) <= ||H||_F^n / |det H| is the cheap test; the SVD is computed only where it fails."""
    n = H.shape[-1]
    hmax = np.abs(H).max(axis=(-2, -1))
    omax = np.abs(Omega).max(axis=(-2, -1))
    tau = np.where(hmax > 0, hmax, 1.0 / np.where(omax > 0, omax, 1.0))
    Hs = H / tau[:, None, None]
    bound = np.linalg.norm(Hs, axis=(-2, -1)) ** n
    well = (hmax > 0) & (np.abs(np.linalg.det(Hs)) * COND_MAX > bound)
    rank = np.where(hmax > 0, n, 0)
    check = ~well & (hmax > 0)
    if np.any(check):
        sv = np.linalg.svd(H[check], compute_uv=False)
        rank[check] = np.sum(sv > RANK_RTOL * sv[..., :1], axis=-1)
    return tau, rank, well


def _eig(M, vectors):
    if vectors:
        return np.linalg.eig(M)
    return np.linalg.eigvals(M), None


def solve_qep(Omega, H, C, *, vectors=True, method="auto"):
    """Roots of det[omega^2 H - omega C - Omega] = 0 for a stack of k (spec 6.1, 7).

    Omega, H, C: (nk, n, n) complex in rad/s, s, 1.  Returns (omega (nk, 2n) complex rad/s with NaN for
    infinite roots, unsorted; beta vectors (nk, n, 2n) with unit columns or None; rank of H (nk,)).
    ``method``: "auto" (batched companion / shift-invert), "pencil" (per-k scipy.linalg.eig(A, B)).
    """
    if method not in ("auto", "pencil"):
        raise InputError(f"method must be 'auto' or 'pencil', got {method!r}")
    nk, n = Omega.shape[0], Omega.shape[-1]
    tau, rank, well = _scale_and_rank(Omega, H)
    x = np.full((nk, 2 * n), np.nan + 0j)
    z = np.zeros((nk, 2 * n, 2 * n), complex) if vectors else None
    t = tau[:, None, None]
    if method == "pencil":
        for i in range(nk):
            A, B = companion_pencil(Omega[i], H[i], C[i], tau[i])
            res = scipy.linalg.eig(A, B, right=vectors, homogeneous_eigvals=True)
            (al, be), v = (res[0], res[1]) if vectors else (res, None)
            keep = np.argsort(-np.abs(be) / np.maximum(np.abs(al), np.finfo(float).tiny))[: n + rank[i]]
            x[i, : n + rank[i]] = al[keep] / be[keep]
            if vectors:
                z[i, :, : n + rank[i]] = v[:, keep]
    else:
        reg = well
        if np.any(reg):
            Hs = H[reg] / t[reg]
            rhs = np.concatenate([t[reg] * Omega[reg], C[reg]], axis=-1)
            sol = np.linalg.solve(Hs, rhs)
            m = np.zeros((int(reg.sum()), 2 * n, 2 * n), complex)
            m[:, :n, n:] = np.eye(n)
            m[:, n:, :] = sol
            x[reg], zr = _eig(m, vectors)
            if vectors:
                z[reg] = zr
        sing = ~reg
        if np.any(sing):
            ns = int(sing.sum())
            eye = np.broadcast_to(np.eye(n), (ns, n, n))
            A = np.zeros((ns, 2 * n, 2 * n), complex)
            A[:, :n, n:] = eye
            A[:, n:, :n] = t[sing] * Omega[sing]
            A[:, n:, n:] = C[sing]
            B = np.zeros_like(A)
            B[:, :n, :n] = eye
            B[:, n:, n:] = H[sing] / t[sing]
            mu, zs = _eig(np.linalg.solve(A - SHIFT * B, B), vectors)
            order = np.argsort(-np.abs(mu), axis=-1)  # infinite roots <-> mu = 0 come last
            mu = np.take_along_axis(mu, order, -1)
            with np.errstate(divide="ignore", invalid="ignore"):
                xs = SHIFT + 1.0 / mu
            ninf = (n - rank[sing])[:, None]
            xs[np.arange(2 * n)[None, :] >= 2 * n - ninf] = np.nan
            x[sing] = xs
            if vectors:
                z[sing] = np.take_along_axis(zs, order[:, None, :], -1)
    omega = x / tau[:, None]
    beta = None
    if vectors:
        beta = z[:, :n, :]
        norm = np.linalg.norm(beta, axis=1, keepdims=True)
        beta = beta / np.where(norm > 0, norm, 1.0)
        beta[np.broadcast_to(np.isnan(omega)[:, None, :], beta.shape)] = np.nan
    return omega, beta, rank


# ------------------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class Bands:
    """Spin-wave roots at a set of k-points.

    k: (nk, dim) rad/m; omega: (nk, nroots) complex rad/s (NaN: infinite root, eta = 0);
    labels: one per column; vectors: beta part of the eigenvectors (nk, n, nroots) with unit columns
    (sublattice order; for the general form (beta^+_s..., beta^-_s...)) or None; sigma: +1/-1, or None for
    the general 2N form; consistent: (nk,) True where the p/n classification found N precessional and
    rank(H) inertial roots (spec 2.4).
    """

    k: np.ndarray
    omega: np.ndarray
    labels: tuple
    vectors: np.ndarray | None
    sigma: int | None
    consistent: np.ndarray

    def index(self, label) -> int:
        try:
            return self.labels.index(label)
        except ValueError:
            raise InputError(f"unknown band {label!r}; bands: {list(self.labels)}") from None

    def __getitem__(self, label) -> np.ndarray:
        """Complex omega (rad/s) of band ``label`` at every k."""
        return self.omega[:, self.index(label)]

    @property
    def frequency(self) -> np.ndarray:
        """|Re omega| / 2 pi in Hz (spec 2.2), shape (nk, nroots)."""
        return np.abs(self.omega.real) / (2 * np.pi)

    @property
    def thz(self) -> np.ndarray:
        """|Re omega| / 2 pi in THz."""
        return self.frequency * 1e-12


def _labels(n):
    return tuple(f"p{j + 1}" for j in range(n)) + tuple(f"n{j + 1}" for j in range(n))


def solve(model, k, sigma=1, *, vectors=True, method="auto") -> Bands:
    """Bands omega^sigma(k) of a model without beta^+/beta^- mixing (spec 2.2-2.4, 6.1, 6.2).

    k: (nk, dim) or (dim,) in rad/m.  Returns :class:`Bands` with 2N roots per k, ordered as
    p1..pN (precessional, sigma Re omega <= 0) then n1..nN (inertial), each by increasing |Re omega|.
    """
    arr = _arrays(model)
    _require_sigma_separable(arr)
    sigma = _check_sigma(sigma)
    kk = as_kpoints(arr, k)
    Omega, H, C = _sigma_blocks(arr, kk, sigma)
    omega, beta, rank = solve_qep(Omega, H, C, vectors=vectors, method=method)
    finite = ~np.isnan(omega)
    cls = np.where(finite, np.where(sigma * omega.real > 0, 1, 0), 2)
    key = np.where(finite, np.abs(omega.real), np.inf)
    order = np.lexsort((key, cls), axis=-1)
    omega = np.take_along_axis(omega, order, -1)
    if beta is not None:
        beta = np.take_along_axis(beta, order[:, None, :], -1)
    n = arr.n
    consistent = (np.sum(cls == 0, axis=-1) == n) & (np.sum(cls == 1, axis=-1) == rank)
    return Bands(k=kk, omega=omega, labels=_labels(n), vectors=beta, sigma=sigma, consistent=consistent)


def solve_general(model, k, *, vectors=True, method="auto") -> Bands:
    """All 4N roots of the general 2N formulation (spec 7), sorted by Re omega (NaN last).

    Works for any model (antiparallel sublattices, in-plane anisotropy K_perp, in-plane inertia I_perp).
    Without mixing terms the roots are the union of solve(sigma=+1) and solve(sigma=-1) at the same k.
    Labels m1..m4N; ``consistent`` is True where 2N + rank(H) finite roots were found.
    """
    arr = _arrays(model)
    kk = as_kpoints(arr, k)
    Omega, H, C = _general_blocks(arr, kk)
    omega, beta, rank = solve_qep(Omega, H, C, vectors=vectors, method=method)
    key = np.where(np.isnan(omega), np.inf, omega.real)
    order = np.argsort(key, axis=-1, kind="stable")
    omega = np.take_along_axis(omega, order, -1)
    if beta is not None:
        beta = np.take_along_axis(beta, order[:, None, :], -1)
    labels = tuple(f"m{j + 1}" for j in range(4 * arr.n))
    consistent = np.sum(~np.isnan(omega), axis=-1) == 2 * arr.n + rank
    return Bands(k=kk, omega=omega, labels=labels, vectors=beta, sigma=None, consistent=consistent)
