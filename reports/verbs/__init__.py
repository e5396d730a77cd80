"""One module per ``qmlc`` verb; each ``main(args)`` returns a :class:`VerbOutput`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from qmlc.compiler.errors import SpecError, UsageError
from qmlc.compiler.spec import ModelSpec


@dataclass(frozen=True)
class VerbOutput:
    """What a verb hands to the CLI: ``data`` (a typed result or JSON-ready dict, printed with
    ``--json``) and ``text`` (printed otherwise)."""

    data: Any
    text: str


def require_kind(spec: ModelSpec, verb: str, kinds: tuple[str, ...]) -> None:
    if spec.kind not in kinds:
        raise SpecError(f"{spec.path}: 'qmlc {verb}' needs a spec of kind "
                        f"{' or '.join(repr(k) for k in kinds)}, this one is {spec.kind!r}")


def refuse_flags(args: argparse.Namespace, names: tuple[str, ...], reason: str) -> None:
    """Refuse flags that were given but do not apply (instead of silently ignoring them)."""
    given = [name for name in names if getattr(args, name, None) not in (None, False)]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UsageError(f"{flags} {'does' if len(given) == 1 else 'do'} not apply {reason}; "
                         f"drop {'it' if len(given) == 1 else 'them'}")


def option(args: argparse.Namespace, name: str, default: Any) -> Any:
    """A flag's value, or its documented default when it was not given."""
    value = getattr(args, name, None)
    return default if value is None else value


__all__ = ["VerbOutput", "option", "refuse_flags", "require_kind"]
