"""Logical resource estimate of one Carleman-QLSA solve (and of the readout), from Qualtran bloqs.

The bloq tree (see :mod:`circuits.bloqs`) is built once with sympy symbols n, T, κ, ε and the
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
the Q block-encoding queries may err by ε/(4Q); N angles of b bits err by ≤ π·N·2^-b per term,
which fixes b = ⌈log2(4π·N·s_A·Q/ε)⌉ value bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import sympy

N_SYM, T_SYM = sympy.symbols("n T", positive=True, integer=True)
KAPPA_SYM, EPS_SYM = sympy.symbols("kappa epsilon", positive=True)
SYMBOLS = {"n": N_SYM, "T": T_SYM, "kappa": KAPPA_SYM, "epsilon": EPS_SYM}

T_PER_TOFFOLI = 4
ROTATION_SLOPE = 3.02
ROTATION_OFFSET = 0.77
ALGORITHMS = ("qsvt", "jennings")

CITATIONS = {
    "block_encoding": "Gilyen, Su, Low, Wiebe, STOC 2019, Lemma 48 (sparse access, "
                      "alpha = s * max|A_ij|); circuit of Lin, arXiv:2201.08309 sec. 6.5",
    "rotation_synthesis": "Ross, Selinger, QIC 16:901 (2016) gridsynth; fit 3.02 log2(1/eps) "
                          "+ 0.77 T per rotation as in pyLIQTR",
    "toffoli": "4 T per Toffoli/And/CSWAP (Jones, PRA 87:022328 (2013); Gidney, Quantum 2:74 "
               "(2018))",
    "carleman": "Liu et al., Nat. Commun. 15:434 (2024), arXiv:2303.03428 (discrete Carleman "
                "history system)",
}


@dataclass(frozen=True)
class StructuralInputs:
    """n- and T-independent structure of the history matrix that the bloqs need.

    ``table_per_param`` λ: stored G nonzeros per parameter (L = ⌈λ·n⌉). ``max_abs``: the entry
    bound of the sparse access, max(a_max, max|A_ij|) with a_max = max(1, g_max)^N the largest
    single Kronecker term and max|A_ij| bounded by summing the terms that land on one entry.
    For N ≥ 2 different compositions hit the same column (G_0⊗G_1 and G_1⊗G_0 in M_{2,1}), so a
    realizable in-place row oracle enumerates merged entries, whose magnitude can exceed a_max
    (see :mod:`circuits.bloqs.history_oracles`); α = s_A · max_abs is then a valid
    subnormalization. ``source`` says where the numbers come from (flags with stated
    assumptions, or a spec's exact G statistics).
    """

    order: int
    degree: int
    enum_sparsity: int
    factor_sparsity: int
    table_per_param: sympy.Rational
    max_abs: float
    source: str

    def table_size(self, n):
        size = self.table_per_param * n
        if isinstance(n, sympy.Basic):
            return sympy.ceiling(size)
        return int(math.ceil(size))


def structural_inputs(g_stats: list, n: int, order: int, source: str) -> StructuralInputs:
    """From per-G statistics (compiler.structure.SparsityStats) via the lift's bound recursion.

    The history bounds of :func:`compiler.structure.history_structure` do not depend on T for
    sparsity and entries, so they are computed with one step (no T-fold norm sums).
    """
    from compiler.structure import history_structure

    hs = history_structure(g_stats, n, order, 1)
    table = sum(int(g.nnz) for g in g_stats)
    g_max = max(float(g.max_abs) for g in g_stats)
    return StructuralInputs(
        order=order, degree=len(g_stats) - 1,
        enum_sparsity=int(max(hs.history_max_row_nnz_bound, hs.history_max_col_nnz_bound)),
        factor_sparsity=int(max(max(g.max_row_nnz, 1) for g in g_stats)),
        table_per_param=sympy.Rational(table, n),
        max_abs=float(max(max(1.0, g_max) ** order, hs.history_max_abs_bound)), source=source)


@dataclass(frozen=True)
class SolverTree:
    """The bloqs of one estimate and the closed-form quantities next to them."""

    solver: object          # AmplifiedQSVTSolver | JenningsQLSA
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


def build_solver(inputs: StructuralInputs, algorithm: str, model: str, n, steps, kappa,
                 eps) -> SolverTree:
    """The bloq tree for numbers or symbols (n, steps, kappa, eps)."""
    from circuits.bloqs.history_block_encoding import HistoryBlockEncoding
    from circuits.bloqs.history_oracles import HistoryLayout
    from circuits.bloqs.jennings import JenningsQLSA, expected_queries
    from circuits.bloqs.qsvt_inversion import (
        AmplifiedQSVTSolver,
        QSVTInversion,
        aa_rounds,
        cks_degree,
    )
    from circuits.bloqs.readout import readout_repetitions
    from circuits.bloqs.state_prep import HistoryRHSPreparation

    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}")
    alpha = inputs.enum_sparsity * inputs.max_abs
    if algorithm == "qsvt":
        kappa_eff = alpha * kappa
        queries = (2 * aa_rounds(kappa_eff) + 1) * cks_degree(kappa_eff, eps / 2)
    else:
        kappa_eff = kappa
        queries = _ceil(expected_queries(alpha, kappa, eps / 2))
    pi = sympy.pi if isinstance(queries, sympy.Basic) else math.pi
    value_bits = _ceil(_log2(4 * pi * inputs.order * inputs.enum_sparsity * queries / eps))
    layout = HistoryLayout(
        n=n, steps=steps, order=inputs.order, degree=inputs.degree,
        enum_sparsity=inputs.enum_sparsity, factor_sparsity=inputs.factor_sparsity,
        table_size=inputs.table_size(n), value_bits=value_bits)
    be = HistoryBlockEncoding(layout, inputs.max_abs, model)
    prep = HistoryRHSPreparation(layout, model)
    if algorithm == "qsvt":
        solver = AmplifiedQSVTSolver(QSVTInversion(be, kappa, eps / 2), prep)
        prep_calls = solver.state_prep_calls
    else:
        solver = JenningsQLSA(be, prep, kappa, eps / 2)
        prep_calls = solver.state_prep_calls
    return SolverTree(solver=solver, block_encoding=be, state_prep=prep, alpha=alpha,
                      kappa_eff=kappa_eff, queries=queries, state_prep_calls=prep_calls,
                      value_bits=value_bits, readout=readout_repetitions(n, eps))


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


def logical_counts(tree: SolverTree, eps) -> LogicalCounts:
    """Qualtran QECGatesCost of the solver → T-count with the explicit rotation model."""
    from qualtran.resource_counting import QECGatesCost, QubitCount, get_cost_value

    gc = get_cost_value(tree.solver, QECGatesCost())
    ccz = gc.toffoli + gc.and_bloq + gc.cswap
    rot = gc.rotation
    if isinstance(rot, sympy.Basic) or isinstance(eps, sympy.Basic):
        t_rot = sympy.ceiling(ROTATION_SLOPE * sympy.log(4 * rot / eps, 2) + ROTATION_OFFSET)
    else:
        t_rot = math.ceil(ROTATION_SLOPE * math.log2(4 * max(rot, 1) / eps) + ROTATION_OFFSET)
    t_count = gc.t + T_PER_TOFFOLI * ccz + t_rot * rot
    qubits = tree.solver.my_static_costs(QubitCount())
    return LogicalCounts(t=gc.t, toffoli=ccz, rotation=rot, clifford=gc.clifford,
                         measurement=gc.measurement, t_per_rotation=t_rot, t_count=t_count,
                         qubits=qubits)


@lru_cache(maxsize=32)
def symbolic_estimate(inputs: StructuralInputs, algorithm: str, model: str):
    """(SolverTree, LogicalCounts) with n, T, κ, ε symbolic (cached per structure)."""
    tree = build_solver(inputs, algorithm, model, N_SYM, T_SYM, KAPPA_SYM, EPS_SYM)
    return tree, logical_counts(tree, EPS_SYM)


def concrete_estimate(inputs: StructuralInputs, algorithm: str, model: str, n: int, steps: int,
                      kappa: float, eps: float):
    """(SolverTree, LogicalCounts) built directly with numbers."""
    tree = build_solver(inputs, algorithm, model, n, steps, kappa, eps)
    return tree, logical_counts(tree, eps)
