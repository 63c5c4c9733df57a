"""Local spin density of a 40 x 40 spinful strip with two leads at one energy: RGF vs a dense inverse.

Run:  python benchmarks/negf.py            (not part of the test suite; ~4 minutes on one core)
      python benchmarks/negf.py --smoke    (seconds: small dense references, same final lines)

System (Xu et al. 2023, Sec. V): square lattice 40 x 40, hopping t = 1, on-site 4t, s-d exchange
J sigma . m_i with J = 2 and a Bloch skyrmion texture (radius 10 a, textures.skyrmion), two normal
semi-infinite leads continuing the lattice (cached surface Green's functions).  Quantity: the
lead-resolved spectral spin density (1/4 pi) Tr_s[sigma A_p]_ii of every site for both leads at
E = 1.9 t (the energy of the seed's pumping simulations) -- the integrand of Eq. 33.

* RGF: ``observables.local_spin_density`` (one forward sweep with 80 x 80 layer inverses, one
  backward sweep of the lead columns G W_p, site blocks of G Gamma_p G^dagger).
* dense: ``retarded_dense`` (inverse of the 3200 x 3200 matrix E - H - Sigma) and the same spectral
  blocks from its lead columns.
* Kwant (when importable): ``kwant.wave_function`` + ``kwant.operator.Density`` with the Pauli matrices
  on the same system (scattering states of both leads).

Response kernels on the same system (linear_response, recursive route vs ``method="dense"``):

* the Fermi-surface integrand of the macrospin Gilbert tensor at E = 1.9 t (corrected Xu et al. 2023,
  Eq. 19: Tr[V_a A V_b A]/4pi + Im Tr[V_a A V_b Re G]/2pi with V_a = J sum_i sigma_a(i) over all 1600
  sites): RGF from the lead columns G W_p (A = sum_p G W_p (G W_p)^dagger) and two block solves per vertex;
  dense from the inverse of the whole region;
* one contour node z = mu + 0.3i of the site-pair tensors (Bhattacharjee et al. 2012, Eqs. 12-14: exchange
  Tr[V_i G V_j G], friction Tr[V_i G' V_j G] - Tr[V_i G V_j G'], inertia Tr[V_i G'' V_j G]) for all
  nearest-neighbour pairs: RGF from the layer blocks G_kk, G_{k,k+-1} as Taylor jets (G', G'' exactly);
  dense from G, G' = -G G and G'' = 2 G G G of the whole region.

Timings are medians of interleaved repeats in one run, BLAS restricted to one thread.  The last two lines
are ``rgf_ms_per_energy_40x40: <ms>`` and ``rgf_speedup_40x40: <dense time / RGF time>``.
"""
from __future__ import annotations

import argparse
import os
import time

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")

import numpy as np  # noqa: E402

from spinertia.electrons import RGF, SemiInfiniteLead, TightBinding, retarded_dense  # noqa: E402
from spinertia.electrons import linear_response as lr  # noqa: E402
from spinertia.electrons import observables as ob  # noqa: E402
from spinertia.electrons.nonlocal_tensors import SitePairs, site_pairs  # noqa: E402
from spinertia.electrons.tensors import magnet_vertices  # noqa: E402
from spinertia.lattice import textures  # noqa: E402
from spinertia.lattice.geometry import square  # noqa: E402

E0 = 1.9
J = 2.0


def build(L):
    tb = TightBinding(square(), (L, L)).add_onsite(4.0)
    tb.set_exchange(J, textures.skyrmion(tb.geometry, radius=L / 4 * 1e-10, kind="bloch"))
    f = tb.finalized()
    for side in ("left", "right"):
        f.attach_lead(SemiInfiniteLead.from_system(f, side), side=side)
    return f


def dense_spin_density(f, E):
    G = retarded_dense(f, E)
    out = []
    for al in f.leads:
        X = G[:, al.interface] @ al.lead.gamma_factor(E)
        Xs = X.reshape(f.n_sites, 2, -1)
        A = np.einsum("sar,sbr->sab", Xs, Xs.conj())
        out.append(ob.site_moments(A)[1] / (2 * np.pi))
    return np.array(out)


def kwant_spin_density(L, E, texture):
    import kwant

    s0, sx, sy, sz = np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1.0, -1.0])
    lat = kwant.lattice.square(1, norbs=2)
    syst = kwant.Builder()
    for x in range(L):
        for y in range(L):
            m = texture[x + L * y]
            syst[lat(x, y)] = 4 * s0 + J * (m[0] * sx + m[1] * sy + m[2] * sz)
    syst[lat.neighbors()] = -s0
    lead = kwant.Builder(kwant.TranslationalSymmetry((-1, 0)))
    lead[(lat(0, y) for y in range(L))] = 4 * s0
    lead[lat.neighbors()] = -s0
    syst.attach_lead(lead)
    syst.attach_lead(lead.reversed())
    fs = syst.finalized()
    rho = [kwant.operator.Density(fs, s) for s in (sx, sy, sz)]

    def run():
        wf = kwant.wave_function(fs, E)
        return [np.array([sum(r(psi) for psi in wf(p)) for r in rho]).T / (4 * np.pi) for p in (0, 1)]

    out = run()
    order = np.array([int(round(s.pos[0])) + L * int(round(s.pos[1])) for s in fs.sites])
    res = np.zeros((2, L * L, 3))
    for p in range(2):
        res[p, order] = out[p]
    return res, run


def response_kernels(f, E):
    """{name: (function of a Device, description)}: the Fermi-surface damping of the macrospin and one
    contour node of the three nearest-neighbour pair tensors."""
    C = lr.OperatorPairs(magnet_vertices(f), None, f.n_orb)
    pairs, _ = site_pairs(f)
    P = SitePairs(pairs, f.exchange_J, f.n_sites, f.orbitals)
    z = E + 0.3j

    def surface(dev):
        return lr._friction_surface(E, dev, (C,))

    def contour(dev):
        return np.stack([lr._static_sea(z, dev, (P,)), lr._friction_sea(z, dev, (P,)), lr._inertia_sea(z, dev, (P,))])

    return {"damping_fermi_surface": (surface, "macrospin damping, Fermi-surface term (Eq. 19) at one energy"),
            "pair_tensors_contour_node": (contour, f"chi, friction, inertia of {len(pairs)} nn pairs at one node")}


def time_response(f, E, repeats_rgf, repeats_dense):
    """{name: (t_rgf, t_dense, max relative deviation)} of :func:`response_kernels`."""
    dev_r = lr.Device.from_system(f, E)
    dev_d = lr.Device.from_system(f, E, method="dense")
    out = {}
    for name, (fn, _) in response_kernels(f, E).items():
        a = fn(dev_r)  # warm-up (lead self-energies cached)
        tr = float(np.median(interleaved({"rgf": lambda: fn(dev_r)}, repeats_rgf)["rgf"]))
        t0 = time.perf_counter()
        b = fn(dev_d)
        td = time.perf_counter() - t0
        if repeats_dense > 1:
            td = float(np.median([td] + interleaved({"d": lambda: fn(dev_d)}, repeats_dense - 1)["d"]))
        out[name] = (tr, td, float(np.abs(a - b).max() / np.abs(b).max()))
    return out


def interleaved(fns, repeats):
    """Wall times (s) of each function, repeats rounds, the functions interleaved within a round."""
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="seconds: RGF on 40x40, dense reference on 16x16")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--energy", type=float, default=E0)
    args = ap.parse_args()
    E = args.energy
    f = build(40)
    rgf = RGF(f)
    s_rgf = ob.local_spin_density(rgf, E)  # warm-up; caches the lead self-energies at E
    t_rgf = interleaved({"rgf": lambda: ob.local_spin_density(rgf, E)}, 3 if args.smoke else 3 * args.repeats)["rgf"]
    print(f"system: 40 x 40 square lattice, 2 spins -> 3200 orbitals, 40 layers of 80; J = {J}, skyrmion; E = {E}")
    print(f"open channels per lead: {[al.lead.n_channels(E) for al in f.leads]}")
    print(f"RGF spin density (both leads, all sites): {np.median(t_rgf) * 1e3:.2f} ms (median of {len(t_rgf)})")
    if args.smoke:
        fs = build(16)
        r16 = RGF(fs)
        ref = dense_spin_density(fs, E)
        err = float(np.abs(ob.local_spin_density(r16, E) - ref).max())
        t16 = interleaved({"rgf": lambda: ob.local_spin_density(r16, E), "dense": lambda: dense_spin_density(fs, E)}, 3)
        t16 = {k: float(np.median(v)) for k, v in t16.items()}
        print(f"smoke: 16 x 16 dense reference {t16['dense'] * 1e3:.1f} ms, RGF {t16['rgf'] * 1e3:.2f} ms, "
              f"max |difference| {err:.2e}")
        speed = t16["dense"] / t16["rgf"]
        print("(smoke mode: the speedup line is the 16 x 16 ratio, not the 40 x 40 one)")
    else:
        ref = dense_spin_density(f, E)
        err = float(np.abs(s_rgf - ref).max())
        t = interleaved({"rgf": lambda: ob.local_spin_density(rgf, E), "dense": lambda: dense_spin_density(f, E)},
                        args.repeats)
        t_rgf = t_rgf + t["rgf"]
        t_dense = float(np.median(t["dense"]))
        print(f"dense inverse of the whole system: {t_dense:.2f} s (median of {args.repeats}); "
              f"max |s_RGF - s_dense| = {err:.2e}")
        speed = t_dense / float(np.median(t["rgf"]))
        try:
            import kwant  # noqa: F401

            k_res, k_run = kwant_spin_density(40, E, f.texture)
            tk = float(np.median(interleaved({"kwant": k_run}, max(1, args.repeats // 2))["kwant"]))
            print(f"Kwant {kwant.__version__} (wave_function + operator.Density): {tk * 1e3:.1f} ms; "
                  f"max |s_RGF - s_Kwant| = {np.abs(k_res - s_rgf).max():.2e}; Kwant / RGF = "
                  f"{tk / float(np.median(t_rgf)):.1f}")
        except ImportError:
            print("Kwant not importable: skipped (pip install kwant in an environment with numpy < 2)")
    # response kernels (docs/electrons.md, "Limits"): RGF on 40 x 40; dense on 40 x 40 (full) or 12 x 12 (smoke)
    n_ref = 12 if args.smoke else 40
    res40 = time_response(f, E, 3, 1) if not args.smoke else None
    if args.smoke:
        rgf40 = {}
        dev40 = lr.Device.from_system(f, E)
        for name, (fn, _) in response_kernels(f, E).items():
            fn(dev40)
            rgf40[name] = float(np.median(interleaved({"rgf": lambda: fn(dev40)}, 2)["rgf"]))
        small = time_response(build(n_ref), E, 3, 3)
    for name, (_, what) in response_kernels(f, E).items():
        if args.smoke:
            tr, td, dev = small[name]
            print(f"{name}: {what}; RGF 40x40 {rgf40[name] * 1e3:.1f} ms; {n_ref}x{n_ref}: RGF {tr * 1e3:.1f} ms, "
                  f"dense {td * 1e3:.1f} ms, speedup {td / tr:.1f}, max rel deviation {dev:.1e}")
        else:
            tr, td, dev = res40[name]
            print(f"{name}: {what}; 40x40: RGF {tr * 1e3:.1f} ms, dense {td:.2f} s, speedup {td / tr:.0f}, "
                  f"max rel deviation {dev:.1e}")
    t_rgf = float(np.median(t_rgf))
    print(f"rgf_ms_per_energy_40x40: {t_rgf * 1e3:.2f}")
    print(f"rgf_speedup_40x40: {speed:.1f}")


if __name__ == "__main__":
    main()
