"""Files for people: output paths checked before any work, and texts written all or none."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from qmlc.compiler.errors import UsageError


def check_output_file(path: Path, example: str) -> Path:
    """``path`` must name a file whose directory exists or can be created."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"-o {path}: is a directory; give a file name such as {example}")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"-o {path}: {parent} is a file, not a directory; choose "
                                 "another output path")
            break
    return path


def check_writable(path: Path) -> None:
    """The nearest existing directory above ``path`` must accept a new file: probed by
    creating (and removing) a temporary file there, before any work, so a long computation
    does not end in a permission error (permission bits alone say nothing for root, or on
    read-only file systems)."""
    for parent in Path(path).absolute().parents:
        if parent.exists():
            try:
                with tempfile.NamedTemporaryFile(dir=parent, prefix=".qmlc-probe-"):
                    pass
            except OSError as exc:
                raise UsageError(f"-o {path}: cannot create files in {parent} "
                                 f"({exc.strerror or exc}); choose another output path") from None
            return


def write_files(files: dict[Path, str | bytes]) -> list[Path]:
    """Write several files, text or bytes: all of them or none (temporary names in the target
    directories, renamed at the end; on any failure every temporary file is removed)."""
    temps: list[tuple[str, Path]] = []
    created: list[Path] = []
    try:
        for target, content in files.items():
            missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            created += missing
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            temps.append((tmp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content.encode() if isinstance(content, str) else content)
            os.chmod(tmp, 0o644)
        for tmp, target in temps:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        for directory in created:      # innermost first: only the ones this call made
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise UsageError(f"-o {next(iter(files))}: cannot write ({exc.strerror or exc}); check "
                         "the directory and its permissions") from None
    return list(files)


def write_texts(files: dict[Path, str]) -> list[Path]:
    """Write several text files: all of them or none (:func:`write_files`)."""
    return write_files(files)


__all__ = ["check_output_file", "check_writable", "write_files", "write_texts"]
