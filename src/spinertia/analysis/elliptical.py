"""Elliptical precession of a macrospin with an easy axis tilted from the field (Webb et al. 2026 supplement).

Supplement Eqs. 12-13 (frame with z along the equilibrium magnetization, easy axis r = (x, y, z),
in-plane vector n = (x, y), magnon gap omega0 = gamma H_z + K S (3 z^2 - 1), supp. Eq. 10 at k = 0):

    dM/dt = (omega0 - K S n^2) M x z + 2 K S n^2 (n^ . (M x z)) n^                           (13)

precesses on an ellipse with frequency ``sqrt(omega0^2 - (K S n^2)^2)``, semi-major axis along n^ and axis
ratio ``b = sqrt((omega0 - K S n^2)/(omega0 + K S n^2))``.

Supplement Eq. 34 adds the memory kernel,

    dM/dt = (omega0 + K S n^2) M x z + 2 K S n^2 (n^n^T - 1)(M x z) - n^2 (n^n^T - 1)((T * M) x z).   (34)

The first two terms equal the right-hand side of Eq. 13.  In the ohmic limit T(omega) = -i kappa omega
(exp(-i omega t) convention, so that T * M = kappa dM/dt) and with X M = M x z, X = [[0, 1], [-1, 0]],
P = 1 - n^n^T (projector perpendicular to n^ in the plane):

    (1 - kappa n^2 P X) dM/dt = [(omega0 - K S n^2) X + 2 K S n n^T X] M  =:  A0 M .

In the basis (n^, n^_perp): A0 = [[0, omega0 + K S n^2], [-(omega0 - K S n^2), 0]] and
1 - kappa n^2 P X = [[1, 0], [kappa n^2, 1]], so dM/dt = B M with

    B = [[0, omega0 + K S n^2], [-(omega0 - K S n^2), -kappa n^2 (omega0 + K S n^2)]],

    det(lambda - B) = lambda^2 + kappa n^2 (omega0 + K S n^2) lambda + (omega0^2 - (K S n^2)^2) = 0 .

For kappa > 0 both roots have Re lambda = -kappa n^2 (omega0 + K S n^2)/2 < 0 (underdamped while
kappa n^2 (omega0 + K S n^2) < 2 sqrt(omega0^2 - (K S n^2)^2)): an elliptical spiral (supp. Fig. 3).
Because T(omega) has the units of a frequency, kappa is dimensionless here; supp. Fig. 3 quotes
"kappa omega0 = 0.1", which in units omega0 = 1 is kappa = 0.1.

Handedness: Eq. 12 is written with M = -gamma S (electron), X M = M x z turns M clockwise about z; the
package's macrospin (dm/dt = -m x h) turns counter-clockwise.  Frequencies and axes do not depend on it.

Classical cross-check (:func:`macrospin_ellipse_prediction`): a macrospin with energy
E = -h . m - K S (m . r)^2 linearized about its equilibrium m_eq = z (frame where r = (x, 0, z); the
transverse field is then h_x = -2 K S x z) has stiffnesses E_uu = h_z + 2KS z^2 - 2KS x^2 and
E_vv = h_z + 2KS z^2, so omega^2 = E_uu E_vv = (omega0 - K S x^2)(omega0 + K S x^2) = omega0^2 - (K S n^2)^2
with omega0 = h_z + K S (3 z^2 - 1), n^2 = x^2, and the orbit u^2 E_uu + v^2 E_vv = const has axis ratio
sqrt(E_uu / E_vv) = b with the semi-major axis along the projection of r.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError

__all__ = [
    "elliptical_frequency",
    "semi_minor_axis",
    "eccentricity",
    "eq34_matrix",
    "eq34_eigenvalues",
    "eq34_solution",
    "eq34_solve_ivp",
    "ellipse_axes",
    "relax_to_equilibrium",
    "macrospin_ellipse_prediction",
    "measure_macrospin_ellipse",
]

_X = np.array([[0.0, 1.0], [-1.0, 0.0]])


def _check(omega0, KSn2):
    omega0 = float(omega0)
    KSn2 = float(KSn2)
    if not (np.isfinite(omega0) and np.isfinite(KSn2)):
        raise InputError("omega0 and KSn2 must be finite")
    if not abs(KSn2) < omega0:
        raise InputError(
            f"elliptical precession needs |K S n^2| < omega0 (a stable equilibrium), got omega0 = {omega0}, "
            f"K S n^2 = {KSn2}"
        )
    return omega0, KSn2


def elliptical_frequency(omega0, KSn2):
    """Supp. Eq. 13: omega = sqrt(omega0^2 - (K S n^2)^2)."""
    omega0, KSn2 = _check(omega0, KSn2)
    return float(np.sqrt(omega0**2 - KSn2**2))


def semi_minor_axis(omega0, KSn2):
    """Supp. Eq. 13 / supp. Fig. 2: b = sqrt((omega0 - K S n^2)/(omega0 + K S n^2)) (semi-major axis = 1)."""
    omega0, KSn2 = _check(omega0, KSn2)
    return float(np.sqrt((omega0 - KSn2) / (omega0 + KSn2)))


def eccentricity(omega0, KSn2):
    """sqrt(1 - b^2) = sqrt(2 K S n^2/(omega0 + K S n^2)) ~ n sqrt(2 K S/omega0) for omega0 >> K S."""
    b = semi_minor_axis(omega0, KSn2)
    return float(np.sqrt(1 - b * b))


def _n_vector(n):
    n = np.asarray(n, dtype=float)
    if n.shape != (2,) or not np.all(np.isfinite(n)):
        raise InputError(f"n must be the in-plane 2-vector (x, y) of the easy axis, got {n!r}")
    return n


def eq34_matrix(omega0, KS, n=(1.0, 0.0), kappa=0.0):
    """Matrix B of the linear ohmic Eq. 34, dM/dt = B M for M = (M_x, M_y) (kappa = 0: Eqs. 12-13).

    ``KS`` is K S (half the anisotropy frequency 2KS = gamma B_K); ``n`` = (x, y) the in-plane components of
    the easy axis in the frame z = m_eq (|n| <= 1); ``kappa`` the dimensionless ohmic coefficient.
    """
    n = _n_vector(n)
    n2 = float(n @ n)
    _check(omega0, KS * n2)
    A0 = (omega0 - KS * n2) * _X + 2 * KS * np.outer(n, n) @ _X
    if n2 > 0:
        nh = n / np.sqrt(n2)
        P = np.eye(2) - np.outer(nh, nh)
    else:
        P = np.eye(2)
    C = np.eye(2) - kappa * n2 * P @ _X
    return np.linalg.solve(C, A0)


def eq34_eigenvalues(omega0, KSn2, kappa=0.0, n2=1.0):
    """Roots lambda (dM/dt = lambda M) of lambda^2 + kappa n^2 (omega0 + KSn^2) lambda + omega0^2 - (KSn^2)^2.

    Returned as an array of two complex numbers sorted by Im lambda descending.  The package's complex
    frequency is omega = i lambda (exp(-i omega t)).
    """
    omega0, KSn2 = _check(omega0, KSn2)
    b = kappa * n2 * (omega0 + KSn2)
    c = omega0**2 - KSn2**2
    disc = np.sqrt(complex(b * b - 4 * c))
    roots = np.array([(-b + disc) / 2, (-b - disc) / 2])
    return roots[np.argsort(-roots.imag)]


def eq34_solution(t, M0, omega0, KS, n=(1.0, 0.0), kappa=0.0):
    """Exact solution M(t) = expm(B t) M0 of the linear Eq. 34 (ohmic) on the times ``t``; shape (len(t), 2).

    The exponential is taken through the eigen-decomposition of the 2x2 matrix B (exact; B is
    diagonalizable whenever the two roots differ, which holds for every underdamped orbit).
    """
    B = eq34_matrix(omega0, KS, n, kappa)
    M0 = np.asarray(M0, dtype=float)
    if M0.shape != (2,):
        raise InputError(f"M0 must be a 2-vector (M_x, M_y), got shape {M0.shape}")
    t = np.atleast_1d(np.asarray(t, dtype=float))
    lam, V = np.linalg.eig(B)
    if abs(lam[0] - lam[1]) < 1e-12 * max(1.0, abs(lam[0])):
        from scipy.linalg import expm

        return np.array([expm(B * ti) @ M0 for ti in t])
    c = np.linalg.solve(V, M0.astype(complex))
    return np.real(np.exp(np.outer(t, lam)) * c[None, :] @ V.T)


def eq34_solve_ivp(t, M0, omega0, KS, n=(1.0, 0.0), kappa=0.0, rtol=1e-12, atol=1e-14):
    """Independent numerical route: integrate Eq. 34 in its implicit form (1 - kappa n^2 P X) M' = A0 M
    with scipy ``solve_ivp`` (DOP853).  Returns M at the times ``t`` (shape (len(t), 2))."""
    from scipy.integrate import solve_ivp

    n = _n_vector(n)
    n2 = float(n @ n)
    _check(omega0, KS * n2)
    A0 = (omega0 - KS * n2) * _X + 2 * KS * np.outer(n, n) @ _X
    P = np.eye(2) - (np.outer(n, n) / n2 if n2 > 0 else 0.0)
    C = np.eye(2) - kappa * n2 * P @ _X

    def rhs(_, M):
        return np.linalg.solve(C, A0 @ M)

    t = np.asarray(t, dtype=float)
    sol = solve_ivp(rhs, (t[0], t[-1]), np.asarray(M0, float), method="DOP853", t_eval=t, rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    return sol.y.T


def ellipse_axes(mx, my, method="conic"):
    """Semi-axes and orientation of a (closed, elliptical) orbit sampled at points (mx, my).

    method::

      'conic'   least-squares fit of a x^2 + b xy + c y^2 + d x + e y = 1 (exact for any points on an
                ellipse that does not pass through the origin; no condition on the sampling);
      'pca'     second moments about the mean: exact for a harmonic elliptical motion sampled uniformly in
                time over an integer number of periods (semi-axis = sqrt(2 eigenvalue));
      'extrema' max/min distance from the centre over the samples (accuracy ~ (sampling angle)^2).

    Returns {'semi_major', 'semi_minor', 'ratio' (minor/major), 'angle' (direction of the semi-major axis,
    radians in (-pi/2, pi/2]), 'center' (2-vector)}.
    """
    x = np.asarray(mx, dtype=float).ravel()
    y = np.asarray(my, dtype=float).ravel()
    if x.shape != y.shape or len(x) < 5:
        raise InputError("mx and my must be equal-length 1-D series with at least 5 points")
    if method == "conic":
        D = np.column_stack([x * x, x * y, y * y, x, y])
        coef = np.linalg.lstsq(D, np.ones_like(x), rcond=None)[0]
        a, b, c, d, e = coef
        Q = np.array([[a, b / 2], [b / 2, c]])
        g = np.array([d, e])
        center = np.linalg.solve(2 * Q, -g)
        rhs = 1.0 + center @ Q @ center
        ev, V = np.linalg.eigh(Q)
        if np.any(ev <= 0) or rhs <= 0:
            raise InputError("the points do not lie on an ellipse (the fitted conic is not an ellipse)")
        axes = np.sqrt(rhs / ev)  # ev ascending -> axes descending
        major, minor = axes[0], axes[1]
        v = V[:, 0]
    elif method == "pca":
        center = np.array([x.mean(), y.mean()])
        cov = np.cov(np.vstack([x - center[0], y - center[1]]), bias=True)
        ev, V = np.linalg.eigh(cov)
        major, minor = np.sqrt(2 * ev[1]), np.sqrt(2 * max(ev[0], 0.0))
        v = V[:, 1]
    elif method == "extrema":
        center = np.array([0.5 * (x.max() + x.min()), 0.5 * (y.max() + y.min())])
        r = np.hypot(x - center[0], y - center[1])
        k = int(np.argmax(r))
        major, minor = r[k], r.min()
        v = np.array([x[k] - center[0], y[k] - center[1]])
    else:
        raise InputError(f"method must be 'conic', 'pca' or 'extrema', got {method!r}")
    angle = float(np.arctan2(v[1], v[0]))
    if angle <= -np.pi / 2:
        angle += np.pi
    elif angle > np.pi / 2:
        angle -= np.pi
    return {"semi_major": float(major), "semi_minor": float(minor), "ratio": float(minor / major),
            "angle": angle, "center": center}


# ---------------------------------------------------------------------------------------------------
# classical macrospin cross-check
# ---------------------------------------------------------------------------------------------------
def relax_to_equilibrium(hamiltonian, m_guess, tol=1e-15, max_iter=100000):
    """Energy minimum reached from ``m_guess`` by a projected gradient flow on the static energy
    (m <- normalize(m + s (h_eff - (h_eff . m) m)), s = 1/max_frequency), polished to |m x h_eff| < tol |h_eff|."""
    m = np.asarray(m_guess, dtype=float)
    m = m / np.linalg.norm(m)
    s = 1.0 / max(hamiltonian.max_frequency(), 1e-300)
    for _ in range(max_iter):
        h = hamiltonian.macrospin_field(0.0, m)
        g = h - (h @ m) * m
        if np.linalg.norm(g) <= tol * max(np.linalg.norm(h), 1e-300):
            break
        m = m + s * g
        m /= np.linalg.norm(m)
    else:
        raise RuntimeError("equilibrium search did not converge; give m_eq explicitly")
    return m


def macrospin_ellipse_prediction(hamiltonian, m_eq=None):
    """Closed-form elliptical precession of a macrospin with Zeeman field h and one uniaxial axis r.

    ``hamiltonian``: a finalized Macrospin with a static field and anisotropy tensor N = 2KS r r^T.
    Finds the equilibrium (energy minimum near the field unless ``m_eq`` is given), the frame
    (e1 along the transverse projection of r, e2 = m_eq x e1, e3 = m_eq), and returns a dict with
    h_z, x, z (components of r), KS, omega0 = h_z + KS(3 z^2 - 1), KSn2 = KS x^2, the frequency
    sqrt((h_z + 2KSz^2 - 2KSx^2)(h_z + 2KSz^2)), the Eq. 13 form sqrt(omega0^2 - KSn2^2), the axis ratio b,
    and 'transverse_field_check' = h_x + 2 KS x z (zero at equilibrium).
    """
    N = hamiltonian.anisotropy
    h = hamiltonian.static_field
    ev, V = np.linalg.eigh(N)
    nz = np.abs(ev) > 1e-12 * max(1.0, np.abs(ev).max())
    if nz.sum() != 1 or ev[nz][0] <= 0:
        raise InputError("the cross-check needs exactly one easy axis (N = 2KS r r^T with KS > 0)")
    two_ks = float(ev[nz][0])
    r = V[:, nz][:, 0]
    if m_eq is None:
        m_eq = relax_to_equilibrium(hamiltonian, h if np.linalg.norm(h) > 0 else r)
    m_eq = np.asarray(m_eq, float) / np.linalg.norm(m_eq)
    z = float(r @ m_eq)
    if z < 0:
        r, z = -r, -z
    rt = r - z * m_eq
    if np.linalg.norm(rt) < 1e-14:
        e1 = np.cross(m_eq, [1.0, 0, 0]) if abs(m_eq[0]) < 0.9 else np.cross(m_eq, [0, 1.0, 0])
        e1 /= np.linalg.norm(e1)
    else:
        e1 = rt / np.linalg.norm(rt)
    e2 = np.cross(m_eq, e1)
    x = float(r @ e1)
    KS = two_ks / 2
    hz = float(h @ m_eq)
    hx = float(h @ e1)
    e_uu = hz + 2 * KS * z * z - 2 * KS * x * x
    e_vv = hz + 2 * KS * z * z
    omega0 = hz + KS * (3 * z * z - 1)
    KSn2 = KS * x * x
    return {
        "m_eq": m_eq, "e1": e1, "e2": e2, "h_z": hz, "x": x, "z": z, "KS": KS,
        "omega0": omega0, "KSn2": KSn2,
        "omega_stiffness": float(np.sqrt(e_uu * e_vv)),
        "omega_eq13": elliptical_frequency(omega0, KSn2),
        "ratio": semi_minor_axis(omega0, KSn2),
        "ratio_stiffness": float(np.sqrt(e_uu / e_vv)),
        "transverse_field_check": hx + 2 * KS * x * z,
    }


def measure_macrospin_ellipse(hamiltonian, amplitude=1e-5, periods=10, steps_per_period=400,
                              samples_per_period=100, m_eq=None):
    """Measure the small-amplitude orbit of the *nonlinear* undamped LLG about the equilibrium.

    Starts at m = m_eq + amplitude e1 (normalized), integrates ``dm/dt = -m x h_eff`` (alpha = 0, RK4) for
    ``periods`` periods, and returns {'omega' (matrix pencil on u + i v, u = m.e1, v = m.e2), 'ratio',
    'angle' (of the semi-major axis, from e1), 'u', 'v', 't', 'prediction'}.
    The cubic terms of the energy add 2 omega harmonics of relative size ~ amplitude, which bias the fitted
    frequency by ~ 1e-3 x amplitude (relative): keep the amplitude small.
    """
    from ..dynamics.models import LLG
    from ..dynamics.simulate import simulate
    from ..numerics.signal import matrix_pencil

    pred = macrospin_ellipse_prediction(hamiltonian, m_eq)
    e1, e2, m_eq = pred["e1"], pred["e2"], pred["m_eq"]
    period = 2 * np.pi / pred["omega_stiffness"]
    dt = period / steps_per_period
    save = max(1, int(round(steps_per_period / samples_per_period)))
    model = LLG(hamiltonian.undamped())
    m0 = m_eq + amplitude * e1
    m0 /= np.linalg.norm(m0)
    u = hamiltonian.units
    tr = simulate(model, model.initial_state(m0), u.time_to_si(periods * period), u.time_to_si(dt), method="rk4",
                  output_every=u.time_to_si(save * dt))
    u = tr.m @ e1
    v = tr.m @ e2
    # an elliptical orbit is two counter-rotating circles, u + i v = a e^{-i w t} + b e^{+i w t}, about a
    # centre displaced by O(amplitude^2) (cubic terms of the energy): three modes
    w, a = matrix_pencil(u + 1j * v, save * dt, 3)
    k = int(np.argmax(np.abs(a)))
    omega = complex(abs(w[k].real), w[k].imag)
    axes = ellipse_axes(u, v, method="conic")
    return {"omega": omega, "ratio": axes["ratio"], "angle": axes["angle"], "u": u, "v": v,
            "t": tr.t, "prediction": pred}
