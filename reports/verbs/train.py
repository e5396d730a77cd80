"""``qmlc train QIREN_SPEC -o W.npz [--plot DIR]``: train QIREN on the spec's signal, write the
weights (and pictures of the result)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qmlc.backends.qiren_train import COMPLEX64_TOLERANCE, train_qiren
from qmlc.compiler.errors import UsageError
from qmlc.compiler.qiren_model import qiren_from_spec, spec_seed, training_from_spec
from qmlc.compiler.qiren_signal import load_signal
from qmlc.compiler.qiren_weights import save_weights, validate_weights, weights_from_spec
from qmlc.compiler.spec import load_spec
from qmlc.reports.files import check_output_file, write_files
from qmlc.reports.progress import loss_progress
from qmlc.reports.text import render_mapping
from qmlc.reports.verbs import VerbOutput, require_kind


def _plot_dir(path: str | None) -> Path | None:
    if path is None:
        return None
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--plot {out}: is a file; give a directory for the pictures")
    return out


def main(args: argparse.Namespace) -> VerbOutput:
    spec = load_spec(args.spec)
    require_kind(spec, "train", ("qiren",))
    model = qiren_from_spec(spec)
    settings = training_from_spec(spec)
    signal = load_signal(spec)
    if signal is None:
        raise UsageError(f"{spec.path}: 'qmlc train' needs a [signal] table to fit")
    out = check_output_file(Path(args.output), "out/qiren.npz")
    plot_dir = _plot_dir(args.plot)
    seed = spec_seed(spec) if args.seed is None else args.seed
    epochs = settings.epochs if args.epochs is None else args.epochs
    if epochs < 0:
        raise UsageError(f"--epochs is {epochs}; give a number >= 0")
    initial = weights_from_spec(spec, model, None, seed=seed)
    coords, values = signal
    with loss_progress("training QIREN", epochs, enabled=not args.no_progress) as advance:
        result = train_qiren(model, initial, coords, values, epochs=epochs, lr=settings.lr,
                             seed=seed, on_epoch=advance, batch_size=settings.batch_size,
                             dtype=settings.dtype, engine=settings.engine,
                             threads=args.threads)
    files: dict[Path, str | bytes] = {}
    if plot_dir is not None:
        from qmlc.reports.qiren_plots import qiren_figures

        figures = qiren_figures(model, result.weights, coords, values, result.history,
                                dtype=settings.dtype)
        files = {plot_dir / f"{name}.png": png for name, png in figures.items()}
    save_weights(out, validate_weights(result.weights, model))
    written = write_files(files) if files else []
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
        "plots": [str(p) for p in written],
        "model": "Adam on the MSE (released code's setup; full batch unless [training] "
                 "batch_size); mse/psnr on the whole signal with BatchNorm batch statistics "
                 "(training mode, as the released code evaluates), *_running_stats with the "
                 "folded running statistics that 'qmlc run' uses; PSNR = 10 log10(2^2/MSE); "
                 f"complex64 statevectors agree with complex128 to {COMPLEX64_TOLERANCE}",
    }
    return VerbOutput(data, render_mapping(data))
