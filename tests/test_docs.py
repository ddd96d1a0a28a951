"""Generated documentation stays in sync with the code it documents."""

from __future__ import annotations

from pathlib import Path

from simulation.culture import culture_markdown
from simulation.metrics import METRICS
from simulation.parameters import parameters_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_parameter_doc_is_current():
    assert (DOCS / "PARAMETERS.md").read_text() == parameters_markdown(), (
        "regenerate with: xbsim parameters --markdown > docs/PARAMETERS.md"
    )


def test_odd_lists_every_culture_mapping_and_metric():
    odd = (DOCS / "ODD.md").read_text()
    assert culture_markdown() in odd
    for m in METRICS:
        assert f"| `{m.name}` | {m.unit} | {m.formula} |" in odd
