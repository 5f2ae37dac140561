"""Workspaces: the demo base and each user's own data, kept in stores of their own.

A **workspace** is one store (one set of our tables). The demo lives in its own; a user's first
import starts theirs, so an upload never mixes with the demo's 100k customers.

Where the stores live depends on the configured database (``RETENTION_DB_URL``):

- **embedded** (no URL set, the default): one DuckDB file per workspace under ``data/``: the demo
  in ``data/demo.duckdb``, the others in ``data/workspaces/<slug>.duckdb``. The registry is the
  file ``data/workspaces.toml``. A ``data/retention.duckdb`` from before workspaces is still
  listed (as the "main" workspace) while it exists.
- **a DuckDB file URL**: that file is the "main" workspace; others are files in
  ``<its folder>/workspaces/``, the registry ``<its folder>/workspaces.toml``.
- **a server URL** (PostgreSQL): the URL's database and default schema is the "main" workspace,
  exactly as a single-URL deployment has always used it; every other workspace is a *schema*
  ``ws_<slug>`` in the same database (one server, one set of credentials and backups; a
  separate database would need CREATE DATABASE rights that a deployment rarely grants). Its
  store URL is the server URL with ``options=-csearch_path=ws_<slug>``, so every query and
  migration runs unchanged inside it. The registry is the table ``workspace_registry`` in the
  main schema.

``RETENTION_WORKSPACES`` (a file path) overrides where the file registry is kept.

Each store also knows its own kind: a one-row ``workspace_marker`` table (written by the demo
seeding, ``mark_store``), so a store is recognisably the demo even without the registry
(the command line refuses to import into one; ``store_kind``).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import tomlkit

from lib import DATA_DIR
from lib.auth import require
from lib.store import DB_URL_ENV, StoreError, now
from lib.pipeline.migrations import open_store
from lib.workspaces.marker import (  # noqa: F401 - the kinds and the marker, re-exported
    DEMO, DEMO_SOURCE, KINDS, OWN, mark_store, store_kind, store_marker, workspace_marker)

#: Slug of the store the configured URL (or the legacy embedded file) names.
MAIN_SLUG = "main"
#: Slug of the demo workspace in embedded mode.
DEMO_SLUG = "demo"
REGISTRY_ENV = "RETENTION_WORKSPACES"
#: The embedded store file from before workspaces (``lib.store.DEFAULT_DB_PATH``).
LEGACY_PATH = DATA_DIR / "retention.duckdb"
SLUG_MAX = 40

EngineFor = Callable[[str], sa.Engine]

_registry_metadata = sa.MetaData()
#: The server registry (PostgreSQL): one row per workspace besides the main schema.
workspace_registry = sa.Table(
    "workspace_registry", _registry_metadata,
    sa.Column("slug", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("store_url", sa.String, nullable=False),
)


@dataclass(frozen=True)
class Workspace:
    """One workspace: ``slug`` (its id), display ``name``, ``kind`` (demo | own), when it was
    created and the URL of its store."""

    slug: str
    name: str
    kind: str
    created_at: dt.datetime
    store_url: str

    @property
    def is_demo(self) -> bool:
        return self.kind == DEMO


# -- where stores live ---------------------------------------------------------------------

def configured_url() -> str | None:
    """``RETENTION_DB_URL`` when set (a single-URL deployment), else None (embedded)."""
    return os.environ.get(DB_URL_ENV) or None


def _duckdb_path(url: str) -> Path | None:
    if not url.startswith("duckdb:///"):
        return None
    path = url.removeprefix("duckdb:///").split("?")[0]
    return None if path in ("", ":memory:") else Path(path)


def _home_dir() -> Path | None:
    """Folder holding the workspaces' DuckDB files and the registry file; None on a server."""
    url = configured_url()
    if url is None:
        return DATA_DIR
    path = _duckdb_path(url)
    return path.parent if path is not None else None


def main_url() -> str | None:
    """The URL of the "main" store: the configured URL, or the legacy embedded file while it
    exists; None in an embedded install without one."""
    url = configured_url()
    if url is not None:
        return url
    return f"duckdb:///{LEGACY_PATH}" if LEGACY_PATH.exists() else None


def demo_store_url() -> str:
    """Where ``python -m lib demo`` seeds without ``--db``: ``data/demo.duckdb`` embedded, the
    configured store otherwise (a single-URL deployment keeps working as it always has)."""
    return configured_url() or f"duckdb:///{DATA_DIR / 'demo.duckdb'}"


def schema_name(slug: str) -> str:
    """PostgreSQL schema of a workspace: ``ws_`` and the slug (letters, digits, underscores)."""
    return "ws_" + slug.replace("-", "_")


def new_store_url(slug: str) -> str:
    """Store URL for a new workspace ``slug`` (a file beside the others, or a schema)."""
    folder = _home_dir()
    if folder is not None:
        return f"duckdb:///{folder / 'workspaces' / f'{slug}.duckdb'}"
    base = sa.make_url(configured_url() or "")
    if base.get_backend_name() != "postgresql":
        raise StoreError("ws_server_unsupported", backend=base.get_backend_name())
    return base.update_query_dict({"options": f"-csearch_path={schema_name(slug)}"}) \
        .render_as_string(hide_password=False)


def slugify(name: str, taken: set[str]) -> str:
    """A file- and schema-safe id for ``name`` (lower-case ASCII letters, digits, hyphens),
    unique among ``taken``; "workspace" when the name has no such letter (e.g. Chinese)."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:SLUG_MAX].strip("-") or "workspace"
    slug, n = base, 2
    while slug in taken or slug in (MAIN_SLUG, DEMO_SLUG):
        slug, n = f"{base}-{n}", n + 1
    return slug


# -- the registry --------------------------------------------------------------------------

_FILE_GUARD = threading.Lock()


def registry_path() -> Path | None:
    """The registry file, or None when the registry is a table (a server store)."""
    override = os.environ.get(REGISTRY_ENV)
    if override:
        return Path(override)
    folder = _home_dir()
    return folder / "workspaces.toml" if folder is not None else None


def _read_file(path: Path) -> dict:
    """The registry file as plain data: ``workspace`` (a list of tables) and ``demo_seeded``."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StoreError("ws_registry_unreadable", path=str(path), reason=str(exc)) from exc


def _write_file(path: Path, data: dict) -> None:
    """Write the registry afresh (one ``[[workspace]]`` table per workspace)."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Workspaces of the retention dashboard (lib/workspaces); written by the app."))
    if data.get("demo_seeded"):
        doc["demo_seeded"] = True
    entries = tomlkit.aot()
    for entry in data.get("workspace", []):
        entries.append(tomlkit.item(dict(entry)))
    if data.get("workspace"):
        doc["workspace"] = entries
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text(tomlkit.dumps(doc), encoding="utf-8")
    os.replace(temporary, path)   # readers see the old or the new registry, never half of one


def _file_entry(workspace: Workspace, folder: Path) -> dict:
    """A registry file entry; a store file beside the registry is recorded by its relative
    path (``store_file``), so the data folder can be moved or copied with its workspaces."""
    entry = {key: getattr(workspace, key) for key in ("slug", "name", "kind", "created_at")}
    path = _duckdb_path(workspace.store_url)
    if path is not None and path.resolve().is_relative_to(folder.resolve()):
        entry["store_file"] = path.resolve().relative_to(folder.resolve()).as_posix()
    else:
        entry["store_url"] = workspace.store_url
    return entry


def _from_file_entry(entry: dict, folder: Path) -> Workspace:
    created = entry["created_at"]
    created = (created.replace(tzinfo=None) if isinstance(created, dt.datetime)
               else dt.datetime.fromisoformat(str(created)))
    url = (f"duckdb:///{folder / str(entry['store_file'])}" if "store_file" in entry
           else str(entry["store_url"]))
    return Workspace(str(entry["slug"]), str(entry["name"]), str(entry["kind"]), created, url)


def _registered(engine_for: EngineFor) -> list[Workspace]:
    path = registry_path()
    if path is not None:
        with _FILE_GUARD:
            data = _read_file(path)
        try:
            return [_from_file_entry(entry, path.parent) for entry in data.get("workspace", [])]
        except (KeyError, TypeError, ValueError) as exc:   # edited by hand into something else
            raise StoreError("ws_registry_unreadable", path=str(path), reason=f"{type(exc).__name__}: {exc}") from exc
    with engine_for(configured_url()).connect() as conn:
        if not sa.inspect(conn).has_table(workspace_registry.name):
            return []
        rows = conn.execute(sa.select(workspace_registry).order_by(workspace_registry.c.created_at))
        # the URL is rebuilt from the configured one: the table keeps no password, and a changed
        # password or host reaches every workspace
        return [Workspace(r.slug, r.name, r.kind, r.created_at, new_store_url(r.slug)) for r in rows]


def _register(workspace: Workspace, engine_for: EngineFor) -> None:
    path = registry_path()
    if path is not None:
        with _FILE_GUARD:
            data = _read_file(path)
            data.setdefault("workspace", []).append(_file_entry(workspace, path.parent))
            _write_file(path, data)
        return
    with engine_for(configured_url()).begin() as conn:
        workspace_registry.create(conn, checkfirst=True)
        conn.execute(sa.insert(workspace_registry).values(
            slug=workspace.slug, name=workspace.name, kind=workspace.kind,
            created_at=workspace.created_at,
            store_url=sa.make_url(workspace.store_url).render_as_string(hide_password=True)))


def _unregister(slug: str, engine_for: EngineFor) -> None:
    path = registry_path()
    if path is not None:
        with _FILE_GUARD:
            data = _read_file(path)
            data["workspace"] = [entry for entry in data.get("workspace", []) if entry["slug"] != slug]
            _write_file(path, data)
        return
    with engine_for(configured_url()).begin() as conn:
        if sa.inspect(conn).has_table(workspace_registry.name):
            conn.execute(sa.delete(workspace_registry).where(workspace_registry.c.slug == slug))


def list_workspaces(engine_for: EngineFor = open_store) -> list[Workspace]:
    """Every workspace: the main store (when there is one) first, then the registered ones in
    the order they were created. A store's kind is its own marker's where it has one."""
    url = main_url()
    if url is not None and url.startswith("hive"):
        # a published read-only store (Spark SQL): one workspace, no registry, no marker probe
        # (each round trip costs 0.3–1 s there)
        return [Workspace(MAIN_SLUG, "", OWN, dt.datetime.min, url)]
    found = [w for w in _registered(engine_for) if w.slug != MAIN_SLUG]
    if url is not None and url not in {w.store_url for w in found}:
        engine = engine_for(url)
        with engine.connect() as conn:
            marker = store_marker(conn)
        found.insert(0, Workspace(MAIN_SLUG, (marker[1] if marker else None) or "",
                                  marker[0] if marker else store_kind(engine), dt.datetime.min, url))
    return found


def find_workspace(slug: str | None, engine_for: EngineFor = open_store) -> Workspace | None:
    """The workspace ``slug``, or None."""
    return next((w for w in list_workspaces(engine_for) if w.slug == slug), None)


def default_workspace(listed: list[Workspace]) -> Workspace | None:
    """Which workspace a new session opens: the newest own one, else the demo, else None."""
    own = [w for w in listed if not w.is_demo]
    if own:
        return max(own, key=lambda w: w.created_at)
    return listed[0] if listed else None


def create_workspace(name: str, kind: str = OWN, engine_for: EngineFor = open_store) -> Workspace:
    """Create an empty workspace named ``name`` (its store made and marked) and register it.

    Needs the ``import`` permission. ``StoreError`` ``ws_name_empty`` for a blank name,
    ``ws_name_taken`` for the name of an existing workspace (names are compared ignoring case).
    """
    require("import")
    name = " ".join(name.split())
    if not name:
        raise StoreError("ws_name_empty")
    listed = list_workspaces(engine_for)
    if name.casefold() in {w.name.casefold() for w in listed}:
        raise StoreError("ws_name_taken", name=name)
    slug = slugify(name, {w.slug for w in listed})
    url = new_store_url(slug)
    if _duckdb_path(url) is None:   # a schema in the server's database
        with engine_for(configured_url()).begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema_name(slug)}"'))
    mark_store(engine_for(url), kind, name)
    workspace = Workspace(slug, name, kind, now(), url)
    _register(workspace, engine_for)
    return workspace


def register_demo(url: str, name: str, engine_for: EngineFor = open_store) -> Workspace:
    """Record the seeded demo store at ``url`` (marked demo by the seeding) in the registry,
    unless it is the main store or already listed; return its workspace."""
    for workspace in list_workspaces(engine_for):
        if workspace.store_url == url or workspace.slug == DEMO_SLUG:
            return workspace
    workspace = Workspace(DEMO_SLUG, name, DEMO, now(), url)
    _register(workspace, engine_for)
    return workspace


def remove_workspace(workspace: Workspace, engine_for: EngineFor = open_store,
                     dispose: Callable[[str], None] = lambda _url: None) -> None:
    """Remove a workspace and everything stored in it, in one action.

    Needs the ``delete_snapshot`` permission (admin). A workspace of its own store is dropped
    (its DuckDB file deleted, its schema dropped) and unregistered; the main store of a
    single-URL deployment cannot be dropped, so its tables are emptied instead (it stays the
    configured store, now an empty own workspace). ``dispose(url)`` lets the caller
    close the engine it keeps for the store first (DuckDB holds the file while one is open).
    """
    require("delete_snapshot")
    _drop(workspace, engine_for, dispose)


def discard_empty_workspace(workspace: Workspace, engine_for: EngineFor = open_store) -> None:
    """Undo ``create_workspace`` when the import it was made for failed: an own workspace that
    holds no snapshot is dropped (needs only ``import``, like creating it); any other is kept."""
    require("import")
    from lib.pipeline.snapshots import stored_dates

    if workspace.is_demo or workspace.slug == MAIN_SLUG or stored_dates(engine_for(workspace.store_url)):
        return
    _drop(workspace, engine_for, lambda _url: None)


def _drop(workspace: Workspace, engine_for: EngineFor, dispose: Callable[[str], None]) -> None:
    from lib.store import metadata, schema_version, writing

    engine = engine_for(workspace.store_url)
    if workspace.store_url == configured_url():
        # the configured store cannot go: every row goes (children first), the tables and the
        # schema version stay, so nothing needs migrating again
        with writing(engine) as conn:
            for table in reversed(metadata.sorted_tables):
                if table is not schema_version and sa.inspect(conn).has_table(table.name):
                    conn.execute(sa.delete(table))
            workspace_marker.drop(conn, checkfirst=True)
        _unregister(workspace.slug, engine_for)
        return
    path = _duckdb_path(workspace.store_url)
    dispose(workspace.store_url)
    engine.dispose()
    if path is None:
        with engine_for(configured_url()).begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema_name(workspace.slug)}" CASCADE'))
    else:
        for leftover in (path, Path(f"{path}.wal"), Path(f"{path}.release")):
            leftover.unlink(missing_ok=True)
    _unregister(workspace.slug, engine_for)


def demo_was_seeded() -> bool:
    """Whether a demo was ever registered here (``make run`` seeds it on first start only, so a
    demo the user removed does not come back)."""
    path = registry_path()
    if path is None:
        return False
    with _FILE_GUARD:
        return bool(_read_file(path).get("demo_seeded", False))


def note_demo_seeded() -> None:
    """Record in the registry file that the demo was seeded once."""
    path = registry_path()
    if path is None:
        return
    with _FILE_GUARD:
        data = _read_file(path)
        data["demo_seeded"] = True
        _write_file(path, data)
