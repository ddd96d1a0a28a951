"""The ``xbsim`` command line.

Every command validates its input before running; a bad spec or option ends with exit status
2 and one readable line per problem naming the field, the value and the allowed range.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError

from simulation.spec import SpecError, format_problems

app = typer.Typer(
    name="xbsim",
    help="Agent-based market simulation of cross-border social e-commerce.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_USAGE = 2


def fail(message: str | list[str]) -> None:
    """Print an error, ``xbsim: error:`` before each problem's line, and exit with status 2."""
    for line in [message] if isinstance(message, str) else message:
        typer.echo(f"xbsim: error: {line}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _yaml_problem(e: yaml.YAMLError) -> str:
    """A YAML error in one line naming the file and line (duplicate keys name both lines)."""
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None)
    if isinstance(e, ValueError) or mark is None or problem is None:
        return str(e).splitlines()[0]
    return f"{mark.name}: line {mark.line + 1}: not valid YAML: {problem}"


def _guard(fn):
    """Turn validation and input errors into clean exits: status 2, one line per problem."""
    try:
        return fn()
    except SpecError as e:  # every problem of a spec or scenario file, each on its line
        fail(list(e.lines))
    except ValidationError as e:
        fail(format_problems(e).splitlines())
    except yaml.YAMLError as e:  # strict safe loader: python tags, duplicate keys, bad syntax
        fail(_yaml_problem(e))
    except (ValueError, KeyError, FileNotFoundError) as e:
        fail(str(e).strip("'\""))
    except OSError as e:  # unreadable input, read-only or full output folder
        fail(f"{e.strerror or e}: {e.filename or ''}".rstrip(": "))
    return None


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="output folder")] = Path("results/demo"),
    consumers: Annotated[int, typer.Option(min=1, help="consumers in all")] = 51_000,
    days: Annotated[int, typer.Option(min=1, max=3650, help="simulated days")] = 180,
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 20261123,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Run the baseline market in every catalog region; write a summary CSV and a figure."""
    from experiments.demo import run_demo

    table = _guard(lambda: run_demo(out, consumers, days, seed, show_progress=not quiet))
    cols = ["awareness", "reach", "conversion_rate", "orders", "repurchase_rate",
            "negative_review_rate", "mean_delivery_days", "cart_abandonment_rate", "profit"]
    typer.echo(table[cols].round(3).to_string())
    typer.echo(f"\nwrote {out}/summary.csv, {out}/timeseries.csv, {out}/demo.png, "
               f"{out}/manifest.json")


@app.command()
def regions(
    catalog: Annotated[Path | None, typer.Option(help="another catalog YAML")] = None,
) -> None:
    """List the region catalog with a few key facts."""
    from simulation.regions import RegionTable, load_catalog

    cat = _guard(lambda: load_catalog(catalog))
    t = RegionTable.from_regions(list(cat.regions.values()))
    typer.echo(f"{'code':5}{'name':24}{'currency':9}{'GDP/cap PPP':>12}{'PDI':>5}{'IDV':>5}"
               f"{'UAI':>5}{'IVR':>5}{'card':>6}{'COD':>6}")
    for i, code in enumerate(t.codes):
        h = t.hofstede[i]
        typer.echo(f"{code:5}{t.names[i][:23]:24}{t.currencies[i]:9}{t.gdp_per_capita[i]:12,.0f}"
                   f"{h[0]:5.0f}{h[1]:5.0f}{h[3]:5.0f}{h[5]:5.0f}"
                   f"{t.payment_mix[i, 0]:6.2f}{t.payment_mix[i, 3]:6.2f}")


@app.command()
def parameters(
    markdown: Annotated[bool, typer.Option(help="print the Markdown table of the docs")] = False,
) -> None:
    """List every behavioural parameter: name, default, range, unit and source."""
    from simulation.profiles import parameters_markdown, profile_parameter_table

    if markdown:
        typer.echo(parameters_markdown(), nl=False)
        return
    for p in profile_parameter_table():
        typer.echo(f"{p.name:36} {p.default:>10g}  [{p.lo:g}, {p.hi:g}] {p.unit}")
        typer.echo(f"    {p.doc}. Source: {p.source}")


def attribution_line(summary) -> str:
    """One line of channel attribution of first purchases (all sellers, all regions)."""
    v = summary[(summary.seller == "all") & (summary.region == "all")].set_index("metric")[
        "value"]
    names = ("ad", "kol", "live", "wom", "referral")
    first = ", ".join(f"{c} {v.get(f'first_exposure_{c}_share', float('nan')):.2f}"
                      for c in names)
    touched = ", ".join(f"{c} {v.get(f'touched_by_{c}_share', float('nan')):.2f}"
                        for c in names)
    return (f"first purchases: first exposure via {first}; touched by {touched}; "
            f"{v.get('touches_before_first_purchase', float('nan')):.1f} touches before "
            f"({v.get('recalled_touches_before_first_purchase', float('nan')):.1f} recalled)")


@app.command()
def run(
    spec: Annotated[Path, typer.Argument(help="market spec or scenario file (YAML)")],
    out: Annotated[Path, typer.Option(help="output folder")] = Path("results/run"),
    scenario: Annotated[str | None, typer.Option(help="which scenario of a scenario file")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed (default: first replication)")]
    = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Run one simulation; write time series (Parquet), summary (CSV) and a manifest."""
    import time

    from tqdm import tqdm

    from experiments.manifest import atomic_write_text, build_manifest, write_manifest
    from experiments.runner import replication_seeds, run_spec
    from experiments.scenarios import load_scenarios
    from experiments.store import atomic_write_frame
    from simulation.spec import suggestion

    def go() -> None:
        scen = load_scenarios(spec)
        specs = scen.specs()
        name = scenario or scen.baseline_name
        if name not in specs:
            raise ValueError(f"--scenario: {name!r} is not a scenario of {spec}; "
                             + suggestion(name, list(specs)))
        if scenario is None and not scen.is_plain_spec:
            others = [n for n in specs if n != name]
            which = (f"the baseline; others: {', '.join(others)}; choose with --scenario"
                     if others else "the only one")
            typer.echo(f"running scenario {name!r} ({which})", err=True)
        s = specs[name]
        use_seed = seed if seed is not None else replication_seeds(scen.master_seed, 1)[0]
        t0 = time.perf_counter()
        with tqdm(total=s.horizon_days, unit="day", disable=quiet) as bar:
            result = run_spec(s, use_seed, progress=bar.update)
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in (("timeseries", result.timeseries), ("funnel", result.funnel)):
            atomic_write_frame(frame, out / f"{name}.parquet")
        atomic_write_text(out / "summary.csv", result.summary.to_csv(index=False,
                                                                    float_format="%.6g"))
        timings = {**result.timings, "total": time.perf_counter() - t0}
        write_manifest(out, build_manifest(s, [use_seed], timings, command="xbsim run",
                                           scenario=name))
        typer.echo(attribution_line(result.summary))
        typer.echo(f"wrote {out}/timeseries.parquet, funnel.parquet, summary.csv, manifest.json")

    _guard(go)


@app.command()
def compare(
    spec: Annotated[Path, typer.Argument(help="scenario file (YAML)")],
    out: Annotated[Path, typer.Option(help="output folder")] = Path("results/compare"),
    replications: Annotated[int | None, typer.Option(min=1, help="runs per scenario")] = None,
    posterior: Annotated[int | None, typer.Option(
        min=1, help="N replications, each with its own posterior parameter draw (common to "
                    "every scenario): intervals then hold parameter uncertainty too")] = None,
    posterior_file: Annotated[Path | None, typer.Option(
        help="posterior CSV (default: the scenario file's, else simulation/data/posterior.csv)")]
    = None,
    backend: Annotated[str, typer.Option(help="where replications run: serial or processes "
                                              "(identical results)")] = "serial",
    workers: Annotated[int | None, typer.Option(min=1, help="worker processes (processes)")]
    = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Compare scenarios with common random numbers: CI table, paired differences, report."""
    from experiments.compare import run_comparison
    from experiments.scenarios import load_scenarios

    def go() -> dict:
        scen = load_scenarios(spec)
        return run_comparison(scen, out, replications, show_progress=not quiet,
                              posterior=posterior, posterior_file=posterior_file,
                              backend=backend, workers=workers)

    result = _guard(go)
    n = int(result["table"]["n"].max()) if len(result["table"]) else 0
    if n < 2:
        typer.echo("xbsim compare: warning: one replication per scenario: no confidence "
                   "intervals or tests are possible (use --replications 2 or more)", err=True)
    typer.echo(f"intervals: {result['intervals']}")
    typer.echo(f"wrote {out}/report.md (+ figures), comparison.csv, differences.csv, pnl.csv, "
               "pnl_differences.csv, runs.parquet, timeseries.parquet, manifest.json")


EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells expect."""
SENSITIVITY_TOP_FACTORS = 3
"""Factors listed per outcome by ``xbsim sensitivity`` (the CSV has all)."""
SWEEP_ERRORS_SHOWN = 3
"""Failed runs listed after a sweep (the results have all, with their errors)."""


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="sweep spec (YAML)")],
    out: Annotated[Path, typer.Option(help="sweep folder: runs/ (Parquet), design, manifest")],
    backend: Annotated[str, typer.Option(help="where runs execute: serial, processes, dask")]
    = "serial",
    scheduler: Annotated[str | None, typer.Option(
        help="address of a running dask scheduler, e.g. tcp://10.0.0.5:8786")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="worker processes (default: CPUs; processes and local dask)")] = None,
    resume: Annotated[bool, typer.Option(help="continue the sweep in --out")] = False,
    retry_errors: Annotated[bool, typer.Option(help="with --resume: redo runs that raised")]
    = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Run a parameter sweep (full factorial, LHS, Sobol, Morris) into a resumable folder."""
    from experiments.sweep import SweepInterrupted, SweepWorkerError, run_sweep

    try:
        frame = _guard(lambda: run_sweep(spec, out, backend=backend, workers=workers,
                                         scheduler=scheduler, resume=resume,
                                         retry_errors=retry_errors, progress=not quiet))
    except SweepWorkerError as e:
        fail(str(e))
        return
    except SweepInterrupted as stop:
        options = f" --backend {backend}" if backend != "serial" else ""
        options += f" --scheduler {scheduler}" if scheduler else ""
        options += f" --workers {workers}" if workers and backend != "serial" else ""
        typer.echo(f"\nxbsim: interrupted: {stop.done} of {stop.total} runs finished and kept "
                   f"in {out}\nresume with: xbsim sweep {spec} --out {out}{options} --resume",
                   err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    runs = frame.drop_duplicates("run_id")
    errors = runs[runs["status"] != "ok"]
    typer.echo(f"{len(runs)} runs ({len(runs) - len(errors)} ok, {len(errors)} raised); "
               f"wrote {out}/runs/ (Parquet), design.parquet, manifest.json")
    for _, row in errors.head(SWEEP_ERRORS_SHOWN).iterrows():
        typer.echo(f"  run {row['run_id']} (point {row['point_index']}): {row['error']}")


@app.command()
def sensitivity(
    folder: Annotated[Path, typer.Argument(help="a finished sweep folder (any design)")],
    metric: Annotated[list[str] | None, typer.Option(
        help="outcome: metric or metric@REGION; repeatable (default: the sweep's outcomes)")]
    = None,
    analysis: Annotated[str | None, typer.Option(
        help="sobol, morris, given_data or factorial (default: the design's own; given_data "
             "also fits Sobol and Morris designs)")] = None,
) -> None:
    """Sensitivity indices with 95% CIs per outcome, for any design; CSV and plots.

    Sobol S1/ST, Morris mu*/sigma, delta/S1/SRC/PRCC for a Latin hypercube (given data),
    main effects for a full factorial.
    """
    from experiments.sensitivity import analyze_sweep, ranking_lines

    result = _guard(lambda: analyze_sweep(folder, outcomes=metric or None, analysis=analysis))
    for line in ranking_lines(result, SENSITIVITY_TOP_FACTORS):
        typer.echo(line)
    for outcome, reason in result.skipped.items():
        typer.echo(f"{outcome:32} skipped: {reason}")
    where = result.files[0].parent if result.files else folder / "sensitivity"
    typer.echo(f"wrote {where}/: " + ", ".join(p.name for p in result.files))


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(help="a sweep, xbsim run or xbsim compare folder")],
    csv: Annotated[bool, typer.Option("--csv", help="write CSV (UTF-8, header, exact floats)")]
    = False,
    out: Annotated[Path | None, typer.Option(help="where to write (default: FOLDER/csv)")]
    = None,
) -> None:
    """Export a folder's Parquet tables (a sweep's tidy results and design) as CSV files."""
    from experiments.export import export_csv

    if not csv:
        fail("choose a format: --csv (the only one so far)")
    written = _guard(lambda: export_csv(folder, out))
    typer.echo(f"wrote {written[0].parent}/: " + ", ".join(p.name for p in written))


DASHBOARD_PORT = 8765
"""Port ``xbsim dashboard`` serves on unless told otherwise (Solara's own default)."""


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="interface to listen on (default: this machine only)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="port to serve on (0: any free "
                                      "port; the server prints its address)")]
    = DASHBOARD_PORT,
    open_browser: Annotated[bool, typer.Option("--open/--no-open",
                                               help="open a browser tab")] = True,
) -> None:
    """Serve the interactive dashboard in the browser; Ctrl-C or SIGTERM stops it.

    The Solara server runs as a child process; stopping this command stops it too.
    """
    import os

    from simulation.dashboard import ServerStopped, serve, vendor_frontend_assets

    for problem in vendor_frontend_assets():
        typer.echo(f"xbsim dashboard: note: {problem}", err=True)
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")  # no usage reports
    command = [sys.executable, "-m", "solara", "run", "simulation.dashboard_app",
               "--host", host, "--port", str(port),
               "--open" if open_browser else "--no-open"]
    where = f"http://{host}:{port}/" if port else f"{host}, on a free port"
    typer.echo(f"xbsim dashboard: serving on {where} (Ctrl-C to stop)")
    try:
        status = serve(command, env)
    except ServerStopped as stop:
        typer.echo(f"xbsim dashboard: stopped ({stop}); the server is down")
        status = 0
    raise typer.Exit(status)


VALIDATE_FAILED = 1
"""Exit status of ``xbsim validate --strict`` when a fact fails (the run itself succeeded)."""


def _split_ids(values: list[str] | None) -> list[str] | None:
    """Fact ids from repeated and/or comma-separated ``--only`` options."""
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@app.command()
def validate(
    out: Annotated[Path, typer.Option(help="output folder")] = Path("results/validation"),
    replications: Annotated[int | None, typer.Option(
        min=1, help="replications per arm without posterior draws (default: the facts "
        "file's)")] = None,
    posterior: Annotated[int | None, typer.Option(
        "--posterior", min=0, help="posterior draws, one per replication and common to both "
        "arms (default: the facts file's posterior_draws; 0 = seed noise only)")] = None,
    posterior_file: Annotated[Path | None, typer.Option(
        help="posterior CSV (parameter columns + weight; default: "
        "simulation/data/posterior.csv, seed noise only if it does not exist)")] = None,
    profile: Annotated[str | None, typer.Option(
        help="parameter profile of every market (default: the facts file's, 'calibrated')")]
    = None,
    facts: Annotated[Path | None, typer.Option(
        help="your own facts YAML, merged with the shipped facts by id")] = None,
    shipped: Annotated[bool, typer.Option(
        "--shipped/--no-shipped", help="include the shipped facts")] = True,
    only: Annotated[list[str] | None, typer.Option(
        help="validate only these fact ids (repeat or comma-separate)")] = None,
    strict: Annotated[bool, typer.Option(help="exit with status 1 if an effect fails")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Check the calibrated model on effects it never saw: estimates, 95% CIs, bands."""
    import yaml

    from experiments.validation import (
        NO_INTERVAL,
        fmt_interval,
        fmt_value,
        load_facts,
        posterior_draws,
        run_validation,
    )

    def go():
        try:
            chosen = load_facts(facts, shipped=shipped)
        except yaml.YAMLError as e:
            raise ValueError(f"{facts}: not valid YAML: {e}") from None
        ids = _split_ids(only)
        if ids:
            chosen = chosen.subset(ids)
        n_draws = posterior if posterior is not None else chosen.posterior_draws
        if posterior is None and replications is not None:
            n_draws = 0  # --replications alone asks for seed-noise replications
        draws = posterior_draws(n_draws, chosen.master_seed, posterior_file,
                                note=lambda m: typer.echo(f"note: {m}"))
        reps = replications if draws.parameters is None else None
        if draws.parameters is None and reps is None and n_draws:
            reps = n_draws  # the fallback keeps the number of replications asked for
        return run_validation(chosen, out, reps, show_progress=not quiet, draws=draws,
                              profile=profile)

    result = _guard(go)
    for _, r in result.table.iterrows():
        status = ("identity" if r["identity"] else ("pass" if r["pass"] else "FAIL"))
        k = r["kind"]
        typer.echo(f"{status:8} {r['fact']:38} {r['quantity']:28} "
                   f"{fmt_value(r['estimate'], k):>9} "
                   f"{fmt_interval(r['ci_low'], r['ci_high'], k, int(r['n']))} band "
                   f"[{fmt_value(r['band_low'], k)}, {fmt_value(r['band_high'], k)}]"
                   f"{'  CI inside' if r['ci_inside_band'] else ''}")
    typer.echo(result.summary.line())
    typer.echo(f"intervals: 95%, {result.interval_kind}")
    if len(result.seeds) < 2:
        typer.echo(f"warning: one replication: {NO_INTERVAL}; run at least 2")
    typer.echo(f"wrote {out}/report.md, validation.csv, per_seed.csv, forest.png, "
               f"manifest.json ({result.runs} runs, {result.seconds:.0f} s)")
    if strict and any(not r.passed for r in result.results if not r.fact.is_identity):
        raise typer.Exit(VALIDATE_FAILED)


@app.command()
def plausibility(
    out: Annotated[Path, typer.Option(help="Markdown file to write")]
    = Path("docs/PLAUSIBILITY.md"),
    consumers: Annotated[int, typer.Option(min=1, help="consumers in all")] = 170_000,
    days: Annotated[int, typer.Option(min=1, max=3650, help="simulated days")] = 180,
    seeds: Annotated[int, typer.Option(min=1, help="replication seeds")] = 5,
) -> None:
    """Compare the default market's levels per region with public figures (PLAUSIBILITY.md)."""
    from experiments.demo import DEMO_SEED, demo_spec
    from experiments.plausibility import generate, summary_lines
    from experiments.runner import replication_seeds

    checks, _ = _guard(lambda: generate(out, demo_spec(consumers, days),
                                        replication_seeds(DEMO_SEED, seeds)))
    typer.echo("\n".join(summary_lines(checks)))
    typer.echo(f"wrote {out}")


@app.command()
def calibrate(
    out: Annotated[Path | None, typer.Option(
        help="results folder (default: results/calibration, with --recovery "
             "results/calibration/recovery); rerun on the same folder to resume")] = None,
    config: Annotated[Path | None, typer.Option(
        help="calibration settings YAML (default: experiments/validation/calibration.yaml)")]
    = None,
    backend: Annotated[str, typer.Option(help="where runs execute: serial, processes, dask")]
    = "serial",
    workers: Annotated[int | None, typer.Option(
        min=1, help="worker processes (default: CPUs; processes and local dask)")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="address of a running dask scheduler, e.g. tcp://10.0.0.5:8786")] = None,
    adopt: Annotated[bool, typer.Option(
        help="write the posterior median to simulation/data/calibrated_parameters.yaml (the "
             "`calibrated` profile) and the posterior to simulation/data/posterior.csv")]
    = False,
    recovery: Annotated[bool, typer.Option(
        help="recovery test: calibrate on levels simulated at known parameter sets and "
             "report how often the 90% interval covers the truth")] = False,
    quiet: Annotated[bool, typer.Option(help="no line per generation")] = False,
) -> None:
    """Fit the free parameters to the LEVEL patterns only (ABC-SMC; effects are never fitted)."""
    from experiments.calibration import (
        DEFAULT_OUTPUT,
        POSTERIOR_OUTPUT,
        load_calibration_config,
        run_calibration,
        run_recovery,
    )

    def log(line: str) -> None:
        if not quiet:
            typer.echo(line)

    if adopt and recovery:
        fail("choose one of --adopt and --recovery")
    folder = out if out is not None else Path(
        "results/calibration/recovery" if recovery else "results/calibration")
    cfg = _guard(lambda: load_calibration_config(config))
    if recovery:
        table = _guard(lambda: run_recovery(cfg, folder, backend, workers, scheduler, log=log))
        typer.echo(f"recovery: the 90% interval covers the truth in "
                   f"{int(table['covered'].sum())} of {len(table)} parameter-truth pairs; "
                   f"wrote {folder}/recovery.md, recovery.csv, manifest.json")
        return
    result = _guard(lambda: run_calibration(
        cfg, folder, backend, workers, scheduler,
        adopt_to=(DEFAULT_OUTPUT, POSTERIOR_OUTPUT) if adopt else None, log=log))
    run = result.abc
    typer.echo(f"{len(run.generations)} generations, {run.total_simulations} simulations"
               + (f" (resumed after generation {run.resumed_from - 1})"
                  if run.resumed_from else ""))
    for r in result.summary.itertuples():
        typer.echo(f"  {r.parameter:28} {r.median:.4g} [{r.ci90_lo:.4g}, {r.ci90_hi:.4g}] "
                   f"prior [{r.prior_lo:g}, {r.prior_hi:g}]")
    pred = result.predictive
    typer.echo(f"posterior predictive: {int(pred['covered'].sum())} of {len(pred)} level "
               f"statistics covered; wrote {folder}/report.md")
    if result.written:
        typer.echo(f"adopted: {result.written} and {POSTERIOR_OUTPUT}")
    else:
        typer.echo("the calibrated profile is unchanged: adopt this posterior with --adopt")


figures_app = typer.Typer(help="Published figures: list, build, verify.",
                          no_args_is_help=True)
app.add_typer(figures_app, name="figures")


@figures_app.command("list")
def figures_list() -> None:
    """List the published figures with their captions."""
    from experiments.figures.registry import all_figures

    for name, fig in all_figures().items():
        typer.echo(f"{name:36} {fig.title}")


@figures_app.command("build")
def figures_build(
    names: Annotated[list[str] | None, typer.Argument(help="figures (default: all)")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    root: Annotated[Path | None, typer.Option(
        help="folder of the published figures (default: results/figures)")] = None,
) -> None:
    """Simulate and draw figures into results/figures/<name>/ (PNG, SVG, data, manifest)."""
    from experiments.figures.registry import FIGURES_DIR, build, select

    for fig in _guard(lambda: select(names)):
        folder = _guard(lambda f=fig: build(f, root=root or FIGURES_DIR,
                                            show_progress=not quiet))
        typer.echo(f"built {fig.name} -> {folder}")


@figures_app.command("verify")
def figures_verify(
    names: Annotated[list[str] | None, typer.Argument(help="figures (default: all)")] = None,
    root: Annotated[Path | None, typer.Option(
        help="folder of the published figures (default: results/figures)")] = None,
) -> None:
    """Rebuild figure data and compare with the stored data; exit 1 naming what differs."""
    from experiments.figures.registry import FIGURES_DIR, select, verify

    failed = []
    for fig in _guard(lambda: select(names)):
        problems = _guard(lambda f=fig: verify(f, root=root or FIGURES_DIR))
        if problems:
            failed.append(fig.name)
            typer.echo(f"MISMATCH {fig.name}:")
            for p in problems:
                typer.echo(f"  {p}")
        else:
            typer.echo(f"ok       {fig.name}")
    if failed:
        typer.echo(f"{len(failed)} figure(s) do not reproduce: {', '.join(failed)}", err=True)
        raise typer.Exit(1)


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
