"""A throw-away Spark Thrift Server on loopback, for ``make test-distributed`` and the bench.

The pyspark wheel ships Spark with the Thrift server's jars but not its start script: the
server is ``spark-submit --class org.apache.spark.sql.hive.thriftserver.HiveThriftServer2``
(docs/architecture.md, "Stack facts"). It runs with master ``local[2]`` in a temporary folder (Derby metastore,
warehouse, logs), listens on a free port of 127.0.0.1 only, and is stopped (its whole process
group) when the block or command ends, whatever happened.

Usage::

    with SparkThriftServer() as server:      # server.url: hive://127.0.0.1:PORT/default
        ...

    python -m tests.sparkserver -- python -m pytest tests/test_distributed.py

The command form runs the command with ``RETENTION_SPARK_URL`` (the server's URL) and
``RETENTION_SPARK_DIR`` (a folder for published Parquet files) set, and exits with its code.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.pgserver import free_port

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


class SparkServerError(RuntimeError):
    pass


def spark_home() -> Path:
    """The Spark installed by the pyspark package (its bin/spark-submit)."""
    try:
        import pyspark
    except ImportError as e:     # pragma: no cover - message for a missing install
        raise SparkServerError("pyspark is not installed: pip install -r "
                               "requirements-distributed.txt") from e
    return Path(pyspark.__file__).resolve().parent


class SparkThriftServer:
    """One Spark Thrift Server (master ``local[cores]``) in a temporary folder."""

    host = "127.0.0.1"

    def __init__(self, *, cores: int = 2, driver_memory: str = "2g",
                 start_timeout: float = 480.0) -> None:
        # The server listens after about 15 s on an idle 2-core machine, but took 115-130 s
        # while other jobs kept both cores busy (load average 10-15): hence the wide margin.
        self.cores = cores
        self.driver_memory = driver_memory
        self.start_timeout = start_timeout
        self.base: Path | None = None
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self.start_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"hive://{self.host}:{self.port}/default"

    @property
    def log_path(self) -> Path:
        assert self.base is not None
        return self.base / "thriftserver.log"

    def start(self) -> None:
        home = spark_home()
        self.base = Path(tempfile.mkdtemp(prefix="retention-spark-"))
        self.port = free_port(self.host)
        env = {**os.environ, "SPARK_HOME": str(home), "PYSPARK_PYTHON": sys.executable,
               "SPARK_LOCAL_IP": self.host}
        command = [
            str(home / "bin" / "spark-submit"),
            "--master", f"local[{self.cores}]",
            "--driver-memory", self.driver_memory,
            "--conf", f"spark.sql.warehouse.dir={self.base / 'warehouse'}",
            "--conf", f"spark.driver.host={self.host}",
            "--conf", "spark.ui.enabled=false",
            "--conf", f"spark.local.dir={self.base / 'tmp'}",
            "--driver-java-options",
            f"-Dderby.system.home={self.base} -Djavax.jdo.option.ConnectionURL="
            f"jdbc:derby:;databaseName={self.base / 'metastore_db'};create=true",
            "--class", THRIFT_SERVER_CLASS,
            "--hiveconf", f"hive.server2.thrift.port={self.port}",
            "--hiveconf", f"hive.server2.thrift.bind.host={self.host}",
            "spark-internal",
        ]
        started = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.base, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = started + self.start_timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SparkServerError(f"the Spark Thrift Server exited ({self.process.returncode}); "
                                       f"log: {self.log_path}\n{self._log_tail()}")
            if _listening(self.host, self.port):
                self.start_seconds = time.perf_counter() - started
                return
            time.sleep(0.5)
        self.stop(keep_files=True)
        raise SparkServerError(f"the Spark Thrift Server did not listen within "
                               f"{self.start_timeout:.0f} s; log: {self.log_path}")

    def stop(self, keep_files: bool = False) -> None:
        """Stop the server's process group (TERM, then KILL after 30 s); remove the folder."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
            except ProcessLookupError:
                pass
        self.process = None
        if self.base is not None and not keep_files:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> SparkThriftServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        return s.connect_ex((host, port)) == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a command with a Spark Thrift Server up.")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    server = SparkThriftServer(cores=args.cores, driver_memory=args.driver_memory)
    # A TERM (make interrupted, CI timeout) unwinds through the finally below like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.start()
        print(f"Spark Thrift Server listening at {server.url} after {server.start_seconds:.1f} s",
              flush=True)
        folder = server.base / "published"
        env = {**os.environ, "RETENTION_SPARK_URL": server.url, "RETENTION_SPARK_DIR": str(folder)}
        return subprocess.call(command, env=env)
    except SparkServerError as e:
        print(e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
