"""Matrix-free Hessian spectra against dense references.

References: central finite differences of the gradient (for HVPs), the dense Hessian of
:func:`qmlc.compiler.network_loss.loss_derivatives` (itself checked against finite differences in
test_network.py) with ``numpy.linalg.eigh``/traces of its powers, and explicit random symmetric
matrices with known spectra.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmlc.compiler.hessian_spectrum import (
    extreme_eigenvalues,
    ghorbani_sigma,
    lanczos,
    rademacher_probes,
    refine_extremes,
    slq_density,
    slq_run,
)
from qmlc.compiler.network_loss import loss_derivatives, loss_oracle, without_dead_units
from qmlc.compiler.network_spec import load_network
from qmlc.compiler.spec import load_spec
from tests.pruned_nets import write_pruned_net

# dense references (eigvalsh, autodiff Hessians) on one BLAS thread: tests/conftest.py
pytestmark = pytest.mark.usefixtures("one_blas_thread")

# the last net has hidden units that reach no output (dead_end): the oracle drops them
NETS = [((6, 10, 3), "tanh", "mse", 0, False), ((5, 8, 7, 4), "sigmoid", "cross-entropy", 1, False),
        ((4, 12, 2), "softplus", "mse", 2, False), ((5, 7, 6, 3), "tanh", "cross-entropy", 3, True)]


@pytest.fixture(scope="module", params=NETS,
                ids=lambda p: f"{p[1]}-{p[2]}-{len(p[0])}{'-dead-end' if p[4] else ''}")
def net(request, tmp_path_factory):
    layers, activation, loss, seed, dead_end = request.param
    path = write_pruned_net(tmp_path_factory.mktemp("net"), layers, seed, keep=0.6,
                            activation=activation, loss=loss, bias_mask=True, dead_end=dead_end)
    problem = load_network(load_spec(path))
    oracle = loss_oracle(problem)
    theta = problem.theta_init + 0.1 * np.random.default_rng(seed).normal(size=problem.n)
    hess = loss_derivatives(problem, theta, third=False).hess
    return oracle, theta, 0.5 * (hess + hess.T)


def test_hvp_equals_finite_differences(net):
    oracle, theta, _ = net
    rng = np.random.default_rng(5)
    for _ in range(3):
        v = rng.normal(size=theta.size)
        h = 1e-5
        fd = (oracle.value_and_grad(theta + h * v)[1] - oracle.value_and_grad(theta - h * v)[1]) / (2 * h)
        hv = oracle.hvp(theta, v)
        assert np.linalg.norm(hv - fd) <= 1e-6 * max(1.0, np.linalg.norm(hv))


def test_hvp_equals_dense_hessian(net):
    oracle, theta, hess = net
    v = np.random.default_rng(6).normal(size=theta.size)
    assert np.allclose(oracle.hvp(theta, v), hess @ v, rtol=1e-10, atol=1e-12)


def test_third_contraction_equals_finite_difference_of_hvp(net):
    oracle, theta, _ = net
    rng = np.random.default_rng(7)
    v, w = rng.normal(size=(2, theta.size))
    h = 1e-4
    fd = (oracle.hvp(theta + h * v, w) - oracle.hvp(theta - h * v, w)) / (2 * h)
    assert np.linalg.norm(oracle.third(theta, v, w) - fd) <= 1e-6 * max(1.0, np.linalg.norm(fd))


def test_slq_moments_equal_hutchinson_with_the_same_probes(net):
    """Gauss quadrature is exact for degree ≤ 2m − 1: each SLQ moment is vᵀHᵏv/n exactly."""
    oracle, theta, hess = net
    n, probes, steps = theta.size, 3, 8
    density = slq_density(lambda v: oracle.hvp(theta, v), n, probes=probes, steps=steps, seed=4)
    V = rademacher_probes(n, probes, 4)
    power = np.eye(n)
    for k in range(1, 2 * steps):
        power = power @ hess
        hutchinson = np.mean(np.einsum("li,ij,lj->l", V, power, V)) / n
        estimate, _ = density.moment(k)
        assert estimate == pytest.approx(hutchinson, rel=1e-7, abs=1e-12 * np.abs(power).max())


def test_slq_moments_equal_trace_within_stochastic_error(net):
    """|SLQ moment − tr(Hᵏ)/n| within 5 standard deviations of the Rademacher estimator,
    Var(vᵀAv) = 2(‖A‖_F² − Σ A_ii²) (Hutchinson 1990), computed from the exact Hessian."""
    oracle, theta, hess = net
    n, probes = theta.size, 6
    density = slq_density(lambda v: oracle.hvp(theta, v), n, probes=probes, steps=10, seed=11)
    power = np.eye(n)
    for k in range(1, 6):
        power = power @ hess
        exact = np.trace(power) / n
        sd = np.sqrt(2 * (np.sum(power**2) - np.sum(np.diag(power) ** 2)) / probes) / n
        estimate, stderr = density.moment(k)
        assert abs(estimate - exact) <= 5 * sd + 1e-12 * abs(exact)
        assert np.isfinite(stderr)


def test_slq_is_exact_when_lanczos_spans_the_space():
    """A diagonal H and Rademacher probes: weights are exactly 1/n per eigenvalue once m ≥ n."""
    eigs = np.linspace(-1.1, 3.0, 17)
    density = slq_density(lambda v: eigs * v, eigs.size, probes=2, steps=40, seed=0)
    for row, length in zip(density.nodes, density.lengths):
        assert length == eigs.size
        assert np.allclose(np.sort(row[:length]), eigs, atol=1e-10)
    assert np.allclose(density.weights[:, :eigs.size], 1 / eigs.size, atol=1e-10)
    assert density.fraction(lambda x: x < 0)[0] == pytest.approx(np.mean(eigs < 0), abs=1e-10)


def test_lanczos_full_reorthogonalization_keeps_ritz_values_simple():
    """Without reorthogonalization converged Ritz values repeat (ghosts, Paige 1976); with it the
    m = n run reproduces the spectrum once."""
    rng = np.random.default_rng(3)
    eigs = np.concatenate([[50.0, 40.0], rng.uniform(0, 1, 58)])
    q, _ = np.linalg.qr(rng.normal(size=(60, 60)))
    A = q @ np.diag(eigs) @ q.T
    start = rng.normal(size=60)
    run = lanczos(lambda v: A @ v, start, 60, reorthogonalize=True)
    nodes, weights, residuals = run.ritz()
    assert np.allclose(np.sort(nodes), np.sort(eigs), atol=1e-9)
    ghosts = lanczos(lambda v: A @ v, start, 60, reorthogonalize=False).ritz()[0]
    assert np.sum(np.abs(ghosts - 50.0) < 1e-6) >= 1
    assert weights.sum() == pytest.approx(1.0)
    assert residuals.max() < 1e-8


def test_extreme_eigenvalues_equal_eigh(net):
    oracle, theta, hess = net
    eig = np.linalg.eigvalsh(hess)
    ext = extreme_eigenvalues(lambda v: oracle.hvp(theta, v), theta.size)
    assert ext.lambda_min == pytest.approx(eig[0], abs=1e-6)
    assert ext.lambda_max == pytest.approx(eig[-1], abs=1e-6)
    assert max(ext.residual_min, ext.residual_max) < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_extreme_eigenvalues_of_random_matrices(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 400))
    A = rng.normal(size=(n, n))
    A = (A + A.T) / 2
    eig = np.linalg.eigvalsh(A)
    ext = extreme_eigenvalues(lambda v: A @ v, n)
    assert ext.lambda_min == pytest.approx(eig[0], abs=1e-6)
    assert ext.lambda_max == pytest.approx(eig[-1], abs=1e-6)


def test_ritz_extremes_of_slq_bracket_inside_the_spectrum(net):
    oracle, theta, hess = net
    eig = np.linalg.eigvalsh(hess)
    density = slq_density(lambda v: oracle.hvp(theta, v), theta.size, probes=2, steps=30)
    lo, res_lo, hi, res_hi = density.ritz_extremes()
    assert eig[0] - 1e-10 <= lo and hi <= eig[-1] + 1e-10
    # an eigenvalue lies within the residual of each Ritz value
    assert np.min(np.abs(eig - lo)) <= res_lo + 1e-10
    assert np.min(np.abs(eig - hi)) <= res_hi + 1e-10


def test_smoothed_density_integrates_to_one():
    eigs = np.linspace(0.0, 2.0, 50)
    density = slq_density(lambda v: eigs * v, eigs.size, probes=3, steps=20, seed=1)
    sigma = ghorbani_sigma(0.0, 2.0) * 30
    grid = np.linspace(-1, 3, 4001)
    assert np.trapezoid(density.smoothed(grid, sigma), grid) == pytest.approx(1.0, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(5, 120), steps=st.integers(2, 14), seed=st.integers(0, 10_000),
       x=st.floats(-2.0, 2.0))
def test_cms_bracket_contains_the_probe_measure(n, steps, seed, x):
    """Chebyshev–Markov–Stieltjes: the bracket of below_bounds(x) contains the exact fraction of
    the probe measure μ_v = Σ_i (u_iᵀv)²/n δ_{λ_i} below x (u_i, λ_i from eigh)."""
    rng = np.random.default_rng(seed)
    eig = np.sort(rng.normal(size=n) ** 3)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = q @ np.diag(eig) @ q.T
    density = slq_density(lambda v: A @ v, n, probes=2, steps=steps, seed=seed)
    probes = rademacher_probes(n, 2, seed)
    exact = np.mean([np.sum(((q.T @ v) ** 2 / n)[eig < x]) for v in probes])
    lower, upper = density.below_bounds(x)
    assert lower - 1e-12 <= exact <= upper + 1e-12


def test_dead_units_are_dropped_exactly(tmp_path):
    """Units that reach no output: the weights into them (W2 row 0, and W1 row 1, which only feeds
    that unit) leave the kernels; the dense Hessian and gradient of the full net are exactly zero
    there, and the oracle equals them everywhere."""
    path = write_pruned_net(tmp_path, (5, 7, 6, 3), 3, keep=0.6, activation="tanh",
                            loss="cross-entropy", bias_mask=True, dead_end=True)
    problem = load_network(load_spec(path))
    trimmed, index = without_dead_units(problem)
    dropped = sorted(set(range(problem.n)) - set(index.tolist()))
    names = [problem.variable_names[i] for i in dropped]
    assert {"W2[0,", "W1[1,"} <= {n[:5] for n in names}
    # reference: unit u of layer i reaches an output iff column u of the product of the later
    # masks (as 0/1 matrices) is nonzero; variables into units that do not are dropped
    masks = [np.load(path.parent / "w.npz")[f"mask_W{i}"].astype(float) for i in (1, 2, 3)]
    reach = {2: (masks[2] != 0).any(axis=0), 1: ((masks[2] @ masks[1]) != 0).any(axis=0)}
    expected = [name for name in problem.variable_names
                if name[0] in "Wb" and name[1] in "12"
                and not reach[int(name[1])][int(name[3:-1].split(",")[0])]]
    assert sorted(names) == sorted(expected)
    assert trimmed.layers == (5, int(reach[1].sum()), int(reach[2].sum()), 3)
    theta = problem.theta_init + 0.1 * np.random.default_rng(0).normal(size=problem.n)
    exact = loss_derivatives(problem, theta, third=False)
    assert np.all(exact.hess[dropped] == 0) and np.all(exact.grad[dropped] == 0)
    oracle = loss_oracle(problem)
    value, grad = oracle.value_and_grad(theta)
    assert value == pytest.approx(exact.value, rel=1e-14)
    assert np.allclose(grad, exact.grad, rtol=1e-12, atol=1e-15)
    v = np.random.default_rng(1).normal(size=problem.n)
    assert np.allclose(oracle.hvp(theta, v), exact.hess @ v, rtol=1e-10, atol=1e-13)


def _clustered(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A symmetric matrix whose lowest eigenvalues are clustered (slow for Lanczos) and its
    spectrum."""
    rng = np.random.default_rng(seed)
    eig = np.sort(np.concatenate([-0.1 + 0.01 * rng.random(8), rng.uniform(-0.05, 0.2, n - 9),
                                  [0.25]]))
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return q @ np.diag(eig) @ q.T, eig


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_restart_from_ritz_vectors_reaches_the_extremes(seed):
    """Lanczos restarted from the SLQ runs' extreme Ritz vectors converges to eigh's extremes,
    within the asked residual, in fewer products than ARPACK from a random start."""
    A, eig = _clustered(seed)
    run = slq_run(lambda v: A @ v, A.shape[0], probes=2, steps=12, seed=seed)
    lo, res_lo, hi, res_hi = run.density.ritz_extremes()
    tol = 1e-6
    assert max(res_lo, res_hi) > tol * 0.25          # the SLQ runs alone are not converged
    ext = refine_extremes(lambda v: A @ v, [run.lo_vector, run.hi_vector], tol, max_steps=80)
    assert ext is not None
    assert max(ext.residual_min, ext.residual_max) <= tol * max(abs(eig[0]), abs(eig[-1]))
    assert ext.lambda_min == pytest.approx(eig[0], abs=1e-9)
    assert ext.lambda_max == pytest.approx(eig[-1], abs=1e-9)
    arpack = extreme_eigenvalues(lambda v: A @ v, A.shape[0], tol=tol)
    assert ext.matvecs < arpack.matvecs


def test_lanczos_stops_once_the_extremes_converge():
    A, eig = _clustered(4)
    start = np.random.default_rng(0).normal(size=A.shape[0])
    full = lanczos(lambda v: A @ v, start, 120)
    early = lanczos(lambda v: A @ v, start, 120, extremes_tol=1e-4)
    assert early.steps < full.steps
    nodes, _, residuals = early.ritz()
    assert max(residuals[0], residuals[-1]) <= 1e-4 * max(abs(nodes[0]), abs(nodes[-1]))
    # the same recurrence: the early run's coefficients are a prefix of the full run's
    assert np.allclose(early.alpha, full.alpha[:early.steps], rtol=1e-12, atol=1e-15)
