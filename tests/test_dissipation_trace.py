"""Dissipation along training: the error proxy against direct evaluations, checkpoints against dense
Hessians of an independent gradient-descent run, the CLI contract, and the plots as images. The
bundled 30k-weight model's run (--steps 100 --every 10) is timed in
benchmarks/bench_dissipation.py; here a generated stand-in takes the same code path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qmlc.compiler.dissipation import analyze_dissipation
from qmlc.compiler.dissipation_trace import dissipation_trace, error_proxy, snapshot
from qmlc.compiler.hessian_spectrum import slq_density
from qmlc.compiler.network_loss import (
    loss_derivatives,
    loss_oracle,
    network_gradient_descent,
    network_loss,
)
from qmlc.compiler.network_spec import load_network
from qmlc.compiler.spec import load_spec
from qmlc.reports.cli import main
from tests.pruned_nets import write_mirror_of_bundled, write_pruned_net

# dense references (eigvalsh, autodiff Hessians) on one BLAS thread: tests/conftest.py
pytestmark = pytest.mark.usefixtures("one_blas_thread")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def direct_proxy(eigenvalues, t, scale, cut):
    """Liu et al., Eqs. 7-8 on an explicit list of eigenvalues (each of weight 1/n)."""
    a = -scale * np.asarray(eigenvalues)
    kept = a[np.abs(a) >= cut]
    return np.mean(np.abs(1 + kept) ** t) if kept.size else None


def test_proxy_of_slq_equals_direct_evaluation_on_synthetic_spectrum():
    # offsets keep every η·λ off the cuts (a mode exactly at |a| = c is a rounding coin toss)
    eigs = np.concatenate([np.linspace(-0.3, -0.05, 7), np.linspace(0.01, 0.2, 20), [0.9, 1.4]]) + 0.00123
    density = slq_density(lambda v: eigs * v, eigs.size, probes=2, steps=60, seed=3)
    weights = density.weights / density.probes
    for eta in (0.5, 2.0, 3.0):
        for cut in (0.0, 0.13, 0.4):
            for t in (0, 1, 7, 30):
                expected = direct_proxy(eigs, t, eta, cut)
                got = error_proxy(density.nodes, weights, t, eta, cut)
                if expected is None:
                    assert got is None
                else:
                    assert got == pytest.approx(expected, rel=1e-9)


def test_proxy_of_a_continuous_density_equals_its_integral():
    """ρ uniform on [a0, a1] (a = −ηλ): ∫|1+a|^t ρ da over |a| ≥ c in closed form."""
    a0, a1, cut, t = -1.6, 0.9, 0.4, 5
    edges = np.linspace(a0, a1, 400_001)
    mid = 0.5 * (edges[1:] + edges[:-1])
    # nodes in λ with scale η = 1: λ = −a
    got = error_proxy(-mid, np.full(mid.size, 1 / mid.size), t, 1.0, cut)

    def integral(lo, hi):  # ∫ |1+a|^t da, antiderivative sign(1+a)|1+a|^(t+1)/(t+1)
        def antiderivative(a):
            return np.sign(1 + a) * abs(1 + a) ** (t + 1) / (t + 1)
        return antiderivative(hi) - antiderivative(lo)

    pieces = [(a0, -1.0), (-1.0, -cut), (cut, a1)]
    num = sum(integral(lo, hi) for lo, hi in pieces)
    norm = (-cut - a0) + (a1 - cut)
    assert got == pytest.approx(num / norm, rel=1e-6)


@pytest.fixture(scope="module")
def small_trace(tmp_path_factory):
    path = write_pruned_net(tmp_path_factory.mktemp("trace"), (4, 6, 3), seed=8, keep=0.5,
                            activation="tanh", loss="mse", learning_rate=0.8)
    problem = load_network(load_spec(path))
    trace = dissipation_trace(problem, steps=12, every=4, probes=3, lanczos_steps=problem.n + 5)
    return problem, trace


def test_checkpoints_match_dense_hessians_of_independent_descent(small_trace):
    problem, trace = small_trace
    path = network_gradient_descent(problem, 12) + problem.theta0
    eta, n = problem.learning_rate, problem.n
    assert trace.checkpoints == [0, 4, 8, 12]
    for snap in trace.snapshots:
        theta = path[snap.step]
        derivs = loss_derivatives(problem, theta, third=False)
        eig = np.linalg.eigvalsh(derivs.hess)
        assert snap.loss == pytest.approx(derivs.value, rel=1e-10)
        assert snap.lambda_min == pytest.approx(eig[0], abs=1e-8)
        assert snap.lambda_max == pytest.approx(eig[-1], abs=1e-8)
        # m ≥ n: the quadrature is the exact spectral measure seen by each probe, and
        # Rademacher weights are unbiased; fractions agree within the stated error
        exact_diss = np.mean(np.abs(1 - eta * eig) < 1)
        assert abs(snap.dissipative_fraction - exact_diss) <= 5 * snap.dissipative_stderr + 1e-9
        assert snap.trace_over_n == pytest.approx(np.trace(derivs.hess) / n,
                                                  abs=5 * snap.trace_over_n_stderr + 1e-12)
        dense = analyze_dissipation(np.eye(n) - eta * derivs.hess, trace.every)
        assert snap.g1_spectral_radius == pytest.approx(dense.spectral_radius, abs=1e-8)


@pytest.mark.parametrize("perturbation", [0.0, 0.3])
def test_checkpoint_extremes_restart_from_ritz_vectors(tmp_path, perturbation):
    """Too few Lanczos steps for the extremes: the checkpoint restarts Lanczos from the SLQ runs'
    extreme Ritz vectors and reaches eigh's λ_min and λ_max to the asked residual (the net of
    test_hessian_spectrum.py's dead-end case: same shapes, the kernels compiled once)."""
    path = write_pruned_net(tmp_path, (5, 7, 6, 3), 3, keep=0.6, activation="tanh",
                            loss="cross-entropy", bias_mask=True, dead_end=True)
    problem = load_network(load_spec(path))
    rng = np.random.default_rng(4)
    theta = problem.theta_init + perturbation * rng.normal(size=problem.n)
    eig = np.linalg.eigvalsh(loss_derivatives(problem, theta, third=False).hess)
    tol = 1e-7
    snap = snapshot(loss_oracle(problem), theta, 0, 1, 2, 6, 3, 0.4, 1.0, tol=tol)
    assert snap.extremes_method.startswith("Lanczos restarted")
    assert snap.hessian_vector_products > 2 * 6
    scale = max(abs(eig[0]), abs(eig[-1]))
    assert max(snap.residual_min, snap.residual_max) <= tol * scale
    assert snap.lambda_min == pytest.approx(eig[0], abs=1e-9)
    assert snap.lambda_max == pytest.approx(eig[-1], abs=1e-9)


def test_windows_cover_consecutive_dissipative_checkpoints(small_trace):
    _, trace = small_trace
    covered = set()
    for window in trace.windows:
        covered |= set(window.checkpoints)
        assert window.start == window.checkpoints[0]
        assert window.end == min(window.checkpoints[-1] + trace.every, trace.steps)
    for snap in trace.snapshots:
        assert (snap.step in covered) == (snap.classification != "non-dissipative")


def test_cli_json_and_plots(tmp_path, capsys):
    out = tmp_path / "plots"
    code = main([
        "dissipation", str(EXAMPLES / "small_network.toml"), "--steps", "6", "--every", "3",
        "--probes", "2", "--lanczos-steps", "6", "--plot", str(out), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["step"] for s in data["snapshots"]] == [0, 3, 6]
    assert data["definitions"]["proxy"].startswith("proxy(t)")
    import matplotlib.image as mpimg

    for name in ("density", "extremes", "modes", "proxy"):
        image = mpimg.imread(out / f"dissipation_{name}.png")
        assert image.shape[0] > 200 and image.shape[1] > 300
        assert image[..., :3].std() > 0.05  # not blank


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_generated_model_runs_like_the_bundled_one(tmp_path, capsys):
    """`qmlc dissipation SPEC --steps T --every k --plot DIR --json` with the default SLQ (4 probes
    x 50 Lanczos steps) on a generated pruned net of n = 910 (dead-end units included), as the
    benchmark runs the bundled model: the loss along an independent gradient descent (the full
    net's kernels, dead units included), the radii, the products counted, the panels drawn."""
    path = write_mirror_of_bundled(tmp_path / "net")
    out = tmp_path / "plots"
    code, text, err = _run(["dissipation", str(path), "--steps", "20", "--every", "10", "--plot",
                            str(out), "--json"], capsys)
    assert code == 0, err
    data = json.loads(text)
    problem = load_network(load_spec(path), explicit=False)
    assert data["n"] == problem.n and [s["step"] for s in data["snapshots"]] == [0, 10, 20]
    descent = network_gradient_descent(problem, 20) + problem.theta0
    loss_fn, _, _ = network_loss(problem)
    for snap in data["snapshots"]:
        assert snap["loss"] == pytest.approx(loss_fn(descent[snap["step"]]), rel=1e-10)
    assert data["final_loss"] == pytest.approx(loss_fn(descent[20]), rel=1e-10)
    # λ_min, λ_max at θ0 of this net against its dense Hessian: test_network_estimate.py
    for snap in data["snapshots"]:
        eta = problem.learning_rate
        radius = max(abs(1 - eta * snap["lambda_min"]), abs(1 - eta * snap["lambda_max"]))
        assert snap["g1_spectral_radius"] == pytest.approx(radius, rel=1e-12)
        assert snap["lambda_min"] < 0 < snap["lambda_max"]
    assert data["hessian_vector_products"] >= 3 * 4 * 50
    import matplotlib.image as mpimg

    for name in ("density", "extremes", "modes", "proxy"):
        image = mpimg.imread(out / f"dissipation_{name}.png")
        assert image[..., :3].std() > 0.05  # not blank
