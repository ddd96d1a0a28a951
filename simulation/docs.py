"""Regenerate the documentation tables that are derived from code (``python -m simulation.docs``).

docs/PARAMETERS.md, LEVERS.md and SPEC_FIELDS.md are generated whole; docs/ODD.md keeps
its prose and has its process overview (from :data:`simulation.schedule.PHASES`), culture
and metric tables replaced between markers. tests/test_docs.py fails when one is stale.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from simulation.culture import culture_markdown
from simulation.declarations import declaration_of, declarations
from simulation.metrics import METRICS
from simulation.profiles import parameters_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def metrics_markdown() -> str:
    """The metric definitions as a Markdown table."""
    rows = ["| metric | kind | unit | formula |", "|---|---|---|---|"]
    rows += [f"| `{m.name}` | {m.kind} | {m.unit} | {m.formula} |" for m in METRICS]
    return "\n".join(rows) + "\n"


def _declared_row(name: str, field, fallback_default: str) -> str:
    """A table row for a lever or shock field: default, range, unit, meaning and source."""
    d = declaration_of(field, name)
    if d is None:  # not a number (a choice, a flag, a list): what pydantic knows
        return f"| `{name}` | {fallback_default} | {_bounds(field)} | | " \
            f"{field.description or ''} | |"
    return (f"| `{name}` | {fallback_default} | {d.range_text} | {d.unit} | {d.doc} "
            f"| {d.source} |")


def spec_fields_markdown() -> str:
    """Every number of a market spec outside levers, shocks and parameters (SPEC_FIELDS.md)."""
    from simulation.spec import MarketSpec

    lines = ["# Spec fields", "",
             "Generated from the spec classes (`simulation/spec.py`, "
             "`simulation/provider_spec.py`) by `python -m simulation.docs`; do not edit.",
             "Every number a market spec holds, declared once with its unit, default, range "
             "and source. Behavioural parameters are in [PARAMETERS.md](PARAMETERS.md), levers "
             "and shocks in [LEVERS.md](LEVERS.md). Sweeps take a factor's default bounds "
             "from these ranges; `*` stands for a list index.", "",
             "| path | default | range | unit | meaning | source or rationale |",
             "|---|---|---|---|---|---|"]
    for d in declarations(MarketSpec):
        if d.path.startswith(("parameters.", "shocks.")) or ".levers." in d.path:
            continue
        lines.append(f"| `{d.path}` | `{d.default}` | {d.range_text} | {d.unit} | {d.doc} "
                     f"| {d.source} |")
    return "\n".join(lines) + "\n"


def _bounds(field) -> str:
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", getattr(m, "gt", lo))
        hi = getattr(m, "le", getattr(m, "lt", hi))
    return "" if lo is None and hi is None else f"[{lo if lo is not None else ''}, " \
        f"{hi if hi is not None else ''}]"


def _shock_classes() -> tuple[type, ...]:
    """Every shock class, in the order of the :data:`simulation.shocks.Shock` union."""
    from simulation.shocks import Shock

    union, *_ = get_args(Shock)
    return get_args(union)


def _who_acts_markdown() -> list[str]:
    """Tables: every lever's knobs with their reader, every shock with the modules acting."""
    from simulation.levers import LEVER_CLASSES
    from simulation.levers.base import knobs, knobs_set_by

    declared = knobs()
    lines = ["## Who acts on what", "",
             "Levers set knobs on the seller's `Mechanics` (`simulation/levers/base.py`); each "
             "knob is read by exactly one mechanism module. Levers marked *spec* act only by "
             "rewriting the seller's spec (`configure`).", "",
             "| lever | knob | unit and meaning | read by |", "|---|---|---|---|"]
    for cls in LEVER_CLASSES:
        names = knobs_set_by(cls)
        if not names:
            lines.append(f"| `{cls.name}` | *spec* | {cls.mechanism} | |")
        lines += [f"| `{cls.name}` | `{n}` | {declared[n].meaning} | `{declared[n].reader}` |"
                  for n in names]
    lines += [f"| *custom levers* | `{n}` | {k.meaning} | `{k.reader}` |"
              for n, k in declared.items() if k.custom_only]
    lines += ["", "| shock | state it changes | acted on by |", "|---|---|---|"]
    for cls in _shock_classes():
        kind = cls.model_fields["kind"].default
        modules = ", ".join(f"`{m}`" for m in cls.acted_on_by)
        lines.append(f"| `{kind}` | {cls.changes} | {modules} |")
    return [*lines, ""]


def levers_markdown() -> str:
    """Every lever: what it acts through and its parameters (docs/LEVERS.md)."""
    from simulation.levers import LEVER_CLASSES

    lines = ["# Levers and shocks", "",
             "Generated from `simulation/levers/` and `simulation/shocks.py` by "
             "`python -m simulation.docs`; do not edit.", "",
             "Levers are switched on per seller (`sellers[i].levers.<name>`); they act only "
             "through mechanisms, never on an outcome metric.", "",
             *_who_acts_markdown()]
    for cls in LEVER_CLASSES:
        lines += [f"## `{cls.name}`", "", (cls.__doc__ or "").strip(), "",
                  f"Acts through: {cls.mechanism}.", "",
                  "| parameter | default | range | unit | meaning | source or rationale |",
                  "|---|---|---|---|---|---|"]
        for name, f in cls.model_fields.items():
            default = ("required" if f.is_required() else
                       f.default_factory() if f.default_factory else f.default)
            lines.append(_declared_row(name, f, f"`{default}`"))
        lines.append("")
    lines += ["# Shocks", "", "Declared in a spec's `shocks:` list with their timing and size.",
              ""]
    for cls in _shock_classes():
        kind = cls.model_fields["kind"].default
        lines += [f"## `{kind}`", "", (cls.__doc__ or "").strip(), "",
                  "| field | default | range | unit | meaning | source or rationale |",
                  "|---|---|---|---|---|---|"]
        for name, f in cls.model_fields.items():
            if name == "kind":
                continue
            default = "required" if f.is_required() else f"`{f.default}`"
            lines.append(_declared_row(name, f, default))
        lines.append("")
    return "\n".join(lines)


def _replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise ValueError(f"marker {name} not found")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text)


def render_odd(text: str) -> str:
    """ODD text with its generated schedule and tables brought up to date."""
    from simulation.schedule import schedule_markdown

    text = _replace_block(text, "schedule", schedule_markdown())
    text = _replace_block(text, "culture-table", culture_markdown())
    return _replace_block(text, "metric-table", metrics_markdown())


def main(docs: Path = DOCS) -> None:
    """Rewrite the generated documentation in place."""
    (docs / "PARAMETERS.md").write_text(parameters_markdown())
    (docs / "LEVERS.md").write_text(levers_markdown())
    (docs / "SPEC_FIELDS.md").write_text(spec_fields_markdown())
    odd = docs / "ODD.md"
    odd.write_text(render_odd(odd.read_text()))


if __name__ == "__main__":
    main()
