"""Scattering matrix (Fisher-Lee) and the Brataas-Tserkovnyak-Bauer damping (Xu et al. 2023, App. D).

Fisher-Lee relation in the eigenchannel basis of the broadenings (Xu et al. 2023, App. D):

    S_pq(E) = -delta_pq + i W_p^dagger G^r(E) W_q,      Gamma_p = W_p W_p^dagger,

(columns of ``W_p``: the open channels of lead p, ``gamma_factor`` of the leads).  Brataas, Tserkovnyak
and Bauer, PRL 101, 037207 (2008) give the energy pumped into the leads by a slowly moving magnet,
``dE/dt = (1/4pi) Tr[dS/dt dS^dagger/dt]`` (hbar = 1, T = 0, no bias), hence the friction and the
dimensionless Gilbert tensor of a magnet of spin S (hbar):

    alpha_ij = (1 / 4 pi S) Re Tr[ (dS/dm_i) (dS/dm_j)^dagger ]          (Xu et al. 2023, D1 with the dagger)

At finite temperature the Fermi-surface energy is averaged with ``-df/dE``.  The derivatives are taken
here by finite differences of the scattering matrix itself (``H -> H + h V_i``, exact for the linear
exchange ``J sigma . m``; five-point stencil), so the result is independent of the Green's-function
formula of Eq. 19.  Printed App. D: D1 omits the dagger, D2 has ``(JM)^2`` for ``J^2 M`` (the division by
M_s of BTB's LLG equation), and D3/D4 lose a factor ``-1/2`` against Eq. 19 as printed; docs/electrons.md
has the consistent set.

The columns G W are those of the device's route (:meth:`~spinertia.electrons.linear_response.Device.propagator`):
the recursive Green's function (lead columns, one forward and one backward sweep; ``Device.from_system``) or
a dense solve (devices given as matrices, ``method="dense"``).  The perturbation ``h V`` must then be block
diagonal in the layers (site-local vertices are).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .linear_response import Device
from .propagators import _ops

__all__ = ["channel_factors", "scattering_matrix", "smatrix_derivatives", "btb_damping"]


def channel_factors(dev: Device, E):
    """Per lead: ``W_p`` (n_interface x n_channels) with ``Gamma_p(E) = W_p W_p^dagger``."""
    out = []
    for lead, (idx, gam) in zip(dev.leads, dev.gammas(E)):
        base = getattr(lead, "lead", lead)
        if hasattr(base, "gamma_factor"):
            W = np.asarray(base.gamma_factor(E), dtype=complex)
        else:
            w, v = np.linalg.eigh(0.5 * (gam + gam.conj().T))
            keep = w > 1e-13 * max(w.max(initial=0.0), 1e-300)
            W = v[:, keep] * np.sqrt(w[keep])[None, :]
        out.append((idx, W))
    return out


def scattering_matrix(dev: Device, E, dH=None):
    """Fisher-Lee scattering matrix at real energy E (optionally of ``H + dH``).

    Parameters
    ----------
    dev : Device
    E : float
        Energy (units of t).
    dH : (n, n) sparse or dense array, optional
        Perturbation of H (units of t); block diagonal in the layers on the recursive route.

    Returns
    -------
    S : (N, N) complex array
        Channels of all leads stacked in lead order.
    sizes : list of int
        Channels per lead.
    """
    E = float(E)
    chans = channel_factors(dev, E)
    sizes = [W.shape[1] for _, W in chans]
    col = sum(sizes)
    if dev.method == "rgf":
        g = dev.propagator(E, extra=None if dH is None else sp.csr_matrix(dH))
        GW = g.solve_interfaces([W for _, W in chans])
    else:
        sig = dev.lead_sigmas(E)
        M = E * np.eye(dev.n) - dev.H - dev._embed([s[0] for s in sig])
        if dH is not None:
            M = M - (dH.toarray() if sp.issparse(dH) else dH)
        Wfull = np.zeros((dev.n, col), dtype=complex)
        c0 = 0
        for idx, W in chans:
            Wfull[idx, c0:c0 + W.shape[1]] = W
            c0 += W.shape[1]
        GW = np.linalg.solve(M, Wfull)
    # Fisher-Lee: S = -1 + i W^dagger G W, with W^dagger restricted to each lead's interface rows
    WdGW = np.zeros((col, col), dtype=complex)
    c0 = 0
    for idx, W in chans:
        WdGW[c0:c0 + W.shape[1]] = W.conj().T @ GW[idx]
        c0 += W.shape[1]
    return -np.eye(col) + 1j * WdGW, sizes


def smatrix_derivatives(dev: Device, E, V, step=1e-4):
    """``dS/dx_a`` for ``H(x) = H + sum_a x_a V_a`` by a five-point stencil in ``x_a`` (error O(step^4))."""
    V = _ops(V, dev.n, "V")
    out = []
    for Va in V:
        Sp1 = scattering_matrix(dev, E, step * Va)[0]
        Sm1 = scattering_matrix(dev, E, -step * Va)[0]
        Sp2 = scattering_matrix(dev, E, 2 * step * Va)[0]
        Sm2 = scattering_matrix(dev, E, -2 * step * Va)[0]
        out.append((-Sp2 + 8 * Sp1 - 8 * Sm1 + Sm2) / (12 * step))
    return np.array(out)


def btb_damping(dev: Device, V, spin=1.0, step=1e-4):
    """Gilbert tensor from the scattering matrix (Brataas, Tserkovnyak, Bauer 2008; Xu et al. 2023, App. D).

    ``alpha_ij = (1/4 pi S) int dE (-df/dE) Re Tr[dS/dm_i dS/dm_j^dagger]`` at the Fermi level of the
    (equilibrium) leads; one energy at T = 0.

    Parameters
    ----------
    dev : Device
        In equilibrium (all leads at one Fermi level).
    V : list of operators
        ``dH/dm_i`` (e.g. :func:`spinertia.electrons.tensors.magnet_vertices`).
    spin : float
        Spin S of the magnet (hbar).
    step : float
        Finite-difference step in m.

    Returns
    -------
    alpha : (k, k) ndarray
        Symmetric, positive semi-definite.
    unitarity : float
        ``max |S S^dagger - 1|`` over the energies used (a check of the channel factors).
    """
    if not dev.equilibrium:
        raise InputError("the scattering-matrix damping (BTB) holds without bias; the leads have chemical "
                         f"potentials {dev.mu.tolist()}")
    S_spin = float(spin)
    if not (math.isfinite(S_spin) and S_spin > 0):
        raise InputError(f"spin must be positive, got {spin!r}")
    rule = dev.surface()
    acc = 0.0
    unit = 0.0
    for E, w in zip(rule.nodes, rule.weights):
        S, _ = scattering_matrix(dev, E)
        unit = max(unit, float(np.abs(S @ S.conj().T - np.eye(S.shape[0])).max(initial=0.0)))
        dS = smatrix_derivatives(dev, E, V, step)
        acc = acc + w * np.real(np.einsum("aij,bij->ab", dS, dS.conj()))
    return acc / (4 * math.pi * S_spin), unit
