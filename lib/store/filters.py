"""What every page's queries share: the sidebar's filters and small SQL helpers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from lib.store import customers

c = customers.c


@dataclass(frozen=True)
class Filters:
    """The global sidebar's choices: one snapshot, optional provinces and tiers (1–6)."""

    snapshot_date: dt.date
    provinces: tuple[str, ...] = field(default=())
    tiers: tuple[int, ...] = field(default=())


def double(expr: sa.ColumnElement) -> sa.ColumnElement[float]:
    """Cast to double precision, so every engine returns the same float type."""
    return sa.cast(expr, sa.Double)


def segment_conditions(filters: Filters, columns: sa.ColumnCollection = c) -> list[sa.ColumnElement[bool]]:
    """WHERE terms for the province and tier choices (no snapshot term), on rows or the cube."""
    terms: list[sa.ColumnElement[bool]] = []
    if filters.provinces:
        terms.append(columns.province.in_(filters.provinces))
    if filters.tiers:
        terms.append(columns.tier.in_(filters.tiers))
    return terms
