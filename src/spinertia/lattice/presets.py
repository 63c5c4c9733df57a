"""Ready-made atomistic systems of the seed papers (the same description feeds dynamics and spin waves)."""
from __future__ import annotations

import numpy as np

from .geometry import checkerboard
from .system import System


def seed001_checkerboard(size=(8, 4), periodic=True, **overrides) -> System:
    """Two-sublattice ferromagnet of seed 001 (spec 1.1, parameters of spec 4; SI units).

    Checkerboard A/B on a rectangular a x b lattice (primitive vectors (a, b), (a, -b); A at 0, B at
    (a, 0)); NN A-B exchange J and cross inertia eta_AB / z on the four bonds +-a x, +-b y; chiral inertia
    xi_AB / z sgn(delta_y) z-hat on the +-b y bonds; DMI D z-hat (and J2) on the +2a x same-sublattice bonds;
    easy-axis K_s, moments mu_s, damping alpha, on-site inertia eta_ss, field B along z.  Keyword
    overrides use the names of :data:`spinertia.spinwaves.presets.DEFAULTS` (shortcuts eta, K, mu, xi).
    """
    from ..spinwaves.presets import _params

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
            from ..errors import InputError

            raise InputError(f"dmi must be 'x2' or 'diagonal', got {p['dmi']!r}")
    for s in ("A", "B"):
        sysm.add_anisotropy(p[f"K_{s}"], axis=(0, 0, 1), sublattice=s)
        sysm.set_inertia(p[f"eta_{s}{s}"], sublattice=s)
        if p[f"xi_{s}{s}"]:
            from .system import cross_matrix

            sysm.set_inertia(p[f"eta_{s}{s}"] * np.eye(3) + cross_matrix([0, 0, p[f"xi_{s}{s}"]]), sublattice=s)
    sysm.set_damping(p["alpha"])
    sysm.add_zeeman([0.0, 0.0, p["B"]])
    if p["eta_AB"] or p["xi_AB"]:
        eta_b, xi_b = p["eta_AB"] / z, p["xi_AB"] / z
        sysm.add_pair_inertia(eta=eta_b, xi=lambda d: (0.0, 0.0, xi_b * np.sign(round(d[1] / b))),
                              bonds=nn_x + nn_y)
    return sysm
