"""What every page's queries share: the sidebar's filters, the acting user's scope, and small
SQL helpers.

A ``Filters`` carries the row-level scope of the user it was built for (``lib.store.scope``):
when none is given, the acting user's, and building one with nobody acting is refused. Every
query that takes filters adds ``segment_conditions``, which ANDs the scope in before the
sidebar's choices, so no query built from filters can read outside the scope.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from lib.store.scope import Scope, acting_scope, scope_terms
from lib.store import customers

c = customers.c


@dataclass(frozen=True)
class Filters:
    """The global sidebar's choices: one snapshot, optional provinces and tiers (1–6), and the
    row-level scope of the user they are for (default: the acting user's)."""

    snapshot_date: dt.date
    provinces: tuple[str, ...] = field(default=())
    tiers: tuple[int, ...] = field(default=())
    scope: Scope = field(default_factory=acting_scope)


def double(expr: sa.ColumnElement) -> sa.ColumnElement[float]:
    """Cast to double precision, so every engine returns the same float type."""
    return sa.cast(expr, sa.Double)


def segment_conditions(filters: Filters, columns: sa.ColumnCollection = c) -> list[sa.ColumnElement[bool]]:
    """WHERE terms for the scope, the province and the tier choices (no snapshot term), on rows
    or a cube."""
    terms = scope_terms(columns, filters.scope)
    if filters.provinces:
        terms.append(columns.province.in_(filters.provinces))
    if filters.tiers:
        terms.append(columns.tier.in_(filters.tiers))
    return terms
