"""Downloads that are safe to open in a spreadsheet: CSV (UTF-8 with BOM) and XLSX.

A cell whose text starts with ``= + - @``, a tab or a carriage return would run as a formula in
Excel or WPS; it gets a leading apostrophe, so it shows as the text it is. Numbers stay numbers.
"""
from __future__ import annotations

import io

import polars as pl

from lib.common.frames import relabel

FORMULA_START = r"^[=+\-@\t\r]"
UTF8_BOM = b"\xef\xbb\xbf"


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that could run as a formula prefixed by an apostrophe."""
    return frame.with_columns(
        [pl.when(pl.col(name).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(name))
         .otherwise(pl.col(name)).alias(name)
         for name, dtype in frame.schema.items() if dtype == pl.String]
    )


def mask_identifier(value: str | None) -> str | None:
    """Mask a personal identifier for display: the middle hidden, the ends kept so a person
    can tell two apart (138****5678; C00****34); short values are hidden but for one end."""
    if value is None:
        return None
    text = str(value)
    if len(text) >= 11:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if len(text) >= 6:
        return text[:3] + "*" * (len(text) - 5) + text[-2:]
    return text[:1] + "*" * (len(text) - 1)


def mask_identifiers(frame: pl.DataFrame, columns: tuple[str, ...] = ("customer_id",),
                     can_see: bool = False) -> pl.DataFrame:
    """``frame`` with its personal-identifier ``columns`` masked unless ``can_see``."""
    if can_see:
        return frame
    return frame.with_columns([relabel(frame[c].cast(pl.String), mask_identifier)
                               for c in columns if c in frame.columns])


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV with a BOM (so Excel shows Chinese text), formula safe."""
    buffer = io.BytesIO()
    formula_safe(frame).write_csv(buffer)
    return UTF8_BOM + buffer.getvalue()


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "data") -> bytes:
    """One-sheet XLSX, formula safe; text is written as text, never parsed as a formula."""
    buffer = io.BytesIO()
    safe = formula_safe(frame)
    import xlsxwriter

    with xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False}) as book:
        safe.write_excel(book, worksheet=sheet, autofit=True)
    return buffer.getvalue()
