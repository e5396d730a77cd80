"""One module per ``qmlc`` verb; each ``main(args)`` returns a :class:`VerbOutput`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qmlc.compiler.errors import QmlcError
from qmlc.compiler.spec import ModelSpec


@dataclass(frozen=True)
class VerbOutput:
    """What a verb hands to the CLI: ``data`` (a typed result or JSON-ready dict, printed with
    ``--json``) and ``text`` (printed otherwise)."""

    data: Any
    text: str


def require_kind(spec: ModelSpec, verb: str, kinds: tuple[str, ...]) -> None:
    if spec.kind not in kinds:
        raise QmlcError(f"{spec.path}: 'qmlc {verb}' needs a spec of kind "
                        f"{' or '.join(repr(k) for k in kinds)}, this one is {spec.kind!r}")


__all__ = ["VerbOutput", "require_kind"]
