"""A compiled QLSA on an IBM device (real, or a fake one offline), read from Sampler counts.

:func:`run_qlsa_on_device` takes the same two circuits as sampled simulation
(:mod:`qmlc.backends.qlsa_readout`: the solve, and the compute–uncompute overlap test), each with
every qubit measured, transpiles them to the device's ISA (:mod:`qmlc.backends.ibm_isa`), reports
their two-qubit gate count, depth and **estimated** success probability, and, unless
``dry_run``, submits both as one Sampler job (:mod:`qmlc.backends.ibm_runtime`) and reads p̂, F̂
and |u_T| from the counts. Beside them, for comparison, stand the exact noiseless figures of the
same logical circuit on Aer (:func:`qmlc.backends.qlsa_run.run_qlsa_program`).

Honesty about noise. Explicit QLSA circuits are deep: the 13-qubit QSVT of
``examples/tiny_network.toml`` is ~1.6·10⁶ two-qubit gates on a heavy-hex device, whose ESP is
10^-(thousands). The run says so in a warning, at once and in the result, and still runs what
the user asked for (local noisy simulation of such a circuit simulates every shot's errors and is
slow). The device's noiseless twin (``noiseless=True``) runs the same ISA circuit without the
noise model, which checks the compiled circuit itself; a dry run reports without submitting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qmlc.backends.ibm_device import Device, require_qubits
from qmlc.backends.ibm_isa import (
    DEFAULT_OPTIMIZATION_LEVEL,
    IsaReport,
    isa_circuits,
    isa_report,
    success_warning,
)
from qmlc.backends.ibm_runtime import RuntimeBatch, check_run_request
from qmlc.backends.qlsa_readout import QLSAReadout, SampledQLSA, overlap_test_circuit
from qmlc.backends.qlsa_run import classical_reference, run_qlsa_program
from qmlc.compiler.progress import task
from qmlc.compiler.qlsa import MAX_SIM_QUBITS, QLSAProgram
from qmlc.compiler.results import Result, optional

__all__ = ["QLSADeviceRun", "run_qlsa_on_device"]


@dataclass(frozen=True)
class QLSADeviceRun(Result):
    """A QLSA transpiled for, and possibly run on, an IBM device (module docstring)."""

    algorithm: str
    device: dict
    shots: int | None
    dry_run: bool
    qubits: int
    circuits: list[IsaReport]
    theta_T_classical: list[float]
    predicted_success_probability: float | None = optional()
    warning: str | None = optional()
    job_id: str | None = optional()
    sampled: SampledQLSA | None = optional()
    noiseless_reference: dict | None = optional()

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.update(out.pop("sampled", None) or {})
        return out


def _measured(circuit, name: str):
    out = circuit.copy(name=name)
    out.measure_all()
    return out


def run_qlsa_on_device(system, program: QLSAProgram, device: Device, shots: int | None = None,
                       seed: int = 0, optimization_level: int = DEFAULT_OPTIMIZATION_LEVEL,
                       dry_run: bool = False,
                       notify: Callable[[str], None] | None = None) -> QLSADeviceRun:
    """Transpile, report and (unless ``dry_run``) sample ``program`` on ``device``."""
    notify = notify or (lambda line: None)
    shots, seed = check_run_request(device, shots, seed, dry_run, "samples counts")
    require_qubits(device, program.num_qubits)
    x_hat, theta_cl = classical_reference(system, program)
    circuits = [_measured(program.circuit, "solve"),
                _measured(overlap_test_circuit(program, x_hat), "overlap_test")]
    with task(f"transpiling for {device.name} (optimization level {optimization_level})"):
        isa, seconds = isa_circuits(circuits, device.backend, optimization_level, seed)
    reports = [isa_report(c, device.backend, name, optimization_level, seconds / len(isa))
               for c, name in zip(isa, ("solve", "overlap test"), strict=True)]
    warning = success_warning(reports, shots, device.max_shots, device.noiseless)
    if warning:
        notify(f"warning: {warning}")
    common = dict(algorithm=program.algorithm, device=device.describe(), shots=shots,
                  dry_run=dry_run, qubits=program.num_qubits, circuits=reports,
                  theta_T_classical=theta_cl.tolist(),
                  predicted_success_probability=program.meta.get("predicted_success_probability"),
                  warning=warning)
    if dry_run:
        return QLSADeviceRun(**common)
    reference = None
    if program.num_qubits <= MAX_SIM_QUBITS:  # beyond it, no statevector to compare with
        exact = run_qlsa_program(system, program, backend="aer")
        reference = {"backend": "aer statevector of the logical circuit",
                     "success_probability": exact.success_probability,
                     "fidelity": exact.fidelity, "theta_T": exact.theta_T}
    readout = QLSAReadout.from_program(system, program)
    with RuntimeBatch(device, shots, seed, notify) as batch, \
            task(f"sampling {shots:,} shots of 2 circuits on {device.name}"):
        result = batch.sample([(isa[0],), (isa[1],)], "qlsa",
                              {"readout": readout.to_dict(), "algorithm": program.algorithm,
                               "theta_T_classical": common["theta_T_classical"]})
    counts = [result[i].data.meas.get_int_counts() for i in range(2)]
    return QLSADeviceRun(**common, job_id=batch.job_ids[0],
                         sampled=readout.estimate(counts[0], counts[1]),
                         noiseless_reference=reference)

