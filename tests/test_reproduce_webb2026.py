"""Seed 000 reproduction (quick mode) and unit tests of analysis.elliptical / analysis.nutation."""
import json
import math

import numpy as np
import pytest

from spinertia.analysis import elliptical as ell
from spinertia.analysis import nutation as nut
from spinertia.errors import InputError


# ---------------------------------------------------------------------------------------------------
# end-to-end: run_reproduce(quick=True) once
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def repro(tmp_path_factory):
    from spinertia.reproduce import run_reproduce

    out = tmp_path_factory.mktemp("repro")
    return out, run_reproduce(out, quick=True, papers=("webb2026",))


def test_figures_and_report_written(repro):
    out, res = repro
    s = res["papers"]["webb2026"]
    for name in ("fig1_energy_rate.png", "fig2_larmor.png", "figS3_elliptical.png"):
        p = out / "webb2026" / name
        assert p.exists() and p.stat().st_size > 10_000, name
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert s["figures"][name] == str(p)
    report = (out / "webb2026" / "report.md").read_text()
    assert "PASS" in report and "FAIL" not in report
    assert (out / "report.md").exists()
    assert set(json.loads((out / "checks.json").read_text())) == {"webb2026"}


def test_every_check_passes(repro):
    _, res = repro
    checks = res["papers"]["webb2026"]["checks"]
    assert len(checks) >= 40
    failed = [(c["figure"], c["name"], c["measured_str"], c["expected_str"], c["tolerance"]) for c in checks
              if not c["passed"]]
    assert not failed, failed
    assert res["all_passed"] and res["n_failed"] == 0
    figs = {c["figure"] for c in checks}
    assert figs == {"Fig. 1a", "Fig. 1b", "Fig. 2", "Fig. S3"}
    for c in checks:
        assert c["source"] and c["expected_str"] and c["measured_str"]


def test_unknown_paper_is_refused(tmp_path):
    from spinertia.reproduce import available_papers, run_reproduce

    assert "webb2026" in available_papers()
    with pytest.raises(InputError, match="no reproduction registered"):
        run_reproduce(tmp_path, quick=True, papers=("nobody1999",))


# ---------------------------------------------------------------------------------------------------
# elliptical.py: closed forms vs the matrix-exponential solution
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [(1.0, 0.0), (0.6 * math.cos(0.7), 0.6 * math.sin(0.7))])
def test_undamped_orbit_matches_closed_forms(n):
    w0, KS = 1.3, 0.2
    n = np.array(n)
    n2 = float(n @ n)
    w = ell.elliptical_frequency(w0, KS * n2)
    b = ell.semi_minor_axis(w0, KS * n2)
    assert w == pytest.approx(math.sqrt(w0**2 - (KS * n2) ** 2), rel=1e-15)
    assert ell.eccentricity(w0, KS * n2) == pytest.approx(math.sqrt(2 * KS * n2 / (w0 + KS * n2)), rel=1e-12)
    period = 2 * math.pi / w
    t = np.linspace(0, period, 301)
    M0 = n / math.sqrt(n2)
    M = ell.eq34_solution(t, M0, w0, KS, n, kappa=0.0)
    np.testing.assert_allclose(M[-1], M0, atol=1e-12)  # periodic with the Eq. 13 frequency
    for method in ("conic", "pca", "extrema"):
        axes = ell.ellipse_axes(M[:-1, 0], M[:-1, 1], method=method)
        assert axes["semi_major"] == pytest.approx(1.0, abs=1e-4 if method == "extrema" else 1e-10)
        assert axes["ratio"] == pytest.approx(b, abs=1e-4 if method == "extrema" else 1e-10)
        assert axes["angle"] == pytest.approx(math.atan2(n[1], n[0]), abs=1e-3 if method == "extrema" else 1e-9)
    # matrix of Eq. 12 (kappa = 0): trace 0, det = omega^2, and the Eq. 12 explicit form for n = (x, y)
    B = ell.eq34_matrix(w0, KS, n, 0.0)
    x, y = n
    B12 = np.array([[0, w0], [-w0, 0]]) + KS * np.array([[-2 * x * y, x * x - y * y], [x * x - y * y, 2 * x * y]])
    np.testing.assert_allclose(B, B12, atol=1e-14)
    assert np.linalg.det(B) == pytest.approx(w**2, rel=1e-13)


def test_damped_eq34_eigenvalues_and_solvers():
    w0, KS, kappa = 1.0, 0.05, 0.1
    n = np.array([0.8 * math.cos(0.3), 0.8 * math.sin(0.3)])
    n2 = float(n @ n)
    lam = ell.eq34_eigenvalues(w0, KS * n2, kappa, n2)
    num = np.linalg.eigvals(ell.eq34_matrix(w0, KS, n, kappa))
    np.testing.assert_allclose(np.sort_complex(lam), np.sort_complex(num), rtol=1e-13)
    assert lam[0].real == pytest.approx(-kappa * n2 * (w0 + KS * n2) / 2, rel=1e-13)
    assert abs(lam[0]) ** 2 == pytest.approx(w0**2 - (KS * n2) ** 2, rel=1e-13)
    t = np.linspace(0, 40, 2001)
    M0 = np.array([0.3, -0.5])
    Mx = ell.eq34_solution(t, M0, w0, KS, n, kappa)
    Mi = ell.eq34_solve_ivp(t, M0, w0, KS, n, kappa)
    np.testing.assert_allclose(Mi, Mx, atol=1e-10)
    from scipy.linalg import expm

    B = ell.eq34_matrix(w0, KS, n, kappa)
    np.testing.assert_allclose(expm(B * t[-1]) @ M0, Mx[-1], atol=1e-13)
    # the spiral shrinks by exp(Re lambda t) per unit time
    r = np.hypot(Mx[:, 0], Mx[:, 1])
    assert r[-200:].max() / r[:200].max() == pytest.approx(math.exp(lam[0].real * (t[-1] - t[199])), rel=0.1)


def test_elliptical_input_validation():
    with pytest.raises(InputError):
        ell.elliptical_frequency(1.0, 1.5)
    with pytest.raises(InputError):
        ell.ellipse_axes([0, 1], [1, 0])
    with pytest.raises(InputError):
        ell.eq34_solution([0.0, 1.0], [1.0, 0, 0], 1.0, 0.05)


# ---------------------------------------------------------------------------------------------------
# nutation.py on synthetic signals
# ---------------------------------------------------------------------------------------------------
DT = 2e-4
T = np.arange(0, 0.3, DT)


def test_fit_nutation_single_damped_line_with_slow_background():
    nu, g, A = 1001.4, 19.98, 7e-4
    slow = 0.78 - 0.01 * T - 6.9e-4  # LLG-like drift plus the inertial offset
    y = slow + A * np.cos(nu * T + 0.4) * np.exp(-g * T)
    fit = nut.fit_nutation(T, y, omega_min=30.0, n_pairs=1, n_slow=2)
    assert fit.frequency == pytest.approx(nu, rel=1e-9)
    assert fit.decay_rate == pytest.approx(g, rel=1e-7)
    assert fit.energy_lifetime == pytest.approx(1 / (2 * g), rel=1e-7)
    assert fit.amplitude == pytest.approx(A, rel=1e-7)
    assert fit.peak_time == 0.0
    np.testing.assert_allclose(fit.nutation, A * np.cos(nu * T + 0.4) * np.exp(-g * T), atol=1e-10)
    # reference subtraction gives the same nutation
    fit2 = nut.fit_nutation(T, y + np.sin(T), omega_min=30.0, reference=np.sin(T))
    assert fit2.frequency == pytest.approx(nu, rel=1e-9)
    slow_part, fast = nut.separate_nutation(T, y, 30.0)
    np.testing.assert_allclose(slow_part, slow, atol=1e-10)


def test_fit_nutation_grow_then_decay_envelope():
    # two lines split by 2 w0 with opposite amplitudes: envelope ~ 2A |sin(w0 t)| e^{-l t} ~ 2A t e^{-l t}
    W, w0, lam, A = 1000.0, 1.0, 20.0, 1e-6
    y = A * (np.cos((W + w0) * T) - np.cos((W - w0) * T)) * np.exp(-lam * T)
    fit = nut.fit_nutation(T, y, omega_min=30.0, n_pairs=2, n_slow=1)
    freqs = sorted(w.real for w, _ in fit.modes)
    np.testing.assert_allclose(freqs, [W - w0, W + w0], rtol=1e-8)
    env_exact = 2 * A * np.abs(np.sin(w0 * T)) * np.exp(-lam * T)
    k = np.argmax(env_exact)
    assert fit.peak_time == pytest.approx(T[k], abs=2 * DT)
    assert fit.peak_time == pytest.approx(math.atan(w0 / lam) / w0, rel=0.01)
    assert fit.amplitude == pytest.approx(env_exact[k], rel=1e-6)
    assert fit.envelope[0] < 1e-3 * fit.amplitude


def test_highpass_and_hilbert_envelope():
    nu, g, A = 1000.0, 20.0, 1e-3
    nutation = A * np.cos(nu * T) * np.exp(-g * T)
    y = 0.5 + 0.01 * T + 0.03 * T**2 - 0.05 * np.exp(-T) + nutation
    fast = nut.highpass(y, DT, omega_cut=31.6)
    mid = (T > 0.05) & (T < 0.25)
    np.testing.assert_allclose(fast[mid], nutation[mid], atol=5e-3 * A)
    slow, fast2 = nut.separate_nutation(T, y, 31.6, method="highpass")
    np.testing.assert_allclose(fast2, fast)
    tt, env = nut.nutation_envelope(T, y, 31.6)
    sel = (tt > 0.03) & (tt < 0.1)
    np.testing.assert_allclose(env[sel], A * np.exp(-g * tt[sel]), rtol=0.05)
    # the Butterworth option is available (with its longer edge transients)
    fb = nut.highpass(y, DT, 31.6, method="butter")
    late = (T > 0.15) & (T < 0.2)
    np.testing.assert_allclose(fb[late], nutation[late], atol=0.2 * A)


def test_angles_and_stereographic_llg_exactness():
    # exact LLG solution in a static field along z: tan(theta/2) = tan(theta0/2) e^{-a w t/(1+a^2)}
    w0, a, th0 = 1.0, 0.05, 1.0
    t = np.linspace(0, 10, 501)
    zeta = math.tan(th0 / 2) * np.exp(-1j * w0 * t / (1 + 1j * a))
    th = 2 * np.arctan(np.abs(zeta))
    phi = -np.angle(zeta)
    m = np.column_stack([np.sin(th) * np.cos(phi), np.sin(th) * np.sin(phi), np.cos(th)])
    np.testing.assert_allclose(nut.polar_angle(m), th, atol=1e-13)
    np.testing.assert_allclose(nut.stereographic(m), zeta, atol=1e-13)
    np.testing.assert_allclose(np.diff(nut.azimuth(m)), np.diff(np.unwrap(phi)), atol=1e-12)
    np.testing.assert_allclose(nut.transverse_complex(m), np.sin(th) * np.exp(-1j * phi), atol=1e-13)
    # precessing-frame mapping of lab-frame roots
    assert nut.precessing_frame_frequency(1001 - 20j, 1 - 0.02j) == pytest.approx(1002 - 20j)
    assert nut.precessing_frame_frequency(1000 - 20j, 1 - 0.02j, corotating=True) == pytest.approx(999 - 20j)


def test_amplitude_estimates():
    # iLLG: eta omega0 sin(theta0) at leading order
    assert nut.illg_amplitude_estimate(1e-3, 1.0, math.pi / 4) == pytest.approx(1e-3 * math.sin(math.pi / 4), rel=2e-3)
    # kernel: proportional to V0^2 and, with Z Gamma = alpha Omega0, to Omega0^-3
    a1 = nut.kernel_amplitude_estimate(100.0, 1000.0, 0.5, 40.0, 1.0, math.pi / 4)
    assert nut.kernel_amplitude_estimate(50.0, 1000.0, 0.5, 40.0, 1.0, math.pi / 4) == pytest.approx(a1 / 2)
    assert nut.kernel_amplitude_estimate(100.0, 2000.0, 0.5, 80.0, 1.0, math.pi / 4) == pytest.approx(a1 / 8)
    with pytest.raises(InputError):
        nut.fit_nutation(T, np.cos(T), omega_min=1e9)
