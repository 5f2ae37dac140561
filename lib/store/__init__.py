"""The SQL store: engine, tables, schema migrations and reading query results.

One engine per process (DuckDB allows one writing process per file). The URL comes from
``RETENTION_DB_URL``; the default is a DuckDB file under ``data/``, created on first use.
The same tables and queries run on PostgreSQL and, read-only, on Spark SQL.
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

from lib.store.schema import SPEND_BANDS_PER_E, stored_dtypes
from lib import DATA_DIR

DEFAULT_DB_PATH = DATA_DIR / "retention.duckdb"
DB_URL_ENV = "RETENTION_DB_URL"


class StoreError(Exception):
    """A store operation refused; ``code`` is an i18n key, ``params`` fill its template."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


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


def database_url() -> str:
    """The configured database URL, or the embedded DuckDB file under data/."""
    return os.environ.get(DB_URL_ENV) or f"duckdb:///{DEFAULT_DB_PATH}"


def make_engine(url: str | None = None, *, wait_seconds: float | None = None,
                on_wait: OnWait | None = None, batch: bool = False) -> sa.Engine:
    """Create the engine for ``url`` (default ``database_url()``) and bring the schema up to date.

    ``wait_seconds`` bounds how long its writers wait for another import or rules change
    (default ``default_wait_seconds()``); ``on_wait`` is told when one has to wait (see
    ``writing``). ``batch``: a DuckDB file is held only while a transaction runs, and asked
    for when another process holds it (the command line; see ``DuckDBFile``). A ``hive://`` URL (Spark Thrift Server) is a read-only store published by
    lib.store.spark: it is checked, never migrated.
    """
    url = url or database_url()
    if url.startswith("hive"):
        from lib.store.spark import spark_engine

        return spark_engine(url)
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
    migrate(engine)
    return engine


_POLARS_TO_SQL: dict[type[pl.DataType], sa.types.TypeEngine] = {
    pl.String: sa.String(),
    pl.Date: sa.Date(),
    pl.Int64: sa.BigInteger(),
    pl.Int32: sa.Integer(),
    pl.Int16: sa.SmallInteger(),
    # Double, not Float: Float compiles to single precision on DuckDB (docs/architecture.md, "Stack facts").
    pl.Float64: sa.Double(),
    pl.Boolean: sa.Boolean(),
}

metadata = sa.MetaData()

customers = sa.Table(
    "customers",
    metadata,
    *(sa.Column(name, _POLARS_TO_SQL[type(dtype)]) for name, dtype in stored_dtypes().items()),
)

#: Source columns outside the contract, kept per customer as name/value pairs so any of them
#: can be offered as a segment dimension.
customer_attributes = sa.Table(
    "customer_attributes",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("value", sa.String),
)

#: The Overview's cube: customers and latest-month revenue per snapshot, province, tier, churn
#: flags and spend band. Rebuilt with tiers whenever a snapshot is stored or the rules change,
#: so KPI trends over many snapshots read thousands of rows instead of millions.
customer_cube = sa.Table(
    "customer_cube",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("province", sa.String),
    sa.Column("tier", sa.SmallInteger, nullable=False),
    sa.Column("churned", sa.Boolean, nullable=False),
    sa.Column("counted", sa.Boolean, nullable=False),
    sa.Column("gross_add", sa.Boolean, nullable=False),
    sa.Column("spend_band", sa.SmallInteger, nullable=False),
    sa.Column("customers", sa.BigInteger, nullable=False),
    sa.Column("revenue", sa.Double, nullable=False),
)

#: Lifetimes as the Lifecycle and Offers pages fit them (``queries.lifecycle.lifetimes``), counted
#: per province and tier for every stored snapshot date under the rules' churn definition
#: (``definition`` is ``ChurnDefinition.key``). A snapshot's lifetimes read every snapshot up to it,
#: so storing or deleting a snapshot rebuilds its date and every later one (``lib.pipeline.cubes``);
#: an sBG fit per filter set then reads thousands of rows instead of scanning the base.
lifetime_cube = sa.Table(
    "lifetime_cube",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("definition", sa.String, nullable=False),
    sa.Column("province", sa.String),
    sa.Column("tier", sa.SmallInteger, nullable=False),
    sa.Column("duration_months", sa.Integer, nullable=False),
    sa.Column("event", sa.SmallInteger, nullable=False),
    sa.Column("entry_months", sa.Integer, nullable=False),
    sa.Column("active", sa.SmallInteger, nullable=False),
    sa.Column("customers", sa.BigInteger, nullable=False),
)

#: The newest scores of each snapshot summed per tier, province and risk decile over its active
#: customers: customers, summed churn probability (share 0-1 per customer) and summed
#: latest-month spend (currency). Offers ROI's targets are read from it instead of joining
#: every score to its customer row; rebuilt when a snapshot is scored or its tiers change.
score_cube = sa.Table(
    "score_cube",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("model_id", sa.Integer, nullable=False),
    sa.Column("tier", sa.SmallInteger, nullable=False),
    sa.Column("province", sa.String),
    sa.Column("risk_decile", sa.SmallInteger, nullable=False),
    sa.Column("customers", sa.BigInteger, nullable=False),
    sa.Column("churn_probability", sa.Double, nullable=False),
    sa.Column("spend", sa.Double, nullable=False),
)

#: Past-campaign contacts, one row per customer and offer: the first stored snapshot carrying the
#: campaign fields (``contact_date``) with that row's province, tier, group and take-up, and the
#: first later snapshot that shows the customer churned (``churn_date``, NULL if none). Offers ROI
#: calibrates on them as of any snapshot date without scanning every stored row; rebuilt whenever
#: snapshots are stored or deleted or the rules change.
campaign_contacts = sa.Table(
    "campaign_contacts",
    metadata,
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("offer_id", sa.String, nullable=False),
    sa.Column("contact_date", sa.Date, nullable=False),
    sa.Column("province", sa.String),
    sa.Column("tier", sa.SmallInteger),
    sa.Column("treated", sa.Boolean),
    sa.Column("accepted", sa.Boolean),
    sa.Column("churn_date", sa.Date),
)

#: Per-customer segment labels written back by the Segments page's models (RFM scores 1–5 and
#: behavioural cluster), one row per customer per snapshot.
customer_segments = sa.Table(
    "customer_segments",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("rfm_recency", sa.SmallInteger),
    sa.Column("rfm_frequency", sa.SmallInteger),
    sa.Column("rfm_monetary", sa.SmallInteger),
    sa.Column("rfm_segment", sa.String),
    sa.Column("cluster", sa.SmallInteger),
)

#: Fitted churn-risk models: what they were trained on and how they scored. ``card`` is the
#: model card as JSON (lib.churn.model.ModelCard); ``model`` the fitted estimator, pickled by
#: lib.churn.scores (written and read by this application only).
churn_models = sa.Table(
    "churn_models",
    metadata,
    sa.Column("model_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("horizon_months", sa.Integer, nullable=False),
    sa.Column("rules_version", sa.Integer, nullable=False),
    sa.Column("card", sa.Text, nullable=False),
    sa.Column("model", sa.LargeBinary, nullable=False),
)

#: Churn probability of every active customer of a snapshot, from one model.
churn_scores = sa.Table(
    "churn_scores",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("model_id", sa.Integer, nullable=False),
    sa.Column("churn_probability", sa.Double, nullable=False),
    sa.Column("risk_decile", sa.SmallInteger, nullable=False),
    sa.Column("reasons", sa.String),
)

export_id_seq = sa.Sequence("export_log_id_seq", metadata=metadata)

#: Every download of a call list: who, when, what and how many rows (privacy audit).
export_log = sa.Table(
    "export_log",
    metadata,
    sa.Column("export_id", sa.Integer, export_id_seq, primary_key=True,
              server_default=export_id_seq.next_value()),
    sa.Column("exported_at", sa.DateTime, nullable=False),
    sa.Column("user_name", sa.String),
    sa.Column("view", sa.String, nullable=False),
    sa.Column("snapshot_date", sa.Date),
    sa.Column("file_format", sa.String, nullable=False),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    sa.Column("identifiers_masked", sa.Boolean, nullable=False),
)

#: Versions of the offer catalogue (TOML text, like the rules); the newest is in force.
offer_catalogues = sa.Table(
    "offer_catalogues",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String),
    sa.Column("note", sa.String),
    sa.Column("body", sa.Text, nullable=False),
)

#: Saved Offers ROI scenarios: a name and the inputs as JSON.
offer_scenarios = sa.Table(
    "offer_scenarios",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String),
    sa.Column("body", sa.Text, nullable=False),
)

plan_id_seq = sa.Sequence("callback_plans_id_seq", metadata=metadata)

#: Call-back plans (回访计划): purpose, channel, time window, offers and the hold-out design
#: (lib.operations.plans). ``snapshot_month`` is the month index (year*12+month-1) of the snapshot the
#: list was drawn from; ``offer_ids`` comma-separated catalogue offer ids; ``selection`` JSON of
#: how the list was chosen; ``target_effect`` the absolute churn reduction (share 0-1) the
#: power calculation was sized for; status draft | active | closed.
callback_plans = sa.Table(
    "callback_plans",
    metadata,
    sa.Column("plan_id", sa.Integer, plan_id_seq, primary_key=True,
              server_default=plan_id_seq.next_value()),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("purpose", sa.String),
    sa.Column("channel", sa.String, nullable=False),
    sa.Column("snapshot_month", sa.Integer, nullable=False),
    sa.Column("window_start", sa.Date),
    sa.Column("window_end", sa.Date),
    sa.Column("offer_ids", sa.String),
    sa.Column("selection", sa.String),
    sa.Column("target_effect", sa.Double),
    sa.Column("holdout_share", sa.Double, nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("created_by", sa.String),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

#: The customers of a plan: arm treated | holdout; manager and offer are null for the hold-out.
plan_customers = sa.Table(
    "plan_customers",
    metadata,
    sa.Column("plan_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.String, primary_key=True),
    sa.Column("arm", sa.String, nullable=False),
    sa.Column("tier", sa.Integer),
    sa.Column("stage", sa.String),
    sa.Column("province", sa.String),
    sa.Column("manager", sa.String),
    sa.Column("offer_id", sa.String),
)

#: The latest recorded contact outcome per plan customer
#: (reached | not_reached | refused | accepted | complaint); history in ``outcome_log``.
plan_outcomes = sa.Table(
    "plan_outcomes",
    metadata,
    sa.Column("plan_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.String, primary_key=True),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("outcome_date", sa.Date),
    sa.Column("manager", sa.String),
    sa.Column("offer_id", sa.String),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("recorded_by", sa.String),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
)

outcome_log_id_seq = sa.Sequence("outcome_log_id_seq", metadata=metadata)

#: Every outcome ever recorded (append only: nothing stored is lost).
outcome_log = sa.Table(
    "outcome_log",
    metadata,
    sa.Column("log_id", sa.Integer, outcome_log_id_seq, primary_key=True,
              server_default=outcome_log_id_seq.next_value()),
    sa.Column("plan_id", sa.Integer, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("outcome_date", sa.Date),
    sa.Column("manager", sa.String),
    sa.Column("offer_id", sa.String),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("recorded_by", sa.String),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("snapshot_date", sa.Date, primary_key=True),
    sa.Column("snapshot_month", sa.Integer, nullable=False),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    # months the file's churn flag covers; NULL when the importer said it does not know
    sa.Column("churn_window_months", sa.Integer),
    sa.Column("rules_version", sa.Integer, nullable=False),
    sa.Column("import_id", sa.Integer, nullable=False),
    sa.Column("source_name", sa.String, nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
)

import_id_seq = sa.Sequence("import_log_id_seq", metadata=metadata)

import_log = sa.Table(
    "import_log",
    metadata,
    sa.Column("import_id", sa.Integer, import_id_seq, primary_key=True,
              server_default=import_id_seq.next_value()),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("source_name", sa.String, nullable=False),
    sa.Column("snapshot_dates", sa.String),
    sa.Column("rows_read", sa.BigInteger),
    sa.Column("rows_accepted", sa.BigInteger),
    sa.Column("rows_rejected", sa.BigInteger),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("message", sa.String),
    sa.Column("user_name", sa.String),
)

rules_versions = sa.Table(
    "rules_versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String),
    sa.Column("note", sa.String),
    sa.Column("body", sa.Text, nullable=False),
)

#: Saved column mappings ("templates") per source, versioned: each save of a name adds a
#: version. ``headers`` is the JSON list of the file's headers it was made on, ``signature``
#: their order-free fingerprint (``lib.ingest.templates.header_signature``), ``body`` the JSON
#: mapping {field: {"columns": [...], "unit": ...}}.
mapping_templates = sa.Table(
    "mapping_templates",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String),
    sa.Column("signature", sa.String, nullable=False),
    sa.Column("headers", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


def _has_column(conn: sa.Connection, table: str, column: str) -> bool:
    """Whether ``table`` has ``column`` (information_schema: DuckDB and PostgreSQL alike)."""
    found = conn.execute(
        sa.text("SELECT count(*) FROM information_schema.columns "
                "WHERE table_name = :table AND column_name = :column"),
        {"table": table, "column": column},
    ).scalar()
    return bool(found)


def _add_customer_cube(conn: sa.Connection) -> None:
    """v2: the Overview's cube, and the spend band it groups by, filled for stored snapshots."""
    from lib.pipeline.cubes import rebuild_cube
    from lib.rules.versions import rules_in_force

    spend = customers.c.spend_m1
    band = sa.case((spend > 0, sa.func.floor(sa.func.ln(1 + spend) * SPEND_BANDS_PER_E) + 1), else_=0)
    if not _has_column(conn, "customers", "spend_band"):
        conn.execute(sa.text("ALTER TABLE customers ADD COLUMN spend_band SMALLINT"))
    conn.execute(sa.update(customers).values(spend_band=sa.cast(band, sa.SmallInteger)))
    customer_cube.create(conn, checkfirst=True)
    rebuild_cube(conn, rules_in_force(conn), None)


def _add_model_outputs(conn: sa.Connection) -> None:
    """v3: segment labels, churn-risk models and scores, the export log, offer catalogues and
    scenarios."""
    metadata.create_all(conn, tables=[customer_segments, churn_models, churn_scores, export_log,
                                      offer_catalogues, offer_scenarios])


def _add_operations(conn: sa.Connection) -> None:
    """v4: call-back plans, their customers, contact outcomes and the outcome log."""
    for sequence in (plan_id_seq, outcome_log_id_seq):
        sequence.create(conn, checkfirst=True)
    metadata.create_all(conn, tables=[callback_plans, plan_customers, plan_outcomes, outcome_log])


def _add_lifetime_cubes(conn: sa.Connection) -> None:
    """v5: the lifetime and score cubes and the campaign contacts, filled for stored snapshots."""
    from lib.pipeline.cubes import rebuild_lifetime_cubes
    from lib.rules.versions import rules_in_force

    from lib.pipeline.cubes import rebuild_score_cube

    metadata.create_all(conn, tables=[lifetime_cube, campaign_contacts, score_cube])
    rebuild_lifetime_cubes(conn, rules_in_force(conn), None)
    rebuild_score_cube(conn, None)


def _rebuild_lifetime_cube(conn: sa.Connection) -> None:
    """v6: the lifetime cube holds lifetimes without the minimum-tenure exclusion (it is applied
    as left truncation when read); rows built under it are replaced."""
    from lib.pipeline.cubes import rebuild_lifetime_cubes
    from lib.rules.versions import rules_in_force

    rebuild_lifetime_cubes(conn, rules_in_force(conn), None)


def _allow_unknown_churn_window(conn: sa.Connection) -> None:
    """v7: a snapshot's churn window may be unknown (NULL) instead of silently one month."""
    conn.execute(sa.text("ALTER TABLE snapshots ALTER COLUMN churn_window_months DROP NOT NULL"))


def _add_mapping_templates(conn: sa.Connection) -> None:
    """v8: saved column mappings per source (templates)."""
    mapping_templates.create(conn, checkfirst=True)


#: Forward migrations of databases made by earlier versions, applied in order, each in its own
#: transaction. A new database is created from the table definitions above and stamped with
#: the latest version, so steps only ever run on older databases. Never edit a released step:
#: append one.
MIGRATIONS: tuple[tuple[int, Callable[[sa.Connection], None]], ...] = (
    (2, _add_customer_cube),
    (3, _add_model_outputs),
    (4, _add_operations),
    (5, _add_lifetime_cubes),
    (6, _rebuild_lifetime_cube),
    (7, _allow_unknown_churn_window),
    (8, _add_mapping_templates),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_schema_version(conn: sa.Connection) -> int:
    """Schema version of the connected database (0 when it is empty)."""
    schema_version.create(conn, checkfirst=True)
    found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(engine: sa.Engine) -> int:
    """Create a new database, or bring an older one up to date; return the resulting version.

    A database newer than this code is refused rather than touched. A store already up to date
    is only read; creating or migrating one is a writer (``writing``), so two processes starting
    on a new database do not both create it.
    """
    with engine.connect() as conn:
        if sa.inspect(conn).has_table(schema_version.name):
            found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
            if found == SCHEMA_VERSION:
                return SCHEMA_VERSION
    with writing(engine) as conn:
        version = current_schema_version(conn)
        if version == 0:
            metadata.create_all(conn)
            conn.execute(sa.insert(schema_version).values(version=SCHEMA_VERSION, applied_at=now()))
            return SCHEMA_VERSION
    if version > SCHEMA_VERSION:
        raise StoreError("store_schema_too_new", found=version, known=SCHEMA_VERSION)
    for target, step in MIGRATIONS:
        if target <= version:
            continue
        with writing(engine) as conn:
            if current_schema_version(conn) >= target:   # another process applied it meanwhile
                continue
            step(conn)
            conn.execute(sa.insert(schema_version).values(version=target, applied_at=now()))
        version = target
    return version


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
