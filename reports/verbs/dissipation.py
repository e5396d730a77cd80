"""``qmlc dissipation SPEC --steps T --every k [--plot DIR] [--json]``: Hessian spectra along the
spec's sparse gradient descent (:func:`qmlc.compiler.dissipation_trace.dissipation_trace`), the
dissipative/divergent fractions, the error proxy of Liu et al. and the dissipative windows;
``--plot DIR`` writes the Fig. 2-style panels (:mod:`qmlc.reports.dissipation_plots`), all or
none, into a directory checked before any work. Every flag is checked against its range and the
run against this machine's memory and time before training starts
(:func:`qmlc.compiler.dissipation_trace.preflight`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qmlc.compiler.dissipation_trace import PAPER_CUT, DissipationTrace, dissipation_trace
from qmlc.compiler.network_spec import as_network_problem
from qmlc.compiler.progress import task
from qmlc.compiler.spec import load_spec
from qmlc.compiler.stage_io import check_output_path
from qmlc.reports.verbs import VerbOutput, option, require_kind


def render_trace(trace: DissipationTrace, plots: list[Path]) -> str:
    """A fixed-width table of the checkpoints, the windows and the definitions used."""
    lines = [f"{trace.name}: n = {trace.n} surviving weights, eta = {trace.learning_rate:g}, "
             f"{trace.steps} steps of gradient descent, Hessian every {trace.every} "
             f"(SLQ: {trace.probes} probes x {trace.lanczos_steps} Lanczos steps, "
             f"{'full' if trace.reorthogonalized else 'no'} reorthogonalization)",
             f"{'step':>5} {'loss':>10} {'lambda_min':>11} {'lambda_max':>11} {'dissip.':>14} "
             f"{'diverg.':>14} {'rho(G1)':>8} {'proxy':>9}  class"]
    for s in trace.snapshots:
        proxy = "-" if s.proxy is None else f"{s.proxy:9.3g}"
        lines.append(
            f"{s.step:>5} {s.loss:10.4g} {s.lambda_min:11.4g} {s.lambda_max:11.4g} "
            f"{s.dissipative_fraction:6.3f}+-{s.dissipative_stderr:<6.3f} "
            f"{s.divergent_fraction:6.3f}+-{s.divergent_stderr:<6.3f} "
            f"{s.g1_spectral_radius:8.4f} {proxy:>9}  {s.classification}"
            + ("" if s.classification_resolved else
               f" (unresolved: divergent in [{s.divergent_bounds[0]:.2f}, "
               f"{s.divergent_bounds[1]:.2f}])"))
    if trace.windows:
        spans = ", ".join(f"[{w.start}, {w.end})" for w in trace.windows)
        lines.append(f"almost/fully dissipative windows (steps): {spans}")
    else:
        lines.append("almost/fully dissipative windows: none")
    lines += [f"proxy: {trace.definitions['proxy']}",
              f"modes: {trace.definitions['modes']}",
              f"classes: {trace.definitions['classification']}",
              f"{trace.hessian_vector_products} Hessian-vector products, {trace.seconds:.1f} s"]
    lines += list(trace.notes or ())
    lines += [f"wrote {path}" for path in plots]
    return "\n".join(lines)


def main(args: argparse.Namespace) -> VerbOutput:
    plot_dir = (None if args.plot is None
                else check_output_path(Path(args.plot), directory=True, field="plot"))
    spec = load_spec(args.spec)
    require_kind(spec, "dissipation", ("sparse-network",))
    problem = as_network_problem(spec, explicit=False)
    steps = spec.model.steps if args.steps is None else args.steps
    every = max(1, steps // 10) if args.every is None else args.every
    trace = dissipation_trace(
        problem, steps, every, probes=option(args, "probes", 4),
        lanczos_steps=option(args, "lanczos_steps", 50), seed=option(args, "seed", 0),
        cut=option(args, "proxy_cut", PAPER_CUT), scale=args.proxy_scale)
    plots: list[Path] = []
    if plot_dir is not None:
        from qmlc.reports.dissipation_plots import write_dissipation_plots

        with task("drawing the panels"):
            plots = write_dissipation_plots(trace, plot_dir)
    return VerbOutput(trace, render_trace(trace, plots))
