"""The Qualtran bloq of a re-uploading circuit vs its decomposition and the lowered circuit."""

from __future__ import annotations

import collections
import warnings

import pytest
import sympy
from qualtran.resource_counting import QECGatesCost, get_cost_value

from qmlc.circuits.reupload import ReuploadShape, qiskit_circuit
from qmlc.circuits.reupload_bloq import ReuploadLayerBloq
from qmlc.compiler.qiren_model import QirenModel
from qmlc.estimators.qiren_estimate import estimate_qiren

CASES = [(8, 2, 2, "cz", "rz"), (3, 1, 3, "cnot", "rx"), (1, 2, 2, "cz", "ry"),
         (4, 3, 1, "cnot", "rz")]


@pytest.mark.parametrize("q,L,K,entangler,encoding", CASES)
def test_call_graph_decomposition_and_qiskit_circuit_agree(q, L, K, entangler, encoding):
    bloq = ReuploadLayerBloq(q, L, K, entangler, encoding)
    graph = get_cost_value(bloq, QECGatesCost())
    decomposed = bloq.decompose_bloq()
    counted = get_cost_value(decomposed, QECGatesCost())
    assert (graph.rotation, graph.clifford) == (counted.rotation, counted.clifford)
    names = collections.Counter(type(b.bloq).__name__.lower() for b in decomposed.bloq_instances)
    ops = qiskit_circuit(ReuploadShape(q, L, K, entangler, encoding)).count_ops()
    assert names.get("rz", 0) == ops.get("rz", 0)
    assert names.get("ry", 0) == ops.get("ry", 0)
    assert names.get("rx", 0) == ops.get("rx", 0)
    assert names.get("cz", 0) + names.get("cnot", 0) == ops.get("cz", 0) + ops.get("cx", 0)


def test_symbolic_counts_match_closed_form_and_concrete_instances():
    q, L, K = sympy.symbols("q L K", positive=True, integer=True)
    counts = get_cost_value(ReuploadLayerBloq(q, L, K), QECGatesCost())
    assert sympy.simplify(counts.rotation - (3 * (L + 1) * K * q + L * q)) == 0
    assert sympy.simplify(counts.clifford - (L + 1) * K * q) == 0
    for values in ({q: 8, L: 2, K: 2}, {q: 5, L: 3, K: 4}):
        concrete = get_cost_value(ReuploadLayerBloq(*values.values()), QECGatesCost())
        assert counts.rotation.subs(values) == concrete.rotation


def test_qualtran_t_count_equals_estimate_as_emitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = QirenModel(width=6, reuploads=2, blocks=3, entangler="cnot")
    est = estimate_qiren(model, epsilon=1e-3).to_dict()["fault_tolerant"]
    counts = get_cost_value(ReuploadLayerBloq(6, 2, 3, "cnot"), QECGatesCost())
    t = counts.total_t_count(ts_per_rotation=est["t_per_rotation"])
    assert t == est["t_count_as_emitted"]
