"""Fused elementwise kernels (Numba) for the batched QIREN statevector simulator.

States are stored as real planes ``(3, B, 2^q)``: real part, imaginary part and their sum, the
three operands of Gauss's three-multiplication complex product ``(a + ib)(c + id) = (ac - bd) +
i((a + b)(c + d) - ac - bd)``, which the simulator runs as three real BLAS products (``P1 = a c``,
``P2 = b d``, ``P3 = (a + b)(c + d)``). Every kernel below makes one pass over its operands where
numpy would make several and allocate temporaries: it combines the three products, applies the
encoding phase, and writes the next state's three planes.

The encoding phase of a sample is never stored: it is the outer product of the two qubit halves'
diagonals ``p_a (B, d_a)`` and ``p_b (B, d_b)``, ``phase[b, i d_b + j] = p_a[b, i] p_b[b, j]``.
Sums over basis states weighted by ``z_j`` need only the half-marginals: a qubit of half A reads
``sum_{i, j} z_j(i) v[i, j] = sum_i z(i) (sum_j v[i, j])``, so kernels return the two marginals
(``(B, d_a)``, ``(B, d_b)``) and a tiny product with the half's Z-sign table finishes.

Row loops run in parallel (``numba.prange``) on ``numba.get_num_threads()`` threads
(``NUMBA_NUM_THREADS``); kernels compile once per dtype and are cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_OPTS = {"fastmath": True, "cache": True}


@njit(parallel=True, **_OPTS)
def phase_times_column(p_a, p_b, col, out):  # pragma: no cover - compiled
    """``out = phase * col`` (planes): every sample's first encoded state ``phase M_0 e_0``."""
    rows, d_a = p_a.shape
    d_b = p_b.shape[1]
    for b in prange(rows):
        for i in range(d_a):
            y = p_a[b, i]
            for j in range(d_b):
                k = i * d_b + j
                v = y * p_b[b, j] * col[k]
                out[0, b, k] = v.real
                out[1, b, k] = v.imag
                out[2, b, k] = v.real + v.imag


@njit(parallel=True, **_OPTS)
def combine_times_phase(p1, p2, p3, p_a, p_b, out):  # pragma: no cover - compiled
    """``out = (P1 - P2 + i (P3 - P1 - P2)) * phase`` (planes): a product, then an encoding."""
    rows, d_a = p_a.shape
    d_b = p_b.shape[1]
    for b in prange(rows):
        for i in range(d_a):
            y = p_a[b, i]
            for j in range(d_b):
                k = i * d_b + j
                c = y * p_b[b, j]
                re = p1[b, k] - p2[b, k]
                im = p3[b, k] - p1[b, k] - p2[b, k]
                nr = re * c.real - im * c.imag
                ni = re * c.imag + im * c.real
                out[0, b, k] = nr
                out[1, b, k] = ni
                out[2, b, k] = nr + ni


@njit(parallel=True, **_OPTS)
def combine_probabilities(p1, p2, p3, d_a, out, out_a, out_b):  # pragma: no cover - compiled
    """The final state ``out`` (real, imaginary planes) from the three products, and the
    half-marginals of ``|psi|^2`` (``<Z_j>`` follows by a product with the halves' signs)."""
    rows, dim = p1.shape
    d_b = dim // d_a
    for b in prange(rows):
        for j in range(d_b):
            out_b[b, j] = 0.0
        for i in range(d_a):
            acc = 0.0
            for j in range(d_b):
                k = i * d_b + j
                re = p1[b, k] - p2[b, k]
                im = p3[b, k] - p1[b, k] - p2[b, k]
                out[0, b, k] = re
                out[1, b, k] = im
                p = re * re + im * im
                acc += p
                out_b[b, j] += p
            out_a[b, i] = acc


@njit(parallel=True, **_OPTS)
def costate(state, h_a, h_b, out):  # pragma: no cover - compiled
    """``out = conj(state) * (h_a[b, i] + h_b[b, j])`` (planes): the conjugated co-state
    ``conj(H psi)`` for ``H = sum_j g_j Z_j``, whose diagonal is the sum of the halves'."""
    rows, d_a = h_a.shape
    d_b = h_b.shape[1]
    for b in prange(rows):
        for i in range(d_a):
            for j in range(d_b):
                k = i * d_b + j
                h = h_a[b, i] + h_b[b, j]
                re = state[0, b, k] * h
                im = -state[1, b, k] * h
                out[0, b, k] = re
                out[1, b, k] = im
                out[2, b, k] = re + im


@njit(parallel=True, **_OPTS)
def combine_angles_times_phase(p1, p2, p3, phi, p_a, p_b, out, out_a, out_b):  # pragma: no cover
    """``mu = P1 - P2 + i (P3 - P1 - P2)``; the half-marginals of ``Im(mu * phi)`` (the encoded
    angles' gradients before the sign tables) **added** to ``out_a``, ``out_b`` (the sign tables
    are linear, so a sweep over the encodings sums the marginals and applies them once); then
    ``out = mu * phase`` (planes): the co-state crossing the encoding layer."""
    rows, d_a = p_a.shape
    d_b = p_b.shape[1]
    for b in prange(rows):
        for i in range(d_a):
            acc = 0.0
            y = p_a[b, i]
            for j in range(d_b):
                k = i * d_b + j
                re = p1[b, k] - p2[b, k]
                im = p3[b, k] - p1[b, k] - p2[b, k]
                v = re * phi[1, b, k] + im * phi[0, b, k]
                acc += v
                out_b[b, j] += v
                c = y * p_b[b, j]
                nr = re * c.real - im * c.imag
                ni = re * c.imag + im * c.real
                out[0, b, k] = nr
                out[1, b, k] = ni
                out[2, b, k] = nr + ni
            out_a[b, i] += acc


@njit(parallel=True, **_OPTS)
def signed_swap(w, sign, out):  # pragma: no cover - compiled
    """``out[n, i, j, k, l] = sign[i, j] w[n, i, k, j, l]``: a product's (i, k) x (j, l) layout
    turned into the (i, j) x (k, l) of a matrix on two qubit halves, times a diagonal (CZ ring)."""
    runs, d_a, _, d_b, _ = w.shape
    for n in prange(runs):
        for i in range(d_a):
            for j in range(d_b):
                s = sign[i, j]
                for k in range(d_a):
                    for m in range(d_b):
                        out[n, i, j, k, m] = s * w[n, i, k, j, m]


@njit(parallel=True, **_OPTS)
def planes_of(m, out):  # pragma: no cover - compiled
    """``out[n] = (Re m[n], Im m[n], Re m[n] + Im m[n])``: the fused matrices as Gauss's planes."""
    runs, rows, cols = m.shape
    for n in prange(runs):
        for a in range(rows):
            for b in range(cols):
                x = m[n, a, b]
                out[n, 0, a, b] = x.real
                out[n, 1, a, b] = x.imag
                out[n, 2, a, b] = x.real + x.imag


@njit(parallel=True, **_OPTS)
def combine_gradient(q1, q2, q3, out):  # pragma: no cover - compiled
    """``out = Q1 - Q2 + i (Q3 - Q1 - Q2)`` (complex): a fused matrix's gradient from its three
    real products, in one pass."""
    rows, cols = q1.shape
    for a in prange(rows):
        for b in range(cols):
            x, y = q1[a, b], q2[a, b]
            out[a, b] = (x - y) + 1j * (q3[a, b] - x - y)


@njit(parallel=True, **_OPTS)
def column_dots(g, v, masks, zero, out):  # pragma: no cover - compiled
    """``out[n, b, i] = sum_a g[n, a, b] v[n, a, b ^ masks[i]]`` (columns of g against
    XOR-shifted columns of v: :func:`row_dots` of the transposes, read row by row so that no
    transposed copy is made; the sums run in registers of ``masks`` x columns per run)."""
    runs, dim, _ = g.shape
    n_masks = masks.shape[0]
    for n in prange(runs):
        acc_re = np.full((n_masks, dim), zero)
        acc_im = np.full((n_masks, dim), zero)
        for a in range(dim):
            for i in range(n_masks):
                m = masks[i]
                for b in range(dim):
                    x, y = g[n, a, b], v[n, a, b ^ m]
                    acc_re[i, b] += x.real * y.real - x.imag * y.imag
                    acc_im[i, b] += x.real * y.imag + x.imag * y.real
        for b in range(dim):
            for i in range(n_masks):
                out[n, b, i] = acc_re[i, b] + 1j * acc_im[i, b]


@njit(parallel=True, **_OPTS)
def row_dots(g, v, masks, zero, out):  # pragma: no cover - compiled
    """``out[n, a, i] = sum_b g[n, a, b] v[n, a ^ masks[i], b]`` (rows of g against XOR-shifted
    rows of v: the entries of ``g v^T`` next to its diagonal that a gate's gradient needs).
    ``zero`` is a real zero of the operands' precision: the accumulators' type (vectorized)."""
    runs, dim, _ = g.shape
    for n in prange(runs):
        for a in range(dim):
            for i in range(masks.shape[0]):
                c = a ^ masks[i]
                re, im = zero, zero
                for b in range(dim):
                    x, y = g[n, a, b], v[n, c, b]
                    re += x.real * y.real - x.imag * y.imag
                    im += x.real * y.imag + x.imag * y.real
                out[n, a, i] = re + 1j * im


__all__ = ["column_dots", "combine_angles_times_phase", "combine_gradient", "combine_probabilities",
           "combine_times_phase", "costate", "phase_times_column", "planes_of", "row_dots",
           "signed_swap"]
