"""Description of a collinear magnetic unit cell for inertial linear spin-wave theory (Ghosh et al. 2025).

A :class:`SpinWaveModel` holds N sublattices and a list of *directed* bonds, as plain numpy arrays
(:class:`ModelArrays`), so that any lattice code can feed it through :meth:`SpinWaveModel.from_arrays`.

Physics (spec 1.2, 1.3, 2.1, 7).  Site i of sublattice s carries a unit spin S_i with ground state
S_i = epsilon_s z (epsilon_s = +1 or -1), moment mu_s (J/T) and gyromagnetic ratio gamma_s (rad/(s T)):

    H = - sum_<ij> J_ij S_i.S_j - sum_<ij> D_ij z.(S_i x S_j) - sum_i K_i (S_i^z)^2
        - sum_i S_i_perp^T K_perp,i S_i_perp - sum_i mu_i B S_i^z ,

    dS_i/dt = -gamma_i S_i x B_i + S_i x sum_j alpha_ij dS_j/dt + S_i x sum_j I_ij d^2 S_j/dt^2 ,

with the inertia tensor I_ij = eta_ij 1 + [xi_ij z]_x (+ the on-site in-plane traceless part I_perp,i)
and the damping alpha_ii = alpha_s (on-site Gilbert) plus alpha_ij on bonds (cross-sublattice Gilbert).

Units (SI throughout): positions and bond vectors in m; mu in J/T; gamma in rad/(s T); J, D, K,
K_perp in J; eta, xi, I_perp in s; alpha dimensionless; the field B (along z) in T.

Bond list.  A bond (s, s', delta, J, D, eta, xi, alpha) couples a site of s at r to the site of s' at
r + delta.  Each pair enters twice (once per direction), with the symmetries of spec 7:
J, eta, alpha even and D, xi odd under (s, s', delta) -> (s', s, -delta).  ``add_bond`` adds the
reverse bond by default; :meth:`SpinWaveModel.validate` checks the whole list.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

import numpy as np

from ..errors import InputError
from ..units import GAMMA_ELECTRON

__all__ = ["SpinWaveModel", "ModelArrays", "BOND_FIELDS", "SITE_FIELDS"]

#: Per-bond scalar parameters, with their parity under bond reversal (spec 7).
BOND_FIELDS = {"J": +1, "D": -1, "eta": +1, "xi": -1, "alpha": +1}
#: Per-sublattice scalar parameters (defaults in :meth:`SpinWaveModel.add_sublattice`).
SITE_FIELDS = ("mu", "gamma", "K", "eta", "xi", "alpha", "epsilon")

_SYM_RTOL = 1e-9


@dataclass(frozen=True)
class ModelArrays:
    """Plain-array form of a model (what the solver consumes).

    Sublattice arrays have shape (N,), ``positions`` (N, dim), ``K_perp`` and ``I_perp`` (N, 2, 2).
    Bond arrays have shape (nb,) except ``delta`` (nb, dim); ``src``/``dst`` are sublattice indices.
    """

    names: tuple
    positions: np.ndarray
    mu: np.ndarray
    gamma: np.ndarray
    K: np.ndarray
    eta: np.ndarray
    xi: np.ndarray
    alpha: np.ndarray
    epsilon: np.ndarray
    K_perp: np.ndarray
    I_perp: np.ndarray
    field: float
    src: np.ndarray
    dst: np.ndarray
    delta: np.ndarray
    J: np.ndarray
    D: np.ndarray
    bond_eta: np.ndarray
    bond_xi: np.ndarray
    bond_alpha: np.ndarray
    _onehot: np.ndarray = dc_field(repr=False, default=None)

    @property
    def n(self) -> int:
        """Number of sublattices N."""
        return len(self.names)

    @property
    def dim(self) -> int:
        """Spatial dimension of positions, bond vectors and k-points (2 or 3)."""
        return self.positions.shape[1]

    @property
    def mixes_circular_components(self) -> bool:
        """True when beta^+ and beta^- couple (in-plane traceless anisotropy or inertia, spec 7)."""
        return bool(np.any(_traceless(self.K_perp) != 0) or np.any(self.I_perp != 0))

    @property
    def ferromagnetic(self) -> bool:
        """True when every sublattice points along +z (epsilon_s = +1)."""
        return bool(np.all(self.epsilon == 1))

    @property
    def bond_onehot(self) -> np.ndarray:
        """(nb, N*N) 0/1 matrix mapping bond b to the matrix element (src_b, dst_b)."""
        return self._onehot


def _traceless(m):
    """(p, q) of the traceless part [[p, q], [q, -p]] of symmetric 2x2 matrices (..., 2, 2)."""
    return np.stack([(m[..., 0, 0] - m[..., 1, 1]) / 2, m[..., 0, 1]], axis=-1)


def _finite(name, value):
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite, got {value!r}")
    return arr


def _sym2(name, value, traceless=False):
    """Validate a symmetric in-plane 2x2 tensor (None -> zeros)."""
    if value is None:
        return np.zeros((2, 2))
    m = _finite(name, value)
    if m.shape != (2, 2):
        raise InputError(f"{name} must be a 2x2 in-plane tensor [[xx, xy], [yx, yy]], got shape {m.shape}")
    scale = max(np.abs(m).max(), np.finfo(float).tiny)
    if abs(m[0, 1] - m[1, 0]) > 1e-12 * scale:
        raise InputError(f"{name} must be symmetric, got {m.tolist()}")
    if traceless and abs(m[0, 0] + m[1, 1]) > 1e-12 * scale:
        raise InputError(f"{name} must be traceless (its isotropic part belongs in eta), got {m.tolist()}")
    return m


class SpinWaveModel:
    """Collinear N-sublattice model for inertial LSWT (spec 2.2, 7).

    Builder use::

        m = SpinWaveModel(field=1.0)                       # B = 1 T along z
        m.add_sublattice("A", (0, 0), mu=2 * MU_B, K=1e-23, eta=100e-15, alpha=0.01)
        m.add_sublattice("B", (a, 0), mu=2 * MU_B, K=1e-23, eta=100e-15, alpha=0.01)
        m.add_bond("A", "B", (a, 0), J=2e-21, eta=12.5e-15)   # adds B->A at -delta too

    or :meth:`from_arrays` with plain arrays.  :attr:`arrays` returns the validated
    :class:`ModelArrays` (cached until the model is modified).
    """

    def __init__(self, field: float = 0.0, dim: int | None = None):
        """``field``: B along z in T; ``dim``: 2 or 3 (default: from the first position)."""
        self.field = float(_finite("field", field))
        if dim is not None and dim not in (2, 3):
            raise InputError(f"dim must be 2 or 3, got {dim!r}")
        self._dim = dim
        self._sites: list[dict] = []
        self._bonds: list[dict] = []
        self._cache = None

    # ------------------------------------------------------------------------------------- builder
    @property
    def names(self) -> tuple:
        return tuple(s["name"] for s in self._sites)

    @property
    def dim(self):
        return self._dim

    def index(self, name) -> int:
        """Sublattice index of ``name`` (a name or an integer index)."""
        if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
            if 0 <= name < len(self._sites):
                return int(name)
            raise InputError(f"sublattice index {name} out of range 0..{len(self._sites) - 1}")
        for i, s in enumerate(self._sites):
            if s["name"] == name:
                return i
        raise InputError(f"unknown sublattice {name!r}; known sublattices: {list(self.names)}")

    def _vector(self, name, value):
        v = _finite(name, value).reshape(-1)
        if self._dim is None:
            if v.size not in (2, 3):
                raise InputError(f"{name} must have 2 or 3 components (m), got {v.size}")
            self._dim = v.size
        if v.size != self._dim:
            raise InputError(f"{name} must have {self._dim} components (model dimension), got {v.size}")
        return v

    def add_sublattice(self, name, position, *, mu, gamma=GAMMA_ELECTRON, K=0.0, eta=0.0, xi=0.0,
                       alpha=0.0, epsilon=1, K_perp=None, I_perp=None):
        """Add sublattice ``name`` at ``position`` (m).

        mu: moment (J/T, > 0); gamma: gyromagnetic ratio (rad/(s T), > 0); K: easy-axis anisotropy along z
        (J); eta: on-site scalar inertia eta_ss (s); xi: on-site chiral inertia xi_ss (s; spec T14, keep 0);
        alpha: on-site Gilbert damping; epsilon: +1 (ground state along +z) or -1 (along -z);
        K_perp: symmetric 2x2 in-plane anisotropy (J), energy -S_perp^T K_perp S_perp; I_perp: traceless
        symmetric 2x2 in-plane anisotropic inertia (s).  The last two couple beta^+ and beta^- (spec 7).
        """
        if any(s["name"] == name for s in self._sites):
            raise InputError(f"sublattice {name!r} already exists")
        if isinstance(name, (int, np.integer)):
            raise InputError("sublattice names must not be integers (integers are used as indices)")
        site = dict(name=name, position=self._vector(f"position of {name!r}", position))
        dims = dict(mu="moment", gamma=None, K="energy", eta="time", xi="time", alpha=None)
        for key, val in dict(mu=mu, gamma=gamma, K=K, eta=eta, xi=xi, alpha=alpha).items():
            if isinstance(val, str) and dims[key] is not None:
                from ..units import parse_quantity

                val = parse_quantity(val, dims[key], f"{key} of sublattice {name!r}")
            site[key] = float(_finite(f"{key} of sublattice {name!r}", val))
        if site["mu"] <= 0:
            raise InputError(f"mu of sublattice {name!r} must be > 0 (J/T), got {mu!r}")
        if site["gamma"] <= 0:
            raise InputError(f"gamma of sublattice {name!r} must be > 0 (rad/(s T)), got {gamma!r}")
        if epsilon not in (1, -1):
            raise InputError(f"epsilon of sublattice {name!r} must be +1 or -1, got {epsilon!r}")
        site["epsilon"] = int(epsilon)
        site["K_perp"] = _sym2(f"K_perp of {name!r}", K_perp)
        site["I_perp"] = _sym2(f"I_perp of {name!r}", I_perp, traceless=True)
        self._sites.append(site)
        self._cache = None
        return self

    def add_bond(self, source, target, delta, *, J=0.0, D=0.0, eta=0.0, xi=0.0, alpha=0.0,
                 both_directions=True):
        """Add the bond from ``source`` to ``target`` at displacement ``delta`` (m).

        J: exchange (J); D: z component of the DMI vector (J); eta: cross scalar inertia (s);
        xi: z component of the chiral inertia (s); alpha: cross Gilbert damping (dimensionless).
        With ``both_directions`` the reverse bond (target, source, -delta, J, -D, eta, -xi, alpha) is
        added as well (spec 7 symmetries).
        """
        s, t = self.index(source), self.index(target)
        d = self._vector("bond vector delta", delta)
        if s == t and not np.any(d):
            raise InputError("a bond from a sublattice to itself needs delta != 0; "
                             "on-site terms are set in add_sublattice")
        params = {k: float(_finite(f"bond {k}", v)) for k, v in dict(J=J, D=D, eta=eta, xi=xi, alpha=alpha).items()}
        self._bonds.append(dict(src=s, dst=t, delta=d, **params))
        if both_directions:
            rev = {k: BOND_FIELDS[k] * v for k, v in params.items()}
            self._bonds.append(dict(src=t, dst=s, delta=-d, **rev))
        self._cache = None
        return self

    # ----------------------------------------------------------------------------- array interface
    @classmethod
    def from_arrays(cls, names, positions, mu, *, gamma=None, K=None, eta=None, xi=None, alpha=None,
                    epsilon=None, K_perp=None, I_perp=None, field=0.0, src=(), dst=(), delta=None,
                    J=None, D=None, bond_eta=None, bond_xi=None, bond_alpha=None):
        """Build a model from plain arrays (e.g. from an atomistic lattice).

        Sublattice arrays have length N (scalars are broadcast; None means the default of
        :meth:`add_sublattice`); ``K_perp``/``I_perp`` have shape (N, 2, 2).  Bonds are given as
        *directed* bond arrays: ``src``, ``dst`` (indices or names, length nb), ``delta`` (nb, dim) in m
        and the per-bond parameters (length nb, default 0).  The list must contain both directions of
        every pair (checked with the spec 7 symmetries).
        """
        names = list(names)
        n = len(names)
        positions = np.atleast_2d(_finite("positions", positions))
        if positions.shape[0] != n:
            raise InputError(f"positions must have one row per sublattice ({n}), got shape {positions.shape}")

        def per_site(name, v, default):
            a = np.broadcast_to(_finite(name, default if v is None else v), (n,) + np.shape(default))
            return a

        model = cls(field=field, dim=positions.shape[1])
        gam = per_site("gamma", gamma, GAMMA_ELECTRON)
        mus = per_site("mu", mu, 0.0)
        kk, et, x, al = (per_site(nm, v, 0.0) for nm, v in (("K", K), ("eta", eta), ("xi", xi), ("alpha", alpha)))
        ep = per_site("epsilon", epsilon, 1.0)
        kp = per_site("K_perp", K_perp, np.zeros((2, 2)))
        ip = per_site("I_perp", I_perp, np.zeros((2, 2)))
        for i, nm in enumerate(names):
            e = int(ep[i]) if ep[i] in (1, -1) else ep[i]
            model.add_sublattice(nm, positions[i], mu=mus[i], gamma=gam[i], K=kk[i], eta=et[i], xi=x[i],
                                 alpha=al[i], epsilon=e, K_perp=kp[i], I_perp=ip[i])
        nb = len(src)
        if len(dst) != nb:
            raise InputError(f"src and dst must have the same length, got {nb} and {len(dst)}")
        if nb:
            deltas = np.atleast_2d(_finite("delta", delta))
            if deltas.shape != (nb, model.dim):
                raise InputError(f"delta must have shape ({nb}, {model.dim}), got {deltas.shape}")
            cols = {}
            for key, v in dict(J=J, D=D, eta=bond_eta, xi=bond_xi, alpha=bond_alpha).items():
                cols[key] = np.broadcast_to(_finite(f"bond {key}", 0.0 if v is None else v), (nb,))
            for b in range(nb):
                model.add_bond(src[b], dst[b], deltas[b], both_directions=False,
                               **{k: c[b] for k, c in cols.items()})
        model.validate()
        return model

    @property
    def arrays(self) -> ModelArrays:
        """Validated plain-array form (cached)."""
        if self._cache is None:
            self._cache = self._build()
        return self._cache

    def _build(self) -> ModelArrays:
        if not self._sites:
            raise InputError("the model has no sublattices; call add_sublattice first")
        n, nb = len(self._sites), len(self._bonds)
        site = {k: np.array([s[k] for s in self._sites], dtype=float) for k in SITE_FIELDS}
        dim = self._dim
        bond = {k: np.array([b[k] for b in self._bonds], dtype=float) for k in BOND_FIELDS}
        src = np.array([b["src"] for b in self._bonds], dtype=np.int64)
        dst = np.array([b["dst"] for b in self._bonds], dtype=np.int64)
        delta = np.array([b["delta"] for b in self._bonds], dtype=float).reshape(nb, dim)
        onehot = np.zeros((nb, n * n))
        onehot[np.arange(nb), src * n + dst] = 1.0
        arr = ModelArrays(names=self.names, positions=np.array([s["position"] for s in self._sites]),
                          mu=site["mu"], gamma=site["gamma"], K=site["K"], eta=site["eta"], xi=site["xi"],
                          alpha=site["alpha"], epsilon=site["epsilon"],
                          K_perp=np.array([s["K_perp"] for s in self._sites]),
                          I_perp=np.array([s["I_perp"] for s in self._sites]), field=self.field,
                          src=src, dst=dst, delta=delta, J=bond["J"], D=bond["D"], bond_eta=bond["eta"],
                          bond_xi=bond["xi"], bond_alpha=bond["alpha"], _onehot=onehot)
        for a in (arr.positions, arr.delta, arr.K_perp, arr.I_perp, *site.values(), *bond.values()):
            a.setflags(write=False)
        _check_bond_symmetry(arr)
        return arr

    def validate(self) -> "SpinWaveModel":
        """Check the model (sublattices present, bond list closed under reversal with the spec 7
        symmetries); raise InputError otherwise.  Returns self."""
        self._cache = None
        _ = self.arrays
        return self

    def check_inertia(self, k, allow_singular=True):
        """Raise InputError if the inertia matrix H(k) is not positive (semi)definite at some k (spec 7).

        ``k`` (nk, dim) in rad/m.  With ``allow_singular`` a singular H (some eta = 0) is accepted."""
        from .observables import check_inertia

        return check_inertia(self, k, allow_singular=allow_singular)

    def copy(self) -> "SpinWaveModel":
        new = SpinWaveModel(field=self.field, dim=self._dim)
        new._sites = [dict(s) for s in self._sites]
        new._bonds = [dict(b) for b in self._bonds]
        return new

    def __repr__(self):
        return (f"SpinWaveModel(N={len(self._sites)}, bonds={len(self._bonds)}, dim={self._dim}, "
                f"field={self.field} T, sublattices={list(self.names)})")


def _check_bond_symmetry(arr: ModelArrays):
    """Every directed bond needs its reverse with J, eta, alpha equal and D, xi opposite (spec 7)."""
    nb = len(arr.src)
    if nb == 0:
        return
    scale = np.abs(arr.delta).max() or 1.0
    key_d = np.round(arr.delta / scale * 1e8).astype(np.int64)
    cols = {"J": arr.J, "D": arr.D, "eta": arr.bond_eta, "xi": arr.bond_xi, "alpha": arr.bond_alpha}
    table: dict = {}
    for b in range(nb):
        key = (int(arr.src[b]), int(arr.dst[b]), tuple(key_d[b]))
        vals = np.array([c[b] for c in cols.values()])
        table[key] = table.get(key, 0.0) + vals
    col_scale = np.array([np.abs(c).max() for c in cols.values()])
    parity = np.array([BOND_FIELDS[k] for k in cols])
    for (s, t, d), vals in table.items():
        rkey = (t, s, tuple(-np.array(d)))
        if rkey not in table:
            raise InputError(
                f"bond {arr.names[s]!r} -> {arr.names[t]!r} at delta {np.array(d) * scale / 1e8} m has no reverse "
                f"bond {arr.names[t]!r} -> {arr.names[s]!r} at -delta; add bonds with both_directions=True")
        bad = np.abs(table[rkey] - parity * vals) > _SYM_RTOL * np.maximum(col_scale, np.finfo(float).tiny)
        if np.any(bad):
            which = [k for k, b in zip(cols, bad) if b]
            raise InputError(
                f"bond {arr.names[s]!r} -> {arr.names[t]!r} at delta {np.array(d) * scale / 1e8} m and its reverse "
                f"violate the bond symmetries (J, eta, alpha even; D, xi odd; spec 7) in {which}")
