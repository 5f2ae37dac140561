"""Rules versions kept in the database: the latest one is in force.

The shipped defaults become version 1 the first time a store is used. Saving new rules
(``lib.pipeline.regrade.save_rules``) re-derives every stored row's tier and stage in the same
transaction, so no figure mixes two rules versions; that is pipeline work, above this module.
The versioning itself (numbering, history) is ``lib.store.versioned``'s.
"""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from lib.rules import DEFAULT_RULES_PATH, Rules, default_rules, parse_rules
from lib.store import rules_versions, versioned


def shipped_text() -> str:
    """The shipped rules file's text (version 1 of a new store)."""
    return DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def rules_in_force(conn: sa.Connection) -> Rules:
    """The newest stored rules version, or the shipped defaults (version 0) when none is stored."""
    found = versioned.latest(conn, rules_versions)
    return default_rules() if found is None else parse_rules(found.text, version=found.number)


def current_rules(engine: sa.Engine) -> Rules:
    """The rules in force: the newest stored version, storing the defaults first if none is."""
    found = versioned.in_force(engine, rules_versions, shipped_text)
    return parse_rules(found.text, version=found.number)


def rules_history(engine: sa.Engine) -> pl.DataFrame:
    """Stored rules versions, newest first (without their text)."""
    return versioned.history(engine, rules_versions)
