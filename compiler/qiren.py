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

This module holds the model description, the weight-dictionary format (keys mirror the released
code's module names, see ``references/qiren.md``), BatchNorm folding for inference, the signals of
the released training script, and :func:`circuit_expectations_reference`, a plain dense-statevector
implementation that every other simulator in qmlc is tested against.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circuits.reupload import ENCODINGS, ENTANGLERS
from compiler.errors import DataError, SpecError
from compiler.spec import (
    ModelSpec,
    check_finite,
    data_path,
    get_float,
    get_int,
    get_str,
    load_npz,
)

IMAGES = ("coffee", "camera")
BN_EPS = 1e-5  # torch.nn.BatchNorm1d default


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
        for name in ("in_dim", "width", "layers", "reuploads", "blocks", "out_dim"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise SpecError(f"QIREN field '{name}' is {value!r}; it must be an integer >= 1")
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
            p = f"layer{i}."
            shapes[p + "linear.weight"] = (q, self.layer_in_dim(i))
            shapes[p + "linear.bias"] = (q,)
            for name in ("weight", "bias", "running_mean", "running_var"):
                shapes[p + "bn." + name] = (q,)
            shapes[p + "circuit.weights"] = (L, K, q, 3)
            shapes[p + "circuit.final"] = (K, q, 3)
        shapes["out.weight"] = (self.out_dim, q)
        shapes["out.bias"] = (self.out_dim,)
        return shapes

    @property
    def trainable_count(self) -> int:
        """Trainable parameters (BatchNorm running statistics are buffers, not parameters)."""
        return sum(int(np.prod(s)) for k, s in self.param_shapes.items() if "running_" not in k)


# --------------------------------------------------------------------------------------------
# Spec front end


def qiren_from_spec(spec: ModelSpec) -> QirenModel:
    """Read and validate the architecture fields of a ``kind = "qiren"`` spec."""
    if spec.kind != "qiren":
        raise SpecError(f"{spec.path}: field 'kind' is {spec.kind!r}; expected 'qiren'")
    signal_dims = _signal_dims(spec)
    if "in_dim" in spec.table or signal_dims is None:
        in_dim = get_int(spec, "in_dim", minimum=1)
    else:
        in_dim = signal_dims[0]
    out_dim = get_int(spec, "out_dim", default=1 if signal_dims is None else signal_dims[1],
                      minimum=1)
    if signal_dims is not None and (in_dim, out_dim) != signal_dims:
        raise SpecError(f"{spec.path}: fields 'in_dim'/'out_dim' are {in_dim}/{out_dim} but the "
                        f"[signal] has {signal_dims[0]}-D coordinates and {signal_dims[1]} "
                        "channel(s); make them agree")
    return QirenModel(
        in_dim=in_dim,
        width=get_int(spec, "width", default=8, minimum=1),
        layers=get_int(spec, "layers", default=3, minimum=1),
        reuploads=get_int(spec, "reuploads", default=2, minimum=1),
        blocks=get_int(spec, "blocks", default=2, minimum=1),
        entangler=get_str(spec, "entangler", default="cz", choices=ENTANGLERS),
        encoding=get_str(spec, "encoding", default="rz", choices=ENCODINGS),
        out_dim=out_dim,
    )


@dataclass(frozen=True)
class TrainingSettings:
    """``[training]`` of a qiren spec; defaults are the released code's (Adam, full batch)."""

    lr: float = 0.03
    epochs: int = 301


def training_from_spec(spec: ModelSpec) -> TrainingSettings:
    return TrainingSettings(
        lr=get_float(spec, "training.lr", default=0.03, positive=True),
        epochs=get_int(spec, "training.epochs", default=301, minimum=0),
    )


def spec_seed(spec: ModelSpec) -> int:
    return get_int(spec, "seed", default=0, minimum=0)


def weights_from_spec(spec: ModelSpec, model: QirenModel, override: str | None = None,
                      seed: int | None = None) -> dict[str, np.ndarray]:
    """Weights named by ``--weights`` (``override``), else the spec's ``weights``, else a seeded
    initialization (``seed`` argument, else the spec's ``seed``, else 0)."""
    if override is not None:
        path = Path(override)
        if not path.is_file():
            raise DataError(f"--weights: file {path} not found; check the path")
        return load_weights(path, model)
    path = data_path(spec, "weights", required=False)
    if path is not None:
        return load_weights(path, model, where=spec.where("weights"))
    return init_weights(model, spec_seed(spec) if seed is None else seed)


# --------------------------------------------------------------------------------------------
# Weights


def init_weights(model: QirenModel, seed: int) -> dict[str, np.ndarray]:
    """Initialization of the released code: circuit weights uniform on [0, 2π) (PennyLane
    TorchLayer's default), Linear weights and biases uniform on ±1/√fan_in (torch.nn.Linear's
    default), BatchNorm γ = 1, β = 0, running mean 0, running variance 1."""
    rng = np.random.default_rng(seed)
    weights: dict[str, np.ndarray] = {}
    for key, shape in model.param_shapes.items():
        if key.endswith("linear.weight") or key == "out.weight":
            bound = 1.0 / math.sqrt(shape[1])
            weights[key] = rng.uniform(-bound, bound, size=shape)
        elif key.endswith("linear.bias") or key == "out.bias":
            fan_in = model.param_shapes[key[: -len("bias")] + "weight"][1]
            bound = 1.0 / math.sqrt(fan_in)
            weights[key] = rng.uniform(-bound, bound, size=shape)
        elif key.endswith("bn.weight") or key.endswith("bn.running_var"):
            weights[key] = np.ones(shape)
        elif key.endswith("bn.bias") or key.endswith("bn.running_mean"):
            weights[key] = np.zeros(shape)
        else:  # circuit.weights / circuit.final
            weights[key] = rng.uniform(0.0, 2 * math.pi, size=shape)
    return weights


def validate_weights(weights: dict[str, np.ndarray], model: QirenModel,
                     where: str = "weights") -> dict[str, np.ndarray]:
    """Check keys, shapes and finiteness; return float64 copies in the canonical key order."""
    shapes = model.param_shapes
    missing = [k for k in shapes if k not in weights]
    if missing:
        raise DataError(f"{where}: missing key '{missing[0]}' ({len(missing)} missing); expected "
                        f"the keys of references/qiren.md for width {model.width}, "
                        f"{model.layers} layers")
    extra = [k for k in weights if k not in shapes]
    if extra:
        raise DataError(f"{where}: unexpected key '{extra[0]}'; remove it or check the spec's "
                        "'layers'")
    out = {}
    for key, shape in shapes.items():
        array = np.asarray(weights[key])
        if array.dtype.kind not in "fiu":
            raise DataError(f"{where}: '{key}' has dtype {array.dtype}; expected real numbers")
        if tuple(array.shape) != shape:
            raise DataError(f"{where}: '{key}' has shape {tuple(array.shape)}; expected {shape} "
                            f"for the spec's architecture (width {model.width}, reuploads "
                            f"{model.reuploads}, blocks {model.blocks})")
        array = array.astype(np.float64)
        check_finite(array, f"{where}: '{key}'")
        out[key] = array
    for i in range(model.layers):
        if np.any(out[f"layer{i}.bn.running_var"] < 0):
            raise DataError(f"{where}: 'layer{i}.bn.running_var' has negative entries; "
                            "variances must be >= 0")
    return out


def load_weights(path: str | Path, model: QirenModel, where: str | None = None
                 ) -> dict[str, np.ndarray]:
    path = Path(path)
    where = where or str(path)
    if not path.is_file():
        raise DataError(f"{where}: weights file {path} not found; check the path")
    return validate_weights(load_npz(path, where), model, where=f"{where} ({path.name})")


def save_weights(path: str | Path, weights: dict[str, np.ndarray]) -> Path:
    """Write the weight dictionary as an uncompressed ``.npz`` (atomic: temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.npz")
    try:
        np.savez(tmp, **{k: np.asarray(v) for k, v in weights.items()})
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# --------------------------------------------------------------------------------------------
# BatchNorm folding


def fold_batchnorm(weights: dict[str, np.ndarray], i: int, eps: float = BN_EPS
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Fold layer i's BatchNorm (running statistics) into its Linear: the affine map
    ``h = W' x + b'`` with ``W' = diag(γ/√(σ²+ε)) W`` and ``b' = γ (b − μ)/√(σ²+ε) + β``."""
    p = f"layer{i}."
    scale = weights[p + "bn.weight"] / np.sqrt(weights[p + "bn.running_var"] + eps)
    w = scale[:, None] * weights[p + "linear.weight"]
    b = scale * (weights[p + "linear.bias"] - weights[p + "bn.running_mean"]) + weights[p + "bn.bias"]
    return w, b


# --------------------------------------------------------------------------------------------
# Reference simulation: dense statevector, qubit 0 = most significant axis of the state tensor

_Z = np.array([1.0, -1.0])


def _apply_1q(state: np.ndarray, gates: np.ndarray, j: int) -> np.ndarray:
    """state (B, 2, ..., 2); gates (B, 2, 2) or (2, 2) applied to qubit j (axis j + 1)."""
    state = np.moveaxis(state, j + 1, -1)
    if gates.ndim == 2:
        state = state @ gates.T
    else:
        shape = state.shape
        flat = state.reshape(shape[0], -1, 2)
        state = np.einsum("bpi,bki->bpk", flat, gates).reshape(shape)
    return np.moveaxis(state, -1, j + 1)


def _rz(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    out = np.zeros(t.shape + (2, 2), dtype=complex)
    out[..., 0, 0] = np.exp(-0.5j * t)
    out[..., 1, 1] = np.exp(0.5j * t)
    return out


def _ry(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2).astype(complex)


def _rx(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    c, s = np.cos(t / 2), -1j * np.sin(t / 2)
    return np.stack([np.stack([c, s], -1), np.stack([s, c], -1)], -2)


ROTATIONS = {"rz": _rz, "rx": _rx, "ry": _ry}


def rot_matrix(phi: float, theta: float, omega: float) -> np.ndarray:
    """PennyLane ``Rot(φ, θ, ω) = RZ(ω) RY(θ) RZ(φ)``."""
    return _rz(omega) @ _ry(theta) @ _rz(phi)


def _apply_entangler(state: np.ndarray, control: int, target: int, entangler: str) -> np.ndarray:
    idx = [slice(None)] * state.ndim
    idx[control + 1] = 1
    sub = state[tuple(idx)]  # control = 1 subspace; target axis shifts if after control
    t_axis = target + 1 - (1 if target > control else 0)
    sub = sub.copy()
    if entangler == "cz":
        tidx = [slice(None)] * sub.ndim
        tidx[t_axis] = 1
        sub[tuple(tidx)] *= -1
    else:  # cnot
        sub = np.flip(sub, axis=t_axis)
    state = state.copy()
    state[tuple(idx)] = sub
    return state


def _apply_blocks(state: np.ndarray, blocks: np.ndarray, entangler: str) -> np.ndarray:
    """blocks (K, q, 3): K parameter blocks of StronglyEntanglingLayers."""
    K, q, _ = blocks.shape
    for k in range(K):
        for j in range(q):
            state = _apply_1q(state, rot_matrix(*blocks[k, j]), j)
        if q > 1:
            r = (k % (q - 1)) + 1
            for j in range(q):
                state = _apply_entangler(state, j, (j + r) % q, entangler)
    return state


def circuit_state_reference(angles: np.ndarray, weights: np.ndarray, final: np.ndarray,
                            entangler: str = "cz", encoding: str = "rz") -> np.ndarray:
    """Final statevectors (B, 2**q) of one hybrid layer's circuit, qubit 0 most significant."""
    angles = np.atleast_2d(np.asarray(angles, dtype=float))
    B, q = angles.shape
    state = np.zeros((B,) + (2,) * q, dtype=complex)
    state[(slice(None),) + (0,) * q] = 1.0
    enc = ROTATIONS[encoding]
    for r in range(weights.shape[0]):
        state = _apply_blocks(state, weights[r], entangler)
        for j in range(q):
            state = _apply_1q(state, enc(angles[:, j]), j)
    state = _apply_blocks(state, final, entangler)
    return state.reshape(B, 2**q)


def circuit_expectations_reference(angles: np.ndarray, weights: np.ndarray, final: np.ndarray,
                                   entangler: str = "cz", encoding: str = "rz") -> np.ndarray:
    """⟨Z_j⟩ (B, q) of one hybrid layer's circuit for encoded angles (B, q)."""
    angles = np.atleast_2d(np.asarray(angles, dtype=float))
    q = angles.shape[1]
    probs = np.abs(circuit_state_reference(angles, weights, final, entangler, encoding)) ** 2
    probs = probs.reshape((-1,) + (2,) * q)
    out = np.empty((angles.shape[0], q))
    for j in range(q):
        axes = tuple(a + 1 for a in range(q) if a != j)
        out[:, j] = probs.sum(axis=axes) @ _Z
    return out


def layer_angles(model: QirenModel, weights: dict[str, np.ndarray], i: int, x: np.ndarray,
                 batchnorm: str = "running") -> np.ndarray:
    """Encoded angles h = BN(Linear(x)) of hybrid layer i (B, q).

    ``batchnorm = "running"`` uses the running statistics (inference, = the folded affine map);
    ``"batch"`` uses the statistics of ``x`` itself with the biased variance, as
    ``torch.nn.BatchNorm1d`` in training mode — the released code never leaves training mode.
    """
    p = f"layer{i}."
    z = x @ weights[p + "linear.weight"].T + weights[p + "linear.bias"]
    if batchnorm == "running":
        mean, var = weights[p + "bn.running_mean"], weights[p + "bn.running_var"]
    elif batchnorm == "batch":
        mean, var = z.mean(axis=0), z.var(axis=0)
    else:
        raise ValueError(f"batchnorm must be 'running' or 'batch', got {batchnorm!r}")
    return (z - mean) / np.sqrt(var + BN_EPS) * weights[p + "bn.weight"] + weights[p + "bn.bias"]


def reference_forward(model: QirenModel, weights: dict[str, np.ndarray], X: np.ndarray,
                      batchnorm: str = "running", return_layers: bool = False):
    """Model outputs (B, out_dim) computed with :func:`circuit_expectations_reference`.

    With ``return_layers`` also returns the list of encoded angles fed to each layer's circuit.
    """
    x = np.atleast_2d(np.asarray(X, dtype=float))
    angles_per_layer = []
    for i in range(model.layers):
        h = layer_angles(model, weights, i, x, batchnorm)
        angles_per_layer.append(h)
        x = circuit_expectations_reference(h, weights[f"layer{i}.circuit.weights"],
                                           weights[f"layer{i}.circuit.final"],
                                           model.entangler, model.encoding)
    y = x @ weights["out.weight"].T + weights["out.bias"]
    return (y, angles_per_layer) if return_layers else y


def with_batch_statistics(model: QirenModel, weights: dict[str, np.ndarray], X: np.ndarray
                          ) -> dict[str, np.ndarray]:
    """A copy of ``weights`` whose BatchNorm running statistics are replaced by the batch
    statistics (mean, biased variance) of the inputs ``X`` reaching each layer.

    The released code never leaves training mode and always feeds the whole signal as one batch,
    so what it computes on the signal is BatchNorm with these statistics; folding them (instead of
    the lagging running averages) makes the lowered program reproduce
    ``reference_forward(..., batchnorm="batch")`` on ``X`` exactly.
    """
    out = {k: np.array(v, dtype=float, copy=True) for k, v in weights.items()}
    x = np.atleast_2d(np.asarray(X, dtype=float))
    for i in range(model.layers):
        p = f"layer{i}."
        z = x @ out[p + "linear.weight"].T + out[p + "linear.bias"]
        out[p + "bn.running_mean"], out[p + "bn.running_var"] = z.mean(axis=0), z.var(axis=0)
        h = layer_angles(model, out, i, x, "running")
        x = circuit_expectations_reference(h, out[p + "circuit.weights"],
                                           out[p + "circuit.final"], model.entangler,
                                           model.encoding)
    return out


BATCHNORM_MODES = ("running", "signal")


def batchnorm_mode(spec: ModelSpec) -> str:
    """``[lowering] batchnorm``: ``"running"`` (fold running statistics, default) or
    ``"signal"`` (fold the batch statistics of the spec's signal, see
    :func:`with_batch_statistics`)."""
    return get_str(spec, "lowering.batchnorm", default="running", choices=BATCHNORM_MODES)


# --------------------------------------------------------------------------------------------
# Signals


def grid_coords(size: int, dim: int = 2) -> np.ndarray:
    """``get_mgrid`` of the released code: linspace(−1, 1) per axis, 'ij' order, (size**dim, dim)."""
    axes = [np.linspace(-1.0, 1.0, size)] * dim
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, dim)


def image_signal(name: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's ``coffee``/``camera`` as in the released ``image/data_process.py``:
    grayscale in [0, 1], torchvision ``Resize(size)`` (shorter side, bilinear with PIL) and
    ``CenterCrop(size)``, then ``Normalize(0.5, 0.5)`` → [−1, 1]. Pixels in row-major order,
    matching :func:`grid_coords` (coordinate 0 = row)."""
    import skimage.color
    import skimage.data
    from PIL import Image

    if name == "coffee":
        gray = skimage.color.rgb2gray(skimage.data.coffee())
    elif name == "camera":
        gray = skimage.data.camera().astype(np.float64) / 255.0
    else:  # pragma: no cover - validated by the caller
        raise SpecError(f"unknown image {name!r}")
    img = Image.fromarray(gray.astype(np.float32), mode="F")
    w, h = img.size
    if w <= h:
        new_w, new_h = size, int(size * h / w)
    else:
        new_w, new_h = int(size * w / h), size
    img = img.resize((new_w, new_h), Image.BILINEAR)
    left = int(round((new_w - size) / 2.0))
    top = int(round((new_h - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    pixels = (np.asarray(img, dtype=np.float64) - 0.5) / 0.5
    return grid_coords(size, 2), pixels.reshape(-1, 1)


def _signal_dims(spec: ModelSpec) -> tuple[int, int] | None:
    sig = spec.section("signal", required=False)
    if not sig:
        return None
    if "image" in sig:
        return 2, 1
    if "sound" in sig:
        return 1, 1
    if "data" in sig:
        coords, values = _load_data_arrays(spec)
        return coords.shape[1], values.shape[1]
    raise SpecError(f"{spec.where('signal')}: set one of 'image', 'sound' or 'data'")


def _load_data_arrays(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    path = data_path(spec, "signal.data")
    arrays = load_npz(path, spec.where("signal.data"))
    for key in ("coords", "values"):
        if key not in arrays:
            raise DataError(f"{spec.where('signal.data')}: {path.name} has no array '{key}'; "
                            "save coords (P, in_dim) and values (P, out_dim)")
    coords = np.asarray(arrays["coords"], dtype=float)
    values = np.asarray(arrays["values"], dtype=float)
    coords = coords[:, None] if coords.ndim == 1 else coords
    values = values[:, None] if values.ndim == 1 else values
    if coords.ndim != 2 or values.ndim != 2 or coords.shape[0] != values.shape[0]:
        raise DataError(f"{spec.where('signal.data')}: coords {coords.shape} and values "
                        f"{values.shape} must be (P, in_dim) and (P, out_dim) with the same P")
    check_finite(coords, f"{spec.where('signal.data')}: coords")
    check_finite(values, f"{spec.where('signal.data')}: values")
    return coords, values


def load_signal(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray] | None:
    """The spec's ``[signal]`` as (coords (P, in_dim), values (P, out_dim)), or None.

    ``image = "coffee" | "camera"`` with ``size`` (32); ``sound = "file.wav"`` with optional
    ``start``, ``stop``, ``step`` (the released code uses gt_bach.wav[20000:25000:5]), scaled by
    max |x|, first channel, coordinates linspace(−1, 1); ``data = "arrays.npz"`` with ``coords``
    and ``values``.
    """
    sig = spec.section("signal", required=False)
    if not sig:
        return None
    if "image" in sig:
        name = get_str(spec, "signal.image", choices=IMAGES)
        size = get_int(spec, "signal.size", default=32, minimum=2, maximum=512)
        return image_signal(name, size)
    if "sound" in sig:
        return _sound_signal(spec)
    if "data" in sig:
        return _load_data_arrays(spec)
    raise SpecError(f"{spec.where('signal')}: set one of 'image', 'sound' or 'data'")


def _sound_signal(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    import scipy.io.wavfile

    path = data_path(spec, "signal.sound")
    try:
        _, data = scipy.io.wavfile.read(path)
    except Exception as exc:
        raise DataError(f"{spec.where('signal.sound')}: cannot read {path.name} as WAV "
                        f"({type(exc).__name__}: {exc}); give a PCM .wav file") from None
    data = np.asarray(data, dtype=np.float64)
    data = data[:, 0] if data.ndim == 2 else data
    start = get_int(spec, "signal.start", default=0, minimum=0)
    stop = get_int(spec, "signal.stop", default=len(data), minimum=start + 1)
    step = get_int(spec, "signal.step", default=1, minimum=1)
    data = data[start:stop:step]
    if data.size < 2:
        raise DataError(f"{spec.where('signal.sound')}: fewer than 2 samples after "
                        f"[{start}:{stop}:{step}]; check start/stop/step")
    scale = np.max(np.abs(data))
    if scale == 0:
        raise DataError(f"{spec.where('signal.sound')}: {path.name} is silent; nothing to fit")
    check_finite(data, spec.where("signal.sound"))
    return np.linspace(-1.0, 1.0, data.size)[:, None], (data / scale)[:, None]


def mse_psnr(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """MSE and PSNR for signals in [−1, 1] (peak-to-peak 2): PSNR = 10 log10(2² / MSE)."""
    mse = float(np.mean((np.asarray(pred) - np.asarray(target)) ** 2))
    psnr = float(10 * np.log10(4.0 / mse)) if mse > 0 else float("inf")
    return {"mse": mse, "psnr_db": psnr}
