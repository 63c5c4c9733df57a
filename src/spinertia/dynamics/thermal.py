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
whose Langevin field is correlated between sites.  The step index is absolute (round(t / dt)): a run
continued from its end time draws new numbers, a resumed run the same ones.

Single spin: a :class:`~spinertia.lattice.macrospin.Macrospin` (a one-site system); :func:`single_spin`
builds it.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import InputError, warn
from ..numerics.rng import seed_words
from ..units import GAMMA_ELECTRON, K_B, MU_B
from .rhs import Noise


def noise_amplitudes(system, A, temperature):
    """Amplitude matrices L_r (rows, 9) per damping-table row, L_r L_r^T = (2 k_B T gamma t_unit / mu) sym(A_r).

    ``system``: the FinalizedSystem; ``A``: the model's OnsiteTable of canonical damping tensors (sign
    applied).  Raises InputError for anti-damping (no real amplitude) and for a system without damping."""
    T = float(temperature)
    rows = A.T.reshape(-1, 3, 3)
    per_sub = len(rows) == system.n_sub
    names = system.lattice.names
    L = np.zeros((len(rows), 9))
    undamped = []
    for r, Ar in enumerate(rows):
        s = r if per_sub else system.sub[r]
        where = f"sublattice {names[s]}" if per_sub else f"site {r}"
        S = 0.5 * (Ar + Ar.T)
        scale = 2.0 * K_B * T * system.gamma[s] * system.units.t_unit / system.mu[s]
        lam, V = np.linalg.eigh(S)
        big = max(np.abs(lam).max(), 0.0)
        if big == 0.0:
            undamped.append(where)
            continue
        if lam.min() < -1e-12 * big:
            raise InputError(
                f"{where}: the damping tensor has a negative eigenvalue {lam.min():.4g} "
                "(anti-damping); no Langevin field can balance it at T > 0 (fluctuation-dissipation needs a "
                "positive semi-definite symmetric damping part). Check the sign convention of the damping")
        try:
            C = np.linalg.cholesky(S) if lam.min() > 1e-12 * big else None
        except np.linalg.LinAlgError:
            C = None
        if C is None:  # semi-definite: damping (and noise) only in some directions
            C = V * np.sqrt(np.clip(lam, 0.0, None))[None, :]
        L[r] = (math.sqrt(scale) * C).ravel()
    if len(undamped) == len(rows):
        raise InputError(
            f"temperature {T} K > 0 but the damping is zero: the Langevin field is paired with the damping "
            "(fluctuation-dissipation, <b b> = 2 alpha k_B T/(gamma mu)), so an undamped system cannot be "
            "thermalized. Set a damping (System.set_damping), or use temperature = 0")
    if undamped:
        warn(f"{', '.join(undamped[:5])}{' ...' if len(undamped) > 5 else ''} have no damping, hence no noise: "
             "they thermalize only through their couplings to the damped ones")
    return L


def noise_tables(model, temperature, seed):
    """Langevin-noise arguments (:data:`spinertia.dynamics.rhs.Noise`) of a model at ``temperature`` (K)
    with a ``seed`` (0 <= seed < 2^64).  Refuses non-local damping (correlated noise is not implemented)."""
    T = float(temperature)
    if not (math.isfinite(T) and T > 0):
        raise InputError(f"thermal noise needs a temperature > 0 K, got {temperature}")
    G = model.G
    if G.nbr.shape[1] > 0 and np.any(G.T != 0):
        raise InputError(
            "thermal noise with non-local (pair) Gilbert damping is not supported: the fluctuation-dissipation "
            "theorem then requires a Langevin field correlated between sites (covariance ~ G_ij), which is not "
            "implemented. Use on-site damping only (no add_pair_damping) at T > 0, or temperature = 0")
    L = noise_amplitudes(model.system, model.A, T)
    return Noise(row=model.A.row, L=L, key=seed_words(seed))


def reseed(model, seed):
    """Give a stochastic model a new seed in place."""
    if not getattr(model, "stochastic", False):
        raise InputError("reseed: the model has no thermal noise (temperature = 0)")
    model.noise_tables.key[:] = seed_words(seed)
    model.seed = int(seed)
    return model


# --- single spin ------------------------------------------------------------------------------------------
def single_spin(B=(0.0, 0.0, 0.0), mu=2 * MU_B, alpha=0.1, eta=0.0, K=0.0, axis=(0.0, 0.0, 1.0),
                gamma=GAMMA_ELECTRON, units=None):
    """Finalized one-site system (a macrospin) with Zeeman field B (tesla), moment mu (J/T), damping alpha
    (scalar or 3x3), inertia eta (seconds; 0 = none) and uniaxial anisotropy -K (m.axis)^2 (joule); units:
    ReducedUnits (default 1 ps).  Run it with ``LLG(fin, temperature=T, seed=s)`` (or ``InertialLLG``)."""
    from ..lattice.macrospin import Macrospin
    from ..units import ReducedUnits

    s = Macrospin(gamma=gamma, mu=mu)
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
