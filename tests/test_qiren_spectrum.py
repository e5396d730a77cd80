"""Layer-1 frequency support of QIREN against the Schuld–Sweke–Meyer prediction."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_reference import circuit_expectations_reference
from qmlc.compiler.qiren_spectrum import layer1_spectrum, lightcone_degrees
from qmlc.compiler.qiren_weights import init_weights


def _brute_force_prediction(A: np.ndarray, L: int) -> set[tuple[int, ...]]:
    """{Aᵀk : k ∈ {−L..L}^q} by enumerating every k."""
    return {tuple(int(v) for v in np.asarray(k) @ A)
            for k in itertools.product(range(-L, L + 1), repeat=A.shape[0])}


def _layer(q, L, K, entangler, in_dim, seed, encoding="rz"):
    model = QirenModel(in_dim=in_dim, width=q, layers=1, reuploads=L, blocks=K,
                       entangler=entangler, encoding=encoding)
    w = init_weights(model, seed)
    bias = np.random.default_rng(seed).normal(size=q)
    return model, w["layer0.circuit.weights"], w["layer0.circuit.final"], bias


@pytest.mark.parametrize("entangler", ["cz", "cnot"])
def test_distinct_frequencies_all_present_and_none_outside(entangler):
    # A = (1, 5, 25): k ↦ Aᵀk is injective on {−2..2}³, so all 125 frequency vectors are distinct.
    model, W, F, b = _layer(3, 2, 2, entangler, 1, seed=3)
    A = np.array([[1], [5], [25]])
    report = layer1_spectrum(model, W, F, A, bias=b)
    predicted = _brute_force_prediction(A, 2)
    assert len(predicted) == 125
    assert set(report.measured) == predicted
    assert report.agrees and report.within_bound
    assert report.max_outside_magnitude < 1e-12


def test_shared_input_gives_integer_band():
    model, W, F, b = _layer(3, 2, 2, "cz", 1, seed=4)
    report = layer1_spectrum(model, W, F, np.ones((3, 1), dtype=int), bias=b)
    assert set(report.measured) == {(w,) for w in range(-6, 7)}  # {−qL..qL}


@pytest.mark.parametrize("encoding", ["rz", "ry"])
def test_two_dimensional_input(encoding):
    model, W, F, b = _layer(3, 2, 2, "cnot", 2, seed=5, encoding=encoding)
    A = np.array([[1, 2], [-1, 1], [2, -1]])
    report = layer1_spectrum(model, W, F, A, bias=b)
    assert set(report.measured) == _brute_force_prediction(A, 2)


def test_spectrum_measured_through_aer():
    from qmlc.backends.qiren_run import layer_runner
    from qmlc.compiler.qiren_program import lower_qiren

    model = QirenModel(in_dim=1, width=3, layers=1, reuploads=2, blocks=2)
    w = init_weights(model, 6)
    runner = layer_runner(lower_qiren(model, w).circuits[0], "aer")
    report = layer1_spectrum(model, w["layer0.circuit.weights"], w["layer0.circuit.final"],
                             np.array([[1], [2], [-1]]), expectations=runner)
    assert set(report.measured) == _brute_force_prediction(np.array([[1], [2], [-1]]), 2)


def test_default_width_support_is_inside_the_bound_and_the_light_cone():
    """Width 8, K = 2: the bound Ω is not attained; measured ⊆ light-cone set ⊆ Ω."""
    model, W, F, b = _layer(8, 2, 2, "cz", 1, seed=7)
    A = np.array([[1], [3], [1], [2], [1], [1], [2], [1]])
    report = layer1_spectrum(model, W, F, A, bias=b)
    assert report.within_bound and report.within_lightcone
    assert report.lightcone <= report.predicted
    assert report.max_outside_magnitude < 1e-12


@pytest.mark.parametrize("q,K,entangler,encoding", [(8, 2, "cz", "rz"), (5, 1, "cnot", "rz"),
                                                    (4, 1, "cz", "rx")])
def test_lightcone_degrees_match_measured_per_variable_degrees(q, K, entangler, encoding):
    """Degree of ⟨Z_j⟩ in h_m, measured by a 1-D DFT in h_m with the other angles fixed."""
    model, W, F, _ = _layer(q, 2, K, entangler, 1, seed=q, encoding=encoding)
    base = np.random.default_rng(1).normal(size=q)
    n = 2 * model.reuploads + 3
    measured = np.zeros((q, q), dtype=int)
    for m in range(q):
        H = np.tile(base, (n, 1))
        H[:, m] = 2 * np.pi * np.arange(n) / n
        c = np.fft.fft(circuit_expectations_reference(H, W, F, entangler, encoding), axis=0) / n
        for j in range(q):
            freqs = [f if f <= n // 2 else f - n for f in range(n) if abs(c[f, j]) > 1e-9]
            measured[j, m] = max(abs(f) for f in freqs)
    np.testing.assert_array_equal(lightcone_degrees(model), measured)


def test_lightcone_degrees_are_an_upper_bound_where_not_exact():
    """q = 4, K = 3, CZ: Z·Z cancellations the analysis does not track; still never below."""
    model, W, F, _ = _layer(4, 2, 3, "cz", 1, seed=7)
    base = np.random.default_rng(1).normal(size=4)
    n = 7
    for m in range(4):
        H = np.tile(base, (n, 1))
        H[:, m] = 2 * np.pi * np.arange(n) / n
        c = np.fft.fft(circuit_expectations_reference(H, W, F, "cz"), axis=0) / n
        for j in range(4):
            freqs = [f if f <= n // 2 else f - n for f in range(n) if abs(c[f, j]) > 1e-9]
            assert lightcone_degrees(model)[j, m] >= max(abs(f) for f in freqs)
