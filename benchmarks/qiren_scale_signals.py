"""Signals for the QIREN scaling benchmark: spec files for the images and a synthesized sound.

The released code's sound task fits SIREN's ``gt_bach.wav`` (samples [20000:25000:5], 1000
samples, scaled by max |x|). That recording is not bundled with any package reachable offline,
so the benchmark writes an audio-like stand-in and loads it through the same ``[signal] sound =
"file.wav"`` path a user's file takes: three plucked-string notes (A3, E4, A4 at 44.1 kHz, each
the sum of its first eight harmonics with amplitude 1/h, decaying as exp(-t h / 0.4 s),
overlapping in time), 16-bit PCM, 2 s long, then the released code's slice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

RATE = 44100


def plucked_notes(seconds: float = 2.0) -> np.ndarray:
    """The synthesized recording, int16 PCM at :data:`RATE` Hz (see the module docstring)."""
    t = np.arange(int(seconds * RATE)) / RATE
    signal = np.zeros_like(t)
    for start, freq in ((0.0, 220.0), (0.35, 329.63), (0.7, 440.0)):
        tau = np.clip(t - start, 0.0, None)
        on = t >= start
        for h in range(1, 9):
            signal += on * np.sin(2 * np.pi * freq * h * tau) * np.exp(-tau * h / 0.4) / h
    return np.round(signal / np.max(np.abs(signal)) * 32000).astype(np.int16)


def write_specs(folder: Path) -> dict[str, Path]:
    """QIREN specs (released architecture, in_dim from the signal) for the benchmark's signals."""
    import scipy.io.wavfile

    folder.mkdir(parents=True, exist_ok=True)
    scipy.io.wavfile.write(folder / "plucked.wav", RATE, plucked_notes())
    specs = {}
    for name, signal in (("coffee32", 'image = "coffee"\nsize = 32'),
                         ("coffee128", 'image = "coffee"\nsize = 128'),
                         ("camera256", 'image = "camera"\nsize = 256'),
                         ("sound", 'sound = "plucked.wav"\nstart = 20000\nstop = 25000\nstep = 5')):
        path = folder / f"{name}.toml"
        path.write_text(f'kind = "qiren"\nname = "{name}"\n\n[signal]\n{signal}\n')
        specs[name] = path
    return specs
