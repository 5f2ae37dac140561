"""Overview queries on the hand-made base (tests/factories.py), on DuckDB and PostgreSQL.

Every expected figure below is worked by hand from the base's docstring.
"""
import pytest

from lib.overview.kpis import build_overview
from lib.store.filters import Filters
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.pipeline.migrations import open_store
from tests.factories import S1, S2, two_snapshots


@pytest.fixture
def engine(db_url):
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    yield engine
    engine.dispose()


def overview(engine, filters):
    with engine.connect() as conn:
        return build_overview(conn, filters, current_rules(engine))


def test_overview_of_the_latest_snapshot(engine):
    view = overview(engine, Filters(S2))
    assert view.previous_date == S1
    assert view.photo_date == S1
    assert view.kpi("kpi_active").value == 4            # A, C, E, F
    assert view.kpi("kpi_active").previous == 5         # A, B, C, E, G
    assert view.kpi("kpi_vip").value == 1               # A
    assert view.kpi("kpi_vip_revenue_share").value == pytest.approx(300 / 390)
    assert view.kpi("kpi_vip_retention").value == pytest.approx(0.5)   # A of A, B
    assert view.kpi("kpi_vip_retention").previous is None               # no photo before Q3
    # counted base: A, B, C (G involuntary, E and F under 3 months); churner B
    assert view.kpi("kpi_monthly_churn").value == pytest.approx(1 / 3)
    assert view.kpi("kpi_monthly_churn").previous == pytest.approx(1 / 5)  # D of A B C D G
    assert view.kpi("kpi_churn_to_gross_add").value == pytest.approx(2.0)  # B, G over F
    assert view.kpi("kpi_arpu").value == pytest.approx(390 / 4)
    assert view.kpi("kpi_arpu").meets_target is True     # target 80
    assert view.kpi("kpi_monthly_churn").meets_target is False
    # tier 4: A active (300/month), churn 1/2 a month; 12 months: 300 * (12 - (1 - 0.5**12))
    assert view.kpi("kpi_revenue_at_risk").value == pytest.approx(300 * (11 + 0.5 ** 12))


def test_trend_has_one_row_per_snapshot(engine):
    view = overview(engine, Filters(S2))
    assert view.trend["snapshot_date"].to_list() == [S1, S2]
    assert view.trend["active"].to_list() == [5, 4]


def test_pareto_curve_of_four_active_customers(engine):
    curve = overview(engine, Filters(S2)).pareto
    assert curve["customer_share"].to_list() == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert curve["revenue_share"].to_list() == pytest.approx([0, 300 / 390, 340 / 390, 370 / 390, 1])


def test_headline_top_share_is_counted_over_the_active_customers(engine):
    view = overview(engine, Filters(S2))
    # rules: top 20 % of the 4 active (A 300, F 40, E 30, C 20) = ceil(0.8) = 1 customer: A
    assert view.top_customer_share == pytest.approx(0.2)
    assert view.top_revenue_share == pytest.approx(300 / 390)


def test_province_filter(engine):
    view = overview(engine, Filters(S2, provinces=("广东",)))
    assert view.kpi("kpi_active").value == 1
    assert view.kpi("kpi_arpu").value == pytest.approx(300)
    assert view.kpi("kpi_monthly_churn").value == pytest.approx(0.5)
    assert view.kpi("kpi_vip_retention").value == pytest.approx(0.5)


def test_tier_filter(engine):
    view = overview(engine, Filters(S2, tiers=(1,)))
    assert view.kpi("kpi_active").value == 3            # C, E, F
    assert view.kpi("kpi_vip").value == 0
    assert view.kpi("kpi_vip_retention").value is None  # no VIP in the photo under this filter


def test_earlier_snapshot_has_no_previous(engine):
    view = overview(engine, Filters(S1))
    assert view.previous_date is None
    assert view.kpi("kpi_active").change is None
    assert view.kpi("kpi_churn_to_gross_add").value == pytest.approx(1.0)  # D over E


def polars_tier(frame, rules):
    """An independent statement of the tier rule, in polars."""
    import polars as pl

    tier = pl.lit(1)
    for number, bound in enumerate(rules.tier_spend_min[1:], start=2):
        tier = pl.when(pl.col("spend_avg_6m") >= bound).then(number).otherwise(tier)
    six = pl.col("key_person") | (pl.col("points") >= rules.six_star_points_min)
    return frame.with_columns(tier=pl.when(six).then(6).otherwise(tier))


def test_cube_figures_equal_a_direct_count_on_the_demo_base(db_url):
    import polars as pl

    from lib.demo.generate import generate_snapshots
    from lib.pipeline.derive import derive

    engine = open_store(db_url)
    rules = current_rules(engine)
    frames = [derive(f) for f in generate_snapshots(customers=2000, snapshots=4, seed=3)]
    for frame in frames:
        write_snapshots(engine, frame, rules=rules, source_name="demo", churn_window_months=1)
    latest = polars_tier(frames[-1], rules)
    province = latest["province"].drop_nulls().mode()[0]
    view = overview(engine, Filters(latest["snapshot_date"][0], provinces=(province,), tiers=(1, 4, 6)))
    rows = latest.filter(pl.col("province") == province, pl.col("tier").is_in([1, 4, 6]))
    active = rows.filter(~pl.col("churned"))
    counted = rows.filter((pl.col("churn_type").fill_null("") != "involuntary")
                          & (pl.col("tenure_months") >= 3) & ~pl.col("group_paid"))
    assert view.kpi("kpi_active").value == active.height
    assert view.kpi("kpi_vip").value == active.filter(pl.col("tier") >= 4).height
    assert view.kpi("kpi_arpu").value == pytest.approx(active["spend_m1"].fill_null(0).mean())
    assert view.kpi("kpi_monthly_churn").value == pytest.approx(counted["churned"].mean())
    assert view.pareto["customer_share"][-1] == pytest.approx(1.0)
    engine.dispose()


def test_a_version_1_database_is_migrated_to_the_cube(db_url):
    from sqlalchemy import delete, insert, text

    from lib.store import schema_version

    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    with engine.begin() as conn:   # make it look like a database written by version 1
        conn.execute(text("DROP TABLE customer_cube"))
        conn.execute(text("ALTER TABLE customers DROP COLUMN spend_band"))
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=1, applied_at=S1))
    engine.dispose()
    migrated = open_store(db_url)
    view = overview(migrated, Filters(S2))
    assert view.kpi("kpi_active").value == 4
    assert view.kpi("kpi_monthly_churn").value == pytest.approx(1 / 3)
    assert view.pareto["revenue_share"].to_list() == pytest.approx([0, 300 / 390, 340 / 390, 370 / 390, 1])
    migrated.dispose()
