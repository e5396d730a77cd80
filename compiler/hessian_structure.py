"""Which entries of a pruned MLP's Hessian can be nonzero: row-sparsity of G_1 = I − ηH counted
exactly from the network's connectivity, for any n, without forming H.

Setting (the ``sparse-network`` kind, :mod:`qmlc.compiler.network_spec`): layers of units,
z_u = Σ W_ut h_t + b_u, h_u = σ(z_u) on hidden units, the output layer affine; a loss ℓ(f) summed
over samples. A variable is an *edge* e = (t → u): a surviving weight W_ut (tail t, head u) or a
variable bias b_u (tail: a constant unit that is always 1). Write a = (i → j), b = (k → m).

Facts about units (computed from the spec):
- Desc(u) ∋ v iff v = u or there is a path of edges u → … → v (reflexive-transitive closure).
- R(u): u reaches an output (Desc(u) contains an output unit), so δ_u = ∂ℓ/∂z_u can be nonzero.
- live(t): h_t is not identically zero — an input column of X with a nonzero entry; a hidden unit
  with an incoming edge from a live unit or a variable bias (z_t then moves with θ), or whose
  constant pre-activation z_t = b_t gives σ(b_t) ≠ 0; the bias unit always.
- hidden(t): t is a hidden unit (its h_t depends on θ); NL: hidden units with σ'' ≢ 0 (tanh,
  sigmoid, softplus; not identity) and R.
- C(u, v), the coupling of two heads: some w ∈ Desc(u) ∩ Desc(v) ∩ NL (second derivative of a
  shared activation), or the loss Hessian couples their outputs — for ``mse`` (diagonal ∇²ℓ)
  some output in Desc(u) ∩ Desc(v); for ``cross-entropy`` (∇²ℓ = diag(p) − ppᵀ, every entry
  nonzero) R(u) and R(v).

Rule. From ∂L/∂w_a = Σ_samples δ_j h_i and the backward recursion δ_j = σ'(z_j) Σ_q W_qj δ_q
(outputs: δ = ∇ℓ), differentiating once more along w_b gives three kinds of terms, and H_ab is
structurally nonzero iff one of them is:

    t1: hidden(i) ∧ R(j) ∧ live(k) ∧ i ∈ Desc(m)      (w_b feeds the tail activation h_i)
    t2: hidden(k) ∧ R(m) ∧ live(i) ∧ k ∈ Desc(j)      (w_a feeds h_k: t1 with a and b swapped)
    t3: live(i) ∧ live(k) ∧ C(j, m)                   (both move a shared δ)

"Structurally nonzero" means nonzero for generic weights and data: a structurally zero entry is
zero for every value of the surviving weights (the network's computation multiplies it by exact
zeros), and a structurally nonzero one is nonzero unless values cancel exactly. The tests check
the rule against the exact-zero pattern of the autodiff Hessian of random pruned nets.

Counting. H_ab depends on a only through (i, j) and on b only through (k, m), so the number of
nonzeros in row a, |{b : t1 ∨ t2 ∨ t3}|, follows by inclusion–exclusion from sums over edges
grouped by (k, m) — every term is a product of U×U matrices over the U units (see
:func:`row_counts`), so the count is exact for any number of edges (10⁶ and more) at O(U³) cost.
G_1 = I − ηH has the same off-diagonal pattern plus its whole diagonal.

Third derivative. ∂_a∂_b∂_c L ≠ 0 implies H_ab, H_ac (and H_bc) are not identically zero (a
derivative of a function that vanishes identically vanishes; the third derivative is symmetric,
Schwarz's theorem), so row a of G_2 = −(η/2)∇³L (as an n × n² matrix) has at most s_a² nonzeros,
s_a the row count of H — the bound qmlc states for G_2 (exact counting of ∇³L's pattern is not
implemented).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qmlc.compiler.network_spec import NetworkProblem
from qmlc.compiler.results import Result

NONLINEAR = {"tanh": True, "sigmoid": True, "softplus": True, "identity": False}
_SIGMA_AT = {"tanh": np.tanh, "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
             "softplus": lambda z: np.logaddexp(0.0, z), "identity": lambda z: z}


@dataclass(frozen=True, eq=False)
class Connectivity:
    """Units and edges of a problem (module docstring). Unit U (the last index) is the bias unit."""

    tails: np.ndarray        # per variable, its tail unit
    heads: np.ndarray        # per variable, its head unit
    desc: np.ndarray         # (U+1)×(U+1) bool, reflexive-transitive closure
    reach: np.ndarray        # R, per unit
    live: np.ndarray
    hidden: np.ndarray
    coupling: np.ndarray     # C, (U+1)×(U+1) bool

    @property
    def units(self) -> int:
        return int(self.desc.shape[0])


def connectivity(problem: NetworkProblem) -> Connectivity:
    """Units, edges and the unit relations of the module docstring, from the problem's masks,
    fixed parameters and data."""
    layers = problem.layers
    offsets = np.concatenate([[0], np.cumsum(layers)])
    bias_unit = int(offsets[-1])
    units = bias_unit + 1
    tails, heads = [], []
    for index, pos in enumerate(problem.positions):
        layer = index // 2 + 1
        if index % 2 == 0:   # W_layer (rows: heads in `layer`, columns: tails in `layer - 1`)
            rows, cols = np.divmod(pos, layers[layer - 1])
            tails.append(offsets[layer - 1] + cols)
            heads.append(offsets[layer] + rows)
        else:                # b_layer
            tails.append(np.full(pos.size, bias_unit))
            heads.append(offsets[layer] + pos)
    tails = np.concatenate(tails).astype(np.int64)
    heads = np.concatenate(heads).astype(np.int64)

    weight_edge = tails != bias_unit
    adjacency = np.zeros((units, units))
    adjacency[tails[weight_edge], heads[weight_edge]] = 1.0
    desc = np.eye(units)
    power = np.eye(units)
    for _ in range(len(layers) - 1):
        power = np.minimum(power @ adjacency, 1.0)
        desc = np.maximum(desc, power)
    desc = desc > 0

    is_output = np.zeros(units, dtype=bool)
    is_output[offsets[-2]:offsets[-1]] = True
    hidden = np.zeros(units, dtype=bool)
    hidden[offsets[1]:offsets[-2]] = True
    reach = desc[:, is_output].any(axis=1)
    reach[bias_unit] = False

    live = np.zeros(units, dtype=bool)
    live[:layers[0]] = np.any(problem.X != 0, axis=0)
    live[bias_unit] = True
    variable_bias = np.zeros(units, dtype=bool)
    variable_bias[heads[~weight_edge]] = True
    sigma = _SIGMA_AT[problem.activation]
    for layer in range(1, len(layers) - 1):   # layer by layer: tails are settled first
        span = slice(offsets[layer], offsets[layer + 1])
        fed = np.zeros(units, dtype=bool)
        fed[heads[weight_edge & live[tails]]] = True
        constant = sigma(problem.fixed[2 * (layer - 1) + 1]) != 0
        live[span] = fed[span] | variable_bias[span] | constant

    nl = hidden & reach & NONLINEAR[problem.activation]
    d = desc.astype(float)
    coupling = (d * nl[None, :]) @ d.T > 0
    out = d[:, is_output]
    if problem.loss == "mse":
        coupling |= out @ out.T > 0
    else:
        coupling |= np.outer(reach, reach)
    return Connectivity(tails=tails, heads=heads, desc=desc, reach=reach, live=live,
                        hidden=hidden, coupling=coupling)


def structural_pattern(conn: Connectivity, rows: np.ndarray | None = None) -> np.ndarray:
    """The boolean pattern of H (rows ``rows``, all columns) by the rule itself: |rows| × n.
    For tests and small n; :func:`row_counts` counts without it."""
    rows = np.arange(conn.tails.size) if rows is None else np.asarray(rows)
    i, j = conn.tails[rows][:, None], conn.heads[rows][:, None]
    k, m = conn.tails[None, :], conn.heads[None, :]
    t1 = conn.hidden[i] & conn.reach[j] & conn.live[k] & conn.desc[m, i]
    t2 = conn.hidden[k] & conn.reach[m] & conn.live[i] & conn.desc[j, k]
    t3 = conn.live[i] & conn.live[k] & conn.coupling[j, m]
    return t1 | t2 | t3


def row_counts(conn: Connectivity) -> np.ndarray:
    """Nonzeros per row of H by inclusion–exclusion over t1, t2, t3 (module docstring).

    With E[k, m] the number of edges k → m, eL[m] = Σ_k E[k,m] live(k),
    E2[k, m] = E[k,m]·live(k)·hidden(k)·R(m), D = Desc and C as 0/1 matrices:
    N1 = hidden(i)R(j)·(eLᵀD)[i], N2 = live(i)·(D·E2·1)[j], N3 = live(i)·(C·eL)[j],
    N12 = hidden(i)R(j)live(i)·(D·E2·D)[j,i], N13 = hidden(i)R(j)live(i)·(C·diag(eL)·D)[j,i],
    N23 = live(i)·Σ_m (D·E2)[j,m]C[j,m], N123 = hidden(i)R(j)live(i)·(((D·E2)∘C)·D)[j,i];
    count = N1 + N2 + N3 − N12 − N13 − N23 + N123. All entries are integers < 2^53 (float64 exact).
    """
    units = conn.units
    E = np.zeros((units, units))
    np.add.at(E, (conn.tails, conn.heads), 1.0)
    live, hidden, reach = (x.astype(float) for x in (conn.live, conn.hidden, conn.reach))
    D, C = conn.desc.astype(float), conn.coupling.astype(float)
    eL = live @ E
    E2 = E * (live * hidden)[:, None] * reach[None, :]
    DE2 = D @ E2
    n1 = eL @ D                         # indexed by i
    n2 = DE2.sum(axis=1)                # indexed by j
    n3 = C @ eL                         # indexed by j
    n12 = DE2 @ D                       # [j, i]
    n13 = (C * eL[None, :]) @ D         # [j, i]
    n23 = (DE2 * C).sum(axis=1)         # indexed by j
    n123 = (DE2 * C) @ D                # [j, i]
    i, j = conn.tails, conn.heads
    gate1 = hidden[i] * reach[j]
    count = (gate1 * n1[i] + live[i] * (n2[j] + n3[j])
             - gate1 * live[i] * (n12[j, i] + n13[j, i]) - live[i] * n23[j]
             + gate1 * live[i] * n123[j, i])
    return np.rint(count).astype(np.int64)


@dataclass(frozen=True)
class HessianStructure(Result):
    """Row-sparsity statistics of H and of G_1 = I − ηH from connectivity, and the G_2 bound."""

    n: int
    units: int
    hessian_nnz: int
    hessian_max_row: int
    hessian_mean_row: float
    hessian_row_percentiles: dict
    hessian_diagonal_nonzeros: int
    g1_max_row: int
    g1_nnz: int
    g2_max_row_bound: int
    g2_nnz_bound: int
    empty_rows: int
    rule: str
    g2_bound: str


def hessian_structure(problem: NetworkProblem) -> HessianStructure:
    """Exact structural row counts of H and G_1, and the stated bound for G_2 (module docstring)."""
    conn = connectivity(problem)
    counts = row_counts(conn)
    i, j = conn.tails, conn.heads
    # H_aa: t3 with m = j (t1 and t2 need a path from a unit back to itself: impossible in a DAG)
    diagonal = conn.live[i] & conn.coupling[j, j]
    g1_rows = counts + (~diagonal)
    return HessianStructure(
        n=int(counts.size), units=conn.units - 1,
        hessian_nnz=int(counts.sum()), hessian_max_row=int(counts.max(initial=0)),
        hessian_mean_row=float(counts.mean()) if counts.size else 0.0,
        hessian_row_percentiles={str(q): float(np.percentile(counts, q))
                                 for q in (0, 10, 50, 90, 99, 100)},
        hessian_diagonal_nonzeros=int(diagonal.sum()),
        g1_max_row=int(g1_rows.max(initial=0)), g1_nnz=int(g1_rows.sum()),
        g2_max_row_bound=int(counts.max(initial=0)) ** 2,
        g2_nnz_bound=int(np.sum(counts.astype(object) ** 2)),
        empty_rows=int(np.sum(counts == 0)),
        rule="structural Hessian pattern of a pruned MLP from its connectivity (qmlc."
             "compiler.hessian_structure): exact for generic weights and data",
        g2_bound="row a of G2 has <= s_a^2 nonzeros, s_a the row count of H (third derivatives "
                 "vanish where H vanishes identically; symmetry of mixed partials)")


__all__ = ["Connectivity", "HessianStructure", "connectivity", "hessian_structure", "row_counts",
           "structural_pattern"]
