"""Classical baselines for QIREN: SIREN and a ReLU MLP with a matched parameter budget, in JAX.

QIREN's paper (Zhao et al., ICML 2024, arXiv:2406.03873) compares against classical implicit
neural representations of similar size. Two are provided here, shaped like QIREN (a first layer,
``hidden_layers`` hidden-to-hidden layers, a linear output layer):

- SIREN (Sitzmann et al., "Implicit Neural Representations with Periodic Activation Functions",
  NeurIPS 2020, arXiv:2006.09661): ``sin(omega0 (W x + b))`` layers with SIREN's initialization
  (first layer ``U(-1/in, 1/in)``, later layers and the output layer
  ``U(-sqrt(6/in)/omega0, +sqrt(6/in)/omega0)``), as in the released QIREN code's ``Siren``
  class. ``omega0 = 30`` is SIREN's paper; the released QIREN scripts default to ``omega0 = 1``.
- A ReLU MLP with PyTorch's default ``nn.Linear`` initialization (``U(+-1/sqrt(in))``).
- Optionally (``batchnorm=True``) the released code's ``Siren_bn`` variants: every hidden layer is
  ``act(omega0 * BatchNorm(W x + b))`` with batch statistics (training mode, as QIREN's own
  BatchNorm), learnable ``gamma`` (init 1) and ``beta`` (init 0) counted as parameters.
- A Fourier-feature MLP (Tancik et al., "Fourier Features Let Networks Learn High Frequency
  Functions in Low Dimensional Domains", NeurIPS 2020, arXiv:2006.10739; their demo notebook
  github.com/tancik/fourier-feature-networks ``Demo.ipynb``): the input is mapped to
  ``[sin(2 pi B v), cos(2 pi B v)]`` with a fixed Gaussian ``B`` (m x in_dim, entries N(0,
  sigma^2); the demo tries sigma = 1, 10, 100 with coordinates in [0, 1)), then a ReLU MLP with
  ``nn.Linear``'s initialization. ``unit_box=True`` maps our [-1, 1] coordinates to [0, 1] as the
  demo's are; ``unit_box=False`` applies B to [-1, 1] directly, as the released QIREN code's
  ``FourierFeatures`` (sigma 1, followed by BatchNorm'd ReLU layers) does. B is not trained and not
  counted; ``m = width // 2``, so the first layer sees ``width`` features (the released code's
  choice; Tancik's demo uses m = 256, which alone would exceed QIREN's parameter budget).

Biases use ``nn.Linear``'s default ``U(+-1/sqrt(in))``. The width is the largest whose
parameter count does not exceed the budget (QIREN's count). Training matches QIREN's engine:
full-batch Adam (PyTorch's update, betas (0.9, 0.999), eps 1e-8), MSE, same epochs and lr; one
jitted step per epoch, float32 (PyTorch's default dtype).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from qmlc.compiler.qiren_signal import psnr

KINDS = ("siren", "relu", "fourier")


@dataclass(frozen=True)
class MLPBaseline:
    """A ``kind`` network ``in_dim -> width -> (hidden_layers x width) -> out_dim``."""

    kind: str
    in_dim: int
    width: int
    hidden_layers: int
    out_dim: int
    omega0: float = 30.0
    batchnorm: bool = False
    sigma: float = 10.0  # Fourier features: standard deviation of B
    unit_box: bool = True  # Fourier features: map [-1, 1] to [0, 1] first (Tancik's convention)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")

    @property
    def features(self) -> int:
        """Inputs of the first trained layer: ``in_dim``, or 2 m Fourier features."""
        return 2 * (self.width // 2) if self.kind == "fourier" else self.in_dim

    @property
    def layer_sizes(self) -> list[tuple[int, int]]:
        dims = [self.features] + [self.width] * (self.hidden_layers + 1) + [self.out_dim]
        return list(zip(dims[:-1], dims[1:], strict=True))

    @property
    def param_count(self) -> int:
        bn = 2 * self.width * (self.hidden_layers + 1) if self.batchnorm else 0
        return sum(i * o + o for i, o in self.layer_sizes) + bn


def matched_width(in_dim: int, out_dim: int, hidden_layers: int, budget: int,
                  batchnorm: bool = False, kind: str = "relu") -> int:
    """Largest width whose network has at most ``budget`` parameters (at least 1)."""
    width = 1
    while MLPBaseline(kind, in_dim, width + 1, hidden_layers, out_dim,
                      batchnorm=batchnorm).param_count <= budget:
        width += 1
    return width


def init_params(model: MLPBaseline, seed: int) -> list[tuple[np.ndarray, ...]]:
    """``[(W (out, in), b (out,)[, gamma, beta]), ...]`` from ``numpy.random.default_rng(seed)``
    (``gamma``, ``beta`` on hidden layers when ``batchnorm``)."""
    rng = np.random.default_rng(seed)
    params = []
    if model.kind == "fourier":  # the fixed frequencies B come first (not trained)
        b = rng.normal(scale=model.sigma, size=(model.width // 2, model.in_dim))
        params.append((b.astype(np.float32),))
    for i, (fan_in, fan_out) in enumerate(model.layer_sizes):
        if model.kind == "siren":
            bound = 1.0 / fan_in if i == 0 else math.sqrt(6.0 / fan_in) / model.omega0
        else:
            bound = 1.0 / math.sqrt(fan_in)
        w = rng.uniform(-bound, bound, size=(fan_out, fan_in))
        b_bound = 1.0 / math.sqrt(fan_in)
        b = rng.uniform(-b_bound, b_bound, size=(fan_out,))
        layer = (w.astype(np.float32), b.astype(np.float32))
        if model.batchnorm and i < len(model.layer_sizes) - 1:
            layer += (np.ones(fan_out, np.float32), np.zeros(fan_out, np.float32))
        params.append(layer)
    return params


def apply(model: MLPBaseline, params, x):
    """Network output for inputs ``x`` (P, in_dim); works on numpy or JAX arrays."""
    import jax
    import jax.numpy as jnp

    h = x
    if model.kind == "fourier":
        b = jax.lax.stop_gradient(params[0][0])
        proj = 2 * jnp.pi * (((x + 1) / 2) if model.unit_box else x) @ b.T
        h = jnp.concatenate([jnp.sin(proj), jnp.cos(proj)], axis=-1)
        params = params[1:]
    for layer in params[:-1]:
        z = h @ layer[0].T + layer[1]
        if model.batchnorm:  # torch BatchNorm1d in training mode: biased batch variance
            mean, var = z.mean(axis=0), z.var(axis=0)
            z = (z - mean) / jnp.sqrt(var + 1e-5) * layer[2] + layer[3]
        h = jnp.sin(model.omega0 * z) if model.kind == "siren" else jnp.maximum(z, 0.0)
    w, b = params[-1]
    return h @ w.T + b


@dataclass(frozen=True)
class BaselineResult:
    model: MLPBaseline
    params: list
    history: np.ndarray  # loss at the start of each epoch
    mse: float
    psnr: float  # 10 log10(4 / MSE), signals in [-1, 1]
    seconds: float


def train_baseline(model: MLPBaseline, coords, values, epochs: int = 301, lr: float = 0.03,
                   seed: int = 0) -> BaselineResult:
    """Full-batch Adam on the MSE, PyTorch's Adam update, one jitted step per epoch."""
    import jax
    import jax.numpy as jnp

    x = jnp.asarray(np.asarray(coords, dtype=np.float32))
    y = jnp.asarray(np.asarray(values, dtype=np.float32).reshape(len(coords), -1))
    params = jax.tree_util.tree_map(jnp.asarray, init_params(model, seed))
    b1, b2, eps = 0.9, 0.999, 1e-8

    def loss_fn(p):
        return jnp.mean((apply(model, p, x) - y) ** 2)

    @jax.jit
    def step(p, m, v, t):
        loss, g = jax.value_and_grad(loss_fn)(p)
        m = jax.tree_util.tree_map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
        v = jax.tree_util.tree_map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
        c1, c2 = 1 - b1**t, 1 - b2**t
        p = jax.tree_util.tree_map(
            lambda a, mm, vv: a - (lr / c1) * mm / (jnp.sqrt(vv) / jnp.sqrt(c2) + eps), p, m, v
        )
        return p, m, v, loss

    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    history = np.empty(epochs)
    start = time.perf_counter()
    for epoch in range(epochs):
        params, m, v, loss = step(params, m, v, jnp.float32(epoch + 1))
        history[epoch] = float(loss)
    mse = float(loss_fn(params))
    seconds = time.perf_counter() - start
    return BaselineResult(model, jax.tree_util.tree_map(np.asarray, params), history, mse, psnr(mse),
                          seconds)
