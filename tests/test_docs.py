"""Generated documentation stays in sync with the code it documents."""

from __future__ import annotations

from simulation.docs import DOCS, render_odd
from simulation.metrics import METRICS
from simulation.parameters import parameters_markdown

HINT = "regenerate with: python -m simulation.docs"


def test_parameter_doc_is_current():
    assert (DOCS / "PARAMETERS.md").read_text() == parameters_markdown(), HINT


def test_odd_tables_are_current():
    odd = (DOCS / "ODD.md").read_text()
    assert render_odd(odd) == odd, HINT
    for m in METRICS:
        assert f"`{m.name}`" in odd
