"""The term-label block encoding of the order-N ≥ 2 history matrix (circuits/bloqs/history_labels.py):
its maps, applied register by register to the tables it loads (history_label_tables.py),
reproduce A/α of the history matrix built by the independent brute-force lift
(compiler.carleman.carleman_lift_reference / history_system_reference), including entries
where two Kronecker terms coincide and columns made dense by G_0."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from qmlc.circuits.bloqs.history_label_tables import (
    column_side,
    encoded_block,
    label_tables,
    padded_history,
    row_side,
)
from qmlc.compiler.carleman import carleman_lift_reference, history_system_reference


def random_map(n: int, degree: int, seed: int, density: float = 0.6, g0: bool = True):
    rng = np.random.default_rng(seed)
    G = [rng.normal(size=n) * 0.4 if g0 else np.zeros(n)]
    for ell in range(1, degree + 1):
        G.append(sp.random(n, n**ell, density=density, random_state=seed + ell,
                           data_rvs=lambda k: rng.normal(size=k) * 0.6).tocsr())
    return tuple(G)


def history(G: tuple, order: int, steps: int) -> sp.csr_matrix:
    M, c = carleman_lift_reference(G, order)
    A, _ = history_system_reference(M, c, np.zeros(M.shape[0]), steps)
    return sp.csr_matrix(A)


# (n, degree, N, T, seed): T + 1 = 2^tb and not; n = 3 pads digits; N = 3 pads a level value
CASES = [(2, 1, 2, 1, 0), (2, 2, 2, 2, 1), (3, 2, 2, 1, 2), (2, 2, 3, 1, 3), (2, 1, 2, 3, 4),
         (3, 1, 3, 2, 5)]


@pytest.mark.parametrize("n,degree,order,steps,seed", CASES)
def test_block_is_history_matrix_over_alpha(n, degree, order, steps, seed):
    G = random_map(n, degree, seed)
    tab = label_tables(G, order, steps)
    block = encoded_block(tab)
    expected = padded_history(tab, history(G, order, steps))
    np.testing.assert_allclose(tab.structure.alpha * block, expected, atol=1e-12)
    # a block of a unitary: ‖block‖ ≤ 1, so α ≥ ‖A‖₂
    assert np.linalg.norm(block, 2) <= 1 + 1e-12


@pytest.mark.parametrize("n,degree,order,steps,seed", CASES[:4])
def test_enumerations_fit_their_slot_counts(n, degree, order, steps, seed):
    """Row side: distinct labels (an isometry), at most s_r per row. Column side: squared
    amplitudes sum to at most 1 (G_0 loading is normalized), labels per column ≤ s_c."""
    tab = label_tables(random_map(n, degree, seed), order, steps)
    s = tab.structure
    for index in range(2**tab.system_bits):
        assert len(row_side(tab, index)) <= s.row_slots
        col = column_side(tab, index)
        assert sum(a * a for _, _, a in col) <= 1 + 1e-12
        slots = set()
        for label, _, _ in col:    # one slot per label, G_0 components in superposition
            ells = () if label[0] == "id" else s.terms[label[0]]
            slots.add((label[0], tuple("g0" if m < len(ells) and ells[m] == 0 else comp
                                       for m, comp in enumerate(label[1]))))
        assert len(slots) <= s.col_slots


def test_coinciding_terms_add_up():
    """n = 2, dense G_0 and G_1, N = 2: G_0⊗G_1 and G_1⊗G_0 hit the same entries of M_{2,1};
    the merged entry exceeds every single term's normalization (so no in-place enumeration of
    single terms could list it), and the label encoding still reproduces it."""
    G = (np.array([0.9, 0.8]), sp.csr_matrix([[0.9, 0.7], [0.6, 0.8]]))
    tab = label_tables(G, 2, 1)
    M, _ = carleman_lift_reference(G, 2)
    merged = np.abs(M.toarray()[2:, :2]).max()          # block M_{2,1}
    assert merged > tab.structure.term_norm
    expected = padded_history(tab, history(G, 2, 1))
    np.testing.assert_allclose(tab.structure.alpha * encoded_block(tab), expected, atol=1e-12)


def test_dense_gradient_does_not_enter_column_slots():
    """A dense G_0 makes the columns of G_0⊗G_1 n-dense; amplitude loading keeps s_c at the
    sparse count (1 + Σ Π s_col) and puts ‖G_0‖₂ into α instead."""
    G = (np.array([0.5, -0.4, 0.3]),
         sp.csr_matrix(np.array([[0.5, 0.0, 0.2], [0.0, 0.6, 0.0], [0.1, 0.0, 0.4]])))
    tab = label_tables(G, 2, 1)
    A = history(G, 2, 1)
    true_col_nnz = int(np.diff(A.tocsc().indptr).max())
    s_col = 2          # G_1 has at most 2 nonzeros per column
    # level-1 column: identity + G_1 + G_0⊗G_1 + G_1⊗G_0; level-2: identity + G_1⊗G_1
    assert tab.structure.col_slots == max(1 + s_col + s_col + s_col, 1 + s_col * s_col)
    assert true_col_nnz > tab.structure.col_slots
    gamma = float(np.linalg.norm(G[0]))
    assert tab.structure.term_norm == pytest.approx(max(1.0, 0.6 * 0.6, gamma * 0.6))
    np.testing.assert_allclose(tab.structure.alpha * encoded_block(tab), padded_history(tab, A),
                               atol=1e-12)


def test_flag_structure_matches_hand_count():
    """Flag model (quadratic map, s = 16 per row and per first column digit, entries ≤ 1,
    ‖G_0‖₂ = γ): level-2 rows list 1 + G_0⊗G_1 + G_1⊗G_0 + G_1⊗G_1 + G_0⊗G_2 + G_2⊗G_0 =
    1 + 16 + 16 + 256 + 16 + 16 labels; level-2 columns 1 + G_2 + G_1⊗G_1 + G_0⊗G_2 + G_2⊗G_0;
    α = √(s_r s_c)·max(1, γ)."""
    from qmlc.estimators.requests import flag_inputs

    for gamma in (1.0, 3.0):
        inputs = flag_inputs(10**8, 2, 16, gamma)
        assert inputs.row_slots == 1 + 16 + 16 + 256 + 16 + 16
        assert inputs.col_slots == max(1 + 16 + 16 + 16, 1 + 16 + 256 + 16 + 16)
        assert inputs.term_count == 7
        assert inputs.alpha == pytest.approx(math.sqrt(321 * 305) * max(1.0, gamma))


def test_declared_layout_matches_the_tables():
    """The sizes the cost model declares are those of the tables the maps use."""
    from qmlc.estimators.logical import label_layout, polymap_inputs

    G = random_map(3, 2, 7)
    tab = label_tables(G, 2, 2)
    inputs = polymap_inputs(G, 2, "test")
    lay = label_layout(inputs, 3, 2, 8)
    assert lay.system_bits == tab.system_bits
    assert lay.slot_bits == tab.slot_bits
    assert lay.entry_table_size == sum(len(t) for t in tab.entries.values())
    assert (inputs.row_slots, inputs.col_slots) == (tab.structure.row_slots,
                                                     tab.structure.col_slots)
    assert lay.term_count == len(tab.structure.terms)
