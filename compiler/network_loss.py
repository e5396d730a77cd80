"""The training loss of a sparse network as a JAX function of its surviving weights, with exact
float64 derivatives (∇L, ∇²L, ∇³L by autodiff) and true gradient descent for reference.

The third derivative is assembled a batch of rows at a time (forward-mode derivative of the
Hessian along unit directions), so memory stays O(batch · n²) plus the sparse result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp

from qmlc.compiler.errors import NonDissipativeError, TooLargeError
from qmlc.compiler.network_spec import NetworkProblem, as_network_problem, explicit_limit
from qmlc.compiler.spec import ModelSpec

# Tangent floats per vectorized batch of ∇³L rows (bounds the memory of the batch).
_THIRD_ORDER_FLOATS = 20_000_000


def _x64() -> contextlib.AbstractContextManager:
    """float64 for JAX inside this module only (the global default stays untouched)."""
    import jax

    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # pragma: no cover - jax < 0.6

    return enable_x64()


def numpy_blas_single_threaded() -> contextlib.AbstractContextManager:
    """numpy's BLAS limited to one thread (threadpoolctl) for loops that alternate jitted JAX
    kernels with small numpy operations (Lanczos orthogonalization, norms). XLA's CPU runtime
    already uses every core for a kernel, and OpenBLAS's idle threads spin-wait: with both pools
    on the same cores each slows the other (and a two-thread BLAS call whose second thread is
    descheduled on a busy machine waits for it: see tests/conftest.py, ``one_blas_thread``)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


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

    def grad_fn(theta, *args, **kw):
        return jax.grad(_network_loss)(theta, *args, **kw)

    def hvp(theta, v, *args, **kw):
        # forward-over-reverse: the jvp of the gradient along v is H v (Pearlmutter 1994)
        return jax.jvp(lambda t: grad_fn(t, *args, **kw), (theta,), (v,))[1]

    def third_vv(theta, v, w, *args, **kw):
        # ∇³L(v, w, ·): the jvp of H w along v (forward over forward over reverse)
        return jax.jvp(lambda t: hvp(t, w, *args, **kw), (theta,), (v,))[1]

    def third_rows(theta, directions, *args, **kw):
        def row(e):
            return jax.jvp(lambda t: hess(t, *args, **kw), (theta,), (e,))[1]
        return jax.vmap(row)(directions)

    return SimpleNamespace(
        value=jax.jit(_network_loss, static_argnames=static),
        grad=jax.jit(jax.grad(_network_loss), static_argnames=static),
        value_grad_hess=jax.jit(value_grad_hess, static_argnames=static),
        third_rows=jax.jit(third_rows, static_argnames=static),
        hvp=jax.jit(hvp, static_argnames=static),
        third_vv=jax.jit(third_vv, static_argnames=static),
        value_grad=jax.jit(jax.value_and_grad(_network_loss), static_argnames=static))


def _problem_args(problem: NetworkProblem) -> tuple[tuple, dict]:
    args = (tuple(problem.fixed), tuple(np.asarray(p, dtype=np.int64) for p in problem.positions),
            problem.X, problem.Y)
    return args, {"activation": problem.activation, "loss": problem.loss}


def network_loss(spec_or_problem: ModelSpec | NetworkProblem
                 ) -> tuple[Callable[[np.ndarray], float], np.ndarray, np.ndarray]:
    """(loss_fn, θ_init, θ0): ``loss_fn`` maps a numpy vector of surviving weights to L (float64)."""
    problem = as_network_problem(spec_or_problem)
    args, kw = _problem_args(problem)

    def loss_fn(theta: np.ndarray) -> float:
        with _x64():
            return float(_kernels().value(np.asarray(theta, dtype=float), *args, **kw))

    return loss_fn, problem.theta_init.copy(), problem.theta0.copy()


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
    limit = explicit_limit(3 if third else 2)
    if n > limit:  # a problem loaded with explicit=False reaches here only by mistake
        raise TooLargeError(f"{problem.name}: n = {n} surviving weights is too many for the dense "
                            f"{'third' if third else 'second'} derivative (limit n <= {limit}); "
                            "use the matrix-free LossOracle (qmlc dissipation, qmlc estimate)")
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


def network_gradient_descent(spec_or_problem: ModelSpec | NetworkProblem,
                             steps: int) -> np.ndarray:
    """True gradient descent on the original loss, as θ(t) − θ0 for t = 0..T: shape (T+1, n).

    θ(t+1) = θ(t) − η ∇L(θ(t)) over the surviving weights from θ(0) = θ_init, in the coordinates
    u = θ − θ0 of the polynomial map, so it can be compared with the Carleman trajectory.
    """
    problem = as_network_problem(spec_or_problem)
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
                raise NonDissipativeError(
                    f"true gradient descent overflows at step {t + 1} of {steps} with "
                    f"learning_rate = {eta:g}: the dynamics expand; lower training.learning_rate",
                    field="training.learning_rate")
            traj[t + 1] = theta
    return traj - problem.theta0


def without_dead_units(problem: NetworkProblem) -> tuple[NetworkProblem, np.ndarray]:
    """The same loss on the hidden units that reach an output, and where its variables sit in θ.

    A hidden unit none of whose outgoing weights survives (nor leads, through surviving weights,
    to a unit that reaches an output) cannot change the network's output: its activation is
    multiplied by exact zeros. The weights into it and its bias therefore have identically zero
    gradient, Hessian and third-derivative rows, and L(θ) = L'(θ[index]) for the problem L' on the
    remaining units, whose derivatives are those of L restricted to ``index`` (exactly). Magnitude
    pruning leaves many such units (digits_mlp_30k: 188 of its 512 second-layer units, 9,211 of
    its 30,003 weights), and they cost dense matrix-multiply time in every product.
    """
    layers, fixed, positions = problem.layers, problem.fixed, problem.positions
    depth = len(layers) - 1
    keep = [np.ones(layers[0], dtype=bool)] + [None] * (depth - 1) + [
        np.ones(layers[-1], dtype=bool)]
    for i in range(depth - 1, 0, -1):      # hidden layer i, from the last: W_{i+1} is k = 2i
        edges = fixed[2 * i] != 0
        edges.flat[positions[2 * i]] = True
        keep[i] = edges[keep[i + 1]].any(axis=0)
    if all(k.all() for k in keep):
        return problem, np.arange(problem.n)
    new_fixed, new_positions, index = [], [], []
    for k, (base, pos, sl) in enumerate(zip(fixed, positions, problem.slices, strict=True)):
        layer = k // 2 + 1
        rows = keep[layer]
        if k % 2 == 0:     # W_layer: rows are heads (layer), columns tails (layer - 1)
            cols = keep[layer - 1]
            r, c = np.divmod(pos, base.shape[1])
            kept = rows[r] & cols[c]
            row_map = np.cumsum(rows) - 1
            col_map = np.cumsum(cols) - 1
            new_pos = row_map[r[kept]] * int(cols.sum()) + col_map[c[kept]]
            new_fixed.append(base[rows][:, cols])
        else:              # b_layer
            kept = rows[pos]
            new_pos = (np.cumsum(rows) - 1)[pos[kept]]
            new_fixed.append(base[rows])
        new_positions.append(new_pos.astype(pos.dtype))
        index.append(sl.start + np.flatnonzero(kept))
    index = np.concatenate(index)
    trimmed = dataclasses.replace(
        problem, layers=tuple(int(k.sum()) for k in keep), fixed=tuple(new_fixed),
        positions=tuple(new_positions), theta_init=problem.theta_init[index],
        theta0=problem.theta0[index],
        variable_names=tuple(problem.variable_names[i] for i in index))
    return trimmed, index


@dataclass(frozen=True, eq=False)
class LossOracle:
    """Matrix-free access to the loss of a problem at any θ: L and ∇L, Hessian-vector products
    H(θ)v (forward-over-reverse autodiff, one jitted kernel; cost ≈ a few gradients, memory O(n))
    and third-derivative contractions ∇³L(θ)(v, w, ·). Never forms an n×n array. The kernels run
    on the units that reach an output (:func:`without_dead_units`); the other variables' entries
    are exact zeros."""

    problem: NetworkProblem

    @functools.cached_property
    def _live(self) -> tuple[NetworkProblem, np.ndarray, tuple]:
        trimmed, index = without_dead_units(self.problem)
        return trimmed, index, _problem_args(trimmed)

    def _call(self, kernel: str, *arrays) -> np.ndarray:
        trimmed, index, (args, kw) = self._live
        with _x64():
            out = getattr(_kernels(), kernel)(
                *(np.asarray(a, dtype=float)[index] for a in arrays), *args, **kw)
            return out

    def _full(self, live: np.ndarray) -> np.ndarray:
        _, index, _ = self._live
        out = np.zeros(self.problem.n)
        out[index] = np.asarray(live)
        return out

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = self._call("value_grad", theta)
        return float(value), self._full(grad)

    def hvp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """H(θ) v."""
        return self._full(self._call("hvp", theta, v))

    def third(self, theta: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """∇³L(θ)(v, w, ·) = ∂_v (H(θ) w)."""
        return self._full(self._call("third_vv", theta, v, w))


def loss_oracle(spec_or_problem: ModelSpec | NetworkProblem) -> LossOracle:
    """A :class:`LossOracle` for a spec (no size limit: nothing n×n is formed) or a problem."""
    return LossOracle(as_network_problem(spec_or_problem, explicit=False))


__all__ = ["LossDerivatives", "LossOracle", "loss_derivatives", "loss_oracle",
           "network_gradient_descent", "network_loss", "numpy_blas_single_threaded",
           "without_dead_units"]
