"""The seller's P&L by line and marketing channel, read from the ledger and the counters.

Shared by ``xbsim compare`` (pnl.csv, the decision summary) and its report: revenue,
refunds, goods, write-offs, logistics, returns handling, marketing by channel (ads, KOLs and
live-streams, referral rebates, group-buy subsidies, localisation, other), payment fees,
chargebacks, fines, compliance, warehouse fixed costs, holding, services, FX cost, profit.
"""

from __future__ import annotations

import numpy as np

from experiments.intervals import is_noise
from simulation.ledger import Account
from simulation.metrics import Counter

MARKETING_CHANNELS: tuple[tuple[str, Counter], ...] = (
    ("marketing_ads", Counter.AD_SPEND),
    ("marketing_kol_live", Counter.KOL_SPEND),
    ("marketing_referral_rebates", Counter.REFERRAL_REBATES),
    ("marketing_group_buy_subsidies", Counter.GROUP_BUY_SUBSIDIES),
    ("marketing_localisation", Counter.LOCALISATION_SPEND),
)
"""Marketing spend by channel: each channel's spend counter (the ledger's MARKETING account
holds their sum; ``marketing_other`` takes any rest, so the lines add up to the account)."""
PNL_LINES: tuple[tuple[str, str], ...] = (
    ("revenue", "revenue at list price (incl. group-buy cuts paid from marketing)"),
    ("refunds", "money back to buyers"),
    ("goods", "cost of goods sold"),
    ("inventory_write_off", "goods lost, charged back or not returned"),
    ("logistics", "outbound parcels; inbound freight and import duty on overseas stock"),
    ("returns_handling", "handling of returned parcels"),
    *((name, f"marketing: {name.removeprefix('marketing_').replace('_', ' ')}")
      for name, _ in MARKETING_CHANNELS),
    ("marketing_other", "marketing booked under no channel counter"),
    ("payment_fees", "payment providers' fees"),
    ("chargebacks", "chargebacks"),
    ("fines", "regulators' fines"),
    ("compliance", "compliance (fixed, per region)"),
    ("warehouse_fixed", "overseas warehouses' fixed cost"),
    ("holding", "inventory holding"),
    ("services", "software, certification, data localisation (fixed)"),
    ("fx_cost", "home-currency costs above their day-0 USD value"),
    ("profit", "revenue - refunds - every cost above"),
)
"""The P&L lines per scenario (USD over the horizon), from the sellers' ledger. Import duty on
direct parcels is in the buyer's landed price, not a seller cost; on overseas-warehouse stock
it is booked with the inbound freight under logistics (simulation/warehouses.py)."""
PNL_COST_SIGN = {name: (1.0 if name in ("revenue", "profit") else -1.0) for name, _ in PNL_LINES}
"""+1 for income lines, -1 for costs: profit = sum of sign x line."""
_ACCOUNT_LINES = {
    "revenue": Account.REVENUE, "refunds": Account.REFUNDS, "goods": Account.COGS,
    "inventory_write_off": Account.INVENTORY_WRITE_OFF, "logistics": Account.LOGISTICS,
    "returns_handling": Account.RETURNS_HANDLING, "payment_fees": Account.PAYMENT_FEES,
    "chargebacks": Account.CHARGEBACKS, "fines": Account.FINES,
    "compliance": Account.COMPLIANCE, "warehouse_fixed": Account.WAREHOUSE_FIXED,
    "holding": Account.HOLDING, "services": Account.SERVICES, "fx_cost": Account.FX_COST,
}



def pnl_lines(accounts: np.ndarray, counters: np.ndarray) -> dict[str, float]:
    """The P&L lines of :data:`PNL_LINES` for one seller (or summed over sellers).

    ``accounts``: ledger accounts (regions + 1, accounts); ``counters``: (regions, counters).
    """
    acc = accounts.sum(axis=0)
    ctr = counters.sum(axis=0)
    out = {name: float(acc[a]) for name, a in _ACCOUNT_LINES.items()}
    for name, c in MARKETING_CHANNELS:
        out[name] = float(ctr[c])
    marketing = float(acc[Account.MARKETING])
    other = marketing - sum(out[n] for n, _ in MARKETING_CHANNELS)
    # the channels' counters and the account add the same flows in another order
    out["marketing_other"] = 0.0 if is_noise(other, marketing) else other
    out["profit"] = (out["revenue"] - out["refunds"]
                     - sum(out[n] for n, _ in PNL_LINES if n not in ("revenue", "refunds",
                                                                     "profit")))
    return {name: out[name] for name, _ in PNL_LINES}
