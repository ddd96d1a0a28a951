"""Posterior samples of the calibrated parameters, and draws from them for replications.

The calibration (``xbsim calibrate``) writes its final ABC-SMC population as a CSV file: one
column per free parameter (a declared model parameter's name) and a ``weight`` column (the
particles' importance weights). A copy ships as ``simulation/data/posterior.csv`` so that
``--posterior N`` works on a fresh clone. Drawing is weighted resampling with its own seeded
generator: the same file, N and seed give the same draws on any machine, and every scenario
of a comparison gets the same draws (common draws, so a difference is not a draw artefact).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.parameters import ModelParameters

POSTERIOR_FILE = Path(__file__).resolve().parent.parent / "simulation" / "data" / "posterior.csv"
"""The shipped posterior (the adopted calibration's final population)."""
WEIGHT = "weight"


class PosteriorError(ValueError):
    """A posterior file that cannot be read, with the file and the problem."""


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter samples: ``values[i, j]`` is parameter ``names[j]`` of particle i."""

    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray

    def draws(self, n: int, seed: int) -> list[dict[str, float]]:
        """``n`` parameter sets resampled by weight with a generator seeded by ``seed``."""
        if n < 1:
            raise ValueError(f"posterior draws: n = {n}, allowed >= 1")
        rng = np.random.default_rng(seed)
        idx = rng.choice(len(self.weights), size=n, replace=True, p=self.weights)
        return [{k: float(self.values[i, j]) for j, k in enumerate(self.names)} for i in idx]

    def median(self) -> dict[str, float]:
        """The weighted median of each parameter (the ``calibrated`` profile's point values)."""
        return {k: weighted_quantile(self.values[:, j], self.weights, 0.5)
                for j, k in enumerate(self.names)}


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, (sum w)^2 / sum w^2.

    How many equally weighted particles the weighted population is worth: a population
    whose weight sits on a few particles gives credible intervals resting on those few.

    >>> effective_sample_size(np.array([1.0, 1.0, 1.0, 1.0]))
    4.0
    >>> effective_sample_size(np.array([3.0, 1.0]))
    1.6
    """
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / np.square(w).sum())


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of samples ``x`` with weights ``w`` (inverse of the weighted CDF)."""
    order = np.argsort(x, kind="stable")
    xs, ws = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cdf = np.cumsum(ws) / ws.sum()
    return float(xs[min(int(np.searchsorted(cdf, q, side="left")), len(xs) - 1)])


def posterior_from_frame(frame: pd.DataFrame, origin: str = "posterior") -> Posterior:
    """Check a frame of particles (parameter columns + ``weight``) and build a Posterior.

    Raises:
        PosteriorError: every problem at once, each with the column and value.
    """
    problems: list[str] = []
    fields: Mapping = ModelParameters.model_fields
    names = tuple(c for c in frame.columns if c != WEIGHT)
    if WEIGHT not in frame.columns:
        problems.append(f"{origin}: no '{WEIGHT}' column")
    if frame.empty:
        problems.append(f"{origin}: no particles")
    for name in names:
        if name not in fields:
            problems.append(f"{origin}: column {name!r} is not a model parameter")
            continue
        extra = fields[name].json_schema_extra or {}
        col = pd.to_numeric(frame[name], errors="coerce")
        bad = col[(col < extra["lo"]) | (col > extra["hi"]) | col.isna()]
        if len(bad):
            problems.append(f"{origin}: {name} = {bad.iloc[0]} outside "
                            f"[{extra['lo']}, {extra['hi']}] ({len(bad)} rows)")
    if WEIGHT in frame.columns and not frame.empty:
        w = pd.to_numeric(frame[WEIGHT], errors="coerce")
        if w.isna().any() or (w < 0).any() or w.sum() <= 0:
            problems.append(f"{origin}: weights must be >= 0 with a positive sum")
    if problems:
        raise PosteriorError("\n".join(problems))
    w = frame[WEIGHT].to_numpy(float)
    return Posterior(names, frame[list(names)].to_numpy(float), w / w.sum())


def load_posterior(path: Path | str | None = None) -> Posterior:
    """The posterior of ``path`` (default: the shipped ``simulation/data/posterior.csv``)."""
    p = Path(path) if path is not None else POSTERIOR_FILE
    if not p.is_file():
        raise PosteriorError(f"posterior: no file {p} (run `xbsim calibrate` and adopt it)")
    return posterior_from_frame(pd.read_csv(p), origin=p.name)
