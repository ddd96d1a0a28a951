"""Compare JUnit XML reports of repeated test runs; list every test whose outcome changed.

Used by ``scripts/stability``: ``python -m tests.stability_report run-1.xml run-2.xml ...``.
Exit status 1 when an outcome changed between runs or a test failed in any run.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

OUTCOMES = ("failure", "error", "skipped")
"""JUnit child elements that mark a test case's outcome; none means passed."""


def outcomes(report: Path) -> dict[str, str]:
    """Test id (``classname::name``) -> outcome ('passed', 'failed', 'error', 'skipped')."""
    result: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        test = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome = "passed"
        for tag in OUTCOMES:
            if case.find(tag) is not None:
                outcome = {"failure": "failed"}.get(tag, tag)
                break
        result[test] = outcome
    return result


def unstable(runs: Sequence[dict[str, str]]) -> dict[str, list[str]]:
    """Tests whose outcome differs between runs (missing from a run counts as 'absent')."""
    tests = sorted(set().union(*runs)) if runs else []
    table = {t: [run.get(t, "absent") for run in runs] for t in tests}
    return {t: row for t, row in table.items() if len(set(row)) > 1}


def main(argv: Sequence[str]) -> int:
    """Print a summary of ``argv``'s reports; 1 if any outcome changed or any test failed."""
    paths = [Path(a) for a in argv if Path(a).is_file()]
    if not paths:
        print("stability: no JUnit report to compare", file=sys.stderr)
        return 1
    runs = [outcomes(p) for p in paths]
    changed = unstable(runs)
    failing = sorted({t for run in runs for t, o in run.items() if o in ("failed", "error")})
    print(f"stability: {len(paths)} runs, {len(set().union(*runs))} tests, "
          f"{len(changed)} with a changed outcome, {len(failing)} failing in some run")
    for test, row in changed.items():
        print(f"  CHANGED {test}: {' / '.join(row)}")
    for test in failing:
        if test not in changed:
            print(f"  FAILED in every run {test}")
    return 1 if changed or failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
