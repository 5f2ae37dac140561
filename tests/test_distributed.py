"""Parity on Spark SQL: every page's computations give the same results on a Spark Thrift
Server (tables published by lib.store_spark) as on the DuckDB store they were published from.

Skipped unless ``RETENTION_SPARK_URL`` names a running Spark Thrift Server
(``hive://127.0.0.1:PORT/default``); ``make test-distributed`` starts one on loopback
(tests/sparkserver.py), sets the variable and runs this file. The server must read the Parquet
folder at the same path (``RETENTION_SPARK_DIR``, default a temporary folder): true for a local
server.

The base and the cases are those of the PostgreSQL parity suite (tests/test_parity.py: the
same seeded demo base with the same churn scores, every page's lib functions, compared by its
``differences``: same columns, rows in the same order, floats to 1e-9 relative). Everything a
page would write first (the offer catalogue) is stored in DuckDB before publishing: the Spark
store is read-only.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_parity import CASES, _context, _store, differences

SPARK_URL = os.environ.get("RETENTION_SPARK_URL", "")

pytestmark = pytest.mark.skipif(not SPARK_URL, reason="RETENTION_SPARK_URL is not set: run "
                                "`make test-distributed` (starts a Spark Thrift Server)")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(duckdb engine, spark engine): the parity base in DuckDB, published to Spark."""
    from lib.offer_store import current_catalogue
    from lib.store import make_engine
    from lib.store_spark import load_from_duckdb

    path = tmp_path_factory.mktemp("spark_source") / "store.duckdb"
    duck = make_engine(f"duckdb:///{path}")
    _store(duck)
    current_catalogue(duck)      # the action list's catalogue, stored on first read
    duck.dispose()               # publishing opens the file read-only
    folder = Path(os.environ.get("RETENTION_SPARK_DIR") or tmp_path_factory.mktemp("spark_tables"))
    load_from_duckdb(f"duckdb:///{path}", SPARK_URL, folder)
    duck, spark = make_engine(f"duckdb:///{path}"), make_engine(SPARK_URL)
    yield duck, spark
    spark.dispose()
    duck.dispose()


@pytest.fixture(scope="module")
def results(stores):
    """Every case's result per store (an exception is kept as the result, and reported)."""
    out: dict[str, dict[str, object]] = {}
    for name, engine in zip(("duckdb", "spark"), stores):
        with engine.connect() as conn:
            context = _context(conn)
            for case, run in CASES.items():
                try:
                    out.setdefault(case, {})[name] = run(conn, context)
                except Exception as exc:  # noqa: BLE001 - reported by the case's test
                    out.setdefault(case, {})[name] = exc
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_page_queries_agree_on_duckdb_and_spark(results, case):
    duck, spark = results[case]["duckdb"], results[case]["spark"]
    assert not isinstance(duck, BaseException), f"DuckDB raised {duck!r}"
    assert not isinstance(spark, BaseException), f"Spark raised {spark!r}"
    found = differences(duck, spark, case)
    assert not found, "\n".join(found[:20])


def test_the_cases_compare_something(results):
    """The Spark side read the published rows: scores, segments, the call list."""
    spark = {case: value["spark"] for case, value in results.items()}
    assert spark["churn/view"].scored_rows > 0 and spark["segments/rfm"].cells.height
    assert spark["actions/all_bands"].rows.height == spark["actions/all_bands"].limit


def test_a_database_nothing_was_published_to_is_refused(stores):
    """make_engine never creates or migrates tables on Spark: an empty database is an error."""
    import sqlalchemy as sa

    from lib.store import SCHEMA_VERSION, StoreError, make_engine, schema_version

    with stores[1].connect() as conn:
        assert conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() == SCHEMA_VERSION
        conn.exec_driver_sql("CREATE DATABASE IF NOT EXISTS retention_empty")
    empty = sa.make_url(SPARK_URL).set(database="retention_empty").render_as_string(hide_password=False)
    with pytest.raises(StoreError) as caught:
        make_engine(empty)
    assert caught.value.code == "store_spark_not_published"


def test_double_compiles_to_double_on_every_dialect():
    """Float is single precision on Spark (and DuckDB): averages and sums cast to DOUBLE."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    import lib.store_spark  # noqa: F401 - registers the hive:// dialect
    from lib.queries.common import double
    from lib.store import customers

    statement = sa.select(double(sa.func.sum(customers.c.spend_m1)))
    spark = sa.create_engine("hive://127.0.0.1:1/default").dialect
    duckdb = sa.create_engine("duckdb:///:memory:").dialect
    assert "AS DOUBLE)" in str(statement.compile(dialect=spark))
    assert "AS DOUBLE" in str(statement.compile(dialect=duckdb))      # DOUBLE PRECISION: DOUBLE
    assert "AS DOUBLE PRECISION)" in str(statement.compile(dialect=postgresql.dialect()))
    dated = sa.select(sa.cast(customers.c.snapshot_date, sa.Date))
    assert "AS DATE)" in str(dated.compile(dialect=spark))      # PyHive's own dialect says TIMESTAMP
