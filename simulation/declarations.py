"""One way to declare a number a user can set: unit, default, range, meaning and source.

Every numeric field of a spec (market, seller, product, payment provider, lever, shock) and
every behavioural parameter is declared with :func:`declare`. The declaration validates the
value (pydantic's ``ge``/``gt``/``le``) and carries what documentation, dashboard sliders and
sweeps need, so a range or a source is written once. :func:`declarations` lists them for a
spec class (``docs/SPEC_FIELDS.md`` is generated from it) and :func:`resolve` finds the one
behind a concrete path such as ``sellers.0.levers.viral_referral.rebate_usd`` (sweeps take
their default bounds from it).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

SOURCE_PREFIXES = ("brief", "facts", "literature", "assumption", "engineering", "scenario input",
                   "data", "definition")
"""What a source starts with: a cited figure (brief, facts, data), a modelling assumption with
its reason, an engineering choice, a user's scenario input, or a definition."""


def declare(default: Any, lo: float, hi: float, unit: str, doc: str, source: str, *,
            lo_open: bool = False, check: bool = True, **field: Any) -> Any:
    """A pydantic field with its closed range [lo, hi] (open at lo if ``lo_open``) and metadata.

    ``check=False`` records the range without enforcing it (for mappings whose values the
    model validates itself, such as a tier mix). A ``default_factory`` in ``field`` replaces
    ``default`` (pass None).
    """
    bounds: dict[str, float] = {}
    if check:
        bounds = {"gt" if lo_open else "ge": lo, "le": hi}
    extra = {"unit": unit, "source": source, "lo": lo, "hi": hi, "lo_open": lo_open}
    if "default_factory" in field:  # pydantic takes a default or a factory, not both
        return Field(description=doc, **bounds, **field, json_schema_extra=extra)
    return Field(default, description=doc, **bounds, **field, json_schema_extra=extra)


@dataclass(frozen=True)
class Declaration:
    """What a declared field says about itself (``path`` uses ``*`` for list items)."""

    path: str
    default: Any
    lo: float
    hi: float
    unit: str
    doc: str
    source: str
    is_int: bool
    lo_open: bool = False

    @property
    def range_text(self) -> str:
        """The range as a reader writes it: [lo, hi] or (lo, hi]."""
        return f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}]"


def _numeric_kind(annotation: Any) -> str | None:
    """'int' or 'float' for a (possibly optional, or mapping-of) number annotation, else None."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (dict, typing.Mapping) and args:
        return _numeric_kind(args[-1])
    if origin in (typing.Union, types.UnionType):
        kinds = {_numeric_kind(a) for a in args if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if annotation is bool:
        return None
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    return None


def is_numeric(field: FieldInfo) -> bool:
    """True for a field holding a number (or an optional number, or a mapping to numbers)."""
    return _numeric_kind(field.annotation) is not None


def declaration_of(field: FieldInfo, path: str) -> Declaration | None:
    """The declaration carried by ``field``, or None if it was not declared with :func:`declare`."""
    extra = field.json_schema_extra
    if not isinstance(extra, dict) or "unit" not in extra:
        return None
    default = None if field.is_required() else (
        field.default_factory() if field.default_factory else field.default)  # type: ignore
    return Declaration(path=path, default=default, lo=float(extra["lo"]),  # type: ignore
                       hi=float(extra["hi"]), unit=str(extra["unit"]),
                       doc=field.description or "", source=str(extra["source"]),
                       is_int=_numeric_kind(field.annotation) == "int",
                       lo_open=bool(extra.get("lo_open", False)))


def _models_in(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """(path step, model class) reachable from an annotation: '*' for list/dict items."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, dict) and args:
        return [("*", cls) for _, cls in _models_in(args[-1])]
    if origin is typing.Annotated:
        return _models_in(args[0])
    if args:
        return [hit for a in args for hit in _models_in(a)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [("", annotation)]
    return []


def fields_of(model: type[BaseModel], prefix: str = "",
              seen: frozenset[type] = frozenset()) -> Iterator[tuple[str, FieldInfo]]:
    """Every numeric field reachable from ``model``, as (generic path, field)."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        if is_numeric(field):
            yield path, field
        for step, cls in _models_in(field.annotation):
            if cls in seen:
                continue
            inner = f"{path}.{step}." if step else f"{path}."
            yield from fields_of(cls, inner, seen | {model})


def declarations(model: type[BaseModel]) -> list[Declaration]:
    """The declaration of every numeric field reachable from ``model`` (undeclared ones skipped)."""
    out = []
    for path, field in fields_of(model):
        d = declaration_of(field, path)
        if d is not None:
            out.append(d)
    return out


def resolve(model: type[BaseModel], path: str) -> Declaration | None:
    """The declaration behind a concrete dotted path (list indices and mapping keys allowed).

    None when the path names no declared number, or when it is ambiguous (a field that
    several shock kinds declare differently).
    """
    steps = path.split(".")
    candidates: list[tuple[type[BaseModel], int]] = [(model, 0)]
    found: dict[tuple, Declaration] = {}
    while candidates:
        cls, i = candidates.pop()
        field = cls.model_fields.get(steps[i])
        if field is None:
            continue
        rest = steps[i + 1:]
        if not rest or (is_numeric(field) and len(rest) == 1
                        and typing.get_origin(field.annotation) is dict):
            d = declaration_of(field, path)
            if d is not None and is_numeric(field):
                found[(d.lo, d.hi, d.unit, d.doc, d.source, d.is_int)] = d
            continue
        for step, inner in _models_in(field.annotation):
            skip = 1 if step == "*" else 0
            if i + 1 + skip < len(steps):
                candidates.append((inner, i + 1 + skip))
    if len(found) != 1:
        return None
    return next(iter(found.values()))
