"""Job records: what qmlc needs to read a runtime job's result later, kept on this machine.

A runtime job holds circuits and raw counts or expectation values; turning them into a QLSA
solution needs the register layout and the classical reference, which only qmlc knows. So every
submission writes one JSON record, ``<jobs dir>/<job id>.json``: the job id, the device, the
primitive, what the job computes (``pipeline``) and the numbers that read its result
(``context``). ``qmlc job-status ID`` and ``qmlc job-result ID`` start from it.

* Real devices (``kind = "ibm"``): the result stays with IBM; ``job-result`` fetches it with
  ``QiskitRuntimeService().job(ID)``. A job id without a record (submitted elsewhere) still gets
  its status and raw data.
* Local testing mode (``kind = "ibm-fake"``): the job lives only as long as its process, so the
  record also keeps the result, serialized with the runtime's own ``RuntimeEncoder``.

The directory is ``$QMLC_JOBS_DIR``, else ``$XDG_STATE_HOME/qmlc/jobs``, else
``~/.local/state/qmlc/jobs``. Records hold no account data: no token, no instance.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from qmlc.compiler.errors import UsageError
from qmlc.compiler.results import Result, optional

__all__ = ["JobRecord", "decode_result", "encode_result", "jobs_dir", "load_record",
           "save_record"]

_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


@dataclass(frozen=True)
class JobRecord(Result):
    """One submitted job (module docstring)."""

    job_id: str
    kind: str                  # "ibm" or "ibm-fake"
    backend: str               # as requested: "ibm:ibm_torino", "ibm-fake:fez"
    device: str                # the device's name
    primitive: str             # "sampler" or "estimator"
    pipeline: str              # "qlsa" or "qiren-layer"
    created: str
    context: dict = field(default_factory=dict)
    result: str | None = optional()   # local testing mode only: RuntimeEncoder JSON

    @classmethod
    def new(cls, job_id: str, device, primitive: str, pipeline: str, context: dict
            ) -> JobRecord:
        return cls(job_id=job_id, kind=device.kind, backend=device.request, device=device.name,
                   primitive=primitive, pipeline=pipeline,
                   created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   context=context)


def jobs_dir() -> Path:
    if os.environ.get("QMLC_JOBS_DIR"):
        return Path(os.environ["QMLC_JOBS_DIR"])
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                              "state")
    return Path(state) / "qmlc" / "jobs"


def check_job_id(job_id: str) -> str:
    if not _JOB_ID.fullmatch(job_id or ""):
        raise UsageError(f"job_id = {job_id!r}: not a job id (letters, digits, '-', '_', '.')",
                         field="job_id")
    return job_id


def save_record(record: JobRecord) -> Path:
    """Write the record atomically (a temporary file renamed into place)."""
    directory = jobs_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{check_job_id(record.job_id)}.json"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(record.to_dict(), handle)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def load_record(job_id: str) -> JobRecord | None:
    path = jobs_dir() / f"{check_job_id(job_id)}.json"
    if not path.exists():
        return None
    try:
        return JobRecord(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{path}: unreadable job record ({exc}); delete it and resubmit") \
            from None


def encode_result(result) -> str:
    """A ``PrimitiveResult`` as ``RuntimeEncoder`` JSON; metadata kept as plain JSON values
    (the executor's metadata objects have no encoder; their fields become strings if need be)."""
    from qiskit.primitives import PrimitiveResult
    from qiskit_ibm_runtime import RuntimeEncoder

    portable = PrimitiveResult([type(pub)(pub.data, metadata=_plain(pub.metadata))
                                for pub in result], metadata=_plain(result.metadata))
    return json.dumps(portable, cls=RuntimeEncoder)


def _plain(metadata) -> dict:
    return json.loads(json.dumps(metadata, default=str))


def decode_result(text: str):
    from qiskit_ibm_runtime import RuntimeDecoder

    return json.loads(text, cls=RuntimeDecoder)
