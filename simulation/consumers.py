"""Consumers: the SICAS funnel, purchase choice and post-purchase experience, vectorised.

Consumer state lives in one :class:`ConsumerPopulation`, a vectorised agent set in the style of
mesa-frames (a struct of arrays with set-level phase methods), because a daily Python loop
over a million consumers cannot meet the scale target. There is no Python object per
consumer: ``model.consumers`` (also ``model.agents_by_type[Consumer]``) is the population,
and a :class:`Consumer` is a read-only view of one row made on demand. The population's
methods are the consumers' decisions, taken for all consumers at once: perceive touches, move
through the funnel, choose what to buy, and react to delivery (satisfaction, review, return,
sharing).

Funnel (SICAS, brief): Sense = AWARE, Interest & interaction = INTERESTED, Connect &
communicate = TRUSTING, Action = BUYING (an order in progress), Share = SHARING; after
sharing a consumer returns to TRUSTING (repeat purchase) or INTERESTED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from simulation import channels, expectations, payment_habits, social_retention
from simulation.declarations import resolve
from simulation.metrics import Counter
from simulation.parameters import ModelParameters
from simulation.reach import draw_platforms
from simulation.regions import PAYMENT_METHODS, PLATFORMS, RegionTable

if TYPE_CHECKING:
    from simulation.model import MarketModel
    from simulation.network import SocialGraph

MIDPOINT = 0.5
"""Centre of the 0-1 quality and satisfaction scales: the market average."""
NEVER = -(10**6)
"""Day stamp meaning 'never happened'."""

WOM_CHANNEL = int(Counter.WOM_TOUCHES)

FLOAT = np.float32
"""Consumer-state precision: halves memory and bandwidth at a million consumers."""


class Stage(IntEnum):
    """SICAS funnel stage of a consumer."""

    UNAWARE = 0
    AWARE = 1
    INTERESTED = 2
    TRUSTING = 3
    BUYING = 4
    SHARING = 5


_TRUSTING = int(Stage.TRUSTING)
"""The stage as a plain int for the choice phase's comparison (no enum conversion per call)."""
DENSE_TOUCH_CELLS = 1 << 18
"""Populations up to this many (consumer, seller) cells combine touches in a scratch table
(2 MB at most); larger ones sort the touched cells instead of holding a table that big."""

SCALAR_FUNNEL_CELLS = 8
"""Populations up to this many (consumer, seller) cells move through the funnel in a Python
loop (array calls cost more than the arithmetic on so few)."""

IN_EPISODE = int(Stage.BUYING)
"""Stages from BUYING on (BUYING, SHARING) are an order episode the funnel leaves alone."""


def unique_sorted(a: np.ndarray) -> np.ndarray:
    """Sorted unique values via sort (numpy's hash-based unique is slow on large int keys)."""
    if len(a) == 0:
        return a
    s = np.sort(a)
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


TOUCH_DTYPES: tuple[type, ...] = (np.int64, np.int64, np.float64, np.float64, np.float64,
                                  np.int64, np.int64)
"""Column types of a touch: consumer, seller, attention, trust gain, trust loss, referrer,
channel (the order of :meth:`Exposures.drain`'s columns)."""

CONSUMER_COLUMN, SELLER_COLUMN, ATTENTION_COLUMN, GAIN_COLUMN = 0, 1, 2, 3
LOSS_COLUMN, REFERRER_COLUMN, CHANNEL_COLUMN = 4, 5, 6
"""Positions of the touch columns (the order of :meth:`Exposures.drain`)."""


@dataclass
class Exposures:
    """Touches collected during a day, applied at once by :meth:`ConsumerPopulation.perceive`.

    Each touch names a consumer and a seller and carries attention (touch units), a trust
    gain (share of the trust gap closed) or loss (share of trust lost), and optionally the
    consumer who referred it. Scalars are kept as given and only spread over their touches
    when the day's columns are built (broadcasting every queued part cost more than the
    touches themselves at small populations); the queue also notes which optional columns
    any touch sets, so the day's update can skip the others.
    """

    parts: list[tuple] = field(default_factory=list)
    size: int = 0  # touches queued
    losses: bool = False  # some touch may carry a trust loss
    referrals: bool = False  # some touch may name a referrer
    untallied: bool = False  # some touch may have channel -1 (not counted)
    unnoticed: bool = False  # some touch may carry no attention (does not make aware)

    def add(
        self,
        consumer: np.ndarray,
        seller: np.ndarray | int,
        attention: np.ndarray | float = 0.0,
        trust_gain: np.ndarray | float = 0.0,
        trust_loss: np.ndarray | float = 0.0,
        referrer: np.ndarray | int = -1,
        channel: int = -1,
    ) -> None:
        """Queue touches (arguments broadcast against ``consumer``).

        ``channel`` is the counter (e.g. ``Counter.KOL_VIEWS``) the touches are tallied in.
        """
        consumer = np.asarray(consumer, dtype=np.int64)
        n = len(consumer)
        if n == 0:
            return
        self.parts.append(
            (consumer, seller, attention, trust_gain, trust_loss, referrer, channel))
        self.size += n
        array = np.ndarray
        self.losses |= isinstance(trust_loss, array) or trust_loss != 0.0
        self.referrals |= isinstance(referrer, array) or referrer != -1
        self.untallied |= isinstance(channel, array) or channel < 0
        self.unnoticed |= isinstance(attention, array) or not attention > 0

    def column(self, column: int) -> np.ndarray:
        """One column over every queued touch (queue order), scalars spread over their part."""
        out = np.empty(self.size, dtype=TOUCH_DTYPES[column])
        start = 0
        for part in self.parts:
            end = start + len(part[0])
            out[start:end] = part[column]
            start = end
        return out

    def touches_of(self, channels: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(consumer, seller, channel) of the queued touches tallied in ``channels``.

        For mechanisms that react to today's touches before they are perceived (content
        forwarding); the queue is left as it is.
        """
        cons, sell, chan = [], [], []
        for part in self.parts:
            channel = part[6]
            if isinstance(channel, np.ndarray) or channel not in channels:
                continue
            n = len(part[0])
            cons.append(part[0])
            sell.append(np.broadcast_to(np.asarray(part[1], dtype=np.int64), (n,)))
            chan.append(np.full(n, channel, dtype=np.int64))
        if not cons:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z
        return np.concatenate(cons), np.concatenate(sell), np.concatenate(chan)

    def clear(self) -> None:
        """Empty the queue."""
        self.parts = []
        self.size = 0
        self.losses = self.referrals = self.untallied = self.unnoticed = False

    def drain(self) -> tuple[np.ndarray, ...] | None:
        """Concatenate and clear the queue; None when empty."""
        if not self.parts:
            return None
        cols = tuple(self.column(j) for j in range(len(TOUCH_DTYPES)))
        self.clear()
        return cols


@dataclass
class Offers:
    """What each alternative (a seller's product) looks like in each region today.

    Arrays are (A, R) unless noted; A runs over all sellers' products.
    """

    seller: np.ndarray  # (A,) seller index
    product: np.ndarray  # (A,) product index within the seller
    quality: np.ndarray  # (A,)
    green: np.ndarray  # (A,) bool
    available: np.ndarray  # bool: the seller sells in the region
    price_days: np.ndarray  # landed price in days of income
    live_price_days: np.ndarray  # the same with the live-stream discount
    promised_days: np.ndarray
    rating: np.ndarray  # (S, R) public positive-review share
    group_buy: np.ndarray  # (S,) price cut for invited first-time buyers
    referral_running: np.ndarray | None = None  # (S, R) referral pot can pay; None: all
    claimed: np.ndarray | None = None  # (A,) quality content claims; None: honest content


@dataclass
class PurchaseOccasions:
    """Today's purchase occasions: regular ones (some invitations), then live-stream impulses."""

    consumer: np.ndarray
    is_live: np.ndarray  # bool: an impulse occasion from a live-stream
    live_seller: np.ndarray  # seller the occasion is limited to (streamer, inviter), else -1
    live_kol: np.ndarray  # KOL whose stream gave the occasion, -1 on a regular one

    def __len__(self) -> int:
        return len(self.consumer)


@dataclass
class PurchaseRequests:
    """Consumers who decided to check out today, with what and why."""

    consumer: np.ndarray
    alternative: np.ndarray
    live_kol: np.ndarray  # KOL whose live-stream triggered the purchase, or -1

    def __len__(self) -> int:
        return len(self.consumer)


@dataclass
class ReviewOutcome:
    """Results of the review stage for a batch of delivered orders."""

    satisfaction: np.ndarray
    reviewed: np.ndarray
    negative: np.ndarray
    returned: np.ndarray


class ConsumerPopulation:
    """State and batch behaviour of all consumers (see module docstring)."""

    def __init__(
        self,
        regions: RegionTable,
        counts: np.ndarray,
        initial_trust_factor: np.ndarray,
        culture: dict[str, np.ndarray],
        params: ModelParameters,
        rng: np.random.Generator,
        reach_rng: np.random.Generator | None = None,
        online_only: bool = False,
    ) -> None:
        """Draw a heterogeneous population.

        Args:
            regions: the model's regions.
            counts: consumers per region; consumers of a region get contiguous indices.
            initial_trust_factor: (S, R) initial trust in each seller relative to propensity.
            culture: region multipliers from :func:`simulation.culture.culture_multipliers`.
            params: behavioural parameters.
            rng: the model's generator (the only source of randomness).
            reach_rng: the stream that draws who is online and on which platforms
                (:func:`simulation.reach.draw_platforms`); ``rng`` when None.
            online_only: ``counts`` are the online consumers only (everyone is online); a
                friend a share reaches is then online with the region's internet share,
                as in the full population (:attr:`friend_online_share`).
        """
        p = params
        self.params = params
        self.culture = culture
        self.n = int(np.sum(counts))
        self.n_sellers = initial_trust_factor.shape[0]
        n, s_count = self.n, self.n_sellers
        self.region = np.repeat(np.arange(regions.n), counts).astype(np.int16)
        r = self.region
        self.block_ends = np.cumsum(counts).astype(np.int64)
        self.block_starts = self.block_ends - np.asarray(counts, dtype=np.int64)
        self.stage_key_base = (r.astype(np.int32) * len(Stage))

        # Online, and platforms used (ad-selling ones matching social_media_share): reach.py.
        self.online, self.platforms = draw_platforms(
            r, regions, rng if reach_rng is None else reach_rng, all_online=online_only)
        self.friend_online_share = regions.internet_share if online_only else None

        # Payment methods each consumer uses (simulation.payment_habits).
        self.pay_mask = payment_habits.draw_payment_methods(
            r, regions, p.second_payment_method_rate, rng)

        # Sensitivities and thresholds.
        sig = p.price_sensitivity_sigma
        self.price_sens = np.exp(sig * rng.standard_normal(n) - sig * sig / 2).astype(FLOAT)
        income = regions.income_index(p.reference_income_usd)[r]
        bsig = p.brand_sensitivity_sigma
        self.brand_sens = (
            income**p.income_elasticity_quality
            * culture["brand_orientation"][r]
            * np.exp(bsig * rng.standard_normal(n) - bsig * bsig / 2)
        ).astype(FLOAT)
        m, k = p.initial_trust_share, p.trust_propensity_concentration
        self.trust_prop = rng.beta(m * k, (1 - m) * k, n).astype(FLOAT)
        shape = p.affinity_shape  # mean-one Gamma
        self.affinity = np.minimum(rng.gamma(shape, 1.0 / shape, n), p.affinity_cap).astype(FLOAT)
        shape = p.interest_threshold_shape  # mean interest_touches
        self.interest_thr = rng.gamma(shape, p.interest_touches / shape, n).astype(FLOAT)
        thr = resolve(ModelParameters, "trust_threshold")  # its declared range
        self.trust_thr = np.clip(
            p.trust_threshold + p.trust_threshold_sd * rng.standard_normal(n), thr.lo, thr.hi,
        ).astype(FLOAT)
        self.green = rng.random(n) < p.green_willing_share

        # Per-seller state.
        self.trust0 = (self.trust_prop[:, None] * initial_trust_factor.T[r]).astype(FLOAT)
        self.trust = self.trust0.copy()
        self.attention = np.zeros((n, s_count), dtype=FLOAT)
        self.aware = np.zeros((n, s_count), dtype=bool)  # aware now (memory above threshold)
        self.reached = np.zeros((n, s_count), dtype=bool)  # ever touched (noticed)
        self.ad_seen = np.zeros((n, s_count), dtype=FLOAT)  # recent noticed ads (wear-out)
        self.orders = np.zeros((n, s_count), dtype=np.int16)
        # What content told the consumer (simulation.channels): product uncertainty per seller.
        self.uncertainty = np.full((n, s_count), p.uncertainty_prior, dtype=FLOAT)
        self._uncertainty_keep = channels.uncertainty_keep(p.kol_uncertainty_reduction,
                                                           p.live_uncertainty_reduction)
        self._content_moves_uncertainty = bool(np.any(self._uncertainty_keep < 1.0))
        # Channel attribution: first exposure per seller; touches and channels before the
        # first purchase per consumer.
        self._attribution_codes = channels.counter_codes()
        self.first_channel = np.full((n, s_count), channels.NOT_ATTRIBUTED, dtype=np.int8)
        self.touches_before = np.zeros(n, dtype=np.int32)
        # The same touches as the buyer can recall them: each counts 1 and fades with memory
        # (attention_decay a day), what a survey's "pieces of content seen" measures.
        self.recalled_before = np.zeros(n, dtype=FLOAT)
        self.channels_before = np.zeros(n, dtype=np.uint8)

        self.stage = np.zeros(n, dtype=np.int8)
        self.last_purchase = np.full(n, NEVER, dtype=np.int32)
        self.referred_by = np.full(n, -1, dtype=np.int32)
        self.referred_seller = np.full(n, -1, dtype=np.int32)  # seller of that invitation
        self.last_delivery_days = np.full(n, np.nan, dtype=FLOAT)
        self.last_satisfaction = np.full(n, np.nan, dtype=FLOAT)

        # Region multipliers gathered once per consumer (read every day).
        self.risk_weight = culture["risk_weight"][r].astype(FLOAT)
        self.loyalty = culture["loyalty"][r].astype(FLOAT)
        self.trust_relax = (p.trust_decay / self.loyalty)[:, None].astype(FLOAT)
        self.customer = np.zeros(n, dtype=bool)  # has paid at least one order
        self.sells = np.ones((n, s_count), dtype=bool)  # the seller sells in my region
        self._buffer = np.empty((n, s_count), dtype=FLOAT)

    # --- the agent-set protocol (mesa-frames style: arrays, views on demand) ---------------
    AGENT_ARRAYS: tuple[str, ...] = (
        "region", "stage", "online", "platforms", "pay_mask", "price_sens", "brand_sens",
        "trust_prop", "affinity", "interest_thr", "trust_thr", "green", "last_purchase",
        "referred_by", "last_delivery_days", "last_satisfaction", "customer", "touches_before",
        "recalled_before", "channels_before",
    )
    """Per-consumer arrays readable with :meth:`get` (per-seller arrays: ``trust``,
    ``attention``, ``aware``, ``orders``, read directly)."""

    def attach(self, model: MarketModel) -> None:
        """Bind the population to its model (views read region codes and the graph there)."""
        self.model = model
        self.region_codes = tuple(model.regions.codes)

    @property
    def social_graph(self) -> SocialGraph | None:
        """The model's social graph (None before the model has built it, or unattached)."""
        return getattr(getattr(self, "model", None), "graph", None)

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        """Views of every consumer, made one at a time (prefer arrays for set-level work)."""
        return (self.view(i) for i in range(self.n))

    def __getitem__(self, index: int) -> Consumer:
        return self.view(index)

    def view(self, index: int) -> Consumer:
        """A read-only view of consumer ``index`` (raises IndexError outside the population)."""
        index = int(index)
        if not 0 <= index < self.n:
            raise IndexError(f"consumer {index} is not in a population of {self.n}")
        return Consumer(self.model, index)

    def all(self) -> ConsumerSelection:
        """Every consumer, as a selection."""
        return ConsumerSelection(self, np.arange(self.n))

    def select(self, filter_func=None, mask: np.ndarray | None = None) -> ConsumerSelection:
        """Consumers by a boolean mask over the population (fast) or a view predicate (slow)."""
        return self.all().select(filter_func, mask)

    def get(self, attribute: str) -> np.ndarray:
        """A per-consumer array by name (read-only view)."""
        if attribute not in self.AGENT_ARRAYS:
            raise AttributeError(f"consumers have no per-consumer array {attribute!r}; "
                                 f"known: {', '.join(self.AGENT_ARRAYS)}")
        return _read_only(getattr(self, attribute))

    def groupby(self, by: str) -> ConsumerGroups:
        """Group every consumer by an attribute (see :class:`ConsumerGroups`)."""
        return self.all().groupby(by)

    def set_sellers_regions(self, sells_in: np.ndarray) -> None:
        """Record which sellers sell in each consumer's region ((S, R) bool)."""
        self.sells = np.ascontiguousarray(sells_in.T[self.region])

    # --- counts used by metrics -----------------------------------------------------------
    @cached_property
    def _region_blocks(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(starts of the non-empty region blocks, mask of those blocks or None if all are).

        Blocks are fixed at set-up, so this is worked out once instead of every day.
        """
        nonempty = self.block_ends > self.block_starts
        starts = self.block_starts[nonempty]
        return starts, (None if len(starts) == len(nonempty) else nonempty)

    def per_region(self, values: np.ndarray) -> np.ndarray:
        """Sum of a per-consumer array over each region's block of consumers."""
        starts, nonempty = self._region_blocks
        values = values.view(np.uint8) if values.dtype == np.bool_ else values
        # Blocks are contiguous, so each segment runs to the next non-empty start.
        if nonempty is None:
            return np.add.reduceat(values, starts, dtype=np.float64)
        out = np.zeros(len(self.block_starts))
        if len(starts):
            out[nonempty] = np.add.reduceat(values, starts, dtype=np.float64)
        return out

    def region_counts(self, n_regions: int) -> dict[str, np.ndarray]:
        """Consumers, aware, reached, customers, repeat customers, trust and stages per region."""
        if self.n_sellers == 1:  # one column: row sums are the column itself
            total_orders = self.orders[:, 0]
            aware = self.aware[:, 0]
            aware_pairs = aware  # per_region counts True as 1, as it would the 0/1 sums
            reached = self.reached[:, 0]
            trust_known = self.trust[:, 0] * aware
        else:
            total_orders = np.add.reduce(self.orders, axis=1)
            aware_pairs = np.add.reduce(self.aware, axis=1, dtype=np.int64)
            aware = aware_pairs > 0
            reached = np.logical_or.reduce(self.reached, axis=1)
            trust_known = np.add.reduce(self.trust * self.aware, axis=1)
        key = self.stage_key_base + self.stage
        stages = np.bincount(key, minlength=n_regions * len(Stage)).reshape(n_regions, -1)
        aware_count = self.per_region(aware)
        return {
            "consumers": self.block_ends - self.block_starts,
            "aware": aware_count,
            "reached": self.per_region(reached),
            "customers": self.per_region(total_orders >= 1),
            "repeat_customers": self.per_region(total_orders >= 2),
            "trust_sum": self.per_region(trust_known),
            "aware_pairs": (aware_count.copy() if aware_pairs is aware
                            else self.per_region(aware_pairs)),
            "stage": stages,  # (R, stages)
        }

    def seller_region_counts(self) -> dict[str, np.ndarray]:
        """Aware, reached, customers, repeat customers and trust sums per (seller, region)."""
        keys = ("aware", "reached", "customers", "repeat_customers", "trust_sum")
        out = {k: np.zeros((self.n_sellers, len(self.block_ends))) for k in keys}
        for s in range(self.n_sellers):
            aware = self.aware[:, s]
            out["aware"][s] = self.per_region(aware)
            out["reached"][s] = self.per_region(self.reached[:, s])
            out["customers"][s] = self.per_region(self.orders[:, s] >= 1)
            out["repeat_customers"][s] = self.per_region(self.orders[:, s] >= 2)
            out["trust_sum"][s] = self.per_region(np.where(aware, self.trust[:, s], 0.0))
        return out

    # --- Sense / Interest / Connect -------------------------------------------------------
    def perceive(self, exposures: Exposures, counters: np.ndarray | None = None) -> int:
        """Apply the day's touches: attention adds up, trust gains and losses compound.

        Gains close a share of the trust gap and losses remove a share of trust; several
        touches on the same day multiply (1 - g1)(1 - g2)..., which makes the result
        independent of the order in which touches were queued. Gains apply before losses.

        Args:
            exposures: the day's queued touches.
            counters: (S, R, counters) array where touches are tallied by channel.

        Returns:
            number of touches applied.
        """
        if not exposures.parts:
            return 0
        s_count = self.n_sellers
        consumer = exposures.column(CONSUMER_COLUMN)
        # With one seller every touch names seller 0, so the seller column is not needed.
        seller = exposures.column(SELLER_COLUMN) if s_count > 1 else None
        att, gain = exposures.column(ATTENTION_COLUMN), exposures.column(GAIN_COLUMN)
        loss = exposures.column(LOSS_COLUMN) if exposures.losses else None
        referrer = exposures.column(REFERRER_COLUMN) if exposures.referrals else None
        channel = exposures.column(CHANNEL_COLUMN)
        untallied, unnoticed = exposures.untallied, exposures.unnoticed
        exposures.clear()
        if counters is not None:
            self._tally(counters, consumer, seller, channel, untallied)
        idx = consumer if seller is None else consumer * s_count + seller
        a_flat = self.attention.reshape(-1)
        t_flat = self.trust.reshape(-1)
        keep_gap = np.maximum(gain, 0.0)
        np.minimum(keep_gap, 1.0, out=keep_gap)
        np.subtract(1.0, keep_gap, out=keep_gap)  # 1 - clip(gain, 0, 1)
        keep_trust = None
        if loss is not None:
            keep_trust = np.maximum(loss, 0.0)
            np.minimum(keep_trust, 1.0, out=keep_trust)
            np.subtract(1.0, keep_trust, out=keep_trust)
        np.add.at(a_flat, idx, att.astype(FLOAT))
        self._content_and_attribution(consumer, idx, channel, referrer)
        noticed = idx[att > 0] if unnoticed else idx
        self.aware.reshape(-1)[noticed] = True
        self.reached.reshape(-1)[noticed] = True
        if self.n * s_count <= DENSE_TOUCH_CELLS:
            # Products per cell in a scratch table of ones (reset after use); the update is
            # then computed per touch: repeated cells get the same value written twice.
            cells = idx
            scratch = self._touch_scratch()
            np.multiply.at(scratch, idx, keep_gap)
            keep_gap = scratch[idx]
            scratch[idx] = 1.0
            if keep_trust is not None:
                np.multiply.at(scratch, idx, keep_trust)
                keep_trust = scratch[idx]
                scratch[idx] = 1.0
        else:
            # Sorted distinct cells; a touch's cell is found by binary search.
            cells = unique_sorted(idx)
            pos = cells.searchsorted(idx)
            gaps = np.ones(len(cells))
            np.multiply.at(gaps, pos, keep_gap)
            keep_gap = gaps
            if keep_trust is not None:
                trusts = np.ones(len(cells))
                np.multiply.at(trusts, pos, keep_trust)
                keep_trust = trusts
        t = np.subtract(1.0, t_flat[cells], dtype=np.float64)
        t *= keep_gap
        np.subtract(1.0, t, out=t)  # t = 1 - (1 - t) * keep_gap
        if keep_trust is not None:  # without losses t * 1.0 == t: the product is skipped
            t *= keep_trust
        t_flat[cells] = t

        # The first referral a consumer receives is the one credited.
        if referrer is not None:
            ref = referrer >= 0
            if np.count_nonzero(ref):
                c, rr = consumer[ref], referrer[ref]
                fresh = self.referred_by[c] < 0
                c, rr = c[fresh], rr[fresh]
                # The first occurrence of each consumer wins (stable order of queueing).
                first = np.unique(c, return_index=True)[1]
                self.referred_by[c[first]] = rr[first]
                ss = 0 if seller is None else seller[ref][fresh][first]
                self.referred_seller[c[first]] = ss
        return len(idx)

    def _content_and_attribution(self, consumer: np.ndarray, idx: np.ndarray,
                                 channel: np.ndarray, referrer: np.ndarray | None) -> None:
        """Content touches lower product uncertainty; every touch is booked for attribution.

        Uncertainty: each KOL or live touch keeps a share of the cell's uncertainty (products
        in queue order, as the per-agent reference). Attribution: :func:`channels.record_touches`.
        """
        if self._content_moves_uncertainty:
            keep = self._uncertainty_keep[channel]
            hit = keep < 1.0
            if hit.any():
                np.multiply.at(self.uncertainty.reshape(-1), idx[hit], keep[hit])
        code = channels.touch_codes(channel, referrer, self._attribution_codes)
        channels.record_touches(self.first_channel.reshape(-1), self.touches_before,
                                self.recalled_before, self.channels_before, self.customer,
                                consumer, idx, code)

    def _touch_scratch(self) -> np.ndarray:
        """A (consumer x seller) table of ones for per-cell products (made on first use)."""
        scratch = self.__dict__.get("_scratch")
        if scratch is None or len(scratch) != self.n * self.n_sellers:
            scratch = self._scratch = np.ones(self.n * self.n_sellers)
        return scratch

    def _tally(self, counters: np.ndarray, consumer: np.ndarray, seller: np.ndarray | None,
               channel: np.ndarray, untallied: bool) -> None:
        """Count touches in ``counters[seller, region, channel]`` (channel -1: not counted).

        One bincount over the flat cell index; the cells hold whole counts, so adding the
        day's count equals adding 1 per touch. ``seller`` None means seller 0 throughout.
        """
        _, n_regions, n_channels = counters.shape
        if untallied:
            tallied = channel >= 0
            consumer, channel = consumer[tallied], channel[tallied]
            seller = None if seller is None else seller[tallied]
        key = self.region[consumer] * np.int64(n_channels)
        if seller is not None:
            key += seller * (n_regions * n_channels)
        key += channel
        counters += np.bincount(key, minlength=counters.size).reshape(counters.shape)

    def update_funnel(self, day: int) -> None:
        """Forget a little, then move consumers between funnel stages.

        Forgetting: attention decays and sellers whose memory fell below the awareness
        threshold are forgotten (:meth:`forget_sellers`). Consumers in an order episode
        (BUYING, SHARING) stay put until released. Others are
        AWARE if any seller is known, INTERESTED if attention reached their threshold (or
        they are past customers), and TRUSTING if also some known seller selling in their
        region is trusted above their threshold.
        """
        keep = self._attention_keep()
        np.multiply(self.attention, keep, out=self.attention)
        np.multiply(self.recalled_before, keep, out=self.recalled_before)
        self.forget_sellers()
        buf = self._buffer
        np.subtract(self.trust0, self.trust, out=buf)
        buf *= self.trust_relax
        self.trust += buf
        if self.n * self.n_sellers <= SCALAR_FUNNEL_CELLS:
            self._move_few()
            return

        trusted = self.trust >= self.trust_thr[:, None]
        trusted &= self.aware
        trusted &= self.sells
        if self.n_sellers == 1:  # one column: the row reductions are the column itself
            considered = trusted[:, 0]
            interested = self.attention[:, 0] >= self.interest_thr
            aware = self.aware[:, 0]
        else:
            considered = np.logical_or.reduce(trusted, axis=1)
            interested = np.maximum.reduce(self.attention, axis=1) >= self.interest_thr
            aware = np.logical_or.reduce(self.aware, axis=1)
        interested |= self.customer
        # 0 UNAWARE, 1 AWARE, 2 INTERESTED, 3 TRUSTING (interest implies awareness); booleans
        # are added as their 0/1 bytes.
        new = np.add(aware.view(np.int8), interested.view(np.int8))
        interested &= considered
        new += interested.view(np.int8)
        stage = self.stage
        np.copyto(stage, new, where=stage < IN_EPISODE)

    def forget_sellers(self) -> None:
        """Awareness fades with memory.

        A consumer is aware of a seller now only while her attention (memory of the seller)
        is at least ``awareness_threshold``, or she has bought from it (purchase memory).
        ``reached`` (ever touched) is never undone.
        """
        remembered = self.attention >= self.params.awareness_threshold
        remembered |= self.orders > 0
        self.aware &= remembered

    def _attention_keep(self) -> np.ndarray:
        """Share of attention kept overnight, as a float32 0-d array (cheaper than a scalar)."""
        decay = self.params.attention_decay
        cached = self.__dict__.get("_keep_cache")
        if cached is None or cached[0] != decay:
            cached = self._keep_cache = (decay, np.array(1.0 - decay, dtype=FLOAT))
        return cached[1]

    def _move_few(self) -> None:
        """The stage rule of :meth:`update_funnel`, consumer by consumer in Python floats.

        For a handful of consumers a dozen array operations cost more than the loop; the
        comparisons are exact on float32 values, so the stages are the same.
        """
        stage = self.stage.tolist()
        free = [i for i, now in enumerate(stage) if now < IN_EPISODE]
        if not free:
            return
        aware, attention = self.aware.tolist(), self.attention.tolist()
        interest_thr, customer = self.interest_thr.tolist(), self.customer.tolist()
        trust = sells = trust_thr = None
        for i in free:
            known = aware[i]
            new = int(True in known)
            if customer[i] or max(attention[i]) >= interest_thr[i]:
                new += 1
                if trust is None:
                    trust, sells = self.trust.tolist(), self.sells.tolist()
                    trust_thr = self.trust_thr.tolist()
                thr = trust_thr[i]
                if any(k and sold and t >= thr
                       for t, k, sold in zip(trust[i], known, sells[i], strict=True)):
                    new += 1
            if new != stage[i]:
                self.stage[i] = new

    # --- Action ---------------------------------------------------------------------------
    def purchase_occasions(
        self,
        day: int,
        rng: np.random.Generator,
        live_consumers: np.ndarray,
        live_sellers: np.ndarray,
        live_kols: np.ndarray,
        occasion_boost: float = 1.0,
        invited: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> PurchaseOccasions:
        """Today's purchase occasions, regular ones first; :meth:`choose` then picks.

        Regular occasions come to consumers in the TRUSTING stage at a daily rate scaled by
        their affinity (and, for past customers, by cultural loyalty); live-stream viewers
        may get an impulse occasion restricted to the streaming seller at the live price.
        The choice is multinomial logit over available, trusted alternatives plus an outside
        option of utility 0.

        A live viewer already given a regular occasion, or in an order episode, gets no
        impulse occasion; of several streams the first queued wins.

        ``invited`` (consumers, sellers) are group-buy invitations a consumer looks at today
        (:func:`simulation.fission.invitation_occasions`): an occasion restricted to the
        inviting seller at the group price, after the regular ones and before live ones; a
        consumer already given a regular occasion keeps that one.
        """
        p = self.params
        stage = self.stage
        # Rested: day - last_purchase >= the minimum gap (compared without an n-sized difference).
        last_ok = day - p.min_days_between_purchases
        cand = (stage == _TRUSTING).nonzero()[0]
        cand = cand[self.last_purchase[cand] <= last_ok]
        if len(cand):
            customer = self.customer[cand]
            rate = p.purchase_occasion_rate * occasion_boost * self.affinity[cand] * np.where(
                customer, self.loyalty[cand], 1.0
            )
            regular = cand[rng.random(len(cand)) < rate]
        else:
            regular = cand  # a draw of size 0 would not move the generator
        if invited is not None and len(invited[0]):
            ic, iseller = (np.asarray(a, dtype=np.int64) for a in invited)
            if len(regular):
                fresh = ~np.isin(ic, regular)
                ic, iseller = ic[fresh], iseller[fresh]
            if len(ic):
                restricted = np.concatenate([np.full(len(regular), -1), iseller])
                regular = np.concatenate([regular, ic])
                return self._with_live(regular, restricted, live_consumers, live_sellers,
                                       live_kols, day)
        n_regular = len(regular)

        # Live-stream impulse occasions (one per consumer per day, first stream wins).
        if len(live_consumers):
            live_consumers = np.asarray(live_consumers, dtype=np.int64)
            ok = self.free_for_occasion(live_consumers, day)
            lc = live_consumers[ok]
            ls, lk = np.asarray(live_sellers)[ok], np.asarray(live_kols)[ok]
            if len(lc) > 1:
                first = _first_of_each(lc)
                lc, ls, lk = lc[first], ls[first], lk[first]
            if len(lc) and n_regular:
                fresh = ~_sorted_contains(regular, lc)
                lc, ls, lk = lc[fresh], ls[fresh], lk[fresh]
            if len(lc):
                return PurchaseOccasions(
                    consumer=np.concatenate([regular, lc]),
                    is_live=np.concatenate([np.zeros(n_regular, bool), np.ones(len(lc), bool)]),
                    live_seller=np.concatenate([np.full(n_regular, -1), ls]),
                    live_kol=np.concatenate([np.full(n_regular, -1), lk]).astype(np.int64),
                )
        none = np.empty(n_regular, np.int64)
        none.fill(-1)
        # Read-only from here on, so the two "no seller / no KOL" columns can share one array.
        return PurchaseOccasions(regular, np.zeros(n_regular, bool), none, none)

    def free_for_occasion(self, consumers: np.ndarray, day: int) -> np.ndarray:
        """Whether each consumer is rested and not in an order episode today.

        The rule for every occasion outside the regular draw: a live impulse, a group-buy
        invitation, a cart reminder.
        """
        rested = self.last_purchase[consumers] <= day - self.params.min_days_between_purchases
        return (self.stage[consumers] < IN_EPISODE) & rested

    def _with_live(self, regular: np.ndarray, restricted: np.ndarray,
                   live_consumers: np.ndarray, live_sellers: np.ndarray,
                   live_kols: np.ndarray, day: int) -> PurchaseOccasions:
        """Occasions when invitations are among them: regular and invited, then live ones.

        ``restricted`` is the seller an occasion is limited to (-1: any). The live rule is
        the one of :meth:`purchase_occasions`: no impulse for a consumer already given an
        occasion or in an order episode, the first queued stream wins.
        """
        n = len(regular)
        lc = np.asarray(live_consumers, dtype=np.int64)
        ls, lk = np.asarray(live_sellers), np.asarray(live_kols)
        if len(lc):
            ok = self.free_for_occasion(lc, day)
            lc, ls, lk = lc[ok], ls[ok], lk[ok]
            if len(lc) > 1:
                first = _first_of_each(lc)
                lc, ls, lk = lc[first], ls[first], lk[first]
            fresh = ~np.isin(lc, regular)
            lc, ls, lk = lc[fresh], ls[fresh], lk[fresh]
        return PurchaseOccasions(
            consumer=np.concatenate([regular, lc]),
            is_live=np.concatenate([np.zeros(n, bool), np.ones(len(lc), bool)]),
            live_seller=np.concatenate([restricted, ls]).astype(np.int64),
            live_kol=np.concatenate([np.full(n, -1), lk]).astype(np.int64),
        )

    def choose(self, occasions: PurchaseOccasions, offers: Offers, rng: np.random.Generator
               ) -> PurchaseRequests:
        """Multinomial-logit choice of everyone with an occasion (one uniform each)."""
        consumers = occasions.consumer
        if len(consumers) == 0:
            empty = np.zeros(0, np.int64)
            return PurchaseRequests(empty, empty, empty)
        u = self.utility(consumers, offers, occasions.is_live, occasions.live_seller)
        choice = choose_logit(u, rng)
        bought = choice >= 0
        # live_kol is -1 on regular occasions already.
        return PurchaseRequests(
            consumer=consumers[bought],
            alternative=choice[bought],
            live_kol=occasions.live_kol[bought],
        )

    def utility(
        self,
        consumers: np.ndarray,
        offers: Offers,
        is_live: np.ndarray,
        live_seller: np.ndarray,
    ) -> np.ndarray:
        """(K, A) utility of each alternative for each consumer; -inf where not a choice.

        Terms that are exactly zero for everyone today (no live occasion, no invited
        newcomer, no green taste) are left out; the sum is otherwise taken in a fixed order.
        """
        p = self.params
        r = self.region[consumers]
        s_of = offers.seller
        rows = consumers[:, None]
        trust = self.trust[rows, s_of]  # (K, A)
        thr = self.trust_thr[rows]
        risk = self.risk_weight[rows]
        any_live = is_live.any()
        price_days = offers.price_days[:, r].T
        if any_live:
            price_days = np.where(is_live[:, None], offers.live_price_days[:, r].T, price_days)
        # Invited first-time buyers see the group-buy price of sellers running referrals
        # (unless the seller's referral pot in their region is empty: programme paused).
        invited = self.referred_by[consumers] >= 0
        if invited.any():
            invited &= ~self.customer[consumers]
            cut = np.outer(invited, offers.group_buy[s_of])
            if offers.referral_running is not None:
                cut = cut * offers.referral_running[s_of[None, :], r[:, None]]
            price_days = price_days * (1.0 - cut)
        rating_prior = p.rating_prior_positive / (p.rating_prior_positive + p.rating_prior_negative)
        u = p.choice_intercept + p.beta_trust * (trust - thr)
        u = u - p.beta_price * self.price_sens[rows] * price_days
        u += p.beta_quality * self.brand_sens[rows] * (offers.quality - MIDPOINT)
        if offers.claimed is not None:
            # Content claims raise the quality a consumer expects, in proportion to how much
            # of her picture of the seller came from content (simulation.expectations).
            informed = expectations.informed_share(self.uncertainty[rows, s_of],
                                                   p.uncertainty_prior)
            lift = expectations.expected_quality(offers.quality, offers.claimed, informed)
            u += p.beta_quality * self.brand_sens[rows] * (lift - offers.quality)
        u -= p.beta_delivery * risk * delivery_disutility(offers.promised_days[:, r].T,
                                                          p.patience_days)
        u += p.beta_rating * risk * (offers.rating[s_of[None, :], r[:, None]] - rating_prior)
        green = self.green[consumers]
        if green.any():
            u += p.beta_green * np.outer(green, offers.green)
        # The social tie (simulation.social_retention): a past customer of a seller is held
        # by friends who are still its customers (Nitzan & Libai 2011).
        tie = social_retention.social_retention_utility(
            self.social_graph, consumers, s_of, self.orders, self.trust, self.trust_thr,
            p.social_retention_utility)
        if tie is not None:
            u += tie
        if any_live:
            u += (p.live_excitement_utility * is_live * self.culture["impulse"][r])[:, None]
        # Regular occasions consider trusted, known sellers; a live occasion only the
        # streamer (impulse: trust enters through the utility, not as a gate); an invitation
        # only the inviting seller, and only if the invitee trusts it enough: the friend's
        # vouching arrives as trust with the invitation's share (word_of_mouth), it does not
        # lift the gate. (Without the gate, invitations sold to every wary consumer and
        # viral_referral multiplied Korea's orders 8.5 times: docs/LEVER_SCAN.md.)
        trusted = trust >= thr
        known = self.aware[rows, s_of] & trusted
        restricted = live_seller >= 0
        if any_live or restricted.any():
            only = s_of[None, :] == live_seller[:, None]
            invitation = (restricted & ~is_live)[:, None]
            known = np.where(restricted[:, None], only & (~invitation | trusted), known)
        known &= offers.available[:, r].T
        u[~known] = -np.inf
        return u

    # --- Share ----------------------------------------------------------------------------
    def review(
        self,
        consumers: np.ndarray,
        sellers: np.ndarray,
        quality: np.ndarray,
        delivery_days: np.ndarray,
        local_return: np.ndarray,
        return_norm: np.ndarray,
        rng: np.random.Generator,
        uncertainty: np.ndarray | None = None,
        claimed: np.ndarray | None = None,
    ) -> ReviewOutcome:
        """Satisfaction, review, return decision and trust update after a delivery.

        Satisfaction is a logistic function of quality and lateness beyond patience (weighted
        by cultural risk aversion) plus noise, less the shortfall of quality against what
        content claims led the buyer to expect (``claimed``; None: honest content); unhappy
        buyers without a local return option are stuck with the item, which lowers
        satisfaction further and makes returns rarer. Fit returns scale with the buyer's
        product ``uncertainty`` at purchase (None: the prior, no content seen).
        """
        p = self.params
        risk = self.risk_weight[consumers]
        late = np.maximum(0.0, delivery_days - p.patience_days) / p.patience_days
        logit = (
            p.satisfaction_intercept
            + p.satisfaction_quality_weight * (quality - MIDPOINT)
            - p.satisfaction_lateness_weight * risk * late
            + p.satisfaction_noise * rng.standard_normal(len(consumers))
        )
        if claimed is not None and uncertainty is not None:
            informed = expectations.informed_share(uncertainty, p.uncertainty_prior)
            gap = expectations.expectation_gap(
                expectations.expected_quality(quality, claimed, informed), quality)
            logit = logit + expectations.satisfaction_logit_shift(gap, p.expectation_gap_weight)
        sat = 1.0 / (1.0 + np.exp(-logit))
        ease = np.where(local_return, 1.0, p.cross_border_return_ease)
        fit = (1.0 if uncertainty is None else
               channels.fit_return_factor(uncertainty, p.uncertainty_prior, p.fit_return_share))
        p_return = np.clip(
            return_norm * ease * fit * (1.0 + p.return_dissatisfaction_weight * (1.0 - sat))
            / (1.0 + p.return_dissatisfaction_weight * MIDPOINT),  # average buyer: norm
            0.0, 1.0,
        )
        returned = rng.random(len(consumers)) < p_return
        stuck = ~local_return & ~returned & (sat < p.satisfaction_cutoff)
        sat = np.where(
            stuck,
            1.0 / (1.0 + np.exp(-(logit - p.return_hassle_satisfaction_penalty))),
            sat,
        )
        reviewed = rng.random(len(consumers)) < p.review_rate
        negative = reviewed & (sat < p.satisfaction_cutoff)

        t = self.trust[consumers, sellers]
        self.trust[consumers, sellers] = (t + p.experience_trust_weight * (sat - t)).astype(FLOAT)
        self.last_delivery_days[consumers] = delivery_days
        self.last_satisfaction[consumers] = sat
        self.stage[consumers] = Stage.SHARING
        return ReviewOutcome(sat, reviewed, negative, returned)

    def lose_trust(self, consumers: np.ndarray, sellers: np.ndarray, share: float) -> None:
        """A lost parcel, cancelled order or breach: trust falls by ``share``."""
        self.trust[consumers, sellers] *= FLOAT(1.0 - share)

    def release(self, consumers: np.ndarray) -> None:
        """End of an order episode: the consumer re-enters the funnel tomorrow."""
        self.stage[consumers] = Stage.INTERESTED


def delivery_disutility(days: np.ndarray, patience_days: float) -> np.ndarray:
    """Disutility of a promised delivery time, in patience units: ln(1 + days / patience).

    Concave (diminishing sensitivity, as in random-utility models of delivery time that enter
    time in logs): the step from 3 to 10 days weighs more than from 20 to 27. A linear term
    made a 24-day direct parcel to Brazil 60 times less likely to be chosen than 5-day local
    stock at the same price, and an overseas warehouse multiplied Brazil's orders about 39
    times (docs/LEVER_SCAN.md, issue 15); cross-border buyers do buy with two-to-four-week
    delivery (brief: AliExpress, Shein and Temu built their markets on it).

    >>> round(float(delivery_disutility(np.array(7.0), 7.0)), 6)  # ln 2
    0.693147
    >>> float(delivery_disutility(np.array(0.0), 7.0))
    0.0
    """
    return np.log1p(np.asarray(days, dtype=float) / patience_days)


def choose_logit(utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Multinomial-logit choice with an outside option of utility 0.

    Args:
        utility: (K, A) utilities; -inf marks an unavailable alternative.
        rng: generator; exactly one uniform is drawn per row.

    Returns:
        (K,) chosen alternative index, -1 for the outside option.
    """
    k, n_alt = utility.shape
    if k == 0:
        return np.zeros(0, np.int64)
    top = utility.max(axis=1, initial=0.0)  # >= 0: the outside option's utility
    w = np.exp(utility - top[:, None])  # exp(-inf) = 0 for unavailable alternatives
    total = w.sum(axis=1) + np.exp(-top)
    u = rng.random(k) * total
    choice = (u[:, None] >= w.cumsum(axis=1)).sum(axis=1)
    choice[choice >= n_alt] = -1
    return choice


def _first_of_each(a: np.ndarray) -> np.ndarray:
    """Index of the first occurrence of each distinct value, in ascending order of value.

    The same as ``np.unique(a, return_index=True)[1]`` (stable sort), without its overhead.
    """
    order = np.argsort(a, kind="stable")
    s = a[order]
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return order[keep]


def _sorted_contains(sorted_values: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``np.isin(a, sorted_values)`` for ascending, non-empty ``sorted_values``."""
    at = np.minimum(np.searchsorted(sorted_values, a), len(sorted_values) - 1)
    return sorted_values[at] == a


class Consumer:
    """One consumer, viewed on demand: reads its row of the population's arrays, live.

    There is no Python object per consumer: :meth:`ConsumerPopulation.view` makes a view when
    asked (``model.consumer(i)``, iterating ``model.consumers``). A view is read-only:
    assigning an attribute raises, and the arrays it returns (trust, attention) cannot be
    written, so ``agent.trust[0] = x`` fails loudly instead of changing nothing. Consumer
    state changes only through the population's set-level phases.
    """

    __slots__ = ("index", "model")

    def __init__(self, model: MarketModel, index: int) -> None:
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "index", int(index))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(
            f"consumer views are read-only (tried to set {name!r}); consumer state lives in "
            "model.population's arrays and changes through its set-level phases")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Consumer) and other.model is self.model
                and other.index == self.index)

    def __hash__(self) -> int:
        return hash((id(self.model), self.index))

    def __repr__(self) -> str:
        return f"Consumer({self.index}, region={self.region}, stage={self.stage.name})"

    @property
    def unique_id(self) -> int:
        """The consumer's row in the population (stable for the run)."""
        return self.index

    @property
    def _pop(self) -> ConsumerPopulation:
        return self.model.population

    @property
    def region(self) -> str:
        """Region code."""
        return self.model.regions.codes[self._pop.region[self.index]]

    @property
    def stage(self) -> Stage:
        """Current funnel stage."""
        return Stage(int(self._pop.stage[self.index]))

    @property
    def trust(self) -> np.ndarray:
        """Trust in each seller (a read-only view of the live row)."""
        return _read_only(self._pop.trust[self.index])

    @property
    def attention(self) -> np.ndarray:
        """Accumulated attention to each seller (a read-only view of the live row)."""
        return _read_only(self._pop.attention[self.index])

    @property
    def orders_placed(self) -> int:
        """Paid orders so far, all sellers."""
        return int(self._pop.orders[self.index].sum())

    @property
    def platforms(self) -> list[str]:
        """Social platforms the consumer uses."""
        mask = int(self._pop.platforms[self.index])
        return [p for i, p in enumerate(PLATFORMS) if mask >> i & 1]

    @property
    def payment_methods(self) -> list[str]:
        """Payment methods the consumer is willing to use."""
        mask = int(self._pop.pay_mask[self.index])
        return [m for i, m in enumerate(PAYMENT_METHODS) if mask >> i & 1]

    @property
    def neighbours(self) -> np.ndarray:
        """Indices of the consumer's social ties."""
        return self.model.graph.neighbours(self.index)


def _read_only(row: np.ndarray) -> np.ndarray:
    """A non-writeable view of ``row`` (writes through it raise instead of being lost)."""
    view = row.view()
    view.flags.writeable = False
    return view


class ConsumerSelection:
    """Some consumers of a population (a sorted index array), with AgentSet-like verbs."""

    def __init__(self, population: ConsumerPopulation, rows: np.ndarray) -> None:
        self.population = population
        self.rows = np.asarray(rows, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        """Views of the selected consumers, made one at a time."""
        return (self.population.view(i) for i in self.rows.tolist())

    def __getitem__(self, k: int) -> Consumer:
        return self.population.view(int(self.rows[k]))

    def to_list(self) -> list[Consumer]:
        """Views of every selected consumer (fine for a few; use arrays for many)."""
        return list(self)

    def get(self, attribute: str) -> np.ndarray:
        """Values of a per-consumer array attribute for the selection (vectorised)."""
        return self.population.get(attribute)[self.rows]

    def select(self, filter_func=None, mask: np.ndarray | None = None) -> ConsumerSelection:
        """A sub-selection, by a boolean mask over the whole population or a view predicate."""
        rows = self.rows
        if mask is not None:
            rows = rows[np.asarray(mask, dtype=bool)[rows]]
        if filter_func is not None:
            rows = np.array([i for i in rows.tolist()
                             if filter_func(self.population.view(i))], dtype=np.int64)
        return ConsumerSelection(self.population, rows)

    def groupby(self, by: str) -> ConsumerGroups:
        """Group by a per-consumer attribute ('region', 'stage' or an array attribute)."""
        return ConsumerGroups(self, by)


class ConsumerGroups:
    """Consumers grouped by an attribute; ``count()`` gives group sizes."""

    def __init__(self, selection: ConsumerSelection, by: str) -> None:
        self.selection = selection
        self.by = by

    def count(self) -> dict:
        """Group label -> number of consumers (region codes and Stage members as labels)."""
        pop = self.selection.population
        rows = self.selection.rows
        if self.by == "region":
            codes = pop.region_codes
            values = np.bincount(pop.region[rows], minlength=len(codes))
            return {codes[i]: int(v) for i, v in enumerate(values) if v}
        if self.by == "stage":
            values = np.bincount(pop.stage[rows], minlength=len(Stage))
            return {Stage(i): int(v) for i, v in enumerate(values) if v}
        labels, counts = np.unique(pop.get(self.by)[rows], return_counts=True)
        return {lab.item(): int(c) for lab, c in zip(labels, counts, strict=True)}


def funnel_phase(model: MarketModel, day: int) -> None:
    """Phase 'perception and funnel': take in the day's touches, then update the funnel."""
    model.population.perceive(model.exposures, model.counters)
    model.population.update_funnel(day)
