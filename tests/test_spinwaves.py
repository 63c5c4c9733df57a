"""Inertial LSWT solver (Ghosh et al. 2025): matrices, exact limits (spec 2.5), symmetries, companion pencil vs
quartic (spec 2.4, 6.1), general 2N form (spec 7), group velocity, validation errors."""
import numpy as np
import pytest

from spinertia.errors import InputError
from spinertia.spinwaves import (SpinWaveModel, check_inertia, effective_damping, effective_gyromagnetic_ratio,
                                 general_matrices, group_velocity, k_path, matrices, r1, r2, r3, r4, solve,
                                 solve_general, stability_report, two_sublattice_checkerboard, zone_edge)
from spinertia.units import GAMMA_ELECTRON, MU_B

A = 2.87e-10
KZ = np.pi / A
RNG = np.random.default_rng(1)
KRAND = (RNG.random((12, 2)) * 2 - 1) * KZ


def rich_model(**o):
    """Every term of spec 2.2 switched on (except on-site xi), a != b."""
    p = dict(b=3.1e-10, mu_A=1.72 * MU_B, mu_B=2.22 * MU_B, eta_AA=100e-15, eta_BB=70e-15, eta_AB=50e-15,
             xi_AB=40e-15, D=2e-22, J2=3e-22, K_A=1e-23, K_B=2e-23, alpha=0.02)
    p.update(o)
    return two_sublattice_checkerboard(**p)


def sort_c(w):
    w = np.asarray(w)
    return w[np.lexsort((w.imag, np.round(w.real, 6)))]


# ------------------------------------------------------------------------------------ matrices (2.3)
def test_matrices_equal_closed_form_of_spec_2_3():
    a, b, J, J2, D, eAB, xAB = 2.87e-10, 3.1e-10, 2e-21, 3e-22, 2e-22, 50e-15, 40e-15
    m = rich_model(xi_AA=2e-15, xi_BB=-1e-15)
    arr = m.arrays
    g, B = GAMMA_ELECTRON, 1.0
    for sigma in (1, -1):
        Om, H, C = matrices(m, KRAND, sigma)
        kx, ky = KRAND[:, 0], KRAND[:, 1]
        cx, cy, sy, c2, s2 = np.cos(kx * a), np.cos(ky * b), np.sin(ky * b), np.cos(2 * kx * a), np.sin(2 * kx * a)
        for i, (mu, K, eta, xi) in enumerate(zip(arr.mu, arr.K, arr.eta, arr.xi)):
            diag = g / mu * (mu * B + 2 * K + 4 * J + 2 * J2 * (1 - c2) - 2 * sigma * D * s2)
            assert np.allclose(Om[:, i, i], diag, rtol=1e-13, atol=0)
            assert np.allclose(H[:, i, i], eta + 1j * sigma * xi, rtol=1e-13)
            assert np.allclose(Om[:, i, 1 - i], -2 * g * J / mu * (cx + cy), rtol=1e-12, atol=1e-12 * diag.max())
        h = eAB / 2 * (cx + cy) - sigma * xAB / 2 * sy
        assert np.allclose(H[:, 0, 1], h, rtol=1e-12, atol=1e-28) and np.allclose(H[:, 1, 0], h, rtol=1e-12, atol=1e-28)
        assert np.allclose(C, (sigma - 0.02j) * np.eye(2))


# ---------------------------------------------------------------------- companion pencil vs quartic
def quartic_roots(Om, H, kappa):
    """Spec 2.4 coefficients, scaled (omega = x / tau), np.roots + 3 Newton steps (spec 6.1)."""
    HA, HB, h, hb = H[0, 0], H[1, 1], H[0, 1], H[1, 0]
    a = [Om[0, 0] * Om[1, 1] - Om[0, 1] * Om[1, 0], kappa * (Om[0, 0] + Om[1, 1]),
         kappa**2 - HA * Om[1, 1] - HB * Om[0, 0] + h * Om[1, 0] + hb * Om[0, 1], -kappa * (HA + HB), HA * HB - h * hb]
    tau = np.abs(H).max()
    c = np.array([a[n] / tau**n for n in range(5)])
    c = c / np.abs(c).max()
    x = np.roots(c[::-1])
    P = np.polynomial.polynomial.Polynomial(c)
    dP = P.deriv()
    for _ in range(3):
        x = x - P(x) / dP(x)
    return x / tau


@pytest.mark.parametrize("model", [r2, r3, r4, rich_model], ids=["R2", "R3", "R4", "rich"])
def test_companion_pencil_equals_explicit_quartic(model):
    m = model()
    for sigma in (1, -1):
        bands = solve(m, KRAND, sigma, vectors=False)
        Om, H, C = matrices(m, KRAND, sigma)
        for i in range(len(KRAND)):
            ref = quartic_roots(Om[i], H[i], C[i, 0, 0])
            for w in bands.omega[i]:
                assert np.min(np.abs(ref - w)) < 1e-12 * abs(w)


def test_batched_solver_equals_per_k_scipy_pencil_including_singular_inertia():
    models = (rich_model(), rich_model(eta_BB=0.0, eta_AB=0.0, xi_AB=0.0), rich_model(eta=0.0, eta_AB=0.0, xi_AB=0.0),
              rich_model(eta_BB=1e-18, eta_AB=0.0, xi_AB=0.0))  # regular, singular, H = 0, ill-conditioned H
    for m in models:
        for sigma in (1, -1):
            fast = solve(m, KRAND, sigma)
            ref = solve(m, KRAND, sigma, method="pencil")
            assert np.array_equal(np.isnan(fast.omega), np.isnan(ref.omega))
            ok = ~np.isnan(ref.omega)
            assert np.allclose(fast.omega[ok], ref.omega[ok], rtol=1e-12, atol=0)
            assert np.all(fast.consistent)
            # eigenvectors: M(omega) beta = 0
            Om, H, C = matrices(m, KRAND, sigma)
            w = np.where(ok, fast.omega, 0)[..., None, None]
            M = w**2 * H[:, None] - w * C[:, None] - Om[:, None]
            res = np.einsum("kjab,kbj->kja", M, np.nan_to_num(fast.vectors))
            scale = np.abs(Om).max() + np.abs(w[..., 0, 0]) ** 2 * np.abs(H).max() + np.abs(w[..., 0, 0])
            assert np.all(np.linalg.norm(res, axis=-1)[ok] < 1e-12 * scale[ok])


# --------------------------------------------------------------------------------- exact limits (2.5)
def test_no_inertia_gives_llg_bands():
    """Spec 2.5.1: H = 0 -> omega = -lambda_j/(1 - i alpha) (sigma = +); inertial roots infinite (NaN)."""
    m = rich_model(eta=0.0, eta_AB=0.0, xi_AB=0.0)
    for sigma in (1, -1):
        Om, _, _ = matrices(m, KRAND, sigma)
        lam = np.sort(np.linalg.eigvals(Om).real, axis=-1)
        b = solve(m, KRAND, sigma)
        assert np.all(np.isnan(b.omega[:, 2:]))
        assert np.allclose(b.omega[:, :2], -lam / (sigma - 0.02j), rtol=1e-13, atol=0)


def test_vanishing_inertia_inertial_roots_scale_as_one_over_eta():
    """Spec T2: eta -> 0+: precessional roots -> LLG, inertial roots ~ 1/eta."""
    llg = solve(r2(eta=0.0), KRAND[:3]).omega[:, :2]
    for eta in (1e-18, 1e-19):
        b = solve(r2(eta=eta), KRAND[:3])
        assert np.allclose(b.omega[:, :2], llg, rtol=2 * eta * 1.5e14)  # O(eta lambda), lambda < 1.5e14 rad/s
        assert np.allclose(b.omega[:, 2:].real * eta, 1.0, rtol=1e-3)


@pytest.mark.parametrize("sigma", [1, -1])
def test_scalar_inertia_decouples(sigma):
    """Spec 2.5.2: H = eta 1 -> eta w^2 - kappa w - lambda = 0, '-' root precessional (for sigma = +)."""
    eta, alpha = 100e-15, 0.02
    m = rich_model(eta=eta, eta_AB=0.0, xi_AB=0.0)
    Om, _, _ = matrices(m, KRAND, sigma)
    lam = np.sort(np.linalg.eigvals(Om).real, axis=-1)
    kap = sigma - 1j * alpha
    root = np.sqrt(kap**2 + 4 * eta * lam)
    prec = (kap - sigma * root) / (2 * eta)
    nut = (kap + sigma * root) / (2 * eta)
    b = solve(m, KRAND, sigma)
    assert np.allclose(b.omega, np.concatenate([prec, nut], axis=1), rtol=1e-12, atol=0)


def test_equal_moments_are_folded_monatomic_bands():
    """Spec 2.5.3: lambda in {omega0(k), omega0(k + Q)}, omega0 = gamma [B + 2K/mu + (J/mu)(4 - 2cx - 2cy)]."""
    mu, K, J, eta, b_ = 2 * MU_B, 1e-23, 2e-21, 100e-15, 3.1e-10
    m = two_sublattice_checkerboard(mu=mu, D=0.0, b=b_, alpha=0.0)

    def w0(k):
        return GAMMA_ELECTRON * (1.0 + 2 * K / mu + J / mu * (4 - 2 * np.cos(k[:, 0] * A) - 2 * np.cos(k[:, 1] * b_)))

    lam = np.sort(np.stack([w0(KRAND), w0(KRAND + [np.pi / A, np.pi / b_])], axis=1), axis=1)
    prec = (1 - np.sqrt(1 + 4 * eta * lam)) / (2 * eta)
    nut = (1 + np.sqrt(1 + 4 * eta * lam)) / (2 * eta)
    b = solve(m, KRAND)
    assert np.allclose(b.omega.real, np.concatenate([prec, nut], axis=1), rtol=1e-12, atol=0)
    assert np.allclose(b.omega.imag, 0, atol=1e-12 * np.abs(b.omega).max())


# -------------------------------------------------------------------------------------- symmetries
def test_sigma_symmetry_with_damping():
    """Spec 2.4: omega^-(k) = -[omega^+(-k)]^*, exactly, with alpha != 0, D, xi, eta_AB, J2."""
    m = rich_model()
    wp = solve(m, -KRAND, +1).omega
    wm = solve(m, KRAND, -1).omega
    assert np.allclose(wm, -wp.conj(), rtol=1e-12, atol=0)


def test_reciprocity_without_dmi_and_chiral_inertia():
    """Spec T3: D = xi = 0 -> omega(k) = omega(-k) for every band, any mu, eta_AB, alpha; sigma bands coincide."""
    m = rich_model(D=0.0, xi_AB=0.0)
    for sigma in (1, -1):
        assert np.allclose(solve(m, KRAND, sigma).omega, solve(m, -KRAND, sigma).omega, rtol=1e-12, atol=0)
    wp, wm = solve(m, KRAND, 1).omega, solve(m, KRAND, -1).omega
    assert np.allclose(np.abs(wp.real), np.abs(wm.real), rtol=1e-12) and np.allclose(wp.imag, wm.imag, rtol=1e-12)


def test_nonreciprocity_from_dmi_and_from_chiral_inertia():
    for m in (rich_model(xi_AB=0.0), rich_model(D=0.0)):
        f = solve(m, KRAND).thz
        g = solve(m, -KRAND).thz
        assert np.all(np.abs(f - g).max(axis=0) > 1e-3)  # every band is nonreciprocal somewhere


# ---------------------------------------------------------------------------------- general 2N form
def test_general_form_is_union_of_both_sigmas():
    m = rich_model()
    gen = solve_general(m, KRAND)
    assert np.all(gen.consistent) and gen.omega.shape == (len(KRAND), 8)
    plus, minus = solve(m, KRAND, 1).omega, solve(m, KRAND, -1).omega
    mirrored = -solve(m, -KRAND, 1).omega.conj()  # omega^-(k) = -omega^+(-k)^*
    for i in range(len(KRAND)):
        assert np.allclose(sort_c(gen.omega[i]), sort_c(np.concatenate([plus[i], minus[i]])), rtol=1e-12, atol=0)
        assert np.allclose(sort_c(gen.omega[i]), sort_c(np.concatenate([plus[i], mirrored[i]])), rtol=1e-12)
    Om, H, C = general_matrices(m, KRAND)
    assert np.allclose(Om[:, :2, 2:], 0) and np.allclose(H[:, 2:, :2], 0)


def chain(K2=0.0, Ip=0.0, eta=0.0, alpha=0.0, J=2e-21, K=1e-23, mu=2 * MU_B, B=1.0, phi=0.3):
    """Single-sublattice chain along x; easy in-plane axis n = (cos phi, sin phi) (energy -K2 (S.n)^2) and
    in-plane inertia I_perp = Ip (2 n n^T - 1)."""
    n = np.array([np.cos(phi), np.sin(phi)])
    m = SpinWaveModel(field=B)
    m.add_sublattice("A", (0, 0, 0), mu=mu, K=K, eta=eta, alpha=alpha, K_perp=K2 * np.outer(n, n),
                     I_perp=Ip * (2 * np.outer(n, n) - np.eye(2)))
    m.add_bond("A", "A", (A, 0, 0), J=J)
    return m


@pytest.mark.parametrize("alpha", [0.0, 0.03])
def test_general_form_elliptical_single_sublattice(alpha):
    """In-plane anisotropy + anisotropic inertia mix beta^+/beta^- (spec 7).  In the frame of n:
    det[[Wn - i a w - eta_n w^2, i w], [-i w, Wt - i a w - eta_t w^2]] = 0 with Wn = gamma(E0 - 2 K2)/mu,
    Wt = gamma E0/mu, eta_n,t = eta +- Ip."""
    K2, Ip, eta, mu, J, K, B = 0.8e-23, 20e-15, 100e-15, 2 * MU_B, 2e-21, 1e-23, 1.0
    m = chain(K2, Ip, eta, alpha)
    k = np.array([[0, 0, 0], [0.3 * KZ, 0, 0], [-0.8 * KZ, 0, 0]])
    gen = solve_general(m, k)
    g = GAMMA_ELECTRON
    for i, kx in enumerate(k[:, 0]):
        E0 = mu * B + 2 * K + 2 * J * (1 - np.cos(kx * A))
        Wn, Wt, en, et = g * (E0 - 2 * K2) / mu, g * E0 / mu, eta + Ip, eta - Ip
        # det as a polynomial in w (coefficients low -> high)
        p1 = np.array([Wn, -1j * alpha, -en])
        p2 = np.array([Wt, -1j * alpha, -et])
        det = np.polynomial.polynomial.polymul(p1, p2)
        det[2] -= 1.0  # - (i w)(-i w) = - w^2
        tau = eta
        c = det * tau ** -np.arange(5)
        ref = np.roots((c / np.abs(c).max())[::-1]) / tau
        if alpha == 0:  # closed form of the biquadratic
            s = 1 + en * Wt + et * Wn
            w2 = (s + np.array([-1, 1]) * np.sqrt(s * s - 4 * en * et * Wn * Wt)) / (2 * en * et)
            assert np.allclose(np.sort(np.abs(ref.real)), np.sort(np.repeat(np.sqrt(w2), 2)), rtol=1e-10)
        for w in gen.omega[i]:  # each physical root appears once as omega and once as -omega^*
            assert np.min(np.abs(ref - w)) < 1e-10 * abs(w)


def test_general_form_antiferromagnetic_chain():
    """Antiparallel sublattices, no inertia: omega = -eps gamma B +- sqrt(a^2 - b^2), a = gamma(2K + 2|J|)/mu,
    b = gamma 2|J| cos(k a)/mu (uniaxial AFM chain, field along z, alpha = 0)."""
    J, K, mu, B = -2e-21, 1e-22, 2 * MU_B, 0.5
    m = SpinWaveModel(field=B)
    m.add_sublattice("A", (0, 0), mu=mu, K=K)
    m.add_sublattice("B", (A, 0), mu=mu, K=K, epsilon=-1)
    m.add_bond("A", "B", (A, 0), J=J)
    m.add_bond("A", "B", (-A, 0), J=J)
    k = np.array([[0.0, 0], [0.37 * KZ, 0], [0.9 * KZ, 0]])
    gen = solve_general(m, k)
    g = GAMMA_ELECTRON
    a_, b_ = g * (2 * K + 2 * abs(J)) / mu, g * 2 * abs(J) * np.cos(k[:, 0] * A) / mu
    root = np.sqrt(a_**2 - b_**2)
    ref = np.sort(np.stack([-g * B - root, -g * B + root, g * B - root, g * B + root], axis=1), axis=1)
    assert np.all(np.isnan(gen.omega[:, 4:]))
    assert np.allclose(gen.omega[:, :4].real, ref, rtol=1e-12, atol=0)
    assert np.allclose(gen.omega[:, :4].imag, 0, atol=1e-9 * g)
    with pytest.raises(InputError, match="solve_general"):
        solve(m, k)
    assert stability_report(m, k).ok


# --------------------------------------------------------------------------------- group velocity
def fd_velocity(m, k, d, sigma, h=1e-6 * KZ):
    d = np.asarray(d, float) / np.linalg.norm(d)
    f = solve_general if sigma is None else (lambda mm, kk: solve(mm, kk, sigma))
    return (np.abs(f(m, k + h * d).omega.real) - np.abs(f(m, k - h * d).omega.real)) / (2 * h)


@pytest.mark.parametrize("sigma", [1, -1])
def test_group_velocity_analytic_equals_finite_difference(sigma):
    m = rich_model()
    d = (0.6, 0.8)
    v = group_velocity(m, KRAND, sigma, direction=d)
    assert np.allclose(v, fd_velocity(m, KRAND, d, sigma), rtol=0, atol=1e-7 * np.abs(v).max())
    grad = group_velocity(m, KRAND, sigma)
    assert np.allclose(grad @ (np.array(d) / np.linalg.norm(d)), v, rtol=1e-10, atol=1e-10 * np.abs(v).max())


def test_group_velocity_general_form_and_closed_form():
    m = chain(0.8e-23, 20e-15, 100e-15, 0.01)
    k = np.array([[0.21 * KZ, 0, 0], [-0.63 * KZ, 0, 0]])
    v = group_velocity(m, k, None, direction=(1, 0, 0))
    assert np.allclose(v, fd_velocity(m, k, (1, 0, 0), None), rtol=0, atol=1e-7 * np.abs(v).max())
    # spec 3, case 2.5.2 with alpha -> 0: v_p = v_n = d lambda/dk / sqrt(1 + 4 eta lambda)
    eta = 100e-15
    m2 = r1(eta=eta, alpha=0.0, D=0.0)
    k2 = np.array([[0.0, 0.3 * KZ], [0.0, 0.7 * KZ]])
    Om, _, _ = matrices(m2, k2)
    dk = 1e-6 * KZ
    lam = np.sort(np.linalg.eigvals(Om).real, axis=-1)
    dlam = (np.sort(np.linalg.eigvals(matrices(m2, k2 + [0, dk])[0]).real, -1)
            - np.sort(np.linalg.eigvals(matrices(m2, k2 - [0, dk])[0]).real, -1)) / (2 * dk)
    v = group_velocity(m2, k2, direction=(0, 1))
    ref = dlam / np.sqrt(1 + 4 * eta * lam)
    assert np.allclose(v[:, :2], ref, rtol=1e-6) and np.allclose(v[:, 2:], ref, rtol=1e-6)


def test_effective_gyromagnetic_ratio_equals_finite_difference_in_field():
    m = rich_model()
    dB = 1e-4
    ge = effective_gyromagnetic_ratio(m, KRAND)
    fp = solve(rich_model(B=1 + dB), KRAND).omega.real
    fm = solve(rich_model(B=1 - dB), KRAND).omega.real
    assert np.allclose(ge, np.abs(fp - fm) / (2 * dB), rtol=1e-6)


def test_scalar_inertia_effective_damping_and_gamma_closed_form():
    """Spec 3, case 2.5.2: alpha_eff/alpha = gamma_eff/gamma = 1/sqrt(1 + 4 eta lambda_j), p_j = n_j (O(alpha))."""
    eta, alpha = 100e-15, 1e-5
    m = r1(eta=eta, alpha=alpha)
    b = solve(m, KRAND)
    lam = np.sort(np.linalg.eigvals(matrices(m, KRAND)[0]).real, axis=-1)
    ref = np.tile(1 / np.sqrt(1 + 4 * eta * lam), 2)
    assert np.allclose(effective_damping(b) / alpha, ref, rtol=1e-6)
    assert np.allclose(effective_gyromagnetic_ratio(m, KRAND, bands=b) / GAMMA_ELECTRON, ref, rtol=1e-6)


# ------------------------------------------------------------------------------ model construction
def test_from_arrays_equals_builder():
    m = rich_model()
    arr = m.arrays
    m2 = SpinWaveModel.from_arrays(arr.names, arr.positions, arr.mu, gamma=arr.gamma, K=arr.K, eta=arr.eta,
                                   xi=arr.xi, alpha=arr.alpha, field=arr.field, src=arr.src, dst=arr.dst,
                                   delta=arr.delta, J=arr.J, D=arr.D, bond_eta=arr.bond_eta, bond_xi=arr.bond_xi,
                                   bond_alpha=arr.bond_alpha)
    assert np.array_equal(solve(m, KRAND).omega, solve(m2, KRAND).omega)


def test_cross_sublattice_gilbert_damping_enters_like_inertia():
    """alpha on bonds: C = sigma - i alpha(k) with alpha(k) = alpha_s + sum alpha_delta e^{ik.delta} (spec 7)."""
    m = SpinWaveModel(field=1.0)
    m.add_sublattice("A", (0, 0), mu=2 * MU_B, eta=100e-15, alpha=0.01)
    m.add_bond("A", "A", (A, 0), J=2e-21, alpha=0.002)
    k = np.array([[0.4 * KZ, 0]])
    b = solve(m, k)
    lam = GAMMA_ELECTRON * (1 + 2e-21 / (2 * MU_B) * 2 * (1 - np.cos(0.4 * np.pi)))
    kap = 1 - 1j * (0.01 + 2 * 0.002 * np.cos(0.4 * np.pi))
    ref = [(kap - np.sqrt(kap**2 + 4e-13 * lam)) / 2e-13, (kap + np.sqrt(kap**2 + 4e-13 * lam)) / 2e-13]
    assert np.allclose(b.omega[0], ref, rtol=1e-12)


# -------------------------------------------------------------------------------------- bad input
def test_bad_input_errors():
    m = SpinWaveModel(field=1.0)
    m.add_sublattice("A", (0, 0), mu=MU_B)
    with pytest.raises(InputError, match="unknown sublattice 'C'"):
        m.add_bond("A", "C", (A, 0), J=1e-21)
    with pytest.raises(InputError, match="mu"):
        m.add_sublattice("B", (A, 0), mu=-MU_B)
    with pytest.raises(InputError, match="finite"):
        m.add_sublattice("B", (A, 0), mu=MU_B, K=np.nan)
    with pytest.raises(InputError, match="components"):
        m.add_sublattice("B", (A, 0, 0), mu=MU_B)
    with pytest.raises(InputError, match="k-points must have shape"):
        solve(r2(), np.zeros((5, 3)))
    path = k_path([("G", (0, 0, 0)), ("X", (KZ, 0, 0))], n=10)
    with pytest.raises(InputError, match="k-points must have shape"):
        solve(r2(), path.k)
    with pytest.raises(InputError, match="2 components"):
        k_path([(0, 0, 0), (1, 0, 0)], dim=2)
    with pytest.raises(InputError, match="sigma"):
        solve(r2(), KRAND, sigma=0)
    with pytest.raises(InputError, match="traceless"):
        SpinWaveModel().add_sublattice("A", (0, 0), mu=MU_B, I_perp=np.eye(2))
    with pytest.raises(InputError, match="solve_general"):
        solve(chain(K2=1e-23), np.zeros((1, 3)))
    assert stability_report(chain(0.8e-23, 20e-15, 100e-15, 0.01), np.zeros((1, 3))).ok
    assert not stability_report(chain(3e-23), np.zeros((1, 3))).ok  # easy-plane axis beats field + K


def test_bond_list_symmetry_is_validated():
    kw = dict(names=["A", "B"], positions=[[0, 0], [A, 0]], mu=[MU_B, MU_B])
    ok = dict(src=[0, 1], dst=[1, 0], delta=[[A, 0], [-A, 0]], J=[1e-21, 1e-21], D=[1e-22, -1e-22])
    SpinWaveModel.from_arrays(**kw, **ok)
    with pytest.raises(InputError, match="no reverse bond"):
        SpinWaveModel.from_arrays(**kw, src=[0], dst=[1], delta=[[A, 0]], J=[1e-21])
    with pytest.raises(InputError, match=r"symmetries.*\['D'\]"):
        SpinWaveModel.from_arrays(**kw, **{**ok, "D": [1e-22, 1e-22]})
    with pytest.raises(InputError, match=r"symmetries.*\['xi'\]"):
        SpinWaveModel.from_arrays(**kw, **ok, bond_xi=[1e-15, 1e-15])
    with pytest.raises(InputError, match=r"symmetries.*\['J'\]"):
        SpinWaveModel.from_arrays(**kw, **{**ok, "J": [1e-21, 2e-21]})
    with pytest.raises(InputError, match="unknown sublattice"):
        SpinWaveModel.from_arrays(**kw, src=["A", "C"], dst=["C", "A"], delta=[[A, 0], [-A, 0]])


def test_indefinite_inertia_is_flagged_not_raised():
    """Without the 1/z normalisation, eta_AB = 50 fs per bond makes H indefinite (spec 1.3)."""
    m = r3(eta_AB=4 * 50e-15)
    k = np.array([[0, 0], [0.3 * KZ, 0], [0, KZ]])
    b = solve(m, k)  # no crash
    assert np.all(np.isfinite(b.omega)) and np.any(b.omega.imag > 0)
    rep = stability_report(m, k)
    assert not rep.ok
    names = {f.condition for f in rep.failures}
    assert "inertia_not_positive_definite" in names
    fail = next(f for f in rep.failures if f.condition == "inertia_not_positive_definite")
    assert 0 in fail.k_index and 2 not in fail.k_index  # at the zone edge c_x + c_y = 0: H diagonal
    assert "inertia_not_positive_definite" in str(rep)
    with pytest.raises(InputError, match="not positive"):
        check_inertia(m, k)
    with pytest.raises(InputError, match="not positive"):
        m.check_inertia(k)
    assert check_inertia(r3(), k) > 0
    with pytest.raises(InputError, match="not positive definite"):
        check_inertia(r2(eta_BB=0.0), k, allow_singular=False)


def test_stability_report_flags_dmi_instability_and_singular_inertia_warning():
    k = np.array([[0.25 * KZ, 0], [-0.25 * KZ, 0]])
    rep = stability_report(r2(D=5e-21), k)
    assert not rep.ok and rep.failures[0].condition == "omega_not_positive"
    rep = stability_report(r2(eta_BB=0.0), k)
    assert rep.ok and rep.warnings and "singular" in rep.warnings[0]
    assert stability_report(r4(), k).ok


def test_k_path_helper():
    p = k_path([("G", (0, 0)), ("Y", (0, KZ)), ("M", (KZ / 2, KZ / 2))], n=10)
    assert p.k.shape == (21, 2) and p.labels == ("G", "Y", "M")
    assert np.allclose(p.k[p.node_index], [(0, 0), (0, KZ), (KZ / 2, KZ / 2)])
    assert p.node_s[1] == pytest.approx(KZ) and p.s[-1] == pytest.approx(KZ * (1 + np.sqrt(0.5)))
    assert np.all(np.diff(p.s) > 0)


def test_zone_edge_point():
    assert np.allclose(zone_edge("y"), [0, KZ]) and np.allclose(zone_edge("x"), [KZ, 0])
