"""Dimensions a lifecycle view groups or filters by: stored segment columns and extra file
columns (``attr:NAME``), and their values."""
from __future__ import annotations

import sqlalchemy as sa

from lib.lifecycle import queries as q
from lib.lifecycle.queries import ATTRIBUTE_PREFIX, DIMENSIONS, attribute_dimension
from lib.store import read_frame
from lib.store.filters import Filters


def dimension_values(conn: sa.Connection, filters: Filters, dimension: str,
                     limit: int) -> list[str]:
    """The most frequent values of ``dimension`` in the chosen snapshot, as text."""
    frame = read_frame(conn, q.dimension_values(filters, dimension, limit))
    return [str(v) for v in frame["value"].to_list()] if frame.height else []



def dimension_names(conn: sa.Connection, filters: Filters, max_values: int = 50) -> list[str]:
    """Dimensions offered for grouping and filtering: the stored segment columns, then every
    extra column of the imported file stored for the chosen snapshot (``attr:NAME``) with at
    most ``max_values`` distinct values (``dimension_max_values`` in the rules)."""
    extra = read_frame(conn, q.attribute_names(filters.snapshot_date, max_values))
    names = extra["name"].to_list() if extra.height else []
    return [*DIMENSIONS, *(attribute_dimension(n) for n in names)]


def is_attribute(dimension: str | None) -> bool:
    """Whether ``dimension`` is an extra file column (not a stored contract column)."""
    return bool(dimension) and dimension.startswith(ATTRIBUTE_PREFIX)


def attribute_name(dimension: str) -> str:
    """The file's column name of an attribute dimension."""
    return dimension[len(ATTRIBUTE_PREFIX):]


def stored_value(dimension: str | None, value: str | None) -> object:
    """A chosen value as the stored column compares it (tiers are integers)."""
    if dimension == "tier" and value is not None:
        return int(value)
    return value
