"""Thermal (Langevin) noise for the lattice LLG and inertial LLG, and a single-spin helper.

Equation of motion at temperature T (canonical form, :mod:`spinertia.dynamics.models`)::

    dm_i/dt = -gamma_i m_i x (B_i + b_i(t)) + m_i x (A_i dm_i/dt) [+ m_i x (E_i d2m_i/dt2)]

with the Langevin field b_i (Brown 1963; fluctuation-dissipation theorem)::

    < b_ia(t) b_jb(t') > = 2 k_B T A^s_i,ab / (gamma_i mu_i)  delta_ij delta(t - t'),

A^s = (A + A^T)/2 the symmetric (dissipative) part of the on-site Gilbert tensor (the antisymmetric part
renormalizes the precession frequency and dissipates nothing).  Derivation: Gilbert damping is the
Rayleigh dissipation R = sum_i (mu_i / 2 gamma_i) dm_i/dt . A^s_i dm_i/dt, i.e. the friction torque on spin
i is -(mu_i/gamma_i) A^s_i dm_i/dt; a field b exerts the torque mu_i m_i x b_i.  The fluctuation-
dissipation theorem pairs a friction matrix F with a white force of covariance 2 k_B T F; hence
mu_i^2 <b b> = 2 k_B T (mu_i/gamma_i) A^s_i, the formula above.  The noise is interpreted in the
Stratonovich sense (the physical limit of a bath with a short but finite correlation time, Wong-Zakai), for
which the Boltzmann distribution exp(-H/k_B T) is stationary.

Reduced units (h = gamma B t_unit, tau = t / t_unit, delta(t - t') = delta(tau - tau') / t_unit)::

    < hn_a(tau) hn_b(tau') > = (gamma t_unit)^2 2 k_B T A^s_ab / (gamma mu t_unit) delta(tau - tau')
                             = 2 k_B T gamma t_unit A^s_ab / mu   delta(tau - tau').

A step of length h (reduced) holds the field constant at its average over the step, whose covariance is
the delta-correlated covariance divided by h::

    hn_i = L_s xi_i / sqrt(h),    L_s L_s^T = (2 k_B T gamma_s t_unit / mu_s) A^s_s,    xi_i ~ N(0, 1_3),

(for scalar alpha: variance 2 alpha k_B T gamma t_unit / (mu h) per component).  L_s is the Cholesky
factor (unique, hence bit-reproducible across LAPACK builds) when A^s_s is positive definite and
V diag(sqrt(lambda)) from its eigen-decomposition when it is only semi-definite (damping in some
directions only).  Holding hn fixed within the step and integrating with the geometric Heun scheme
(``method="heun"``, a predictor-corrector) converges to the Stratonovich solution; an explicit Euler
step would converge to the Ito equation, whose spurious drift biases the equilibrium.

Inertia does not enter the noise: E_i multiplies d2m/dt2, a reactive (mass) term that stores kinetic
energy 1/2 (mu_i/gamma_i) v_i . E_i v_i and dissipates nothing; the same Langevin field then gives the
Boltzmann distribution of the extended Hamiltonian, i.e. the unchanged distribution of m and equipartition
<1/2 (mu/gamma) v.E v> = k_B T per spin (two tangent degrees of freedom) [tests/test_thermal.py].

Random numbers: counter-based Philox4x32-10 (Salmon et al., SC'11; known-answer tested against
Random123).  The normals of site i at step k are a pure function of (seed, dt, k, i): counter
(k mod 2^32, (k div 2^32) xor hash32(dt), i, block | STREAM_LANGEVIN), key (seed mod 2^32, seed div 2^32);
two Philox blocks -> four 53-bit uniforms -> Box-Muller -> three normals.  So a run is reproducible for a
seed, independent of the number of threads (the hook fills sites in any order), and resumes exactly from a
checkpoint (the integrators pass the global step index).  The trajectory itself is bitwise
thread-independent when the deterministic kernels have no parallel reductions (on-site models; the
conjugate-gradient solve of non-local inertia sums in parallel).  Not supported: non-local (pair) damping,
whose Langevin field is correlated between sites.  Caveat: ``simulate`` numbers the steps from its t0, so
continuing a run by a second call (t0 = previous t_end) with the same seed and dt replays the noise of the
first segment (a damped system then synchronizes to the earlier trajectory); call :func:`reseed` between
segments, or use checkpoint/resume.

Single spin: a one-site :class:`~spinertia.lattice.system.System` without bonds runs on the lattice engine;
:func:`single_spin` builds it (see its docstring).
"""
from __future__ import annotations

import math
import warnings

import numba as nb
import numpy as np

from ..errors import InputError
from ..units import GAMMA_ELECTRON, K_B, MU_B

# --- Philox4x32-10 ------------------------------------------------------------------------------------
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_TWO_M53 = 2.0 ** -53
_TWO_PI = 2.0 * math.pi
#: stream tags in the fourth counter word (Langevin field; Monte Carlo uses its own tag)
STREAM_LANGEVIN = 0x4C000000
STREAM_MONTECARLO = 0x4D000000


@nb.njit(cache=True, inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 block: counter (c0..c3) and key (k0, k1), 32-bit words held in uint64.
    Returns the four 32-bit output words (as uint64)."""
    for r in range(10):
        if r > 0:
            k0 = (k0 + _W0) & _MASK
            k1 = (k1 + _W1) & _MASK
        p0 = _M0 * c0
        p1 = _M1 * c2
        n0 = (p1 >> _S32) ^ c1 ^ k0
        n2 = (p0 >> _S32) ^ c3 ^ k1
        c1 = p1 & _MASK
        c3 = p0 & _MASK
        c0 = n0
        c2 = n2
    return c0, c1, c2, c3


@nb.njit(cache=True, inline="always")
def _u53(hi, lo):
    """Uniform in [0, 1) from two 32-bit words (53 bits)."""
    return float(((hi << _S32) | lo) >> _S11) * _TWO_M53


@nb.njit(cache=True, inline="always")
def _box_muller(a0, a1, a2, a3):
    """Two independent standard normals from one Philox block."""
    u1 = 1.0 - _u53(a0, a1)  # (0, 1]
    u2 = _u53(a2, a3)
    r = math.sqrt(-2.0 * math.log(u1))
    return r * math.cos(_TWO_PI * u2), r * math.sin(_TWO_PI * u2)


@nb.njit(cache=True, inline="always")
def normals3(c0, c1, site, tag, k0, k1):
    """Three standard normals for counter words (c0, c1) (the step), ``site`` and a stream ``tag``."""
    a0, a1, a2, a3 = philox4x32(c0, c1, site, tag, k0, k1)
    z0, z1 = _box_muller(a0, a1, a2, a3)
    a0, a1, a2, a3 = philox4x32(c0, c1, site, tag | np.uint64(1), k0, k1)
    z2, _ = _box_muller(a0, a1, a2, a3)
    return z0, z1, z2


@nb.njit(cache=True)
def step_counter(step, h):
    """Counter words (c0, c1) of the Langevin stream at ``step`` for the step length ``h``: the 64-bit
    step index, its high word xor-ed with a 32-bit hash of the bits of h, so that runs with different
    time steps (and the same seed) draw unrelated numbers."""
    b = np.empty(1)
    b[0] = h
    x = b.view(np.uint64)[0]
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    st = np.uint64(step)
    return st & _MASK, (st >> _S32) ^ ((x ^ (x >> _S32)) & _MASK)


@nb.njit(cache=True)
def standard_normals(seed_words, step, n_sites, h=1.0):
    """(n_sites, 3) normals xi of the Langevin stream at ``step`` (step length h), as the noise hook draws
    them (for tests and diagnostics)."""
    out = np.empty((n_sites, 3))
    c0, c1 = step_counter(step, h)
    tag = np.uint64(STREAM_LANGEVIN)
    for i in range(n_sites):
        z0, z1, z2 = normals3(c0, c1, np.uint64(i), tag, seed_words[0], seed_words[1])
        out[i, 0] = z0
        out[i, 1] = z1
        out[i, 2] = z2
    return out


def _noise_hook_py(step, h, args):
    """hnoise[3i:3i+3] <- L_{sub i} xi_i(seed, step) / sqrt(h); args = model.args (args[0] = hp with the
    Langevin buffer in slot 8, args[-1] = noise = (L (n_sub, 9), key uint64 [k0, k1]))."""
    hp = args[0]
    sub = hp[0]
    hnoise = hp[8]
    noise = args[-1]
    L = noise[0]
    key = noise[1]
    k0 = key[0]
    k1 = key[1]
    c = 1.0 / np.sqrt(h)
    c0, c1 = step_counter(step, h)
    tag = np.uint64(STREAM_LANGEVIN)
    n = sub.shape[0]
    for i in nb.prange(n):
        z0, z1, z2 = normals3(c0, c1, np.uint64(i), tag, k0, k1)
        ls = L[sub[i]]
        hnoise[3 * i] = c * (ls[0] * z0 + ls[1] * z1 + ls[2] * z2)
        hnoise[3 * i + 1] = c * (ls[3] * z0 + ls[4] * z1 + ls[5] * z2)
        hnoise[3 * i + 2] = c * (ls[6] * z0 + ls[7] * z1 + ls[8] * z2)


#: the per-step hook, thread-parallel (large systems) and serial (small ones, where thread start-up
#: dominates); the numbers are the same: they depend on (seed, dt, step, site) only.  Only the serial
#: variant is cached on disk (both share one source function, and the cache index does not tell
#: parallel from serial compilations apart)
noise_hook_parallel = nb.njit(parallel=True)(_noise_hook_py)
noise_hook_serial = nb.njit(cache=True)(_noise_hook_py)


# --- amplitudes and attachment ------------------------------------------------------------------------
def seed_words(seed):
    """Philox key (two 32-bit words, uint64 array) of a seed 0 <= seed < 2^64."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    if not 0 <= seed < 2 ** 64:
        raise InputError(f"seed must satisfy 0 <= seed < 2**64, got {seed}")
    return np.array([seed & 0xFFFFFFFF, seed >> 32], dtype=np.uint64)


def noise_amplitudes(system, A, temperature, names=None):
    """Per-sublattice amplitude matrices L_s (n_sub, 9), L_s L_s^T = (2 k_B T gamma_s t_unit / mu_s) sym(A_s).

    ``system``: the FinalizedSystem; ``A``: canonical on-site damping tensors (n_sub, 9) (sign applied).
    Raises InputError for anti-damping (no real amplitude) and for a system without any damping."""
    T = float(temperature)
    nsub = system.n_sub
    names = names if names is not None else getattr(system.lattice, "names", [str(s) for s in range(nsub)])
    L = np.zeros((nsub, 9))
    undamped = []
    for s in range(nsub):
        As = np.asarray(A[s], float).reshape(3, 3)
        S = 0.5 * (As + As.T)
        scale = 2.0 * K_B * T * system.gamma[s] * system.units.t_unit / system.mu[s]
        lam, V = np.linalg.eigh(S)
        big = max(np.abs(lam).max(), 0.0)
        if big == 0.0:
            undamped.append(names[s])
            continue
        if lam.min() < -1e-12 * big:
            raise InputError(
                f"sublattice {names[s]}: the damping tensor has a negative eigenvalue {lam.min():.4g} "
                "(anti-damping); no Langevin field can balance it at T > 0 (fluctuation-dissipation needs a "
                "positive semi-definite symmetric damping part). Check the sign convention of alpha")
        try:
            C = np.linalg.cholesky(S) if lam.min() > 1e-12 * big else None
        except np.linalg.LinAlgError:
            C = None
        if C is None:  # semi-definite: damping (and noise) only in some directions
            C = V * np.sqrt(np.clip(lam, 0.0, None))[None, :]
        L[s] = (math.sqrt(scale) * C).ravel()
    if len(undamped) == nsub:
        raise InputError(
            f"temperature {T} K > 0 but the damping is zero: the Langevin field is paired with the damping "
            "(fluctuation-dissipation, <b b> = 2 alpha k_B T/(gamma mu)), so an undamped system cannot be "
            "thermalized. Set a damping (System.set_damping or alpha=...), or use temperature=0")
    if undamped:
        warnings.warn(f"sublattices {undamped} have no damping, hence no noise: they thermalize only through "
                      "their couplings to the damped ones", stacklevel=3)
    return L


def reseed(model, seed):
    """Give a stochastic model a new seed in place (e.g. before continuing a run with a second
    ``simulate`` call: the integrators number the steps from the call's t0, so a continuation with the
    same seed and dt would replay the noise of the first segment)."""
    if not getattr(model, "stochastic", False):
        raise InputError("reseed: the model has no thermal noise (temperature = 0)")
    model.noise[1][:] = seed_words(seed)
    model.seed = int(seed)
    return model


def attach_noise(model, temperature, seed):
    """Langevin noise for a lattice model at ``temperature`` (K) with a ``seed`` (0 <= seed < 2^64).

    Returns ``(hp, noise, noise_hook)``: the field parameters with a fresh Langevin buffer hnoise (3N),
    ``noise = (L (n_sub, 9), key uint64 [2])`` and the compiled per-step hook ``noise_hook(step, h, args)``
    that fills hnoise = L xi / sqrt(h) (``args`` = the model's args tuple: args[0] is hp, args[-1] noise).
    Refuses non-local damping (correlated noise is not implemented) and an undamped system."""
    T = float(temperature)
    if not (math.isfinite(T) and T > 0):
        raise InputError(f"attach_noise needs a temperature > 0 K, got {temperature}")
    system = model.system
    G = np.asarray(getattr(model, "G", system.G))
    if system.gnbr.shape[1] > 0 and np.any(G != 0):
        raise InputError(
            "thermal noise with non-local (pair) Gilbert damping is not supported: the fluctuation-dissipation "
            "theorem then requires a Langevin field correlated between sites (covariance ~ G_ij), which is not "
            "implemented. Use on-site damping only (no add_pair_damping) at T > 0, or temperature=0")
    L = noise_amplitudes(system, model.A, T)
    key = seed_words(seed)
    hnoise = np.zeros(3 * system.n_sites)
    hp = system.with_noise_buffer(hnoise)
    hook = noise_hook_parallel if system.kernels.parallel else noise_hook_serial
    return hp, (L, key), hook


# --- single spin ------------------------------------------------------------------------------------------
def single_spin(B=(0.0, 0.0, 0.0), mu=2 * MU_B, alpha=0.1, eta=0.0, K=0.0, axis=(0.0, 0.0, 1.0),
                gamma=GAMMA_ELECTRON, units=None):
    """Finalized one-site system (a macrospin) for the lattice engine, which carries the thermal noise.

    B: field (tesla); mu: moment (J/T); alpha: Gilbert damping (scalar or 3x3); eta: inertia (seconds,
    scalar or 3x3; 0 = none); K: uniaxial anisotropy -K (m.axis)^2 (joule); units: ReducedUnits (1 ps).
    Run it with ``LatticeLLG(fin, temperature=T, seed=s)`` (or ``LatticeInertialLLG`` when eta > 0) and
    ``simulate(model, model.initial_state([m0]), t_end, dt, method="heun")``; a single site of an open
    lattice has no bonds, so only Zeeman, anisotropy, damping and inertia act."""
    from ..lattice.geometry import square
    from ..lattice.system import System
    from ..units import ReducedUnits

    s = System(square(2.5e-10), size=(1, 1), periodic=False, mu=mu, gamma=gamma)
    s.add_zeeman(B)
    if np.any(np.asarray(K) != 0):
        s.add_anisotropy(K, axis=axis)
    s.set_damping(alpha)
    if np.any(np.asarray(eta) != 0):
        s.set_inertia(eta)
    return s.finalized(units if units is not None else ReducedUnits(1e-12))


def langevin(x):
    """Langevin function L(x) = coth(x) - 1/x: the equilibrium <m.b> of a classical spin with
    x = mu B / (k_B T) (series for small |x|)."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-3
    xs = np.where(small, 1.0, x)
    out = np.where(small, x / 3 - x ** 3 / 45, 1.0 / np.tanh(xs) - 1.0 / xs)
    return out if out.ndim else float(out)
