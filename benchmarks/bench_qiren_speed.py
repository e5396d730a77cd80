"""One full-batch QIREN training step: qmlc vs the released code's setup, with the matmul floor.

A step is the forward pass and the gradient of the MSE with respect to all 657 trainable
parameters, over all 1024 pixels of the 32x32 coffee image, for the released code's default
image architecture (3 hybrid layers x 8 qubits, L = 2, K = 2, CZ entangler, RZ encoding,
BatchNorm with batch statistics). Contenders, all timed in this run:

- qmlc ``loss_and_grad`` (:mod:`qmlc.backends.qiren_train`), complex64 (the default) and
  complex128, with one workspace reused across steps as the training loop does;
- qmlc's JAX path (:mod:`qmlc.backends.qiren_jax`, jitted value-and-grad, complex64; compile
  time excluded);
- **the QIREN authors' released setup** (github.com/GGorMM1/QIREN, ``qinr/modules.py``):
  PennyLane ``default.qubit`` with ``diff_method="backprop"`` inside a ``qml.qnn.TorchLayer``,
  ``torch.nn.Linear`` / ``BatchNorm1d`` around it, the 1024 inputs as one broadcast batch,
  torch's default float32 (complex64 states), ``loss.backward()``;
- the same PennyLane circuit under ``jax.jit(jax.value_and_grad(...))`` (x64; compile excluded);
- optionally (``--lightning``) PennyLane ``lightning.qubit`` adjoint (no broadcasting: 1024
  circuits per call; minutes per step).

The floor is what a fused adjoint step cannot avoid: 18 products (1024 x 256) @ (256 x 256)
(per hybrid layer L forward products, then per encoding one co-state product and one
fused-matrix gradient product), timed here as numpy ``cgemm`` (complex64) and ``zgemm``
(complex128) calls. qmlc multiplies complex matrices by Gauss's three real products (sgemm),
so it can run below the cgemm floor.

Fast contenders run round-robin after one untimed call each, so a shared machine's load hits
them alike; the table shows medians of wall-clock time and ratios within this run, and medians
of the process's CPU time (every contender runs on one thread at ``--threads 1``, so CPU time is
the work done, less distorted than wall time when other jobs deschedule this one). BLAS, OpenMP,
Numba, torch and XLA threads are all limited to ``--threads``. Gradients are compared with qmlc
complex128's (largest absolute deviation over all 657 entries).

Run:  python benchmarks/bench_qiren_speed.py [--repeats 7] [--peer-repeats 3] [--threads 1]
          [--no-pennylane-jax] [--no-qmlc-jax] [--lightning]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def limit_threads(n: int) -> None:
    """Limit BLAS / OpenMP / Numba / XLA threads; must run before numpy or jax is imported."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS"):
        os.environ[var] = str(n)
    if n == 1:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false"


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on Linux
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds for qmlc and the floor")
    parser.add_argument("--peer-repeats", type=int, default=3, help="rounds for the peers")
    parser.add_argument("--threads", type=int, default=1, help="threads for everyone")
    parser.add_argument("--no-pennylane-jax", action="store_true")
    parser.add_argument("--no-qmlc-jax", action="store_true")
    parser.add_argument("--lightning", action="store_true", help="also lightning.qubit adjoint")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    limit_threads(args.threads)

    import numpy as np
    import pennylane as qml
    import torch

    from qmlc.backends.qiren_train import loss_and_grad, trainable_keys
    from qmlc.circuits.qiren_statevector import Workspace
    from qmlc.compiler.qiren_model import QirenModel, layer_weights
    from qmlc.compiler.qiren_signal import image_signal
    from qmlc.compiler.qiren_weights import init_weights

    torch.set_num_threads(args.threads)
    coords, values = image_signal("coffee", 32)
    model = QirenModel()
    weights = init_weights(model, args.seed)
    keys = trainable_keys(model)
    q, n_up, k_blocks = model.width, model.reuploads, model.blocks

    def qmlc_step(dtype: str):
        ws = Workspace()

        def step():
            loss, grads, _ = loss_and_grad(model, weights, coords, values, dtype, ws)
            return loss, [grads[k] for k in keys]

        return step

    def circuit_fn(inputs, weights1, weights2):
        for r in range(n_up):
            qml.StronglyEntanglingLayers(weights1[r], wires=range(q), imprimitive=qml.CZ)
            for j in range(q):
                qml.RZ(inputs[..., j], wires=j)
        qml.StronglyEntanglingLayers(weights2, wires=range(q), imprimitive=qml.CZ)
        return [qml.expval(qml.PauliZ(j)) for j in range(q)]

    class Released(torch.nn.Module):
        """Hybridren of qinr/modules.py: (Linear -> BatchNorm1d -> TorchLayer) x 3 -> Linear."""

        def __init__(self, device: str, diff: str):
            super().__init__()
            self.linear = torch.nn.ModuleList()
            self.norm = torch.nn.ModuleList()
            self.quantum = torch.nn.ModuleList()
            for i in range(model.layers):
                self.linear.append(torch.nn.Linear(model.layer_in_dim(i), q))
                self.norm.append(torch.nn.BatchNorm1d(q))
                node = qml.QNode(circuit_fn, qml.device(device, wires=q), interface="torch",
                                 diff_method=diff)
                self.quantum.append(qml.qnn.TorchLayer(
                    node, {"weights1": (n_up, k_blocks, q, 3), "weights2": (k_blocks, q, 3)}))
            self.out = torch.nn.Linear(q, model.out_dim)
            with torch.no_grad():  # qmlc's initial weights, for the gradient comparison
                for i in range(model.layers):
                    w = layer_weights(weights, i)
                    self.linear[i].weight.copy_(torch.tensor(w["linear.weight"]))
                    self.linear[i].bias.copy_(torch.tensor(w["linear.bias"]))
                    self.quantum[i].weights1.copy_(torch.tensor(w["circuit.weights"]))
                    self.quantum[i].weights2.copy_(torch.tensor(w["circuit.final"]))
                self.out.weight.copy_(torch.tensor(weights["out.weight"]))
                self.out.bias.copy_(torch.tensor(weights["out.bias"]))

        def forward(self, x):
            for i in range(model.layers):
                x = self.quantum[i](self.norm[i](self.linear[i](x)))
                if x.shape != (len(coords), q):  # TorchLayer stacks the q expectation values first
                    x = x.T
            return self.out(x)

        def grads_in_qmlc_order(self):
            out = {}
            for i in range(model.layers):
                prefix = f"layer{i}."
                out[prefix + "linear.weight"] = self.linear[i].weight.grad
                out[prefix + "linear.bias"] = self.linear[i].bias.grad
                out[prefix + "bn.weight"] = self.norm[i].weight.grad
                out[prefix + "bn.bias"] = self.norm[i].bias.grad
                out[prefix + "circuit.weights"] = self.quantum[i].weights1.grad
                out[prefix + "circuit.final"] = self.quantum[i].weights2.grad
            out["out.weight"], out["out.bias"] = self.out.weight.grad, self.out.bias.grad
            return [out[k].detach().numpy().astype(np.float64) for k in keys]

    def torch_step(device: str, diff: str):
        net = Released(device, diff)
        x = torch.tensor(coords, dtype=torch.float32)
        y = torch.tensor(values, dtype=torch.float32)

        def step():
            net.zero_grad()
            loss = torch.mean((net(x) - y) ** 2)
            loss.backward()
            return loss.item(), net.grads_in_qmlc_order()

        return step

    rng = np.random.default_rng(args.seed)
    floors = {}
    for name, dtype in (("cgemm", np.complex64), ("zgemm", np.complex128)):
        a = (rng.random((1024, 256)) + 1j * rng.random((1024, 256))).astype(dtype)
        m = (rng.random((256, 256)) + 1j * rng.random((256, 256))).astype(dtype)
        out = np.empty_like(a)

        def floor(a=a, m=m, out=out):
            for _ in range(18):
                np.matmul(a, m, out=out)
            return None, None

        floors[name] = floor

    contenders = [("qmlc numpy, complex64 (default)", qmlc_step("complex64"), args.repeats),
                  ("qmlc numpy, complex128", qmlc_step("complex128"), args.repeats),
                  ("floor: 18 cgemm (complex64)", floors["cgemm"], args.repeats),
                  ("floor: 18 zgemm (complex128)", floors["zgemm"], args.repeats)]
    notes = []
    if not args.no_qmlc_jax:
        from qmlc.backends.qiren_jax import device_description, loss_and_grad_jax

        t = time.perf_counter()
        loss_and_grad_jax(model, weights, coords, values)
        notes.append(f"qmlc JAX path: compile + first call {time.perf_counter() - t:.1f} s "
                     f"(excluded), device {device_description()}")

        def jax_step():
            loss, grads = loss_and_grad_jax(model, weights, coords, values)
            return loss, [grads[k] for k in keys]

        contenders.append(("qmlc JAX path (jit, complex64)", jax_step, args.repeats))
    contenders.append(("released setup: TorchLayer default.qubit backprop (float32)",
                       torch_step("default.qubit", "backprop"), args.peer_repeats))
    if not args.no_pennylane_jax:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        circ = qml.QNode(circuit_fn, qml.device("default.qubit", wires=q), interface="jax",
                         diff_method="backprop")

        def jax_loss(vals):
            p = dict(zip(keys, vals, strict=True))
            x = jnp.asarray(coords)
            for i in range(model.layers):
                w = layer_weights(p, i)
                z = x @ w["linear.weight"].T + w["linear.bias"]
                mu, var = jnp.mean(z, axis=0), jnp.var(z, axis=0)
                h = (z - mu) / jnp.sqrt(var + 1e-5) * w["bn.weight"] + w["bn.bias"]
                x = jnp.stack(circ(h, w["circuit.weights"], w["circuit.final"]), axis=-1)
            return jnp.mean((x @ p["out.weight"].T + p["out.bias"] - values) ** 2)

        vg = jax.jit(jax.value_and_grad(jax_loss))
        jvals = [jnp.asarray(weights[k]) for k in keys]
        t = time.perf_counter()
        jax.block_until_ready(vg(jvals))
        notes.append(f"PennyLane under jax.jit: compile + first call {time.perf_counter() - t:.1f}"
                     " s (excluded)")

        def pl_jax_step():
            loss, g = jax.block_until_ready(vg(jvals))
            return float(loss), [np.asarray(a) for a in g]

        contenders.append(("PennyLane default.qubit backprop, jax.jit (x64)", pl_jax_step,
                           args.peer_repeats))
    if args.lightning:
        contenders.append(("PennyLane lightning.qubit adjoint (TorchLayer)",
                           torch_step("lightning.qubit", "adjoint"), 1))

    load_before = load_average()
    _, reference = qmlc_step("complex128")()
    times: dict[str, list[float]] = {name: [] for name, *_ in contenders}
    cpu: dict[str, list[float]] = {name: [] for name, *_ in contenders}
    grads_of: dict[str, list | None] = {}
    for _, fn, _ in contenders:
        fn()  # caches, tracing, first-touch memory: not timed
    for round_ in range(max(r for *_, r in contenders)):
        for name, fn, repeats in contenders:
            if round_ < repeats:
                t, c = time.perf_counter(), time.process_time()
                grads_of[name] = fn()[1]
                times[name].append(time.perf_counter() - t)
                cpu[name].append(time.process_time() - c)
    load_after = load_average()

    from rich.console import Console
    from rich.table import Table

    med = {name: statistics.median(ts) for name, ts in times.items()}
    cpu_med = {name: statistics.median(ts) for name, ts in cpu.items()}
    cfloor, ours = med["floor: 18 cgemm (complex64)"], med["qmlc numpy, complex64 (default)"]
    cpu_floor = cpu_med["floor: 18 cgemm (complex64)"]
    table = Table(title="One full-batch training step (forward + gradient of all 657 parameters), "
                        "32x32 coffee = 1024 pixels, 3 x 8 qubits, L = 2, K = 2")
    for col in ("contender", "median [s]", "rounds", "/ cgemm floor", "time / qmlc c64",
                "CPU median [s]", "CPU / floor", "max |Δgrad| vs qmlc c128"):
        table.add_column(col, justify="left" if col == "contender" else "right")
    for name, *_ in contenders:
        grads = grads_of.get(name)
        err = "-" if grads is None else f"{max(float(np.max(np.abs(np.asarray(a) - b))) for a, b in zip(grads, reference, strict=True)):.1e}"  # noqa: E501
        table.add_row(name, f"{med[name]:.4f}", str(len(times[name])),
                      f"{med[name] / cfloor:.2f}x", f"{med[name] / ours:.2f}x",
                      f"{cpu_med[name]:.4f}", f"{cpu_med[name] / cpu_floor:.2f}x", err)
    console = Console(width=170)
    console.print(table)
    for note in notes:
        console.print(note)
    console.print(f"threads {args.threads} (BLAS, OpenMP, Numba, torch, XLA); {os.cpu_count()} "
                  f"CPU cores; load average before {load_before}, after {load_after} (shared "
                  "machine: compare ratios within this run only). numpy "
                  f"{np.__version__}, torch {torch.__version__}, pennylane {qml.__version__}.")


if __name__ == "__main__":
    main()
