"""QLSA circuits on the tiny Carleman systems: compile time, size, and simulation time.

For each instance (the bundled tiny example and the n = 2, N = 2 map of the tests at several T)
and each algorithm (QSVT, truncated HHL) this prints, as medians over ``--repeats`` runs:

- compile time (QLSAProgram construction, angles cached after the first call),
- qubits, depth of the inlined circuit in the emitted gate set {x, h, z, ry, rz, cx, ccx, mcx},
- two-qubit gates, T gates (t + tdg) and arbitrary rotations after transpiling every distinct
  composite once to the Clifford+T+rotation basis {h, s, sdg, t, tdg, x, y, z, cx, rz} with
  Qiskit (optimization level 0, ancilla-free multi-controlled-X synthesis) and multiplying by
  its number of uses — the circuit is hierarchical, so this equals transpiling the flat circuit,
- statevector simulation time on Aer and on Cirq, and the Cirq/Aer ratio,
- fidelity and success probability, HHL beside QSVT (ratio of block-encoding calls).

Run: ``python benchmarks/bench_qlsa.py [--repeats 3] [--hhl-steps 1]``. Single-threaded Aer
(``QMLC_AER_THREADS``, default 1). Times depend on the machine's load; compare within a run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qiskit import QuantumCircuit, transpile  # noqa: E402

from qmlc.backends import aer_backend, cirq_backend  # noqa: E402
from qmlc.backends.qlsa_run import run_qlsa_program  # noqa: E402
from qmlc.compiler.carleman import build_carleman_system  # noqa: E402
from qmlc.compiler.pipeline import lower_to_carleman  # noqa: E402
from qmlc.compiler.polymap import make_polynomial_map  # noqa: E402
from qmlc.compiler.qlsa import build_program  # noqa: E402
from qmlc.compiler.spec import load_spec  # noqa: E402

BASIS = ["h", "s", "sdg", "t", "tdg", "x", "y", "z", "cx", "rz"]
PRIMITIVE = aer_backend.NATIVE


def clifford_t_counts(qc: QuantumCircuit, cache: dict | None = None) -> Counter:
    """Clifford+T+rz counts of ``qc``: each distinct composite transpiled once (by name)."""
    cache = {} if cache is None else cache
    total: Counter = Counter()
    loose = qc.copy_empty_like()
    for inst in qc.data:
        op = inst.operation
        if op.name not in PRIMITIVE and op.definition is not None:
            key = (op.name, op.num_qubits, len(op.definition.data))
            if key not in cache:
                cache[key] = clifford_t_counts(op.definition, cache)
            total.update(cache[key])
        else:
            loose.append(inst)
    if loose.data:
        out = transpile(loose, basis_gates=BASIS, optimization_level=0)
        total.update({k: int(v) for k, v in out.count_ops().items()})
    return total


def tiny_map_system(steps: int):
    pm = make_polynomial_map([[0.05, -0.02], [[0.6, 0.1], [-0.15, 0.5]],
                              [[0.05, 0.0, 0.02, -0.03], [0.0, 0.04, -0.02, 0.05]]],
                             [0.3, -0.2])
    return build_carleman_system(pm, 2, steps)


def _timed(fn, repeats: int):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def measure(name: str, system, algorithm: str, repeats: int) -> dict:
    compile_s, program = _timed(lambda: build_program(system, algorithm), repeats)
    counts = clifford_t_counts(program.circuit)
    flat = aer_backend.flatten(program.circuit)
    aer_s, _ = _timed(lambda: aer_backend.statevector(program.circuit), repeats)
    cirq_s, _ = _timed(lambda: cirq_backend.statevector(program.circuit), repeats)
    result = run_qlsa_program(system, program, backend="aer")
    return {
        "instance": name, "algorithm": algorithm, "dim": system.dim,
        "qubits": program.num_qubits, "depth": flat.depth(),
        "be_calls": program.meta.get("block_encoding_calls"),
        "two_qubit": counts.get("cx", 0), "t_count": counts.get("t", 0) + counts.get("tdg", 0),
        "rotations": counts.get("rz", 0),
        "compile_s": compile_s, "aer_s": aer_s, "cirq_s": cirq_s,
        "fidelity": result.fidelity, "p_success": result.success_probability,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hhl-steps", type=int, nargs="*", default=[1])
    parser.add_argument("--steps", type=int, nargs="*", default=[1, 3, 7])
    parser.add_argument("--max-qubits", type=int, default=15,
                        help="skip (and list) instances whose circuit is wider than this")
    args = parser.parse_args()

    instances = [(f"map T={t}", tiny_map_system(t)) for t in args.steps]
    for example in ("tiny_polymap.toml", "tiny_network.toml", "small_network.toml"):
        path = ROOT / "examples" / example
        if path.exists():
            instances.append((example, lower_to_carleman(load_spec(path))))
    rows, skipped = [], []
    for name, system in instances:
        width = build_program(system, "qsvt").num_qubits
        if width > args.max_qubits:
            skipped.append(f"{name} ({width} qubits)")
            continue
        rows.append(measure(name, system, "qsvt", args.repeats))
        print(f"measured {name} qsvt", file=sys.stderr, flush=True)
    for t in args.hhl_steps:
        rows.append(measure(f"map T={t}", tiny_map_system(t), "hhl", args.repeats))
        print(f"measured map T={t} hhl", file=sys.stderr, flush=True)

    header = (f"{'instance':<20}{'alg':<6}{'dim':>5}{'qubits':>7}{'depth':>8}{'BE calls':>9}"
              f"{'2q gates':>10}{'T count':>10}{'rz':>8}{'compile s':>10}{'aer s':>8}"
              f"{'cirq s':>8}{'cirq/aer':>9}{'fidelity':>10}{'p_succ':>8}")
    print(f"medians over {args.repeats} runs; Clifford+T counts: Qiskit transpile, opt. level 0")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['instance']:<20}{r['algorithm']:<6}{r['dim']:>5}{r['qubits']:>7}"
              f"{r['depth']:>8}{r['be_calls']:>9}{r['two_qubit']:>10}{r['t_count']:>10}"
              f"{r['rotations']:>8}{r['compile_s']:>10.3f}{r['aer_s']:>8.2f}{r['cirq_s']:>8.2f}"
              f"{r['cirq_s'] / r['aer_s']:>9.2f}{r['fidelity']:>10.5f}{r['p_success']:>8.4f}")
    if skipped:
        print(f"skipped (wider than --max-qubits {args.max_qubits}): {', '.join(skipped)}")
    by_key = {(r["instance"], r["algorithm"]): r for r in rows}
    for t in args.hhl_steps:
        q, h = by_key.get((f"map T={t}", "qsvt")), by_key.get((f"map T={t}", "hhl"))
        if q and h:
            print(f"map T={t}: HHL/QSVT ratios — qubits {h['qubits'] / q['qubits']:.2f}, "
                  f"two-qubit gates {h['two_qubit'] / q['two_qubit']:.2f}, T count "
                  f"{h['t_count'] / q['t_count']:.2f}, aer time {h['aer_s'] / q['aer_s']:.2f}")


if __name__ == "__main__":
    main()
