"""Validation against stylized facts: does the model reproduce what the literature reports.

Each fact (``experiments/validation/facts.yaml``, extensible with a user's own file) names a
lever, a metric and a target band. For every fact the baseline market and the same market with
the lever switched on run with the same replication seeds (common random numbers); the model's
effect gets a 95% confidence interval and is compared with the band. Baseline and treatment
runs are cached by (spec, seed), so facts sharing a market (or a lever) share their runs.

Effects:

* ``relative``: ratio of means minus one, mean(T) / mean(B) - 1. Its CI is a paired delta
  method on the log ratio: per seed i the linearised value z_i = T_i / mean(T) - B_i / mean(B)
  has standard error sd(z) / sqrt(n), and the interval exp(log ratio +- t_{n-1} se) - 1. The
  ratio of means is used rather than the mean of per-seed ratios, which is biased upward
  when the baseline is noisy (Jensen), and the pairing keeps the common-random-number gain.
* ``absolute_change``: mean paired difference T_i - B_i with a t interval.
* ``level``: each arm's mean with a t interval (e.g. fraud rate with and without the lever).

A fact passes when its point estimate lies inside the band (each arm for level facts); the
table also says whether the CI overlaps the band. A fact marked ``input_parameter`` is
reproduced by construction: the model takes the figure as an input, and validation only
checks that the measured share matches it.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from scipy import stats

from experiments.intervals import CONFIDENCE, t_interval
from experiments.manifest import atomic_write_text, build_manifest, spec_hash, write_manifest
from experiments.plotting import new_figure
from experiments.runner import replication_seeds, run_spec
from experiments.scenarios import merge_patch
from simulation.levers import Levers
from simulation.metrics import METRIC_NAMES
from simulation.model import MarketModel
from simulation.spec import MarketSpec, check_region_references, format_validation_error
from simulation.yaml_loading import load_yaml_file

VALIDATION_DIR = Path(__file__).resolve().parent / "validation"
"""Folder of the shipped validation targets (facts, calibration settings, README)."""

FACTS_FILE = VALIDATION_DIR / "facts.yaml"
"""The shipped facts, with their sources."""

_STRICT = ConfigDict(frozen=True, extra="forbid")


# --- measures that are consumer traits rather than outcome metrics ---------------------------
def _green_share(model: MarketModel) -> float:
    return float(np.mean(model.population.green))


POPULATION_MEASURES: dict[str, Callable[[MarketModel], float]] = {
    "share_willing_to_pay_green_premium": _green_share,
}
"""Measures read from the consumer population at set-up (traits drawn once, not outcomes).

They need no simulated days: the model is built with the seed and the trait is counted.
"""


# --- the facts file ---------------------------------------------------------------------------
def _ordered_band(band: tuple[float, float]) -> tuple[float, float]:
    if not band[0] < band[1]:
        raise ValueError(f"lower bound {band[0]} must be below upper bound {band[1]}")
    return band


def _value_in_band(value: float | None, band: tuple[float, float], name: str) -> None:
    if value is not None and not band[0] <= value <= band[1]:
        raise ValueError(f"{name} {value} lies outside its band [{band[0]}, {band[1]}]")


OrderedBand = Annotated[tuple[float, float], AfterValidator(_ordered_band)]
"""A closed interval [low, high] with low < high."""


class Band(BaseModel):
    """A target value with the band the model should land in."""

    model_config = _STRICT

    value: float | None = Field(None, description="the figure reported in the source")
    band: OrderedBand

    @model_validator(mode="after")
    def _inside(self) -> Band:
        _value_in_band(self.value, self.band, "value")
        return self


class RelativeTarget(BaseModel):
    """Relative change of the metric's mean, (treatment - baseline) / baseline."""

    model_config = _STRICT

    kind: Literal["relative"]
    effect: float | None = None
    band: OrderedBand

    @model_validator(mode="after")
    def _inside(self) -> RelativeTarget:
        _value_in_band(self.effect, self.band, "effect")
        return self


class AbsoluteTarget(BaseModel):
    """Change of the metric's mean in its own unit, treatment - baseline (paired)."""

    model_config = _STRICT

    kind: Literal["absolute_change"]
    change: float | None = None
    band: OrderedBand
    unit: str = ""

    @model_validator(mode="after")
    def _inside(self) -> AbsoluteTarget:
        _value_in_band(self.change, self.band, "change")
        return self


class LevelTarget(BaseModel):
    """The metric's mean in the baseline and/or the treatment arm."""

    model_config = _STRICT

    kind: Literal["level"]
    baseline: Band | None = None
    treatment: Band | None = None

    @model_validator(mode="after")
    def _some_arm(self) -> LevelTarget:
        if self.baseline is None and self.treatment is None:
            raise ValueError("give a band for baseline, treatment or both")
        return self


Target = Annotated[RelativeTarget | AbsoluteTarget | LevelTarget, Field(discriminator="kind")]


class Fact(BaseModel):
    """One stylized fact and how the model is tested against it."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="unique identifier")
    claim: str = Field(min_length=1, description="what the source says, in words")
    source: str = Field(min_length=1, description="where the figure comes from")
    lever: dict[str, Any] | None = Field(
        None, description="SellerSpec.levers mapping switched on in the treatment arm")
    metric: str = Field(min_length=1)
    target: Target
    seller: str | None = Field(None, description="seller with the lever; None: the first")
    region: str = Field("all", description="region code the metric is read in, or 'all'")
    market: dict[str, Any] = Field(default_factory=dict, description="patch of the market")
    mechanism: list[str] = Field(default_factory=list, description="metrics shown as the path")
    input_parameter: str | None = Field(
        None, description="parameter the model takes this figure from (reproduced by construction)")
    note: str = ""
    limitation: str = Field("", description="known reason the model may miss the fact")

    @property
    def by_construction(self) -> bool:
        """True when the model takes the fact as an input (nothing to reproduce)."""
        return self.input_parameter is not None


class FactsFile(BaseModel):
    """A validated facts file: the shared market, seeds and the facts."""

    model_config = _STRICT

    version: int = 1
    market: dict[str, Any] = Field(default_factory=dict)
    replications: int = Field(10, ge=2, le=10_000)
    master_seed: int = Field(20260404, ge=0)
    facts: list[Fact] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> FactsFile:
        ids = [f.id for f in self.facts]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"facts: duplicate id(s) {dupes}")
        return self

    def fact(self, fact_id: str) -> Fact:
        """The fact with this id (KeyError naming the known ids otherwise)."""
        for f in self.facts:
            if f.id == fact_id:
                return f
        raise KeyError(f"no fact {fact_id!r}; known: {[f.id for f in self.facts]}")

    def subset(self, ids: Sequence[str]) -> FactsFile:
        """The same file with only the facts named (errors name an unknown id)."""
        chosen = [self.fact(i) for i in ids]
        return self.model_copy(update={"facts": chosen})


class FactsError(ValueError):
    """A facts file that does not validate; one line per problem, naming fact and field."""


def _fact_label(raw: Any, index: int) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
        return f"facts[{raw['id']}]"
    return f"facts[{index}]"


def fact_problems(fact: Fact) -> list[str]:
    """What is wrong with a structurally valid fact, as ``field: message`` lines."""
    from simulation.parameters import ModelParameters

    problems = []
    known = set(METRIC_NAMES) | set(POPULATION_MEASURES)
    if fact.metric not in known:
        problems.append(f"metric: unknown metric {fact.metric!r}; known: {sorted(known)}")
    bad = [m for m in fact.mechanism if m not in METRIC_NAMES]
    if bad:
        problems.append(f"mechanism: unknown metric(s) {bad}; known: {list(METRIC_NAMES)}")
    target = fact.target
    needs_lever = not isinstance(target, LevelTarget) or target.treatment is not None
    if needs_lever and not fact.lever:
        problems.append(f"lever: a {target.kind} target with a treatment arm needs a lever "
                        "to switch on")
    if not needs_lever and fact.lever:
        problems.append("lever: a baseline-only level target has no treatment arm; remove "
                        "the lever or give a treatment band")
    if fact.metric in POPULATION_MEASURES and needs_lever:
        problems.append(f"target: {fact.metric} is a population trait; give only a "
                        "baseline level")
    if fact.lever:
        try:
            Levers.model_validate(fact.lever)
        except ValidationError as e:
            problems += format_validation_error(e, prefix="lever.").splitlines()
    if fact.input_parameter is not None and (
            fact.input_parameter not in ModelParameters.model_fields):
        problems.append(f"input_parameter: {fact.input_parameter!r} is not a model parameter")
    return problems


def parse_facts(data: Mapping[str, Any], origin: str = "facts") -> FactsFile:
    """Validate a facts mapping; every error names the fact (by id) and the field.

    Raises:
        FactsError: one line per problem, e.g. ``facts[x].target.relative.band: ...``.
    """
    if not isinstance(data, Mapping):
        raise FactsError(f"{origin}: expected a mapping at the top level")
    raw_facts = data.get("facts")
    if not isinstance(raw_facts, list) or not raw_facts:
        raise FactsError(f"{origin}: 'facts' must be a non-empty list")
    problems: list[str] = []
    facts: list[Fact] = []
    for i, raw in enumerate(raw_facts):
        label = _fact_label(raw, i)
        try:
            fact = Fact.model_validate(raw)
        except ValidationError as e:
            problems.append(format_validation_error(e, prefix=f"{label}."))
            continue
        problems += [f"{label}.{p}" for p in fact_problems(fact)]
        facts.append(fact)
    if problems:
        raise FactsError(f"{origin}:\n" + "\n".join(problems))
    try:
        head = FactsFile.model_validate({**data, "facts": facts})
    except ValidationError as e:
        raise FactsError(f"{origin}:\n" + format_validation_error(e)) from None
    # Every fact's markets must be valid specs (errors name the fact).
    for f in head.facts:
        try:
            fact_specs(head, f)
        except ValidationError as e:
            problems.append(format_validation_error(e, prefix=f"facts[{f.id}].market."))
        except ValueError as e:
            problems.append(f"facts[{f.id}].{e}")
    if problems:
        raise FactsError(f"{origin}:\n" + "\n".join(problems))
    return head


def _read_yaml(path: Path | str) -> dict[str, Any]:
    data = load_yaml_file(path) or {}  # strict: duplicate keys are refused
    if not isinstance(data, dict):
        raise FactsError(f"{path}: expected a mapping at the top level")
    return data


def load_facts(user: Path | str | None = None, shipped: bool = True) -> FactsFile:
    """The shipped facts, merged with a user's facts file if given.

    User facts replace shipped facts with the same id and are otherwise added; the user's
    ``market``, ``replications`` and ``master_seed`` (if present) replace the shipped ones.
    With ``shipped=False`` only the user's file is used.
    """
    if not shipped and user is None:
        raise FactsError("no facts: give a facts file or use the shipped ones")
    data = _read_yaml(FACTS_FILE) if shipped else {}
    origin = str(FACTS_FILE) if shipped else str(user)
    if user is not None:
        extra = _read_yaml(user)
        origin = str(user)
        merged = {k: v for k, v in data.items() if k != "facts"}
        merged.update({k: v for k, v in extra.items() if k != "facts"})
        mine = extra.get("facts") or []
        if not isinstance(mine, list):
            raise FactsError(f"{user}: 'facts' must be a list")
        theirs = {f.get("id"): f for f in mine if isinstance(f, Mapping)}
        base = [theirs.pop(f["id"]) if f.get("id") in theirs else f
                for f in data.get("facts", [])]
        merged["facts"] = base + [f for f in mine
                                  if not isinstance(f, Mapping) or f.get("id") in theirs]
        data = merged
    return parse_facts(data, origin)


# --- specs of a fact ---------------------------------------------------------------------------
def fact_market(facts: FactsFile, fact: Fact, parameters: Mapping[str, float] | None = None
                ) -> dict[str, Any]:
    """The baseline market mapping of a fact: shared market, fact patch, parameter overlay.

    ``parameters`` (a full or partial parameter mapping) goes under the market's own
    ``parameters:``, which win over it.
    """
    market = merge_patch(facts.market, fact.market)
    if parameters is not None:
        market["parameters"] = {**dict(parameters), **market.get("parameters", {})}
    return market


def fact_seller(market: Mapping[str, Any], fact: Fact) -> str:
    """The seller that pulls the fact's lever (default: the market's first seller)."""
    sellers = market.get("sellers") or [{}]
    names = [s.get("name", "entrant") for s in sellers]
    if fact.seller is None:
        return names[0]
    if fact.seller not in names:
        raise ValueError(f"seller: {fact.seller!r} is not a seller of the market ({names})")
    return fact.seller


def fact_specs(facts: FactsFile, fact: Fact, parameters: Mapping[str, float] | None = None
               ) -> tuple[MarketSpec, MarketSpec | None]:
    """Baseline and treatment specs of a fact (treatment None when there is no lever)."""
    market = fact_market(facts, fact, parameters)
    market.setdefault("sellers", [{"name": "entrant"}])
    seller = fact_seller(market, fact)
    baseline = MarketSpec.model_validate(market)
    if fact.region != "all" and baseline.regions is not None and (
            fact.region not in baseline.regions):
        raise ValueError(f"region: {fact.region!r} is not a region of the market "
                         f"({baseline.regions})")
    if not fact.lever:
        return baseline, None
    patch = {"sellers": {seller: {"levers": copy.deepcopy(fact.lever)}}}
    treatment = MarketSpec.model_validate(merge_patch(market, patch))
    if treatment.regions is not None:
        check_region_references(treatment, list(treatment.regions))
    return baseline, treatment


# --- statistics --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% confidence interval and the number of paired seeds."""

    value: float
    ci_low: float
    ci_high: float
    n: int


def _paired(base: Sequence[float], treat: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    b = np.asarray(base, dtype=float)
    t = np.asarray(treat, dtype=float)
    if b.shape != t.shape:
        raise ValueError(f"paired arrays differ in length: {b.shape} vs {t.shape}")
    keep = np.isfinite(b) & np.isfinite(t)
    return b[keep], t[keep]


def relative_effect(base: Sequence[float], treat: Sequence[float]) -> Estimate:
    """Ratio of means minus one with a paired delta-method CI on the log ratio.

    Per seed the linearised log ratio is z_i = T_i / mean(T) - B_i / mean(B); the interval is
    exp(log(mean T / mean B) +- t_{n-1, 0.975} sd(z) / sqrt(n)) - 1. NaN when a mean is not
    positive (a ratio of means of signed quantities has no log).
    """
    b, t = _paired(base, treat)
    n = len(b)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mb, mt = float(b.mean()), float(t.mean())
    if mb <= 0 or mt <= 0:
        point = mt / mb - 1.0 if mb != 0 else math.nan
        return Estimate(point, math.nan, math.nan, n)
    log_ratio = math.log(mt / mb)
    if n < 2:
        return Estimate(mt / mb - 1.0, math.nan, math.nan, n)
    z = t / mt - b / mb
    se = float(np.std(z, ddof=1)) / math.sqrt(n)
    q = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))
    return Estimate(mt / mb - 1.0, math.exp(log_ratio - q * se) - 1.0,
                    math.exp(log_ratio + q * se) - 1.0, n)


def absolute_change(base: Sequence[float], treat: Sequence[float]) -> Estimate:
    """Mean paired difference treatment - baseline with a t interval."""
    b, t = _paired(base, treat)
    mean, lo, hi = t_interval(t - b)
    return Estimate(mean, lo, hi, len(b))


def level(values: Sequence[float]) -> Estimate:
    """Mean of one arm with a t interval."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    mean, lo, hi = t_interval(v)
    return Estimate(mean, lo, hi, len(v))


def in_band(x: float, band: tuple[float, float]) -> bool:
    """True when ``x`` lies in the closed band (False for NaN)."""
    return bool(np.isfinite(x) and band[0] <= x <= band[1])


def ci_overlaps(est: Estimate, band: tuple[float, float]) -> bool:
    """True when the CI (or the point, if the CI is undefined) touches the band."""
    lo = est.ci_low if np.isfinite(est.ci_low) else est.value
    hi = est.ci_high if np.isfinite(est.ci_high) else est.value
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return False
    return not (hi < band[0] or lo > band[1])


def band_distance(x: float, band: tuple[float, float]) -> float:
    """(x - band centre) / band half-width: inside the band is |d| <= 1; NaN stays NaN."""
    centre = (band[0] + band[1]) / 2.0
    half = (band[1] - band[0]) / 2.0
    return (x - centre) / half


# --- running the facts -------------------------------------------------------------------------
@dataclass
class RunCache:
    """Summaries of finished runs keyed by (spec hash, seed), so arms are never run twice."""

    summaries: dict[tuple[str, int], pd.DataFrame] = field(default_factory=dict)
    measures: dict[tuple[str, int, str], float] = field(default_factory=dict)
    runs: int = 0
    seconds: float = 0.0

    def summary(self, spec: MarketSpec, seed: int) -> pd.DataFrame:
        """The run's summary table, simulating only if it is not cached."""
        key = (spec_hash(spec.model_dump_json()), int(seed))
        if key not in self.summaries:
            t0 = time.perf_counter()
            self.summaries[key] = run_spec(spec, seed).summary
            self.seconds += time.perf_counter() - t0
            self.runs += 1
        return self.summaries[key]

    def measure(self, spec: MarketSpec, seed: int, name: str) -> float:
        """A population measure at set-up (see :data:`POPULATION_MEASURES`)."""
        key = (spec_hash(spec.model_dump_json()), int(seed), name)
        if key not in self.measures:
            self.measures[key] = POPULATION_MEASURES[name](MarketModel(spec, rng=int(seed)))
        return self.measures[key]


def _value(summary: pd.DataFrame, seller: str, region: str, metric: str) -> float:
    row = summary[(summary["seller"] == seller) & (summary["region"] == region)
                  & (summary["metric"] == metric)]
    return float(row["value"].iloc[0]) if len(row) else math.nan


@dataclass
class FactResult:
    """A fact's outcome: rows per tested quantity (effect, or baseline/treatment levels)."""

    fact: Fact
    rows: list[dict[str, Any]]
    per_seed: pd.DataFrame
    mechanism: pd.DataFrame

    @property
    def passed(self) -> bool:
        """All tested quantities inside their bands."""
        return all(r["pass"] for r in self.rows)


def evaluate_fact(facts: FactsFile, fact: Fact, seeds: Sequence[int], cache: RunCache,
                  parameters: Mapping[str, float] | None = None,
                  progress: Callable[[int], None] | None = None) -> FactResult:
    """Run (or reuse) the fact's baseline and treatment for every seed and score them."""
    base_spec, treat_spec = fact_specs(facts, fact, parameters)
    seller = fact.seller or base_spec.sellers[0].name
    region = fact.region
    arms = {"baseline": base_spec, "treatment": treat_spec}
    values: dict[str, list[float]] = {"baseline": [], "treatment": []}
    mech: dict[tuple[str, str], list[float]] = {}
    for seed in seeds:
        for arm, spec in arms.items():
            if spec is None:
                continue
            if fact.metric in POPULATION_MEASURES:
                values[arm].append(cache.measure(spec, seed, fact.metric))
                continue
            summary = cache.summary(spec, seed)
            values[arm].append(_value(summary, seller, region, fact.metric))
            for m in fact.mechanism:
                mech.setdefault((arm, m), []).append(_value(summary, seller, region, m))
        if progress is not None:
            progress(1)

    target = fact.target
    rows: list[dict[str, Any]] = []
    common = {"fact": fact.id, "lever": _lever_name(fact), "metric": fact.metric,
              "kind": target.kind, "by_construction": fact.by_construction}

    def row(quantity: str, est: Estimate, band: tuple[float, float], value: float | None,
            baseline_mean: float, treatment_mean: float) -> dict[str, Any]:
        return {**common, "quantity": quantity, "target": value, "band_low": band[0],
                "band_high": band[1], "estimate": est.value, "ci_low": est.ci_low,
                "ci_high": est.ci_high, "n": est.n, "baseline_mean": baseline_mean,
                "treatment_mean": treatment_mean, "pass": in_band(est.value, band),
                "ci_overlaps_band": ci_overlaps(est, band),
                "distance": band_distance(est.value, band)}

    bm = _nanmean(values["baseline"])
    tm = _nanmean(values["treatment"])
    if isinstance(target, RelativeTarget):
        est = relative_effect(values["baseline"], values["treatment"])
        rows.append(row("relative effect", est, target.band, target.effect, bm, tm))
    elif isinstance(target, AbsoluteTarget):
        est = absolute_change(values["baseline"], values["treatment"])
        rows.append(row(f"change ({target.unit})" if target.unit else "change", est,
                        target.band, target.change, bm, tm))
    else:
        for arm in ("baseline", "treatment"):
            b = getattr(target, arm)
            if b is not None:
                rows.append(row(f"{arm} level", level(values[arm]), b.band, b.value, bm, tm))

    per_seed = pd.DataFrame({"fact": fact.id, "seed": list(seeds),
                             "baseline": values["baseline"],
                             "treatment": values["treatment"] or [math.nan] * len(seeds)})
    mech_rows = []
    for m in fact.mechanism:
        b_vals = mech.get(("baseline", m), [])
        t_vals = mech.get(("treatment", m), [])
        mech_rows.append({"fact": fact.id, "metric": m, "baseline": _nanmean(b_vals),
                          "treatment": _nanmean(t_vals)})
    return FactResult(fact, rows, per_seed, pd.DataFrame(
        mech_rows, columns=["fact", "metric", "baseline", "treatment"]))


def _nanmean(values: Sequence[float]) -> float:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else math.nan


def _lever_name(fact: Fact) -> str:
    return ", ".join(fact.lever) if fact.lever else "(none: model input)"


def evaluate_facts(facts: FactsFile, seeds: Sequence[int],
                   parameters: Mapping[str, float] | None = None,
                   cache: RunCache | None = None,
                   progress: Callable[[int], None] | None = None) -> list[FactResult]:
    """Every fact of ``facts`` with the given seeds (runs shared through one cache)."""
    cache = cache if cache is not None else RunCache()
    return [evaluate_fact(facts, f, seeds, cache, parameters, progress) for f in facts.facts]


def results_table(results: Sequence[FactResult]) -> pd.DataFrame:
    """One row per tested quantity of every fact."""
    rows = [r for res in results for r in res.rows]
    return pd.DataFrame(rows)


# --- reporting ---------------------------------------------------------------------------------
def _fmt(x: float, kind: str) -> str:
    if not np.isfinite(x):
        return "n/a"
    if kind == "relative":
        return f"{x:+.1%}"
    if kind == "absolute_change":
        return f"{x:+.2f}"
    return f"{x:.3%}" if abs(x) < 1 else f"{x:.4g}"


def verdict(row: Mapping[str, Any]) -> str:
    """A plain-words reason for a row's failure (or 'inside the band')."""
    x, lo, hi = row["estimate"], row["band_low"], row["band_high"]
    if not np.isfinite(x):
        return "undefined: the metric had no data (empty denominator in every run)"
    if lo <= x <= hi:
        return "inside the band"
    kind = row["kind"]
    if kind in ("relative", "absolute_change"):
        centre = (lo + hi) / 2
        if centre != 0 and np.sign(x) != np.sign(centre) and x != 0:
            return "wrong sign: the lever moves the metric the other way"
        if abs(x) < min(abs(lo), abs(hi)):
            return "too weak: the effect is smaller than the band"
        return "too strong: the effect is larger than the band"
    return "level below the band" if x < lo else "level above the band"


FOREST_LIMIT = 5.0
"""Half-range of the forest plot's axis, in band half-widths: wide enough to show misses of
several bands, narrow enough that one wild estimate does not flatten the others (estimates
beyond it are drawn at the edge with an arrow and their value written out)."""


def forest_plot(table: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Forest plot of every tested quantity, on one axis scaled by its band.

    Facts differ in units (relative effects, days, fraud rates, shares), so each row is drawn
    as its distance from the band centre in band half-widths: the band is always [-1, 1]
    (shaded), the reported figure is a green tick, and the raw estimate with its 95% CI and
    band is written beside the row.
    """
    fig, ax = new_figure(figsize=(11, 1.3 + 0.42 * len(table)))
    draw_forest(ax, table, title)
    path = Path(path)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def draw_forest(ax: Axes, table: pd.DataFrame, title: str = "") -> None:
    """Draw the forest plot of a validation table on ``ax`` (see :func:`forest_plot`)."""
    t = table.reset_index(drop=True)
    n = len(t)
    ax.axvspan(-1, 1, color="tab:green", alpha=0.15, lw=0)
    ax.axvline(0, color="tab:green", lw=0.6, alpha=0.6)
    lim = FOREST_LIMIT
    for i, (_, r) in enumerate(t.iterrows()):
        yi = n - 1 - i
        band = (r["band_low"], r["band_high"])
        colour = "grey" if r["by_construction"] else ("tab:blue" if r["pass"] else "tab:red")
        lo, hi = band_distance(r["ci_low"], band), band_distance(r["ci_high"], band)
        if np.isfinite(lo) and np.isfinite(hi):
            ax.plot([np.clip(lo, -lim, lim), np.clip(hi, -lim, lim)], [yi, yi], color=colour,
                    lw=2)
        d = band_distance(r["estimate"], band)
        if np.isfinite(d):
            marker = ">" if d > lim else ("<" if d < -lim else "o")
            ax.plot(np.clip(d, -lim, lim), yi, marker, color=colour, ms=7)
        target = r["target"]
        if target is not None and np.isfinite(target):
            ax.plot([band_distance(target, band)] * 2, [yi - 0.3, yi + 0.3], color="tab:green",
                    lw=1.5)
        k = r["kind"]
        status = "input" if r["by_construction"] else ("pass" if r["pass"] else "FAIL")
        ax.text(lim * 1.1, yi, f"{_fmt(r['estimate'], k)} [{_fmt(r['ci_low'], k)}, "
                f"{_fmt(r['ci_high'], k)}]  band [{_fmt(band[0], k)}, {_fmt(band[1], k)}]  "
                f"{status}", va="center", fontsize=7.5, color=colour)
    ax.set_yticks(np.arange(n)[::-1])
    ax.set_yticklabels([f"{r['fact']}" + (f" ({r['quantity'].split()[0]})"
                                          if r["kind"] == "level" else "")
                        for _, r in t.iterrows()], fontsize=8)
    ax.set_xlim(-lim - 0.3, lim + 0.3)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("model estimate: distance from the band centre in band half-widths "
                  "(shaded band = [-1, 1]; green tick = reported figure)", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or "Model effects with 95% CIs against the facts' bands "
                 "(blue = pass, red = fail, grey = model input)", fontsize=9)


def report_markdown(results: Sequence[FactResult], table: pd.DataFrame, facts: FactsFile,
                    seeds: Sequence[int], heading: str = "Validation against stylized facts",
                    parameters_note: str = "") -> str:
    """The validation report: summary, table, failures with reasons, mechanisms, method."""
    tested = [r for r in results if not r.fact.by_construction]
    inputs = [r for r in results if r.fact.by_construction]
    passed = [r for r in tested if r.passed]
    failed = [r for r in tested if not r.passed]
    lines = [f"# {heading}", ""]
    lines.append(f"**{len(passed)} of {len(tested)} facts pass** (point estimate inside the "
                 f"band)" + (f"; {len(inputs)} more reproduced by construction (model input)"
                             if inputs else "") + ".")
    if failed:
        lines.append("")
        lines.append("The model does **not** reproduce: " + ", ".join(
            f"`{r.fact.id}`" for r in failed) + " (reasons below).")
    lines += ["", "![forest plot](forest.png)", "",
              "| fact | lever | metric | quantity | target | band | model [95% CI] | n | "
              "pass | CI overlaps band |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        k = r["kind"]
        target = _fmt(r["target"], k) if r["target"] is not None else ""
        status = ("by construction" if r["by_construction"] else
                  ("**pass**" if r["pass"] else "**FAIL**"))
        lines.append(
            f"| `{r['fact']}` | {r['lever']} | {r['metric']} | {r['quantity']} | {target} | "
            f"[{_fmt(r['band_low'], k)}, {_fmt(r['band_high'], k)}] | "
            f"{_fmt(r['estimate'], k)} [{_fmt(r['ci_low'], k)}, {_fmt(r['ci_high'], k)}] | "
            f"{r['n']} | {status} | {'yes' if r['ci_overlaps_band'] else 'no'} |")
    if failed:
        lines += ["", "## Facts the model does not reproduce, and why", ""]
        for res in failed:
            f = res.fact
            lines.append(f"### `{f.id}`: {f.claim}")
            lines.append("")
            for r in res.rows:
                if not r["pass"]:
                    lines.append(f"- {r['quantity']}: {_fmt(r['estimate'], r['kind'])} "
                                 f"against [{_fmt(r['band_low'], r['kind'])}, "
                                 f"{_fmt(r['band_high'], r['kind'])}]: {verdict(r)}.")
            if f.limitation:
                lines.append(f"- Mechanism: {f.limitation}")
            else:
                lines.append("- No known limitation is recorded for this fact; see the "
                             "mechanism table below.")
            lines.append("")
    if inputs:
        lines += ["", "## Reproduced by construction", ""]
        for res in inputs:
            r = res.rows[0]
            lines.append(
                f"- `{res.fact.id}` ({res.fact.claim}): the model takes this figure as an "
                f"input, the parameter `{res.fact.input_parameter}`; the measured share of "
                f"consumers with the trait is {_fmt(r['estimate'], 'level')} "
                f"[{_fmt(r['ci_low'], 'level')}, {_fmt(r['ci_high'], 'level')}]. This checks "
                f"the wiring, not the model's behaviour.")
    lines += ["", "## Mechanisms", "",
              "Means over the seeds, baseline -> treatment, of the quantities each lever acts "
              "through (all regions).", "", "| fact | metric | baseline | treatment | change |",
              "|---|---|---|---|---|"]
    for res in results:
        for _, m in res.mechanism.iterrows():
            b, t = m["baseline"], m["treatment"]
            change = f"{t / b - 1:+.1%}" if np.isfinite(b) and np.isfinite(t) and b else "n/a"
            lines.append(f"| `{res.fact.id}` | {m['metric']} | {b:.4g} | {t:.4g} | {change} |")
    market = facts.market
    lines += [
        "", "## Method", "",
        f"- Market: regions {market.get('regions', 'all')}, {market.get('n_consumers', '?')} "
        f"consumers, {market.get('horizon_days', '?')} days (facts may patch it).",
        f"- {len(seeds)} replications per arm, seeds from SeedSequence({facts.master_seed}); "
        "baseline and treatment share the seeds (common random numbers) and each distinct "
        "(spec, seed) runs once, whatever number of facts use it.",
        "- Relative effects: ratio of means minus one; 95% CI by the paired delta method on "
        "the log ratio (t quantile, n - 1 degrees of freedom). Absolute changes: mean paired "
        "difference with a t interval. Levels: each arm's mean with a t interval.",
        "- Pass: the point estimate lies inside the band (both arms for level facts). The "
        "last column says whether the CI touches the band.",
        "- Nothing in the model or in this check moves a metric toward its target: effects "
        "come from the levers' mechanisms; calibration (if any) moved only declared "
        "parameters within their ranges.",
    ]
    if parameters_note:
        lines += [f"- {parameters_note}"]
    lines += ["", "## Sources", ""]
    for res in results:
        lines.append(f"- `{res.fact.id}`: {res.fact.source}")
    return "\n".join(lines) + "\n"


def calibration_note() -> str:
    """Which parameter values the run used (calibrated defaults or declared priors)."""
    from simulation.parameters import PRIOR_DEFAULTS
    from simulation.profiles import CALIBRATED_FILE, DEFAULT_PROFILE, profile_values

    calibrated = profile_values(DEFAULT_PROFILE)
    if not calibrated:
        return "Parameters: the declared defaults (no calibration file in use)."
    shown = ", ".join(f"`{k}` = {v:.4g} (prior {PRIOR_DEFAULTS[k]:g})"
                      for k, v in calibrated.items())
    return (f"Parameters: profile `{DEFAULT_PROFILE}` (from `{CALIBRATED_FILE.name}`): "
            f"{shown}.")


@dataclass
class ValidationRun:
    """What :func:`run_validation` produced."""

    results: list[FactResult]
    table: pd.DataFrame
    seeds: list[int]
    files: list[Path]
    seconds: float
    runs: int


def run_validation(facts: FactsFile, out: Path | str, replications: int | None = None,
                   parameters: Mapping[str, float] | None = None,
                   show_progress: bool = True, heading: str = "Validation against stylized facts",
                   command: str = "xbsim validate", parameters_note: str | None = None
                   ) -> ValidationRun:
    """Validate every fact; write the table, per-seed values, forest plot, report, manifest.

    Args:
        facts: validated facts (shipped, user or merged).
        out: results folder.
        replications: seeds per arm (default: the facts file's).
        parameters: parameter values under the market's (default: the model's defaults).
        show_progress: a progress bar over (fact, seed) pairs.
        heading: the report's title.
        command: recorded in the manifest.
        parameters_note: replaces the line on which parameters were used.
    """
    from tqdm import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n = replications or facts.replications
    seeds = replication_seeds(facts.master_seed, n)
    cache = RunCache()
    t0 = time.perf_counter()
    with tqdm(total=n * len(facts.facts), unit="fact-seed", desc="validating",
              disable=not show_progress) as bar:
        results = evaluate_facts(facts, seeds, parameters, cache, progress=bar.update)
    elapsed = time.perf_counter() - t0
    table = results_table(results)
    per_seed = pd.concat([r.per_seed for r in results], ignore_index=True)
    files = [out / "validation.csv", out / "per_seed.csv", out / "forest.png",
             out / "report.md"]
    atomic_write_text(files[0], table.to_csv(index=False, float_format="%.6g"))
    atomic_write_text(files[1], per_seed.to_csv(index=False, float_format="%.6g"))
    forest_plot(table, files[2])
    note = parameters_note if parameters_note is not None else calibration_note()
    atomic_write_text(files[3], report_markdown(results, table, facts, seeds, heading, note))
    from simulation.profiles import DEFAULT_PROFILE, profile_values

    manifest = build_manifest(
        facts, seeds, {"total": elapsed, "simulation": cache.seconds}, command=command,
        replications=n, runs=cache.runs, profile=DEFAULT_PROFILE,
        calibrated_parameters=profile_values(DEFAULT_PROFILE),
        parameters=dict(parameters) if parameters is not None else None,
        passed=[r.fact.id for r in results if r.passed and not r.fact.by_construction],
        failed=[r.fact.id for r in results if not r.passed],
    )
    files.append(write_manifest(out, manifest))
    return ValidationRun(results, table, seeds, files, elapsed, cache.runs)


__all__ = [
    "FACTS_FILE",
    "POPULATION_MEASURES",
    "Estimate",
    "Fact",
    "FactResult",
    "FactsError",
    "FactsFile",
    "RunCache",
    "absolute_change",
    "band_distance",
    "ci_overlaps",
    "evaluate_facts",
    "fact_specs",
    "forest_plot",
    "in_band",
    "level",
    "load_facts",
    "parse_facts",
    "relative_effect",
    "report_markdown",
    "results_table",
    "run_validation",
    "verdict",
]
