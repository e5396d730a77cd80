"""OpenQASM 2 / 3 export of a QLSAProgram, with its register layout beside it.

``export_qasm(program, "out/x.qasm", "qasm3")`` writes ``out/x.qasm`` and ``out/x.json``; the
JSON holds ``system_qubits`` (qubits carrying the solution index, least-significant first),
``postselect`` (qubit index → required bit), ``dimension`` (unpadded), ``num_qubits`` and
``index_map`` (unpadded history index → system-register value; see
:class:`circuits.block_encoding.HistoryLayout`). Both files are written to temporary names and
renamed only when both succeeded, so a failure leaves no partial output.

The circuit stays hierarchical: Qiskit's exporters emit each composite instruction (the block
encoding U_A, its inverse, the state preparation, multi-controlled X) once as a ``gate``
definition and call it by name, so a degree-d QSVT costs d call lines, not d copies.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import qiskit.qasm2
import qiskit.qasm3
from qiskit import QuantumCircuit
from qiskit.circuit import Gate

from compiler.errors import QmlcError, UsageError
from compiler.qlsa import QLSAProgram

__all__ = ["FORMATS", "export_form", "export_qasm", "qasm_text"]

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
    circuit = export_form(program.circuit)
    if fmt == "qasm2":
        return qiskit.qasm2.dumps(circuit)
    if fmt == "qasm3":
        return qiskit.qasm3.dumps(circuit)
    raise UsageError(f"--format {fmt!r} is not supported; use one of {', '.join(FORMATS)}")


def export_qasm(program: QLSAProgram, path: str | Path, fmt: str) -> dict:
    """Write ``path`` (QASM) and ``path`` with suffix ``.json`` (layout); return a summary."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"-o {path} is a directory; give a file name such as {path}/out.qasm")
    text = qasm_text(program, fmt)
    layout = {**program.layout(), "format": fmt}
    layout_path = path.with_suffix(".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    temps = []
    try:
        for target, content in ((path, text),
                                (layout_path, json.dumps(layout, indent=2) + "\n")):
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            with os.fdopen(fd, "w") as handle:
                handle.write(content)
            os.chmod(tmp, 0o644)
            temps.append((tmp, target))
        for tmp, target in temps:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        raise QmlcError(f"-o {path}: cannot write ({exc}); check the directory") from None
    return {"qasm": str(path), "layout": str(layout_path), "format": fmt,
            "bytes": len(text.encode()), "gate_definitions": text.count("\ngate "),
            "num_qubits": program.num_qubits}
