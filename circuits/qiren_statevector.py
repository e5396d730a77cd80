"""Batched statevector simulation of QIREN's re-uploading circuits, with adjoint gradients.

The circuit (Zhao et al., "Quantum Implicit Neural Representations", ICML 2024,
arXiv:2406.03873, as in the authors' released code) acts on ``q`` qubits, all starting in
``|0>``::

    for r in 0..L-1:  K parameter blocks;  R_enc(h_j) on every qubit j
    K final parameter blocks;  measure <Z_j> on every qubit

A parameter block ``k`` is PennyLane's ``StronglyEntanglingLayers`` layer: ``Rot(phi, theta,
omega) = RZ(omega) RY(theta) RZ(phi)`` on every qubit (weights[..., 0:3] = phi, theta, omega),
then the entangler (CZ or CNOT) on the pairs ``(j, (j + r_k) mod q)``, ``j = 0..q-1``, in that
order, with ``r_k = (k mod (q-1)) + 1``. One qubit has no entangler.

Simulation strategy. The weights are shared by every sample, so each run of K parameter blocks
between two encodings is one fixed ``2^q x 2^q`` matrix, built once per step for every run of
every hybrid layer at once (arrays with a leading "run" axis): a block's layer of Rot gates is a
tensor product, applied by splitting the qubits into two halves (two small matrix products, never
the dense layer); the CZ ring is a diagonal of +-1 and the CNOT ring a permutation. A non-Z
encoding is a basis change of a Z encoding (``RX(h) = H RZ(h) H``, ``RY(h) = SH RZ(h)
(SH)^dagger``), folded into the neighbouring matrices, so every encoding layer is the diagonal
phase ``exp(-i/2 sum_j h_j z_j)``, built per sample as an outer product of ``q`` one-qubit
phases. A batch of ``B`` samples then costs ``L`` dense products ``(B, 2^q) @ (2^q, 2^q)`` (BLAS
``cgemm``/``zgemm``) and ``L`` elementwise phases; the first run acts on ``|0...0>`` for every
sample, so it is one column of its matrix.

Gradients use the adjoint method (Jones & Gacon, "Efficient calculation of gradients in
classical simulations of variational quantum algorithms", arXiv:2009.02823): one backward sweep
of the co-state ``lambda = U_after^dagger H psi`` with ``H = sum_j g_j Z_j`` (``g`` the upstream
gradient of the expectations). The sweep carries ``mu = conj(lambda)``, so that every product is
a plain BLAS call on the stored arrays (no conjugated copies): ``mu <- mu @ M_r``, the fused
matrix's gradient ``G_r = mu^T @ phi`` and the encoded-angle gradient ``dL/dh_j = Im <lambda|
Z_j |phi> = sum_a z_j(a) Im(mu_a phi_a)``. A training step therefore costs ``3L`` products of
shape ``(B, 2^q) x (2^q, 2^q)`` per hybrid layer: the "matrix-multiply floor" that
``benchmarks/bench_qiren_speed.py`` prints.

The gradient with respect to the Rot angles follows from ``G`` without touching the samples
again (:func:`fused_vjp`): with ``V = P_{K-1} ... P_0``, ``P_k = E_k R_k``, the co-tangent of
block k's Rot layer is ``H_k = A_k^T G B_k^T`` (``A_k = P_{K-1} ... P_{k+1} E_k``, ``B_k = P_{k-1}
... P_0``), obtained by structured products; contracting ``H_k`` with all Rot factors but one (by
recursive halving) gives every Rot's ``2 x 2`` environment ``M`` and ``dL/dp = 2 Re sum_ab
dU/dp[a, b] M[a, b]``. That work is ``O(4^q q)`` per run, independent of the batch, and is done
once per step for every run of every layer.

Precision. ``dtype`` is the statevector's: ``complex128`` (default here) or ``complex64``
(the training default, see :mod:`qmlc.backends.qiren_train` for its measured tolerance).

Conventions: qubit 0 is the most significant bit of a basis index (PennyLane's wire order);
states are stored as rows, ``(batch, 2^q)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qmlc.circuits.reupload import ReuploadShape

MAX_QUBITS = 14  # the fused matrices are 2^q x 2^q; past this size they stop being cheap
DTYPES = ("complex64", "complex128")


def complex_dtype(name: str) -> np.dtype:
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {name!r}")
    return np.dtype(name)


# ----------------------------------------------------------------------------- gate matrices


def _closed_form(w: np.ndarray, c: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``[[c a, -s b], [s conj(b), c conj(a)]]`` (..., 2, 2) with ``a = e^{-i(phi+omega)/2}``,
    ``b = e^{i(phi-omega)/2}``: Rot for ``c, s = cos, sin(theta/2)``, d Rot/d theta for their
    derivatives."""
    phi, omega = w[..., 0], w[..., 2]
    a, b = np.exp(-0.5j * (phi + omega)), np.exp(0.5j * (phi - omega))
    return np.stack([np.stack([a * c, -b * s], -1), np.stack([b.conj() * s, a.conj() * c], -1)], -2)


def rot_matrices(w: np.ndarray) -> np.ndarray:
    """PennyLane's ``Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)`` for every row of
    ``w`` (..., 3) -> (..., 2, 2), complex128, in closed form (:func:`_closed_form`)."""
    theta = w[..., 1]
    return _closed_form(w, np.cos(theta / 2), np.sin(theta / 2))


def rot_derivatives(w: np.ndarray) -> np.ndarray:
    """``(..., 3, 2, 2)``: d Rot / d phi, d theta, d omega for every row of ``w`` (..., 3).

    ``d/dphi = Rot (-i/2 Z)`` (RZ(phi) acts first), ``d/domega = (-i/2 Z) Rot``, and d/dtheta
    differentiates ``c, s`` in the closed form of :func:`rot_matrices`.
    """
    u = rot_matrices(w)
    half = np.array([-0.5j, 0.5j])
    d_phi = u * half[None, :]  # columns scaled: U diag(-i/2, i/2)
    d_omega = u * half[:, None]  # rows scaled: diag(-i/2, i/2) U
    theta = w[..., 1]
    d_theta = _closed_form(w, -0.5 * np.sin(theta / 2), 0.5 * np.cos(theta / 2))
    return np.stack([d_phi, d_theta, d_omega], axis=-3)


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


@lru_cache(maxsize=16)
def _half_signs(num_qubits: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Z-sign tables of the two qubit halves, ``(2^h, h)`` and ``(2^(q-h), q-h)``, h = q // 2."""
    real = np.dtype(dtype).type(0).real.dtype
    h = num_qubits // 2
    return z_signs(h).astype(real), z_signs(num_qubits - h).astype(real)


_ENCODING_GATE = {
    "rx": np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2),
    "ry": np.diag([1, 1j]) @ np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2),
}  # W_1 with R_enc(h) = W_1 RZ(h) W_1^dagger (H for RX, SH for RY)


# ------------------------------------------------------------------------------- workspace


class Workspace:
    """Arrays kept from one call to the next, keyed by (name, shape, dtype).

    A training loop that hands the same workspace to every step allocates its statevectors and
    fused matrices once: fresh pages for tens of megabytes per step cost about as much as all the
    elementwise work. Arrays handed out (tapes, gradients) are overwritten by the next call with
    the same workspace.
    """

    def __init__(self) -> None:
        self._arrays: dict[tuple, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        key = (name, tuple(shape), np.dtype(dtype))
        array = self._arrays.get(key)
        if array is None:
            array = self._arrays[key] = np.empty(shape, dtype=dtype)
        return array


# ------------------------------------------------------------- structured products, run-batched
#
# Arrays of matrices carry a leading "run" axis n. A tensor product of one-qubit gates is applied
# by splitting the qubits into halves A (the most significant) and B:
# (U_A (x) U_B) M = two batched products, never the dense 2^q x 2^q layer. A CZ ring (a diagonal
# of +-1) that follows is folded into the second product's small matrices, so it costs no pass
# over the 2^q x 2^q arrays; a CNOT ring is a row permutation.


def _kron(factors: np.ndarray) -> np.ndarray:
    """``(n, m, 2, 2) -> (n, 2^m, 2^m)``: ``factors[:, 0] (x) ... (x) factors[:, m-1]``."""
    n, m = factors.shape[:2]
    out = np.ones((n, 1, 1), dtype=factors.dtype)
    for j in range(m):
        d = out.shape[-1]
        out = (out[:, :, None, :, None] * factors[:, j, None, :, None, :]).reshape(n, 2 * d, 2 * d)
    return out


def _halves(factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h = factors.shape[1] // 2
    return _kron(factors[:, :h]), _kron(factors[:, h:])


def _t(u: np.ndarray) -> np.ndarray:
    return np.swapaxes(u, -1, -2)


@dataclass(frozen=True)
class _Ring:
    """Entangler ring E of one block: ``sign`` (D,) for CZ, else the permutation ``perm`` with
    ``E e_i = e_perm(i)`` for CNOT (``inverse`` its inverse). ``None`` rings are the identity."""

    sign: np.ndarray | None
    perm: np.ndarray | None
    inverse: np.ndarray | None

    def rows(self, m: np.ndarray, transpose: bool = False) -> np.ndarray:
        """``E m`` (or ``E^T m``) for m (n, D, N)."""
        if self.sign is not None:
            return m * self.sign[:, None]
        return m[:, self.perm] if transpose else m[:, self.inverse]


def _rings(circuit: ReuploadShape, dtype) -> list[_Ring | None]:
    if circuit.width == 1:
        return [None] * circuit.blocks
    out = []
    for k in range(circuit.blocks):
        rng = circuit.ranges[k]
        if circuit.entangler == "cz":
            out.append(_Ring(cz_ring_diagonal(circuit.width, rng).astype(dtype), None, None))
        else:
            f = cnot_ring_permutation(circuit.width, rng)
            out.append(_Ring(None, f, np.argsort(f)))
    return out


def _left(u_a: np.ndarray, u_b: np.ndarray, m: np.ndarray, ring: _Ring | None = None,
          transpose: bool = False, ws: Workspace | None = None, name: str = "left"
          ) -> np.ndarray:
    """``E (U_A (x) U_B) m`` for ``m`` (n, D, N) (``E^T`` with ``transpose``; no E for None)."""
    ws = ws or Workspace()
    n, dim, cols = m.shape
    d_a, d_b = u_a.shape[-1], u_b.shape[-1]
    x = np.matmul(u_a, m.reshape(n, d_a, d_b * cols), out=ws.get(name + ".x", (n, d_a, d_b * cols),
                                                                  m.dtype))
    x = x.reshape(n, d_a, d_b, cols)
    out = ws.get(name, (n, d_a, d_b, cols), m.dtype)
    if ring is not None and ring.sign is not None:  # fold diag(s) into the d_a stacked U_B's
        np.matmul(ring.sign.reshape(d_a, d_b, 1) * u_b[:, None], x, out=out)
        return out.reshape(n, dim, cols)
    np.matmul(u_b[:, None], x, out=out)
    y = out.reshape(n, dim, cols)
    return y if ring is None else ring.rows(y, transpose)


def _right(m: np.ndarray, u_a: np.ndarray, u_b: np.ndarray) -> np.ndarray:
    """``m @ (U_A (x) U_B)`` for ``m`` (n, N, D) (used for the basis change only)."""
    return _t(_left(_t(u_a), _t(u_b), np.ascontiguousarray(_t(m))))


def _environments(h: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """For ``R = factors[:, 0] (x) ... (x) factors[:, m-1]``: the ``2 x 2`` environments.

    Returns ``M`` (n, m, 2, 2) with ``sum_ab h_ab dR_ab = sum_ab M[:, j][a, b] dU_j[a, b]`` when
    only factor j varies, by recursive halving: contract one half away, recurse on the other.
    """
    n, m = factors.shape[:2]
    if m == 1:
        return h[:, None]
    half = m // 2
    u_a, u_b = _halves(factors)
    d_a, d_b = u_a.shape[-1], u_b.shape[-1]
    t = h.reshape(n, d_a, d_b, d_a, d_b)
    g_a = np.einsum("nikjl,nkl->nij", t, u_b)
    g_b = np.einsum("nikjl,nij->nkl", t, u_a)
    return np.concatenate([_environments(g_a, factors[:, :half]),
                           _environments(g_b, factors[:, half:])], axis=1)


def _basis_halves(circuit: ReuploadShape, cdtype) -> tuple[np.ndarray, np.ndarray] | None:
    """Halves ``(W_A, W_B)`` of ``W = W_1^{(x) q}`` (None for RZ encoding, where W = I)."""
    if circuit.encoding == "rz":
        return None
    one = np.broadcast_to(_ENCODING_GATE[circuit.encoding], (1, circuit.width, 2, 2))
    return tuple(h.astype(cdtype) for h in _halves(np.ascontiguousarray(one)))


def _column_masks(num_qubits: int) -> np.ndarray:
    """Basis states ``0`` and ``e_j`` (qubit j flipped, qubit 0 the most significant bit)."""
    return np.concatenate([[0], 1 << (num_qubits - 1 - np.arange(num_qubits))])


# ------------------------------------------------------------------ fused matrices of all runs


@dataclass(frozen=True)
class FusedCircuits:
    """The fused transfer matrices of ``layers`` circuits of one shape, all runs at once.

    ``matrices[i, r - 1]`` is ``M_r`` (r = 1..L) of circuit i: the K blocks of run r with the
    encoding basis change folded in, acting on column states; a sample's row state ``psi``
    becomes ``psi @ M_r^T``. Run L is the final blocks. Run 0 acts on ``|0...0>`` only, so it is
    kept as columns: ``first_column[i] = M_0 e_0`` for the forward sweep and ``run0_columns[i] =
    V_0 [e_0, e_{q-1 bits}...]`` for the gradient. ``blocks_only`` holds ``V_1..V_L`` (no basis
    change; the same array for RZ encoding) and ``gates`` every Rot matrix (for :func:`fused_vjp`).
    """

    circuit: ReuploadShape
    weights: np.ndarray  # (layers, L + 1, K, q, 3): circuit weights then final, per circuit
    gates: np.ndarray  # (layers, L + 1, K, q, 2, 2) Rot matrices, complex dtype
    matrices: np.ndarray  # (layers, L, D, D): M_1 .. M_L
    blocks_only: np.ndarray  # (layers * L, D, D): V_1 .. V_L
    first_column: np.ndarray  # (layers, D): M_0 e_0
    run0_columns: np.ndarray  # (layers, D, q + 1): V_0 e_s for s in _column_masks(q)
    planes: np.ndarray  # (layers, L, 3, D, D) real: Re M_r, Im M_r, Re M_r + Im M_r

    @property
    def dtype(self) -> np.dtype:
        return self.matrices.dtype


def _two_cz_blocks(gates: np.ndarray, rings, ws: Workspace, name: str) -> np.ndarray:
    """``P_1 P_0 = S_1 (A_1 (x) B_1) S_0 (A_0 (x) B_0)`` (n, D, D) for CZ rings (diagonals S_k).

    ``(I (x) B_1) S_0 (I (x) B_0)`` is block diagonal over the A index i': blocks ``C_i' = B_1
    diag(S_0[i', :]) B_0``, so ``P_1 P_0[(i, j), (k, l)] = S_1[i, j] sum_i' A_1[i, i'] A_0[i', k]
    C_i'[j, l]``: one product (d_a^2 x d_a) @ (d_a x d_b^2) per run, half the multiply-adds of
    building P_0 and applying P_1 to it, and a single pass over the D x D result."""
    from qmlc.circuits import qiren_kernels

    n = gates.shape[0]
    a0, b0 = _halves(gates[:, 0])
    a1, b1 = _halves(gates[:, 1])
    d_a, d_b = a0.shape[-1], b0.shape[-1]
    s0, s1 = rings[0].sign.reshape(d_a, d_b), rings[1].sign.reshape(d_a, d_b)
    c = np.matmul(b1[:, None] * s0[None, :, None, :], b0[:, None])  # (n, i', j, l)
    k = a1[:, :, None, :] * _t(a0)[:, None, :, :]  # (n, i, k, i') = A_1[i, i'] A_0[i', k]
    w = np.matmul(k.reshape(n, d_a * d_a, d_a), c.reshape(n, d_a, d_b * d_b),
                  out=ws.get(name + ".ikjl", (n, d_a * d_a, d_b * d_b), gates.dtype))
    out = ws.get(name + ".two", (n, d_a, d_b, d_a, d_b), gates.dtype)
    qiren_kernels.signed_swap(w.reshape(n, d_a, d_a, d_b, d_b), s1.astype(gates.real.dtype), out)
    return out.reshape(n, d_a * d_b, d_a * d_b)


def _blocks(circuit: ReuploadShape, gates: np.ndarray, rings, columns: np.ndarray | None,
            ws: Workspace, name: str) -> np.ndarray:
    """``V = P_{K-1} ... P_0`` (n, D, D) for gates (n, K, q, 2, 2), or ``V[:, :, columns]``."""
    n, dim = gates.shape[0], circuit.dim
    if (columns is None and circuit.blocks > 1 and circuit.entangler == "cz"
            and rings[0] is not None):
        v = _two_cz_blocks(gates, rings, ws, name)
        for k in range(2, circuit.blocks):
            v = _left(*_halves(gates[:, k]), v, rings[k], ws=ws, name=f"{name}.{k % 2}")
        return v
    u_a, u_b = _halves(gates[:, 0])
    d_a, d_b = u_a.shape[-1], u_b.shape[-1]
    if columns is None:  # E_0 R_0, the sign folded into the A half: one pass
        a_part = u_a[:, :, None, :, None]
        if rings[0] is not None and rings[0].sign is not None:
            a_part = rings[0].sign.reshape(1, d_a, d_b, 1, 1) * a_part
        v = np.multiply(a_part, u_b[:, None, :, None, :],
                        out=ws.get(name + ".kron", (n, d_a, d_b, d_a, d_b), gates.dtype))
        v = v.reshape(n, dim, dim)
    else:  # R_0 e_s = U_A[:, s_A] (x) U_B[:, s_B]
        s_a, s_b = columns // d_b, columns % d_b
        v = (u_a[:, :, None, s_a] * u_b[:, None, :, s_b]).reshape(n, dim, len(columns))
        if rings[0] is not None and rings[0].sign is not None:
            v *= rings[0].sign[:, None]
    if rings[0] is not None and rings[0].sign is None:
        v = rings[0].rows(v)
    for k in range(1, circuit.blocks):
        v = _left(*_halves(gates[:, k]), v, rings[k], ws=ws, name=f"{name}.{k % 2}")
    return v


def fuse(circuit: ReuploadShape, weights, final, dtype: str = "complex128",
         ws: Workspace | None = None) -> FusedCircuits:
    """Fused matrices for circuits with ``weights`` (layers, L, K, q, 3) and ``final``
    (layers, K, q, 3) (a single circuit's (L, K, q, 3) / (K, q, 3) is promoted)."""
    from qmlc.circuits import qiren_kernels

    ws = ws or Workspace()
    cdtype = complex_dtype(dtype)
    weights, final = np.asarray(weights, dtype=float), np.asarray(final, dtype=float)
    if weights.ndim == 4:
        weights, final = weights[None], final[None]
    layers, n_up = weights.shape[0], circuit.reuploads
    dim, q, k_blocks = circuit.dim, circuit.width, circuit.blocks
    all_w = np.concatenate([weights, final[:, None]], axis=1)  # (layers, L + 1, K, q, 3)
    gates = rot_matrices(all_w).astype(cdtype)
    rings = _rings(circuit, cdtype.type(0).real.dtype)
    v = _blocks(circuit, gates[:, 1:].reshape(-1, k_blocks, q, 2, 2), rings, None, ws, "full")
    cols = _blocks(circuit, gates[:, 0], rings, _column_masks(q), ws, "run0")
    first = cols[:, :, 0].copy()
    basis = _basis_halves(circuit, cdtype)
    if basis is None:
        mats = v
    else:  # M_r = W^dagger V_r (r < L), then M_r W (r >= 1)
        w_a, w_b = basis
        w_ha, w_hb = _t(w_a).conj(), _t(w_b).conj()
        first = _left(w_ha, w_hb, first[:, :, None])[:, :, 0].copy()
        mats = ws.get("fused.folded", v.shape, cdtype)
        np.copyto(mats, v)
        mats = mats.reshape(layers, n_up, dim, dim)
        if n_up > 1:
            head = mats[:, :-1].reshape(-1, dim, dim)
            mats[:, :-1] = _left(w_ha, w_hb, head).reshape(mats[:, :-1].shape)
        mats[:] = _right(mats.reshape(-1, dim, dim), w_a, w_b).reshape(mats.shape)
    mats = mats.reshape(layers, n_up, dim, dim)
    planes = ws.get("fused.planes", (layers, n_up, 3, dim, dim), cdtype.type(0).real.dtype)
    qiren_kernels.planes_of(np.ascontiguousarray(mats).reshape(-1, dim, dim),
                            planes.reshape(-1, 3, dim, dim))
    return FusedCircuits(circuit, all_w, gates, mats, v, first, cols.copy(), planes)


# ------------------------------------------------------------ gradients of the Rot angles
#
# dL = 2 Re sum_ab G_ab dV_ab = 2 Re tr(G^T dV) for the blocks' product V = P_{K-1} ... P_0,
# P_k = E_k R_k. Every Rot derivative is a one-qubit generator times the Rot (see
# _pauli_coefficients): d Rot = (-i/2) X Rot (left generators) = (-i/2) Rot Y (right ones),
# so for the last block dV = (-i/2) (E X E^T) V and for the first dV = (-i/2) V Y, and
# dL/dp = Im tr(G^T O V) (O = E X E^T) or Im tr(G^T V Y). Writing X = sum_P c_P P over the Paulis,
# E P_j E^T is again a Pauli string up to signs (E is CZs or CNOTs, both Clifford) whose X-part
# is one XOR mask, so each trace needs only the q + 1 "diagonals" sum_b G[a, b] V[a ^ m, b]
# (m = 0 and one mask per qubit): (q + 1) 4^q multiply-adds per block, read straight from G and
# the fused V, instead of products with the 2^q x 2^q blocks. Run 0 has G = g e_0^T, so there the
# diagonals need only V's columns e_0 and e_j. Middle blocks (K >= 3) contract the co-tangent
# H_k = A_k^T G B_k^T with the Rot factors (environments, by halving).

def _pauli_coefficients(w: np.ndarray, side: str) -> np.ndarray:
    """``(..., 3 params, 3)``: the generators of ``Rot(w)`` (w (..., 3) = phi, theta, omega) as
    ``c_X X + c_Y Y + c_Z Z``, by rotating Paulis (``RY(t) Z RY(t)^+ = cos t Z + sin t X``,
    ``RZ(a) X RZ(a)^+ = cos a X + sin a Y``, ``RZ(a) Y RZ(a)^+ = cos a Y - sin a X``)::

        left:  X_phi = U Z U^+ = sin t cos w X + sin t sin w Y + cos t Z
               X_theta = RZ(w) Y RZ(w)^+ = -sin w X + cos w Y,   X_omega = Z
        right: Y_phi = Z,   Y_theta = RZ(phi)^+ Y RZ(phi) = sin phi X + cos phi Y
               Y_omega = U^+ Z U = -sin t cos phi X + sin t sin phi Y + cos t Z
    """
    phi, theta, omega = w[..., 0], w[..., 1], w[..., 2]
    st, ct = np.sin(theta), np.cos(theta)
    zero, one = np.zeros_like(phi), np.ones_like(phi)
    if side == "left":
        rows = [(st * np.cos(omega), st * np.sin(omega), ct),
                (-np.sin(omega), np.cos(omega), zero), (zero, zero, one)]
    else:
        rows = [(zero, zero, one), (np.sin(phi), np.cos(phi), zero),
                (-st * np.cos(phi), st * np.sin(phi), ct)]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


@lru_cache(maxsize=32)
def _last_block_tables(circuit: ReuploadShape, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For block k followed by nothing but its ring E: XOR masks (q + 1,) of E P_j E^T (0 first)
    and per qubit the D-vectors ``dz_j(a)`` (the Z-part sign) and ``off_j(a)`` (the X-part sign)."""
    q, dim = circuit.width, circuit.dim
    zs = z_signs(q).T  # (q, D)
    bit = _column_masks(q)[1:]
    idx = np.arange(dim)
    if q == 1 or circuit.entangler == "cz":
        s = np.ones(dim) if q == 1 else cz_ring_diagonal(q, circuit.ranges[k])
        off = s[None, :] * s[idx[None, :] ^ bit[:, None]]
        return np.concatenate([[0], bit]), zs, off
    f = cnot_ring_permutation(q, circuit.ranges[k])  # E e_i = e_f(i), linear over GF(2)
    return np.concatenate([[0], f[bit]]), zs[:, np.argsort(f)], np.ones((q, dim))


def _last_block_grad(dots: np.ndarray, w: np.ndarray, circuit: ReuploadShape, k: int
                     ) -> np.ndarray:
    """Gradient (n, q, 3) of the Rot angles w (n, q, 3) of the last block k (dV = -i/2 O V),
    from ``dots[n, a, i] = sum_b G[a, b] V[a ^ masks[i], b]`` (see :func:`_last_block_tables`)."""
    _, dz, off = _last_block_tables(circuit, k)
    dots = dots.astype(complex)
    shifted = np.swapaxes(dots[:, :, 1:], 1, 2)  # (n, q, D)
    t_x = np.einsum("nqa,qa->nq", shifted, off)
    t_y = -1j * np.einsum("nqa,qa->nq", shifted, off * dz)
    t_z = dots[:, :, 0] @ dz.T
    coeff = _pauli_coefficients(w, "left")  # (n, q, 3 params, 3 Paulis)
    return np.einsum("nqpc,cnq->nqp", coeff, np.stack([t_x, t_y, t_z])).imag


def _first_block_grad(dots: np.ndarray, w: np.ndarray, circuit: ReuploadShape) -> np.ndarray:
    """Gradient (n, q, 3) of the Rot angles w of block 0, preceded by nothing (dV = -i/2 V Y),
    from ``dots[n, b, i] = sum_a G[a, b] V[a, b ^ e_i]`` (e_0 = 0, then one bit per qubit)."""
    zs = z_signs(circuit.width).T  # (q, D)
    dots = dots.astype(complex)
    t_x = dots[:, :, 1:].sum(axis=1)
    t_y = 1j * np.einsum("nbq,qb->nq", dots[:, :, 1:], zs)
    t_z = dots[:, :, 0] @ zs.T
    coeff = _pauli_coefficients(w, "right")
    return np.einsum("nqpc,cnq->nqp", coeff, np.stack([t_x, t_y, t_z])).imag


def _row_dots(g: np.ndarray, v: np.ndarray, masks: np.ndarray, ws: Workspace, name: str
              ) -> np.ndarray:
    from qmlc.circuits import qiren_kernels

    dots = ws.get(name, g.shape[:2] + (len(masks),), g.dtype)
    qiren_kernels.row_dots(g, v, masks, g.real.dtype.type(0), dots)
    return dots


def _middle_block_grads(g: np.ndarray, gates: np.ndarray, circuit: ReuploadShape, w: np.ndarray,
                        grad: np.ndarray) -> None:
    """Blocks 0 < k < K - 1: environments of H_k = C_k B_k^T, ``C_{K-1} = E_{K-1}^T G``,
    ``C_{k-1} = E_{k-1}^T R_k^T C_k``, computed as ``H_k^T = P_{k-1} ... P_0 C_k^T``."""
    rings = _rings(circuit, g.real.dtype)
    last = rings[-1]
    c = g.copy() if last is None else last.rows(g, transpose=True)
    d_rot = rot_derivatives(w)
    for k in range(circuit.blocks - 1, 1, -1):  # C_{k-1} from C_k, down to C_1
        c = _left(*_halves(_t(gates[:, k])), c, rings[k - 1], transpose=True).copy()
        h_t = np.ascontiguousarray(_t(c))
        for j in range(k - 1):
            h_t = _left(*_halves(gates[:, j]), h_t, rings[j]).copy()
        envs = _t(_environments(h_t, _t(gates[:, k - 1])))
        grad[:, k - 1] = 2.0 * np.einsum("nqpab,nqab->nqp", d_rot[:, k - 1], envs).real


def fused_vjp(fused: FusedCircuits, grad_column: np.ndarray, grad_matrices: np.ndarray,
              ws: Workspace | None = None) -> np.ndarray:
    """``dL/d weights`` (layers, L + 1, K, q, 3) given the gradients of the fused matrices,
    ``dL = 2 Re sum_ab G_ab dM_ab``: ``grad_matrices`` (layers, L, D, D) for M_1..M_L and, for
    run 0 (which only ever sees ``e_0``), ``G_0 = g e_0^T`` with ``grad_column = g`` (layers, D).

    The basis change is unfolded first (``sum G o (A dV B) = sum (A^T G B^T) o dV``).
    """
    from qmlc.circuits import qiren_kernels

    ws = ws or Workspace()
    circuit = fused.circuit
    layers, n_up = fused.matrices.shape[:2]
    dim, q, k_last = circuit.dim, circuit.width, circuit.blocks - 1
    g = np.asarray(grad_matrices, dtype=fused.dtype).reshape(layers * n_up, dim, dim)
    g0 = np.asarray(grad_column, dtype=fused.dtype)
    basis = _basis_halves(circuit, fused.dtype)
    if basis is not None:  # M = W^+ V (r < L): G <- conj(W) G;  M = V W (r >= 1): G <- G W^T
        w_a, w_b = basis
        g0 = _left(w_a.conj(), w_b.conj(), g0[:, :, None])[:, :, 0].copy()
        g = _right(g, _t(w_a), _t(w_b)).reshape(layers, n_up, dim, dim).copy()
        if n_up > 1:
            head = g[:, :-1].reshape(-1, dim, dim)
            g[:, :-1] = _left(w_a.conj(), w_b.conj(), head).reshape(g[:, :-1].shape)
        g = g.reshape(layers * n_up, dim, dim)
    v, cols = fused.blocks_only, fused.run0_columns
    w = fused.weights  # (layers, L + 1, K, q, 3)
    grad = np.zeros(w.shape)
    masks, _, _ = _last_block_tables(circuit, k_last)
    # last block: runs 1..L from the kernel; run 0: sum_b g e_0^T[a, b] V[a^m, b] = g_a V[a^m, 0]
    dots = _row_dots(g, v, masks, ws, "vjp.last")
    grad[:, 1:, k_last] = _last_block_grad(dots, w[:, 1:, k_last].reshape(-1, q, 3), circuit,
                                           k_last).reshape(layers, n_up, q, 3)
    idx = np.arange(dim)[:, None] ^ masks[None, :]
    dots0 = g0[:, :, None] * cols[:, idx, 0]
    grad[:, 0, k_last] = _last_block_grad(dots0, w[:, 0, k_last], circuit, k_last)
    if circuit.blocks > 1:  # first block: the column dots; run 0: only b = 0
        first_masks = _column_masks(q)
        dots = ws.get("vjp.first", (len(g), dim, len(first_masks)), g.dtype)
        qiren_kernels.column_dots(g, v, first_masks, g.real.dtype.type(0), dots)
        grad[:, 1:, 0] = _first_block_grad(dots, w[:, 1:, 0].reshape(-1, q, 3),
                                           circuit).reshape(layers, n_up, q, 3)
        dots0 = np.zeros((layers, dim, q + 1), dtype=g0.dtype)
        dots0[:, 0] = np.einsum("na,nai->ni", g0, cols)  # sum_a g_a V[a, e_i]
        grad[:, 0, 0] = _first_block_grad(dots0, w[:, 0, 0], circuit)
    if circuit.blocks > 2:
        g_all = np.zeros((layers, n_up + 1, dim, dim), dtype=g.dtype)
        g_all[:, 0, :, 0] = g0
        g_all[:, 1:] = g.reshape(layers, n_up, dim, dim)
        flat = grad.reshape(-1, circuit.blocks, q, 3)
        _middle_block_grads(g_all.reshape(-1, dim, dim),
                            fused.gates.reshape(-1, circuit.blocks, q, 2, 2), circuit,
                            w.reshape(-1, circuit.blocks, q, 3), flat)
    return grad


# ------------------------------------------------------------------------- sample-level sweep


@dataclass(frozen=True)
class CircuitTape:
    """What the backward sweep of one circuit needs: its fused matrices and boundary states.

    States are real planes ``(3, B, 2^q)``: real part, imaginary part, and their sum (the
    operands of Gauss's three-product complex multiplication, see
    :mod:`qmlc.circuits.qiren_kernels`); the final state keeps the first two.
    """

    fused: FusedCircuits
    layer: int  # which circuit of ``fused``
    phase_a: np.ndarray  # (B, 2^h) encoding phase of qubits 0..h-1 (h = q // 2)
    phase_b: np.ndarray  # (B, 2^(q-h)) encoding phase of qubits h..q-1
    entering: tuple[np.ndarray, ...]  # state entering M_r (just after encoding r), r = 1..L
    state: np.ndarray  # (2, B, 2^q) final state (before measurement)
    expectations: np.ndarray  # (B, q), float64

    @property
    def circuit(self) -> ReuploadShape:
        return self.fused.circuit


def _check_angles(circuit: ReuploadShape, angles) -> np.ndarray:
    angles = np.asarray(angles, dtype=float)
    if angles.ndim != 2 or angles.shape[1] != circuit.width:
        raise ValueError(f"angles must have shape (B, {circuit.width}), got {angles.shape}")
    return angles


def _check_inputs(circuit: ReuploadShape, angles, weights, final):
    if circuit.width > MAX_QUBITS:
        raise ValueError(f"width must be <= {MAX_QUBITS} for the fused simulator, got {circuit.width}")
    angles = _check_angles(circuit, angles)
    weights = np.asarray(weights, dtype=float)
    final = np.asarray(final, dtype=float)
    if weights.shape != circuit.weights_shape:
        raise ValueError(f"weights must have shape {circuit.weights_shape}, got {weights.shape}")
    if final.shape != circuit.final_shape:
        raise ValueError(f"final must have shape {circuit.final_shape}, got {final.shape}")
    return angles, weights, final


def _half_phases(angles: np.ndarray, cdtype) -> tuple[np.ndarray, np.ndarray]:
    """Diagonals of ``RZ(h_0) (x) ... (x) RZ(h_{h-1})`` and of the rest, per row of angles:
    ``exp(-i/2 sum_j h_j z_j)`` over each half (B 2^(q/2) work, not B 2^q). The phase sums are
    formed in float64 and reduced mod 2 pi before the cosines, which run in the statevector's
    real precision (float32 cosines are ~10x faster and exact to its rounding)."""
    real = np.dtype(cdtype).type(0).real.dtype
    h = angles.shape[1] // 2
    out = []
    for part in (angles[:, :h], angles[:, h:]):
        theta = -0.5 * (part @ z_signs(part.shape[1]).T)
        theta = (theta - (2 * np.pi) * np.floor(theta * (0.5 / np.pi))).astype(real)
        phase = np.empty(theta.shape, dtype=cdtype)
        phase.real, phase.imag = np.cos(theta), np.sin(theta)
        out.append(phase)
    return out[0], out[1]


def _products(x: np.ndarray, m: np.ndarray, ws: Workspace, transpose: bool = False
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three real products of Gauss's form for ``x @ m`` (``x @ m^T`` with ``transpose``),
    x and m given as planes (re, im, re + im)."""
    shape = (x.shape[1], m.shape[-1])
    out = []
    for p in range(3):
        mp = m[p].T if transpose else m[p]
        out.append(np.matmul(x[p], mp, out=ws.get(f"p{p}", shape, x.dtype)))
    return out[0], out[1], out[2]


def run_forward(fused: FusedCircuits, layer: int, angles, ws: Workspace | None = None
                ) -> CircuitTape:
    """Run circuit ``layer`` of ``fused`` on every row of ``angles`` (B, q)."""
    from qmlc.circuits import qiren_kernels as kern

    ws = ws or Workspace()
    circuit = fused.circuit
    angles = _check_angles(circuit, angles)
    planes = fused.planes[layer]
    p_a, p_b = _half_phases(angles, fused.dtype)
    real = planes.dtype
    shape = (3, len(angles), circuit.dim)
    psi = ws.get(f"enter{layer}.0", shape, real)
    kern.phase_times_column(p_a, p_b, fused.first_column[layer], psi)  # M_0 |0...0>, encoded
    entering = [psi]
    for r in range(1, circuit.reuploads):
        products = _products(psi, planes[r - 1], ws, transpose=True)
        psi = ws.get(f"enter{layer}.{r}", shape, real)
        kern.combine_times_phase(*products, p_a, p_b, psi)
        entering.append(psi)
    products = _products(psi, planes[-1], ws, transpose=True)
    state = ws.get(f"state{layer}", (2,) + shape[1:], real)
    z_a, z_b = _half_signs(circuit.width, fused.dtype.name)
    m_a = np.empty((shape[1], len(z_a)), dtype=real)
    m_b = np.empty((shape[1], len(z_b)), dtype=real)
    kern.combine_probabilities(*products, len(z_a), state, m_a, m_b)
    expectations = np.concatenate([m_a @ z_a, m_b @ z_b], axis=1).astype(np.float64)
    return CircuitTape(fused, layer, p_a, p_b, tuple(entering), state, expectations)


def run_backward(tape: CircuitTape, grad_expectations, grad_column: np.ndarray | None = None,
                 grad_matrices: np.ndarray | None = None, ws: Workspace | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vector-Jacobian product of one circuit: ``(dL/d angles (B, q), g (D,), G (L, D, D))`` with
    ``G_r`` the gradient of ``M_r`` and ``G_0 = g e_0^T`` (feed every circuit's to
    :func:`fused_vjp`; ``grad_column``/``grad_matrices`` receive them when given).
    ``grad_expectations`` (B, q) is ``dL/d<Z_j>`` for each sample."""
    from qmlc.circuits import qiren_kernels as kern

    ws = ws or Workspace()
    circuit = tape.circuit
    n_up, h = circuit.reuploads, circuit.width // 2
    g = np.asarray(grad_expectations, dtype=float)
    if g.shape != tape.expectations.shape:
        raise ValueError(f"grad_expectations must have shape {tape.expectations.shape}")
    z_a, z_b = _half_signs(circuit.width, tape.fused.dtype.name)
    planes = tape.fused.planes[tape.layer]
    real, cdtype = planes.dtype, tape.fused.dtype
    rows, dim = g.shape[0], circuit.dim
    # mu = conj(lambda), lambda = H psi with H = sum_j g_j Z_j (diagonal: the halves' sum)
    mu, nu = ws.get("mu", (3, rows, dim), real), ws.get("nu", (3, rows, dim), real)
    gh = g.astype(real)
    kern.costate(tape.state, gh[:, :h] @ z_a.T, gh[:, h:] @ z_b.T, mu)
    # the half-marginals of every encoding's angle gradients, summed over the encodings
    m_a, m_b = np.zeros((rows, len(z_a)), real), np.zeros((rows, len(z_b)), real)
    if grad_matrices is None:
        grad_matrices = np.empty((n_up, dim, dim), dtype=cdtype)
    for r in range(n_up, 0, -1):
        phi = tape.entering[r - 1]
        # G_ab = sum_s conj(lam_s[a]) phi_s[b] = (mu^T phi)_ab, by the three products
        q1, q2, q3 = (np.matmul(mu[p].T, phi[p], out=ws.get(f"q{p}", (dim, dim), real))
                      for p in range(3))
        kern.combine_gradient(q1, q2, q3, grad_matrices[r - 1])
        # lambda <- M_r^dagger lambda, i.e. mu <- mu M_r (rows); d/dh_j exp(-i h_j Z_j / 2) =
        # -i/2 Z_j (.), so dL/dh_j = Im <lam| Z_j |phi>; then the co-state crosses the encoding:
        # lambda <- phase^* lambda, i.e. mu <- mu phase
        products = _products(mu, planes[r - 1], ws)
        kern.combine_angles_times_phase(*products, phi, tape.phase_a, tape.phase_b, nu, m_a, m_b)
        mu, nu = nu, mu
    grad_angles = np.concatenate([m_a @ z_a, m_b @ z_b], axis=1).astype(np.float64)
    column = grad_column if grad_column is not None else np.empty(dim, dtype=cdtype)
    ones = np.ones(rows, dtype=real)
    column.real, column.imag = ones @ mu[0], ones @ mu[1]  # G_0 = (sum mu) e_0^T
    return grad_angles, column, grad_matrices


# ----------------------------------------------------------------- one circuit: plain interface


def forward(circuit: ReuploadShape, angles, weights, final, dtype: str = "complex128"
            ) -> CircuitTape:
    """Run the circuit on every row of ``angles`` (B, q); the tape holds ``<Z_j>`` (B, q)."""
    angles, weights, final = _check_inputs(circuit, angles, weights, final)
    return run_forward(fuse(circuit, weights, final, dtype), 0, angles)


def backward(tape: CircuitTape, grad_expectations) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vector-Jacobian product: ``(dL/d angles (B, q), dL/d weights, dL/d final)``.

    ``grad_expectations`` (B, q) is ``dL/d<Z_j>`` for each sample.
    """
    grad_angles, column, grad_mats = run_backward(tape, grad_expectations)
    columns = np.zeros(tape.fused.first_column.shape, dtype=tape.fused.dtype)
    full = np.zeros(tape.fused.matrices.shape, dtype=tape.fused.dtype)
    columns[tape.layer], full[tape.layer] = column, grad_mats
    grads = fused_vjp(tape.fused, columns, full)[tape.layer]
    return grad_angles, grads[:-1], grads[-1]


def expectations(circuit: ReuploadShape, angles, weights, final, dtype: str = "complex128"
                 ) -> np.ndarray:
    """``<Z_j>`` (B, q) for every row of ``angles``."""
    return forward(circuit, angles, weights, final, dtype).expectations
