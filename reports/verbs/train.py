"""``qmlc train QIREN_SPEC -o W.npz``: train QIREN on the spec's signal and write the weights."""

from __future__ import annotations

import argparse
from pathlib import Path

from qmlc.backends.qiren_train import train_qiren
from qmlc.compiler.errors import UsageError
from qmlc.compiler.qiren_model import qiren_from_spec, spec_seed, training_from_spec
from qmlc.compiler.qiren_signal import load_signal
from qmlc.compiler.qiren_weights import save_weights, validate_weights, weights_from_spec
from qmlc.compiler.spec import load_spec
from qmlc.reports.files import check_output_file
from qmlc.reports.progress import loss_progress
from qmlc.reports.text import render_mapping
from qmlc.reports.verbs import VerbOutput, require_kind


def main(args: argparse.Namespace) -> VerbOutput:
    spec = load_spec(args.spec)
    require_kind(spec, "train", ("qiren",))
    model = qiren_from_spec(spec)
    settings = training_from_spec(spec)
    signal = load_signal(spec)
    if signal is None:
        raise UsageError(f"{spec.path}: 'qmlc train' needs a [signal] table to fit")
    out = check_output_file(Path(args.output), "out/qiren.npz")
    seed = spec_seed(spec) if args.seed is None else args.seed
    epochs = settings.epochs if args.epochs is None else args.epochs
    if epochs < 0:
        raise UsageError(f"--epochs is {epochs}; give a number >= 0")
    initial = weights_from_spec(spec, model, None, seed=seed)
    coords, values = signal
    with loss_progress("training QIREN", epochs, enabled=not args.no_progress) as advance:
        result = train_qiren(model, initial, coords, values, epochs=epochs, lr=settings.lr,
                             seed=seed, on_epoch=advance)
    save_weights(out, validate_weights(result.weights, model))
    data = {
        "output": str(out),
        "epochs": result.epochs,
        "lr": result.lr,
        "seed": seed,
        "seconds": result.seconds,
        "final_loss": float(result.history[-1]) if len(result.history) else None,
        "mse": result.mse,
        "psnr_db": result.psnr,
        "mse_running_stats": result.mse_running,
        "psnr_db_running_stats": result.psnr_running,
        "model": "full-batch Adam on the MSE (released code's setup); mse/psnr with BatchNorm "
                 "batch statistics (training mode, as the released code evaluates), "
                 "*_running_stats with the folded running statistics that 'qmlc run' uses; "
                 "PSNR = 10 log10(2^2/MSE)",
    }
    return VerbOutput(data, render_mapping(data))
