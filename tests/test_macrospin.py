"""Hamiltonian: effective field is minus the gradient of the energy; units and protocols."""
import numpy as np
import pytest

from spinertia.errors import InputError
from spinertia.lattice.macrospin import Macrospin
from spinertia.units import GAMMA_ELECTRON, ReducedUnits, parse_quantity


def test_field_is_minus_energy_gradient():
    s = Macrospin()
    s.add_zeeman([0.1, -0.2, 0.5], protocol="sine", B1=[0.01, 0, 0], frequency=3e11, phase=0.3)
    s.add_uniaxial_anisotropy(0.2, [1, 1, 2])
    s.add_anisotropy_field_tensor(-1e10 * np.diag([0, 0, 1.0]))
    ham = s.finalized(ReducedUnits(1e-12))
    rng = np.random.default_rng(1)
    for _ in range(5):
        m = rng.normal(size=3)
        t = rng.uniform(0, 10)
        eps = 1e-6
        grad = np.array([(ham.macrospin_energy(t, m + eps * e) - ham.macrospin_energy(t, m - eps * e)) / (2 * eps)
                         for e in np.eye(3)])
        np.testing.assert_allclose(ham.macrospin_field(t, m), -grad, rtol=1e-8, atol=1e-12)


def test_zeeman_in_reduced_units_is_gamma_B_t_unit():
    s = Macrospin()
    s.add_zeeman([0, 0, 0.5])
    ham = s.finalized(ReducedUnits(1e-12))
    np.testing.assert_allclose(ham.static_field, [0, 0, GAMMA_ELECTRON * 0.5 * 1e-12])


def test_protocols():
    s = Macrospin()
    s.add_zeeman(omega=[0, 0, 1.0], protocol="step", omega1=[1.0, 0, 0], t_on=2e-12)
    ham = s.finalized(ReducedUnits(1e-12))
    m = np.array([0, 0, 1.0])
    assert ham.macrospin_field(1.999, m)[0] == 0 and ham.macrospin_field(2.0, m)[0] == pytest.approx(1e-12)


def test_parse_quantity():
    assert parse_quantity("10 fs", "time") == pytest.approx(1e-14)
    assert parse_quantity("1 THz", "angular_frequency") == pytest.approx(2 * np.pi * 1e12)
    assert parse_quantity("45 deg", "angle") == pytest.approx(np.pi / 4)
    with pytest.raises(InputError, match="unknown time unit"):
        parse_quantity("3 parsec", "time")


def test_bad_inputs():
    with pytest.raises(InputError, match="3-vector"):
        Macrospin().add_zeeman([0, 1])
    with pytest.raises(InputError, match="positive"):
        Macrospin(gamma=-1.0)
    with pytest.raises(InputError, match="unknown field protocol"):
        Macrospin().add_zeeman([0, 0, 1], protocol="ramp")
    with pytest.raises(InputError, match="width"):
        Macrospin().add_zeeman([0, 0, 1], protocol="pulse", B1=[1, 0, 0], t0=0.0, width=0.0)
