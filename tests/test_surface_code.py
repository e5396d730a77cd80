"""The surface-code data block of ``estimators.surface_code`` against the published formulas and
against Qualtran's and the Microsoft estimator's own implementations of them."""

from __future__ import annotations

import math

import pytest

from qmlc.estimators.msft import min_distance
from qmlc.estimators.surface_code import (
    BEVERLAND,
    BEVERLAND_LAYOUT,
    COMPACT,
    FAST,
    FOWLER_GIDNEY,
    INTERMEDIATE,
    SIMPLE,
)


@pytest.mark.parametrize("p", [1e-3, 1e-4, 3e-3])
@pytest.mark.parametrize("d", [3, 7, 25, 51])
def test_the_two_conventions_are_the_published_formulas(p, d):
    """Fowler–Gidney 0.1(100p)^((d+1)/2) per code cycle (Litinski's ``plog``); Beverland /
    Fowler 2012 0.03(p/0.01)^((d+1)/2) per logical cycle of d code cycles."""
    fg = 0.1 * (100 * p) ** ((d + 1) / 2)
    bev = 0.03 * (p / 0.01) ** ((d + 1) // 2)
    assert FOWLER_GIDNEY.rate(d, p) == pytest.approx(fg, rel=1e-12)
    assert BEVERLAND.rate(d, p) == pytest.approx(bev, rel=1e-12)
    # per code cycle they differ by 3.33·d: the conventions are not interchangeable
    assert FOWLER_GIDNEY.per_code_cycle(d, p) / BEVERLAND.per_code_cycle(d, p) == \
        pytest.approx(0.1 / 0.03 * d, rel=1e-12)
    # storage error of 10 tiles for 1000 code cycles
    assert FOWLER_GIDNEY.storage_error(d, p, 10, 1000) == pytest.approx(1e4 * fg, rel=1e-12)
    assert BEVERLAND.storage_error(d, p, 10, 1000) == pytest.approx(1e4 * bev / d, rel=1e-12)


def test_fowler_gidney_matches_qualtran_qec_scheme():
    from qualtran.surface_code import QECScheme

    scheme = QECScheme.make_gidney_fowler()
    for p in (1e-3, 2e-4):
        for d in range(3, 60, 2):
            assert FOWLER_GIDNEY.rate(d, p) == pytest.approx(scheme.logical_error_rate(d, p),
                                                            rel=1e-14)


@pytest.mark.parametrize("p,rate", [(1e-3, 1e-15), (1e-4, 3e-22), (5e-3, 1e-9), (1e-3, 0.5)])
def test_distance_for_rate_is_the_smallest_odd_distance(p, rate):
    for model in (FOWLER_GIDNEY, BEVERLAND):
        d = model.distance_for_rate(p, rate)
        assert d % 2 == 1 and d >= 3
        assert model.rate(d, p) <= rate
        assert d == 3 or model.rate(d - 2, p) > rate


@pytest.mark.parametrize("depth,q,p,budget", [(10**8, 300, 1e-3, 0.005), (10**12, 100, 1e-4, 0.05),
                                              (10**6, 5000, 2e-3, 0.001)])
def test_microsofts_inverse_formula_gives_the_smallest_distance(depth, q, p, budget):
    """The estimator's ⌈2 ln(a/r)/ln(p_th/p) − 1⌉ | 1 equals the smallest odd d meeting r."""
    rate = budget / (BEVERLAND_LAYOUT.tiles(q) * depth)
    assert min_distance(depth, q, p, budget) == BEVERLAND.distance_for_rate(p, rate)


@pytest.mark.parametrize("q", [1, 7, 100, 288, 5000])
def test_layouts_match_qualtran_and_the_microsoft_estimator(q):
    from qualtran.surface_code import (
        CompactDataBlock,
        FastDataBlock,
        IntermediateDataBlock,
        SimpleDataBlock,
    )

    for ours, theirs in ((SIMPLE, SimpleDataBlock(data_d=5)), (COMPACT, CompactDataBlock(data_d=5)),
                         (INTERMEDIATE, IntermediateDataBlock(data_d=5)),
                         (FAST, FastDataBlock(data_d=5))):
        assert ours.tiles(q) == theirs.n_tiles(q)
        assert ours.steps == theirs.n_steps_to_consume_a_magic_state
        assert ours.physical_qubits(q, 5) == theirs.n_physical_qubits(q)
    # Beverland et al. / Microsoft: 2Q + ceil(sqrt(8Q)) + 1 logical qubits (its "algorithmic
    # logical qubits"; 650 for Q = 300 in the estimator's output)
    assert BEVERLAND_LAYOUT.tiles(q) == 2 * q + math.ceil(math.sqrt(8 * q)) + 1
    assert SIMPLE.routing_overhead(100) == pytest.approx(0.5)
