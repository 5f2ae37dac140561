"""Properties of the import boundary, checked with hypothesis.

Whatever the bytes, headers, cells or mapping: ``read_table``, ``auto_map``, ``parse_map_option``
and ``validate`` return a result or raise ``IngestError`` (never another exception, never the
catch-all ``ingest_internal_error``), and a validation accounts for every row.
"""
from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lib.ingest import coerce
from lib.ingest import (
    FieldSource,
    IngestError,
    RawTable,
    auto_map,
    parse_map_option,
    read_table,
    report_csv,
    validate,
)
from lib.store.schema import CONTRACT_COLUMNS, contract_dtypes

TODAY = dt.date(2024, 7, 15)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Headers that map to contract fields, so that validate gets past the mapping check often.
USEFUL_HEADERS = [
    "customer_id", "客户ID", "join_date", "入网时间", "tenure", "Account length", "网龄(年)",
    "churned", "是否流失", "churn_date", "snapshot_date", "arpu", "月均消费", "spend_m1",
    "spend_m2", "Total day charge", "Total eve charge", "province", "age", "complaints",
    "churn_type", "流量(MB)", "key_person", "contact_date", "points",
]
#: Cell texts that exercise every parser, valid and not.
INTERESTING_CELLS = [
    "", " ", "NA", "N/A", "null", "-", "nan", "inf", "-inf", "1e308", "1e309", "-0", "0", "1",
    "3.0", "3.5", "-5", "1,234.5", "12,5", "1.234,5", "¥128", "１２３", "99999999999999999999",
    "Yes", "No", "是", "否", "TRUE", "false", "T", "有", "流失", "在网", "2024-01-05",
    "2024/1/5", "20240105", "2024年1月5日", "45296", "05/01/2024", "1989-12-31", "2099-01-01",
    "0000-01-01", "9999-12-31", "2024-02-30", "202401", "=1+1", "@SUM(A1)", "+cmd", "转网",
    "switch", "价值下降", "x" * 100, "\t", "\x00", "😀", "{}", "{0}", "%s",
]
cell = st.one_of(st.none(), st.sampled_from(INTERESTING_CELLS), st.text(max_size=12))
header = st.one_of(st.sampled_from(USEFUL_HEADERS), st.text(max_size=15))


def _no_internal_error(err: IngestError) -> None:
    assert err.code != "ingest_internal_error", err.message("en")
    assert err.message("en") and err.message("zh")


# --------------------------------------------------------------------------- reading

magic = st.sampled_from([b"", b"PK\x03\x04", b"PAR1", b"ARROW1", b"\xef\xbb\xbf", b"\xff\xfe",
                         b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"sep=;\n", b"\x1f\x8b"])


@SETTINGS
@given(prefix=magic, body=st.binary(max_size=3000))
def test_read_table_on_any_bytes(prefix, body):
    try:
        raw = read_table(prefix + body, "fuzz.bin")
    except IngestError as err:
        event(f"refused: {err.code}")
        assert err.message("en")
        return
    _check_raw(raw)


@SETTINGS
@given(rows=st.lists(st.lists(st.text(max_size=10), min_size=1, max_size=6), min_size=1,
                     max_size=8),
       delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]),
       quote=st.booleans())
def test_read_table_on_any_delimited_text(rows, delimiter, encoding, quote):
    def field(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if quote else text

    text = "\n".join(delimiter.join(field(c) for c in row) for row in rows)
    data = text.encode(encoding, errors="ignore")
    try:
        raw = read_table(data, "fuzz.csv")
    except IngestError as err:
        assert err.message("zh")
        return
    _check_raw(raw)
    try:
        mapping = auto_map(raw.frame.columns)
        result = validate(raw, mapping, snapshot_date=dt.date(2024, 6, 30), today=TODAY)
    except IngestError as err:
        _no_internal_error(err)
        return
    _check_result(result, raw.frame.height)


def _check_raw(raw: RawTable) -> None:
    assert isinstance(raw, RawTable)
    assert raw.frame.height >= 1 and raw.frame.width >= 1
    assert all(dtype == pl.String for dtype in raw.frame.dtypes)
    assert len(set(raw.frame.columns)) == raw.frame.width
    for code, params in raw.warnings:
        assert code.startswith("ingest_") and isinstance(params, dict)


# --------------------------------------------------------------------------- mapping

@SETTINGS
@given(headers=st.lists(header, max_size=30))
def test_auto_map_on_any_headers(headers):
    mapping = auto_map(headers)
    for field, source in mapping.items():
        assert field == source.field and field in CONTRACT_COLUMNS
        assert source.columns and set(source.columns) <= set(headers)


@SETTINGS
@given(text=st.one_of(st.text(max_size=40),
                      st.builds(lambda a, f, u: f"{a}={f}{u}", st.text(max_size=10),
                                st.sampled_from(CONTRACT_COLUMNS),
                                st.sampled_from(["", "@days", "@mb", "@x", "@"]))))
def test_parse_map_option_on_any_text(text):
    try:
        source = parse_map_option(text)
    except IngestError as err:
        assert err.message("en")
        return
    assert source.field in CONTRACT_COLUMNS and all(source.columns)


# --------------------------------------------------------------------------- validation

#: Headers per required group, with texts that are valid for them.
REQUIRED_CHOICES: list[tuple[list[str], list[str]]] = [
    (["customer_id", "客户ID", "Phone"], ["A", "B", "C", "13800138000", "13800138000.0"]),
    (["join_date", "入网时间"], ["2020-01-05", "2019/3/1", "20210101", "45000"]),
    (["tenure", "Account length", "网龄(年)"], ["12", "3.5", "0", "１２"]),
    (["churned", "是否流失"], ["Yes", "No", "是", "否", "1", "0", "TRUE"]),
    (["churn_date"], ["", "2024-01-31", "2023年5月1日"]),
    (["arpu", "月均消费", "spend_m1", "monthly_charges"], ["100", "1,234.5", "¥88", "0"]),
]


@st.composite
def tables(draw):
    """Mostly tables whose headers cover the required groups (with mostly valid cells), plus
    fuzzed headers and cells."""
    good: dict[str, list[str]] = {}
    for names, values in REQUIRED_CHOICES:
        if draw(st.integers(0, 19)) > 0:
            good.setdefault(draw(st.sampled_from(names)), values)
    headers = list(dict.fromkeys([*good, *draw(st.lists(header, max_size=6))])) or ["only"]
    n = draw(st.integers(min_value=0, max_value=12))
    columns = {}
    for h in headers:
        values = (st.integers(0, 5).flatmap(
            lambda k, ok=good[h]: cell if k == 0 else st.sampled_from(ok)) if h in good else cell)
        columns[h] = draw(st.lists(values, min_size=n, max_size=n))
    frame = pl.DataFrame([pl.Series(f"c{i}", v, dtype=pl.String)
                          for i, v in enumerate(columns.values())])
    frame.columns = headers
    return RawTable(frame=frame, source_name="fuzz.csv", encoding=None, delimiter=None,
                    sheet=None, warnings=[])


@st.composite
def mappings(draw, raw: RawTable):
    mapping = dict(auto_map(raw.frame.columns))
    if draw(st.booleans()) and raw.frame.width >= 2:   # a summed field, sometimes
        cols = tuple(draw(st.lists(st.sampled_from(raw.frame.columns), min_size=2, max_size=3,
                                   unique=True)))
        cols = tuple(c for c in cols if c) or (raw.frame.columns[0],)
        field = draw(st.sampled_from(["spend_m1", "tenure_months", "age", "data_gb", "province"]))
        unit = {"tenure_months": "days", "data_gb": "mb"}.get(field)
        mapping[field] = FieldSource(field, cols, unit)
    return mapping


@SETTINGS
@given(data=st.data(), raw=tables(),
       snapshot=st.one_of(st.dates(dt.date(1985, 1, 1), dt.date(2030, 1, 1)),
                          st.just(dt.date(2024, 6, 30)), st.just(dt.date(2024, 6, 30)),
                          st.none()))
def test_validate_accounts_for_every_row(data, raw, snapshot):
    mapping = data.draw(mappings(raw))
    try:
        result = validate(raw, mapping, snapshot_date=snapshot, today=TODAY)
    except IngestError as err:
        event(f"refused: {err.code}")
        _no_internal_error(err)
        return
    event(f"validated, {'some' if result.rows_rejected else 'no'} rows rejected, "
          f"{'some' if result.rows_accepted else 'no'} accepted")
    _check_result(result, raw.frame.height)


def _check_result(result, n_rows: int) -> None:
    assert result.rows_read == n_rows
    assert result.rows_accepted + result.rows_rejected == result.rows_read
    assert result.accepted.height == result.rows_accepted
    report = result.report
    rows = report.get_column("row").drop_nulls()
    assert rows.is_between(1, n_rows).all()
    error_rows = set(report.filter(pl.col("severity") == "error").get_column("row").drop_nulls())
    # Every rejected row has an error; no kept row has one.
    assert len(error_rows) == result.rows_rejected
    assert set(report.get_column("severity").unique()) <= {"error", "warning"}
    assert report.get_column("message_en").null_count() == 0
    assert report.get_column("message_zh").null_count() == 0
    assert (report.get_column("value").drop_nulls().str.len_chars().max() or 0) <= 80
    dtypes = contract_dtypes()
    for name, dtype in result.accepted.schema.items():
        assert dtype == (pl.String if name.startswith("x_") else dtypes[name]), name
    ids = result.accepted.get_column("customer_id")
    assert ids.null_count() == 0
    if "snapshot_date" in result.accepted.columns:
        keys = result.accepted.select("customer_id", "snapshot_date")
        assert keys.is_duplicated().sum() == 0
    else:
        assert ids.is_duplicated().sum() == 0
    csv = report_csv(result)
    assert csv.startswith(b"\xef\xbb\xbf")
    summary = result.summary()
    assert summary.get_column("rows").sum() == report.height if report.height else True


# --------------------------------------------------------------------------- coercion round trips

def _parse(stages, values: list[str | None], dtype=pl.String) -> list:
    frame = pl.DataFrame({"x": pl.Series(values, dtype=dtype)}).lazy()
    return coerce.run(frame, stages).collect().get_column("out").to_list()


@SETTINGS
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       st.sampled_from(["{:,.2f}", "{:.2f}", "¥{:.2f}", " {:,.2f} "]))
def test_formatted_numbers_read_back(x, fmt):
    text = fmt.format(x).replace("¥-", "-¥")
    [value] = _parse(coerce.parse_number("x", "out"), [text])
    assert value == pytest.approx(round(x, 2), abs=0.006)


@SETTINGS
@given(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
       st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日",
                        "%Y-%m-%d %H:%M:%S"]))
def test_formatted_dates_read_back(day, fmt):
    text = dt.datetime.combine(day, dt.time(13, 5, 9)).strftime(fmt)
    [value] = _parse(coerce.parse_date("x", "out"), [text])
    assert value == day


def test_parsers_leave_nulls_null():
    for stages in (coerce.parse_number("x", "out"), coerce.parse_date("x", "out"),
                   coerce.parse_bool("x", "out"), coerce.parse_churn_type("x", "out")):
        assert _parse(stages, [None, None]) == [None, None]


def test_read_table_round_trips_a_written_csv():
    frame = pl.DataFrame({"客户ID": ["A", "B"], "note": ['say "hi", ok', "line\nbreak"]})
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    raw = read_table(buffer.getvalue(), "x.csv")
    assert raw.frame.equals(frame)
