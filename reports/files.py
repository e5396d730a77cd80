"""Files for people: output paths checked before any work, and texts written all or none."""

from __future__ import annotations

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


def write_texts(files: dict[Path, str]) -> list[Path]:
    """Write several text files: all of them or none (temporary names renamed at the end)."""
    temps: list[tuple[str, Path]] = []
    try:
        for target, content in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            with os.fdopen(fd, "w") as handle:
                handle.write(content)
            os.chmod(tmp, 0o644)
            temps.append((tmp, target))
        for tmp, target in temps:
            os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"-o {next(iter(files))}: cannot write ({exc.strerror or exc}); check "
                         "the directory and its permissions") from None
    finally:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
    return list(files)


__all__ = ["check_output_file", "write_texts"]
