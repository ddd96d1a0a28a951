"""``xbsim export --csv``: sweep, run and compare folders as CSV that reads back exactly."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from experiments import backends
from experiments.compare import run_comparison
from experiments.export import ExportError, atomic_write_csv, export_csv, folder_kind
from experiments.scenarios import ScenarioFile
from experiments.store import load_results, read_design, read_sample
from experiments.sweep import run_sweep
from xbsim.cli import app

MARKET = {"regions": ["ID"], "n_consumers": 200, "horizon_days": 5}
AWKWARD_FLOATS = (0.1 + 0.2, 1 / 3, 1e-300, np.pi * 1e10, -0.0, 5e-324, 2.0**53 + 2)
"""Values whose text must carry every digit to read back equal."""


def stand_in_model(spec, seed, progress=None):
    """Stands in for the simulation; raises at one point so error rows are exported too."""
    p = spec.parameters
    if p.share_rate > 0.45:
        raise RuntimeError("stand-in failure, with a comma, and \"quotes\" é")
    rows = [("all", "all", "gmv", p.share_rate * AWKWARD_FLOATS[3] + seed % 7),
            ("all", "all", "orders", AWKWARD_FLOATS[int(p.trust_threshold * 10) % 7]),
            ("all", "all", "return_rate", np.nan)]
    return SimpleNamespace(summary=pd.DataFrame(rows, columns=["seller", "region", "metric",
                                                               "value"]))


def sweep_spec(method: str) -> dict:
    if method == "full_factorial":
        factors = [{"path": "parameters.share_rate", "levels": [0.1, 0.5]},
                   {"path": "sellers.0.fulfilment.overseas_warehouses",
                    "levels": [[], ["ID"]]}]
        design = {"method": "full_factorial"}
    else:
        factors = [{"path": "parameters.share_rate", "bounds": [0.05, 0.5]},
                   {"path": "parameters.trust_threshold", "bounds": [0.2, 0.8]},
                   {"path": "parameters.kols_per_region", "bounds": [5, 20]}]
        design = {"method": "lhs", "n": 12, "seed": 3}
    return {"name": f"export-{method}", "base": {**MARKET, "sellers": [{"name": "s"}]},
            "factors": factors, "design": design, "replications": 2, "master_seed": 4}


def read_back(path: Path) -> pd.DataFrame:
    """How a user reads the CSV: pandas with its defaults."""
    return pd.read_csv(path)


def assert_same_table(csv_path: Path, expected: pd.DataFrame) -> None:
    """The CSV holds the table: same columns, exact numbers, same text (empty = missing)."""
    got = read_back(csv_path)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for name in expected.columns:
        want, have = expected[name], got[name]
        if pd.api.types.is_bool_dtype(want) or pd.api.types.is_numeric_dtype(want):
            a, b = want.to_numpy(dtype=float), have.to_numpy(dtype=float)
            assert np.array_equal(a, b, equal_nan=True), name
            assert np.array_equal(np.signbit(a), np.signbit(b)), name  # -0.0 stays -0.0
        else:
            a = want.astype(object).where(want.notna(), "").astype(str).to_numpy()
            b = have.astype(object).where(have.notna(), "").astype(str).to_numpy()
            assert (a == b).all(), name


@pytest.mark.parametrize("method", ["lhs", "full_factorial"])
def test_a_sweep_exports_its_results_design_and_sample(tmp_path, monkeypatch, method):
    monkeypatch.setattr(backends, "run_spec", stand_in_model)
    folder = tmp_path / "sweep"
    run_sweep(sweep_spec(method), folder, progress=False)
    written = export_csv(folder)
    names = {p.name for p in written}
    expected = {"results.csv", "design.csv", "manifest.json"}
    assert names == (expected | {"sample.csv"} if method == "lhs" else expected)
    out = folder / "csv"
    results = load_results(folder)
    assert (results["status"] == "error").any() and results["value"].isna().any()
    assert_same_table(out / "results.csv", results)
    assert_same_table(out / "design.csv", read_design(folder))
    if method == "lhs":
        assert_same_table(out / "sample.csv", read_sample(folder))
    text = (out / "results.csv").read_text(encoding="utf-8")
    assert text.startswith("run_id,point_index,replication,seed,status,error,wall_s,")
    assert "é" in text and "\r" not in text
    assert json.loads((out / "manifest.json").read_text())["kind"] == "xbsim-sweep"
    assert not list(out.glob(".*"))  # no temporary files left


def test_awkward_floats_read_back_exactly(tmp_path):
    frame = pd.DataFrame({"x": [*AWKWARD_FLOATS, np.nan, np.inf], "n": range(9)})
    atomic_write_csv(frame, tmp_path / "f.csv")
    assert_same_table(tmp_path / "f.csv", frame)


def test_run_and_compare_folders_export_their_parquet_files(tmp_path):
    spec = tmp_path / "market.yaml"
    spec.write_text(yaml.safe_dump(MARKET))
    runner = CliRunner()
    ran = runner.invoke(app, ["run", str(spec), "--out", str(tmp_path / "run"), "--quiet"])
    assert ran.exit_code == 0, ran.output
    exported = runner.invoke(app, ["export", str(tmp_path / "run"), "--csv", "--out",
                                   str(tmp_path / "run_csv")])
    assert exported.exit_code == 0, exported.output
    assert "funnel.csv" in exported.output and "timeseries.csv" in exported.output
    for name in ("timeseries", "funnel"):
        assert_same_table(tmp_path / "run_csv" / f"{name}.csv",
                          pq.read_table(tmp_path / "run" / f"{name}.parquet").to_pandas())

    scen = ScenarioFile.model_validate({
        "name": "tiny", "base": {**MARKET, "sellers": [{"name": "e"}]}, "baseline": "a",
        "scenarios": {"a": {}, "b": {"parameters": {"share_rate": 0.3}}},
        "replications": 2, "master_seed": 1})
    run_comparison(scen, tmp_path / "cmp", show_progress=False)
    assert folder_kind(tmp_path / "cmp") == "compare"
    written = export_csv(tmp_path / "cmp")
    assert {p.name for p in written} == {"runs.csv", "timeseries.csv", "manifest.json"}
    for name in ("runs", "timeseries"):
        assert_same_table(tmp_path / "cmp" / "csv" / f"{name}.csv",
                          pq.read_table(tmp_path / "cmp" / f"{name}.parquet").to_pandas())


def test_other_folders_are_refused_in_one_line(tmp_path):
    runner = CliRunner()
    other = tmp_path / "validation"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"command": "xbsim validate"}))
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder, why in ((empty, "no manifest.json"), (other, "from xbsim validate"),
                        (tmp_path / "missing", "no such folder")):
        with pytest.raises(ExportError, match=why):
            export_csv(folder)
        result = runner.invoke(app, ["export", str(folder), "--csv"])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and why in lines[0], result.output
    no_format = runner.invoke(app, ["export", str(other)])
    assert no_format.exit_code == 2 and "--csv" in no_format.output


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text("old\n")

    def half_then_fail(self, fh, **kwargs):
        fh.write("x,y\n1,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        atomic_write_csv(pd.DataFrame({"x": [1.0]}), path)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
