"""QIREN weights: seeded initialization as in the released code, validation, ``.npz`` files, and
BatchNorm folding for inference.

Keys mirror the released code's module names (:func:`qmlc.compiler.qiren_model.layer_key`):
``layer{i}.linear.{weight,bias}``, ``layer{i}.bn.{weight,bias,running_mean,running_var}``,
``layer{i}.circuit.weights`` (L, K, q, 3), ``layer{i}.circuit.final`` (K, q, 3),
``out.{weight,bias}``; :attr:`QirenModel.param_shapes` lists them with their shapes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from qmlc.compiler import limits, resources
from qmlc.compiler.errors import DataError
from qmlc.compiler.qiren_model import BN_EPS, QirenModel, layer_key, spec_seed
from qmlc.compiler.spec import (
    ModelSpec,
    check_magnitude,
    checked_input_file,
    data_path,
    load_npz,
    log10_abs_max,
    real_array,
)
from qmlc.compiler.stage_io import write_files


def weights_from_spec(spec: ModelSpec, model: QirenModel, override: str | None = None,
                      seed: int | None = None) -> dict[str, np.ndarray]:
    """Weights named by ``--weights`` (``override``), else the spec's ``weights``, else a seeded
    initialization (``seed`` argument, else the spec's ``seed``, else 0)."""
    if override is not None:
        path = checked_input_file(override, "weights", "a weights .npz (as 'qmlc train' writes)")
        return load_weights(path, model, where=f"weights = {path}", field="weights")
    path = data_path(spec, "weights", required=False)
    if path is not None:
        return load_weights(path, model, where=spec.where("weights"))
    return init_weights(model, spec_seed(spec) if seed is None else limits.check_seed(seed))


def weights_requirement(model: QirenModel) -> resources.Requirement:
    """Every weight array of the architecture, float64 (twice: drawn, then copied by users)."""
    count = sum(int(np.prod(shape, dtype=object)) for shape in model.param_shapes.values())
    return resources.Requirement(f"the {count:,} weights of the QIREN architecture", 16 * count,
                                 "8 bytes per weight × 2 copies")


def init_weights(model: QirenModel, seed: int) -> dict[str, np.ndarray]:
    """Initialization of the released code: circuit weights uniform on [0, 2π) (PennyLane
    TorchLayer's default), Linear weights and biases uniform on ±1/√fan_in (torch.nn.Linear's
    default), BatchNorm γ = 1, β = 0, running mean 0, running variance 1."""
    resources.require(weights_requirement(model), "initializing QIREN weights",
                      advice="use a smaller width, reuploads or blocks")
    rng = np.random.default_rng(seed)
    weights: dict[str, np.ndarray] = {}
    for key, shape in model.param_shapes.items():
        if key.endswith("linear.weight") or key == "out.weight":
            bound = 1.0 / math.sqrt(shape[1])
            weights[key] = rng.uniform(-bound, bound, size=shape)
        elif key.endswith("linear.bias") or key == "out.bias":
            fan_in = model.param_shapes[key[: -len("bias")] + "weight"][1]
            bound = 1.0 / math.sqrt(fan_in)
            weights[key] = rng.uniform(-bound, bound, size=shape)
        elif key.endswith("bn.weight") or key.endswith("bn.running_var"):
            weights[key] = np.ones(shape)
        elif key.endswith("bn.bias") or key.endswith("bn.running_mean"):
            weights[key] = np.zeros(shape)
        else:  # circuit.weights / circuit.final
            weights[key] = rng.uniform(0.0, 2 * math.pi, size=shape)
    return weights


def validate_weights(weights: dict[str, np.ndarray], model: QirenModel,
                     where: str = "weights", field: str | None = None) -> dict[str, np.ndarray]:
    """Check keys, shapes and finiteness; return float64 copies in the canonical key order."""
    shapes = model.param_shapes
    missing = [k for k in shapes if k not in weights]
    if missing:
        raise DataError(f"{where}: missing key '{missing[0]}' ({len(missing)} missing); a QIREN "
                        f"weight file of width {model.width} with {model.layers} layers holds "
                        f"{', '.join(list(shapes)[:3])}, … (see 'qmlc train', which writes one)",
                        field=field)
    extra = [k for k in weights if k not in shapes]
    if extra:
        raise DataError(f"{where}: unexpected key '{extra[0]}'; remove it or check the spec's "
                        "'layers'", field=field)
    out = {}
    for key, shape in shapes.items():
        array = real_array(np.asarray(weights[key]), f"{where}: '{key}'", field)
        if tuple(array.shape) != shape:
            raise DataError(f"{where}: '{key}' has shape {tuple(array.shape)}; expected {shape} "
                            f"for the spec's architecture (width {model.width}, reuploads "
                            f"{model.reuploads}, blocks {model.blocks})", field=field)
        check_magnitude(log10_abs_max(array), where, f"max|{key}|",
                        "the weights are not a trained QIREN; check the file", field=field)
        out[key] = array
    for i in range(model.layers):
        if np.any(out[layer_key(i, "bn.running_var")] < 0):
            raise DataError(f"{where}: 'layer{i}.bn.running_var' has negative entries; "
                            "variances must be >= 0", field=field)
    return out


def load_weights(path: str | Path, model: QirenModel, where: str | None = None,
                 field: str | None = None) -> dict[str, np.ndarray]:
    path = Path(path)
    where = where or str(path)
    if not path.is_file():
        raise DataError(f"{where}: weights file {path} not found; check the path")
    return validate_weights(load_npz(path, where), model, where=f"{where} ({path.name})",
                            field=field)


def save_weights(path: str | Path, weights: dict[str, np.ndarray]) -> Path:
    """Write the weight dictionary as an uncompressed ``.npz``, atomically
    (:func:`qmlc.compiler.stage_io.write_files`: the file appears whole or not at all)."""
    arrays = {k: np.asarray(v) for k, v in weights.items()}

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
    return write_files({Path(path): write})[0]


def fold_batchnorm(weights: dict[str, np.ndarray], i: int, eps: float = BN_EPS
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Fold layer i's BatchNorm (running statistics) into its Linear: the affine map
    ``h = W' x + b'`` with ``W' = diag(γ/√(σ²+ε)) W`` and ``b' = γ (b − μ)/√(σ²+ε) + β``."""
    def key(name: str) -> np.ndarray:
        return weights[layer_key(i, name)]

    scale = key("bn.weight") / np.sqrt(key("bn.running_var") + eps)
    w = scale[:, None] * key("linear.weight")
    b = scale * (key("linear.bias") - key("bn.running_mean")) + key("bn.bias")
    return w, b


__all__ = ["fold_batchnorm", "init_weights", "load_weights", "save_weights",
           "validate_weights", "weights_from_spec"]
