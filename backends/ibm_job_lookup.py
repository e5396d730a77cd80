"""Status and result of a submitted runtime job, by its id (``qmlc job-status`` / ``job-result``).

The job's record (:mod:`qmlc.backends.ibm_jobs`) says where it ran and how to read it. A job of
local testing mode finished inside the process that submitted it, and its record holds the
result. Any other job id is asked of IBM Quantum: ``QiskitRuntimeService().job(ID)``, its
``status()`` and, once it is ``DONE``, its ``result()``. The result is then read the way its
pipeline reads it: a QLSA job's counts give p̂, F̂ and |u_T| (:class:`qmlc.backends.qlsa_readout.
QLSAReadout`); a QIREN layer's give ⟨Z_j⟩ per sample; a job without a record gives its raw data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qmlc.backends.ibm_device import runtime_service, scrub
from qmlc.backends.ibm_jobs import JobRecord, check_job_id, decode_result, load_record
from qmlc.backends.qlsa_readout import QLSAReadout, SampledQLSA
from qmlc.compiler.errors import UsageError
from qmlc.compiler.results import Result, optional

__all__ = ["JobOutcome", "JobStatus", "job_result", "job_status"]

FINAL = ("DONE", "ERROR", "CANCELLED")


@dataclass(frozen=True)
class JobStatus(Result):
    job_id: str
    status: str
    device: str
    where: str
    pipeline: str | None = optional()
    created: str | None = optional()
    backend: str | None = optional()


@dataclass(frozen=True)
class JobOutcome(Result):
    job_id: str
    device: str
    pipeline: str | None
    qlsa: SampledQLSA | None = optional()
    expectation_values: list | None = optional()
    standard_errors: list | None = optional()
    counts: list | None = optional()
    context: dict | None = optional()


def job_status(job_id: str) -> JobStatus:
    """Where job ``job_id`` ran and its status now."""
    check_job_id(job_id)
    record = load_record(job_id)
    extra = {} if record is None else {"pipeline": record.pipeline, "created": record.created,
                                       "backend": record.backend}
    if record is not None and record.result is not None:
        return JobStatus(job_id, "DONE", record.device,
                         "local testing mode (the result is in the job record)", **extra)
    if record is not None and record.kind == "ibm-fake":
        return JobStatus(job_id, "LOST", record.device,
                         "local testing mode: the process that ran it ended before its result; "
                         "submit again", **extra)
    job = _service_job(job_id)
    return JobStatus(job_id, _status(job), _device_name(job, record), "IBM Quantum", **extra)


def job_result(job_id: str) -> JobOutcome:
    """The finished job's result, read as its pipeline reads it (module docstring)."""
    status = job_status(job_id)
    if status.status != "DONE":
        raise UsageError(f"job {job_id} is {status.status} ({status.where}); "
                         + ("ask again later with 'qmlc job-result " + job_id + "'"
                            if status.status not in FINAL + ("LOST",) else "it has no result"))
    record = load_record(job_id)
    if record is not None and record.result is not None:
        result = decode_result(record.result)
    else:
        job = _service_job(job_id)
        try:
            result = job.result()
        except Exception as exc:
            raise UsageError(f"job {job_id}: cannot read its result ({type(exc).__name__}: "
                             f"{scrub(str(exc))})") from None
    return read_result(job_id, status.device, record, result)


def read_result(job_id: str, device: str, record: JobRecord | None, result) -> JobOutcome:
    """A primitive result read by its pipeline (or as raw data without a record)."""
    pipeline = None if record is None else record.pipeline
    if pipeline == "qlsa":
        readout = QLSAReadout.from_dict(record.context["readout"])
        counts = [result[i].data.meas.get_int_counts() for i in range(2)]
        return JobOutcome(job_id, device, pipeline, qlsa=readout.estimate(*counts),
                          context={k: v for k, v in record.context.items() if k != "readout"})
    evs, stds, counts = [], [], []
    for pub in result:
        if hasattr(pub.data, "evs"):
            evs.append(np.asarray(pub.data.evs).tolist())
            stds.append(np.asarray(pub.data.stds).tolist())
        else:
            counts.append({name: _top(getattr(pub.data, name).get_counts())
                           for name in pub.data})
    return JobOutcome(job_id, device, pipeline, expectation_values=evs or None,
                      standard_errors=stds or None, counts=counts or None,
                      context=None if record is None else record.context)


def _top(counts: dict, keep: int = 32) -> dict:
    return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:keep])


def _service_job(job_id: str):
    service = runtime_service()
    try:
        return service.job(job_id)
    except Exception as exc:
        raise UsageError(f"job_id = {job_id!r}: IBM Quantum has no such job for this account "
                         f"({type(exc).__name__}: {scrub(str(exc))})", field="job_id") from None


def _status(job) -> str:
    status = job.status()
    return str(getattr(status, "name", status)).upper()


def _device_name(job, record: JobRecord | None) -> str:
    if record is not None:
        return record.device
    try:
        return job.backend().name
    except Exception:  # the service does not say
        return "unknown"
