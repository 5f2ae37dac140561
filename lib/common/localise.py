"""Tables in the user's language: headers from the catalogue, coded cells named, lists punctuated.

``localised(frame, lang)`` renames every column that has a ``tbl_<column>`` entry in
``lib.i18n`` and replaces the cells of coded columns (``CODED``) by their ``tbl_<column>_<value>``
name when the catalogue has one; any other value (a file name, a user's note) stays as stored.
``join(items, lang)`` writes a list the way each language does: "a, b, c" in English,
"a、b、c" in Chinese (the enumeration comma 、, not the ASCII comma).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from lib.common.frames import relabel
from lib.i18n import STRINGS, Markdown, t_text

#: Columns whose cells are codes with a name in the catalogue, and the prefix of those keys
#: (``tbl_<column>_<code>`` unless the code has a name elsewhere already).
CODED: dict[str, str] = {c: f"tbl_{c}_" for c in ("source_name", "status", "author", "note", "view",
                                                   "severity", "source")} | {"outcome": "outcome_"}


def header(column: str, lang: str) -> str:
    """The column's header in ``lang`` (``tbl_<column>``), or the column name when it has none."""
    key = f"tbl_{column}"
    return t_text(key, lang) if key in STRINGS else column


def cell(column: str, value: object, lang: str) -> object:
    """A coded cell's name in ``lang``; any value without a catalogue entry as stored."""
    key = f"{CODED.get(column, f'tbl_{column}_')}{value}"
    return t_text(key, lang) if key in STRINGS else value


def churn_reason(code: str | None, lang: str) -> str | None:
    """A churn reason in ``lang``: the name of a known code, else the file's own text."""
    if code is None:
        return None
    key = f"churn_reason_code_{code}"
    return t_text(key, lang) if key in STRINGS else code


def field_name(field: str | None, lang: str) -> str | None:
    """A contract field's name in ``lang`` (``field_<name>``); a name it does not know as given."""
    if field is None:
        return None
    key = f"field_{field}"
    return t_text(key, lang) if key in STRINGS else field


def field_label(field: str, lang: str) -> str:
    """A contract field as the mapping editor labels it: its code in English (what ``--map``
    and templates take), its Chinese name with the code beside it in Chinese."""
    name = field_name(field, lang)
    return f"{name}（{field}）" if lang == "zh" and name != field else field


def unit_name(unit: str | None, lang: str) -> str:
    """A unit code of the mapping (``lib.store.schema.UNIT_FACTORS``: days, years, mb …) in
    ``lang`` (``ingest_unit_<code>``); blank for none, a unit without a name as its code."""
    if not unit:
        return ""
    key = f"ingest_unit_{unit}"
    return t_text(key, lang) if key in STRINGS else unit


def report_view(report: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The validation report for the screen: the message in ``lang`` only, field names and
    severities named, headers translated (the CSV keeps every column, both languages)."""
    message = "message_zh" if lang == "zh" else "message_en"
    shown = report.select([c for c in report.columns if c not in {"code", "message_en", "message_zh"}]
                          + [pl.col(message).alias("message")])
    if "field" in shown.columns:
        shown = shown.with_columns(relabel(shown["field"], lambda f: field_name(f, lang)))
    return localised(shown, lang)


def localised(frame: pl.DataFrame, lang: str, keep: Iterable[str] = ()) -> pl.DataFrame:
    """``frame`` with coded cells named and headers translated (``keep``: columns left as they
    are, e.g. an id the page reads back); timestamps at midnight shown as dates and empty text
    cells as "–" (not Streamlit's "None")."""
    kept = set(keep)
    coded = [c for c in frame.columns if c in CODED and c not in kept
             and frame.schema[c] in (pl.String, pl.Categorical)]
    if coded:
        frame = frame.with_columns(
            [relabel(frame[c], lambda v, c=c: str(cell(c, v, lang))) for c in coded])
    # a date stored as a timestamp at midnight reads as the date; an empty text cell as "–"
    midnight = [c for c in frame.columns if c not in kept and isinstance(frame.schema[c], pl.Datetime)
                and frame[c].drop_nulls().dt.time().eq(dt.time(0)).all() and frame[c].drop_nulls().len()]
    texts = [c for c in frame.columns if c not in kept and frame.schema[c] == pl.String]
    frame = frame.with_columns([pl.col(c).dt.date() for c in midnight] + [pl.col(c).fill_null("–") for c in texts])
    return frame.rename({c: header(c, lang) for c in frame.columns if c not in kept})


def join(items: Iterable[object], lang: str) -> str:
    """Items as one list: "a, b" in English, "a、b" in Chinese. Texts made by ``t`` (escaped
    markdown) stay marked as such, so a message that takes the list does not escape them twice."""
    return _joined(("、" if lang == "zh" else ", "), items)


def join_clauses(items: Iterable[object], lang: str) -> str:
    """Longer items (clauses, "tier: value") as one list: "; " in English, "；" in Chinese."""
    return _joined(("；" if lang == "zh" else "; "), items)


def _joined(separator: str, items: Iterable[object]) -> str:
    listed = list(items)
    text = separator.join(str(item) for item in listed)
    return Markdown(text) if listed and all(isinstance(i, Markdown) for i in listed) else text
