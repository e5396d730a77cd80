"""The factored history block encoding that the estimates cost, decomposed for concrete
first-order instances (circuits/bloqs/history_decomposition.py): its contracted block reproduces
A/α of the Carleman history matrix, its row/column oracles enumerate A's nonzeros (classical
simulation), and its decomposed qubit and gate counts are compared with the declared qubit
count and the symbolic cost formula, the differences asserted with their reason."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from qualtran import DecomposeTypeError
from qualtran.resource_counting import (
    QECGatesCost,
    QubitCount,
    SympySymbolAllocator,
    get_cost_value,
)

from qmlc.circuits.bits import bits_for
from qmlc.circuits.bloqs.explicit import block_of
from qmlc.compiler.carleman import history_system_reference
from qmlc.estimators.concrete_bloqs import concrete_block_encoding

VALUE_BITS = 6

# (n, T, G_1): T = 2 leaves a padding time block (T + 1 = 3 < 4), n = 3 a padding digit;
# T = 1 and 3 wrap the shift of block 0 onto block T (where A is zero)
INSTANCES = {
    "n2_T1": (2, 1, [[0.5, -0.3], [0.2, 0.4]]),
    "n2_T2": (2, 2, [[-0.7, 0.0], [0.6, 0.25]]),
    "n2_T3": (2, 3, [[0.5, -0.3], [0.2, 0.4]]),
    "n3_T1": (3, 1, [[0.5, -0.3, 0.0], [0.2, 0.0, 0.35], [0.0, -0.45, 0.15]]),
}
# counted, not contracted (one more time bit, same G_1 as n2_T1 and n2_T3)
COUNTED = {"n2_T7": (2, 7, INSTANCES["n2_T1"][2])}


def reference(n: int, steps: int, G1) -> tuple[np.ndarray, float, int]:
    """A = I − S ⊗ G_1 from scipy.sparse.kron, placed at layout index t·2^⌈log2 n⌉ + d of a
    2^system square (zero padding), with α = s_A·max(1, max|G_1|), s_A = 1 + the larger of
    G_1's row and column nonzero counts (Gilyén et al. 2019, Lemma 48)."""
    G1 = np.array(G1)
    A, _ = history_system_reference(sp.csr_matrix(G1), np.zeros(n), np.zeros(n), steps)
    A = A.tocoo()
    db = max(1, math.ceil(math.log2(n)))
    tb = max(1, math.ceil(math.log2(steps + 1)))
    size = 2 ** (tb + db)
    padded = np.zeros((size, size))
    padded[(A.row // n) * 2**db + A.row % n, (A.col // n) * 2**db + A.col % n] = A.data
    nz = G1 != 0
    s_A = 1 + int(max(nz.sum(axis=0).max(), nz.sum(axis=1).max()))
    return padded, s_A * max(1.0, float(np.abs(G1).max())), s_A


def quantized(x: np.ndarray, bits: int) -> np.ndarray:
    """What a b-bit angle register stores for x ∈ [−1, 1]: cos(2π·round(2^b·arccos(x)/2π)/2^b)."""
    frac = np.round(np.arccos(np.clip(x, -1, 1)) / (2 * np.pi) * 2**bits) / 2**bits
    return np.cos(2 * np.pi * frac)


def instance(name: str):
    n, steps, G1 = {**INSTANCES, **COUNTED}[name]
    G = (np.full(n, 0.1), sp.csr_matrix(np.array(G1)))
    be, _ = concrete_block_encoding(G, steps, VALUE_BITS)
    return be, reference(n, steps, G1)


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_contracted_block_is_history_matrix_over_alpha(name):
    be, (padded, alpha, s_A) = instance(name)
    assert be.layout.enum_sparsity == s_A
    assert float(be.alpha) == pytest.approx(alpha)
    block = block_of(be, be.layout.system_bits)
    a_max = alpha / s_A
    # exact against the b-bit angles, and within their resolution (|Δcos| ≤ π·2^-b) of A
    np.testing.assert_allclose(alpha * block, a_max * quantized(padded / a_max, VALUE_BITS),
                               atol=1e-9)
    assert np.abs(alpha * block - padded).max() <= a_max * math.pi * 2.0**-VALUE_BITS


def test_symbolic_instances_do_not_decompose():
    from qmlc.estimators.logical import N_SYM, T_SYM

    be, _ = instance("n2_T1")
    symbolic = type(be)(type(be.layout)(**{**_fields(be.layout), "n": N_SYM, "steps": T_SYM,
                                           "table_size": N_SYM * 3}), be.max_abs, be.model)
    for bloq in (symbolic, symbolic.row_oracle, symbolic.entry_oracle,
                 type(be)(be.layout, be.max_abs, be.model)):   # concrete sizes, no tables
        with pytest.raises(DecomposeTypeError):
            bloq.decompose_bloq()


@pytest.mark.parametrize("name", ["n3_T1", "n2_T3"])
@pytest.mark.parametrize("kind", ["row", "column"])
def test_row_column_oracles_enumerate_the_nonzeros(kind, name):
    """Classical simulation on every basis state: i is kept, l ↦ r(i, l) is a permutation,
    l = 0 is the identity term, l < s_A lists s_A distinct positions covering A's nonzeros
    in row (column) i, and the others lie one time block earlier (later), as S ⊗ G_1 says."""
    be, (padded, _, s_A) = instance(name)
    oracle = be.row_oracle if kind == "row" else be.col_oracle
    pattern = padded if kind == "row" else padded.T
    m, db = be.layout.system_bits, be.data.digit_bits
    step = -1 if kind == "row" else +1
    for i in range(2**m):
        images = []
        for l in range(2**m):
            r, i_out = oracle.call_classically(l=l, i=i)
            assert i_out == i
            images.append(int(r))
        assert sorted(images) == list(range(2**m))
        listed = images[:s_A]
        assert listed[0] == i
        assert set(np.flatnonzero(pattern[i])) <= set(listed)
        t = i >> db
        assert all(r >> db == (t + step) % 2 ** (m - db) for r in listed[1:])


@pytest.fixture(scope="module")
def decomposed():
    """(bloq, its QubitCount, its QECGatesCost) of the fully flattened decomposition."""
    out = {}
    for name in ("n2_T1", "n2_T2", "n2_T3", "n2_T7", "n3_T1"):
        be, _ = instance(name)
        flat = be.decompose_bloq().flatten()
        out[name] = (be, get_cost_value(flat, QubitCount()), get_cost_value(flat, QECGatesCost()))
    return out


@pytest.mark.parametrize("name", ["n2_T1", "n2_T2", "n2_T3", "n2_T7", "n3_T1"])
def test_declared_qubits_vs_decomposition(decomposed, name):
    """Decomposed peak (in O_A): m system + (m + N + 1) ancilla + p time predicates (1, or 2
    with a padding time block) + b angle bits + the p + 2·db unary-iteration ancillas (one
    fewer than the selection bits) of its QROM over (predicates, digit, 1 + db slot bits)
    (Babbush et al. 2018). The declared
    count has the same system, ancilla and b; its O_A work is the term word plus the ⌈log2 L⌉
    − 1 ancillas of a lookup over the L stored nonzeros. So declared − decomposed =
    term word + ⌈log2 L⌉ − 1 − 2p − 2·db (L = the G_1 nonzeros): −1 for n = 2 without time
    padding, −2 or −3 else — the dense-grid QROM needs more address bits than a lookup over
    the stored nonzeros."""
    be, qubits, _ = decomposed[name]
    lay, data = be.layout, be.data
    m, p, db = lay.system_bits, 1 + int(data.time_padding), data.digit_bits
    assert qubits == 2 * m + lay.order + 1 + p + VALUE_BITS + (p + 2 * db)
    assert be.qubits - qubits == (lay.term_word_bits + bits_for(lay.table_size) - 1
                                  - 2 * p - 2 * db)


def _fields(obj) -> dict:
    import attrs

    return {f.name: getattr(obj, f.name) for f in attrs.fields(type(obj))}


def _symbolic_costs(be):
    """The symbolic cost formula (n, T as sympy symbols, the other sizes of the instance)
    evaluated at the instance's n and T."""
    import sympy

    from qmlc.estimators.logical import N_SYM, T_SYM

    lay = be.layout
    lam = sympy.Rational(lay.table_size, lay.n)
    sym_layout = type(lay)(**{**_fields(lay), "n": N_SYM, "steps": T_SYM,
                              "table_size": sympy.ceiling(lam * N_SYM)})
    gc = get_cost_value(type(be)(sym_layout, be.max_abs, be.model), QECGatesCost())
    at = {N_SYM: lay.n, T_SYM: lay.steps}
    return {k: int(sympy.sympify(getattr(gc, k)).subs(at))
            for k in ("toffoli", "cswap", "and_bloq", "rotation", "t")}


def _ccz(gc) -> int:
    if isinstance(gc, dict):
        return gc["and_bloq"] + gc["toffoli"] + gc["cswap"]
    return int(gc.and_bloq + gc.toffoli + gc.cswap)


@pytest.mark.parametrize("name", ["n2_T1", "n3_T1"])
def test_decomposed_gate_counts_vs_symbolic_formula(decomposed, name):
    """Same parts where the formula names them: the two uniform superpositions over s_A and
    the SWAP are the same bloqs. Rotations: b controlled Ry per query in both; the formula adds
    N level rotations that an N = 1 circuit does not need. Toffoli-class: the circuit has no
    controlled SWAPs (the formula's 2·N·d digit routings: one term, nothing to route); its
    lookups are QROMs over the (digit, slot) grid, 2·n_pad² words for O_r and O_c and
    2^p·2·n_pad² for O_A, each at most K − 1 Ands for K words (unary iteration), where the
    formula's are over the L stored nonzeros and the N·s_A-word term table."""
    be, _, gc = decomposed[name]
    lay, data = be.layout, be.data
    symbolic = _symbolic_costs(be)
    declared = get_cost_value(be, QECGatesCost())       # the formula is what the bloq declares
    assert symbolic == {k: int(getattr(declared, k)) for k in symbolic}
    graph = be.build_call_graph(SympySymbolAllocator())
    diffusion = next(k for k in graph if "PrepareUniform" in type(k).__name__)
    d_cost = get_cost_value(diffusion, QECGatesCost())
    inner = [getattr(inst.bloq, "bloq", None) for inst in be.decompose_bloq().bloq_instances]
    assert diffusion in inner
    assert gc.rotation == VALUE_BITS + 2 * d_cost.rotation
    assert symbolic["rotation"] == gc.rotation + lay.order
    assert gc.cswap == 0 and gc.toffoli == 0 and symbolic["cswap"] == (4 * lay.order * lay.degree
                                                                   * lay.digit_bits)
    n_pad, p = 2**data.digit_bits, 1 + int(data.time_padding)
    lookups = 2 * 2 * (2 * n_pad**2 - 1) + 2 * (2**p * 2 * n_pad**2 - 1)
    arithmetic = _time_arithmetic(data)
    assert 2 * d_cost.and_bloq + arithmetic < gc.and_bloq
    assert gc.and_bloq <= 2 * d_cost.and_bloq + arithmetic + lookups


def _time_arithmetic(data) -> int:
    """Toffoli-class count of the circuit's time-register arithmetic: two modular adders in
    each of O_r, O_c and a LessThanConstant computed and uncomputed per predicate in O_A."""
    from qualtran import QUInt
    from qualtran.bloqs.arithmetic import Add, LessThanConstant

    tb = data.time_bits
    bounds = [data.steps] + ([data.steps + 1] if data.time_padding else [])
    return (4 * _ccz(get_cost_value(Add(QUInt(tb)), QECGatesCost()))
            + sum(2 * _ccz(get_cost_value(LessThanConstant(tb, c), QECGatesCost()))
                  for c in bounds))


def test_data_access_is_T_independent_in_circuit_and_formula(decomposed):
    """Same G_1, T = 1, 3, 7 (2^tb = T + 1, no padding): with the time-register arithmetic
    removed (the circuit's adders and comparators, the formula's two AddK), both the
    decomposed count and the symbolic formula are constant in T — data access does not grow
    with the number of steps in either; only the lookup constants differ."""
    from qualtran import QUInt
    from qualtran.bloqs.arithmetic import AddK

    rest_circuit, rest_formula = set(), set()
    for name in ("n2_T1", "n2_T3", "n2_T7"):
        be, _, gc = decomposed[name]
        rest_circuit.add(_ccz(gc) - _time_arithmetic(be.data))
        addk = _ccz(get_cost_value(AddK(QUInt(be.layout.time_bits), 1), QECGatesCost()))
        rest_formula.add(_ccz(_symbolic_costs(be)) - 2 * addk)
    assert len(rest_circuit) == 1 and len(rest_formula) == 1
