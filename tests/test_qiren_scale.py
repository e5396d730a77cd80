"""QIREN training beyond the released 32x32 setup: precision modes, the JAX path, mini-batches,
bounded evaluation, pictures and the contract for bad training inputs.

References: the complex128 numpy engine (itself checked against dense kron simulation, finite
differences and PennyLane in tests/test_qiren_train.py) for complex64 and for the JAX path,
which differentiates by autodiff rather than the adjoint sweep; full-batch training for
mini-batches; unchunked evaluation for chunked evaluation.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmlc.backends.qiren_train import (
    COMPLEX64_TOLERANCE,
    epoch_batches,
    loss_and_grad,
    predict,
    train_qiren,
)
from qmlc.compiler.errors import TooLargeError, UsageError
from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_signal import grid_coords, image_signal
from qmlc.compiler.qiren_weights import init_weights
from qmlc.reports.cli import main


def _random_weights(model: QirenModel, seed: int) -> dict[str, np.ndarray]:
    """The seeded initialization with BatchNorm's affine parameters and the output drawn too."""
    rng = np.random.default_rng(seed)
    weights = init_weights(model, seed)
    for key in weights:
        if key.endswith(("bn.weight", "bn.bias", "out.bias")):
            weights[key] = weights[key] + rng.normal(scale=0.3, size=weights[key].shape)
    return weights


def _signal(points: int, in_dim: int, out_dim: int, seed: int):
    rng = np.random.default_rng(seed)
    coords = rng.uniform(-1, 1, size=(points, in_dim))
    values = np.tanh(np.sin(3 * coords @ rng.normal(size=(in_dim, out_dim))))
    return coords, values


MODELS = [  # (model, points): the released architecture on its image, then random shapes
    (QirenModel(), None),
    (QirenModel(in_dim=1, width=3, layers=2, reuploads=3, blocks=1, entangler="cnot",
                encoding="ry"), 200),
    (QirenModel(in_dim=2, width=5, layers=2, reuploads=2, blocks=3, entangler="cz",
                encoding="rx", out_dim=2), 300),
    (QirenModel(in_dim=3, width=6, layers=1, reuploads=1, blocks=2, entangler="cnot"), 150),
]


@pytest.mark.parametrize(("model", "points"), MODELS)
def test_complex64_is_within_the_stated_tolerance_of_complex128(model, points):
    if points is None:
        coords, values = image_signal("coffee", 32)
    else:
        coords, values = _signal(points, model.in_dim, model.out_dim, model.width)
    weights = _random_weights(model, 11)
    loss64, g64, _ = loss_and_grad(model, weights, coords, values, "complex64")
    loss128, g128, _ = loss_and_grad(model, weights, coords, values, "complex128")
    assert abs(loss64 - loss128) <= COMPLEX64_TOLERANCE["loss_rtol"] * loss128
    scale = max(float(np.max(np.abs(g))) for g in g128.values())
    for key, g in g128.items():
        assert np.max(np.abs(g64[key] - g)) <= COMPLEX64_TOLERANCE["grad_rtol"] * scale, key


@pytest.mark.parametrize(("model", "points"), [
    (QirenModel(in_dim=2, width=4, layers=1, reuploads=2, blocks=2), 64),
    pytest.param(QirenModel(in_dim=1, width=3, layers=2, reuploads=2, blocks=3,
                            entangler="cnot", encoding="ry", out_dim=2), 48,
                 marks=pytest.mark.slow),  # XLA compilation dominates
])
def test_jax_path_equals_numpy_engine_on_random_weights(model, points):
    from qmlc.backends.qiren_jax import loss_and_grad_jax

    coords, values = _signal(points, model.in_dim, model.out_dim, 5)
    weights = _random_weights(model, 7)
    loss_j, grads_j = loss_and_grad_jax(model, weights, coords, values)
    loss_n, grads_n, _ = loss_and_grad(model, weights, coords, values, "complex64")
    assert abs(loss_j - loss_n) <= 1e-5
    for key, g in grads_n.items():
        np.testing.assert_allclose(grads_j[key], g, atol=1e-5, rtol=0, err_msg=key)


@pytest.mark.slow  # XLA compilation of the training step dominates
def test_jax_training_follows_the_numpy_engine():
    model = QirenModel(in_dim=2, width=3, layers=2, reuploads=2, blocks=2)
    coords, values = _signal(40, 2, 1, 3)
    weights = _random_weights(model, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jax_run = train_qiren(model, weights, coords, values, epochs=3, batch_size=16,
                              engine="jax", seed=4)
        numpy_run = train_qiren(model, weights, coords, values, epochs=3, batch_size=16,
                                dtype="complex128", seed=4)
    np.testing.assert_allclose(jax_run.history, numpy_run.history, rtol=1e-4)
    # Compare what the weights compute, not the weights: some have an exact zero gradient (the
    # Linear biases that batch-statistics BatchNorm cancels, the first RZ acting on |0>, a global
    # phase) and Adam turns each engine's rounding noise there into lr-sized steps.
    np.testing.assert_allclose(predict(model, jax_run.weights, coords, "batch", "complex128"),
                               predict(model, numpy_run.weights, coords, "batch", "complex128"),
                               atol=1e-4)


def test_one_batch_of_the_whole_signal_reproduces_full_batch_training():
    """Mini-batch mode shuffles; with batch_size = P the one batch is the whole signal in another
    order, so gradients, Adam steps and running statistics equal full-batch training's."""
    model = QirenModel(in_dim=2, width=4, layers=2, reuploads=2, blocks=2)
    coords, values = _signal(96, 2, 1, 8)
    weights = _random_weights(model, 8)
    full = train_qiren(model, weights, coords, values, epochs=4, dtype="complex128")
    mini = train_qiren(model, weights, coords, values, epochs=4, dtype="complex128",
                       batch_size=len(coords), seed=123)
    assert mini.batch_size == len(coords) and full.batch_size is None
    np.testing.assert_allclose(mini.history, full.history, rtol=1e-12)
    for key, w in full.weights.items():
        np.testing.assert_allclose(mini.weights[key], w, atol=1e-11, err_msg=key)


def test_mini_batches_take_one_adam_step_per_batch_with_batch_statistics():
    """Two epochs of batches of 32 over 96 samples: six Adam steps on the permutations that
    numpy.random.default_rng(seed) draws, each the full-batch step on its batch."""
    from qmlc.backends.qiren_train import adam_step, trainable_keys, update_running_stats

    model = QirenModel(in_dim=2, width=3, layers=2, reuploads=2, blocks=2)
    coords, values = _signal(96, 2, 1, 9)
    weights = _random_weights(model, 9)
    result = train_qiren(model, weights, coords, values, epochs=2, batch_size=32, seed=5,
                         dtype="complex128")
    params = {k: v.copy() for k, v in weights.items()}
    m = {k: np.zeros_like(params[k]) for k in trainable_keys(model)}
    v = {k: np.zeros_like(params[k]) for k in trainable_keys(model)}
    rng, step = np.random.default_rng(5), 0
    for _ in range(2):
        order = rng.permutation(96)
        for batch in np.split(order, [32, 64]):
            _, grads, fp = loss_and_grad(model, params, coords[batch], values[batch],
                                         "complex128")
            update_running_stats(model, params, fp, len(batch))
            step += 1
            adam_step(params, grads, m, v, step, 0.03)
    for key, w in params.items():
        np.testing.assert_allclose(result.weights[key], w, atol=1e-12, err_msg=key)


@settings(max_examples=40, deadline=None)
@given(samples=st.integers(2, 300), batch=st.integers(2, 320), seed=st.integers(0, 99))
def test_epoch_batches_cover_every_sample_once_and_none_is_single(samples, batch, seed):
    batches = epoch_batches(np.random.default_rng(seed), samples, batch)
    joined = np.concatenate(batches)
    assert sorted(joined.tolist()) == list(range(samples))
    assert all(len(b) >= 2 for b in batches)
    assert all(len(b) <= batch + 1 for b in batches)


def test_chunked_evaluation_equals_one_pass():
    model = QirenModel(in_dim=2, width=4, layers=2, reuploads=2, blocks=2)
    coords, _ = _signal(50, 2, 1, 1)
    weights = _random_weights(model, 1)
    for batchnorm in ("batch", "running"):
        whole = predict(model, weights, coords, batchnorm, "complex128", chunk=4096)
        chunked = predict(model, weights, coords, batchnorm, "complex128", chunk=7)
        np.testing.assert_allclose(chunked, whole, atol=1e-13)


def test_statevector_memory_is_bounded_and_refused_beyond(monkeypatch):
    from qmlc.backends import qiren_train

    model = QirenModel(in_dim=2, width=3, layers=1, reuploads=1, blocks=1, entangler="cnot")
    coords, values = _signal(64, 2, 1, 2)
    need = qiren_train.batch_bytes(model, 64, "complex64")
    monkeypatch.setattr(qiren_train, "MAX_BATCH_BYTES", need - 1)
    with pytest.raises(TooLargeError) as info:
        train_qiren(model, None, coords, values, epochs=1)
    assert "batch_size" in str(info.value) and "\n" not in str(info.value)
    result = train_qiren(model, None, coords, values, epochs=1, batch_size=32)
    assert np.isfinite(result.mse)


@pytest.mark.parametrize("bad", [0, 1, -4, 2.5, True])
def test_bad_training_settings_are_one_line_usage_errors(bad):
    model = QirenModel(in_dim=2, width=3, layers=1, reuploads=1, blocks=1, entangler="cnot")
    coords, values = _signal(16, 2, 1, 0)
    with pytest.raises(UsageError) as info:
        train_qiren(model, None, coords, values, epochs=1, batch_size=bad)
    assert "batch_size" in str(info.value) and "\n" not in str(info.value)
    for kwargs in ({"dtype": "complex32"}, {"engine": "torch"}, {"threads": 0}):
        with pytest.raises(UsageError):
            train_qiren(model, None, coords, values, epochs=1, **kwargs)


# --------------------------------------------------------------------------- pictures and CLI


def _png_pixels(data: bytes) -> np.ndarray:
    from PIL import Image

    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=float)


def _assert_not_blank(data: bytes) -> None:
    pixels = _png_pixels(data)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels.std() > 10  # more than a blank page with a frame
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


def test_figures_of_an_image_and_of_a_sound_are_drawn():
    from qmlc.reports.qiren_plots import FIGURES, image_side, qiren_figures, radial_power

    model = QirenModel(in_dim=2, width=3, layers=2, reuploads=2, blocks=2, entangler="cnot")
    coords = grid_coords(12, 2)
    values = np.sin(3 * coords[:, :1]) * np.cos(2 * coords[:, 1:])
    assert image_side(coords) == 12 and image_side(coords[::-1]) is None
    res = train_qiren(model, None, coords, values, epochs=5)
    figures = qiren_figures(model, res.weights, coords, values, res.history)
    assert tuple(figures) == FIGURES
    for png in figures.values():
        _assert_not_blank(png)
    sound = QirenModel(in_dim=1, width=3, layers=1, reuploads=2, blocks=1, entangler="cnot")
    t = np.linspace(-1, 1, 200)[:, None]
    res = train_qiren(sound, None, t, np.sin(9 * t), epochs=2)
    figures = qiren_figures(sound, res.weights, t, np.sin(9 * t), None)
    assert tuple(figures) == ("reconstruction", "error", "spectrum")
    for png in figures.values():
        _assert_not_blank(png)
    # radially averaged power: a pure horizontal cosine of 3 cycles lands at frequency 3
    x = np.arange(16)
    freq, power = radial_power(np.cos(2 * np.pi * 3 * x / 16)[None, :] * np.ones((16, 1)))
    assert freq[np.argmax(power[1:]) + 1] == 3


SPEC = """kind = "qiren"
width = 3
layers = 2
reuploads = 2
blocks = 2
entangler = "cnot"

[signal]
{signal}

[training]
epochs = 2
{training}
"""


def _cli(argv, capsys):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_train_plot_writes_pngs_for_an_image_spec(tmp_path, capsys):
    spec = tmp_path / "img.toml"
    spec.write_text(SPEC.format(signal='image = "camera"\nsize = 16', training="batch_size = 64"))
    rc, out, err = _cli(["train", spec, "-o", tmp_path / "w.npz", "--plot", tmp_path / "pics",
                         "--no-progress", "--threads", "1", "--json"], capsys)
    assert rc == 0, err
    import json

    data = json.loads(out)
    assert data["batch_size"] == 64 and data["samples"] == 256 and data["dtype"] == "complex64"
    for name in ("reconstruction", "error", "curve", "spectrum"):
        _assert_not_blank((tmp_path / "pics" / f"{name}.png").read_bytes())


def test_train_on_a_wav_sound_spec(tmp_path, capsys):
    import scipy.io.wavfile

    wave = (20000 * np.sin(np.linspace(0, 60, 3000)) * np.exp(-np.linspace(0, 3, 3000)))
    scipy.io.wavfile.write(tmp_path / "tone.wav", 8000, wave.astype(np.int16))
    spec = tmp_path / "sound.toml"
    spec.write_text(SPEC.format(signal='sound = "tone.wav"\nstart = 100\nstop = 2100\nstep = 5',
                                training='dtype = "complex128"'))
    rc, out, err = _cli(["train", spec, "-o", tmp_path / "w.npz", "--plot", tmp_path / "p",
                         "--no-progress"], capsys)
    assert rc == 0, err
    assert "samples: 400" in out and "complex128" in out
    _assert_not_blank((tmp_path / "p" / "reconstruction.png").read_bytes())


@pytest.mark.parametrize(("signal", "training", "needle"), [
    ('image = "coffee"\nsize = 8', "batch_size = 0", "batch_size"),
    ('image = "coffee"\nsize = 8', "batch_size = 1", "batch_size"),
    ('image = "coffee"\nsize = 8', 'batch_size = "all"', "batch_size"),
    ('image = "coffee"\nsize = 401', "", "size"),
    ('image = "camera"\nsize = 513', "", "size"),
    ('image = "coffee"\nsize = 0', "", "size"),
    ('image = "lena"\nsize = 8', "", "image"),
    ('image = "coffee"\nsize = 8', 'dtype = "complex32"', "dtype"),
    ('image = "coffee"\nsize = 8', 'engine = "torch"', "engine"),
])
def test_bad_training_specs_exit_2_with_one_line(tmp_path, capsys, signal, training, needle):
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.format(signal=signal, training=training))
    out_file = tmp_path / "w.npz"
    rc, out, err = _cli(["train", spec, "-o", out_file, "--no-progress"], capsys)
    assert rc == 2 and out == "" and not out_file.exists()
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_plot_into_a_file_exits_2_before_training(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.format(signal='image = "coffee"\nsize = 8', training=""))
    (tmp_path / "taken").write_text("x")
    rc, out, err = _cli(["train", spec, "-o", tmp_path / "w.npz", "--plot", tmp_path / "taken",
                         "--no-progress"], capsys)
    assert rc == 2 and out == "" and err.count("\n") == 1 and "--plot" in err
    assert not (tmp_path / "w.npz").exists()


@settings(max_examples=15, deadline=None)
@given(batch=st.integers(-1000, 1))
def test_any_batch_size_below_two_is_refused(tmp_path_factory, batch):
    import contextlib

    folder = tmp_path_factory.mktemp("b")
    spec = folder / "s.toml"
    spec.write_text(SPEC.format(signal='image = "coffee"\nsize = 4',
                                training=f"batch_size = {batch}"))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
        rc = main(["train", str(spec), "-o", str(folder / "w.npz"), "--no-progress"])
    assert rc == 2 and out.getvalue() == "" and err.getvalue().count("\n") == 1
