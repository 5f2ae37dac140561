"""Input edge cases of issue 21 item 8, each built in the test and ending in a safe outcome:
NUL bytes past the sniffed sample, oversized text cells, mixed UTF-8/GBK lines, long numeric and
scientific-notation ids, nan/inf in the rules, snapshot dates far out of range."""
from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tomlkit
import xlsxwriter

from lib.cli import main
from lib.ingest.importer import check_file, import_file
from lib.ingest import IngestError, auto_map, read_table, validate
from lib.ingest.read_limits import MAX_TEXT_FIELD_CHARS
from lib.rules import DEFAULT_RULES_PATH, RulesError, parse_rules
from lib.pipeline.snapshots import list_snapshots
from lib.pipeline.migrations import open_store
from lib.ingest.textfile import SAMPLE_BYTES

HEADER = "customer_id,tenure_months,churned,arpu,province\n"
SNAP = dt.date(2024, 6, 30)
TODAY = dt.date(2024, 7, 15)


def good_rows(n: int) -> str:
    return "".join(f"C{i:06d},{i % 60},No,50,广东\n" for i in range(1, n + 1))


def nul_file() -> bytes:
    """20,000 good rows (past the 256 KiB sample), then data row 20,001 with a NUL in its
    province, then one more good row."""
    head = (HEADER + good_rows(20_000)).encode()
    assert len(head) > SAMPLE_BYTES  # the NUL is where the binary sniff does not look
    return head + "Z1,5,No,50,广\x00东\nZ2,6,No,60,北京\n".encode()


def codes_by_row(report: pl.DataFrame) -> set[tuple[int | None, str]]:
    return set(report.select("row", "code").iter_rows())


# --------------------------------------------------------------------------- (a) NUL bytes

def test_a_nul_past_the_sample_is_named_by_row_and_the_cli_refuses_with_exit_2(db_url, tmp_path, capsys):
    path, report = tmp_path / "nul.csv", tmp_path / "report.csv"
    path.write_bytes(nul_file())
    code = main(["import", str(path), "--snapshot-date", str(SNAP), "--db", db_url,
                 "--churn-window-months", "1", "--report", str(report)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err and len(err.strip().splitlines()) == 1
    assert "NUL" in err and "20,001" in err
    rows = list(csv.DictReader(io.StringIO(report.read_bytes().decode("utf-8-sig"))))
    nul = [r for r in rows if r["code"] == "ingest_nul_byte"]
    assert [(r["row"], r["column"], r["severity"]) for r in nul] == [("20001", "province", "error")]
    assert "\x00" not in report.read_text(encoding="utf-8-sig")  # shown as ␀
    assert list_snapshots(open_store(db_url)).height == 0


def test_a_nul_refuses_the_import_through_the_library_and_stores_nothing(db_url):
    engine = open_store(db_url)
    with pytest.raises(IngestError) as refused:
        import_file(engine, nul_file(), "nul.csv", snapshot_date=SNAP, churn_window_months=1)
    assert refused.value.code == "ingest_nul_refused"
    assert "20,001" in refused.value.message("en") and "20,001" in refused.value.message("zh")
    check = refused.value.check
    # 20,002 data rows, one rejected (the NUL row)
    assert (check.rows_read, check.rows_rejected) == (20_002, 1)
    assert (20_001, "ingest_nul_byte") in codes_by_row(check.report)
    assert list_snapshots(engine).height == 0
    engine.dispose()


def test_the_dry_run_refuses_a_nul_file_too(tmp_path, capsys):
    path = tmp_path / "nul.csv"
    path.write_bytes(nul_file())
    assert main(["validate", str(path), "--snapshot-date", str(SNAP)]) == 2
    out, err = capsys.readouterr()
    assert "ingest_nul_byte" in out and "20,001" in err


# --------------------------------------------------------------------------- (b) long cells

def test_an_oversized_text_cell_is_blanked_with_a_row_message_and_an_oversized_id_rejects():
    long = "省" * 5_000
    edge = "市" * MAX_TEXT_FIELD_CHARS  # exactly at the limit: kept
    data = (f"customer_id,tenure_months,churned,arpu,province,note\n"
            f"C1,5,No,50,{long},ok\nC2,6,No,60,{edge},{long}\n{'9' * 5_000},7,No,70,广东,x\n").encode()
    result = check_file(data, "long.csv", snapshot_date=SNAP, today=TODAY)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 2, 1)
    accepted = result.accepted.sort("customer_id")
    assert accepted["province"].to_list() == [None, edge]
    assert accepted["x_note"].to_list() == ["ok", None]
    report = result.report.filter(pl.col("code") == "ingest_text_too_long")
    assert sorted(report.select("row", "column", "severity").iter_rows()) == [
        (1, "province", "warning"), (2, "note", "warning"), (3, "customer_id", "error")]
    assert report["value"].str.len_chars().max() <= 80
    assert "1,000" in report["message_en"][0] and "1,000" in report["message_zh"][0]


def test_a_stored_province_is_never_longer_than_the_limit(duckdb_url):
    data = (HEADER + f"C1,5,No,50,{'x' * 5_000}\nC2,5,No,50,广东\n").encode()
    engine = open_store(duckdb_url)
    result = import_file(engine, data, "long.csv", snapshot_date=SNAP, churn_window_months=1)
    assert result.outcome.rows_written == 2
    from lib.store import customers, read_frame
    import sqlalchemy as sa

    stored = read_frame(engine, sa.select(customers.c.customer_id, customers.c.province)
                        .order_by(customers.c.customer_id))
    assert stored["province"].to_list() == [None, "广东"]
    engine.dispose()


# --------------------------------------------------------------------------- (c) mixed encodings

def test_a_gbk_line_in_a_utf8_file_is_read_as_gbk_and_its_row_named():
    data = (HEADER + 'C1,5,No,50,广东\nC2,6,No,60,"多\n行"\n').encode() \
        + "C3,7,No,70,广西\n".encode("gbk") + "C4,8,No,80,浙江\n".encode()
    raw = read_table(data, "mixed.csv")
    assert raw.frame["province"].to_list() == ["广东", "多\n行", "广西", "浙江"]
    result = validate(raw, auto_map(raw.frame.columns), snapshot_date=SNAP, today=TODAY)
    # data row 3 (the value of row 2 spans two lines): the one GBK line
    notes = result.report.filter(pl.col("code") == "ingest_line_encoding_differs")
    assert notes.select("row", "severity").rows() == [(3, "warning")]
    assert "GBK" in notes["message_en"][0] and "UTF-8" in notes["message_zh"][0]
    assert result.rows_accepted == 4


def test_a_utf8_line_in_a_gbk_file_is_read_as_utf8_and_its_row_named():
    data = (HEADER + "".join(f"G{i},5,No,50,广西{i}\n" for i in range(1, 6))).encode("gbk") \
        + "U1,6,No,60,浙江\n".encode()
    raw = read_table(data, "mixed.csv")
    assert raw.encoding == "gbk"
    assert raw.frame["province"].to_list()[-2:] == ["广西5", "浙江"]
    assert raw.row_warnings == [(6, "ingest_line_encoding_differs",
                                 {"file": "mixed.csv", "line_encoding": "UTF-8", "encoding": "GBK"})]


def test_a_pure_gbk_file_has_no_line_warnings():
    data = (HEADER + good_rows(50)).encode("gbk")
    raw = read_table(data, "gbk.csv")
    assert raw.encoding == "gbk" and raw.row_warnings == []
    assert set(raw.frame["province"].to_list()) == {"广东"}


# --------------------------------------------------------------------------- (d) ids

def test_ids_in_scientific_notation_are_counted_in_a_file_warning():
    data = (HEADER + "1.23E+10,5,No,50,a\n4.56e10,6,No,60,b\nC3,7,No,70,c\n").encode()
    result = check_file(data, "sci.csv", snapshot_date=SNAP, today=TODAY)
    warning = result.report.filter(pl.col("code") == "ingest_ids_scientific")
    assert warning["row"].to_list() == [None]
    assert "2 ids" in warning["message_en"][0] and "1.23E+10" in warning["message_en"][0]


def test_a_17_digit_numeric_id_from_a_workbook_is_warned_about():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["customer_id", "tenure_months", "churned", "arpu"])
    sheet.write_row(1, 0, [12345678901234567, 5, "No", 50])   # a number cell: 17 digits
    sheet.write_row(2, 0, [123456789012345, 6, "No", 60])     # 15 digits: exact in a double
    book.close()
    result = check_file(buffer.getvalue(), "ids.xlsx", snapshot_date=SNAP, today=TODAY)
    warning = result.report.filter(pl.col("code") == "ingest_ids_beyond_spreadsheet_digits")
    assert warning.height == 1 and "1 ids" in warning["message_en"][0]
    assert "123456789012345" in result.accepted["customer_id"].to_list()


def test_17_digit_int64_ids_from_parquet_keep_every_digit():
    table = pa.table({"customer_id": pa.array([12345678901234567, 99999999999999999], pa.int64()),
                      "tenure_months": [5, 6], "churned": ["No", "No"], "arpu": [50.0, 60.0]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    result = check_file(buffer.getvalue(), "ids.parquet", snapshot_date=SNAP, today=TODAY)
    assert result.accepted["customer_id"].to_list() == ["12345678901234567", "99999999999999999"]
    assert "ingest_ids_beyond_spreadsheet_digits" not in result.report["code"].to_list()


# --------------------------------------------------------------------------- (e) rules

def _shipped_numbers() -> list[tuple[str, str]]:
    doc = tomlkit.parse(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    return [(section, key) for section, table in doc.items() if hasattr(table, "items")
            for key, value in table.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)]


def _every_reader(text: str) -> None:
    from lib.churn import model as churn
    from lib.churn import actions as churn_actions
    from lib.rules import economics
    from lib.lifecycle import settings as lifecycle_settings
    from lib.churn import need_tags
    from lib.offers import calibration as offers_calibration
    from lib.operations import plans as operations
    from lib.operations import results as operations_results
    from lib.ingest import plausibility, repeat
    from lib.pipeline import proposal
    from lib.uplift import fit as uplift_fit
    from lib.segments import tiers as segments
    rules = parse_rules(text, version=1)
    for reader in (plausibility.import_checks, churn.churn_settings, operations.operations_settings,
                   economics.economics, economics.offer_defaults, lifecycle_settings.settings, segments.settings, need_tags.need_tags,
                   churn_actions.action_settings, offers_calibration.calibration_minimum,
                   operations_results.results_settings, repeat.repeat_thresholds,
                   proposal.proposal_settings, uplift_fit.uplift_settings):
        reader(rules)


def test_the_shipped_rules_pass_every_reader():
    _every_reader(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_every_numeric_rule_refuses_a_non_finite_number(bad):
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    keys = _shipped_numbers()
    assert len(keys) > 20
    for section, key in keys:
        doc = tomlkit.parse(text)
        doc[section][key] = float(bad)
        with pytest.raises(RulesError) as refused:
            _every_reader(tomlkit.dumps(doc))
        assert refused.value.code in {"rules_bad_number", "rules_bad_bounds"}, (section, key)
        assert refused.value.params.get("key", f"{section}.{key}").startswith(section), (section, key)


@pytest.mark.parametrize("bad", ["nan", "inf"])
def test_tier_bounds_and_the_tenure_band_refuse_non_finite_numbers(bad):
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    doc = tomlkit.parse(text)
    doc["tiers"]["spend_min"][-1] = float(bad)
    with pytest.raises(RulesError, match="rules_bad_bounds"):
        parse_rules(tomlkit.dumps(doc))
    doc = tomlkit.parse(text)
    doc["import_checks"]["tenure_longest_months"][1] = float(bad)
    with pytest.raises(RulesError, match="rules_bad_number"):
        _every_reader(tomlkit.dumps(doc))


# --------------------------------------------------------------------------- (f) snapshot dates

@pytest.mark.parametrize("snapshot", ["0001-01-01", "1989-12-31", "2099-12-31", "2025-07-16"])
def test_snapshot_dates_far_out_are_refused(snapshot):
    # today 2024-07-15: the latest accepted is 2025-07-15 (a year on), the earliest 1990-01-01
    with pytest.raises(IngestError) as refused:
        check_file((HEADER + good_rows(2)).encode(), "a.csv", snapshot_date=dt.date.fromisoformat(snapshot),
                   today=TODAY)
    assert refused.value.code == "ingest_snapshot_date_out_of_range"
    assert snapshot in refused.value.message("en") and "2025-07-15" in refused.value.message("zh")


def test_the_bounds_themselves_are_accepted_and_a_near_future_date_only_warned():
    data = (HEADER + good_rows(2)).encode()
    assert check_file(data, "a.csv", snapshot_date=dt.date(1990, 1, 1), today=TODAY).rows_accepted == 2
    ahead = check_file(data, "a.csv", snapshot_date=dt.date(2025, 7, 15), today=TODAY)
    assert ahead.rows_accepted == 2
    assert ahead.plausibility_warnings()["code"].to_list() == ["ingest_snapshot_in_future"]


def test_the_cli_refuses_a_far_out_snapshot_date_with_exit_2(tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_bytes((HEADER + good_rows(2)).encode())
    assert main(["validate", str(path), "--snapshot-date", "2099-12-31"]) == 2
    err = capsys.readouterr().err
    assert "2099-12-31" in err and "Traceback" not in err
