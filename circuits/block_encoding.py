"""Sparse-access block encodings as explicit gate-level circuits.

Construction ("weighted-permutation LCU", the sparse-access encoding of Gilyén, Su, Low, Wiebe,
STOC 2019 / arXiv:1806.01838, Lemma 48, in the column-oracle form of Lin Lin's lecture notes,
arXiv:2201.08309, §6.5):

1. **Colouring.** The nonzero pattern of a real matrix B (2^n × 2^n) is a bipartite graph (rows
   vs columns). König's theorem gives an edge colouring with s = max(row, column) degree colours;
   each colour class ℓ is a matching, extended to a permutation π_ℓ of all 2^n indices. Hence

       B = Σ_ℓ P_ℓ D_ℓ,   (P_ℓ)_{π_ℓ(j), j} = 1,   D_ℓ = diag(B[π_ℓ(j), j])  (0 if unmatched).

2. **Oracles.** With w_ℓ = max_j |D_ℓ(j)| and α = Σ_ℓ w_ℓ:
   - PREP on an m = ⌈log₂ s⌉-qubit colour register: |0⟩ ↦ Σ_ℓ √(w_ℓ/α) |ℓ⟩ (a binary tree of
     2^m − 1 (multi-)controlled RY gates);
   - entry oracle O_A: |0⟩_f|ℓ⟩|j⟩ ↦ (D_ℓ(j)/w_ℓ |0⟩ + √(1 − ·²) |1⟩)|ℓ⟩|j⟩, one RY(π) per
     colour ("zero unless stored") plus one (m+n)-controlled RY per stored entry whose angle
     differs from the colour's default — signs are exact because cos(θ/2) ranges over [−1, 1];
   - column-index oracle O_C = SELECT_ℓ P_ℓ: |ℓ⟩|j⟩ ↦ |ℓ⟩|π_ℓ(j)⟩, each permutation written as
     transpositions of basis states; a transposition costs one (m+n−1)-controlled X conjugated
     by ≤ n−1 CNOTs (the CNOTs need no control because they cancel when the MCX is idle).

   U = PREP† · O_C · O_A · PREP gives ⟨0_f 0^m| U |0_f 0^m⟩ = B/α exactly (one call to each oracle
   per use of U; U† costs the same). α = Σ_ℓ w_ℓ ≤ s·‖B‖_max, the bound of Lemma 48, and is
   tighter when the colour classes carry entries of different size — so the entries are
   coloured in order of decreasing magnitude, which groups the large ones into few colours.

The structured encoding of Carleman history matrices is in :mod:`qmlc.circuits.history_encoding`.

No dense unitary of the dilation is ever formed: every gate is an X, H, Z, CX, RY or a
multi-controlled X/RY/Z with explicit control values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from qiskit import QuantumCircuit
from qiskit.circuit.library import RYGate

from qmlc.circuits.bits import bits_for
from qmlc.circuits.edge_coloring import ColourClass, colour_classes
from qmlc.circuits.gates import (
    append_controlled,
    append_transposition,
    bit_values,
    cancel_adjacent_x,
    permutation_transpositions,
    prepare_real_amplitudes,
)

__all__ = ["BlockEncoding", "append_sparse_select", "pad_square", "sandwich",
           "sparse_block_encoding"]


@dataclass(frozen=True, eq=False)
class BlockEncoding:
    """A unitary circuit U with ⟨0_anc|U|0_anc⟩ = B_pad/α on the system qubits.

    Qubits 0..num_system−1 hold the system index (little-endian, Qiskit's order); the ancillas
    follow. ``matrix`` is the padded matrix B_pad that the block equals α times.
    """

    circuit: QuantumCircuit
    alpha: float
    num_system: int
    num_ancillas: int
    matrix: sp.csr_matrix
    structure: dict = field(default_factory=dict)
    outer: QuantumCircuit | None = None
    select: Callable[[QuantumCircuit, list, list], None] | None = None

    @property
    def num_qubits(self) -> int:
        return self.num_system + self.num_ancillas

    def controlled_select(self, qc: QuantumCircuit, controls: list[int],
                          values: list[int]) -> None:
        """Append the SELECT part of U = outer† · SELECT · outer to ``qc`` (block-encoding
        qubits at 0..num_qubits−1), with extra ``controls`` at ``values``. Controlling U needs
        only this: outer and outer† cancel when SELECT is idle."""
        if self.select is None:
            raise ValueError("this block encoding exposes no SELECT part")
        self.select(qc, list(controls), list(values))


def pad_square(B: sp.spmatrix) -> tuple[sp.csr_matrix, int]:
    """B padded with an identity block to 2^n × 2^n (n ≥ 1)."""
    rows, cols = B.shape
    if rows != cols:
        raise ValueError(f"block encoding needs a square matrix, got {B.shape}")
    n = bits_for(rows)
    size = 2**n
    if size == rows:
        return sp.csr_matrix(B, dtype=float), n
    pad = sp.identity(size - rows, format="csr")
    return sp.csr_matrix(sp.block_diag([B, pad], format="csr"), dtype=float), n


def append_sparse_select(qc: QuantumCircuit, classes: list[ColourClass], weights: np.ndarray,
                          sys: list[int], colour: list[int], flag: int, controls: list[int],
                          values: list[int]) -> dict:
    """O_C · O_A for the colour classes (both optionally controlled); returns gate tallies."""
    m = len(colour)
    rotations = transpositions = 0
    for k, cls in enumerate(classes):
        if weights[k] == 0:
            continue
        cvals = bit_values(k, m)
        ratio = np.clip(cls.values / weights[k], -1.0, 1.0)
        angles = 2 * np.arccos(ratio)
        # Default angle of this colour = the most common one (π: unstored, 0: stored w_ℓ).
        uniq, counts = np.unique(np.round(angles, 12), return_counts=True)
        default = float(uniq[np.argmax(counts)])
        if abs(default) > 1e-12:
            append_controlled(qc, RYGate(default), controls + colour, values + cvals, flag)
            rotations += 1
        for j in np.flatnonzero(np.abs(angles - default) > 1e-12):
            append_controlled(qc, RYGate(float(angles[j] - default)), controls + colour + sys,
                values + cvals + bit_values(int(j), len(sys)), flag)
            rotations += 1
    for k, cls in enumerate(classes):
        if weights[k] == 0:
            continue
        for a, b in permutation_transpositions(cls.perm):
            append_transposition(qc, sys, a, b, controls + colour, values + bit_values(k, m))
            transpositions += 1
    return {"entry_rotations": rotations, "transpositions": transpositions}


def sandwich(outer: QuantumCircuit, select: Callable[[QuantumCircuit, list, list], None],
             name: str) -> QuantumCircuit:
    """U = outer† · SELECT · outer on outer's qubits, with adjacent X pairs cancelled."""
    qc = QuantumCircuit(outer.num_qubits, name=name)
    qc.compose(outer, inplace=True)
    select(qc, [], [])
    qc.compose(outer.inverse(), inplace=True)
    return cancel_adjacent_x(qc)


def sparse_block_encoding(B: sp.spmatrix | np.ndarray, name: str = "u_a") -> BlockEncoding:
    """(α, m+1, 0) block encoding of a real square matrix, padded with identity to 2^n."""
    B = sp.csr_matrix(B, dtype=float)
    if np.iscomplexobj(B.data):
        raise ValueError("only real matrices are supported")
    padded, n = pad_square(B)
    classes = colour_classes(padded)
    weights = np.array([c.weight for c in classes])
    alpha = float(weights.sum())
    m = bits_for(len(classes))
    sys = list(range(n))
    flag = n
    colour = list(range(n + 1, n + 1 + m))
    outer = QuantumCircuit(n + 1 + m)
    amps = np.zeros(2**m)
    amps[:len(classes)] = np.sqrt(weights / alpha)
    prepare_real_amplitudes(outer, colour, amps)
    tally: dict = {}

    def select(qc: QuantumCircuit, controls: list, values: list) -> None:
        tally.update(append_sparse_select(qc, classes, weights, sys, colour, flag, controls,
                                           values))

    qc = sandwich(outer, select, name)
    structure = {
        "construction": "weighted-permutation sparse access (GSLW Lemma 48 / Lin §6.5)",
        "colours": len(classes),
        "colour_weights": weights.tolist(),
        "prep_calls": 2,
        "entry_oracle_calls": 1,
        "column_oracle_calls": 1,
        **tally,
    }
    return BlockEncoding(circuit=qc, alpha=alpha, num_system=n, num_ancillas=1 + m,
                         matrix=padded, structure=structure, outer=outer, select=select)
