"""Random pruned MLP specs for the matrix-free spectrum and structure tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_pruned_net(directory: Path, layers: tuple, seed: int, keep: float = 0.4,
                     activation: str = "tanh", loss: str = "mse", samples: int = 12,
                     learning_rate: float = 0.5, bias_mask: bool = False,
                     zero_input: int | None = None, dead_unit: bool = False,
                     dead_end: bool = False, taylor_order: int = 2, steps: int = 10,
                     name: str = "pruned") -> Path:
    """A spec for a random [layers] MLP whose weight matrices keep a random ``keep`` fraction.

    ``bias_mask`` makes half of b1 variables; ``zero_input`` zeroes one input column of X;
    ``dead_unit`` cuts every edge into hidden unit 0 and zeroes its (fixed) bias, so that with
    tanh its activation is exactly 0. ``dead_end`` cuts every edge out of unit 0 of the last
    hidden layer and, with two or more hidden layers, every edge out of unit 1 of the layer before
    except the one into that unit: neither reaches an output.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {}
    for i in range(1, len(layers)):
        W = rng.normal(0, 1.0 / np.sqrt(layers[i - 1]), (layers[i], layers[i - 1]))
        mask = rng.random(W.shape) < keep
        mask.flat[rng.integers(mask.size)] = True
        b = rng.normal(0, 0.3, layers[i])
        if dead_unit and i == 1:
            mask[0] = False
            b[0] = 0.0
        arrays[f"W{i}"] = W * mask
        arrays[f"mask_W{i}"] = mask.astype(np.int8)
        arrays[f"b{i}"] = b
    if dead_end:
        last = len(layers) - 1
        arrays[f"mask_W{last}"][:, 0] = 0
        if last >= 3:
            arrays[f"mask_W{last - 1}"][:, 1] = 0
            arrays[f"mask_W{last - 1}"][0, 1] = 1
            arrays[f"W{last - 1}"][0, 1] = 0.5
        for i in (last - 1, last):
            arrays[f"W{i}"] = arrays[f"W{i}"] * arrays[f"mask_W{i}"]
    if bias_mask:
        arrays["mask_b1"] = (np.arange(layers[1]) % 2 == 0).astype(np.int8)
        if dead_unit:
            arrays["mask_b1"][0] = 0
    X = rng.uniform(-1, 1, (samples, layers[0]))
    if zero_input is not None:
        X[:, zero_input] = 0.0
    if loss == "cross-entropy":
        Y = np.eye(layers[-1])[rng.integers(0, layers[-1], samples)]
    else:
        Y = rng.normal(0, 1, (samples, layers[-1]))
    np.savez(directory / "w.npz", **arrays)
    np.savez(directory / "d.npz", X=X, Y=Y)
    spec = directory / "net.toml"
    spec.write_text(
        f'kind = "sparse-network"\nname = "{name}"\norder = 2\nsteps = {steps}\n'
        f'[network]\nlayers = {list(layers)}\nactivation = "{activation}"\nweights = "w.npz"\n'
        f'[training]\ndata = "d.npz"\nloss = "{loss}"\nlearning_rate = {learning_rate}\n'
        f'taylor_order = {taylor_order}\n')
    return spec


def write_mirror_of_bundled(directory: Path) -> Path:
    """A generated stand-in for examples/digits_mlp_30k.toml that takes the same code paths in
    seconds: a random (not magnitude) pruning of a [40, 48, 48, 10] tanh MLP (keep 20%, n = 910
    surviving weights, above the exact-tensor limit n <= 500 of taylor_order = 3, so ``qmlc
    estimate`` measures it, and small enough for a dense reference Hessian), cross-entropy on
    one-hot labels, biases fixed, expanded at the initial weights, T = 10, and 9 second-layer
    units that reach no output (magnitude pruning leaves 188 of 512 in the bundled model)."""
    return write_pruned_net(directory, (40, 48, 48, 10), seed=16, keep=0.2, activation="tanh",
                            loss="cross-entropy", samples=32, learning_rate=0.5,
                            taylor_order=3, steps=10, name="mirror-of-digits-mlp-30k")
