"""Circuits in a device's ISA, and what the device's own error figures say about running them.

:func:`isa_circuits` is the transpilation IBM documents for its primitives: a preset pass manager
(``generate_preset_pass_manager(optimization_level, backend=…)``) maps, routes and translates the
circuits to the backend's target, so every instruction is one of its basis gates on a coupled
pair (an *ISA circuit*, which the runtime requires).

:func:`isa_report` counts what matters on hardware (two-qubit gates, depth, physical qubits) and
an **estimated** success probability

    ESP = Π_gates (1 − e_gate(qubits)) · Π_measurements (1 − e_readout(qubit)),

the product of the fidelities the backend reports in its target (``InstructionProperties.error``:
gate errors from randomized benchmarking, readout assignment errors) over every instruction of
the ISA circuit: the probability that no reported error occurs, if errors strike independently.
This is the "estimated success probability" figure of merit of error-aware compilers (Nishio et
al., "Extracting success from IBM's 20-qubit machines using error-aware compilation",
arXiv:1903.10963; only the abstract was checked). It leaves out idle decoherence (T1/T2 during
waits), crosstalk and leakage, so it is an estimate, optimistic where circuits idle long. It is
kept as log10 as well, because a QLSA circuit's ESP underflows a float.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

from qmlc.compiler.results import Result

__all__ = ["DEFAULT_OPTIMIZATION_LEVEL", "ESP_MODEL", "IsaReport", "isa_circuits", "isa_qasm",
           "isa_report", "success_warning"]

DEFAULT_OPTIMIZATION_LEVEL = 1  # the level of IBM's batch-mode example (qiskit_ibm_runtime.Batch)

ESP_MODEL = ("estimate: product of the device's reported gate and readout fidelities over the "
             "ISA circuit (1 - InstructionProperties.error per instruction; ESP of Nishio et al., "
             "arXiv:1903.10963); ignores idle decoherence, crosstalk and leakage")

_NOT_GATES = frozenset({"barrier", "delay"})


@dataclass(frozen=True)
class IsaReport(Result):
    """One ISA circuit on one device (module docstring)."""

    name: str
    physical_qubits: list[int]
    two_qubit_gates: int
    depth: int
    two_qubit_depth: int
    gate_counts: dict[str, int]
    log10_estimated_success: float
    instructions_without_error_data: int
    transpile_seconds: float
    optimization_level: int

    @property
    def estimated_success(self) -> float:
        return 10.0 ** self.log10_estimated_success

    def to_dict(self) -> dict:
        return {**super().to_dict(), "estimated_success_probability": self.estimated_success,
                "estimated_success_model": ESP_MODEL}


def isa_circuits(circuits: list, backend, optimization_level: int = DEFAULT_OPTIMIZATION_LEVEL,
                 seed: int = 0) -> tuple[list, float]:
    """``circuits`` transpiled to ``backend``'s target, and the seconds it took."""
    from qiskit.transpiler import generate_preset_pass_manager

    if optimization_level not in (0, 1, 2, 3):
        raise ValueError(f"optimization_level = {optimization_level}: must be 0, 1, 2 or 3")
    start = time.perf_counter()
    manager = generate_preset_pass_manager(optimization_level=optimization_level,
                                           backend=backend, seed_transpiler=seed)
    out = manager.run(list(circuits))
    return out, time.perf_counter() - start


def isa_report(isa, backend, name: str, optimization_level: int,
               transpile_seconds: float = 0.0) -> IsaReport:
    """Gate counts, depth, physical qubits and the ESP of ``isa`` on ``backend``."""
    target = backend.target
    index = {q: i for i, q in enumerate(isa.qubits)}
    uses: Counter = Counter()
    for inst in isa.data:
        if inst.operation.name not in _NOT_GATES:
            uses[(inst.operation.name, tuple(index[q] for q in inst.qubits))] += 1
    log_esp, unknown, active = 0.0, 0, set()
    for (gate, qargs), count in uses.items():
        active.update(qargs)
        error = _error(target, gate, qargs)
        if error is None:
            unknown += count
        elif error >= 1.0:
            log_esp = -math.inf
        else:
            log_esp += count * math.log1p(-error)
    counts = isa.count_ops()
    two_qubit = sum(c for (gate, qargs), c in uses.items() if len(qargs) == 2)
    return IsaReport(
        name=name,
        physical_qubits=sorted(active),
        two_qubit_gates=int(two_qubit),
        depth=int(isa.depth()),
        two_qubit_depth=int(isa.depth(lambda inst: len(inst.qubits) == 2)),
        gate_counts={k: int(v) for k, v in sorted(counts.items())},
        log10_estimated_success=log_esp / math.log(10),
        instructions_without_error_data=int(unknown),
        transpile_seconds=float(transpile_seconds),
        optimization_level=optimization_level,
    )


def _error(target, gate: str, qargs: tuple) -> float | None:
    if gate not in target.operation_names:
        return None
    props = target[gate].get(qargs)
    if props is None:
        props = target[gate].get(None)  # a global (all-qubit) instruction
    return None if props is None else props.error


def success_warning(reports: list[IsaReport], shots: int | None, max_shots: int | None,
                    noiseless: bool = False) -> str | None:
    """An honest line when the ESP leaves (almost) no error-free shot to read, else ``None``.

    "Negligible" needs no invented threshold: it is when fewer than one error-free shot is
    expected, ESP·shots < 1, with the shots requested, or, without any, the most the device runs
    per circuit (its ``max_shots``).
    """
    worst = min(reports, key=lambda r: r.log10_estimated_success)
    budget = shots or max_shots
    if budget is None or worst.log10_estimated_success + math.log10(budget) >= 0:
        return None
    what = f"{shots} shots" if shots else f"the device's maximum of {max_shots} shots"
    outcome = ("on the device its counts would be noise (this run simulates the device without "
               "noise, so it does not show that)" if noiseless
               else "so its counts would be noise")
    return (f"estimated success probability of the {worst.name} circuit is "
            f"10^{worst.log10_estimated_success:.1f} (product of the device's reported gate and "
            f"readout fidelities over {worst.two_qubit_gates:,} two-qubit gates, an estimate): "
            f"fewer than one error-free shot is expected in {what}; {outcome}")


def isa_qasm(isa, fmt: str) -> str:
    """An ISA circuit as OpenQASM (Qiskit's exporters; QASM 3 names physical qubits ``$i``)."""
    import qiskit.qasm2
    import qiskit.qasm3

    return qiskit.qasm3.dumps(isa) if fmt == "qasm3" else qiskit.qasm2.dumps(isa)
