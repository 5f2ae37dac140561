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


@pytest.mark.parametrize(("value", "unit", "lang", "currency", "expected"), [
    # hand-written: what a reader of each language expects to see
    (1_234_567, "currency", "en", fmt.Currency("USD", "$"), "$1.23M"),
    (1_234_567, "currency", "zh", fmt.Currency(), "¥123.5万"),
    (-12_345, "currency", "en", fmt.Currency("USD", "$"), "-$12.3k"),
    (2.5e8, "currency", "zh", fmt.Currency(), "¥2.50亿"),
    (59.27, "currency", "en", fmt.Currency("USD", "$"), "$59.3"),
    (12345, "count", "zh", None, "12,345"),
    (0.0755, "share", "zh", None, "7.5%"),
    (3.25, "months", "en", None, "3.2"),
    (None, "currency", "zh", fmt.Currency(), "–"),
    (float("nan"), "share", "en", None, "–"),
])
def test_numbers_by_unit_and_language(value, unit, lang, currency, expected):
    assert fmt.number(value, unit, lang, currency) == expected


@pytest.mark.parametrize(("delta", "unit", "lang", "expected"), [
    (0.00004, "share", "en", "0.0 pp"),        # rounds to zero: no sign, shown grey
    (-0.00004, "share", "zh", "0.0 个百分点"),
    (0.0123, "share", "en", "+1.2 pp"),
    (0.0, "count", "en", "0"),
    (0.004, "ratio", "en", "0.00"),
    (3, "count", "en", "+3"),
])
def test_changes_have_no_sign_when_they_show_as_zero(delta, unit, lang, expected):
    assert fmt.change(delta, unit, lang) == expected


def test_cards_colour_changes_by_direction_and_zero_is_grey():
    from lib.overview.kpis import delta_color
    assert delta_color(Kpi("kpi_arpu", 80.0, "currency", 80.04, 80.0, "min")) == "off"
    assert delta_color(Kpi("kpi_arpu", 81.0, "currency", 80.0, 80.0, "min")) == "normal"
    assert delta_color(Kpi("kpi_monthly_churn", 0.02, "share", 0.01, 0.025, "max")) == "inverse"
    assert delta_color(Kpi("kpi_active", 10.0, "count")) == "off"   # no previous snapshot


@pytest.mark.parametrize(("low", "high", "unit", "lang", "labels"), [
    # 96,000..96,800 active customers: every tick distinct, in 万 as the Chinese cards write
    (96_000, 96_800, "count", "zh", ["9.60万", "9.62万", "9.64万", "9.66万", "9.68万"]),
    (0, 96_800, "count", "en", ["0", "25k", "50k", "75k", "100k"]),
    (0, 1.2e8, "currency", "zh", ["¥0", "¥0.5亿", "¥1.0亿", "¥1.5亿"]),
    (0.021, 0.0213, "share", "en", ["2.10%", "2.11%", "2.12%", "2.13%"]),
    # a flat series of 5: ticks 0..6, never "5, 5, 5"
    (5, 5, "count", "en", ["0", "2", "4", "6"]),
])
def test_axis_ticks_read_in_the_cards_units_and_never_repeat(low, high, unit, lang, labels):
    ticks = fmt.nice_ticks(low, high)
    assert fmt.axis_labels(ticks, unit, lang, fmt.Currency() if unit == "currency" else None) == labels


@pytest.mark.parametrize(("value", "unit", "lang", "expected"), [
    (1234567.891, "currency", "en", "$1,234,567.89"),   # a table keeps every digit
    (None, "share", "zh", "–"),
    (0.25, "share", "en", "25.0%"),
    (48213, "count", "zh", "48,213"),
    ("北京", "count", "zh", "北京"),
])
def test_table_cells_by_unit(value, unit, lang, expected):
    assert fmt.column_formatter(unit, lang, fmt.Currency("USD", "$"))(value) == expected


@pytest.mark.parametrize(("feature", "lang", "expected"), [
    ("data_gb", "en", "data (GB a month)"),
    ("voice_minutes", "zh", "语音（分钟/月）"),
    ("spend_avg_6m", "en", "spend (USD a month)"),
])
def test_cluster_features_are_named_with_their_units(feature, lang, expected):
    from lib.segments.charts import feature_label
    assert feature_label(feature, lang, "USD") == expected


@pytest.mark.parametrize(("column", "dtype", "unit"), [
    ("arpu", pl.Float64, "currency"), ("monthly_churn", pl.Float64, "share"),
    ("customers", pl.Int64, "count"), ("mean_minutes", pl.Float64, "number"), ("tier", pl.String, None)])
def test_segment_columns_have_units(column, dtype, unit):
    from lib.segments.columns import unit_of
    assert unit_of(column, dtype) == unit


def test_money_headers_name_the_currency():
    from lib.segments.columns import money_header
    assert money_header("ARPU", "arpu", fmt.Currency("USD", "$"), "en") == "ARPU (USD)"
    assert money_header("收入", "revenue", fmt.Currency(), "zh") == "收入（CNY）"
    assert money_header("Customers", "customers", fmt.Currency(), "en") == "Customers"


def test_table_cells_from_numpy_scalars():
    """A pandas table hands numpy scalars to the formatter: an int64 count still gets its
    thousands separator, a NaN share its dash."""
    import numpy as np
    assert fmt.column_formatter("count")(np.int64(48213)) == "48,213"
    assert fmt.column_formatter("share")(np.float64("nan")) == "–"
    assert fmt.column_formatter("currency", "en", fmt.Currency())(np.float32(2.5)) == "¥2.50"
