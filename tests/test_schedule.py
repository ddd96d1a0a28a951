"""The day's protocol: step() runs the named phases, and the ODD lists exactly those."""

from __future__ import annotations

import re
from dataclasses import replace

import simulation.model
from simulation.docs import DOCS
from simulation.model import MarketModel
from simulation.schedule import PHASES

ODD_PHASE = re.compile(r"^\d+\. \*\*(.+?)\*\* \(`([\w.]+)`\): ", re.M)


def odd_phases() -> list[tuple[str, str]]:
    """(name, module) of each phase in docs/ODD.md's process overview, in order."""
    odd = (DOCS / "ODD.md").read_text()
    block = odd.split("<!-- schedule:start -->")[1].split("<!-- schedule:end -->")[0]
    return ODD_PHASE.findall(block)


def test_step_runs_the_phases_the_odd_lists_in_that_order(small_spec, monkeypatch):
    model = MarketModel(small_spec, rng=3)
    ran: list[tuple[str, str]] = []

    def recording(phase):
        def run(m, day):
            ran.append((phase.name, phase.module))
            phase.run(m, day)
        return replace(phase, run=run)

    monkeypatch.setattr(simulation.model, "PHASES", tuple(recording(p) for p in PHASES))
    model.step()
    assert ran == odd_phases()
    assert len(ran) == len(PHASES) >= 10


def test_each_phase_lives_in_a_mechanism_module_not_the_model():
    for phase in PHASES:
        assert phase.module.startswith("simulation.")
        assert phase.module != "simulation.model", phase.name
        doc = phase.run.__doc__ or ""
        assert doc.startswith(f"Phase '{phase.name}'"), (phase.name, doc)
