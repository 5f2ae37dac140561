"""Writers racing for the store: imports, rules saves and deletes take turns (lib.store.writing),
and a writer that loses the race says so instead of "database unreachable".

Expected tiers are recomputed here from the stored spend, points and key-person flag with the
thresholds read out of each snapshot's rules text by ``tomllib`` (the definition written in
data/rules.toml), not by lib's SQL CASE.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from lib.auth import User, acting_as
from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive
from lib.rules import edit_rules_text
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.pipeline.snapshots import write_snapshots
from lib.pipeline.migrations import open_store

ROOT = Path(__file__).resolve().parents[1]

#: Two sets of tier bounds (currency per month) that put many demo customers in other tiers.
BOUNDS = ([0, 40, 90, 150, 300], [0, 60, 120, 250, 500])


def expected_tier(spend: float, points: float, key_person: bool, rules: dict) -> int:
    """Tier 1-6 as data/rules.toml defines it: six star for points >= points_min or (when the
    rule is on) a key person; otherwise 1 + the number of tier 2-5 lower bounds the six-month
    average spend reaches."""
    six = rules["six_star"]
    if points >= six["points_min"] or (six["key_person"] and key_person):
        return 6
    return 1 + sum(spend >= bound for bound in rules["tiers"]["spend_min"][1:])


def misgraded(engine: sa.Engine) -> dict[str, int]:
    """Per snapshot, rows whose stored tier differs from the one its own rules version gives,
    and snapshots stamped with a version that is not the newest (plain SQL reads)."""
    with engine.connect() as conn:
        newest = conn.execute(sa.text("SELECT max(version) FROM rules_versions")).scalar()
        bodies = dict(conn.execute(sa.text("SELECT version, body FROM rules_versions")).all())
        stamped = dict(conn.execute(sa.text(
            "SELECT snapshot_date, rules_version FROM snapshots")).all())
        rows = conn.execute(sa.text(
            "SELECT c.snapshot_date, c.spend_avg_6m, c.points, c.key_person, c.tier "
            "FROM customers c")).all()
    parsed = {version: tomllib.loads(body) for version, body in bodies.items()}
    wrong: dict[str, int] = {}
    for date, spend, points, key_person, tier in rows:
        rules = parsed[stamped[date]]
        if expected_tier(spend or 0.0, points or 0.0, bool(key_person), rules) != tier:
            wrong[str(date)] = wrong.get(str(date), 0) + 1
    for date, version in stamped.items():
        if version != newest:
            wrong[f"{date} stamped v{version}, v{newest} in force"] = 1
    return wrong


def run_together(*jobs):
    """Run ``jobs`` in threads at once; re-raise the first error any of them had."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def wrap(job):
        def run():
            start.wait()
            try:
                with acting_as(User("analyst", "admin")):   # contextvars do not cross threads
                    job()
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(job)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_imports_racing_rules_saves_leave_every_snapshot_graded_by_the_rules_in_force(db_url):
    # PostgreSQL: separate sessions (the advisory lock); DuckDB: the app's threads (file's lock)
    engine = open_store(db_url)
    frames = [derive(frame) for frame in generate_snapshots(customers=1500, snapshots=5, seed=5)]
    first = current_rules(engine)
    for frame in frames[:2]:
        write_snapshots(engine, frame, rules=first, source_name="before", churn_window_months=1)

    def import_one(frame):
        # the importer's path (lib.ingest.importer.store_validated): rules read, then the write
        return lambda: write_snapshots(engine, frame, rules=current_rules(engine),
                                       source_name="batch", churn_window_months=1)

    def save_bounds(bounds):
        return lambda: save_rules(engine, edit_rules_text(first.text, {"tiers.spend_min": bounds}))

    # One import and one rules save started together per round, checked after every round (a
    # later save re-grades all committed snapshots and would hide an earlier lost race).
    found = {}
    for turn, frame in enumerate(frames[2:]):
        run_together(import_one(frame), save_bounds(BOUNDS[turn % 2]))
        found.update({f"round {turn + 1}: {key}": n for key, n in misgraded(engine).items()})
    assert found == {}
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM snapshots")).scalar()
        versions = conn.execute(sa.text("SELECT count(*) FROM rules_versions")).scalar()
    assert (stored, versions) == (5, 1 + 3)   # every import and every save landed
    engine.dispose()


def test_the_check_sees_a_snapshot_left_in_the_old_tiers(pg_url):
    """The race's check can fail: a snapshot graded by v1 but stamped with v2 is caught."""
    engine = open_store(pg_url)
    first = current_rules(engine)
    frame = derive(next(generate_snapshots(customers=300, snapshots=1, seed=5)))
    write_snapshots(engine, frame, rules=first, source_name="x", churn_window_months=1)
    save_rules(engine, edit_rules_text(first.text, {"tiers.spend_min": BOUNDS[0]}))
    with engine.begin() as conn:   # what the lost race did: tiers of v1 under the v2 stamp
        conn.execute(sa.text("UPDATE customers SET tier = CASE WHEN spend_avg_6m >= 400 THEN 5 "
                             "WHEN spend_avg_6m >= 200 THEN 4 WHEN spend_avg_6m >= 100 THEN 3 "
                             "WHEN spend_avg_6m >= 50 THEN 2 ELSE 1 END "
                             "WHERE tier < 6"))
    assert misgraded(engine)
    engine.dispose()


@pytest.fixture
def held_writer_lock(pg_url):
    """Another session holding the writers' advisory lock (as a long import would)."""
    from lib.store import WRITER_LOCK_KEY

    ready = open_store(pg_url)   # a store in use: schema and rules version 1 stored
    current_rules(ready)
    ready.dispose()
    holder = sa.create_engine(pg_url)
    conn = holder.connect()
    conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": WRITER_LOCK_KEY})
    yield
    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": WRITER_LOCK_KEY})
    conn.close()
    holder.dispose()


def test_a_rules_save_that_cannot_get_its_turn_says_try_again(pg_url, held_writer_lock):
    from lib.store import StoreError
    from lib.ui import error_message

    waited: list[float] = []
    engine = open_store(pg_url, wait_seconds=0.5, on_wait=waited.append)
    before = current_rules(engine)   # reading waits for no writer
    with pytest.raises(StoreError) as caught:
        save_rules(engine, edit_rules_text(before.text, {"tiers.spend_min": BOUNDS[0]}))
    assert caught.value.code == "store_busy" and waited == [0.5]
    assert error_message(caught.value, "en").startswith("Another import or rules change is in progress")
    assert error_message(caught.value, "zh").startswith("另一项导入或规则修改正在进行中")
    assert current_rules(engine).version == before.version   # nothing stored
    engine.dispose()


def test_a_lock_timeout_from_postgresql_itself_is_a_lost_race_not_an_unreachable_database(
        pg_url, held_writer_lock):
    from lib.store import WRITER_LOCK_KEY
    from lib.ui import error_message

    engine = sa.create_engine(pg_url)
    with pytest.raises(sa.exc.OperationalError) as caught, engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
    assert error_message(caught.value, "en").startswith("Another import or rules change")
    engine.dispose()


def test_the_command_line_waits_then_refuses_with_exit_2(pg_url, held_writer_lock, tmp_path,
                                                         capsys, monkeypatch):
    from lib.cli import main

    monkeypatch.setenv("RETENTION_WRITER_WAIT_SECONDS", "0.5")
    path = tmp_path / "tiny.csv"
    path.write_text("customer_id,tenure_months,churned,arpu\na,10,no,10\nb,20,yes,20\n",
                    encoding="utf-8")
    code = main(["import", str(path), "--snapshot-date", "2026-10-31", "--db", pg_url,
                 "--churn-window-months", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Waiting for another import or rules change to finish (at most 0.5 s)" in err
    assert "Another import or rules change is in progress" in err and "Traceback" not in err
    engine = open_store(pg_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM snapshots")).scalar() == 0
    engine.dispose()


APP_PROCESS = """
import sys, time
from lib.pipeline.migrations import open_store
import sqlalchemy as sa
engine = open_store(sys.argv[1])          # a serving engine, as lib.ui makes it
with engine.connect() as conn:             # a page was drawn: the file is open in this process
    conn.execute(sa.text("SELECT count(*) FROM snapshots")).scalar()
    if sys.argv[2] == "busy":              # a page still running its query
        print("ready", flush=True)
        time.sleep(60)
print("ready", flush=True)
time.sleep(60)                             # the app idles between requests
"""


def _app_holding(url: str, mode: str):
    app = subprocess.Popen([sys.executable, "-c", APP_PROCESS, url, mode], cwd=ROOT,
                           stdout=subprocess.PIPE, text=True)
    assert app.stdout.readline().strip() == "ready"
    return app


def _cli_import(url: str, path, wait_seconds: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "RETENTION_WRITER_WAIT_SECONDS": str(wait_seconds)}
    return subprocess.run([sys.executable, "-m", "lib", "import", str(path), "--snapshot-date",
                           "2026-10-31", "--db", url, "--churn-window-months", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tiny_csv(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("customer_id,tenure_months,churned,arpu\na,10,no,10\nb,20,yes,20\n",
                    encoding="utf-8")
    return path


def test_a_batch_import_gets_the_duckdb_file_from_an_idle_app(duckdb_url, tiny_csv):
    open_store(duckdb_url).dispose()
    app = _app_holding(duckdb_url, "idle")
    try:
        done = _cli_import(duckdb_url, tiny_csv, wait_seconds=30)
    finally:
        app.kill()
        app.wait()
    assert done.returncode == 0, done.stderr
    assert "Waiting for another import or rules change to finish (at most 30 s)" in done.stderr
    assert "stored snapshot(s) 2026-10-31: 2 rows" in done.stdout


def test_a_batch_import_refused_while_a_page_holds_the_duckdb_file_says_try_again(duckdb_url,
                                                                                  tiny_csv):
    open_store(duckdb_url).dispose()
    app = _app_holding(duckdb_url, "busy")
    try:
        refused = _cli_import(duckdb_url, tiny_csv, wait_seconds=1)
    finally:
        app.kill()
        app.wait()
    assert refused.returncode == 2
    assert "Another import or rules change is in progress" in refused.stderr
    assert "Traceback" not in refused.stderr and "IOException" not in refused.stderr
    engine = open_store(duckdb_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM snapshots")).scalar() == 0
    engine.dispose()
