"""Atomistic spin system: a builder that describes lattice, moments, Hamiltonian terms and the dynamical
couplings (damping, inertia) in SI units.  A macrospin is a one-site system (:mod:`.macrospin`).

    sys = System(square("2.5 A"), size=(64, 64), mu="2 muB")
    sys.add_exchange("6 meV", shell=1)                # J per bond
    sys.add_dmi("1.2 meV", shell=1, kind="interfacial")
    sys.add_anisotropy("0.06 meV", axis=(0, 0, 1))    # K per site
    sys.add_zeeman([0, 0, 1.0])                       # tesla
    sys.set_damping(0.1); sys.set_inertia("10 fs")    # dimensionless; seconds
    fin = sys.finalized()                             # efficient object for the solvers

Every quantity is a number in SI units or a string with its unit (``"6 meV"``, ``"10 fs"``,
:func:`spinertia.units.parse_quantity`); values far outside anything physical are refused with a message
that names the unit (:func:`spinertia.units.check_plausible`).

Hamiltonian (each unordered pair once; spin directions S_i, |S_i| = 1; energies in joule):

    H = - sum_<ij> S_i . J_ij S_j - sum_i S_i . K_i S_i - sum_i mu_i B_i(t) . S_i

with the pair tensor J_ij = J 1 - [D_ij x] + (anisotropic exchange), so that the isotropic and
Dzyaloshinskii-Moriya parts read -J S_i.S_j - D_ij . (S_i x S_j) (Ghosh et al. 2025, spec Eq. 1.2).  The
reverse bond carries the transpose, J_ji = J_ij^T (D_ji = -D_ij).  Xu et al. 2023, Eq. 38 writes
+ D' . (m_i x m_j) with D' = D (r_i - r_j)/|r_i - r_j|; that is ``kind="bulk"`` here (D_ij = D r_ij/|r_ij|,
r_ij = r_j - r_i).  Effective field B_i = -(1/mu_i) dH/dS_i (tesla).

Dynamical couplings of the same description (Bhattacharjee et al. 2012, Eqs. 1, 10; Ghosh et al. 2025,
spec 1.3): on-site Gilbert damping alpha_i and pair damping G_ij (dimensionless 3x3), on-site inertia and
pair inertia I_ij = eta_ij 1 + [xi_ij x] (seconds), all entering the equation of motion of site i as
m_i x sum_j (G_ij dm_j/dt + I_ij d^2 m_j/dt^2).  Reverse bonds again carry the transpose.

Two ways to place a coupling:

* translation-invariant: per sublattice (on-site terms) or per bond of the unit cell (``shell=`` or
  ``bonds=``); the finalized tables then hold one row per sublattice (the fast path);
* site-resolved: on-site values as arrays over the sites or callables of the site position (metres), and
  pair couplings between any listed sites (``pairs=`` as an (n_pairs, 2) array of site indices, no
  translation invariance required), e.g. damping and inertia tensors from a tight-binding calculation on a
  skyrmion texture.  Per-bond values may be callables of the bond displacement delta (metres, from i to j).

A current adds the spin-transfer torque ``-(u . grad) m + beta m x (u . grad) m`` of the spatial-adiabatic
limit (:meth:`System.add_spin_transfer`; Zhang and Li 2004, Thiaville et al. 2005, Xu et al. 2023, Eq. 31):
a torque of the equations of motion, not a term of H.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..units import GAMMA_ELECTRON, check_plausible, parse_quantity
from . import protocols
from .geometry import Bond, Lattice

#: unit checks of the on-site and pair couplings (kind for units.check_plausible; None: dimensionless)
_ONSITE = {"anisotropy": "anisotropy", "damping": None, "inertia": None}
_PAIRS = {"exchange": "exchange", "pair_damping": None, "pair_inertia": None}


def _scalar(value, dimension, name):
    if dimension is None:
        if isinstance(value, str):
            raise InputError(f"{name} is dimensionless: give a number, got {value!r}")
        return float(value)
    return parse_quantity(value, dimension, name)


def _tensor(value, name, dimension=None):
    """A scalar (times the identity) or a 3x3 tensor; entries numbers (SI) or quantity strings."""
    if isinstance(value, str) or np.ndim(value) == 0:
        a = _scalar(value, dimension, name) * np.eye(3)
    else:
        raw = np.asarray(value, dtype=object)
        if raw.shape != (3, 3):
            raise InputError(f"{name} must be a scalar or a 3x3 tensor, got shape {raw.shape}")
        a = np.array([[_scalar(v, dimension, f"{name}[{i}][{j}]") for j, v in enumerate(row)]
                      for i, row in enumerate(raw)])
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be finite, got {np.asarray(value).tolist()}")
    return a


def _tensors(value, n, name, dimension, args_of, what):
    """(n, 3, 3) tensors from an (n,) or (n, 3, 3) array, or a callable evaluated at ``args_of(k)`` (positions)
    for k = 0 .. n-1; ``what`` ("site", "pair") names the items in messages."""
    if callable(value):
        T = np.array([_tensor(value(*args_of(k)), f"{name}({what} {k})", dimension) for k in range(n)])
    else:
        arr = np.asarray(value, dtype=float)
        if arr.shape == (n,):
            T = arr[:, None, None] * np.eye(3)
        elif arr.shape == (n, 3, 3):
            T = arr.copy()
        else:
            raise InputError(f"{name} must be a scalar or a 3x3 tensor, or one per {what} ({what}-resolved): shape "
                             f"({n},) or ({n}, 3, 3) here; got shape {arr.shape}")
    bad = ~np.all(np.isfinite(T.reshape(n, 9)), axis=1)
    if bad.any():
        raise InputError(f"{name}: {what} {int(np.argmax(bad))} is not finite")
    return T


def _vec3(value, name, dimension=None):
    raw = np.asarray(value, dtype=object)
    if raw.shape == (2,):
        raw = np.append(raw, 0.0)
    if raw.shape != (3,):
        raise InputError(f"{name} must be a 3-vector, got {np.asarray(value).tolist()}")
    a = np.array([_scalar(v, dimension, f"{name}[{i}]") for i, v in enumerate(raw)])
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be finite, got {np.asarray(value).tolist()}")
    return a


def cross_matrix(v):
    """[v x] such that [v x] u = v x u."""
    return np.array([[0.0, -v[2], v[1]], [v[2], 0.0, -v[0]], [-v[1], v[0], 0.0]])


def axial_vector(T):
    """Axial vector xi of the antisymmetric part of T: xi_c = -1/2 eps_abc T_ab (spec 1.3)."""
    A = 0.5 * (T - T.T)
    return np.array([A[2, 1], A[0, 2], A[1, 0]])


@dataclass
class PairTerm:
    """Unit-cell-level pair couplings: canonical bonds with their 3x3 tensors (site i -> j direction)."""

    bonds: list
    tensors: list


@dataclass
class SitePairs:
    """Pair couplings between listed sites: i, j (n_pairs,) and tensors (n_pairs, 3, 3) for i -> j; the
    reverse direction carries the transpose unless ``directed`` (then only i -> j is coupled)."""

    i: np.ndarray
    j: np.ndarray
    tensors: np.ndarray
    directed: bool = False


DMI_KINDS = ("interfacial", "bulk", "vector")
#: finite-difference stencils of the spin-transfer torque (System.add_spin_transfer)
STT_STENCILS = ("bonds", "cells")


class System:
    """Builder of an atomistic spin system (SI units). See the module docstring.

    Parameters
    ----------
    lattice : Lattice
        Bravais lattice with a basis (:mod:`spinertia.lattice.geometry`).
    size : int or sequence of int
        Repetitions (n1[, n2[, n3]]) of the unit cell.
    periodic : bool or sequence of bool
        Periodic boundary conditions, for all or per direction.
    mu : float, str, sequence or dict
        Magnetic moment per sublattice (J/T, or e.g. ``"2 muB"``; one value, a list, or {name: value}).
    gamma : float, sequence or dict
        Gyromagnetic ratio |gamma| per sublattice (rad/(s T), positive).
    """

    def __init__(self, lattice: Lattice, size, periodic=True, mu=2 * 9.2740100783e-24, gamma=GAMMA_ELECTRON):
        if not isinstance(lattice, Lattice):
            raise InputError("System needs a spinertia.lattice.Lattice (e.g. lattice.square(a))")
        self.lattice = lattice
        size = tuple(int(n) for n in np.atleast_1d(size))
        if len(size) > 3 or any(n < 1 for n in size):
            raise InputError(f"size must be 1-3 positive integers, got {size}")
        if len(size) > lattice.dimension:
            extra = size[lattice.dimension:]
            if any(n != 1 for n in extra):
                raise InputError(f"a {lattice.dimension}D lattice cannot be repeated {size} times; give "
                                 f"{lattice.dimension} sizes")
        self.size = tuple(size) + (1,) * (3 - len(size))
        per = np.broadcast_to(np.asarray(periodic, dtype=bool), (3,)) if np.ndim(periodic) == 0 else \
            np.asarray(list(periodic) + [False] * (3 - len(periodic)), dtype=bool)
        if per.shape != (3,):
            raise InputError(f"periodic must be a bool or up to 3 bools, got {periodic}")
        self.periodic = tuple(bool(p) and self.size[i] > 0 and i < lattice.dimension for i, p in enumerate(per))
        self.mu = self._per_sublattice(mu, "mu", positive=True, dimension="moment")
        check_plausible(self.mu, "moment", "mu")
        self.gamma = self._per_sublattice(gamma, "gamma", positive=True)
        self.exchange = PairTerm([], [])
        self.pair_damping = PairTerm([], [])
        self.pair_inertia = PairTerm([], [])
        n = lattice.n_sub
        self.anisotropy = np.zeros((n, 3, 3))
        self.damping = np.zeros((n, 3, 3))
        self.inertia = np.zeros((n, 3, 3))
        #: site-resolved on-site tensors (n_sites, 3, 3) or None: anisotropy adds to the sublattice value,
        #: damping and inertia replace it
        self.site_onsite = {"anisotropy": None, "damping": None, "inertia": None}
        #: explicit site pairs per pair coupling (lists of SitePairs)
        self.site_pairs = {"exchange": [], "pair_damping": [], "pair_inertia": []}
        self.B0 = np.zeros(3)
        self.B1 = np.zeros(3)
        self.protocol = "static"
        self.protocol_params = np.zeros(3)
        self.site_field = None
        #: spin-transfer torque (add_spin_transfer): {"u", "bu": (3,) or (n_sites, 3) m/s, "stencil": str} or None
        self.spin_transfer = None
        self.terms = []

    @property
    def n_sites(self):
        return self.lattice.n_sub * int(np.prod(self.size))

    # ------------------------------------------------------------------------------------------
    def _per_sublattice(self, value, name, positive=False, dimension=None):
        n = self.lattice.n_sub

        def read(v, where):
            if dimension is not None:
                return parse_quantity(v, dimension, where)
            if isinstance(v, str):
                raise InputError(f"{where} must be a number, got {v!r}")
            return float(v)

        if isinstance(value, dict):
            unknown = set(value) - set(self.lattice.names)
            if unknown:
                raise InputError(f"{name}: unknown sublattices {sorted(unknown)}; have {self.lattice.names}")
            missing = set(self.lattice.names) - set(value)
            if missing:
                raise InputError(f"{name}: no value for sublattices {sorted(missing)}")
            arr = np.array([read(value[k], f"{name}.{k}") for k in self.lattice.names])
        elif isinstance(value, str) or np.ndim(value) == 0:
            arr = np.full(n, read(value, name))
        else:
            arr = np.array([read(v, f"{name}[{i}]") for i, v in enumerate(value)])
        if arr.shape != (n,) or not np.all(np.isfinite(arr)):
            raise InputError(f"{name} must be one finite value or one per sublattice ({n}), got {value}")
        if positive and np.any(arr <= 0):
            raise InputError(f"{name} must be positive, got {arr.tolist()}")
        return arr

    def _sublattices(self, sublattice):
        if sublattice is None:
            return list(range(self.lattice.n_sub))
        if isinstance(sublattice, (list, tuple)):
            return [self.lattice.sublattice_index(s) for s in sublattice]
        return [self.lattice.sublattice_index(sublattice)]

    def _bonds(self, shell, bonds, between):
        if (shell is None) == (bonds is None):
            raise InputError("give exactly one of shell=<n> (neighbour shell), bonds=[(s, t, offset), ...] "
                             "or pairs=[(i, j), ...] (site indices)")
        if shell is not None:
            out = self.lattice.shell(shell, between=between)
            if not out:
                raise InputError(f"shell {shell} has no bonds between {between}")
            return out
        out = []
        for b in bonds:
            if isinstance(b, Bond):
                out.append(b)
                continue
            try:
                s, t, off = b
            except (TypeError, ValueError):
                raise InputError(f"a bond is (sublattice, sublattice, cell offset), got {b!r}") from None
            off = tuple(int(o) for o in off) + (0,) * (3 - len(off))
            if len(off) != 3:
                raise InputError(f"bond offset must have up to 3 integers, got {off}")
            bb = Bond(self.lattice.sublattice_index(s), self.lattice.sublattice_index(t), off)
            if np.linalg.norm(self.lattice.displacement(bb)) < 1e-15:
                raise InputError(f"bond {b!r} joins a site to itself; on-site terms use add_anisotropy/set_*")
            out.append(bb)
        return out

    def _add_pairs(self, term: PairTerm, bonds, value_of_delta, kind):
        for b in bonds:
            delta = self.lattice.displacement(b)
            T = value_of_delta(delta)
            term.bonds.append(b)
            term.tensors.append(T)
        self.terms.append(kind)

    @staticmethod
    def _evaluate(value, delta, name):
        return value(delta) if callable(value) else value

    def _check(self, T, kind, name):
        if _PAIRS.get(kind) or _ONSITE.get(kind):
            check_plausible(T, _PAIRS.get(kind) or _ONSITE.get(kind), name)
        return T

    # -- site-resolved values ------------------------------------------------------------------------
    def _site_pairs(self, pairs):
        p = np.asarray(pairs)
        if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] == 0 or not np.issubdtype(p.dtype, np.integer):
            raise InputError(f"pairs must be an (n_pairs, 2) array of integer site indices, got shape {p.shape}")
        n = self.n_sites
        if p.min() < 0 or p.max() >= n:
            raise InputError(f"pairs: site indices must lie in 0..{n - 1} (this system has {n} sites), got "
                             f"{int(p.min())}..{int(p.max())}")
        if np.any(p[:, 0] == p[:, 1]):
            k = int(np.argmax(p[:, 0] == p[:, 1]))
            raise InputError(f"pairs[{k}] = ({p[k, 0]}, {p[k, 1]}) joins a site to itself; on-site terms use "
                             "add_anisotropy / set_damping / set_inertia")
        return p[:, 0].astype(np.int64), p[:, 1].astype(np.int64)

    def _pair_tensors(self, value, i, j, name, dimension):
        """(n_pairs, 3, 3) tensors from a scalar/3x3 (every pair), an (n_pairs,) or (n_pairs, 3, 3) array, or a
        callable of (r_i, r_j) (site positions in metres)."""
        if not callable(value) and (isinstance(value, str) or np.ndim(value) == 0 or np.shape(value) == (3, 3)):
            return np.broadcast_to(_tensor(value, name, dimension), (len(i), 3, 3)).copy()
        pos = self.positions() if callable(value) else None
        return _tensors(value, len(i), name, dimension, lambda k: (pos[i[k]], pos[j[k]]), "pair")

    def _site_tensors(self, value, name, dimension):
        """(n_sites, 3, 3) from an (n_sites,) or (n_sites, 3, 3) array, or a callable of the position."""
        pos = self.positions() if callable(value) else None
        return _tensors(value, self.n_sites, name, dimension, lambda k: (pos[k],), "site")

    @staticmethod
    def _is_site_resolved(value, n_sites):
        if callable(value):
            return True
        if isinstance(value, str) or np.ndim(value) == 0:
            return False
        shape = np.shape(value)
        return shape == (n_sites,) or shape == (n_sites, 3, 3) or (len(shape) == 1 and shape != (3,)) \
            or len(shape) == 3

    def _set_onsite(self, kind, value, sublattice, dimension, replace):
        name = {"damping": "alpha", "inertia": "eta", "anisotropy": "K"}[kind]
        if self._is_site_resolved(value, self.n_sites):
            if sublattice is not None:
                raise InputError(f"{name}: a site-resolved value (one per site) cannot be combined with "
                                 "sublattice=")
            T = self._check(self._site_tensors(value, name, dimension), kind, name)
            cur = self.site_onsite[kind]
            if replace or cur is None:
                self.site_onsite[kind] = T
            else:
                self.site_onsite[kind] = cur + T
            return None
        T = self._check(_tensor(value, name, dimension), kind, name)
        return T

    def _add_site_pairs(self, kind, value, pairs, name, dimension, directed=False):
        i, j = self._site_pairs(pairs)
        T = self._check(self._pair_tensors(value, i, j, name, dimension), kind, name)
        if directed and kind == "exchange":
            raise InputError("exchange couples both directions (J_ji = J_ij^T, an energy): directed=True applies "
                             "to pair damping and inertia only")
        self.site_pairs[kind].append(SitePairs(i, j, T, bool(directed)))
        self.terms.append((kind, {"pairs": len(i)}))
        return self

    # -- Hamiltonian terms ------------------------------------------------------------------------
    def add_exchange(self, J, shell=None, bonds=None, between=None, pairs=None):
        """Exchange per bond: Heisenberg J (joule or e.g. ``"10 meV"``; > 0 ferromagnetic) or a 3x3 tensor.

        Place it on a neighbour shell (``shell=n``), on unit-cell bonds (``bonds=``), or between listed
        sites (``pairs=`` (n_pairs, 2) site indices; J then may be one value per pair or a callable of the
        two site positions)."""
        if pairs is not None:
            if shell is not None or bonds is not None:
                raise InputError("add_exchange: give pairs= alone (not with shell= or bonds=)")
            return self._add_site_pairs("exchange", J, pairs, "J", "energy")
        bl = self._bonds(shell, bonds, between)
        self._add_pairs(self.exchange, bl,
                        lambda d: self._check(_tensor(self._evaluate(J, d, "J"), "J", "energy"), "exchange", "J"),
                        ("exchange", dict(J=J if not callable(J) else "callable", shell=shell)))
        return self

    def add_dmi(self, D, shell=None, bonds=None, between=None, kind="interfacial", vector=None,
                normal=(0.0, 0.0, 1.0)):
        """Dzyaloshinskii-Moriya interaction -D_ij . (S_i x S_j) (joule or e.g. ``"1 meV"``).

        * kind="interfacial": D_ij = D (normal x r_ij)/|r_ij| (Neel skyrmions, C_nv interfaces);
        * kind="bulk": D_ij = D r_ij/|r_ij| (Bloch skyrmions, B20; Xu et al. 2023, Eq. 38);
        * kind="vector": D_ij = D * vector for the listed bond direction (reverse bond: -D * vector;
          Ghosh et al. 2025: vector = z on the +2a x bonds).  D may be a callable of delta.

        DMI between arbitrary site pairs: ``add_exchange(-[D x], pairs=...)`` with the tensor of
        :func:`cross_matrix`.
        """
        if kind not in DMI_KINDS:
            raise InputError(f"unknown DMI kind {kind!r}; use one of {DMI_KINDS}")
        n = _vec3(normal, "normal")
        if kind == "vector" and vector is None:
            raise InputError("kind='vector' needs vector=(x, y, z) (or a callable of delta)")
        if kind != "vector" and vector is not None:
            raise InputError(f"vector= is only used with kind='vector', not {kind!r}")

        def dvec(delta):
            d = _scalar(self._evaluate(D, delta, "D"), "energy", "D")
            check_plausible(d, "exchange", "D")
            r = delta / np.linalg.norm(delta)
            if kind == "bulk":
                return d * r
            if kind == "interfacial":
                return d * np.cross(n, r)
            return d * _vec3(self._evaluate(vector, delta, "vector"), "vector")

        bl = self._bonds(shell, bonds, between)
        self._add_pairs(self.exchange, bl, lambda dl: -cross_matrix(dvec(dl)),
                        ("dmi", dict(D=D if not callable(D) else "callable", kind=kind, shell=shell)))
        return self

    def add_anisotropy(self, K, axis=(0.0, 0.0, 1.0), sublattice=None):
        """Uniaxial anisotropy -K (S . axis)^2 per site (joule or e.g. ``"0.1 meV"``; K > 0 easy axis).

        K may be one value per site (array of n_sites) or a callable of the site position (metres)."""
        a = _vec3(axis, "axis")
        if np.linalg.norm(a) == 0:
            raise InputError("anisotropy axis must be non-zero (e.g. axis = [0, 0, 1])")
        a = a / np.linalg.norm(a)
        rr = np.outer(a, a)
        if self._is_site_resolved(K, self.n_sites):
            if callable(K):
                def values(r):
                    return _scalar(K(r), "energy", "K") * rr
            else:
                values = np.asarray(K, dtype=float)
                if values.shape != (self.n_sites,):
                    raise InputError(f"K: give one value per site ({self.n_sites}), got shape {values.shape}")
                values = values[:, None, None] * rr
            self._set_onsite("anisotropy", values, sublattice, "energy", replace=False)
            self.terms.append(("anisotropy", dict(K="site-resolved", axis=a.tolist())))
            return self
        Kv = _scalar(K, "energy", "K")
        if not np.isfinite(Kv):
            raise InputError("anisotropy constant K must be finite")
        check_plausible(Kv, "anisotropy", "K")
        for s in self._sublattices(sublattice):
            self.anisotropy[s] += Kv * rr
        self.terms.append(("anisotropy", dict(K=Kv, axis=a.tolist(), sublattice=sublattice)))
        return self

    def add_anisotropy_tensor(self, K, sublattice=None):
        """General quadratic anisotropy -S . K S per site (K symmetric 3x3, joule); per-site arrays
        (n_sites, 3, 3) or callables of the position are site-resolved."""
        T = self._set_onsite("anisotropy", K, sublattice, "energy", replace=False)
        if T is None:
            sym = self.site_onsite["anisotropy"]
            if not np.allclose(sym, sym.transpose(0, 2, 1)):
                raise InputError("anisotropy tensors must be symmetric")
            self.terms.append(("anisotropy_tensor", {"site_resolved": True}))
            return self
        if not np.allclose(T, T.T):
            raise InputError("anisotropy tensor must be symmetric")
        for s in self._sublattices(sublattice):
            self.anisotropy[s] += T
        self.terms.append(("anisotropy_tensor", dict(K=T.tolist(), sublattice=sublattice)))
        return self

    def add_zeeman(self, B, protocol="static", B1=None, **protocol_params):
        """Uniform Zeeman field B (tesla), plus an optional B1 f(t) with a time protocol of
        :mod:`spinertia.lattice.protocols` (step: t_on; sine: frequency (rad/s), phase; pulse: t0, width)."""
        B = _vec3(B, "B", "field")
        check_plausible(B, "field", "B")
        self.B0 = self.B0 + B
        if protocol not in protocols.PROTOCOLS:
            raise InputError(f"unknown field protocol {protocol!r}; use one of {sorted(protocols.PROTOCOLS)}")
        if protocol != "static":
            if self.protocol != "static":
                raise InputError("only one time-dependent Zeeman term is supported; combine them into one")
            if B1 is None:
                raise InputError(f"protocol {protocol!r} needs B1 (tesla)")
            self.protocol_params = protocols.protocol_parameters(protocol, protocol_params)
            self.B1 = _vec3(B1, "B1", "field")
            check_plausible(self.B1, "field", "B1")
            self.protocol = protocol
        elif protocol_params or B1 is not None:
            raise InputError("a static Zeeman field takes no protocol parameters (set protocol = 'step', "
                             "'sine' or 'pulse' for a time-dependent part)")
        self.terms.append(("zeeman", dict(B=list(map(float, B)), protocol=protocol)))
        return self

    def set_site_field(self, B_sites):
        """Static site-dependent field (tesla), shape (n_sites, 3), added to the uniform field."""
        B = np.asarray(B_sites, dtype=float)
        if B.shape != (self.n_sites, 3) or not np.all(np.isfinite(B)):
            raise InputError(f"site field must be a finite ({self.n_sites}, 3) array, got shape {B.shape}")
        check_plausible(B, "field", "site field")
        self.site_field = B.copy()
        self.terms.append(("site_field", {}))
        return self

    # -- dynamical couplings ----------------------------------------------------------------------
    def set_damping(self, alpha, sublattice=None):
        """On-site Gilbert damping (dimensionless): scalar or 3x3 tensor per sublattice, or site-resolved
        (an (n_sites,) or (n_sites, 3, 3) array, or a callable of the site position in metres)."""
        if not callable(alpha) and np.max(np.abs(np.asarray(alpha, dtype=float)), initial=0.0) > 1e3:
            raise InputError(f"alpha = {np.max(np.abs(np.asarray(alpha, dtype=float))):.4g} is not a plausible "
                             "Gilbert damping (dimensionless; measured values lie between 1e-4 and about 1)")
        T = self._set_onsite("damping", alpha, sublattice, None, replace=True)
        if T is not None:
            for s in self._sublattices(sublattice):
                self.damping[s] = T
            if self.site_onsite["damping"] is not None:  # a later uniform value overrides those sites too
                subs = np.tile(np.arange(self.lattice.n_sub), self.n_sites // self.lattice.n_sub)
                for s in self._sublattices(sublattice):
                    self.site_onsite["damping"][subs == s] = T
        return self

    def set_inertia(self, eta, sublattice=None):
        """On-site inertia (Webb et al. 2026, Eq. 1; Bhattacharjee et al. 2012, Eq. 1): scalar eta or 3x3
        tensor in seconds (or e.g. ``"100 fs"``), per sublattice or site-resolved like :meth:`set_damping`."""
        T = self._set_onsite("inertia", eta, sublattice, "time", replace=True)
        if T is not None:
            for s in self._sublattices(sublattice):
                self.inertia[s] = T
            if self.site_onsite["inertia"] is not None:
                subs = np.tile(np.arange(self.lattice.n_sub), self.n_sites // self.lattice.n_sub)
                for s in self._sublattices(sublattice):
                    self.site_onsite["inertia"][subs == s] = T
        return self

    def add_pair_damping(self, G, shell=None, bonds=None, between=None, pairs=None, directed=False):
        """Non-local Gilbert damping G_ij (dimensionless scalar or 3x3, or callable of delta) on a shell,
        unit-cell bonds, or listed site pairs (``pairs=``; G per pair or a callable of (r_i, r_j)).  The reverse
        pair carries G_ij^T, unless ``directed=True`` (listed pairs only): then each listed (i, j) couples the
        motion of j into the equation of i only, as for tensors computed for every ordered pair (e.g. by
        :func:`spinertia.electrons.nonlocal_tensors.to_spin_parameters`)."""
        if pairs is not None:
            return self._add_site_pairs("pair_damping", G, pairs, "G", None, directed)
        bl = self._bonds(shell, bonds, between)
        self._add_pairs(self.pair_damping, bl, lambda d: _tensor(self._evaluate(G, d, "G"), "G"),
                        ("pair_damping", dict(shell=shell)))
        return self

    def add_pair_inertia(self, eta=0.0, xi=None, tensor=None, shell=None, bonds=None, between=None, pairs=None,
                         directed=False):
        """Non-local inertia I_ij = eta 1 + [xi x] (+ tensor) in seconds (Bhattacharjee et al. 2012,
        Eq. 10; Ghosh et al. 2025 cross-sublattice and chiral inertia, spec 1.3).  eta, xi (axial
        3-vector) or tensor may be callables of the bond displacement delta.  The reverse bond carries
        I_ij^T (xi odd).  ``pairs=`` places ``tensor`` (or eta) between listed sites (``directed`` as for
        :meth:`add_pair_damping`)."""
        if pairs is not None:
            if xi is not None:
                raise InputError("add_pair_inertia(pairs=...): give the full tensor (eta 1 + [xi x]) as tensor=")
            value = tensor if tensor is not None else eta
            return self._add_site_pairs("pair_inertia", value, pairs, "eta", "time", directed)

        def T(d):
            out = _tensor(self._evaluate(eta, d, "eta"), "eta", "time")
            if xi is not None:
                out = out + cross_matrix(_vec3(self._evaluate(xi, d, "xi"), "xi", "time"))
            if tensor is not None:
                out = out + _tensor(self._evaluate(tensor, d, "tensor"), "tensor", "time")
            return self._check(out, "pair_inertia", "pair inertia")

        bl = self._bonds(shell, bonds, between)
        self._add_pairs(self.pair_inertia, bl, T, ("pair_inertia", dict(shell=shell)))
        return self


    # -- current-driven torques -------------------------------------------------------------------
    def add_spin_transfer(self, u=None, beta=None, *, j=None, b_J=None, c_J=None, scale=1.0, stencil=None):
        """Current-driven spin-transfer torque in the spatial-adiabatic limit (Zhang and Li 2004; Thiaville et
        al. 2005; Xu et al. 2023, Eqs. 31-37):

            dm_i/dt = ... - (u_i . grad) m_i + beta_i m_i x (u_i . grad) m_i,

        for the magnetization direction m_i (the package's equation, docs/theory.md), ``u`` the spin-drift
        velocity (m/s; along the electron flow for a current of majority electrons) and ``beta`` the
        non-adiabaticity.  The gradient is a least-squares finite difference over the nearest neighbours
        (central differences on square, triangular and cubic lattices, one-sided at open edges;
        docs/atomistic.md, "Spin-transfer torque").  The torque is not the gradient of an energy: it enters
        the equations of motion of every model and never the energy, the minimizer or Monte Carlo.

        Three ways to give the current (calls add up):

        * ``u`` (m/s): a 3-vector (numbers or strings such as ``"100 m/s"``), an ``(n_sites, 3)`` array or a
          callable of the site position (metres); ``beta`` one number or one per site (default 0);
        * Xu et al. 2023, Eq. 31 (Zhang and Li's b_J, c_J): ``b_J (j . grad) m - c_J m x (j . grad) m`` with the
          charge current density ``j`` (A/m^2 in 3D, A/m for a sheet, A for a wire; a 3-vector or per site) and
          b_J, c_J in SI (m^3/C, m^2/C or m/C to match), i.e. ``u = -b_J j`` and ``beta u = -c_J j``
          (c_J = beta b_J);
        * the electrons' result: ``add_spin_transfer(adiabatic_torques(...))``
          (:class:`spinertia.electrons.torques.AdiabaticTorques`: its u along the transport direction and its
          beta, at the bias it was computed for), or with ``j=`` to use its b_J, c_J at another current.

        Parameters
        ----------
        u : array_like, callable or AdiabaticTorques, optional
            Drift velocity (m/s).
        beta : float or (n_sites,) array, optional
            Non-adiabaticity (dimensionless); not with b_J/c_J or an AdiabaticTorques.
        j : array_like, optional
            Charge current density (SI, see above), a 3-vector or ``(n_sites, 3)``.
        b_J, c_J : float, optional
            Adiabatic and non-adiabatic coefficients of Xu et al. 2023, Eq. 31 (SI).
        scale : float
            Multiplies the current (e.g. -1 reverses it, or a bias ratio for the linear-response result).
        stencil : {"bonds", "cells"}, optional
            Finite-difference neighbours: "bonds" (default) the nearest-neighbour shell over all sublattices;
            "cells" the same sublattice in the neighbouring cells (+-a_1, +-a_2, +-a_3), one gradient per
            sublattice (antiferro- and ferrimagnets).

        Raises
        ------
        InputError
            Wrong shape, non-finite or implausible values, a velocity component along a direction in which the
            system has no neighbours (e.g. u_y on a chain along x), or conflicting arguments.
        """
        try:
            sc = float(scale) if not isinstance(scale, (bool, str)) else float("nan")
        except (TypeError, ValueError):
            sc = float("nan")
        if not np.isfinite(sc):
            raise InputError(f"scale must be a finite number, got {scale!r}")
        if u is not None and hasattr(u, "velocity") and hasattr(u, "b_J"):  # electrons' AdiabaticTorques
            if beta is not None or b_J is not None or c_J is not None:
                raise InputError("add_spin_transfer(torques): u and beta come from the electrons' result; give no "
                                 "beta, b_J or c_J with it (j= rescales the current)")
            if j is None:
                uu = self._stt_vectors(u.velocity, "u (AdiabaticTorques.velocity)", "velocity")
                bu = uu * float(u.beta)
            else:
                jj = self._stt_vectors(j, "j", None)
                uu, bu = -float(u.b_J) * jj, -float(u.c_J) * jj
            source = {"from": "adiabatic_torques", "beta": float(u.beta)}
        elif b_J is not None or c_J is not None:
            if u is not None or beta is not None:
                raise InputError("add_spin_transfer: give either u (and beta) or b_J, c_J with the current density j, "
                                 "not both")
            if j is None:
                raise InputError("add_spin_transfer(b_J=, c_J=) needs the charge current density j (a 3-vector or "
                                 "one per site, SI)")
            bJ = _scalar(0.0 if b_J is None else b_J, None, "b_J")
            cJ = _scalar(0.0 if c_J is None else c_J, None, "c_J")
            if not (np.isfinite(bJ) and np.isfinite(cJ)):
                raise InputError(f"b_J and c_J must be finite, got {b_J!r}, {c_J!r}")
            jj = self._stt_vectors(j, "j", None)
            uu, bu = -bJ * jj, -cJ * jj
            source = {"b_J": bJ, "c_J": cJ}
        else:
            if u is None:
                raise InputError("add_spin_transfer needs u (m/s), or b_J and c_J with the current density j, or "
                                 "the electrons' adiabatic_torques result")
            if j is not None:
                raise InputError("add_spin_transfer: j (current density) goes with b_J, c_J or an AdiabaticTorques; "
                                 "with u give the drift velocity alone")
            uu = self._stt_vectors(u, "u", "velocity")
            bu = uu * self._stt_beta(0.0 if beta is None else beta)
            source = {"beta": "site-resolved" if np.ndim(beta) else float(beta or 0.0)}
        uu, bu = sc * uu, sc * bu
        check_plausible(uu, "velocity", "u")
        check_plausible(bu, "velocity", "beta u")
        st = self.spin_transfer
        kind = stencil if stencil is not None else (st["stencil"] if st else "bonds")
        if kind not in STT_STENCILS:
            raise InputError(f"unknown spin-transfer stencil {kind!r}; use one of {STT_STENCILS}")
        if st is not None and st["stencil"] != kind:
            raise InputError(f"spin transfer was added with stencil {st['stencil']!r}; all terms share one stencil")
        from .finalized import spin_transfer_stencil

        nbr, delta = spin_transfer_stencil(self, kind)
        self._check_stt_directions(uu, nbr, delta, "u")
        self._check_stt_directions(bu, nbr, delta, "beta u")
        if st is None:
            self.spin_transfer = {"u": uu, "bu": bu, "stencil": kind}
        else:
            st["u"] = st["u"] + uu
            st["bu"] = st["bu"] + bu
        uniform = uu.ndim == 1
        self.terms.append(("spin_transfer", dict(u=uu.tolist() if uniform else "site-resolved", scale=sc,
                                                 stencil=kind, **source)))
        return self

    def _stt_vectors(self, value, name, dimension):
        """(3,) or (n_sites, 3) SI vectors from a 3-vector, an (n_sites, 3) array or a callable of the position."""
        n = self.n_sites
        if callable(value):
            pos = self.positions()
            return np.array([_vec3(value(r), f"{name}(site {k})", dimension) for k, r in enumerate(pos)])
        if isinstance(value, str) or np.ndim(value) == 0:
            raise InputError(f"{name} must be a vector (3 components), e.g. ({value!r}, 0, 0) along x, or one per "
                             f"site (an ({n}, 3) array); got the scalar {value!r}")
        shape = np.shape(value)
        if len(shape) == 1:
            return _vec3(value, name, dimension)
        if shape != (n, 3):
            raise InputError(f"{name} must be a 3-vector or one per site, shape ({n}, 3) for this system; got "
                             f"shape {shape}")
        arr = np.asarray(value, dtype=float)
        if not np.all(np.isfinite(arr)):
            bad = int(np.argmax(~np.all(np.isfinite(arr), axis=1)))
            raise InputError(f"{name}: site {bad} is not finite: {arr[bad].tolist()}")
        return arr.copy()

    def _stt_beta(self, beta):
        n = self.n_sites
        if isinstance(beta, (str, bool)):
            raise InputError(f"beta is dimensionless: give a number, got {beta!r}")
        if np.ndim(beta) == 0:
            b = float(beta)
            if not np.isfinite(b):
                raise InputError(f"beta must be finite, got {beta!r}")
            return b
        b = np.asarray(beta, dtype=float)
        if b.shape != (n,) or not np.all(np.isfinite(b)):
            raise InputError(f"beta must be one finite number or one per site (shape ({n},)), got shape {b.shape}")
        return b[:, None]

    def _check_stt_directions(self, v, nbr, delta, name):
        """Refuse velocity components outside the span of the stencil's bonds (directions without neighbours)."""
        if not np.any(v):
            return
        sub = self.sublattice_of_sites()
        used = delta[sub[:, None], np.arange(nbr.shape[1])[None, :]][nbr >= 0]
        if len(used) == 0:
            raise InputError(f"{name}: this system has no neighbours to take a gradient (one site, or one cell "
                             "without periodic partners); a spin-transfer torque needs a texture on a lattice")
        w, V = np.linalg.eigh(used.T @ used)  # 3x3: the span of the bonds present
        missing = V[:, w <= 1e-12 * w.max()].T  # directions without neighbours
        vv = np.atleast_2d(v)
        off = np.abs(vv @ missing.T).max() if len(missing) else 0.0
        scale = np.abs(vv).max()
        if off > 1e-9 * scale:
            dirs = "; ".join(str(np.round(d, 6).tolist()) for d in missing)
            raise InputError(f"{name} has a component {off:.4g} m/s along {dirs}, a direction in which this system has "
                             f"no neighbours (lattice of dimension {self.lattice.dimension}, size "
                             f"{list(self.size)}): there is no gradient of m along it; give u within the lattice "
                             "(e.g. u = (u_x, 0, 0) on a chain along x)")

    # ------------------------------------------------------------------------------------------
    def site_index(self, s, cell):
        """Flat index of sublattice s in cell (i1, i2, i3): s + n_sub (i1 + n1 (i2 + n2 i3))."""
        n1, n2, _ = self.size
        i1, i2, i3 = (tuple(cell) + (0, 0, 0))[:3]
        return s + self.lattice.n_sub * (i1 + n1 * (i2 + n2 * i3))

    def sublattice_of_sites(self):
        """Sublattice index of every site, (n_sites,) int."""
        return np.tile(np.arange(self.lattice.n_sub), self.n_sites // self.lattice.n_sub)

    def positions(self):
        """Site positions (n_sites, 3) in metres, in flat-index order."""
        n1, n2, n3 = self.size
        c = np.stack(np.meshgrid(np.arange(n1), np.arange(n2), np.arange(n3), indexing="ij"), -1)
        c = c.transpose(2, 1, 0, 3).reshape(-1, 3)  # i1 fastest
        R = c @ self.lattice.vectors
        return (R[:, None, :] + self.lattice.basis[None, :, :]).reshape(-1, 3)

    def onsite_tensors(self, kind):
        """On-site tensors of every site (n_sites, 3, 3), SI: 'anisotropy' (J), 'damping', 'inertia' (s)."""
        base = {"anisotropy": self.anisotropy, "damping": self.damping, "inertia": self.inertia}[kind]
        per_site = base[self.sublattice_of_sites()]
        extra = self.site_onsite[kind]
        if extra is None:
            return per_site
        return per_site + extra if kind == "anisotropy" else extra.copy()

    def copy(self):
        """An independent copy of the description (to vary a parameter and finalize again)."""
        import copy

        return copy.deepcopy(self)

    def finalized(self, units=None):
        """The efficient, reduced-unit object the solvers take (:class:`.finalized.FinalizedSystem`);
        ``units`` default: :class:`~spinertia.units.ReducedUnits` with a 1 ps time unit."""
        from ..units import ReducedUnits
        from .finalized import FinalizedSystem

        return FinalizedSystem(self, units if units is not None else ReducedUnits())

    def describe(self):
        out = {"kind": "lattice", "lattice": self.lattice.describe(), "size": list(self.size),
               "periodic": list(self.periodic), "mu_J_per_T": self.mu.tolist(),
               "gamma_rad_per_s_T": self.gamma.tolist(), "terms": [str(t) for t in self.terms],
               "damping": self.damping.tolist(), "inertia_s": self.inertia.tolist()}
        for kind, T in self.site_onsite.items():
            if T is not None:
                out[f"site_{kind}_sha1"] = _digest(T)
        for kind, lst in self.site_pairs.items():
            if lst:
                out[f"site_{kind}_sha1"] = _digest(*[np.concatenate([p.i, p.j, p.tensors.ravel()]) for p in lst])
        if self.site_field is not None:
            out["site_field_sha1"] = _digest(self.site_field)
        st = self.spin_transfer
        if st is not None:
            out["spin_transfer"] = {"stencil": st["stencil"],
                                    **({"u_m_per_s": st["u"].tolist(), "beta_u_m_per_s": st["bu"].tolist()}
                                       if st["u"].ndim == 1 and st["bu"].ndim == 1 else
                                       {"sha1": _digest(np.broadcast_to(st["u"], (self.n_sites, 3)),
                                                        np.broadcast_to(st["bu"], (self.n_sites, 3)))})}
        return out


def _digest(*arrays):
    import hashlib

    h = hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=float).tobytes())
    return h.hexdigest()
