"""Benchmarks of the matrix-free Hessian analysis (``qmlc dissipation``).

1. The bundled 30 003-weight model, ``qmlc dissipation examples/digits_mlp_30k.toml --steps 100
   --every 10`` and ``qmlc estimate examples/digits_mlp_30k.toml`` (no flags), each in a fresh
   interpreter: wall and CPU time, peak resident memory of that process (``os.wait4`` rusage),
   Hessian-vector products. The tests run the same code paths on a generated net of n = 910
   (tests/pruned_nets.py, ``write_mirror_of_bundled``).
2. What makes one product and the extremes cheap, on the bundled model at θ0, same run: the CPU
   time of one product on the whole net against the net without its dead units (hidden units that
   reach no output, :func:`qmlc.compiler.network_loss.without_dead_units`); the products ARPACK
   needs for λ_min, λ_max from a random start against Lanczos restarted from the SLQ runs'
   extreme Ritz vectors (:func:`qmlc.compiler.hessian_spectrum.refine_extremes`), to the same
   relative residual.
3. The peer a user would pick for a Hessian spectrum of a JAX model, the dense route (the
   autodiff Hessian ``jax.hessian`` — qmlc's explicit path — then ``numpy.linalg.eigvalsh``),
   against qmlc's matrix-free route (SLQ with 4 probes × 50 Lanczos steps, extremes from its
   Ritz values) on pruned [64, w, w, 10] tanh MLPs of growing n, each in its own process, same
   data; ratios from the same run. Dense needs 8n² bytes for H alone: 7.2 GB at n = 30 003 (not
   run).
4. The peer a user would pick for the spectral density of a network's Hessian at this size,
   PyHessian (Yao et al., "PyHessian: Neural Networks Through the Lens of the Hessian", 2020;
   ``pip install pyhessian``, torch), run as its README shows: ``hessian(model, criterion,
   data=(X, y), cuda=False).density(iter, n_v)`` on the same pruned MLP (masks applied with
   ``torch.nn.utils.prune.custom_from_mask``, weights and data of the bundled spec), SLQ with the
   same 4 probes × 50 Lanczos steps, in torch's default float32 and in float64; against qmlc's
   SLQ on the same model at θ0. One thread for everyone, each in a fresh process, same run.
   PyHessian differentiates every parameter of the module (the pruned entries of ``weight_orig``
   and the biases too: 301 066 parameters); qmlc the 30 003 surviving weights (Liu et al.'s
   sparse training), so the spectra differ by construction (interlacing bounds qmlc's extremes by
   PyHessian's); the table compares the cost of one SLQ density.

Run: ``python benchmarks/bench_dissipation.py [--steps 100 --every 10] [--widths 64 112 144]
[--skip-bundled] [--skip-estimate] [--skip-parts] [--pyhessian]`` (``--pyhessian`` needs torch
from the ``bench`` extra and ``pip install pyhessian``).
The machine is shared: quote the ratios, which are measured back to back.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS in MiB, stdout, CPU seconds) of one child process. CPU time is
    the figure to quote on a shared machine: wall time there includes waiting for a core."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed with {proc.returncode}")
    return wall, usage.ru_maxrss / 1024.0, text, usage.ru_utime + usage.ru_stime


def bench_bundled(steps: int, every: int, plot: str | None) -> None:
    spec = ROOT / "examples" / "digits_mlp_30k.toml"
    cmd = [sys.executable, "-m", "qmlc.reports.cli", "dissipation", str(spec), "--steps",
           str(steps), "--every", str(every), "--json"] + (["--plot", plot] if plot else [])
    load = os.getloadavg()[0]
    wall, rss, out, cpu = run_measured(cmd)
    end = os.getloadavg()[0]
    data = json.loads(out)
    if plot:
        (Path(plot) / "trace.json").write_text(out)
    print(f"== qmlc dissipation {spec.name} --steps {steps} --every {every} "
          f"(n = {data['n']}, {os.cpu_count()} cores, load average {load:.1f} at start, "
          f"{end:.1f} at the end) ==")
    print(f"{'wall s':>8} {'CPU s':>7} {'peak RSS MiB':>13} {'HVPs':>6} {'CPU ms/HVP':>11} "
          f"{'final loss':>11} {'windows':>8}")
    print(f"{wall:8.1f} {cpu:7.1f} {rss:13.0f} {data['hessian_vector_products']:>6} "
          f"{1000 * cpu / data['hessian_vector_products']:11.1f} {data['final_loss']:11.4g} "
          f"{len(data['windows']):>8}")


def bench_estimate() -> None:
    spec = ROOT / "examples" / "digits_mlp_30k.toml"
    cmd = [sys.executable, "-m", "qmlc.reports.cli", "estimate", str(spec), "--json"]
    load = os.getloadavg()[0]
    wall, rss, out, cpu = run_measured(cmd)
    end = os.getloadavg()[0]
    data = json.loads(out)
    model = data["assumptions"]["model_statistics"]
    print(f"\n== qmlc estimate {spec.name} (no flags; n = {data['n']}, T = {data['steps']}, "
          f"load average {load:.1f} at start, {end:.1f} at the end) ==")
    print(f"{'wall s':>8} {'CPU s':>7} {'peak RSS MiB':>13} {'HVPs':>6} {'G1 rows':>8} "
          f"{'kappa':>7} {'T-count/solve':>14}")
    print(f"{wall:8.1f} {cpu:7.1f} {rss:13.0f} {model['hessian_vector_products']:>6} "
          f"{model['g1_row_sparsity']['value']:>8} {data['kappa']:7.4g} {data['t_count']:14.3g}")


def bench_parts() -> None:
    import numpy as np

    from qmlc.compiler import network_loss as nl
    from qmlc.compiler.dissipation_trace import RITZ_TOLERANCE
    from qmlc.compiler.hessian_spectrum import extreme_eigenvalues, refine_extremes, slq_run
    from qmlc.compiler.network_spec import load_network
    from qmlc.compiler.spec import load_spec

    problem = load_network(load_spec(ROOT / "examples" / "digits_mlp_30k.toml"), explicit=False)
    theta = problem.theta0
    oracle = nl.loss_oracle(problem)
    args, kw = nl._problem_args(problem)
    v = np.random.default_rng(0).standard_normal(problem.n)

    def whole() -> np.ndarray:
        with nl._x64():
            return np.asarray(nl._kernels().hvp(theta, v, *args, **kw))

    def trimmed() -> np.ndarray:
        return oracle.hvp(theta, v)

    gap = float(np.abs(whole() - trimmed()).max())       # also compiles both
    times = {"whole": [], "trimmed": []}
    for _ in range(5):                                   # interleaved rounds, medians
        for name, fn in (("whole", whole), ("trimmed", trimmed)):
            start = time.process_time()
            for _ in range(3):
                fn()
            times[name].append((time.process_time() - start) / 3)
    whole_ms, trimmed_ms = (1000 * float(np.median(times[k])) for k in ("whole", "trimmed"))
    live = nl.without_dead_units(problem)[0]
    print("\n== one Hessian-vector product at theta0 (CPU ms, median of 5 x 3, same run) ==")
    print(f"{'whole net':>10} {'dead units dropped':>19} {'ratio':>6} {'layers':>18} "
          f"{'max |difference|':>17}")
    print(f"{whole_ms:10.1f} {trimmed_ms:19.1f} {whole_ms / trimmed_ms:6.2f} "
          f"{str(live.layers):>18} {gap:17.1e}")

    def matvec(x: np.ndarray) -> np.ndarray:
        return oracle.hvp(theta, x)

    run = slq_run(matvec, problem.n, probes=2, steps=40, seed=0)
    lo, res_lo, hi, res_hi = run.density.ritz_extremes()
    restart = refine_extremes(matvec, [run.lo_vector, run.hi_vector], RITZ_TOLERANCE, 200)
    arpack = extreme_eigenvalues(matvec, problem.n, tol=RITZ_TOLERANCE)
    print(f"\n== lambda_min, lambda_max at theta0 to residual <= {RITZ_TOLERANCE:g} max|theta| "
          "(after SLQ 2 x 40, as qmlc estimate) ==")
    print(f"{'method':>44} {'HVPs':>5} {'lambda_min':>12} {'lambda_max':>11}")
    print(f"{'SLQ Ritz values (residuals ' + f'{res_lo:.1e}, {res_hi:.1e})':>44} {80:>5} "
          f"{lo:12.7f} {hi:11.7f}")
    print(f"{'+ restart from the Ritz vectors':>44} {restart.matvecs:>5} "
          f"{restart.lambda_min:12.7f} {restart.lambda_max:11.7f}")
    print(f"{'+ ARPACK eigsh, random start (before)':>44} {arpack.matvecs:>5} "
          f"{arpack.lambda_min:12.7f} {arpack.lambda_max:11.7f}")


def _write_net(directory: Path, width: int) -> Path:
    from tests.pruned_nets import write_pruned_net

    return write_pruned_net(directory, (64, width, width, 10), seed=width, keep=0.1,
                            activation="tanh", loss="cross-entropy", samples=256)


def child(mode: str, spec: str) -> None:
    """One measurement in a fresh process: prints JSON {n, seconds, lambda_min, lambda_max}."""
    import numpy as np

    from qmlc.compiler.hessian_spectrum import slq_density
    from qmlc.compiler.network_loss import loss_derivatives, loss_oracle
    from qmlc.compiler.network_spec import load_network
    from qmlc.compiler.spec import load_spec

    problem = load_network(load_spec(spec), explicit=False)
    theta = problem.theta_init
    start = time.perf_counter()
    if mode == "dense":
        hess = loss_derivatives(problem, theta, third=False).hess
        eig = np.linalg.eigvalsh(0.5 * (hess + hess.T))
        lo, hi = float(eig[0]), float(eig[-1])
    else:
        oracle = loss_oracle(problem)
        density = slq_density(lambda v: oracle.hvp(theta, v), problem.n, probes=4, steps=50)
        lo, _, hi, _ = density.ritz_extremes()
    print(json.dumps({"n": problem.n, "seconds": time.perf_counter() - start,
                      "lambda_min": lo, "lambda_max": hi}))


ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}


def slq_child(mode: str) -> None:
    """One SLQ density (4 probes x 50 Lanczos steps) of the bundled model at theta0 in this
    process: ``qmlc`` (its matrix-free SLQ), ``pyhessian32`` / ``pyhessian64`` (PyHessian on the
    same pruned torch MLP); prints JSON {parameters, seconds (CPU, after one warm-up product),
    loss, lambda_min, lambda_max}."""
    import numpy as np

    from qmlc.compiler.network_spec import load_network
    from qmlc.compiler.spec import load_spec

    probes, steps = 4, 50
    problem = load_network(load_spec(ROOT / "examples" / "digits_mlp_30k.toml"), explicit=False)
    if mode == "qmlc":
        from qmlc.compiler.hessian_spectrum import slq_density
        from qmlc.compiler.network_loss import loss_oracle

        oracle = loss_oracle(problem)
        theta = problem.theta0
        loss, _ = oracle.value_and_grad(theta)
        oracle.hvp(theta, np.ones(problem.n))                      # JIT compilation
        start = time.process_time()
        density = slq_density(lambda v: oracle.hvp(theta, v), problem.n, probes, steps)
        seconds = time.process_time() - start
        lo, _, hi, _ = density.ritz_extremes()
        parameters = problem.n
    else:
        import torch
        import torch.nn.utils.prune
        from pyhessian import hessian

        # PyHessian 0.1 (its PyPI release) diagonalizes its Lanczos tridiagonal T with
        # torch.eig, which torch 2 turned into an error: the same (eigenvalues as the first
        # column, vectors) from torch.linalg.eigh of the symmetric T, microseconds at 50 x 50
        def eig(a, eigenvectors=False):
            values, vectors = torch.linalg.eigh(a)
            return torch.stack([values, torch.zeros_like(values)], dim=1), vectors

        torch.eig = eig
        torch.set_num_threads(1)
        dtype = torch.float32 if mode == "pyhessian32" else torch.float64
        arrays = np.load(ROOT / "examples" / "digits_mlp_30k_weights.npz")
        data = np.load(ROOT / "examples" / "digits_mlp_30k_data.npz")
        sizes = [64, 512, 512, 10]
        layers = []
        for i in range(3):
            linear = torch.nn.Linear(sizes[i], sizes[i + 1]).to(dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(arrays[f"W{i + 1}"]))
                linear.bias.copy_(torch.tensor(arrays[f"b{i + 1}"]))
            torch.nn.utils.prune.custom_from_mask(
                linear, "weight", torch.tensor(arrays[f"mask_W{i + 1}"] != 0))
            layers += [linear] + ([torch.nn.Tanh()] if i < 2 else [])
        model = torch.nn.Sequential(*layers)
        X = torch.tensor(data["X"], dtype=dtype)
        y = torch.tensor(data["Y"].argmax(axis=1))
        criterion = torch.nn.CrossEntropyLoss()
        loss = float(criterion(model(X), y))
        torch.manual_seed(0)
        start = time.process_time()
        comp = hessian(model, criterion, data=(X, y), cuda=False)
        eigen, _ = comp.density(iter=steps, n_v=probes)
        seconds = time.process_time() - start
        lo, hi = min(min(e) for e in eigen), max(max(e) for e in eigen)
        parameters = sum(p.numel() for p in comp.params)
    print(json.dumps({"parameters": parameters, "seconds": seconds, "loss": float(loss),
                      "lambda_min": float(lo), "lambda_max": float(hi)}))


def bench_pyhessian() -> None:
    print("\n== one SLQ density (4 probes x 50 Lanczos steps, full reorthogonalization) of the "
          "bundled model at theta0: qmlc vs PyHessian, 1 thread each, fresh processes ==")
    print(f"{'contender':>22} {'parameters':>11} {'CPU s':>7} {'ms/HVP':>7} {'vs qmlc':>8} "
          f"{'peak MiB':>9} {'loss':>8} {'lambda_min':>11} {'lambda_max':>11}")
    env = {**os.environ, **ONE_THREAD}
    rows = {}
    for mode in ("qmlc", "pyhessian32", "pyhessian64"):
        cmd = [sys.executable, __file__, "--slq-child", mode]
        _, rss, out, _ = run_measured(cmd, env)
        rows[mode] = (json.loads(out.strip().splitlines()[-1]), rss)
    base = rows["qmlc"][0]["seconds"]
    names = {"qmlc": "qmlc (float64, JAX)", "pyhessian32": "PyHessian float32",
             "pyhessian64": "PyHessian float64"}
    for mode, (r, rss) in rows.items():
        print(f"{names[mode]:>22} {r['parameters']:>11,} {r['seconds']:7.1f} "
              f"{1000 * r['seconds'] / 200:7.1f} {r['seconds'] / base:8.2f} {rss:9.0f} "
              f"{r['loss']:8.5f} {r['lambda_min']:11.5f} {r['lambda_max']:11.5f}")
    print("CPU seconds of the SLQ alone (qmlc after one warm-up product for JIT; PyHessian "
          "including its first backward with create_graph); peak MiB of the whole process; "
          "PyHessian's Hessian is over every parameter of the module, qmlc's over the surviving "
          "weights; the loss column checks that both evaluate the same model; load average " +
          ", ".join(f"{x:.2f}" for x in os.getloadavg()))


def bench_peer(widths: list[int]) -> None:
    print("\n== Hessian spectrum: matrix-free SLQ (4 x 50) vs dense jax.hessian + eigvalsh ==")
    print(f"{'n':>7} {'dense CPU s':>12} {'dense MiB':>10} {'SLQ CPU s':>10} {'SLQ MiB':>8} "
          f"{'CPU ratio':>10} {'mem ratio':>10} {'|dlambda_max|':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for width in widths:
            spec = _write_net(Path(tmp) / f"w{width}", width)
            rows = {}
            for mode in ("dense", "matrix-free"):
                cmd = [sys.executable, __file__, "--child", mode, str(spec)]
                _, rss, out, cpu = run_measured(cmd)
                rows[mode] = (json.loads(out.strip().splitlines()[-1]), rss, cpu)
            (d, d_rss, d_cpu), (m, m_rss, m_cpu) = rows["dense"], rows["matrix-free"]
            print(f"{d['n']:>7} {d_cpu:12.1f} {d_rss:10.0f} {m_cpu:10.1f} {m_rss:8.0f} "
                  f"{d_cpu / m_cpu:10.2f} {d_rss / m_rss:10.2f} "
                  f"{abs(d['lambda_max'] - m['lambda_max']):14.2e}")
    print("CPU seconds of the whole child process (imports and JIT included in both); dense at "
          "n = 30003 needs 8 n^2 = 7.2 GB for H alone (not run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--widths", type=int, nargs="*", default=[64, 112, 144])
    parser.add_argument("--skip-bundled", action="store_true")
    parser.add_argument("--skip-estimate", action="store_true")
    parser.add_argument("--skip-parts", action="store_true")
    parser.add_argument("--plot", default=None, help="also write the bundled run's panels and JSON here")
    parser.add_argument("--pyhessian", action="store_true",
                        help="also the PyHessian peer (needs torch and pyhessian)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "SPEC"), help=argparse.SUPPRESS)
    parser.add_argument("--slq-child", metavar="MODE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.slq_child:
        slq_child(args.slq_child)
        return
    if not args.skip_bundled:
        bench_bundled(args.steps, args.every, args.plot)
    if not args.skip_estimate:
        bench_estimate()
    if not args.skip_parts:
        bench_parts()
    if args.widths:
        bench_peer(args.widths)
    if args.pyhessian:
        bench_pyhessian()


if __name__ == "__main__":
    main()
