"""A lowered QIREN program on an IBM device (real, or a fake one offline), through the Estimator.

Each hybrid layer's circuit (weights bound, encoded angles ``h_j`` free) is transpiled once to
the device's ISA (:mod:`qmlc.backends.ibm_isa`); its observables Z_0 … Z_{q−1} follow the
layout the transpiler chose (``SparsePauliOp.apply_layout``). A layer runs as one Estimator job
(:mod:`qmlc.backends.ibm_runtime`): one pub, the ISA circuit with all B samples' angles bound and
the q observables broadcast against them, so the job returns ⟨Z_j⟩ for every sample, shape (B, q),
unmitigated, with ``shots`` shots per binding (standard error ≤ 1/√shots plus device noise).
Layer i + 1's angles are the affine map of layer i's *measured* ⟨Z⟩, as on hardware, so the
layers are consecutive jobs of one batch.

A dry run transpiles every layer and reports it (two-qubit gates, depth, estimated success
probability) without submitting anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qmlc.backends.ibm_device import Device, require_qubits
from qmlc.backends.ibm_isa import (
    DEFAULT_OPTIMIZATION_LEVEL,
    IsaReport,
    isa_circuits,
    isa_report,
    success_warning,
)
from qmlc.backends.ibm_runtime import RuntimeBatch, check_run_request
from qmlc.circuits.reupload import angle_names, parameter_table, qiskit_z_observables
from qmlc.compiler.progress import task
from qmlc.compiler.qiren_program import QirenProgram, ReuploadLayer
from qmlc.compiler.results import Result, optional

__all__ = ["QirenDeviceRun", "device_layer_runner", "run_qiren_on_device", "transpile_layers"]


@dataclass(frozen=True)
class QirenDeviceRun(Result):
    """A QIREN program transpiled for, and possibly run on, an IBM device."""

    device: dict
    shots: int | None
    dry_run: bool
    layers: list[IsaReport]
    job_ids: list[str]
    warning: str | None = optional()
    outputs: np.ndarray | None = optional()


def transpile_layers(program: QirenProgram, device: Device,
                     optimization_level: int = DEFAULT_OPTIMIZATION_LEVEL, seed: int = 0
                     ) -> tuple[list, list[IsaReport]]:
    """Every layer's ISA circuit (angles still parameters) and its report."""
    require_qubits(device, program.model.width, "a layer")
    circuits = [layer.qiskit(measure=False) for layer in program.circuits]
    isa, seconds = isa_circuits(circuits, device.backend, optimization_level, seed)
    reports = [isa_report(c, device.backend, f"layer {i}", optimization_level,
                          seconds / len(isa)) for i, c in enumerate(isa)]
    return isa, reports


def device_layer_runner(layer: ReuploadLayer, isa, batch: RuntimeBatch, index: int = 0
                        ) -> Callable[[np.ndarray], np.ndarray]:
    """angles (B, q) → ⟨Z_j⟩ (B, q): one Estimator job of ``batch`` per call."""
    q = layer.shape.width
    observables = np.empty((1, q), dtype=object)  # broadcast against (B, 1) bindings
    observables[0, :] = [z.apply_layout(isa.layout) for z in qiskit_z_observables(q)]
    names = angle_names(q)

    def run(angles: np.ndarray) -> np.ndarray:
        angles = np.atleast_2d(angles)
        table = parameter_table(isa, dict(zip(names, angles.T, strict=True)))
        pub = (isa, observables, table.reshape(len(angles), 1, -1))
        result = batch.estimate([pub], "qiren-layer",
                                {"layer": index, "width": q, "samples": len(angles),
                                 "observables": [f"Z_{j}" for j in range(q)]})
        return np.asarray(result[0].data.evs, dtype=float).reshape(len(angles), q)
    return run


def run_qiren_on_device(program: QirenProgram, X: np.ndarray, device: Device,
                        shots: int | None = None, seed: int = 0,
                        optimization_level: int = DEFAULT_OPTIMIZATION_LEVEL,
                        dry_run: bool = False,
                        notify: Callable[[str], None] | None = None) -> QirenDeviceRun:
    """Transpile every layer, report, and (unless ``dry_run``) run the program on ``device``."""
    notify = notify or (lambda line: None)
    shots, seed = check_run_request(device, shots, seed, dry_run, "estimates <Z> from shots")
    with task(f"transpiling {len(program.circuits)} layers for {device.name}"):
        isa, reports = transpile_layers(program, device, optimization_level, seed)
    warning = success_warning(reports, shots, device.max_shots, device.noiseless)
    if warning:
        notify(f"warning: {warning}")
    common = dict(device=device.describe(), shots=shots, dry_run=dry_run, layers=reports,
                  warning=warning)
    if dry_run:
        return QirenDeviceRun(**common, job_ids=[])
    layers = len(program.circuits)
    with RuntimeBatch(device, shots, seed, notify) as batch, \
            task(f"{len(X):,} inputs x {layers} layers on {device.name}",
                 total=layers) as advance:
        runners = [device_layer_runner(layer, c, batch, i)
                   for i, (layer, c) in enumerate(zip(program.circuits, isa, strict=True))]

        def execute(i: int, h: np.ndarray) -> np.ndarray:
            values = runners[i](h)
            advance()
            return values
        outputs = program.evaluate(X, execute)
    return QirenDeviceRun(**common, job_ids=list(batch.job_ids), outputs=outputs)
