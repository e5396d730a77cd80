"""What an exported QLSA file costs the toolchain that reads it: OpenQASM 3 written with
standard gates and ``ctrl @`` modifiers (qmlc now) against the peer, Qiskit's own exporter
(``qiskit.qasm3.dumps``, each multi-controlled X a custom ``gate`` holding its synthesis, shared
per control count: qmlc's previous output).

For ``examples/tiny_network.toml`` and ``examples/small_network.toml`` (QSVT, default ε) each file
is written, then in a fresh process (peak RSS: ``VmHWM``, since ``resource.getrusage`` keeps the
parent's peak across fork and exec; an address-space cap of
``--cap-gb`` so a runaway import is stopped, not the machine): ``qiskit.qasm3.loads``, then
``transpile(circuit)`` with Qiskit's defaults (no target), then, with ``--device``, the IBM preset
pass manager for a fake device (level 1). One run per cell (these take minutes); ratio =
peer / qmlc. Run: ``python benchmarks/bench_qasm_export.py [--device] [--cap-gb 8]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import qiskit.qasm3

from qmlc.compiler.pipeline import lower_to_carleman
from qmlc.compiler.qasm3_writer import qasm3_text
from qmlc.compiler.qasm_export import export_form
from qmlc.compiler.qlsa import build_program
from qmlc.compiler.spec import load_spec

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEVICES = {"tiny_network": "FakeGuadalupeV2", "small_network": "FakeTorontoV2"}

_CHILD = textwrap.dedent("""
    import json, resource, sys, time
    cap = int(float(sys.argv[3]) * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import qiskit.qasm3
    from qiskit import transpile
    out = {}
    def peak_gb():  # VmHWM: getrusage's ru_maxrss keeps the parent's peak across fork/exec
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 2**20
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    def mark(key, start):
        out[key + "_s"] = time.perf_counter() - start
        out[key + "_rss_gb"] = peak_gb()
        print(json.dumps(out), flush=True)
    start = time.perf_counter()
    circuit = qiskit.qasm3.loads(open(sys.argv[1]).read())
    mark("load", start)
    start = time.perf_counter()
    if sys.argv[2] == "default":
        transpile(circuit)
    else:
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_ibm_runtime import fake_provider
        backend = getattr(fake_provider, sys.argv[2])()
        isa = generate_preset_pass_manager(optimization_level=1, backend=backend,
                                           seed_transpiler=0).run(circuit)
        out["two_qubit_gates"] = sum(1 for i in isa.data if len(i.qubits) == 2)
    mark("transpile", start)
""")


def measure(path: Path, target: str, cap_gb: float, timeout: float) -> dict:
    """The child's last JSON line (load, then transpile figures) or how it stopped."""
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), target, str(cap_gb)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        lines = (exc.stdout or b"").decode().strip().splitlines() if isinstance(
            exc.stdout, bytes) else (exc.stdout or "").strip().splitlines()
        return {**(json.loads(lines[-1]) if lines else {}), "stopped": f"> {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    out = json.loads(lines[-1]) if lines else {}
    if proc.returncode != 0:
        out["stopped"] = f"over the {cap_gb:g} GB cap" if "memory" in proc.stderr.lower() \
            or "MemoryError" in proc.stderr else f"exit {proc.returncode}"
    return out


def cell(row: dict, key: str) -> str:
    if f"{key}_s" not in row:
        return row.get("stopped", "-")
    return f"{row[f'{key}_s']:7.1f} s {row[f'{key}_rss_gb']:5.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", action="store_true", help="also transpile to a fake device")
    parser.add_argument("--cap-gb", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    print(f"peak RSS per child process (VmHWM); address space capped at {args.cap_gb:g} GB")
    print(f"{'example':14} {'writer':8} {'KB':>6} {'lines':>6}  {'qasm3.loads':>18}  "
          f"{'transpile (default)':>18}" + (f"  {'transpile to device':>30}" if args.device
                                             else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("tiny_network", "small_network"):
            program = build_program(lower_to_carleman(load_spec(EXAMPLES / f"{name}.toml")),
                                    "qsvt")
            texts = {"qiskit": qiskit.qasm3.dumps(export_form(program.circuit)),
                     "qmlc": qasm3_text(program.circuit)}
            rows = {}
            for writer, text in texts.items():
                path = Path(tmp) / f"{name}_{writer}.qasm"
                path.write_text(text)
                rows[writer] = measure(path, "default", args.cap_gb, args.timeout)
                line = (f"{name:14} {writer:8} {len(text.encode()) / 1e3:6.0f} "
                        f"{text.count(chr(10)):6d}  {cell(rows[writer], 'load'):>18}  "
                        f"{cell(rows[writer], 'transpile'):>18}")
                if args.device:
                    dev = measure(path, DEVICES[name], args.cap_gb, args.timeout)
                    gates = dev.get("two_qubit_gates")
                    line += (f"  {DEVICES[name]:>15} {cell(dev, 'transpile'):>18}"
                             + (f" {gates:,} 2q" if gates else ""))
                print(line, flush=True)
            a, b = rows["qiskit"], rows["qmlc"]
            if "load_s" in a and "load_s" in b:
                print(f"{'':14} ratio    load time {a['load_s'] / b['load_s']:.1f}x, load peak "
                      f"RSS {a['load_rss_gb'] / b['load_rss_gb']:.1f}x (qiskit / qmlc)")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
