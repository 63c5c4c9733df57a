"""The ``[system]`` table of a scenario -> :class:`~spinertia.lattice.system.System` (a lattice) or
:class:`~spinertia.lattice.macrospin.Macrospin` (a one-site system).

One description serves spin-wave calculations (``spinertia bands``, through
:func:`spinertia.spinwaves.from_system.spinwave_model`) and dynamics runs.  The schema is documented key by
key in ``docs/scenario.md``.  A table without ``lattice`` or ``preset`` describes a macrospin::

    [system]
    gamma = 1.76085963023e11          # |gamma| in rad/(s T) (default: electron)
    mu = "2 muB"                      # moment (enters energies in joule and thermal noise)
    [[system.zeeman]]                 # B (tesla) or omega (rad/s), optional time protocol
    [[system.anisotropy]]             # type uniaxial | easy_plane | tensor; B_K (tesla) or omega_K; axis
    [system.damping]                  # alpha
    [system.inertia]                  # eta (time)

A lattice is either a preset::

    [system]
    preset = "ghosh2025_checkerboard"   # the Ghosh et al. 2025 two-sublattice ferromagnet (spec 1.1, 4)
    size = [8, 4]                     # optional (preset default)
    eta_AB = "50 fs"                  # optional overrides: names of spinwaves.presets.DEFAULTS

or an explicit description::

    [system]
    lattice = "square"                # square | checkerboard | triangular | simple_cubic | chain | rectangular
    a = "2.87 A"                      # lattice constant(s); b for rectangular / checkerboard
    size = [64, 64]                   # cells per direction (default 1 each)
    periodic = true                   # or one bool per direction
    mu = "2 muB"                      # number (J/T), string, or {A = "1.72 muB", B = "2.22 muB"}
    gamma = 1.76085963023e11          # rad/(s T), number or per-sublattice table

    [[system.exchange]]               # J per bond (energy) or a 3x3 tensor; shell = n or bonds = [...]
    J = "12.5 meV"
    shell = 1

    [[system.dmi]]                    # D (energy); kind interfacial | bulk | vector (+ vector, normal)
    [[system.anisotropy]]             # K (energy), axis, sublattice
    [system.zeeman]                   # B = [bx, by, bz] (tesla), optional time protocol
    [system.damping]                  # alpha: number, 3x3, or {A = ..., B = ...}
    [system.inertia]                  # eta (time), xi (axial vector of times), or per-sublattice tables
    [[system.pair_inertia]]           # eta, xi = [x, y, z], tensor; shell | bonds
    [[system.pair_damping]]           # G (number or 3x3); shell | bonds
    [[system.spin_transfer]]          # u = ["100 m/s", 0, 0], beta; or j, b_J, c_J (Xu et al. 2023, Eq. 31)

``[system.lattice]`` (a table instead of the lattice name) gives ``vectors``, ``basis``, ``names`` and an
optional scale ``a``.  Bonds are ``["A", "B", [n1, n2, n3]]``: sublattice A of cell R to sublattice B of
cell R + offset (the reverse bond is implied).  Every quantity is a number (SI) or a string with a unit
(:func:`spinertia.units.parse_quantity`); unknown keys are errors that name the key, the table and the
allowed keys.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import InputError
from ..lattice import geometry, protocols
from ..lattice.system import DMI_KINDS, System, cross_matrix
from ..units import GAMMA_ELECTRON
from . import schema
from .validate import check_keys, choice, number, one_of, quantity, require, scalar_or_tensor, vector
from .validate import table as as_table

__all__ = ["build_system", "lattice_constants", "SYSTEM_SCHEMA", "PRESET_OVERRIDES", "LATTICES", "PRESETS"]

#: Named lattices and the length keys each takes (first one required).
LATTICES = {
    "chain": ("a",),
    "square": ("a",),
    "rectangular": ("a", "b"),
    "triangular": ("a",),
    "simple_cubic": ("a",),
    "checkerboard": ("a", "b"),
}

#: Presets of ready-made systems (spinertia.lattice.presets).
PRESETS = schema.PRESETS

#: Overrides accepted by the Ghosh et al. 2025 preset: name -> dimension (None: dimensionless number,
#: "int": positive integer, "dmi": the DMI geometry name).  Names of spinwaves.presets.DEFAULTS plus the
#: shortcuts eta, K, mu, xi (both sublattices).
PRESET_OVERRIDES = {
    "a": "length", "b": "length",
    "J": "energy", "J2": "energy", "D": "energy", "K_A": "energy", "K_B": "energy", "K": "energy",
    "mu_A": "moment", "mu_B": "moment", "mu": "moment",
    "gamma": None, "alpha": None, "B": "field",
    "eta_AA": "time", "eta_BB": "time", "eta_AB": "time", "xi_AB": "time", "xi_AA": "time", "xi_BB": "time",
    "eta": "time", "xi": "time",
    "z": "int", "dmi": "dmi",
}

_TERMS = ("exchange", "dmi", "anisotropy", "zeeman", "damping", "inertia", "pair_inertia", "pair_damping",
          "spin_transfer")
_MACROSPIN_TERMS = ("zeeman", "anisotropy", "damping", "inertia")
ANISOTROPY_TYPES = schema.ANISOTROPY_TYPES

#: Allowed keys of every table of the [system] schema (from :mod:`.schema`, the one source)
SYSTEM_SCHEMA = {path: schema.keys(path) for path in (
    "system", "system(preset)", "system.lattice", "system.exchange", "system.dmi", "system.anisotropy",
    "system.zeeman", "system.damping", "system.inertia", "system.pair_inertia", "system.pair_damping",
    "system.spin_transfer", "system(macrospin)", "system.zeeman(macrospin)", "system.anisotropy(macrospin)")}

_PROTOCOL_KEYS = {name: tuple(params) for name, (_, params) in protocols.PROTOCOLS.items()}
_PROTOCOL_DIMS = protocols.PARAMETER_DIMENSIONS


# ------------------------------------------------------------------------------------------------
# value readers
# ------------------------------------------------------------------------------------------------
def _value(value, dimension, where):
    """A scalar: dimensionless number (dimension None) or a quantity (number in SI or string)."""
    if dimension is None:
        return number(value, where)
    return quantity(value, dimension, where)


def _components(value, dimension, where, sizes=(3,)):
    """A list of numbers/quantities with one of the allowed lengths ``sizes``."""
    if not isinstance(value, (list, tuple)) or len(value) not in sizes:
        n = " or ".join(str(s) for s in sizes)
        raise InputError(f"{where} must be a list of {n} components, e.g. {[0] * sizes[-1]}, got {value!r}")
    return np.array([_value(v, dimension, f"{where}[{i}]") for i, v in enumerate(value)])


def _scalar_or_tensor(value, dimension, where):
    """A scalar or a 3x3 tensor (3 rows of 3), each entry a number or quantity."""
    if isinstance(value, (list, tuple)):
        if not (len(value) == 3 and all(isinstance(r, (list, tuple)) and len(r) == 3 for r in value)):
            raise InputError(f"{where} must be a scalar or a 3x3 tensor written as 3 rows of 3, e.g. "
                             f"[[a, 0, 0], [0, a, 0], [0, 0, b]]; got {value!r}")
        return np.array([[_value(v, dimension, f"{where}[{i}][{j}]") for j, v in enumerate(r)]
                         for i, r in enumerate(value)])
    return _value(value, dimension, where)


def _per_sublattice(value, read, where, names):
    """A value for all sublattices, or an inline table {name: value} (every sublattice named once)."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise InputError(f"{where}: unknown sublattice(s) {unknown}; this lattice has {names}")
        return {k: read(v, f"{where}.{k}") for k, v in value.items()}
    return read(value, where)


def _positive_int(value, where):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{where} must be a positive integer, got {value!r}")
    return value


def _size(value, where, dimension=3):
    vals = value if isinstance(value, (list, tuple)) else [value]
    if not 1 <= len(vals) <= dimension:
        raise InputError(f"{where} must be 1 to {dimension} positive integers (cells per lattice direction), "
                         f"got {value!r}")
    return tuple(_positive_int(v, f"{where}[{i}]") for i, v in enumerate(vals))


def _periodic(value, where):
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)) and 1 <= len(value) <= 3 and all(isinstance(v, bool) for v in value):
        return list(value)
    raise InputError(f"{where} must be true/false or a list of up to 3 booleans (one per direction), "
                     f"got {value!r}")


def _in_context(where, fn, *args, **kwargs):
    """Call fn; prefix InputErrors with the table they come from."""
    try:
        return fn(*args, **kwargs)
    except InputError as err:
        msg = str(err)
        raise InputError(msg if msg.startswith(where) else f"{where}: {msg}") from None


def _terms(table, key):
    """The list of tables under system.<key> (a single table counts as a list of one)."""
    terms = table.get(key, [])
    if isinstance(terms, dict):
        terms = [terms]
    if not isinstance(terms, list) or not all(isinstance(t, dict) for t in terms):
        raise InputError(f"system.{key} must be a table [system.{key}] or a list of tables [[system.{key}]], "
                         f"got {terms!r}")
    return terms


# ------------------------------------------------------------------------------------------------
# lattice
# ------------------------------------------------------------------------------------------------
def _lattice(table):
    """(Lattice, (a, b, c) or None) from the lattice keys of [system]."""
    spec = require(table, "lattice", "system")
    if isinstance(spec, dict):
        for key in ("a", "b"):
            if key in table:
                raise InputError(f"system.{key}: with a [system.lattice] table give the scale as "
                                 "[system.lattice] a (vectors and basis are then multiples of a)")
        lt = as_table(spec, "system.lattice")
        check_keys(lt, "system.lattice", SYSTEM_SCHEMA["system.lattice"])
        scale = quantity(lt["a"], "length", "system.lattice.a", positive=True) if "a" in lt else None
        dim = "length" if scale is None else None  # with a scale: multiples of a

        def reader(value, where, count):
            if not isinstance(value, list) or not count[0] <= len(value) <= count[1]:
                raise InputError(f"{where} must be a list of {count[0]} to {count[1]} vectors, got {value!r}")
            out = [_components(v, dim, f"{where}[{i}]", sizes=(2, 3)) for i, v in enumerate(value)]
            if len({len(r) for r in out}) != 1:
                raise InputError(f"{where}: all vectors must have the same number of components")
            return np.array(out) * (1.0 if scale is None else scale)

        vectors = reader(require(lt, "vectors", "system.lattice"), "system.lattice.vectors", (1, 3))
        basis = reader(lt.get("basis", [[0.0, 0.0, 0.0]]), "system.lattice.basis", (1, 10_000))
        names = lt.get("names")
        if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
            raise InputError(f"system.lattice.names must be a list of strings, got {names!r}")
        lat = _in_context("system.lattice", geometry.Lattice, vectors, basis, names)
        consts = None if scale is None else (scale, scale, scale)
        return lat, consts
    name = choice(spec, tuple(LATTICES), "system.lattice")
    keys = LATTICES[name]
    for key in ("a", "b"):
        if key in table and key not in keys:
            raise InputError(f"system.{key} does not apply to lattice '{name}' (which takes: {', '.join(keys)})")
    a = quantity(require(table, "a", "system"), "length", "system.a", positive=True)
    kwargs = {"a": a}
    b = a
    if "b" in table:
        b = kwargs["b"] = quantity(table["b"], "length", "system.b", positive=True)
    lat = geometry.PRESETS[name](**kwargs)
    return lat, (a, b, a)


# ------------------------------------------------------------------------------------------------
# bonds
# ------------------------------------------------------------------------------------------------
def _bond_selection(term, where, lattice):
    """kwargs shell= / bonds= / between= for the System pair methods."""
    which = one_of(term, ("shell", "bonds"), where)
    out = {}
    if "between" in term:
        bt = term["between"]
        if not (isinstance(bt, list) and len(bt) == 2 and all(isinstance(x, str) for x in bt)):
            raise InputError(f"{where}.between must be a pair of sublattice names, e.g. [\"A\", \"B\"], got {bt!r}")
        if which != "shell":
            raise InputError(f"{where}.between restricts a neighbour shell; it does not apply to explicit bonds")
        for x in bt:
            if x not in lattice.names:
                raise InputError(f"{where}.between: unknown sublattice {x!r}; this lattice has {lattice.names}")
        out["between"] = tuple(bt)
    if which == "shell":
        out["shell"] = _positive_int(term["shell"], f"{where}.shell")
        return out
    bonds = term["bonds"]
    if not isinstance(bonds, list) or not bonds:
        raise InputError(f"{where}.bonds must be a non-empty list of [\"A\", \"B\", [n1, n2, n3]], got {bonds!r}")
    parsed = []
    for i, b in enumerate(bonds):
        w = f"{where}.bonds[{i}]"
        if not (isinstance(b, list) and len(b) == 3 and isinstance(b[0], str) and isinstance(b[1], str)
                and isinstance(b[2], list)):
            raise InputError(f"{w} must be [source, target, [n1, n2, n3]] (sublattice names and an integer cell "
                             f"offset), got {b!r}")
        for s in b[:2]:
            if s not in lattice.names:
                raise InputError(f"{w}: unknown sublattice {s!r}; this lattice has {lattice.names}")
        off = b[2]
        if not 1 <= len(off) <= 3 or not all(isinstance(o, int) and not isinstance(o, bool) for o in off):
            raise InputError(f"{w}: the cell offset must be 1 to 3 integers, got {off!r}")
        if any(o != 0 for o in off[lattice.dimension:]):
            raise InputError(f"{w}: offset {off} leaves the {lattice.dimension}D lattice (components beyond "
                             f"direction {lattice.dimension} must be 0)")
        parsed.append((b[0], b[1], tuple(off)))
    out["bonds"] = parsed
    return out


# ------------------------------------------------------------------------------------------------
# terms
# ------------------------------------------------------------------------------------------------
def _exchange(sysm, term, where):
    J = _scalar_or_tensor(require(term, "J", where), "energy", f"{where}.J")
    sysm.add_exchange(J, **_bond_selection(term, where, sysm.lattice))


def _dmi(sysm, term, where):
    D = quantity(require(term, "D", where), "energy", f"{where}.D")
    kind = choice(term.get("kind", "interfacial"), DMI_KINDS, f"{where}.kind")
    kwargs = {"kind": kind}
    if "vector" in term:
        if kind != "vector":
            raise InputError(f"{where}.vector is used only with kind = 'vector', not {kind!r}")
        kwargs["vector"] = _components(term["vector"], None, f"{where}.vector")
    elif kind == "vector":
        raise InputError(f"[{where}]: kind = 'vector' needs vector = [x, y, z] (D_ij = D * vector on the listed "
                         "bond direction, -D * vector on the reverse)")
    if "normal" in term:
        if kind != "interfacial":
            raise InputError(f"{where}.normal is used only with kind = 'interfacial', not {kind!r}")
        kwargs["normal"] = _components(term["normal"], None, f"{where}.normal")
    sysm.add_dmi(D, **_bond_selection(term, where, sysm.lattice), **kwargs)


def _sublattice_list(value, where, names):
    vals = value if isinstance(value, list) else [value]
    for v in vals:
        if not isinstance(v, str):
            raise InputError(f"{where} must be a sublattice name or a list of names, got {value!r}")
        if v not in names:
            raise InputError(f"{where}: unknown sublattice {v!r}; this lattice has {names}")
    return vals if isinstance(value, list) else value


def _anisotropy(sysm, term, where):
    K = quantity(require(term, "K", where), "energy", f"{where}.K")
    axis = _components(term.get("axis", [0, 0, 1]), None, f"{where}.axis")
    if not np.linalg.norm(axis) > 0:
        raise InputError(f"{where}.axis must be a non-zero direction")
    sub = None
    if "sublattice" in term:
        sub = _sublattice_list(term["sublattice"], f"{where}.sublattice", sysm.lattice.names)
    sysm.add_anisotropy(K, axis=axis, sublattice=sub)


def _zeeman(sysm, term, where):
    B = _components(require(term, "B", where), "field", f"{where}.B")
    protocol = choice(term.get("protocol", "static"), tuple(_PROTOCOL_KEYS), f"{where}.protocol")
    allowed = _PROTOCOL_KEYS[protocol]
    for key in ("t_on", "frequency", "phase", "t0", "width"):
        if key in term and key not in allowed:
            users = [p for p, ks in _PROTOCOL_KEYS.items() if key in ks]
            raise InputError(f"{where}.{key} is a parameter of protocol '{users[0]}', not of protocol "
                             f"'{protocol}' (which takes: {', '.join(allowed) or 'nothing'})")
    if protocol == "static":
        if "B1" in term:
            raise InputError(f"{where}.B1: a static field has no time-dependent part; set protocol = 'step', "
                             "'sine' or 'pulse', or remove the key")
        sysm.add_zeeman(B)
        return
    B1 = _components(require(term, "B1", where), "field", f"{where}.B1")
    params = {}
    for key in allowed:
        if key in term:
            params[key] = quantity(term[key], _PROTOCOL_DIMS[key], f"{where}.{key}", positive=(key == "width"))
        elif key in ("frequency", "width"):
            raise InputError(f"[{where}]: protocol '{protocol}' needs '{key}'")
    sysm.add_zeeman(B, protocol=protocol, B1=B1, **params)


def _onsite(sysm, table, where, key, dimension):
    """{sublattice index: tensor} from a value for all sublattices or a per-sublattice inline table."""
    names = sysm.lattice.names
    vals = _per_sublattice(table[key], lambda v, w: _scalar_or_tensor(v, dimension, w), f"{where}.{key}", names)
    if isinstance(vals, dict):
        return {names.index(k): v for k, v in vals.items()}
    return {s: vals for s in range(len(names))}


def _damping(sysm, term, where):
    for s, alpha in _onsite(sysm, {"alpha": require(term, "alpha", where)}, where, "alpha", None).items():
        sysm.set_damping(alpha, sublattice=s)


def _inertia(sysm, term, where):
    if "eta" not in term and "xi" not in term:
        raise InputError(f"[{where}]: give eta (on-site inertia, time) and/or xi (on-site chiral inertia, an "
                         "axial vector of times)")
    names = sysm.lattice.names
    eta = _onsite(sysm, term, where, "eta", "time") if "eta" in term else {}
    xi = {}
    if "xi" in term:
        vals = _per_sublattice(term["xi"], lambda v, w: _components(v, "time", w), f"{where}.xi", names)
        xi = {names.index(k): v for k, v in vals.items()} if isinstance(vals, dict) else \
            {s: vals for s in range(len(names))}
    for s in sorted(set(eta) | set(xi)):
        T = np.asarray(eta.get(s, 0.0), dtype=float)
        T = T * np.eye(3) if T.ndim == 0 else T
        if s in xi:
            T = T + cross_matrix(xi[s])
        sysm.set_inertia(T, sublattice=s)


def _pair_inertia(sysm, term, where):
    if not any(k in term for k in ("eta", "xi", "tensor")):
        raise InputError(f"[{where}]: give eta (time), xi = [x, y, z] (axial vector of times) and/or tensor")
    eta = quantity(term.get("eta", 0.0), "time", f"{where}.eta")
    xi = _components(term["xi"], "time", f"{where}.xi") if "xi" in term else None
    tensor = _scalar_or_tensor(term["tensor"], "time", f"{where}.tensor") if "tensor" in term else None
    if tensor is not None and np.ndim(tensor) == 0:
        raise InputError(f"{where}.tensor must be a 3x3 tensor (use eta for the scalar part)")
    sysm.add_pair_inertia(eta=eta, xi=xi, tensor=tensor, **_bond_selection(term, where, sysm.lattice))


def _pair_damping(sysm, term, where):
    G = _scalar_or_tensor(require(term, "G", where), None, f"{where}.G")
    sysm.add_pair_damping(G, **_bond_selection(term, where, sysm.lattice))


def _spin_transfer(sysm, term, where):
    which = one_of(term, ("u", "j"), where)
    kwargs = {"scale": number(term.get("scale", 1.0), f"{where}.scale")}
    if "stencil" in term:
        kwargs["stencil"] = choice(term["stencil"], ("bonds", "cells"), f"{where}.stencil")
    if which == "u":
        extra = [k for k in ("b_J", "c_J") if k in term]
        if extra:
            raise InputError(f"[{where}]: {', '.join(extra)} go with the current density j, not with u; give "
                             "either u (and beta) or j with b_J, c_J")
        u = _components(term["u"], "velocity", f"{where}.u")
        sysm.add_spin_transfer(u, number(term.get("beta", 0.0), f"{where}.beta"), **kwargs)
    else:
        if "beta" in term:
            raise InputError(f"[{where}]: beta goes with u; with j give c_J = beta b_J")
        if "b_J" not in term and "c_J" not in term:
            raise InputError(f"[{where}]: j needs b_J and/or c_J (SI, Xu et al. 2023, Eq. 31)")
        j = _components(term["j"], None, f"{where}.j")
        sysm.add_spin_transfer(j=j, b_J=number(term.get("b_J", 0.0), f"{where}.b_J"),
                               c_J=number(term.get("c_J", 0.0), f"{where}.c_J"), **kwargs)


_BUILDERS = {"exchange": _exchange, "dmi": _dmi, "anisotropy": _anisotropy, "zeeman": _zeeman,
             "damping": _damping, "inertia": _inertia, "pair_inertia": _pair_inertia,
             "pair_damping": _pair_damping, "spin_transfer": _spin_transfer}
#: terms given as a single table (several would overwrite each other)
_SINGLE = ("damping", "inertia")


# ------------------------------------------------------------------------------------------------
# entry points
# ------------------------------------------------------------------------------------------------
def _preset(table):
    from ..lattice.presets import ghosh2025_checkerboard

    check_keys(table, "system", SYSTEM_SCHEMA["system(preset)"])
    choice(table["preset"], PRESETS, "system.preset")
    overrides = {}
    for key, dim in PRESET_OVERRIDES.items():
        if key not in table:
            continue
        where = f"system.{key}"
        value = table[key]
        if dim == "int":
            overrides[key] = _positive_int(value, where)
        elif dim == "dmi":
            # the atomistic preset places the DMI on the +-2a x same-sublattice bonds only
            choice(value, ("x2",), where)
        elif key == "gamma":
            overrides[key] = number(value, where, positive=True)
        else:
            overrides[key] = _value(value, dim, where)
    kwargs = {}
    if "size" in table:
        kwargs["size"] = _size(table["size"], "system.size", 2)
    if "periodic" in table:
        kwargs["periodic"] = _periodic(table["periodic"], "system.periodic")
    return _in_context("system", ghosh2025_checkerboard, **kwargs, **overrides)


def is_macrospin(table) -> bool:
    """True for a ``[system]`` table that describes a macrospin (no ``lattice`` and no ``preset``)."""
    return isinstance(table, dict) and "lattice" not in table and "preset" not in table


def _macrospin_zeeman(builder, term, where):
    which = one_of(term, ("B", "omega"), where)
    dim = "field" if which == "B" else "angular_frequency"
    value = vector(term[which], dim, f"{where}.{which}")
    protocol = choice(term.get("protocol", "static"), tuple(_PROTOCOL_KEYS), f"{where}.protocol")
    allowed = _PROTOCOL_KEYS[protocol]
    for key in ("t_on", "frequency", "phase", "t0", "width"):
        if key in term and key not in allowed:
            users = [p for p, ks in _PROTOCOL_KEYS.items() if key in ks]
            raise InputError(f"{where}.{key} is a parameter of protocol '{users[0]}', not of "
                             f"protocol '{protocol}' (which takes: {', '.join(allowed) or 'nothing'})")
    kwargs, params = {}, {}
    if protocol == "static":
        for key in ("B1", "omega1"):
            if key in term:
                raise InputError(f"{where}.{key}: a static field has no time-dependent part; set "
                                 "protocol = 'step', 'sine' or 'pulse', or remove the key")
    else:
        which1 = one_of(term, ("B1", "omega1"), where)
        dim1 = "field" if which1 == "B1" else "angular_frequency"
        kwargs[which1] = vector(term[which1], dim1, f"{where}.{which1}")
        for key in allowed:
            if key in term:
                params[key] = quantity(term[key], _PROTOCOL_DIMS[key], f"{where}.{key}", positive=(key == "width"))
            elif key in ("frequency", "width"):
                raise InputError(f"{where}: protocol '{protocol}' needs '{key}'")
    builder.add_zeeman(**{which: value}, protocol=protocol, **kwargs, **params)


def _macrospin_anisotropy(builder, term, where):
    kind = choice(require(term, "type", where), ANISOTROPY_TYPES, f"{where}.type")
    allowed = {"uniaxial": ("type", "B_K", "omega_K", "axis"), "easy_plane": ("type", "B_K", "omega_K", "normal"),
               "tensor": ("type", "N")}[kind]
    for key in term:
        if key not in allowed:
            raise InputError(f"{where}.{key} does not apply to anisotropy type '{kind}' "
                             f"(which takes: {', '.join(allowed)})")
    if kind == "tensor":
        N = scalar_or_tensor(require(term, "N", where), "angular_frequency", f"{where}.N")
        builder.add_anisotropy_field_tensor(np.asarray(N) * (np.eye(3) if np.ndim(N) == 0 else 1.0))
        return
    which = one_of(term, ("B_K", "omega_K"), where)
    value = quantity(term[which], "field" if which == "B_K" else "angular_frequency", f"{where}.{which}")
    wk = builder.gamma_value * value if which == "B_K" else value
    if kind == "uniaxial":
        axis = vector(term.get("axis", [0, 0, 1]), None, f"{where}.axis")
        if np.linalg.norm(axis) == 0:
            raise InputError(f"{where}.axis must be a non-zero direction")
        builder.add_uniaxial_anisotropy(omega_K=wk, axis=axis)
    else:
        if not wk > 0:
            raise InputError(f"{where}.{which} must be > 0 for an easy plane (its strength), got {term[which]!r}; "
                             "for an easy axis use type = 'uniaxial'")
        normal = vector(term.get("normal", [0, 0, 1]), None, f"{where}.normal")
        if np.linalg.norm(normal) == 0:
            raise InputError(f"{where}.normal must be a non-zero direction")
        # easy plane with normal n = hard axis along n: E = +(mu B_K / 2)(m.n)^2
        builder.add_uniaxial_anisotropy(omega_K=-wk, axis=normal)


_MACROSPIN_BUILDERS = {"zeeman": _macrospin_zeeman, "anisotropy": _macrospin_anisotropy, "damping": _damping,
                       "inertia": _inertia}


def _add_terms(sysm, table, keys, builders, schema_suffix=""):
    for key in keys:
        if key not in table:
            continue
        terms = _terms(table, key)
        if key in _SINGLE and len(terms) > 1:
            raise InputError(f"system.{key} must be a single table [system.{key}] (use per-sublattice values "
                             f"inside it), got {len(terms)} tables")
        path = f"system.{key}"
        for i, term in enumerate(terms):
            where = path if (key in _SINGLE or isinstance(table[key], dict)) else f"{path}[{i}]"
            check_keys(term, where, SYSTEM_SCHEMA.get(path + schema_suffix, SYSTEM_SCHEMA.get(path)))
            _in_context(where, builders[key], sysm, term, where)


def _macrospin(table):
    from ..lattice.macrospin import Macrospin

    every = tuple(dict.fromkeys(("preset", "lattice") + SYSTEM_SCHEMA["system(macrospin)"] + SYSTEM_SCHEMA["system"]
                                + SYSTEM_SCHEMA["system(preset)"]))
    check_keys(table, "system", every)  # names the key and suggests the closest of all [system] keys
    lattice_only = [k for k in table if k not in SYSTEM_SCHEMA["system(macrospin)"]]
    if lattice_only:
        raise InputError(f"[system]: {', '.join(lattice_only)} describe a lattice: give either preset = "
                         f"\"ghosh2025_checkerboard\" or a lattice (lattice = \"square\", one of {', '.join(LATTICES)}, "
                         "or a [system.lattice] table with vectors and basis); without them [system] describes a "
                         "macrospin (docs/scenario.md)")
    check_keys(table, "system", SYSTEM_SCHEMA["system(macrospin)"])
    gamma = _gamma(table.get("gamma", GAMMA_ELECTRON), "system.gamma")
    kwargs = {"gamma": gamma}
    if "mu" in table:
        kwargs["mu"] = quantity(table["mu"], "moment", "system.mu", positive=True)
    builder = _in_context("system", Macrospin, **kwargs)
    _add_terms(builder, table, _MACROSPIN_TERMS, _MACROSPIN_BUILDERS, "(macrospin)")
    return builder


#: plausible |gamma| in rad/(s T): nuclear moments (~1e7) to electrons (1.76e11), with room on both sides
GAMMA_RANGE = (1e3, 1e14)


def _gamma(value, where):
    """A gyromagnetic ratio in rad/(s T), checked for plausibility (the scenario is SI: 1.76e11 for an electron)."""
    g = number(value, where, positive=True)
    if not GAMMA_RANGE[0] <= g <= GAMMA_RANGE[1]:
        raise InputError(f"{where} = {value!r} rad/(s T) is outside the plausible range {GAMMA_RANGE[0]:g} .. "
                         f"{GAMMA_RANGE[1]:g} (electron: 1.76085963023e11); scenario files are SI")
    return g


def build_system(table: dict) -> System:
    """Build the :class:`~spinertia.lattice.system.System` (or :class:`~spinertia.lattice.macrospin.Macrospin`)
    described by a ``[system]`` table (a dict as parsed from TOML; schema: docs/scenario.md).  Raises
    InputError naming the offending key for any unknown key, wrong type, unit or value."""
    table = as_table(table, "system")
    if "preset" in table:
        return _preset(table)
    if is_macrospin(table):
        return _macrospin(table)
    check_keys(table, "system", SYSTEM_SCHEMA["system"])
    if "lattice" not in table:
        raise InputError("[system]: give either preset = \"ghosh2025_checkerboard\" or a lattice (lattice = "
                         f"\"square\", one of {', '.join(LATTICES)}, or a [system.lattice] table with vectors "
                         "and basis) (docs/scenario.md, Lattice systems)")
    lat, _ = _lattice(table)
    size = _size(table.get("size", [1] * lat.dimension), "system.size", lat.dimension)
    periodic = _periodic(table.get("periodic", True), "system.periodic")
    names = lat.names
    mu = _per_sublattice(require(table, "mu", "system"),
                         lambda v, w: quantity(v, "moment", w, positive=True), "system.mu", names)
    gamma = _per_sublattice(table.get("gamma", GAMMA_ELECTRON),
                            _gamma, "system.gamma", names)
    for key, val in (("mu", mu), ("gamma", gamma)):
        if isinstance(val, dict) and set(val) != set(names):
            raise InputError(f"system.{key}: no value for sublattice(s) {sorted(set(names) - set(val))}; give "
                             f"one per sublattice ({names}) or a single value")
    sysm = _in_context("system", System, lat, size=size, periodic=periodic, mu=mu, gamma=gamma)
    _add_terms(sysm, table, _TERMS, _BUILDERS)
    return sysm


def lattice_constants(table: dict):
    """(a, b, c) in metres of a ``[system]`` table, used for k in units of pi/a (pi/a, pi/b, pi/c per
    cartesian direction): the preset's a and b; a named lattice's a and b (b = a if absent); the scale ``a``
    of a [system.lattice] table.  c = a.  Raises InputError when the table defines no lattice constant."""
    table = as_table(table, "system")
    if "preset" in table:
        from ..lattice.presets import DEFAULTS

        a = quantity(table["a"], "length", "system.a") if "a" in table else DEFAULTS["a"]
        b = quantity(table["b"], "length", "system.b") if "b" in table else DEFAULTS["b"]
        return a, b, a
    lt = table.get("lattice")
    if isinstance(lt, dict):
        if "a" not in lt:
            raise InputError("k in units of pi/a needs a lattice constant: give [system.lattice] a = \"...\" "
                             "(vectors and basis in units of a), or use units = \"reciprocal\" or \"1/m\"")
        a = quantity(lt["a"], "length", "system.lattice.a", positive=True)
        return a, a, a
    a = quantity(require(table, "a", "system"), "length", "system.a", positive=True)
    b = quantity(table["b"], "length", "system.b", positive=True) if "b" in table else a
    if not (math.isfinite(a) and math.isfinite(b)):
        raise InputError("lattice constants must be finite")
    return a, b, a
