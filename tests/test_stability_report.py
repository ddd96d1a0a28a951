"""The stability report finds tests whose outcome changed between runs."""

from __future__ import annotations

from pathlib import Path

from tests.stability_report import main, outcomes, unstable


def junit(path: Path, cases: dict[str, str]) -> Path:
    body = []
    for name, outcome in cases.items():
        inner = {"passed": "", "failed": "<failure message='x'/>", "error": "<error/>",
                 "skipped": "<skipped/>"}[outcome]
        body.append(f"<testcase classname='tests.t' name='{name}'>{inner}</testcase>")
    path.write_text(f"<testsuites><testsuite>{''.join(body)}</testsuite></testsuites>")
    return path


def test_outcomes_read_each_kind(tmp_path):
    report = junit(tmp_path / "a.xml", {"p": "passed", "f": "failed", "e": "error",
                                        "s": "skipped"})
    assert outcomes(report) == {"tests.t::p": "passed", "tests.t::f": "failed",
                                "tests.t::e": "error", "tests.t::s": "skipped"}


def test_a_changed_outcome_is_reported_and_fails(tmp_path, capsys):
    a = junit(tmp_path / "a.xml", {"steady": "passed", "flaky": "passed"})
    b = junit(tmp_path / "b.xml", {"steady": "passed", "flaky": "failed"})
    assert unstable([outcomes(a), outcomes(b)]) == {"tests.t::flaky": ["passed", "failed"]}
    assert main([str(a), str(b)]) == 1
    assert "CHANGED tests.t::flaky: passed / failed" in capsys.readouterr().out


def test_steady_runs_pass_and_a_test_missing_from_a_run_counts(tmp_path):
    a = junit(tmp_path / "a.xml", {"one": "passed", "two": "skipped"})
    b = junit(tmp_path / "b.xml", {"one": "passed", "two": "skipped"})
    assert main([str(a), str(b)]) == 0
    c = junit(tmp_path / "c.xml", {"one": "passed"})
    assert unstable([outcomes(a), outcomes(c)]) == {"tests.t::two": ["skipped", "absent"]}
