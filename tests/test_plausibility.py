"""Plausibility warnings at import (lib.ingest.plausibility through lib.ingest.validate, the CLI and the Data
page): a tenure unit that looks wrong, spend that looks like a balance, a snapshot after today.

Every file is written by hand below, so the warnings it must (or must not) raise are known by
construction; the figures in the messages are worked out in the comments.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from lib.i18n import surface
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.cli import main
from lib.ingest.importer import check_file, mapping_for
from lib.ingest import FieldSource, IngestError, auto_map, read_table, validate
from lib.ingest.plausibility import CODES
from lib.rules import default_rules, edit_rules_text, parse_rules
from lib.pipeline.snapshots import list_snapshots
from lib.store import customers, read_frame
from lib.pipeline.migrations import open_store

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 4)
SNAP = dt.date(2026, 11, 30)

# A bank's churn file (as in the Kaggle "Bank Customer Churn" layout): Tenure in whole years
# 0–10, one customer per year of tenure, a Balance and a salary. Median tenure: 5.
BANK_TENURE = list(range(11))
BANK_BALANCE = [50_000 + 15_000 * i for i in range(11)]   # 50,000 … 200,000; median 125,000
BANK_CSV = "CustomerId,Tenure,Balance,EstimatedSalary,arpu,Exited\n" + "".join(
    f"{15600000 + i},{years},{balance},{90000 + i},{40 + i},{i % 2}\n"
    for i, (years, balance) in enumerate(zip(BANK_TENURE, BANK_BALANCE)))

# A telco file (IBM Telco layout): tenure in months 1–72, MonthlyCharges 20–120 a month.
TELCO_TENURE = [1, 5, 9, 14, 20, 27, 33, 41, 48, 55, 60, 66, 72]
TELCO_CSV = "customerID,tenure,MonthlyCharges,Churn\n" + "".join(
    f"C{i:04d},{months},{20 + 8 * i:.2f},{'Yes' if i % 4 == 0 else 'No'}\n"
    for i, months in enumerate(TELCO_TENURE))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored_tenure(url: str) -> pl.DataFrame:
    """Stored tenure (months) by customer id."""
    return read_frame(open_store(url), sa.select(customers.c.tenure_months)
                      .order_by(customers.c.customer_id))


def codes(result) -> list[str]:
    return [c for c in result.report.get_column("code").to_list() if c in CODES]


def message(result, code: str, lang: str = "en") -> str:
    rows = result.report.filter(pl.col("code") == code)
    assert rows.height == 1, result.report
    return rows.row(0, named=True)[f"message_{lang}"]


# --------------------------------------------------------------------------- tenure unit

def test_bank_tenure_in_years_read_as_months_is_questioned(tmp_path):
    path = write(tmp_path, "bank.csv", BANK_CSV)
    result = check_file(path.read_bytes(), path.name, snapshot_date=SNAP, today=TODAY)
    assert codes(result) == ["ingest_tenure_unit_values"]
    text = message(result, "ingest_tenure_unit_values")
    # Values 0–10, median 5, 99th percentile 10 (11 values: the "higher" 99th is the largest).
    # Read as months the longest tenure is 10 months < 16; as years 10 × 12 = 120 months.
    assert "Tenure (tenure_months) is read as months: values 0–10, median 5" in text
    assert "at most 10 months" in text and "Read as years it would be 120 months" in text
    assert "Unit of the tenure column" in text and "--" not in text   # the page's own box
    with surface("cli"):
        cli_text = message(check_file(path.read_bytes(), path.name, snapshot_date=SNAP,
                                      today=TODAY), "ingest_tenure_unit_values")
    assert "--tenure-unit years" in cli_text
    zh = message(result, "ingest_tenure_unit_values", "zh")
    assert "按月读取" in zh and "若按年读取则为 120 个月" in zh
    # A warning, not a refusal: every row is kept, the report blanks nothing.
    assert (result.rows_read, result.rows_accepted) == (11, 11)
    assert result.report.filter(pl.col("row").is_not_null()).height == 0


def test_the_years_unit_converts_and_silences_the_warning(tmp_path):
    path = write(tmp_path, "bank.csv", BANK_CSV)
    result = check_file(path.read_bytes(), path.name, snapshot_date=SNAP, today=TODAY,
                        tenure_unit="years")
    assert codes(result) == []
    # 0, 1, …, 10 years = 0, 12, …, 120 months.
    assert result.accepted.get_column("tenure_months").to_list() == [
        0.0, 12.0, 24.0, 36.0, 48.0, 60.0, 72.0, 84.0, 96.0, 108.0, 120.0]


def test_a_header_that_names_years_is_read_in_years_and_a_months_override_is_questioned():
    raw = read_table(BANK_CSV.replace("Tenure", "Tenure (years)").encode(), "bank.csv")
    mapping = auto_map(raw.frame.columns)
    assert mapping["tenure_months"] == FieldSource("tenure_months", ("Tenure (years)",), "years")
    assert codes(validate(raw, mapping, snapshot_date=SNAP, today=TODAY)) == []
    forced = {**mapping, "tenure_months": FieldSource("tenure_months", ("Tenure (years)",))}
    result = validate(raw, forced, snapshot_date=SNAP, today=TODAY)
    assert codes(result) == ["ingest_tenure_unit_header"]
    assert "names years, but the column is read as months (values 0–10, median 5)" in message(
        result, "ingest_tenure_unit_header")
    assert "表头 Tenure (years) 写明单位为年，但该列按月读取" in message(
        result, "ingest_tenure_unit_header", "zh")


def test_tenure_in_days_read_as_months_is_questioned():
    # 30, 330, …, 3,330 days (12 values, step 300): the 6th and 7th are 30 + 300 × 5 = 1,530
    # and 1,830, so the median is 1,680; the
    # 99th percentile is the largest, 3,330, i.e. 3,330 "months" > 600; as days
    # 3,330 × 12 / 365.25 = 109.4 months.
    days = [30 + 300 * i for i in range(12)]
    text = "id,tenure,arpu,churned\n" + "".join(f"c{i},{d},50,0\n" for i, d in enumerate(days))
    raw = read_table(text.encode(), "days.csv")
    result = validate(raw, auto_map(raw.frame.columns), snapshot_date=SNAP, today=TODAY)
    assert codes(result) == ["ingest_tenure_unit_values"]
    body = message(result, "ingest_tenure_unit_values")
    assert "values 30–3,330, median 1,680" in body
    assert "Read as days it would be 109.4 months" in body


def test_too_few_tenure_values_are_not_judged():
    # [import_checks] tenure_min_values = 10: nine bank rows say nothing about the unit.
    text = "id,Tenure,arpu,Exited\n" + "".join(f"c{i},{i},50,0\n" for i in range(9))
    raw = read_table(text.encode(), "small.csv")
    assert codes(validate(raw, auto_map(raw.frame.columns), snapshot_date=SNAP,
                          today=TODAY)) == []


def test_tenure_unit_without_a_tenure_column_is_refused():
    raw = read_table(b"id,join_date,arpu,churned\na,2020-01-01,5,0\n", "j.csv")
    with pytest.raises(IngestError) as caught:
        mapping_for(raw, tenure_unit="years")
    assert caught.value.code == "ingest_tenure_unit_unmapped"


# --------------------------------------------------------------------------- spend

def test_a_balance_mapped_as_spend_is_questioned(tmp_path):
    path = write(tmp_path, "bank.csv", BANK_CSV)
    result = check_file(path.read_bytes(), path.name, snapshot_date=SNAP, today=TODAY,
                        overrides={"arpu": FieldSource("arpu", ("Balance",))},
                        tenure_unit="years")
    assert codes(result) == ["ingest_spend_implausible"]
    # Median balance 125,000 (the 6th of 11); top star tier from 400, × 10 = 4,000.
    text = message(result, "ingest_spend_implausible")
    assert text.startswith("Balance (arpu) has a median of 125,000 a month, more than 10 times "
                           "the top star tier's threshold (400), i.e. above 4,000.")
    assert "余额" in message(result, "ingest_spend_implausible", "zh")
    assert result.rows_accepted == 11


def test_a_salary_mapped_as_spend_is_questioned_by_its_name():
    # Small enough to pass the figure check (median 85 < 4,000), but named a salary.
    text = "id,tenure,EstimatedSalary,churned\n" + "".join(
        f"c{i},{12 + i},{80 + i},0\n" for i in range(11))
    raw = read_table(text.encode(), "s.csv")
    mapping = {**auto_map(raw.frame.columns),
               "arpu": FieldSource("arpu", ("EstimatedSalary",))}
    result = validate(raw, mapping, snapshot_date=SNAP, today=TODAY)
    assert codes(result) == ["ingest_spend_named_like_balance"]
    assert "median 85 a month" in message(result, "ingest_spend_named_like_balance")


def test_the_spend_ceiling_follows_the_rules_in_force(tmp_path):
    path = write(tmp_path, "bank.csv", BANK_CSV)
    # Top tier from 400 × 1,000 = 400,000 > 200,000: the balances pass these rules.
    lenient = parse_rules(edit_rules_text(default_rules().text, {
        "import_checks.spend_median_max_top_tier_multiple": 1000}), version=2)
    result = check_file(path.read_bytes(), path.name, snapshot_date=SNAP, today=TODAY,
                        overrides={"arpu": FieldSource("arpu", ("Balance",))},
                        tenure_unit="years", rules=lenient)
    # Still named like a balance, so the name check speaks instead of the figure check.
    assert codes(result) == ["ingest_spend_named_like_balance"]


# --------------------------------------------------------------------------- snapshot date

def test_a_snapshot_date_after_today_is_questioned(tmp_path):
    path = write(tmp_path, "telco.csv", TELCO_CSV)
    result = check_file(path.read_bytes(), path.name, snapshot_date=dt.date(2027, 1, 31),
                        today=TODAY)
    assert codes(result) == ["ingest_snapshot_in_future"]
    # 2026-12-04 → 2027-01-31: 27 days left in December + 31 in January = 58 days.
    assert "2027-01-31 is after today (2026-12-04, 58 days ahead)" in message(
        result, "ingest_snapshot_in_future")
    assert result.rows_accepted == len(TELCO_TENURE)
    same_day = check_file(path.read_bytes(), path.name, snapshot_date=TODAY, today=TODAY)
    assert codes(same_day) == []


def test_a_clean_telco_file_raises_no_plausibility_warning(tmp_path):
    path = write(tmp_path, "telco.csv", TELCO_CSV)
    result = check_file(path.read_bytes(), path.name, snapshot_date=SNAP, today=TODAY)
    # tenure 1–72 months (99th percentile 72, inside 16–600); MonthlyCharges median
    # 20 + 8 × 6 = 68 a month, under 4,000 and named a charge; snapshot before today.
    assert codes(result) == []
    assert result.report.height == 0


# --------------------------------------------------------------------------- CLI

def test_cli_warns_and_the_tenure_unit_option_converts(tmp_path, capsys):
    path = write(tmp_path, "bank.csv", BANK_CSV)
    assert main(["validate", str(path), "--snapshot-date", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "ingest_tenure_unit_values" in out and "--tenure-unit years" in out
    assert main(["validate", str(path), "--snapshot-date", "2026-11-30",
                 "--tenure-unit", "years"]) == 0
    assert "ingest_tenure_unit_values" not in capsys.readouterr().out

    url = f"duckdb:///{tmp_path}/cli.duckdb"
    assert main(["import", str(path), "--snapshot-date", "2026-11-30", "--db", url,
                 "--tenure-unit", "years", "--churn-window-months", "1"]) == 0
    stored = stored_tenure(url)
    # Customer 15600000 + i has i years = 12 i months.
    assert stored.get_column("tenure_months").to_list() == [12.0 * i for i in range(11)]


def test_cli_refuses_an_unknown_tenure_unit(tmp_path, capsys):
    path = write(tmp_path, "bank.csv", BANK_CSV)
    with pytest.raises(SystemExit):
        main(["validate", str(path), "--snapshot-date", "2026-11-30", "--tenure-unit", "weeks"])
    assert "invalid choice: 'weeks'" in capsys.readouterr().err


# --------------------------------------------------------------------------- Data page

def test_data_page_shows_the_warning_and_lets_the_user_choose_years(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value(("bank.csv", BANK_CSV.encode(), "text/csv")).run()
    assert not at.exception
    unit = next(s for s in at.selectbox if s.label == "Unit of the tenure column (Tenure)")
    assert unit.value == "months" and unit.options == ["months", "years", "days"]
    assert any("Read as years it would be 120 months" in w.value for w in at.warning)
    button = next(b for b in at.button if b.label.startswith("Import"))
    assert button.disabled                      # the warning waits for the user's check
    unit.set_value("years").run()
    assert not at.exception
    assert not any("tenure_months" in w.value for w in at.warning)
    next(s for s in at.selectbox if s.label == "Churn flag covers").set_value(1).run()
    button = next(b for b in at.button if b.label.startswith("Import"))
    assert not button.disabled
    button.click().run()
    assert not at.exception
    assert list_snapshots(open_store(url))["row_count"].to_list() == [11]
    stored = stored_tenure(url)
    assert stored.get_column("tenure_months").to_list() == [12.0 * i for i in range(11)]


def test_data_page_imports_a_questioned_file_once_the_user_confirms(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value(("bank.csv", BANK_CSV.encode(), "text/csv")).run()
    confirm = next(c for c in at.checkbox if c.label.startswith("I have checked the 1 warning"))
    confirm.check().run()
    next(s for s in at.selectbox if s.label == "Churn flag covers").set_value(1).run()
    button = next(b for b in at.button if b.label.startswith("Import"))
    assert not button.disabled
    button.click().run()
    assert not at.exception
    stored = stored_tenure(url)
    assert stored.get_column("tenure_months").to_list() == [float(i) for i in range(11)]
