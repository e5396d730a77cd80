"""One QIREN hybrid layer's data re-uploading circuit, as a Qiskit and as a Cirq circuit.

Construction (Zhao et al., ICML 2024, arXiv:2406.03873; released code ``qinr/modules.py``)::

    for r in 0..L-1:  StronglyEntanglingLayers(weights[r]);  R_enc(h_j) on qubit j
    StronglyEntanglingLayers(final);  measure Z on every qubit

``StronglyEntanglingLayers`` (Schuld, Bocharov, Svore, Wiebe, arXiv:1804.00633; PennyLane's
template) applies, for block k, ``Rot(φ, θ, ω) = RZ(ω) RY(θ) RZ(φ)`` on every qubit and then the
entangler on ``(j, (j + r_k) mod q)`` for j = 0..q-1, ``r_k = (k mod (q-1)) + 1``. ``Rot`` is emitted
as three gates ``rz(φ); ry(θ); rz(ω)`` so that exported QASM uses only ``stdgates.inc`` names.

Both builders name their free parameters the same way: encoded angles ``h_j``; circuit weights
``w_r_k_j_a`` (a = 0, 1, 2 for φ, θ, ω) and final weights ``f_k_j_a``. When numeric weights are
given they are bound at construction and only the ``h_j`` stay free, which is the form the
backends bind once per sample and the QASM 3 exporter turns into ``input`` parameters.
Qubit j of the model is Qiskit qubit j and Cirq ``LineQubit(j)``; ⟨Z_j⟩ is read per qubit, so
no endianness conversion is involved (tests compare both with the numpy reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ENTANGLERS = ("cz", "cnot")
ENCODINGS = ("rz", "rx", "ry")


@dataclass(frozen=True)
class ReuploadShape:
    """Width q, re-uploads L, blocks K, entangler and encoding of one re-uploading circuit.

    Shared by the lowering (Qiskit/Cirq/Qualtran circuits) and the training engine
    (:mod:`qmlc.circuits.qiren_statevector`), so both read one definition of the circuit's shape.
    """

    width: int
    reuploads: int
    blocks: int
    entangler: str = "cz"
    encoding: str = "rz"

    def __post_init__(self) -> None:
        if self.width < 1 or self.reuploads < 1 or self.blocks < 1:
            raise ValueError(f"width, reuploads and blocks must be >= 1, got {self}")
        if self.entangler not in ENTANGLERS:
            raise ValueError(f"entangler must be one of {ENTANGLERS}, got {self.entangler!r}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, got {self.encoding!r}")

    @property
    def dim(self) -> int:
        return 1 << self.width

    @property
    def weights_shape(self) -> tuple[int, int, int, int]:
        return (self.reuploads, self.blocks, self.width, 3)

    @property
    def final_shape(self) -> tuple[int, int, int]:
        return (self.blocks, self.width, 3)

    @property
    def ranges(self) -> tuple[int, ...]:
        q = self.width
        return tuple((k % (q - 1)) + 1 if q > 1 else 0 for k in range(self.blocks))

    def pairs(self, k: int) -> list[tuple[int, int]]:
        """Entangler (control, target) pairs of block k; none for one qubit."""
        q = self.width
        if q == 1:
            return []
        r = self.ranges[k]
        return [(j, (j + r) % q) for j in range(q)]

    def ops(self) -> list[tuple[str, tuple[int, ...], str]]:
        """The gate list in time order: (gate, qubits, parameter name or '')."""
        out: list[tuple[str, tuple[int, ...], str]] = []

        def blocks(prefix: str) -> None:
            for k in range(self.blocks):
                for j in range(self.width):
                    out.append(("rz", (j,), f"{prefix}_{k}_{j}_0"))
                    out.append(("ry", (j,), f"{prefix}_{k}_{j}_1"))
                    out.append(("rz", (j,), f"{prefix}_{k}_{j}_2"))
                for c, t in self.pairs(k):
                    out.append((self.entangler, (c, t), ""))

        for r in range(self.reuploads):
            blocks(f"w_{r}")
            for j in range(self.width):
                out.append((self.encoding, (j,), f"h_{j}"))
        blocks("f")
        return out


def angle_names(width: int) -> list[str]:
    return [f"h_{j}" for j in range(width)]


def weight_values(weights: np.ndarray, final: np.ndarray) -> dict[str, float]:
    """Parameter name → value for circuit weights (L, K, q, 3) and final (K, q, 3)."""
    values: dict[str, float] = {}
    for (r, k, j, a), v in np.ndenumerate(weights):
        values[f"w_{r}_{k}_{j}_{a}"] = float(v)
    for (k, j, a), v in np.ndenumerate(final):
        values[f"f_{k}_{j}_{a}"] = float(v)
    return values


def qiskit_circuit(shape: ReuploadShape, weights: np.ndarray | None = None,
                   final: np.ndarray | None = None, measure: bool = False, name: str = "reupload"):
    """The re-uploading circuit as a ``qiskit.QuantumCircuit``.

    Without ``weights``/``final`` every weight is a ``Parameter``; with them the weights are bound
    numbers and only the encoded angles ``h_j`` are free. ``measure`` appends a measurement of
    every qubit into classical bit j (for sampling).
    """
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit.circuit import Parameter

    q = shape.width
    bound = {} if weights is None else weight_values(np.asarray(weights), np.asarray(final))
    params: dict[str, Parameter] = {}

    def value(pname: str):
        if pname in bound:
            return bound[pname]
        if pname not in params:
            params[pname] = Parameter(pname)
        return params[pname]

    qreg = QuantumRegister(q, "q")
    circuit = QuantumCircuit(qreg, name=name)
    if measure:
        circuit.add_register(ClassicalRegister(q, "c"))
    for gate, qubits, pname in shape.ops():
        if gate in ("rz", "ry", "rx"):
            getattr(circuit, gate)(value(pname), qubits[0])
        elif gate == "cz":
            circuit.cz(*qubits)
        else:
            circuit.cx(*qubits)
    if measure:
        circuit.measure(range(q), range(q))
    return circuit


def qiskit_z_observables(width: int):
    """Single-qubit Z_j as ``SparsePauliOp``s (qubit j = Qiskit qubit j)."""
    from qiskit.quantum_info import SparsePauliOp

    return [SparsePauliOp.from_sparse_list([("Z", [j], 1.0)], num_qubits=width)
            for j in range(width)]


def parameter_table(circuit, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Values (B, n_params) in ``circuit.parameters`` order from name → (B,) columns."""
    names = [p.name for p in circuit.parameters]
    missing = [n for n in names if n not in columns]
    if missing:
        raise KeyError(f"no values for circuit parameters {missing[:3]}")
    return np.stack([np.asarray(columns[n], dtype=float) for n in names], axis=-1)


def cirq_circuit(shape: ReuploadShape, weights: np.ndarray | None = None,
                 final: np.ndarray | None = None, measure: bool = False):
    """The re-uploading circuit as a ``cirq.Circuit`` on ``LineQubit(0..q-1)`` with sympy symbols.

    ``measure`` appends one measurement with key ``"z"`` over qubits 0..q-1 (column j = qubit j).
    """
    import cirq
    import sympy

    qubits = cirq.LineQubit.range(shape.width)
    bound = {} if weights is None else weight_values(np.asarray(weights), np.asarray(final))
    gates = {"rz": cirq.rz, "ry": cirq.ry, "rx": cirq.rx}
    ops = []
    for gate, idx, pname in shape.ops():
        if gate in gates:
            angle = bound.get(pname, None)
            ops.append(gates[gate](sympy.Symbol(pname) if angle is None else angle)(qubits[idx[0]]))
        elif gate == "cz":
            ops.append(cirq.CZ(qubits[idx[0]], qubits[idx[1]]))
        else:
            ops.append(cirq.CNOT(qubits[idx[0]], qubits[idx[1]]))
    circuit = cirq.Circuit(ops)
    if measure:
        circuit.append(cirq.measure(*qubits, key="z"))
    return circuit


def cirq_resolvers(angles: np.ndarray, extra: dict[str, float] | None = None
                   ) -> Sequence[dict[str, float]]:
    """One parameter resolver dict per row of encoded angles (B, q)."""
    angles = np.atleast_2d(angles)
    names = angle_names(angles.shape[1])
    extra = extra or {}
    return [{**extra, **{n: float(v) for n, v in zip(names, row, strict=True)}} for row in angles]
