"""Spin waves from the time domain: the independent check of the linear spin-wave solver.

A small plane wave beta_i = A c_s exp(i k . r_i) (beta = S_x + i S_y) on a periodic lattice is
integrated with the full nonlinear lattice (i)LLG; the sublattice channels
beta_s(t) = <(S_x + i S_y) exp(-i k . r_i)>_{i in s} are fitted with a common set of complex
frequencies (block matrix pencil, exp(-i omega t)).  They are the sigma = + roots of
det[omega^2 H - omega C - Omega] = 0 at k (Ghosh et al. 2025, spec 6.3; T13).  The amplitude enters the
frequencies at O(A^2), the integrator (RK4) at O((omega dt)^4).
"""
from __future__ import annotations

import numpy as np

from ..dynamics.models import LLG, InertialLLG
from ..dynamics.simulate import simulate
from ..errors import InputError
from ..numerics.signal import matrix_pencil_multi
from ..units import ReducedUnits


def commensurate_k(system, m):
    """Wavevector (1/m, cartesian) m_1 b_1 / n_1 + m_2 b_2 / n_2 (+ m_3 b_3 / n_3) allowed by the
    periodic supercell of ``system`` (integers ``m``)."""
    m = np.asarray(m, dtype=float)
    B = system.lattice.reciprocal_vectors()
    n = np.array(system.size, dtype=float)
    k = np.zeros(3)
    for i, mi in enumerate(m):
        if mi and not system.periodic[i]:
            raise InputError(f"direction {i} is not periodic: a plane wave needs periodic boundaries")
        k += mi * B[i] / n[i]
    return k


def plane_wave_spins(positions, sub, k, coefficients, amplitude):
    """Unit spins with S_x + i S_y = amplitude * c_s exp(i k . r) about +z."""
    beta = amplitude * np.asarray(coefficients)[sub] * np.exp(1j * positions @ k)
    S = np.stack([beta.real, beta.imag, np.sqrt(1.0 - np.abs(beta) ** 2)], axis=1)
    return S


def time_domain_modes(system, k, *, n_modes=None, amplitude=1e-4, t_end=2e-12, dt=0.5e-15, sample=4e-15,
                      coefficients=None, seed=0, method="rk4"):
    """Complex mode frequencies (rad/s) at wavevector k (1/m, 3-vector) from a nonlinear simulation.

    system: a periodic lattice ``System`` (builder); k must be commensurate (see :func:`commensurate_k`).
    Returns omega sorted by Re omega (the sigma = + convention of spec 2.2).
    """
    units = ReducedUnits(1e-15)
    fin = system.finalized(units)
    k = np.asarray(k, dtype=float)
    if k.shape != (3,):
        raise InputError(f"k must be a 3-vector in 1/m, got shape {k.shape}")
    pos = fin.positions
    ph = np.exp(1j * pos @ k)
    # commensurability: the phase must be periodic over the supercell images of every bond
    nsub = fin.n_sub
    inertial = np.any(system.inertia != 0) or bool(system.pair_inertia.bonds)
    if n_modes is None:
        n_modes = 2 * nsub if inertial else nsub
    rng = np.random.default_rng(seed)
    c = coefficients if coefficients is not None else np.exp(2j * np.pi * rng.random(nsub)) * (1 + rng.random(nsub))
    S0 = plane_wave_spins(pos, fin.sub, k, c, amplitude)
    model = InertialLLG(fin) if inertial else LLG(fin)
    y0 = model.initial_state(S0)
    every = units.time(sample)
    traj = simulate(model, y0, t_end, dt, method=method, output_every=sample)
    S = model.spins(traj.Y)
    beta = (S[..., 0] + 1j * S[..., 1]) * np.conj(ph)[None, :]
    channels = np.array([beta[:, fin.sub == s].mean(axis=1) for s in range(nsub)])
    omega, _ = matrix_pencil_multi(channels, every, n_modes)
    return np.sort_complex(units.frequency_to_si(omega))
