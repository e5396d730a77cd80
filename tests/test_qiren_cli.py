"""``qmlc`` verbs on qiren specs, through ``qmlc.reports.cli.main``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import qiskit.qasm2
import qiskit.qasm3

from qmlc.compiler.qiren_model import QirenModel
from qmlc.compiler.qiren_reference import reference_forward
from qmlc.compiler.qiren_signal import grid_coords
from qmlc.compiler.qiren_weights import init_weights, load_weights, save_weights
from qmlc.reports.cli import main
from tests.qiren_helpers import write_qiren_spec


@pytest.fixture
def spec(tmp_path):
    return write_qiren_spec(tmp_path, "\n[training]\nepochs = 3\n")


def _call(argv):
    captured = []
    rc = main([str(a) for a in argv], out=captured.append)
    return rc, (json.loads(captured[0]) if rc == 0 and "--json" in argv else captured)


MODEL = QirenModel(in_dim=2, width=3, layers=2, reuploads=2, blocks=2, entangler="cnot")


@pytest.mark.parametrize("backend", ["aer", "cirq", "numpy"])
def test_run_matches_the_reference_forward(spec, backend):
    rc, result = _call(["run", spec, "--backend", backend, "--json"])
    assert rc == 0
    coords = grid_coords(4, 2)
    expected = reference_forward(MODEL, init_weights(MODEL, 4), coords)
    np.testing.assert_allclose(result["outputs"], expected, atol=1e-9)
    assert result["samples"] == 16 and "psnr_db" in result and "mse" in result


def test_run_with_shots_and_inputs(spec, tmp_path):
    X = np.array([[0.1, -0.2], [0.5, 0.9]])
    np.save(tmp_path / "x.npy", X)
    w = init_weights(MODEL, 9)
    save_weights(tmp_path / "w.npz", w)
    rc, result = _call(["run", spec, "--backend", "cirq", "--shots", "4000", "--inputs",
                        tmp_path / "x.npy", "--weights", tmp_path / "w.npz", "--json"])
    assert rc == 0
    exact = reference_forward(MODEL, w, X)
    assert np.max(np.abs(np.array(result["outputs"]) - exact)) < 0.15
    assert "mse" not in result  # no targets for user inputs


def test_run_signal_batchnorm_reproduces_training_mode(spec, tmp_path):
    text = spec.read_text() + '\n[lowering]\nbatchnorm = "signal"\n'
    spec.write_text(text)
    rc, result = _call(["run", spec, "--backend", "aer", "--json"])
    assert rc == 0
    coords = grid_coords(4, 2)
    expected = reference_forward(MODEL, init_weights(MODEL, 4), coords, batchnorm="batch")
    np.testing.assert_allclose(result["outputs"], expected, atol=1e-9)


@pytest.mark.parametrize("extra", [
    ["--inputs", "{tmp}/bad.npy"],
    ["--inputs", "{tmp}/missing.npy"],
    ["--weights", "{tmp}/missing.npz"],
    ["--weights", "{tmp}/wrong.npz"],
    ["--shots", "0"],
    ["--backend", "ibm-fake"],
])
def test_run_bad_inputs_exit_2_with_one_line(spec, tmp_path, capsys, extra):
    np.save(tmp_path / "bad.npy", np.zeros((3, 5)))
    save_weights(tmp_path / "wrong.npz", init_weights(QirenModel(in_dim=2, width=4, layers=2), 0))
    argv = ["run", spec] + [a.format(tmp=tmp_path) for a in extra]
    assert _call(argv)[0] == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("qmlc: error:") and "\n" not in err


def test_bad_spec_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('kind = "qiren"\nin_dim = 2\nwidth = 0\n')
    for verb in (["run", path], ["estimate", path], ["spectrum", path],
                 ["compile", path, "-o", tmp_path / "x.qasm"]):
        assert _call(verb)[0] == 2
        err = capsys.readouterr().err.strip()
        assert "width" in err and "\n" not in err
    assert not (tmp_path / "x.qasm").exists()


def test_compile_qasm3_and_qasm2(spec, tmp_path):
    out = tmp_path / "out" / "qiren.qasm"
    rc, result = _call(["compile", spec, "--format", "qasm3", "-o", out, "--json"])
    assert rc == 0 and out.is_file() and out.with_suffix(".json").is_file()
    circuit = qiskit.qasm3.loads(out.read_text())
    assert len(circuit.parameters) == 6 and circuit.num_qubits == 6
    X = np.array([[0.2, 0.3], [-0.5, 0.1]])
    np.save(tmp_path / "x.npy", X)
    out2 = tmp_path / "q2" / "p.qasm"
    rc, result = _call(["compile", spec, "--format", "qasm2", "--inputs", tmp_path / "x.npy",
                        "-o", out2, "--json"])
    assert rc == 0 and result["samples_bound"] == 2
    files = sorted(p for p in out2.parent.glob("p_*.qasm"))
    assert [p.name for p in files] == ["p_0.qasm", "p_1.qasm"]
    assert not qiskit.qasm2.loads(files[1].read_text()).parameters
    assert _call(["compile", spec, "-o", tmp_path])[0] == 2  # a directory


def test_estimate_and_spectrum(spec):
    rc, est = _call(["estimate", spec, "--epsilon", "0.05", "--json"])
    assert rc == 0
    assert est["per_circuit"]["qubits"] == 3 and est["render"]["samples"] == 16
    assert est["shots_per_circuit"]["epsilon"] == 0.05
    assert _call(["estimate", spec, "--epsilon", "2"])[0] == 2
    rc, spec_result = _call(["spectrum", spec, "--json"])
    assert rc == 0 and spec_result["within_bound"] and spec_result["equals_bound"]
    assert spec_result["measured_count"] == spec_result["predicted_count"]


def test_train_writes_loadable_weights_then_run_uses_them(spec, tmp_path):
    out = tmp_path / "trained.npz"
    rc, result = _call(["train", spec, "-o", out, "--no-progress", "--json"])
    assert rc == 0 and result["epochs"] == 3
    weights = load_weights(out, MODEL)
    assert not np.allclose(weights["layer0.circuit.weights"],
                           init_weights(MODEL, 4)["layer0.circuit.weights"])
    rc, run = _call(["run", spec, "--weights", out, "--backend", "aer", "--json"])
    assert rc == 0
    np.testing.assert_allclose(run["mse"], result["mse_running_stats"], rtol=1e-9)


def test_lower_qiren_stage_round_trips(tmp_path, capsys):
    """`qmlc lower --stage qiren` writes the program; loading it gives the same outputs."""
    from qmlc.compiler.qiren_model import qiren_from_spec
    from qmlc.compiler.qiren_program import QirenProgram, lower_qiren
    from qmlc.compiler.qiren_weights import weights_from_spec
    from qmlc.compiler.spec import load_spec
    from qmlc.reports.cli import main as cli_main
    from tests.conftest import EXAMPLES

    spec_path = EXAMPLES / "qiren_coffee.toml"
    out = tmp_path / "prog"
    assert cli_main(["lower", str(spec_path), "--stage", "qiren", "-o", str(out)]) == 0
    capsys.readouterr()
    spec = load_spec(spec_path)
    model = qiren_from_spec(spec)
    direct = lower_qiren(model, weights_from_spec(spec, model, None))
    X = np.random.default_rng(0).uniform(-1, 1, size=(5, model.in_dim))
    np.testing.assert_array_equal(QirenProgram.load(out).evaluate(X), direct.evaluate(X))
    assert cli_main(["lower", str(spec_path), "--stage", "carleman", "-o",
                     str(tmp_path / "x")]) == 2
    assert "does not apply" in capsys.readouterr().err
