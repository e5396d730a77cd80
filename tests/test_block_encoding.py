"""Block encodings: the simulated ⟨0|U|0⟩ block against the matrix itself divided by α."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector

from qmlc.circuits.block_encoding import sparse_block_encoding
from qmlc.circuits.edge_coloring import colour_classes, edge_coloring
from qmlc.circuits.encoding_counts import block_encoding_gate_counts
from qmlc.circuits.gates import prepare_real_amplitudes
from qmlc.circuits.history_encoding import history_block_encoding, padded_history_layout
from tests.qlsa_helpers import extract_block, tiny_system


def _random_sparse(size: int, density: float, seed: int, symmetric: bool = False):
    rng = np.random.default_rng(seed)
    B = sp.random(size, size, density=density, random_state=rng,
                  data_rvs=lambda k: rng.uniform(-1.5, 1.5, k)).toarray()
    if symmetric:
        B = B + B.T
    return sp.csr_matrix(B)


@pytest.mark.parametrize("size,density,seed,symmetric", [
    (4, 0.5, 1, False), (5, 0.4, 2, False), (8, 0.25, 3, False), (8, 0.2, 4, True),
    (6, 0.3, 5, False),
])
def test_block_matches_matrix_over_alpha(size, density, seed, symmetric):
    B = _random_sparse(size, density, seed, symmetric)
    assert (B.data < 0).any() and (B.data > 0).any()   # signed
    be = sparse_block_encoding(B)
    block = extract_block(be.circuit, be.num_system)
    dense = np.eye(2**be.num_system)
    dense[:size, :size] = B.toarray()                   # identity padding
    np.testing.assert_allclose(block * be.alpha, dense, atol=1e-9)
    # α is the sum of colour-class maxima, never above Lemma 48's s·‖B‖_max
    s = max(np.diff(sp.csr_matrix(dense).indptr).max(),
            np.diff(sp.csc_matrix(dense).indptr).max())
    assert be.alpha <= s * np.abs(dense).max() + 1e-12


def test_non_symmetric_block_is_not_transposed():
    B = sp.csr_matrix(np.array([[0.0, 0.9, 0, 0], [0, 0, 0, 0], [0, 0, 0.2, 0], [-0.7, 0, 0, 0]]))
    be = sparse_block_encoding(B)
    block = extract_block(be.circuit, be.num_system) * be.alpha
    assert abs(block[0, 1] - 0.9) < 1e-9 and abs(block[1, 0]) < 1e-9
    assert abs(block[3, 0] + 0.7) < 1e-9


def test_edge_coloring_is_proper_with_max_degree_colours():
    B = _random_sparse(12, 0.3, 7)
    coo = B.tocoo()
    colours = edge_coloring(coo.row, coo.col)
    degree = max(np.bincount(coo.row).max(), np.bincount(coo.col).max())
    assert colours.max() + 1 == degree                  # König: Δ colours suffice
    for k in range(degree):
        sel = colours == k
        assert len(set(coo.row[sel])) == sel.sum() and len(set(coo.col[sel])) == sel.sum()
    # networkx's bipartite max matching bounds the size of every colour class
    graph = nx.Graph()
    graph.add_edges_from((("r", r), ("c", c)) for r, c in zip(coo.row, coo.col))
    matching = nx.bipartite.maximum_matching(graph, top_nodes={("r", r) for r in coo.row})
    assert max(np.bincount(colours)) <= len(matching) // 2


def test_colour_classes_sum_to_matrix():
    B = _random_sparse(9, 0.3, 11)
    total = np.zeros((9, 9))
    for cls in colour_classes(B):
        assert sorted(cls.perm) == list(range(9))       # a permutation
        total[cls.perm, np.arange(9)] += cls.values
    np.testing.assert_allclose(total, B.toarray())


@pytest.mark.parametrize("m,seed", [(1, 0), (2, 1), (3, 2), (4, 3)])
def test_real_state_preparation(m, seed):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=2**m)
    v[rng.integers(2**m)] = 0.0
    v /= np.linalg.norm(v)
    qc = QuantumCircuit(m)
    prepare_real_amplitudes(qc, list(range(m)), v)
    np.testing.assert_allclose(Statevector(qc).data, v, atol=1e-12)


@pytest.mark.parametrize("steps", [1, 2])
def test_history_encoding_matches_carleman_matrix(steps):
    system = tiny_system(steps)
    be = history_block_encoding(system.M, system.steps)
    block = extract_block(be.circuit, be.num_system) * be.alpha
    idx = padded_history_layout(system.delta, steps).padded_indices()
    np.testing.assert_allclose(block[np.ix_(idx, idx)], system.A.toarray(), atol=1e-9)
    others = np.setdiff1d(np.arange(block.shape[0]), idx)
    np.testing.assert_allclose(block[np.ix_(others, others)], np.eye(others.size), atol=1e-9)
    np.testing.assert_allclose(block[np.ix_(others, idx)], 0, atol=1e-9)
    np.testing.assert_allclose(block[np.ix_(idx, others)], 0, atol=1e-9)
    assert be.alpha == pytest.approx(1 + be.structure["alpha_M"])


def test_gate_counts_match_structure():
    B = _random_sparse(8, 0.25, 3)
    counts = block_encoding_gate_counts(B)
    st = counts["structure"]
    mcx = sum(v for k, v in counts["high_level"].items() if k.startswith("mcx_"))
    # every transposition is one MCX (plus CNOTs), every controlled entry rotation two MCX
    assert mcx >= st["transpositions"] + 2 * st["entry_rotations"]
    assert counts["high_level"]["ry"] >= 2 * st["entry_rotations"]
    assert counts["cx_u"]["cx"] > 0 and set(counts["cx_u"]) <= {"cx", "u"}
    assert counts["ancillas"] == 1 + int(np.ceil(np.log2(st["colours"])))
