"""Ready-made atomistic systems of the paper papers (the same description feeds dynamics and spin waves).

The two-sublattice ferromagnet of Ghosh, Basu and Mondal (2025) (spec 1.1, parameters of spec 4):
checkerboard A/B on a rectangular a x b lattice, A at (0, 0), B at (a, 0).  Bonds (each added in both
directions):

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
from .geometry import checkerboard
from .system import System, cross_matrix

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




def ghosh2025_checkerboard(size=(8, 4), periodic=True, **overrides) -> System:
    """Two-sublattice ferromagnet of Ghosh et al. 2025 (spec 1.1, parameters of spec 4; SI units).

    Checkerboard A/B on a rectangular a x b lattice (primitive vectors (a, b), (a, -b); A at 0, B at
    (a, 0)); NN A-B exchange J and cross inertia eta_AB / z on the four bonds +-a x, +-b y; chiral inertia
    xi_AB / z sgn(delta_y) z-hat on the +-b y bonds; DMI D z-hat (and J2) on the +2a x same-sublattice bonds;
    easy-axis K_s, moments mu_s, damping alpha, on-site inertia eta_ss, field B along z.  Keyword
    overrides use the names of :data:`DEFAULTS` (shortcuts eta, K, mu, xi).
    """
    p = _params(overrides)
    a, b, z = p["a"], p["b"], p["z"]
    lat = checkerboard(a, b)
    sysm = System(lat, size=size, periodic=periodic, mu={"A": p["mu_A"], "B": p["mu_B"]}, gamma=p["gamma"])
    # A -> B bonds with displacements (a, 0), (-a, 0), (0, b), (0, -b)
    nn_x = [("A", "B", (0, 0)), ("A", "B", (-1, -1))]
    nn_y = [("A", "B", (0, -1)), ("A", "B", (-1, 0))]
    sysm.add_exchange(p["J"], bonds=nn_x + nn_y)
    same_x = [("A", "A", (1, 1)), ("B", "B", (1, 1))]  # +2a x
    if p["J2"]:
        sysm.add_exchange(p["J2"], bonds=same_x)
    if p["D"]:
        if p["dmi"] == "x2":
            sysm.add_dmi(p["D"], bonds=same_x, kind="vector", vector=(0.0, 0.0, 1.0))
        elif p["dmi"] == "diagonal":  # spec 1.1 alternative: D sgn(delta_x) z on the (+-a, +-b) bonds
            diag = [(s, s, off) for s in ("A", "B") for off in ((1, 0), (0, 1))]  # (a, b) and (a, -b)
            sysm.add_dmi(p["D"], bonds=diag, kind="vector", vector=(0.0, 0.0, 1.0))
        else:
            raise InputError(f"dmi must be 'x2' or 'diagonal', got {p['dmi']!r}")
    for s in ("A", "B"):
        sysm.add_anisotropy(p[f"K_{s}"], axis=(0, 0, 1), sublattice=s)
        sysm.set_inertia(p[f"eta_{s}{s}"], sublattice=s)
        if p[f"xi_{s}{s}"]:
            sysm.set_inertia(p[f"eta_{s}{s}"] * np.eye(3) + cross_matrix([0, 0, p[f"xi_{s}{s}"]]), sublattice=s)
    sysm.set_damping(p["alpha"])
    sysm.add_zeeman([0.0, 0.0, p["B"]])
    if p["eta_AB"] or p["xi_AB"]:
        eta_b, xi_b = p["eta_AB"] / z, p["xi_AB"] / z
        sysm.add_pair_inertia(eta=eta_b, xi=lambda d: (0.0, 0.0, xi_b * np.sign(round(d[1] / b))),
                              bonds=nn_x + nn_y)
    return sysm
