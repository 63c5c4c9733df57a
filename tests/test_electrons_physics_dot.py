"""Single-site dot with wide-band leads: closed forms of s_D, alpha, inertia, alpha(omega) and eta.

One spinful level eps with exchange Delta sigma . m (m = z), leads Gamma_L + Gamma_R = Gamma.  With
g_s = 1/(E - z_s), z_s = eps + s Delta - i Gamma/2 and A_s = i (g_s - conj g_s) (docs/electrons.md,
"Single-site dot"):

    n_s        = (1/2pi) int f A_s,                    s_z = (n_up - n_dn)/2
    alpha_xx   = (Delta^2/2pi S) int (-f') A_up A_dn,   alpha_zz = (Delta^2/4pi S) int (-f') (A_up^2 + A_dn^2)
    alpha_xy   = (Delta^2/pi S) Re int f (A_up g_dn^2 - A_dn g_up^2)
    I_xx       = -(Delta^2/pi S) Re int f (g_dn^3 A_up + g_up^3 A_dn)
    I_xy       =  (Delta^2/pi S) Im int f (g_dn^3 A_up - g_up^3 A_dn)
    eta_xx     = s_z (total-spin sum rule),    eta_zz = -(Delta/4pi) int (-f') (A_up + A_dn)
    chi_xx(w)  = (Delta^2/2pi) int f [g_dn(E+w) A_up + g_up(E+w) A_dn + A_dn conj g_up(E-w) + A_up conj g_dn(E-w)]

evaluated exactly (partial fractions, digamma/polygamma: tests/_electrons_rational.py).
"""
import numpy as np
import pytest

import _electrons_rational as R
from spinertia.electrons import TightBinding, WideBandLead
from spinertia.electrons.tensors import magnet_tensors
from spinertia.lattice.geometry import chain

EPS, DELTA, GL, GR, MU, SPIN = 0.2, 0.7, 0.3, 0.2, 0.45, 1.3
GAM = GL + GR
ZUP, ZDN = EPS + DELTA - 0.5j * GAM, EPS - DELTA - 0.5j * GAM


def g(z, k=1, shift=0.0):
    """(E + shift - z)^-k."""
    return R.pole(z - shift, k)


def gbar(z, k=1, shift=0.0):
    return R.pole(np.conj(z) - shift, k)


def A(z):
    return R.scale(R.add(g(z), R.scale(gbar(z), -1)), 1j)


def closed_forms(kT):
    Aup, Adn = A(ZUP), A(ZDN)
    n_up = R.fermi_integral(Aup, MU, kT).real / (2 * np.pi)
    n_dn = R.fermi_integral(Adn, MU, kT).real / (2 * np.pi)
    sz = 0.5 * (n_up - n_dn)
    D2 = DELTA ** 2
    a_xx = D2 / (2 * np.pi * SPIN) * R.surface_integral(R.mul(Aup, Adn), MU, kT).real
    a_zz = D2 / (4 * np.pi * SPIN) * R.surface_integral(R.add(R.mul(Aup, Aup), R.mul(Adn, Adn)), MU, kT).real
    a_xy = D2 / (np.pi * SPIN) * R.fermi_integral(R.add(R.mul(Aup, g(ZDN, 2)), R.scale(R.mul(Adn, g(ZUP, 2)), -1)),
                                                   MU, kT).real
    I_xx = -D2 / (np.pi * SPIN) * R.fermi_integral(R.add(R.mul(g(ZDN, 3), Aup), R.mul(g(ZUP, 3), Adn)), MU, kT).real
    I_xy = D2 / (np.pi * SPIN) * R.fermi_integral(R.add(R.mul(g(ZDN, 3), Aup), R.scale(R.mul(g(ZUP, 3), Adn), -1)),
                                                   MU, kT).imag
    eta_zz = -DELTA / (4 * np.pi) * R.surface_integral(R.add(Aup, Adn), MU, kT).real
    return dict(sz=sz, a_xx=a_xx, a_zz=a_zz, a_xy=a_xy, I_xx=I_xx, I_xy=I_xy, eta_zz=eta_zz)


def chi_xx(w, kT):
    Aup, Adn = A(ZUP), A(ZDN)
    terms = R.add(R.mul(g(ZDN, shift=w), Aup), R.mul(g(ZUP, shift=w), Adn),
                  R.mul(Adn, gbar(ZUP, shift=-w)), R.mul(Aup, gbar(ZDN, shift=-w)))
    return DELTA ** 2 / (2 * np.pi) * R.fermi_integral(terms, MU, kT)


def chi_xy(w, kT):
    Aup, Adn = A(ZUP), A(ZDN)
    terms = R.add(R.scale(R.mul(g(ZDN, shift=w), Aup), -1), R.mul(g(ZUP, shift=w), Adn),
                  R.scale(R.mul(Adn, gbar(ZUP, shift=-w)), -1), R.mul(Aup, gbar(ZDN, shift=-w)))
    return -1j * DELTA ** 2 / (2 * np.pi) * R.fermi_integral(terms, MU, kT)


def dot_system(direction=(0.0, 0.0, 1.0)):
    tb = TightBinding(chain(), (1,), hopping=None)
    tb.add_onsite(EPS)
    tb.set_exchange(DELTA, np.array([direction], dtype=float))
    f = tb.finalized()
    f.attach_lead(WideBandLead(GL), sites=[0])
    f.attach_lead(WideBandLead(GR), sites=[0])
    return f


OMEGAS = (1e-3, 0.05, 0.4)


@pytest.fixture(scope="module", params=[0.0, 0.05], ids=["T0", "T0.05"])
def dot(request):
    kT = request.param
    res = magnet_tensors(dot_system(), MU, kT=kT, spin=SPIN, omegas=OMEGAS)
    return kT, res, closed_forms(kT)


def test_spin_density_and_eta(dot):
    kT, res, cf = dot
    assert res.s_D[2] == pytest.approx(cf["sz"], rel=1e-10, abs=1e-13)
    assert np.abs(res.s_D[:2]).max() < 1e-13
    # transverse eta equals the static spin: the electron spin follows m rigidly (total-spin sum rule)
    assert res.eta[0, 0] == pytest.approx(cf["sz"], rel=1e-9)
    assert res.eta[1, 1] == pytest.approx(cf["sz"], rel=1e-9)
    assert res.eta[2, 2] == pytest.approx(cf["eta_zz"], rel=1e-9)
    assert abs(res.eta[0, 1]) < 1e-12


def test_gilbert_tensor(dot):
    kT, res, cf = dot
    a = res.alpha
    assert a[0, 0] == pytest.approx(cf["a_xx"], rel=1e-9)
    assert a[1, 1] == pytest.approx(cf["a_xx"], rel=1e-9)
    assert a[2, 2] == pytest.approx(cf["a_zz"], rel=1e-9)
    assert a[0, 1] == pytest.approx(cf["a_xy"], rel=1e-9)
    assert a[1, 0] == pytest.approx(-cf["a_xy"], rel=1e-9)
    assert np.linalg.eigvalsh(res.alpha_sym).min() > 0


def test_inertia_tensor(dot):
    kT, res, cf = dot
    assert res.inertia[0, 0] == pytest.approx(cf["I_xx"], rel=1e-9)
    assert res.inertia[0, 1] == pytest.approx(cf["I_xy"], rel=1e-9)
    assert res.inertia[1, 0] == pytest.approx(-cf["I_xy"], rel=1e-9)


def test_alpha_omega_closed_form_and_limits(dot):
    kT, res, cf = dot
    c0x, c0y = chi_xx(0.0, kT), chi_xy(0.0, kT)
    for k, w in enumerate(OMEGAS):
        ax = 1j * (chi_xx(w, kT) - c0x) / (w * SPIN)
        ay = 1j * (chi_xy(w, kT) - c0y) / (w * SPIN)
        assert res.alpha_omega[k, 0, 0] == pytest.approx(ax, rel=1e-8)
        assert res.alpha_omega[k, 0, 1] == pytest.approx(ay, rel=1e-8)
    # omega -> 0: Eq. 19 (damping) and, from the slope, Eq. 22 (inertia): alpha(w) ~ alpha - i w I/S
    w = OMEGAS[0]
    slope = (res.alpha_omega[0] - res.alpha) / (-1j * w)
    assert np.allclose(res.alpha_omega[0], res.alpha, rtol=0, atol=2e-3 * np.abs(res.alpha).max())
    assert np.allclose(slope[:2, :2], res.inertia[:2, :2], rtol=0, atol=2e-3 * np.abs(res.inertia).max())


def test_printed_prefactors_disagree_by_the_documented_factors(dot):
    """Xu et al. 2023 as printed, with M = S = 1 and their J M / 2 = Delta: Eq. 19 gives -alpha/2, Eq. 22
    gives -I (docs/electrons.md, corrections C1, C2)."""
    kT, res, cf = dot
    Aup, Adn = A(ZUP), A(ZDN)
    D2 = DELTA ** 2
    # Eq. 19: (JM)^2/4 int dE/2pi Re Tr[G^< s_x G G s_x], G^< = i f diag(A_up, A_dn)
    eq19_xx = D2 / (2 * np.pi) * (1j * R.fermi_integral(R.add(R.mul(Aup, g(ZDN, 2)), R.mul(Adn, g(ZUP, 2))),
                                                        MU, kT)).real
    # Eq. 22: (JM)^2/2 int dE/2pi Im Tr[G^< s_x G^3 s_x]
    eq22_xx = 2 * D2 / (2 * np.pi) * (1j * R.fermi_integral(R.add(R.mul(Aup, g(ZDN, 3)), R.mul(Adn, g(ZUP, 3))),
                                                            MU, kT)).imag
    alpha_S1 = cf["a_xx"] * SPIN
    inertia_S1 = cf["I_xx"] * SPIN
    assert eq19_xx == pytest.approx(-0.5 * alpha_S1, rel=1e-10)
    assert eq22_xx == pytest.approx(-inertia_S1, rel=1e-10)


def test_tensors_rotate_with_the_magnet():
    m = np.array([np.sin(0.8) * np.cos(0.5), np.sin(0.8) * np.sin(0.5), np.cos(0.8)])
    res = magnet_tensors(dot_system(m), MU, kT=0.0, spin=SPIN)
    cf = closed_forms(0.0)
    # isotropic dot: alpha = a_perp (1 - m m) + a_zz m m + a_xy [m x]^T ... in the frame of m
    P = np.eye(3) - np.outer(m, m)
    mx = np.array([[0, -m[2], m[1]], [m[2], 0, -m[0]], [-m[1], m[0], 0]])
    expected = cf["a_xx"] * P + cf["a_zz"] * np.outer(m, m) - cf["a_xy"] * mx
    assert np.allclose(res.alpha, expected, rtol=0, atol=1e-10)
    assert np.allclose(res.s_D, cf["sz"] * m, atol=1e-12)
