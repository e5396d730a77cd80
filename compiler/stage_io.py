"""Writing IR stages to disk atomically: all files or none.

A stage is first written into a temporary sibling directory; only when every file is written is
it moved into place. A failure midway therefore never leaves a partial output directory.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from compiler.errors import DataError, QmlcError


def write_stage(out_dir: str | Path, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp_dir)`` and move its files into ``out_dir`` only if it succeeds."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise QmlcError(f"output path {out_dir} exists and is not a directory; choose another -o")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        write(tmp)
        out_dir.mkdir(exist_ok=True)
        for item in tmp.iterdir():
            target = out_dir / item.name
            if target.is_dir():
                shutil.rmtree(target)
            item.replace(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def save_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=_json_default) + "\n")


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


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
