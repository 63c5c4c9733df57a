"""One model description for dynamics and spin waves: a lattice ``System`` -> ``SpinWaveModel``.

The atomistic builder (:class:`spinertia.lattice.system.System`) stores pair tensors per bond
(exchange J_ij = J 1 - [D_ij x], inertia I_ij = eta_ij 1 + [xi_ij x], damping G_ij) and on-site tensors.
Linear spin-wave theory about the collinear state along +z (spec 2.1) needs, per bond, the isotropic
exchange J, the z component of the DMI vector (D_z = -axial vector of J_ij, because -[D x] has axial
vector -D), the in-plane isotropic inertia and damping and the z component of the chiral inertia;
on-site, the easy-axis constant K = K_zz, the in-plane traceless parts (K_perp, I_perp) and alpha.
Terms that tilt the ground state away from z or that the linear theory of spec 2 does not cover
(exchange anisotropy, a field not along z, off-diagonal xz/yz anisotropy) are refused with an error.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..lattice.system import System, axial_vector
from .model import SpinWaveModel

TOL = 1e-9


def _check(cond, message):
    if not cond:
        raise InputError(message)


def _inplane(T):
    """(isotropic in-plane part, traceless symmetric in-plane 2x2) of a 3x3 tensor."""
    P = 0.5 * (T[:2, :2] + T[:2, :2].T)
    iso = 0.5 * np.trace(P)
    return iso, P - iso * np.eye(2)


def spinwave_model(system: System, ground_state=None) -> SpinWaveModel:
    """Spin-wave model of ``system`` about the collinear state along z.

    ground_state: per-sublattice +1 (along +z, default) or -1 (along -z), or {name: +-1}.
    """
    if not isinstance(system, System):
        raise InputError("spinwave_model needs a spinertia.lattice.System (the builder, not the finalized object)")
    resolved = [k for k, v in system.site_onsite.items() if v is not None] + \
        [k for k, v in system.site_pairs.items() if v] + (["site_field"] if system.site_field is not None else [])
    _check(not resolved, f"spin-wave theory needs a translation-invariant system, but {', '.join(resolved)} "
           "is site-resolved (set per site or between listed sites); give these couplings per sublattice and bond")
    lat = system.lattice
    eps = system._per_sublattice(1.0 if ground_state is None else ground_state, "ground_state")
    _check(np.all(np.abs(np.abs(eps) - 1) < TOL), f"ground_state must be +1 or -1 per sublattice, got {eps}")
    B = system.B0
    _check(abs(B[0]) < TOL and abs(B[1]) < TOL and system.protocol == "static" and system.site_field is None,
           "spin-wave theory needs a static uniform field along z (the collinear ground state)")
    _check(getattr(system, "spin_transfer", None) is None,
           "the spin-wave solver has no spin-transfer torque (System.add_spin_transfer); run the lattice dynamics "
           "for a current-driven system, or build the spin-wave model from a copy without the current")
    dim = 3 if lat.dimension == 3 else 2
    m = SpinWaveModel(field=float(B[2]), dim=dim)
    for s, name in enumerate(lat.names):
        K = system.anisotropy[s]
        scale = max(1.0, np.abs(K).max())
        _check(np.all(np.abs(K[:2, 2]) <= TOL * scale) and np.all(np.abs(K[2, :2]) <= TOL * scale),
               f"sublattice {name}: anisotropy with xz/yz parts tilts the ground state away from z")
        Kiso, Kperp = _inplane(K)
        E = system.inertia[s]
        eta, Iperp = _inplane(E)
        A = system.damping[s]
        alpha, Aperp = _inplane(A)
        _check(np.abs(Aperp).max() <= TOL * max(abs(alpha), 1e-300) or np.abs(Aperp).max() == 0,
               f"sublattice {name}: anisotropic in-plane damping is not supported by the spin-wave solver")
        m.add_sublattice(
            name, lat.basis[s][:dim], mu=system.mu[s], gamma=system.gamma[s],
            K=float(K[2, 2] - Kiso), eta=float(eta), xi=float(axial_vector(E)[2]), alpha=float(alpha),
            epsilon=int(round(eps[s])),
            # S_x^2 + S_y^2 = 1 - S_z^2: the isotropic in-plane part is an easy-axis term K_zz - Kiso plus a
            # constant; only the traceless in-plane part mixes beta+ and beta- (elliptical modes)
            K_perp=Kperp if np.abs(Kperp).max() > 0 else None,
            I_perp=Iperp if np.abs(Iperp).max() > 0 else None)
    # the in-plane DMI components drop out of linear order only if they exert no torque on the z state:
    # their sum over the bonds leaving each sublattice must vanish
    net = np.zeros((lat.n_sub, 3))
    for b, T in zip(system.exchange.bonds, system.exchange.tensors):
        D = -axial_vector(T)
        net[b.s] += D
        net[b.t] -= D
    dscale = max(1e-300, max((np.abs(T).max() for T in system.exchange.tensors), default=0.0))
    bad = np.flatnonzero(np.abs(net[:, :2]).max(axis=1) > TOL * dscale)
    _check(bad.size == 0, "the in-plane DMI components do not cancel on sublattice(s) "
           f"{[lat.names[i] for i in bad]}: the state along z is not an equilibrium and the spin-wave theory "
           "about it does not apply")
    for b, T in zip(system.exchange.bonds, system.exchange.tensors):
        sym = 0.5 * (T + T.T)
        J = sym[2, 2]
        scale = max(abs(J), np.abs(T).max(), 1e-300)
        _check(np.allclose(sym, J * np.eye(3), atol=TOL * scale, rtol=0),
               f"bond {lat.names[b.s]}->{lat.names[b.t]} {b.offset}: anisotropic exchange is not supported by "
               "the spin-wave solver (only isotropic J and DMI)")
        D = -axial_vector(T)
        m.add_bond(lat.names[b.s], lat.names[b.t], lat.displacement(b)[:dim], J=float(J), D=float(D[2]))
    for b, T in zip(system.pair_inertia.bonds, system.pair_inertia.tensors):
        eta, Iperp = _inplane(T)
        _check(np.abs(Iperp).max() <= TOL * max(abs(eta), np.abs(T).max()),
               "anisotropic pair inertia is not supported by the spin-wave solver")
        m.add_bond(lat.names[b.s], lat.names[b.t], lat.displacement(b)[:dim], eta=float(eta), xi=float(axial_vector(T)[2]))
    for b, T in zip(system.pair_damping.bonds, system.pair_damping.tensors):
        alpha, Aperp = _inplane(T)
        _check(np.abs(axial_vector(T)).max() <= TOL * max(abs(alpha), 1e-300) or np.abs(T).max() == 0,
               "chiral (antisymmetric) pair damping is not supported by the spin-wave solver")
        m.add_bond(lat.names[b.s], lat.names[b.t], lat.displacement(b)[:dim], alpha=float(alpha))
    return m
