"""``qmlc schema KIND``: the JSON Schema of a spec kind (:mod:`qmlc.compiler.schema`).

Save it next to your specs and point an editor with TOML schema support at it (Taplo / Even
Better TOML: a ``#:schema ./qiren.schema.json`` comment on the spec's first line) to have specs
validated and completed as you type.
"""

from __future__ import annotations

import argparse

from qmlc.compiler.schema import json_schema
from qmlc.compiler.stage_io import to_json
from qmlc.reports.verbs import VerbOutput


def main(args: argparse.Namespace) -> VerbOutput:
    schema = json_schema(args.kind)
    return VerbOutput(schema, to_json(schema))
