"""``qmlc report``: one source of truth with ``qmlc estimate``, self-contained HTML, Markdown with
PNGs, the data behind every plot, determinism, and the bad-input contract."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmlc.reports import cli
from qmlc.reports.report_document import SECTION_TITLES, section_titles
from tests.conftest import EXAMPLES, REPORT_FLAGS

VOLATILE = {"seconds_logical"}   # wall-clock time of the logical estimate, differs per run


def run_cli(argv: list[str], out=None) -> int:
    try:
        return cli.main(argv, out=out or (lambda _text: None))
    except SystemExit as exc:   # argparse's own usage errors
        return int(exc.code)


def _estimate_json(argv: list[str]) -> dict:
    lines: list[str] = []
    assert cli.main(["estimate", *argv, "--json"], out=lines.append) == 0
    return json.loads(lines[0])


def _strip(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in VOLATILE | {"breakdown"}}


class _Cells(HTMLParser):
    """Table cells of an HTML page: (section id, row number, text, data-value)."""

    def __init__(self):
        super().__init__()
        self.section, self.row, self.cells, self._cell = None, -1, [], None
        self.headings = []
        self._heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.section, self.row = attrs.get("id"), -1
        elif tag == "tr":
            self.row += 1
        elif tag == "td":
            self._cell = [self.section, self.row, "", attrs.get("data-value")]
        elif tag == "h2":
            self._heading = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append(tuple(self._cell))
            self._cell = None
        elif tag == "h2":
            self.headings.append(self._heading)
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data
        if self._heading is not None:
            self._heading += data


def _parse(html: str) -> _Cells:
    parser = _Cells()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def report_data(flag_report_files) -> dict:
    html, _ = flag_report_files
    return json.loads(html.with_suffix(".json").read_text())


# the requested jennings + qrom: both reference solvers under every data access, every other
# QLSA cost model under the requested one (qrom)
CONFIGURATIONS = [(a, m) for a in ("qsvt", "jennings") for m in ("qram", "qrom", "select-swap")] \
    + [(a, "qrom") for a in ("jennings-v2", "costa-da", "costa-da-empirical", "dalzell")]


def test_the_verdict_covers_every_configuration(report_data):
    assert sorted(report_data["estimates"]) == sorted(f"{a}/{m}" for a, m in CONFIGURATIONS)


@pytest.mark.parametrize("algorithm,model", CONFIGURATIONS)
def test_every_estimate_equals_qmlc_estimate_json(report_data, algorithm, model):
    """One source of truth: each configuration in the report is exactly ``qmlc estimate``."""
    flags = REPORT_FLAGS[:10] + ["--algorithm", algorithm, "--data-access", model]
    expected = _strip(_estimate_json(flags))
    got = _strip(report_data["estimates"][f"{algorithm}/{model}"])
    assert got == expected


def test_verdict_table_shows_the_estimates(flag_report_files, report_data):
    """The verdict cells a reader sees carry exactly the estimate's integers."""
    html, _ = flag_report_files
    cells = [c for c in _parse(html.read_text()).cells if c[0] == "verdict"]
    for i, key in enumerate(report_data["estimates"]):
        est = report_data["estimates"][key]
        row = [c for c in cells if c[1] == i + 1]   # row 0 is the header
        assert row[0][2].startswith(key.replace("/", " + "))
        values = [c[3] for c in row[1:6]]
        physical = est["physical"]          # the estimate's least qubits × runtime
        assert row[8][2] == (physical["model"] if physical["qubits"] is not None
                             else "none fits (§4)")
        assert values == [repr(est["t_count"]), repr(est["toffoli_count"]),
                          repr(est["logical_qubits"]), repr(est["readout"]["t_count_total"]),
                          None if physical["qubits"] is None else repr(physical["qubits"])]
        if physical["qubits"] is not None:
            assert row[6][3] == repr(physical["runtime_seconds"])
            assert row[6][2] == physical["runtime_human"]
        # the displayed text is the same number in scientific notation
        mantissa, exponent = row[1][2].split(" × 10") if "×" in row[1][2] else (row[1][2], "")
        if exponent:
            sup = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
            shown = float(mantissa) * 10 ** int(exponent.translate(sup))
            assert shown == pytest.approx(est["t_count"], rel=5e-3)


def test_json_holds_the_data_behind_every_plot(report_data):
    scaling = report_data["scaling"]
    assert set(scaling["curves"]) == {a for a, _ in CONFIGURATIONS}
    for algorithm, curves in scaling["curves"].items():
        models = ("qram", "qrom", "select-swap") if algorithm == "jennings" else ("qrom",)
        assert set(curves["t_count_vs_n"]) == set(models)
        for model in models:
            assert len(curves["t_count_vs_n"][model]) == len(curves["n"])
            assert len(curves["t_count_vs_T"][model]) == len(curves["T"])
    assert scaling["sweep"]["models"]["qram"]["T_class"]["proved"]
    assert set(scaling["sweep"]["solvers"]) == {a for a, _ in CONFIGURATIONS}
    for est in report_data["estimates"].values():
        assert sum(c["t_count"] for c in est["breakdown"]["components"]) == est["t_count"]
    physical = report_data["physical"]
    assert [r["physical_error_rate"] for r in physical["error_rate_sensitivity"]] == \
        [1e-3, 1e-4, 1e-5]
    assert [r["epsilon"] for r in physical["epsilon_sensitivity"]] == pytest.approx(
        [0.1, 0.01, 0.001])
    for key in ("truncation", "time_steps", "kappa_growth", "readout"):
        check = report_data["checks"][key]
        assert check["status"] in ("pass", "warn") and "data" in check


def test_curves_pass_through_the_estimate(report_data):
    """At (n, T) of the request the lambdified curves give the estimate's T-count."""
    est = report_data["estimates"]["jennings/qrom"]
    curves = report_data["scaling"]["curves"]["jennings"]
    i = int(np.argmin(np.abs(np.log(np.asarray(curves["T"]) / est["steps"]))))
    assert curves["T"][i] == est["steps"]
    assert curves["t_count_vs_T"]["qrom"][i] == pytest.approx(est["t_count"], rel=1e-4)


def test_page_is_self_contained(flag_report_files):
    html_path, summary = flag_report_files
    html = html_path.read_text()
    assert summary["bytes"] == html_path.stat().st_size == len(html.encode())
    for forbidden in ("http:", "https:", "//", "<script", "src=", "@import", "<link",
                      "<iframe", "<object"):
        assert forbidden not in html, forbidden
    # url(...) only for the SVG's own clip paths (fragment references into the page)
    assert re.findall(r"url\((?!#)", html) == []
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))
    assert html.count("<svg") >= 8          # every figure inline
    assert "@media print" in html


def test_every_section_heading(flag_report_files):
    headings = _parse(flag_report_files[0].read_text()).headings
    assert [re.sub(r"^\d+\. ", "", h) for h in headings] == SECTION_TITLES["carleman"]


def test_cli_states_the_file_size(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli.main(["report", *REPORT_FLAGS, "-o", str(out), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert re.fullmatch(rf"wrote {re.escape(str(out))} \(\d+ KB, html\)\n", captured.out)
    assert captured.err == ""   # the progress bar stays silent without a terminal


def test_spec_report_uses_the_measured_checks(tmp_path):
    out = tmp_path / "tiny.md"
    assert cli.main(["report", str(EXAMPLES / "tiny_polymap.toml"), "-o", str(out),
                     "--json"], out=lambda _t: None) == 0
    data = json.loads(out.with_suffix(".json").read_text())
    checks = data["checks"]
    assert "relative_error" in checks["truncation"]["data"]          # from qmlc verify
    assert "kappa_measured" in checks["kappa_growth"]["data"]        # measured κ(T)
    expected = _strip(_estimate_json([str(EXAMPLES / "tiny_polymap.toml")]))
    assert _strip(data["estimates"]["qsvt/qram"]) == expected
    # Markdown: every image link resolves to a non-blank PNG beside the report
    from PIL import Image

    text = out.read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) >= 8
    for link in links:
        image = np.asarray(Image.open(out.parent / link).convert("L"), dtype=float)
        assert image.std() > 5, link
    for title in SECTION_TITLES["carleman"]:
        assert re.search(rf"^## \d+\. {re.escape(title)}$", text, re.M), title


def _qiren_spec(tmp_path: Path) -> tuple[Path, Path]:
    from qmlc.compiler.qiren_model import qiren_from_spec
    from qmlc.compiler.qiren_weights import init_weights, save_weights
    from qmlc.compiler.spec import load_spec

    spec = tmp_path / "small.toml"
    spec.write_text('kind = "qiren"\nname = "small"\nin_dim = 2\nwidth = 3\nlayers = 2\n'
                    'reuploads = 1\nblocks = 1\nentangler = "cnot"\nencoding = "rz"\n'
                    'out_dim = 1\nseed = 0\n[signal]\nimage = "camera"\nsize = 8\n')
    weights = tmp_path / "w.npz"
    save_weights(weights, init_weights(qiren_from_spec(load_spec(spec)), 5))
    return spec, weights


def test_qiren_report_matches_estimate_and_run(tmp_path):
    spec, weights = _qiren_spec(tmp_path)
    out = tmp_path / "q.html"
    assert cli.main(["report", str(spec), "--weights", str(weights), "-o", str(out),
                     "--json"], out=lambda _t: None) == 0
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["qiren"]["estimate"] == _estimate_json([str(spec), "--weights", str(weights)])
    lines: list[str] = []
    assert cli.main(["run", str(spec), "--backend", "numpy", "--weights", str(weights),
                     "--json"], out=lines.append) == 0
    run = json.loads(lines[0])
    rec = data["qiren"]["reconstruction"]
    assert rec["output"] == [row[0] for row in run["outputs"]]
    assert rec["psnr_db"] == run["psnr_db"] and rec["shape"] == [8, 8]
    headings = _parse(out.read_text()).headings
    assert [re.sub(r"^\d+\. ", "", h) for h in headings] == SECTION_TITLES["qiren"]
    assert 'id="fig-qiren"' in out.read_text()


# -- the Device section (--device): the figures of `qmlc run --dry-run` -------------------------

ISA_VOLATILE = {"transpile_seconds"}   # wall-clock time of the transpilation


def _dry_run_json(argv: list[str]) -> dict:
    lines: list[str] = []
    assert cli.main(["run", *argv, "--dry-run", "--json"], out=lines.append) == 0
    return json.loads(lines[0])


def _isa(circuits: list[dict]) -> list[dict]:
    return [{k: v for k, v in c.items() if k not in ISA_VOLATILE} for c in circuits]


def test_device_section_is_the_qlsa_dry_run(device_report_files):
    """The Carleman report's Device section carries exactly what `qmlc run --backend ibm-fake
    --dry-run --json` reports for the same spec: the device, every ISA circuit's counts and
    estimated success, and the warning; the page shows them, before the assumptions."""
    html, summary, spec = device_report_files
    data = json.loads(html.with_suffix(".json").read_text())
    run = _dry_run_json([str(spec), "--backend", "ibm-fake"])
    device = data["device"]
    assert device["device"] == run["device"] and device["device"]["kind"] == "ibm-fake"
    assert device["device"]["basis_gates"] == ["cx", "id", "rz", "sx", "x"]
    assert _isa(device["circuits"]) == _isa(run["circuits"])
    assert [c["name"] for c in device["circuits"]] == ["solve", "overlap test"]
    assert device["warning"] == run["warning"] and "estimate" in device["warning"]
    assert device["predicted_success_probability"] == run["predicted_success_probability"]
    assert device["command"].endswith("--backend ibm-fake --dry-run --optimization-level 1")
    assert summary["sections"] == section_titles("carleman", device=True)
    page = html.read_text()
    parsed = _parse(page)
    assert [re.sub(r"^\d+\. ", "", h) for h in parsed.headings] == summary["sections"]
    cells = [c for c in parsed.cells if c[0] == "device"]
    for circuit in run["circuits"]:
        row = [c for c in cells if c[2] == circuit["name"]][0][1]
        values = {c[3] for c in cells if c[1] == row}
        assert {repr(circuit["two_qubit_gates"]), repr(circuit["depth"]),
                repr(circuit["log10_estimated_success"])} <= values
        shown = [c[2] for c in cells if c[1] == row]
        assert f"{circuit['two_qubit_gates']:,}" in shown
    from html import escape

    assert escape(run["warning"]) in page
    assert any("estimated success" in a["quantity"] for a in data["assumptions"])


def test_device_section_is_the_qiren_dry_run_in_markdown(tmp_path):
    """A QIREN report in Markdown, at another optimization level: the same figures as `qmlc run
    --dry-run` (no warning: a width-3 layer is within reach of the device)."""
    spec, weights = _qiren_spec(tmp_path)
    out = tmp_path / "q.md"
    assert cli.main(["report", str(spec), "--weights", str(weights), "--device",
                     "ibm-fake:manila", "--optimization-level", "2", "-o", str(out), "--json"],
                    out=lambda _t: None) == 0
    data = json.loads(out.with_suffix(".json").read_text())["device"]
    run = _dry_run_json([str(spec), "--weights", str(weights), "--backend", "ibm-fake:manila",
                         "--optimization-level", "2"])
    assert data["device"] == run["device"] and data["optimization_level"] == 2
    assert _isa(data["circuits"]) == _isa(run["layers"]) and len(run["layers"]) == 2
    assert all(c["optimization_level"] == 2 for c in data["circuits"])
    assert "warning" not in data and run.get("warning") is None
    text = out.read_text()
    titles = re.findall(r"^## \d+\. (.+)$", text, re.M)
    assert titles == section_titles("qiren", device=True)
    for layer in run["layers"]:
        assert re.search(rf"^\| {layer['name']} \| {len(layer['physical_qubits'])} \| "
                         rf"{layer['two_qubit_gates']:,} \| {layer['depth']:,} \|", text, re.M)
    assert "fake_manila" in text and "cx, id, rz, sx, x" in text


def test_no_device_section_without_device(report_data, flag_report_files):
    html, summary = flag_report_files
    assert "device" not in report_data and 'id="device"' not in html.read_text()
    assert summary["sections"] == SECTION_TITLES["carleman"]


# -- bad inputs: exit 2, one line, nothing written ----------------------------------------------

def _assert_refused(argv: list[str], capsys, where: Path, flag: str = "-o") -> None:
    before = sorted(where.rglob("*"))
    assert run_cli(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and flag in err, err
    assert sorted(where.rglob("*")) == before


@settings(max_examples=20, deadline=None)
@given(suffix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", max_size=5)
       .filter(lambda s: s not in ("html", "md")))
def test_unknown_extension_is_refused(tmp_path_factory, suffix):
    where = tmp_path_factory.mktemp("ext")
    name = f"report.{suffix}" if suffix else "report"
    before = sorted(where.rglob("*"))
    assert run_cli(["report", *REPORT_FLAGS, "-o", str(where / name)]) == 2
    assert sorted(where.rglob("*")) == before


def test_unknown_extension_says_what_to_do(tmp_path, capsys):
    _assert_refused(["report", *REPORT_FLAGS, "-o", str(tmp_path / "r.pdf")], capsys, tmp_path)


@pytest.mark.parametrize("target", ["file/r.html", "dir.html", "/proc/qmlc-report.html",
                                    "/sys/qmlc-report.md"])
def test_unwritable_output_is_refused(tmp_path, capsys, target):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir.html").mkdir()
    path = target if target.startswith("/") else str(tmp_path / target)
    _assert_refused(["report", *REPORT_FLAGS, "-o", path], capsys, tmp_path)
    assert not Path(path).is_file()


def test_bad_size_flags_are_refused_before_writing(tmp_path, capsys):
    argv = ["report", "--n", "-5", *REPORT_FLAGS[2:], "-o", str(tmp_path / "r.html")]
    _assert_refused(argv, capsys, tmp_path, flag="--n")


def test_write_failure_leaves_no_partial_file(tmp_path, monkeypatch):
    """A failure while writing (disk full, forced here on the second file: a figure in a new
    folder) leaves neither files, temporary files nor the new folder behind."""
    import tempfile

    import qmlc.reports.files as files
    from qmlc.compiler.errors import UsageError

    real = tempfile.mkstemp
    calls = []

    def failing(*args, **kwargs):
        calls.append(kwargs.get("dir"))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)
    monkeypatch.setattr(tempfile, "mkstemp", failing)
    out = tmp_path / "r.md"
    with pytest.raises(UsageError, match="No space left"):
        files.write_files({out: "text", tmp_path / "r_figures" / "a.png": b"png"})
    assert sorted(tmp_path.rglob("*")) == []


@pytest.mark.slow
def test_same_inputs_same_bytes(tmp_path):
    """Deterministic: two runs give byte-identical HTML, Markdown, PNGs and JSON (the JSON's
    timings of the estimate, sweep and proofs aside)."""
    outputs = []
    for run in ("a", "b"):
        for ext in ("html", "md"):
            out = tmp_path / run / f"r.{ext}"
            assert cli.main(["report", *REPORT_FLAGS, "-o", str(out), "--json"],
                            out=lambda _t: None) == 0
    for path in sorted((tmp_path / "a").rglob("*")):
        if path.is_file():
            other = tmp_path / "b" / path.relative_to(tmp_path / "a")
            if path.suffix == ".json":
                a, b = (re.sub(r'"(seconds_logical|sweep_seconds|proof_seconds)": [0-9.e-]+',
                               "", p.read_text()) for p in (path, other))
            else:
                a, b = path.read_bytes(), other.read_bytes()
            assert a == b, path.name
            outputs.append(path.name)
    assert {"r.html", "r.md", "r.json"} <= set(outputs)


def test_physical_section_is_the_estimates(report_data):
    """The Pareto frontier and every model's figures are the estimate's; the sensitivity rows
    are ``qmlc estimate`` at those error rates."""
    requested = report_data["verdict"]["requested"]
    est = report_data["estimates"][requested]
    physical = report_data["physical"]
    assert physical["pareto"] == est["pareto"] and len(est["pareto"]) >= 2
    assert physical["models"] == est["physical_models"]
    algorithm, model = requested.split("/")
    for row in physical["error_rate_sensitivity"]:
        other = _estimate_json(REPORT_FLAGS[:10] + [
            "--algorithm", algorithm, "--data-access", model,
            "--physical-error-rate", repr(row["physical_error_rate"])])
        assert row["models"] == other["physical_models"]
        assert row["pareto"] == other["pareto"]
    qubits = [p["qubits"] for p in physical["pareto"]]
    runtimes = [p["runtime_seconds"] for p in physical["pareto"]]
    assert qubits == sorted(qubits) and runtimes == sorted(runtimes, reverse=True)


def test_one_variable_map_reports_every_data_access(tmp_path):
    """n = 1: one-word lookup tables (SelectSwapQROM once failed on them) and the T curve,
    drawn at n = 2 where the symbolic count's ceil(log2 n) would divide by zero at n = 1; every
    estimate still equals ``qmlc estimate`` and no value is lost to inf/nan."""
    import warnings

    from tests.conftest import write_polymap_spec

    spec = write_polymap_spec(tmp_path / "one", {"G0": np.array([0.05]), "G1": np.array([[0.6]]),
                                                 "G2": np.array([[0.1]]), "u0": np.array([0.3])})
    out = tmp_path / "one.html"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert run_cli(["report", str(spec), "-o", str(out), "--json", "--no-progress"]) == 0
    data = json.loads(out.with_suffix(".json").read_text())
    for model in ("qram", "qrom", "select-swap"):
        expected = _strip(_estimate_json([str(spec), "--data-access", model]))
        assert _strip(data["estimates"][f"qsvt/{model}"]) == expected
    curves = data["scaling"]["curves"]["qsvt"]
    assert curves["fixed_n"] == 2
    values = [v for series in curves["t_count_vs_T"].values() for v in series]
    assert all(np.isfinite(values)) and min(values) > 0
