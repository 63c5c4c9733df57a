"""Topological charge, skyrmion centre and radius on 2D lattices.

Topological charge (Berg & Luscher, Nucl. Phys. B 190, 412 (1981)): the lattice is covered by
triangles (i, j, k), ordered counter-clockwise seen from +z (from the tip of a1 x a2 if the lattice is
not in the xy plane); each carries the signed solid angle Omega of the spherical triangle spanned by
its three spins,

    tan(Omega / 2) = m_i . (m_j x m_k) / (1 + m_i . m_j + m_j . m_k + m_k . m_i),   q_t = Omega / (4 pi),

(Omega = 2 atan2(num, den), |Omega| < 2 pi) and Q = sum_t q_t.  For a small triangle q_t tends to
(1/4 pi) m . (dm/dx x dm/dy) x (area), so Q is the lattice version of the usual

    Q = (1/4 pi) int m . (dm/dx x dm/dy) dx dy.

With this sign a skyrmion whose core points along -z in a +z background has Q = -1 (in general
Q = polarity x vorticity, polarity = sign of m_z in the core).  With periodic boundaries (a closed
surface) Q is an integer to round-off for any configuration without exceptional (antiparallel) spin
triples; with open boundaries only triangles whose three sites exist are used, and Q differs from an
integer by the solid angle enclosed by the loop of boundary spins divided by 4 pi (DMI edge canting:
-0.9395 instead of -1 for Xu et al. 2023's 40 x 40 skyrmion).  ``cap=(0, 0, 1)`` closes the open lattice with a
virtual spin at infinity joined to every boundary edge, which makes Q an integer again; ``mask``
restricts the sum to an interior region.

Triangles: for one-site lattices each cell (i1, i2) gives the two triangles of the parallelogram
(r, r + a1, r + a2) split along its shorter diagonal -- for the square lattice each plaquette split in
two, for the triangular lattice exactly the lattice's up and down triangles.  Lattices with a basis
are triangulated by a Delaunay triangulation of the sites (periodic: of the tiled sites, one image of
each triangle kept), with a tiny site-periodic perturbation that resolves cocircular points
consistently.

Centres and radii (for a core polarity p, -1 by default):

* :func:`skyrmion_center` -- Xu et al. 2023: R = sum_i (m0z - m_iz) r_i / sum_i (m0z - m_iz) over the sites
  with m_iz < m0z = -0.1 (for p = +1 the mirror image: m_z -> -m_z);
* :func:`charge_center` -- sum_t q_t r_t / Q over the triangle centroids r_t;
* :func:`skyrmion_radius` -- r_area = sqrt(A/pi) with A the area of the sites whose m_z has the core's
  sign (area per site = cell area / n_sub); r_mz0 -- where the binned radial profile <m_z>(r) crosses 0
  (linear interpolation); Xu et al. 2023's r0 -- the smallest distance from the centre to a site with
  -p m_z >= threshold (default 0.99, i.e. 1 - m_z <= 1e-2 for p = -1), and the same threshold
  crossing of the binned profile (r0_profile).  All radii assume a single skyrmion in the system.

Periodic systems use the minimum image relative to a reference point of the texture (the deepest
core site, or the triangle with the largest charge) for every distance and centre.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InputError
from ..lattice.finalized import check_spins
from ..lattice.textures import _positions, _system, minimum_image, supercell

__all__ = ["Triangulation", "triangulate", "triangle_charges", "topological_charge", "boundary_edges", "site_charge",
           "skyrmion_center", "charge_center", "radial_profile", "skyrmion_radius", "SkyrmionMeasures",
           "analyze_skyrmion"]


@dataclass
class Triangulation:
    """Triangles of a 2D lattice: site indices (T, 3) ordered counter-clockwise about ``normal``,
    unwrapped vertex positions (T, 3, 3) in metres, centroids (T, 3) and areas (T,) (m^2)."""

    indices: np.ndarray
    vertices: np.ndarray
    centroids: np.ndarray
    areas: np.ndarray
    normal: np.ndarray
    periodic: tuple
    method: str

    def __len__(self):
        return len(self.indices)


def _check_2d(system):
    lat = system.lattice
    if lat.dimension != 2:
        raise InputError(f"the topological charge needs a 2D lattice (got a {lat.dimension}D lattice of size "
                         f"{system.size}); build the system on a 2D preset such as lattice.square(a) or "
                         "lattice.triangular(a)")


def _normal(system):
    a1, a2 = system.lattice.vectors[0], system.lattice.vectors[1]
    n = np.cross(a1, a2)
    n /= np.linalg.norm(n)
    if abs(abs(n[2]) - 1) < 1e-9:
        return np.array([0.0, 0.0, 1.0])
    return n


def triangulate(system, periodic=None, method="auto"):
    """Triangulation of a 2D lattice system (see module docstring).  ``periodic``: override the system's
    periodic flags (False, or one bool per direction, switches periodic directions off, e.g. to treat a
    periodic system as open); default: the system's.
    method: "auto" (cells for one-site lattices, else Delaunay), "cells" or "delaunay"."""
    s = _system(system)
    _check_2d(s)
    per = np.array(s.periodic[:2], bool)
    if periodic is not None:  # can only switch periodic directions off
        pv = np.atleast_1d(np.asarray(periodic, bool))
        per = per & (np.broadcast_to(pv, (2,)) if pv.size == 1 else pv[:2])
    P = _positions(system)
    nrm = _normal(s)
    if method not in ("auto", "cells", "delaunay"):
        raise InputError(f"unknown triangulation method {method!r}; use 'auto', 'cells' or 'delaunay'")
    if method == "cells" and s.lattice.n_sub != 1:
        raise InputError("method='cells' needs a lattice with one site per cell; use 'delaunay'")
    if method != "delaunay" and s.lattice.n_sub == 1:
        idx, verts, method = _bravais_triangles(s, P, per)
    else:
        idx, verts, method = _delaunay_triangles(s, P, per, nrm)
    # orientation: counter-clockwise about the normal
    area2 = np.einsum("ta,a->t", np.cross(verts[:, 1] - verts[:, 0], verts[:, 2] - verts[:, 0]), nrm)
    flip = area2 < 0
    idx[flip] = idx[flip][:, [0, 2, 1]]
    verts[flip] = verts[flip][:, [0, 2, 1]]
    return Triangulation(indices=idx, vertices=verts, centroids=verts.mean(1), areas=0.5 * np.abs(area2),
                         normal=nrm, periodic=tuple(bool(x) for x in per), method=method)


def _bravais_triangles(s, P, per):
    n1, n2 = s.size[0], s.size[1]
    a1, a2 = s.lattice.vectors[0], s.lattice.vectors[1]
    if np.linalg.norm(a1 + a2) <= np.linalg.norm(a2 - a1) * (1 + 1e-9):
        templates = (((0, 0), (1, 0), (1, 1)), ((0, 0), (1, 1), (0, 1)))
    else:
        templates = (((0, 0), (1, 0), (0, 1)), ((1, 0), (1, 1), (0, 1)))
    i1, i2 = np.meshgrid(np.arange(n1), np.arange(n2), indexing="ij")
    i1, i2 = i1.T.ravel(), i2.T.ravel()  # i1 fastest (site order)
    idx_all, verts_all = [], []
    for tpl in templates:
        ok = np.ones(len(i1), bool)
        ids, vs = [], []
        for o1, o2 in tpl:
            j1, j2 = i1 + o1, i2 + o2
            if per[0]:
                j1 = j1 % n1
            else:
                ok &= j1 < n1
            if per[1]:
                j2 = j2 % n2
            else:
                ok &= j2 < n2
            ids.append(np.where(ok, j1 + n1 * j2, 0))
            vs.append(P[i1 + n1 * i2] + o1 * a1 + o2 * a2)
        idx_all.append(np.stack(ids, 1)[ok])
        verts_all.append(np.stack(vs, 1)[ok])
    return np.concatenate(idx_all).astype(np.int64), np.concatenate(verts_all), "cells"


def _delaunay_triangles(s, P, per, nrm):
    from scipy.spatial import Delaunay

    N = len(P)
    # in-plane coordinates
    e1 = s.lattice.vectors[0] - np.dot(s.lattice.vectors[0], nrm) * nrm
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(nrm, e1)
    L, _ = supercell(s)
    a = np.linalg.norm(s.lattice.vectors[:2], axis=1).min()
    rng = np.random.default_rng(12345)
    jog = rng.uniform(-1, 1, size=(N, 2)) * 1e-7 * a  # same perturbation for every periodic image
    shifts = [(0, 0)]
    if per.any():
        r0 = range(-1, 2) if per[0] else (0,)
        r1 = range(-1, 2) if per[1] else (0,)
        shifts = [(u, v) for u in r0 for v in r1]
    inv = np.linalg.inv(np.vstack([L[0], L[1], nrm]))
    f0 = P.mean(0) @ inv
    # periodic images only within a band of a few lattice spacings around the fundamental domain
    widths = np.array([np.linalg.norm(np.cross(L[0], L[1])) / np.linalg.norm(L[1 - k]) for k in range(2)])
    band = np.minimum(0.5, 4 * np.linalg.norm(s.lattice.vectors[:2], axis=1).max() / widths)
    pts, owner, imgs = [], [], []  # tiled along the periodic directions only
    for u, v in shifts:
        Q = P + u * L[0] + v * L[1]
        rel = np.abs(Q @ inv - f0)[:, :2]
        near = np.all(rel < 0.5 + band, axis=1)
        pts.append(np.column_stack([Q[near] @ e1, Q[near] @ e2]) + jog[near])
        owner.append(np.arange(N)[near])
        imgs.append(Q[near])
    pts = np.concatenate(pts)
    owner = np.concatenate(owner)
    imgs = np.concatenate(imgs)
    tri = Delaunay(pts).simplices
    verts = imgs[tri]
    area = 0.5 * np.abs(np.einsum("ta,a->t", np.cross(verts[:, 1] - verts[:, 0], verts[:, 2] - verts[:, 0]), nrm))
    site_area = np.linalg.norm(np.cross(L[0], L[1])) / N
    keep = area > 1e-3 * site_area  # drops slivers between (jogged) collinear boundary sites
    if per.any():  # one image of each triangle: centroid in the fundamental domain around the sites' mean
        f = verts.mean(1) @ inv
        for k in range(2):
            if per[k]:
                rel = f[:, k] - f0[k]
                keep &= (rel >= -0.5) & (rel < 0.5)
    return owner[tri[keep]].astype(np.int64), verts[keep], "delaunay"


def _spins(s, spins):
    return check_spins(spins, s.n_sites, "spins")


def triangle_charges(system, spins, periodic=None, triangulation=None):
    """Berg-Luscher charge q_t of every triangle (T,) and the :class:`Triangulation` used."""
    s = _system(system)
    tr = triangulation if triangulation is not None else triangulate(system, periodic)
    m = _spins(s, spins)
    m1, m2, m3 = m[tr.indices[:, 0]], m[tr.indices[:, 1]], m[tr.indices[:, 2]]
    num = np.einsum("ta,ta->t", m1, np.cross(m2, m3))
    den = 1.0 + np.einsum("ta,ta->t", m1, m2) + np.einsum("ta,ta->t", m2, m3) + np.einsum("ta,ta->t", m3, m1)
    return 2.0 * np.arctan2(num, den) / (4 * np.pi), tr


def topological_charge(system, spins, periodic=None, mask=None, cap=None, triangulation=None):
    """Berg-Luscher topological charge Q (module docstring).

    mask: n_sites booleans (or site indices): only the triangles whose three sites are in the mask count
    (e.g. an interior region of an open system).  cap: a unit 3-vector, e.g. (0, 0, 1) for a +z
    background: closes an open lattice (or the masked region) into a sphere by joining every boundary
    edge (a, b) to a virtual site with spin ``cap`` ("the spin at infinity"); Q then is an integer to
    round-off, and the cap's contribution is the solid angle enclosed by the boundary spins / 4 pi."""
    s = _system(system)
    q, tr = triangle_charges(system, spins, periodic, triangulation)
    idx = tr.indices
    if mask is not None:
        keep = np.all(_mask(s, mask)[idx], axis=1)
        q, idx = q[keep], idx[keep]
    Q = float(np.sum(q))
    if cap is not None:
        c = np.asarray(cap, float)
        if c.shape != (3,) or not np.all(np.isfinite(c)) or abs(np.linalg.norm(c) - 1) > 1e-6:
            raise InputError(f"cap must be a unit 3-vector (the background direction), got {np.asarray(cap).tolist()}")
        Q += _cap_charge(_spins(s, spins), idx, c / np.linalg.norm(c))
    return Q


def boundary_edges(indices):
    """Directed boundary edges (a, b) of a set of counter-clockwise triangles: edges used by one triangle,
    in the triangle's own direction."""
    e = np.concatenate([indices[:, [0, 1]], indices[:, [1, 2]], indices[:, [2, 0]]])
    key_fwd = e[:, 0] * (indices.max() + 1) + e[:, 1]
    key_rev = e[:, 1] * (indices.max() + 1) + e[:, 0]
    return e[~np.isin(key_fwd, key_rev)]


def _cap_charge(m, idx, c):
    if len(idx) == 0:
        return 0.0
    e = boundary_edges(idx)
    if len(e) == 0:  # closed already (periodic)
        return 0.0
    m1, m2 = m[e[:, 1]], m[e[:, 0]]  # cap triangle (b, a, cap): opposite direction of the shared edge
    m3 = np.broadcast_to(c, m1.shape)
    num = np.einsum("ta,ta->t", m1, np.cross(m2, m3))
    den = 1.0 + np.einsum("ta,ta->t", m1, m2) + np.einsum("ta,ta->t", m2, m3) + np.einsum("ta,ta->t", m3, m1)
    return float(np.sum(2.0 * np.arctan2(num, den)) / (4 * np.pi))


def _mask(s, mask):
    mk = np.asarray(mask)
    if mk.dtype != bool:
        out = np.zeros(s.n_sites, bool)
        try:
            out[mk.astype(np.int64)] = True
        except (IndexError, ValueError):
            raise InputError(f"mask must be {s.n_sites} booleans or site indices in 0..{s.n_sites - 1}") from None
        return out
    if mk.shape != (s.n_sites,):
        raise InputError(f"mask must have shape ({s.n_sites},), got {mk.shape}")
    return mk


def site_charge(system, spins, periodic=None, triangulation=None):
    """Charge per site (n_sites,): each triangle's q_t shared equally among its three sites (sum = Q).
    ``triangulation``: reuse one (:func:`triangulate`) over many frames."""
    s = _system(system)
    q, tr = triangle_charges(system, spins, periodic, triangulation)
    out = np.zeros(s.n_sites)
    for k in range(3):
        np.add.at(out, tr.indices[:, k], q / 3)
    return out


# ---------------------------------------------------------------------------------------------------
# centres
# ---------------------------------------------------------------------------------------------------
def _wrap_into_box(s, c):
    """Put a point into the periodic supercell image closest to the system's centre."""
    P = _positions(s)
    mid = 0.5 * (P.min(0) + P.max(0))
    return mid + minimum_image(s, c - mid)


def _weighted_center(s, points, w, ref):
    d = minimum_image(s, points - ref)
    c = ref + np.sum(w[:, None] * d, 0) / np.sum(w)
    return _wrap_into_box(s, c) if any(s.periodic) else c


def _polarity(p):
    if p not in (1, -1):
        raise InputError(f"polarity must be +1 (core up) or -1 (core down), got {p!r}")
    return p


def skyrmion_center(system, spins, threshold=-0.1, polarity=-1):
    """Xu et al. 2023's centre: sum_i (m0z - m_iz) r_i / sum_i (m0z - m_iz) over m_iz < m0z (= threshold), metres.

    For polarity +1 the mirrored definition (m_z -> -m_z) is used."""
    s = _system(system)
    p = _polarity(polarity)
    m = _spins(s, spins)
    mz = -p * m[:, 2]  # background-positive
    thr = float(threshold)
    sel = mz < thr
    if not sel.any():
        raise InputError(f"no site has {'m_z' if p < 0 else '-m_z'} < {thr}: no skyrmion core of polarity {p} found")
    P = _positions(system)[sel]
    w = thr - mz[sel]
    return _weighted_center(s, P, w, P[np.argmax(w)])


def charge_center(system, spins, periodic=None):
    """Charge-weighted centre sum_t q_t r_t / Q over the triangle centroids (metres)."""
    s = _system(system)
    q, tr = triangle_charges(system, spins, periodic)
    Q = q.sum()
    if abs(Q) < 1e-3:
        raise InputError(f"the total topological charge is {Q:.3g}: the charge-weighted centre needs Q != 0")
    return _weighted_center(s, tr.centroids, q, tr.centroids[np.argmax(np.abs(q))])


# ---------------------------------------------------------------------------------------------------
# radii
# ---------------------------------------------------------------------------------------------------
def _nn_distance(s):
    return float(s.lattice.shell_distances(1)[0])


def radial_profile(system, spins, center, bin_width=None, component=2):
    """Binned radial profile about ``center`` (metres): (r, value, counts) with r the mean distance of the
    sites in each non-empty bin and value the mean of spin ``component`` (default m_z).
    bin_width: metres (default half the nearest-neighbour distance)."""
    s = _system(system)
    m = _spins(s, spins)
    c = np.asarray(center, float)
    if c.shape == (2,):
        c = np.append(c, 0.0)
    d = minimum_image(s, _positions(system) - c)
    r = np.hypot(d[:, 0], d[:, 1])
    bw = 0.5 * _nn_distance(s) if bin_width is None else float(bin_width)
    if not bw > 0:
        raise InputError(f"bin_width must be positive, got {bin_width!r}")
    k = np.floor(r / bw).astype(np.int64)
    counts = np.bincount(k)
    ok = counts > 0
    rs = np.bincount(k, weights=r)[ok] / counts[ok]
    vs = np.bincount(k, weights=m[:, component])[ok] / counts[ok]
    return rs, vs, counts[ok]


def _first_crossing(r, y, level):
    """First r where y (starting below level) reaches level, by linear interpolation; nan if never."""
    above = y >= level
    if above[0]:
        return float(r[0])
    k = np.argmax(above)
    if not above[k]:
        return float("nan")
    return float(r[k - 1] + (level - y[k - 1]) * (r[k] - r[k - 1]) / (y[k] - y[k - 1]))


def skyrmion_radius(system, spins, center=None, polarity=-1, threshold=0.99, bin_width=None):
    """Radius estimates (metres): dict with r_area, r_mz0, r0 (Xu et al. 2023, sites), r0_profile, threshold,
    center.  See the module docstring; ``center`` defaults to :func:`skyrmion_center`."""
    s = _system(system)
    p = _polarity(polarity)
    m = _spins(s, spins)
    if not (0 < threshold < 1):
        raise InputError(f"threshold must lie in (0, 1) (e.g. 0.99 for m_z >= 0.99), got {threshold!r}")
    c = skyrmion_center(system, m, polarity=p) if center is None else np.asarray(center, float)
    mzb = -p * m[:, 2]  # +1 in the background, -1 in the core
    site_area = np.linalg.norm(np.cross(s.lattice.vectors[0], s.lattice.vectors[1])) / s.lattice.n_sub
    r_area = float(np.sqrt(np.count_nonzero(mzb < 0) * site_area / np.pi))
    rs, vs, _ = radial_profile(system, m, c, bin_width)
    vb = -p * vs
    r_mz0 = _first_crossing(rs, vb, 0.0)
    r0_profile = _first_crossing(rs, vb, threshold)
    d = minimum_image(s, _positions(system) - c)
    r = np.hypot(d[:, 0], d[:, 1])
    out = mzb >= threshold
    r0 = float(r[out].min()) if out.any() else float("nan")
    return {"r_area": r_area, "r_mz0": r_mz0, "r0": r0, "r0_profile": r0_profile, "threshold": float(threshold),
            "center": c}


@dataclass
class SkyrmionMeasures:
    """Q, centres (metres) and radii (metres) of a skyrmion (see :func:`analyze_skyrmion`)."""

    Q: float
    center: np.ndarray
    center_charge: np.ndarray
    r_area: float
    r_mz0: float
    r0: float
    r0_profile: float
    threshold: float
    polarity: int

    def scaled(self, length):
        """A dict of the numbers with lengths divided by ``length`` (e.g. the lattice constant)."""
        d = asdict(self)
        for k in ("center", "center_charge"):
            d[k] = (np.asarray(d[k]) / length).tolist()
        for k in ("r_area", "r_mz0", "r0", "r0_profile"):
            d[k] = d[k] / length
        return d


def analyze_skyrmion(system, spins, polarity=-1, threshold=0.99, mask=None, bin_width=None):
    """Topological charge, Xu et al. 2023 and charge-weighted centres and the radius estimates together."""
    s = _system(system)
    m = _spins(s, spins)
    Q = topological_charge(system, m, mask=mask)
    c = skyrmion_center(system, m, polarity=polarity)
    cq = charge_center(system, m)
    r = skyrmion_radius(system, m, center=c, polarity=polarity, threshold=threshold, bin_width=bin_width)
    return SkyrmionMeasures(Q=Q, center=c, center_charge=cq, r_area=r["r_area"], r_mz0=r["r_mz0"], r0=r["r0"],
                            r0_profile=r["r0_profile"], threshold=float(threshold), polarity=int(polarity))
