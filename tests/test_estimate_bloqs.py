"""Qualtran bloqs of the estimate: symbolic vs concrete counts, declared qubits vs decompositions,
the CKS degree and the Jennings et al. formula against independent references."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from qualtran.resource_counting import QECGatesCost, QubitCount, get_cost_value

from qmlc.circuits.bloqs.data_access import TableLookup, lookup_qubits
from qmlc.circuits.bloqs.jennings import expected_queries, q_star
from qmlc.circuits.bloqs.qsvt_inversion import cks_degree
from qmlc.estimators.logical import (
    ALGORITHMS,
    EPS_SYM,
    KAPPA_SYM,
    N_SYM,
    T_SYM,
    concrete_estimate,
    symbolic_estimate,
)
from qmlc.estimators.requests import flag_inputs

GATE_FIELDS = ("t", "toffoli", "cswap", "and_bloq", "rotation")


@pytest.fixture(scope="module")
def inputs():
    return flag_inputs(1000, 2, 8)


@pytest.fixture(scope="module", params=[1, 2, 3], ids=["N1", "N2", "N3"])
def order_inputs(request):
    """In-place sparse access (N = 1) and term labels (N = 2, 3)."""
    return flag_inputs(1000, request.param, 8)


def _gate_tuple(gc, subs=None):
    out = []
    for name in GATE_FIELDS:
        value = getattr(gc, name)
        if isinstance(value, sympy.Basic):
            value = value.subs(subs or {})
            assert value.is_number, f"{name} still symbolic: {value}"
            value = int(value)
        out.append(int(value))
    return tuple(out)


@pytest.mark.parametrize("model", ["qram", "qrom", "select-swap"])
@pytest.mark.parametrize("size,bits", [(4096, 12), (50_000, 20)])
def test_lookup_symbolic_equals_concrete(model, size, bits):
    L, b = sympy.symbols("L b", positive=True, integer=True)
    symbolic = get_cost_value(TableLookup(model, L, b), QECGatesCost())
    concrete = get_cost_value(TableLookup(model, size, bits), QECGatesCost())
    assert _gate_tuple(symbolic, {L: size, b: bits}) == _gate_tuple(concrete)


@pytest.mark.parametrize("model", ["qrom", "select-swap"])
@pytest.mark.parametrize("size,bits", [(2, 5), (20, 3), (64, 4)])
def test_declared_lookup_qubits_match_qualtran_decomposition(model, size, bits):
    """Our declared count vs Qualtran's numeric QubitCount of the decomposed concrete QROM."""
    impl = TableLookup(model, size, bits).implementation
    decomposed = get_cost_value(impl, QubitCount())
    assert lookup_qubits(model, size, bits) == decomposed


@pytest.mark.parametrize("model", ["qrom", "select-swap"])
def test_one_word_table_builds_and_declares_an_upper_bound(model):
    """A one-variable map looks up one-word tables: Qualtran's QROM then has no selection
    register (and SelectSwapQROM needs block size 1); the declared count keeps its address
    qubit, an upper bound."""
    impl = TableLookup(model, 1, 3).implementation
    assert lookup_qubits(model, 1, 3) >= get_cost_value(impl, QubitCount())
    assert get_cost_value(TableLookup(model, 1, 3), QECGatesCost()) is not None


@pytest.mark.parametrize("algorithm", ["qsvt", "jennings"])
@pytest.mark.parametrize("model", ["qram", "qrom", "select-swap"])
def test_solver_symbolic_and_concrete_counts_agree(order_inputs, algorithm, model):
    _check_symbolic_equals_concrete(order_inputs, algorithm, model)


# The other step-counted models share Jennings' solver structure (circuits/bloqs/step_qlsa.py):
# their query counts differ, hence their value bits; one order and two data-access models each
# keep the suite fast (select-swap's symbolic QROM is the slow one).
@pytest.mark.parametrize("algorithm", [a for a in ALGORITHMS if a not in ("qsvt", "jennings")])
@pytest.mark.parametrize("model", ["qram", "qrom"])
def test_newer_solvers_symbolic_and_concrete_counts_agree(inputs, algorithm, model):
    _check_symbolic_equals_concrete(inputs, algorithm, model)


def _check_symbolic_equals_concrete(inputs, algorithm, model):
    """The tree built with symbols, evaluated at the point, equals the tree built with numbers
    (queries, value bits, qubits, oracle gates, totals)."""
    point = {"n": 1000, "T": 63, "kappa": 130.0, "eps": 1e-3}
    tree_s, sym = symbolic_estimate(inputs, algorithm, model)
    tree_c, conc = concrete_estimate(inputs, algorithm, model, point["n"], point["T"],
                                     point["kappa"], point["eps"])
    subs = {N_SYM: point["n"], T_SYM: point["T"], KAPPA_SYM: point["kappa"],
            EPS_SYM: point["eps"]}
    # the closed forms (queries, value bits, qubits) agree exactly
    assert int(tree_s.queries.subs(subs)) == tree_c.queries
    assert int(tree_s.value_bits.subs(subs)) == tree_c.value_bits
    assert int(sym.qubits.subs(subs)) == conc.qubits
    # The oracles (everything that depends on n and T) agree exactly, gate class by gate class.
    be_s, be_c = tree_s.block_encoding, tree_c.block_encoding
    parts = (("row_oracle", "entry_oracle") if inputs.order == 1 else
             ("row_side", "column_side", "entry_oracle"))
    for part in parts:
        gs = get_cost_value(getattr(be_s, part), QECGatesCost())
        gc = get_cost_value(getattr(be_c, part), QECGatesCost())
        assert _gate_tuple(gs, subs) == _gate_tuple(gc), part
    # Totals agree exactly for odd T and s_A. (Qualtran's PrepareUniformSuperposition(k) uses
    # the odd part of k concretely but 3⌈log2 k⌉ − 1 Ands and 2 rotations symbolically, so for
    # even k the symbolic total is only an upper bound.)
    for name in ("rotation", "toffoli", "t_count"):
        assert int(getattr(sym, name).subs(subs)) == getattr(conc, name), name


def cks_truncated(kappa: float, eps: float, j0: int, b: int):
    """CKS 2017 Lemma 17/18 polynomial 4 Σ_{j≤j0} (−1)^j [Σ_{i>j} C(2b, b+i)/4^b] T_{2j+1}."""
    total = 4**b
    coefs = np.zeros(2 * j0 + 2)
    tail = [math.comb(2 * b, b + i) for i in range(b + 1)]
    suffix = 0
    weights = [0] * (b + 2)
    for i in range(b, -1, -1):
        suffix += tail[i] if i >= 1 else 0
        weights[i] = suffix
    for j in range(j0 + 1):
        coefs[2 * j + 1] = 4 * (-1) ** j * float(Fraction(weights[j + 1], total))
    return np.polynomial.chebyshev.Chebyshev(coefs)


@pytest.mark.parametrize("kappa,eps", [(4.0, 0.05), (6.0, 0.01)])
def test_cks_degree_is_sufficient_and_not_wasteful(kappa, eps):
    degree = cks_degree(kappa, eps)
    b = int(kappa**2 * math.log(kappa / eps))
    j0 = (degree - 1) // 2
    x = np.concatenate([np.linspace(1 / kappa, 1, 2000), -np.linspace(1 / kappa, 1, 2000)])
    err = np.abs(cks_truncated(kappa, eps, j0, b)(x) - 1 / x).max()
    assert err <= 2 * eps  # CKS Lemma 14 + 17: 2ε-close on D_κ
    # a quarter of the degree is not enough: the formula is not padded arbitrarily
    err_small = np.abs(cks_truncated(kappa, eps, j0 // 4, b)(x) - 1 / x).max()
    assert err_small > 2 * eps


def jennings_reference(alpha: float, kappa: float, eps: float) -> float:
    """Theorem 1 of arXiv:2305.11352 typed from references/qlsa_costs.md (independent of the
    implementation): Q*/(0.39 − 0.204 ε)."""
    L = math.log(2 * kappa + 3)
    q = (1741 * alpha * math.e / 500 * math.sqrt(kappa**2 + 1)
         * ((133 / 125 + 4 / (25 * kappa ** (1 / 3))) * math.pi * L + 1)
         + 351 / 50 * L**2 * (math.log(451 * L**2 / eps) + 1)
         + alpha * kappa * math.log(32 / eps))
    return q / (0.39 - 0.204 * eps)


@pytest.mark.parametrize("alpha,kappa,eps", [(1.0, 10.0, 0.01), (4.0, 100.0, 1e-3),
                                             (321.0, 2002.0, 1e-3), (2.5, 3.5, 0.24)])
def test_jennings_query_count(alpha, kappa, eps):
    expected = jennings_reference(alpha, kappa, eps)
    assert expected_queries(alpha, kappa, eps) == pytest.approx(expected, rel=1e-12)
    a, k, e = sympy.symbols("a k e", positive=True)
    symbolic = expected_queries(a, k, e).subs({a: alpha, k: kappa, e: eps})
    assert float(symbolic) == pytest.approx(expected, rel=1e-12)
    # Q* alone is the bracketed formula: the success-probability divisor is 0.39 − 0.204ε
    assert q_star(alpha, kappa, eps) / expected == pytest.approx(0.39 - 0.204 * eps, rel=1e-12)


def test_jennings_bloq_uses_formula_with_half_budget(inputs):
    tree, _ = concrete_estimate(inputs, "jennings", "qram", 1000, 20, 50.0, 1e-2)
    expected = jennings_reference(tree.alpha, 50.0, 5e-3)
    assert tree.queries == math.ceil(expected)
    assert tree.state_prep_calls == 2 * tree.queries
