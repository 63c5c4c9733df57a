"""The coupled simulation: spins driven by the pumped electrons, electrons updated by the moving spins.

:class:`ElectronCoupling` is a coupling hook of the engine's :class:`~spinertia.dynamics.stepper.Stepper`
(any lattice model: LLG, InertialLLG, MemoryKernelLLG, any spin Hamiltonian): at every Runge-Kutta stage it
freezes the electrons at the stage's time and texture, evaluates the spin density s_i of the chosen terms
(docs/coupled.md) with :class:`~spinertia.coupled.solver.PumpingSolver`, and returns the exchange field

    B_i = -(1 / mu_i) <dH_el / dm_i> = -(2 J_i / mu_i) s_i        (tesla; J_i in joule, s_i in hbar),

so that dm_i/dt = -gamma m_i x B_i = (2 J_i / hbar S_i) m_i x s_i -- the s-d torque of Xu et al. 2023,
Eq. 39 for the package's J sigma . m exchange (J s . M there: their J s_D is 2 J s here), with the sign of
docs/electrons.md, C8 (the torque is the gradient of the electron energy, mu_i = hbar S_i gamma_i).  It
works with :func:`spinertia.dynamics.simulate.simulate` directly (``hook=coupling``).

:func:`run_coupled` adds what a long run needs: the electron observables at every output (pumped currents
total / per spin / spin currents, Eq. 40; spin density and torque maps at a coarser cadence), skyrmion
centre (Xu et al. 2023's definition), topological charge and energy, a progress bar, a checkpoint that
:func:`run_coupled` resumes from, and a result file (netCDF, :mod:`spinertia.io.results`) rewritten
atomically while the run goes on, so it can be read at any time.  The electrons at an output are those of
the first Runge-Kutta stage of the next step (same time, same state): recording costs no extra solve.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time as _time
from dataclasses import dataclass, field

import numpy as np

from ..dynamics.models import Model
from ..dynamics.simulate import Trajectory, _save_checkpoint, load_checkpoint, seconds, simulate
from ..electrons.units import ElectronUnits
from ..errors import InputError, RunStopped
from .solver import PumpingSolver

__all__ = ["ElectronCoupling", "run_coupled", "CoupledResult", "TERMS", "frozen_pumping"]

#: spin-density terms the coupling can include (docs/coupled.md)
TERMS = ("surface", "sea", "equilibrium")


def _site_moments(system):
    """mu_i (J/T) and gamma_i (rad/(s T)) per site of a spin System (or its finalized form)."""
    s = getattr(system, "system", system)
    sub = s.sublattice_of_sites()
    return np.asarray(s.mu, dtype=float)[sub], np.asarray(s.gamma, dtype=float)[sub]


class ElectronCoupling:
    """Stepper hook coupling the spins of a lattice model to pumped electrons (module docstring).

    Parameters
    ----------
    solver : PumpingSolver
        Electrons at the Fermi level (system with leads, gates and the exchange J_i per site).
    spin_system : spinertia.lattice.System or FinalizedSystem
        The spins; its sites must be the electrons' sites (same lattice, size and site order).
    units : ElectronUnits
        The hopping t in eV: time unit hbar/t and energy unit t of the electrons.
    terms : sequence of str
        Spin-density terms (docs/coupled.md): ``"surface"`` -- the Fermi-surface pumped density rho^I (the
        part driven by dV/dt at E_F; default); ``"sea"`` -- the Fermi-sea first-order term rho^II (contour,
        ~100 solves per stage: small systems); ``"equilibrium"`` -- the frozen equilibrium density s^(0)
        (contour; adds the static electron-mediated exchange and the gate-modulated part, which the
        scenario's spin Hamiltonian may already contain).
    sea_nodes : int
        Initial contour nodes of the sea term.

    Notes
    -----
    ``coupling(t, spins)`` (t in seconds, spins (n_sites, 3)) returns ``{"field": B}`` in tesla.  The last
    evaluations are kept in :attr:`last`; :meth:`evaluate` returns the full record of one state.
    """

    def __init__(self, solver, spin_system, units, terms=("surface",), sea_nodes=48):
        if not isinstance(solver, PumpingSolver):
            raise InputError(f"solver must be a spinertia.coupled.PumpingSolver, got {type(solver).__name__}")
        if not isinstance(units, ElectronUnits):
            raise InputError("units must be a spinertia.electrons.ElectronUnits (the hopping t in eV)")
        terms = tuple(terms)
        bad = [x for x in terms if x not in TERMS]
        if bad or not terms or len(set(terms)) != len(terms):
            raise InputError(f"terms must be distinct entries of {TERMS}, got {list(terms)}")
        self.solver = solver
        self.units = units
        self.terms = terms
        self.sea_nodes = int(sea_nodes)
        fs = solver.fsys
        sys_ = getattr(spin_system, "system", spin_system)
        if sys_.n_sites != fs.n_sites:
            raise InputError(f"the spin system has {sys_.n_sites} sites, the electrons {fs.n_sites}: build both on "
                             "the same lattice and size")
        pos = sys_.positions()
        if pos.shape != fs.positions.shape or np.abs(pos - fs.positions).max() > 1e-6 * max(
                1e-30, float(np.abs(fs.positions).max())):
            raise InputError("the spin system's sites are not at the electrons' positions: use the same lattice "
                             "(lattice constant included), size and periodicity for both")
        self.mu, self.gamma = _site_moments(sys_)
        J = fs.exchange_J
        self.J = np.zeros(fs.n_sites) if J is None else J
        #: tesla per hbar of spin density: B_i = scale_i * s_i
        self.scale = -2.0 * self.J * units.energy_J / self.mu
        self.calls = 0
        self.solve_seconds = 0.0
        self.last = None
        self._keep = {}
        self._watch = None

    # -- evaluation ------------------------------------------------------------------------------
    def electron_time(self, t_seconds):
        """Electron time (hbar/t) of an engine time in seconds."""
        return float(t_seconds) / self.units.time_s

    def evaluate(self, t_seconds, spins):
        """Full record at one state: dict with the :class:`PumpingResult` ``result``, the spin density
        ``s`` of the chosen terms (n_sites, 3, hbar), its parts, and the field ``B`` (tesla)."""
        m = np.asarray(spins, dtype=float)
        m = m / np.linalg.norm(m, axis=1, keepdims=True)
        tau = self.electron_time(t_seconds)
        w = _time.perf_counter()
        res = self.solver.solve(tau, m)
        parts = {"surface": res.s}
        s = res.s.copy() if "surface" in self.terms else np.zeros_like(res.s)
        if "sea" in self.terms:
            parts["sea"] = self.solver.sea_density(tau, m, n=self.sea_nodes)[0]
            s += parts["sea"]
        if "equilibrium" in self.terms:
            parts["equilibrium"] = self.solver.equilibrium_density(tau, m)[0]
            s += parts["equilibrium"]
        self.solve_seconds += _time.perf_counter() - w
        B = self.scale[:, None] * s
        return {"t": float(t_seconds), "tau": tau, "spins": m, "result": res, "s": s, "parts": parts, "B": B}

    def __call__(self, t_seconds, spins):
        self.calls += 1
        key = float(t_seconds)
        kept = self._keep.get(key)
        if kept is not None and np.array_equal(kept["spins_raw"], spins):
            rec = kept
        else:
            rec = self.evaluate(t_seconds, spins)
            rec["spins_raw"] = np.array(spins, copy=True)
            if self._watch is not None and self._watch(key):
                self._keep[key] = rec
        self.last = rec
        return {"field": rec["B"]}

    def watch(self, predicate):
        """Keep the records of the calls whose time (seconds) satisfies ``predicate`` (output times)."""
        self._watch = predicate
        self._keep = {}

    def take(self, t_seconds, spins):
        """The record at (t, spins): a kept stage-1 evaluation if it matches, else a fresh one (kept for the
        next step's first stage)."""
        key = float(t_seconds)
        rec = self._keep.pop(key, None)
        if rec is not None and np.allclose(rec["spins_raw"], spins, rtol=0, atol=1e-13):
            return rec
        rec = self.evaluate(t_seconds, spins)
        rec["spins_raw"] = np.array(spins, copy=True)
        self._keep[key] = rec  # the next segment starts here: its first stage reuses it
        return rec

    def describe(self):
        return {"terms": list(self.terms), "hopping_eV": self.units.hopping_eV, "solver": self.solver.describe(),
                "J_t": float(np.max(np.abs(self.J))) if len(self.J) else 0.0}


# ---------------------------------------------------------------------------------------------------
# frozen texture
# ---------------------------------------------------------------------------------------------------
def frozen_pumping(solver, texture, times):
    """Pumped quantities along ``times`` (hbar/t) with the texture held fixed (Xu et al. 2023, Fig. 6a).

    Returns a dict of arrays: ``t``, ``current`` (n_t, n_leads), ``current_spin`` (n_t, n_leads, 2),
    ``spin_current`` (n_t, n_leads, 3), ``V`` and ``dVdt`` (n_t, n_gates)."""
    out = {"t": np.asarray(times, dtype=float), "current": [], "current_spin": [], "spin_current": [], "V": [],
           "dVdt": []}
    for t in out["t"]:
        r = solver.solve(t, texture)
        for k in ("current", "current_spin", "spin_current", "V", "dVdt"):
            out[k].append(getattr(r, k))
    for k in ("current", "current_spin", "spin_current", "V", "dVdt"):
        out[k] = np.array(out[k])
    return out


# ---------------------------------------------------------------------------------------------------
# long runs
# ---------------------------------------------------------------------------------------------------
@dataclass
class CoupledResult:
    """A coupled run: the spin trajectory and the electron records at its output times (SI units unless
    stated).

    Attributes
    ----------
    trajectory : spinertia.dynamics.simulate.Trajectory
    records : dict of arrays (first axis: output index)
        ``time_s``; ``V_t``, ``dVdt`` (gates, units t and t^2/hbar); ``current`` (n_leads) particles per
        second into each lead; ``current_spin`` (n_leads, 2); ``spin_current`` (n_leads, 3) (hbar/s);
        ``eq40`` (n_leads) Tr[Gamma_p G dV/dt G^dagger] = 2 pi x particles per hbar/t (Xu et al. 2023,
        Eq. 40 as printed); ``center_m`` (2) skyrmion centre (Xu et al. 2023's definition, metres; nan
        without a core); ``charge`` topological charge (closed by a +z cap on open lattices); ``energy_J``
        spin energy; ``torque_max`` max |m x B| gamma (rad/s); ``s_transverse_mean`` mean |m x s| (hbar).
    maps : dict of arrays
        ``index`` (outputs with maps), ``s`` (n_maps, n_sites, 3) spin density (hbar), ``torque``
        (n_maps, n_sites, 3) electron torque -gamma m x B (rad/s).
    status : str
        complete | interrupted | diverged
    """

    trajectory: Trajectory
    records: dict
    maps: dict
    status: str = "complete"
    info: dict = field(default_factory=dict)

    @property
    def complete(self):
        return self.status == "complete"

    def to_dataset(self, attrs=None):
        """xarray Dataset: the trajectory (:func:`spinertia.io.results.trajectory_to_dataset`) plus the
        electron records and maps."""
        from ..io.results import to_json, trajectory_to_dataset

        ds = trajectory_to_dataset(self.trajectory, attrs=attrs)
        nt = len(self.trajectory.t)
        units = {"V_t": ("t (hopping)", "gate potentials"), "dVdt": ("t^2/hbar", "gate rates"),
                 "current": ("1/s", "pumped particle current into each lead (Brouwer, Xu et al. 2023 Eq. 40)"),
                 "current_spin": ("1/s", "pumped current into each lead per outgoing spin (up, down along z)"),
                 "spin_current": ("hbar/s", "pumped spin current into each lead"),
                 "eq40": ("t^2/hbar", "Tr[Gamma_p G dV/dt G^dagger] at E_F (Xu et al. 2023, Eq. 40 as printed)"),
                 "center_m": ("m", "skyrmion centre, Xu et al. 2023 definition"),
                 "charge": ("1", "topological charge"), "energy_J": ("J", "spin Hamiltonian energy"),
                 "torque_max": ("rad/s", "max |gamma m x B_el|"),
                 "s_transverse_mean": ("hbar", "mean |m x s| of the electron spin density")}
        for k, v in self.records.items():
            if k == "time_s":
                continue
            a = np.asarray(v)[:nt]
            dims = ("time",) + tuple(f"{k}_dim{i}" for i in range(1, a.ndim))
            u, ln = units.get(k, ("1", k))
            ds[f"el_{k}"] = (dims, a, {"units": u, "long_name": ln})
        if self.maps.get("index") is not None and len(self.maps["index"]):
            idx = np.asarray(self.maps["index"])
            ds = ds.assign_coords(map_time=("map_time", np.asarray(self.records["time_s"])[idx], {"units": "s"}))
            ds["el_s_map"] = (("map_time", "site", "component"), np.asarray(self.maps["s"]),
                              {"units": "hbar", "long_name": "electron spin density of the coupling terms"})
            ds["el_torque_map"] = (("map_time", "site", "component"), np.asarray(self.maps["torque"]),
                                   {"units": "rad/s", "long_name": "electron torque -gamma m x B_el"})
        ds.attrs["coupled_status"] = self.status
        ds.attrs["coupled_info"] = to_json(self.info, sort_keys=True)
        return ds

    def write(self, path, attrs=None):
        from ..io.results import write_result

        return write_result(self.to_dataset(attrs), path)


def _spin_observables(model, spins):
    from ..analysis import topology as topo

    fin = model.system
    spins = spins / np.linalg.norm(spins, axis=1, keepdims=True)  # rk4 does not keep |m| = 1 exactly
    try:
        c = topo.skyrmion_center(fin, spins)[:2]
    except InputError:
        c = np.array([np.nan, np.nan])
    open_ = not all(fin.system.periodic[:2])
    try:
        q = topo.topological_charge(fin, spins, cap=(0, 0, 1) if open_ else None)
    except InputError:
        q = float("nan")
    return c, float(q), float(fin.energy(0.0, spins))


def _record(model, coupling, rec, spins):
    res = rec["result"]
    ts = coupling.units.time_s
    m = rec["spins"]
    tq = -coupling.gamma[:, None] * np.cross(m, rec["B"])
    c, q, E = _spin_observables(model, spins)
    return {
        "time_s": rec["t"], "V_t": res.V, "dVdt": res.dVdt, "current": res.current / ts,
        "current_spin": res.current_spin / ts, "spin_current": res.spin_current / ts,
        "eq40": 2 * np.pi * res.current, "center_m": c, "charge": q, "energy_J": E,
        "torque_max": float(np.linalg.norm(tq, axis=1).max()),
        "s_transverse_mean": float(np.linalg.norm(np.cross(m, rec["s"]), axis=1).mean()),
    }, tq


def _signature(model, coupling, method, dt, t0, t_end, out):
    desc = json.dumps({"model": model.describe(), "coupling": coupling.describe(), "method": method, "dt": dt,
                       "t0": t0, "t_end": t_end, "output_every": out}, sort_keys=True, default=str)
    return hashlib.sha256(desc.encode()).hexdigest()


def run_coupled(model, y0, coupling, t_end, dt, output_every, *, method="rk4", t0=0.0, progress=False,
                checkpoint=None, resume=False, result_path=None, maps_every=0, write_interval=30.0,
                segment_seconds=5.0, norm_tol=1e-2, attrs=None):
    """Integrate the spins of ``model`` with the electron coupling from ``t0`` to ``t_end``.

    Parameters
    ----------
    model : Model
        A lattice model (LLG, InertialLLG, MemoryKernelLLG) on the coupling's spin system.
    y0 : array
        Initial state (``model.initial_state(...)``).
    coupling : ElectronCoupling
    t_end, dt, output_every, t0 : float or str
        Seconds or quantity strings.  ``output_every`` must be a multiple of dt.
    method : {"rk4", "rkmk4", "heun"}
        Fixed-step integrator (Xu et al. 2023 use RK4); the electrons are evaluated at every stage.
    progress : bool
        Progress bar (outputs; the postfix shows the skyrmion centre in lattice units and the current
        into the last lead).
    checkpoint : path, optional
        .npz written every ``write_interval`` wall seconds and at the end (states, electron records, maps);
        ``resume=True`` continues from it (same model, coupling and settings).
    result_path : path, optional
        netCDF result (:meth:`CoupledResult.write`) rewritten atomically with the checkpoint: readable while
        the run goes on.
    maps_every : int
        Store spin-density and torque maps every ``maps_every`` outputs (0: only the first and last).
    segment_seconds : float
        Wall time of one :func:`simulate` segment (the granularity of progress, checkpoints and Ctrl-C).

    Returns
    -------
    CoupledResult
        ``status`` "interrupted" after Ctrl-C; a divergence or a failing hook raises (the partial result in
        ``err.partial``), as :func:`simulate` does.
    """
    if not isinstance(model, Model):
        raise InputError(f"run_coupled needs a spinertia model, got {type(model).__name__}")
    if not isinstance(coupling, ElectronCoupling):
        raise InputError("coupling must be an ElectronCoupling")
    if method not in ("rk4", "rkmk4", "heun"):
        raise InputError(f"run_coupled uses a fixed-step integrator (rk4, rkmk4, heun), got {method!r}")
    if model.n_sites != coupling.solver.n_sites:
        raise InputError(f"the model has {model.n_sites} sites, the electrons {coupling.solver.n_sites}")
    u = model.units
    t_end_s, dt_s, t0_s, out_s = (seconds(t_end, "t_end"), seconds(dt, "dt"), seconds(t0, "t0"),
                                  seconds(output_every, "output_every"))
    every = int(round(out_s / dt_s))
    if every < 1 or abs(every * dt_s - out_s) > 1e-6 * dt_s:
        raise InputError(f"output_every = {out_s} s must be a multiple of dt = {dt_s} s")
    n_out = int(math.floor((t_end_s - t0_s) / out_s + 1e-9))
    if n_out < 1:
        raise InputError(f"the time span {t_end_s - t0_s} s is shorter than one output interval {out_s} s")
    t_grid = t0_s + out_s * np.arange(n_out + 1)
    maps_every = int(maps_every)
    sig = _signature(model, coupling, method, u.time(dt_s), u.time(t0_s), u.time(t_end_s), u.time(out_s))
    Y = np.empty((n_out + 1, model.state_size))
    Y[0] = np.asarray(y0, dtype=float)
    recs, maps = [], {"index": [], "s": [], "torque": []}
    done = 0
    if resume:
        if checkpoint is None or not os.path.exists(checkpoint):
            raise InputError(f"cannot resume: no checkpoint file at {checkpoint!r}")
        settings, ck = load_checkpoint(checkpoint)
        if settings.get("signature") != sig:
            raise InputError("cannot resume: the checkpoint was written for a different model, coupling or settings")
        k = len(ck["t"])
        Y[:k] = ck["Y"]
        done = k - 1
        names = [str(x) for x in ck["record_names"]]
        cols = {nm: ck[f"rec_{nm}"] for nm in names}
        recs = [{nm: cols[nm][i] for nm in names} for i in range(len(cols[names[0]]))]
        recs = recs[:done]
        maps = {"index": [int(i) for i in ck["map_index"] if i < done], "s": list(ck["map_s"]),
                "torque": list(ck["map_torque"])}
        maps["s"], maps["torque"] = maps["s"][:len(maps["index"])], maps["torque"][:len(maps["index"])]
    grid_t = t_grid

    def on_grid(t):
        k = round((t - t0_s) / out_s)
        return 0 <= k <= n_out and abs(t - grid_t[k]) <= 1e-6 * dt_s

    coupling.watch(on_grid)
    lattice_a = float(model.system.system.lattice.shell_distances(1)[0])
    status = "complete"
    bar = None
    wall0 = _time.perf_counter()
    last_write = wall0
    chunk = 1

    def record(i):
        spins = model.spins(Y[i])
        rec = coupling.take(t_grid[i], spins)
        r, tq = _record(model, coupling, rec, spins)
        if len(recs) == i:
            recs.append(r)
        else:
            recs[i] = r
        if (maps_every and i % maps_every == 0) or i == 0:
            if not maps["index"] or maps["index"][-1] != i:
                maps["index"].append(i)
                maps["s"].append(rec["s"])
                maps["torque"].append(tq)

    def result(st):
        names = list(recs[0]) if recs else []
        rr = {nm: np.array([r[nm] for r in recs]) for nm in names}
        k = len(recs)
        traj = Trajectory(model, u.time(t_grid[:k]), Y[:k].copy(), complete=(st == "complete"), status=st,
                          stats={"method": method, "dt": u.time(dt_s), "steps": (k - 1) * every})
        info = {"coupling": coupling.describe(), "electron_calls": coupling.calls,
                "electron_seconds": coupling.solve_seconds, "wall_s": _time.perf_counter() - wall0,
                "dt_s": dt_s, "output_every_s": out_s}
        return CoupledResult(traj, rr, {k2: np.array(v) for k2, v in maps.items()}, st, info)

    def save(final=False):
        res = result(status)
        if checkpoint is not None:
            extra = {f"rec_{nm}": v for nm, v in res.records.items()}
            _save_checkpoint(checkpoint, {"signature": sig}, dict(
                             t_now=t_grid[len(recs) - 1], y_now=Y[len(recs) - 1], t=res.trajectory.t,
                             Y=res.trajectory.Y, record_names=np.array(list(res.records)), **extra,
                             map_index=np.array(maps["index"], dtype=np.int64),
                             map_s=np.array(maps["s"]) if maps["s"] else np.zeros((0, model.n_sites, 3)),
                             map_torque=np.array(maps["torque"]) if maps["torque"] else
                             np.zeros((0, model.n_sites, 3))))
        if result_path is not None:
            res.write(result_path, attrs=attrs)
        return res

    try:
        record(done)
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=n_out, initial=done, unit="out", desc="coupled", mininterval=0.5)
        while done < n_out:
            k = min(chunk, n_out - done)
            w = _time.perf_counter()
            try:
                tr = simulate(model, Y[done], t_grid[done + k], dt_s, method=method, output_every=out_s,
                              t0=t_grid[done], hook=coupling, hook_every="stage", threads=1, norm_tol=norm_tol)
            except RunStopped as err:
                part = err.partial
                n_ok = len(part.t) - 1
                Y[done + 1:done + 1 + n_ok] = part.Y[1:]
                for i in range(done + 1, done + 1 + n_ok):
                    record(i)
                done += n_ok
                status = "diverged" if "diverged" in type(err).__name__.lower() else "stopped"
                err.partial = save()
                raise
            n_ok = len(tr.t) - 1
            Y[done + 1:done + 1 + n_ok] = tr.Y[1:]
            for i in range(done + 1, done + 1 + n_ok):
                record(i)
            done += n_ok
            if not tr.complete:
                status = "interrupted"
                break
            el = _time.perf_counter() - w
            if el > 0:
                chunk = max(1, min(4 * chunk, int(chunk * segment_seconds / el) or 1))
            if bar is not None:
                r = recs[-1]
                bar.set_postfix_str(f"center={np.round(r['center_m'] / lattice_a, 2).tolist()} a, "
                                    f"I_last={r['current'][-1]:.3g}/s")
                bar.update(n_ok)
            if _time.perf_counter() - last_write > write_interval:
                save()
                last_write = _time.perf_counter()
    except KeyboardInterrupt:
        status = "interrupted"
    finally:
        if bar is not None:
            bar.close()
        coupling.watch(None)
    return save(final=True)
