"""Energy minimization of lattice spin systems (no dynamics): L-BFGS with orthogonal spin rotations.

The configuration space is the product of unit spheres.  Following the LBFGS-OSO design of Spirit
(A. V. Ivanov, V. M. Uzdin, H. Jonsson, Comput. Phys. Commun. 260, 107749 (2021)), every iteration
moves each spin by a rotation exp([phi_i x]) about a rotation vector phi_i, and the search works on the
rotation vectors at the current configuration, where the energy gradient is

    dE/dphi_i = m_i x dE/dm_i = -mu_i m_i x B_i          (joule per radian),

B_i = -(1/mu_i) dH/dm_i the effective field in tesla (``FinalizedSystem.field_tesla``).  The search
direction comes from the L-BFGS two-loop recursion over the last ``memory`` pairs (s_k = phi_k,
y_k = g_{k+1} - g_k; initial inverse Hessian s.y/y.y, i.e. the Barzilai-Borwein step; ``method="bb"`` is
the memoryless variant), the largest single-spin rotation is capped at ``max_rotation`` radians, the
rotation is applied exactly (Rodrigues formula, then renormalized), and a backtracking line search
(Armijo condition, quadratic interpolation) makes every accepted step lower the energy.  Energy changes
are summed site by site (sum_i (e_i' - e_i)).  Near convergence the energy change of a step,
~ mu tau^2 / B, falls below what double precision resolves (~ eps mu B per site, i.e. below a relative
torque tau/B ~ 1e-8); there the step is accepted on the approximate Wolfe condition of Hager & Zhang
(the exact slope dE/dalpha = d . g(m(alpha)) must stay below 0.8 |dE/dalpha(0)|), so torques down to
~1e-14 of the field scale are reachable.  The energy history is monotone to within that round-off
resolution (``MinimizeResult.energy_resolution``, recorded per step in ``history['wolfe']``).

Stop: the largest torque max_i |m_i x B_i| over the free sites is below ``tol`` (tesla); by default
tol = rtol * B_scale with B_scale the largest effective-field scale of the system (sum of the coupling
norms of a site, ``FinalizedSystem.max_frequency`` in tesla).  If ``max_iter`` is reached or the line
search cannot lower the energy any further (round-off), the result says ``converged=False`` with the
reason and a :class:`NotConvergedWarning` is issued -- a non-converged state is never reported as
converged.  ``result.raise_if_not_converged()`` turns it into an exception.

A stationary point is found, not necessarily a minimum: a configuration with zero torque (e.g. an exact
saddle such as the all-down state in a +z field) is returned at once.  Fixed (pinned) sites keep their
spins.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, SpinertiaError
from .finalized import FinalizedSystem
from .system import System

__all__ = ["minimize", "MinimizeResult", "NotConvergedWarning", "MinimizationNotConverged", "torque_scale"]

METHODS = ("lbfgs", "bb")


class NotConvergedWarning(UserWarning):
    """The minimizer stopped before the torque tolerance was reached."""


class MinimizationNotConverged(SpinertiaError, RuntimeError):
    """Raised by :meth:`MinimizeResult.raise_if_not_converged`."""


@dataclass
class MinimizeResult:
    """Result of :func:`minimize`.  Energies in joule, torques |m x B| in tesla.

    history: per accepted iteration (index 0 = initial state) 'energy' (E_0 + accumulated site-summed
    changes), 'max_torque', and per step 'dE' (the step's site-summed energy change, resolved far below
    the last digit of the total), 'step' (line-search factor), 'max_angle' (largest spin
    rotation, radians) and 'wolfe' (True where the energy change was below the round-off resolution
    ``energy_resolution`` and the step was accepted on the slope condition)."""

    spins: np.ndarray
    energy: float
    energy_initial: float
    max_torque: float
    tolerance: float
    iterations: int
    converged: bool
    message: str
    method: str
    history: dict = field(repr=False)
    wall_s: float = 0.0
    n_field: int = 0
    n_energy: int = 0
    energy_resolution: float = 0.0

    @property
    def monotone(self):
        """True when no accepted step raised the (site-summed) energy by more than its round-off
        resolution ``energy_resolution`` (steps accepted by the Armijo test lower it strictly)."""
        return bool(np.all(self.history["dE"] <= self.energy_resolution))

    def raise_if_not_converged(self):
        if not self.converged:
            raise MinimizationNotConverged(f"energy minimization did not converge: {self.message}")
        return self

    def summary(self):
        return {"converged": self.converged, "iterations": self.iterations, "energy_J": self.energy,
                "energy_initial_J": self.energy_initial, "max_torque_T": self.max_torque,
                "tolerance_T": self.tolerance, "method": self.method, "wall_s": self.wall_s,
                "n_field": self.n_field, "n_energy": self.n_energy, "message": self.message}


def _finalized(system):
    if isinstance(system, FinalizedSystem):
        return system
    if isinstance(system, System):
        return system.finalized()
    raise InputError(f"minimize needs a spinertia System or FinalizedSystem, got {type(system).__name__}")


def torque_scale(fin):
    """B_scale (tesla): the largest sum of coupling-tensor norms over the sublattices (field scale)."""
    w = fin.max_frequency()  # reduced angular frequency gamma B t_unit
    return float(w / (np.min(fin.gamma) * fin.units.t_unit))


def _cross(a, b):
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


def _rotate(m, phi):
    """exp([phi_i x]) m_i for every site (Rodrigues), renormalized."""
    th = np.sqrt(np.einsum("ia,ia->i", phi, phi))
    sinc = np.sinc(th / np.pi)                      # sin(th)/th
    c2 = 0.5 * np.sinc(th / (2 * np.pi)) ** 2        # (1 - cos th)/th^2
    pm = np.einsum("ia,ia->i", phi, m)
    out = m * np.cos(th)[:, None] + _cross(phi, m) * sinc[:, None] + phi * (pm * c2)[:, None]
    out /= np.sqrt(np.einsum("ia,ia->i", out, out))[:, None]
    return out


def _fixed_mask(fixed, n):
    if fixed is None:
        return np.zeros(n, bool)
    f = np.asarray(fixed)
    if f.dtype == bool:
        if f.shape != (n,):
            raise InputError(f"fixed must be {n} booleans (one per site) or a list of site indices, "
                             f"got shape {f.shape}")
        return f.copy()
    out = np.zeros(n, bool)
    idx = f.astype(np.int64).ravel()
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise InputError(f"fixed site indices must lie in 0..{n - 1}")
    out[idx] = True
    return out


def minimize(system, spins, *, tol=None, rtol=1e-7, max_iter=20000, method="lbfgs", memory=10,
             max_rotation=0.3, fixed=None, t=0.0, warn=True, callback=None):
    """Relax ``spins`` (n_sites, 3 unit vectors) to a stationary point of the energy of ``system``.

    tol: torque tolerance max_i |m_i x B_i| in tesla (default rtol * :func:`torque_scale`);
    max_iter: iteration limit; method: "lbfgs" (default) or "bb" (memoryless, Barzilai-Borwein step);
    memory: L-BFGS pairs kept; max_rotation: cap on a single spin's rotation per step (radians);
    fixed: boolean mask or indices of pinned sites; t: time at which a time-dependent Zeeman term is
    evaluated; warn: issue :class:`NotConvergedWarning` when not converged; callback(iteration, spins,
    energy, max_torque) is called after every accepted step (return True to stop; the result then says
    converged=False unless the tolerance was met).  Returns a :class:`MinimizeResult`.
    """
    fin = _finalized(system)
    if method not in METHODS:
        raise InputError(f"unknown minimization method {method!r}; use one of {METHODS}")
    m = fin.check_spins(spins, "spins").copy()
    n = fin.n_sites
    if int(max_iter) != max_iter or max_iter < 0:
        raise InputError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    max_iter = int(max_iter)
    memory = 0 if method == "bb" else int(memory)
    if memory < 0:
        raise InputError(f"memory must be >= 0, got {memory}")
    if not (0 < max_rotation <= np.pi):
        raise InputError(f"max_rotation must lie in (0, pi] radians, got {max_rotation!r}")
    fixed_mask = _fixed_mask(fixed, n)
    free = ~fixed_mask
    B_scale = torque_scale(fin)
    if tol is None:
        if not (rtol > 0 and np.isfinite(rtol)):
            raise InputError(f"rtol must be positive, got {rtol!r}")
        tol = rtol * B_scale
    tol = float(tol)
    if not (tol > 0 and np.isfinite(tol)):
        raise InputError(f"tol must be a positive torque in tesla, got {tol!r} (a system without couplings "
                         "has no field scale: give tol=)")
    mu = fin.mu[fin.sub][:, None]
    t = float(t)
    counters = {"field": 0, "energy": 0}

    def gradient(mm):
        counters["field"] += 1
        B = fin.field_tesla(t, mm)
        tau = _cross(mm, B)
        g = -mu * tau
        g[fixed_mask] = 0.0
        tn = np.sqrt(np.einsum("ia,ia->i", tau, tau))
        return g, float(tn[free].max()) if free.any() else 0.0

    def site_energy(mm):
        counters["energy"] += 1
        return fin.energy_per_site(t, mm)

    wall0 = time.perf_counter()
    e = site_energy(m)
    E0 = float(e.sum())
    if not np.isfinite(E0):
        raise InputError("the energy of the initial state is not finite; check the system parameters")
    # resolution of a site-summed energy change (round-off of the per-site energies)
    resolution = 16 * np.finfo(float).eps * float(np.sum(np.abs(e)) + n * float(mu.max()) * B_scale)
    g, torque = gradient(m)
    gamma0 = 1.0 / (float(mu.max()) * B_scale) if B_scale > 0 else 1.0
    S, Y, RHO = [], [], []
    H0 = gamma0
    E = E0
    hist_E, hist_T, hist_a, hist_th, hist_w, hist_dE = [E0], [torque], [], [], [], []
    it = 0
    converged = torque <= tol
    message = "torque below tolerance" if converged else ""
    stop_by_callback = False
    while not converged and it < max_iter:
        # --- search direction: L-BFGS two-loop recursion on the rotation vectors
        q = g.copy()
        alphas = []
        for s_k, y_k, r_k in zip(reversed(S), reversed(Y), reversed(RHO)):
            a_k = r_k * np.vdot(s_k, q)
            alphas.append(a_k)
            q -= a_k * y_k
        r = H0 * q
        for (s_k, y_k, r_k), a_k in zip(zip(S, Y, RHO), reversed(alphas)):
            b_k = r_k * np.vdot(y_k, r)
            r += (a_k - b_k) * s_k
        d = -r
        d[fixed_mask] = 0.0
        gd = float(np.vdot(g, d))
        if not (gd < 0 and np.isfinite(gd)):  # not a descent direction: restart from steepest descent
            S, Y, RHO = [], [], []
            d = -H0 * g
            gd = float(np.vdot(g, d))
        # --- cap the largest rotation
        th = np.sqrt(np.einsum("ia,ia->i", d, d))
        thmax = float(th.max())
        if thmax > max_rotation:
            d *= max_rotation / thmax
            gd *= max_rotation / thmax
            thmax = max_rotation
        # --- backtracking line search: Armijo (c1 = 1e-4) on the site-summed energy change; when that
        # change is below the round-off resolution, the approximate Wolfe condition of Hager & Zhang
        # (SIAM J. Optim. 16, 170 (2005)) on the exact slope dE/dalpha = d . g(m(alpha)) decides
        alpha = 1.0
        accepted = False
        wolfe = False
        for _ in range(60):
            m_try = _rotate(m, alpha * d)
            m_try[fixed_mask] = m[fixed_mask]
            e_try = site_energy(m_try)
            dE = float(np.sum(e_try - e))
            if np.isfinite(dE) and dE < 0 and dE <= 1e-4 * alpha * gd:
                accepted = True
            elif np.isfinite(dE) and abs(dE) <= resolution and abs(alpha * gd) <= 100 * resolution:
                g_try, torque_try = gradient(m_try)
                slope = float(np.vdot(d, g_try))
                if slope <= -0.8 * gd:  # (2 delta - 1) phi'(0) with delta = 0.1
                    accepted = wolfe = True
            if accepted:
                break
            if not np.isfinite(dE):
                a_new = 0.1 * alpha
            else:  # minimizer of the quadratic through E(0), E'(0) = gd, E(alpha)
                den = 2.0 * (dE - gd * alpha)
                a_new = -gd * alpha * alpha / den if den > 0 else 0.5 * alpha
            alpha = min(max(a_new, 0.1 * alpha), 0.5 * alpha)
            if alpha * thmax < 1e-15:
                break
        if not accepted:
            if S or H0 != gamma0:  # retry from a scaled steepest-descent step with a fresh memory
                S, Y, RHO = [], [], []
                H0 = gamma0
                continue
            message = (f"line search failed: the energy cannot be lowered along the gradient at double precision "
                       f"(max torque {torque:.3g} T > tol {tol:.3g} T after {it} iterations); loosen tol")
            break
        it += 1
        if wolfe:
            g_new, torque = g_try, torque_try
        else:
            g_new, torque = gradient(m_try)
        s_vec = alpha * d
        y_vec = g_new - g
        sy = float(np.vdot(s_vec, y_vec))
        yy = float(np.vdot(y_vec, y_vec))
        if sy > 1e-12 * np.sqrt(float(np.vdot(s_vec, s_vec)) * yy) and yy > 0:
            H0 = sy / yy
            if memory > 0:
                S.append(s_vec)
                Y.append(y_vec)
                RHO.append(1.0 / sy)
                if len(S) > memory:
                    S.pop(0)
                    Y.pop(0)
                    RHO.pop(0)
        m, e, g = m_try, e_try, g_new
        E = E + dE
        hist_E.append(E)
        hist_T.append(torque)
        hist_a.append(alpha)
        hist_th.append(alpha * thmax)
        hist_w.append(wolfe)
        hist_dE.append(dE)
        if torque <= tol:
            converged = True
            message = "torque below tolerance"
            break
        if callback is not None and callback(it, m, E, torque):
            stop_by_callback = True
            message = f"stopped by the callback after {it} iterations (max torque {torque:.3g} T > tol {tol:.3g} T)"
            break
    if not converged and not message:
        message = f"max_iter = {max_iter} reached with max torque {torque:.3g} T > tol {tol:.3g} T"
    E_final = float(site_energy(m).sum())
    res = MinimizeResult(spins=m, energy=E_final, energy_initial=E0, max_torque=float(torque), tolerance=tol,
                         iterations=it, converged=bool(converged), message=message, method=method,
                         history={"energy": np.array(hist_E), "max_torque": np.array(hist_T),
                                  "step": np.array(hist_a), "max_angle": np.array(hist_th),
                                  "wolfe": np.array(hist_w, dtype=bool), "dE": np.array(hist_dE)},
                         energy_resolution=resolution,
                         wall_s=time.perf_counter() - wall0, n_field=counters["field"], n_energy=counters["energy"])
    if not converged and warn and not stop_by_callback:
        warnings.warn(f"energy minimization did not converge: {message}", NotConvergedWarning, stacklevel=2)
    return res
