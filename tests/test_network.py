"""The sparse-network front end: exact derivatives, variable bookkeeping, bad specs.

References are independent of qmlc.compiler.network_*: the loss is re-implemented in plain numpy and
differentiated by central finite differences; the expected variable order and block-sparsity
pattern are written out by hand from the spec's definition.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from qmlc.compiler.errors import DataError, SpecError, TooLargeError
from qmlc.compiler.network_loss import network_gradient_descent, network_loss
from qmlc.compiler.network_spec import load_network
from qmlc.compiler.network_taylor import polynomial_map_from_network
from qmlc.compiler.spec import load_spec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# ----------------------------------------------------------------------------------------------
# An independent numpy implementation of the network loss


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "softplus":
        return np.log1p(np.exp(z))
    return z


def numpy_loss(params: list[np.ndarray], X, Y, activation: str, loss: str) -> float:
    z = X
    num_layers = len(params) // 2
    for i in range(num_layers):
        z = z @ params[2 * i].T + params[2 * i + 1]
        if i < num_layers - 1:
            z = _act(activation, z)
    if loss == "mse":
        return float(np.mean((z - Y) ** 2))
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(np.sum(Y * logp, axis=1)))


def fd_gradient(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def fd_hessian(f, x, h=1e-4):
    n = x.size
    H = np.zeros((n, n))
    E = np.eye(n) * h
    for i in range(n):
        for j in range(n):
            H[i, j] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j])
                       + f(x - E[i] - E[j])) / (4 * h * h)
    return H


def fd_third_directional(f, x, v, h=1e-3):
    """D³f(x)[v, v, v] by the 4-point central stencil (error O(h²))."""
    return (f(x + 2 * h * v) - 2 * f(x + h * v) + 2 * f(x - h * v) - f(x - 2 * h * v)) / (2 * h**3)


# ----------------------------------------------------------------------------------------------
# Writing small specs


def _toml_value(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def write_spec(tmp_path: Path, weights: dict, X, Y, network: dict | None = None,
               training: dict | None = None, top: dict | None = None, expansion: dict | None = None
               ) -> Path:
    np.savez(tmp_path / "w.npz", **weights)
    np.savez(tmp_path / "d.npz", X=X, Y=Y)
    net = {"layers": [2, 3, 1], "activation": "tanh", "weights": "w.npz"}
    net.update(network or {})
    train = {"data": "d.npz", "loss": "mse", "learning_rate": 0.1, "taylor_order": 3}
    if expansion is not None:
        np.savez(tmp_path / "e.npz", **expansion)
        train["expansion_point"] = "e.npz"
    train.update(training or {})
    head = {"kind": "sparse-network", "name": "t", "order": 2, "steps": 3}
    head.update(top or {})
    lines = [f"{k} = {_toml_value(v)}" for k, v in head.items() if v is not None]
    lines += ["[network]"] + [f"{k} = {_toml_value(v)}" for k, v in net.items() if v is not None]
    lines += ["[training]"] + [f"{k} = {_toml_value(v)}" for k, v in train.items()
                               if v is not None]
    path = tmp_path / "spec.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def small_net(seed: int = 0, layers=(2, 3, 1), m: int = 5, classes: bool = False):
    """Weights with one pruned entry per matrix, a masked bias b1 (two of three variable)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for i in range(1, len(layers)):
        W = rng.normal(0, 0.8, (layers[i], layers[i - 1]))
        W.flat[1] = 0.0
        weights[f"W{i}"] = W
        weights[f"b{i}"] = rng.normal(0, 0.3, layers[i])
    weights["mask_b1"] = np.array([1, 0, 1] + [0] * (layers[1] - 3))
    X = rng.uniform(-1, 1, (m, layers[0]))
    if classes:
        Y = np.eye(layers[-1])[rng.integers(0, layers[-1], m)]
    else:
        Y = rng.normal(0, 1, (m, layers[-1]))
    return weights, X, Y


def reference_loss(weights: dict, X, Y, activation: str, loss: str, layers):
    """θ ↦ L written from the spec's definition: variables in the documented order."""
    keys = [k for i in range(1, len(layers)) for k in (f"W{i}", f"b{i}")]
    masks = {}
    for key in keys:
        if f"mask_{key}" in weights:
            masks[key] = weights[f"mask_{key}"].astype(bool)
        elif key[0] == "W":
            masks[key] = weights[key] != 0
        else:
            masks[key] = np.zeros(weights[key].shape, dtype=bool)

    def unpack(theta):
        params, k = [], 0
        for key in keys:
            P = (weights[key] * masks[key] if f"mask_{key}" in weights else weights[key]).copy()
            idx = np.flatnonzero(masks[key].ravel())
            flat = P.ravel()
            flat[idx] = theta[k:k + idx.size]
            k += idx.size
            params.append(flat.reshape(P.shape))
        return params

    return lambda theta: numpy_loss(unpack(theta), X, Y, activation, loss)


# ----------------------------------------------------------------------------------------------
# Derivatives


@pytest.mark.parametrize("activation,loss,layers", [
    ("tanh", "mse", (2, 3, 1)),
    ("sigmoid", "mse", (2, 3, 2)),
    ("softplus", "cross-entropy", (2, 3, 3)),
    ("identity", "mse", (2, 3, 1)),
])
def test_gradient_and_hessian_match_finite_differences(tmp_path, activation, loss, layers):
    weights, X, Y = small_net(1, layers, classes=loss == "cross-entropy")
    eta = 0.2
    path = write_spec(tmp_path, weights, X, Y, network={"layers": list(layers),
                                                        "activation": activation},
                      training={"loss": loss, "learning_rate": eta})
    pm = polynomial_map_from_network(load_spec(path))
    f = reference_loss(weights, X, Y, activation, loss, layers)
    theta0 = pm.offset
    np.testing.assert_allclose(-pm.G[0] / eta, fd_gradient(f, theta0), atol=1e-8)
    hess = (np.eye(pm.n) - pm.G[1].toarray()) / eta
    np.testing.assert_allclose(hess, fd_hessian(f, theta0), atol=2e-6)
    _, _, theta_check = network_loss(load_spec(path))
    np.testing.assert_array_equal(theta_check, theta0)


@pytest.mark.parametrize("activation", ["tanh", "softplus"])
def test_third_derivative_matches_finite_differences(tmp_path, activation):
    weights, X, Y = small_net(2)
    eta = 0.3
    path = write_spec(tmp_path, weights, X, Y, network={"activation": activation},
                      training={"learning_rate": eta})
    pm = polynomial_map_from_network(load_spec(path))
    f = reference_loss(weights, X, Y, activation, "mse", (2, 3, 1))
    n = pm.n
    # ∇³L is symmetric: G2[a, b n + c] is invariant under permutations of (a, b, c)
    T = (-2.0 / eta) * pm.G[2].toarray().reshape(n, n, n)
    for perm in itertools.permutations(range(3)):
        np.testing.assert_allclose(T, T.transpose(perm), atol=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(4):
        v = rng.normal(size=n)
        expected = fd_third_directional(f, pm.offset, v)
        got = np.einsum("abc,a,b,c->", T, v, v, v)
        assert got == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_cubic_taylor_remainder_is_fourth_order(tmp_path):
    """L(θ0 + u) minus the cubic Taylor polynomial built from G0, G1, G2 shrinks like |u|⁴."""
    weights, X, Y = small_net(3)
    eta = 0.25
    path = write_spec(tmp_path, weights, X, Y, training={"learning_rate": eta})
    pm = polynomial_map_from_network(load_spec(path))
    f = reference_loss(weights, X, Y, "tanh", "mse", (2, 3, 1))
    grad = -pm.G[0] / eta
    hess = (np.eye(pm.n) - pm.G[1].toarray()) / eta
    direction = np.random.default_rng(1).normal(size=pm.n)
    errors = []
    for scale in (0.08, 0.04, 0.02):
        u = scale * direction
        third = -(2.0 / eta) * u @ (pm.G[2] @ np.kron(u, u))
        taylor = f(pm.offset) + grad @ u + 0.5 * u @ hess @ u + third / 6.0
        errors.append(abs(f(pm.offset + u) - taylor))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(ratios > 12) and np.all(ratios < 20), ratios  # 2⁴ = 16


def test_map_step_equals_gradient_step_up_to_taylor_remainder(tmp_path):
    """One polynomial-map step vs one exact GD step (finite-difference gradient): error O(|u|³)."""
    weights, X, Y = small_net(4)
    eta = 0.2
    path = write_spec(tmp_path, weights, X, Y, training={"learning_rate": eta})
    pm = polynomial_map_from_network(load_spec(path))
    f = reference_loss(weights, X, Y, "tanh", "mse", (2, 3, 1))
    direction = np.random.default_rng(2).normal(size=pm.n)
    errors = []
    for scale in (0.1, 0.05):
        u = scale * direction
        theta = pm.offset + u
        exact = theta - eta * fd_gradient(f, theta, h=1e-6)
        errors.append(np.abs(pm.step(u) + pm.offset - exact).max())
    assert errors[0] / errors[1] == pytest.approx(8.0, rel=0.2)  # 2³
    assert errors[1] < 1e-3


def test_gradient_descent_is_true_gradient_descent(tmp_path):
    weights, X, Y = small_net(5)
    eta = 0.15
    expansion = {k: v + 0.05 for k, v in weights.items() if k.startswith("W")}
    expansion.update({k: v for k, v in weights.items() if k.startswith("b")})
    for key in ("W1", "W2"):
        expansion[key][weights[key] == 0] = 0.0
    path = write_spec(tmp_path, weights, X, Y, training={"learning_rate": eta},
                      expansion=expansion)
    spec = load_spec(path)
    traj = network_gradient_descent(spec, 5)
    f = reference_loss(weights, X, Y, "tanh", "mse", (2, 3, 1))
    problem = load_network(spec)
    theta = problem.theta_init.copy()
    for t in range(6):
        np.testing.assert_allclose(traj[t], theta - problem.theta0, atol=1e-9)
        theta = theta - eta * fd_gradient(f, theta, h=1e-6)
    pm = polynomial_map_from_network(spec)
    np.testing.assert_allclose(pm.u0, problem.theta_init - problem.theta0)
    np.testing.assert_allclose(pm.u0[:5], -0.05)  # the five surviving W1 entries, shifted


# ----------------------------------------------------------------------------------------------
# Variables, masks, sparsity


def test_variable_order_and_masks(tmp_path):
    weights, X, Y = small_net(6)
    weights["W2"] = np.array([[0.7, -0.4, 0.0]])
    weights["mask_W2"] = np.array([[1, 0, 1]])  # W2[0,1] is nonzero but pruned by its mask
    path = write_spec(tmp_path, weights, X, Y)
    problem = load_network(load_spec(path))
    expected = ["W1[0,0]", "W1[1,0]", "W1[1,1]", "W1[2,0]", "W1[2,1]", "b1[0]", "b1[2]",
                "W2[0,0]", "W2[0,2]"]
    assert list(problem.variable_names) == expected
    W1, b1 = weights["W1"], weights["b1"]
    np.testing.assert_array_equal(
        problem.theta_init, [W1[0, 0], W1[1, 0], W1[1, 1], W1[2, 0], W1[2, 1], b1[0], b1[2],
                             0.7, 0.0])
    loss_fn, theta_init, _ = network_loss(problem)
    pruned = dict(weights, W2=np.array([[0.7, 0.0, 0.0]]))
    params = [pruned["W1"], pruned["b1"], pruned["W2"], pruned["b2"]]
    assert loss_fn(theta_init) == pytest.approx(numpy_loss(params, X, Y, "tanh", "mse"),
                                                rel=1e-12)
    pm = polynomial_map_from_network(load_spec(path))
    assert pm.meta["variable_names"] == expected
    assert pm.meta["n"] == 9 and pm.meta["source"] == "sparse-network"
    assert [g.shape for g in pm.G[1:]] == [(9, 9), (9, 81)]
    assert all(sp.isspmatrix_csr(g) for g in pm.G[1:])


def test_taylor_order_two_gives_an_affine_map(tmp_path):
    weights, X, Y = small_net(7)
    path = write_spec(tmp_path, weights, X, Y, training={"taylor_order": 2})
    pm = polynomial_map_from_network(load_spec(path))
    assert pm.degree == 1 and pm.meta["taylor_order"] == 2


def test_block_structure_gives_exact_zeros(tmp_path):
    """Output k reads only hidden unit k: weights of different hidden units never interact,
    so ∇²L and ∇³L vanish exactly across the two blocks (and nnz counts follow)."""
    rng = np.random.default_rng(8)
    weights = {"W1": rng.normal(size=(2, 2)), "b1": np.array([0.1, -0.2]),
               "W2": np.diag(rng.normal(size=2)), "b2": np.zeros(2)}
    X, Y = rng.uniform(-1, 1, (6, 2)), rng.normal(size=(6, 2))
    path = write_spec(tmp_path, weights, X, Y, network={"layers": [2, 2, 2]})
    pm = polynomial_map_from_network(load_spec(path))
    # variables: W1[0,0] W1[0,1] W1[1,0] W1[1,1] W2[0,0] W2[1,1]; blocks {0,1,4} and {2,3,5}
    block = np.array([0, 0, 1, 1, 0, 1])
    same = block[:, None] == block[None, :]
    G1 = pm.G[1].toarray()
    assert np.all(G1[~same] == 0) and np.all(G1[same] != 0)
    T = pm.G[2].toarray().reshape(6, 6, 6)
    same3 = (block[:, None, None] == block[None, :, None]) & (block[None, :, None]
                                                              == block[None, None, :])
    assert np.all(T[~same3] == 0)
    assert pm.G[2].nnz == np.count_nonzero(T)


def test_sparsify_drops_small_entries_and_reports_mass(tmp_path):
    weights, X, Y = small_net(9)
    base = write_spec(tmp_path, weights, X, Y)
    dense = polynomial_map_from_network(load_spec(base))
    path = write_spec(tmp_path, weights, X, Y, training={"sparsify": 0.05})
    pm = polynomial_map_from_network(load_spec(path))
    info = pm.meta["sparsify"]
    full = dense.G[2].toarray()
    keep = np.abs(full) >= 0.05 * np.abs(full).max()
    np.testing.assert_array_equal(pm.G[2].toarray(), np.where(keep, full, 0.0))
    assert info["G2"]["dropped_relative_fro"] == pytest.approx(
        np.linalg.norm(full[~keep]) / np.linalg.norm(full), rel=1e-12)
    F1 = dense.G[1].toarray() - np.eye(dense.n)
    keep1 = (np.abs(F1) >= 0.05 * np.abs(F1).max()) | np.eye(dense.n, dtype=bool)
    np.testing.assert_array_equal(pm.G[1].toarray(), np.eye(dense.n) + np.where(keep1, F1, 0))
    assert pm.G[2].nnz < dense.G[2].nnz


# ----------------------------------------------------------------------------------------------
# Bad specs


def _bad_cases():
    def nan_data(w, X, Y):
        X = X.copy()
        X[0, 0] = np.nan
        return w, X, Y

    def wrong_shape(w, X, Y):
        return dict(w, W1=np.ones((3, 3))), X, Y

    def mask_not_binary(w, X, Y):
        return dict(w, mask_W1=np.full((3, 2), 0.5)), X, Y

    def mask_shape(w, X, Y):
        return dict(w, mask_W1=np.ones((2, 2))), X, Y

    def all_pruned(w, X, Y):
        return dict(w, mask_W1=np.zeros((3, 2)), mask_W2=np.zeros((1, 3)),
                    mask_b1=np.zeros(3)), X, Y

    def y_shape(w, X, Y):
        return w, X, np.ones((X.shape[0], 2))

    def inf_weight(w, X, Y):
        W2 = w["W2"].copy()
        W2[0, 0] = np.inf
        return dict(w, W2=W2), X, Y

    same = lambda w, X, Y: (w, X, Y)  # noqa: E731
    return [
        ("unknown activation", same, {"network": {"activation": "relu"}}, SpecError,
         "network.activation"),
        ("unknown loss", same, {"training": {"loss": "hinge"}}, SpecError, "training.loss"),
        ("wrong weight shape", wrong_shape, {}, DataError, "W1"),
        ("layers mismatch", same, {"network": {"layers": [2, 4, 1]}}, DataError, "W1"),
        ("nan in data", nan_data, {}, DataError, "X"),
        ("inf in weights", inf_weight, {}, DataError, "W2"),
        ("taylor order 4", same, {"training": {"taylor_order": 4}}, SpecError,
         "training.taylor_order"),
        ("negative learning rate", same, {"training": {"learning_rate": -1}}, SpecError,
         "training.learning_rate"),
        ("zero learning rate", same, {"training": {"learning_rate": 0.0}}, SpecError,
         "training.learning_rate"),
        ("mask not 0/1", mask_not_binary, {}, DataError, "mask_W1"),
        ("mask shape", mask_shape, {}, DataError, "mask_W1"),
        ("no surviving weights", all_pruned, {}, DataError, "no surviving weights"),
        ("Y shape", y_shape, {}, DataError, "Y"),
        ("missing weights file", same, {"network": {"weights": "nope.npz"}}, DataError,
         "network.weights"),
        ("missing data file", same, {"training": {"data": "nope.npz"}}, DataError,
         "training.data"),
        ("missing expansion file", same, {"training": {"expansion_point": "nope.npz"}},
         DataError, "training.expansion_point"),
        ("order 0", same, {"top": {"order": 0}}, SpecError, "order"),
        ("negative sparsify", same, {"training": {"sparsify": -0.1}}, SpecError,
         "training.sparsify"),
        ("missing learning rate", same, {"training": {"learning_rate": None}}, SpecError,
         "training.learning_rate"),
    ]


@pytest.mark.parametrize("case", _bad_cases(), ids=lambda c: c[0])
def test_bad_specs_raise_one_line_errors_naming_the_field(tmp_path, case):
    _, mutate, overrides, error, field = case
    weights, X, Y = small_net(10)
    weights, X, Y = mutate(weights, X, Y)
    path = write_spec(tmp_path, weights, X, Y, **overrides)
    with pytest.raises(error) as info:
        polynomial_map_from_network(load_spec(path))
    message = str(info.value)
    assert field in message and "\n" not in message


def test_expansion_point_must_agree_on_frozen_entries(tmp_path):
    weights, X, Y = small_net(11)
    expansion = {k: v.copy() for k, v in weights.items() if not k.startswith("mask")}
    expansion["b2"] = expansion["b2"] + 1.0  # b2 has no mask: it is fixed, cannot move
    path = write_spec(tmp_path, weights, X, Y, expansion=expansion)
    with pytest.raises(DataError, match="training.expansion_point"):
        load_network(load_spec(path))


def test_too_many_weights_for_third_order_is_refused(tmp_path):
    rng = np.random.default_rng(12)
    weights = {"W1": rng.normal(size=(1, 600)), "W2": np.ones((1, 1))}
    X, Y = rng.normal(size=(3, 600)), rng.normal(size=(3, 1))
    path = write_spec(tmp_path, weights, X, Y, network={"layers": [600, 1, 1]})
    with pytest.raises(TooLargeError, match="qmlc estimate"):
        load_network(load_spec(path))


# ----------------------------------------------------------------------------------------------
# The bundled examples


def test_tiny_example_is_dissipative_and_carleman_converges_to_true_gd():
    """The demo's example: ≤ 6 weights, G1 spectrum in (0, 0.95), and the error of the Carleman
    trajectory against true gradient descent on the network loss falls with the order N."""
    import scipy.sparse.linalg as spla

    from qmlc.compiler.carleman import build_carleman_system

    spec = load_spec(EXAMPLES / "tiny_network.toml")
    pm = polynomial_map_from_network(spec)
    assert pm.n <= 6 and pm.degree == 2
    assert not np.any(pm.G[0])  # expanded at a stationary point: round-off gradient is zeroed
    eig = np.linalg.eigvals(pm.G[1].toarray())
    assert np.all(np.abs(eig.imag) < 1e-12)
    assert np.all((eig.real > 0) & (eig.real < 0.95))
    steps = 4
    gd = network_gradient_descent(spec, steps)
    assert np.abs(gd[-1] - gd[0]).max() > 0.05  # the trajectory moves
    errors = []
    for order in (1, 2, 3):
        system = build_carleman_system(pm, order, steps)
        x = spla.spsolve_triangular(system.A.tocsr(), system.b, lower=True)
        errors.append(np.abs(system.trajectory(x) - gd).max())
    assert errors[0] > errors[1] > errors[2]


def test_digits_example_is_a_pruned_network_on_real_data():
    """Layer-wise 10% pruning, fixed biases, n in the few-hundred range; ∇L and ∇²L at θ0 agree
    with finite differences of the numpy loss along random directions (Hessian only: fast)."""
    from qmlc.compiler.network_loss import loss_derivatives

    spec = load_spec(EXAMPLES / "digits_network.toml")
    problem = load_network(spec)
    weights = np.load(EXAMPLES / "digits_network_weights.npz")
    assert 150 <= problem.n <= 400
    assert problem.n == int(weights["mask_W1"].sum() + weights["mask_W2"].sum())
    for key in ("W1", "W2"):
        assert weights[f"mask_{key}"].mean() == pytest.approx(0.10, abs=0.01)
    assert not any(name.startswith("b") for name in problem.variable_names)
    assert problem.X.shape == (200, 16) and problem.Y.shape == (200, 10)
    derivs = loss_derivatives(problem, third=False)
    f = reference_loss(dict(weights), problem.X, problem.Y, "tanh", problem.loss,
                       problem.layers)
    rng = np.random.default_rng(0)
    h = 1e-3
    for _ in range(2):
        v = rng.normal(size=problem.n)
        v /= np.linalg.norm(v)
        slope = (f(problem.theta0 + 1e-5 * v) - f(problem.theta0 - 1e-5 * v)) / 2e-5
        assert derivs.grad @ v == pytest.approx(slope, rel=1e-6)
        plus, minus, mid = f(problem.theta0 + h * v), f(problem.theta0 - h * v), f(problem.theta0)
        assert v @ derivs.hess @ v == pytest.approx((plus - 2 * mid + minus) / h**2, rel=1e-4)
