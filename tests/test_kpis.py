"""KPI arithmetic against hand-worked cases."""
import datetime as dt

import polars as pl
import pytest

from lib.common import fmt
from lib.overview.kpis import (
    Kpi,
    monthly_rate,
    pareto_curve,
    quarter_photo_date,
    revenue_at_risk,
    revenue_share_of_top,
)


def test_monthly_rate_converts_a_three_month_share():
    # ln(0.855) = -0.156654; / 3 = -0.052218; exp(-0.052218) = 0.949122 -> 5.088 % a month
    assert monthly_rate(0.145, 3) == pytest.approx(0.050878, abs=1e-6)
    assert monthly_rate(0.02, 1) == pytest.approx(0.02)
    assert monthly_rate(None, 1) is None


def test_revenue_at_risk_sums_the_lost_months():
    # two months at 10 %: lost shares 0.1 and 0.19 -> 0.29 of a month's revenue
    assert revenue_at_risk(1000.0, 0.1, 2) == pytest.approx(290.0)
    assert revenue_at_risk(1000.0, 0.0, 12) == pytest.approx(0.0)
    assert revenue_at_risk(100.0, 1.0, 3) == pytest.approx(300.0)


@pytest.mark.parametrize(("current", "expected"), [
    (dt.date(2026, 10, 31), dt.date(2026, 9, 30)),   # first month of Q4: photo = end of Q3
    (dt.date(2026, 12, 31), dt.date(2026, 9, 30)),   # still Q4
    (dt.date(2026, 9, 30), dt.date(2026, 6, 30)),    # Q3 opens after June
    (dt.date(2026, 6, 30), None),                    # nothing before Q2
])
def test_quarter_photo_is_the_last_snapshot_before_the_quarter(current, expected):
    stored = [dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 10, 31), dt.date(2026, 12, 31)]
    assert quarter_photo_date(current, stored) == expected


def test_pareto_curve_is_cumulative_and_starts_at_zero():
    buckets = pl.DataFrame({"band": [9, 3], "customers": [1, 1], "revenue": [80.0, 20.0]})
    curve = pareto_curve(buckets)
    assert curve["customer_share"].to_list() == [0.0, 0.5, 1.0]
    assert curve["revenue_share"].to_list() == pytest.approx([0.0, 0.8, 1.0])
    assert revenue_share_of_top(curve, 0.25) == pytest.approx(0.4)


def test_kpi_target_direction_and_change():
    floor = Kpi("kpi_vip_retention", 0.88, "share", 0.91, 0.9, "min")
    ceiling = Kpi("kpi_monthly_churn", 0.02, "share", 0.03, 0.025, "max")
    assert floor.meets_target is False
    assert ceiling.meets_target is True
    assert floor.change == pytest.approx(-0.03)
    assert Kpi("kpi_active", None, "count").meets_target is None


def test_formatting_by_unit_and_language():
    assert fmt.number(0.1234, "share") == "12.3%"
    assert fmt.number(1_234_567, "currency") == "1.23M"
    assert fmt.number(1_234_567, "currency", "zh") == "123.5万"
    assert fmt.number(2.5e8, "currency", "zh") == "2.50亿"
    assert fmt.number(12345, "count") == "12,345"
    assert fmt.change(-0.012, "share") == "-1.2 pp"
    assert fmt.number(None, "count") == "–"
