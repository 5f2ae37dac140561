"""Parity on Spark SQL: every page's computations give the same results on a Spark Thrift
Server (tables published by lib.publish) as on the DuckDB store they were published from.

Skipped unless ``RETENTION_SPARK_URL`` names a running Spark Thrift Server
(``hive://127.0.0.1:PORT/default``); ``make test-distributed`` starts one on loopback
(tests/sparkserver.py), sets the variable and runs this file. The server must read the Parquet
folder at the same path (``RETENTION_SPARK_DIR``, default a temporary folder): true for a local
server.

The base and the cases are those of the PostgreSQL parity suite (tests/test_parity.py: the
same seeded demo base with the same churn scores, every page's lib functions, compared by its
``differences``: same columns, rows in the same order, floats to 1e-9 relative). Everything a
page would write first (the offer catalogue, which ``load_from_duckdb`` stores, and the
per-customer RFM scores) is stored in DuckDB before publishing: the Spark store is read-only,
so ``segments/rfm_stored`` finds the scores there on both engines (``wrote`` False) and
compares the rows read back.

The last test serves the app itself on the Spark store (``RETENTION_DB_URL=hive://...``) and
drives it in headless Chromium: Overview and Segments draw without an error, and an import
on the Data page ends in the read-only message, not a traceback.
"""
from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from tests.test_parity import CASES, _context, _store, differences

SPARK_URL = os.environ.get("RETENTION_SPARK_URL", "")

pytestmark = pytest.mark.skipif(not SPARK_URL, reason="RETENTION_SPARK_URL is not set: run "
                                "`make test-distributed` (starts a Spark Thrift Server)")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(duckdb engine, spark engine): the parity base in DuckDB, published to Spark."""
    from lib.segments.tiers import ensure_rfm
    from lib.pipeline.migrations import open_store
    from lib.publish import load_from_duckdb

    path = tmp_path_factory.mktemp("spark_source") / "store.duckdb"
    duck = open_store(f"duckdb:///{path}")
    _store(duck)                 # the offer catalogue is stored by load_from_duckdb
    with duck.connect() as conn:  # the per-customer RFM scores (segments/rfm_stored reads them)
        ensure_rfm(conn, _context(conn).latest)
    duck.dispose()               # publishing opens the file read-only
    folder = Path(os.environ.get("RETENTION_SPARK_DIR") or tmp_path_factory.mktemp("spark_tables"))
    load_from_duckdb(f"duckdb:///{path}", SPARK_URL, folder)
    duck, spark = open_store(f"duckdb:///{path}"), open_store(SPARK_URL)
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
    """open_store never creates or migrates tables on Spark: an empty database is an error."""
    import sqlalchemy as sa

    from lib.store import SCHEMA_VERSION, StoreError, schema_version
    from lib.pipeline.migrations import open_store

    with stores[1].connect() as conn:
        assert conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() == SCHEMA_VERSION
    plain = sa.create_engine(SPARK_URL)     # the app's engine refuses DDL (read-only)
    with plain.connect() as conn:
        conn.exec_driver_sql("CREATE DATABASE IF NOT EXISTS retention_empty")
    plain.dispose()
    empty = sa.make_url(SPARK_URL).set(database="retention_empty").render_as_string(hide_password=False)
    with pytest.raises(StoreError) as caught:
        open_store(empty)
    assert caught.value.code == "store_spark_not_published"


def test_writes_are_refused_with_a_message_before_reaching_spark(stores):
    """The app's Spark engine sends reads only: a write (here what a snapshot delete and the RFM
    cache would run) is a StoreError with a translated text, and the published rows stay."""
    import sqlalchemy as sa

    from lib.i18n import t
    from lib.store import StoreError, customer_segments
    from lib.ui import error_message

    spark = stores[1]
    with spark.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(customer_segments)).scalar()
        for statement in (sa.delete(customer_segments),
                          sa.insert(customer_segments).values(customer_id="x"),
                          sa.text("DROP TABLE customer_segments")):
            with pytest.raises(StoreError) as caught:
                conn.execute(statement)
            assert caught.value.code == "store_spark_read_only"
            assert error_message(caught.value, "en") == t("store_spark_read_only", "en")
        after = conn.execute(sa.select(sa.func.count()).select_from(customer_segments)).scalar()
    assert before == after > 0


def test_double_compiles_to_double_on_every_dialect():
    """Float is single precision on Spark (and DuckDB): averages and sums cast to DOUBLE."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    import lib.store.spark  # noqa: F401 - registers the hive:// dialect
    from lib.store.filters import double
    from lib.store import customers

    statement = sa.select(double(sa.func.sum(customers.c.spend_m1)))
    spark = sa.create_engine("hive://127.0.0.1:1/default").dialect
    duckdb = sa.create_engine("duckdb:///:memory:").dialect
    assert "AS DOUBLE)" in str(statement.compile(dialect=spark))
    assert "AS DOUBLE" in str(statement.compile(dialect=duckdb))      # DOUBLE PRECISION: DOUBLE
    assert "AS DOUBLE PRECISION)" in str(statement.compile(dialect=postgresql.dialect()))
    dated = sa.select(sa.cast(customers.c.snapshot_date, sa.Date))
    assert "AS DATE)" in str(dated.compile(dialect=spark))      # PyHive's own dialect says TIMESTAMP


@pytest.fixture(scope="module")
def spark_app(stores, tmp_path_factory):
    """``streamlit run dashboard.py`` on the published Spark store; yields its base URL."""
    import subprocess
    import sys

    from tests.browser import REPO, _kill_group, _wait_healthy
    from tests.pgserver import free_port

    log = tmp_path_factory.mktemp("spark_app") / "streamlit.log"
    port = free_port()
    env = {**os.environ, "RETENTION_DB_URL": SPARK_URL, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}/"
        assert _wait_healthy(base + "_stcore/health", proc, 60), log.read_text(errors="replace")
        yield base, log
    finally:
        _kill_group(proc)


def _shown_errors(page) -> list[str]:
    from tests.browser import page_problems

    alerts = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    return page_problems(page) + [" ".join(a.split()) for a in alerts]


def test_the_app_reads_the_spark_store_and_refuses_writes_with_a_message(spark_app, browser_page,
                                                                         telco_file):
    from lib.i18n import t
    from tests.browser import SHOTS_DIR, screenshot, wait_for_streamlit

    base, log = spark_app
    page = browser_page.page
    for name in ("", "segments"):
        page.goto(base + name)
        wait_for_streamlit(page, timeout=240)       # cold Spark queries: seconds, not ms
        screenshot(page, SHOTS_DIR / f"spark-{name or 'overview'}.png")
        assert not _shown_errors(page), (name, _shown_errors(page), log.read_text(errors="replace")[-3000:])
        assert page.locator('[data-testid="stPlotlyChart"]').count() > 0, f"no chart on {name!r}"
        if not name:
            assert page.locator('[data-testid="stMetric"]').count() > 0, "no KPI on the Overview"
    rows = pl.read_csv(telco_file).height      # the file's rows, counted with polars alone
    page.goto(base + "data")
    wait_for_streamlit(page, timeout=240)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(telco_file))
    wait_for_streamlit(page, timeout=240)
    date = page.locator('[data-testid="stDateInput"] input').first
    date.fill("2026-11-30")               # after the base's last snapshot, as in test_browser
    date.dispatch_event("change")
    date.dispatch_event("blur")
    wait_for_streamlit(page, timeout=240)
    page.get_by_text("I have checked the").first.click()   # tenure in days: acknowledged
    wait_for_streamlit(page, timeout=240)
    page.get_by_role("button", name=f"Import {rows:,} rows").click()
    wait_for_streamlit(page, timeout=240)
    screenshot(page, SHOTS_DIR / "spark-data-import.png")
    message = " ".join(t("store_spark_read_only", "en").split())
    errors = _shown_errors(page)
    assert any(message in e for e in errors), errors
    assert not page.locator('[data-testid="stException"]').count()
    assert "Traceback" not in page.inner_text("body")
    assert not browser_page.recorder.failures(), browser_page.recorder.failures()
