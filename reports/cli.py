"""The ``qmlc`` command: argument parsing, dispatch to one module per verb, and output.

Each verb lives in :mod:`qmlc.reports.verbs` as a thin shell over public library functions: it
returns a :class:`~qmlc.reports.verbs.VerbOutput` (the typed result and its text rendering),
which this module prints as text, or as JSON with ``--json``. Verb modules are imported only when
their verb runs, so ``qmlc -h`` does not load Qiskit, Qualtran or JAX.

The contract (README): a :class:`~qmlc.compiler.errors.QmlcError` — any mistake of the user —
becomes one line on stderr and exit status 2, with nothing written; when the error names an input
(``n = -3: …``) the line names the flag that sets it (``--n = -3: …``). Any other exception is a
bug in qmlc: one line says so and how to see the traceback (``--debug`` or ``QMLC_DEBUG=1``),
exit status 1. Long phases show a progress display on stderr when it is a terminal, unless
``--quiet``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import textwrap
from collections.abc import Callable, Sequence

from qmlc.compiler import limits as L
from qmlc.compiler.errors import QmlcError, one_line

EXIT_USER_ERROR = 2
EXIT_BUG = 1
STAGES = ("polymap", "carleman", "block-encoding", "qlsa", "qiren")
# the QLSA cost models of qmlc.circuits.bloqs.qlsa_models (named here so that `qmlc -h` does not
# import Qualtran; a test checks the two lists agree), and "all" for every model side by side
ESTIMATE_ALGORITHMS = ("qsvt", "jennings", "jennings-v2", "costa-da", "costa-da-empirical",
                       "dalzell", "all")
REPORT_ALGORITHMS = ESTIMATE_ALGORITHMS[:-1]     # the report covers every model itself
SPEC_KINDS = ("polynomial-map", "sparse-network", "qiren")

DESCRIPTION = """\
qmlc compiles machine-learning models into quantum programs, runs small instances on simulators
and estimates the fault-tolerant cost of large ones:

  sparse training dynamics -> Carleman linearization -> history system -> QLSA (Liu et al. 2024)
  QIREN (Zhao et al. 2024) -> data re-uploading circuits

Most verbs take a SPEC: a TOML file describing a model (kind = "polynomial-map",
"sparse-network" or "qiren") and naming its data files; 'qmlc schema KIND' prints every field.
Every user mistake prints one line and exits with status 2, writing nothing."""

EPILOG = """\
start here:
  qmlc demo                                     the main job on the bundled tiny example
  qmlc verify SPEC                              classical check of a Carleman spec
  qmlc estimate --n 1e8 --steps 1000 --order 2 --row-sparsity 16 --epsilon 1e-3
  qmlc VERB -h                                  a verb's flags, defaults and units"""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage mistakes exit with status 2 and one line (argparse's own convention)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"qmlc: error: {message}; see '{self.prog} -h'\n")


class _Help(argparse.RawDescriptionHelpFormatter):
    """Help lines end with the default when there is one worth stating."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=34, width=100)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("default" not in text and default not in (None, False, argparse.SUPPRESS)
                and not isinstance(default, bool) and action.option_strings):
            text += " (default: %(default)s)"
        return text


def _common(parser: argparse.ArgumentParser, json_help: str | None = "print the result as JSON"
            ) -> None:
    if json_help:
        parser.add_argument("--json", action="store_true", help=json_help)
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress display on stderr")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an internal error (or set QMLC_DEBUG=1)")


SPEC_HELP = "model spec: a .toml file (kind polynomial-map, sparse-network or qiren)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qmlc", description=DESCRIPTION, epilog=EPILOG, formatter_class=_Help)
    parser.add_argument("--version", action="version", version=f"qmlc {_version()}")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress display on stderr")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an internal error (or set QMLC_DEBUG=1)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)

    def verb(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return verbs.add_parser(name, help=summary, description=textwrap.fill(description, 96),
                                formatter_class=_Help)

    demo = verb("demo", "run the main job on the bundled tiny example",
                "Lower the bundled tiny pruned network to its Carleman history system, check it "
                "classically against true gradient descent, solve it with QSVT on Aer and Cirq, "
                "and explain every number.")
    _common(demo)

    lower = verb("lower", "run the pipeline up to a stage and write it",
                 "Run the compiler up to --stage and write that stage to a directory: meta.json "
                 "beside the stage's arrays and circuits. An earlier stage in the directory is "
                 "replaced whole.")
    lower.add_argument("spec", help=SPEC_HELP)
    lower.add_argument("--stage", required=True, choices=STAGES,
                       help="stage to write: polymap, carleman, block-encoding, qlsa "
                            "(Carleman specs) or qiren (QIREN specs)")
    lower.add_argument("-o", "--output", required=True, metavar="DIR",
                       help="output directory (created; must be empty or hold a qmlc stage)")
    lower.add_argument("--weights", metavar="W.npz",
                       help="QIREN weights for --stage qiren (default: the spec's, else its "
                            "seeded initialization)")
    lower.add_argument("--algorithm", choices=["qsvt", "hhl"],
                       help="QLSA of --stage qlsa (default: qsvt)")
    lower.add_argument("--allow-nondissipative", action="store_true",
                       help="lower expanding dynamics anyway (κ grows exponentially in T)")
    _common(lower, "print the stage metadata as JSON")

    verify = verb("verify", "classical check of the Carleman system",
                  "Solve the history system classically for every truncation order 1..N and "
                  "compare the trajectory with the exact map (and, for networks, with true "
                  "gradient descent).")
    verify.add_argument("spec", help=SPEC_HELP + "; Carleman kinds only")
    verify.add_argument("--allow-nondissipative", action="store_true",
                        help="check expanding dynamics anyway")
    _common(verify)

    run = verb("run", "simulate a compiled model on a backend, or run it on an IBM device",
               "Carleman specs: compile the QLSA (QSVT or HHL) and simulate it, comparing with "
               "the classical solve. QIREN specs: run the lowered circuits on the inputs. IBM "
               "backends (ibm-fake[:DEVICE] simulates a device model offline; ibm:DEVICE "
               "submits to IBM Quantum) transpile to the device and report its jobs.")
    run.add_argument("spec", help=SPEC_HELP)
    run.add_argument("--backend", type=_backend, metavar="BACKEND",
                     help="aer or cirq (both kinds), numpy (QIREN), ibm-fake[:DEVICE] or "
                          "ibm:DEVICE|least-busy (default: aer)")
    run.add_argument("--dry-run", action="store_true",
                     help="IBM: transpile and report, submit nothing")
    run.add_argument("--noiseless", action="store_true",
                     help="ibm-fake: the device's target without its noise model")
    run.add_argument("--optimization-level", type=int, default=1, choices=[0, 1, 2, 3],
                     help="IBM: preset pass manager level")
    run.add_argument("--shots", type=int, metavar="N",
                     help=f"sample N shots per circuit instead of the exact statevector "
                          f"({L.interval(L.MIN_SHOTS, L.MAX_SHOTS)})")
    run.add_argument("--seed", type=int, metavar="S",
                     help=f"seed of the sampling ({L.interval(L.MIN_SEED, L.MAX_SEED)}; "
                          "default 0; only with --shots)")
    run.add_argument("--algorithm", choices=["qsvt", "hhl"],
                     help="QLSA of a Carleman spec (default: qsvt)")
    run.add_argument("--amplify", action="store_true",
                     help="QSVT: amplitude-amplify the postselection (raises the success "
                          "probability to ~0.9 at a fixed number of rounds)")
    run.add_argument("--weights", metavar="W.npz", help="QIREN weights (default: the spec's)")
    run.add_argument("--inputs", metavar="X.npy",
                     help="QIREN inputs, one row per input (default: the spec's [signal])")
    run.add_argument("--allow-nondissipative", action="store_true",
                     help="run expanding Carleman dynamics anyway")
    _common(run)

    compile_ = verb("compile", "export a compiled model as OpenQASM",
                    "Write OpenQASM and a JSON sidecar FILE.json (register layout, "
                    "postselection, or QIREN's affine maps): all files or none.")
    compile_.add_argument("spec", help=SPEC_HELP)
    compile_.add_argument("-o", "--output", required=True, metavar="FILE.qasm",
                          help="output .qasm file; the sidecar is FILE.json beside it")
    compile_.add_argument("--format", default="qasm3", choices=["qasm2", "qasm3"],
                          help="OpenQASM version")
    compile_.add_argument("--algorithm", choices=["qsvt", "hhl"],
                          help="QLSA of a Carleman spec (default: qsvt)")
    compile_.add_argument("--weights", metavar="W.npz", help="QIREN weights (default: the "
                                                             "spec's)")
    compile_.add_argument("--inputs", metavar="X.npy",
                          help="QIREN inputs to bind in QASM 2, one file per row (default: "
                               "the spec's [signal])")
    compile_.add_argument("--allow-nondissipative", action="store_true",
                          help="compile expanding Carleman dynamics anyway")
    compile_.add_argument("--target", type=_backend, metavar="DEVICE",
                          help="write the ISA circuit of ibm-fake[:DEVICE] or ibm:DEVICE")
    compile_.add_argument("--optimization-level", type=int, default=1, choices=[0, 1, 2, 3],
                          help="--target: preset pass manager level")
    _common(compile_)

    estimate = verb("estimate", "fault-tolerant resource estimate",
                    "Logical and physical resources of one QLSA solve, from a spec's structure "
                    "or from bare parameters (a quadratic map with --row-sparsity nonzeros per "
                    "row and entries <= 1); per-circuit costs and shots for QIREN specs.")
    _estimate_inputs(estimate, ESTIMATE_ALGORITHMS)
    estimate.add_argument("--sweep", action="store_true",
                          help="fit and prove the scaling in n and T (about 4 s)")
    _common(estimate)

    report = verb("report", "resource-estimate report (HTML or Markdown)",
                  "The estimate's inputs, written up as one self-contained HTML page or a "
                  "Markdown file with PNG figures: verdict, cost breakdown, scaling, physical "
                  "sensitivity, Carleman checks and sources; with --device, the spec's circuits "
                  "on an IBM device (a dry run: nothing is submitted). The output is checked "
                  "before any work and written all or none.")
    _estimate_inputs(report, REPORT_ALGORITHMS)
    report.add_argument("-o", "--output", required=True, metavar="FILE.html|FILE.md",
                        help="report file: FILE.html (one self-contained page) or FILE.md "
                             "(PNG figures in FILE_figures/)")
    report.add_argument("--device", type=_device, metavar="DEVICE",
                        help="add a Device section: the spec's circuits transpiled to "
                             "ibm-fake[:DEVICE] (offline snapshot; plain ibm-fake: the smallest "
                             "that fits) or ibm:DEVICE|least-busy (needs an IBM Quantum account); "
                             "two-qubit gates, depth, estimated success probability, as 'qmlc "
                             "run --backend DEVICE --dry-run'; nothing is submitted")
    report.add_argument("--optimization-level", type=int, choices=[0, 1, 2, 3],
                        help="--device: preset pass manager level (default: 1)")
    report.add_argument("--no-progress", action="store_true", help="same as --quiet")
    _common(report, "also write FILE.json (the data behind every table and plot) and print a "
                    "JSON summary")

    train = verb("train", "train a QIREN model",
                 "Fit the spec's [signal] with Adam (the released code's setup; mini-batches, "
                 "precision and engine from the spec's [training]) and write the weights; the "
                 "output paths are checked before training starts.")
    train.add_argument("spec", help="QIREN spec (kind = \"qiren\") with a [signal]")
    train.add_argument("-o", "--output", required=True, metavar="W.npz",
                       help="weights file to write (.npz)")
    train.add_argument("--epochs", type=int, metavar="E",
                       help=f"Adam epochs ({L.interval(1, L.MAX_QIREN_EPOCHS)}; default: the "
                            "spec's [training] epochs, 301)")
    train.add_argument("--seed", type=int, metavar="S",
                       help=f"seed of the initialization ({L.interval(L.MIN_SEED, L.MAX_SEED)};"
                            " default: the spec's seed, 0)")
    train.add_argument("--threads", type=int, metavar="K",
                       help="cap BLAS/Numba threads (in [1, 1024]; default: every core; 1 on a "
                            "busy machine)")
    train.add_argument("--plot", metavar="DIR",
                       help="also write PNG pictures (reconstruction, error, curve, spectrum) "
                            "into DIR")
    train.add_argument("--no-progress", action="store_true", help="same as --quiet")
    _common(train)

    spectrum = verb("spectrum", "frequency support of a QIREN model's layer 1",
                    "Sample QIREN's first layer on a full-period grid with integer Linear weights "
                    "and compare its Fourier support with the predicted frequency set.")
    spectrum.add_argument("spec", help="QIREN spec (kind = \"qiren\")")
    spectrum.add_argument("--weights", metavar="W.npz",
                          help="QIREN weights (default: the spec's, else its seeded "
                               "initialization)")
    spectrum.add_argument("--seed", type=int, default=0, metavar="S",
                          help=f"seed of the integer Linear weights and of an initialization "
                               f"({L.interval(L.MIN_SEED, L.MAX_SEED)})")
    _common(spectrum)

    schema = verb("schema", "print the JSON Schema of a spec kind",
                  "Print the JSON Schema (draft 2020-12) of a spec kind: every field, its type, "
                  "range, default and meaning. Editors with TOML schema support (e.g. Taplo / "
                  "Even Better TOML: '#:schema ./qiren.schema.json' on a spec's first line) "
                  "validate and complete specs with it.")
    schema.add_argument("kind", choices=SPEC_KINDS, help="spec kind")
    _common(schema, json_help=None)


    for name in ("job-status", "job-result"):
        job = verb(name, f"{name.split('-')[1]} of a submitted IBM job",
                   f"The {name.split('-')[1]} of an IBM Quantum job that 'qmlc run --backend "
                   "ibm:DEVICE' submitted, by its id (needs the saved IBM Quantum account).")
        job.add_argument("job_id", help="the job id 'qmlc run' printed")
        _common(job)

    dissipation = verb(
        "dissipation", "Hessian spectra along a sparse network's training",
        "Run a sparse-network spec's gradient descent and, every k steps, analyse its Hessian "
        "matrix-free (Hessian-vector products by JAX autodiff): the spectral density by "
        "stochastic Lanczos quadrature, lambda_min and lambda_max, the fractions of dissipative "
        "and divergent modes at the spec's learning rate, the error proxy of Liu et al. (Nat. "
        "Commun. 2024, Eqs. 7-8) and the windows where the almost-dissipative condition holds. "
        "Nothing n x n is formed.")
    dissipation.add_argument("spec", help="sparse-network spec (kind = \"sparse-network\"), of "
                                          "any size")
    dissipation.add_argument("--steps", type=int, metavar="T",
                             help=f"gradient-descent steps ({L.interval(L.MIN_STEPS, L.MAX_STEPS)};"
                                  " default: the spec's steps)")
    dissipation.add_argument("--every", type=int, metavar="K",
                             help="analyse the Hessian at steps 0, K, 2K, ... (in [1, T]; "
                                  "default: T // 10, at least 1)")
    dissipation.add_argument("--probes", type=int, metavar="P",
                             help=f"SLQ probe vectors ({L.interval(L.MIN_PROBES, L.MAX_PROBES)};"
                                  " default: 4)")
    dissipation.add_argument("--lanczos-steps", type=int, metavar="M",
                             help="Lanczos steps per probe "
                                  f"({L.interval(L.MIN_LANCZOS_STEPS, L.MAX_LANCZOS_STEPS)}; "
                                  "default: 50)")
    dissipation.add_argument("--seed", type=int, metavar="S",
                             help=f"seed of the probe vectors ({L.interval(L.MIN_SEED, L.MAX_SEED)};"
                                  " default: 0)")
    dissipation.add_argument("--proxy-cut", type=float, metavar="C",
                             help="|a| below C is left out of the error proxy (>= 0; default: "
                                  "0.4, the paper's)")
    dissipation.add_argument("--proxy-scale", type=float, metavar="S",
                             help="a = -S*lambda in the error proxy "
                                  f"({L.interval(0.0, L.MAX_LEARNING_RATE, low_open=True)}; "
                                  "default: the learning rate)")
    dissipation.add_argument("--plot", metavar="DIR",
                             help="also write the Fig. 2-style panels (density, extremes, modes, "
                                  "proxy) as PNG into DIR")
    _common(dissipation)
    parser.verb_parsers = {name: sub for name, sub in verbs.choices.items()}
    return parser


def _estimate_inputs(sub: argparse.ArgumentParser, algorithms: tuple[str, ...]) -> None:
    """The inputs of an estimate, shared by ``qmlc estimate`` and ``qmlc report``."""
    sub.add_argument("spec", nargs="?", default=None,
                     help=SPEC_HELP + " (or give --n, --steps, --order, --row-sparsity, "
                                      "--epsilon instead)")
    sub.add_argument("--n", type=float, metavar="N",
                     help=f"number of trainable parameters, without a spec "
                          f"({L.interval(L.MIN_N, L.MAX_N)})")
    sub.add_argument("--steps", type=float, metavar="T",
                     help=f"training steps T ({L.interval(L.MIN_STEPS, L.MAX_STEPS)}; with a "
                          "spec: overrides its steps)")
    sub.add_argument("--order", type=int, metavar="N",
                     help=f"Carleman truncation order ({L.interval(L.MIN_ORDER, L.MAX_ORDER)}; "
                          "with a spec: overrides its order)")
    sub.add_argument("--row-sparsity", type=float, metavar="S",
                     help="nonzeros per row of each G_l, without a spec (in [1, n])")
    sub.add_argument("--gradient-norm", type=float, metavar="G",
                     help=f"||G_0||_2 = eta*||grad L(theta_0)||_2, without a spec "
                          f"({L.interval(0.0, L.MAX_GRADIENT_NORM)}; default 1)")
    sub.add_argument("--epsilon", type=float, metavar="EPS",
                     help=f"target error ({L.interval(L.MIN_EPSILON, 1.0, high_open=True)}; "
                          "with a spec: default its epsilon, else 1e-3; QIREN: precision on "
                          "<Z>, default 1e-2)")
    sub.add_argument("--kappa", type=float, metavar="K",
                     help=f"condition number, given ({L.interval(L.MIN_KAPPA, L.MAX_KAPPA)}; "
                          "default: from the dissipation analysis, or 2(T+1))")
    sub.add_argument("--algorithm", choices=algorithms,
                     help="QLSA cost model: qsvt (upper reference), jennings (v1 theorem), "
                          "jennings-v2, costa-da (bound 2305), costa-da-empirical (1.84), "
                          "dalzell" + ("; all: every model side by side"
                                       if "all" in algorithms else
                                       " (the report shows every model; this one is the "
                                       "requested configuration)") + " (default: qsvt)")
    sub.add_argument("--data-access", choices=["qram", "qrom", "select-swap"],
                     help="cost model of loading G's entries (default: qram)")
    sub.add_argument("--physical-error-rate", type=float, metavar="P",
                     help="physical error rate per operation, in (0, 0.01) (default: 1e-3)")
    sub.add_argument("--error-budget", type=float, metavar="D",
                     help="total failure probability of the physical estimate, in (0, 1) "
                          "(default: 0.01; QIREN: the shot-count failure probability)")
    sub.add_argument("--weights", metavar="W.npz",
                     help="QIREN weights for the output-precision estimate (default: the "
                          "spec's)")


def _version() -> str:
    from qmlc.compiler.stage_io import qmlc_version

    return qmlc_version()


def _backend(value: str) -> str:
    """``--backend`` / ``--target``: a simulator name or an IBM device (real or fake)."""
    if value in ("aer", "cirq", "numpy") or _is_device(value):
        return value
    raise argparse.ArgumentTypeError(
        f"{value!r} is not aer, cirq, numpy, ibm-fake[:DEVICE] or ibm:DEVICE")


def _device(value: str) -> str:
    """``report --device``: an IBM device, real or fake (a simulator has no ISA to report)."""
    if _is_device(value):
        return value
    raise argparse.ArgumentTypeError(f"{value!r} is not ibm-fake[:DEVICE] or ibm:DEVICE")


def _is_device(value: str) -> bool:
    return value == "ibm-fake" or (value.startswith(("ibm:", "ibm-fake:"))
                                   and bool(value.split(":", 1)[1]))


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
            message = re.sub(rf"(?<![\w.-]){name}\b", option, message)
    return message


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def _progress(args: argparse.Namespace):
    """The progress reporter for this call, or None (quiet, or stderr not a terminal)."""
    if getattr(args, "quiet", False) or getattr(args, "no_progress", False):
        return None
    if getattr(args, "json", False) and args.verb == "demo":
        return None
    from qmlc.reports.progress import terminal_reporter

    return terminal_reporter()


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get("QMLC_DEBUG", "") not in ("", "0")
    if args.verb is None:
        sys.stderr.write(parser.format_help())
        return EXIT_USER_ERROR
    try:
        from qmlc.compiler.progress import reporting

        verb = importlib.import_module(f"qmlc.reports.verbs.{args.verb.replace('-', '_')}")
        with reporting(_progress(args)):
            result = verb.main(args)
        text = _render(result, args)
    except QmlcError as exc:
        print(f"qmlc: error: {_flag_for(exc, parser, args.verb)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("qmlc: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the backstop: anything else is a bug in qmlc
        if debug:
            raise
        detail = one_line(f"{type(exc).__name__}: {exc}")[:300]
        print(f"qmlc: internal error (a bug in qmlc, not your input): {detail}; rerun with "
              "--debug (or QMLC_DEBUG=1) for the traceback and report it", file=sys.stderr)
        return EXIT_BUG
    try:
        out(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `qmlc ... | head`: the reader left, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _render(result, args: argparse.Namespace) -> str:
    if not getattr(args, "json", False):
        return result.text
    from qmlc.compiler.stage_io import to_json

    return to_json(result.data)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
