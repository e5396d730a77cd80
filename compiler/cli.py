"""The ``qmlc`` command line: argument parsing and dispatch only.

Every verb is a thin shell over public library functions. Adapters per model family
(:mod:`compiler.cli_carleman`, :mod:`compiler.cli_qlsa`, :mod:`compiler.cli_estimate`,
:mod:`compiler.cli_qiren`) turn parsed arguments into library calls and return a JSON-ready dict;
this module prints it (``--json``) or renders it as text. A :class:`~compiler.errors.QmlcError`
becomes one line on stderr and exit status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from compiler.errors import QmlcError, one_line
from compiler.spec import ModelSpec, load_spec

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage mistakes exit with status 2 and one line (argparse's own convention)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USER_ERROR, f"qmlc: error: {message}; see 'qmlc {self.prog.split()[-1]} -h'\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qmlc", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)

    demo = verbs.add_parser("demo", help="run the main job on the bundled tiny example")
    demo.add_argument("--json", action="store_true", help="print results as JSON")

    lower = verbs.add_parser("lower", help="run the pipeline up to a stage and write it")
    lower.add_argument("spec")
    lower.add_argument("--stage", required=True, choices=["polymap", "carleman", "qiren"])
    lower.add_argument("--weights", default=None, help="QIREN weights (.npz) for --stage qiren")
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
    run.add_argument("--backend", default="aer", choices=["aer", "cirq", "numpy", "ibm-fake"])
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

    estimate = verbs.add_parser("estimate", help="fault-tolerant resource estimate")
    estimate.add_argument("spec", nargs="?", default=None)
    estimate.add_argument("--n", type=float, default=None, help="number of parameters")
    estimate.add_argument("--steps", type=float, default=None, help="training steps T")
    estimate.add_argument("--order", type=int, default=None, help="Carleman truncation N")
    estimate.add_argument("--row-sparsity", type=float, default=None, help="row sparsity s of G")
    estimate.add_argument("--gradient-norm", type=float, default=None,
                          help="||G_0||_2 = eta*||grad L(theta_0)||_2 of a flag estimate "
                               "(default 1)")
    estimate.add_argument("--epsilon", type=float, default=None, help="target error ε")
    estimate.add_argument("--kappa", type=float, default=None, help="condition number (given)")
    estimate.add_argument("--algorithm", default="qsvt", choices=["qsvt", "jennings"])
    estimate.add_argument("--data-access", default="qram", choices=["qram", "qrom", "select-swap"])
    estimate.add_argument("--physical-error-rate", type=float, default=1e-3)
    estimate.add_argument("--error-budget", type=float, default=1e-2)
    estimate.add_argument("--sweep", action="store_true", help="scaling sweep over n and T")
    estimate.add_argument("--weights", default=None, help="QIREN weights (.npz)")
    estimate.add_argument("--json", action="store_true")

    train = verbs.add_parser("train", help="train a QIREN model")
    train.add_argument("spec")
    train.add_argument("-o", "--output", required=True, help="weights file to write (.npz)")
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--no-progress", action="store_true")
    train.add_argument("--json", action="store_true")

    spectrum = verbs.add_parser("spectrum", help="frequency support of a QIREN model's layer 1")
    spectrum.add_argument("spec")
    spectrum.add_argument("--weights", default=None)
    spectrum.add_argument("--seed", type=int, default=0)
    spectrum.add_argument("--json", action="store_true")
    return parser


def _spec(args: argparse.Namespace) -> ModelSpec:
    return load_spec(args.spec)


def _dispatch(args: argparse.Namespace) -> dict:
    verb = args.verb
    if verb == "demo":
        from compiler.demo import run_demo
        return run_demo(quiet=args.json)
    if verb in ("lower", "verify"):
        spec = _spec(args)
        if verb == "lower" and (spec.kind == "qiren") != (args.stage == "qiren"):
            raise QmlcError(f"{spec.path}: stage '{args.stage}' does not apply to a spec of kind "
                            f"{spec.kind!r}; use " + ("--stage qiren" if spec.kind == "qiren"
                                                      else "--stage polymap or carleman"))
        if spec.kind == "qiren":
            from compiler import cli_qiren
            return cli_qiren.lower(args, spec)
        from compiler import cli_carleman
        return getattr(cli_carleman, verb)(args, spec)
    if verb == "estimate":
        spec = _spec(args) if args.spec else None
        if spec is not None and spec.kind == "qiren":
            from compiler import cli_qiren
            return cli_qiren.estimate(args, spec)
        from compiler import cli_estimate
        return cli_estimate.estimate(args, spec)
    spec = _spec(args)
    if verb in ("train", "spectrum") and spec.kind != "qiren":
        raise QmlcError(f"{spec.path}: 'qmlc {verb}' needs a spec of kind 'qiren', "
                        f"this one is {spec.kind!r}")
    if spec.kind == "qiren":
        from compiler import cli_qiren
        return getattr(cli_qiren, verb)(args, spec)
    from compiler import cli_qlsa
    return getattr(cli_qlsa, verb)(args, spec)


def render_text(result: dict, indent: int = 0) -> str:
    """A plain key: value rendering of a result dict (nested dicts indented)."""
    lines = []
    for key, value in result.items():
        if key.startswith("_"):
            continue
        pad = "  " * indent
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines.append(render_text(value, indent + 1))
        elif isinstance(value, float):
            lines.append(f"{pad}{key}: {value:.6g}")
        elif isinstance(value, list) and len(value) > 12:
            lines.append(f"{pad}{key}: [{len(value)} items]")
        else:
            lines.append(f"{pad}{key}: {value}")
    return "\n".join(line for line in lines if line)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = _dispatch(args)
    except QmlcError as exc:
        print(f"qmlc: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    text = result.pop("_text", None) if isinstance(result, dict) else None
    try:
        if getattr(args, "json", False):
            out(json.dumps(result, indent=2, default=_json_default))
        else:
            out(text if text is not None else render_text(result))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `qmlc ... | head`: the reader left, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _json_default(value):
    from compiler.stage_io import _json_default as default
    return default(value)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
