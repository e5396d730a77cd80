"""Shared fixtures: tiny polynomial-map specs written to a temporary directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def random_dissipative_map(n: int, degree: int, seed: int, radius: float = 0.6,
                           g2_scale: float = 0.15, g3_scale: float = 0.05) -> dict:
    """Dense G_0..G_degree of a random map whose linear part has spectral radius ``radius``."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    G1 = q @ np.diag(rng.uniform(-radius, radius, size=n)) @ q.T
    arrays = {"G0": 0.05 * rng.normal(size=n), "G1": G1, "u0": 0.3 * rng.normal(size=n)}
    if degree >= 2:
        arrays["G2"] = g2_scale * rng.normal(size=(n, n**2))
    if degree >= 3:
        arrays["G3"] = g3_scale * rng.normal(size=(n, n**3))
    return arrays


def write_polymap_spec(directory: Path, arrays: dict, order: int = 2, steps: int = 4,
                       extra: str = "", name: str = "test-map") -> Path:
    """A polynomial-map spec + data file in ``directory``; returns the spec path."""
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "map.npz", **arrays)
    spec = directory / "map.toml"
    spec.write_text(f'kind = "polynomial-map"\nname = "{name}"\ndata = "map.npz"\n'
                    f"order = {order}\nsteps = {steps}\n{extra}")
    return spec


@pytest.fixture(autouse=True)
def _jobs_dir(tmp_path_factory, monkeypatch):
    """IBM job records (qmlc.backends.ibm_jobs) of every test go to a temporary directory."""
    monkeypatch.setenv("QMLC_JOBS_DIR", str(tmp_path_factory.mktemp("qmlc-jobs")))


@pytest.fixture(scope="module")
def one_blas_thread():
    """numpy's BLAS on one thread for a module (``pytestmark = pytest.mark.usefixtures(
    "one_blas_thread")``): on the shared 2-core machine a two-thread OpenBLAS call whose second
    thread is descheduled spin-waits, and a 910 x 910 eigvalsh then takes 5.8 s instead of 0.1 s
    (measured back to back, load average 3.4); the dense references of the matrix-free tests
    need it."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def quadratic_spec(tmp_path: Path) -> Path:
    return write_polymap_spec(tmp_path / "quad", random_dissipative_map(3, 2, seed=1))


# A flag report (solver and data access other than the defaults), built once per session and
# shared by tests/test_report.py and tests/test_report_browser.py.
REPORT_FLAGS = ["--n", "10000", "--steps", "20", "--order", "2", "--row-sparsity", "4",
                "--epsilon", "1e-2", "--algorithm", "jennings", "--data-access", "qrom"]


@pytest.fixture(scope="session")
def flag_report_files(tmp_path_factory) -> tuple[Path, dict]:
    """(report.html, the JSON summary ``qmlc report --json`` printed)."""
    import json

    from qmlc.reports import cli

    out = tmp_path_factory.mktemp("report") / "flags.html"
    lines: list[str] = []
    assert cli.main(["report", *REPORT_FLAGS, "-o", str(out), "--json"], out=lines.append) == 0
    return out, json.loads(lines[0])


# A Carleman report with a Device section (a 2-variable linear map, Carleman order 1, T = 1: a
# QSVT of a few thousand two-qubit gates on the smallest fitting fake device), built once per
# session for tests/test_report.py and tests/test_report_browser.py.
@pytest.fixture(scope="session")
def device_report_files(tmp_path_factory) -> tuple[Path, dict, Path]:
    """(report.html, the JSON summary ``qmlc report --device ibm-fake --json`` printed, spec)."""
    import json

    from qmlc.reports import cli

    root = tmp_path_factory.mktemp("device-report")
    spec = write_polymap_spec(root / "linear", random_dissipative_map(2, 1, seed=4), order=1,
                              steps=1)
    out = root / "device.html"
    lines: list[str] = []
    assert cli.main(["report", str(spec), "--device", "ibm-fake", "-o", str(out), "--json"],
                    out=lines.append) == 0
    return out, json.loads(lines[0]), spec
