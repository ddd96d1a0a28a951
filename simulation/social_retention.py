"""Social retention: a past customer buys again more readily while her friends stay customers.

Nitzan & Libai (2011, J. Marketing 75(6), "Social effects on customer retention") follow one
million mobile-phone customers and find that exposure to a defecting social neighbour raises
a customer's defection hazard by 80% (hazard ratio 1.797 per defecting neighbour, with
social, personal and purchase controls); Van den Bulte, Bayer, Skiera & Schmitt (2018,
J. Marketing Research 55(1)) find that referred customers churn less only as long as their
referrer has not churned. The social tie to a seller's current customer holds a customer to
that seller; the tie to one who left pushes her out.

In the model a customer does not sign off: she "defects" from a seller when, on a purchase
occasion, she buys elsewhere or nothing. So the tie enters the choice: on every occasion a
past customer of a seller gets ``social_retention_utility`` utils on that seller while at
least one of her friends is a current customer of it (has ordered from it and still trusts
it above her own threshold; a friend who lost trust has, in the model's terms, defected).
This is a general mechanism, lever-free: it acts in every market. A referred customer has by
construction one such friend (her referrer), an organic customer may have none; that is how
it reaches the referral contrast, not by any referral bonus.

Translation (see the parameter's source): a logit utility shift ``d`` on a seller multiplies
the odds of choosing it over the outside option by ``exp(d)``, so the odds of leaving by
``exp(-d)``; with the model's purchase occasions about monthly (``purchase_occasion_rate``
0.04 a day) one occasion is about one of Nitzan & Libai's monthly periods, and at their
monthly churn of a few per cent a hazard ratio is close to an odds ratio. Their 1.797 then
reads as ``d = ln(1.797) = 0.586`` between a customer whose friend stays and one whose friend
left. The count of customer friends is not compounded (one is enough): the 80% is per
defection event and decays within months (Nitzan & Libai), a hub with 50 customer friends
is not 1.8^50 times as loyal.

Reads: the social graph, ``orders``, ``trust`` and ``trust_thr`` of the friends; writes
nothing: :meth:`simulation.consumers.ConsumerPopulation.utility` adds the shift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.network import SocialGraph


def retention_shift(customer_friends: np.ndarray, past_customer: np.ndarray,
                    utility: float) -> np.ndarray:
    """Utility added to each (consumer, seller): ``utility`` if held by a tie, else 0.

    Held: she is a past customer of the seller and at least one friend is a current one.

    >>> retention_shift(np.array([[0, 2], [1, 0]]), np.array([[True, True], [False, True]]),
    ...                 0.5).tolist()
    [[0.0, 0.5], [0.0, 0.0]]
    """
    held = np.asarray(past_customer, dtype=bool) & (np.asarray(customer_friends) > 0)
    return np.where(held, float(utility), 0.0)


def current_customers(orders: np.ndarray, trust: np.ndarray, trust_thr: np.ndarray,
                      consumers: np.ndarray, sellers: np.ndarray) -> np.ndarray:
    """(T, A) whether each consumer is a current customer of each seller.

    Current: has ordered from the seller and still trusts it at or above her own threshold
    (a customer whose trust fell below it no longer considers the seller: she has left).
    """
    rows = np.asarray(consumers, dtype=np.int64)[:, None]
    cols = np.asarray(sellers, dtype=np.int64)[None, :]
    return (orders[rows, cols] > 0) & (trust[rows, cols] >= trust_thr[rows])


def customer_friend_counts(graph: SocialGraph, consumers: np.ndarray, sellers: np.ndarray,
                           orders: np.ndarray, trust: np.ndarray, trust_thr: np.ndarray
                           ) -> np.ndarray:
    """(K, A) number of each consumer's friends who are current customers of each seller.

    One CSR walk over the consumers' ties (:meth:`SocialGraph.ties`), one gather per tie and
    seller, one sum per consumer: no per-consumer loop.
    """
    consumers = np.asarray(consumers, dtype=np.int64)
    sellers = np.asarray(sellers, dtype=np.int64)
    counts = np.zeros((len(consumers), len(sellers)), dtype=np.int64)
    if len(consumers) == 0 or len(sellers) == 0:
        return counts
    row, nbr = graph.ties(consumers)
    if len(row) == 0:
        return counts
    current = current_customers(orders, trust, trust_thr, nbr, sellers)
    for a in range(len(sellers)):  # a handful of sellers; each a bincount over the ties
        counts[:, a] = np.bincount(row[current[:, a]], minlength=len(consumers))
    return counts


def social_retention_utility(graph: SocialGraph | None, consumers: np.ndarray,
                             sellers: np.ndarray, orders: np.ndarray, trust: np.ndarray,
                             trust_thr: np.ndarray, utility: float) -> np.ndarray | None:
    """(K, A) utility shift of the social tie for the consumers on an occasion.

    None when nothing changes (``utility`` 0, no graph, or no consumer is a past customer of
    an offered seller), so the caller adds nothing and its sums stay bit-identical.
    """
    if utility == 0.0 or graph is None or len(consumers) == 0:
        return None
    consumers = np.asarray(consumers, dtype=np.int64)
    past = orders[consumers[:, None], np.asarray(sellers, dtype=np.int64)[None, :]] > 0
    held = past.any(axis=1)
    if not held.any():
        return None
    shift = np.zeros(past.shape)
    idx = np.flatnonzero(held)
    counts = customer_friend_counts(graph, consumers[idx], sellers, orders, trust, trust_thr)
    shift[idx] = retention_shift(counts, past[idx], utility)
    return shift
