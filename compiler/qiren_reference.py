"""Dense-statevector reference of QIREN's circuits and forward pass: the plain implementation
every other simulator in qmlc is tested against.

Qubit 0 is the most significant axis of the state tensor. One hybrid layer's circuit, in time
order: for r in 0..L−1, K parameter blocks then R_enc(h_j) on qubit j; K final blocks; ⟨Z_j⟩.
A parameter block is ``Rot(φ, θ, ω) = RZ(ω)·RY(θ)·RZ(φ)`` on every qubit, then the entangler on
the pairs ``(j, (j + r_k) mod q)``, ``r_k = (k mod (q−1)) + 1`` (PennyLane's
``StronglyEntanglingLayers``).
"""

from __future__ import annotations

import numpy as np

from qmlc.compiler import resources
from qmlc.compiler.errors import DataError
from qmlc.compiler.qiren_model import BN_EPS, QirenModel, layer_key

_Z = np.array([1.0, -1.0])


def _apply_1q(state: np.ndarray, gates: np.ndarray, j: int) -> np.ndarray:
    """state (B, 2, ..., 2); gates (B, 2, 2) or (2, 2) applied to qubit j (axis j + 1)."""
    state = np.moveaxis(state, j + 1, -1)
    if gates.ndim == 2:
        state = state @ gates.T
    else:
        shape = state.shape
        flat = state.reshape(shape[0], -1, 2)
        state = np.einsum("bpi,bki->bpk", flat, gates).reshape(shape)
    return np.moveaxis(state, -1, j + 1)


def _rz(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    out = np.zeros(t.shape + (2, 2), dtype=complex)
    out[..., 0, 0] = np.exp(-0.5j * t)
    out[..., 1, 1] = np.exp(0.5j * t)
    return out


def _ry(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2).astype(complex)


def _rx(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    c, s = np.cos(t / 2), -1j * np.sin(t / 2)
    return np.stack([np.stack([c, s], -1), np.stack([s, c], -1)], -2)


ROTATIONS = {"rz": _rz, "rx": _rx, "ry": _ry}


def rot_matrix(phi: float, theta: float, omega: float) -> np.ndarray:
    """PennyLane ``Rot(φ, θ, ω) = RZ(ω) RY(θ) RZ(φ)``."""
    return _rz(omega) @ _ry(theta) @ _rz(phi)


def _apply_entangler(state: np.ndarray, control: int, target: int, entangler: str) -> np.ndarray:
    idx = [slice(None)] * state.ndim
    idx[control + 1] = 1
    sub = state[tuple(idx)]  # control = 1 subspace; target axis shifts if after control
    t_axis = target + 1 - (1 if target > control else 0)
    sub = sub.copy()
    if entangler == "cz":
        tidx = [slice(None)] * sub.ndim
        tidx[t_axis] = 1
        sub[tuple(tidx)] *= -1
    else:  # cnot
        sub = np.flip(sub, axis=t_axis)
    state = state.copy()
    state[tuple(idx)] = sub
    return state


def _apply_blocks(state: np.ndarray, blocks: np.ndarray, entangler: str) -> np.ndarray:
    """blocks (K, q, 3): K parameter blocks of StronglyEntanglingLayers."""
    K, q, _ = blocks.shape
    for k in range(K):
        for j in range(q):
            state = _apply_1q(state, rot_matrix(*blocks[k, j]), j)
        if q > 1:
            r = (k % (q - 1)) + 1
            for j in range(q):
                state = _apply_entangler(state, j, (j + r) % q, entangler)
    return state


def reference_gates(width: int, reuploads: int, blocks: int) -> int:
    """Gate applications per input of the reference simulation below: (L+1)K blocks of q Rot
    gates (one fused 2×2 each) and q entanglers, and L encoding layers of q rotations."""
    q, L, K = width, reuploads, blocks
    return (L + 1) * K * q * 2 + L * q


def circuit_state_reference(angles: np.ndarray, weights: np.ndarray, final: np.ndarray,
                            entangler: str = "cz", encoding: str = "rz") -> np.ndarray:
    """Final statevectors (B, 2**q) of one hybrid layer's circuit, qubit 0 most significant."""
    angles = np.atleast_2d(np.asarray(angles, dtype=float))
    B, q = angles.shape
    where = f"simulating a {q}-qubit QIREN circuit (numpy reference)"
    # 5 states: the state, the gate application's result, |.|² and its marginals (peaks: 3.5–3.7
    # states with tracemalloc, tests/test_preflight.py; 4.1 in RSS, benchmarks/bench_preflight.py)
    resources.require(resources.statevector(q, batch=B, copies=5), where)
    gates = reference_gates(q, weights.shape[0], weights.shape[1])
    resources.require_time(B * gates * 2.0**q / resources.REFERENCE_UPDATES_PER_SECOND,
                           f"{B:,} inputs", where, advice="use fewer inputs or another backend")
    if not np.all(np.isfinite(angles)):
        raise DataError("the encoded angles W'x + b' hold NaN or inf: the inputs or the weights "
                        "are too large for float64; rescale them")
    state = np.zeros((B,) + (2,) * q, dtype=complex)
    state[(slice(None),) + (0,) * q] = 1.0
    enc = ROTATIONS[encoding]
    for r in range(weights.shape[0]):
        state = _apply_blocks(state, weights[r], entangler)
        for j in range(q):
            state = _apply_1q(state, enc(angles[:, j]), j)
    state = _apply_blocks(state, final, entangler)
    return state.reshape(B, 2**q)


def circuit_expectations_reference(angles: np.ndarray, weights: np.ndarray, final: np.ndarray,
                                   entangler: str = "cz", encoding: str = "rz") -> np.ndarray:
    """⟨Z_j⟩ (B, q) of one hybrid layer's circuit for encoded angles (B, q)."""
    angles = np.atleast_2d(np.asarray(angles, dtype=float))
    q = angles.shape[1]
    probs = np.abs(circuit_state_reference(angles, weights, final, entangler, encoding)) ** 2
    probs = probs.reshape((-1,) + (2,) * q)
    out = np.empty((angles.shape[0], q))
    for j in range(q):
        axes = tuple(a + 1 for a in range(q) if a != j)
        out[:, j] = probs.sum(axis=axes) @ _Z
    return out


def layer_angles(model: QirenModel, weights: dict[str, np.ndarray], i: int, x: np.ndarray,
                 batchnorm: str = "running") -> np.ndarray:
    """Encoded angles h = BN(Linear(x)) of hybrid layer i (B, q).

    ``batchnorm = "running"`` uses the running statistics (inference, = the folded affine map);
    ``"batch"`` uses the statistics of ``x`` itself with the biased variance, as
    ``torch.nn.BatchNorm1d`` in training mode — the released code never leaves training mode.
    """
    def key(name: str) -> np.ndarray:
        return weights[layer_key(i, name)]

    z = x @ key("linear.weight").T + key("linear.bias")
    if batchnorm == "running":
        mean, var = key("bn.running_mean"), key("bn.running_var")
    elif batchnorm == "batch":
        mean, var = z.mean(axis=0), z.var(axis=0)
    else:
        raise ValueError(f"batchnorm must be 'running' or 'batch', got {batchnorm!r}")
    return (z - mean) / np.sqrt(var + BN_EPS) * key("bn.weight") + key("bn.bias")


def reference_forward(model: QirenModel, weights: dict[str, np.ndarray], X: np.ndarray,
                      batchnorm: str = "running", return_layers: bool = False):
    """Model outputs (B, out_dim) computed with :func:`circuit_expectations_reference`.

    With ``return_layers`` also returns the list of encoded angles fed to each layer's circuit.
    """
    x = np.atleast_2d(np.asarray(X, dtype=float))
    angles_per_layer = []
    for i in range(model.layers):
        h = layer_angles(model, weights, i, x, batchnorm)
        angles_per_layer.append(h)
        x = circuit_expectations_reference(h, weights[layer_key(i, "circuit.weights")],
                                           weights[layer_key(i, "circuit.final")],
                                           model.entangler, model.encoding)
    y = x @ weights["out.weight"].T + weights["out.bias"]
    return (y, angles_per_layer) if return_layers else y


def with_batch_statistics(model: QirenModel, weights: dict[str, np.ndarray], X: np.ndarray
                          ) -> dict[str, np.ndarray]:
    """A copy of ``weights`` whose BatchNorm running statistics are replaced by the batch
    statistics (mean, biased variance) of the inputs ``X`` reaching each layer.

    The released code never leaves training mode and always feeds the whole signal as one batch,
    so what it computes on the signal is BatchNorm with these statistics; folding them (instead of
    the lagging running averages) makes the lowered program reproduce
    ``reference_forward(..., batchnorm="batch")`` on ``X`` exactly.
    """
    out = {k: np.array(v, dtype=float, copy=True) for k, v in weights.items()}
    x = np.atleast_2d(np.asarray(X, dtype=float))
    for i in range(model.layers):
        z = x @ out[layer_key(i, "linear.weight")].T + out[layer_key(i, "linear.bias")]
        out[layer_key(i, "bn.running_mean")] = z.mean(axis=0)
        out[layer_key(i, "bn.running_var")] = z.var(axis=0)
        h = layer_angles(model, out, i, x, "running")
        x = circuit_expectations_reference(h, out[layer_key(i, "circuit.weights")],
                                           out[layer_key(i, "circuit.final")], model.entangler,
                                           model.encoding)
    return out


__all__ = ["ROTATIONS", "circuit_expectations_reference", "circuit_state_reference",
           "layer_angles", "reference_forward", "reference_gates", "rot_matrix",
           "with_batch_statistics"]
