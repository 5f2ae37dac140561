"""Versioned text in a table (lib/store/versioned.py), on its own table with no domain.

Expected numbers are counted by hand: an empty table gets the shipped text as version 1, each
save the next number; history lists newest first.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa

from lib.store import versioned

META = sa.MetaData()
NOTES = sa.Table("notes_versions", META,
                 sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
                 sa.Column("created_at", sa.DateTime, nullable=False),
                 sa.Column("author", sa.String, nullable=False),
                 sa.Column("note", sa.String), sa.Column("body", sa.Text, nullable=False))


def _engine(tmp_path) -> sa.Engine:
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'v.duckdb'}")
    META.create_all(engine)
    return engine


def test_the_shipped_text_is_version_one_and_each_save_the_next(tmp_path):
    engine = _engine(tmp_path)
    with engine.connect() as conn:
        assert versioned.latest(conn, NOTES) is None
    assert versioned.in_force(engine, NOTES, lambda: "a = 1") == versioned.Version(1, "a = 1")
    assert versioned.in_force(engine, NOTES, lambda: "never read") == versioned.Version(1, "a = 1")
    assert versioned.save(engine, NOTES, "a = 2", "ana", "raised", lambda: "a = 1") == 2
    assert versioned.save(engine, NOTES, "a = 3", "bo", None, lambda: "a = 1") == 3
    assert versioned.in_force(engine, NOTES, lambda: "a = 1") == versioned.Version(3, "a = 3")
    listing = versioned.history(engine, NOTES)
    assert listing.columns == ["version", "created_at", "author", "note"]
    assert listing["version"].to_list() == [3, 2, 1]
    assert listing["author"].to_list() == ["bo", "ana", "system"]
    assert listing["note"].to_list() == [None, "raised", "shipped defaults"]


def test_a_first_save_on_an_empty_table_keeps_the_shipped_text_as_version_one(tmp_path):
    engine = _engine(tmp_path)
    assert versioned.save(engine, NOTES, "b = 2", "ana", None, lambda: "b = 1") == 2
    with engine.connect() as conn:
        bodies = conn.execute(sa.select(NOTES.c.version, NOTES.c.body).order_by(NOTES.c.version)).all()
    assert [tuple(r) for r in bodies] == [(1, "b = 1"), (2, "b = 2")]


def test_then_runs_in_the_same_transaction_and_a_failure_stores_nothing(tmp_path):
    engine = _engine(tmp_path)
    versioned.in_force(engine, NOTES, lambda: "c = 1")
    seen = []
    versioned.save(engine, NOTES, "c = 2", "ana", None, lambda: "c = 1",
                   then=lambda conn, version: seen.append((version, conn.execute(
                       sa.select(sa.func.count()).select_from(NOTES)).scalar())))
    assert seen == [(2, 2)]          # the new row is visible inside the same transaction

    def fail(conn, version):
        raise RuntimeError("regrade failed")
    try:
        versioned.save(engine, NOTES, "c = 3", "ana", None, lambda: "c = 1", then=fail)
    except RuntimeError:
        pass
    with engine.connect() as conn:
        assert versioned.latest(conn, NOTES) == versioned.Version(2, "c = 2")


def test_saves_at_the_same_moment_take_distinct_numbers(tmp_path):
    engine = _engine(tmp_path)
    versioned.in_force(engine, NOTES, lambda: "d = 0")
    numbers: list[int] = []
    threads = [threading.Thread(target=lambda i=i: numbers.append(
        versioned.save(engine, NOTES, f"d = {i}", "ana", None, lambda: "d = 0"))) for i in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [2, 3, 4, 5]
