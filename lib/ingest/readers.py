"""Reading uploaded bytes into a table of text: CSV/TXT, XLSX (and other calamine workbooks),
Parquet and Arrow IPC.

The format is told by content (magic bytes), not by the file name; delimited text is decoded
and sniffed by ``lib.ingest.textfile``. Every column comes out as ``pl.String``
with the headers as written in the file (blank ones named, repeated ones suffixed " (2)").
Anything that cannot be read raises :class:`lib.ingest.errors.IngestError`, never another
exception.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import polars as pl

from lib.ingest import read_limits
from lib.ingest.errors import IngestError
from lib.ingest.textfile import MAX_TITLE_ROWS, read_delimited, title_rows

_MAGIC_ZIP = b"PK\x03\x04"
_MAGIC_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (calamine reads it)
_MAGIC_PARQUET = b"PAR1"
_MAGIC_ARROW = b"ARROW1"
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"7z\xbc\xaf", "7-Zip"),
    (b"Rar!", "RAR"),
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"SQLite format 3", "SQLite"),
    (b"\x7fELF", "ELF"),
    (b"MZ", "Windows executable"),
)
_NUMBER_LIKE = re.compile(r"^[\s\d.,:/+\-eE%]+$")
#: Peak memory of importing delimited text, as a multiple of the file's size: measured 16× for
#: a 256 MB and 15× for a 1 GB CSV (every value is held as text while it is validated).
TEXT_IMPORT_MEMORY_FACTOR = 16


@dataclass
class RawTable:
    """A table as read from a file, before mapping.

    Attributes
    ----------
    frame : every column as ``pl.String``; headers as in the file, deduplicated.
    source_name : the file name shown in messages.
    encoding : detected text encoding (CSV/TXT only), e.g. "utf-8", "utf-8-sig", "gbk".
    delimiter : sniffed delimiter (CSV/TXT only).
    sheet : sheet read (workbooks only).
    warnings : ``(i18n code, params)`` of file-level problems that did not stop the read.
    row_warnings : ``(data row, i18n code, params)`` of problems of one row the reader saw (a
        line in another text encoding than the rest of the file).
    """

    frame: pl.DataFrame
    source_name: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    warnings: list[tuple[str, dict]] = field(default_factory=list)
    row_warnings: list[tuple[int, str, dict]] = field(default_factory=list)


# --------------------------------------------------------------------------- entry points

def read_table(data: bytes, source_name: str, sheet: str | None = None) -> RawTable:
    """Read an uploaded file into a :class:`RawTable` of text columns.

    Parameters
    ----------
    data : the file's bytes.
    source_name : file name, used in messages.
    sheet : sheet to read from a workbook (default: the first); ignored for other formats.

    Raises
    ------
    IngestError for empty files, binary junk, unsupported formats, a missing header row, no data
    rows, an unknown sheet or anything the readers cannot parse.
    """
    name = str(source_name)
    try:
        data = bytes(data)
    except Exception:  # noqa: BLE001 - not bytes-like at all
        raise IngestError("ingest_unreadable", {"file": name, "detail": "not bytes"}) from None
    try:
        return _read(data, name, sheet)
    except IngestError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
        raise IngestError(
            "ingest_unreadable", {"file": name, "detail": _short(exc)}, "ingest_hint_formats"
        ) from None


def sheet_names(data: bytes) -> list[str]:
    """Names of the sheets of a workbook, in order; ``[]`` for anything that is not one.

    An XLSX's names come from its xl/workbook.xml alone: opening it with calamine would inflate
    every shared string in this process (a 300 MB one took 5 GB)."""
    try:
        names = read_limits.xlsx_sheet_names(bytes(data), "")
        if names is not None:
            return names
    except IngestError:
        return []
    try:
        import fastexcel

        return list(fastexcel.read_excel(bytes(data)).sheet_names)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # noqa: BLE001 - not a workbook
        return []


# --------------------------------------------------------------------------- dispatch

def available_memory_bytes() -> int | None:
    """Memory this process may still use (bytes): the kernel's MemAvailable, lowered by a
    cgroup (container) limit when there is one; None where neither can be read."""
    found: list[int] = []
    try:
        for line in open("/proc/meminfo", encoding="ascii"):
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = open("/sys/fs/cgroup/memory.max", encoding="ascii").read().strip()
        used = int(open("/sys/fs/cgroup/memory.current", encoding="ascii").read().strip())
        if limit != "max":
            found.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def check_memory_for_text(size_bytes: int, name: str, available: int | None = None) -> None:
    """Refuse a delimited text file whose import would need more memory than is free (an import
    killed for lack of memory would give the user no message at all)."""
    available = available_memory_bytes() if available is None else available
    need = size_bytes * TEXT_IMPORT_MEMORY_FACTOR
    if available is not None and need > available:
        raise IngestError("ingest_too_big", {"file": name, "size_mb": round(size_bytes / 2**20),
                                             "need_gb": round(need / 2**30, 1),
                                             "free_gb": round(available / 2**30, 1),
                                             "fits_mb": available // TEXT_IMPORT_MEMORY_FACTOR // 2**20},
                          "ingest_hint_memory")


def _read(data: bytes, name: str, sheet: str | None) -> RawTable:
    blank = b" \t\r\n\x00\xef\xbb\xbf"
    if not data[:65536].strip(blank) and not data.strip(blank):   # no 1 GB copy for a real file
        raise IngestError("ingest_empty_file", {"file": name}, "ingest_hint_choose_file")
    if data.startswith(_MAGIC_ZIP) or data.startswith(_MAGIC_OLE):
        return _read_workbook(data, name, sheet)
    if data.startswith(_MAGIC_PARQUET):
        return _read_columnar(data, name, "parquet")
    if data.startswith(_MAGIC_ARROW):
        return _read_columnar(data, name, "ipc")
    for magic, kind in _OTHER_MAGIC:
        if data.startswith(magic):
            raise IngestError("ingest_unsupported_format", {"file": name, "kind": kind},
                              "ingest_hint_formats")
    check_memory_for_text(len(data), name)
    frame, encoding, delimiter, warnings, row_warnings = read_delimited(data, name)
    table = _finish(frame, name, warnings)
    table.encoding, table.delimiter, table.row_warnings = encoding, delimiter, row_warnings
    return table


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# --------------------------------------------------------------------------- workbooks

def _read_workbook(data: bytes, name: str, sheet: str | None) -> RawTable:
    read_limits.check_workbook(data, name)   # before calamine opens it and reads its strings
    try:
        import fastexcel

        names = list(fastexcel.read_excel(data).sheet_names)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - calamine errors and panics
        raise IngestError("ingest_unreadable_workbook", {"file": name, "detail": _short(exc)},
                          "ingest_hint_workbook") from None
    if not names:
        raise IngestError("ingest_sheet_empty", {"file": name, "sheet": ""}, "ingest_hint_sheet")
    if sheet is None:
        chosen = names[0]
    elif sheet in names:
        chosen = sheet
    else:
        raise IngestError("ingest_sheet_not_found",
                          {"file": name, "sheet": sheet, "sheets": ", ".join(names)},
                          "ingest_hint_sheet")
    read_limits.check_sheet(data, name, chosen)   # before calamine builds its dense range
    warnings: list[tuple[str, dict]] = []
    others = [n for n in names if n != chosen]
    if others:
        warnings.append(("ingest_other_sheets",
                         {"file": name, "sheet": chosen, "others": ", ".join(others)}))
    try:
        frame = pl.read_excel(
            data,
            sheet_name=chosen,
            engine="calamine",
            has_header=False,
            read_options={"dtypes": "string"},
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001
        raise IngestError("ingest_unreadable_workbook", {"file": name, "detail": _short(exc)},
                          "ingest_hint_workbook") from None
    if frame.width == 0 or frame.height == 0:
        raise IngestError("ingest_sheet_empty", {"file": name, "sheet": chosen},
                          "ingest_hint_sheet")
    frame = frame.select(pl.all().cast(pl.String))
    head = frame.head(MAX_TITLE_ROWS + 1).rows()
    titles = title_rows([list(r) for r in head])
    if titles:
        warnings.append(("ingest_title_rows_skipped", {"file": name, "count": titles}))
        frame = frame.slice(titles)
    table = _finish(frame, name, warnings)
    table.sheet = chosen
    return table


# --------------------------------------------------------------------------- columnar files

def _read_columnar(data: bytes, name: str, kind: str) -> RawTable:
    # Rows and columns from the metadata before a byte is decompressed (a 196 KB Parquet of
    # 30M constant rows needed 10 GB).
    if kind == "parquet":
        read_limits.check_parquet(data, name, available_memory_bytes())
    else:
        read_limits.check_arrow(data, name, available_memory_bytes())
    try:
        if kind == "parquet":
            frame = pl.read_parquet(io.BytesIO(data))
        else:
            frame = pl.read_ipc(io.BytesIO(data))
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001
        raise IngestError("ingest_unreadable", {"file": name, "detail": _short(exc)},
                          "ingest_hint_formats") from None
    warnings: list[tuple[str, dict]] = []
    columns: list[pl.Expr] = []
    kept: list[str] = []
    for i, (col, dtype) in enumerate(frame.schema.items()):
        expr = pl.nth(i)
        if isinstance(dtype, pl.Struct):
            expr = expr.struct.json_encode()
        elif isinstance(dtype, (pl.List, pl.Array)):
            expr = expr.cast(pl.List(pl.String)).list.join(", ")
        elif dtype == pl.Binary:
            expr = expr.cast(pl.String, strict=False)
        else:
            expr = expr.cast(pl.String)
        try:
            frame.head(1).select(expr)
        except Exception:  # noqa: BLE001 - a type with no text form
            warnings.append(("ingest_column_dropped", {"file": name, "column": col,
                                                       "dtype": str(dtype)}))
            continue
        columns.append(expr.alias(f"c{len(columns)}"))
        kept.append(col)
    if not columns or frame.height == 0:
        raise IngestError("ingest_no_rows", {"file": name}, "ingest_hint_choose_file")
    text = frame.select(columns)
    header = pl.DataFrame({f"c{i}": [n] for i, n in enumerate(kept)},
                          schema={f"c{i}": pl.String for i in range(len(kept))})
    return _finish(pl.concat([header, text], how="vertical"), name, warnings)


# --------------------------------------------------------------------------- headers

def _finish(frame: pl.DataFrame, name: str, warnings: list[tuple[str, dict]]) -> RawTable:
    """Take the first row as header, name and deduplicate it, drop trailing blank rows."""
    if frame.height == 0 or frame.width == 0:
        raise IngestError("ingest_empty_file", {"file": name}, "ingest_hint_choose_file")
    frame = frame.select(pl.all().cast(pl.String))
    frame.columns = [f"c{i}" for i in range(frame.width)]
    raw_header = [None if v is None else str(v) for v in frame.row(0)]
    body = frame.slice(1)
    header = [(h or "").replace("\ufeff", "").strip() for h in raw_header]
    # Columns with no name and no value (trailing delimiters, Excel's used range) carry nothing.
    unnamed = [i for i, h in enumerate(header) if not h]
    filled: dict[int, bool] = {}
    if unnamed and body.height:
        flags = body.select(
            [(pl.nth(i).str.strip_chars().fill_null("") != "").any() for i in unnamed]
        ).row(0)
        filled = dict(zip(unnamed, flags))
    keep = [i for i, h in enumerate(header) if h or filled.get(i, False)]
    if not keep:
        raise IngestError("ingest_empty_file", {"file": name}, "ingest_hint_choose_file")
    named = [header[i] for i in keep if header[i]]
    if not named:
        raise IngestError("ingest_header_blank", {"file": name}, "ingest_hint_header")
    if all(_NUMBER_LIKE.match(h) for h in named):
        raise IngestError("ingest_no_header",
                          {"file": name, "first": ", ".join(named[:5])[:120]},
                          "ingest_hint_header")
    body = body.select([pl.nth(i) for i in keep])
    # Trailing rows with nothing in them (Excel's used range, blank lines at the end).
    if body.height and body.width:
        nonblank = body.select(
            pl.any_horizontal([pl.nth(i).str.strip_chars().fill_null("") != ""
                               for i in range(body.width)]).alias("nb")
        ).get_column("nb")
        last = nonblank.arg_true()
        body = body.slice(0, int(last[-1]) + 1 if last.len() else 0)
    if body.height == 0:
        raise IngestError("ingest_no_rows", {"file": name}, "ingest_hint_choose_file")
    names: list[str] = []
    seen: set[str] = set()
    for position, i in enumerate(keep, start=1):
        base = header[i]
        if not base:
            base = f"column {position}"
            new = _unique(base, seen)
            warnings.append(("ingest_blank_header", {"file": name, "position": position,
                                                     "renamed": new}))
        elif base in seen:
            new = _unique(base, seen)
            warnings.append(("ingest_duplicate_header", {"file": name, "header": base,
                                                         "renamed": new}))
        else:
            new = base
        seen.add(new)
        names.append(new)
    body.columns = names
    return RawTable(frame=body, source_name=name, warnings=warnings)


def _unique(base: str, seen: set[str]) -> str:
    if base not in seen:
        return base
    k = 2
    while f"{base} ({k})" in seen:
        k += 1
    return f"{base} ({k})"
