"""Posterior file reading and weighted draws: hand-computed answers."""

import numpy as np
import pandas as pd
import pytest

from experiments.posterior import (
    PosteriorError,
    effective_sample_size,
    posterior_from_frame,
    weighted_quantile,
)


def test_weighted_quantile_hand_computed():
    # weights 1,1,2 on 0.1,0.2,0.3: CDF 0.25, 0.5, 1.0 -> median 0.2, q=0.6 -> 0.3
    x, w = np.array([0.3, 0.1, 0.2]), np.array([2.0, 1.0, 1.0])
    assert weighted_quantile(x, w, 0.5) == 0.2
    assert weighted_quantile(x, w, 0.6) == 0.3


def test_draws_follow_weights_and_seed():
    frame = pd.DataFrame({"trust_threshold": [0.35, 0.45], "weight": [0.0, 1.0]})
    post = posterior_from_frame(frame)
    draws = post.draws(5, seed=0)
    assert [d["trust_threshold"] for d in draws] == [0.45] * 5  # zero weight is never drawn
    frame2 = pd.DataFrame({"trust_threshold": [0.35, 0.45], "weight": [1.0, 1.0]})
    p2 = posterior_from_frame(frame2)
    assert p2.draws(20, seed=7) == p2.draws(20, seed=7)
    assert p2.draws(20, seed=7) != p2.draws(20, seed=8)


def test_bad_posterior_reports_every_problem():
    frame = pd.DataFrame({"trust_threshold": [5.0], "not_a_parameter": [1.0]})
    with pytest.raises(PosteriorError) as e:
        posterior_from_frame(frame)
    msg = str(e.value)
    assert "weight" in msg and "not_a_parameter" in msg and "trust_threshold = 5.0" in msg


def test_effective_sample_size_hand_computed():
    """Kish: equal weights keep every particle; (3, 1) is worth (4^2) / (9 + 1) = 1.6."""
    assert effective_sample_size(np.ones(5)) == 5.0
    assert effective_sample_size(np.array([3.0, 1.0])) == pytest.approx(1.6)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0])) == 1.0
