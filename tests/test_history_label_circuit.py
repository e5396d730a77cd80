"""The order-2 term-label block encoding decomposed into Qualtran bloqs for a tiny instance
(circuits/bloqs/history_label_circuit.py): the block of the decomposed stages, simulated with
Qualtran's classical simulation and its gate tensors, reproduces A/α of the history matrix from
the independent brute-force lift, up to the b-bit flag angles; the decomposition's qubits are
compared with the declared count, the difference asserted with its reason."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from qualtran.resource_counting import QECGatesCost, QubitCount, get_cost_value

import qmlc.circuits.bloqs.history_label_tables as tables
from qmlc.circuits.bloqs.history_label_circuit import label_stages, simulate_block
from qmlc.compiler.carleman import carleman_lift_reference, history_system_reference
from qmlc.estimators.concrete_bloqs import concrete_label_block_encoding

VALUE_BITS = 8
# n = 2, affine map, N = 2, T = 1: G_0⊗G_1 and G_1⊗G_0 coincide in M_{2,1}; G_0 is dense
G = (np.array([0.5, -0.4]), sp.csr_matrix([[0.5, -0.3], [0.2, 0.4]]))


@pytest.fixture(scope="module")
def instance():
    be, data = concrete_label_block_encoding(G, 2, 1, VALUE_BITS)
    M, c = carleman_lift_reference(G, 2)
    A, _ = history_system_reference(M, c, np.zeros(M.shape[0]), 1)
    block = simulate_block(data)
    # a global phase (the two slot superpositions' phases differ) is no part of the encoding
    phase = block[0, 0] / abs(block[0, 0])
    return be, data, tables.padded_history(data.tab, A), block / phase


@pytest.mark.slow
def test_simulated_block_is_history_matrix_over_alpha(instance, monkeypatch):
    """Exactly the label model with each of the N + 1 flag amplitudes f quantized to
    cos(2π·round(2^b·arccos f/2π)/2^b), and within 2 terms × (N + 1) flags × a·π·2^-b of A (at
    most two terms meet in one entry here); up to one global phase, taken from the identity
    entry ⟨0|·|0⟩."""
    be, data, padded, block = instance
    alpha = float(be.alpha)
    assert alpha == pytest.approx(data.tab.structure.alpha)
    def quantized(tab, label, col):
        out = 1.0
        for f in tables.entry_factors(tab, label, col):
            frac = round(math.acos(max(-1.0, min(1.0, f))) / (2 * math.pi) * 2**VALUE_BITS)
            out *= math.cos(2 * math.pi * frac / 2**VALUE_BITS)
        return out

    monkeypatch.setattr(tables, "entry_amplitude", quantized)
    np.testing.assert_allclose(block, tables.encoded_block(data.tab), atol=1e-12)
    a = data.tab.structure.term_norm
    flags = data.tab.order + 1
    assert np.abs(alpha * block - padded).max() <= 2 * flags * a * math.pi * 2.0**-VALUE_BITS


def test_the_bloq_decomposes_into_its_stages(instance):
    be, data, _, _ = instance
    cbloq = be.decompose_bloq()
    inner = [inst.bloq for inst in cbloq.bloq_instances
             if type(inst.bloq).__module__.endswith("history_label_circuit")]
    assert [str(b) for b in inner] == [str(b) for b in label_stages(data)]


@pytest.mark.slow
def test_declared_qubits_vs_decomposition(instance):
    """Decomposed peak: system + declared ancilla (label, E, N + 1 flags) + the circuit's
    work register (slot / angle / temporaries) + the unary-iteration ancillas of its largest
    QROM, the inverse label table over (level, digits, label): selection − 1 (Babbush et al.
    2018). The declared count shares system, label, E and flags; its work is that of the
    factored lookups over the G tables. The difference is the dense-table price of this
    tiny-instance circuit."""
    be, data, _, _ = instance
    flat = be.decompose_bloq().flatten()
    qubits = get_cost_value(flat, QubitCount())
    lay = be.layout
    assert lay.label_bits == data.label_bits and lay.system_bits == data.tab.system_bits
    registers = lay.system_bits + lay.ancilla_bits
    largest_selection = data.low_bits + data.label_bits
    assert qubits == registers + data.work_bits + largest_selection - 1
    declared_work = be.qubits - registers
    assert be.qubits - qubits == declared_work - data.work_bits - (largest_selection - 1)
    gates = get_cost_value(flat, QECGatesCost())
    # rotations: b per flag (N + 1 flags), one Ry per G_0 factor position, and the two slot
    # superpositions' own rotations (Qualtran's PrepareUniformSuperposition)
    from qualtran.bloqs.state_preparation import PrepareUniformSuperposition

    s = data.tab.structure
    prep = sum(get_cost_value(PrepareUniformSuperposition(k), QECGatesCost()).rotation
               for k in (s.row_slots, s.col_slots))
    assert gates.rotation == (lay.order + 1) * VALUE_BITS + lay.order + prep
