"""Sum rule for kappa (Webb et al. 2026, Eq. 7-8, supp. Eqs. 52-56): checks against analytics and quadrature."""
import math

import numpy as np
import pytest
from scipy import integrate

from spinertia.analysis.sum_rule import (
    coherent_sum_rule_lorentzian,
    coherent_sum_rule_numeric,
    coherent_sum_rule_weight,
    gilbert_alpha,
    illg_from_phonon,
    kappa_sum_rule,
    phonon_mapping_from_illg,
    thermal_cutoff_integral,
)
from spinertia.errors import InputError

HBAR = 1.054571817e-34
K_B = 1.380649e-23
OMEGA0 = 2 * math.pi * 5e12  # 5 THz optical phonon, rad/s
T_EQ = HBAR * OMEGA0 / K_B  # temperature with k_B T = hbar Omega0 (~240 K)


def weight_rhs(Omega0, Z, Gamma, T):
    """(2 n0 + 1)[1 - Z(1 + beta Z Gamma delta n0)] with dn/dOmega from its own closed form."""
    beta = HBAR / (K_B * T)
    x = beta * Omega0
    n0 = 1.0 / math.expm1(x)
    dn = -beta * math.exp(x) / math.expm1(x) ** 2
    return (2 * n0 + 1) * (1 - Z * (1 + beta * Z * Gamma * (Z * Gamma * dn)))


def coth_integral(Omega0, T):
    beta = HBAR / (K_B * T)
    f = lambda w: w / math.tanh(beta * w / 2) if w > 0 else 2 / beta
    return integrate.quad(f, 0, Omega0, epsabs=0, epsrel=1e-13)[0]


@pytest.mark.parametrize("Z", [0.3, 0.9, 1.0])
def test_zero_temperature_forms_agree(Z):
    expected = 2 * math.pi * (1 - Z) / OMEGA0**2
    for form in ("paper", "exact"):
        assert kappa_sum_rule(OMEGA0, Z, 0.01 * OMEGA0, 0.0, form=form) == pytest.approx(expected, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("T", [0.1 * T_EQ, T_EQ, 3 * T_EQ])
def test_exact_form_matches_quadrature(T):
    Z, Gamma = 0.6, 0.05 * OMEGA0
    expected = math.pi * weight_rhs(OMEGA0, Z, Gamma, T) / coth_integral(OMEGA0, T)
    assert kappa_sum_rule(OMEGA0, Z, Gamma, T, form="exact") == pytest.approx(expected, rel=1e-11)
    paper = 2 * math.pi * weight_rhs(OMEGA0, Z, Gamma, T) / OMEGA0**2
    assert kappa_sum_rule(OMEGA0, Z, Gamma, T, form="paper") == pytest.approx(paper, rel=1e-12)


@pytest.mark.parametrize("x0", [1e-4, 5e-3, 0.02, 1.0, 30.0, 800.0])
def test_cutoff_integral_vs_quadrature(x0):
    T = HBAR * OMEGA0 / (K_B * x0)
    assert thermal_cutoff_integral(OMEGA0, T) == pytest.approx(coth_integral(OMEGA0, T), rel=1e-11)
    assert thermal_cutoff_integral(OMEGA0, 0.0) == 0.5 * OMEGA0**2


def test_high_temperature_limit():
    T = 1e3 * T_EQ
    beta = HBAR / (K_B * T)
    Z, Gamma = 0.5, 0.01 * OMEGA0
    # int_0^Omega0 w coth(beta w/2) dw -> 2 Omega0 / beta (1 + (beta Omega0)^2/36)
    expected = math.pi * weight_rhs(OMEGA0, Z, Gamma, T) / (2 * OMEGA0 / beta * (1 + (beta * OMEGA0) ** 2 / 36))
    assert kappa_sum_rule(OMEGA0, Z, Gamma, T, form="exact") == pytest.approx(expected, rel=1e-10)
    # Eq. 56 misses the thermal enhancement: ratio ~ 4/(beta Omega0)
    ratio = kappa_sum_rule(OMEGA0, Z, Gamma, T) / kappa_sum_rule(OMEGA0, Z, Gamma, T, form="exact")
    assert ratio == pytest.approx(4 / (beta * OMEGA0), rel=1e-3)


def test_coherent_numeric_zero_temperature_closed_form():
    # At T = 0: (1/pi) int_{-inf}^0 Im(D+ - D-) = (2Z/pi) arctan(Omega0 / (Z Gamma)) (elementary integral)
    for g in (1e-2, 1e-1, 0.7):
        Z = 0.8
        Gamma = g * OMEGA0 / Z
        expected = 2 * Z / math.pi * math.atan(1 / g)
        assert coherent_sum_rule_numeric(OMEGA0, Z, Gamma, 0.0) == pytest.approx(expected, rel=1e-10)
        assert coherent_sum_rule_lorentzian(OMEGA0, Z, Gamma, 0.0) == pytest.approx(expected, rel=1e-13)


def matsubara_corrected(Omega0, Z, a, T, n_max=2_000_000):
    """Z[2 Re n_B(Omega0 + i a) + 1] - (1/beta) sum_n [F^R - F^A](i w_n), summed directly."""
    beta = HBAR / (K_B * T)
    pole = Z * (2 * (1 / np.expm1(beta * complex(Omega0, a))).real + 1)
    nu = 2 * math.pi / beta * np.arange(1, n_max + 1)
    fr = -2 * Z * Omega0 / (Omega0**2 + (nu + a) ** 2)
    fa = -2 * Z * Omega0 / (Omega0**2 + (nu - a) ** 2)
    return pole - np.sum(fr - fa) / beta, pole


@pytest.mark.parametrize("T", [0.3 * T_EQ, T_EQ])
def test_coherent_numeric_finite_temperature(T):
    Z, g = 0.7, 1e-2
    a = g * OMEGA0
    full, pole = matsubara_corrected(OMEGA0, Z, a, T)
    num = coherent_sum_rule_numeric(OMEGA0, Z, a / Z, T)
    assert num == pytest.approx(full, rel=1e-9)
    assert coherent_sum_rule_lorentzian(OMEGA0, Z, a / Z, T) == pytest.approx(full, rel=1e-9)
    # paper's second-order expansion of the pole term Z[n_B(O + ia) - n_B(-O + ia)]: error O(g^4)
    assert coherent_sum_rule_weight(OMEGA0, Z, a / Z, T) == pytest.approx(pole, rel=1e-7)


def test_paper_coherent_weight_misses_first_order_tail():
    # supp. Eq. 54 drops the Matsubara sum; for the Lorentzian poles it gives -(2/pi) Z (Z Gamma / Omega0)
    Z, g = 0.5, 1e-2
    num = coherent_sum_rule_numeric(OMEGA0, Z, g * OMEGA0 / Z, 0.0)
    paper = coherent_sum_rule_weight(OMEGA0, Z, g * OMEGA0 / Z, 0.0)
    assert paper == Z
    assert (num - paper) / (Z * g) == pytest.approx(-2 / math.pi, rel=g**2)


def test_gilbert_alpha_and_mappings():
    kappa = kappa_sum_rule(1e13, 0.9, 1e11)  # 2 pi (0.1) / 1e26
    assert gilbert_alpha(kappa, 4e22) == pytest.approx(2 * math.pi * 0.1 / 1e26 * 4e22, rel=1e-14)
    m = phonon_mapping_from_illg(1e-12, 0.01)
    assert m["Omega0"] == pytest.approx(1e12) and m["ZGamma"] == pytest.approx(1e10)
    back = illg_from_phonon(m["Omega0"], m["ZGamma"])
    assert back["eta"] == pytest.approx(1e-12) and back["alpha"] == pytest.approx(0.01)


@pytest.mark.parametrize(
    "args, match",
    [
        ((0.0, 0.5, 1.0, 0.0), "Omega0"),
        ((1.0, 0.0, 1.0, 0.0), "Z"),
        ((1.0, 1.5, 1.0, 0.0), "Z"),
        ((1.0, 0.5, 0.0, 0.0), "Gamma"),
        ((1.0, 0.5, 1.0, -1.0), "temperature"),
        ((float("nan"), 0.5, 1.0, 0.0), "Omega0"),
    ],
)
def test_bad_input(args, match):
    for fn in (kappa_sum_rule, coherent_sum_rule_weight, coherent_sum_rule_numeric, coherent_sum_rule_lorentzian):
        with pytest.raises(InputError, match=match):
            fn(*args)


def test_bad_form_and_mapping_inputs():
    with pytest.raises(InputError, match="form"):
        kappa_sum_rule(1.0, 0.5, 0.1, form="approx")
    with pytest.raises(InputError, match="kappa"):
        gilbert_alpha(-1.0, 1.0)
    with pytest.raises(InputError, match="V0_sq"):
        gilbert_alpha(1.0, -1.0)
    with pytest.raises(InputError, match="eta"):
        phonon_mapping_from_illg(0.0, 0.1)
    with pytest.raises(InputError, match="ZGamma|Z Gamma"):
        illg_from_phonon(1.0, -0.1)
