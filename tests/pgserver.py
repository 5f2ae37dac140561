"""A throw-away PostgreSQL server for the tests.

``PgServer`` runs ``initdb`` into a fresh temporary folder and starts the cluster on a free
loopback port with its socket in that folder, so nothing outside the folder is touched and
nothing listens beyond 127.0.0.1. As root it hands the folder to the ``postgres`` user and runs
each server command through ``runuser -u postgres --`` (PostgreSQL refuses to run as root).

Usage::

    srv = PgServer(find_bindir())
    srv.start()
    url = srv.create_database()      # postgresql+psycopg://postgres@127.0.0.1:PORT/NAME
    ...
    srv.drop_database(name)
    srv.stop()                       # also registered with atexit, safe to call twice
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

__all__ = ["PgServer", "PgServerError", "find_bindir", "free_port", "MISSING_BINARIES"]

MISSING_BINARIES = (
    "PostgreSQL server binaries not found (looked for /usr/lib/postgresql/*/bin/initdb and "
    "$PG_BINDIR). Install them with `make sysdeps` (Debian package `postgresql`)."
)


class PgServerError(RuntimeError):
    pass


def _version_key(path: str) -> tuple:
    # /usr/lib/postgresql/15/bin/initdb -> (15,)
    m = re.search(r"/postgresql/([\d.]+)/bin/", path)
    return tuple(int(p) for p in m.group(1).split(".")) if m else (0,)


def find_bindir() -> Path | None:
    """The folder holding initdb/pg_ctl: $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin."""
    env = os.environ.get("PG_BINDIR")
    if env:
        p = Path(env)
        return p if (p / "initdb").is_file() and (p / "pg_ctl").is_file() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    for initdb in reversed(found):
        bindir = Path(initdb).parent
        if (bindir / "pg_ctl").is_file():
            return bindir
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class PgServer:
    """One PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only."""

    host = "127.0.0.1"
    user = "postgres"

    def __init__(self, bindir: Path | str, *, start_timeout: float = 60.0) -> None:
        self.bindir = Path(bindir)
        self.start_timeout = start_timeout
        self.base: Path | None = None
        self.port: int | None = None
        self._running = False
        self._as_root = os.geteuid() == 0

    # -- plumbing -----------------------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.base is not None
        return self.base / "db"

    @property
    def logfile(self) -> Path:
        assert self.base is not None
        return self.base / "server.log"

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            cmd = [runuser, "-u", "postgres", "--", *cmd]
        return cmd

    def _run(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
        env = dict(os.environ, LC_ALL="C", LANG="C")
        env.pop("PGDATA", None)
        return subprocess.run(
            self._cmd(*args), capture_output=True, text=True, timeout=timeout, env=env,
            stdin=subprocess.DEVNULL, cwd=str(self.base),
        )

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no server log)"

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> "PgServer":
        if self._running:
            return self
        # Not under pytest's tmp_path_factory: those folders are 0700 root, and the server runs
        # as `postgres`. A short path also keeps the Unix socket path under its 107-byte limit.
        self.base = Path(tempfile.mkdtemp(prefix="pgtest-"))
        atexit.register(self.stop)
        if self._as_root:
            try:
                import pwd

                pw = pwd.getpwnam("postgres")
            except KeyError:
                self._cleanup()
                raise PgServerError(
                    "running as root but there is no `postgres` user to run the server as "
                    "(it comes with the Debian package `postgresql`)"
                ) from None
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        r = self._run(
            "initdb", "-D", str(self.datadir), "-A", "trust", "-U", self.user,
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )
        if r.returncode != 0:
            out = r.stdout + r.stderr
            self._cleanup()
            raise PgServerError(f"initdb failed ({r.returncode}):\n{out}")

        last = ""
        for _attempt in range(3):  # another process may grab the free port in between
            self.port = free_port(self.host)
            opts = (
                f"-p {self.port} -k {self.base} -c listen_addresses={self.host} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=100"
            )
            r = self._run(
                "pg_ctl", "-D", str(self.datadir), "-o", opts, "-l", str(self.logfile),
                "-w", "-t", str(int(self.start_timeout)), "start",
                timeout=self.start_timeout + 30,
            )
            if r.returncode == 0:
                self._running = True
                return self
            last = f"pg_ctl start failed ({r.returncode}):\n{r.stdout}{r.stderr}\n{self.log_tail()}"
            if "already in use" not in last and "could not bind" not in last:
                break
            time.sleep(0.2)
        self._cleanup()
        raise PgServerError(last)

    def stop(self) -> None:
        if self.base is None:
            return
        if self._running:
            try:
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop",
                          timeout=60)
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass
            self._running = False
        self._cleanup()

    def _cleanup(self) -> None:
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self) -> "PgServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- databases ----------------------------------------------------------------------------
    def url(self, dbname: str = "postgres", driver: str = "psycopg") -> str:
        """SQLAlchemy URL of a database on this server."""
        return f"postgresql+{driver}://{self.user}@{self.host}:{self.port}/{dbname}"

    def connect_admin(self):
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True,
            connect_timeout=10,
        )

    def create_database(self, hint: str = "t") -> tuple[str, str]:
        """Create a fresh, uniquely named database; return (name, SQLAlchemy URL)."""
        from psycopg import sql

        slug = re.sub(r"[^a-z0-9]+", "_", hint.lower()).strip("_")[:40] or "t"
        name = f"{slug}_{uuid.uuid4().hex[:10]}"
        with self.connect_admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name, self.url(name)

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        with self.connect_admin() as conn:
            # FORCE (PostgreSQL 13+) ends sessions a test left open, e.g. a pooled engine.
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
