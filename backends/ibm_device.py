"""IBM devices by name: a real one from the saved IBM Quantum account, or an offline fake.

Both kinds resolve to a Qiskit ``BackendV2`` that the runtime's primitives take as their
execution mode (:mod:`qmlc.backends.ibm_runtime`):

* ``ibm:<name>`` (``ibm:ibm_torino``) or ``ibm:least-busy``: an ``IBMBackend`` of
  ``QiskitRuntimeService()``. The service finds the account itself, in the order the runtime
  documents (``AccountManager.get``): the ``QISKIT_IBM_TOKEN`` / ``QISKIT_IBM_INSTANCE`` /
  ``QISKIT_IBM_URL`` environment variables, else the account saved with
  ``QiskitRuntimeService.save_account`` in ``~/.qiskit/qiskit-ibm.json``. qmlc never prints,
  logs or stores the token; it looks at it only to mask it out of error lines that quote the
  runtime (:func:`scrub`).
* ``ibm-fake:<name>`` (``ibm-fake:fez``, ``ibm-fake:fake_fez``) or plain ``ibm-fake``: a
  ``FakeBackendV2`` snapshot of a real device (coupling map, basis gates, calibrated errors, noise
  model) from ``qiskit_ibm_runtime.fake_provider``, which the primitives run in the runtime's
  local testing mode on Aer. Plain ``ibm-fake`` is the smallest device of :data:`FAKE_LADDER`
  that holds the circuit. ``noiseless=True`` keeps the device's target (so the same ISA circuit
  and the same error figures) but simulates it without the noise model.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from qmlc.compiler.errors import UsageError

__all__ = ["FAKE_LADDER", "Device", "fake_device_names", "is_ibm_backend", "require_qubits",
           "resolve_device", "resolve_named_device", "runtime_service", "scrub"]

# Offline devices tried in this order by plain ``ibm-fake`` (first that holds the circuit): one
# snapshot per size class, from 5-qubit Falcons to the 156-qubit Heron r2 ``fake_fez``.
FAKE_LADDER = ("FakeManilaV2", "FakeNairobiV2", "FakeGuadalupeV2", "FakeTorontoV2",
               "FakePrague", "FakeRochesterV2", "FakeManhattanV2", "FakeSherbrooke",
               "FakeTorino", "FakeFez")

SAVE_ACCOUNT_HINT = (
    "save one with: python -c \"from qiskit_ibm_runtime import QiskitRuntimeService; "
    "QiskitRuntimeService.save_account(token='<API key>', instance='<CRN>', "
    "set_as_default=True)\" (or set QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE)")


@dataclass(frozen=True)
class Device:
    """A resolved device: ``backend`` is what the primitives receive as ``mode``."""

    request: str          # as the user wrote it: "ibm-fake:fez", "ibm:least-busy"
    kind: str             # "ibm" (QiskitRuntimeService) or "ibm-fake" (local testing mode)
    name: str             # the device's own name: "ibm_torino", "fake_fez"
    num_qubits: int
    backend: Any
    noiseless: bool = False
    max_shots: int | None = None   # the device's per-circuit limit, from its configuration

    @property
    def execution(self) -> str:
        """How the primitives execute, in words (reported beside every result)."""
        if self.kind == "ibm":
            return f"IBM Quantum device {self.name} (QiskitRuntimeService, batch mode)"
        noise = ("without noise (the device's target only)" if self.noiseless
                 else "with the snapshot's noise model")
        return (f"{self.name}, qiskit-ibm-runtime local testing mode: the fake backend's "
                f"coupling map and basis gates, simulated on Aer {noise}")

    @property
    def basis_gates(self) -> list[str]:
        """The gates of the device's target (its ISA), without measure, reset, delay or control
        flow."""
        from qiskit.circuit import Gate

        target = self.backend.target
        return sorted(name for name in target.operation_names
                      if isinstance(target.operation_from_name(name), Gate))

    def calibration_date(self) -> str | None:
        """When the error figures were calibrated (``BackendProperties.last_update_date``; a
        fake backend's snapshot date), or None when the backend does not say."""
        try:
            return self.backend.properties().last_update_date.isoformat()
        except Exception:  # no properties (or no date): nothing to state
            return None

    def describe(self) -> dict:
        return {"backend": self.request, "device": self.name, "kind": self.kind,
                "device_qubits": self.num_qubits, "basis_gates": self.basis_gates,
                "noiseless": self.noiseless, "max_shots": self.max_shots,
                "execution": self.execution}


def is_ibm_backend(backend: str) -> bool:
    """Whether a ``--backend`` value names an IBM device (real or fake)."""
    return backend == "ibm-fake" or backend.startswith(("ibm:", "ibm-fake:"))


def resolve_named_device(backend: str, noiseless: bool = False) -> Device | None:
    """The device of a request that names one, resolved before any work (a missing account or
    an unknown name then costs nothing); None for ``ibm-fake`` and ``ibm:least-busy``, which
    pick a device by the circuit's width (:func:`resolve_device` once it is known)."""
    if backend in ("ibm-fake", "ibm:least-busy"):
        return None
    return resolve_device(backend, 1, noiseless=noiseless)


def resolve_device(backend: str, min_qubits: int, noiseless: bool = False) -> Device:
    """The device ``backend`` names, checked to hold ``min_qubits`` qubits."""
    kind, _, name = backend.partition(":")
    if kind not in ("ibm", "ibm-fake") or (kind == "ibm" and not name):
        raise UsageError(f"backend = {backend!r}: write ibm:<device> (e.g. ibm:ibm_torino, "
                         "ibm:least-busy), ibm-fake:<device> (e.g. ibm-fake:fez) or ibm-fake",
                         field="backend")
    if noiseless and kind == "ibm":
        raise UsageError(f"noiseless = True: {backend} is a real device; noiseless runs exist "
                         "for ibm-fake devices only", field="noiseless")
    if kind == "ibm-fake":
        device = _fake_device(backend, name, min_qubits)
        if noiseless:
            from qiskit_aer import AerSimulator

            sim = AerSimulator.from_backend(device.backend, noise_model=None)
            device = Device(backend, "ibm-fake", device.name, device.num_qubits, sim, True,
                            device.max_shots)
    else:
        device = _real_device(backend, name, min_qubits)
    if device.num_qubits < min_qubits:
        raise UsageError(f"backend = {backend!r}: the circuit needs {min_qubits} qubits, "
                         f"{device.name} has {device.num_qubits}; pick a larger device "
                         "(or plain ibm-fake for the smallest that fits)", field="backend")
    return device


def require_qubits(device: Device, qubits: int, what: str = "the circuit") -> None:
    """Refuse a circuit of ``qubits`` qubits on a smaller ``device`` (``what`` names it)."""
    if device.num_qubits < qubits:
        raise UsageError(f"backend = {device.request!r}: {what} has {qubits} qubits, "
                         f"{device.name} {device.num_qubits}", field="backend")


# -- offline devices ------------------------------------------------------------------------------


def fake_device_names() -> list[str]:
    """Short names of every fake backend in ``qiskit_ibm_runtime.fake_provider`` (no loading)."""
    from qiskit_ibm_runtime import fake_provider

    return sorted(_short(cls) for cls in dir(fake_provider)
                  if cls.startswith("Fake") and cls != "FakeProviderForBackendV2")


def _short(cls_name: str) -> str:
    name = cls_name.removeprefix("Fake")
    return (name.removesuffix("V2") if name.endswith("V2") else name).lower()


def _fake_device(request: str, name: str, min_qubits: int) -> Device:
    from qiskit_ibm_runtime import fake_provider

    if not name:
        for cls_name in FAKE_LADDER:
            backend = getattr(fake_provider, cls_name)()
            if backend.num_qubits >= min_qubits:
                return _device(request, "ibm-fake", backend)
        raise UsageError(f"backend = {request!r}: no offline device holds {min_qubits} qubits "
                         f"(largest: {backend.name}, {backend.num_qubits}); use "
                         "'qmlc estimate' for resource counts", field="backend")
    wanted = name.lower().removeprefix("fake_").removeprefix("fake")
    for cls_name in dir(fake_provider):
        if cls_name.startswith("Fake") and cls_name != "FakeProviderForBackendV2" \
                and _short(cls_name) == wanted:
            return _device(request, "ibm-fake", getattr(fake_provider, cls_name)())
    raise UsageError(f"backend = {request!r}: no offline device {name!r}; available: "
                     f"{', '.join(fake_device_names())}", field="backend")


# -- real devices ---------------------------------------------------------------------------------


def runtime_service():
    """``QiskitRuntimeService()`` with the account the runtime finds (module docstring).

    Tests replace this function with a stub service; everything downstream is the same code.
    """
    from qiskit_ibm_runtime import QiskitRuntimeService
    from qiskit_ibm_runtime.accounts import AccountNotFoundError

    try:
        return QiskitRuntimeService()
    except AccountNotFoundError:
        raise UsageError(f"no IBM Quantum account found; {SAVE_ACCOUNT_HINT}") from None
    except Exception as exc:  # network, authentication, instance: the runtime's own words
        raise UsageError(f"cannot open the IBM Quantum service ({type(exc).__name__}: "
                         f"{scrub(str(exc))}); check the saved account, the network, or use "
                         "ibm-fake:<device> offline") from None


def _real_device(request: str, name: str, min_qubits: int) -> Device:
    service = runtime_service()
    if name == "least-busy":
        try:
            backend = service.least_busy(min_num_qubits=min_qubits, operational=True,
                                         simulator=False)
        except Exception as exc:
            raise UsageError(f"backend = {request!r}: no operational device with "
                             f"{min_qubits} qubits ({scrub(str(exc))})", field="backend") from None
    else:
        try:
            backend = service.backend(name)
        except Exception:
            available = sorted(b.name for b in service.backends())
            raise UsageError(f"backend = {request!r}: your IBM Quantum account has no device "
                             f"{name!r}; available: {', '.join(available) or 'none'}",
                             field="backend") from None
    return _device(request, "ibm", backend)


def _device(request: str, kind: str, backend) -> Device:
    try:
        max_shots = int(backend.configuration().max_shots)
    except Exception:  # a backend without a (complete) configuration: no known limit
        max_shots = None
    return Device(request, kind, backend.name, backend.num_qubits, backend, max_shots=max_shots)


def scrub(text: str) -> str:
    """``text`` with the IBM token (environment or saved account), if it occurs, masked."""
    for secret in _secrets():
        text = text.replace(secret, "***")
    return " ".join(re.sub(r"(?i)(token|apikey|api_key)=\S+", r"\1=***", text).split())


def _secrets() -> list[str]:
    found = [os.environ.get("QISKIT_IBM_TOKEN", "")]
    try:
        from qiskit_ibm_runtime.accounts import AccountManager

        found.append(AccountManager.get().token or "")
    except Exception:  # no saved account: nothing more to mask
        pass
    return [s for s in found if len(s) >= 4]
