"""Logical resource estimate of one Carleman-QLSA solve (and of the readout), from Qualtran bloqs.

The bloq tree (see :mod:`qmlc.circuits.bloqs`) is built once with sympy symbols n, T, κ, ε and the
concrete structural numbers of the model (order N, polynomial degree d, enumerated row sparsity
s_A, entry bound max|A|, table size L = λ·n); Qualtran's ``get_cost_value(…, QECGatesCost())``
turns it into sympy expressions for every gate class. The same tree built with numbers gives the
concrete counts (tests check both agree).

Conversion to T gates (stated in every report):
- Toffoli, And, controlled-SWAP: 4 T each (Jones 2013 / Gidney 2018; the Qualtran defaults).
- Rotations: ⌈3.02·log2(1/ε_rot) + 0.77⌉ T each (Ross–Selinger gridsynth fit used by pyLIQTR;
  checked against Qualtran's diagonal_unitary_approx: 30 T at 1e-3, 61 T at 1e-6), with the
  synthesis budget ε/4 split evenly over the rotations of one solve: ε_rot = ε/(4·R).
Error budget of one solve (target ε on the normalized solution): ε/2 for the QLSA polynomial /
filtering, ε/4 for rotation synthesis, ε/4 for the finite precision of loaded entries: each of
the Q block-encoding queries may err by ε/(4Q); N + 1 angles of b bits err by ≤ π·(N+1)·2^-b
per term, which fixes b = ⌈log2(4π·(N+1)·s_A·Q/ε)⌉ value bits, s_A = max(s_r, s_c).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import sympy

from qmlc.circuits.bloqs.history_block_encoding import HistoryBlockEncoding
from qmlc.circuits.bloqs.history_labels import HistoryLabelBlockEncoding, LabelLayout
from qmlc.circuits.bloqs.history_oracles import HistoryLayout
from qmlc.circuits.bloqs.history_terms import polymap_factor_stats, term_structure
from qmlc.circuits.bloqs.qlsa_models import ALGORITHMS as _MODELS
from qmlc.circuits.bloqs.qlsa_models import model as qlsa_model
from qmlc.circuits.bloqs.readout import readout_repetitions
from qmlc.circuits.bloqs.state_prep import HistoryRHSPreparation
from qmlc.estimators import rotations
from qmlc.estimators.rotations import ROTATION_OFFSET, ROTATION_SLOPE

N_SYM, T_SYM = sympy.symbols("n T", positive=True, integer=True)
KAPPA_SYM, EPS_SYM = sympy.symbols("kappa epsilon", positive=True)
SYMBOLS = {"n": N_SYM, "T": T_SYM, "kappa": KAPPA_SYM, "epsilon": EPS_SYM}

T_PER_TOFFOLI = 4
ALGORITHMS = _MODELS            # every QLSA cost model, :mod:`qmlc.circuits.bloqs.qlsa_models`
ALL = "all"                     # an estimate of every model, side by side

CITATIONS = {
    "block_encoding": "Gilyen, Su, Low, Wiebe, STOC 2019, Lemma 48 (sparse access, "
                      "alpha = sqrt(s_r s_c) * max|entry|); N = 1: in-place circuit of Lin, "
                      "arXiv:2201.08309 sec. 6.5; N >= 2: term labels kept in an ancilla "
                      "(duplicate Kronecker terms add), G_0 by amplitude loading "
                      "(Grover-Rudolph / Kerenidis-Prakash)",
    "rotation_synthesis": rotations.CITATION,
    "toffoli": "4 T per Toffoli/And/CSWAP (Jones, PRA 87:022328 (2013); Gidney, Quantum 2:74 "
               "(2018))",
    "carleman": "Liu et al., Nat. Commun. 15:434 (2024), arXiv:2303.03428 (discrete Carleman "
                "history system)",
}


@dataclass(frozen=True)
class StructuralInputs:
    """n- and T-independent structure of the history matrix that the bloqs need.

    ``terms``: the term enumeration of :mod:`qmlc.circuits.bloqs.history_terms`, which gives
    ``row_slots`` s_r and ``col_slots`` s_c (labels enumerated per row / column, identity
    included), ``term_norm``
    a = max(1, max_τ a_τ) with a_τ the product of its factors' max|G_ℓ| (and ‖G_0‖₂ for G_0
    factors, loaded by amplitude), ``factor_slots`` (the largest per-factor slot count),
    ``term_count`` |τ|. ``table_per_param`` λ: stored G_ℓ nonzeros (ℓ ≥ 1) per parameter, the
    table of the first-order in-place oracles (L = ⌈λ·n⌉). ``source`` says where the numbers
    come from (flags with stated assumptions, or a spec's exact G statistics).

    α = s_A·a for N = 1 (in-place sparse access, s_A = max(s_r, s_c)) and √(s_r·s_c)·a for
    N ≥ 2 (term labels, :mod:`qmlc.circuits.bloqs.history_labels`).
    """

    terms: object            # circuits.bloqs.history_terms.TermStructure
    degree: int
    factor_slots: int
    g0_norm: float
    table_per_param: sympy.Rational
    source: str

    @property
    def order(self) -> int:
        return self.terms.order

    @property
    def row_slots(self) -> int:
        return self.terms.row_slots

    @property
    def col_slots(self) -> int:
        return self.terms.col_slots

    @property
    def term_norm(self) -> float:
        return float(self.terms.term_norm)

    @property
    def term_count(self) -> int:
        return len(self.terms.terms)

    @property
    def has_g0(self) -> bool:
        return any(0 in t for t in self.terms.terms)

    @property
    def enum_sparsity(self) -> int:
        return max(self.row_slots, self.col_slots)

    @property
    def alpha(self) -> float:
        if self.order == 1:
            return self.enum_sparsity * self.term_norm
        return self.terms.alpha

    def table_size(self, n):
        size = self.table_per_param * n
        if isinstance(n, sympy.Basic):
            return sympy.ceiling(size)
        return int(math.ceil(size))


def structural_inputs(factors: dict, g0_norm: float, n: int, order: int,
                      source: str) -> StructuralInputs:
    """From per-factor statistics (:class:`qmlc.circuits.bloqs.history_terms.FactorStats` of G_1..G_d)
    and ‖G_0‖₂, by enumerating the Kronecker terms of the order-N lift."""

    return StructuralInputs(
        terms=term_structure(factors, g0_norm, order), degree=max(factors),
        factor_slots=int(max(max(f.row_sparsity, f.col_sparsity, 1) for f in factors.values())),
        g0_norm=float(g0_norm),
        table_per_param=sympy.Rational(sum(int(f.nnz) for f in factors.values()), n),
        source=source)


def polymap_inputs(G: tuple, order: int, source: str) -> StructuralInputs:
    """Structural inputs from the exact G_0..G_d of a concrete polynomial map."""

    factors, g0_norm = polymap_factor_stats(G)
    n = G[1].shape[0]
    return structural_inputs(factors, g0_norm, n, order, source)


@dataclass(frozen=True)
class SolverTree:
    """The bloqs of one estimate and the closed-form quantities next to them."""

    solver: object          # AmplifiedQSVTSolver | StepCountedQLSA (qlsa_models.MODELS)
    block_encoding: object  # HistoryBlockEncoding
    state_prep: object      # HistoryRHSPreparation
    alpha: object
    kappa_eff: object
    queries: object
    state_prep_calls: object
    value_bits: object
    readout: object


def _log2(x):
    return sympy.log(x, 2) if isinstance(x, sympy.Basic) else math.log2(x)


def _ceil(x):
    return sympy.ceiling(x) if isinstance(x, sympy.Basic) else math.ceil(x)


def label_layout(inputs: StructuralInputs, n, steps, value_bits):
    """The :class:`~qmlc.circuits.bloqs.history_labels.LabelLayout` of an order-N ≥ 2 instance."""

    return LabelLayout(n=n, steps=steps, order=inputs.order, degree=inputs.degree,
                       row_slots=inputs.row_slots, col_slots=inputs.col_slots,
                       factor_slots=inputs.factor_slots, term_count=inputs.term_count,
                       has_g0=inputs.has_g0, value_bits=value_bits)


def build_solver(inputs: StructuralInputs, algorithm: str, model: str, n, steps, kappa,
                 eps) -> SolverTree:
    """The bloq tree of the QLSA ``algorithm`` (:mod:`qmlc.circuits.bloqs.qlsa_models`) for numbers
    or symbols (n, steps, kappa, eps); the QLSA gets the error ε/2."""

    spec = qlsa_model(algorithm)
    alpha = inputs.alpha
    # the query count fixes the value bits, which the block encoding needs: count first
    queries = spec.queries(alpha, kappa, eps / 2)
    pi = sympy.pi if isinstance(queries, sympy.Basic) else math.pi
    value_bits = _ceil(_log2(4 * pi * (inputs.order + 1) * inputs.enum_sparsity * queries / eps))
    layout = HistoryLayout(
        n=n, steps=steps, order=inputs.order, degree=inputs.degree,
        enum_sparsity=inputs.enum_sparsity, factor_sparsity=inputs.factor_slots,
        table_size=inputs.table_size(n), value_bits=value_bits)
    if inputs.order == 1:
        be = HistoryBlockEncoding(layout, inputs.term_norm, model)
    else:
        be = HistoryLabelBlockEncoding(label_layout(inputs, n, steps, value_bits),
                                       inputs.term_norm, model)
    prep = HistoryRHSPreparation(layout, model)
    solver = spec.build(be, prep, kappa, eps / 2)
    return SolverTree(solver=solver, block_encoding=be, state_prep=prep, alpha=alpha,
                      kappa_eff=solver.kappa_eff, queries=queries,
                      state_prep_calls=solver.state_prep_calls, value_bits=value_bits,
                      readout=readout_repetitions(n, eps))


@dataclass(frozen=True)
class LogicalCounts:
    """Gate counts of one solve, their T-count under the rotation model, and qubits."""

    t: object
    toffoli: object       # Toffoli + And + CSWAP (CCZ-equivalents)
    rotation: object
    clifford: object
    measurement: object
    t_per_rotation: object
    t_count: object
    qubits: object

    def evaluate(self, values: dict) -> LogicalCounts:
        """Substitute numbers for symbols (exact sympy arithmetic, then ints)."""
        def ev(x):
            if not isinstance(x, sympy.Basic):
                return x
            v = x.subs(values)
            return int(v) if v.is_integer else float(sympy.N(v, 30))
        return LogicalCounts(**{k: ev(getattr(self, k)) for k in self.__dataclass_fields__})


def logical_counts(tree: SolverTree, eps, with_qubits: bool = True) -> LogicalCounts:
    """Qualtran QECGatesCost of the solver → T-count with the explicit rotation model; the
    declared qubit count too unless ``with_qubits`` is False (symbolically it is the slow part:
    nested sympy Max simplification)."""
    from qualtran.resource_counting import QECGatesCost, QubitCount, get_cost_value

    gc = get_cost_value(tree.solver, QECGatesCost())
    ccz = gc.toffoli + gc.and_bloq + gc.cswap
    rot = gc.rotation
    if isinstance(rot, sympy.Basic) or isinstance(eps, sympy.Basic):
        t_rot = sympy.ceiling(ROTATION_SLOPE * sympy.log(4 * rot / eps, 2) + ROTATION_OFFSET)
    else:
        t_rot = math.ceil(ROTATION_SLOPE * math.log2(4 * max(rot, 1) / eps) + ROTATION_OFFSET)
    t_count = gc.t + T_PER_TOFFOLI * ccz + t_rot * rot
    qubits = tree.solver.my_static_costs(QubitCount()) if with_qubits else None
    return LogicalCounts(t=gc.t, toffoli=ccz, rotation=rot, clifford=gc.clifford,
                         measurement=gc.measurement, t_per_rotation=t_rot, t_count=t_count,
                         qubits=qubits)


@lru_cache(maxsize=32)
def symbolic_estimate(inputs: StructuralInputs, algorithm: str, model: str):
    """(SolverTree, LogicalCounts) with n, T, κ, ε symbolic (cached per structure)."""
    tree = build_solver(inputs, algorithm, model, N_SYM, T_SYM, KAPPA_SYM, EPS_SYM)
    return tree, logical_counts(tree, EPS_SYM)


@lru_cache(maxsize=32)
def symbolic_t_count(inputs: StructuralInputs, algorithm: str, model: str) -> sympy.Expr:
    """The T-count of one solve with n, T, κ, ε symbolic (no qubit count; cached)."""
    tree = build_solver(inputs, algorithm, model, N_SYM, T_SYM, KAPPA_SYM, EPS_SYM)
    return logical_counts(tree, EPS_SYM, with_qubits=False).t_count


@lru_cache(maxsize=32)
def symbolic_formula(inputs: StructuralInputs, algorithm: str, model: str) -> str:
    """``str`` of :func:`symbolic_t_count` (printing these sums takes ~1 s: done once)."""
    return str(symbolic_t_count(inputs, algorithm, model))


def concrete_estimate(inputs: StructuralInputs, algorithm: str, model: str, n: int, steps: int,
                      kappa: float, eps: float):
    """(SolverTree, LogicalCounts) built directly with numbers."""
    tree = build_solver(inputs, algorithm, model, n, steps, kappa, eps)
    return tree, logical_counts(tree, eps)
