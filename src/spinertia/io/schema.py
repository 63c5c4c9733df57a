"""The schema of scenario files: every table and key with its type, unit, default and allowed values.

One source for the readers and the documentation: :mod:`.scenario`, :mod:`.system_scenario` and
:mod:`.bands_scenario` take their allowed keys and choices from here, and ``docs/scenario_reference.md`` is
generated from it (``python -m spinertia.io.schema > docs/scenario_reference.md``; a test checks that the file
is up to date), so the reference cannot drift from what is validated.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..lattice import protocols


@dataclass(frozen=True)
class Key:
    """One key of a table: ``kind`` says what is accepted (with the unit), ``choices`` the allowed strings."""

    name: str
    kind: str
    default: str
    doc: str
    choices: tuple = ()


@dataclass(frozen=True)
class Table:
    path: str
    doc: str
    keys: tuple
    applies: str = "both"  # "macrospin", "lattice", "both", "bands", "coupled"
    repeated: bool = False  # [[...]] list of tables
    notes: tuple = field(default_factory=tuple)

    def names(self):
        return tuple(k.name for k in self.keys)

    def choices(self, key):
        return next(k.choices for k in self.keys if k.name == key)


MODEL_TYPES = ("llg", "illg", "kernel")
INTEGRATORS = ("rk4", "rkmk4", "heun", "dp45")
CONVENTIONS = ("magnetization", "spin")
KERNEL_TYPES = ("phonon",)
KERNEL_SIGNS = ("passive", "as_printed")
HISTORIES = ("none", "equilibrated")
STATES = ("uniform", "random", "skyrmion", "ovf")
LATTICES = ("chain", "square", "rectangular", "triangular", "simple_cubic", "checkerboard")
PRESETS = ("ghosh2025_checkerboard",)
DMI_KINDS = ("interfacial", "bulk", "vector")
ANISOTROPY_TYPES = ("uniaxial", "easy_plane", "tensor")
K_UNITS = ("reciprocal", "1/m", "pi/a")

_PROTOCOL_KEYS = (
    Key("protocol", "string", '"static"', "time dependence f(t) of the extra part B1 f(t)",
        tuple(protocols.PROTOCOLS)),
    Key("t_on", "time", "0", "`step`: f = 1 for t >= t_on, else 0"),
    Key("frequency", "angular frequency", "required for `sine`",
        "`sine`: f = sin(frequency t + phase); `\"10 GHz\"` is cyclic (converted with omega = 2 pi f)"),
    Key("phase", "angle", "0", "`sine`"),
    Key("t0", "time", "0", "`pulse`: f = exp(-(t - t0)^2 / (2 width^2))"),
    Key("width", "time > 0", "required for `pulse`", "`pulse`"),
)
_BONDS = (
    Key("shell", "integer >= 1", "one of `shell`, `bonds`", "all bonds of the n-th neighbour shell, each pair once"),
    Key("bonds", "list of `[\"A\", \"B\", [n1, n2, n3]]`", "one of `shell`, `bonds`",
        "sublattice A of cell R to sublattice B of cell R + n1 a1 + n2 a2 + n3 a3 (the reverse bond is implied)"),
    Key("between", "pair of sublattice names", "all", "restrict a shell to the bonds between two sublattices"),
)

TABLES = (
    Table("", "Top-level sections. Required: `[system]`, `[model]`, `[initial]`, `[run]`.", (
        Key("meta", "table", "none", "name and description"),
        Key("units", "table", "none", "reduced time unit of the solvers"),
        Key("system", "table", "required", "the description: a macrospin, or a lattice (with `lattice` or `preset`)"),
        Key("model", "table", "required", "equation of motion"),
        Key("initial", "table", "required", "initial state"),
        Key("run", "table", "required", "integration settings"),
        Key("electrons", "table", "none",
            "electrons on the same lattice, pumped by gates, driving the spins at every Runge-Kutta stage "
            "(a coupled run: Xu et al. 2023, Sec. V; docs/coupled.md)"),
    )),
    Table("meta", "Free text, stored in the result attributes.", (
        Key("name", "string", "none", "short name"),
        Key("description", "string", "none", "free text"),
    )),
    Table("units", "Reduced units of the solvers (results are SI).", (
        Key("time", "time > 0", '`"1 ps"` (macrospin), `"1 fs"` (lattice)',
            "time unit of the solvers; choose it near the fastest period for conditioning"),
    )),
    # --- macrospin -------------------------------------------------------------------------------------
    Table("system(macrospin)", "A macrospin: a `[system]` table without `lattice` or `preset`.", (
        Key("gamma", "number > 0, rad/(s T)", "1.76085963023e11 (electron)", "gyromagnetic ratio magnitude |gamma|"),
        Key("mu", "moment", '`"2 muB"`', "magnetic moment (enters energies in joule and the thermal noise)"),
        Key("zeeman", "list of tables `[[system.zeeman]]`", "none", "Zeeman terms, summed"),
        Key("anisotropy", "list of tables `[[system.anisotropy]]`", "none", "quadratic anisotropies, summed"),
        Key("damping", "table `[system.damping]`", "none (alpha = 0)", "Gilbert damping (one home for all models)"),
        Key("inertia", "table `[system.inertia]`", "none", "inertia (needed by `model.type = \"illg\"`)"),
    ), applies="macrospin"),
    Table("system.zeeman(macrospin)", "h_Z(t) = gamma [B + B1 f(t)]; exactly one of `B` / `omega`, at most one "
          "time-dependent term.", (
        Key("B", "field 3-vector (T)", "one of `B`, `omega`", "static field"),
        Key("omega", "angular-frequency 3-vector (rad/s)", "one of `B`, `omega`", "static field as gamma B"),
        Key("B1", "field 3-vector (T)", "required unless static", "amplitude of the time-dependent part"),
        Key("omega1", "angular-frequency 3-vector", "instead of `B1`", "`B1` as gamma B1"),
    ) + _PROTOCOL_KEYS, applies="macrospin", repeated=True),
    Table("system.anisotropy(macrospin)", "Quadratic anisotropy of a macrospin.", (
        Key("type", "string", "required", "kind of anisotropy", ANISOTROPY_TYPES),
        Key("B_K", "field (T)", "one of `B_K`, `omega_K`",
            "anisotropy field; uniaxial: E = -(mu B_K / 2)(m.axis)^2 (B_K < 0: hard axis); easy_plane: strength > 0"),
        Key("omega_K", "angular frequency", "one of `B_K`, `omega_K`", "gamma B_K = 2KS"),
        Key("axis", "3-vector", "`[0, 0, 1]`", "`uniaxial` axis"),
        Key("normal", "3-vector", "`[0, 0, 1]`", "`easy_plane` normal: E = +(mu B_K / 2)(m.normal)^2"),
        Key("N", "3x3 symmetric (rad/s) or a scalar", "required for `tensor`", "E = -(mu / 2 gamma) m.N m"),
    ), applies="macrospin", repeated=True),
    # --- lattice ---------------------------------------------------------------------------------------
    Table("system", "A lattice written out (`lattice` given).", (
        Key("lattice", "name or table", "required", "a named lattice or a `[system.lattice]` table", LATTICES),
        Key("a", "length", "required for a named lattice", "lattice constant"),
        Key("b", "length", "`a`", "second lattice constant (`rectangular`, `checkerboard`)"),
        Key("size", "1-3 integers", "1 per direction", "cells per lattice direction"),
        Key("periodic", "bool or list of bools", "`true`", "periodic boundaries per direction"),
        Key("mu", "moment, or `{A = \"1.72 muB\", B = \"2.22 muB\"}`", "required", "magnetic moment per sublattice"),
        Key("gamma", "rad/(s T), number or per-sublattice table", "1.76085963023e11", "gyromagnetic ratio"),
        Key("exchange", "tables `[[system.exchange]]`", "none", "Heisenberg (or tensor) exchange per bond"),
        Key("dmi", "tables `[[system.dmi]]`", "none", "Dzyaloshinskii-Moriya interaction per bond"),
        Key("anisotropy", "tables `[[system.anisotropy]]`", "none", "on-site uniaxial anisotropy"),
        Key("zeeman", "table(s) `[system.zeeman]`", "none", "uniform field, optional time protocol"),
        Key("damping", "table `[system.damping]`", "none (alpha = 0)", "on-site Gilbert damping"),
        Key("inertia", "table `[system.inertia]`", "none", "on-site inertia"),
        Key("pair_inertia", "tables `[[system.pair_inertia]]`", "none", "non-local inertia per bond"),
        Key("pair_damping", "tables `[[system.pair_damping]]`", "none", "non-local Gilbert damping per bond"),
        Key("spin_transfer", "tables `[[system.spin_transfer]]`", "none", "current-driven spin-transfer torque"),
    ), applies="lattice"),
    Table("system(preset)", "A ready-made lattice (`preset` given); overrides by parameter name.", (
        Key("preset", "string", "required", "the two-sublattice ferromagnet of Ghosh et al. 2025 (spec 1.1, 4)",
            PRESETS),
        Key("size", "1-2 integers", "`[8, 4]`", "cells per lattice direction"),
        Key("periodic", "bool or list of bools", "`true`", "periodic boundaries"),
        Key("a", "length", "2.87 A", "override"), Key("b", "length", "2.87 A", "override"),
        Key("J", "energy", "2e-21 J", "override: NN A-B exchange"), Key("J2", "energy", "0", "override"),
        Key("D", "energy", "1e-22 J", "override: DMI"), Key("K_A", "energy", "1e-23 J", "override"),
        Key("K_B", "energy", "1e-23 J", "override"), Key("K", "energy", "—", "both K_A and K_B"),
        Key("mu_A", "moment", "1.72 muB", "override"), Key("mu_B", "moment", "2.22 muB", "override"),
        Key("mu", "moment", "—", "both mu_A and mu_B"), Key("gamma", "rad/(s T)", "electron", "override"),
        Key("alpha", "number", "0.01", "override"), Key("B", "field", "1 T", "override: field along z"),
        Key("eta_AA", "time", "100 fs", "override"), Key("eta_BB", "time", "100 fs", "override"),
        Key("eta_AB", "time", "0", "override: cross inertia, sublattice total (each of z bonds: 1/z)"),
        Key("xi_AB", "time", "0", "override: chiral cross inertia, sublattice total"),
        Key("xi_AA", "time", "0", "override"), Key("xi_BB", "time", "0", "override"),
        Key("eta", "time", "—", "both eta_AA and eta_BB"), Key("xi", "time", "—", "both xi_AA and xi_BB"),
        Key("z", "integer", "4", "override: coordination"),
        Key("dmi", "string", '`"x2"`', "DMI geometry (+-2a x bonds)", ("x2",)),
    ), applies="lattice"),
    Table("system.lattice", "A lattice given by its vectors (instead of a name).", (
        Key("vectors", "1-3 vectors of 2 or 3 lengths", "required", "primitive vectors (rows)"),
        Key("basis", "list of positions", "`[[0, 0, 0]]`", "cartesian sublattice positions"),
        Key("names", "list of strings", "`A`, `B`, ...", "sublattice names"),
        Key("a", "length", "none", "if given, `vectors` and `basis` are numbers in units of `a`"),
    ), applies="lattice"),
    Table("system.exchange", "-S_i . J_ij S_j per bond (J > 0 ferromagnetic).", (
        Key("J", "energy, or a 3x3 tensor of energies", "required", "exchange per bond"),
    ) + _BONDS, applies="lattice", repeated=True),
    Table("system.dmi", "-D_ij . (S_i x S_j) per bond.", (
        Key("D", "energy", "required", "|D_ij|"),
        Key("kind", "string", '`"interfacial"`',
            "D_ij = D normal x r_ij (interfacial), D r_ij (bulk), D vector on the listed bond (vector)", DMI_KINDS),
        Key("vector", "3-vector", "required for `vector`", "DMI direction of the listed bond"),
        Key("normal", "3-vector", "`[0, 0, 1]`", "interface normal (`interfacial`)"),
    ) + _BONDS, applies="lattice", repeated=True),
    Table("system.anisotropy", "-K (S . axis)^2 per site.", (
        Key("K", "energy", "required", "anisotropy constant (K > 0 easy axis)"),
        Key("axis", "3-vector", "`[0, 0, 1]`", "axis"),
        Key("sublattice", "name or list of names", "all", "sublattices it applies to"),
    ), applies="lattice", repeated=True),
    Table("system.zeeman", "Uniform field B + B1 f(t) (several tables add up).", (
        Key("B", "field 3-vector (T)", "required", "static field"),
        Key("B1", "field 3-vector (T)", "required unless static", "amplitude of the time-dependent part"),
    ) + _PROTOCOL_KEYS, applies="lattice", repeated=True),
    Table("system.damping", "On-site Gilbert damping (macrospin and lattice).", (
        Key("alpha", "number, 3x3 tensor, or `{A = 0.01, B = 0.02}`", "required", "dimensionless damping"),
    )),
    Table("system.inertia", "On-site inertia eta 1 + [xi x] (macrospin and lattice).", (
        Key("eta", "time, 3x3 tensor of times, or per-sublattice table", "0", "inertial time"),
        Key("xi", "axial 3-vector of times, or per-sublattice table", "0", "chiral on-site inertia"),
    )),
    Table("system.pair_inertia", "Non-local inertia I_ij = eta 1 + [xi x] (+ tensor) per bond.", (
        Key("eta", "time", "0", "isotropic part"),
        Key("xi", "3-vector of times", "none", "chiral part (odd under bond reversal)"),
        Key("tensor", "3x3 tensor of times", "none", "general part"),
    ) + _BONDS, applies="lattice", repeated=True),
    Table("system.pair_damping", "Non-local Gilbert damping per bond.", (
        Key("G", "number or 3x3", "required", "dimensionless damping tensor of the bond"),
    ) + _BONDS, applies="lattice", repeated=True),
    Table("system.spin_transfer", "Spin-transfer torque -(u.grad) m + beta m x (u.grad) m (Zhang and Li 2004; "
          "Thiaville et al. 2005); either `u` (and `beta`) or `b_J`, `c_J` with `j` (Xu et al. 2023, Eq. 31: "
          "u = -b_J j, beta u = -c_J j). Several tables add up; not seen by the energy or the spin-wave solver.", (
        Key("u", "3-vector of velocities (`\"100 m/s\"` or numbers in m/s)", "one of `u`, `j`",
            "spin-drift velocity (along the electron flow)"),
        Key("beta", "number", "0", "non-adiabaticity (with `u`)"),
        Key("j", "3-vector, SI current density", "one of `u`, `j`",
            "charge current density (A/m^2 in 3D, A/m for a sheet, A for a wire), with `b_J`, `c_J`"),
        Key("b_J", "number, SI (m^3/C for A/m^2)", "0", "adiabatic coefficient (with `j`)"),
        Key("c_J", "number, SI", "0", "non-adiabatic coefficient (with `j`)"),
        Key("scale", "number", "1", "multiplies the current (-1 reverses it)"),
        Key("stencil", "string", '`"bonds"`',
            "finite-difference neighbours: the nearest-neighbour shell, or the same sublattice in the "
            "neighbouring cells (antiferro- and ferrimagnets)", ("bonds", "cells")),
    ), applies="lattice", repeated=True),
    # --- model, initial, run ---------------------------------------------------------------------------
    Table("model", "Equation of motion (damping and inertia come from `[system]`).", (
        Key("type", "string", "required",
            "LLG; inertial LLG (Webb et al. 2026, Eq. 1); memory-kernel LLG (Webb et al. 2026, Eq. 10)", MODEL_TYPES),
        Key("convention", "string", '`"magnetization"`',
            "sign of the damping/inertia tensors: as in the equation for m, or for the spin s = -m (Xu et al. 2023, "
            "Eq. 21; docs/theory.md)", CONVENTIONS),
        Key("temperature", "temperature (K)", "0", "`llg`/`illg`: > 0 adds the Langevin field (integrator `heun`)"),
        Key("seed", "integer 0 <= seed < 2^64", "0", "random seed of the thermal noise"),
        Key("kernel", "table `[model.kernel]`", "required for `kernel`", "memory kernel"),
        Key("longitudinal", "table `[model.longitudinal]`", "off", "`kernel`: longitudinal relaxation of |m|"),
    )),
    Table("model.kernel", "Optical-phonon kernel chi(t) = 2 Z V0^2 sin(Omega0 t) exp(-Z Gamma t) (Webb et al. 2026, "
          "Eq. 10); exactly one of `Gamma` / `lifetime`.", (
        Key("type", "string", '`"phonon"`', "kernel family", KERNEL_TYPES),
        Key("Omega0", "angular frequency > 0", "required", "optical-phonon frequency"),
        Key("Z", "number, 0 < Z <= 1", "required", "quasiparticle residue"),
        Key("Gamma", "angular frequency > 0", "one of `Gamma`, `lifetime`", "broadening (lifetime 1/(Z Gamma))"),
        Key("lifetime", "time > 0", "one of `Gamma`, `lifetime`", "1/(Z Gamma)"),
        Key("V0_sq", "(rad/s)^2 >= 0, or `\"0.01 (rad/ps)^2\"`", "required", "magnon-phonon coupling squared"),
        Key("sign", "string", '`"passive"`', "s = +1 (derived, dissipative) or s = -1 (Eq. 10 as printed)",
            KERNEL_SIGNS),
        Key("history", "string", '`"none"`', "no memory before t = 0, or the spins held fixed for t < 0", HISTORIES),
    )),
    Table("model.longitudinal", "d|m|^2/dt = -(|m|^2 - m_eq^2)/tau (integrator `rk4` or `dp45`).", (
        Key("tau", "time > 0", "required", "relaxation time"),
        Key("m_eq", "number, 0 < m_eq <= 1", "required", "equilibrium length"),
    )),
    Table("initial(macrospin)", "Initial state of a macrospin: `m`, or `theta` (and `phi`).", (
        Key("m", "3-vector, |m| = 1", "one of `m`, `theta`", "initial direction"),
        Key("theta", "angle", "one of `m`, `theta`", "polar angle from +z"),
        Key("phi", "angle", "0", "azimuth from +x"),
        Key("dmdt", "angular-frequency 3-vector, perpendicular to m", "`[0, 0, 0]`", "initial velocity (`illg`)"),
    ), applies="macrospin"),
    Table("initial(lattice)", "Initial spins of a lattice.", (
        Key("state", "string", '`"uniform"`', "kind of initial texture", STATES),
        Key("direction", "3-vector", "`[0, 0, 1]`", "`uniform` direction"),
        Key("seed", "integer >= 0", "0", "`random`: seed of the directions"),
        Key("radius", "length > 0", "a quarter of the system", "`skyrmion` radius"),
        Key("center", "3-vector of lengths", "the centre of the system", "`skyrmion` centre"),
        Key("kind", "string", '`"neel"`', "`skyrmion` kind", ("neel", "bloch")),
        Key("polarity", "-1 or +1", "-1", "`skyrmion` core direction (-1: down)"),
        Key("path", "file name", "required for `ovf`", "OVF 2.0 file (relative to the scenario)"),
    ), applies="lattice"),
    Table("run", "Integration settings.", (
        Key("t_end", "time > 0, >= `dt`", "required", "end time (from t = 0)"),
        Key("dt", "time > 0", "required",
            "step (fixed-step integrators) or first step guess (`dp45`); checked against the fastest mode"),
        Key("integrator", "string", '`"rk4"` (macrospin), `"heun"` (lattice)',
            "classical RK4; geometric RK-Munthe-Kaas (|m| = 1 to round-off); geometric Heun (the Stratonovich "
            "scheme, required at temperature > 0; fused with site-local lattice models); adaptive Dormand-Prince",
            INTEGRATORS),
        Key("output_every", "time", "the multiple of `dt` nearest t_end/1000", "spacing of saved samples"),
        Key("rtol", "number > 0", "1e-9", "relative tolerance (`dp45`)"),
        Key("atol", "number > 0", "1e-12", "absolute tolerance (`dp45`, reduced units)"),
        Key("checkpoint_interval", "time (wall clock) >= 0", '`"30 s"`',
            "wall-clock time between checkpoints of `spinertia run`"),
    )),
    # --- electrons of a coupled run ----------------------------------------------------------------------------
    Table("electrons(coupled)", "Electrons on the sites of the lattice `[system]` (open along the first lattice "
          "vector, where the leads attach), pumped by the gates; their spin density exerts the s-d torque on the "
          "spins at every Runge-Kutta stage (Xu et al. 2023, Eqs. 33, 39; which density: docs/coupled.md). "
          "Energies are numbers in units of the hopping t or strings (`\"1.9 meV\"`). Needs a lattice and a "
          "fixed-step integrator (`rk4` as in Xu et al. 2023, `rkmk4`, `heun`) at zero temperature.", (
        Key("hopping_eV", "number > 0 (eV)", "1", "the hopping t in eV: energy unit t, electron time unit hbar/t"),
        Key("hopping", "number (t)", "1", "nearest-neighbour hopping, H_ij = -hopping"),
        Key("onsite", "energy", "0", "on-site energy"),
        Key("exchange", "energy", "required", "s-d exchange J sigma . m_i"),
        Key("rashba", "energy", "0", "Rashba spin-orbit lambda_R"),
        Key("orbitals", "integer >= 1", "1", "orbitals per site"),
        Key("fermi_level", "energy", "required", "E_F (zero temperature)"),
        Key("broadening", "energy >= 0", "0", "eta of G = (E_F + i eta - H - Sigma)^-1 (docs/coupled.md)"),
        Key("terms", "list of strings", '`["surface"]`',
            "spin-density terms: the Fermi-surface pumped density, the Fermi-sea first-order term, the frozen "
            "equilibrium density (docs/coupled.md)", ("surface", "sea", "equilibrium")),
        Key("maps_every", "integer >= 0", "0 (first and last output only)",
            "store spin-density and torque maps every n-th output"),
        Key("leads", "table `[electrons.leads]`", "semi-infinite normal leads", "leads on the first and last column"),
        Key("gates", "tables `[[electrons.gates]]`", "required", "gate potentials (the pump)"),
    ), applies="coupled"),
    Table("electrons.leads(coupled)", "The two leads, on the first and last column (transport along the first "
          "lattice vector).", (
        Key("type", "string", '`"semi_infinite"`', "semi-infinite strips of the system's lattice, or a "
            "wide-band self-energy -i Gamma/2 on the first and last column", ("semi_infinite", "wide_band")),
        Key("exchange", "energy", "0", "`semi_infinite`: ferromagnetic lead J sigma . direction"),
        Key("direction", "3-vector", "`[0, 0, 1]`", "`semi_infinite`: lead magnetization"),
        Key("gamma", "energy > 0", "required for `wide_band`", "`wide_band`: Gamma"),
    ), applies="coupled"),
    Table("electrons.gates(coupled)", "One gate potential V_g(t) on a set of sites (Xu et al. 2023, Sec. V: "
          "V cos(w t) on column l1 and V cos(w t + phi) on column l2).", (
        Key("columns", "list of integers", "one of `columns`, `sites`",
            "indices along the first lattice vector (0-based)"),
        Key("sites", "list of integers", "one of `columns`, `sites`", "flat site indices"),
        Key("protocol", "string", '`"cos"`', "V = amplitude cos(omega t + phase), amplitude sin(...), or value",
            ("cos", "sin", "static")),
        Key("amplitude", "energy", "required for `cos`, `sin`", "amplitude V"),
        Key("omega", "number (t/hbar) or angular frequency", "required for `cos`, `sin`", "pump frequency w_p"),
        Key("phase", "angle (rad)", "0", "phase"),
        Key("value", "energy", "required for `static`", "constant potential"),
    ), applies="coupled", repeated=True),
    # --- bands ---------------------------------------------------------------------------------------------
    Table("bands", "`spinertia bands`: k-points of the spin-wave bands of the `[system]`.", (
        Key("path", "list of named points `[[\"G\", [0, 0]], ...]`", "one of `path`, `kpoints`",
            "straight segments between the points"),
        Key("kpoints", "list of k-vectors `[[k1, k2], ...]`", "one of `path`, `kpoints`", "explicit k-points"),
        Key("units", "string", '`"reciprocal"`',
            "fractions of the reciprocal vectors; cartesian rad/m; cartesian in units of (pi/a, pi/b, pi/a)", K_UNITS),
        Key("n", "integer >= 1", "100", "points per path segment"),
        Key("sigma", "1, -1 or \"both\"", "1", "handedness sign of the circular basis"),
    ), applies="bands"),
)

BY_PATH = {t.path: t for t in TABLES}


def keys(path):
    """Allowed key names of the table at ``path`` (e.g. ``"run"``, ``"system.zeeman(macrospin)"``)."""
    return BY_PATH[path].names()


def render_markdown():
    """The scenario reference (docs/scenario_reference.md)."""
    out = ["# Scenario reference", "",
           "Generated from `spinertia.io.schema` (the schema the readers validate with): "
           "`python -m spinertia.io.schema > docs/scenario_reference.md`. Narrative and examples: "
           "`docs/scenario.md`.", "",
           "Every dimensional value is a number in SI units or a string with its unit (`\"10 fs\"`, `\"0.5 T\"`, "
           "`\"10 meV\"`, `\"2 muB\"`, `\"5 THz\"` (cyclic), `\"45 deg\"`). Unknown keys are errors that name the key "
           "and suggest the closest allowed one.", ""]
    for t in TABLES:
        title = "top level" if t.path == "" else (f"[[{t.path.split('(')[0]}]]" if t.repeated
                                                else f"[{t.path.split('(')[0]}]")
        qualifier = {"macrospin": " (macrospin)", "lattice": " (lattice)", "bands": " (band files)",
                     "coupled": " (coupled run)"}.get(t.applies, "")
        if t.path == "system(preset)":
            qualifier = " (preset)"
        out += [f"## `{title}`{qualifier}", "", t.doc, "", "| key | accepts | default | meaning |",
                "| --- | --- | --- | --- |"]
        for k in t.keys:
            acc = k.kind + (": " + ", ".join(f"`\"{c}\"`" for c in k.choices) if k.choices else "")
            out.append(f"| `{k.name}` | {acc} | {k.default} | {k.doc} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown(), end="")
