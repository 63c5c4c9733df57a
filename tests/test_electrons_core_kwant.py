"""Cross-check against Kwant (skipped when Kwant is not importable; Kwant builds from source and needs
numpy < 2).  Same 40 x 40 square lattice (hopping 1, on-site 4, J sigma . m with J = 2), with a uniform
texture and with a skyrmion, two normal leads: transmission, scattering-state DOS and the spin density
of the scattering states of each lead."""
import numpy as np
import pytest

kwant = pytest.importorskip("kwant")

from spinertia.electrons import RGF, SemiInfiniteLead, TightBinding  # noqa: E402
from spinertia.electrons import observables as ob  # noqa: E402
from spinertia.lattice import textures  # noqa: E402
from spinertia.lattice.geometry import square  # noqa: E402

L, J = 40, 2.0
S0 = np.eye(2)
SIG = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0])]


def ours(texture_fn):
    tb = TightBinding(square(), (L, L)).add_onsite(4.0)
    tb.set_exchange(J, texture_fn(tb.geometry))
    f = tb.finalized()
    for side in ("left", "right"):
        f.attach_lead(SemiInfiniteLead.strip(L, onsite=4.0), side=side)
    return f


def kwant_system(texture):
    lat = kwant.lattice.square(1, norbs=2)
    syst = kwant.Builder()
    for x in range(L):
        for y in range(L):
            m = texture[x + L * y]
            syst[lat(x, y)] = 4 * S0 + J * sum(m[a] * SIG[a] for a in range(3))
    syst[lat.neighbors()] = -S0
    lead = kwant.Builder(kwant.TranslationalSymmetry((-1, 0)))
    lead[(lat(0, y) for y in range(L))] = 4 * S0
    lead[lat.neighbors()] = -S0
    syst.attach_lead(lead)
    syst.attach_lead(lead.reversed())
    fs = syst.finalized()
    order = np.array([int(round(s.pos[0])) + L * int(round(s.pos[1])) for s in fs.sites])
    return fs, order


TEXTURES = {
    "uniform": lambda g: textures.uniform(g),
    "skyrmion": lambda g: textures.skyrmion(g, radius=10e-10, kind="bloch"),
}


@pytest.mark.parametrize("name", list(TEXTURES))
def test_transmission_dos_and_spin_density_agree_with_kwant(name):
    f = ours(TEXTURES[name])
    r = RGF(f)
    fs, order = kwant_system(f.texture)
    dens = [kwant.operator.Density(fs, s) for s in SIG]
    for E in (0.7, 1.9, 4.3):
        smat = kwant.smatrix(fs, E)
        assert r.transmission(E) == pytest.approx(smat.transmission(1, 0), abs=1e-9)
        ldos = np.zeros(L * L)
        ldos[order] = kwant.ldos(fs, E).reshape(-1, 2).sum(1)
        assert np.abs(ob.spectral_dos(r, E, per_site=True) - ldos).max() < 1e-9
        wf = kwant.wave_function(fs, E)
        s_ours = ob.local_spin_density(r, E)
        for p in (0, 1):
            psi = wf(p)
            s_k = np.zeros((L * L, 3))
            s_k[order] = np.array([sum(d(v) for v in psi) for d in dens]).T / (4 * np.pi)
            assert np.abs(s_ours[p] - s_k).max() < 1e-9
