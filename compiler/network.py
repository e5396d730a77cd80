"""Front end of ``kind = "sparse-network"``: a pruned MLP's gradient descent as a PolynomialMap.

Construction (Liu et al., "Towards provably efficient quantum algorithms for large-scale
machine-learning models", Nat. Commun. 15:434 (2024), arXiv:2303.03428). Gradient descent on the
training loss, θ(t+1) = θ(t) − η ∇L(θ(t)), is Taylor-expanded around an expansion point θ0. With
u = θ − θ0 and the loss expanded to order q + 1 (``taylor_order``), the step is the polynomial map

    u⁺ = G_0 + G_1 u + G_2 u^{⊗2},   G_0 = −η ∇L(θ0),  G_1 = I − η ∇²L(θ0),
                                     G_2 = −(η/2) ∇³L(θ0) reshaped n × n²,

(G_2 only for ``taylor_order = 3``), in numpy's Kronecker order: G_2[a, b·n + c] = −(η/2) ∂_a∂_b∂_c L.
The derivatives are exact (JAX autodiff in float64), computed densely in n (n ≤ a few hundred
for the third derivative) and stored sparse (scipy CSR, exact zeros dropped).

Variables. Only surviving parameters are variables; n is their number. A parameter array P
(``W1``, ``b1``, …) with an explicit mask ``mask_P`` is used as P ⊙ mask_P (PyTorch's pruning
convention, weight = weight_orig · weight_mask) and its mask-1 entries are variables. Without a
mask a weight matrix's mask is its nonzero pattern. A bias without a mask is *not* a variable: it
stays fixed at its value (the paper counts only the pruned weights; fixed biases keep n equal to
the number of surviving weights). Order: for layer i = 1..L the variable entries of W_i in
row-major order, then those of b_i.

Network. Layer sizes d_0..d_L; hidden layers z ↦ σ(W z + b) with σ in ``ACTIVATIONS``, the output
layer is affine. Losses, over m training pairs (x_i, y_i):

* ``mse``: L = (1 / (m d_L)) Σ_i ‖f(x_i) − y_i‖² (mean over samples and outputs, like
  ``torch.nn.MSELoss``);
* ``cross-entropy``: L = −(1/m) Σ_i Σ_k Y_ik log softmax(f(x_i))_k with rows of Y probability
  vectors (one-hot labels or soft targets, like ``torch.nn.CrossEntropyLoss``).

Sparsification (optional ``sparsify = s``): entries of F_ℓ with |F_ℓ| < s · max|F_ℓ| are dropped,
where F_0 = G_0, F_1 = G_1 − I = −ηH (the identity is structure, not a small term; the diagonal of
F_1 is always kept) and F_2 = G_2; the dropped relative Frobenius mass ‖dropped‖_F / ‖F_ℓ‖_F is
recorded in the map's meta. Independently of ``sparsify``, gradient entries below the float64
round-off floor 64 ε · max(|L|, max|∇²L| · max|θ0|) are set to zero, so that expanding at a
stationary point gives G_0 = 0 exactly (count recorded in meta).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from compiler.errors import DataError, SpecError, TooLargeError
from compiler.polymap import PolynomialMap, make_polynomial_map
from compiler.spec import (
    ModelSpec,
    check_finite,
    data_path,
    get_float,
    get_int,
    get_int_list,
    get_str,
    load_npz,
)

ACTIVATIONS = ("tanh", "sigmoid", "softplus", "identity")
LOSSES = ("mse", "cross-entropy")
TAYLOR_ORDERS = (2, 3)
# The third-derivative tensor is formed n×n rows at a time; n³ work and up to n³ stored entries.
MAX_N_THIRD_ORDER = 500
# The Hessian is formed densely (n² floats).
MAX_N_SECOND_ORDER = 5000
# Tangent floats per vectorized batch of ∇³L rows (bounds the memory of the batch).
_THIRD_ORDER_FLOATS = 20_000_000


@dataclass(frozen=True, eq=False)
class NetworkProblem:
    """A validated sparse-network spec: the net, its data and its variables.

    ``fixed[k]`` is parameter array k (order W1, b1, W2, b2, …) with its variable entries zeroed;
    ``positions[k]`` are the flat (row-major) indices of its variable entries, so that
    θ ↦ fixed[k].ravel() with θ[slices[k]] written at positions[k] rebuilds the parameters.
    """

    name: str
    layers: tuple
    activation: str
    loss: str
    learning_rate: float
    taylor_order: int
    sparsify: float
    X: np.ndarray
    Y: np.ndarray
    fixed: tuple
    positions: tuple
    theta_init: np.ndarray
    theta0: np.ndarray
    variable_names: tuple
    expansion_point: str

    @property
    def n(self) -> int:
        return int(self.theta_init.shape[0])

    @property
    def slices(self) -> tuple:
        """The slice of θ holding each parameter array's variables."""
        ends = np.cumsum([0] + [len(p) for p in self.positions])
        return tuple(slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:], strict=True))

    def parameters(self, theta: np.ndarray) -> list[np.ndarray]:
        """The full parameter arrays (W1, b1, W2, b2, …) for a variable vector θ (numpy)."""
        out = []
        for base, pos, sl in zip(self.fixed, self.positions, self.slices, strict=True):
            flat = base.ravel().copy()
            flat[pos] = theta[sl]
            out.append(flat.reshape(base.shape))
        return out


# ----------------------------------------------------------------------------------------------
# Spec parsing and validation


def _param_keys(num_layers: int) -> list[str]:
    return [key for i in range(1, num_layers + 1) for key in (f"W{i}", f"b{i}")]


def _check_mask(mask: np.ndarray, shape: tuple, where: str) -> np.ndarray:
    if tuple(mask.shape) != tuple(shape):
        raise DataError(f"{where} has shape {tuple(mask.shape)}; expected {tuple(shape)} "
                        "(the shape of the array it masks)")
    if mask.dtype.kind not in "biuf" or not np.all((mask == 0) | (mask == 1)):
        raise DataError(f"{where} must hold only 0 and 1 (1 = surviving weight)")
    return mask.astype(bool)


def _read_parameters(spec: ModelSpec, field: str, layers: list[int],
                     allow_masks: bool) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    """Parameter arrays W1, b1, … (missing biases → zeros) and masks from a weights-like .npz."""
    path = data_path(spec, field)
    where = spec.where(field)
    arrays = load_npz(path, where)
    keys = _param_keys(len(layers) - 1)
    known = set(keys) | {f"mask_{k}" for k in keys}
    unknown = sorted(set(arrays) - known)
    if unknown:
        raise DataError(f"{where}: {path.name} has unknown arrays {unknown}; expected "
                        f"{', '.join(keys)} and optional mask_W1, mask_b1, … for layers {layers}")
    params, masks = [], {}
    for key in keys:
        i = int(key[1:])
        shape = (layers[i], layers[i - 1]) if key[0] == "W" else (layers[i],)
        if key not in arrays:
            if key[0] == "W":
                raise DataError(f"{where}: {path.name} has no array '{key}'; layers {layers} need "
                                f"W1..W{len(layers) - 1}")
            arrays[key] = np.zeros(shape)
        value = np.asarray(arrays[key])
        if value.dtype.kind not in "biuf":
            raise DataError(f"{where}: {key} in {path.name} must be numeric, got {value.dtype}")
        if tuple(value.shape) != shape:
            raise DataError(f"{where}: {key} in {path.name} has shape {tuple(value.shape)}; "
                            f"layers {layers} need {shape}")
        check_finite(value, f"{where}: {key} in {path.name}")
        params.append(value.astype(float))
        mask_key = f"mask_{key}"
        if mask_key in arrays:
            if not allow_masks:
                continue
            masks[key] = _check_mask(np.asarray(arrays[mask_key]), shape,
                                     f"{where}: {mask_key} in {path.name}")
    return params, masks


def _read_data(spec: ModelSpec, layers: list[int], loss: str) -> tuple[np.ndarray, np.ndarray]:
    field = "training.data"
    path = data_path(spec, field)
    where = spec.where(field)
    arrays = load_npz(path, where)
    for key in ("X", "Y"):
        if key not in arrays:
            raise DataError(f"{where}: {path.name} has no array '{key}'; it needs X (m, "
                            f"{layers[0]}) and Y (m, {layers[-1]})")
    extra = sorted(set(arrays) - {"X", "Y"})
    if extra:
        raise DataError(f"{where}: {path.name} has unknown arrays {extra}; expected X and Y")
    X, Y = np.asarray(arrays["X"]), np.asarray(arrays["Y"])
    for key, value in (("X", X), ("Y", Y)):
        if value.dtype.kind not in "biuf":
            raise DataError(f"{where}: {key} in {path.name} must be numeric, got {value.dtype}")
    if Y.ndim == 1 and layers[-1] == 1:
        Y = Y.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != layers[0] or X.shape[0] == 0:
        raise DataError(f"{where}: X in {path.name} has shape {X.shape}; expected (m, {layers[0]}) "
                        f"with m >= 1 for input size layers[0] = {layers[0]}")
    if Y.shape != (X.shape[0], layers[-1]):
        raise DataError(f"{where}: Y in {path.name} has shape {Y.shape}; expected "
                        f"({X.shape[0]}, {layers[-1]}) (one row per row of X, output size "
                        f"layers[-1] = {layers[-1]})")
    check_finite(X, f"{where}: X in {path.name}")
    check_finite(Y, f"{where}: Y in {path.name}")
    if loss == "cross-entropy":
        if layers[-1] < 2:
            raise SpecError(f"{spec.where('training.loss')} is 'cross-entropy' but the output "
                            "layer has 1 unit; use >= 2 classes or loss = 'mse'")
        if np.any(Y < 0) or not np.allclose(Y.sum(axis=1), 1.0, atol=1e-6):
            raise DataError(f"{where}: Y in {path.name} must hold probability rows (one-hot "
                            "labels) for loss 'cross-entropy'")
    return X.astype(float), Y.astype(float)


def load_network(spec: ModelSpec) -> NetworkProblem:
    """Validate a ``sparse-network`` spec and collect its variables (see the module docstring)."""
    get_int(spec, "order", minimum=1)
    get_int(spec, "steps", minimum=1)
    spec.section("network")
    spec.section("training")
    layers = get_int_list(spec, "network.layers", minimum=1)
    if len(layers) < 2:
        raise SpecError(f"{spec.where('network.layers')} is {layers}; give at least the input "
                        "and output sizes, e.g. [2, 2, 1]")
    activation = get_str(spec, "network.activation", choices=ACTIVATIONS)
    loss = get_str(spec, "training.loss", default="mse", choices=LOSSES)
    eta = get_float(spec, "training.learning_rate", positive=True)
    taylor_order = get_int(spec, "training.taylor_order", default=3)
    if taylor_order not in TAYLOR_ORDERS:
        raise SpecError(f"{spec.where('training.taylor_order')} is {taylor_order}; expected 2 "
                        "(affine gradient) or 3 (quadratic gradient)")
    sparsify = get_float(spec, "training.sparsify", default=0.0, minimum=0.0)
    expansion = get_str(spec, "training.expansion_point", default="initial")

    params, masks = _read_parameters(spec, "network.weights", layers, allow_masks=True)
    X, Y = _read_data(spec, layers, loss)

    keys = _param_keys(len(layers) - 1)
    fixed, positions, names, theta_init = [], [], [], []
    for key, value in zip(keys, params, strict=True):
        if key in masks:
            mask = masks[key]
            value = value * mask
        elif key[0] == "W":
            mask = value != 0
        else:
            mask = np.zeros(value.shape, dtype=bool)
        pos = np.flatnonzero(mask.ravel())
        base = value.ravel().copy()
        theta_init.append(base[pos])
        base[pos] = 0.0
        fixed.append(base.reshape(value.shape))
        positions.append(pos)
        for p in pos:
            idx = np.unravel_index(p, value.shape)
            names.append(f"{key}[{','.join(str(int(i)) for i in idx)}]")
    theta_init = np.concatenate(theta_init)
    if theta_init.size == 0:
        raise DataError(f"{spec.where('network.weights')}: no surviving weights (every mask entry "
                        "is 0 and every unmasked weight is zero); nothing to train")

    if expansion == "initial":
        theta0 = theta_init.copy()
    else:
        theta0 = _read_expansion_point(spec, layers, masks, fixed, positions)

    n = theta_init.size
    limit = MAX_N_THIRD_ORDER if taylor_order == 3 else MAX_N_SECOND_ORDER
    if n > limit:
        raise TooLargeError(
            f"{spec.where('training.taylor_order')}: n = {n} surviving weights is too many for "
            f"the exact order-{taylor_order} Taylor tensors (limit n <= {limit}); "
            "use `qmlc estimate` with n, T and N instead"
            + (" or taylor_order = 2" if taylor_order == 3 else ""))

    return NetworkProblem(
        name=spec.name, layers=tuple(layers), activation=activation, loss=loss,
        learning_rate=eta, taylor_order=taylor_order, sparsify=sparsify, X=X, Y=Y,
        fixed=tuple(fixed), positions=tuple(positions), theta_init=theta_init, theta0=theta0,
        variable_names=tuple(names), expansion_point=expansion)


def _read_expansion_point(spec: ModelSpec, layers: list[int], masks: dict, fixed: list,
                          positions: list) -> np.ndarray:
    """θ0 from an .npz with the weights file's keys; its frozen entries must match the weights'."""
    field = "training.expansion_point"
    params, _ = _read_parameters(spec, field, layers, allow_masks=False)
    keys = _param_keys(len(layers) - 1)
    theta0 = []
    for key, value, base, pos in zip(keys, params, fixed, positions, strict=True):
        if key in masks:
            value = value * masks[key]
        flat = value.ravel()
        frozen = np.ones(flat.size, dtype=bool)
        frozen[pos] = False
        if not np.allclose(flat[frozen], base.ravel()[frozen], rtol=1e-12, atol=1e-12):
            raise DataError(f"{spec.where(field)}: {key} differs from the weights file on entries "
                            "that are not variables (pruned weights / fixed biases); only "
                            "surviving weights may move")
        theta0.append(flat[pos])
    return np.concatenate(theta0)


# ----------------------------------------------------------------------------------------------
# The loss as a JAX function of the surviving weights


def _x64() -> contextlib.AbstractContextManager:
    """float64 for JAX inside this module only (the global default stays untouched)."""
    import jax

    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # pragma: no cover - jax < 0.6

    return enable_x64()


def _network_loss(theta, fixed, positions, X, Y, activation: str, loss: str):
    """L(θ) as a pure JAX function: the parameters are ``fixed`` with θ written at ``positions``.

    Data and parameters are arguments (not closure constants) so one compiled kernel serves every
    problem of the same shapes.
    """
    import jax
    import jax.numpy as jnp

    sigma = {"tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid, "softplus": jax.nn.softplus,
             "identity": lambda z: z}[activation]
    arrays, start = [], 0
    for base, pos in zip(fixed, positions, strict=True):
        flat = base.ravel().at[pos].set(theta[start:start + pos.shape[0]])
        start += pos.shape[0]
        arrays.append(flat.reshape(base.shape))
    num_layers = len(arrays) // 2
    z = X
    for i in range(num_layers):
        z = z @ arrays[2 * i].T + arrays[2 * i + 1]
        if i < num_layers - 1:
            z = sigma(z)
    if loss == "mse":
        return jnp.mean((z - Y) ** 2)
    return -jnp.mean(jnp.sum(Y * jax.nn.log_softmax(z, axis=1), axis=1))


@functools.lru_cache(maxsize=1)
def _kernels() -> SimpleNamespace:
    """The jitted derivative kernels, built once per process (JAX imported lazily)."""
    import jax

    static = ("activation", "loss")

    def hess(theta, *args, **kw):
        return jax.hessian(_network_loss)(theta, *args, **kw)

    def value_grad_hess(theta, *args, **kw):
        value, grad = jax.value_and_grad(_network_loss)(theta, *args, **kw)
        return value, grad, hess(theta, *args, **kw)

    def third_rows(theta, directions, *args, **kw):
        def row(e):
            return jax.jvp(lambda t: hess(t, *args, **kw), (theta,), (e,))[1]
        return jax.vmap(row)(directions)

    return SimpleNamespace(
        value=jax.jit(_network_loss, static_argnames=static),
        grad=jax.jit(jax.grad(_network_loss), static_argnames=static),
        value_grad_hess=jax.jit(value_grad_hess, static_argnames=static),
        third_rows=jax.jit(third_rows, static_argnames=static))


def _problem_args(problem: NetworkProblem) -> tuple[tuple, dict]:
    args = (tuple(problem.fixed), tuple(np.asarray(p, dtype=np.int64) for p in problem.positions),
            problem.X, problem.Y)
    return args, {"activation": problem.activation, "loss": problem.loss}


def network_loss(spec_or_problem: ModelSpec | NetworkProblem
                 ) -> tuple[Callable[[np.ndarray], float], np.ndarray, np.ndarray]:
    """(loss_fn, θ_init, θ0): ``loss_fn`` maps a numpy vector of surviving weights to L (float64)."""
    problem = _as_problem(spec_or_problem)
    args, kw = _problem_args(problem)

    def loss_fn(theta: np.ndarray) -> float:
        with _x64():
            return float(_kernels().value(np.asarray(theta, dtype=float), *args, **kw))

    return loss_fn, problem.theta_init.copy(), problem.theta0.copy()


def _as_problem(spec_or_problem: ModelSpec | NetworkProblem) -> NetworkProblem:
    if isinstance(spec_or_problem, NetworkProblem):
        return spec_or_problem
    if spec_or_problem.kind != "sparse-network":
        raise SpecError(f"{spec_or_problem.path}: field 'kind' is {spec_or_problem.kind!r}; "
                        "expected 'sparse-network' here")
    return load_network(spec_or_problem)


# ----------------------------------------------------------------------------------------------
# Exact derivatives and the polynomial map


@dataclass(frozen=True, eq=False)
class LossDerivatives:
    """L, ∇L, ∇²L (dense) and ∇³L (CSR, n × n², row a = vec ∂_a∇²L; None if not asked) at θ."""

    value: float
    grad: np.ndarray
    hess: np.ndarray
    third: sp.csr_matrix | None


def _third_order_batch(problem: NetworkProblem) -> int:
    """Directions per vectorized call: keeps batch · n · m · (Σ widths) tangent floats ≲ 2e7."""
    per_direction = problem.n * problem.X.shape[0] * sum(problem.layers)
    return int(max(1, min(problem.n, _THIRD_ORDER_FLOATS // max(per_direction, 1))))


def loss_derivatives(problem: NetworkProblem, theta: np.ndarray | None = None,
                     third: bool = True) -> LossDerivatives:
    """Exact derivatives of the loss at θ (default θ0), float64; exact zeros of ∇³L dropped.

    The third derivative is assembled a batch of rows at a time: row a of the n × n² matrix is
    vec(∂_a ∇²L), the forward-mode derivative (jvp) of the Hessian along e_a, so memory stays
    O(batch · n²) plus the sparse result. Every batch has the same shape (the last one is padded
    with zero directions) so it is compiled once.
    """
    theta = problem.theta0 if theta is None else np.asarray(theta, dtype=float)
    n = problem.n
    args, kw = _problem_args(problem)
    kernels = _kernels()
    with _x64():
        value, grad, hess = kernels.value_grad_hess(theta, *args, **kw)
        value, grad, hess = float(value), np.asarray(grad), np.asarray(hess)
        if not third:
            return LossDerivatives(value, grad, hess, None)
        batch = _third_order_batch(problem)
        data, row_idx, col_idx = [], [], []
        for start in range(0, n, batch):
            count = min(batch, n - start)
            directions = np.zeros((batch, n))
            directions[np.arange(count), start + np.arange(count)] = 1.0
            block = np.asarray(kernels.third_rows(theta, directions, *args, **kw))
            block = block[:count].reshape(count, n * n)
            r, c = np.nonzero(block)
            data.append(block[r, c])
            row_idx.append(r + start)
            col_idx.append(c)
    third_mat = sp.csr_matrix(
        (np.concatenate(data), (np.concatenate(row_idx), np.concatenate(col_idx))),
        shape=(n, n * n))
    return LossDerivatives(value, grad, hess, third_mat)


def _sparsify(mat: sp.csr_matrix, threshold: float,
              keep_diagonal: bool = False) -> tuple[sp.csr_matrix, dict]:
    """Drop entries below ``threshold · max|mat|`` (the diagonal too unless ``keep_diagonal``);
    report the dropped relative Frobenius mass ‖dropped‖_F / ‖mat‖_F."""
    mat = sp.csr_matrix(mat)
    mat.eliminate_zeros()
    mat.sort_indices()
    total = float(np.sqrt(np.sum(mat.data**2)))
    info = {"nnz_before": int(mat.nnz), "nnz_after": int(mat.nnz), "dropped_relative_fro": 0.0}
    if threshold <= 0 or mat.nnz == 0:
        return mat, info
    cut = threshold * float(np.max(np.abs(mat.data)))
    small = np.abs(mat.data) < cut
    if keep_diagonal:
        rows = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))
        small &= rows != mat.indices
    dropped = float(np.sqrt(np.sum(mat.data[small] ** 2)))
    mat.data[small] = 0.0
    mat.eliminate_zeros()
    info.update(nnz_after=int(mat.nnz), cut=cut,
                dropped_relative_fro=dropped / total if total > 0 else 0.0)
    return mat, info


def polynomial_map_from_problem(problem: NetworkProblem) -> PolynomialMap:
    """The Taylor-expanded gradient-descent map of a validated network problem."""
    eta, n = problem.learning_rate, problem.n
    third = problem.taylor_order == 3
    derivs = loss_derivatives(problem, third=third)
    # At a stationary expansion point the computed gradient is pure float64 round-off (~1e-16),
    # which would fill G0 (and the lift's G0 ⊗ G_ℓ blocks) with noise: entries below a round-off
    # floor, 64 ε · max(|L|, max|∇²L| · max|θ0|), are set to exactly zero.
    floor = 64 * np.finfo(float).eps * max(abs(derivs.value),
                                           float(np.abs(derivs.hess).max(initial=0.0))
                                           * float(np.abs(problem.theta0).max(initial=0.0)))
    grad = np.where(np.abs(derivs.grad) <= floor, 0.0, derivs.grad)
    F = [sp.csr_matrix(-eta * grad.reshape(n, 1)), sp.csr_matrix(-eta * derivs.hess)]
    if third:
        F.append(-(eta / 2.0) * derivs.third)
    sparsify_info = {"threshold": problem.sparsify,
                     "applied_to": ["G0", "G1 - I (off-diagonal)", "G2"][:len(F)]}
    sparse_F = []
    for ell, mat in enumerate(F):
        # the diagonal of G1 = I − ηH (per-weight curvature) always stays: dropping it could
        # turn a contracting mode into an expanding one
        kept, info = _sparsify(mat, problem.sparsify, keep_diagonal=ell == 1)
        sparse_F.append(kept)
        sparsify_info[f"G{ell}"] = info
    G0 = sparse_F[0].toarray().ravel()
    G1 = sp.csr_matrix(sp.identity(n, format="csr") + sparse_F[1])
    G = [G0, G1] + sparse_F[2:]
    meta = {
        "name": problem.name,
        "source": "sparse-network",
        "learning_rate": eta,
        "taylor_order": problem.taylor_order,
        "loss": problem.loss,
        "activation": problem.activation,
        "layers": list(problem.layers),
        "n": n,
        "num_samples": int(problem.X.shape[0]),
        "expansion_point": problem.expansion_point,
        "variable_names": list(problem.variable_names),
        "variables": "surviving weights (mask 1, default: nonzero W entries); biases without a "
                     "mask are fixed, not variables",
        "loss_at_expansion_point": derivs.value,
        "grad_norm_at_expansion_point": float(np.linalg.norm(derivs.grad)),
        "gradient_roundoff_floor": floor,
        "gradient_entries_zeroed_as_roundoff": int(np.count_nonzero(derivs.grad)
                                                   - np.count_nonzero(grad)),
        "formula": "u+ = G0 + G1 u + G2 u⊗u, u = θ − θ0: G0 = −η∇L(θ0), G1 = I − η∇²L(θ0), "
                   "G2 = −(η/2)∇³L(θ0) (Liu et al., Nat. Commun. 15:434 (2024))",
        "sparsify": sparsify_info,
    }
    u0 = problem.theta_init - problem.theta0
    return make_polynomial_map(G, u0, offset=problem.theta0, meta=meta)


def polynomial_map_from_network(spec: ModelSpec) -> PolynomialMap:
    """Front end of ``kind = "sparse-network"``: validate the spec and build its PolynomialMap."""
    return polynomial_map_from_problem(_as_problem(spec))


def network_gradient_descent(spec_or_problem: ModelSpec | NetworkProblem,
                             steps: int) -> np.ndarray:
    """True gradient descent on the original loss, as θ(t) − θ0 for t = 0..T: shape (T+1, n).

    θ(t+1) = θ(t) − η ∇L(θ(t)) over the surviving weights from θ(0) = θ_init, in the coordinates
    u = θ − θ0 of the polynomial map, so it can be compared with the Carleman trajectory.
    """
    problem = _as_problem(spec_or_problem)
    if steps < 0:
        raise ValueError("steps must be >= 0")
    eta = problem.learning_rate
    args, kw = _problem_args(problem)
    grad = _kernels().grad
    traj = np.empty((steps + 1, problem.n))
    with _x64():
        theta = problem.theta_init.copy()
        traj[0] = theta
        for t in range(steps):
            theta = theta - eta * np.asarray(grad(theta, *args, **kw))
            if not np.all(np.isfinite(theta)):
                raise FloatingPointError(f"gradient descent diverged at step {t + 1}")
            traj[t + 1] = theta
    return traj - problem.theta0


def hessian_spectrum(problem: NetworkProblem) -> np.ndarray:
    """Eigenvalues of ∇²L(θ0), ascending (dense; n ≤ MAX_N_SECOND_ORDER)."""
    hess = loss_derivatives(problem, third=False).hess
    return np.linalg.eigvalsh(0.5 * (hess + hess.T))


__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "LossDerivatives",
    "NetworkProblem",
    "hessian_spectrum",
    "load_network",
    "loss_derivatives",
    "network_gradient_descent",
    "network_loss",
    "polynomial_map_from_network",
    "polynomial_map_from_problem",
]
