"""spinertia: inertial and non-Markovian magnetization dynamics from microscopic theory.

The everyday names, ``import spinertia as si``::

    sys = si.System(si.square("2.5 A"), size=(64, 64), mu="2 muB")     # a lattice (or si.Macrospin())
    sys.add_exchange("10 meV", shell=1).add_dmi("2 meV", shell=1)
    sys.set_damping(0.1).set_inertia("10 fs")
    model = si.InertialLLG(sys.finalized())                             # or si.LLG, si.MemoryKernelLLG
    traj = si.simulate(model, model.initial_state(si.textures.skyrmion(sys)), "20 ps", "1 fs")

Names are imported on first use, so ``import spinertia`` stays fast.
"""
from __future__ import annotations

import importlib

from .numerics import jit as _jit  # noqa: F401  (first: points numba's disk cache at the user cache directory)

__version__ = "0.1.0"

#: public name -> (module, attribute); attribute None: the module itself
_EXPORTS = {
    # description
    "Lattice": ("spinertia.lattice.geometry", "Lattice"),
    "chain": ("spinertia.lattice.geometry", "chain"),
    "square": ("spinertia.lattice.geometry", "square"),
    "rectangular": ("spinertia.lattice.geometry", "rectangular"),
    "triangular": ("spinertia.lattice.geometry", "triangular"),
    "simple_cubic": ("spinertia.lattice.geometry", "simple_cubic"),
    "checkerboard": ("spinertia.lattice.geometry", "checkerboard"),
    "System": ("spinertia.lattice.system", "System"),
    "Macrospin": ("spinertia.lattice.macrospin", "Macrospin"),
    "textures": ("spinertia.lattice.textures", None),
    "minimize": ("spinertia.lattice.minimize", "minimize"),
    # dynamics
    "LLG": ("spinertia.dynamics.models", "LLG"),
    "InertialLLG": ("spinertia.dynamics.models", "InertialLLG"),
    "MemoryKernelLLG": ("spinertia.dynamics.models", "MemoryKernelLLG"),
    "Model": ("spinertia.dynamics.models", "Model"),
    "phonon_kernel": ("spinertia.dynamics.kernels", "phonon_kernel"),
    "ExponentialSumKernel": ("spinertia.dynamics.kernels", "ExponentialSumKernel"),
    "Stepper": ("spinertia.dynamics.stepper", "Stepper"),
    "simulate": ("spinertia.dynamics.simulate", "simulate"),
    "Trajectory": ("spinertia.dynamics.simulate", "Trajectory"),
    # spin waves
    "spinwave_model": ("spinertia.spinwaves.from_system", "spinwave_model"),
    "spinwave_bands": ("spinertia.spinwaves.solver", "solve"),
    "spinwaves": ("spinertia.spinwaves", None),
    # units and quantities
    "ReducedUnits": ("spinertia.units", "ReducedUnits"),
    "parse_quantity": ("spinertia.units", "parse_quantity"),
    "MU_B": ("spinertia.units", "MU_B"),
    "GAMMA_ELECTRON": ("spinertia.units", "GAMMA_ELECTRON"),
    "K_B": ("spinertia.units", "K_B"),
    "HBAR": ("spinertia.units", "HBAR"),
    "E_CHARGE": ("spinertia.units", "E_CHARGE"),
    # files
    "read_ovf": ("spinertia.io.ovf", "read_spins"),
    "write_ovf": ("spinertia.io.ovf", "write_spins"),
    "load_scenario": ("spinertia.io.scenario", "load_scenario"),
    "read_result": ("spinertia.io.results", "read_result"),
    "export_vtk": ("spinertia.io.vtk", "export_vtk"),
    "plot_result": ("spinertia.quicklook", "plot_result"),
    # many runs
    "sweep": ("spinertia.sweep", "sweep"),
    "get_executor": ("spinertia.parallel", "get_executor"),
    # errors
    "InputError": ("spinertia.errors", "InputError"),
    "SimulationDiverged": ("spinertia.errors", "SimulationDiverged"),
    "HookError": ("spinertia.errors", "HookError"),
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'spinertia' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__():
    return __all__
