"""Time ``qmlc report`` at the headline size (n = 10⁸, T = 1000, N = 2, s = 16, ε = 10⁻³) against
what a user runs without it, measured in the same session as fresh processes:

- peer A: one ``qmlc estimate … --sweep --json`` (the requested configuration and its scaling);
- peer B: the estimates of the report's verdict table: ``qmlc estimate --algorithm all --sweep``
  (every QLSA cost model under qram, with the sweep's verdict per model) plus qsvt and jennings
  under qrom and select-swap — the numbers the report gathers, without the physical
  sensitivity, the checks and the page.

Wall-clock and CPU seconds (user + system of the child) are medians over the repeats; the
machine is shared, so the CPU column and the ratios are the figures to compare.
Run: ``python benchmarks/bench_report.py [repeats]``.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADLINE = ["--n", "1e8", "--steps", "1000", "--order", "2", "--row-sparsity", "16",
            "--epsilon", "1e-3"]


def run(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh ``qmlc`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qmlc.reports.cli", *argv], check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(repeats: int = 3) -> None:
    out = Path(tempfile.mkdtemp()) / "headline.html"
    cases = {
        "qmlc report (HTML)": [["report", *HEADLINE, "-o", str(out), "--no-progress"]],
        "peer A: estimate --sweep": [["estimate", *HEADLINE, "--sweep", "--json"]],
        "peer B: all + 4 estimates": [["estimate", *HEADLINE, "--algorithm", "all", "--sweep",
                                       "--json"]]
        + [["estimate", *HEADLINE, "--algorithm", a, "--data-access", m, "--json"]
           for a in ("qsvt", "jennings") for m in ("qrom", "select-swap")],
    }
    results = {}
    for name, commands in cases.items():
        walls, cpus = [], []
        for _ in range(repeats):
            runs = [run(argv) for argv in commands]
            walls.append(sum(w for w, _ in runs))
            cpus.append(sum(c for _, c in runs))
        results[name] = (statistics.median(walls), statistics.median(cpus))
    report_wall, report_cpu = results["qmlc report (HTML)"]
    print(f"n = 1e8, T = 1000, N = 2, s = 16, eps = 1e-3; median of {repeats} runs; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'command':<30} {'wall s':>8} {'CPU s':>8} {'report/this (CPU)':>18}")
    for name, (wall, cpu) in results.items():
        print(f"{name:<30} {wall:8.2f} {cpu:8.2f} {report_cpu / cpu:18.2f}")
    print(f"report file: {out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
