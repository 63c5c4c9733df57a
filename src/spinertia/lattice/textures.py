"""Initial spin textures for lattice systems: uniform, random, skyrmion, domain wall, spiral.

Every function takes a :class:`~spinertia.lattice.finalized.FinalizedSystem` or a
:class:`~spinertia.lattice.system.System` (only the geometry is used: site positions in metres, the
supercell and its periodic directions) and returns an ``(n_sites, 3)`` array of unit vectors in the
site order of the system.

Skyrmion profile (standard 360-degree domain-wall ansatz; X. S. Wang, H. Y. Yuan, G. Beach,
Commun. Phys. 1, 31 (2018))::

    theta(r) = 2 arctan[ sinh(R/w) / sinh(r/w) ],      theta(0) = pi, theta(R) = pi/2, theta(inf) = 0,

the superposition of two tanh walls (cos theta = tanh((r - R)/w) for R >> w) that is smooth at r = 0.
theta is measured from the background direction n_bg = -polarity z, and

    m(r) = cos theta(r) n_bg + sin theta(r) (cos Phi, sin Phi, 0),   Phi = vorticity * phi + helicity,

with phi the polar angle of r - center.  The core (r = 0) points along polarity * z.  Helicity 0 (pi) is
a Neel skyrmion with the in-plane part pointing outwards (inwards), +-pi/2 a Bloch skyrmion.  The
continuum topological charge Q = (1/4 pi) int m . (dm/dx x dm/dy) dx dy of this texture is
Q = polarity * vorticity (so Q = -1 for the usual core-down skyrmion in a +z background;
see :mod:`spinertia.analysis.topology`).

For periodic directions distances are taken to the nearest periodic image of the centre (minimum
image in the supercell), so a skyrmion may sit anywhere in a periodic system.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError

__all__ = ["uniform", "random", "skyrmion", "domain_wall", "spiral", "skyrmion_profile", "favoured_helicity"]

SKYRMION_KINDS = ("neel", "bloch")
WALL_KINDS = ("bloch", "neel")


# ---------------------------------------------------------------------------------------------------
# geometry helpers (shared with spinertia.analysis.topology)
# ---------------------------------------------------------------------------------------------------
def _system(obj):
    """The System behind a FinalizedSystem or System."""
    from .finalized import FinalizedSystem
    from .system import System

    if isinstance(obj, FinalizedSystem):
        return obj.system
    if isinstance(obj, System):
        return obj
    raise InputError(f"expected a spinertia System or FinalizedSystem, got {type(obj).__name__}")


def _positions(obj):
    from .finalized import FinalizedSystem

    return obj.positions if isinstance(obj, FinalizedSystem) else _system(obj).positions()


def supercell(system):
    """Rows L_k = size_k a_k (metres) of the supercell and the periodic flags (3 bools)."""
    L = np.asarray(system.size, float)[:, None] * system.lattice.vectors
    return L, np.asarray(system.periodic, bool)


def minimum_image(system, d, periodic=None):
    """Displacements ``d`` (..., 3) reduced to the nearest periodic image along the periodic directions."""
    L, per = supercell(system)
    if periodic is not None:
        per = np.broadcast_to(np.asarray(periodic, bool), (3,)) & np.array(
            [i < system.lattice.dimension for i in range(3)])
    if not per.any():
        return np.asarray(d, float)
    f = np.asarray(d, float) @ np.linalg.inv(L)
    f = f - np.where(per, np.round(f), 0.0)
    return f @ L


def _vec(value, name, nonzero=False, dimension=None):
    if dimension is not None and not isinstance(value, np.ndarray):
        from ..units import parse_quantity

        value = [parse_quantity(v, dimension, f"{name}[{i}]") for i, v in enumerate(value)]
    a = np.asarray(value, dtype=float)
    if a.shape == (2,):
        a = np.append(a, 0.0)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be a finite 2- or 3-vector, got {np.asarray(value).tolist()}")
    if nonzero and np.linalg.norm(a) == 0:
        raise InputError(f"{name} must be non-zero")
    return a


def _positive(value, name):
    from ..units import parse_quantity

    try:
        v = parse_quantity(value, "length", name)
    except InputError:
        raise InputError(f"{name} must be a positive length (metres, or e.g. '1 nm'), got {value!r}") from None
    if not (np.isfinite(v) and v > 0):
        raise InputError(f"{name} must be a positive finite number (metres), got {value!r}")
    return v


def _widths(system):
    """In-plane (xy) widths (metres) of the supercell: distances between opposite edges of the
    parallelogram spanned by the two repeated supercell vectors with the largest xy projections
    (a chain: its length)."""
    L, _ = supercell(system)
    d = system.lattice.dimension
    Lxy = L[:d].copy()
    Lxy[:, 2] = 0.0
    if d == 1:
        return np.array([np.linalg.norm(Lxy[0])])
    order = np.argsort(-np.linalg.norm(Lxy, axis=1))[:2]
    u, v = Lxy[order[0]], Lxy[order[1]]
    area = np.linalg.norm(np.cross(u, v))
    return np.array([area / np.linalg.norm(v), area / np.linalg.norm(u)])


def system_center(obj):
    """Geometric centre (metres) of the site positions' bounding box."""
    P = _positions(obj)
    return 0.5 * (P.min(0) + P.max(0))


def _normalize(m):
    return m / np.linalg.norm(m, axis=1)[:, None]


# ---------------------------------------------------------------------------------------------------
# simple states
# ---------------------------------------------------------------------------------------------------
def uniform(system, direction=(0.0, 0.0, 1.0)):
    """All spins along ``direction`` (normalized)."""
    s = _system(system)
    u = _vec(direction, "direction", nonzero=True)
    return np.tile(u / np.linalg.norm(u), (s.n_sites, 1))


def random(system, seed=None):
    """Independent spins uniformly distributed on the unit sphere (numpy Generator seeded by ``seed``)."""
    s = _system(system)
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(s.n_sites, 3))
    n = np.linalg.norm(m, axis=1)
    while np.any(n < 1e-12):  # practically never
        bad = n < 1e-12
        m[bad] = rng.normal(size=(int(bad.sum()), 3))
        n = np.linalg.norm(m, axis=1)
    return m / n[:, None]


# ---------------------------------------------------------------------------------------------------
# skyrmion
# ---------------------------------------------------------------------------------------------------
def skyrmion_profile(r, radius, wall_width):
    """theta(r) = 2 arctan(sinh(R/w)/sinh(r/w)) (angle from the background; pi at r = 0, pi/2 at r = R)."""
    r = np.asarray(r, float)
    x = r / wall_width
    xr = radius / wall_width
    # sinh(R/w)/sinh(r/w) without overflow: exp(xr - x) (1 - e^{-2xr}) / (1 - e^{-2x})
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.exp(xr - x) * (-np.expm1(-2 * xr)) / (-np.expm1(-2 * x))
    th = 2 * np.arctan(ratio)
    return np.where(x > 0, th, np.pi)


def favoured_helicity(kind_dmi, D=1.0, polarity=-1):
    """Helicity (radians) that lowers the DMI energy of the library's DMI kinds (System.add_dmi) for a
    skyrmion of the given core polarity with vorticity 1 and D > 0 (energy -D_ij . (S_i x S_j)).

    Continuum form of -sum_<ij> D_ij . (S_i x S_j) per unit cell area a^2 (square lattice):
    bulk (D_ij = D r_ij/|r_ij|): + (D/a) m . (curl m);  interfacial (D_ij = D z x r_ij/|r_ij|):
    - (D/a) [m_z div m - (m . grad) m_z].  For m = (sin Th cos(phi + h), sin Th sin(phi + h), cos Th)
    these are (D/a) f sin(h) and -(D/a) f cos(h) with f = Th' + sin Th cos Th / r, and
    int f r dr < 0 for a core-down profile (Th from pi to 0).  So for polarity -1 and D > 0 the favoured
    helicity is pi/2 (bulk: Bloch, in-plane part along +phi-hat) and pi (interfacial: Neel with the
    in-plane part pointing inwards); flipping the sign of D or of the polarity adds pi.
    """
    if kind_dmi not in ("bulk", "interfacial"):
        raise InputError(f"favoured_helicity knows kind='bulk' or 'interfacial', got {kind_dmi!r}")
    base = np.pi / 2 if kind_dmi == "bulk" else np.pi
    flip = (D < 0) != (polarity > 0)
    return float((base + (np.pi if flip else 0.0)) % (2 * np.pi))


def skyrmion(system, center=None, radius=None, polarity=-1, kind="neel", helicity=None, vorticity=1,
             wall_width=None, background=None):
    """Skyrmion with the 360-degree domain-wall profile (module docstring); (n_sites, 3) unit vectors.

    center: (x, y[, z]) in metres (default: centre of the sites' bounding box); radius: R (metres), where
    m_z crosses 0; polarity: sign of m_z in the core (-1: core down in a +z background); kind: "neel"
    (helicity 0, in-plane part radial) or "bloch" (helicity pi/2, in-plane part azimuthal); helicity:
    radians, overrides the kind's default; vorticity: winding of the in-plane part (1 skyrmion,
    -1 antiskyrmion; any non-zero integer); wall_width: w of the profile (default R/2); background:
    None (uniform -polarity z), a direction (the texture is rotated rigidly so that its background points
    along it) or an (n_sites, 3) array of unit vectors into which the skyrmion is embedded (each site's
    background spin is rotated by the same rotation that takes -polarity z to the skyrmion's spin there).
    """
    s = _system(system)
    P = _positions(system)
    if kind not in SKYRMION_KINDS:
        raise InputError(f"unknown skyrmion kind {kind!r}; use one of {SKYRMION_KINDS}")
    if polarity not in (1, -1):
        raise InputError(f"polarity must be +1 (core up) or -1 (core down), got {polarity!r}")
    if int(vorticity) != vorticity or vorticity == 0:
        raise InputError(f"vorticity must be a non-zero integer (1 skyrmion, -1 antiskyrmion), got {vorticity!r}")
    if radius is None:
        raise InputError("skyrmion needs radius= (metres)")
    R = _positive(radius, "radius")
    w = R / 2 if wall_width is None else _positive(wall_width, "wall_width")
    c = system_center(system) if center is None else _vec(center, "center", dimension="length")
    widths = _widths(s)
    if 2 * R > widths.min():
        raise InputError(f"skyrmion radius {R:.4g} m is larger than the system: the diameter must fit in the "
                         f"smallest width {widths.min():.4g} m of the {'x'.join(map(str, s.size))} supercell; "
                         "use a smaller radius or a larger system")
    lo, hi = P.min(0), P.max(0)
    a = np.linalg.norm(s.lattice.vectors[: s.lattice.dimension], axis=1).max()
    if np.any(c[:2] < lo[:2] - a) or np.any(c[:2] > hi[:2] + a):
        raise InputError(f"skyrmion center {c.tolist()} m lies outside the system (sites span "
                         f"{lo[:2].tolist()} to {hi[:2].tolist()} m in x, y)")
    if helicity is None:
        helicity = 0.0 if kind == "neel" else np.pi / 2
    helicity = float(helicity)
    if not np.isfinite(helicity):
        raise InputError(f"helicity must be finite (radians), got {helicity!r}")
    d = minimum_image(s, P - c)
    r = np.hypot(d[:, 0], d[:, 1])
    phi = np.arctan2(d[:, 1], d[:, 0])
    th = skyrmion_profile(r, R, w)
    Phi = int(vorticity) * phi + helicity
    nbg = np.array([0.0, 0.0, -float(polarity)])
    u = np.column_stack([np.cos(Phi), np.sin(Phi), np.zeros_like(Phi)])
    m = np.cos(th)[:, None] * nbg + np.sin(th)[:, None] * u
    if background is None:
        return _normalize(m)
    bg = np.asarray(background, dtype=float)
    if bg.shape in ((3,), (2,)):
        b = _vec(bg, "background", nonzero=True)
        return _normalize(m @ _rotation(nbg, b / np.linalg.norm(b)).T)
    from .finalized import check_spins

    bg = check_spins(bg, s.n_sites, "background")
    # rotate each background spin about e = n_bg x u by theta (takes n_bg to m)
    e = np.cross(nbg, u)
    ct, st = np.cos(th)[:, None], np.sin(th)[:, None]
    out = bg * ct + np.cross(e, bg) * st + e * np.sum(e * bg, 1)[:, None] * (1 - ct)
    return _normalize(out)


def _rotation(a, b):
    """Rotation matrix taking unit vector a to unit vector b (the shortest rotation; a half turn about
    an axis perpendicular to a when b = -a)."""
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if c < -1 + 1e-12:
        perp = np.cross(a, [1.0, 0, 0]) if abs(a[0]) < 0.9 else np.cross(a, [0, 1.0, 0])
        perp /= np.linalg.norm(perp)
        return 2 * np.outer(perp, perp) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)


# ---------------------------------------------------------------------------------------------------
# domain wall and spiral
# ---------------------------------------------------------------------------------------------------
def domain_wall(system, normal=(1.0, 0.0, 0.0), position=None, width=None, kind="bloch", chirality=1):
    """Straight 180-degree wall between m = +z (behind) and m = -z (ahead of the wall along ``normal``).

    theta(u) = 2 arctan(exp(u/width)), u = (r - r_w) . n (n = normalized in-plane ``normal``), i.e.
    m_z = -tanh(u/width); the in-plane part sin(theta) e with e = chirality * n ("neel") or
    chirality * (z x n) ("bloch").  position: a scalar (metres along n from the origin) or a point
    (metres); default the centre of the system.  width: metres.
    """
    _system(system)  # type check
    P = _positions(system)
    if kind not in WALL_KINDS:
        raise InputError(f"unknown domain-wall kind {kind!r}; use one of {WALL_KINDS}")
    if chirality not in (1, -1):
        raise InputError(f"chirality must be +1 or -1, got {chirality!r}")
    n = _vec(normal, "normal", nonzero=True)
    n[2] = 0.0
    if np.linalg.norm(n) == 0:
        raise InputError("domain-wall normal must have an in-plane (x, y) component")
    n /= np.linalg.norm(n)
    if width is None:
        raise InputError("domain_wall needs width= (metres)")
    w = _positive(width, "width")
    if position is None:
        u = (P - system_center(system)) @ n
    elif np.ndim(position) == 0:
        u = P @ n - float(position)
    else:
        u = (P - _vec(position, "position", dimension="length")) @ n
    th = 2 * np.arctan(np.exp(np.clip(u / w, -700, 700)))
    e = n if kind == "neel" else np.cross([0.0, 0.0, 1.0], n)
    e = chirality * e
    m = np.cos(th)[:, None] * np.array([0.0, 0.0, 1.0]) + np.sin(th)[:, None] * e
    return _normalize(m)


def spiral(system, q, kind="neel", phase=0.0, axis=(0.0, 0.0, 1.0), origin=None):
    """Flat spin spiral m(r) = cos(q . (r - origin) + phase) e1 + sin(q . (r - origin) + phase) e2.

    q: wavevector (1/m, 2 or 3 components); e1 = normalized ``axis`` (default z); "neel" (cycloid):
    e2 = component of q-hat perpendicular to e1 (rotation plane contains q); "bloch" (helix):
    e2 = e1 x q-hat (rotation plane perpendicular to q).  Period 2 pi/|q|; for a periodic system pick q
    commensurate with the supercell (q . L_k = 2 pi n_k).
    """
    _system(system)  # type check
    P = _positions(system)
    if kind not in ("neel", "bloch"):
        raise InputError(f"unknown spiral kind {kind!r}; use 'neel' (cycloid) or 'bloch' (helix)")
    qv = _vec(q, "q", nonzero=True)
    e1 = _vec(axis, "axis", nonzero=True)
    e1 /= np.linalg.norm(e1)
    qh = qv / np.linalg.norm(qv)
    if kind == "neel":
        e2 = qh - np.dot(qh, e1) * e1
        if np.linalg.norm(e2) < 1e-9:
            raise InputError("a Neel (cycloidal) spiral needs q not parallel to axis")
    else:
        e2 = np.cross(e1, qh)
        if np.linalg.norm(e2) < 1e-9:
            raise InputError("a Bloch (helical) spiral needs q not parallel to axis")
    e2 /= np.linalg.norm(e2)
    o = np.zeros(3) if origin is None else _vec(origin, "origin", dimension="length")
    ang = (P - o) @ qv + float(phase)
    return _normalize(np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2)
