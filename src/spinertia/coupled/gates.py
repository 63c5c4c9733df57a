"""Gate protocols of a tight-binding system with their time derivatives.

The electrons' frozen Hamiltonian at time t contains the gate potentials V_g(t) (units of the hopping t,
time in hbar/t) added by :meth:`spinertia.electrons.TightBinding.add_gate`; the adiabatically pumped
densities and currents need the rates dV_g/dt as well (Xu et al. 2023, Eq. 40: I_p = Tr[Gamma_R G^r
(dV_p/dt) G^a]).  :class:`GateDrive` evaluates both for every gate of a finalized system:

* ``('cos', V, omega, phase)``: V cos(omega t + phase), rate -V omega sin(omega t + phase) (exact);
* ``('sin', V, omega, phase)``: V sin(omega t + phase), rate V omega cos(omega t + phase) (exact);
* a number (static potential): rate 0;
* a callable V(t): its attribute ``rate`` (a callable dV/dt) when present, otherwise the fourth-order
  central difference with step ``h = 1e-3`` hbar/t (error ~ h^4 |V^(5)| / 30).
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import InputError

__all__ = ["GateDrive", "FD_STEP"]

#: step (hbar/t) of the finite-difference rate of a callable gate protocol without a ``rate`` attribute
FD_STEP = 1e-3


def _value(gate, t):
    return float(gate(t))


class GateDrive:
    """Values and rates of the gates of a finalized tight-binding system, per gate and per orbital.

    Parameters
    ----------
    fsys : spinertia.electrons.FinalizedTightBinding
        The system; its gates (``TightBinding.add_gate``) in insertion order.

    Attributes
    ----------
    sites : list of int arrays
        Gated sites of each gate.
    orbitals : list of int arrays
        Orbital indices of each gate (all orbitals and both spins of its sites).
    layers : sorted int array
        Layers (RGF layers along the transport direction) touched by any gate.
    """

    def __init__(self, fsys):
        self.fsys = fsys
        self.gates = list(getattr(fsys, "_gates", []))
        self.sites = [np.asarray(g.sites, dtype=np.int64) for g in self.gates]
        self.orbitals = [fsys.site_orbitals(s) for s in self.sites]
        lay = [fsys.layer_of_orbital[o] for o in self.orbitals]
        self.layers = np.unique(np.concatenate(lay)) if lay else np.zeros(0, dtype=np.int64)

    def __len__(self):
        return len(self.gates)

    def values(self, t):
        """V_g(t) for every gate (units of t), t in hbar/t."""
        return np.array([_value(g, t) for g in self.gates])

    def rates(self, t):
        """dV_g/dt for every gate (units of t^2/hbar)."""
        out = np.empty(len(self.gates))
        for i, g in enumerate(self.gates):
            if g.kind == "static":
                out[i] = 0.0
            elif g.kind in ("cos", "sin"):
                amp, omega, phase = g.params
                x = omega * float(t) + phase
                out[i] = -amp * omega * math.sin(x) if g.kind == "cos" else amp * omega * math.cos(x)
            else:
                rate = getattr(g.fn, "rate", None)
                if rate is not None:
                    v = float(rate(float(t)))
                else:
                    h = FD_STEP
                    v = (8 * (_value(g, t + h) - _value(g, t - h)) - (_value(g, t + 2 * h) - _value(g, t - 2 * h))) \
                        / (12 * h)
                if not math.isfinite(v):
                    raise InputError(f"gate {i}: the rate dV/dt at t = {t} is not finite ({v})")
                out[i] = v
        return out

    def periods(self):
        """Angular frequencies omega of the periodic ('cos'/'sin') gates (others omitted)."""
        return [g.params[1] for g in self.gates if g.kind in ("cos", "sin")]

    def per_orbital(self, per_gate):
        """Sum over gates of ``per_gate[g]`` on the gate's orbitals: an (n_orb,) array."""
        out = np.zeros(self.fsys.n_orb)
        for v, orbs in zip(per_gate, self.orbitals):
            out[orbs] += v
        return out

    def describe(self):
        out = []
        for g, s in zip(self.gates, self.sites):
            d = {"kind": g.kind, "n_sites": int(len(s))}
            if g.kind in ("cos", "sin"):
                d.update(amplitude=g.params[0], omega=g.params[1], phase=g.params[2])
            elif g.kind == "static":
                d.update(value=g.params[0])
            out.append(d)
        return out
