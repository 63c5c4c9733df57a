"""Plain vectorised numpy reference for the lattice benchmark model (no numba, no spinertia imports).

Model (the common benchmark model; see benchmarks/REFERENCES.md)
----------------------------------------------------------------
2D square lattice, n x n sites, lattice constant a = 1 Angstrom, periodic in x and y, one atom per
cell, unit spins S_i, moment mu = mu_s mu_B with mu_s = 2:

    E = -J sum_<ij> S_i.S_j - sum_<ij> D_ij.(S_i x S_j) - K sum_i (S_i^z)^2 - mu B sum_i S_i^z

each nearest-neighbour pair counted once, J = 10 meV, D = 2 meV, interfacial (Neel) DM vectors
D_ij = D (z_hat x r_hat_ij) with r_hat_ij pointing from i to j (so D_ij = D y_hat for the bond to the
+x neighbour and D_ij = -D x_hat for the bond to the +y neighbour), K = 0.5 meV, B = 1 T along +z.

Effective field B_eff,i = -(1/mu) dE/dS_i (tesla, full gradient, parallel part included) and the LLG in
Landau-Lifshitz form  dS/dt = -gamma/(1+alpha^2) [S x B + alpha S x (S x B)],  gamma = 1.76085963023e11
rad/(s T), alpha = 0.1, dt = 1 fs.

Index conventions
-----------------
* grid arrays: ``spins[ix, iy, :]`` (shape (n, n, 3)); ix is the x index, iy the y index.
* flat arrays: shape (N, 3), N = n*n, site index ``i = ix + n*iy`` (x fastest) -- Spirit's ordering.
  ``to_flat`` / ``to_grid`` convert.

Units: energies are accumulated in meV (the model's parameters) and returned in joule
(1 meV = 1e-3 * 1.602176634e-19 J, exact); fields in tesla via mu = mu_s * mu_B.  ``mu_B_meV`` (Bohr
magneton in meV/T) is a model parameter: the default is CODATA 2018 (9.2740100783e-24 J/T / e), so that
mu = 2 * 9.2740100783e-24 J/T exactly; pass Spirit's constant (0.057883817555 meV/T) for a
round-off-level comparison with Spirit (see REFERENCES.md).

Run ``python benchmarks/reference_numpy.py`` for the self-check (energy/field identities, rates for
n = 64 and 256, and the cross-check against Spirit when it is installed).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

#: CODATA 2018 (identical to spinertia.units).
GAMMA_ELECTRON = 1.76085963023e11  # rad/(s T)
MU_B_SI = 9.2740100783e-24  # J/T
E_CHARGE = 1.602176634e-19  # C (exact)
MEV = 1e-3 * E_CHARGE  # J per meV
MU_B_MEV = MU_B_SI / MEV  # meV/T  (= 0.057883818060...)


@dataclass(frozen=True)
class Model:
    """Parameters of the benchmark model (energies in meV, field in T, time in s)."""

    J: float = 10.0  # meV per pair
    D: float = 2.0  # meV per pair, Neel, D_ij = D (z x r_ij)
    K: float = 0.5  # meV, easy axis z
    B: float = 1.0  # T along +z
    mu_s: float = 2.0  # moment in Bohr magnetons
    alpha: float = 0.1
    gamma: float = GAMMA_ELECTRON  # rad/(s T)
    dt: float = 1e-15  # s
    mu_B_meV: float = MU_B_MEV  # Bohr magneton in meV/T

    def with_(self, **kw) -> "Model":
        return replace(self, **kw)


MODEL = Model()


# ----------------------------------------------------------------------------- index conventions
def to_flat(spins_grid):
    """(n, n, 3) grid ``spins[ix, iy]`` -> (N, 3) flat with i = ix + n*iy (x fastest)."""
    s = np.asarray(spins_grid)
    return np.ascontiguousarray(s.transpose(1, 0, 2)).reshape(-1, 3)


def to_grid(spins_flat, n):
    """(N, 3) flat with i = ix + n*iy -> (n, n, 3) grid ``spins[ix, iy]``."""
    return np.ascontiguousarray(np.asarray(spins_flat).reshape(n, n, 3).transpose(1, 0, 2))


def site_index(ix, iy, n):
    return ix + n * iy


# ----------------------------------------------------------------------------- configurations
def normalize(s):
    return s / np.linalg.norm(s, axis=-1, keepdims=True)


def uniform(n, theta=0.0, phi=0.0):
    """All spins along (sin t cos p, sin t sin p, cos t)."""
    v = np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])
    return np.broadcast_to(v, (n, n, 3)).copy()


def spiral_x(n, q_cycles=1, cone=0.0, plane="xz"):
    """Spin spiral along x with wavevector q = 2 pi q_cycles / n (commensurate with the periodic box).

    plane "xz": cycloid (Neel-type, rotates in the x-z plane); "yz": helix (Bloch-type).
    cone: constant tilt towards +y (xz) or +x (yz), to break symmetries in tests.
    """
    ix = np.arange(n)[:, None] * np.ones((1, n))
    ph = 2 * np.pi * q_cycles * ix / n
    s = np.zeros((n, n, 3))
    if plane == "xz":
        s[..., 0], s[..., 2], s[..., 1] = np.sin(ph), np.cos(ph), cone
    else:
        s[..., 1], s[..., 2], s[..., 0] = np.sin(ph), np.cos(ph), cone
    return normalize(s)


def random_spins(n, seed=0):
    rng = np.random.default_rng(seed)
    return normalize(rng.normal(size=(n, n, 3)))


# ----------------------------------------------------------------------------- energy and field
def _neighbours(s):
    """Neighbour arrays with periodic wrap: S(ix+1), S(ix-1), S(iy+1), S(iy-1)."""
    return (np.roll(s, -1, axis=0), np.roll(s, 1, axis=0), np.roll(s, -1, axis=1), np.roll(s, 1, axis=1))


def energy_terms_meV(spins, model: Model = MODEL):
    """Energy contributions in meV: dict(exchange, dmi, anisotropy, zeeman, total)."""
    s = np.asarray(spins, dtype=float)
    sxp = np.roll(s, -1, axis=0)  # neighbour at +x
    syp = np.roll(s, -1, axis=1)  # neighbour at +y
    e_ex = -model.J * (np.sum(s * sxp) + np.sum(s * syp))
    # D_ij . (S_i x S_j): +x bond D y_hat -> y component; +y bond -D x_hat -> minus x component
    cx = np.cross(s, sxp)
    cy = np.cross(s, syp)
    e_dm = -model.D * (np.sum(cx[..., 1]) - np.sum(cy[..., 0]))
    e_an = -model.K * np.sum(s[..., 2] ** 2)
    e_ze = -model.mu_s * model.mu_B_meV * model.B * np.sum(s[..., 2])
    return {"exchange": e_ex, "dmi": e_dm, "anisotropy": e_an, "zeeman": e_ze,
            "total": e_ex + e_dm + e_an + e_ze}


def numpy_energy(spins, model: Model = MODEL):
    """Total energy in joule of a (n, n, 3) configuration ``spins[ix, iy]``."""
    return energy_terms_meV(spins, model)["total"] * MEV


def gradient_meV(spins, model: Model = MODEL):
    """dE/dS_i in meV, shape (n, n, 3) (full gradient, parallel part included)."""
    s = np.asarray(spins, dtype=float)
    sxp, sxm, syp, sym = _neighbours(s)
    g = -model.J * (sxp + sxm + syp + sym)
    # -D_ij.(S_i x S_j) = -S_i.(S_j x D_ij) = -S_j.(D_ij x S_i)
    # bond to +x (D_x = D y_hat): d/dS_i -> -(S_{i+x} x D_x); as the j end -> -(D_x x S_{i-x})
    # bond to +y (D_y = -D x_hat): d/dS_i -> -(S_{i+y} x D_y); as the j end -> -(D_y x S_{i-y})
    D = model.D
    # S x (D y) = D (-S_z, 0, S_x);  (D y) x S = D (S_z, 0, -S_x)
    # S x (-D x) = D (0, -S_z, S_y); (-D x) x S = D (0, S_z, -S_y)
    g[..., 0] -= D * (-sxp[..., 2] + sxm[..., 2])
    g[..., 2] -= D * (sxp[..., 0] - sxm[..., 0])
    g[..., 1] -= D * (-syp[..., 2] + sym[..., 2])
    g[..., 2] -= D * (syp[..., 1] - sym[..., 1])
    g[..., 2] -= 2.0 * model.K * s[..., 2] + model.mu_s * model.mu_B_meV * model.B
    return g


def numpy_field(spins, model: Model = MODEL):
    """B_eff = -(1/mu) dE/dS in tesla, shape (n, n, 3) (full, not projected)."""
    return -gradient_meV(spins, model) / (model.mu_s * model.mu_B_meV)


# ----------------------------------------------------------------------------- LLG
def llg_rhs(s, model: Model = MODEL):
    """dS/dt (1/s) in Landau-Lifshitz form."""
    b = numpy_field(s, model)
    sxb = np.cross(s, b)
    return (-model.gamma / (1.0 + model.alpha**2)) * (sxb + model.alpha * np.cross(s, sxb))


def heun_step(s, model: Model = MODEL):
    """Heun predictor-corrector; predictor and result renormalised (2 field evaluations)."""
    dt = model.dt
    k1 = llg_rhs(s, model)
    pred = normalize(s + dt * k1)
    k2 = llg_rhs(pred, model)
    return normalize(s + 0.5 * dt * (k1 + k2))


def rk4_step(s, model: Model = MODEL, renormalize_stages=False):
    """Classical RK4 (4 field evaluations), result renormalised.

    renormalize_stages=True also normalises the stage points (what Spirit's RK4 does).
    """
    dt = model.dt
    f = normalize if renormalize_stages else (lambda x: x)
    k1 = llg_rhs(s, model)
    k2 = llg_rhs(f(s + 0.5 * dt * k1), model)
    k3 = llg_rhs(f(s + 0.5 * dt * k2), model)
    k4 = llg_rhs(f(s + dt * k3), model)
    return normalize(s + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4))


def integrate(s, n_steps, method="heun", model: Model = MODEL):
    step = {"heun": heun_step, "rk4": rk4_step}[method]
    for _ in range(n_steps):
        s = step(s, model)
    return s


def initial_state(n, seed=0):
    """Benchmark start: uniform +z tilted by 30 degrees plus 0.3 random noise, normalised."""
    rng = np.random.default_rng(seed)
    return normalize(uniform(n, np.pi / 6) + 0.3 * rng.normal(size=(n, n, 3)))


def numpy_llg_rate(n, n_steps, method="heun", model: Model = MODEL, warmup=2, seed=0, repeats=2):
    """Time n_steps LLG steps on an n x n lattice.  Returns dict(spin_steps_per_s, seconds, ...).

    Starts from initial_state(n, seed), runs `warmup` untimed steps, then times n_steps (best of
    `repeats`, each continuing the trajectory).  seconds = wall time; cpu_seconds = process CPU time of
    the same run (numpy elementwise ops run on one thread: cores_used ~ 1).
    """
    s = initial_state(n, seed)
    s = integrate(s, warmup, method, model)
    runs = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        s = integrate(s, n_steps, method, model)
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    assert np.all(np.isfinite(s))
    sec, cpu = min(runs)
    return dict(spin_steps_per_s=n * n * n_steps / sec, seconds=sec, cpu_seconds=cpu, cores_used=cpu / sec,
                spin_steps_per_cpu_s=n * n * n_steps / min(c for _, c in runs),
                n_spins=n * n, n_steps=n_steps, solver=method, dt=model.dt,
                field_evals_per_step={"heun": 2, "rk4": 4}[method])


def numpy_rk4_rate(n, n_steps, model: Model = MODEL, warmup=2, seed=0, repeats=2):
    """numpy_llg_rate with the classical RK4 (4 field evaluations per step)."""
    return numpy_llg_rate(n, n_steps, "rk4", model, warmup, seed, repeats)


# ----------------------------------------------------------------------------- self-check
def _selfcheck_identities(n=8):
    """Checks that need no Spirit: closed forms, finite-difference gradient, orderings."""
    out = {}
    m = MODEL
    N = n * n
    # uniform +z: E = -2 J N - K N - mu_s mu_B B N
    e = energy_terms_meV(uniform(n), m)["total"]
    out["uniform_z"] = abs(e - (-2 * m.J * N - m.K * N - m.mu_s * m.mu_B_meV * m.B * N)) / abs(e)
    # cycloid in x-z with q = 2 pi / n: E_ex = -J N (cos q + 1); E_dm per +x bond = -D sin(q) (sign:
    # S_i x S_{i+x} = y_hat sin q for this rotation sense) ; E_an, E_z closed form by sum over sites
    q = 2 * np.pi / n
    t = energy_terms_meV(spiral_x(n, 1), m)
    out["spiral_exchange"] = abs(t["exchange"] - (-m.J * N * (np.cos(q) + 1))) / (m.J * N)
    out["spiral_dmi"] = abs(t["dmi"] - (-m.D * N * np.sin(q))) / (m.D * N)
    # gradient by central differences (energy is a polynomial of degree 2 -> exact up to round-off)
    s = random_spins(n, 3)
    g = gradient_meV(s, m)
    h = 1e-4
    err = 0.0
    for (ix, iy, c) in [(0, 0, 0), (3, 5, 1), (n - 1, 2, 2), (4, n - 1, 0)]:
        sp, sm = s.copy(), s.copy()
        sp[ix, iy, c] += h
        sm[ix, iy, c] -= h
        fd = (energy_terms_meV(sp, m)["total"] - energy_terms_meV(sm, m)["total"]) / (2 * h)
        err = max(err, abs(fd - g[ix, iy, c]) / np.abs(g).max())
    out["gradient_fd"] = err
    out["flat_roundtrip"] = float(np.abs(to_grid(to_flat(s), n) - s).max())
    out["flat_order"] = float(np.abs(to_flat(s)[site_index(2, 5, n)] - s[2, 5]).max())
    # field of the uniform state: exchange 4J, anisotropy 2K, Zeeman B -> along z, in tesla
    bz = numpy_field(uniform(n), m)[0, 0, 2]
    out["field_uniform"] = abs(bz - ((4 * m.J + 2 * m.K) / (m.mu_s * m.mu_B_meV) + m.B)) / bz
    return out


if __name__ == "__main__":
    import sys

    ok = True
    for k, v in _selfcheck_identities().items():
        good = v < 1e-9
        ok &= good
        print(f"identity {k:18s} rel.err {v:.2e} {'ok' if good else 'FAIL'}")
    # cross-check with Spirit if available (same directory)
    try:
        sys.path.insert(0, __import__("os").path.dirname(__file__))
        import reference_spirit as rs

        if rs.spirit_available():
            res = rs.cross_check(n=16)
            ok &= res["ok"]
            print(rs.format_cross_check(res))
        else:
            print("spirit not installed: energy cross-check skipped (pip install spirit)")
    except ImportError:
        print("reference_spirit.py not importable: cross-check skipped")
    for n, steps in ((64, 400), (256, 40)):
        for meth in ("heun", "rk4"):
            r = numpy_llg_rate(n, steps, meth)
            print(f"numpy {meth:4s} n={n:4d}: {r['spin_steps_per_s']:.3e} spin-steps/s "
                  f"({r['seconds']:.3f} s wall for {steps} steps, cores used {r['cores_used']:.2f}; "
                  f"{r['spin_steps_per_cpu_s']:.3e} per cpu-s)")
    sys.exit(0 if ok else 1)
