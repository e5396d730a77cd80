"""QIREN's training step in JAX: one jitted function (forward, gradient, Adam), CPU or GPU.

The same model and circuits as :mod:`qmlc.backends.qiren_train` and
:mod:`qmlc.circuits.qiren_statevector` (Zhao et al., ICML 2024, arXiv:2406.03873, released code
github.com/GGorMM1/QIREN): ``layers`` x (Linear -> BatchNorm1d in training mode -> re-uploading
circuit) -> Linear, MSE, PyTorch's Adam, BatchNorm's running statistics updated per step. It runs
on whatever ``jax.devices()`` offers first (the CPU here, a GPU where jax's CUDA plugin is
installed); the gradient is JAX's reverse-mode autodiff, not the adjoint sweep, so the two
engines are independent implementations and tests compare them.

Numerics: complex64 statevectors, float32 classical layers. Complex numbers are carried as
(real, imaginary) pairs of float32 arrays and every complex matrix product is Gauss's
three-multiplication form ``(a + ib)(c + id) = (ac - bd) + i((a + b)(c + d) - ac - bd)``: three
real products instead of four, and XLA's CPU backend multiplies real matrices several times
faster than complex ones. All products request ``Precision.HIGHEST`` (on GPUs JAX's default
would round float32 products to TF32).

Circuit construction as in the numpy engine: the K parameter blocks of every run are one fused
``2^q x 2^q`` matrix (Rot layers as tensor products of two halves, CZ ring a diagonal, CNOT ring
a permutation; a non-Z encoding's basis change folded in), the encoding the diagonal phase
``exp(-i/2 sum_j h_j z_j)`` built as an outer product of the two halves' phases.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache, partial

import numpy as np

from qmlc.backends.qiren_train import (
    ADAM_BETAS,
    ADAM_EPS,
    BN_MOMENTUM,
    epoch_batches,
)
from qmlc.circuits import qiren_statevector as sv
from qmlc.compiler.qiren_model import BN_EPS, QirenModel, layer_key


def _jax():
    import jax
    import jax.numpy as jnp

    return jax, jnp


# ---------------------------------------------------------------- complex pairs, 3-mult products


def _dot(a, b):
    jax, jnp = _jax()
    return jnp.matmul(a, b, precision=jax.lax.Precision.HIGHEST)


def _cmatmul(a, b):
    """``(ar + i ai) @ (br + i bi)`` by Gauss's three real products."""
    (ar, ai), (br, bi) = a, b
    p1, p2, p3 = _dot(ar, br), _dot(ai, bi), _dot(ar + ai, br + bi)
    return p1 - p2, p3 - p1 - p2


def _cmul(a, b):
    (ar, ai), (br, bi) = a, b
    return ar * br - ai * bi, ar * bi + ai * br


def _ct(a):  # transpose of the last two axes
    _, jnp = _jax()
    return jnp.swapaxes(a[0], -1, -2), jnp.swapaxes(a[1], -1, -2)


def _rot_pair(w):
    """Rot(phi, theta, omega) for every row of ``w`` (..., 3) as a (re, im) pair (..., 2, 2)."""
    _, jnp = _jax()
    phi, theta, omega = w[..., 0], w[..., 1], w[..., 2]
    c, s = jnp.cos(theta / 2), jnp.sin(theta / 2)
    p, m = (phi + omega) / 2, (phi - omega) / 2  # a = e^{-ip}, b = e^{im}
    re = jnp.stack([jnp.stack([jnp.cos(p) * c, -jnp.cos(m) * s], -1),
                    jnp.stack([jnp.cos(m) * s, jnp.cos(p) * c], -1)], -2)
    im = jnp.stack([jnp.stack([-jnp.sin(p) * c, -jnp.sin(m) * s], -1),
                    jnp.stack([-jnp.sin(m) * s, jnp.sin(p) * c], -1)], -2)
    return re, im


def _kron(factors):
    """(..., m, 2, 2) pair -> (..., 2^m, 2^m) pair: the tensor product of the m factors."""
    _, jnp = _jax()
    re, im = factors
    lead, m = re.shape[:-3], re.shape[-3]
    out = (jnp.ones(lead + (1, 1), re.dtype), jnp.zeros(lead + (1, 1), re.dtype))
    for j in range(m):
        d = out[0].shape[-1]
        a = (out[0][..., :, None, :, None], out[1][..., :, None, :, None])
        b = (re[..., j, None, :, None, :], im[..., j, None, :, None, :])
        prod = _cmul(a, b)
        out = tuple(x.reshape(lead + (2 * d, 2 * d)) for x in prod)
    return out


def _halves(factors):
    h = factors[0].shape[-3] // 2
    return (_kron((factors[0][..., :h, :, :], factors[1][..., :h, :, :])),
            _kron((factors[0][..., h:, :, :], factors[1][..., h:, :, :])))


def _left(u_a, u_b, m):
    """``(U_A (x) U_B) @ m`` for pairs: u (..., d, d), m (..., D, N)."""
    lead, dim, cols = m[0].shape[:-2], m[0].shape[-2], m[0].shape[-1]
    d_a, d_b = u_a[0].shape[-1], u_b[0].shape[-1]
    x = _cmatmul(u_a, tuple(t.reshape(lead + (d_a, d_b * cols)) for t in m))
    x = tuple(t.reshape(lead + (d_a, d_b, cols)) for t in x)
    y = _cmatmul(tuple(t[..., None, :, :] for t in u_b), x)
    return tuple(t.reshape(lead + (dim, cols)) for t in y)


def _right(m, u_a, u_b):
    """``m @ (U_A (x) U_B)`` for pairs."""
    lead, rows, dim = m[0].shape[:-2], m[0].shape[-2], m[0].shape[-1]
    d_a, d_b = u_a[0].shape[-1], u_b[0].shape[-1]
    x = _cmatmul(tuple(t.reshape(lead + (rows * d_a, d_b)) for t in m), u_b)
    x = tuple(t.reshape(lead + (rows, d_a, d_b)) for t in x)
    y = _cmatmul(tuple(t[..., None, :, :] for t in _ct(u_a)), x)
    return tuple(t.reshape(lead + (rows, dim)) for t in y)


def _entangle_rows(m, circuit, k):
    """``E_k @ m`` for a pair m (..., D, N)."""
    _, jnp = _jax()
    if circuit.width == 1:
        return m
    rng = circuit.ranges[k]
    if circuit.entangler == "cz":
        s = jnp.asarray(sv.cz_ring_diagonal(circuit.width, rng), m[0].dtype)[:, None]
        return m[0] * s, m[1] * s
    finv = np.argsort(sv.cnot_ring_permutation(circuit.width, rng))  # (E m)[f(i)] = m[i]
    return m[0][..., finv, :], m[1][..., finv, :]


def fused_matrices(circuit, weights):
    """Pair (n, D, D): fused matrix of every run for weights (n, K, q, 3) (runs in order)."""
    gates = _rot_pair(weights)  # (n, K, q, 2, 2)
    v = _entangle_rows(_kron((gates[0][:, 0], gates[1][:, 0])), circuit, 0)
    for k in range(1, circuit.blocks):
        v = _entangle_rows(_left(*_halves((gates[0][:, k], gates[1][:, k])), v), circuit, k)
    return v


def _basis_pair(circuit, dtype):
    _, jnp = _jax()
    one = np.broadcast_to(sv._ENCODING_GATE[circuit.encoding], (circuit.width, 2, 2))
    w_a, w_b = sv._halves(np.ascontiguousarray(one)[None])
    return tuple((jnp.asarray(w[0].real, dtype), jnp.asarray(w[0].imag, dtype)) for w in (w_a, w_b))


def circuit_expectations(circuit, angles, weights, final):
    """``<Z_j>`` (B, q) of one circuit; angles (B, q), weights (L, K, q, 3), final (K, q, 3)."""
    _, jnp = _jax()
    dtype = angles.dtype
    n_up = circuit.reuploads
    mats = fused_matrices(circuit, jnp.concatenate([weights, final[None]], axis=0))
    if circuit.encoding != "rz":  # M_r = W^+ V_r (r < L), then M_r W (r >= 1)
        (wa_re, wa_im), (wb_re, wb_im) = _basis_pair(circuit, dtype)
        wa_h = (wa_re.T, -wa_im.T)
        wb_h = (wb_re.T, -wb_im.T)
        head = _left(wa_h, wb_h, tuple(t[:-1] for t in mats))
        mats = tuple(jnp.concatenate([h, t[-1:]]) for h, t in zip(head, mats, strict=True))
        tail = _right(tuple(t[1:] for t in mats), (wa_re, wa_im), (wb_re, wb_im))
        mats = tuple(jnp.concatenate([t[:1], tl]) for t, tl in zip(mats, tail, strict=True))
    half = circuit.width // 2
    zs = jnp.asarray(sv.z_signs(circuit.width), dtype)
    phase_a = _half_phase(angles[:, :half], dtype)
    phase_b = _half_phase(angles[:, half:], dtype)
    bsz = angles.shape[0]
    phase = _cmul((phase_a[0][:, :, None], phase_a[1][:, :, None]),
                  (phase_b[0][:, None, :], phase_b[1][:, None, :]))
    phase = tuple(t.reshape(bsz, -1) for t in phase)
    psi = _cmul(phase, (mats[0][0, :, 0], mats[1][0, :, 0]))
    for r in range(1, n_up + 1):
        psi = _cmatmul(psi, (mats[0][r].T, mats[1][r].T))
        if r < n_up:
            psi = _cmul(psi, phase)
    return _dot(psi[0] ** 2 + psi[1] ** 2, zs)


def _half_phase(angles, dtype):
    """Pair (B, 2^k): diagonal of RZ(h_0) (x) ... (x) RZ(h_{k-1}) = exp(-i/2 sum_j h_j z_j)."""
    _, jnp = _jax()
    zs = jnp.asarray(sv.z_signs(angles.shape[1]), dtype)
    theta = -0.5 * _dot(angles, zs.T)
    return jnp.cos(theta), jnp.sin(theta)


# ----------------------------------------------------------------------------- the whole model


def model_outputs(model: QirenModel, params: dict, coords, running: dict | None = None):
    """Outputs and every layer's batch (mean, biased var); ``running`` (i -> (mean, var)) uses
    those statistics instead of the batch's (inference)."""
    _, jnp = _jax()
    circuit = model.circuit
    x, stats = coords, []
    for i in range(model.layers):
        z = x @ params[layer_key(i, "linear.weight")].T + params[layer_key(i, "linear.bias")]
        mean, var = jnp.mean(z, axis=0), jnp.var(z, axis=0)
        stats.append((mean, var))
        if running is not None:
            mean, var = running[i]
        h = ((z - mean) / jnp.sqrt(var + BN_EPS) * params[layer_key(i, "bn.weight")]
             + params[layer_key(i, "bn.bias")])
        x = circuit_expectations(circuit, h, params[layer_key(i, "circuit.weights")],
                                 params[layer_key(i, "circuit.final")])
    return x @ params["out.weight"].T + params["out.bias"], stats


def _loss(model, params, coords, values):
    # Every product at full float32 precision: XLA's GPU default lets f32 matrix products run
    # in TF32 (10-bit mantissa), which moved the loss by 1e-5 and the gradients by 6e-5 on an
    # H200 (benchmarks/gpu_check.py); CPUs are unaffected.
    jax, jnp = _jax()
    with jax.default_matmul_precision("highest"):
        y, stats = model_outputs(model, params, coords)
    return jnp.mean((y - values) ** 2), stats


@lru_cache(maxsize=32)
def _value_and_grad(model: QirenModel):
    jax, _ = _jax()
    return jax.jit(jax.value_and_grad(partial(_loss, model), has_aux=True))


@lru_cache(maxsize=32)
def _train_step(model: QirenModel, lr: float):
    """Jitted (params, buffers, m, v, t, x, y) -> updated state and the batch loss."""
    jax, jnp = _jax()
    b1, b2 = ADAM_BETAS

    def step(params, buffers, m, v, t, x, y):
        (loss, stats), grads = jax.value_and_grad(partial(_loss, model), has_aux=True)(
            params, x, y)
        n = x.shape[0]
        new_buffers = {}
        for i, (mean, var) in enumerate(stats):
            km, kv = layer_key(i, "bn.running_mean"), layer_key(i, "bn.running_var")
            new_buffers[km] = (1 - BN_MOMENTUM) * buffers[km] + BN_MOMENTUM * mean
            new_buffers[kv] = (1 - BN_MOMENTUM) * buffers[kv] + BN_MOMENTUM * var * n / (n - 1)
        c1, c2 = 1 - b1**t, 1 - b2**t
        m = jax.tree_util.tree_map(lambda a, g: b1 * a + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda a, g: b2 * a + (1 - b2) * g * g, v, grads)
        params = jax.tree_util.tree_map(
            lambda p, mm, vv: p - (lr / c1) * mm / (jnp.sqrt(vv) / jnp.sqrt(c2) + ADAM_EPS),
            params, m, v)
        return params, new_buffers, m, v, loss

    return jax.jit(step)


def _split(model: QirenModel, weights: dict) -> tuple[dict, dict]:
    _, jnp = _jax()
    params = {k: jnp.asarray(v, jnp.float32) for k, v in weights.items() if "running_" not in k}
    buffers = {k: jnp.asarray(v, jnp.float32) for k, v in weights.items() if "running_" in k}
    return params, buffers


def loss_and_grad_jax(model: QirenModel, weights: dict, coords, values
                      ) -> tuple[float, dict[str, np.ndarray]]:
    """MSE loss and its gradients (float64 copies) by JAX autodiff, for comparison and timing."""
    _, jnp = _jax()
    params, _ = _split(model, weights)
    (loss, _), grads = _value_and_grad(model)(params, jnp.asarray(coords, jnp.float32),
                                             jnp.asarray(values, jnp.float32))
    return float(loss), {k: np.asarray(g, dtype=np.float64) for k, g in grads.items()}


def train_jax(model: QirenModel, weights: dict, coords: np.ndarray, values: np.ndarray,
              epochs: int, lr: float, seed: int, batch_size: int | None,
              on_epoch: Callable[[int, float], None] | None
              ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Adam training with the jitted step; same batches and semantics as the numpy engine.

    Returns (weights as float64 arrays, per-epoch loss history, per-epoch seconds). The first
    epoch's time includes XLA compilation (one per distinct batch shape).
    """
    jax, jnp = _jax()
    params, buffers = _split(model, weights)
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    step_fn = _train_step(model, float(lr))
    x_all = jnp.asarray(coords, jnp.float32)
    y_all = jnp.asarray(values, jnp.float32)
    rng = np.random.default_rng(seed)
    history, epoch_seconds = np.empty(epochs), np.empty(epochs)
    t = 0
    for epoch in range(epochs):
        start = time.perf_counter()
        losses = []
        for batch in epoch_batches(rng, len(coords), batch_size):
            t += 1
            idx = batch if isinstance(batch, slice) else jnp.asarray(batch)
            x, y = x_all[idx], y_all[idx]
            params, buffers, m, v, loss = step_fn(params, buffers, m, v, jnp.float32(t), x, y)
            losses.append((loss, x.shape[0]))
        history[epoch] = sum(float(loss) * n for loss, n in losses) / len(coords)
        epoch_seconds[epoch] = time.perf_counter() - start
        if on_epoch is not None:
            on_epoch(epoch, float(history[epoch]))
    out = {k: np.asarray(a, dtype=np.float64) for k, a in {**params, **buffers}.items()}
    return {k: out[k] for k in model.param_shapes}, history, epoch_seconds


def device_description() -> str:
    """The device the jitted step runs on, e.g. ``cpu:0 (TFRT_CPU_0)`` or ``gpu:0 (NVIDIA H200)``."""
    jax, _ = _jax()
    d = jax.devices()[0]
    return f"{d.platform}:{d.id} ({getattr(d, 'device_kind', str(d))})"
