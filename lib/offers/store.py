"""Offer catalogue versions and saved scenarios in the database (versioning: ``lib.store.versioned``).

The shipped data/offers.toml becomes catalogue version 1 the first time it is needed; each
save adds a version (the newest is in force). Scenarios are named sets of Offers ROI inputs.
"""
from __future__ import annotations

import json

import polars as pl
import sqlalchemy as sa

from lib.auth import require
from lib.offers.roi import DEFAULT_CATALOGUE_PATH, Offer, parse_catalogue
from lib.store import now, offer_catalogues, offer_scenarios, read_frame, versioned


def _shipped_text() -> str:
    return DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8")


def current_catalogue(engine: sa.Engine) -> tuple[int, tuple[Offer, ...], str]:
    """(version, offers, TOML text) of the catalogue in force, storing the shipped one if none is."""
    found = versioned.in_force(engine, offer_catalogues, _shipped_text)
    return found.number, parse_catalogue(found.text), found.text


def save_catalogue(engine: sa.Engine, text: str, author: str | None = None,
                   note: str | None = None) -> int:
    """Check ``text`` and store it as the next version; ``RulesError`` (nothing stored) if bad."""
    actor = require("edit_offers")
    parse_catalogue(text)
    return versioned.save(engine, offer_catalogues, text, author or actor.name, note, _shipped_text)


def save_scenario(engine: sa.Engine, name: str, inputs: dict, author: str | None = None) -> None:
    """Store (or replace) the scenario ``name`` with its inputs (JSON-able values)."""
    actor = require("edit_offers")
    author = author or actor.name
    body = json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str)
    with engine.begin() as conn:
        conn.execute(sa.delete(offer_scenarios).where(offer_scenarios.c.name == name))
        conn.execute(sa.insert(offer_scenarios).values(name=name, created_at=now(), author=author,
                                                       body=body))


def load_scenario(engine: sa.Engine, name: str) -> dict:
    """The inputs of a saved scenario."""
    with engine.connect() as conn:
        body = conn.execute(sa.select(offer_scenarios.c.body)
                            .where(offer_scenarios.c.name == name)).scalar_one()
    return json.loads(body)


def list_scenarios(engine: sa.Engine) -> pl.DataFrame:
    """Saved scenarios, newest first."""
    c = offer_scenarios.c
    return read_frame(engine, sa.select(c.name, c.created_at, c.author).order_by(c.created_at.desc(), c.name))
