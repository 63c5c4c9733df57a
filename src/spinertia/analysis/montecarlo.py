"""Metropolis Monte Carlo of a lattice spin system: an independent route to thermal equilibrium.

Samples the Boltzmann distribution exp(-H/k_B T) of classical unit spins with the Hamiltonian of
:mod:`spinertia.lattice.system` (exchange/DMI tensors, anisotropy, Zeeman), using the joule-valued energy
tables of the :class:`~spinertia.lattice.finalized.FinalizedSystem` (the same field tables the dynamics
reads, :mod:`spinertia.lattice.fields`, times the joule weights w_i = mu_i/(gamma_i t_unit)), not the dynamics.

Local energy change of a single-spin move S_i -> S_i' (the energy is linear in S_i through the bonds to
other sites and quadratic through the on-site terms)::

    dE = -(S_i' - S_i) . (sum_{j != i} J_ij S_j + mu_i B_i(t)) - (S_i'.K_i S_i' - S_i.K_i S_i)
         - 1/2 (S_i'.Q_i S_i' - S_i.Q_i S_i),

Q_i the sum of the tensors of bonds that wrap onto site i itself (periodic systems one cell wide).

Trial moves: uniform in a spherical cap of half-angle ``cone`` about the current spin (a symmetric
proposal, so plain Metropolis acceptance min(1, exp(-dE/k_B T)) satisfies detailed balance); cone = pi is
uniform on the sphere.  During the thermalization sweeps the cone is adapted towards the target
acceptance rate; it is frozen during the measurement sweeps (adaptation would break detailed balance).
Sites are visited sequentially; random numbers come from the counter-based Philox4x32-10 generator of
:mod:`spinertia.numerics.rng` (counter = (sweep, site, stream)), so a run is reproducible for a seed.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..errors import InputError
from ..lattice.fields import zeeman_field
from ..lattice.protocols import profile
from ..numerics.rng import STREAM_MONTECARLO, philox4x32, seed_words, uniform53
from ..units import K_B

_TWO_M32 = 2.0 ** -32


@nb.njit(cache=True, inline="always")
def _quad(K, m0, m1, m2):
    return (m0 * (K[0] * m0 + K[1] * m1 + K[2] * m2) + m1 * (K[3] * m0 + K[4] * m1 + K[5] * m2)
            + m2 * (K[6] * m0 + K[7] * m1 + K[8] * m2))


@nb.njit(cache=True)
def delta_energy(i, y, f, p0, p1, p2, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, wi):
    """Energy change (joule) of the move S_i -> (p0, p1, p2), the other spins fixed (module docstring).
    Field tables in reduced units (:mod:`spinertia.lattice.fields`), ``wi`` the joule weight of site i."""
    m0 = y[3 * i]
    m1 = y[3 * i + 1]
    m2 = y[3 * i + 2]
    d0 = p0 - m0
    d1 = p1 - m1
    d2 = p2 - m2
    b0, b1, b2 = zeeman_field(i, f, hrow, h0, h1, hsite)
    selfpart = 0.0
    r = jrow[i]
    for k in range(nbr.shape[1]):
        j = nbr[i, k]
        if j < 0:
            continue
        t = J[r, k]
        if j == i:  # bond wrapping onto the site itself (periodic, one cell wide): quadratic in S_i
            selfpart += 0.5 * (_quad(t, p0, p1, p2) - _quad(t, m0, m1, m2))
            continue
        x0 = y[3 * j]
        x1 = y[3 * j + 1]
        x2 = y[3 * j + 2]
        b0 += t[0] * x0 + t[1] * x1 + t[2] * x2
        b1 += t[3] * x0 + t[4] * x1 + t[5] * x2
        b2 += t[6] * x0 + t[7] * x1 + t[8] * x2
    Ki = K[krow[i]]
    return -wi * ((d0 * b0 + d1 * b1 + d2 * b2) + 0.5 * (_quad(Ki, p0, p1, p2) - _quad(Ki, m0, m1, m2)) + selfpart)


@nb.njit(cache=True)
def _run(y, tb, weight, mu, t, beta, n_sweeps, n_therm, key, cone, adapt, target, mags, energies, e0):
    """Sequential-sweep Metropolis; fills mags (n_sweeps, 3), energies (n_sweeps,). Returns
    (accepted, attempted) of the measurement sweeps and the final cone half-angle."""
    sub, nbr, jrow, J, krow, K, hrow, h0, h1, fp, hsite, hext, hnoise, snbr, srow, su, sb = tb
    n = sub.shape[0]
    f = profile(t, fp)
    mutot = 0.0
    for i in range(n):
        mutot += mu[sub[i]]
    energy = e0
    acc_meas = 0
    tries_meas = 0
    tag = np.uint64(STREAM_MONTECARLO)
    total = n_therm + n_sweeps
    for sweep in range(total):
        st = np.uint64(sweep)
        c0 = st & np.uint64(0xFFFFFFFF)
        c1 = st >> np.uint64(32)
        cmin = math.cos(cone)
        acc = 0
        for i in range(n):
            a0, a1, a2, a3 = philox4x32(c0, c1, np.uint64(i), tag, key[0], key[1])
            m0 = y[3 * i]
            m1 = y[3 * i + 1]
            m2 = y[3 * i + 2]
            # trial: uniform in the cap {cos(angle to m) >= cmin}
            ct = 1.0 - uniform53(a0, a1) * (1.0 - cmin)
            sn = math.sqrt(max(0.0, 1.0 - ct * ct))
            ph = 2.0 * math.pi * (float(a2) * _TWO_M32)
            # orthonormal e1, e2 perpendicular to m
            if abs(m0) < 0.9:
                r0, r1, r2 = 1.0, 0.0, 0.0
            else:
                r0, r1, r2 = 0.0, 1.0, 0.0
            d = r0 * m0 + r1 * m1 + r2 * m2
            e0_ = r0 - d * m0
            e1_ = r1 - d * m1
            e2_ = r2 - d * m2
            nn = math.sqrt(e0_ * e0_ + e1_ * e1_ + e2_ * e2_)
            e0_ /= nn
            e1_ /= nn
            e2_ /= nn
            g0 = m1 * e2_ - m2 * e1_
            g1 = m2 * e0_ - m0 * e2_
            g2 = m0 * e1_ - m1 * e0_
            cp = math.cos(ph)
            sp = math.sin(ph)
            p0 = ct * m0 + sn * (cp * e0_ + sp * g0)
            p1 = ct * m1 + sn * (cp * e1_ + sp * g1)
            p2 = ct * m2 + sn * (cp * e2_ + sp * g2)
            nn = math.sqrt(p0 * p0 + p1 * p1 + p2 * p2)
            p0 /= nn
            p1 /= nn
            p2 /= nn
            dE = delta_energy(i, y, f, p0, p1, p2, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, weight[sub[i]])
            u = (float(a3) + 0.5) * _TWO_M32
            if dE <= 0.0 or u < math.exp(-beta * dE):
                y[3 * i] = p0
                y[3 * i + 1] = p1
                y[3 * i + 2] = p2
                energy += dE
                acc += 1
        if sweep < n_therm:
            if adapt:
                rate = acc / n
                cone = min(math.pi, max(1e-3, cone * math.exp(rate - target)))
        else:
            k = sweep - n_therm
            acc_meas += acc
            tries_meas += n
            M0 = 0.0
            M1 = 0.0
            M2 = 0.0
            for i in range(n):
                w = mu[sub[i]]
                M0 += w * y[3 * i]
                M1 += w * y[3 * i + 1]
                M2 += w * y[3 * i + 2]
            mags[k, 0] = M0 / mutot
            mags[k, 1] = M1 / mutot
            mags[k, 2] = M2 / mutot
            energies[k] = energy
    return acc_meas, tries_meas, cone


def metropolis(fin, temperature, n_sweeps, n_therm=0, seed=0, spins0=None, t=0.0, cone=0.5,
               adapt=True, target_acceptance=0.5):
    """Metropolis Monte Carlo of the finalized system ``fin`` at ``temperature`` (K).

    n_sweeps measurement sweeps after n_therm thermalization sweeps (one sweep = one trial per site);
    seed: 0 <= seed < 2^64; spins0: (N, 3) initial unit spins (default: all along +z); t: reduced time
    at which a time-dependent Zeeman protocol is evaluated; cone: initial trial-cone half-angle (rad;
    pi = uniform on the sphere), adapted during thermalization towards ``target_acceptance`` when
    ``adapt`` (frozen afterwards).

    Returns a dict: ``magnetization`` (n_sweeps, 3) moment-weighted mean direction after each sweep,
    ``energy`` (n_sweeps,) total energy (joule, tracked from the local changes), ``acceptance``
    (measurement sweeps), ``cone`` (half-angle used for the measurement), ``spins`` (final, (N, 3))."""
    from ..lattice.finalized import FinalizedSystem

    if not isinstance(fin, FinalizedSystem):
        raise InputError("metropolis needs a FinalizedSystem: call System(...).finalized(units)")
    T = float(temperature)
    if not (math.isfinite(T) and T > 0):
        raise InputError(f"Monte Carlo needs a temperature > 0 K, got {temperature}")
    n_sweeps = int(n_sweeps)
    n_therm = int(n_therm)
    if n_sweeps < 1 or n_therm < 0:
        raise InputError(f"need n_sweeps >= 1 and n_therm >= 0, got {n_sweeps}, {n_therm}")
    cone = float(cone)
    if not (0 < cone <= math.pi):
        raise InputError(f"cone half-angle must lie in (0, pi], got {cone}")
    N = fin.n_sites
    if spins0 is None:
        S = np.tile([0.0, 0.0, 1.0], (N, 1))
    else:
        S = fin.check_spins(spins0, "spins0")
    y = np.ascontiguousarray(S.reshape(-1), dtype=float)
    e0 = fin.energy(t, S)
    mags = np.empty((n_sweeps, 3))
    energies = np.empty(n_sweeps)
    acc, tries, cone_out = _run(y, fin.tables, fin.energy_weight, fin.mu, float(t), 1.0 / (K_B * T), n_sweeps, n_therm, seed_words(seed), cone,
                                bool(adapt), float(target_acceptance), mags, energies, e0)
    return {"magnetization": mags, "energy": energies, "acceptance": acc / max(tries, 1), "cone": cone_out,
            "spins": y.reshape(N, 3)}


def blocking_error(x, min_blocks=32):
    """Standard error of the mean of a correlated series by blocking (Flyvbjerg & Petersen 1989).

    The series is repeatedly averaged in pairs; the naive error sqrt(var/(n-1)) grows with the block
    length until the blocks are longer than the correlation time, then plateaus.  Returns the largest
    estimate over the levels that keep at least ``min_blocks`` blocks (conservative)."""
    x = np.asarray(x, dtype=float).ravel()
    if len(x) < 2 * min_blocks:
        raise InputError(f"need at least {2 * min_blocks} samples for a blocking error, got {len(x)}")
    best = 0.0
    while len(x) >= min_blocks:
        best = max(best, float(np.std(x, ddof=1) / math.sqrt(len(x))))
        n = len(x) // 2 * 2
        x = 0.5 * (x[:n:2] + x[1:n:2])
    return best


def mean_and_error(x, min_blocks=32):
    """(mean, blocking standard error) of a correlated series."""
    x = np.asarray(x, dtype=float).ravel()
    return float(np.mean(x)), blocking_error(x, min_blocks)
