"""One labelled-table helper: a result frame shown with headers in the user's language.

A page passes its frame and a map ``column -> Column(label key, unit)``; ``labelled`` keeps the
mapped columns in the map's order and renames them to their translated labels, and
``lib.ui.labelled_table`` draws them with ``lib.ui.table``, which formats each number by its
unit (``lib.common.fmt`` units: count, share, currency, ratio, months, number), so no page
translates headers or picks number formats by hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import polars as pl
import streamlit as st

from lib.i18n import t


@dataclass(frozen=True)
class Column:
    """A shown column: its header's i18n key, and its unit (a ``lib.common.fmt`` unit; None
    for text, dates and identifiers, shown as they are). ``suffix`` follows the translated
    header (" (%)" for a share already multiplied by 100)."""

    label_key: str
    unit: str | None = None
    suffix: str = ""


Spec = Union[str, Column]


def _column(spec: Spec) -> Column:
    return spec if isinstance(spec, Column) else Column(spec)


def labelled(frame: pl.DataFrame, columns: dict[str, Spec], lang: str, others: bool = False,
             rename: bool = True) -> tuple[pl.DataFrame, dict[str, str], dict]:
    """``frame``'s mapped columns (in ``columns``' order; absent ones skipped) with their labels
    in ``lang``: (frame as shown, shown column -> unit, ``column_config``).

    ``columns`` maps a column to a ``Column`` or just its label key (a text column).
    ``others``: keep the unmapped columns too, under their own names, in the frame's order.
    ``rename`` False: the frame keeps the lib's column names and the labels go into
    ``column_config`` only (the screen shows the same headers).
    """
    present = {name: _column(spec) for name, spec in columns.items() if name in frame.columns}
    labels = {name: t(col.label_key, lang) + col.suffix for name, col in present.items()}
    kept = frame if others else frame.select(list(present))
    if not rename:
        return (kept, {name: col.unit for name, col in present.items() if col.unit},
                {name: st.column_config.Column(labels[name]) for name in present})
    return (kept.rename(labels), {labels[name]: col.unit for name, col in present.items() if col.unit}, {})
