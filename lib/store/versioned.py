"""Versioned text in a table: save a text as the next version, the latest is in force, history.

The pattern of the rules (``rules_versions``) and of the offer catalogue (``offer_catalogues``):
a table with ``version`` (1, 2, …), ``created_at``, ``author``, ``note`` and ``body`` (the
text, TOML for both). This module knows no domain: the owner checks the text before saving,
passes the shipped text to store as version 1 the first time, and may write what depends on
the new version in the same transaction (``then``).

Versions are numbered inside the writers' turn (``lib.store.writing``), so two saves at the
same moment never take the same number, and a version and what it changes land together.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.store import now, read_frame, writing

#: Author of the version stored from the shipped file.
SYSTEM_AUTHOR = "system"
SHIPPED_NOTE = "shipped defaults"


@dataclass(frozen=True)
class Version:
    """A stored version: its number (1, 2, …) and its text."""

    number: int
    text: str


def latest(conn: sa.Connection, table: sa.Table) -> Version | None:
    """The newest version stored in ``table``; None when none is."""
    row = conn.execute(sa.select(table.c.version, table.c.body)
                       .order_by(table.c.version.desc()).limit(1)).first()
    return None if row is None else Version(int(row.version), row.body)


def in_force(engine: sa.Engine, table: sa.Table, shipped: Callable[[], str]) -> Version:
    """The newest version, storing ``shipped()`` as version 1 (author "system") first if the
    table is empty."""
    with engine.connect() as conn:
        found = latest(conn, table)
    if found is not None:
        return found
    with writing(engine) as conn:   # one writer at a time, so one version 1
        found = latest(conn, table)
        if found is not None:
            return found
        text = shipped()
        conn.execute(sa.insert(table).values(version=1, created_at=now(), author=SYSTEM_AUTHOR,
                                             note=SHIPPED_NOTE, body=text))
    return Version(1, text)


def save(engine: sa.Engine, table: sa.Table, text: str, author: str, note: str | None,
         shipped: Callable[[], str], then: Callable[[sa.Connection, int], None] | None = None) -> int:
    """Store ``text`` as the next version of ``table`` and return its number.

    The caller has checked ``text``. When the table is empty the shipped text becomes version
    1 first, so the saved one is 2 and the history shows where it started. ``then(conn,
    version)`` runs in the same transaction (the rules re-grade every stored row there).
    """
    in_force(engine, table, shipped)
    with writing(engine) as conn:
        # numbered inside the writers' turn: two saves never take the same number
        found = latest(conn, table)
        version = (found.number if found else 0) + 1
        conn.execute(sa.insert(table).values(version=version, created_at=now(), author=author,
                                             note=note, body=text))
        if then is not None:
            then(conn, version)
    return version


def history(engine: sa.Engine, table: sa.Table) -> pl.DataFrame:
    """Stored versions, newest first, without their text: version, created_at, author, note."""
    c = table.c
    return read_frame(engine, sa.select(c.version, c.created_at, c.author, c.note)
                      .order_by(c.version.desc()))
