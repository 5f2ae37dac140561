"""Hostile files (issue 21, items 1–3): each test builds the attack in tmp_path and asserts the
safe outcome: refused by name before anything is materialised, or read with bounded memory, and
the process that asked still running.

Expected codes are the refusals named in the issue; expected counts are worked by hand in the
comments; peak memory is the worker's own getrusage.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from lib.ingest import read_limits
from lib.ingest.importer import check_file
from lib.ingest.errors import IngestError
from lib.ingest.read_worker import read_in_worker, read_table_isolated
from lib.ingest.readers import read_table, sheet_names
from tests.rendered import shown

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["customer_id", "tenure_months", "churned", "arpu"]
#: A read that refused a bomb before inflating it stays near the interpreter's own size; the
#: attacks below took 3.3 GB (no r=), 5.35 GB (one big string) and 10 GB (Parquet).
BOUNDED_PEAK_BYTES = 1536 * 2**20


def _workbook(path: Path, extra=None) -> Path:
    """A small valid XLSX (header + two rows) written by XlsxWriter; ``extra(worksheet)``
    writes more."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("data")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["C1", 12, "No", 10.5])
    sheet.write_row(2, 0, ["C2", 30, "Yes", 20.0])
    if extra:
        extra(sheet)
    book.close()
    return path


def _rewrite(path: Path, parts: dict[str, bytes]) -> bytes:
    """The workbook at ``path`` with some of its parts replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, parts.pop(info.filename, None) or source.read(info))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def _sheet_xml(dimension: str | None, rows: bytes) -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + dim + b"<sheetData>" + rows + b"</sheetData></worksheet>")


HEAD_ROWS = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>customer_id</t></is></c>'
             b'<c r="B1" t="inlineStr"><is><t>arpu</t></is></c></row>'
             b'<row r="2"><c r="A2" t="inlineStr"><is><t>C1</t></is></c><c r="B2"><v>1</v></c></row>')


# --------------------------------------------------------------------------- item 1: XFD1048576

def test_a_cell_at_xfd1048576_is_refused_by_name_before_calamine(tmp_path):
    # The 5 KB file: a header, a data row and "z" at the last cell Excel has.
    path = _workbook(tmp_path / "xfd.xlsx", lambda ws: ws.write(1048575, 16383, "z"))
    assert path.stat().st_size < 10_000
    with pytest.raises(IngestError) as refused:
        read_table(path.read_bytes(), "xfd.xlsx")
    assert refused.value.code == "ingest_sheet_declares_too_much"
    # 1,048,576 rows × 16,384 columns (XFD = 24·26² + 6·26 + 4 = 16,384), above 2,000 columns.
    assert refused.value.params["rows"] == 1_048_576 and refused.value.params["columns"] == 16_384
    assert "A1:XFD1048576" in refused.value.message("en") and "xfd.xlsx" in refused.value.message("en")
    assert "xfd.xlsx" in refused.value.message("zh")


@pytest.mark.slow
def test_the_cli_refuses_the_xfd_file_with_exit_2_not_an_abort(tmp_path):
    path = _workbook(tmp_path / "xfd.xlsx", lambda ws: ws.write(1048575, 16383, "z"))
    done = subprocess.run([sys.executable, "-m", "lib", "validate", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr       # 134 was the abort
    assert "xfd.xlsx" in done.stderr and "A1:XFD1048576" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "memory allocation" not in done.stderr


@pytest.mark.parametrize("dimension", ["A1:B2", None])
def test_cells_beyond_a_small_or_missing_dimension_are_refused(tmp_path, dimension):
    # The file lies: it declares A1:B2 (or nothing) and holds a cell at XFD5.
    rows = HEAD_ROWS + b'<row r="5"><c r="XFD5"><v>1</v></c></row>'
    data = _rewrite(_workbook(tmp_path / "b.xlsx"),
                    {"xl/worksheets/sheet1.xml": _sheet_xml(dimension, rows)})
    with pytest.raises(IngestError) as refused:
        read_table(data, "liar.xlsx")
    assert refused.value.code == "ingest_sheet_spans_too_much"
    assert refused.value.params["columns"] == 16_384 and refused.value.params["rows"] == 5


def test_a_far_row_inside_a_near_row_is_refused(tmp_path):
    # calamine places a cell by its own reference: a row r="2" holding A5000000 spans 5M rows.
    rows = HEAD_ROWS + b'<row r="3"><c r="A5000000"><v>1</v></c></row>'
    data = _rewrite(_workbook(tmp_path / "b.xlsx"),
                    {"xl/worksheets/sheet1.xml": _sheet_xml("A1:B3", rows)})
    with pytest.raises(IngestError) as refused:
        read_table(data, "far.xlsx")
    assert refused.value.code == "ingest_sheet_spans_too_much"
    assert refused.value.params["rows"] == 5_000_000


def test_the_worker_gives_the_same_refusal_and_the_same_table(tmp_path):
    xfd = _workbook(tmp_path / "xfd.xlsx", lambda ws: ws.write(1048575, 16383, "z")).read_bytes()
    with pytest.raises(IngestError) as refused:
        read_table_isolated(xfd, "xfd.xlsx")
    assert refused.value.code == "ingest_sheet_declares_too_much"
    good = _workbook(tmp_path / "good.xlsx").read_bytes()
    here, there = read_table(good, "good.xlsx"), read_table_isolated(good, "good.xlsx")
    assert there.frame.equals(here.frame) and there.sheet == here.sheet == "data"
    assert there.frame.height == 2 and there.frame.columns == HEADER
    assert sheet_names(good) == ["data"]


# --------------------------------------------------------------------------- item 2: bombs

@pytest.mark.slow
def test_rows_without_references_are_counted_and_the_bomb_refused_with_bounded_memory(tmp_path):
    # 1.2M rows without r= (26 bytes each, 31 MB inflated, under 1 MB deflated): calamine
    # numbers them 1, 2, 3…, past Excel's 1,048,576.
    rows = HEAD_ROWS + b"<row><c><v>1</v></c></row>" * 1_200_000
    data = _rewrite(_workbook(tmp_path / "b.xlsx"),
                    {"xl/worksheets/sheet1.xml": _sheet_xml(None, rows)})
    assert len(data) < 1_000_000
    read = None
    with pytest.raises(IngestError) as refused:
        read = read_in_worker(data, "bomb.xlsx")
    assert read is None and refused.value.code == "ingest_sheet_spans_too_much"
    assert refused.value.params["rows"] > read_limits.MAX_SHEET_ROWS
    assert refused.value.worker_peak_rss_bytes < BOUNDED_PEAK_BYTES


def test_a_row_of_cells_without_references_counts_its_width(tmp_path):
    # 2,500 cells with no r= in one row: columns 1..2,500, above the 2,000-column limit.
    rows = HEAD_ROWS + b"<row>" + b"<c><v>1</v></c>" * 2_500 + b"</row>"
    data = _rewrite(_workbook(tmp_path / "b.xlsx"),
                    {"xl/worksheets/sheet1.xml": _sheet_xml("A1:B3", rows)})
    with pytest.raises(IngestError) as refused:
        read_table(data, "wide.xlsx")
    assert refused.value.code == "ingest_sheet_spans_too_much"
    assert refused.value.params["columns"] == 2_500


def _shared_strings(body: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
            b'uniqueCount="1">' + body + b"</sst>")


@pytest.mark.parametrize("string", [
    b"<si><t>" + b"x" * (3 * 2**20) + b"</t></si>",                     # one 3 MB text
    b"<si>" + (b"<r><t>" + b"y" * 1000 + b"</t></r>") * 3000 + b"</si>",   # 3,000 rich-text runs
], ids=["one_text", "rich_text_runs"])
def test_a_huge_shared_string_is_refused_before_calamine_opens_the_book(tmp_path, string):
    data = _rewrite(_workbook(tmp_path / "b.xlsx"), {"xl/sharedStrings.xml": _shared_strings(string)})
    started = time.perf_counter()
    with pytest.raises(IngestError) as refused:
        read_in_worker(data, "strings.xlsx")
    assert refused.value.code == "ingest_cell_too_big"
    assert refused.value.worker_peak_rss_bytes < BOUNDED_PEAK_BYTES
    assert time.perf_counter() - started < 20
    assert sheet_names(data) == ["data"]    # names come from workbook.xml, no string inflated


def test_a_part_declared_bigger_than_its_limit_is_refused_from_the_zip_directory(tmp_path, monkeypatch):
    # The declared size (ZipInfo.file_size) is checked before a byte is inflated: with the
    # limit lowered to 1 MB, a 2 MB shared-strings part is refused by its name.
    monkeypatch.setattr(read_limits, "MAX_SHARED_STRINGS_BYTES", 2**20)
    body = b"".join(b"<si><t>%d</t></si>" % i for i in range(200_000))
    data = _rewrite(_workbook(tmp_path / "b.xlsx"), {"xl/sharedStrings.xml": _shared_strings(body)})
    with pytest.raises(IngestError) as refused:
        read_table(data, "parts.xlsx")
    assert refused.value.code == "ingest_part_too_big"
    assert refused.value.params["part"] == "xl/sharedStrings.xml"


@pytest.mark.slow
def test_a_parquet_of_30m_rows_is_refused_from_its_metadata(tmp_path, monkeypatch):
    # The bomb: 30M constant rows, zstd, a few hundred KB. 30 row groups of 1M rows ×
    # 4 columns = 120M cells, above the 63M limit.
    chunk = pa.table({"customer_id": pa.array(["C1"] * 1_000_000), "tenure_months": pa.array([1] * 1_000_000),
                      "churned": pa.array(["No"] * 1_000_000), "arpu": pa.array([1.5] * 1_000_000)})
    path = tmp_path / "bomb.parquet"
    with pq.ParquetWriter(path, chunk.schema, compression="zstd") as writer:
        for _ in range(30):
            writer.write_table(chunk)
    assert path.stat().st_size < 2_000_000
    # Nothing may be decompressed: the polars reader must not even be called.
    monkeypatch.setattr(pl, "read_parquet", lambda *a, **k: pytest.fail("the rows were read"))
    with pytest.raises(IngestError) as refused:
        read_table(path.read_bytes(), "bomb.parquet")
    assert refused.value.code == "ingest_too_many_cells"
    assert refused.value.params["rows"] == 30_000_000 and refused.value.params["columns"] == 4


def test_a_parquet_too_big_for_the_free_memory_is_refused():
    # Hand-worked: 1M rows × 10 columns = 10M cells × 128 bytes = 1.19 GB needed; 1 GB free.
    with pytest.raises(IngestError) as refused:
        read_limits.check_cells(1_000_000, 10, "p.parquet", available=2**30)
    assert refused.value.code == "ingest_table_too_big_for_memory"
    assert refused.value.params["need_gb"] == 1.2
    read_limits.check_cells(1_000_000, 10, "p.parquet", available=2 * 2**30)   # fits


# --------------------------------------------------------------------------- item 3: wide headers

def test_10000_header_columns_are_refused_before_the_parse(monkeypatch):
    import lib.ingest.textfile as textfile

    header = ",".join(f"c{i}" for i in range(10_000))
    data = (header + "\n" + ",".join("1" for _ in range(10_000)) + "\n").encode()
    assert len(data) < 100_000                      # the 60 KB file
    monkeypatch.setattr(textfile, "_parse_csv", lambda *a, **k: pytest.fail("the file was parsed"))
    started = time.perf_counter()
    with pytest.raises(IngestError) as refused:
        read_table(data, "wide.csv")
    assert refused.value.code == "ingest_too_many_columns"
    assert refused.value.params["columns"] == 10_000
    assert time.perf_counter() - started < 20


def test_validation_of_a_wide_file_reads_the_schema_a_constant_number_of_times(monkeypatch):
    # 1,996 extra columns + 4 contract columns = 2,000 (the limit), 20 rows, all valid.
    extras = [f"extra{i}" for i in range(1_996)]
    lines = [",".join(HEADER + extras)]
    lines += [",".join([f"C{r}", str(r + 1), "No", "10.5"] + ["v"] * len(extras)) for r in range(20)]
    data = ("\n".join(lines) + "\n").encode()
    calls = {"n": 0}
    original = pl.LazyFrame.collect_schema

    def counting(self):
        calls["n"] += 1
        return original(self)

    monkeypatch.setattr(pl.LazyFrame, "collect_schema", counting)
    import datetime as dt

    started = time.perf_counter()
    result = check_file(data, "wide.csv", snapshot_date=dt.date(2024, 6, 30))
    assert result.rows_accepted == 20 and result.accepted.width == 2 + 3 + 1_996
    assert calls["n"] < 20            # once per column made it 2,000+ calls (quadratic)
    assert time.perf_counter() - started < 20


# --------------------------------------------------------------------------- the worker itself

def aborting_reader(data: bytes, name: str, sheet):
    """A reader that dies like calamine did (SIGABRT), to stand for any abort in a reader."""
    os.abort()


def hungry_reader(data: bytes, name: str, sheet):
    """A reader that fills 1 GB of memory and keeps it."""
    hold = [b"x" * (64 * 2**20) for _ in range(16)]
    time.sleep(30)
    return hold


def sleepy_reader(data: bytes, name: str, sheet):
    time.sleep(30)


def test_a_reader_that_aborts_gives_a_message_and_the_caller_lives():
    with pytest.raises(IngestError) as refused:
        read_in_worker(b"a,b\n1,2\n", "abort.xlsx", reader=aborting_reader)
    assert refused.value.code == "ingest_reader_crashed"
    assert "SIGABRT" in refused.value.message("en") and "abort.xlsx" in refused.value.message("en")
    assert "abort.xlsx" in refused.value.message("zh") and "未保存任何内容" in refused.value.message("zh")
    # This process still reads files after its worker died.
    assert read_table_isolated(b"customer_id,arpu\nC1,1\n", "after.csv").frame.height == 1


def test_a_reader_past_its_memory_budget_is_stopped_with_a_message():
    started = time.perf_counter()
    with pytest.raises(IngestError) as refused:
        read_in_worker(b"x", "hungry.parquet", reader=hungry_reader, memory=400 * 2**20)
    assert refused.value.code == "ingest_reader_out_of_memory"
    assert refused.value.params["limit_gb"] == 0.4            # 400 MB = 0.39 GB, rounded
    assert time.perf_counter() - started < 25                   # stopped, not left to sleep 30 s


def test_a_reader_past_its_time_is_stopped_with_a_message():
    with pytest.raises(IngestError) as refused:
        read_in_worker(b"x", "slow.xlsx", reader=sleepy_reader, timeout=1)
    assert refused.value.code == "ingest_reader_timeout" and refused.value.params["seconds"] == 1


def test_a_normal_read_reports_its_peak_memory(tmp_path):
    good = _workbook(tmp_path / "good.xlsx").read_bytes()
    read = read_in_worker(good, "good.xlsx")
    assert read.table.frame.height == 2
    assert 10 * 2**20 < read.peak_rss_bytes < BOUNDED_PEAK_BYTES


def test_a_row_cut_across_scan_chunks_keeps_its_width(tmp_path, monkeypatch):
    # Scan 4 KB at a time: one row of 1,200 + 1,200 cells without r= straddles many chunks and
    # is 2,400 columns wide (above 2,000), though no chunk holds more than 4096/15 = 273 cells.
    monkeypatch.setattr(read_limits, "SCAN_CHUNK_BYTES", 4096)
    monkeypatch.setattr(read_limits, "HEAD_BYTES", 1024)
    rows = HEAD_ROWS + b"<row>" + b"<c><v>1</v></c>" * 2_400 + b"</row>"
    data = _rewrite(_workbook(tmp_path / "b.xlsx"),
                    {"xl/worksheets/sheet1.xml": _sheet_xml("A1:B3", rows)})
    with pytest.raises(IngestError) as refused:
        read_table(data, "cut.xlsx")
    # refused as soon as the width passed 2,000, possible only if it was carried across chunks
    assert refused.value.code == "ingest_sheet_spans_too_much"
    assert read_limits.MAX_COLUMNS < refused.value.params["columns"] <= 2_400


def test_an_ordinary_workbook_is_measured_exactly(tmp_path, monkeypatch):
    # 3 rows × 4 columns written by XlsxWriter, scanned in 512-byte chunks: rows 3, columns 4
    # (D), 12 cells, as written.
    monkeypatch.setattr(read_limits, "SCAN_CHUNK_BYTES", 512)
    monkeypatch.setattr(read_limits, "HEAD_BYTES", 128)
    path = _workbook(tmp_path / "ok.xlsx")
    with zipfile.ZipFile(path) as archive:
        extent = read_limits.scan_sheet(archive, "xl/worksheets/sheet1.xml", "ok.xlsx", "data")
    assert (extent.declared, extent.rows, extent.columns, extent.cells) == ("A1:D3", 3, 4, 12)


@pytest.mark.slow
def test_the_data_page_refuses_the_xfd_upload_with_a_message_and_changes_nothing(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import list_snapshots, write_snapshots
    from lib.pipeline.migrations import open_store
    from tests.factories import two_snapshots

    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    engine = open_store(url)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=current_rules(engine), source_name="hand", churn_window_months=1)
    xfd = _workbook(tmp_path / "xfd.xlsx", lambda ws: ws.write(1048575, 16383, "z")).read_bytes()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value(("xfd.xlsx", xfd, "application/octet-stream")).run()
    assert not at.exception
    assert at.error and "A1:XFD1048576" in shown(at.error[0].value) and "xfd.xlsx" in shown(at.error[0].value)
    assert list_snapshots(open_store(url))["row_count"].to_list() == [6, 6]


def test_the_served_app_survives_hostile_uploads_and_logs_no_traceback(tmp_path, browser_page):
    """Served for real: the 5 KB XFD1048576 workbook, the no-``r=`` bomb and a 10,000-column
    CSV uploaded through Chromium are each refused by name on the page; the server still answers
    its health check after every one, the store is unchanged and its log holds no traceback."""
    import urllib.request

    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import list_snapshots, write_snapshots
    from lib.pipeline.migrations import open_store
    from tests.browser import serve, wait_for_streamlit
    from tests.factories import two_snapshots

    url = f"duckdb:///{tmp_path}/app.duckdb"
    engine = open_store(url)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=current_rules(engine), source_name="hand", churn_window_months=1)
    engine.dispose()
    files = {
        "xfd.xlsx": _workbook(tmp_path / "xfd.xlsx", lambda ws: ws.write(1048575, 16383, "z")),
        "wide.csv": tmp_path / "wide.csv",
    }
    files["wide.csv"].write_text(",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" * 10_000) + "\n")
    page = browser_page.page
    with serve(url, tmp_path, RETENTION_USERS_FILE=str(tmp_path / "absent.toml")) as served:
        for name, path in files.items():
            page.goto(f"{served.base_url}/data")
            wait_for_streamlit(page, timeout=180)
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
            wait_for_streamlit(page, timeout=180)
            alert = page.locator('[data-testid="stAlertContentError"]')
            assert alert.count() and name in alert.first.inner_text(), name
            assert not page.locator('[data-testid="stException"]').count()
            with urllib.request.urlopen(f"{served.base_url}/_stcore/health", timeout=30) as health:
                assert health.status == 200 and served.proc.poll() is None, name
        log = served.log_tail(400)
    assert "Traceback" not in log, log
    assert list_snapshots(open_store(url))["row_count"].to_list() == [6, 6]
