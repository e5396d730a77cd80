"""Selection and frontier: from logical counts and a factory family to the cheapest physical
configuration and the non-dominated (physical qubits, runtime) set.

A configuration is a factory design × a number of factories F × a data-block layout × a data
code distance d. For each (vectorized over designs and F, looping over d):

- magic states S: T + 4·CCZ for T factories; CCZ + ⌈T/2⌉ for CCZ factories (Gidney–Fowler's
  catalysed CCZ→2T); factory error = S × error per state;
- factory time: ``runs`` designs run ⌈S/(F·outputs)⌉ times, each ``cycles`` code cycles; the
  ``ccz2t`` design takes Qualtran's ⌈⌈(5.5·S + ⌈T/2⌉)·step⌉ / F⌉ cycles;
- data-block time: steps × logical depth × d code cycles (0 for the ``simple`` block);
- runtime = max(factory time, data time) × code cycle; factories and data run concurrently;
- data error = tiles × runtime cycles × P_L(d) per code cycle; factory error + data error must
  not exceed the budget (one joint budget, as Qualtran; the Microsoft estimator splits it);
- physical qubits = F × factory qubits + tiles × 2d².

F runs over 1..16, then ×1.25 steps, cut at the "knee" F_k(design, d), the fewest factories that
keep up with the data block (more only add qubits), which is always included. The ``simple``
block takes F = 1 only (its time model assumes the factory is the bottleneck).

The cheapest configuration minimizes the space-time volume qubits × runtime (Qualtran's
``qubit_hours``); ties go to the first design and the smallest d, in Qualtran's order. The
frontier keeps every configuration no other beats in both qubits and runtime.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qmlc.compiler.results import Result, optional
from qmlc.estimators.factories import FactoryDesigns
from qmlc.estimators.gidney_fowler import CCZ_DEPTH
from qmlc.estimators.human import human_duration
from qmlc.estimators.surface_code import DataBlock, SurfaceCodeModel, odd_distances

CODE_CYCLE_SECONDS = 1e-6     # Gidney & Fowler arXiv:1812.01238; Qualtran's default cycle_time_us
F_GRID = np.unique(np.concatenate([np.arange(1, 17), np.round(1.25 ** np.arange(13, 90))]))


@dataclass(frozen=True)
class LogicalCounts:
    """What the physical layer needs from a logical estimate: T gates (synthesized rotations
    included), CCZ-class gates (Toffoli, And, CSWAP), measurements, logical qubits and the logical
    depth in non-Clifford steps (default: the Microsoft estimator's measurements + T + 3·CCZ,
    every one in sequence)."""

    t: int
    ccz: int
    qubits: int
    measurements: int = 0
    depth: float | None = None

    @property
    def logical_depth(self) -> float:
        if self.depth is not None:
            return float(self.depth)
        return float(self.measurements + self.t + 3 * self.ccz)

    def states(self, state: str) -> int:
        """Magic states to make: T states (4 per CCZ) or CCZ states (one per two T gates)."""
        if state == "CCZ":
            return int(self.ccz) + (int(self.t) + 1) // 2
        return int(self.t) + 4 * int(self.ccz)


@dataclass(frozen=True)
class PhysicalEstimate(Result):
    """One model's physical answer, or why it has none.

    ``qubits`` physical qubits (factories + data block); ``runtime_seconds`` wall-clock time of
    one run at the model's code cycle, ``runtime_human`` the same in years/days/hours;
    ``code_distance`` of the data block; ``factory`` the design (distances and units),
    ``factory_count`` how many run in parallel; ``model`` the model, its assumptions and
    citations; ``error`` why no configuration fits (then the figures are None)."""

    model: str                                    # the model's key, e.g. "cultivation"
    qubits: int | None = None
    runtime_seconds: float | None = None
    runtime_human: str | None = None
    code_distance: int | None = None
    factory: str | None = None
    factory_count: int | None = None
    error: str | None = optional()
    failure_probability: float | None = optional()
    factory_qubits: int | None = optional()       # all factories together
    data_qubits: int | None = optional()
    data_block: str | None = optional()
    code_cycle_seconds: float | None = optional()
    configurations: int | None = optional()       # configurations the search enumerated
    runtime_seconds_with_readout: float | None = optional()
    model_details: str | None = optional()        # conventions, layouts, citations, range

    @property
    def ok(self) -> bool:
        return self.qubits is not None


@dataclass(frozen=True)
class ParetoPoint(Result):
    """A configuration no other beats in both physical qubits and runtime."""

    qubits: int
    runtime_seconds: float
    factory: str
    factory_count: int
    code_distance: int
    model: str


def failed(model: str, message: str, details: str | None = None) -> PhysicalEstimate:
    return PhysicalEstimate(model=model, error=message, model_details=details)


@dataclass
class _Candidates:
    """Configurations kept while searching: columns of equal length."""

    qubits: np.ndarray
    runtime: np.ndarray
    cost: np.ndarray
    design: np.ndarray
    block: np.ndarray
    d: np.ndarray
    factories: np.ndarray
    error: np.ndarray

    @staticmethod
    def concat(parts: list[_Candidates]) -> _Candidates:
        return _Candidates(*(np.concatenate([getattr(p, f) for p in parts])
                             for f in _Candidates.__dataclass_fields__))

    def take(self, idx) -> _Candidates:
        return _Candidates(*(getattr(self, f)[idx] for f in _Candidates.__dataclass_fields__))


def pareto_mask(qubits: np.ndarray, runtime: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats or ties in both coordinates (one per tie),
    by increasing qubits (and so decreasing runtime)."""
    order = np.lexsort((runtime, qubits))
    r = runtime[order]
    best_before = np.minimum.accumulate(np.concatenate([[np.inf], r[:-1]]))
    return order[r < best_before]


@dataclass(frozen=True)
class SearchResult:
    """The cheapest configuration (``best``, None if none fits), the frontier, and how many
    configurations were enumerated."""

    best: _Candidates | None
    frontier: _Candidates | None
    configurations: int
    designs: FactoryDesigns | None


def search(counts: LogicalCounts, designs: FactoryDesigns, blocks: tuple[DataBlock, ...],
           qec: SurfaceCodeModel, p: float, budget: float, distances=None,
           factory_counts=None, cost: str = "volume") -> SearchResult:
    """Enumerate design × F × block × d for ``counts`` (see the module docstring)."""
    S = counts.states(designs.state)
    catalysed = (int(counts.t) + 1) // 2
    f_err = designs.error * S
    keep = f_err < budget
    designs = designs.subset(keep)
    f_err = f_err[keep]
    ds = odd_distances() if distances is None else np.asarray(distances)
    depth = counts.logical_depth
    if designs.time_model == "ccz2t":
        total = np.ceil((S * CCZ_DEPTH + catalysed) * designs.cycles)   # Qualtran CCZ2TFactory
    else:
        total = None
    kept: list[_Candidates] = []
    n_configs = 0
    for b, block in enumerate(blocks):
        if len(designs) == 0:
            break
        tiles = block.tiles(counts.qubits)
        done = None      # (design, fixed-F column) pairs already feasible at a smaller d
        for d in ds:
            data_cycles = float(block.code_cycles(depth, d))
            F = _factory_counts(designs, S, total, data_cycles, block, factory_counts)
            valid = F > 0
            Fs = np.where(valid, F, 1.0)
            if total is not None:
                fac = np.ceil(total[:, None] / Fs)
            else:
                fac = np.ceil(S / (Fs * designs.outputs[:, None])) * designs.cycles[:, None]
            cycles = np.maximum(fac, data_cycles)
            err = f_err[:, None] + qec.storage_error(d, p, tiles, cycles)
            ok = valid & (err <= budget)
            n_configs += int(valid.sum())
            # a pair feasible at a smaller d costs less there: more qubits and no less time now
            # (fixed-F columns: F_GRID's prefix, a fixed list, or the single factory; the last
            # column of a knee-cut grid is the knee, whose F changes with d)
            fixed_cols = F.shape[1] if (factory_counts is not None or F.shape[1] == 1) \
                else F.shape[1] - 1
            if done is None:
                done = np.zeros((len(designs), len(F_GRID) + F.shape[1]), dtype=bool)
            new = ok.copy()
            new[:, :fixed_cols] &= ~done[:, :fixed_cols]
            done[:, :fixed_cols] |= ok[:, :fixed_cols]
            if not new.any():
                continue
            i, j = np.nonzero(new)
            qubits = Fs[i, j] * designs.qubits[i] + tiles * 2 * float(d) ** 2
            runtime_cycles = cycles[i, j]
            kept.append(_Candidates(
                qubits=qubits, runtime=runtime_cycles,
                cost=qubits * runtime_cycles if cost == "volume" else runtime_cycles,
                design=i, block=np.full(len(i), b), d=np.full(len(i), d), factories=Fs[i, j],
                error=err[i, j]))
    if not kept:
        return SearchResult(None, None, n_configs, designs)
    allc = _Candidates.concat(kept)
    return SearchResult(_cheapest(allc), allc.take(pareto_mask(allc.qubits, allc.runtime)),
                        n_configs, designs)


def _cheapest(pool: _Candidates) -> _Candidates:
    """The least-cost configuration; ties go to the smaller design index, then the smaller d
    (Qualtran's iteration order: factories, then data blocks)."""
    tied = np.flatnonzero(pool.cost == pool.cost.min())
    pick = tied[np.lexsort((pool.d[tied], pool.block[tied], pool.design[tied]))[0]]
    return pool.take([pick])


def _factory_counts(designs: FactoryDesigns, S: int, total, data_cycles: float, block: DataBlock,
                    fixed) -> np.ndarray:
    """(designs, k) array of factory counts to try (0 = unused slot)."""
    n = len(designs)
    if fixed is not None:
        return np.tile(np.asarray(fixed, dtype=float), (n, 1))
    if block.single_factory or data_cycles == 0:
        return np.ones((n, 1))
    if total is not None:
        knee = np.ceil(total / data_cycles)
    else:
        runs = np.floor(data_cycles / designs.cycles)
        per_factory = np.where(runs >= 1, runs, 1) * designs.outputs
        knee = np.ceil(S / per_factory)
    knee = np.maximum(knee, 1)
    cols = F_GRID[:max(1, int(np.searchsorted(F_GRID, knee.max())))]   # the rest is past every knee
    grid = np.where(cols[None, :] < knee[:, None], cols[None, :], 0.0)
    return np.column_stack([grid, knee])


def to_estimate(result: SearchResult, blocks: tuple[DataBlock, ...], model: str,
                code_cycle_seconds: float, details: str | None = None) -> PhysicalEstimate:
    """The cheapest configuration as a :class:`PhysicalEstimate`."""
    b = result.best
    designs = result.designs
    F = int(b.factories[0])
    d = int(b.d[0])
    fq = F * designs.qubits[b.design[0]]
    runtime = float(b.runtime[0]) * code_cycle_seconds
    return PhysicalEstimate(
        model=model, qubits=int(round(b.qubits[0])), runtime_seconds=runtime,
        runtime_human=human_duration(runtime), code_distance=d,
        factory=designs.label(int(b.design[0])), factory_count=F,
        failure_probability=float(b.error[0]), factory_qubits=int(round(fq)),
        data_qubits=int(round(b.qubits[0] - fq)), data_block=blocks[int(b.block[0])].name,
        code_cycle_seconds=code_cycle_seconds, configurations=result.configurations,
        model_details=details)


def to_pareto(result: SearchResult, model: str, code_cycle_seconds: float) -> list[ParetoPoint]:
    f = result.frontier
    if f is None:
        return []
    return [ParetoPoint(qubits=int(round(f.qubits[k])),
                        runtime_seconds=float(f.runtime[k]) * code_cycle_seconds,
                        factory=result.designs.label(int(f.design[k])),
                        factory_count=int(f.factories[k]), code_distance=int(f.d[k]), model=model)
            for k in range(len(f.qubits))]


def merge_pareto(points: list[ParetoPoint]) -> list[ParetoPoint]:
    """The non-dominated subset of points from several models, by increasing qubits."""
    if not points:
        return []
    q = np.array([pt.qubits for pt in points], dtype=float)
    r = np.array([pt.runtime_seconds for pt in points])
    return [points[k] for k in pareto_mask(q, r)]


__all__ = ["CODE_CYCLE_SECONDS", "LogicalCounts", "ParetoPoint", "PhysicalEstimate",
           "SearchResult", "failed", "merge_pareto", "pareto_mask", "search", "to_estimate",
           "to_pareto"]
