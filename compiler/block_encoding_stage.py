"""The BlockEncoding stage: the explicit circuit U of a Carleman history matrix with
⟨0_anc|U|0_anc⟩ = A_pad/α (construction in :mod:`qmlc.circuits.history_encoding`).

The pass :func:`lower_to_block_encoding` takes a :class:`~qmlc.compiler.carleman.CarlemanSystem`
and refuses systems whose circuit would be too large to build explicitly (pointing to
``qmlc estimate``, which costs the same construction symbolically).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from qmlc.circuits.bits import bits_for
from qmlc.circuits.block_encoding import BlockEncoding
from qmlc.circuits.history_encoding import (
    PaddedHistoryLayout,
    history_block_encoding,
    padded_history_layout,
)
from qmlc.compiler.carleman import CarlemanSystem
from qmlc.compiler.errors import TooLargeError
from qmlc.compiler.stage_io import Stage, load_circuit, load_sparse, save_circuit, save_sparse

MAX_QUBITS = 24          # explicit circuit (export) limit
MAX_BLOCK = 64           # Carleman block size Δ compiled explicitly (colouring + oracles)


def check_circuit_size(system: CarlemanSystem, extra_qubits: int, what: str) -> None:
    """Refuse instances too large to compile explicitly or simulate."""
    layout = padded_history_layout(system.delta, system.steps)
    if system.delta > MAX_BLOCK:
        raise TooLargeError(
            f"Carleman block size Δ = {system.delta} exceeds {MAX_BLOCK} for an explicit {what} "
            "circuit; use 'qmlc estimate SPEC' for fault-tolerant resource counts instead")
    qubits = layout.num_system + extra_qubits
    if qubits > MAX_QUBITS:
        raise TooLargeError(
            f"the explicit {what} circuit needs {qubits} qubits (limit {MAX_QUBITS} for "
            "explicit export); use 'qmlc estimate SPEC' for resource counts instead")


@dataclass(frozen=True, eq=False)
class BlockEncodingStage(Stage):
    """A history matrix's block encoding with the layout of its system register."""

    stage_name: ClassVar[str] = "block-encoding"

    encoding: BlockEncoding
    layout: PaddedHistoryLayout

    def describe(self) -> dict:
        be = self.encoding
        return {"alpha": be.alpha, "num_system": be.num_system, "num_ancillas": be.num_ancillas,
                "num_qubits": be.num_qubits, "layout": self.layout.to_dict(),
                "gates": {name: int(count) for name, count in be.circuit.count_ops().items()},
                "structure": be.structure}

    def write_files(self, out_dir: Path) -> None:
        """``circuit.qpy`` (U) and ``matrix.npz`` (the padded matrix U encodes, times α)."""
        save_circuit(out_dir / "circuit.qpy", self.encoding.circuit)
        save_sparse(out_dir / "matrix.npz", self.encoding.matrix)

    @classmethod
    def read_files(cls, in_dir: Path, meta: dict) -> BlockEncodingStage:
        lay = meta["layout"]
        layout = PaddedHistoryLayout(steps=lay["steps"], block=lay["block_size"],
                                     block_bits=lay["block_bits"], time_bits=lay["time_bits"])
        encoding = BlockEncoding(circuit=load_circuit(in_dir / "circuit.qpy"),
                                 alpha=float(meta["alpha"]), num_system=int(meta["num_system"]),
                                 num_ancillas=int(meta["num_ancillas"]),
                                 matrix=load_sparse(in_dir / "matrix.npz"),
                                 structure=meta["structure"])
        return cls(encoding=encoding, layout=layout)


def lower_to_block_encoding(system: CarlemanSystem) -> BlockEncodingStage:
    """CarlemanSystem → its explicit history block encoding."""
    check_circuit_size(system, extra_qubits=3 + bits_for(system.delta), what="block-encoding")
    return BlockEncodingStage(encoding=history_block_encoding(system.M, system.steps),
                              layout=padded_history_layout(system.delta, system.steps))


__all__ = ["MAX_BLOCK", "MAX_QUBITS", "BlockEncodingStage", "check_circuit_size",
           "lower_to_block_encoding"]
