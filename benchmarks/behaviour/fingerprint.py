"""Headline metrics of the demo and of every example scenario at fixed seeds, as JSON.

A refactor that must not change behaviour records this before and after and compares:
``python benchmarks/behaviour/fingerprint.py --out before.json`` on the old code,
``... --out after.json --compare before.json`` on the new (exit 1 naming every difference).
Runs are small (the scenarios' own regions and replications' first seed, at a reduced
population) so the whole fingerprint takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from experiments.demo import demo_spec  # noqa: E402
from experiments.runner import replication_seeds, run_spec  # noqa: E402
from experiments.scenarios import load_scenarios  # noqa: E402

DEMO_CONSUMERS = 17_000
"""Demo population for the fingerprint (1,000 per region of the 17-region catalog)."""
DEMO_DAYS = 120
DEMO_SEED = 20261123
SCENARIO_CONSUMERS = 6_000
"""Population of each example scenario in the fingerprint (smaller than shipped: speed)."""
SCENARIO_DAYS = 120
SCENARIO_DIR = ROOT / "experiments" / "scenarios"


def fingerprint() -> dict[str, dict[str, float]]:
    """Run key -> {seller|region|metric: value} for the demo and every scenario."""
    out: dict[str, dict[str, float]] = {}
    runs = [("demo", demo_spec(DEMO_CONSUMERS, DEMO_DAYS), DEMO_SEED)]
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        scen = load_scenarios(path)
        seed = replication_seeds(scen.master_seed, 1)[0]
        for name, spec in scen.specs().items():
            small = spec.model_copy(update={"n_consumers": SCENARIO_CONSUMERS,
                                            "horizon_days": SCENARIO_DAYS})
            runs.append((f"{path.stem}/{name}", small, seed))
    for key, spec, seed in runs:
        summary = run_spec(spec, seed).summary
        out[key] = {f"{r.seller}|{r.region}|{r.metric}": float(r.value)
                    for r in summary.itertuples()}
        print(f"{key}: {len(out[key])} values", file=sys.stderr, flush=True)
    return out


def differences(before: dict, after: dict) -> list[str]:
    """Every value that differs (NaN equals NaN), and every key present on one side only."""
    lines = []
    for run in sorted(set(before) | set(after)):
        a, b = before.get(run, {}), after.get(run, {})
        for k in sorted(set(a) | set(b)):
            x, y = a.get(k), b.get(k)
            same = (x == y) or (x is not None and y is not None and math.isnan(x)
                                and math.isnan(y))
            if not same:
                lines.append(f"{run} {k}: {x} -> {y}")
    return lines


def main() -> int:
    """Write the fingerprint; with --compare, list differences against an earlier one."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    data = fingerprint()
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    if args.compare is None:
        return 0
    diff = differences(json.loads(args.compare.read_text()), data)
    for line in diff:
        print(line)
    print(f"{len(diff)} differences", file=sys.stderr)
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
