"""Frozen Green's functions of an open tight-binding device and the linear-response kernels built on them.

A :class:`Device` is the Hamiltonian ``H`` of the scattering region (``n`` spinful orbitals, orbital index
``2*(site*orbitals + orb) + spin``) with leads, each an object with

* ``interface`` -- the device orbitals the lead couples to (integer array), and
* ``self_energy(E)`` -- the retarded self-energy on those orbitals at a (complex, ``Im E >= 0``) energy,

and one chemical potential per lead and a temperature (energies in units of t, hbar = 1).  Nothing else
is assumed about the leads: wide-band and semi-infinite leads of :mod:`spinertia.electrons.leads`
qualify, and so does any object with these two members.

Conventions (Xu et al. 2023, Eqs. 11, A1): ``G(z) = [z - H - Sigma(z)]^-1``,
``Gamma_p = i (Sigma_p - Sigma_p^dagger)``, ``G^< = G^r (sum_p i f_p Gamma_p) G^a``; the spectral function
``A = i (G^r - G^a) = G^r Gamma G^a``.  In the lower half plane (only the circle of the finite-T Fermi-sea
rule goes there) ``G`` is the function analytic outside a disc: the physical sheet
``Sigma(z) = Sigma(conj z)^dagger`` for leads of finite band width, the constant ``-i Gamma/2`` for
wide-band leads.

The kernels return the response of ``<A_a>`` to a static or dynamic perturbation ``B_b dm_b``
(derivations in docs/electrons.md, "Linear response"):

* :func:`expectation` -- ``<A> = -i int dE/2pi Tr[A G^<]`` (e.g. the spin density, Xu et al. 2023,
  Eq. 11), with bias;
* :func:`static_response` -- ``chi_ab(0) = -(1/pi) Im int dE f Tr[A_a G B_b G]`` (equilibrium; the
  exchange of Bhattacharjee et al. 2012, Eq. 12);
* :func:`friction` -- ``gamma_ab = i d chi_ab/d omega |_0 = 2 Re int dE/2pi Tr[G^< A_a dG/dE B_b]``, the
  corrected Xu et al. 2023, Eq. 19, with bias;
* :func:`inertia` -- ``I_ab = -(1/2) d^2 Re chi_ab/d omega^2 |_0`` (corrected Xu et al. 2023, Eq. 22);
* :func:`dynamic_response` -- ``chi_ab(omega)`` (Xu et al. 2023, Eq. 30 is ``-chi``).

Each kernel is written once in terms of Green's-function factors at one energy
(:mod:`spinertia.electrons.propagators`); the device supplies them by the recursive Green's function
(``method="rgf"``, the default of :meth:`Device.from_system`: layer blocks, lead columns and energy
derivatives as Taylor jets, never a matrix of the size of the region) or, as the test reference, by a dense
inverse of the whole region (``method="dense"``, and the only route of a device given as plain matrices).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .energy_rules import Rule, sea_rule, surface_rule, window_rule
from .propagators import DensePropagator, LayeredPropagator, OperatorList, operator_pairs_layered

__all__ = [
    "Device",
    "Accuracy",
    "OperatorPairs",
    "expectation",
    "static_response",
    "friction",
    "inertia",
    "dynamic_response",
    "lead_currents",
    "METHODS",
]

#: routes of the Green's functions: recursive (layer blocks), dense reference, or the recursive one when the
#: system allows it
METHODS = ("auto", "rgf", "dense")


# ------------------------------------------------------------------------------------------------
# device
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Accuracy:
    """Quadrature settings shared by the kernels (see :mod:`spinertia.electrons.energy_rules`).

    ``sea_step`` and ``sea_decades`` set the T = 0 contour; ``window_points`` the Gauss-Legendre nodes
    per bias window at T = 0; ``thermal_step`` the step (in units of kT) of the thermal Fermi-surface and
    window rules; ``fd_step`` the
    energy step (units of t) of the finite differences that give ``dSigma/dE`` of energy-dependent
    leads (exactly zero for wide-band leads).
    """

    sea_step: float = 0.25
    sea_decades: float = 9.0
    window_points: int = 24
    thermal_step: float = 0.5
    fd_step: float = 1e-3


def _as_hermitian(H, name="H"):
    """Hermitian part of a square matrix after checking it is Hermitian; sparse input stays sparse (CSR)."""
    sparse = sp.issparse(H)
    H = sp.csr_matrix(H, dtype=complex) if sparse else np.asarray(H)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise InputError(f"{name} must be a square matrix, got shape {H.shape}")
    if not sparse:
        H = H.astype(complex)
    vals = H.data if sparse else H
    if not np.all(np.isfinite(vals)):
        raise InputError(f"{name} has non-finite entries")
    diff = abs(H - H.conj().T)
    dev = (diff.max() if sparse else np.max(diff)) if H.shape[0] else 0.0
    scale = max(1.0, np.max(np.abs(vals)) if vals.size else 1.0)
    if dev > 1e-10 * scale:
        raise InputError(f"{name} is not Hermitian: max |H - H^dagger| = {dev:.3g} (units of t); check the "
                         f"hoppings (each bond needs its Hermitian conjugate) and the spin-orbit terms")
    H = 0.5 * (H + H.conj().T)
    return H.tocsr() if sparse else H


class Device:
    """Scattering region with leads, chemical potentials and temperature.

    Parameters
    ----------
    H : (n, n) array or sparse matrix
        Hermitian Hamiltonian of the scattering region (units of t).
    leads : sequence
        Objects with ``interface`` (device orbital indices) and ``self_energy(E)`` (retarded, on those
        orbitals).
    mu : float or sequence of float
        Chemical potential of each lead (units of t); one number for all leads.  Required.
    kT : float
        k_B T in units of t (>= 0).
    accuracy : Accuracy, optional
    radius : float, optional
        Radius about the Fermi level beyond which ``G`` has no singularity (needed by the finite-T
        Fermi-sea rule); estimated by :meth:`singularity_radius` when omitted.
    workers : int, optional
        Worker processes for the energy nodes (one BLAS thread each); worth it for regions of a few
        hundred orbitals and more.
    method : {'dense', 'auto'}
        A device given as matrices has no layer structure: its Green's functions are dense inverses of the
        whole region (``method='rgf'``, the recursive route, needs :meth:`from_system`).

    Attributes
    ----------
    method : str
        The route of the Green's functions, 'rgf' or 'dense'.
    """

    def __init__(self, H, leads=(), mu=None, kT=0.0, accuracy=None, radius=None, workers=None, method="dense"):
        self._Hin = _as_hermitian(H)
        self._Hdense = None
        self.fsys, self.t, self._rgf, self._version = None, 0.0, None, None
        self.method = _route(method, None)
        self.workers = None if workers is None else int(workers)
        self.n = self._Hin.shape[0]
        self.leads = list(leads)
        if mu is None:
            raise InputError("missing Fermi level: give mu (one chemical potential per lead, or one for all; "
                             "units of t)")
        mu = np.atleast_1d(np.asarray(mu, dtype=float))
        n_leads = max(1, len(self.leads))
        if mu.shape == (1,):
            mu = np.repeat(mu, n_leads)
        if mu.shape != (n_leads,) or not np.all(np.isfinite(mu)):
            raise InputError(f"mu must be one finite number or one per lead ({n_leads}), got {mu.tolist()}")
        self.mu = mu
        kT = float(kT)
        if not (math.isfinite(kT) and kT >= 0):
            raise InputError(f"kT must be a finite number >= 0 (units of t), got {kT}")
        self.kT = kT
        self.accuracy = accuracy or Accuracy()
        self._interfaces = []
        for p, lead in enumerate(self.leads):
            if not hasattr(lead, "interface") or not hasattr(getattr(lead, "lead", lead), "self_energy"):
                raise InputError(f"lead {p} must have 'interface' and 'self_energy(E)' (an AttachedLead of "
                                 f"spinertia.electrons.leads), got {type(lead).__name__}")
            idx = np.asarray(lead.interface, dtype=int).ravel()
            if idx.size == 0 or idx.min() < 0 or idx.max() >= self.n or len(np.unique(idx)) != idx.size:
                raise InputError(f"lead {p}: interface indices must be distinct device orbitals in [0, {self.n}), "
                                 f"got {idx.size} indices in [{idx.min() if idx.size else '-'}, "
                                 f"{idx.max() if idx.size else '-'}]; the lead does not match the scattering "
                                 f"region")
            self._interfaces.append(idx)
        self._constant = [_energy_independent(lead) for lead in self.leads]
        self._radius = None if radius is None else float(radius)

    @classmethod
    def from_system(cls, fsys, mu, kT=0.0, t=0.0, accuracy=None, workers=None, method="auto"):
        """The device of a :class:`~spinertia.electrons.tightbinding.FinalizedTightBinding` with its leads.

        The singularity radius comes from the Gershgorin bounds of ``H`` and the lead bands
        (:func:`spinertia.electrons.observables.spectrum_bounds`) plus the wide-band broadenings.

        Parameters
        ----------
        method : {'auto', 'rgf', 'dense'}
            'rgf': recursive Green's functions along x (layer blocks, lead columns; cost O(N_layers n^3)
            per energy for n orbitals per layer); 'dense': inverse of the whole region per energy (test
            reference, O(n_orb^3)); 'auto' (default): 'rgf' unless the system cannot be cut into layers
            (a periodic transport direction), then 'dense'.  The system must not change (``set_texture``)
            while the device is in use.
        """
        from .leads import WideBandLead
        from .observables import spectrum_bounds

        dev = cls(fsys.hamiltonian(t), fsys.leads, mu=mu, kT=kT, accuracy=accuracy, workers=workers)
        dev.method = _route(method, fsys)
        dev.fsys, dev.t, dev._version = fsys, float(t), fsys.version
        lo, hi = spectrum_bounds(fsys, t)[:2]
        wide = 0.0
        for al in fsys.leads:
            base = getattr(al.lead, "base", al.lead)
            if isinstance(base, WideBandLead):
                wide += 0.5 * float(np.linalg.norm(base.gamma_matrix(), 2))
        dev._radius = max(abs(lo - dev.mu0), abs(hi - dev.mu0)) + wide + 0.5
        return dev

    # -- matrices and routes ---------------------------------------------------------------------
    @property
    def H(self):
        """Dense Hamiltonian of the region (n x n, units of t; built on first use: dense route and tests)."""
        if self._Hdense is None:
            self._Hdense = self._Hin.toarray() if sp.issparse(self._Hin) else self._Hin
        return self._Hdense

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_rgf"] = None
        d["_Hdense"] = None
        return d

    @property
    def rgf(self):
        """The recursive solver of the system (built on first use)."""
        if self.fsys is None:
            raise InputError("the recursive Green's function needs the layered system: build the device with "
                             "Device.from_system(fsys, ...)")
        if self.fsys.version != self._version:
            raise InputError("the tight-binding system changed (set_texture, set_exchange or attach_lead) after the "
                             "Device was built; build a new Device for the new system")
        if self._rgf is None:
            from .rgf import RGF

            self._rgf = RGF(self.fsys, t=self.t)
        return self._rgf

    def propagator(self, z, order=0, extra=None):
        """Green's functions at energy ``z`` with energy derivatives up to ``order`` (0, 1, 2), by the route
        of the device (:mod:`spinertia.electrons.propagators`); ``extra`` is added to H."""
        cls = LayeredPropagator if self.method == "rgf" else DensePropagator
        return cls(self, z, order, extra)

    # -- reference chemical potential ----------------------------------------------------------
    @property
    def mu0(self) -> float:
        """Reference chemical potential: the mean of the lead chemical potentials."""
        return float(np.mean(self.mu))

    @property
    def equilibrium(self) -> bool:
        return bool(np.all(self.mu == self.mu[0]))

    def with_leads(self, leads, mu):
        """The same region with other leads (e.g. spin-shifted leads of a rotating frame); dense route."""
        return Device(self._Hin, leads, mu=mu, kT=self.kT, accuracy=self.accuracy, radius=self._radius,
                      workers=self.workers)

    # -- self-energies ---------------------------------------------------------------------------
    def _lead_sigma(self, p, z):
        lead = getattr(self.leads[p], "lead", self.leads[p])
        idx = self._interfaces[p]
        if np.imag(z) < 0:
            if self._constant[p]:  # wide band: the continuation of -i Gamma/2 is the constant itself
                s = np.asarray(lead.self_energy(1j), dtype=complex)
            else:  # finite band: physical sheet, analytic across the real axis outside the band
                s = np.asarray(lead.self_energy(np.conj(z)), dtype=complex).conj().T
        else:
            s = np.asarray(lead.self_energy(z), dtype=complex)
        if s.shape != (idx.size, idx.size):
            raise InputError(f"lead {p}: self_energy returned shape {s.shape}, expected {(idx.size, idx.size)} "
                             f"(one row per interface orbital); the lead does not match the scattering region")
        return s

    def lead_sigmas(self, z, order=0):
        """Per lead: ``[Sigma_p, dSigma_p/dE, d2Sigma_p/dE2][:order + 1]`` at ``z``.

        Derivatives by a five-point stencil of step ``accuracy.fd_step`` along the real direction
        (error O(h^4)); exactly zero for energy-independent (wide-band) leads.
        """
        out = []
        h = self.accuracy.fd_step
        for p in range(len(self.leads)):
            s0 = self._lead_sigma(p, z)
            if order == 0:
                out.append([s0])
                continue
            sp1, sm1 = self._lead_sigma(p, z + h), self._lead_sigma(p, z - h)
            sp2, sm2 = self._lead_sigma(p, z + 2 * h), self._lead_sigma(p, z - 2 * h)
            d1 = (-sp2 + 8 * sp1 - 8 * sm1 + sm2) / (12 * h)
            parts = [s0, d1]
            if order >= 2:
                parts.append((-sp2 + 16 * sp1 - 30 * s0 + 16 * sm1 - sm2) / (12 * h * h))
            out.append(parts)
        return out

    def _embed(self, blocks):
        M = np.zeros((self.n, self.n), dtype=complex)
        for idx, b in zip(self._interfaces, blocks):
            M[np.ix_(idx, idx)] += b
        return M

    def embed_sparse(self, p, block):
        """A matrix on lead p's interface orbitals as a sparse (n, n) CSR matrix."""
        idx = self._interfaces[p]
        b = np.asarray(block, dtype=complex)
        rr, cc = np.meshgrid(idx, idx, indexing="ij")
        return sp.csr_matrix((b.ravel(), (rr.ravel(), cc.ravel())), shape=(self.n, self.n))

    def gammas(self, E):
        """Per lead: ``(interface, Gamma_p(E))`` with ``Gamma_p = i (Sigma_p - Sigma_p^dagger)``."""
        return [(idx, 1j * (s[0] - s[0].conj().T)) for idx, s in zip(self._interfaces, self.lead_sigmas(E))]

    # -- Green's functions -----------------------------------------------------------------------
    def green(self, z, order=0, extra=None):
        """Dense ``G(z)`` of the whole region (the reference route) and, for ``order`` 1 or 2,
        ``dG/dz = -G (1 - Sigma') G`` and ``d2G/dz2 = 2 G D G D G + G Sigma'' G`` (``D = 1 - Sigma'``) as a
        list; ``extra`` (dense or sparse) is added to H."""
        sig = self.lead_sigmas(z, order)
        M = z * np.eye(self.n) - self.H - self._embed([s[0] for s in sig])
        if extra is not None:
            M = M - (extra.toarray() if sp.issparse(extra) else np.asarray(extra))
        try:
            G = np.linalg.inv(M)
        except np.linalg.LinAlgError:
            raise InputError(f"z - H - Sigma is singular at E = {z}: an eigenvalue of a closed region sits on "
                             f"the integration contour; move the Fermi level off the level") from None
        if order == 0:
            return G
        D = np.eye(self.n) - self._embed([s[1] for s in sig])
        dG = -G @ D @ G
        if order == 1:
            return [G, dG]
        d2G = -2 * dG @ D @ G + G @ self._embed([s[2] for s in sig]) @ G
        return [G, dG, d2G]

    def singularity_radius(self):
        """Radius about ``mu0`` outside of which ``G(z)`` is analytic (for the finite-T sea rule).

        Probed, not assumed: the Laurent coefficients of ``Tr G`` on a trial circle must decay
        geometrically; the circle is doubled until they do.  Cached.
        """
        if self._radius is not None:
            return self._radius
        norm_H = self._row_norm()
        rho = 1.2 * norm_H + 1.0
        M = 256
        theta = 2 * math.pi * (np.arange(M) + 0.5) / M
        for _ in range(12):
            z = self.mu0 + rho * np.exp(1j * theta)
            tr = np.array([np.trace(self.green(zz)) for zz in z])
            # |c_k| rho^-k of Tr G = sum_k c_k (z - mu)^-k sit at index k of the inverse DFT; positive
            # powers (singularities outside the circle) would show up at indices M - k
            a = np.abs(np.fft.ifft(tr))
            if np.max(a[M // 2: 7 * M // 8]) < 1e-9 * np.max(a):
                k1, k2 = 8, 64
                ratio = (max(a[k2], 1e-300) / max(a[k1], 1e-300)) ** (1.0 / (k2 - k1))
                self._radius = max(1.1 * ratio * rho, 1e-3 * rho)
                return self._radius
            rho *= 2
        raise InputError("could not bound the spectrum of the device (Green's function singular far from the "
                         "Fermi level); pass radius= explicitly")

    # -- quadrature rules --------------------------------------------------------------------------
    def sea(self, mu=None, shift=0.0):
        """Fermi-sea rule at ``mu`` (default ``mu0``); ``shift`` widens the singularity radius (omega)."""
        mu = self.mu0 if mu is None else mu
        acc = self.accuracy
        radius = (self.singularity_radius() if self.kT > 0 else self._scale()) + abs(shift)
        return sea_rule(mu, self.kT, radius, step=acc.sea_step, decades=acc.sea_decades)

    def _scale(self):
        if self._radius is not None:
            return self._radius
        return float(max(1.0, self._row_norm()))

    def _row_norm(self):
        """max_i sum_j |H_ij| (units of t)."""
        if not self.n:
            return 1.0
        return float(np.max(np.asarray(abs(self._Hin).sum(axis=1)).ravel()))

    def surface(self, mu=None):
        return surface_rule(self.mu0 if mu is None else mu, self.kT, step=self.accuracy.thermal_step)

    def window(self, mu1, mu0=None):
        return window_rule(self.mu0 if mu0 is None else mu0, mu1, self.kT, points=self.accuracy.window_points,
                           step=self.accuracy.thermal_step)


def _route(method, fsys):
    """'rgf' or 'dense' for a requested method and an optional finalized system."""
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if fsys is None:
        if method == "rgf":
            raise InputError("method='rgf' needs the layered system: build the device with Device.from_system(fsys, "
                             "...); a device given as matrices uses dense inverses")
        return "dense"
    if method == "dense":
        return "dense"
    if fsys.rgf_problem:
        if method == "rgf":
            raise InputError(fsys.rgf_problem)
        return "dense"
    return "rgf"


def _energy_independent(lead):
    """True for wide-band leads (also rotated ones), whose Sigma is one constant in the whole plane."""
    from .leads import WideBandLead

    base = getattr(lead, "lead", lead)
    base = getattr(base, "base", base)
    return isinstance(base, WideBandLead) or bool(getattr(base, "energy_independent", False))


# ------------------------------------------------------------------------------------------------
# operators and traces
# ------------------------------------------------------------------------------------------------
class OperatorPairs:
    """Contraction ``C(X, Y)_ab = Tr[A_a X B_b Y]`` for two lists of Hermitian operators (sparse or dense).

    Every kernel is written with such a contraction, so the same formulas serve a few global operators
    (a macrospin) and the site-resolved vertices of :class:`spinertia.electrons.nonlocal_tensors.SitePairs`.
    Called with two dense matrices (dense route) or, through :meth:`layered`, with the layered views of
    the recursive route (:func:`spinertia.electrons.propagators.operator_pairs_layered`; the operators must
    then be block diagonal in the layers, as site-local operators are).
    """

    def __init__(self, A, B, n):
        self.A = OperatorList(A, n, "A")
        self.B = self.A if B is None else OperatorList(B, n, "B")
        #: C(Y, X) = C(X, Y)^T when both lists are the same (cyclic trace)
        self.swappable = self.B is self.A
        self._hermitian = None

    @property
    def hermitian(self):
        """True when every operator is Hermitian: then conj C(X, Y) = C(Y^dagger, X^dagger) (the recursive route
        uses it to reuse traces)."""
        if self._hermitian is None:
            ops = list(self.A) + ([] if self.B is self.A else list(self.B))
            self._hermitian = all(abs(O - O.conj().T).max() <= 1e-14 * max(abs(O).max(), 1e-300) for O in ops)
        return self._hermitian

    def __call__(self, X, Y):
        AX = np.stack([Aa @ X for Aa in self.A])
        BY = AX if (self.B is self.A and Y is X) else np.stack([Bb @ Y for Bb in self.B])
        return np.einsum("aij,bji->ab", AX, BY, optimize=True)

    def layered(self, X, Y):
        return operator_pairs_layered(self.A, self.B, X, Y, X.fsys)

    @staticmethod
    def swap(C):
        """C(Y, X) from C(X, Y) (same operator lists): the transpose."""
        return C.T


def _contraction(dev, A, B):
    """A contraction object (anything with ``__call__(X, Y)``) or operator lists -> contraction."""
    if B is None and callable(A) and not sp.issparse(A) and not isinstance(A, (list, tuple, np.ndarray)):
        return A
    return OperatorPairs(A, B, dev.n)


def _integrate(dev: Device, rule: Rule, fn, *args):
    """sum_k w_k fn(z_k, dev, *args) for an array-valued module-level integrand ``fn``.

    With ``dev.workers > 1`` the nodes are mapped over worker processes (spawned, one BLAS thread each;
    :func:`spinertia.electrons.integrate.map_energies`), otherwise evaluated here.
    """
    if len(rule) == 0:
        return 0.0
    if dev.workers and dev.workers > 1 and len(rule) >= 4 * dev.workers:
        from .integrate import map_energies

        vals = map_energies(partial(fn, dev=dev, args=args), list(rule.nodes), workers=dev.workers)
        return np.tensordot(rule.weights, vals, axes=(0, 0))
    total = None
    for z, w in zip(rule.nodes, rule.weights):
        v = w * fn(z, dev=dev, args=args)
        total = v if total is None else total + v
    return total


def _window_parts(dev: Device):
    """(lead index, window rule) for every lead whose chemical potential differs from mu0."""
    return [(p, dev.window(float(mu))) for p, mu in enumerate(dev.mu) if mu != dev.mu0]


def _require_equilibrium(dev, what):
    if not dev.equilibrium:
        raise InputError(f"{what} is implemented in equilibrium only; the leads have chemical potentials "
                         f"{dev.mu.tolist()}")


# ------------------------------------------------------------------------------------------------
# integrands (module level, picklable for worker processes); args is a tuple.  One integrand per
# formula: ``dev.propagator`` gives the Green's-function factors by the route of the device.
# ------------------------------------------------------------------------------------------------
def _expectation_sea(z, dev, args):
    ops, trA, lam = args
    g = dev.propagator(z)
    return g.trace(ops, g.G()) - trA / (z - dev.mu0 + 1j * lam)


def _expectation_window(E, dev, args):
    ops, p = args
    g = dev.propagator(E)
    return g.trace(ops, g.lead(p))  # Tr[A X_p], X_p = G Gamma_p G^dagger


def _static_sea(z, dev, args):
    (C,) = args
    g = dev.propagator(z)
    return g.pair(C, g.G(), g.G())


def _friction_surface(E, dev, args):
    (C,) = args
    g = dev.propagator(E)
    A = g.spectral()
    ReG = [(0.5, g.G()), (0.5, g.G(adj=True))]
    return 0.25 * g.pair(C, A, A).real / math.pi + np.imag(g.pair(C, A, ReG)) / (2 * math.pi)


def _friction_sea(z, dev, args):
    (C,) = args
    g = dev.propagator(z, 1)
    return g.pair(C, g.G(1), g.G()) - g.pair(C, g.G(), g.G(1))


def _friction_window(E, dev, args):
    C, p = args
    g = dev.propagator(E, 1)
    return g.pair(C, g.G(1), g.lead(p))  # Tr[X_p A_a G' B_b]


def _inertia_sea(z, dev, args):
    (C,) = args
    g = dev.propagator(z, 2)
    return g.pair(C, g.G(2), g.G())


def _inertia_surface(E, dev, args):
    (C,) = args
    g = dev.propagator(E, 1)
    return np.imag(g.pair(C, g.G(1), g.G(adj=True)))


def _dynamic_sea(z, dev, args):
    C, w = args
    g = dev.propagator(z)
    gw = g if w == 0 else dev.propagator(z + w)
    return g.pair(C, gw.G(), g.G())


def _dynamic_window(E, dev, args):
    C, w = args
    g = dev.propagator(E)
    return g.pair(C, dev.propagator(E + w).G(), g.G(adj=True))


def _currents_sea(z, dev, args):
    """Per lead p: Tr[[O, Sigma_p] G] = Tr[O [Sigma_p, G]] (equilibrium part of the current)."""
    (ops,) = args
    g = dev.propagator(z)
    rows = []
    for p, s in enumerate(dev.lead_sigmas(z)):
        S = dev.embed_sparse(p, s[0])
        rows.append(g.trace([O @ S - S @ O for O in ops], g.G()))
    return np.array(rows)


def _currents_window(E, dev, args):
    """Per lead p, the bias part of Tr[O (G Sigma^<_p + G^< Sigma^a_p - Sigma^<_p G^a - Sigma_p G^<)] for a
    unit occupation difference of lead q: Sigma^<_q = i Gamma_q, G^< = i X_q."""
    ops, q = args
    g = dev.propagator(E)
    Xq = g.lead(q)
    rows = []
    for p, s in enumerate(dev.lead_sigmas(E)):
        S = dev.embed_sparse(p, s[0])
        Sd = dev.embed_sparse(p, s[0].conj().T)
        val = 1j * g.trace([Sd @ O for O in ops], Xq) - 1j * g.trace([O @ S for O in ops], Xq)
        if p == q:
            Sl = dev.embed_sparse(p, -(s[0] - s[0].conj().T))  # Sigma^<_q = i Gamma_q = -(Sigma - Sigma^dagger)
            val = val + g.trace([Sl @ O for O in ops], g.G()) - g.trace([O @ Sl for O in ops], g.G(adj=True))
        rows.append(val)
    return np.array(rows)


# ------------------------------------------------------------------------------------------------
# kernels
# ------------------------------------------------------------------------------------------------
def expectation(dev: Device, A):
    """``<A_a> = -i int dE/2pi Tr[A_a G^<]`` for Hermitian operators ``A_a`` (Xu et al. 2023, Eq. 11).

    Equilibrium part at ``mu0`` on the Fermi-sea contour (``-(1/pi) Im int f Tr[A G]``, with the
    ``Tr[A]/z`` tail integrated exactly: ``-(1/pi) Im int f/(E - mu + i lambda) = 1/2``), plus
    ``(1/2pi) int (f_p - f_0) Tr[A G Gamma_p G^dagger] dE`` over each bias window.

    Returns
    -------
    ndarray, shape (len(A),)
    """
    A = OperatorList(A, dev.n, "A")
    trA = np.array([A_a.diagonal().sum() for A_a in A])
    out = -np.imag(_integrate(dev, dev.sea(), _expectation_sea, A, trA, 1.0)) / math.pi + 0.5 * trA.real
    for p, rule in _window_parts(dev):
        out = out + np.real(_integrate(dev, rule, _expectation_window, A, p)) / (2 * math.pi)
    return out


def static_response(dev: Device, A, B=None):
    """Static equilibrium response ``chi_ab(0) = d<A_a>/d x_b`` to ``H -> H + B_b x_b``.

    ``chi_ab(0) = -(1/pi) Im int dE f(E) Tr[A_a G^r B_b G^r]`` (Bhattacharjee et al. 2012, Eq. 12, there
    with the exchange vertices).  Needs equal chemical potentials.
    """
    _require_equilibrium(dev, "the static response (exchange)")
    C = _contraction(dev, A, B)
    return -np.imag(_integrate(dev, dev.sea(), _static_sea, C)) / math.pi


def friction(dev: Device, A, B=None):
    """Friction tensor ``gamma_ab = 2 Re int dE/2pi Tr[G^< A_a (dG^r/dE) B_b]`` (hbar = 1).

    The force ``F_a = -<A_a>`` on a coordinate ``x_a`` with ``dH/dx_a = A_a`` contains ``-gamma_ab dx_b/dt``
    in the adiabatic limit; for ``A_a = B_a = dH/dm_a`` the Gilbert damping is ``gamma / S`` (corrected
    Xu et al. 2023, Eq. 19; ``G^r G^r`` there is ``-dG^r/dE``, equal for energy-independent leads).

    Equilibrium part at ``mu0`` (docs/electrons.md):

        gamma_ab = int dE (-f') [ Tr[A_a A B_b A]/4pi + Im Tr[A_a A B_b Re G]/2pi ]
                   - (1/2pi) Re int dE f Tr[A_a G' B_b G - A_a G B_b G']

    (``A`` the spectral function, ``Re G = (G^r + G^a)/2``): the symmetric part is a Fermi-surface
    term, the antisymmetric part a Fermi-surface plus a Fermi-sea term (contour).  Bias adds
    ``-(1/pi) Im int (f_p - f_0) Tr[G Gamma_p G^dagger A_a G' B_b] dE`` per lead over its window.

    Returns
    -------
    ndarray, shape (len(A), len(B)) (or the shape of the contraction)
    """
    C = _contraction(dev, A, B)
    out = np.real(_integrate(dev, dev.surface(), _friction_surface, C)) \
        - np.real(_integrate(dev, dev.sea(), _friction_sea, C)) / (2 * math.pi)
    for p, rule in _window_parts(dev):
        out = out - np.imag(_integrate(dev, rule, _friction_window, C, p)) / math.pi
    return out


def inertia(dev: Device, A, B=None):
    """Inertia tensor ``I_ab = -(1/2) d^2 Re chi_ab / d omega^2 |_0`` (equilibrium).

    ``I_ab = (1/2pi) [ Im int dE f Tr[A_a G'' B_b G] + int dE f' Im Tr[A_a G' B_b G^a] ]``: a Fermi-sea
    term (contour) and a Fermi-surface term.  The force contains ``-I_ab d^2 x_b/dt^2``; for
    ``A = B = dH/dm`` the inertia of the LLG equation is ``I / S`` (corrected Xu et al. 2023, Eq. 22,
    which has the opposite sign).
    """
    _require_equilibrium(dev, "the inertia tensor")
    C = _contraction(dev, A, B)
    return (np.imag(_integrate(dev, dev.sea(), _inertia_sea, C))
            - np.real(_integrate(dev, dev.surface(), _inertia_surface, C))) / (2 * math.pi)


def dynamic_response(dev: Device, A, B=None, *, omega):
    """Dynamic equilibrium response ``chi_ab(omega)`` of ``<A_a>`` to ``B_b x_b(omega)``, exp(-i omega t).

    ``chi(omega) = -i int dE/2pi Tr[A_a G^r(E+omega) B_b G^<(E) + A_a G^<(E+omega) B_b G^a(E)]``
    (Xu et al. 2023, Eq. 30 prints ``-chi`` times ``(JM)^2/4``).  Equilibrium:

        chi = (i/2pi) { S(omega) - conj S(-omega) + int dE [f(E+omega) - f(E)] Tr[A_a G^r(E+omega) B_b G^a(E)] }

    with the Fermi-sea integral ``S(omega) = int f(E) Tr[A_a G(E+omega) B_b G(E)] dE`` on the contour
    and the window ``[mu - omega, mu]`` on the real axis (its ends are the break points).
    """
    _require_equilibrium(dev, "the dynamic response")
    omega = float(omega)
    C = _contraction(dev, A, B)
    rule = dev.sea(shift=omega)
    S_plus = _integrate(dev, rule, _dynamic_sea, C, omega)
    # conj of int f Tr[A G^r(E-omega) B G^r(E)]: the advanced sea term of the definition
    S_minus_conj = np.conj(S_plus if omega == 0 else _integrate(dev, rule, _dynamic_sea, C, -omega))
    out = S_plus - S_minus_conj
    if omega != 0:  # f(E + omega) - f(E) = f(E; mu - omega) - f(E; mu)
        out = out + _integrate(dev, dev.window(dev.mu0 - omega), _dynamic_window, C, omega)
    return 1j * out / (2 * math.pi)


def lead_currents(dev: Device, O):
    """Current of the one-body operators ``O_c`` from each lead into the device (units of t/hbar).

    ``I_p[O] = int dE/2pi Tr[O (G^r Sigma^<_p + G^< Sigma^a_p - Sigma^<_p G^a - Sigma^r_p G^<)]``
    (Xu et al. 2023, Eq. A2 with the trace of Eq. A3; their spin current ``I_s`` into lead p is
    ``-I_p[sigma/2]``).  ``O`` must commute with the lead coupling (spin operators with normal leads).
    Equilibrium part: ``(1/pi) Re int f Tr[O [Sigma_p, G]]`` on the contour; bias windows on the real axis.

    Returns
    -------
    ndarray, shape (n_leads, len(O))
    """
    O = OperatorList(O, dev.n, "O")
    out = np.real(_integrate(dev, dev.sea(), _currents_sea, O)) / math.pi
    for q, rule in _window_parts(dev):
        out = out + np.real(_integrate(dev, rule, _currents_window, O, q)) / (2 * math.pi)
    return out
