"""A Qualtran circuit of the term-label block encoding for tiny concrete instances (n = 2, N ≥ 2).

The estimates cost :class:`~qmlc.circuits.bloqs.history_labels.HistoryLabelBlockEncoding` from its
call graph. This module realizes the same maps U_A = V_R† · SWAP · O_A · V_C with real Qualtran
bloqs — QROM (classical data of :mod:`qmlc.circuits.bloqs.history_label_tables`), Add, CNOT, Swap,
LessThanConstant, controlled Ry, PrepareUniformSuperposition — as a sequence of *stages* that
all act on the same registers

    system (m) · label (w) · e (m) · flags (N + 1) · work (slot register, temporaries),

each stage either classical reversible (QROMs, adders, copies: simulated with Qualtran's
``call_classically``) or a layer of small quantum gates (the uniform slot superposition, the
G_0 amplitude-loading Ry, the flag rotations: applied with their Qualtran tensors). A sparse
branch simulation of the stages (:func:`simulate_block`) gives the ancilla-|0⟩ block.

As in the factored cost model: the row side writes col(λ) factor by factor (a QROM over
(term, component m) per position, its output already placed at the term's digit offset, so no
controlled SWAPs are needed) and the column level from the term; O_A has N + 1 flags, a
term-constant angle from a QROM over (predicate [t < T], term) and per position m an angle
from a QROM over (term, component m); G_0 is loaded by one Ry per G_0 factor position (n = 2:
one digit bit), controlled by a bit looked up from the term. Different, by design of a
*tiny-instance* circuit: the label itself is written whole by one QROM over (level, digits,
slot) and cleared by its inverse table (dense, 2^(lb + N·db + w) words), instead of the term
preparation and per-factor pointer lookups; the column side's row digits are copied from the
label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import attrs
import numpy as np
from qualtran import Bloq, BloqBuilder, QAny, QUInt, Signature, SoquetT
from qualtran.bloqs.arithmetic import Add, LessThanConstant
from qualtran.bloqs.basic_gates import CNOT, Ry, Swap
from qualtran.bloqs.data_loading import QROM
from qualtran.bloqs.state_preparation import PrepareUniformSuperposition

from qmlc.circuits.bits import bits_for
from qmlc.circuits.bloqs.history_decomposition import diffusion
from qmlc.circuits.bloqs.history_label_tables import (
    LabelTables,
    column_side,
    factor_entry,
    factor_value,
    row_side,
)

REGISTERS = ("system", "label", "e", "flag", "work")



@dataclass(frozen=True)
class LabelCircuitData:
    """Integer tables of the circuit, built from :class:`LabelTables` (all T-independent)."""

    tab: LabelTables
    value_bits: int
    term_bits: int
    comp_bits: int
    work_bits: int
    row_labels: np.ndarray     # [(level, digits), slot] → label, then its inverse
    col_labels: np.ndarray
    row_inverse: np.ndarray    # [(level, digits), label] → slot
    col_inverse: np.ndarray
    col_level: np.ndarray      # [term, level] → level of col(λ) (row side)
    col_digits: tuple          # per position m: [term, component] → its column digits, placed
    row_target: np.ndarray     # [(term, level)] → level of row(λ) (column side)
    shift: np.ndarray          # [term] → 1 for −S ⊗ M terms
    g0_bits: np.ndarray        # [term] → bit m set when factor m is G_0
    g0_angle: float            # Ry angle preparing G_0/γ on one digit bit
    term_angles: np.ndarray    # [predicate, term] → b-bit angle of the term constant
    factor_angles: tuple       # per position m: [term, component] → angle of G_ℓ[entry]/g_ℓ

    @property
    def label_bits(self) -> int:
        return self.term_bits + self.tab.order * self.comp_bits

    @property
    def low_bits(self) -> int:
        """(level, digits): the part of the system register the label tables read."""
        return self.tab.level_bits + self.tab.order * self.tab.digit_bits


def _encode(tab: LabelTables, term_bits: int, comp_bits: int, label) -> int:
    """Label tuple → integer: term index (0 identity, 1 + t terms, last dummy) · components
    (dummy half bit, digit, slot)."""
    db = tab.digit_bits
    kb = comp_bits - 1 - db
    head, comps = label
    code = 0 if head == "id" else 1 + head
    for comp in comps:
        if comp[0] == "dummy":
            value = (1 << (db + kb)) | (comp[1] << kb) | comp[2]
        else:
            value = (comp[0] << kb) | comp[1]
        code = (code << comp_bits) | value
    return code


def label_circuit_data(tab: LabelTables, value_bits: int) -> LabelCircuitData:
    """Dense tables for a tiny instance (n = 2: G_0 loading is one rotation)."""
    if tab.n != 2:
        raise ValueError("the stage circuit loads G_0 with one Ry: n = 2 only")
    N, db, lb = tab.order, tab.digit_bits, tab.level_bits
    terms = tab.structure.terms
    term_bits = bits_for(len(terms) + 2)
    comp_bits = 1 + db + tab.slot_bits
    w = term_bits + N * comp_bits
    dummy = len(terms) + 1
    s_r, s_c = tab.structure.row_slots, tab.structure.col_slots
    low = lb + N * db
    slot_bits = max(bits_for(s_r), bits_for(s_c))
    work_bits = max(slot_bits, value_bits + 1, N, tab.time_bits)
    enc = lambda label: _encode(tab, term_bits, comp_bits, label)  # noqa: E731

    def side_tables(side: str, slots: int):
        labels = np.zeros((2**low, 2**slot_bits), dtype=int)
        inverse = np.zeros((2**low, 2**w), dtype=int)
        for x in range(2**low):
            index = x                      # time 0: the tables do not read the time
            if side == "row":
                listed = [enc(lab) for lab in row_side(tab, index)]
            else:
                seen, listed = set(), []
                for lab, _, _ in column_side(tab, index):
                    ells = () if lab[0] == "id" else terms[lab[0]]
                    comps = tuple((0, 0) if m < len(ells) and ells[m] == 0 else c
                                  for m, c in enumerate(lab[1]))
                    code = enc((lab[0], comps))
                    if code not in seen:
                        seen.add(code)
                        listed.append(code)
            assert len(listed) <= slots
            used = set(listed)
            filler = (c for c in range(dummy << (N * comp_bits), 2**w) if c not in used)
            for slot in range(2**slot_bits):
                code = listed[slot] if slot < len(listed) else next(filler)
                labels[x, slot] = code
                inverse[x, code] = slot
        return labels, inverse

    row_labels, row_inverse = side_tables("row", s_r)
    col_labels, col_inverse = side_tables("column", s_c)
    quarter = 2**value_bits // 4                       # cos = 0: a zero amplitude

    def angle(f: float) -> int:
        frac = math.acos(max(-1.0, min(1.0, f))) / (2 * math.pi)
        return round(frac * 2**value_bits) % 2**value_bits

    kb = tab.slot_bits
    # row side, factor by factor: entry (digit, slot) of G_ℓ → its ℓ column digits, placed at
    # the term's offset (disjoint per factor, so the lookups' XORs concatenate)
    col_level = np.zeros((2**term_bits, 2**lb), dtype=int)
    col_level[0, :] = np.arange(2**lb)                     # identity: the row's own level
    col_digits = [np.zeros((2**term_bits, 2**comp_bits), dtype=int) for _ in range(N)]
    for comp in range(2**(db + kb)):
        for m in range(N):
            col_digits[m][0, comp] = (comp >> kb) << (db * (N - 1 - m))
    for t, ells in enumerate(tab.structure.terms):
        col_level[1 + t, :] = sum(ells) - 1
        offset = 0
        for m, ell in enumerate(ells):
            for comp in range(2**(db + kb)):
                hit = factor_entry(tab, ell, comp >> kb, comp & (2**kb - 1)) if ell else None
                if hit:
                    col_digits[m][1 + t, comp] = sum(
                        c << (db * (N - 1 - offset - r)) for r, c in enumerate(hit[0]))
            offset += ell
    a = tab.structure.term_norm
    term_angles = np.full((2, 2**term_bits), quarter, dtype=int)   # dummy terms: zero
    term_angles[:, 0] = angle(1 / a)
    for t, norm in enumerate(tab.structure.term_norms):
        term_angles[1, 1 + t] = angle(-norm / a)
    factor_angles = []
    for m in range(N):
        table = np.zeros((2**term_bits, 2**comp_bits), dtype=int)   # 1 unless a G_ℓ factor
        for t, ells in enumerate(tab.structure.terms):
            ell = ells[m] if m < len(ells) else 0
            if ell == 0:
                continue
            for comp in range(2**comp_bits):
                dummy, digit = comp >> (db + kb), (comp >> kb) & (2**db - 1)
                value = 0.0 if dummy else factor_value(tab, ell, (digit, comp & (2**kb - 1)))
                table[1 + t, comp] = angle(value)
        factor_angles.append(table)
    row_target = np.zeros((2**term_bits, 2**lb), dtype=int)
    shift = np.zeros(2**term_bits, dtype=int)
    g0_bits = np.zeros(2**term_bits, dtype=int)
    for level in range(2**lb):
        row_target[0, level] = level
    for t, ells in enumerate(terms):
        row_target[1 + t, :] = len(ells) - 1
        shift[1 + t] = 1
        g0_bits[1 + t] = sum(1 << m for m, e in enumerate(ells) if e == 0)
    g = tab.g0 / tab.g0_norm if tab.g0_norm > 0 else np.array([1.0, 0.0])
    return LabelCircuitData(
        tab=tab, value_bits=value_bits, term_bits=term_bits, comp_bits=comp_bits,
        work_bits=work_bits, row_labels=row_labels, col_labels=col_labels,
        row_inverse=row_inverse, col_inverse=col_inverse, col_level=col_level,
        col_digits=tuple(col_digits),
        row_target=row_target, shift=shift, g0_bits=g0_bits,
        g0_angle=2 * math.atan2(g[1], g[0]), term_angles=term_angles,
        factor_angles=tuple(factor_angles))


# --- register plumbing --------------------------------------------------------------------


class _Regs:
    """Bit lists of the five registers inside a stage's composite."""

    def __init__(self, bb: BloqBuilder, soqs: dict):
        self.bb = bb
        self.bits = {name: list(bb.split(soqs[name])) for name in REGISTERS}

    def join(self, pieces: list, dtype=None):
        bits = [b for name, lo, hi in pieces for b in self.bits[name][lo:hi]]
        return self.bb.join(np.array(bits), dtype=dtype or QAny(len(bits)))

    def put(self, pieces: list, soq) -> None:
        bits = self.bb.split(soq)
        k = 0
        for name, lo, hi in pieces:
            self.bits[name][lo:hi] = bits[k:k + hi - lo]
            k += hi - lo

    def out(self) -> dict:
        return {name: self.bb.join(np.array(self.bits[name])) for name in REGISTERS}


def _signature(d: LabelCircuitData) -> Signature:
    tab = d.tab
    return Signature.build_from_dtypes(system=QAny(tab.system_bits), label=QAny(d.label_bits),
                                       e=QAny(tab.system_bits), flag=QAny(tab.order + 1),
                                       work=QAny(d.work_bits))


def _low(d: LabelCircuitData, reg: str) -> tuple:
    """(level, digits) bits of a system-sized register (after the time bits)."""
    return (reg, d.tab.time_bits, d.tab.system_bits)


def _time(d: LabelCircuitData, reg: str) -> tuple:
    return (reg, 0, d.tab.time_bits)


def _work(d: LabelCircuitData, count: int) -> tuple:
    """The lowest ``count`` bits of the work register."""
    return ("work", d.work_bits - count, d.work_bits)


def _term(d: LabelCircuitData) -> tuple:
    return ("label", 0, d.term_bits)


def _component(d: LabelCircuitData, m: int) -> tuple:
    start = d.term_bits + m * d.comp_bits
    return ("label", start, start + d.comp_bits)


def _lookup(r: _Regs, table: np.ndarray, selections: list, target: tuple, width: int) -> None:
    """target ^= table[selections] by one QROM (a multi-dimensional one for several inputs)."""
    qrom = QROM.build_from_data(table, target_bitsizes=(width,))
    names = [f"selection{k}" for k in range(len(selections))] if len(selections) > 1 else \
        ["selection"]
    sel = {name: r.join([piece]) for name, piece in zip(names, selections)}
    *outs, tgt = r.bb.add(qrom, **sel, target0_=r.join([target]))
    for piece, soq in zip(selections, outs):
        r.put([piece], soq)
    r.put([target], tgt)


# --- stages -------------------------------------------------------------------------------


@attrs.frozen
class SlotSuperposition(Bloq):
    """Uniform superposition over ``slots`` values on the low work bits (or its adjoint)."""

    data: LabelCircuitData = attrs.field(eq=False)
    slots: int
    inverse: bool = False

    @cached_property
    def signature(self) -> Signature:
        return _signature(self.data)

    @cached_property
    def prep(self) -> Bloq:
        return PrepareUniformSuperposition(self.slots)

    def build_composite_bloq(self, bb: BloqBuilder, **soqs) -> dict:
        part = diffusion(self.slots, self.data.work_bits)
        soqs["work"] = bb.add(part.adjoint() if self.inverse else part, target=soqs["work"])
        return soqs

    def apply(self, state: dict) -> dict:
        """Branch simulation with the bloq's own tensor."""
        unitary = self.prep.tensor_contract()
        unitary = unitary.conj().T if self.inverse else unitary
        k = bits_for(self.slots)
        out: dict = {}
        for key, amp in state.items():
            low = key[4] & (2**k - 1)
            for value in np.flatnonzero(np.abs(unitary[:, low]) > 1e-15):
                new = key[:4] + ((key[4] & ~(2**k - 1)) | int(value),)
                out[new] = out.get(new, 0) + amp * unitary[value, low]
        return out


@attrs.frozen
class ClassicalStage(Bloq):
    """A reversible classical stage; ``kind`` names which (see :func:`_build_classical`)."""

    data: LabelCircuitData = attrs.field(eq=False)
    kind: str
    inverse: bool = False

    @cached_property
    def signature(self) -> Signature:
        return _signature(self.data)

    def build_composite_bloq(self, bb: BloqBuilder, **soqs) -> dict:
        r = _Regs(bb, soqs)
        _build_classical(self.data, self.kind, self.inverse, r)
        return r.out()

    def apply(self, state: dict) -> dict:
        cbloq = self.decompose_bloq()
        out: dict = {}
        for key, amp in state.items():
            vals = cbloq.call_classically(**dict(zip(REGISTERS, key)))
            new = tuple(int(v) for v in vals)
            out[new] = out.get(new, 0) + amp
        return out

    def __str__(self) -> str:
        return f"Classical[{self.kind}{'†' if self.inverse else ''}]"


def _classical_ops(d: LabelCircuitData, kind: str) -> list:
    """The self-inverse (or, for additions, negatable) operations of a classical stage."""
    tab, w, tb = d.tab, d.label_bits, d.tab.time_bits
    slot = _work(d, bits_for(d.row_labels.shape[1]))
    label = ("label", 0, w)
    if kind in ("row_labels", "column_labels"):
        table = d.row_labels if kind == "row_labels" else d.col_labels
        inverse = d.row_inverse if kind == "row_labels" else d.col_inverse
        return [("lookup", table, [_low(d, "system"), slot], label, w),
                ("lookup", inverse, [_low(d, "system"), label], slot, slot[2] - slot[1])]
    if kind in ("row_target", "column_target"):
        # E time = t ∓ δ(term): copy t, add the term's (∓δ mod 2^tb), then (level, digits)
        delta = d.shift if kind == "column_target" else (-d.shift) % 2**tb
        ops = [("copy_time",), ("add_delta", delta)]
        if kind == "row_target":      # (level, digits) of col(λ) from the whole label
            level = ("system", tb, tb + tab.level_bits)
            digits = ("e", tb + tab.level_bits, tab.system_bits)
            return ops + [("lookup", d.col_level, [_term(d), level],
                           ("e", tb, tb + tab.level_bits), tab.level_bits)] + [
                ("lookup", d.col_digits[m], [_term(d), _component(d, m)], digits,
                 tab.order * tab.digit_bits) for m in range(tab.order)]
        level = ("system", tb, tb + tab.level_bits)
        return ops + [("copy_digits",),
                      ("lookup", d.row_target, [_term(d), level],
                       ("e", tb, tb + tab.level_bits), tab.level_bits)]
    if kind == "g0_bits":
        return [("lookup", d.g0_bits, [_term(d)], _work(d, tab.order), tab.order)]
    if kind == "predicate":
        pred = _work(d, d.value_bits + 1)
        return [("predicate", (pred[0], pred[1], pred[1] + 1))]
    if kind == "term_angle":
        pred = _work(d, d.value_bits + 1)
        return [("lookup", d.term_angles, [(pred[0], pred[1], pred[1] + 1), _term(d)],
                 _work(d, d.value_bits), d.value_bits)]
    if kind.startswith("factor_angle"):
        m = int(kind[len("factor_angle"):])
        start = d.term_bits + m * d.comp_bits
        return [("lookup", d.factor_angles[m], [_term(d), ("label", start, start + d.comp_bits)],
                 _work(d, d.value_bits), d.value_bits)]
    if kind == "swap":
        return [("swap",)]
    raise ValueError(kind)


def _build_classical(d: LabelCircuitData, kind: str, inverse: bool, r: _Regs) -> None:
    tab, tb = d.tab, d.tab.time_bits
    ops = _classical_ops(d, kind)
    for op in reversed(ops) if inverse else ops:
        if op[0] == "lookup":
            _lookup(r, *op[1:])
        elif op[0] == "copy_time":
            for k in range(tb):
                c, t = r.bb.add(CNOT(), ctrl=r.bits["system"][k], target=r.bits["e"][k])
                r.bits["system"][k], r.bits["e"][k] = c, t
        elif op[0] == "add_delta":
            delta = (-op[1]) % 2**tb if inverse else op[1]
            tmp = _work(d, tb)
            _lookup(r, delta, [_term(d)], tmp, tb)
            a, b = r.bb.add(Add(QUInt(tb)), a=r.join([tmp], QUInt(tb)),
                            b=r.join([_time(d, "e")], QUInt(tb)))
            r.put([tmp], a)
            r.put([_time(d, "e")], b)
            _lookup(r, delta, [_term(d)], tmp, tb)
        elif op[0] == "copy_digits":    # row digits = the components' digit fields
            db = tab.digit_bits
            for m in range(tab.order):
                for k in range(db):
                    src = d.term_bits + m * d.comp_bits + 1 + k
                    dst = tb + tab.level_bits + m * db + k
                    c, t = r.bb.add(CNOT(), ctrl=r.bits["label"][src], target=r.bits["e"][dst])
                    r.bits["label"][src], r.bits["e"][dst] = c, t
        elif op[0] == "predicate":
            t, p = r.bb.add(LessThanConstant(tb, tab.steps), x=r.join([_time(d, "system")]),
                            target=r.join([op[1]]))
            r.put([_time(d, "system")], t)
            r.put([op[1]], p)
        elif op[0] == "swap":
            full = tab.system_bits
            x, y = r.bb.add(Swap(full), x=r.join([("system", 0, full)]),
                            y=r.join([("e", 0, full)]))
            r.put([("system", 0, full)], x)
            r.put([("e", 0, full)], y)


@attrs.frozen
class RotationLayer(Bloq):
    """Controlled Ry gates: G_0 loading (ctrl work bit m → digit bit of component m) or one
    flag's rotations (b angle bits → flag ``flag``, Ry(4π·2^-(k+1)) each)."""

    data: LabelCircuitData = attrs.field(eq=False)
    kind: str   # "g0" or "flag"
    flag: int = 0

    @cached_property
    def signature(self) -> Signature:
        return _signature(self.data)

    def gates(self) -> list:
        """(Ry angle, control (register, bit), target (register, bit))."""
        d = self.data
        if self.kind == "g0":
            first = d.work_bits - d.tab.order
            return [(d.g0_angle, ("work", first + (d.tab.order - 1 - m)),
                     ("label", d.term_bits + m * d.comp_bits + 1))
                    for m in range(d.tab.order)]
        first = d.work_bits - d.value_bits
        return [(4 * math.pi * 2.0 ** -(k + 1), ("work", first + k), ("flag", self.flag))
                for k in range(d.value_bits)]

    def build_composite_bloq(self, bb: BloqBuilder, **soqs) -> dict:
        r = _Regs(bb, soqs)
        for angle, (cr, ci), (tr, ti) in self.gates():
            c, t = bb.add(Ry(angle).controlled(), ctrl=r.bits[cr][ci], q=r.bits[tr][ti])
            r.bits[cr][ci], r.bits[tr][ti] = c, t
        return r.out()

    def apply(self, state: dict) -> dict:
        widths = dict(zip(REGISTERS, (self.data.tab.system_bits, self.data.label_bits,
                                      self.data.tab.system_bits, self.data.tab.order + 1,
                                      self.data.work_bits)))
        index = {name: k for k, name in enumerate(REGISTERS)}
        for angle, (cr, ci), (tr, ti) in self.gates():
            ry = Ry(angle).tensor_contract()
            cbit, tbit = widths[cr] - 1 - ci, widths[tr] - 1 - ti   # big-endian registers
            out: dict = {}
            for key, amp in state.items():
                if not (key[index[cr]] >> cbit) & 1:
                    out[key] = out.get(key, 0) + amp
                    continue
                old = (key[index[tr]] >> tbit) & 1
                for new in (0, 1):
                    value = (key[index[tr]] & ~(1 << tbit)) | (new << tbit)
                    nk = tuple(value if k == index[tr] else v for k, v in enumerate(key))
                    out[nk] = out.get(nk, 0) + amp * ry[new, old]
            state = {k: v for k, v in out.items() if abs(v) > 1e-15}
        return state

    def __str__(self) -> str:
        return f"CRy[{self.kind}{self.flag if self.kind == 'flag' else ''}]"


def label_stages(d: LabelCircuitData) -> list:
    """U_A = V_R† · SWAP · O_A · V_C as a list of stages; an inverse classical stage runs its
    (XOR-lookup, copy) operations in reverse order and negates its additions."""
    s_r, s_c = d.tab.structure.row_slots, d.tab.structure.col_slots
    c = lambda kind, inv=False: ClassicalStage(d, kind, inv)  # noqa: E731
    v_c = [SlotSuperposition(d, s_c), c("column_labels"), c("g0_bits"), RotationLayer(d, "g0"),
           c("g0_bits"), c("column_target")]
    o_a = [c("predicate")]
    for flag, kind in enumerate(["term_angle"] + [f"factor_angle{m}" for m in range(d.tab.order)]):
        o_a += [c(kind), RotationLayer(d, "flag", flag), c(kind)]
    o_a.append(c("predicate"))
    v_r_dagger = [c("row_target", True), c("row_labels", True),
                  SlotSuperposition(d, s_r, inverse=True)]
    return v_c + o_a + [c("swap")] + v_r_dagger


def build_stages(bb: BloqBuilder, d: LabelCircuitData, system: SoquetT, ancilla: SoquetT,
                 flags: int) -> dict:
    """The stages on ancilla = label · E · N + 1 flags, work allocated here."""
    assert flags == d.tab.order + 1
    bits = bb.split(ancilla)
    cuts = np.cumsum([d.label_bits, d.tab.system_bits])
    soqs = {"system": system, "label": bb.join(bits[:cuts[0]]),
            "e": bb.join(bits[cuts[0]:cuts[1]]), "flag": bb.join(bits[cuts[1]:]),
            "work": bb.allocate(d.work_bits)}
    for stage in label_stages(d):
        soqs = dict(zip(REGISTERS, bb.add(stage, **soqs)))
    bb.free(soqs["work"])
    anc = np.concatenate([bb.split(soqs["label"]), bb.split(soqs["e"]), bb.split(soqs["flag"])])
    return {"system": soqs["system"], "ancilla": bb.join(anc)}


def simulate_block(d: LabelCircuitData) -> np.ndarray:
    """⟨i, 0|U_A|j, 0⟩ for all basis i, j by branch simulation of the stages (complex: the
    two slot superpositions of different sizes leave a global phase, Qualtran's
    PrepareUniformSuperposition being exact only up to one)."""
    size = 2**d.tab.system_bits
    stages = label_stages(d)
    block = np.zeros((size, size), dtype=complex)
    for j in range(size):
        state = {(j, 0, 0, 0, 0): 1.0}
        for stage in stages:
            state = stage.apply(state)
        for (i, label, e, flag, work), amp in state.items():
            if label == 0 and e == 0 and flag == 0 and work == 0:
                block[i, j] += amp
    return block


__all__ = ["LabelCircuitData", "build_stages", "label_circuit_data", "label_stages", "simulate_block"]
