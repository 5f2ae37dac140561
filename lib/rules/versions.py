"""Rules versions kept in the database: the latest one is in force.

The shipped defaults become version 1 the first time a store is used. Saving new rules
re-derives every stored row's tier and stage in the same transaction, so no figure mixes two
rules versions.
"""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from lib.auth import require
from lib.rules import Rules, default_rules, parse_rules
from lib.pipeline.snapshots import apply_rules
from lib.store import now, read_frame, rules_versions, writing


def rules_in_force(conn: sa.Connection) -> Rules:
    """The newest stored rules version, or the shipped defaults (version 0) when none is stored."""
    row = conn.execute(
        sa.select(rules_versions.c.version, rules_versions.c.body)
        .order_by(rules_versions.c.version.desc()).limit(1)
    ).first()
    return default_rules() if row is None else parse_rules(row.body, version=int(row.version))


def current_rules(engine: sa.Engine) -> Rules:
    """The rules in force: the newest stored version, storing the defaults first if none is."""
    with engine.connect() as conn:
        rules = rules_in_force(conn)
    if rules.version > 0:
        return rules
    with writing(engine) as conn:   # storing the defaults: one writer, so one version 1
        rules = rules_in_force(conn)
        if rules.version > 0:
            return rules
        conn.execute(
            sa.insert(rules_versions).values(
                version=1, created_at=now(), author="system", note="shipped defaults",
                body=rules.text,
            )
        )
    return parse_rules(rules.text, version=1)


def save_rules(engine: sa.Engine, text: str, author: str | None = None, note: str | None = None) -> Rules:
    """Check ``text``, store it as the next version and re-derive tiers and stages.

    Raises ``lib.rules.RulesError`` (nothing stored) when the text is not valid rules.
    """
    actor = require("edit_rules")
    author = author or actor.name
    parse_rules(text)   # refused before waiting for the writers' turn
    current_rules(engine)
    with writing(engine) as conn:
        # the version is numbered inside the writers' turn: two saves never take the same one
        rules = parse_rules(text, version=rules_in_force(conn).version + 1)
        conn.execute(
            sa.insert(rules_versions).values(
                version=rules.version, created_at=now(), author=author, note=note, body=text
            )
        )
        apply_rules(conn, rules)
    return rules


def with_rules(engine: sa.Engine, text: str | None, note: str | None = None) -> sa.Engine:
    """``engine`` after saving ``text`` as its next rules version (nothing when None): a new
    workspace's first import stores the tiers the analyst accepted before its first rows."""
    if text is not None:
        save_rules(engine, text, note=note)
    return engine


def rules_history(engine: sa.Engine) -> pl.DataFrame:
    """Stored rules versions, newest first (without their text)."""
    c = rules_versions.c
    return read_frame(
        engine, sa.select(c.version, c.created_at, c.author, c.note).order_by(c.version.desc())
    )
