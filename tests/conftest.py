import numpy as np
import pytest

from spinertia.lattice.macrospin import Macrospin
from spinertia.units import ReducedUnits


def field_z(omega0=1.0, omega_K=None, axis=(0, 0, 1)):
    """Finalized macrospin in a field omega0 along z (units where the time unit is 1 s: with omega0 = 1,
    time is measured in 1/omega0)."""
    s = Macrospin()
    s.add_zeeman(omega=[0.0, 0.0, omega0])
    if omega_K is not None:
        s.add_uniaxial_anisotropy(omega_K=omega_K, axis=axis)
    return s.finalized(ReducedUnits(1.0))


def dyn(fin, alpha=0.0, eta=None):
    """The finalized system ``fin`` with on-site damping ``alpha`` and inertia ``eta`` (set on a copy of its
    description: damping and inertia live on the system)."""
    b = fin.system.copy()
    b.set_damping(alpha)
    if eta is not None:
        b.set_inertia(eta)
    return b.finalized(fin.units)


def tilted(theta=np.pi / 4, phi=0.0):
    return np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])


@pytest.fixture
def ham():
    return field_z()
