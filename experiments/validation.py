"""Validation on effects the calibration never saw: does the model reproduce what levers do.

Each effect (``experiments/validation/facts.yaml``: the project's copy of every effect pattern,
with its source, extensible with a user's own file) names a market, a lever, a metric and a
band. The baseline market and the same market with the lever switched on run with common
replications: replication i of both arms uses the same seed and, with ``--posterior N``, the
same parameter set drawn from the calibration's posterior (common draws), so an effect's CI
holds seed noise and, with draws, what we do not know about the parameters.

Estimates (95% intervals):

* ``relative``: ratio of means minus one, mean(T) / mean(B) - 1, with a paired delta-method
  CI on the log ratio (per replication z_i = T_i / mean(T) - B_i / mean(B), se = sd(z) /
  sqrt(n), t quantile). Reported only where the baseline mean is positive and its own CI
  excludes 0; otherwise the row shows the absolute difference (signed quantities such as
  profit are never turned into a percentage).
* ``absolute_change``: mean paired difference T_i - B_i with a t interval.
* ``level``: each arm's mean; rates and shares get a logit-scale interval (inside [0, 1]).
* ``contrast``: within one arm, metric vs a reference metric (e.g. referred vs other
  customers' repurchase), the same paired ratio as ``relative``.

An effect passes when its estimate lies in the band (each row of it); the table says apart
whether the whole CI lies inside. Effects marked ``identity`` (the model takes the figure as
an input) are shown but not counted as evidence. One replication gives estimates without
intervals and a warning. Nothing here is fitted: calibration fits levels only.
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

from experiments import intervals
from experiments.intervals import t_interval
from experiments.manifest import atomic_write_text, build_manifest, spec_hash, write_manifest
from experiments.plotting import new_figure
from experiments.posterior import POSTERIOR_FILE, load_posterior
from experiments.runner import replication_seeds, run_spec
from experiments.scenarios import merge_patch
from simulation.levers import Levers
from simulation.metrics import METRIC_NAMES, RATE_METRICS
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


class ContrastTarget(BaseModel):
    """Within one arm: mean(metric) / mean(reference_metric) - 1, paired by replication."""

    model_config = _STRICT

    kind: Literal["contrast"]
    reference_metric: str = Field(min_length=1, description="the comparison group's metric")
    arm: Literal["baseline", "treatment"] = "treatment"
    effect: float | None = None
    band: OrderedBand

    @model_validator(mode="after")
    def _inside(self) -> ContrastTarget:
        _value_in_band(self.effect, self.band, "effect")
        return self


Target = Annotated[RelativeTarget | AbsoluteTarget | LevelTarget | ContrastTarget,
                   Field(discriminator="kind")]


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
    identity: str | None = Field(
        None, min_length=1,
        description="why the figure is an input of the model (shown, not counted as evidence)")
    note: str = ""
    limitation: str = Field("", description="known reason the model may miss the fact")

    @property
    def is_identity(self) -> bool:
        """True when the model takes the figure as an input (nothing to reproduce)."""
        return self.identity is not None or self.input_parameter is not None

    @property
    def by_construction(self) -> bool:
        """Alias of :attr:`is_identity` (older name)."""
        return self.is_identity


class FactsFile(BaseModel):
    """A validated facts file: the shared market, seeds and the facts."""

    model_config = _STRICT

    version: int = 1
    market: dict[str, Any] = Field(default_factory=dict)
    replications: int = Field(10, ge=1, le=10_000)
    posterior_draws: int = Field(
        0, ge=0, le=10_000,
        description="default of --posterior: draws (one per replication); 0 = seed noise only")
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
    if isinstance(target, ContrastTarget) and target.reference_metric not in METRIC_NAMES:
        problems.append(f"target.reference_metric: unknown metric {target.reference_metric!r}")
    if isinstance(target, LevelTarget):
        needs_lever = target.treatment is not None
    elif isinstance(target, ContrastTarget):
        needs_lever = target.arm == "treatment"
    else:
        needs_lever = True
    if needs_lever and not fact.lever:
        problems.append(f"lever: a {target.kind} target with a treatment arm needs a lever "
                        "to switch on")
    if not needs_lever and fact.lever:
        problems.append("lever: a baseline-only target has no treatment arm; remove "
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
    """A point estimate with its 95% interval (NaN when undefined) and the replications used."""

    value: float
    ci_low: float
    ci_high: float
    n: int


NO_INTERVAL = "no interval: one replication"
"""What the report prints instead of an interval when there is a single replication."""


def _paired(base: Sequence[float], treat: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    b = np.asarray(base, dtype=float)
    t = np.asarray(treat, dtype=float)
    if b.shape != t.shape:
        raise ValueError(f"paired arrays differ in length: {b.shape} vs {t.shape}")
    keep = np.isfinite(b) & np.isfinite(t)
    return b[keep], t[keep]


def _finite(values: Sequence[float]) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return v[np.isfinite(v)]


def mean_interval(values: Sequence[float]) -> Estimate:
    """Mean of the finite values with a t interval (NaN bounds below two values)."""
    v = _finite(values)
    if len(v) == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean, lo, hi = t_interval(v)
    return Estimate(mean, lo, hi, len(v))


def baseline_clear_of_zero(base: Sequence[float]) -> bool:
    """True when the baseline mean is positive and its 95% interval excludes 0.

    A relative change is reported only then: near a zero or negative baseline a ratio is
    unstable or has the wrong sign (profit -100 -> -200 is "+100%"). One replication: the
    mean must be positive.
    """
    est = mean_interval(base)
    if not np.isfinite(est.value) or est.value <= 0:
        return False
    return est.n < 2 or est.ci_low > 0


def relative_effect(base: Sequence[float], treat: Sequence[float]) -> Estimate:
    """Ratio of means minus one with a paired delta-method CI on the log ratio.

    Per replication z_i = T_i / mean(T) - B_i / mean(B); the interval is
    exp(log(mean T / mean B) +- t_{n-1, 0.975} sd(z) / sqrt(n)) - 1. NaN when a mean is not
    positive (a ratio of means of signed quantities has no log).
    """
    b, t = _paired(base, treat)
    n = len(b)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mb, mt = float(b.mean()), float(t.mean())
    if mb <= 0 or mt <= 0:
        return Estimate(math.nan, math.nan, math.nan, n)
    if n < 2:
        return Estimate(mt / mb - 1.0, math.nan, math.nan, n)
    z = t / mt - b / mb
    se = float(np.std(z, ddof=1)) / math.sqrt(n)
    q = intervals.t_quantile(n)
    log_ratio = math.log(mt / mb)
    return Estimate(mt / mb - 1.0, math.exp(log_ratio - q * se) - 1.0,
                    math.exp(log_ratio + q * se) - 1.0, n)


def absolute_change(base: Sequence[float], treat: Sequence[float]) -> Estimate:
    """Mean paired difference treatment - baseline with a t interval."""
    b, t = _paired(base, treat)
    return mean_interval(t - b)


def rate_interval(values: Sequence[float]) -> Estimate:
    """Mean of rates in [0, 1] with a logit-scale t interval, so it stays inside [0, 1].

    :func:`experiments.intervals.rate_interval` over the finite values.
    """
    v = _finite(values)
    if len(v) == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean, lo, hi = intervals.rate_interval(v)
    return Estimate(mean, lo, hi, len(v))


def level(values: Sequence[float], rate: bool = False) -> Estimate:
    """Mean of one arm: a logit interval for rates and shares, else a t interval."""
    return rate_interval(values) if rate else mean_interval(values)


def in_band(x: float, band: tuple[float, float]) -> bool:
    """True when ``x`` lies in the closed band (False for NaN)."""
    return bool(np.isfinite(x) and band[0] <= x <= band[1])


def ci_inside(est: Estimate, band: tuple[float, float]) -> bool:
    """True when the whole CI lies in the band (False when there is no interval)."""
    return in_band(est.ci_low, band) and in_band(est.ci_high, band)


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


# --- posterior draws -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Draws:
    """Parameter sets, one per replication, and the sentence saying which interval results."""

    parameters: list[dict[str, float]] | None
    source: str
    interval_kind: str


def seed_noise_only(reason: str = "") -> Draws:
    """No posterior draws: intervals show seed noise only."""
    return Draws(None, reason, "seed noise only (the calibrated profile's point values in "
                 "every replication)")


def posterior_draws(n: int, seed: int, path: Path | str | None = None,
                    note: Callable[[str], None] | None = None) -> Draws:
    """``n`` posterior draws seeded by ``seed`` (the same for every effect and arm).

    ``path=None`` reads the shipped posterior; when it does not exist yet, ``note`` is told
    and intervals fall back to seed noise only. A path given explicitly must exist.
    """
    if n < 1:
        return seed_noise_only()
    file = Path(path) if path is not None else POSTERIOR_FILE
    if path is None and not file.is_file():
        reason = (f"no posterior file {file}: intervals show seed noise only (run "
                  "`xbsim calibrate` and adopt its posterior for parameter uncertainty)")
        if note is not None:
            note(reason)
        return seed_noise_only(reason)
    posterior = load_posterior(file)
    return Draws(posterior.draws(n, seed), str(file),
                 f"seed noise + parameter uncertainty ({n} posterior draws from {file.name}, "
                 "one per replication, common to both arms)")


# --- running the effects -------------------------------------------------------------------------
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
    """An effect's outcome: rows per tested quantity (effect, or baseline/treatment levels)."""

    fact: Fact
    rows: list[dict[str, Any]]
    per_seed: pd.DataFrame
    mechanism: pd.DataFrame

    @property
    def passed(self) -> bool:
        """All tested quantities' estimates inside their bands."""
        return all(r["pass"] for r in self.rows)

    @property
    def ci_inside(self) -> bool:
        """All tested quantities' whole CIs inside their bands."""
        return all(r["ci_inside_band"] for r in self.rows)


def _replication_parameters(parameters: Mapping[str, float] | None,
                            draw: Mapping[str, float] | None) -> dict[str, float] | None:
    if parameters is None and draw is None:
        return None
    return {**dict(draw or {}), **dict(parameters or {})}


def evaluate_fact(facts: FactsFile, fact: Fact, seeds: Sequence[int], cache: RunCache,
                  parameters: Mapping[str, float] | None = None,
                  progress: Callable[[int], None] | None = None,
                  draws: Sequence[Mapping[str, float]] | None = None) -> FactResult:
    """Run (or reuse) the effect's arms for every replication and score them.

    Replication i of both arms uses ``seeds[i]`` and ``draws[i]`` (common draws); explicit
    ``parameters`` and the market's own parameters win over a draw.
    """
    if draws is not None and len(draws) != len(seeds):
        raise ValueError(f"draws: {len(draws)} parameter sets for {len(seeds)} replications")
    target = fact.target
    arms_run = _arms(fact)
    seller = region = None
    values: dict[str, list[float]] = {"baseline": [], "treatment": []}
    reference: list[float] = []
    mech: dict[tuple[str, str], list[float]] = {}
    for i, seed in enumerate(seeds):
        base_spec, treat_spec = fact_specs(
            facts, fact, _replication_parameters(parameters, draws[i] if draws else None))
        seller = fact.seller or base_spec.sellers[0].name
        region = fact.region
        specs = {"baseline": base_spec, "treatment": treat_spec}
        for arm in arms_run:
            spec = specs[arm]
            if spec is None:
                continue
            if fact.metric in POPULATION_MEASURES:
                values[arm].append(cache.measure(spec, seed, fact.metric))
                continue
            summary = cache.summary(spec, seed)
            values[arm].append(_value(summary, seller, region, fact.metric))
            if isinstance(target, ContrastTarget) and arm == target.arm:
                reference.append(_value(summary, seller, region, target.reference_metric))
            for m in fact.mechanism:
                mech.setdefault((arm, m), []).append(_value(summary, seller, region, m))
        if progress is not None:
            progress(1)

    rows = _score(fact, values, reference)
    nan_column = [math.nan] * len(seeds)
    per_seed = pd.DataFrame({
        "fact": fact.id, "replication": range(len(seeds)), "seed": list(seeds),
        "baseline": values["baseline"] or nan_column,
        "treatment": values["treatment"] or nan_column,
        "reference": reference or nan_column})
    mech_rows = [{"fact": fact.id, "metric": m,
                  "baseline": _nanmean(mech.get(("baseline", m), [])),
                  "treatment": _nanmean(mech.get(("treatment", m), []))}
                 for m in fact.mechanism]
    return FactResult(fact, rows, per_seed, pd.DataFrame(
        mech_rows, columns=["fact", "metric", "baseline", "treatment"]))


def _arms(fact: Fact) -> tuple[str, ...]:
    """The arms an effect needs (a within-arm contrast runs one arm only)."""
    target = fact.target
    if isinstance(target, ContrastTarget):
        return (target.arm,)
    if isinstance(target, LevelTarget):
        return tuple(a for a in ("baseline", "treatment") if getattr(target, a) is not None)
    return ("baseline", "treatment")


def _score(fact: Fact, values: Mapping[str, list[float]], reference: list[float]
           ) -> list[dict[str, Any]]:
    """The table rows of one effect from its per-replication values."""
    target = fact.target
    common = {"fact": fact.id, "lever": _lever_name(fact), "metric": fact.metric,
              "kind": target.kind, "identity": fact.is_identity}
    base, treat = values["baseline"], values["treatment"]
    two_arms = bool(base) and bool(treat)
    diff = absolute_change(base, treat) if two_arms else Estimate(math.nan, math.nan,
                                                                  math.nan, 0)

    def row(quantity: str, est: Estimate, band: tuple[float, float],
            value: float | None, note: str = "") -> dict[str, Any]:
        return {**common, "quantity": quantity, "target": value, "band_low": band[0],
                "band_high": band[1], "estimate": est.value, "ci_low": est.ci_low,
                "ci_high": est.ci_high, "n": est.n, "baseline_mean": _nanmean(base),
                "treatment_mean": _nanmean(treat), "difference": diff.value,
                "difference_low": diff.ci_low, "difference_high": diff.ci_high,
                "pass": in_band(est.value, band), "ci_inside_band": ci_inside(est, band),
                "ci_overlaps_band": ci_overlaps(est, band),
                "distance": band_distance(est.value, band), "note": note}

    if isinstance(target, RelativeTarget):
        if baseline_clear_of_zero(base):
            return [row("relative effect", relative_effect(base, treat), target.band,
                        target.effect)]
        est = Estimate(math.nan, math.nan, math.nan, diff.n)
        return [row("relative effect", est, target.band, target.effect,
                    "relative change undefined: the baseline mean is not clear of 0; "
                    "see the absolute difference")]
    if isinstance(target, AbsoluteTarget):
        return [row(f"change ({target.unit})" if target.unit else "change", diff,
                    target.band, target.change)]
    if isinstance(target, ContrastTarget):
        own = values[target.arm]
        if baseline_clear_of_zero(reference):
            est = relative_effect(reference, own)
            return [row(f"vs {target.reference_metric}", est, target.band, target.effect)]
        return [row(f"vs {target.reference_metric}", Estimate(math.nan, math.nan, math.nan,
                                                              len(own)),
                    target.band, target.effect,
                    f"undefined: {target.reference_metric} is not clear of 0")]
    rate = fact.metric in RATE_METRICS or fact.metric in POPULATION_MEASURES
    return [row(f"{arm} level", level(values[arm], rate), b.band, b.value)
            for arm in ("baseline", "treatment")
            if (b := getattr(target, arm)) is not None]


def _nanmean(values: Sequence[float]) -> float:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else math.nan


def _lever_name(fact: Fact) -> str:
    return ", ".join(fact.lever) if fact.lever else "(none: model input)"


def evaluate_facts(facts: FactsFile, seeds: Sequence[int],
                   parameters: Mapping[str, float] | None = None,
                   cache: RunCache | None = None,
                   progress: Callable[[int], None] | None = None,
                   draws: Sequence[Mapping[str, float]] | None = None) -> list[FactResult]:
    """Every effect of ``facts`` with the given replications (runs shared through one cache)."""
    cache = cache if cache is not None else RunCache()
    return [evaluate_fact(facts, f, seeds, cache, parameters, progress, draws)
            for f in facts.facts]


def results_table(results: Sequence[FactResult]) -> pd.DataFrame:
    """One row per tested quantity of every effect."""
    rows = [r for res in results for r in res.rows]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Summary:
    """The headline counts: identities are shown but never counted."""

    evidence: int
    passed: int
    ci_inside: int
    identities: int

    def line(self) -> str:
        """``passes / non-identity effects``, and how many have the whole CI inside."""
        text = (f"{self.passed} / {self.evidence} effects pass (estimate inside the band); "
                f"{self.ci_inside} / {self.evidence} have the whole 95% CI inside the band")
        if self.identities:
            text += f"; {self.identities} identities of an input shown apart, not counted"
        return text + "."


def summarise(results: Sequence[FactResult]) -> Summary:
    """Count passes and whole-CI-inside over the effects that are not identities."""
    evidence = [r for r in results if not r.fact.is_identity]
    return Summary(len(evidence), sum(r.passed for r in evidence),
                   sum(r.ci_inside for r in evidence), len(results) - len(evidence))


# --- reporting ---------------------------------------------------------------------------------
def fmt_value(x: float, kind: str) -> str:
    """A number as the report shows it: 'n/a' for NaN (never 'nan%')."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if kind in ("relative", "contrast"):
        return f"{x:+.1%}"
    if kind == "absolute_change":
        return f"{x:+.2f}"
    return f"{x:.3%}" if abs(x) < 1 else f"{x:.4g}"


_fmt = fmt_value


def fmt_interval(low: float, high: float, kind: str, n: int) -> str:
    """``[low, high]``, or why there is none (no data; one replication; undefined)."""
    if n == 0:
        return "(no interval: no data)"
    if n < 2:
        return f"({NO_INTERVAL})"
    if not (np.isfinite(low) and np.isfinite(high)):
        return "(no interval: undefined)"
    return f"[{fmt_value(low, kind)}, {fmt_value(high, kind)}]"


def _plain(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.4g}"


def fmt_difference(x: float) -> str:
    """A signed absolute difference in the metric's unit."""
    return "n/a" if not np.isfinite(x) else f"{x:+.4g}"


def verdict(row: Mapping[str, Any]) -> str:
    """A plain-words reason for a row's failure (or 'inside the band')."""
    x, lo, hi = row["estimate"], row["band_low"], row["band_high"]
    if not np.isfinite(x):
        return "undefined: the metric had no data or its reference is not clear of 0"
    if lo <= x <= hi:
        return "inside the band"
    kind = row["kind"]
    if kind in ("relative", "absolute_change", "contrast"):
        centre = (lo + hi) / 2
        if centre != 0 and np.sign(x) != np.sign(centre) and x != 0:
            return "wrong sign: the metric moves the other way"
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

    Effects differ in units (relative effects, days, fraud rates, shares), so each row is
    drawn as its distance from the band centre in band half-widths: the band is always
    [-1, 1] (shaded), the reported figure is a green tick, and the raw estimate with its 95%
    CI and band is written beside the row.
    """
    fig, ax = new_figure(figsize=(11, 1.3 + 0.42 * len(table)))
    draw_forest(ax, table, title)
    path = Path(path)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def _is_identity(r: Mapping[str, Any]) -> bool:
    return bool(r["identity"] if "identity" in r else r["by_construction"])


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
        identity = _is_identity(r)
        colour = "grey" if identity else ("tab:blue" if r["pass"] else "tab:red")
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
        status = "identity" if identity else ("pass" if r["pass"] else "FAIL")
        ax.text(lim * 1.1, yi, f"{fmt_value(r['estimate'], k)} "
                f"{fmt_interval(r['ci_low'], r['ci_high'], k, int(r['n']))}  band "
                f"[{fmt_value(band[0], k)}, {fmt_value(band[1], k)}]  {status}",
                va="center", fontsize=7.5, color=colour)
    ax.set_yticks(np.arange(n)[::-1])
    ax.set_yticklabels([f"{r['fact']}" + (f" ({r['quantity'].split()[0]})"
                                          if r["kind"] == "level" else "")
                        for _, r in t.iterrows()], fontsize=8)
    ax.set_xlim(-lim - 0.3, lim + 0.3)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("model estimate: distance from the band centre in band half-widths "
                  "(shaded band = [-1, 1]; green tick = reported figure)", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or "Model effects with 95% intervals against the bands "
                 "(blue = pass, red = fail, grey = identity of an input)", fontsize=9)


def profile_note(profile: str) -> tuple[str, list[str]]:
    """Which parameter values the runs used, and the effects that profile's file says it fitted.

    A profile fitted on an effect makes that effect no evidence; the report names them.
    """
    from simulation.profiles import CALIBRATED, CALIBRATED_FILE, profile_values

    values = profile_values(profile)
    if not values:
        return (f"Parameters: profile `{profile}` = the declared defaults (no calibration "
                "file in use).", [])
    file = CALIBRATED_FILE if profile == CALIBRATED else Path(profile)
    data = load_yaml_file(file) or {}
    provenance = data.get("provenance") or {}
    fitted = [str(f) for f in provenance.get("facts_fitted") or []]
    shown = ", ".join(f"`{k}` = {v:.4g}" for k, v in values.items())
    return f"Parameters: profile `{profile}` (`{file.name}`): {shown}.", fitted


def _row_line(r: Mapping[str, Any], fitted: Sequence[str]) -> str:
    k = r["kind"]
    target = fmt_value(r["target"], k) if r["target"] is not None else ""
    if _is_identity(r):
        status = "identity (not counted)"
    elif r["fact"] in fitted:
        status = ("**pass**" if r["pass"] else "**FAIL**") + " (fitted: not evidence)"
    else:
        status = "**pass**" if r["pass"] else "**FAIL**"
    interval = fmt_interval(r["ci_low"], r["ci_high"], k, int(r["n"]))
    estimate = f"{fmt_value(r['estimate'], k)} {interval}"
    if r.get("note"):
        estimate = f"n/a ({r['note']})"
    diff = ""
    if np.isfinite(r["difference"]):
        diff = (f"{fmt_difference(r['difference'])} "
                + (f"[{fmt_difference(r['difference_low'])}, "
                   f"{fmt_difference(r['difference_high'])}]"
                   if np.isfinite(r["difference_low"]) else f"({NO_INTERVAL})"))
    return (f"| `{r['fact']}` | {r['lever']} | {r['metric']} | {r['quantity']} | {target} | "
            f"[{fmt_value(r['band_low'], k)}, {fmt_value(r['band_high'], k)}] | {estimate} | "
            f"{diff} | {int(r['n'])} | {status} | "
            f"{'yes' if r['ci_inside_band'] else 'no'} |")


def report_markdown(results: Sequence[FactResult], table: pd.DataFrame, facts: FactsFile,
                    seeds: Sequence[int], heading: str = "Validation on effects never fitted",
                    parameters_note: str = "", interval_kind: str = "seed noise only",
                    fitted: Sequence[str] = ()) -> str:
    """The validation report: summary, table, failures with reasons, identities, method."""
    summary = summarise(results)
    evidence = [r for r in results if not r.fact.is_identity]
    failed = [r for r in evidence if not r.passed]
    identities = [r for r in results if r.fact.is_identity]
    lines = [f"# {heading}", "", f"**{summary.line()}**", "",
             f"Intervals: 95%, {interval_kind}; {len(seeds)} replications per arm."]
    if len(seeds) < 2:
        lines += ["", f"**Warning: one replication: estimates have no interval "
                  f"({NO_INTERVAL}); run at least 2.**"]
    overlap = [r.fact.id for r in evidence if r.fact.id in fitted]
    if overlap:
        lines += ["", "**Warning:** the parameter profile in use was fitted on "
                  + ", ".join(f"`{i}`" for i in overlap)
                  + " (its provenance says so): those rows are not out-of-sample evidence."]
    if failed:
        lines += ["", "The model does **not** reproduce: " + ", ".join(
            f"`{r.fact.id}`" for r in failed) + " (reasons below)."]
    lines += ["", "![forest plot](forest.png)", "",
              "| effect | lever | metric | quantity | target | band | model [95% CI] | "
              "absolute difference T - B [95% CI] | n | pass | whole CI inside band |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [_row_line(r, fitted) for _, r in table.iterrows()]
    if failed:
        lines += ["", "## Effects the model does not reproduce", ""]
        for res in failed:
            f = res.fact
            lines += [f"### `{f.id}`: {f.claim}", ""]
            for r in res.rows:
                if not r["pass"]:
                    lines.append(f"- {r['quantity']}: {fmt_value(r['estimate'], r['kind'])} "
                                 f"against [{fmt_value(r['band_low'], r['kind'])}, "
                                 f"{fmt_value(r['band_high'], r['kind'])}]: {verdict(r)}.")
            lines.append(f"- Mechanism: {f.limitation}" if f.limitation else
                         "- No known limitation is recorded; see the mechanism table.")
            lines.append("")
    if identities:
        lines += ["", "## Identities of an input (shown, not counted)", ""]
        for res in identities:
            why = res.fact.identity or (f"the model takes this figure as the parameter "
                                        f"`{res.fact.input_parameter}`")
            lines.append(f"- `{res.fact.id}` ({res.fact.claim}): {why}")
    lines += ["", "## Mechanisms", "",
              "Means over the replications, baseline -> treatment, of the quantities each "
              "lever acts through.", "", "| effect | metric | baseline | treatment | "
              "absolute change |", "|---|---|---|---|---|"]
    for res in results:
        for _, m in res.mechanism.iterrows():
            b, t = m["baseline"], m["treatment"]
            lines.append(f"| `{res.fact.id}` | {m['metric']} | {_plain(b)} | {_plain(t)} | "
                         f"{fmt_difference(t - b)} |")
    market = facts.market
    lines += [
        "", "## Method", "",
        f"- Shared market: regions {market.get('regions', 'all')}, "
        f"{market.get('n_consumers', '?')} consumers, {market.get('horizon_days', '?')} days; "
        "effects that name their own market patch it.",
        f"- {len(seeds)} replications per arm, seeds from SeedSequence({facts.master_seed}); "
        "replication i of baseline and treatment uses the same seed and the same parameter "
        "draw (common random numbers, common draws); each distinct (spec, seed) runs once.",
        "- Relative effects: ratio of means minus one, 95% CI by the paired delta method on "
        "the log ratio, only where the baseline mean's CI excludes 0 (otherwise the absolute "
        "difference is the answer). Contrasts: the same ratio between two metrics of one arm. "
        "Absolute changes and differences: mean paired difference with a t interval. Levels "
        "of rates: logit-scale interval (inside [0, 1]); other levels: t interval.",
        "- Pass: the estimate lies inside the band (every row of the effect). Apart: whether "
        "the whole CI lies inside.",
        "- Nothing is fitted to these effects: calibration fits levels only, and nothing here "
        "moves a metric toward its band.",
    ]
    if parameters_note:
        lines.append(f"- {parameters_note}")
    lines += ["", "## Sources", ""]
    lines += [f"- `{res.fact.id}`: {res.fact.source}" for res in results]
    return "\n".join(lines) + "\n"


@dataclass
class ValidationRun:
    """What :func:`run_validation` produced."""

    results: list[FactResult]
    table: pd.DataFrame
    seeds: list[int]
    files: list[Path]
    seconds: float
    runs: int
    summary: Summary
    interval_kind: str
    warnings: list[str]


def run_validation(facts: FactsFile, out: Path | str, replications: int | None = None,
                   parameters: Mapping[str, float] | None = None,
                   show_progress: bool = True,
                   heading: str = "Validation on effects never fitted",
                   command: str = "xbsim validate", parameters_note: str | None = None,
                   draws: Draws | None = None, profile: str | None = None) -> ValidationRun:
    """Validate every effect; write the table, per-replication values, plot, report, manifest.

    Args:
        facts: validated effects (shipped, user or merged).
        out: results folder.
        replications: replications per arm (default: the facts file's; with draws, their
            number).
        parameters: parameter values under the market's (default: the profile's).
        show_progress: a progress bar over (effect, replication) pairs.
        heading: the report's title.
        command: recorded in the manifest.
        parameters_note: replaces the line on which parameters were used.
        draws: posterior draws, one per replication (None: seed noise only).
        profile: parameter profile of every market (default: the facts market's or the
            model's default profile).
    """
    from tqdm import tqdm

    from simulation.profiles import DEFAULT_PROFILE, profile_values

    draws = draws if draws is not None else seed_noise_only()
    if draws.parameters is not None:
        if replications is not None and replications != len(draws.parameters):
            raise ValueError(f"replications: {replications} but {len(draws.parameters)} "
                             "posterior draws; with draws each replication has one (give one "
                             "number)")
        replications = len(draws.parameters)
    if profile is not None:
        facts = facts.model_copy(update={"market": {**facts.market, "profile": profile}})
    used_profile = str(facts.market.get("profile", DEFAULT_PROFILE))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n = replications or facts.replications
    seeds = replication_seeds(facts.master_seed, n)
    cache = RunCache()
    t0 = time.perf_counter()
    with tqdm(total=n * len(facts.facts), unit="effect-rep", desc="validating",
              disable=not show_progress) as bar:
        results = evaluate_facts(facts, seeds, parameters, cache, progress=bar.update,
                                 draws=draws.parameters)
    elapsed = time.perf_counter() - t0
    table = results_table(results)
    per_seed = pd.concat([r.per_seed for r in results], ignore_index=True)
    files = [out / "validation.csv", out / "per_seed.csv", out / "forest.png",
             out / "report.md"]
    atomic_write_text(files[0], table.to_csv(index=False, float_format="%.6g"))
    atomic_write_text(files[1], per_seed.to_csv(index=False, float_format="%.6g"))
    forest_plot(table, files[2])
    note, fitted = profile_note(used_profile)
    if parameters_note is not None:
        note = parameters_note
    atomic_write_text(files[3], report_markdown(results, table, facts, seeds, heading, note,
                                                draws.interval_kind, fitted))
    summary = summarise(results)
    warnings = []
    if n < 2:
        warnings.append(f"one replication: estimates have no interval ({NO_INTERVAL})")
    if draws.parameters is None and draws.source:
        warnings.append(draws.source)
    manifest = build_manifest(
        facts, seeds, {"total": elapsed, "simulation": cache.seconds}, command=command,
        replications=n, runs=cache.runs, profile=used_profile,
        profile_parameters=profile_values(used_profile), profile_fitted_on=fitted,
        parameters=dict(parameters) if parameters is not None else None,
        interval_kind=draws.interval_kind,
        posterior={"file": draws.source, "draws": draws.parameters}
        if draws.parameters is not None else None,
        summary={"evidence": summary.evidence, "passed": summary.passed,
                 "ci_inside": summary.ci_inside, "identities": summary.identities},
        passed=[r.fact.id for r in results if r.passed and not r.fact.is_identity],
        failed=[r.fact.id for r in results if not r.passed and not r.fact.is_identity],
        identities=[r.fact.id for r in results if r.fact.is_identity],
        warnings=warnings,
    )
    files.append(write_manifest(out, manifest))
    return ValidationRun(results, table, seeds, files, elapsed, cache.runs, summary,
                         draws.interval_kind, warnings)


__all__ = [
    "FACTS_FILE",
    "NO_INTERVAL",
    "POPULATION_MEASURES",
    "ContrastTarget",
    "Draws",
    "Estimate",
    "Fact",
    "FactResult",
    "FactsError",
    "FactsFile",
    "RunCache",
    "Summary",
    "absolute_change",
    "band_distance",
    "baseline_clear_of_zero",
    "ci_inside",
    "ci_overlaps",
    "evaluate_facts",
    "fact_specs",
    "fmt_interval",
    "fmt_value",
    "forest_plot",
    "in_band",
    "level",
    "load_facts",
    "mean_interval",
    "parse_facts",
    "posterior_draws",
    "rate_interval",
    "relative_effect",
    "report_markdown",
    "results_table",
    "run_validation",
    "seed_noise_only",
    "summarise",
    "verdict",
]
