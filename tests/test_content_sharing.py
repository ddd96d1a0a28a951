"""Content forwarding: hand-computed rules, the touch queue, and an emergent test."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.intervals import t_interval
from simulation.advertising import AD_CHANNEL
from simulation.consumers import Exposures
from simulation.content_sharing import forward_probability
from simulation.kols import KOL_CHANNEL
from simulation.metrics import Counter
from simulation.model import MarketModel
from simulation.reach import ad_platform_mask
from simulation.spec import load_spec
from simulation.word_of_mouth import WOM_CHANNEL

SEEDS = range(8)


def test_forward_probability_by_hand():
    p = forward_probability(np.array([AD_CHANNEL, KOL_CHANNEL, KOL_CHANNEL]),
                            np.array([2.0, 0.5, 100.0]), 0.004, 0.02)
    assert p.tolist() == pytest.approx([0.008, 0.01, 1.0])  # clipped at certainty


def test_touches_of_reads_the_queue_without_draining_it():
    q = Exposures()
    q.add(np.array([1, 2]), 0, attention=1.0, channel=AD_CHANNEL)
    q.add(np.array([3]), np.array([1]), attention=1.0, channel=WOM_CHANNEL)
    q.add(np.array([4]), 1, attention=1.0, channel=KOL_CHANNEL)
    c, s, ch = q.touches_of((AD_CHANNEL, KOL_CHANNEL))
    assert c.tolist() == [1, 2, 4] and s.tolist() == [0, 0, 1]
    assert ch.tolist() == [AD_CHANNEL, AD_CHANNEL, KOL_CHANNEL]
    assert q.size == 4


def _run(rate_scale: float, seed: int) -> MarketModel:
    params = {"ad_forward_rate": 0.003 * rate_scale, "content_forward_rate": 0.02 * rate_scale}
    spec = load_spec({"regions": ["ID", "PH"], "n_consumers": 8_000, "horizon_days": 90,
                      "parameters": params})
    m = MarketModel(spec, rng=seed)
    while m.running:
        m.step()
    return m


@pytest.fixture(scope="module")
def runs() -> dict[float, list[MarketModel]]:
    return {k: [_run(k, seed) for seed in SEEDS] for k in (0.0, 1.0)}


def _via_friend(m: MarketModel) -> float:
    c = m.counters[0].sum(axis=0)
    return float(c[Counter.FIRST_VIA_WOM] / c[Counter.NEW_CUSTOMERS])


def test_forwarding_adds_friend_touches_and_first_exposures(runs):
    wom = [b.counters[0, :, Counter.WOM_TOUCHES].sum()
           / max(1, a.counters[0, :, Counter.WOM_TOUCHES].sum())
           for a, b in zip(runs[0.0], runs[1.0], strict=True)]
    mean, lo, hi = t_interval(wom)
    assert lo > 2.0, (mean, lo, hi)  # forwards dwarf buyers' shares at the declared rates
    first = [_via_friend(b) - _via_friend(a) for a, b in zip(runs[0.0], runs[1.0], strict=True)]
    mean, lo, hi = t_interval(first)
    assert lo > 0, (mean, lo, hi)
    assert hi < 0.5, (mean, lo, hi)  # ads still come first for most buyers


def _msg_only(m: MarketModel) -> np.ndarray:
    """Online consumers on no ad-selling platform (messaging apps only)."""
    pop = m.population
    mask = ad_platform_mask(m.regions)
    return pop.online & ((pop.platforms & mask[pop.region]) == 0)


def test_forwards_reach_online_users_ads_cannot(runs):
    # Messaging-only users see no ads and follow no KOL; friends' forwards reach them.
    diffs = []
    for off, on in zip(runs[0.0], runs[1.0], strict=True):
        who = _msg_only(on)
        assert who.any() and (who == _msg_only(off)).all()  # same people in both arms
        diffs.append(on.population.reached[who].any(axis=1).mean()
                     - off.population.reached[who].any(axis=1).mean())
    mean, lo, hi = t_interval(diffs)
    assert lo > 0, (mean, lo, hi)
    assert hi < 0.5, (mean, lo, hi)
