"""Timing and memory helpers shared by every benchmark (one way to time a thing)."""
from __future__ import annotations

import resource
import statistics
import threading
import time
from pathlib import Path


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls (seconds) and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of one process now (MB), from /proc/<pid>/status."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    return sum(rss_mb(p) for p in family)


class DuckDBMemory:
    """Peak memory DuckDB's buffer manager reports for a database while a block runs (MB).

    Samples ``duckdb_memory()`` (all tags) on its own connection every ``interval`` seconds;
    the sampling connection is a cursor of the engine's own DuckDB connection (same database
    instance, a connection of its own, so it can run in another thread).
    Use as ``with DuckDBMemory(engine) as mem: ...; mem.peak_mb``.
    """

    def __init__(self, engine, interval: float = 0.05) -> None:
        self.engine, self.interval, self.peak_mb = engine, interval, 0.0
        self._stop = threading.Event()

    def _sample(self) -> float:
        return self._conn.execute(
            "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()").fetchone()[0] / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> "DuckDBMemory":
        raw = self.engine.raw_connection()
        self._raw = raw   # keeps the database open; the sampler gets its own connection to it
        self._conn = raw.driver_connection._ConnectionWrapper__c.cursor()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self._sample())
        self._conn.close()
        self._raw.close()


#: Peak memory at named points of a benchmark step (filled by ``mark``; read by bench.run_all).
MARKS: dict[str, dict[str, float]] = {}
#: The DuckDB sampler of the running step, if any (set by bench.run_all).
SAMPLER: DuckDBMemory | None = None


def mark(name: str) -> None:
    """Record this process's peak RSS (and DuckDB's sampled peak) so far under ``name``.

    A step calls ``mark("ours")`` after its own queries and before loading rows for the pandas
    baseline, so the runner can report the memory of each path apart.
    """
    MARKS[name] = {"rss_mb": peak_rss_mb(),
                   "duckdb_mb": SAMPLER.peak_mb if SAMPLER is not None else float("nan")}


def load_pandas(engine, sql: str, params: list | None = None):
    """Rows of ``sql`` as a pandas frame for a baseline, fetched the fast way a notebook would
    (DuckDB → Arrow → polars → pandas: the same column types as ``lib.store.read_frame`` gives,
    without building a Python tuple per row, which took ~50 s and ~15 GB for 12M rows)."""
    import polars as pl

    raw = engine.raw_connection()
    try:
        table = raw.driver_connection.execute(sql, params or []).to_arrow_table()
    finally:
        raw.close()
    return pl.from_arrow(table).to_pandas()
