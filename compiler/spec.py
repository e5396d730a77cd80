"""Model specs: a TOML file plus the data files it names, validated when loaded.

:func:`load_spec` reads the file, checks its ``kind`` and validates the whole table against that
kind's schema (:mod:`qmlc.compiler.schema`), so a spec that loads is well-formed: every field has
its type and range, no key is unknown. Front ends read ``spec.model`` (a frozen pydantic model)
and the data files through the helpers below, which check what the schema cannot see: that files
exist and hold real, finite arrays of the right shapes, of a size this machine can hold.

Kinds: ``polynomial-map`` (:mod:`qmlc.compiler.polymap`), ``sparse-network``
(:mod:`qmlc.compiler.network_spec`), ``qiren`` (:mod:`qmlc.compiler.qiren_model`).
"""

from __future__ import annotations

import math
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from pydantic import ValidationError

from qmlc.compiler import limits, resources
from qmlc.compiler.errors import DataError, SpecError
from qmlc.compiler.schema import KINDS, Section, check_file_name, validate, validation_message

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_MISSING = object()


@dataclass(frozen=True)
class ModelSpec:
    """A loaded spec: ``model`` is the validated content of the TOML file at ``path``."""

    path: Path
    kind: str
    model: Section

    @property
    def name(self) -> str:
        name = getattr(self.model, "name", None)
        return str(name) if name else self.path.stem

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def where(self, field: str) -> str:
        return f"{self.path}: field '{field}'"

    def value(self, field: str, default: Any = None) -> Any:
        """The validated value at a dotted path (``"training.lr"``), or ``default``."""
        value: Any = self.model
        for part in field.split("."):
            value = getattr(value, part, None)
            if value is None:
                return default
        return value


def load_spec(path: str | Path) -> ModelSpec:
    """Read, parse and validate a spec file (every message names the file and the field)."""
    path = Path(path)
    try:
        check_file_name(str(path))
        exists, is_dir = path.exists(), path.is_dir()
    except (ValueError, OSError) as exc:
        raise SpecError(f"{str(path)[:80]!r}: not a usable spec path ({exc}); check the path"
                        ) from None
    if not exists:
        raise SpecError(f"{path}: spec file not found; check the path")
    if is_dir:
        raise SpecError(f"{path}: is a directory, expected a .toml spec file")
    try:
        size = path.stat().st_size
        if size > limits.MAX_SPEC_BYTES:
            raise SpecError(f"{path}: {size:,} bytes is too large for a spec (limit "
                            f"{limits.MAX_SPEC_BYTES:,}); keep arrays in the data files it names")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read spec file ({exc}); check permissions/encoding") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: malformed TOML ({exc}); fix the syntax") from None
    except RecursionError:
        raise SpecError(f"{path}: malformed TOML (arrays or tables nested too deeply); a spec "
                        "needs at most two levels") from None
    kind = table.get("kind", _MISSING)
    if kind is _MISSING:
        raise SpecError(f"{path}: missing field 'kind'; set one of {', '.join(KINDS)}",
                        field="kind")
    if kind not in KINDS:
        shown = repr(kind) if len(repr(kind)) <= 60 else repr(kind)[:57] + "..."
        raise SpecError(f"{path}: field 'kind' is {shown}; expected one of {', '.join(KINDS)}",
                        field="kind")
    try:
        model = validate(kind, table)
    except ValidationError as exc:
        field, message = validation_message(exc, kind)
        raise SpecError(f"{path}: {message}", field=field) from None
    except RecursionError:
        raise SpecError(f"{path}: values nested too deeply; a spec needs at most two levels"
                        ) from None
    return ModelSpec(path=path, kind=kind, model=model)


def require_kind(spec: ModelSpec, kinds: tuple[str, ...], what: str) -> None:
    if spec.kind not in kinds:
        raise SpecError(f"{spec.path}: {what} needs a spec of kind "
                        f"{' or '.join(repr(k) for k in kinds)}, this one is {spec.kind!r}",
                        field="kind")


def data_path(spec: ModelSpec, field: str, required: bool = True) -> Path | None:
    """A data file named by ``field``, relative to the spec's directory; it must exist."""
    value = spec.value(field)
    if value is None:
        if required:
            raise SpecError(f"{spec.path}: missing field '{field}'; name the data file",
                            field=field)
        return None
    try:
        path = (spec.base_dir / str(value)).resolve()
        found = path.is_file()
    except (OSError, ValueError, RuntimeError) as exc:
        raise DataError(f"{spec.where(field)}: cannot use {str(value)[:80]!r} as a file name "
                        f"({exc}); check the path", field=field) from None
    if not found:
        raise DataError(f"{spec.where(field)}: data file {path} not found; check the path "
                        "(relative paths are relative to the spec file)", field=field)
    return path


def checked_input_file(name: str | Path, field: str, what: str) -> Path:
    """A file named by a library argument (``--weights``, ``--inputs``): it must exist."""
    try:
        path = Path(name)
        found = path.is_file()
    except (OSError, ValueError) as exc:
        raise DataError(f"{field} = {str(name)[:80]!r}: not a usable path ({exc}); check it",
                        field=field) from None
    if not found:
        raise DataError(f"{field} = {path}: file not found; give {what}", field=field)
    return path


# -- arrays -----------------------------------------------------------------------------------------

REAL_KINDS = "biuf"  # numpy dtype kinds qmlc reads as real numbers (bool: masks)


def _npy_header(handle: BinaryIO) -> tuple[tuple, np.dtype]:
    """Shape and dtype of the ``.npy`` array at ``handle``, read from its header only."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    return shape, dtype


def load_npz(path: Path, where: str) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` archive, each a real numeric array.

    The archive is checked before anything is loaded: it must be a zip of ``.npy`` members with
    real dtypes (float, integer, bool), and the arrays together must fit in memory
    (:func:`qmlc.compiler.resources.require`). A corrupt archive, a member that is not an array, a
    complex, string, datetime, object or structured dtype is a :class:`DataError` naming it.
    """
    name = Path(path).name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(f"{where}: cannot read {name} as .npz (not a zip archive: {exc}); "
                        "write it with numpy.savez") from None
    with archive:
        headers: dict[str, tuple] = {}
        total = 0
        for member in archive.namelist():
            key = member[:-4] if member.endswith(".npy") else member
            if not member.endswith(".npy"):
                raise DataError(f"{where}: {name} member '{member}' is not a .npy array; "
                                "write the file with numpy.savez")
            try:
                with archive.open(member) as handle:
                    shape, dtype = _npy_header(handle)
            except Exception as exc:  # bad magic, bad header, truncated, zlib errors
                raise DataError(f"{where}: {name} is corrupt: member '{key}' has no valid .npy "
                                f"header ({type(exc).__name__}); write it again with "
                                "numpy.savez") from None
            _check_dtype(dtype, f"{where}: array '{key}' in {name}")
            headers[key] = shape
            total += int(np.prod(shape, dtype=object)) * dtype.itemsize
        resources.require(resources.arrays(total, f"loading {name}"), where,
                          advice="use smaller arrays")
        out = {}
        for key in headers:
            try:
                with archive.open(key + ".npy") as handle:
                    array = np.lib.format.read_array(handle, allow_pickle=False)
            except Exception as exc:  # truncated data, zlib errors
                raise DataError(f"{where}: {name} is corrupt: cannot read array '{key}' "
                                f"({type(exc).__name__}); write it again with numpy.savez"
                                ) from None
            out[key] = array
    return out


def load_npy(path: Path, where: str, field: str | None = None) -> np.ndarray:
    """One real array from a ``.npy`` file, its header checked before the data is read (dtype,
    size against the memory budget), like :func:`load_npz`'s members."""
    try:
        with open(path, "rb") as handle:
            shape, dtype = _npy_header(handle)
    except Exception as exc:  # bad magic, bad header, truncated file
        raise DataError(f"{where}: cannot read {Path(path).name} as .npy ({type(exc).__name__});"
                        " write it with numpy.save", field=field) from None
    _check_dtype(dtype, where, field)
    size = int(np.prod(shape, dtype=object)) * dtype.itemsize
    resources.require(resources.arrays(size, f"loading {Path(path).name}"), where,
                      advice="use a smaller array")
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:
        raise DataError(f"{where}: {Path(path).name} is corrupt ({type(exc).__name__}); write it "
                        "again with numpy.save", field=field) from None


def _check_dtype(dtype: np.dtype, where: str, field: str | None = None) -> None:
    if dtype.fields is not None:
        raise DataError(f"{where} has a structured dtype {dtype}; save plain numeric arrays",
                        field=field)
    if dtype.kind == "c":
        raise DataError(f"{where} is complex ({dtype}); qmlc's models are real: save the real "
                        "part (or real and imaginary parts as separate variables)", field=field)
    if dtype.kind not in REAL_KINDS:
        raise DataError(f"{where} has dtype {dtype}; expected real numbers (float or integer)",
                        field=field)


def real_array(array: Any, where: str, field: str | None = None) -> np.ndarray:
    """``array`` as finite float64, refusing complex, non-numeric and NaN/inf values."""
    if not isinstance(array, np.ndarray):
        raise DataError(f"{where} is not an array ({type(array).__name__}); save it with numpy",
                        field=field)
    _check_dtype(array.dtype, where, field)
    out = array.astype(np.float64)
    check_finite(out, where, field)
    return out


def check_finite(array: Any, where: str, field: str | None = None) -> None:
    """Refuse NaN or inf in user data (dense arrays or scipy sparse matrices)."""
    values = getattr(array, "data", array) if not isinstance(array, np.ndarray) else array
    values = np.asarray(values)
    if values.dtype.kind not in REAL_KINDS:
        raise DataError(f"{where} has dtype {values.dtype}; expected real numbers", field=field)
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise DataError(f"{where} contains NaN or inf; clean the data", field=field)


def check_shape(array: Any, shape: tuple[int, ...], where: str) -> None:
    if tuple(array.shape) != tuple(shape):
        raise DataError(f"{where} has shape {tuple(array.shape)}; expected {tuple(shape)}")


def log10_abs_max(array: Any) -> float:
    """log10 of the largest |entry| (−inf for an all-zero or empty array)."""
    values = np.abs(np.asarray(getattr(array, "data", array) if not isinstance(array, np.ndarray)
                               else array, dtype=float))
    top = float(values.max(initial=0.0))
    return math.log10(top) if top > 0 else -math.inf


def check_magnitude(log10_value: float, where: str, what: str, advice: str,
                    field: str | None = None) -> None:
    """Refuse a quantity whose log10 exceeds :data:`~qmlc.compiler.limits.MAX_LOG10_MAGNITUDE`
    (an overflow of float64 would follow in norms and products)."""
    if log10_value > limits.MAX_LOG10_MAGNITUDE:
        raise DataError(f"{where}: {what} is about 10^{log10_value:.0f}, beyond the 10^"
                        f"{limits.MAX_LOG10_MAGNITUDE:.0f} that float64 norms and products "
                        f"can hold; {advice}", field=field)


__all__ = ["REAL_KINDS", "ModelSpec", "check_finite", "check_magnitude", "check_shape",
           "checked_input_file", "data_path", "load_npy", "load_npz", "load_spec",
           "log10_abs_max", "real_array", "require_kind"]
