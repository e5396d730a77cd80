"""Model specs: a TOML file plus the data files it names.

A spec is read once into a :class:`ModelSpec` (the raw table, its location and its ``kind``);
each kind's front end then pulls typed, validated fields out of it with the ``get_*`` helpers
below, so every message names the file and the field at fault.

Kinds: ``polynomial-map`` (:mod:`qmlc.compiler.polymap`), ``sparse-network``
(:mod:`qmlc.compiler.network_spec`), ``qiren`` (:mod:`qmlc.compiler.qiren_model`).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qmlc.compiler.errors import DataError, SpecError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KINDS = ("polynomial-map", "sparse-network", "qiren")

_MISSING = object()


@dataclass(frozen=True)
class ModelSpec:
    """A parsed spec file: ``table`` is the TOML content, ``path`` where it came from."""

    path: Path
    kind: str
    table: dict

    @property
    def name(self) -> str:
        return str(self.table.get("name", self.path.stem))

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def where(self, field: str) -> str:
        return f"{self.path}: field '{field}'"

    def section(self, name: str, required: bool = True) -> dict:
        """A ``[name]`` table of the spec (empty when optional and absent)."""
        value = self.table.get(name, _MISSING)
        if value is _MISSING:
            if required:
                raise SpecError(f"{self.path}: missing section [{name}]; add it (see examples/)")
            return {}
        if not isinstance(value, dict):
            raise SpecError(f"{self.where(name)} must be a table [{name}], got {type(value).__name__}")
        return value


def load_spec(path: str | Path) -> ModelSpec:
    """Read and minimally check a spec file; kind-specific checks happen in each front end."""
    path = Path(path)
    if not path.exists():
        raise SpecError(f"{path}: spec file not found; check the path")
    if path.is_dir():
        raise SpecError(f"{path}: is a directory, expected a .toml spec file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read spec file ({exc}); check permissions/encoding") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: malformed TOML ({exc}); fix the syntax") from None
    kind = table.get("kind", _MISSING)
    if kind is _MISSING:
        raise SpecError(f"{path}: missing field 'kind'; set one of {', '.join(KINDS)}")
    if kind not in KINDS:
        raise SpecError(f"{path}: field 'kind' is {kind!r}; expected one of {', '.join(KINDS)}")
    return ModelSpec(path=path, kind=kind, table=table)


def _lookup(table: dict, field: str) -> Any:
    value: Any = table
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def get_int(spec: ModelSpec, field: str, default: Any = _MISSING, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """An integer field (dotted path into the table), with bounds checked."""
    value = _lookup(spec.table, field)
    if value is _MISSING:
        if default is _MISSING:
            raise SpecError(f"{spec.path}: missing field '{field}'; add it to the spec")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{spec.where(field)} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise SpecError(f"{spec.where(field)} is {value}; it must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise SpecError(f"{spec.where(field)} is {value}; it must be <= {maximum}")
    return value


def get_float(spec: ModelSpec, field: str, default: Any = _MISSING, positive: bool = False,
              minimum: float | None = None) -> float:
    """A finite real field; ``positive`` demands > 0."""
    value = _lookup(spec.table, field)
    if value is _MISSING:
        if default is _MISSING:
            raise SpecError(f"{spec.path}: missing field '{field}'; add it to the spec")
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{spec.where(field)} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise SpecError(f"{spec.where(field)} is {value}; it must be finite")
    if positive and value <= 0:
        raise SpecError(f"{spec.where(field)} is {value}; it must be > 0")
    if minimum is not None and value < minimum:
        raise SpecError(f"{spec.where(field)} is {value}; it must be >= {minimum}")
    return value


def get_str(spec: ModelSpec, field: str, default: Any = _MISSING,
            choices: tuple[str, ...] | None = None) -> str:
    """A string field, optionally restricted to ``choices``."""
    value = _lookup(spec.table, field)
    if value is _MISSING:
        if default is _MISSING:
            raise SpecError(f"{spec.path}: missing field '{field}'; add it to the spec")
        return default
    if not isinstance(value, str):
        raise SpecError(f"{spec.where(field)} must be a string, got {value!r}")
    if choices is not None and value not in choices:
        raise SpecError(f"{spec.where(field)} is {value!r}; expected one of {', '.join(choices)}")
    return value


def get_int_list(spec: ModelSpec, field: str, minimum: int = 1) -> list[int]:
    """A non-empty list of integers, each >= ``minimum``."""
    value = _lookup(spec.table, field)
    if value is _MISSING:
        raise SpecError(f"{spec.path}: missing field '{field}'; add it to the spec")
    if (not isinstance(value, list) or not value
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)):
        raise SpecError(f"{spec.where(field)} must be a non-empty list of integers, got {value!r}")
    if any(v < minimum for v in value):
        raise SpecError(f"{spec.where(field)} is {value}; every entry must be >= {minimum}")
    return list(value)


def data_path(spec: ModelSpec, field: str, required: bool = True) -> Path | None:
    """A data file named by ``field``, relative to the spec's directory; it must exist."""
    value = _lookup(spec.table, field)
    if value is _MISSING:
        if required:
            raise SpecError(f"{spec.path}: missing field '{field}'; name the data file")
        return None
    if not isinstance(value, str) or not value:
        raise SpecError(f"{spec.where(field)} must be a file name, got {value!r}")
    path = (spec.base_dir / value).resolve()
    if not path.is_file():
        raise DataError(f"{spec.where(field)}: data file {path} not found; check the path "
                        "(relative paths are relative to the spec file)")
    return path


def load_npz(path: Path, where: str) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` archive, with a clear error when it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except Exception as exc:  # numpy raises many types for corrupt archives
        raise DataError(f"{where}: cannot read {path} as .npz ({type(exc).__name__}: {exc}); "
                        "write it with numpy.savez") from None


def check_finite(array: np.ndarray, where: str) -> None:
    """Refuse NaN or inf in user data."""
    values = array.data if hasattr(array, "data") and not isinstance(array, np.ndarray) else array
    if not np.all(np.isfinite(values)):
        raise DataError(f"{where} contains NaN or inf; clean the data")


def check_shape(array: np.ndarray, shape: tuple[int, ...], where: str) -> None:
    if tuple(array.shape) != tuple(shape):
        raise DataError(f"{where} has shape {tuple(array.shape)}; expected {tuple(shape)}")
