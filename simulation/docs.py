"""Regenerate the documentation tables that are derived from code (``python -m simulation.docs``).

docs/PARAMETERS.md is generated whole; docs/ODD.md keeps its prose and has its culture and
metric tables replaced between markers. tests/test_docs.py fails when either is stale.
"""

from __future__ import annotations

import re
from pathlib import Path

from simulation.culture import culture_markdown
from simulation.metrics import METRICS
from simulation.parameters import parameters_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def metrics_markdown() -> str:
    """The metric definitions as a Markdown table."""
    rows = ["| metric | kind | unit | formula |", "|---|---|---|---|"]
    rows += [f"| `{m.name}` | {m.kind} | {m.unit} | {m.formula} |" for m in METRICS]
    return "\n".join(rows) + "\n"


def _replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"marker {name} not found")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def render_odd(text: str) -> str:
    """ODD text with its generated tables brought up to date."""
    text = _replace_block(text, "culture-table", culture_markdown())
    return _replace_block(text, "metric-table", metrics_markdown())


def main(docs: Path = DOCS) -> None:
    """Rewrite the generated documentation in place."""
    (docs / "PARAMETERS.md").write_text(parameters_markdown())
    odd = docs / "ODD.md"
    odd.write_text(render_odd(odd.read_text()))


if __name__ == "__main__":
    main()
