"""Payment providers and exchange rates.

A provider covers some methods in some regions, charges a fee and an FX spread, screens for
fraud and pays sellers out after a settlement delay. Exchange rates follow a mean-reverting
random walk in logs, one per region currency, with the region's daily volatility.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation.checkout import method_mask
from simulation.spec import PaymentProviderSpec

if TYPE_CHECKING:
    from simulation.model import MarketModel


class PaymentProvider(mesa.Agent):
    """A payment provider shared by the sellers that contract it."""

    def __init__(self, model: MarketModel, spec: PaymentProviderSpec) -> None:
        super().__init__(model)
        self.spec = spec
        self.name = spec.name
        self.index = len(model.provider_list)
        model.provider_list.append(self)
        self.methods = method_mask(spec.methods)
        codes = model.regions.codes
        self.covers = (
            np.ones(len(codes), dtype=bool)
            if spec.regions == "all"
            else np.isin(np.array(codes), spec.regions)
        )
        self.fee_rate = spec.fee_rate
        self.fx_spread = spec.fx_spread
        self.fraud_screening = spec.fraud_screening
        self.settlement_days = spec.settlement_days
        self._payouts: dict[int, np.ndarray] = {}  # day -> USD owed per seller
        self.volume_usd = 0.0

    def capture(self, sellers: np.ndarray, amounts: np.ndarray) -> None:
        """Take payments now; schedule the payout to each seller after the settlement delay."""
        due = self.model.steps + self.settlement_days
        owed = self._payouts.get(due)
        if owed is None:
            owed = self._payouts[due] = np.zeros(len(self.model.seller_list))
        if len(sellers) == 1:  # one payment: plain indexing adds the same amount
            amount = amounts[0]
            owed[sellers[0]] += amount
            self.volume_usd += float(amount)
            return
        np.add.at(owed, sellers, amounts)
        self.volume_usd += float(np.sum(amounts))

    def settle(self) -> None:
        """Pay out what is due today."""
        owed = self._payouts.pop(self.model.steps, None)
        if owed is not None:
            self.model.ledger.settle(np.arange(len(owed)), owed)

    @property
    def pending_usd(self) -> float:
        """Captured but not yet paid out."""
        return float(sum(v.sum() for v in self._payouts.values()))


class ExchangeRates:
    """Log exchange-rate index per region (local units per USD, relative to day 0)."""

    def __init__(self, volatility: np.ndarray, mean_reversion: float) -> None:
        self.volatility = np.asarray(volatility, dtype=float)
        self.mean_reversion = mean_reversion
        self.log_index = np.zeros(len(self.volatility))

    @property
    def index(self) -> np.ndarray:
        """Local-currency units per USD today over day 0 (above 1: the currency weakened)."""
        return np.exp(self.log_index)

    def step(self, rng: np.random.Generator) -> None:
        """One day of the Ornstein-Uhlenbeck walk in logs."""
        shock = self.volatility * rng.standard_normal(len(self.volatility))
        self.log_index = (1.0 - self.mean_reversion) * self.log_index + shock

    def shock(self, region: int, log_change: float) -> None:
        """Apply a one-off devaluation (positive) or appreciation (negative)."""
        self.log_index[region] += log_change


def home_cost_factor(log_home_index: float) -> float:
    """USD cost today of costs worth 1 USD at day 0 in the home currency.

    The home index is CNY per USD over day 0 in logs; a CNY appreciation (index below 1)
    makes the same CNY cost more USD.

    >>> round(home_cost_factor(float(np.log(0.9))), 12)
    1.111111111111
    """
    return float(np.exp(-log_home_index))


def markets_phase(model: MarketModel, day: int) -> None:
    """Phase 'markets': exchange rates (the regions' and the sellers' home currency) step."""
    model.fx.step(model.streams.market)
    model.home_fx.step(model.streams.home_fx)
    factor = home_cost_factor(float(model.home_fx.log_index[0]))
    for s in model.seller_list:
        if s.spec.costs_in_home_currency and s.spec.origin != "local":
            model.cost_fx[s.index] = factor
