"""Scenario files: a base market plus named variants, compared with common random numbers.

A scenario file is YAML::

    name: overseas-warehouse-vs-direct
    base: {regions: [BR, ID], n_consumers: 20000, horizon_days: 180, sellers: [...]}
    baseline: direct                      # the scenario differences are taken against
    scenarios:
      direct: {}
      warehouse: {sellers: {entrant: {levers: {overseas_warehouse: {regions: [BR]}}}}}
    replications: 10
    master_seed: 2026
    headline_metric: orders               # optional: the question's headline metric
    posterior_draws: 10                   # optional: one posterior parameter draw per replication

Each scenario is the base deep-merged with its patch; ``sellers`` in a patch is a mapping from
seller name to that seller's patch. Every scenario is validated completely (fields, ranges,
region and seller references) before anything runs, and every problem is reported at once,
one line each, naming the file, the scenario (or ``base``) and the path as written.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from simulation.metrics import METRIC_NAMES
from simulation.spec import (
    MarketSpec,
    Problem,
    SellerSpec,
    SpecError,
    describe_errors,
    read_yaml_mapping,
    render_path,
    spec_problems,
    suggestion,
)

DEFAULT_HEADLINE_METRIC = "orders"
"""The headline metric of a scenario file that names none: orders, the volume every lever
aims at (profit is always reported beside it)."""
OMITTED_AT_DEFAULT = ("headline_metric", "posterior_draws", "posterior_file")
"""Fields a dump leaves out while they hold their defaults: they came after published results
whose identities hash a scenario file's dump, which stay valid for files that do not use them."""
BASE_ALONE_NAME = "base"
"""Name given to the base when it is checked on its own (a scenario's name is its key)."""


def baseline_problem(baseline: str | None, scenarios: Sequence[str]) -> str | None:
    """What is wrong with ``baseline`` (not one of the scenarios), or None."""
    if baseline is None or baseline in scenarios:
        return None
    options = ", ".join(repr(s) for s in scenarios)
    hint = suggestion(baseline, list(scenarios), list_if_none=False)
    return f"{baseline!r} is not one of the scenarios ({options})" + (f"; {hint}" if hint else "")


class ScenarioFile(BaseModel):
    """A validated scenario file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    base: dict[str, Any] = Field(default_factory=dict)
    scenarios: dict[str, dict[str, Any]] = Field(min_length=1)
    baseline: str | None = Field(None, description="None: the first scenario")
    replications: int = Field(10, ge=1, le=10_000)
    master_seed: int = Field(2026, ge=0)
    metrics: list[str] | None = Field(None, description="metrics in the report; None: all")
    headline_metric: str = Field(DEFAULT_HEADLINE_METRIC,
                                 description="the question's headline metric (a model metric)")
    posterior_draws: int | None = Field(
        None, ge=1, le=10_000, description="replications each with its own posterior parameter "
                                           "draw (None: the profile's point values)")
    posterior_file: str | None = Field(None, description="posterior CSV (None: the shipped one)")
    _plain: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _check(self) -> ScenarioFile:
        problem = baseline_problem(self.baseline, list(self.scenarios))
        if problem:
            raise ValueError(f"baseline: {problem}")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: Any) -> dict[str, Any]:
        """The fields, less those of :data:`OMITTED_AT_DEFAULT` that hold their defaults."""
        data = handler(self)
        for name in OMITTED_AT_DEFAULT:
            if name in data and data[name] == type(self).model_fields[name].default:
                del data[name]
        return data

    @field_validator("headline_metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRIC_NAMES:
            hint = suggestion(value, list(METRIC_NAMES), list_if_none=False)
            raise ValueError(f"{value!r} is not a model metric" + (f"; {hint}" if hint else "")
                             + " (the metrics: simulation.metrics.METRIC_NAMES)")
        return value

    @property
    def baseline_name(self) -> str:
        """The scenario differences are taken against."""
        return self.baseline or next(iter(self.scenarios))

    @property
    def is_plain_spec(self) -> bool:
        """True when read from a market spec (one scenario, no ``scenarios:`` in the file)."""
        return self._plain

    def specs(self) -> dict[str, MarketSpec]:
        """Every scenario as a validated MarketSpec; a ScenarioError lists every problem."""
        specs, lines = check_scenarios(self.base, self.scenarios, plain=self._plain)
        if lines:
            raise ScenarioError(lines)
        return specs


class ScenarioError(SpecError):
    """Scenarios that do not validate: one line per problem, naming scenario and field."""


def merge_patch(base: Mapping[str, Any], patch: Mapping[str, Any],
                problems: list[Problem] | None = None) -> dict[str, Any]:
    """Deep-merge ``patch`` into ``base``; ``sellers`` may be patched by seller name.

    A seller name the base does not have raises ValueError, or, given a ``problems`` list, is
    recorded there and skipped (so that every problem of a scenario file can be reported).
    """
    out = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if key == "sellers" and isinstance(value, Mapping):
            _merge_sellers(out, value, problems)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_patch(out[key], value, problems)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_sellers(out: dict[str, Any], patches: Mapping[str, Any],
                   problems: list[Problem] | None) -> None:
    """Patch the sellers of ``out`` by name, in place."""
    sellers = out.get("sellers") or [{}]
    if not isinstance(sellers, list):
        return  # the base's own validation reports it
    default = SellerSpec.model_fields["name"].default
    names = [s.get("name", default) if isinstance(s, Mapping) else None for s in sellers]
    for seller_name, seller_patch in patches.items():
        where = f"sellers[{seller_name}]"
        if seller_name not in names or not isinstance(seller_patch, Mapping):
            known = [n for n in names if isinstance(n, str)]
            message = (f"no seller of that name in the base (sellers: {', '.join(known)})"
                       if seller_name not in names else
                       f"{seller_patch!r} is not a mapping of the seller's fields")
            hint = suggestion(seller_name, known, list_if_none=False)
            if problems is None:
                raise ValueError(f"{where}: {message}" + (f"; {hint}" if hint else ""))
            problems.append(Problem(("sellers",), message + (f"; {hint}" if hint else ""),
                                    path=where))
            continue
        i = names.index(seller_name)
        sellers[i] = merge_patch(sellers[i], seller_patch, problems)
    out["sellers"] = sellers


def _line(prefix: str, problem: Problem, data: Any) -> str:
    """``prefix + path: message``; a problem of the whole spec has no path of its own."""
    path = problem.path or render_path(problem.loc, data)
    if path:
        return f"{prefix}{path}: {problem.message}"
    head = prefix.rstrip(". ").removesuffix(":")
    return f"{head}: {problem.message}" if head else problem.message


def check_scenarios(base: Mapping[str, Any], scenarios: Mapping[str, Mapping[str, Any]],
                    source: str | None = None, plain: bool = False,
                    ) -> tuple[dict[str, MarketSpec], list[str]]:
    """Validate every scenario completely; return the specs and one line per problem.

    A problem the base has on its own is reported once, as ``base.<path>`` with the scenarios
    it affects; a problem a scenario's patch brings in is reported under that scenario. With a
    ``source`` file the lines read ``file: scenario 'kol': <path>: ...``; without one, the path
    in the scenario file, ``scenarios.kol.<path>: ...``. ``plain``: the file is a market spec.
    """
    where = f"{source}: " if source else ""
    base_alone = copy.deepcopy(dict(base))
    base_alone.setdefault("name", BASE_ALONE_NAME)
    _, base_problems = spec_problems(base_alone)
    affected: dict[Problem, list[str]] = {p: [] for p in base_problems}
    specs: dict[str, MarketSpec] = {}
    lines: list[str] = []
    for name, patch in scenarios.items():
        merge_problems: list[Problem] = []
        data = merge_patch(base, patch, merge_problems)
        data.setdefault("name", name)
        spec, problems = spec_problems(data)
        in_scenario = (where if plain else f"{where}scenario '{name}': " if source
                       else f"scenarios.{name}.")
        for p in [*merge_problems, *problems]:
            if p in affected:
                affected[p].append(name)
            else:
                lines.append(_line(in_scenario, p, data))
        if spec is not None:
            specs[name] = spec
    base_lines = []
    for p, names in affected.items():
        if not names:
            continue  # every scenario's patch replaces it: the base never runs as written
        if plain:
            base_lines.append(_line(where, p, base))
            continue
        scope = ("affects every scenario" if len(names) == len(scenarios) else
                 "affects scenario" + ("s " if len(names) > 1 else " ")
                 + ", ".join(repr(n) for n in names))
        base_lines.append(f"{_line(where + 'base.', p, base)} ({scope})")
    return specs, base_lines + lines


def load_scenarios(path: Path | str) -> ScenarioFile:
    """Read a scenario file (strict YAML: safe tags, no duplicate keys) and validate all of it.

    Raises:
        ScenarioError: every problem of the file at once, one line each.
    """
    data = read_yaml_mapping(path)
    plain = "scenarios" not in data
    if plain:
        # A plain market spec is a scenario file with one scenario.
        name = data.get("name")
        name = name if isinstance(name, str) and name else None
        data = {"name": name or Path(path).stem, "base": data,
                "scenarios": {name or "baseline": {}}}
    source = str(path)
    lines: list[str] = []
    scen = None
    try:
        scen = ScenarioFile.model_validate(data)
    except ValidationError as e:
        if not plain:  # a plain spec's own fields are checked as the base below
            lines += [_line(f"{source}: ", p, data)
                      for p in describe_errors(e, ScenarioFile, data)]
    base, scenarios = data.get("base"), data.get("scenarios")
    if isinstance(scenarios, Mapping) and not plain:
        problem = baseline_problem(data.get("baseline"), list(scenarios))
        if problem and isinstance(data.get("baseline"), str):
            lines.append(f"{source}: baseline: {problem}")
    if isinstance(base, Mapping) and isinstance(scenarios, Mapping):
        _, more = check_scenarios(base, {k: v for k, v in scenarios.items()
                                         if isinstance(v, Mapping)}, source, plain)
        lines += more
    lines = list(dict.fromkeys(lines))
    if lines or scen is None:
        raise ScenarioError(lines or [f"{source}: not a valid scenario file"])
    scen._plain = plain
    return scen
