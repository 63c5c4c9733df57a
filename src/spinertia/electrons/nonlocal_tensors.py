"""Exchange, damping and inertia tensors between pairs of sites (Bhattacharjee, Nordstrom, Fransson 2012).

Each magnetic site i has its own direction m_i and vertex ``V_{i,a} = dH/dm_{i,a} = J_i sigma_a`` (site i,
all orbitals).  The response of the force ``F_{i,a} = -<V_{i,a}>`` to the motion of the other moments gives,
for every pair (i, j) within a cutoff (Bhattacharjee et al. 2012, Eqs. 9-14; docs/electrons.md):

* exchange ``chi_ij(0)_ab = -(1/pi) Im int dE f Tr[V_ia G_ij V_jb G_ji]`` (their Eq. 12): the energy is
  ``E = sum_{i<j} dm_i . chi_ij dm_j + ...``, so the spin-model exchange of
  :class:`spinertia.lattice.system.System` (``H = -sum_<ij> S_i . J_ij S_j``) is ``J_ij = -chi_ij(0)``;
* damping ``gamma_ij`` = the friction of :func:`spinertia.electrons.linear_response.friction` between the
  vertices of i and j (their Eq. 13 with the sign of their Eq. 1: Eq. 13 as printed is negative
  definite);
* inertia ``I_ij`` (their Eq. 14; its symmetric part agrees with the printed formula).

The force on site i is ``F_i = ... - sum_j gamma_ij dm_j/dt - sum_j I_ij d^2m_j/dt^2``, so in the LLG
equation of site i (spin hbar S_i) the tensors are ``gamma_ij / S_i`` and ``I_ij / S_i``.  Summed over all
pairs they give the macrospin tensors of :mod:`spinertia.electrons.tensors` (a uniform motion).

:func:`to_spin_parameters` converts to the SI inputs of the atomistic engine: exchange in joule, damping
dimensionless, inertia in seconds, with ``hbar S_i = mu_i / gamma_i`` from the moments of a spin
``System``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..units import HBAR
from . import linear_response as lr
from .linear_response import Device
from .propagators import site_blocks
from .tensors import _magnet_sites
from .tightbinding import PAULI

__all__ = ["SitePairs", "site_pairs", "PairTensors", "pair_tensors", "to_spin_parameters", "apply_to_system"]


class SitePairs:
    """Contraction ``C(X, Y)[p, a, b] = Tr[V_{i_p a} X_{i_p j_p} V_{j_p b} Y_{j_p i_p}]`` over site pairs.

    ``V_{i,a} = J_i kron(1_orbitals, sigma_a)`` on the block of site i.  Used by the kernels of
    :mod:`spinertia.electrons.linear_response` in place of operator lists.  The formula needs the site blocks
    X_ij and Y_ji of the listed pairs only: from dense matrices (dense route) or, on the recursive route,
    from the layer blocks G_{k,k+d} with |d| up to the largest layer distance of a pair (nearest
    neighbours: d <= 1) and from the lead columns (lead densities, spectral function)
    (:func:`spinertia.electrons.propagators.site_blocks`).

    Parameters
    ----------
    pairs : (P, 2) int array
        Ordered site pairs (i, j), on-site pairs (i, i) allowed.
    J : (n_sites,) array
        Exchange per site (units of t).
    n_sites, orbitals : int
    """

    def __init__(self, pairs, J, n_sites, orbitals=1):
        self.pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        self.J = np.asarray(J, dtype=float)
        self.n_sites = int(n_sites)
        self.B = 2 * int(orbitals)
        self.sig = np.array([np.kron(np.eye(int(orbitals)), PAULI[a]) for a in range(3)])
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        self.w = (self.J[i] * self.J[j])[:, None, None]
        code, rcode = i * self.n_sites + j, j * self.n_sites + i
        order = np.argsort(code)
        pos = np.minimum(np.searchsorted(code[order], rcode), max(len(code) - 1, 0))
        found = code[order][pos] == rcode if len(code) else np.zeros(0, dtype=bool)
        #: C(Y, X)[p] = C(X, Y)[reverse of p]^T when every reversed pair is listed (cyclic trace)
        self.swappable = bool(len(code)) and bool(np.all(found)) and len(np.unique(code)) == len(code)
        self._rev = order[pos]
        #: the vertices J_i sigma_a are Hermitian
        self.hermitian = True

    def _formula(self, Xp, Yp):
        """J_i J_j Tr[sigma_a X_ij sigma_b Y_ji] from the site blocks (P, B, B) of the pairs."""
        return self.w * np.einsum("akl,plm,bmn,pnk->pab", self.sig, Xp, self.sig, Yp, optimize=True)

    def __call__(self, X, Y):
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        N, B = self.n_sites, self.B
        return self._formula(X.reshape(N, B, N, B)[i, :, j, :], Y.reshape(N, B, N, B)[j, :, i, :])

    def layered(self, X, Y):
        i, j = self.pairs[:, 0], self.pairs[:, 1]
        fsys = X.fsys
        return self._formula(site_blocks(X, i, j, fsys), site_blocks(Y, j, i, fsys))

    def swap(self, C):
        """C(Y, X) from C(X, Y): pair reversed, a and b exchanged."""
        return np.swapaxes(C[self._rev], 1, 2)


def site_pairs(fsys, cutoff=None, sites=None, onsite=True):
    """Ordered pairs (i, j) of magnetic sites with ``|r_i - r_j| <= cutoff`` (metres).

    ``cutoff=None``: nearest neighbours (1.01 times the smallest distance); ``cutoff=np.inf``: all pairs.
    Both orders (i, j) and (j, i) are listed (damping and inertia are not symmetric), and (i, i) when
    ``onsite``.  Returns ``(pairs (P, 2), distances (P,))``.
    """
    msites, _ = _magnet_sites(fsys, sites)
    P = fsys.positions[msites]
    d = np.linalg.norm(P[:, None, :] - P[None, :, :], axis=-1)
    if cutoff is None:
        off = d[~np.eye(len(msites), dtype=bool)]
        cutoff = 1.01 * off.min() if off.size else 0.0
    cutoff = float(cutoff)
    if not cutoff >= 0:
        raise InputError(f"cutoff must be a distance >= 0 in metres (np.inf: all pairs), got {cutoff}")
    mask = d <= cutoff * (1 + 1e-12)
    if not onsite:
        np.fill_diagonal(mask, False)
    a, b = np.nonzero(mask)
    return np.stack([msites[a], msites[b]], axis=1), d[a, b]


@dataclass
class PairTensors:
    """Tensors between ordered site pairs (units: t for exchange, hbar for friction, hbar^2/t for inertia).

    Attributes
    ----------
    pairs : (P, 2) int array
        Ordered (i, j), including on-site (i, i).
    distance : (P,) array
        |r_i - r_j| in metres.
    chi : (P, 3, 3)
        Static response chi_ij(0) (t); spin-model exchange J_ij = -chi_ij (i != j).
    friction : (P, 3, 3)
        gamma_ij (hbar); Gilbert G_ij = gamma_ij / S_i.
    inertia : (P, 3, 3) or None
        I_ij (hbar^2/t); I_ij / S_i in the LLG equation (equilibrium only).
    n_sites : int
    """

    pairs: np.ndarray
    distance: np.ndarray
    chi: np.ndarray | None
    friction: np.ndarray
    inertia: np.ndarray | None
    n_sites: int
    info: dict = field(default_factory=dict)

    def total(self, name):
        """Sum over all pairs of a tensor (the macrospin value when every pair is included)."""
        return getattr(self, name).sum(axis=0)


def pair_tensors(fsys, mu, kT=0.0, cutoff=None, sites=None, t=0.0, accuracy=None,
                 what=("chi", "friction", "inertia"), workers=None, method="auto"):
    """Bhattacharjee et al. 2012 tensors (Eqs. 12-14, corrected signs) for site pairs within ``cutoff``.

    Parameters
    ----------
    fsys : FinalizedTightBinding
        With exchange texture and leads (a closed system needs the Fermi level in a gap).
    mu : float or sequence
        Fermi level(s) of the leads (units of t); with a bias only the friction is computed.
    kT : float
        k_B T (units of t).
    cutoff : float, optional
        Pair distance cutoff in metres (default nearest neighbours; ``np.inf`` all pairs).
    what : tuple
        Subset of ``("chi", "friction", "inertia")``.
    workers : int, optional
        Worker processes for the energy nodes.
    method : {'auto', 'rgf', 'dense'}
        Route of the Green's functions (:meth:`~spinertia.electrons.linear_response.Device.from_system`):
        the recursive one needs the layer blocks G_{k,k+d} up to the layer distance of the cutoff only
        (cost per energy ~ N_layers (d_max + 1) n^3 for n orbitals per layer); 'dense' is the test reference.

    Returns
    -------
    PairTensors
    """
    pairs, dist = site_pairs(fsys, cutoff, sites)
    dev = Device.from_system(fsys, mu=mu, kT=kT, t=t, accuracy=accuracy, workers=workers, method=method)
    C = SitePairs(pairs, fsys.exchange_J, fsys.n_sites, fsys.orbitals)
    unknown = set(what) - {"chi", "friction", "inertia"}
    if unknown:
        raise InputError(f"unknown tensors {sorted(unknown)}; choose from chi, friction, inertia")
    eq = dev.equilibrium
    if not eq and ("chi" in what or "inertia" in what):
        what = ("friction",)
    chi = lr.static_response(dev, C) if "chi" in what else None
    fr = lr.friction(dev, C) if "friction" in what else np.zeros((len(pairs), 3, 3))
    inert = lr.inertia(dev, C) if "inertia" in what else None
    return PairTensors(pairs=pairs, distance=dist, chi=chi, friction=fr, inertia=inert, n_sites=fsys.n_sites,
                       info={"mu": dev.mu.tolist(), "kT": dev.kT, "cutoff_m": float(np.max(dist, initial=0.0)),
                             "method": dev.method})


def _site_spins(n_sites, spin=None, system=None):
    """hbar S_i per site in units of hbar: ``spin`` (number or per site) or mu_i / (gamma_i hbar) of a System."""
    if (spin is None) == (system is None):
        raise InputError("give exactly one of spin= (S per site in units of hbar) or system= (a spin System whose "
                         "moments mu and gyromagnetic ratios gamma give hbar S = mu / gamma)")
    if system is not None:
        if system.n_sites != n_sites:
            raise InputError(f"the spin System has {system.n_sites} sites but the tight-binding system has {n_sites}; "
                             "build both on the same lattice and size")
        nsub = system.lattice.n_sub
        sub = np.arange(n_sites) % nsub
        S = system.mu[sub] / system.gamma[sub] / HBAR
    else:
        S = np.broadcast_to(np.asarray(spin, dtype=float), (n_sites,)).copy()
    if np.any(~np.isfinite(S)) or np.any(S <= 0):
        raise InputError("the spin S of every site must be positive and finite")
    return S


def to_spin_parameters(tensors: PairTensors, units, spin=None, system=None, symmetrize=False):
    """Site-resolved damping, inertia and exchange in the SI units of the atomistic spin engine.

    Equation of motion of site i (magnetization direction, canonical form of docs/theory.md)::

        dm_i/dt = -m_i x h_i + m_i x sum_j (G_ij dm_j/dt + I_ij d^2m_j/dt^2)

    with the exchange field from ``H = -sum_<ij> S_i . J_ij S_j`` (each unordered pair once).

    Parameters
    ----------
    tensors : PairTensors
    units : ElectronUnits
        The hopping t in eV (energy and time units).
    spin : float or (n_sites,) array, optional
        S_i in units of hbar.
    system : spinertia.lattice.system.System, optional
        Instead of ``spin``: hbar S_i = mu_i / gamma_i from its moments and gyromagnetic ratios.
    symmetrize : bool
        Keep only the dissipative (symmetric) part of the damping: G_ij + G_ji^T halves.

    Returns
    -------
    dict
        ``damping_onsite`` (n_sites, 3, 3) dimensionless; ``inertia_onsite`` (n_sites, 3, 3) seconds;
        ``damping_pairs``, ``inertia_pairs``: lists of ``(i, j, 3x3)`` for every ordered pair i != j
        (dimensionless, seconds); ``exchange_pairs``: ``(i, j, J_ij)`` in joule for i < j (reverse bond
        carries J_ij^T); ``units``: a description.  Sites outside the magnet have zero tensors.
    """
    S = _site_spins(tensors.n_sites, spin, system)
    i, j = tensors.pairs[:, 0], tensors.pairs[:, 1]
    fr = tensors.friction
    if symmetrize:
        key = {(a, b): k for k, (a, b) in enumerate(tensors.pairs)}
        rev = np.array([key.get((b, a), -1) for a, b in tensors.pairs])
        if np.any(rev < 0):
            raise InputError("symmetrize needs both orders of every pair")
        fr = 0.5 * (fr + np.swapaxes(fr[rev], 1, 2))
    G = fr / S[i][:, None, None]
    n = tensors.n_sites
    out = {"damping_onsite": np.zeros((n, 3, 3)), "inertia_onsite": np.zeros((n, 3, 3)),
           "damping_pairs": [], "inertia_pairs": [], "exchange_pairs": []}
    on = i == j
    out["damping_onsite"][i[on]] = G[on]
    out["damping_pairs"] = [(int(a), int(b), G[k]) for k, (a, b) in enumerate(tensors.pairs) if a != b]
    if tensors.inertia is not None:
        E = tensors.inertia / S[i][:, None, None] * units.time_s
        out["inertia_onsite"][i[on]] = E[on]
        out["inertia_pairs"] = [(int(a), int(b), E[k]) for k, (a, b) in enumerate(tensors.pairs) if a != b]
    if tensors.chi is not None:
        Jsi = -tensors.chi * units.energy_J
        out["exchange_pairs"] = [(int(a), int(b), Jsi[k]) for k, (a, b) in enumerate(tensors.pairs) if a < b]
    out["units"] = {
        "damping": "dimensionless, G_ij = gamma_ij / S_i in m_i x (G_ij dm_j/dt)",
        "inertia": "seconds, I_ij / S_i in m_i x (I_ij d2m_j/dt2)",
        "exchange": "joule, J_ij of H = -sum_<ij> S_i . J_ij S_j (i < j; J_ji = J_ij^T)",
        "spin_hbar": S.tolist() if np.ndim(spin) or system is not None else float(S[0]),
        "hopping_eV": units.hopping_eV,
    }
    return out


def apply_to_system(params, system, damping=True, inertia=True, exchange=True):
    """One-call hand-off of :func:`to_spin_parameters` to the atomistic spin engine: sets the site-resolved
    tensors on ``system`` (a :class:`spinertia.lattice.system.System` with the same sites) as they are, site by
    site and pair by pair, never averaged per sublattice.

    * damping: ``set_damping(damping_onsite)`` (one tensor per site, replacing the sublattice values) and
      ``add_pair_damping(..., pairs=, directed=True)`` for every ordered pair (G_ij and G_ji independently);
    * inertia: likewise with ``set_inertia`` / ``add_pair_inertia`` (seconds).  The inertia of a
      tight-binding model need not be positive definite (docs/electrons.md, C10): the inertial model then
      refuses the system with a clear error, and the LLG (damping and exchange only) still runs;
    * exchange: ``add_exchange(J_ij, pairs=)`` (joule; the reverse bond carries J_ij^T).

    Returns ``system`` (for chaining).
    """
    def ordered(key):
        items = params.get(key) or []
        if not items:
            return None, None
        ij = np.array([(a, b) for a, b, _ in items], dtype=np.int64)
        return ij, np.array([T for _, _, T in items], dtype=float)

    if damping:
        system.set_damping(np.asarray(params["damping_onsite"], dtype=float))
        ij, T = ordered("damping_pairs")
        if ij is not None:
            system.add_pair_damping(T, pairs=ij, directed=True)
    if inertia:
        system.set_inertia(np.asarray(params["inertia_onsite"], dtype=float))
        ij, T = ordered("inertia_pairs")
        if ij is not None:
            system.add_pair_inertia(tensor=T, pairs=ij, directed=True)
    if exchange:
        ij, T = ordered("exchange_pairs")
        if ij is not None:
            system.add_exchange(T, pairs=ij)
    return system
