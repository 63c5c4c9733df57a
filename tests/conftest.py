import numpy as np
import pytest

from spinertia.hamiltonian.macrospin import Macrospin
from spinertia.units import ReducedUnits


def field_z(omega0=1.0, omega_K=None, axis=(0, 0, 1)):
    """Macrospin in a field omega0 along z (reduced units: time in 1/omega0 when omega0 = 1)."""
    s = Macrospin()
    s.add_zeeman(omega=[0.0, 0.0, omega0])
    if omega_K is not None:
        s.add_uniaxial_anisotropy(omega_K=omega_K, axis=axis)
    return s.finalized(ReducedUnits(1.0))


def tilted(theta=np.pi / 4, phi=0.0):
    return np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])


@pytest.fixture
def ham():
    return field_z()
