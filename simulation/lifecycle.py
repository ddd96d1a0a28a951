"""Order lifecycle phases: checkout, transit, delivery, review, return, cancellation.

Each phase takes the model, selects the orders whose turn it is, settles them with the pure
functions of :mod:`simulation.checkout`, :mod:`simulation.fulfilment` and the consumers'
decisions, and posts every money flow to the ledger and every event to the counters.

Lifecycle: checkout -> ABANDONED | DECLINED | PAID; PAID -> (pick) PICKED -> SHIPPED ->
[CUSTOMS -> SHIPPED] -> DELIVERED | LOST | CHARGEBACK (fraud); DELIVERED -> (review)
REVIEWED -> RETURNED | KEPT; a PAID order waiting too long for stock -> CANCELLED.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation import checkout as co
from simulation import fulfilment
from simulation.consumers import Offers, PurchaseRequests, Stage
from simulation.ledger import Account
from simulation.metrics import Counter
from simulation.orders import OrderState
from simulation.pricing import days_of_income

if TYPE_CHECKING:
    from simulation.model import MarketModel

IN_TRANSIT = np.array([OrderState.PICKED, OrderState.SHIPPED, OrderState.CUSTOMS])


def _count(model: MarketModel, sellers, regions, counter: Counter, amount=1.0) -> None:
    np.add.at(model.counters, (sellers, regions, counter), amount)


def checkout(model: MarketModel, requests: PurchaseRequests, offers: Offers) -> None:
    """Settle today's purchase requests and the fraud attempts that come with them."""
    p = model.params
    rng = model.streams.checkout
    pop = model.population
    day = model.steps
    n = len(requests)
    if n == 0:
        return
    c = requests.consumer
    s = offers.seller[requests.alternative]
    prod = offers.product[requests.alternative]
    r = pop.region[c].astype(np.int64)
    live = requests.live_kol >= 0

    offered = co.method_offered(pop.pay_mask[c], model.offered_methods[s, r])
    provider = model.provider_for(s, r, pop.pay_mask[c])
    p_abandon = co.abandonment_probability(offered, p.abandon_base_rate,
                                           p.abandon_missing_method_rate)
    abandoned = (rng.random(n) < p_abandon) | (provider < 0)
    declined = ~abandoned & (rng.random(n) < p.false_positive_rate)
    paid = ~abandoned & ~declined

    referrer = np.where(model.referral_active[s], pop.referred_by[c], -1)
    newcomer = pop.orders[c].sum(axis=1) == 0
    group_buy = np.where((referrer >= 0) & newcomer, model.group_buy_discount[s], 0.0)
    discount = np.maximum(np.where(live, model.live_discount[s], 0.0), group_buy)
    value = model.price_of(s, prod) * (1.0 - discount)
    state = np.select([abandoned, declined], [OrderState.ABANDONED, OrderState.DECLINED],
                      OrderState.PAID).astype(np.int8)
    warehouse = np.where(model.warehouse_in[s, r] >= 0, model.warehouse_in[s, r],
                         model.hub_of[s])
    model.orders.append(
        n, consumer=c, seller=s, product=prod, region=r, provider=np.maximum(provider, 0),
        warehouse=warehouse, state=state, value=value, unit_cost=model.unit_cost_of(s, prod),
        t_created=day, kol=requests.live_kol, referrer=referrer,
    )
    _count(model, s, r, Counter.CHECKOUTS)
    _count(model, s[abandoned], r[abandoned], Counter.ABANDONED)
    _count(model, s[declined], r[declined], Counter.DECLINED_LEGIT)

    cp, sp, rp, vp = c[paid], s[paid], r[paid], value[paid]
    _count(model, sp, rp, Counter.PAID)
    _count(model, sp, rp, Counter.GMV, vp)
    _take_payment(model, sp, rp, provider[paid], vp)

    first = pop.orders[cp, sp] == 0
    any_first = pop.orders[cp].sum(axis=1) == 0
    _count(model, sp[any_first], rp[any_first], Counter.NEW_CUSTOMERS)
    _count(model, sp[~first], rp[~first], Counter.REPEAT_PURCHASES)
    np.add.at(pop.orders, (cp, sp), 1)
    pop.customer[cp] = True
    pop.last_purchase[cp] = day
    pop.stage[cp] = Stage.BUYING

    live_paid = live[paid]
    if live_paid.any():
        commission = model.kol_commission[sp[live_paid]] * vp[live_paid]
        model.pay_marketing(sp[live_paid], rp[live_paid], commission)
        _count(model, sp[live_paid], rp[live_paid], Counter.LIVE_ORDERS)
    referred = first & (referrer[paid] >= 0)
    if referred.any():
        rebate = model.referral_rebate[sp[referred]]
        model.pay_marketing(sp[referred], rp[referred], rebate)
        _count(model, sp[referred], rp[referred], Counter.REFERRAL_ORDERS)

    # Fraud rates are reported per completed card volume (Nilson: losses per USD of volume),
    # so fraudsters arrive in proportion to paid checkouts, not to abandoned carts.
    _fraud_attempts(model, sp, rp)


def _take_payment(model: MarketModel, s, r, provider, value) -> None:
    """Book the sale and the provider's fee; the provider pays out after settlement."""
    model.ledger.sale(s, r, value)
    fee = model.provider_fee[provider] * value
    model.ledger.expense(Account.PAYMENT_FEES, s, r, fee)
    for k in np.unique(provider).tolist():
        sel = provider == k
        model.provider_list[k].capture(s[sel], value[sel])


def _fraud_attempts(model: MarketModel, s: np.ndarray, r: np.ndarray) -> None:
    """Fraudsters' checkouts arrive in proportion to paid legitimate ones; screening blocks some."""
    rng = model.streams.fraud
    n_s, n_r = model.counters.shape[:2]
    legit = np.zeros((n_s, n_r))
    np.add.at(legit, (s, r), 1)
    lam = co.fraud_attempts_expected(legit, model.regions.fraud_attempt_rate[None, :])
    k = rng.poisson(lam)
    if k.sum() == 0:
        return
    fs, fr = np.nonzero(k)
    counts = k[fs, fr]
    fs, fr = np.repeat(fs, counts), np.repeat(fr, counts)
    total = len(fs)
    prod = (rng.random(total) * model.n_products[fs]).astype(np.int64)
    provider = model.provider_for(fs, fr, np.full(total, co.method_mask(["card"])))
    screening = np.where(provider >= 0, model.provider_screening[np.maximum(provider, 0)], 0.0)
    blocked = (rng.random(total) < screening) | (provider < 0)
    passed = ~blocked
    value = model.price_of(fs, prod)
    warehouse = np.where(model.warehouse_in[fs, fr] >= 0, model.warehouse_in[fs, fr],
                         model.hub_of[fs])
    model.orders.append(
        total, consumer=-1, seller=fs, product=prod, region=fr,
        provider=np.maximum(provider, 0), warehouse=warehouse,
        state=np.where(blocked, OrderState.DECLINED, OrderState.PAID).astype(np.int8),
        value=value, unit_cost=model.unit_cost_of(fs, prod), t_created=model.steps, fraud=True,
    )
    _count(model, fs, fr, Counter.FRAUD_ATTEMPTS)
    _count(model, fs[blocked], fr[blocked], Counter.FRAUD_BLOCKED)
    _count(model, fs[passed], fr[passed], Counter.FRAUD_PASSED)
    if passed.any():
        _take_payment(model, fs[passed], fr[passed], provider[passed], value[passed])


def advance_parcels(model: MarketModel) -> None:
    """Move parcels along their timelines; handle arrivals (delivered, lost, charged back)."""
    book = model.orders
    day = model.steps
    p = model.params
    rows = np.flatnonzero(np.isin(book["state"], IN_TRANSIT))
    if len(rows) == 0:
        return
    cross = ~book["local"][rows]
    new = fulfilment.transit_state(
        day, book["t_ship"][rows], book["t_customs_in"][rows], book["t_customs_out"][rows],
        book["t_arrive"][rows], cross,
    )
    arrived = new == OrderState.DELIVERED
    book["state"][rows[~arrived]] = new[~arrived]
    arr = rows[arrived]
    if len(arr) == 0:
        return
    fraud = book["fraud"][arr]
    lost = book["lost"][arr] & ~fraud
    ok = ~fraud & ~lost
    s = book["seller"][arr].astype(np.int64)
    r = book["region"][arr].astype(np.int64)
    value = book["value"][arr]

    # Fraud: the goods are gone and the payment is charged back.
    cb = arr[fraud]
    if len(cb):
        book["state"][cb] = OrderState.CHARGEBACK
        model.ledger.refund(s[fraud], r[fraud], value[fraud])
        model.ledger.expense(Account.CHARGEBACKS, s[fraud], r[fraud],
                             np.full(len(cb), p.chargeback_fee_usd))

    # Lost: refund; the buyer complains and trusts the seller less.
    lo = arr[lost]
    if len(lo):
        book["state"][lo] = OrderState.LOST
        model.ledger.refund(s[lost], r[lost], value[lost])
        _count(model, s[lost], r[lost], Counter.LOST)
        complains = model.streams.experience.random(len(lo)) < p.lost_parcel_review_rate
        _count(model, s[lost][complains], r[lost][complains], Counter.REVIEWS)
        _count(model, s[lost][complains], r[lost][complains], Counter.NEGATIVE_REVIEWS)
        consumers = book["consumer"][lo].astype(np.int64)
        model.population.lose_trust(consumers, s[lost], p.loss_trust_penalty)
        model.population.release(consumers)

    de = arr[ok]
    if len(de):
        book["state"][de] = OrderState.DELIVERED
        book["t_review"][de] = book["t_arrive"][de] + p.review_delay_days
        days = book["t_arrive"][de] - book["t_created"][de]
        _count(model, s[ok], r[ok], Counter.DELIVERED)
        _count(model, s[ok], r[ok], Counter.DELIVERY_DAYS, days)
        local = book["local"][de]
        _count(model, s[ok][local], r[ok][local], Counter.LOCAL_DELIVERED)


def review_and_return(model: MarketModel, day: int | None = None) -> None:
    """Phase 'reviews, returns and sharing': close return windows, review, share."""
    book = model.orders
    day = model.steps
    p = model.params
    pop = model.population

    closing = np.flatnonzero((book["state"] == OrderState.REVIEWED) & (book["t_review"] < day))
    if len(closing):
        ret = book["returning"][closing]
        s = book["seller"][closing].astype(np.int64)
        r = book["region"][closing].astype(np.int64)
        rows = closing[ret]
        book["state"][rows] = OrderState.RETURNED
        book["state"][closing[~ret]] = OrderState.KEPT
        _count(model, s[ret], r[ret], Counter.RETURNS)
        _count(model, s[~ret], r[~ret], Counter.KEPT)
        if len(rows):
            sr, rr = s[ret], r[ret]
            model.ledger.refund(sr, rr, book["value"][rows])
            local = book["local"][rows]
            cost = np.where(local, p.local_return_cost_usd, p.cross_border_return_cost_usd)
            model.ledger.expense(Account.RETURNS_HANDLING, sr, rr, cost)
            # Local returns go back on the shelf; cross-border returns are not worth shipping.
            for w in np.unique(book["warehouse"][rows][local]).tolist():
                sel = local & (book["warehouse"][rows] == w)
                model.ledger.restock(sr[sel], rr[sel], book["unit_cost"][rows][sel])
                model.warehouse_list[w].restock_returns(book["product"][rows][sel].astype(np.int64))
        pop.release(book["consumer"][closing].astype(np.int64))

    due = np.flatnonzero((book["state"] == OrderState.DELIVERED) & (book["t_review"] <= day))
    if len(due) == 0:
        return
    c = book["consumer"][due].astype(np.int64)
    s = book["seller"][due].astype(np.int64)
    r = book["region"][due].astype(np.int64)
    quality = model.quality_of(s, book["product"][due].astype(np.int64))
    days = book["t_arrive"][due] - book["t_created"][due]
    local = book["local"][due]
    rng = model.streams.experience
    out = pop.review(c, s, quality, days, local, model.regions.return_rate_norm[r], rng)
    book["state"][due] = OrderState.REVIEWED
    book["returning"][due] = out.returned
    _count(model, s[out.reviewed], r[out.reviewed], Counter.REVIEWS)
    _count(model, s[out.negative], r[out.negative], Counter.NEGATIVE_REVIEWS)
    # Only buyers with enough ties to invite earn referral rebates (invite threshold).
    inviting = model.referral_active[s] & (model.degree[c] >= model.invite_threshold[s])
    pop.share(c, s, out.satisfaction, inviting, model.graph, model.exposures, rng)


def cancel_orders(model: MarketModel, rows: np.ndarray) -> None:
    """Backorders that waited too long: refund, and the buyer's trust suffers."""
    book = model.orders
    book["state"][rows] = OrderState.CANCELLED
    s = book["seller"][rows].astype(np.int64)
    r = book["region"][rows].astype(np.int64)
    model.ledger.refund(s, r, book["value"][rows])
    _count(model, s, r, Counter.CANCELLED)
    legit = ~book["fraud"][rows]
    consumers = book["consumer"][rows][legit].astype(np.int64)
    model.population.lose_trust(consumers, s[legit], model.params.loss_trust_penalty)
    model.population.release(consumers)


def choice_and_checkout_phase(model: MarketModel, day: int) -> None:
    """Phase 'choice and checkout': occasions and choices, then checkout of the chosen."""
    offers = build_offers(model)
    live = model.kol_feed.take_live_occasions()
    requests = model.population.decide(day, offers, model.streams.decisions, *live,
                                       occasion_boost=model.occasion_boost)
    checkout(model, requests, offers)


def fulfilment_and_transit_phase(model: MarketModel, day: int) -> None:
    """Phase 'fulfilment and transit': warehouses pick and ship; parcels move on."""
    model.warehouses.do("pick")
    advance_parcels(model)


def build_offers(model: MarketModel) -> Offers:
    """Every seller's products as consumers in each region see them today."""
    seller, product, quality, green = [], [], [], []
    price, live_price, promised, available = [], [], [], []
    fx = model.fx.index
    for s in model.seller_list:
        pr, days = s.offer(fx)
        lpr, _ = s.offer(fx, discount=s.spec.live_stream_discount)
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
        group_buy=model.group_buy_discount,
    )
