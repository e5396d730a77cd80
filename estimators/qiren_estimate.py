"""Resource estimate for running a QIREN model: circuits, shots, executions, and a T-count.

Every figure states its model:

* **Circuit figures** (qubits, depth, gate counts) are read off the lowered Qiskit circuit of one
  hybrid layer (:mod:`qmlc.circuits.reupload`), measurement excluded. Closed forms, checked in tests:
  ``(L+1)·K·q`` Rot gates (3 rotations each: rz·ry·rz), ``(L+1)·K·q`` two-qubit entanglers
  (0 for q = 1), ``L·q`` encoding rotations.
* **Error budget**: target additive precision ε on every ⟨Z_j⟩ of every circuit, split in half:
  ε_s = ε/2 statistical (shots), ε/2 rotation synthesis (fault-tolerant compilation).
* **Shots per circuit** for estimating all q values ⟨Z_j⟩ ∈ [−1, 1] to ε_s with failure
  probability at most δ (one shot record serves all q commuting observables): Hoeffding,
  P(|Ẑ − ⟨Z⟩| ≥ ε_s) ≤ 2·exp(−N ε_s²/2) for a variable of range 2, union bound over q:
  ``N = ⌈2 ln(2q/δ)/ε_s²⌉``; Chebyshev with Var ≤ 1: ``N = ⌈q/(δ ε_s²)⌉``; and the 1-σ figure
  ``N = ⌈1/ε_s²⌉`` (standard error ≤ 1/√N). These bound each layer's outputs; how errors
  propagate through later layers depends on the weights and is not bounded here.
* **Output precision** (:func:`output_precision`, needs weights and inputs): the per-⟨Z⟩ bounds
  above say nothing about the model output, because later layers and the BatchNorm-folded maps
  amplify estimation errors. With N shots per circuit the output's standard deviation is
  ≈ G/√N, G from first-order (delta-method) propagation with the exact single-shot covariances
  (:func:`output_noise_gain`); checked against the spread of repeated Aer shot runs in tests.
  Measured on the default model trained 301 epochs on the coffee image: G up to 65 (median 14),
  so 1000 shots give an output error of order 1 and 1σ precision 0.01 needs ~4·10⁷ shots.
* **Executions** to render a W×H signal: every pixel needs each of the ``layers`` circuits once
  (later layers take the estimated ⟨Z⟩ of earlier ones), so P·layers parameter bindings and
  P·layers·N shots.
* **Fault-tolerant T-count** of one circuit execution: Clifford+T with every arbitrary rotation
  synthesized by Ross–Selinger gridsynth (Ross, Selinger, "Optimal ancilla-free Clifford+T
  approximation of z-rotations", Quantum Inf. Comput. 16:901, 2016, arXiv:1403.2975): T-count
  3·log2(1/ε_r) + O(log log(1/ε_r)); we use the fit ``⌈3.02·log2(1/ε_r) + 0.77⌉`` (the constant
  pyLIQTR uses). RY and RX are Clifford conjugates of RZ (same T-count); CZ and CNOT are Clifford.
  Synthesis budget ε/2 split evenly over the R rotations of a circuit, ``ε_r = ε/(4R)``, since
  operator-norm errors add and |Δ⟨Z⟩| ≤ 2‖U − Ũ‖.
  Two exact circuit identities reduce R: the first RZ(φ) on |0⟩ is a global phase (q rotations),
  and with RZ encoding RZ(h_j) merges with the next block's RZ(φ) (L·q rotations).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from qmlc.circuits.reupload import qiskit_circuit
from qmlc.circuits.reupload_bloq import ReuploadLayerBloq
from qmlc.compiler import limits, resources
from qmlc.compiler.errors import UsageError
from qmlc.compiler.qiren_model import QirenModel, qiren_from_spec
from qmlc.compiler.qiren_program import lower_qiren_spec
from qmlc.compiler.qiren_reference import circuit_state_reference
from qmlc.compiler.qiren_signal import load_signal
from qmlc.compiler.spec import ModelSpec
from qmlc.estimators.rotations import rotation_t_count


def shots_hoeffding(eps: float, delta: float, observables: int = 1) -> int:
    return math.ceil(2.0 * math.log(2.0 * observables / delta) / eps**2)


def shots_chebyshev(eps: float, delta: float, observables: int = 1) -> int:
    return math.ceil(observables / (delta * eps**2))


@dataclass(frozen=True)
class QirenEstimate:
    """All figures of one estimate; :meth:`to_dict` is the JSON of ``qmlc estimate``."""

    model: QirenModel
    epsilon: float
    delta: float
    samples: int | None
    circuit: dict
    shots: dict
    t_count: dict
    output_precision: dict | None = None

    def to_dict(self) -> dict:
        m = self.model
        out = {
            "kind": "qiren",
            "architecture": {k: getattr(m, k) for k in ("in_dim", "width", "layers", "reuploads",
                                                        "blocks", "entangler", "encoding",
                                                        "out_dim")},
            "trainable_parameters": m.trainable_count,
            "circuits_per_sample": m.layers,
            "per_circuit": self.circuit,
            "shots_per_circuit": self.shots,
            "fault_tolerant": self.t_count,
        }
        if self.samples is not None:
            n = self.shots["hoeffding"]
            out["render"] = {
                "samples": self.samples,
                "circuit_bindings": self.samples * m.layers,
                "circuit_executions_hoeffding": self.samples * m.layers * n,
                "circuit_executions_one_sigma": self.samples * m.layers * self.shots["one_sigma"],
                "t_count_total_hoeffding": self.samples * m.layers * n
                * self.t_count["t_count_per_execution"],
                "model": "every sample runs each hybrid layer's circuit once per shot; "
                         "executions = samples x layers x shots per circuit",
            }
        out["parameters"] = {"epsilon": self.epsilon, "delta": self.delta}
        if self.output_precision is not None:
            out["output_precision"] = self.output_precision
        return out


# Building a layer's Qiskit circuit costs ~4 KB and ~0.1 ms per instruction (measured on a
# 50-qubit, L = K = 20 layer: 85,000 instructions, 9 s with its depth); larger layers are counted
# from the Qualtran bloq alone.
MAX_CIRCUIT_INSTRUCTIONS = 100_000


def circuit_figures(model: QirenModel) -> dict:
    """Qubits, depth and gate counts of one hybrid layer's circuit (from the Qiskit circuit; from
    the Qualtran bloq alone beyond :data:`MAX_CIRCUIT_INSTRUCTIONS`)."""
    q, L, K = model.width, model.reuploads, model.blocks
    removable = q + (L * q if model.encoding == "rz" else 0)
    qualtran = _qualtran_counts(model)
    instructions = model.layer_instructions
    figures = {
        "qubits": q,
        "rot_gates": (L + 1) * K * q,
        "encoding_rotations": L * q,
        "two_qubit_gates": qualtran["clifford"],
        "rotations_as_emitted": qualtran["rotation"],
        "rotations_after_merging": qualtran["rotation"] - removable,
        "measured_observables": [f"Z_{j}" for j in range(q)] if q <= 64 else f"Z_0..Z_{q - 1}",
        "qualtran_gate_counts": qualtran,
    }
    if instructions > MAX_CIRCUIT_INSTRUCTIONS:
        return {**figures, "depth": None, "two_qubit_depth": None, "gate_counts": None,
                "source": f"Qualtran bloq counts; the {instructions:,}-gate circuit is too large "
                          f"to build for its depth (limit {MAX_CIRCUIT_INSTRUCTIONS:,})"}
    circuit = qiskit_circuit(model.circuit)
    ops = {str(k): int(v) for k, v in circuit.count_ops().items()}
    two_qubit = ops.get("cz", 0) + ops.get("cx", 0)
    rotations = sum(ops.get(g, 0) for g in ("rz", "ry", "rx"))
    if qualtran["rotation"] != rotations or qualtran["clifford"] != two_qubit:  # pragma: no cover
        raise AssertionError("Qualtran bloq and lowered circuit disagree; this is a qmlc bug")
    return {**figures,
            "depth": circuit.depth(),
            "two_qubit_depth": circuit.depth(lambda inst: inst.operation.num_qubits == 2),
            "gate_counts": ops,
            "source": "counted on the lowered Qiskit circuit (Rot = rz.ry.rz), measurement "
                      "excluded"}


def _z_moments(layer, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """⟨Z⟩ (B, q) and the covariance of the ±1 outcomes (B, q, q) of one shot of a circuit."""
    q = layer.shape.width
    probs = np.abs(circuit_state_reference(angles, layer.weights, layer.final,
                                           layer.shape.entangler, layer.shape.encoding)) ** 2
    index = np.arange(2**q)
    signs = 1.0 - 2.0 * ((index[:, None] >> (q - 1 - np.arange(q))[None, :]) & 1)  # qubit 0 = MSB
    mean = probs @ signs
    second = np.einsum("bs,sj,sk->bjk", probs, signs, signs)
    return mean, second - mean[:, :, None] * mean[:, None, :]


def _angle_jacobian(layer, angles: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """∂⟨Z_j⟩/∂h_m (B, q, q) by central differences on the numpy reference (error ~ step²),
    all 2q shifted batches evaluated as one batch."""
    B, q = angles.shape
    shifts = np.concatenate([np.eye(q), -np.eye(q)]) * step  # (2q, q)
    values = layer.expectations_reference((angles[None, :, :] + shifts[:, None, :])
                                          .reshape(-1, q)).reshape(2 * q, B, q)
    return np.transpose((values[:q] - values[q:]) / (2 * step), (1, 2, 0))


def output_noise_gain(program, X: np.ndarray) -> np.ndarray:
    """G (B, out_dim): with N shots per circuit, the standard deviation of each model output is
    ≈ G/√N (first-order error propagation, the delta method).

    Circuit k's N-shot estimate of z_k = (⟨Z_j⟩)_j has covariance C_k/N, C_k the covariance of one
    shot's ±1 outcomes (from the exact state; the q values share the shot record, so C_k is not
    diagonal). Its error reaches the output through g_k = ∂y/∂z_k = W_out · Π_{l>k} D_l W'_l,
    D_l = ∂z_l/∂h_l; estimation errors of different circuits are independent, so
    Var(y) ≈ Σ_k g_k C_k g_kᵀ / N.
    """
    _, angles = program.evaluate(X, return_angles=True)
    layers = len(program.circuits)
    B = angles[0].shape[0]
    g = np.broadcast_to(program.output.weight, (B,) + program.output.weight.shape).copy()
    variance = np.zeros(g.shape[:2])
    for k in reversed(range(layers)):
        layer = program.circuits[k]
        _, cov = _z_moments(layer, angles[k])
        variance += np.einsum("boj,bjk,bok->bo", g, cov, g)
        if k > 0:
            g = np.einsum("boj,bjm,mn->bon", g, _angle_jacobian(layer, angles[k]),
                          program.affines[k].weight)
    return np.sqrt(variance)


def output_precision(program, X: np.ndarray, epsilon: float, delta: float,
                     weights_source: str) -> dict:
    """Shots per circuit so that every output has error <= ε with probability ~1 − δ (delta
    method, Gaussian tail z = Φ⁻¹(1 − δ/2)), from :func:`output_noise_gain` on the inputs X."""
    from scipy.stats import norm

    gain = output_noise_gain(program, X)
    g_max = float(gain.max())
    z = float(norm.ppf(1 - delta / 2))
    return {
        "inputs_evaluated": int(X.shape[0]),
        "weights": weights_source,
        "noise_gain_max": g_max,
        "noise_gain_median": float(np.median(gain)),
        "output_std_at_1000_shots_max": g_max / np.sqrt(1000),
        "shots_one_sigma": int(np.ceil((g_max / epsilon) ** 2)),
        "shots_confidence": int(np.ceil((z * g_max / epsilon) ** 2)),
        "epsilon_output": epsilon,
        "delta": delta,
        "model": "first-order (delta-method) propagation of shot noise through the later "
                 "layers and BatchNorm-folded affine maps: std(y) = G/sqrt(N), G^2 = "
                 "sum_k g_k C_k g_k^T with g_k = dy/dz_k and C_k the single-shot covariance of "
                 "the Z outcomes; shots = ceil((z_delta G_max/eps)^2), z_delta = "
                 "Phi^-1(1 - delta/2); valid while the propagated errors stay small",
    }


def _qualtran_counts(model: QirenModel) -> dict:
    """Rotation and Clifford counts of :class:`qmlc.circuits.reupload_bloq.ReuploadLayerBloq`."""
    from qualtran.resource_counting import QECGatesCost, get_cost_value

    counts = get_cost_value(ReuploadLayerBloq(model.width, model.reuploads, model.blocks,
                                              model.entangler, model.encoding), QECGatesCost())
    return {"rotation": int(counts.rotation), "clifford": int(counts.clifford),
            "formula": "rotation = 3(L+1)Kq + Lq, clifford = (L+1)Kq (0 for q = 1); "
                       "Qualtran QECGatesCost of ReuploadLayerBloq, checked equal to the circuit"}


def estimate_qiren(model: QirenModel, epsilon: float = 1e-2, delta: float = 1e-2,
                   samples: int | None = None) -> QirenEstimate:
    """Estimate for precision ε on every ⟨Z_j⟩ with failure probability δ (see module doc)."""
    if not isinstance(epsilon, (int, float)) or not limits.MIN_EPSILON <= epsilon < 1:
        raise UsageError(f"epsilon = {epsilon!r}: must be in [{limits.MIN_EPSILON:g}, 1)",
                         field="epsilon")
    if not isinstance(delta, (int, float)) or not limits.MIN_EPSILON <= delta < 1:
        raise UsageError(f"delta = {delta!r}: must be in [{limits.MIN_EPSILON:g}, 1)",
                         field="delta")
    circ = circuit_figures(model)
    q = model.width
    eps_s = epsilon / 2
    shots = {
        "epsilon": epsilon,
        "epsilon_statistical": eps_s,
        "delta": delta,
        "hoeffding": shots_hoeffding(eps_s, delta, q),
        "chebyshev": shots_chebyshev(eps_s, delta, q),
        "one_sigma": math.ceil(1.0 / eps_s**2),
        "model": "eps_s = eps/2; N = ceil(2 ln(2q/delta)/eps_s^2) (Hoeffding, range 2, union "
                 "bound over q observables); ceil(q/(delta eps_s^2)) (Chebyshev, Var <= 1); "
                 "ceil(1/eps_s^2) (standard error <= 1/sqrt(N)); all q <Z_j> from the same shots",
    }
    rot = circ["rotations_after_merging"]
    eps_r = epsilon / (4.0 * rot) if rot else 1.0
    t_rot = rotation_t_count(eps_r) if rot else 0
    t_count = {
        "synthesis_error_budget": epsilon / 2,
        "rotations": rot,
        "epsilon_per_rotation": eps_r,
        "t_per_rotation": t_rot,
        "t_count_per_execution": rot * t_rot,
        "t_count_as_emitted": circ["rotations_as_emitted"] * t_rot,
        "logical_qubits": q,
        "model": "Ross-Selinger gridsynth (arXiv:1403.2975): T = ceil(3.02 log2(1/eps_r) + 0.77) "
                 "per arbitrary rotation; eps_r = eps/(4R) (half of eps for synthesis, split "
                 "over R rotations, |d<Z>| <= 2||U - U'||); CZ/CNOT/Clifford free",
    }
    return QirenEstimate(model, epsilon, delta, samples, circ, shots, t_count)


MAX_NOISE_QUBITS = 12  # exact single-shot covariances for the output-precision estimate
MAX_NOISE_INPUTS = 128  # inputs at which the output noise gain is evaluated
MAX_NOISE_SECONDS = 60.0  # the output-precision figure is skipped beyond this much simulation


def estimate_qiren_spec(spec: ModelSpec, epsilon: float = 1e-2, delta: float = 1e-2,
                        weights_path: str | None = None) -> QirenEstimate:
    """:func:`estimate_qiren` for a spec, plus the output precision on its signal (shots per
    circuit for every output to ε, from the lowered program's noise gain) where the width allows
    exact single-shot covariances."""
    if not isinstance(epsilon, (int, float)) or not limits.MIN_EPSILON <= epsilon < 1:
        raise UsageError(f"epsilon = {epsilon}: QIREN's target precision on <Z> must be in "
                         f"[{limits.MIN_EPSILON:g}, 1)", field="epsilon")
    if not isinstance(delta, (int, float)) or not limits.MIN_EPSILON <= delta < 1:
        raise UsageError(f"error_budget = {delta}: the failure probability must be in "
                         f"[{limits.MIN_EPSILON:g}, 1)", field="error_budget")
    model = qiren_from_spec(spec)
    signal = load_signal(spec)
    samples = None if signal is None else int(signal[0].shape[0])
    estimate = estimate_qiren(model, epsilon=epsilon, delta=delta, samples=samples)
    inputs = 0 if signal is None else min(samples, MAX_NOISE_INPUTS)
    # the noise gain evaluates the program and 2q shifted copies of every layer's angles
    seconds = (inputs * (2 * model.width + 2) * model.layers * model.layer_instructions
               * (1 << min(model.width, 64)) / resources.REFERENCE_UPDATES_PER_SECOND)
    if signal is not None and model.width <= MAX_NOISE_QUBITS and seconds <= MAX_NOISE_SECONDS:
        lowered = lower_qiren_spec(spec, weights_path)
        stride = max(1, samples // MAX_NOISE_INPUTS)
        precision = output_precision(lowered.program, signal[0][::stride], epsilon, delta,
                                     lowered.weights_source)
        precision["inputs_evaluated_note"] = (
            f"every {stride}-th input of the signal" if stride > 1 else "every input")
    else:
        precision = {"skipped": "needs a [signal] (inputs to evaluate), width <= "
                                f"{MAX_NOISE_QUBITS} (exact statevectors) and at most "
                                f"{MAX_NOISE_SECONDS:g} s of numpy reference simulation "
                                f"(this one: about {resources.format_seconds(seconds)})"}
    return dataclasses.replace(estimate, output_precision=precision)
