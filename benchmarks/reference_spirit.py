"""Spirit (spirit-code.github.io, PyPI ``spirit`` 2.2.0) as a reference for the lattice benchmark model.

Install: ``pip install spirit`` (2.2.0 manylinux wheel; built with OpenMP, threads and CUDA OFF, double
precision).  See benchmarks/REFERENCES.md for what is measured and the convention mapping.

The model (benchmarks/reference_numpy.py) is written into a Spirit input file (all parameters there are
parsed in double precision; the Python API setters ``hamiltonian.set_*``, ``parameters.llg.set_timestep``
and ``set_damping`` pass C ``float`` and would round dt = 0.001 ps and alpha = 0.1 to single precision):

    bravais_vectors 1 0 0 / 0 1 0 / 0 0 1, lattice_constant 1 (Angstrom), n_basis_cells n n 1,
    mu_s 2, boundary_conditions 1 1 0, hamiltonian heisenberg_neighbours,
    n_shells_exchange 1, jij 10 (meV per unique pair), n_shells_dmi 1, dij 2, dm_chirality -2,
    anisotropy_magnitude 0.5 (meV), anisotropy_normal 0 0 1,
    external_field_magnitude 1 (T), external_field_normal 0 0 1, ddi_method none,
    llg_damping 0.1, llg_dt 0.001 (ps), llg_temperature 0.

Spirit's Heisenberg energy is  E = -sum_<ij> J S_i.S_j - sum_<ij> D d_ij.(S_i x S_j) - K sum (n.S_i)^2
- mu_s mu_B B sum n_B.S_i  (unique pairs, meV), with, for dm_chirality = 2 ("Neel"),
d_ij = r_hat_ij x z_hat.  Our convention D_ij = D (z_hat x r_hat_ij) = -D (r_hat_ij x z_hat) is therefore
dm_chirality = -2 ("inverse Neel") with dij = +D (equivalently chirality 2 with dij = -D); verified to
round-off by ``cross_check``.

Site ordering: Spirit's spin index is i = ix + n*iy (x fastest; one atom per cell), the same as
``reference_numpy.to_flat``; ``geometry.get_positions`` confirms it (positions in Angstrom).

Units: Spirit energies are meV (converted here with 1 meV = 1.602176634e-22 J); Spirit's effective
field array is the *force* -dE/dS in meV, projected onto the tangent plane of each spin (Spirit does
not expose the parallel part); it is converted to tesla with Spirit's own constants,
B = F / (mu_s * mu_B_spirit), mu_B_spirit = 0.057883817555 meV/T (8.7e-9 below CODATA 2018), which is
what Spirit's LLG uses (Spirit's gamma = 0.1760859644 rad/(ps T)).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_numpy as rn  # noqa: E402

#: Spirit solver ids (spirit.simulation.SOLVER_*): name -> (id, field evaluations per step, order)
SOLVERS = {
    "sib": (1, 2, 2),  # semi-implicit midpoint (Mentink et al. 2010), Cayley transform, norm-preserving
    "depondt": (2, 2, 2),  # Heun with rotations (Depondt & Mertens 2009), norm-preserving
    "heun": (3, 2, 2),  # Heun predictor-corrector, predictor and result renormalised
    "rk4": (4, 4, 4),  # classical RK4 with renormalised stage points and result
}
DM_CHIRALITY = -2  # Spirit "inverse Neel": d_ij = z_hat x r_hat_ij, our convention

_TAG = "bench"


def spirit_available() -> bool:
    try:
        import spirit.state  # noqa: F401
        import spirit.simulation  # noqa: F401
    except Exception:  # ImportError or a broken shared library
        return False
    return True


def spirit_version() -> str:
    from spirit import version

    return f"{version.version_full} openmp={version.openmp} threads={version.threads} cuda={version.cuda}"


def spirit_constants():
    """Spirit's own constants: mu_B [meV/T], gamma [rad/(ps T)]."""
    from spirit import constants

    return {"mu_B_meV": constants.mu_B, "gamma_per_ps": constants.gamma}


def spirit_model(model: rn.Model = rn.MODEL) -> rn.Model:
    """The numpy model with Spirit's mu_B and gamma (for round-off-level comparisons)."""
    c = spirit_constants()
    return model.with_(mu_B_meV=c["mu_B_meV"], gamma=c["gamma_per_ps"] * 1e12)


def spirit_config(n, model: rn.Model = rn.MODEL, chirality=DM_CHIRALITY) -> str:
    """Spirit input file text for the benchmark model on an n x n periodic square lattice."""
    return f"""### spinertia benchmark model (benchmarks/reference_spirit.py)
log_to_console 0
log_console_level 0
log_to_file 0
log_file_level 0
log_input_save_initial 0
log_input_save_final 0
output_file_tag {_TAG}

bravais_vectors
1.0 0.0 0.0
0.0 1.0 0.0
0.0 0.0 1.0
lattice_constant 1.0
n_basis_cells {n} {n} 1
mu_s {model.mu_s!r}

hamiltonian heisenberg_neighbours
boundary_conditions 1 1 0
external_field_magnitude {model.B!r}
external_field_normal 0.0 0.0 1.0
anisotropy_magnitude {model.K!r}
anisotropy_normal 0.0 0.0 1.0
ddi_method none
n_shells_exchange 1
jij {model.J!r}
n_shells_dmi 1
dij {model.D!r}
dm_chirality {chirality}

llg_output_any 0
llg_output_initial 0
llg_output_final 0
llg_temperature 0
llg_stt_magnitude 0
llg_damping {model.alpha!r}
llg_dt {model.dt * 1e12:.15g}
llg_force_convergence 1e-30
llg_max_walltime 0:0:0
llg_n_iterations 1000000000
llg_n_iterations_log 1000000000
"""


@contextlib.contextmanager
def _quiet_fds(enabled=True):
    """Silence C-level stdout/stderr (Spirit prints a banner from C++ even in quiet mode)."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved + [devnull]:
            os.close(fd)


class SpiritSystem:
    """A Spirit state holding the benchmark model, living in its own temporary directory.

    Spirit writes files only into ``self.dir`` (input file, and the energy file used by
    ``energy_and_field``); the directory is removed by ``close``.  Use as a context manager.
    """

    def __init__(self, n, model: rn.Model = rn.MODEL, chirality=DM_CHIRALITY, quiet=True):
        from spirit import geometry, state, system

        self.n, self.model, self.chirality, self.quiet = n, model, chirality, quiet
        self.dir = tempfile.mkdtemp(prefix="spirit_ref_")
        cfg = os.path.join(self.dir, "input.cfg")
        with open(cfg, "w") as f:
            f.write(spirit_config(n, model, chirality))
        with _quiet_fds(quiet):
            self.p_state = state.setup(cfg, True)  # quiet=True: only errors, no output files
        if system.get_nos(self.p_state) != n * n:
            raise RuntimeError("Spirit did not build the expected lattice")
        pos = geometry.get_positions(self.p_state)
        ix, iy = np.meshgrid(np.arange(n), np.arange(n), indexing="xy")  # row i = ix + n*iy
        if not np.allclose(pos[:, :2], np.stack([ix.ravel(), iy.ravel()], axis=1)):
            raise RuntimeError("unexpected Spirit site ordering")

    # ------------------------------------------------------------------ state access
    def set_spins(self, spins_flat):
        from spirit import system

        s = np.asarray(spins_flat, dtype=float).reshape(-1, 3)
        view = system.get_spin_directions(self.p_state)  # writes straight into Spirit's state
        view[:] = s / np.linalg.norm(s, axis=1, keepdims=True)

    def get_spins(self):
        from spirit import system

        return np.array(system.get_spin_directions(self.p_state))

    # ------------------------------------------------------------------ energy and field
    def energy_and_field(self, spins_flat):
        """Set the spins; return (energy [J], tangential B_eff [T] (N, 3), contributions [meV] dict).

        Spirit evaluates energy and force when an LLG method is constructed; a single-shot LLG run is
        started (no iteration is performed), its initial energy file (meV, 10 decimals, in double) is
        read from the temporary directory, and the effective-field array copied before stopping.
        """
        from spirit import io, simulation, system
        from spirit.parameters import llg

        self.set_spins(spins_flat)
        out = os.path.join(self.dir, "out")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        p = self.p_state
        llg.set_output_folder(p, out)
        llg.set_output_general(p, any=True, initial=True, final=False)
        llg.set_output_energy(p, step=False, archive=False, spin_resolved=False, divide_by_nos=False,
                              add_readability_lines=False)
        llg.set_output_configuration(p, step=False, archive=False, filetype=io.FILEFORMAT_OVF_BIN8)
        with _quiet_fds(self.quiet):
            simulation.start(p, simulation.METHOD_LLG, SOLVERS["heun"][0], single_shot=True)
            force = np.array(system.get_effective_field(p))  # -dE/dS, tangential, meV
            simulation.stop(p)
        llg.set_output_general(p, any=False, initial=False, final=False)
        with open(os.path.join(out, f"{_TAG}_Image-00_Energy-initial.txt")) as f:
            lines = [ln.split() for ln in f if ln.strip()]
        contrib = {k: float(v) for k, v in zip(lines[0], lines[1])}
        contrib.pop("iteration", None)
        e_meV = contrib["E_tot"]
        mu_B = spirit_constants()["mu_B_meV"]
        return e_meV * rn.MEV, force / (self.model.mu_s * mu_B), contrib

    def energy_float32(self):
        """Spirit's System_Get_Energy (returns C float: ~1e-7 relative only)."""
        from spirit import system

        system.update_data(self.p_state)
        return system.get_energy(self.p_state)

    # ------------------------------------------------------------------ dynamics
    def run(self, solver, n_iterations):
        """Run n_iterations LLG steps (no output, no logging).  Returns (wall, process CPU) seconds."""
        from spirit import simulation
        from spirit.parameters import llg

        llg.set_output_general(self.p_state, any=False, initial=False, final=False)
        with _quiet_fds(self.quiet):
            t0, c0 = time.perf_counter(), time.process_time()
            info = simulation.start(self.p_state, simulation.METHOD_LLG, SOLVERS[solver][0],
                                    n_iterations=int(n_iterations), n_iterations_log=int(n_iterations))
            sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        if info.total_iterations != n_iterations:
            raise RuntimeError(f"Spirit ran {info.total_iterations} of {n_iterations} iterations")
        return sec, cpu

    def close(self):
        from spirit import state

        if getattr(self, "p_state", None) is not None:
            with _quiet_fds(self.quiet):
                state.delete(self.p_state)
            self.p_state = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------------------- API
def spirit_energy_and_field(spins, n, model: rn.Model = rn.MODEL, chirality=DM_CHIRALITY):
    """(energy [J], B_eff [T] (N, 3)) from Spirit for flat spins (N, 3), i = ix + n*iy.

    B_eff is the *tangential* part only (Spirit projects its force onto the tangent planes); compare
    with ``B - (B.S) S`` of a full field.  Energy from Spirit's double-precision value (meV, printed with
    10 decimals).  Conversions use Spirit's mu_B (see module docstring).
    """
    with SpiritSystem(n, model, chirality) as sysm:
        e, b, _ = sysm.energy_and_field(spins)
    return e, b


def spirit_llg_rate(n, n_steps, solver="depondt", model: rn.Model = rn.MODEL, warmup=None, seed=0,
                    short_fraction=0.25, repeats=2):
    """Time Spirit's LLG on the n x n benchmark model.

    Starts from reference_numpy.initial_state(n, seed) (30 degree tilt + noise), runs `warmup` untimed
    steps, then times runs of n_steps and of n_short = short_fraction * n_steps (each run one
    simulation.start call; best of `repeats`).  seconds = best wall time of an n_steps call (includes
    Spirit's per-call setup: method construction with one extra energy/force evaluation, timers);
    seconds_marginal = (T(n_steps) - T(n_short)) / (n_steps - n_short) * n_steps excludes it.
    spin_steps_per_s uses seconds_marginal, spin_steps_per_s_incl_setup uses seconds.
    cores_used = process CPU time / wall time of the best n_steps call (~1: the PyPI wheel is built
    without OpenMP; the C++ loop runs in one worker thread that spirit.spiritlib.wrap_function starts;
    < 1 means the machine was busy).  spin_steps_per_cpu_s is the marginal rate from CPU times (robust
    on a shared machine, like benchmarks/memory_kernel.py).
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {sorted(SOLVERS)}")
    warmup = max(1, n_steps // 10) if warmup is None else warmup
    n_short = max(1, int(round(short_fraction * n_steps)))
    with SpiritSystem(n, model) as sysm:
        sysm.set_spins(rn.to_flat(rn.initial_state(n, seed)))
        sysm.run(solver, warmup)
        longs, shorts = [], []
        for _ in range(repeats):
            longs.append(sysm.run(solver, n_steps))
            shorts.append(sysm.run(solver, n_short))
        final = sysm.get_spins()
    if not np.all(np.isfinite(final)):
        raise RuntimeError("Spirit run diverged")
    (t_long, cpu), (t_short, _) = min(longs), min(shorts)
    cpu_long, cpu_short = min(c for _, c in longs), min(c for _, c in shorts)
    dn = n_steps - n_short
    per_step = (t_long - t_short) / dn if dn > 0 else t_long / n_steps
    per_step_cpu = (cpu_long - cpu_short) / dn if dn > 0 else cpu_long / n_steps
    marginal = per_step * n_steps
    return dict(spin_steps_per_s=n * n / per_step, seconds=t_long, seconds_marginal=marginal,
                setup_seconds=t_long - marginal, cpu_seconds=cpu, cores_used=cpu / t_long,
                spin_steps_per_cpu_s=n * n / per_step_cpu,
                spin_steps_per_s_incl_setup=n * n * n_steps / t_long, n_spins=n * n, n_steps=n_steps,
                solver=solver, dt=model.dt, field_evals_per_step=SOLVERS[solver][1])


# ---------------------------------------------------------------------------------------- checks
def _configs(n):
    rng = np.random.default_rng(7)
    return {
        "uniform +z": rn.uniform(n),
        "uniform tilted": rn.uniform(n, 0.7, 0.3),
        "spiral x (cycloid, q=2pi/n)": rn.spiral_x(n, 1, plane="xz"),
        "spiral x (cycloid, q=-2pi/n)": rn.spiral_x(n, -1, plane="xz"),
        "spiral x (helix, cone)": rn.spiral_x(n, 2, cone=0.3, plane="yz"),
        "random": rn.random_spins(n, 11),
        "tilt + noise": rn.normalize(rn.uniform(n, 0.4) + 0.2 * rng.normal(size=(n, n, 3))),
    }


def cross_check(n=16, steps=50, tol=1e-10):
    """Energies and tangential fields Spirit vs numpy, DMI chirality mapping, and short LLG runs."""
    sm = spirit_model()  # numpy model with Spirit's mu_B and gamma
    res = {"rows": [], "n": n}
    worst_e, worst_b = 0.0, 0.0
    for chir in (DM_CHIRALITY, -DM_CHIRALITY):
        with SpiritSystem(n, rn.MODEL, chir) as sysm:
            for name, s in _configs(n).items():
                e_sp, b_sp, contrib = sysm.energy_and_field(rn.to_flat(s))
                e_np = rn.numpy_energy(s, sm)
                b_np = rn.to_flat(rn.numpy_field(s, sm))
                sf = rn.to_flat(s)
                b_np_t = b_np - np.sum(b_np * sf, axis=1, keepdims=True) * sf
                scale = sum(abs(v) for k, v in rn.energy_terms_meV(s, sm).items() if k != "total") * rn.MEV
                de = abs(e_sp - e_np) / scale  # relative to the sum of |contributions|
                db = np.abs(b_sp - b_np_t).max() / max(np.abs(b_np).max(), 1e-300)
                res["rows"].append((chir, name, e_sp, e_np, de, db))
                if chir == DM_CHIRALITY:
                    worst_e, worst_b = max(worst_e, de), max(worst_b, db)
    res["energy_rel"] = worst_e
    res["field_rel"] = worst_b
    # the other chirality must disagree wherever the DMI energy is non-zero
    res["other_chirality_rel"] = max(r[4] for r in res["rows"] if r[0] != DM_CHIRALITY)
    # dynamics: Spirit heun / rk4 vs numpy heun / rk4(renormalised stages) with the same constants, and
    # every Spirit solver against an accurate numpy solution (rk4, dt/20) at dt and dt/2 -> observed order
    s0 = rn.initial_state(n, 3)
    exact = rn.integrate(s0, steps * 20, "rk4", sm.with_(dt=sm.dt / 20))
    same, err, order = {}, {}, {}
    for solver in SOLVERS:
        e = []
        for k in (1, 2):
            m = rn.MODEL.with_(dt=rn.MODEL.dt / k)
            with SpiritSystem(n, m) as sysm:
                sysm.set_spins(rn.to_flat(s0))
                sysm.run(solver, steps * k)
                s_sp = rn.to_grid(sysm.get_spins(), n)
            e.append(float(np.abs(s_sp - exact).max()))
            if k == 1 and solver in ("heun", "rk4"):
                ref = rn.integrate(s0, steps, "heun", sm) if solver == "heun" else _rk4_stages(s0, steps, sm)
                same[solver] = float(np.abs(s_sp - ref).max())
        err[solver], order[solver] = e[0], float(np.log2(e[0] / e[1]))
    res["dynamics_same_scheme"] = same
    res["dynamics_error"] = err
    res["dynamics_order"] = order
    res["steps"] = steps
    res["ok"] = (worst_e < tol and worst_b < tol and res["other_chirality_rel"] > 1e-3
                 and max(same.values()) < 1e-10 and max(err.values()) < 1e-2
                 and all(order[s] > SOLVERS[s][2] - 0.3 for s in SOLVERS))
    return res


def _rk4_stages(s, steps, model):
    for _ in range(steps):
        s = rn.rk4_step(s, model, renormalize_stages=True)
    return s


def format_cross_check(res):
    lines = [f"Spirit vs numpy on {res['n']}x{res['n']} (numpy with Spirit's mu_B, gamma):"]
    for chir, name, e_sp, e_np, de, db in res["rows"]:
        lines.append(f"  chirality {chir:+d} {name:30s} E_spirit={e_sp:+.12e} J E_numpy={e_np:+.12e} J "
                     f"dE_rel={de:.1e} dB_rel={db:.1e}")
    lines.append(f"  energy rel. diff (chirality {DM_CHIRALITY:+d}) max {res['energy_rel']:.2e}, tangential "
                 f"field max {res['field_rel']:.2e}; chirality {-DM_CHIRALITY:+d} off by up to "
                 f"{res['other_chirality_rel']:.2e}")
    lines.append(f"  LLG {res['steps']} steps of 1 fs, Spirit vs numpy same scheme, max |dS|: " + ", ".join(
        f"{k} {v:.1e}" for k, v in res["dynamics_same_scheme"].items()))
    lines.append("  Spirit solver error vs accurate solution (max |dS|, observed order): " + ", ".join(
        f"{k} {res['dynamics_error'][k]:.1e} ({res['dynamics_order'][k]:.2f})" for k in SOLVERS))
    lines.append(f"  cross-check {'PASSED' if res['ok'] else 'FAILED'}")
    return "\n".join(lines)


if __name__ == "__main__":
    if not spirit_available():
        print("spirit is not installed (pip install spirit): nothing to do")
        sys.exit(0)
    print("Spirit", spirit_version(), spirit_constants())
    res = cross_check(16)
    print(format_cross_check(res))
    for n, steps in ((64, 400), (256, 100)):
        for solver in ("depondt", "heun", "rk4", "sib"):
            r = spirit_llg_rate(n, steps, solver)
            print(f"spirit {solver:8s} n={n:4d}: {r['spin_steps_per_s']:.3e} spin-steps/s marginal, "
                  f"{r['spin_steps_per_s_incl_setup']:.3e} incl. setup ({r['seconds']:.3f} s wall for "
                  f"{steps} steps, setup {r['setup_seconds'] * 1e3:.0f} ms, cores used {r['cores_used']:.2f}; "
                  f"{r['spin_steps_per_cpu_s']:.3e} per cpu-s)")
    sys.exit(0 if res["ok"] else 1)
