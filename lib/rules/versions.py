"""Rules versions kept in the database: the latest one is in force.

The shipped defaults become version 1 the first time a store is used. Saving new rules
(``lib.pipeline.regrade.save_rules``) re-derives every stored row's tier and stage in the same
transaction, so no figure mixes two rules versions; that is pipeline work, above this module.
"""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from lib.rules import Rules, default_rules, parse_rules
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


def rules_history(engine: sa.Engine) -> pl.DataFrame:
    """Stored rules versions, newest first (without their text)."""
    c = rules_versions.c
    return read_frame(
        engine, sa.select(c.version, c.created_at, c.author, c.note).order_by(c.version.desc())
    )
