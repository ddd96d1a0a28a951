"""The figure registry: build every published figure and verify it reproduces.

A figure module in this package defines ``FIGURE = FigureSpec(...)``: where its data come
from (a scenario file with replications and overrides and a reduction of its runs, or another
:class:`DataSource` such as a sweep or the validation), and how to draw it. ``build``
writes ``results/figures/<name>/`` (PNG, SVG, the data
as CSV and a manifest with spec hash, seeds, code and package versions, wall time);
``verify`` recomputes the data and compares it with what is stored, exactly or within the
figure's stated tolerance, and lists every difference.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.compare import simulate_scenarios
from experiments.manifest import PROJECT_ROOT, atomic_write_text, build_manifest, write_manifest
from experiments.scenarios import ScenarioFile, load_scenarios, merge_patch
from simulation.profiles import default_parameters

FIGURES_DIR = PROJECT_ROOT / "results" / "figures"
CSV_FORMAT = "%.12g"
"""Stored data keep 12 significant digits: far below any tolerance, far above float noise."""


class DataSource(Protocol):
    """Data of a figure that do not come from a scenario file (a sweep, the validation)."""

    def identity(self) -> Any:
        """What is simulated (a pydantic model or JSON-able data): hashed and stored."""

    def compute(self, show_progress: bool) -> tuple[pd.DataFrame, list[int]]:
        """Simulate and reduce to the figure's data table; also the seeds used."""


@dataclass(frozen=True)
class FigureSpec:
    """What a published figure shows and how its data are made.

    Data come either from ``scenario_file`` (run with ``replications`` and
    ``base_overrides``, then ``reduce``d) or from ``source``.
    """

    name: str
    title: str
    caption: str
    draw: Callable[[pd.DataFrame, Figure], None]
    scenario_file: str | None = None  # relative to experiments/scenarios/
    reduce: Callable[[pd.DataFrame, pd.DataFrame, ScenarioFile], pd.DataFrame] | None = None
    source: DataSource | None = None
    replications: int = 10
    base_overrides: dict[str, Any] = field(default_factory=dict)
    rtol: float = 0.0  # 0: exact reproduction required
    figsize: tuple[float, float] = (9.0, 5.0)

    def __post_init__(self) -> None:
        if (self.source is None) == (self.scenario_file is None or self.reduce is None):
            raise ValueError(f"figure {self.name}: give scenario_file and reduce, or source")

    def scenarios(self) -> ScenarioFile:
        """The scenario file with this figure's overrides applied and validated."""
        if self.scenario_file is None:
            raise ValueError(f"figure {self.name} has no scenario file")
        path = PROJECT_ROOT / "experiments" / "scenarios" / self.scenario_file
        scen = load_scenarios(path)
        base = merge_patch(scen.base, self.base_overrides)
        scen = scen.model_copy(update={"base": base, "replications": self.replications})
        scen.specs()  # validate before running
        return scen

    def identity(self) -> Any:
        """What is simulated: the scenarios after overrides, or the source's identity."""
        return self.source.identity() if self.source is not None else self.scenarios()

    def spec_hash(self) -> str:
        """Identity of what is simulated, including the model's parameter defaults."""
        return identity_hash(self.identity())


def identity_hash(ident: Any) -> str:
    """Short SHA-256 of a figure's identity together with the model's parameter defaults."""
    if hasattr(ident, "model_dump"):
        ident = ident.model_dump()
    # the defaults (declared or calibrated) are part of what every run simulates
    defaults = default_parameters().model_dump()
    blob = json.dumps({"what": ident, "parameter_defaults": defaults}, sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def all_figures() -> dict[str, FigureSpec]:
    """Every figure module's FIGURE, by name, in module order."""
    import experiments.figures as pkg

    out: dict[str, FigureSpec] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not info.name.startswith("fig_"):
            continue
        fig = importlib.import_module(f"experiments.figures.{info.name}").FIGURE
        out[fig.name] = fig
    return out


def select(names: list[str] | None) -> list[FigureSpec]:
    """Figures by name (all when None); unknown names raise naming the known ones."""
    figures = all_figures()
    if not names:
        return list(figures.values())
    unknown = [n for n in names if n not in figures]
    if unknown:
        raise KeyError(f"unknown figure(s) {unknown}; known: {list(figures)}")
    return [figures[n] for n in names]


def compute(fig: FigureSpec, show_progress: bool = False) -> tuple[pd.DataFrame, list[int]]:
    """Simulate the figure's scenarios (or source) and reduce the runs to its data table."""
    if fig.source is not None:
        data, seeds = fig.source.compute(show_progress)
        return data.reset_index(drop=True), seeds
    scen = fig.scenarios()
    runs, ts, seeds = simulate_scenarios(scen, show_progress=show_progress)
    data = fig.reduce(runs, ts, scen).reset_index(drop=True)
    return data, seeds


def build(fig: FigureSpec, root: Path = FIGURES_DIR, show_progress: bool = False) -> Path:
    """Compute, draw and store one figure; returns its folder."""
    t0 = time.perf_counter()
    data, seeds = compute(fig, show_progress)
    folder = Path(root) / fig.name
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "data.csv", data.to_csv(index=False, float_format=CSV_FORMAT))
    figure = Figure(figsize=fig.figsize, layout="constrained")
    fig.draw(data, figure)
    figure.suptitle(fig.title)
    figure.savefig(folder / "figure.png", dpi=120)
    figure.savefig(folder / "figure.svg")
    ident = fig.identity()  # for a sweep figure this plans (and validates) the whole design
    write_manifest(folder, build_manifest(
        ident, seeds, {"total": time.perf_counter() - t0},
        command=f"xbsim figures build {fig.name}", figure=fig.name, title=fig.title,
        caption=fig.caption, spec_hash=identity_hash(ident), rtol=fig.rtol))
    return folder


def compare_data(stored: pd.DataFrame, fresh: pd.DataFrame, rtol: float) -> list[str]:
    """Readable differences between stored and rebuilt data (empty: they agree)."""
    if list(stored.columns) != list(fresh.columns):
        return [f"columns differ: stored {list(stored.columns)}, rebuilt {list(fresh.columns)}"]
    if len(stored) != len(fresh):
        return [f"row count differs: stored {len(stored)}, rebuilt {len(fresh)}"]
    problems = []
    numeric = [c for c in stored.columns if pd.api.types.is_numeric_dtype(stored[c])]
    keys = [c for c in stored.columns if c not in numeric]
    for c in keys:
        if not stored[c].astype(str).equals(fresh[c].astype(str)):
            problems.append(f"column {c!r} differs in labels")
    for c in numeric:
        a = stored[c].to_numpy(dtype=float)
        b = fresh[c].to_numpy(dtype=float)
        close = np.isclose(a, b, rtol=rtol, atol=0.0, equal_nan=True)
        if rtol == 0.0:  # exact up to the stored precision
            close = np.isclose(a, b, rtol=1e-11, atol=1e-300, equal_nan=True)
        for i in np.flatnonzero(~close)[:10]:
            label = ", ".join(f"{k}={stored[k].iloc[i]}" for k in keys)
            problems.append(f"{c} at [{label}]: stored {a[i]:.10g}, rebuilt {b[i]:.10g}")
    return problems


def verify(fig: FigureSpec, root: Path = FIGURES_DIR) -> list[str]:
    """Rebuild the data of one figure and compare with the stored data."""
    folder = Path(root) / fig.name
    if not (folder / "data.csv").exists():
        return [f"no stored data in {folder} (run: xbsim figures build {fig.name})"]
    manifest = json.loads((folder / "manifest.json").read_text())
    problems = []
    if manifest.get("spec_hash") != fig.spec_hash():
        problems.append(f"spec changed since the figure was built (hash "
                        f"{manifest.get('spec_hash')} -> {fig.spec_hash()})")
    stored = pd.read_csv(folder / "data.csv")
    fresh, _ = compute(fig)
    fresh = pd.read_csv(pd.io.common.StringIO(fresh.to_csv(index=False,
                                                            float_format=CSV_FORMAT)))
    return problems + compare_data(stored, fresh, fig.rtol)
