"""The Lifecycle page through AppTest: on a small demo base and on an imported telecom export
(tests/data/telco_churn.csv: the BigML churn file's header and quirks)."""
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from lib.ingest.importer import import_file
from lib.demo.seed import seed_demo
from lib.pipeline.migrations import open_store
from lib.ui import Keys
from tests.rendered import shown   # AppTest gives markdown source: data fields escaped

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('lifecycle')}/demo.duckdb"
    engine = open_store(url)
    seed_demo(engine, customers=4000, snapshots=6, seed=3)
    engine.dispose()
    return url


TABS = {"stages": "Stages", "funnel": "Funnel by join cohort", "cohorts": "Cohort retention",
        "survival": "Survival", "value": "Projection and CLV", "churn": "Churn types and reasons"}


def lifecycle_page(url: str, monkeypatch, tab: str = "stages") -> AppTest:
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/lifecycle.py")
    at.session_state["lifecycle_tab"] = TABS[tab]
    at.run()
    return at


def open_tab(at: AppTest, tab: str) -> AppTest:
    """Open another tab (the page's tabs run lazily: only the open one draws)."""
    at.session_state["lifecycle_tab"] = TABS[tab]
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_demo_base_shows_every_view(demo_url, monkeypatch):
    at = lifecycle_page(demo_url, monkeypatch)
    assert_clean(at)
    assert at.title[0].value == "Lifecycle"
    assert [tab.label for tab in at.tabs] == list(TABS.values())
    assert "involuntary churn, tenure under 3 months, group-paid lines" in shown(at.info[0].value)
    texts = " ".join(m.value for m in at.markdown)
    assert "Maturity:" in texts and "Playbook: Bundling" in texts
    assert len(at.get("plotly_chart")) == 1                    # only the open tab draws
    open_tab(at, "funnel")
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2                    # step heatmap + chosen cohorts
    assert "not 0 %" in " ".join(c.value for c in at.caption)
    assert len(at.get("download_button")) == 1
    open_tab(at, "cohorts")
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1
    open_tab(at, "survival")
    assert_clean(at)
    assert "χ² =" in " ".join(m.value for m in at.markdown)  # log-rank between two tiers
    open_tab(at, "value")
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2
    # the value table has a fitted CLV for the largest tier
    assert at.dataframe[0].value["CLV, new customer"].notna().any()
    open_tab(at, "churn")
    assert_clean(at)
    assert len(at.get("plotly_chart")) >= 1


def test_widgets_change_the_views(demo_url, monkeypatch):
    at = lifecycle_page(demo_url, monkeypatch)
    at.toggle(key="lifecycle_exclude_involuntary").set_value(False)
    at.toggle(key="lifecycle_exclude_tenure").set_value(False)
    at.toggle(key="lifecycle_exclude_group_paid").set_value(False).run()
    assert_clean(at)
    assert "No exclusions" in at.info[0].value
    open_tab(at, "survival")
    at.selectbox(key="lifecycle_survival_dimension").set_value("brand").run()
    assert_clean(at)
    open_tab(at, "cohorts")
    at.selectbox(key="lifecycle_cohort_dimension").set_value("tier").run()
    assert_clean(at)
    open_tab(at, "funnel")
    at.selectbox(key="lifecycle_funnel_dimension").set_value("tier").run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) >= 1
    at.multiselect(key="lifecycle_types").set_value([]).run()
    assert "Pick at least one churn type." in at.warning[0].value


def test_page_in_chinese(demo_url, monkeypatch):
    at = lifecycle_page(demo_url, monkeypatch)
    at.session_state[Keys.LANG] = "zh"
    at.run()
    assert_clean(at)
    assert at.title[0].value == "生命周期"
    assert "被动离网" in at.info[0].value


def test_imported_telco_file(tmp_path, monkeypatch, telco_file):
    url = f"duckdb:///{tmp_path}/telco.duckdb"
    engine = open_store(url)
    result = import_file(engine, telco_file.read_bytes(), telco_file.name,
                         snapshot_date=dt.date(2026, 10, 31), churn_window_months=1)
    assert result.validation.rows_accepted == pl.read_csv(telco_file).height   # every row
    engine.dispose()
    at = lifecycle_page(url, monkeypatch)
    assert_clean(at)
    texts = " ".join(m.value for m in at.markdown)
    assert "Churned:" in texts
    # a single snapshot: every churner is "unknown" (a bare flag), counted by default
    charts = 0
    for tab in TABS:
        open_tab(at, tab)
        assert_clean(at)
        charts += len(at.get("plotly_chart"))
    assert charts >= 6
    # the file's own columns outside the contract are offered as dimensions (categories only:
    # "International plan" and "Area code", not measures such as "Total day minutes")
    open_tab(at, "survival")
    options = at.selectbox(key="lifecycle_survival_dimension").options
    assert "International plan (file column)" in options and "Area code (file column)" in options
    assert not any("Total day minutes" in o for o in options)
    at.selectbox(key="lifecycle_survival_dimension").set_value("attr:international_plan").run()
    assert_clean(at)
    groups = at.dataframe[0].value.iloc[:, 0].tolist()
    assert sorted(groups) == ["No", "Yes"]
    open_tab(at, "funnel")
    at.selectbox(key="lifecycle_funnel_dimension").set_value("attr:voice_mail_plan").run()
    assert_clean(at)
    at.selectbox(key="lifecycle_funnel_value").set_value("Yes").run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) >= 1


def test_tier_clv_for_other_pages(demo_url):
    """The Offers ROI page's entry point: value per tier with units in the column names."""
    from lib.lifecycle.value import tier_clv
    from lib.store.filters import Filters
    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import stored_dates

    engine = open_store(demo_url)
    with engine.connect() as conn:
        tiers = tier_clv(conn, Filters(stored_dates(engine)[-1]), current_rules(engine),
                         margin_share=0.5, annual_discount_rate=0.1)
    engine.dispose()
    assert tiers["tier"].to_list() == [1, 2, 3, 4, 5, 6]
    fitted = tiers.filter(tiers["gamma"].is_not_null())
    assert 1 in fitted["tier"].to_list()
    row = fitted.row(0, named=True)
    assert row["margin_per_month_currency"] == pytest.approx(0.5 * row["spend_avg_6m"])
    assert row["residual_clv_per_customer_currency"] == pytest.approx(
        row["derl_months"] * row["margin_per_month_currency"])
    assert row["clv_new_customer_currency"] == pytest.approx(
        row["expected_lifetime_months"] * row["margin_per_month_currency"])


def test_a_tier_the_data_do_not_identify_falls_back_visibly(tmp_path, monkeypatch):
    """A tier with fewer customers than the rules' minimum for a fit is not fitted: it gets no
    projection and is valued by the simple CLV at its observed churn, recomputed here from the
    lifetime rows in plain polars: churners / Σ customers·(duration − entry). (A fit that runs
    to the optimiser's bound takes the same path: tests/test_lifecycle_stats.py.)"""
    from lib.lifecycle.settings import default_definition, settings
    from lib.lifecycle.curves import lifetime_counts
    from lib.lifecycle.value import customer_value
    from lib.store.filters import Filters
    from lib.rules import edit_rules_text
    from lib.rules.versions import current_rules
    from lib.pipeline.regrade import save_rules
    from lib.pipeline.snapshots import stored_dates

    url = f"duckdb:///{tmp_path}/small.duckdb"
    engine = open_store(url)
    seed_demo(engine, customers=2000, snapshots=6)
    filters = Filters(stored_dates(engine)[-1])
    rules = current_rules(engine)
    with engine.connect() as conn:
        rows = lifetime_counts(conn, filters, rules, default_definition(rules).unconditional, "tier")
    sizes = rows.group_by("segment").agg(pl.col("customers").sum()).sort("customers")
    smallest, size = int(sizes["segment"][0]), int(sizes["customers"][0])
    # the minimum just above the smallest tier's customers: that tier alone is not fitted
    save_rules(engine, edit_rules_text(rules.text, {"lifecycle_analysis.min_fit_customers": size + 1}))
    rules = current_rules(engine)
    s = settings(rules)
    with engine.connect() as conn:
        view = customer_value(conn, filters, rules, default_definition(rules), 0.5, 0.1,
                              s.projection_months, s.min_fit_customers)
    engine.dispose()
    flagged = view.tiers.filter(pl.col("fit_status") != "fitted")
    assert smallest in flagged["tier"].to_list()
    row = flagged.filter(pl.col("tier") == smallest).row(0, named=True)
    assert row["fit_status"] == "too_few_customers"
    part = rows.filter(pl.col("segment") == str(smallest))
    churn = (part["event"] * part["customers"]).sum() / (
        (part["duration_months"] - part["entry_months"]) * part["customers"]).sum()
    d = 1.1 ** (1 / 12) - 1
    assert row["observed_monthly_churn"] == pytest.approx(churn)
    assert row["clv_source"] == "simple"
    assert row["residual_clv_per_customer_currency"] == pytest.approx(
        row["margin_per_month_currency"] * (1 + d) / (d + churn))
    assert view.projection.filter(pl.col("tier") == smallest)["sbg"].is_nan().all()   # no projection

    at = open_tab(lifecycle_page(url, monkeypatch), "value")
    assert_clean(at)
    warnings = [w.value for w in at.warning]
    assert any("retention is not identifiable" in w and "fewer customers" in w for w in warnings)
    shown = at.dataframe[0].value
    assert "simple CLV (not identifiable)" in shown["Value from"].tolist()
