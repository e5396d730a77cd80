"""Step-counted QLSAs: solvers whose published statement is a number Q of block-encoding queries,
each one step of a walk or signal-processing sequence over a block encoding of the QLSP
Hamiltonian (randomized or discrete adiabatic walks, eigenstate filtering, kernel reflection).

One step applies the block encoding U_A once, the state preparation U_b twice and one
projector-controlled phase on the block-encoding ancilla:

- U_b twice: the projector Q_b = I − |b⟩⟨b| that every one of these Hamiltonians carries
  (H_0 = σ_x ⊗ Q_b, H_1 = σ_+ ⊗ A·Q_b + h.c. in An–Lin / Costa et al.; G_t = Q_b'·A_t in
  Dalzell) is applied as U_b (I − |0⟩⟨0|) U_b†, i.e. unprepare, flag the all-zero state,
  prepare (Dalzell arXiv:2406.12086 App. A, as implemented in Qrisp's ``dalzell_inversion``:
  "1 call to the block-encoding oracle for A and 2 calls to the state preparation oracle"; the
  same ratio as Jennings et al.'s Theorem 1, state-preparation calls = 2 × block-encoding calls);
- one projector-controlled phase: the walk's reflection about the ancilla's zero state, or the
  QSP phase between two queries (:class:`~qmlc.circuits.bloqs.qsvt_inversion.
  ProjectorControlledPhase`).

A model subclasses :class:`StepCountedQLSA` and supplies ``queries()`` (its cited count),
``success_probability()`` and ``repetitions()`` (what the count assumes of the final
postselection), and ``EXTRA_QUBITS`` (ancillas beyond the block encoding and state
preparation).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import ClassVar

import attrs
import sympy
from qualtran import Bloq, Signature
from qualtran.resource_counting import BloqCountDictT, QubitCount, SympySymbolAllocator
from qualtran.symbolics import SymbolicFloat, SymbolicInt, is_symbolic

from qmlc.circuits.bloqs.qsvt_inversion import ProjectorControlledPhase

PREP_PER_QUERY = 2


def ceil(x):
    """⌈x⌉ for numbers (int) and sympy expressions (``sympy.ceiling``)."""
    return sympy.ceiling(x) if is_symbolic(x) else math.ceil(x)


@attrs.frozen
class StepCountedQLSA(Bloq):
    """Q steps of (U_A, 2 × U_b, projector-controlled phase); Q from the model's ``queries()``."""

    block_encoding: Bloq
    state_prep: Bloq
    kappa: SymbolicFloat
    eps: SymbolicFloat

    EXTRA_QUBITS: ClassVar[int] = 6

    @cached_property
    def signature(self) -> Signature:
        return self.block_encoding.signature

    @cached_property
    def kappa_eff(self) -> SymbolicFloat:
        """The condition number the model sees: α·κ bounds α/σ_min(A), the inverse smallest
        singular value of the encoded A/α (‖A‖ ≥ 1 for the unit-diagonal history matrix)."""
        return self.block_encoding.alpha * self.kappa

    def queries(self) -> SymbolicInt:
        raise NotImplementedError

    def success_probability(self) -> SymbolicFloat | None:
        """Success probability of one attempt that the count assumes (None: not stated)."""
        return None

    def repetitions(self) -> SymbolicFloat:
        """Expected attempts the count includes (1/p when it divides by p)."""
        return 1

    @cached_property
    def block_encoding_queries(self) -> SymbolicInt:
        return self.queries()

    @cached_property
    def state_prep_calls(self) -> SymbolicInt:
        return PREP_PER_QUERY * self.block_encoding_queries

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {self.block_encoding: self.block_encoding_queries,
                self.state_prep: self.state_prep_calls,
                ProjectorControlledPhase(self.block_encoding.ancilla_bits):
                    self.block_encoding_queries}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            from qualtran.symbolics import smax
            be = self.block_encoding
            prep = self.state_prep.my_static_costs(cost_key) + be.ancilla_bits
            return smax(be.my_static_costs(cost_key), prep) + self.EXTRA_QUBITS
        return NotImplemented


__all__ = ["PREP_PER_QUERY", "StepCountedQLSA", "ceil"]
