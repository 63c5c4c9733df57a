"""Equations of motion for any finalized system, a macrospin (one site) or a lattice, and the contract every
model implements.

Canonical form (Webb et al. 2026, Eq. 1; Bhattacharjee et al. 2012, Eqs. 1 and 10), for the magnetization
direction m_i of site i:

    dm_i/dt = -m_i x h_i + tau_i + m_i x sum_j (A_ij dm_j/dt + E_ij d^2 m_j/dt^2)

* :class:`LLG`: E = 0; :class:`InertialLLG`: with inertia; :class:`MemoryKernelLLG`: E = 0 and the memory
  field h_mem,i = s int_0^t chi(t - t') m_i(t') dt' added to h_i (Webb et al. 2026, Eqs. 4, 5, 10), carried by
  auxiliary variables at O(1) cost per step.
* Damping A_ij and inertia E_ij have one home: the system (``System.set_damping``, ``set_inertia``,
  ``add_pair_damping``, ``add_pair_inertia``), per sublattice, per bond or site-resolved.
* ``convention``: the sign with which the system's tensors enter.  ``"magnetization"`` (default): as above,
  the equation for the magnetization direction (Webb et al. 2026; Bhattacharjee et al. 2012).  ``"spin"``:
  the tensors of an equation written for the spin direction s = -m, as Xu et al. 2023, Eq. 21
  (-m x alpha dm/dt - m x alpha_bar d2m/dt2): they enter as A = -alpha, E = -alpha_bar (docs/theory.md).

Every model implements :class:`Model`; integrators and the stepper (:mod:`.stepper`) rely on that contract
only.  State layouts: LLG y = (m_1..m_N); iLLG y = (m_1..m_N, w_1..w_N) with w_i = m_i x dm_i/dt; memory
kernel y = (m_1..m_N, Re w_j(i), Im w_j(i) per term j and site i).  Reduced units inside (time in
``system.units``); user-facing arguments are SI.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..errors import InputError, warn
from ..lattice.finalized import FinalizedSystem
from ..units import parse_quantity
from . import rhs as R
from . import sweeps
from .equations import nutation_frequency_bound
from .kernels import ExponentialSumKernel

#: sign with which the system's damping and inertia tensors enter (module docstring)
CONVENTIONS = {"magnetization": 1.0, "spin": -1.0}
_RENAMED = {"seed002": "magnetization", "seed000": "magnetization", "seed003": "spin"}
KERNEL_SIGNS = {"passive": 1.0, "as_printed": -1.0}
#: relative residual and iteration cap of the iterative solves for non-local damping and inertia
NONLOCAL_TOL = 1e-12
NONLOCAL_MAXIT = 500


def convention_sign(convention):
    """+1 or -1 for a convention name (see the module docstring)."""
    if convention in _RENAMED:
        raise InputError(f"convention {convention!r} is now called {_RENAMED[convention]!r} (named by its meaning: "
                         "'magnetization' = tensors of the equation for m, 'spin' = for s = -m, Xu et al. 2023)")
    if convention not in CONVENTIONS:
        raise InputError(f"unknown sign convention {convention!r}; use one of {sorted(CONVENTIONS)} (docs/theory.md)")
    return CONVENTIONS[convention]


def check_unit_vector(m, name="m0", tol=1e-6):
    m = np.asarray(m, dtype=float)
    if m.shape != (3,):
        raise InputError(f"{name} must be a 3-vector, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise InputError(f"{name} must be finite, got {m}")
    n = np.linalg.norm(m)
    if abs(n - 1.0) > tol:
        raise InputError(
            f"{name} = {m.tolist()} is not a unit vector (|{name}| = {n:.8g}); normalize it "
            f"(m / |m|) or give angles theta/phi instead")
    return m / n


def _isotropic(T):
    """(rows,) 1.0 where a (rows, 9) table row is a multiple of the identity."""
    M = T.reshape(-1, 3, 3)
    d = M[:, 0, 0]
    return np.all(np.abs(M - d[:, None, None] * np.eye(3)) == 0, axis=(1, 2)).astype(float)


def _refuse_moved(moved):
    """Old keyword arguments of the models: say where the parameter lives now."""
    if not moved:
        return
    where = {"alpha": "System.set_damping(alpha)", "eta": "System.set_inertia(eta)"}
    hints = "; ".join(f"{k}: {where.get(k, 'not a model argument')}" for k in moved)
    raise InputError(f"unknown model argument(s) {sorted(moved)}: damping and inertia live on the system ({hints}), "
                     "then finalize it and build the model from it")


def _pair_product(onsite, pairs, X):
    """sum_j T_ij X_j over the on-site table and a pair table, X of shape (n_sites, 3) (numpy, for observables)."""
    O = np.einsum("iab,ib->ia", onsite.T[onsite.row].reshape(-1, 3, 3), X)
    nbr, row, T = pairs
    for k in range(nbr.shape[1]):
        j = nbr[:, k]
        Tk = T[row, k].reshape(-1, 3, 3)
        O += np.where((j >= 0)[:, None], np.einsum("iab,ib->ia", Tk, X[np.maximum(j, 0)]), 0.0)
    return O


def _dissipation(model, V):
    """Dissipated power sum_i w_i v_i . (sum_j A_ij v_j) (the symmetric part dissipates; reduced energy)."""
    fin = model.system
    w = fin.energy_weight[fin.sub] / model.energy_scale()
    return np.array([np.sum(w * np.sum(v * _pair_product(model.A, model.G, v), 1)) for v in V])


def _warn_antidamping(A, system):
    sym = 0.5 * (A.reshape(-1, 3, 3) + A.reshape(-1, 3, 3).transpose(0, 2, 1))
    ev = np.linalg.eigvalsh(sym).min(axis=1)
    if ev.size and ev.min() < -1e-14:
        r = int(np.argmin(ev))
        where = f"sublattice {system.lattice.names[r]}" if len(ev) == system.n_sub else f"site {r}"
        warn(f"damping of {where}: the symmetric part of the damping tensor has a negative eigenvalue "
             f"{ev.min():.3g}: the dynamics gains energy (anti-damping). With convention='spin' a damped "
             "magnetization needs Xu et al.'s sign (docs/theory.md).", stacklevel=5)


class Model(ABC):
    """The contract of an equation of motion (what integrators, the stepper, analysis and I/O rely on).

    Attributes
    ----------
    name : str
    system : FinalizedSystem
    units : ReducedUnits
    n_sites, state_size : int
    sphere_blocks : int64 array
        Start indices of the 3-blocks of the state that are unit vectors.
    norm_preserving : bool
        False when |m| may change (longitudinal relaxation); the geometric integrators then refuse.
    stochastic : bool
        True with a Langevin field (fixed-step ``heun`` only).
    rhs : (serial, parallel) compiled ``rhs(t, y, args, dydt)``
    sweep : (serial, parallel) fused Heun sweeps of site-local models, or None
    noise : (serial, parallel) per-step hooks ``noise(step, h, args)``
    args : named tuple of arrays passed to the compiled functions
    """

    name = "model"
    norm_preserving = True
    stochastic = False
    sweep = None
    noise = (R.no_noise, R.no_noise)
    tangent_blocks = ()

    def __init__(self, system: FinalizedSystem, convention="magnetization"):
        if not isinstance(system, FinalizedSystem):
            raise InputError("the model needs a finalized system: call System(...).finalized() or "
                             "Macrospin(...).finalized()")
        self.system = system
        self.hamiltonian = system
        self.units = system.units
        self.n_sites = system.n_sites
        self.convention = convention
        self.sign = convention_sign(convention)
        self.sphere_blocks = np.arange(0, 3 * system.n_sites, 3, dtype=np.int64)
        self.info = np.zeros(2, dtype=np.int64)
        self.torque_buffer = np.zeros(0)
        self.field_buffer = np.zeros(0)
        A = system.damping
        self.A = A._replace(T=self.sign * A.T)
        self.G = system.pair_damping._replace(T=self.sign * system.pair_damping.T)
        _warn_antidamping(self.A.T, system)

    # -- the contract ---------------------------------------------------------------------------------
    @abstractmethod
    def initial_state(self, spins, *args, **kwargs):
        """State vector from spin directions (n_sites, 3) (a 3-vector for a macrospin)."""

    @abstractmethod
    def max_frequency(self):
        """Upper bound of the fastest angular frequency (reduced units): the step-size guard."""

    @abstractmethod
    def _build_args(self):
        """The named tuple of arrays for the compiled functions (re-built when buffers change)."""

    def enable_coupling(self, field=True, torque=True):
        """Allocate the coupling buffers that stepper hooks write (reduced units, flat 3 n_sites): an extra
        field (added to h_i) and an extra torque (tau_i).  Returns (field_buffer, torque_buffer)."""
        n3 = 3 * self.n_sites
        if field and self.field_buffer.shape[0] != n3:
            self.field_buffer = np.zeros(n3)
        if torque and self.torque_buffer.shape[0] != n3:
            self.torque_buffer = np.zeros(n3)
        self.args = self._build_args()
        return self.field_buffer, self.torque_buffer

    def _tables(self):
        return self.system.tables_with(hext=self.field_buffer, hnoise=getattr(self, "_hnoise", None))

    def _work_ctl(self, rows, symmetric=1.0):
        return np.zeros((rows, 3 * self.n_sites)), np.array([NONLOCAL_TOL, NONLOCAL_MAXIT, symmetric])

    @property
    def parallel(self):
        """Whether the system is large enough for the thread-parallel kernels."""
        return self.system.parallel

    def derivative(self, t, y):
        """dy/dt at reduced time t (thread-parallel kernels for systems large enough for them)."""
        y = np.ascontiguousarray(y, dtype=float)
        if y.shape != (self.state_size,):
            raise InputError(f"state has shape {y.shape}, the {self.name} model expects ({self.state_size},)")
        out = np.empty_like(y)
        self.rhs[0](float(t), y, self.args, out)
        return out

    def derivatives(self, t, Y):
        """dy/dt for each row of Y (shape (n_times, state_size))."""
        t = np.broadcast_to(np.asarray(t, float), (len(Y),))
        return np.array([self.derivative(ti, yi) for ti, yi in zip(t, Y)])

    def spins(self, Y):
        """Spin directions (..., n_sites, 3) of states Y."""
        Y = np.asarray(Y)
        return Y[..., : 3 * self.n_sites].reshape(Y.shape[:-1] + (self.n_sites, 3))

    def magnetization(self, Y):
        """Moment-weighted mean direction sum mu_i m_i / sum mu_i, shape (..., 3)."""
        mu = self.system.mu[self.system.sub]
        return np.einsum("...ia,i->...a", self.spins(Y), mu) / mu.sum()

    def energy_scale(self):
        """Joule per reduced energy unit of the observables: S_ref / t_unit with the angular momentum
        S_ref = mu / gamma of sublattice 0 (for a macrospin the reduced energy is E gamma / mu, rad per time
        unit, Webb et al. 2026)."""
        return float(self.system.energy_weight[0])

    def energy(self, t, Y):
        """Energy of the spin Hamiltonian of states Y (reduced, see :meth:`energy_scale`)."""
        S = self.spins(np.atleast_2d(Y))
        t = np.broadcast_to(np.asarray(t, float), (len(S),))
        return np.array([self.system.energy(ti, Si) for ti, Si in zip(t, S)]) / self.energy_scale()

    def observables(self, t, Y):
        """Named time series (reduced units; :data:`spinertia.io.results.OBSERVABLE_UNITS`)."""
        Y = np.asarray(Y, dtype=float)
        t = np.broadcast_to(np.asarray(t, float), (len(Y),))
        dY = self.derivatives(t, Y)
        out = {"magnetization": self.magnetization(Y), "energy": self.energy(t, Y)}
        if self.n_sites == 1:
            m = Y[:, 0:3]
            h = np.array([self.system.field(ti, mi[None, :])[0] for ti, mi in zip(t, m)])
            out.update({"m": m, "dmdt": dY[:, 0:3], "h_eff": h, "dEdt": -np.sum(h * dY[:, 0:3], axis=1)})
            del out["magnetization"]
        out.update(self.extra_observables(t, Y, dY))
        return out

    def extra_observables(self, t, Y, dY):
        return {}

    def solver_report(self):
        """Iterations used by the non-local solves (max per call) and the number of failed solves."""
        return {"max_iterations": int(self.info[0]), "failed_solves": int(self.info[1]), "tolerance": NONLOCAL_TOL}

    def parameters(self):
        return {}

    def describe(self):
        return {"model": self.name, "convention": self.convention, **self.parameters(),
                "system": self.system.describe()}

    def _damping_norm(self):
        A = self.A.T.reshape(-1, 3, 3)
        return float(max(np.linalg.norm(a, 2) for a in A)) if len(A) else 0.0

    @staticmethod
    def _eta_seconds(value, name="eta"):
        return parse_quantity(value, "time", name)


class _Thermal:
    """Langevin noise for the LLG and inertial LLG (:mod:`.thermal`)."""

    def _attach_noise(self, temperature, seed):
        from . import thermal

        T = parse_quantity(temperature, "temperature", "temperature")
        if not (np.isfinite(T) and T >= 0):
            raise InputError(f"temperature must be >= 0 K, got {temperature}")
        self.temperature = T
        self.seed = int(seed) if not isinstance(seed, bool) else seed
        self.stochastic = T > 0
        if self.stochastic:
            self._hnoise = np.zeros(3 * self.n_sites)
            self.noise_tables = thermal.noise_tables(self, T, seed)
            self.noise = R.LANGEVIN_NOISE
        else:
            self.noise_tables = R.no_noise_tables()

    def describe(self):
        out = super().describe()
        out["temperature_K"] = self.temperature
        if self.stochastic:
            out["seed"] = self.seed  # part of the checkpoint signature: resuming with another seed is refused
        return out


class LLG(_Thermal, Model):
    """Landau-Lifshitz-Gilbert equation dm_i/dt = -m_i x h_i + tau_i + m_i x sum_j A_ij dm_j/dt.

    Parameters
    ----------
    system : FinalizedSystem
        Holds the damping (on-site and pair tensors).
    convention : {"magnetization", "spin"}
    temperature : float or str
        Kelvin; > 0 adds the Langevin field (integrator ``heun``).
    seed : int
        Seed of the thermal noise (0 <= seed < 2^64).
    """

    name = "llg"

    def __init__(self, system, convention="magnetization", temperature=0.0, seed=0, **moved):
        _refuse_moved(moved)
        super().__init__(system, convention)
        self.state_size = 3 * self.n_sites
        self._attach_noise(temperature, seed)
        stt = system.has_spin_transfer
        self.rhs = R.LLG_RHS_STT if stt else R.LLG_RHS
        self.sweep = (sweeps.LLG_SWEEP_STT if stt else sweeps.LLG_SWEEP) if self.G.nbr.shape[1] == 0 else None
        self.args = self._build_args()

    def _build_args(self):
        work, ctl = self._work_ctl(2)
        return R.GilbertArgs(tb=self._tables(), A=self.A, A_iso=_isotropic(self.A.T), G=self.G,
                             torque=self.torque_buffer, kp=np.zeros(4), c=np.zeros(0, complex),
                             z=np.zeros(0, complex), work=work, ctl=ctl, info=self.info, noise=self.noise_tables)

    def initial_state(self, spins):
        """State from spin directions (n_sites, 3) (a 3-vector for a macrospin)."""
        return self.system.check_spins(spins, "initial spins").reshape(-1).copy()

    def max_frequency(self):
        return self.system.max_frequency()


class InertialLLG(_Thermal, Model):
    """Inertial LLG (Webb et al. 2026, Eq. 1; Bhattacharjee et al. 2012, Eqs. 1, 10) with on-site and pair
    inertia from the system:

        dm_i/dt = -m_i x h_i + tau_i + m_i x sum_j (A_ij dm_j/dt + E_ij d^2 m_j/dt^2),

    integrated on the tangent bundle, y = (m, w) with w = m x dm/dt.  With A = 0 and a symmetric mass
    matrix (mu_i/gamma_i) E_ij the energy H + 1/2 sum_ij (mu_i/gamma_i) dm_i/dt . E_ij dm_j/dt is conserved;
    in general d/dt[H + kinetic] = -dissipation (docs/theory.md).
    """

    name = "illg"

    def __init__(self, system, convention="magnetization", temperature=0.0, seed=0, **moved):
        _refuse_moved(moved)
        super().__init__(system, convention)
        n = self.n_sites
        self.state_size = 6 * n
        self.tangent_blocks = (3 * n,)
        self.E = system.inertia._replace(T=self.sign * system.inertia.T)
        self.I = system.pair_inertia._replace(T=self.sign * system.pair_inertia.T)
        lam = self._min_inertia_eigenvalue()
        if not lam > 0:
            raise InputError(
                f"the inertia matrix is not positive definite (smallest eigenvalue of its symmetric part "
                f"{lam * system.units.t_unit:.4g} s): the second derivatives cannot be solved for. Every site needs "
                "on-site inertia (System.set_inertia) larger than the sum of its pair inertia; eta = 0 is plain "
                "LLG (use LLG)" + ("; with convention='spin' the tensors enter with a minus sign"
                                    if self.sign < 0 else ""))
        self._eta_min = lam
        E3 = self.E.T.reshape(-1, 3, 3)
        self.symmetric = self.system.inertia_is_symmetric()  # conjugate gradients, else block Jacobi
        self._check_inertia_scale(E3)
        self._attach_noise(temperature, seed)
        stt = system.has_spin_transfer
        self.rhs = R.INERTIAL_RHS_STT if stt else R.INERTIAL_RHS
        local = self.G.nbr.shape[1] == 0 and self.I.nbr.shape[1] == 0
        self.sweep = (sweeps.ILLG_SWEEP_STT if stt else sweeps.ILLG_SWEEP) if local else None
        self.args = self._build_args()

    def _check_inertia_scale(self, E3):
        """Refuse an inertial time that no material has: eta omega_max > 1e4 (the nutation would be 1e4 times
        slower than the precession; measured inertial times are 1 fs - 1 ps).  Usually seconds were given where
        femtoseconds were meant."""
        w = self.system.max_frequency()
        eta = float(np.abs(E3).max())
        if w > 0 and eta * w > 1e4:
            u = self.units
            raise InputError(
                f"the inertial time eta = {u.time_to_si(eta):.4g} s is {eta * w:.3g} times the precession period "
                f"/ 2 pi ({u.time_to_si(1 / w):.3g} s): no material has such inertia (measured: 1 fs - 1 ps). "
                "Plain numbers are seconds: give e.g. set_inertia(\"10 fs\") or 10e-15")

    def _min_inertia_eigenvalue(self):
        """Smallest eigenvalue of the symmetric part of the (sign-applied) global inertia matrix."""
        return self.system.inertia_min_eigenvalue(self.sign)

    def _build_args(self):
        work, ctl = self._work_ctl(8, 1.0 if self.symmetric else 0.0)
        return R.InertialArgs(tb=self._tables(), A=self.A, A_iso=_isotropic(self.A.T), G=self.G, E=self.E,
                              E_iso=_isotropic(self.E.T) * (self.E.T[:, 0] != 0), I=self.I,
                              torque=self.torque_buffer, work=work, ctl=ctl, info=self.info,
                              noise=self.noise_tables)

    def initial_state(self, spins, velocities=None):
        """State from spins (n_sites, 3) and optional dm/dt (n_sites, 3) in rad/s, perpendicular to the spins
        (3-vectors for a macrospin)."""
        S = self.system.check_spins(spins, "initial spins")
        W = np.zeros_like(S)
        if velocities is not None:
            V = np.asarray(velocities, dtype=float)
            if V.shape == (3,) and S.shape == (1, 3):
                V = V[None, :]
            if V.shape != S.shape:
                raise InputError(f"velocities must have shape {S.shape}, got {V.shape}")
            if not np.all(np.isfinite(V)):
                raise InputError("velocities must be finite")
            if np.max(np.abs(np.sum(V * S, 1))) > 1e-9 * (1 + np.abs(V).max()):
                raise InputError("velocities must be perpendicular to the spins (|m| = 1 is conserved)")
            W = np.cross(S, V * self.units.t_unit)
        return np.concatenate([S.reshape(-1), W.reshape(-1)])

    def velocities(self, Y):
        """dm/dt = w x m per site, shape (..., n_sites, 3) (reduced units)."""
        n = self.n_sites
        Y = np.asarray(Y)
        S = Y[..., : 3 * n].reshape(Y.shape[:-1] + (n, 3))
        W = Y[..., 3 * n:].reshape(Y.shape[:-1] + (n, 3))
        return np.cross(W, S)

    def _apply_E(self, X):
        """E x with the full (unprojected) inertia matrix, x of shape (n_sites, 3) (reduced time)."""
        return _pair_product(self.E, self.I, X)

    def kinetic_energy(self, Y):
        """1/2 sum_ij (mu_i/gamma_i) v_i . E_ij v_j (reduced energy, see :meth:`energy_scale`)."""
        fin = self.system
        V = self.velocities(np.atleast_2d(Y))
        w = fin.energy_weight[fin.sub] / self.energy_scale()
        return np.array([0.5 * np.sum(w * np.sum(v * self._apply_E(v), 1)) for v in V])

    def dissipation(self, Y):
        """Dissipated power sum_ij w_i v_i . A_ij v_j (on-site and pair damping; reduced energy)."""
        return _dissipation(self, self.velocities(np.atleast_2d(Y)))

    def max_frequency(self):
        return nutation_frequency_bound(self.system.max_frequency(), self._damping_norm(), self._eta_min)

    def extra_observables(self, t, Y, dY):
        kin = self.kinetic_energy(Y)
        out = {"kinetic_energy": kin, "total_energy": self.energy(t, Y) + kin,
               "dissipation": self.dissipation(Y)}
        if self.n_sites == 1:
            out["angular_velocity"] = Y[:, 3:6]
        return out


class MemoryKernelLLG(Model):
    """Non-Markovian LLG with a memory kernel (Webb et al. 2026, Eqs. 4, 5, 10), on every site:

        dm_i/dt = -m_i x (h_i + s h_mem,i) + tau_i + m_i x sum_j (A_ij dm_j/dt) [+ 1/2 g(m_i) m_i],
        h_mem,i(t) = int_0^t chi(t - t') m_i(t') dt'.

    ``kernel_sign="passive"`` (s = +1, default) is the sign that follows from the Green's-function form
    M x (T * M) of Eq. 4 and makes the magnet + phonon energy a Lyapunov function; the sign printed in
    Eq. 10 is ``kernel_sign="as_printed"`` (s = -1; docs/theory.md, correction 1).

    Optional longitudinal term of Eq. 4: ``longitudinal=(tau, m_eq)`` (tau in seconds) relaxes the length
    with d|m|^2/dt = -(|m|^2 - m_eq^2)/tau.  The kernel (:class:`~.kernels.ExponentialSumKernel`, SI) is
    carried by auxiliary variables: O(1) cost per step.
    """

    name = "kernel"

    def __init__(self, system, kernel: ExponentialSumKernel, kernel_sign="passive", longitudinal=None,
                 convention="magnetization", **moved):
        _refuse_moved(moved)
        super().__init__(system, convention)
        if not isinstance(kernel, ExponentialSumKernel):
            raise InputError("kernel must be an ExponentialSumKernel (see spinertia.dynamics.kernels)")
        if kernel_sign not in KERNEL_SIGNS:
            raise InputError(f"kernel_sign must be one of {sorted(KERNEL_SIGNS)}, got {kernel_sign!r}")
        self.kernel_si = kernel
        self.kernel = kernel.to_time_unit(self.units.t_unit)
        self.kernel_sign = kernel_sign
        kp = np.zeros(4)
        kp[0] = KERNEL_SIGNS[kernel_sign]
        if longitudinal is not None:
            tau, m_eq = longitudinal
            tau = parse_quantity(tau, "time", "longitudinal tau")
            if not (tau > 0 and np.isfinite(tau)):
                raise InputError(f"longitudinal relaxation time must be > 0 s, got {tau}")
            if not (0 < m_eq <= 1):
                raise InputError(f"longitudinal equilibrium length m_eq must lie in (0, 1], got {m_eq}")
            kp[1], kp[2], kp[3] = 1.0, 1.0 / self.units.time(tau), m_eq ** 2
            longitudinal = (tau, m_eq)
        self.kp = kp
        self.longitudinal = longitudinal
        self.norm_preserving = longitudinal is None
        if not self.norm_preserving:
            self.sphere_blocks = np.zeros(0, dtype=np.int64)
        self.n_terms = self.kernel.n_terms
        self.state_size = 3 * self.n_sites * (1 + 2 * self.n_terms)
        self.noise_tables = R.no_noise_tables()
        self.rhs = R.KERNEL_RHS_STT if system.has_spin_transfer else R.KERNEL_RHS
        self.args = self._build_args()

    def _build_args(self):
        work, ctl = self._work_ctl(2)
        return R.GilbertArgs(tb=self._tables(), A=self.A, A_iso=_isotropic(self.A.T), G=self.G,
                             torque=self.torque_buffer, kp=self.kp, c=self.kernel.coefficients.copy(),
                             z=self.kernel.exponents.copy(), work=work, ctl=ctl, info=self.info,
                             noise=self.noise_tables)

    def _aux(self, Y):
        """Auxiliary variables (..., n_terms, n_sites, 2, 3): (Re, Im) of w_j at site i (reduced)."""
        Y = np.asarray(Y)
        n = self.n_sites
        return Y[..., 3 * n:].reshape(Y.shape[:-1] + (self.n_terms, n, 2, 3))

    def initial_state(self, spins, history="none"):
        """Initial state.  history='none': no memory before t = 0 (Webb et al. 2026: field switched on at
        t = 0); 'equilibrated': the spins held fixed for all t < 0 (auxiliary variables at steady state)."""
        S = self.system.check_spins(spins, "initial spins")
        y = np.zeros(self.state_size)
        n = self.n_sites
        y[: 3 * n] = S.reshape(-1)
        if history == "equilibrated":
            aux = self._aux(y)
            for j, (c, z) in enumerate(zip(self.kernel.coefficients, self.kernel.exponents)):
                w = -c / z * S
                aux[j, :, 0, :] = w.real
                aux[j, :, 1, :] = w.imag
        elif history != "none":
            raise InputError(f"history must be 'none' or 'equilibrated', got {history!r}")
        return y

    def memory_field(self, Y):
        """s sum_j Re w_j per site, shape (..., n_sites, 3) (reduced); squeezed to (..., 3) for a macrospin."""
        h = KERNEL_SIGNS[self.kernel_sign] * self._aux(Y)[..., 0, :].sum(axis=-3)
        return h[..., 0, :] if self.n_sites == 1 else h

    def max_frequency(self):
        return max(self.system.max_frequency(), self.kernel.fastest_rate())

    def parameters(self):
        return {"kernel_sign": self.kernel_sign,
                "kernel_coefficients": [[c.real, c.imag] for c in self.kernel_si.coefficients],
                "kernel_exponents": [[z.real, z.imag] for z in self.kernel_si.exponents],
                "longitudinal": list(self.longitudinal) if self.longitudinal else None}

    def oscillator_energy(self, Y, dY):
        """Energy of the phonon coordinates x_j = Re w_j for pure damped-oscillator terms (c = -iA),
        (|x'|^2 + (W^2 + l^2)|x|^2) / (2 A W) summed over sites (reduced), and its dissipation; NaN if the
        kernel has other terms."""
        E = np.zeros(len(Y))
        diss = np.zeros(len(Y))
        aux, daux = self._aux(Y), self._aux(dY)
        for j, (c, z) in enumerate(zip(self.kernel.coefficients, self.kernel.exponents)):
            if abs(c.real) > 1e-14 * abs(c) or z.imag == 0:
                return np.full(len(Y), np.nan), np.full(len(Y), np.nan)
            amp, lam, W = -c.imag, -z.real, z.imag
            x = aux[:, j, :, 0, :]
            xd = daux[:, j, :, 0, :]
            E += (np.sum(xd ** 2, (1, 2)) + (W ** 2 + lam ** 2) * np.sum(x ** 2, (1, 2))) / (2 * amp * W)
            diss += 2 * lam * np.sum(xd ** 2, (1, 2)) / (amp * W)
        return E, diss

    def extra_observables(self, t, Y, dY):
        s = KERNEL_SIGNS[self.kernel_sign]
        S = self.spins(Y)
        hm = KERNEL_SIGNS[self.kernel_sign] * self._aux(Y)[..., 0, :].sum(axis=-3)
        e_osc, d_osc = self.oscillator_energy(Y, dY)
        out = {
            "phonon_energy": s * e_osc,
            # E_mag - h_mem . m + s E_osc: Lyapunov for the passive sign (docs/theory.md)
            "total_energy": self.energy(t, Y) - np.sum(hm * S, (1, 2)) + s * e_osc,
            "dissipation": _dissipation(self, self.spins(dY)) + s * d_osc,
        }
        if self.n_sites == 1:
            out.update({"memory_field": hm[:, 0, :], "aux": np.asarray(Y)[:, 3:],
                        "m_norm": np.linalg.norm(S[:, 0, :], axis=1)})
        return out

