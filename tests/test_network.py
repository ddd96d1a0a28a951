"""The social graph: mean degree, heavy tail, regions mostly separate, CSR consistency."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.network import build_social_graph, powerlaw_weights


@pytest.fixture(scope="module")
def graph_and_regions():
    rng = np.random.default_rng(3)
    region = np.repeat(np.arange(4), 5_000)
    return build_social_graph(region, 12.0, 2.5, 0.02, rng), region


def test_mean_degree_close_to_target(graph_and_regions):
    g, _ = graph_and_regions
    # Chung-Lu loses a little to self-loops and merged multi-edges.
    assert g.degree().mean() == pytest.approx(12.0, rel=0.1)


def test_degree_is_heavy_tailed(graph_and_regions):
    g, _ = graph_and_regions
    d = g.degree()
    assert d.max() > 8 * d.mean()
    assert np.median(d) < d.mean()


def test_graph_is_symmetric_and_simple(graph_and_regions):
    g, _ = graph_and_regions
    src = np.repeat(np.arange(g.n_nodes), g.degree())
    dst = g.indices.astype(np.int64)
    assert not (src == dst).any()
    forward = set(zip(src.tolist(), dst.tolist(), strict=True))
    assert len(forward) == len(src)  # no multi-edges
    assert all((v, u) in forward for u, v in list(forward)[:5000])


def test_cross_region_share(graph_and_regions):
    g, region = graph_and_regions
    src = np.repeat(np.arange(g.n_nodes), g.degree())
    cross = region[src] != region[g.indices]
    # 2% of edges rewired to anyone; 3/4 of those land in another region.
    assert cross.mean() == pytest.approx(0.02 * 0.75, abs=0.006)


def test_sample_neighbours_keeps_share_of_ties(graph_and_regions):
    g, _ = graph_and_regions
    nodes = np.arange(2_000)
    src, nbr = g.sample_neighbours(nodes, 0.5, np.random.default_rng(4))
    assert len(src) == pytest.approx(0.5 * g.degree()[nodes].sum(), rel=0.05)
    ok = [v in set(g.neighbours(u).tolist()) for u, v in zip(src[:500], nbr[:500], strict=True)]
    assert all(ok)


def test_powerlaw_weights_mean_and_networkx_view(graph_and_regions):
    w = powerlaw_weights(10_000, 8.0, 2.5, np.random.default_rng(5))
    assert w.mean() == pytest.approx(8.0)
    g, _ = graph_and_regions
    sub = g.to_networkx(np.arange(200))
    assert sub.number_of_nodes() == 200
    for u, v in sub.edges:
        assert v in g.neighbours(u)
