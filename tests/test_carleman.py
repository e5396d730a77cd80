"""The discrete Carleman lift and history system against brute-force constructions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from qmlc.compiler.carleman import (
    build_carleman_system,
    carleman_lift,
    carleman_lift_reference,
    carleman_vector,
    history_system,
)
from qmlc.compiler.polymap import apply_tensor_power, make_polynomial_map
from qmlc.compiler.structure import SparsityStats, history_structure, polymap_g_stats
from tests.conftest import random_dissipative_map


def dense_lift(G: list[np.ndarray], order: int) -> tuple[np.ndarray, np.ndarray]:
    """Brute force with dense np.kron over every composition (ℓ1..ℓj), written independently."""
    n = G[0].shape[0]
    mats = [G[0].reshape(n, 1)] + [np.asarray(g) for g in G[1:]]
    sizes = [n**j for j in range(1, order + 1)]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    M = np.zeros((starts[-1], starts[-1]))
    c = np.zeros(starts[-1])
    for j in range(1, order + 1):
        for combo in itertools.product(range(len(mats)), repeat=j):
            term = np.ones((1, 1))
            for ell in combo:
                term = np.kron(term, mats[ell])
            k = sum(combo)
            if k == 0:
                c[starts[j - 1]:starts[j]] += term.ravel()
            elif k <= order:
                M[starts[j - 1]:starts[j], starts[k - 1]:starts[k]] += term
    return M, c


def as_dense_list(arrays: dict) -> list[np.ndarray]:
    return [arrays[f"G{ell}"] for ell in range(4) if f"G{ell}" in arrays]


@pytest.mark.parametrize("n,degree,order", [(2, 2, 1), (2, 2, 3), (3, 2, 2), (2, 3, 2), (2, 3, 3),
                                            (3, 1, 3)])
def test_lift_matches_dense_brute_force(n, degree, order):
    arrays = random_dissipative_map(n, degree, seed=n + 10 * degree + 100 * order)
    G = as_dense_list(arrays)
    M, c = carleman_lift(tuple(G), order)
    M_ref, c_ref = dense_lift(G, order)
    np.testing.assert_allclose(M.toarray(), M_ref, atol=1e-13)
    np.testing.assert_allclose(c, c_ref, atol=1e-14)
    M_plain, c_plain = carleman_lift_reference(tuple(G), order)
    np.testing.assert_allclose(M_plain.toarray(), M_ref, atol=1e-13)
    np.testing.assert_allclose(c_plain, c_ref, atol=1e-14)


def test_linear_map_lift_is_exact_for_every_level():
    """With no nonlinear term nothing is truncated: y(u⁺) = M y(u) + c exactly."""
    arrays = random_dissipative_map(3, 1, seed=4)
    G = as_dense_list(arrays)
    rng = np.random.default_rng(0)
    for order in (1, 2, 3):
        M, c = carleman_lift(tuple(G), order)
        u = rng.normal(size=3)
        u_next = G[0] + G[1] @ u
        np.testing.assert_allclose(M @ carleman_vector(u, order) + c,
                                   carleman_vector(u_next, order), atol=1e-12)


@pytest.mark.parametrize("degree", [2, 3])
def test_lift_exact_on_levels_without_truncated_terms(degree):
    """Level j only drops terms of total degree > N: exact when j·degree ≤ N."""
    arrays = random_dissipative_map(2, degree, seed=7 + degree)
    G = as_dense_list(arrays)
    order = 2 * degree
    M, c = carleman_lift(tuple(G), order)
    u = np.array([0.4, -0.7])
    u_next = sum(np.asarray(G[ell]) @ _kron_power(u, ell) for ell in range(1, degree + 1)) + G[0]
    lifted = M @ carleman_vector(u, order) + c
    exact = carleman_vector(u_next, order)
    for j in (1, 2):
        level = slice(sum(2**i for i in range(1, j)), sum(2**i for i in range(1, j + 1)))
        np.testing.assert_allclose(lifted[level], exact[level], atol=1e-12)


def _kron_power(u, ell):
    out = np.ones(1)
    for _ in range(ell):
        out = np.kron(out, u)
    return out


def test_apply_tensor_power_matches_dense_kron():
    rng = np.random.default_rng(3)
    u = rng.normal(size=4)
    for ell in (1, 2, 3):
        G = sp.random(4, 4**ell, density=0.3, random_state=ell, format="csr")
        np.testing.assert_allclose(apply_tensor_power(G, u, ell), G @ _kron_power(u, ell),
                                   atol=1e-12)


def test_history_system_layout_follows_design_conventions():
    arrays = random_dissipative_map(2, 2, seed=5)
    pm = make_polynomial_map(as_dense_list(arrays), arrays["u0"])
    order, steps = 2, 3
    system = build_carleman_system(pm, order, steps)
    delta = 2 + 4
    assert system.dim == (steps + 1) * delta
    A = system.A.toarray()
    M = system.M.toarray()
    for t in range(steps + 1):
        block = slice(t * delta, (t + 1) * delta)
        np.testing.assert_array_equal(A[block, block], np.eye(delta))
        if t > 0:
            prev = slice((t - 1) * delta, t * delta)
            np.testing.assert_array_equal(A[block, prev], -M)
    np.testing.assert_allclose(system.b[:delta], carleman_vector(arrays["u0"], order))
    for t in range(1, steps + 1):
        np.testing.assert_array_equal(system.b[t * delta:(t + 1) * delta], system.c)


def test_history_solution_equals_lifted_iteration():
    arrays = random_dissipative_map(3, 2, seed=6)
    pm = make_polynomial_map(as_dense_list(arrays), arrays["u0"])
    system = build_carleman_system(pm, 2, 5)
    x = np.linalg.solve(system.A.toarray(), system.b)
    y = carleman_vector(arrays["u0"], 2)
    for t in range(6):
        np.testing.assert_allclose(x[t * system.delta:(t + 1) * system.delta], y, atol=1e-12)
        y = system.M @ y + system.c


def test_truncation_error_decreases_with_order():
    arrays = random_dissipative_map(3, 2, seed=11, radius=0.7, g2_scale=0.2)
    pm = make_polynomial_map(as_dense_list(arrays), arrays["u0"])
    exact = pm.iterate(8)
    errors = []
    for order in (1, 2, 3, 4):
        system = build_carleman_system(pm, order, 8)
        x = np.linalg.solve(system.A.toarray(), system.b)
        errors.append(np.abs(system.trajectory(x) - exact).max())
    assert all(later < 0.6 * earlier for earlier, later in zip(errors, errors[1:])), errors
    assert errors[-1] < 1e-3


def test_polymap_iterate_matches_dense_evaluation():
    arrays = random_dissipative_map(2, 3, seed=12)
    pm = make_polynomial_map(as_dense_list(arrays), arrays["u0"])
    u = arrays["u0"]
    for _ in range(3):
        u = arrays["G0"] + arrays["G1"] @ u + arrays["G2"] @ np.kron(u, u) + \
            arrays["G3"] @ np.kron(u, np.kron(u, u))
    np.testing.assert_allclose(pm.iterate(3)[-1], u, atol=1e-12)


@pytest.mark.parametrize("n,degree,order,steps", [(3, 2, 2, 4), (2, 3, 3, 2), (4, 2, 3, 3)])
def test_structure_bounds_hold_and_dimensions_are_exact(n, degree, order, steps):
    arrays = random_dissipative_map(n, degree, seed=n * degree)
    arrays["G1"][np.abs(arrays["G1"]) < 0.1] = 0.0  # make the sparsity non-trivial
    pm = make_polynomial_map(as_dense_list(arrays), arrays["u0"])
    system = build_carleman_system(pm, order, steps)
    s = history_structure(polymap_g_stats(pm.G), n, order, steps)
    measured = SparsityStats.of_matrix(system.A)
    lift = SparsityStats.of_matrix(system.M)
    assert s.dim == system.dim and s.delta == system.delta
    assert measured.nnz <= s.history_nnz_bound
    assert measured.max_row_nnz <= s.history_max_row_nnz_bound
    assert measured.max_col_nnz <= s.history_max_col_nnz_bound
    assert measured.max_abs <= s.history_max_abs_bound + 1e-12
    assert lift.norm_inf <= s.lift_norm_inf_bound + 1e-12
    assert lift.norm_one <= s.lift_norm_one_bound + 1e-12
    sigma = np.linalg.svd(system.A.toarray(), compute_uv=False)
    assert sigma[0] <= s.history_norm_two_bound + 1e-12
    assert sigma[0] / sigma[-1] <= s.kappa_bound * (1 + 1e-12)


def test_structure_exact_for_linear_diagonal_blocks():
    """With G_0 = 0 and a linear map the blocks are single Kronecker powers: counts are exact."""
    G1 = sp.random(5, 5, density=0.4, random_state=2, format="csr") + sp.eye(5)
    pm = make_polynomial_map([np.zeros(5), G1], np.ones(5))
    system = build_carleman_system(pm, 3, 2)
    s = history_structure(polymap_g_stats(pm.G), 5, 3, 2)
    measured = SparsityStats.of_matrix(system.A)
    assert measured.nnz == s.history_nnz_bound
    assert measured.max_row_nnz == s.history_max_row_nnz_bound


def test_history_system_large_is_sparse_and_fast_to_index():
    """n = 300, N = 2, T = 10 is ~1e6 rows and stays sparse (no dense Δ×Δ block anywhere)."""
    n = 300
    G1 = sp.eye(n, format="csr") * 0.5 + sp.random(n, n, density=3 / n, random_state=1)
    G2 = sp.random(n, n * n, density=2 / (n * n), random_state=2, format="csr")
    pm = make_polynomial_map([np.zeros(n), G1, G2], np.full(n, 0.01))
    M, c = carleman_lift(pm.G, 2)
    A, b = history_system(M, c, carleman_vector(pm.u0, 2), 10)
    assert A.shape == (11 * (n + n * n),) * 2
    assert A.nnz < 40 * A.shape[0]


@pytest.mark.parametrize("steps", [1, 3, 6])
def test_direct_csr_history_equals_kron_reference(steps):
    from qmlc.compiler.carleman import history_system_reference

    M = sp.random(9, 9, density=0.35, random_state=steps, format="csr")
    c, y = np.arange(9.0), -np.arange(9.0)
    A, b = history_system(M, c, y, steps)
    A_ref, b_ref = history_system_reference(M, c, y, steps)
    assert A.shape == A_ref.shape and (A != A_ref).nnz == 0
    np.testing.assert_array_equal(b, b_ref)
    dense = A.toarray()  # and the structure independently: I − S⊗M
    expected = np.eye(9 * (steps + 1)) - np.kron(np.eye(steps + 1, k=-1), M.toarray())
    np.testing.assert_array_equal(dense, expected)
