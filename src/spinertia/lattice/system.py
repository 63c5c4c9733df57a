"""Atomistic spin system: a builder that describes lattice, moments and Hamiltonian terms in SI units.

    sys = System(square(2.5e-10), size=(64, 64), mu=2 * MU_B)
    sys.add_exchange(1e-21, shell=1)                  # J per bond, joule
    sys.add_dmi(2e-22, shell=1, kind="interfacial")   # |D_ij|, joule
    sys.add_anisotropy(1e-23, axis=(0, 0, 1))         # K per site, joule
    sys.add_zeeman([0, 0, 1.0])                       # tesla
    sys.set_damping(0.1); sys.set_inertia(10e-15)     # dimensionless; seconds
    fin = sys.finalized(ReducedUnits(1e-12))          # efficient object for the solvers

Hamiltonian (each unordered pair once; spin directions S_i, |S_i| = 1; energies in joule):

    H = - sum_<ij> S_i . J_ij S_j - sum_i S_i . K_i S_i - sum_i mu_i B_i(t) . S_i

with the pair tensor J_ij = J 1 - [D_ij x] + (anisotropic exchange), so that the isotropic and
Dzyaloshinskii-Moriya parts read -J S_i.S_j - D_ij . (S_i x S_j) (seed 001 spec Eq. 1.2).  The reverse
bond carries the transpose, J_ji = J_ij^T (D_ji = -D_ij).  Seed 003 Eq. 38 writes
+ D' . (m_i x m_j) with D' = D (r_i - r_j)/|r_i - r_j|; that is ``kind="bulk"`` here (D_ij = D r_ij/|r_ij|,
r_ij = r_j - r_i).  Effective field B_i = -(1/mu_i) dH/dS_i (tesla).

Dynamical couplings of the same description (seed 002 Eq. 1, 10; seed 001 spec 1.3): on-site Gilbert
damping alpha_i and pair damping G_ij (dimensionless 3x3), on-site inertia and pair inertia
I_ij = eta_ij 1 + [xi_ij x] (seconds), all entering the equation of motion of site i as
m_i x sum_j (G_ij dm_j/dt + I_ij d^2 m_j/dt^2).  Reverse bonds again carry the transpose
(eta even, chiral axial vector xi odd, spec 1.3).

Every per-bond value may be a constant or a callable of the bond displacement delta (metres, from
site i to site j) returning the value: that is how direction-dependent patterns (DMI vectors, the
bond-odd chiral inertia of seed 001) are written.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..hamiltonian.macrospin import PROTOCOLS, _protocol_params
from ..units import GAMMA_ELECTRON
from .geometry import Bond, Lattice


def _tensor(value, name):
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        a = float(a) * np.eye(3)
    if a.shape != (3, 3) or not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be a finite scalar or 3x3 tensor, got {np.asarray(value).tolist()}")
    return a


def _vec3(value, name):
    a = np.asarray(value, dtype=float)
    if a.shape == (2,):
        a = np.append(a, 0.0)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be a finite 3-vector, got {np.asarray(value).tolist()}")
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


DMI_KINDS = ("interfacial", "bulk", "vector")


class System:
    """Builder of an atomistic spin system (SI units). See the module docstring.

    lattice: a :class:`Lattice`; size: repetitions (n1[, n2[, n3]]) of the unit cell;
    periodic: bool or one bool per direction; mu: moment per sublattice (J/T; scalar, list or
    {name: value}); gamma: gyromagnetic ratio per sublattice (rad/(s T), positive).
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
        self.mu = self._per_sublattice(mu, "mu", positive=True)
        self.gamma = self._per_sublattice(gamma, "gamma", positive=True)
        self.exchange = PairTerm([], [])
        self.pair_damping = PairTerm([], [])
        self.pair_inertia = PairTerm([], [])
        n = lattice.n_sub
        self.anisotropy = np.zeros((n, 3, 3))
        self.damping = np.zeros((n, 3, 3))
        self.inertia = np.zeros((n, 3, 3))
        self.B0 = np.zeros(3)
        self.B1 = np.zeros(3)
        self.protocol = "static"
        self.protocol_params = np.zeros(3)
        self.site_field = None
        self.terms = []

    @property
    def n_sites(self):
        return self.lattice.n_sub * int(np.prod(self.size))

    # ------------------------------------------------------------------------------------------
    def _per_sublattice(self, value, name, positive=False):
        n = self.lattice.n_sub
        if isinstance(value, dict):
            unknown = set(value) - set(self.lattice.names)
            if unknown:
                raise InputError(f"{name}: unknown sublattices {sorted(unknown)}; have {self.lattice.names}")
            missing = set(self.lattice.names) - set(value)
            if missing:
                raise InputError(f"{name}: no value for sublattices {sorted(missing)}")
            arr = np.array([float(value[k]) for k in self.lattice.names])
        else:
            arr = np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy() if np.ndim(value) == 0 else \
                np.asarray(value, dtype=float)
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
            raise InputError("give exactly one of shell=<n> (neighbour shell) or bonds=[(s, t, offset), ...]")
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

    # -- Hamiltonian terms ------------------------------------------------------------------------
    def add_exchange(self, J, shell=None, bonds=None, between=None):
        """Heisenberg exchange J (joule per bond; > 0 ferromagnetic) or a full 3x3 exchange tensor."""
        bl = self._bonds(shell, bonds, between)
        self._add_pairs(self.exchange, bl, lambda d: _tensor(self._evaluate(J, d, "J"), "J"),
                        ("exchange", dict(J=J if not callable(J) else "callable", shell=shell)))
        return self

    def add_dmi(self, D, shell=None, bonds=None, between=None, kind="interfacial", vector=None,
                normal=(0.0, 0.0, 1.0)):
        """Dzyaloshinskii-Moriya interaction -D_ij . (S_i x S_j) (joule).

        kind="interfacial": D_ij = D (normal x r_ij)/|r_ij| (Neel skyrmions, C_nv interfaces);
        kind="bulk":        D_ij = D r_ij/|r_ij| (Bloch skyrmions, B20; seed 003 Eq. 38);
        kind="vector":      D_ij = D * vector for the listed bond direction (reverse bond: -D * vector;
                            seed 001: vector = z on the +2a x bonds).  D may be a callable of delta.
        """
        if kind not in DMI_KINDS:
            raise InputError(f"unknown DMI kind {kind!r}; use one of {DMI_KINDS}")
        n = _vec3(normal, "normal")
        if kind == "vector" and vector is None:
            raise InputError("kind='vector' needs vector=(x, y, z) (or a callable of delta)")
        if kind != "vector" and vector is not None:
            raise InputError(f"vector= is only used with kind='vector', not {kind!r}")

        def dvec(delta):
            d = float(self._evaluate(D, delta, "D"))
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
        """Uniaxial anisotropy -K (S . axis)^2 per site (joule; K > 0 easy axis, K < 0 hard axis)."""
        a = _vec3(axis, "axis")
        if np.linalg.norm(a) == 0:
            raise InputError("anisotropy axis must be non-zero")
        a = a / np.linalg.norm(a)
        K = float(K)
        if not np.isfinite(K):
            raise InputError("anisotropy constant K must be finite")
        for s in self._sublattices(sublattice):
            self.anisotropy[s] += K * np.outer(a, a)
        self.terms.append(("anisotropy", dict(K=K, axis=a.tolist(), sublattice=sublattice)))
        return self

    def add_anisotropy_tensor(self, K, sublattice=None):
        """General quadratic anisotropy -S . K S per site (K symmetric 3x3, joule)."""
        K = _tensor(K, "K")
        if not np.allclose(K, K.T):
            raise InputError("anisotropy tensor must be symmetric")
        for s in self._sublattices(sublattice):
            self.anisotropy[s] += K
        self.terms.append(("anisotropy_tensor", dict(K=K.tolist(), sublattice=sublattice)))
        return self

    def add_zeeman(self, B, protocol="static", B1=None, **protocol_params):
        """Uniform Zeeman field B (tesla), plus an optional B1 f(t) with a protocol of the macrospin
        (step: t_on; sine: frequency (rad/s), phase; pulse: t0, width; seconds)."""
        self.B0 = self.B0 + _vec3(B, "B")
        if protocol not in PROTOCOLS:
            raise InputError(f"unknown field protocol {protocol!r}; use one of {sorted(PROTOCOLS)}")
        if protocol != "static":
            if self.protocol != "static":
                raise InputError("only one time-dependent Zeeman term is supported")
            if B1 is None:
                raise InputError(f"protocol {protocol!r} needs B1 (tesla)")
            self.B1 = _vec3(B1, "B1")
            self.protocol = protocol
            self.protocol_params = _protocol_params(protocol, protocol_params)
        elif protocol_params or B1 is not None:
            raise InputError("a static Zeeman field takes no protocol parameters")
        self.terms.append(("zeeman", dict(B=list(map(float, _vec3(B, "B"))), protocol=protocol)))
        return self

    def set_site_field(self, B_sites):
        """Static site-dependent field (tesla), shape (n_sites, 3), added to the uniform field."""
        B = np.asarray(B_sites, dtype=float)
        if B.shape != (self.n_sites, 3) or not np.all(np.isfinite(B)):
            raise InputError(f"site field must be a finite ({self.n_sites}, 3) array, got shape {B.shape}")
        self.site_field = B.copy()
        self.terms.append(("site_field", {}))
        return self

    # -- dynamical couplings ----------------------------------------------------------------------
    def set_damping(self, alpha, sublattice=None):
        """On-site Gilbert damping: scalar or 3x3 tensor (dimensionless), per sublattice."""
        A = _tensor(alpha, "alpha")
        for s in self._sublattices(sublattice):
            self.damping[s] = A
        return self

    def set_inertia(self, eta, sublattice=None):
        """On-site inertia: scalar eta or 3x3 tensor (seconds) (seed 000 Eq. 1, seed 002 Eq. 1)."""
        E = _tensor(eta, "eta")
        for s in self._sublattices(sublattice):
            self.inertia[s] = E
        return self

    def add_pair_damping(self, G, shell=None, bonds=None, between=None):
        """Non-local Gilbert damping G_ij (dimensionless scalar or 3x3, or callable of delta)."""
        bl = self._bonds(shell, bonds, between)
        self._add_pairs(self.pair_damping, bl, lambda d: _tensor(self._evaluate(G, d, "G"), "G"),
                        ("pair_damping", dict(shell=shell)))
        return self

    def add_pair_inertia(self, eta=0.0, xi=None, tensor=None, shell=None, bonds=None, between=None):
        """Non-local inertia I_ij = eta 1 + [xi x] (+ tensor) in seconds (seed 002 Eq. 10; seed 001
        cross-sublattice and chiral inertia, spec 1.3).  eta, xi (axial 3-vector) or tensor may be
        callables of the bond displacement delta.  The reverse bond carries I_ij^T (xi odd)."""

        def T(d):
            out = _tensor(self._evaluate(eta, d, "eta"), "eta")
            if xi is not None:
                out = out + cross_matrix(_vec3(self._evaluate(xi, d, "xi"), "xi"))
            if tensor is not None:
                out = out + _tensor(self._evaluate(tensor, d, "tensor"), "tensor")
            return out

        bl = self._bonds(shell, bonds, between)
        self._add_pairs(self.pair_inertia, bl, T, ("pair_inertia", dict(shell=shell)))
        return self

    # ------------------------------------------------------------------------------------------
    def site_index(self, s, cell):
        """Flat index of sublattice s in cell (i1, i2, i3): s + n_sub (i1 + n1 (i2 + n2 i3))."""
        n1, n2, _ = self.size
        i1, i2, i3 = (tuple(cell) + (0, 0, 0))[:3]
        return s + self.lattice.n_sub * (i1 + n1 * (i2 + n2 * i3))

    def positions(self):
        """Site positions (n_sites, 3) in metres, in flat-index order."""
        n1, n2, n3 = self.size
        c = np.stack(np.meshgrid(np.arange(n1), np.arange(n2), np.arange(n3), indexing="ij"), -1)
        c = c.transpose(2, 1, 0, 3).reshape(-1, 3)  # i1 fastest
        R = c @ self.lattice.vectors
        return (R[:, None, :] + self.lattice.basis[None, :, :]).reshape(-1, 3)

    def finalized(self, units=None):
        from ..units import ReducedUnits
        from .finalized import FinalizedSystem

        return FinalizedSystem(self, units if units is not None else ReducedUnits())

    def describe(self):
        return {"kind": "lattice", "lattice": self.lattice.describe(), "size": list(self.size),
                "periodic": list(self.periodic), "mu_J_per_T": self.mu.tolist(),
                "gamma_rad_per_s_T": self.gamma.tolist(), "terms": [str(t) for t in self.terms]}
