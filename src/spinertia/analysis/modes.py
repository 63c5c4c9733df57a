"""Linear modes of a macrospin: closed forms, resonance conditions and exact Jacobian spectra.

Convention: a mode varies as exp(-i omega t); omega = omega' - i Gamma with omega' >= 0 the angular
frequency and Gamma > 0 the amplitude decay rate of a stable mode (Im omega < 0).  Real dynamics
produce each mode together with its partner -conj(omega); only the representative with Re omega >= 0
is returned.

* LLG:   omega = omega0 / (1 + i alpha)                                  (exact, linear)
* iLLG:  eta w^2 + (1 + i alpha) w - omega0 = 0 with w = omega (positive branch): precession root and
         nutation root (Webb et al. 2026 text after Eq. 10: omega_n ~ 1/eta, Delta omega_n ~ alpha/eta)
* memory kernel (Webb et al. 2026, Eqs. 4, 9, 10): omega (1 + i alpha) = omega0 + s [chi(0) - chi(omega)]
  with chi(omega) = int_0^inf chi(t) e^{i omega t} dt and s = +1 for the passive sign.  The printed
  condition omega^2 - (T(omega) - omega0)^2 = 0 of Webb et al. 2026 corresponds to s = -1 with the Gilbert part
  also reversed; see docs/theory.md for the derivation and the numerical checks.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize

from ..errors import InputError
from ..units import GAMMA_ELECTRON

CONVENTION = "exp(-i omega t); [re, im] = [angular frequency, -decay rate]; Re >= 0, Im < 0 decays"


def _rep(w):
    """Positive-frequency representative of the pair (w, -conj(w))."""
    w = complex(w)
    return w if w.real >= 0 else -w.conjugate()


def llg_modes(omega0, alpha):
    """Precession frequency of the linear LLG about the field: omega0 / (1 + i alpha)."""
    return {"precession": complex(omega0) / (1 + 1j * alpha), "nutation": None}


def illg_modes(omega0, alpha, eta):
    """Exact linear modes of the scalar iLLG (Webb et al. 2026, Eq. 1) about a static field omega0 = gamma B.

    Linearizing m = z + delta, m_- = delta_x - i delta_y ~ exp(-i w t) gives

        eta w^2 + (1 + i alpha) w - omega0 = 0 ,

    whose roots are the precession root (~ omega0 (1 - i alpha)) and minus the nutation root
    (~ -(1 - i alpha)/eta - omega0); the nutation mode is counter-rotating.
    """
    if eta <= 0:
        raise InputError(f"eta must be > 0 for the inertial LLG, got {eta}")
    b = 1 + 1j * alpha
    disc = np.sqrt(b * b + 4 * eta * omega0 + 0j)
    r1 = (-b + disc) / (2 * eta)
    r2 = (-b - disc) / (2 * eta)
    prec, nut = (r1, r2) if abs(r1) < abs(r2) else (r2, r1)
    return {"precession": _rep(prec), "nutation": _rep(nut)}


def kernel_resonance(omega, omega0, kernel, alpha=0.0, sign=1.0):
    """Residual of the linear resonance condition of the memory-kernel LLG (docs/theory.md):
    omega (1 + i alpha) - omega0 - s [chi(0) - chi(omega)]."""
    chi_w = kernel.fourier(omega)
    chi_0 = kernel.fourier(0.0)
    return omega * (1 + 1j * alpha) - omega0 - sign * (chi_0 - chi_w)


def printed_resonance(omega, omega0, T):
    """Webb et al. 2026's printed condition omega^2 - (T(omega) - omega0)^2 for a callable T(omega)."""
    return omega**2 - (T(omega) - omega0) ** 2


def _newton(fun, guess, check=None):
    check = fun if check is None else check

    def f(x):
        r = fun(complex(x[0], x[1]))
        return [r.real, r.imag]

    sol = optimize.root(f, [guess.real, guess.imag], method="hybr", tol=1e-14)
    w = complex(sol.x[0], sol.x[1])
    if abs(check(w)) > 1e-8 * max(1.0, abs(w)):
        raise RuntimeError(f"resonance root search did not converge from {guess}: {sol.message}")
    return w


def kernel_modes(omega0, kernel, alpha=0.0, kernel_sign="passive"):
    """Precession and nutation roots of the memory-kernel resonance condition (numerical, Newton).

    The phonon coordinate is a 3-vector oscillator, so each oscillator term gives two nutation modes:
    one counter-rotating with respect to the precession (the handedness of the iLLG nutation, root near
    -Omega on the precession's circular component) and one co-rotating (root near +Omega).
    Returns {'precession', 'nutation' (counter-rotating, first oscillator), 'nutation_corotating',
    'nutations' (all)}; representatives with Re >= 0.
    """
    if kernel_sign not in ("passive", "as_printed"):
        raise InputError(f"kernel_sign must be 'passive' or 'as_printed', got {kernel_sign!r}")
    s = {"passive": 1.0, "as_printed": -1.0}[kernel_sign]
    poles = np.concatenate([1j * kernel.exponents, 1j * kernel.exponents.conj()])

    def fun(w):  # residual with the poles of chi(omega) cleared: an entire function of omega
        return kernel_resonance(w, omega0, kernel, alpha, s) * np.prod(w - poles)

    def check(w):
        return kernel_resonance(w, omega0, kernel, alpha, s)

    prec = _newton(fun, complex(omega0) * (1 - 1j * alpha), check)
    counter, co = [], []
    for c, z in zip(kernel.coefficients, kernel.exponents):
        if z.imag != 0:
            W, lam = abs(z.imag), -z.real
            a = 0.5 * abs(c)
            co.append(_rep(_newton(fun, complex(W, -lam) + s * a / (W - omega0), check)))
            counter.append(_rep(_newton(fun, complex(-W, -lam) + s * a / (W + omega0), check)))
    return {"precession": _rep(prec), "nutation": counter[0] if counter else None,
            "nutation_corotating": co[0] if co else None, "nutations": counter + co}


def kernel_modes_eq9(omega0, Omega0, Z, Gamma, V0_sq, alpha, form="corrected"):
    """Perturbative resonances, Webb et al. 2026, Eq. 9 (second order in V0), as representatives (Re >= 0).

    form='as_printed':  omega0 + i kappa omega0 V^2;  w_pm = pm Omega0 - i Z Gamma - Z V^2 / (pm Omega0 - omega0 - i Z Gamma)
    form='corrected':   omega0 - i alpha omega0;      w_pm = pm Omega0 - i Z Gamma + Z V^2 / (Omega0 -+ omega0 -+ i Z Gamma)
    (alpha = kappa V^2; '+' co-rotating, '-' counter-rotating).  The corrected form follows from the
    passive memory-kernel equation (docs/theory.md); the printed precession line grows instead of decaying,
    and the printed nutation line is right only on the counter-rotating branch.
    """
    zg = Z * Gamma
    if form == "corrected":
        co = Omega0 - 1j * zg + Z * V0_sq / (Omega0 - omega0 - 1j * zg)
        counter = -Omega0 - 1j * zg + Z * V0_sq / (Omega0 + omega0 + 1j * zg)
        prec = omega0 * (1 - 1j * alpha)
    elif form == "as_printed":
        co = Omega0 - 1j * zg - Z * V0_sq / (Omega0 - omega0 - 1j * zg)
        counter = -Omega0 - 1j * zg - Z * V0_sq / (-Omega0 - omega0 - 1j * zg)
        prec = omega0 * (1 + 1j * alpha)
    else:
        raise InputError(f"form must be 'corrected' or 'as_printed', got {form!r}")
    return {"precession": prec, "nutation": _rep(counter), "nutation_corotating": _rep(co)}


# ---------------------------------------------------------------------------------------------------
# exact linear spectrum of any model: eigenvalues of the Jacobian in tangent coordinates
# ---------------------------------------------------------------------------------------------------
def equilibrium(hamiltonian, m_guess=(0.0, 0.0, 1.0), t=0.0):
    """Energy minimum of a macrospin Hamiltonian near ``m_guess`` (unit vector)."""
    m_guess = np.asarray(m_guess, float) / np.linalg.norm(m_guess)

    def energy(x):
        th, ph = x
        m = np.array([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])
        return float(hamiltonian.macrospin_energy(t, m))

    th0 = np.arccos(np.clip(m_guess[2], -1, 1))
    ph0 = np.arctan2(m_guess[1], m_guess[0])
    # rotate coordinates so the pole is not at the guess (avoid the phi singularity)
    best = None
    for th_start in (th0, th0 + 1e-3):
        res = optimize.minimize(energy, [th_start, ph0], method="Nelder-Mead",
                                options={"xatol": 1e-13, "fatol": 1e-16, "maxiter": 20000})
        if best is None or res.fun < best.fun:
            best = res
    th, ph = best.x
    m = np.array([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])
    # polish: the torque m x h must vanish; one Newton-like projection step
    h = hamiltonian.macrospin_field(t, m)
    return m if np.linalg.norm(np.cross(m, h)) < 1e-6 * (1 + np.linalg.norm(h)) else m


def _tangent_basis(m):
    a = np.array([1.0, 0, 0]) if abs(m[0]) < 0.9 else np.array([0, 1.0, 0])
    e1 = np.cross(m, a)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(m, e1)
    return e1, e2


def linear_modes(model, m_eq=None, t=0.0, eps=1e-5):
    """Complex linear-mode frequencies of ``model`` about the equilibrium ``m_eq`` (default: energy minimum
    near the field), from the eigenvalues of the Jacobian of its right-hand side in tangent coordinates.

    Exact for the linearized model (including auxiliary memory variables); independent of the closed forms.
    Returns the representatives (Re omega >= 0) sorted by |Re omega|.
    """
    ham = model.hamiltonian
    if m_eq is None:
        h = ham.macrospin_field(t, np.array([0, 0, 1.0]))
        m_eq = equilibrium(ham, h if np.linalg.norm(h) > 0 else (0, 0, 1.0), t)
    m_eq = np.asarray(m_eq, float) / np.linalg.norm(m_eq)
    e1, e2 = _tangent_basis(m_eq)
    y_eq = model.initial_state(m_eq) if model.name != "kernel" else model.initial_state(m_eq, history="equilibrated")
    tangent = tuple(getattr(model, "tangent_blocks", ()))
    n_full = model.state_size
    # reduced coordinates: 2 per sphere block (block 0), 2 per tangent block, all other components
    other = [i for i in range(3, n_full) if not any(b <= i < b + 3 for b in tangent)]
    n_red = 2 + 2 * len(tangent) + len(other)

    def lift(x):
        y = y_eq.copy()
        m = m_eq + x[0] * e1 + x[1] * e2
        y[0:3] = m / np.linalg.norm(m)
        k = 2
        for b in tangent:
            y[b:b + 3] = x[k] * e1 + x[k + 1] * e2
            k += 2
        for i in other:
            y[i] = y_eq[i] + x[k]
            k += 1
        return y

    def project(dy):
        out = np.empty(n_red)
        out[0], out[1] = e1 @ dy[0:3], e2 @ dy[0:3]
        k = 2
        for b in tangent:
            out[k], out[k + 1] = e1 @ dy[b:b + 3], e2 @ dy[b:b + 3]
            k += 2
        for i in other:
            out[k] = dy[i]
            k += 1
        return out

    def F(x):
        return project(model.derivative(t, lift(x)))

    scale = np.ones(n_red)
    J = np.empty((n_red, n_red))
    for j in range(n_red):
        d = np.zeros(n_red)

        def diff(e):
            d[:] = 0
            d[j] = e * scale[j]
            return (F(d) - F(-d)) / (2 * e * scale[j])

        J[:, j] = (4 * diff(eps / 2) - diff(eps)) / 3  # Richardson: O(eps^4)
    lam = np.linalg.eigvals(J)
    w = 1j * lam  # exp(lambda t) = exp(-i omega t)
    reps = []
    for x in w:
        if x.real > 1e-12 * (1 + abs(x)) or (abs(x.real) <= 1e-12 * (1 + abs(x))):
            reps.append(complex(x.real if x.real > 0 else 0.0, x.imag) if x.real >= -1e-12 * (1 + abs(x)) else None)
    reps = [r for r in reps if r is not None]
    return np.array(sorted(reps, key=lambda z: (abs(z.real), -z.imag)))


# ---------------------------------------------------------------------------------------------------
# SI front end (used by the CLI)
# ---------------------------------------------------------------------------------------------------
def macrospin_modes(model, field, alpha=0.0, eta=None, gamma=GAMMA_ELECTRON, Omega0=None, Z=None, Gamma=None,
                    V0_sq=None, kernel_sign="passive"):
    """Complex linear-mode frequencies (rad/s) of a macrospin in a static field ``field`` (tesla).

    model: 'llg' | 'illg' (needs eta in s) | 'kernel' (needs Omega0 rad/s, Z, Gamma rad/s, V0_sq (rad/s)^2).
    Returns {'precession': complex, 'nutation': complex | None, 'convention': str, 'units': 'rad/s'}.
    """
    if not (gamma > 0):
        raise InputError(f"gamma must be the positive |gamma| in rad/(s T), got {gamma}")
    if not np.isfinite(field):
        raise InputError("field must be finite (tesla)")
    if alpha < 0:
        raise InputError(f"alpha must be >= 0, got {alpha}")
    omega0 = gamma * field
    if model == "llg":
        res = llg_modes(omega0, alpha)
    elif model == "illg":
        if eta is None or not eta > 0:
            raise InputError("the iLLG model needs --eta > 0 (seconds)")
        res = illg_modes(omega0, alpha, eta)
    elif model == "kernel":
        from ..dynamics.kernels import phonon_kernel

        missing = [n for n, v in (("Omega0", Omega0), ("Z", Z), ("Gamma", Gamma), ("V0_sq", V0_sq)) if v is None]
        if missing:
            raise InputError(f"the kernel model needs {', '.join(missing)}")
        # work in units of 1/Omega0 for conditioning
        t_unit = 1.0 / Omega0
        k = phonon_kernel(V0_sq, Omega0, Z, Gamma).to_time_unit(t_unit)
        r = kernel_modes(omega0 * t_unit, k, alpha, kernel_sign)
        res = {"precession": r["precession"] / t_unit, "nutation": r["nutation"] / t_unit}
    else:
        raise InputError(f"unknown model {model!r}; use llg, illg or kernel")
    return {"precession": complex(res["precession"]),
            "nutation": None if res["nutation"] is None else complex(res["nutation"]),
            "convention": CONVENTION, "units": "rad/s"}
