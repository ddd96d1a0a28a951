"""Bayesian calibration on LEVELS only: ABC-SMC (pyabc) over declared free parameters.

What is fitted: the level patterns of ``experiments/validation/levels.yaml`` (what a market
looks like with no lever switched on: cart abandonment, touches before a first purchase, first
exposure via a friend, trusting share, return and fraud rates, the cross-border buyer ceiling,
live-shopping reach, delivery days against the catalog). Effects of levers
(``experiments/validation/facts.yaml``) are never read here: this module imports nothing that
reads them, so a change of an effect band cannot change the calibrated profile.

Method (details and reasons in ``experiments/validation/README.md``): each level is a summary
statistic standardised by its band, z = (simulated - band centre) / band half-width (a ceiling
[0, v] gives z = max(0, simulated - v) / (v / 2)); the distance is the root mean square of the
z's, weighted so that every level pattern weighs the same whatever its number of regions.
ABC-SMC with a uniform prior on each free parameter, a median epsilon schedule computed
from the stored history, and a deterministic order-preserving sampler: the same config and seed
give the same posterior on any machine, backend or worker count. One generation per
``ABCSMC.run`` call with ``np.random`` reseeded from (seed, generation), over pyabc's SQLite
history in the output folder, so a killed calibration resumes from its last complete
generation and ends with the posterior of an uninterrupted run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from experiments.backends import default_workers, process_context
from experiments.manifest import (
    PROJECT_ROOT,
    atomic_write_text,
    build_manifest,
    code_version,
    write_manifest,
)
from experiments.plausibility import LEVELS_FILE, figures_for, load_levels, run_quantities
from experiments.plotting import new_figure
from experiments.posterior import (
    WEIGHT,
    Posterior,
    effective_sample_size,
    posterior_from_frame,
    weighted_quantile,
)
from experiments.runner import run_spec
from simulation.parameters import ModelParameters
from simulation.regions import RegionTable, load_catalog
from simulation.spec import MarketSpec, format_validation_error
from simulation.yaml_loading import load_yaml_file

CALIBRATION_CONFIG = Path(__file__).resolve().parent / "validation" / "calibration.yaml"
"""The shipped calibration settings: free parameters, levels, market, ABC budget, seeds."""
DEFAULT_OUTPUT = PROJECT_ROOT / "simulation" / "data" / "calibrated_parameters.yaml"
"""Where ``--adopt`` writes the posterior median (the ``calibrated`` profile reads it)."""
POSTERIOR_OUTPUT = PROJECT_ROOT / "simulation" / "data" / "posterior.csv"
"""Where ``--adopt`` copies the posterior samples (read by ``--posterior N`` elsewhere)."""

DB_NAME = "abc.db"
STATE_NAME = "calibration_state.json"
CI_LEVEL = 0.90
"""Credible and predictive intervals are central 90% intervals (the issue's definition)."""
CI_LO, CI_HI = (1 - CI_LEVEL) / 2, 1 - (1 - CI_LEVEL) / 2
EPSILON_QUANTILE = 0.5
"""Each generation's threshold is the weighted median of the previous generation's distances
(pyabc's default schedule): halves the accepted region per generation, robust to outliers."""
STRONG_CORRELATION = 0.7
"""|r| above which a pair of parameters is reported as strongly correlated (issue 16)."""
NOT_PINNED_RATIO = 0.8
"""assumption: a posterior 90% interval wider than 80% of the prior's 90% width (i.e. 0.72 of
the prior range) means the levels barely constrain the parameter."""
DEGENERATE_ESS_SHARE = 0.2
"""assumption: an effective sample size under a fifth of the particles is flagged as degenerate
weights (sequential Monte Carlo practice resamples below about half)."""
PRIOR_CI_WIDTH = CI_LEVEL
"""The 90% interval of a uniform prior covers 90% of its range."""
SEED_BOUND = 2**31 - 1
"""Model seeds and task seeds are drawn below this bound (any valid numpy seed)."""
CEILING_SCALE = 2.0
"""A ceiling [0, v] is scaled by half its width, v / 2, like a band by its half-width."""

_STRICT = ConfigDict(frozen=True, extra="forbid")
_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- configuration

class FreeParameter(BaseModel):
    """A parameter the calibration may move: a uniform prior inside its declared range."""

    model_config = _STRICT

    prior: tuple[float, float]
    why: str = Field(min_length=1, description="the level(s) it acts on, and how")


class CalibrationMarket(BaseModel):
    """The (small) market every particle simulates: no lever, one entrant."""

    model_config = _STRICT

    regions: list[str] = Field(min_length=1)
    consumers_per_region: int = Field(ge=10, le=1_000_000)
    horizon_days: int = Field(ge=1, le=3650)


class AbcSettings(BaseModel):
    """The ABC-SMC budget: particles per generation and generations (counts, not time)."""

    model_config = _STRICT

    population_size: int = Field(ge=2, le=100_000)
    generations: int = Field(ge=1, le=100)
    seed: int = Field(ge=0)
    min_acceptance_rate: float = Field(0.0, ge=0, le=1, description=(
        "stop after a generation whose acceptance rate fell below this (0: never)"))
    kernel_scale: float | None = Field(None, gt=0, le=10, description=(
        "perturbation covariance = kernel_scale x the weighted covariance of the previous "
        "population (Beaumont et al. 2009: 2); None: pyabc's default, Silverman's rule"))


class PredictiveSettings(BaseModel):
    """Posterior predictive check: posterior draws simulated once each."""

    model_config = _STRICT

    draws: int = Field(ge=2, le=10_000)
    seed: int = Field(ge=0)


class RecoverySettings(BaseModel):
    """Recovery test: truths drawn from the prior, each calibrated on its own pseudo-data."""

    model_config = _STRICT

    truths: int = Field(ge=1, le=1_000)
    seed: int = Field(ge=0)
    population_size: int = Field(ge=2, le=100_000)
    generations: int = Field(ge=1, le=100)


class CalibrationConfig(BaseModel):
    """A validated calibration file (see ``experiments/validation/calibration.yaml``)."""

    model_config = _STRICT

    parameters: dict[str, FreeParameter] = Field(min_length=1)
    levels: list[str] = Field(min_length=1, description="level ids of levels.yaml fitted")
    undefined_z: float = Field(gt=0, description="z charged for a level the run cannot measure")
    market: CalibrationMarket
    abc: AbcSettings
    predictive: PredictiveSettings
    recovery: RecoverySettings

    @model_validator(mode="after")
    def _declared(self) -> CalibrationConfig:
        problems = [p for name, fp in self.parameters.items()
                    for p in prior_problems(name, fp.prior)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def names(self) -> list[str]:
        """Free parameter names, in file order."""
        return list(self.parameters)

    def spec(self, parameters: Mapping[str, float]) -> MarketSpec:
        """The calibration market with ``parameters`` laid over the declared defaults."""
        m = self.market
        return MarketSpec(name="calibration", regions=list(m.regions),
                          n_consumers=m.consumers_per_region * len(m.regions),
                          horizon_days=m.horizon_days, profile="declared",
                          parameters=dict(parameters))


def prior_problems(name: str, prior: Sequence[float]) -> list[str]:
    """Every problem with a free parameter's prior: unknown name, empty or outside its range."""
    fields = ModelParameters.model_fields
    if name not in fields:
        return [f"parameters.{name}: not a model parameter"]
    extra = fields[name].json_schema_extra or {}
    lo, hi = float(prior[0]), float(prior[1])
    out = []
    if not lo < hi:
        out.append(f"parameters.{name}.prior: lower bound {lo} must be below upper bound {hi}")
    if lo < extra["lo"] or hi > extra["hi"]:
        out.append(f"parameters.{name}.prior: [{lo}, {hi}] outside the declared range "
                   f"[{extra['lo']}, {extra['hi']}]")
    return out


def load_calibration_config(path: Path | None = None) -> CalibrationConfig:
    """Read and validate a calibration file; every problem at once, each with its field."""
    p = Path(path) if path is not None else CALIBRATION_CONFIG
    data = load_yaml_file(p) or {}
    try:
        return CalibrationConfig.model_validate(data)
    except ValidationError as e:
        raise ValueError(f"{p}: {format_validation_error(e)}") from None


# --------------------------------------------------------------------------- targets

@dataclass(frozen=True)
class Target:
    """One summary statistic: a level quantity in one region (or 'all') and its band."""

    key: str
    level: str
    quantity: str
    region: str
    kind: str  # 'band' or 'ceiling'
    lo: float
    hi: float

    @property
    def centre(self) -> float:
        """Band centre, or the ceiling's value."""
        return self.hi if self.kind == "ceiling" else (self.lo + self.hi) / 2

    @property
    def scale(self) -> float:
        """Half-width of the band (a ceiling [0, v]: v / 2)."""
        return self.hi / CEILING_SCALE if self.kind == "ceiling" else (self.hi - self.lo) / 2


def standardised(value: float, target: Target, undefined_z: float) -> float:
    """Z of one simulated level: (x - centre) / half-width; a ceiling counts only above v.

    >>> t = Target("k", "l", "q", "US", "band", 0.6, 0.8)
    >>> round(standardised(0.9, t, 3.0), 9), standardised(float("nan"), t, 3.0)
    (2.0, 3.0)
    >>> standardised(0.3, Target("k", "l", "q", "DE", "ceiling", 0.0, 0.4), 3.0)
    0.0
    """
    if not math.isfinite(value):
        return undefined_z
    if target.kind == "ceiling":
        return max(0.0, value - target.hi) / target.scale
    return (value - target.centre) / target.scale


def level_weights(targets: Sequence[Target]) -> np.ndarray:
    """Weight of each statistic: 1 / (statistics of its level), so every level weighs the same.

    A level measured in five regions would otherwise count five times as much as a pooled
    one; the patterns, not their regional copies, are what the calibration must reproduce.

    >>> ts = [Target(k, lv, "q", "US", "band", 0, 1) for k, lv in
    ...       (("a", "x"), ("b", "x"), ("c", "y"))]
    >>> level_weights(ts).tolist()
    [0.5, 0.5, 1.0]
    """
    counts = Counter(t.level for t in targets)
    return np.array([1.0 / counts[t.level] for t in targets])


def distance(stats: Mapping[str, float], targets: Sequence[Target], undefined_z: float
             ) -> float:
    """Weighted root mean square of the standardised levels (:func:`level_weights`).

    1 = on average at a band's edge; every level weighs the same whatever its regions.
    """
    z = np.array([standardised(float(stats[t.key]), t, undefined_z) for t in targets])
    return float(np.sqrt(np.average(np.square(z), weights=level_weights(targets))))


def build_targets(cfg: CalibrationConfig, levels_file: Path = LEVELS_FILE) -> list[Target]:
    """The summary statistics: each fitted level in each market region it applies to.

    A level whose regions cover the whole calibration market (a figure about all markets, like
    the fraud rate) is one statistic on the pooled market ('all'); a region-specific figure is
    one statistic per market region it names. Catalog levels (delivery days) come per region.
    """
    levels = load_levels(levels_file)
    known = {e["id"]: e for e in [*levels["levels"], *levels["catalog"]]}
    unknown = [i for i in cfg.levels if i not in known]
    if unknown:
        raise ValueError(f"levels: {unknown} are not level ids of {levels_file} "
                         f"(known: {sorted(known)})")
    market = list(cfg.market.regions)
    catalog = load_catalog()
    regions = RegionTable.from_regions(catalog.select(market))
    direct = cfg.spec({}).sellers[0].fulfilment.direct_mode
    figures = figures_for({**levels, "levels": [known[i] for i in cfg.levels
                                                if i in {e["id"] for e in levels["levels"]}]},
                          regions, direct)
    out: list[Target] = []
    for lid in cfg.levels:
        entry = known[lid]
        if "field" in entry:  # a catalog level
            for code in market:
                f = figures[(code, entry["quantity"])]
                if f.id == lid:
                    out.append(Target(f"{lid}@{code}", lid, entry["quantity"], code, "band",
                                      *f.band))
            continue
        named = list(entry["values"]) if entry.get("kind") == "ceiling" else entry["regions"]
        here = [c for c in market if c in named]
        if not here:
            raise ValueError(f"levels: {lid} names none of the market's regions {market}")
        kind = "ceiling" if entry.get("kind") == "ceiling" else "band"
        if kind == "band" and set(market) <= set(named):
            lo, hi = entry["band"]
            out.append(Target(f"{lid}@all", lid, entry["quantity"], "all", kind, lo, hi))
            continue
        for code in here:
            if kind == "ceiling":
                out.append(Target(f"{lid}@{code}", lid, entry["quantity"], code, kind, 0.0,
                                  float(entry["values"][code])))
            else:
                lo, hi = entry["band"]
                out.append(Target(f"{lid}@{code}", lid, entry["quantity"], code, kind, lo, hi))
    return out


def level_statistics(quantities: pd.DataFrame, targets: Sequence[Target]) -> dict[str, float]:
    """The summary statistics of one run (its :func:`run_quantities` table)."""
    return {t.key: float(quantities.loc[t.region, t.quantity]) for t in targets}


def pseudo_targets(targets: Sequence[Target], stats: Mapping[str, float]) -> list[Target]:
    """Recovery: bands of the same half-width centred on simulated values (NaN ones dropped).

    A ceiling becomes a band of half-width v / 2 around the simulated value, so the pseudo-data
    pin the level down as a band would.
    """
    out = []
    for t in targets:
        x = float(stats[t.key])
        if math.isfinite(x):
            out.append(replace(t, kind="band", lo=x - t.scale, hi=x + t.scale))
    return out


# --------------------------------------------------------------------------- the model

@dataclass(frozen=True)
class LevelModel:
    """pyabc model: parameters -> level statistics of one run of the calibration market.

    The run's seed is drawn from ``np.random``, which the sampler seeds per particle task, so a
    particle's simulation depends on its own seed only (never on the worker or the order).
    """

    cfg: CalibrationConfig
    targets: tuple[Target, ...]

    def __call__(self, pars: Mapping[str, float]) -> dict[str, float]:
        """The level statistics of one run at ``pars``."""
        seed = int(np.random.randint(SEED_BOUND))  # noqa: NPY002 (pyabc's global state)
        return simulate_levels(self.cfg, {k: float(pars[k]) for k in self.cfg.names},
                               self.targets, seed)


def simulate_levels(cfg: CalibrationConfig, parameters: Mapping[str, float],
                    targets: Sequence[Target], seed: int) -> dict[str, float]:
    """Run the calibration market once and read the level statistics."""
    return level_statistics(run_quantities(run_spec(cfg.spec(parameters), seed)), targets)


@dataclass(frozen=True)
class LevelDistance:
    """pyabc distance: RMS of standardised levels (:func:`distance`); x0 is not used."""

    targets: tuple[Target, ...]
    undefined_z: float

    def __call__(self, x: Mapping[str, float], x0: Mapping[str, float]) -> float:
        """Distance of simulated levels ``x`` to the bands (``x0`` is implied by them)."""
        return distance(x, self.targets, self.undefined_z)


# --------------------------------------------------------------------------- sampling

Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


def _particle_task(payload: tuple[Callable[[], Any], int]) -> tuple[Any, int]:
    """One particle: seed numpy and random from the task's seed, simulate until accepted.

    ``simulate_one`` is pyabc's ``functools.partial`` of module-level functions over picklable
    parts (our model and distance are module-level dataclasses), so a process pool ships it
    with the standard library's pickling; the serial map calls it in place.
    """
    simulate_one, seed = payload
    np.random.seed(seed)  # noqa: NPY002 (pyabc samples from the global state)
    random.seed(seed)
    from pyabc.population import Sample

    sample = Sample(record_rejected=False)
    n = 0
    while True:
        particle = simulate_one()
        n += 1
        sample.append(particle)
        if particle.accepted:
            return sample, n


def _make_sampler(mapper: Mapper) -> Any:
    """A pyabc sampler whose n particle tasks get seeds drawn from the driver's np.random.

    pyabc's own MappingSampler reseeds each task from OS entropy; this one is deterministic and
    keeps the map's order, so serial, processes and dask give the same population.
    """
    from pyabc.sampler import Sampler

    class SeededMappingSampler(Sampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            """Accept n particles: one seeded task per particle, in map order."""
            seeds = np.random.randint(SEED_BOUND, size=n).tolist()  # noqa: NPY002
            results = mapper(_particle_task, [(simulate_one, int(s)) for s in seeds])
            sample = self._create_empty_sample()
            total = 0
            for part, evals in results:
                sample += part
                total += evals
            self.nr_evaluations_ = total
            return sample

    return SeededMappingSampler()


@contextmanager
def open_mapper(backend: str = "serial", workers: int | None = None,
                scheduler: str | None = None) -> Iterator[Mapper]:
    """An order-preserving map on a backend: 'serial', 'processes' or 'dask'."""
    if backend == "serial":
        yield lambda f, xs: [f(x) for x in xs]
    elif backend == "processes":
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=default_workers(workers),
                                 mp_context=process_context()) as pool:
            yield lambda f, xs: list(pool.map(f, xs))
    elif backend == "dask":
        from distributed import Client, LocalCluster

        cluster = None if scheduler else LocalCluster(
            n_workers=default_workers(workers), threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None)
        client = Client(scheduler or cluster)
        try:
            yield lambda f, xs: client.gather(client.map(f, list(xs), pure=False))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        raise ValueError(f"backend: {backend!r}, allowed: serial, processes, dask")


# --------------------------------------------------------------------------- ABC-SMC

class CalibrationStopped(RuntimeError):
    """Raised by a test's ``after_generation`` hook to simulate a kill."""


def generation_seed(seed: int, t: int) -> int:
    """The np.random seed of generation ``t``: from (seed, t), independent of history."""
    return int(np.random.SeedSequence([int(seed), int(t)]).generate_state(1)[0])


def config_hash(cfg: CalibrationConfig, targets: Sequence[Target], population_size: int
                ) -> str:
    """Identity of a calibration: a folder holding another one is refused, not mixed.

    The number of generations and the stopping rule are left out: generation t depends only on
    (seed, t) and the history before it, so raising ``generations`` continues the same run.
    """
    fixed = cfg.model_dump(mode="json", exclude={"predictive", "recovery"})
    fixed["abc"] = {k: v for k, v in fixed["abc"].items()
                    if k not in ("generations", "min_acceptance_rate")}
    text = json.dumps({"cfg": fixed, "pop": population_size,
                       "targets": [t.__dict__ for t in targets]}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AbcRun:
    """What a finished (or resumed and finished) ABC-SMC run left in its folder."""

    folder: Path
    posterior: pd.DataFrame  # parameter columns (config order) + weight
    generations: pd.DataFrame  # t, epsilon, samples, particles, acceptance_rate
    total_simulations: int
    resumed_from: int  # generations found complete at start


def run_abc(cfg: CalibrationConfig, targets: Sequence[Target], folder: Path,
            mapper: Mapper, population_size: int | None = None,
            generations: int | None = None,
            after_generation: Callable[[int], None] | None = None,
            log: Callable[[str], None] | None = None) -> AbcRun:
    """ABC-SMC into ``folder`` (SQLite history), resuming from its last complete generation."""
    import pyabc

    for name in ("ABC", "pyabc", "Epsilon", "History", "Distance", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    folder.mkdir(parents=True, exist_ok=True)
    pop = population_size or cfg.abc.population_size
    n_gen = generations or cfg.abc.generations
    db_path = folder / DB_NAME
    db = f"sqlite:///{db_path}"
    state_path = folder / STATE_NAME
    ident = config_hash(cfg, targets, pop)
    done = 0
    if db_path.exists():
        state = json.loads(state_path.read_text()) if state_path.exists() else {}
        if state.get("config_hash") != ident:
            raise ValueError(f"{folder}: holds another calibration (config hash "
                             f"{state.get('config_hash')} != {ident}); use a new --out folder")
        history = pyabc.History(db)
        done = history.max_t + 1 if history.n_populations else 0
        if done == 0:
            db_path.unlink()  # killed before its first generation: start over
    atomic_write_text(state_path, json.dumps({"config_hash": ident}) + "\n")
    resumed_from = done
    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", p.prior[0], p.prior[1] - p.prior[0])
                                  for k, p in cfg.parameters.items()})
    model = LevelModel(cfg, tuple(targets))
    dist = LevelDistance(tuple(targets), cfg.undefined_z)
    x0 = {t.key: t.centre for t in targets}
    for t in range(done, n_gen):
        if t > 0 and _acceptance(pyabc.History(db), t - 1, pop) < cfg.abc.min_acceptance_rate:
            break
        seed = generation_seed(cfg.abc.seed, t)
        np.random.seed(seed)  # noqa: NPY002 (pyabc's perturbation uses the global state)
        random.seed(seed)
        eps = [math.inf] + [_median_distance(pyabc.History(db), s) for s in range(t)]
        abc = pyabc.ABCSMC(model, prior, dist, population_size=pop,
                           transitions=perturbation_kernel(cfg.abc.kernel_scale),
                           sampler=_make_sampler(mapper), eps=pyabc.ListEpsilon(eps))
        if t == 0:
            abc.new(db, x0)
        else:
            abc.load(db, 1, observed_sum_stat=x0)
        abc.run(max_nr_populations=1)
        if log:
            log(f"generation {t}: epsilon {eps[t]:.4g}")
        if after_generation is not None:
            after_generation(t)
    history = pyabc.History(db)
    df, w = history.get_distribution(m=0, t=history.max_t)
    post = df[cfg.names].reset_index(drop=True).astype(float)
    post[WEIGHT] = np.asarray(w, float) / np.sum(w)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    gens = pd.DataFrame({"t": pops["t"].astype(int), "epsilon": pops["epsilon"].astype(float),
                         "simulations": pops["samples"].astype(int), "particles": pop})
    gens["acceptance_rate"] = gens["particles"] / gens["simulations"]
    return AbcRun(folder, post, gens, int(gens["simulations"].sum()), resumed_from)


def unit_bandwidth(n_samples: float, dimension: int) -> float:
    """Bandwidth factor 1: the kernel covariance is set by ``kernel_scale`` alone."""
    return 1.0


def perturbation_kernel(kernel_scale: float | None) -> Any:
    """The multivariate normal perturbation of pyabc, scaled as the config asks.

    With ``kernel_scale`` set, the covariance is ``kernel_scale`` x the weighted covariance of
    the previous population (Beaumont, Cornuet, Marin & Robert 2009 use 2; Filippi et al. 2013
    discuss why a kernel narrower than that lets a few particles take all the weight). Without
    it, pyabc's Silverman factor, which shrinks as the effective sample size grows.
    """
    from pyabc.transition import MultivariateNormalTransition

    if kernel_scale is None:
        return MultivariateNormalTransition()
    return MultivariateNormalTransition(scaling=kernel_scale, bandwidth_selector=unit_bandwidth)


def _median_distance(history: Any, t: int) -> float:
    """Weighted median of generation ``t``'s accepted distances (the next threshold)."""
    wd = history.get_weighted_distances(t)
    return weighted_quantile(wd["distance"].to_numpy(float), wd["w"].to_numpy(float),
                             EPSILON_QUANTILE)


def _acceptance(history: Any, t: int, pop: int) -> float:
    """Accepted / simulated in generation ``t``."""
    pops = history.get_all_populations()
    row = pops[pops["t"] == t]
    return pop / float(row["samples"].iloc[0])


# --------------------------------------------------------------------------- analysis

def posterior_summary(cfg: CalibrationConfig, post: Posterior) -> pd.DataFrame:
    """Per parameter: prior, weighted median and 90% credible interval, identifiability."""
    rows = []
    for j, name in enumerate(post.names):
        x, w = post.values[:, j], post.weights
        lo, hi = cfg.parameters[name].prior
        q_lo, q_med, q_hi = (weighted_quantile(x, w, q) for q in (CI_LO, 0.5, CI_HI))
        ratio = (q_hi - q_lo) / (PRIOR_CI_WIDTH * (hi - lo))
        rows.append({"parameter": name, "prior_lo": lo, "prior_hi": hi,
                     "declared_default": ModelParameters.model_fields[name].default,
                     "median": q_med, "ci90_lo": q_lo, "ci90_hi": q_hi,
                     "width_ratio": ratio, "pinned_down": bool(ratio <= NOT_PINNED_RATIO)})
    return pd.DataFrame(rows)


def weighted_correlations(post: Posterior) -> pd.DataFrame:
    """Weighted Pearson correlation matrix of the posterior particles."""
    c = np.cov(post.values, rowvar=False, aweights=post.weights)
    c = np.atleast_2d(c)
    sd = np.sqrt(np.diag(c))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = c / np.outer(sd, sd)
    return pd.DataFrame(r, index=list(post.names), columns=list(post.names))


def strong_pairs(corr: pd.DataFrame, threshold: float = STRONG_CORRELATION
                 ) -> list[tuple[str, str, float]]:
    """Pairs with |r| above ``threshold`` (each pair once)."""
    names = list(corr.index)
    return [(a, b, float(corr.loc[a, b])) for i, a in enumerate(names) for b in names[i + 1:]
            if math.isfinite(corr.loc[a, b]) and abs(corr.loc[a, b]) > threshold]


def _predictive_task(payload: tuple[CalibrationConfig, dict[str, float], tuple[Target, ...],
                                    int]) -> dict[str, float]:
    """One posterior predictive run (module level, so process pools can pickle it)."""
    cfg, pars, targets, seed = payload
    return simulate_levels(cfg, pars, targets, seed)


def predictive_check(cfg: CalibrationConfig, targets: Sequence[Target], post: Posterior,
                     mapper: Mapper) -> pd.DataFrame:
    """Per level statistic: band, simulated 90% interval over posterior draws, covered or not.

    covered: the simulated 90% interval overlaps the band (a ceiling: its lower end is at or
    below the ceiling); value_inside: the published figure lies inside the interval.
    """
    draws = post.draws(cfg.predictive.draws, cfg.predictive.seed)
    seeds = np.random.SeedSequence(cfg.predictive.seed).generate_state(len(draws)).tolist()
    sims = mapper(_predictive_task, [(cfg, d, tuple(targets), int(s))
                                     for d, s in zip(draws, seeds, strict=True)])
    rows = []
    for t in targets:
        x = np.array([s[t.key] for s in sims], float)
        ok = x[np.isfinite(x)]
        lo, hi = (np.quantile(ok, [CI_LO, CI_HI]).tolist() if len(ok) else (math.nan, math.nan))
        figure = t.hi if t.kind == "ceiling" else t.centre
        if not len(ok):
            covered, inside = False, False
        elif t.kind == "ceiling":
            covered, inside = lo <= t.hi, lo <= t.hi
        else:
            covered, inside = lo <= t.hi and hi >= t.lo, lo <= figure <= hi
        rows.append({"statistic": t.key, "level": t.level, "region": t.region,
                     "quantity": t.quantity, "kind": t.kind, "band_lo": t.lo,
                     "band_hi": t.hi, "figure": figure,
                     "sim_median": float(np.median(ok)) if len(ok) else math.nan,
                     "sim_ci90_lo": lo, "sim_ci90_hi": hi, "draws_defined": len(ok),
                     "covered": bool(covered), "figure_inside": bool(inside)})
    return pd.DataFrame(rows)


def corner_plot(post: Posterior, cfg: CalibrationConfig, path: Path) -> None:
    """Pair plot: weighted histograms on the diagonal, particles below, priors as limits."""
    n = len(post.names)
    fig, axes = new_figure(n, n, figsize=(2.1 * n, 2.1 * n), squeeze=False)
    size = 40 * post.weights / post.weights.max()
    for i, a in enumerate(post.names):
        for j, b in enumerate(post.names):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                ax.hist(post.values[:, i], bins=20, weights=post.weights,
                        range=cfg.parameters[a].prior, color="tab:blue")
                ax.set_yticks([])
            else:
                ax.scatter(post.values[:, j], post.values[:, i], s=size, alpha=0.5,
                           color="tab:blue", lw=0)
                ax.set_ylim(*cfg.parameters[a].prior)
            ax.set_xlim(*cfg.parameters[b].prior)
            if i == n - 1:
                ax.set_xlabel(b, fontsize=7)
            if j == 0 and i != 0:
                ax.set_ylabel(a, fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle("Posterior over the free parameters (axes = prior ranges)")
    fig.savefig(path, dpi=110)


def _md_table(frame: pd.DataFrame, floatfmt: str = ".4g") -> list[str]:
    """A DataFrame as Markdown table lines."""
    cols = list(frame.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        out.append("| " + " | ".join(format(v, floatfmt) if isinstance(v, float) else str(v)
                                     for v in row) + " |")
    return out


@dataclass(frozen=True)
class CalibrationResult:
    """A finished calibration: the run, its summaries and where they were written."""

    abc: AbcRun
    summary: pd.DataFrame
    predictive: pd.DataFrame
    pairs: list[tuple[str, str, float]]
    written: Path | None


def run_calibration(cfg: CalibrationConfig, out: Path, backend: str = "serial",
                    workers: int | None = None, scheduler: str | None = None,
                    adopt_to: tuple[Path, Path] | None = None,
                    levels_file: Path = LEVELS_FILE,
                    after_generation: Callable[[int], None] | None = None,
                    log: Callable[[str], None] | None = None) -> CalibrationResult:
    """Calibrate on the levels, write the outputs into ``out``; adopt if asked.

    ``adopt_to`` = (calibrated_parameters.yaml, posterior.csv) paths to write the median and
    the posterior to (``--adopt``: the package's data files); None writes neither.
    ``after_generation`` is called with each finished generation (tests inject faults there).
    """
    out = Path(out)
    targets = build_targets(cfg, levels_file)
    with open_mapper(backend, workers, scheduler) as mapper:
        run = run_abc(cfg, targets, out, mapper, after_generation=after_generation, log=log)
        post = posterior_from_frame(run.posterior, origin="calibration")
        predictive = predictive_check(cfg, targets, post, mapper)
    summary = posterior_summary(cfg, post)
    corr = weighted_correlations(post)
    pairs = strong_pairs(corr)
    run.posterior.to_csv(out / "posterior.csv", index=False, float_format="%.17g")
    summary.to_csv(out / "parameters.csv", index=False)
    predictive.to_csv(out / "predictive.csv", index=False)
    corr.to_csv(out / "correlations.csv")
    run.generations.to_csv(out / "generations.csv", index=False)
    corner_plot(post, cfg, out / "corner.png")
    provenance = _provenance(cfg, run, backend, levels_file)
    atomic_write_text(out / "report.md", render_report(cfg, run, summary, predictive, pairs,
                                                       provenance))
    median = {k: float(v) for k, v in zip(summary["parameter"], summary["median"], strict=True)}
    doc = _profile_doc(median, provenance)
    atomic_write_text(out / "calibrated_parameters.yaml", doc)
    written = None
    if adopt_to is not None:
        atomic_write_text(adopt_to[0], doc)
        atomic_write_text(adopt_to[1], (out / "posterior.csv").read_text())
        written = adopt_to[0]
    write_manifest(out, build_manifest(
        cfg.spec(median), [cfg.abc.seed], {}, command="xbsim calibrate",
        calibration=provenance, outputs=sorted(p.name for p in out.iterdir())))
    return CalibrationResult(run, summary, predictive, pairs, written)


def _provenance(cfg: CalibrationConfig, run: AbcRun, backend: str, levels_file: Path
                ) -> dict[str, Any]:
    """Where a calibrated set comes from: run id, levels, budget, seed, date, commit."""
    code = code_version()
    return {
        "run_id": config_hash(cfg, build_targets(cfg, levels_file), cfg.abc.population_size),
        "method": "ABC-SMC (pyabc), uniform priors, RMS of band-standardised levels",
        "levels_fitted": list(cfg.levels),
        "effects_fitted": [],
        "budget": {"population_size": cfg.abc.population_size,
                   "generations_max": cfg.abc.generations,
                   "generations_run": len(run.generations),
                   "simulations": run.total_simulations},
        "seed": cfg.abc.seed,
        "market": cfg.market.model_dump(),
        "priors": {k: list(p.prior) for k, p in cfg.parameters.items()},
        "backend": backend,
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "git_commit": code.get("git_commit"),
        "git_dirty": code.get("git_dirty"),
    }


def _profile_doc(median: Mapping[str, float], provenance: Mapping[str, Any]) -> str:
    """calibrated_parameters.yaml: the posterior median plus provenance."""
    head = ("# Posterior median of xbsim's free parameters, written by `xbsim calibrate --adopt`\n"
            "# (ABC-SMC on the LEVEL patterns of experiments/validation/levels.yaml only; no\n"
            "# effect of a lever is fitted). The `calibrated` profile (simulation/profiles.py)\n"
            "# lays these over the declared defaults, which stay the documented priors.\n")
    return head + yaml.safe_dump({"parameters": dict(median), "provenance": dict(provenance)},
                                 sort_keys=False)


def render_report(cfg: CalibrationConfig, run: AbcRun, summary: pd.DataFrame,
                  predictive: pd.DataFrame, pairs: Sequence[tuple[str, str, float]],
                  provenance: Mapping[str, Any]) -> str:
    """report.md: what was fitted, the posterior against the prior, checks, identifiability."""
    m = cfg.market
    covered = int(predictive["covered"].sum())
    levels_cov = predictive.groupby("level")["covered"].all()
    missed = predictive[~predictive["covered"]]
    ess = effective_sample_size(run.posterior[WEIGHT].to_numpy(float))
    n_particles = len(run.posterior)
    ess_line = (f"Effective sample size of the final population's importance weights (Kish): "
                f"{ess:.1f} of {n_particles} particles.")
    if ess < DEGENERATE_ESS_SHARE * n_particles:
        ess_line += (" **The weights are degenerate**: the medians, credible intervals and "
                     "posterior draws rest on a few particles, so parameter uncertainty is "
                     "understated (remedies: more particles or generations, or a wider "
                     "perturbation kernel, `abc.kernel_scale` in the configuration).")
    lines = [
        "# Calibration on levels (ABC-SMC)", "",
        "Generated by `xbsim calibrate`; see experiments/validation/README.md for the method.",
        "", "## What was fitted", "",
        f"Only level patterns (experiments/validation/levels.yaml): {', '.join(cfg.levels)}. "
        "No effect of a lever was read or fitted (facts.yaml is never opened).", "",
        f"Market: {', '.join(m.regions)}, {m.consumers_per_region:,} consumers per region, "
        f"{m.horizon_days} days, one entrant, no lever, declared defaults under the free "
        f"parameters. Budget: {cfg.abc.population_size} particles x "
        f"{len(run.generations)} generations = {run.total_simulations} simulations, seed "
        f"{cfg.abc.seed}; commit {provenance['git_commit']}.", "",
        "## Generations", "", *_md_table(run.generations), "",
        "## Posterior against the prior", "",
        "Median and central 90% credible interval; width_ratio = posterior 90% width / prior "
        f"90% width; pinned_down = width_ratio <= {NOT_PINNED_RATIO}.", "", ess_line, "",
        *_md_table(summary), "",
        "## Posterior predictive check", "",
        f"{cfg.predictive.draws} posterior draws, one run each. covered = the simulated 90% "
        "interval overlaps the band (a ceiling: the interval starts at or below it); "
        "figure_inside = the published figure lies inside the interval.", "",
        f"**{covered} of {len(predictive)} statistics covered; "
        f"{int(levels_cov.sum())} of {len(levels_cov)} level patterns covered in every "
        "region.**", "",
        *_md_table(predictive[["statistic", "kind", "band_lo", "band_hi", "sim_median",
                               "sim_ci90_lo", "sim_ci90_hi", "covered", "figure_inside"]]),
        "", "## Identifiability", "",
        "Not pinned down by the levels: "
        + (", ".join(summary.loc[~summary["pinned_down"], "parameter"]) or "none") + ".", "",
        "Strongly correlated pairs (|r| > " f"{STRONG_CORRELATION}): "
        + ("; ".join(f"{a} ~ {b} (r = {r:+.2f})" for a, b, r in pairs) or "none") + ".", "",
        "## Levels not covered", "",
    ]
    if len(missed):
        lines += [f"- `{r.statistic}`: simulated 90% interval [{r.sim_ci90_lo:.3g}, "
                  f"{r.sim_ci90_hi:.3g}] vs band [{r.band_lo:.3g}, {r.band_hi:.3g}]"
                  + (f" ({LIMITS[r.level]})" if r.level in LIMITS else "")
                  for r in missed.itertuples()]
    else:
        lines.append("none")
    lines += ["", "Files: posterior.csv (particles + weight), parameters.csv, predictive.csv, "
              "correlations.csv, generations.csv, corner.png, calibrated_parameters.yaml, "
              "abc.db (pyabc history, for resuming), manifest.json."]
    return "\n".join(lines) + "\n"


LIMITS: dict[str, str] = {
    "first_exposure_via_friend": "forwarding of ads and content (free) lifts it from ~0 to "
    "about 0.2, no higher: the entrant's own ads reach most consumers before any friend "
    "forwards anything; what is missing is word of mouth about the category (friends' shares "
    "of other sellers' products that make a consumer look for this one), which a "
    "one-entrant market does not simulate",
    "touches_before_first_purchase": "the level is touches a buyer recalls (each fades at "
    "attention_decay); trust, not interest, is the binding stage, and the per-touch trust "
    "gains (`kol_trust_gain`, `wom_trust_gain`, `live_trust_gain`) are not free parameters "
    "here",
    "catalog_delivery_days": "the hub's processing days (free) are only part of the gap: "
    "the shipped-parcel days add processing, customs and lost parcels to the catalog's "
    "transit days; whether the catalog figure already includes them needs checking",
    "fraud_rate_baseline": "no free parameter acts on it: attempt rates come from the region "
    "catalog and screening from the payment providers",
    "trusting_share": "the survey counts users who trust recommendations in general; the "
    "model counts aware consumers at the funnel's trust stage for one seller",
}
"""Known reasons a level may stay outside its band (shown in the report when it does)."""


# --------------------------------------------------------------------------- recovery

def _truth_task(payload: tuple[CalibrationConfig, dict[str, float], tuple[Target, ...], int]
                ) -> dict[str, float]:
    """Pseudo-observed statistics at a known parameter set."""
    return _predictive_task(payload)


def recovery_truths(cfg: CalibrationConfig) -> list[dict[str, float]]:
    """Known parameter sets drawn from the prior with the recovery seed."""
    rng = np.random.default_rng(cfg.recovery.seed)
    return [{k: float(rng.uniform(*p.prior)) for k, p in cfg.parameters.items()}
            for _ in range(cfg.recovery.truths)]


def run_recovery(cfg: CalibrationConfig, out: Path, backend: str = "serial",
                 workers: int | None = None, scheduler: str | None = None,
                 levels_file: Path = LEVELS_FILE,
                 log: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Calibrate on pseudo-data simulated at known truths; coverage of the 90% intervals.

    Writes ``recovery.csv`` (one row per truth and parameter) and ``recovery.md`` into ``out``
    and a manifest; each truth's ABC history sits in ``out/truth_<i>`` (resumable).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    targets = build_targets(cfg, levels_file)
    truths = recovery_truths(cfg)
    seeds = np.random.SeedSequence([cfg.recovery.seed, 1]).generate_state(len(truths)).tolist()
    rows = []
    with open_mapper(backend, workers, scheduler) as mapper:
        observed = mapper(_truth_task, [(cfg, tr, tuple(targets), int(s))
                                        for tr, s in zip(truths, seeds, strict=True)])
        for i, (truth, obs) in enumerate(zip(truths, observed, strict=True)):
            pseudo = pseudo_targets(targets, obs)
            run = run_abc(cfg, pseudo, out / f"truth_{i}", mapper,
                          cfg.recovery.population_size, cfg.recovery.generations, log=log)
            post = posterior_from_frame(run.posterior, origin=f"truth_{i}")
            summary = posterior_summary(cfg, post)
            for r in summary.itertuples():
                rows.append({"truth": i, "parameter": r.parameter, "true": truth[r.parameter],
                             "median": r.median, "ci90_lo": r.ci90_lo, "ci90_hi": r.ci90_hi,
                             "width_ratio": r.width_ratio,
                             "covered": bool(r.ci90_lo <= truth[r.parameter] <= r.ci90_hi)})
    table = pd.DataFrame(rows)
    table.to_csv(out / "recovery.csv", index=False)
    atomic_write_text(out / "recovery.md", render_recovery(cfg, table))
    write_manifest(out, build_manifest(cfg.spec({}), [cfg.recovery.seed], {},
                                       command="xbsim calibrate --recovery",
                                       recovery=cfg.recovery.model_dump()))
    return table


def render_recovery(cfg: CalibrationConfig, table: pd.DataFrame) -> str:
    """recovery.md: coverage overall and per parameter."""
    per = table.groupby("parameter", sort=False).agg(covered=("covered", "sum"),
                                                     truths=("covered", "size"),
                                                     mean_width_ratio=("width_ratio", "mean"))
    per = per.reset_index()
    r = cfg.recovery
    lines = [
        "# Recovery test of the level calibration", "",
        "Generated by `xbsim calibrate --recovery`. Known parameter sets are drawn from the "
        f"prior (seed {r.seed}); the level statistics are simulated once at each; each is "
        "then calibrated with the pseudo-observed values as band centres (half-widths as in "
        f"levels.yaml; a ceiling becomes a band of half-width v / 2), {r.population_size} "
        f"particles x {r.generations} generations, market {', '.join(cfg.market.regions)} x "
        f"{cfg.market.consumers_per_region:,} consumers, {cfg.market.horizon_days} days.", "",
        f"**The 90% credible interval covers the truth in {int(table['covered'].sum())} of "
        f"{len(table)} parameter-truth pairs ({table['covered'].mean():.0%}).** The intervals "
        f"are wide (mean posterior/prior width ratio {table['width_ratio'].mean():.2f}), so "
        "part of the coverage comes from breadth: a parameter with ratio near 1 is not "
        "recovered, only not contradicted.", "",
        *_md_table(per), "", "## All pairs", "", *_md_table(table), "",
    ]
    return "\n".join(lines)
