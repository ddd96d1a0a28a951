"""Social graph: heavy-tailed ties within each region plus a few across regions.

The graph is a Chung-Lu random graph per region (each consumer gets a power-law weight; edge
endpoints are drawn in proportion to weight), so expected degrees follow the weights. A share
of edges is rewired to a consumer anywhere (cross-region ties). The result is stored as a
symmetric CSR adjacency (``indptr``, ``indices``): word of mouth reads a sharer's neighbours
with two slices, and the whole build is vectorised, which networkx's pure-Python
``expected_degree_graph`` is not at a million nodes. :meth:`SocialGraph.to_networkx` gives a
networkx view of any subgraph for plotting and analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import sparse

from simulation.parameters import declared_default


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, position) for every position in each half-open range [lo[row], hi[row]).

    The CSR walk behind a node's ties (``indptr`` ranges into ``indices``), vectorised.

    >>> [a.tolist() for a in expand_ranges(np.array([2, 5, 0]), np.array([4, 5, 1]))]
    [[0, 0, 2], [2, 3, 0]]
    """
    lo = np.asarray(lo, dtype=np.int64)
    counts = np.maximum(np.asarray(hi, dtype=np.int64) - lo, 0)
    row = np.repeat(np.arange(len(lo)), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return row, np.repeat(lo, counts) + offset


def powerlaw_weights(n: int, mean: float, exponent: float, rng: np.random.Generator, *,
                     min_share: float = declared_default("min_tie_weight_share")
                     ) -> np.ndarray:
    """Pareto weights with tail exponent ``exponent`` (P(k) ~ k^-exponent), rescaled to ``mean``.

    Weights are capped at sqrt(n * mean), the structural cut-off beyond which Chung-Lu
    expected degrees stop being realisable without multi-edges.
    """
    if n == 0:
        return np.zeros(0)
    w = rng.pareto(exponent - 1.0, size=n) + 1.0  # Pareto(a) + 1 has tail exponent a + 1
    w *= mean / w.mean()
    w = np.clip(w, min_share * mean, max(np.sqrt(n * mean), mean))
    return w * (mean / w.mean())


@dataclass(frozen=True)
class SocialGraph:
    """Undirected graph over consumers 0..n-1 in CSR form (each edge stored both ways)."""

    indptr: np.ndarray  # (n + 1,) int64
    indices: np.ndarray  # (2 * edges,) int32

    @property
    def n_nodes(self) -> int:
        """Number of consumers."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of undirected ties."""
        return len(self.indices) // 2

    def degree(self) -> np.ndarray:
        """Degree of every consumer."""
        return np.diff(self.indptr)

    def neighbours(self, node: int) -> np.ndarray:
        """Neighbours of one consumer."""
        return self.indices[self.indptr[node] : self.indptr[node + 1]]

    def sample_neighbours(self, nodes: np.ndarray, share: float, rng: np.random.Generator
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Each tie of each node in ``nodes`` is kept with probability ``share``.

        Returns:
            (source node, neighbour) pairs, one per kept tie, sources repeated.
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        row, nbr = self.sample_ties(nodes, share, rng)
        return nodes[row], nbr

    def sample_ties(self, nodes: np.ndarray, share: float, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`sample_neighbours`, but each tie names its source's position in ``nodes``.

        A node listed twice (e.g. forwarding two sellers' content) keeps both.

        Returns:
            (index into ``nodes``, neighbour) pairs, one per kept tie.
        """
        row, nbr = self.ties(nodes)
        if len(row) == 0:
            return row, nbr
        keep = rng.random(len(row)) < share
        return row[keep], nbr[keep]

    def ties(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every tie of each node in ``nodes``: (index into ``nodes``, neighbour) pairs."""
        nodes = np.asarray(nodes, dtype=np.int64)
        row, pos = expand_ranges(self.indptr[nodes], self.indptr[nodes + 1])
        return row, self.indices[pos].astype(np.int64)

    def to_networkx(self, nodes: np.ndarray | None = None) -> nx.Graph:
        """The subgraph induced by ``nodes`` (all when None) as a networkx Graph."""
        g = nx.Graph()
        nodes = np.arange(self.n_nodes) if nodes is None else np.asarray(nodes)
        g.add_nodes_from(nodes.tolist())
        member = np.zeros(self.n_nodes, dtype=bool)
        member[nodes] = True
        for u in nodes.tolist():
            nb = self.neighbours(u)
            nb = nb[member[nb] & (nb > u)]
            g.add_edges_from((u, int(v)) for v in nb)
        return g


def build_social_graph(
    region_of: np.ndarray,
    mean_degree: float,
    exponent: float,
    cross_region_share: float,
    rng: np.random.Generator,
    *,
    min_weight_share: float = declared_default("min_tie_weight_share"),
) -> SocialGraph:
    """Chung-Lu graph per region with a share of ties rewired across regions.

    Args:
        region_of: region index of each consumer; consumers of a region are contiguous.
        mean_degree: target mean degree.
        exponent: power-law exponent of the weights (heavy-tailed degree).
        cross_region_share: share of edges whose second end is drawn from everyone.
        rng: the model's generator.
        min_weight_share: floor of a weight as a share of the mean.
    """
    n = len(region_of)
    if n < 2:
        return SocialGraph(np.zeros(n + 1, np.int64), np.zeros(0, np.int32))
    w = powerlaw_weights(n, mean_degree, exponent, rng, min_share=min_weight_share)
    bounds = np.flatnonzero(np.diff(region_of)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [n]])
    us, vs = [], []
    for a, b in zip(starts, ends, strict=True):
        if b - a < 2:
            continue
        weights = w[a:b]
        m = round(weights.sum() / 2.0)
        p = weights / weights.sum()
        # Endpoint counts per node are multinomial in the weights; pairing a sorted list of
        # first ends with a shuffled list of second ends gives independent endpoint draws.
        u = a + np.repeat(np.arange(b - a), rng.multinomial(m, p))
        v = a + rng.permutation(np.repeat(np.arange(b - a), rng.multinomial(m, p)))
        cross = np.flatnonzero(rng.random(m) < cross_region_share)
        if len(cross):
            anywhere = rng.multinomial(len(cross), w / w.sum())
            v[cross] = rng.permutation(np.repeat(np.arange(n), anywhere))
        us.append(u)
        vs.append(v)
    if not us:
        return SocialGraph(np.zeros(n + 1, np.int64), np.zeros(0, np.int32))
    u = np.concatenate(us)
    v = np.concatenate(vs)
    keep = u != v
    u, v = u[keep], v[keep]
    # CSR with both directions; tocsr() merges multi-edges (counting sort, O(edges)).
    adj = sparse.coo_array(
        (np.ones(2 * len(u), np.int8), (np.concatenate([u, v]), np.concatenate([v, u]))),
        shape=(n, n),
    ).tocsr()
    return SocialGraph(adj.indptr.astype(np.int64), adj.indices.astype(np.int32))
