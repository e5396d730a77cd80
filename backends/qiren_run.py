"""Execute a lowered QIREN program's circuits on Qiskit Aer, Cirq, or the numpy reference.

Each hybrid layer's circuit is built once with its encoded angles ``h_j`` as free parameters and
bound per sample (a parameter sweep), so rendering a whole signal is one Aer job / one Cirq sweep
per layer. Two execution modes:

* exact: Aer ``EstimatorV2`` (statevector, ``save_expectation_value``, precision 0) or
  ``cirq.Simulator(dtype=complex128).simulate_expectation_values_sweep``;
* shots: Aer ``SamplerV2`` or ``cirq.Simulator.run_sweep``; ⟨Z_j⟩ is estimated as the mean of
  (−1)^{b_j} over N shots, one shot record serving all q commuting observables. Its standard error
  is √((1 − ⟨Z_j⟩²)/N) ≤ 1/√N. Estimated ⟨Z⟩ of layer i feed layer i + 1's affine map, as on
  hardware, so errors propagate through the remaining layers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qmlc.circuits.reupload import angle_names, cirq_resolvers, parameter_table, qiskit_z_observables
from qmlc.compiler import limits, resources
from qmlc.compiler.errors import UsageError
from qmlc.compiler.progress import task
from qmlc.compiler.qiren_program import QirenProgram, ReuploadLayer

BACKENDS = ("aer", "cirq", "numpy")  # IBM devices: qmlc.backends.qiren_ibm


# One thread per experiment: these circuits are small (q <= ~20) and Aer's per-experiment OpenMP
# start-up dominated on a shared 2-core machine (256 bindings x 1000 shots: 5.2 s -> 0.8 s).
_AER_OPTIONS = {"method": "statevector", "max_parallel_threads": 1}


def shot_standard_error(expectations: np.ndarray, shots: int) -> np.ndarray:
    """Standard error √((1 − z²)/N) of the N-shot mean of a ±1 variable with mean z."""
    return np.sqrt(np.clip(1.0 - np.asarray(expectations) ** 2, 0.0, 1.0) / shots)


def _aer_expectations(layer: ReuploadLayer, shots: int | None, seed: int
                      ) -> Callable[[np.ndarray], np.ndarray]:
    from qiskit_aer.primitives import EstimatorV2, SamplerV2

    q = layer.shape.width
    names = angle_names(q)
    if shots is None:
        circuit = layer.qiskit(measure=False)
        observables = np.empty((1, q), dtype=object)  # broadcast against (B, 1) bindings
        observables[0, :] = qiskit_z_observables(q)
        estimator = EstimatorV2(options={"default_precision": 0.0,
                                         "backend_options": dict(_AER_OPTIONS)})

        def run(angles: np.ndarray, chunk_seed: int | None = None) -> np.ndarray:
            table = parameter_table(circuit, dict(zip(names, angles.T, strict=True)))
            pub = (circuit, observables, table.reshape(len(angles), 1, -1))
            return np.asarray(estimator.run([pub]).result()[0].data.evs, dtype=float)
        return run

    circuit = layer.qiskit(measure=True)

    def run_shots(angles: np.ndarray, chunk_seed: int = seed) -> np.ndarray:
        sampler = SamplerV2(seed=chunk_seed, options={"backend_options": dict(_AER_OPTIONS)})
        table = parameter_table(circuit, dict(zip(names, angles.T, strict=True)))
        bits = sampler.run([(circuit, table)], shots=shots).result()[0].data.c
        ones = bits.to_bool_array(order="little")  # (B, shots, q); column j = clbit j = qubit j
        return 1.0 - 2.0 * ones.mean(axis=1)
    return run_shots


def _cirq_expectations(layer: ReuploadLayer, shots: int | None, seed: int
                       ) -> Callable[[np.ndarray], np.ndarray]:
    import cirq

    qubits = cirq.LineQubit.range(layer.shape.width)
    # Cirq's own transformer fuses each bound Rot (rz.ry.rz) into one PhasedXZ gate; the
    # symbolic encoding rotations stay. Same unitary, ~1.4x faster to simulate.
    merge = cirq.merge_single_qubit_gates_to_phxz
    if shots is None:
        circuit = merge(layer.cirq(measure=False))
        simulator = cirq.Simulator(dtype=np.complex128)
        observables = [cirq.Z(qb) for qb in qubits]

        def run(angles: np.ndarray, chunk_seed: int | None = None) -> np.ndarray:
            values = simulator.simulate_expectation_values_sweep(
                circuit, observables, cirq_resolvers(angles))
            return np.real(np.asarray(values))
        return run

    circuit = merge(layer.cirq(measure=True))
    simulators: dict[int, cirq.Simulator] = {}

    def run_shots(angles: np.ndarray, chunk_seed: int = seed) -> np.ndarray:
        # one simulator per seed, kept: its random state continues across calls
        simulator = simulators.setdefault(chunk_seed,
                                          cirq.Simulator(dtype=np.complex128, seed=chunk_seed))
        results = simulator.run_sweep(circuit, cirq_resolvers(angles), repetitions=shots)
        return np.stack([1.0 - 2.0 * r.measurements["z"].mean(axis=0) for r in results])
    return run_shots


def layer_runner(layer: ReuploadLayer, backend: str = "aer", shots: int | None = None,
                 seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """A function angles (B, q) → ⟨Z_j⟩ (B, q) executing ``layer`` on ``backend``."""
    _check_shots(shots)
    if backend == "aer":
        return _aer_expectations(layer, shots, seed)
    if backend == "cirq":
        return _cirq_expectations(layer, shots, seed)
    if backend == "numpy":
        if shots is not None:
            rng = np.random.default_rng(seed)

            def sample(angles: np.ndarray, chunk_seed: int | None = None) -> np.ndarray:
                p1 = (1.0 - layer.expectations_reference(angles)) / 2
                return 1.0 - 2.0 * rng.binomial(shots, np.clip(p1, 0, 1)) / shots
            return sample
        return lambda angles, chunk_seed=None: layer.expectations_reference(angles)
    raise _unknown_backend(backend)


def _check_shots(shots: int | None) -> int | None:
    if shots is None:
        return None
    return limits.check_int(shots, "shots", limits.MIN_SHOTS, limits.MAX_SHOTS,
                            "give fewer shots, or none for exact expectation values")


def _unknown_backend(backend: str) -> UsageError:
    return UsageError(f"backend = {backend!r}: not a simulator of QIREN layers; choose one of "
                      f"{', '.join(BACKENDS)} (IBM devices run whole programs: "
                      "qmlc.backends.qiren_ibm)", field="backend")


ROWS_PER_CHUNK = 64  # inputs per backend call: progress granularity and bounded memory
CHUNK_BYTES = 256 << 20


def row_bytes(width: int, shots: int | None, backend: str) -> int:
    """Memory one input needs in a batch: a few (2^q) complex states (the numpy reference keeps
    ~5 copies) and, when sampling, its shot records (measured per-shot bytes plus q bits)."""
    states = resources.COMPLEX_BYTES * (1 << width) * 5
    per_shot = resources.SHOT_BYTES.get(backend, max(resources.SHOT_BYTES.values())) + width
    return states + (0 if shots is None else shots * per_shot)


def run_qiren_program(program: QirenProgram, X: np.ndarray, backend: str = "aer",
                      shots: int | None = None, seed: int = 0, return_angles: bool = False):
    """Model outputs (B, out_dim) with every circuit executed on ``backend``.

    Inputs run in chunks (at most :data:`ROWS_PER_CHUNK` rows, and :data:`CHUNK_BYTES` of states
    and shot records), so memory is bounded and progress is reported per chunk; one input must
    fit (the pre-flight check). Layer i of chunk 0 uses seed ``seed + i`` so shot noise of
    different layers is independent; later chunks use seeds derived from (seed, chunk) by
    numpy's SeedSequence. Exact results do not depend on the chunking.
    """
    seed = limits.check_seed(seed)
    shots = _check_shots(shots)
    if backend not in BACKENDS:
        raise _unknown_backend(backend)
    width = program.model.width
    per_row = row_bytes(width, shots, backend)
    resources.require(resources.Requirement(
        f"one input on {backend}" + (f" with {shots:,} shots" if shots else ""), per_row,
        "16·2^q bytes × 5 states" + (" + bytes per shot × shots" if shots else "")),
        f"running QIREN circuits of {width} qubits",
        advice="use fewer shots or 'qmlc estimate'")
    X = np.atleast_2d(np.asarray(X, dtype=float))
    rows = int(max(1, min(ROWS_PER_CHUNK, CHUNK_BYTES // per_row)))
    if backend == "numpy":
        model = program.model
        per_input = model.layers * model.layer_instructions * (1 << width)
        resources.require_time(X.shape[0] * per_input / resources.REFERENCE_UPDATES_PER_SECOND,
                               f"simulating {X.shape[0]:,} inputs with the numpy reference",
                               f"running QIREN circuits of {width} qubits",
                               advice="use fewer inputs, another backend, or 'qmlc estimate'")
        # chunks of about two seconds, so that progress moves
        rows = max(1, min(rows, int(2 * resources.REFERENCE_UPDATES_PER_SECOND // per_input)))
    starts = range(0, X.shape[0], rows)
    outputs, angles = [], []
    label = (f"{X.shape[0]:,} inputs x {program.model.layers} circuits of {width} qubits on "
             f"{backend}")
    runners = [layer_runner(layer, backend, shots, (seed + i) % 2**32)
               for i, layer in enumerate(program.circuits)]
    with task(label, total=len(starts)) as advance:
        for k, start in enumerate(starts):
            base = seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])

            def execute(i: int, h: np.ndarray, base: int = base) -> np.ndarray:
                return runners[i](h, (base + i) % 2**32)
            y, a = program.evaluate(X[start:start + rows], execute, return_angles=True)
            outputs.append(y)
            angles.append(a)
            advance()
    y = np.concatenate(outputs)
    if not return_angles:
        return y
    return y, [np.concatenate([a[i] for a in angles]) for i in range(len(program.circuits))]
