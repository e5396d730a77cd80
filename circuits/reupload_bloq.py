"""Qualtran bloq of one QIREN re-uploading circuit, symbolic in width, re-uploads and blocks.

The same construction as :mod:`qmlc.circuits.reupload` (Zhao et al., ICML 2024, arXiv:2406.03873;
PennyLane ``StronglyEntanglingLayers`` with a CZ or CNOT entangler): for r < L, K parameter
blocks (Rot = Rz·Ry·Rz per qubit, then q entanglers) and an encoding rotation per qubit; then K
final blocks. The call graph counts, for any (possibly sympy-symbolic) q, L, K::

    Rz: 2(L+1)Kq  (+ Lq with RZ encoding),  Ry: (L+1)Kq  (+ Lq with RY encoding),
    Rx: Lq with RX encoding,  CZ or CNOT: (L+1)Kq  (0 when q = 1)

Concrete instances also decompose into the explicit gate list (the one the Qiskit and Cirq
builders emit), so a test can check that the symbolic counts, the decomposition and the lowered
Qiskit circuit agree. Rotation angles are the symbols φ/θ/ω/h: costs do not depend on values.
"""

from __future__ import annotations

from functools import cached_property

import attrs
import sympy
from qualtran import Bloq, BloqBuilder, QBit, Register, Signature
from qualtran.bloqs.basic_gates import CNOT, CZ, Rx, Ry, Rz
from qualtran.symbolics import SymbolicFloat, SymbolicInt, is_symbolic

from qmlc.circuits.reupload import ReuploadShape

_ROTATIONS = {"rz": Rz, "ry": Ry, "rx": Rx}


@attrs.frozen
class ReuploadLayerBloq(Bloq):
    """One hybrid layer's circuit on a register of ``width`` qubits.

    ``eps`` is the synthesis precision attached to every rotation bloq (informational for
    Qualtran's costing; qmlc's T-count model is in :mod:`qmlc.estimators.qiren_estimate`).
    """

    width: SymbolicInt
    reuploads: SymbolicInt
    blocks: SymbolicInt
    entangler: str = "cz"
    encoding: str = "rz"
    eps: SymbolicFloat = 1e-10

    @cached_property
    def signature(self) -> Signature:
        return Signature([Register("q", QBit(), shape=(self.width,))])

    def _rotation(self, kind: str, name: str) -> Bloq:
        return _ROTATIONS[kind](angle=sympy.Symbol(name), eps=self.eps)

    def _entangler(self) -> Bloq:
        return CZ() if self.entangler == "cz" else CNOT()

    def build_call_graph(self, ssa) -> dict:
        q, L, K = self.width, self.reuploads, self.blocks
        rots = (L + 1) * K * q
        counts: dict[Bloq, SymbolicInt] = {}

        def add(bloq: Bloq, n: SymbolicInt) -> None:
            counts[bloq] = counts.get(bloq, 0) + n

        add(self._rotation("rz", "phi"), 2 * rots)  # φ and ω share the Rz callee
        add(self._rotation("ry", "theta"), rots)
        add(self._rotation(self.encoding, "h"), L * q)
        if is_symbolic(q) or q > 1:
            add(self._entangler(), rots)
        return counts

    def build_composite_bloq(self, bb: BloqBuilder, q) -> dict:
        if is_symbolic(self.width, self.reuploads, self.blocks):
            from qualtran import DecomposeTypeError

            raise DecomposeTypeError(f"cannot decompose symbolic {self}")
        qubits = list(q)
        shape = ReuploadShape(int(self.width), int(self.reuploads), int(self.blocks),
                              self.entangler, self.encoding)
        names = {"rz": "phi", "ry": "theta", "rx": "h"}
        for gate, idx, pname in shape.ops():
            if gate in _ROTATIONS:
                name = "h" if pname.startswith("h_") else names[gate]
                qubits[idx[0]] = bb.add(self._rotation(gate, name), q=qubits[idx[0]])
            elif gate == "cz":
                qubits[idx[0]], qubits[idx[1]] = bb.add(CZ(), q1=qubits[idx[0]],
                                                        q2=qubits[idx[1]])
            else:
                qubits[idx[0]], qubits[idx[1]] = bb.add(CNOT(), ctrl=qubits[idx[0]],
                                                        target=qubits[idx[1]])
        return {"q": qubits}
