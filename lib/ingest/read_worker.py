"""Reading an uploaded file in a worker process, so that no file can take the server down.

calamine (through fastexcel) aborts the whole process when an allocation fails (a Rust abort no
``except`` catches), and any reader can be driven out of memory by a file the limits of
``lib.ingest.read_limits`` did not foresee. So the Data page, the outcome upload and the CLI read files
here: a child process (``forkserver``: forked from a clean server that has already imported the
readers, so a read costs a fork, not an interpreter start) with an address-space limit, its
resident memory watched, a timeout, and the kernel told to kill it first under memory pressure.
The table comes back as Arrow IPC bytes. A child that dies becomes an ``IngestError`` in the
user's language; nothing is stored, the server goes on.

A program that reads files this way must guard its main module with ``if __name__ ==
"__main__"`` (the multiprocessing rule; ``python -m lib``, Streamlit and pytest do).
"""
from __future__ import annotations

import io
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from lib.ingest import read_limits
from lib.ingest.errors import IngestError
from lib.ingest.readers import RawTable, available_memory_bytes, read_table

#: Address space a child may reserve beyond its resident-memory budget: polars' and calamine's
#: thread pools reserve stacks and allocator arenas they never touch (measured: an ordinary read
#: fails below about 1.5 GB of address space while using 200 MB).
ADDRESS_SPACE_HEADROOM = 4 * 2**30
#: How often the parent looks at the child's resident memory (seconds).
POLL_SECONDS = 0.05

_context_lock = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None


@dataclass(frozen=True)
class WorkerRead:
    """A table read by the worker and what the read cost.

    Attributes
    ----------
    table : the table, as ``lib.ingest.readers.read_table`` returns it.
    peak_rss_bytes : the child's peak resident memory (bytes).
    """

    table: RawTable
    peak_rss_bytes: int


def memory_budget(available: int | None = None) -> int:
    """Resident memory (bytes) one read may use: ``WORKER_MEMORY_BYTES``, lowered to three
    quarters of what the server has free so that the server keeps room to run."""
    available = available_memory_bytes() if available is None else available
    budget = read_limits.WORKER_MEMORY_BYTES
    return budget if available is None else max(min(budget, available * 3 // 4), 256 * 2**20)


def _mp_context() -> multiprocessing.context.BaseContext:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["lib.ingest.readers", "lib.ingest.read_worker"])
            _context = context
        return _context


def _child(conn, reader: Callable, data: bytes, name: str, sheet: str | None,
           address_space: int) -> None:
    """In the child: limit itself, read, send back ("ok", meta, peak) + IPC bytes, or
    ("refused", IngestError, peak)."""
    import resource

    try:
        with open("/proc/self/oom_score_adj", "w", encoding="ascii") as adj:
            adj.write("1000")   # under memory pressure the kernel kills this reader, not the server
    except OSError:
        pass
    try:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    except (ValueError, OSError):
        pass

    def peak() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    try:
        table = reader(data, name, sheet)
        buffer = io.BytesIO()
        table.frame.write_ipc(buffer)
        meta = {"source_name": table.source_name, "encoding": table.encoding,
                "delimiter": table.delimiter, "sheet": table.sheet, "warnings": table.warnings,
                "row_warnings": table.row_warnings}
        conn.send(("ok", meta, peak()))
        conn.send_bytes(buffer.getbuffer())
    except IngestError as exc:
        conn.send(("refused", exc, peak()))
    except MemoryError:
        conn.send(("memory", None, peak()))
    finally:
        conn.close()


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def read_in_worker(data: bytes, source_name: str, sheet: str | None = None, *,
                   reader: Callable[[bytes, str, str | None], RawTable] = read_table,
                   timeout: float | None = None, memory: int | None = None) -> WorkerRead:
    """Read ``data`` with ``reader`` (default :func:`lib.ingest.readers.read_table`) in a bounded child.

    Parameters
    ----------
    data, source_name, sheet : as for ``read_table``.
    reader : the reading function, run in the child (tests pass one that aborts).
    timeout : seconds the read may take (default ``WORKER_TIMEOUT_SECONDS``).
    memory : resident bytes the child may use (default :func:`memory_budget`).

    Raises
    ------
    IngestError: the reader's own refusal; ``ingest_reader_out_of_memory`` when the child passed
    its memory budget; ``ingest_reader_timeout``; ``ingest_reader_crashed`` when it died.
    """
    name = str(source_name)
    timeout = read_limits.WORKER_TIMEOUT_SECONDS if timeout is None else timeout
    budget = memory_budget() if memory is None else memory
    limit_gb = round(budget / 2**30, 1)
    context = _mp_context()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, daemon=True,
                              args=(send, reader, bytes(data), name, sheet,
                                    budget + ADDRESS_SPACE_HEADROOM))
    process.start()
    send.close()
    started, over = time.monotonic(), False
    try:
        while not receive.poll(POLL_SECONDS):
            if not process.is_alive():
                break
            if _rss_bytes(process.pid) > budget:
                over = True
                break
            if time.monotonic() - started > timeout:
                process.kill()
                process.join()
                raise IngestError("ingest_reader_timeout", {"file": name, "seconds": int(timeout)},
                                  "ingest_hint_reader")
        if not over and receive.poll(0):
            try:
                status, payload, peak = receive.recv()
                if status == "ok":
                    frame = pl.read_ipc(io.BytesIO(receive.recv_bytes()))
                    table = RawTable(frame=frame, **payload)
                    return WorkerRead(table, peak)
                if status == "refused":
                    payload.worker_peak_rss_bytes = peak   # for tests and logs: what it cost
                    raise payload
                over = True
            except (EOFError, OSError):
                pass   # the child died while sending: told below
        if over:
            process.kill()
            process.join()
            raise IngestError("ingest_reader_out_of_memory", {"file": name, "limit_gb": limit_gb},
                              "ingest_hint_reader")
        process.join()
        raise IngestError("ingest_reader_crashed", {"file": name, "detail": _death(process.exitcode)},
                          "ingest_hint_reader")
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join()
        process.close()


def _death(exitcode: int | None) -> str:
    """How a child ended, in words: "signal SIGABRT", "exit code 1"."""
    if exitcode is None:
        return "no exit code"
    if exitcode < 0:
        try:
            return f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"


def read_table_isolated(data: bytes, source_name: str, sheet: str | None = None) -> RawTable:
    """:func:`lib.ingest.readers.read_table` for files from users: workbooks and Parquet/Arrow files
    in the bounded worker (the same table or the same refusal, and an ``IngestError`` instead of
    a dead server for anything worse); delimited text in this process.

    Text stays here because it is already bounded before its parse (free memory against 16× its
    size, the column limit) and is parsed by polars alone, and because the worker's start and
    the table's trip back cost 1.0–1.6 s on a 1M-row CSV that reads in about 1 s (docs/operations.md, Reliability).
    """
    if isolated_format(data):
        return read_in_worker(data, source_name, sheet).table
    return read_table(data, source_name, sheet)


def isolated_format(data: bytes) -> bool:
    """True for the formats read in the worker: zip (XLSX, ODS, XLSB), OLE (.xls), Parquet,
    Arrow: compressed or binary files whose readers can abort or balloon."""
    head = bytes(data[:8])
    return head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PAR1", b"ARROW1"))
