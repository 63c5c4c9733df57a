"""Torque models on a lattice: LLG and inertial LLG with on-site and non-local damping and inertia.

Same equation as the macrospin models (:mod:`.models`), now per site and with pair tensors
(seed 002 Eqs. 1 and 10, seed 001 spec 1.3):

    dm_i/dt = -m_i x h_i + m_i x sum_j (A_ij dm_j/dt + E_ij d^2 m_j/dt^2),

A_ii, E_ii from ``System.set_damping / set_inertia``, A_ij, E_ij (i != j) from ``add_pair_damping /
add_pair_inertia``.  State layouts: LLG y = (m_1, ..., m_N); iLLG y = (m_1..m_N, w_1..w_N) with the angular
velocity w_i = m_i x dm_i/dt.  The same integrators as the macrospin run them (:mod:`.integrators`).

Energy: H (joule) for the LLG; for the iLLG with alpha = 0 the conserved quantity is
H + 1/2 sum_ij (mu_i/gamma_i) dm_i/dt . E_ij dm_j/dt, provided the "mass" matrix (mu_i/gamma_i) E_ij is
symmetric (it is for equal mu/gamma on the coupled sites; docs/atomistic.md).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import InputError
from ..lattice import kernels as LK
from ..lattice.finalized import FinalizedSystem
from .models import _sign_for

#: relative residual of the iterative solves for non-local damping and inertia
NONLOCAL_TOL = 1e-12
NONLOCAL_MAXIT = 500


class LatticeModel:
    """Common interface of the lattice equations of motion (mirrors :class:`.models.TorqueModel`)."""

    name = "lattice"
    norm_preserving = True

    def __init__(self, system: FinalizedSystem, convention="seed002", alpha=None, temperature=0.0, seed=0):
        if not isinstance(system, FinalizedSystem):
            raise InputError("the lattice model needs a finalized system: call System(...).finalized(units)")
        self.system = system
        self.hamiltonian = system
        self.convention = convention
        sgn = _sign_for(convention)
        self.sign = sgn
        n = system.n_sites
        self.sphere_blocks = np.arange(0, 3 * n, 3, dtype=np.int64)
        A = system.damping.copy() if alpha is None else np.tile(np.asarray(_as9(alpha, "alpha")), (system.n_sub, 1))
        self.A = sgn * A
        self.G = sgn * system.G
        for s in range(system.n_sub):
            ev = np.linalg.eigvalsh(0.5 * (self.A[s].reshape(3, 3) + self.A[s].reshape(3, 3).T))
            if ev.min() < -1e-14:
                warnings.warn(f"sublattice {system.lattice.names[s]}: the damping tensor has a negative "
                              f"eigenvalue {ev.min():.3g} (anti-damping)", stacklevel=3)
        self.info = np.zeros(2, dtype=np.int64)
        self.temperature = float(temperature)
        if not (np.isfinite(self.temperature) and self.temperature >= 0):
            raise InputError(f"temperature must be >= 0 K, got {temperature}")
        self.stochastic = self.temperature > 0
        self.seed = int(seed)
        self.hp = system.hp
        self.noise = (np.zeros((0, 9)), np.zeros(1, dtype=np.uint64))
        if self.stochastic:
            from . import thermal

            self.hp, self.noise, self.noise_hook = thermal.attach_noise(self, self.temperature, seed)
        #: thread-parallel kernels and integrators for large systems (lattice.kernels.PARALLEL_MIN_SITES)
        self.parallel = system.kernels.parallel

    #: units of the observables for result files (see io.results.OBSERVABLE_UNITS)
    observable_units = {
        "magnetization": ("1", "1", "moment-weighted mean spin direction"),
        "energy": ("1", "J", "energy of the spin Hamiltonian"),
        "kinetic_energy": ("1", "J", "inertial energy 1/2 sum (mu/gamma) v . E v"),
    }

    def derivative(self, t, y):
        out = np.empty_like(y)
        self.rhs(float(t), np.ascontiguousarray(y, dtype=float), self.args, out)
        return out

    def spins(self, Y):
        return np.asarray(Y)[..., : 3 * self.system.n_sites].reshape(np.shape(Y)[:-1] + (self.system.n_sites, 3))

    def magnetization(self, Y):
        """Moment-weighted average direction sum mu_i m_i / sum mu_i, shape (..., 3)."""
        mu = self.system.mu[self.system.sub]
        return np.einsum("...ia,i->...a", self.spins(Y), mu) / mu.sum()

    def observables(self, t, Y):
        Y = np.asarray(Y, dtype=float)
        t = np.broadcast_to(np.asarray(t, float), (len(Y),))
        S = self.spins(Y)
        energy = np.array([self.system.energy(ti, Si) for ti, Si in zip(t, S)])
        out = {"magnetization": self.magnetization(Y), "energy": energy}
        out.update(self.extra_observables(t, Y))
        return out

    def extra_observables(self, t, Y):
        return {}

    def solver_report(self):
        """Iterations used by the non-local solves (max per call) and the number of failed solves."""
        return {"max_iterations": int(self.info[0]), "failed_solves": int(self.info[1]), "tolerance": NONLOCAL_TOL}

    def describe(self):
        out = {"model": self.name, "convention": self.convention, "temperature_K": self.temperature,
               "system": self.system.describe()}
        if self.stochastic:
            out["seed"] = self.seed  # part of the checkpoint signature: resuming with another seed is refused
        return out


def _as9(value, name):
    from .linalg3 import as_tensor

    return as_tensor(value, name)


class LatticeLLG(LatticeModel):
    """dm_i/dt = -m_i x h_i + m_i x sum_j A_ij dm_j/dt (on-site scalar/tensor, optional pair damping)."""

    name = "lattice_llg"

    def __init__(self, system, alpha=None, convention="seed002", temperature=0.0, seed=0):
        super().__init__(system, convention, alpha, temperature, seed)
        n = system.n_sites
        self.state_size = 3 * n
        ctl = np.array([NONLOCAL_TOL, NONLOCAL_MAXIT])
        self.args = (self.hp, self.A, system.gnbr, self.G, np.zeros((2, 3 * n)), ctl, self.info, self.noise)
        self.rhs = system.kernels.llg_rhs
        #: site-local sweep for the fused Heun integrator (only without pair damping)
        self.site_rhs = None if system.gnbr.shape[1] else LK.llg_sweep
        self.site_args = self.hp + (self.A, np.zeros((system.n_sub, 9)), _isotropic_flags(self.A, None))
        self.extra_block = False

    def initial_state(self, spins):
        return self.system.check_spins(spins, "initial spins").reshape(-1).copy()

    def max_frequency(self):
        return self.system.max_frequency()


class LatticeInertialLLG(LatticeModel):
    """Inertial LLG on the lattice with on-site and non-local inertia (seed 002 Eq. 1/10, seed 001)."""

    name = "lattice_illg"

    def __init__(self, system, alpha=None, eta=None, convention="seed002", temperature=0.0, seed=0):
        super().__init__(system, convention, alpha, temperature, seed)
        n = system.n_sites
        self.state_size = 6 * n
        self.tangent_blocks = (3 * n,)
        E = system.inertia.copy() if eta is None else np.tile(_as9(eta, "eta"), (system.n_sub, 1)) / system.units.t_unit
        self.E = self.sign * E
        self.I = self.sign * system.I
        if eta is not None and system.inbr.shape[1]:
            raise InputError("eta= overrides the on-site inertia only for systems without pair inertia; "
                             "set it on the System (set_inertia) instead")
        if eta is not None:
            system._eta_min = None
            lam = min(np.linalg.eigvalsh(0.5 * (E[s].reshape(3, 3) + E[s].reshape(3, 3).T)).min()
                      for s in range(system.n_sub))
        else:
            lam = system.inertia_min_eigenvalue()
        if not lam > 0:
            raise InputError(
                f"the inertia matrix is not positive definite (smallest eigenvalue of its symmetric part "
                f"{lam * system.units.t_unit:.4g} s): the second derivatives cannot be solved for. Every site needs "
                "on-site inertia (set_inertia) larger than the sum of its pair inertia; eta = 0 is plain LLG "
                "(use LatticeLLG)")
        self._eta_min = lam
        symmetric = np.allclose(self.E.reshape(-1, 3, 3), self.E.reshape(-1, 3, 3).transpose(0, 2, 1))
        ctl = np.array([NONLOCAL_TOL, NONLOCAL_MAXIT, 1.0 if symmetric else 0.0])
        self.args = (self.hp, self.A, system.gnbr, self.G, self.E, system.inbr, self.I, np.zeros((8, 3 * n)),
                     ctl, self.info, self.noise)
        self.rhs = system.kernels.illg_rhs
        local = system.gnbr.shape[1] == 0 and system.inbr.shape[1] == 0
        self.site_rhs = LK.illg_sweep if local else None
        self.site_args = self.hp + (self.A, self.E, _isotropic_flags(self.A, self.E))
        self.extra_block = True

    def initial_state(self, spins, velocities=None):
        """State from spins (N, 3) and optional dm/dt (N, 3, reduced units, perpendicular to the spins)."""
        S = self.system.check_spins(spins, "initial spins")
        W = np.zeros_like(S)
        if velocities is not None:
            V = np.asarray(velocities, dtype=float)
            if V.shape != S.shape:
                raise InputError(f"velocities must have shape {S.shape}, got {V.shape}")
            if np.max(np.abs(np.sum(V * S, 1))) > 1e-9 * (1 + np.abs(V).max()):
                raise InputError("velocities must be perpendicular to the spins (|m| = 1 is conserved)")
            W = np.cross(S, V)
        return np.concatenate([S.reshape(-1), W.reshape(-1)])

    def velocities(self, Y):
        """dm/dt = w x m per site, shape (..., N, 3) (reduced units)."""
        n = self.system.n_sites
        Y = np.asarray(Y)
        S = Y[..., : 3 * n].reshape(Y.shape[:-1] + (n, 3))
        W = Y[..., 3 * n:].reshape(Y.shape[:-1] + (n, 3))
        return np.cross(W, S)

    def kinetic_energy(self, Y):
        """1/2 sum_ij (mu_i/gamma_i) v_i . E_ij v_j in joule (symmetric part of the mass matrix)."""
        sysf = self.system
        V = self.velocities(np.atleast_2d(Y))
        w = (sysf.mu / sysf.gamma)[sysf.sub] / sysf.units.t_unit  # reduced v and E -> joule
        out = []
        for v in V:
            flat = v.reshape(-1)
            Ev = np.empty_like(flat)
            _apply_E(self, flat, Ev)
            out.append(0.5 * np.sum(w * np.sum(v * Ev.reshape(-1, 3), 1)))
        return np.array(out)

    def max_frequency(self):
        w0 = self.system.max_frequency()
        eta = self._eta_min
        a = max(np.linalg.norm(self.A[s].reshape(3, 3), 2) for s in range(self.system.n_sub))
        return float(abs((1 - 1j * a) + np.sqrt((1 - 1j * a) ** 2 + 4 * eta * w0)) / (2 * eta))

    def extra_observables(self, t, Y):
        kin = self.kinetic_energy(Y)
        return {"kinetic_energy": kin}


def _apply_E(model, x, out):
    """out <- E x with the full (unprojected) inertia matrix of the model (reduced units)."""
    sysf = model.system
    X = x.reshape(-1, 3)
    O = np.einsum("iab,ib->ia", model.E.reshape(-1, 3, 3)[sysf.sub], X)
    if sysf.inbr.shape[1]:
        valid = sysf.inbr >= 0
        for k in range(sysf.inbr.shape[1]):
            j = sysf.inbr[:, k]
            T = model.I[sysf.sub, k].reshape(-1, 3, 3)
            O += np.where(valid[:, k:k + 1], np.einsum("iab,ib->ia", T, X[np.maximum(j, 0)]), 0.0)
    out[:] = O.reshape(-1)


def _isotropic_flags(A, E):
    """(n_sub, 2): 1.0 where the on-site damping (column 0) / inertia (column 1) is a scalar times 1,
    selecting the closed-form fast paths of the fused sweeps."""
    def iso(X):
        M = X.reshape(-1, 3, 3)
        return np.array([1.0 if np.array_equal(m, m[0, 0] * np.eye(3)) else 0.0 for m in M])

    out = np.zeros((A.shape[0], 2))
    out[:, 0] = iso(A)
    if E is not None:
        out[:, 1] = iso(E) * (E[:, 0] != 0)
    return out
