"""The common benchmark model (benchmarks/REFERENCES.md) built with spinertia's System builder."""
from __future__ import annotations

from spinertia.lattice.geometry import square
from spinertia.lattice.system import System
from spinertia.units import E_CHARGE, GAMMA_ELECTRON, MU_B

MEV = 1e-3 * E_CHARGE
J, D, K, B, MU_S, ALPHA = 10.0, 2.0, 0.5, 1.0, 2.0, 0.1  # meV, meV, meV, T, Bohr magnetons, -
SPIRIT_MU_B_MEV = 0.057883817555  # Spirit 2.2.0's Bohr magneton, meV/T
SPIRIT_GAMMA = 0.1760859644e12  # Spirit 2.2.0's gyromagnetic ratio, rad/(s T)


def benchmark_system(n, constants="codata", eta=None):
    """n x n periodic square lattice (a = 1 Angstrom): J, Neel DMI, easy axis, field along z, alpha = 0.1;
    ``constants="spirit"`` uses Spirit's mu_B and gamma (round-off comparisons); ``eta`` (s) on-site inertia."""
    mu_b, gamma = (SPIRIT_MU_B_MEV * MEV, SPIRIT_GAMMA) if constants == "spirit" else (MU_B, GAMMA_ELECTRON)
    s = System(square(1e-10), size=(n, n), periodic=True, mu=MU_S * mu_b, gamma=gamma)
    s.add_exchange(J * MEV, shell=1)
    s.add_dmi(D * MEV, shell=1, kind="interfacial")
    s.add_anisotropy(K * MEV, axis=(0, 0, 1))
    s.add_zeeman([0.0, 0.0, B])
    s.set_damping(ALPHA)
    if eta is not None:
        s.set_inertia(eta)
    return s
