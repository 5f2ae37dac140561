"""Saving new rules: the next rules version stored and every stored row re-graded by it.

One writing transaction stores the version and re-derives tiers, stages and the cubes
(``lib.pipeline.snapshots.apply_rules``), so no figure ever mixes two rules versions.
"""
from __future__ import annotations

import sqlalchemy as sa

from lib.auth import require
from lib.pipeline.snapshots import apply_rules
from lib.rules import Rules, parse_rules
from lib.rules.versions import current_rules, rules_in_force
from lib.store import now, rules_versions, writing


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
