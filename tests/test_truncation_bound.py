"""The a-priori Carleman truncation bound against explicit history solves (qmlc verify's path)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmlc.compiler.carleman import carleman_vector
from qmlc.compiler.polymap import make_polynomial_map
from qmlc.compiler.truncation_bound import infinity_norms, lift_majorants, truncation_bounds
from qmlc.compiler.verify import verify_polymap
from tests.conftest import random_dissipative_map


def test_carleman_vector_of_a_one_dimensional_map():
    """Regression: for n = 1 every level used to repeat u instead of u^j."""
    assert np.allclose(carleman_vector(np.array([0.4]), 3), [0.4, 0.16, 0.064])
    u = np.array([2.0, 3.0])
    expected = np.concatenate([u, np.kron(u, u), np.kron(u, np.kron(u, u))])
    assert np.allclose(carleman_vector(u, 3), expected)


def test_lift_majorants_are_coefficients_of_powers():
    """m[j, k] = [x^k] (g0 + g1 x + g2 x²)^j, expanded by hand for j = 2."""
    g0, g1, g2 = 0.5, 2.0, 3.0
    m = lift_majorants([g0, g1, g2], 2)
    assert np.allclose(m[0], [1, 0, 0, 0, 0])
    assert np.allclose(m[1], [g0, g1, g2, 0, 0])
    assert np.allclose(m[2], [g0**2, 2 * g0 * g1, g1**2 + 2 * g0 * g2, 2 * g1 * g2, g2**2])


@settings(max_examples=25, deadline=None)
@given(g=st.lists(st.floats(0.0, 0.45), min_size=3, max_size=4),
       u0=st.floats(0.01, 0.5), order=st.integers(1, 4), steps=st.integers(1, 7))
def test_bound_is_the_error_of_positive_scalar_maps(g, u0, order, steps):
    """For n = 1 with non-negative coefficients the majorant is the map itself, so the bound
    equals the truncation error of the explicit history solve."""
    G = [np.array([g[0]])] + [np.array([[c]]) for c in g[1:]]
    polymap = make_polynomial_map(G, np.array([u0]))
    measured = [c.error_vs_map for c in verify_polymap(polymap, order, steps).orders]
    bound = truncation_bounds(infinity_norms(polymap.G), u0, order, steps).bounds
    assert bound == pytest.approx(measured, rel=1e-7, abs=1e-14)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("degree", [2, 3])
def test_bound_dominates_the_measured_error(seed, degree):
    arrays = random_dissipative_map(3, degree, seed=seed)
    G = [arrays["G0"], arrays["G1"], arrays["G2"]] + ([arrays["G3"]] if degree == 3 else [])
    polymap = make_polynomial_map(G, arrays["u0"])
    measured = [c.error_vs_map for c in verify_polymap(polymap, 3, 6).orders]
    bound = truncation_bounds(infinity_norms(polymap.G), float(np.abs(arrays["u0"]).max()), 3,
                              6).bounds
    for b, e in zip(bound, measured):
        assert b >= e * (1 - 1e-12)


def test_infinity_norms_are_row_sums():
    G0 = np.array([0.5, -2.0])
    G1 = np.array([[1.0, -3.0], [0.5, 0.5]])
    assert infinity_norms([G0, G1]) == [2.0, 4.0]


def test_expanding_majorant_gives_no_bound():
    """The flag model's norms (|G_1|_inf <= s = 16) promise nothing over 1000 steps."""
    result = truncation_bounds([1.0, 16.0, 16.0], 0.0, 3, 1000)
    assert all(math.isinf(b) for b in result.bounds)
    assert math.isinf(result.majorant_max)
