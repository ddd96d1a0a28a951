"""The dashboard: controls build the right spec, stepping moves the views, playback stops at
the horizon, and end to end in a real headless Chromium driving the served page (``xbsim
dashboard``) and signals stopping the command with its server.

Nothing here races the clock: a server is started on a port it picks itself (started again
if another process takes that port first), and every wait is for a condition the test
controls, bounded by a number of attempts.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara
from mesa.visualization.utils import force_update

from simulation.dashboard import (
    ALL_REGIONS,
    ALL_WAREHOUSES,
    BEHAVIOUR_PARAMETERS,
    DEFAULT_GROUP,
    DEFAULT_SEED,
    LOCAL_PROVIDER,
    NO_DATA,
    PLAYBACK_CONTROLS,
    DashboardControls,
    DashboardModel,
    DashboardViews,
    advance,
    batch_size,
    budget_split,
    dashboard_spec,
    delivery_figure,
    format_value,
    frontend_packages,
    funnel_figure,
    model_params,
    network_layout,
    network_sample,
    orders_figure,
    parse_seed,
    profit_figure,
    readable,
    readout_rows,
    region_figure,
    region_groups,
    run_over,
    slider_label,
)
from simulation.profiles import default_parameters, profile_parameter_table
from simulation.regions import SHIPPING_MODES, load_catalog
from simulation.spec import MarketSpec, SellerSpec

ROOT = Path(__file__).resolve().parent.parent
SMALL = 3_000  # consumers: fast enough for unit tests


def readout(model: DashboardModel) -> dict[str, str]:
    return {key: value for rows in readout_rows(model).values() for key, _, value in rows}


# --- controls -> spec ------------------------------------------------------------------------

def test_controls_build_the_right_spec():
    model = DashboardModel(
        regions="Latin America (BR MX)", n_consumers=SMALL, horizon_days=45, seed="7",
        overseas_warehouse="BR", direct_mode="express_air", marketing_budget=5.0,
        kol_share=0.3, referral_share=0.2, referral_rebate=2.5, local_payments=True,
        compliance_spend=1.0, trust_threshold=0.5, share_rate=0.3,
    )
    spec = model.input_spec
    seller = spec.sellers[0]
    assert spec.regions == ["BR", "MX"]
    assert (spec.n_consumers, spec.horizon_days) == (SMALL, 45)
    assert model.seed == 7
    assert seller.fulfilment.overseas_warehouses == ["BR"]
    assert seller.fulfilment.direct_mode == "express_air"
    assert seller.marketing_budget_per_1k_daily == 5.0
    assert (seller.budget_split.ads, seller.budget_split.kols,
            seller.budget_split.referral) == pytest.approx((0.5, 0.3, 0.2))
    assert seller.referral_rebate_usd == 2.5
    assert seller.compliance_spend_per_1k_daily == 1.0
    local = [p for p in seller.payment_providers if p.name == LOCAL_PROVIDER]
    assert len(local) == 1
    assert local[0].methods == ["wallet", "bank_transfer", "cod", "bnpl"]
    assert spec.parameters.trust_threshold == 0.5
    assert spec.parameters.share_rate == 0.3
    # The model really built it: a warehouse in BR, the local provider as an agent.
    assert {p.spec.name for p in model.payment_providers} >= {LOCAL_PROVIDER}
    assert readout(model)["warehouses"] == "BR"


def test_defaults_are_the_spec_defaults():
    model = DashboardModel(n_consumers=SMALL)
    spec = model.input_spec
    default_seller = SellerSpec()
    assert spec.sellers[0] == default_seller
    assert spec.parameters == default_parameters()
    assert spec.horizon_days == MarketSpec().horizon_days
    assert spec.regions == list(region_groups()[DEFAULT_GROUP])
    assert model.seed == DEFAULT_SEED
    assert model.notes == []


def test_controls_match_the_model_and_the_parameter_table():
    controls = model_params()
    accepted = set(inspect.signature(DashboardModel.__init__).parameters) - {"self"}
    assert set(controls) == accepted  # every control sets an argument and vice versa
    table = {p.name: p for p in profile_parameter_table()}
    for name in BEHAVIOUR_PARAMETERS:
        info, slider = table[name], controls[name]
        assert (slider["min"], slider["max"], slider["value"]) == (info.lo, info.hi, info.default)
        assert inspect.signature(DashboardModel.__init__).parameters[name].default == info.default
    assert controls["regions"]["values"] == list(region_groups())
    for control in controls.values():
        if control["type"].startswith("Slider"):
            assert control["min"] <= control["value"] <= control["max"]


@pytest.mark.parametrize("name", BEHAVIOUR_PARAMETERS)
def test_each_behaviour_slider_reaches_the_model(name):
    top = model_params()[name]["max"]
    model = DashboardModel(n_consumers=SMALL, **{name: top})
    assert getattr(model.params, name) == top
    others = set(BEHAVIOUR_PARAMETERS) - {name}
    assert all(getattr(model.params, o) == getattr(default_parameters(), o) for o in others)


def test_region_groups_come_from_the_catalog():
    catalog = load_catalog().regions
    groups = region_groups()
    for codes in groups.values():
        assert set(codes) <= set(catalog)
    assert groups[ALL_REGIONS] == tuple(catalog)
    macro = [codes for label, codes in groups.items()
             if label not in (DEFAULT_GROUP, ALL_REGIONS)]
    assert sorted(c for codes in macro for c in codes) == sorted(catalog)  # a partition


def test_warehouse_outside_the_regions_is_ignored_with_a_note():
    spec, notes = dashboard_spec(regions=["DE", "ID"], overseas_warehouse="BR")
    assert spec.sellers[0].fulfilment.overseas_warehouses == []
    assert len(notes) == 1
    assert "BR" in notes[0]
    spec, notes = dashboard_spec(regions=["DE", "ID"], overseas_warehouse=ALL_WAREHOUSES)
    assert spec.sellers[0].fulfilment.overseas_warehouses == ["DE", "ID"]
    assert notes == []


@pytest.mark.parametrize("kols", np.linspace(0, 1, 5))
@pytest.mark.parametrize("referral", np.linspace(0, 1, 5))
def test_budget_split_is_always_valid(kols, referral):
    split = budget_split(kols, referral)  # BudgetSplit validates the sum itself
    assert split.ads + split.kols + split.referral == pytest.approx(1.0)
    if kols + referral <= 1:
        assert (split.kols, split.referral) == pytest.approx((kols, referral))
    else:
        assert split.ads == 0.0
        assert split.kols / max(split.referral, 1e-12) == pytest.approx(
            kols / max(referral, 1e-12))


def test_parse_seed():
    assert parse_seed(" 12 ") == 12
    assert parse_seed(0) == 0
    for bad in ("abc", "-1", "1.5"):
        with pytest.raises(ValueError, match="seed"):
            parse_seed(bad)


def test_a_bad_seed_falls_back_with_a_note():
    model = DashboardModel(n_consumers=SMALL, seed="abc")  # a typo must not break the page
    assert model.seed == DEFAULT_SEED
    assert len(model.notes) == 1
    assert "abc" in model.notes[0]


def test_every_region_group_builds_at_the_smallest_population():
    smallest = model_params()["n_consumers"]["min"]
    for group in region_groups():
        model = DashboardModel(regions=group, n_consumers=smallest,
                               overseas_warehouse=ALL_WAREHOUSES)
        model.step()
        assert list(model.regions.codes) == list(region_groups()[group])
        for region in range(model.regions.n):
            assert len(network_sample(model, region)) > 0


# --- stepping ---------------------------------------------------------------------------------

def test_stepping_changes_the_data():
    model = DashboardModel(n_consumers=SMALL)
    before = readout(model)
    days = 12
    for _ in range(days):
        model.step()
    after = readout(model)
    assert (before["day"], after["day"]) == ("0", str(days))
    assert float(after["awareness"]) > float(before["awareness"]) == 0.0
    assert after["profit"] != before["profit"]
    funnel = model.datacollector.get_table_dataframe("funnel")
    assert funnel["step"].nunique() == days + 1
    assert len(model.daily_delivery_days()) == days + 1
    assert len(model.datacollector.get_model_vars_dataframe()) == days + 1


def test_same_seed_same_market_and_views_do_not_draw_from_the_model():
    a = DashboardModel(n_consumers=SMALL, seed=5)
    b = DashboardModel(n_consumers=SMALL, seed="5")
    c = DashboardModel(n_consumers=SMALL, seed=6)
    for _ in range(20):
        for m in (a, b, c):
            m.step()
    state = a.rng.bit_generator.state
    nodes = network_sample(a, region=0)
    network_layout(a, nodes)
    assert a.rng.bit_generator.state == state  # drawing changed nothing in the model
    assert readout(a) == readout(b)
    assert a.latest["total"]["profit"] == b.latest["total"]["profit"]
    assert a.latest["total"]["profit"] != c.latest["total"]["profit"]


def test_network_sample_is_one_region_and_connected():
    model = DashboardModel(n_consumers=SMALL)
    for region in range(model.regions.n):
        nodes = network_sample(model, region)
        assert len(np.unique(nodes)) == len(nodes)
        assert (model.population.region[nodes] == region).all()
        graph, pos = network_layout(model, nodes)
        assert graph.number_of_edges() >= len(nodes) - 1 - graph.number_of_nodes() // 10
        assert set(pos) == set(nodes.tolist())
    assert np.array_equal(network_sample(model, 1), network_sample(model, 1))


def test_views_render_and_follow_the_model():
    model = DashboardModel(n_consumers=SMALL)
    _, rc = solara.render(DashboardViews(model), handle_error=False)
    try:
        readout_html = rc.find(solara.widgets.HTML).widgets
        assert any('data-key="day"' in w.unsafe_innerHTML for w in readout_html)
        images_before = [w.value for w in rc.find(ipywidgets.Image).widgets]
        assert len(images_before) == 6  # funnel, orders, delivery, profit, regions, network
        for _ in range(3):
            model.step()
        force_update()  # what SolaraViz's Step button does after stepping
        images_after = [w.value for w in rc.find(ipywidgets.Image).widgets]
        changed = sum(a != b for a, b in zip(images_before, images_after, strict=True))
        assert changed == len(images_before)  # every plot shows the new day
        assert any(re.search(r'data-key="day"[^>]*><b>3<', w.unsafe_innerHTML)
                   for w in rc.find(solara.widgets.HTML).widgets)
    finally:
        rc.close()


def test_frontend_packages_are_pinned_npm_packages():
    packages = frontend_packages()
    assert any("solara-vuetify" in p for p in packages)
    assert any(p.startswith("requirejs@") for p in packages)
    for p in packages:
        assert re.fullmatch(r"(@[\w.-]+/)?[\w.-]+@\d+\.\d+\.\d+[\w.-]*", p), p


def test_vendoring_skips_cached_packages_and_reports_a_missing_npm(tmp_path, monkeypatch):
    import simulation.dashboard as dashboard

    for package in frontend_packages():
        (tmp_path / "cached" / package).mkdir(parents=True)
    monkeypatch.setattr(dashboard.shutil, "which", lambda name: pytest.fail("npm was called"))
    assert dashboard.vendor_frontend_assets(tmp_path / "cached") == []

    monkeypatch.setattr(dashboard.shutil, "which", lambda name: None)
    problems = dashboard.vendor_frontend_assets(tmp_path / "empty")
    assert len(problems) == len(frontend_packages())
    assert all("npm not found" in p for p in problems)


# --- slider labels, readable names, empty plots ----------------------------------------------

SLIDER_LABEL = re.compile(r"^(?P<label>[^:]+): (?P<value>-?[\d,]+(\.\d+)?)( (?P<unit>.+))?$")


def all_controls() -> dict[str, dict]:
    return {**model_params(), **PLAYBACK_CONTROLS}


def test_every_slider_label_shows_its_value_and_unit():
    sliders = {k: c for k, c in all_controls().items() if c["type"].startswith("Slider")}
    assert len(sliders) == 9 + len(BEHAVIOUR_PARAMETERS)  # none left out
    for name, control in sliders.items():
        for value in (control["min"], control["value"], control["max"]):
            shown = SLIDER_LABEL.match(slider_label(control, value))
            assert shown, (name, slider_label(control, value))
            assert shown["label"] == control["label"]
            assert float(shown["value"].replace(",", "")) == pytest.approx(
                value, abs=control["step"] / 2)
        if name != "n_consumers":  # a count of consumers needs no unit
            assert shown["unit"], name
        # One step of the slider changes what it shows (the label resolves the step).
        low = control["min"]
        assert slider_label(control, low) != slider_label(control, low + control["step"])


@pytest.mark.parametrize(("name", "value", "label"), [
    ("n_consumers", 3_000, "Consumers: 3,000"),
    ("horizon_days", 180, "Horizon: 180 days"),
    ("marketing_budget", 2.0, "Marketing budget: 2.0 USD per 1k consumers per day"),
    ("kol_share", 0.25, "KOL share: 0.25 of the budget"),
    ("share_rate", 0.15, "Share rate: 0.15 (probability)"),
    ("render_interval", 1, "Render interval: 1 day per Step or frame"),
    ("render_interval", 3, "Render interval: 3 days per Step or frame"),
    ("play_interval", 250, "Play interval: 250 ms between frames"),
])
def test_slider_label_examples(name, value, label):
    assert slider_label(all_controls()[name], value) == label


def test_format_value():
    assert format_value(20_000, is_int=True) == "20,000"
    assert format_value(0.41, 0.0098) == "0.410"  # a step of about 0.01 resolves 3 decimals
    assert format_value(3.0, 0.3) == "3.0"
    assert format_value(1234.4, 10.0) == "1,234"


def test_names_read_as_words():
    assert readable("ecommerce_line") == "e-commerce line"
    assert readable("conversion_rate") == "conversion rate"
    direct = model_params()["direct_mode"]
    assert set(direct["labels"]) == set(SHIPPING_MODES)
    assert all("_" not in label for label in direct["labels"].values())
    model = DashboardModel(n_consumers=SMALL, direct_mode="ecommerce_line")
    assert readout(model)["direct_mode"] == "e-commerce line"
    labels = [label for rows in readout_rows(model).values() for _, label, _ in rows]
    assert all("_" not in label for label in labels)


FIGURES = (funnel_figure, orders_figure, delivery_figure, profit_figure)


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


@pytest.mark.parametrize("figure", FIGURES)
def test_time_plots_say_no_data_before_the_first_step_and_count_days(figure):
    model = DashboardModel(n_consumers=SMALL, horizon_days=60)
    ax = figure(model).axes[0]
    assert ax.get_xlabel() == "day"
    assert ax.get_xlim()[0] <= 0 and ax.get_xlim()[1] >= 60  # the whole run, from the start
    assert NO_DATA in [t.get_text() for t in ax.texts]
    low, high = ax.get_ylim()
    assert (low, high) == (0, 1)  # not matplotlib's +-0.04 around a single point
    for _ in range(5):
        model.step()
    later = figure(model)
    assert NO_DATA not in texts(later)
    assert later.axes[0].get_xlabel() == "day"


def test_region_bars_say_no_data_before_the_first_step():
    model = DashboardModel(n_consumers=SMALL)
    assert NO_DATA in texts(region_figure(model, "conversion_rate"))
    model.step()
    fig = region_figure(model, "conversion_rate")
    assert NO_DATA not in texts(fig)
    assert fig.axes[0].get_title() == "Conversion rate by region, day 1"
    assert not model.latest["by_region"]["conversion_rate"].any()  # nobody bought on day 1
    assert fig.axes[0].get_ylim() == (0, 1)  # so 0 to 1, not +-0.04 around zero
    assert region_figure(model, "awareness").axes[0].get_ylim()[0] == 0


# --- playback: batches stop at the horizon ----------------------------------------------------

@pytest.mark.parametrize(("day", "horizon", "interval", "days"), [
    (0, 10, 3, 3), (9, 10, 3, 1), (10, 10, 3, 0), (12, 10, 3, 0),
    (26, 30, 13, 4), (0, 30, 13, 13), (0, 5, 30, 5), (4, 5, 1, 1),
])
def test_batch_size_is_the_render_interval_cut_at_the_horizon(day, horizon, interval, days):
    assert batch_size(day, horizon, interval) == days


def test_batches_end_exactly_at_the_horizon():
    for horizon in range(1, 41):
        for interval in range(1, 16):
            day, batches = 0, 0
            while (days := batch_size(day, horizon, interval)) > 0:
                day += days
                batches += 1
            assert day == horizon
            assert batches == math.ceil(horizon / interval)


def test_advance_stops_the_model_at_its_horizon():
    model = DashboardModel(n_consumers=SMALL, horizon_days=10)
    assert [advance(model, 3) for _ in range(5)] == [3, 3, 3, 1, 0]
    assert model.steps == 10
    assert run_over(model)
    assert not model.running  # the model itself says the run is over


@solara.component
def Sidebar(model: solara.Reactive[DashboardModel]) -> None:
    DashboardControls(model)


def status(rc) -> str:
    return rc.find(v.Html, class_="xb-status").widget.children[0]


def notices(rc) -> list[str]:
    return [w.children[0] for w in rc.find(v.Alert).widgets]


def slider(rc, label: str):
    return next(s for s in rc.find(v.Slider).widgets if s.label.startswith(label))


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


PLAY_POLLS = 120
"""Polls of a playing controller, each waiting POLL_S: a 10-day run plays in about a second."""
POLL_S = 1.0


def test_controls_step_to_the_horizon_and_stay_usable():
    model = solara.reactive(DashboardModel(n_consumers=SMALL, horizon_days=10))
    _, rc = solara.render(Sidebar(model), handle_error=False)
    try:
        slider(rc, "Render interval").v_model = 3
        assert slider(rc, "Render interval").label == "Render interval: 3 days per Step or frame"
        for day in (3, 6, 9, 10):
            button(rc, "Step").click()
            assert model.value.steps == day
        assert status(rc) == "Day 10 of 10: the run is over; Reset runs it again"
        assert notices(rc) == []
        for label in ("Step", "▶"):  # both stay usable at the horizon and say why not
            assert not button(rc, label).disabled
            button(rc, label).click()
            assert model.value.steps == 10
            assert len(notices(rc)) == 1 and "run is over" in notices(rc)[0]
        slider(rc, "Horizon").v_model = 20
        button(rc, "Reset").click()
        assert model.value.steps == 0
        assert model.value.spec.horizon_days == 20  # Reset builds from the controls
        assert notices(rc) == []
        assert status(rc) == "Day 0 of 20: paused"
    finally:
        rc.close()


def test_play_stops_at_the_horizon_and_hands_back_the_controls():
    model = solara.reactive(DashboardModel(n_consumers=SMALL, horizon_days=10))
    _, rc = solara.render(Sidebar(model), handle_error=False)
    stopped = threading.Event()
    try:
        slider(rc, "Render interval").v_model = 3
        slider(rc, "Play interval").v_model = 0
        button(rc, "▶").click()
        for _ in range(PLAY_POLLS):  # waits for the play loop this test started
            if "over" in status(rc):
                break
            stopped.wait(POLL_S)  # no one sets it: a bounded pause between polls
        assert status(rc) == "Day 10 of 10: the run is over; Reset runs it again"
        assert model.value.steps == 10  # not 12: the last frame was cut to one day
        assert not button(rc, "▶").disabled and not button(rc, "Step").disabled
        button(rc, "Reset").click()
        assert model.value.steps == 0
    finally:
        with contextlib.suppress(ValueError):  # still playing (the test failed): pause
            button(rc, "❚❚").click()
        rc.close()


def test_the_cookie_warning_is_silenced_and_nothing_else():
    from simulation import dashboard_app

    def warn(message: str, module: str) -> list[warnings.WarningMessage]:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            dashboard_app.silence_cookie_warning()
            warnings.warn_explicit(message, UserWarning, "starlette.py", 1, module=module)
        return seen

    cookie = ("Cookies with samesite=none require https, but according to the asgi "
              "framework, the scheme is 'http'")
    assert warn(cookie, "solara.server.starlette") == []
    assert len(warn(cookie, "someone.else")) == 1
    assert len(warn("Origin as determined by starlette does not match",
                    "solara.server.starlette")) == 1


# --- end to end: the served page and the command's processes ----------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (/usr/bin/chromium); apt-get install chromium")
SERVER_POLLS = 600
"""Polls of a starting server, each waiting up to POLL_S on its process: a first start that
npm-packs the page's JavaScript still fits."""
ANSWER_S = 30
"""Bound of one HTTP request to a starting server (its first page builds the app)."""
BIND_ATTEMPTS = 3
"""Servers started in turn when another process takes the port Solara picked first."""
STOP_WAIT_S = 60
"""Bound of waiting for the signalled command (it gives the server 10 s, then kills it)."""
STOP_POLLS = 60
"""Polls of a server told to stop, each waiting up to POLL_S: it stops in a few seconds."""
PAGE_LOAD_MS = 60_000
STEP_MS = 30_000
PLAY_MS = 60_000
STEPS = 8
SHOTS = Path("/tmp/dashboard_shots")
"""Screenshots of the play test: before.png, mid.png, horizon.png (for a human to look at)."""
SERVER_URL = re.compile(r"Solara server is starting at (http://[\d.]+:(\d+))")
PORT_TAKEN = "address already in use"


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    port: int
    log: Path


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=ANSWER_S) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_until_serving(proc: subprocess.Popen, log: Path) -> re.Match | None:
    """The server's address once it answers; None if it exited because its port was taken."""
    for _ in range(SERVER_POLLS):
        text = log.read_text()
        if proc.poll() is not None:
            if PORT_TAKEN in text.lower():
                return None
            pytest.fail(f"dashboard server exited ({proc.returncode}):\n{text[-3000:]}")
        found = SERVER_URL.search(text)
        if found and answers(found.group(1) + "/"):
            return found
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=POLL_S)  # waits on the server this test started (ends if it exits)
    pytest.fail(f"dashboard server did not answer in {SERVER_POLLS} polls:\n"
                f"{log.read_text()[-3000:]}")


def start_dashboard(log: Path) -> Server:
    """``xbsim dashboard`` on a port the server picks, in a session of its own."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    for _ in range(BIND_ATTEMPTS):  # a new server when another process took the port first
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "xbsim", "dashboard", "--host", "127.0.0.1",
                 "--port", "0", "--no-open"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        found = wait_until_serving(proc, log)
        if found:
            return Server(proc, found.group(1) + "/", int(found.group(2)), log)
    pytest.fail(f"no free port in {BIND_ATTEMPTS} attempts:\n{log.read_text()[-3000:]}")


def stop_dashboard(server: Server) -> None:
    """SIGTERM to the command (it stops its server); its whole group is killed if it hangs."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=STOP_WAIT_S)  # waits for the command this test signalled
    finally:
        with contextlib.suppress(ProcessLookupError):  # an empty group: nothing left over
            os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=STOP_WAIT_S)  # the command itself, reaped


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    server = start_dashboard(tmp_path_factory.mktemp("dashboard") / "server.log")
    try:
        yield server
    finally:
        stop_dashboard(server)


@contextlib.contextmanager
def browser_page(profile: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1500, "height": 1800},
        )
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.set_default_timeout(STEP_MS)
            yield page
        finally:
            browser.close()


def read(page, key: str) -> str:
    return page.locator(f'[data-key="{key}"]').inner_text().strip()


def wait_for_value(page, key: str, value: str, timeout: int = STEP_MS) -> None:
    page.wait_for_function(
        "([k, v]) => document.querySelector(`[data-key=${k}]`).innerText.trim() === v",
        arg=[key, value], timeout=timeout)


def page_slider(page, label: str):
    """The slider whose label starts with ``label:`` ("Consumers" is also in other units)."""
    own_label = re.compile("^" + re.escape(label) + ":")
    return page.locator(".v-slider").filter(has_text=own_label).get_by_role("slider")


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_dashboard_in_a_browser(dashboard, tmp_path):
    with browser_page(tmp_path / "profile") as page:
        page.goto(dashboard.url, timeout=PAGE_LOAD_MS)
        page.locator('[data-key="day"]').wait_for(timeout=PAGE_LOAD_MS)
        assert read(page, "seed") == str(DEFAULT_SEED)
        assert read(page, "warehouses") == "none"

        # Change controls: seed, an overseas warehouse in BR, local payments, KOL share.
        seed = page.get_by_label("Seed")
        seed.fill("7")
        seed.press("Enter")
        page.locator(".v-select").filter(
            has=page.get_by_label("Overseas warehouse")).click()
        page.get_by_role("option", name="BR", exact=True).click()
        page.get_by_label("Local payment methods").check()
        page_slider(page, "KOL share").press("End")  # all of the budget to KOLs
        page.get_by_text("KOL share: 1.00 of the budget").wait_for()
        page.get_by_role("button", name="Reset").click()
        wait_for_value(page, "seed", "7")
        assert read(page, "warehouses") == "BR"
        assert LOCAL_PROVIDER in read(page, "providers")
        assert read(page, "split") == "0.00 / 1.00 / 0.00"
        assert read(page, "day") == "0"

        # Run several days and check the numbers and the plots moved.
        funnel = page.locator(".xb-view-funnel img")
        before = {k: read(page, k) for k in ("awareness", "profit")}
        plot_before = funnel.get_attribute("src")
        for day in range(1, STEPS + 1):
            page.get_by_role("button", name="Step").click()
            wait_for_value(page, "day", str(day))
        assert float(read(page, "awareness")) > float(before["awareness"])
        assert read(page, "profit") != before["profit"]
        page.wait_for_function(
            "old => document.querySelector('.xb-view-funnel img').src !== old",
            arg=plot_before)
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)


SHORT_HORIZON = 10
"""Days of the played run; the render interval of 3 does not divide it."""
SHORT_INTERVAL = 3


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_play_stops_at_the_horizon_in_a_browser(dashboard, tmp_path):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page(tmp_path / "profile") as page:
        page.goto(dashboard.url, timeout=PAGE_LOAD_MS)
        page.locator('[data-key="day"]').wait_for(timeout=PAGE_LOAD_MS)
        page.screenshot(path=str(SHOTS / "before.png"), full_page=True)

        # A short run: the fewest consumers, 10 days, 3 days per frame.
        page_slider(page, "Consumers").press("Home")
        page_slider(page, "Horizon").press("Home")
        interval = page_slider(page, "Render interval")
        interval.press("Home")
        for _ in range(SHORT_INTERVAL - 1):
            interval.press("ArrowRight")
        for label in ("Consumers: 1,000", f"Horizon: {SHORT_HORIZON} days",
                      f"Render interval: {SHORT_INTERVAL} days per Step or frame"):
            page.get_by_text(label, exact=True).wait_for()  # each slider shows its value
        page.get_by_role("button", name="Reset").click()
        wait_for_value(page, "horizon", str(SHORT_HORIZON))
        assert (read(page, "consumers"), read(page, "day")) == ("1,000", "0")

        page.get_by_role("button", name="Step").click()
        wait_for_value(page, "day", str(SHORT_INTERVAL))
        page.screenshot(path=str(SHOTS / "mid.png"), full_page=True)

        # ▶ plays 3 -> 6 -> 9 -> 10 and stops there by itself, handing the controls back.
        page.get_by_role("button", name="▶").click()
        status = page.locator(".xb-status")
        expect(status).to_have_text(
            f"Day {SHORT_HORIZON} of {SHORT_HORIZON}: the run is over; Reset runs it again",
            timeout=PLAY_MS)
        assert read(page, "day") == str(SHORT_HORIZON)  # exactly the horizon, not past it
        expect(page.get_by_role("button", name="▶")).to_be_enabled()
        expect(page.get_by_role("button", name="Step")).to_be_enabled()
        page.screenshot(path=str(SHOTS / "horizon.png"), full_page=True)

        # Step at the horizon says the run is over and steps nothing.
        page.get_by_role("button", name="Step").click()
        expect(page.locator(".xb-notice")).to_contain_text("The run is over")
        assert read(page, "day") == str(SHORT_HORIZON)

        # Reset starts again; the controls work.
        page.get_by_role("button", name="Reset").click()
        wait_for_value(page, "day", "0")
        expect(status).to_have_text(f"Day 0 of {SHORT_HORIZON}: paused")
        expect(page.locator(".xb-notice")).to_have_count(0)
        page.get_by_role("button", name="Step").click()
        wait_for_value(page, "day", str(SHORT_INTERVAL))

    # Every browser session above was served without Solara's cookie warning in the log.
    assert "samesite" not in dashboard.log.read_text()


def alive(psutil, pid: int) -> bool:
    """Running (a zombie has exited: it runs nothing and holds no port)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def group_members(psutil, pgid: int) -> list[int]:
    members = []
    for proc in psutil.process_iter():
        with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
            if os.getpgid(proc.pid) == pgid and alive(psutil, proc.pid):
                members.append(proc.pid)
    return members


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore closed connections
        try:
            s.bind(("127.0.0.1", port))  # fails while a server listens there
        except OSError:
            return False
        s.listen()
        return True


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_to_the_command_stops_its_server(signum, tmp_path):
    psutil = pytest.importorskip("psutil")
    server = start_dashboard(tmp_path / "server.log")
    try:
        children = [c.pid for c in psutil.Process(server.proc.pid).children(recursive=True)]
        assert children, "the command started no server process"
        assert not port_is_free(server.port)  # the check below can see a server
        os.kill(server.proc.pid, signum)  # the command only, not its process group
        assert server.proc.wait(timeout=STOP_WAIT_S) == 0  # waits for the signalled command
        assert [pid for pid in children if alive(psutil, pid)] == []
        assert group_members(psutil, server.proc.pid) == []
        assert port_is_free(server.port)
        assert f"stopped ({signum.name})" in server.log.read_text()
    finally:
        stop_dashboard(server)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="the backstop is Linux's PR_SET_PDEATHSIG")
def test_the_server_stops_when_the_command_is_killed(tmp_path):
    psutil = pytest.importorskip("psutil")
    server = start_dashboard(tmp_path / "server.log")
    try:
        children = psutil.Process(server.proc.pid).children(recursive=True)
        assert children
        os.kill(server.proc.pid, signal.SIGKILL)  # no handler runs: only the kernel can help
        server.proc.wait(timeout=STOP_WAIT_S)  # waits for the command this test killed
        for _ in range(STOP_POLLS):  # waits for the server, which the kernel sent SIGTERM
            if not any(alive(psutil, c.pid) for c in children):
                break
            psutil.wait_procs(children, timeout=POLL_S)
        assert [c.pid for c in children if alive(psutil, c.pid)] == []
        assert port_is_free(server.port)
    finally:
        stop_dashboard(server)
