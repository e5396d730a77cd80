"""QIREN training engine: batched adjoint simulator and full-model training.

References used here, none of them the code under test: a dense statevector built gate by gate
with ``np.kron`` (below), central finite differences, qmlc.compiler.qiren_reference's reference forward,
PennyLane's ``default.qubit`` (values and autograd gradients) and PyTorch's Adam / BatchNorm
update formulas written out by hand.
"""

from __future__ import annotations

import warnings
from functools import reduce

import numpy as np
import pytest

from qmlc.backends.qiren_train import loss_and_grad, train_qiren, trainable_keys
from qmlc.circuits import qiren_statevector as sv
from qmlc.circuits.reupload import ReuploadShape
from qmlc.compiler.errors import DataError
from qmlc.compiler.qiren_model import QirenModel, layer_weights
from qmlc.compiler.qiren_reference import reference_forward
from qmlc.compiler.qiren_signal import psnr
from qmlc.compiler.qiren_weights import init_weights

# ------------------------------------------------------------------ independent dense reference

_I2 = np.eye(2)
_P0, _P1 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
_X = np.array([[0.0, 1.0], [1.0, 0.0]])
_Z = np.diag([1.0, -1.0])


def _embed(u, j, q):
    return reduce(np.kron, [u if i == j else _I2 for i in range(q)])


def _controlled(c, t, q, target_op):
    zero = reduce(np.kron, [_P0 if i == c else _I2 for i in range(q)])
    one = reduce(np.kron, [_P1 if i == c else (target_op if i == t else _I2) for i in range(q)])
    return zero + one


def _rz(a):
    return np.diag([np.exp(-0.5j * a), np.exp(0.5j * a)])


def _ry(a):
    c, s = np.cos(a / 2), np.sin(a / 2)
    return np.array([[c, -s], [s, c]])


def _rx(a):
    c, s = np.cos(a / 2), np.sin(a / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def _dense_expectations(q, ent, enc, angles, weights, final):
    """Full 2^q x 2^q unitary per sample, gate by gate, in the documented circuit order."""
    enc_gate = {"rz": _rz, "rx": _rx, "ry": _ry}[enc]
    two = _Z if ent == "cz" else _X

    def blocks(w):
        u = np.eye(2**q, dtype=complex)
        for k in range(w.shape[0]):
            for j in range(q):
                phi, theta, omega = w[k, j]
                u = _embed(_rz(omega) @ _ry(theta) @ _rz(phi), j, q) @ u
            if q > 1:
                r = (k % (q - 1)) + 1
                for j in range(q):
                    u = _controlled(j, (j + r) % q, q, two) @ u
        return u

    out = []
    for h in angles:
        psi = np.zeros(2**q, dtype=complex)
        psi[0] = 1.0
        for r in range(weights.shape[0]):
            psi = blocks(weights[r]) @ psi
            for j in range(q):
                psi = _embed(enc_gate(h[j]), j, q) @ psi
        psi = blocks(final) @ psi
        out.append([np.vdot(psi, _embed(_Z, j, q) @ psi).real for j in range(q)])
    return np.array(out)


def _random_instance(rng, q, L=2, K=3, batch=4):
    angles = rng.normal(scale=2.0, size=(batch, q))
    weights = rng.uniform(0, 2 * np.pi, size=(L, K, q, 3))
    final = rng.uniform(0, 2 * np.pi, size=(K, q, 3))
    return angles, weights, final


@pytest.mark.parametrize("q", [1, 2, 3, 4])
@pytest.mark.parametrize("entangler", ["cz", "cnot"])
@pytest.mark.parametrize("encoding", ["rz", "rx", "ry"])
def test_simulator_matches_dense_kron_reference(q, entangler, encoding):
    rng = np.random.default_rng(100 * q + len(entangler) + len(encoding))
    angles, weights, final = _random_instance(rng, q)
    circuit = ReuploadShape(q, 2, 3, entangler, encoding)
    got = sv.expectations(circuit, angles, weights, final)
    want = _dense_expectations(q, entangler, encoding, angles, weights, final)
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_simulator_matches_qiren_reference_forward():
    from qmlc.compiler.qiren_reference import circuit_expectations_reference

    rng = np.random.default_rng(7)
    for entangler, encoding in [("cz", "rz"), ("cnot", "ry")]:
        angles, weights, final = _random_instance(rng, 5, L=3, K=2, batch=6)
        got = sv.expectations(ReuploadShape(5, 3, 2, entangler, encoding), angles,
                              weights, final)
        want = circuit_expectations_reference(angles, weights, final, entangler, encoding)
        np.testing.assert_allclose(got, want, atol=1e-12)


def _central_difference(fn, x, eps=1e-6):
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        out[idx] = (fn(xp) - fn(xm)) / (2 * eps)
    return out


@pytest.mark.parametrize(("q", "entangler", "encoding"),
                         [(1, "cz", "rz"), (2, "cnot", "rx"), (3, "cz", "rz"),
                          (3, "cnot", "ry"), (4, "cz", "rx")])
def test_adjoint_gradients_match_finite_differences(q, entangler, encoding):
    rng = np.random.default_rng(q)
    angles, weights, final = _random_instance(rng, q, L=2, K=2, batch=3)
    circuit = ReuploadShape(q, 2, 2, entangler, encoding)
    upstream = rng.normal(size=(3, q))

    def loss(a, w, f):
        return float(np.sum(sv.expectations(circuit, a, w, f) * upstream))

    g_a, g_w, g_f = sv.backward(sv.forward(circuit, angles, weights, final), upstream)
    np.testing.assert_allclose(
        g_a, _central_difference(lambda a: loss(a, weights, final), angles), atol=1e-8)
    np.testing.assert_allclose(
        g_w, _central_difference(lambda w: loss(angles, w, final), weights), atol=1e-8)
    np.testing.assert_allclose(
        g_f, _central_difference(lambda f: loss(angles, weights, f), final), atol=1e-8)


def _small_model(entangler="cnot", encoding="ry", width=3, layers=2, out_dim=2):
    return QirenModel(in_dim=2, width=width, layers=layers, reuploads=2, blocks=2,
                      entangler=entangler, encoding=encoding, out_dim=out_dim)


@pytest.mark.parametrize(("entangler", "encoding"), [("cz", "rz"), ("cnot", "ry")])
def test_full_model_gradient_matches_finite_differences(entangler, encoding):
    model = _small_model(entangler, encoding)
    weights = init_weights(model, 3)
    rng = np.random.default_rng(0)
    coords = rng.uniform(-1, 1, size=(7, 2))
    values = rng.normal(size=(7, 2))

    def loss(w):  # qmlc.compiler.qiren_reference's dense forward, BatchNorm with batch statistics
        return float(np.mean((reference_forward(model, w, coords, batchnorm="batch") - values)**2))

    value, grads, _ = loss_and_grad(model, weights, coords, values, "complex128")
    assert value == pytest.approx(loss(weights), abs=1e-12)
    for key in trainable_keys(model):
        def shifted(x, key=key):
            return loss({**weights, key: x})

        np.testing.assert_allclose(grads[key], _central_difference(shifted, weights[key]),
                                   atol=1e-8, err_msg=key)


def test_pennylane_default_qubit_agrees_on_values_and_model_gradient():
    qml = pytest.importorskip("pennylane")
    pnp = pytest.importorskip("pennylane.numpy")
    model = _small_model("cz", "rz", width=3, layers=2, out_dim=1)
    q = model.width
    weights = init_weights(model, 5)
    rng = np.random.default_rng(1)
    coords = rng.uniform(-1, 1, size=(6, 2))
    values = rng.uniform(-1, 1, size=(6, 1))

    @qml.qnode(qml.device("default.qubit", wires=q), interface="autograd", diff_method="backprop")
    def circ(inputs, w1, w2):
        for r in range(model.reuploads):
            qml.StronglyEntanglingLayers(w1[r], wires=range(q), imprimitive=qml.CZ)
            for j in range(q):
                qml.RZ(inputs[..., j], wires=j)
        qml.StronglyEntanglingLayers(w2, wires=range(q), imprimitive=qml.CZ)
        return [qml.expval(qml.PauliZ(j)) for j in range(q)]

    angles = rng.normal(size=(5, q))
    circuit = ReuploadShape(q, model.reuploads, model.blocks, "cz", "rz")
    w1, w2 = weights["layer0.circuit.weights"], weights["layer0.circuit.final"]
    np.testing.assert_allclose(sv.expectations(circuit, angles, w1, w2),
                               np.stack(circ(angles, w1, w2), axis=-1), atol=1e-12)

    @qml.qnode(qml.device("default.qubit", wires=q))
    def circ_cnot(inputs, a, b):  # the paper's CNOT ring, RX encoding
        for r in range(model.reuploads):
            qml.StronglyEntanglingLayers(a[r], wires=range(q), imprimitive=qml.CNOT)
            for j in range(q):
                qml.RX(inputs[..., j], wires=j)
        qml.StronglyEntanglingLayers(b, wires=range(q), imprimitive=qml.CNOT)
        return [qml.expval(qml.PauliZ(j)) for j in range(q)]

    got = sv.expectations(ReuploadShape(q, 2, 2, "cnot", "rx"), angles, w1, w2)
    np.testing.assert_allclose(got, np.stack(circ_cnot(angles, w1, w2), axis=-1), atol=1e-12)

    keys = trainable_keys(model)

    def pl_loss(*vals):
        p = dict(zip(keys, vals, strict=True))
        x = coords
        for i in range(model.layers):
            w = layer_weights(p, i)
            z = x @ w["linear.weight"].T + w["linear.bias"]
            mu = pnp.mean(z, axis=0)
            var = pnp.mean((z - mu) ** 2, axis=0)
            h = (z - mu) / pnp.sqrt(var + 1e-5) * w["bn.weight"] + w["bn.bias"]
            x = pnp.stack(circ(h, w["circuit.weights"], w["circuit.final"]), axis=-1)
        return pnp.mean((x @ p["out.weight"].T + p["out.bias"] - values) ** 2)

    pl_grads = qml.grad(pl_loss, argnums=list(range(len(keys))))(
        *[pnp.array(weights[k], requires_grad=True) for k in keys])
    _, grads, _ = loss_and_grad(model, weights, coords, values, "complex128")
    for key, g in zip(keys, pl_grads, strict=True):
        np.testing.assert_allclose(grads[key], np.asarray(g), atol=1e-12, err_msg=key)


def _tiny_signal():
    x = np.linspace(-1, 1, 16)
    coords = np.stack(np.meshgrid(x[:4], x[::4], indexing="ij"), -1).reshape(-1, 2)
    values = np.sin(2.0 * coords[:, :1]) * np.cos(coords[:, 1:])
    return coords, values


def test_training_is_reproducible_to_the_byte():
    model = _small_model("cz", "rz", width=3, layers=2, out_dim=1)
    coords, values = _tiny_signal()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = train_qiren(model, None, coords, values, epochs=4, seed=11)
        b = train_qiren(model, None, coords, values, epochs=4, seed=11)
        c = train_qiren(model, None, coords, values, epochs=4, seed=12)
    assert a.history.tobytes() == b.history.tobytes()
    for key in a.weights:
        assert a.weights[key].tobytes() == b.weights[key].tobytes(), key
    assert a.history.tobytes() != c.history.tobytes()


def test_training_decreases_loss_and_reports_psnr():
    model = _small_model("cz", "rz", width=3, layers=2, out_dim=1)
    coords, values = _tiny_signal()
    res = train_qiren(model, None, coords, values, epochs=30, seed=0, dtype="complex128")
    assert res.history[-1] < 0.5 * res.history[0]
    assert res.psnr == pytest.approx(10 * np.log10(4 / res.mse))
    for batchnorm, mse in (("batch", res.mse), ("running", res.mse_running)):
        pred = reference_forward(model, res.weights, coords, batchnorm=batchnorm)
        assert mse == pytest.approx(np.mean((pred - values) ** 2), rel=1e-10)
    assert psnr(0.01) == pytest.approx(26.0206, abs=1e-4)


def test_first_epoch_is_torch_adam_and_batchnorm_update():
    """After one epoch: Adam's first step is -lr * g / (|g| + eps) (bias corrections cancel);
    running mean/var follow BatchNorm1d: 0.9 * old + 0.1 * batch stat (unbiased variance)."""
    model = _small_model("cnot", "ry", width=3, layers=2, out_dim=1)
    coords, values = _tiny_signal()
    w0 = init_weights(model, 4)
    lr = 0.05
    _, grads, _ = loss_and_grad(model, w0, coords, values, "complex128")
    res = train_qiren(model, w0, coords, values, epochs=1, lr=lr, dtype="complex128")
    for key in trainable_keys(model):
        g = grads[key]
        np.testing.assert_allclose(res.weights[key], w0[key] - lr * g / (np.abs(g) + 1e-8),
                                   atol=1e-12, err_msg=key)
    z = coords @ w0["layer0.linear.weight"].T + w0["layer0.linear.bias"]
    n = len(coords)
    np.testing.assert_allclose(res.weights["layer0.bn.running_mean"], 0.1 * z.mean(0),
                               atol=1e-12)
    np.testing.assert_allclose(res.weights["layer0.bn.running_var"],
                               0.9 + 0.1 * z.var(0) * n / (n - 1), atol=1e-12)


def test_bad_training_data_is_rejected_in_one_line():
    model = _small_model("cz", "rz", width=3, layers=1, out_dim=1)
    coords, values = _tiny_signal()
    for bad_coords, bad_values in [(coords[:, :1], values), (coords, values[:-1]),
                                   (coords, np.full_like(values, np.nan))]:
        with pytest.raises(DataError) as info:
            train_qiren(model, None, bad_coords, bad_values, epochs=1)
        assert "\n" not in str(info.value)


def test_baselines_count_parameters_and_learn():
    from benchmarks.baselines import MLPBaseline, init_params, matched_width, train_baseline

    width = matched_width(2, 1, 2, 657)
    assert width == 16  # 2*16 + 16 + 2 (16*16 + 16) + 16 + 1 = 609 <= 657 < 681 (width 17)
    net = MLPBaseline("relu", 2, width, 2, 1)
    assert net.param_count == sum(w.size + b.size for w, b in init_params(net, 0)) == 609
    bn_net = MLPBaseline("siren", 2, matched_width(2, 1, 2, 657, batchnorm=True), 2, 1, 1.0,
                         batchnorm=True)
    assert bn_net.width == 15  # 2*15^2 + 6*15 + 1 + 3 * (2 * 15) BatchNorm = 631 <= 657
    assert bn_net.param_count == sum(a.size for layer in init_params(bn_net, 0) for a in layer)
    coords, values = _tiny_signal()
    for model in (net, bn_net):
        res = train_baseline(model, coords, values, epochs=20, lr=0.01, seed=0)
        assert res.history[-1] < res.history[0]
