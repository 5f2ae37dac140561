"""The store on DuckDB and PostgreSQL: migrations, atomic imports, tiers, rules versions."""
import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

from lib.pipeline import snapshots as snapshots_module
from lib.rules import RulesError, edit_rules_text
from lib.rules.versions import current_rules, rules_history
from lib.pipeline.regrade import save_rules
from lib.pipeline.snapshots import delete_snapshot, import_history, list_snapshots, write_snapshots
from lib.store import SCHEMA_VERSION, StoreError, customer_attributes, customers, read_frame, schema_version
from lib.pipeline.migrations import open_store
from tests.factories import S1, S2, customer, snapshot, two_snapshots


def tiers_of(engine, date):
    frame = read_frame(engine, sa.select(customers.c.customer_id, customers.c.tier)
                       .where(customers.c.snapshot_date == date).order_by(customers.c.customer_id))
    return dict(frame.iter_rows())


def count_rows(engine):
    return read_frame(engine, sa.select(sa.func.count().label("n")).select_from(customers))["n"][0]


TIER_CASES = snapshot(S2, [
    customer("t1", 0, 12), customer("t1b", 49.9, 12), customer("t2", 50, 12),
    customer("t3", 100, 12), customer("t4", 200, 12), customer("t5", 400, 12),
    customer("t6p", 10, 12, points=30000), customer("t6k", 10, 12, key_person=True),
])


def test_migrations_are_idempotent_and_versioned(db_url):
    open_store(db_url).dispose()
    engine = open_store(db_url)
    versions = read_frame(engine, sa.select(schema_version.c.version))["version"].to_list()
    assert versions == [SCHEMA_VERSION]
    engine.dispose()


def test_a_newer_schema_is_refused(engine, db_url):
    with engine.begin() as conn:
        conn.execute(sa.insert(schema_version).values(version=99, applied_at=dt.datetime(2030, 1, 1)))
    with pytest.raises(StoreError) as caught:
        open_store(db_url)
    assert caught.value.code == "store_schema_too_new"


def test_tiers_follow_the_default_thresholds(engine):
    write_snapshots(engine, TIER_CASES, rules=current_rules(engine), source_name="tiers", churn_window_months=1)
    assert tiers_of(engine, S2) == {"t1": 1, "t1b": 1, "t2": 2, "t3": 3, "t4": 4, "t5": 5,
                                   "t6p": 6, "t6k": 6}


def test_saving_rules_regrades_every_snapshot(engine):
    write_snapshots(engine, TIER_CASES, rules=current_rules(engine), source_name="tiers", churn_window_months=1)
    text = edit_rules_text(current_rules(engine).text, {"tiers.spend_min": [0, 40, 90, 150, 300],
                                                        "six_star.key_person": False})
    saved = save_rules(engine, text, author="analyst", note="lower bands")
    assert saved.version == 2
    assert tiers_of(engine, S2) == {"t1": 1, "t1b": 2, "t2": 2, "t3": 3, "t4": 4, "t5": 5,
                                   "t6p": 6, "t6k": 1}
    assert list_snapshots(engine)["rules_version"].to_list() == [2]
    assert rules_history(engine)["version"].to_list() == [2, 1]
    assert "# Lower bound" in current_rules(engine).text   # comments kept by tomlkit


def test_bad_rules_are_refused_and_nothing_changes(engine):
    before = current_rules(engine)
    bad = edit_rules_text(before.text, {"tiers.spend_min": [0, 100, 50, 150, 300]})
    with pytest.raises(RulesError) as caught:
        save_rules(engine, bad)
    assert caught.value.code == "rules_bad_bounds"
    assert current_rules(engine).version == before.version


def test_import_writes_rows_attributes_snapshot_and_log(engine):
    frame = TIER_CASES.with_columns(pl.lit("gold").alias("x_segment"))
    outcome = write_snapshots(engine, frame, rules=current_rules(engine), source_name="f.csv",
                              rows_read=10, rows_rejected=2, churn_window_months=1)
    assert outcome.rows_written == 8 and outcome.snapshot_dates == (S2,)
    listed = list_snapshots(engine)
    assert listed["row_count"].to_list() == [8]
    attributes = read_frame(engine, sa.select(customer_attributes.c.name, customer_attributes.c.value).distinct())
    assert attributes.rows() == [("segment", "gold")]
    log = import_history(engine).row(0, named=True)
    assert (log["status"], log["rows_read"], log["rows_accepted"], log["rows_rejected"]) == ("imported", 10, 8, 2)


def test_same_date_is_refused_unless_replaced(engine):
    rules = current_rules(engine)
    s1, s2 = two_snapshots()
    write_snapshots(engine, s2, rules=rules, source_name="a", churn_window_months=1)
    with pytest.raises(StoreError) as caught:
        write_snapshots(engine, TIER_CASES, rules=rules, source_name="b", churn_window_months=1)
    assert caught.value.code == "store_snapshot_exists"
    assert count_rows(engine) == s2.height
    assert import_history(engine)["status"].to_list() == ["failed", "imported"]
    write_snapshots(engine, TIER_CASES, rules=rules, source_name="b", replace=True, churn_window_months=1)
    assert count_rows(engine) == TIER_CASES.height


def test_a_failure_mid_import_leaves_nothing(engine, monkeypatch):
    rules = current_rules(engine)
    s1, s2 = two_snapshots()
    write_snapshots(engine, s1, rules=rules, source_name="first", churn_window_months=1)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(snapshots_module, "apply_rules", broken)   # fails after rows are written
    with pytest.raises(RuntimeError):
        write_snapshots(engine, s2, rules=rules, source_name="second", churn_window_months=1)
    assert count_rows(engine) == s1.height
    assert list_snapshots(engine)["snapshot_date"].to_list() == [S1]
    assert import_history(engine)["status"].to_list()[0] == "failed"


def test_delete_snapshot(engine):
    rules = current_rules(engine)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    assert delete_snapshot(engine, S1) == 6
    assert list_snapshots(engine)["snapshot_date"].to_list() == [S2]
    with pytest.raises(StoreError):
        delete_snapshot(engine, S1)


def test_a_new_migration_is_applied_once(db_url, monkeypatch):
    from lib.pipeline import migrations
    open_store(db_url).dispose()
    calls = []

    def add_note_column(conn):
        calls.append(1)
        conn.execute(sa.text("ALTER TABLE snapshots ADD COLUMN note VARCHAR"))

    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, (SCHEMA_VERSION + 1, add_note_column)))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    open_store(db_url).dispose()
    engine = open_store(db_url)
    assert calls == [1]
    versions = read_frame(engine, sa.select(schema_version.c.version).order_by(schema_version.c.version))
    assert versions["version"].to_list() == [SCHEMA_VERSION, SCHEMA_VERSION + 1]
    engine.dispose()
