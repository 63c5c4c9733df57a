"""Spin currents and spin torques under bias (Xu et al. 2023, App. A/B) and the adiabatic torques b_J, c_J
of the spatial-adiabatic limit (Xu et al. 2023, Eqs. 31-37, App. B and E).

Sign conventions (docs/electrons.md, "Torques"):

* The texture ``m_i`` of :class:`~spinertia.electrons.tightbinding.TightBinding` is the magnetization
  direction of the spin engine; with ``H = J_i sigma . m_i`` and J > 0 the majority electrons
  (sigma . m = -1) carry a magnetic moment along m.  The local spin is ``-hbar S_i m_i``, and
  ``dm_i/dt = -(gamma/mu_i) m_i x B_eff`` becomes, for the electron contribution,

      dm_i/dt = (1 / hbar S_i) m_i x <dH/dm_i> = (2 J_i / hbar S_i) m_i x s_i,

  ``s_i = <sigma>_i / 2`` the electron spin density (hbar).  Xu et al. write the same torque for the spin
  M (their Eq. 8, ``dM/dt = -J M x s_D``): the opposite sign, for the opposite vector.
* Particle currents are counted from a lead into the device; Xu et al.'s spin current ``I_s,alpha``
  (Eq. A3) flows into lead alpha: ``I_s = -(current of sigma/2 into the device)``.
* Adiabatic torques in the Thiaville form ``dm/dt = -(u . grad) m + beta m x (u . grad) m``: ``u`` points
  along the electron flow for a majority-polarized current.  Xu et al., Eq. 31 (Zhang and Li):
  ``b_J (j_e . grad) m - c_J m x (j_e . grad) m`` with the charge current density ``j_e``, so
  ``b_J j_e = -u`` and ``c_J j_e = -beta u``.  The adiabatic limit (angular-momentum conservation) is
  ``u = P I a / (2 S)`` per site row: I the particle current, a the lattice spacing along the current, S
  the spin per site, P the polarization of the current along -m (majority minus minority).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..units import E_CHARGE
from . import linear_response as lr
from .energy_rules import surface_rule
from .linear_response import Device
from .observables import densities, local_spin_density, transmission

__all__ = [
    "SiteTorques",
    "site_torques",
    "lead_spin_currents",
    "decompose_torque",
    "AdiabaticTorques",
    "adiabatic_torques",
    "texture_gradient",
]


# ------------------------------------------------------------------------------------------------
# torques and spin currents under bias
# ------------------------------------------------------------------------------------------------
@dataclass
class SiteTorques:
    """Electron spin and exchange torque per site.

    Attributes
    ----------
    s : (n_sites, 3)
        Electron spin density s_i (hbar), Xu et al. 2023, Eq. 33.
    torque : (n_sites, 3)
        ``m_i x <dH/dm_i> = 2 J_i m_i x s_i`` (units of t): ``hbar S_i dm_i/dt`` of the magnetization.
    s_eq, torque_eq : (n_sites, 3)
        The same at equilibrium (all leads at the mean Fermi level); ``torque - torque_eq`` is the
        current-induced (spin-transfer / spin-orbit) torque.
    """

    s: np.ndarray
    torque: np.ndarray
    s_eq: np.ndarray
    torque_eq: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def current_induced(self):
        return self.torque - self.torque_eq


def _exchange_torque(fsys, s):
    J = fsys.exchange_J if fsys.exchange_J is not None else np.zeros(fsys.n_sites)
    m = fsys.texture if fsys.texture is not None else np.zeros((fsys.n_sites, 3))
    return 2 * J[:, None] * np.cross(m, s)


def site_torques(fsys, mu, kT=0.0, t=0.0, tol=1e-10, workers=None):
    """Spin density and exchange torque per site, with bias (Xu et al. 2023, Eqs. 13, 33, App. B).

    Parameters
    ----------
    fsys : FinalizedTightBinding
        With exchange texture and leads.
    mu : float or sequence
        Fermi level of each lead (units of t).
    kT : float
    tol, workers :
        Passed to :func:`spinertia.electrons.observables.densities`.
    """
    d = densities(fsys, mu, kT=kT, t=t, tol=tol, workers=workers)
    mus = np.broadcast_to(np.atleast_1d(np.asarray(mu, dtype=float)), (max(1, len(fsys.leads)),))
    if np.all(mus == mus[0]):
        s_eq = d.s
    else:
        s_eq = densities(fsys, float(np.mean(mus)), kT=kT, t=t, tol=tol, workers=workers).s
    return SiteTorques(s=d.s, torque=_exchange_torque(fsys, d.s), s_eq=s_eq, torque_eq=_exchange_torque(fsys, s_eq),
                       info=dict(d.info))


def lead_spin_currents(fsys, mu, kT=0.0, t=0.0, accuracy=None, method="auto"):
    """Particle and spin currents of every lead (Xu et al. 2023, Eqs. A2, A3), units of t/hbar.

    ``method``: route of the Green's functions (:meth:`~spinertia.electrons.linear_response.Device.from_system`;
    the recursive one needs the diagonal blocks of the interface layers and the lead columns only).

    Returns
    -------
    dict
        ``particle``: (n_leads,) particles per unit time from each lead into the device;
        ``spin``: (n_leads, 3) spin (hbar) per unit time from each lead into the device;
        ``spin_into_lead``: (n_leads, 3), Xu et al.'s ``I_s,alpha = -(spin)``.
        Equilibrium spin currents (spin-orbit coupling) are included.
    """
    dev = Device.from_system(fsys, mu=mu, kT=kT, t=t, accuracy=accuracy, method=method)
    ops = [fsys.sigma_site(a) * 0.5 for a in range(3)]
    cur = lr.lead_currents(dev, [sp.eye(fsys.n_orb, format="csr")] + ops)
    return {"particle": cur[:, 0], "spin": cur[:, 1:], "spin_into_lead": -cur[:, 1:]}


def decompose_torque(torque, m, u):
    """Field-like and damping-like parts of a torque: ``tau = t_FL m x u + t_DL m x (m x u)``.

    Parameters
    ----------
    torque, m, u : (..., 3) arrays
        Torque, magnetization direction, reference direction (e.g. the polarizer or the spin-orbit field).

    Returns
    -------
    t_FL, t_DL : arrays
        Coefficients (same units as the torque); the remainder is not in the plane of m x u, m x (m x u).
    """
    torque, m, u = (np.asarray(x, dtype=float) for x in (torque, m, u))
    a = np.cross(m, u)
    b = np.cross(m, a)
    na = np.einsum("...i,...i->...", a, a)
    nb = np.einsum("...i,...i->...", b, b)
    if np.any(na == 0):
        raise InputError("decompose_torque: u is parallel to m, the field-like and damping-like directions vanish")
    return np.einsum("...i,...i->...", torque, a) / na, np.einsum("...i,...i->...", torque, b) / nb


# ------------------------------------------------------------------------------------------------
# adiabatic torques
# ------------------------------------------------------------------------------------------------
def texture_gradient(fsys):
    """``d m / d x`` per site (1/m) along the first lattice vector (the transport direction).

    Central differences between the neighbours at cell offsets +-1 along that vector (same sublattice);
    NaN on the first and last columns.
    """
    m = fsys.texture
    if m is None:
        raise InputError("the system has no texture (TightBinding.set_exchange(J, texture))")
    nsub = fsys.lattice.n_sub
    n1 = fsys.size[0]
    a1 = np.asarray(fsys.lattice.vectors[0], dtype=float)
    step = float(np.linalg.norm(a1))
    idx = np.arange(fsys.n_sites)
    i1 = (idx // nsub) % n1
    g = np.full((fsys.n_sites, 3), np.nan)
    inner = (i1 > 0) & (i1 < n1 - 1)
    g[inner] = (m[idx[inner] + nsub] - m[idx[inner] - nsub]) / (2 * step)
    return g, step, a1 / step


@dataclass
class AdiabaticTorques:
    """Coefficients of the spatial-adiabatic torques (Xu et al. 2023, Eq. 31), linear in the bias.

    Attributes
    ----------
    u : float
        Spin-transfer velocity (m/s) at the bias ``bias_V``: ``dm/dt = -u dm/dx + beta u m x dm/dx``.
    beta : float
        Non-adiabaticity (c_J = beta b_J).
    b_J, c_J : float
        Xu et al. 2023, Eq. 31 with the charge current density j_e (SI: m^d/C for a d-dimensional
        lattice, j_e in A, A/m or A/m^2).
    j_e : float
        Charge current density along x (A m^(1-d)); negative when electrons flow along +x.
    particle_current : float
        Electrons per second flowing along +x.
    u_per_site : (n_fit,) array
        ``u`` fitted site by site (checks uniformity); ``fit_sites`` the sites used.
    residual : float
        Relative residual of the two-parameter fit.
    direction : (3,) array
        Unit vector of the transport direction (the first lattice vector), along which ``u`` and ``-j_e`` point
        for u > 0.

    The spin engine takes the result as it is: ``System.add_spin_transfer(result)`` (u = ``velocity``, beta),
    or ``add_spin_transfer(result, j=...)`` for the same b_J, c_J at another current density.
    """

    u: float
    beta: float
    b_J: float
    c_J: float
    j_e: float
    particle_current: float
    bias_V: float
    u_per_site: np.ndarray
    fit_sites: np.ndarray
    residual: float
    info: dict = field(default_factory=dict)
    direction: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.0, 0.0]))

    @property
    def velocity(self):
        """Drift velocity u as a 3-vector (m/s): ``u direction``."""
        return self.u * np.asarray(self.direction, dtype=float)


def adiabatic_torques(fsys, mu, units, spin, bias_V=1e-3, kT=0.0, t=0.0, min_gradient=0.1, left=0, right=1):
    """b_J and c_J of a textured tight-binding model from its Green's functions (linear response in bias).

    The leads ``left`` and ``right`` get ``mu +- eV/2``.  The current-induced spin density per unit bias,
    ``ds_i = sum_p (d mu_p/dV) int dE (-f') Tr_s[sigma A_p]_ii / 4 pi`` (Xu et al. 2023, Eq. 33 linearized),
    gives ``dm_i/dt = (2 J_i / hbar S) m_i x ds_i``, fitted on the sites where ``|dm/dx|`` exceeds
    ``min_gradient`` of its maximum to ``-u g_i + beta u m_i x g_i`` (``g = dm/dx``, the current along
    the first lattice vector).

    Parameters
    ----------
    fsys : FinalizedTightBinding
        Texture (e.g. a domain wall along x) and two leads.
    mu : float
        Fermi level (units of t).
    units : ElectronUnits
        t in eV (for SI output).
    spin : float
        Spin S per site (hbar).
    bias_V : float
        Bias in volts at which u and the currents are reported (the coefficients are per volt).
    kT : float
    min_gradient : float
        Fit sites: |g_i| > min_gradient max |g|.

    Returns
    -------
    AdiabaticTorques
    """
    if len(fsys.leads) < 2:
        raise InputError("adiabatic torques need two leads (a current through the texture)")
    if fsys.exchange_J is None:
        raise InputError("the system has no exchange texture")
    S = float(spin)
    if not (math.isfinite(S) and S > 0):
        raise InputError(f"spin must be positive (hbar), got {spin!r}")
    mu = float(mu)
    dmu = np.zeros(len(fsys.leads))
    dmu[left], dmu[right] = 0.5, -0.5  # per unit bias (t/e)
    rule = surface_rule(mu, kT)
    ds = np.zeros((fsys.n_sites, 3))
    dI = 0.0
    for E, w in zip(rule.nodes, rule.weights):
        per = local_spin_density(fsys, E, t=t)  # (n_leads, n_sites, 3) = Tr_s[sigma A_p]_ii / 4 pi
        ds += w * np.tensordot(dmu, per, axes=(0, 0))
        dI += w * transmission(fsys, [E], p=right, q=left, t=t)[0] / (2 * math.pi)
    m = fsys.texture
    J = fsys.exchange_J
    mdot = 2 * J[:, None] * np.cross(m, ds) / S  # t/hbar per (t/e) of bias
    g, step, xhat = texture_gradient(fsys)
    gn = np.linalg.norm(np.nan_to_num(g), axis=1)
    if gn.max() == 0:
        raise InputError("the texture is uniform along the current: no adiabatic torque to fit")
    fit = np.flatnonzero(np.isfinite(g[:, 0]) & (gn > min_gradient * gn.max()))
    mg = np.cross(m[fit], g[fit])
    A = np.stack([-g[fit].ravel(), mg.ravel()], axis=1)
    coef, *_ = np.linalg.lstsq(A, mdot[fit].ravel(), rcond=None)
    u_lat, beta_u = coef  # m/(hbar/t) per volt-unit
    resid = float(np.linalg.norm(A @ coef - mdot[fit].ravel()) / max(np.linalg.norm(mdot[fit]), 1e-300))
    per_site = -np.einsum("ij,ij->i", mdot[fit], g[fit]) / np.einsum("ij,ij->i", g[fit], g[fit])
    # SI at the bias
    V_t = bias_V / units.hopping_eV
    u = u_lat * V_t / units.time_s
    I_particle = dI * V_t / units.time_s  # electrons per second along +x (left -> right)
    dim = fsys.lattice.dimension
    cross = _cross_section(fsys, dim)
    j_e = -E_CHARGE * I_particle / cross
    beta = beta_u / u_lat if u_lat != 0 else float("nan")
    return AdiabaticTorques(u=u, beta=beta, b_J=-u / j_e, c_J=-beta * u / j_e, j_e=j_e, particle_current=I_particle,
                            bias_V=bias_V, u_per_site=per_site * V_t / units.time_s, fit_sites=fit, residual=resid,
                            info={"u_lattice_per_bias": float(u_lat), "dI_dV_lattice": float(dI),
                                  "lattice_step_m": step, "cross_section": cross, "dimension": dim,
                                  "units": {"u": "m/s", "b_J": f"m^{dim}/C", "j_e": f"A m^{1 - dim}"}},
                            direction=np.asarray(xhat, dtype=float))


def _cross_section(fsys, dim):
    """Width (2D, metres) or area (3D, m^2) of the region across the transport direction; 1 in 1D."""
    if dim == 1:
        return 1.0
    vecs = np.asarray(fsys.lattice.vectors, dtype=float)
    if dim == 2:
        a1 = vecs[0] / np.linalg.norm(vecs[0])
        a2 = vecs[1] - (vecs[1] @ a1) * a1
        return float(np.linalg.norm(a2)) * fsys.size[1]
    a1 = vecs[0] / np.linalg.norm(vecs[0])
    return float(abs(a1 @ np.cross(vecs[1], vecs[2]))) * fsys.size[1] * fsys.size[2]
