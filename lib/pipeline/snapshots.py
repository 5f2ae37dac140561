"""Writing, listing and deleting customer snapshots, each import one transaction.

An import lands all its accepted rows or none: rows, attributes, tiers and stages, the
snapshot list and the import log are written on one connection inside one transaction.
A failed import is logged afterwards in a transaction of its own, so the log tells what was
tried even though nothing else changed.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.auth import require
from lib.pipeline.cubes import rebuild_cube, rebuild_lifetime_cubes, rebuild_score_cube
from lib.rules import Rules, stage_case, tier_case, usage_decline
from lib.rules.versions import rules_in_force
from lib.store.schema import RULE_COLUMNS, stored_dtypes
from lib.store import (
    StoreError,
    campaign_contacts,
    customer_attributes,
    churn_scores,
    customer_cube,
    lifetime_cube,
    score_cube,
    customer_segments,
    customers,
    import_log,
    now,
    read_frame,
    snapshots,
    writer_busy,
    writing,
)

#: Prefix of source columns outside the contract (set by ingest).
EXTRA_PREFIX = "x_"
#: Rows per batch when the engine offers no bulk path (Spark SQL and others).
INSERT_BATCH_ROWS = 5_000

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ImportOutcome:
    """What one import wrote."""

    import_id: int
    snapshot_dates: tuple[dt.date, ...]
    rows_written: int
    rules_version: int


def _noop(_share: float, _step: str) -> None:
    return None


def _stored_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame's stored columns in table order, rule columns empty."""
    dtypes = stored_dtypes()
    return frame.select(
        [
            pl.lit(None, dtype=dtypes[c]).alias(c) if c in RULE_COLUMNS else pl.col(c).cast(dtypes[c])
            for c in dtypes
        ]
    )


def _attribute_frame(frame: pl.DataFrame) -> pl.DataFrame:
    extras = [c for c in frame.columns if c.startswith(EXTRA_PREFIX)]
    if not extras:
        return pl.DataFrame(schema={"snapshot_date": pl.Date, "customer_id": pl.String,
                                    "name": pl.String, "value": pl.String})
    long = frame.select(["snapshot_date", "customer_id", *extras]).unpivot(
        index=["snapshot_date", "customer_id"], on=extras, variable_name="name", value_name="value"
    )
    return long.filter(pl.col("value").is_not_null()).with_columns(
        pl.col("name").str.strip_prefix(EXTRA_PREFIX), pl.col("value").cast(pl.String)
    )


def bulk_insert(conn: sa.Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    """Insert ``frame`` (columns in table order) into ``table`` by the fastest path the engine has."""
    if frame.height == 0:
        return
    columns = ", ".join(frame.columns)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "duckdb":
        # Arrow registered on the same connection: one INSERT … SELECT inside our transaction.
        view = f"staging_{table.name}"
        raw.register(view, frame.to_arrow())
        try:
            conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {view}")
        finally:
            raw.unregister(view)
    elif conn.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
            for row in frame.iter_rows():
                copy.write_row(row)
    else:
        for batch in frame.iter_slices(INSERT_BATCH_ROWS):
            conn.execute(sa.insert(table), batch.to_dicts())


def apply_rules(conn: sa.Connection, rules: Rules, dates: list[dt.date] | None = None) -> None:
    """(Re)compute tier and stage of stored rows from ``rules``, then rebuild their cube rows.

    ``dates`` None means every stored snapshot.
    """
    statement = sa.update(customers).values(
        tier=tier_case(rules, customers.c), stage=stage_case(rules, customers.c)
    )
    update_snapshots = sa.update(snapshots).values(rules_version=rules.version)
    if dates is not None:
        statement = statement.where(customers.c.snapshot_date.in_(dates))
        update_snapshots = update_snapshots.where(snapshots.c.snapshot_date.in_(dates))
    conn.execute(statement)
    for step in usage_decline(rules, customers, dates):   # stage rule on the usage trend
        conn.execute(step)
    conn.execute(update_snapshots)
    rebuild_cube(conn, rules, dates)
    rebuild_lifetime_cubes(conn, rules, dates)
    rebuild_score_cube(conn, dates)
    refresh_statistics(conn, customers, customer_attributes, customer_cube, lifetime_cube,
                       campaign_contacts, score_cube)


def refresh_statistics(conn: sa.Connection, *tables: sa.Table) -> None:
    """Refresh the planner's statistics of ``tables`` after a bulk write (PostgreSQL ANALYZE,
    allowed inside the transaction; DuckDB keeps its own). Without it PostgreSQL plans the
    first queries after an import or a scoring on empty-table estimates: nested loops that
    turned a 36,000-row call list into a 10-90 s wait (tests/test_parity.py)."""
    if conn.dialect.name == "postgresql":
        for table in tables:
            conn.exec_driver_sql(f"ANALYZE {table.name}")


def _delete_rows(conn: sa.Connection, dates: list[dt.date]) -> None:
    for table in (customers, customer_attributes, customer_cube, customer_segments, churn_scores,
                  score_cube, snapshots):
        conn.execute(sa.delete(table).where(table.c.snapshot_date.in_(dates)))


def stored_dates(conn: sa.Connection | sa.Engine) -> list[dt.date]:
    """Snapshot dates in the store, oldest first."""
    frame = read_frame(conn, sa.select(snapshots.c.snapshot_date).order_by(snapshots.c.snapshot_date))
    return frame["snapshot_date"].to_list() if frame.height else []


#: The Data page's answer for a file whose churn window nobody knows.
WINDOW_UNKNOWN = "unknown"

#: What the Data page offers for a file's churn window: months, or ``WINDOW_UNKNOWN``.
CHURN_WINDOW_CHOICES: tuple[int | str, ...] = (1, 3, 6, 12, WINDOW_UNKNOWN)


def chosen_window(choice: int | str) -> int | None:
    """The churn window (months) of a ``CHURN_WINDOW_CHOICES`` answer; None for unknown."""
    return None if choice == WINDOW_UNKNOWN else int(choice)


def write_snapshots(
    engine: sa.Engine,
    frame: pl.DataFrame,
    *,
    rules: Rules,
    source_name: str,
    rows_read: int | None = None,
    rows_rejected: int = 0,
    churn_window_months: int | None,
    replace: bool = False,
    user_name: str | None = None,
    progress: Progress = _noop,
) -> ImportOutcome:
    """Store a derived contract frame (see ``lib.pipeline.derive``) as one import, atomically.

    Parameters
    ----------
    frame : derived rows; may hold several snapshot dates; ``x_*`` columns become attributes.
    churn_window_months : months over which the file's churn flag was observed (1 for a
        monthly export); churn rates are normalised to a month with it. None when the
        importer does not know it: it is stored as unknown and no monthly rate is made from
        the snapshot. Deliberately without a default: a guessed window turns a quarter's or
        a lifetime's churn share into a "monthly" rate several times too high.
    replace : replace snapshots already stored for the same dates instead of refusing.

    Raises
    ------
    StoreError ``store_snapshot_exists`` when a date is stored and ``replace`` is False;
    ``store_no_rows`` for an empty frame. Nothing is changed in either case.
    """
    actor = require("import")
    user_name = user_name or actor.name
    started = now()
    dates = sorted(frame["snapshot_date"].unique().to_list()) if frame.height else []
    try:
        if not dates:
            raise StoreError("store_no_rows")
        if churn_window_months is not None and churn_window_months < 1:
            raise StoreError("store_bad_window", value=churn_window_months)
        outcome = _write(engine, frame, dates, rules, source_name, rows_read, rows_rejected,
                         churn_window_months, replace, user_name, started, progress)
    except Exception as exc:
        _log_failure(engine, source_name, dates, rows_read, started, user_name, exc)
        raise
    return outcome


def rules_for_import(conn: sa.Connection, rules: Rules) -> Rules:
    """The rules an import grades by, read inside its writing transaction: ``rules`` unless they
    are a stored version no longer in force, then the version in force. A rules save that
    committed after the importer read its rules has re-graded only the snapshots stored then;
    grading the new one by the rules it replaced would leave it in the old tiers. Unstored rules
    (version 0) are applied as given."""
    if rules.version == 0:
        return rules
    in_force = rules_in_force(conn)
    return in_force if in_force.version not in (0, rules.version) else rules


def _write(engine, frame, dates, rules, source_name, rows_read, rows_rejected,
           churn_window_months, replace, user_name, started, progress) -> ImportOutcome:
    with writing(engine) as conn:
        rules = rules_for_import(conn, rules)
        clash = sorted(set(stored_dates(conn)) & set(dates))
        if clash and not replace:
            raise StoreError("store_snapshot_exists", dates=", ".join(map(str, clash)))
        progress(0.05, "store_step_prepare")
        if clash:
            _delete_rows(conn, clash)
        import_id = conn.execute(
            sa.insert(import_log)
            .values(started_at=started, source_name=source_name, status="running",
                    user_name=user_name)
            .returning(import_log.c.import_id)
        ).scalar_one()
        progress(0.15, "store_step_rows")
        bulk_insert(conn, customers, _stored_frame(frame))
        progress(0.6, "store_step_attributes")
        bulk_insert(conn, customer_attributes, _attribute_frame(frame))
        progress(0.75, "store_step_rules")
        counts = frame.group_by("snapshot_date").len()
        conn.execute(
            sa.insert(snapshots),
            [
                {"snapshot_date": d, "snapshot_month": d.year * 12 + d.month - 1, "row_count": n,
                 "churn_window_months": churn_window_months, "rules_version": rules.version,
                 "import_id": import_id, "source_name": source_name, "imported_at": started}
                for d, n in counts.iter_rows()
            ],
        )
        apply_rules(conn, rules, dates)
        conn.execute(
            sa.update(import_log)
            .where(import_log.c.import_id == import_id)
            .values(finished_at=now(), status="imported", rows_read=rows_read or frame.height,
                    rows_accepted=frame.height, rows_rejected=rows_rejected,
                    snapshot_dates=", ".join(map(str, dates)))
        )
        progress(1.0, "store_step_done")
    return ImportOutcome(int(import_id), tuple(dates), frame.height, rules.version)


def _log_failure(engine, source_name, dates, rows_read, started, user_name, exc) -> None:
    message = exc.code if isinstance(exc, StoreError) else type(exc).__name__
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.insert(import_log).values(
                    started_at=started, finished_at=now(), source_name=source_name,
                    snapshot_dates=", ".join(map(str, dates)), rows_read=rows_read,
                    rows_accepted=0, rows_rejected=rows_read, status="failed", message=message,
                    user_name=user_name,
                )
            )
    except sa.exc.OperationalError as log_exc:
        # a DuckDB file taken by another process cannot take the log line either: the import's
        # own error is the one to report
        if not writer_busy(log_exc):
            raise


def list_snapshots(engine: sa.Engine) -> pl.DataFrame:
    """Stored snapshots, newest first: date, rows, churn window, rules version, source, time."""
    return read_frame(
        engine,
        sa.select(
            snapshots.c.snapshot_date, snapshots.c.row_count, snapshots.c.churn_window_months,
            snapshots.c.rules_version, snapshots.c.source_name, snapshots.c.imported_at,
        ).order_by(snapshots.c.snapshot_date.desc()),
    )


def delete_snapshot(engine: sa.Engine, snapshot_date: dt.date) -> int:
    """Delete one snapshot (rows, attributes, list entry) atomically; return rows deleted."""
    require("delete_snapshot")
    with writing(engine) as conn:
        if snapshot_date not in stored_dates(conn):
            raise StoreError("store_snapshot_missing", date=str(snapshot_date))
        count = conn.execute(
            sa.select(sa.func.count()).select_from(customers)
            .where(customers.c.snapshot_date == snapshot_date)
        ).scalar_one()
        _delete_rows(conn, [snapshot_date])
        # the later snapshots' lifetimes and the contacts read the deleted rows
        from lib.rules.versions import rules_in_force  # it applies rules through this module
        rebuild_lifetime_cubes(conn, rules_in_force(conn), [snapshot_date])
    return int(count)


def import_history(engine: sa.Engine, limit: int = 50) -> pl.DataFrame:
    """The latest imports, newest first, failures included."""
    c = import_log.c
    return read_frame(
        engine,
        sa.select(c.import_id, c.started_at, c.source_name, c.snapshot_dates, c.rows_read,
                  c.rows_accepted, c.rows_rejected, c.status, c.message, c.user_name)
        .order_by(c.import_id.desc()).limit(limit),
    )
