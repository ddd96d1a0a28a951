"""The consumer dynamics written the plain Mesa way: one agent at a time, scalar by scalar.

:class:`PerAgentMarketModel` is the production model with the three vectorised consumer
phases (perceive, funnel update, purchase decision) replaced by Python loops over
:class:`PerAgentConsumer` agents (``AgentSet.do``), using the same rules and parameters.
Everything else (sellers, KOLs, checkout, logistics, reviews) is shared, so the two models
must agree in distribution; the random draws come in a different order, so they do not agree
run by run. The benchmark measures how much faster the vectorised phases are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from simulation import channels
from simulation.consumers import Offers, PurchaseRequests, Stage
from simulation.model import MarketModel


@dataclass
class DeferredOccasions:
    """The choice phase's inputs, kept until its offers exist.

    The reference draws each consumer's occasion and choice together, agent by agent, so the
    phase's two vectorised calls (``purchase_occasions``, then ``choose``) become one.
    """

    day: int
    live_consumers: np.ndarray
    live_sellers: np.ndarray
    live_kols: np.ndarray
    occasion_boost: float
    invited: dict[int, int]  # consumer -> inviting seller (group-buy invitation looked at)

    def __len__(self) -> int:
        return 1  # the phase always builds offers (they draw nothing at random)


class PerAgentConsumer(mesa.Agent):
    """A consumer whose daily decisions are made by its own ``step``-style methods."""

    def __init__(self, model: PerAgentMarketModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    def forget_and_move(self) -> None:
        """Attention decays, trust relaxes, then the SICAS stage is updated (one consumer)."""
        pop = self.model.population
        p = self.model.params
        i = self.index
        n_sellers = pop.n_sellers
        any_aware = considered = False
        max_attention = 0.0
        for s in range(n_sellers):
            pop.attention[i, s] = pop.attention[i, s] * np.float32(1.0 - p.attention_decay)
            if s == 0:  # one memory of touches per consumer
                pop.recalled_before[i] = pop.recalled_before[i] * np.float32(
                    1.0 - p.attention_decay)
            relax = pop.trust_relax[i, 0]
            pop.trust[i, s] += relax * (pop.trust0[i, s] - pop.trust[i, s])
            max_attention = max(max_attention, float(pop.attention[i, s]))
            # Forgetting: aware only while memory is above the threshold, or a past customer.
            if pop.aware[i, s] and not (pop.attention[i, s] >= p.awareness_threshold
                                        or pop.orders[i, s] > 0):
                pop.aware[i, s] = False
            if pop.aware[i, s]:
                any_aware = True
                if pop.trust[i, s] >= pop.trust_thr[i] and pop.sells[i, s]:
                    considered = True
        if pop.stage[i] in (Stage.BUYING, Stage.SHARING):
            return
        interested = max_attention >= pop.interest_thr[i] or bool(pop.customer[i])
        if interested and considered:
            pop.stage[i] = Stage.TRUSTING
        elif interested:
            pop.stage[i] = Stage.INTERESTED
        elif any_aware:
            pop.stage[i] = Stage.AWARE
        else:
            pop.stage[i] = Stage.UNAWARE

    def consider_buying(self, day: int, offers: Offers, boost: float, live: dict,
                        invited: dict) -> None:
        """Draw a purchase occasion and, if it comes, choose an alternative by logit."""
        model = self.model
        pop = model.population
        p = model.params
        i = self.index
        rested = day - pop.last_purchase[i] >= p.min_days_between_purchases
        if not rested or pop.stage[i] in (Stage.BUYING, Stage.SHARING):
            return
        live_seller, kol = -1, -1
        if pop.stage[i] == Stage.TRUSTING:
            rate = p.purchase_occasion_rate * boost * pop.affinity[i]
            if pop.customer[i]:
                rate *= pop.loyalty[i]
            occasion = model.rng.random() < rate
        else:
            occasion = False
        restricted = -1
        invitation = False
        if not occasion and i in invited:
            occasion, restricted, invitation = True, invited[i], True
        if not occasion:
            if i not in live:
                return
            live_seller, kol = live[i]
            restricted = live_seller
        r = int(pop.region[i])
        weights = []
        rating_prior = p.rating_prior_positive / (p.rating_prior_positive
                                                  + p.rating_prior_negative)
        invited = pop.referred_by[i] >= 0 and not pop.customer[i]
        for a in range(len(offers.seller)):
            s = int(offers.seller[a])
            trust = float(pop.trust[i, s])
            allowed = bool(offers.available[a, r])
            if restricted >= 0:  # an invitation still needs trust; a live-stream does not
                allowed = allowed and s == restricted and (
                    not invitation or trust >= pop.trust_thr[i])
            else:
                allowed = allowed and bool(pop.aware[i, s]) and trust >= pop.trust_thr[i]
            if not allowed:
                weights.append(0.0)
                continue
            price = offers.live_price_days[a, r] if live_seller >= 0 else offers.price_days[a, r]
            if invited:
                price *= 1.0 - offers.group_buy[s]
            u = (p.choice_intercept + p.beta_trust * (trust - pop.trust_thr[i])
                 - p.beta_price * pop.price_sens[i] * price
                 + p.beta_quality * pop.brand_sens[i] * (offers.quality[a] - 0.5)
                 - p.beta_delivery * pop.risk_weight[i]
                 * math.log1p(offers.promised_days[a, r] / p.patience_days)
                 + p.beta_rating * pop.risk_weight[i] * (offers.rating[s, r] - rating_prior)
                 + p.beta_green * float(pop.green[i]) * float(offers.green[a]))
            if offers.claimed is not None:  # content claims lift the quality expected
                informed = min(max(1.0 - float(pop.uncertainty[i, s]) / p.uncertainty_prior,
                                   0.0), 1.0)
                u += (p.beta_quality * pop.brand_sens[i] * informed
                      * (offers.claimed[a] - offers.quality[a]))
            if live_seller >= 0:
                u += p.live_excitement_utility * model.culture["impulse"][r]
            weights.append(math.exp(u))
        total = 1.0 + sum(weights)  # the outside option has utility 0
        draw = model.rng.random() * total
        acc = 0.0
        for a, w in enumerate(weights):
            acc += w
            if draw < acc:
                model.requests.append((i, a, kol))
                return


class PerAgentMarketModel(MarketModel):
    """MarketModel whose consumer phases run agent by agent (see module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # decision-making agents, one per row of the population (the reference being measured)
        self._consumer_agents = [PerAgentConsumer(self, i) for i in range(self.population.n)]
        self.requests: list[tuple[int, int, int]] = []
        self.population.perceive = self._perceive_one_by_one
        self.population.update_funnel = self._update_funnel_per_agent
        # the choice phase calls these two; the reference answers both in _decide_per_agent
        self.population.purchase_occasions = self._defer_occasions
        self.population.choose = self._choose_per_agent

    def _perceive_one_by_one(self, exposures, counters=None) -> int:
        pop = self.population
        cols = exposures.drain()
        if cols is None:
            return 0
        consumer, seller, att, gain, loss, referrer, channel = cols
        codes, keep_table = pop._attribution_codes, pop._uncertainty_keep
        # Gains before losses, as documented for the vectorised version.
        for k in range(len(consumer)):
            c, s = int(consumer[k]), int(seller[k])
            if counters is not None and channel[k] >= 0:
                counters[s, pop.region[c], channel[k]] += 1
            # content lowers uncertainty; touches before the first purchase are attributed
            pop.uncertainty[c, s] *= keep_table[channel[k]]
            code = int(codes[channel[k]])
            if code == channels.WOM and referrer[k] >= 0:
                code = channels.REFERRAL
            if code >= 0 and not pop.customer[c]:
                pop.touches_before[c] += 1
                pop.recalled_before[c] += np.float32(1.0)
                pop.channels_before[c] |= np.uint8(1 << code)
                if pop.first_channel[c, s] < 0:
                    pop.first_channel[c, s] = code
            pop.attention[c, s] += np.float32(att[k])
            if att[k] > 0:
                pop.aware[c, s] = True
                pop.reached[c, s] = True
            pop.trust[c, s] = 1.0 - (1.0 - pop.trust[c, s]) * (1.0 - min(1.0, gain[k]))
            if referrer[k] >= 0 and pop.referred_by[c] < 0:
                pop.referred_by[c] = referrer[k]
                pop.referred_seller[c] = s
        for k in range(len(consumer)):
            if loss[k] > 0:
                c, s = int(consumer[k]), int(seller[k])
                pop.trust[c, s] *= 1.0 - min(1.0, loss[k])
        return len(consumer)

    def _update_funnel_per_agent(self, day: int) -> None:
        self.agents_by_type[PerAgentConsumer].do("forget_and_move")

    @staticmethod
    def _defer_occasions(day, rng, live_consumers, live_sellers, live_kols,
                         occasion_boost: float = 1.0, invited=None) -> DeferredOccasions:
        looked = {} if invited is None else dict(zip(invited[0].tolist(), invited[1].tolist(),
                                                       strict=True))
        return DeferredOccasions(day, live_consumers, live_sellers, live_kols, occasion_boost,
                                 looked)

    def _choose_per_agent(self, occasions: DeferredOccasions, offers, rng) -> PurchaseRequests:
        o = occasions
        return self._decide_per_agent(o.day, offers, rng, o.live_consumers, o.live_sellers,
                                      o.live_kols, o.occasion_boost, o.invited)

    def _decide_per_agent(self, day, offers, rng, live_consumers, live_sellers, live_kols,
                          occasion_boost: float = 1.0, invited=None) -> PurchaseRequests:
        live: dict[int, tuple[int, int]] = {}
        for c, s, k in zip(live_consumers.tolist(), live_sellers.tolist(), live_kols.tolist(),
                           strict=True):
            live.setdefault(c, (s, k))
        self.requests = []
        self.agents_by_type[PerAgentConsumer].do("consider_buying", day, offers,
                                                 occasion_boost, live, invited or {})
        if not self.requests:
            z = np.zeros(0, np.int64)
            return PurchaseRequests(z, z, z)
        c, a, k = (np.array(x, dtype=np.int64) for x in zip(*self.requests, strict=True))
        return PurchaseRequests(consumer=c, alternative=a, live_kol=k)
