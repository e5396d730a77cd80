"""Training engine for QIREN: full-model forward/backward, Adam, full batch or mini-batches.

The model (Zhao et al., "Quantum Implicit Neural Representations", ICML 2024,
arXiv:2406.03873; released code github.com/GGorMM1/QIREN, ``qinr/modules.py``, ``qinr/train.py``)
is ``layers`` hybrid layers ``Linear -> BatchNorm1d -> re-uploading circuit`` and an output
``Linear``. Training follows the released script: MSE loss (mean over all outputs), Adam with
PyTorch's defaults (beta = (0.9, 0.999), eps = 1e-8, no weight decay) at lr 0.03, constant
learning rate (the script builds a cosine schedule but never applies it), 301 epochs, the whole
signal as one batch. BatchNorm stays in training mode throughout, as in the released code: it
normalizes with the batch statistics (biased variance) and updates the running statistics with
momentum 0.1 and the unbiased variance, like ``torch.nn.BatchNorm1d``.

Mini-batches (``batch_size``, for signals too large for one batch) follow
``torch.utils.data.DataLoader(shuffle=True)``: every epoch draws a fresh permutation (seeded),
cuts it into batches of ``batch_size`` and takes one Adam step per batch, BatchNorm using that
batch's statistics; a last batch of a single sample (BatchNorm cannot normalize it) joins the
one before. ``history[e]`` is then the sample-weighted mean of the epoch's batch losses.

Circuits run on :mod:`qmlc.circuits.qiren_statevector` (batched statevector, adjoint gradients);
the classical layers (float64) are differentiated by hand. ``dtype`` is the statevector's
precision. **complex64 is the default**: on the released architecture and on random others
its loss agrees with complex128 to a relative 1e-5 and every gradient entry to 1e-4 of the
model's largest gradient entry (``COMPLEX64_TOLERANCE``, checked in
``tests/test_qiren_scale.py``); complex128 is kept for reference runs. ``engine = "jax"`` runs
the same model as one jitted JAX step (:mod:`qmlc.backends.qiren_jax`; CPU here, a GPU when
``jax.devices()`` offers one).

PSNR is stated for signals in [-1, 1] (peak-to-peak 2): ``PSNR = 10 log10(2^2 / MSE)``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from qmlc.circuits import qiren_statevector as sv
from qmlc.compiler import limits, resources
from qmlc.compiler.errors import DataError, TooLargeError, UsageError
from qmlc.compiler.qiren_model import BN_EPS, DTYPES, ENGINES, QirenModel, layer_key, layer_weights
from qmlc.compiler.qiren_signal import psnr
from qmlc.compiler.qiren_weights import init_weights, validate_weights

BN_MOMENTUM = 0.1  # torch.nn.BatchNorm1d default
ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam defaults
ADAM_EPS = 1e-8
MAX_TRAIN_QUBITS = 12  # a (B, 2^q) state per layer and 2^q x 2^q fused matrices
MAX_BATCH_BYTES = 4 << 30  # statevector memory of one training batch (tape of every layer)
STATE_FACTOR = 2  # peak statevector memory of a step over batch_bytes (tests/test_preflight.py)
STEP_OVERHEAD = 32 << 20  # one-time allocations of a first step (measured: ~6 MB)
EVAL_CHUNK = 4096  # samples per forward pass when evaluating a whole signal
# complex64 vs complex128 (checked on the released architecture and random models in
# tests/test_qiren_scale.py): |loss64 - loss128| <= loss_rtol * loss128, and every gradient entry
# |g64 - g128| <= grad_rtol * max|g128| (the largest gradient entry of the model)
COMPLEX64_TOLERANCE = {"loss_rtol": 1e-5, "grad_rtol": 1e-4}


def trainable_keys(model: QirenModel) -> list[str]:
    """Weight keys Adam updates (BatchNorm running statistics are buffers)."""
    return [k for k in model.param_shapes if "running_" not in k]


def fuse_model(model: QirenModel, weights: Mapping[str, np.ndarray], dtype: str,
               ws: sv.Workspace | None = None) -> sv.FusedCircuits:
    """Every hybrid layer's fused circuit matrices, built in one batched pass."""
    stack = np.stack([weights[layer_key(i, "circuit.weights")] for i in range(model.layers)])
    final = np.stack([weights[layer_key(i, "circuit.final")] for i in range(model.layers)])
    return sv.fuse(model.circuit, stack, final, dtype, ws)


def batch_bytes(model: QirenModel, batch: int, dtype: str = "complex64") -> int:
    """Statevector memory of one training step: per layer the L boundary states, the final
    state and the phase (the tape), plus two work arrays of the backward sweep."""
    item = np.dtype(dtype).itemsize
    return (model.layers * (model.reuploads + 2) + 2) * batch * (1 << model.width) * item


def training_requirement(model: QirenModel, batch: int,
                         dtype: str = "complex64") -> resources.Requirement:
    """Peak memory of one training step, for the pre-flight check: :data:`STATE_FACTOR` times
    the tape's statevectors (:func:`batch_bytes`; the backward sweep's work arrays), the fused
    circuit matrices with their prefixes and gradients, layers·(3(L + 1)K + (L + 1)K²) matrices
    of 2^q × 2^q, the float64 classical arrays per sample, and :data:`STEP_OVERHEAD` for a first
    step's one-time allocations. The terms bound the peaks measured with tracemalloc
    (tests/test_preflight.py)."""
    q, L, K = model.width, model.reuploads, model.blocks
    item = np.dtype(dtype).itemsize
    states = STATE_FACTOR * batch_bytes(model, batch, dtype)
    matrices = item * (1 << (2 * q)) * model.layers * (3 * (L + 1) * K + (L + 1) * K * K)
    classical = 8 * batch * (model.in_dim + model.out_dim + 8 * q) * (model.layers + 1)
    return resources.Requirement(
        f"training {model.layers} layers of {q} qubits on batches of {batch:,} samples",
        states + matrices + classical + STEP_OVERHEAD,
        f"{STATE_FACTOR} × the tape's statevectors + {item}·4^{q} bytes × fused matrices + "
        "classical arrays + 32 MiB")


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
    fused: sv.FusedCircuits
    workspace: sv.Workspace


def forward(model: QirenModel, weights: Mapping[str, np.ndarray], coords: np.ndarray,
            dtype: str = "complex64", ws: sv.Workspace | None = None) -> ForwardPass:
    """Training-mode forward pass (BatchNorm with the batch statistics of ``coords``).

    With a workspace ``ws`` the statevectors live in its arrays (reused by the next call)."""
    ws = ws or sv.Workspace()
    fused = fuse_model(model, weights, dtype, ws)
    x = coords
    inputs, normalized, inv_stds, means, variances, tapes = [], [], [], [], [], []
    for i in range(model.layers):
        w = layer_weights(weights, i)
        z = x @ w["linear.weight"].T + w["linear.bias"]
        mean, var = z.mean(axis=0), z.var(axis=0)
        inv_std = 1.0 / np.sqrt(var + BN_EPS)
        zhat = (z - mean) * inv_std
        h = zhat * w["bn.weight"] + w["bn.bias"]
        tape = sv.run_forward(fused, i, h, ws)
        inputs.append(x)
        normalized.append(zhat)
        inv_stds.append(inv_std)
        means.append(mean)
        variances.append(var)
        tapes.append(tape)
        x = tape.expectations
    y = x @ weights["out.weight"].T + weights["out.bias"]
    return ForwardPass(y, tuple(inputs), tuple(normalized), tuple(inv_stds), tuple(means),
                       tuple(variances), tuple(tapes), x, fused, ws)


def backward(model: QirenModel, weights: Mapping[str, np.ndarray], fp: ForwardPass,
             grad_outputs: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients of a scalar loss w.r.t. every trainable weight, given ``dL/d outputs``."""
    grads: dict[str, np.ndarray] = {
        "out.weight": grad_outputs.T @ fp.features,
        "out.bias": grad_outputs.sum(axis=0),
    }
    g = grad_outputs @ weights["out.weight"]  # dL/d expectations of the last layer
    n = grad_outputs.shape[0]
    ws = fp.workspace
    grad_cols = ws.get("grad.columns", fp.fused.first_column.shape, fp.fused.dtype)
    grad_mats = ws.get("grad.matrices", fp.fused.matrices.shape, fp.fused.dtype)
    for i in reversed(range(model.layers)):
        g_h, _, _ = sv.run_backward(fp.tapes[i], g, grad_cols[i], grad_mats[i], ws)
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
    circuit_grads = sv.fused_vjp(fp.fused, grad_cols, grad_mats, ws)  # (layers, L+1, K, q, 3)
    for i in range(model.layers):
        grads[layer_key(i, "circuit.weights")] = circuit_grads[i, :-1]
        grads[layer_key(i, "circuit.final")] = circuit_grads[i, -1]
    return {k: grads[k] for k in trainable_keys(model)}


def loss_and_grad(model: QirenModel, weights: Mapping[str, np.ndarray], coords: np.ndarray,
                  values: np.ndarray, dtype: str = "complex64", ws: sv.Workspace | None = None
                  ) -> tuple[float, dict[str, np.ndarray], ForwardPass]:
    """MSE loss (mean over all entries, as ``((x - y) ** 2).mean()``) and its gradients.

    Pass the same :class:`~qmlc.circuits.qiren_statevector.Workspace` to every step of a loop
    to reuse its statevector memory (the returned forward pass then lives in it)."""
    fp = forward(model, weights, coords, dtype, ws)
    residual = fp.outputs - values
    loss = float(np.mean(residual**2))
    grads = backward(model, weights, fp, 2.0 * residual / residual.size)
    return loss, grads, fp


def predict(model: QirenModel, weights: Mapping[str, np.ndarray], coords: np.ndarray,
            batchnorm: str = "batch", dtype: str = "complex64", chunk: int = EVAL_CHUNK
            ) -> np.ndarray:
    """Model outputs on a whole signal in bounded memory: layer by layer, circuits in chunks.

    ``batchnorm = "batch"`` normalizes with the statistics of all of ``coords`` (training mode
    over the whole signal, the released code's evaluation); ``"running"`` uses the running
    statistics (the BatchNorm-folded model that the lowered circuits compute).
    """
    if batchnorm not in ("batch", "running"):
        raise ValueError(f"batchnorm must be 'batch' or 'running', got {batchnorm!r}")
    fused = fuse_model(model, weights, dtype)
    x = np.asarray(coords, dtype=np.float64)
    for i in range(model.layers):
        w = layer_weights(weights, i)
        z = x @ w["linear.weight"].T + w["linear.bias"]
        if batchnorm == "batch":
            mean, var = z.mean(axis=0), z.var(axis=0)
        else:
            mean, var = w["bn.running_mean"], w["bn.running_var"]
        h = (z - mean) / np.sqrt(var + BN_EPS) * w["bn.weight"] + w["bn.bias"]
        x = np.concatenate([sv.run_forward(fused, i, h[s:s + chunk]).expectations
                            for s in range(0, len(h), chunk)])
    return x @ weights["out.weight"].T + weights["out.bias"]


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


def epoch_batches(rng: np.random.Generator | None, samples: int, batch_size: int | None
                  ) -> list[np.ndarray | slice]:
    """One epoch's batches: the whole signal in order (``batch_size`` None), else a fresh
    permutation cut into ``batch_size`` pieces, a trailing single sample joining the one before."""
    if batch_size is None:
        return [slice(None)]
    order = rng.permutation(samples)
    cuts = list(range(batch_size, samples, batch_size))
    if cuts and samples - cuts[-1] < 2:
        cuts.pop()
    return np.split(order, cuts)


def check_training_settings(model: QirenModel, samples: int, epochs: int, lr: float,
                            batch_size: int | None, dtype: str, engine: str) -> int | None:
    """Validate the training knobs (ranges of :mod:`qmlc.compiler.limits`); returns the
    effective batch size (None: full batch)."""
    limits.check_int(epochs, "epochs", 1, limits.MAX_QIREN_EPOCHS,
                     "training for 0 epochs would write untrained weights")
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not (
            0 < lr <= limits.MAX_QIREN_LR):
        raise UsageError(f"lr = {lr!r}: the learning rate must be in (0, "
                         f"{limits.MAX_QIREN_LR:g}]", field="lr")
    if dtype not in DTYPES:
        raise UsageError(f"dtype = {dtype!r}: expected one of {', '.join(DTYPES)}", field="dtype")
    if engine not in ENGINES:
        raise UsageError(f"engine = {engine!r}: expected one of {', '.join(ENGINES)}",
                         field="engine")
    if model.width > MAX_TRAIN_QUBITS:
        raise TooLargeError(f"QIREN width {model.width} exceeds the training simulator's "
                            f"{MAX_TRAIN_QUBITS} qubits; use a smaller 'width' (or 'qmlc "
                            "estimate' for its costs)", field="width")
    if batch_size is not None:
        if (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                or batch_size < 2):
            raise UsageError(f"batch_size = {batch_size}: give an integer >= 2 (BatchNorm needs "
                             "two samples per batch)", field="batch_size")
        batch_size = int(batch_size)
    largest = samples if batch_size is None else min(batch_size, samples)
    need = batch_bytes(model, largest, dtype)
    if need > MAX_BATCH_BYTES:
        raise TooLargeError(
            f"one training batch of {largest} samples needs {need / 2**30:.1f} GiB of statevectors "
            f"(limit {MAX_BATCH_BYTES / 2**30:.0f} GiB); set [training] batch_size to at most "
            f"{max(2, MAX_BATCH_BYTES * largest // need)}")
    resources.require(training_requirement(model, largest, dtype), "training QIREN",
                      advice="set [training] batch_size smaller, or a smaller signal or width")
    return batch_size


@dataclass(frozen=True)
class TrainResult:
    """Trained weights (running statistics included), per-epoch loss and final quality.

    ``history[e]`` is the training loss of epoch ``e`` before its Adam step(s), as the released
    script prints it (mini-batches: the sample-weighted mean of the batch losses). ``mse``/
    ``psnr`` are of the final weights on the whole signal with BatchNorm in training mode (its
    statistics over the whole signal), the released code's evaluation; ``mse_running``/
    ``psnr_running`` use the running statistics, i.e. the BatchNorm-folded model that the lowered
    circuits compute; both from a complex128 forward pass whatever ``dtype`` trained. ``seconds``
    is the training time, ``epoch_seconds`` its per-epoch times.
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
    batch_size: int | None = None
    dtype: str = "complex64"
    engine: str = "numpy"
    epoch_seconds: np.ndarray | None = None


@contextlib.contextmanager
def thread_limit(threads: int | None) -> Iterator[None]:
    """Cap BLAS (threadpoolctl) and Numba threads inside the block; None changes nothing."""
    if threads is None:
        yield
        return
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise UsageError(f"threads = {threads}: give an integer >= 1", field="threads")
    import numba
    from threadpoolctl import threadpool_limits

    before = numba.get_num_threads()
    with threadpool_limits(limits=int(threads)):
        numba.set_num_threads(min(int(threads), numba.config.NUMBA_NUM_THREADS))
        try:
            yield
        finally:
            numba.set_num_threads(before)


def adam_step(params: dict, grads: dict, m: dict, v: dict, t: int, lr: float) -> None:
    """torch.optim.Adam's update (same operation order), in place, step number ``t`` >= 1."""
    b1, b2 = ADAM_BETAS
    c1, c2 = 1 - b1**t, 1 - b2**t
    for k, g in grads.items():
        m[k] = b1 * m[k] + (1 - b1) * g
        v[k] = b2 * v[k] + (1 - b2) * g**2
        params[k] = params[k] - (lr / c1) * m[k] / (np.sqrt(v[k]) / np.sqrt(c2) + ADAM_EPS)


def update_running_stats(model: QirenModel, params: dict, fp: ForwardPass, n: int) -> None:
    """BatchNorm1d's running statistics after a training-mode forward over ``n`` samples."""
    for i in range(model.layers):
        mean, var = layer_key(i, "bn.running_mean"), layer_key(i, "bn.running_var")
        params[mean] = (1 - BN_MOMENTUM) * params[mean] + BN_MOMENTUM * fp.batch_mean[i]
        params[var] = ((1 - BN_MOMENTUM) * params[var]
                       + BN_MOMENTUM * fp.batch_var[i] * n / (n - 1))


def train_qiren(model: QirenModel, weights: Mapping[str, np.ndarray] | None, coords, values,
                epochs: int = 301, lr: float = 0.03, seed: int = 0,
                on_epoch: Callable[[int, float], None] | None = None,
                batch_size: int | None = None, dtype: str = "complex64",
                engine: str = "numpy", threads: int | None = None) -> TrainResult:
    """Fit ``values`` (P, out_dim) at ``coords`` (P, in_dim) by Adam on the MSE.

    ``weights=None`` starts from :func:`qmlc.compiler.qiren_weights.init_weights` with ``seed``;
    given weights are validated and copied. ``seed`` also draws the mini-batch permutations
    (``numpy.random.default_rng(seed)``); full-batch training draws nothing, so the same inputs
    give bit-identical weights. ``on_epoch(epoch, loss)`` is called after every epoch.
    ``threads`` caps the BLAS and Numba threads (None: the libraries' defaults, every core;
    on a machine shared with other jobs, 1 avoids threads spinning while descheduled).
    """
    coords, values = _check_data(model, coords, values)
    batch_size = check_training_settings(model, len(coords), epochs, lr, batch_size, dtype,
                                         engine)
    if weights is None:
        weights = init_weights(model, seed)
    params = {k: v.copy() for k, v in validate_weights(dict(weights), model).items()}
    with thread_limit(threads):
        if engine == "jax":
            from qmlc.backends.qiren_jax import train_jax

            params, history, epoch_seconds = train_jax(model, params, coords, values, epochs, lr,
                                                       seed, batch_size, on_epoch)
        else:
            params, history, epoch_seconds = _train_numpy(model, params, coords, values, epochs,
                                                          lr, seed, batch_size, dtype, on_epoch)
        # quality of the result from a complex128 forward, whatever the training precision
        mse = float(np.mean((predict(model, params, coords, "batch", "complex128") - values)
                            ** 2))
        mse_run = float(np.mean((predict(model, params, coords, "running", "complex128")
                                 - values) ** 2))
    return TrainResult(params, history, mse, psnr(mse), mse_run, psnr(mse_run),
                       float(np.sum(epoch_seconds)), epochs, lr, batch_size, dtype, engine,
                       epoch_seconds)


def _train_numpy(model, params, coords, values, epochs, lr, seed, batch_size, dtype, on_epoch):
    keys = trainable_keys(model)
    m = {k: np.zeros_like(params[k]) for k in keys}
    v = {k: np.zeros_like(params[k]) for k in keys}
    rng = np.random.default_rng(seed)
    history, epoch_seconds = np.empty(epochs), np.empty(epochs)
    ws = sv.Workspace()
    step = 0
    for epoch in range(epochs):
        start = time.perf_counter()
        total = 0.0
        for batch in epoch_batches(rng, len(coords), batch_size):
            x, y = coords[batch], values[batch]
            loss, grads, fp = loss_and_grad(model, params, x, y, dtype, ws)
            update_running_stats(model, params, fp, len(x))
            step += 1
            adam_step(params, grads, m, v, step, lr)
            total += loss * len(x)
        history[epoch] = total / len(coords)
        epoch_seconds[epoch] = time.perf_counter() - start
        if on_epoch is not None:
            on_epoch(epoch, float(history[epoch]))
    return params, history, epoch_seconds
