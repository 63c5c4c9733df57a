"""Berg-Luscher topological charge, skyrmion centres and radii (spinertia.analysis.topology)."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spinertia.analysis import topology as tp
from spinertia.errors import InputError
from spinertia.lattice import textures as tx
from spinertia.lattice.geometry import chain, checkerboard, simple_cubic, square, triangular
from spinertia.lattice.system import System

A = 5e-10
LATTICES = {"square": square, "triangular": triangular}


def make(lat="square", n=30, periodic=True):
    return System(LATTICES[lat](A) if isinstance(lat, str) else lat, (n, n), periodic=periodic)


@pytest.mark.parametrize("lat", ["square", "triangular"])
@pytest.mark.parametrize("pol,vort", [(-1, 1), (1, 1), (-1, -1), (1, -1), (-1, 2)])
def test_analytic_skyrmion_charge(lat, pol, vort):
    s = make(lat, 30, periodic=True)
    m = tx.skyrmion(s, None, 5 * A, polarity=pol, vorticity=vort, wall_width=2 * A)
    # Q = polarity x vorticity; exact integer on a closed (periodic) lattice
    assert tp.topological_charge(s, m) == pytest.approx(pol * vort, abs=1e-10)
    so = make(lat, 30, periodic=False)
    mo = tx.skyrmion(so, None, 5 * A, polarity=pol, vorticity=vort, wall_width=2 * A)
    q_open = tp.topological_charge(so, mo)
    assert q_open == pytest.approx(pol * vort, abs=2e-3)  # tails cut at the edge
    assert tp.topological_charge(so, mo, cap=(0, 0, -pol)) == pytest.approx(pol * vort, abs=1e-10)


def test_sign_matches_continuum_integral():
    # Q = (1/4 pi) int m . (dm/dx x dm/dy) by finite differences on a fine grid
    s = make("square", 60, periodic=True)
    m = tx.skyrmion(s, None, 8 * A, wall_width=4 * A)
    M = m.reshape(60, 60, 3)  # [iy, ix]
    dx = (np.roll(M, -1, 1) - np.roll(M, 1, 1)) / 2
    dy = (np.roll(M, -1, 0) - np.roll(M, 1, 0)) / 2
    dens = np.einsum("yxa,yxa->yx", M, np.cross(dx, dy)) / (4 * np.pi)
    assert dens.sum() == pytest.approx(-1.0, abs=0.02)
    q, tr = tp.triangle_charges(s, m)
    assert q.sum() == pytest.approx(-1.0, abs=1e-10)
    # site charges sum to Q and match the continuum density
    sc = tp.site_charge(s, m)
    assert sc.sum() == pytest.approx(-1.0, abs=1e-10)
    np.testing.assert_allclose(sc.reshape(60, 60), dens, atol=2e-4)


def test_triangulations():
    s = make("square", 10, periodic=True)
    tr = tp.triangulate(s)
    assert len(tr) == 200 and tr.method == "cells"
    np.testing.assert_allclose(tr.areas, 0.5 * A * A)
    assert len(tp.triangulate(make("square", 10, periodic=False))) == 2 * 81
    assert len(tp.triangulate(s, periodic=False)) == 2 * 81
    t3 = tp.triangulate(make("triangular", 10, periodic=True))
    np.testing.assert_allclose(t3.areas, np.sqrt(3) / 4 * A * A)  # the lattice's own triangles
    for v in (t3.vertices, tr.vertices):  # counter-clockwise about +z
        cr = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])[:, 2]
        assert np.all(cr > 0)
    # Delaunay (used for lattices with a basis) reproduces the cell triangulation's charge
    m = tx.skyrmion(s, None, 2.5 * A, wall_width=A)
    for per in (True, False):
        sd = make("square", 10, periodic=per)
        md = tx.skyrmion(sd, None, 2.5 * A, wall_width=A)
        td = tp.triangulate(sd, method="delaunay")
        assert len(td) == len(tp.triangulate(sd))
        assert tp.topological_charge(sd, md, triangulation=td) == pytest.approx(
            tp.topological_charge(sd, md), abs=1e-3 if not per else 1e-10)
    assert tp.topological_charge(s, m) == pytest.approx(-1.0, abs=1e-10)
    with pytest.raises(InputError):
        tp.triangulate(s, method="voronoi")


def test_lattice_with_basis_uses_delaunay():
    for per in (True, False):
        s = System(checkerboard(A), (20, 20), periodic=per)
        m = tx.skyrmion(s, None, 4 * A, wall_width=2 * A)
        tr = tp.triangulate(s)
        assert tr.method == "delaunay"
        if per:
            assert len(tr) == 2 * s.n_sites
        assert tp.topological_charge(s, m, cap=(0, 0, 1)) == pytest.approx(-1.0, abs=1e-9)


def test_trivial_states_have_zero_charge():
    s = make("triangular", 24, periodic=True)
    assert tp.topological_charge(s, tx.uniform(s, (0.3, 0.1, 1))) == pytest.approx(0.0, abs=1e-14)
    # a smooth random texture around +z: Q = 0 exactly (closed lattice)
    rng = np.random.default_rng(1)
    P = s.positions()
    L = s.lattice.vectors[:2] * 24
    G = 2 * np.pi * np.linalg.inv(np.vstack([L, [0, 0, 1.0]])).T[:2]
    f = np.zeros((s.n_sites, 3))
    for _ in range(6):
        k = rng.integers(-2, 3, size=2) @ G
        f += rng.normal(size=3) * np.cos(P @ k + rng.uniform(0, 2 * np.pi))[:, None]
    m = np.array([0, 0, 1.0]) + 0.4 * f
    m /= np.linalg.norm(m, axis=1)[:, None]
    assert tp.topological_charge(s, m) == pytest.approx(0.0, abs=1e-10)
    # a random (rough) configuration on a closed lattice still gives an integer
    q = tp.topological_charge(s, tx.random(s, seed=2))
    assert q == pytest.approx(round(q), abs=1e-9)


def test_charge_invariant_under_global_rotation():
    s = make("square", 30, periodic=False)
    m = tx.skyrmion(s, None, 5 * A, kind="bloch", wall_width=2 * A)
    q0 = tp.topological_charge(s, m)
    qt0, _ = tp.triangle_charges(s, m)
    for seed in range(3):
        R = Rotation.random(random_state=seed).as_matrix()
        mr = m @ R.T
        qt, _ = tp.triangle_charges(s, mr)
        np.testing.assert_allclose(qt, qt0, atol=1e-13)  # each solid angle is rotation invariant
        assert tp.topological_charge(s, mr) == pytest.approx(q0, abs=1e-12)
        assert tp.topological_charge(s, mr, cap=R @ [0, 0, 1]) == pytest.approx(-1.0, abs=1e-10)


def test_mask_counts_only_interior_triangles():
    s = make("square", 30, periodic=False)
    m = tx.skyrmion(s, None, 4 * A, wall_width=1.5 * A)
    P = s.positions() / A
    inner = np.all((P[:, :2] >= 3) & (P[:, :2] <= 26), axis=1)
    assert tp.topological_charge(s, m, mask=inner) == pytest.approx(-1.0, abs=1e-3)
    assert tp.topological_charge(s, m, mask=np.flatnonzero(inner)) == pytest.approx(
        tp.topological_charge(s, m, mask=inner))
    assert tp.topological_charge(s, m, mask=inner, cap=(0, 0, 1)) == pytest.approx(-1.0, abs=1e-10)
    with pytest.raises(InputError):
        tp.topological_charge(s, m, mask=np.ones(5, bool))


@pytest.mark.parametrize("periodic", [True, False])
def test_centres_agree_and_track_a_shifted_skyrmion(periodic):
    s = make("square", 40, periodic=periodic)
    m = tx.skyrmion(s, None, 5 * A, kind="bloch", wall_width=2 * A)
    c_geo = np.array([19.5, 19.5])
    np.testing.assert_allclose(tp.skyrmion_center(s, m)[:2] / A, c_geo, atol=1e-9)
    np.testing.assert_allclose(tp.charge_center(s, m)[:2] / A, c_geo, atol=2e-3 if periodic else 1e-9)
    for shift in ((3.3, -2.1), (-6.0, 4.75)):
        c = (c_geo + shift) * A
        ms = tx.skyrmion(s, c, 5 * A, kind="bloch", wall_width=2 * A)
        np.testing.assert_allclose(tp.skyrmion_center(s, ms)[:2], c, atol=0.02 * A)
        np.testing.assert_allclose(tp.charge_center(s, ms)[:2], c, atol=0.02 * A)


def test_centre_across_a_periodic_boundary():
    s = make("triangular", 30, periodic=True)
    c = np.array([0.2 * A, 0.1 * A, 0.0])
    m = tx.skyrmion(s, c, 4 * A, wall_width=2 * A)
    L = s.lattice.vectors[:2] * 30
    for est in (tp.skyrmion_center(s, m), tp.charge_center(s, m)):
        d = tx.minimum_image(s, est - c)
        assert np.linalg.norm(d) < 0.05 * A
        # the reported point lies in the image of the cell closest to the system's centre
        f = np.linalg.solve(np.vstack([L, [0, 0, 1.0]]).T, est - s.positions().mean(0))
        assert np.all(np.abs(f[:2]) <= 0.5 + 1e-12)


def test_radii_of_the_ansatz():
    s = make("square", 50, periodic=True)
    R, w = 8 * A, 2.5 * A
    m = tx.skyrmion(s, None, R, wall_width=w)
    r = tp.skyrmion_radius(s, m)
    assert r["r_mz0"] == pytest.approx(R, abs=0.05 * A)
    assert r["r_area"] == pytest.approx(R, abs=0.3 * A)
    # r0: where 1 - m_z = 0.01 on the ansatz
    rr = np.linspace(R, 25 * A, 200001)
    r0_exact = rr[np.argmax(np.cos(tx.skyrmion_profile(rr, R, w)) >= 0.99)]
    assert r["r0_profile"] == pytest.approx(r0_exact, abs=0.05 * A)
    assert r0_exact - 0.5 * A <= r["r0"] <= r0_exact + 0.75 * A  # lattice resolution
    assert r["threshold"] == 0.99
    r2 = tp.skyrmion_radius(s, m, threshold=0.9)
    assert r2["r0"] < r["r0"]
    ms = tp.analyze_skyrmion(s, m)
    assert ms.Q == pytest.approx(-1.0, abs=1e-10) and ms.r_mz0 == pytest.approx(r["r_mz0"])
    d = ms.scaled(A)
    assert d["r_mz0"] == pytest.approx(ms.r_mz0 / A) and len(d["center"]) == 3
    # core-up skyrmion in a -z background
    mp = tx.skyrmion(s, None, R, polarity=1, wall_width=w)
    assert tp.skyrmion_radius(s, mp, polarity=1)["r_mz0"] == pytest.approx(R, abs=0.05 * A)
    rs, mz, cnt = tp.radial_profile(s, m, tp.skyrmion_center(s, m))
    assert np.all(np.diff(rs) > 0) and cnt.sum() == s.n_sites and mz[0] < -0.9


def test_bad_input_raises():
    s = make("square", 10)
    m = tx.skyrmion(s, None, 3 * A)
    for bad in (System(chain(A), 10), System(simple_cubic(A), (5, 5, 2))):
        with pytest.raises(InputError, match="2D lattice"):
            tp.topological_charge(bad, tx.uniform(bad))
    with pytest.raises(InputError, match="not a unit vector"):
        tp.topological_charge(s, 1.1 * m)
    with pytest.raises(InputError, match="shape"):
        tp.topological_charge(s, m[:-1])
    with pytest.raises(InputError, match="no site"):
        tp.skyrmion_center(s, tx.uniform(s))
    with pytest.raises(InputError, match="Q != 0"):
        tp.charge_center(s, tx.uniform(s))
    with pytest.raises(InputError, match="cap"):
        tp.topological_charge(s, m, cap=(0, 0, 2))
    with pytest.raises(InputError, match="threshold"):
        tp.skyrmion_radius(s, m, threshold=1.5)
    with pytest.raises(InputError, match="polarity"):
        tp.skyrmion_center(s, m, polarity=0)
    with pytest.raises(InputError):
        tp.topological_charge("system", m)
