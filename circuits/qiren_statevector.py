"""Batched statevector simulation of one QIREN re-uploading circuit, with adjoint gradients.

The circuit (Zhao et al., "Quantum Implicit Neural Representations", ICML 2024,
arXiv:2406.03873, as in the authors' released code) acts on ``q`` qubits, all starting in
``|0>``::

    for r in 0..L-1:  K parameter blocks;  R_enc(h_j) on every qubit j
    K final parameter blocks;  measure <Z_j> on every qubit

A parameter block ``k`` is PennyLane's ``StronglyEntanglingLayers`` layer: ``Rot(phi, theta,
omega) = RZ(omega) RY(theta) RZ(phi)`` on every qubit (weights[..., 0:3] = phi, theta, omega),
then the entangler (CZ or CNOT) on the pairs ``(j, (j + r_k) mod q)``, ``j = 0..q-1``, in that
order, with ``r_k = (k mod (q-1)) + 1``. One qubit has no entangler.

Simulation strategy. The weights are shared by every sample, so each run of parameter blocks
between two encodings is one fixed ``2^q x 2^q`` unitary ``V_r``, built once per call block by
block: a block's layer of Rot gates is a tensor product, applied by splitting the qubits into
two halves (two small matrix products, never the dense layer), the CZ ring is a diagonal of +-1
and the CNOT ring a permutation. A non-Z encoding is a basis change of a Z encoding
(``RX(h) = H RZ(h) H``, ``RY(h) = SH RZ(h) (SH)^dagger``), folded into the neighbouring ``V_r``,
so every encoding layer is the diagonal phase ``exp(-i/2 sum_j h_j z_j)``, built per sample as an
outer product of ``q`` one-qubit phases. A batch of ``B`` samples then costs ``L`` dense products
``(B, 2^q) @ (2^q, 2^q)`` (BLAS) and ``L`` elementwise phases; the first run acts on
``|0...0>`` for every sample, so it is one column of ``V_0``.
(A variant that applies every gate layer to the samples directly, ``O(B 2^q 2^{q/2})`` per
layer, did fewer flops but ran slower here: its skinny matrix products use BLAS poorly.)

Gradients use the adjoint method (Jones & Gacon, "Efficient calculation of gradients in
classical simulations of variational quantum algorithms", arXiv:2009.02823): one backward sweep
of the co-state ``lambda = U_after^dagger H psi`` with ``H = sum_j g_j Z_j`` (``g`` the upstream
gradient of the expectations), so the whole vector-Jacobian product costs one sweep, not one per
output. The sweep keeps the ``L + 1`` states at the encoding boundaries (a few ``B x 2^q``
arrays) instead of uncomputing them (checkpointing), and yields the encoded-angle gradients,
``dL/dh_j = Im <lambda| Z_j |phi>``, and the gradient with respect to each fused matrix,
``G_ab = sum_s conj(lambda_s[a]) phi_s[b]`` (one product ``(2^q, B) @ (B, 2^q)``). Inside a
fused matrix the same reverse sweep runs block by block on ``2^q x 2^q`` matrices; contracting
a block's co-tangent with all Rot factors but one (again by halving) gives every Rot's ``2 x 2``
environment ``M`` and ``dL/dp = 2 Re sum_ab dU/dp[a, b] M[a, b]``.

Cost per circuit and training step: ``3L`` products of shape ``(B, 2^q) x (2^q, 2^q)`` plus
``O((L + 1) K 4^q 2^{q/2})`` for building and differentiating the block unitaries.

Conventions: qubit 0 is the most significant bit of a basis index (PennyLane's wire order);
states are stored as rows, ``(batch, 2^q)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qmlc.circuits.reupload import ReuploadShape

MAX_QUBITS = 14  # the fused matrices are 2^q x 2^q; past this size they stop being cheap


# ----------------------------------------------------------------------------- gate matrices

_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)


def rz(angle: float) -> np.ndarray:
    return np.array([[np.exp(-0.5j * angle), 0], [0, np.exp(0.5j * angle)]])


def ry(angle: float) -> np.ndarray:
    c, s = np.cos(angle / 2), np.sin(angle / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def rot(phi: float, theta: float, omega: float) -> np.ndarray:
    """PennyLane's ``Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)``."""
    return rz(omega) @ ry(theta) @ rz(phi)


def rot_derivatives(phi: float, theta: float, omega: float) -> np.ndarray:
    """``(3, 2, 2)``: d Rot / d phi, d theta, d omega (d RZ(a)/da = -i/2 Z RZ(a), same for RY)."""
    a, b, c = rz(omega), ry(theta), rz(phi)
    u = a @ b @ c
    return np.stack([u @ (-0.5j * _Z), a @ (-0.5j * _Y) @ b @ c, (-0.5j * _Z) @ u])


def z_signs(num_qubits: int) -> np.ndarray:
    """``(2^q, q)`` array of eigenvalues of ``Z_j`` on basis state ``i`` (qubit 0 = MSB)."""
    idx = np.arange(1 << num_qubits)[:, None]
    bits = (idx >> (num_qubits - 1 - np.arange(num_qubits))[None, :]) & 1
    return (1 - 2 * bits).astype(float)


def _bits(num_qubits: int) -> np.ndarray:
    return ((1 - z_signs(num_qubits)) / 2).astype(np.int64)


@lru_cache(maxsize=64)
def cz_ring_diagonal(num_qubits: int, rng: int) -> np.ndarray:
    """Diagonal of ``prod_j CZ(j, (j + rng) mod q)`` (CZs commute; with q = 2 they cancel)."""
    bits = _bits(num_qubits)
    parity = np.zeros(1 << num_qubits, dtype=np.int64)
    for j in range(num_qubits):
        parity += bits[:, j] * bits[:, (j + rng) % num_qubits]
    return (1 - 2 * (parity % 2)).astype(float)


@lru_cache(maxsize=64)
def cnot_ring_permutation(num_qubits: int, rng: int) -> np.ndarray:
    """``f`` with ``U|i> = |f(i)>`` for ``CNOT(0, r) CNOT(1, 1+r) ... `` applied in order j = 0.."""
    bits = _bits(num_qubits).copy()
    for j in range(num_qubits):
        t = (j + rng) % num_qubits
        bits[:, t] ^= bits[:, j]
    weights = 1 << (num_qubits - 1 - np.arange(num_qubits))
    return bits @ weights


@lru_cache(maxsize=8)
def _encoding_basis(num_qubits: int, encoding: str) -> np.ndarray | None:
    """``W`` with ``R_enc(h)^{(x)q} = W D(h) W^dagger`` (None for rz, where W = I)."""
    if encoding == "rz":
        return None
    h = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
    one = h if encoding == "rx" else np.diag([1, 1j]) @ h
    w = np.ones((1, 1), dtype=complex)
    for _ in range(num_qubits):
        w = np.kron(w, one)
    return w


# -------------------------------------------------------------- block unitaries and their VJP
#
# Block k of a run is P_k = E_k R_k with R_k = U_{k,0} (x) ... (x) U_{k,q-1} (one Rot per qubit)
# and E_k the entangler ring (a diagonal of +-1 for CZ, a permutation for CNOT). A tensor
# product is applied to a 2^q x N matrix by splitting the qubits into two halves,
# (U_A (x) U_B) M = two small matrix products, never forming the 2^q x 2^q product.


def _kron_all(mats) -> np.ndarray:
    """Kronecker product of square matrices (np.kron without its generality overhead)."""
    out = np.ones((1, 1), dtype=complex)
    for m in mats:
        n, d = out.shape[0], m.shape[0]
        out = (out[:, None, :, None] * m[None, :, None, :]).reshape(n * d, n * d)
    return out


def _apply_product(us: list[np.ndarray], m: np.ndarray) -> np.ndarray:
    """``(us[0] (x) ... (x) us[-1]) @ m`` for a ``2^q x N`` matrix ``m``."""
    half = len(us) // 2
    u_a, u_b = _kron_all(us[:half]), _kron_all(us[half:])
    d_a, d_b, n = u_a.shape[0], u_b.shape[0], m.shape[1]
    out = (u_a @ m.reshape(d_a, d_b * n)).reshape(d_a, d_b, n)
    # tensordot (one BLAS call), not a stacked np.matmul: that is far slower for complex
    out = np.tensordot(u_b, out, axes=([1], [1]))  # (d_b, d_a, n)
    return np.ascontiguousarray(out.transpose(1, 0, 2)).reshape(d_a * d_b, n)


def _environments(g: np.ndarray, us: list[np.ndarray]) -> list[np.ndarray]:
    """For ``R = us[0] (x) ... (x) us[-1]``: ``dR/dU_j`` contracted with ``g``, for every j.

    Returns ``M_j`` (2, 2) with ``sum_ab g_ab dR_ab = sum_ab M_j[a, b] dU_j[a, b]`` (all other
    factors fixed), computed by recursive halving: contract one half away, recurse on the other.
    """
    if len(us) == 1:
        return [g]
    half = len(us) // 2
    u_a, u_b = _kron_all(us[:half]), _kron_all(us[half:])
    d_a, d_b = u_a.shape[0], u_b.shape[0]
    t = g.reshape(d_a, d_b, d_a, d_b)
    g_a = np.tensordot(t, u_b, axes=([1, 3], [0, 1]))  # sum_kl t[i,k,j,l] u_b[k,l]
    g_b = np.tensordot(t, u_a, axes=([0, 2], [0, 1]))  # sum_ij t[i,k,j,l] u_a[i,j]
    return _environments(g_a, us[:half]) + _environments(g_b, us[half:])


def _entangle(m: np.ndarray, circuit: ReuploadShape, rng: int, transpose: bool):
    """``E @ m`` (or ``E^T @ m``) for the entangler ring with range ``rng``."""
    if circuit.entangler == "cz":
        return m * cz_ring_diagonal(circuit.width, rng)[:, None]  # symmetric
    f = cnot_ring_permutation(circuit.width, rng)  # E e_i = e_f(i)
    if transpose:
        return m[f]
    out = np.empty_like(m)
    out[f] = m
    return out


def _block_prefixes(circuit: ReuploadShape, w: np.ndarray) -> list[np.ndarray]:
    """``[P_1, P_2 P_1, ..., P_K ... P_1]`` for weights ``w`` (K, q, 3)."""
    ranges = circuit.ranges
    prefixes: list[np.ndarray] = []
    for k in range(circuit.blocks):
        us = [rot(*w[k, j]) for j in range(circuit.width)]
        m = _kron_all(us) if k == 0 else _apply_product(us, prefixes[-1])
        prefixes.append(_entangle(m, circuit, ranges[k], transpose=False) if circuit.width > 1 else m)
    return prefixes


def block_unitary(circuit: ReuploadShape, w: np.ndarray) -> np.ndarray:
    """The ``2^q x 2^q`` unitary of K parameter blocks with weights ``w`` (K, q, 3)."""
    return _block_prefixes(circuit, w)[-1]


def block_unitary_vjp(
    circuit: ReuploadShape, w: np.ndarray, prefixes: list[np.ndarray], g: np.ndarray
) -> np.ndarray:
    """``dL/dw`` (K, q, 3) given ``g`` with ``dL = 2 Re sum_ab g_ab dV_ab``, V the block unitary.

    Reverse sweep over the blocks: the co-tangent ``h`` of ``B_k = P_k ... P_1`` gives that of
    ``P_k`` as ``h B_{k-1}^T`` and that of ``B_{k-1}`` as ``P_k^T h``; each Rot's gradient is
    ``2 Re sum_ab dU/dp[a, b] M[a, b]`` with ``M`` its environment in ``E_k^T (co-tangent of P_k)``.
    """
    ranges = circuit.ranges
    grad = np.zeros(w.shape, dtype=float)
    layers = [[rot(*w[k, j]) for j in range(circuit.width)] for k in range(circuit.blocks)]
    h = g
    for k in reversed(range(circuit.blocks)):
        h_e = _entangle(h, circuit, ranges[k], transpose=True) if circuit.width > 1 else h
        if k == 0:
            g_r = h_e
        elif k == 1:  # h_e P_1^T = (E_1 R_1 h_e^T)^T: structured, no dense product
            g_r = _apply_product(layers[0], np.ascontiguousarray(h_e.T))
            g_r = (_entangle(g_r, circuit, ranges[0], transpose=False) if circuit.width > 1 else g_r).T
        else:
            g_r = h_e @ prefixes[k - 1].T
        for j, env in enumerate(_environments(g_r, layers[k])):
            grad[k, j] = 2.0 * np.einsum("pab,ab->p", rot_derivatives(*w[k, j]), env).real
        if k > 0:
            h = _apply_product([u.T for u in layers[k]], h_e)
    return grad


# ------------------------------------------------------------------------- sample-level sweep


@dataclass(frozen=True)
class CircuitTape:
    """What the backward sweep needs: fused transfer matrices and boundary states."""

    circuit: ReuploadShape
    weights: np.ndarray  # (L, K, q, 3)
    final: np.ndarray  # (K, q, 3)
    prefixes: tuple[list[np.ndarray], ...]  # per run: P_1, P_2 P_1, ... (last = V_r)
    transfers: tuple[np.ndarray, ...]  # T_r with psi_next = psi_prev @ T_r (row convention)
    phase: np.ndarray  # (B, 2^q) diagonal of one encoding layer in the W basis
    entering: tuple[np.ndarray, ...]  # state entering T_r (just after encoding r), r = 1..L
    state: np.ndarray  # (B, 2^q) final state (before measurement)
    expectations: np.ndarray  # (B, q)


def _check_inputs(circuit: ReuploadShape, angles, weights, final):
    if circuit.width > MAX_QUBITS:
        raise ValueError(f"width must be <= {MAX_QUBITS} for the fused simulator, got {circuit.width}")
    angles = np.asarray(angles, dtype=float)
    weights = np.asarray(weights, dtype=float)
    final = np.asarray(final, dtype=float)
    if angles.ndim != 2 or angles.shape[1] != circuit.width:
        raise ValueError(f"angles must have shape (B, {circuit.width}), got {angles.shape}")
    if weights.shape != circuit.weights_shape:
        raise ValueError(f"weights must have shape {circuit.weights_shape}, got {weights.shape}")
    if final.shape != circuit.final_shape:
        raise ValueError(f"final must have shape {circuit.final_shape}, got {final.shape}")
    return angles, weights, final


def _phase_factor(angles: np.ndarray) -> np.ndarray:
    """``(B, 2^k)``: diagonal of ``RZ(h_0) (x) ... (x) RZ(h_{k-1})`` for every row of angles."""
    half = np.exp(-0.5j * angles)  # (B, k): the |0> entry; |1> gets its conjugate
    out = np.ones((angles.shape[0], 1), dtype=complex)
    for j in range(angles.shape[1]):
        pair = np.stack([half[:, j], half[:, j].conj()], axis=1)
        out = (out[:, :, None] * pair[:, None, :]).reshape(angles.shape[0], -1)
    return out


def _encoding_phase(angles: np.ndarray) -> np.ndarray:
    """Diagonal of ``RZ(h_0) (x) ... (x) RZ(h_{q-1})`` per row: ``exp(-i/2 sum_j h_j z_j)``,
    the outer product of the two halves' diagonals (B q exponentials, not B 2^q)."""
    half = angles.shape[1] // 2
    p_a, p_b = _phase_factor(angles[:, :half]), _phase_factor(angles[:, half:])
    return (p_a[:, :, None] * p_b[:, None, :]).reshape(angles.shape[0], -1)


def forward(circuit: ReuploadShape, angles, weights, final) -> CircuitTape:
    """Run the circuit on every row of ``angles`` (B, q); the tape holds ``<Z_j>`` (B, q)."""
    angles, weights, final = _check_inputs(circuit, angles, weights, final)
    q, n_up = circuit.width, circuit.reuploads
    prefixes = tuple(_block_prefixes(circuit, w) for w in list(weights) + [final])
    blocks = tuple(p[-1] for p in prefixes)
    basis = _encoding_basis(q, circuit.encoding)
    fused = list(blocks)
    if basis is not None:  # M_0 = W^+ V_0, M_r = W^+ V_r W, M_L = V_F W
        fused = [basis.conj().T @ v for v in fused[:-1]] + [fused[-1]]
        fused = [fused[0]] + [v @ basis for v in fused[1:]]
    transfers = tuple(np.ascontiguousarray(m.T) for m in fused)

    zs = z_signs(q)
    phase = _encoding_phase(angles)
    entering = [transfers[0][0] * phase]  # every sample leaves T_0 as T_0 |0...0>
    for r in range(1, n_up):
        entering.append((entering[-1] @ transfers[r]) * phase)
    state = entering[-1] @ transfers[n_up]
    expectations = (state.real**2 + state.imag**2) @ zs
    return CircuitTape(
        circuit, weights, final, prefixes, transfers, phase, tuple(entering), state, expectations
    )


def backward(tape: CircuitTape, grad_expectations) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vector-Jacobian product: ``(dL/d angles (B, q), dL/d weights, dL/d final)``.

    ``grad_expectations`` (B, q) is ``dL/d<Z_j>`` for each sample.
    """
    circuit = tape.circuit
    q, n_up = circuit.width, circuit.reuploads
    zs = z_signs(q)
    g = np.asarray(grad_expectations, dtype=float)
    if g.shape != tape.expectations.shape:
        raise ValueError(f"grad_expectations must have shape {tape.expectations.shape}")

    # Co-state at the output: lambda = H psi, H = sum_j g_j Z_j (diagonal, real).
    lam = tape.state * (g @ zs.T)
    grad_angles = np.zeros_like(g)
    grad_fused: list[np.ndarray] = [None] * (n_up + 1)  # type: ignore[list-item]
    phase_conj = tape.phase.conj()
    for r in range(n_up, 0, -1):
        entering = tape.entering[r - 1]
        grad_fused[r] = lam.conj().T @ entering  # G_ab = sum_s conj(lam_s[a]) phi_s[b]
        lam = lam @ tape.transfers[r].conj().T  # M_r^dagger applied to rows
        # d/dh_j exp(-i h_j Z_j / 2) = -i/2 Z_j (.), so dL/dh_j = Im <lam| Z_j |phi_after>
        grad_angles += (lam.real * entering.imag - lam.imag * entering.real) @ zs
        lam *= phase_conj
    g0 = np.zeros((circuit.dim, circuit.dim), dtype=complex)
    g0[:, 0] = lam.conj().sum(axis=0)  # every sample enters T_0 as |0...0>
    grad_fused[0] = g0

    basis = _encoding_basis(q, circuit.encoding)
    if basis is not None:  # sum G o (A dV B) = sum (A^T G B^T) o dV
        grad_fused = [basis.conj() @ gm for gm in grad_fused[:-1]] + [grad_fused[-1]]
        grad_fused = [grad_fused[0]] + [gm @ basis.T for gm in grad_fused[1:]]

    grads = [
        block_unitary_vjp(circuit, w, tape.prefixes[r], grad_fused[r])
        for r, w in enumerate(list(tape.weights) + [tape.final])
    ]
    return grad_angles, np.stack(grads[:-1]), grads[-1]


def expectations(circuit: ReuploadShape, angles, weights, final) -> np.ndarray:
    """``<Z_j>`` (B, q) for every row of ``angles``."""
    return forward(circuit, angles, weights, final).expectations
