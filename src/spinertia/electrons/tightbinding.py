"""Spinful tight-binding systems on the package's lattices: a builder and its finalized form.

    from spinertia.lattice.geometry import square
    from spinertia.lattice import textures
    from spinertia.electrons import TightBinding, SemiInfiniteLead

    tb = TightBinding(square(), (40, 40), hopping=1.0)      # H_ij = -t on nearest neighbours
    tb.add_onsite(4.0)                                      # band of the clean square lattice: [0, 8]
    tb.set_exchange(2.0, textures.uniform(tb.geometry))     # J sigma . m_i on every site
    fsys = tb.finalized()
    fsys.attach_lead(SemiInfiniteLead.from_system(fsys, "left"), side="left")
    fsys.attach_lead(SemiInfiniteLead.from_system(fsys, "right"), side="right")
    H = fsys.hamiltonian()                                  # scipy.sparse CSR, complex, n_orb x n_orb

Conventions
-----------
* Energies in units of the hopping t, hbar = 1 (see :mod:`spinertia.electrons.units`).
* Sites are those of the spin :class:`~spinertia.lattice.system.System` on the same lattice and size:
  flat site index ``s + n_sub (i1 + n1 (i2 + n2 i3))``, so an ``(n_sites, 3)`` spin texture maps onto
  the electrons site by site.  Orbital index ``2 (site * orbitals + orb) + spin`` (spin up = 0,
  down = 1 along z): inside a site the ``2 orbitals x 2 orbitals`` block is ``kron(orbital, spin)``.
* Hopping ``t`` on the bond i -> j (a scalar, a 2x2 spin matrix, a ``2 orbitals`` square matrix or a
  callable of the bond vector delta = r_j - r_i in metres) puts the matrix element ``H_ij = -t`` and
  ``H_ji = -t^dagger``, so ``hopping=1`` gives the band -2t (cos k_x + cos k_y) of the square lattice.
* s-d exchange ``J sigma . m_i`` on site i (J in units of t, m_i unit vectors): the two spin bands of a
  uniform magnet are split by 2J.  Xu et al. 2023 write J s . M = (J/2) sigma . M (Eqs. 5, 32, A5);
  their Fig. 3 (band window [0, 8], fully polarized below |J| and above 8 - |J| at J = 2) needs the
  splitting 2J, i.e. this J sigma . m with on-site 4t (see docs/electrons_core.md).
* Electron Zeeman ``b . sigma`` (b in units of t; for a field B in tesla, b = g mu_B B / 2).
* Rashba ``i lambda_R sum_<ij> c_i^dag (sigma x d_ij)_z c_j`` (d_ij the unit bond vector i -> j) and the
  Kane-Mele intrinsic term ``i lambda_SO sum_<<ij>> nu_ij c_i^dag sigma_z c_j`` (nu_ij = +-1, the sign of
  (d_ik x d_kj)_z summed over the common nearest neighbours k).
* Layers for the recursive Green's function: the transport direction is the first lattice direction
  (x for the square lattice); a layer holds all orbitals of ``w`` consecutive columns (fixed i1), with w
  the longest hopping range along that direction (w = 1 for nearest neighbours), in increasing orbital
  order.
"""
from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..lattice.finalized import check_spins
from ..lattice.geometry import Bond, Lattice
from ..lattice.system import System

__all__ = ["TightBinding", "FinalizedTightBinding", "PAULI", "spin_rotation"]

#: Pauli matrices sigma_x, sigma_y, sigma_z (3, 2, 2).
PAULI = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)
_AXES = {"x": 0, "y": 1, "z": 2, 0: 0, 1: 1, 2: 2}


def _axis(a):
    try:
        return _AXES[a]
    except (KeyError, TypeError):
        raise InputError(f"spin axis must be 'x', 'y', 'z' or 0, 1, 2, got {a!r}") from None


def spin_rotation(direction):
    """SU(2) matrix U with U sigma_z U^dagger = sigma . m for the unit vector m along ``direction``.

    U = exp(-i phi sigma_z / 2) exp(-i theta sigma_y / 2) with (theta, phi) the polar angles of m; its
    first column is the spinor along m.  (Xu et al. 2023, Eq. 7 print the two factors in the other
    order; see :class:`spinertia.electrons.leads.RotatedLead`.)
    """
    m = np.asarray(direction, dtype=float)
    if m.shape != (3,) or not np.all(np.isfinite(m)) or np.linalg.norm(m) == 0:
        raise InputError(f"direction must be a finite non-zero 3-vector, got {np.asarray(direction).tolist()}")
    m = m / np.linalg.norm(m)
    theta = np.arccos(np.clip(m[2], -1, 1))
    phi = np.arctan2(m[1], m[0])
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[np.exp(-0.5j * phi) * c, -np.exp(-0.5j * phi) * s],
                     [np.exp(0.5j * phi) * s, np.exp(0.5j * phi) * c]])


def check_texture(texture, n_sites, name="texture"):
    """Validate an (n_sites, 3) array of unit vectors (site order of spinertia.lattice.System); normalized copy."""
    return check_spins(texture, n_sites, name)


class _Gate:
    """Time-dependent potential V(t) (units of t) on a set of sites (picklable unless given a lambda)."""

    def __init__(self, sites, protocol):
        self.sites = sites
        self.fn = None
        if callable(protocol):
            self.kind, self.fn, self.params = "callable", protocol, ()
        elif isinstance(protocol, numbers.Real):
            self.kind, self.params = "static", (float(protocol),)
        elif isinstance(protocol, (tuple, list)) and len(protocol) in (3, 4) and protocol[0] in ("cos", "sin"):
            self.kind = protocol[0]
            self.params = (float(protocol[1]), float(protocol[2]), float(protocol[3]) if len(protocol) == 4 else 0.0)
        else:
            raise InputError(f"gate protocol must be a number (static potential, units of t), a callable V(t) or "
                             f"('cos' | 'sin', amplitude, omega[, phase]) (Xu et al. 2023: V cos(omega t + phi)), "
                             f"got {protocol!r}")
        if not np.all(np.isfinite(self.params)):
            raise InputError(f"gate protocol {protocol!r} must have finite parameters")

    def __call__(self, t):
        if self.kind == "static":
            v = self.params[0]
        elif self.kind in ("cos", "sin"):
            amp, omega, phase = self.params
            v = amp * (np.cos if self.kind == "cos" else np.sin)(omega * float(t) + phase)
        else:
            v = self.fn(float(t))
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise InputError(f"gate protocol returned {v!r} at t = {t}; it must return a real number") from None
        if not np.isfinite(v):
            raise InputError(f"gate protocol returned a non-finite value {v} at t = {t}")
        return v


class TightBinding:
    """Builder of a spinful tight-binding system (see the module docstring for conventions).

    Parameters
    ----------
    lattice : spinertia.lattice.geometry.Lattice
        The lattice (the same object the spin ``System`` uses; positions in metres).
    size : int or tuple of int
        Repetitions (n1[, n2[, n3]]) of the unit cell.
    periodic : bool or tuple of bool
        Periodic boundaries per direction (default open; the transport direction, the first one, must
        stay open for leads and the recursive Green's function).
    orbitals : int
        Orbitals per site (each spinful).
    hopping : float, 2x2 array, callable or None
        Nearest-neighbour hopping t (units of t): ``H_ij = -t``.  ``None`` or 0 adds no hopping.

    All ``add_*`` / ``set_*`` methods return ``self``.
    """

    def __init__(self, lattice, size, periodic=False, orbitals=1, hopping=1.0):
        if not isinstance(lattice, Lattice):
            raise InputError("TightBinding needs a spinertia.lattice.geometry.Lattice (e.g. lattice.geometry.square())")
        if int(orbitals) != orbitals or orbitals < 1:
            raise InputError(f"orbitals must be a positive integer, got {orbitals!r}")
        self.geometry = System(lattice, size, periodic=periodic)
        self.lattice = lattice
        self.size = self.geometry.size
        self.periodic = self.geometry.periodic
        self.orbitals = int(orbitals)
        self.block = 2 * self.orbitals
        self.n_sites = self.geometry.n_sites
        self._bonds = []  # (Bond, raw matrix element H_ij (block x block))
        self._onsite = np.zeros((self.n_sites, self.block, self.block), dtype=complex)
        self._exchange_J = None
        self._texture = None
        self._gates = []
        self.terms = []
        if hopping is not None and not (np.isscalar(hopping) and hopping == 0):
            self.add_hopping(hopping, shell=1)

    # -- helpers ---------------------------------------------------------------------------------
    def _matrix(self, value, name):
        """Scalar, 2x2 spin matrix or (2 orbitals)^2 matrix -> complex (block, block)."""
        a = np.asarray(value, dtype=complex)
        o = self.orbitals
        if a.ndim == 0:
            out = complex(a) * np.eye(self.block)
        elif a.shape == (2, 2):
            out = np.kron(np.eye(o), a)
        elif a.shape == (self.block, self.block):
            out = a.copy()
        else:
            raise InputError(f"{name} must be a scalar, a 2x2 spin matrix or a {self.block}x{self.block} matrix "
                             f"(orbital x spin), got shape {a.shape}")
        if not np.all(np.isfinite(out)):
            raise InputError(f"{name} must be finite, got {np.asarray(value).tolist()}")
        return out

    def _bond_list(self, shell, bonds, between):
        if shell is not None and bonds is not None:
            raise InputError("give either shell=<n> or bonds=[(s, t, offset), ...], not both")
        if shell is None and bonds is None:
            shell = 1
        return self.geometry._bonds(shell, bonds, between)

    def _sites(self, sites, name="sites"):
        """None (all), a boolean mask, integer indices or a callable of the positions (n, 3) -> mask."""
        n = self.n_sites
        if sites is None:
            return np.arange(n)
        if callable(sites):
            sites = sites(self.geometry.positions())
        a = np.asarray(sites)
        if a.dtype == bool:
            if a.shape != (n,):
                raise InputError(f"{name}: a boolean mask needs one entry per site ({n}), got shape {a.shape}")
            return np.flatnonzero(a)
        a = np.atleast_1d(a)
        if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
            raise InputError(f"{name} must be site indices, a boolean mask or a callable of positions, got {sites!r}")
        if a.size and (a.min() < 0 or a.max() >= n):
            raise InputError(f"{name}: site indices must lie in 0..{n - 1}, got range {a.min()}..{a.max()}")
        if len(np.unique(a)) != len(a):
            raise InputError(f"{name}: repeated site indices")
        return a.astype(np.int64)

    def _add_bonds(self, bl, raw_of_delta, kind, info):
        for b in bl:
            delta = self.lattice.displacement(b)
            M = raw_of_delta(delta)
            self._bonds.append((b, M))
        self.terms.append((kind, info))

    # -- terms -----------------------------------------------------------------------------------
    def add_hopping(self, t, shell=None, bonds=None, between=None):
        """Hopping t on the bonds of a neighbour shell (default shell 1) or on explicit bonds.

        Parameters
        ----------
        t : complex, (2, 2), (2 orbitals, 2 orbitals) array or callable
            Hopping (units of t): matrix element ``H_ij = -t`` for the bond i -> j, ``H_ji = -t^dagger``.
            A callable receives the bond vector delta = r_j - r_i (metres) and returns one of the above.
        shell : int, optional
            Neighbour shell (1 = nearest neighbours).
        bonds : list of (s, t, offset), optional
            Explicit bonds (sublattices and integer cell offset), as in ``System.add_exchange``.
        between : pair, optional
            Restrict a shell to bonds between two sublattices.
        """
        bl = self._bond_list(shell, bonds, between)

        def raw(delta):
            return -self._matrix(t(delta) if callable(t) else t, "hopping")

        self._add_bonds(bl, raw, "hopping", dict(t="callable" if callable(t) else np.asarray(t).tolist(),
                                                 shell=shell))
        return self

    def add_onsite(self, eps, sites=None):
        """On-site energy (units of t): scalar, per-site array, 2x2 spin matrix, (2 orbitals)^2 matrix,
        an array of per-site matrices, or a callable of a site position (metres) returning one of these.

        ``sites`` (indices, boolean mask or callable of positions) restricts the term."""
        idx = self._sites(sites)
        if callable(eps):
            P = self.geometry.positions()
            blocks = np.array([self._matrix(eps(P[i]), "on-site energy") for i in idx]).reshape(-1, self.block,
                                                                                                  self.block)
        else:
            a = np.asarray(eps, dtype=complex)
            if a.ndim == 1 and a.shape == (len(idx),) and len(idx) > 0:
                blocks = a[:, None, None] * np.eye(self.block)[None]
            elif a.ndim == 3 and a.shape[0] == len(idx):
                blocks = np.array([self._matrix(x, "on-site energy") for x in a])
            else:
                blocks = np.broadcast_to(self._matrix(a, "on-site energy"), (len(idx), self.block, self.block))
        if not np.all(np.isfinite(blocks)):
            raise InputError("on-site energies must be finite")
        herm = np.abs(blocks - np.conj(np.swapaxes(blocks, 1, 2))).max(initial=0.0)
        if herm > 1e-12 * max(1.0, np.abs(blocks).max(initial=0.0)):
            raise InputError(f"on-site matrix is not Hermitian (max |M - M^dagger| = {herm:.3g}); a Hamiltonian "
                             "must be Hermitian: give real on-site energies or Hermitian spin matrices "
                             "(use gamma of a WideBandLead for a level broadening)")
        self._onsite[idx] += blocks
        self.terms.append(("onsite", dict(sites=None if sites is None else len(idx))))
        return self

    def set_exchange(self, J, texture):
        """s-d exchange ``J_i sigma . m_i`` on every site (replaces a previous exchange term).

        Parameters
        ----------
        J : float or (n_sites,) array
            Exchange energy per site (units of t); the spin bands of a uniform magnet split by 2J.
        texture : (n_sites, 3) array
            Unit vectors m_i in the site order of ``spinertia.lattice.System`` (e.g. from
            ``spinertia.lattice.textures`` called on ``self.geometry``).
        """
        self._texture = check_texture(texture, self.n_sites)
        self._exchange_J = _site_values(J, self.n_sites, "J")
        self.terms.append(("exchange", {}))
        return self

    def add_zeeman(self, b, sites=None):
        """Electron Zeeman energy ``b . sigma`` (b a 3-vector in units of t; b = g mu_B B / 2 for a field B)."""
        v = np.asarray(b, dtype=float)
        if v.shape != (3,) or not np.all(np.isfinite(v)):
            raise InputError(f"Zeeman b must be a finite 3-vector (units of t), got {np.asarray(b).tolist()}")
        self.add_onsite(np.einsum("a,aij->ij", v, PAULI), sites=sites)
        self.terms[-1] = ("zeeman", dict(b=v.tolist()))
        return self

    def add_rashba(self, lambda_R, shell=1):
        """Rashba coupling ``i lambda_R sum_<ij> c_i^dag (sigma x d_ij)_z c_j`` (d_ij unit bond vector i -> j)."""
        lam = _real(lambda_R, "lambda_R")

        def raw(delta):
            d = delta / np.linalg.norm(delta)
            return self._matrix(1j * lam * (PAULI[0] * d[1] - PAULI[1] * d[0]), "Rashba")

        self._add_bonds(self._bond_list(shell, None, None), raw, "rashba", dict(lambda_R=lam))
        return self

    def add_intrinsic_soc(self, lambda_SO, shell=2):
        """Kane-Mele intrinsic spin-orbit term ``i lambda_SO sum nu_ij c_i^dag sigma_z c_j`` on the ``shell``
        bonds, nu_ij = sign(sum_k (d_ik x d_kj)_z) over common nearest neighbours k (honeycomb: +-1)."""
        lam = _real(lambda_SO, "lambda_SO")
        nn = {}
        for b in self.lattice.shell(1):
            for bb in (b, b.reversed()):
                nn.setdefault(bb.s, []).append((bb.t, self.lattice.displacement(bb)))
        bl = self._bond_list(shell, None, None)
        signs = []
        for b in bl:
            d = self.lattice.displacement(b)
            acc = 0.0
            for t1, d1 in nn.get(b.s, []):
                for t2, d2 in nn.get(t1, []):
                    if t2 == b.t and np.linalg.norm(d1 + d2 - d) < 1e-9 * np.linalg.norm(d):
                        acc += np.cross(d1, d2)[2] / (np.linalg.norm(d1) * np.linalg.norm(d2))
            signs.append(0.0 if abs(acc) < 1e-9 else np.sign(acc))
        if not any(signs):
            raise InputError(f"the Kane-Mele factors nu_ij vanish on every shell-{shell} bond of this lattice (the "
                             "two paths through common neighbours cancel, e.g. on the square lattice); write the "
                             "spin-orbit term as add_hopping(callable of the bond vector) instead")
        for b, s in zip(bl, signs):
            if s:
                self._bonds.append((b, self._matrix(1j * lam * s * PAULI[2], "intrinsic SOC")))
        self.terms.append(("intrinsic_soc", dict(lambda_SO=lam, shell=shell)))
        return self

    def add_gate(self, sites_or_mask, protocol):
        """Time-dependent gate potential V(t) (units of t) on chosen sites (all their orbitals).

        Parameters
        ----------
        sites_or_mask : indices, boolean mask or callable of positions (n, 3) -> mask
            The gated sites.  Xu et al. 2023, Sec. V gate the columns x = l_1 and l_2 of the lattice.
        protocol : float, callable or tuple
            A static potential, a callable V(t) (t in hbar/t units), or ('cos' | 'sin', V, omega[, phase])
            meaning V cos(omega t + phase).
        """
        idx = self._sites(sites_or_mask, "gate sites")
        if len(idx) == 0:
            raise InputError("a gate needs at least one site")
        self._gates.append(_Gate(idx, protocol))
        self.terms.append(("gate", dict(sites=len(idx))))
        return self

    def finalized(self):
        """The :class:`FinalizedTightBinding` (sparse Hamiltonian, layers, leads)."""
        return FinalizedTightBinding(self)

    def describe(self):
        return {"kind": "tight-binding", "lattice": self.lattice.describe(), "size": list(self.size),
                "periodic": list(self.periodic), "orbitals": self.orbitals, "terms": [str(t) for t in self.terms]}


def _real(x, name):
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number (units of t), got {x!r}") from None
    if not np.isfinite(v):
        raise InputError(f"{name} must be finite, got {x!r}")
    return v


def _site_values(J, n_sites, name):
    a = np.asarray(J, dtype=float)
    if a.ndim == 0:
        a = np.full(n_sites, float(a))
    if a.shape != (n_sites,) or not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be a finite number or one per site ({n_sites}), got shape {np.shape(J)}")
    return a.copy()


class FinalizedTightBinding:
    """Sparse Hamiltonian of a :class:`TightBinding`, its layers along x and its attached leads.

    Attributes
    ----------
    n_sites, n_orb, orbitals, block : int
        Sites, orbitals (spinful: 2 per site and orbital), orbitals per site, block size 2 orbitals.
    positions : (n_sites, 3) array
        Site positions in metres (same as ``System.positions()``).
    geometry : spinertia.lattice.System
        The spin-lattice geometry with the same sites (for ``spinertia.lattice.textures``).
    layers : list of int arrays
        Site indices of each layer (transport direction x = first lattice direction).
    layer_orbitals : list of int arrays
        Orbital indices of each layer, increasing.
    leads : list
        Attached leads (:class:`AttachedLead`), in attachment order.
    version : int
        Incremented whenever the Hamiltonian or the leads change (caches key on it).
    """

    def __init__(self, tb: TightBinding):
        self.geometry = tb.geometry
        self.lattice = tb.lattice
        self.size = tb.size
        self.periodic = tb.periodic
        self.orbitals = tb.orbitals
        self.block = tb.block
        self.n_sites = tb.n_sites
        self.n_orb = self.n_sites * self.block
        self.positions = self.geometry.positions()
        self.describe_terms = list(tb.terms)
        self.leads = []
        self.version = 0
        self._gates = list(tb._gates)
        self._exchange_J = None if tb._exchange_J is None else tb._exchange_J.copy()
        self._texture = None if tb._texture is None else tb._texture.copy()
        self._build(tb)
        self._build_layers(tb)

    # -- construction ----------------------------------------------------------------------------
    def _pairs(self, b: Bond):
        """Site pairs (i, j) joined by bond b over the whole supercell (periodic wrap where set)."""
        n1, n2, n3 = self.size
        nsub = self.lattice.n_sub
        c = np.stack(np.meshgrid(np.arange(n1), np.arange(n2), np.arange(n3), indexing="ij"), -1)
        c = c.transpose(2, 1, 0, 3).reshape(-1, 3)
        c2 = c + np.array(b.offset)
        inside = np.ones(len(c), dtype=bool)
        for d in range(3):
            if self.periodic[d]:
                c2[:, d] %= self.size[d]
            else:
                inside &= (c2[:, d] >= 0) & (c2[:, d] < self.size[d])
        i = b.s + nsub * (c[:, 0] + n1 * (c[:, 1] + n2 * c[:, 2]))
        j = b.t + nsub * (c2[:, 0] + n1 * (c2[:, 1] + n2 * c2[:, 2]))
        i, j = i[inside], j[inside]
        if np.any(i == j):
            raise InputError(f"bond {b} joins a site to its own periodic image in a {self.size} supercell; make "
                             "the periodic direction longer or open it")
        return i, j

    def _build(self, tb):
        B = self.block
        ar = np.arange(B)
        rows, cols, vals = [], [], []
        # explicit on-site blocks (zeros included): the slots for exchange and gates
        site = np.arange(self.n_sites)
        r = (site[:, None, None] * B + ar[None, :, None]) + 0 * ar[None, None, :]
        c = (site[:, None, None] * B + ar[None, None, :]) + 0 * ar[None, :, None]
        rows.append(r.ravel())
        cols.append(c.ravel())
        vals.append(tb._onsite.ravel())
        max_dx = 0
        for b, M in tb._bonds:
            i, j = self._pairs(b)
            if len(i) == 0:
                continue
            max_dx = max(max_dx, abs(b.offset[0]))
            ri = (i[:, None, None] * B + ar[None, :, None]) + 0 * ar[None, None, :]
            cj = (j[:, None, None] * B + ar[None, None, :]) + 0 * ar[None, :, None]
            rows += [ri.ravel(), cj.transpose(0, 2, 1).ravel()]
            cols += [cj.ravel(), ri.transpose(0, 2, 1).ravel()]
            Mb = np.broadcast_to(M, (len(i), B, B))
            vals += [Mb.ravel(), np.conj(np.swapaxes(Mb, 1, 2)).ravel()]
        n = self.n_orb
        H = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsr()
        H.sum_duplicates()
        H.sort_indices()
        self._indptr, self._indices = H.indptr, H.indices
        self._static = H.data.copy()
        self._max_dx = max(max_dx, 1)
        # data positions of the on-site blocks
        rowid = np.repeat(np.arange(n, dtype=np.int64), np.diff(H.indptr))
        keys = rowid * n + H.indices
        want = (r.astype(np.int64) * n + c).reshape(self.n_sites, B, B)
        self._slots = np.searchsorted(keys, want)
        self._diag_slots = self._slots[:, ar, ar]  # (n_sites, B)
        herm = abs(H - H.conj().T).max() if H.nnz else 0.0
        if herm > 1e-12 * max(1.0, abs(H).max()):
            raise InputError(f"the Hamiltonian is not Hermitian (max |H - H^dagger| = {herm:.3g}); check the on-site "
                             "matrices and hoppings")
        self._exchange_data = np.zeros_like(self._static)
        if self._texture is not None:
            self._fill_exchange()

    def _fill_exchange(self):
        blocks = np.einsum("i,ia,ajk->ijk", self._exchange_J, self._texture, PAULI)
        full = np.einsum("ab,ijk->iajbk", np.eye(self.orbitals), blocks).reshape(self.n_sites, self.block, self.block)
        self._exchange_data[:] = 0.0
        self._exchange_data[self._slots.ravel()] = full.ravel()

    def _build_layers(self, tb):
        n1 = self.size[0]
        nsub = self.lattice.n_sub
        i1 = (np.arange(self.n_sites) // nsub) % n1
        w = self._max_dx
        self.layer_width = w
        self.layer_of_site = i1 // w
        n_layers = int(self.layer_of_site.max()) + 1
        self.layers = [np.flatnonzero(self.layer_of_site == k) for k in range(n_layers)]
        B = self.block
        self.layer_orbitals = [(s[:, None] * B + np.arange(B)[None, :]).ravel() for s in self.layers]
        self.layer_of_orbital = np.repeat(self.layer_of_site, B)
        self.local_index = np.empty(self.n_orb, dtype=np.int64)
        for orbs in self.layer_orbitals:
            self.local_index[orbs] = np.arange(len(orbs))
        self.rgf_problem = None
        if self.periodic[0] and n_layers > 2:
            self.rgf_problem = ("the transport direction (first lattice direction) is periodic; the recursive Green's "
                                "function needs it open: TightBinding(..., periodic=(False, True))")

    @property
    def n_layers(self):
        return len(self.layers)

    # -- Hamiltonian -----------------------------------------------------------------------------
    def hamiltonian(self, t=0.0):
        """Sparse Hamiltonian H(t) (CSR, complex, n_orb x n_orb, units of t) including exchange and gates."""
        data = self._static + self._exchange_data
        if self._gates:
            data = data.copy()
            for g in self._gates:
                data[self._diag_slots[g.sites].ravel()] += g(t)
        return sp.csr_matrix((data, self._indices.copy(), self._indptr.copy()), shape=(self.n_orb, self.n_orb))

    def static_hamiltonian(self, exchange=False):
        """Hamiltonian without gates, and without the exchange term unless ``exchange=True`` (CSR)."""
        data = self._static + (self._exchange_data if exchange else 0.0)
        return sp.csr_matrix((data, self._indices.copy(), self._indptr.copy()), shape=(self.n_orb, self.n_orb))

    @property
    def has_gates(self):
        return bool(self._gates)

    @property
    def texture(self):
        """Current exchange texture (n_sites, 3) or None."""
        return None if self._texture is None else self._texture.copy()

    @property
    def exchange_J(self):
        """Exchange energy per site (n_sites,) or None."""
        return None if self._exchange_J is None else self._exchange_J.copy()

    def set_texture(self, texture):
        """Replace the exchange directions m_i (same J); cheap: only the on-site blocks are rewritten."""
        if self._exchange_J is None:
            raise InputError("this system has no exchange term; call set_exchange(J, texture) (builder or "
                             "finalized system) first")
        self._texture = check_texture(texture, self.n_sites)
        self._fill_exchange()
        self.version += 1
        return self

    def set_exchange(self, J, texture):
        """Set (or replace) the exchange J_i sigma . m_i of the finalized system."""
        self._exchange_J = _site_values(J, self.n_sites, "J")
        return self.set_texture(texture)

    # -- operators -------------------------------------------------------------------------------
    def site_orbitals(self, sites):
        """Orbital indices (increasing per site) of the given site indices."""
        s = np.atleast_1d(np.asarray(sites, dtype=np.int64))
        if s.size and (s.min() < 0 or s.max() >= self.n_sites):
            raise InputError(f"site indices must lie in 0..{self.n_sites - 1}")
        return (s[:, None] * self.block + np.arange(self.block)[None, :]).ravel()

    def sigma_site(self, a, sites=None):
        """Pauli matrix sigma_a on the given sites (all sites: the total spin operator times 2), sparse CSR.

        Parameters
        ----------
        a : 'x' | 'y' | 'z' | 0 | 1 | 2
        sites : int, array of int or None
        """
        k = _axis(a)
        sites = np.arange(self.n_sites) if sites is None else np.atleast_1d(np.asarray(sites, dtype=np.int64))
        blk = np.kron(np.eye(self.orbitals), PAULI[k])
        B = self.block
        rr = (sites[:, None, None] * B + np.arange(B)[None, :, None]) + 0 * np.arange(B)[None, None, :]
        cc = (sites[:, None, None] * B + np.arange(B)[None, None, :]) + 0 * np.arange(B)[None, :, None]
        vv = np.broadcast_to(blk, rr.shape)
        mats = sp.coo_matrix((vv.ravel(), (rr.ravel(), cc.ravel())), shape=(self.n_orb, self.n_orb)).tocsr()
        mats.eliminate_zeros()
        return mats

    # -- leads -----------------------------------------------------------------------------------
    def attach_lead(self, lead, side=None, interface=None, sites=None):
        """Attach a lead and return its index.

        Parameters
        ----------
        lead : SemiInfiniteLead, WideBandLead or RotatedLead
        side : 'left' | 'right', optional
            Couple to all orbitals of the first (left, x = 0) or last (right) layer, in layer order.
        interface : array of int, optional
            Orbital indices of the region that the lead couples to (the order of the lead's self-energy).
        sites : array of int, optional
            Shorthand for ``interface = site_orbitals(sites)``.
        """
        from .leads import AttachedLead

        given = [x is not None for x in (side, interface, sites)]
        if sum(given) != 1:
            raise InputError("attach_lead needs exactly one of side='left'|'right', interface=orbital indices or "
                             "sites=site indices")
        if side is not None:
            if side not in ("left", "right"):
                raise InputError(f"side must be 'left' or 'right', got {side!r}")
            if self.rgf_problem and self.periodic[0]:
                raise InputError(self.rgf_problem)
            orbs = self.layer_orbitals[0 if side == "left" else -1]
        elif sites is not None:
            orbs = self.site_orbitals(sites)
        else:
            orbs = np.atleast_1d(np.asarray(interface))
            if orbs.ndim != 1 or (orbs.size and not np.issubdtype(orbs.dtype, np.integer)):
                raise InputError(f"interface must be a 1D array of orbital indices, got {interface!r}")
            if orbs.size and (orbs.min() < 0 or orbs.max() >= self.n_orb):
                raise InputError(f"interface orbitals must lie in 0..{self.n_orb - 1}")
        orbs = orbs.astype(np.int64)
        if len(orbs) == 0 or len(np.unique(orbs)) != len(orbs):
            raise InputError("a lead interface needs distinct orbital indices (at least one)")
        n_lead = lead.interface_size(len(orbs))
        if n_lead != len(orbs):
            where = f"the {side} layer" if side else "the given interface"
            raise InputError(f"lead does not match the scattering region: it couples to {n_lead} orbitals but "
                             f"{where} has {len(orbs)} ({len(orbs) // self.block} sites x {self.block}); build the "
                             "lead for this width (SemiInfiniteLead.strip(width=...) or SemiInfiniteLead.from_system("
                             "fsys, side))")
        self.leads.append(AttachedLead(lead, orbs, side))
        lead.interface = orbs  # the region orbitals of its (latest) attachment
        self.version += 1
        return len(self.leads) - 1

    def detach_leads(self):
        """Remove all leads."""
        self.leads = []
        self.version += 1
        return self

    def lead_self_energy(self, E):
        """Sum of the leads' self-energies at E as a sparse (n_orb x n_orb) matrix."""
        n = self.n_orb
        out = sp.csr_matrix((n, n), dtype=complex)
        for al in self.leads:
            S = al.lead.self_energy(E)
            r = np.repeat(al.interface, len(al.interface))
            c = np.tile(al.interface, len(al.interface))
            out = out + sp.csr_matrix((S.ravel(), (r, c)), shape=(n, n))
        return out

    # -- layer blocks (for the recursive Green's function) ---------------------------------------
    def layer_blocks(self, t=0.0, exchange=True, gates=True):
        """Dense layer blocks of H: (diag, up) with diag[k] = H_kk and up[k] = H_{k,k+1} (lists of arrays).

        Raises InputError if H couples layers further apart than neighbours (which cannot happen for a
        system built by :class:`TightBinding` with an open transport direction)."""
        if self.rgf_problem:
            raise InputError(self.rgf_problem)
        if getattr(self, "_layer_map", None) is None:
            n = self.n_orb
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(self._indptr))
            lr, lc = self.layer_of_orbital[rows], self.layer_of_orbital[self._indices]
            dl = lc - lr
            if np.any(np.abs(dl) > 1):
                raise InputError("the Hamiltonian couples layers that are not neighbours; the recursive Green's "
                                 "function needs nearest-layer coupling")
            li, lj = self.local_index[rows], self.local_index[self._indices]
            d0, d1 = np.flatnonzero(dl == 0), np.flatnonzero(dl == 1)
            self._layer_map = (d0, (lr[d0], li[d0], lj[d0]), d1, (lr[d1], li[d1], lj[d1]))
        d0, i0, d1, i1 = self._layer_map
        data = self._static + (self._exchange_data if exchange else 0.0)
        if gates and self._gates:
            data = data.copy()
            for g in self._gates:
                data[self._diag_slots[g.sites].ravel()] += g(t)
        sizes = [len(o) for o in self.layer_orbitals]
        nmax = max(sizes)
        N = len(sizes)
        D = np.zeros((N, nmax, nmax), dtype=complex)
        U = np.zeros((max(N - 1, 1), nmax, nmax), dtype=complex)
        D[i0] = data[d0]  # CSR entries are unique: plain assignment
        U[i1] = data[d1]
        diag = [D[k, :sizes[k], :sizes[k]] for k in range(N)]
        up = [U[k, :sizes[k], :sizes[k + 1]] for k in range(N - 1)]
        return diag, up

    def describe(self):
        return {"kind": "tight-binding (finalized)", "n_sites": self.n_sites, "n_orb": self.n_orb,
                "size": list(self.size), "periodic": list(self.periodic), "n_layers": self.n_layers,
                "terms": [str(t) for t in self.describe_terms], "leads": [al.describe() for al in self.leads]}
