"""`qmlc lower` / `qmlc verify` through the CLI: outputs, round trips, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from qmlc.compiler.carleman import CarlemanSystem, build_carleman_system
from qmlc.compiler.polymap import PolynomialMap, make_polynomial_map
from qmlc.reports.cli import main
from tests.conftest import random_dissipative_map, write_polymap_spec


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_lower_polymap_writes_stage_files_and_round_trips(tmp_path, quadratic_spec, capsys):
    out = tmp_path / "pm"
    code, stdout, _ = run_cli(["lower", str(quadratic_spec), "--stage", "polymap", "-o", str(out),
                               "--json"], capsys)
    assert code == 0
    meta = json.loads(stdout)
    assert meta["n"] == 3 and meta["degree"] == 2
    for name in ("G0.npy", "G1.npz", "G2.npz", "u0.npy", "meta.json"):
        assert (out / name).is_file()
    arrays = np.load(quadratic_spec.parent / "map.npz")
    loaded = PolynomialMap.load(out)
    np.testing.assert_array_equal(loaded.G[1].toarray(), arrays["G1"])
    np.testing.assert_array_equal(loaded.G[2].toarray(), arrays["G2"])
    np.testing.assert_array_equal(loaded.u0, arrays["u0"])
    assert sp.load_npz(out / "G2.npz").shape == (3, 9)


def test_lower_carleman_meta_and_round_trip(tmp_path, quadratic_spec, capsys):
    out = tmp_path / "cs"
    code, stdout, _ = run_cli(["lower", str(quadratic_spec), "--stage", "carleman", "-o", str(out),
                               "--json"], capsys)
    assert code == 0
    meta = json.loads(stdout)
    for key in ("n", "order", "steps", "dim", "nnz", "max_row_nnz", "max_abs_entry", "norms",
                "kappa", "kappa_kind", "dissipation"):
        assert key in meta
    assert meta["dim"] == (4 + 1) * (3 + 9)
    loaded = CarlemanSystem.load(out)
    arrays = np.load(quadratic_spec.parent / "map.npz")
    direct = build_carleman_system(make_polynomial_map(
        [arrays["G0"], arrays["G1"], arrays["G2"]], arrays["u0"]), 2, 4)
    assert (loaded.A != direct.A).nnz == 0
    assert (loaded.M != direct.M).nnz == 0
    np.testing.assert_array_equal(loaded.b, direct.b)
    np.testing.assert_array_equal(loaded.c, direct.c)
    dense = loaded.A.toarray()
    assert meta["kappa_kind"] == "exact"
    assert meta["kappa"] == pytest.approx(np.linalg.cond(dense), rel=1e-9)
    assert meta["nnz"] == np.count_nonzero(dense)
    assert meta["max_row_nnz"] == np.count_nonzero(dense, axis=1).max()
    assert meta["dissipation"]["classification"] == "fully-dissipative"
    # save → load → save gives identical files
    again = tmp_path / "again"
    again.mkdir()
    loaded.save(again)
    for name in ("history.npz", "lift.npz", "history_rhs.npy", "lift_rhs.npy"):
        assert (again / name).read_bytes() == (out / name).read_bytes()


def test_verify_reports_decreasing_error(quadratic_spec, capsys):
    code, stdout, _ = run_cli(["verify", str(quadratic_spec), "--json"], capsys)
    assert code == 0
    orders = json.loads(stdout)["orders"]
    assert [o["order"] for o in orders] == [1, 2]
    assert orders[1]["error_vs_map"] < orders[0]["error_vs_map"]
    assert all(o["residual"] < 1e-12 for o in orders)


def _bad(tmp_path: Path, capsys, argv: list[str], *needles: str) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(argv + ["-o", str(out)] if argv[0] == "lower" else argv, capsys)
    assert code == 2, stderr
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not out.exists()
    assert "Traceback" not in stderr


def lower_args(spec: Path) -> list[str]:
    return ["lower", str(spec), "--stage", "carleman"]


def test_malformed_toml(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('kind = "polynomial-map"\norder = = 2\n')
    _bad(tmp_path, capsys, lower_args(spec), "malformed TOML")


def test_missing_spec_and_data_file(tmp_path, capsys):
    _bad(tmp_path, capsys, lower_args(tmp_path / "nope.toml"), "not found")
    spec = tmp_path / "s.toml"
    spec.write_text('kind = "polynomial-map"\ndata = "missing.npz"\norder = 2\nsteps = 2\n')
    _bad(tmp_path, capsys, lower_args(spec), "'data'", "not found")


def test_unreadable_data_file(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    (tmp_path / "junk.npz").write_bytes(b"this is not an npz archive")
    spec.write_text('kind = "polynomial-map"\ndata = "junk.npz"\norder = 2\nsteps = 2\n')
    _bad(tmp_path, capsys, lower_args(spec), "'data'", "cannot read")


def test_wrong_shapes(tmp_path, capsys):
    arrays = random_dissipative_map(3, 2, seed=0)
    arrays["G2"] = arrays["G2"][:, :6]
    spec = write_polymap_spec(tmp_path / "m", arrays)
    _bad(tmp_path, capsys, lower_args(spec), "G2", "shape", "(3, 9)")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf(tmp_path, capsys, bad):
    arrays = random_dissipative_map(2, 2, seed=0)
    arrays["G1"][0, 1] = bad
    spec = write_polymap_spec(tmp_path / "m", arrays)
    _bad(tmp_path, capsys, lower_args(spec), "G1", "NaN or inf")


@pytest.mark.parametrize("field,order,steps", [("order", 0, 3), ("steps", 2, 0)])
def test_order_and_steps_below_one(tmp_path, capsys, field, order, steps):
    spec = write_polymap_spec(tmp_path / "m", random_dissipative_map(2, 2, seed=0), order=order,
                              steps=steps)
    _bad(tmp_path, capsys, lower_args(spec), f"'{field}'", "in [1,")


def test_unknown_kind(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('kind = "transformer"\n')
    _bad(tmp_path, capsys, lower_args(spec), "'kind'", "transformer")


def test_too_large_points_to_estimate(tmp_path, capsys):
    n = 200
    arrays = {"G0": np.zeros(n), "G1": 0.5 * np.eye(n), "u0": np.full(n, 0.1)}
    spec = write_polymap_spec(tmp_path / "m", arrays, order=3, steps=2)
    _bad(tmp_path, capsys, lower_args(spec), "qmlc estimate", "rows")


def test_non_dissipative_refused_unless_allowed(tmp_path, capsys):
    arrays = random_dissipative_map(2, 2, seed=0)
    arrays["G1"] = np.diag([1.5, 0.3])
    spec = write_polymap_spec(tmp_path / "m", arrays, steps=6)
    _bad(tmp_path, capsys, lower_args(spec), "non-dissipative", "--allow-nondissipative")
    out = tmp_path / "forced"
    code, _, _ = run_cli(lower_args(spec) + ["-o", str(out), "--allow-nondissipative"], capsys)
    assert code == 0 and (out / "history.npz").is_file()


@pytest.mark.parametrize("old,new,needle", [
    ('activation = "tanh"', 'activation = "gelu"', "'network.activation'"),
    ('loss = "mse"', 'loss = "hinge"', "'training.loss'"),
    ("taylor_order = 3", "taylor_order = 4", "'training.taylor_order'"),
    ("learning_rate = 0.88", "learning_rate = -1.0", "'training.learning_rate'"),
    ("layers = [2, 1, 1]", "layers = [3, 1, 1]", "W1"),
])
def test_bad_network_specs_through_the_cli(tmp_path, capsys, old, new, needle):
    import shutil

    from tests.conftest import EXAMPLES

    for path in EXAMPLES.glob("tiny_network*"):
        shutil.copy(path, tmp_path / path.name)
    spec = tmp_path / "tiny_network.toml"
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new))
    _bad(tmp_path, capsys, lower_args(spec), needle)


def test_network_data_with_nan_through_the_cli(tmp_path, capsys):
    import shutil

    from tests.conftest import EXAMPLES

    for path in EXAMPLES.glob("tiny_network*"):
        shutil.copy(path, tmp_path / path.name)
    data = dict(np.load(tmp_path / "tiny_network_data.npz"))
    data["X"][0, 0] = np.nan
    np.savez(tmp_path / "tiny_network_data.npz", **data)
    _bad(tmp_path, capsys, lower_args(tmp_path / "tiny_network.toml"), "NaN")
