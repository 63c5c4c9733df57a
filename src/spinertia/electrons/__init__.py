"""Electrons: spinful tight-binding systems, leads and non-equilibrium Green's functions.

Energies in units of the hopping t, hbar = 1 (:mod:`spinertia.electrons.units` converts to SI).

* :class:`TightBinding` -> :class:`FinalizedTightBinding` (sparse H(t), layers, leads, textures)
* leads: :class:`SemiInfiniteLead`, :class:`WideBandLead`, :class:`RotatedLead`
* Green's functions: :class:`RGF` (recursive, along x), :func:`retarded_dense` (test reference)
* observables: transmission, spin-resolved transmission and DOS, spin densities, equilibrium and biased
  densities (:mod:`spinertia.electrons.observables`); energy integration (:mod:`spinertia.electrons.integrate`)

See docs/electrons_core.md.
"""
from .integrate import fermi
from .leads import RotatedLead, SemiInfiniteLead, WideBandLead, xu2023_eq7_rotation
from .observables import (densities, dos, local_spin_density, spectral_dos, spin_spectra, spin_transmission,
                          transmission)
from .rgf import RGF, RGFSolution, lesser_dense, retarded_dense, self_energy_dense
from .tightbinding import PAULI, FinalizedTightBinding, TightBinding, spin_rotation
from .units import ElectronUnits

__all__ = ["TightBinding", "FinalizedTightBinding", "PAULI", "spin_rotation", "SemiInfiniteLead", "WideBandLead",
           "RotatedLead", "xu2023_eq7_rotation", "RGF", "RGFSolution", "retarded_dense", "lesser_dense",
           "self_energy_dense", "ElectronUnits", "fermi", "transmission", "spin_transmission", "spin_spectra", "dos",
           "spectral_dos", "local_spin_density", "densities"]
