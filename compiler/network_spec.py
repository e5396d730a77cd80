"""Front end of ``kind = "sparse-network"``: a pruned MLP, its data and its variables, read and
validated from a spec into a :class:`NetworkProblem`.

Variables. Only surviving parameters are variables; n is their number. A parameter array P
(``W1``, ``b1``, …) with an explicit mask ``mask_P`` is used as P ⊙ mask_P (PyTorch's pruning
convention, weight = weight_orig · weight_mask) and its mask-1 entries are variables. Without a
mask a weight matrix's mask is its nonzero pattern. A bias without a mask is *not* a variable: it
stays fixed at its value (the paper counts only the pruned weights; fixed biases keep n equal to
the number of surviving weights). Order: for layer i = 1..L the variable entries of W_i in
row-major order, then those of b_i.

Network. Layer sizes d_0..d_L; hidden layers z ↦ σ(W z + b) with σ in
``qmlc.compiler.schema.ACTIVATIONS``, the output layer is affine. Losses, over m training pairs (x_i, y_i):

* ``mse``: L = (1 / (m d_L)) Σ_i ‖f(x_i) − y_i‖² (mean over samples and outputs, like
  ``torch.nn.MSELoss``);
* ``cross-entropy``: L = −(1/m) Σ_i Σ_k Y_ik log softmax(f(x_i))_k with rows of Y probability
  vectors (one-hot labels or soft targets, like ``torch.nn.CrossEntropyLoss``).

The loss and its exact derivatives are in :mod:`qmlc.compiler.network_loss`; the Taylor-expanded
map in :mod:`qmlc.compiler.network_taylor`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qmlc.compiler import resources
from qmlc.compiler.errors import DataError, SpecError, TooLargeError
from qmlc.compiler.spec import (
    ModelSpec,
    check_magnitude,
    data_path,
    load_npz,
    log10_abs_max,
    real_array,
    require_kind,
)

# The third-derivative tensor is formed n×n rows at a time; n³ work and up to n³ stored entries.
MAX_N_THIRD_ORDER = 500
# The Hessian is formed densely (n² floats).
MAX_N_SECOND_ORDER = 5000


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


def _param_keys(num_layers: int) -> list[str]:
    return [key for i in range(1, num_layers + 1) for key in (f"W{i}", f"b{i}")]


def _check_mask(mask: np.ndarray, shape: tuple, where: str) -> np.ndarray:
    if tuple(mask.shape) != tuple(shape):
        raise DataError(f"{where} has shape {tuple(mask.shape)}; expected {tuple(shape)} "
                        "(the shape of the array it masks)")
    if not np.all((mask == 0) | (mask == 1)):
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
        value = real_array(arrays[key], f"{where}: {key} in {path.name}")
        if tuple(value.shape) != shape:
            raise DataError(f"{where}: {key} in {path.name} has shape {tuple(value.shape)}; "
                            f"layers {layers} need {shape}")
        params.append(value)
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
    X = real_array(arrays["X"], f"{where}: X in {path.name}")
    Y = real_array(arrays["Y"], f"{where}: Y in {path.name}")
    if Y.ndim == 1 and layers[-1] == 1:
        Y = Y.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] != layers[0] or X.shape[0] == 0:
        raise DataError(f"{where}: X in {path.name} has shape {X.shape}; expected (m, {layers[0]}) "
                        f"with m >= 1 for input size layers[0] = {layers[0]}")
    if Y.shape != (X.shape[0], layers[-1]):
        raise DataError(f"{where}: Y in {path.name} has shape {Y.shape}; expected "
                        f"({X.shape[0]}, {layers[-1]}) (one row per row of X, output size "
                        f"layers[-1] = {layers[-1]})")
    if loss == "cross-entropy":
        if layers[-1] < 2:
            raise SpecError(f"{spec.where('training.loss')} is 'cross-entropy' but the output "
                            "layer has 1 unit; use >= 2 classes or loss = 'mse'")
        if np.any(Y < 0) or not np.allclose(Y.sum(axis=1), 1.0, atol=1e-6):
            raise DataError(f"{where}: Y in {path.name} must hold probability rows (one-hot "
                            "labels) for loss 'cross-entropy'")
    return X, Y


def explicit_limit(taylor_order: int) -> int:
    """The largest n whose exact Taylor tensors of this order qmlc builds."""
    return MAX_N_THIRD_ORDER if taylor_order == 3 else MAX_N_SECOND_ORDER


def load_network(spec: ModelSpec, explicit: bool = True) -> NetworkProblem:
    """Validate a ``sparse-network`` spec and collect its variables (see the module docstring).

    ``explicit`` (default) also enforces the size limits of the exact Taylor tensors
    (``MAX_N_THIRD_ORDER``, ``MAX_N_SECOND_ORDER``) and their pre-flight memory check; the
    matrix-free analyses (:mod:`qmlc.compiler.hessian_spectrum`,
    :mod:`qmlc.compiler.dissipation_trace`) pass ``explicit=False``: they never form an n×n array.
    """
    require_kind(spec, ("sparse-network",), "a network problem")
    network, training = spec.model.network, spec.model.training
    layers = list(network.layers)
    activation, loss = network.activation, training.loss
    eta, taylor_order = training.learning_rate, training.taylor_order
    sparsify, expansion = training.sparsify, training.expansion_point

    params, masks = _read_parameters(spec, "network.weights", layers, allow_masks=True)
    X, Y = _read_data(spec, layers, loss)
    # The k-th derivative of the loss multiplies up to k + 1 weights and data entries; keep
    # their products inside float64 (qmlc.compiler.spec.check_magnitude).
    power = taylor_order + 1
    keys = _param_keys(len(layers) - 1)
    for key, value in zip(keys, params, strict=True):
        check_magnitude(power * max(0.0, log10_abs_max(value)), spec.where("network.weights"),
                        f"max|{key}|^{power}", f"rescale {key}")
    for key, value in (("X", X), ("Y", Y)):
        check_magnitude(power * max(0.0, log10_abs_max(value)), spec.where("training.data"),
                        f"max|{key}|^{power}", f"rescale {key}")

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
        idx = np.unravel_index(pos, value.shape)
        names.extend(f"{key}[{','.join(str(int(i[e])) for i in idx)}]" for e in range(pos.size))
    theta_init = np.concatenate(theta_init)
    if theta_init.size == 0:
        raise DataError(f"{spec.where('network.weights')}: no surviving weights (every mask entry "
                        "is 0 and every unmasked weight is zero); nothing to train")

    if expansion == "initial":
        theta0 = theta_init.copy()
    else:
        theta0 = _read_expansion_point(spec, layers, masks, fixed, positions)

    order = spec.model.order
    check_magnitude(order * max(0.0, log10_abs_max(theta_init - theta0)),
                    spec.where("training.expansion_point"),
                    f"max|θ_init − θ0|^N (N = {order}, the largest entry of u^(⊗N))",
                    "expand closer to the initial weights, or rescale them")
    n = theta_init.size
    limit = explicit_limit(taylor_order)
    if explicit and n <= limit:
        resources.require(taylor_requirement(n, taylor_order), spec.where("network.weights"),
                          advice="use 'qmlc estimate' with n, T and N instead")
    if explicit and n > limit:
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


def taylor_requirement(n: int, taylor_order: int) -> resources.Requirement:
    """Peak memory of the exact Taylor tensors (:func:`qmlc.compiler.network_loss.
    loss_derivatives`): the dense Hessian, 8·n² bytes, and for order 3 up to n³ nonzeros of the
    third derivative held as COO triplets (24 bytes each) while its CSR copy (12) is built."""
    if taylor_order == 3:
        return resources.Requirement(f"the third-derivative tensor of {n} weights",
                                     36 * n**3 + 8 * n**2,
                                     "36 bytes per entry of the n³ tensor + 8·n² bytes")
    return resources.dense_matrix(n, n, f"the Hessian of {n} weights")


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


def as_network_problem(spec_or_problem: ModelSpec | NetworkProblem,
                       explicit: bool = True) -> NetworkProblem:
    if isinstance(spec_or_problem, NetworkProblem):
        return spec_or_problem
    return load_network(spec_or_problem, explicit=explicit)


__all__ = ["MAX_N_SECOND_ORDER", "MAX_N_THIRD_ORDER",
           "NetworkProblem", "as_network_problem", "explicit_limit", "load_network",
           "taylor_requirement"]
