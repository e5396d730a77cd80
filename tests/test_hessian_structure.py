"""Row sparsity of H and G1 from connectivity against the exact Hessian of random pruned nets.

Reference: the exact-zero pattern of the dense autodiff Hessian (:func:`loss_derivatives`) at a
generic point (random perturbation of the weights); pruned weights enter the network as exact
zeros, so structurally zero entries are exactly 0.0 there. The third-derivative bound is checked
against the exact ∇³L of the same nets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qmlc.compiler.hessian_structure import (
    connectivity,
    hessian_structure,
    row_counts,
    structural_pattern,
)
from qmlc.compiler.network_loss import loss_derivatives
from qmlc.compiler.network_spec import load_network
from qmlc.compiler.spec import load_spec
from tests.pruned_nets import write_pruned_net

# dense references (eigvalsh, autodiff Hessians) on one BLAS thread: tests/conftest.py
pytestmark = pytest.mark.usefixtures("one_blas_thread")

CASES = [((5, 7, 6, 3), "tanh", "mse"), ((5, 8, 7, 4), "sigmoid", "cross-entropy"),
         ((4, 12, 2), "softplus", "mse"), ((4, 6, 5, 3), "identity", "cross-entropy")]


def _exact(path: Path, seed: int, third: bool = False):
    problem = load_network(load_spec(path))
    theta = problem.theta_init + 0.1 * np.random.default_rng(seed).normal(size=problem.n)
    return problem, loss_derivatives(problem, theta, third=third)


def _check(problem, derivs):
    H = derivs.hess
    conn = connectivity(problem)
    pattern = structural_pattern(conn)
    assert np.array_equal(pattern, H != 0)
    counts = row_counts(conn)
    assert np.array_equal(counts, np.count_nonzero(H, axis=1))
    stats = hessian_structure(problem)
    G1 = np.eye(problem.n) - problem.learning_rate * H
    g1_rows = np.count_nonzero(G1, axis=1)
    assert stats.g1_max_row == g1_rows.max()
    assert stats.g1_nnz == g1_rows.sum()
    assert stats.hessian_nnz == np.count_nonzero(H)
    assert stats.hessian_diagonal_nonzeros == np.count_nonzero(np.diag(H))
    assert stats.empty_rows == np.sum(~H.any(axis=1))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[1]}-{c[2]}-{len(c[0])}")
@pytest.mark.parametrize("special", [False, True], ids=["plain", "dead-unit-zero-input-biases"])
def test_row_counts_equal_exact_hessian(tmp_path, case, special):
    layers, activation, loss = case
    extra = dict(bias_mask=True, zero_input=1, dead_unit=True) if special else {}
    path = write_pruned_net(tmp_path, layers, seed=len(layers) + 3 * special, keep=0.35,
                            activation=activation, loss=loss, **extra)
    _check(*_exact(path, 1))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layers=st.lists(st.integers(1, 7), min_size=2, max_size=4),
       keep=st.floats(0.15, 0.9), seed=st.integers(0, 10_000),
       activation=st.sampled_from(["tanh", "sigmoid", "softplus", "identity"]),
       loss=st.sampled_from(["mse", "cross-entropy"]), special=st.booleans())
def test_row_counts_on_generated_nets(tmp_path_factory, layers, keep, seed, activation, loss,
                                      special):
    layers = tuple(layers)
    if loss == "cross-entropy" and layers[-1] < 2:
        layers = (*layers[:-1], 2)
    extra = {}
    if special and len(layers) > 2 and layers[1] >= 2:
        extra = dict(bias_mask=True, zero_input=0, dead_unit=True)
    path = write_pruned_net(tmp_path_factory.mktemp("gen"), layers, seed, keep=keep,
                            activation=activation, loss=loss, samples=6, **extra)
    _check(*_exact(path, seed))


@pytest.mark.parametrize("case", CASES[:3], ids=lambda c: f"{c[1]}-{c[2]}")
def test_third_derivative_rows_within_stated_bound(tmp_path, case):
    layers, activation, loss = case
    path = write_pruned_net(tmp_path, layers, seed=4, keep=0.4, activation=activation, loss=loss)
    problem, derivs = _exact(path, 2, third=True)
    third = derivs.third.tocsr()
    stats = hessian_structure(problem)
    counts = row_counts(connectivity(problem))
    per_row = np.diff(third.indptr)
    assert np.all(per_row <= counts.astype(np.int64) ** 2)
    assert per_row.max() <= stats.g2_max_row_bound
    assert third.nnz <= stats.g2_nnz_bound
