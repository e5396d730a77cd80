"""Inputs of the QIREN verbs: a user's ``--inputs X.npy`` or the spec's signal."""

from __future__ import annotations

import numpy as np

from qmlc.compiler.errors import UsageError
from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_signal import load_inputs, load_signal
from qmlc.compiler.spec import ModelSpec


def qiren_inputs(path: str | None, model: QirenModel, spec: ModelSpec
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """(X, targets): ``--inputs`` if given (no targets), else the spec's signal."""
    if path is not None:
        return load_inputs(path, model.in_dim), None
    signal = load_signal(spec)
    if signal is None:
        raise UsageError(f"{spec.path}: no inputs; give --inputs X.npy or add a [signal] table "
                         "to the spec")
    return signal


__all__ = ["qiren_inputs"]
