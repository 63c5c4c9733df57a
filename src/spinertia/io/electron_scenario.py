"""Scenario files of ``spinertia electrons``: a tight-binding magnet with leads and the tensors to compute.

Schema (docs/electrons.md, "Scenario file")::

    [meta]
    name = "dot"

    [system]                      # the lattice: the [system] table of spinertia run / bands
    lattice = "square"            # (exchange, DMI, ... of the spin model are allowed and ignored here)
    a = "2.5 A"
    size = [6, 3]
    mu = "2 muB"                  # moments and gyromagnetic ratios give hbar S_i = mu_i / gamma_i

    [electrons]
    hopping_eV = 1.0              # the energy unit t in eV
    hopping = 1.0                 # nearest-neighbour hopping (units of t), H_ij = -hopping
    onsite = 0.0                  # on-site energy (units of t)
    exchange = 1.0                # s-d exchange J sigma . m_i (units of t)
    rashba = 0.0                  # Rashba lambda_R (units of t)
    fermi_level = 0.3             # required (units of t, or an energy string "0.3 eV")
    bias = 0.0                    # the leads sit at fermi_level +- bias/2 (units of t or "1 meV")
    kT = 0.0                      # k_B T in units of t, or temperature = "300 K"
    spin = 1.0                    # S of the magnet (hbar); default sum_i mu_i/(gamma_i hbar) of [system]

    [electrons.texture]           # uniform | domain_wall | skyrmion | ovf
    type = "uniform"
    direction = [0, 0, 1]         # uniform;  domain_wall: width, kind, normal;  skyrmion: radius, kind;
                                  # ovf: file = "state.ovf"

    [electrons.leads]             # semi_infinite | wide_band | none
    type = "semi_infinite"
    exchange = 0.0                # ferromagnetic lead: J sigma . direction (semi_infinite)
    direction = [0, 0, 1]
    gamma = 0.5                   # wide_band: Gamma (units of t) on the first and last layer

    [compute]
    quantities = ["alpha", "inertia", "eta"]   # + alpha_omega, btb, pairs, torques, adiabatic
    omegas = [0.01, 0.1]          # t/hbar, for alpha_omega
    cutoff = "2.6 A"              # pairs: distance cutoff (default nearest neighbours)
    bias_V = 1e-3                 # adiabatic: bias (V) at which u and j_e are reported

Every error is an :class:`~spinertia.errors.InputError` naming the key.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..units import HBAR, parse_quantity
from .validate import check_keys, choice, number, quantity, read_toml, require
from .validate import table as as_table
from .system_scenario import build_system

__all__ = ["ElectronScenario", "load_electron_scenario", "electron_scenario_from_dict", "tight_binding", "QUANTITIES"]

QUANTITIES = ("alpha", "inertia", "eta", "alpha_omega", "btb", "pairs", "torques", "adiabatic")

SCHEMA = {
    "": ("meta", "system", "electrons", "compute"),
    "meta": ("name", "description"),
    "electrons": ("hopping_eV", "hopping", "onsite", "exchange", "rashba", "orbitals", "fermi_level", "bias", "kT",
                  "temperature", "spin", "texture", "leads"),
    "electrons.texture": ("type", "direction", "width", "kind", "normal", "radius", "polarity", "file"),
    "electrons.leads": ("type", "exchange", "direction", "gamma"),
    "compute": ("quantities", "omegas", "cutoff", "bias_V"),
}


@dataclass
class ElectronScenario:
    """A validated ``spinertia electrons`` scenario."""

    system: object
    fsys: object
    units: object
    mu: list
    kT: float
    spin: float
    quantities: tuple
    omegas: np.ndarray
    cutoff: float | None
    bias_V: float
    raw: dict
    name: str | None = None
    notes: list = field(default_factory=list)

    @property
    def equilibrium(self):
        return len(set(self.mu)) == 1


def _energy_t(value, where, units):
    """Energy in units of t: a number (already in t) or a string with an energy unit ('0.3 eV')."""
    if isinstance(value, str):
        return parse_quantity(value, "energy", name=where) / units.energy_J
    return number(value, where)


def _vec3(value, where):
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise InputError(f"{where} must be a list of 3 numbers, got {value!r}")
    v = np.array([number(x, f"{where}[{i}]") for i, x in enumerate(value)])
    if np.linalg.norm(v) == 0:
        raise InputError(f"{where} must be non-zero")
    return v / np.linalg.norm(v)


def _texture(table, geometry, base):
    from ..lattice import textures

    table = as_table(table, "electrons.texture")
    check_keys(table, "electrons.texture", SCHEMA["electrons.texture"])
    kind = choice(table.get("type", "uniform"), ("uniform", "domain_wall", "skyrmion", "ovf"),
                   "electrons.texture.type")
    if kind == "uniform":
        return textures.uniform(geometry, _vec3(table.get("direction", [0, 0, 1]), "electrons.texture.direction"))
    if kind == "domain_wall":
        kw = {}
        if "width" in table:
            kw["width"] = quantity(table["width"], "length", "electrons.texture.width", positive=True)
        if "kind" in table:
            kw["kind"] = choice(table["kind"], ("bloch", "neel"), "electrons.texture.kind")
        if "normal" in table:
            kw["normal"] = _vec3(table["normal"], "electrons.texture.normal")
        return textures.domain_wall(geometry, **kw)
    if kind == "skyrmion":
        kw = {}
        if "radius" in table:
            kw["radius"] = quantity(table["radius"], "length", "electrons.texture.radius", positive=True)
        if "kind" in table:
            kw["kind"] = choice(table["kind"], ("neel", "bloch"), "electrons.texture.kind")
        if "polarity" in table:
            kw["polarity"] = int(number(table["polarity"], "electrons.texture.polarity"))
        return textures.skyrmion(geometry, **kw)
    from .ovf import read_spins

    path = Path(require(table, "file", "electrons.texture"))
    if not path.is_absolute() and base is not None:
        path = Path(base).parent / path
    m = read_spins(path)
    m = np.asarray(m, dtype=float).reshape(-1, 3)
    if m.shape[0] != geometry.n_sites:
        raise InputError(f"electrons.texture.file {str(path)!r} has {m.shape[0]} spins but the lattice has "
                         f"{geometry.n_sites} sites; the texture size does not match the lattice")
    return m


def _leads(table, fsys):
    from ..electrons import SemiInfiniteLead, WideBandLead

    table = as_table(table, "electrons.leads")
    check_keys(table, "electrons.leads", SCHEMA["electrons.leads"])
    kind = choice(table.get("type", "semi_infinite"), ("semi_infinite", "wide_band", "none"), "electrons.leads.type")
    if kind == "none":
        return 0
    if kind == "wide_band":
        gamma = number(require(table, "gamma", "electrons.leads"), "electrons.leads.gamma", positive=True)
        for side in ("left", "right"):
            fsys.attach_lead(WideBandLead(gamma), side=side)
        return 2
    J = number(table.get("exchange", 0.0), "electrons.leads.exchange")
    direction = _vec3(table.get("direction", [0, 0, 1]), "electrons.leads.direction")
    for side in ("left", "right"):
        fsys.attach_lead(SemiInfiniteLead.from_system(fsys, side, exchange=J, direction=direction), side=side)
    return 2


def tight_binding(el, sysm):
    """The electrons of an ``[electrons]`` table on the sites of the spin System ``sysm`` (open along the first
    lattice vector, where the leads attach): ``(units, TightBinding with hopping, on-site and Rashba terms,
    exchange J in units of t)``.  Shared by ``spinertia electrons`` and the coupled runs."""
    from ..electrons import ElectronUnits, TightBinding

    units = ElectronUnits(number(el.get("hopping_eV", 1.0), "electrons.hopping_eV", positive=True))
    orbitals = int(number(el.get("orbitals", 1), "electrons.orbitals", positive=True))
    periodic = (False,) + tuple(sysm.periodic[1:])
    tb = TightBinding(sysm.lattice, sysm.size, periodic=periodic, orbitals=orbitals,
                      hopping=number(el.get("hopping", 1.0), "electrons.hopping"))
    if "onsite" in el:
        tb.add_onsite(_energy_t(el["onsite"], "electrons.onsite", units))
    if el.get("rashba", 0.0):
        tb.add_rashba(_energy_t(el["rashba"], "electrons.rashba", units))
    return units, tb, _energy_t(require(el, "exchange", "electrons"), "electrons.exchange", units)


def electron_scenario_from_dict(raw, path=None) -> ElectronScenario:
    """Validate a parsed TOML document (see the module docstring)."""
    raw = as_table(raw, "")
    check_keys(raw, "", SCHEMA[""])
    meta = as_table(raw.get("meta", {}), "meta")
    check_keys(meta, "meta", SCHEMA["meta"])
    sysm = build_system(require(raw, "system", ""))
    el = as_table(require(raw, "electrons", ""), "electrons")
    check_keys(el, "electrons", SCHEMA["electrons"])
    notes = []
    if sysm.periodic[0]:
        notes.append("the transport direction (first lattice vector) is open for the electrons (leads)")
    units, tb, J = tight_binding(el, sysm)
    tex = _texture(el.get("texture", {}), tb.geometry, path)
    tb.set_exchange(J, tex)
    fsys = tb.finalized()
    n_leads = _leads(el.get("leads", {}), fsys)
    if "fermi_level" not in el:
        raise InputError("[electrons]: missing Fermi level: give fermi_level = <energy> (units of t, or e.g. "
                         "'0.3 eV')")
    mu = _energy_t(el["fermi_level"], "electrons.fermi_level", units)
    bias = _energy_t(el.get("bias", 0.0), "electrons.bias", units)
    if bias and n_leads < 2:
        raise InputError("electrons.bias needs two leads")
    mus = [mu + bias / 2, mu - bias / 2] if n_leads == 2 else [mu]
    if "kT" in el and "temperature" in el:
        raise InputError("[electrons]: give kT (units of t) or temperature (kelvin), not both")
    kT = number(el["kT"], "electrons.kT") if "kT" in el else \
        units.kT(quantity(el.get("temperature", 0.0), "temperature", "electrons.temperature", nonnegative=True))
    if kT < 0:
        raise InputError(f"electrons.kT must be >= 0, got {kT}")
    if "spin" in el:
        spin = number(el["spin"], "electrons.spin", positive=True)
    else:
        nsub = sysm.lattice.n_sub
        sub = np.flatnonzero(fsys.exchange_J != 0) % nsub
        spin = float(np.sum(sysm.mu[sub] / sysm.gamma[sub]) / HBAR)
    comp = as_table(raw.get("compute", {}), "compute")
    check_keys(comp, "compute", SCHEMA["compute"])
    q = comp.get("quantities", ["alpha", "inertia", "eta"])
    if not isinstance(q, list) or not q:
        raise InputError(f"compute.quantities must be a non-empty list of names from {', '.join(QUANTITIES)}")
    quantities = tuple(choice(x, QUANTITIES, f"compute.quantities[{i}]") for i, x in enumerate(q))
    omegas = np.array([number(w, f"compute.omegas[{i}]", positive=True)
                       for i, w in enumerate(comp.get("omegas", []))])
    if "alpha_omega" in quantities and not omegas.size:
        raise InputError("compute.quantities has alpha_omega: give compute.omegas = [...] (units of t/hbar)")
    cutoff = quantity(comp["cutoff"], "length", "compute.cutoff", positive=True) if "cutoff" in comp else None
    bias_V = number(comp.get("bias_V", 1e-3), "compute.bias_V", positive=True)
    if len(set(mus)) > 1 and set(quantities) & {"inertia", "eta", "alpha_omega", "btb"}:
        raise InputError("with a bias only alpha, pairs (damping), torques and adiabatic are computed; remove "
                         f"{sorted(set(quantities) & {'inertia', 'eta', 'alpha_omega', 'btb'})} or set bias = 0")
    if n_leads == 0 and set(quantities) & {"btb", "torques", "adiabatic"}:
        raise InputError("btb, torques and adiabatic need leads ([electrons.leads] type)")
    if not math.isfinite(spin):
        raise InputError("the spin of the magnet must be finite")
    return ElectronScenario(system=sysm, fsys=fsys, units=units, mu=mus, kT=kT, spin=spin, quantities=quantities,
                            omegas=omegas, cutoff=cutoff, bias_V=bias_V, raw=raw, name=meta.get("name"), notes=notes)


def load_electron_scenario(path) -> ElectronScenario:
    """Read and validate an electrons scenario file."""
    return electron_scenario_from_dict(read_toml(path), path=Path(path))
