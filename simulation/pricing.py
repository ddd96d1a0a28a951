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


def landed_price_terms(
    list_price_usd: np.ndarray,
    fx_spread: np.ndarray,
    duty_rate: np.ndarray,
    de_minimis_usd: np.ndarray,
    dutiable: np.ndarray,
    discount: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exchange-rate-free terms of :func:`landed_price`: (net price, 1 + spread, 1 + duty).

    Split out so that offers can keep them between exchange-rate moves (arguments as there).
    """
    net = np.asarray(list_price_usd, dtype=float) * (1.0 - np.asarray(discount, dtype=float))
    duty = np.where(np.asarray(dutiable) & (net > de_minimis_usd), duty_rate, 0.0)
    return net, 1.0 + np.asarray(fx_spread), 1.0 + duty


def landed_from_terms(net: np.ndarray, fx_index: np.ndarray | float, spread_factor: np.ndarray,
                      duty_factor: np.ndarray) -> np.ndarray:
    """Landed price from :func:`landed_price_terms` and today's exchange-rate index.

    The product is taken in this order (net, FX, spread, duty), which fixes its rounding.
    """
    return net * fx_index * spread_factor * duty_factor


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
    net, spread_factor, duty_factor = landed_price_terms(
        list_price_usd, fx_spread, duty_rate, de_minimis_usd, dutiable, discount)
    return landed_from_terms(net, np.asarray(fx_index), spread_factor, duty_factor)


def days_of_income(price_usd: np.ndarray, income_per_year_usd: np.ndarray) -> np.ndarray:
    """Price in days of income per head: how heavy a price feels (price sensitivity).

    >>> float(days_of_income(np.array([36.5]), np.array([3650.0]))[0])
    3.65
    """
    return np.asarray(price_usd, dtype=float) / (np.asarray(income_per_year_usd) / DAYS_PER_YEAR)


class OfferBook:
    """Every listing as consumers see it, kept between days and redone where inputs changed.

    Listings (seller, product, quality, green, where sold) and the exchange-rate-free price
    terms are fixed once sellers are set up. Landed prices move with exchange rates and de
    minimis thresholds, promised days with logistics and customs disruptions (both are
    recomputed only when those inputs differ from the last time), ratings with every review.
    Regular and live-stream prices come from one :func:`landed_price_terms` call: the first
    A rows are regular, the next A live.
    """

    def __init__(self, model: MarketModel) -> None:
        sellers = model.seller_list
        regions = model.regions
        self.model = model
        sizes = [len(s.prices) for s in sellers]
        self.n_alternatives = n_alt = sum(sizes)
        self.seller = np.concatenate([np.full(k, s.index) for s, k in zip(sellers, sizes,
                                                                           strict=True)])
        self.product = np.concatenate([np.arange(k) for k in sizes])
        self.quality = np.concatenate([s.quality for s in sellers])
        # Claimed quality of each alternative, None while every seller's content is honest.
        self.claimed = (model.claimed_quality_of(self.seller, self.product)
                        if model.claims_inflated else None)
        self.green = np.concatenate([s.green for s in sellers])
        self.available = np.concatenate([np.broadcast_to(s.targets, (k, regions.n))
                                         for s, k in zip(sellers, sizes, strict=True)])
        rows = [*sellers, *sellers]
        self._list_price = np.concatenate([s.prices for s in rows])[:, None]
        self._discount = np.concatenate(
            [np.zeros(n_alt)] + [np.full(k, s.spec.live_stream_discount)
                                 for s, k in zip(sellers, sizes, strict=True)])[:, None]
        self._spread = np.concatenate([np.broadcast_to(s.fx_spread, (len(s.prices), regions.n))
                                       for s in rows])
        self._dutiable = np.concatenate([np.broadcast_to(~s.fulfilled_locally(),
                                                         (len(s.prices), regions.n))
                                         for s in rows])
        foreign = np.concatenate([np.full(len(s.prices), s.spec.origin != "local")
                                  for s in rows])
        # Local sellers' prices do not move with the exchange rate (their FX factor is 1).
        self._foreign = None if foreign.all() else foreign[:, None]
        self._income = model.regions.gdp_per_capita[None, :]
        self._price_key: bytes | None = None
        self._price_days: np.ndarray | None = None
        self._terms_key: bytes | None = None
        self._terms: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._promised_key: bytes | None = None
        self._promised: np.ndarray | None = None

    def set_list_prices(self, seller: int, prices: np.ndarray) -> None:
        """A seller's new list prices: its regular and live rows, and the terms redone."""
        rows = np.flatnonzero(self.seller == seller)
        self._list_price[rows, 0] = prices
        self._list_price[rows + self.n_alternatives, 0] = prices
        self._terms_key = self._price_key = self._promised_key = None

    def _price_days_today(self) -> np.ndarray:
        """(2A, R) landed prices in days of income: regular rows, then live rows."""
        model = self.model
        fx = model.fx.index
        de_minimis = model.regions.de_minimis_usd
        key = fx.tobytes() + de_minimis.tobytes()
        if key == self._price_key:
            return self._price_days
        duty_rate = model.regions.import_duty_rate
        terms_key = de_minimis.tobytes() + duty_rate.tobytes()
        if terms_key != self._terms_key:
            self._terms = landed_price_terms(
                self._list_price, self._spread, duty_rate[None, :],
                de_minimis[None, :], self._dutiable, self._discount)
            self._terms_key = terms_key
        net, spread_factor, duty_factor = self._terms
        fx_rows = fx[None, :] if self._foreign is None else np.where(self._foreign, fx, 1.0)
        price = landed_from_terms(net, fx_rows, spread_factor, duty_factor)
        self._price_days = days_of_income(price, self._income)
        self._price_key = key
        return self._price_days

    def _promised_days_today(self) -> np.ndarray:
        """(A, R) promised delivery days (redone when logistics or customs delays change)."""
        model = self.model
        key = model.mode_delay_factor.tobytes() + model.customs_delay.tobytes()
        if key != self._promised_key:
            self._promised = np.concatenate([s.promised_days() for s in model.seller_list])
            self._promised_key = key
        return self._promised

    def today(self) -> Offers:
        """Today's offers (arrays may be shared with later days: read, do not write)."""
        model = self.model
        days = self._price_days_today()
        n_alt = self.n_alternatives
        c = model.counters
        reviews = c[:, :, Counter.REVIEWS]
        positive = reviews - c[:, :, Counter.NEGATIVE_REVIEWS]
        a, b = model.params.rating_prior_positive, model.params.rating_prior_negative
        return Offers(
            seller=self.seller,
            product=self.product,
            quality=self.quality,
            green=self.green,
            available=self.available,
            price_days=days[:n_alt],
            live_price_days=days[n_alt:],
            promised_days=self._promised_days_today(),
            rating=(positive + a) / (reviews + a + b),
            group_buy=model.referrals.group_buy_discount,
            referral_running=model.fission.running(),
            claimed=self.claimed,
        )


def offer_book(model: MarketModel) -> OfferBook:
    """The model's :class:`OfferBook` (made on first use, after the sellers are set up)."""
    book = model.offer_book
    if book is None:
        book = model.offer_book = OfferBook(model)
    return book


def build_offers(model: MarketModel) -> Offers:
    """Every seller's products as consumers in each region see them today."""
    return offer_book(model).today()
