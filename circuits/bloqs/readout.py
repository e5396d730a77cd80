"""Readout: how many solution states are needed to learn θ(T) to ℓ∞ error ε.

Each sample is one full QLSA run. To estimate all n outcome probabilities of the final-time,
first-level block to additive ε with failure probability δ, Hoeffding's inequality and a union
bound over the n coordinates give ⌈ln(2n/δ)/(2ε²)⌉ samples of that block; signs need a second,
interfering batch of the same size (ℓ∞ amplitude tomography with O(log n/ε²) samples: van
Apeldoorn, Cornelissen, Gilyén, Nannicini, arXiv:2207.08800). A sample lands in the wanted block
with probability p_final; padding the history with idle steps after T (Berry et al. 2017, Liu et
al. 2021) makes p_final ≥ 1/2, the value used here. Total:

    R = ⌈ 2 · ln(2n/δ) / (2ε²) / p_final ⌉ = ⌈ 2·ln(2n/δ)/ε² ⌉   (p_final = 1/2).

The count is the paper's readout model (Liu et al. 2024: tomography, cost ∝ 1/ε²): the
advantage claim is in n, not in ε.
"""

from __future__ import annotations

import math
from functools import cached_property

import attrs
import sympy
from qualtran import Bloq, Signature
from qualtran.resource_counting import BloqCountDictT, QubitCount, SympySymbolAllocator
from qualtran.symbolics import SymbolicFloat, SymbolicInt, is_symbolic

FAILURE_PROBABILITY = 0.01
P_FINAL = 0.5
CITATION = ("Hoeffding + union bound over n coordinates, x2 for sign estimation; "
            "van Apeldoorn et al. arXiv:2207.08800 (l-infinity tomography, O(log n / eps^2)); "
            "p_final = 1/2 by idle-step padding (Berry et al. 2017)")


def readout_repetitions(n: SymbolicInt, eps: SymbolicFloat,
                        delta: float = FAILURE_PROBABILITY, p_final: float = P_FINAL):
    """R = ⌈2·ln(2n/δ)/(2ε²)/p_final⌉ solution states for θ(T) to ℓ∞ error ε."""
    if is_symbolic(n, eps):
        return sympy.ceiling(2 * sympy.log(2 * n / delta) / (2 * eps**2) / p_final)
    return math.ceil(2 * math.log(2 * n / delta) / (2 * eps**2) / p_final)


@attrs.frozen
class ReadoutRepetitions(Bloq):
    """R independent runs of ``solver`` (qubits reused between runs)."""

    solver: Bloq
    n: SymbolicInt
    eps: SymbolicFloat

    @cached_property
    def signature(self) -> Signature:
        return self.solver.signature

    @cached_property
    def repetitions(self) -> SymbolicInt:
        return readout_repetitions(self.n, self.eps)

    def build_call_graph(self, ssa: SympySymbolAllocator) -> BloqCountDictT:
        return {self.solver: self.repetitions}

    def my_static_costs(self, cost_key):
        if isinstance(cost_key, QubitCount):
            return self.solver.my_static_costs(cost_key)
        return NotImplemented
