"""Choice and checkout: payment coverage and routing, abandonment, screening, fraud, payment.

Reads: each seller's payment providers (methods, regions covered, fee, fraud screening; set by
the local-payments and payment-security levers), consumers' payment methods,
``abandon_base_rate``, ``abandon_missing_method_rate``, ``false_positive_rate``, the regions'
fraud attempt rates. Writes: orders (ABANDONED, DECLINED or PAID), consumers' order counts and
stage, revenue and payment fees in the ledger, captures at the providers; fraudulent orders.
The referral terms (group price, household basket, rebates and subsidies from the referral
pot) and the live price and commission are settled by :mod:`simulation.fission` and
:mod:`simulation.live_commerce`.

Payment methods are bitmasks over :data:`simulation.regions.PAYMENT_METHODS` so that the
match between what a consumer uses and what a seller offers in a region is one AND.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from simulation import cart_recovery, channels, fission, live_commerce
from simulation.consumers import Offers, PurchaseRequests, Stage
from simulation.ledger import Account
from simulation.metrics import Counter, count
from simulation.orders import OrderState
from simulation.pricing import build_offers
from simulation.regions import PAYMENT_METHODS

if TYPE_CHECKING:
    from simulation.model import MarketModel
    from simulation.payments import PaymentProvider
    from simulation.sellers import Seller


def method_mask(methods: Iterable[str]) -> int:
    """Bitmask of payment methods by name.

    >>> method_mask(["card", "cod"])
    9
    """
    mask = 0
    for m in methods:
        mask |= 1 << PAYMENT_METHODS.index(m)
    return mask


def method_offered(consumer_masks: np.ndarray, offered_masks: np.ndarray) -> np.ndarray:
    """True where at least one of the consumer's methods is offered."""
    return (np.asarray(consumer_masks) & np.asarray(offered_masks)) != 0


def abandonment_probability(
    offered: np.ndarray, base_rate: float, missing_method_rate: float
) -> np.ndarray:
    """Chance a checkout is abandoned: 1 - (1 - base) x (1 - missing) if no method fits.

    Where none of the consumer's methods is offered, a missing method is an independent reason
    to leave beside the base rate: shoppers give it as a separate cause next to the others
    (Baymard Institute's surveys), so it adds to them rather than replacing them.
    """
    missing = 1.0 - (1.0 - base_rate) * (1.0 - missing_method_rate)
    return np.where(offered, base_rate, missing)


def fraud_attempts_expected(legit_attempts: np.ndarray, attempt_rate: np.ndarray) -> np.ndarray:
    """Expected fraudulent checkouts that arrive alongside ``legit_attempts``.

    ``attempt_rate`` is the share of all checkouts that are fraudulent, so frauds per
    legitimate checkout are rate / (1 - rate).
    """
    # min/max instead of np.clip: the same values at a fraction of the call overhead.
    rate = np.minimum(np.maximum(np.asarray(attempt_rate, dtype=float), 0.0), MAX_FRAUD_SHARE)
    return np.asarray(legit_attempts, dtype=float) * rate / (1.0 - rate)


MAX_FRAUD_SHARE = 0.999
"""Cap on the fraudulent share of checkouts (keeps rate / (1 - rate) finite)."""

N_METHOD_MASKS = 1 << len(PAYMENT_METHODS)
"""Distinct payment-method bitmasks (the size of the routing table's last axis)."""


class PaymentRouting:
    """Checkout's routing, fixed by the sellers' set-up.

    Which provider takes a payment, at what fee and screening, and which warehouse fulfils
    an order in each region.
    """

    def __init__(self, sellers: Sequence[Seller], providers: Sequence[PaymentProvider]) -> None:
        self.providers = list(providers)
        self.offered_methods = np.stack([s.offered_methods for s in sellers])  # (S, R) masks
        self.fee = np.array([pr.fee_rate for pr in providers])
        self.screening = np.array([pr.fraud_screening for pr in providers])
        # Provider priority per seller: the seller's list order.
        self._order = [[pr.index for pr in s.providers] for s in sellers]
        # Fulfilling warehouse (S, R): the seller's local warehouse, or else its hub.
        local = np.stack([s.warehouse_in for s in sellers])
        hubs = np.array([s.hub.index for s in sellers])
        self.warehouse = np.where(local >= 0, local, hubs[:, None])
        self._table: np.ndarray | None = None  # (S, R, method masks) provider, made on first use

    def provider_for(self, seller: np.ndarray, region: np.ndarray, methods: np.ndarray
                     ) -> np.ndarray:
        """Which provider takes each payment.

        The seller's first provider (in its list order) covering the region with one of
        ``methods``; failing that its first provider covering the region; -1 if none does.
        Looked up in a table of every (seller, region, method mask) made on first use.
        """
        table = self._table
        if table is None:
            n_s, n_r = self.offered_methods.shape
            grid = np.indices((n_s, n_r, N_METHOD_MASKS)).reshape(3, -1)
            table = self._table = self.route(*grid).reshape(n_s, n_r, N_METHOD_MASKS)
        # Bits beyond the known methods match no provider, so dropping them changes nothing.
        return table[seller, region, np.asarray(methods) & (N_METHOD_MASKS - 1)]

    def route(self, seller: np.ndarray, region: np.ndarray, methods: np.ndarray) -> np.ndarray:
        """:meth:`provider_for` worked out from the sellers' provider lists (no table)."""
        seller = np.asarray(seller)
        region = np.asarray(region)
        out = np.full(len(seller), -1, dtype=np.int64)
        fallback = np.full(len(seller), -1, dtype=np.int64)
        for s in np.unique(seller).tolist():
            sel = seller == s
            for k in reversed(self._order[s]):
                pr = self.providers[k]
                covers = sel & pr.covers[region]
                fallback[covers] = k
                out[covers & ((np.asarray(methods) & pr.methods) != 0)] = k
        return np.where(out >= 0, out, fallback)


def choice_and_checkout_phase(model: MarketModel, day: int) -> None:
    """Phase 'choice and checkout': occasions and choices, then checkout of the chosen.

    Offers are only assembled on days when someone has a purchase occasion (they draw
    nothing at random, so skipping them changes no result). Last, the customers whose first
    order is ``repurchase_window_days`` old are counted (measurement only).
    """
    pop = model.population
    rng = model.streams.decisions
    invited = fission.invitation_occasions(model, day, model.streams.invitations)
    invited = cart_recovery.merge_restricted(invited, model.cart_recovery.occasions(model, day))
    occasions = pop.purchase_occasions(day, rng, *model.live_commerce.take_occasions(),
                                       occasion_boost=model.occasion_boost, invited=invited)
    if len(occasions):
        offers = build_offers(model)
        checkout(model, pop.choose(occasions, offers, rng), offers)
    model.repurchase_window.mature(model, day)  # measurement only, after today's orders


def checkout(model: MarketModel, requests: PurchaseRequests, offers: Offers) -> None:
    """Settle today's purchase requests and the fraud attempts that come with them.

    Each consumer appears at most once in ``requests`` (as :meth:`ConsumerPopulation.choose`
    makes them).
    """
    n = len(requests)
    if n == 0:
        return
    p = model.params
    rng = model.streams.checkout
    pop = model.population
    routing = model.payment_routing
    day = model.steps
    c = requests.consumer
    s = offers.seller[requests.alternative]
    prod = offers.product[requests.alternative]
    r = pop.region[c].astype(np.int64)
    live = requests.live_kol >= 0
    methods = pop.pay_mask[c]

    offered = method_offered(methods, routing.offered_methods[s, r])
    provider = routing.provider_for(s, r, methods)
    p_abandon = abandonment_probability(offered, p.abandon_base_rate,
                                        p.abandon_missing_method_rate)
    abandoned = (rng.random(n) < p_abandon) | (provider < 0)
    declined = ~abandoned & (rng.random(n) < p.false_positive_rate)
    paid = ~abandoned & ~declined

    list_price = model.price_of(s, prod)
    terms = fission.referral_terms(model, c, s, r, list_price, live, paid)
    discount = np.maximum(live_commerce.live_discount(model, s, live), terms.cut)
    value = list_price * terms.basket * (1.0 - discount)
    state = np.full(n, OrderState.PAID, dtype=np.int8)
    state[declined] = OrderState.DECLINED
    state[abandoned] = OrderState.ABANDONED
    model.orders.append(
        n, consumer=c, seller=s, product=prod, region=r, provider=np.maximum(provider, 0),
        warehouse=routing.warehouse[s, r], state=state, value=value,
        unit_cost=model.unit_cost_of(s, prod) * terms.basket, t_created=day,
        kol=requests.live_kol, referrer=terms.referrer, uncertainty=pop.uncertainty[c, s],
    )
    count(model, s, r, Counter.CHECKOUTS)
    if abandoned.any():
        count(model, s[abandoned], r[abandoned], Counter.ABANDONED)
        model.cart_recovery.remind(model, c[abandoned], s[abandoned], r[abandoned], day)
    if declined.any():
        count(model, s[declined], r[declined], Counter.DECLINED_LEGIT)
    if not paid.any():
        return  # nothing paid: no payment, no customers, and no fraud comes along

    cp, sp, rp, vp = c[paid], s[paid], r[paid], value[paid]
    count(model, sp, rp, Counter.PAID)
    count(model, sp, rp, Counter.GMV, vp)
    model.cart_recovery.record_paid(cp, sp)  # measurement only
    _take_payment(model, sp, rp, provider[paid], vp)

    first = pop.orders[cp, sp] == 0
    second = pop.orders[cp, sp] == 1
    any_first = pop.orders[cp].sum(axis=1) == 0
    if any_first.any():
        count(model, sp[any_first], rp[any_first], Counter.NEW_CUSTOMERS)
        channels.attribute_first_purchases(model, cp[any_first], sp[any_first], rp[any_first])
    if not first.all():
        repeat = ~first
        count(model, sp[repeat], rp[repeat], Counter.REPEAT_PURCHASES)
    pop.orders[cp, sp] += 1  # one (consumer, seller) pair per consumer: no repeats to add up
    pop.customer[cp] = True
    pop.last_purchase[cp] = day
    pop.stage[cp] = Stage.BUYING

    live_commerce.pay_commissions(model, sp, rp, vp, live[paid])
    fission.settle_referrals(model, c, s, r, terms, paid)
    _count_customer_kinds(model, cp, sp, rp, vp, first, second, terms, paid)

    # Fraud rates are reported per completed card volume (Nilson: losses per USD of volume),
    # so fraudsters arrive in proportion to paid checkouts, not to abandoned carts.
    _fraud_attempts(model, sp, rp)


def _count_customer_kinds(model: MarketModel, cp, sp, rp, vp, first, second,
                         terms: fission.ReferralTerms, paid) -> None:
    """Measurement only: group-order value, first and second orders with the seller, referred.

    Feeds the referred vs other customers' repurchase (whole horizon and fixed window) and
    the group vs solo order value metrics (validation of effects); no behaviour reads these
    counters, the flag or the order days.
    """
    joined = terms.joined[paid]
    if joined.any():
        count(model, sp[joined], rp[joined], Counter.GROUP_GMV, vp[joined])
    if first.any():
        count(model, sp[first], rp[first], Counter.FIRST_WITH_SELLER)
    model.repurchase_window.record(cp, sp, first, second, model.steps)
    referred_first = terms.referred_first[paid]
    if referred_first.any():
        model.fission.referred_customer[cp[referred_first], sp[referred_first]] = True
    if second.any():
        count(model, sp[second], rp[second], Counter.REPEATERS)
        referred = second & model.fission.referred_customer[cp, sp]
        if referred.any():
            count(model, sp[referred], rp[referred], Counter.REFERRED_REPEATERS)


def _take_payment(model: MarketModel, s, r, provider, value) -> None:
    """Book the sale and the provider's fee; the provider pays out after settlement."""
    fee = model.payment_routing.fee[provider] * value
    if len(provider) == 1:  # one payment: the ledger's scalar path books the same amounts
        s0, r0, v0 = int(s[0]), int(r[0]), value[0]
        model.ledger.sale(s0, r0, v0)
        model.ledger.expense(Account.PAYMENT_FEES, s0, r0, fee[0])
        model.provider_list[int(provider[0])].capture(s, value)
        return
    model.ledger.sale(s, r, value)
    model.ledger.expense(Account.PAYMENT_FEES, s, r, fee)
    for k in np.unique(provider).tolist():
        sel = provider == k
        model.provider_list[k].capture(s[sel], value[sel])


def _fraud_attempts(model: MarketModel, s: np.ndarray, r: np.ndarray) -> None:
    """Fraudsters' checkouts arrive in proportion to paid legitimate ones; screening blocks some."""
    rng = model.streams.fraud
    n_s, n_r = model.counters.shape[:2]
    legit = np.bincount(s * n_r + r, minlength=n_s * n_r).reshape(n_s, n_r).astype(float)
    lam = fraud_attempts_expected(legit, model.regions.fraud_attempt_rate[None, :])
    k = rng.poisson(lam)
    if not k.any():
        return
    fs, fr = np.nonzero(k)
    counts = k[fs, fr]
    fs, fr = np.repeat(fs, counts), np.repeat(fr, counts)
    total = len(fs)
    prod = (rng.random(total) * model.n_products[fs]).astype(np.int64)
    routing = model.payment_routing
    provider = routing.provider_for(fs, fr, method_mask(["card"]))
    screening = np.where(provider >= 0, routing.screening[np.maximum(provider, 0)], 0.0)
    blocked = (rng.random(total) < screening) | (provider < 0)
    passed = ~blocked
    value = model.price_of(fs, prod)
    model.orders.append(
        total, consumer=-1, seller=fs, product=prod, region=fr,
        provider=np.maximum(provider, 0), warehouse=routing.warehouse[fs, fr],
        state=np.where(blocked, OrderState.DECLINED, OrderState.PAID).astype(np.int8),
        value=value, unit_cost=model.unit_cost_of(fs, prod), t_created=model.steps, fraud=True,
    )
    count(model, fs, fr, Counter.FRAUD_ATTEMPTS)
    count(model, fs[blocked], fr[blocked], Counter.FRAUD_BLOCKED)
    count(model, fs[passed], fr[passed], Counter.FRAUD_PASSED)
    if passed.any():
        _take_payment(model, fs[passed], fr[passed], provider[passed], value[passed])
