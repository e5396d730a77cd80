"""Gate counts of the explicit block-encoding circuits, for comparison with the Qualtran bloqs."""

from __future__ import annotations

from qiskit import transpile

from qmlc.circuits.block_encoding import sparse_block_encoding
from qmlc.circuits.history_encoding import history_block_encoding


def block_encoding_gate_counts(A) -> dict:
    """Counts of the explicit block-encoding circuit of ``A``.

    ``A`` is a sparse/dense square matrix (generic encoding) or a CarlemanSystem (history
    encoding). Returned: the high-level counts by gate type and number of controls
    (e.g. ``"mcx_5"``, ``"mcry_9"``), the structure summary, and the counts after Qiskit's
    ``transpile(basis_gates=["cx", "u"], optimization_level=0)`` (multi-controlled gates
    decomposed by Qiskit's default synthesis, ancilla-free).
    """


    if hasattr(A, "M") and hasattr(A, "steps"):
        be = history_block_encoding(A.M, A.steps)
    else:
        be = sparse_block_encoding(A)
    high: dict[str, int] = {}
    for inst in be.circuit.data:
        op = inst.operation
        if getattr(op, "num_ctrl_qubits", 0):
            key = f"mc{op.base_gate.name}_{op.num_ctrl_qubits}"
        else:
            key = op.name
        high[key] = high.get(key, 0) + 1
    low = transpile(be.circuit, basis_gates=["cx", "u"], optimization_level=0).count_ops()
    return {"alpha": be.alpha, "system_qubits": be.num_system, "ancillas": be.num_ancillas,
            "high_level": dict(sorted(high.items())), "cx_u": dict(low),
            "structure": be.structure}


__all__ = ["block_encoding_gate_counts"]
