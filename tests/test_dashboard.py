"""The dashboard: controls build the right spec, stepping moves the views, and end to end in
a real headless Chromium driving the served page (``xbsim dashboard``)."""

from __future__ import annotations

import inspect
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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
    DashboardModel,
    DashboardViews,
    budget_split,
    dashboard_spec,
    frontend_packages,
    model_params,
    network_layout,
    network_sample,
    parse_seed,
    readout_rows,
    region_groups,
)
from simulation.parameters import ModelParameters, parameter_table
from simulation.regions import load_catalog
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
    assert spec.parameters == ModelParameters()
    assert spec.horizon_days == MarketSpec().horizon_days
    assert spec.regions == list(region_groups()[DEFAULT_GROUP])
    assert model.seed == DEFAULT_SEED
    assert model.notes == []


def test_controls_match_the_model_and_the_parameter_table():
    controls = model_params()
    accepted = set(inspect.signature(DashboardModel.__init__).parameters) - {"self"}
    assert set(controls) == accepted  # every control sets an argument and vice versa
    table = {p.name: p for p in parameter_table()}
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
    assert all(getattr(model.params, o) == getattr(ModelParameters(), o) for o in others)


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


# --- end to end in a browser --------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_S = 180  # first start may fetch the page's front-end bundle (npm pack)
PAGE_LOAD_MS = 60_000
STEP_MS = 30_000
STEPS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dashboard server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    pytest.fail(f"dashboard server did not answer within {SERVER_START_S} s:\n"
                f"{log.read_text()[-3000:]}")


@pytest.fixture
def dashboard_url(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulation.cli", "dashboard", "--host", "127.0.0.1",
             "--port", str(port), "--no-open"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_server(url, proc, log)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the CLI and the solara server it started
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def read(page, key: str) -> str:
    return page.locator(f'[data-key="{key}"]').inner_text().strip()


@pytest.mark.slow
@pytest.mark.browser
def test_dashboard_in_a_browser(dashboard_url, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium); "
                    "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1500, "height": 1800},
        )
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.set_default_timeout(STEP_MS)
            page.goto(dashboard_url, timeout=PAGE_LOAD_MS)
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
            kol_share = page.locator(".v-slider").filter(has_text="KOL share")
            kol_share.get_by_role("slider").press("End")  # all of the budget to KOLs
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function(
                "() => document.querySelector('[data-key=seed]').innerText.trim() === '7'")
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
                page.wait_for_function(
                    "d => document.querySelector('[data-key=day]').innerText.trim() === d",
                    arg=str(day))
            assert float(read(page, "awareness")) > float(before["awareness"])
            assert read(page, "profit") != before["profit"]
            page.wait_for_function(
                "old => document.querySelector('.xb-view-funnel img').src !== old",
                arg=plot_before)
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()
