"""Physical resources from logical counts, from 10^6 to 10^22 T gates and beyond: every factory
model of qmlc's library searched on the same counts, the cheapest configuration by space-time
volume, each model's best, and the (physical qubits, runtime) frontier.

Models (keys of ``physical_models``; each states its surface-code convention, layouts and range):

``gidney-fowler``
    Two-level CCZ→2T factories (:mod:`qmlc.estimators.gidney_fowler`), every odd (d1 < d2) ≤ 99;
    ``fowler-gidney`` P_L; layouts simple (one factory, as Qualtran), compact, intermediate,
    fast. With the simple layout and Qualtran's grid it is Qualtran 0.7's
    ``get_ccz2t_costs_from_grid_search``. Fails past its floor 28·(35p³)² per CCZ state.
``litinski-2019``
    Litinski's Table 1 T factories (:mod:`qmlc.estimators.litinski`), valid for p ≤ the row's p;
    ``fowler-gidney`` P_L; layouts compact, intermediate, fast.
``beverland-15to1``
    Round-based 15-to-1 distillation, 1–3 rounds (4 when needed), on injected states
    (:mod:`qmlc.estimators.distillation`); ``beverland`` P_L and layout.
``cultivation``
    Magic-state cultivation alone and followed by 1–2 rounds of 15-to-1
    (:mod:`qmlc.estimators.cultivation`), data at p ∈ {5e-4, 1e-3, 2e-3}; ``beverland`` P_L and
    layout.
``msft-estimator``
    The Microsoft estimator itself (:mod:`qmlc.estimators.msft`), at its own 0.4 µs code cycle and
    budget split, only where its 64-bit nanosecond runtime cannot wrap. A cross-check: it is not a
    candidate for ``physical``.

All library models use one code cycle, ``CODE_CYCLE_SECONDS`` = 1 µs (Gidney & Fowler's and
Qualtran's), one joint error budget (factory + data ≤ budget) and float arithmetic; ``physical``
is the cheapest of them by qubits × runtime, ``pareto`` the non-dominated configurations of all
of them together.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from qmlc.compiler.results import Result
from qmlc.estimators import cultivation, distillation, gidney_fowler, litinski
from qmlc.estimators.factories import FactoryDesigns
from qmlc.estimators.frontier import (
    CODE_CYCLE_SECONDS,
    LogicalCounts,
    ParetoPoint,
    PhysicalEstimate,
    failed,
    merge_pareto,
    search,
    to_estimate,
    to_pareto,
)
from qmlc.estimators.msft import msft_estimate
from qmlc.estimators.surface_code import (
    BEVERLAND,
    BEVERLAND_LAYOUT,
    COMPACT,
    FAST,
    FOWLER_GIDNEY,
    INTERMEDIATE,
    MAX_DISTANCE,
    SIMPLE,
    DataBlock,
    SurfaceCodeModel,
)


@dataclass(frozen=True)
class FactoryModel:
    """One entry of the library: how to get its designs at p, the layouts and the P_L model."""

    key: str
    designs: Callable[[float, float], FactoryDesigns | None]   # (p, target error per state)
    blocks: tuple[DataBlock, ...]
    qec: SurfaceCodeModel
    citation: str
    valid_range: str
    state: str = "T"      # the magic state its designs output: "T", or "CCZ" (see LogicalCounts)

    def describe(self) -> str:
        return (f"{self.key}: {self.citation}; layouts {'/'.join(b.name for b in self.blocks)}; "
                f"{self.qec.describe()}; valid {self.valid_range}; code cycle "
                f"{CODE_CYCLE_SECONDS * 1e6:g} us")


@lru_cache(maxsize=16)
def _gf_designs(p: float) -> FactoryDesigns:
    return gidney_fowler.ccz2t_designs(p).nondominated()


def _gf(p: float, target: float) -> FactoryDesigns | None:
    return _gf_designs(p)


def _litinski(p: float, target: float) -> FactoryDesigns | None:
    return litinski.litinski_designs(p)


def _round_based(p: float, target: float) -> FactoryDesigns | None:
    designs = distillation.round_based_designs(p)
    if designs is not None and designs.error.min() > target and _fourth_round_helps(p, designs):
        return distillation.round_based_designs(p, (distillation.EXTRA_ROUNDS,))
    return designs


def _fourth_round_helps(p: float, designs: FactoryDesigns) -> bool:
    """A fourth round cannot go below 7.1·P_L(99) (its Clifford term) nor 35·(best)³."""
    best = designs.error.min()
    floor = 35 * best**3 + 7.1 * BEVERLAND.rate(MAX_DISTANCE, p)
    return floor < best


def _cultivation(p: float, target: float) -> FactoryDesigns | None:
    return distillation.cultivation_chain_designs(p)


MODELS = (
    FactoryModel("gidney-fowler", _gf, (SIMPLE, COMPACT, INTERMEDIATE, FAST), FOWLER_GIDNEY,
                 gidney_fowler.CITATION, "p < 0.01, N*28(35p^3)^2 < budget for N CCZ states",
                 state="CCZ"),
    FactoryModel("litinski-2019", _litinski, (COMPACT, INTERMEDIATE, FAST), FOWLER_GIDNEY,
                 litinski.CITATION, "p <= 1e-3 (rows at p = 1e-4 and 1e-3, used at or below)"),
    FactoryModel("beverland-15to1", _round_based, (BEVERLAND_LAYOUT,), BEVERLAND,
                 distillation.CITATION, "p < 0.01 while a round lowers the error"),
    FactoryModel("cultivation", _cultivation, (BEVERLAND_LAYOUT,), BEVERLAND,
                 cultivation.CITATION + "; then 15-to-1 rounds: " + distillation.CITATION,
                 "p <= 2e-3 (data at 5e-4, 1e-3, 2e-3, used at or below)"),
)


@dataclass(frozen=True)
class PhysicalReport(Result):
    """``physical``: the cheapest configuration of the library (or why none fits);
    ``physical_models``: each model's best (the Microsoft estimator as ``msft-estimator``);
    ``pareto``: the non-dominated (qubits, runtime) configurations of the library."""

    physical: PhysicalEstimate
    physical_models: dict[str, PhysicalEstimate]
    pareto: list[ParetoPoint]
    assumptions: dict = field(default_factory=dict)
    seconds: float = 0.0


def model_estimate(model: FactoryModel, counts: LogicalCounts, p: float, budget: float):
    """(best :class:`PhysicalEstimate`, frontier points) of one library model."""
    name, details = model.key, model.describe()
    if not 0 < p < model.qec.threshold:
        return failed(name, f"p = {p:g} is not below the threshold {model.qec.threshold:g}",
                      details), []
    states = counts.states(model.state)
    if states == 0:
        return failed(name, "no magic states to make: the logical counts have no T or CCZ",
                      details), []
    designs = model.designs(p, budget / states)
    if designs is None:
        return failed(name, f"no design of this model is valid at p = {p:g} "
                            f"(valid: {model.valid_range})", details), []
    result = search(counts, designs, model.blocks, model.qec, p, budget)
    if result.best is None:
        return failed(name, _why_none(model, designs, counts, states, p, budget), details), []
    return (to_estimate(result, model.blocks, name, CODE_CYCLE_SECONDS, details),
            to_pareto(result, model.key, CODE_CYCLE_SECONDS))


def _why_none(model: FactoryModel, designs: FactoryDesigns, counts: LogicalCounts, states: int,
              p: float, budget: float) -> str:
    """The precise reason no configuration fits."""
    low = float(designs.error.min())
    kind = designs.state
    if low * states >= budget:
        text = (f"{states:.3g} {kind} states need < {budget / states:.3g} error per state within "
                f"the budget {budget:g}; the best design here reaches {low:.3g} at p = {p:g}, "
                f"so at most {budget / low:.3g} states fit")
        if model.key == "gidney-fowler":
            floor = gidney_fowler.distillation_floor(p)
            text += (f"; the two-level floor 28*(35 p^3)^2 = {floor:.3g} per CCZ state (all "
                     f"distances -> infinity) needs p < {(budget / (34300 * states)) ** (1 / 6):.3g}"
                     " for this count")
        if model.key == "beverland-15to1":
            text += (f"; every round adds 7.1*P_L(d) >= {7.1 * BEVERLAND.rate(MAX_DISTANCE, p):.3g} "
                     f"at d <= {MAX_DISTANCE}")
        return text
    return (f"the data block needs a code distance above {MAX_DISTANCE} to keep "
            f"{counts.qubits} logical qubits for {counts.logical_depth:.3g} steps within the "
            f"budget {budget:g} at p = {p:g}")


def physical_estimates(counts: LogicalCounts, p: float, budget: float,
                       run_msft: bool = True) -> PhysicalReport:
    """Every model on ``counts``; the cheapest, each model's best, the joint frontier."""
    start = time.perf_counter()
    models: dict[str, PhysicalEstimate] = {}
    points: list[ParetoPoint] = []
    for model in MODELS:
        models[model.key], frontier = model_estimate(model, counts, p, budget)
        points += frontier
    feasible = [m for m in models.values() if m.ok]
    if feasible:
        physical = min(feasible, key=lambda m: m.qubits * m.runtime_seconds)
    else:
        physical = failed("none", "no model fits: " + "; ".join(f"{k}: {m.error}"
                                                               for k, m in models.items()))
    if run_msft:
        models["msft-estimator"] = msft_estimate(counts, p, budget)
    assumptions = {
        "selection": "physical = least physical qubits x runtime among the library models "
                     "(" + ", ".join(m.key for m in MODELS) + "); msft-estimator is a "
                     "cross-check at its own code cycle and budget split",
        "code_cycle_seconds": CODE_CYCLE_SECONDS,
        "error_budget": f"{budget:g}, joint: factory error + data error <= budget",
        "physical_error_rate": p,
        "logical_error_models": [FOWLER_GIDNEY.describe(), BEVERLAND.describe()],
        "logical_depth": f"{counts.logical_depth:.6g} steps (measurements + T + 3 CCZ unless given)",
        "models": {m.key: m.describe() for m in MODELS},
    }
    return PhysicalReport(physical=physical, physical_models=models, pareto=merge_pareto(points),
                          assumptions=assumptions, seconds=time.perf_counter() - start)


# Qualtran 0.7's default grid: iter_ccz2t_factories() and iter_simple_data_blocks()
QUALTRAN_FACTORIES = tuple((l1, l2) for l1 in range(5, 25, 2) for l2 in range(l1 + 2, 41, 2))
QUALTRAN_DISTANCES = tuple(range(7, 35, 2))


def gidney_fowler_grid_search(counts: LogicalCounts, p: float, budget: float,
                              factories=QUALTRAN_FACTORIES, distances=QUALTRAN_DISTANCES,
                              n_factories: int = 1, cost: str = "volume",
                              code_cycle_seconds: float = CODE_CYCLE_SECONDS) -> PhysicalEstimate:
    """Qualtran's ``get_ccz2t_costs_from_grid_search`` on qmlc's vectorized formulas: the
    ``simple`` layout, ``n_factories`` copies of each (d1, d2) in ``factories``, data distances
    ``distances``; least qubits × runtime (``cost="volume"``, Qualtran's default) or runtime."""
    name = "gidney-fowler-grid"
    details = ("Qualtran 0.7 get_ccz2t_costs_from_grid_search on qmlc's vectorized formulas: "
               f"simple layout, {n_factories} factory(ies), cost {cost}")
    designs = gidney_fowler.ccz2t_grid(p, factories)
    result = search(counts, designs, (SIMPLE,), FOWLER_GIDNEY, p, budget, distances=distances,
                    factory_counts=(n_factories,), cost=cost)
    if result.best is None:
        return failed(name, "No valid factories found: no (factory, data distance) of the grid "
                            f"meets the budget {budget:g}", details)
    return to_estimate(result, (SIMPLE,), name, code_cycle_seconds, details)


__all__ = ["MODELS", "QUALTRAN_DISTANCES", "QUALTRAN_FACTORIES", "FactoryModel", "PhysicalReport",
           "gidney_fowler_grid_search", "model_estimate", "physical_estimates"]
