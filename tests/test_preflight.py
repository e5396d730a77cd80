"""The pre-flight resource check (:mod:`qmlc.compiler.resources`), one test per resource kind:
each request is refused with its figure, before allocating, when it exceeds the memory budget
(here set small with ``QMLC_MEMORY_LIMIT``); and each memory model is an upper bound of what the
construction really allocates (measured with tracemalloc, which sees numpy's buffers)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from qmlc.compiler import resources
from qmlc.compiler.errors import TooLargeError
from tests.conftest import random_dissipative_map, write_polymap_spec


@pytest.fixture
def tiny_budget(monkeypatch):
    """A 64 KiB memory budget (the limit; 80 % of it is usable)."""
    monkeypatch.setenv("QMLC_MEMORY_LIMIT", "64K")
    assert resources.memory_budget() == int(0.8 * 64 * 1024)


def _peak(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_budget_follows_the_environment(monkeypatch):
    monkeypatch.setenv("QMLC_MEMORY_LIMIT", "2G")
    assert resources.available_memory() <= 2 << 30
    monkeypatch.setenv("QMLC_MEMORY_LIMIT", "1000")
    assert resources.available_memory() == 1000
    monkeypatch.delenv("QMLC_MEMORY_LIMIT")
    import psutil

    assert 0 < resources.available_memory() <= psutil.virtual_memory().total


def test_statevector_simulation(tmp_path, monkeypatch):
    from qmlc.backends.qlsa_run import run_qlsa_program
    from qmlc.compiler.carleman import build_carleman_system
    from qmlc.compiler.polymap import make_polynomial_map
    from qmlc.compiler.qlsa import build_program

    arrays = random_dissipative_map(2, 2, seed=0)
    polymap = make_polynomial_map([arrays["G0"], arrays["G1"], arrays["G2"]], arrays["u0"])
    system = build_carleman_system(polymap, 1, 1)
    program = build_program(system, "qsvt")
    monkeypatch.setenv("QMLC_MEMORY_LIMIT", str(16 * 2**program.num_qubits))
    with pytest.raises(TooLargeError, match=r"16·2\^\d+ bytes per state"):
        run_qlsa_program(system, program, "aer")


def test_history_system(tmp_path, tiny_budget):
    from qmlc.compiler.pipeline import lower_to_carleman
    from qmlc.compiler.spec import load_spec

    spec = write_polymap_spec(tmp_path, random_dissipative_map(3, 2, seed=1), order=2, steps=30)
    with pytest.raises(TooLargeError, match="the history system .* bytes per nonzero"):
        lower_to_carleman(load_spec(spec))


@pytest.mark.parametrize("n,order,steps", [(3, 2, 8), (5, 2, 20), (4, 3, 6), (12, 2, 4)])
def test_history_model_bounds_the_real_allocation(n, order, steps):
    from qmlc.compiler.carleman import build_carleman_system
    from qmlc.compiler.pipeline import predicted_structure
    from qmlc.compiler.polymap import make_polynomial_map

    arrays = random_dissipative_map(n, 3, seed=n)
    polymap = make_polynomial_map([arrays[k] for k in ("G0", "G1", "G2", "G3")], arrays["u0"])
    structure = predicted_structure(polymap, order, steps)
    need = resources.history(structure.history_nnz_bound, structure.dim).bytes
    measured = _peak(lambda: build_carleman_system(polymap, order, steps))
    assert measured <= need, (measured, need)


def test_sampled_shots(tiny_budget):
    from qmlc.backends import aer_backend
    from qmlc.backends.qlsa_run import sample_in_chunks

    with pytest.raises(TooLargeError, match="sampling 10,000 shots on aer.*128 bytes per shot"):
        sample_in_chunks(aer_backend, None, 10_000, 0, "aer", "test")


def test_shots_are_sampled_in_chunks(monkeypatch):
    """Shots beyond one chunk are drawn chunk by chunk: the counts add up, the first chunk uses
    the seed itself, the others derived seeds."""
    from qmlc.backends.qlsa_run import sample_in_chunks

    calls = []

    class Fake:
        @staticmethod
        def sample_counts(circuit, shots, seed):
            calls.append((shots, seed))
            return {0: shots}
    monkeypatch.setattr(resources, "SHOT_CHUNK", 1000)
    counts = sample_in_chunks(Fake, None, 2500, 7, "aer", "test")
    assert counts == {0: 2500}
    assert [c[0] for c in calls] == [1000, 1000, 500]
    assert calls[0][1] == 7 and len({c[1] for c in calls}) == 3


def test_npz_arrays_checked_from_their_headers(tmp_path, tiny_budget):
    """An .npy header declaring 10^12 floats is refused before any data is read (the file
    itself is tiny)."""
    import zipfile

    from qmlc.compiler.spec import load_npz

    header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    member = tmp_path / "u0.npy"
    with open(member, "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, header)
    with zipfile.ZipFile(tmp_path / "big.npz", "w") as archive:
        archive.write(member, "u0.npy")
    assert (tmp_path / "big.npz").stat().st_size < 1000
    with pytest.raises(TooLargeError, match="loading big.npz needs about 7.28 TiB"):
        load_npz(tmp_path / "big.npz", "test")


def test_taylor_tensors(tmp_path, monkeypatch):
    import shutil

    from qmlc.compiler.network_spec import load_network, taylor_requirement
    from qmlc.compiler.spec import load_spec
    from tests.conftest import EXAMPLES

    for path in EXAMPLES.glob("tiny_network*"):
        shutil.copy(path, tmp_path / path.name)
    assert taylor_requirement(2, 3).bytes == 36 * 8 + 8 * 4
    monkeypatch.setenv("QMLC_MEMORY_LIMIT", "300")
    with pytest.raises(TooLargeError, match="third-derivative tensor of 2 weights"):
        load_network(load_spec(tmp_path / "tiny_network.toml"))


def test_qiren_training(monkeypatch):
    from qmlc.backends.qiren_train import batch_bytes, train_qiren, training_requirement
    from qmlc.compiler.qiren_model import QirenModel

    model = QirenModel(in_dim=2, width=10, layers=2, reuploads=2, blocks=2)
    coords = np.random.default_rng(0).uniform(-1, 1, (64, 2))
    need = training_requirement(model, 64)
    assert need.bytes >= 2 * batch_bytes(model, 64)
    monkeypatch.setenv("QMLC_MEMORY_LIMIT", str(need.bytes // 2))
    with pytest.raises(TooLargeError, match="training 2 layers of 10 qubits on batches of 64"):
        train_qiren(model, None, coords, coords[:, :1], epochs=1)


@pytest.mark.parametrize("q,L,K,layers,samples,dtype", [
    (6, 3, 2, 2, 200, "complex64"), (9, 2, 2, 1, 64, "complex64"),
    (4, 1, 1, 3, 5000, "complex64"), (7, 1, 3, 2, 300, "complex128"),
    (3, 2, 1, 3, 20000, "complex128")])
def test_qiren_training_model_bounds_the_real_allocation(q, L, K, layers, samples, dtype):
    from qmlc.backends.qiren_train import STEP_OVERHEAD, loss_and_grad, training_requirement
    from qmlc.compiler.qiren_model import QirenModel
    from qmlc.compiler.qiren_weights import init_weights

    model = QirenModel(in_dim=2, width=q, layers=layers, reuploads=L, blocks=K,
                       entangler="cnot")
    coords = np.random.default_rng(1).uniform(-1, 1, (samples, 2))
    weights = init_weights(model, 0)
    # Numba compiles the kernels on their first call in a process without its on-disk cache (a
    # fresh CI machine): ~50 MB of compiler objects under tracemalloc, once per dtype, whatever
    # the sizes; the model bounds the arrays of a step, so compile on two samples first
    loss_and_grad(model, weights, coords[:2], coords[:2, :1], dtype)
    first = _peak(lambda: loss_and_grad(model, weights, coords, coords[:, :1], dtype))
    steady = _peak(lambda: loss_and_grad(model, weights, coords, coords[:, :1], dtype))
    need = training_requirement(model, samples, dtype).bytes
    assert steady <= need - STEP_OVERHEAD and first <= need, (first, steady, need)


def test_qiren_weights_initialization(tiny_budget):
    from qmlc.compiler.qiren_model import QirenModel
    from qmlc.compiler.qiren_weights import init_weights

    with pytest.raises(TooLargeError, match="weights of the QIREN architecture"):
        init_weights(QirenModel(in_dim=2, width=100, layers=3, reuploads=10, blocks=10), 0)


def test_reference_simulation(monkeypatch):
    from qmlc.compiler.qiren_reference import circuit_state_reference

    q = 12
    need = resources.statevector(q, batch=100, copies=5).bytes
    monkeypatch.setenv("QMLC_MEMORY_LIMIT", str(need // 2))
    with pytest.raises(TooLargeError, match="12-qubit QIREN circuit"):
        circuit_state_reference(np.zeros((100, q)), np.zeros((1, 1, q, 3)), np.zeros((1, q, 3)))


def test_reference_model_bounds_the_real_allocation():
    from qmlc.compiler.qiren_reference import circuit_state_reference

    q, batch = 8, 300
    rng = np.random.default_rng(2)
    measured = _peak(lambda: circuit_state_reference(
        rng.normal(size=(batch, q)), rng.normal(size=(2, 2, q, 3)), rng.normal(size=(2, q, 3))))
    assert measured <= resources.statevector(q, batch=batch, copies=5).bytes


def test_run_time_limit(monkeypatch, tmp_path):
    """The spectrum of a wide layer is refused by its time estimate, not run for days."""
    from qmlc.compiler.qiren_model import QirenModel
    from qmlc.compiler.qiren_spectrum import integer_linear_weights, layer1_spectrum

    model = QirenModel(in_dim=2, width=6, reuploads=2, blocks=2)
    rng = np.random.default_rng(0)
    w, f = rng.uniform(0, 6, (2, 2, 6, 3)), rng.uniform(0, 6, (2, 6, 3))
    monkeypatch.setenv("QMLC_TIME_LIMIT", "0.001")
    with pytest.raises(TooLargeError, match="would take about .* QMLC_TIME_LIMIT"):
        layer1_spectrum(model, w, f, integer_linear_weights(6, 2, 0))
