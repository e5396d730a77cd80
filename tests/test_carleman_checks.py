"""The four Carleman checks, each against an independent computation of its number."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qmlc.compiler.spec import load_spec
from qmlc.estimators.carleman_checks import (
    classical_multiply_adds,
    kappa_check,
    readout_check,
    time_steps_check,
    truncation_check,
)
from qmlc.estimators.requests import (
    EstimateOptions,
    estimate_request,
    request_from_parameters,
    request_from_spec,
)
from qmlc.estimators.sweep import scaling_sweep
from qmlc.reports import cli
from tests.conftest import EXAMPLES, random_dissipative_map, write_polymap_spec


@pytest.fixture(scope="module")
def tiny():
    request = request_from_spec(load_spec(EXAMPLES / "tiny_polymap.toml"))
    return request, estimate_request(request, EstimateOptions())


def test_classical_cost_of_the_flag_map_by_hand():
    """Quadratic flag map: G_0 dense (n), G_1 and G_2 with s nonzeros per row (n·s each), so
    one step costs n + 1·n·s + 2·n·s multiply-adds."""
    n, s, steps = 5000, 7, 30
    request = request_from_parameters(n, steps, 2, s, 1e-2)
    assert classical_multiply_adds(request) == steps * (n + n * s + 2 * n * s)


def test_classical_cost_of_a_spec_from_its_arrays(tiny):
    request, estimate = tiny
    arrays = np.load(EXAMPLES / "tiny_polymap.npz")
    per_step = sum(max(ell, 1) * np.count_nonzero(arrays[f"G{ell}"]) for ell in range(3))
    assert classical_multiply_adds(request) == request.steps * per_step
    check = readout_check(request, estimate)
    assert check.value == estimate.readout["t_count_total"] / (request.steps * per_step)
    assert check.status == ("pass" if check.value < 1 else "warn")


def test_kappa_growth_is_the_condition_number_of_the_history_matrix(tiny):
    """Measured κ at T equals numpy's 2-norm condition number of the explicit system."""
    from qmlc.compiler.carleman import build_carleman_system

    request, estimate = tiny
    check = kappa_check(request, estimate)
    system = build_carleman_system(request.polymap, request.inputs.order, request.steps)
    assert check.data["horizons"][-1] == request.steps
    assert check.data["kappa_measured"][-1] == pytest.approx(np.linalg.cond(system.A.toarray()),
                                                             rel=1e-9)
    k = check.data["kappa_measured"]
    h = check.data["horizons"]
    assert check.value == pytest.approx(math.log(k[-1] / k[-2]) / math.log((h[-1] + 1)
                                                                            / (h[-2] + 1)))


def test_truncation_check_reads_qmlc_verify(tiny, capsys):
    request, _ = tiny
    check = truncation_check(request)
    assert cli.main(["verify", str(EXAMPLES / "tiny_polymap.toml"), "--json"]) == 0
    verify = json.loads(capsys.readouterr().out)
    assert check.data["relative_error"] == [o["relative_error_vs_map"] for o in verify["orders"]]
    assert check.value == verify["orders"][-1]["relative_error_vs_map"]
    # the a-priori bound sits above the measured error at every order
    for bound, err in zip(check.data["bound"], check.data["absolute_error"]):
        assert bound >= err


def test_truncation_check_falls_back_to_the_bound(tmp_path, monkeypatch):
    """Beyond the explicit limits (forced here) the check uses the majorant bound."""
    import qmlc.estimators.carleman_checks as checks
    from qmlc.compiler.errors import TooLargeError

    spec = write_polymap_spec(tmp_path, random_dissipative_map(3, 2, seed=4), order=2, steps=4)
    request = request_from_spec(load_spec(spec))

    def too_large(*_args, **_kwargs):
        raise TooLargeError("forced")
    monkeypatch.setattr(checks, "check_history_size", too_large)
    check = truncation_check(request)
    assert "relative_error" not in check.data
    scale = float(np.abs(request.polymap.iterate(request.steps)).max())
    assert check.value == pytest.approx(check.data["bound"][1] / scale)
    assert "majorant" in check.method


def test_flag_checks_warn_where_flags_prove_nothing():
    request = request_from_parameters(10_000, 20, 2, 4, 1e-2)
    estimate = estimate_request(request, EstimateOptions())
    truncation = truncation_check(request)
    assert truncation.status == "warn" and math.isinf(truncation.value)
    kappa = kappa_check(request, estimate)
    assert kappa.status == "warn" and "assumed" in kappa.value_label
    assert kappa.data["kappa_model"][-1] == pytest.approx(estimate.kappa)


@pytest.mark.parametrize("algorithm,status", [("qsvt", "warn"), ("jennings", "pass")])
def test_time_steps_follow_the_proved_class(algorithm, status):
    """QSVT's Θ(T²·log³T) per solve makes the cost per replaced step grow with T (warn);
    Jennings' Θ(T·log³T) keeps it polylogarithmic (pass)."""
    request = request_from_parameters(10_000, 20, 2, 4, 1e-2)
    estimate = estimate_request(request, EstimateOptions(algorithm=algorithm))
    sweep = scaling_sweep(request.inputs, algorithm, request.n, request.steps, request.kappa,
                          request.eps)
    check = time_steps_check(request, estimate, sweep)
    assert check.status == status
    assert check.data["T_power"] == (2 if algorithm == "qsvt" else 1)
    assert check.data["blocks"] == request.steps + 1


def test_kappa_is_not_measured_beyond_the_row_budget(tmp_path, monkeypatch):
    """n = 150 at N = 2: one history block has 150 + 150² rows, beyond the report's κ budget,
    so the lift is never built and κ growth is reported as not measured."""
    import scipy.sparse as sp

    import qmlc.estimators.carleman_checks as checks

    n = 150
    rng = np.random.default_rng(1)
    sp.save_npz(tmp_path / "g2.npz", sp.random(n, n * n, density=2e-4, random_state=1,
                                                format="csr") * 0.1)
    arrays = {"G0": 0.01 * rng.normal(size=n), "G1": 0.5 * np.eye(n),
              "u0": 0.1 * rng.normal(size=n)}
    spec = write_polymap_spec(tmp_path, arrays, order=2, steps=4,
                              extra='[sparse]\nG2 = "g2.npz"\n')

    def forbidden(*_args, **_kwargs):
        raise AssertionError("the lift was built")
    monkeypatch.setattr(checks, "carleman_lift", forbidden)
    request = request_from_spec(load_spec(spec))
    check = kappa_check(request, estimate_request(request, EstimateOptions()))
    assert check.status == "warn" and "not measured" in check.finding
