"""Electrons core: tight-binding builder, leads, recursive Green's functions, observables, contours.

Expected values come from closed forms (strip channel counts, Breit-Wigner dot, 1D chain densities and
bound states), from dense inverses/diagonalizations, or from a second algorithm (lead methods)."""
import numpy as np
import pytest

from spinertia.electrons import (RGF, ElectronUnits, RotatedLead, SemiInfiniteLead, TightBinding, WideBandLead,
                                 lesser_dense, retarded_dense, xu2023_eq7_rotation, spin_rotation)
from spinertia.electrons import integrate as ig
from spinertia.electrons import observables as ob
from spinertia.electrons.tightbinding import PAULI
from spinertia.errors import InputError
from spinertia.lattice import textures
from spinertia.lattice.geometry import chain, square
from spinertia.lattice.system import System

A = 1e-10  # default lattice constant of the presets (metres)


def strip_system(L, W, onsite=4.0, J=0.0, texture=None, leads=True):
    tb = TightBinding(square(), (L, W)).add_onsite(onsite)
    if J:
        tb.set_exchange(J, textures.uniform(tb.geometry) if texture is None else texture(tb.geometry))
    f = tb.finalized()
    if leads:
        f.attach_lead(SemiInfiniteLead.strip(W, onsite=onsite), side="left")
        f.attach_lead(SemiInfiniteLead.strip(W, onsite=onsite), side="right")
    return f


def random_system(seed=3, L=5, W=3):
    """Disorder, Rashba and a random texture; three leads of three kinds (modes, channels, wide band)."""
    rng = np.random.default_rng(seed)
    tb = TightBinding(square(), (L, W)).add_onsite(rng.normal(size=L * W)).add_rashba(0.35)
    tb.add_zeeman([0.1, -0.2, 0.05])
    tb.set_exchange(1.3, textures.random(tb.geometry, seed=seed))
    f = tb.finalized()
    f.attach_lead(SemiInfiniteLead.from_system(f, "left"), side="left")  # Rashba lead: 'modes'
    f.attach_lead(SemiInfiniteLead.strip(W, onsite=0.2, exchange=0.7, direction=(1, 1, 0)), side="right")
    f.attach_lead(WideBandLead(0.4), sites=[W * 2 + 1, W * 3 + 1])  # two sites in two different layers
    return f


def site_block(M, i, B=2):
    return M[B * i:B * (i + 1), B * i:B * (i + 1)]


# ---------------------------------------------------------------------------------------------------
# builder
# ---------------------------------------------------------------------------------------------------
def test_sites_and_orbitals_follow_the_spin_system():
    tb = TightBinding(square(2e-10), (4, 3), orbitals=1)
    sysm = System(square(2e-10), (4, 3), periodic=False)
    m = textures.random(sysm, seed=1)
    tb.set_exchange(0.8, m).add_onsite(4.0)
    f = tb.finalized()
    assert np.allclose(f.positions, sysm.positions())
    H = f.hamiltonian().toarray()
    for i in (0, 5, 11):
        assert np.allclose(site_block(H, i), 4.0 * np.eye(2) + 0.8 * np.einsum("a,aij->ij", m[i], PAULI))
    # hopping -t between flat sites 0 and 1 (x neighbours) and 0 and 4 (y neighbours)
    assert np.allclose(H[0:2, 2:4], -np.eye(2)) and np.allclose(H[0:2, 8:10], -np.eye(2))
    assert np.allclose(H[0:2, 4:6], 0)
    assert f.n_layers == 4 and list(f.layers[1]) == [1, 5, 9]
    assert np.array_equal(f.layer_orbitals[1], [2, 3, 10, 11, 18, 19])


def test_terms_hermitian_rashba_gate_and_set_texture():
    tb = TightBinding(chain(), 6, orbitals=2, hopping=np.diag([1.0, 1.0]))
    tb.add_rashba(0.3).add_gate([1, 4], ("cos", 0.5, 2.0, 0.3)).add_gate(np.arange(6) == 0, 0.25)
    tb.set_exchange(np.linspace(0.5, 1.0, 6), textures.uniform(tb.geometry, (1, 0, 0)))
    f = tb.finalized()
    for t in (0.0, 0.7):
        H = f.hamiltonian(t).toarray()
        assert np.abs(H - H.conj().T).max() == 0
    d = f.hamiltonian(0.7).toarray() - f.hamiltonian(0.0).toarray()
    expect = np.zeros(f.n_orb)
    expect[4 * 1:4 * 2] = expect[4 * 4:4 * 5] = 0.5 * (np.cos(2 * 0.7 + 0.3) - np.cos(0.3))
    assert np.allclose(d, np.diag(expect))
    # Rashba on an x bond, orbitals x spin: H_ij = i lambda (sigma x d)_z = -i lambda sigma_y (d = +x)
    H = f.hamiltonian().toarray()
    blk = H[0:4, 4:8]
    assert np.allclose(blk, np.kron(np.diag([-1.0, -1.0]), np.eye(2)) + np.kron(np.eye(2), -1j * 0.3 * PAULI[1]))
    m = textures.uniform(f.geometry, (0, 0, -1))
    f.set_texture(m)
    H2 = f.hamiltonian().toarray()
    J5 = 1.0
    assert np.allclose(H2[20:24, 20:24], J5 * np.kron(np.eye(2), -PAULI[2]))
    Sz = f.sigma_site("z").toarray()
    assert np.allclose(np.diag(Sz), np.tile([1, -1], 12)) and f.sigma_site("x", sites=[2]).nnz == 4


def test_intrinsic_soc_honeycomb_and_square_refused():
    from spinertia.lattice.geometry import Lattice

    a = 2.5e-10  # (a 1e-10 triangular lattice trips Lattice's absolute determinant threshold 1e-30)
    hc = Lattice([[a, 0, 0], [a / 2, a * np.sqrt(3) / 2, 0]], basis=[[0, 0, 0], [a / 2, a / (2 * np.sqrt(3)), 0]])
    tb = TightBinding(hc, (4, 4), periodic=True).add_intrinsic_soc(0.1)
    H = tb.finalized().hamiltonian().toarray()
    assert np.abs(H - H.conj().T).max() == 0
    # second-neighbour elements are +-i lambda sigma_z with nu = +-1
    vals = np.abs(H[0::2, 0::2][np.abs(H[0::2, 0::2].imag) > 1e-12])
    assert np.allclose(vals, 0.1)
    with pytest.raises(InputError, match="vanish"):
        TightBinding(square(), (4, 4)).add_intrinsic_soc(0.1)


def test_bad_inputs_are_explained():
    tb = TightBinding(square(), (4, 3))
    with pytest.raises(InputError, match="not Hermitian"):
        tb.add_onsite([[0, 1], [0, 0]])
    with pytest.raises(InputError, match=r"shape \(12, 3\)"):
        tb.set_exchange(2.0, np.ones((10, 3)) / np.sqrt(3))
    with pytest.raises(InputError, match="unit vector"):
        tb.set_exchange(2.0, np.ones((12, 3)))
    f = strip_system(4, 3, leads=False)
    with pytest.raises(InputError, match="does not match the scattering region"):
        f.attach_lead(SemiInfiniteLead.strip(4), side="left")
    with pytest.raises(InputError, match="Fermi level"):
        ob.densities(strip_system(3, 2), None)
    with pytest.raises(InputError, match="no exchange"):
        f.set_texture(textures.uniform(f.geometry))
    fp = TightBinding(square(), (4, 3), periodic=True).finalized()
    with pytest.raises(InputError, match="periodic"):
        RGF(fp)
    with pytest.raises(InputError, match="Im E >= 0"):
        SemiInfiniteLead.strip(2).self_energy(1.0 - 0.1j)
    with pytest.raises(InputError, match="gate protocol"):
        tb.add_gate([0], "cosine")
    with pytest.raises(InputError):
        ElectronUnits(-1.0)


def test_energy_on_a_band_edge():
    """'channels' leads take the continuous limit at a subband threshold (the new channel has zero
    width); the general 'modes' method refuses a zero-velocity mode with an explanation."""
    lead = SemiInfiniteLead.strip(1, onsite=0.0)
    assert np.allclose(lead.self_energy(2.0), [[1.0, 0], [0, 1.0]])  # g(2t) = 1/t
    assert lead.n_channels(2.0) == 0 and lead.n_channels(2.0 - 1e-9) == 2
    modes = SemiInfiniteLead(lead.h0, lead.h1, method="modes")
    with pytest.raises(InputError, match="band edge"):
        modes.self_energy(2.0)
    f = strip_system(3, 2)
    q = np.pi * np.arange(1, 3) / 3
    edge = 4 - 2 * np.cos(q[0]) - 2  # first subband threshold of the width-2 strip
    assert RGF(f).transmission(edge) == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------------------------------------
# leads
# ---------------------------------------------------------------------------------------------------
EDGE = 0.4 + 0.9 - 2 * np.cos(np.pi / 6) + 2  # a subband edge of the strip below


@pytest.mark.parametrize("E", [0.35, EDGE, 3.7, -2.6, 1.2 + 0.3j, 5.0 + 1e-3j])
def test_surface_green_function_dyson_and_methods_agree(E):
    strip = SemiInfiniteLead.strip(5, hopping=1.0, onsite=0.4, exchange=0.9, direction=(1, 0, 1))
    assert strip.method == "channels"
    assert strip.dyson_residual(E) < 1e-12
    if E != EDGE:
        modes = SemiInfiniteLead(strip.h0, strip.h1, method="modes")
        assert np.abs(modes.surface_green(E) - strip.surface_green(E)).max() < 1e-10
    if np.imag(E) > 0:
        dec = SemiInfiniteLead(strip.h0, strip.h1, method="decimation")
        assert np.abs(dec.surface_green(E) - strip.surface_green(E)).max() < 1e-12
    # a Rashba lead (h1 not a multiple of 1) by the mode method
    tb = TightBinding(square(), (2, 3)).add_rashba(0.4).add_onsite(0.3)
    rl = SemiInfiniteLead.from_system(tb.finalized(), "right")
    assert rl.method == "modes"
    assert rl.dyson_residual(E) < 1e-11
    G = rl.gamma(E)
    assert np.abs(G - G.conj().T).max() < 1e-13 and np.linalg.eigvalsh(G).min() > -1e-12
    W = rl.gamma_factor(E)
    assert np.abs(W @ W.conj().T - G).max() < 1e-12


def test_rotated_lead_equals_lead_magnetized_along_m():
    m = np.array([np.sin(1.1) * np.cos(0.7), np.sin(1.1) * np.sin(0.7), np.cos(1.1)])
    along_z = SemiInfiniteLead.strip(3, onsite=4.0, exchange=1.5, direction=(0, 0, 1))
    along_m = SemiInfiniteLead.strip(3, onsite=4.0, exchange=1.5, direction=m)
    rot = RotatedLead.from_angles(along_z, 1.1, 0.7)
    rot.interface_size(6)
    for E in (2.5, 4.1 + 0.2j):
        assert np.abs(rot.self_energy(E) - along_m.self_energy(E)).max() < 1e-13
    U = spin_rotation(m)
    assert np.allclose(U @ PAULI[2] @ U.conj().T, np.einsum("a,aij->ij", m, PAULI))
    # Xu et al. 2023, Eq. 7 as printed: R^dagger sigma_z R points along (-theta, -phi)
    R = xu2023_eq7_rotation(1.1, 0.7)
    mm = np.array([-np.sin(1.1) * np.cos(0.7), np.sin(1.1) * np.sin(0.7), np.cos(1.1)])
    assert np.allclose(R.conj().T @ PAULI[2] @ R, np.einsum("a,aij->ij", mm, PAULI))


# ---------------------------------------------------------------------------------------------------
# recursive Green's function vs dense inverse
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("E", [0.37, -1.9, 2.2 + 0.15j])
def test_rgf_blocks_equal_dense_inverse(E):
    f = random_system()
    G = retarded_dense(f, E)
    r = RGF(f)
    sol = r.solve(E, diagonal=True, basis="identity")
    assert np.abs(sol.full() - G).max() < 1e-10
    assert np.abs(sol.block(4, 1) - G[np.ix_(f.layer_orbitals[4], f.layer_orbitals[1])]).max() < 1e-10
    for p, al in enumerate(f.leads):
        cols = sol.columns(p)
        for k in range(f.n_layers):
            assert np.abs(cols[k] - G[np.ix_(f.layer_orbitals[k], al.interface)]).max() < 1e-10
    # lead-resolved spectral functions, transmissions, lesser function
    sol = r.solve(E)
    Gam = [al.lead.gamma(E) for al in f.leads]
    for p, al in enumerate(f.leads):
        Ap = G[:, al.interface] @ Gam[p] @ G[:, al.interface].conj().T
        blocks = sol.spectral_site_blocks(p)
        assert max(np.abs(blocks[i] - site_block(Ap, i)).max() for i in range(f.n_sites)) < 1e-10
        for q, aq in enumerate(f.leads):
            Gpq = G[np.ix_(al.interface, aq.interface)]
            T = np.trace(Gam[p] @ Gpq @ Gam[q] @ Gpq.conj().T).real
            assert sol.transmission(p, q) == pytest.approx(T, abs=1e-10)
    if np.imag(E) == 0:
        S, n = sol.smatrix()
        assert np.abs(S @ S.conj().T - np.eye(sum(n))).max() < 1e-10
        f_occ = [1.0, 0.3, 0.0]
        Gl = lesser_dense(f, E, f_occ)
        ours = sum(fp * sol.spectral_site_blocks(p) for p, fp in enumerate(f_occ))
        assert max(np.abs(1j * ours[i] - site_block(Gl, i)).max() for i in range(f.n_sites)) < 1e-10
        # DOS from the diagonal blocks = DOS of the scattering states (no bound state at this E)
        assert ob.dos(r, E) == pytest.approx(ob.spectral_dos(r, E), rel=1e-10)


def test_texture_update_is_picked_up():
    f = random_system(seed=5)
    r = RGF(f)
    T0 = r.transmission(0.5)
    f.set_texture(textures.uniform(f.geometry, (0, 1, 0)))
    T1 = r.transmission(0.5)
    G = retarded_dense(f, 0.5)
    I0, I1 = f.leads[0].interface, f.leads[1].interface
    T = np.trace(f.leads[1].lead.gamma(0.5) @ G[np.ix_(I1, I0)] @ f.leads[0].lead.gamma(0.5) @
                 G[np.ix_(I1, I0)].conj().T).real
    assert T1 == pytest.approx(T, abs=1e-10) and abs(T1 - T0) > 1e-3


# ---------------------------------------------------------------------------------------------------
# closed forms
# ---------------------------------------------------------------------------------------------------
def test_clean_strip_transmission_is_the_channel_staircase():
    W = 7
    f = strip_system(6, W)
    q = np.pi * np.arange(1, W + 1) / (W + 1)
    thresholds = np.sort(np.concatenate([4 - 2 * np.cos(q) - 2, 4 - 2 * np.cos(q) + 2]))
    E = np.linspace(0.01, 7.99, 97)
    E = E[np.min(np.abs(E[:, None] - thresholds[None, :]), axis=1) > 1e-3]
    T = ob.transmission(f, E)
    channels = 2 * np.sum(np.abs(E[:, None] - 4 + 2 * np.cos(q)[None, :]) < 2, axis=1)
    assert np.abs(T - channels).max() < 1e-10
    Ts = ob.spin_transmission(f, 3.3)
    n = 2 * np.sum(np.abs(3.3 - 4 + 2 * np.cos(q)) < 2)
    assert np.allclose(Ts, np.diag([n / 2, n / 2]), atol=1e-10)


def test_single_site_dot_breit_wigner():
    """One spinful site eps + J sigma . m with wide-band leads Gamma_L, Gamma_R: per spin along m,
    T = G_L G_R / ((E - eps -+ J)^2 + G^2/4), DOS = (G/2 pi) / (...), occupation
    1/2 + sum_p (G_p/G) arctan((mu_p - eps_+-)/(G/2)) / pi."""
    eps, J, GL, GR = 0.3, 0.8, 0.25, 0.15
    m = np.array([0.6, 0.0, 0.8])
    tb = TightBinding(chain(), 1, hopping=None).add_onsite(eps)
    tb.set_exchange(J, m[None, :])
    f = tb.finalized()
    f.attach_lead(WideBandLead(GL), sites=[0])
    f.attach_lead(WideBandLead(GR), sites=[0])
    Gt = GL + GR
    r = RGF(f)
    for E in (-0.7, 0.0, 1.1, 1.2 + 0.1j):
        lor = [1.0 / ((E - eps - s * J) ** 2 + Gt ** 2 / 4) for s in (1, -1)]
        if np.imag(E) == 0:
            assert r.transmission(E) == pytest.approx(GL * GR * sum(lor), rel=1e-12)
            assert ob.dos(r, E) == pytest.approx(Gt / (2 * np.pi) * sum(lor), rel=1e-12)
    mus = (0.9, -0.2)
    for kT, mu in ((0.0, 0.4), (0.0, mus)):
        d = ob.densities(r, mu, kT)
        mu_p = np.broadcast_to(np.atleast_1d(mu), (2,))
        occ = [0.5 + sum(g / Gt * np.arctan((mp - eps - s * J) / (Gt / 2)) / np.pi for g, mp in zip((GL, GR), mu_p))
               for s in (1, -1)]
        assert d.n[0] == pytest.approx(sum(occ), abs=1e-9)
        assert np.allclose(d.s[0], 0.5 * (occ[0] - occ[1]) * m, atol=1e-9)
    # finite temperature: numerical Fermi integral of the Lorentzians
    from scipy.integrate import quad

    kT = 0.05
    occ = [quad(lambda E, e=eps + s * J: ig.fermi(E, 0.4, kT) * (Gt / (2 * np.pi)) / ((E - e) ** 2 + Gt ** 2 / 4),
                -np.inf, 0.4, epsabs=1e-13, epsrel=1e-13, limit=500)[0]
           + quad(lambda E, e=eps + s * J: ig.fermi(E, 0.4, kT) * (Gt / (2 * np.pi)) / ((E - e) ** 2 + Gt ** 2 / 4),
                  0.4, np.inf, epsabs=1e-13, epsrel=1e-13, limit=500)[0] for s in (1, -1)]
    d = ob.densities(r, 0.4, kT)
    assert d.n[0] == pytest.approx(sum(occ), abs=1e-9)
    assert np.allclose(d.s[0], 0.5 * (occ[0] - occ[1]) * m, atol=1e-9)


def chain_1d(L, J=0.0, direction=(0, 0, 1), impurity=None):
    tb = TightBinding(chain(), L)
    if J:
        tb.set_exchange(J, textures.uniform(tb.geometry, direction))
    if impurity is not None:
        tb.add_onsite(impurity[1], sites=[impurity[0]])
    f = tb.finalized()
    for side in ("left", "right"):
        f.attach_lead(SemiInfiniteLead.strip(1, exchange=J, direction=direction), side=side)
    return f


def test_uniform_ferromagnet_chain_spin_density():
    """Infinite chain, H = -t sum c^dag c + J sigma . n: n_s = k_F,s / pi with cos k_F,s = -(mu - s J)/2t."""
    J, mu = 0.7, 0.4
    n = np.array([1.0, 2.0, -2.0]) / 3
    f = chain_1d(5, J, n)
    kF = [np.arccos(-(mu - s * J) / 2) for s in (1, -1)]
    d = ob.densities(f, mu)
    assert np.allclose(d.n, (kF[0] + kF[1]) / np.pi, atol=1e-10)
    assert np.allclose(d.s, 0.5 * (kF[0] - kF[1]) / np.pi * n[None, :], atol=1e-10)
    # finite temperature: n_s = int dk/2pi f(-2 cos k + s J)
    kT = 0.1
    k = np.linspace(-np.pi, np.pi, 20001)[:-1]
    ns = [np.mean(ig.fermi(-2 * np.cos(k) + s * J, mu, kT)) for s in (1, -1)]
    d = ob.densities(f, mu, kT)
    assert np.allclose(d.s, 0.5 * (ns[0] - ns[1]) * n[None, :], atol=1e-10)


def test_bound_state_missed_by_real_axis_found_by_contour():
    """Impurity V < 0 on an infinite chain: bound state at -sqrt(V^2 + 4) with weight |V|/sqrt(V^2 + 4) on the
    impurity site; real-axis integration of the scattering states misses exactly that weight."""
    V, mu = -1.2, 0.3
    f = chain_1d(3, impurity=(1, V))
    r = RGF(f)
    d = ob.densities(r, mu)
    fn = lambda E: sum(r.solve(E).spectral_site_blocks(p) for p in range(2)) / (2 * np.pi)  # noqa: E731
    val, _, _ = ig.integrate_real(fn, -2.0, mu, (-2.0,), tol=1e-11)
    n_real, _ = ob.site_moments(val)
    w = abs(V) / np.sqrt(V ** 2 + 4)
    assert d.n[1] - n_real[1] == pytest.approx(2 * w, abs=1e-8)
    assert np.allclose(d.n[[0, 2]] - n_real[[0, 2]], 2 * w * np.exp(-2 * np.arccosh(np.sqrt(V ** 2 + 4) / 2)),
                       atol=1e-8)


# ---------------------------------------------------------------------------------------------------
# contours and sum rules
# ---------------------------------------------------------------------------------------------------
def test_ozaki_expansion_reproduces_fermi():
    z, R = ig.ozaki_poles(40)
    x = np.linspace(-150, 150, 3001)
    approx = 0.5 - np.sum(R[None, :] * 2 * x[:, None] / (x[:, None] ** 2 + z[None, :] ** 2), axis=1)
    assert np.abs(approx - ig.fermi(x, 0.0, 1.0)).max() < 1e-13
    assert ig.fermi(0.5, 0.5, 0.0) == 0.5


@pytest.mark.parametrize("kT", [0.0, 0.03, 0.4])
def test_contour_equals_diagonalization_of_a_closed_system(kT):
    rng = np.random.default_rng(0)
    tb = TightBinding(square(), (4, 3)).add_onsite(rng.normal(size=12)).add_rashba(0.4)
    tb.set_exchange(1.0, textures.random(tb.geometry, seed=1))
    f = tb.finalized()
    ev, V = np.linalg.eigh(f.hamiltonian().toarray())
    mu = 0.1
    rho = (V * ig.fermi(ev, mu, kT)) @ V.conj().T
    blocks, _ = ob.equilibrium_blocks(f, mu, kT)
    assert max(np.abs(blocks[i] - site_block(rho, i)).max() for i in range(12)) < 1e-9


def test_contour_equals_real_axis_without_bound_states_and_dos_sum_rule():
    f = strip_system(3, 3)
    r = RGF(f)
    edges = ob.lead_band_edges(f.leads[0].lead)
    mu = 2.7
    d = ob.densities(r, mu)
    fn = lambda E: sum(r.solve(E).spectral_site_blocks(p) for p in range(2)) / (2 * np.pi)  # noqa: E731
    val, _, _ = ig.integrate_real(fn, 0.0, mu, edges, tol=1e-10)
    n_real, s_real = ob.site_moments(val)
    assert np.abs(d.n - n_real).max() < 1e-8
    # sum rules: the scattering-state DOS integrates to the number of orbitals; the contour above the
    # spectrum counts every orbital
    total, _, _ = ig.integrate_real(lambda E: ob.spectral_dos(r, E), 0.0, 8.0, edges, tol=1e-9)
    assert total == pytest.approx(f.n_orb, rel=1e-8)
    assert ob.densities(r, 12.0).n.sum() == pytest.approx(f.n_orb, rel=1e-10)


def test_bias_window_against_dense_lesser_function():
    f = random_system(seed=7, L=4, W=2)
    r = RGF(f)
    mus = (0.6, 0.1, 0.1)
    for kT in (0.0, 0.08):
        d = ob.densities(r, mus, kT)
        ref, a, b, brk = ig.bias_window(mus, kT)
        rho_eq, _ = ob.equilibrium_blocks(r, ref, kT)
        def fl(E):
            Gl = lesser_dense(f, E, [ig.fermi(E, m, kT) - ig.fermi(E, ref, kT) for m in mus])
            return np.array([site_block(Gl, i) for i in range(f.n_sites)])

        edges = tuple(e for al in f.leads for e in ob.lead_band_edges(al.lead) if a < e < b)
        G, _, _ = ig.integrate_real(fl, a, b, brk + edges, tol=1e-10)
        rho = rho_eq + (-1j) * G / (2 * np.pi)
        assert np.abs(d.blocks - 0.5 * (rho + np.conj(np.swapaxes(rho, 1, 2)))).max() < 1e-8


def test_units():
    u = ElectronUnits(1e-3)
    assert u.time_s == pytest.approx(6.582119569e-13, rel=1e-9)
    assert u.energy_to_eV(2.0) == pytest.approx(2e-3)
    assert u.kT(11.604518) == pytest.approx(1.0, rel=1e-6)


def test_benchmark_smoke():
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.path.join(root, "src"), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, os.path.join(root, "benchmarks", "negf.py"), "--smoke"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    last = out.stdout.strip().splitlines()[-2:]
    assert last[0].startswith("rgf_ms_per_energy_40x40: ") and float(last[0].split()[-1]) > 0
    assert last[1].startswith("rgf_speedup_40x40: ") and float(last[1].split()[-1]) > 0


def test_energy_grid_in_worker_processes():
    """map_energies with spawned workers (one BLAS thread each) gives the serial result; the system and its
    leads are picklable."""
    f = strip_system(4, 3, J=1.0, texture=lambda g: textures.random(g, seed=4))
    fn = ob._WindowIntegrand(f, 0.0, [0], np.array([1.0, 0.5]), 0.5, 0.0)
    E = np.linspace(0.55, 0.95, 8)
    assert np.abs(ig.map_energies(fn, E, workers=2) - ig.map_energies(fn, E)).max() < 1e-13
