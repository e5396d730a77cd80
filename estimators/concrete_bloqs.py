"""Concrete instances of the history block encodings for tiny maps, laid out exactly as the
estimator lays them out (:func:`qmlc.estimators.logical.build_solver`): the bloqs carry their
tables, so they decompose into Qualtran stages and can be simulated and compared with the history
matrix built by :mod:`qmlc.compiler.carleman`.
"""

from __future__ import annotations

import numpy as np

from qmlc.circuits.bloqs.history_block_encoding import HistoryBlockEncoding
from qmlc.circuits.bloqs.history_decomposition import history_data
from qmlc.circuits.bloqs.history_label_circuit import label_circuit_data
from qmlc.circuits.bloqs.history_label_tables import label_tables
from qmlc.circuits.bloqs.history_labels import HistoryLabelBlockEncoding
from qmlc.circuits.bloqs.history_oracles import HistoryLayout
from qmlc.compiler.carleman import carleman_lift, history_system
from qmlc.estimators.logical import label_layout, polymap_inputs

__all__ = ["concrete_block_encoding", "concrete_label_block_encoding"]


def concrete_block_encoding(G: tuple, steps: int, value_bits: int, model: str = "qrom"):
    """(HistoryBlockEncoding with tables, the history matrix A) for u⁺ = G_0 + G_1 u (+ …) at
    order N = 1, with the layout built as :func:`qmlc.estimators.logical.build_solver` builds it
    (structural inputs from the exact G statistics) but a chosen number of value bits."""

    n = G[0].shape[0]
    inputs = polymap_inputs(G, 1, "concrete instance")
    layout = HistoryLayout(
        n=n, steps=steps, order=1, degree=inputs.degree, enum_sparsity=inputs.enum_sparsity,
        factor_sparsity=inputs.factor_slots, table_size=inputs.table_size(n),
        value_bits=value_bits)
    M, c = carleman_lift(G, 1)
    A, _ = history_system(M, c, np.zeros(M.shape[0]), steps)
    data = history_data(G[1], steps, inputs.enum_sparsity, inputs.term_norm, value_bits)
    return HistoryBlockEncoding(layout, inputs.term_norm, model, data), A


def concrete_label_block_encoding(G: tuple, order: int, steps: int, value_bits: int,
                                  model: str = "qrom"):
    """(HistoryLabelBlockEncoding with its stage circuit, LabelCircuitData) for a tiny map,
    with the layout :func:`qmlc.estimators.logical.build_solver` would build."""

    inputs = polymap_inputs(G, order, "concrete instance")
    data = label_circuit_data(label_tables(G, order, steps), value_bits)
    layout = label_layout(inputs, G[1].shape[0], steps, value_bits)
    return HistoryLabelBlockEncoding(layout, inputs.term_norm, model, data), data
