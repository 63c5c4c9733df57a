"""Recursive Green's functions (RGF) along the transport direction, and the dense reference.

The region is cut into layers k = 0 .. N-1 (``FinalizedTightBinding.layers``); H is block tridiagonal
with blocks H_kk and H_{k,k+1}.  The retarded Green's function G(z) = (z - H - Sigma_leads)^{-1} is
obtained from one forward sweep of left-connected functions

    gL_0 = A_0^{-1},   gL_k = (A_k - H_{k,k-1} gL_{k-1} H_{k-1,k})^{-1},   A_k = z - H_kk - Sigma_k,

(N inverses of the layer size; a coupling that is a multiple of the identity or diagonal, as on a
square lattice, is applied elementwise) and backward sweeps for what is asked:

* the lead columns G W_p (W_p W_p^dagger = Gamma_p, or the interface identity): for a source on layer m,
  P_m = gL_m W, P_k = gL_k H_{k,k-1} P_{k-1} (k > m) forward, and G_{k,m} W = [k >= m] P_k +
  gL_k H_{k,k+1} G_{k+1,m} W backward (all leads' columns stacked in one matrix product per layer);
* the diagonal blocks G_kk = gL_k + gL_k H_{k,k+1} G_{k+1,k+1} H_{k+1,k} gL_k;
* any block G_ij from these (G_ij = gL_i H_{i,i+1} G_{i+1,j} for i < j,
  G_ij = G_ii H_{i,i-1} gL_{i-1} ... gL_j for i > j).

From the lead columns: transmission T_pq = Tr[Gamma_p G Gamma_q G^dagger] = ||W_p^dagger G W_q||^2
(Caroli; Fisher-Lee S_pq = -delta_pq + i W_p^dagger G W_q in the eigenchannel basis of Gamma), and the
lead-resolved spectral functions A_p = G Gamma_p G^dagger restricted to site-diagonal blocks (spin density,
spin-resolved DOS of scattering states).  Energies in units of t; complex energies (Im z > 0) are
allowed everywhere (equilibrium contour).

:func:`retarded_dense` and :func:`lesser_dense` invert the whole matrix: test references only.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

from ..errors import InputError
from ..numerics.blas import one_blas_thread
from .leads import _energy

__all__ = ["RGF", "RGFSolution", "GreenJets", "jet_mul", "jet_add", "jet_adjoint", "retarded_dense", "lesser_dense",
           "self_energy_dense"]

_getrf, _getri = lapack.zgetrf, lapack.zgetri


def self_energy_dense(fsys, E):
    """Sum of the attached leads' self-energies as a dense (n_orb x n_orb) matrix."""
    z = _energy(E)
    S = np.zeros((fsys.n_orb, fsys.n_orb), dtype=complex)
    for al in fsys.leads:
        S[np.ix_(al.interface, al.interface)] += al.lead.self_energy(z)
    return S


def retarded_dense(fsys, E, t=0.0):
    """Dense G^r(E) = (E - H(t) - Sigma)^{-1} of the whole region (test reference; O(n_orb^3))."""
    z = _energy(E)
    H = fsys.hamiltonian(t).toarray()
    M = z * np.eye(fsys.n_orb) - H - self_energy_dense(fsys, z)
    return _inv(np.asfortranarray(M), z)


def lesser_dense(fsys, E, occupations, t=0.0):
    """Dense G^<(E) = i G (sum_p f_p Gamma_p) G^dagger for lead occupations f_p (test reference)."""
    z = _energy(E)
    f = np.broadcast_to(np.asarray(occupations, dtype=float), (len(fsys.leads),))
    G = retarded_dense(fsys, z, t)
    Gam = np.zeros((fsys.n_orb, fsys.n_orb), dtype=complex)
    for fp, al in zip(f, fsys.leads):
        Gam[np.ix_(al.interface, al.interface)] += fp * al.lead.gamma(z)
    return 1j * G @ Gam @ G.conj().T


def _inv(A, z):
    """A^{-1} by LAPACK getrf/getri (A is overwritten)."""
    lu, piv, info = _getrf(A, overwrite_a=True)
    if info == 0:
        out, info = _getri(lu, piv, overwrite_lu=True)
    if info != 0 or not np.all(np.isfinite(out)):
        raise InputError(f"E - H - Sigma is singular at E = {z}: the energy coincides with a bound state of the "
                         "region (no lead broadens it); give the energy a small positive imaginary part or "
                         "move it")
    return out


class _Coupling:
    """H_{k,k+1} = U with fast paths for U = c 1 and U diagonal."""

    def __init__(self, U):
        self.U = U
        n, m = U.shape
        self.kind = "full"
        if n == m:
            d = np.diag(U)
            off = U - np.diag(d)
            if not np.any(off):
                if np.all(d == d[0]):
                    self.kind, self.c = "scalar", complex(d[0])
                    self.c2 = abs(self.c) ** 2
                else:
                    self.kind, self.d = "diag", d
        self.Uh = U.conj().T

    def down(self, X):
        """H_{k+1,k} X = U^dagger X."""
        if self.kind == "scalar":
            return self.c.conjugate() * X
        if self.kind == "diag":
            return self.d.conj()[:, None] * X
        return self.Uh @ X

    def up(self, X):
        """H_{k,k+1} X = U X."""
        if self.kind == "scalar":
            return self.c * X
        if self.kind == "diag":
            return self.d[:, None] * X
        return self.U @ X

    def right_dag(self, X):
        """X H_{k+1,k} = X U^dagger."""
        if self.kind == "scalar":
            return self.c.conjugate() * X
        if self.kind == "diag":
            return X * self.d.conj()[None, :]
        return X @ self.Uh

    def fwd(self, g):
        """U^dagger g U (layer k -> k+1)."""
        if self.kind == "scalar":
            return self.c2 * g
        if self.kind == "diag":
            return self.d.conj()[:, None] * g * self.d[None, :]
        return self.Uh @ g @ self.U

    def bwd(self, G):
        """U G U^dagger (layer k+1 -> k)."""
        if self.kind == "scalar":
            return self.c2 * G
        if self.kind == "diag":
            return self.d[:, None] * G * self.d.conj()[None, :]
        return self.U @ G @ self.Uh


class RGF:
    """Recursive Green's function solver of a finalized tight-binding system with its attached leads.

    Parameters
    ----------
    fsys : FinalizedTightBinding
        The system; its layers define the recursion, its leads the self-energies.  Changes to the system
        (``set_texture``, ``attach_lead``) are picked up automatically.
    t : float
        Time at which the gates are evaluated (frozen Hamiltonian H(t)).

    Examples
    --------
    >>> rgf = RGF(fsys)                                # doctest: +SKIP
    >>> rgf.transmission(1.9)                          # T_{1 <- 0}(E)   # doctest: +SKIP
    >>> sol = rgf.solve(1.9); sol.spectral_site_blocks(0)   # A_L site blocks  # doctest: +SKIP
    """

    def __init__(self, fsys, t=0.0):
        if fsys.rgf_problem:
            raise InputError(fsys.rgf_problem)
        self.fsys = fsys
        self.t = float(t)
        self._key = None
        self._prepare()

    # -- set-up ----------------------------------------------------------------------------------
    def _prepare(self):
        fs = self.fsys
        key = (fs.version, self.t)
        if key == self._key:
            return
        diag, up = fs.layer_blocks(self.t)
        self.N = len(diag)
        self.sizes = [len(o) for o in fs.layer_orbitals]
        self._H = [np.ascontiguousarray(h) for h in diag]
        self._cpl = [_Coupling(np.ascontiguousarray(u)) for u in up]
        pieces = []
        for al in fs.leads:
            lay = fs.layer_of_orbital[al.interface]
            pl = []
            for m in np.unique(lay):
                sel = np.flatnonzero(lay == m)
                pl.append((int(m), fs.local_index[al.interface[sel]], sel))
            pieces.append(pl)
        self._pieces = pieces
        self._site_order = np.concatenate(fs.layers)
        self._checked = set()
        self._key = key

    @property
    def n_leads(self):
        return len(self.fsys.leads)

    def _layer_sigmas(self, z):
        return self.layer_self_energies([al.lead.self_energy(z) for al in self.fsys.leads])

    def layer_self_energies(self, sigmas):
        """Per-layer blocks {k: (n_k, n_k)} of the leads' self-energies (or of any matrices on the interfaces).

        Parameters
        ----------
        sigmas : sequence of (n_interface_p, n_interface_p) arrays
            One matrix per attached lead, on its interface orbitals (units of t).
        """
        self._prepare()
        if len(sigmas) != self.n_leads:
            raise InputError(f"one self-energy per lead is needed: {self.n_leads} leads, got {len(sigmas)}")
        sig = {}
        for p, (S, pl) in enumerate(zip(sigmas, self._pieces)):
            S = np.asarray(S)
            if len(pl) > 1 and p not in self._checked:
                mask = np.zeros(S.shape, dtype=bool)
                for _, _, sel in pl:
                    mask[np.ix_(sel, sel)] = True
                if np.abs(S[~mask]).max(initial=0.0) > 1e-14 * max(1.0, np.abs(S).max()):
                    raise InputError(f"lead {p} couples orbitals of different layers through its self-energy; the "
                                     "recursive Green's function needs each lead's self-energy inside one layer "
                                     "(attach it to one column, or use a diagonal wide-band gamma)")
                self._checked.add(p)
            for m, rows, sel in pl:
                blk = sig.setdefault(m, np.zeros((self.sizes[m], self.sizes[m]), dtype=complex))
                blk[np.ix_(rows, rows)] += S[np.ix_(sel, sel)]
        return sig

    def _sources(self, z, leads, basis):
        """Sorted source pieces (layer, rows, W piece) and the column slices of each lead."""
        out = []
        cols = {}
        Ws = {}
        start = 0
        for p in leads:
            al = self.fsys.leads[p]
            if isinstance(basis, dict):
                W = np.asarray(basis[p], dtype=complex)
                if W.ndim != 2 or W.shape[0] != len(al.interface):
                    raise InputError(f"basis for lead {p} must have {len(al.interface)} rows, got shape {W.shape}")
            elif basis == "gamma":
                W = al.lead.gamma_factor(z)
            elif basis == "identity":
                W = np.eye(len(al.interface), dtype=complex)
            else:
                raise InputError(f"basis must be 'gamma', 'identity' or {{lead: W}}, got {basis!r}")
            Ws[p] = W
            r = W.shape[1]
            cols[p] = slice(start, start + r)
            for m, rows, sel in self._pieces[p]:
                out.append((m, rows, W[sel], start))
            start += r
        return out, cols, Ws, start

    # -- sweeps ----------------------------------------------------------------------------------
    @one_blas_thread
    def solve(self, E, leads="all", diagonal=False, basis="gamma"):
        """Forward sweep and the requested backward sweeps at one energy.

        Parameters
        ----------
        E : float or complex
            Energy (units of t), Im E >= 0.
        leads : 'all', None or list of int
            Leads whose columns G W_p are computed (None: none).
        diagonal : bool
            Also compute all diagonal blocks G_kk.
        basis : 'gamma' | 'identity' | dict
            W_p = gamma factor (Gamma_p = W W^dagger; transmission, spectral functions, S-matrix), the
            identity on the interface (then the columns are G_{:, p} themselves), or {p: W_p} explicit
            (n_interface_p x r) source matrices.

        Returns
        -------
        RGFSolution
        """
        self._prepare()
        z = _energy(E)
        if leads == "all":
            leads = list(range(self.n_leads))
        elif leads is None:
            leads = []
        else:
            leads = [int(p) for p in np.atleast_1d(leads)]
            for p in leads:
                if not 0 <= p < self.n_leads:
                    raise InputError(f"lead index {p} out of range: {self.n_leads} leads attached")
        sig = self._layer_sigmas(z)
        src, cols, Ws, R = self._sources(z, leads, basis)
        src.sort(key=lambda s: s[0])
        N = self.N
        gL = [None] * N
        P = [None] * N
        ncols = [0] * N
        order_cols = []  # P/X columns are stacked in the order their sources are first met (layer order)
        stacked = {}  # global column start of a source -> its stacked start
        si = 0
        active = None
        for k in range(N):
            n = self.sizes[k]
            if k > 0:
                A = self._cpl[k - 1].fwd(gL[k - 1])
                A *= -1.0
                A -= self._H[k]
            else:
                A = -self._H[k]
            if k in sig:
                A -= sig[k]
            A.flat[:: n + 1] += z
            g = _inv(A.T, z).T  # A.T is Fortran-ordered: LAPACK works in place, inv(A^T)^T = inv(A)
            gL[k] = g
            if active is not None:
                cpl = self._cpl[k - 1]
                if cpl.kind == "scalar":
                    active = g @ active
                    active *= cpl.c.conjugate()
                else:
                    active = g @ cpl.down(active)
            new = []
            while si < len(src) and src[si][0] == k:
                _, rows, Wp, c0 = src[si]
                contrib = g[:, rows] @ Wp
                if c0 in stacked:  # a further piece of a lead already active: same columns
                    j = stacked[c0]
                    active[:, j:j + Wp.shape[1]] += contrib
                else:
                    stacked[c0] = (0 if active is None else active.shape[1]) + sum(x.shape[1] for x in new)
                    new.append(contrib)
                    order_cols.append((c0, Wp.shape[1]))
                si += 1
            if new:
                active = np.hstack(([active] if active is not None else []) + new)
            if active is not None:
                P[k] = active
                ncols[k] = active.shape[1]
        perm = np.concatenate([np.arange(c0, c0 + r) for c0, r in order_cols]) if order_cols else \
            np.zeros(0, dtype=np.int64)
        sol = RGFSolution(self, z, gL, cols, Ws, perm)
        if leads:
            sol._P, sol._ncols, sol._R = P, ncols, R
            equal = len(set(self.sizes)) == 1
            sol._X = np.empty((N, self.sizes[0], R), dtype=complex) if equal else [None] * N
            sol._X[N - 1] = P[N - 1]
            sol._done = N - 1  # backward sweep is run lazily down to the layers that are asked for
        if diagonal:
            sol.diagonal_blocks()
        return sol

    # -- convenience -----------------------------------------------------------------------------
    def transmission(self, E, p=1, q=0):
        """Transmission T_{p <- q}(E) = Tr[Gamma_p G Gamma_q G^dagger] (Caroli)."""
        return self.solve(E, leads=[q]).transmission(p, q)

    def diagonal_blocks(self, E):
        """Diagonal layer blocks G_kk(E) (list, layer order)."""
        return self.solve(E, leads=None, diagonal=True).diagonal_blocks()

    def lead_columns(self, E, leads="all", basis="identity"):
        """{p: [G_{k,p} for every layer k]} (basis='identity': the interface columns of G)."""
        sol = self.solve(E, leads=leads, basis=basis)
        return {p: sol.columns(p) for p in sol.cols}

    def block(self, E, i, j):
        """G_ij(E), the (i, j) layer block."""
        return self.solve(E, leads=None).block(i, j)

    def spectral_site_blocks(self, E, lead=None):
        """Site-diagonal blocks of A_p = G Gamma_p G^dagger: (n_leads, n_sites, block, block), or one lead's."""
        sol = self.solve(E)
        if lead is not None:
            return sol.spectral_site_blocks(lead)
        return np.array([sol.spectral_site_blocks(p) for p in range(self.n_leads)])

    @one_blas_thread
    def jets(self, z, sigmas=None, order=0, extra=None):
        """Layer blocks of G(z + eps) as Taylor jets in the energy shift eps (see :class:`GreenJets`).

        Parameters
        ----------
        z : complex
            Energy (units of t).  Any half plane when ``sigmas`` is given (the caller chooses the sheet of the
            self-energies); ``Im z >= 0`` otherwise.
        sigmas : sequence, optional
            Per lead the Taylor coefficients ``[Sigma, dSigma/dE, d2Sigma/dE2 / 2][:order + 1]`` on its
            interface; default: the leads' retarded self-energies at z (order 0 only).
        order : int
            Highest Taylor order n of G_n = G^(n)(z) / n! (0, 1 or 2).
        extra : dict, optional
            {layer k: (n_k, n_k) array} added to H_kk (e.g. a perturbation h V of a layer-diagonal operator V).
        """
        self._prepare()
        order = int(order)
        if order not in (0, 1, 2):
            raise InputError(f"jets are implemented up to order 2 (G''), got order {order}")
        if sigmas is None:
            if order:
                raise InputError("energy derivatives of the self-energies must be given (sigmas=) for order > 0")
            z = _energy(z)
            sigmas = [[al.lead.self_energy(z)] for al in self.fsys.leads]
        else:
            z = complex(z)
            if not (np.isfinite(z.real) and np.isfinite(z.imag)):
                raise InputError(f"energy must be finite, got {z!r}")
            if len(sigmas) != self.n_leads or any(len(s) < order + 1 for s in sigmas):
                raise InputError(f"sigmas needs, for each of the {self.n_leads} leads, the Taylor coefficients of its "
                                 f"self-energy up to order {order}")
        layer_sigmas = [self.layer_self_energies([s[n] for s in sigmas]) for n in range(order + 1)]
        return GreenJets(self, z, layer_sigmas, order, extra)


# ------------------------------------------------------------------------------------------------
# Taylor jets of the layer blocks (energy derivatives of G without finite differences)
# ------------------------------------------------------------------------------------------------
def jet_mul(a, b, order=None):
    """Product of two Taylor jets (coefficients on the first axis; matrix product of the last two axes),
    truncated at ``order`` (default: the higher order of the two)."""
    ka, kb = a.shape[0] - 1, b.shape[0] - 1
    K = max(ka, kb) if order is None else int(order)
    if ka == 0 and kb == 0:
        return (a[0] @ b[0])[None]
    out = None
    for i in range(min(ka, K) + 1):
        for j in range(min(kb, K - i) + 1):
            t = a[i] @ b[j]
            if out is None:
                out = np.zeros((K + 1,) + t.shape, dtype=complex)
            out[i + j] += t
    return out


def jet_add(a, b):
    """Sum of two jets of possibly different orders (None is zero)."""
    if a is None:
        return b
    if b is None:
        return a
    if a.shape[0] < b.shape[0]:
        a, b = b, a
    out = a.copy()
    out[:b.shape[0]] += b
    return out


def jet_adjoint(a):
    """Hermitian conjugate of each coefficient (the jet of G^dagger(z + eps) for real eps)."""
    return np.conj(np.swapaxes(a, -1, -2))


class GreenJets:
    """Layer blocks of G(z + eps) = sum_n eps^n G_n, G_n = G^(n)(z)/n!, of a layered region (n <= order).

    The recursion of :class:`RGF` in jet arithmetic (products truncated at ``order``): with
    A_k(z + eps) = z + eps - H_kk - Sigma_k(z + eps),

        gL_0 = A_0^-1,   gL_k = (A_k - H_{k,k-1} gL_{k-1} H_{k-1,k})^-1,
        (a_0 + a_1 eps + a_2 eps^2)^-1 = g_0 - g_0 a_1 g_0 eps + g_0 (a_1 g_0 a_1 - a_2) g_0 eps^2,

    so G' = -G (1 - Sigma') G and G'' = 2 G (1 - Sigma') G (1 - Sigma') G + G Sigma'' G (the Taylor
    coefficients G_1, 2 G_2) come exactly from the same sweeps, never from finite differences in the energy.
    Blocks (each a jet, coefficient axis first):

    * ``gl[k]``: left-connected functions;
    * :meth:`diag`: G_kk = gL_k + gL_k H_{k,k+1} G_{k+1,k+1} H_{k+1,k} gL_k;
    * :meth:`offdiag`: G_{k,k+d} = gL_k H_{k,k+1} G_{k+1,k+d} and G_{k+d,k} = G_{k+d,k+1} H_{k+1,k} gL_k;
    * :meth:`apply`: G S (or G^dagger S) for a block column S, one forward and one backward sweep.

    Energies in units of t, G in 1/t.  Built by :meth:`RGF.jets`.
    """

    def __init__(self, rgf, z, layer_sigmas, order, extra=None):
        self.rgf = rgf
        self.z = z
        self.order = int(order)
        self.N = rgf.N
        self.sizes = rgf.sizes
        self.cpl = rgf._cpl
        K = self.order
        gl = []
        for k in range(self.N):
            n = self.sizes[k]
            A = np.zeros((K + 1, n, n), dtype=complex)
            A[0] = -rgf._H[k]
            if extra is not None and k in extra:
                A[0] -= extra[k]
            A[0].flat[:: n + 1] += z
            if K:
                A[1].flat[:: n + 1] = 1.0
            for m in range(K + 1):
                if k in layer_sigmas[m]:
                    A[m] -= layer_sigmas[m][k]
            if k > 0:
                A -= self.cpl[k - 1].fwd(gl[k - 1])
            g0 = _inv(np.array(A[0].T, order="F"), z).T
            g = np.empty_like(A)
            g[0] = g0
            if K >= 1:
                g[1] = -g0 @ A[1] @ g0
            if K >= 2:
                g[2] = -g0 @ (A[1] @ g[1] + A[2] @ g0)
            gl.append(g)
        self.gl = gl
        self._diag = None
        self._off = {0: None}

    def diag(self):
        """[G_kk] (jets) for every layer (computed once)."""
        if self._diag is None:
            G = [None] * self.N
            G[-1] = self.gl[-1]
            for k in range(self.N - 2, -1, -1):
                g = self.gl[k]
                G[k] = g + jet_mul(jet_mul(g, self.cpl[k].bwd(G[k + 1])), g)
            self._diag = G
        return self._diag

    def offdiag(self, d):
        """(up, down) with up[k] = G_{k,k+d} and down[k] = G_{k+d,k}, k = 0 .. N-1-d (jets; cached)."""
        d = int(d)
        if not 0 <= d < self.N:
            raise InputError(f"layer offset must lie in 0..{self.N - 1}, got {d}")
        if d == 0:
            D = self.diag()
            return D, D
        if d not in self._off:
            up1, down1 = self.offdiag(d - 1)
            up = [jet_mul(self.gl[k], self.cpl[k].up(up1[k + 1])) for k in range(self.N - d)]
            down = [jet_mul(self.cpl[k].right_dag(down1[k + 1]), self.gl[k]) for k in range(self.N - d)]
            self._off[d] = (up, down)
        return self._off[d]

    @one_blas_thread
    def apply(self, sources, adjoint=False, order=None):
        """G S (or G^dagger S) for a block column S given as {layer k: (n_k, r) array} (missing layers: zero).

        Forward P_k = gL_k (S_k + H_{k,k-1} P_{k-1}), backward X_k = P_k + gL_k H_{k,k+1} X_{k+1} (for G^dagger
        the same with gL_k^dagger: the left-connected functions of (z - H - Sigma)^dagger).  Returns a list of
        jets (order + 1, n_k, r) per layer (``order`` <= the jets' order, default all), None where the
        result vanishes (layers left of every source).
        """
        N = self.N
        K = self.order if order is None else min(int(order), self.order)
        gl = [g[:K + 1] for g in self.gl]
        if adjoint:
            gl = [jet_adjoint(g) for g in gl]
        P = [None] * N
        prev = None
        for k in range(N):
            t = None if prev is None else self.cpl[k - 1].down(prev)
            if k in sources:
                t = jet_add(t, np.asarray(sources[k], dtype=complex)[None])
            prev = None if t is None else jet_mul(gl[k], t)
            P[k] = prev
        X = [None] * N
        X[N - 1] = P[N - 1]
        for k in range(N - 2, -1, -1):
            X[k] = P[k] if X[k + 1] is None else jet_add(P[k], jet_mul(gl[k], self.cpl[k].up(X[k + 1])))
        return X


def _site_outer(X):
    """sum_r X[s, a, r] conj(X[s, b, r]) for X of shape (n_sites, B, r) -> (n_sites, B, B).

    Real dot products on the interleaved (re, im) view of X (no copies when the last axis is
    contiguous): the hot spot of spin densities on large layers."""
    n, B, r = X.shape
    out = np.empty((n, B, B), dtype=complex)
    try:
        V = X.view(float)  # (n, B, 2r): re, im interleaved
    except ValueError:
        V = np.ascontiguousarray(X).view(float)
    for a in range(B):
        out[:, a, a] = np.einsum("sk,sk->s", V[:, a], V[:, a])
        for b in range(a + 1, B):
            re = np.einsum("sk,sk->s", V[:, a], V[:, b])
            im = np.einsum("sk,sk->s", V[:, a, 1::2], V[:, b, 0::2]) - np.einsum("sk,sk->s", V[:, a, 0::2],
                                                                                   V[:, b, 1::2])
            out[:, a, b] = re + 1j * im
            out[:, b, a] = re - 1j * im
    return out


class RGFSolution:
    """Green's function data at one energy (from :meth:`RGF.solve`)."""

    def __init__(self, rgf, z, gL, cols, Ws, perm):
        self.rgf = rgf
        self.E = z
        self.gL = gL
        self.cols = cols
        self.W = Ws
        self._perm = perm
        self._inv_perm = np.argsort(perm) if len(perm) else perm
        self._X = None
        self._done = 0
        self._diag = None

    def _need_columns(self, p):
        if self._X is None or p not in self.cols:
            raise InputError(f"lead {p}'s columns were not computed; call RGF.solve(E, leads=[..., {p}])")

    def _colidx(self, p):
        s = self.cols[p]
        idx = self._inv_perm[s]
        if len(idx) == 0 or np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
            return slice(idx[0], idx[0] + len(idx)) if len(idx) else slice(0, 0)
        return idx

    @one_blas_thread
    def _backward(self, kmin):
        """Backward sweep of the lead columns X_k = [k >= m] P_k + gL_k H_{k,k+1} X_{k+1} down to kmin."""
        X, P, ncols, gL = self._X, self._P, self._ncols, self.gL
        equal = isinstance(X, np.ndarray)
        for k in range(self._done - 1, kmin - 1, -1):
            cpl = self.rgf._cpl[k]
            if cpl.kind == "scalar":
                Y = np.matmul(gL[k], X[k + 1], out=X[k]) if equal else gL[k] @ X[k + 1]
                Y *= cpl.c
            else:
                Y = gL[k] @ cpl.up(X[k + 1])
            if ncols[k]:
                Y[:, :ncols[k]] += P[k]
            X[k] = Y
        self._done = min(self._done, kmin)

    def _Xcols(self, k, p):
        """Columns of G W_p on layer k (in the lead's channel order)."""
        if k < self._done:
            self._backward(k)
        return self._X[k][:, self._colidx(p)]

    def columns(self, p):
        """[G_{k,p} W_p for every layer k] (basis 'identity': the interface columns G_{k,p})."""
        self._need_columns(p)
        return [self._Xcols(k, p) for k in range(self.rgf.N)]

    def amplitude(self, p, q):
        """W_p^dagger G W_q (n_channels_p x n_channels_q)."""
        self._need_columns(q)
        Wp = self.W.get(p)
        if Wp is None:
            Wp = self.rgf.fsys.leads[p].lead.gamma_factor(self.E)
        out = np.zeros((Wp.shape[1], self.W[q].shape[1]), dtype=complex)
        for m, rows, sel in self.rgf._pieces[p]:
            out += Wp[sel].conj().T @ self._Xcols(m, q)[rows]
        return out

    def transmission(self, p, q):
        """T_{p <- q} = ||W_p^dagger G W_q||_F^2."""
        a = self.amplitude(p, q)
        return float(np.sum(np.abs(a) ** 2))

    def smatrix(self):
        """Scattering matrix S (Fisher-Lee, eigenchannel basis of each Gamma_p) and the channel counts.

        S_pq = -delta_pq + i W_p^dagger G W_q; unitary for real energies."""
        leads = list(self.cols)
        blocks = [[(-np.eye(self.W[p].shape[1]) if p == q else 0) + 1j * self.amplitude(p, q) for q in leads]
                  for p in leads]
        return np.block(blocks), [self.W[p].shape[1] for p in leads]

    def spectral_site_blocks(self, p):
        """Site-diagonal blocks of A_p = G Gamma_p G^dagger, shape (n_sites, block, block), site order."""
        self._need_columns(p)
        fs = self.rgf.fsys
        B = fs.block
        if self._done:
            self._backward(0)
        if isinstance(self._X, np.ndarray):
            X = self._X[:, :, self._colidx(p)]
            blocks = _site_outer(X.reshape(fs.n_sites, B, X.shape[-1]))
            out = np.empty_like(blocks)
            out[self.rgf._site_order] = blocks
            return out
        out = np.zeros((fs.n_sites, B, B), dtype=complex)
        for k in range(self.rgf.N):
            X = self._Xcols(k, p)
            out[fs.layers[k]] = _site_outer(X.reshape(len(fs.layers[k]), B, X.shape[1]))
        return out

    def diagonal_blocks(self):
        """[G_kk] for every layer (computed once)."""
        if self._diag is None:
            rgf = self.rgf
            N = rgf.N
            G = [None] * N
            G[N - 1] = self.gL[N - 1]
            for k in range(N - 2, -1, -1):
                g = self.gL[k]
                G[k] = g + g @ rgf._cpl[k].bwd(G[k + 1]) @ g
            self._diag = G
        return self._diag

    def green_site_blocks(self):
        """Site-diagonal blocks of G (n_sites, block, block), site order."""
        fs = self.rgf.fsys
        B = fs.block
        out = np.zeros((fs.n_sites, B, B), dtype=complex)
        for k, G in enumerate(self.diagonal_blocks()):
            s = fs.layers[k]
            n = len(s)
            Gr = G.reshape(n, B, n, B)
            out[s] = Gr[np.arange(n), :, np.arange(n), :]
        return out

    def block(self, i, j):
        """G_ij for layers i, j."""
        N = self.rgf.N
        if not (0 <= i < N and 0 <= j < N):
            raise InputError(f"layer indices must lie in 0..{N - 1}, got ({i}, {j})")
        D = self.diagonal_blocks()
        cpl = self.rgf._cpl
        if i == j:
            return D[i]
        if i < j:
            M = D[j]
            for k in range(j - 1, i - 1, -1):
                M = self.gL[k] @ cpl[k].up(M)
            return M
        M = D[i]
        for k in range(i - 1, j - 1, -1):
            M = cpl[k].right_dag(M) @ self.gL[k]
        return M

    def full(self):
        """The whole G assembled from blocks, in orbital order (small systems / tests)."""
        fs = self.rgf.fsys
        out = np.zeros((fs.n_orb, fs.n_orb), dtype=complex)
        N = self.rgf.N
        for i in range(N):
            for j in range(N):
                out[np.ix_(fs.layer_orbitals[i], fs.layer_orbitals[j])] = self.block(i, j)
        return out

