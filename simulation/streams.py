"""Independent random streams per subsystem, all spawned from the model's generator.

Every draw still comes from ``model.rng``'s seed: the streams are its children
(``Generator.spawn``). Giving each subsystem its own stream keeps scenarios that share a seed
in step: adding an overseas warehouse changes the logistics draws but not who the consumers
are, who sees an ad, or who gets a purchase occasion. That is what makes common random
numbers effective, so paired scenario differences have narrow confidence intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class RandomStreams:
    """One generator per subsystem; the field order fixes which child each one is."""

    population: np.random.Generator
    graph: np.random.Generator
    kols: np.random.Generator
    warehouses: np.random.Generator
    market: np.random.Generator
    kol_feed: np.random.Generator
    decisions: np.random.Generator
    checkout: np.random.Generator
    fraud: np.random.Generator
    logistics: np.random.Generator
    experience: np.random.Generator
    sellers_root: np.random.Generator
    invitations: np.random.Generator
    home_fx: np.random.Generator
    culture: np.random.Generator  # live-stream misfires and suspensions
    reach: np.random.Generator  # who is online and on which platforms (simulation.reach)
    ad_cap: np.random.Generator  # frequency-cap draws (simulation.advertising)
    forwarding: np.random.Generator  # who forwards content to whom (simulation.content_sharing)
    replenishment: np.random.Generator  # late supply batches (simulation.replenishment_delays)
    inventory_accuracy: np.random.Generator  # failed picks (simulation.inventory_accuracy)
    crm: np.random.Generator  # abandoned-cart reminders (simulation.cart_recovery)

    @classmethod
    def spawn_from(cls, rng: np.random.Generator) -> RandomStreams:
        """Children of ``rng`` in declaration order (stable when fields are appended)."""
        children = rng.spawn(len(fields(cls)))
        return cls(*children)

    def seller(self, index: int) -> np.random.Generator:
        """Seller ``index``'s own stream (the same whatever the number of sellers)."""
        seq = self.sellers_root.bit_generator.seed_seq
        child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, index))
        return np.random.Generator(type(self.sellers_root.bit_generator)(child))
