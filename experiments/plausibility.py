"""Plausibility table: the default market's levels per region beside the public figures.

``python -m experiments.plausibility`` (or ``xbsim plausibility``) runs the headline demo's
market (one entrant in every catalog region, no lever switched on, the embedded default spec
of :func:`experiments.demo.demo_spec`) for :data:`DAYS` days with :data:`N_SEEDS` replication
seeds and writes ``docs/PLAUSIBILITY.md``: per region, each quantity's mean over the seeds
beside the figure it should resemble where the project holds one
(``experiments/validation/levels.yaml``, and the region catalog's own sourced figures), marked
``ok`` or ``outside band``. Nothing is fitted here: the table shows how far the uncalibrated
levels are from the public ones, including where they are far off.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.demo import DEMO_SEED, demo_spec
from experiments.manifest import atomic_write_text
from experiments.runner import RunResult, replication_seeds, run_spec
from simulation.metrics import FUNNEL_COLUMNS
from simulation.regions import SHIPPING_MODES, RegionTable, load_catalog
from simulation.spec import MarketSpec
from simulation.yaml_loading import load_yaml_file

ROOT = Path(__file__).resolve().parent.parent
LEVELS_FILE = ROOT / "experiments" / "validation" / "levels.yaml"
OUT_FILE = ROOT / "docs" / "PLAUSIBILITY.md"
COMMAND = "python -m experiments.plausibility"

CONSUMERS = 170_000
"""Modelled consumers in all (10,000 in each of the 17 catalog regions): enough orders per
region for a rate to mean something, and a run of a few seconds on one core."""
DAYS = 180
"""Simulated days, as in the headline demo."""
N_SEEDS = 5
"""Replications (seeds spawned from :data:`experiments.demo.DEMO_SEED`); the table shows
their mean and range. Five runs take well under two minutes on one core."""

PER_THOUSAND = 1000.0
"""Orders are reported per 1,000 consumers."""


@dataclass(frozen=True)
class Quantity:
    """One column of the plausibility table: what it is, its unit and how it is read."""

    name: str
    unit: str
    meaning: str


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("awareness", "share of consumers",
             "consumers aware of the seller (metric `awareness`)"),
    Quantity("reach", "share of consumers",
             "consumers ever touched by the seller, any channel (metric `reach`; awareness is "
             "the share that still remembers it)"),
    Quantity("customer_share", "share of consumers",
             "consumers with at least one paid order (awareness x conversion_rate)"),
    Quantity("conversion_rate", "share of aware consumers",
             "aware consumers with at least one paid order (metric `conversion_rate`)"),
    Quantity("trusting_share", "share of aware consumers",
             "aware consumers at the funnel's trust stage or beyond on the last day"),
    Quantity("orders_per_1k_online", "orders per 1,000 online consumers",
             "paid orders x 1,000 / online consumers (modelled consumers, who stand for the "
             "region's adults, x the catalog's internet share, docs/ODD.md 3.1)"),
    Quantity("customer_acquisition_cost", "USD per new customer",
             "marketing spend / new customers (metric `customer_acquisition_cost`)"),
    Quantity("cart_abandonment_rate", "share of checkouts",
             "abandoned checkouts / legitimate checkout attempts"),
    Quantity("return_rate", "share of delivered orders",
             "returned orders / orders whose return decision is made"),
    Quantity("fraud_rate", "share of paid orders",
             "fraudulent orders that passed screening / (paid orders + those)"),
    Quantity("delivery_days", "days",
             "payment to end state over every legitimate shipped parcel, lost and still "
             "moving ones included (metric `mean_shipped_parcel_days`)"),
    Quantity("delivered_days", "days",
             "payment to door over delivered parcels only (metric `mean_delivery_days`; "
             "shown for reference, not checked: it leaves lost and late parcels out)"),
    Quantity("margin", "share of GMV", "profit / GMV (ledger profit over paid order value)"),
    Quantity("touches_before_first_purchase", "touches per first purchase",
             "ads, KOL posts, live-streams and friends' shares a buyer received before her "
             "first purchase, as she still recalls them: each fades with memory "
             "(attention_decay), as in a survey of pieces seen (metric "
             "`recalled_touches_before_first_purchase`; the raw count is "
             "`touches_before_first_purchase`)"),
    Quantity("first_exposure_friend_share", "share of first purchases",
             "first purchases whose buyer first met the seller through a friend's share or "
             "invitation (metrics `first_exposure_wom_share` + `first_exposure_referral_share`)"),
    Quantity("live_viewer_share_bound", "share of online consumers",
             "live-streams watched / online consumers: an upper bound on the share of online "
             "consumers who watched one of the seller's live-streams (a viewer may watch twice)"),
)
QUANTITY_NAMES: tuple[str, ...] = tuple(q.name for q in QUANTITIES)
FRIEND_EXPOSURE_METRICS = ("first_exposure_wom_share", "first_exposure_referral_share")
"""Metrics whose sum is ``first_exposure_friend_share``: a friend's share or invitation."""

STATUS_OK = "ok"
STATUS_OUT = "outside band"
STATUS_UNDEFINED = "undefined"
STATUS_NO_FIGURE = "no figure"


@dataclass(frozen=True)
class Figure:
    """A public figure for one (region, quantity): value, band, where it comes from."""

    id: str
    value: float
    band: tuple[float, float]
    source: str
    kind: str = "level"  # 'level', 'ceiling' (band [0, value]) or 'catalog'


def load_levels(path: Path = LEVELS_FILE) -> dict[str, Any]:
    """The levels file (figures, catalog tolerances, figures not yet measured), checked."""
    data = load_yaml_file(path) or {}
    for key in ("levels", "catalog", "not_measured"):
        data.setdefault(key, [])
    for entry in [*data["levels"], *data["catalog"]]:
        if entry.get("quantity") not in QUANTITY_NAMES:
            raise ValueError(f"{path}: {entry.get('id')}: quantity {entry.get('quantity')!r} "
                             f"is not a plausibility column ({', '.join(QUANTITY_NAMES)})")
    for entry in data["levels"]:
        band = entry.get("band")
        if band is not None and not band[0] <= entry["value"] <= band[1]:
            raise ValueError(f"{path}: {entry['id']}: value outside its own band")
    return data


def figures_for(levels: dict[str, Any], regions: RegionTable, direct_mode: str | None
                ) -> dict[tuple[str, str], Figure]:
    """(region, quantity) -> the public figure to compare with (levels first, then catalog).

    Args:
        levels: the parsed levels file (:func:`load_levels`).
        regions: the modelled regions (catalog figures are read from them).
        direct_mode: the seller's direct shipping mode (its catalog days are the delivery
            figure); None when sellers differ, then no delivery figure is used.
    """
    out: dict[tuple[str, str], Figure] = {}
    for e in levels["levels"]:
        if e.get("kind") == "ceiling":
            for code, v in e["values"].items():
                out.setdefault((code, e["quantity"]),
                               Figure(e["id"], float(v), (0.0, float(v)), e["source"],
                                      "ceiling"))
            continue
        for code in e["regions"]:
            out.setdefault((code, e["quantity"]),
                           Figure(e["id"], float(e["value"]), tuple(e["band"]), e["source"]))
    for e in levels["catalog"]:
        if e["field"] == "ship_days":
            if direct_mode is None:
                continue
            values = regions.ship_days[:, SHIPPING_MODES.index(direct_mode)]
            label = f"catalog {direct_mode} days"
        else:
            values = getattr(regions, e["field"])
            label = f"catalog {e['field']}"
        tol = float(e["tolerance"])
        for code, v in zip(regions.codes, values.tolist(), strict=True):
            out.setdefault((code, e["quantity"]), Figure(
                e["id"], v, (v * (1 - tol), v * (1 + tol)),
                f"{label} (simulation/data/regions.yaml, sourced per region); band +-"
                f"{tol:.0%}: {e['tolerance_source']}", "catalog"))
    return out


def run_quantities(result: RunResult) -> pd.DataFrame:
    """One run's quantities: rows = regions (and 'all'), columns = :data:`QUANTITY_NAMES`."""
    s = result.summary
    wide = s[s["seller"] == "all"].pivot(index="region", columns="metric", values="value")
    order = list(dict.fromkeys(s["region"]))
    wide = wide.loc[order]
    f = result.funnel
    last = f[f["step"] == f["step"].max()].set_index("region")
    consumers = last[list(FUNNEL_COLUMNS)].sum(axis=1)
    aware = consumers - last["unaware"]
    trusting = last[["trusting", "buying", "sharing"]].sum(axis=1)
    consumers["all"], aware["all"], trusting["all"] = (consumers.sum(), aware.sum(),
                                                       trusting.sum())
    gmv = wide["gmv"].to_numpy(dtype=float)
    out = pd.DataFrame(index=wide.index)
    out["awareness"] = wide["awareness"]
    out["reach"] = wide["reach"]
    out["customer_share"] = wide["awareness"] * wide["conversion_rate"].fillna(0.0)
    out["conversion_rate"] = wide["conversion_rate"]
    out["trusting_share"] = _ratio(trusting.reindex(wide.index), aware.reindex(wide.index))
    online = _online(consumers)
    out["orders_per_1k_online"] = PER_THOUSAND * _ratio(wide["orders"],
                                                        online.reindex(wide.index))
    for name in ("customer_acquisition_cost", "cart_abandonment_rate", "return_rate",
                 "fraud_rate"):
        out[name] = wide[name]
    out["delivery_days"] = wide["mean_shipped_parcel_days"]
    out["delivered_days"] = wide["mean_delivery_days"]
    out["margin"] = _ratio(wide["profit"], pd.Series(gmv, index=wide.index))
    out["touches_before_first_purchase"] = wide["recalled_touches_before_first_purchase"]
    out["first_exposure_friend_share"] = sum(wide[m] for m in FRIEND_EXPOSURE_METRICS)
    live_views = wide["live_views_per_consumer"] * consumers.reindex(wide.index)
    out["live_viewer_share_bound"] = _ratio(live_views, online.reindex(wide.index))
    return out[list(QUANTITY_NAMES)]


def _online(consumers: pd.Series) -> pd.Series:
    """Online consumers per region (and 'all'): consumers x the shipped catalog's internet share."""
    catalog = load_catalog()
    regions = [c for c in consumers.index if c != "all"]
    share = pd.Series({c: catalog.regions[c].internet_share.value for c in regions})
    online = consumers[regions] * share
    online["all"] = online.sum()
    return online


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """Ratio of two series, NaN where the denominator is 0 (undefined, never a fake zero)."""
    den = den.astype(float)
    return num.astype(float) / den.where(den != 0)


def plausibility_runs(spec: MarketSpec, seeds: Sequence[int]) -> list[pd.DataFrame]:
    """Run ``spec`` once per seed; each run's quantities (:func:`run_quantities`)."""
    return [run_quantities(run_spec(spec, int(seed))) for seed in seeds]


def check_table(runs: Sequence[pd.DataFrame], figures: dict[tuple[str, str], Figure]
                ) -> pd.DataFrame:
    """Long table: one row per (region, quantity) with the model's mean, range and figure.

    Columns: region, quantity, model (mean over seeds, NaN seeds left out), lo and hi (range
    over seeds), seeds_defined, figure, band_lo, band_hi, figure_id, status.
    """
    stack = np.stack([r.to_numpy(dtype=float) for r in runs])  # (seeds, regions, quantities)
    index, columns = runs[0].index, runs[0].columns
    defined = np.isfinite(stack)
    n_defined = defined.sum(axis=0)
    with np.errstate(invalid="ignore"):
        total = np.where(defined, stack, 0.0).sum(axis=0)
        mean = np.where(n_defined > 0, total / np.maximum(n_defined, 1), np.nan)
    lo = np.where(n_defined > 0, np.where(defined, stack, np.inf).min(axis=0), np.nan)
    hi = np.where(n_defined > 0, np.where(defined, stack, -np.inf).max(axis=0), np.nan)
    rows = []
    for i, region in enumerate(index):
        for j, quantity in enumerate(columns):
            fig = figures.get((region, quantity))
            value = float(mean[i, j])
            if fig is None:
                status = STATUS_NO_FIGURE
            elif not math.isfinite(value):
                status = STATUS_UNDEFINED
            else:
                status = STATUS_OK if fig.band[0] <= value <= fig.band[1] else STATUS_OUT
            rows.append({
                "region": region, "quantity": quantity, "model": value,
                "lo": float(lo[i, j]), "hi": float(hi[i, j]),
                "seeds_defined": int(n_defined[i, j]),
                "figure": fig.value if fig else np.nan,
                "band_lo": fig.band[0] if fig else np.nan,
                "band_hi": fig.band[1] if fig else np.nan,
                "figure_id": fig.id if fig else "", "status": status,
            })
    return pd.DataFrame(rows)


def _fmt(x: float, quantity: str) -> str:
    """A value for the Markdown tables (blank for NaN; days and USD with one decimal)."""
    if not math.isfinite(x):
        return "–"
    if quantity in ("customer_acquisition_cost", "delivery_days", "delivered_days",
                    "orders_per_1k_online", "touches_before_first_purchase"):
        return f"{x:.1f}"
    return f"{x:.3f}"


def summary_lines(checks: pd.DataFrame) -> list[str]:
    """A few lines: how many checks pass, which quantities miss, the awareness range."""
    compared = checks[checks["status"].isin([STATUS_OK, STATUS_OUT, STATUS_UNDEFINED])]
    regional = checks[checks["region"] != "all"]
    counts = compared["status"].value_counts()
    lines = [f"{int(counts.get(STATUS_OK, 0))} of {len(compared)} comparisons with a public "
             f"figure are ok, {int(counts.get(STATUS_OUT, 0))} outside the band, "
             f"{int(counts.get(STATUS_UNDEFINED, 0))} undefined (no event to measure)."]
    for quantity in QUANTITY_NAMES:
        q = compared[compared["quantity"] == quantity]
        if len(q):
            out = q[q["status"] == STATUS_OUT]
            lines.append(f"- `{quantity}`: {len(q) - len(out)} of {len(q)} regions ok"
                         + (f"; outside: {', '.join(out['region'])}" if len(out) else ""))
    aw = regional[regional["quantity"] == "awareness"]["model"]
    if len(aw):
        lines.append(f"- `awareness` (no public figure): {aw.min():.2f} to {aw.max():.2f} "
                     f"across regions after the horizon.")
    return lines


def render_markdown(checks: pd.DataFrame, spec: MarketSpec, seeds: Sequence[int],
                    levels: dict[str, Any], figures: dict[tuple[str, str], Figure]) -> str:
    """docs/PLAUSIBILITY.md: header naming the command, overview, checks, sources, gaps."""
    regions = list(dict.fromkeys(checks["region"]))
    wide = checks.pivot(index="region", columns="quantity", values="model").loc[regions]
    mode = _direct_mode(spec)
    lines = [
        f"<!-- generated by `{COMMAND}` (or `xbsim plausibility`); do not edit -->",
        "# Plausibility of the default market", "",
        f"Generated by `{COMMAND}` from `experiments/plausibility.py` and the figures in "
        "`experiments/validation/levels.yaml` (copied from the project's sources with their "
        "citations) and `simulation/data/regions.yaml`. Regenerate after a change to the model.",
        "",
        f"Market: the headline demo's default spec (`experiments.demo.demo_spec`): one entrant "
        f"({len(spec.sellers)} seller, direct mode `{mode}`, no lever) in {len(spec.regions)} "
        f"regions, {spec.n_consumers:,} consumers, {spec.horizon_days} days, {len(seeds)} "
        f"seeds ({', '.join(str(s) for s in seeds)}; spawned from {DEMO_SEED}), "
        f"parameter profile `{spec.profile}`. Values are means over the seeds; a quantity "
        "undefined in a seed (no event to measure) is left out of its mean.",
        "",
        "Nothing here is fitted. **ok** means the model's mean lies inside the band of the "
        "public figure; **outside band** that it does not; *no figure* that the project holds "
        "no public figure for that quantity and region. `reach` (consumers ever touched) and "
        "`awareness` (consumers who remember the seller now) are both shown; the project "
        "holds no public figure for one entrant's reach.", "",
        "## Summary", "", *summary_lines(checks), "",
        "## Overview (model means)", "",
        "| region | " + " | ".join(QUANTITY_NAMES) + " |",
        "|---|" + "---|" * len(QUANTITY_NAMES),
    ]
    for region in regions:
        lines.append(f"| {region} | " + " | ".join(
            _fmt(float(wide.loc[region, q]), q) for q in QUANTITY_NAMES) + " |")
    lines += ["", "## Checks", "",
              "One row per region and quantity; *range* is the smallest and largest seed.", "",
              "| region | quantity | model | range | public figure | band | figure | status |",
              "|---|---|---|---|---|---|---|---|"]
    for r in checks[checks["region"] != "all"].itertuples():
        q = r.quantity
        status = f"**{r.status}**" if r.status in (STATUS_OK, STATUS_OUT) else f"*{r.status}*"
        band = (f"[{_fmt(r.band_lo, q)}, {_fmt(r.band_hi, q)}]"
                if math.isfinite(r.band_lo) else "")
        lines.append(f"| {r.region} | `{q}` | {_fmt(r.model, q)} | "
                     f"{_fmt(r.lo, q)}–{_fmt(r.hi, q)} | {_fmt(r.figure, q)} | {band} | "
                     f"{r.figure_id} | {status} |")
    lines += ["", "## Quantities", "", "| quantity | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{q.name}` | {q.unit} | {q.meaning} |" for q in QUANTITIES]
    lines += ["", "## Sources of the figures", "", "| figure | source |", "|---|---|"]
    used = dict.fromkeys(checks.loc[checks["figure_id"] != "", "figure_id"])
    sources = {f.id: f.source for f in figures.values()}
    lines += [f"| {fid} | {sources[fid]} |" for fid in used]
    lines += ["", "## Public figures the model cannot be compared with yet", "",
              "| figure | value | band | quantity | why not |", "|---|---|---|---|---|"]
    lines += [f"| {e['id']} | {e['value']} | {e['band']} | {e['quantity']} (source: "
              f"{e['source']}) | {e['why']} |" for e in levels["not_measured"]]
    return "\n".join(lines) + "\n"


def _direct_mode(spec: MarketSpec) -> str | None:
    """The sellers' direct shipping mode if they all use one (else None)."""
    modes = {s.fulfilment.direct_mode for s in spec.sellers}
    return modes.pop() if len(modes) == 1 else None


def generate(out: Path | None = OUT_FILE, spec: MarketSpec | None = None,
             seeds: Sequence[int] | None = None, levels_file: Path = LEVELS_FILE
             ) -> tuple[pd.DataFrame, str]:
    """Run the market, compare with the public figures; write the Markdown if ``out``.

    Returns:
        (checks table of :func:`check_table`, the Markdown text).
    """
    spec = spec if spec is not None else demo_spec(CONSUMERS, DAYS)
    seeds = list(seeds) if seeds is not None else replication_seeds(DEMO_SEED, N_SEEDS)
    levels = load_levels(levels_file)
    overrides = {"regions": spec.region_overrides} if spec.region_overrides else None
    catalog = load_catalog(spec.catalog, overrides)
    regions = RegionTable.from_regions(catalog.select(spec.regions))
    figures = figures_for(levels, regions, _direct_mode(spec))
    checks = check_table(plausibility_runs(spec, seeds), figures)
    text = render_markdown(checks, spec, seeds, levels, figures)
    if out is not None:
        atomic_write_text(Path(out), text)
    return checks, text


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write docs/PLAUSIBILITY.md and print the summary."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    parser.add_argument("--consumers", type=int, default=CONSUMERS)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--seeds", type=int, default=N_SEEDS)
    args = parser.parse_args(argv)
    checks, _ = generate(args.out, demo_spec(args.consumers, args.days),
                         replication_seeds(DEMO_SEED, args.seeds))
    print("\n".join(summary_lines(checks)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
