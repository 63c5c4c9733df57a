"""Finalized system: the efficient, reduced-unit description the solvers consume.

Built from a :class:`~spinertia.lattice.system.System` (or a :class:`~spinertia.lattice.macrospin.Macrospin`,
a one-site system) by ``finalized(units)``.  It holds named tables (see :mod:`.fields` for the layout):

* ``tables`` (:class:`~.fields.FieldTables`): the effective field, reduced units h = gamma B t_unit;
* ``damping``, ``inertia`` (:class:`OnsiteTable`: ``row`` (n_sites,) int32, ``T`` (rows, 9)) and
  ``pair_damping``, ``pair_inertia`` (:class:`PairTable`: ``nbr`` (n_sites, z) int32, ``row`` (n_sites,)
  int32, ``T`` (rows, z, 9)): the dynamical couplings, dimensionless and in reduced time (E / t_unit).

Translation-invariant couplings have one row per sublattice (``row`` is the sublattice index); site-resolved
ones one row per site.  Energies are in joule.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..errors import InputError
from ..numerics.jit import get_threads
from . import protocols
from .fields import ENERGY_SITES, FIELD_ALL, FIELD_ALL_STT, FieldTables
from .geometry import Bond
from .system import PairTerm, System

OnsiteTable = namedtuple("OnsiteTable", ["row", "T"])
PairTable = namedtuple("PairTable", ["nbr", "row", "T"])

#: systems with at least this many sites use the thread-parallel kernels (when more than one thread is
#: available; the dynamics chooses threads at run time, :mod:`spinertia.dynamics.threads`)
PARALLEL_MIN_SITES = 8192


def directed_bonds(system: System, term: PairTerm):
    """Per sublattice s: list of (t, offset, tensor) over bonds leaving s (reverse bonds carry T^T).
    Several terms on one directed bond are summed."""
    out = [dict() for _ in range(system.lattice.n_sub)]
    for b, T in zip(term.bonds, term.tensors):
        for s, t, off, M in ((b.s, b.t, b.offset, T), (b.t, b.s, tuple(-o for o in b.offset), T.T)):
            key = (t, off)
            out[s][key] = out[s].get(key, 0.0) + M
    return [[(t, off, M) for (t, off), M in sorted(d.items())] for d in out]


def neighbour_table(system: System, term: PairTerm):
    """(nbr (n_sites, z) int32 with -1 for missing neighbours, T (n_sub, z, 9)) of a translation-invariant
    pair term (SI tensors)."""
    nsub = system.lattice.n_sub
    lists = directed_bonds(system, term)
    z = max((len(lst) for lst in lists), default=0)
    n1, n2, n3 = system.size
    N = system.n_sites
    nbr = np.full((N, z), -1, dtype=np.int32)
    T = np.zeros((nsub, z, 9))
    cells = np.stack(np.meshgrid(np.arange(n1), np.arange(n2), np.arange(n3), indexing="ij"), -1)
    cells = cells.transpose(2, 1, 0, 3).reshape(-1, 3)  # flat cell index c = i1 + n1 (i2 + n2 i3)
    size = np.array(system.size)
    per = np.array(system.periodic)
    for s in range(nsub):
        for k, (t, off, M) in enumerate(lists[s]):
            T[s, k] = np.asarray(M, dtype=float).ravel()
            c2 = cells + np.array(off)
            inside = np.ones(len(cells), dtype=bool)
            for d in range(3):
                if per[d]:
                    c2[:, d] %= size[d]
                else:
                    inside &= (c2[:, d] >= 0) & (c2[:, d] < size[d])
            j = t + nsub * (c2[:, 0] + n1 * (c2[:, 1] + n2 * c2[:, 2]))
            nbr[s::nsub, k] = np.where(inside, j, -1)
    return nbr, T


def pair_table(system: System, term: PairTerm, site_pairs, scale):
    """:class:`PairTable` of a pair coupling: translation-invariant bonds plus explicit site pairs.

    ``scale[s]`` multiplies the tensors of bonds leaving sublattice s (unit conversion).  Without explicit
    pairs the table has one row per sublattice; with them one row per site, holding first the bonds of the
    translation-invariant part in their order and then the listed pairs (a pair that repeats a bond is added
    to it), so that equal couplings give the same arithmetic as the per-sublattice table.  Listed pairs add
    their reverse direction with the transposed tensor unless they are ``directed``."""
    sub = system.sublattice_of_sites().astype(np.int32)
    nbr_h, T_h = neighbour_table(system, term)
    if not site_pairs:
        return PairTable(nbr_h, sub, T_h * scale[:, None, None])
    N = system.n_sites
    z_h = nbr_h.shape[1]
    valid = nbr_h >= 0
    i_h = np.repeat(np.arange(N), z_h).reshape(N, z_h)[valid]
    k_h = np.tile(np.arange(z_h), N).reshape(N, z_h)[valid]
    j_h = nbr_h[valid].astype(np.int64)
    T_he = T_h[sub[i_h], k_h].reshape(-1, 3, 3)
    i_x = np.concatenate([p.i for p in site_pairs])
    j_x = np.concatenate([p.j for p in site_pairs])
    T_x = np.concatenate([p.tensors for p in site_pairs])
    back = np.concatenate([np.full(len(p.i), not p.directed) for p in site_pairs])  # reverse direction implied
    n_x = len(i_x)
    ii = np.concatenate([i_h, i_x, j_x[back]])
    jj = np.concatenate([j_h, j_x, i_x[back]])
    TT = np.concatenate([T_he, T_x, T_x[back].transpose(0, 2, 1)]).reshape(-1, 9)
    order = np.concatenate([k_h, z_h + np.arange(n_x), z_h + n_x + np.arange(int(back.sum()))])
    key = ii * N + jj
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    Tsum = np.zeros((len(uniq), 9))
    np.add.at(Tsum, inverse, TT)
    i_u, j_u, o_u = ii[first], jj[first], order[first]
    perm = np.lexsort((o_u, i_u))
    i_s, j_s, T_s = i_u[perm], j_u[perm], Tsum[perm]
    counts = np.bincount(i_s, minlength=N)
    z = int(counts.max())
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(len(i_s)) - starts[i_s]
    nbr = np.full((N, z), -1, dtype=np.int32)
    T = np.zeros((N, z, 9))
    nbr[i_s, slot] = j_s
    T[i_s, slot] = T_s * scale[sub[i_s]][:, None]
    return PairTable(nbr, np.arange(N, dtype=np.int32), T)


def onsite_table(per_sublattice, per_site, sub, scale):
    """:class:`OnsiteTable` from (n_sub, 3, 3) values and optional (n_sites, 3, 3) site-resolved ones;
    ``scale[s]`` multiplies the tensors of sublattice s."""
    if per_site is None:
        return OnsiteTable(sub, (per_sublattice * scale[:, None, None]).reshape(-1, 9).copy())
    return OnsiteTable(np.arange(len(sub), dtype=np.int32), (per_site * scale[sub][:, None, None]).reshape(-1, 9))


def spin_transfer_stencil(system: System, stencil="bonds"):
    """Neighbours of the spin-transfer finite differences: (nbr (n_sites, z) int32, -1 for none, delta (n_sub, z, 3)
    bond vectors in metres).

    ``"bonds"``: the nearest-neighbour shell (all sublattices); ``"cells"``: the same sublattice in the cells at
    +-a_d (d < lattice dimension).  A bond that wraps onto its own site (periodic, one cell wide) is dropped: the
    texture has no gradient along it."""
    lat = system.lattice
    if stencil == "bonds":
        bonds = lat.shell(1)
    elif stencil == "cells":
        bonds = [Bond(s, s, tuple(int(d == e) for e in range(3)))
                 for s in range(lat.n_sub) for d in range(lat.dimension)]
    else:
        raise InputError(f"unknown spin-transfer stencil {stencil!r}; use 'bonds' or 'cells'")
    term = PairTerm(bonds, [np.eye(3)] * len(bonds))
    nbr, _ = neighbour_table(system, term)
    lists = directed_bonds(system, term)
    z = nbr.shape[1]
    delta = np.zeros((lat.n_sub, z, 3))
    for s, lst in enumerate(lists):
        for k, (t, off, _) in enumerate(lst):
            delta[s, k] = lat.displacement(Bond(s, t, off))
    nbr[nbr == np.arange(system.n_sites, dtype=np.int32)[:, None]] = -1
    return nbr, delta


def spin_transfer_weights(system: System, nbr, delta):
    """Least-squares gradient weights g (n_patterns, z, 3) (1/m) and the pattern of every site (n_sites,):
    grad m_i ~ sum_k g[p_i, k] (m_{nbr[i,k]} - m_i) with g_k = M^+ delta_k, M = sum_k delta_k delta_k^T over the
    neighbours present (the pseudo-inverse drops directions without neighbours).  Sites with the same sublattice
    and the same neighbours present share a pattern (bulk, edges, corners)."""
    sub = system.sublattice_of_sites()
    present = nbr >= 0
    key = np.concatenate([sub[:, None], present.astype(np.int64)], axis=1)
    pats, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    g = np.zeros((len(pats), nbr.shape[1], 3))
    for p, row in enumerate(pats):
        d = delta[row[0]] * row[1:, None]
        M = d.T @ d
        if np.any(M):
            g[p] = d @ np.linalg.pinv(M, rcond=1e-9, hermitian=True)
    return g, inverse


def spin_transfer_tables(system: System, t_unit):
    """(snbr, srow, su, sb) of :class:`~.fields.FieldTables` (reduced frequency weights; empty without a current).

    su[r, k] = t_unit u_i . g_k and sb[r, k] = t_unit (beta u)_i . g_k, so that D_i = sum_k su m_{j_k} is
    (u . grad) m at site i up to a multiple of m_i, which the torque -m x h^stt does not see (:mod:`.fields`).
    Uniform velocities give one row per neighbour pattern; site-resolved ones one row per site."""
    st = system.spin_transfer
    if st is None or not (np.any(st["u"]) or np.any(st["bu"])):
        return (np.zeros((0, 0), dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros((0, 0)), np.zeros((0, 0)))
    nbr, delta = spin_transfer_stencil(system, st["stencil"])
    g, pattern = spin_transfer_weights(system, nbr, delta)
    u, bu = st["u"], st["bu"]
    if u.ndim == 1 and bu.ndim == 1:
        su = np.einsum("pkc,c->pk", g, u) * t_unit
        sb = np.einsum("pkc,c->pk", g, bu) * t_unit
        row = pattern.astype(np.int32)
    else:
        N = system.n_sites
        gs = g[pattern]
        su = np.einsum("ikc,ic->ik", gs, np.broadcast_to(u, (N, 3))) * t_unit
        sb = np.einsum("ikc,ic->ik", gs, np.broadcast_to(bu, (N, 3))) * t_unit
        row = np.arange(N, dtype=np.int32)
    return (np.ascontiguousarray(nbr, dtype=np.int32), np.ascontiguousarray(row), np.ascontiguousarray(su),
            np.ascontiguousarray(sb))


def check_spins(spins, n_sites, name="spins", tol=1e-6):
    """Validate an (n_sites, 3) array of unit vectors; returns a float copy."""
    S = np.array(spins, dtype=float)
    if S.shape == (3,) and n_sites == 1:
        S = S[None, :]
    if S.shape != (n_sites, 3):
        raise InputError(f"{name} must have shape ({n_sites}, 3) for this system, got {S.shape}")
    bad = ~np.all(np.isfinite(S), axis=1)
    if bad.any():
        raise InputError(f"{name}: site {int(np.argmax(bad))} is not finite: {S[np.argmax(bad)].tolist()}")
    norm = np.linalg.norm(S, axis=1)
    off = np.abs(norm - 1) > tol
    if off.any():
        i = int(np.argmax(off))
        where = f"site {i}" if n_sites > 1 else "the spin"
        raise InputError(f"{name}: {where} is not a unit vector (|S| = {norm[i]:.8g}); normalize the spins "
                         "(S / |S|) or build them with spinertia.lattice.textures")
    return S / norm[:, None]


class FinalizedSystem:
    """Reduced-unit system with compiled field/energy kernels (see the module docstring).

    Attributes
    ----------
    n_sites, n_sub : int
    sub : (n_sites,) int32 sublattice index of each site
    positions : (n_sites, 3) site positions (m)
    mu, gamma : (n_sub,) moments (J/T) and gyromagnetic ratios (rad/(s T))
    units : ReducedUnits
    tables : FieldTables
        With the spin-transfer stencil (``snbr``, ``srow``, ``su``, ``sb``; empty without a current), which only
        the equations of motion read (:attr:`has_spin_transfer`, :meth:`spin_transfer_torque`).
    damping, inertia : OnsiteTable (inertia in reduced time)
    pair_damping, pair_inertia : PairTable
    """

    def __init__(self, system: System, units):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused by _check_finite, with a message
            self._build(system, units)
        self._check_finite()

    def _build(self, system, units):
        self.system = system
        self.units = units
        self.lattice = system.lattice
        nsub = system.lattice.n_sub
        self.n_sites = N = system.n_sites
        self.n_sub = nsub
        self.sub = sub = system.sublattice_of_sites().astype(np.int32)
        self.positions = system.positions()
        self.mu = system.mu.copy()
        self.gamma = system.gamma.copy()
        t = units.t_unit
        g = system.gamma * t / system.mu  # joule -> reduced angular frequency, per sublattice
        #: joule per reduced energy of each sublattice, w_s = mu_s / (gamma_s t_unit)
        self.energy_weight = 1.0 / g
        ex = pair_table(system, system.exchange, system.site_pairs["exchange"], g)
        aniso = system.anisotropy + system.anisotropy.transpose(0, 2, 1)
        site_aniso = system.site_onsite["anisotropy"]
        if site_aniso is not None:
            site_aniso = aniso[sub] + site_aniso + site_aniso.transpose(0, 2, 1)
        K = onsite_table(aniso, site_aniso, sub, g)
        gt = system.gamma * t
        h0 = gt[:, None] * system.B0[None, :]
        h1 = gt[:, None] * system.B1[None, :]
        hsite = np.zeros((0, 3)) if system.site_field is None else gt[sub][:, None] * system.site_field
        self.fp = protocols.reduced_fp(system.protocol, system.protocol_params, units)
        snbr, srow, su, sb = spin_transfer_tables(system, t)
        self.tables = FieldTables(sub=sub, nbr=ex.nbr, jrow=ex.row, J=ex.T, krow=K.row, K=K.T, hrow=sub, h0=h0,
                                  h1=h1, fp=self.fp, hsite=hsite, hext=np.zeros(0), hnoise=np.zeros(0),
                                  snbr=snbr, srow=srow, su=su, sb=sb)
        one = np.ones(nsub)
        self.damping = onsite_table(system.damping, system.site_onsite["damping"], sub, one)
        self.pair_damping = pair_table(system, system.pair_damping, system.site_pairs["pair_damping"], one)
        self.inertia = onsite_table(system.inertia, system.site_onsite["inertia"], sub, one / t)
        self.pair_inertia = pair_table(system, system.pair_inertia, system.site_pairs["pair_inertia"], one / t)
        self.parallel = N >= PARALLEL_MIN_SITES

    def _check_finite(self):
        """Refuse parameters that overflow in reduced units (a unit mistake, or an absurd time unit)."""
        groups = {"exchange/DMI field": self.tables.J, "anisotropy field": self.tables.K, "Zeeman field":
                  self.tables.h0, "time-dependent field": self.tables.h1, "site field": self.tables.hsite,
                  "damping": self.damping.T, "pair damping": self.pair_damping.T, "inertia": self.inertia.T,
                  "pair inertia": self.pair_inertia.T, "field protocol": self.fp}
        for name, arr in groups.items():
            if not np.all(np.isfinite(arr)):
                raise InputError(f"the {name} is not finite in the reduced units (time unit {self.units.t_unit:g} "
                                 "s): check the magnitude and unit of the value given")
            if np.abs(arr).max(initial=0.0) > 1e250:
                raise InputError(f"the {name} is out of range ({np.abs(arr).max():.3g} in reduced units of "
                                 f"{self.units.t_unit:g} s): check the magnitude and unit of the value given")

    # -- tables with coupling buffers -----------------------------------------------------------------
    def tables_with(self, hext=None, hnoise=None):
        """Field tables whose coupling-field / Langevin-field slots are the given flat (3 n_sites) buffers."""
        tb = self.tables
        return tb._replace(hext=tb.hext if hext is None else hext, hnoise=tb.hnoise if hnoise is None else hnoise)

    # -- fields and energies ------------------------------------------------------------------------
    def check_spins(self, spins, name="spins"):
        return check_spins(spins, self.n_sites, name)

    def _parallel_now(self):
        return self.parallel and get_threads() > 1

    def _flat(self, spins):
        y = np.ascontiguousarray(np.asarray(spins, float).reshape(-1))
        if y.shape != (3 * self.n_sites,):
            raise InputError(f"spins must have shape ({self.n_sites}, 3), got {np.shape(spins)}")
        return y

    def field(self, t, spins, spin_transfer=False):
        """Effective field h_i = gamma_i B_i (reduced angular frequency), shape (n_sites, 3); deterministic part
        at reduced time ``t``.  The conservative field -(gamma_i/mu_i) dH/dS_i unless ``spin_transfer``: then
        with the spin-transfer field h^stt_i of :mod:`.fields` (the field the equations of motion see)."""
        y = self._flat(spins)
        h = np.empty_like(y)
        kernel = FIELD_ALL_STT if spin_transfer and self.has_spin_transfer else FIELD_ALL
        kernel[self._parallel_now()](float(t), y, self.tables, h)
        return h.reshape(-1, 3)

    @property
    def has_spin_transfer(self):
        """Whether a current-driven spin-transfer torque acts (:meth:`System.add_spin_transfer`)."""
        return self.tables.su.shape[0] > 0

    def spin_transfer_torque(self, spins):
        """Spin-transfer torque dm_i/dt = -(u . grad) m_i + beta m_i x (u . grad) m_i of the finite-difference
        scheme (the tangent part, exactly what the equations of motion add), in 1/s, shape (n_sites, 3)."""
        m = self._flat(spins).reshape(-1, 3)
        tb = self.tables
        if not self.has_spin_transfer:
            return np.zeros_like(m)
        ok = tb.snbr >= 0
        mj = m[np.where(ok, tb.snbr, 0)] * ok[..., None]
        D = np.einsum("ik,ikc->ic", tb.su[tb.srow], mj)
        B = np.einsum("ik,ikc->ic", tb.sb[tb.srow], mj)
        h = -np.cross(m, D) - B
        return -np.cross(m, h) / self.units.t_unit

    def field_tesla(self, t, spins):
        """Effective field B_i = -(1/mu_i) dH/dS_i in tesla."""
        return self.field(t, spins) / (self.gamma[self.sub] * self.units.t_unit)[:, None]

    def energy_per_site(self, t, spins):
        """Energy per site in joule (pair energies split half-half) at reduced time ``t``."""
        y = self._flat(spins)
        e = np.empty(self.n_sites)
        ENERGY_SITES[self._parallel_now()](float(t), y, self.tables, self.energy_weight, e)
        return e

    def energy(self, t, spins):
        """Total energy in joule (pairs counted once)."""
        return float(np.sum(self.energy_per_site(t, spins)))

    def max_frequency(self):
        """Upper bound of the precession frequency (reduced): the largest sum of field-tensor norms of a site."""
        tb = self.tables

        def norms(T):
            return np.linalg.norm(T.reshape(T.shape[:-1] + (3, 3)), 2, axis=(-2, -1)) if T.size else np.zeros(T.shape[:-1])

        pair = norms(tb.J).sum(axis=1) if tb.J.shape[1] else np.zeros(len(tb.J))
        w = pair[tb.jrow] + norms(tb.K)[tb.krow] + np.linalg.norm(tb.h0, axis=1)[tb.hrow] \
            + np.linalg.norm(tb.h1, axis=1)[tb.hrow]
        best = float(w.max())
        if tb.hsite.shape[0]:
            best += float(np.max(np.linalg.norm(tb.hsite, axis=1)))
        if tb.su.shape[0]:  # |h^stt| <= sum_k |su| + |sb|
            best += float(np.max(np.abs(tb.su).sum(axis=1) + np.abs(tb.sb).sum(axis=1)))
        return best

    def undamped(self):
        """The same system without damping (on-site and pair), finalized in the same units."""
        b = self.system.copy()
        b.damping[:] = 0.0
        b.site_onsite["damping"] = None
        b.pair_damping.bonds.clear()
        b.pair_damping.tensors.clear()
        b.site_pairs["pair_damping"] = []
        return b.finalized(self.units)

    # -- one site (macrospin) --------------------------------------------------------------------------
    def _one_site(self, what):
        if self.n_sites != 1:
            raise InputError(f"{what} is defined for a macrospin (a one-site system); this system has "
                             f"{self.n_sites} sites")

    @property
    def static_field(self):
        """Static applied field of a macrospin, gamma B0 (reduced angular frequency), shape (3,)."""
        self._one_site("static_field")
        h = self.tables.h0[self.tables.hrow[0]].copy()
        return h + (self.tables.hsite[0] if self.tables.hsite.shape[0] else 0.0)

    @property
    def anisotropy(self):
        """Anisotropy field tensor N of a macrospin (reduced; the anisotropy field is N m), shape (3, 3)."""
        self._one_site("anisotropy")
        return self.tables.K[self.tables.krow[0]].reshape(3, 3).copy()

    def macrospin_field(self, t, m):
        """Effective field h(t, m) = h_Z(t) + N m of a macrospin (reduced), for m of shape (..., 3) and
        reduced time(s) t broadcasting with the leading dimensions."""
        self._one_site("macrospin_field")
        m = np.asarray(m, dtype=float)
        f = np.asarray(protocols.profile_np(t, self.fp))
        hz = self.static_field + np.multiply.outer(f, self.tables.h1[self.tables.hrow[0]])
        return hz + m @ self.anisotropy.T

    def macrospin_energy(self, t, m):
        """Energy per moment as an angular frequency, E gamma / mu = -h_Z(t).m - 1/2 m.N m (reduced), for m of
        shape (..., 3) (Webb et al. 2026: h_eff = -dE/dm)."""
        self._one_site("macrospin_energy")
        m = np.asarray(m, dtype=float)
        f = np.asarray(protocols.profile_np(t, self.fp))
        hz = self.static_field + np.multiply.outer(f, self.tables.h1[self.tables.hrow[0]])
        return -np.sum(hz * m, axis=-1) - 0.5 * np.einsum("...i,ij,...j->...", m, self.anisotropy, m)

    # -- inertia matrix -------------------------------------------------------------------------------
    def inertia_is_symmetric(self):
        """Whether the global inertia matrix (on-site and pair blocks, e.g. directed pairs) is symmetric."""
        E = self.inertia.T.reshape(-1, 3, 3)
        if not np.allclose(E, E.transpose(0, 2, 1), rtol=1e-12, atol=0.0):
            return False
        if self.pair_inertia.nbr.shape[1] == 0:
            return True
        M = self.inertia_matrix(sparse=True)
        return bool(abs(M - M.T).max() <= 1e-12 * abs(M).max())

    def _translation_invariant(self, table_rows):
        return all(r == self.n_sub for r in table_rows) and not any(self.system.site_pairs.values())

    def inertia_min_eigenvalue(self, sign=1.0):
        """Smallest eigenvalue of the symmetric part of ``sign`` times the global inertia matrix (reduced time).

        On-site inertia only: the minimum over the sites.  With pair inertia: exact (dense) up to 600 sites;
        beyond, for translation-invariant tables the minimum over the Bloch matrices E(k) at the allowed
        wavevectors (exact for a periodic system, a lower bound for open ones: a finite section's spectrum lies in
        the numerical range of the infinite operator), and a sparse Lanczos solve for site-resolved tables."""
        key = float(sign)
        cache = self.__dict__.setdefault("_eta_min_cache", {})
        if key in cache:
            return cache[key]
        E = key * self.inertia.T.reshape(-1, 3, 3)
        if self.pair_inertia.nbr.shape[1] == 0:
            val = float(np.linalg.eigvalsh(0.5 * (E + E.transpose(0, 2, 1))).min())
        elif self.n_sites <= 600:
            M = key * self.inertia_matrix()
            val = float(np.linalg.eigvalsh(0.5 * (M + M.T)).min())
        elif self._translation_invariant((len(self.inertia.T), len(self.pair_inertia.T))):
            val = self._bloch_min_eigenvalue(key)
        else:
            from scipy.sparse.linalg import eigsh

            M = key * self.inertia_matrix(sparse=True)
            val = float(eigsh(0.5 * (M + M.T), k=1, which="SA", return_eigenvectors=False)[0])
        cache[key] = float(val)
        return cache[key]

    def inertia_matrix(self, sparse=False):
        """Global inertia matrix (3N x 3N, reduced time): on-site blocks plus pair blocks (dense, or scipy
        sparse CSR with ``sparse=True``)."""
        from scipy import sparse as sp

        N = self.n_sites
        rows, cols, vals = [], [], []
        blk_r, blk_c = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
        E = self.inertia.T[self.inertia.row]
        for i in range(N):
            rows.append(3 * i + blk_r.ravel())
            cols.append(3 * i + blk_c.ravel())
            vals.append(E[i])
        nbr, row, T = self.pair_inertia
        ii, kk = np.nonzero(nbr >= 0)
        jj = nbr[ii, kk]
        Tp = T[row[ii], kk]
        rows.append((3 * ii[:, None] + blk_r.ravel()[None, :]).ravel())
        cols.append((3 * jj[:, None] + blk_c.ravel()[None, :]).ravel())
        vals.append(Tp.ravel())
        M = sp.csr_matrix((np.concatenate([np.ravel(v) for v in vals]),
                           (np.concatenate(rows), np.concatenate(cols))), shape=(3 * N, 3 * N))
        return M if sparse else M.toarray()

    def _bloch_min_eigenvalue(self, sign=1.0):
        sysb = self.system
        lists = directed_bonds(sysb, sysb.pair_inertia)
        nsub = self.n_sub
        grids = []
        for d in range(3):
            n = sysb.size[d]
            if n == 1 and d >= self.lattice.dimension:
                grids.append(np.zeros(1))
            elif sysb.periodic[d]:
                grids.append(2 * np.pi * np.arange(n) / n)
            else:
                grids.append(np.linspace(-np.pi, np.pi, 65))
        Es = sign * self.inertia.T.reshape(-1, 3, 3)
        best = np.inf
        for q in np.stack(np.meshgrid(*grids, indexing="ij"), -1).reshape(-1, 3):
            M = np.zeros((3 * nsub, 3 * nsub), dtype=complex)
            for s in range(nsub):
                M[3 * s:3 * s + 3, 3 * s:3 * s + 3] += Es[s]
                for t, off, T in lists[s]:
                    M[3 * s:3 * s + 3, 3 * t:3 * t + 3] += sign * T / self.units.t_unit * np.exp(1j * np.dot(q, off))
            best = min(best, np.linalg.eigvalsh(0.5 * (M + M.conj().T)).min())
        return best

    def describe(self):
        return {**self.system.describe(), "time_unit_s": self.units.t_unit, "n_sites": self.n_sites}

    def memory_bytes_per_site(self):
        """Bytes per site of the finalized tables (indices, row indices and site-resolved rows)."""
        arrays = {id(a): a for a in (*self.tables, *self.damping, *self.inertia, *self.pair_damping,
                                     *self.pair_inertia) if isinstance(a, np.ndarray)}
        return sum(a.nbytes for a in arrays.values()) / self.n_sites
