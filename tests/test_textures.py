"""Initial textures: uniform, random, skyrmion (360-degree wall ansatz), domain wall, spiral."""
import numpy as np
import pytest

from spinertia.errors import InputError
from spinertia.lattice import textures as tx
from spinertia.lattice.geometry import simple_cubic, square, triangular
from spinertia.lattice.system import System

A = 5e-10


def sq(n=30, periodic=True, lattice=None):
    return System(lattice or square(A), (n, n), periodic=periodic)


def _unit(m, n):
    assert m.shape == (n, 3)
    np.testing.assert_allclose(np.linalg.norm(m, axis=1), 1.0, atol=1e-14)


def test_uniform_and_random_are_unit_vectors():
    s = sq(8)
    u = tx.uniform(s, (1, 1, 0))
    _unit(u, 64)
    np.testing.assert_allclose(u, np.tile([2**-0.5, 2**-0.5, 0], (64, 1)))
    r1, r2 = tx.random(s, seed=3), tx.random(s.finalized(), seed=3)
    _unit(r1, 64)
    np.testing.assert_array_equal(r1, r2)  # System and FinalizedSystem give the same
    assert abs(r1.mean(0)).max() < 0.3
    with pytest.raises(InputError):
        tx.uniform(s, (0, 0, 0))
    with pytest.raises(InputError):
        tx.uniform("not a system")


@pytest.mark.parametrize("kind,hel", [("neel", 0.0), ("bloch", np.pi / 2)])
def test_skyrmion_profile_core_and_helicity(kind, hel):
    s = sq(31, periodic=False)
    c = np.array([15 * A, 15 * A, 0])
    R, w = 6 * A, 2 * A
    m = tx.skyrmion(s, c, R, kind=kind, wall_width=w)
    _unit(m, s.n_sites)
    P = s.positions()
    d = P - c
    r = np.hypot(d[:, 0], d[:, 1])
    core = np.argmin(r)
    np.testing.assert_allclose(m[core], [0, 0, -1], atol=1e-12)  # polarity -1: core down
    th = 2 * np.arctan(np.sinh(R / w) / np.sinh(np.maximum(r, 1e-30) / w))
    np.testing.assert_allclose(m[:, 2], np.where(r > 0, np.cos(th), -1.0), atol=1e-12)
    # in-plane angle = phi + helicity
    sel = (r > 0) & (np.hypot(m[:, 0], m[:, 1]) > 1e-6)
    ang = np.arctan2(m[sel, 1], m[sel, 0]) - np.arctan2(d[sel, 1], d[sel, 0]) - hel
    np.testing.assert_allclose(np.cos(ang), 1.0, atol=1e-12)
    # m_z crosses 0 at R (the ansatz gives theta(R) = pi/2 exactly)
    assert tx.skyrmion_profile(R, R, w) == pytest.approx(np.pi / 2, abs=1e-14)
    assert tx.skyrmion_profile(0.0, R, w) == pytest.approx(np.pi)
    assert tx.skyrmion_profile(1e3 * R, R, w) == pytest.approx(0.0, abs=1e-12)  # no overflow far away


def test_skyrmion_polarity_vorticity_and_default_center():
    s = sq(20, periodic=True)
    m = tx.skyrmion(s, None, 4 * A, polarity=1, vorticity=-1)
    # default centre (9.5, 9.5) a: the four central sites have m_z > 0, the far corner is -z
    P = s.positions() / A
    central = np.all(np.abs(P[:, :2] - 9.5) < 1, axis=1)
    assert central.sum() == 4 and np.all(m[central, 2] > 0.9)
    assert m[0, 2] < -0.99
    with pytest.raises(InputError, match="vorticity"):
        tx.skyrmion(s, None, 4 * A, vorticity=0)
    with pytest.raises(InputError, match="polarity"):
        tx.skyrmion(s, None, 4 * A, polarity=0)
    with pytest.raises(InputError, match="kind"):
        tx.skyrmion(s, None, 4 * A, kind="vortex")


def test_skyrmion_wraps_across_periodic_boundaries():
    s = sq(20, periodic=True)
    m = tx.skyrmion(s, (0.0, 0.0), 3 * A, wall_width=A)
    # the sites at the opposite corner (19, 19) are one lattice spacing from the centre's image
    P = s.positions() / A
    k = np.flatnonzero(np.all(np.abs(P[:, :2] - 19) < 1e-9, axis=1))[0]
    j = np.flatnonzero(np.all(np.abs(P[:, :2] - 1) < 1e-9, axis=1))[0]
    np.testing.assert_allclose(m[k, 2], m[j, 2], atol=1e-12)
    assert m[k, 2] < 0
    # open boundaries: no wrap
    so = sq(20, periodic=False)
    mo = tx.skyrmion(so, (0.0, 0.0), 3 * A, wall_width=A)
    assert mo[k, 2] > 0.99


def test_skyrmion_radius_and_center_validation():
    s = sq(20)
    with pytest.raises(InputError, match="larger than the system"):
        tx.skyrmion(s, None, 11 * A)
    with pytest.raises(InputError, match="positive"):
        tx.skyrmion(s, None, -1.0)
    with pytest.raises(InputError, match="radius"):
        tx.skyrmion(s, None)
    with pytest.raises(InputError, match="outside"):
        tx.skyrmion(s, (100 * A, 0.0), 3 * A)
    with pytest.raises(InputError, match="wall_width"):
        tx.skyrmion(s, None, 3 * A, wall_width=0.0)


def test_skyrmion_backgrounds():
    s = sq(16, periodic=False)
    m = tx.skyrmion(s, None, 3 * A, kind="bloch")
    m_bg = tx.skyrmion(s, None, 3 * A, kind="bloch", background=tx.uniform(s))
    np.testing.assert_allclose(m_bg, m, atol=1e-14)
    # rigid rotation to an x background: background spins along +x, core along -x
    mx = tx.skyrmion(s, None, 3 * A, kind="bloch", background=(1, 0, 0))
    _unit(mx, s.n_sites)
    np.testing.assert_allclose(mx[:, 0], m[:, 2], atol=1e-12)
    # embedding into a tilted uniform background keeps the far spins
    tilt = tx.uniform(s, (np.sin(0.3), 0, np.cos(0.3)))
    me = tx.skyrmion(s, None, 3 * A, background=tilt)
    _unit(me, s.n_sites)
    # each background spin b is rotated by theta(r) about e = z x u (u = in-plane skyrmion direction):
    # cos(angle(b, R b)) = cos theta + (e . b)^2 (1 - cos theta)
    d = s.positions()[:, :2] - 7.5 * A
    th = tx.skyrmion_profile(np.hypot(*d.T), 3 * A, 1.5 * A)
    Phi = np.arctan2(d[:, 1], d[:, 0])  # neel, helicity 0
    eb = -np.sin(Phi) * tilt[:, 0] + np.cos(Phi) * tilt[:, 1]
    np.testing.assert_allclose(np.sum(me * tilt, 1), np.cos(th) + eb**2 * (1 - np.cos(th)), atol=1e-12)
    np.testing.assert_allclose(me[0], tilt[0], atol=0.02)
    with pytest.raises(InputError):
        tx.skyrmion(s, None, 3 * A, background=np.ones((s.n_sites, 3)))


def test_favoured_helicity_lowers_the_dmi_energy():
    for kind in ("bulk", "interfacial"):
        for D in (1e-22, -1e-22):
            for pol in (-1, 1):
                s = System(square(A), (24, 24), periodic=True).add_dmi(D, shell=1, kind=kind)
                fin = s.finalized()
                h0 = tx.favoured_helicity(kind, D, pol)
                E = [fin.energy(0, tx.skyrmion(fin, None, 5 * A, polarity=pol, helicity=h0 + k * np.pi / 2))
                     for k in range(4)]
                assert np.argmin(E) == 0 and E[0] < 0, (kind, D, pol, E)
    with pytest.raises(InputError):
        tx.favoured_helicity("vector")


@pytest.mark.parametrize("kind", ["bloch", "neel"])
def test_domain_wall(kind):
    s = sq(40, periodic=False)
    w = 3 * A
    m = tx.domain_wall(s, normal=(1, 0), position=20 * A, width=w, kind=kind)
    _unit(m, s.n_sites)
    x = s.positions()[:, 0]
    np.testing.assert_allclose(m[:, 2], -np.tanh((x - 20 * A) / w), atol=1e-12)
    np.testing.assert_allclose(np.hypot(m[:, 0], m[:, 1]), 1 / np.cosh((x - 20 * A) / w), atol=1e-12)
    e = [1, 0] if kind == "neel" else [0, 1]
    mid = np.argmin(np.abs(x - 20 * A))
    np.testing.assert_allclose(m[mid, :2] / np.linalg.norm(m[mid, :2]), e, atol=1e-12)
    # a point as position, the default centre, chirality -1
    m2 = tx.domain_wall(s, normal=(1, 0), position=(20 * A, 0, 0), width=w, kind=kind, chirality=-1)
    np.testing.assert_allclose(m2[:, 2], m[:, 2], atol=1e-12)
    np.testing.assert_allclose(m2[:, :2], -m[:, :2], atol=1e-12)
    with pytest.raises(InputError):
        tx.domain_wall(s, normal=(0, 0, 1), width=w)
    with pytest.raises(InputError):
        tx.domain_wall(s, width=None)


def test_spiral():
    s = System(triangular(A), (24, 24), periodic=True)
    q = np.array([2 * np.pi / (8 * A), 0, 0])
    for kind, plane in (("neel", (0, 2)), ("bloch", (1, 2))):
        m = tx.spiral(s, q, kind=kind)
        _unit(m, s.n_sites)
        other = {0, 1, 2} - set(plane)
        np.testing.assert_allclose(m[:, list(other)], 0, atol=1e-12)
        x = s.positions()[:, 0]
        np.testing.assert_allclose(m[:, 2], np.cos(q[0] * x), atol=1e-12)
    with pytest.raises(InputError):
        tx.spiral(s, (0, 0, 0))
    with pytest.raises(InputError):
        tx.spiral(s, (0, 0, 1e9), kind="neel")


def test_three_dimensional_lattice_textures_work():
    s = System(simple_cubic(A), (10, 10, 2), periodic=False)
    m = tx.skyrmion(s, None, 3 * A)
    _unit(m, 200)
    np.testing.assert_allclose(m[:100], m[100:])  # a straight tube along z
