"""Gyromagnetic renormalization (Xu et al. 2023, B5), its relation to the antisymmetric damping, and bad input."""
import numpy as np
import pytest

from spinertia.electrons import SemiInfiniteLead, TightBinding, WideBandLead
from spinertia.electrons import linear_response as lr
from spinertia.electrons.leads import AttachedLead
from spinertia.electrons.linear_response import Device
from spinertia.electrons.tensors import gyromagnetic_tensor, magnet_tensors, magnet_vertices, spin_operators
from spinertia.errors import InputError
from spinertia.lattice.geometry import chain, square


def rashba_strip():
    rng = np.random.default_rng(4)
    tb = TightBinding(square(), (4, 2), hopping=1.0)
    tb.add_onsite(0.2 * rng.standard_normal(8))
    tb.add_rashba(0.35)
    m = np.array([0.5, 0.2, 0.8])
    tb.set_exchange(1.2, np.tile(m / np.linalg.norm(m), (8, 1)))
    f = tb.finalized()
    f.attach_lead(SemiInfiniteLead.from_system(f, "left"), side="left")
    f.attach_lead(SemiInfiniteLead.from_system(f, "right"), side="right")
    return f


def test_eta_equals_finite_difference_of_the_static_spin():
    """eta_ab = d s_D,a / d m_b (B5) against central differences of s_D computed at H + h V_b (the exchange is
    linear in m), with spin-orbit coupling and semi-infinite leads (bound states on the contour)."""
    f = rashba_strip()
    mu = 0.2
    dev = Device.from_system(f, mu)
    V = magnet_vertices(f)
    s_ops = spin_operators(f)
    eta = gyromagnetic_tensor(dev, V, s_ops)
    h = 1e-3
    fd = np.zeros((3, 3))
    for b in range(3):
        vals = []
        for x in (h, -h, 2 * h, -2 * h):
            d = Device(dev.H + x * V[b].toarray(), f.leads, mu=mu, radius=dev._radius)
            vals.append(lr.expectation(d, s_ops))
        fd[:, b] = (8 * (vals[0] - vals[1]) - (vals[2] - vals[3])) / (12 * h)
    assert np.abs(eta - fd).max() <= 1e-8 * np.abs(eta).max()


def dot(gamma):
    tb = TightBinding(chain(), (1,), hopping=None)
    tb.add_onsite(0.1)
    tb.set_exchange(0.6, np.array([[0.0, 0.0, 1.0]]))
    f = tb.finalized()
    f.attach_lead(WideBandLead(gamma / 2), sites=[0])
    f.attach_lead(WideBandLead(gamma / 2), sites=[0])
    return f


def test_antisymmetric_damping_tends_to_eta_for_a_weakly_coupled_magnet():
    """Angular-momentum balance without spin-orbit coupling: m x (gamma dm/dt) = eta dm/dt - (spin pumped into
    the leads), and the pumping vanishes with the coupling Gamma: gamma_xy -> eta_xx (Eq. 19 vs B5)."""
    diffs = []
    for gamma in (1e-2, 1e-3):
        r = magnet_tensors(dot(gamma), 0.4, spin=1.0)
        diffs.append(abs(r.alpha[0, 1] - r.eta[0, 0]) / abs(r.eta[0, 0]))
    assert diffs[1] < 2e-3
    assert diffs[0] / diffs[1] == pytest.approx(10.0, rel=0.05)  # O(Gamma)


def test_gyromagnetic_factor():
    r = magnet_tensors(dot(0.3), 0.4, spin=2.0)
    g = r.gyromagnetic_factor()
    assert np.allclose(g @ (np.eye(3) + r.eta / 2.0), np.eye(3))


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------
def test_missing_fermi_level():
    f = dot(0.3)
    with pytest.raises(InputError, match="Fermi level"):
        Device.from_system(f, None)
    with pytest.raises(InputError, match="Fermi level"):
        magnet_tensors(f, None)


def test_non_hermitian_hamiltonian():
    H = np.array([[0.0, 1.0], [0.5, 0.0]])
    with pytest.raises(InputError, match="not Hermitian"):
        Device(H, [], mu=0.0)


def test_lead_that_does_not_match_the_region():
    H = np.zeros((4, 4))
    with pytest.raises(InputError, match="does not match"):
        Device(H, [AttachedLead(WideBandLead(np.eye(2)), [3, 4])], mu=0.0)

    class Wrong:
        interface = np.array([0, 1])

        def self_energy(self, E):
            return np.zeros((3, 3))

    d = Device(H, [Wrong()], mu=0.0)
    with pytest.raises(InputError, match="does not match"):
        d.green(0.1j)


def test_texture_size_mismatch_and_no_magnet():
    tb = TightBinding(chain(), (3,), hopping=1.0)
    with pytest.raises(InputError, match="shape"):
        tb.set_exchange(1.0, np.tile([0, 0, 1.0], (4, 1)))
    f = tb.finalized()
    f.attach_lead(WideBandLead(0.5), sites=[0])
    with pytest.raises(InputError, match="no s-d exchange"):
        magnet_tensors(f, 0.0)


def test_bias_restrictions():
    f = dot(0.3)
    r = magnet_tensors(f, [0.5, 0.3], spin=1.0)  # damping under bias is allowed
    assert r.inertia is None and r.eta is None
    with pytest.raises(InputError, match="equilibrium"):
        magnet_tensors(f, [0.5, 0.3], omegas=[0.1])
    with pytest.raises(InputError, match="spin"):
        magnet_tensors(f, 0.3, spin=0.0)


def test_worker_processes_give_the_same_tensors():
    """The Fermi-sea nodes of the friction mapped over two worker processes (one pool, spawned)."""
    f = dot(0.3)
    V = magnet_vertices(f)
    serial = lr.friction(Device.from_system(f, 0.4), V)
    parallel = lr.friction(Device.from_system(f, 0.4, workers=2), V)
    assert np.allclose(serial, parallel, rtol=0, atol=1e-14)


def test_finite_temperature_without_a_spectrum_bound():
    """A device built from matrices probes the radius of its Green's function for the finite-T contour; it
    reproduces the device built from the finalized system (Gershgorin and lead-band bound)."""
    f = rashba_strip()
    a = Device.from_system(f, 0.2, kT=0.05)
    b = Device(f.hamiltonian(), f.leads, mu=0.2, kT=0.05)
    assert 0 < b.singularity_radius() <= a.singularity_radius() + 1e-12
    assert np.allclose(lr.expectation(a, spin_operators(f)), lr.expectation(b, spin_operators(f)), atol=1e-12)
