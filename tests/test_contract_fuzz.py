"""The user-error contract under generated inputs (hypothesis), driven through the library entry
points in-process: every spec, array, flag value and output path either works or raises a
:class:`~qmlc.compiler.errors.QmlcError` whose message is one line and names the input at fault.
Any other exception — a traceback for the user — fails the test, and hypothesis shrinks it.

Examples per test are set explicitly (``derandomize=True``: the same examples on every run, so
CI is reproducible); together they draw well over 1,000 inputs in well under 2 minutes on two
cores. Slow entry points (full resource estimates, JAX Taylor expansions) get fewer examples,
cheap validators more.
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qmlc.compiler.errors import QmlcError
from qmlc.compiler.pipeline import lower_to_carleman
from qmlc.compiler.qiren_model import QirenModel, qiren_from_spec
from qmlc.compiler.qiren_program import lower_qiren, lower_qiren_spec
from qmlc.compiler.qiren_signal import load_inputs, load_signal
from qmlc.compiler.qiren_weights import init_weights
from qmlc.compiler.spec import load_spec
from qmlc.compiler.stage_io import check_output_path, check_stage_dir, write_files
from tests.conftest import EXAMPLES, random_dissipative_map

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
MEDIUM = settings(FAST, max_examples=80)
SLOW = settings(FAST, max_examples=25)
VALID_ESTIMATES = settings(FAST, max_examples=12)  # ~1.5 s each: a new symbolic structure


def contract(call, *names: str, record=event) -> str:
    """Run ``call``: 'ok', or the message of a QmlcError, which must be one line and name the
    input (its ``field``, or one of ``names``). Anything else propagates and fails the test.
    ``record`` notes the outcome (hypothesis's ``event``; a no-op outside a hypothesis test)."""
    try:
        call()
    except QmlcError as exc:
        record(f"refused: {type(exc).__name__}")
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        assert " ".join(message.split()) == message, repr(message)
        if exc.field is not None:
            assert exc.field.split(".")[-1] in message, (exc.field, message)
        elif names:
            assert any(name in message for name in names), (names, message)
        return message
    record("accepted")
    return "ok"


# ------------------------------------------------------------------------------------ TOML values

_scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, 2, 3, 8, 9, -1, 10**12, 10**18, 2**63 - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1e-300, 5e-324, 1e300, 2.0, 0.5, -1.0, float("nan")]),
    st.text(max_size=20),
    st.sampled_from(["", "x", "\x00", "a" * 300, "initial", "tanh", "coffee", "../x.npz"]),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1970, 1, 2)),
    st.dates(),
)
_wild = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text("abcdefgx_", min_size=1, max_size=6), inner,
                                       max_size=3), max_leaves=6)
# plausible values (small counts, rates, the enumerations' members) so that many mutated specs
# validate and run, as well as wild ones
_plausible = st.one_of(st.integers(1, 6), st.floats(0.01, 1.0), st.sampled_from(
    ["tanh", "sigmoid", "identity", "mse", "cross-entropy", "cz", "cnot", "rx", "ry", "rz",
     "running", "signal", "initial", "coffee", "camera", "map.npz", "signal.npz"]),
    st.lists(st.integers(1, 3), min_size=2, max_size=3))
toml_values = st.one_of(_plausible, _plausible, _wild)


def _paths(table: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in table.items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(value, dict):
            out += _paths(value, path + ".")
    return out


def _set(table: dict, path: str, value) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        table = table[part]
    table[leaf] = value


def _delete(table: dict, path: str) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        table = table[part]
    del table[leaf]


def _typo(key: str, draw) -> str:
    if len(key) < 2:
        return key + "x"
    i = draw(st.integers(0, len(key) - 2), label="typo at")
    return key[:i] + key[i + 1] + key[i] + key[i + 2:] if key[i] != key[i + 1] else key + "s"


@st.composite
def mutations(draw, base: dict):
    """(table, mutated path): one key of ``base`` replaced, deleted or misspelt, or a new key."""
    table = _deep_copy(base)
    paths = [p for p in _paths(table) if p != "kind"]
    path = draw(st.sampled_from(paths), label="path")
    action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "typo", "add"]))
    if action == "replace":
        _set(table, path, draw(toml_values, label="value"))
    elif action == "delete":
        _delete(table, path)
    elif action == "typo":
        *parents, leaf = path.split(".")
        holder = table
        for part in parents:
            holder = holder[part]
        new = _typo(leaf, draw)
        holder[new] = holder.pop(leaf)
        path = ".".join(parents + [new])
    else:
        key = draw(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12), label="key")
        if key in table:
            key += "_x"
        table[key] = draw(toml_values, label="value")
        path = key
    return table, path


def _deep_copy(table):
    if isinstance(table, dict):
        return {k: _deep_copy(v) for k, v in table.items()}
    if isinstance(table, list):
        return [_deep_copy(v) for v in table]
    return table


def _write_spec(directory: Path, table: dict) -> Path | None:
    """The table as a spec file, or None when TOML cannot express it (e.g. NaN keys)."""
    path = directory / "spec.toml"
    try:
        path.write_text(tomli_w.dumps(table))
    except (TypeError, ValueError):
        return None
    return path


def _names(path: str) -> tuple[str, ...]:
    parts = path.split(".")
    return tuple(parts) + (path,)


# ------------------------------------------------------------------------------------ base specs


@pytest.fixture(scope="module")
def polymap_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("polymap")
    np.savez(directory / "map.npz", **random_dissipative_map(2, 2, seed=3))
    return directory


POLYMAP = {"kind": "polynomial-map", "name": "fuzz", "data": "map.npz", "order": 2, "steps": 3,
           "epsilon": 0.01}


@pytest.fixture(scope="module")
def network_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("network")
    for path in EXAMPLES.glob("tiny_network*"):
        shutil.copy(path, directory / path.name)
    return directory


NETWORK = {"kind": "sparse-network", "order": 2, "steps": 4,
           "network": {"layers": [2, 1, 1], "activation": "tanh",
                       "weights": "tiny_network_weights.npz"},
           "training": {"data": "tiny_network_data.npz", "loss": "mse", "learning_rate": 0.88,
                        "taylor_order": 3, "expansion_point": "tiny_network_expansion.npz"}}


@pytest.fixture(scope="module")
def qiren_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("qiren")
    rng = np.random.default_rng(0)
    np.savez(directory / "signal.npz", coords=rng.uniform(-1, 1, (4, 2)),
             values=rng.uniform(-1, 1, (4, 1)))
    return directory


QIREN = {"kind": "qiren", "width": 3, "layers": 2, "reuploads": 1, "blocks": 1,
         "entangler": "cnot", "encoding": "rz", "seed": 1,
         "signal": {"data": "signal.npz"},
         "training": {"lr": 0.03, "epochs": 2, "batch_size": 2, "dtype": "complex64",
                      "engine": "numpy"},
         "lowering": {"batchnorm": "signal"}}


def _in_copy(directory: Path):
    """A scratch copy of a base directory for one example (specs and data side by side)."""
    scratch = Path(tempfile.mkdtemp(prefix="fuzz-"))
    for path in directory.iterdir():
        shutil.copy(path, scratch / path.name)
    return scratch


def _spec_contract(directory: Path, table, path, run) -> None:
    """``run(spec_path)`` on a mutated spec written into a scratch copy of ``directory`` keeps
    the contract (nothing to run when the mutation leaves no spec file)."""
    scratch = _in_copy(directory)
    try:
        spec_path = _write_spec(scratch, table)
        if spec_path is not None:
            contract(lambda: run(spec_path), *_names(path))
    finally:
        shutil.rmtree(scratch)


# ---------------------------------------------------------------------------------- spec fuzzing


@FAST
@given(data=st.data())
def test_polynomial_map_specs(polymap_dir, data):
    table, path = data.draw(mutations(POLYMAP))
    _spec_contract(polymap_dir, table, path, lambda spec: lower_to_carleman(load_spec(spec)))


@SLOW
@given(data=st.data())
def test_sparse_network_specs(network_dir, data):
    table, path = data.draw(mutations(NETWORK))
    _spec_contract(network_dir, table, path, lambda spec: lower_to_carleman(load_spec(spec)))


@MEDIUM
@given(data=st.data())
def test_qiren_specs(qiren_dir, data):
    table, path = data.draw(mutations(QIREN))

    def drive(spec_path):
        spec = load_spec(spec_path)
        qiren_from_spec(spec)
        load_signal(spec)
        lower_qiren_spec(spec)
    _spec_contract(qiren_dir, table, path, drive)


@FAST
@given(text=st.one_of(st.text(max_size=200),
                      st.builds(lambda k, body: f'kind = "{k}"\n{body}',
                                st.sampled_from(["qiren", "polynomial-map", "sparse-network",
                                                 "x"]),
                                st.text(max_size=120)),
                      st.integers(1, 6000).map(lambda d: "kind = 'qiren'\nx = " + "[" * d
                                                + "]" * d)))
def test_arbitrary_spec_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("text") / "spec.toml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    contract(lambda: load_spec(path), str(path))


# ---------------------------------------------------------------------------------- array fuzzing

_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_,
           np.complex128, np.dtype("<U3"), np.dtype("S3"), np.dtype("M8[s]"),
           np.dtype([("a", "f8"), ("b", "i4")])]


@st.composite
def arrays(draw):
    dtype = np.dtype(draw(st.sampled_from(_DTYPES), label="dtype"))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5), label="shape")
    if dtype.kind == "f":
        extremes = [0.0, 0.3, -1.0, float(np.finfo(dtype).max), float(np.finfo(dtype).tiny)]
        if dtype == np.float64:
            extremes += [1e200, -1e300, 5e-324]
        elements = st.one_of(hnp.from_dtype(dtype, allow_nan=True, allow_infinity=True),
                             st.sampled_from(extremes), st.floats(-1, 1, width=16))
        return draw(hnp.arrays(dtype, shape, elements=elements))
    if dtype.kind in "iub":
        return draw(hnp.arrays(dtype, shape))
    if dtype.kind == "c":
        return draw(hnp.arrays(dtype, shape, elements=st.complex_numbers(max_magnitude=10)))
    return np.zeros(shape, dtype=dtype)


def _corrupt(raw: bytes, data) -> bytes:
    mode = data.draw(st.sampled_from(["truncate", "flip", "junk"]), label="corruption")
    if mode == "truncate":
        return raw[:data.draw(st.integers(0, max(0, len(raw) - 1)), label="length")]
    if mode == "flip":
        at = data.draw(st.integers(0, len(raw) - 1), label="byte")
        return raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:]
    return data.draw(st.binary(max_size=200), label="junk")


def _bad_member_npz(key: str) -> bytes:
    """A zip whose member ``key.npy`` is not a .npy array (bad magic)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{key}.npy", b"not an npy array at all")
    return buffer.getvalue()


@FAST
@given(data=st.data())
def test_polynomial_map_arrays(polymap_dir, data):
    """The map's .npz: random keys, dtypes, shapes and values, or a corrupt archive."""
    base = {k: v for k, v in np.load(polymap_dir / "map.npz").items()}
    arrays_ = dict(base)
    for key in data.draw(st.lists(st.sampled_from(["u0", "G0", "G1", "G2", "G3", "junk"]),
                                  max_size=3, unique=True), label="replaced"):
        if data.draw(st.booleans(), label="delete"):
            arrays_.pop(key, None)
        else:
            arrays_[key] = data.draw(arrays(), label=key)
    scratch = _in_copy(polymap_dir)
    try:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays_)
        raw = buffer.getvalue()
        kind = data.draw(st.sampled_from(["arrays", "arrays", "corrupt", "bad member"]))
        if kind == "corrupt":
            raw = _corrupt(raw, data)
        elif kind == "bad member":
            raw = _bad_member_npz(data.draw(st.sampled_from(["u0", "G1"])))
        (scratch / "map.npz").write_bytes(raw)
        spec_path = _write_spec(scratch, POLYMAP)
        contract(lambda: lower_to_carleman(load_spec(spec_path)), "data", "map.npz")
    finally:
        shutil.rmtree(scratch)


@SLOW
@given(data=st.data())
def test_network_arrays(network_dir, data):
    """The network's weights and data files with one array replaced by a generated one."""
    file, keys = data.draw(st.sampled_from([
        ("tiny_network_weights.npz", ["W1", "b1", "W2", "mask_W1"]),
        ("tiny_network_data.npz", ["X", "Y"]),
        ("tiny_network_expansion.npz", ["W1", "W2"])]), label="file")
    key = data.draw(st.sampled_from(keys), label="key")
    scratch = _in_copy(network_dir)
    try:
        content = dict(np.load(scratch / file))
        original = content[key]
        mode = data.draw(st.sampled_from(["random", "scaled", "nan"]), label="mode")
        if mode == "random":
            content[key] = data.draw(arrays(), label="array")
        elif mode == "scaled":
            content[key] = original * data.draw(st.sampled_from([1e300, -1e150, 1e30, 0.0]))
        else:
            bad = original.astype(float).copy()
            bad.flat[0] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
            content[key] = bad
        np.savez(scratch / file, **content)
        spec_path = _write_spec(scratch, NETWORK)
        with np.errstate(all="ignore"):
            contract(lambda: lower_to_carleman(load_spec(spec_path)), file, key,
                     "network.weights", "training.data", "training.expansion_point")
    finally:
        shutil.rmtree(scratch)


NETWORK_ARRAYS = [("tiny_network_weights.npz", key) for key in ("W1", "b1", "W2", "mask_W1")] + \
    [("tiny_network_data.npz", key) for key in ("X", "Y")] + \
    [("tiny_network_expansion.npz", key) for key in ("W1", "W2")]


@pytest.mark.parametrize("file,key", NETWORK_ARRAYS)
@pytest.mark.parametrize("factor", [1e30, -1e150])
def test_every_scaled_network_array(network_dir, file, key, factor):
    """Every array scaled up, not only the ones the derandomized draw above reaches (Y x 1e30
    once made the dynamics expand with a refusal that named no input)."""
    scratch = _in_copy(network_dir)
    try:
        content = dict(np.load(scratch / file))
        content[key] = content[key] * factor
        np.savez(scratch / file, **content)
        spec_path = _write_spec(scratch, NETWORK)
        with np.errstate(all="ignore"):
            contract(lambda: lower_to_carleman(load_spec(spec_path)), file, key,
                     "network.weights", "training.data", "training.expansion_point",
                     record=lambda _outcome: None)
    finally:
        shutil.rmtree(scratch)


MODEL = QirenModel(in_dim=2, width=3, layers=2, reuploads=1, blocks=1, entangler="cnot")


@FAST
@given(data=st.data())
def test_qiren_weights(data):
    weights = init_weights(MODEL, 0)
    key = data.draw(st.sampled_from(sorted(weights) + ["extra.key"]), label="key")
    mode = data.draw(st.sampled_from(["delete", "random", "same shape", "same shape"]))
    if mode == "delete" and key in weights:
        del weights[key]
    elif mode == "same shape" and key in weights:
        dtype = data.draw(st.sampled_from([np.float64, np.float32, np.int16, np.complex128]))
        elements = (st.one_of(st.floats(-10, 10, width=16), st.sampled_from([np.nan, 1e300]))
                    if dtype is np.float64 else None)
        weights[key] = data.draw(hnp.arrays(dtype, weights[key].shape, elements=elements))
    else:
        weights[key] = data.draw(arrays(), label="array")
    contract(lambda: lower_qiren(MODEL, weights), key, "weights")


@FAST
@given(array=arrays())
def test_qiren_inputs(tmp_path_factory, array):
    path = tmp_path_factory.mktemp("inputs") / "x.npy"
    np.save(path, array)
    contract(lambda: load_inputs(path, 2), "inputs")


# ---------------------------------------------------------------------------------- flag fuzzing

_wild_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([0, 1, 2, -1, 5e-324, 1e-15, 1e15, 10**15 + 1, 2**53, 1e300, 0.5, 1.0]),
    st.none(), st.booleans(), st.text(max_size=3))


def mostly(valid, wild=_wild_numbers):
    """Valid values four times in five, so that whole calls validate and run, too."""
    return st.one_of(valid, valid, valid, valid, wild)


@SLOW
@given(n=mostly(st.sampled_from([16.0, 1e6, 1e15])),
       steps=mostly(st.sampled_from([1.0, 10.0, 1e12])),
       order=mostly(st.sampled_from([1, 2, 8])),
       sparsity=mostly(st.sampled_from([1.0, 4.0, 16.0])),
       epsilon=mostly(st.sampled_from([1e-2, 1e-15, 0.5])),
       gradient=mostly(st.sampled_from([1.0, 0.0, 1e15])))
def test_estimate_from_parameters(n, steps, order, sparsity, epsilon, gradient):
    from qmlc.estimators.requests import estimate_from_parameters

    contract(lambda: estimate_from_parameters(n, steps, order, sparsity, epsilon, gradient),
             "n", "steps", "order", "row_sparsity", "epsilon", "gradient_norm")


@VALID_ESTIMATES
@given(n=st.integers(2, 10**15), steps=st.integers(1, 10**12), order=st.integers(1, 8),
       sparsity=st.integers(1, 64), epsilon=st.floats(1e-15, 0.99),
       gradient=st.floats(0, 1e15),
       algorithm=st.sampled_from(["qsvt", "jennings", "jennings-v2", "costa-da",
                                  "costa-da-empirical", "dalzell"]),
       data_access=st.sampled_from(["qram", "qrom", "select-swap"]))
def test_estimate_from_valid_parameters(n, steps, order, sparsity, epsilon, gradient, algorithm,
                                        data_access):
    """Every value in the documented ranges gives an estimate or a clear refusal (an estimate
    that does not fit in float64), never a traceback."""
    from qmlc.estimators.requests import EstimateOptions, estimate_from_parameters

    options = EstimateOptions(algorithm=algorithm, data_access=data_access)
    message = contract(lambda: estimate_from_parameters(
        float(n), float(steps), order, float(min(sparsity, n)), epsilon, gradient, options))
    assert message == "ok" or "float64" in message, message


@FAST
@given(algorithm=st.one_of(st.sampled_from(["qsvt", "jennings", "jennings-v2", "costa-da",
                                            "costa-da-empirical", "dalzell", "all"]),
                           st.text(max_size=5)),
       data_access=st.one_of(st.sampled_from(["qram", "qrom", "select-swap"]),
                             st.text(max_size=5)),
       p=mostly(st.floats(1e-6, 0.0099)), budget=mostly(st.floats(1e-6, 0.99)),
       kappa=mostly(st.one_of(st.none(), st.floats(1, 1e15))))
def test_estimate_options(algorithm, data_access, p, budget, kappa):
    from qmlc.estimators.requests import EstimateOptions

    contract(lambda: EstimateOptions(algorithm, data_access, p, budget, kappa))


_wild_ints = st.one_of(st.integers(min_value=-(10**20), max_value=10**20),
                       st.sampled_from([0, 1, 2, 2**32 - 1, 2**32, 10**8, 10**8 + 1, -1]),
                       st.floats(), st.none(), st.booleans())


@MEDIUM
@given(shots=mostly(st.one_of(st.none(), st.integers(1, 50)), _wild_ints),
       seed=mostly(st.integers(0, 2**32 - 1), _wild_ints),
       backend=st.sampled_from(["numpy", "numpy", "aer", "bogus"]))
def test_qiren_run_flags(shots, seed, backend):
    from qmlc.backends.qiren_run import run_qiren_program

    program = lower_qiren(MODEL, init_weights(MODEL, 1))
    X = np.array([[0.1, 0.2], [0.3, -0.4]])
    if backend == "aer" and not (shots is None or isinstance(shots, int) and 1 <= shots <= 50):
        backend = "numpy"  # keep Aer to cheap, valid calls; invalid shots are checked first
    contract(lambda: run_qiren_program(program, X, backend, shots=shots, seed=seed),
             "shots", "seed", "backend")


# small offline devices (a width-3 layer transpiles in a fraction of a second on them), one too
# small (armonk: 1 qubit), plain ibm-fake, and made-up names; no ibm:… (it would ask the network)
def _often(valid, wild):
    """``valid`` about three times in four (``one_of`` would favour the wild branch here)."""
    return st.integers(0, 3).flatmap(lambda i: valid if i else wild)


_devices = _often(
    st.sampled_from(["ibm-fake", "ibm-fake:manila", "ibm-fake:FakeLima", "ibm-fake:fake_belem"]),
    st.one_of(st.sampled_from(["ibm-fake:armonk", "ibm-fake:", "ibm:", "aer", ""]),
              st.text(max_size=10).map(lambda t: "ibm-fake:" + t),
              st.text(max_size=10).filter(lambda t: not t.startswith("ibm:"))))


@SLOW
@given(device=_devices, level=_often(st.integers(0, 3), _wild_ints))
def test_report_device_section(qiren_dir, device, level):
    """``qmlc report --device``'s library path: a device section, or one line naming the device
    or the optimization level (as ``device``, the report's flag, not run's ``backend``)."""
    from qmlc.reports.device_data import device_section, plan_device

    spec = load_spec(_write_spec(qiren_dir, QIREN))
    message = contract(lambda: device_section(plan_device(spec, device, level)),
                       "device", "optimization_level")
    assert not message.startswith("backend"), message


@MEDIUM
@given(epochs=st.one_of(st.integers(1, 2), _wild_ints.filter(
           lambda e: not (isinstance(e, int) and not isinstance(e, bool) and 3 <= e <= 10**6))),
       lr=mostly(st.sampled_from([0.03, 10.0])),
       batch_size=mostly(st.sampled_from([None, 2, 3]), _wild_ints),
       dtype=mostly(st.sampled_from(["complex64", "complex128"]), st.text(max_size=4)),
       engine=mostly(st.just("numpy"), st.sampled_from(["torch", "", "JAX"])))
def test_train_flags(epochs, lr, batch_size, dtype, engine):
    from qmlc.backends.qiren_train import train_qiren

    coords = np.array([[0.1, 0.2], [0.3, -0.4], [-0.5, 0.5]])
    values = np.array([[0.1], [0.2], [-0.3]])
    contract(lambda: train_qiren(MODEL, None, coords, values, epochs=epochs, lr=lr,
                                 batch_size=batch_size, dtype=dtype, engine=engine),
             "epochs", "lr", "batch_size", "dtype", "engine")


@FAST
@given(values=st.tuples(*[mostly(st.integers(1, 40), _wild_ints)] * 6),
       entangler=st.sampled_from(["cz", "cnot", "x"]))
def test_qiren_architecture(values, entangler):
    def build():
        with np.errstate(all="ignore"):
            names = ("in_dim", "width", "layers", "reuploads", "blocks", "out_dim")
            model = QirenModel(**dict(zip(names, values, strict=True)), entangler=entangler)
        return model.param_shapes
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        contract(build, "in_dim", "width", "layers", "reuploads", "blocks", "out_dim",
                 "entangler")


# ------------------------------------------------------------ matrix-free Hessian analysis (16)


@pytest.fixture(scope="module")
def tiny_network():
    from qmlc.compiler.network_spec import load_network

    return load_network(load_spec(EXAMPLES / "tiny_network.toml"), explicit=False)


DISSIPATION_ARGS = {"steps": st.integers(1, 3), "every": st.integers(1, 3),
                    "probes": st.integers(2, 3), "lanczos_steps": st.integers(2, 6),
                    "seed": st.integers(0, 2**32 - 1), "cut": st.floats(0, 2),
                    "scale": st.one_of(st.none(), st.floats(0.01, 10))}
_FIELDS = {"cut": "proxy_cut", "scale": "proxy_scale"}


@MEDIUM
@given(data=st.data())
def test_dissipation_flags(tiny_network, data):
    """``qmlc dissipation``'s inputs, valid ones with at most one wild value among them: every
    call runs or is refused in one line naming the input; runs longer than QMLC_TIME_LIMIT (1 s
    here, from a product timed on the model) are refused before they start."""
    from qmlc.compiler.dissipation_trace import dissipation_trace

    args = {name: data.draw(strategy, label=name) for name, strategy in DISSIPATION_ARGS.items()}
    args["every"] = min(args["every"], args["steps"])
    wild = data.draw(st.sampled_from([None, *DISSIPATION_ARGS]), label="wild")
    if wild is not None:
        ints = wild in ("steps", "every", "probes", "lanczos_steps", "seed")
        args[wild] = data.draw(_wild_ints if ints else _wild_numbers, label=f"wild {wild}")
    os.environ["QMLC_TIME_LIMIT"] = "1"
    try:
        message = contract(lambda: dissipation_trace(tiny_network, **args))
    finally:
        del os.environ["QMLC_TIME_LIMIT"]
    if wild is None:
        assert message == "ok", message
    elif message != "ok":  # the wild input, or every > a wild steps, or a run too long
        assert any(word in message for word in (_FIELDS.get(wild, wild), "every = ",
                                                 "would take")), (wild, message)


@MEDIUM
@given(data=st.data())
def test_sparse_network_specs_matrix_free(network_dir, data):
    """The same spec mutations through the matrix-free path (``qmlc dissipation``; no size
    limit, so other checks than the explicit path's must hold)."""
    from qmlc.compiler.dissipation_trace import dissipation_trace

    table, path = data.draw(mutations(NETWORK))
    _spec_contract(network_dir, table, path,
                   lambda spec: dissipation_trace(load_spec(spec), 2, 1, 2, 3))


# ---------------------------------------------------------------------------------- output paths


@st.composite
def output_paths(draw, root: Path):
    parts = draw(st.lists(st.one_of(
        st.text("abcxyz._-", min_size=1, max_size=8),
        st.sampled_from(["a" * 300, "\x00", "file.txt", "..", "readonly", "sub"])),
        min_size=1, max_size=3), label="parts")
    if draw(st.booleans(), label="special"):
        return Path(draw(st.sampled_from(["/proc/qmlc-out", "/proc/self/x/y", "/dev/null",
                                          "/", ""])))
    return root.joinpath(*parts)


@FAST
@given(data=st.data(), directory=st.booleans())
def test_output_paths(tmp_path_factory, data, directory):
    root = tmp_path_factory.mktemp("out")
    (root / "file.txt").write_text("x")
    (root / "readonly").mkdir()
    os.chmod(root / "readonly", 0o555)
    path = data.draw(output_paths(root))
    try:
        def write():
            if directory:
                check_stage_dir(path)
            else:
                check_output_path(path)
                write_files({path: lambda tmp: tmp.write_text("hello")})
        message = contract(write, "output")
        if message == "ok" and not directory:
            assert Path(path).read_text() == "hello"
    finally:
        os.chmod(root / "readonly", 0o755)
