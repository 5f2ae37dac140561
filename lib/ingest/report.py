"""The validation report: one row per problem with messages in English and Chinese, and its
formula-safe CSV export.

Columns (``REPORT_SCHEMA``): ``row`` (1-based data row, null for the file), ``column`` (source
header(s)), ``field``, ``value`` (source text, at most ``VALUE_CHARS``), ``severity`` ("error" =
row rejected, "warning" = value blanked, row kept), ``code`` (i18n key), ``message_en``,
``message_zh``. Messages are formatted once per (code, field, column), not once per row, so
no message carries a row's value; a ``value`` of an identifier field is masked for roles that
may not see identifiers (:func:`masked_report`), on screen and in the CSV.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from lib.auth import current_actor
from lib.common.exports import csv_bytes, mask_identifier
from lib.common.frames import relabel
from lib.i18n import t_text

VALUE_CHARS = 80
REPORT_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(), "column": pl.String(), "field": pl.String(), "value": pl.String(),
    "severity": pl.String(), "code": pl.String(), "message_en": pl.String(),
    "message_zh": pl.String(),
}
#: Text a spreadsheet would run as a formula (or a DDE payload) when it starts a cell.


@dataclass(frozen=True)
class Term:
    """A message parameter that is itself a catalogue entry ("years" / "年"), put in the
    message's language when the message is formatted."""

    key: str


@dataclass(frozen=True)
class ProblemColumn:
    """Where one field's problems sit in the validation work frame."""

    field: str
    label: str          # source header(s), " + " between summed ones
    raw: pl.Expr        # source text of the field
    code: str           # column of problem codes (null = fine)
    severity: str       # column of severities


def build_report(work: pl.DataFrame, problems: list[ProblemColumn],
                 missing: list[tuple[str, str, str, str]],
                 file_level: list[tuple[str, dict]],
                 message_params: Callable[[str | None, str | None], dict],
                 cells: pl.DataFrame | None = None,
                 row_level: list[tuple[int, str, dict]] | None = None) -> pl.DataFrame:
    """The report of one validation.

    Parameters
    ----------
    work : one row per data row, with ``r`` (row number), ``blank`` (row empty) and the
        columns ``problems`` name.
    problems : per field, its problem and severity columns.
    missing : ``(flag column, code, field label, column label)`` of requirement groups with
        nothing usable (errors).
    file_level : ``(code, params)`` warnings about the whole file (row null); a :class:`Term`
        parameter is translated.
    message_params : template fields for a (field, column) pair.
    cells : report rows found cell by cell (``row``, ``column``, ``field``, ``value``,
        ``severity``, ``code``; no messages yet), e.g. NUL bytes in any column.
    row_level : ``(row, code, params)`` warnings the reader found about one data row (a line
        in another text encoding than the rest of the file); messages from ``params``.
    """
    none = pl.lit(None, pl.String)
    pieces = [work.filter(pl.col("blank")).select(
        pl.col("r").alias("row"), none.alias("column"), none.alias("field"), none.alias("value"),
        pl.lit("error").alias("severity"), pl.lit("ingest_blank_row").alias("code"))]
    for p in problems:
        pieces.append(work.filter(pl.col(p.code).is_not_null()).select(
            pl.col("r").alias("row"), pl.lit(p.label).alias("column"),
            pl.lit(p.field).alias("field"), p.raw.str.slice(0, VALUE_CHARS).str.replace_all("\x00", "\u2400", literal=True)
            .alias("value"),
            pl.col(p.severity).alias("severity"), pl.col(p.code).alias("code")))
    for flag, code, fields, columns in missing:
        pieces.append(work.filter(pl.col(flag)).select(
            pl.col("r").alias("row"), pl.lit(columns).alias("column"),
            pl.lit(fields).alias("field"), none.alias("value"),
            pl.lit("error").alias("severity"), pl.lit(code).alias("code")))
    if cells is not None:
        pieces.append(cells)
    rows = pl.concat([piece.cast({"row": pl.Int64, "value": pl.String}) for piece in pieces],
                     how="vertical").sort("row", maintain_order=True)
    keys = rows.select(["code", "field", "column"]).unique(maintain_order=True)
    messages = pl.DataFrame(
        [{"code": code, "field": field, "column": column,
          "message_en": _message(code, "en", message_params(field, column)),
          "message_zh": _message(code, "zh", message_params(field, column))}
         for code, field, column in keys.iter_rows()],
        schema={"code": pl.String, "field": pl.String, "column": pl.String,
                "message_en": pl.String, "message_zh": pl.String},
    )
    rows = rows.join(messages, on=["code", "field", "column"], how="left", nulls_equal=True,
                     maintain_order="left")
    head = pl.DataFrame(
        [{"row": None, "column": params.get("column") or params.get("header"),
          "field": params.get("field"), "value": None, "severity": "warning", "code": code,
          "message_en": _message(code, "en", params), "message_zh": _message(code, "zh", params)}
         for code, params in file_level],
        schema=REPORT_SCHEMA,
    )
    noted = pl.DataFrame(
        [{"row": row, "column": params.get("column"), "field": params.get("field"),
          "value": (params.get("value") or None) and str(params["value"])[:VALUE_CHARS],
          "severity": "warning", "code": code,
          "message_en": _message(code, "en", params), "message_zh": _message(code, "zh", params)}
         for row, code, params in row_level or []],
        schema=REPORT_SCHEMA,
    )
    body = rows.select(list(REPORT_SCHEMA))
    if noted.height:
        body = pl.concat([body, noted], how="vertical").sort("row", maintain_order=True)
    return pl.concat([head, body], how="vertical")


def _message(code: str, lang: str, params: dict) -> str:
    # plain text: these messages are table cells, CSV and CLI lines (escaped where shown as markdown)
    params = {k: t_text(v.key, lang) if isinstance(v, Term) else v for k, v in params.items()}
    try:
        return t_text(code, lang, **params)
    except (KeyError, IndexError, ValueError):
        return t_text(code, lang)


#: Report fields whose values are personal identifiers (masked unless the role may see them).
IDENTIFIER_FIELDS: tuple[str, ...] = ("customer_id",)


def masked_report(report: pl.DataFrame, can_see: bool | None = None) -> pl.DataFrame:
    """``report`` with the ``value`` of every identifier field masked by the Action list's rule
    (``lib.common.exports.mask_identifier``) unless ``can_see``.

    ``can_see`` None: whether the acting user may ``see_identifiers`` (nobody signed in may
    not), so a report leaves lib masked unless someone entitled asked for it.
    """
    if can_see is None:
        actor = current_actor()
        can_see = actor is not None and actor.can("see_identifiers")
    if can_see or report.height == 0:
        return report
    masked = relabel(report["value"], mask_identifier)
    return report.with_columns(pl.when(pl.col("field").is_in(IDENTIFIER_FIELDS)).then(masked)
                               .otherwise(pl.col("value")).alias("value"))


def report_csv(result) -> bytes:
    """The report of a ``ValidationResult`` (or a report frame) as formula-safe CSV bytes with a
    BOM (see ``lib.common.exports.csv_bytes``), identifiers masked unless the acting user may see them
    (:func:`masked_report`)."""
    return csv_bytes(masked_report(getattr(result, "report", result)))
