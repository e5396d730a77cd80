"""The one stage protocol: every stage through `qmlc lower`, loaded back and checked against an
independent reference; atomic replacement of an earlier stage; refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qmlc.backends.qlsa_run import run_qlsa_program
from qmlc.circuits.history_encoding import padded_history_matrix
from qmlc.compiler.block_encoding_stage import BlockEncodingStage
from qmlc.compiler.carleman import CarlemanSystem, carleman_lift_reference, history_system_reference
from qmlc.compiler.errors import DataError
from qmlc.compiler.polymap import PolynomialMap
from qmlc.compiler.qlsa import QLSAProgram
from qmlc.reports.cli import main
from tests.conftest import random_dissipative_map, write_polymap_spec
from tests.qlsa_helpers import extract_block


@pytest.fixture
def tiny_spec(tmp_path):
    """n = 2, affine map (degree 1), N = 2, T = 1: small enough for explicit circuits."""
    return write_polymap_spec(tmp_path / "tiny", random_dissipative_map(2, 1, seed=4),
                              order=2, steps=1)


def lower(spec, stage: str, out, capsys, *extra: str) -> dict:
    assert main(["lower", str(spec), "--stage", stage, "-o", str(out), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_block_encoding_stage_encodes_the_reference_history_matrix(tmp_path, tiny_spec, capsys):
    meta = lower(tiny_spec, "block-encoding", tmp_path / "be", capsys)
    assert meta["stage"] == "block-encoding" and (tmp_path / "be" / "circuit.qpy").is_file()
    stage = BlockEncodingStage.load(tmp_path / "be")
    arrays = np.load(tiny_spec.parent / "map.npz")
    G = (arrays["G0"], arrays["G1"])
    M, c = carleman_lift_reference(G, 2)
    A, _ = history_system_reference(M, c, np.zeros(M.shape[0]), 1)
    A = A.toarray() if hasattr(A, "toarray") else A
    # the reference A placed in the padded layout of the system register
    expected = padded_history_matrix(M, 1).toarray()
    idx = stage.layout.padded_indices()
    np.testing.assert_allclose(expected[np.ix_(idx, idx)], A, atol=1e-12)
    be = stage.encoding
    block = extract_block(be.circuit, be.num_system)
    np.testing.assert_allclose(block.real * be.alpha, expected, atol=1e-9)
    assert meta["alpha"] == pytest.approx(be.alpha)


def test_qlsa_stage_round_trips_and_solves(tmp_path, tiny_spec, capsys):
    meta = lower(tiny_spec, "qlsa", tmp_path / "q", capsys)
    assert meta["stage"] == "qlsa" and meta["algorithm"] == "qsvt"
    program = QLSAProgram.load(tmp_path / "q")
    system = CarlemanSystem.load(_carleman(tmp_path, tiny_spec, capsys))
    run = run_qlsa_program(system, program, backend="aer")
    assert run.fidelity > 0.99
    x = np.linalg.solve(system.A.toarray(), system.b)
    np.testing.assert_allclose(run.theta_T_classical,
                               system.polymap.offset + x[system.delta:system.delta + system.n],
                               atol=1e-12)


def _carleman(tmp_path, spec, capsys):
    lower(spec, "carleman", tmp_path / "c", capsys)
    return tmp_path / "c"


def test_a_new_stage_replaces_the_old_one_whole(tmp_path, tiny_spec, capsys):
    out = tmp_path / "stage"
    lower(tiny_spec, "polymap", out, capsys)
    assert (out / "G1.npz").is_file()
    lower(tiny_spec, "block-encoding", out, capsys)
    assert sorted(p.name for p in out.iterdir()) == ["circuit.qpy", "matrix.npz", "meta.json"]
    assert json.loads((out / "meta.json").read_text())["stage"] == "block-encoding"
    with pytest.raises(DataError, match="holds stage 'block-encoding', not 'polymap'"):
        PolynomialMap.load(out)


def test_a_directory_without_a_stage_is_never_overwritten(tmp_path, tiny_spec, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["lower", str(tiny_spec), "--stage", "polymap", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not empty" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_stage_meta_names_stage_and_version(tmp_path, tiny_spec, capsys):
    lower(tiny_spec, "carleman", tmp_path / "c", capsys)
    meta = json.loads((tmp_path / "c" / "meta.json").read_text())
    assert meta["stage"] == "carleman" and meta["qmlc_version"] not in ("", None)
