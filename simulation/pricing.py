"""Pricing: what a consumer pays for a listing, as pure functions of arrays.

Prices are listed in USD. A consumer pays in local currency at today's rate plus the payment
provider's FX spread, and import duty on direct parcels above the de minimis threshold. We
express what the consumer pays in start-of-run USD, so an FX depreciation shows up as a
higher price, which is what a consumer feels. :func:`build_offers` assembles each day what
consumers see of every listing: landed price (and live price), promised delivery days and the
public rating.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.consumers import Offers
from simulation.metrics import Counter

if TYPE_CHECKING:
    from simulation.model import MarketModel

DAYS_PER_YEAR = 365.0


def landed_price(
    list_price_usd: np.ndarray,
    fx_index: np.ndarray,
    fx_spread: np.ndarray,
    duty_rate: np.ndarray,
    de_minimis_usd: np.ndarray,
    dutiable: np.ndarray,
    discount: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Price paid in start-of-run USD.

    Args:
        list_price_usd: seller's list price.
        fx_index: local-currency units per USD today over the same at day 0 (1 = unchanged).
        fx_spread: provider's FX margin as a share of the price (0 for a local seller).
        duty_rate: duty plus import VAT as a share of the price.
        de_minimis_usd: duty-free threshold; duty applies above it.
        dutiable: True where the parcel crosses a border to the consumer (direct shipping).
        discount: share taken off the list price (live-stream, group-buy), applied first.

    >>> round(float(landed_price(np.array([100.0]), 1.1, 0.02, 0.2, 50.0, True)[0]), 6)
    134.64
    """
    net = np.asarray(list_price_usd, dtype=float) * (1.0 - np.asarray(discount, dtype=float))
    duty = np.where(np.asarray(dutiable) & (net > de_minimis_usd), duty_rate, 0.0)
    return net * np.asarray(fx_index) * (1.0 + np.asarray(fx_spread)) * (1.0 + duty)


def days_of_income(price_usd: np.ndarray, income_per_year_usd: np.ndarray) -> np.ndarray:
    """Price in days of income per head: how heavy a price feels (price sensitivity).

    >>> float(days_of_income(np.array([36.5]), np.array([3650.0]))[0])
    3.65
    """
    return np.asarray(price_usd, dtype=float) / (np.asarray(income_per_year_usd) / DAYS_PER_YEAR)


def build_offers(model: MarketModel) -> Offers:
    """Every seller's products as consumers in each region see them today."""
    seller, product, quality, green = [], [], [], []
    price, live_price, promised, available = [], [], [], []
    fx = model.fx.index
    for s in model.seller_list:
        pr, days = s.landed_prices(fx), s.promised_days()
        lpr = s.landed_prices(fx, discount=s.spec.live_stream_discount)
        k = len(s.prices)
        seller.append(np.full(k, s.index))
        product.append(np.arange(k))
        quality.append(s.quality)
        green.append(s.green)
        price.append(pr)
        live_price.append(lpr)
        promised.append(days)
        available.append(np.broadcast_to(s.targets, pr.shape))
    gdp = model.regions.gdp_per_capita[None, :]
    c = model.counters
    reviews = c[:, :, Counter.REVIEWS]
    positive = reviews - c[:, :, Counter.NEGATIVE_REVIEWS]
    a, b = model.params.rating_prior_positive, model.params.rating_prior_negative
    return Offers(
        seller=np.concatenate(seller),
        product=np.concatenate(product),
        quality=np.concatenate(quality),
        green=np.concatenate(green),
        available=np.concatenate(available),
        price_days=days_of_income(np.concatenate(price), gdp),
        live_price_days=days_of_income(np.concatenate(live_price), gdp),
        promised_days=np.concatenate(promised),
        rating=(positive + a) / (reviews + a + b),
        group_buy=model.referrals.group_buy_discount,
    )
