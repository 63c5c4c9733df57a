"""Seed 001 results T1-T14 (spec 5) with the default parameters of spec 4, to the quoted digits."""
import numpy as np
import pytest
from scipy import optimize

from spinertia.spinwaves import (DEFAULTS, axis_kpoints, effective_damping, effective_gyromagnetic_ratio,
                                 find_crossings, gap_vs_eta, gap_vs_mu_ratio, group_velocity, matrices, r1, r2,
                                 r3, r4, r5, solve, stability_report, two_sublattice_checkerboard, zone_edge,
                                 zone_edge_gaps)
from spinertia.units import GAMMA_ELECTRON, MU_B

THZ = 2 * np.pi * 1e12  # rad/s per THz
A = DEFAULTS["a"]
KY, TY = axis_kpoints("y", 801)  # t = k_y / (pi/b), step 1/400
KX, TX = axis_kpoints("x", 801)
I0 = 400  # k = 0


def thz(x):
    return x / THZ


@pytest.fixture(scope="module")
def bands():
    return {name: solve(f(), KY) for name, f in (("R1", r1), ("R2", r2), ("R3", r3), ("R4", r4), ("R5", r5))}


@pytest.fixture(scope="module")
def vg(bands):
    return {name: group_velocity(f(), KY, direction=(0, 1), bands=bands[name])
            for name, f in (("R2", r2), ("R3", r3), ("R4", r4))}


def test_T1_four_bands_all_decaying_over_the_zone():
    """T1: 2 precessional + 2 inertial roots per k and sigma, all Im omega < 0; stable over the BZ."""
    g = np.linspace(-1, 1, 41)
    kx, ky = np.meshgrid(g * np.pi / A, g * np.pi / A)
    inside = np.abs(kx) + np.abs(ky) <= np.pi / A * (1 + 1e-12)  # BZ diamond (a = b)
    k = np.stack([kx[inside], ky[inside]], axis=1)
    for f in (r1, r2, r3, r4, r5):
        rep = stability_report(f(), k)
        assert rep.ok, str(rep)
        for sigma in (1, -1):
            b = solve(f(), k, sigma, vectors=False)
            assert np.all(b.consistent)
            assert np.all(sigma * b.omega[:, :2].real < 0) and np.all(sigma * b.omega[:, 2:].real > 0)
            assert np.all(b.omega.imag < 0)


def test_T4_dmi_nonreciprocity(bands):
    """T4: R1 p1 at +-pi/4a: 0.954 vs 1.210 THz; all four bands nonreciprocal along k_x, reciprocal along k_y."""
    b = solve(r1(), [[np.pi / 4 / A, 0], [-np.pi / 4 / A, 0]])
    assert sorted(np.round(b.thz[:, 0], 3)) == [0.954, 1.210]
    fx = solve(r1(), KX).thz
    assert np.all(np.abs(fx - fx[::-1]).max(axis=0) > 0.1)
    fy = bands["R1"].thz
    assert np.abs(fy - fy[::-1]).max() < 1e-12


def test_T5_chiral_inertia_nonreciprocity(bands, vg):
    """T5: R4 max asymmetry p1 0.40, p2 0.83, n1 1.01, n2 1.47 THz; maxima of p2/n2 at -0.19/-0.27 pi/b;
    p1 minimum at k = 0; reciprocal along k_x for D = 0; v_g(0) != 0 for p2, n1, n2; no effect at 0 and edge."""
    f = bands["R4"].thz
    asym = np.abs(f - f[::-1]).max(axis=0)
    assert list(np.round(asym, 2)) == [0.40, 0.83, 1.01, 1.47]
    for j, ref in ((1, -0.19), (3, -0.27)):  # refine the grid maximum
        t0 = TY[np.argmax(f[:, j])]
        res = optimize.minimize_scalar(lambda t: -abs(solve(r4(), [0, t * np.pi / A], vectors=False).omega[0, j].real),
                                       bounds=(t0 - 0.01, t0 + 0.01), method="bounded", options={"xatol": 1e-6})
        assert round(res.x, 2) == ref
    assert TY[np.argmin(f[:, 0])] == 0.0
    fx = solve(r4(D=0.0), KX).thz
    assert np.abs(fx - fx[::-1]).max() < 1e-12
    v = vg["R4"][I0]
    # p1: |v_g(0)| = 0.68 m/s (the minimum sits at k = -2e-5 pi/b, 1e-8 THz deep: "stays at k = 0")
    assert abs(v[0]) < 1.0 and np.all(np.abs(v[1:]) > 500.0)  # m/s
    ae = effective_damping(bands["R4"])
    assert np.abs(ae - ae[::-1]).max() > 1e-2 * ae.max()
    for i in (0, I0, -1):  # s_y = 0: chiral inertia has no effect
        assert np.allclose(bands["R4"].omega[i], bands["R2"].omega[i], rtol=1e-13)


def test_T6_zone_edge_gap():
    """T6: equal moments -> Delta_p = Delta_n = 0 for any eta, eta_AB, xi_AB; R2 0.5578 THz with Delta_p = Delta_n;
    mu_A/mu_B = 0.5, 2, 3 -> 1.70, 1.19, 1.71 THz; eta_AA != eta_BB opens an inertial gap with Delta_p != Delta_n."""
    ke = zone_edge()
    for o in (dict(), dict(eta=10e-15), dict(eta_AB=50e-15), dict(xi_AB=40e-15)):
        dp, dn = zone_edge_gaps(r1(**o), ke)
        assert abs(dp) < 1e-12 * THZ and abs(dn) < 1e-12 * THZ
    dp, dn = zone_edge_gaps(r2(), ke)
    assert round(thz(dp), 4) == 0.5578 and dp == pytest.approx(dn, rel=1e-12)
    assert zone_edge_gaps(r2(), zone_edge("x"))[0] == pytest.approx(dp, rel=1e-12)
    # closed form (spec 3), exact with damping
    g, kap, eta = GAMMA_ELECTRON, 1 - 0.01j, 100e-15
    Om = [g * (1.0 + (2e-23 + 8e-21) / mu) for mu in (1.72 * MU_B, 2.22 * MU_B)]
    ref = abs((np.sqrt(kap**2 + 4 * eta * Om[0]).real - np.sqrt(kap**2 + 4 * eta * Om[1]).real) / (2 * eta))
    assert dp == pytest.approx(ref, rel=1e-12)
    dps, _ = gap_vs_mu_ratio([0.5, 2.0, 3.0])
    assert list(np.round(thz(dps), 2)) == [1.70, 1.19, 1.71]
    ratios = np.array([0.3, 0.5, 0.8, 1.0, 1.25, 2.0, 3.0])
    dps, dns = gap_vs_mu_ratio(ratios)
    assert np.allclose(dps, dns, rtol=1e-10, atol=1e-12 * THZ)
    assert np.all(np.diff(dps[:4]) < 0) and np.all(np.diff(dps[3:]) > 0) and dps[3] < 1e-12 * THZ
    dp, dn = zone_edge_gaps(r1(eta_BB=60e-15), ke)
    assert thz(dn) > 0.5 and abs(dp - dn) > 0.1 * dn


def test_T7_gap_versus_eta():
    """T7: 1, 10, 100, 1000, 5000 fs -> 2.768, 1.560, 0.558, 0.179, 0.080 THz; eta -> 0: LLG gap ~3.17 THz;
    monotonic, ~eta^-1/2 at large eta; eta_AB and xi_AB leave the gap unchanged."""
    etas = np.array([1, 10, 100, 1000, 5000]) * 1e-15
    dp, dn = gap_vs_eta(etas)
    assert list(np.round(thz(dp), 3)) == [2.768, 1.560, 0.558, 0.179, 0.080]
    assert np.allclose(dp, dn, rtol=1e-10)
    dense, _ = gap_vs_eta(np.geomspace(1e-16, 1e-11, 30))
    assert np.all(np.diff(dense) < 0)
    assert dense[-1] * np.sqrt(1e-11) == pytest.approx(dense[-2] * np.sqrt(np.geomspace(1e-16, 1e-11, 30)[-2]),
                                                       rel=0.02)
    llg = zone_edge_gaps(r2(eta=0.0), zone_edge())[0]
    ref = GAMMA_ELECTRON * (8e-21 + 2e-23) * abs(1 / (1.72 * MU_B) - 1 / (2.22 * MU_B)) / (1 + 0.01**2)  # |Re|
    assert llg == pytest.approx(ref, rel=1e-10) and round(thz(llg), 2) == 3.17
    for o in (dict(eta_AB=50e-15), dict(xi_AB=40e-15)):
        assert zone_edge_gaps(r2(**o), zone_edge())[0] == pytest.approx(zone_edge_gaps(r2(), zone_edge())[0],
                                                                       rel=1e-12)


def test_T8_p2_n1_crossings():
    """T8: crossings at 0.605 (R2), 0.588 (R1), 0.686 (R3), +0.47/-0.72 (R4) pi/b; none for eta = 10 fs with
    minimum separation 2.45 THz, 0.56 THz with eta_AB = 1 fs, closing at ~1.3 fs (1.5 fs equal moments)."""
    expect = {r2: [-0.605, 0.605], r1: [-0.588, 0.588], r3: [-0.686, 0.686], r4: [-0.72, 0.47]}
    for f, ref in expect.items():
        cross, g = find_crossings(f(), KY)
        t = [c.k[1] / (np.pi / A) for c in cross]
        digits = 3 if f is not r4 else 2
        assert list(np.round(t, digits)) == ref
        for c in cross:  # opposite handedness at the crossing, equal |Re omega|
            b = solve(f(), c.k)
            assert abs(abs(b["p2"][0].real) - b["n1"][0].real) < 1e-9 * c.frequency
            assert b["p2"][0].real < 0 < b["n1"][0].real
    cross, g = find_crossings(r5(), KY)
    assert cross == [] and round(thz(g.min()), 2) == 2.45
    cross, g = find_crossings(r5(eta_AB=1e-15), KY)
    assert cross == [] and round(thz(g.min()), 2) == 0.56

    def closing(**o):  # eta_AB where the minimum separation vanishes (linear interpolation)
        e = np.array([1.2, 1.4, 1.6]) * 1e-15
        s = [find_crossings(r5(eta_AB=x, **o), KY)[1].min() for x in e]
        return np.interp(0.0, s[::-1], e[::-1])

    assert round(closing() * 1e15, 1) == 1.3
    assert round(closing(mu=2 * MU_B) * 1e15, 1) == 1.5


def test_crossing_criterion_of_spec_3():
    """Case 2.5.2, alpha -> 0, mu_A = mu_B: crossing iff sqrt(1 + 4 eta lambda2(G)) - sqrt(1 + 4 eta lambda1(G)) > 2."""
    for eta in (10e-15, 30e-15, 60e-15, 100e-15):
        m = r1(eta=eta)
        lam = np.sort(np.linalg.eigvals(matrices(m, [0.0, 0.0])[0][0]).real)
        crit = np.sqrt(1 + 4 * eta * lam[1]) - np.sqrt(1 + 4 * eta * lam[0]) > 2
        k, _ = axis_kpoints("y", 201, fraction=1.0)
        assert bool(find_crossings(m, k[100:])[0]) == crit


def test_T9_group_velocity(vg):
    """T9: R2 v_p1 = v_n1, v_p2 = v_n2, maxima 3.28 and 1.56 km/s, zero at k = 0 and the edge; R3 maxima p2 3.32,
    n2 4.88 km/s, |v_n| > |v_p| in the open half-zone, p2/n2 enhanced everywhere, p1/n1 only in the outer zone."""
    v2, v3 = vg["R2"], vg["R3"]
    assert np.allclose(v2[:, 0], v2[:, 2], rtol=1e-8, atol=1e-8 * np.abs(v2).max())
    assert np.allclose(v2[:, 1], v2[:, 3], rtol=1e-8, atol=1e-8 * np.abs(v2).max())
    assert list(np.round(np.abs(v2).max(axis=0) / 1e3, 2)) == [3.28, 1.56, 3.28, 1.56]
    assert list(np.round(np.abs(v3).max(axis=0)[[1, 3]] / 1e3, 2)) == [3.32, 4.88]
    for v in (v2, v3):
        assert np.all(np.abs(v[[0, I0, -1]]) < 1e-6)
    half = (TY > 0) & (TY < 1)
    a2, a3, t = np.abs(v2[half]), np.abs(v3[half]), TY[half]
    assert np.all(a3[:, 2] > a3[:, 0]) and np.all(a3[:, 3] > a3[:, 1])
    assert np.all(a3[:, 1] > a2[:, 1]) and np.all(a3[:, 3] > a2[:, 3])
    # p1 enhanced only for k > ~0.47 pi/b, n1 only for k > ~0.31 pi/b (spec: ~0.45 and ~0.35); reduced near G
    p1_gain, n1_gain = a3[:, 0] - a2[:, 0], a3[:, 2] - a2[:, 2]
    assert np.all(p1_gain[t > 0.48] > 0) and np.all(p1_gain[(t > 0.01) & (t < 0.46)] < 0)
    assert np.all(n1_gain[t > 0.32] > 0) and np.all(n1_gain[(t > 0.02) & (t < 0.30)] < 0)


def test_T10_effective_damping_and_gyromagnetic_ratio(bands):
    """T10: alpha_eff/alpha < 1 for eta > 0 (= 1 for eta = 0); p_j = n_j without cross inertia; R2 p1 0.934 -> 0.187,
    p2 0.125 -> 0.166 from G to the edge; symmetric unless xi_AB != 0; gamma_eff/gamma = alpha_eff/alpha + O(alpha)."""
    ae = effective_damping(bands["R2"]) / 0.01
    assert np.all(ae < 1)
    assert np.allclose(ae[:, :2], ae[:, 2:], atol=1e-3)  # equal at first order in alpha
    assert round(ae[I0, 0], 3) == 0.934 and round(ae[-1, 0], 3) == 0.187
    assert round(ae[I0, 1], 3) == 0.125 and round(ae[-1, 1], 3) == 0.166
    right = ae[I0:, 0]
    assert np.all(np.diff(right) < 0) and np.all(np.diff(ae[I0:, 1]) > 0)
    for name in ("R1", "R2", "R3"):
        a = effective_damping(bands[name])
        assert np.allclose(a, a[::-1], rtol=1e-9)
    llg = effective_damping(solve(r2(eta=0.0), KY)) / 0.01
    assert np.allclose(llg[:, :2], 1.0, rtol=1e-12)
    for f, name in ((r2, "R2"), (r3, "R3"), (r4, "R4")):
        ge = effective_gyromagnetic_ratio(f(), KY, bands=bands[name]) / GAMMA_ELECTRON
        assert np.abs(ge - effective_damping(bands[name]) / 0.01).max() < 1e-4


def test_T11_cross_inertia_at_k0():
    """T11: k = 0, eta_AB 0 -> 50 fs: p2 5.56 -> 7.47, n2 7.15 -> 10.65, n1 1.65 -> 1.12, p1 0.0567 -> 0.0558 THz;
    alpha_eff of p2, n2 0.125 -> 0.176 alpha and of p1, n1 0.934 -> 0.905 alpha."""
    b2, b3 = solve(r2(), [0.0, 0.0]), solve(r3(), [0.0, 0.0])
    assert list(np.round(b2.thz[0, [1, 3, 2]], 2)) == [5.56, 7.15, 1.65]
    assert list(np.round(b3.thz[0, [1, 3, 2]], 2)) == [7.47, 10.65, 1.12]
    assert round(b2.thz[0, 0], 4) == 0.0567 and round(b3.thz[0, 0], 4) == 0.0558
    a2, a3 = effective_damping(b2)[0] / 0.01, effective_damping(b3)[0] / 0.01
    assert list(np.round(a2, 3)) == [0.934, 0.125, 0.934, 0.125]
    assert list(np.round(a3, 3)) == [0.905, 0.176, 0.905, 0.176]


def test_T12_small_inertia_inertial_bands_far_above(bands):
    """T12: eta = 10 fs: inertial bands near 1/(2 pi eta) + the precession frequency, far above."""
    f = bands["R5"].thz
    ref = 1 / (2 * np.pi * 10e-15) / 1e12 + f[:, :2]
    assert np.allclose(f[:, 2:], ref, rtol=0.05)
    assert np.all(f[:, 2].min() > f[:, 1].max())


def test_T14_onsite_chiral_inertia_antidamps_precession():
    """T14: xi_ss > 0 damps nutation, anti-damps precession; unstable already for xi ~ 0.3 fs; flagged, not raised."""
    k = KY[::40]
    base = solve(r2(), k).omega
    small = solve(r2(xi=0.01e-15), k).omega
    assert np.all(small[:, :2].imag > base[:, :2].imag) and np.all(small[:, 2:].imag < base[:, 2:].imag)
    assert stability_report(r2(xi=0.01e-15), k).ok
    rep = stability_report(r2(xi=0.3e-15), k)
    assert not rep.ok and {f.condition for f in rep.failures} == {"growing_mode"}
    assert np.all(np.isfinite(solve(r2(xi=0.3e-15), k).omega))


def test_alternative_diagonal_dmi_geometry():
    """Spec 1.1 alternative: DMI on (+-a, +-b) gives sin(k_x a) cos(k_y b) in place of sin(2 k_x a)/2."""
    m = two_sublattice_checkerboard(dmi="diagonal")
    k = np.array([[0.3, 0.2], [-0.6, 0.7]]) * np.pi / A
    Om = matrices(m, k)[0]
    Om0 = matrices(two_sublattice_checkerboard(D=0.0), k)[0]
    mu = DEFAULTS["mu_A"]
    dmi = -GAMMA_ELECTRON / mu * 4 * DEFAULTS["D"] * np.sin(k[:, 0] * A) * np.cos(k[:, 1] * A)
    assert np.allclose(Om[:, 0, 0] - Om0[:, 0, 0], dmi, rtol=1e-10)
