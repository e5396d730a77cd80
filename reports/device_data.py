"""The Device section of ``qmlc report --device``: the spec's circuits in an IBM device's ISA.

It is the dry run of ``qmlc run SPEC --backend DEVICE --dry-run``, made by the same functions
(:func:`qmlc.backends.qlsa_ibm.run_qlsa_on_device` and
:func:`qmlc.backends.qiren_ibm.run_qiren_on_device` with ``dry_run=True``; the device from
:func:`qmlc.backends.ibm_device.resolve_device`), so the section's figures are that command's for
the same device and optimization level: the preset pass manager's ISA circuits (seed 0), their
two-qubit gate count and depth, and the **estimated** success probability of
:mod:`qmlc.backends.ibm_isa` with its honest warning. Nothing is submitted or simulated.

Two steps, so that a report refuses what ``run --dry-run`` refuses before any slow work:
:func:`plan_device` resolves the device and builds the circuits (every check), and
:func:`device_section` transpiles them (the slow part, last).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from qmlc.backends.ibm_device import Device, require_qubits, resolve_device, resolve_named_device
from qmlc.backends.ibm_isa import ESP_MODEL, IsaReport
from qmlc.backends.qiren_ibm import run_qiren_on_device
from qmlc.backends.qlsa_ibm import run_qlsa_on_device
from qmlc.compiler import limits
from qmlc.compiler.errors import QmlcError
from qmlc.compiler.pipeline import lower_to_carleman
from qmlc.compiler.qiren_program import lower_qiren_spec
from qmlc.compiler.qlsa import DEFAULT_EPSILON, build_program
from qmlc.compiler.results import Result, optional
from qmlc.compiler.spec import ModelSpec

__all__ = ["DevicePlan", "DeviceSection", "as_device_flag", "device_assumptions", "device_section",
           "plan_device"]

TRANSPILER = ("Qiskit's preset pass manager (generate_preset_pass_manager(optimization_level, "
              "backend), seed_transpiler = 0): layout, routing and translation to the device's "
              "target, as IBM documents for its primitives")


@dataclass(frozen=True)
class DevicePlan:
    """A device section, checked and ready to transpile: the device and the built circuits."""

    kind: str                 # the spec's: "qiren" or a Carleman kind
    device: Device
    optimization_level: int
    circuits: str             # what is transpiled, in words
    qubits: int
    program: Any              # QLSAProgram or QirenProgram
    system: Any = None        # the CarlemanSystem of a QLSA
    command: str | None = None  # the 'qmlc run' with the same figures, if there is one


@dataclass(frozen=True)
class DeviceSection(Result):
    """The Device section: the device, what was transpiled, and each ISA circuit's figures."""

    request: str
    device: dict              # Device.describe(), as in 'qmlc run --json'
    calibration_date: str | None
    optimization_level: int
    circuits_transpiled: str
    logical_qubits: int
    circuits: list[IsaReport]
    estimated_success_model: str
    transpiler: str
    warning: str | None = optional()
    command: str | None = optional()   # the 'qmlc run' with the same figures
    predicted_success_probability: float | None = optional()   # QLSA postselection, noiseless


@contextlib.contextmanager
def as_device_flag() -> Iterator[None]:
    """The backends name the device input ``backend`` (``qmlc run --backend``); here it is
    ``device`` (``qmlc report --device``), so the CLI names the right flag."""
    try:
        yield
    except QmlcError as exc:
        text = str(exc)
        if exc.field == "backend" and text.startswith("backend"):
            raise type(exc)("device" + text[len("backend"):], field="device") from None
        raise


def plan_device(spec: ModelSpec, request: str, optimization_level: int,
                weights: str | None = None, order: int | None = None,
                steps: int | None = None) -> DevicePlan:
    """Resolve ``request`` and build the circuits ``qmlc run --backend request`` would transpile:
    a QIREN spec's layer circuits (with ``weights``), a Carleman spec's QSVT solve and overlap
    test (with the report's ``order`` and ``steps`` when given)."""
    optimization_level = limits.check_int(optimization_level, "optimization_level", 0, 3,
                                          "the preset pass manager's levels are 0 to 3")
    with as_device_flag():
        # a named device first, as 'qmlc run' does: a missing account or a bad name costs nothing
        early = resolve_named_device(request)
        if spec.kind == "qiren":
            lowered = lower_qiren_spec(spec, weights)
            model = lowered.model
            qubits, program, system, what = model.width, lowered.program, None, "a layer"
            words = (f"the {model.layers} hybrid-layer circuits of {model.width} qubits "
                     f"(weights: {lowered.weights_source}; the encoded angles stay parameters, "
                     "as the Estimator binds them)")
        else:
            system = lower_to_carleman(spec, order=order, steps=steps)
            program = build_program(system, "qsvt")
            qubits, what = program.num_qubits, "the circuit"
            words = (f"the {qubits}-qubit QSVT solve of the T = {system.steps} history system "
                     f"(Carleman order {system.order}; polynomial error {DEFAULT_EPSILON}, the "
                     "circuit of 'qmlc run') and its compute-uncompute overlap test, every qubit "
                     "measured")
        device = early or resolve_device(request, qubits)
        require_qubits(device, qubits, what)
    command = None
    if order is None and steps is None:  # 'qmlc run' has no --order / --steps
        command = (f"qmlc run {spec.path} --backend {request} --dry-run --optimization-level "
                   f"{optimization_level}" + (f" --weights {weights}" if weights else ""))
    return DevicePlan(kind=spec.kind, device=device, optimization_level=optimization_level,
                      circuits=words, qubits=qubits, program=program, system=system,
                      command=command)


def device_section(plan: DevicePlan, notify: Callable[[str], None] | None = None
                   ) -> DeviceSection:
    """Transpile the plan's circuits to the device (a dry run: nothing submitted)."""
    level = plan.optimization_level
    with as_device_flag():
        if plan.kind == "qiren":
            run = run_qiren_on_device(plan.program, np.empty((0, plan.program.model.in_dim)),
                                      plan.device, optimization_level=level, dry_run=True,
                                      notify=notify)
            circuits, predicted = run.layers, None
        else:
            run = run_qlsa_on_device(plan.system, plan.program, plan.device,
                                     optimization_level=level, dry_run=True, notify=notify)
            circuits, predicted = run.circuits, run.predicted_success_probability
    return DeviceSection(
        request=plan.device.request, device=run.device,
        calibration_date=plan.device.calibration_date(), optimization_level=level,
        circuits_transpiled=plan.circuits, logical_qubits=plan.qubits, circuits=circuits,
        estimated_success_model=ESP_MODEL, transpiler=TRANSPILER, warning=run.warning,
        command=plan.command, predicted_success_probability=predicted)


def device_assumptions(section: DeviceSection) -> list[dict]:
    """The Device section's rows of the report's assumptions and sources."""
    calibrated = section.calibration_date or "date not stated by the backend"
    return [
        {"quantity": "device: ISA circuits, two-qubit gates, depth",
         "model": f"{section.circuits_transpiled}; {section.transpiler}; optimization level "
                  f"{section.optimization_level}; counts of the transpiled circuits",
         "source": "Qiskit transpiler (qiskit.transpiler.generate_preset_pass_manager)"},
        {"quantity": "device: estimated success probability",
         "model": f"{section.estimated_success_model}; error figures of "
                  f"{section.device['device']}'s target, calibrated {calibrated}",
         "source": "the backend's Target (InstructionProperties.error); Nishio et al., "
                   "arXiv:1903.10963 (abstract only)"},
    ]
