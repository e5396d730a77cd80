"""The T-count breakdown of one solve: parts add up to the total; the QLSA phases and the
amplitude-amplification reflections match their counts by hand."""

from __future__ import annotations

import json

import pytest

from qmlc.circuits.bloqs.jennings import expected_queries
from qmlc.circuits.bloqs.qsvt_inversion import aa_rounds, cks_degree
from qmlc.estimators.logical import T_PER_TOFFOLI, concrete_estimate
from qmlc.estimators.requests import (
    EstimateOptions,
    estimate_request,
    flag_inputs,
    request_from_parameters,
)
from qmlc.reports import cli

N, STEPS, KAPPA, EPS = 10_000, 20, 42.0, 1e-2


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("algorithm", ["qsvt", "jennings"])
@pytest.mark.parametrize("model", ["qram", "qrom", "select-swap"])
def test_components_add_up_to_the_t_count(order, algorithm, model):
    request = request_from_parameters(N, STEPS, order, 4, EPS)
    est = estimate_request(request, EstimateOptions(algorithm=algorithm, data_access=model,
                                                    breakdown=True))
    parts = est.breakdown.components
    assert sum(c.t_count for c in parts) == est.t_count
    assert sum(c.ccz_class for c in parts) == est.toffoli_count
    assert sum(c.rotations for c in parts) == est.rotation_count
    assert sum(c.share for c in parts) == pytest.approx(1.0)
    for c in parts:   # each part's T-count is its gates under the estimate's conversion
        assert c.t_count == c.t_gates + T_PER_TOFFOLI * c.ccz_class + \
            est.t_per_rotation * c.rotations
    assert est.breakdown.readout_repetitions == est.readout["repetitions"]
    if order == 1:
        assert est.breakdown.component("g0_loading").t_count == 0   # G_0 only in |b⟩ at N = 1


def test_qsvt_phases_and_reflections_by_hand():
    """QSVT: (2k+1)(d+1) projector-controlled phases, each (a−1) And gates (4 T; the
    uncomputing And† is free) and one rotation; k reflections on r qubits, (r−1) And each;
    k = ⌈πκ'/2⌉, d the CKS degree for κ' = α·κ at ε/2."""
    inputs = flag_inputs(N, 2, 4, 1.0)
    tree, counts = concrete_estimate(inputs, "qsvt", "qram", N, STEPS, KAPPA, EPS)
    from qmlc.estimators.breakdown import t_count_breakdown

    b = t_count_breakdown(tree, counts)
    kappa_eff = inputs.alpha * KAPPA
    k, d = aa_rounds(kappa_eff), cks_degree(kappa_eff, EPS / 2)
    a = tree.block_encoding.ancilla_bits
    r = tree.solver.reflection_bits
    t_rot = counts.t_per_rotation
    assert b.component("qlsa_phases").t_count == (2 * k + 1) * (d + 1) * (4 * (a - 1) + t_rot)
    assert b.component("amplitude_amplification").t_count == k * 4 * (r - 1)


def test_jennings_phases_by_hand():
    """Jennings: one projector-controlled phase per expected block-encoding query, ⌈Q*/(0.39 −
    0.204 ε')⌉ with ε' = ε/2, and no amplitude amplification."""
    inputs = flag_inputs(N, 2, 4, 1.0)
    tree, counts = concrete_estimate(inputs, "jennings", "qram", N, STEPS, KAPPA, EPS)
    from qmlc.estimators.breakdown import t_count_breakdown

    b = t_count_breakdown(tree, counts)
    import math
    queries = math.ceil(expected_queries(inputs.alpha, KAPPA, EPS / 2))
    a = tree.block_encoding.ancilla_bits
    assert b.component("qlsa_phases").t_count == queries * (4 * (a - 1) + counts.t_per_rotation)
    assert b.component("amplitude_amplification").t_count == 0


def test_estimate_json_has_no_breakdown_unless_asked():
    """``qmlc estimate`` prints what it printed before: the breakdown is the report's."""
    lines: list[str] = []
    assert cli.main(["estimate", "--n", "1000", "--steps", "10", "--order", "2",
                     "--row-sparsity", "4", "--epsilon", "1e-2", "--json"],
                    out=lines.append) == 0
    assert "breakdown" not in json.loads(lines[0])
