"""[system] tables of lattice scenarios -> System (spinertia.io.system_scenario): presets, explicit lattices and
terms, units, one description for spin waves (equal to the spin-wave presets), strict validation."""
import tomllib
from pathlib import Path

import numpy as np
import pytest

from spinertia.errors import InputError
from spinertia.io.system_scenario import PRESET_OVERRIDES, build_system, lattice_constants
from spinertia.lattice import geometry
from spinertia.lattice.system import System, cross_matrix
from spinertia.spinwaves import DEFAULTS, axis_kpoints, r3, r4, run_model, solve
from spinertia.spinwaves.from_system import spinwave_model
from spinertia.lattice.presets import _SHORTCUTS
from spinertia.units import E_CHARGE, GAMMA_ELECTRON, MU_B

ROOT = Path(__file__).resolve().parents[1]
A = 2.87e-10
KRAND = (np.random.default_rng(3).random((40, 2)) * 2 - 1) * np.pi / A
KY, _ = axis_kpoints("y", 41)
K = np.vstack([KRAND, KY])


def same_bands(m1, m2, k=K):
    for s in (1, -1):
        w1, w2 = solve(m1, k, s, vectors=False).omega, solve(m2, k, s, vectors=False).omega
        assert np.abs(w1 - w2).max() <= 1e-12 * np.abs(w2).max()


def explicit_ghosh2025(**extra):
    """Seed-001 checkerboard written out bond by bond (R2 parameters), as a [system] table."""
    t = {
        "lattice": "checkerboard", "a": "2.87 A", "b": "2.87 A", "size": [4, 4],
        "mu": {"A": "1.72 muB", "B": "2.22 muB"},
        "exchange": [{"J": 2e-21, "shell": 1}],
        "dmi": [{"D": 1e-22, "kind": "vector", "vector": [0, 0, 1], "bonds": [["A", "A", [1, 1]], ["B", "B", [1, 1]]]}],
        "anisotropy": [{"K": 1e-23, "axis": [0, 0, 1]}],
        "zeeman": {"B": [0, 0, "1 T"]},
        "damping": {"alpha": 0.01},
        "inertia": {"eta": "100 fs"},
    }
    t.update(extra)
    return t


# ------------------------------------------------------------------------------------ one description
def test_example_ghosh2025_system_equals_spinwave_preset_R3():
    raw = tomllib.loads((ROOT / "examples" / "bands_ghosh2025.toml").read_text())
    sysm = build_system(raw["system"])
    assert isinstance(sysm, System) and sysm.size == (8, 4, 1)
    same_bands(spinwave_model(sysm), r3())


def test_explicit_chiral_cross_inertia_equals_R4():
    """xi_AB / 4 sgn(delta_y) z on the +-b y bonds: two [[system.pair_inertia]] tables with opposite xi."""
    xi_b = "10 fs"  # 40 fs / z
    t = explicit_ghosh2025(pair_inertia=[
        {"xi": [0, 0, xi_b], "bonds": [["A", "B", [0, -1]]]},       # A -> B at (0, +b)
        {"xi": [0, 0, "-10 fs"], "bonds": [["A", "B", [-1, 0]]]},   # A -> B at (0, -b)
    ])
    same_bands(spinwave_model(build_system(t)), r4())


@pytest.mark.parametrize("run,overrides", [("R1", {"mu": "2 muB"}), ("R3", {"eta_AB": "50 fs"}),
                                           ("R5", {"eta": "10 fs"}), ("R4", {"xi_AB": 4e-14})])
def test_preset_with_quantity_overrides_equals_run(run, overrides):
    sysm = build_system({"preset": "ghosh2025_checkerboard", **overrides})
    same_bands(spinwave_model(sysm), run_model(run))


def test_preset_overrides_units_size_periodic():
    t = {"preset": "ghosh2025_checkerboard", "size": [6, 2], "periodic": [True, False], "J": "12.5 meV",
         "mu_A": "1.5 muB", "B": "500 mT", "alpha": 0.02, "gamma": 1.7e11, "a": "3 A", "b": "2.5 A", "z": 4,
         "dmi": "x2", "K": "0.1 meV", "J2": 1e-22, "eta_AA": "80 fs", "xi_AA": 0.0}
    sysm = build_system(t)
    assert sysm.size == (6, 2, 1) and sysm.periodic == (True, False, False)
    ref = run_model("R2", J=12.5e-3 * E_CHARGE, mu_A=1.5 * MU_B, B=0.5, alpha=0.02, gamma=1.7e11, a=3e-10,
                    b=2.5e-10, K=0.1e-3 * E_CHARGE, J2=1e-22, eta_AA=80e-15)
    k = KRAND * np.array([2.87 / 3.0, 2.87 / 2.5])
    same_bands(spinwave_model(sysm), ref, k)
    assert lattice_constants(t) == pytest.approx((3e-10, 2.5e-10, 3e-10))


def test_preset_override_table_covers_the_preset_parameters():
    assert set(PRESET_OVERRIDES) == set(DEFAULTS) | set(_SHORTCUTS)


# ------------------------------------------------------------------------------------------- lattices
@pytest.mark.parametrize("name,extra", [("chain", {}), ("square", {}), ("rectangular", {"b": "4 A"}),
                                        ("triangular", {}), ("simple_cubic", {}), ("checkerboard", {"b": "3 A"})])
def test_named_lattices(name, extra):
    sysm = build_system({"lattice": name, "a": "2.5 A", "mu": "2 muB", **extra,
                         "exchange": [{"J": "5 meV", "shell": 1}]})
    ref = geometry.PRESETS[name](2.5e-10, **({"b": float(extra["b"][0]) * 1e-10} if extra else {}))
    assert np.allclose(sysm.lattice.vectors, ref.vectors) and np.allclose(sysm.lattice.basis, ref.basis)
    assert sysm.size == (1,) * 3
    assert sysm.mu == pytest.approx([2 * MU_B] * sysm.lattice.n_sub)
    assert np.allclose(sysm.exchange.tensors[0], 5e-3 * E_CHARGE * np.eye(3))


def test_lattice_table_with_scale_or_lengths():
    scaled = build_system({"lattice": {"a": "2.87 A", "vectors": [[1, 1], [1, -1]], "basis": [[0, 0], [1, 0]],
                                       "names": ["Co", "Fe"]}, "mu": {"Co": "1.72 muB", "Fe": "2.22 muB"},
                           "size": [2, 3]})
    lengths = build_system({"lattice": {"vectors": [["2.87 A", "2.87 A", 0], ["2.87 A", "-2.87 A", 0]],
                                        "basis": [[0, 0, 0], [2.87e-10, 0, 0]], "names": ["Co", "Fe"]},
                            "mu": {"Co": "1.72 muB", "Fe": "2.22 muB"}, "size": [2, 3]})
    ref = geometry.checkerboard(2.87e-10, names=("Co", "Fe"))
    for s in (scaled, lengths):
        assert np.allclose(s.lattice.vectors, ref.vectors) and np.allclose(s.lattice.basis, ref.basis)
        assert s.lattice.names == ["Co", "Fe"] and s.size == (2, 3, 1)
    assert lattice_constants({"lattice": {"a": "2.87 A", "vectors": [[1, 0]]}}) == pytest.approx((2.87e-10,) * 3)
    with pytest.raises(InputError, match=r"pi/a needs a lattice constant"):
        lattice_constants({"lattice": {"vectors": [[1e-10, 0]]}})


# ---------------------------------------------------------------------------------------------- terms
def test_all_terms_reach_the_system():
    t = {
        "lattice": "checkerboard", "a": "3 A", "size": [4, 4], "periodic": [True, False],
        "mu": {"A": 2e-23, "B": "2 muB"}, "gamma": {"A": 1.7e11, "B": 1.8e11},
        "exchange": [{"J": [[1e-21, 0, 0], [0, 1e-21, 0], [0, 0, 2e-21]], "shell": 1, "between": ["A", "B"]}],
        "dmi": [{"D": "0.5 meV", "shell": 2, "kind": "interfacial", "normal": [0, 0, 1]},
                {"D": 1e-22, "kind": "bulk", "shell": 3}],
        "anisotropy": [{"K": "0.1 meV", "sublattice": "A"}, {"K": -1e-23, "axis": [1, 0, 0], "sublattice": ["A", "B"]}],
        "zeeman": {"B": [0, 0, "0.5 T"], "protocol": "sine", "B1": ["10 mT", 0, 0], "frequency": "10 GHz",
                   "phase": "90 deg"},
        "damping": {"alpha": {"A": 0.01, "B": [[0.02, 0, 0], [0, 0.02, 0], [0, 0, 0.03]]}},
        "inertia": {"eta": {"A": "10 fs", "B": "20 fs"}, "xi": {"A": [0, 0, "1 fs"]}},
        "pair_inertia": [{"eta": "2 fs", "xi": [0, 0, "1 fs"], "shell": 1}],
        "pair_damping": [{"G": 0.001, "bonds": [["A", "B", [0, 0]]]}],
    }
    s = build_system(t)
    assert s.periodic == (True, False, False)
    assert s.mu == pytest.approx([2e-23, 2 * MU_B]) and s.gamma == pytest.approx([1.7e11, 1.8e11])
    assert len(s.exchange.bonds) == 4 + len(s.lattice.shell(2)) + len(s.lattice.shell(3))
    K = 0.1e-3 * E_CHARGE
    assert np.allclose(s.anisotropy[0], np.diag([-1e-23, 0, K]))
    assert np.allclose(s.anisotropy[1], np.diag([-1e-23, 0, 0]))
    assert s.protocol == "sine" and np.allclose(s.B0, [0, 0, 0.5]) and np.allclose(s.B1, [0.01, 0, 0])
    assert s.protocol_params[0] == pytest.approx(2 * np.pi * 1e10) and s.protocol_params[1] == pytest.approx(np.pi / 2)
    assert np.allclose(s.damping[0], 0.01 * np.eye(3)) and s.damping[1][2, 2] == 0.03
    assert np.allclose(s.inertia[0], 10e-15 * np.eye(3) + cross_matrix([0, 0, 1e-15]))
    assert np.allclose(s.inertia[1], 20e-15 * np.eye(3))
    assert np.allclose(s.pair_inertia.tensors[0], 2e-15 * np.eye(3) + cross_matrix([0, 0, 1e-15]))
    assert len(s.pair_damping.bonds) == 1 and np.allclose(s.pair_damping.tensors[0], 0.001 * np.eye(3))


def test_default_gamma_and_single_table_forms():
    s = build_system({"lattice": "square", "a": 3e-10, "mu": 2e-23, "exchange": {"J": 1e-21, "shell": 1},
                      "zeeman": [{"B": [0, 0, 1]}, {"B": [0, 0, "0.5 T"]}]})
    assert s.gamma == pytest.approx([GAMMA_ELECTRON]) and np.allclose(s.B0, [0, 0, 1.5])
    assert len(s.exchange.bonds) == 2


# -------------------------------------------------------------------------------------------- errors
BASE = {"lattice": "square", "a": "3 A", "mu": "2 muB"}


@pytest.mark.parametrize("table,match", [
    ({**BASE, "gamma": 1e300}, r"system.gamma = 1e\+300 rad/\(s T\) is outside the plausible range"),
    ({**BASE, "gamma": {"A": 1.0}}, r"system.gamma.A = 1.0 rad/\(s T\) is outside the plausible range"),
    ({"gamma": 2.0}, r"system.gamma = 2.0 rad/\(s T\) is outside"),
    ({**BASE, "lattise": 1}, r"unknown key 'lattise' in \[system\]; did you mean 'lattice'\? Allowed keys: lattice"),
    ({**BASE, "exchange": [{"J": 1e-21, "shel": 1}]},
     r"unknown key 'shel' in \[system.exchange\[0\]\]; did you mean 'shell'\? Allowed keys: J, shell, bonds, between"),
    ({**BASE, "zeeman": {"B": [0, 0, 1], "Bz": 1}},
     r"unknown key 'Bz' in \[system.zeeman\].*Allowed keys: B, B1, protocol"),
    ({**BASE, "damping": {"gilbert": 0.1}}, r"unknown key 'gilbert' in \[system.damping\] Allowed keys: alpha"),
    ({"lattice": {"vectors": [[1e-10, 0]], "basis": [[0, 0]], "nmes": ["A"]}, "mu": 1e-23},
     r"unknown key 'nmes' in \[system.lattice\]"),
    ({"preset": "ghosh2025_checkerboard", "eta_ab": "50 fs"},
     r"unknown key 'eta_ab' in \[system\]; did you mean 'eta_.*Allowed keys: preset, size, periodic, a, b.*eta_AB"),
    ({"preset": "ghosh2025_checkerboard", "exchange": [{"J": 1, "shell": 1}]}, r"unknown key 'exchange' in \[system\]"),
    ({"preset": "seed001", }, r"system.preset = 'seed001' is not valid.*ghosh2025_checkerboard"),
    ({"preset": "ghosh2025_checkerboard", "dmi": "diagonal"}, r"system.dmi = 'diagonal' is not valid.*x2"),
    ({"preset": "ghosh2025_checkerboard", "J": "2 parsec"}, r"system.J: unknown energy unit 'parsec'"),
    ({"preset": "ghosh2025_checkerboard", "size": [2, 2, 2]}, r"system.size must be 1 to 2 positive integers"),
    ({"a": "3 A", "mu": 1e-23}, r"give either preset = .* or a lattice"),
    ({"lattice": "hexagonal", "a": 1e-10, "mu": 1e-23}, r"system.lattice = 'hexagonal' is not valid"),
    ({**BASE, "b": "4 A"}, r"system.b does not apply to lattice 'square'"),
    ({"lattice": "square", "a": "3 A"}, r"missing required key 'mu'"),
    ({"lattice": "checkerboard", "a": "3 A", "mu": {"A": "2 muB"}}, r"system.mu: no value for sublattice\(s\) \['B'\]"),
    ({"lattice": "checkerboard", "a": "3 A", "mu": {"A": "2 muB", "C": 1e-23}}, r"system.mu: unknown sublattice"),
    ({**BASE, "mu": "2 T"}, r"system.mu: unknown moment unit 'T'"),
    ({**BASE, "size": [2, 2, 2]}, r"system.size must be 1 to 2 positive integers"),
    ({**BASE, "size": [0, 2]}, r"system.size\[0\] must be a positive integer"),
    ({**BASE, "periodic": "yes"}, r"system.periodic must be true/false"),
    ({**BASE, "exchange": [{"J": 1e-21, "bonds": [["A", "C", [1, 0]]]}]},
     r"system.exchange\[0\].bonds\[0\]: unknown sublattice 'C'; this lattice has \['A'\]"),
    ({**BASE, "exchange": [{"J": 1e-21, "bonds": [["A", "A", [1.5, 0]]]}]}, r"cell offset must be 1 to 3 integers"),
    ({**BASE, "exchange": [{"J": 1e-21, "bonds": [["A", "A", [0, 0, 1]]]}]}, r"leaves the 2D lattice"),
    ({**BASE, "exchange": [{"J": 1e-21, "bonds": [["A", "A", [0, 0]]]}]},
     r"system.exchange\[0\]: .*joins a site to itself"),
    ({**BASE, "exchange": [{"J": 1e-21, "shell": 1, "bonds": [["A", "A", [1, 0]]]}]},
     r"give only one of shell or bonds"),
    ({**BASE, "exchange": [{"J": 1e-21}]}, r"system.exchange\[0\]\]: missing key; give one of shell or bonds"),
    ({**BASE, "exchange": [{"shell": 1}]}, r"\[system.exchange\[0\]\]: missing required key 'J'"),
    ({**BASE, "exchange": [{"J": "1 T", "shell": 1}]}, r"system.exchange\[0\].J: unknown energy unit 'T'"),
    ({**BASE, "exchange": [{"J": 1e-21, "bonds": [["A", "A", [1, 0]]], "between": ["A", "A"]}]},
     r"between restricts a neighbour shell"),
    ({**BASE, "dmi": [{"D": 1e-22, "shell": 1, "kind": "vector"}]}, r"kind = 'vector' needs vector"),
    ({**BASE, "dmi": [{"D": 1e-22, "shell": 1, "kind": "bulk", "normal": [0, 0, 1]}]}, r"normal is used only with"),
    ({**BASE, "anisotropy": [{"K": 1e-23, "sublattice": "B"}]},
     r"system.anisotropy\[0\].sublattice: unknown sublattice"),
    ({**BASE, "anisotropy": [{"K": 1e-23, "axis": [0, 0]}]}, r"system.anisotropy\[0\].axis must be a list of 3"),
    ({**BASE, "zeeman": {"B": [0, 0, 1], "t_on": "1 ps"}}, r"t_on is a parameter of protocol 'step'"),
    ({**BASE, "zeeman": {"B": [0, 0, 1], "protocol": "pulse", "B1": [1, 0, 0], "t0": 0}}, r"needs 'width'"),
    ({**BASE, "damping": [{"alpha": 0.1}, {"alpha": 0.2}]}, r"system.damping must be a single table"),
    ({**BASE, "inertia": {}}, r"\[system.inertia\]: give eta"),
    ({**BASE, "inertia": {"eta": {"B": "1 fs"}}}, r"system.inertia.eta: unknown sublattice"),
    ({**BASE, "pair_inertia": [{"shell": 1}]}, r"\[system.pair_inertia\[0\]\]: give eta"),
    ({**BASE, "pair_damping": [{"G": "0.1 fs", "shell": 1}]}, r"system.pair_damping\[0\].G must be a number"),
])
def test_bad_tables_name_the_key(table, match):
    with pytest.raises(InputError, match=match):
        build_system(table)


def test_readers_and_schema_agree():
    """The [system] readers take their keys and choices from io.schema, the source of the reference."""
    from spinertia.io import schema
    from spinertia.io.system_scenario import LATTICES, PRESET_OVERRIDES, SYSTEM_SCHEMA

    assert set(LATTICES) == set(schema.LATTICES)
    assert set(PRESET_OVERRIDES) == set(schema.keys("system(preset)")) - {"preset", "size", "periodic"}
    for path, keys in SYSTEM_SCHEMA.items():
        assert keys == schema.keys(path)

