"""Run a compiled QLSA on a simulator and compare it with the classical solve.

Exact mode (``shots=None``): the backend's final state vector; the postselected system
amplitudes ψ (ancillas at their required bits) give

- ``success_probability`` = ‖ψ‖²,
- ``fidelity`` = |⟨x̂|ψ⟩|² / ‖ψ‖², x̂ = A⁻¹b/‖A⁻¹b‖ (scipy's sparse LU, padded to the layout).

Sampled mode (``shots=N``): two circuits are sampled on the same backend.
(1) The program with every qubit measured: success = the postselected bits hold;
p̂ = successes/N with standard error √(p̂(1−p̂)/N). (2) The program followed by the inverse of
the state preparation of x̂ on the system register (a compute–uncompute overlap test): among the
successful shots, the fraction with the system register at |0⟩ estimates the fidelity,
F̂ = k/m with binomial standard error √(F̂(1−F̂)/m) (floored at 1/m when F̂ ∈ {0, 1}).

De-normalization of θ_T (documented scheme): a QLSA returns x only up to its norm (and a global
sign). The first block of the history vector is known exactly, y_0 = y_in = b's first block, so
the scale is the least-squares fit c = ⟨ψ_0, y_in⟩ / ⟨ψ_0, ψ_0⟩ (ψ_0 = the first block of ψ,
taken from the exact postselected state), x ≈ c·ψ, u_T = the first n entries of block T and
θ_T = offset + u_T. Computational-basis samples carry no signs, so θ_T always comes from the
exact state of the same circuit on the same backend; in sampled mode the magnitudes |u_T|
estimated from the counts are reported beside it (``abs_u_T_sampled``).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
import scipy.sparse.linalg as spla

from qmlc.backends import aer_backend, cirq_backend
from qmlc.backends.qlsa_readout import QLSAReadout, SampledQLSA, overlap_test_circuit
from qmlc.compiler import limits, resources
from qmlc.compiler.carleman import CarlemanSystem
from qmlc.compiler.errors import UsageError
from qmlc.compiler.progress import task
from qmlc.compiler.qlsa import QLSAProgram, build_program, check_simulable
from qmlc.compiler.results import Result, optional

__all__ = ["BACKENDS", "QLSARun", "SampledQLSA", "check_shots", "classical_reference",
           "classical_solution", "run_qlsa", "run_qlsa_program", "sample_in_chunks"]

BACKENDS = {"aer": aer_backend, "cirq": cirq_backend}


@dataclass(frozen=True)
class QLSARun(Result):
    """One simulated QLSA solve compared with the classical solution (module docstring)."""

    algorithm: str
    backend: str
    shots: int | None
    fidelity: float
    success_probability: float
    theta_T: list[float]
    theta_T_classical: list[float]
    theta_T_error_max: float
    qubits: int
    depth: int
    gate_counts: dict[str, int]
    alpha: float
    dimension: int
    simulation_seconds: float
    model: dict
    sampled: SampledQLSA | None = optional()
    compile_seconds: float | None = optional()
    theta_T_denormalization: str = "least-squares fit of the known first block y_0 = y_in"
    gate_set: str = "after inlining gate definitions: x, h, z, ry, rz, cx, ccx, mcx"

    def to_dict(self) -> dict:
        """The flat JSON form: the sampled estimates sit beside the exact ones."""
        out = super().to_dict()
        out.update(out.pop("sampled", None) or {})
        return out


def check_shots(shots: object) -> int:
    """A shot count: an integer in [1, 10^8] (:data:`qmlc.compiler.limits.MAX_SHOTS`)."""
    return limits.check_int(shots, "shots", limits.MIN_SHOTS, limits.MAX_SHOTS,
                            "give fewer shots, or none for the exact statevector")


def sample_in_chunks(sim, circuit, shots: int, seed: int, backend: str,
                     label: str) -> dict[int, int]:
    """Counts of ``shots`` samples, drawn in chunks of :data:`qmlc.compiler.resources.SHOT_CHUNK`
    so that memory stays one chunk's (the pre-flight figure) whatever the shot count. Chunk 0
    uses ``seed`` itself, chunk k > 0 a seed derived from (seed, k) by numpy's SeedSequence."""
    resources.require(resources.shots(backend, shots), label)
    chunk = resources.SHOT_CHUNK
    count = -(-shots // chunk)
    total: Counter = Counter()
    with task(label, total=count if count > 1 else None) as advance:
        for k in range(count):
            size = min(chunk, shots - k * chunk)
            chunk_seed = seed if k == 0 else int(
                np.random.SeedSequence([seed, k]).generate_state(1)[0])
            total.update(sim.sample_counts(circuit, size, chunk_seed))
            advance()
    return dict(total)


def _backend(name: str):
    if name not in BACKENDS:
        raise UsageError(f"backend {name!r} cannot run a QLSA circuit; use one of "
                         f"{', '.join(BACKENDS)}")
    return BACKENDS[name]


def classical_solution(system) -> np.ndarray:
    """x = A⁻¹ b by sparse LU."""
    return np.asarray(spla.spsolve(system.A.tocsc(), system.b), dtype=float)


def classical_reference(system, program: QLSAProgram) -> tuple[np.ndarray, np.ndarray]:
    """``(x_hat, theta_T)`` of the classical solution x: x padded to the system register
    (``program.index_map``) and normalized, the state a perfect solve prepares, and the
    parameters it gives at step T (the offset plus x's last time block)."""
    x = classical_solution(system)
    x_pad = np.zeros(2 ** len(program.system_qubits))
    x_pad[program.index_map] = x
    T, delta, n = system.steps, system.delta, system.n
    return x_pad / np.linalg.norm(x_pad), system.polymap.offset + x[T * delta: T * delta + n]


def _recover_theta(system, program: QLSAProgram, psi_sys: np.ndarray) -> np.ndarray:
    psi = np.real_if_close(psi_sys[program.index_map]).real
    delta, n = system.delta, system.n
    first = psi[:delta]
    y_in = system.b[:delta]
    scale = float(first @ y_in / (first @ first))
    u_T = scale * psi[system.steps * delta: system.steps * delta + n]
    return system.polymap.offset + u_T


def run_qlsa_program(system: CarlemanSystem, program: QLSAProgram, backend: str = "aer",
                     shots: int | None = None, seed: int = 0) -> QLSARun:
    """Simulate a compiled program (see the module docstring for every reported number)."""
    sim = _backend(backend)
    if shots is not None:
        shots = check_shots(shots)
    seed = limits.check_seed(seed)
    check_simulable(program)
    resources.require(resources.statevector(program.num_qubits, copies=3),
                      f"simulating the {program.algorithm} program on {backend}")
    x_hat, theta_cl = classical_reference(system, program)
    start = time.perf_counter()
    with task(f"simulating {program.num_qubits} qubits ({program.algorithm}, "
              f"{program.circuit.size():,} top-level gates) on {backend}"):
        state = sim.statevector(program.circuit)
    seconds = time.perf_counter() - start
    psi = program.postselected_state(state)
    success = float(np.linalg.norm(psi) ** 2)
    fidelity = float(abs(np.vdot(x_hat, psi)) ** 2 / success) if success > 0 else 0.0
    theta_T = _recover_theta(system, program, psi)
    flat = aer_backend.flatten(program.circuit)
    return QLSARun(
        algorithm=program.algorithm,
        backend=backend,
        shots=shots,
        fidelity=fidelity,
        success_probability=success,
        theta_T=theta_T.tolist(),
        theta_T_classical=theta_cl.tolist(),
        theta_T_error_max=float(np.max(np.abs(theta_T - theta_cl))),
        qubits=program.num_qubits,
        depth=int(flat.depth()),
        gate_counts={k: int(v) for k, v in sorted(flat.count_ops().items())},
        alpha=program.alpha,
        dimension=program.dimension,
        simulation_seconds=seconds,
        model={k: program.meta[k] for k in ("kappa", "epsilon", "degree", "sigma_min",
                                             "block_encoding_calls", "amplification_rounds",
                                             "phase_bits", "time_scale")
               if k in program.meta},
        sampled=None if shots is None else _sampled(system, program, sim, shots, seed, x_hat,
                                                     backend),
    )


def _sampled(system, program: QLSAProgram, sim, shots: int, seed: int,
             x_hat: np.ndarray, backend: str) -> SampledQLSA:
    readout = QLSAReadout.from_program(system, program)
    counts = sample_in_chunks(sim, program.circuit, shots, seed, backend,
                              f"sampling {shots:,} shots on {backend} (postselection)")
    overlap = sample_in_chunks(sim, overlap_test_circuit(program, x_hat), shots,
                               (seed + 1) % 2**32, backend,
                               f"sampling {shots:,} shots on {backend} (overlap test)")
    return readout.estimate(counts, overlap)


def run_qlsa(system: CarlemanSystem, backend: str = "aer", shots: int | None = None,
             algorithm: str = "qsvt", seed: int = 0, **build_options) -> QLSARun:
    """Compile ``system`` with ``algorithm`` and run it on ``backend`` (see the module docs)."""
    start = time.perf_counter()
    with task(f"compiling the {algorithm} program"):
        program = build_program(system, algorithm, **build_options)
    compile_seconds = time.perf_counter() - start
    out = run_qlsa_program(system, program, backend=backend, shots=shots, seed=seed)
    return dataclasses.replace(out, compile_seconds=compile_seconds)
