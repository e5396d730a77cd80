"""QIREN's signals: the images and sound of the released training script, or user arrays, as
(coordinates, values) pairs; and the metrics reported on them.

PSNR is stated for signals in [−1, 1] (peak-to-peak 2): ``PSNR = 10 log10(2² / MSE)``.
"""

from __future__ import annotations

import numpy as np

from qmlc.compiler.errors import DataError, SpecError
from qmlc.compiler.spec import ModelSpec, check_finite, data_path, get_int, get_str, load_npz

IMAGES = ("coffee", "camera")
IMAGE_SIDES = {"coffee": 400, "camera": 512}  # shorter side of scikit-image's originals


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


def signal_dims(spec: ModelSpec) -> tuple[int, int] | None:
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
        # Resize + CenterCrop may only shrink: a side beyond the original's would invent pixels
        size = get_int(spec, "signal.size", default=32, minimum=2, maximum=IMAGE_SIDES[name])
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


def psnr(mse: float) -> float:
    """PSNR in dB of a signal in [−1, 1]: ``10 log10(4 / MSE)`` (peak-to-peak range 2)."""
    return float(10.0 * np.log10(4.0 / mse)) if mse > 0 else float("inf")


def mse_psnr(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """MSE and PSNR (:func:`psnr`) of a prediction against its target."""
    mse = float(np.mean((np.asarray(pred) - np.asarray(target)) ** 2))
    return {"mse": mse, "psnr_db": psnr(mse)}


__all__ = ["IMAGES", "IMAGE_SIDES", "grid_coords", "image_signal", "load_signal", "mse_psnr", "psnr",
           "signal_dims"]
