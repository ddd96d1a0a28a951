"""Figure data that come from a sweep with its sensitivity analysis, or from the validation.

Both run in a temporary folder and return only the table behind the figure, so building a
figure leaves no sweep or validation folder behind; what was simulated (the resolved sweep
plan or the facts with their markets) is the source's identity, hashed into the manifest.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.runner import replication_seeds
from experiments.scenarios import merge_patch
from experiments.sensitivity import analyze_sweep
from experiments.sweep import load_sweep, plan_sweep, run_sweep
from experiments.validation import (
    FactsFile,
    RunCache,
    evaluate_facts,
    fact_specs,
    load_facts,
    results_table,
)


@dataclass(frozen=True)
class SensitivitySource:
    """A Sobol or Morris sweep and its indices for some outcomes.

    Args:
        sweep: a sweep spec mapping (see experiments/sweeps/README.md).
        outcomes: outcomes to analyse (metric or metric@REGION).
        backend: where the runs execute; every backend gives identical numbers.
        workers: worker processes for the 'processes' backend (default: CPUs).
    """

    sweep: dict[str, Any]
    outcomes: tuple[str, ...]
    backend: str = "processes"
    workers: int | None = None

    def identity(self) -> Any:
        """The sweep plan's identity: factors, design, seeds and the resolved base market."""
        plan = plan_sweep(load_sweep(self.sweep))
        return {"sweep": plan.identity, "outcomes": list(self.outcomes)}

    def compute(self, show_progress: bool) -> tuple[pd.DataFrame, list[int]]:
        """Run the sweep, then the SALib analysis; one row per (outcome, factor)."""
        spec = load_sweep(self.sweep)
        with tempfile.TemporaryDirectory(prefix="xbsim-figure-sweep-") as tmp:
            run_sweep(spec, Path(tmp) / "sweep", backend=self.backend, workers=self.workers,
                      progress=show_progress)
            result = analyze_sweep(Path(tmp) / "sweep", outcomes=list(self.outcomes),
                                   write=False)
        seeds = replication_seeds(spec.master_seed, spec.replications)
        return result.indices, seeds


@dataclass(frozen=True)
class ValidationSource:
    """The shipped stylized facts (or some of them), validated with their replications.

    Args:
        fact_ids: facts to validate (default: all shipped facts).
        replications: seeds per arm (default: the facts file's).
        market: a patch of the facts' shared market (e.g. fewer consumers for a quick look).
    """

    fact_ids: tuple[str, ...] = field(default_factory=tuple)
    replications: int | None = None
    market: dict[str, Any] = field(default_factory=dict)

    def _facts(self) -> FactsFile:
        facts = load_facts()
        if self.fact_ids:
            facts = facts.subset(list(self.fact_ids))
        if self.market:
            facts = facts.model_copy(update={"market": merge_patch(facts.market, self.market)})
        return facts

    def identity(self) -> Any:
        """The facts file and every fact's baseline and treatment spec, defaults resolved."""
        facts = self._facts()
        arms = {}
        for fact in facts.facts:
            base, treat = fact_specs(facts, fact)
            arms[fact.id] = [base.model_dump(mode="json"),
                             treat.model_dump(mode="json") if treat is not None else None]
        return {"facts": facts.model_dump(mode="json"), "arms": arms,
                "replications": self.replications or facts.replications}

    def compute(self, show_progress: bool) -> tuple[pd.DataFrame, list[int]]:
        """Every fact's effect with its 95% CI and band: the validation table."""
        facts = self._facts()
        seeds = replication_seeds(facts.master_seed, self.replications or facts.replications)
        table = results_table(evaluate_facts(facts, seeds, cache=RunCache()))
        return table, seeds
