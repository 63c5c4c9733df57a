"""Observables from the Green's functions: transmission, DOS, spin-resolved DOS, spin densities.

Conventions (hbar = 1, energies in units of t, spin in units of hbar):

* transmission T_{p <- q}(E) = Tr[Gamma_p G Gamma_q G^dagger] (Caroli);
* DOS(E) = -(1/pi) Im Tr G(E) (all states, bound states as delta functions; give E a small positive
  imaginary part eta to broaden them), and the scattering-state DOS (1/2 pi) sum_p Tr A_p(E),
  A_p = G Gamma_p G^dagger, which equals it on the real axis where there are no bound states;
* lesser function G^< = i sum_p f_p G Gamma_p G^dagger; the spin density of site i (Xu et al. 2023, Eq. 33)
  s_i = -(i/2) int dE/2 pi Tr_s[sigma G^<]_ii = int dE sum_p f_p Tr_s[sigma A_p]_ii / (4 pi), and the
  particle number n_i = int dE sum_p f_p Tr[A_p]_ii / (2 pi) (equilibrium part on the complex contour,
  see :mod:`spinertia.electrons.integrate`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from . import integrate as ig
from .leads import RotatedLead, SemiInfiniteLead, WideBandLead
from .rgf import RGF
from .tightbinding import PAULI

__all__ = ["transmission", "spin_transmission", "spin_spectra", "dos", "spectral_dos", "local_spin_density",
           "site_moments",
           "spectrum_bounds", "densities", "Densities", "equilibrium_blocks", "lead_band_edges"]


def _rgf(obj, t=0.0):
    return obj if isinstance(obj, RGF) else RGF(obj, t=t)


def site_moments(blocks, orbitals=1):
    """Particle number n_i = Tr rho_ii and spin s_i = Tr[sigma rho_ii]/2 from site blocks (..., B, B)."""
    sig = np.array([np.kron(np.eye(orbitals), PAULI[a]) for a in range(3)])
    n = np.real(np.trace(blocks, axis1=-2, axis2=-1))
    s = 0.5 * np.real(np.einsum("aij,...ji->...a", sig, blocks))
    return n, s


def transmission(obj, energies, p=1, q=0, t=0.0):
    """T_{p <- q}(E) for each energy (array); obj an RGF or a finalized system with leads."""
    r = _rgf(obj, t)
    return np.array([r.solve(E, leads=[q]).transmission(p, q) for E in np.atleast_1d(energies)])


def _spin_sources(leads, p, q, E):
    for k in (p, q):
        if not getattr(leads[k].lead, "spin_collinear_z", False):
            raise InputError(f"lead {k} mixes the spins along z; spin-resolved transmission needs normal leads or "
                             "leads magnetized along z")
    Wq = leads[q].lead.gamma_factor(E)
    sq = (leads[q].interface % 2)[:, None]
    return Wq.shape[1], np.hstack([np.where(sq == 0, Wq, 0), np.where(sq == 1, Wq, 0)])


def _spin_T(r, sol, p, q, r_q, E):
    leads = r.fsys.leads
    Wp = leads[p].lead.gamma_factor(E)
    sp_ = (leads[p].interface % 2)[:, None]
    out = np.zeros((2, 2))
    for so in (0, 1):
        Wps = np.where(sp_ == so, Wp, 0)
        amp = 0.0
        for m, rows, sel in r._pieces[p]:
            amp = amp + Wps[sel].conj().T @ sol._Xcols(m, q)[rows]
        for si in (0, 1):
            out[so, si] = float(np.sum(np.abs(amp[:, si * r_q:(si + 1) * r_q]) ** 2))
    return out


def spin_transmission(obj, E, p=1, q=0, t=0.0):
    """Spin-resolved transmission T[s_out, s_in] (2 x 2, spin up = 0 along z) from lead q to lead p.

    Needs leads without spin-flip terms along z (normal leads or leads magnetized along +-z): then
    Gamma = sum_s P_s Gamma P_s and T_{s s'} = ||(P_s W_p)^dagger G (P_s' W_q)||^2 (Gamma = W W^dagger)."""
    r = _rgf(obj, t)
    r_q, src = _spin_sources(r.fsys.leads, p, q, E)
    sol = r.solve(E, leads=[q], basis={q: src})
    return _spin_T(r, sol, p, q, r_q, E)


def spin_spectra(obj, E, p=1, q=0, t=0.0):
    """Spin-resolved transmission T[s_out, s_in] (2 x 2) and DOS per spin along z (2,) in one sweep."""
    r = _rgf(obj, t)
    r_q, src = _spin_sources(r.fsys.leads, p, q, E)
    sol = r.solve(E, leads=[q], basis={q: src}, diagonal=True)
    T = _spin_T(r, sol, p, q, r_q, E)
    d = -np.imag(np.diagonal(sol.green_site_blocks(), axis1=1, axis2=2)) / np.pi
    return T, d.reshape(len(d), -1, 2).sum(1).sum(0)


def dos(obj, E, spin=False, per_site=False, t=0.0):
    """-(1/pi) Im Tr G(E): total (float), per spin along z (2,), per site (n_sites,) or (n_sites, 2)."""
    r = _rgf(obj, t)
    blocks = r.solve(E, leads=None).green_site_blocks()
    B = blocks.shape[-1]
    diag = -np.imag(np.diagonal(blocks, axis1=1, axis2=2)) / np.pi  # (n_sites, B), orbital-major, spin-minor
    if spin:
        d = diag.reshape(len(diag), B // 2, 2).sum(1)
    else:
        d = diag.sum(1)
    return d if per_site else d.sum(0)


def spectral_dos(obj, E, spin=False, per_site=False, t=0.0):
    """Scattering-state DOS (1/2 pi) sum_p Tr A_p(E): same shapes as :func:`dos`."""
    r = _rgf(obj, t)
    sol = r.solve(E)
    A = sum(sol.spectral_site_blocks(p) for p in range(r.n_leads))
    B = A.shape[-1]
    diag = np.real(np.diagonal(A, axis1=1, axis2=2)) / (2 * np.pi)
    d = diag.reshape(len(diag), B // 2, 2).sum(1) if spin else diag.sum(1)
    return d if per_site else d.sum(0)


def local_spin_density(obj, E, occupations=None, t=0.0):
    """Energy-resolved spin density per site: (1/4 pi) Tr_s[sigma A_p(E)]_ii.

    Returns (n_leads, n_sites, 3) (one lead's scattering states each), or with ``occupations`` f_p the
    sum (n_sites, 3) (the integrand of Xu et al. 2023, Eq. 33 at energy E)."""
    r = _rgf(obj, t)
    sol = r.solve(E)
    o = r.fsys.orbitals
    per = np.array([site_moments(sol.spectral_site_blocks(p), o)[1] for p in range(r.n_leads)]) / (2 * np.pi)
    if occupations is None:
        return per
    f = np.broadcast_to(np.asarray(occupations, dtype=float), (r.n_leads,))
    return np.tensordot(f, per, axes=(0, 0))


# ---------------------------------------------------------------------------------------------------
# spectrum bounds and integrated densities
# ---------------------------------------------------------------------------------------------------
def lead_band_edges(lead):
    """Sorted band edges (subband thresholds) of a semi-infinite lead (() for a wide-band lead)."""
    base = lead.base if isinstance(lead, RotatedLead) else lead
    if isinstance(base, SemiInfiniteLead):
        return tuple(base.band_edges())
    return ()


def spectrum_bounds(fsys, t=0.0, margin=0.5):
    """(e_min, e_max, unbounded): bounds of the spectrum of the region (Gershgorin) and of its
    semi-infinite leads; unbounded is True when a wide-band lead gives Lorentzian tails."""
    H = fsys.hamiltonian(t).tocsr()
    d = np.real(H.diagonal())
    absrow = np.asarray(abs(H).sum(axis=1)).ravel() - np.abs(H.diagonal())
    lo, hi = float((d - absrow).min()), float((d + absrow).max())
    unbounded = False
    for al in fsys.leads:
        base = al.lead.base if isinstance(al.lead, RotatedLead) else al.lead
        if isinstance(base, SemiInfiniteLead):
            ev = np.linalg.eigvalsh(base.h0)
            h = 2 * np.linalg.norm(base.h1, 2)
            lo, hi = min(lo, ev.min() - h), max(hi, ev.max() + h)
        elif isinstance(base, WideBandLead):
            unbounded = True
        else:
            raise InputError(f"unknown lead type {type(base).__name__}")
    return lo - margin, hi + margin, unbounded


def equilibrium_blocks(obj, mu, kT=0.0, t=0.0, n=48, tol=1e-10, max_n=4096):
    """Site-diagonal blocks of the equilibrium density matrix rho (n_sites, B, B) and the rule size.

    kT = 0: adaptive semicircle (or the line mu + i y with wide-band leads), n doubled until two rules
    agree to tol; kT > 0: Ozaki poles (plus the real-axis tail correction with wide-band leads)."""
    r = _rgf(obj, t)
    mu, kT = ig._mu(mu), ig._kT(kT)
    lo, hi, unbounded = spectrum_bounds(r.fsys, t)
    if not unbounded and not lo < mu:
        raise InputError(f"mu = {mu} lies below the whole spectrum (bottom {lo})")
    B = r.fsys.block
    eye = np.broadcast_to(np.eye(B), (r.fsys.n_sites, B, B))

    def blocks(z):
        return r.solve(z, leads=None).green_site_blocks()

    if kT > 0:
        c0, z, c = ig.equilibrium_rule(mu, kT, lo, hi, tol=min(tol, 1e-12))
        rho = ig.contour_sum(c0, z, c, blocks, eye)
        if not unbounded:
            return rho, len(z)

        def spectral(E):
            G = blocks(E)
            return 1j * (G - np.conj(np.swapaxes(G, -1, -2)))

        prev, m = None, 64
        while True:
            Et, Wt = ig.fermi_tail_rule(mu, kT, len(z), lo, hi, m)
            tail = np.tensordot(Wt, np.array([spectral(E) for E in Et]), axes=(0, 0)) / (2 * np.pi)
            if prev is not None and np.abs(tail - prev).max() <= tol:
                return rho + tail, len(z) + 2 * m
            if 2 * m > max_n:
                raise InputError("the wide-band tail correction did not converge; raise tol")
            prev, m = tail, 2 * m
    scale = max(1.0, hi - mu, mu - lo)
    prev = None
    while True:
        if unbounded:
            c0, z, c = ig.imaginary_axis_rule(mu, n, scale)
        else:
            c0, z, c = ig.equilibrium_rule(mu, 0.0, lo, hi, n=n)
        cur = ig.contour_sum(c0, z, c, blocks, eye)
        if prev is not None and np.abs(cur - prev).max() <= tol:
            return cur, n
        if 2 * n > max_n:
            raise InputError(f"the zero-temperature contour did not converge with {n} nodes (change "
                             f"{np.abs(cur - prev).max():.2e}); mu may sit on a bound state or a very sharp "
                             "resonance: move mu slightly or use kT > 0")
        prev = cur
        n *= 2


class _WindowIntegrand:
    """Picklable integrand sum_p (f_p - f_ref)(E) A_p(E) / 2 pi (site blocks) for the bias window."""

    def __init__(self, fsys, t, leads, mus, mu_ref, kT):
        self.fsys, self.t, self.leads, self.mus, self.mu_ref, self.kT = fsys, t, leads, mus, mu_ref, kT
        self._rgf = None

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_rgf"] = None
        return d

    def __call__(self, E):
        if self._rgf is None:
            self._rgf = RGF(self.fsys, t=self.t)
        sol = self._rgf.solve(E, leads=self.leads)
        f_ref = ig.fermi(E, self.mu_ref, self.kT)
        acc = 0.0
        for p in self.leads:
            w = ig.fermi(E, self.mus[p], self.kT) - f_ref
            if w != 0:
                acc = acc + w * sol.spectral_site_blocks(p)
        if np.isscalar(acc):
            B = self.fsys.block
            return np.zeros((self.fsys.n_sites, B, B), dtype=complex)
        return acc / (2 * np.pi)


@dataclass
class Densities:
    """Integrated densities per site: particle number ``n`` (n_sites,), spin ``s`` (n_sites, 3) in hbar,
    the density-matrix site blocks ``blocks`` (n_sites, B, B) and integration details ``info``."""

    n: np.ndarray
    s: np.ndarray
    blocks: np.ndarray
    info: dict = field(default_factory=dict)


def densities(obj, mu, kT=0.0, t=0.0, tol=1e-10, n_contour=48, n_window=32, workers=None):
    """Equilibrium + non-equilibrium particle and spin densities per site (Xu et al. 2023, Eq. 33).

    Parameters
    ----------
    obj : RGF or FinalizedTightBinding (with leads)
    mu : float or sequence of float
        Fermi level of every lead (one number: equilibrium), units of t.  Required.
    kT : float
        Temperature (units of t); 0 is exact (zero-temperature contour, window ends as break points).
    tol : float
        Target accuracy of the contour and of the real-axis window integral.
    workers : int, optional
        Processes for the real-axis window integral.

    Returns
    -------
    Densities
    """
    r = _rgf(obj, t)
    fs = r.fsys
    if mu is None:
        ig._mu(None)
    if not fs.leads:
        mus = np.array([ig._mu(mu)]) if np.ndim(mu) == 0 else None
        if mus is None:
            raise InputError("a closed system (no leads) has a single Fermi level; pass one number")
    else:
        mus = np.array([ig._mu(x, "lead Fermi level") for x in np.broadcast_to(np.atleast_1d(mu), (len(fs.leads),))]) \
            if np.ndim(mu) == 0 or len(np.atleast_1d(mu)) in (1, len(fs.leads)) else None
        if mus is None:
            raise InputError(f"mu must be one number or one per lead ({len(fs.leads)}), got {mu!r}")
    kT = ig._kT(kT)
    ref, a, b, brk = ig.bias_window(mus, kT)
    rho, n_used = equilibrium_blocks(r, ref, kT, t=t, n=n_contour, tol=tol)
    info = {"mu_ref": ref, "contour_nodes": n_used, "kT": kT}
    noneq = [p for p in range(len(mus)) if mus[p] != ref]
    if noneq:
        fn = _WindowIntegrand(fs, t, noneq, mus, ref, kT)
        extra = tuple(lead_band_edges(al.lead) for al in fs.leads)
        brk = tuple(brk) + tuple(e for edges in extra for e in edges if a < e < b)
        win, err, n_w = ig.integrate_real(fn, a, b, brk, n=n_window, tol=tol, workers=workers)
        rho = rho + 0.5 * (win + np.conj(np.swapaxes(win, -1, -2)))
        info.update({"window": (a, b), "window_nodes_per_panel": n_w, "window_error": err})
    n, s = site_moments(rho, fs.orbitals)
    return Densities(n=n, s=s, blocks=rho, info=info)
