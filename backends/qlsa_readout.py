"""Reading a QLSA's solution from measured counts, on any backend that returns counts.

Two circuits are sampled (see :mod:`qmlc.backends.qlsa_run`): the program with every qubit
measured, and the program followed by the inverse state preparation of the classical solution
x̂ on the system register (a compute–uncompute overlap test). :class:`QLSAReadout` holds the
register layout and the few classical numbers that turn their counts into

- p̂ = successes/N, the postselection success probability, standard error √(p̂(1−p̂)/N);
- F̂ = k/m, the fidelity |⟨x̂|ψ⟩|²/‖ψ‖²: among the m successful shots of the overlap test, the
  fraction k with the system register at |0⟩ (binomial standard error, floored at 1/m when
  F̂ ∈ {0, 1});
- |u_T|, the magnitudes of the last time block, from the successful shots' histogram scaled so
  that the first block matches |y_in| (least squares).

It is plain data (``to_dict``/``from_dict``), so a job submitted today can be read tomorrow
(:mod:`qmlc.backends.ibm_jobs`). Counts are keyed by the measured integer with qubit i at bit i.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit

from qmlc.compiler.qlsa import QLSAProgram, state_prep_circuit
from qmlc.compiler.results import Result

__all__ = ["QLSAReadout", "SampledQLSA", "overlap_test_circuit"]


@dataclass(frozen=True)
class SampledQLSA(Result):
    """Shot-based estimates of a QLSA run (module docstring)."""

    success_probability_sampled: float
    success_probability_stderr: float
    fidelity_sampled: float
    fidelity_stderr: float
    postselected_shots: int
    abs_u_T_sampled: list[float]
    fidelity_estimator: str = "compute-uncompute overlap with the classical solution state"


@dataclass(frozen=True)
class QLSAReadout(Result):
    """The layout and classical numbers that read a QLSA's counts (module docstring)."""

    postselect: dict[int, int]
    system_qubits: list[int]
    index_map: list[int]
    delta: int
    n: int
    steps: int
    y_in_abs: list[float]

    @classmethod
    def from_program(cls, system, program: QLSAProgram) -> QLSAReadout:
        return cls(postselect={int(q): int(b) for q, b in program.postselect.items()},
                   system_qubits=[int(q) for q in program.system_qubits],
                   index_map=[int(v) for v in program.index_map], delta=int(system.delta),
                   n=int(system.n), steps=int(system.steps),
                   y_in_abs=np.abs(system.b[:system.delta]).tolist())

    @classmethod
    def from_dict(cls, data: dict) -> QLSAReadout:
        return cls(**{**data, "postselect": {int(q): int(b)
                                             for q, b in data["postselect"].items()}})

    def counts_stats(self, counts: dict[int, int]) -> tuple[int, int, np.ndarray]:
        """(total shots, successes, histogram of the system value on successful shots)."""
        total = sum(counts.values())
        hist = np.zeros(2 ** len(self.system_qubits))
        good = 0
        for value, count in counts.items():
            if all(((value >> q) & 1) == bit for q, bit in self.postselect.items()):
                good += count
                sys_val = sum(((value >> q) & 1) << i for i, q in enumerate(self.system_qubits))
                hist[sys_val] += count
        return total, good, hist

    def estimate(self, counts: dict[int, int], overlap_counts: dict[int, int]) -> SampledQLSA:
        """p̂, F̂ and |u_T| from the two circuits' counts (module docstring)."""
        total, good, hist = self.counts_stats(counts)
        p_hat, p_err = _binomial(good, total)
        _, good2, hist2 = self.counts_stats(overlap_counts)
        f_hat, f_err = _binomial(int(hist2[0]), good2)
        delta, n, T = self.delta, self.n, self.steps
        mags = np.sqrt(hist / max(good, 1))[self.index_map]
        y_in = np.asarray(self.y_in_abs)
        scale = float(mags[:delta] @ y_in / max(mags[:delta] @ mags[:delta], 1e-300))
        return SampledQLSA(
            success_probability_sampled=p_hat,
            success_probability_stderr=p_err,
            fidelity_sampled=f_hat,
            fidelity_stderr=f_err,
            postselected_shots=int(good2),
            abs_u_T_sampled=(scale * mags[T * delta: T * delta + n]).tolist(),
        )


def _binomial(k: int, m: int) -> tuple[float, float]:
    if m == 0:
        return float("nan"), float("nan")
    p = k / m
    return p, max(np.sqrt(p * (1 - p) / m), 1.0 / m if p in (0.0, 1.0) else 0.0)


def overlap_test_circuit(program: QLSAProgram, x_hat: np.ndarray) -> QuantumCircuit:
    """The program followed by the inverse preparation of x̂ on the system register."""
    check = program.circuit.copy()
    unprep = state_prep_circuit(x_hat, "prep_x").inverse().to_gate()
    unprep.name = "prep_x_dg"
    check.append(unprep, list(program.system_qubits))
    return check
