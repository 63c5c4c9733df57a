"""Torque models (equations of motion) for a macrospin, in reduced units.

Each model is a plain description: a state layout, a compiled right-hand side
``rhs(t, y, args, dydt)`` and derived observables.  Integrators (:mod:`.integrators`) know nothing
of the physics; they only learn which 3-blocks of ``y`` are unit vectors (``sphere_blocks``).

Canonical form used internally (seed 000 Eq. 1, seed 002 Eq. 1, for the magnetization direction m):

    dm/dt = -m x h_eff + m x (A dm/dt) + m x (E d^2m/dt^2)

with the Gilbert damping tensor A (dimensionless) and the inertia tensor E (time).  Seed 003 Eq. 21
writes the same terms with a minus sign, ``- m x (alpha dm/dt) - m x (alpha_bar d^2m/dt^2)``;
``convention="seed003"`` inserts its tensors as A = -alpha, E = -alpha_bar (see docs/theory.md).
"""
from __future__ import annotations

import warnings

import numba as nb
import numpy as np

from ..errors import InputError
from ..hamiltonian.macrospin import FinalizedMacrospin, macrospin_field3
from .kernels import ExponentialSumKernel
from .linalg3 import as_tensor, cross_times_matrix_scalar, gilbert_precession, solve3_scalar

CONVENTIONS = {"seed002": 1.0, "seed000": 1.0, "seed003": -1.0}


def _sign_for(convention):
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
            f"(m / |m|) or give angles theta/phi instead"
        )
    return m / n


def _check_damping(A, name):
    sym = 0.5 * (A.reshape(3, 3) + A.reshape(3, 3).T)
    ev = np.linalg.eigvalsh(sym)
    if ev.min() < -1e-14:
        warnings.warn(
            f"{name}: the symmetric part of the damping tensor has a negative eigenvalue {ev.min():.3g}: "
            "the dynamics gains energy (anti-damping). With convention='seed003' a damped magnetization "
            "needs the seed-003 sign (docs/theory.md).",
            stacklevel=3,
        )


class TorqueModel:
    """Common interface of the macrospin equations of motion."""

    name = "model"
    sphere_blocks = np.array([0], dtype=np.int64)
    norm_preserving = True

    def __init__(self, hamiltonian: FinalizedMacrospin):
        if not isinstance(hamiltonian, FinalizedMacrospin):
            raise InputError("the model needs a finalized Hamiltonian: call Macrospin(...).finalized(units)")
        self.hamiltonian = hamiltonian

    # to be provided by subclasses: state_size, args, rhs, initial_state, split, max_frequency
    def derivative(self, t, y):
        out = np.empty_like(y)
        self.rhs(float(t), np.ascontiguousarray(y, dtype=float), self.args, out)
        return out

    def derivatives(self, t, Y):
        """dy/dt for each row of Y (shape (n_times, state_size))."""
        t = np.broadcast_to(np.asarray(t, float), (len(Y),))
        return np.array([self.derivative(ti, yi) for ti, yi in zip(t, Y)])

    def magnetization(self, Y):
        return np.asarray(Y)[..., 0:3]

    def observables(self, t, Y):
        """Named time series for output: m, dm/dt, energies, dE/dt = -h_eff . dm/dt (seed 000 Fig. 1)."""
        Y = np.asarray(Y, dtype=float)
        m = Y[:, 0:3]
        dY = self.derivatives(t, Y)
        dm = dY[:, 0:3]
        h = self.hamiltonian.field(t, m)
        out = {
            "m": m,
            "dmdt": dm,
            "h_eff": h,
            "energy": self.hamiltonian.energy(t, m),
            "dEdt": -np.sum(h * dm, axis=1),
        }
        out.update(self.extra_observables(t, Y, dY))
        return out

    def extra_observables(self, t, Y, dY):
        return {}

    def describe(self):
        return {"model": self.name, **self.parameters(), "hamiltonian": self.hamiltonian.describe()}


# ---------------------------------------------------------------------------------------------------
# LLG
# ---------------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def llg_rhs(t, y, args, dydt):
    fp, A = args
    m0, m1, m2 = y[0], y[1], y[2]
    h0, h1, h2 = macrospin_field3(t, m0, m1, m2, fp)
    dydt[0], dydt[1], dydt[2] = gilbert_precession(m0, m1, m2, h0, h1, h2, A)


class LLG(TorqueModel):
    """dm/dt = -m x h_eff + m x (A dm/dt)  (Gilbert form, scalar or 3x3 tensor damping A)."""

    name = "llg"
    state_size = 3

    def __init__(self, hamiltonian, alpha=0.0, convention="seed002"):
        super().__init__(hamiltonian)
        self.convention = convention
        self.A = _sign_for(convention) * as_tensor(alpha, "alpha")
        _check_damping(self.A, "alpha")
        self.args = (hamiltonian.params, self.A)
        self.rhs = llg_rhs

    def initial_state(self, m0):
        return check_unit_vector(m0).copy()

    def max_frequency(self):
        return self.hamiltonian.max_frequency()

    def parameters(self):
        return {"alpha": self.A.reshape(3, 3).tolist(), "convention": self.convention}


# ---------------------------------------------------------------------------------------------------
# inertial LLG
# ---------------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def illg_rhs(t, y, args, dydt):
    """State y = (m, w) with w = m x dm/dt (angular velocity): dm/dt = w x m, dw/dt = m x d2m/dt2."""
    fp, A, E = args
    m0, m1, m2 = y[0], y[1], y[2]
    w0, w1, w2 = y[3], y[4], y[5]
    v0 = w1 * m2 - w2 * m1
    v1 = w2 * m0 - w0 * m2
    v2 = w0 * m1 - w1 * m0
    h0, h1, h2 = macrospin_field3(t, m0, m1, m2, fp)
    a0 = A[0] * v0 + A[1] * v1 + A[2] * v2
    a1 = A[3] * v0 + A[4] * v1 + A[5] * v2
    a2 = A[6] * v0 + A[7] * v1 + A[8] * v2
    vv = v0 * v0 + v1 * v1 + v2 * v2
    # r = v + m x h - m x (A v) - |v|^2 m
    r0 = v0 + (m1 * h2 - m2 * h1) - (m1 * a2 - m2 * a1) - vv * m0
    r1 = v1 + (m2 * h0 - m0 * h2) - (m2 * a0 - m0 * a2) - vv * m1
    r2 = v2 + (m0 * h1 - m1 * h0) - (m0 * a1 - m1 * a0) - vv * m2
    # ([m x] E + m m^T) acc = r ; the m m^T row carries the constraint m . m'' = -|m'|^2
    q00, q01, q02, q10, q11, q12, q20, q21, q22 = cross_times_matrix_scalar(m0, m1, m2, E)
    x0, x1, x2 = solve3_scalar(q00 + m0 * m0, q01 + m0 * m1, q02 + m0 * m2,
                               q10 + m1 * m0, q11 + m1 * m1, q12 + m1 * m2,
                               q20 + m2 * m0, q21 + m2 * m1, q22 + m2 * m2, r0, r1, r2)
    dydt[0], dydt[1], dydt[2] = v0, v1, v2
    dydt[3] = m1 * x2 - m2 * x1
    dydt[4] = m2 * x0 - m0 * x2
    dydt[5] = m0 * x1 - m1 * x0


class InertialLLG(TorqueModel):
    """Inertial LLG (seed 000 Eq. 1; seed 002 Eq. 1 with tensors):

        dm/dt = -m x h_eff + m x (A dm/dt) + m x (E d^2m/dt^2)

    integrated as a first-order system on the tangent bundle of the sphere, y = (m, w) with the angular
    velocity w = m x dm/dt (so dm/dt = w x m keeps |m| = 1 exactly under rotation updates).
    With A = 0 and symmetric E the energy E(m) + 1/2 dm/dt . E dm/dt is conserved; in general
    d/dt[E + 1/2 m'.E m'] = -m'.A m' (docs/theory.md).
    """

    name = "illg"
    state_size = 6
    #: 3-blocks that are tangent vectors of the sphere block 0 (used by linear-mode analysis)
    tangent_blocks = (3,)

    def __init__(self, hamiltonian, alpha=0.0, eta=0.0, convention="seed002"):
        super().__init__(hamiltonian)
        s = _sign_for(convention)
        self.convention = convention
        self.A = s * as_tensor(alpha, "alpha")
        self.E = s * as_tensor(eta, "eta")
        _check_damping(self.A, "alpha")
        E3 = self.E.reshape(3, 3)
        sym = 0.5 * (E3 + E3.T)
        ev = np.linalg.eigvalsh(sym)
        if ev.min() <= 0:
            raise InputError(
                f"the inertia tensor must be positive definite (eigenvalues of its symmetric part: {ev.tolist()}); "
                "eta = 0 is plain LLG: use model 'llg'"
                + ("; with convention='seed003' the printed tensor enters with a minus sign" if s < 0 else "")
            )
        self.args = (hamiltonian.params, self.A, self.E)
        self.rhs = illg_rhs
        self._eta_min = float(ev.min())

    def initial_state(self, m0, dmdt0=(0.0, 0.0, 0.0)):
        m = check_unit_vector(m0)
        v = np.asarray(dmdt0, dtype=float)
        if v.shape != (3,):
            raise InputError(f"dmdt0 must be a 3-vector, got shape {v.shape}")
        if abs(np.dot(m, v)) > 1e-9 * (1 + np.linalg.norm(v)):
            raise InputError("dmdt0 must be perpendicular to m0 (|m| = 1 is conserved)")
        return np.concatenate([m, np.cross(m, v)])

    def max_frequency(self):
        """Nutation frequency scale: |omega_n| from the scalar closed form with the smallest inertia."""
        w0 = self.hamiltonian.max_frequency()
        eta = self._eta_min
        a = np.linalg.norm(self.A.reshape(3, 3), 2)
        return float(abs((1 - 1j * a) + np.sqrt((1 - 1j * a) ** 2 + 4 * eta * w0)) / (2 * eta))

    def parameters(self):
        return {"alpha": self.A.reshape(3, 3).tolist(), "eta": self.E.reshape(3, 3).tolist(),
                "convention": self.convention}

    def extra_observables(self, t, Y, dY):
        v = dY[:, 0:3]
        E3 = self.E.reshape(3, 3)
        Es = 0.5 * (E3 + E3.T)
        A3 = self.A.reshape(3, 3)
        kinetic = 0.5 * np.einsum("ni,ij,nj->n", v, Es, v)
        energy = self.hamiltonian.energy(t, Y[:, 0:3])
        return {
            "angular_velocity": Y[:, 3:6],
            "kinetic_energy": kinetic,
            "total_energy": energy + kinetic,
            "dissipation": np.einsum("ni,ij,nj->n", v, 0.5 * (A3 + A3.T), v),
        }


# ---------------------------------------------------------------------------------------------------
# memory-kernel LLG
# ---------------------------------------------------------------------------------------------------
@nb.njit(cache=True)
def kernel_rhs(t, y, args, dydt):
    """State y = (m, Re w_1, Im w_1, ..., Re w_n, Im w_n); memory field h_mem = s sum_j Re w_j."""
    fp, A, kp, c, z = args
    sign, long_on, inv_tau, me2 = kp[0], kp[1], kp[2], kp[3]
    m0, m1, m2 = y[0], y[1], y[2]
    h0, h1, h2 = macrospin_field3(t, m0, m1, m2, fp)
    n = c.shape[0]
    for j in range(n):
        base = 3 + 6 * j
        h0 += sign * y[base]
        h1 += sign * y[base + 1]
        h2 += sign * y[base + 2]
    x0, x1, x2 = gilbert_precession(m0, m1, m2, h0, h1, h2, A)
    if long_on != 0.0:
        g = -(m0 * m0 + m1 * m1 + m2 * m2 - me2) * inv_tau  # d(m^2)/dt model (docs/theory.md)
        x0 += 0.5 * g * m0
        x1 += 0.5 * g * m1
        x2 += 0.5 * g * m2
    dydt[0], dydt[1], dydt[2] = x0, x1, x2
    for j in range(n):
        base = 3 + 6 * j
        zr, zi, cr, ci = z[j].real, z[j].imag, c[j].real, c[j].imag
        for i in range(3):
            wr = y[base + i]
            wi = y[base + 3 + i]
            mi = y[i]
            dydt[base + i] = zr * wr - zi * wi + cr * mi
            dydt[base + 3 + i] = zr * wi + zi * wr + ci * mi


KERNEL_SIGNS = {"passive": 1.0, "as_printed": -1.0}


class MemoryKernelLLG(TorqueModel):
    """Non-Markovian LLG with a memory kernel (seed 000 Eqs. 4, 5, 10):

        dm/dt = -m x (h_eff + s h_mem) + m x (A dm/dt) [+ 1/2 g(m) m],
        h_mem(t) = int_0^t chi(t - s') m(s') ds'.

    ``kernel_sign="passive"`` (s = +1, default) is the sign that follows from the Green's-function form
    M x (T * M) of Eq. 4 with T = |V0|^2 D^R and D^+ - D^- = -2 Z sin(Omega0 t) e^{-Z Gamma t}, and makes
    the magnet + phonon energy a Lyapunov function.  The explicit kernel printed in Eq. 10,
    + m x int chi m with chi = +2 Z V0^2 sin(...), is ``kernel_sign="as_printed"`` (s = -1): the
    phonon then acts as a negative-energy oscillator (docs/theory.md).

    Optional longitudinal term of Eq. 4, d(M^2)/dt M / (2 Ms^2): with ``longitudinal=(tau, m_eq)`` the
    documented model g = d|m|^2/dt-rate = -(|m|^2 - m_eq^2)/tau relaxes the length to m_eq.

    The memory integral is carried by auxiliary variables (:mod:`.kernels`): O(1) cost per step.
    """

    name = "kernel"

    def __init__(self, hamiltonian, kernel: ExponentialSumKernel, alpha=0.0, kernel_sign="passive",
                 longitudinal=None, convention="seed002"):
        super().__init__(hamiltonian)
        if not isinstance(kernel, ExponentialSumKernel):
            raise InputError("kernel must be an ExponentialSumKernel (see spinertia.dynamics.kernels)")
        if kernel_sign not in KERNEL_SIGNS:
            raise InputError(f"kernel_sign must be one of {sorted(KERNEL_SIGNS)}, got {kernel_sign!r}")
        self.kernel = kernel
        self.kernel_sign = kernel_sign
        self.convention = convention
        self.A = _sign_for(convention) * as_tensor(alpha, "alpha")
        _check_damping(self.A, "alpha")
        kp = np.zeros(4)
        kp[0] = KERNEL_SIGNS[kernel_sign]
        if longitudinal is not None:
            tau, m_eq = longitudinal
            if not (tau > 0 and np.isfinite(tau)):
                raise InputError(f"longitudinal relaxation time must be > 0, got {tau}")
            if not (0 < m_eq <= 1):
                raise InputError(f"longitudinal equilibrium length m_eq must lie in (0, 1], got {m_eq}")
            kp[1], kp[2], kp[3] = 1.0, 1.0 / tau, m_eq**2
        self.longitudinal = longitudinal
        self.norm_preserving = longitudinal is None
        self.state_size = 3 + 6 * kernel.n_terms
        self.args = (hamiltonian.params, self.A, kp, kernel.coefficients.copy(), kernel.exponents.copy())
        self.rhs = kernel_rhs

    def initial_state(self, m0, history="none"):
        """Initial state.  history='none': no memory before t = 0 (seed 000: field switched on at t = 0);
        history='equilibrated': m0 held fixed for all t < 0 (the auxiliary variables at steady state)."""
        m = check_unit_vector(m0)
        y = np.zeros(self.state_size)
        y[0:3] = m
        if history == "equilibrated":
            for j, (c, z) in enumerate(zip(self.kernel.coefficients, self.kernel.exponents)):
                w = -c / z * m
                y[3 + 6 * j:6 + 6 * j] = w.real
                y[6 + 6 * j:9 + 6 * j] = w.imag
        elif history != "none":
            raise InputError(f"history must be 'none' or 'equilibrated', got {history!r}")
        return y

    def memory_field(self, Y):
        Y = np.asarray(Y)
        s = KERNEL_SIGNS[self.kernel_sign]
        h = np.zeros(Y.shape[:-1] + (3,))
        for j in range(self.kernel.n_terms):
            h += Y[..., 3 + 6 * j:6 + 6 * j]
        return s * h

    def max_frequency(self):
        return max(self.hamiltonian.max_frequency(), self.kernel.fastest_rate())

    def parameters(self):
        return {"alpha": self.A.reshape(3, 3).tolist(), "kernel_sign": self.kernel_sign,
                "kernel_coefficients": [[c.real, c.imag] for c in self.kernel.coefficients],
                "kernel_exponents": [[z.real, z.imag] for z in self.kernel.exponents],
                "longitudinal": list(self.longitudinal) if self.longitudinal else None,
                "convention": self.convention}

    def oscillator_energy(self, Y, dY):
        """Energy of the phonon coordinates x_j = Re w_j for pure damped-oscillator terms (c = -iA):
        (|x'|^2 + (W^2 + l^2)|x|^2) / (2 A W); NaN if the kernel has other terms."""
        E = np.zeros(len(Y))
        diss = np.zeros(len(Y))
        for j, (c, z) in enumerate(zip(self.kernel.coefficients, self.kernel.exponents)):
            if abs(c.real) > 1e-14 * abs(c) or z.imag == 0:
                return np.full(len(Y), np.nan), np.full(len(Y), np.nan)
            amp, lam, W = -c.imag, -z.real, z.imag
            x = Y[:, 3 + 6 * j:6 + 6 * j]
            xd = dY[:, 3 + 6 * j:6 + 6 * j]
            E += (np.sum(xd**2, 1) + (W**2 + lam**2) * np.sum(x**2, 1)) / (2 * amp * W)
            diss += 2 * lam * np.sum(xd**2, 1) / (amp * W)
        return E, diss

    def extra_observables(self, t, Y, dY):
        s = KERNEL_SIGNS[self.kernel_sign]
        m = Y[:, 0:3]
        hm = self.memory_field(Y)
        e_osc, d_osc = self.oscillator_energy(Y, dY)
        energy = self.hamiltonian.energy(t, m)
        A3 = self.A.reshape(3, 3)
        dm = dY[:, 0:3]
        return {
            "memory_field": hm,
            "aux": Y[:, 3:],
            "phonon_energy": s * e_osc,
            # E_mag - h_mem . m + s E_osc: Lyapunov for the passive sign (docs/theory.md)
            "total_energy": energy - np.sum(hm * m, 1) + s * e_osc,
            "dissipation": np.einsum("ni,ij,nj->n", dm, 0.5 * (A3 + A3.T), dm) + s * d_osc,
            "m_norm": np.linalg.norm(m, axis=1),
        }
