"""Files for people: output paths checked before any work, and files written all or none.

The checks and the atomic writes are :mod:`qmlc.compiler.stage_io`'s (one implementation for
stages, weights and the files of reports): a path is refused before any work when it cannot be
written (a file in the way, a name too long, a read-only, immutable or virtual directory), and a
set of files appears whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

from qmlc.compiler.errors import UsageError
from qmlc.compiler.stage_io import check_output_path
from qmlc.compiler.stage_io import write_files as _write_atomically


def check_output_file(path: Path, example: str, sidecars: tuple[str, ...] = ()) -> Path:
    """``path`` must name a file that can be written (:func:`qmlc.compiler.stage_io.
    check_output_path`), and none of the ``sidecars`` (suffixes written beside it under the same
    stem, such as ``.json``) may be the file itself."""
    path = check_output_path(path, example=example)
    for suffix in sidecars:
        if path.suffix == suffix:
            raise UsageError(f"output = {path}: the {suffix} sidecar is written beside the "
                             f"output under the same name, so the output cannot end in "
                             f"{suffix}; give a name such as {example}", field="output")
        check_output_path(path.with_suffix(suffix))
    return path


def write_files(files: dict[Path, str | bytes]) -> list[Path]:
    """Write several files, text or bytes: all of them or none (temporary names in the target
    directories, renamed at the end; on any failure every temporary file and every directory
    made for them is removed)."""
    def writer(content: str | bytes):
        def write(tmp: Path) -> None:
            tmp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return write
    return _write_atomically({Path(target): writer(content) for target, content in files.items()})


def write_texts(files: dict[Path, str]) -> list[Path]:
    """Write several text files: all of them or none (:func:`write_files`)."""
    return write_files(files)


__all__ = ["check_output_file", "write_files", "write_texts"]
