"""Training engine for QIREN: full-model forward/backward and full-batch Adam.

The model (Zhao et al., "Quantum Implicit Neural Representations", ICML 2024,
arXiv:2406.03873; released code github.com/GGorMM1/QIREN, ``qinr/modules.py``, ``qinr/train.py``)
is ``layers`` hybrid layers ``Linear -> BatchNorm1d -> re-uploading circuit`` and an output
``Linear``. Training follows the released script: MSE loss (mean over all outputs), Adam with
PyTorch's defaults (beta = (0.9, 0.999), eps = 1e-8, no weight decay) at lr 0.03, constant
learning rate (the script builds a cosine schedule but never applies it), 301 epochs, the whole
signal as one batch. BatchNorm stays in training mode throughout, as in the released code: it
normalizes with the batch statistics of the whole signal (biased variance) and updates the
running statistics with momentum 0.1 and the unbiased variance, like ``torch.nn.BatchNorm1d``.

Circuits run on :mod:`qmlc.circuits.qiren_statevector` (batched statevector, adjoint gradients); the
classical layers are differentiated by hand. Nothing here draws random numbers except the optional
seeded initialization, so the same inputs and seed give bit-identical weights.

PSNR is stated for signals in [-1, 1] (peak-to-peak 2): ``PSNR = 10 log10(2^2 / MSE)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from qmlc.circuits import qiren_statevector as sv
from qmlc.circuits.reupload import ReuploadShape
from qmlc.compiler.errors import DataError, TooLargeError, UsageError
from qmlc.compiler.qiren_model import BN_EPS, QirenModel, layer_key, layer_weights
from qmlc.compiler.qiren_signal import psnr
from qmlc.compiler.qiren_weights import init_weights, validate_weights

BN_MOMENTUM = 0.1  # torch.nn.BatchNorm1d default
ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam defaults
ADAM_EPS = 1e-8
MAX_TRAIN_QUBITS = 12  # a (B, 2^q) state per layer and 2^q x 2^q fused matrices


def circuit_of(model: QirenModel) -> ReuploadShape:
    return ReuploadShape(
        model.width, model.reuploads, model.blocks, model.entangler, model.encoding
    )


def trainable_keys(model: QirenModel) -> list[str]:
    """Weight keys Adam updates (BatchNorm running statistics are buffers)."""
    return [k for k in model.param_shapes if "running_" not in k]


@dataclass(frozen=True)
class ForwardPass:
    """Outputs and everything the backward pass needs."""

    outputs: np.ndarray  # (B, out_dim)
    inputs: tuple[np.ndarray, ...]  # input of each hybrid layer's Linear
    normalized: tuple[np.ndarray, ...]  # BatchNorm's (z - mean) / sqrt(var + eps)
    inv_std: tuple[np.ndarray, ...]  # 1 / sqrt(var + eps), per layer
    batch_mean: tuple[np.ndarray, ...]
    batch_var: tuple[np.ndarray, ...]  # biased
    tapes: tuple[sv.CircuitTape, ...]
    features: np.ndarray  # last layer's expectations, input of the output Linear


def forward(model: QirenModel, weights: Mapping[str, np.ndarray], coords: np.ndarray
            ) -> ForwardPass:
    """Training-mode forward pass (BatchNorm with the batch statistics of ``coords``)."""
    circuit = circuit_of(model)
    x = coords
    inputs, normalized, inv_stds, means, variances, tapes = [], [], [], [], [], []
    for i in range(model.layers):
        w = layer_weights(weights, i)
        z = x @ w["linear.weight"].T + w["linear.bias"]
        mean, var = z.mean(axis=0), z.var(axis=0)
        inv_std = 1.0 / np.sqrt(var + BN_EPS)
        zhat = (z - mean) * inv_std
        h = zhat * w["bn.weight"] + w["bn.bias"]
        tape = sv.forward(circuit, h, w["circuit.weights"], w["circuit.final"])
        inputs.append(x)
        normalized.append(zhat)
        inv_stds.append(inv_std)
        means.append(mean)
        variances.append(var)
        tapes.append(tape)
        x = tape.expectations
    y = x @ weights["out.weight"].T + weights["out.bias"]
    return ForwardPass(y, tuple(inputs), tuple(normalized), tuple(inv_stds), tuple(means),
                       tuple(variances), tuple(tapes), x)


def backward(model: QirenModel, weights: Mapping[str, np.ndarray], fp: ForwardPass,
             grad_outputs: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients of a scalar loss w.r.t. every trainable weight, given ``dL/d outputs``."""
    grads: dict[str, np.ndarray] = {
        "out.weight": grad_outputs.T @ fp.features,
        "out.bias": grad_outputs.sum(axis=0),
    }
    g = grad_outputs @ weights["out.weight"]  # dL/d expectations of the last layer
    n = grad_outputs.shape[0]
    for i in reversed(range(model.layers)):
        g_h, g_w, g_f = sv.backward(fp.tapes[i], g)
        grads[layer_key(i, "circuit.weights")] = g_w
        grads[layer_key(i, "circuit.final")] = g_f
        zhat, inv_std = fp.normalized[i], fp.inv_std[i]
        grads[layer_key(i, "bn.weight")] = (g_h * zhat).sum(axis=0)
        grads[layer_key(i, "bn.bias")] = g_h.sum(axis=0)
        # Batch-statistics BatchNorm backward (mean and variance depend on every sample).
        g_zhat = g_h * weights[layer_key(i, "bn.weight")]
        g_z = inv_std / n * (
            n * g_zhat - g_zhat.sum(axis=0) - zhat * (g_zhat * zhat).sum(axis=0)
        )
        grads[layer_key(i, "linear.weight")] = g_z.T @ fp.inputs[i]
        grads[layer_key(i, "linear.bias")] = g_z.sum(axis=0)
        g = g_z @ weights[layer_key(i, "linear.weight")]
    return {k: grads[k] for k in trainable_keys(model)}


def loss_and_grad(model: QirenModel, weights: Mapping[str, np.ndarray], coords: np.ndarray,
                  values: np.ndarray) -> tuple[float, dict[str, np.ndarray], ForwardPass]:
    """MSE loss (mean over all entries, as ``((x - y) ** 2).mean()``) and its gradients."""
    fp = forward(model, weights, coords)
    residual = fp.outputs - values
    loss = float(np.mean(residual**2))
    grads = backward(model, weights, fp, 2.0 * residual / residual.size)
    return loss, grads, fp


def _check_data(model: QirenModel, coords, values) -> tuple[np.ndarray, np.ndarray]:
    coords = np.asarray(coords, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    coords = coords[:, None] if coords.ndim == 1 else coords
    values = values[:, None] if values.ndim == 1 else values
    if coords.ndim != 2 or coords.shape[1] != model.in_dim:
        raise DataError(f"training coords have shape {coords.shape}; expected (P, {model.in_dim}) "
                        "for the model's in_dim")
    if values.shape != (coords.shape[0], model.out_dim):
        raise DataError(f"training values have shape {values.shape}; expected "
                        f"({coords.shape[0]}, {model.out_dim}) to match coords and out_dim")
    if coords.shape[0] < 2:
        raise DataError("training signal has fewer than 2 samples; BatchNorm needs a batch >= 2")
    for name, arr in (("coords", coords), ("values", values)):
        if not np.all(np.isfinite(arr)):
            raise DataError(f"training {name} hold NaN or inf; clean the signal")
    return np.ascontiguousarray(coords), np.ascontiguousarray(values)


@dataclass(frozen=True)
class TrainResult:
    """Trained weights (running statistics included), per-epoch loss and final quality.

    ``history[e]`` is the training loss at the start of epoch ``e`` (before its Adam step), as the
    released script prints it. ``mse``/``psnr`` are of the final weights with BatchNorm in training
    mode (batch statistics), the released code's evaluation; ``mse_running``/``psnr_running`` use
    the running statistics, i.e. the BatchNorm-folded model that the lowered circuits compute.
    """

    weights: dict[str, np.ndarray]
    history: np.ndarray
    mse: float
    psnr: float
    mse_running: float
    psnr_running: float
    seconds: float
    epochs: int
    lr: float


def _running_mse(model: QirenModel, weights: Mapping[str, np.ndarray], coords, values) -> float:
    circuit = circuit_of(model)
    x = coords
    for i in range(model.layers):
        w = layer_weights(weights, i)
        z = x @ w["linear.weight"].T + w["linear.bias"]
        h = ((z - w["bn.running_mean"]) / np.sqrt(w["bn.running_var"] + BN_EPS)
             * w["bn.weight"] + w["bn.bias"])
        x = sv.expectations(circuit, h, w["circuit.weights"], w["circuit.final"])
    y = x @ weights["out.weight"].T + weights["out.bias"]
    return float(np.mean((y - values) ** 2))


def train_qiren(model: QirenModel, weights: Mapping[str, np.ndarray] | None, coords, values,
                epochs: int = 301, lr: float = 0.03, seed: int = 0,
                on_epoch: Callable[[int, float], None] | None = None) -> TrainResult:
    """Fit ``values`` (P, out_dim) at ``coords`` (P, in_dim) by full-batch Adam on the MSE.

    ``weights=None`` starts from :func:`qmlc.compiler.qiren_weights.init_weights` with ``seed``; given weights
    are validated and copied (the seed is then unused: full-batch training draws no randomness).
    ``on_epoch(epoch, loss)`` is called after every epoch (a progress display, for instance).
    """
    if epochs < 0:
        raise UsageError(f"epochs = {epochs}: give a number >= 0", field="epochs")
    if not lr > 0:
        raise UsageError(f"learning rate is {lr}; give a positive number")
    if model.width > MAX_TRAIN_QUBITS:
        raise TooLargeError(f"QIREN width {model.width} exceeds the training simulator's "
                            f"{MAX_TRAIN_QUBITS} qubits; use a smaller 'width'")
    coords, values = _check_data(model, coords, values)
    if weights is None:
        weights = init_weights(model, seed)
    params = {k: v.copy() for k, v in validate_weights(dict(weights), model).items()}
    keys = trainable_keys(model)
    m = {k: np.zeros_like(params[k]) for k in keys}
    v = {k: np.zeros_like(params[k]) for k in keys}
    b1, b2 = ADAM_BETAS
    n = coords.shape[0]
    history = np.empty(epochs)

    start = time.perf_counter()
    for epoch in range(epochs):
        loss, grads, fp = loss_and_grad(model, params, coords, values)
        history[epoch] = loss
        for i in range(model.layers):  # running statistics, as BatchNorm1d's forward does
            mean, var = layer_key(i, "bn.running_mean"), layer_key(i, "bn.running_var")
            params[mean] = (1 - BN_MOMENTUM) * params[mean] + BN_MOMENTUM * fp.batch_mean[i]
            params[var] = ((1 - BN_MOMENTUM) * params[var]
                           + BN_MOMENTUM * fp.batch_var[i] * n / (n - 1))
        t = epoch + 1  # torch.optim.Adam's update, same operation order
        c1, c2 = 1 - b1**t, 1 - b2**t
        for k in keys:
            m[k] = b1 * m[k] + (1 - b1) * grads[k]
            v[k] = b2 * v[k] + (1 - b2) * grads[k] ** 2
            params[k] = params[k] - (lr / c1) * m[k] / (np.sqrt(v[k]) / np.sqrt(c2) + ADAM_EPS)
        if on_epoch is not None:
            on_epoch(epoch, loss)
    seconds = time.perf_counter() - start

    final = forward(model, params, coords)
    mse = float(np.mean((final.outputs - values) ** 2))
    mse_run = _running_mse(model, params, coords, values)
    return TrainResult(params, history, mse, psnr(mse), mse_run, psnr(mse_run), seconds, epochs,
                       lr)
