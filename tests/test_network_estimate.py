"""Estimates from the model itself: the structural path's inputs against the exact Taylor tensors of
small nets (where both paths run); ``qmlc estimate`` without flags on a generated net above the
exact-tensor limit (the bundled 30k-weight model's code path, in seconds; the bundled model itself
runs in benchmarks/bench_dissipation.py) against its dense Hessian; the bundled model's files,
structure count and refusal of every dense path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qmlc.circuits.bloqs.history_terms import FactorStats
from qmlc.compiler.network_loss import loss_derivatives
from qmlc.compiler.network_spec import explicit_limit, load_network
from qmlc.compiler.network_statistics import network_statistics, third_frobenius
from qmlc.compiler.network_taylor import polynomial_map_from_problem
from qmlc.compiler.spec import load_spec
from qmlc.estimators.carleman_checks import kappa_check, readout_check, truncation_check
from qmlc.estimators.requests import (
    estimate_request,
    network_factor_stats,
    request_from_network,
    request_from_spec,
)
from qmlc.reports.cli import main
from qmlc.reports.text import render_estimate
from tests.pruned_nets import write_mirror_of_bundled, write_pruned_net

# dense references (eigvalsh, autodiff Hessians) on one BLAS thread: tests/conftest.py
pytestmark = pytest.mark.usefixtures("one_blas_thread")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module", params=[("tanh", "mse", 1), ("sigmoid", "cross-entropy", 2)],
                ids=lambda p: f"{p[0]}-{p[1]}")
def small(request, tmp_path_factory):
    activation, loss, seed = request.param
    path = write_pruned_net(tmp_path_factory.mktemp("est"), (4, 6, 3), seed, keep=0.5,
                            activation=activation, loss=loss, learning_rate=0.3)
    text = path.read_text().replace("taylor_order = 2", "taylor_order = 3")
    path.write_text(text)
    spec = load_spec(path)
    problem = load_network(spec)
    return spec, problem, polynomial_map_from_problem(problem)


def test_measured_inputs_match_or_bound_the_exact_tensors(small):
    spec, problem, polymap = small
    stats = network_statistics(problem, steps=4, every=2, probes=2, lanczos_steps=problem.n + 2,
                               third_samples=12)
    measured = network_factor_stats(stats)
    exact = {ell: FactorStats.of_matrix(polymap.G[ell], problem.n) for ell in (1, 2)}
    # G0 norm: exact
    assert stats.g0_norm == pytest.approx(np.linalg.norm(polymap.G[0]), rel=1e-10)
    # G1: row and column sparsity exact from connectivity, max|entry| bounded by ||G1||_2
    assert measured[1].row_sparsity == exact[1].row_sparsity
    assert measured[1].col_sparsity == exact[1].col_sparsity
    assert measured[1].nnz == exact[1].nnz
    assert exact[1].max_abs <= measured[1].max_abs + 1e-12
    # G2: bounds
    assert exact[2].row_sparsity <= measured[2].row_sparsity
    assert exact[2].col_sparsity <= measured[2].col_sparsity
    assert exact[2].nnz <= measured[2].nnz
    assert exact[2].max_abs <= measured[2].max_abs


def test_third_frobenius_estimate_matches_exact_tensor(small):
    _, problem, polymap = small
    exact = np.sqrt(np.sum(polymap.G[2].data ** 2)) * 2 / problem.learning_rate
    estimate, stderr = third_frobenius(problem, problem.theta0, samples=40, seed=3)
    assert abs(estimate - exact) <= 5 * stderr + 1e-12


def test_structural_estimate_runs_and_states_its_inputs(small):
    spec, problem, _ = small
    report = estimate_request(request_from_network(spec, problem))
    model = report.assumptions["model_statistics"]
    assert model["g1_row_sparsity"]["status"].startswith("exact")
    assert model["g2_row_sparsity"]["status"].startswith("bound")
    assert report.kappa >= 1 and report.t_count > 0
    assert "Hessian spectra" in report.kappa_source


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """The generated stand-in of the bundled model, its request (measured: n is above the
    exact-tensor limit) and its dense derivatives at θ0 (n = 910 allows them)."""
    path = write_mirror_of_bundled(tmp_path_factory.mktemp("mirror"))
    spec = load_spec(path)
    problem = load_network(spec, explicit=False)
    request = request_from_spec(spec)
    return path, problem, request, loss_derivatives(problem, third=False)


def test_generated_model_inputs_against_its_dense_hessian(mirror):
    _, problem, request, exact = mirror
    n, eta = problem.n, problem.learning_rate
    assert n > explicit_limit(problem.taylor_order) and request.polymap is None
    model = request.model_statistics
    G1 = np.eye(n) - eta * exact.hess
    eig = np.linalg.eigvalsh(exact.hess)
    # exact: G1's row sparsity and nonzeros (structural = exact zeros at generic weights), G0
    assert model["g1_row_sparsity"]["value"] == np.count_nonzero(G1, axis=1).max()
    assert request.factor_nnz[1] == np.count_nonzero(G1)
    assert request.factor_nnz[0] == np.count_nonzero(exact.grad)
    assert model["g0_norm"]["value"] == pytest.approx(eta * np.linalg.norm(exact.grad), rel=1e-10)
    assert request.g_norms[0] == pytest.approx(eta * np.abs(exact.grad).max(), rel=1e-10)
    assert request.u0_norm == 0.0                      # expanded at the initial weights
    # from the Lanczos extremes (Ritz residuals <= 1e-3 max|theta|): rho(G1) at theta0
    # plus eta * the Ritz residual: at least the exact rho, and above it by at most the tolerance
    rho0 = max(abs(1 - eta * eig[0]), abs(1 - eta * eig[-1]))
    scale = max(abs(eig[0]), abs(eig[-1]))
    assert rho0 <= model["g1_max_abs"]["value"] <= rho0 + 1e-3 * eta * scale
    assert np.abs(G1).max() <= model["g1_max_abs"]["value"]
    assert np.abs(G1).sum(axis=1).max() <= request.g_norms[1]      # ||G1||_inf bound
    first = request.kappa_details["checkpoints"][0]
    assert first["lambda_min"] == pytest.approx(eig[0], abs=1e-3 * scale)
    assert first["lambda_max"] == pytest.approx(eig[-1], abs=1e-3 * scale)
    # kappa: the contractive-lift formula with the largest radius over the T + 1 checkpoints
    radii = [c["g1_spectral_radius"] for c in request.kappa_details["checkpoints"]]
    rho, steps = max(radii), request.steps
    assert len(radii) == steps + 1 and request.kappa_details["rho_max"] == rho
    assert request.kappa == pytest.approx((1 + rho) * sum(rho**t for t in range(steps + 1)),
                                          rel=1e-12)


def test_generated_model_estimate_states_the_measured_inputs(mirror):
    _, _, request, _ = mirror
    report = estimate_request(request)
    model = report.assumptions["model_statistics"]
    assert model["g1_row_sparsity"]["status"].startswith("exact")
    assert model["g2_row_sparsity"]["status"].startswith("bound")
    assert report.structure["g1_row_sparsity"] == model["g1_row_sparsity"]["value"]
    assert f"G1 row sparsity {model['g1_row_sparsity']['value']:,} (exact" in render_estimate(report)
    # the Carleman checks name the measured norms, not the flag model
    truncation = truncation_check(request)
    assert "measured on the model" in truncation.method and "flag" not in truncation.method
    assert "flags" not in kappa_check(request, report).criterion
    readout = readout_check(request, report)
    assert readout.data["factor_nnz"]["1"] == request.factor_nnz[1]


def test_generated_model_estimates_without_flags(mirror, capsys):
    """`qmlc estimate SPEC` with no flags, as a user runs it on the bundled model."""
    path, problem, request, _ = mirror
    code = main(["estimate", str(path), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["n"] == problem.n and data["steps"] == 10
    assert data["kappa"] == pytest.approx(request.kappa, rel=1e-12)   # same seeds, same numbers
    model = data["assumptions"]["model_statistics"]
    assert model["g1_row_sparsity"]["value"] == request.model_statistics["g1_row_sparsity"]["value"]
    assert "Hessian spectra" in data["kappa_source"]


def test_bundled_30k_model_is_counted_and_refuses_dense_paths(tmp_path, capsys):
    """The bundled model's files load; its G1 structure is counted without a Hessian (and agrees
    with the rule applied pair by pair on sampled rows); nothing n×n is formed at n = 30,003: the
    dense derivatives and the explicit pipeline refuse with a pointer to the matrix-free verbs."""
    from qmlc.compiler.errors import TooLargeError
    from qmlc.compiler.hessian_structure import (
        connectivity,
        hessian_structure,
        row_counts,
        structural_pattern,
    )

    spec = load_spec(EXAMPLES / "digits_mlp_30k.toml")
    problem = load_network(spec, explicit=False)
    conn = connectivity(problem)
    counts = row_counts(conn)
    assert counts.size == problem.n == 30003
    rows = np.random.default_rng(0).choice(problem.n, 300, replace=False)
    assert np.array_equal(counts[rows], structural_pattern(conn, rows).sum(axis=1))
    stats = hessian_structure(problem)
    # weights into units that reach no output (the 512 x 10 layer pruned to 10% leaves many)
    # have structurally empty rows: neutral modes, G1 row = the identity alone
    assert 0 < stats.empty_rows < stats.n
    with pytest.raises(TooLargeError, match="matrix-free"):
        loss_derivatives(problem, third=False)
    code = main(["lower", str(EXAMPLES / "digits_mlp_30k.toml"), "--stage", "polymap", "-o",
                 str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "qmlc estimate" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_report_of_a_measured_network_shows_its_spectra(mirror, tmp_path):
    """`qmlc report` on a network measured along training: a section with the checkpoints (the
    same numbers as the estimate's κ details) and the four Fig. 2-style panels, inline SVG in
    HTML and non-blank PNGs beside the Markdown."""
    import re

    from PIL import Image

    from qmlc.estimators.requests import EstimateOptions
    from qmlc.reports.files import write_files
    from qmlc.reports.report_data import carleman_report
    from qmlc.reports.verbs.report import render

    _, problem, request, _ = mirror
    report = carleman_report(request, EstimateOptions())
    data = report.to_dict()["dissipation"]
    assert [s["lambda_max"] for s in data["snapshots"]] == [
        c["lambda_max"] for c in request.kappa_details["checkpoints"]]
    html = render(report, tmp_path / "r.html", "html", False)[tmp_path / "r.html"]
    section = html[html.index('<section id="dissipation"'):]
    section = section[:section.index("</section>")]
    assert "Hessian spectra along training" in section and section.count("<svg") == 4
    assert f"{problem.n:,} surviving weights" in section
    for snap in data["snapshots"]:   # an unresolved class shows the bracket that makes it so
        if not snap["classification_resolved"]:
            lo, hi = snap["divergent_bounds"]
            assert f"(unresolved: divergent in [{lo:.2f}, {hi:.2f}])" in section
    files = render(report, tmp_path / "r.md", "markdown", False)
    write_files(files)
    text = (tmp_path / "r.md").read_text()
    assert re.search(r"^## 6\. Hessian spectra along training$", text, re.M)
    assert re.search(r"^## 7\. Assumptions and sources$", text, re.M)
    links = [link for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
             if "dissipation_" in link]
    assert len(links) == 4
    for link in links:
        image = np.asarray(Image.open(tmp_path / link).convert("L"), dtype=float)
        assert image.std() > 5, link
