"""Every number a user can set is declared once, with unit, range and source; paths resolve."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from experiments.sweep import Factor, resolve_factor
from simulation.declarations import (
    SOURCE_PREFIXES,
    declarations,
    declare,
    fields_of,
    resolve,
)
from simulation.levers import LEVER_CLASSES
from simulation.spec import MarketSpec


def _every_numeric_field():
    yield from fields_of(MarketSpec)
    for cls in LEVER_CLASSES:  # also reachable through MarketSpec; checked on their own too
        yield from ((f"{cls.name}.{p}", f) for p, f in fields_of(cls))


@pytest.mark.parametrize("path, field", list(_every_numeric_field()),
                         ids=[p for p, _ in _every_numeric_field()])
def test_every_number_has_unit_range_meaning_and_source(path, field):
    extra = field.json_schema_extra
    assert isinstance(extra, dict) and "unit" in extra, f"{path}: declare it with declare()"
    assert extra["unit"].strip() and (field.description or "").strip(), path
    assert extra["lo"] <= extra["hi"], path
    assert extra["source"].startswith(SOURCE_PREFIXES), (path, extra["source"])


def test_the_spec_tree_declares_well_over_a_hundred_numbers():
    paths = {d.path for d in declarations(MarketSpec)}
    assert len(paths) > 120
    assert {"n_consumers", "sellers.*.products.*.price_usd", "parameters.share_rate",
            "sellers.*.levers.viral_referral.rebate_usd",
            "sellers.*.payment_providers.*.fee_rate", "shocks.*.delay_factor"} <= paths


class _Toy(BaseModel):
    rate: float = declare(0.5, 0, 1, "share", "a rate", "assumption: toy")
    price: float = declare(2.0, 0, 10, "USD", "a price", "assumption: toy", lo_open=True)
    mix: dict[str, float] = declare(None, 0, 1, "share", "a mix", "assumption: toy",
                                    check=False, default_factory=lambda: {"a": 1.0})


def test_declare_enforces_its_range_and_open_lower_end():
    assert _Toy().rate == 0.5 and _Toy().mix == {"a": 1.0}
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        _Toy(rate=1.5)
    with pytest.raises(ValidationError, match="greater than 0"):
        _Toy(price=0.0)
    assert _Toy(price=10.0).price == 10.0
    assert _Toy(mix={"a": 7.0}).mix == {"a": 7.0}  # check=False: recorded, not enforced


def test_resolve_walks_lists_mappings_and_levers():
    d = resolve(MarketSpec, "sellers.1.levers.viral_referral.invite_threshold")
    assert (d.lo, d.hi, d.unit, d.is_int, d.default) == (0, 100, "ties", True, 3)
    assert resolve(MarketSpec, "sellers.0.kol_tier_mix.nano").unit == "share of KOL budget"
    assert resolve(MarketSpec, "sellers.0.products.2.price_usd").range_text == "(0, 100000]"
    assert resolve(MarketSpec, "parameters.trust_threshold").hi == 0.95
    assert resolve(MarketSpec, "sellers.0.name") is None          # not a number
    assert resolve(MarketSpec, "sellers.0.nope") is None          # no such field
    assert resolve(MarketSpec, "parameters") is None              # a model, not a number
    assert resolve(MarketSpec, "shocks.0.day").unit == "day"      # same in every shock kind


def test_sweeps_take_lever_ranges_from_the_declaration():
    f = resolve_factor(Factor(path="sellers.0.levers.viral_referral.rebate_usd"))
    assert f.bounds == (0.0, 1000.0) and not f.integer
    f = resolve_factor(Factor(path="sellers.0.levers.viral_referral.invite_threshold"))
    assert f.bounds == (0.0, 100.0) and f.integer
    with pytest.raises(ValidationError, match=r"outside the declared range \[0, 0.5\]"):
        Factor(path="sellers.0.levers.viral_referral.group_buy_discount", bounds=[0.1, 0.9])
