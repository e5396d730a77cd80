"""The wheel a user installs: it holds every package and example, installs under ``qmlc.`` only,
and runs ``qmlc estimate`` and ``qmlc demo`` from outside the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qmlc.estimators.requests import EstimateOptions, estimate_from_parameters

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from this checkout (no network: --no-build-isolation), installed with
    its dependencies left to the running environment."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(work / "dist"), str(ROOT)], check=True, cwd=work)
    (wheel,) = (work / "dist").glob("qmlc-*.whl")
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True, cwd=work)
    return site


def _run(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_wheel_holds_every_package_and_example(installed):
    names = {p.relative_to(installed).as_posix() for p in installed.rglob("*")}
    for package in ("compiler", "circuits", "circuits/bloqs", "estimators", "backends",
                    "reports", "reports/verbs", "examples"):
        assert f"qmlc/{package}/__init__.py" in names, package
    assert "qmlc/examples/tiny_network.toml" in names
    assert "qmlc/examples/digits_network_weights.npz" in names
    assert not any(n.split("/")[0] in ("compiler", "circuits", "estimators", "backends",
                                       "reports", "examples") for n in names)
    wheel_modules = {n for n in names if n.startswith("qmlc/circuits/bloqs/") and n.endswith(".py")}
    source_modules = {f"qmlc/circuits/bloqs/{p.name}" for p in (ROOT / "circuits/bloqs").glob("*.py")}
    assert wheel_modules == source_modules


def test_installed_code_runs_estimate_from_outside_the_repository(installed, tmp_path):
    probe = _run(installed, "-c", "import qmlc.reports.cli as c; print(c.__file__)\n"
                 "try:\n    import compiler\nexcept ImportError:\n    print('no bare compiler')",
                 cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    where, bare = probe.stdout.split("\n")[:2]
    assert where.startswith(str(installed)) and bare == "no bare compiler"
    out = _run(installed, "-m", "qmlc.reports.cli", "estimate", "--n", "1e8", "--steps", "1000",
               "--order", "2", "--row-sparsity", "16", "--epsilon", "1e-3", "--algorithm",
               "jennings", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    # the installed wheel computes what this checkout computes
    expected = estimate_from_parameters(1e8, 1000, 2, 16, 1e-3,
                                        options=EstimateOptions(algorithm="jennings"))
    assert report["t_count"] == expected.t_count
    assert report["logical_qubits"] == expected.logical_qubits


def test_installed_demo_finds_its_bundled_example(installed, tmp_path):
    out = _run(installed, "-m", "qmlc.reports.cli", "demo", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    demo = json.loads(out.stdout)
    assert demo["spec"].startswith(str(installed))
    assert all(run["fidelity"] > 0.99 for run in demo["quantum"].values())
