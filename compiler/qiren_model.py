"""QIREN front end: spec → :class:`QirenModel`, weights, signals, and a numpy reference forward.

QIREN (Zhao, Qiao, Zhang, Gao, "Quantum Implicit Neural Representations", ICML 2024,
arXiv:2406.03873; released code github.com/GGorMM1/QIREN, ``qinr/modules.py``) is a stack of
hybrid layers ``Linear(d_in → q) → BatchNorm1d(q) → re-uploading circuit on q qubits`` followed by
one ``Linear(q → out_dim)``. The circuit of one hybrid layer, in time order::

    for r in 0..L-1:  K parameter blocks;  R_enc(h_j) on qubit j   (R_enc = RZ in the code)
    K final parameter blocks;  measure ⟨Z_j⟩ on every qubit

A parameter block k is ``Rot(φ, θ, ω) = RZ(ω)·RY(θ)·RZ(φ)`` on every qubit followed by the
entangler on the pairs ``(j, (j + r_k) mod q)``, ``r_k = (k mod (q-1)) + 1`` — PennyLane's
``StronglyEntanglingLayers`` with ``imprimitive=CZ`` (the paper's text says a CNOT ring, so the
entangler is an option).

This module holds the architecture (:class:`QirenModel`), the names of its weights
(:func:`layer_key`, mirroring the released code's module names) and the spec fields that choose
them. Weights live in :mod:`qmlc.compiler.qiren_weights`, signals in
:mod:`qmlc.compiler.qiren_signal`, and the dense reference simulator in
:mod:`qmlc.compiler.qiren_reference`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qmlc.circuits.reupload import ENCODINGS, ENTANGLERS, ReuploadShape
from qmlc.compiler import limits
from qmlc.compiler.errors import SpecError
from qmlc.compiler.qiren_signal import signal_dims
from qmlc.compiler.schema import BATCHNORM_MODES, DTYPES, ENGINES
from qmlc.compiler.spec import ModelSpec, require_kind

BN_EPS = 1e-5  # torch.nn.BatchNorm1d default


def layer_key(i: int, name: str) -> str:
    """Key of a hybrid layer's weight, e.g. ``layer_key(0, "bn.weight") == "layer0.bn.weight"``
    (the released code's module path ``layer{i}.{module}.{parameter}``)."""
    return f"layer{i}.{name}"


def layer_weights(weights: Mapping[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    """Hybrid layer i's entries of a weight dictionary, keyed by their short names
    (``"linear.weight"``, ``"bn.running_mean"``, …)."""
    prefix = layer_key(i, "")
    return {k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)}


@dataclass(frozen=True)
class QirenModel:
    """Architecture of a QIREN network (no weights).

    ``width`` is q, the number of qubits of each hybrid layer (= hidden width); ``layers`` the
    number of hybrid layers; ``reuploads`` L; ``blocks`` K (parameter blocks per layer of
    ``StronglyEntanglingLayers``). Defaults are the released code's image setup.
    """

    in_dim: int = 2
    width: int = 8
    layers: int = 3
    reuploads: int = 2
    blocks: int = 2
    entangler: str = "cz"
    encoding: str = "rz"
    out_dim: int = 1

    def __post_init__(self) -> None:
        for name, high in (("in_dim", limits.MAX_QIREN_DIM), ("width", limits.MAX_QIREN_WIDTH),
                           ("layers", limits.MAX_QIREN_LAYERS),
                           ("reuploads", limits.MAX_QIREN_REUPLOADS),
                           ("blocks", limits.MAX_QIREN_BLOCKS), ("out_dim", limits.MAX_QIREN_DIM)):
            value = getattr(self, name)
            if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                    or not 1 <= value <= high):
                raise SpecError(f"QIREN field '{name}' is {value!r}; it must be an integer "
                                f"{limits.interval(1, high)}", field=name)
        if self.entangler not in ENTANGLERS:
            raise SpecError(f"QIREN field 'entangler' is {self.entangler!r}; "
                            f"expected one of {', '.join(ENTANGLERS)}")
        if self.encoding not in ENCODINGS:
            raise SpecError(f"QIREN field 'encoding' is {self.encoding!r}; "
                            f"expected one of {', '.join(ENCODINGS)}")
        if self.width == 2 and self.entangler == "cz":
            # Pairs (0, 1) and (1, 0): CZ is symmetric, so the two CZs of every block cancel.
            warnings.warn("QIREN width 2 with entangler 'cz': the two CZ gates of each block "
                          "cancel, so the circuit is a product of single-qubit circuits; "
                          "use entangler = 'cnot' or width >= 3", stacklevel=3)

    def layer_in_dim(self, i: int) -> int:
        return self.in_dim if i == 0 else self.width

    @property
    def ranges(self) -> tuple[int, ...]:
        """Entangler range r_k of block k (PennyLane StronglyEntanglingLayers default)."""
        q = self.width
        return tuple((k % (q - 1)) + 1 if q > 1 else 0 for k in range(self.blocks))

    @property
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every key of the weight dictionary and its shape, in a fixed order."""
        q, L, K = self.width, self.reuploads, self.blocks
        shapes: dict[str, tuple[int, ...]] = {}
        for i in range(self.layers):
            shapes[layer_key(i, "linear.weight")] = (q, self.layer_in_dim(i))
            shapes[layer_key(i, "linear.bias")] = (q,)
            for name in ("weight", "bias", "running_mean", "running_var"):
                shapes[layer_key(i, "bn." + name)] = (q,)
            shapes[layer_key(i, "circuit.weights")] = (L, K, q, 3)
            shapes[layer_key(i, "circuit.final")] = (K, q, 3)
        shapes["out.weight"] = (self.out_dim, q)
        shapes["out.bias"] = (self.out_dim,)
        return shapes

    @property
    def circuit(self) -> ReuploadShape:
        """The re-uploading circuit of every hybrid layer (one shape; weights differ per layer)."""
        return ReuploadShape(self.width, self.reuploads, self.blocks, self.entangler,
                             self.encoding)

    @property
    def layer_instructions(self) -> int:
        """Gates of one hybrid layer's circuit (:func:`circuit_instructions`)."""
        return circuit_instructions(self.width, self.reuploads, self.blocks)

    @property
    def trainable_count(self) -> int:
        """Trainable parameters (BatchNorm running statistics are buffers, not parameters)."""
        return sum(int(np.prod(s)) for k, s in self.param_shapes.items() if "running_" not in k)


def circuit_instructions(width: int, reuploads: int, blocks: int) -> int:
    """Gates of one re-uploading circuit: (L+1)K blocks of q Rot gates (three rotations each)
    and q entanglers, and L encoding layers of q rotations."""
    q, L, K = width, reuploads, blocks
    return (L + 1) * K * q * 4 + L * q


def qiren_from_spec(spec: ModelSpec) -> QirenModel:
    """The architecture of a ``kind = "qiren"`` spec (validated by its schema); ``in_dim`` and
    ``out_dim`` default to the signal's dimensions and must agree with them when both are set."""
    require_kind(spec, ("qiren",), "a QIREN model")
    m = spec.model
    dims = signal_dims(spec)
    if m.in_dim is None and dims is None:
        raise SpecError(f"{spec.path}: missing field 'in_dim' (input dimension); add it or a "
                        "[signal] to take it from", field="in_dim")
    in_dim = m.in_dim if m.in_dim is not None else dims[0]
    out_dim = m.out_dim if m.out_dim is not None else (1 if dims is None else dims[1])
    if dims is not None and (in_dim, out_dim) != dims:
        raise SpecError(f"{spec.path}: fields 'in_dim'/'out_dim' are {in_dim}/{out_dim} but the "
                        f"[signal] has {dims[0]}-D coordinates and {dims[1]} "
                        "channel(s); make them agree", field="in_dim")
    return QirenModel(in_dim=in_dim, width=m.width, layers=m.layers, reuploads=m.reuploads,
                      blocks=m.blocks, entangler=m.entangler, encoding=m.encoding,
                      out_dim=out_dim)


@dataclass(frozen=True)
class TrainingSettings:
    """``[training]`` of a qiren spec; defaults are the released code's (Adam, full batch).

    ``batch_size`` None is the whole signal per step (the released code); an integer >= 2 trains
    on shuffled mini-batches of that size. ``dtype`` is the statevector precision (complex64 by
    default, within a stated tolerance of complex128: see :mod:`qmlc.backends.qiren_train`);
    ``engine`` the simulator: numpy (adjoint sweep on BLAS) or jax (one jitted step; CPU or GPU).
    """

    lr: float = 0.03
    epochs: int = 301
    batch_size: int | None = None
    dtype: str = "complex64"
    engine: str = "numpy"


def training_from_spec(spec: ModelSpec) -> TrainingSettings:
    require_kind(spec, ("qiren",), "QIREN training")
    t = spec.model.training
    return TrainingSettings(lr=t.lr, epochs=t.epochs, batch_size=t.batch_size, dtype=t.dtype,
                            engine=t.engine)


def spec_seed(spec: ModelSpec) -> int:
    return spec.model.seed if spec.kind == "qiren" else 0


def batchnorm_mode(spec: ModelSpec) -> str:
    """``[lowering] batchnorm``: ``"running"`` (fold running statistics, default) or
    ``"signal"`` (fold the batch statistics of the spec's signal, see
    :func:`qmlc.compiler.qiren_reference.with_batch_statistics`)."""
    return spec.model.lowering.batchnorm


__all__ = ["BATCHNORM_MODES", "BN_EPS", "DTYPES", "ENGINES", "QirenModel", "TrainingSettings",
           "batchnorm_mode", "circuit_instructions", "layer_key", "layer_weights",
           "qiren_from_spec", "spec_seed", "training_from_spec"]
