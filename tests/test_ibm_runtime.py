"""IBM devices offline: the runtime's primitives in local testing mode on fake backends, through
the same functions a real device uses (a stub QiskitRuntimeService shows that), ISA circuits
checked against the device's target, results against independent Aer references, accounts and
tokens kept out of every output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse.linalg as spla
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qiskit_ibm_runtime import fake_provider

from qmlc.backends import ibm_device
from qmlc.backends.ibm_device import FAKE_LADDER, fake_device_names, resolve_device
from qmlc.backends.ibm_isa import isa_circuits
from qmlc.backends.ibm_runtime import RuntimeBatch
from qmlc.backends.qiren_ibm import device_layer_runner, transpile_layers
from qmlc.compiler.errors import UsageError
from qmlc.compiler.pipeline import lower_to_carleman
from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_program import lower_qiren
from qmlc.compiler.qiren_weights import init_weights
from qmlc.compiler.qlsa import build_program
from qmlc.compiler.spec import load_spec
from qmlc.reports.cli import main
from tests.conftest import random_dissipative_map, write_polymap_spec
from tests.qiren_helpers import write_qiren_spec


@pytest.fixture
def qiren_spec(tmp_path):
    return write_qiren_spec(tmp_path)


@pytest.fixture
def linear_spec(tmp_path):
    """u⁺ = 0.1 + 0.5 u, Carleman order 1, T = 1: a 7-qubit QSVT, ~3·10³ two-qubit gates."""
    np.savez(tmp_path / "map.npz", u0=np.array([0.2]), G0=np.array([0.1]), G1=np.array([[0.5]]))
    path = tmp_path / "map.toml"
    path.write_text('kind = "polynomial-map"\nname = "linear-1d"\ndata = "map.npz"\n'
                    "order = 1\nsteps = 1\n")
    return path


def _call(argv, capsys=None):
    captured = []
    rc = main([str(a) for a in argv], out=captured.append)
    data = json.loads(captured[0]) if rc == 0 and "--json" in argv else captured
    return rc, data


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert captured.out == "" and err and err[-1].startswith("qmlc: error:")
    return err[-1]


def _assert_isa(isa, backend) -> None:
    """Every instruction is in the device's target on those qubits; every two-qubit gate sits on
    a coupling-map edge (checked with the backend's own objects, not qmlc's)."""
    target, edges = backend.target, set(backend.coupling_map.get_edges())
    index = {q: i for i, q in enumerate(isa.qubits)}
    for inst in isa.data:
        if inst.operation.name == "barrier":
            continue
        qargs = tuple(index[q] for q in inst.qubits)
        assert target.instruction_supported(inst.operation.name, qargs), (inst.operation.name,
                                                                         qargs)
        if len(qargs) == 2:
            assert qargs in edges


# -- devices ----------------------------------------------------------------------------------


def test_plain_ibm_fake_is_the_smallest_ladder_device_that_fits():
    sizes = {name: getattr(fake_provider, name)().num_qubits for name in FAKE_LADDER}
    for width in (1, 6, 8, 17, 100):
        device = resolve_device("ibm-fake", width)
        fitting = [n for n, q in sizes.items() if q >= width]
        assert device.num_qubits == min(sizes[n] for n in fitting) >= width
        assert device.kind == "ibm-fake" and device.max_shots > 0


def test_named_fake_devices_in_every_spelling():
    for spelling in ("fez", "fake_fez", "FakeFez", "FEZ"):
        assert resolve_device(f"ibm-fake:{spelling}", 1).name == "fake_fez"
    assert resolve_device("ibm-fake:manila", 1).name == "fake_manila"
    assert {"fez", "torino", "manila", "nairobi"} <= set(fake_device_names())


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=12))
def test_unknown_fake_device_lists_the_available_names(name):
    known = set(fake_device_names())
    if name.lower().removeprefix("fake_").removeprefix("fake") in known:
        return
    with pytest.raises(UsageError, match="available: .*fez") as info:
        resolve_device(f"ibm-fake:{name}", 1)
    assert "\n" not in str(info.value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=20).filter(
    lambda s: s not in ("aer", "cirq", "numpy", "ibm-fake") and not s.startswith(("ibm:", "ibm-fake:"))
    and not s.startswith("-")))
def test_bad_backend_values_exit_2_with_one_line(qiren_spec, capsys, value):
    out = qiren_spec.parent / "report" / "r.html"
    for argv in (["run", str(qiren_spec), "--backend", value],
                 ["report", str(qiren_spec), "--device", value, "-o", str(out)]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("qmlc: error:") and "\n" not in err
    assert not out.parent.exists()


def test_unknown_device_and_width_larger_than_the_device_exit_2(qiren_spec, linear_spec, capsys):
    assert _call(["run", qiren_spec, "--backend", "ibm-fake:nosuchdevice", "--shots", "10"])[0] == 2
    assert "available:" in _one_line_error(capsys)
    assert _call(["run", qiren_spec, "--backend", "ibm-fake:armonk", "--shots", "10"])[0] == 2
    assert "3 qubits" in _one_line_error(capsys)                 # width 3 > 1 qubit
    assert _call(["run", linear_spec, "--backend", "ibm-fake:manila", "--dry-run"])[0] == 2
    assert "7 qubits" in _one_line_error(capsys)                 # QSVT of 7 > 5 qubits
    assert _call(["compile", linear_spec, "--target", "ibm-fake:lima", "-o",
                  linear_spec.parent / "x.qasm"])[0] == 2
    assert not (linear_spec.parent / "x.qasm").exists()


@pytest.mark.parametrize("extra", [["--shots", "0"], ["--shots", "-5"], []])
def test_shots_must_be_positive_and_given_for_a_device_run(qiren_spec, linear_spec, capsys,
                                                           extra):
    for spec in (qiren_spec, linear_spec):
        assert _call(["run", spec, "--backend", "ibm-fake", *extra])[0] == 2
        assert "shots" in _one_line_error(capsys)
    assert not list(Path(os.environ["QMLC_JOBS_DIR"]).glob("*.json"))


def test_dry_run_and_noiseless_are_for_ibm_backends(qiren_spec, capsys):
    assert _call(["run", qiren_spec, "--backend", "aer", "--dry-run"])[0] == 2
    assert "IBM" in _one_line_error(capsys)


# -- QIREN ------------------------------------------------------------------------------------


def _layer(seed: int = 1, width: int = 3):
    model = QirenModel(in_dim=2, width=width, layers=1, entangler="cnot")
    return lower_qiren(model, init_weights(model, seed))


def _density_matrix_reference(isa, layer, angles, backend) -> np.ndarray:
    """⟨Z_j⟩ under the device's noise model, without shot noise: Aer's density-matrix estimator
    for the gate noise, then each qubit's readout assignment probabilities (prob_meas1_prep0 =
    p10, prob_meas0_prep1 = p01) as ⟨Z⟩_meas = (p01 − p10) + (1 − p01 − p10)⟨Z⟩."""
    from qiskit_aer.noise import NoiseModel
    from qiskit_aer.primitives import EstimatorV2

    from qmlc.circuits.reupload import angle_names, parameter_table, qiskit_z_observables

    q = layer.shape.width
    obs = np.empty((1, q), dtype=object)
    obs[0, :] = [z.apply_layout(isa.layout) for z in qiskit_z_observables(q)]
    table = parameter_table(isa, dict(zip(angle_names(q), angles.T, strict=True)))
    estimator = EstimatorV2(options={"default_precision": 0.0, "backend_options": {
        "method": "density_matrix", "noise_model": NoiseModel.from_backend(backend)}})
    gate_noisy = estimator.run([(isa, obs, table.reshape(len(angles), 1, -1))]).result()[0]
    z = np.asarray(gate_noisy.data.evs)
    props = backend.properties()
    physical = isa.layout.final_index_layout()[:q]
    p10 = np.array([props.qubit_property(p)["prob_meas1_prep0"][0] for p in physical])
    p01 = np.array([props.qubit_property(p)["prob_meas0_prep1"][0] for p in physical])
    return (p01 - p10) + (1 - p01 - p10) * z


def test_qiren_layer_on_a_fake_device_agrees_with_aer_within_the_device_noise():
    program = _layer()
    layer = program.circuits[0]
    device = resolve_device("ibm-fake:manila", 3)
    isa, reports = transpile_layers(program, device, optimization_level=1, seed=3)
    _assert_isa(isa[0], device.backend)
    angles = np.random.default_rng(2).normal(size=(4, 3))
    exact = layer.expectations_reference(angles)
    noisy_model = _density_matrix_reference(isa[0], layer, angles, device.backend)
    shots = 4000
    with RuntimeBatch(device, shots, seed=5) as batch:
        measured = device_layer_runner(layer, isa[0], batch)(angles)
    sigma = np.sqrt(np.clip(1 - noisy_model**2, 1e-3, 1) / shots)
    assert np.all(np.abs(measured - noisy_model) < 5 * sigma + 2e-3)   # the device model
    assert np.max(np.abs(noisy_model - exact)) > 5e-3                 # whose noise is visible
    assert np.all(np.abs(measured - exact) <= np.abs(noisy_model - exact) + 5 * sigma + 2e-3)
    assert 0 < reports[0].estimated_success < 1 and reports[0].two_qubit_gates > 0

    twin = resolve_device("ibm-fake:manila", 3, noiseless=True)
    with RuntimeBatch(twin, shots, seed=6) as batch:
        clean = device_layer_runner(layer, isa[0], batch)(angles)
    sigma = np.sqrt(np.clip(1 - exact**2, 1e-3, 1) / shots)
    assert np.all(np.abs(clean - exact) < 5 * sigma + 2e-3)


def test_qiren_cli_on_a_fake_device_reports_device_jobs_and_psnr(qiren_spec, capsys):
    rc, result = _call(["run", qiren_spec, "--backend", "ibm-fake:manila", "--shots", "2000",
                        "--seed", "3", "--json"])
    assert rc == 0
    err = capsys.readouterr().err
    assert result["device"]["device"] == "fake_manila" and len(result["job_ids"]) == 2
    assert all(job in err for job in result["job_ids"])          # printed as submitted
    assert np.isfinite(result["psnr_db"]) and result["mse"] > 0
    assert len(result["layers"]) == 2 and result["layers"][0]["two_qubit_gates"] > 0
    assert result["max_abs_diff_vs_numpy_reference"] < 0.5
    outputs = np.array(result["outputs"])
    assert outputs.shape == (16, 1)
    for job in result["job_ids"]:
        assert _call(["job-status", job])[0] == 0
        rc, got = _call(["job-result", job, "--json"])
        assert rc == 0 and np.asarray(got["expectation_values"][0]).shape == (16, 3)
    rc, dry = _call(["run", qiren_spec, "--backend", "ibm-fake:manila", "--dry-run", "--json"])
    assert rc == 0 and dry["job_ids"] == [] and "outputs" not in dry
    assert [r["two_qubit_gates"] for r in dry["layers"]] == [r["two_qubit_gates"]
                                                             for r in result["layers"]]


# -- QLSA -------------------------------------------------------------------------------------


def _classical(spec):
    system = lower_to_carleman(load_spec(spec))
    x = spla.spsolve(system.A.tocsc(), system.b)
    T, delta, n = system.steps, system.delta, system.n
    return system, x[T * delta: T * delta + n]


def test_qlsa_isa_circuits_use_only_the_device_target(linear_spec):
    system, _ = _classical(linear_spec)
    program = build_program(system, "qsvt")
    for name in ("FakeNairobiV2", "FakeFez"):
        backend = getattr(fake_provider, name)()
        circuit = program.circuit.copy()
        circuit.measure_all()
        (isa,), _ = isa_circuits([circuit], backend, optimization_level=1)
        _assert_isa(isa, backend)


def test_qlsa_dry_run_reports_without_submitting(linear_spec, capsys):
    rc, result = _call(["run", linear_spec, "--backend", "ibm-fake:nairobi", "--dry-run",
                        "--json"])
    assert rc == 0 and result["dry_run"] and "job_id" not in result
    solve, overlap = result["circuits"]
    assert solve["name"] == "solve" and solve["two_qubit_gates"] > 1000
    assert overlap["two_qubit_gates"] >= solve["two_qubit_gates"] - 50
    assert solve["log10_estimated_success"] < -3 and "estimate" in solve["estimated_success_model"]
    assert "estimate" in result["warning"] and "error-free shot" in result["warning"]
    assert "warning:" in capsys.readouterr().err
    assert not list(Path(os.environ["QMLC_JOBS_DIR"]).glob("*.json"))


def test_qlsa_on_the_noiseless_device_model_matches_the_classical_solution(linear_spec, capsys):
    system, u_T = _classical(linear_spec)
    shots = 6000
    rc, result = _call(["run", linear_spec, "--backend", "ibm-fake:nairobi", "--noiseless",
                        "--shots", shots, "--seed", "2", "--json"])
    assert rc == 0 and result["device"]["noiseless"]
    p, p_err = result["success_probability_sampled"], result["success_probability_stderr"]
    predicted = build_program(system, "qsvt").meta["predicted_success_probability"]  # SVD
    assert abs(p - predicted) < 5 * np.sqrt(predicted * (1 - predicted) / shots)
    assert abs(p - result["noiseless_reference"]["success_probability"]) < 5 * p_err + 1e-9
    assert result["fidelity_sampled"] > 1 - 5 * result["fidelity_stderr"] - 0.01
    np.testing.assert_allclose(result["abs_u_T_sampled"], np.abs(u_T), rtol=0.2)
    job = result["job_id"]
    assert job in capsys.readouterr().err
    rc, status = _call(["job-status", job, "--json"])
    assert rc == 0 and status["status"] == "DONE" and status["pipeline"] == "qlsa"
    rc, later = _call(["job-result", job, "--json"])
    assert rc == 0 and later["qlsa"]["success_probability_sampled"] == p
    assert later["qlsa"]["fidelity_sampled"] == result["fidelity_sampled"]


def test_compile_target_writes_the_isa_circuit(linear_spec, qiren_spec, tmp_path):
    import qiskit.qasm3

    out = tmp_path / "isa" / "map.qasm"
    rc, result = _call(["compile", linear_spec, "--target", "ibm-fake:nairobi", "-o", out,
                        "--json"])
    assert rc == 0 and result["device"] == "fake_nairobi"
    backend = fake_provider.FakeNairobiV2()
    _assert_isa(qiskit.qasm3.loads(out.read_text()), backend)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert len(meta["physical_qubit_of_logical"]) == meta["num_qubits"] == 7
    assert meta["isa"]["two_qubit_gates"] == result["isa"]["two_qubit_gates"] > 0
    out2 = tmp_path / "isa" / "qiren.qasm"
    rc, result = _call(["compile", qiren_spec, "--target", "ibm-fake:nairobi", "-o", out2,
                        "--json"])
    assert rc == 0
    loaded = qiskit.qasm3.loads(out2.read_text())
    assert len(loaded.parameters) == 6               # the encoded angles stay inputs
    _assert_isa(loaded.assign_parameters([0.1] * 6), backend)


def test_a_qlsa_dry_run_on_a_fake_device_is_honest(tmp_path, capsys):
    """A tiny QLSA (n = 2, N = 2, T = 1: a 12-row history system) is already ~10⁵ two-qubit
    gates on a 16-qubit device, with an ESP of 10^-(10²) or less, said in a warning; the ESP lies
    below the bound from the device's best CX alone. (The bundled tiny_network, 1.6·10⁶ two-qubit
    gates, takes minutes to route: benchmarks/bench_qasm_export.py prints its figures.)"""
    spec = write_polymap_spec(tmp_path / "tiny", random_dissipative_map(2, 1, seed=4), order=2,
                              steps=1)
    rc, result = _call(["run", spec, "--backend", "ibm-fake", "--dry-run", "--json"])
    assert rc == 0 and result["device"]["device"] == "fake_guadalupe" and "job_id" not in result
    backend = fake_provider.FakeGuadalupeV2()
    best_cx = min(p.error for p in backend.target["cx"].values())
    for circuit in result["circuits"]:
        assert circuit["two_qubit_gates"] == circuit["gate_counts"]["cx"] > 100_000
        bound = circuit["two_qubit_gates"] * np.log10(1 - best_cx)
        assert circuit["log10_estimated_success"] <= bound < -100
    assert "estimate" in result["warning"] and "noise" in result["warning"]
    assert "warning:" in capsys.readouterr().err


# -- accounts and tokens ------------------------------------------------------------------------


class _StubService:
    """Stands in for QiskitRuntimeService: hands out one backend object and records requests."""

    def __init__(self, backend):
        self.the_backend = backend
        self.asked: list = []

    def backend(self, name):
        self.asked.append(name)
        if name != "ibm_stub":
            raise LookupError(name)
        return self.the_backend

    def backends(self):
        return [self.the_backend]

    def least_busy(self, min_num_qubits=None, **filters):
        self.asked.append(("least_busy", min_num_qubits, filters))
        return self.the_backend


def test_real_device_path_hands_the_service_backend_to_the_same_functions(
        monkeypatch, qiren_spec, linear_spec, capsys):
    import qiskit_ibm_runtime

    from qmlc.backends import qiren_ibm, qlsa_ibm

    backend = fake_provider.FakeNairobiV2()
    service = _StubService(backend)
    monkeypatch.setattr(ibm_device, "runtime_service", lambda: service)
    seen: list = []

    class SpyBatch(qiskit_ibm_runtime.Batch):
        def __init__(self, backend, *args, **kwargs):
            seen.append(("batch", backend))
            super().__init__(backend, *args, **kwargs)

    def spy_isa(circuits, backend, *args, **kwargs):
        seen.append(("isa", backend))
        return isa_circuits(circuits, backend, *args, **kwargs)

    monkeypatch.setattr(qiskit_ibm_runtime, "Batch", SpyBatch)
    monkeypatch.setattr(qiren_ibm, "isa_circuits", spy_isa)
    monkeypatch.setattr(qlsa_ibm, "isa_circuits", spy_isa)

    rc, result = _call(["run", qiren_spec, "--backend", "ibm:ibm_stub", "--shots", "500",
                        "--json"])
    assert rc == 0 and result["device"]["kind"] == "ibm" and len(result["job_ids"]) == 2
    assert [kind for kind, _ in seen] == ["isa", "batch"]
    assert all(b is backend for _, b in seen)
    seen.clear()
    rc, result = _call(["run", linear_spec, "--backend", "ibm:least-busy", "--shots", "300",
                        "--json"])
    assert rc == 0 and result["device"]["device"] == "fake_nairobi"
    assert [kind for kind, _ in seen] == ["isa", "batch"] and all(b is backend for _, b in seen)
    assert ("least_busy", 7, {"operational": True, "simulator": False}) in service.asked
    assert _call(["run", qiren_spec, "--backend", "ibm:ibm_nowhere", "--shots", "5"])[0] == 2
    assert "available: fake_nairobi" in _one_line_error(capsys)
    # qmlc report --device: the same service backend, transpiled only (no batch, no job)
    seen.clear()
    out = qiren_spec.parent / "device.md"
    rc, summary = _call(["report", qiren_spec, "--device", "ibm:ibm_stub", "-o", out, "--json"])
    assert rc == 0 and "Device" in summary["sections"]
    assert [kind for kind, _ in seen] == ["isa"] and seen[0][1] is backend
    device = json.loads(out.with_suffix(".json").read_text())["device"]
    assert device["device"]["kind"] == "ibm" and "real IBM Quantum device" in out.read_text()


def _clean_env(home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QISKIT_IBM")}
    return {**env, "HOME": str(home), "PYTHONWARNINGS": "ignore", **extra}


def _qmlc(args, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qmlc.reports.cli", *map(str, args)], env=env,
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_without_an_account_ibm_exits_2_saying_how_to_save_one(tmp_path, qiren_spec):
    env = _clean_env(tmp_path / "home", QMLC_JOBS_DIR=str(tmp_path / "jobs"))
    said: list[str] = []
    for args in (["run", qiren_spec, "--backend", "ibm:ibm_torino", "--shots", "10"],
                 ["report", qiren_spec, "--device", "ibm:ibm_torino", "-o", tmp_path / "r.html"],
                 ["job-status", "d1a2b3c4"]):
        proc = _qmlc(args, env, tmp_path)
        assert proc.returncode == 2 and proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "save_account" in lines[0] and "QISKIT_IBM_TOKEN" in lines[0]
        said.append(lines[0])
    assert said[0] == said[1]                    # run and report say the same
    assert not (tmp_path / "jobs").exists() and not (tmp_path / "r.html").exists()


def test_a_token_in_the_environment_never_reaches_output_or_files(tmp_path, qiren_spec):
    token = "qmlcTEST" + os.urandom(12).hex()
    env = _clean_env(tmp_path / "home", QMLC_JOBS_DIR=str(tmp_path / "jobs"),
                     QISKIT_IBM_TOKEN=token, QISKIT_IBM_INSTANCE="test-instance")
    for args in (["run", qiren_spec, "--backend", "ibm:least-busy", "--shots", "10", "--json"],
                 ["job-result", "d1a2b3c4", "--json"]):
        proc = _qmlc(args, env, tmp_path)
        assert proc.returncode == 2
        assert token not in proc.stdout and token not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
