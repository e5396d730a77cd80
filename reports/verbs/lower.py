"""``qmlc lower SPEC --stage NAME -o DIR``: run the pipeline up to a stage and write that stage.

Stages of a Carleman spec: ``polymap`` → ``carleman`` → ``block-encoding`` → ``qlsa``; of a
QIREN spec: ``qiren``. The output directory is checked before any work and written atomically
(:mod:`qmlc.compiler.stage_io`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qmlc.compiler.block_encoding_stage import lower_to_block_encoding
from qmlc.compiler.errors import UsageError
from qmlc.compiler.pipeline import lower_to_carleman, lower_to_polymap, order_and_steps
from qmlc.compiler.qiren_program import lower_qiren_spec
from qmlc.compiler.qlsa import build_program
from qmlc.compiler.spec import ModelSpec, load_spec
from qmlc.compiler.stage_io import Stage, check_stage_dir
from qmlc.reports.verbs import VerbOutput, option, refuse_flags


def lower_stage(spec: ModelSpec, stage: str, args: argparse.Namespace) -> Stage:
    """The requested stage of ``spec`` (the passes of :mod:`qmlc.compiler` in order)."""
    if stage == "qiren":
        return lower_qiren_spec(spec, args.weights).program
    if stage == "polymap":
        order_and_steps(spec)  # the spec must be complete even if this stage ignores them
        return lower_to_polymap(spec)
    system = lower_to_carleman(spec, allow_nondissipative=args.allow_nondissipative)
    if stage == "carleman":
        return system
    if stage == "block-encoding":
        return lower_to_block_encoding(system)
    return build_program(system, option(args, "algorithm", "qsvt"))


def main(args: argparse.Namespace) -> VerbOutput:
    out = Path(args.output)
    check_stage_dir(out)
    spec = load_spec(args.spec)
    if (spec.kind == "qiren") != (args.stage == "qiren"):
        raise UsageError(f"{spec.path}: stage '{args.stage}' does not apply to a spec of kind "
                         f"{spec.kind!r}; use " + ("--stage qiren" if spec.kind == "qiren"
                                                   else "--stage polymap, carleman, "
                                                        "block-encoding or qlsa"))
    if args.stage != "qiren":
        refuse_flags(args, ("weights",), "to Carleman stages (QIREN weights)")
    else:
        refuse_flags(args, ("allow_nondissipative",), "to a QIREN spec")
    if args.stage != "qlsa":
        refuse_flags(args, ("algorithm",), f"to --stage {args.stage} (only to --stage qlsa)")
    stage = lower_stage(spec, args.stage, args)
    stage.save(out)
    described = stage.manifest() if args.stage == "qiren" else stage.describe()
    data = {"stage": stage.stage_name, **described, "output": str(out)}
    return VerbOutput(data, f"wrote stage '{args.stage}' of {spec.name} to {out}")
