"""Green's functions at one energy for the response kernels: the recursive route and the dense reference.

Every kernel of :mod:`spinertia.electrons.linear_response` is written once, as a sum of traces

    Tr[A_a X]                (expectation values, lead currents),
    C(X, Y)_ab = Tr[A_a X B_b Y]   (response functions; the contraction C decides which blocks it needs),

of Green's-function *factors* at one energy z (units of t; G in 1/t):

* ``G(n, adj)``: the n-th energy derivative G^(n)(z) of G(z) = [z - H - Sigma(z)]^-1 (n <= 2), or its
  Hermitian conjugate;
* ``lead(p)``: X_p = G Gamma_p G^dagger (real E), the scattering states of lead p;
* ``spectral()``: A = i (G - G^dagger) = sum_p X_p (real E; Xu et al. 2023, Eq. A1).

A propagator supplies them by one of two routes, chosen by :class:`~spinertia.electrons.linear_response.Device`:

* :class:`LayeredPropagator` (``method="rgf"``, the default of ``Device.from_system``): the recursive Green's
  function of :mod:`spinertia.electrons.rgf` in Taylor-jet arithmetic (:class:`~spinertia.electrons.rgf.GreenJets`:
  G', G'' exactly, without finite differences in E).  Nothing of size n_orb x n_orb is formed:

  - Tr[A G] needs the diagonal layer blocks G_kk;
  - X_p and A are low rank on the real axis: X_p = Psi_p Psi_p^dagger with the lead columns Psi_p = G W_p
    (Gamma_p = W_p W_p^dagger), so Tr[V_a A V_b A] = Tr[(Psi^dagger V_a Psi)(Psi^dagger V_b Psi)] (the
    Brataas-Tserkovnyak-Bauer form of the Fermi-surface damping) and Tr[V_a A V_b Y] = Tr[Psi^dagger V_b
    (Y V_a Psi)] needs only solves Y S (one forward and one backward sweep);
  - global operators (a macrospin vertex V_a = sum_i J_i sigma_a(i), block diagonal in the layers):
    sum_kl Tr[A_a,k X_kl B_b,l Y_lk] by the sweeps of :func:`layer_pair_traces`, O(N_layers) layer
    products instead of O(N_layers^2) blocks;
  - site pairs within a cutoff (Bhattacharjee et al. 2012): only the layer blocks G_{k,k+d} with |d| up to
    the cutoff (:meth:`Chain.block`).

  Cost per energy: O(N_layers n^3) for n orbitals per layer (a 40 x 40 strip: 40 layers of 80).
* :class:`DensePropagator` (``method="dense"``): the inverse of the whole region, O(n_orb^3); the test
  reference of the recursive route (and the route of devices given as plain matrices).

Both routes evaluate the same kernel formulas; the tests check them against each other to 1e-10.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .rgf import jet_add, jet_adjoint, jet_mul

__all__ = ["OperatorList", "Factor", "DensePropagator", "LayeredPropagator", "Chain", "LowRank",
           "layer_pair_traces", "site_blocks"]


# ------------------------------------------------------------------------------------------------
# operators
# ------------------------------------------------------------------------------------------------
def _ops(ops, n, name):
    """List of (n, n) complex CSR matrices from one matrix or a sequence of matrices."""
    if isinstance(ops, OperatorList):
        return ops.ops
    if sp.issparse(ops) or (isinstance(ops, np.ndarray) and ops.ndim == 2):
        ops = [ops]
    out = []
    for k, A in enumerate(ops):
        A = sp.csr_matrix(A, dtype=complex)
        if A.shape != (n, n):
            raise InputError(f"{name}[{k}] has shape {A.shape}; the device has {n} orbitals")
        out.append(A)
    if not out:
        raise InputError(f"{name} is empty")
    return out


class OperatorList:
    """One-body operators (CSR, n x n, units of the caller) with their layer data for the recursive route.

    ``layer_entries(fsys)``: per operator {layer k: (rows, cols, values)} with rows and cols local to the
    layer; ``layer_stack(fsys)``: {layer k: (n_ops, n_k, n_k) dense blocks}.  The recursive route needs
    operators that are block diagonal in the layers (every site-local operator is: spin, exchange vertex,
    particle number); others raise InputError.
    """

    def __init__(self, ops, n, name="A"):
        if isinstance(ops, OperatorList):
            self.ops, self.name = ops.ops, ops.name
        else:
            self.ops, self.name = _ops(ops, n, name), name
        self.n = n
        self._layer = None

    def __len__(self):
        return len(self.ops)

    def __iter__(self):
        return iter(self.ops)

    def __getitem__(self, i):
        return self.ops[i]

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_layer"] = None
        return d

    def coo(self):
        """Per operator (rows, cols, values) in orbital indices."""
        out = []
        for A in self.ops:
            c = A.tocoo()
            out.append((c.row.astype(np.int64), c.col.astype(np.int64), c.data))
        return out

    def _layer_data(self, fsys):
        key = (id(fsys), fsys.version)
        if self._layer is not None and self._layer[0] == key:
            return self._layer[1]
        lay, loc = fsys.layer_of_orbital, fsys.local_index
        entries = []
        for a, (r, c, v) in enumerate(self.coo()):
            lr, lc = lay[r], lay[c]
            bad = np.flatnonzero(lr != lc)
            if bad.size:
                raise InputError(f"operator {self.name}[{a}] couples orbitals of different layers (e.g. layers "
                                 f"{lr[bad[0]]} and {lc[bad[0]]}); the recursive route needs operators that are block "
                                 "diagonal in the layers along x (site-local operators are); build the device with "
                                 "method='dense' for others")
            per = {}
            for k in np.unique(lr):
                s = lr == k
                per[int(k)] = (loc[r[s]], loc[c[s]], v[s])
            entries.append(per)
        stack = {}
        for a, per in enumerate(entries):
            for k, (r, c, v) in per.items():
                n = len(fsys.layer_orbitals[k])
                blk = stack.setdefault(k, np.zeros((len(self.ops), n, n), dtype=complex))
                np.add.at(blk[a], (r, c), v)
        self._layer = (key, (entries, stack))
        return self._layer[1]

    def layer_entries(self, fsys):
        return self._layer_data(fsys)[0]

    def layer_stack(self, fsys):
        return self._layer_data(fsys)[1]


def _as_list(ops, n):
    return ops if isinstance(ops, OperatorList) else OperatorList(ops, n, "O")


# ------------------------------------------------------------------------------------------------
# factors
# ------------------------------------------------------------------------------------------------
class Factor:
    """One Green's-function factor at the energy of its propagator.

    ``kind``: 'G' (``n``-th energy derivative, Hermitian conjugate if ``adj``), 'lead' (X_p, lead ``p``) or
    'spectral' (A).  Linear combinations are lists of ``(coefficient, Factor)``.
    """

    __slots__ = ("prop", "kind", "n", "adj", "p")

    def __init__(self, prop, kind, n=0, adj=False, p=None):
        self.prop, self.kind, self.n, self.adj, self.p = prop, kind, int(n), bool(adj), p
        if kind == "G" and not 0 <= self.n <= prop.order:
            raise InputError(f"the propagator at E = {prop.z} was built for derivatives up to order {prop.order}, "
                             f"asked for order {self.n}")

    @property
    def key(self):
        return (id(self.prop), self.kind, self.n, self.adj, self.p)

    @property
    def adjoint_key(self):
        """Key of the Hermitian conjugate factor (X_p and A are Hermitian)."""
        return (id(self.prop), self.kind, self.n, self.adj != (self.kind == "G"), self.p)


def _terms(X):
    return [(1.0, X)] if isinstance(X, Factor) else list(X)


class _Propagator:
    """Factor constructors shared by both routes."""

    route = ""

    def G(self, n=0, adj=False):
        """G^(n)(z) (n-th energy derivative), or its Hermitian conjugate."""
        return Factor(self, "G", n, adj)

    def lead(self, p):
        """X_p = G Gamma_p G^dagger (real energies)."""
        if not 0 <= int(p) < len(self.dev.leads):
            raise InputError(f"lead index {p} out of range: {len(self.dev.leads)} leads")
        self._real("the lead density G Gamma_p G^dagger")
        return Factor(self, "lead", p=int(p))

    def spectral(self):
        """A = i (G - G^dagger) = G Gamma G^dagger (real energies)."""
        self._real("the spectral function")
        return Factor(self, "spectral")

    def _real(self, what):
        if self.z.imag != 0:
            raise InputError(f"{what} is a real-axis quantity; the energy {self.z} is complex")


# ------------------------------------------------------------------------------------------------
# dense reference
# ------------------------------------------------------------------------------------------------
class DensePropagator(_Propagator):
    """G(z) and its derivatives as dense n_orb x n_orb matrices (inverse of the whole region; test reference).

    Parameters
    ----------
    dev : Device
    z : complex
        Energy (units of t).
    order : int
        Highest energy derivative of G needed (0, 1, 2).
    extra : sparse or dense (n_orb, n_orb), optional
        Added to H (a perturbation).
    """

    route = "dense"

    def __init__(self, dev, z, order=0, extra=None):
        self.dev, self.z, self.order = dev, complex(z), int(order)
        mats = dev.green(self.z, self.order, extra=extra)
        self._G = [mats] if self.order == 0 else list(mats)

    def matrix(self, f):
        G = self._G[0]
        if f.kind == "G":
            M = self._G[f.n]
            return M.conj().T if f.adj else M
        if f.kind == "spectral":
            return 1j * (G - G.conj().T)
        idx = self.dev._interfaces[f.p]
        Gp = G[:, idx]
        return Gp @ self.dev.gammas(self.z.real)[f.p][1] @ Gp.conj().T

    @staticmethod
    def _combo(terms):
        out = None
        for c, f in terms:
            M = c * f.prop.matrix(f)
            out = M if out is None else out + M
        return out

    def pair(self, C, X, Y):
        """C(X, Y)_ab = Tr[A_a X B_b Y] for factors or linear combinations of factors."""
        return C(self._combo(_terms(X)), self._combo(_terms(Y)))

    def trace(self, ops, X):
        """Tr[O_a X] for every operator O_a."""
        M = self._combo(_terms(X))
        return np.array([(O.multiply(M.T)).sum() for O in _as_list(ops, self.dev.n)])

    def solve(self, S):
        """G S for a dense (n_orb, r) block column S."""
        return self._G[0] @ S


# ------------------------------------------------------------------------------------------------
# recursive route
# ------------------------------------------------------------------------------------------------
class Chain:
    """Layered view of the Taylor coefficient G_n = G^(n)/n! (or its Hermitian conjugate) of a
    :class:`~spinertia.electrons.rgf.GreenJets`; blocks are jets truncated at order n (coefficient axis first)."""

    kind = "chain"

    def __init__(self, jets, adj, n, fsys):
        self.jets, self.adj, self.n, self.fsys = jets, bool(adj), int(n), fsys
        self.N, self.cpl = jets.N, jets.cpl
        self._gl, self._diag = {}, {}

    def gl(self, k):
        """Left-connected function of layer k (for G^dagger: gL_k^dagger), jet of order n."""
        g = self._gl.get(k)
        if g is None:
            g = self.jets.gl[k][:self.n + 1]
            g = self._gl[k] = jet_adjoint(g) if self.adj else g
        return g

    def diag(self, k):
        g = self._diag.get(k)
        if g is None:
            g = self.jets.diag()[k][:self.n + 1]
            g = self._diag[k] = jet_adjoint(g) if self.adj else g
        return g

    def block(self, k, l):
        """X_kl (jet of order n); (G^dagger)_kl = (G_lk)^dagger."""
        if self.adj:
            k, l = l, k
        d = l - k
        up, down = self.jets.offdiag(abs(d))
        b = (up[k] if d >= 0 else down[l])[:self.n + 1]
        return jet_adjoint(b) if self.adj else b

    def apply(self, S):
        """X S for a dense (n_orb, r) block column S (the coefficient n), as (n_orb, r)."""
        orbs = self.fsys.layer_orbitals
        src = {}
        for k, o in enumerate(orbs):
            blk = S[o]
            if np.any(blk):
                src[k] = blk
        out = np.zeros(S.shape, dtype=complex)
        for k, Xk in enumerate(self.jets.apply(src, adjoint=self.adj, order=self.n)):
            if Xk is not None and Xk.shape[0] > self.n:
                out[orbs[k]] = Xk[self.n]
        return out


class LowRank:
    """X = Psi Phi^dagger with Psi, Phi (n_orb, r): the lead densities and the spectral function."""

    kind = "lowrank"
    n = 0

    def __init__(self, Psi, Phi=None, fsys=None):
        self.Psi = Psi
        self.Phi = Psi if Phi is None else Phi
        self.fsys = fsys


class LayeredPropagator(_Propagator):
    """G(z) and its energy derivatives by the recursive Green's function (see the module docstring).

    Parameters
    ----------
    dev : Device
        Built from a finalized tight-binding system (``Device.from_system``).
    z : complex
        Energy (units of t), any half plane (the device gives the self-energies of the right sheet).
    order : int
        Highest energy derivative of G needed (0, 1, 2): jets of that order.
    extra : sparse (n_orb, n_orb), optional
        Layer-block-diagonal perturbation added to H (e.g. h V for finite differences of the S-matrix).
    """

    route = "rgf"

    def __init__(self, dev, z, order=0, extra=None):
        self.dev, self.z, self.order = dev, complex(z), int(order)
        rgf = dev.rgf
        self.fsys = rgf.fsys
        sig = dev.lead_sigmas(self.z, self.order)
        taylor = [[s[0]] + ([s[1]] if self.order >= 1 else []) + ([0.5 * s[2]] if self.order >= 2 else [])
                  for s in sig]
        ext = None
        if extra is not None:
            ext = {k: blk[0] for k, blk in OperatorList([extra], dev.n, "extra").layer_stack(self.fsys).items()}
        self.jets = rgf.jets(self.z, taylor, self.order, ext)
        self._cols = None
        self._cache = {}
        self._views = {}

    # -- views -----------------------------------------------------------------------------------
    def columns(self):
        """Lead columns [Psi_p = G W_p (n_orb, r_p)] with Gamma_p = W_p W_p^dagger (real E; cached)."""
        if self._cols is None:
            self._real("lead columns G W_p")
            Ws = [getattr(al, "lead", al).gamma_factor(self.z.real) for al in self.dev.leads]
            Psi = self.solve_interfaces(Ws)
            edges = np.cumsum([0] + [W.shape[1] for W in Ws])
            self._cols = (Psi, [Psi[:, a:b] for a, b in zip(edges[:-1], edges[1:])])
        return self._cols

    def solve_interfaces(self, Ws):
        """G W for per-lead interface matrices W_p (n_interface_p, r_p), stacked: (n_orb, sum r_p)."""
        rgf = self.dev.rgf
        r = sum(W.shape[1] for W in Ws)
        src = {}
        c0 = 0
        for p, W in enumerate(Ws):
            for m, rows, sel in rgf._pieces[p]:
                blk = src.setdefault(m, np.zeros((rgf.sizes[m], r), dtype=complex))
                blk[rows, c0:c0 + W.shape[1]] += W[sel]
            c0 += W.shape[1]
        out = np.zeros((self.dev.n, r), dtype=complex)
        for k, Xk in enumerate(self.jets.apply(src, order=0)):
            if Xk is not None:
                out[self.fsys.layer_orbitals[k]] = Xk[0]
        return out

    def solve(self, S):
        """G S for a dense (n_orb, r) block column S."""
        return self.view(self.G()).apply(S)

    def view(self, f):
        v = self._views.get(f.key)
        if v is None:
            if f.kind == "G":
                v = Chain(self.jets, f.adj, f.n, self.fsys)
            elif f.kind == "spectral":
                v = LowRank(self.columns()[0], fsys=self.fsys)
            else:
                v = LowRank(self.columns()[1][f.p], fsys=self.fsys)
            self._views[f.key] = v
        return v

    # -- traces ----------------------------------------------------------------------------------
    def _basic(self, C, fx, fy):
        """C(X, Y) for two factors, from the cache when an exact identity gives it: for a symmetric contraction
        (same operators on both sides) C(X, Y) = swap(C(Y, X)) by the cyclic trace, and for Hermitian
        operators also C(X, Y) = conj(swap(C(X^dagger, Y^dagger)))."""
        key = (id(C), fx.key, fy.key)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        swap = getattr(C, "swap", None) if getattr(C, "swappable", False) else None
        rev = fy.prop._cache.get((id(C), fy.key, fx.key)) if isinstance(fy.prop, LayeredPropagator) else None
        conj = self._cache.get((id(C), fx.adjoint_key, fy.adjoint_key)) if getattr(C, "hermitian", False) else None
        if rev is not None and swap is not None:
            val = swap(rev)
        elif conj is not None and swap is not None:
            val = np.conj(swap(conj))
        else:
            layered = getattr(C, "layered", None)
            if layered is None:
                raise InputError(f"the contraction {type(C).__name__} has no recursive form (a method "
                                 "'layered(X, Y)'); build the device with method='dense' to use it")
            val = layered(fx.prop.view(fx), fy.prop.view(fy))
            val = val * (math.factorial(fx.n) * math.factorial(fy.n))
        self._cache[key] = val
        return val

    def pair(self, C, X, Y):
        """C(X, Y)_ab = Tr[A_a X B_b Y] for factors or linear combinations (bilinear expansion; basic pairs
        are cached per energy, and C(Y, X) is obtained from C(X, Y) when the contraction is symmetric)."""
        out = 0.0
        for cx, fx in _terms(X):
            for cy, fy in _terms(Y):
                out = out + (cx * cy) * self._basic(C, fx, fy)
        return out

    def trace(self, ops, X):
        """Tr[O_a X] for every operator O_a (layer-block-diagonal operators for G factors)."""
        ops = _as_list(ops, self.dev.n)
        out = np.zeros(len(ops), dtype=complex)
        for c, f in _terms(X):
            v = f.prop.view(f)
            if v.kind == "lowrank":
                vals = [np.sum(d * np.einsum("er,er->e", v.Psi[col], v.Phi[row].conj()))
                        for row, col, d in ops.coo()]
            else:
                vals = []
                for per in ops.layer_entries(self.fsys):
                    s = 0.0
                    for k, (row, col, d) in per.items():
                        s = s + np.sum(d * v.diag(k)[v.n][col, row])
                    vals.append(s)
            out = out + c * np.array(vals) * math.factorial(f.n)
        return out


# ------------------------------------------------------------------------------------------------
# recursive contractions
# ------------------------------------------------------------------------------------------------
def _layer_trace(per_op, k, M):
    """[Tr[A_a,k M_b] for a] for M of shape (n_b, n_k, n_k): (n_a, n_b)."""
    out = np.zeros((len(per_op), M.shape[0]), dtype=complex)
    for a, per in enumerate(per_op):
        e = per.get(k)
        if e is not None:
            row, col, d = e
            out[a] = M[:, col, row] @ d
    return out


def layer_pair_traces(A, B, X, Y, fsys):
    """sum_{k,l} Tr[A_a,k X_kl B_b,l Y_lk] for layer-block-diagonal operators and two chains X, Y.

    With X_kl = x_k H_{k,k+1} X_{k+1,l} (k < l), X_kl = X_{k,l+1} H_{l+1,l} x_l (k > l) and likewise Y
    (x, y the left-connected functions), the inner sums M_k = sum_l X_kl B_l Y_lk obey

        P_k = x_k (B_k + H_{k,k-1} P_{k-1} H_{k-1,k}) y_k                     (forward),
        Q_k = X_kk B_k Y_kk + x_k H_{k,k+1} Q_{k+1} H_{k+1,k} y_k              (backward),
        M_k = Q_k + X_kk H_{k,k-1} P_{k-1} H_{k-1,k} Y_kk,

    a few layer products per layer and operator b: O(N_layers n^3) instead of the N_layers^2 blocks of
    X and Y.  Jets: X of order n_X, Y of order n_Y (one of them 0); the result is the coefficient
    n_X + n_Y.  Returns (len(A), len(B)).
    """
    if X.n and Y.n:
        raise InputError("layer_pair_traces needs one of the two factors without energy derivative")
    K = X.n + Y.n
    ea = A.layer_entries(fsys)
    Bs = B.layer_stack(fsys)
    la = sorted({k for per in ea for k in per})
    out = np.zeros((len(A), len(B)), dtype=complex)
    if not Bs or not la:
        return out
    cpl = X.cpl
    kb0, kb1 = min(Bs), max(Bs)
    P = {}
    prev = None
    for k in range(kb0, la[-1]):
        t = None if prev is None else cpl[k - 1].fwd(prev)
        if k in Bs:
            t = jet_add(t, Bs[k][None])
        prev = None if t is None else jet_mul(jet_mul(X.gl(k), t, K), Y.gl(k), K)
        P[k] = prev
    Q = None
    for k in range(max(kb1, la[-1]), la[0] - 1, -1):
        t = None
        if k in Bs:
            t = jet_mul(jet_mul(X.diag(k), Bs[k][None], K), Y.diag(k), K)
        if Q is not None:
            t = jet_add(t, jet_mul(jet_mul(X.gl(k), cpl[k].bwd(Q), K), Y.gl(k), K))
        Q = t
        if k in la:
            M = Q
            if P.get(k - 1) is not None:
                M = jet_add(M, jet_mul(jet_mul(X.diag(k), cpl[k - 1].fwd(P[k - 1]), K), Y.diag(k), K))
            if M is not None and M.shape[0] > K:
                out += _layer_trace(ea, k, M[K])
    return out


def operator_pairs_layered(A, B, X, Y, fsys):
    """C(X, Y)_ab = Tr[A_a X B_b Y] for layered views X, Y (Chain or LowRank) and operator lists A, B.

    chain-chain: :func:`layer_pair_traces`; X = Psi Phi^dagger: Tr[Phi^dagger B_b (Y A_a Psi)];
    Y = Psi Phi^dagger: Tr[Phi^dagger A_a (X B_b Psi)]; both low rank: Tr[(Phi_Y^dagger A_a Psi_X)
    (Phi_X^dagger B_b Psi_Y)] -- solves and products with n_orb x r matrices only.
    """
    if X.kind == "chain" and Y.kind == "chain":
        return layer_pair_traces(A, B, X, Y, fsys)
    out = np.zeros((len(A), len(B)), dtype=complex)
    if X.kind == "lowrank" and Y.kind == "lowrank":
        L = [Y.Phi.conj().T @ (Aa @ X.Psi) for Aa in A]
        R = [X.Phi.conj().T @ (Bb @ Y.Psi) for Bb in B]
        for a in range(len(A)):
            for b in range(len(B)):
                out[a, b] = np.sum(L[a] * R[b].T)
        return out
    if X.kind == "lowrank":
        r = X.Psi.shape[1]
        Z = Y.apply(np.hstack([Aa @ X.Psi for Aa in A]))
        for a in range(len(A)):
            Za = Z[:, a * r:(a + 1) * r]
            for b, Bb in enumerate(B):
                out[a, b] = np.sum(X.Phi.conj() * (Bb @ Za))
        return out
    r = Y.Psi.shape[1]
    Z = X.apply(np.hstack([Bb @ Y.Psi for Bb in B]))
    for b in range(len(B)):
        Zb = Z[:, b * r:(b + 1) * r]
        for a, Aa in enumerate(A):
            out[a, b] = np.sum(Y.Phi.conj() * (Aa @ Zb))
    return out


def site_blocks(X, i, j, fsys):
    """Site blocks X_{i_p j_p} (P, B, B) of a layered view (Chain: coefficient n; LowRank) or a dense matrix."""
    B = fsys.block
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if isinstance(X, np.ndarray):
        N = X.shape[0] // B
        return X.reshape(N, B, N, B)[i, :, j, :]
    if X.kind == "lowrank":
        r = X.Psi.shape[1]
        Ps = X.Psi.reshape(fsys.n_sites, B, r)
        Fs = X.Phi.reshape(fsys.n_sites, B, X.Phi.shape[1])
        return np.einsum("pbr,pcr->pbc", Ps[i], Fs[j].conj())
    lay = fsys.layer_of_site
    loc = fsys.local_index[np.arange(fsys.n_sites) * B] // B
    k, l = lay[i], lay[j]
    out = np.empty((len(i), B, B), dtype=complex)
    for kk, ll in set(zip(k.tolist(), l.tolist())):
        sel = np.flatnonzero((k == kk) & (l == ll))
        blk = X.block(kk, ll)[X.n]
        n1, n2 = blk.shape
        out[sel] = blk.reshape(n1 // B, B, n2 // B, B)[loc[i[sel]], :, loc[j[sel]], :]
    return out
