"""The one on-disk protocol of every IR stage, and the one JSON encoder.

A stage directory holds ``meta.json`` — ``{"stage": NAME, "qmlc_version": …, **describe()}`` —
beside the stage's own files (sparse matrices as scipy ``.npz``, dense arrays as ``.npy``,
circuits as QPY). :func:`save_stage` writes everything into a temporary sibling directory and
moves it into place only when every file is written, so a failure never leaves a partial stage; a
directory that already holds a stage is replaced whole, so no file of an earlier stage survives
beside the new ``meta.json``. A non-empty directory that holds no stage is never touched.

Stages subclass :class:`Stage` and provide :meth:`Stage.describe`, :meth:`Stage.write_files` and
:meth:`Stage.read_files`; ``stage.save(dir)`` and ``Cls.load(dir)`` then go through this module.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from qmlc.compiler import limits
from qmlc.compiler.errors import DataError, UsageError

META_FILE = "meta.json"


def qmlc_version() -> str:
    try:
        return metadata.version("qmlc")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


class Stage:
    """Mixin of the IR stages: a name, JSON-ready metadata, and the files that hold the rest."""

    stage_name: ClassVar[str]

    def describe(self) -> dict:
        """Metadata written to ``meta.json`` (sizes, parameters, provenance)."""
        raise NotImplementedError

    def write_files(self, out_dir: Path) -> None:
        """Write the stage's arrays and circuits into the (fresh, empty) ``out_dir``."""
        raise NotImplementedError

    @classmethod
    def read_files(cls, in_dir: Path, meta: dict) -> Stage:
        """Rebuild the stage from ``in_dir`` and its ``meta.json`` contents."""
        raise NotImplementedError

    def save(self, out_dir: str | Path) -> Path:
        return save_stage(self, out_dir)

    @classmethod
    def load(cls, in_dir: str | Path):
        return load_stage(cls, in_dir)


def save_stage(stage: Stage, out_dir: str | Path) -> Path:
    """Write ``stage`` to ``out_dir`` atomically (all files or none); returns ``out_dir``."""
    out_dir = Path(out_dir)
    check_stage_dir(out_dir)
    created: list[Path] = []
    tmp: Path | None = None
    try:
        created = make_parents(out_dir.parent)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name[:200]}.", dir=out_dir.parent))
        stage.write_files(tmp)
        meta = {"stage": stage.stage_name, "qmlc_version": qmlc_version(), **stage.describe()}
        save_json(tmp / META_FILE, meta)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name[:200]}.old.", dir=out_dir.parent))
            out_dir.replace(old / out_dir.name)
            tmp.replace(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.replace(out_dir)
    except OSError as exc:
        remove_dirs(created)
        raise UsageError(f"output = {out_dir}: cannot write the stage ({exc.strerror or exc}); "
                         "check the directory, its permissions and free space",
                         field="output") from None
    except BaseException:
        remove_dirs(created)
        raise
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def check_stage_dir(out_dir: Path) -> None:
    """Refuse an output path that is a file, or a non-empty directory holding no stage, or one
    that cannot be created (:func:`check_output_path`)."""
    out_dir = check_output_path(out_dir, directory=True)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / META_FILE).is_file():
        raise UsageError(f"output = {out_dir}: directory is not empty and holds no qmlc stage; "
                         "choose an empty or new directory", field="output")


# ---------------------------------------------------------------------------------------------
# Output paths and atomic writes


def check_output_path(path: str | Path, directory: bool = False,
                      field: str = "output", example: str = "") -> Path:
    """Check an output path before any work: a valid name, not an existing file of the other
    kind, and a nearest existing ancestor that is a directory this process can write in (probed
    by creating and removing a temporary file, which also catches read-only mounts, immutable
    directories and /proc). Nothing is created."""
    text = str(path)
    what = "directory" if directory else "file"
    if not text or "\x00" in text:
        raise UsageError(f"{field} = {text[:80]!r}: not a valid path; give a {what} name",
                         field=field)
    if len(os.fsencode(text)) > limits.PATH_MAX:
        raise UsageError(f"{field} = {text[:60]}...: the path is longer than "
                         f"{limits.PATH_MAX} bytes; choose a shorter one", field=field)
    path = Path(text)
    for part in path.parts:
        if len(os.fsencode(part)) > limits.NAME_MAX - 40:  # room for the temporary names' affixes
            raise UsageError(f"{field} = {text[:60]}...: the name {part[:40]}... has "
                             f"{len(os.fsencode(part))} bytes; names are limited to "
                             f"{limits.NAME_MAX - 40} here; choose a shorter one", field=field)
    try:
        if path.exists():
            if directory and not path.is_dir():
                raise UsageError(f"{field} = {path}: exists and is not a directory; choose "
                                 "another output directory", field=field)
            if not directory and path.is_dir():
                raise UsageError(f"{field} = {path}: is a directory; give a file name"
                                 + (f" such as {example}" if example else ""), field=field)
            if not directory and not path.is_file():
                raise UsageError(f"{field} = {path}: exists and is not a regular file; choose "
                                 "another output file", field=field)
        ancestor = path.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise UsageError(f"{field} = {path}: {ancestor} is a file, not a directory; choose "
                             "another output path", field=field)
        fd, probe = tempfile.mkstemp(dir=ancestor, prefix=".qmlc-write-probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"{field} = {path}: cannot write there ({exc.strerror or exc}); choose "
                         "a writable directory", field=field) from None
    return path


def make_parents(directory: Path) -> list[Path]:
    """Create ``directory`` and its missing parents; returns those created, outermost first."""
    missing = []
    current = Path(directory)
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir()
    return list(reversed(missing))


def remove_dirs(created: list[Path]) -> None:
    """Remove directories :func:`make_parents` created, innermost first, if still empty."""
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            break


def write_files(files: dict[Path, Callable[[Path], None]], field: str = "output") -> list[Path]:
    """Write several files all or none: each ``writer(tmp)`` fills a temporary sibling of its
    target, and the temporaries are renamed only when every one is written. On any failure the
    temporaries and the directories created for them are removed; an ``OSError`` becomes a
    :class:`UsageError` naming the output."""
    temps: list[tuple[Path, Path]] = []
    created: list[Path] = []
    target = next(iter(files), Path("."))
    umask = os.umask(0)
    os.umask(umask)
    try:
        for target, writer in files.items():
            created += make_parents(target.parent)
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:200]}.",
                                        suffix=".tmp")
            os.close(fd)
            temps.append((Path(name), target))
            writer(Path(name))
            os.chmod(name, 0o666 & ~umask)
        for tmp, final in temps:
            os.replace(tmp, final)
        temps = []
    except OSError as exc:
        raise UsageError(f"{field} = {target}: cannot write ({exc.strerror or exc}); check the "
                         "directory, its permissions and free space", field=field) from None
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        if temps:
            remove_dirs(created)
    return list(files)


def load_stage(cls: type[Stage], in_dir: str | Path):
    """Read a stage of type ``cls`` from ``in_dir``, checking that it holds that stage."""
    in_dir = Path(in_dir)
    meta = load_json(in_dir / META_FILE)
    found = meta.get("stage")
    if found != cls.stage_name:
        raise DataError(f"{in_dir}: holds stage {found!r}, not {cls.stage_name!r}; lower the "
                        f"spec to stage {cls.stage_name!r} first")
    return cls.read_files(in_dir, meta)


# ---------------------------------------------------------------------------------------------
# Files


def json_default(value: Any) -> Any:
    """The JSON encoding of numpy scalars and arrays, paths and objects with ``to_dict``."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def to_json(data: Any, indent: int | None = 2, sort_keys: bool = False) -> str:
    """``data`` as JSON text with :func:`json_default` (the one encoder of qmlc)."""
    return json.dumps(data, indent=indent, sort_keys=sort_keys, default=json_default)


def save_json(path: Path, data: dict) -> None:
    path.write_text(to_json(data, sort_keys=True) + "\n")


def load_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: cannot read stage metadata ({exc}); re-run qmlc lower") from None


def save_sparse(path: Path, matrix: sp.spmatrix | sp.sparray) -> None:
    sp.save_npz(path, sp.csr_matrix(matrix), compressed=False)


def load_sparse(path: Path) -> sp.csr_matrix:
    try:
        return sp.csr_matrix(sp.load_npz(path))
    except Exception as exc:
        raise DataError(f"{path}: cannot read sparse matrix ({exc}); re-run qmlc lower") from None


def load_array(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:
        raise DataError(f"{path}: cannot read array ({exc}); re-run qmlc lower") from None


def save_circuit(path: Path, circuit) -> None:
    from qiskit import qpy

    with open(path, "wb") as handle:
        qpy.dump(circuit, handle)


def load_circuit(path: Path):
    from qiskit import qpy

    try:
        with open(path, "rb") as handle:
            return qpy.load(handle)[0]
    except Exception as exc:
        raise DataError(f"{path}: cannot read QPY circuit ({exc}); re-run qmlc lower") from None


__all__ = ["META_FILE", "Stage", "check_output_path", "check_stage_dir",
           "json_default", "load_array", "load_circuit", "load_json", "load_sparse", "load_stage",
           "make_parents", "qmlc_version", "remove_dirs", "save_circuit", "save_json",
           "save_sparse", "save_stage", "to_json", "write_files"]
