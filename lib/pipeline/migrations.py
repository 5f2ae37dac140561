"""Opening a store: the engine, then the schema created or brought up to date.

The store (``lib.store``) defines the tables as they are now; bringing a database made by an
earlier version of the program there needs domain code (cubes rebuilt by the rules in force),
so the steps live here, above the store. ``open_store`` is the one way the app (``lib.ui``),
the command line (``lib.cli``), the publisher and the tests open a store.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from lib.pipeline.cubes import rebuild_cube, rebuild_lifetime_cubes, rebuild_score_cube
from lib.rules.versions import rules_in_force
from lib.store.engine import OnWait, StoreError, database_url, is_spark_url, make_engine, now, writing
from lib.store.schema import SPEND_BANDS_PER_E
from lib.store.tables import (SCHEMA_VERSION, callback_plans, campaign_contacts, churn_models,
                              churn_scores, current_schema_version, customer_cube,
                              customer_segments, customers, export_log, lifetime_cube,
                              mapping_templates, metadata, alert_log, alert_log_id_seq,
                              delivery_log, delivery_log_id_seq,
                              offer_catalogues, offer_scenarios, outcome_log, outcome_log_id_seq,
                              plan_customers, plan_id_seq, plan_outcomes, schema_version,
                              score_cube)


def _has_column(conn: sa.Connection, table: str, column: str) -> bool:
    """Whether ``table`` has ``column`` (information_schema: DuckDB and PostgreSQL alike)."""
    found = conn.execute(
        sa.text("SELECT count(*) FROM information_schema.columns "
                "WHERE table_name = :table AND column_name = :column"),
        {"table": table, "column": column},
    ).scalar()
    return bool(found)


def _add_customer_cube(conn: sa.Connection) -> None:
    """v2: the Overview's cube, and the spend band it groups by, filled for stored snapshots."""
    spend = customers.c.spend_m1
    band = sa.case((spend > 0, sa.func.floor(sa.func.ln(1 + spend) * SPEND_BANDS_PER_E) + 1), else_=0)
    if not _has_column(conn, "customers", "spend_band"):
        conn.execute(sa.text("ALTER TABLE customers ADD COLUMN spend_band SMALLINT"))
    conn.execute(sa.update(customers).values(spend_band=sa.cast(band, sa.SmallInteger)))
    customer_cube.create(conn, checkfirst=True)
    rebuild_cube(conn, rules_in_force(conn), None)


def _add_model_outputs(conn: sa.Connection) -> None:
    """v3: segment labels, churn-risk models and scores, the export log, offer catalogues and
    scenarios."""
    metadata.create_all(conn, tables=[customer_segments, churn_models, churn_scores, export_log,
                                      offer_catalogues, offer_scenarios])


def _add_operations(conn: sa.Connection) -> None:
    """v4: call-back plans, their customers, contact outcomes and the outcome log."""
    for sequence in (plan_id_seq, outcome_log_id_seq):
        sequence.create(conn, checkfirst=True)
    metadata.create_all(conn, tables=[callback_plans, plan_customers, plan_outcomes, outcome_log])


def _add_lifetime_cubes(conn: sa.Connection) -> None:
    """v5: the lifetime and score cubes and the campaign contacts, filled for stored snapshots."""
    metadata.create_all(conn, tables=[lifetime_cube, campaign_contacts, score_cube])
    rebuild_lifetime_cubes(conn, rules_in_force(conn), None)
    rebuild_score_cube(conn, None)


def _rebuild_lifetime_cube(conn: sa.Connection) -> None:
    """v6: the lifetime cube holds lifetimes without the minimum-tenure exclusion (it is applied
    as left truncation when read); rows built under it are replaced."""
    rebuild_lifetime_cubes(conn, rules_in_force(conn), None)


def _allow_unknown_churn_window(conn: sa.Connection) -> None:
    """v7: a snapshot's churn window may be unknown (NULL) instead of silently one month."""
    conn.execute(sa.text("ALTER TABLE snapshots ALTER COLUMN churn_window_months DROP NOT NULL"))


def _add_mapping_templates(conn: sa.Connection) -> None:
    """v8: saved column mappings per source (templates)."""
    mapping_templates.create(conn, checkfirst=True)


def _add_alert_and_delivery_logs(conn: sa.Connection) -> None:
    """v9: the alert evaluations and the report deliveries (issue 19)."""
    for sequence in (alert_log_id_seq, delivery_log_id_seq):
        sequence.create(conn, checkfirst=True)
    metadata.create_all(conn, tables=[alert_log, delivery_log])


#: Forward migrations of databases made by earlier versions, applied in order, each in its own
#: transaction. A new database is created from the table definitions (lib.store.tables) and
#: stamped with their version (``SCHEMA_VERSION``, the last step's), so steps only ever run on
#: older databases. Never edit a released step: append one.
MIGRATIONS: tuple[tuple[int, Callable[[sa.Connection], None]], ...] = (
    (2, _add_customer_cube),
    (3, _add_model_outputs),
    (4, _add_operations),
    (5, _add_lifetime_cubes),
    (6, _rebuild_lifetime_cube),
    (7, _allow_unknown_churn_window),
    (8, _add_mapping_templates),
    (9, _add_alert_and_delivery_logs),
)
if MIGRATIONS[-1][0] != SCHEMA_VERSION:   # a table change without its step, or the reverse
    raise RuntimeError(f"lib.store.tables is at schema version {SCHEMA_VERSION}, the last "
                       f"migration step at {MIGRATIONS[-1][0]}")


def migrate(engine: sa.Engine) -> int:
    """Create a new database, or bring an older one up to date; return the resulting version.

    A database newer than this code is refused rather than touched. A store already up to date
    is only read; creating or migrating one is a writer (``writing``), so two processes starting
    on a new database do not both create it.
    """
    with engine.connect() as conn:
        if sa.inspect(conn).has_table(schema_version.name):
            found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
            if found == SCHEMA_VERSION:
                return SCHEMA_VERSION
    with writing(engine) as conn:
        version = current_schema_version(conn)
        if version == 0:
            metadata.create_all(conn)
            conn.execute(sa.insert(schema_version).values(version=SCHEMA_VERSION, applied_at=now()))
            return SCHEMA_VERSION
    if version > SCHEMA_VERSION:
        raise StoreError("store_schema_too_new", found=version, known=SCHEMA_VERSION)
    for target, step in MIGRATIONS:
        if target <= version:
            continue
        with writing(engine) as conn:
            if current_schema_version(conn) >= target:   # another process applied it meanwhile
                continue
            step(conn)
            conn.execute(sa.insert(schema_version).values(version=target, applied_at=now()))
        version = target
    return version


def open_store(url: str | None = None, *, wait_seconds: float | None = None,
               on_wait: OnWait | None = None, batch: bool = False) -> sa.Engine:
    """The engine for ``url`` (default ``lib.store.database_url()``), its schema up to date.

    DuckDB and PostgreSQL: ``lib.store.make_engine`` (same ``wait_seconds``, ``on_wait`` and
    ``batch``), then :func:`migrate`; a database newer than this program raises
    ``StoreError("store_schema_too_new")``. A ``hive://`` URL (Spark Thrift Server) is a
    read-only store published by ``lib.publish``: checked, never migrated
    (``lib.store.spark.spark_engine``).
    """
    url = url or database_url()
    if is_spark_url(url):
        # PyHive is an optional dependency (requirements-distributed.txt): imported only here
        from lib.store.spark import spark_engine

        return spark_engine(url)
    engine = make_engine(url, wait_seconds=wait_seconds, on_wait=on_wait, batch=batch)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
