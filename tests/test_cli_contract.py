"""The CLI contract, one test per row of issue 12's list of breaks: every user mistake exits 2
with one line on stderr, nothing on stdout and nothing written; flags that do not apply are
refused; help, version and usage guide; a bug is one line pointing to --debug."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qmlc.compiler.spec import load_spec
from qmlc.reports.cli import build_parser, main
from tests.conftest import EXAMPLES, random_dissipative_map, write_polymap_spec


def run(argv: list, capsys) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _no_work(what: str):
    """A stand-in for an expensive stage that a refusal must come before."""
    def started(*_args, **_kwargs):
        raise AssertionError(f"{what} started before the refusal")
    return started


def refused(argv: list, capsys, *needles: str, written: Path | None = None) -> str:
    """Exit 2, one line naming what is wrong, no stdout, nothing written under ``written``."""
    before = sorted(written.rglob("*")) if written is not None and written.exists() else None
    code, out, err = run(argv, capsys)
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qmlc: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    if written is not None:
        after = sorted(written.rglob("*")) if written.exists() else None
        assert after == before, (before, after)
    return lines[0]


@pytest.fixture
def polymap(tmp_path) -> Path:
    return write_polymap_spec(tmp_path / "pm", random_dissipative_map(2, 2, seed=0), order=2,
                              steps=3)


def _spec_with(tmp_path: Path, old: str, new: str, example: str = "tiny_network") -> Path:
    for path in EXAMPLES.glob(f"{example}*"):
        shutil.copy(path, tmp_path / path.name)
    spec = tmp_path / f"{example}.toml"
    text = spec.read_text()
    assert old in text, old
    spec.write_text(text.replace(old, new))
    return spec


def _qiren_spec(tmp_path: Path, body: str = "") -> Path:
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "signal.npz", coords=rng.uniform(-1, 1, (4, 2)),
             values=rng.uniform(-1, 1, (4, 1)))
    spec = tmp_path / "q.toml"
    spec.write_text('kind = "qiren"\nwidth = 3\nlayers = 1\nreuploads = 1\nblocks = 1\n'
                    'entangler = "cnot"\n' + body + '[signal]\ndata = "signal.npz"\n')
    return spec


def lower(spec: Path, out: Path) -> list:
    return ["lower", spec, "--stage", "carleman", "-o", out]


# -- tracebacks --------------------------------------------------------------------------------


@pytest.mark.parametrize("line,needles", [
    ("order = 1000", ("'order' = 1000", "[1, 8]")),
    ("steps = 1e300", ("'steps' = 1e+300", "integer")),
    ("order = 1000000000000000000", ("'order'",)),
    ("steps = 1000000000000000000", ("'steps'", "10^12")),
])
def test_huge_order_and_steps_refused_at_once(tmp_path, capsys, polymap, line, needles,
                                              monkeypatch):
    text = polymap.read_text().replace("order = 2", "").replace("steps = 3", "")
    polymap.write_text(text + line + "\n" + ("steps = 3\n" if "order" in line else "order = 2\n"))
    # refused before any work (the issue: runs that never ended): the lowering never starts
    for module in ("qmlc.compiler.pipeline", "qmlc.estimators.requests"):
        monkeypatch.setattr(f"{module}.lower_to_polymap", _no_work("lowering the spec"))
    refused(lower(polymap, tmp_path / "out"), capsys, *needles, written=tmp_path)
    refused(["estimate", polymap], capsys, *needles)


def test_huge_g_entries_and_u0(tmp_path, capsys):
    arrays = random_dissipative_map(2, 2, seed=0)
    arrays["G2"][0, 0] = 1e200
    spec = write_polymap_spec(tmp_path / "g", arrays)
    refused(lower(spec, tmp_path / "out"), capsys, "max|G2|^N", "10^400", written=tmp_path)
    arrays = random_dissipative_map(2, 2, seed=0)
    arrays["u0"][0] = 1e200  # u⊗u overflows to inf
    spec = write_polymap_spec(tmp_path / "u", arrays)
    refused(["verify", spec], capsys, "max|u0|^N")


@pytest.mark.parametrize("dtype,needle", [
    ("<U3", "dtype <U3"), ("M8[s]", "dtype datetime64[s]"),
    ([("a", "f8"), ("b", "i4")], "structured dtype"), ("complex128", "complex")])
def test_non_real_arrays(tmp_path, capsys, dtype, needle):
    arrays = random_dissipative_map(2, 2, seed=0)
    arrays["G1"] = np.zeros((2, 2), dtype=dtype)
    spec = write_polymap_spec(tmp_path / "m", arrays)
    refused(lower(spec, tmp_path / "out"), capsys, "'G1'", needle, written=tmp_path)


def test_npz_member_with_bad_magic_is_reported_corrupt(tmp_path, capsys):
    import zipfile

    spec = write_polymap_spec(tmp_path / "m", random_dissipative_map(2, 2, seed=0))
    with zipfile.ZipFile(spec.parent / "map.npz", "w") as archive:
        archive.writestr("u0.npy", b"\x00\x01 definitely not an array")
    refused(lower(spec, tmp_path / "out"), capsys, "corrupt", "'u0'", written=tmp_path)


@pytest.mark.parametrize("flag,value", [("--epsilon", "5e-324"), ("--epsilon", "2"),
                                        ("--n", "-3"), ("--physical-error-rate", "-1"),
                                        ("--gradient-norm", "-5"), ("--kappa", "1e300"),
                                        ("--n", "1e300"), ("--steps", "1e300")])
def test_extreme_estimate_flags(capsys, flag, value):
    argv = ["estimate", "--n", "1000", "--steps", "10", "--order", "1", "--row-sparsity", "4",
            "--epsilon", "1e-2"]
    if flag in argv:
        i = argv.index(flag)
        argv[i:i + 2] = [f"{flag}={value}"]
    else:
        argv.append(f"{flag}={value}")
    refused(argv, capsys, flag)


def test_row_sparsity_one_estimates(capsys):
    """Qualtran's PrepareUniformSuperposition(1) cannot decompose; the estimate no longer asks
    for it (one slot needs no superposition)."""
    for order in ("1", "2"):
        code, out, err = run(["estimate", "--n", "1000", "--steps", "10", "--order", order,
                              "--row-sparsity", "1", "--epsilon", "1e-2", "--json"], capsys)
        assert code == 0, err
        assert json.loads(out)["t_count"] > 0


def test_qiren_spectrum_too_large_and_reuploads_huge(tmp_path, capsys):
    spec = _qiren_spec(tmp_path)
    spec.write_text(spec.read_text().replace("blocks = 1", "blocks = 1000000000"))
    refused(["spectrum", spec], capsys, "'blocks'", "[1, 1000]")
    wide = tmp_path / "wide.toml"
    wide.write_text('kind = "qiren"\nin_dim = 2\nwidth = 25\n')
    refused(["spectrum", wide], capsys, "25 qubits")


@pytest.mark.parametrize("flag,value", [("--seed", "-1"), ("--seed", str(2**32)),
                                        ("--shots", str(10**15)), ("--shots", "0")])
def test_seed_and_shots_ranges(tmp_path, capsys, polymap, flag, value):
    extra = [] if flag == "--shots" else ["--shots", "100"]
    refused(["run", polymap, f"{flag}={value}"] + extra, capsys, flag)


def test_seed_without_shots_is_refused(capsys, polymap):
    refused(["run", polymap, "--seed", "3"], capsys, "--seed", "--shots")


@pytest.mark.parametrize("target", ["file", "proc", "long", "nul"])
def test_bad_output_paths_write_nothing(tmp_path, capsys, polymap, target):
    (tmp_path / "plain").write_text("x")
    out = {"file": tmp_path / "plain" / "out", "proc": Path("/proc/qmlc-out/x"),
           "long": tmp_path / ("a" * 300), "nul": str(tmp_path / "a\x00b")}[target]
    argvs = [lower(polymap, out), ["compile", polymap, "-o", out],
             ["report", polymap, "-o", f"{out}.html"]]
    for argv in argvs:
        refused(argv, capsys, "--output", written=tmp_path)


def test_train_checks_output_before_training(tmp_path, capsys, monkeypatch):
    import qmlc.reports.verbs.train as train

    def never(*_args, **_kwargs):
        raise AssertionError("trained although the output could not be written")
    monkeypatch.setattr(train, "train_qiren", never)
    spec = _qiren_spec(tmp_path)
    (tmp_path / "plain").write_text("x")
    for out in (tmp_path / "plain" / "w.npz", Path("/proc/w.npz"), tmp_path):
        refused(["train", spec, "-o", out], capsys, "--output", written=tmp_path)


def test_toml_nested_5000_deep(tmp_path, capsys):
    spec = tmp_path / "deep.toml"
    spec.write_text('kind = "polynomial-map"\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
    refused(lower(spec, tmp_path / "out"), capsys, "nested", written=tmp_path)


@pytest.mark.parametrize("name,needle", [("a\\u0000b.npz", "NUL"), ("a" * 300 + ".npz",
                                                                      "255 bytes")])
def test_bad_data_file_names(tmp_path, capsys, polymap, name, needle):
    polymap.write_text(polymap.read_text().replace('data = "map.npz"', f'data = "{name}"'))
    refused(lower(polymap, tmp_path / "out"), capsys, "'data'", needle, written=tmp_path)


# -- accepted invalid input ---------------------------------------------------------------------


def test_spec_epsilon_out_of_range(tmp_path, capsys, polymap):
    polymap.write_text(polymap.read_text() + "epsilon = 2.0\n")
    refused(["estimate", polymap], capsys, "'epsilon' = 2.0", "in [1e-15, 1)")


@pytest.mark.parametrize("key", ["u0", "G1", "G2"])
def test_complex_polymap_arrays(tmp_path, capsys, key):
    arrays = random_dissipative_map(2, 2, seed=0)
    arrays[key] = arrays[key] + 1e-3j
    spec = write_polymap_spec(tmp_path / "m", arrays)
    refused(["verify", spec], capsys, f"'{key}'", "complex")


def test_complex_qiren_coordinates(tmp_path, capsys):
    spec = _qiren_spec(tmp_path)
    np.savez(tmp_path / "signal.npz", coords=np.ones((4, 2)) * (1 + 1j), values=np.ones((4, 1)))
    refused(["run", spec, "--backend", "numpy"], capsys, "coords", "complex")
    np.save(tmp_path / "x.npy", np.ones((3, 2), dtype=complex))
    _qiren_spec(tmp_path)
    refused(["run", spec, "--backend", "numpy", "--inputs", tmp_path / "x.npy"], capsys,
            "--inputs", "complex")


def test_expanding_dynamics_refused_by_every_verb(tmp_path, capsys):
    arrays = random_dissipative_map(2, 2, seed=0)
    arrays["G1"] = 1.5 * np.eye(2)
    spec = write_polymap_spec(tmp_path / "m", arrays, steps=6)
    for argv in (["verify", spec], lower(spec, tmp_path / "out"), ["estimate", spec],
                 ["run", spec], ["compile", spec, "-o", tmp_path / "x.qasm"]):
        refused(argv, capsys, "non-dissipative", written=tmp_path)
    (tmp_path / "n").mkdir()
    net = _spec_with(tmp_path / "n", "learning_rate = 0.88", "learning_rate = 50")
    refused(["verify", net], capsys, "non-dissipative")


def test_huge_network_weights(tmp_path, capsys):
    (tmp_path / "n").mkdir()
    spec = _spec_with(tmp_path / "n", "taylor_order = 3", "taylor_order = 3")
    weights = dict(np.load(spec.parent / "tiny_network_weights.npz"))
    weights["W1"] = weights["W1"] * 1e300
    np.savez(spec.parent / "tiny_network_weights.npz", **weights)
    refused(["verify", spec], capsys, "'network.weights'", "W1")


@pytest.mark.parametrize("body,needles", [
    ('lowering = "x"\n', ("'lowering' must be a table",)),
    ("width = 1000000\n", ("'width' = 1000000", "[1, 1000]")),
    ('widht = 4\n', ("unknown key 'widht'", "did you mean 'width'")),
])
def test_qiren_spec_mistakes(tmp_path, capsys, body, needles):
    spec = _qiren_spec(tmp_path)
    text = spec.read_text()
    if "width" in body:
        text = text.replace("width = 3\n", "")
    spec.write_text(body + text)
    for verb in (["run", spec], ["estimate", spec], ["spectrum", spec],
                 ["train", spec, "-o", tmp_path / "w.npz"]):
        refused(verb, capsys, *needles, written=tmp_path)


@pytest.mark.parametrize("flags", [["--n", "100"], ["--row-sparsity", "4"], ["--kappa", "2"],
                                   ["--sweep"], ["--algorithm", "jennings"]])
def test_qiren_estimate_refuses_carleman_flags(tmp_path, capsys, flags):
    refused(["estimate", _qiren_spec(tmp_path)] + flags, capsys, flags[0])


def test_compile_into_its_own_sidecar(tmp_path, capsys, polymap):
    refused(["compile", polymap, "-o", tmp_path / "x.json"], capsys, ".json", written=tmp_path)


# -- silently ignored typos and flags ------------------------------------------------------------


@pytest.mark.parametrize("old,new,needle", [
    ("steps = 4", "stpes = 4", "did you mean 'steps'"),
    ("learning_rate = 0.88", "learning_rat = 0.88", "did you mean 'training.learning_rate'"),
    ('expansion_point = "tiny_network_expansion.npz"',
     'expansion_poin = "tiny_network_expansion.npz"', "did you mean 'training.expansion_point'"),
])
def test_typos_are_refused_with_a_suggestion(tmp_path, capsys, old, new, needle):
    spec = _spec_with(tmp_path, old, new)
    refused(lower(spec, tmp_path / "out"), capsys, "unknown key", needle, written=tmp_path)


def test_spec_and_n_are_mutually_exclusive(tmp_path, capsys, polymap):
    refused(["estimate", polymap, "--n", "100"], capsys, "--n", "either the spec or the flags")
    refused(["report", polymap, "--row-sparsity", "4", "-o", tmp_path / "r.html"], capsys,
            "--row-sparsity", "either the spec or the flags", written=tmp_path)


def test_epochs_zero_refused(tmp_path, capsys):
    refused(["train", _qiren_spec(tmp_path), "-o", tmp_path / "w.npz", "--epochs", "0"], capsys,
            "--epochs", "untrained")
    assert not (tmp_path / "w.npz").exists()


@pytest.mark.parametrize("argv,flag", [
    (["run", "{pm}", "--weights", "w.npz"], "--weights"),
    (["run", "{pm}", "--inputs", "x.npy"], "--inputs"),
    (["run", "{q}", "--amplify"], "--amplify"),
    (["run", "{q}", "--algorithm", "hhl"], "--algorithm"),
    (["lower", "{pm}", "--stage", "polymap", "-o", "{out}", "--algorithm", "hhl"], "--algorithm"),
    (["compile", "{q}", "-o", "{out}/q.qasm", "--inputs", "x.npy"], "--inputs"),
    (["estimate", "{pm}", "--weights", "w.npz"], "--weights"),
    (["report", "{q}", "--kappa", "2", "-o", "{out}/r.html"], "--kappa"),
    (["report", "{pm}", "--weights", "w.npz", "-o", "{out}/r.md"], "--weights"),
])
def test_flags_that_do_not_apply_are_refused(tmp_path, capsys, polymap, argv, flag):
    q = _qiren_spec(tmp_path)
    values = {"pm": polymap, "q": q, "out": tmp_path / "out"}
    refused([a.format(**values) for a in argv], capsys, flag, "does not apply",
            written=tmp_path)


# -- stale output, references, help --------------------------------------------------------------


def test_reused_output_directory_holds_only_the_new_stage(tmp_path, capsys, polymap):
    out = tmp_path / "stage"
    assert run(["lower", polymap, "--stage", "carleman", "-o", out], capsys)[0] == 0
    assert (out / "history.npz").is_file()
    assert run(["lower", polymap, "--stage", "polymap", "-o", out], capsys)[0] == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["G0.npy", "G1.npz", "G2.npz", "meta.json", "offset.npy", "u0.npy"]
    assert json.loads((out / "meta.json").read_text())["stage"] == "polymap"


def test_no_message_points_to_a_missing_reference():
    """Error texts name only paths that ship with qmlc: no references/*.md (not in the
    repository), no bare examples/ (not a path once installed)."""
    import re

    root = Path(__file__).resolve().parent.parent
    for folder in ("compiler", "estimators", "backends", "reports", "circuits"):
        for source in (root / folder).rglob("*.py"):
            for line in source.read_text().splitlines():
                stripped = line.strip()
                if stripped.startswith("#") or not re.search(r"(raise|Error\(|f\")", line):
                    continue
                assert "references/" not in stripped, (source, line)
                assert "see examples/" not in stripped, (source, line)


def test_every_flag_has_help_with_its_default():
    parser = build_parser()
    for verb, sub in parser.verb_parsers.items():
        assert sub.description, verb
        for action in sub._actions:
            if not action.option_strings or action.help == "show this help message and exit":
                continue
            assert action.help, (verb, action.option_strings)
            has_default = action.default not in (None, False, "==SUPPRESS==") and not isinstance(
                action.default, bool)
            if has_default:
                rendered = sub.formatter_class(sub.prog)._get_help_string(action)
                assert "default" in rendered, (verb, action.option_strings)


def test_usage_version_and_spec_explained(capsys):
    code, out, err = run([], capsys)
    assert code == 2 and out == ""
    assert err.startswith("usage: qmlc") and "SPEC" in err and "qmlc schema KIND" in err
    assert "qmlc qmlc" not in err
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("qmlc ")
    code, out, _ = run(["run", "-h"], capsys)
    assert code == 0 and "model spec: a .toml file" in out and "(default: aer)" in out


def test_schema_verb_prints_json_schema(capsys):
    for kind in ("polynomial-map", "sparse-network", "qiren"):
        code, out, _ = run(["schema", kind], capsys)
        assert code == 0
        schema = json.loads(out)
        assert schema["additionalProperties"] is False
        assert kind in json.dumps(schema["properties"]["kind"])
    code, out, _ = run(["schema", "qiren"], capsys)
    width = json.loads(out)["properties"]["width"]
    assert (width["minimum"], width["maximum"], width["default"]) == (1, 1000, 8)


# -- the backstop ---------------------------------------------------------------------------------


def test_unexpected_exception_is_one_line_exit_1(capsys, monkeypatch, polymap):
    import qmlc.reports.verbs.verify as verify

    def broken(_args):
        raise RuntimeError("boom\nsecond line")
    monkeypatch.setattr(verify, "main", broken)
    code, out, err = run(["verify", polymap], capsys)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "bug" in err and "--debug" in err and "QMLC_DEBUG=1" in err and "boom" in err
    with pytest.raises(RuntimeError):
        main(["verify", str(polymap), "--debug"])
    monkeypatch.setenv("QMLC_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["verify", str(polymap)])


# -- progress ------------------------------------------------------------------------------------


class Recorder:
    """A progress reporter that records the phases it is shown."""

    def __init__(self) -> None:
        self.labels: list[tuple[str, int | None]] = []
        self.steps = 0

    def task(self, label, total=None, **fields):
        import contextlib

        self.labels.append((label, total))

        @contextlib.contextmanager
        def phase():
            def advance(steps=1, **_fields):
                self.steps += steps
            yield advance
        return phase()


def test_long_phases_report_progress(polymap):
    from qmlc.backends.qlsa_run import run_qlsa
    from qmlc.compiler.pipeline import lower_to_carleman
    from qmlc.compiler.progress import reporting
    from qmlc.compiler.spec import load_spec

    recorder = Recorder()
    with reporting(recorder):
        system = lower_to_carleman(load_spec(polymap))
        run_qlsa(system, backend="aer", shots=2000)
    labels = " | ".join(label for label, _ in recorder.labels)
    for phase in ("building the history system", "compiling the qsvt program", "simulating",
                  "sampling 2,000 shots on aer"):
        assert phase in labels, labels


def test_progress_is_silent_when_piped_or_quiet(capsys, polymap):
    code, out, err = run(["verify", polymap], capsys)  # capsys: stderr is not a terminal
    assert code == 0 and err == ""
    code, out, err = run(["verify", polymap, "--quiet"], capsys)
    assert code == 0 and err == ""


def test_rich_progress_draws_on_a_terminal():
    import io

    from rich.console import Console

    from qmlc.compiler.progress import reporting, task, track
    from qmlc.reports.progress import RichReporter

    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    with reporting(RichReporter(console)):
        for _ in track(range(3), "counting"):
            pass
        with task("training", total=2, loss=1.0) as advance:
            advance(loss=0.5)
            advance(loss=0.25)
    drawn = stream.getvalue()
    assert "counting" in drawn and "training" in drawn and "loss" in drawn


# -- the demo ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_explains_its_numbers(capsys):
    code, out, _ = run(["demo"], capsys)
    assert code == 0
    for phrase in ("residual = ‖A x − b‖₂/‖b‖₂", "κ seen by QSVT = α/σ_min", "θ_T (quantum",
                   "θ_T (classical)", "--amplify", "Next:", "qmlc estimate", "qmlc schema"):
        assert phrase in out, phrase
    code, out, _ = run(["demo", "--json"], capsys)
    data = json.loads(out)
    kappa_run = data["quantum"]["aer"]["model"]["kappa"]
    alpha = data["quantum"]["aer"]["alpha"]
    # the two condition numbers differ by alpha/||A||_2 (up to the 2 % rounding of the QSVT)
    ratio = kappa_run / data["carleman"]["kappa"]
    assert ratio == pytest.approx(alpha / data["norm_A"], rel=0.03)


@pytest.mark.parametrize("protection", ["immutable", "read-only"])
def test_protected_output_directory(tmp_path, capsys, polymap, protection):
    """An immutable (chattr +i) or read-only (chmod 555) directory: refused before any work.
    Skipped where the protection cannot be set up (no chattr; root ignores chmod)."""
    import os
    import subprocess

    protected = tmp_path / "protected"
    protected.mkdir()
    if protection == "immutable":
        if shutil.which("chattr") is None or subprocess.run(
                ["chattr", "+i", str(protected)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available here")
        undo = ["chattr", "-i", str(protected)]
    else:
        os.chmod(protected, 0o555)
        undo = None
    try:
        probe = protected / "probe"
        try:
            probe.write_text("x")
            probe.unlink()
            pytest.skip(f"{protection} directory is still writable for this user")
        except OSError:
            pass
        (tmp_path / "q").mkdir()
        spec = _qiren_spec(tmp_path / "q")
        for argv in (lower(polymap, protected / "out"),
                     ["train", spec, "-o", protected / "w.npz"],
                     ["compile", polymap, "-o", protected / "x.qasm"]):
            refused(argv, capsys, "--output", "cannot write there", written=protected)
    finally:
        if undo:
            subprocess.run(undo, check=True)
        else:
            os.chmod(protected, 0o755)


@pytest.mark.parametrize("extra,flag", [(["--shots", str(10**9)], "--shots"),
                                        (["--shots", "100", "--seed=-1"], "--seed"),
                                        (["--dry-run", "--backend", "aer"], "--dry-run"),
                                        (["--backend", "ibm-fake", "--inputs", "x.npy"],
                                         "--inputs")])
def test_ibm_run_flags(capsys, polymap, extra, flag):
    argv = ["run", polymap] + (extra if "--backend" in extra else extra + ["--backend",
                                                                            "ibm-fake"])
    refused(argv, capsys, flag)


def test_ibm_backend_names_checked_by_the_parser(capsys, polymap):
    code, out, err = run(["run", polymap, "--backend", "ibm:"], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "ibm-fake[:DEVICE] or ibm:DEVICE" in err


# -- qmlc dissipation (issue 16) ---------------------------------------------------------------


TINY = EXAMPLES / "tiny_network.toml"


@pytest.mark.parametrize("extra,needles", [
    (["--steps", "0"], ("--steps = 0", "[1, 10^12]")),
    (["--steps", "3", "--every", "5"], ("--every = 5", "[1, 3]")),
    (["--probes", "1"], ("--probes = 1", "[2, 10000]", "two probes")),
    (["--lanczos-steps", "100000"], ("--lanczos-steps = 100000", "[2, 10000]")),
    (["--seed=-1"], ("--seed = -1", "2^32 - 1")),
    (["--proxy-cut", "nan"], ("--proxy-cut = nan", ">= 0")),
    (["--proxy-scale", "0"], ("--proxy-scale = 0", "(0, 1e+06]")),
    (["--proxy-scale", "inf"], ("--proxy-scale = inf",)),
])
def test_dissipation_flag_ranges(tmp_path, capsys, extra, needles):
    refused(["dissipation", TINY, "--plot", tmp_path / "plots", *extra], capsys, *needles,
            written=tmp_path)


def test_dissipation_refuses_other_kinds_and_bad_plot_dirs(tmp_path, capsys, polymap):
    refused(["dissipation", polymap], capsys, "'qmlc dissipation'", "sparse-network")
    (tmp_path / "file").write_text("x")
    refused(["dissipation", TINY, "--plot", tmp_path / "file"], capsys, "--plot",
            "not a directory", written=tmp_path)
    refused(["dissipation", TINY, "--plot", tmp_path / "file" / "sub"], capsys, "--plot",
            written=tmp_path)


def test_dissipation_preflight_refuses_long_and_large_runs(tmp_path, capsys, monkeypatch):
    """Runs beyond QMLC_TIME_LIMIT (the time from a gradient and a product timed on the model)
    and beyond QMLC_MEMORY_LIMIT (the Lanczos basis and nodes) are refused before training."""
    monkeypatch.setenv("QMLC_TIME_LIMIT", "60")
    monkeypatch.setattr("qmlc.compiler.dissipation_trace._train_and_analyse",
                        _no_work("training"))
    refused(["dissipation", TINY, "--steps", str(10**11), "--plot", tmp_path / "p"], capsys,
            "would take about", "Hessian-vector products", "QMLC_TIME_LIMIT", "lower steps",
            written=tmp_path)
    monkeypatch.setenv("QMLC_MEMORY_LIMIT", "100K")
    refused(["dissipation", TINY, "--probes", "10000", "--lanczos-steps", "10000"], capsys,
            "needs about", "quadrature nodes", "--lanczos-steps")


def test_dissipation_reports_progress(capsys):
    from qmlc.compiler.dissipation_trace import dissipation_trace
    from qmlc.compiler.progress import reporting

    recorder = Recorder()
    with reporting(recorder):
        dissipation_trace(load_spec(TINY), steps=3, every=1, probes=2, lanczos_steps=2)
    assert ("tiny-network: gradient descent, Hessian spectrum every 1 steps", 3) in \
        recorder.labels
    assert recorder.steps == 3


def test_dissipation_help_states_ranges_and_defaults(capsys):
    code, out, _ = run(["dissipation", "-h"], capsys)
    assert code == 0
    text = " ".join(out.split())
    for needle in ("--steps T", "[1, 10^12]", "--probes P", "[2, 10000]", "default: 4",
                   "--lanczos-steps M", "default: 50", "default: 0.4", "--quiet", "--debug",
                   "Eqs. 7-8"):
        assert needle in text, needle


def test_measured_estimate_refuses_flags_that_do_not_apply(capsys):
    spec = EXAMPLES / "digits_mlp_30k.toml"
    refused(["estimate", spec, "--gradient-norm", "1"], capsys, "--gradient-norm",
            "either the spec or the flags")
    refused(["estimate", spec, "--weights", "w.npz"], capsys, "--weights", "does not apply")


# -- qmlc report --device: the refusals of `qmlc run --dry-run`, before any work ------------------


@pytest.mark.parametrize("argv,needles", [
    (["report", "{pm}", "--device", "aer"], ("--device", "ibm-fake[:DEVICE] or ibm:DEVICE")),
    (["report", "{pm}", "--device", "ibm:"], ("--device",)),
    (["report", "--n", "1e4", "--steps", "20", "--order", "2", "--row-sparsity", "4",
      "--epsilon", "1e-2", "--device", "ibm-fake"], ("--device", "SPEC")),
    (["report", "{pm}", "--optimization-level", "2"], ("--optimization-level", "does not apply")),
    (["report", "{pm}", "--device", "ibm-fake", "--optimization-level", "4"],
     ("--optimization-level",)),
    (["report", "{pm}", "--device", "ibm-fake", "--steps", "2.5"], ("--steps", "integer")),
])
def test_report_device_flags(tmp_path, capsys, polymap, argv, needles):
    values = {"pm": polymap}
    refused([a.format(**values) for a in argv] + ["-o", tmp_path / "out" / "r.html"], capsys,
            *needles, written=tmp_path)


def test_report_device_refuses_what_run_dry_run_refuses(tmp_path, capsys, polymap,
                                                        monkeypatch):
    """Unknown device, a circuit wider than the device, a circuit too large to compile: the
    report's line is run's, with --device for --backend, and it comes before any estimate is
    made (the estimates are replaced by a failure here)."""
    import qmlc.reports.verbs.report as report_verb

    def no_estimates(*args):
        raise AssertionError("the report estimated before refusing the device")
    monkeypatch.setattr(report_verb, "estimates", no_estimates)
    (tmp_path / "q").mkdir()
    qiren = _qiren_spec(tmp_path / "q")
    wide = write_polymap_spec(tmp_path / "wide", random_dissipative_map(8, 2, seed=1), order=2,
                              steps=1)                      # Carleman block 8 + 64 > 64
    cases = [(qiren, "ibm-fake:nosuchdevice", "available:"),
             (qiren, "ibm-fake:armonk", "a layer has 3 qubits, fake_armonk 1"),
             (polymap, "ibm-fake:manila", "fake_manila 5"),
             (wide, "ibm-fake", "Carleman block size")]
    for spec, device, needle in cases:
        expected = refused(["run", spec, "--backend", device, "--dry-run"], capsys, needle)
        line = refused(["report", spec, "--device", device, "-o", tmp_path / "out" / "r.html"],
                       capsys, needle, written=tmp_path)
        assert line == expected.replace("--backend", "--device")
