"""A store's own kind: a one-row ``workspace_marker`` table (demo | own, a name, when).

Written by the demo seeding (``lib.demo.seed``) and by ``lib.workspaces.create_workspace``, so a
store is recognisably the demo even without the workspace registry: the command line refuses to
import a user's file into one. Created on first mark, outside the schema migrations: a store
without it is simply unmarked (``store_kind`` then judges by its snapshots' sources).
"""
from __future__ import annotations

import sqlalchemy as sa

from lib.store import now, snapshots

DEMO = "demo"
OWN = "own"
KINDS: tuple[str, ...] = (DEMO, OWN)
#: Source name the demo seeding gives its snapshots (``lib.demo.seed.DEMO_SOURCE``): a store
#: seeded before markers existed, holding only such snapshots, is a demo store.
DEMO_SOURCE = "demo"

_marker_metadata = sa.MetaData()
#: One row: what this store is (``kind`` demo | own), its name and when it was marked.
workspace_marker = sa.Table(
    "workspace_marker", _marker_metadata,
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("name", sa.String),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def mark_store(engine: sa.Engine, kind: str, name: str | None = None) -> None:
    """Write the store's marker row (replacing any): it is a ``kind`` store named ``name``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    with engine.begin() as conn:
        workspace_marker.create(conn, checkfirst=True)
        conn.execute(sa.delete(workspace_marker))
        conn.execute(sa.insert(workspace_marker).values(kind=kind, name=name, created_at=now()))


def store_marker(conn: sa.Connection) -> tuple[str, str | None] | None:
    """The store's (kind, name) marker, or None when it has none."""
    if not sa.inspect(conn).has_table(workspace_marker.name):
        return None
    row = conn.execute(sa.select(workspace_marker.c.kind, workspace_marker.c.name)).first()
    return (row.kind, row.name) if row else None


def store_kind(engine: sa.Engine) -> str:
    """demo or own: the store's marker; a store without one is the demo when every snapshot it
    holds came from the demo seeding (seeded before markers existed), else own."""
    with engine.connect() as conn:
        marker = store_marker(conn)
        if marker is not None:
            return marker[0]
        sources = conn.execute(sa.select(snapshots.c.source_name).distinct()).scalars().all()
    return DEMO if sources and set(sources) == {DEMO_SOURCE} else OWN
