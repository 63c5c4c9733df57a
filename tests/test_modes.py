"""Linear modes: closed forms vs exact Jacobian spectra vs simulated time series; Webb et al. 2026, Eq. 9."""
import numpy as np
import pytest

from conftest import dyn, field_z, tilted
from spinertia.analysis.modes import (illg_modes, kernel_modes, kernel_modes_eq9, linear_modes, llg_modes,
                                      macrospin_modes)
from spinertia.numerics.signal import matrix_pencil
from spinertia.dynamics.kernels import ExponentialSumKernel, phonon_kernel
from spinertia.dynamics.models import LLG, InertialLLG, MemoryKernelLLG
from spinertia.dynamics.simulate import simulate
from spinertia.errors import InputError
from spinertia.units import GAMMA_ELECTRON


def test_llg_and_illg_closed_forms_equal_jacobian_spectrum(ham):
    jl = linear_modes(LLG(dyn(ham, 0.03)))
    assert jl[0] == pytest.approx(llg_modes(1.0, 0.03)["precession"], rel=1e-9)
    ji = linear_modes(InertialLLG(dyn(ham, 0.03, 0.05)))
    ex = illg_modes(1.0, 0.03, 0.05)
    assert ji[0] == pytest.approx(ex["precession"], rel=1e-9)
    assert ji[1] == pytest.approx(ex["nutation"], rel=1e-9)


def test_illg_nutation_limits():
    """Webb et al. 2026 text after Eq. 10: omega_eta ~ 1/eta, broadening alpha/eta, for eta omega0 << 1."""
    eta, alpha = 1e-4, 0.02
    w = illg_modes(1.0, alpha, eta)["nutation"]
    assert w.real == pytest.approx(1 / eta, rel=2e-4)  # exact: (1 + eta omega0 + ...) / eta
    assert -w.imag == pytest.approx(alpha / eta, rel=1e-3)


def test_kernel_roots_equal_jacobian_of_auxiliary_system(ham):
    k = phonon_kernel(2.0, 20.0, 0.5, 1.0)
    for sign in ("passive", "as_printed"):
        jac = linear_modes(MemoryKernelLLG(dyn(ham, 0.02), k, kernel_sign=sign))
        r = kernel_modes(1.0, k, 0.02, sign)
        for w in (r["precession"], r["nutation"], r["nutation_corotating"]):
            assert np.min(np.abs(jac - w)) < 1e-9 * abs(w)
        # the longitudinal phonon component is uncoupled: a bare Omega0 - i Z Gamma mode
        assert np.min(np.abs(jac - (20.0 - 0.5j))) < 1e-9


def test_kernel_roots_for_a_general_exponential_sum(ham):
    k = ExponentialSumKernel([-1.5j, 0.3 - 0.8j, 0.7], [-0.4 + 9.0j, -1.0 + 15.0j, -2.0])
    jac = linear_modes(MemoryKernelLLG(dyn(ham, 0.01), k))
    r = kernel_modes(1.0, k, 0.01)
    for w in [r["precession"], *r["nutations"]]:
        assert np.min(np.abs(jac - w)) < 1e-8 * abs(w)


def test_eq9_corrected_is_second_order_and_printed_signs_are_wrong(ham):
    """Corrected Eq. 9 differs from the exact roots at O(V^4); the printed form fails at O(V^2)."""
    Om, Z, G, alpha = 20.0, 0.5, 1.0, 0.0
    errs_c, errs_p = [], []
    for V2 in (1.0, 0.5):
        ex = kernel_modes(1.0, phonon_kernel(V2, Om, Z, G), alpha)
        c = kernel_modes_eq9(1.0, Om, Z, G, V2, alpha, form="corrected")
        p = kernel_modes_eq9(1.0, Om, Z, G, V2, alpha, form="as_printed")
        errs_c.append(abs(c["nutation_corotating"] - ex["nutation_corotating"]))
        errs_p.append(abs(p["nutation_corotating"] - ex["nutation_corotating"]))
        # the counter-rotating branch of the printed form coincides with the corrected one
        assert p["nutation"] == pytest.approx(c["nutation"], rel=1e-12)
    assert 3.5 < errs_c[0] / errs_c[1] < 4.5  # O(V^4)
    assert 1.8 < errs_p[0] / errs_p[1] < 2.2  # O(V^2): wrong sign of the level shift
    # printed precession line with Gilbert damping grows
    assert kernel_modes_eq9(1.0, Om, Z, G, 1.0, 0.02, form="as_printed")["precession"].imag > 0
    assert kernel_modes(1.0, phonon_kernel(1.0, Om, Z, G), 0.02)["precession"].imag < 0


def test_simulated_small_oscillation_matches_modes(ham):
    """Matrix-pencil analysis of a small-amplitude iLLG run recovers both exact roots."""
    alpha, eta = 0.05, 0.1
    model = InertialLLG(dyn(ham, alpha, eta))
    tr = simulate(model, model.initial_state(tilted(1e-4)), 30.0, 1e-3, method="rkmk4", output_every=0.02)
    mp = tr.m[:, 0] + 1j * tr.m[:, 1]
    w, a = matrix_pencil(mp, 0.02, 2)
    ex = illg_modes(1.0, alpha, eta)
    # m_+ = m_x + i m_y carries the precession at -omega_p' and the nutation at +omega_n'
    got = sorted([complex(abs(x.real), x.imag) for x in w], key=lambda z: z.real)
    assert got[0] == pytest.approx(ex["precession"], rel=1e-6)
    assert got[1] == pytest.approx(ex["nutation"], rel=1e-6)


def test_cli_example_values():
    """spinertia modes --model illg --field 0.5 --alpha 0.01 --eta 3e-13 (SI), against the closed form."""
    r = macrospin_modes("illg", 0.5, alpha=0.01, eta=3e-13, gamma=GAMMA_ELECTRON)
    w0 = GAMMA_ELECTRON * 0.5
    b = 1 + 0.01j
    disc = np.sqrt(b * b + 4 * 3e-13 * w0)
    assert r["precession"] == pytest.approx((-b + disc) / (2 * 3e-13), rel=1e-12)
    assert r["nutation"] == pytest.approx(-((-b - disc) / (2 * 3e-13)).conjugate(), rel=1e-12)
    with pytest.raises(InputError, match="eta"):
        macrospin_modes("illg", 0.5, alpha=0.01)
    with pytest.raises(InputError, match="unknown model"):
        macrospin_modes("foo", 0.5)
