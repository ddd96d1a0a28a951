"""Every mechanism knob names the one module that reads it, and the declarations do not lie."""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path

import pytest

from simulation.docs import DOCS, _shock_classes, levers_markdown
from simulation.levers import LEVER_CLASSES, Mechanics
from simulation.levers.base import knobs, knobs_set_by

PACKAGE = Path(__file__).resolve().parent.parent / "simulation"
MECHANISMS = ("advertising", "kols", "live_commerce", "word_of_mouth", "consumers", "checkout",
              "fulfilment", "reviews", "warehouses", "data_protection", "sellers", "pricing",
              "logistics", "payments", "culture", "seller_policy", "fission", "channels",
              "expectations", "cultural_distance", "cart_recovery")
"""The mechanism modules (simulation.<name>) a knob or a shock may name."""
LEVERS_DIR = PACKAGE / "levers"


def _modules() -> dict[str, Path]:
    """Every simulation module outside levers/, by dotted name."""
    return {"simulation." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts): p
            for p in sorted(PACKAGE.rglob("*.py")) if LEVERS_DIR not in p.parents}


@cache
def _knob_reads(path: Path) -> frozenset[str]:
    """Attribute names read through a ``.mech`` object (``x.mech.k``, ``mech.k``, aliases)."""
    tree = ast.parse(path.read_text())
    aliases = {"mech"} | {
        t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Attribute) and node.value.attr == "mech"
        for t in node.targets if isinstance(t, ast.Name)}
    return frozenset(
        node.attr for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and (
            (isinstance(node.value, ast.Name) and node.value.id in aliases)
            or (isinstance(node.value, ast.Attribute) and node.value.attr == "mech")))


def _readers(name: str) -> list[str]:
    return [mod for mod, path in _modules().items() if name in _knob_reads(path)]


def test_knobs_are_all_the_mechanics_fields():
    assert set(knobs()) == set(Mechanics.__dataclass_fields__) - {"n_regions", "n_modes"}
    assert len(knobs()) >= 20  # guard against the table silently emptying


@pytest.mark.parametrize("name", list(knobs()))
def test_knob_is_read_by_exactly_its_declared_module(name):
    declared = knobs()[name].reader
    assert declared.removeprefix("simulation.") in MECHANISMS, declared
    assert _readers(name) == [declared], f"Mechanics.{name}: declared reader {declared}"


@pytest.mark.parametrize("name", list(knobs()))
def test_knob_is_set_by_a_lever(name):
    setters = [cls.name for cls in LEVER_CLASSES if name in knobs_set_by(cls)]
    if knobs()[name].custom_only:
        assert not setters, f"{name} is declared custom_only but {setters} set it"
    else:
        assert setters, f"Mechanics.{name}: no lever sets it (dead knob?)"


def test_levers_set_only_declared_knobs():
    for cls in LEVER_CLASSES:
        assert set(knobs_set_by(cls)) <= set(knobs()), cls.name


def test_knobs_set_by_reads_tune_in_source_order():
    from simulation.levers.kol_marketing import KolMarketing

    assert knobs_set_by(KolMarketing) == ("kol_platforms", "kol_posts_per_week",
                                          "kol_commission_rate", "local_kol_share")


def test_a_misspelt_knob_fails_at_once():
    mech = Mechanics(2, 4)
    with pytest.raises(AttributeError):
        mech.targetting_power = 2.0  # type: ignore[attr-defined]


def test_the_read_detector_sees_aliases_and_ignores_docstrings(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('"""Mechanics.fine_factor in prose."""\nm = seller.mech\n'
                   "x = m.trust_bonus + model.seller_list[0].mech.carbon_factor\n")
    assert _knob_reads(src) == {"trust_bonus", "carbon_factor"}


@pytest.mark.parametrize("cls", _shock_classes(), ids=lambda c: c.__name__)
def test_shock_names_the_modules_acting_on_it(cls):
    assert cls.changes and cls.acted_on_by
    for module in cls.acted_on_by:
        assert module.removeprefix("simulation.") in MECHANISMS, module
        importlib.import_module(module)


def test_lever_doc_lists_every_knob_and_shock():
    text = (DOCS / "LEVERS.md").read_text()
    assert text == levers_markdown(), "regenerate with: python -m simulation.docs"
    for cls in LEVER_CLASSES:
        for name in knobs_set_by(cls):
            assert f"| `{cls.name}` | `{name}` |" in text
            assert f"`{knobs()[name].reader}` |" in text
    for cls in _shock_classes():
        assert f"| `{cls.model_fields['kind'].default}` |" in text
