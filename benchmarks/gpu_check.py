"""QIREN's JAX path on whatever ``jax.devices()`` offers (a GPU where jax's CUDA plugin is
installed): equality with the numpy engine, and time per epoch at 32x32 and 128x128.

1. Equality: loss and every gradient of the released architecture (3 x 8 qubits, L = 2, K = 2,
   657 parameters) on the 32x32 coffee image at random weights (the seeded initialization with
   BatchNorm's gamma/beta drawn too), JAX (complex64, float32) against the numpy engine in
   complex128; the check passes when the loss and every gradient entry agree to 1e-5 absolute.
   The numpy reference runs on the host CPU.
2. Time per epoch (Adam step(s) included, compile excluded: the first epoch is reported apart):
   32x32 full batch (1024 pixels, the released setup), 128x128 coffee in mini-batches of 1024
   (16 steps per epoch) and 128x128 as one full batch of 16,384.

Exit status 0 when the equality holds, 1 otherwise. Budget: well under five minutes on a GPU
(compilation dominates); on a 2-core CPU about as long.

Run on a GPU machine (CUDA 12 driver), in qmlc's environment:
    pip install "jax[cuda12]==0.10.2"      # jax-cuda12-plugin + jax-cuda12-pjrt 0.10.2, CUDA 12.9 wheels
    python benchmarks/gpu_check.py [--epochs 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TOLERANCE = 1e-5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="timed epochs per size")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    import jax
    import numpy as np

    from qmlc.backends.qiren_jax import device_description, loss_and_grad_jax, train_jax
    from qmlc.backends.qiren_train import loss_and_grad
    from qmlc.compiler.qiren_model import QirenModel
    from qmlc.compiler.qiren_signal import image_signal
    from qmlc.compiler.qiren_weights import init_weights

    print(f"jax {jax.__version__}; devices {jax.devices()}; running on {device_description()}")
    model = QirenModel()
    rng = np.random.default_rng(args.seed)
    weights = init_weights(model, args.seed)
    for key in weights:
        if key.endswith("bn.weight") or key.endswith("bn.bias"):
            weights[key] = weights[key] + rng.normal(scale=0.3, size=weights[key].shape)
    coords, values = image_signal("coffee", 32)

    start = time.perf_counter()
    loss_j, grads_j = loss_and_grad_jax(model, weights, coords, values)
    compile_s = time.perf_counter() - start
    loss_n, grads_n, _ = loss_and_grad(model, weights, coords, values, "complex128")
    worst_key = max(grads_n, key=lambda k: float(np.max(np.abs(grads_j[k] - grads_n[k]))))
    worst = float(np.max(np.abs(grads_j[worst_key] - grads_n[worst_key])))
    loss_err = abs(loss_j - loss_n)
    ok = loss_err <= TOLERANCE and worst <= TOLERANCE
    print(f"equality (JAX complex64 vs numpy complex128, 1024 px, 657 params): |loss diff| "
          f"{loss_err:.2e}, max |grad diff| {worst:.2e} ({worst_key}), tolerance {TOLERANCE:g}: "
          f"{'PASS' if ok else 'FAIL'} (compile + first call {compile_s:.1f} s)")

    big_coords, big_values = image_signal("coffee", 128)
    for label, x, y, batch in (("32x32, full batch 1024", coords, values, None),
                               ("128x128, mini-batches of 1024", big_coords, big_values, 1024),
                               ("128x128, full batch 16384", big_coords, big_values, None)):
        start = time.perf_counter()
        _, history, seconds = train_jax(model, dict(weights), x, y, args.epochs + 1, 0.03,
                                        args.seed, batch, None)
        total = time.perf_counter() - start
        print(f"{label}: {np.median(seconds[1:]):.4f} s per epoch (median of {args.epochs}; "
              f"first epoch incl. compile {seconds[0]:.1f} s; loss {history[0]:.4f} -> "
              f"{history[-1]:.4f}; {total:.0f} s total)", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
