"""QSVT sequences: alternating U and U† with projector-controlled phases.

Circuit (Gilyén, Su, Low, Wiebe, STOC 2019, arXiv:1806.01838, Fig. 1 / Cor. 18; Martyn, Rossi,
Tan, Chuang, PRX Quantum 2 (2021), arXiv:2105.02859, Fig. 11). For a block encoding V of
B = ⟨0^a|V|0^a⟩ and odd degree d with reflection-convention phases ψ_0..ψ_d:

    U_ψ = e^{iψ_0 (2Π−1)} V e^{iψ_1 (2Π−1)} V† e^{iψ_2 (2Π−1)} V ⋯ V e^{iψ_d (2Π−1)},

Π = |0^a⟩⟨0^a|, so ⟨0^a|U_ψ|0^a⟩ = P^{(SV)}(B) (GSLW Thm. 17; P = ⟨0|∏ e^{iψZ} R(x)|0⟩ in the
2×2 picture of :mod:`qmlc.circuits.qsp_angles`). Each projector-controlled phase e^{iψ(2Π−1)} is
"flip the QSVT qubit q if all a ancillas are 0, RZ(2ψ) on q, flip back". Starting q in |+⟩ and
projecting it on |+⟩ at the end (H before and after) gives ½(U_ψ + U_{−ψ}) = Re P^{(SV)}(B),
because every gate of V is real. So a is grown by one qubit.

For matrix inversion we run QSVT on V = U_A† (a block encoding of A†/α): P^{(SV)}(A†/α) maps
the left singular vectors w_k of A to P(σ_k/α) v_k, i.e. it applies ≈ (scale·α) A^{−1}.

V and V† are single gate instructions (the circuit stays hierarchical: one definition of U_A,
d uses), so QASM export keeps one ``gate`` definition and Cirq keeps one decomposition.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit

from qmlc.circuits.block_encoding import BlockEncoding
from qmlc.circuits.gates import cancel_adjacent_x, mcx_gate

__all__ = ["append_projector_phase", "qsvt_circuit"]


def append_projector_phase(qc: QuantumCircuit, ancillas: list[int], qsvt_qubit: int,
                           psi: float) -> None:
    """e^{iψ(2Π−1)} on the q=0 branch (e^{−iψ(2Π−1)} on q=1), Π = all ``ancillas`` zero."""
    for a in ancillas:
        qc.x(a)
    qc.append(mcx_gate(len(ancillas)), list(ancillas) + [qsvt_qubit])
    qc.rz(2 * psi, qsvt_qubit)
    qc.append(mcx_gate(len(ancillas)), list(ancillas) + [qsvt_qubit])
    for a in ancillas:
        qc.x(a)


def qsvt_circuit(be: BlockEncoding, psi: np.ndarray, adjoint_signal: bool = True,
                 name: str = "QSVT") -> QuantumCircuit:
    """The real-part QSVT circuit on the block encoding's qubits plus one QSVT qubit (last).

    ``adjoint_signal=True`` uses V = U† (polynomial of B†, for inversion); ``False`` uses V = U.
    Postselect all block-encoding ancillas and the QSVT qubit on 0.
    """
    psi = np.asarray(psi, dtype=float)
    d = psi.size - 1
    if d % 2 != 1:
        raise ValueError(f"inversion needs an odd polynomial, got degree {d}")
    gate = be.circuit.to_gate()
    gate.name = be.circuit.name or "u_a"
    gate_dg = gate.inverse()
    gate_dg.name = gate.name + "_dg"
    signal, signal_dg = (gate_dg, gate) if adjoint_signal else (gate, gate_dg)
    n_be = be.num_qubits
    q = n_be
    ancillas = list(range(be.num_system, n_be))
    qc = QuantumCircuit(n_be + 1, name=name)
    qc.h(q)
    append_projector_phase(qc, ancillas, q, float(psi[d]))
    for k in range(1, d + 1):
        qc.append(signal if k % 2 == 1 else signal_dg, list(range(n_be)), copy=False)
        append_projector_phase(qc, ancillas, q, float(psi[d - k]))
    qc.h(q)
    return cancel_adjacent_x(qc)
