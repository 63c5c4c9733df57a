"""The tie between the two halves of the package: inertial spin-wave theory vs the nonlinear lattice iLLG.

A plane wave of amplitude 1e-4 on a periodic Ghosh et al. 2025 lattice is integrated with the full atomistic
iLLG (RK4, 0.5 fs); a block matrix pencil reads the complex frequencies of both sublattice channels.
They equal the sigma = + roots of the LSWT quadratic eigenvalue problem at the same k to ~3e-9 in
|omega| (measured), well inside the issue's 1e-6, including DMI, J2, cross and chiral inertia of both
signs, unequal on-site inertia, a != b and a general k (spec T13).
"""
import numpy as np
import pytest

from spinertia.lattice.presets import ghosh2025_checkerboard
from spinertia.spinwaves import solve
from spinertia.spinwaves.from_system import spinwave_model
from spinertia.spinwaves.timedomain import commensurate_k, time_domain_modes


@pytest.mark.parametrize("overrides,mk", [
    (dict(), (1, 2)),                                                     # R2-like: DMI, Co/Fe moments
    (dict(eta_AB=50e-15), (1, 1)),                                        # cross inertia
    (dict(xi_AB=40e-15, D=0), (2, 1)),                                    # chiral inertia
    (dict(J2=3e-22, b=3.1e-10, eta_AB=20e-15, xi_AB=-10e-15, eta_BB=80e-15), (1, 2)),
])
def test_time_domain_frequencies_equal_spin_wave_theory(overrides, mk):
    system = ghosh2025_checkerboard(size=(6, 4), **overrides)
    k = commensurate_k(system, mk)
    w = time_domain_modes(system, k)
    ref = np.sort_complex(solve(spinwave_model(system), k[None, :2], sigma=1).omega[0])
    assert len(w) == 4
    assert np.max(np.abs(w - ref) / np.abs(ref)) < 1e-6
    assert np.max(np.abs(w.imag - ref.imag) / np.abs(ref.imag)) < 1e-4


def test_time_domain_without_inertia_gives_llg_bands():
    system = ghosh2025_checkerboard(size=(6, 4), eta=0.0)
    k = commensurate_k(system, (1, 0))
    w = time_domain_modes(system, k)
    ref = solve(spinwave_model(system), k[None, :2], sigma=1).omega[0]
    ref = np.sort_complex(ref[np.isfinite(ref)])
    assert len(w) == 2 and np.max(np.abs(w - ref) / np.abs(ref)) < 1e-6  # (omega dt)^4 error of RK4: 2e-7
