"""Sparse-access block encodings as explicit gate-level circuits.

Construction ("weighted-permutation LCU", the sparse-access encoding of Gilyén, Su, Low, Wiebe,
STOC 2019 / arXiv:1806.01838, Lemma 48, in the column-oracle form of Lin Lin's lecture notes,
arXiv:2201.08309, §6.5):

1. **Colouring.** The nonzero pattern of a real matrix B (2^n × 2^n) is a bipartite graph (rows
   vs columns). König's theorem gives an edge colouring with s = max(row, column) degree colours;
   each colour class ℓ is a matching, extended to a permutation π_ℓ of all 2^n indices. Hence

       B = Σ_ℓ P_ℓ D_ℓ,   (P_ℓ)_{π_ℓ(j), j} = 1,   D_ℓ = diag(B[π_ℓ(j), j])  (0 if unmatched).

2. **Oracles.** With w_ℓ = max_j |D_ℓ(j)| and α = Σ_ℓ w_ℓ:
   - PREP on an m = ⌈log₂ s⌉-qubit colour register: |0⟩ ↦ Σ_ℓ √(w_ℓ/α) |ℓ⟩ (a binary tree of
     2^m − 1 (multi-)controlled RY gates);
   - entry oracle O_A: |0⟩_f|ℓ⟩|j⟩ ↦ (D_ℓ(j)/w_ℓ |0⟩ + √(1 − ·²) |1⟩)|ℓ⟩|j⟩, one RY(π) per
     colour ("zero unless stored") plus one (m+n)-controlled RY per stored entry whose angle
     differs from the colour's default — signs are exact because cos(θ/2) ranges over [−1, 1];
   - column-index oracle O_C = SELECT_ℓ P_ℓ: |ℓ⟩|j⟩ ↦ |ℓ⟩|π_ℓ(j)⟩, each permutation written as
     transpositions of basis states; a transposition costs one (m+n−1)-controlled X conjugated
     by ≤ n−1 CNOTs (the CNOTs need no control because they cancel when the MCX is idle).

   U = PREP† · O_C · O_A · PREP gives ⟨0_f 0^m| U |0_f 0^m⟩ = B/α exactly (one call to each oracle
   per use of U; U† costs the same). α = Σ_ℓ w_ℓ ≤ s·‖B‖_max, the bound of Lemma 48, and is
   tighter when the colour classes carry entries of different size — so the entries are
   coloured in order of decreasing magnitude, which groups the large ones into few colours.

History matrices A = I − S⊗M (compiler.carleman) get a structured encoding,
:func:`history_block_encoding`: each Carleman block is padded to 2^β ≥ Δ rows (identity on
the padding), the time index t lives in its own τ-qubit register (index = t·2^β + p), and

   A/α_A = (1/α_A) I − (α_M/α_A) · (S_T ⊗ M/α_M),   α_A = 1 + α_M,

a two-term LCU on one qubit. S_T (|t⟩ ↦ |t+1⟩ for t < T, else 0) is an incrementer on the τ
time qubits plus a flag X for t ≥ T; M/α_M is the sparse encoding above on the β block qubits.
Only the SELECT parts (entry rotations, transposition MCXs, incrementer, flag) carry the LCU
control. Ancillas: 1 (LCU) + 1 (S flag) + 1 (entry flag) + m (colour register).

No dense unitary of the dilation is ever formed: every gate is an X, H, Z, CX, RY or a
multi-controlled X/RY/Z with explicit control values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from qiskit import QuantumCircuit
from qiskit.circuit.library import RYGate, XGate

__all__ = [
    "BlockEncoding",
    "block_encoding_gate_counts",
    "edge_coloring",
    "history_block_encoding",
    "history_layout",
    "sparse_block_encoding",
]


@dataclass(frozen=True, eq=False)
class BlockEncoding:
    """A unitary circuit U with ⟨0_anc|U|0_anc⟩ = B_pad/α on the system qubits.

    Qubits 0..num_system−1 hold the system index (little-endian, Qiskit's order); the ancillas
    follow. ``matrix`` is the padded matrix B_pad that the block equals α times.
    """

    circuit: QuantumCircuit
    alpha: float
    num_system: int
    num_ancillas: int
    matrix: sp.csr_matrix
    structure: dict = field(default_factory=dict)
    outer: QuantumCircuit | None = None
    select: Callable[[QuantumCircuit, list, list], None] | None = None

    @property
    def num_qubits(self) -> int:
        return self.num_system + self.num_ancillas

    def controlled_select(self, qc: QuantumCircuit, controls: list[int],
                          values: list[int]) -> None:
        """Append the SELECT part of U = outer† · SELECT · outer to ``qc`` (block-encoding
        qubits at 0..num_qubits−1), with extra ``controls`` at ``values``. Controlling U needs
        only this: outer and outer† cancel when SELECT is idle."""
        if self.select is None:
            raise ValueError("this block encoding exposes no SELECT part")
        self.select(qc, list(controls), list(values))


# ---------------------------------------------------------------------------------------------
# Colouring and colour classes


def edge_coloring(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A proper edge colouring of a bipartite graph with max-degree colours (König).

    Alternating-path algorithm: colour edge (r, c) with a colour a free at r; if a is busy at c,
    swap colours a/b along the a-b alternating path from c (b free at c), which cannot reach r.
    O(E·V); fine for the small matrices compiled explicitly.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    degree = max(np.bincount(rows).max(initial=0), np.bincount(cols).max(initial=0))
    # at_row[r][colour] = column, at_col[c][colour] = row
    at_row: dict[int, dict[int, int]] = {}
    at_col: dict[int, dict[int, int]] = {}
    for r, c in zip(rows.tolist(), cols.tolist()):
        rr = at_row.setdefault(r, {})
        cc = at_col.setdefault(c, {})
        a = next(k for k in range(degree) if k not in rr)
        if a in cc:
            b = next(k for k in range(degree) if k not in cc)
            # Walk the path c -a- r1 -b- c1 -a- r2 ..., then flip a <-> b on it.
            path = []
            node, side, colour = c, "col", a
            while True:
                table = at_col if side == "col" else at_row
                nxt = table.get(node, {}).get(colour)
                if nxt is None:
                    break
                path.append((node, nxt, side, colour))
                node, side = nxt, ("row" if side == "col" else "col")
                colour = b if colour == a else a
            for u, v, sd, colour in path:
                (at_col if sd == "col" else at_row)[u].pop(colour)
                (at_row if sd == "col" else at_col)[v].pop(colour)
            for u, v, sd, colour in path:
                other = b if colour == a else a
                (at_col if sd == "col" else at_row)[u][other] = v
                (at_row if sd == "col" else at_col)[v][other] = u
        rr[a] = c
        cc[a] = r
    colour_of = {}
    for r, table in at_row.items():
        for k, c in table.items():
            colour_of[(r, c)] = k
    return np.array([colour_of[(r, c)] for r, c in zip(rows.tolist(), cols.tolist())],
                    dtype=np.int64)


@dataclass(frozen=True)
class ColourClass:
    """One term P_ℓ D_ℓ: permutation ``perm`` (column j ↦ row perm[j]) and values D_ℓ(j)."""

    perm: np.ndarray
    values: np.ndarray

    @property
    def weight(self) -> float:
        return float(np.max(np.abs(self.values), initial=0.0))


def colour_classes(B: sp.spmatrix) -> list[ColourClass]:
    """Split a square sparse matrix into weighted permutations, B = Σ_ℓ P_ℓ D_ℓ."""
    coo = sp.coo_matrix(B)
    coo.sum_duplicates()
    mask = coo.data != 0
    # Largest entries first: the colouring fills low colours first, so big entries share
    # colours and α = Σ_ℓ max|D_ℓ| shrinks (tiny network: 7.0 → 3.3, tiny map: 1.78 → 0.97).
    order = np.argsort(-np.abs(coo.data[mask]), kind="stable")
    rows, cols, vals = coo.row[mask][order], coo.col[mask][order], coo.data[mask][order]
    size = B.shape[0]
    if rows.size == 0:
        return []
    colours = edge_coloring(rows, cols)
    classes = []
    for k in range(int(colours.max()) + 1):
        sel = colours == k
        perm = -np.ones(size, dtype=np.int64)
        values = np.zeros(size)
        perm[cols[sel]] = rows[sel]
        values[cols[sel]] = vals[sel]
        # Extend the matching to a permutation, fixing points where possible (cheaper circuit).
        used_rows = np.zeros(size, dtype=bool)
        used_rows[rows[sel]] = True
        for j in np.flatnonzero(perm < 0):
            if not used_rows[j]:
                perm[j] = j
                used_rows[j] = True
        free_rows = iter(np.flatnonzero(~used_rows).tolist())
        for j in np.flatnonzero(perm < 0):
            perm[j] = next(free_rows)
        classes.append(ColourClass(perm=perm, values=values))
    return classes


# ---------------------------------------------------------------------------------------------
# Gate helpers (explicit control values; Qiskit's ctrl_state bit i belongs to control i)


_MCX: dict[int, object] = {}


def mcx_gate(num_controls: int):
    """One shared X-with-k-controls instance per k, so exporters emit one definition per k."""
    if num_controls not in _MCX:
        _MCX[num_controls] = XGate().control(num_controls)
    return _MCX[num_controls]


def _mc(qc: QuantumCircuit, gate, controls: list[int], values: list[int], target: int) -> None:
    """Multi-controlled X or RY with explicit control values, in the gate set {x, ry, cx, ccx, mcx}.

    Open controls (value 0) are X-conjugated; RY(θ) under controls is RY(θ/2)·MCX·RY(−θ/2)·MCX
    (X·RY(−θ/2)·X = RY(θ/2)), so every multi-qubit gate is an all-ones MCX, which Aer, Cirq and
    OpenQASM all know natively.
    """
    if not controls:
        qc.append(gate, [target])
        return
    opened = [c for c, v in zip(controls, values) if not v]
    for c in opened:
        qc.x(c)
    mcx = mcx_gate(len(controls))
    if gate.name == "x":
        qc.append(mcx, list(controls) + [target])
    elif gate.name == "ry":
        theta = float(gate.params[0])
        qc.append(mcx, list(controls) + [target])
        qc.ry(-theta / 2, target)
        qc.append(mcx, list(controls) + [target])
        qc.ry(theta / 2, target)
    else:  # pragma: no cover - only X and RY are emitted
        raise ValueError(f"unsupported controlled gate {gate.name}")
    for c in opened:
        qc.x(c)


def _bits(value: int, width: int) -> list[int]:
    return [(value >> i) & 1 for i in range(width)]


def prepare_real_amplitudes(qc: QuantumCircuit, qubits: list[int], amps: np.ndarray) -> None:
    """|0⟩ ↦ Σ_k amps[k] |k⟩ for a real unit vector ``amps``: a binary tree of RYs.

    The most significant qubit is rotated first by the weight of the upper half; each lower
    qubit gets one RY per prefix value, controlled on the higher qubits. At the last level the
    angle is 2·atan2(a_1, a_0) of the signed pair, which carries the signs (Möttönen et al. 2005
    for real amplitudes, without the RZ layer).
    """
    m = len(qubits)
    amps = np.asarray(amps, dtype=float)
    probs = amps**2
    for level in range(m - 1, -1, -1):
        high = m - 1 - level
        block = 2 ** (level + 1)
        for prefix in range(2**high):
            lo, hi = prefix * block, (prefix + 1) * block
            if level == 0:
                a0, a1 = amps[lo], amps[lo + 1]
                if a0 == 0 and a1 == 0:
                    continue
                theta = 2 * np.arctan2(a1, a0)
            else:
                total = probs[lo:hi].sum()
                if total <= 0:
                    continue
                upper = probs[lo + block // 2:hi].sum()
                theta = 2 * np.arctan2(np.sqrt(upper), np.sqrt(max(total - upper, 0.0)))
            if abs(theta) < 1e-14:
                continue
            _mc(qc, RYGate(float(theta)), list(qubits[level + 1:]), _bits(prefix, high),
                qubits[level])


def _transposition(qc: QuantumCircuit, sys: list[int], a: int, b: int, controls: list[int],
                   values: list[int]) -> None:
    """Swap basis states |a⟩ ↔ |b⟩ of ``sys`` when the controls hold ``values``."""
    diff = a ^ b
    n = len(sys)
    diff_bits = [i for i in range(n) if (diff >> i) & 1]
    pivot = diff_bits[0]
    others = diff_bits[1:]
    # After the CNOTs, a and b differ only in the pivot; a is the one with pivot bit 0 or 1.
    base = a if not (a >> pivot) & 1 else b
    for q in others:
        qc.cx(sys[pivot], sys[q])
    rest = [i for i in range(n) if i != pivot]
    _mc(qc, XGate(), controls + [sys[i] for i in rest],
        values + [(base >> i) & 1 for i in rest], sys[pivot])
    for q in reversed(others):
        qc.cx(sys[pivot], sys[q])


def permutation_transpositions(perm: np.ndarray) -> list[tuple[int, int]]:
    """Transpositions τ_1, τ_2, … (applied in order) whose product maps j ↦ perm[j]."""
    seen = np.zeros(perm.size, dtype=bool)
    out = []
    for start in range(perm.size):
        if seen[start] or perm[start] == start:
            seen[start] = True
            continue
        cycle = [start]
        seen[start] = True
        nxt = int(perm[start])
        while nxt != start:
            cycle.append(nxt)
            seen[nxt] = True
            nxt = int(perm[nxt])
        # cycle c0 → c1 → … → c_{k-1} → c0 = (c_{k-2} c_{k-1}) first, …, (c0 c1) last
        for i in range(len(cycle) - 2, -1, -1):
            out.append((cycle[i], cycle[i + 1]))
    return out


def cancel_adjacent_x(qc: QuantumCircuit) -> QuantumCircuit:
    """Drop pairs of X gates on a qubit with nothing in between on that qubit.

    The open-control conjugations of consecutive multi-controlled gates produce many such
    pairs; removing them changes no unitary.
    """
    keep = [True] * len(qc.data)
    last_x: dict = {}
    for pos, inst in enumerate(qc.data):
        if inst.operation.name == "x" and len(inst.qubits) == 1:
            q = inst.qubits[0]
            if q in last_x:
                keep[last_x.pop(q)] = False
                keep[pos] = False
            else:
                last_x[q] = pos
        else:
            for q in inst.qubits:
                last_x.pop(q, None)
    out = qc.copy_empty_like()
    for flag, inst in zip(keep, qc.data):
        if flag:
            out.append(inst, copy=False)
    return out


# ---------------------------------------------------------------------------------------------
# The generic sparse encoding


def _num_bits(count: int) -> int:
    return max(1, int(np.ceil(np.log2(max(count, 1)))))


def _pad_square(B: sp.spmatrix) -> tuple[sp.csr_matrix, int]:
    """B padded with an identity block to 2^n × 2^n (n ≥ 1)."""
    rows, cols = B.shape
    if rows != cols:
        raise ValueError(f"block encoding needs a square matrix, got {B.shape}")
    n = _num_bits(rows)
    size = 2**n
    if size == rows:
        return sp.csr_matrix(B, dtype=float), n
    pad = sp.identity(size - rows, format="csr")
    return sp.csr_matrix(sp.block_diag([B, pad], format="csr"), dtype=float), n


def _append_sparse_select(qc: QuantumCircuit, classes: list[ColourClass], weights: np.ndarray,
                          sys: list[int], colour: list[int], flag: int, controls: list[int],
                          values: list[int]) -> dict:
    """O_C · O_A for the colour classes (both optionally controlled); returns gate tallies."""
    m = len(colour)
    rotations = transpositions = 0
    for k, cls in enumerate(classes):
        if weights[k] == 0:
            continue
        cvals = _bits(k, m)
        ratio = np.clip(cls.values / weights[k], -1.0, 1.0)
        angles = 2 * np.arccos(ratio)
        # Default angle of this colour = the most common one (π: unstored, 0: stored w_ℓ).
        uniq, counts = np.unique(np.round(angles, 12), return_counts=True)
        default = float(uniq[np.argmax(counts)])
        if abs(default) > 1e-12:
            _mc(qc, RYGate(default), controls + colour, values + cvals, flag)
            rotations += 1
        for j in np.flatnonzero(np.abs(angles - default) > 1e-12):
            _mc(qc, RYGate(float(angles[j] - default)), controls + colour + sys,
                values + cvals + _bits(int(j), len(sys)), flag)
            rotations += 1
    for k, cls in enumerate(classes):
        if weights[k] == 0:
            continue
        for a, b in permutation_transpositions(cls.perm):
            _transposition(qc, sys, a, b, controls + colour, values + _bits(k, m))
            transpositions += 1
    return {"entry_rotations": rotations, "transpositions": transpositions}


def sparse_block_encoding(B: sp.spmatrix | np.ndarray, name: str = "u_a") -> BlockEncoding:
    """(α, m+1, 0) block encoding of a real square matrix, padded with identity to 2^n."""
    B = sp.csr_matrix(B, dtype=float)
    if np.iscomplexobj(B.data):
        raise ValueError("only real matrices are supported")
    padded, n = _pad_square(B)
    classes = colour_classes(padded)
    weights = np.array([c.weight for c in classes])
    alpha = float(weights.sum())
    m = _num_bits(len(classes))
    sys = list(range(n))
    flag = n
    colour = list(range(n + 1, n + 1 + m))
    outer = QuantumCircuit(n + 1 + m)
    amps = np.zeros(2**m)
    amps[:len(classes)] = np.sqrt(weights / alpha)
    prepare_real_amplitudes(outer, colour, amps)
    tally: dict = {}

    def select(qc: QuantumCircuit, controls: list, values: list) -> None:
        tally.update(_append_sparse_select(qc, classes, weights, sys, colour, flag, controls,
                                           values))

    qc = QuantumCircuit(n + 1 + m, name=name)
    qc.compose(outer, inplace=True)
    select(qc, [], [])
    qc.compose(outer.inverse(), inplace=True)
    qc = cancel_adjacent_x(qc)
    structure = {
        "construction": "weighted-permutation sparse access (GSLW Lemma 48 / Lin §6.5)",
        "colours": len(classes),
        "colour_weights": weights.tolist(),
        "prep_calls": 2,
        "entry_oracle_calls": 1,
        "column_oracle_calls": 1,
        **tally,
    }
    return BlockEncoding(circuit=qc, alpha=alpha, num_system=n, num_ancillas=1 + m,
                         matrix=padded, structure=structure, outer=outer, select=select)


# ---------------------------------------------------------------------------------------------
# The structured encoding of the history matrix A = I − S ⊗ M


@dataclass(frozen=True)
class HistoryLayout:
    """Where entry (t, p) of the history vector lives: system index t·2^β + p."""

    steps: int
    block: int           # Δ
    block_bits: int      # β
    time_bits: int       # τ

    @property
    def num_system(self) -> int:
        return self.block_bits + self.time_bits

    @property
    def dimension(self) -> int:
        return (self.steps + 1) * self.block

    def padded_indices(self) -> np.ndarray:
        """System index of each unpadded history index (t·Δ + p ↦ t·2^β + p)."""
        t, p = np.divmod(np.arange(self.dimension), self.block)
        return t * 2**self.block_bits + p

    def to_dict(self) -> dict:
        return {"steps": self.steps, "block_size": self.block,
                "padded_block_size": 2**self.block_bits, "block_bits": self.block_bits,
                "time_bits": self.time_bits}


def history_layout(block: int, steps: int) -> HistoryLayout:
    return HistoryLayout(steps=steps, block=block, block_bits=_num_bits(block),
                         time_bits=_num_bits(steps + 1))


def _pad_zero(M: sp.spmatrix, size: int) -> sp.csr_matrix:
    coo = sp.coo_matrix(M)
    return sp.csr_matrix((coo.data, (coo.row, coo.col)), shape=(size, size))


def padded_history_matrix(M: sp.spmatrix, steps: int) -> sp.csr_matrix:
    """A_pad = I − S_T ⊗ M_pad in the system-index layout (reference for tests)."""
    layout = history_layout(M.shape[0], steps)
    size_b, size_t = 2**layout.block_bits, 2**layout.time_bits
    M_pad = _pad_zero(M, size_b)
    shift = sp.diags(np.r_[np.ones(steps), np.zeros(size_t - 1 - steps)], -1,
                     shape=(size_t, size_t))
    return sp.csr_matrix(sp.identity(size_b * size_t) - sp.kron(shift, M_pad))


def history_block_encoding(M: sp.spmatrix, steps: int, name: str = "u_a") -> BlockEncoding:
    """(1 + α_M, m+3, 0) encoding of A = I − S_T ⊗ M (see the module docstring)."""
    M = sp.csr_matrix(M, dtype=float)
    layout = history_layout(M.shape[0], steps)
    beta, tau = layout.block_bits, layout.time_bits
    M_pad = _pad_zero(M, 2**beta)
    classes = colour_classes(M_pad)
    weights = np.array([c.weight for c in classes])
    alpha_m = float(weights.sum())
    m = _num_bits(len(classes))
    n = beta + tau
    block_q = list(range(beta))
    time_q = list(range(beta, n))
    flag, flag_s, lcu = n, n + 1, n + 2
    colour = list(range(n + 3, n + 3 + m))
    alpha = 1.0 + alpha_m
    outer = QuantumCircuit(n + 3 + m)
    outer.ry(2 * np.arccos(np.sqrt(1.0 / alpha)), lcu)
    amps = np.zeros(2**m)
    amps[:len(classes)] = np.sqrt(weights / alpha_m)
    prepare_real_amplitudes(outer, colour, amps)
    tally: dict = {}

    def select(qc: QuantumCircuit, controls: list, values: list) -> None:
        ctl, val = [lcu] + controls, [1] + values
        tally.update(_append_sparse_select(qc, classes, weights, block_q, colour, flag, ctl, val))
        # S_T: flag columns t >= T (their image would leave the history), then t -> t + 1.
        for t in range(steps, 2**tau):
            _mc(qc, XGate(), ctl + time_q, val + _bits(t, tau), flag_s)
        for i in range(tau - 1, -1, -1):
            _mc(qc, XGate(), ctl + time_q[:i], val + [1] * i, time_q[i])
        # the minus sign of −S⊗M: Z on the LCU qubit (controlled on the extra controls)
        if controls:
            qc.h(lcu)
            _mc(qc, XGate(), controls, values, lcu)
            qc.h(lcu)
        else:
            qc.z(lcu)

    qc = QuantumCircuit(n + 3 + m, name=name)
    qc.compose(outer, inplace=True)
    select(qc, [], [])
    qc.compose(outer.inverse(), inplace=True)
    qc = cancel_adjacent_x(qc)
    structure = {
        "construction": "LCU of I and S_T⊗M; M by weighted-permutation sparse access",
        "alpha_M": alpha_m,
        "colours": len(classes),
        "colour_weights": weights.tolist(),
        "layout": layout.to_dict(),
        **tally,
        "incrementer_mcx": tau,
        "boundary_flag_mcx": 2**tau - steps,
    }
    return BlockEncoding(circuit=qc, alpha=alpha, num_system=n, num_ancillas=3 + m,
                         matrix=padded_history_matrix(M, steps), structure=structure,
                         outer=outer, select=select)


# ---------------------------------------------------------------------------------------------
# Gate counts for comparison with the Qualtran bloqs


def block_encoding_gate_counts(A) -> dict:
    """Counts of the explicit block-encoding circuit of ``A``.

    ``A`` is a sparse/dense square matrix (generic encoding) or a CarlemanSystem (history
    encoding). Returned: the high-level counts by gate type and number of controls
    (e.g. ``"mcx_5"``, ``"mcry_9"``), the structure summary, and the counts after Qiskit's
    ``transpile(basis_gates=["cx", "u"], optimization_level=0)`` (multi-controlled gates
    decomposed by Qiskit's default synthesis, ancilla-free).
    """
    from qiskit import transpile

    if hasattr(A, "M") and hasattr(A, "steps"):
        be = history_block_encoding(A.M, A.steps)
    else:
        be = sparse_block_encoding(A)
    high: dict[str, int] = {}
    for inst in be.circuit.data:
        op = inst.operation
        if getattr(op, "num_ctrl_qubits", 0):
            key = f"mc{op.base_gate.name}_{op.num_ctrl_qubits}"
        else:
            key = op.name
        high[key] = high.get(key, 0) + 1
    low = transpile(be.circuit, basis_gates=["cx", "u"], optimization_level=0).count_ops()
    return {"alpha": be.alpha, "system_qubits": be.num_system, "ancillas": be.num_ancillas,
            "high_level": dict(sorted(high.items())), "cx_u": dict(low),
            "structure": be.structure}
