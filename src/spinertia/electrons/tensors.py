"""Gilbert damping, inertia, frequency-dependent damping and gyromagnetic renormalization of one magnet.

The magnet is the set of sites whose s-d exchange ``J_i sigma . m`` follows one direction ``m``
(a macrospin; Xu et al. 2023, Sec. II).  Its vertex is the derivative of the electron Hamiltonian,

    V_a = dH/dm_a = sum_i J_i sigma_a (site i),

and every coefficient of the LLG equation is a response function of ``V`` (docs/electrons.md):

* static spin ``s_D`` (Xu et al. 2023, Eqs. 11, 14): ``<sigma/2>`` summed over the magnet;
* Gilbert tensor ``alpha = gamma / S`` with the friction ``gamma_ab = 2 Re int dE/2pi Tr[G^< V_a G' V_b]``
  (corrected Xu et al. 2023, Eq. 19: ``G^r G^r`` -> ``-dG^r/dE``, prefactor ``-(JM)^2/(2M)`` in their
  units instead of ``(JM)^2/4``) -- its symmetric part equals the scattering-matrix damping of
  Brataas, Tserkovnyak and Bauer (App. D, :mod:`spinertia.electrons.smatrix`);
* inertia ``I / S`` with ``I_ab = -(1/2) d^2 Re chi_ab/d omega^2`` (corrected Xu et al. 2023, Eq. 22:
  opposite sign, prefactor divided by M);
* frequency-dependent damping ``alpha(omega) = i [chi(omega) - chi(0)] / (omega S)`` (Xu et al. 2023,
  Eq. 30 prints ``-chi(omega)``, whose omega-derivative, not its value, gives Eq. 19);
  ``alpha(omega) -> alpha`` and ``[alpha(omega) - alpha] / (-i omega) -> I / S`` as omega -> 0;
* ``eta_ab = d s_D,a / d m_b = chi_{s_a V_b}(0)`` (Xu et al. 2023, Eq. B5): the electron spin dragged
  along; it renormalizes the gyromagnetic ratio, ``gamma' = gamma (1 + eta / S)^-1``.

``S`` is the spin of the magnet in units of hbar (Xu et al. set M = 1).  With the LLG equation written
for the magnetization direction, ``dm/dt = -m x h + m x (alpha dm/dt) + m x (I/S d^2m/dt^2)`` (the
canonical form of docs/theory.md; positive alpha damps): the same tensors as in Xu et al.'s
spin-direction form ``- m x (alpha dm/dt) - m x (alpha_bar d^2m/dt^2)``.

Units: energies in t, hbar = 1; alpha and eta/S dimensionless, inertia ``I/S`` in hbar/t
(:class:`~spinertia.electrons.units.ElectronUnits` converts to seconds).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from . import linear_response as lr
from .linear_response import Device

__all__ = [
    "exchange_vertices",
    "magnet_vertices",
    "spin_operators",
    "damping_tensor",
    "inertia_tensor",
    "damping_spectrum",
    "gyromagnetic_tensor",
    "MagnetTensors",
    "magnet_tensors",
]


# ------------------------------------------------------------------------------------------------
# vertices
# ------------------------------------------------------------------------------------------------
def _magnet_sites(fsys, sites):
    J = fsys.exchange_J
    if J is None:
        raise InputError("the tight-binding system has no s-d exchange (TightBinding.set_exchange(J, texture)); "
                         "there is no magnet to compute tensors for")
    if sites is None:
        sites = np.flatnonzero(J != 0)
    sites = np.atleast_1d(np.asarray(sites, dtype=np.int64))
    if sites.size == 0:
        raise InputError("the magnet has no site with a non-zero exchange J")
    if sites.min() < 0 or sites.max() >= fsys.n_sites:
        raise InputError(f"magnet sites must lie in 0..{fsys.n_sites - 1}")
    return sites, J


def exchange_vertices(fsys, sites=None):
    """Per-site vertices ``dH/dm_{i,a} = J_i sigma_a`` on site i (all its orbitals).

    Parameters
    ----------
    fsys : FinalizedTightBinding
    sites : array of int, optional
        Default: every site with a non-zero exchange.

    Returns
    -------
    sites : (k,) int array
    V : list of k lists of 3 sparse (n_orb, n_orb) matrices (units of t)
    """
    sites, J = _magnet_sites(fsys, sites)
    return sites, [[J[i] * fsys.sigma_site(a, [i]) for a in range(3)] for i in sites]


def magnet_vertices(fsys, sites=None):
    """``V_a = sum_i J_i sigma_a(i)``: the vertex of a uniform rotation of all magnet sites (units of t)."""
    sites, J = _magnet_sites(fsys, sites)
    w = sp.diags(np.repeat(J, fsys.block).astype(complex))
    return [w @ fsys.sigma_site(a, sites) for a in range(3)]


def spin_operators(fsys, sites=None):
    """Electron spin ``s_a = sigma_a / 2`` summed over ``sites`` (default all), units of hbar."""
    return [0.5 * fsys.sigma_site(a, sites) for a in range(3)]


# ------------------------------------------------------------------------------------------------
# tensors from a device and a vertex
# ------------------------------------------------------------------------------------------------
def _spin(spin):
    s = float(spin)
    if not (math.isfinite(s) and s > 0):
        raise InputError(f"the spin S of the magnet (units of hbar) must be positive, got {spin!r}")
    return s


def damping_tensor(dev: Device, V, spin=1.0):
    """Gilbert damping tensor ``alpha_ab = gamma_ab / S`` (dimensionless; corrected Xu et al. 2023, Eq. 19).

    Parameters
    ----------
    dev : Device
        Region, leads, Fermi levels (bias allowed) and temperature.
    V : list of 3 operators
        ``dH/dm_a`` (:func:`magnet_vertices`).
    spin : float
        Spin S of the magnet (hbar).

    Returns
    -------
    (3, 3) ndarray
        The full tensor; its symmetric part is dissipative (positive semi-definite in equilibrium), its
        antisymmetric part renormalizes the precession frequency.
    """
    return lr.friction(dev, V) / _spin(spin)


def inertia_tensor(dev: Device, V, spin=1.0):
    """Inertia tensor ``I_ab / S`` (units of hbar/t; corrected Xu et al. 2023, Eq. 22), equilibrium."""
    return lr.inertia(dev, V) / _spin(spin)


def damping_spectrum(dev: Device, V, omegas, spin=1.0):
    """Frequency-dependent damping ``alpha_ab(omega) = i [chi_ab(omega) - chi_ab(0)] / (omega S)``.

    The force of the electrons on the magnet at frequency omega (exp(-i omega t)) is
    ``-chi(omega) dm(omega)``; its dynamic part is ``-S alpha(omega) dm/dt``.  Complex: the Hermitian
    part dissipates.  ``omega -> 0`` gives :func:`damping_tensor`; the slope gives the inertia,
    ``alpha(omega) ~ alpha - i omega I/S``.  Xu et al. 2023, Eq. 30 prints ``-chi(omega)`` (times their
    ``(JM)^2/4`` normalization of Eq. 19).

    Parameters
    ----------
    omegas : array of float
        Frequencies (units of t/hbar), non-zero.

    Returns
    -------
    (len(omegas), 3, 3) complex ndarray
    """
    S = _spin(spin)
    omegas = np.atleast_1d(np.asarray(omegas, dtype=float))
    if np.any(omegas == 0) or not np.all(np.isfinite(omegas)):
        raise InputError("damping_spectrum needs finite non-zero frequencies (omega = 0 is damping_tensor)")
    C = lr.OperatorPairs(V, None, dev.n)
    chi0 = lr.dynamic_response(dev, C, omega=0.0)
    return np.array([1j * (lr.dynamic_response(dev, C, omega=w) - chi0) / (w * S) for w in omegas])


def gyromagnetic_tensor(dev: Device, V, spin_ops):
    """``eta_ab = d s_a / d m_b`` (hbar; Xu et al. 2023, Eq. B5), the static response of the electron spin.

    ``gamma' = gamma (1 + eta/S)^-1`` is the renormalized gyromagnetic ratio of B5.
    """
    return lr.static_response(dev, spin_ops, V)


# ------------------------------------------------------------------------------------------------
# one call for a finalized system
# ------------------------------------------------------------------------------------------------
@dataclass
class MagnetTensors:
    """Tensors of one magnet (docs/electrons.md).  Energies in t, times in hbar/t, spin in hbar.

    Attributes
    ----------
    spin : float
        S of the magnet (hbar).
    m : (3,) array
        Direction of the magnet (mean texture direction over its sites).
    s_D : (3,) array
        Static electron spin of the magnet's sites (hbar), Xu et al. 2023, Eq. 14.
    alpha : (3, 3) array
        Gilbert tensor (dimensionless).
    inertia : (3, 3) array or None
        I/S (hbar/t); ``None`` under bias.
    eta : (3, 3) array or None
        d s_D / d m (hbar); ``None`` under bias.
    omegas, alpha_omega : arrays
        Frequencies (t/hbar) and alpha(omega) (complex, (n, 3, 3)).
    """

    spin: float
    m: np.ndarray
    s_D: np.ndarray
    alpha: np.ndarray
    inertia: np.ndarray | None = None
    eta: np.ndarray | None = None
    omegas: np.ndarray = field(default_factory=lambda: np.zeros(0))
    alpha_omega: np.ndarray = field(default_factory=lambda: np.zeros((0, 3, 3), dtype=complex))
    info: dict = field(default_factory=dict)

    @property
    def alpha_sym(self):
        """Symmetrized Gilbert tensor (Xu et al. 2023, Eq. D3)."""
        return 0.5 * (self.alpha + self.alpha.T)

    @property
    def alpha_antisym(self):
        return 0.5 * (self.alpha - self.alpha.T)

    def gyromagnetic_factor(self):
        """``(1 + eta/S)^-1`` (3 x 3): gamma' = gamma times this (Xu et al. 2023, B5)."""
        if self.eta is None:
            raise InputError("eta was not computed (bias); the gyromagnetic factor needs it")
        return np.linalg.inv(np.eye(3) + self.eta / self.spin)

    def transverse(self, T):
        """Projection ``P T P`` onto the plane perpendicular to ``m`` (the part the LLG equation sees)."""
        P = np.eye(3) - np.outer(self.m, self.m)
        return P @ np.asarray(T) @ P

    def to_dict(self, units=None):
        """Plain-Python summary (JSON), with SI values when ``units`` (ElectronUnits) is given."""
        d = {"spin_hbar": self.spin, "m": self.m.tolist(), "s_D_hbar": self.s_D.tolist(),
             "alpha": self.alpha.tolist(), "alpha_sym": self.alpha_sym.tolist(),
             "units": {"alpha": "1", "inertia": "hbar/t", "eta": "hbar", "omega": "t/hbar", "s_D": "hbar"}}
        if self.inertia is not None:
            d["inertia"] = self.inertia.tolist()
        if self.eta is not None:
            d["eta"] = self.eta.tolist()
            d["gyromagnetic_factor"] = self.gyromagnetic_factor().tolist()
        if len(self.omegas):
            d["omega"] = self.omegas.tolist()
            d["alpha_omega_re"] = self.alpha_omega.real.tolist()
            d["alpha_omega_im"] = self.alpha_omega.imag.tolist()
        if units is not None:
            d["hopping_eV"] = units.hopping_eV
            if self.inertia is not None:
                d["inertia_s"] = (self.inertia * units.time_s).tolist()
            if len(self.omegas):
                d["omega_rad_per_s"] = units.rate_to_per_s(self.omegas).tolist()
        d.update({k: v for k, v in self.info.items() if k not in d})
        return d


def magnet_tensors(fsys, mu, kT=0.0, spin=1.0, sites=None, omegas=(), t=0.0, accuracy=None, workers=None,
                   method="auto"):
    """Damping, inertia, eta and alpha(omega) of the magnet of a finalized tight-binding system.

    Parameters
    ----------
    fsys : FinalizedTightBinding
        With its exchange texture and leads attached.
    mu : float or sequence
        Fermi level(s) of the leads (units of t); a bias gives the damping only.
    kT : float
        k_B T (units of t).
    spin : float
        Spin S of the magnet (hbar).
    sites : array of int, optional
        The magnet's sites (default: every site with exchange).
    omegas : sequence of float
        Frequencies (t/hbar) for alpha(omega).
    t : float
        Time of the (gated) Hamiltonian.
    accuracy : Accuracy, optional
    workers : int, optional
        Worker processes for the energy nodes.
    method : {'auto', 'rgf', 'dense'}
        Route of the Green's functions (:meth:`~spinertia.electrons.linear_response.Device.from_system`):
        recursive (default; the traces over the magnet by layer sweeps, the Fermi-surface damping from the
        lead columns) or the dense test reference.

    Returns
    -------
    MagnetTensors
    """
    S = _spin(spin)
    dev = Device.from_system(fsys, mu=mu, kT=kT, t=t, accuracy=accuracy, workers=workers, method=method)
    msites, _ = _magnet_sites(fsys, sites)
    V = magnet_vertices(fsys, msites)
    s_ops = spin_operators(fsys, msites)
    tex = fsys.texture[msites]
    m = tex.mean(axis=0)
    m = m / max(np.linalg.norm(m), 1e-300)
    s_D = lr.expectation(dev, s_ops)
    out = MagnetTensors(spin=S, m=m, s_D=s_D, alpha=damping_tensor(dev, V, S))
    out.info = {"mu": dev.mu.tolist(), "kT": dev.kT, "n_sites_magnet": int(len(msites)), "method": dev.method,
                "texture_spread": float(np.max(np.linalg.norm(tex - m[None, :], axis=1)))}
    if dev.equilibrium:
        out.inertia = inertia_tensor(dev, V, S)
        out.eta = gyromagnetic_tensor(dev, V, s_ops)
        om = np.atleast_1d(np.asarray(omegas, dtype=float))
        if om.size:
            out.omegas = om
            out.alpha_omega = damping_spectrum(dev, V, om, S)
    elif len(np.atleast_1d(omegas)):
        raise InputError("alpha(omega) is implemented in equilibrium only (the leads have different Fermi levels)")
    return out
