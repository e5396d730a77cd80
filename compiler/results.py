"""The base of qmlc's typed results: frozen dataclasses whose ``to_dict()`` is their JSON form.

Library functions return these; only :mod:`qmlc.reports` turns them into text, JSON or files.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any


class Result:
    """Mixin of frozen dataclass results: ``to_dict()`` is ``dataclasses.asdict`` with numpy
    arrays as lists and ``None``-valued optional parts left out."""

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None or not f.metadata.get("omit_none", False)}


def optional(default: Any = None) -> Any:
    """A dataclass field left out of ``to_dict()`` while it is ``None``."""
    return dataclasses.field(default=default, metadata={"omit_none": True})


def _plain(value: Any) -> Any:
    if isinstance(value, Result):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, float) and math.isnan(value):
        return value
    return value


__all__ = ["Result", "optional"]
