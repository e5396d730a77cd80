"""QIREN beyond 32x32: time per epoch and PSNR for images of 32, 128 and 256 pixels a side and
for the sound task, on qmlc's numpy engine (complex64) and its JAX path.

Signals (:mod:`benchmarks.qiren_scale_signals`): scikit-image's coffee at 32x32 (1024 pixels)
and 128x128 (16,384), camera at 256x256 (65,536), and a synthesized 1-D sound of 1000 samples
(the released code's gt_bach.wav is not available offline; the stand-in is loaded through the
same ``[signal] sound`` path). Model: the released architecture (3 hybrid layers x 8 qubits,
L = 2, K = 2, CZ, RZ; 657 parameters for images, 649 for sound), Adam lr 0.03. The 32x32
image and the sound train full-batch as in the released code; the larger images use shuffled
mini-batches (``[training] batch_size``, BatchNorm with each batch's statistics), which bounds
the statevector memory by the batch, not the image. PSNR is measured on the whole signal after
training, with BatchNorm over the whole signal (released evaluation) and with the running
statistics (the folded model the lowered circuits compute). PSNR = 10 log10(4 / MSE).

Epoch times are medians over the epochs after the first (the first includes Numba's cache load
or XLA's compilation); "memory" is the engine's statevector bound for one batch
(:func:`qmlc.backends.qiren_train.batch_bytes`) and the process's peak resident size after the
run. The default epochs are the released 301 for the small signals and fewer for the large
ones (same number of Adam steps order of magnitude); pass ``--epochs`` to override all.

Run:  python benchmarks/bench_qiren_scale.py [--threads 1] [--engines numpy jax]
          [--signals coffee32 coffee128 camera256 sound] [--epochs N] [--batch-size 1024]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_EPOCHS = {"coffee32": 301, "sound": 301, "coffee128": 20, "camera256": 5}
MINI_BATCHED = ("coffee128", "camera256")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", nargs="+", default=list(DEFAULT_EPOCHS),
                        choices=list(DEFAULT_EPOCHS))
    parser.add_argument("--engines", nargs="+", default=["numpy", "jax"], choices=["numpy", "jax"])
    parser.add_argument("--epochs", type=int, default=None, help="epochs for every signal")
    parser.add_argument("--batch-size", type=int, default=1024,
                        help="mini-batch size of the 128x128 and 256x256 images")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from benchmarks.bench_qiren_speed import limit_threads, load_average

    limit_threads(args.threads)

    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from benchmarks.qiren_scale_signals import write_specs
    from qmlc.backends.qiren_train import batch_bytes, train_qiren
    from qmlc.compiler.qiren_model import qiren_from_spec
    from qmlc.compiler.qiren_signal import load_signal
    from qmlc.compiler.spec import load_spec

    load_before = load_average()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        specs = write_specs(Path(tmp))
        for name in args.signals:
            spec = load_spec(specs[name])
            model = qiren_from_spec(spec)
            coords, values = load_signal(spec)
            epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS[name]
            batch = args.batch_size if name in MINI_BATCHED else None
            for engine in args.engines:
                start = time.perf_counter()
                res = train_qiren(model, None, coords, values, epochs=epochs, seed=args.seed,
                                  batch_size=batch, engine=engine)
                wall = time.perf_counter() - start
                per_epoch = float(np.median(res.epoch_seconds[1:] if epochs > 1
                                            else res.epoch_seconds))
                steps = 1 if batch is None else -(-len(coords) // batch)
                rows.append((name, len(coords), engine, batch or len(coords), steps, epochs,
                             per_epoch, float(res.epoch_seconds[0]), res.psnr, res.psnr_running,
                             batch_bytes(model, batch or len(coords)) / 2**20, wall))
                print(f"  {name} {engine}: {per_epoch:.3f} s/epoch, PSNR {res.psnr:.2f} dB "
                      f"after {epochs} epochs ({wall:.0f} s)", flush=True)

    table = Table(title="QIREN training beyond 32x32 (released architecture, Adam lr 0.03, "
                        "complex64)")
    for col in ("signal", "samples", "engine", "batch", "steps/epoch", "epochs", "s/epoch",
                "1st epoch [s]", "PSNR [dB]", "PSNR running [dB]", "batch memory [MiB]",
                "total [s]"):
        table.add_column(col, justify="left" if col in ("signal", "engine") else "right")
    for name, n, engine, batch, steps, epochs, per, first, p, pr, mem, wall in rows:
        table.add_row(name, str(n), engine, str(batch), str(steps), str(epochs), f"{per:.3f}",
                      f"{first:.1f}", f"{p:.2f}", f"{pr:.2f}", f"{mem:.1f}", f"{wall:.0f}")
    console = Console(width=160)
    console.print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak resident memory of this process: {peak:.0f} MiB. threads {args.threads}; "
                  f"{os.cpu_count()} CPU cores; load average before {load_before}, after "
                  f"{load_average()} (shared machine). Sound: synthesized plucked notes, not "
                  "gt_bach.wav (see benchmarks/qiren_scale_signals.py).")


if __name__ == "__main__":
    main()
