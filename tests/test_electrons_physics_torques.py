"""Spin torques and spin currents under bias; adiabatic torque b_J against the spin-current analytic form."""
import numpy as np
import pytest
from scipy import integrate

from spinertia.electrons import ElectronUnits, SemiInfiniteLead, TightBinding
from spinertia.electrons.observables import spin_transmission, transmission
from spinertia.electrons.torques import (adiabatic_torques, decompose_torque, lead_spin_currents, site_torques,
                                         texture_gradient)
from spinertia.errors import InputError
from spinertia.lattice.geometry import chain, square


def textured_strip(seed=2, rashba=0.0):
    rng = np.random.default_rng(seed)
    tb = TightBinding(square(), (5, 3), hopping=1.0)
    tb.add_onsite(0.2 * rng.standard_normal(15))
    if rashba:
        tb.add_rashba(rashba)
    tex = rng.standard_normal((15, 3))
    tb.set_exchange(0.8, tex / np.linalg.norm(tex, axis=1)[:, None])
    f = tb.finalized()
    f.attach_lead(SemiInfiniteLead.from_system(f, "left"), side="left")
    f.attach_lead(SemiInfiniteLead.from_system(f, "right"), side="right")
    return f


def test_torque_on_electrons_balances_spin_currents_from_the_leads():
    """Without spin-orbit coupling the total spin is conserved except for the exchange torque (Xu et al. 2023,
    Eq. B1): in the biased steady state sum_i m_i x <dH/dm_i> + sum_p I_p[sigma/2] = 0.  Spin density from the
    recursive Green's function, spin currents from the lead self-energies: two independent computations."""
    f = textured_strip()
    mu = [0.45, 0.15]
    st = site_torques(f, mu)
    cur = lead_spin_currents(f, mu)
    total_torque = st.torque.sum(axis=0)
    assert np.abs(total_torque).max() > 1e-3
    assert np.allclose(total_torque + cur["spin"].sum(axis=0), 0.0, atol=1e-10 * np.abs(total_torque).max())
    assert np.allclose(cur["spin_into_lead"], -cur["spin"])
    # particle current: conserved and equal to Landauer's int T(E) dE / 2 pi over the window
    I_L, I_R = cur["particle"]
    landauer = integrate.quad(lambda E: transmission(f, [E])[0] / (2 * np.pi), 0.15, 0.45, epsabs=1e-13)[0]
    assert I_L == pytest.approx(-I_R, rel=1e-10)
    assert I_L == pytest.approx(landauer, rel=1e-9)
    # no current-induced torque without bias
    eq = site_torques(f, 0.3)
    assert np.abs(eq.current_induced).max() == 0.0
    assert np.abs(st.current_induced).max() > 1e-4


def test_equilibrium_has_no_particle_current_but_spin_orbit_allows_spin_currents():
    f = textured_strip(rashba=0.3)
    cur = lead_spin_currents(f, 0.3)
    assert np.abs(cur["particle"]).max() < 1e-12


def test_decompose_torque():
    m = np.array([0.0, 0.0, 1.0])
    u = np.array([1.0, 0.0, 0.0])
    tau = 0.3 * np.cross(m, u) + 0.7 * np.cross(m, np.cross(m, u))
    fl, dl = decompose_torque(tau, m, u)
    assert fl == pytest.approx(0.3) and dl == pytest.approx(0.7)
    with pytest.raises(InputError, match="parallel"):
        decompose_torque(tau, m, m)


def domain_wall(w, J=1.0, margin=20):
    N = int(10 * w) + 2 * margin
    tb = TightBinding(chain(), (N,), hopping=1.0)
    x = np.arange(N) - N / 2
    th = 2 * np.arctan(np.exp(x / w))
    tb.set_exchange(J, np.stack([np.sin(th), 0 * th, np.cos(th)], axis=1))
    f = tb.finalized()
    f.attach_lead(SemiInfiniteLead.from_system(f, "left"), side="left")
    f.attach_lead(SemiInfiniteLead.from_system(f, "right"), side="right")
    return f


@pytest.mark.parametrize("w, tol", [(15.0, 1.5e-3), (30.0, 4e-4)])
def test_adiabatic_torque_equals_spin_current_form(w, tol):
    """Half-metallic window (only sigma . m = -1 propagates): the adiabatic torque of a wide domain wall is
    dm/dt = -u dm/dx with u = P I a / (2 S), P = 1 (Zhang-Li: u = P j g mu_B / (2 e M_s)); the fitted
    velocity approaches it as 1/w^2 and the non-adiabatic beta vanishes."""
    f = domain_wall(w)
    units = ElectronUnits(1.0)
    S = 1.5
    mu = -1.5  # lead band [-2, 2], magnet bands [-3, 1] (sigma.m = -1) and [-1, 3] (sigma.m = +1)
    res = adiabatic_torques(f, mu, units, spin=S, bias_V=1e-3)
    # polarization from the spin-resolved transmission of the uniform magnet
    tex = f.texture
    f.set_texture(np.tile([0.0, 0.0, 1.0], (f.n_sites, 1)))
    T = spin_transmission(f, mu)
    f.set_texture(tex)
    P = (T[1, 1] - T[0, 0]) / (T[1, 1] + T[0, 0])
    assert P == pytest.approx(1.0, abs=1e-12)
    a = np.linalg.norm(f.lattice.vectors[0])
    u_ref = P * res.particle_current * a / (2 * S)
    assert res.particle_current > 0 and res.u > 0  # electrons flow along +x, u along the electron flow
    assert res.u == pytest.approx(u_ref, rel=tol)
    assert abs(res.beta) < 1e-3
    assert np.ptp(res.u_per_site) < 2e-2 * res.u
    # Eq. 31 coefficients: b_J j_e = -u with j_e the charge current (negative for electrons along +x)
    assert res.j_e < 0
    assert res.b_J * res.j_e == pytest.approx(-res.u)
    assert res.c_J == pytest.approx(res.beta * res.b_J)


def test_texture_gradient_and_bad_input():
    f = domain_wall(8.0)
    g, step, xhat = texture_gradient(f)
    assert np.isnan(g[0]).all() and np.isnan(g[-1]).all()
    assert np.allclose(xhat, [1, 0, 0])
    m = f.texture
    assert np.allclose(np.einsum("ij,ij->i", g[1:-1], m[1:-1]), 0, atol=1e-3 / step)
    f.detach_leads()
    with pytest.raises(InputError, match="two leads"):
        adiabatic_torques(f, 0.0, ElectronUnits(1.0), spin=1.0)
