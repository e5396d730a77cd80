"""Submitting ISA circuits to an IBM device through the runtime's V2 primitives, in batch mode.

One code path for real and offline devices. :class:`RuntimeBatch` opens
``qiskit_ibm_runtime.Batch(backend=device.backend)`` and builds the primitives on it with the
``mode=`` argument; the backend decides where jobs go: an ``IBMBackend`` of
``QiskitRuntimeService`` submits to IBM Quantum, a fake backend (or a noiseless Aer simulator with
its target) runs in the runtime's local testing mode. The primitives are the runtime's current
V2 implementations, ``qiskit_ibm_runtime.executor_sampler.Sampler`` and
``qiskit_ibm_runtime.executor_estimator.Estimator`` (``BaseSamplerV2`` / ``BaseEstimatorV2``);
0.50 deprecated the older server-side ``SamplerV2`` / ``EstimatorV2`` classes in their favour.

Options, the same on both paths: ``default_shots``; for the Estimator ``resilience_level = 0``
(raw expectation values, no readout twirling, so that a run and its noise model can be compared;
local testing mode would otherwise simulate TREX's randomized circuits, ~10x slower). Local
testing mode alone also takes ``simulator.seed_simulator``.

Each job's id is reported through ``notify`` as soon as the runtime returns it, before its result
is awaited, and recorded (:mod:`qmlc.backends.ibm_jobs`) so ``qmlc job-status`` /
``qmlc job-result`` find it later; an interrupted wait says so and names the job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from qmlc.backends.ibm_device import Device, scrub
from qmlc.backends.ibm_jobs import JobRecord, encode_result, save_record
from qmlc.compiler import limits
from qmlc.compiler.errors import QmlcError, UsageError

__all__ = ["RuntimeBatch", "check_run_request"]


def check_run_request(device: Device, shots: int | None, seed: int, dry_run: bool,
                      reads: str) -> tuple[int | None, int]:
    """``shots`` and ``seed`` checked for a run on ``device``: shots may be None only for a dry
    run (``reads`` says what the run reads from shots, for the error line)."""
    if shots is not None:
        shots = limits.check_int(shots, "shots", limits.MIN_SHOTS, limits.MAX_SHOTS,
                                 "give fewer shots")
    seed = limits.check_seed(seed)
    if shots is None and not dry_run:
        raise UsageError(f"shots = None: {device.request} {reads}; give a number of shots (or "
                         "a dry run, which submits nothing)", field="shots")
    return shots, seed


class RuntimeBatch:
    """A batch of primitive jobs on one device (module docstring); use as a context manager."""

    def __init__(self, device: Device, shots: int, seed: int = 0,
                 notify: Callable[[str], None] | None = None):
        self.device = device
        self.shots = shots
        self.seed = seed
        self.notify = notify or (lambda line: None)
        self.job_ids: list[str] = []
        self._batch = None
        self.local = False

    def __enter__(self) -> RuntimeBatch:
        from qiskit_ibm_runtime import Batch

        try:
            self._batch = Batch(backend=self.device.backend)
        except Exception as exc:  # e.g. the plan allows no batches: the service's reason
            raise QmlcError(f"{self.device.request}: cannot open a batch on {self.device.name} "
                            f"({type(exc).__name__}: {scrub(str(exc))})") from None
        # The mode decides: QiskitRuntimeLocalService for a fake or simulator backend.
        self.local = bool(getattr(self._batch.service, "is_local", False))
        return self

    def __exit__(self, *exc) -> None:
        self._batch.close()

    def sample(self, pubs: list, pipeline: str, context: dict):
        """Run Sampler pubs; returns the ``PrimitiveResult``."""
        from qiskit_ibm_runtime.executor_sampler import Sampler

        sampler = Sampler(mode=self._batch)
        sampler.options.default_shots = self.shots
        self._local_options(sampler)
        return self._run("sampler", sampler, pubs, pipeline, context)

    def estimate(self, pubs: list, pipeline: str, context: dict):
        """Run Estimator pubs (unmitigated, ``default_shots`` per binding); the result."""
        from qiskit_ibm_runtime.executor_estimator import Estimator

        estimator = Estimator(mode=self._batch)
        estimator.options.default_shots = self.shots
        estimator.options.resilience_level = 0
        self._local_options(estimator)
        return self._run("estimator", estimator, pubs, pipeline, context)

    def _local_options(self, primitive) -> None:
        if self.local:
            primitive.options.simulator.seed_simulator = self.seed + len(self.job_ids)

    def _run(self, primitive_name: str, primitive, pubs: list, pipeline: str, context: dict):
        try:
            job = primitive.run(pubs)
        except QmlcError:
            raise
        except Exception as exc:  # rejected by the service: its reason, without any secret
            raise QmlcError(f"{self.device.request}: the {primitive_name} job was not accepted "
                            f"({type(exc).__name__}: {scrub(str(exc))})") from None
        job_id = job.job_id()
        self.job_ids.append(job_id)
        record = JobRecord.new(job_id, self.device, primitive_name, pipeline, context)
        save_record(record)
        self.notify(f"submitted {primitive_name} job {job_id} to {self.device.name}; "
                    f"'qmlc job-status {job_id}' / 'qmlc job-result {job_id}' find it later")
        try:
            result = job.result()
        except KeyboardInterrupt:
            raise QmlcError(f"interrupted while waiting for job {job_id}"
                            + ("" if self.local else
                               f"; it keeps running at IBM: 'qmlc job-result {job_id}'")) from None
        except Exception as exc:
            raise QmlcError(f"job {job_id} on {self.device.name} failed "
                            f"({type(exc).__name__}: {scrub(str(exc))})") from None
        if self.local:
            save_record(dataclasses.replace(record, result=encode_result(result)))
        return result
