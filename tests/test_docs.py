"""Generated documentation stays in sync with the code it documents."""

from __future__ import annotations

from simulation.docs import DOCS, render_odd
from simulation.metrics import METRICS
from simulation.parameters import parameters_markdown

HINT = "regenerate with: python -m simulation.docs"


def test_parameter_doc_is_current():
    assert (DOCS / "PARAMETERS.md").read_text() == parameters_markdown(), HINT


def test_lever_doc_is_current():
    from simulation.docs import levers_markdown

    assert (DOCS / "LEVERS.md").read_text() == levers_markdown(), HINT


def test_odd_tables_are_current():
    odd = (DOCS / "ODD.md").read_text()
    assert render_odd(odd) == odd, HINT
    for m in METRICS:
        assert f"`{m.name}`" in odd


def test_calibration_file_replaces_defaults(tmp_path):
    import os
    import subprocess
    import sys

    cal = tmp_path / "cal.yaml"
    cal.write_text("parameters:\n  trust_threshold: 0.42\n  kols_per_region: 7\n")
    code = ("from simulation.parameters import ModelParameters, parameter_table;"
            "p = ModelParameters(); t = {r.name: r for r in parameter_table()};"
            "print(p.trust_threshold, p.kols_per_region, t['trust_threshold'].prior_default,"
            " t['trust_threshold'].calibrated)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "XBSIM_CALIBRATION": str(cal)}, check=True)
    assert out.stdout.split() == ["0.42", "7", "0.4", "True"]
    cal.write_text("parameters:\n  trust_threshold: 7\n")
    bad = subprocess.run([sys.executable, "-c", "import simulation.parameters"],
                         capture_output=True, text=True,
                         env={**os.environ, "XBSIM_CALIBRATION": str(cal)})
    assert bad.returncode != 0 and "trust_threshold" in bad.stderr
