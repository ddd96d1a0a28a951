"""Budget allocation: how a seller spreads its marketing budget over its regions.

Reads: a seller's ``marketing_budget_per_1k_daily`` and ``budget_split`` (spec), its consumers
per region, each region's income per head (GDP per capita, PPP), ``reference_income_usd`` and
``budget_income_elasticity``. Writes: the seller's initial daily budget per channel and region
(``Seller.budget``; an adaptive seller's reviews move it later: :mod:`simulation.seller_policy`).

Sellers do not budget per head: the most common rule is percentage-of-sales, most often of
*anticipated* sales (Shimp & Andrews, *Advertising, Promotion and Other Aspects of Integrated
Marketing Communications*, ch. "Marcom objective setting and budgeting": slightly more than
half of the top 100 US consumer-goods advertisers budget as a percentage of anticipated sales
and a fifth as a percentage of past sales, citing Lancaster & Stern 1983, *Journal of
Advertising* 12(4)). A seller entering several markets at once has no sales yet, so it
budgets each market by what it expects to sell there: its consumers times their purchasing
power. The seller's total is the spec's budget per 1,000 consumers times its consumers, as
before; only its spread over regions follows expected revenue:

    budget_r = total x w_r / sum(w),  w_r = consumers_r x (income_r / reference income)^e

``e`` = ``budget_income_elasticity``: 1 spreads the budget in proportion to purchasing power
(percentage of expected sales, with sales per consumer proportional to income), 0 per head
(the model's rule before issue 16). Ad prices (CPM) and creator fees also follow income, so
at e = 1 a seller buys about as many impressions per consumer in every region it serves.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

CHANNELS = ("ads", "kols", "referral")
"""Marketing channels, in the order of the rows of ``Seller.budget``."""

CONSUMERS_PER_BUDGET_UNIT = 1000.0
"""The spec states the marketing budget per 1,000 consumers."""


def region_weights(consumers: np.ndarray, income_index: np.ndarray, elasticity: float
                   ) -> np.ndarray:
    """Expected-revenue weight of each region: consumers x income index ^ elasticity.

    >>> region_weights(np.array([100, 100]), np.array([2.0, 1.0]), 1.0).tolist()
    [200.0, 100.0]
    >>> region_weights(np.array([100, 100]), np.array([2.0, 1.0]), 0.0).tolist()
    [100.0, 100.0]
    """
    consumers = np.asarray(consumers, dtype=float)
    return consumers * np.asarray(income_index, dtype=float) ** float(elasticity)


def allocate_total(total: float, consumers: np.ndarray, income_index: np.ndarray,
                   elasticity: float) -> np.ndarray:
    """Spread ``total`` over regions in proportion to :func:`region_weights` (sums to total).

    Regions without consumers get nothing; with no consumers anywhere nothing is allocated.

    >>> allocate_total(30.0, np.array([100, 100]), np.array([2.0, 1.0]), 1.0).tolist()
    [20.0, 10.0]
    """
    w = region_weights(consumers, income_index, elasticity)
    norm = w.sum()
    if norm <= 0:
        return np.zeros_like(w)
    return total * w / norm


def initial_budget(budget_per_1k_daily: float, split: Mapping[str, float], consumers: np.ndarray,
                   income_index: np.ndarray, elasticity: float) -> np.ndarray:
    """(channels, regions) daily budget in USD: the seller's total spread by expected revenue.

    The total is ``budget_per_1k_daily`` x consumers / 1,000 (the spec field keeps its meaning:
    the seller's total, stated per 1,000 consumers on average); each channel gets its
    ``split`` share of every region's budget.

    >>> initial_budget(3.0, {"ads": 1.0, "kols": 0.0, "referral": 0.0},
    ...                np.array([1000, 1000]), np.array([2.0, 1.0]), 1.0)[0].tolist()
    [4.0, 2.0]
    """
    consumers = np.asarray(consumers, dtype=float)
    total = budget_per_1k_daily * consumers.sum() / CONSUMERS_PER_BUDGET_UNIT
    per_region = allocate_total(total, consumers, income_index, elasticity)
    return np.stack([per_region * split[channel] for channel in CHANNELS])
