"""One labelled-table helper: a result frame shown with headers in the user's language.

A page passes its frame and a map ``column -> Column(label key, unit)``; the helper keeps the
mapped columns in the map's order, renames them to their translated labels and formats each by
its unit, so no page translates headers or picks number formats by hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import polars as pl
import streamlit as st

from lib.i18n import t

#: How each unit is shown (Streamlit's printf-style formats; the values stay numbers, so a
#: column still sorts as a number). share: 0–1 shown as a percentage; count: whole things
#: (customers, calls); expected: an expected count, fractional (saves); currency: money, no
#: decimals; months: a duration; amount: money per month as the user's locale writes it.
UNIT_FORMATS: dict[str, str] = {
    "share": "percent",
    "count": "%.0f",
    "expected": "%.1f",
    "currency": "%,.0f",
    "months": "%.1f",
    "amount": "localized",
}


@dataclass(frozen=True)
class Column:
    """A shown column: its header's i18n key, and its unit (a key of ``UNIT_FORMATS``; None
    for text, dates and identifiers, shown as they are). ``suffix`` follows the translated
    header (" (%)" for a share already multiplied by 100)."""

    label_key: str
    unit: str | None = None
    suffix: str = ""


Spec = Union[str, Column]


def _column(spec: Spec) -> Column:
    return spec if isinstance(spec, Column) else Column(spec)


def labelled(frame: pl.DataFrame, columns: dict[str, Spec], lang: str,
             others: bool = False, rename: bool = True) -> tuple[pl.DataFrame, dict]:
    """``frame``'s mapped columns (in ``columns``' order; absent ones skipped) renamed to their
    labels in ``lang``, and the ``column_config`` that formats them by unit.

    ``columns`` maps a column to a ``Column`` or just its label key (a text column).
    ``others``: keep the unmapped columns too, under their own names, in the frame's order
    (a table whose columns depend on the user's choices). ``rename`` False: the frame keeps
    its column names and the labels go into ``column_config`` only (the screen shows the same
    headers; the frame, and anything reading it, keeps the lib's names).
    """
    present = {name: _column(spec) for name, spec in columns.items() if name in frame.columns}
    labels = {name: t(col.label_key, lang) + col.suffix for name, col in present.items()}
    kept = frame if others else frame.select(list(present))
    if not rename:
        return kept, {name: _config(labels[name], col) for name, col in present.items()}
    return kept.rename(labels), {labels[name]: _config(labels[name], col)
                                 for name, col in present.items() if col.unit is not None}


def _config(label: str, col: Column) -> dict:
    if col.unit is None:
        return st.column_config.TextColumn(label)
    return st.column_config.NumberColumn(label, format=UNIT_FORMATS[col.unit])


def labelled_table(frame: pl.DataFrame, columns: dict[str, Spec], lang: str, others: bool = False,
                   rename: bool = True, **kwargs) -> pl.DataFrame:
    """Draw ``frame`` labelled (``labelled``); returns the frame as shown (for its download).
    ``kwargs`` go to ``st.dataframe`` (``height``)."""
    shown, config = labelled(frame, columns, lang, others, rename)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, **kwargs)
    return shown
