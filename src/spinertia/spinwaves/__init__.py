"""Inertial linear spin-wave theory for collinear N-sublattice magnets (Ghosh et al. 2025).

Model (:class:`SpinWaveModel`, spec 1-2, 7), batched solver of the quadratic eigenvalue problem
det[omega^2 H - omega C - Omega] = 0 via the scaled companion pencil (spec 6.1), observables (group
velocity, effective damping and gyromagnetic ratio, gaps, crossings, stability; spec 3) and the
spec's two-sublattice checkerboard example with runs R1-R5 (spec 4).  SI units throughout.
"""
from .model import BOND_FIELDS, ModelArrays, SpinWaveModel
from .observables import (Crossing, KPath, StabilityFailure, StabilityReport, band_separation, check_inertia,
                          domega_dB, domega_dk, effective_damping, effective_gyromagnetic_ratio, find_crossings,
                          group_velocity, k_path, stability_report, zone_edge_gaps)
from .presets import (DEFAULTS, RUNS, axis_kpoints, gap_vs_eta, gap_vs_mu_ratio, r1, r2, r3, r4, r5, run_model,
                      two_sublattice_checkerboard, zone_edge)
from .solver import (Bands, as_kpoints, companion_pencil, general_matrices, general_matrix_derivatives, matrices,
                     matrix_derivatives, solve, solve_general, solve_qep)

__all__ = [
    "SpinWaveModel", "ModelArrays", "BOND_FIELDS",
    "Bands", "as_kpoints", "matrices", "matrix_derivatives", "general_matrices", "general_matrix_derivatives",
    "solve", "solve_general", "solve_qep", "companion_pencil",
    "KPath", "k_path", "domega_dk", "group_velocity", "domega_dB", "effective_gyromagnetic_ratio",
    "effective_damping", "zone_edge_gaps", "band_separation", "Crossing", "find_crossings",
    "StabilityFailure", "StabilityReport", "stability_report", "check_inertia",
    "DEFAULTS", "RUNS", "two_sublattice_checkerboard", "run_model", "r1", "r2", "r3", "r4", "r5",
    "axis_kpoints", "zone_edge", "gap_vs_mu_ratio", "gap_vs_eta",
]
