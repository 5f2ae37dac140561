"""The usage-trend stage rule on a hand base, on DuckDB and PostgreSQL.

Snapshots at the end of January and April 2026 (three months apart, the rules'
``usage_trend_months``). Usage trend = mean over the usage columns that have a value now and
above 0 three months earlier of ``now / earlier - 1``; decline at or below -0.5 (shipped rules).
Spend is flat, no complaints, so only usage can make a customer declining.

| customer | tenure in April | usage January -> April                      | trend  | stage   |
|----------|-----------------|---------------------------------------------|--------|---------|
| U1       | 24 months       | voice 100 -> 40, data 10 -> 4               | -0.6   | decline |
| U2       | 24 months       | voice 100 -> 80, data 10 -> 8               | -0.2   | maturity|
| U3       | 4 months        | voice 100 -> 10                             | -0.9   | acquisition (comes first) |
| U4       | 8 months        | data only 10 -> 4 (voice blank)             | -0.6   | decline (else growth) |
| U5       | 24 months       | voice 0 -> 50, sms 20 -> 5 (0 is no base)   | -0.75  | decline |
| U6       | 24 months       | no January row                              | null   | maturity|
"""
import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from lib.pipeline.derive import derive
from lib.rules import edit_rules_text, parse_rules
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.pipeline.snapshots import write_snapshots
from lib.store import customers, read_frame

JAN, APR = dt.date(2026, 1, 31), dt.date(2026, 4, 30)
OLD = dt.date(2024, 4, 15)
USAGE = {  # customer -> (join date, January usage or None, April usage)
    "U1": (OLD, {"voice_minutes": 100.0, "data_gb": 10.0}, {"voice_minutes": 40.0, "data_gb": 4.0}),
    "U2": (OLD, {"voice_minutes": 100.0, "data_gb": 10.0}, {"voice_minutes": 80.0, "data_gb": 8.0}),
    "U3": (dt.date(2026, 1, 2), {"voice_minutes": 100.0}, {"voice_minutes": 10.0}),
    "U4": (dt.date(2025, 8, 20), {"data_gb": 10.0}, {"data_gb": 4.0}),
    "U5": (OLD, {"voice_minutes": 0.0, "sms": 20.0}, {"voice_minutes": 50.0, "sms": 5.0}),
    "U6": (OLD, None, {"voice_minutes": 10.0}),
}


def snapshot(date, month):
    rows = []
    for cid, (joined, *usage) in USAGE.items():
        if usage[month] is None:
            continue
        rows.append({"customer_id": cid, "join_date": joined, "churned": False,
                     **{f"spend_m{i}": 80.0 for i in range(1, 7)}, **usage[month]})
    schema = {"customer_id": pl.String, "join_date": pl.Date, "churned": pl.Boolean,
              **{f"spend_m{i}": pl.Float64 for i in range(1, 7)},
              "voice_minutes": pl.Float64, "data_gb": pl.Float64, "sms": pl.Float64}
    return derive(pl.DataFrame(rows, schema=schema), date)


def stages(engine, date=APR) -> dict[str, str]:
    c = customers.c
    frame = read_frame(engine, sa.select(c.customer_id, c.stage).where(c.snapshot_date == date))
    return dict(zip(frame["customer_id"].to_list(), frame["stage"].to_list()))


EXPECTED = {"U1": "decline", "U2": "maturity", "U3": "acquisition", "U4": "decline",
            "U5": "decline", "U6": "maturity"}


def test_usage_trend_makes_a_customer_declining(engine):
    rules = current_rules(engine)
    write_snapshots(engine, snapshot(JAN, 0), rules=rules, source_name="jan", churn_window_months=1)
    write_snapshots(engine, snapshot(APR, 1), rules=rules, source_name="apr", churn_window_months=1)
    assert stages(engine) == EXPECTED
    # January has no earlier row: nobody declines on usage there
    assert "decline" not in stages(engine, JAN).values()


def test_snapshots_imported_out_of_order_are_regraded(engine):
    rules = current_rules(engine)
    write_snapshots(engine, snapshot(APR, 1), rules=rules, source_name="apr", churn_window_months=1)
    assert "decline" not in stages(engine).values()          # no January yet: no usage trend
    write_snapshots(engine, snapshot(JAN, 0), rules=rules, source_name="jan", churn_window_months=1)
    assert stages(engine) == EXPECTED


def test_editing_the_usage_rule_regrades_the_stored_rows(engine):
    """The Data page's rules editor path: save_rules re-derives every stored stage."""
    rules = current_rules(engine)
    write_snapshots(engine, snapshot(JAN, 0), rules=rules, source_name="jan", churn_window_months=1)
    write_snapshots(engine, snapshot(APR, 1), rules=rules, source_name="apr", churn_window_months=1)
    text = edit_rules_text(rules.text, {"lifecycle.decline_max_usage_trend": -0.7})
    save_rules(engine, text)
    # -0.7: U1 and U4 (-0.6) are no longer declining, U5 (-0.75) still is
    assert stages(engine) == {**EXPECTED, "U1": "maturity", "U4": "growth"}
    text = edit_rules_text(text, {"lifecycle.usage_columns": ["voice_minutes"]})
    save_rules(engine, text)
    # voice only: U5's voice had no base (0), so it has no trend; U4 has no voice
    assert stages(engine) == {**EXPECTED, "U1": "maturity", "U4": "growth", "U5": "maturity"}


def test_rules_without_the_usage_keys_leave_it_off(engine):
    rules = current_rules(engine)
    text = "\n".join(line for line in rules.text.splitlines()
                     if not line.startswith(("decline_max_usage_trend", "usage_")))
    old = parse_rules(text)
    assert old.decline_max_usage_trend is None
    write_snapshots(engine, snapshot(JAN, 0), rules=old, source_name="jan", churn_window_months=1)
    write_snapshots(engine, snapshot(APR, 1), rules=old, source_name="apr", churn_window_months=1)
    assert stages(engine) == {**EXPECTED, "U1": "maturity", "U4": "growth", "U5": "maturity"}


def test_bad_usage_columns_are_a_rules_error():
    from lib.rules import RulesError, default_rules
    text = edit_rules_text(default_rules().text, {"lifecycle.usage_columns": ["spend_m1"]})
    with pytest.raises(RulesError) as err:
        parse_rules(text)
    assert err.value.code == "rules_bad_usage_columns"
