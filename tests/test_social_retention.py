"""Social retention: a past customer is held by friends who are still the seller's customers."""

from __future__ import annotations

import numpy as np

from experiments.intervals import t_interval
from simulation import social_retention
from simulation.model import MarketModel
from simulation.network import SocialGraph
from simulation.social_retention import (
    customer_friend_counts,
    retention_shift,
    social_retention_utility,
)
from simulation.spec import MarketSpec, SellerSpec

SEEDS = range(8)
"""Paired seeds of the emergent test."""


def triangle_and_pendant() -> SocialGraph:
    """Ties 0-1, 0-2, 1-2, 2-3; consumer 4 has no friend (CSR, both directions)."""
    indptr = np.array([0, 2, 4, 7, 8, 8], dtype=np.int64)
    indices = np.array([1, 2, 0, 2, 0, 1, 3, 2], dtype=np.int32)
    return SocialGraph(indptr, indices)


# --- pure functions ------------------------------------------------------------------------

def test_shift_only_for_past_customers_with_a_customer_friend():
    counts = np.array([[0, 3], [1, 1]])
    past = np.array([[True, True], [False, True]])
    assert retention_shift(counts, past, 0.586).tolist() == [[0.0, 0.586], [0.0, 0.586]]


def test_customer_friends_counted_by_hand_on_a_tiny_graph():
    graph = triangle_and_pendant()
    # two sellers; orders and trust per consumer (rows) and seller (columns)
    orders = np.array([[1, 0], [1, 1], [0, 2], [1, 0], [1, 1]])
    trust = np.array([[0.9, 0.9], [0.2, 0.9], [0.9, 0.9], [0.9, 0.9], [0.9, 0.9]])
    thr = np.full(5, 0.5)  # consumer 1 lost trust in seller 0: she has left it
    counts = customer_friend_counts(graph, np.array([0, 2, 4]), np.array([0, 1]),
                                    orders, trust, thr)
    # consumer 0: friends 1 (left seller 0; current of 1) and 2 (current of 1 only)
    # consumer 2: friends 0 (current of 0), 1 (current of 1), 3 (current of 0)
    # consumer 4: no friends
    assert counts.tolist() == [[0, 2], [2, 1], [0, 0]]
    shift = social_retention_utility(graph, np.array([0, 2, 4]), np.array([0, 1]),
                                     orders, trust, thr, 0.5)
    # 0: past customer of seller 0 only (no customer friend there) -> 0, 0
    # 2: past customer of seller 1 only -> 0, 0.5; 4: no friends -> 0, 0
    assert shift.tolist() == [[0.0, 0.0], [0.0, 0.5], [0.0, 0.0]]


def test_zero_utility_or_no_past_customer_adds_nothing():
    graph = triangle_and_pendant()
    orders = np.ones((5, 1), dtype=np.int16)
    trust, thr = np.ones((5, 1)), np.zeros(5)
    assert social_retention_utility(graph, np.array([0]), np.array([0]), orders, trust, thr,
                                    0.0) is None
    assert social_retention_utility(graph, np.array([0]), np.array([0]), orders * 0, trust,
                                    thr, 1.0) is None


# --- seeded runs ---------------------------------------------------------------------------

def run(seed: int, **params: float) -> MarketModel:
    """Korea, 10,000 consumers, 180 days, calibrated profile, no lever."""
    spec = MarketSpec(name="social-retention", regions=["KR"], n_consumers=10_000,
                      horizon_days=180, sellers=[SellerSpec(name="a"), SellerSpec(name="b")],
                      profile="calibrated", parameters=params)
    model = MarketModel(spec, rng=seed)
    while model.running:
        model.step()
    return model


def reference_arm(model: MarketModel) -> str:
    """Everything the run counted (repr: nan-safe comparison)."""
    return repr(model.summary())


def test_zero_reproduces_the_market_without_the_tie(monkeypatch):
    """At 0 the utility is summed exactly as before the mechanism: identical counters."""
    off, on = run(0, social_retention_utility=0.0), run(0)
    assert reference_arm(on) != reference_arm(off)  # the tie does act when on
    monkeypatch.setattr(social_retention, "social_retention_utility",
                        lambda *args: None)  # the mechanism removed from the choice
    removed = run(0, social_retention_utility=0.0)
    assert reference_arm(off) == reference_arm(removed)


def repeat_share(model: MarketModel) -> tuple[float, float]:
    """Share of past customers (of some seller) with 2+ orders, with vs without a customer
    friend of that seller at the end of the run."""
    pop, graph = model.population, model.graph
    with_friend, without = [], []
    for s in range(pop.n_sellers):
        buyers = np.flatnonzero(pop.orders[:, s] > 0)
        if len(buyers) == 0:
            continue
        row, nbr = graph.ties(buyers)
        friend = np.bincount(row[pop.orders[nbr, s] > 0], minlength=len(buyers)) > 0
        again = pop.orders[buyers, s] >= 2
        with_friend.append(again[friend])
        without.append(again[~friend])
    a, b = np.concatenate(with_friend), np.concatenate(without)
    return float(a.mean()) if len(a) else np.nan, float(b.mean()) if len(b) else np.nan


def test_customers_with_customer_friends_repurchase_more_with_the_tie_on():
    """Paired seeds: customers with a customer friend of the seller buy again more often
    with the tie on, and their lead over customers without one widens."""
    rise, widening = [], []
    for seed in SEEDS:
        (a_on, b_on), (a_off, b_off) = (repeat_share(run(seed)),
                                        repeat_share(run(seed, social_retention_utility=0.0)))
        rise.append(a_on - a_off)
        widening.append((a_on - b_on) - (a_off - b_off))
    # Paths part once the tie changes one choice, so the claim is on the paired mean (its
    # 95% interval above 0), not on every seed.
    _, low, _ = t_interval(np.array(rise))
    assert low > 0, f"rise per seed: {np.round(rise, 4)}"
    assert np.mean(widening) > 0
