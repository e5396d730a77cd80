"""QIREN front end: circuit definition vs PennyLane, weights, BatchNorm folding, specs, signals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from qmlc.compiler.errors import DataError, SpecError
from qmlc.compiler.qiren_model import QirenModel, qiren_from_spec
from qmlc.compiler.qiren_reference import (
    circuit_expectations_reference,
    reference_forward,
    with_batch_statistics,
)
from qmlc.compiler.qiren_signal import grid_coords, image_signal, load_signal
from qmlc.compiler.qiren_weights import (
    fold_batchnorm,
    init_weights,
    load_weights,
    save_weights,
    weights_from_spec,
)
from qmlc.compiler.spec import load_spec


def _pennylane_expectations(angles, weights, final, entangler, encoding):
    """The released code's circuit, written with PennyLane's own StronglyEntanglingLayers."""
    import pennylane as qml

    q = angles.shape[1]
    dev = qml.device("default.qubit", wires=q)
    imprimitive = {"cz": qml.CZ, "cnot": qml.CNOT}[entangler]
    enc = {"rz": qml.RZ, "rx": qml.RX, "ry": qml.RY}[encoding]

    @qml.qnode(dev)
    def circuit(x):
        for r in range(weights.shape[0]):
            qml.StronglyEntanglingLayers(weights[r], wires=range(q), imprimitive=imprimitive)
            for j in range(q):
                enc(x[j], wires=j)
        qml.StronglyEntanglingLayers(final, wires=range(q), imprimitive=imprimitive)
        return [qml.expval(qml.PauliZ(j)) for j in range(q)]

    return np.array([np.array(circuit(x)) for x in angles])


@pytest.mark.parametrize("q,L,K,entangler,encoding", [
    (1, 2, 2, "cz", "rz"), (2, 1, 2, "cnot", "rz"), (3, 2, 2, "cz", "rz"),
    (4, 2, 3, "cnot", "rx"), (3, 1, 4, "cz", "ry"),
])
def test_reference_circuit_matches_pennylane_strongly_entangling_layers(q, L, K, entangler,
                                                                        encoding):
    rng = np.random.default_rng(q * 10 + K)
    weights = rng.uniform(0, 2 * np.pi, (L, K, q, 3))
    final = rng.uniform(0, 2 * np.pi, (K, q, 3))
    angles = rng.normal(size=(3, q)) * 2
    ours = circuit_expectations_reference(angles, weights, final, entangler, encoding)
    theirs = _pennylane_expectations(angles, weights, final, entangler, encoding)
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_parameter_counts_match_the_released_code():
    # references/qiren.md: 657 parameters for images (2-D input), 649 for sound (1-D).
    assert QirenModel(in_dim=2).trainable_count == 657
    assert QirenModel(in_dim=1).trainable_count == 649
    w = init_weights(QirenModel(), seed=3)
    assert w["layer0.circuit.weights"].shape == (2, 2, 8, 3)
    assert w["layer2.circuit.final"].shape == (2, 8, 3)
    assert np.all((w["layer1.circuit.weights"] >= 0) & (w["layer1.circuit.weights"] < 2 * np.pi))
    bound = 1 / np.sqrt(2)
    assert np.all(np.abs(w["layer0.linear.weight"]) <= bound)
    assert np.all(w["layer0.bn.running_var"] == 1) and np.all(w["layer0.bn.bias"] == 0)


def test_init_is_seeded():
    m = QirenModel(width=3, layers=2)
    a, b, c = init_weights(m, 1), init_weights(m, 1), init_weights(m, 2)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["layer0.circuit.weights"], c["layer0.circuit.weights"])


def _random_bn(weights, rng):
    for key in weights:
        if key.endswith("bn.weight") or key.endswith("bn.running_var"):
            weights[key] = rng.uniform(0.3, 2.0, weights[key].shape)
        elif key.endswith("bn.bias") or key.endswith("bn.running_mean"):
            weights[key] = rng.normal(size=weights[key].shape)
    return weights


def test_batchnorm_folding_matches_the_unfolded_layer():
    model = QirenModel(in_dim=2, width=3, layers=2)
    rng = np.random.default_rng(0)
    w = _random_bn(init_weights(model, 0), rng)
    x = rng.normal(size=(7, 3))
    # Unfolded, written out independently: torch BatchNorm1d in eval mode after the Linear.
    z = x @ w["layer1.linear.weight"].T + w["layer1.linear.bias"]
    bn = ((z - w["layer1.bn.running_mean"]) / np.sqrt(w["layer1.bn.running_var"] + 1e-5)
          * w["layer1.bn.weight"] + w["layer1.bn.bias"])
    W, b = fold_batchnorm(w, 1)
    np.testing.assert_allclose(x @ W.T + b, bn, atol=1e-12)


def test_batch_statistics_fold_reproduces_training_mode_forward():
    model = QirenModel(in_dim=2, width=3, layers=2)
    rng = np.random.default_rng(1)
    w = _random_bn(init_weights(model, 1), rng)
    X = rng.uniform(-1, 1, (20, 2))
    train_mode = reference_forward(model, w, X, batchnorm="batch")
    folded = reference_forward(model, with_batch_statistics(model, w, X), X, batchnorm="running")
    np.testing.assert_allclose(folded, train_mode, atol=1e-12)
    assert np.max(np.abs(reference_forward(model, w, X) - train_mode)) > 1e-3


def test_weights_round_trip_and_shape_errors(tmp_path):
    model = QirenModel(in_dim=1, width=3, layers=2)
    w = init_weights(model, 4)
    path = save_weights(tmp_path / "w.npz", w)
    back = load_weights(path, model)
    assert all(np.array_equal(w[k], back[k]) for k in w)
    bad = dict(w)
    bad["layer1.circuit.weights"] = np.zeros((2, 2, 4, 3))
    save_weights(tmp_path / "bad.npz", bad)
    with pytest.raises(DataError) as err:
        load_weights(tmp_path / "bad.npz", model)
    assert "layer1.circuit.weights" in str(err.value) and "\n" not in str(err.value)
    missing = {k: v for k, v in w.items() if k != "out.bias"}
    save_weights(tmp_path / "missing.npz", missing)
    with pytest.raises(DataError, match="out.bias"):
        load_weights(tmp_path / "missing.npz", model)
    nan = dict(w)
    nan["out.weight"] = np.full((1, 3), np.nan)
    save_weights(tmp_path / "nan.npz", nan)
    with pytest.raises(DataError, match="NaN"):
        load_weights(tmp_path / "nan.npz", model)


def _spec(tmp_path, body: str):
    path = tmp_path / "m.toml"
    path.write_text('kind = "qiren"\n' + body)
    return load_spec(path)


@pytest.mark.parametrize("body,field", [
    ("in_dim = 2\nwidth = 0\n", "width"),
    ("in_dim = 2\nentangler = \"iswap\"\n", "entangler"),
    ("in_dim = 2\nencoding = \"rzz\"\n", "encoding"),
    ("in_dim = 2\nreuploads = 0\n", "reuploads"),
    ("width = 3\n", "in_dim"),
    ("in_dim = 1\n[signal]\nimage = \"coffee\"\n", "in_dim"),
    ("[signal]\nimage = \"lena\"\n", "signal.image"),
])
def test_bad_specs_are_rejected_with_one_line(tmp_path, body, field):
    with pytest.raises(SpecError) as err:  # the schema refuses most when the spec is loaded
        spec = _spec(tmp_path, body)
        qiren_from_spec(spec)
        load_signal(spec)
    message = str(err.value)
    assert field in message and "\n" not in message


def test_spec_weights_with_wrong_shape_name_the_field(tmp_path):
    model = QirenModel(in_dim=2, width=4, layers=1)
    save_weights(tmp_path / "w.npz", init_weights(model, 0))
    spec = _spec(tmp_path, 'in_dim = 2\nwidth = 3\nlayers = 1\nweights = "w.npz"\n')
    with pytest.raises(DataError) as err:
        weights_from_spec(spec, qiren_from_spec(spec))
    assert "'weights'" in str(err.value) and "expected" in str(err.value)


def test_width_two_with_cz_warns():
    with pytest.warns(UserWarning, match="cancel"):
        QirenModel(width=2, entangler="cz")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        QirenModel(width=2, entangler="cnot")
    # The warning is true: with q = 2 and CZ the circuit factorizes into single-qubit circuits.
    rng = np.random.default_rng(0)
    w, f = rng.uniform(0, 6, (2, 2, 2, 3)), rng.uniform(0, 6, (2, 2, 3))
    h = rng.normal(size=(4, 2))
    moved = h.copy()
    moved[:, 1] += 1.0  # qubit 0's output must not depend on qubit 1's angle
    a = circuit_expectations_reference(h, w, f, "cz")
    b = circuit_expectations_reference(moved, w, f, "cz")
    np.testing.assert_allclose(a[:, 0], b[:, 0], atol=1e-12)


def test_coffee_signal_matches_released_preprocessing():
    coords, values = image_signal("coffee", 32)
    assert coords.shape == (1024, 2) and values.shape == (1024, 1)
    assert values.min() >= -1 and values.max() <= 1
    np.testing.assert_allclose(coords[0], [-1, -1])
    np.testing.assert_allclose(coords[1], [-1, -1 + 2 / 31])  # 'ij' grid: second coord fastest
    # Independent check of resize + center crop: area-average the central 400x400 of the
    # grayscale image down to 32x32 (the released pipeline resizes 400x600 -> 32x48, crops 32).
    import skimage.color
    import skimage.data
    from skimage.transform import resize

    gray = skimage.color.rgb2gray(skimage.data.coffee())
    centre = gray[:, 100:500]
    ours = values.reshape(32, 32)
    independent = resize(centre, (32, 32), anti_aliasing=True) * 2 - 1
    assert np.corrcoef(ours.ravel(), independent.ravel())[0, 1] > 0.97
    assert np.mean(np.abs(ours - independent)) < 0.08


def test_sound_and_array_signals(tmp_path):
    import scipy.io.wavfile

    samples = (np.sin(np.linspace(0, 20, 3000)) * 1000).astype(np.int16)
    scipy.io.wavfile.write(tmp_path / "s.wav", 8000, samples)
    spec = _spec(tmp_path, 'width = 3\n[signal]\nsound = "s.wav"\nstart = 1000\nstop = 2000\n'
                           'step = 5\n')
    assert qiren_from_spec(spec).in_dim == 1
    coords, values = load_signal(spec)
    assert coords.shape == (200, 1) and values.shape == (200, 1)
    ref = samples[1000:2000:5].astype(float)
    np.testing.assert_allclose(values[:, 0], ref / np.abs(ref).max())
    np.savez(tmp_path / "d.npz", coords=grid_coords(4, 2), values=np.arange(16.0))
    spec = _spec(tmp_path, 'width = 3\n[signal]\ndata = "d.npz"\n')
    assert qiren_from_spec(spec).in_dim == 2
    assert load_signal(spec)[1].shape == (16, 1)
    spec = _spec(tmp_path, 'width = 3\n[signal]\ndata = "missing.npz"\n')
    with pytest.raises(DataError, match="signal.data"):
        load_signal(spec)
