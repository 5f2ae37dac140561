"""Small polars helpers shared by lib and the pages."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl


def relabel(values: pl.Series, label: Callable[[Any], str | None]) -> pl.Series:
    """``label(value)`` for every value of ``values`` (nulls stay null): a String series of the
    same name. ``label`` runs once per distinct value, in the calling thread, and polars maps
    the results. Not ``map_elements``: a Python function inside a polars expression runs on
    polars' thread pool, and with several sessions' script threads that can deadlock the pool
    against another thread's conversion to pandas (a page stalled 120 s in ``tools/load.py``;
    pola-rs/polars#26821)."""
    mapping = {value: label(value) for value in values.drop_nulls().unique().to_list()}
    if not mapping:
        return pl.Series(values.name, [None] * values.len(), dtype=pl.String)
    return values.replace_strict(mapping, default=None, return_dtype=pl.String).alias(values.name)
