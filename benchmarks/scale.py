"""Scale benchmark: consumer-steps per second, wall time and peak memory by population size.

Usage: ``python benchmarks/scale.py [--sizes 10000 100000 1000000] [--days 365]``.

Every size runs in a fresh subprocess (so peak memory is that run's own) on the default
spec (all catalog regions, one seller, all five agent types, data collection on). The
per-agent reference model (tests/reference/per_agent.py) runs side by side in the same
invocation at the reference size, and the ratio of consumer-steps per second is reported.
Results go to ``benchmarks/results/scale.md`` (table) and ``scale.png`` (cost curve).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from simulation.model import MarketModel
from simulation.spec import MarketSpec
from tests.reference.per_agent import PerAgentMarketModel
n, days, kind = {n}, {days}, {kind!r}
cls = PerAgentMarketModel if kind == "reference" else MarketModel
t0 = time.perf_counter()
m = cls(MarketSpec(n_consumers=n, horizon_days=days), rng=1)
t1 = time.perf_counter()
while m.running:
    m.step()
t2 = time.perf_counter()
frames = m.datacollector.get_model_vars_dataframe()
print(json.dumps(dict(kind=kind, n=n, days=days, setup_s=t1 - t0, run_s=t2 - t1,
                      total_s=t2 - t0, peak_rss_gib=resource.getrusage(
                          resource.RUSAGE_SELF).ru_maxrss / 2**20,
                      ties=int(m.graph.n_edges), orders=int(m.orders.created),
                      kols=len(m.kols), collected_days=len(frames))))
"""


def run_one(n: int, days: int, kind: str) -> dict:
    """Run one size in a fresh interpreter and return its measurements."""
    code = CHILD.format(root=str(ROOT), n=n, days=days, kind=kind)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["consumer_steps_per_s"] = n * days / row["run_s"]
    return row


def machine() -> str:
    """One line describing the machine the numbers come from."""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line)
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python "
            f"{platform.python_version()}, {platform.system()} {platform.machine()}")


def main() -> None:
    """Run the benchmark and write the results table and figure."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--reference-size", type=int, default=100_000)
    ap.add_argument("--reference-days", type=int, default=60)
    args = ap.parse_args()

    rows = []
    ref = run_one(args.reference_size, args.reference_days, "reference")
    same = run_one(args.reference_size, args.reference_days, "vectorised")
    for n in args.sizes:
        rows.append(run_one(n, args.days, "vectorised"))
        r = rows[-1]
        print(f"{n:>9,} consumers x {args.days} days: setup {r['setup_s']:.1f} s, run "
              f"{r['run_s']:.1f} s, {r['consumer_steps_per_s']:,.0f} consumer-steps/s, peak "
              f"{r['peak_rss_gib']:.2f} GiB", flush=True)
    ratio_same = same["consumer_steps_per_s"] / ref["consumer_steps_per_s"]
    ratio_big = rows[-1]["consumer_steps_per_s"] / ref["consumer_steps_per_s"]

    lines = [
        "# Scale benchmark",
        "",
        f"Machine: {machine()}. Command: `python benchmarks/scale.py` (one invocation; each "
        "size in a fresh process). Default spec: 17 regions, one seller, 100 KOLs per region, "
        "data collection on.",
        "",
        "| consumers | days | ties | set-up (s) | run (s) | total (s) | consumer-steps/s "
        "| run s per 1M consumer-steps | peak memory (GiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['days']} | {r['ties']:,} | {r['setup_s']:.1f} | "
            f"{r['run_s']:.1f} | {r['total_s']:.1f} | {r['consumer_steps_per_s']:,.0f} | "
            f"{1e6 / r['consumer_steps_per_s']:.3f} | {r['peak_rss_gib']:.2f} |")
    lines += [
        "",
        "Per-agent reference (`tests/reference/per_agent.py`, the same consumer dynamics "
        "written agent by agent with `AgentSet.do`), measured in the same invocation:",
        "",
        "| model | consumers | days | consumer-steps/s |",
        "|---|---:|---:|---:|",
        f"| per-agent reference | {ref['n']:,} | {ref['days']} | "
        f"{ref['consumer_steps_per_s']:,.0f} |",
        f"| vectorised | {same['n']:,} | {same['days']} | {same['consumer_steps_per_s']:,.0f} |",
        "",
        f"Speed-up at equal size: **{ratio_same:.0f}x**; vectorised at "
        f"{rows[-1]['n']:,} consumers against the reference: **{ratio_big:.0f}x**.",
        "",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.md").write_text("\n".join(lines))
    (RESULTS / "scale.json").write_text(json.dumps(
        {"rows": rows, "reference": ref, "vectorised_at_reference_size": same}, indent=2))
    plot(rows)
    print("\n".join(lines))


def plot(rows: list[dict]) -> None:
    """Run time against consumers and against ties, log-log, with the linear guide."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, key, label in ((axes[0], "n", "consumers"), (axes[1], "ties", "social ties")):
        x = [r[key] for r in rows]
        y = [r["run_s"] for r in rows]
        ax.loglog(x, y, "o-", label="run time")
        ax.loglog(x, [y[0] * xi / x[0] for xi in x], "k--", lw=1, label="linear")
        ax.set(xlabel=label, ylabel="seconds for the horizon", title=f"cost vs {label}")
        ax.legend()
    fig.savefig(RESULTS / "scale.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
