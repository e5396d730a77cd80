"""CLI adapters for the Carleman front end: ``qmlc lower`` and ``qmlc verify``."""

from __future__ import annotations

import argparse

from compiler.pipeline import lower_to_carleman, lower_to_polymap
from compiler.spec import ModelSpec, get_int
from compiler.stage_io import write_stage
from compiler.verify import render_verification, verify_spec


def lower(args: argparse.Namespace, spec: ModelSpec) -> dict:
    """Run the pipeline up to ``--stage`` and write that stage to ``-o`` (all files or none)."""
    if args.stage == "polymap":
        get_int(spec, "order", minimum=1)
        get_int(spec, "steps", minimum=1)
        stage = lower_to_polymap(spec)
        meta = stage.describe()
    else:
        stage = lower_to_carleman(spec, allow_nondissipative=args.allow_nondissipative)
        meta = stage.meta
    write_stage(args.output, stage.save)
    text = f"wrote stage '{args.stage}' of {spec.name} to {args.output}"
    return {**meta, "output": str(args.output), "_text": text}


def verify(args: argparse.Namespace, spec: ModelSpec) -> dict:
    """Classical check of the history system for truncation orders 1..N."""
    result = verify_spec(spec)
    return {**result.as_dict(), "_text": render_verification(result)}
