"""Finalized lattice system: the efficient, reduced-unit object the solvers consume.

Built from a :class:`~spinertia.lattice.system.System` by ``System.finalized(units)``.  Holds neighbour
tables and per-sublattice tensors (see :mod:`spinertia.lattice.kernels` for the layout), the
reduced-unit field parameters and the joule-valued energy parameters, plus the dynamical couplings
(damping and inertia, on-site and pair).

Reduced units: fields h_i = gamma_i B_i t_unit, inertia E / t_unit; energies stay in joule.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..hamiltonian.macrospin import FIELD_PARAM_SIZE, reduced_protocol_params
from . import kernels as K
from .system import PairTerm, System


def directed_bonds(system: System, term: PairTerm):
    """Per sublattice s: list of (t, offset, tensor) over bonds leaving s (reverse bonds carry T^T).
    Several terms on one directed bond are summed."""
    out = [dict() for _ in range(system.lattice.n_sub)]
    for b, T in zip(term.bonds, term.tensors):
        for s, t, off, M in ((b.s, b.t, b.offset, T), (b.t, b.s, tuple(-o for o in b.offset), T.T)):
            key = (t, off)
            out[s][key] = out[s].get(key, 0.0) + M
    return [[(t, off, M) for (t, off), M in sorted(d.items())] for d in out]


def neighbour_table(system: System, term: PairTerm, scale=None):
    """(nbr (n_sites, z) int32 with -1 for missing neighbours, T (n_sub, z, 9)) for a pair term.
    ``scale[s]`` multiplies the tensors of bonds leaving sublattice s."""
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
            T[s, k] = (M * (1.0 if scale is None else scale[s])).ravel()
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


def check_spins(spins, n_sites, name="spins", tol=1e-6):
    """Validate an (n_sites, 3) array of unit vectors; returns a float copy."""
    S = np.array(spins, dtype=float)
    if S.shape != (n_sites, 3):
        raise InputError(f"{name} must have shape ({n_sites}, 3) for this system, got {S.shape}")
    bad = ~np.all(np.isfinite(S), axis=1)
    if bad.any():
        raise InputError(f"{name}: site {int(np.argmax(bad))} is not finite: {S[np.argmax(bad)].tolist()}")
    norm = np.linalg.norm(S, axis=1)
    off = np.abs(norm - 1) > tol
    if off.any():
        i = int(np.argmax(off))
        raise InputError(f"{name}: site {i} is not a unit vector (|S| = {norm[i]:.8g}); normalize the spins "
                         "(S / |S|) or build them with spinertia.lattice.textures")
    return S / norm[:, None]


class FinalizedSystem:
    """Reduced-unit lattice system with compiled field/energy kernels (see module docstring)."""

    def __init__(self, system: System, units):
        self.system = system
        self.units = units
        self.lattice = system.lattice
        nsub = system.lattice.n_sub
        self.n_sites = N = system.n_sites
        self.n_sub = nsub
        self.sub = np.tile(np.arange(nsub, dtype=np.int32), N // nsub)
        self.positions = system.positions()
        self.mu = system.mu.copy()
        self.gamma = system.gamma.copy()
        g = system.gamma * units.t_unit / system.mu  # joule -> reduced angular frequency per sublattice
        self._g = g
        self.nbr, self.TJ = neighbour_table(system, system.exchange)
        self.T = self.TJ * g[:, None, None]
        Ksym = system.anisotropy + system.anisotropy.transpose(0, 2, 1)
        self.aniso = (Ksym * g[:, None, None]).reshape(nsub, 9)
        self.KJ = system.anisotropy.reshape(nsub, 9).copy()
        gt = system.gamma * units.t_unit
        self.h0 = gt[:, None] * system.B0[None, :]
        self.h1 = gt[:, None] * system.B1[None, :]
        fp = np.zeros(FIELD_PARAM_SIZE)
        reduced_protocol_params(fp, system.protocol, system.protocol_params, units)
        self.fp = fp
        if system.site_field is not None:
            self.Bsite = system.site_field.copy()
            self.hsite = gt[self.sub][:, None] * self.Bsite
        else:
            self.Bsite = np.zeros((0, 3))
            self.hsite = np.zeros((0, 3))
        self.hp = (self.sub, self.nbr, self.T, self.aniso, self.h0, self.h1, self.fp, self.hsite, np.zeros(0))
        self.ep = (self.sub, self.nbr, self.TJ, self.KJ, self.mu, system.B0.copy(), system.B1.copy(), self.fp,
                   self.Bsite)
        # dynamical couplings (dimensionless damping; inertia in reduced time)
        self.damping = system.damping.reshape(nsub, 9).copy()
        self.gnbr, self.G = neighbour_table(system, system.pair_damping)
        self.inertia = system.inertia.reshape(nsub, 9) / units.t_unit
        self.inbr, self.I = neighbour_table(system, system.pair_inertia, scale=np.full(nsub, 1 / units.t_unit))
        self._eta_min = None
        self.kernels = K.for_size(N)

    # -- fields and energies ------------------------------------------------------------------------
    def check_spins(self, spins, name="spins"):
        return check_spins(spins, self.n_sites, name)

    def with_noise_buffer(self, hnoise):
        """Field parameters whose Langevin-field slot is ``hnoise`` (3 n_sites, reduced units)."""
        return self.hp[:8] + (hnoise,)

    def field(self, t, spins):
        """Effective field h_i = gamma_i B_i (reduced angular frequency), shape (n_sites, 3); deterministic part."""
        y = np.ascontiguousarray(np.asarray(spins, float).reshape(-1))
        h = np.empty_like(y)
        self.kernels.field_all(float(t), y, self.hp, h)
        return h.reshape(-1, 3)

    def field_tesla(self, t, spins):
        """Effective field B_i = -(1/mu_i) dH/dS_i in tesla."""
        return self.field(t, spins) / (self.gamma[self.sub] * self.units.t_unit)[:, None]

    def energy_per_site(self, t, spins):
        y = np.ascontiguousarray(np.asarray(spins, float).reshape(-1))
        e = np.empty(self.n_sites)
        self.kernels.energy_sites(float(t), y, self.ep, e)
        return e

    def energy(self, t, spins):
        """Total energy in joule (pairs counted once)."""
        return float(np.sum(self.energy_per_site(t, spins)))

    def max_frequency(self):
        """Upper bound of the precession frequency (reduced): sum of the field-tensor norms per sublattice."""
        best = 0.0
        for s in range(self.n_sub):
            w = sum(np.linalg.norm(self.T[s, k].reshape(3, 3), 2) for k in range(self.T.shape[1]))
            w += np.linalg.norm(self.aniso[s].reshape(3, 3), 2) + np.linalg.norm(self.h0[s]) + np.linalg.norm(self.h1[s])
            best = max(best, w)
        if self.hsite.shape[0]:
            best += float(np.max(np.linalg.norm(self.hsite, axis=1)))
        return float(best)

    # -- inertia matrix -------------------------------------------------------------------------------
    def inertia_is_symmetric(self):
        E = self.inertia.reshape(-1, 3, 3)
        return bool(np.allclose(E, E.transpose(0, 2, 1), rtol=1e-12, atol=0.0))

    def inertia_min_eigenvalue(self):
        """Smallest eigenvalue of the symmetric part of the global inertia matrix (reduced time).

        Exact (dense) for up to 600 sites; for larger systems, the minimum over the Bloch matrices
        E(k) at the allowed wavevectors (exact for a periodic system, a lower bound for open ones:
        a finite section's spectrum lies in the numerical range of the infinite operator)."""
        if self._eta_min is not None:
            return self._eta_min
        E = self.inertia.reshape(-1, 3, 3)
        if self.inbr.shape[1] == 0:
            val = min(np.linalg.eigvalsh(0.5 * (E[s] + E[s].T)).min() for s in range(self.n_sub))
        elif self.n_sites <= 600:
            M = self.inertia_matrix()
            val = np.linalg.eigvalsh(0.5 * (M + M.T)).min()
        else:
            val = self._bloch_min_eigenvalue()
        self._eta_min = float(val)
        return self._eta_min

    def inertia_matrix(self):
        """Dense global inertia matrix (3N x 3N, reduced time): on-site blocks plus pair blocks."""
        N = self.n_sites
        M = np.zeros((3 * N, 3 * N))
        for i in range(N):
            s = self.sub[i]
            M[3 * i:3 * i + 3, 3 * i:3 * i + 3] += self.inertia[s].reshape(3, 3)
            for k in range(self.inbr.shape[1]):
                j = self.inbr[i, k]
                if j >= 0:
                    M[3 * i:3 * i + 3, 3 * j:3 * j + 3] += self.I[s, k].reshape(3, 3)
        return M

    def _bloch_min_eigenvalue(self):
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
        best = np.inf
        for q in np.stack(np.meshgrid(*grids, indexing="ij"), -1).reshape(-1, 3):
            M = np.zeros((3 * nsub, 3 * nsub), dtype=complex)
            for s in range(nsub):
                M[3 * s:3 * s + 3, 3 * s:3 * s + 3] += self.inertia[s].reshape(3, 3)
                for t, off, T in lists[s]:
                    M[3 * s:3 * s + 3, 3 * t:3 * t + 3] += T / self.units.t_unit * np.exp(1j * np.dot(q, off))
            best = min(best, np.linalg.eigvalsh(0.5 * (M + M.conj().T)).min())
        return best

    def describe(self):
        return {**self.system.describe(), "time_unit_s": self.units.t_unit, "n_sites": self.n_sites}

    def memory_bytes_per_site(self):
        """Bytes per site of the finalized tables (neighbour indices and sublattice index)."""
        return (self.nbr.nbytes + self.gnbr.nbytes + self.inbr.nbytes + self.sub.nbytes) / self.n_sites
