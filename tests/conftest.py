"""Shared fixtures: small specs that run in well under a second."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from simulation.spec import FulfilmentSpec, MarketSpec, SellerSpec

settings.register_profile(
    "default", deadline=None, max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or
                      ("ci" if os.environ.get("CI") else "default"))


@pytest.fixture
def small_spec() -> MarketSpec:
    """Three contrasting regions, two competing sellers (one with an overseas warehouse)."""
    return MarketSpec(
        name="small",
        regions=["US", "ID", "BR"],
        n_consumers=3_000,
        horizon_days=60,
        sellers=[
            SellerSpec(name="direct"),
            SellerSpec(name="warehoused", referral_rebate_usd=3.0,
                       fulfilment=FulfilmentSpec(overseas_warehouses=["ID", "US"])),
        ],
    )
