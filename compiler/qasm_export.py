"""OpenQASM 2 / 3 export of a QLSAProgram, with its register layout beside it.

:func:`qasm_export` gives the text and the layout: ``system_qubits`` (qubits carrying the solution
index, least-significant first), ``postselect`` (qubit index → required bit), ``dimension``
(unpadded), ``num_qubits`` and ``index_map`` (unpadded history index → system-register value; see
:class:`qmlc.circuits.history_encoding.PaddedHistoryLayout`). ``qmlc compile`` writes both.

The circuit stays hierarchical: Qiskit's exporters emit each composite instruction (the block
encoding U_A, its inverse, the state preparation, multi-controlled X) once as a ``gate``
definition and call it by name, so a degree-d QSVT costs d call lines, not d copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import qiskit.qasm2
from qiskit import QuantumCircuit
from qiskit.circuit import Gate

from qmlc.compiler.errors import UsageError
from qmlc.compiler.qasm3_writer import qasm3_text
from qmlc.compiler.qlsa import QLSAProgram
from qmlc.compiler.results import Result

__all__ = ["FORMATS", "QasmExport", "export_form", "qasm_export", "qasm_text"]

FORMATS = ("qasm2", "qasm3")


def export_form(qc: QuantumCircuit, _cache: dict | None = None) -> QuantumCircuit:
    """The same circuit with one shared definition per composite gate.

    Qiskit's exporters give every multi-controlled X with ≥ 4 controls its own uniquely named
    definition (``mcx_<id>``), once per *use*. Here each k-controlled X becomes one shared gate
    ``mcx_<k>c`` and each composite (block encoding, its inverse, state preparation) one shared
    gate whose body is converted the same way, so the file holds each definition once.
    """
    cache = {} if _cache is None else _cache
    out = qc.copy_empty_like()
    for inst in qc.data:
        op = inst.operation
        if op.name == "mcx" or (op.name.startswith("mcx") and getattr(op, "num_ctrl_qubits", 0)
                                and op.base_gate.name == "x"):
            k = op.num_ctrl_qubits
            key = ("mcx", k, int(op.ctrl_state))
            if key not in cache:
                gate = Gate(f"mcx_{k}c", k + 1, [])
                gate.definition = op.definition
                cache[key] = gate
            out.append(cache[key], inst.qubits, inst.clbits, copy=False)
        elif op.definition is not None and op.name not in _NATIVE and not op.params:
            key = ("def", id(op.definition))
            if key not in cache:
                gate = Gate(op.name, op.num_qubits, [])
                gate.definition = export_form(op.definition, cache)
                cache[key] = (gate, op.definition)  # keep the definition alive: ids stay unique
            out.append(cache[key][0], inst.qubits, inst.clbits, copy=False)
        else:
            out.append(inst)
    return out


_NATIVE = frozenset({"x", "y", "z", "h", "s", "sdg", "t", "tdg", "rx", "ry", "rz", "p", "u",
                     "cx", "cz", "ccx", "swap", "measure", "barrier"})


def qasm_text(program: QLSAProgram, fmt: str) -> str:
    """The program's circuit as OpenQASM ``fmt`` text."""
    if fmt == "qasm2":
        return qiskit.qasm2.dumps(export_form(program.circuit))
    if fmt == "qasm3":
        return qasm3_text(program.circuit)
    raise UsageError(f"format = {fmt!r} is not supported; use one of {', '.join(FORMATS)}",
                     field="format")


@dataclass(frozen=True)
class QasmExport(Result):
    """A program as OpenQASM text, with the register layout a reader needs beside it."""

    format: str
    text: str
    layout: dict
    num_qubits: int

    @property
    def gate_definitions(self) -> int:
        return self.text.count("\ngate ")


def qasm_export(program: QLSAProgram, fmt: str) -> QasmExport:
    """The program's OpenQASM ``fmt`` text and its layout (``format`` included)."""
    return QasmExport(format=fmt, text=qasm_text(program, fmt),
                      layout={**program.layout(), "format": fmt}, num_qubits=program.num_qubits)
