"""Spark SQL as a read-only store: publish the tables to a Spark Thrift Server, read them there.

The query layer (lib/queries, lib.overview.kpis and every page's lib functions) runs unchanged on Spark
SQL through PyHive's SQLAlchemy dialect (``hive://HOST:PORT/DATABASE``). Spark has no
transactions, keys, sequences or UPDATE/DELETE on plain tables, so a Spark store is never
written through the application: imports, rules and offer edits, model training and exports go
to the embedded DuckDB store (or PostgreSQL), and :func:`load_from_duckdb` then publishes every
table to the cluster as Parquet files (one folder per table) registered with
``CREATE TABLE ... USING parquet LOCATION ...``. Point the app at the cluster with
``RETENTION_DB_URL=hive://HOST:PORT/default`` for the analysis pages.

This module is the only engine-specific code for Spark; ``lib.store.make_engine`` hands
``hive://`` URLs to :func:`spark_engine`.

Command line (publish a DuckDB store to a running Thrift server)::

    python -m lib.store.spark data/retention.duckdb hive://127.0.0.1:10000/default /shared/retention
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from lib import auth
from lib.store import SCHEMA_VERSION, StoreError, metadata, schema_version

from pyhive.sqlalchemy_hive import HiveDialect, HiveTypeCompiler

HIVE_SCHEMES = ("hive",)

#: Folder name prefix of one publication under the publish directory (older ones are removed).
PUBLICATION_PREFIX = "publication-"


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


def is_spark_url(url: str) -> bool:
    """Whether ``url`` names a Spark Thrift Server (``hive://`` or ``hive+...://``)."""
    return url.split("://", 1)[0].split("+", 1)[0] in HIVE_SCHEMES


def spark_engine(url: str) -> sa.Engine:
    """An engine on a Spark Thrift Server whose tables were published by :func:`load_from_duckdb`.

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


@dataclass(frozen=True)
class Published:
    """What :func:`load_from_duckdb` did: rows per table, where the files are, seconds taken
    to write the Parquet files (``export_seconds``) and to register them (``register_seconds``)."""

    rows: dict[str, int]
    location: Path
    export_seconds: float
    register_seconds: float


def load_from_duckdb(duckdb_url: str, hive_url: str, directory: str | Path) -> Published:
    """Publish every table of the DuckDB store ``duckdb_url`` to the Spark server ``hive_url``.

    Each table is written as Parquet under ``directory/publication-<stamp>/<table>/`` (DuckDB ``COPY``; the
    customers table ordered by snapshot, so Spark skips row groups of other snapshots), then
    (re)declared on Spark as ``CREATE TABLE <table> USING parquet LOCATION ...``. The Spark
    side must read ``directory`` at the same path: a local folder for a local server, shared
    storage (HDFS, NFS, an object store mounted alike) for a cluster. Earlier publications
    (``publication-*`` folders) under ``directory`` are removed once the tables point at the
    new one; nothing else there is touched.

    The source store is first brought up to date as the app would on its first page views
    (schema migrations; the shipped rules and offer catalogue stored when none is), since the
    published copy cannot store them later. Then the DuckDB file is opened read-only, so the
    app must not be writing it meanwhile.
    """
    auth.require("import")
    import duckdb

    from lib.offers.store import current_catalogue
    from lib.rules.versions import current_rules
    from lib.store import make_engine

    source_engine = make_engine(duckdb_url)
    try:
        current_rules(source_engine)
        current_catalogue(source_engine)
    finally:
        source_engine.dispose()
    source = duckdb_url.removeprefix("duckdb:///").split("?")[0]
    root = Path(directory).resolve()
    target = root / (PUBLICATION_PREFIX + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f"))
    rows: dict[str, int] = {}
    started = time.perf_counter()
    with duckdb.connect(source, read_only=True) as db:
        present = {r[0] for r in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        for table in metadata.sorted_tables:
            if table.name not in present:
                continue
            folder = target / table.name
            folder.mkdir(parents=True)
            order = " ORDER BY snapshot_date" if "snapshot_date" in table.c else ""
            columns = ", ".join(f'"{c.name}"' for c in table.c)
            db.execute(f"COPY (SELECT {columns} FROM \"{table.name}\"{order}) "
                       f"TO '{folder / 'part-0.parquet'}' (FORMAT parquet)")
            rows[table.name] = db.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
    exported = time.perf_counter()
    engine = sa.create_engine(hive_url)
    try:
        with engine.connect() as conn:
            for name in rows:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS `{name}`")
                conn.exec_driver_sql(f"CREATE TABLE `{name}` USING parquet "
                                     f"LOCATION '{(target / name).as_uri()}'")
    finally:
        engine.dispose()
    registered = time.perf_counter()
    for old in root.glob(PUBLICATION_PREFIX + "*"):
        if old.is_dir() and old != target:
            shutil.rmtree(old, ignore_errors=True)
    return Published(rows, target, exported - started, registered - exported)


def _without_password(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=load_from_duckdb.__doc__.splitlines()[0])
    parser.add_argument("duckdb_path", help="the DuckDB store file")
    parser.add_argument("hive_url", help="hive://HOST:PORT/DATABASE of the Spark Thrift Server")
    parser.add_argument("directory", help="folder for the Parquet files, read by Spark at the same path")
    args = parser.parse_args(argv)
    # Shell access to the database is admin access, as for ``python -m lib`` (lib.cli).
    with auth.acting_as(auth.User(getpass.getuser(), "admin")):
        done = load_from_duckdb(f"duckdb:///{args.duckdb_path}", args.hive_url, args.directory)
    print(f"published {sum(done.rows.values())} rows in {len(done.rows)} tables to {done.location} "
          f"({done.export_seconds:.1f} s export, {done.register_seconds:.1f} s register)")


if __name__ == "__main__":
    main()
