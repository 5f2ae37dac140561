"""Offer catalogue versions and saved scenarios in the database.

The shipped data/offers.toml becomes catalogue version 1 the first time it is needed; each
save adds a version (the newest is in force). Scenarios are named sets of Offers ROI inputs.
"""
from __future__ import annotations

import json

import polars as pl
import sqlalchemy as sa

from lib.auth import require
from lib.offers.roi import DEFAULT_CATALOGUE_PATH, Offer, parse_catalogue
from lib.store import now, offer_catalogues, offer_scenarios, read_frame


def current_catalogue(engine: sa.Engine) -> tuple[int, tuple[Offer, ...], str]:
    """(version, offers, TOML text) of the catalogue in force, storing the shipped one if none is."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(offer_catalogues.c.version, offer_catalogues.c.body)
            .order_by(offer_catalogues.c.version.desc()).limit(1)
        ).first()
        if row is None:
            text = DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8")
            conn.execute(sa.insert(offer_catalogues).values(
                version=1, created_at=now(), author="system", note="shipped defaults", body=text))
            return 1, parse_catalogue(text), text
    return int(row.version), parse_catalogue(row.body), row.body


def save_catalogue(engine: sa.Engine, text: str, author: str | None = None,
                   note: str | None = None) -> int:
    """Check ``text`` and store it as the next version; ``RulesError`` (nothing stored) if bad."""
    actor = require("edit_offers")
    author = author or actor.name
    parse_catalogue(text)
    version, _, _ = current_catalogue(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(offer_catalogues).values(
            version=version + 1, created_at=now(), author=author, note=note, body=text))
    return version + 1


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
