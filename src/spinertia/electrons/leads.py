"""Leads: self-energies Sigma(E) of semi-infinite leads, the wide-band limit and rotated leads.

Every lead exposes

* ``self_energy(E)``: dense Sigma^r(E) on its interface orbitals (units of t), for real E or E in the
  upper half plane (the analytic continuation used by the equilibrium contour);
* ``gamma(E) = i (Sigma - Sigma^dagger)``, and ``gamma_factor(E)``: W with Gamma = W W^dagger (the columns
  of W are the open channels, so W^dagger G W is the Fisher-Lee transmission amplitude in the
  eigenchannel basis of Gamma);
* ``interface_size(n)``: how many region orbitals it couples to.

Results are cached per energy (the RGF calls a lead once per energy).

Semi-infinite lead (cells j = 0, 1, 2, ... away from the region, H_{j, j+1} = h1, cell Hamiltonian h0,
coupling V = H_{region, cell 0}): Sigma = V g V^dagger with the surface Green's function
g = (E - h0 - h1 g h1^dagger)^{-1}, computed

* ``method="channels"`` (h1 = c * identity, e.g. any square-lattice strip, normal or ferromagnetic):
  exactly, from the eigenchannels of h0: g = U diag(g_n) U^dagger with the retarded root
  g_n = (x - sqrt(x - 2|c|) sqrt(x + 2|c|)) / (2 |c|^2), x = E - eps_n; continuous at the band edges
  x = +-2|c| (the channel at its threshold has zero width);
* ``method="modes"`` (general h1): from the right-going Bloch modes of the quadratic eigenvalue problem
  (h1^dagger / lambda + h0 - E + h1 lambda) phi = 0 (decaying |lambda| < 1, or |lambda| = 1 with positive
  group velocity, degenerate modes resolved by diagonalizing the current), g = (E - h0 - h1 F)^{-1},
  F = Phi Lambda Phi^{-1}; an energy within ~1e-12 t of a band edge (a mode with zero velocity) raises
  InputError;
* ``method="decimation"`` (Lopez Sancho et al. 1985), for E with Im E > 0 only.

All three satisfy the surface Dyson equation to round-off (tests check it to 1e-12).
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import scipy.linalg as sla

from ..errors import InputError
from .tightbinding import PAULI, spin_rotation

__all__ = ["SemiInfiniteLead", "WideBandLead", "RotatedLead", "AttachedLead", "xu2023_eq7_rotation"]

_CACHE_SIZE = 512


def _energy(E):
    try:
        z = complex(E)
    except (TypeError, ValueError):
        raise InputError(f"energy must be a number (units of t), got {E!r}") from None
    if not (np.isfinite(z.real) and np.isfinite(z.imag)):
        raise InputError(f"energy must be finite, got {E!r}")
    if z.imag < 0:
        raise InputError(f"retarded self-energies need Im E >= 0, got E = {z}; use the Hermitian conjugate for the "
                         "advanced one")
    return z


def _hermitian(M, name):
    M = np.asarray(M, dtype=complex)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise InputError(f"{name} must be a square matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise InputError(f"{name} must be finite")
    err = np.abs(M - M.conj().T).max(initial=0.0)
    if err > 1e-12 * max(1.0, np.abs(M).max(initial=0.0)):
        raise InputError(f"{name} is not Hermitian (max |M - M^dagger| = {err:.3g})")
    return 0.5 * (M + M.conj().T)


def _factor(G, ref=1.0, tol=1e-13):
    """W with G = W W^dagger for a Hermitian positive semi-definite G; eigenvalues below tol * scale are
    dropped (scale = max(|G|, ref), ref the size of the self-energy it came from)."""
    G = 0.5 * (G + G.conj().T)
    w, v = np.linalg.eigh(G)
    scale = max(np.abs(w).max(initial=0.0), float(ref), 1e-300)
    if w.min(initial=0.0) < -1e-9 * scale:
        raise InputError(f"Gamma has a negative eigenvalue {w.min():.3g}: the self-energy is not retarded")
    keep = w > tol * scale
    return v[:, keep] * np.sqrt(w[keep])[None, :]


class Lead:
    """Base class: energy cache, gamma and gamma_factor from ``_compute(z) -> (Sigma, W)``."""

    def __init__(self):
        self._cache = OrderedDict()

    def _get(self, E):
        z = _energy(E)
        hit = self._cache.get(z)
        if hit is None:
            hit = self._compute(z)
            if not np.all(np.isfinite(hit[0])):
                raise InputError(f"the lead self-energy at E = {z} is not finite (an energy on a lead band edge or a "
                                 "singular lead); shift the energy slightly")
            self._cache[z] = hit
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(z)
        return hit

    def clear_cache(self):
        self._cache.clear()

    def self_energy(self, E):
        """Retarded self-energy Sigma(E) on the interface orbitals (dense, units of t)."""
        return self._get(E)[0]

    def gamma(self, E):
        """Broadening Gamma(E) = i (Sigma - Sigma^dagger) (dense, Hermitian, positive semi-definite)."""
        S = self.self_energy(E)
        return 1j * (S - S.conj().T)

    def gamma_factor(self, E):
        """W (n_interface x n_channels) with Gamma(E) = W W^dagger."""
        return self._get(E)[1]

    def n_channels(self, E):
        """Number of open channels (rank of Gamma) at E."""
        return self.gamma_factor(E).shape[1]

    def interface_size(self, n_region):
        return self.n_interface


class SemiInfiniteLead(Lead):
    """Semi-infinite periodic lead (see the module docstring for the convention of h0, h1, coupling).

    Parameters
    ----------
    h0 : (n, n) array
        Hamiltonian of one lead cell (units of t, Hermitian).
    h1 : (n, n) array
        Hopping H_{j, j+1} from a cell to the next one further away from the region.
    coupling : (n_interface, n) array, optional
        H_{region, cell 0}; default ``h1`` (the lead continues the region's own inter-layer hopping).
    method : 'auto' | 'channels' | 'modes' | 'decimation'
        Surface Green's function algorithm; 'auto' takes 'channels' when h1 is a multiple of the
        identity, else 'modes'.
    """

    def __init__(self, h0, h1, coupling=None, method="auto"):
        super().__init__()
        self.h0 = _hermitian(h0, "lead cell Hamiltonian h0")
        n = self.h0.shape[0]
        h1 = np.asarray(h1, dtype=complex)
        if h1.shape != (n, n) or not np.all(np.isfinite(h1)):
            raise InputError(f"lead hopping h1 must be a finite {n}x{n} matrix like h0, got shape {h1.shape}")
        if not np.any(h1):
            raise InputError("lead hopping h1 is zero: the lead would not conduct")
        self.h1 = h1
        V = h1 if coupling is None else np.asarray(coupling, dtype=complex)
        if V.ndim != 2 or V.shape[1] != n or not np.all(np.isfinite(V)):
            raise InputError(f"lead coupling must be a finite (n_interface, {n}) matrix, got shape {V.shape}")
        self.coupling = V
        self.n_cell = n
        self.n_interface = V.shape[0]
        c = h1[0, 0]
        scalar = np.allclose(h1, c * np.eye(n), rtol=0, atol=1e-14 * max(1.0, abs(c)))
        if method == "auto":
            method = "channels" if scalar else "modes"
        if method not in ("channels", "modes", "decimation"):
            raise InputError(f"unknown lead method {method!r}; use 'auto', 'channels', 'modes' or 'decimation'")
        if method == "channels" and not scalar:
            raise InputError("method='channels' needs h1 = c * identity; use method='modes' for this lead")
        self.method = method
        if method == "channels":
            self._c = abs(c)
            self._eps, self._U = np.linalg.eigh(self.h0)
            self._VU = self.coupling @ self._U
        self.spin_collinear_z = _commutes_with_sz(self.h0) and _commutes_with_sz(self.h1) and \
            _commutes_with_sz(self.coupling)

    # -- constructors ----------------------------------------------------------------------------
    @classmethod
    def strip(cls, width, hopping=1.0, onsite=0.0, exchange=0.0, direction=(0.0, 0.0, 1.0), periodic=False):
        """Square-lattice strip lead, ``width`` sites across (y), spinful (orbital 2 y + spin).

        Parameters
        ----------
        width : int
            Sites per cell (the width of the region's layer it attaches to).
        hopping : float
            Hopping t (H = -t on the bonds along and across the strip).
        onsite : float
            On-site energy (4t puts the clean band at [0, 8]).
        exchange : float
            Ferromagnetic lead: J sigma . n on every site (0: normal lead).
        direction : 3-vector
            n, the lead magnetization direction.
        periodic : bool
            Periodic boundary across the strip.
        """
        W = int(width)
        if W != width or W < 1:
            raise InputError(f"strip width must be a positive integer (sites), got {width!r}")
        t = float(hopping)
        h = np.zeros((W, W), dtype=complex)
        for y in range(W - 1):
            h[y, y + 1] = h[y + 1, y] = -t
        if periodic and W > 2:
            h[0, W - 1] = h[W - 1, 0] = -t
        spin = float(onsite) * np.eye(2) + float(exchange) * np.einsum("a,aij->ij", _unit(direction), PAULI)
        h0 = np.kron(h, np.eye(2)) + np.kron(np.eye(W), spin)
        return cls(h0, -t * np.eye(2 * W))

    @classmethod
    def from_system(cls, fsys, side, exchange=0.0, direction=(0.0, 0.0, 1.0), method="auto"):
        """The lead that continues the region's edge layer (its static Hamiltonian without the exchange and
        the gates), normal or ferromagnetic (``exchange`` J sigma . n on every site, along ``direction``).
        ``side`` 'left' (cells extend to -x) or 'right'."""
        if side not in ("left", "right"):
            raise InputError(f"side must be 'left' or 'right', got {side!r}")
        if fsys.n_layers < 2:
            raise InputError("from_system needs at least two layers to read the inter-layer hopping")
        diag, up = fsys.layer_blocks(exchange=False, gates=False)
        if side == "left":
            h0, U = diag[0], up[0]
            h1 = U.conj().T
        else:
            h0, U = diag[-1], up[-1]
            h1 = U
        if h0.shape != U.shape:
            raise InputError("the edge layers of the region differ in size; build the lead from explicit h0, h1")
        n_sites = h0.shape[0] // 2
        if exchange:
            spin = float(exchange) * np.einsum("a,aij->ij", _unit(direction), PAULI)
            h0 = h0 + np.kron(np.eye(n_sites), spin)
        return cls(h0, h1, method=method)

    # -- surface Green's function ----------------------------------------------------------------
    def surface_green(self, E):
        """Surface Green's function g(E) of the isolated lead (n_cell x n_cell)."""
        z = _energy(E)
        if self.method == "channels":
            gn = self._channel_g(z)
            return (self._U * gn[None, :]) @ self._U.conj().T
        if self.method == "modes":
            return self._modes_g(z)
        return self._decimation_g(z)

    def band_edges(self, n_k=256):
        """Sorted band edges (extrema of the bands E_n(k) of h0 + h1 e^{ik} + h1^dagger e^{-ik}, units of t).

        Exact for 'channels' leads (eps_n +- 2|c|); otherwise the local extrema of the sorted bands on a
        k grid refined by Brent's method (break points for energy quadratures)."""
        if self.method == "channels":
            return np.unique(np.concatenate([self._eps - 2 * self._c, self._eps + 2 * self._c]))
        if getattr(self, "_edges", None) is not None:
            return self._edges
        from scipy.optimize import minimize_scalar

        def bands(k):
            return np.linalg.eigvalsh(self.h0 + self.h1 * np.exp(1j * k) + self.h1.conj().T * np.exp(-1j * k))

        ks = np.linspace(-np.pi, np.pi, n_k + 1)[:-1]
        Eb = np.array([bands(k) for k in ks])
        dk = ks[1] - ks[0]
        edges = [Eb.min(), Eb.max()]
        for b in range(self.n_cell):
            e = Eb[:, b]
            for i in range(n_k):
                lo, mid, hi = e[i - 1], e[i], e[(i + 1) % n_k]
                for sgn in (1.0, -1.0):
                    if sgn * mid <= sgn * lo and sgn * mid <= sgn * hi:
                        res = minimize_scalar(lambda k: sgn * bands(k)[b], bracket=(ks[i] - dk, ks[i], ks[i] + dk),
                                              tol=1e-12)
                        edges.append(sgn * res.fun)
        self._edges = np.unique(np.round(edges, 12))
        return self._edges

    def dyson_residual(self, E):
        """max |g - (E - h0 - h1 g h1^dagger)^{-1}| (tests: round-off)."""
        z = _energy(E)
        g = self.surface_green(z)
        rhs = np.linalg.inv(z * np.eye(self.n_cell) - self.h0 - self.h1 @ g @ self.h1.conj().T)
        return float(np.abs(g - rhs).max())

    def _channel_g(self, z):
        c = self._c
        x = z - self._eps
        gn = (x - np.sqrt(x - 2 * c + 0j) * np.sqrt(x + 2 * c + 0j)) / (2 * c * c)
        return gn

    def _compute(self, z):
        if self.method == "channels":
            gn = self._channel_g(z)
            S = (self._VU * gn[None, :]) @ self._VU.conj().T
            w = -2 * gn.imag
            keep = w > 1e-14 * max(w.max(initial=0.0), 1e-300)
            W = self._VU[:, keep] * np.sqrt(w[keep])[None, :]
            return S, W
        g = self.surface_green(z)
        S = self.coupling @ g @ self.coupling.conj().T
        return S, _factor(1j * (S - S.conj().T), ref=np.abs(S).max(initial=0.0))

    def _modes_g(self, z):
        n = self.n_cell
        h0, h1 = self.h0, self.h1
        Z = np.zeros((n, n), dtype=complex)
        Id = np.eye(n)
        A = np.block([[Z, Id], [-h1.conj().T, z * Id - h0]])
        B = np.block([[Id, Z], [Z, h1]])
        lam, vec = sla.eig(A, B)
        phi = vec[:n]
        finite = np.isfinite(lam)
        lam_f = np.where(finite, lam, np.inf)
        absl = np.abs(lam_f)
        scale = max(1.0, np.abs(h0).max(), np.abs(h1).max())
        tol = 1e-7
        decaying = finite & (absl < 1 - tol)
        prop = finite & (np.abs(absl - 1) <= tol)
        cols = list(np.flatnonzero(decaying))
        lams = list(lam[decaying])
        idx = np.flatnonzero(prop)
        used = np.zeros(len(idx), dtype=bool)
        for a in range(len(idx)):
            if used[a]:
                continue
            grp = [b for b in range(len(idx)) if not used[b] and abs(lam[idx[b]] - lam[idx[a]]) < 1e-6]
            for b in grp:
                used[b] = True
            P = phi[:, idx[grp]]
            P = np.linalg.qr(P)[0]
            lg = lam[idx[a]]
            M = lg * (P.conj().T @ h1 @ P)
            V = 1j * (M - M.conj().T)
            v, u = np.linalg.eigh(V)
            if np.any(np.abs(v) < 1e-6 * scale):
                raise InputError(f"E = {z} lies on a band edge of the lead (within ~1e-12 t: a propagating mode has "
                                 "zero velocity and the mode method loses its accuracy); shift the energy by ~1e-10 t, "
                                 "give it a small positive imaginary part, or use a 'channels' lead (continuous at "
                                 "band edges)")
            for k in np.flatnonzero(v > 0):
                cols.append(P @ u[:, k])
                lams.append(lg)
        if len(lams) != n:
            raise InputError(f"the lead has {len(lams)} right-going modes instead of {n} at E = {z} (an energy on a "
                             "band edge, or a singular hopping); shift the energy slightly or use "
                             "method='decimation' with a complex energy")
        Phi = np.column_stack([phi[:, c] if np.ndim(c) == 0 else c for c in cols])
        if np.linalg.cond(Phi) > 1e11:
            raise InputError(f"the lead modes at E = {z} are nearly degenerate (energy at a band edge?); shift the "
                             "energy slightly")
        F = Phi @ np.diag(lams) @ np.linalg.inv(Phi)
        return np.linalg.inv(z * Id - h0 - h1 @ F)

    def _decimation_g(self, z, max_iter=200):
        if z.imag <= 0:
            raise InputError("method='decimation' needs Im E > 0 (it does not converge on the real axis); use "
                             "'modes' or 'channels' for real energies")
        n = self.n_cell
        Id = np.eye(n)
        alpha = self.h1.copy()
        beta = self.h1.conj().T.copy()
        eps_s = self.h0.copy()
        eps = self.h0.copy()
        scale = max(1.0, np.abs(self.h1).max())
        for _ in range(max_iter):
            g = np.linalg.inv(z * Id - eps)
            agb = alpha @ g @ beta
            bga = beta @ g @ alpha
            eps_s = eps_s + agb
            eps = eps + agb + bga
            alpha = alpha @ g @ alpha
            beta = beta @ g @ beta
            if np.abs(alpha).max() + np.abs(beta).max() < 1e-16 * scale:
                return np.linalg.inv(z * Id - eps_s)
        raise InputError(f"lead decimation did not converge in {max_iter} iterations at E = {z}; use method='modes'")

    def describe(self):
        return {"kind": "semi-infinite", "n_cell": self.n_cell, "n_interface": self.n_interface,
                "method": self.method}


class WideBandLead(Lead):
    """Wide-band lead: Sigma = -i Gamma / 2, independent of energy.

    Parameters
    ----------
    gamma : float, (2, 2), (n,) or (n, n) array
        Gamma (units of t): a scalar times the identity, a 2x2 spin matrix repeated on every spinful
        orbital pair (e.g. Gamma_0 (1 + p sigma . n) for a ferromagnetic wide-band lead), the diagonal, or
        the full Hermitian positive semi-definite matrix.
    """

    def __init__(self, gamma):
        super().__init__()
        g = np.asarray(gamma, dtype=complex)
        if not np.all(np.isfinite(g)):
            raise InputError("wide-band gamma must be finite")
        if g.ndim == 0:
            if g.real < 0 or g.imag != 0:
                raise InputError(f"wide-band gamma must be real and >= 0, got {gamma!r}")
        elif g.ndim == 1:
            if np.any(g.imag != 0) or np.any(g.real < 0):
                raise InputError("a diagonal wide-band gamma must be real and >= 0")
        elif g.ndim == 2:
            g = _hermitian(g, "wide-band gamma")
            if np.linalg.eigvalsh(g).min() < -1e-12 * max(1.0, np.abs(g).max()):
                raise InputError("wide-band gamma must be positive semi-definite (a retarded self-energy)")
        else:
            raise InputError(f"wide-band gamma must be a scalar, a vector or a matrix, got shape {g.shape}")
        self._gamma = g
        self.n_interface = None if g.ndim == 0 or g.shape == (2, 2) else g.shape[0]
        self._n = self.n_interface
        self.spin_collinear_z = g.ndim < 2 or _commutes_with_sz(g)

    def interface_size(self, n_region):
        if self.n_interface is None:
            if self._n is not None and self._n != n_region:
                raise InputError(f"this wide-band lead is already attached to an interface of {self._n} orbitals; "
                                 "create one WideBandLead per interface")
            if self._gamma.shape == (2, 2) and n_region % 2:
                raise InputError("a 2x2 (spin) wide-band gamma needs an interface of spinful orbital pairs")
            self._n = n_region
            self._cache.clear()
            return n_region
        return self.n_interface

    def gamma_matrix(self):
        g, n = self._gamma, self._n
        if n is None:
            raise InputError("attach the wide-band lead (fsys.attach_lead) before asking for its self-energy, or "
                             "give gamma as a vector/matrix")
        if g.ndim == 0:
            return g.real * np.eye(n)
        if g.shape == (2, 2) and self.n_interface is None:
            return np.kron(np.eye(n // 2), g)
        if g.ndim == 1:
            return np.diag(g.real).astype(complex)
        return g

    def _compute(self, z):
        G = self.gamma_matrix().astype(complex)
        return -0.5j * G, _factor(G)

    def describe(self):
        return {"kind": "wide-band", "n_interface": self._n}


class RotatedLead(Lead):
    """A lead whose spin axes are rotated: Sigma = U Sigma_0 U^dagger, U = kron(1, spin_rotation(m)).

    For a ferromagnetic lead magnetized along z, the rotated lead is magnetized along ``direction``
    (tests check it against the same lead built with its exchange along m).  This is the rotated-lead form
    of Xu et al. 2023, App. A (Sigma(t) = R^dagger Sigma_0 R): the printed R of their Eq. 7,
    exp(-i theta sigma_y/2) exp(-i phi sigma_z/2), gives R^dagger sigma_z R = sigma . (-sin theta cos phi,
    sin theta sin phi, cos theta), i.e. the direction (-theta, -phi); ``spin_rotation`` uses the factors in
    the order exp(-i phi sigma_z/2) exp(-i theta sigma_y/2) so that m = (theta, phi) (see
    :func:`xu2023_eq7_rotation`).
    """

    def __init__(self, lead, direction):
        super().__init__()
        if not isinstance(lead, Lead):
            raise InputError("RotatedLead wraps a SemiInfiniteLead or WideBandLead")
        self.base = lead
        self.direction = _unit(direction)
        self.u = spin_rotation(self.direction)
        self.n_interface = lead.n_interface
        self.spin_collinear_z = bool(np.allclose(np.abs(self.direction[2]), 1.0))

    @classmethod
    def from_angles(cls, lead, theta, phi):
        """Rotated lead magnetized along (sin theta cos phi, sin theta sin phi, cos theta)."""
        return cls(lead, (np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)))

    def interface_size(self, n_region):
        n = self.base.interface_size(n_region)
        if n % 2:
            raise InputError("a rotated lead needs a spinful interface (an even number of orbitals)")
        self.n_interface = n
        self._cache.clear()
        return n

    def _compute(self, z):
        S0, W0 = self.base._get(z)
        U = np.kron(np.eye(S0.shape[0] // 2), self.u)
        return U @ S0 @ U.conj().T, U @ W0

    def describe(self):
        return {"kind": "rotated", "direction": self.direction.tolist(), "base": self.base.describe()}


def xu2023_eq7_rotation(theta, phi):
    """The rotation matrix as printed in Xu et al. 2023, Eq. 7: exp(-i theta sigma_y/2) exp(-i phi sigma_z/2).

    Kept for comparison: R^dagger sigma_z R = sigma . (-sin theta cos phi, sin theta sin phi, cos theta), not
    sigma . m(theta, phi); :func:`spinertia.electrons.tightbinding.spin_rotation` is the consistent one."""
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[np.exp(-0.5j * phi) * c, -np.exp(0.5j * phi) * s],
                     [np.exp(-0.5j * phi) * s, np.exp(0.5j * phi) * c]])


class AttachedLead:
    """A lead attached to a finalized system: the lead and the region orbitals it couples to
    (``interface``, in the order of the lead's self-energy); self_energy, gamma and gamma_factor delegate
    to the lead."""

    def __init__(self, lead, interface, side=None):
        self.lead = lead
        self.interface = np.asarray(interface, dtype=np.int64)
        self.side = side

    def self_energy(self, E):
        return self.lead.self_energy(E)

    def gamma(self, E):
        return self.lead.gamma(E)

    def gamma_factor(self, E):
        return self.lead.gamma_factor(E)

    def describe(self):
        d = self.lead.describe()
        d.update({"side": self.side, "n_interface_orbitals": int(len(self.interface))})
        return d


def _unit(v):
    a = np.asarray(v, dtype=float)
    if a.shape != (3,) or not np.all(np.isfinite(a)) or np.linalg.norm(a) == 0:
        raise InputError(f"direction must be a finite non-zero 3-vector, got {np.asarray(v).tolist()}")
    return a / np.linalg.norm(a)


def _commutes_with_sz(M):
    """True if M (spinful, orbital index 2 k + spin) has no spin-flip elements."""
    M = np.asarray(M)
    if M.ndim != 2 or M.shape[0] % 2 or M.shape[1] % 2:
        return False
    return not (np.any(M[0::2, 1::2]) or np.any(M[1::2, 0::2]))
