"""A corpus of bad (and awkward) input files, made on the fly: no binaries are kept in git.

``cases()`` yields ``Case(name, data, expect)`` where ``expect`` is what the import must end in:
"clean" (every row stored), "partial" (some rows stored, the others reported row by row) or
"refused" (nothing stored, an ``IngestError`` naming the problem). ``python -m tests.corpus DIR``
writes them to DIR to try by hand.
"""
from __future__ import annotations

import io
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

HEADER = "customer_id,tenure_months,churned,arpu,province"
GOOD_ROWS = ["C1,12,No,88.5,广东", "C2,30,Yes,120,北京", "C3,7,No,45,上海", "C4,48,No,300,广东"]
ZH_HEADER = "客户ID,在网时长,是否流失,月均消费,省份"
ZH_ROWS = ["C1,12,否,88.5,广东", "C2,30,是,120,北京", "C3,7,否,45,上海"]


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: str  # "clean" | "partial" | "refused"
    file_name: str = "snapshot.csv"
    #: (data row, code) warnings the report must name (rows stored, but worth a look)
    warns: tuple[tuple[int, str], ...] = ()


def _csv(header: str, rows: list[str], sep: str = ",", encoding: str = "utf-8", newline: str = "\n") -> bytes:
    text = newline.join([header.replace(",", sep)] + [r.replace(",", sep) for r in rows]) + newline
    return text.encode(encoding)


def _xlsx(sheets: dict[str, pl.DataFrame]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as book:
        for name, frame in sheets.items():
            frame.write_excel(book, worksheet=name)
    return buffer.getvalue()


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _good_frame() -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(_csv(HEADER, GOOD_ROWS)), infer_schema_length=0)


def encoding_cases() -> list[Case]:
    return [
        Case("utf8", _csv(HEADER, GOOD_ROWS), "clean"),
        Case("utf8_bom", b"\xef\xbb\xbf" + _csv(HEADER, GOOD_ROWS), "clean"),
        Case("gbk_chinese_headers", _csv(ZH_HEADER, ZH_ROWS, encoding="gbk"), "clean"),
        Case("gb18030_chinese_headers", _csv(ZH_HEADER, ZH_ROWS, encoding="gb18030"), "clean"),
        Case("utf16_with_bom", _csv(HEADER, GOOD_ROWS, encoding="utf-16"), "clean"),
        # every row stored, each line decoded in its own encoding; the GBK row (3) is named
        Case("mixed_utf8_and_gbk_lines",
             _csv(HEADER, GOOD_ROWS[:2]) + "C9,5,No,50,广西\n".encode("gbk"), "clean",
             warns=((3, "ingest_line_encoding_differs"),)),
        Case("crlf_lines", _csv(HEADER, GOOD_ROWS, newline="\r\n"), "clean"),
        Case("cr_only_lines", _csv(HEADER, GOOD_ROWS, newline="\r"), "clean"),
        Case("no_trailing_newline", _csv(HEADER, GOOD_ROWS).rstrip(b"\n"), "clean"),
    ]


def delimiter_cases() -> list[Case]:
    return [
        Case("semicolon", _csv(HEADER, GOOD_ROWS, sep=";"), "clean"),
        Case("tab", _csv(HEADER, GOOD_ROWS, sep="\t"), "clean", "snapshot.tsv"),
        Case("pipe", _csv(HEADER, GOOD_ROWS, sep="|"), "clean"),
        Case("excel_sep_line", b"sep=;\n" + _csv(HEADER, GOOD_ROWS, sep=";"), "clean"),
        Case("ragged_rows", _csv(HEADER, GOOD_ROWS + ["C5,3,No"]), "partial"),
        Case("unbalanced_quote", _csv(HEADER, GOOD_ROWS + ['C6,9,No,"77,江苏']), "partial"),
        Case("trailing_delimiters", _csv(HEADER + ",", [r + "," for r in GOOD_ROWS]), "clean"),
        Case("title_rows_above_header", b"Monthly export\nOctober\n" + _csv(HEADER, GOOD_ROWS), "clean"),
    ]


def column_cases() -> list[Case]:
    return [
        Case("missing_tenure", _csv("customer_id,churned,arpu", ["C1,No,10"]), "refused"),
        Case("missing_churn", _csv("customer_id,tenure_months,arpu", ["C1,3,10"]), "refused"),
        Case("missing_spend", _csv("customer_id,tenure_months,churned", ["C1,3,No"]), "refused"),
        Case("only_unknown_columns", _csv("colour,size", ["red,1"]), "refused"),
        Case("no_customer_id_ids_generated", _csv("tenure_months,churned,arpu", ["3,No,10", "4,Yes,20"]), "clean"),
        Case("duplicate_headers", _csv(HEADER + ",arpu", [r + ",99" for r in GOOD_ROWS]), "clean"),
        Case("blank_header_cell", _csv(HEADER + ",", [r + ",x" for r in GOOD_ROWS]), "clean"),
        Case("header_only", _csv(HEADER, []), "refused"),
        Case("very_wide_file",
             _csv(HEADER + "," + ",".join(f"extra{i}" for i in range(1500)),
                  [r + "," + ",".join("1" for _ in range(1500)) for r in GOOD_ROWS]), "clean"),
        Case("churn_date_instead_of_flag",
             _csv("customer_id,tenure_months,churn_date,arpu", ["C1,12,,10", "C2,40,2026-10-03,30"]), "clean"),
        Case("join_date_instead_of_tenure",
             _csv("customer_id,join_date,churned,arpu", ["C1,2020-01-15,No,10", "C2,2024-06-01,Yes,30"]), "clean"),
        Case("monthly_spend_columns",
             _csv("customer_id,tenure_months,churned,spend_m1,spend_m2,spend_m3",
                  ["C1,12,No,10,11,12", "C2,3,No,40,,"]), "clean"),
    ]


def value_cases() -> list[Case]:
    return [
        Case("duplicate_ids", _csv(HEADER, GOOD_ROWS + ["C1,5,No,10,广东"]), "partial"),
        Case("blank_id", _csv(HEADER, GOOD_ROWS + [",5,No,10,广东"]), "partial"),
        Case("negative_spend", _csv(HEADER, GOOD_ROWS + ["C7,5,No,-10,广东"]), "partial"),
        Case("nan_spend", _csv(HEADER, GOOD_ROWS + ["C7,5,No,NaN,广东"]), "partial"),
        Case("text_spend", _csv(HEADER, GOOD_ROWS + ["C7,5,No,lots,广东"]), "partial"),
        Case("thousands_separators", _csv(HEADER, ['C1,12,No,"1,234.5",广东']), "clean"),
        Case("currency_signs", _csv(HEADER, ["C1,12,No,¥88,广东", "C2,3,No,$12.5,北京"]), "clean"),
        Case("full_width_digits", _csv(HEADER, ["C1,１２,No,８８,广东"]), "clean"),
        Case("decimal_comma_semicolon_file", _csv(HEADER, ["C1;12;No;88,5;广东"], sep=";").replace(b"88;5", b"88,5"), "clean"),
        Case("booleans_every_way",
             _csv(HEADER, ["A,1,Yes,1,x", "B,1,no,1,x", "C,1,1,1,x", "D,1,0,1,x", "E,1,是,1,x",
                           "F,1,否,1,x", "G,1,TRUE,1,x", "H,1,False,1,x", "I,1,Y,1,x", "J,1,n,1,x"]), "clean"),
        Case("bad_boolean", _csv(HEADER, GOOD_ROWS + ["C8,5,maybe,10,广东"]), "partial"),
        Case("negative_tenure", _csv(HEADER, GOOD_ROWS + ["C8,-5,No,10,广东"]), "partial"),
        Case("join_date_in_future",
             _csv("customer_id,join_date,churned,arpu", ["C1,2020-01-15,No,10", "C2,2099-01-01,No,10"]), "partial"),
        Case("join_date_before_1990",
             _csv("customer_id,join_date,churned,arpu", ["C1,2020-01-15,No,10", "C2,1985-03-01,No,10"]), "partial"),
        Case("unparseable_dates",
             _csv("customer_id,join_date,churned,arpu", ["C1,2020-01-15,No,10", "C2,yesterday,No,10"]), "partial"),
        Case("ambiguous_day_month_dates",
             _csv("customer_id,join_date,churned,arpu", ["C1,2020-01-15,No,10", "C2,05/01/2020,No,10"]), "partial"),
        Case("excel_serial_dates",
             _csv("customer_id,join_date,churned,arpu", ["C1,43831,No,10", "C2,44197,Yes,20"]), "clean"),
        Case("formula_cells", _csv(HEADER, ['C1,12,No,10,"=HYPERLINK(""http://x"")"', "C2,3,No,5,@SUM(A1)"]), "clean"),
        Case("formula_in_id", _csv(HEADER, ["=1+1,12,No,10,广东", "C2,3,No,5,北京"]), "clean"),
        Case("bad_churn_type",
             _csv("customer_id,tenure_months,churned,arpu,churn_type", ["C1,12,Yes,10,angry", "C2,3,Yes,5,转网"]), "clean"),
        Case("age_out_of_range", _csv(HEADER + ",age", [r + ",300" for r in GOOD_ROWS]), "clean"),
        Case("very_long_cell", _csv(HEADER, GOOD_ROWS + ["C9,5,No,10," + "长" * 100_000]), "clean"),
        Case("every_row_bad", _csv(HEADER, ["C1,x,No,10,a", "C2,y,No,10,b"]), "refused"),
        Case("blank_lines_between", _csv(HEADER, GOOD_ROWS[:2] + ["", ",,,,"] + GOOD_ROWS[2:]), "partial"),
    ]


def file_cases() -> list[Case]:
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(4096))
    good = _good_frame()
    return [
        Case("zero_bytes", b"", "refused"),
        Case("whitespace_only", b"  \n\n \t\n", "refused"),
        Case("binary_junk", junk, "refused"),
        Case("png_named_csv", b"\x89PNG\r\n\x1a\n" + junk, "refused"),
        Case("zip_not_xlsx", b"PK\x03\x04" + junk, "refused", "snapshot.xlsx"),
        Case("truncated_parquet", _parquet(good)[:200], "refused", "snapshot.parquet"),
        Case("parquet", _parquet(good), "clean", "snapshot.parquet"),
        Case("parquet_named_csv", _parquet(good), "clean"),
        Case("xlsx_one_sheet", _xlsx({"data": good}), "clean", "snapshot.xlsx"),
        Case("xlsx_several_sheets", _xlsx({"notes": pl.DataFrame({"note": ["read me"]}), "data": good}),
             "refused", "snapshot.xlsx"),
        Case("xlsx_empty_sheet", _xlsx({"data": pl.DataFrame({"customer_id": []}, schema={"customer_id": pl.String})}),
             "refused", "snapshot.xlsx"),
        Case("nul_bytes_in_text", _csv(HEADER, GOOD_ROWS).replace(b"C3", b"C\x003"), "refused"),
        Case("html_error_page", b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "refused"),
        Case("json_named_csv", b'[{"customer_id": "C1", "arpu": 10}]', "refused"),
    ]


def cases() -> list[Case]:
    """Every case of the corpus (at least 60), names unique."""
    everything = encoding_cases() + delimiter_cases() + column_cases() + value_cases() + file_cases()
    assert len({c.name for c in everything}) == len(everything)
    return everything


def big_csv(path: Path, size_bytes: int) -> int:
    """Write a valid CSV of about ``size_bytes`` to ``path`` in 1M-row chunks; return its rows."""
    chunk = 1_000_000
    base = pl.DataFrame({"n": range(chunk)}).select(
        tenure_months=pl.col("n") % 120, churned=pl.when(pl.col("n") % 37 == 0).then(pl.lit("Yes")).otherwise(pl.lit("No")),
        arpu=(pl.col("n") % 500) + 0.5, province=pl.lit("广东"))
    rows, written = 0, 0
    with path.open("wb") as out:
        out.write((HEADER + "\n").encode())
        while written < size_bytes:
            frame = pl.DataFrame({"customer_id": [f"B{rows + i:010d}" for i in range(chunk)]}).hstack(base)
            buffer = io.BytesIO()
            frame.write_csv(buffer, include_header=False)
            out.write(buffer.getvalue())
            written += buffer.tell()
            rows += chunk
    return rows


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/artifacts/corpus")
    target.mkdir(parents=True, exist_ok=True)
    for case in cases():
        (target / f"{case.name}{Path(case.file_name).suffix}").write_bytes(case.data)
    print(f"{len(cases())} files in {target}")
