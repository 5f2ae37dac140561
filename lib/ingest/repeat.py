"""Is a new file the previous snapshot again? Overlap figures checked before an import.

A monthly export that repeats last month's (the same file sent twice, or an export job that did
not refresh) carries the same customer ids, tenures that did not grow and last month's churners
churned again. Stored as a new month it makes every KPI trend flat and counts the churners
twice. These figures compare the file with the latest stored snapshot dated before it, in SQL
(the file's three columns are staged in a temporary table; no stored row is read into Python):

- ``ids_share``: share (0–1) of the file's customers whose id is in the previous snapshot;
- ``unchanged_tenure_share``: of those, share whose tenure moved by less than
  ``TENURE_UNCHANGED_MONTHS`` (a month later it should have grown by about one month);
- ``churners_again_share``: share of the previous snapshot's churners flagged churned again.

The thresholds are ``[import_checks]`` ``repeat_*`` in the rules; the user confirms a file that
crosses them (Data page checkbox, CLI ``--confirm-repeat``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.rules import Rules
from lib.store import customers, snapshots

SECTION = "import_checks"
#: Tenures closer than this many months count as unchanged (a month later, tenure read from a
#: join date grows by about one month; a tenure column in days by about 30 days).
TENURE_UNCHANGED_MONTHS = 0.5

_probe_metadata = sa.MetaData()
_probe = sa.Table(
    "repeat_probe", _probe_metadata,
    sa.Column("customer_id", sa.String),
    sa.Column("tenure_months", sa.Double),
    sa.Column("churned", sa.Boolean),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class RepeatThresholds:
    """``[import_checks]`` repeat thresholds, shares 0–1: a file repeats the previous snapshot
    when ``ids_share`` reaches ``ids_share_min`` and either ``unchanged_tenure_share`` reaches
    ``unchanged_tenure_share_min`` or ``churners_again_share`` reaches
    ``churners_again_share_min``."""

    ids_share_min: float
    unchanged_tenure_share_min: float
    churners_again_share_min: float


def repeat_thresholds(rules: Rules) -> RepeatThresholds:
    """Read and check the thresholds (shipped defaults for keys a saved version lacks)."""
    section = rules.read(SECTION)
    return RepeatThresholds(*(section.share(key) for key in (
        "repeat_ids_share_min", "repeat_unchanged_tenure_share_min",
        "repeat_churners_again_share_min")))


@dataclass(frozen=True)
class RepeatOverlap:
    """How much a file overlaps the previous stored snapshot (see the module doc).

    Attributes
    ----------
    previous_date : the stored snapshot compared with.
    file_customers, previous_customers, previous_churners : counts of customers.
    ids_share : share (0–1) of the file's customers found in the previous snapshot.
    unchanged_tenure_share : share (0–1) of the found customers with a tenure in both whose
        tenure is unchanged; None when no found customer has one in both.
    churners_again_share : share (0–1) of the previous snapshot's churners churned in the
        file too; None when the previous snapshot had no churner.
    """

    previous_date: dt.date
    file_customers: int
    previous_customers: int
    previous_churners: int
    ids_share: float
    unchanged_tenure_share: float | None
    churners_again_share: float | None

    def repeats(self, thresholds: RepeatThresholds) -> bool:
        """Whether the file looks like the previous snapshot again."""
        if self.ids_share < thresholds.ids_share_min:
            return False
        tenure = self.unchanged_tenure_share
        again = self.churners_again_share
        return ((tenure is not None and tenure >= thresholds.unchanged_tenure_share_min)
                or (again is not None and again >= thresholds.churners_again_share_min))


def previous_snapshot(conn: sa.Connection, before: dt.date) -> dt.date | None:
    """The latest stored snapshot dated before ``before``, or None."""
    return conn.execute(sa.select(sa.func.max(snapshots.c.snapshot_date))
                        .where(snapshots.c.snapshot_date < before)).scalar()


def repeat_overlap(conn: sa.Connection, rows: pl.DataFrame) -> RepeatOverlap | None:
    """Overlap of a derived file (``customer_id``, ``tenure_months``, ``churned``,
    ``snapshot_date``; one snapshot date) with the latest stored snapshot before it; None when
    the file is empty, holds several dates or nothing is stored before it."""
    from lib.pipeline.snapshots import bulk_insert

    dates = rows["snapshot_date"].drop_nulls().unique().to_list() if rows.height else []
    if len(dates) != 1:
        return None
    previous = previous_snapshot(conn, dates[0])
    if previous is None:
        return None
    probe = rows.select(pl.col("customer_id").cast(pl.String),
                        pl.col("tenure_months").cast(pl.Float64),
                        pl.col("churned").cast(pl.Boolean))
    _probe.create(conn, checkfirst=True)
    try:
        conn.execute(sa.delete(_probe))
        bulk_insert(conn, _probe, probe)
        return _figures(conn, previous)
    finally:
        _probe.drop(conn, checkfirst=True)


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _figures(conn: sa.Connection, previous: dt.date) -> RepeatOverlap:
    p, c = _probe.c, customers.c
    file_customers = conn.execute(sa.select(sa.func.count()).select_from(_probe)).scalar_one()
    stored = conn.execute(
        sa.select(sa.func.count(), _count(c.churned.is_(True)))
        .where(c.snapshot_date == previous)).one()
    both_tenure = p.tenure_months.is_not(None) & c.tenure_months.is_not(None)
    joined = conn.execute(
        sa.select(sa.func.count(), _count(both_tenure),
                  _count(both_tenure & (sa.func.abs(p.tenure_months - c.tenure_months)
                                        < TENURE_UNCHANGED_MONTHS)),
                  _count(c.churned.is_(True) & p.churned.is_(True)))
        .select_from(_probe.join(customers, sa.and_(p.customer_id == c.customer_id,
                                                    c.snapshot_date == previous)))).one()
    found, with_tenure, unchanged, again = (int(v) for v in joined)
    previous_churners = int(stored[1])
    return RepeatOverlap(
        previous_date=previous, file_customers=int(file_customers),
        previous_customers=int(stored[0]), previous_churners=previous_churners,
        ids_share=found / file_customers if file_customers else 0.0,
        unchanged_tenure_share=unchanged / with_tenure if with_tenure else None,
        churners_again_share=again / previous_churners if previous_churners else None,
    )
