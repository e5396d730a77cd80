"""Gate helpers of the explicit circuits: multi-controlled X/RY with explicit control values,
real amplitude loading, permutations as transpositions, and X-pair cancellation.

Every multi-qubit gate these helpers emit is an all-ones multi-controlled X (open controls are
X-conjugated), which Aer, Cirq and OpenQASM know natively. Qiskit's ``ctrl_state`` bit i belongs
to control i; here control values are given as explicit lists instead.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit.library import RYGate, XGate

__all__ = ["append_controlled", "append_transposition", "bit_values", "cancel_adjacent_x",
           "fold_x_into_controls", "mcx_gate", "permutation_transpositions", "prepare_real_amplitudes"]


_MCX: dict[int, object] = {}


def mcx_gate(num_controls: int):
    """One shared X-with-k-controls instance per k, so exporters emit one definition per k."""
    if num_controls not in _MCX:
        _MCX[num_controls] = XGate().control(num_controls)
    return _MCX[num_controls]


def append_controlled(qc: QuantumCircuit, gate, controls: list[int], values: list[int], target: int) -> None:
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


def bit_values(value: int, width: int) -> list[int]:
    """The ``width`` low bits of ``value``, least significant first (Qiskit's qubit order)."""
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
            append_controlled(qc, RYGate(float(theta)), list(qubits[level + 1:]), bit_values(prefix, high),
                qubits[level])


def append_transposition(qc: QuantumCircuit, sys: list[int], a: int, b: int, controls: list[int],
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
    append_controlled(qc, XGate(), controls + [sys[i] for i in rest],
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


def fold_x_into_controls(qc: QuantumCircuit) -> QuantumCircuit:
    """The same unitary with X gates absorbed into the controls of multi-controlled X gates.

    X gates are held back per qubit (a pending-X frame) instead of being emitted. A controlled X
    whose control c has a pending X becomes open on c (X·C_c·X = C_c with control value 0); a
    pending X on its target commutes with it and stays pending. Any other instruction first
    emits the pending X on its qubits; the rest are emitted at the end. Adjacent X pairs cancel
    on the way. The X conjugations of :func:`append_controlled` thus become open controls,
    which OpenQASM 3 writes as ``negctrl`` modifiers.
    """
    out = qc.copy_empty_like()
    pending: set = set()

    def flush(qubits) -> None:
        for q in qubits:
            if q in pending:
                pending.discard(q)
                out.x(q)

    for inst in qc.data:
        op = inst.operation
        if op.name == "x" and len(inst.qubits) == 1:
            pending ^= {inst.qubits[0]}
            continue
        if getattr(op, "base_gate", None) is not None and op.base_gate.name == "x" \
                and not op.base_gate.params and op.num_qubits == op.num_ctrl_qubits + 1:
            controls = inst.qubits[:-1]
            state = op.ctrl_state
            for i, c in enumerate(controls):
                if c in pending:
                    state ^= 1 << i
            out.append(XGate().control(len(controls), ctrl_state=state), inst.qubits, copy=False)
            continue
        flush(inst.qubits)
        out.append(inst, copy=False)
    flush([q for q in qc.qubits if q in pending])
    return out
