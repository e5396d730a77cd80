"""Inputs of the QIREN verbs: a user's ``--inputs X.npy`` or the spec's signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qmlc.compiler.errors import DataError, UsageError
from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_signal import load_signal
from qmlc.compiler.spec import ModelSpec, check_finite


def qiren_inputs(path: str | None, model: QirenModel, spec: ModelSpec
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """(X, targets): ``--inputs`` if given (no targets), else the spec's signal."""
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise DataError(f"--inputs: file {p} not found; check the path")
        try:
            X = np.load(p, allow_pickle=False)
        except Exception as exc:
            raise DataError(f"--inputs: cannot read {p} as .npy ({type(exc).__name__}); "
                            "write it with numpy.save") from None
        if X.dtype.kind not in "fiu":
            raise DataError(f"--inputs: {p} has dtype {X.dtype}; expected real numbers")
        X = np.asarray(X, dtype=float)
        if X.ndim == 1 and model.in_dim == 1:
            X = X[:, None]
        elif X.ndim == 1 and X.shape[0] == model.in_dim:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != model.in_dim or X.shape[0] == 0:
            raise DataError(f"--inputs: {p} has shape {X.shape}; expected (B, {model.in_dim}) "
                            "with one input per row")
        check_finite(X, f"--inputs: {p}")
        return X, None
    signal = load_signal(spec)
    if signal is None:
        raise UsageError(f"{spec.path}: no inputs; give --inputs X.npy or add a [signal] table "
                         "to the spec")
    return signal


__all__ = ["qiren_inputs"]
