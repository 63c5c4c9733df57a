"""Coupled electrons and spins: skyrmion dynamics driven by quantum parametric pumping (Xu et al. 2023, Sec. V).

* :class:`PumpingSolver` -- frozen Green's functions at the Fermi level for a texture and gate potentials
  V_g(t): the Fermi-surface pumped spin density and the pumped currents (Xu et al. 2023, Eq. 40), total,
  per spin and as spin currents; the Fermi-sea and equilibrium terms as options (docs/coupled.md);
* :class:`ElectronCoupling` -- the stepper hook (s-d field -2 J s_i / mu_i at every Runge-Kutta stage) for any
  lattice model and spin Hamiltonian; :func:`run_coupled` -- long runs with electron observables, progress,
  checkpoint/resume and a result file readable while running; :func:`frozen_pumping` -- fixed texture;
* :mod:`spinertia.coupled.reference` -- dense and time-dependent references (tests).

See docs/coupled.md.
"""
from .driver import TERMS, CoupledResult, ElectronCoupling, frozen_pumping, run_coupled
from .gates import GateDrive
from .solver import PumpingResult, PumpingSolver, lead_channels

__all__ = ["PumpingSolver", "PumpingResult", "lead_channels", "GateDrive", "ElectronCoupling", "run_coupled",
           "CoupledResult", "frozen_pumping", "TERMS"]
