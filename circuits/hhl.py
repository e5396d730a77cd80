"""HHL with phase estimation on a qubitized walk — the "truncated HHL" variant.

Harrow, Hassidim, Lloyd, PRL 103, 150502 (2009), with the phase estimation run on the
qubitization walk of a block encoding instead of on e^{iHt} (Low & Chuang, Quantum 3, 163
(2019); Babbush et al., PRX 8, 041015 (2018)), so no Hamiltonian-simulation circuit is needed.

1. Hermitian dilation: H = [[0, A], [A†, 0]] on one extra qubit h. From the block encoding
   U_A of A/α, U_H = X_h · (|1⟩⟨1|_h ⊗ U_A + |0⟩⟨0|_h ⊗ U_A†) is a Hermitian unitary with
   ⟨0_anc|U_H|0_anc⟩ = H/α. Then H⁻¹ [b; 0] = [0; A⁻¹ b]: start in h = 0, read h = 1.
2. Walk W = (2Π − 1)·U_H. On each eigenvector |λ⟩ of H, |0_anc⟩|λ⟩ splits into two W
   eigenvectors with eigenphases ±θ, cos θ = λ/α, so either estimate gives λ = α cos θ.
3. Phase estimation with p qubits (controlled W^{2^k}, inverse QFT); then a rotation of a flag
   qubit r by sin(φ_j/2) = C/λ̃_j for every phase value j with |λ̃_j| ≥ λ_cut, and no rotation
   below the cut: the eigenvalue *truncation* that Liu et al. (arXiv:2303.03428) call truncated
   HHL. Here λ_cut = C = σ_min(A)/2. Then uncompute the phase estimation.
4. Postselect: block-encoding ancillas 0, phase register 0, h = 1, r = 1.

Controlled W is cheap: U_A = outer† · SELECT · outer, and only SELECT (plus X_h and the
reflection) needs the phase-qubit control, because outer and outer† cancel otherwise. The block
encoding is called 2·(2^p − 1) times in total (phase estimation and its inverse).
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit.library import QFTGate, RYGate

from qmlc.circuits.block_encoding import BlockEncoding
from qmlc.circuits.gates import append_controlled, bit_values, cancel_adjacent_x, mcx_gate

__all__ = ["HHLLayout", "controlled_walk", "hhl_circuit"]


class HHLLayout:
    """Qubit indices: block encoding 0..nbe−1, then h, the p phase qubits, the flag r."""

    def __init__(self, be: BlockEncoding, phase_bits: int):
        self.nbe = be.num_qubits
        self.system = list(range(be.num_system))
        self.ancillas = list(range(be.num_system, self.nbe))
        self.h = self.nbe
        self.phase = list(range(self.nbe + 1, self.nbe + 1 + phase_bits))
        self.flag = self.nbe + 1 + phase_bits
        self.num_qubits = self.flag + 1

    def postselect(self) -> dict[int, int]:
        out = {q: 0 for q in self.ancillas + self.phase}
        out[self.h] = 1
        out[self.flag] = 1
        return out


def controlled_walk(be: BlockEncoding, layout: HHLLayout, control: int) -> QuantumCircuit:
    """W = (2Π − 1)·X_h·(|1⟩⟨1|_h ⊗ U_A + |0⟩⟨0|_h ⊗ U_A†), controlled on ``control``."""
    qc = QuantumCircuit(layout.num_qubits, name="c_walk")
    qc.compose(be.outer, qubits=list(range(layout.nbe)), inplace=True)
    be.controlled_select(qc, [layout.h, control], [1, 1])
    inverse_part = QuantumCircuit(layout.num_qubits)
    be.controlled_select(inverse_part, [layout.h, control], [0, 1])
    qc.compose(inverse_part.inverse(), inplace=True)
    qc.compose(be.outer.inverse(), qubits=list(range(layout.nbe)), inplace=True)
    qc.cx(control, layout.h)
    # 2Π − 1 = −(1 − 2Π): phase −1 on "all ancillas 0", then −1 overall (Z on the control).
    anc = layout.ancillas
    for a in anc:
        qc.x(a)
    qc.h(anc[-1])
    qc.append(mcx_gate(len(anc)), [control] + anc[:-1] + [anc[-1]])
    qc.h(anc[-1])
    for a in anc:
        qc.x(a)
    qc.z(control)
    return cancel_adjacent_x(qc)


def hhl_circuit(be: BlockEncoding, phase_bits: int, sigma_min: float,
                prep: QuantumCircuit) -> tuple[QuantumCircuit, HHLLayout, dict]:
    """The full HHL circuit (state preparation ``prep`` on the system qubits included)."""
    layout = HHLLayout(be, phase_bits)
    qpe = QuantumCircuit(layout.num_qubits, name="qpe_walk")
    for q in layout.phase:
        qpe.h(q)
    walks = {}
    for k, q in enumerate(layout.phase):
        if q not in walks:
            gate = controlled_walk(be, layout, q).to_gate()
            gate.name = f"c_walk_{k}"
            walks[q] = gate
        for _ in range(2**k):
            qpe.append(walks[q], list(range(layout.num_qubits)), copy=False)
    qpe.append(QFTGate(phase_bits).inverse(), layout.phase)
    qpe_gate = qpe.to_gate()
    qpe_dg = qpe_gate.inverse()
    qpe_dg.name = "qpe_walk_dg"

    cut = sigma_min / 2
    rotation = QuantumCircuit(layout.num_qubits, name="inv_rotation")
    rotated = 0
    for j in range(2**phase_bits):
        lam = be.alpha * np.cos(2 * np.pi * j / 2**phase_bits)
        if abs(lam) < cut:
            continue  # truncated: eigenvalues below the cut are dropped
        theta = 2 * np.arcsin(np.clip(cut / lam, -1.0, 1.0))
        append_controlled(rotation, RYGate(float(theta)), layout.phase, bit_values(j, phase_bits),
                          layout.flag)
        rotated += 1

    qc = QuantumCircuit(layout.num_qubits, name="hhl_solve")
    qc.append(prep.to_gate(), layout.system)
    qc.append(qpe_gate, list(range(layout.num_qubits)))
    qc.append(rotation.to_gate(), list(range(layout.num_qubits)))
    qc.append(qpe_dg, list(range(layout.num_qubits)))
    info = {"phase_bits": phase_bits, "cutoff": cut, "rotation_constant": cut,
            "rotated_phase_values": rotated,
            "block_encoding_calls": 2 * (2**phase_bits - 1),
            "dilation": "H = [[0, A], [A^T, 0]] on one extra qubit"}
    return qc, layout, info
