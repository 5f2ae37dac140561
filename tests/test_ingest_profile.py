"""The file profile beside the preview and the checks before an import.

Expected figures are recomputed from the file with plain polars or the csv module, or worked
by hand in the test's docstring; never with the profile's own helpers.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import statistics

import polars as pl
import pytest

from lib.auth import User, acting_as
from lib.ingest import read_table, validate
from lib.ingest.importer import check_file, store_validated
from lib.ingest.mapping import auto_map
from lib.ingest.profile import profile
from lib.pipeline.prechecks import import_prechecks, precheck_text
from lib.rules import default_rules
from lib.pipeline.migrations import open_store
from lib.store.schema import DAYS_PER_MONTH

SNAP = dt.date(2026, 10, 31)
TODAY = dt.date(2026, 12, 1)


def figure(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.fixture
def analyst():
    with acting_as(User("ana", "analyst")) as user:
        yield user


def test_profile_of_the_telco_file_matches_polars(telco_file, analyst):
    result = check_file(telco_file.read_bytes(), telco_file.name, snapshot_date=SNAP, today=TODAY)
    mapping = auto_map(list(pl.read_csv(telco_file, infer_schema=False).columns))
    found = profile(result.accepted, result.sources)
    raw = pl.read_csv(telco_file)
    assert found.rows == raw.height
    assert found.churn_share == pytest.approx(raw["Churn"].mean())
    rows = {r["field"]: r for r in found.fields.iter_rows(named=True)}
    assert list(rows) == [f for f in ("tenure_months", "churned", "spend_m1", "province",
                                      "service_calls") if f in mapping]
    # tenure: "Account length" in days, stored in months (days / (365.25 / 12))
    months = raw["Account length"] / DAYS_PER_MONTH
    tenure = rows["tenure_months"]
    assert tenure["column"] == "Account length" and tenure["null_share"] == 0
    assert tenure["distinct"] == raw["Account length"].n_unique()
    for key, value in (("min", months.min()), ("median", months.median()), ("max", months.max())):
        assert figure(tenure[key]) == pytest.approx(value, abs=0.005)
    # spend: the four charges added up per row
    spend = raw.select(pl.sum_horizontal("Total day charge", "Total eve charge",
                                         "Total night charge", "Total intl charge"))[:, 0]
    # shown to the cent: at most half a cent off, and the raw sums carry float noise (a median
    # of 59.254999… is shown as 59.26 from the cent-rounded sums)
    assert figure(rows["spend_m1"]["median"]) == pytest.approx(spend.median(), abs=0.0051)
    assert figure(rows["spend_m1"]["max"]) == pytest.approx(spend.max(), abs=0.0051)
    # province: the state codes, most frequent first with their counts
    counts = raw["State"].value_counts(sort=True).head(3)
    assert rows["province"]["distinct"] == raw["State"].n_unique()
    first_state, first_count = counts.row(0)
    assert rows["province"]["top"].startswith(f"{first_state} {first_count:,}")
    # the churn flag's top values: TRUE/FALSE counted by polars
    churners = int(raw["Churn"].sum())
    assert f"true {churners:,}" in rows["churned"]["top"]


BLANKS = ("customer_id,tenure_months,churned,arpu,province\n"
          "a,12,no,10,广东\nb,,yes,,广东\nc,30,no,55,\nd,5,no,,浙江\ne,40,yes,200,广东\n")


def test_null_shares_and_distinct_counts_match_the_csv_module():
    raw = read_table(BLANKS.encode(), "blanks.csv")
    mapping = auto_map(raw.frame.columns, raw.frame)
    result = validate(raw, mapping, snapshot_date=SNAP, today=TODAY)
    rows = list(csv.DictReader(io.StringIO(BLANKS)))
    kept = [r for r in rows if r["tenure_months"] and r["arpu"]]   # rows the import accepts
    found = {r["field"]: r for r in profile(result.accepted, mapping).fields.iter_rows(named=True)}
    assert result.rows_accepted == len(kept)
    blank_province = sum(1 for r in kept if not r["province"])
    assert found["province"]["null_share"] == pytest.approx(blank_province / len(kept))
    assert found["province"]["distinct"] == len({r["province"] for r in kept if r["province"]})
    assert figure(found["arpu"]["median"]) == statistics.median(float(r["arpu"]) for r in kept)


# --------------------------------------------------------------------------- before an import

TINY = ("customer_id,tenure_months,churned,arpu\n" + "".join(
    f"c{i},24,{'yes' if i < 3 else 'no'},{10 * (i + 1)}\n" for i in range(8)))


def checked(text: str) -> tuple:
    raw = read_table(text.encode(), "tiny.csv")
    mapping = auto_map(raw.frame.columns, raw.frame)
    return validate(raw, mapping, snapshot_date=SNAP, today=TODAY), mapping


def codes(found) -> list[str]:
    return [code for code, _ in found]


def test_churn_share_against_the_window(tmp_path):
    """3 churners of 8 = 37.5 %. At 0.1 a month, a 3-month window allows 30 % (warned), a
    4-month window 40 % (fine); an unknown window is not judged."""
    engine = open_store(f"duckdb:///{tmp_path}/s.duckdb")
    result, mapping = checked(TINY)
    rules = default_rules()
    three = import_prechecks(engine, result.accepted, mapping, SNAP, 3, rules)
    assert "precheck_churn_share_window" in codes(three)
    text = precheck_text(next(c for c in three if c[0] == "precheck_churn_share_window"), rules)
    assert text.startswith("37.5% of the accepted customers are flagged as churned, for a churn "
                           "window of 3 month(s): more than 30.0%")
    assert "precheck_churn_share_window" not in codes(
        import_prechecks(engine, result.accepted, mapping, SNAP, 4, rules))
    assert "precheck_churn_share_window" not in codes(
        import_prechecks(engine, result.accepted, mapping, SNAP, None, rules))


def test_generated_ids_into_a_store_with_snapshots_are_warned(tmp_path, analyst):
    """Without an id column the ids are row numbers (R0000001, ...): harmless for the first
    snapshot of a workspace, wrong against stored ones. Same 8 rows with and without ids."""
    engine = open_store(f"duckdb:///{tmp_path}/s.duckdb")
    rules = default_rules()
    no_ids = "\n".join(line.split(",", 1)[1] for line in TINY.splitlines()) + "\n"
    assert no_ids.splitlines()[0] == "tenure_months,churned,arpu"
    result, mapping = checked(no_ids)
    assert "customer_id" not in mapping
    assert "precheck_ids_generated_stored" not in codes(
        import_prechecks(engine, result.accepted, mapping, SNAP, 1, rules))   # empty store
    first, first_mapping = checked(TINY)
    store_validated(engine, first, "tiny.csv", snapshot_date=SNAP, churn_window_months=1)
    found = import_prechecks(engine, result.accepted, mapping, dt.date(2026, 11, 30), 1, rules)
    warned = next(c for c in found if c[0] == "precheck_ids_generated_stored")
    assert warned[1] == {"snapshots": 1}
    assert "1 snapshot(s)" in precheck_text(warned, rules)
    assert "1 个快照" in precheck_text(warned, rules, "zh")
    assert "precheck_ids_generated_stored" not in codes(     # with its ids: nothing to warn
        import_prechecks(engine, first.accepted, first_mapping, dt.date(2026, 11, 30), 1, rules))


def test_no_churner_is_warned(tmp_path):
    engine = open_store(f"duckdb:///{tmp_path}/s.duckdb")
    result, mapping = checked(TINY.replace("yes", "no"))
    found = import_prechecks(engine, result.accepted, mapping, SNAP, 1, default_rules())
    assert codes(found) == ["precheck_churn_none"]


def test_spend_against_the_tier_thresholds(tmp_path):
    """Shipped tiers: floors 0, 50, 100, 200, 400. Spend 1–8 a month: 8 of 8 below 50 (100 % >
    90 %). Spend 500–1200: 8 of 8 at or above 400 (100 % > 50 %). Spend 10–80: 4 of 8 below 50
    (50 %), none at 400: fine."""
    engine = open_store(f"duckdb:///{tmp_path}/s.duckdb")
    rules = default_rules()
    low, mapping = checked(TINY.replace(",10\n", ",1\n").replace("0\n", "\n"))
    assert low.accepted["arpu"].max() < 50
    found = import_prechecks(engine, low.accepted, mapping, SNAP, 4, rules)
    lowest = next(c for c in found if c[0] == "precheck_spend_lowest_tier")
    assert precheck_text(lowest, rules).startswith(
        "100.0% of the customers spend less than 50.0 a month, the floor of 2 star")
    assert "二星" in precheck_text(lowest, rules, "zh")
    high_text = "customer_id,tenure_months,churned,arpu\n" + "".join(
        f"c{i},24,{'yes' if i < 3 else 'no'},{500 + 100 * i}\n" for i in range(8))
    high, mapping = checked(high_text)
    assert "precheck_spend_top_tier" in codes(
        import_prechecks(engine, high.accepted, mapping, SNAP, 4, rules))
    fine, mapping = checked(TINY)
    assert not {"precheck_spend_top_tier", "precheck_spend_lowest_tier"} & set(
        codes(import_prechecks(engine, fine.accepted, mapping, SNAP, 4, rules)))


def test_a_stored_snapshot_date_is_warned_before_the_import(tmp_path, analyst):
    engine = open_store(f"duckdb:///{tmp_path}/s.duckdb")
    result, mapping = checked(TINY)
    assert "precheck_date_stored" not in codes(
        import_prechecks(engine, result.accepted, mapping, SNAP, 4, default_rules()))
    store_validated(engine, result, "tiny.csv", snapshot_date=SNAP, churn_window_months=4)
    found = import_prechecks(engine, result.accepted, mapping, SNAP, 4, default_rules())
    stored = next(c for c in found if c[0] == "precheck_date_stored")
    app = precheck_text(stored, default_rules(), replace="Replace a stored snapshot")
    assert app.startswith("Snapshot 2026-10-31 is already stored (8 rows).")
    assert "“Replace a stored snapshot” ticked" in app and "--" not in app
    from lib.i18n import surface

    with surface("cli"):
        assert "--replace" in precheck_text(stored, default_rules())
