"""Shared helpers for the QIREN tests: a small spec on a 4 x 4 grid signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qmlc.compiler.qiren_signal import grid_coords

QIREN_SPEC = """kind = "qiren"
in_dim = 2
width = 3
layers = 2
reuploads = 2
blocks = 2
entangler = "cnot"
seed = 4

[signal]
data = "signal.npz"
"""


def write_qiren_spec(directory: Path, extra: str = "") -> Path:
    """``directory/qiren.toml`` (:data:`QIREN_SPEC` then ``extra``) beside its signal, sin(2x)
    cos(y) on a 4 x 4 grid in ``directory/signal.npz``."""
    coords = grid_coords(4, 2)
    np.savez(directory / "signal.npz", coords=coords,
             values=np.sin(2 * coords[:, :1]) * np.cos(coords[:, 1:]))
    path = directory / "qiren.toml"
    path.write_text(QIREN_SPEC + extra)
    return path
