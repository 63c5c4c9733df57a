"""Reproduction of Xu et al. 2023, Fig. 3: spin-resolved transmission and DOS of the 40 x 40 lattice with
and without a relaxed skyrmion (Xu et al. 2023, Sec. V).

Xu et al. 2023: "Figure 3 shows the transmission coefficient and density of states (DOS) as a function of the
electron energy E with and without an Sk ... When there is no Sk, Figs. 3(a) and 3(b) show spin-degenerate
transmission coefficients and DOS ... in the presence of the Sk ... the whole energy range [0, 8] can be
divided into three regions: (i) 0 < E < |J| ... fully spin polarized ... only spin-down electrons can
transmit; (ii) |J| < E < 8 - |J| both spin-up and -down; (iii) 8 - |J| < E < 8 fully polarized with
spin-up component", with J = 2 and hopping t = 1.

Model (see docs/electrons_core.md): H = sum_i (4t + J sigma . m_i) - t sum_<ij> c_i^dag c_j on the 40 x 40
square lattice, normal semi-infinite leads (on-site 4t, same hopping) on the left and right edges: the
lead band is [0, 8].  The band window [0, 8] with its three regions needs the on-site 4t and the
splitting +-J of J sigma . m (the J/2 of the paper's Eqs. 32/A5, J s . M = (J/2) sigma . M, would put the
region edges at J/2 and 8 - J/2).  "Without Sk" is the unmagnetized lattice (J sigma . m absent: the only
spin-degenerate case); the uniform ferromagnet m = +z is computed as the reference of the analytic
band edges.  The skyrmion is the Bloch skyrmion of Xu et al. 2023, Eq. 38 parameters relaxed by
:func:`spinertia.reproduce.xu2023.relax_case`, twice: relaxed with periodic boundaries (no edge
canting; m_z = 0.999999 on the edge columns), which reproduces the paper's fully polarized regions, and
relaxed with open boundaries, where the DMI cants the edge spins by ~27 degrees and the electrons leave
the magnet with their spin along the canted exit column: the "fully polarized" regions then reach only
|P_T| ~ 0.85 (the paper does not say how its boundary was treated).

Independent checks: the clean strip's channel staircase; the uniform ferromagnet decouples into
transverse modes and spins, each a 1D chain with a square potential +-J over 40 sites, solved here by
2 x 2 transfer matrices (no Green's function); the chiral symmetry (-1)^(x+y) i sigma_y K of the
bipartite lattice maps H - 4 to -(H - 4) and spin up to down, so T_up(E) = T_down(8 - E) and
DOS_up(E) = DOS_down(8 - E) for any texture.

Figures
-------
* ``fig3_transmission_dos.png``  spin-resolved transmission (top) and DOS (bottom) vs E for no
  magnetization, the uniform ferromagnet and the relaxed skyrmion (J = 2), analytic region edges dashed.
* ``report.md``  every quantitative check.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

from ..electrons import RGF, SemiInfiniteLead, TightBinding
from ..electrons import observables as ob
from ..lattice import textures as tx
from ..lattice.geometry import square
from . import paper_result, xu2023
from .checks import Checks, checks_table

PAPER = "xu2023_transport"
TITLE = "Spin-resolved transmission and DOS with and without a skyrmion (Xu et al. 2023, Fig. 3)"
FIGURES = ("fig3_transmission_dos.png",)

L = 40
J = 2.0
ONSITE = 4.0


def energy_grid(n):
    """n energies in (0, 8), symmetric about 4 (E_j <-> 8 - E_j), none on a band edge of the leads."""
    d = 8.0 / n
    return ONSITE + (np.arange(n) - (n - 1) / 2) * d


def build(texture=None, Jx=J):
    """40 x 40 region, on-site 4t, J sigma . m (if texture), two normal strip leads."""
    tb = TightBinding(square(xu2023.parameters()["a"]), (L, L)).add_onsite(ONSITE)
    if texture is not None:
        tb.set_exchange(Jx, texture)
    f = tb.finalized()
    for side in ("left", "right"):
        f.attach_lead(SemiInfiniteLead.strip(L, onsite=ONSITE), side=side)
    return f


def spectra(f, energies, progress=False):
    """Spin-resolved transmission T_s = sum_s' T[s, s'] (outgoing spin s along z, left -> right) and
    spin-resolved DOS of the region, (n_E, 2) each."""
    r = RGF(f)
    T = np.zeros((len(energies), 2))
    D = np.zeros((len(energies), 2))
    for i, E in enumerate(energies):
        Ts, d = ob.spin_spectra(r, E)
        T[i] = Ts.sum(1)
        D[i] = d
        if progress and i % 40 == 0:
            print(f"  E = {E:.3f}", flush=True)
    return T, D


# ---------------------------------------------------------------------------------------------------
# independent route: transfer matrices of the decoupled 1D problems of the uniform ferromagnet
# ---------------------------------------------------------------------------------------------------
def chain_transmission(e, V, n_sites):
    """|t|^2 of a 1D chain (hopping 1, leads on-site 0) through n_sites sites of potential V at energy e.

    Transfer matrices applied from the transmitted side (psi_x = e^{ikx} for x >= n_sites - 1) towards the
    incident side, psi_{x-1} = (V - e) psi_x - psi_{x+1}: in a barrier this follows the growing solution
    (stable); the incident amplitude a of psi_x = a e^{ikx} + b e^{-ikx} (x <= 0) gives T = 1/|a|^2."""
    if abs(e) >= 2:
        return 0.0
    k = math.acos(-e / 2)
    ek = complex(math.cos(k), math.sin(k))
    nxt, cur = ek ** n_sites, ek ** (n_sites - 1)  # psi_L, psi_{L-1}
    for _ in range(n_sites):
        nxt, cur = cur, (V - e) * cur - nxt
    # now cur = psi_{-1}, nxt = psi_0
    a = (nxt * ek - cur) / (ek - 1 / ek)
    return float(1.0 / abs(a) ** 2)


def ferromagnet_transmission(E, Jx=J):
    """T_up, T_down of the uniform ferromagnet (m = +z, on-site 4 + J sigma_z) from the 1D problems."""
    q = np.pi * np.arange(1, L + 1) / (L + 1)
    out = []
    for s in (1, -1):
        out.append(sum(chain_transmission(E - ONSITE + 2 * math.cos(qn), s * Jx, L) for qn in q))
    return np.array(out)


def band_bottom(Jx):
    """Bottom of the spin-parallel band of the 40-wide strip: 4 + J - 2 - 2 cos(pi/41)."""
    return ONSITE + Jx - 2 - 2 * math.cos(math.pi / (L + 1))


# ---------------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------------
def _window_edge(E, P, sign, threshold=0.99):
    """Largest E (sign -1: from below) / smallest E (sign +1: from above) up to which sign * P > threshold
    holds on every grid point."""
    if sign < 0:
        ok = -P > threshold
        k = int(np.argmin(ok)) if not ok.all() else len(E)
        return float(E[k - 1]) if k > 0 else float("nan")
    ok = P[::-1] > threshold
    k = int(np.argmin(ok)) if not ok.all() else len(E)
    return float(E[::-1][k - 1]) if k > 0 else float("nan")


def compute(checks, quick=False, progress=False):
    n_E = 81 if quick else 321
    E = energy_grid(n_E)
    dE = 8.0 / n_E
    P = xu2023.parameters()
    t0 = time.perf_counter()
    case = xu2023.relax_case(P, "bulk", periodic=True)
    case_open = xu2023.relax_case(P, "bulk", periodic=False)
    t_relax = time.perf_counter() - t0
    fs0 = build(None)
    fsu = build(tx.uniform(fs0.geometry))
    fss = build(case["result"].spins)
    fso = build(case_open["result"].spins)
    mz_exit = case_open["result"].spins.reshape(L, L, 3)[:, L - 1, 2]
    data = {"E": E, "relax_s": t_relax, "Q": case["Q"], "r_mz0": case["r_mz0"], "Q_open": case_open["Q_capped"],
            "r_mz0_open": case_open["r_mz0"], "edge_tilt_deg": case_open["edge_tilt_deg"],
            "mz_exit_open": float(mz_exit.mean()),
            "mz_edge_periodic": float(case["result"].spins.reshape(L, L, 3)[:, [0, L - 1], 2].min())}
    timings = {}
    for key, f in (("none", fs0), ("uniform", fsu), ("skyrmion", fss), ("skyrmion_open", fso)):
        t0 = time.perf_counter()
        data[key] = spectra(f, E, progress)
        timings[key] = time.perf_counter() - t0
    data["timings"] = timings
    data["tm"] = np.array([ferromagnet_transmission(e) for e in E])
    data["tm_half"] = np.array([ferromagnet_transmission(e, J / 2) for e in E])

    F = "Fig. 3"
    Tn, Dn = data["none"]
    q = np.pi * np.arange(1, L + 1) / (L + 1)
    channels = np.sum(np.abs(E[:, None] - ONSITE + 2 * np.cos(q)[None, :]) < 2, axis=1)
    checks.add(F, "(a) no magnetization: max |T_up - T_down|", float(np.abs(Tn[:, 0] - Tn[:, 1]).max()), 0.0,
               "spin degeneracy (paper: 'spin-degenerate transmission coefficients')", abs_tol=1e-10)
    checks.add(F, "(a) no magnetization: max |T_s - open channels per spin|",
               float(np.abs(Tn - channels[:, None]).max()), 0.0,
               "clean 40-wide strip = its leads: one per open transverse mode |E - 4 + 2 cos(n pi/41)| < 2",
               abs_tol=1e-9)
    checks.add(F, "(b) no magnetization: max |DOS_up - DOS_down| / max DOS",
               float(np.abs(Dn[:, 0] - Dn[:, 1]).max() / Dn.max()), 0.0, "spin degeneracy", abs_tol=1e-10)
    Tu, Du = data["uniform"]
    checks.add(F, "uniform m = +z, J = 2: max |T_s(RGF) - T_s(transfer matrices)|",
               float(np.abs(Tu - data["tm"]).max()), 0.0,
               "decoupled transverse modes x spins: 1D chains with a +-J step over 40 sites (2x2 transfer matrices)",
               abs_tol=1e-8)
    Eb = band_bottom(J)
    Pu = (Tu[:, 0] - Tu[:, 1]) / (Tu[:, 0] + Tu[:, 1])
    low = E <= Eb - 0.2
    checks.add(F, f"uniform: max |P_T + 1| for E <= {Eb - 0.2:.3f}", float(np.abs(Pu[low] + 1).max()), 0.0,
               "only spin down propagates below the spin-up band bottom J + 2(1 - cos(pi/41)) = "
               f"{Eb:.4f}; spin up tunnels with T ~ exp(-2 kappa 40) < 1e-12", abs_tol=1e-9)
    checks.add(F, "uniform: edge of the fully polarized (P_T < -0.99) window from below", _window_edge(E, Pu, -1),
               Eb, "spin-up band bottom J + 2(1 - cos(pi/41)) (paper: |J| = 2)", abs_tol=dE + 0.02,
               tol=f"abs {dE + 0.02:.3f} (grid step + tunnelling tail)")
    checks.add(F, "uniform: edge of the fully polarized (P_T > 0.99) window from above", _window_edge(E, Pu, 1),
               8 - Eb, "spin-down band top 8 - J - 2(1 - cos(pi/41)) (paper: 8 - |J| = 6)", abs_tol=dE + 0.02,
               tol=f"abs {dE + 0.02:.3f} (grid step + tunnelling tail)")
    Th = data["tm_half"]
    Ph = (Th[:, 0] - Th[:, 1]) / np.maximum(Th[:, 0] + Th[:, 1], 1e-300)
    edge_half = _window_edge(E, Ph, -1)
    checks.add(F, "J/2 reading (on-site (J/2) sigma . m, paper's Eqs. 32/A5): polarized window edge", edge_half,
               band_bottom(J / 2), "spin-up band bottom J/2 + 2(1 - cos(pi/41)): the region edges would sit at "
               "J/2 = 1 and 8 - J/2 = 7, not at the paper's |J| = 2 and 8 - |J| = 6", abs_tol=dE + 0.02,
               tol=f"abs {dE + 0.02:.3f}")
    Ts, Ds = data["skyrmion"]
    Ps = (Ts[:, 0] - Ts[:, 1]) / (Ts[:, 0] + Ts[:, 1])
    checks.add(F, "skyrmion texture (periodic relaxation): topological charge", case["Q"], -1.0,
               "xu2023.relax_case (40 x 40 torus, Eq. 38 parameters); used on the open 40 x 40 electron region",
               abs_tol=1e-3)
    checks.add(F, "(c) skyrmion: max |T_up(E) - T_down(8 - E)|", float(np.abs(Ts[:, 0] - Ts[::-1, 1]).max()), 0.0,
               "chiral symmetry (-1)^(x+y) i sigma_y K of the bipartite lattice: H - 4 -> -(H - 4), up <-> down",
               abs_tol=1e-8)
    checks.add(F, "(d) skyrmion: max |DOS_up(E) - DOS_down(8 - E)| / max DOS",
               float(np.abs(Ds[:, 0] - Ds[::-1, 1]).max() / Ds.max()), 0.0, "same chiral symmetry", abs_tol=1e-8)
    reg1 = (E > 0.1) & (E < Eb - 0.2)
    reg3 = (E > 8 - Eb + 0.2) & (E < 7.9)
    reg2 = (E > Eb + 0.25) & (E < 8 - Eb - 0.25)  # within ~0.2 of an edge the opening spin rises from 0
    checks.add(F, f"(c) skyrmion, region (i) {E[reg1].min():.2f} < E < {E[reg1].max():.2f}: max P_T",
               float(Ps[reg1].max()), -1.0, "paper: only spin-down electrons transmit for 0 < E < |J|",
               abs_tol=1e-3, tol="abs 1e-3")
    checks.add(F, f"(c) skyrmion, region (iii) {E[reg3].min():.2f} < E < {E[reg3].max():.2f}: min P_T",
               float(Ps[reg3].min()), 1.0, "paper: fully polarized with spin-up component for 8 - |J| < E < 8",
               abs_tol=1e-3, tol="abs 1e-3")
    both = float(np.minimum(Ts[reg2, 0], Ts[reg2, 1]).min())
    checks.add(F, f"(c) skyrmion, region (ii) {E[reg2].min():.2f} < E < {E[reg2].max():.2f}: min over E of "
               "min(T_up, T_down)", both, "> 0.5", "paper: both spin-up and spin-down electrons transmit for "
               "|J| < E < 8 - |J| (0.25 from the edges, where the opening spin channel rises from zero)",
               passed=both > 0.5, tol="> 0.5")
    To, Do = data["skyrmion_open"]
    Po = (To[:, 0] - To[:, 1]) / (To[:, 0] + To[:, 1])
    checks.add(F, "open-boundary skyrmion (DMI edge canting): mean P_T in region (i)", float(Po[reg1].mean()),
               -data["mz_exit_open"], "adiabatic estimate: electrons leave antiparallel to the exit column's m, "
               f"P_T = -<m_z>(x = 39) = {-data['mz_exit_open']:.4f} (edge tilt {data['edge_tilt_deg']:.1f} deg)",
               abs_tol=0.06, tol="abs 0.06 (estimate)")
    checks.add(F, "open-boundary skyrmion: max |T_up(E) - T_down(8 - E)|", float(np.abs(To[:, 0] - To[::-1, 1]).max()),
               0.0, "chiral symmetry", abs_tol=1e-8)
    data["P_open"] = Po
    data["P"] = {"uniform": Pu, "skyrmion": Ps, "half": Ph}
    data["Eb"] = Eb
    return data


def plot(data, path, dpi=110):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    E = data["E"]
    fig = Figure(figsize=(16, 7), constrained_layout=True)
    FigureCanvasAgg(fig)
    axs = fig.subplots(2, 4, sharex=True)
    titles = {"none": "no magnetization (paper's Fig. 3(a, b))", "uniform": "uniform m = +z, J = 2 (reference)",
              "skyrmion": "skyrmion, J = 2 (paper's Fig. 3(c, d))",
              "skyrmion_open": "skyrmion with open-boundary edge canting"}
    for j, key in enumerate(("none", "uniform", "skyrmion", "skyrmion_open")):
        T, D = data[key]
        axs[0, j].plot(E, T[:, 0], color="tab:red", lw=1.2, label="spin up")
        axs[0, j].plot(E, T[:, 1], color="tab:blue", lw=1.0, ls="--", label="spin down")
        if key == "uniform":
            axs[0, j].plot(E, data["tm"][:, 0], "k:", lw=0.8, label="transfer matrices")
        axs[1, j].plot(E, D[:, 0], color="tab:red", lw=1.2, label="spin up")
        axs[1, j].plot(E, D[:, 1], color="tab:blue", lw=1.0, ls="--", label="spin down")
        axs[0, j].set_title(titles[key], fontsize=9)
        if key != "none":
            for ax in axs[:, j]:
                for x in (data["Eb"], 8 - data["Eb"]):
                    ax.axvline(x, color="gray", lw=0.7, ls=":")
        axs[1, j].set_xlabel("E [t]")
        axs[0, j].legend(fontsize=7)
    axs[0, 0].set_ylabel("transmission (left -> right), per outgoing spin")
    axs[1, 0].set_ylabel("DOS of the 40 x 40 region [1/t]")
    axs[0, 0].set_xlim(0, 8)
    fig.savefig(path, dpi=dpi)


def _report(path, checks, data, quick, wall):
    n_pass = sum(c["passed"] for c in checks)
    E = data["E"]
    lines = [
        f"# Xu et al. 2023 reproduction: {TITLE}",
        "",
        f"Mode: {'quick' if quick else 'full'}; wall time {wall:.1f} s; checks passed: {n_pass}/{len(checks)}.",
        "",
        "## Model and choices",
        "",
        "* 40 x 40 square lattice, hopping t = 1, on-site 4t + J sigma . m_i with J = 2 (Xu et al. 2023, Sec. V); "
        "normal semi-infinite leads on the left and right columns with the same hopping and on-site 4t (lead band "
        "[0, 8]).  Transmission left -> right resolved by the outgoing spin along z; DOS -Im Tr G / pi of the "
        "region per spin along z, at real energies.",
        f"* Energies: {len(E)} points in (0, 8), symmetric about 4 (step {8 / len(E):.4f}).",
        f"* Skyrmion: xu2023.relax_case (bulk DMI of Eq. 38, 40 x 40, D = 0.2, K = 0.07 J_ex), relaxed with periodic "
        f"boundaries (Q = {data['Q']:.6f}, r(m_z = 0) = {data['r_mz0']:.3f} a, edge columns m_z >= "
        f"{data['mz_edge_periodic']:.7f}) and with open boundaries (Q(closed) = {data['Q_open']:.6f}, "
        f"r(m_z = 0) = {data['r_mz0_open']:.3f} a, DMI edge tilt {data['edge_tilt_deg']:.1f} deg, exit column "
        f"<m_z> = {data['mz_exit_open']:.4f}); {data['relax_s']:.1f} s.  The electron region is the open 40 x 40 "
        "lattice in both cases.",
        "* Finding: with the periodic-relaxed texture (no edge canting) regions (i) and (iii) are fully polarized, "
        "|P_T| > 0.999, as the paper states.  With the open-boundary relaxed texture the DMI edge canting turns the "
        "exit spin: |P_T| drops to ~0.85 in regions (i) and (iii) (about -<m_z> of the exit column); the paper does "
        "not say how its boundary was treated, and its full polarization matches the texture without edge "
        "canting.",
        "* J vs J/2: the paper's Eqs. 32/A5 write J s . M = (J/2) sigma . M, which splits the spin bands by +-J/2; "
        "its Fig. 3 text puts the fully polarized regions at 0 < E < |J| and 8 - |J| < E < 8 for J = 2, which needs "
        f"the splitting +-J, i.e. on-site 4t + J sigma . m (this module).  With the J/2 reading the edge would be "
        f"at {band_bottom(J / 2):.4f} (checked by transfer matrices below), with J sigma . m at {data['Eb']:.4f} = "
        "J + 2(1 - cos(pi/41)) (the 40-site width lifts the band bottom by 0.0059).",
        f"* Run times: {', '.join(f'{k} {v:.1f} s' for k, v in data['timings'].items())} "
        f"(RGF, spin-resolved T and DOS, {len(E)} energies each).",
        "",
        "## Three polarization regions (transmission polarization P_T = (T_up - T_down)/(T_up + T_down))",
        "",
        "| E | P_T uniform | P_T skyrmion | T_up skyrmion | T_down skyrmion | P_T skyrmion (open-boundary canting) |",
        "|---|---|---|---|---|---|",
    ]
    Ts = data["skyrmion"][0]
    for e0 in (0.5, 1.0, 1.5, 1.9, 2.5, 4.0, 5.5, 6.1, 6.5, 7.0, 7.5):
        i = int(np.argmin(np.abs(E - e0)))
        lines.append(f"| {E[i]:.3f} | {data['P']['uniform'][i]:+.6f} | {data['P']['skyrmion'][i]:+.6f} | "
                     f"{Ts[i, 0]:.6f} | {Ts[i, 1]:.6f} | {data['P_open'][i]:+.4f} |")
    lines += ["", "## Checks", "", f"![Fig. 3]({FIGURES[0]})", ""]
    lines += checks_table(checks)
    lines.append("")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))


def run(out_dir, quick=False, progress=False):
    """Compute, plot and check Xu et al. 2023, Fig. 3; writes the PNG and report.md into ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    wall0 = time.perf_counter()
    checks = Checks()
    data = compute(checks, quick=quick, progress=progress)
    plot(data, os.path.join(out_dir, FIGURES[0]), dpi=80 if quick else 110)
    wall = time.perf_counter() - wall0
    report = os.path.join(out_dir, "report.md")
    _report(report, checks.items, data, quick, wall)
    E = data["E"]
    summary = {"energies": len(E), "band_bottom_up": data["Eb"], "Q": float(data["Q"]),
               "P_T_open_region_i_mean": float(data["P_open"][(E > 0.1) & (E < data["Eb"] - 0.2)].mean()),
               "P_T_skyrmion_region_i_max": float(data["P"]["skyrmion"][(E > 0.1) & (E < data["Eb"] - 0.2)].max()),
               "P_T_skyrmion_region_iii_min": float(
                   data["P"]["skyrmion"][(E > 8 - data["Eb"] + 0.2) & (E < 7.9)].min())}
    return paper_result(PAPER, TITLE, out_dir, FIGURES, report, checks.items, wall, summary=summary,
                       timings_s=dict(data["timings"], relax=data["relax_s"]))


__all__ = ["run", "compute", "build", "spectra", "chain_transmission", "ferromagnet_transmission", "band_bottom",
           "energy_grid", "TITLE", "FIGURES"]
