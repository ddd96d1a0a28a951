"""Small runs: per-day fixed cost and small-market throughput, current tree against a baseline.

Measures, in one invocation, the working tree this script lives in and a reference commit
(default ``feba13a``, checked out as a temporary ``git worktree``):

- the per-day fixed cost: one consumer in one region over 3,650 days, milliseconds per
  simulated day of ``model.step()`` only (set-up excluded);
- 1,000 and 10,000 consumers in three regions over 120 days: wall seconds of one
  ``run_spec`` (set-up, steps and result tables) and runs per minute.

Every measurement runs in a fresh interpreter with the measured tree first on ``sys.path``
(the project is installed editable, so the child checks which ``simulation`` it imported).
The working tree's packages are copied once at the start, so every repetition measures the
same code even while someone edits the tree (a copy that does not import, caught mid-edit,
is taken again).
Repetitions alternate the trees (baseline, current, baseline, current, ...) so drift in the
machine's load hits both; the report gives the median and the minimum of each and the ratio
baseline / current. Results go to ``benchmarks/results/small_runs.md`` and ``.json``.

    python benchmarks/small_runs.py                      # about three minutes on 2 cores
    python benchmarks/small_runs.py --baseline HEAD~3 --repeat 7
    python benchmarks/small_runs.py --cases fixed_cost   # only the per-day fixed cost
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scale import machine  # benchmarks/ is on sys.path: these are scripts run from there

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_BASELINE = "feba13a"
DEFAULT_REPEAT = 5
SEED = 1
MS_PER_S = 1_000.0
SECONDS_PER_MINUTE = 60.0
BUSY_LOAD = 0.5
"""A 1-minute load average above this before starting means other work shared the cores."""
SCHEDULED_SHARE = 0.95
"""CPU time / wall time of a measurement below this: it waited for a core."""
GIT_LOCK_RETRIES = 5
GIT_LOCK_WAIT_S = 2.0
PACKAGES = ("simulation", "experiments")
"""What a measurement imports: the packages copied from the working tree."""
SNAPSHOT_TRIES = 6
SNAPSHOT_WAIT_S = 10.0
SHORT_HASH = 12
IMPORT_CHECK = "import sys; sys.path.insert(0, sys.argv[1]); import experiments.runner"

CHILD = r"""
import json, sys, time
tree = sys.argv[1]
sys.path.insert(0, tree)
from pathlib import Path
import experiments.runner as runner
import simulation
from simulation.model import MarketModel
from simulation.spec import MarketSpec
for mod in (simulation, runner):
    if not Path(mod.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise SystemExit(f"imported {mod.__file__}, not from {tree}")
case = json.loads(sys.argv[2])
spec = MarketSpec(regions=case["regions"], n_consumers=case["n_consumers"],
                  horizon_days=case["horizon_days"])
seed = case["seed"]
out = {"imported": str(Path(simulation.__file__).resolve().parent)}
if case["kind"] == "fixed_cost":
    t0 = time.perf_counter()
    model = MarketModel(spec, rng=seed)
    t1, c1 = time.perf_counter(), time.process_time()
    days = 0
    while model.running:
        model.step()
        days += 1
    t2, c2 = time.perf_counter(), time.process_time()
    out.update(setup_s=t1 - t0, run_s=t2 - t1, cpu_s=c2 - c1, days=days,
               value=(t2 - t1) / days, cpu_value=(c2 - c1) / days)  # seconds per day
else:
    runner.run_spec(spec.model_copy(update={"horizon_days": 1}), seed)  # warm caches
    t0, c0 = time.perf_counter(), time.process_time()
    result = runner.run_spec(spec, seed)
    t1, c1 = time.perf_counter(), time.process_time()
    out.update(run_s=t1 - t0, cpu_s=c1 - c0, days=case["horizon_days"], value=t1 - t0,
               cpu_value=c1 - c0,
               **{f"runner_{k}_s": v for k, v in getattr(result, "timings", {}).items()})
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Case:
    """One measured configuration."""

    name: str
    kind: str  # "fixed_cost": ms per step; "run": wall seconds of run_spec
    regions: tuple[str, ...]
    n_consumers: int
    horizon_days: int
    unit: str

    def label(self) -> str:
        """Human description for the report."""
        what = "per-day fixed cost" if self.kind == "fixed_cost" else "run_spec wall time"
        return (f"{what}: {self.n_consumers:,} consumer(s) x {self.horizon_days:,} days, "
                f"{', '.join(self.regions)}")


FIXED_COST_DAYS = 3_650
SMALL_DAYS = 120
SMALL_REGIONS = ("BR", "ID", "DE")
CASES: tuple[Case, ...] = (
    Case("fixed_cost", "fixed_cost", ("ID",), 1, FIXED_COST_DAYS, "ms/day"),
    Case("run_1k", "run", SMALL_REGIONS, 1_000, SMALL_DAYS, "s/run"),
    Case("run_10k", "run", SMALL_REGIONS, 10_000, SMALL_DAYS, "s/run"),
)


def git(*args: str, cwd: Path = ROOT) -> str:
    """Output of a git command in the repository, retrying while another git holds the lock."""
    for attempt in range(GIT_LOCK_RETRIES):
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
        if proc.returncode == 0:
            return proc.stdout.strip()
        if "index.lock" not in proc.stderr or attempt == GIT_LOCK_RETRIES - 1:
            raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.strip()}")
        time.sleep(GIT_LOCK_WAIT_S)
    raise AssertionError("unreachable")


def snapshot(dest: Path) -> str:
    """Copy the working tree's packages to ``dest`` until the copy imports; its content hash."""
    for attempt in range(SNAPSHOT_TRIES):
        shutil.rmtree(dest, ignore_errors=True)
        for package in PACKAGES:
            shutil.copytree(ROOT / package, dest / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        check = subprocess.run([sys.executable, "-c", IMPORT_CHECK, str(dest)], cwd=dest,
                               capture_output=True, text=True)
        if check.returncode == 0:
            digest = hashlib.sha256()
            for path in sorted(dest.rglob("*")):
                if path.is_file():
                    digest.update(str(path.relative_to(dest)).encode() + path.read_bytes())
            return digest.hexdigest()[:SHORT_HASH]
        print(f"working tree does not import (attempt {attempt + 1}), retrying:\n"
              f"{check.stderr.strip().splitlines()[-1]}", flush=True)
        time.sleep(SNAPSHOT_WAIT_S)
    raise RuntimeError("the working tree did not import; is someone mid-edit?")


def min_consumers() -> int:
    """The smallest population MarketSpec accepts (1 unless its lower bound says otherwise)."""
    from simulation.spec import MarketSpec

    for meta in MarketSpec.model_fields["n_consumers"].metadata:
        bound = getattr(meta, "ge", None)
        if bound is not None:
            return max(1, int(bound))
    return 1


def measure(tree: Path, case: Case) -> dict:
    """Run one case in a fresh interpreter importing ``tree``; its measurements."""
    payload = json.dumps({"kind": case.kind, "regions": list(case.regions),
                          "n_consumers": case.n_consumers,
                          "horizon_days": case.horizon_days, "seed": SEED})
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tree), payload], cwd=tree,
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{case.name} at {tree} failed:\n{proc.stderr[-2000:]}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = (tree / "simulation").resolve()
    if Path(row["imported"]) != expected:
        raise RuntimeError(f"child imported {row['imported']}, expected {expected}")
    row["cpu_share"] = row["cpu_s"] / row["run_s"]
    if case.kind == "fixed_cost":
        row["value"] *= MS_PER_S
        row["cpu_value"] *= MS_PER_S
    return row


def summarise(samples: list[dict]) -> dict:
    """Median and minimum of the wall-clock and CPU-time values, and the least CPU share."""
    values = [s["value"] for s in samples]
    cpu = [s["cpu_value"] for s in samples]
    return {"median": statistics.median(values), "min": min(values), "values": values,
            "cpu_median": statistics.median(cpu), "cpu_min": min(cpu), "cpu_values": cpu,
            "min_cpu_share": min(s["cpu_share"] for s in samples)}


def current_commit() -> str:
    """HEAD of the working tree, marked when it has uncommitted changes to the model."""
    head = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "simulation", "experiments")
    return f"{head} + uncommitted changes" if dirty else head


def report_md(results: dict) -> str:
    """The Markdown report: table, ratios and the conditions of the measurement."""
    base, cur = results["baseline"], results["current"]
    lines = [
        "# Small runs: per-day fixed cost and small-market throughput",
        "",
        "Generated by `python benchmarks/small_runs.py`; baseline and current come from the",
        f"same invocation, {results['repeat']} repetition(s) of each, alternating the trees "
        "(baseline, current, baseline, ...), each in a fresh interpreter.",
        "",
        "| measurement | unit | baseline median (min) | current median (min) "
        "| baseline / current (median) | CPU time: baseline, current (median) | "
        "CPU-time ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in CASES:
        r = results["cases"].get(case.name)
        if r is None:
            continue
        b, c = r["baseline"], r["current"]
        lines.append(f"| {case.label()} | {case.unit} | {b['median']:.3f} ({b['min']:.3f}) | "
                     f"{c['median']:.3f} ({c['min']:.3f}) | {r['ratio_median']:.2f}x | "
                     f"{b['cpu_median']:.3f}, {c['cpu_median']:.3f} | "
                     f"{r['cpu_ratio_median']:.2f}x |")
        if case.kind == "run":
            lines.append(f"| ... runs per minute | runs/min | "
                         f"{SECONDS_PER_MINUTE / b['median']:.0f} | "
                         f"{SECONDS_PER_MINUTE / c['median']:.0f} | | | |")
    load0, load1 = results["load_before"], results["load_after"]
    busy = load0[0] > BUSY_LOAD
    least_cpu = min(min(r[t]["min_cpu_share"] for t in ("baseline", "current"))
                    for r in results["cases"].values())
    lines += [
        "",
        "- Fixed cost: `MarketModel(spec, rng=1)` then `step()` until not running; only the "
        "steps are timed (default seller, one consumer, one region).",
        "- Runs: `experiments.runner.run_spec(spec, 1)` timed whole (set-up, steps, result "
        "tables), after an untimed one-day warm-up run in the same interpreter.",
        "- CPU time is the measured process's own (`time.process_time`) over the same timed "
        "section: less sensitive than wall time to other processes on the machine, but not "
        "immune (shared caches, hypervisor steal).",
        f"- Baseline: `{base}`; current: `{cur}`.",
        f"- Machine: {results['machine']}.",
        f"- Load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in load0)} before, "
        f"{', '.join(f'{x:.2f}' for x in load1)} after; the benchmark itself keeps one core "
        "busy.",
        ("- Other processes were running during the measurement (load above "
         f"{BUSY_LOAD} before it started); the lowest CPU time / wall time of a timed "
         f"section was {least_cpu:.2f}. Compare ratios, not absolute times."
         if busy or least_cpu < SCHEDULED_SHARE else
         f"- The machine was otherwise idle; lowest CPU time / wall time {least_cpu:.2f}."),
        f"- Measured {results['date']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure both trees, alternating, and write the Markdown and JSON results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=DEFAULT_BASELINE, help="reference commit")
    ap.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="runs per tree and case")
    ap.add_argument("--cases", nargs="+", choices=[c.name for c in CASES],
                    default=[c.name for c in CASES])
    ap.add_argument("--out", type=Path, default=RESULTS / "small_runs.md",
                    help="Markdown report (the JSON goes beside it)")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT))
    n_min = min_consumers()
    cases = [c if c.n_consumers >= n_min else Case(c.name, c.kind, c.regions, n_min,
                                                   c.horizon_days, c.unit)
             for c in CASES if c.name in args.cases]
    baseline = git("rev-parse", "--short", args.baseline)
    tmp = Path(tempfile.mkdtemp(prefix="xbsim-small-runs-"))
    worktree = tmp / "baseline"
    copied = datetime.now(UTC).isoformat(timespec="seconds")
    current = f"{current_commit()}, copied {copied}, content {snapshot(tmp / 'current')}"
    git("worktree", "add", "--detach", str(worktree), baseline)
    trees = {"baseline": worktree, "current": tmp / "current"}
    samples: dict[str, dict[str, list[dict]]] = {c.name: {t: [] for t in trees} for c in cases}
    load_before = os.getloadavg()
    try:
        for rep in range(args.repeat):
            for case in cases:
                for which, tree in trees.items():
                    row = measure(tree, case)
                    samples[case.name][which].append(row)
                    print(f"[{rep + 1}/{args.repeat}] {case.name:10} {which:8} "
                          f"{row['value']:8.3f} {case.unit} (cpu share "
                          f"{row['cpu_share']:.2f})", flush=True)
    finally:
        git("worktree", "remove", "--force", str(worktree))
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = os.getloadavg()

    results = {
        "baseline": baseline, "current": current, "repeat": args.repeat,
        "seed": SEED, "machine": machine(), "load_before": load_before,
        "load_after": load_after, "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "cases": {},
    }
    for case in cases:
        b = summarise(samples[case.name]["baseline"])
        c = summarise(samples[case.name]["current"])
        results["cases"][case.name] = {
            "label": case.label(), "unit": case.unit, "baseline": b, "current": c,
            "ratio_median": b["median"] / c["median"], "ratio_min": b["min"] / c["min"],
            "cpu_ratio_median": b["cpu_median"] / c["cpu_median"],
            "samples": samples[case.name],
        }
        print(f"{case.name:10} baseline {b['median']:.3f} current {c['median']:.3f} "
              f"{case.unit}: {b['median'] / c['median']:.2f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report_md(results))
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out} and {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
