"""Spectral sum rule fixing the ohmic constant kappa of the phonon reservoir (Webb et al. 2026, Eqs. 7-8,
supp. Eqs. 52-56), and the mappings between kappa, Gilbert alpha and the inertial-LLG parameters.

Conventions
-----------
* All frequencies are *angular* (rad/s) and ``beta = hbar / (k_B T)`` is in seconds, so that
  ``n_B(omega) = 1 / (exp(beta omega) - 1)``; ``kappa`` is returned in s^2.
* The phonon Green's function is D_0^R = D_+ - D_- + D^inc with the coherent quasiparticle poles
  ``D_pm(omega) = Z / (omega -+ Omega0 + i Z Gamma)`` (supp. Eq. 52) and the incoherent ohmic
  background ``D^inc(omega) = -i kappa omega`` for ``|omega| < Omega0`` (zero outside).
* The sum rule (Eq. 7 / supp. Eq. 53) reads ``-(1/pi) int n_B(omega) Im D_0^R(omega) d omega
  = 2 n0 + 1`` with ``n0 = n_B(Omega0)``.

Note on the coherent weight
---------------------------
The paper evaluates the coherent integral by a contour argument (supp. Eq. 54) and drops the
Matsubara sum.  For the Lorentzian poles of Eq. 52 that sum does not vanish: it carries the weight
of the Lorentzian tails, a *first-order* correction ``-(2/pi) Z (Z Gamma / Omega0)`` at T = 0 (see
:func:`coherent_sum_rule_lorentzian`).  :func:`coherent_sum_rule_weight` and
:func:`kappa_sum_rule` keep the paper's second-order expression (Eqs. 54-56).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

from ..errors import InputError
from ..units import HBAR, K_B, bose

__all__ = [
    "kappa_sum_rule",
    "thermal_cutoff_integral",
    "coherent_sum_rule_weight",
    "coherent_sum_rule_lorentzian",
    "coherent_sum_rule_numeric",
    "gilbert_alpha",
    "phonon_mapping_from_illg",
    "illg_from_phonon",
]


# --------------------------------------------------------------------------------------------
# validation and thermal helpers
# --------------------------------------------------------------------------------------------
def _finite(name, value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value}")
    return value


def _check_phonon(Omega0, Z, Gamma, temperature):
    Omega0 = _finite("Omega0", Omega0)
    Z = _finite("Z", Z)
    Gamma = _finite("Gamma", Gamma)
    temperature = _finite("temperature", temperature)
    if Omega0 <= 0:
        raise InputError(f"phonon frequency Omega0 must be > 0 rad/s, got {Omega0}")
    if not (0 < Z <= 1):
        raise InputError(f"quasiparticle residue Z must lie in (0, 1], got {Z} (Webb et al. 2026, Eq. 8)")
    if Gamma <= 0:
        raise InputError(f"phonon broadening Gamma must be > 0 rad/s (finite lifetime 1/(Z Gamma)), got {Gamma}")
    if temperature < 0:
        raise InputError(f"temperature must be >= 0 K, got {temperature}")
    return Omega0, Z, Gamma, temperature


def _x0(Omega0, temperature):
    """beta * Omega0 = hbar Omega0 / (k_B T) (inf at T = 0)."""
    return math.inf if temperature == 0 else HBAR * Omega0 / (K_B * temperature)


def _occupation_terms(Omega0, Z, Gamma, temperature):
    """n0 and beta Z Gamma delta n0 = beta (Z Gamma)^2 n_B'(Omega0) = -(beta Z Gamma)^2 n0 (n0 + 1)."""
    n0 = float(bose(Omega0, temperature))
    if n0 == 0.0:  # T = 0 or hbar Omega0 >> k_B T: the thermal correction vanishes
        return 0.0, 0.0
    beta = HBAR / (K_B * temperature)
    return n0, -((beta * Z * Gamma) ** 2) * n0 * (n0 + 1.0)


def _incoherent_weight(Omega0, Z, Gamma, temperature):
    """Right-hand side of supp. Eq. 55: (2 n0 + 1) [1 - Z (1 + beta Z Gamma delta n0)]."""
    n0, thermal = _occupation_terms(Omega0, Z, Gamma, temperature)
    return (2.0 * n0 + 1.0) * (1.0 - Z * (1.0 + thermal))


def _bose_integral(x0):
    """int_0^x0 x / (e^x - 1) dx (closed form via the dilogarithm; series for small x0)."""
    if math.isinf(x0):
        return math.pi**2 / 6.0
    if x0 < 1e-2:  # Bernoulli series x/(e^x-1) = 1 - x/2 + x^2/12 - x^4/720 + x^6/30240 ...
        return x0 - x0**2 / 4 + x0**3 / 36 - x0**5 / 3600 + x0**7 / 211680
    u = math.exp(-x0)
    # Li2(u) = spence(1 - u);  d/dx [x ln(1 - e^-x) - Li2(e^-x)] = x / (e^x - 1)
    return math.pi**2 / 6.0 + x0 * math.log1p(-u) - float(special.spence(1.0 - u))


def thermal_cutoff_integral(Omega0, temperature):
    """I(Omega0, T) = int_0^Omega0 omega coth(beta omega / 2) d omega, in rad^2/s^2.

    Equals Omega0^2/2 at T = 0 and 2 Omega0 / beta (1 + (beta Omega0)^2 / 36 + ...) at high T.
    Computed as Omega0^2/2 + (2/beta^2) int_0^{beta Omega0} x / (e^x - 1) dx.
    """
    Omega0 = _finite("Omega0", Omega0)
    temperature = _finite("temperature", temperature)
    if Omega0 <= 0:
        raise InputError(f"Omega0 must be > 0 rad/s, got {Omega0}")
    if temperature < 0:
        raise InputError(f"temperature must be >= 0 K, got {temperature}")
    x0 = _x0(Omega0, temperature)
    if math.isinf(x0):
        return 0.5 * Omega0**2
    return 0.5 * Omega0**2 + 2.0 * (Omega0 / x0) ** 2 * _bose_integral(x0)


# --------------------------------------------------------------------------------------------
# kappa
# --------------------------------------------------------------------------------------------
def kappa_sum_rule(Omega0, Z, Gamma, temperature=0.0, form="paper"):
    """Ohmic constant kappa (s^2) of D^inc = -i kappa omega fixed by the sum rule (Webb et al. 2026, Eq. 7).

    Inputs: ``Omega0`` and ``Gamma`` in rad/s (angular), ``temperature`` in K, ``0 < Z <= 1``.
    With n0 = n_B(Omega0), beta = hbar/(k_B T) (s) and delta n0 = Z Gamma dn_B/dOmega|_Omega0, the
    incoherent part must carry the weight (supp. Eq. 55)

        W = (2 n0 + 1) [1 - Z (1 + beta Z Gamma delta n0)].

    form="paper": Webb et al. 2026, Eq. 8 / supp. Eq. 56, kappa = (2 pi / Omega0^2) W.

    form="exact": the cutoff integral is done exactly.  With Im D^inc = -kappa omega on
    |omega| < Omega0,

        -(1/pi) int_{-Omega0}^{Omega0} n_B(w) Im D^inc(w) dw = (kappa/pi) int_0^{Omega0} [w n_B(w) + (-w) n_B(-w)] dw
                                                           = (kappa/pi) int_0^{Omega0} w coth(beta w / 2) dw,

    using n_B(-w) = -1 - n_B(w), so w n_B(w) - w n_B(-w) = w (2 n_B(w) + 1) = w coth(beta w/2).
    Hence kappa = pi W / int_0^{Omega0} w coth(beta w/2) dw (see :func:`thermal_cutoff_integral`).
    At T = 0 the integral is Omega0^2/2 and both forms agree exactly; at finite T Eq. 56 neglects
    the thermal enhancement of the integral, so form="paper" overestimates kappa by the factor
    1 + (4/x0^2) int_0^x0 x/(e^x - 1) dx, x0 = hbar Omega0/(k_B T): 1.07 at x0 = 10, 1.25 at
    x0 = 5, 4.11 at x0 = 1; at high T the exact kappa -> pi beta W / (2 Omega0).
    """
    Omega0, Z, Gamma, temperature = _check_phonon(Omega0, Z, Gamma, temperature)
    weight = _incoherent_weight(Omega0, Z, Gamma, temperature)
    if form == "paper":
        return 2.0 * math.pi * weight / Omega0**2
    if form == "exact":
        return math.pi * weight / thermal_cutoff_integral(Omega0, temperature)
    raise InputError(f"form must be 'paper' (Webb et al. 2026, Eq. 56) or 'exact' (exact cutoff integral), got {form!r}")


# --------------------------------------------------------------------------------------------
# coherent part of the sum rule
# --------------------------------------------------------------------------------------------
def coherent_sum_rule_weight(Omega0, Z, Gamma, temperature=0.0):
    """Coherent spectral weight to second order in Z Gamma / Omega0 (Webb et al. 2026, supp. Eqs. 54-55).

    Z [n_B(Omega0 + i Z Gamma) - n_B(-Omega0 + i Z Gamma)] = Z [(2 n0 + 1) - (Z Gamma)^2 n0'']
    with n0'' = -beta n0' (1 + 2 n0) and n0' = -beta n0 (n0 + 1); equivalently
    Z (2 n0 + 1)(1 + beta Z Gamma delta n0).  The Matsubara sum of Eq. 54 is dropped as in the
    paper (see :func:`coherent_sum_rule_lorentzian` for what it contributes).
    """
    Omega0, Z, Gamma, temperature = _check_phonon(Omega0, Z, Gamma, temperature)
    n0, thermal = _occupation_terms(Omega0, Z, Gamma, temperature)
    return Z * (2.0 * n0 + 1.0) * (1.0 + thermal)


def coherent_sum_rule_lorentzian(Omega0, Z, Gamma, temperature=0.0):
    """Exact value of -(1/pi) int n_B(w) Im(D_+ - D_-)(w) dw for the poles of supp. Eq. 52.

    Closing the contour in the upper half plane (supp. Eq. 54) with F = D_+ - D_- (retarded) and
    F^A(w) = conj F(w) (advanced, poles at +-Omega0 + i a, a = Z Gamma) gives

        Z [2 Re n_B(Omega0 + i a) + 1] - (1/beta) sum_{n>=1} [F(i w_n) - F^A(i w_n)],

    w_n = 2 pi n / beta.  F(i nu) = -2 Z Omega0 / (Omega0^2 + (nu + a)^2) and F^A(i nu) is the same
    with a -> -a, so the sum does not vanish; summed with digamma functions (c = 2 pi / beta):

        ... + (Z/pi) [Im psi(1 + (a + i Omega0)/c) - Im psi(1 + (i Omega0 - a)/c)].

    At T = 0 this is Z [1 - (2/pi) arctan(Z Gamma / Omega0)]: the Lorentzian tails remove a
    first-order weight (2/pi) Z (Z Gamma / Omega0) absent from the paper's Eq. 54-55.
    """
    Omega0, Z, Gamma, temperature = _check_phonon(Omega0, Z, Gamma, temperature)
    a = Z * Gamma
    if temperature == 0:
        return Z * (1.0 - (2.0 / math.pi) * math.atan2(a, Omega0))
    beta = HBAR / (K_B * temperature)
    q = np.exp(-beta * complex(Omega0, a))  # n_B(z) = q / (1 - q), stable for Re z > 0
    pole = Z * (2.0 * float(np.real(q / (1.0 - q))) + 1.0)
    c = 2.0 * math.pi / beta
    psi_p = special.psi(1.0 + complex(a, Omega0) / c)
    psi_m = special.psi(1.0 + complex(-a, Omega0) / c)
    return pole + (Z / math.pi) * float(psi_p.imag - psi_m.imag)


def coherent_sum_rule_numeric(Omega0, Z, Gamma, temperature=0.0, rtol=1e-11):
    """-(1/pi) int_{-inf}^{inf} n_B(w) Im(D_+ - D_-)(w) dw by adaptive quadrature (supp. Eqs. 52-54).

    Im(D_+ - D_-) = -4 Z a Omega0 w / {[(w - Omega0)^2 + a^2][(w + Omega0)^2 + a^2]} (a = Z Gamma)
    is written in this combined form so that the integrand uses w n_B(w), which is smooth at
    w = 0 (-> 1/beta); at T = 0, n_B(w) -> -Theta(-w).  The line is split around both poles and
    at w = 0; the tails are integrated on infinite intervals with scipy.integrate.quad.
    """
    Omega0, Z, Gamma, temperature = _check_phonon(Omega0, Z, Gamma, temperature)
    g = Z * Gamma / Omega0  # work in units of Omega0
    x0 = _x0(Omega0, temperature)

    def w_nb(x):  # (w/Omega0) n_B(w)
        if math.isinf(x0):
            return -x if x < 0 else 0.0
        y = x0 * x
        if y == 0.0:
            return 1.0 / x0
        if y > 700.0:
            return 0.0
        return x / math.expm1(y)

    def integrand(x):
        lorentz = ((x - 1.0) ** 2 + g * g) * ((x + 1.0) ** 2 + g * g)
        return -4.0 * Z * g * w_nb(x) / lorentz

    w = min(0.5, 50.0 * g)
    edges = [-1.0 - w, -1.0, -1.0 + w, 0.0, 1.0 - w, 1.0, 1.0 + w]
    opts = dict(epsabs=0.0, epsrel=rtol, limit=500)
    total = integrate.quad(integrand, -np.inf, edges[0], **opts)[0]
    for lo, hi in zip(edges[:-1], edges[1:]):
        total += integrate.quad(integrand, lo, hi, **opts)[0]
    total += integrate.quad(integrand, edges[-1], np.inf, **opts)[0]
    return -total / math.pi


# --------------------------------------------------------------------------------------------
# mappings
# --------------------------------------------------------------------------------------------
def gilbert_alpha(kappa, V0_sq):
    """Gilbert damping alpha = kappa |V0|^2 (Webb et al. 2026 text after Eq. 9, units where M = Ms m).

    ``kappa`` in s^2 and ``V0_sq`` in (rad/s)^2 (or any consistent reduced units).
    """
    kappa = _finite("kappa", kappa)
    V0_sq = _finite("V0_sq", V0_sq)
    if kappa < 0:
        raise InputError(f"kappa must be >= 0 (the reservoir is passive), got {kappa}")
    if V0_sq < 0:
        raise InputError(f"V0_sq = |V0|^2 must be >= 0, got {V0_sq}")
    return kappa * V0_sq


def phonon_mapping_from_illg(eta, alpha):
    """iLLG (eta, alpha) -> phonon {Omega0: 1/eta, ZGamma: alpha/eta} (Webb et al. 2026 text after Eq. 10)."""
    eta = _finite("eta", eta)
    alpha = _finite("alpha", alpha)
    if eta <= 0:
        raise InputError(f"inertial time eta must be > 0, got {eta}")
    if alpha <= 0:
        raise InputError(f"Gilbert alpha must be > 0 (it sets the phonon broadening Z Gamma = alpha/eta), got {alpha}")
    return {"Omega0": 1.0 / eta, "ZGamma": alpha / eta}


def illg_from_phonon(Omega0, ZGamma):
    """Phonon (Omega0, Z Gamma) -> iLLG {eta: 1/Omega0, alpha: ZGamma/Omega0} (Webb et al. 2026, after Eq. 10)."""
    Omega0 = _finite("Omega0", Omega0)
    ZGamma = _finite("ZGamma", ZGamma)
    if Omega0 <= 0:
        raise InputError(f"phonon frequency Omega0 must be > 0, got {Omega0}")
    if ZGamma <= 0:
        raise InputError(f"phonon damping Z Gamma must be > 0, got {ZGamma}")
    return {"eta": 1.0 / Omega0, "alpha": ZGamma / Omega0}
