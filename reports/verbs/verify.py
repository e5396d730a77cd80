"""``qmlc verify SPEC``: classical check of the Carleman history system for orders 1..N."""

from __future__ import annotations

import argparse

from qmlc.compiler.spec import load_spec
from qmlc.compiler.verify import verify_spec
from qmlc.reports.text import render_verification
from qmlc.reports.verbs import VerbOutput, require_kind


def main(args: argparse.Namespace) -> VerbOutput:
    spec = load_spec(args.spec)
    require_kind(spec, "verify", ("polynomial-map", "sparse-network"))
    result = verify_spec(spec, allow_nondissipative=args.allow_nondissipative)
    return VerbOutput(result, render_verification(result))
