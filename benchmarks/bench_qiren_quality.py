"""QIREN vs parameter-matched SIREN, Fourier-feature and ReLU MLPs on the 32x32 coffee image.

Setup (the released QIREN code's image experiment, github.com/GGorMM1/QIREN qinr/train.py):
scikit-image ``coffee()`` -> grayscale -> Resize(32) + CenterCrop(32) -> [-1, 1]; coordinates
linspace(-1, 1) on a 2-D grid; 1024 pixels in one batch; Adam lr 0.03, 301 epochs, MSE.
QIREN: 3 hybrid layers x 8 qubits, L = 2 re-uploads, K = 2 blocks, CZ entangler, RZ encoding
(657 parameters), trained by :func:`qmlc.backends.qiren_train.train_qiren` (complex64; BatchNorm
in training mode as in the released code; the MSE with running statistics, i.e. the
BatchNorm-folded model that the lowered circuits compute, is reported too). Baselines
(:mod:`benchmarks.baselines`), same depth, largest width within QIREN's parameter count, same
epochs / lr / full batch:

- the standard SIREN (Sitzmann et al. 2020: omega0 = 30, their initialization);
- the standard Fourier-feature MLP (Tancik et al. 2020: Gaussian features of scale sigma on
  coordinates in [0, 1], ReLU MLP), at the three scales of the authors' demo, 1, 10 and 100;
- a plain ReLU MLP;
- the released QIREN code's own baselines (marked "released code"): SIREN with omega0 = 1,
  ReLU / SIREN with BatchNorm (``Siren_bn``) and ReLU + BatchNorm on random Fourier features of
  scale 1 (``rff``);
- SIREN at its paper's learning rate 1e-4 (not the same budget: shown because lr 0.03 is far
  above what SIREN was tuned for).

PSNR = 10 log10(4 / MSE) (signal range [-1, 1]), on the training pixels (the task is fitting).

Run:  python benchmarks/bench_qiren_quality.py [--epochs 301] [--seed 0] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=301)
    parser.add_argument("--lr", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (0: library default)")
    args = parser.parse_args()
    if args.threads:  # before numpy is imported
        from benchmarks.bench_qiren_speed import limit_threads

        limit_threads(args.threads)

    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from benchmarks.baselines import MLPBaseline, matched_width, train_baseline
    from qmlc.backends.qiren_train import train_qiren
    from qmlc.compiler.qiren_model import QirenModel
    from qmlc.compiler.qiren_signal import image_signal

    coords, values = image_signal("coffee", 32)
    model = QirenModel()  # the released code's image defaults
    budget = model.trainable_count
    width = matched_width(model.in_dim, model.out_dim, model.layers - 1, budget)
    width_bn = matched_width(model.in_dim, model.out_dim, model.layers - 1, budget, batchnorm=True)

    rows = []
    res = train_qiren(model, None, coords, values, epochs=args.epochs, lr=args.lr,
                      seed=args.seed, threads=args.threads or None)
    rows.append(("QIREN (batch-stat BN, as released code)", budget, res.mse, res.psnr,
                 res.seconds))
    rows.append(("QIREN (running-stat BN = folded, lowered model)", budget, res.mse_running,
                 res.psnr_running, float("nan")))

    hidden = model.layers - 1
    width_ff = matched_width(model.in_dim, model.out_dim, hidden, budget, kind="fourier")
    width_ff_bn = matched_width(model.in_dim, model.out_dim, hidden, budget, batchnorm=True,
                                kind="fourier")
    runs = [
        ("SIREN w0=30 (Sitzmann et al. 2020)", MLPBaseline("siren", 2, width, hidden, 1, 30.0),
         args.lr),
    ]
    for sigma in (1.0, 10.0, 100.0):
        runs.append((f"Fourier-feature MLP sigma={sigma:g} (Tancik et al. 2020)",
                     MLPBaseline("fourier", 2, width_ff, hidden, 1, sigma=sigma), args.lr))
    runs += [
        ("ReLU MLP", MLPBaseline("relu", 2, width, hidden, 1), args.lr),
        ("SIREN w0=1 (released code default)", MLPBaseline("siren", 2, width, hidden, 1, 1.0),
         args.lr),
        ("ReLU MLP + BatchNorm (released code 'relu')",
         MLPBaseline("relu", 2, width_bn, hidden, 1, batchnorm=True), args.lr),
        ("SIREN + BatchNorm w0=1 (released code 'siren_bn')",
         MLPBaseline("siren", 2, width_bn, hidden, 1, 1.0, batchnorm=True), args.lr),
        ("RFF sigma=1 + ReLU + BatchNorm (released code 'rff')",
         MLPBaseline("fourier", 2, width_ff_bn, hidden, 1, batchnorm=True, sigma=1.0,
                     unit_box=False), args.lr),
        ("SIREN w0=30, lr 1e-4 (SIREN paper's lr; not same budget)",
         MLPBaseline("siren", 2, width, hidden, 1, 30.0), 1e-4),
    ]
    for name, net, lr in runs:
        out = train_baseline(net, coords, values, epochs=args.epochs, lr=lr, seed=args.seed)
        rows.append((f"{name}, width {net.width}", net.param_count, out.mse, out.psnr,
                     out.seconds))

    table = Table(title=f"32x32 coffee, {args.epochs} epochs full-batch Adam lr {args.lr}, "
                        f"seed {args.seed}, BLAS threads {args.threads or 'default'}")
    for col in ("model", "params", "MSE", "PSNR [dB]", "train time [s]"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for name, params, mse, psnr, secs in rows:
        table.add_row(name, str(params), f"{mse:.5f}", f"{psnr:.2f}",
                      "-" if np.isnan(secs) else f"{secs:.1f}")
    console = Console(width=130)
    console.print(table)
    console.print(f"QIREN: {res.seconds / max(args.epochs, 1):.3f} s per epoch (numpy engine, "
                  f"complex64); baselines: {model.layers} hidden layers + linear output, widths "
                  "as shown (largest within QIREN's parameter count), float32 JAX, jitted Adam.")
    console.print("PSNR = 10 log10(4/MSE) for signals in [-1, 1]; machine: "
                  f"{os.cpu_count()} CPU cores shared, timings indicative only.")


if __name__ == "__main__":
    main()
