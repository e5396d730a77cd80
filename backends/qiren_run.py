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
from qmlc.compiler.errors import UsageError
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

        def run(angles: np.ndarray) -> np.ndarray:
            table = parameter_table(circuit, dict(zip(names, angles.T, strict=True)))
            pub = (circuit, observables, table.reshape(len(angles), 1, -1))
            return np.asarray(estimator.run([pub]).result()[0].data.evs, dtype=float)
        return run

    circuit = layer.qiskit(measure=True)
    sampler = SamplerV2(seed=seed, options={"backend_options": dict(_AER_OPTIONS)})

    def run_shots(angles: np.ndarray) -> np.ndarray:
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

        def run(angles: np.ndarray) -> np.ndarray:
            values = simulator.simulate_expectation_values_sweep(
                circuit, observables, cirq_resolvers(angles))
            return np.real(np.asarray(values))
        return run

    circuit = merge(layer.cirq(measure=True))
    simulator = cirq.Simulator(dtype=np.complex128, seed=seed)

    def run_shots(angles: np.ndarray) -> np.ndarray:
        results = simulator.run_sweep(circuit, cirq_resolvers(angles), repetitions=shots)
        return np.stack([1.0 - 2.0 * r.measurements["z"].mean(axis=0) for r in results])
    return run_shots


def layer_runner(layer: ReuploadLayer, backend: str = "aer", shots: int | None = None,
                 seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """A function angles (B, q) → ⟨Z_j⟩ (B, q) executing ``layer`` on ``backend``."""
    if shots is not None and shots < 1:
        raise UsageError(f"shots = {shots}: give a positive number of shots or omit it",
                         field="shots")
    if backend == "aer":
        return _aer_expectations(layer, shots, seed)
    if backend == "cirq":
        return _cirq_expectations(layer, shots, seed)
    if backend == "numpy":
        if shots is not None:
            rng = np.random.default_rng(seed)

            def sample(angles: np.ndarray) -> np.ndarray:
                p1 = (1.0 - layer.expectations_reference(angles)) / 2
                return 1.0 - 2.0 * rng.binomial(shots, np.clip(p1, 0, 1)) / shots
            return sample
        return layer.expectations_reference
    raise UsageError(f"backend = {backend!r}: not a simulator of QIREN layers; choose one of "
                     f"{', '.join(BACKENDS)} (IBM devices run whole programs: "
                     "qmlc.backends.qiren_ibm)", field="backend")


def run_qiren_program(program: QirenProgram, X: np.ndarray, backend: str = "aer",
                shots: int | None = None, seed: int = 0, return_angles: bool = False):
    """Model outputs (B, out_dim) with every circuit executed on ``backend``.

    Layer i uses seed ``seed + i`` so shot noise of different layers is independent.
    """
    runners = [layer_runner(layer, backend, shots, seed + i)
               for i, layer in enumerate(program.circuits)]
    return program.evaluate(X, lambda i, h: runners[i](h), return_angles=return_angles)
