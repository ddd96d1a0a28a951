"""The vectorised consumer phases agree in distribution with the per-agent reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation.invariants import check_invariants
from simulation.model import MarketModel
from simulation.spec import load_spec
from tests.reference.per_agent import PerAgentConsumer, PerAgentMarketModel

SPEC = load_spec({"regions": ["ID", "DE"], "n_consumers": 2000, "horizon_days": 90,
                  "sellers": [{"name": "a", "marketing_budget_per_1k_daily": 8.0},
                              {"name": "b", "marketing_budget_per_1k_daily": 8.0, "levers": {
                                  "live_streaming": {}, "kol_marketing": {}}}]})
OUTCOMES = ("orders", "awareness", "conversion_rate", "mean_trust_aware", "repurchase_rate")


def _outcomes(cls, seed: int) -> dict[str, float]:
    m = cls(SPEC, rng=seed)
    while m.running:
        m.step()
    return {k: float(m.latest["total"][k]) for k in OUTCOMES}


def test_reference_keeps_invariants_and_mesa_api():
    m = PerAgentMarketModel(SPEC, rng=1)
    for _ in range(20):
        m.step()
        check_invariants(m)
    assert len(m.agents_by_type[PerAgentConsumer]) == SPEC.n_consumers


@pytest.mark.slow
def test_vectorised_and_per_agent_agree_in_distribution():
    seeds = range(100, 112)
    fast = [_outcomes(MarketModel, s) for s in seeds]
    slow = [_outcomes(PerAgentMarketModel, s) for s in seeds]
    for k in OUTCOMES:
        a = np.array([r[k] for r in fast])
        b = np.array([r[k] for r in slow])
        # Same dynamics: no detectable difference in means (Welch) nor in distribution (KS).
        assert stats.ttest_ind(a, b, equal_var=False).pvalue > 0.01, k
        assert stats.ks_2samp(a, b).pvalue > 0.01, k
    for k in ("awareness", "mean_trust_aware"):  # low-variance outcomes: within 5%
        a = np.mean([r[k] for r in fast])
        b = np.mean([r[k] for r in slow])
        assert abs(a - b) <= 0.05 * a, k
