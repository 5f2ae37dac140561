"""The store's engine: one per process, the writers' turn-taking, and reading query results.

One engine per process (DuckDB allows one writing process per file). The URL comes from
``RETENTION_DB_URL``; the default is a DuckDB file under ``data/``, created on first use.
``make_engine`` only connects: bringing the schema up to date is ``lib.pipeline.migrations``
(``open_store``), since some migrations rebuild cubes by the rules.
"""
from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from lib import DATA_DIR
from lib.errors import AppError

DEFAULT_DB_PATH = DATA_DIR / "retention.duckdb"
DB_URL_ENV = "RETENTION_DB_URL"


class StoreError(AppError):
    """A store operation refused; ``code`` is an i18n key, ``params`` fill its template."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)


#: Key of the one PostgreSQL advisory lock that serialises every writing transaction depending
#: on the rules in force (imports, rules saves, deletes, scoring): ASCII "RETE".
WRITER_LOCK_KEY = 0x52455445
#: Seconds a writer waits for another import or rules change before it gives up with
#: ``store_busy``; ``RETENTION_WRITER_WAIT_SECONDS`` overrides it for a process.
WRITER_WAIT_ENV = "RETENTION_WRITER_WAIT_SECONDS"
DEFAULT_WRITER_WAIT_SECONDS = 30.0
#: A writer that has to wait is told the bound (seconds) once, e.g. to print a progress line.
OnWait = Callable[[float], None]


@dataclass(frozen=True)
class Waiting:
    """How an engine's writers wait for one another: at most ``seconds``; ``on_wait`` is called
    once, with that bound, when a writer finds the store taken."""

    seconds: float
    on_wait: OnWait | None = None


_WAITING: weakref.WeakKeyDictionary[sa.Engine, Waiting] = weakref.WeakKeyDictionary()
#: In-process writers of a DuckDB file (the app's sessions are threads of one process), by URL.
_LOCAL_WRITERS: dict[str, threading.Lock] = {}
_LOCAL_WRITERS_GUARD = threading.Lock()


def default_wait_seconds() -> float:
    """The writer wait bound (seconds): ``RETENTION_WRITER_WAIT_SECONDS`` or the default."""
    text = os.environ.get(WRITER_WAIT_ENV, "").strip()
    try:
        return max(float(text), 0.0) if text else DEFAULT_WRITER_WAIT_SECONDS
    except ValueError:
        return DEFAULT_WRITER_WAIT_SECONDS


def waiting_of(engine: sa.Engine) -> Waiting:
    """How writers on ``engine`` wait (set by ``make_engine``; the default otherwise)."""
    return _WAITING.get(engine) or Waiting(default_wait_seconds())


def writer_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means another writer holds the store (a lost race, worth a retry), as
    opposed to a database that cannot be reached: our ``store_busy``, PostgreSQL's lock timeout,
    serialisation failure or deadlock, DuckDB's file lock held by another process or its
    write-write conflict."""
    if isinstance(exc, StoreError):
        return exc.code == "store_busy"
    orig = getattr(exc, "orig", None) or exc
    with contextlib.suppress(ImportError):
        from psycopg import errors as pg_errors

        if isinstance(orig, (pg_errors.LockNotAvailable, pg_errors.SerializationFailure,
                             pg_errors.DeadlockDetected)):
            return True
    with contextlib.suppress(ImportError):
        import duckdb

        if isinstance(orig, duckdb.IOException) and "Could not set lock on file" in str(orig):
            return True
        if isinstance(orig, duckdb.TransactionException) and "conflict" in str(orig).lower():
            return True
    return False


def _local_writer_lock(engine: sa.Engine) -> threading.Lock:
    key = engine.url.render_as_string(hide_password=True)
    with _LOCAL_WRITERS_GUARD:
        return _LOCAL_WRITERS.setdefault(key, threading.Lock())


def _acquire_local(lock: threading.Lock, waiting: Waiting) -> None:
    if lock.acquire(blocking=False):
        return
    if waiting.on_wait:
        waiting.on_wait(waiting.seconds)
    if not lock.acquire(timeout=waiting.seconds):
        raise StoreError("store_busy")


def _advisory_lock(conn: sa.Connection, waiting: Waiting) -> None:
    """Take the writers' transaction-level advisory lock, waiting at most ``waiting.seconds``;
    PostgreSQL releases it at commit or rollback."""
    key = {"key": WRITER_LOCK_KEY}
    if conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), key).scalar():
        return
    if waiting.on_wait:
        waiting.on_wait(waiting.seconds)
    previous = conn.execute(sa.text("SELECT current_setting('lock_timeout')")).scalar()
    # lock_timeout bounds the wait (0 would mean forever); restored for the rest of the writer
    bound = f"{max(int(waiting.seconds * 1000), 1)}ms"
    conn.execute(sa.text("SELECT set_config('lock_timeout', :bound, true)"), {"bound": bound})
    try:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), key)
    except sa.exc.OperationalError as exc:
        if writer_busy(exc):
            raise StoreError("store_busy") from exc
        raise
    conn.execute(sa.text("SELECT set_config('lock_timeout', :bound, true)"), {"bound": previous})


@contextlib.contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One writing transaction that depends on the rules in force, serialised with every other.

    Imports, rules saves, deletes and scoring all write through this, so none of them grades,
    counts or scores rows by rules another one is replacing. On PostgreSQL it takes a
    transaction-level advisory lock first (``WRITER_LOCK_KEY``), across processes; on DuckDB
    the file lock already admits one writing process, and a lock per file orders the threads
    of this one (the app's sessions). A writer that cannot get its turn within the engine's
    wait bound raises ``StoreError("store_busy")``, nothing changed. Never nest two.
    """
    waiting = waiting_of(engine)
    local = _local_writer_lock(engine) if engine.dialect.name == "duckdb" else None
    if local is not None:
        _acquire_local(local, waiting)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                _advisory_lock(conn, waiting)
            yield conn
    finally:
        if local is not None:
            local.release()


def _duckdb_lock_error(exc: BaseException) -> bool:
    import duckdb

    return isinstance(exc, duckdb.IOException) and "Could not set lock on file" in str(exc)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # alive, another user's
        return True
    return True


_OPEN_FILES: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_duckdb_files() -> None:
    # keepers closed before the interpreter tears DuckDB's bindings down
    for shared in list(_OPEN_FILES):
        shared.close()


class DuckDBFile:
    """How one engine shares a DuckDB file with other processes (DuckDB admits one process
    per file: the first to open it holds an OS lock until its last connection closes).

    Connections are opened per use (NullPool): while this process has one open, opening more
    is a cheap handle on the same database; once the last closes, the file is free. A serving
    engine (the app, ``batch=False``) keeps one idle "keeper" handle so pages do not pay the
    open (46 ms median on the 1.2M-row demo store) and a cold buffer cache (+156 ms per
    Overview page) on every request; it lets go of it when a batch writer asks for the file
    by creating ``<file>.release`` with its process id, and opens nothing new until that writer
    is in (or its wait bound has passed). A batch engine (the command line) never keeps the
    file between transactions, and when the file is taken it asks for it and retries until
    its wait bound. A connection that still finds the file taken raises DuckDB's IOException,
    which ``writer_busy`` reads as a lost race.
    """

    POLL_SECONDS = 0.1

    def __init__(self, path: str, waiting: Waiting, batch: bool) -> None:
        self.path, self.waiting, self.batch = path, waiting, batch
        self.request = Path(f"{path}.release")
        self.keeper = None
        self.guard = threading.Lock()
        self.closed = False
        _OPEN_FILES.add(self)
        if not batch:
            me = weakref.ref(self)
            threading.Thread(target=DuckDBFile._watch, args=(me,), daemon=True,
                             name=f"duckdb-release-{Path(path).name}").start()

    def foreign_request(self) -> bool:
        """Whether another live process has asked for the file."""
        try:
            pid = int(self.request.read_text().strip() or 0)
        except (OSError, ValueError):
            return False
        return pid != os.getpid() and _pid_alive(pid)

    def release(self) -> None:
        with self.guard:
            keeper, self.keeper = self.keeper, None
        if keeper is not None:
            keeper.close()

    def close(self) -> None:
        self.closed = True
        self.release()

    @staticmethod
    def _watch(ref: weakref.ref) -> None:
        # an idle app runs no code that could notice a request: this thread lets go for it
        while (file := ref()) is not None and not file.closed:
            if file.keeper is not None and file.foreign_request():
                file.release()
            del file
            threading.Event().wait(DuckDBFile.POLL_SECONDS)

    def connect(self, dialect, cargs, cparams):
        """Open a connection, waiting (bounded) while a batch writer has or wants the file."""
        import time

        deadline = time.monotonic() + self.waiting.seconds
        told = asked = False
        try:
            while True:
                if not self.batch and self.foreign_request():
                    self.release()
                    if time.monotonic() < deadline:   # let the batch writer in first
                        told = self._tell(told)
                        time.sleep(self.POLL_SECONDS)
                        continue
                try:
                    conn = dialect.connect(*cargs, **dict(cparams))
                except Exception as exc:
                    if not _duckdb_lock_error(exc) or time.monotonic() >= deadline:
                        raise
                    if self.batch and not asked:
                        self.request.write_text(str(os.getpid()))
                        asked = True
                    told = self._tell(told)
                    time.sleep(self.POLL_SECONDS)
                    continue
                if not self.batch and not self.closed:
                    with self.guard:
                        if self.keeper is None:
                            self.keeper = dialect.connect(*cargs, **dict(cparams))
                return conn
        finally:
            if asked:
                with contextlib.suppress(OSError):
                    self.request.unlink()

    def _tell(self, told: bool) -> bool:
        if not told and self.waiting.on_wait:
            self.waiting.on_wait(self.waiting.seconds)
        return True


#: URL schemes of a Spark Thrift Server (PyHive's dialect), a read-only store.
HIVE_SCHEMES = ("hive",)


def is_spark_url(url: str) -> bool:
    """Whether ``url`` names a Spark Thrift Server (``hive://`` or ``hive+...://``)."""
    return url.split("://", 1)[0].split("+", 1)[0] in HIVE_SCHEMES


def database_url() -> str:
    """The configured database URL, or the embedded DuckDB file under data/."""
    return os.environ.get(DB_URL_ENV) or f"duckdb:///{DEFAULT_DB_PATH}"


def make_engine(url: str | None = None, *, wait_seconds: float | None = None,
                on_wait: OnWait | None = None, batch: bool = False) -> sa.Engine:
    """Create the engine for ``url`` (default ``database_url()``), DuckDB or PostgreSQL.

    It only connects: the schema is created or brought up to date by
    ``lib.pipeline.migrations.open_store``, which is what the app, the CLI and the tests call.
    ``wait_seconds`` bounds how long its writers wait for another import or rules change
    (default ``default_wait_seconds()``); ``on_wait`` is told when one has to wait (see
    ``writing``). ``batch``: a DuckDB file is held only while a transaction runs, and asked
    for when another process holds it (the command line; see ``DuckDBFile``). A read-only
    Spark store (``hive://``) is opened by ``lib.store.spark.spark_engine`` instead.
    """
    url = url or database_url()
    if is_spark_url(url):   # a programming error: the read-only checks would be skipped
        raise ValueError("a Spark store is opened read-only by lib.pipeline.migrations.open_store")
    waiting = Waiting(default_wait_seconds() if wait_seconds is None else wait_seconds, on_wait)
    path = url.removeprefix("duckdb:///").split("?")[0] if url.startswith("duckdb:///") else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # opened per use, so the file is free for another process between uses (DuckDBFile)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        shared = DuckDBFile(str(Path(path).resolve()), waiting, batch)
        sa.event.listen(engine, "do_connect",
                        lambda dialect, _record, cargs, cparams: shared.connect(dialect, cargs, cparams))
        sa.event.listen(engine, "engine_disposed", lambda _engine: shared.close())
    else:
        # Every browser session of the app may hold a connection while its page runs; DuckDB's
        # are cheap in-process handles, so allow many rather than make sessions queue.
        pool = {"pool_size": 10, "max_overflow": 40} if url.startswith("duckdb") else {}
        engine = sa.create_engine(url, **pool)
    _WAITING[engine] = waiting
    return engine


def now() -> dt.datetime:
    """Current UTC time without tzinfo (both engines store naive timestamps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def read_frame(conn: sa.Connection | sa.Engine, statement: sa.Executable) -> pl.DataFrame:
    """Run ``statement`` and return its (small) result as a polars frame.

    Column types are taken from the values; queries cast aggregates to Double so both
    engines give floats (docs/architecture.md, "Stack facts").
    """
    if isinstance(conn, sa.Engine):
        with conn.connect() as connection:
            return read_frame(connection, statement)
    result = conn.execute(statement)
    columns = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return pl.DataFrame({name: [] for name in columns})
    return pl.DataFrame([tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None)

