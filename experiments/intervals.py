"""Confidence intervals, p-values and multiplicity adjustment shared by comparisons and reports.

Choices, and why:

- A mean over replications: Student's t interval (:func:`t_interval`), the replications being
  independent draws (their own seeds, and with ``--posterior`` their own parameter draws).
- A mean of a rate or share in [0, 1] over replications, whose counts are not at hand: a
  t interval on the logit scale by the delta method (:func:`rate_interval`). Its centre is the
  mean itself, its ends stay inside (0, 1), and away from the bounds it equals the t interval.
  A seeded bootstrap was the alternative; with the few replications of a comparison (3-10) a
  percentile bootstrap is too narrow, so it was not chosen.
- A proportion with known counts (successes of trials): the Wilson score interval
  (:func:`wilson_interval`), inside [0, 1] by construction and right at small counts.
- Paired differences: a one-sample t test of the per-seed differences (:func:`paired_p_value`),
  and Holm's step-down adjustment (:func:`holm_adjust`) over a family of tests: it controls the
  family-wise error rate without assuming the tests independent (a comparison's metrics are
  strongly correlated, which Benjamini-Hochberg's FDR guarantee needs more care with).
- A difference is never called significant when it is numerical noise
  (:func:`is_noise`): floating-point sums of the same flows in another order differ by ~1e-16
  relative, which a t test on identical-but-for-rounding replications would call certain.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
"""Two-sided confidence level of every interval the project reports."""
ALPHA = 1.0 - CONFIDENCE
"""Significance level of the tests, matching the intervals."""
NUMERICAL_NOISE_REL = 1e-9
"""A difference of at most this share of the quantities' scale is floating-point noise.
Assumption: double-precision sums of a few million flows in different orders differ by far
less (~1e-12 relative); any lever effect a strategist cares about is far more."""
NUMERICAL_NOISE_ABS = 1e-12
"""Absolute floor of the noise threshold, for quantities whose scale is 0."""
RELATIVE_MIN_SE_MULTIPLE = 3.0
"""A relative change is reported only where the baseline mean is positive and more than this
many standard errors above 0. Below that the ratio's denominator is indistinguishable from 0
(or negative, which flips the ratio's sign): absolute differences carry the result instead."""


def t_quantile(n: int) -> float:
    """Two-sided t quantile at CONFIDENCE for n values (n - 1 degrees of freedom)."""
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))


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


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def rate_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean of rates in [0, 1] and a t interval on the logit scale (delta method) inside (0, 1).

    logit(mean) +- t * sem / (mean * (1 - mean)), transformed back. A mean of exactly 0 or 1
    means every replication is 0 (or 1): the interval collapses onto it. One value: (v, nan, nan).
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    if np.any((v < 0) | (v > 1)):
        raise ValueError(f"rate_interval: values must lie in [0, 1], got {v.min()}..{v.max()}")
    mean = float(v.mean())
    if len(v) < 2:
        return mean, np.nan, np.nan
    if np.all(v == v[0]) or mean in (0.0, 1.0):
        return mean, mean, mean
    half = t_quantile(len(v)) * stats.sem(v) / (mean * (1 - mean))
    centre = _logit(mean)
    return mean, _expit(centre - half), _expit(centre + half)


def wilson_interval(successes: float, trials: float) -> tuple[float, float, float]:
    """Proportion and Wilson score interval for ``successes`` of ``trials`` (inside [0, 1])."""
    if trials < 0 or successes < 0 or successes > trials:
        raise ValueError(f"wilson_interval: need 0 <= successes <= trials, got {successes} "
                         f"of {trials}")
    if trials == 0:
        return np.nan, np.nan, np.nan
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


def noise_threshold(scale: float) -> float:
    """The largest absolute difference that is floating-point noise at this ``scale``."""
    s = abs(scale) if np.isfinite(scale) else 0.0
    return max(NUMERICAL_NOISE_REL * s, NUMERICAL_NOISE_ABS)


def is_noise(diff: float, scale: float) -> bool:
    """True when ``|diff|`` is at most the numerical noise of quantities of size ``scale``."""
    return bool(np.isfinite(diff) and abs(diff) <= noise_threshold(scale))


def paired_p_value(diffs: np.ndarray, scale: float = 0.0) -> float:
    """Two-sided p-value of a one-sample t test that the mean paired difference is 0.

    Edge cases decided, not left to 0/0: fewer than two differences: nan (no test); a mean
    below the numerical noise of ``scale``: 1; every difference equal (to rounding) and above
    noise: 0 (the same difference in every seed, no spread to doubt it).
    """
    d = np.asarray(diffs, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return np.nan
    mean = float(d.mean())
    if is_noise(mean, scale) and np.all(np.abs(d) <= noise_threshold(scale)):
        return 1.0
    if np.ptp(d) <= noise_threshold(float(np.abs(d).max())):
        return 0.0  # equal but for rounding: a t statistic of 0/0 precision
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (family: the finite entries); nan stays nan.

    Sorted ascending, p_(i) is multiplied by (m - i) for i = 0..m-1, made non-decreasing by a
    running maximum and capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out[order] = adjusted
    return out


def relative_change(diff: float, baseline_mean: float, baseline_se: float) -> float:
    """``diff / baseline_mean`` where the baseline is positive and well away from 0, else nan.

    Well away: more than :data:`RELATIVE_MIN_SE_MULTIPLE` standard errors above 0 (a baseline
    with no spread, se 0, qualifies when positive; an unknown se, nan, never does).
    """
    if not (np.isfinite(diff) and np.isfinite(baseline_mean) and np.isfinite(baseline_se)):
        return np.nan
    if baseline_mean <= 0 or baseline_mean <= RELATIVE_MIN_SE_MULTIPLE * baseline_se:
        return np.nan
    return diff / baseline_mean


__all__ = ["ALPHA", "CONFIDENCE", "NUMERICAL_NOISE_ABS", "NUMERICAL_NOISE_REL",
           "RELATIVE_MIN_SE_MULTIPLE", "holm_adjust", "is_noise", "noise_threshold",
           "paired_p_value", "rate_interval", "relative_change", "t_interval",
           "wilson_interval"]
