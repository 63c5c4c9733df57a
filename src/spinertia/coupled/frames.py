"""PNG frames of a coupled run: the texture (m_z colour, in-plane arrows) and the electron torque map.

    write_frames(result, "frames/")          # one PNG per stored map of a CoupledResult
    frame(ax_m, ax_tq, positions, spins, torque)

Positions in metres are shown in lattice constants ``a`` (the nearest-neighbour distance of the lattice).
"""
from __future__ import annotations

import os

import numpy as np

__all__ = ["frame", "write_frames"]


def _grid(positions, a):
    x = np.round(positions[:, 0] / a).astype(int)
    y = np.round(positions[:, 1] / a).astype(int)
    return x - x.min(), y - y.min()


def frame(ax_m, ax_tq, positions, spins, torque, a, arrows=2, title=None):
    """Draw m_z with in-plane arrows on ``ax_m`` and |torque| (rad/s) with its in-plane arrows on ``ax_tq``
    (either axis may be None) for a 2D lattice."""
    x, y = _grid(positions, a)
    nx, ny = x.max() + 1, y.max() + 1
    img = np.full((ny, nx), np.nan)
    sel = slice(None)
    if ax_m is not None:
        img[y, x] = spins[:, 2]
        ax_m.imshow(img, origin="lower", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
        sel = (x % arrows == 0) & (y % arrows == 0)
        ax_m.quiver(x[sel], y[sel], spins[sel, 0], spins[sel, 1], scale=nx / arrows * 1.1, width=0.004, color="k")
        ax_m.set_xlabel("x / a")
        ax_m.set_ylabel("y / a")
        if title:
            ax_m.set_title(title, fontsize=8)
    if ax_tq is not None:
        mag = np.linalg.norm(torque, axis=1)
        img = np.full((ny, nx), np.nan)
        img[y, x] = mag
        im = ax_tq.imshow(img, origin="lower", cmap="viridis", interpolation="nearest")
        sel = (x % arrows == 0) & (y % arrows == 0)
        if mag.max() > 0:
            ax_tq.quiver(x[sel], y[sel], torque[sel, 0], torque[sel, 1], color="w", width=0.004)
        ax_tq.set_xlabel("x / a")
        ax_tq.figure.colorbar(im, ax=ax_tq, fraction=0.046, pad=0.02, label="|torque| (rad/s)")
    return ax_m, ax_tq


def write_frames(result, out_dir, dpi=80, prefix="frame"):
    """One PNG per stored map of a :class:`~spinertia.coupled.CoupledResult` (texture and torque side by side);
    returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    model = result.trajectory.model
    fin = model.system
    pos = fin.positions if not callable(getattr(fin, "positions", None)) else fin.positions()
    a = float(fin.system.lattice.shell_distances(1)[0])
    paths = []
    idx = np.asarray(result.maps.get("index", []), dtype=int)
    for j, i in enumerate(idx):
        spins = model.spins(result.trajectory.Y[i])
        fig, ax = plt.subplots(1, 2, figsize=(9, 4))
        t = result.records["time_s"][i]
        frame(ax[0], ax[1], pos, spins, result.maps["torque"][j], a, title=f"t = {t * 1e12:.3f} ps")
        fig.tight_layout()
        p = os.path.join(out_dir, f"{prefix}_{j:04d}.png")
        fig.savefig(p, dpi=dpi)
        plt.close(fig)
        paths.append(p)
    return paths
