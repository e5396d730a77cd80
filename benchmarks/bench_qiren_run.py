"""Inference time of the lowered QIREN program on the 32×32 coffee grid (1024 inputs, default
architecture: 3 hybrid layers × 8 qubits, L = K = 2, CZ), exact expectation values.

Rows: qmlc's Aer backend (EstimatorV2, one parameter sweep per layer), qmlc's Cirq backend
(``simulate_expectation_values_sweep``), qmlc's numpy reference, and the peer, PennyLane
``default.qubit`` with parameter broadcasting over the 1024 inputs (the released code's simulator,
no gradients). Medians over ``--repeats`` runs; ratio = peer median / row median (> 1: faster than
the peer). Run: ``python benchmarks/bench_qiren_run.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from qmlc.backends.qiren_run import run_qiren_program
from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_program import lower_qiren
from qmlc.compiler.qiren_reference import reference_forward
from qmlc.compiler.qiren_signal import grid_coords
from qmlc.compiler.qiren_weights import init_weights


def pennylane_forward(program, X):
    import pennylane as qml

    q = program.model.width
    dev = qml.device("default.qubit", wires=q)

    def make(layer):
        @qml.qnode(dev)
        def circuit(h):
            for r in range(layer.weights.shape[0]):
                qml.StronglyEntanglingLayers(layer.weights[r], wires=range(q), imprimitive=qml.CZ)
                for j in range(q):
                    qml.RZ(h[:, j], wires=j)
            qml.StronglyEntanglingLayers(layer.final, wires=range(q), imprimitive=qml.CZ)
            return [qml.expval(qml.PauliZ(j)) for j in range(q)]
        return circuit

    circuits = [make(layer) for layer in program.circuits]
    return program.evaluate(X, lambda i, h: np.stack(circuits[i](h), axis=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model = QirenModel()
    weights = init_weights(model, 0)
    program = lower_qiren(model, weights)
    X = grid_coords(32, 2)
    reference = reference_forward(model, weights, X)
    rows = {
        "qmlc aer (exact)": lambda: run_qiren_program(program, X, "aer"),
        "qmlc cirq (exact)": lambda: run_qiren_program(program, X, "cirq"),
        "qmlc numpy reference": lambda: run_qiren_program(program, X, "numpy"),
        "peer: pennylane default.qubit": lambda: pennylane_forward(program, X),
    }
    medians, errors = {}, {}
    for name, fn in rows.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        medians[name] = statistics.median(times)
        errors[name] = float(np.max(np.abs(out - reference)))
    peer = medians["peer: pennylane default.qubit"]
    print(f"QIREN inference, 1024 inputs x 3 circuits of 8 qubits, {args.repeats} repeats")
    print(f"{'backend':34s} {'median s':>10s} {'vs peer':>8s} {'max |err|':>10s}")
    for name, t in medians.items():
        print(f"{name:34s} {t:10.3f} {peer / t:8.2f} {errors[name]:10.1e}")


if __name__ == "__main__":
    main()
