"""Sellers' books: every money flow posted twice, so profit can be checked against the balance.

Income and expense accounts accumulate per seller and region (a last "global" column takes
flows with no region, such as the hub's holding cost). Each posting also moves the asset side
(cash, receivables, inventory at cost), so ``assets - opening capital == profit`` holds if and
only if nothing was booked on one side only; the property tests check exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

import numpy as np


class Account(IntEnum):
    """Income statement accounts (USD)."""

    REVENUE = 0
    REFUNDS = 1
    COGS = 2
    LOGISTICS = 3
    MARKETING = 4
    PAYMENT_FEES = 5
    HOLDING = 6
    RETURNS_HANDLING = 7
    CHARGEBACKS = 8
    FINES = 9
    COMPLIANCE = 10
    WAREHOUSE_FIXED = 11
    INVENTORY_WRITE_OFF = 12
    SERVICES = 13  # software, certification, data localisation
    FX_COST = 14  # home-currency costs above (or, negative, below) their day-0 USD value


COST_ACCOUNTS = tuple(a for a in Account if a not in (Account.REVENUE, Account.REFUNDS))
N_ACCOUNTS = len(Account)

_INDEX = (int, np.integer)
"""Types of a single seller or region index (the ledger's scalar fast paths)."""
_NUMBER = (int, float, np.integer, np.floating)
"""Types of a single amount."""
_SEQUENTIAL_MAX_FLOWS = 16
"""Up to this many flows into one balance are added in a Python loop (cheaper than add.at)."""
_NOT_CASH_EXPENSES = frozenset((Account.REVENUE, Account.REFUNDS, Account.COGS))
"""Accounts :meth:`Ledger.expense` refuses: they are not paid out in cash."""


def _negated(amount):
    """``-amount``, without wrapping a single number in an array first."""
    return -amount if isinstance(amount, _NUMBER) else -np.asarray(amount)



def profit_of(accounts: np.ndarray) -> np.ndarray:
    """Revenue minus refunds minus costs over the last axis of ``(..., regions + 1, accounts)``.

    The one definition of profit: the ledger applies it to today's accounts, the
    DataCollector to the accounts it recorded on every day.
    """
    costs = accounts[..., list(COST_ACCOUNTS)].sum(axis=-1)
    return accounts[..., Account.REVENUE] - accounts[..., Account.REFUNDS] - costs

class Ledger:
    """Accounts per (seller, region + global) and the sellers' assets."""

    def __init__(self, n_sellers: int, n_regions: int, opening_capital: float = 0.0) -> None:
        self.n_regions = n_regions
        self.accounts = np.zeros((n_sellers, n_regions + 1, N_ACCOUNTS))
        self.cash = np.full(n_sellers, float(opening_capital))
        self.receivables = np.zeros(n_sellers)
        self.inventory_value = np.zeros(n_sellers)
        self.opening_capital = float(opening_capital)

    @property
    def global_column(self) -> int:
        """Index of the column for flows with no region."""
        return self.n_regions

    def _post(self, account: Account, seller, region, amount) -> None:
        """Add ``amount`` to ``account`` at (seller, region); repeated cells add up in order.

        Every path adds each flow into its cell once, in the flows' order, exactly as
        ``np.add.at`` over the broadcast arguments does, so totals are the same to the bit;
        the fast paths only skip the broadcasting for the common shapes (one flow, one seller
        with a vector of regions, equal-length vectors of sellers, regions and amounts).
        """
        if isinstance(seller, _INDEX):
            if isinstance(region, _INDEX) and isinstance(amount, _NUMBER):  # one flow
                self.accounts[seller, region, account] += amount
                return
            if (type(region) is np.ndarray and region.ndim == 1
                    and (isinstance(amount, _NUMBER)
                         or (type(amount) is np.ndarray and amount.shape == region.shape))):
                if len(region) == 1:
                    self.accounts[seller, region[0], account] += (
                        amount if isinstance(amount, _NUMBER) else amount[0])
                elif len(region):
                    np.add.at(self.accounts[seller, :, account], region, amount)
                return
        elif (type(seller) is np.ndarray and seller.ndim == 1 and type(region) is np.ndarray
              and type(amount) is np.ndarray and seller.shape == region.shape == amount.shape):
            if len(seller) == 1:
                self.accounts[seller[0], region[0], account] += amount[0]
            elif len(seller):
                np.add.at(self.accounts, (seller, region, account), amount)
            return
        if np.ndim(seller) == np.ndim(region) == np.ndim(amount) == 0:  # one flow: no broadcast
            self.accounts[seller, region, account] += amount
            return
        seller, region, amount = np.broadcast_arrays(seller, region, amount)
        np.add.at(self.accounts[:, :, account], (seller, region), amount)

    @staticmethod
    def _flows(seller, amount) -> tuple[np.ndarray, np.ndarray]:
        """Broadcast sellers against amounts so one seller can take many flows."""
        return np.broadcast_arrays(np.asarray(seller), np.asarray(amount, dtype=float))

    def _move(self, balance: np.ndarray, seller, amount) -> None:
        """Add ``amount`` to ``balance`` of ``seller``; many flows add up one by one, in order.

        Like :meth:`_post`, the fast paths give the same bits as ``np.add.at`` over the
        broadcast arguments: a seller taking several flows gets them added in sequence.
        """
        if isinstance(seller, _INDEX):
            if isinstance(amount, _NUMBER):  # one flow: no broadcast
                balance[seller] += float(amount)
                return
            if type(amount) is np.ndarray and amount.ndim == 1:
                if len(amount) <= _SEQUENTIAL_MAX_FLOWS:
                    total = float(balance[seller])
                    for a in amount.tolist():  # the order np.add.at would add them in
                        total += a
                    balance[seller] = total
                else:
                    np.add.at(balance, np.full(len(amount), seller), amount)
                return
        elif (type(seller) is np.ndarray and seller.ndim == 1 and type(amount) is np.ndarray
              and seller.shape == amount.shape and amount.dtype == np.float64):
            if len(seller) == 1:
                balance[seller[0]] += amount[0]
            elif len(seller):
                np.add.at(balance, seller, amount)
            return
        if np.ndim(seller) == np.ndim(amount) == 0:  # one flow: no broadcast
            balance[seller] += float(amount)
            return
        seller, amount = self._flows(seller, amount)
        np.add.at(balance, seller, amount)

    def sale(self, seller, region, amount) -> None:
        """Revenue booked at payment; cash arrives on settlement (receivable until then)."""
        self._post(Account.REVENUE, seller, region, amount)
        self._move(self.receivables, seller, amount)

    def settle(self, seller, amount) -> None:
        """The provider pays out: receivable becomes cash."""
        self._move(self.receivables, seller, _negated(amount))
        self._move(self.cash, seller, amount)

    def refund(self, seller, region, amount) -> None:
        """Money back to the consumer, paid in cash."""
        self._post(Account.REFUNDS, seller, region, amount)
        self._move(self.cash, seller, _negated(amount))

    def expense(self, account: Account, seller, region, amount) -> None:
        """A cash expense (logistics, marketing, fees, fines, ...)."""
        if account in _NOT_CASH_EXPENSES:
            raise ValueError(f"{account.name} is not a cash expense")
        if (isinstance(amount, _NUMBER) and isinstance(seller, _INDEX)
                and isinstance(region, _INDEX)):  # one flow (what _post and _move do)
            self.accounts[seller, region, account] += amount
            self.cash[seller] += -float(amount)
            return
        self._post(account, seller, region, amount)
        self._move(self.cash, seller, _negated(amount))

    def expense_by_region(self, account: Account, seller: int, amounts: Sequence[float]
                          ) -> None:
        """One seller's cash expense in each region: ``amounts[r]`` in region ``r``.

        The same postings as ``expense(account, seller, np.arange(len(amounts)), amounts)``
        (cash pays the regions' amounts one by one, in region order) without array overhead:
        for daily fixed costs such as compliance and services.
        """
        if account in _NOT_CASH_EXPENSES:
            raise ValueError(f"{account.name} is not a cash expense")
        cells = self.accounts[seller, :, account]
        cash = float(self.cash[seller])
        for r, amount in enumerate(amounts):
            cells[r] += amount
            cash += -amount
        self.cash[seller] = cash

    def subsidy(self, seller, region, amount) -> None:
        """A price cut paid from the marketing budget: revenue at list, the cut as marketing.

        The consumer pays (and the provider collects) the cut price already booked by
        :meth:`sale`; the cut is added to revenue and to marketing alike, so profit and
        assets do not move and the marketing accounts show what the programme cost.
        """
        self._post(Account.REVENUE, seller, region, amount)
        self._post(Account.MARKETING, seller, region, amount)

    def buy_inventory(self, seller, amount) -> None:
        """Stock bought for cash: an asset until sold."""
        self._move(self.cash, seller, _negated(amount))
        self._move(self.inventory_value, seller, amount)

    def cost_of_sale(self, seller, region, amount) -> None:
        """Goods leave inventory for a customer."""
        self._post(Account.COGS, seller, region, amount)
        self._move(self.inventory_value, seller, _negated(amount))

    def write_off(self, seller, region, amount) -> None:
        """Goods lost, charged back or not returned leave inventory at no revenue."""
        self._post(Account.INVENTORY_WRITE_OFF, seller, region, amount)
        self._move(self.inventory_value, seller, _negated(amount))

    def restock(self, seller, region, amount) -> None:
        """A locally returned item goes back on the shelf: reverses its cost of sale."""
        self._post(Account.COGS, seller, region, _negated(amount))
        self._move(self.inventory_value, seller, amount)

    def profit(self) -> np.ndarray:
        """Revenue minus refunds minus costs, per (seller, region + global)."""
        return profit_of(self.accounts)

    def assets(self) -> np.ndarray:
        """Cash + receivables + inventory at cost, per seller."""
        return self.cash + self.receivables + self.inventory_value
