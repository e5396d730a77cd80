"""``qmlc report SPEC|--n … -o FILE.html|FILE.md [--json] [--device DEVICE]``: a report.

The same inputs as ``qmlc estimate``. The data comes from
:mod:`qmlc.reports.report_data` (estimators only), the figures from :mod:`qmlc.reports.plots`,
the words and tables from :mod:`qmlc.reports.report_document`; HTML is one self-contained page
(inline SVG), Markdown gets its PNG figures in ``FILE_figures/`` beside it. ``--json`` also
writes ``FILE.json``, the data behind every table and plot. The output path is checked before
any work; everything is written at the end, all files or none.

``--device ibm-fake[:DEVICE]|ibm:DEVICE`` adds a Device section: the spec's circuits in the
device's ISA, the dry run of ``qmlc run SPEC --backend DEVICE --dry-run``
(:mod:`qmlc.reports.device_data`); nothing is submitted.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from qmlc.backends.ibm_isa import DEFAULT_OPTIMIZATION_LEVEL
from qmlc.compiler.errors import UsageError
from qmlc.compiler.spec import load_spec
from qmlc.compiler.stage_io import qmlc_version, to_json
from qmlc.estimators.requests import request_from_parameters, request_from_spec
from qmlc.reports.files import check_output_file, write_files
from qmlc.reports.format import byte_size
from qmlc.reports.progress import step_progress
from qmlc.reports.verbs import VerbOutput, option
from qmlc.reports.verbs.estimate import check_inputs, estimate_options, require_sizes

FORMATS = {".html": "html", ".md": "markdown"}
CARLEMAN_STAGES = 15   # 6 estimates, sweep, 3 error rates, 3 target errors, checks, the page
QIREN_STAGES = 3      # estimate, rendered signal, the page
DEVICE_STAGES = 2     # --device: build the circuits, transpile them


def output_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"-o {path}: unknown extension {path.suffix or '(none)'!r}; name the "
                         "report FILE.html or FILE.md")
    return fmt


def build(args: argparse.Namespace, spec, step):
    """The :class:`~qmlc.reports.report_data.ModelReport` of the parsed arguments and their
    loaded spec (None for the --n ... inputs), with the Device section when ``--device`` is
    given: its circuits are built and checked before the estimates, and transpiled after them
    (the slow part last)."""
    check_inputs(args, spec)
    check_device_flags(args, spec)
    plan = None
    if args.device is not None:
        from qmlc.reports.device_data import plan_device

        step(f"circuits for {args.device}")
        plan = plan_device(spec, args.device, option(args, "optimization_level",
                                                     DEFAULT_OPTIMIZATION_LEVEL),
                           weights=args.weights, order=args.order, steps=_whole(args.steps))
    report = estimates(args, spec, step)
    if plan is not None:
        from qmlc.reports.device_data import device_assumptions, device_section

        step(f"transpiling for {plan.device.name}")
        section = device_section(plan, notify=_warn)
        report = dataclasses.replace(report, device=section,
                                     assumptions=report.assumptions + device_assumptions(section))
    return report


def check_device_flags(args: argparse.Namespace, spec) -> None:
    """``--device`` needs a spec (circuits); ``--optimization-level`` needs ``--device``."""
    if args.device is None:
        if args.optimization_level is not None:
            raise UsageError("--optimization-level does not apply without --device (it is the "
                             "transpiler's level for the Device section); drop it")
        return
    if spec is None:
        raise UsageError("--device transpiles a spec's circuits and the --n ... inputs have "
                         "none; give a SPEC, or drop --device")


def _whole(value: float | None) -> float | int | None:
    """``--steps 1e3`` (parsed as a float) as the integer the compiler checks; anything else is
    left for its check to refuse."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _warn(line: str) -> None:
    print(f"qmlc: {line}", file=sys.stderr, flush=True)


def estimates(args: argparse.Namespace, spec, step):
    """The report without its Device section."""
    from qmlc.reports.report_data import carleman_report, qiren_report

    if spec is not None and spec.kind == "qiren":
        return qiren_report(spec, option(args, "epsilon", 1e-2),
                            option(args, "error_budget", 1e-2), args.weights, step)
    options = estimate_options(args)
    if spec is None:
        require_sizes(args, "report")
        request = request_from_parameters(
            args.n, args.steps, args.order, args.row_sparsity, args.epsilon,
            option(args, "gradient_norm", 1.0), options.kappa)
    else:
        request = request_from_spec(spec, args.order, args.steps, args.epsilon, options.kappa)
    return carleman_report(request, options, step)


def render(report, out: Path, fmt: str, with_json: bool) -> dict[Path, str | bytes]:
    """Every file of the report, by path (nothing written yet)."""
    from qmlc.reports import plots
    from qmlc.reports.html import render_html
    from qmlc.reports.markdown import render_markdown
    from qmlc.reports.report_document import document

    figs = plots.figures(report)
    captions = {f.name: f.caption for f in figs}
    sections = document(report)
    meta = _meta(report)
    footer = (f"Generated by qmlc {qmlc_version()} from {report.inputs['source']}. Every number "
              "is labelled with its model; §" f"{len(sections)} lists the models, formulas and "
              "sources. Counts are exact integers (hover a cell or read the JSON).")
    files: dict[Path, str | bytes] = {}
    try:
        if fmt == "html":
            svgs = {f.name: plots.to_svg(f) for f in figs}
            files[out] = render_html(report.title, meta, sections, svgs, captions, footer)
        else:
            folder = out.with_name(out.stem + "_figures")
            images = {}
            for f in figs:
                path = folder / f"{f.name}.png"
                files[path] = plots.to_png(f)
                images[f.name] = f"{folder.name}/{path.name}"
            files = {out: render_markdown(report.title, meta, sections, images, captions,
                                          footer), **files}
    finally:
        plots.close(figs)
    if with_json:
        files[out.with_suffix(".json")] = to_json(report.to_dict()) + "\n"
    return files


def _meta(report) -> str:
    i = report.inputs
    device = ""
    if report.device is not None:
        device = (f" Device section: {report.device.device['device']} "
                  f"(--device {report.device.request}), optimization level "
                  f"{report.device.optimization_level}.")
    if report.kind == "qiren":
        return (f"QIREN spec {i['source']}; target precision ε = {i['epsilon']:g} per ⟨Z⟩, "
                f"failure probability {i['error_budget']:g}; weights: {i['weights']}.{device}")
    return (f"Inputs: {i['source']}; n = {i['n']:,} parameters, T = {i['steps']:,} steps, "
            f"Carleman order N = {i['order']}, target error ε = {i['epsilon']:g}; requested "
            f"solver {i['algorithm']} with {i['data_access']} data access; physical error "
            f"rate p = {i['physical_error_rate']:g}, error budget {i['error_budget']:g}.{device}")


def main(args: argparse.Namespace) -> VerbOutput:
    out = Path(args.output)
    fmt = output_format(out)
    check_output_file(out, "report.html")
    spec = load_spec(args.spec) if args.spec else None
    stages = QIREN_STAGES if spec is not None and spec.kind == "qiren" else CARLEMAN_STAGES
    stages += DEVICE_STAGES if args.device is not None else 0
    with step_progress("qmlc report", stages, enabled=not args.no_progress) as step:
        report = build(args, spec, step)
        step("figures and page")
        files = render(report, out, fmt, args.json)
    write_files(files)
    sizes = {str(path): len(content if isinstance(content, bytes) else content.encode())
             for path, content in files.items()}
    data = {"report": str(out), "format": fmt, "bytes": sizes[str(out)], "files": sizes,
            "kind": report.kind, "sections": _titles(report)}
    text = (f"wrote {out} ({byte_size(sizes[str(out)])}, {fmt}"
            + (f", {len(files) - 1} more file(s)" if len(files) > 1 else "") + ")")
    return VerbOutput(data, text)


def _titles(report) -> list[str]:
    from qmlc.reports.report_document import document

    return [section.title for section in document(report)]


__all__ = ["build", "main", "output_format", "render"]
