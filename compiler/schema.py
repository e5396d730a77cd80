"""The schema of every spec kind: pydantic models, one field per line, ranges from
:mod:`qmlc.compiler.limits`.

A spec's TOML table is validated against its kind's model when it is loaded
(:func:`qmlc.compiler.spec.load_spec`); front ends then read typed attributes
(``spec.model.training.learning_rate``) and never parse raw values. Models are strict: an integer
field takes only TOML integers (not ``4.0``, not ``"4"``, not ``true``), a number takes integers or
floats but no ``nan``/``inf``, and unknown keys are refused (``extra="forbid"``), so a typo such as
``stpes`` is an error with a "did you mean" suggestion instead of a silently used default.

Adding a field is one line in a model below; its description becomes the JSON Schema's
(``qmlc schema KIND``) and the range appears in every error message about it.

Errors are one line: the TOML path (``training.learning_rate``), the value, the allowed range, and
what to do (:func:`validation_message`).
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from qmlc.circuits.reupload import ENCODINGS, ENTANGLERS
from qmlc.compiler import limits as L

ACTIVATIONS = ("tanh", "sigmoid", "softplus", "identity")
LOSSES = ("mse", "cross-entropy")
IMAGES = ("coffee", "camera")
IMAGE_SIDES = {"coffee": 400, "camera": 512}  # shorter side of scikit-image's originals
BATCHNORM_MODES = ("running", "signal")
DTYPES = ("complex64", "complex128")  # statevector precision of the QIREN training engine
ENGINES = ("numpy", "jax")


def check_file_name(value: str) -> str:
    """A data file name as a spec may give it (relative to the spec's directory, or absolute)."""
    if not value:
        raise ValueError("empty file name")
    if "\x00" in value:
        raise ValueError("the file name contains a NUL byte")
    if len(value.encode("utf-8", "surrogateescape")) > L.PATH_MAX:
        raise ValueError(f"the path is longer than {L.PATH_MAX} bytes")
    for part in value.replace("\\", "/").split("/"):
        if len(part.encode("utf-8", "surrogateescape")) > L.NAME_MAX:
            raise ValueError(f"a path component is longer than {L.NAME_MAX} bytes")
    return value


DataFile = Annotated[str, AfterValidator(check_file_name)]


class Section(BaseModel):
    """Strict, closed, immutable: the base of every spec table."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True,
                              validate_default=False)


def _int(low: int, high: int, description: str, default: Any = ...) -> Any:
    return Field(default, ge=low, le=high, description=description)


# -- fields shared by the Carleman kinds -----------------------------------------------------------

ORDER = _int(L.MIN_ORDER, L.MAX_ORDER, "Carleman truncation order N")
STEPS = _int(L.MIN_STEPS, L.MAX_STEPS, "gradient-descent steps T (the horizon of the history "
             "system)")
EPSILON = Field(1e-3, ge=L.MIN_EPSILON, lt=L.MAX_EPSILON,
                description="target error ε of 'qmlc estimate' (overridden by --epsilon)")
NAME = Field(None, min_length=1, max_length=L.MAX_NAME_CHARS,
             description="a name for reports (default: the spec file's stem)")


class SparseFiles(Section):
    """``[sparse]``: any G_ℓ (ℓ ≥ 1) from its own ``scipy.sparse.save_npz`` file."""

    G1: DataFile | None = Field(None, description="G_1 (n, n) as a scipy sparse .npz")
    G2: DataFile | None = Field(None, description="G_2 (n, n²) as a scipy sparse .npz")
    G3: DataFile | None = Field(None, description="G_3 (n, n³) as a scipy sparse .npz")


class PolynomialMapSpec(Section):
    """``kind = "polynomial-map"``: u⁺ = G0 + G1 u + G2 u⊗u (+ G3 u⊗u⊗u)."""

    kind: Literal["polynomial-map"]
    name: str | None = NAME
    data: DataFile = Field(description=".npz with u0 (n,), G0 (n,), G1 (n, n), G2 (n, n²), "
                                       "optional G3 (n, n³) as dense arrays")
    order: int = ORDER
    steps: int = STEPS
    epsilon: float = EPSILON
    sparse: SparseFiles | None = Field(None, description="G_l from scipy sparse files")


class NetworkSection(Section):
    """``[network]``: the pruned MLP."""

    layers: list[Annotated[int, Field(ge=1, le=L.MAX_LAYER_UNITS)]] = Field(
        min_length=2, max_length=L.MAX_LAYERS,
        description=f"layer sizes d_0..d_L (at least input and output; each in [1, "
                    f"{L.MAX_LAYER_UNITS}])")
    activation: Literal[ACTIVATIONS] = Field(  # type: ignore[valid-type]
        description="hidden-layer activation (the output layer is affine)")
    weights: DataFile = Field(description=".npz with W1 (d1, d0), b1, W2, …; optional masks "
                                          "mask_W1, …")


class NetworkTraining(Section):
    """``[training]`` of a sparse network: the data, the loss and gradient descent."""

    data: DataFile = Field(description=".npz with X (m, d_0) and Y (m, d_L)")
    loss: Literal[LOSSES] = Field("mse", description="training loss")  # type: ignore[valid-type]
    learning_rate: float = Field(gt=0, le=L.MAX_LEARNING_RATE, description="step size η")
    taylor_order: Literal[2, 3] = Field(3, description="Taylor order of the loss: 2 gives an "
                                                       "affine map, 3 a quadratic map")
    expansion_point: str = Field("initial", description="'initial' or an .npz with the "
                                                        "weights' keys")
    sparsify: float = Field(0.0, ge=0, lt=1, description="drop |G entries| < sparsify·max|G_l|")

    @model_validator(mode="after")
    def _expansion_file(self) -> NetworkTraining:
        if self.expansion_point != "initial":
            try:
                check_file_name(self.expansion_point)
            except ValueError as exc:
                raise ValueError(f"expansion_point: {exc}") from None
        return self


class SparseNetworkSpec(Section):
    """``kind = "sparse-network"``: a pruned MLP's gradient descent, Taylor-expanded."""

    kind: Literal["sparse-network"]
    name: str | None = NAME
    order: int = ORDER
    steps: int = STEPS
    epsilon: float = EPSILON
    network: NetworkSection
    training: NetworkTraining


# -- QIREN ----------------------------------------------------------------------------------------


class QirenSignal(Section):
    """``[signal]``: exactly one of ``image``, ``sound`` or ``data``."""

    image: Literal[IMAGES] | None = Field(  # type: ignore[valid-type]
        None, description="scikit-image's bundled image, grayscale in [-1, 1]")
    size: int | None = Field(None, ge=L.MIN_IMAGE_SIZE, le=L.MAX_IMAGE_SIZE,
                             description="image side in pixels (default 32)")
    sound: DataFile | None = Field(None, description="a PCM .wav file (first channel)")
    start: int | None = Field(None, ge=0, le=L.MAX_SOUND_INDEX, description="first sample")
    stop: int | None = Field(None, ge=1, le=L.MAX_SOUND_INDEX,
                             description="one past the last sample (default: the end)")
    step: int | None = Field(None, ge=1, le=L.MAX_SOUND_INDEX, description="sample stride")
    data: DataFile | None = Field(None, description=".npz with coords (P, in_dim) and values "
                                                    "(P, out_dim)")

    @model_validator(mode="after")
    def _one_source(self) -> QirenSignal:
        given = [k for k in ("image", "sound", "data") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("set exactly one of 'image', 'sound' or 'data'"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.size is not None and self.image is None:
            raise ValueError("'size' applies to 'image' only; remove it")
        if self.size is not None and self.size > IMAGE_SIDES[self.image]:
            # Resize + CenterCrop may only shrink: a side beyond the original's invents pixels
            raise ValueError(f"size = {self.size}: {self.image!r} is "
                             f"{IMAGE_SIDES[self.image]} pixels on its shorter side; give a size "
                             f"<= {IMAGE_SIDES[self.image]}")
        sound_keys = [k for k in ("start", "stop", "step") if getattr(self, k) is not None]
        if sound_keys and self.sound is None:
            raise ValueError(f"'{sound_keys[0]}' applies to 'sound' only; remove it")
        if self.start is not None and self.stop is not None and self.stop <= self.start:
            raise ValueError(f"stop = {self.stop} must be > start = {self.start}")
        return self


class QirenTraining(Section):
    """``[training]`` of a QIREN spec (the released code's defaults)."""

    lr: float = Field(0.03, gt=0, le=L.MAX_QIREN_LR, description="Adam learning rate")
    epochs: int = _int(1, L.MAX_QIREN_EPOCHS, "Adam epochs over the signal", 301)
    batch_size: int | None = Field(None, ge=2, le=L.MAX_QIREN_BATCH,
                                   description="mini-batch size (default: the whole signal)")
    dtype: Literal[DTYPES] = Field(  # type: ignore[valid-type]
        "complex64", description="statevector precision of the training engine")
    engine: Literal[ENGINES] = Field(  # type: ignore[valid-type]
        "numpy", description="training engine: numpy (adjoint sweep) or jax (jitted step)")


class QirenLowering(Section):
    """``[lowering]``: how the trained model becomes circuits."""

    batchnorm: Literal[BATCHNORM_MODES] = Field(  # type: ignore[valid-type]
        "running", description="fold BatchNorm with its running statistics, or with the batch "
                               "statistics of the spec's signal")


class QirenSpec(Section):
    """``kind = "qiren"``: QIREN (Zhao et al., ICML 2024), hybrid Linear → BatchNorm →
    re-uploading circuit layers."""

    kind: Literal["qiren"]
    name: str | None = NAME
    in_dim: int | None = Field(None, ge=1, le=L.MAX_QIREN_DIM,
                               description="input dimension (default: the signal's)")
    width: int = _int(1, L.MAX_QIREN_WIDTH, "qubits per hybrid layer (= hidden width)", 8)
    layers: int = _int(1, L.MAX_QIREN_LAYERS, "hybrid layers", 3)
    reuploads: int = _int(1, L.MAX_QIREN_REUPLOADS, "L: encoding repetitions per circuit", 2)
    blocks: int = _int(1, L.MAX_QIREN_BLOCKS, "K: entangling blocks per parameter layer", 2)
    entangler: Literal[ENTANGLERS] = Field(  # type: ignore[valid-type]
        "cz", description="two-qubit gate of the entangling ring")
    encoding: Literal[ENCODINGS] = Field("rz", description="encoding rotation")  # type: ignore
    out_dim: int | None = Field(None, ge=1, le=L.MAX_QIREN_DIM,
                                description="output channels (default: the signal's, else 1)")
    seed: int = _int(L.MIN_SEED, L.MAX_SEED, "seed of the initialization without weights", 0)
    weights: DataFile | None = Field(None, description="weights .npz (as 'qmlc train' writes)")
    signal: QirenSignal | None = None
    training: QirenTraining = QirenTraining()
    lowering: QirenLowering = QirenLowering()


SCHEMAS: dict[str, type[Section]] = {
    "polynomial-map": PolynomialMapSpec,
    "sparse-network": SparseNetworkSpec,
    "qiren": QirenSpec,
}
KINDS = tuple(SCHEMAS)

# What to do about a value above a field's range, beyond "use a value in range".
HINTS = {
    "order": "orders beyond 8 are outside qmlc's models (the paper uses N <= 3)",
    "width": "QIREN's published width is 8 qubits",
}


def json_schema(kind: str) -> dict:
    """The JSON Schema (draft 2020-12) of a spec kind, for editors and ``qmlc schema``."""
    schema = SCHEMAS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"qmlc spec, kind = {kind!r}"
    return schema


def validate(kind: str, table: dict) -> Section:
    """The typed model of ``table``; raises :class:`pydantic.ValidationError`."""
    return SCHEMAS[kind].model_validate(table)


# -- error messages --------------------------------------------------------------------------------


def validation_message(exc: ValidationError, kind: str) -> tuple[str, str]:
    """(dotted field, one-line message) for the first error of a validation; unknown keys come
    first, so that a misspelt required key reads "did you mean", not "missing"."""
    errors = exc.errors()
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(error["loc"])
    field = _dotted(loc)
    model = SCHEMAS[kind]
    kind_ = error["type"]
    if kind_ == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = list(parent.model_fields) if parent is not None else []
        key = str(loc[-1])
        prefix = field[: len(field) - len(key)]
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        where = f"[{_dotted(loc[:-1])}]" if loc[:-1] else "the top level"
        message = f"unknown key '{field}'"
        message += f"; did you mean '{prefix}{close[0]}'?" if close else ""
        message += f" (keys allowed in {where}: {', '.join(allowed)})"
        return field, message
    info = _field_at(model, loc)
    description = f" — {info.description}" if info is not None and info.description else ""
    if kind_ == "missing":
        if _is_model(info):
            return field, (f"missing section [{field}]; add it (see 'qmlc schema {kind}')")
        return field, f"missing field '{field}'{description}; add it to the spec"
    if kind_ in ("model_type", "model_attributes_type") or (
            kind_ == "dict_type" and _is_model(info)):
        return field, (f"'{field}' must be a table [{field}], got {_shown(error['input'])}")
    if kind_ == "value_error":
        reason = str(error.get("ctx", {}).get("error", error["msg"]))
        if _is_model(info) or not field:
            return field, f"[{field}]: {reason}" if field else reason
        return field, f"field '{field}' = {_shown(error['input'])}: {reason}; fix it in the spec"
    expected = _expectation(info, loc)
    hint = HINTS.get(field) if kind_ in ("less_than_equal", "less_than") else None
    message = (f"field '{field}' = {_shown(error['input'])}: must be {expected}{description}; "
               + (hint if hint else "fix the value in the spec"))
    return field, message


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(annotation: Any) -> list[Any]:
    """The member types of an annotation (``X | None`` → [X], list[X] → [list[X]])."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _submodel(annotation: Any) -> type[BaseModel] | None:
    for member in _unwrap(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def _is_model(info: Any) -> bool:
    return info is not None and _submodel(info.annotation) is not None


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        sub = _submodel(info.annotation) if info is not None else None
        if sub is None:
            return None
        model = sub
    return model


def _field_at(model: type[BaseModel], loc: tuple) -> Any:
    names = [p for p in loc if not isinstance(p, int)]
    if not names:
        return None
    parent = _model_at(model, tuple(names[:-1]))
    return None if parent is None else parent.model_fields.get(str(names[-1]))


def _expectation(info: Any, loc: tuple) -> str:
    """What a field accepts, in words: "an integer in [1, 8]", "one of 'mse', 'cross-entropy'"."""
    if info is None:
        return "a valid value"
    annotation = info.annotation
    metadata = list(info.metadata)
    members = _unwrap(annotation)
    if loc and isinstance(loc[-1], int) and typing.get_origin(members[0]) is list:
        item = typing.get_args(members[0])[0]  # Annotated[int, Field(...)] of list items
        members = [typing.get_args(item)[0] if typing.get_origin(item) is Annotated else item]
        metadata = [m for meta in getattr(item, "__metadata__", ()) for m in
                    getattr(meta, "metadata", [meta])]
    base = members[0]
    if typing.get_origin(base) is Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(base))
    low = high = None
    low_open = high_open = False
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            low = m.ge
        elif isinstance(m, annotated_types.Gt):
            low, low_open = m.gt, True
        elif isinstance(m, annotated_types.Le):
            high = m.le
        elif isinstance(m, annotated_types.Lt):
            high, high_open = m.lt, True
    if base is int:
        noun = "an integer"
    elif base is float:
        noun = "a finite number"
    elif base is str:
        lengths = [m.max_length for m in metadata if isinstance(m, annotated_types.MaxLen)]
        if lengths:
            return f"a string of 1 to {lengths[0]} characters"
        if any(getattr(m, "func", None) is check_file_name for m in metadata):
            return "a file name (relative to the spec's directory)"
        return "a string"
    elif typing.get_origin(base) is list:
        sizes = [m for m in metadata if isinstance(m, (annotated_types.MinLen,
                                                       annotated_types.MaxLen))]
        lo = next((m.min_length for m in sizes if isinstance(m, annotated_types.MinLen)), 0)
        hi = next((m.max_length for m in sizes if isinstance(m, annotated_types.MaxLen)), None)
        return f"a list of {lo} to {hi} integers" if hi else "a list of integers"
    else:
        noun = "a valid value"
    if low is None and high is None:
        return noun
    return f"{noun} {L.interval(low, high, low_open, high_open)}"


__all__ = ["ACTIVATIONS", "BATCHNORM_MODES", "DTYPES", "ENGINES", "HINTS", "IMAGE_SIDES",
           "IMAGES", "KINDS", "LOSSES", "SCHEMAS", "DataFile",
           "NetworkSection", "NetworkTraining", "PolynomialMapSpec", "QirenLowering",
           "QirenSignal", "QirenSpec", "QirenTraining", "Section", "SparseFiles",
           "SparseNetworkSpec", "check_file_name", "json_schema", "validate",
           "validation_message"]
