"""Abandoned-cart reminders: return days by hand, and on seeded runs what they add."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.cart_recovery import CartRecovery, merge_restricted, return_offsets
from simulation.metrics import Counter
from simulation.model import MarketModel
from simulation.spec import load_spec

PAIRED_SEEDS = tuple(range(8))


def test_return_offsets_by_hand():
    # share 0.4, return rate 0.2, window 3 days:
    # row 0: contacted (0.3 < 0.4), back (0.1 < 0.2), day 1 + floor(0.2 x 3) = 1
    # row 1: contacted, back, day 1 + floor(0.7 x 3) = 3
    # row 2: contacted, not back (0.25 >= 0.2)
    # row 3: not contacted (0.4 is not < 0.4) although it would come back
    # row 4: contacted, back, u_day 0.34 -> 1 + floor(1.02) = 2
    got = return_offsets(np.array([0.3, 0.0, 0.39, 0.4, 0.1]),
                         np.array([0.1, 0.19, 0.25, 0.0, 0.0]),
                         np.array([0.2, 0.7, 0.5, 0.5, 0.34]),
                         np.full(5, 0.4), 0.2, 3.0)
    assert got.tolist() == [1, 3, -1, -1, 2]


def test_no_contact_share_means_no_return():
    u = np.zeros(4)
    assert (return_offsets(u, u, u, np.zeros(4), 1.0, 3.0) == -1).all()


def test_merge_restricted_keeps_the_first_source_for_a_consumer():
    c, s = merge_restricted((np.array([4, 7]), np.array([0, 1])),
                            (np.array([7, 2]), np.array([0, 0])))
    assert c.tolist() == [4, 7, 2] and s.tolist() == [0, 1, 0]
    only = (np.array([1]), np.array([0]))
    assert merge_restricted(None, only) is only and merge_restricted(only, None) is only


SPEC = {"regions": ["US", "DE"], "n_consumers": 6_000, "horizon_days": 90,
        "sellers": [{"name": "entrant"}]}


def _run(seed: int, share: float | None, parameters: dict | None = None) -> MarketModel:
    """A seeded run; ``share`` of abandoners reminded in every region (None: lever off)."""
    spec = load_spec({**SPEC, "parameters": parameters or {}})
    model = MarketModel(spec, rng=seed)
    if share is not None:
        for seller in model.seller_list:
            seller.mech.cart_reminder_share = np.full(model.regions.n, share)
        model.cart_recovery = CartRecovery(model)
    while model.running:
        model.step()
    return model


def test_lever_off_draws_nothing_and_changes_nothing():
    off = _run(3, None)
    zero = _run(3, 0.0)  # reminders wired in but nobody contactable
    assert not off.cart_recovery.active and off.cart_recovery.reminded == 0
    assert not off.cart_recovery.pending
    np.testing.assert_array_equal(off.counters, zero.counters)
    # the reminder stream was never drawn from: it still gives its first numbers
    fresh = MarketModel(load_spec(SPEC), rng=3).streams.crm.random(4)
    np.testing.assert_array_equal(off.streams.crm.random(4), fresh)


def test_reminders_raise_recovered_and_paid_orders_on_paired_seeds():
    # Every abandoner reminded and every reminder bringing her back (a test setting, not the
    # default): the return occasions must turn into paid orders with the seller.
    params = {"cart_reminder_return_rate": 1.0}
    diffs, recovered = [], []
    for seed in PAIRED_SEEDS:
        off = _run(seed, None, params)
        on = _run(seed, 1.0, params)
        assert on.cart_recovery.returns <= on.cart_recovery.reminded
        recovered.append(on.cart_recovery.recovered)
        diffs.append(on.counters[..., Counter.PAID].sum() - off.counters[..., Counter.PAID].sum())
    assert all(r > 0 for r in recovered)
    assert np.mean(diffs) > 0 and sum(d > 0 for d in diffs) >= 6, diffs


def test_precision_targeting_lever_sets_the_contact_share():
    spec = load_spec({**SPEC, "sellers": [{"name": "entrant",
                                           "levers": {"precision_targeting": {}}}]})
    model = MarketModel(spec, rng=0)
    share = model.seller_list[0].mech.cart_reminder_share
    assert share == pytest.approx(model.seller_list[0].mech.targeting_data_share)
    assert model.cart_recovery.active and (share > 0).all()
