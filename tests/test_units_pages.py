"""Cards that show their target and a neutral zero change; the tier proposal on the Data page
and the Overview's word when no customer is a VIP (AppTest)."""
from __future__ import annotations

import polars as pl
import pytest
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from lib.pipeline.snapshots import write_snapshots
from lib.rules.versions import current_rules
from lib.pipeline.migrations import open_store
from tests.factories import S1, S2, customer, snapshot
from tests.test_pages import ROOT, import_button, metric, window_box
from tests.rendered import shown

CHARGES = ["Total day charge", "Total eve charge", "Total night charge", "Total intl charge"]


@pytest.fixture
def store_url(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    return url


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    return at


def test_cards_show_their_target_and_a_zero_change_is_grey(store_url):
    """Two snapshots with the same three customers, none churned: every change is zero.
    ARPU (120 + 30 + 30) / 3 = 60 both months: "0.0" in grey (delta colour "off"), not a
    green "+0.0"; the ARPU target (rules: at least 80, ¥) shows under the card."""
    engine = open_store(store_url)
    rows = [customer("A", 120, 24), customer("B", 30, 24), customer("C", 30, 24)]
    for date in (S1, S2):
        write_snapshots(engine, snapshot(date, rows), rules=current_rules(engine), source_name="hand",
                        churn_window_months=1)
    at = app()
    assert not at.exception
    arpu = next(m for m in at.metric if m.label.lstrip("⚠ ") == "ARPU")
    assert arpu.value == "¥60.0"
    assert arpu.delta == "¥0.0"
    assert arpu.proto.color == Metric.MetricColor.GRAY
    assert arpu.proto.direction == Metric.MetricDirection.NONE        # no up arrow on a zero
    vip_share = next(m for m in at.metric if m.label == "VIP revenue share")
    assert vip_share.delta == "0.0 pp" and vip_share.proto.color == Metric.MetricColor.GRAY
    active = next(m for m in at.metric if m.label == "Active customers")
    assert active.delta == "0"
    captions = [shown(c.value) for c in at.caption]
    assert "Target: at least ¥80.0." in captions
    assert "Target: at most 2.5%." in captions
    assert not any("+0.0" in (m.delta or "") for m in at.metric)


def test_overview_without_vips_says_why_and_links_to_the_rules(store_url):
    """Spends of 60, 30 and 30 a month: nobody reaches the 4-star bound (¥200): no VIP."""
    engine = open_store(store_url)
    rows = [customer("A", 60, 24), customer("B", 30, 24), customer("C", 30, 24)]
    write_snapshots(engine, snapshot(S2, rows), rules=current_rules(engine), source_name="hand",
                    churn_window_months=1)
    at = app()
    assert metric(at, "VIP customers") == "0"
    assert any("No customer of this snapshot is a VIP" in shown(i.value) and "¥200.0" in shown(i.value)
               for i in at.info)
    assert any(p.label == "Star tiers in the rules (Data page)" for p in at.get("page_link"))


def test_zh_overview_without_vips(store_url):
    engine = open_store(store_url)
    write_snapshots(engine, snapshot(S2, [customer("A", 60, 24)]), rules=current_rules(engine),
                    source_name="hand", churn_window_months=1)
    at = app()
    at.sidebar.radio[0].set_value("zh").run()
    assert any("本快照没有 VIP 客户" in shown(i.value) for i in at.info)


def test_first_import_proposes_tiers_and_the_saved_ones_make_vips(store_url, telco_file):
    """The USD telco file on an empty store: the proposal opens, its currency set to USD, $;
    saved as rules version 2; after the import the Overview's VIP count equals the file's
    customers (not churned) whose four charges reach the saved tier-4 bound, counted with
    polars; the card shows dollars."""
    at = app()
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value((telco_file.name, telco_file.read_bytes(), "text/csv")).run()
    assert not at.exception
    assert any("would be VIPs" in shown(i.value) for i in at.info)
    next(x for x in at.text_input if x.label == "Currency code").set_value("USD").run()
    next(x for x in at.text_input if x.label == "Currency symbol").set_value("$").run()
    bound = next(x for x in at.number_input if x.label.startswith("4 star from")).value
    next(b for b in at.button if b.label == "Save thresholds as a new rules version").click().run()
    assert not at.exception
    rules = current_rules(open_store(store_url))
    assert rules.version == 2 and rules.currency.symbol == "$"
    assert rules.tier_spend_min[3] == pytest.approx(bound)

    window_box(at).set_value("unknown").run()
    next(c for c in at.checkbox if c.label.startswith("I have checked")).check().run()
    import_button(at).click().run()
    assert not at.exception
    raw = pl.read_csv(telco_file).with_columns(spend=pl.sum_horizontal(CHARGES))
    vips = raw.filter(~pl.col("Churn") & (pl.col("spend") >= bound)).height
    active = raw.filter(~pl.col("Churn")).height
    at.switch_page("views/overview.py").run()
    assert not at.exception
    assert metric(at, "VIP customers") == f"{vips:,}"
    assert 0.05 <= vips / active <= 0.10
    assert metric(at, "ARPU").startswith("$")
    assert not any("No customer of this snapshot is a VIP" in shown(i.value) for i in at.info)


def test_a_draft_plan_reads_not_started_not_a_red_zero(tmp_path, monkeypatch):
    """tests/factories.operations_base's plan set back to draft (nobody was due a call yet):
    the Overview's reach card says "Not started", with no change against the target, no ⚠."""
    import sqlalchemy as sa

    from lib.store import callback_plans
    from tests.factories import operations_base

    url = f"duckdb:///{tmp_path}/ops.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    plan_id = operations_base(url)
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(sa.update(callback_plans).where(callback_plans.c.plan_id == plan_id)
                     .values(status="draft"))
    engine.dispose()
    at = app()
    assert not at.exception
    reach = next(m for m in at.metric if m.label.endswith("Service reach rate"))
    assert reach.value == "Not started" and not reach.delta and not reach.label.startswith("⚠")


def test_tiers_accepted_for_a_new_workspace_are_its_rules(tmp_path, monkeypatch, telco_file):
    """While the demo is chosen the file goes to a new workspace: the proposal starts from the
    shipped rules, is accepted (the box ticked by default since they do not fit) and becomes
    the new workspace's rules version 2 (with the bounds shown); the demo's rules stay at 1."""
    from lib import workspaces as ws
    from lib.demo.seed import seed_demo

    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    monkeypatch.delenv(ws.REGISTRY_ENV, raising=False)
    seed_demo(open_store(url), customers=300, snapshots=2)
    at = app()
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value((telco_file.name, telco_file.read_bytes(), "text/csv")).run()
    assert not at.exception
    use = next(c for c in at.checkbox if c.label.startswith("Use these thresholds"))
    assert use.value is True
    bound = next(x for x in at.number_input if x.label.startswith("4 star from")).value
    window_box(at).set_value("unknown").run()
    next(c for c in at.checkbox if c.label.startswith("I have checked")).check().run()
    import_button(at).click().run()
    assert not at.exception
    own = next(w for w in ws.list_workspaces() if not w.is_demo and w.store_url != url)
    rules = current_rules(open_store(own.store_url))
    assert rules.version == 2 and rules.tier_spend_min[3] == pytest.approx(bound)
    assert current_rules(open_store(url)).version == 1
