"""The coupled driver (spinertia.coupled.driver): the plain lattice LLG at J = 0, the s-d field, fourth-order
time-step convergence, checkpoint/resume and the result file."""
import numpy as np
import pytest

from spinertia.coupled import ElectronCoupling, PumpingSolver, run_coupled
from spinertia.dynamics.models import LLG
from spinertia.dynamics.simulate import simulate
from spinertia.electrons import ElectronUnits, SemiInfiniteLead, TightBinding
from spinertia.errors import InputError
from spinertia.lattice import textures as tx
from spinertia.lattice.geometry import square
from spinertia.lattice.system import System
from spinertia.units import E_CHARGE, GAMMA_ELECTRON, HBAR, ReducedUnits

A = 0.5e-9
J_EX = 1e-3 * E_CHARGE
TU = HBAR / J_EX  # hbar / J_ex = hbar / t for t = 1 meV


def spin_model(L, W):
    s = System(square(A), (L, W), periodic=False, mu=GAMMA_ELECTRON * HBAR)
    s.add_exchange(J_EX, shell=1)
    s.add_dmi(0.2 * J_EX, shell=1, kind="bulk")
    s.add_anisotropy(0.07 * J_EX, axis=(0, 0, 1))
    s.set_damping(0.4)
    return LLG(s.finalized(ReducedUnits(TU)))


def coupling(model, m0, J=2.0, L=8, W=6, broadening=0.2, V=0.8, phi=np.pi / 2):
    tb = TightBinding(square(A), (L, W)).add_onsite(4.0)
    tb.set_exchange(J, m0)
    col = np.arange(L * W) % L
    tb.add_gate(col == 0, ("cos", V, 1.0, 0.0))
    tb.add_gate(col == 2, ("cos", V, 1.0, phi))
    f = tb.finalized()
    for side in ("left", "right"):
        f.attach_lead(SemiInfiniteLead.from_system(f, side), side=side)
    return ElectronCoupling(PumpingSolver(f, 2.5, broadening=broadening), model.system, ElectronUnits(1e-3))


@pytest.fixture(scope="module")
def case():
    model = spin_model(8, 6)
    m0 = tx.skyrmion(model.system, None, 2 * A, polarity=-1, helicity=np.pi / 2, wall_width=2 * A)
    return model, m0


def test_J_zero_equals_plain_lattice_llg(case):
    model, m0 = case
    y0 = model.initial_state(m0)
    c = coupling(model, m0, J=0.0)
    res = run_coupled(model, y0, c, 4 * TU, 0.05 * TU, 0.5 * TU)
    ref = simulate(model, y0, 4 * TU, 0.05 * TU, method="rk4", output_every=0.5 * TU)
    assert np.allclose(res.trajectory.t, ref.t, rtol=1e-13, atol=0)
    assert np.abs(res.trajectory.Y - ref.Y).max() < 1e-13
    assert np.all(res.records["torque_max"] == 0)
    assert c.calls == 4 * 80  # one electron solve per Runge-Kutta stage, outputs reuse the first stage


def test_field_is_the_s_d_exchange_field(case):
    """B_i = -(2 J_i / mu_i) s_i: dm/dt = (2 J / hbar S) m x s (docs/coupled.md; sign of docs/electrons.md C8)."""
    model, m0 = case
    c = coupling(model, m0)
    rec = c.evaluate(0.3 * TU, m0)
    J_joule = 2.0 * ElectronUnits(1e-3).energy_J
    assert np.allclose(rec["B"], -2 * J_joule / (GAMMA_ELECTRON * HBAR) * rec["s"], rtol=1e-14)
    out = c(0.3 * TU, m0)
    assert np.array_equal(out["field"], rec["B"])
    assert np.allclose(rec["s"], c.solver.solve(0.3, m0).s)


@pytest.mark.filterwarnings("ignore:dt = .* resolves the fastest mode")
def test_time_step_convergence_is_fourth_order(case):
    model, m0 = case
    y0 = model.initial_state(m0)
    T = 2 * np.pi
    end = {}
    for n in (32, 64, 128):
        c = coupling(model, m0)
        res = run_coupled(model, y0, c, T * TU, T / n * TU, T / 8 * TU)
        end[n] = (res.trajectory.Y[-1], res.records["current"][:, 1])
    e1 = np.abs(end[32][0] - end[64][0]).max()
    e2 = np.abs(end[64][0] - end[128][0]).max()
    assert e2 < 1e-6
    assert 12 < e1 / e2 < 20  # 2^4 = 16
    assert np.abs(end[64][1] - end[128][1]).max() < 1e-5 * np.abs(end[128][1]).max()


def test_checkpoint_resume_and_result_file(case, tmp_path):
    import xarray as xr

    model, m0 = case
    y0 = model.initial_state(m0)
    kw = dict(t_end=3 * TU, dt=0.1 * TU, output_every=0.5 * TU)
    full = run_coupled(model, y0, coupling(model, m0), **kw, maps_every=2)
    ck, nc = tmp_path / "ck.npz", tmp_path / "r.nc"
    c = coupling(model, m0)
    calls = {"n": 0}
    inner = c.evaluate

    def failing(t, spins):
        calls["n"] += 1
        if calls["n"] > 50:
            raise RuntimeError("stop here")
        return inner(t, spins)

    c.evaluate = failing
    with pytest.raises(Exception) as err:
        run_coupled(model, y0, c, **kw, checkpoint=ck, result_path=nc, write_interval=0.0, maps_every=2)
    partial = err.value.partial
    assert 0 < len(partial.trajectory.t) < len(full.trajectory.t)
    ds = xr.load_dataset(nc)  # written while running
    assert "el_current" in ds and ds.sizes["time"] == len(partial.trajectory.t)
    res = run_coupled(model, y0, coupling(model, m0), **kw, checkpoint=ck, resume=True, result_path=nc,
                      maps_every=2)
    assert res.complete
    assert np.abs(res.trajectory.Y - full.trajectory.Y).max() < 1e-12
    assert np.allclose(res.records["current"], full.records["current"], rtol=1e-12)
    ds = xr.load_dataset(nc)
    assert ds.sizes["time"] == len(full.trajectory.t)
    assert np.allclose(ds["el_current"].values, full.records["current"])
    assert ds["el_s_map"].shape[0] == len(full.maps["index"])
    with pytest.raises(InputError, match="different"):
        run_coupled(model, y0, coupling(model, m0, V=0.5), **kw, checkpoint=ck, resume=True)
    from spinertia.coupled.frames import write_frames

    paths = write_frames(res, tmp_path / "frames", dpi=40)
    assert len(paths) == len(res.maps["index"]) and all(open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n" for p in paths)


def test_bad_input(case):
    model, m0 = case
    c = coupling(model, m0)
    with pytest.raises(InputError, match="terms"):
        ElectronCoupling(c.solver, model.system, ElectronUnits(1e-3), terms=("surface", "bogus"))
    with pytest.raises(InputError, match="sites"):
        ElectronCoupling(c.solver, spin_model(8, 5).system, ElectronUnits(1e-3))
    with pytest.raises(InputError, match="multiple"):
        run_coupled(model, model.initial_state(m0), c, TU, 0.1 * TU, 0.25 * TU)


def test_electrons_table_builds_the_coupling(case):
    from spinertia.io.coupled_scenario import build_coupling

    model, m0 = case
    table = {"hopping_eV": 1e-3, "onsite": 4.0, "exchange": 2.0, "fermi_level": 2.5, "broadening": 0.2,
             "gates": [{"columns": [0], "amplitude": 0.8, "omega": 1.0},
                       {"columns": [2], "amplitude": "0.8 meV", "omega": "1.519267 rad/ps", "phase": np.pi / 2}]}
    c, info = build_coupling(table, model.system, m0)
    ref = coupling(model, m0)
    a, b = c.evaluate(0.7 * TU, m0), ref.evaluate(0.7 * TU, m0)
    assert np.abs(a["B"] - b["B"]).max() < 1e-5 * np.abs(b["B"]).max()  # omega string: 7 digits
    assert info["gates"][1]["n_sites"] == 6
    bad = [({"exchange": 2.0, "fermi_level": 1.9}, "gates"),
           ({**table, "fermi_levle": 1.0}, "did you mean 'fermi_level'"),
           ({**table, "gates": [{"columns": [9], "amplitude": 0.8, "omega": 1.0}]}, "outside"),
           ({**table, "gates": [{"columns": [0], "sites": [1], "amplitude": 0.8, "omega": 1.0}]}, "exactly one"),
           ({**table, "gates": [{"columns": [0], "protocol": "static", "amplitude": 0.8}]}, "static"),
           ({**table, "terms": ["surfase"]}, "did you mean 'surface'"),
           ({**table, "broadening": -0.1}, "broadening"),
           ({k: v for k, v in table.items() if k != "fermi_level"}, "Fermi level")]
    for t, msg in bad:
        with pytest.raises(InputError, match=msg):
            build_coupling(t, model.system, m0)


def test_dense_reference_solver_gives_the_same_run(case):
    from spinertia.coupled.reference import dense_solver

    model, m0 = case
    y0 = model.initial_state(m0)
    c = coupling(model, m0)
    cd = ElectronCoupling(dense_solver(c.solver.fsys, c.solver.E, broadening=c.solver.eta), model.system,
                          ElectronUnits(1e-3))
    a = run_coupled(model, y0, c, 1 * TU, 0.1 * TU, 0.5 * TU)
    b = run_coupled(model, y0, cd, 1 * TU, 0.1 * TU, 0.5 * TU)
    assert np.abs(a.trajectory.Y - b.trajectory.Y).max() < 1e-12
    assert np.allclose(a.records["current"], b.records["current"], rtol=1e-10)


def test_optional_terms_add_up():
    model = spin_model(4, 2)
    m0 = np.random.default_rng(5).normal(size=(8, 3))
    m0 /= np.linalg.norm(m0, axis=1, keepdims=True)
    base = coupling(model, m0, L=4, W=2)
    c = ElectronCoupling(base.solver, model.system, ElectronUnits(1e-3), terms=("surface", "sea", "equilibrium"))
    rec = c.evaluate(0.4 * TU, m0)
    p = rec["parts"]
    assert np.allclose(rec["s"], p["surface"] + p["sea"] + p["equilibrium"], rtol=0, atol=1e-14)
    assert np.abs(p["sea"]).max() > 0 and np.abs(p["equilibrium"]).max() > 0
    assert np.allclose(rec["B"], c.scale[:, None] * rec["s"])


def _coupled_scenario_text(extra_run="", extra_electrons="", system_extra=""):
    return f"""
[units]
time = {TU!r}
[system]
lattice = "square"
a = {A!r}
size = [8, 6]
periodic = false
mu = {GAMMA_ELECTRON * HBAR!r}
{system_extra}
[[system.exchange]]
J = "1 meV"
shell = 1
[[system.dmi]]
D = "0.2 meV"
shell = 1
kind = "bulk"
[[system.anisotropy]]
K = "0.07 meV"
[system.damping]
alpha = 0.4
[model]
type = "llg"
[initial]
state = "skyrmion"
radius = "1 nm"
kind = "bloch"
[electrons]
hopping_eV = 1e-3
onsite = 4.0
exchange = 2.0
fermi_level = 2.5
broadening = 0.2
{extra_electrons}
[[electrons.gates]]
columns = [0]
amplitude = 0.8
omega = 1.0
[[electrons.gates]]
columns = [2]
amplitude = 0.8
omega = 1.0
phase = 1.5707963267948966
[run]
t_end = {2 * TU!r}
dt = {0.05 * TU!r}
output_every = {0.5 * TU!r}
integrator = "rk4"
{extra_run}
"""


def test_spinertia_run_with_an_electrons_table(tmp_path):
    """`spinertia run` of a scenario with [electrons] = the Python coupled driver on the same scenario (to
    round-off), with the pumped currents in result.nc and the pumped charge in summary.json."""
    import json

    import xarray as xr

    from spinertia.cli.main import main
    from spinertia.io.scenario import load_scenario

    path = tmp_path / "pump.toml"
    path.write_text(_coupled_scenario_text())
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    sc = load_scenario(path)
    assert sc.is_coupled and sc.coupling_info["gates"][1]["phase"] == pytest.approx(np.pi / 2)
    ref = sc.run_coupled()
    with xr.open_dataset(tmp_path / "out" / "result.nc", engine="h5netcdf") as ds:
        assert ds.attrs["coupled_status"] == "complete"
        # same equations, same objects; agreement to round-off (BLAS summation order may differ between runs)
        d = np.abs(ds["el_current"].values - ref.records["current"]).max() / np.abs(ref.records["current"]).max()
        assert d < 1e-12
        assert np.abs(ds["state"].values - ref.trajectory.Y).max() < 1e-12
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    t, cur = ref.records["time_s"], ref.records["current"]
    expected = np.sum(0.5 * (cur[1:] + cur[:-1]) * np.diff(t)[:, None], axis=0)  # trapezoid, independent of the CLI
    assert np.allclose(summary["pumped_particles_per_lead"], expected, rtol=1e-10, atol=0)
    assert summary["electron_solves"] == 4 * 40 and summary["state_file"] == "final.ovf"


@pytest.mark.parametrize("change, message", [
    ({"extra_run": ""}, None),
    ({"extra_electrons": "fermi_levl = 1.0"}, "did you mean 'fermi_level'"),
    ({"extra_run": "rtol = 1e-9"}, None),
])
def test_electrons_table_keys_are_checked(tmp_path, change, message):
    from spinertia.io.scenario import load_scenario

    path = tmp_path / "pump.toml"
    path.write_text(_coupled_scenario_text(**change))
    if message is None:
        assert load_scenario(path).is_coupled
    else:
        with pytest.raises(InputError, match=message):
            load_scenario(path)


def test_electrons_table_refuses_runs_it_cannot_couple(tmp_path):
    from spinertia.cli.main import main
    from spinertia.io.scenario import load_scenario

    path = tmp_path / "pump.toml"
    text = _coupled_scenario_text().replace('integrator = "rk4"', 'integrator = "dp45"')
    path.write_text(text)
    with pytest.raises(InputError, match="fixed-step integrator"):
        load_scenario(path)
    path.write_text(_coupled_scenario_text().replace('type = "llg"', 'type = "llg"\ntemperature = "10 K"')
                    .replace('integrator = "rk4"', 'integrator = "heun"'))
    with pytest.raises(InputError, match="zero temperature"):
        load_scenario(path)
    macrospin = """
[system]
[system.damping]
alpha = 0.1
[model]
type = "llg"
[initial]
theta = 0.3
[electrons]
exchange = 1.0
fermi_level = 0.5
[run]
t_end = "1 ps"
dt = "1 fs"
"""
    path.write_text(macrospin)
    with pytest.raises(InputError, match="lattice"):
        load_scenario(path)
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
