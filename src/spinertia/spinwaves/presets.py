"""Spin-wave models of Ghosh, Basu and Mondal (2025): the two-sublattice checkerboard ferromagnet and its runs
R1-R5 (spec 1.1, 4), built from the atomistic preset :func:`spinertia.lattice.presets.ghosh2025_checkerboard`
(geometry, bonds and parameters are documented there)."""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..lattice.presets import DEFAULTS, RUNS  # noqa: F401  (one home of the parameters)
from ..units import MU_B
from .model import SpinWaveModel

__all__ = ["DEFAULTS", "RUNS", "two_sublattice_checkerboard", "run_model", "r1", "r2", "r3", "r4", "r5",
           "axis_kpoints", "zone_edge", "gap_vs_mu_ratio", "gap_vs_eta"]

def two_sublattice_checkerboard(**overrides) -> SpinWaveModel:
    """The spec 1.1 / 4 default model as a spin-wave model: the atomistic description
    :func:`spinertia.lattice.presets.ghosh2025_checkerboard` converted by :func:`.from_system.spinwave_model`
    (one description for dynamics and spin waves).  Keyword overrides by name (SI), shortcuts eta, K, mu, xi
    set both sublattices.  Example: ``two_sublattice_checkerboard(mu=2 * MU_B, eta_AB=50e-15)``."""
    from ..lattice.presets import ghosh2025_checkerboard
    from .from_system import spinwave_model

    return spinwave_model(ghosh2025_checkerboard(size=(1, 1), **overrides))


def run_model(name, **overrides) -> SpinWaveModel:
    """Model of run ``name`` in RUNS ("R1".."R5"), with further overrides."""
    if name not in RUNS:
        raise InputError(f"unknown run {name!r}; runs: {sorted(RUNS)}")
    return two_sublattice_checkerboard(**{**RUNS[name], **overrides})


def r1(**o):
    """R1: equal moments 2.0/2.0 mu_B (Fig. 2 along k_y, Fig. 3 along k_x)."""
    return run_model("R1", **o)


def r2(**o):
    """R2: Co/Fe moments, eta = 100 fs (Figs. 4a, 5a, 6a)."""
    return run_model("R2", **o)


def r3(**o):
    """R3: R2 + eta_AB = 50 fs (Figs. 4b, 5b, 6b)."""
    return run_model("R3", **o)


def r4(**o):
    """R4: R2 + xi_AB = 40 fs (Figs. 4c, 5c, 6c)."""
    return run_model("R4", **o)


def r5(**o):
    """R5: R2 with eta = 10 fs (Fig. 9a)."""
    return run_model("R5", **o)


def axis_kpoints(axis="y", n=801, a=DEFAULTS["a"], b=DEFAULTS["b"], fraction=1.0):
    """k along x or y from -fraction pi/a (pi/b) to +fraction pi/a (pi/b): (k (n, 2) rad/m, k/(pi/a or b))."""
    if axis not in ("x", "y"):
        raise InputError(f"axis must be 'x' or 'y', got {axis!r}")
    t = np.linspace(-fraction, fraction, n)
    k = np.zeros((n, 2))
    k[:, 0 if axis == "x" else 1] = t * np.pi / (a if axis == "x" else b)
    return k, t


def zone_edge(axis="y", a=DEFAULTS["a"], b=DEFAULTS["b"]):
    """Zone-edge point k_e = (0, pi/b) or (pi/a, 0) in rad/m (spec 3)."""
    return np.array([0.0, np.pi / b]) if axis == "y" else np.array([np.pi / a, 0.0])


def gap_vs_mu_ratio(ratios, mu_B=2.22 * MU_B, **overrides):
    """Fig. 7: zone-edge gaps (Delta_p, Delta_n) in rad/s vs mu_A/mu_B at fixed mu_B, arrays (len(ratios),)."""
    from .observables import zone_edge_gaps

    out = np.array([zone_edge_gaps(two_sublattice_checkerboard(**{**overrides, "mu_A": r * mu_B, "mu_B": mu_B}),
                                   zone_edge()) for r in np.atleast_1d(ratios)])
    return out[:, 0], out[:, 1]


def gap_vs_eta(etas, **overrides):
    """Fig. 8: zone-edge gaps (Delta_p, Delta_n) in rad/s vs eta_AA = eta_BB (s), arrays (len(etas),)."""
    from .observables import zone_edge_gaps

    out = np.array([zone_edge_gaps(two_sublattice_checkerboard(**{**overrides, "eta": e}), zone_edge())
                    for e in np.atleast_1d(etas)])
    return out[:, 0], out[:, 1]
