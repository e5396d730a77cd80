"""The ``qmlc`` command: argument parsing, dispatch to one module per verb, and output.

Each verb lives in :mod:`qmlc.reports.verbs` as a thin shell over public library functions: it
returns a :class:`~qmlc.reports.verbs.VerbOutput` (the typed result and its text rendering),
which this module prints as text, or as JSON with ``--json``. Verb modules are imported only when
their verb runs, so ``qmlc -h`` does not load Qiskit, Qualtran or JAX.

A :class:`~qmlc.compiler.errors.QmlcError` becomes one line on stderr and exit status 2; when the
error names an input (``n = -3: …``) the line names the flag that sets it (``--n = -3: …``).
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence

from qmlc.compiler.errors import QmlcError, one_line
from qmlc.compiler.stage_io import to_json

EXIT_USER_ERROR = 2
STAGES = ("polymap", "carleman", "block-encoding", "qlsa", "qiren")
# the QLSA cost models of qmlc.circuits.bloqs.qlsa_models (named here so that `qmlc -h` does not
# import Qualtran; a test checks the two lists agree), and "all" for every model side by side
ESTIMATE_ALGORITHMS = ("qsvt", "jennings", "jennings-v2", "costa-da", "costa-da-empirical",
                       "dalzell", "all")
REPORT_ALGORITHMS = ESTIMATE_ALGORITHMS[:-1]     # the report covers every model itself


class _Parser(argparse.ArgumentParser):
    """argparse, but usage mistakes exit with status 2 and one line (argparse's own convention)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"qmlc: error: {message}; see '{self.prog} -h'\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qmlc", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    demo = verbs.add_parser("demo", help="run the main job on the bundled tiny example")
    demo.add_argument("--json", action="store_true", help="print results as JSON")

    lower = verbs.add_parser("lower", help="run the pipeline up to a stage and write it")
    lower.add_argument("spec")
    lower.add_argument("--stage", required=True, choices=STAGES)
    lower.add_argument("--weights", default=None, help="QIREN weights (.npz) for --stage qiren")
    lower.add_argument("--algorithm", default="qsvt", choices=["qsvt", "hhl"],
                       help="QLSA of --stage qlsa")
    lower.add_argument("-o", "--output", required=True, help="output directory")
    lower.add_argument("--json", action="store_true", help="print the stage metadata as JSON")
    lower.add_argument("--allow-nondissipative", action="store_true",
                       help="lower expanding dynamics anyway (κ grows exponentially in T)")

    verify = verbs.add_parser("verify", help="classical check of the Carleman system")
    verify.add_argument("spec")
    verify.add_argument("--json", action="store_true")
    verify.add_argument("--allow-nondissipative", action="store_true")

    run = verbs.add_parser("run", help="simulate a compiled model on a backend")
    run.add_argument("spec")
    run.add_argument("--backend", default="aer", type=_backend,
                     help="aer, cirq, numpy (QIREN), ibm-fake[:DEVICE] or ibm:DEVICE|least-busy")
    run.add_argument("--dry-run", action="store_true",
                     help="IBM: transpile and report, submit nothing")
    run.add_argument("--noiseless", action="store_true",
                     help="ibm-fake: the device's target without its noise model")
    run.add_argument("--optimization-level", type=int, default=1, choices=[0, 1, 2, 3],
                     help="IBM: preset pass manager level")
    run.add_argument("--shots", type=int, default=None, help="sample instead of exact statevector")
    run.add_argument("--algorithm", default="qsvt", choices=["qsvt", "hhl"])
    run.add_argument("--amplify", action="store_true",
                     help="QSVT: amplitude-amplify the postselection (fixed number of rounds)")
    run.add_argument("--weights", default=None, help="QIREN weights (.npz)")
    run.add_argument("--inputs", default=None, help="QIREN inputs (.npy, one row per input)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--json", action="store_true")
    run.add_argument("--allow-nondissipative", action="store_true")

    compile_ = verbs.add_parser("compile", help="export a compiled model as OpenQASM")
    compile_.add_argument("spec")
    compile_.add_argument("--format", default="qasm3", choices=["qasm2", "qasm3"])
    compile_.add_argument("-o", "--output", required=True, help="output .qasm file")
    compile_.add_argument("--algorithm", default="qsvt", choices=["qsvt", "hhl"])
    compile_.add_argument("--weights", default=None, help="QIREN weights (.npz)")
    compile_.add_argument("--inputs", default=None, help="QIREN inputs (.npy) for QASM 2 binding")
    compile_.add_argument("--json", action="store_true")
    compile_.add_argument("--allow-nondissipative", action="store_true")
    compile_.add_argument("--target", default=None, type=_backend,
                          help="write the ISA circuit of ibm-fake[:DEVICE] or ibm:DEVICE")
    compile_.add_argument("--optimization-level", type=int, default=1, choices=[0, 1, 2, 3])

    estimate = verbs.add_parser("estimate", help="fault-tolerant resource estimate")
    _estimate_inputs(estimate, ESTIMATE_ALGORITHMS)
    estimate.add_argument("--sweep", action="store_true", help="scaling sweep over n and T")
    estimate.add_argument("--json", action="store_true")

    report = verbs.add_parser("report", help="resource-estimate report (HTML or Markdown)")
    _estimate_inputs(report, REPORT_ALGORITHMS)
    report.add_argument("-o", "--output", required=True,
                        help="report file: FILE.html (one self-contained page) or FILE.md "
                             "(PNG figures in FILE_figures/)")
    report.add_argument("--json", action="store_true",
                        help="also write FILE.json (the data behind every table and plot) and "
                             "print a JSON summary")
    report.add_argument("--no-progress", action="store_true")

    train = verbs.add_parser("train", help="train a QIREN model")
    train.add_argument("spec")
    train.add_argument("-o", "--output", required=True, help="weights file to write (.npz)")
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--threads", type=int, default=None,
                       help="cap BLAS/Numba threads (default: every core; 1 on a busy machine)")
    train.add_argument("--plot", default=None, metavar="DIR",
                       help="also write PNG pictures (reconstruction, error, curve, spectrum)")
    train.add_argument("--no-progress", action="store_true")
    train.add_argument("--json", action="store_true")

    spectrum = verbs.add_parser("spectrum", help="frequency support of a QIREN model's layer 1")
    spectrum.add_argument("spec")
    spectrum.add_argument("--weights", default=None)
    spectrum.add_argument("--seed", type=int, default=0)
    spectrum.add_argument("--json", action="store_true")

    for verb in ("job-status", "job-result"):
        job = verbs.add_parser(verb, help=f"{verb.split('-')[1]} of a submitted IBM job")
        job.add_argument("job_id")
        job.add_argument("--json", action="store_true")
    parser.verb_parsers = {name: sub for name, sub in verbs.choices.items()}
    return parser


def _estimate_inputs(sub: argparse.ArgumentParser, algorithms: tuple[str, ...]) -> None:
    """The inputs of an estimate, shared by ``qmlc estimate`` and ``qmlc report``."""
    sub.add_argument("spec", nargs="?", default=None)
    sub.add_argument("--n", type=float, default=None, help="number of parameters")
    sub.add_argument("--steps", type=float, default=None, help="training steps T")
    sub.add_argument("--order", type=int, default=None, help="Carleman truncation N")
    sub.add_argument("--row-sparsity", type=float, default=None, help="row sparsity s of G")
    sub.add_argument("--gradient-norm", type=float, default=None,
                     help="||G_0||_2 = eta*||grad L(theta_0)||_2 of a flag estimate (default 1)")
    sub.add_argument("--epsilon", type=float, default=None, help="target error ε")
    sub.add_argument("--kappa", type=float, default=None, help="condition number (given)")
    sub.add_argument("--algorithm", default="qsvt", choices=algorithms,
                     help="QLSA cost model: qsvt (upper reference), jennings (v1 theorem), "
                          "jennings-v2, costa-da (bound 2305), costa-da-empirical (1.84), "
                          "dalzell" + ("; all: every model side by side"
                                       if "all" in algorithms else
                                       " (the report shows every model; this one is the "
                                       "requested configuration)"))
    sub.add_argument("--data-access", default="qram", choices=["qram", "qrom", "select-swap"])
    sub.add_argument("--physical-error-rate", type=float, default=1e-3)
    sub.add_argument("--error-budget", type=float, default=1e-2)
    sub.add_argument("--weights", default=None, help="QIREN weights (.npz)")


def _backend(value: str) -> str:
    """``--backend`` / ``--target``: a simulator name or an IBM device (real or fake)."""
    if value in ("aer", "cirq", "numpy", "ibm-fake") or (
            value.startswith(("ibm:", "ibm-fake:")) and value.split(":", 1)[1]):
        return value
    raise argparse.ArgumentTypeError(
        f"{value!r} is not aer, cirq, numpy, ibm-fake[:DEVICE] or ibm:DEVICE")


def _flag_for(exc: QmlcError, parser: argparse.ArgumentParser, verb: str) -> str:
    """The error's line, with the input it names spelled as the verb's flag when it has one."""
    message = one_line(str(exc))
    options = parser.verb_parsers[verb]._option_string_actions
    field = getattr(exc, "field", None)
    if field and message.startswith(field) and _flag(field) in options:
        message = _flag(field) + message[len(field):]
    for option in options:  # compound input names (allow_nondissipative) anywhere in the line
        name = option[2:].replace("-", "_")
        if option.startswith("--") and "_" in name:
            message = re.sub(rf"(?<![\w-]){name}\b", option, message)
    return message


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    verb = importlib.import_module(f"qmlc.reports.verbs.{args.verb.replace('-', '_')}")
    try:
        result = verb.main(args)
    except QmlcError as exc:
        print(f"qmlc: error: {_flag_for(exc, parser, args.verb)}", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        out(to_json(result.data) if getattr(args, "json", False) else result.text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `qmlc ... | head`: the reader left, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
