"""Bravais lattices with a basis, and neighbour shells.

A :class:`Lattice` holds the primitive vectors (rows of ``vectors``, metres) and the basis positions of
its sublattices (cartesian, metres).  A bond is written as in Sunny.jl and Kwant:
``(s, t, offset)`` joins sublattice ``s`` of cell ``R`` to sublattice ``t`` of cell ``R + offset``
(``offset`` an integer triple), with displacement ``delta = offset . vectors + b_t - b_s``.
Two-dimensional lattices use a third vector along z that is never repeated (size 1, open).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

ANGSTROM = 1e-10


@dataclass(frozen=True)
class Bond:
    """Bond from sublattice ``s`` in cell R to sublattice ``t`` in cell R + ``offset``."""

    s: int
    t: int
    offset: tuple

    def reversed(self):
        return Bond(self.t, self.s, tuple(-o for o in self.offset))

    def canonical(self):
        """One representative of {bond, reversed bond} (so an undirected pair is stored once)."""
        r = self.reversed()
        return self if (self.s, self.t, self.offset) <= (r.s, r.t, r.offset) else r


class Lattice:
    """Bravais lattice with a basis.

    vectors: (d, 3) or (3, 3) primitive vectors in metres (d = 1, 2, 3 rows; missing rows are filled
    with orthogonal unit-length vectors that are never repeated).  basis: (n_sub, 3) positions in metres.
    names: sublattice names (default "A", "B", ...).
    """

    def __init__(self, vectors, basis=((0.0, 0.0, 0.0),), names=None):
        v = np.atleast_2d(np.asarray(vectors, dtype=float))
        if v.ndim != 2 or v.shape[1] not in (2, 3) or not (1 <= v.shape[0] <= 3):
            raise InputError(f"lattice vectors must be 1-3 rows of 2 or 3 components, got shape {v.shape}")
        if v.shape[1] == 2:
            v = np.hstack([v, np.zeros((v.shape[0], 1))])
        self.dimension = v.shape[0]
        full = np.zeros((3, 3))
        full[: v.shape[0]] = v
        scale = np.linalg.norm(v, axis=1).max()
        if not (np.all(np.isfinite(v)) and 0 < scale < 1e10):
            raise InputError(f"lattice vectors must be finite and non-zero (metres), got {v.tolist()}")
        for k in range(v.shape[0], 3):  # complete with unit-length-scaled orthogonal directions
            best = None
            for e in np.eye(3):
                w = e - sum(np.dot(e, full[i]) / np.dot(full[i], full[i]) * full[i] for i in range(k))
                if best is None or np.linalg.norm(w) > np.linalg.norm(best):
                    best = w
            full[k] = best / np.linalg.norm(best) * scale
        if not np.all(np.isfinite(full)) or abs(np.linalg.det(full)) < 1e-12 * np.prod(np.linalg.norm(full, axis=1)):
            raise InputError(f"lattice vectors are degenerate or not finite: {v.tolist()}")
        self.vectors = full
        b = np.atleast_2d(np.asarray(basis, dtype=float))
        if b.shape[1] == 2:
            b = np.hstack([b, np.zeros((b.shape[0], 1))])
        if b.ndim != 2 or b.shape[1] != 3 or not np.all(np.isfinite(b)):
            raise InputError(f"basis must be an (n_sub, 3) array of finite positions in metres, got {b.shape}")
        self.basis = b
        self.n_sub = len(b)
        if names is None:
            names = [chr(ord("A") + i) for i in range(self.n_sub)]
        names = [str(n) for n in names]
        if len(names) != self.n_sub or len(set(names)) != self.n_sub:
            raise InputError(f"need {self.n_sub} distinct sublattice names, got {names}")
        self.names = names

    # ------------------------------------------------------------------------------------------
    def sublattice_index(self, name):
        if isinstance(name, (int, np.integer)):
            if not 0 <= name < self.n_sub:
                raise InputError(f"sublattice index {name} out of range 0..{self.n_sub - 1}")
            return int(name)
        if name not in self.names:
            raise InputError(f"unknown sublattice {name!r}; this lattice has {self.names}")
        return self.names.index(name)

    def displacement(self, bond: Bond):
        return np.asarray(bond.offset, float) @ self.vectors + self.basis[bond.t] - self.basis[bond.s]

    def reciprocal_vectors(self):
        """Rows b_i with a_i . b_j = 2 pi delta_ij (1/m)."""
        return 2 * np.pi * np.linalg.inv(self.vectors).T

    def bonds_within(self, r_max, tol=1e-6):
        """All directed bonds with 0 < |delta| <= r_max (metres), with their lengths."""
        r_max = float(r_max)
        inv = np.linalg.inv(self.vectors)
        # offsets range: |n_i| <= r_max * |row i of inv^T| + 1
        reach = [int(np.ceil(r_max * np.linalg.norm(inv[:, i]))) + 1 if i < self.dimension else 0
                 for i in range(3)]
        out = []
        for off in itertools.product(*[range(-r, r + 1) for r in reach]):
            for s in range(self.n_sub):
                for t in range(self.n_sub):
                    b = Bond(s, t, tuple(int(o) for o in off))
                    d = np.linalg.norm(self.displacement(b))
                    if 1e-12 < d <= r_max * (1 + tol):
                        out.append((b, d))
        return out

    def shell_distances(self, n_shells, tol=1e-6):
        """Distances (metres) of the first ``n_shells`` neighbour shells."""
        a = np.linalg.norm(self.vectors[: self.dimension], axis=1).max()
        r = a
        while True:
            ds = sorted(d for _, d in self.bonds_within(r))
            uniq = []
            for d in ds:
                if not uniq or d > uniq[-1] * (1 + tol):
                    uniq.append(d)
            if len(uniq) > n_shells:
                return np.array(uniq[:n_shells])
            r *= 1.6

    def shell(self, n, between=None, tol=1e-6):
        """Undirected bonds of the n-th neighbour shell (n = 1 nearest neighbours), each pair once.

        between: optional pair of sublattice names/indices restricting the shell (either order).
        """
        if int(n) != n or n < 1:
            raise InputError(f"shell number must be a positive integer, got {n}")
        d_n = self.shell_distances(int(n), tol)[-1]
        bonds = [b for b, d in self.bonds_within(d_n, tol) if abs(d - d_n) <= tol * d_n]
        if between is not None:
            s0, t0 = (self.sublattice_index(x) for x in between)
            bonds = [b for b in bonds if {b.s, b.t} == {s0, t0} and (s0 != t0 or b.s == s0)]
        uniq = sorted({b.canonical() for b in bonds}, key=lambda b: (b.s, b.t, b.offset))
        return uniq

    def describe(self):
        return {"vectors_m": self.vectors[: self.dimension].tolist(), "basis_m": self.basis.tolist(),
                "sublattices": self.names}


# ---------------------------------------------------------------------------------------------------
# presets
# ---------------------------------------------------------------------------------------------------
def _length(value, name="a"):
    from ..units import parse_quantity

    x = parse_quantity(value, "length", name)
    if not (np.isfinite(x) and x > 0):
        raise InputError(f"lattice constant {name} must be a positive length, got {value!r}")
    return x


def chain(a=ANGSTROM):
    """Chain along x with spacing a (metres, or e.g. ``"2.5 A"``)."""
    a = _length(a)
    return Lattice([[a, 0, 0]])


def square(a=ANGSTROM):
    """Square lattice a x a (metres, or e.g. ``"2.5 A"``)."""
    a = _length(a)
    return Lattice([[a, 0, 0], [0, a, 0]])


def rectangular(a=ANGSTROM, b=None):
    """Rectangular lattice a x b (metres or quantity strings; b = a by default)."""
    a = _length(a)
    b = a if b is None else _length(b, "b")
    return Lattice([[a, 0, 0], [0, b, 0]])


def triangular(a=ANGSTROM):
    """Triangular lattice with spacing a (metres, or e.g. ``"2.5 A"``)."""
    a = _length(a)
    return Lattice([[a, 0, 0], [a / 2, a * np.sqrt(3) / 2, 0]])


def simple_cubic(a=ANGSTROM):
    """Simple cubic lattice with spacing a (metres, or e.g. ``"2.5 A"``)."""
    a = _length(a)
    return Lattice(np.eye(3) * a)


def checkerboard(a=ANGSTROM, b=None, names=("A", "B")):
    """Two-sublattice rectangular lattice of Ghosh et al. 2025 (spec 1.1): sites (n a, m b), sublattice A if
    n + m is even; primitive vectors (a, b) and (a, -b), A at (0, 0), B at (a, 0)."""
    a = _length(a)
    b = a if b is None else _length(b, "b")
    return Lattice([[a, b, 0], [a, -b, 0]], basis=[[0, 0, 0], [a, 0, 0]], names=names)


PRESETS = {"chain": chain, "square": square, "rectangular": rectangular, "triangular": triangular,
           "simple_cubic": simple_cubic, "checkerboard": checkerboard}
