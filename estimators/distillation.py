"""Round-based 15-to-1 distillation (Beverland et al., "Assessing requirements to scale to
practical quantum advantage", arXiv:2211.07629, Appendix C, as implemented by the Microsoft
resource estimator), k = 1..4 rounds, fed by injected T states (error p) or by magic-state
cultivation (:mod:`qmlc.estimators.cultivation`).

Formulas (microsoft/qdk ``resource_estimator/src/system/modeling/tfactory.rs`` @ 35e3df04; the
paper text was not reachable here). A round of 15-to-1 units at code distance d with input error
p_in and Clifford error c = P_L(d) (the ``beverland`` rate per logical cycle):

- output error   p_out = 35·p_in³ + 7.1·c
- failure        q     = 15·p_in + 356·c
- units: "15-to-1 RM prep" (31 patches of 2d², 11 logical cycles) and "15-to-1 space efficient"
  (20 patches, 13 logical cycles); a logical cycle is d code cycles.

A factory is a sequence of rounds; each round's output feeds the next. Going back from the last
round (one unit's output), round j gets the fewest units n_j such that with probability
≥ 1 − 0.01/k at least the inputs of the next round succeed: the binomial quantile
``binom.ppf(0.01/k, n_j, 1 − q_j) ≥ 15·n_{j+1}`` (the estimator's ``Binomial::with_failure(n, q)
.inverse``). Rounds share their qubits (the estimator's default ``Max``: qubits = max_j n_j ·
patches_j · 2d_j²) and run one after another (cycles = Σ_j logical cycles_j · d_j). A round
whose output is worse than its input, or whose failure probability is ≥ 1, is not built.

Cultivation input: a "round 0" of 15·n_1 cultivation patches, each taking its expected
volume/qubits code cycles (retries included, so no failure term), with the cultivated error as
round 1's p_in. The 7.1·P_L(d) Clifford term bounds what any number of rounds can reach: one
round on 7.9e-10 cultivated states gives 35·(7.9e-10)³ = 1.7e-26 only when 7.1·P_L(d) is below
that too, i.e. d ≥ 51 at p = 1e-3 (above the Microsoft estimator's distance cap of 50).

Search (qmlc's, not the estimator's heuristic): every unit type per round and every odd distance
in [3, 99], non-decreasing from round to round, up to the distance d** where the Clifford term
falls below 1 % of the input term 35·p_in³ (larger d cannot lower p_out by more than 1 %).
Four rounds are built only when no design with at most three reaches the required error, as in
the estimator (``MAX_DISTILLATION_ROUNDS = 3``, ``MAX_EXTRA_DISTILLATION_ROUNDS = 4``).

Valid range: any p below the 1 % threshold; designs exist while some first round has
p_out < p_in and q < 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import bdtr
from scipy.stats import binom

from qmlc.estimators.cultivation import cultivation_designs
from qmlc.estimators.factories import FactoryDesigns
from qmlc.estimators.surface_code import BEVERLAND, MAX_DISTANCE, SurfaceCodeModel, odd_distances

CITATION = ("Beverland et al. arXiv:2211.07629 App. C (round-based 15-to-1: p_out = 35p^3 + "
            "7.1c, failure 15p + 356c), as in microsoft/qdk resource_estimator tfactory.rs")
FAILURE_REQUIREMENT = 0.01     # the estimator's per-factory failure requirement, split per round
MAX_ROUNDS = 3
EXTRA_ROUNDS = 4
CLIFFORD_WINDOW = 1e-3         # stop raising d once 7.1·c < 0.1 % of 35·p_in³


@dataclass(frozen=True)
class Unit:
    """A 15-to-1 distillation unit at the logical level."""

    name: str
    patches: int
    logical_cycles: int


UNITS = (Unit("RM prep", 31, 11), Unit("space efficient", 20, 13))


def output_error(p_in, c):
    return 35.0 * np.asarray(p_in) ** 3 + 7.1 * np.asarray(c)


def failure_probability(p_in, c):
    return 15.0 * np.asarray(p_in) + 356.0 * np.asarray(c)


def min_units(q: np.ndarray, needed: np.ndarray, requirement: float) -> np.ndarray:
    """Fewest units n with ``binom.ppf(requirement, n, 1 - q) >= needed``, i.e. with
    P(at most needed − 1 of n succeed) < requirement (vectorized; unique (q, needed) pairs are
    solved once: many designs share them)."""
    if np.all(needed == 1):     # one output: P(no unit succeeds) = q^n < requirement
        n = np.floor(np.log(requirement) / np.log(q)) + 1
        n = np.where(q ** (n - 1) < requirement, n - 1, n)       # guard the float inversion
        return np.where(q**n < requirement, n, n + 1)
    keys, inverse = np.unique(q + 1j * needed, return_inverse=True)   # lexicographic (q, needed)
    qs, ms = keys.real, keys.imag
    success = 1.0 - qs

    def ok(n):
        return bdtr((ms - 1).astype(np.int64), n.astype(np.int64), success) < requirement

    lo = ms.copy()                          # at least ``needed`` units
    hi = np.maximum(ms, np.ceil(ms / success))
    step = np.ceil(6 * np.sqrt(ms * qs) / success) + 1
    while not np.all(good := ok(hi)):
        lo = np.where(good, lo, hi + 1)
        hi = np.where(good, hi, hi + step)
        step *= 2
    while np.any(lo < hi):                  # smallest n in [lo, hi] with ok(n)
        mid = np.floor((lo + hi) / 2)
        good = ok(mid)
        hi = np.where(good, mid, hi)
        lo = np.where(good, lo, mid + 1)
    return hi[inverse.ravel()]


def _clifford_cap(p_in: np.ndarray, p: float, qec: SurfaceCodeModel, cap: int) -> np.ndarray:
    """Per input error, the distance d** where 7.1·P_L(d) < 1 % of 35·p_in³ (≤ cap)."""
    ds = odd_distances(3, cap)
    rates = 7.1 * qec.rate(ds, p)
    floor = CLIFFORD_WINDOW * 35 * p_in**3
    idx = np.searchsorted(-rates, -floor[:, None], side="left").ravel()   # first rate < floor
    return ds[np.minimum(idx, len(ds) - 1)]


def _chains(p: float, rounds: int, qec: SurfaceCodeModel, cap: int, p0: np.ndarray):
    """All valid round sequences of length ``rounds`` from input errors ``p0`` (one per source):
    arrays (source index, distances, unit indices, failure per round, output error)."""
    ds = odd_distances(3, cap)
    src = np.arange(len(p0))
    d_hist = np.zeros((len(p0), 0), dtype=np.int64)
    u_hist = np.zeros((len(p0), 0), dtype=np.int64)
    q_hist = np.zeros((len(p0), 0))
    p_cur = p0.astype(float)
    d_prev = np.full(len(p0), 3)
    for _ in range(rounds):
        d_hi = _clifford_cap(p_cur, p, qec, cap)
        c = qec.rate(ds, p)
        p_out = output_error(p_cur[:, None], c[None, :])
        q = failure_probability(p_cur[:, None], c[None, :])
        valid = ((p_out <= p_cur[:, None]) & (q > 0) & (q < 1)
                 & (ds[None, :] >= d_prev[:, None]) & (ds[None, :] <= d_hi[:, None]))
        i, k = np.nonzero(valid)
        i = np.repeat(i, len(UNITS))
        k = np.repeat(k, len(UNITS))
        u = np.tile(np.arange(len(UNITS)), len(i) // len(UNITS))
        src, d_prev = src[i], ds[k]
        d_hist = np.column_stack([d_hist[i], ds[k]])
        u_hist = np.column_stack([u_hist[i], u])
        q_hist = np.column_stack([q_hist[i], q[i, k]])
        p_cur = p_out[i, k]
    return src, d_hist, u_hist, q_hist, p_cur


WIDTH = 2 + 3 * EXTRA_ROUNDS + 1     # detail: source, rounds, d_j, unit_j, n_j (j ≤ 4), patches


def _assemble(p: float, rounds: int, qec: SurfaceCodeModel, cap: int,
              source: FactoryDesigns | None) -> tuple | None:
    """(qubits, cycles, outputs, error, detail) of every factory with ``rounds`` rounds."""
    p0 = np.array([p]) if source is None else source.error
    if rounds == 0 and source is None:   # injected states used as they are (the estimator's
        ds = odd_distances(3, cap)       # "trivial 1-to-1" unit: one patch, one logical cycle)
        detail = np.zeros((len(ds), WIDTH))
        detail[:, 0], detail[:, 2] = -1, ds
        return (2.0 * ds**2, ds.astype(float), np.ones(len(ds)), np.full(len(ds), float(p)),
                detail)
    if rounds == 0:               # the source alone (cultivation without distillation)
        detail = np.zeros((len(p0), WIDTH))
        detail[:, 0] = np.arange(len(p0))
        detail[:, -1] = 1
        return source.qubits, source.cycles, source.outputs, source.error, detail
    src, d, u, q, p_out = _chains(p, rounds, qec, cap, p0)
    if len(src) == 0:
        return None
    requirement = FAILURE_REQUIREMENT / rounds
    patches = np.array([unit.patches for unit in UNITS])[u]
    lcycles = np.array([unit.logical_cycles for unit in UNITS])[u]
    n = np.empty_like(q)
    needed = np.ones(len(src))
    for j in range(rounds - 1, -1, -1):
        n[:, j] = min_units(q[:, j], needed, requirement)
        needed = 15 * n[:, j]
    outputs = binom.ppf(requirement, n[:, -1], 1 - q[:, -1])
    qubits = (n * patches * 2 * d.astype(float) ** 2).max(axis=1)
    cycles = (lcycles * d).sum(axis=1).astype(float)
    if source is None:
        src = np.full(len(src), -1)
        needed = np.zeros(len(src))
    else:
        qubits = np.maximum(qubits, needed * source.qubits[src])
        cycles = cycles + source.cycles[src]
    detail = np.zeros((len(src), WIDTH))
    detail[:, 0], detail[:, 1], detail[:, -1] = src, rounds, needed
    for j in range(rounds):
        detail[:, 2 + j] = d[:, j]
        detail[:, 2 + EXTRA_ROUNDS + j] = u[:, j]
        detail[:, 2 + 2 * EXTRA_ROUNDS + j] = n[:, j]
    return qubits, cycles, outputs, p_out, detail


def rounds_label(rounds: list[str]) -> str:
    """``15-to-1 x2 rounds (d=7 space efficient x17, d=19 RM prep x1)``."""
    k = len(rounds)
    return f"15-to-1 x{k} round{'s' if k > 1 else ''} ({', '.join(rounds)})"


def _namer(source: FactoryDesigns | None):
    def name(detail) -> str:
        k = int(detail[1])
        text = rounds_label([
            f"d={int(detail[2 + j])} {UNITS[int(detail[2 + EXTRA_ROUNDS + j])].name} "
            f"x{int(detail[2 + 2 * EXTRA_ROUNDS + j])}" for j in range(k)]) if k else ""
        if source is None:
            return text or f"injected T state, no distillation (d={int(detail[2])})"
        cult = source.label(int(detail[0]))
        return f"{cult} x{int(detail[-1])} -> {text}" if k else cult
    return name


def _designs(p: float, rounds, qec, cap, source, family) -> FactoryDesigns | None:
    parts = [x for k in rounds if (x := _assemble(p, k, qec, cap, source)) is not None]
    if not parts:
        return None
    qubits, cycles, outputs, error, detail = (np.concatenate(a) for a in zip(*parts))
    return FactoryDesigns(family=family, qubits=qubits, cycles=cycles, outputs=outputs,
                          error=error, detail=detail, namer=_namer(source)).nondominated()


@lru_cache(maxsize=32)
def round_based_designs(p: float, rounds: tuple[int, ...] = (0, 1, 2, 3),
                        qec: SurfaceCodeModel = BEVERLAND,
                        cap: int = MAX_DISTANCE) -> FactoryDesigns | None:
    """Injected-state factories with the given round counts (0: the injected state itself, error
    p; non-dominated designs only)."""
    return _designs(p, rounds, qec, cap, None, "beverland-15to1")


@lru_cache(maxsize=32)
def cultivation_chain_designs(p: float, rounds: tuple[int, ...] = (0, 1, 2),
                              qec: SurfaceCodeModel = BEVERLAND,
                              cap: int = MAX_DISTANCE) -> FactoryDesigns | None:
    """Cultivation alone (0 rounds) and followed by 15-to-1 rounds (non-dominated designs)."""
    source = cultivation_designs(p)
    if source is None:
        return None
    return _designs(p, rounds, qec, cap, source, "cultivation")


__all__ = ["CITATION", "UNITS", "Unit", "rounds_label", "cultivation_chain_designs", "failure_probability",
           "min_units", "output_error", "round_based_designs"]
