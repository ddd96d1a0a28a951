"""Confidence intervals shared by comparisons, reports, validation and figures."""

from __future__ import annotations

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
"""Two-sided confidence level of every interval the project reports."""


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and two-sided t confidence interval; (mean, nan, nan) for a single value."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    mean = float(v.mean())
    if len(v) < 2 or np.all(v == v[0]):
        return mean, (mean if len(v) >= 2 else np.nan), (mean if len(v) >= 2 else np.nan)
    lo, hi = stats.t.interval(CONFIDENCE, len(v) - 1, loc=mean, scale=stats.sem(v))
    return mean, float(lo), float(hi)


__all__ = ["CONFIDENCE", "t_interval"]
