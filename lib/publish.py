"""Publishing a store to Spark SQL: every table as Parquet files, registered on a Thrift server.

An entry point beside the command line (``lib.cli``): it opens the source store and stores the
shipped rules and offer catalogue there first, so it sits above the domain packages.

The published copy is a read-only store (``lib.store.spark``): nothing is written there through
the application, so imports, rules and offer edits go to the DuckDB store, and this module then
publishes it again. Each table becomes one folder of Parquet files registered with
``CREATE TABLE ... USING parquet LOCATION ...``.

Command line (publish a DuckDB store to a running Thrift server)::

    python -m lib.publish data/retention.duckdb hive://127.0.0.1:10000/default /shared/retention
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlalchemy as sa

from lib import auth
from lib.offers.store import current_catalogue
from lib.pipeline.migrations import open_store
from lib.rules.versions import current_rules
from lib.store.spark import SparkDialect  # noqa: F401 - registers the hive:// dialect
from lib.store.tables import metadata

#: Folder name prefix of one publication under the publish directory (older ones are removed).
PUBLICATION_PREFIX = "publication-"


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
    source_engine = open_store(duckdb_url)
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
    engine = sa.create_engine(hive_url)   # SparkDialect, registered for hive:// on import
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
