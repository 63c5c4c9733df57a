"""Compiled effective field and energy of a finalized system (the Hamiltonian of :mod:`.system`).

Layout (built by :class:`spinertia.lattice.finalized.FinalizedSystem`), reduced units (fields as angular
frequencies h = gamma B t_unit):

* spins ``y[3 i: 3 i + 3]`` (flat); site ``i`` of sublattice ``sub[i]``;
* :class:`FieldTables` ``tb``, a named tuple of arrays: pair couplings ``nbr`` (n_sites, z) int32
  neighbour indices (-1: none) with tensors ``J[jrow[i], k]`` (row-major 3x3), on-site ``K[krow[i]]``,
  Zeeman ``h0[hrow[i]] + f(t) h1[hrow[i]]`` with the protocol ``fp`` (:mod:`.protocols`), an optional
  static site field ``hsite`` (n_sites, 3), the coupling field ``hext`` written by stepper hooks and the
  Langevin field ``hnoise`` (both flat 3 n_sites, or empty), and the spin-transfer stencil (below).

  The row indices select a table row per site: for a translation-invariant system every row index is the
  sublattice index (the table holds one row per sublattice: a few bytes per site); site-resolved couplings
  (:meth:`~spinertia.lattice.system.System.set_damping` with an array, explicit site pairs, ...) give one row
  per site.  The kernels are the same for both.

    h_i = sum_k J[jrow_i, k] m_{nbr[i,k]} + K[krow_i] m_i + h0[hrow_i] + f(t) h1[hrow_i] + hsite_i
          + hext_i + hnoise_i  [+ h^stt_i].

* Spin-transfer torque (:meth:`~spinertia.lattice.system.System.add_spin_transfer`; Zhang and Li 2004,
  Thiaville et al. 2005): the torque ``-(u . grad) m_i + beta m_i x (u . grad) m_i`` written as ``-m_i x h^stt_i``
  with the state-dependent field

    h^stt_i = -m_i x D_i - B_i,   D_i = sum_k su[srow_i, k] m_{snbr[i,k]},  B_i = sum_k sb[srow_i, k] m_{snbr[i,k]},

  D_i the finite-difference (u_i . grad) m at site i and B_i the same for beta_i u_i (weights in reduced
  frequency, ``snbr`` (n_sites, z) int32 with -1 for no neighbour; empty tables without a current).  It is
  not the gradient of an energy: :func:`site_field` is the conservative field -(gamma/mu) dH/dS (the
  minimizer, the energy, :meth:`~spinertia.lattice.finalized.FinalizedSystem.field`), and the loops of the
  equations of motion add :func:`spin_transfer_field` after it.  They are templates whose global name
  ``spin_transfer`` is bound at compile time to :func:`spin_transfer_field` or to :func:`no_spin_transfer`
  (:func:`spinertia.numerics.jit.variants`): without a current the compiled loops are exactly those without
  the term (a run-time test in the site loop cost 15-20 % of the fused Heun sweep).

Energy (joule) per site, from the same tables: e_i = -w_i (1/2 m_i.(h^J_i + h^K_i) + m_i.h^Z_i) with
w_i = mu_i / (gamma_i t_unit) (the coupling and noise fields are external and carry no energy).
"""
from __future__ import annotations

from collections import namedtuple

import numba as nb

from ..numerics.jit import variants
from .protocols import profile

FieldTables = namedtuple("FieldTables", ["sub", "nbr", "jrow", "J", "krow", "K", "hrow", "h0", "h1", "fp",
                                         "hsite", "hext", "hnoise", "snbr", "srow", "su", "sb"])


@nb.njit(cache=True, inline="always")
def pair_sum(i, r, nbr, T, x, base):
    """sum_k T[r, k] x[base + 3 j: base + 3 j + 3] over the neighbours j = nbr[i, k] (j >= 0)."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    for k in range(nbr.shape[1]):
        j = nbr[i, k]
        if j < 0:
            continue
        x0 = x[base + 3 * j]
        x1 = x[base + 3 * j + 1]
        x2 = x[base + 3 * j + 2]
        a0 += T[r, k, 0] * x0 + T[r, k, 1] * x1 + T[r, k, 2] * x2
        a1 += T[r, k, 3] * x0 + T[r, k, 4] * x1 + T[r, k, 5] * x2
        a2 += T[r, k, 6] * x0 + T[r, k, 7] * x1 + T[r, k, 8] * x2
    return a0, a1, a2


@nb.njit(cache=True, inline="always")
def onsite_product(K, r, m0, m1, m2):
    """K[r] m (row-major 3x3 in row r of a (rows, 9) table)."""
    return (K[r, 0] * m0 + K[r, 1] * m1 + K[r, 2] * m2,
            K[r, 3] * m0 + K[r, 4] * m1 + K[r, 5] * m2,
            K[r, 6] * m0 + K[r, 7] * m1 + K[r, 8] * m2)


@nb.njit(cache=True, inline="always")
def zeeman_field(i, f, hrow, h0, h1, hsite):
    """Static + protocol + site field at site i (reduced)."""
    r = hrow[i]
    z0 = h0[r, 0] + f * h1[r, 0]
    z1 = h0[r, 1] + f * h1[r, 1]
    z2 = h0[r, 2] + f * h1[r, 2]
    if hsite.shape[0] > 0:
        z0 += hsite[i, 0]
        z1 += hsite[i, 1]
        z2 += hsite[i, 2]
    return z0, z1, z2


@nb.njit(cache=True, inline="always")
def spin_transfer_field(i, y, m0, m1, m2, snbr, srow, su, sb):
    """Spin-transfer field h^stt_i = -m_i x D_i - B_i (module docstring) at site i with direction (m0, m1, m2):
    -m_i x h^stt_i is the tangent part of -D_i + m_i x B_i, i.e. -(u . grad) m + beta m x (u . grad) m for
    B = beta D."""
    r = srow[i]
    d0 = 0.0
    d1 = 0.0
    d2 = 0.0
    b0 = 0.0
    b1 = 0.0
    b2 = 0.0
    for k in range(snbr.shape[1]):
        j = snbr[i, k]
        if j < 0:
            continue
        x0 = y[3 * j]
        x1 = y[3 * j + 1]
        x2 = y[3 * j + 2]
        w = su[r, k]
        v = sb[r, k]
        d0 += w * x0
        d1 += w * x1
        d2 += w * x2
        b0 += v * x0
        b1 += v * x1
        b2 += v * x2
    return (-(m1 * d2 - m2 * d1) - b0, -(m2 * d0 - m0 * d2) - b1, -(m0 * d1 - m1 * d0) - b2)


@nb.njit(cache=True, inline="always")
def no_spin_transfer(i, y, m0, m1, m2, snbr, srow, su, sb):
    """The binding of ``spin_transfer`` without a current: nothing (removed by the compiler)."""
    return 0.0, 0.0, 0.0


#: global name of the templates, bound by :func:`spinertia.numerics.jit.specialize`
spin_transfer = None


@nb.njit(cache=True, inline="always")
def site_field(i, f, y, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, hext, hnoise):
    """Effective field h_i (reduced angular frequency) at site i; f = protocol profile f(t).

    The arrays are the fields of :class:`FieldTables` after ``sub`` and without ``fp``, unpacked by the
    caller *outside* its loop over sites: reading arrays out of a tuple inside a (parallel) loop costs
    reference counting per site and defeats numba's parallel lowering.  The conservative field: the loops of
    the equations of motion add the (bound) ``spin_transfer`` field after it."""
    m0 = y[3 * i]
    m1 = y[3 * i + 1]
    m2 = y[3 * i + 2]
    a0, a1, a2 = pair_sum(i, jrow[i], nbr, J, y, 0)
    k0, k1, k2 = onsite_product(K, krow[i], m0, m1, m2)
    z0, z1, z2 = zeeman_field(i, f, hrow, h0, h1, hsite)
    a0 += k0 + z0
    a1 += k1 + z1
    a2 += k2 + z2
    if hext.shape[0] > 0:
        a0 += hext[3 * i]
        a1 += hext[3 * i + 1]
        a2 += hext[3 * i + 2]
    if hnoise.shape[0] > 0:
        a0 += hnoise[3 * i]
        a1 += hnoise[3 * i + 1]
        a2 += hnoise[3 * i + 2]
    return a0, a1, a2


def _field_all(t, y, tb, h):
    """h[3i:3i+3] <- effective field at every site (reduced units), plus the bound ``spin_transfer`` field
    (:data:`FIELD_ALL`: conservative; :data:`FIELD_ALL_STT`: with the spin-transfer field)."""
    sub, nbr, jrow, J, krow, K, hrow, h0, h1, fp, hsite, hext, hnoise, snbr, srow, su, sb = tb
    f = profile(t, fp)
    for i in nb.prange(sub.shape[0]):
        a0, a1, a2 = site_field(i, f, y, nbr, jrow, J, krow, K, hrow, h0, h1, hsite, hext, hnoise)
        s0, s1, s2 = spin_transfer(i, y, y[3 * i], y[3 * i + 1], y[3 * i + 2], snbr, srow, su, sb)
        h[3 * i] = a0 + s0
        h[3 * i + 1] = a1 + s1
        h[3 * i + 2] = a2 + s2


def _energy_sites(t, y, tb, w, e):
    """e[i] <- energy of site i in joule (pairs split half-half); w[s] = mu_s / (gamma_s t_unit).  The
    spin-transfer field carries no energy (it is not a gradient) and is never read here."""
    sub, nbr, jrow, J, krow, K, hrow, h0, h1, fp, hsite, hext, hnoise, snbr, srow, su, sb = tb
    f = profile(t, fp)
    for i in nb.prange(sub.shape[0]):
        m0 = y[3 * i]
        m1 = y[3 * i + 1]
        m2 = y[3 * i + 2]
        a0, a1, a2 = pair_sum(i, jrow[i], nbr, J, y, 0)
        k0, k1, k2 = onsite_product(K, krow[i], m0, m1, m2)
        z0, z1, z2 = zeeman_field(i, f, hrow, h0, h1, hsite)
        e[i] = -w[sub[i]] * (0.5 * (m0 * (a0 + k0) + m1 * (a1 + k1) + m2 * (a2 + k2))
                             + m0 * z0 + m1 * z1 + m2 * z2)


#: (serial, parallel) compilations
FIELD_ALL = variants(_field_all, spin_transfer=no_spin_transfer)
FIELD_ALL_STT = variants(_field_all, spin_transfer=spin_transfer_field)
ENERGY_SITES = variants(_energy_sites)
