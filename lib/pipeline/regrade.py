"""Saving new rules: the next rules version stored and every stored row re-graded by it.

One writing transaction stores the version and re-derives tiers, stages and the cubes
(``lib.pipeline.snapshots.apply_rules``), so no figure ever mixes two rules versions.
"""
from __future__ import annotations

import sqlalchemy as sa

from lib.auth import require
from lib.pipeline.snapshots import apply_rules
from lib.rules import Rules, parse_rules
from lib.rules.versions import shipped_text
from lib.store import rules_versions, versioned


def save_rules(engine: sa.Engine, text: str, author: str | None = None, note: str | None = None) -> Rules:
    """Check ``text``, store it as the next version and re-derive tiers and stages.

    Raises ``lib.rules.RulesError`` (nothing stored) when the text is not valid rules.
    """
    actor = require("edit_rules")
    parse_rules(text)   # refused before waiting for the writers' turn
    saved: list[Rules] = []

    def regrade(conn: sa.Connection, version: int) -> None:
        # numbered inside the writers' turn (lib.store.versioned): two saves never take one number
        saved.append(parse_rules(text, version=version))
        apply_rules(conn, saved[0])

    versioned.save(engine, rules_versions, text, author or actor.name, note, shipped_text, then=regrade)
    return saved[0]


def with_rules(engine: sa.Engine, text: str | None, note: str | None = None) -> sa.Engine:
    """``engine`` after saving ``text`` as its next rules version (nothing when None): a new
    workspace's first import stores the tiers the analyst accepted before its first rows."""
    if text is not None:
        save_rules(engine, text, note=note)
    return engine
