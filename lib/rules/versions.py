"""Rules versions kept in the database: the latest one is in force.

The shipped defaults become version 1 the first time a store is used. Saving new rules
re-derives every stored row's tier and stage in the same transaction, so no figure mixes two
rules versions. The versioning itself (numbering, history) is ``lib.store.versioned``'s.
"""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from lib.auth import require
from lib.pipeline.snapshots import apply_rules
from lib.rules import DEFAULT_RULES_PATH, Rules, default_rules, parse_rules
from lib.store import rules_versions, versioned


def _shipped_text() -> str:
    return DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def rules_in_force(conn: sa.Connection) -> Rules:
    """The newest stored rules version, or the shipped defaults (version 0) when none is stored."""
    found = versioned.latest(conn, rules_versions)
    return default_rules() if found is None else parse_rules(found.text, version=found.number)


def current_rules(engine: sa.Engine) -> Rules:
    """The rules in force: the newest stored version, storing the defaults first if none is."""
    found = versioned.in_force(engine, rules_versions, _shipped_text)
    return parse_rules(found.text, version=found.number)


def save_rules(engine: sa.Engine, text: str, author: str | None = None, note: str | None = None) -> Rules:
    """Check ``text``, store it as the next version and re-derive tiers and stages.

    Raises ``lib.rules.RulesError`` (nothing stored) when the text is not valid rules.
    """
    actor = require("edit_rules")
    parse_rules(text)   # refused before waiting for the writers' turn
    saved: list[Rules] = []

    def regrade(conn: sa.Connection, version: int) -> None:
        saved.append(parse_rules(text, version=version))
        apply_rules(conn, saved[0])

    versioned.save(engine, rules_versions, text, author or actor.name, note, _shipped_text, then=regrade)
    return saved[0]


def with_rules(engine: sa.Engine, text: str | None, note: str | None = None) -> sa.Engine:
    """``engine`` after saving ``text`` as its next rules version (nothing when None): a new
    workspace's first import stores the tiers the analyst accepted before its first rows."""
    if text is not None:
        save_rules(engine, text, note=note)
    return engine


def rules_history(engine: sa.Engine) -> pl.DataFrame:
    """Stored rules versions, newest first (without their text)."""
    return versioned.history(engine, rules_versions)
