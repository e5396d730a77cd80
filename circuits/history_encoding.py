"""The structured block encoding of a Carleman history matrix A = I − S⊗M.

Each Carleman block is padded to 2^β ≥ Δ rows (identity on
the padding), the time index t lives in its own τ-qubit register (index = t·2^β + p), and

   A/α_A = (1/α_A) I − (α_M/α_A) · (S_T ⊗ M/α_M),   α_A = 1 + α_M,

a two-term LCU on one qubit. S_T (|t⟩ ↦ |t+1⟩ for t < T, else 0) is an incrementer on the τ
time qubits plus a flag X for t ≥ T; M/α_M is the sparse encoding above on the β block qubits.
Only the SELECT parts (entry rotations, transposition MCXs, incrementer, flag) carry the LCU
control. Ancillas: 1 (LCU) + 1 (S flag) + 1 (entry flag) + m (colour register).

The sparse part is :func:`qmlc.circuits.block_encoding.append_sparse_select`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from qiskit import QuantumCircuit
from qiskit.circuit.library import XGate

from qmlc.circuits.bits import bits_for
from qmlc.circuits.block_encoding import BlockEncoding, append_sparse_select, sandwich
from qmlc.circuits.edge_coloring import colour_classes
from qmlc.circuits.gates import (
    append_controlled,
    bit_values,
    prepare_real_amplitudes,
)

__all__ = ["PaddedHistoryLayout", "history_block_encoding", "padded_history_layout",
           "padded_history_matrix"]


@dataclass(frozen=True)
class PaddedHistoryLayout:
    """Where entry (t, p) of the history vector lives: system index t·2^β + p."""

    steps: int
    block: int           # Δ
    block_bits: int      # β
    time_bits: int       # τ

    @property
    def num_system(self) -> int:
        return self.block_bits + self.time_bits

    @property
    def dimension(self) -> int:
        return (self.steps + 1) * self.block

    def padded_indices(self) -> np.ndarray:
        """System index of each unpadded history index (t·Δ + p ↦ t·2^β + p)."""
        t, p = np.divmod(np.arange(self.dimension), self.block)
        return t * 2**self.block_bits + p

    def to_dict(self) -> dict:
        return {"steps": self.steps, "block_size": self.block,
                "padded_block_size": 2**self.block_bits, "block_bits": self.block_bits,
                "time_bits": self.time_bits}


def padded_history_layout(block: int, steps: int) -> PaddedHistoryLayout:
    return PaddedHistoryLayout(steps=steps, block=block, block_bits=bits_for(block),
                         time_bits=bits_for(steps + 1))


def _pad_zero(M: sp.spmatrix, size: int) -> sp.csr_matrix:
    coo = sp.coo_matrix(M)
    return sp.csr_matrix((coo.data, (coo.row, coo.col)), shape=(size, size))


def padded_history_matrix(M: sp.spmatrix, steps: int) -> sp.csr_matrix:
    """A_pad = I − S_T ⊗ M_pad in the system-index layout (reference for tests)."""
    layout = padded_history_layout(M.shape[0], steps)
    size_b, size_t = 2**layout.block_bits, 2**layout.time_bits
    M_pad = _pad_zero(M, size_b)
    shift = sp.diags(np.r_[np.ones(steps), np.zeros(size_t - 1 - steps)], -1,
                     shape=(size_t, size_t))
    return sp.csr_matrix(sp.identity(size_b * size_t) - sp.kron(shift, M_pad))


def history_block_encoding(M: sp.spmatrix, steps: int, name: str = "u_a") -> BlockEncoding:
    """(1 + α_M, m+3, 0) encoding of A = I − S_T ⊗ M (see the module docstring)."""
    M = sp.csr_matrix(M, dtype=float)
    layout = padded_history_layout(M.shape[0], steps)
    beta, tau = layout.block_bits, layout.time_bits
    M_pad = _pad_zero(M, 2**beta)
    classes = colour_classes(M_pad)
    weights = np.array([c.weight for c in classes])
    alpha_m = float(weights.sum())
    m = bits_for(len(classes))
    n = beta + tau
    block_q = list(range(beta))
    time_q = list(range(beta, n))
    flag, flag_s, lcu = n, n + 1, n + 2
    colour = list(range(n + 3, n + 3 + m))
    alpha = 1.0 + alpha_m
    outer = QuantumCircuit(n + 3 + m)
    outer.ry(2 * np.arccos(np.sqrt(1.0 / alpha)), lcu)
    amps = np.zeros(2**m)
    amps[:len(classes)] = np.sqrt(weights / alpha_m)
    prepare_real_amplitudes(outer, colour, amps)
    tally: dict = {}

    def select(qc: QuantumCircuit, controls: list, values: list) -> None:
        ctl, val = [lcu] + controls, [1] + values
        tally.update(append_sparse_select(qc, classes, weights, block_q, colour, flag, ctl, val))
        # S_T: flag columns t >= T (their image would leave the history), then t -> t + 1.
        for t in range(steps, 2**tau):
            append_controlled(qc, XGate(), ctl + time_q, val + bit_values(t, tau), flag_s)
        for i in range(tau - 1, -1, -1):
            append_controlled(qc, XGate(), ctl + time_q[:i], val + [1] * i, time_q[i])
        # the minus sign of −S⊗M: Z on the LCU qubit (controlled on the extra controls)
        if controls:
            qc.h(lcu)
            append_controlled(qc, XGate(), controls, values, lcu)
            qc.h(lcu)
        else:
            qc.z(lcu)

    qc = sandwich(outer, select, name)
    structure = {
        "construction": "LCU of I and S_T⊗M; M by weighted-permutation sparse access",
        "alpha_M": alpha_m,
        "colours": len(classes),
        "colour_weights": weights.tolist(),
        "layout": layout.to_dict(),
        **tally,
        "incrementer_mcx": tau,
        "boundary_flag_mcx": 2**tau - steps,
    }
    return BlockEncoding(circuit=qc, alpha=alpha, num_system=n, num_ancillas=3 + m,
                         matrix=padded_history_matrix(M, steps), structure=structure,
                         outer=outer, select=select)
