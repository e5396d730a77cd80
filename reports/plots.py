"""The report's figures (matplotlib, Agg backend), from a :class:`~qmlc.reports.report_data.ModelReport`.

Each function draws one figure from the report's data and computes nothing; :func:`figures`
returns them in reading order with their captions. Output is deterministic: SVG with a fixed
hash salt per figure (unique, stable element ids when several SVGs share one page) and no date,
PNG without a timestamp. SVGs are cleaned for inlining in HTML: no XML prolog, DOCTYPE,
metadata block or namespace URIs (HTML's parser places inline ``<svg>`` in the SVG namespace
itself), so the page holds no URL of any kind.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

import numpy as np

from qmlc.estimators.breakdown import COMPONENTS
from qmlc.reports.format import SUPERSCRIPT, sci

# Okabe & Ito's colour-blind-safe palette
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]
MODEL_COLORS = {"qram": PALETTE[0], "qrom": PALETTE[3], "select-swap": PALETTE[2]}
OTHER_COLORS = ["#CC79A7", "#56B4E9", "#000000", "#999999", "#E69F00", "#8C564B"]
COMPONENT_COLORS = dict(zip(COMPONENTS, PALETTE[:len(COMPONENTS)]))


@dataclass(frozen=True)
class Figure:
    name: str
    figure: object       # matplotlib.figure.Figure
    caption: str
    alt: str


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 10,
                         "axes.spines.top": False, "axes.spines.right": False,
                         "axes.grid": True, "grid.alpha": 0.3, "legend.frameon": False,
                         "figure.dpi": 100})
    return plt


def _figure(width: float = 7.2, height: float = 3.4, ncols: int = 1):
    plt = _pyplot()
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained")
    return fig, axes


def _power_label(value: float, _pos=None) -> str:
    """10ⁿ as plain text (matplotlib's default log labels go through mathtext, which costs
    most of a figure's drawing time)."""
    if value <= 0:
        return ""
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    return "10" + str(int(round(exponent))).translate(SUPERSCRIPT)


def _compact_label(value: float, _pos=None) -> str:
    return f"{value:g}" if 1e-3 <= value < 1e5 else sci(value, digits=1)


def _log_axes(ax, x: bool = True, y: bool = True) -> None:
    """Log scales (call after plotting) with plain-text labels: one per decade over wide ranges
    (at most ~8), 1-2-5 steps within two decades; no minor labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for flag, axis, setter, limits in ((x, ax.xaxis, ax.set_xscale, ax.get_xlim),
                                       (y, ax.yaxis, ax.set_yscale, ax.get_ylim)):
        if not flag:
            continue
        setter("log")
        lo, hi = sorted(limits())
        if lo > 0 and math.log10(hi / lo) < 2:
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(FuncFormatter(_compact_label))
        else:
            axis.set_major_locator(LogLocator(base=10, numticks=8))
            axis.set_major_formatter(FuncFormatter(_power_label))
        axis.set_minor_formatter(NullFormatter())


def to_svg(fig: Figure) -> str:
    """Inline-ready SVG text (see the module docstring)."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": f"qmlc-{fig.name}"}):
        buf = io.StringIO()
        fig.figure.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    return text.replace("<svg ", f'<svg role="img" aria-label="{_attr(fig.alt)}" ', 1)


def to_png(fig: Figure, dpi: int = 150) -> bytes:
    buf = io.BytesIO()
    fig.figure.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def close(figs: list[Figure]) -> None:
    plt = _pyplot()
    for fig in figs:
        plt.close(fig.figure)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


# -- Carleman report ----------------------------------------------------------------------------

def breakdown_figure(report) -> Figure:
    keys = list(report.estimates)
    fig, ax = _figure(width=8.4, height=0.42 * len(keys) + 0.9)
    left = np.zeros(len(keys))
    for name, label in COMPONENTS.items():
        shares = np.array([report.estimates[k].breakdown.component(name).share for k in keys])
        if not shares.any():
            continue
        ax.barh(range(len(keys)), shares, left=left, color=COMPONENT_COLORS[name], label=label,
                height=0.6)
        left += shares
    ax.set_yticks(range(len(keys)), [k.replace("/", " + ") for k in keys])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_xlabel("share of the T-count of one solve")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7.5)
    return Figure("breakdown", fig,
                  "Where the T gates of one solve go, per solver and data-access model (Qualtran "
                  "call graph of the solver, QECGatesCost per sub-bloq; T = t + 4 CCZ + t_rot "
                  "rotations). The readout multiplies every bar by its repetitions.",
                  "stacked bars of T-count shares per component")


def _class_label(entry: dict, key: str) -> str:
    from qmlc.reports.report_document import pretty

    cls = (entry.get(key) or {}).get("class")
    return pretty(cls) if cls else "(class not proved)"


def scaling_figure(report, axis: str) -> Figure:
    """T-count per solve vs n (at the estimate's T) or vs T (at its n), every data-access model;
    the requested solver solid with its proved classes, the other dashed."""
    section = report.scaling
    fig, ax = _figure(height=3.6)
    sweep = section.sweep.models
    others = [a for a in section.curves if a != section.algorithm]
    dashes = [(0, (5, 2)), (0, (2, 2)), (0, (6, 2, 1, 2)), (0, (1, 1)), (0, (8, 3)),
              (0, (3, 1, 1, 1))]
    for algorithm, curves in section.curves.items():
        x = np.asarray(curves.n if axis == "n" else curves.T)
        values = curves.t_count_vs_n if axis == "n" else curves.t_count_vs_T
        mine = algorithm == section.algorithm
        for model, y in values.items():
            label = f"{algorithm} + {model}"
            if mine:
                key = "n_class" if axis == "n" else "T_class"
                entry = sweep[model] if axis == "n" else sweep["qram"]
                label += f"  {_class_label(entry, key)}"
                ax.plot(x, y, color=MODEL_COLORS[model], lw=1.8, label=label)
            else:
                i = others.index(algorithm)
                ax.plot(x, y, color=OTHER_COLORS[i % 6], lw=1.1, ls=dashes[i % 6],
                        label=label)
    chosen = report.estimates[report.verdict.requested]
    at = chosen.n if axis == "n" else chosen.steps
    ax.plot([at], [float(chosen.t_count)], "o", color="black", ms=5,
            label=f"this estimate ({sci(chosen.t_count)})", zorder=5)
    _log_axes(ax)
    ax.set_xlabel("n (parameters)" if axis == "n" else "T (training steps)")
    ax.set_ylabel("T-count per solve")
    fixed = (f"T = {section.curves[section.algorithm].fixed_T:,}" if axis == "n"
             else f"n = {section.curves[section.algorithm].fixed_n:,}")
    ax.set_title(f"T-count vs {'n' if axis == 'n' else 'T'} at {fixed}")
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    what = "n" if axis == "n" else "T"
    return Figure(f"scaling_{what}", fig,
                  f"T-count of one solve vs {what} ({fixed}; {section.sweep.kappa_model}). Solid: "
                  f"{section.algorithm} under every data-access model, with the classes proved "
                  f"from the symbolic count (limits, not fits); dashed: every other QLSA cost "
                  f"model under the requested data access. The dot is this estimate.",
                  f"log-log plot of T-count against {what} per data-access model")


def _time_unit(seconds: list) -> tuple[float, str]:
    """The unit the largest runtime reads best in: (seconds per unit, name)."""
    from qmlc.estimators.human import DAY, HOUR, YEAR

    largest = max(seconds, default=1.0)
    for size, name in ((YEAR, "years"), (DAY, "days"), (HOUR, "hours")):
        if largest >= 3 * size:
            return size, name
    return 1.0, "s"


def _model_colors(names) -> dict:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(names))}


def pareto_figure(report) -> Figure | None:
    section = report.physical
    feasible = {k: m for k, m in section.models.items() if m.get("qubits") is not None}
    if not section.pareto and not feasible:
        return None
    colors = _model_colors(section.models)
    unit, unit_name = _time_unit([m["runtime_seconds"] for m in feasible.values()]
                                 + [p["runtime_seconds"] for p in section.pareto or []])
    fig, ax = _figure(height=3.6)
    if section.pareto:
        pts = sorted(section.pareto, key=lambda p: p["runtime_seconds"])
        ax.step([p["runtime_seconds"] / unit for p in pts], [p["qubits"] for p in pts],
                where="post", color="#999999", lw=1.0, zorder=1, label="Pareto frontier")
        for p in pts:
            ax.plot([p["runtime_seconds"] / unit], [p["qubits"]], "o", ms=4,
                    color=colors.get(p["model"], "#555555"), zorder=2)
    for name, m in feasible.items():
        ax.plot([m["runtime_seconds"] / unit], [m["qubits"]], "s", ms=8, mfc="none", mew=1.8,
                color=colors[name], label=name, zorder=3)
    ax.margins(0.1)
    _log_axes(ax)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_xlabel(f"runtime per solve ({unit_name})")
    ax.set_ylabel("physical qubits")
    ax.set_title(f"{section.key.replace('/', ' + ')} at p = {section.physical_error_rate:g}")
    return Figure("pareto", fig,
                  f"Physical qubits vs runtime of one solve: {section.pareto_note}; dots "
                  "coloured by model.", "physical qubits against runtime for the physical models")


def error_rate_figure(report) -> Figure:
    section = report.physical
    fig, (ax_q, ax_t) = _figure(width=8.4, height=3.0, ncols=2)
    names = list(section.error_rate_sensitivity[0]["models"])
    colors = _model_colors(names)
    runtimes = [m["runtime_seconds"] for row in section.error_rate_sensitivity
                for m in row["models"].values() if m.get("runtime_seconds") is not None]
    unit, unit_name = _time_unit(runtimes)
    for name in names:
        ps, qs, ts = [], [], []
        for row in section.error_rate_sensitivity:
            entry = row["models"].get(name, {})
            if entry.get("qubits") is not None:
                ps.append(row["physical_error_rate"])
                qs.append(entry["qubits"])
                ts.append(entry["runtime_seconds"] / unit)
        ax_q.plot(ps, qs, "o-", color=colors[name], label=name)
        ax_t.plot(ps, ts, "o-", color=colors[name], label=name)
    for ax, label in ((ax_q, "physical qubits"), (ax_t, f"runtime per solve ({unit_name})")):
        ax.set_xlim(3e-6, 3e-3)
        _log_axes(ax)
        ax.set_xlabel("physical error rate p")
        ax.set_ylabel(label)
    ax_t.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return Figure("error_rate", fig,
                  "Sensitivity to the physical error rate p ∈ {10⁻³, 10⁻⁴, 10⁻⁵}: each model's "
                  "least qubits × runtime; a missing point means the model finds no "
                  "configuration at that p (reasons in the table).",
                  "physical qubits and runtime against the physical error rate")


def epsilon_figure(report) -> Figure:
    rows = report.physical.epsilon_sensitivity
    fig, ax = _figure(height=3.0)
    eps = [r["epsilon"] for r in rows]
    ax.plot(eps, [float(r["t_count"]) for r in rows], "o-", color=PALETTE[0], label="per solve")
    ax.plot(eps, [float(r["t_count_total"]) for r in rows], "s--", color=PALETTE[3],
            label="with the l∞ readout")
    _log_axes(ax)
    ax.set_xlabel("target error ε")
    ax.set_ylabel("T-count")
    ax.invert_xaxis()
    ax.legend(fontsize=8)
    return Figure("epsilon", fig,
                  "Sensitivity to the target error ε (the requested solver and data access): "
                  "the readout's repetitions grow like 1/ε², the solve like polylog(1/ε).",
                  "T-count against target error")


def truncation_figure(check) -> Figure | None:
    d = check.data
    bounds = np.asarray(d["bound"], float)
    finite = np.isfinite(bounds) & (bounds > 0)
    if not finite.any() and "relative_error" not in d:
        return None
    fig, ax = _figure(height=3.0)
    if finite.any():
        ax.plot(np.asarray(d["orders"])[finite], bounds[finite], "s--", color=PALETTE[1],
                label="a-priori bound (absolute)")
    if "relative_error" in d:
        ax.plot(d["verified_orders"], d["absolute_error"], "o-", color=PALETTE[0],
                label="measured (absolute, vs exact map)")
    ax.set_xlabel("truncation order N")
    ax.set_ylabel("max-norm error of u_t")
    ax.set_xticks(d["orders"])
    _log_axes(ax, x=False)
    ax.legend(fontsize=8)
    return Figure("truncation", fig,
                  f"Truncation error vs N. {check.method}.",
                  "truncation error against Carleman order")


def kappa_figure(check) -> Figure:
    d = check.data
    fig, ax = _figure(height=3.0)
    h1 = np.asarray(d["horizons"]) + 1
    ax.plot(h1, d["kappa_model"], "--", color=PALETTE[1], label="linear model (estimate)")
    if "kappa_measured" in d:
        ax.plot(h1, d["kappa_measured"], "o-", color=PALETTE[0], label="measured")
    _log_axes(ax)
    ax.set_xlabel("T + 1 (history blocks)")
    ax.set_ylabel("condition number κ")
    ax.legend(fontsize=8)
    return Figure("kappa", fig, f"κ of the history matrix vs horizon. {d['kappa_model_text']}.",
                  "condition number against horizon")


def readout_figure(check) -> Figure:
    d = check.data
    fig, ax = _figure(height=2.4)
    labels = ["quantum: T gates\n(solve × readout)", "classical: multiply-adds\n(T steps)"]
    values = [float(d["quantum_t_gates"]), float(d["classical_multiply_adds"])]
    ax.barh(labels, values, color=[PALETTE[3], PALETTE[2]], height=0.5)
    _log_axes(ax, y=False)
    ax.invert_yaxis()
    for i, v in enumerate(values):
        ax.text(v, i, f"  {sci(v)}", va="center")
    ax.set_xlim(min(values) / 10, max(values) * 1e3)
    ax.grid(axis="y", visible=False)
    return Figure("readout", fig,
                  "Quantum total vs the classical training it replaces (counts, not times; "
                  "see the check's criterion).", "bar chart of quantum and classical costs")


# -- QIREN report -------------------------------------------------------------------------------

def qiren_figure(report) -> Figure | None:
    rec = report.qiren.reconstruction
    if rec is None:
        return None
    target, output = np.asarray(rec["target"]), np.asarray(rec["output"])
    if rec["shape"]:
        fig, (ax_t, ax_o) = _figure(width=6.0, height=3.2, ncols=2)
        for ax, img, title in ((ax_t, target, "target"),
                               (ax_o, output, f"QIREN ({rec['psnr_db']:.1f} dB PSNR)")):
            ax.imshow(img.reshape(rec["shape"]), cmap="gray", vmin=-1, vmax=1,
                      interpolation="nearest")
            ax.set_title(title)
            ax.set_axis_off()
    else:
        fig, ax = _figure(height=3.0)
        x = np.asarray(rec["coords"])[:, 0]
        ax.plot(x, target, color=PALETTE[7], lw=1, label="target")
        ax.plot(x, output, color=PALETTE[0], lw=1, label=f"QIREN ({rec['psnr_db']:.1f} dB)")
        ax.legend(fontsize=8)
    return Figure("qiren", fig,
                  f"Target and the signal rendered by the lowered circuits ({rec['backend']}); "
                  f"MSE {rec['mse']:.3g}.", "target signal next to the reconstruction")


def figures(report) -> list[Figure]:
    """Every figure of the report, in reading order."""
    if report.kind == "qiren":
        fig = qiren_figure(report)
        return [fig] if fig is not None else []
    checks = report.checks
    figs = [breakdown_figure(report), scaling_figure(report, "n"), scaling_figure(report, "T"),
            pareto_figure(report), error_rate_figure(report), epsilon_figure(report),
            truncation_figure(checks.truncation), kappa_figure(checks.kappa_growth),
            readout_figure(checks.readout)]
    if getattr(report, "dissipation", None) is not None:
        figs += dissipation_figures(report.dissipation)
    return [f for f in figs if f is not None]


DISSIPATION_CAPTIONS = {
    "density": ("Hessian spectral density at each checkpoint (stochastic Lanczos quadrature, "
                "Gaussian-smoothed with Ghorbani et al.'s width; log scale).",
                "Hessian spectral densities along training"),
    "extremes": ("Extreme Hessian eigenvalues along training (Lanczos); 2/η marks where a mode "
                 "stops contracting; shaded: almost/fully dissipative windows.",
                 "lambda_min and lambda_max against the training step"),
    "modes": ("Fractions of dissipative (|1 − ηλ| < 1) and divergent (|1 − ηλ| > 1) modes, with "
              "standard errors over probes and Chebyshev–Markov–Stieltjes brackets (bands).",
              "dissipative and divergent mode fractions against the training step"),
    "proxy": ("Error proxy of Liu et al. (Nat. Commun. 2024, Eqs. 7–8) at each checkpoint, and "
              "over the k steps after it (grey).", "error proxy against the training step"),
}


def dissipation_figures(trace) -> list[Figure]:
    """The Fig. 2-style panels of a network measured along its training
    (:mod:`qmlc.reports.dissipation_plots`)."""
    from qmlc.reports.dissipation_plots import dissipation_figures as panels

    _pyplot()
    return [Figure(f"dissipation_{name}", fig, *DISSIPATION_CAPTIONS[name])
            for name, fig in panels(trace).items()]


__all__ = ["Figure", "close", "figures", "to_png", "to_svg"]
