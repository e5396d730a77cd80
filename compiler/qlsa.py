"""QLSAProgram: the compiled quantum linear-system solver for a CarlemanSystem.

The stage after the block encoding: one Qiskit circuit (hierarchical: the block encoding is one
gate definition used many times), the register layout needed to read it (which qubits hold the
solution index, which must be postselected to which bit, how unpadded history indices map to
system-register values), the subnormalization α, and the algorithm's parameters.

Builders:
- :func:`build_qsvt_program` — state preparation of b/‖b‖, then real-part QSVT with the CKS
  polynomial on U_A† (:mod:`qmlc.circuits.qsvt`), optionally followed by amplitude amplification.
  The polynomial covers [1/κ', 1] with κ' = 1.02·α/σ_min(A) (QSVT acts on singular values of A/α).
- :func:`build_hhl_program` — HHL with qubitized phase estimation (:mod:`qmlc.circuits.hhl`).

Limits: explicit construction is refused with :class:`~qmlc.compiler.errors.TooLargeError` when the
circuit would be too large to simulate or write (qubits, block size or polynomial degree); the
message points to ``qmlc estimate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from qiskit import QuantumCircuit
from qiskit.circuit.library import XGate

from qmlc.circuits.gates import append_controlled, prepare_real_amplitudes
from qmlc.circuits.hhl import hhl_circuit
from qmlc.circuits.history_encoding import history_block_encoding, padded_history_layout
from qmlc.circuits.qsp_angles import inverse_angles
from qmlc.circuits.qsvt import qsvt_circuit
from qmlc.compiler.block_encoding_stage import check_circuit_size
from qmlc.compiler.errors import TooLargeError
from qmlc.compiler.stage_io import Stage, load_array, load_circuit, save_circuit

__all__ = [
    "DEFAULT_EPSILON",
    "MAX_SIM_QUBITS",
    "QLSAProgram",
    "amplify",
    "build_program",
    "build_qsvt_program",
    "check_simulable",
    "padded_rhs",
    "state_prep_circuit",
]

DEFAULT_EPSILON = 0.05
MAX_SIM_QUBITS = 18      # statevector simulation limit (seconds to minutes on one core)
MAX_DEGREE = 4001        # QSVT polynomial degree compiled explicitly


@dataclass(frozen=True, eq=False)
class QLSAProgram(Stage):
    """A compiled QLSA: circuit + layout. ``index_map[i]`` is the system-register value of
    unpadded history index i; the solution is read where ``postselect`` holds."""

    stage_name: ClassVar[str] = "qlsa"

    circuit: QuantumCircuit
    algorithm: str
    system_qubits: tuple[int, ...]
    postselect: dict[int, int]
    dimension: int
    index_map: np.ndarray
    alpha: float
    meta: dict = field(default_factory=dict)

    @property
    def num_qubits(self) -> int:
        return self.circuit.num_qubits

    def layout(self) -> dict:
        """The register layout as written next to exported QASM."""
        return {
            "system_qubits": list(self.system_qubits),
            "postselect": {str(k): int(v) for k, v in sorted(self.postselect.items())},
            "dimension": int(self.dimension),
            "num_qubits": int(self.num_qubits),
            "index_map": [int(v) for v in self.index_map],
            "algorithm": self.algorithm,
            "alpha": float(self.alpha),
            **{k: v for k, v in self.meta.items() if k in ("layout", "kappa", "degree",
                                                           "epsilon", "amplification_rounds")},
        }

    def postselected_state(self, state: np.ndarray) -> np.ndarray:
        """System amplitudes (indexed by system-register value) on the postselected branch of a
        full little-endian statevector."""
        nq = self.num_qubits
        idx = np.arange(2**nq)
        ok = np.ones(idx.size, dtype=bool)
        for q, bit in self.postselect.items():
            ok &= ((idx >> q) & 1) == bit
        sys_val = np.zeros(idx.size, dtype=np.int64)
        for pos, q in enumerate(self.system_qubits):
            sys_val |= ((idx >> q) & 1) << pos
        out = np.zeros(2 ** len(self.system_qubits), dtype=complex)
        out[sys_val[ok]] = state[ok]
        return out

    # -- stage I/O (qmlc.compiler.stage_io) ------------------------------------------------------

    def describe(self) -> dict:
        return {"algorithm": self.algorithm, "system_qubits": list(self.system_qubits),
                "postselect": {str(k): v for k, v in self.postselect.items()},
                "dimension": self.dimension, "alpha": self.alpha, "num_qubits": self.num_qubits,
                "meta": self.meta}

    def write_files(self, out_dir: Path) -> None:
        """``circuit.qpy`` and ``index_map.npy``."""
        save_circuit(out_dir / "circuit.qpy", self.circuit)
        np.save(out_dir / "index_map.npy", self.index_map)

    @classmethod
    def read_files(cls, in_dir: Path, meta: dict) -> QLSAProgram:
        return cls(circuit=load_circuit(in_dir / "circuit.qpy"), algorithm=meta["algorithm"],
                   system_qubits=tuple(meta["system_qubits"]),
                   postselect={int(k): int(v) for k, v in meta["postselect"].items()},
                   dimension=int(meta["dimension"]),
                   index_map=load_array(in_dir / "index_map.npy"), alpha=float(meta["alpha"]),
                   meta=meta["meta"])


# ---------------------------------------------------------------------------------------------
# Pieces shared by the builders


def padded_rhs(system, index_map: np.ndarray, num_system: int) -> np.ndarray:
    """b placed in the system-register layout (zeros on padding)."""
    out = np.zeros(2**num_system)
    out[index_map] = system.b
    return out


def state_prep_circuit(vector: np.ndarray, name: str = "prep") -> QuantumCircuit:
    """Real state preparation |0⟩ ↦ v/‖v‖ (binary RY tree, signs at the last level)."""
    v = np.asarray(vector, dtype=float)
    n = int(np.log2(v.size))
    qc = QuantumCircuit(n, name=name)
    prepare_real_amplitudes(qc, list(range(n)), v / np.linalg.norm(v))
    return qc


def smallest_singular_value(A: sp.spmatrix) -> float:
    """σ_min(A): dense SVD for small A, else ARPACK on AᵀA (tiny explicit instances only)."""
    if A.shape[0] <= 4096:
        return float(np.linalg.svd(A.toarray(), compute_uv=False)[-1])
    val = spla.eigsh(sp.csr_matrix(A.T @ A), k=1, sigma=0, which="LM",
                     return_eigenvectors=False)
    return float(np.sqrt(max(val[0], 0.0)))


def check_simulable(program: QLSAProgram) -> None:
    """Refuse statevector simulation beyond :data:`MAX_SIM_QUBITS` qubits."""
    if program.num_qubits > MAX_SIM_QUBITS:
        raise TooLargeError(
            f"the {program.algorithm} circuit has {program.num_qubits} qubits; statevector "
            f"simulation is limited to {MAX_SIM_QUBITS} — export it with 'qmlc compile' or use "
            "'qmlc estimate SPEC' for resource counts instead")


def _reflect_flags(qc: QuantumCircuit, postselect: dict[int, int]) -> None:
    """Phase −1 on the good subspace (all postselected qubits at their required bits)."""
    qubits = sorted(postselect)
    target, controls = qubits[-1], qubits[:-1]
    flip = [q for q in qubits if postselect[q] == 0]
    for q in flip:
        qc.x(q)
    qc.h(target)
    if controls:
        append_controlled(qc, XGate(), controls, [1] * len(controls), target)
    else:
        qc.x(target)
    qc.h(target)
    for q in flip:
        qc.x(q)


def _reflect_zero(qc: QuantumCircuit) -> None:
    """Phase −1 on |0…0⟩ of all qubits (up to a global phase −1)."""
    _reflect_flags(qc, {q: 0 for q in range(qc.num_qubits)})




def amplify(base: QuantumCircuit, postselect: dict[int, int], success: float) -> tuple:
    """Plain amplitude amplification (Brassard, Høyer, Mosca, Tapp 2002): k rounds of
    Q = A S_0 A† S_good after A, k = ⌊π/(4 asin √p) − ½⌋ from the success probability p.
    Returns (circuit, k, amplified probability sin²((2k+1) asin √p))."""
    theta = float(np.arcsin(np.sqrt(min(max(success, 1e-300), 1.0))))
    k = max(0, int(np.floor(np.pi / (4 * theta) - 0.5)))
    gate = base.to_gate()
    gate.name = base.name or "QLSA"
    gate_dg = gate.inverse()
    gate_dg.name = gate.name + "_dg"
    qc = QuantumCircuit(base.num_qubits, name=f"{gate.name}_AA{k}")
    everything = list(range(base.num_qubits))
    qc.append(gate, everything)
    for _ in range(k):
        _reflect_flags(qc, postselect)
        qc.append(gate_dg, everything)
        _reflect_zero(qc)
        qc.append(gate, everything)
    return qc, k, float(np.sin((2 * k + 1) * theta) ** 2)


# ---------------------------------------------------------------------------------------------
# QSVT


def build_qsvt_program(system, epsilon: float = DEFAULT_EPSILON,
                       amplification: bool = False) -> QLSAProgram:
    """QSVT inversion of the history system (see the module docstring)."""
    layout = padded_history_layout(system.delta, system.steps)
    check_circuit_size(system, extra_qubits=4 + int(np.ceil(np.log2(max(system.delta, 2)))),
                        what="QSVT")
    be = history_block_encoding(system.M, system.steps)
    sigma_min = smallest_singular_value(be.matrix)
    kappa = float(np.ceil(1.02 * be.alpha / sigma_min * 1000) / 1000)
    if kappa**2 * np.log(kappa / epsilon) > (MAX_DEGREE / 2) ** 2:
        raise TooLargeError(
            f"effective condition number α/σ_min = {kappa:.3g} needs a QSVT polynomial of degree "
            f"> {MAX_DEGREE} for ε = {epsilon}; use 'qmlc estimate SPEC' instead")
    poly, psi = inverse_angles(kappa, epsilon)
    index_map = layout.padded_indices()
    b_pad = padded_rhs(system, index_map, be.num_system)
    core = qsvt_circuit(be, psi)
    qc = QuantumCircuit(core.num_qubits, name="qsvt_solve")
    qc.append(state_prep_circuit(b_pad, "prep_b").to_gate(), list(range(be.num_system)))
    qc.compose(core, inplace=True, copy=False)
    postselect = {q: 0 for q in range(be.num_system, core.num_qubits)}
    # Success probability predicted by the polynomial on the singular values (tiny A only).
    A_pad = be.matrix.toarray()
    W, S, Vh = np.linalg.svd(A_pad.T / be.alpha)
    b_hat = b_pad / np.linalg.norm(b_pad)
    predicted = float(np.linalg.norm(W @ (poly(S) * (Vh @ b_hat))) ** 2)
    meta = {
        "kappa": kappa,
        "sigma_min": sigma_min,
        "epsilon": epsilon,
        "degree": poly.degree,
        "polynomial": "Childs-Kothari-Somma 2017 (Lemmas 17-19), max |P| = 1/2",
        "polynomial_scale": poly.scale,
        "block_encoding": be.structure,
        "block_encoding_ancillas": be.num_ancillas,
        "block_encoding_calls": poly.degree,
        "layout": layout.to_dict(),
        "predicted_success_probability": predicted,
        "amplification_rounds": 0,
    }
    if amplification:
        qc, rounds, amplified = amplify(qc, postselect, predicted)
        meta["amplification_rounds"] = rounds
        meta["block_encoding_calls"] = poly.degree * (2 * rounds + 1)
        meta["predicted_success_probability"] = amplified
    return QLSAProgram(circuit=qc, algorithm="qsvt", system_qubits=tuple(range(be.num_system)),
                       postselect=postselect, dimension=system.dim, index_map=index_map,
                       alpha=be.alpha, meta=meta)


# ---------------------------------------------------------------------------------------------
# HHL


DEFAULT_PHASE_BITS = 6


def build_hhl_program(system, phase_bits: int = DEFAULT_PHASE_BITS) -> QLSAProgram:
    """Truncated HHL with qubitized phase estimation (:mod:`qmlc.circuits.hhl`)."""

    layout = padded_history_layout(system.delta, system.steps)
    check_circuit_size(system, extra_qubits=5 + phase_bits
                        + int(np.ceil(np.log2(max(system.delta, 2)))), what="HHL")
    be = history_block_encoding(system.M, system.steps)
    sigma_min = smallest_singular_value(be.matrix)
    index_map = layout.padded_indices()
    b_pad = padded_rhs(system, index_map, be.num_system)
    qc, hhl_layout, info = hhl_circuit(be, phase_bits, sigma_min,
                                       state_prep_circuit(b_pad, "prep_b"))
    meta = {"sigma_min": sigma_min, "block_encoding": be.structure,
            "block_encoding_ancillas": be.num_ancillas, "layout": layout.to_dict(),
            "kappa": be.alpha / sigma_min, **info}
    return QLSAProgram(circuit=qc, algorithm="hhl", system_qubits=tuple(hhl_layout.system),
                       postselect=hhl_layout.postselect(), dimension=system.dim,
                       index_map=index_map, alpha=be.alpha, meta=meta)


def build_program(system, algorithm: str = "qsvt", **kwargs) -> QLSAProgram:
    """Compile ``system`` with ``algorithm`` ('qsvt' or 'hhl')."""
    if algorithm == "qsvt":
        return build_qsvt_program(system, **kwargs)
    if algorithm == "hhl":
        return build_hhl_program(system, **kwargs)
    raise ValueError(f"unknown QLSA algorithm {algorithm!r}; use 'qsvt' or 'hhl'")
