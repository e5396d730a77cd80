"""Pre-flight resource check: what a request will allocate, compared with what the machine has,
before anything is allocated.

Every explicit construction or simulation states its peak memory as a :class:`Requirement` (the
figure, the formula it comes from, and what to do instead) and calls :func:`require`, which
refuses it with a :class:`~qmlc.compiler.errors.TooLargeError` when it exceeds the memory this
process may use. A request is then refused with its figure instead of being killed by the OS or
aborting inside a C++ library (Aer's ``bad_alloc``).

Memory models (bytes; q qubits, B inputs in a batch):

* statevector: 16·2^q per complex128 amplitude vector, times B for batched simulation and times
  the number of copies the simulator holds at once (the returned state, reordering);
* history system (Carleman): 24 bytes per nonzero of the history matrix. ``bench_carleman.py``
  measured a peak of 806 MiB for 3.8·10⁷ nonzeros (22 bytes per nonzero: CSR data and indices of
  A and of the lift, and the construction's temporaries);
* sampled shots: 128 bytes per shot on Aer and 200 on Cirq, measured with ``ru_maxrss`` for
  10⁶ shots of 4- and 16-qubit circuits (120 and 188–200 bytes); sampling runs in chunks of
  :data:`SHOT_CHUNK` shots, so the peak is one chunk's;
* arrays read from ``.npz`` files: their size as declared in each member's header, read before
  the member is loaded.

Time is bounded the same way where a request's work is known in advance and can be absurd (the
numpy reference simulator of QIREN's spectrum: points × 2^q × gates amplitude updates at the
measured :data:`REFERENCE_UPDATES_PER_SECOND`): beyond :data:`MAX_SECONDS` (1 h;
``QMLC_TIME_LIMIT`` in seconds overrides it) the request is refused with its estimate.

The budget is the memory available to this process (``psutil``'s available memory, and the
cgroup limit when one is set), times :data:`MEMORY_FRACTION` for the interpreter, the libraries
and the rest of the request. ``QMLC_MEMORY_LIMIT`` (bytes, or with a K/M/G suffix) caps it
further, for shared machines.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from qmlc.compiler.errors import TooLargeError
from qmlc.compiler.results import Result

MEMORY_FRACTION = 0.8
HISTORY_BYTES_PER_NNZ = 24
SHOT_BYTES = {"aer": 128, "cirq": 200}
SHOT_CHUNK = 1_000_000
COMPLEX_BYTES = 16

# circuit_expectations_reference, 8–16 qubits, L = K = 2, on this project's 2-core machine:
# 4.2·10⁶ to 6.0·10⁶ amplitude-gate updates per second (the lower figure is used).
REFERENCE_UPDATES_PER_SECOND = 4e6
MAX_SECONDS = 3600.0

ESTIMATE_ADVICE = "use 'qmlc estimate' for resource figures without building or simulating it"


@dataclass(frozen=True)
class Requirement(Result):
    """The peak memory of one request: ``what`` it is, ``bytes`` and the ``formula``."""

    what: str
    bytes: int
    formula: str

    def describe(self) -> str:
        return f"{self.what} needs about {format_bytes(self.bytes)} ({self.formula})"


def format_bytes(count: float) -> str:
    """``1536`` → ``1.5 KiB``; huge counts as powers of two (``2^80 B``)."""
    if count >= 1024.0**6:
        return f"2^{math.log2(count):.0f} B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024 or unit == "PiB":
            return f"{count:.3g} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    return f"{count:.3g} PiB"  # pragma: no cover


def _cgroup_room() -> int | None:
    """Room left under this process's cgroup memory limit (v2, then v1), if it has one."""
    candidates = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                  ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                   "/sys/fs/cgroup/memory/memory.usage_in_bytes"))
    for limit_file, usage_file in candidates:
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or int(limit) >= 1 << 60:
            return None
        return max(0, int(limit) - usage)
    return None


def _env_limit() -> int | None:
    text = os.environ.get("QMLC_MEMORY_LIMIT", "").strip().upper()
    if not text:
        return None
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(text[-1], 1)
    try:
        return int(float(text.rstrip("KMGTB") if scale > 1 else text) * scale)
    except ValueError:
        return None


def available_memory() -> int:
    """Bytes this process may still allocate: available memory, cgroup room, env limit."""
    import psutil

    room = psutil.virtual_memory().available
    for limit in (_cgroup_room(), _env_limit()):
        if limit is not None:
            room = min(room, limit)
    return int(room)


def memory_budget() -> int:
    return int(available_memory() * MEMORY_FRACTION)


def require(requirement: Requirement, where: str, advice: str = ESTIMATE_ADVICE) -> None:
    """Refuse ``requirement`` when it exceeds the memory budget (nothing allocated yet)."""
    budget = memory_budget()
    if requirement.bytes > budget:
        raise TooLargeError(f"{where}: {requirement.describe()}, but this machine has "
                            f"{format_bytes(budget)} to spare; {advice}")


def time_limit() -> float:
    try:
        return float(os.environ.get("QMLC_TIME_LIMIT", "") or MAX_SECONDS)
    except ValueError:
        return MAX_SECONDS


def require_time(seconds: float, what: str, where: str, advice: str = ESTIMATE_ADVICE) -> None:
    """Refuse a request whose estimated run time exceeds :func:`time_limit`."""
    limit = time_limit()
    if seconds > limit:
        raise TooLargeError(f"{where}: {what} would take about {format_seconds(seconds)} "
                            f"(limit {format_seconds(limit)}, QMLC_TIME_LIMIT); {advice}")


def format_seconds(seconds: float) -> str:
    if seconds >= 86400 * 365:
        return f"{seconds / (86400 * 365):.3g} years"
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


# -- the memory models --------------------------------------------------------------------------


def statevector(qubits: int, batch: int = 1, copies: int = 2,
                what: str | None = None) -> Requirement:
    """``copies`` complex128 state vectors of ``qubits`` qubits for each of ``batch`` inputs."""
    count = COMPLEX_BYTES * (1 << qubits) * batch * copies
    batch_text = f" × {batch} inputs" if batch > 1 else ""
    return Requirement(what or f"a {qubits}-qubit statevector simulation{batch_text}", count,
                       f"16·2^{qubits} bytes per state{batch_text} × {copies} copies")


def dense_matrix(rows: int, cols: int, what: str, itemsize: int = 8) -> Requirement:
    return Requirement(what, itemsize * rows * cols,
                       f"{itemsize}·{rows:,}·{cols:,} bytes, dense")


def history(nnz: int, rows: int) -> Requirement:
    """The explicit Carleman history system (see the module docstring)."""
    count = HISTORY_BYTES_PER_NNZ * nnz + 4 * 8 * rows
    return Requirement(f"the history system ({rows:,} rows, up to {nnz:,} nonzeros)", count,
                       f"{HISTORY_BYTES_PER_NNZ} bytes per nonzero + 32 bytes per row")


def shots(backend: str, count: int, batch: int = 1) -> Requirement:
    """One chunk of sampled shots (sampling runs in chunks of :data:`SHOT_CHUNK`)."""
    per_shot = SHOT_BYTES.get(backend, max(SHOT_BYTES.values()))
    chunk = min(count, SHOT_CHUNK)
    return Requirement(f"sampling {count:,} shots on {backend}" + (f" for {batch} inputs"
                                                                   if batch > 1 else ""),
                       per_shot * chunk * batch,
                       f"{per_shot} bytes per shot (measured), chunks of {SHOT_CHUNK:,} shots"
                       + (f" × {batch} inputs" if batch > 1 else ""))


def arrays(count: int, what: str) -> Requirement:
    return Requirement(what, count, "as declared in the .npy headers")


__all__ = ["MAX_SECONDS", "REFERENCE_UPDATES_PER_SECOND", "format_seconds", "require_time",
           "time_limit", "COMPLEX_BYTES", "ESTIMATE_ADVICE", "HISTORY_BYTES_PER_NNZ", "MEMORY_FRACTION",
           "SHOT_BYTES", "SHOT_CHUNK", "Requirement", "arrays", "available_memory",
           "dense_matrix", "format_bytes", "history", "memory_budget", "require", "shots",
           "statevector"]
