"""OpenQASM 3 text that importers and transpilers digest cheaply: standard gates and ``ctrl @``.

Qiskit's exporter writes every multi-controlled X as a custom ``gate`` whose body is its
ancilla-free synthesis (hundreds of lines, themselves calling further custom gates). Importers
then rebuild that synthesis per call and a transpiler has to unroll it all, so a 17-qubit QSVT
file (593 KB) took 42 s and 8 GB just to load in ``qiskit.qasm3.loads``. Here a controlled
standard gate is written as what it is, a control modifier on a ``stdgates.inc`` gate
(OpenQASM 3 specification, "Quantum gate modifiers": ``ctrl(n) @ x c0, …, t;``, ``negctrl`` for
open controls), which an importer turns back into one multi-controlled gate
(``XGate().control(n)`` in Qiskit, an ``MCXGate``) that a transpiler synthesizes for its own
target, with whatever ancillas it has. Composite instructions (a block encoding, its inverse, a
state preparation) stay ``gate`` definitions, written once and called by name, so the file stays
hierarchical: a degree-d QSVT is d call lines.

:func:`qasm3_text` covers unitary gates (standard, controlled-standard, composite with a
definition), ``measure``, ``barrier`` and ``reset``; anything else is refused by name.
"""

from __future__ import annotations

import re

from qiskit import QuantumCircuit
from qiskit.circuit import ControlledGate, Instruction

from qmlc.circuits.gates import fold_x_into_controls

__all__ = ["STDGATES", "qasm3_text"]

# Qiskit instruction name -> OpenQASM 3 name (stdgates.inc, plus the built-in U).
STDGATES = {name: name for name in (
    "p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "cx", "cy", "cz",
    "cp", "crx", "cry", "crz", "ch", "swap", "ccx", "cswap", "cu", "id", "u1", "u2", "u3")}
STDGATES["u"] = "U"
_RESERVED = set(STDGATES.values()) | {
    "gate", "qubit", "bit", "measure", "reset", "barrier", "ctrl", "negctrl", "inv", "pow",
    "gphase", "input", "output", "include", "OPENQASM", "if", "else", "for", "while", "in",
    "let", "const", "def", "return", "box", "delay", "float", "int", "uint", "angle", "bool",
    "complex", "duration", "stretch", "array", "pi", "tau", "euler", "mcx", "CX", "phase",
    "cphase"}


def qasm3_text(circuit: QuantumCircuit) -> str:
    """``circuit`` as OpenQASM 3: one definition per composite gate, ``ctrl @`` for controls."""
    return _Writer().program(circuit)


class _Writer:
    def __init__(self) -> None:
        self.definitions: list[str] = []
        self.names: dict[int, str] = {}   # id(definition circuit) -> gate name
        self.keep: list = []              # definitions stay alive, so their ids stay unique
        self.taken: set[str] = set(_RESERVED)

    def program(self, circuit: QuantumCircuit) -> str:
        qubits, declarations = {}, []
        for reg in circuit.qregs:
            name = self._register_name(reg.name)
            declarations.append(f"qubit[{reg.size}] {name};")
            qubits.update({bit: f"{name}[{i}]" for i, bit in enumerate(reg)})
        clbits = {}
        for reg in circuit.cregs:
            name = self._register_name(reg.name)
            declarations.append(f"bit[{reg.size}] {name};")
            clbits.update({bit: f"{name}[{i}]" for i, bit in enumerate(reg)})
        loose = [b for b in (*circuit.qubits, *circuit.clbits) if b not in qubits and b not in clbits]
        if loose:
            raise ValueError("qasm3_text: every qubit and bit must belong to a register")
        body = self._body(circuit, qubits, clbits)
        header = ["OPENQASM 3.0;", 'include "stdgates.inc";']
        return "\n".join(header + self.definitions + declarations + body) + "\n"

    def _register_name(self, name: str) -> str:
        return self._fresh(name or "q")

    def _fresh(self, name: str) -> str:
        name = re.sub(r"\W", "_", name, flags=re.ASCII)
        if not name or not (name[0].isalpha() or name[0] == "_"):
            name = "g_" + name
        candidate, n = name, 0
        while candidate in self.taken:
            n += 1
            candidate = f"{name}_{n}"
        self.taken.add(candidate)
        return candidate

    def _body(self, circuit: QuantumCircuit, qubits: dict, clbits: dict) -> list[str]:
        circuit = fold_x_into_controls(circuit)
        lines = [f"gphase({_angle(circuit.global_phase)});"] if _nonzero(circuit.global_phase) else []
        for inst in circuit.data:
            op = inst.operation
            args = ", ".join(qubits[q] for q in inst.qubits)
            if op.name == "measure":
                lines.append(f"{clbits[inst.clbits[0]]} = measure {args};")
            elif op.name in ("barrier", "reset"):
                lines.append(f"{op.name} {args};")
            else:
                lines.append(f"{self._call(op)} {args};")
        return lines

    def _call(self, op: Instruction) -> str:
        """The callee of a gate statement: a standard gate, modifiers on one, or a definition."""
        if _standard(op):  # Qiskit names open-control variants differently (cx_o0)
            return STDGATES[op.name] + _params(op.params)
        if isinstance(op, ControlledGate) and _standard(op.base_gate):
            return _modifiers(op) + STDGATES[op.base_gate.name] + _params(op.base_gate.params)
        if op.definition is None or getattr(op, "_directive", False) or op.num_clbits:
            raise ValueError(f"qasm3_text: cannot write instruction {op.name!r} "
                             "(no definition in standard gates)")
        return self._define(op)

    def _define(self, op: Instruction) -> str:
        definition = op.definition
        key = id(definition)
        if key not in self.names:
            self.keep.append(definition)
            inner = {q: f"_q{i}" for i, q in enumerate(definition.qubits)}
            body = self._body(definition, inner, {})  # defines what the body calls, first
            name = self._fresh(op.name)
            self.names[key] = name
            params = ", ".join(inner.values())
            self.definitions.append(f"gate {name} {params} {{\n  " + "\n  ".join(body) + "\n}")
        return self.names[key]


def _standard(op: Instruction) -> bool:
    """A Qiskit standard-library gate with an OpenQASM 3 standard name (not a look-alike)."""
    return op.name in STDGATES and getattr(op, "_standard_gate", None) is not None


def _modifiers(op: ControlledGate) -> str:
    """``ctrl(n) @`` / ``negctrl(n) @`` runs, control 0 first (Qiskit: bit i of ctrl_state is
    control i; OpenQASM: the first modifier's controls are the first arguments)."""
    bits = [(op.ctrl_state >> i) & 1 for i in range(op.num_ctrl_qubits)]
    out, i = [], 0
    while i < len(bits):
        j = i
        while j < len(bits) and bits[j] == bits[i]:
            j += 1
        word = "ctrl" if bits[i] else "negctrl"
        out.append(f"{word} @ " if j - i == 1 else f"{word}({j - i}) @ ")
        i = j
    return "".join(out)


def _params(params: list) -> str:
    return f"({', '.join(_angle(p) for p in params)})" if params else ""


def _angle(value) -> str:
    try:
        return repr(float(value))
    except TypeError as exc:  # an unbound Parameter: this writer exports bound circuits only
        raise ValueError(f"qasm3_text: unbound parameter {value}") from exc


def _nonzero(phase) -> bool:
    try:
        return abs(float(phase)) > 0.0
    except TypeError:
        return True
