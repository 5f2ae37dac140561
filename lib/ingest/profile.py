"""A profile of a validated file, shown beside the preview before an import: per mapped field
the share of blank values, the number of distinct values, min / median / max of numbers and
dates or the most frequent values of text and flags; and the churn share.

Computed on the accepted rows (typed, units converted: tenure in months, data in GB), so it
shows what the import would store, not the source text.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lib.ingest.mapping import Mapping
from lib.store.schema import CONTRACT_COLUMNS, FIELDS_BY_NAME

#: Most frequent values listed per text or flag field.
TOP_VALUES = 3

PROFILE_SCHEMA: dict[str, pl.DataType] = {
    "field": pl.String(), "column": pl.String(), "null_share": pl.Float64(),
    "distinct": pl.Int64(), "min": pl.String(), "median": pl.String(), "max": pl.String(),
    "top": pl.String(),
}
_NUMERIC = ("int", "float")


@dataclass(frozen=True)
class FileProfile:
    """The profile of one validated file.

    Attributes
    ----------
    fields : one row per mapped field (``PROFILE_SCHEMA``): ``null_share`` share 0–1 of the
        accepted rows blank in that field; ``distinct`` distinct non-blank values; ``min``,
        ``median``, ``max`` as text (numbers and dates; median for numbers only); ``top`` the
        ``TOP_VALUES`` most frequent values with their counts ("Yes 145 · No 855").
    rows : accepted rows profiled.
    churn_share : share 0–1 of accepted rows flagged churned (``churned`` true, or a
        ``churn_date`` when only that is mapped); ``None`` when neither is mapped or all blank.
    """

    fields: pl.DataFrame
    rows: int
    churn_share: float | None


def _number(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _top(values: pl.Series) -> str:
    counts = values.drop_nulls().cast(pl.String).value_counts(sort=True, name="n").head(TOP_VALUES)
    return " · ".join(f"{v} {n:,}" for v, n in counts.iter_rows()) or "–"


def field_profile(accepted: pl.DataFrame, field: str, column: str) -> dict[str, object]:
    """The profile row of one field of ``accepted`` (see :class:`FileProfile`)."""
    values = accepted[field]
    rows = accepted.height
    kind = FIELDS_BY_NAME[field].kind if field in FIELDS_BY_NAME else "text"
    present = values.drop_nulls()
    row: dict[str, object] = {
        "field": field, "column": column,
        "null_share": (values.null_count() / rows) if rows else None,
        "distinct": present.n_unique(), "min": "–", "median": "–", "max": "–", "top": "–"}
    if kind in _NUMERIC and present.len():
        row |= {"min": _number(present.min()), "median": _number(float(present.median())),
                "max": _number(present.max())}
    elif kind == "date" and present.len():
        row |= {"min": str(present.min()), "max": str(present.max())}
    else:
        row["top"] = _top(values)
    return row


def churn_share(accepted: pl.DataFrame) -> float | None:
    """Share 0–1 of ``accepted`` rows flagged churned; ``None`` when no flag is known."""
    if "churned" in accepted.columns:
        flags = accepted["churned"].drop_nulls()
        return float(flags.cast(pl.Float64).mean()) if flags.len() else None
    if "churn_date" in accepted.columns and accepted.height:
        return accepted["churn_date"].is_not_null().mean()
    return None


def profile(accepted: pl.DataFrame, mapping: Mapping) -> FileProfile:
    """The profile of the accepted rows of a validated file (``ValidationResult.accepted``)
    for the fields ``mapping`` maps, in contract order."""
    rows = [field_profile(accepted, field, " + ".join(mapping[field].columns))
            for field in CONTRACT_COLUMNS if field in mapping and field in accepted.columns]
    return FileProfile(pl.DataFrame(rows, schema=PROFILE_SCHEMA, orient="row"), accepted.height,
                       churn_share(accepted))
