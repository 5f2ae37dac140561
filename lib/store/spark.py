"""Spark SQL as a read-only store: the dialect, and the engine on a published store.

The query layer (lib.overview.kpis and every page's lib functions) runs unchanged on Spark
SQL through PyHive's SQLAlchemy dialect (``hive://HOST:PORT/DATABASE``). Spark has no
transactions, keys, sequences or UPDATE/DELETE on plain tables, so a Spark store is never
written through the application: imports, rules and offer edits, model training and exports go
to the embedded DuckDB store (or PostgreSQL), and ``lib.publish`` then publishes every
table to the cluster as Parquet files. Point the app at the cluster with
``RETENTION_DB_URL=hive://HOST:PORT/default`` for the analysis pages.

This module is the only engine-specific code for Spark; ``lib.pipeline.migrations.open_store``
hands ``hive://`` URLs to :func:`spark_engine`. It needs PyHive (requirements-distributed.txt).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from lib.store.engine import HIVE_SCHEMES, StoreError, is_spark_url
from lib.store.tables import SCHEMA_VERSION, schema_version

from pyhive.sqlalchemy_hive import HiveDialect, HiveTypeCompiler


class _SparkDate(sa.Date):
    """Spark's Thrift server sends dates as ISO text; read them back as ``datetime.date``."""

    def result_processor(self, dialect, coltype):
        def process(value):
            return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return process


class _SparkDateTime(sa.DateTime):
    """Timestamps arrive as text too (``YYYY-MM-DD HH:MM:SS[.ffffff]``)."""

    def result_processor(self, dialect, coltype):
        def process(value):
            return dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        return process


class _SparkTypeCompiler(HiveTypeCompiler):
    def visit_DATE(self, type_, **kw):
        return "DATE"  # PyHive's Hive dialect casts dates to TIMESTAMP; Spark SQL has DATE


class SparkDialect(HiveDialect):
    """PyHive's Hive dialect, for Spark SQL: typed date/timestamp results, DATE casts, and the
    statement cache (its compiler keeps no state). Registered as ``hive://`` on import."""

    colspecs = {sa.Date: _SparkDate, sa.DateTime: _SparkDateTime}

    @classmethod
    def import_dbapi(cls):
        from pyhive import hive

        return hive
    type_compiler = type_compiler_cls = _SparkTypeCompiler
    supports_statement_cache = True


sa.dialects.registry.register("hive", __name__, "SparkDialect")


def spark_engine(url: str) -> sa.Engine:
    """An engine on a Spark Thrift Server whose tables were published by
    ``lib.publish.load_from_duckdb``.

    Nothing is created or migrated there (the store is read-only): the published schema version
    must be this program's, else ``StoreError`` (store_spark_not_published /
    store_schema_too_new / store_spark_schema_old). The engine sends only reads: any other
    statement raises ``StoreError("store_spark_read_only")`` before it reaches the server.
    """
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = {row[1] for row in conn.exec_driver_sql("SHOW TABLES").fetchall()}
        if schema_version.name not in tables:
            engine.dispose()
            raise StoreError("store_spark_not_published", url=_without_password(url))
        version = int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)
    if version > SCHEMA_VERSION:
        engine.dispose()
        raise StoreError("store_schema_too_new", found=version, known=SCHEMA_VERSION)
    if version < SCHEMA_VERSION:
        engine.dispose()
        raise StoreError("store_spark_schema_old", found=version, known=SCHEMA_VERSION)
    sa.event.listen(engine, "before_cursor_execute", _refuse_writes, retval=True)
    return engine


#: First words of the statements a read-only store runs (everything the query layer sends).
READ_ONLY_STATEMENTS = ("SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "USE", "SET")


def _refuse_writes(conn, cursor, statement, parameters, context, executemany):
    """Refuse anything but a read before it reaches Spark, as ``StoreError("store_spark_read_only")``.

    Spark tables have no transactions, keys or UPDATE/DELETE, and the Parquet files are a copy
    of the DuckDB store: a write there would fail half-way or be lost at the next publication.
    The page's ``ui.guard`` shows the error as a message (imports, rule and offer edits, model
    training, logged exports are done on the source store, then published again).
    """
    words = statement.lstrip(" \t\r\n(").split(None, 1)
    if not words or words[0].upper() not in READ_ONLY_STATEMENTS:
        raise StoreError("store_spark_read_only")
    return statement, parameters


def _without_password(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


__all__ = ["HIVE_SCHEMES", "SparkDialect", "is_spark_url", "spark_engine"]
