"""Pictures of a trained QIREN model (matplotlib, Agg backend, PNG).

:func:`qiren_figures` returns the PNG bytes of four figures, keyed by name:

- ``reconstruction``: the model's output next to the target (images side by side on one grey
  scale; a 1-D signal as two curves over its coordinate);
- ``error``: the error ``output - target`` (a map for images, a curve for 1-D signals);
- ``curve``: training loss (log scale) and its PSNR per epoch (only when a history is given);
- ``spectrum``: the output's spectrum against the target's: radially averaged power of the 2-D
  FFT for images (spatial frequency in cycles per image), |rFFT| for 1-D signals.

Images are recognised when the coordinates are :func:`qmlc.compiler.qiren_signal.grid_coords`
of a square grid (the released code's ``get_mgrid``); other 2-D data get a scatter of output
against target instead of pictures and no spectrum. The output is the model with BatchNorm over
the whole signal (``batchnorm="batch"``, the released code's evaluation) unless told otherwise.
PSNR = 10 log10(2^2 / MSE) for signals in [-1, 1].
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np

from qmlc.backends.qiren_train import predict
from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_signal import grid_coords, psnr

FIGURES = ("reconstruction", "error", "curve", "spectrum")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def image_side(coords: np.ndarray) -> int | None:
    """Side n when ``coords`` are the n x n grid of the released code's ``get_mgrid``."""
    if coords.ndim != 2 or coords.shape[1] != 2:
        return None
    side = int(round(np.sqrt(len(coords))))
    if side < 2 or side * side != len(coords):
        return None
    return side if np.allclose(coords, grid_coords(side, 2)) else None


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def radial_power(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged power ``|FFT|^2 / N^2`` of a square image, per integer spatial
    frequency (cycles per image) from 0 to n/2."""
    n = image.shape[0]
    power = np.abs(np.fft.fftshift(np.fft.fft2(image))) ** 2 / image.size**2
    y, x = np.indices(power.shape) - n // 2
    radius = np.rint(np.hypot(x, y)).astype(int)
    keep = radius <= n // 2
    total = np.bincount(radius[keep], power[keep])
    count = np.bincount(radius[keep])
    return np.arange(len(total)), total / np.maximum(count, 1)


def qiren_figures(model: QirenModel, weights: Mapping[str, np.ndarray], coords: np.ndarray,
                  values: np.ndarray, history: np.ndarray | None = None,
                  batchnorm: str = "batch", dtype: str = "complex64") -> dict[str, bytes]:
    """PNG bytes of the figures in :data:`FIGURES` (``curve`` only with a loss ``history``)."""
    plt = _pyplot()
    coords = np.asarray(coords, dtype=float)
    target = np.asarray(values, dtype=float).reshape(len(coords), -1)[:, 0]
    output = predict(model, weights, coords, batchnorm, dtype)[:, 0]
    mse = float(np.mean((output - target) ** 2))
    label = f"PSNR {psnr(mse):.2f} dB, MSE {mse:.2e}"
    side = image_side(coords)
    figures: dict[str, bytes] = {}

    if side is not None:
        tgt, out = target.reshape(side, side), output.reshape(side, side)
        fig, axes = plt.subplots(1, 2, figsize=(8, 4))
        for ax, img, title in zip(axes, (tgt, out), ("target", f"QIREN output ({label})"),
                                  strict=True):
            ax.imshow(img, cmap="gray", vmin=-1, vmax=1)
            ax.set_title(title, fontsize=9)
            ax.axis("off")
        figures["reconstruction"] = _png(fig)
        fig, ax = plt.subplots(figsize=(4.6, 4))
        err = out - tgt
        lim = float(np.max(np.abs(err))) or 1.0
        shown = ax.imshow(err, cmap="RdBu_r", vmin=-lim, vmax=lim)
        fig.colorbar(shown, ax=ax, label="output - target")
        ax.set_title(f"error map ({label})", fontsize=9)
        ax.axis("off")
        figures["error"] = _png(fig)
        fig, ax = plt.subplots(figsize=(6, 4))
        for img, name in ((tgt, "target"), (out, "QIREN output")):
            freq, power = radial_power(img)
            ax.semilogy(freq[1:], power[1:], label=name)
        ax.set_xlabel("spatial frequency (cycles per image)")
        ax.set_ylabel("radially averaged power")
        ax.set_title("spectrum: output vs target", fontsize=9)
        ax.legend()
        figures["spectrum"] = _png(fig)
    elif coords.shape[1] == 1:
        t = coords[:, 0]
        order = np.argsort(t)
        fig, ax = plt.subplots(figsize=(8, 3.5))
        ax.plot(t[order], target[order], lw=1, label="target")
        ax.plot(t[order], output[order], lw=1, label="QIREN output")
        ax.set_xlabel("coordinate")
        ax.set_title(label, fontsize=9)
        ax.legend()
        figures["reconstruction"] = _png(fig)
        fig, ax = plt.subplots(figsize=(8, 3))
        ax.plot(t[order], (output - target)[order], lw=1, color="C3")
        ax.set_xlabel("coordinate")
        ax.set_ylabel("output - target")
        ax.set_title(f"error ({label})", fontsize=9)
        figures["error"] = _png(fig)
        fig, ax = plt.subplots(figsize=(6, 4))
        for sig, name in ((target[order], "target"), (output[order], "QIREN output")):
            ax.semilogy(np.abs(np.fft.rfft(sig)) / len(sig), label=name)
        ax.set_xlabel("frequency (cycles per signal)")
        ax.set_ylabel("|rFFT| / N")
        ax.set_title("spectrum: output vs target", fontsize=9)
        ax.legend()
        figures["spectrum"] = _png(fig)
    else:
        fig, ax = plt.subplots(figsize=(4.6, 4))
        ax.scatter(target, output, s=4)
        ax.set_xlabel("target")
        ax.set_ylabel("QIREN output")
        ax.set_title(label, fontsize=9)
        figures["reconstruction"] = _png(fig)
        fig, ax = plt.subplots(figsize=(4.6, 4))
        ax.hist(output - target, bins=50)
        ax.set_xlabel("output - target")
        figures["error"] = _png(fig)

    if history is not None and len(history):
        history = np.asarray(history, dtype=float)
        fig, ax = plt.subplots(figsize=(6, 4))
        epochs = np.arange(len(history))
        ax.semilogy(epochs, history, color="C0")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (MSE)", color="C0")
        right = ax.twinx()
        right.plot(epochs, 10 * np.log10(4.0 / np.maximum(history, 1e-300)), color="C1")
        right.set_ylabel("PSNR of the training loss [dB]", color="C1")
        ax.set_title("training curve", fontsize=9)
        figures["curve"] = _png(fig)
    return {name: figures[name] for name in FIGURES if name in figures}


__all__ = ["FIGURES", "image_side", "qiren_figures", "radial_power"]
