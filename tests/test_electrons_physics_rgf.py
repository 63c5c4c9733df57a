"""The response kernels on the recursive Green's function route against the dense inverse of the whole region.

Every kernel (expectation values, static response, friction, inertia, dynamic response, lead currents, the
S-matrix) is evaluated by both routes of the same Device (``method="rgf"`` and ``method="dense"``) with the
same quadrature rules, on a Rashba-coupled strip with a random texture and three leads of three kinds: an
energy-dependent semi-infinite lead (Sigma' and Sigma'' enter G' and G''), a ferromagnetic wide-band lead and a
wide-band lead touching two layers.  The dense inverse is the independent route.  A 20 x 20 strip then gets
its macrospin damping with the dense inverse disabled.
"""
import time

import numpy as np
import pytest

from spinertia.electrons import SemiInfiniteLead, TightBinding, WideBandLead
from spinertia.electrons import linear_response as lr
from spinertia.electrons import propagators
from spinertia.electrons.linear_response import Accuracy, Device
from spinertia.electrons.nonlocal_tensors import SitePairs, pair_tensors, site_pairs
from spinertia.electrons.smatrix import btb_damping, scattering_matrix
from spinertia.electrons.tensors import damping_tensor, magnet_tensors, magnet_vertices, spin_operators
from spinertia.electrons.torques import lead_spin_currents
from spinertia.errors import InputError
from spinertia.lattice import textures
from spinertia.lattice.geometry import square

#: coarse rules: both routes use the same nodes, so the comparison does not need converged integrals
COARSE = Accuracy(sea_step=0.6, sea_decades=6.0, window_points=6, thermal_step=3.0)
REL = 1e-10


def rashba_strip(nx=4, ny=2, seed=11):
    rng = np.random.default_rng(seed)
    tb = TightBinding(square(), (nx, ny), hopping=1.0)
    tb.add_onsite(0.3 * rng.standard_normal(nx * ny))
    tb.add_rashba(0.3)
    tex = rng.standard_normal((nx * ny, 3))
    tb.set_exchange(0.8, tex / np.linalg.norm(tex, axis=1)[:, None])
    f = tb.finalized()
    f.attach_lead(SemiInfiniteLead.from_system(f, "left"), side="left")
    f.attach_lead(WideBandLead(0.4 * (np.eye(2) + 0.5 * np.array([[0.6, 0.8j], [-0.8j, -0.6]]))), side="right")
    f.attach_lead(WideBandLead(0.25), sites=[1, 2 + nx])  # touches layers 1 and 2
    return f


@pytest.fixture(scope="module")
def system():
    f = rashba_strip()
    assert len({f.layer_of_site[1], f.layer_of_site[2 + 4]}) == 2
    return f


def routes(f, mu, kT):
    r = Device.from_system(f, mu, kT=kT, accuracy=COARSE)
    d = Device.from_system(f, mu, kT=kT, accuracy=COARSE, method="dense")
    assert (r.method, d.method) == ("rgf", "dense")
    return r, d


def close(a, b, rel=REL):
    scale = np.abs(b).max()
    assert scale > 0
    err = np.abs(np.asarray(a) - np.asarray(b)).max()
    assert err <= rel * scale, f"relative deviation {err / scale:.2e}"


CASES = [(0.0, 0.3), (0.15, 0.3), (0.0, (0.5, 0.2, 0.3)), (0.15, (0.5, 0.2, 0.3))]
IDS = ["T0", "kT", "T0-bias", "kT-bias"]


@pytest.mark.parametrize("kT, mu", CASES, ids=IDS)
def test_spin_density_friction_and_currents_agree_with_the_dense_inverse(system, kT, mu):
    """s_D (Xu et al. 2023, Eq. 11), the friction of the macrospin and of site pairs (corrected Eq. 19; Fermi
    surface from the lead columns, sea on the contour, bias windows) and the lead spin currents (Eq. A2)."""
    r, d = routes(system, mu, kT)
    V = magnet_vertices(system)
    s = spin_operators(system)
    close(lr.expectation(r, s), lr.expectation(d, s))
    close(damping_tensor(r, V), damping_tensor(d, V))
    if kT and not np.isscalar(mu):
        return  # the window code paths of pairs and currents are those of T = 0 (only the nodes differ)
    pairs, _ = site_pairs(system, cutoff=np.inf)
    C = SitePairs(pairs, system.exchange_J, system.n_sites, system.orbitals)
    close(lr.friction(r, C), lr.friction(d, C))
    ops = [np.eye(system.n_orb)] + list(s)
    close(lr.lead_currents(r, ops), lr.lead_currents(d, ops))


@pytest.mark.parametrize("kT", [0.0, 0.15], ids=["T0", "kT"])
def test_equilibrium_response_agrees_with_the_dense_inverse(system, kT):
    """eta (B5) and chi (Bhattacharjee et al. 2012, Eq. 12), inertia (corrected Xu et al. 2023, Eq. 22) of the
    macrospin and of nearest-neighbour pairs, chi(omega) (Eq. 30)."""
    r, d = routes(system, 0.3, kT)
    V = magnet_vertices(system)
    s = spin_operators(system)
    close(lr.static_response(r, s, V), lr.static_response(d, s, V))
    close(lr.inertia(r, V), lr.inertia(d, V))
    close(lr.dynamic_response(r, V, omega=0.15), lr.dynamic_response(d, V, omega=0.15))
    pairs, _ = site_pairs(system)  # nearest neighbours: layer blocks up to G_{k,k+1}
    C = SitePairs(pairs, system.exchange_J, system.n_sites, system.orbitals)
    assert C.swappable
    close(lr.static_response(r, C), lr.static_response(d, C))
    close(lr.inertia(r, C), lr.inertia(d, C))


def test_one_call_tensors_and_scattering_matrix_agree_with_the_dense_inverse(system):
    """magnet_tensors and pair_tensors (all three tensors, every pair) with method='rgf' and 'dense'; the
    Fisher-Lee S-matrix and its finite-difference BTB damping (Xu et al. 2023, App. D) from lead columns."""
    kw = dict(kT=0.0, accuracy=COARSE)
    a = magnet_tensors(system, 0.3, omegas=[0.1], method="rgf", **kw)
    b = magnet_tensors(system, 0.3, omegas=[0.1], method="dense", **kw)
    assert (a.info["method"], b.info["method"]) == ("rgf", "dense")
    for name in ("s_D", "alpha", "inertia", "eta", "alpha_omega"):
        close(getattr(a, name), getattr(b, name))
    pa = pair_tensors(system, 0.3, cutoff=np.inf, method="rgf", **kw)
    pb = pair_tensors(system, 0.3, cutoff=np.inf, method="dense", **kw)
    for name in ("chi", "friction", "inertia"):
        close(getattr(pa, name), getattr(pb, name))
    r, d = routes(system, 0.3, 0.0)
    Sr, Sd = scattering_matrix(r, 0.3)[0], scattering_matrix(d, 0.3)[0]
    close(Sr, Sd)
    assert np.abs(Sr @ Sr.conj().T - np.eye(len(Sr))).max() < 1e-12
    V = magnet_vertices(system)
    close(btb_damping(r, V)[0], btb_damping(d, V)[0], rel=1e-8)  # finite differences of S: step 1e-4


def test_site_pair_sums_equal_the_layer_sweeps(system):
    """Two recursive contractions of the same traces: sum over all site pairs of Tr[V_i X_ij V_j Y_ji] (layer
    blocks G_{k,k+d}) equals the macrospin trace by the forward/backward layer sweeps, for X, Y = G, G', G^dagger,
    the lead density and the spectral function (low-rank lead columns)."""
    r = Device.from_system(system, 0.3)
    V = magnet_vertices(system)
    macro = lr.OperatorPairs(V, None, r.n)
    pairs, _ = site_pairs(system, cutoff=np.inf)
    C = SitePairs(pairs, system.exchange_J, system.n_sites, system.orbitals)
    g = r.propagator(0.3, 2)
    gz = r.propagator(0.2 + 0.4j, 2)
    combos = [(gz.G(), gz.G()), (gz.G(2), gz.G()), (gz.G(), gz.G(1)), (g.G(1), g.G(adj=True)),
              (g.spectral(), g.G()), (g.G(), g.lead(0)), (g.lead(2), g.spectral())]
    for X, Y in combos:
        close(g.pair(C, X, Y).sum(axis=0), g.pair(macro, X, Y))


def test_medium_strip_macrospin_damping_without_a_dense_inverse(monkeypatch):
    """20 x 20 spinful strip (800 orbitals, 20 layers of 40) with Rashba coupling and a skyrmion: the full Gilbert
    tensor (Fermi surface + 167 contour energies) with every dense inverse and solve disabled; its symmetric part
    equals the scattering-matrix (BTB) damping of the same recursive route.  The dense route would need an 800 x 800
    inverse and two 800^3 products per energy (~0.5 s each on one core, ~80 s in all)."""
    L = 20
    tb = TightBinding(square(2.5e-10), (L, L)).add_onsite(4.0)
    tb.add_rashba(0.2)
    tb.set_exchange(2.0, textures.skyrmion(tb.geometry, radius=L / 4 * 2.5e-10, kind="neel"))
    f = tb.finalized()
    for side in ("left", "right"):
        f.attach_lead(SemiInfiniteLead.strip(L, onsite=4.0), side=side)

    def refuse(*args, **kwargs):
        raise AssertionError("dense inverse of the whole region called")

    monkeypatch.setattr(Device, "green", refuse)
    monkeypatch.setattr(np.linalg, "inv", refuse)
    monkeypatch.setattr(np.linalg, "solve", refuse)
    dev = Device.from_system(f, 1.9)
    assert dev.method == "rgf" and dev.n == 800
    V = magnet_vertices(f)
    t0 = time.perf_counter()
    alpha = damping_tensor(dev, V, spin=1.0)
    elapsed = time.perf_counter() - t0
    # the macrospin vertex sums 400 sites: the five-point stencil of S(m) needs a smaller step (error ~ h^4:
    # 2e-8, 1.4e-9, 5.7e-11 relative at h = 1e-4, 5e-5, 2e-5)
    btb, unitarity = btb_damping(dev, V, spin=1.0, step=2e-5)
    assert unitarity < 1e-12
    close(0.5 * (alpha + alpha.T), btb, rel=1e-9)
    assert np.abs(alpha - alpha.T).max() > 1e-3 * np.abs(alpha).max()  # the contour (antisymmetric) part is there
    print(f"20 x 20 macrospin damping by RGF: {elapsed:.1f} s")


def test_routes_and_bad_input(system):
    with pytest.raises(InputError, match="method must be one of"):
        Device.from_system(system, 0.3, method="fast")
    with pytest.raises(InputError, match="from_system"):
        Device(system.hamiltonian(), system.leads, mu=0.3, method="rgf")
    # a periodic transport direction cannot be cut into layers: 'auto' falls back, 'rgf' refuses
    tb = TightBinding(square(), (4, 2), periodic=(True, False))
    tb.set_exchange(1.0, np.tile([0.0, 0.0, 1.0], (8, 1)))
    fp = tb.finalized()
    assert Device.from_system(fp, 0.1).method == "dense"
    with pytest.raises(InputError, match="periodic"):
        Device.from_system(fp, 0.1, method="rgf")
    r = Device.from_system(system, 0.3)
    # an operator coupling two layers has no layer-diagonal form
    hop = system.hamiltonian()
    with pytest.raises(InputError, match="different layers"):
        lr.expectation(r, [hop])
    assert np.isfinite(lr.expectation(Device.from_system(system, 0.3, method="dense"), [hop])).all()
    # a custom contraction without a recursive form
    with pytest.raises(InputError, match="no recursive form"):
        lr.static_response(r, lambda X, Y: np.zeros((1, 1)))
    # real-axis factors at a complex energy
    with pytest.raises(InputError, match="real-axis"):
        r.propagator(0.3 + 0.1j).spectral()
    with pytest.raises(InputError, match="order"):
        r.propagator(0.3).G(1)
    # the system changed after the device was built
    d2 = Device.from_system(system, 0.3)
    system.set_texture(system.texture)
    with pytest.raises(InputError, match="changed"):
        lr.expectation(d2, spin_operators(system))
    assert lead_spin_currents(system, 0.3, method="rgf")["particle"].shape == (3,)
    assert propagators.LayeredPropagator.route == "rgf"
