"""Regenerate the bundled sparse-network examples (seeded; the .npz outputs are committed).

    python examples/make_examples.py            # writes examples/*_network_*.npz

Dev-only: uses scikit-learn's bundled ``load_digits`` data for the digits example; nothing at run
time needs scikit-learn. Both examples follow the recipe of Liu et al., Nat. Commun. 15:434 (2024),
arXiv:2303.03428: pre-train a dense network, prune it to its largest-magnitude weights, and
study gradient descent on the surviving weights.

tiny_network (n = 2): the same recipe on a [2, 1, 1] network fitted on 8 points, keeping the 2
largest of its 3 weights (seed 3); η = 0.88 puts G1's eigenvalues at 0.15 and 0.86. Its N = 2,
T = 4 history system (30 rows, 6 per Carleman block) is what the demo solves on Aer and Cirq.

small_network (n = 4): a [4, 1, 1] tanh network (one hidden unit, fixed biases) fitted by a dense
pre-training run to a teacher of the same shape on 11 random points; pruning keeps the 4 largest
of its 5 weights. The expansion point θ0 is the pruned network fine-tuned to convergence (a strict
local minimum, Hessian eigenvalues ≈ 0.13..1.02), and θ_init are the pruned weights right after
pruning, before fine-tuning: the trajectory is the fine-tuning run. η = 0.85 puts every
eigenvalue of G1 = I − η∇²L(θ0) in (0.13, 0.9): fully dissipative.

digits_network (n = 166): a [16, 64, 10] tanh MLP on 200 real digits (scikit-learn's 8×8
``load_digits``, 2×2 average-pooled to 16 features, centred), trained with MSE on one-hot labels
(MSE rather than cross-entropy: softmax couples every output, which makes ∇²L and ∇³L dense,
while with MSE weights feeding disjoint outputs do not interact), each weight matrix pruned to
its largest 10% and fine-tuned; see :func:`make_digits`. The spec expands at these weights.

digits_mlp_30k (n = 30 003): the recipe at a size where nothing n×n can be formed: a
[64, 512, 512, 10] tanh MLP (300 032 weights) pre-trained dense with cross-entropy on 500 of the
8×8 digits, each weight matrix magnitude-pruned to its largest 10%, *not* fine-tuned: the spec's
gradient descent from these weights is the sparse training that Liu et al. study (their Fig. 2:
Hessian spectra along the first steps after pruning). Weights and masks are stored compressed
(values rounded to float32, int8 masks, deflate); see :func:`make_digits_large`.
``qmlc dissipation`` and ``qmlc estimate`` read it through the matrix-free path.
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

HERE = Path(__file__).resolve().parent


def _gd(loss, params, lr: float, steps: int):
    grad = jax.jit(jax.grad(loss))
    for _ in range(steps):
        params = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grad(params))
    return params


def make_tiny(seed: int = 695546, out: Path = HERE, name: str = "small_network", d_in: int = 4,
              keep: int = 4, m: int = 11) -> dict:
    """A one-hidden-unit example's weights, masks, expansion point and data (module docstring)."""
    rng = np.random.default_rng(seed)
    hidden = 1
    X = rng.uniform(-1, 1, (m, d_in))
    W1_teacher = rng.normal(0, 1.88, (hidden, d_in))
    W2_teacher = rng.normal(0, 1.88, (1, hidden))
    b1 = rng.normal(0, 1.39, hidden)  # fixed bias, shared by teacher and student
    b2 = np.zeros(1)
    Y = np.tanh(X @ W1_teacher.T + b1) @ W2_teacher.T
    dense = [rng.normal(0, 1, (hidden, d_in)), rng.normal(0, 1, (1, hidden))]

    def loss(p):
        return jnp.mean((jnp.tanh(X @ p[0].T + b1) @ p[1].T + b2 - Y) ** 2)

    W1, W2 = (np.asarray(p) for p in _gd(loss, [jnp.asarray(a) for a in dense], 0.2, 1500))
    magnitudes = np.sort(np.abs(np.concatenate([W1.ravel(), W2.ravel()])))[::-1]
    threshold = magnitudes[keep - 1]  # keep the `keep` largest weights
    mask_W1, mask_W2 = np.abs(W1) >= threshold, np.abs(W2) >= threshold
    pruned = [W1 * mask_W1, W2 * mask_W2]

    def sparse_loss(p):
        return loss([p[0] * mask_W1, p[1] * mask_W2])

    tuned = [np.asarray(p) for p in _gd(sparse_loss, [jnp.asarray(a) for a in pruned], 0.2, 3000)]
    tuned = [tuned[0] * mask_W1, tuned[1] * mask_W2]
    masks = {"mask_W1": mask_W1.astype(np.int8), "mask_W2": mask_W2.astype(np.int8)}
    np.savez(out / f"{name}_weights.npz", W1=pruned[0], b1=b1, W2=pruned[1], b2=b2, **masks)
    np.savez(out / f"{name}_expansion.npz", W1=tuned[0], b1=b1, W2=tuned[1], b2=b2, **masks)
    np.savez(out / f"{name}_data.npz", X=X, Y=Y)
    return {"n": int(mask_W1.sum() + mask_W2.sum())}


def _top_fraction(W: np.ndarray, keep: float) -> np.ndarray:
    """Mask of the ``keep`` fraction of largest-magnitude entries of one layer (layer-wise
    magnitude pruning: a global threshold would starve the layer with the smaller weights)."""
    count = max(1, int(round(keep * W.size)))
    mask = np.zeros(W.size, dtype=bool)
    mask[np.argsort(-np.abs(W.ravel()), kind="stable")[:count]] = True
    return mask.reshape(W.shape)


def _digits_data(seed: int, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded subset of scikit-learn's 8×8 digits, 2×2 average-pooled to 16 features in [0, 1],
    centred; labels one-hot over the 10 classes."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(digits.images.shape[0], size=samples, replace=False))
    images = digits.images[pick] / 16.0
    pooled = images.reshape(samples, 4, 2, 4, 2).mean(axis=(2, 4)).reshape(samples, 16)
    X = pooled - pooled.mean(axis=0)
    Y = np.eye(10)[digits.target[pick]]
    return X, Y


def make_digits(seed: int = 7, samples: int = 200, hidden: int = 64, keep: float = 0.10,
                pre_steps: int = 400, finetune_steps: int = 300, lr: float = 0.5,
                loss_kind: str = "mse", out: Path = HERE) -> dict:
    """A [16, hidden, 10] tanh MLP on real digits, pre-trained dense, pruned to its top ``keep``.

    Pre-training: plain full-batch gradient descent on the loss from a Glorot-scaled seeded
    initialisation. Pruning: magnitude pruning of each weight matrix to its largest ``keep``
    fraction (the paper's "keep the largest 10%"), then ``finetune_steps`` of gradient descent on
    the pruned network (weights and biases). Biases stay dense and are shipped without masks, so
    the spec holds them fixed: the variables are the surviving weights.
    """
    X, Y = _digits_data(seed, samples)
    rng = np.random.default_rng(seed + 1)
    W1 = rng.normal(0, 1 / np.sqrt(16), (hidden, 16))
    W2 = rng.normal(0, 1 / np.sqrt(hidden), (10, hidden))
    params = [jnp.asarray(W1), jnp.zeros(hidden), jnp.asarray(W2), jnp.zeros(10)]

    def loss(p):
        logits = jnp.tanh(X @ p[0].T + p[1]) @ p[2].T + p[3]
        if loss_kind == "mse":
            return jnp.mean((logits - Y) ** 2)
        return -jnp.mean(jnp.sum(Y * jax.nn.log_softmax(logits, axis=1), axis=1))

    params = [np.asarray(p) for p in _gd(loss, params, lr, pre_steps)]
    W1, b1, W2, b2 = params
    mask_W1, mask_W2 = _top_fraction(W1, keep), _top_fraction(W2, keep)

    def sparse_loss(p):
        return loss([p[0] * mask_W1, p[1], p[2] * mask_W2, p[3]])

    tuned = _gd(sparse_loss, [jnp.asarray(W1 * mask_W1), jnp.asarray(b1),
                              jnp.asarray(W2 * mask_W2), jnp.asarray(b2)], lr, finetune_steps)
    W1, b1, W2, b2 = (np.asarray(p) for p in tuned)
    W1, W2 = W1 * mask_W1, W2 * mask_W2
    np.savez_compressed(out / "digits_network_weights.npz", W1=W1, b1=b1,
                        W2=W2, b2=b2, mask_W1=mask_W1.astype(np.int8),
                        mask_W2=mask_W2.astype(np.int8))
    np.savez_compressed(out / "digits_network_data.npz", X=X, Y=Y)
    dense_logits = np.tanh(X @ params[0].T + params[1]) @ params[2].T + params[3]
    pruned_logits = np.tanh(X @ W1.T + b1) @ W2.T + b2
    return {"n": int(mask_W1.sum() + mask_W2.sum()), "n_W1": int(mask_W1.sum()),
            "dense_loss": float(loss(params)),
            "dense_accuracy": float(np.mean(dense_logits.argmax(1) == Y.argmax(1))),
            "pruned_tuned_loss": float(loss([W1, b1, W2, b2])),
            "pruned_tuned_accuracy": float(np.mean(pruned_logits.argmax(1) == Y.argmax(1)))}


def make_digits_large(seed: int = 11, samples: int = 500, widths: tuple = (512, 512),
                      keep: float = 0.10, pre_steps: int = 300, lr: float = 0.5,
                      name: str = "digits_mlp_30k", out: Path = HERE) -> dict:
    """A [64, *widths, 10] tanh MLP, cross-entropy, pre-trained dense and pruned to its top
    ``keep`` per weight matrix (no fine-tuning: the spec's training is the sparse training).

    Data: ``samples`` seeded digits, 8×8 pixels / 16, centred; labels one-hot. Initialisation
    N(0, 1/fan_in), zero biases; pre-training: full-batch gradient descent. Biases stay dense and
    are shipped without masks (fixed, not variables). Storage: ``np.savez_compressed`` of the
    masked weight matrices (values rounded to float32, so their float64 images carry zero low
    bytes and deflate well) and int8 masks.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(digits.images.shape[0], size=samples, replace=False))
    X = digits.data[pick] / 16.0
    X = X - X.mean(axis=0)
    Y = np.eye(10)[digits.target[pick]]
    sizes = (64, *widths, 10)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [jnp.asarray(rng.normal(0, 1 / np.sqrt(fan_in), (fan_out, fan_in))),
                   jnp.zeros(fan_out)]

    def loss(p):
        z = X
        for i in range(0, len(p), 2):
            z = z @ p[i].T + p[i + 1]
            if i < len(p) - 2:
                z = jnp.tanh(z)
        return -jnp.mean(jnp.sum(Y * jax.nn.log_softmax(z, axis=1), axis=1))

    dense = [np.asarray(a) for a in _gd(loss, params, lr, pre_steps)]
    arrays, masks = {}, {}
    for i in range(len(sizes) - 1):
        W, b = dense[2 * i], dense[2 * i + 1]
        mask = _top_fraction(W, keep)
        # float32 storage: the spec's float64 weights are these values exactly
        arrays[f"W{i + 1}"] = (W * mask).astype(np.float32).astype(np.float64)
        arrays[f"b{i + 1}"] = b.astype(np.float32).astype(np.float64)
        masks[f"mask_W{i + 1}"] = mask
    np.savez_compressed(out / f"{name}_weights.npz", **arrays,
                        **{k: m.astype(np.int8) for k, m in masks.items()})
    np.savez_compressed(out / f"{name}_data.npz", X=X.astype(np.float32).astype(np.float64), Y=Y)
    pruned = [arrays[f"{c}{i + 1}"] for i in range(len(sizes) - 1) for c in "Wb"]
    return {"dense_weights": int(sum(W.size for W in dense[::2])),
            "n": int(sum(m.sum() for m in masks.values())),
            "dense_loss": float(loss(dense)), "pruned_loss": float(loss(pruned)),
            "bytes": {f.name: f.stat().st_size for f in sorted(out.glob(f"{name}_*.npz"))}}


if __name__ == "__main__":
    with jax.enable_x64(True):
        print("tiny:", make_tiny(seed=3, name="tiny_network", d_in=2, keep=2, m=8))
        print("small:", make_tiny(seed=695546, name="small_network", d_in=4, keep=4, m=11))
        print("digits:", make_digits(lr=5.0, pre_steps=1000, finetune_steps=600))
        print("digits_mlp_30k:", make_digits_large())
