"""Data protection: breach hazard, compliance spend, and what a public breach costs.

Reads: a seller's ``compliance_spend_per_1k_daily``, ``breach_base_daily_rate``,
``compliance_halving_spend_per_1k``, the data volume the seller passes in (its knob is read by
:mod:`simulation.sellers`) and ``Mechanics.fine_factor`` (data compliance), ``breach_trust_loss``,
``fine_enforcement_share`` and the region's privacy strictness and maximum fine. Writes:
trust of aware consumers, FINES and COMPLIANCE in the ledger, the seller's breach count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.ledger import Account

if TYPE_CHECKING:
    from simulation.model import MarketModel

HALF = 0.5
"""Each ``compliance_halving_spend_per_1k`` of spend halves the hazard."""


def breach_hazard(base_rate: float, data_volume_factor: float, spend_per_1k: float,
                  halving_spend_per_1k: float) -> float:
    """Daily probability that a seller's breach becomes public.

    >>> breach_hazard(0.01, 2.0, 1.0, 0.5)
    0.005
    """
    return base_rate * data_volume_factor * HALF ** (spend_per_1k / halving_spend_per_1k)


def data_breach(model: MarketModel, seller: int) -> None:
    """A seller's breach goes public: trust falls, regulators fine by regime."""
    p = model.params
    pop = model.population
    pop.trust[pop.aware[:, seller], seller] *= np.float32(1.0 - p.breach_trust_loss)
    revenue = model.ledger.accounts[seller, : model.regions.n, Account.REVENUE]
    fines = (p.fine_enforcement_share * model.regions.max_fine_share
             * model.regions.privacy_strictness * revenue
             * model.seller_list[seller].mech.fine_factor)
    model.ledger.expense(Account.FINES, seller, np.arange(model.regions.n), fines)
    model.seller_list[seller].breaches += 1
