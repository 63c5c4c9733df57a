"""Built-in example of seed 001: the two-sublattice checkerboard ferromagnet and runs R1-R5 (spec 1.1, 4).

Geometry (spec 1.1, an assumption of the spec): rectangular lattice a x b, A on even n + m, B on odd;
A at (0, 0), B at (a, 0).  Bonds (each added in both directions):

* NN A-B at +-a x, +-b y: exchange J, cross inertia eta_AB / z per bond (z = 4), chiral inertia
  xi_z = (xi_AB / z) sgn(delta_y) on the +-b y bonds only;
* same-sublattice +-2a x (``dmi="x2"``, default): DMI D_z = D sgn(delta_x), exchange J2;
  alternative ``dmi="diagonal"``: DMI on the (+-a, +-b) same-sublattice bonds with D sgn(delta_x)
  (gives sin(k_x a) cos(k_y b) in place of sin(2 k_x a)/2), J2 stays on +-2a x.

All parameters are SI (spec 4 table): lengths m, energies J, moments J/T, inertia s, field T.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..units import GAMMA_ELECTRON, MU_B
from .model import SpinWaveModel

__all__ = ["DEFAULTS", "RUNS", "two_sublattice_checkerboard", "run_model", "r1", "r2", "r3", "r4", "r5",
           "axis_kpoints", "zone_edge", "gap_vs_mu_ratio", "gap_vs_eta"]

#: Default parameters of spec 4 (SI).
DEFAULTS = dict(
    a=2.87e-10, b=2.87e-10,          # m
    J=2.0e-21, J2=0.0, D=1.0e-22,    # J
    K_A=1.0e-23, K_B=1.0e-23,        # J
    mu_A=1.72 * MU_B, mu_B=2.22 * MU_B,  # J/T (Co, Fe)
    gamma=GAMMA_ELECTRON,            # rad/(s T)
    alpha=0.01, B=1.0,               # 1, T
    eta_AA=100e-15, eta_BB=100e-15,  # s
    eta_AB=0.0, xi_AB=0.0,           # s, totals (per bond / z)
    xi_AA=0.0, xi_BB=0.0,            # s (spec T14: keep 0)
    z=4, dmi="x2",
)
_SHORTCUTS = {"eta": ("eta_AA", "eta_BB"), "K": ("K_A", "K_B"), "mu": ("mu_A", "mu_B"), "xi": ("xi_AA", "xi_BB")}

#: Runs of spec 4 as overrides of DEFAULTS.
RUNS = {
    "R1": dict(mu_A=2.0 * MU_B, mu_B=2.0 * MU_B),  # equal moments (Figs. 2, 3)
    "R2": dict(),                                   # Co/Fe, eta = 100 fs (Figs. 4a, 5a, 6a)
    "R3": dict(eta_AB=50e-15),                      # + cross inertia (Figs. 4b, 5b, 6b)
    "R4": dict(xi_AB=40e-15),                       # + chiral cross inertia (Figs. 4c, 5c, 6c)
    "R5": dict(eta=10e-15),                         # small inertia (Fig. 9a)
}


def _params(overrides):
    p = dict(DEFAULTS)
    for key, val in overrides.items():
        if key in _SHORTCUTS:
            for k in _SHORTCUTS[key]:
                p[k] = val
        elif key in DEFAULTS:
            p[key] = val
        else:
            raise InputError(f"unknown parameter {key!r}; known: {sorted(DEFAULTS) + sorted(_SHORTCUTS)}")
    if p["dmi"] not in ("x2", "diagonal"):
        raise InputError(f"dmi must be 'x2' or 'diagonal', got {p['dmi']!r}")
    return p


def two_sublattice_checkerboard(**overrides) -> SpinWaveModel:
    """The spec 1.1 / 4 default model; keyword overrides by name (SI), shortcuts eta, K, mu, xi set both
    sublattices.  Example: ``two_sublattice_checkerboard(mu=2 * MU_B, eta_AB=50e-15)``."""
    p = _params(overrides)
    a, b, z = p["a"], p["b"], p["z"]
    m = SpinWaveModel(field=p["B"], dim=2)
    for s, pos in (("A", (0.0, 0.0)), ("B", (a, 0.0))):
        m.add_sublattice(s, pos, mu=p[f"mu_{s}"], gamma=p["gamma"], K=p[f"K_{s}"], eta=p[f"eta_{s}{s}"],
                         xi=p[f"xi_{s}{s}"], alpha=p["alpha"])
    eta_b, xi_b = p["eta_AB"] / z, p["xi_AB"] / z
    # NN A-B bonds (the reverse B->A bonds follow from the symmetries: xi_b sgn(delta_y) again)
    for d in ((a, 0.0), (-a, 0.0)):
        m.add_bond("A", "B", d, J=p["J"], eta=eta_b)
    for d in ((0.0, b), (0.0, -b)):
        m.add_bond("A", "B", d, J=p["J"], eta=eta_b, xi=xi_b * np.sign(d[1]))
    # same-sublattice bonds: one direction listed per pair, the reverse added by add_bond
    for s in ("A", "B"):
        if p["dmi"] == "x2":
            m.add_bond(s, s, (2 * a, 0.0), J=p["J2"], D=p["D"])
        else:
            m.add_bond(s, s, (2 * a, 0.0), J=p["J2"])
            m.add_bond(s, s, (a, b), D=p["D"])
            m.add_bond(s, s, (a, -b), D=p["D"])
    return m


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
