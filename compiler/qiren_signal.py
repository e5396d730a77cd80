"""QIREN's signals: the images and sound of the released training script, or user arrays, as
(coordinates, values) pairs; and the metrics reported on them.

PSNR is stated for signals in [−1, 1] (peak-to-peak 2): ``PSNR = 10 log10(2² / MSE)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qmlc.compiler.errors import DataError, SpecError
from qmlc.compiler.schema import IMAGE_SIDES, IMAGES
from qmlc.compiler.spec import (
    ModelSpec,
    check_finite,
    check_magnitude,
    checked_input_file,
    data_path,
    load_npy,
    load_npz,
    log10_abs_max,
    real_array,
)

DEFAULT_IMAGE_SIZE = 32


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


def _signal(spec: ModelSpec):
    return spec.model.signal if spec.kind == "qiren" else None


def signal_dims(spec: ModelSpec) -> tuple[int, int] | None:
    """(in_dim, out_dim) of the spec's ``[signal]``, or None without one."""
    sig = _signal(spec)
    if sig is None:
        return None
    if sig.image is not None:
        return 2, 1
    if sig.sound is not None:
        return 1, 1
    coords, values = _load_data_arrays(spec)
    return coords.shape[1], values.shape[1]


def _load_data_arrays(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    field = "signal.data"
    path = data_path(spec, field)
    where = spec.where(field)
    arrays = load_npz(path, where)
    for key in ("coords", "values"):
        if key not in arrays:
            raise DataError(f"{where}: {path.name} has no array '{key}'; "
                            "save coords (P, in_dim) and values (P, out_dim)")
    extra = sorted(set(arrays) - {"coords", "values"})
    if extra:
        raise DataError(f"{where}: {path.name} has unknown arrays {extra}; expected coords and "
                        "values")
    coords = real_array(arrays["coords"], f"{where}: coords in {path.name}")
    values = real_array(arrays["values"], f"{where}: values in {path.name}")
    coords = coords[:, None] if coords.ndim == 1 else coords
    values = values[:, None] if values.ndim == 1 else values
    if (coords.ndim != 2 or values.ndim != 2 or coords.shape[0] != values.shape[0]
            or 0 in coords.shape or 0 in values.shape):
        raise DataError(f"{where}: coords {coords.shape} and values {values.shape} must be "
                        "(P, in_dim) and (P, out_dim) with the same P >= 1")
    return coords, values


def load_signal(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray] | None:
    """The spec's ``[signal]`` as (coords (P, in_dim), values (P, out_dim)), or None.

    ``image = "coffee" | "camera"`` with ``size`` (32); ``sound = "file.wav"`` with optional
    ``start``, ``stop``, ``step`` (the released code uses gt_bach.wav[20000:25000:5]), scaled by
    max |x|, first channel, coordinates linspace(−1, 1); ``data = "arrays.npz"`` with ``coords``
    and ``values``.
    """
    sig = _signal(spec)
    if sig is None:
        return None
    if sig.image is not None:
        return image_signal(sig.image, sig.size or DEFAULT_IMAGE_SIZE)
    if sig.sound is not None:
        return _sound_signal(spec)
    return _load_data_arrays(spec)


def _sound_signal(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    import scipy.io.wavfile

    sig = spec.model.signal
    path = data_path(spec, "signal.sound")
    try:
        _, data = scipy.io.wavfile.read(path, mmap=True)
    except Exception as exc:
        raise DataError(f"{spec.where('signal.sound')}: cannot read {path.name} as WAV "
                        f"({type(exc).__name__}: {exc}); give a PCM .wav file") from None
    if data.dtype.kind not in "iuf":
        raise DataError(f"{spec.where('signal.sound')}: {path.name} holds {data.dtype} samples; "
                        "give a PCM .wav file")
    data = data[:, 0] if data.ndim == 2 else data
    start = sig.start or 0
    stop = len(data) if sig.stop is None else sig.stop
    step = sig.step or 1
    data = np.asarray(data[start:stop:step], dtype=np.float64)
    if data.size < 2:
        raise DataError(f"{spec.where('signal.sound')}: fewer than 2 samples after "
                        f"[{start}:{stop}:{step}] of {path.name}; check start/stop/step")
    check_finite(data, spec.where("signal.sound"))
    scale = np.max(np.abs(data))
    if scale == 0:
        raise DataError(f"{spec.where('signal.sound')}: {path.name} is silent; nothing to fit")
    return np.linspace(-1.0, 1.0, data.size)[:, None], (data / scale)[:, None]


def load_inputs(path: str | Path, in_dim: int) -> np.ndarray:
    """Model inputs from a ``.npy`` file: (B, in_dim), one input per row (a single row or, for
    in_dim = 1, a single column may be given as a vector); real, finite, of moderate size."""
    path = checked_input_file(path, "inputs", "a .npy file with one input per row")
    where = f"inputs = {path}"
    X = real_array(load_npy(path, where, "inputs"), where, "inputs")
    if X.ndim == 1 and in_dim == 1:
        X = X[:, None]
    elif X.ndim == 1 and X.shape[0] == in_dim:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != in_dim or X.shape[0] == 0:
        raise DataError(f"{where}: shape {X.shape}; expected (B, {in_dim}) with one input per "
                        "row", field="inputs")
    check_magnitude(log10_abs_max(X), where, "the largest input", "rescale the inputs",
                    field="inputs")
    return X


def psnr(mse: float) -> float:
    """PSNR in dB of a signal in [−1, 1]: ``10 log10(4 / MSE)`` (peak-to-peak range 2)."""
    return float(10.0 * np.log10(4.0 / mse)) if mse > 0 else float("inf")


def mse_psnr(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """MSE and PSNR (:func:`psnr`) of a prediction against its target."""
    mse = float(np.mean((np.asarray(pred) - np.asarray(target)) ** 2))
    return {"mse": mse, "psnr_db": psnr(mse)}


__all__ = ["IMAGES", "IMAGE_SIDES", "grid_coords", "image_signal", "load_inputs", "load_signal",
           "mse_psnr", "psnr", "signal_dims"]
