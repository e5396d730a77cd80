"""``qmlc train QIREN_SPEC -o W.npz [--plot DIR]``: train QIREN on the spec's signal, write the
weights (and pictures of the result).

The output paths, the epochs, the seed, the threads, the signal and the memory a training step
needs are all checked before training starts, so a mistake never costs a finished run; the
weights and the pictures are written together at the end, all files or none.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np

from qmlc.backends.qiren_train import COMPLEX64_TOLERANCE, train_qiren
from qmlc.compiler import limits
from qmlc.compiler.errors import UsageError
from qmlc.compiler.progress import task
from qmlc.compiler.qiren_model import qiren_from_spec, spec_seed, training_from_spec
from qmlc.compiler.qiren_signal import load_signal
from qmlc.compiler.qiren_weights import validate_weights, weights_from_spec
from qmlc.compiler.spec import load_spec
from qmlc.compiler.stage_io import check_output_path
from qmlc.reports.files import check_output_file, write_files
from qmlc.reports.text import render_mapping
from qmlc.reports.verbs import VerbOutput, require_kind

MAX_THREADS = 1024


def _plot_dir(path: str | None) -> Path | None:
    """The pictures' directory: it may exist (a directory) or be created."""
    if path is None:
        return None
    return check_output_path(Path(path), directory=True, field="plot")


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def main(args: argparse.Namespace) -> VerbOutput:
    out = check_output_file(Path(args.output), "out/qiren.npz")
    plot_dir = _plot_dir(args.plot)
    if args.threads is not None:
        limits.check_int(args.threads, "threads", 1, MAX_THREADS)
    spec = load_spec(args.spec)
    require_kind(spec, "train", ("qiren",))
    model = qiren_from_spec(spec)
    settings = training_from_spec(spec)
    epochs = settings.epochs if args.epochs is None else limits.check_int(
        args.epochs, "epochs", 1, limits.MAX_QIREN_EPOCHS,
        "training for 0 epochs would write untrained weights")
    seed = spec_seed(spec) if args.seed is None else limits.check_seed(args.seed)
    signal = load_signal(spec)
    if signal is None:
        raise UsageError(f"{spec.path}: 'qmlc train' needs a [signal] table to fit; add one "
                         "(see 'qmlc schema qiren')")
    initial = weights_from_spec(spec, model, None, seed=seed)
    coords, values = signal
    with task("training QIREN", total=epochs) as advance:
        result = train_qiren(model, initial, coords, values, epochs=epochs, lr=settings.lr,
                             seed=seed, on_epoch=lambda _epoch, loss: advance(loss=loss),
                             batch_size=settings.batch_size, dtype=settings.dtype,
                             engine=settings.engine, threads=args.threads)
    files: dict[Path, str | bytes] = {out: _npz_bytes(validate_weights(result.weights, model))}
    if plot_dir is not None:
        from qmlc.reports.qiren_plots import qiren_figures

        with task("drawing the pictures"):
            figures = qiren_figures(model, result.weights, coords, values, result.history,
                                    dtype=settings.dtype)
        files.update({plot_dir / f"{name}.png": png for name, png in figures.items()})
    written = write_files(files)
    per_epoch = result.epoch_seconds
    data = {
        "output": str(out),
        "epochs": result.epochs,
        "lr": result.lr,
        "seed": seed,
        "batch_size": result.batch_size if result.batch_size is not None else len(coords),
        "samples": len(coords),
        "dtype": result.dtype,
        "engine": result.engine,
        "seconds": result.seconds,
        "seconds_per_epoch_median": float(np.median(per_epoch)) if len(per_epoch) else None,
        "final_loss": float(result.history[-1]) if len(result.history) else None,
        "mse": result.mse,
        "psnr_db": result.psnr,
        "mse_running_stats": result.mse_running,
        "psnr_db_running_stats": result.psnr_running,
        "plots": [str(p) for p in written if p != out],
        "model": "Adam on the MSE (released code's setup; full batch unless [training] "
                 "batch_size); mse/psnr on the whole signal with BatchNorm batch statistics "
                 "(training mode, as the released code evaluates), *_running_stats with the "
                 "folded running statistics that 'qmlc run' uses; PSNR = 10 log10(2^2/MSE); "
                 f"complex64 statevectors agree with complex128 to {COMPLEX64_TOLERANCE}",
    }
    return VerbOutput(data, render_mapping(data))
