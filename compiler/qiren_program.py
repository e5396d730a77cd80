"""Lowering a QIREN model to a program of classical affine maps and re-uploading circuits.

Inference with QIREN alternates classical and quantum steps::

    x_0 = input coordinates
    h_i = W'_i x_i + b'_i                  (Linear with BatchNorm folded in, running statistics)
    x_{i+1} = (⟨Z_0⟩, …, ⟨Z_{q-1}⟩) of circuit_i(h_i)
    y = W_out x_N + b_out

so a :class:`QirenProgram` is exactly that list: one :class:`AffineMap` and one
:class:`ReuploadLayer` per hybrid layer, then the output map. The circuits keep their trained
weights as numbers and the encoded angles ``h_j`` as free parameters, which is the form a backend
binds once per sample. Exports:

* OpenQASM 3 (:meth:`QirenProgram.qasm3`): one program, one qubit register ``l{i}`` and one bit
  register ``c{i}`` per hybrid layer, with the angles as ``input float[64] l{i}_h_{j}``. The
  classical affine maps between layers cannot be written in OpenQASM (they act on expectation
  values estimated from many shots), so they travel in a JSON sidecar (:meth:`manifest`).
* OpenQASM 2 (:meth:`QirenProgram.qasm2`): the same program with every angle bound for one
  sample; angles of layer i > 0 are computed from the exact expectation values of layer i − 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from qmlc.circuits.reupload import ReuploadShape, cirq_circuit, qiskit_circuit
from qmlc.compiler import resources
from qmlc.compiler.errors import SpecError
from qmlc.compiler.qiren_model import (
    QirenModel,
    batchnorm_mode,
    circuit_instructions,
    layer_key,
    qiren_from_spec,
    spec_seed,
)
from qmlc.compiler.qiren_reference import circuit_expectations_reference, with_batch_statistics
from qmlc.compiler.qiren_signal import load_signal
from qmlc.compiler.qiren_weights import fold_batchnorm, validate_weights, weights_from_spec
from qmlc.compiler.spec import ModelSpec, load_npz
from qmlc.compiler.stage_io import Stage


@dataclass(frozen=True)
class AffineMap:
    """x ↦ W x + b, applied row-wise to a batch (B, n) → (B, m)."""

    weight: np.ndarray
    bias: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.atleast_2d(x) @ self.weight.T + self.bias


@dataclass(frozen=True)
class ReuploadLayer:
    """One hybrid layer's circuit with numeric weights; the encoded angles stay free."""

    shape: ReuploadShape
    weights: np.ndarray  # (L, K, q, 3)
    final: np.ndarray  # (K, q, 3)

    def qiskit(self, measure: bool = False, name: str = "reupload"):
        require_circuit(self.shape, 1)
        return qiskit_circuit(self.shape, self.weights, self.final, measure=measure, name=name)

    def cirq(self, measure: bool = False):
        require_circuit(self.shape, 1)
        return cirq_circuit(self.shape, self.weights, self.final, measure=measure)

    def expectations_reference(self, angles: np.ndarray) -> np.ndarray:
        return circuit_expectations_reference(angles, self.weights, self.final,
                                              self.shape.entangler, self.shape.encoding)


@dataclass(frozen=True)
class QirenProgram(Stage):
    """The lowered model: ``affines[i]`` then ``circuits[i]`` for each hybrid layer, then
    ``output``. Produced by :func:`lower_qiren`."""

    stage_name: ClassVar[str] = "qiren"

    model: QirenModel
    affines: tuple[AffineMap, ...]
    circuits: tuple[ReuploadLayer, ...]
    output: AffineMap
    meta: dict = field(default_factory=dict, compare=False)

    def evaluate(self, X: np.ndarray,
                 expectations: Callable[[int, np.ndarray], np.ndarray] | None = None,
                 return_angles: bool = False):
        """Run the program; ``expectations(i, angles (B, q)) -> ⟨Z⟩ (B, q)`` executes circuit i
        (default: the numpy reference)."""
        x = np.atleast_2d(np.asarray(X, dtype=float))
        angles = []
        for i, (affine, layer) in enumerate(zip(self.affines, self.circuits, strict=True)):
            h = affine(x)
            angles.append(h)
            x = (layer.expectations_reference(h) if expectations is None
                 else np.asarray(expectations(i, h), dtype=float))
        y = self.output(x)
        return (y, angles) if return_angles else y

    # -- OpenQASM --------------------------------------------------------------------------

    def qiskit_program(self, measure: bool = True, bind: list[np.ndarray] | None = None):
        """All layers in one ``QuantumCircuit``: register ``l{i}`` for layer i, inputs
        ``l{i}_h_{j}``; ``bind`` (one (q,) angle vector per layer) binds them to numbers."""
        from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
        from qiskit.circuit import Parameter

        require_circuit(self.model.circuit, self.model.layers)
        q = self.model.width
        regs = [QuantumRegister(q, f"l{i}") for i in range(self.model.layers)]
        circuit = QuantumCircuit(*regs, name="qiren")
        cregs = []
        if measure:
            cregs = [ClassicalRegister(q, f"c{i}") for i in range(self.model.layers)]
            for creg in cregs:
                circuit.add_register(creg)
        for i, layer in enumerate(self.circuits):
            sub = layer.qiskit()
            if bind is None:
                mapping = {p: Parameter(f"l{i}_{p.name}") for p in sub.parameters}
            else:
                mapping = {p: float(bind[i][int(p.name.split("_")[1])]) for p in sub.parameters}
            sub = sub.assign_parameters(mapping)
            circuit.compose(sub, qubits=regs[i], inplace=True)
        if measure:
            for reg, creg in zip(regs, cregs, strict=True):
                circuit.measure(reg, creg)
        return circuit

    def qasm3(self) -> str:
        """OpenQASM 3 with the encoded angles as ``input float[64] l{i}_h_{j}``."""
        from qiskit import qasm3

        header = ("// QIREN program lowered by qmlc: layer i acts on register l{i}; set inputs\n"
                  "// l{i}_h_j = (W'_i x_i + b'_i)_j with x_{i+1} = <Z> of register l{i}\n"
                  "// (affine maps in the JSON sidecar, BatchNorm folded).\n")
        return header + qasm3.dumps(self.qiskit_program(measure=True))

    def qasm2(self, x: np.ndarray) -> str:
        """OpenQASM 2 for one input x (in_dim,): every angle bound; angles of layer i > 0 come
        from the exact ⟨Z⟩ of layer i − 1 (numpy reference)."""
        from qiskit import qasm2

        _, angles = self.evaluate(np.atleast_2d(x), return_angles=True)
        text = qasm2.dumps(self.qiskit_program(measure=True, bind=[a[0] for a in angles]))
        lines = text.splitlines()
        comment = (f"// QIREN program lowered by qmlc, angles bound for input "
                   f"x = {np.asarray(x, dtype=float).tolist()}")
        return "\n".join(lines[:2] + [comment] + lines[2:]) + "\n"

    def manifest(self) -> dict:
        """JSON-ready description: architecture, affine maps and circuit layout."""
        m = self.model
        return {
            "kind": "qiren-program",
            "model": {k: getattr(m, k) for k in ("in_dim", "width", "layers", "reuploads",
                                                 "blocks", "entangler", "encoding", "out_dim")},
            "layers": [
                {"register": f"l{i}", "bits": f"c{i}",
                 "inputs": [f"l{i}_h_{j}" for j in range(m.width)],
                 "affine": {"weight": a.weight.tolist(), "bias": a.bias.tolist()},
                 "observables": [f"Z_{j}" for j in range(m.width)]}
                for i, a in enumerate(self.affines)
            ],
            "output": {"weight": self.output.weight.tolist(), "bias": self.output.bias.tolist()},
            "batchnorm": "folded into the affine maps: W' = diag(g/sqrt(var+eps)) W, "
                         "b' = g (b - mean)/sqrt(var+eps) + beta, eps = 1e-5",
        }

    # -- stage I/O (qmlc.compiler.stage_io) ----------------------------------------------------

    def describe(self) -> dict:
        meta = self.manifest()
        return {"kind": meta["kind"], "model": meta["model"]}

    def write_files(self, out_dir: Path) -> None:
        """``program.npz``: the affine maps and the circuit weights."""
        arrays = {"output.weight": self.output.weight, "output.bias": self.output.bias}
        for i, (a, c) in enumerate(zip(self.affines, self.circuits, strict=True)):
            arrays[f"affine{i}.weight"] = a.weight
            arrays[f"affine{i}.bias"] = a.bias
            arrays[f"circuit{i}.weights"] = c.weights
            arrays[f"circuit{i}.final"] = c.final
        np.savez(out_dir / "program.npz", **arrays)

    @classmethod
    def read_files(cls, in_dir: Path, meta: dict) -> QirenProgram:
        model = QirenModel(**meta["model"])
        arrays = load_npz(in_dir / "program.npz", str(in_dir))
        shape = model.circuit
        return cls(
            model=model,
            affines=tuple(AffineMap(arrays[f"affine{i}.weight"], arrays[f"affine{i}.bias"])
                          for i in range(model.layers)),
            circuits=tuple(ReuploadLayer(shape, arrays[f"circuit{i}.weights"],
                                         arrays[f"circuit{i}.final"])
                           for i in range(model.layers)),
            output=AffineMap(arrays["output.weight"], arrays["output.bias"]),
        )


# Building a Qiskit circuit costs ~4 KB per instruction (peak RSS measured with ru_maxrss on a
# 50-qubit, L = K = 20 layer: 85,000 instructions, 4.1 KB each with its depth computed).
CIRCUIT_BYTES_PER_INSTRUCTION = 4096


def require_circuit(shape: ReuploadShape, layers: int) -> None:
    """Pre-flight check before building ``layers`` re-uploading circuits as Qiskit/Cirq
    objects (:mod:`qmlc.compiler.resources`)."""
    q, L, K = shape.width, shape.reuploads, shape.blocks
    instructions = layers * circuit_instructions(q, L, K)
    resources.require(resources.Requirement(
        f"building {layers} re-uploading circuit(s) of {instructions:,} instructions",
        instructions * CIRCUIT_BYTES_PER_INSTRUCTION, "~4 KB per Qiskit instruction (measured)"),
        f"QIREN circuits (width {q}, reuploads {L}, blocks {K})")


def lower_qiren(model: QirenModel, weights: dict[str, np.ndarray]) -> QirenProgram:
    """Fold each BatchNorm into its Linear and attach the numeric circuit weights."""
    weights = validate_weights(weights, model)
    shape = model.circuit
    affines, circuits = [], []
    for i in range(model.layers):
        affines.append(AffineMap(*fold_batchnorm(weights, i)))
        circuits.append(ReuploadLayer(shape, weights[layer_key(i, "circuit.weights")],
                                      weights[layer_key(i, "circuit.final")]))
    return QirenProgram(model, tuple(affines), tuple(circuits),
                        AffineMap(weights["out.weight"], weights["out.bias"]))


@dataclass(frozen=True)
class LoweredQiren:
    """A QIREN spec lowered: the model, the weights it was lowered with, and the program."""

    model: QirenModel
    weights: dict
    program: QirenProgram
    weights_source: str


def lower_qiren_spec(spec: ModelSpec, weights_path: str | Path | None = None) -> LoweredQiren:
    """Spec (and optional weights file overriding the spec's) → :class:`LoweredQiren`, with
    BatchNorm folded as ``[lowering] batchnorm`` says."""
    model = qiren_from_spec(spec)
    weights = weights_from_spec(spec, model, None if weights_path is None else str(weights_path))
    if batchnorm_mode(spec) == "signal":
        signal = load_signal(spec)
        if signal is None:
            raise SpecError(f"{spec.where('lowering.batchnorm')} is 'signal' but the spec has no "
                            "[signal]; add one or use 'running'")
        weights = with_batch_statistics(model, weights, signal[0])
    return LoweredQiren(model, weights, lower_qiren(model, weights),
                        weights_source(spec, weights_path))


def weights_source(spec: ModelSpec, weights_path: str | Path | None = None) -> str:
    """Where a spec's weights come from, in words."""
    if weights_path:
        return str(weights_path)
    if spec.model.weights is not None:
        return str(spec.base_dir / spec.model.weights)
    return f"seeded initialization (seed {spec_seed(spec)}), untrained"
