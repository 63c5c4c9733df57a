"""The ``[electrons]`` table of a coupled ``spinertia run`` scenario -> an :class:`ElectronCoupling` hook.

Proposed keys (the scenario's ``[system]`` gives the lattice and the spins; the electrons live on the same
sites; the spin texture of every Runge-Kutta stage enters J sigma . m_i)::

    [electrons]
    hopping_eV = 1e-3             # the hopping t in eV: electron energy unit t, time unit hbar/t
    hopping = 1.0                 # nearest-neighbour hopping (units of t), H_ij = -hopping
    onsite = 4.0                  # on-site energy (units of t or an energy string "4 meV")
    exchange = 2.0                # s-d exchange J sigma . m_i (units of t or energy string); required
    rashba = 0.0                  # Rashba lambda_R (units of t)
    fermi_level = 1.9             # E_F (units of t or energy string); required; zero temperature
    broadening = 0.08             # eta >= 0 (units of t): G = (E_F + i eta - H - Sigma)^-1 (docs/coupled.md)
    terms = ["surface"]           # spin-density terms: surface | sea | equilibrium (docs/coupled.md)
    maps_every = 0                # spin-density / torque maps every n-th output (0: first and last)

    [electrons.leads]             # as in spinertia electrons: semi_infinite (default) | wide_band
    type = "semi_infinite"        # on the first and last column (transport along the first lattice vector)

    [[electrons.gates]]           # one table per gate (Xu et al. 2023, Sec. V: two)
    columns = [0]                 # indices along the first lattice vector (or sites = [...] flat indices)
    protocol = "cos"              # cos | sin | static
    amplitude = 0.8               # V (units of t or energy string)
    omega = 1.0                   # t/hbar, or an angular frequency string "1.519 rad/ps"
    phase = 0.0                   # rad
    # value = 0.2                 # static only

:func:`build_coupling` validates the table (every error an :class:`~spinertia.errors.InputError` naming the
key) and returns the hook and a description; ``run`` settings stay in ``[run]`` (the integrator must be a
fixed-step one, rk4 as in Xu et al. 2023).
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..units import parse_quantity
from . import schema
from .electron_scenario import _energy_t, _leads, tight_binding
from .validate import check_keys, choice, number, require
from .validate import table as as_table

__all__ = ["build_coupling", "SCHEMA"]

#: allowed keys, from the one schema (:mod:`.schema`, which also generates docs/scenario_reference.md)
SCHEMA = {path: schema.keys(path + "(coupled)") for path in ("electrons", "electrons.leads", "electrons.gates")}


def _omega(value, where, units):
    if isinstance(value, str):
        return parse_quantity(value, "angular_frequency", name=where) * units.time_s
    return number(value, where)


def _indices(value, where, upper):
    if not isinstance(value, list) or not value:
        raise InputError(f"{where} must be a non-empty list of integers")
    out = []
    for i, x in enumerate(value):
        if isinstance(x, bool) or not isinstance(x, int):
            raise InputError(f"{where}[{i}] must be an integer, got {x!r}")
        if not 0 <= x < upper:
            raise InputError(f"{where}[{i}] = {x} is outside 0..{upper - 1}")
        out.append(x)
    if len(set(out)) != len(out):
        raise InputError(f"{where} has repeated entries")
    return np.array(out, dtype=np.int64)


def _gate(tab, i, tb, units):
    path = f"electrons.gates[{i}]"
    tab = as_table(tab, path)
    check_keys(tab, path, SCHEMA["electrons.gates"])
    if ("columns" in tab) == ("sites" in tab):
        raise InputError(f"[{path}]: give exactly one of columns = [...] (indices along the first lattice vector) "
                         "or sites = [...] (flat site indices)")
    geo = tb.geometry
    if "columns" in tab:
        n1 = tb.size[0]
        cols = _indices(tab["columns"], f"{path}.columns", n1)
        i1 = (np.arange(geo.n_sites) // geo.lattice.n_sub) % n1
        mask = np.isin(i1, cols)
    else:
        mask = np.zeros(geo.n_sites, dtype=bool)
        mask[_indices(tab["sites"], f"{path}.sites", geo.n_sites)] = True
    proto = choice(tab.get("protocol", "cos"), ("cos", "sin", "static"), f"{path}.protocol")
    if proto == "static":
        for k in ("amplitude", "omega", "phase"):
            if k in tab:
                raise InputError(f"[{path}]: '{k}' belongs to cos/sin gates; a static gate takes value = <energy>")
        tb.add_gate(mask, _energy_t(require(tab, "value", path), f"{path}.value", units))
        return {"protocol": "static"}
    if "value" in tab:
        raise InputError(f"[{path}]: 'value' is for static gates; a {proto} gate takes amplitude, omega, phase")
    amp = _energy_t(require(tab, "amplitude", path), f"{path}.amplitude", units)
    om = _omega(require(tab, "omega", path), f"{path}.omega", units)
    if not om > 0:
        raise InputError(f"{path}.omega must be > 0, got {tab['omega']!r}")
    ph = number(tab.get("phase", 0.0), f"{path}.phase")
    tb.add_gate(mask, (proto, amp, om, ph))
    return {"protocol": proto, "amplitude_t": amp, "omega_t": om, "phase": ph, "n_sites": int(mask.sum())}


def build_coupling(electrons, spin_system, initial_spins=None, base_path=None):
    """Build the electron coupling of a coupled scenario.

    Parameters
    ----------
    electrons : dict
        The parsed ``[electrons]`` table (module docstring).
    spin_system : spinertia.lattice.System or FinalizedSystem
        The spins (lattice, size, periodicity, moments): the electrons use the same sites; the transport
        direction (first lattice vector) is open for them.
    initial_spins : (n_sites, 3) array, optional
        Texture used to build the Hamiltonian (every stage replaces it; default +z).
    base_path : path, optional
        Unused (reserved for file-based textures); kept for symmetry with the other builders.

    Returns
    -------
    coupling : spinertia.coupled.ElectronCoupling
    info : dict
        Description (units, gates, leads) for the result file.
    """
    from ..coupled import TERMS, ElectronCoupling, PumpingSolver

    el = as_table(electrons, "electrons")
    check_keys(el, "electrons", SCHEMA["electrons"])
    sysm = getattr(spin_system, "system", spin_system)
    units, tb, J = tight_binding(el, sysm)
    m0 = np.zeros((tb.n_sites, 3))
    m0[:, 2] = 1.0
    if initial_spins is not None:
        m0 = np.asarray(initial_spins, dtype=float)
    tb.set_exchange(J, m0)
    gates = el.get("gates", [])
    if not isinstance(gates, list) or not gates:
        raise InputError("[electrons]: pumping needs gates: add one [[electrons.gates]] table per gate "
                         "(columns, protocol, amplitude, omega, phase)")
    ginfo = [_gate(g, i, tb, units) for i, g in enumerate(gates)]
    fsys = tb.finalized()
    leads = as_table(el.get("leads", {}), "electrons.leads")
    if leads.get("type", "semi_infinite") == "none":
        raise InputError("electrons.leads.type = 'none': pumping needs leads (semi_infinite or wide_band)")
    _leads(leads, fsys)
    if "fermi_level" not in el:
        raise InputError("[electrons]: missing Fermi level: give fermi_level = <energy> (units of t, or e.g. "
                         "'1.9 meV')")
    E_F = _energy_t(el["fermi_level"], "electrons.fermi_level", units)
    eta = _energy_t(el.get("broadening", 0.0), "electrons.broadening", units)
    if eta < 0:
        raise InputError(f"electrons.broadening must be >= 0, got {el['broadening']!r}")
    terms = el.get("terms", ["surface"])
    if not isinstance(terms, list) or not terms:
        raise InputError(f"electrons.terms must be a non-empty list from {', '.join(TERMS)}")
    terms = tuple(choice(x, TERMS, f"electrons.terms[{i}]") for i, x in enumerate(terms))
    maps_every = el.get("maps_every", 0)
    if isinstance(maps_every, bool) or not isinstance(maps_every, int) or maps_every < 0:
        raise InputError(f"electrons.maps_every must be an integer >= 0 (0: maps at the first and last output "
                         f"only), got {maps_every!r}")
    solver = PumpingSolver(fsys, E_F, broadening=eta)
    coupling = ElectronCoupling(solver, spin_system, units, terms=terms)
    info = {"hopping_eV": units.hopping_eV, "exchange_t": J, "fermi_level_t": E_F, "broadening_t": eta,
            "terms": list(terms), "gates": ginfo, "maps_every": maps_every, "solver": solver.describe()}
    return coupling, info
