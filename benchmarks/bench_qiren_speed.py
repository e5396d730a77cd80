"""One full-batch QIREN training step: qmlc's adjoint engine vs PennyLane, in the same run.

A step is the forward pass and the gradient of the MSE with respect to all 657 trainable
parameters, over all 1024 pixels of the 32x32 coffee image, for the released code's default
image architecture (3 hybrid layers x 8 qubits, L = 2, K = 2, CZ entangler, RZ encoding,
BatchNorm with batch statistics). Contenders:

- qmlc: :func:`qmlc.backends.qiren_train.loss_and_grad` (batched statevector, fused block unitaries,
  adjoint differentiation; numpy, complex128).
- PennyLane ``default.qubit``, ``diff_method="backprop"``, autograd interface: the released
  code's simulator and differentiation method (it used the Torch interface, which is not
  installed here; autograd is PennyLane's own numpy interface). The 1024 inputs go in as one
  broadcast batch (``RZ(inputs[..., j])``), the fastest way default.qubit offers.
- PennyLane ``lightning.qubit``, ``diff_method="adjoint"``, autograd interface (C++ adjoint);
  it has no parameter broadcasting, so PennyLane splits the batch into 1024 circuits.
- Optional (``--jax``): ``default.qubit`` backprop under ``jax.jit`` (x64), compile time excluded.

The same full model (Linear -> BatchNorm -> circuit, x3, -> Linear) is written for every
contender; the script prints each gradient's largest deviation from qmlc's. Times are medians
of wall-clock repeats; the fast contenders are timed round-robin after one untimed warm-up call
each, so a shared machine's varying load hits them alike; lightning.qubit (minutes per step) is
timed afterwards without warm-up. BLAS/OpenMP threads are limited to ``--threads`` for everyone.

Run:  python benchmarks/bench_qiren_speed.py [--repeats 5] [--peer-repeats 5]
          [--lightning-repeats 1] [--no-lightning] [--jax] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _limit_threads(n: int) -> None:
    """Limit BLAS / OpenMP / XLA threads; must run before numpy or jax is imported."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    if n == 1:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats for qmlc")
    parser.add_argument("--peer-repeats", type=int, default=5, help="repeats for PennyLane")
    parser.add_argument("--lightning-repeats", type=int, default=1,
                        help="repeats for lightning.qubit (minutes each; no warm-up call)")
    parser.add_argument("--no-lightning", action="store_true")
    parser.add_argument("--jax", action="store_true", help="also time default.qubit under jit")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (0: default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        _limit_threads(args.threads)

    import numpy as np
    import pennylane as qml
    from pennylane import numpy as pnp

    from qmlc.backends.qiren_train import loss_and_grad, trainable_keys
    from qmlc.compiler.qiren_model import QirenModel, layer_weights
    from qmlc.compiler.qiren_signal import image_signal
    from qmlc.compiler.qiren_weights import init_weights

    coords, values = image_signal("coffee", 32)
    model = QirenModel()
    weights = init_weights(model, args.seed)
    keys = trainable_keys(model)
    q, n_up = model.width, model.reuploads

    def ours():
        loss, grads, _ = loss_and_grad(model, weights, coords, values)
        return loss, [grads[k] for k in keys]

    def circuit_fn(inputs, w1, w2):
        for r in range(n_up):
            qml.StronglyEntanglingLayers(w1[r], wires=range(q), imprimitive=qml.CZ)
            for j in range(q):
                qml.RZ(inputs[..., j], wires=j)
        qml.StronglyEntanglingLayers(w2, wires=range(q), imprimitive=qml.CZ)
        return [qml.expval(qml.PauliZ(j)) for j in range(q)]

    def model_loss(np_mod, circ, vals):
        p = dict(zip(keys, vals, strict=True))
        x = coords
        for i in range(model.layers):
            w = layer_weights(p, i)
            z = x @ w["linear.weight"].T + w["linear.bias"]
            mu = np_mod.mean(z, axis=0)
            var = np_mod.mean((z - mu) ** 2, axis=0)
            h = (z - mu) / np_mod.sqrt(var + 1e-5) * w["bn.weight"] + w["bn.bias"]
            x = np_mod.stack(circ(h, w["circuit.weights"], w["circuit.final"]), axis=-1)
        y = x @ p["out.weight"].T + p["out.bias"]
        return np_mod.mean((y - values) ** 2)

    def autograd_step(device: str, diff: str):
        circ = qml.QNode(circuit_fn, qml.device(device, wires=q), interface="autograd",
                         diff_method=diff)
        vals = [pnp.array(weights[k], requires_grad=True) for k in keys]
        grad = qml.grad(lambda *v: model_loss(pnp, circ, v), argnums=list(range(len(keys))))

        def step():
            g = grad(*vals)
            return None, [np.asarray(a) for a in g]

        return step

    contenders = [("qmlc adjoint (numpy)", ours, args.repeats, True),
                  ("PennyLane default.qubit backprop (autograd)",
                   autograd_step("default.qubit", "backprop"), args.peer_repeats, True)]
    if not args.no_lightning:
        contenders.append(("PennyLane lightning.qubit adjoint (autograd)",
                           autograd_step("lightning.qubit", "adjoint"), args.lightning_repeats,
                           False))
    compile_note = ""
    if args.jax:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        circ = qml.QNode(circuit_fn, qml.device("default.qubit", wires=q), interface="jax",
                         diff_method="backprop")
        jvals = [jnp.asarray(weights[k]) for k in keys]
        vg = jax.jit(jax.value_and_grad(lambda v: model_loss(jnp, circ, v)))
        t = time.perf_counter()
        jax.block_until_ready(vg(jvals))
        compile_note = f"jax.jit compile + first call: {time.perf_counter() - t:.1f} s (excluded)"

        def jax_step():
            loss, g = jax.block_until_ready(vg(jvals))
            return float(loss), [np.asarray(a) for a in g]

        contenders.append(("PennyLane default.qubit backprop (jax.jit, x64)", jax_step,
                           args.peer_repeats, True))

    # Fast contenders are timed round-robin (one call each per round), so that the varying load
    # of a shared machine hits them alike; slow ones (no warm-up) are timed afterwards.
    _, reference = ours()
    times: dict[str, list[float]] = {name: [] for name, *_ in contenders}
    grads_of: dict[str, list] = {}
    fast = [c for c in contenders if c[3]]
    for _, fn, _, _ in fast:
        fn()  # imports, caches, tracing: not timed
    for round_ in range(max(c[2] for c in fast)):
        for name, fn, repeats, _ in fast:
            if round_ < repeats:
                t = time.perf_counter()
                grads_of[name] = fn()[1]
                times[name].append(time.perf_counter() - t)
    for name, fn, repeats, warm_up in contenders:
        if not warm_up:
            for _ in range(repeats):
                t = time.perf_counter()
                grads_of[name] = fn()[1]
                times[name].append(time.perf_counter() - t)
    results = []
    for name, *_ in contenders:
        err = max(float(np.max(np.abs(a - b)))
                  for a, b in zip(grads_of[name], reference, strict=True))
        med = statistics.median(times[name])
        results.append((name, med, times[name], err))
        print(f"  {name}: median {med:.3f} s over {len(times[name])} "
              f"({', '.join(f'{t:.3f}' for t in times[name])}); "
              f"max |grad - qmlc grad| = {err:.1e}", flush=True)

    from rich.console import Console
    from rich.table import Table

    base = results[0][1]
    table = Table(title="One full-batch training step (forward + gradient), 1024 pixels, "
                        "3x8 qubits L=2 K=2, 657 params")
    for col in ("implementation", "median [s]", "repeats", "time / qmlc", "max |Δgrad|"):
        table.add_column(col, justify="left" if col == "implementation" else "right")
    for name, med, times, err in results:
        table.add_row(name, f"{med:.3f}", str(len(times)), f"{med / base:.1f}x", f"{err:.1e}")
    console = Console(width=130)
    console.print(table)
    if compile_note:
        console.print(compile_note)
    console.print(f"threads: {args.threads or 'library default'}; {os.cpu_count()} CPU cores, "
                  f"shared machine: compare ratios within this run only. "
                  f"pennylane {qml.__version__}, numpy {np.__version__}.")


if __name__ == "__main__":
    main()
