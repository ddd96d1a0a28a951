"""Generated documentation stays in sync with the code it documents."""

from __future__ import annotations

from simulation.docs import DOCS, render_odd
from simulation.metrics import METRICS
from simulation.profiles import parameters_markdown

HINT = "regenerate with: python -m simulation.docs"


def test_parameter_doc_is_current():
    assert (DOCS / "PARAMETERS.md").read_text() == parameters_markdown(), HINT


def test_lever_doc_is_current():
    from simulation.docs import levers_markdown

    assert (DOCS / "LEVERS.md").read_text() == levers_markdown(), HINT


def test_spec_field_doc_is_current():
    from simulation.docs import spec_fields_markdown

    assert (DOCS / "SPEC_FIELDS.md").read_text() == spec_fields_markdown(), HINT


def test_odd_tables_are_current():
    odd = (DOCS / "ODD.md").read_text()
    assert render_odd(odd) == odd, HINT
    for m in METRICS:
        assert f"`{m.name}`" in odd


def test_a_profile_file_sets_values_without_touching_the_declared_defaults(tmp_path):
    import pytest
    from pydantic import ValidationError

    from simulation.parameters import PRIOR_DEFAULTS, ModelParameters
    from simulation.profiles import profile_parameter_table
    from simulation.spec import load_spec

    cal = tmp_path / "cal.yaml"
    cal.write_text("parameters:\n  trust_threshold: 0.42\n  kols_per_region: 7\n")
    spec = load_spec({"profile": str(cal)})
    assert (spec.profile, spec.parameters.trust_threshold, spec.parameters.kols_per_region) == (
        str(cal), 0.42, 7)
    row = {r.name: r for r in profile_parameter_table(str(cal))}["trust_threshold"]
    assert (row.default, row.prior_default, row.calibrated) == (0.42, 0.4, True)
    assert ModelParameters().trust_threshold == PRIOR_DEFAULTS["trust_threshold"] == 0.4
    declared = load_spec({"profile": "declared"})
    assert declared.parameters == ModelParameters()  # the documented priors
    # the spec records resolved values: re-validating its dump gives the same spec
    assert load_spec(spec.model_dump()) == spec
    cal.write_text("parameters:\n  trust_threshold: 7\n")
    with pytest.raises((ValidationError, ValueError), match="trust_threshold"):
        load_spec({"profile": str(cal)})
    with pytest.raises((ValidationError, ValueError), match="profile"):
        load_spec({"profile": "calibratd"})
