"""Figures of a :class:`~qmlc.compiler.dissipation_trace.DissipationTrace`, styled after the panels
of Liu et al., Nat. Commun. 15:434 (2024), Fig. 2: Hessian spectral densities along sparse
training (log density, one curve per checkpoint), the extreme eigenvalues, the fractions of
dissipative and divergent modes, and the error proxy, with the almost-dissipative windows shaded.

:func:`dissipation_figures` returns matplotlib figures (Agg backend, nothing shown) for any
renderer — ``qmlc report`` can embed them; :func:`dissipation_png` renders them to PNG bytes and
:func:`write_dissipation_plots` writes them (all or none).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from qmlc.compiler.dissipation_trace import DissipationTrace
from qmlc.compiler.hessian_spectrum import ghorbani_sigma
from qmlc.reports.files import write_files

PANELS = ("density", "extremes", "modes", "proxy")
# A density below this floor is drawn at the floor (log axis), as in Ghorbani et al.'s plots.
DENSITY_FLOOR = 1e-6


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _shade_windows(ax, trace: DissipationTrace) -> None:
    for k, window in enumerate(trace.windows):
        ax.axvspan(window.start, window.end, color="tab:green", alpha=0.12, lw=0,
                   label="almost/fully dissipative window" if k == 0 else None)


def density_grid(trace: DissipationTrace, points: int = 600) -> tuple[np.ndarray, float]:
    """A common eigenvalue grid over all checkpoints and the Ghorbani kernel width on it."""
    lo = min(s.lambda_min for s in trace.snapshots)
    hi = max(s.lambda_max for s in trace.snapshots)
    pad = 0.05 * max(hi - lo, np.finfo(float).tiny)
    return np.linspace(lo - pad, hi + pad, points), ghorbani_sigma(lo, hi)


def dissipation_figures(trace: DissipationTrace, sigma: float | None = None) -> dict:
    """{panel name: matplotlib Figure} for the panels in ``PANELS`` (module docstring).
    ``sigma`` overrides the density kernel width (default: Ghorbani et al.'s σ² = 1e-5 on the
    [−1, 1]-rescaled spectrum)."""
    plt = _pyplot()
    steps = np.array([s.step for s in trace.snapshots])
    figures = {}

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    grid, width = density_grid(trace)
    width = width if sigma is None else sigma
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(trace.snapshots)))
    for snap, color in zip(trace.snapshots, colors):
        density = np.maximum(snap.density.smoothed(grid, width), DENSITY_FLOOR)
        ax.semilogy(grid, density, color=color, lw=1.0, label=f"step {snap.step}")
    ax.axvline(0.0, color="k", lw=0.6, ls=":")
    ax.set_xlabel("Hessian eigenvalue λ")
    ax.set_ylabel("spectral density (SLQ)")
    ax.set_title(f"{trace.name}: Hessian spectra along sparse training (n = {trace.n})")
    ax.legend(fontsize=7, ncol=2, frameon=False)
    figures["density"] = fig

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(steps, [s.lambda_max for s in trace.snapshots], "o-", label="λ_max")
    ax.plot(steps, [s.lambda_min for s in trace.snapshots], "s-", label="λ_min")
    ax.axhline(0.0, color="k", lw=0.6, ls=":")
    ax.axhline(2.0 / trace.learning_rate, color="tab:red", lw=0.8, ls="--", label="2/η")
    _shade_windows(ax, trace)
    ax.set_xlabel("training step")
    ax.set_ylabel("eigenvalue")
    lam_max = max(s.lambda_max for s in trace.snapshots)
    if 2.0 / trace.learning_rate > 3 * max(lam_max, np.finfo(float).tiny):
        ax.set_ylim(top=1.3 * lam_max)  # keep the 2/η line from flattening the curves
    ax.set_title("extreme Hessian eigenvalues")
    ax.legend(fontsize=8, frameon=False)
    figures["extremes"] = fig

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for key, label, marker in (("dissipative", "dissipative |1−ηλ| < 1", "o"),
                               ("divergent", "divergent |1−ηλ| > 1", "s")):
        values = np.array([getattr(s, f"{key}_fraction") for s in trace.snapshots])
        errors = np.array([getattr(s, f"{key}_stderr") for s in trace.snapshots])
        bounds = np.array([getattr(s, f"{key}_bounds") for s in trace.snapshots])
        line = ax.errorbar(steps, values, yerr=np.where(np.isfinite(errors), errors, 0.0),
                           marker=marker, capsize=2, label=label)
        # the Chebyshev–Markov–Stieltjes bracket: what the Lanczos nodes cannot resolve
        ax.fill_between(steps, bounds[:, 0], bounds[:, 1], color=line[0].get_color(),
                        alpha=0.12, lw=0)
    _shade_windows(ax, trace)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("training step")
    ax.set_ylabel("fraction of modes")
    ax.set_title(f"modes at learning rate η = {trace.learning_rate:g} (bands: CMS brackets)")
    ax.legend(fontsize=8, frameon=False)
    figures["modes"] = fig

    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    defined = [(s.step, s.proxy) for s in trace.snapshots if s.proxy is not None and s.proxy > 0]
    if defined:
        x, y = zip(*defined)
        ax.semilogy(x, y, "o-", label="proxy(t), density at step t")
    for snap in trace.snapshots:
        horizon = [(snap.step + h, p) for h, p in enumerate(snap.proxy_horizon)
                   if p is not None and p > 0 and snap.step + h <= trace.steps]
        if horizon:
            x, y = zip(*horizon)
            ax.semilogy(x, y, color="0.6", lw=0.7)
    ax.axhline(1.0, color="k", lw=0.6, ls=":")
    _shade_windows(ax, trace)
    ax.set_xlabel("training step t")
    ax.set_ylabel("error proxy")
    ax.set_title(f"error proxy (|a| ≥ {trace.proxy_cut:g}, a = −{trace.proxy_scale:g}·λ)"
                 + ("" if defined else ": undefined, no mode beyond the cut"))
    if defined:
        ax.legend(fontsize=8, frameon=False)
    figures["proxy"] = fig
    for figure in figures.values():
        figure.tight_layout()
    return figures


def dissipation_png(trace: DissipationTrace, dpi: int = 110) -> dict[str, bytes]:
    """{panel name: PNG bytes}."""
    plt = _pyplot()
    out = {}
    for name, fig in dissipation_figures(trace).items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        plt.close(fig)
        out[name] = buffer.getvalue()
    return out


def write_dissipation_plots(trace: DissipationTrace, directory: Path) -> list[Path]:
    """Write ``dissipation_<panel>.png`` into ``directory`` (created), all or none."""
    directory = Path(directory)
    images = dissipation_png(trace)
    return write_files({directory / f"dissipation_{name}.png": data
                        for name, data in images.items()})


__all__ = ["PANELS", "density_grid", "dissipation_figures", "dissipation_png",
           "write_dissipation_plots"]
