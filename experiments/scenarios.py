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

Each scenario is the base deep-merged with its patch; ``sellers`` in a patch is a mapping from
seller name to that seller's patch. Every scenario is validated before anything runs.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulation.spec import MarketSpec


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

    @model_validator(mode="after")
    def _check(self) -> ScenarioFile:
        if self.baseline is not None and self.baseline not in self.scenarios:
            raise ValueError(f"baseline: {self.baseline!r} is not one of the scenarios "
                             f"{list(self.scenarios)}")
        return self

    @property
    def baseline_name(self) -> str:
        """The scenario differences are taken against."""
        return self.baseline or next(iter(self.scenarios))

    def specs(self) -> dict[str, MarketSpec]:
        """Every scenario as a validated MarketSpec (errors name scenario and field)."""
        out: dict[str, MarketSpec] = {}
        for name, patch in self.scenarios.items():
            data = merge_patch(self.base, patch)
            data.setdefault("name", name)
            try:
                out[name] = MarketSpec.model_validate(data)
            except ValidationError as e:
                raise ScenarioError(name, e) from None
        return out


class ScenarioError(ValueError):
    """A scenario that does not validate, with its name prefixed to every field."""

    def __init__(self, scenario: str, error: ValidationError) -> None:
        from simulation.spec import format_validation_error

        self.scenario = scenario
        self.error = error
        super().__init__(format_validation_error(error, prefix=f"scenarios.{scenario}."))


def merge_patch(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``patch`` into ``base``; ``sellers`` may be patched by seller name."""
    out = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if key == "sellers" and isinstance(value, Mapping):
            sellers = out.get("sellers") or [{}]
            names = [s.get("name", "entrant") for s in sellers]
            for seller_name, seller_patch in value.items():
                if seller_name not in names:
                    raise ValueError(f"sellers.{seller_name}: no seller of that name in the "
                                     f"base (sellers: {names})")
                i = names.index(seller_name)
                sellers[i] = merge_patch(sellers[i], seller_patch)
            out["sellers"] = sellers
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_patch(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_scenarios(path: Path | str) -> ScenarioFile:
    """Read a scenario file with the safe YAML loader and validate all of it."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    if "scenarios" not in data:
        # A plain market spec is a scenario file with one scenario.
        data = {"name": data.get("name", Path(path).stem), "base": data,
                "scenarios": {data.get("name", "baseline"): {}}}
    scen = ScenarioFile.model_validate(data)
    scen.specs()  # validate every scenario before anything runs
    return scen
