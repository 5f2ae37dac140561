"""Limits on what an uploaded file may make the reader build, checked BEFORE anything is built.

A workbook or a columnar file is small on disk and large in memory: a 5 KB XLSX with one cell at
XFD1048576 asks calamine for a dense 17 billion-cell range (549 GB, an abort no ``except``
catches); a 3 MB XLSX whose rows carry no ``r=`` expands to 3 GB; a 196 KB Parquet of 30M
constant rows to 10 GB. So the shape a file declares and the shape it actually holds are
measured from its metadata or by streaming its XML with a bounded scanner, and a file beyond a
limit is refused by name. The limits are these constants, in this one place; the reading worker
(``lib.ingest.read_worker``) is the backstop for whatever slips past them.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from lib.ingest.errors import IngestError

#: Columns a table may have (header cells). Wide exports have a few hundred; validation of
#: 2,000 columns takes about a second, and every column is a widget on the mapping editor.
MAX_COLUMNS = 2_000
#: Rows a worksheet may span: Excel's own limit, so no genuine workbook is refused.
MAX_SHEET_ROWS = 1_048_576
#: Cells (rows × columns of the spanned range, which calamine allocates densely, about 32 bytes
#: a cell before the text is copied) a worksheet or a columnar file may hold: Excel's row limit
#: times 60 columns.
MAX_CELLS = 63_000_000
#: Bytes of text one cell may hold. Excel itself stops at 32,767 characters (at most about 200 KB
#: as escaped UTF-8 XML); a run of text longer than twice this between two XML tags is refused.
MAX_CELL_BYTES = 256 * 1024
#: Characters a text value may hold once imported (a contract text field such as province, city
#: or plan, a customer id, an unmapped column kept as a segment dimension). Real names are a few
#: dozen characters; a 210 MiB "province" broke every page that showed it (``MessageSizeError``).
#: A longer value is blanked (refused for an id) with a row message by ``lib.ingest.validate``.
MAX_TEXT_FIELD_CHARS = 1_000
#: Uncompressed bytes of one worksheet's XML, and of the shared strings: about 60M cells of
#: ordinary values (a million rows of 20 columns is about 700 MB). Checked on the zip's declared sizes, then on the bytes actually inflated.
MAX_SHEET_XML_BYTES = 2**30
MAX_SHARED_STRINGS_BYTES = 512 * 2**20
#: Uncompressed bytes of every other part of a workbook (workbook.xml, styles, rels...), and of
#: all the parts of a zip that is not an XLSX (ODS, XLSB) together.
MAX_OTHER_PART_BYTES = 64 * 2**20
MAX_ARCHIVE_BYTES = 2 * 2**30
#: Memory a columnar file needs per cell once read as text, as in ``TEXT_IMPORT_MEMORY_FACTOR``:
#: an ordinary CSV cell is about 8 bytes and importing text needs 16 times its size.
MEMORY_PER_CELL = 8 * 16
#: The reading worker: the most memory (bytes of resident memory) one read may use, lowered to
#: three quarters of what the server has free; the seconds it may take.
WORKER_MEMORY_BYTES = 8 * 2**30
WORKER_TIMEOUT_SECONDS = 600
#: Seconds an upload's table and its validation stay cached on the server after their last use
#: (Streamlit's caches are shared, not per session: without a limit a 300 MB upload's 2.2 GB
#: stayed held after its session closed).
UPLOAD_CACHE_SECONDS = 15 * 60
#: Bytes at the start of a worksheet walked row by row (to learn its width).
HEAD_BYTES = 64 * 1024
#: Inflated bytes scanned at a time (the scanner holds one such chunk).
SCAN_CHUNK_BYTES = 8 * 2**20


# --------------------------------------------------------------------------- shared refusals

def check_columns(columns: int, name: str) -> None:
    """Refuse a table with more than ``MAX_COLUMNS`` columns (before it is parsed)."""
    if columns > MAX_COLUMNS:
        raise IngestError("ingest_too_many_columns",
                          {"file": name, "columns": columns, "max_columns": MAX_COLUMNS},
                          "ingest_hint_limits")


def check_cells(rows: int, columns: int, name: str, available: int | None) -> None:
    """Refuse a columnar table of ``rows`` × ``columns`` beyond the cell limit or the free memory."""
    check_columns(columns, name)
    cells = rows * columns
    if cells > MAX_CELLS:
        raise IngestError("ingest_too_many_cells",
                          {"file": name, "rows": rows, "columns": columns, "cells": cells,
                           "max_cells": MAX_CELLS}, "ingest_hint_limits")
    need = cells * MEMORY_PER_CELL
    if available is not None and need > available:
        raise IngestError("ingest_table_too_big_for_memory",
                          {"file": name, "rows": rows, "columns": columns,
                           "need_gb": round(need / 2**30, 1), "free_gb": round(available / 2**30, 1)},
                          "ingest_hint_memory")


# --------------------------------------------------------------------------- columnar files

def check_parquet(data: bytes, name: str, available: int | None) -> None:
    """Rows and columns of a Parquet file from its footer (nothing is decompressed)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
    except Exception as exc:  # noqa: BLE001 - a footer pyarrow cannot read
        raise IngestError("ingest_unreadable", {"file": name, "detail": _short(exc)},
                          "ingest_hint_formats") from None
    check_cells(int(meta.num_rows), int(meta.num_columns), name, available)


def check_arrow(data: bytes, name: str, available: int | None) -> None:
    """Rows and columns of an Arrow IPC file, one record batch at a time (a compressed batch is
    inflated alone and dropped; the worker's memory limit bounds one batch)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    try:
        reader = ipc.open_file(pa.BufferReader(data))
        columns = len(reader.schema)
        check_columns(columns, name)
        rows = 0
        for i in range(reader.num_record_batches):
            rows += reader.get_batch(i).num_rows
            check_cells(rows, columns, name, available)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise IngestError("ingest_unreadable", {"file": name, "detail": _short(exc)},
                          "ingest_hint_formats") from None


# --------------------------------------------------------------------------- workbooks

@dataclass
class SheetExtent:
    """What a worksheet's XML declares and holds.

    Attributes
    ----------
    declared : the ``<dimension ref>`` ("A1:C2"), or None when the sheet has none.
    rows, columns : the range the cells actually span, from row 1 and column A (upper bounds:
        a row or a cell without a reference is counted after the one before it).
    cells : cell elements present.
    """

    declared: str | None
    rows: int
    columns: int
    cells: int


def _short(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:200]


def column_number(letters: str) -> int:
    """1-based column of spreadsheet letters: "A" → 1, "Z" → 26, "AA" → 27, "XFD" → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


_REF = re.compile(r"^\$?([A-Za-z]{1,7})\$?(\d{1,12})$")


def _ref_position(ref: str) -> tuple[int, int] | None:
    """(row, column) of "B7" (1-based); None when ``ref`` is not a cell reference."""
    match = _REF.match(ref.strip())
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1))


def declared_size(ref: str) -> tuple[int, int] | None:
    """(rows, columns) a ``<dimension ref="A1:XFD1048576">`` spans from A1; None if unparsable."""
    corners = [_ref_position(part) for part in ref.split(":")]
    if not corners or any(c is None for c in corners):
        return None
    return max(c[0] for c in corners), max(c[1] for c in corners)


def _is_zip(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def _open_archive(data: bytes, name: str) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive, {info.filename: info for info in archive.infolist()}
    except Exception as exc:  # noqa: BLE001 - a corrupt central directory
        raise IngestError("ingest_unreadable_workbook", {"file": name, "detail": _short(exc)},
                          "ingest_hint_workbook") from None


def check_workbook(data: bytes, name: str) -> None:
    """Refuse a workbook whose parts would inflate beyond the limits, or whose shared strings
    hold a cell beyond the cell limit, before calamine opens it (opening reads every shared
    string). A legacy .xls (no zip) is left to the worker's memory limit: it is not compressed,
    so what it holds is bounded by its own size."""
    if not _is_zip(data):
        return
    archive, infos = _open_archive(data, name)
    if "xl/workbook.xml" not in infos:   # ODS, XLSB or any other zip: bound the whole archive
        total = sum(info.file_size for info in infos.values())
        if total > MAX_ARCHIVE_BYTES:
            _refuse_part(name, "", total, MAX_ARCHIVE_BYTES)
        return
    for part, info in infos.items():
        limit = (MAX_SHEET_XML_BYTES if part.startswith("xl/worksheets/")
                 else MAX_SHARED_STRINGS_BYTES if part == "xl/sharedStrings.xml"
                 else MAX_OTHER_PART_BYTES)
        if info.file_size > limit:
            _refuse_part(name, part, info.file_size, limit)
    if "xl/sharedStrings.xml" in infos:
        _scan_shared_strings(archive, "xl/sharedStrings.xml", name)


def check_sheet(data: bytes, name: str, sheet: str) -> None:
    """Refuse a worksheet of an XLSX that declares or spans more rows, columns or cells than the
    limits allow, streaming its XML (call :func:`check_workbook` first)."""
    if not _is_zip(data):
        return
    archive, infos = _open_archive(data, name)
    if "xl/workbook.xml" not in infos:
        return
    part = dict(workbook_sheets(archive, name)).get(sheet)
    # A sheet whose part cannot be told is looked for in every worksheet: never unchecked.
    parts = [part] if part in infos else sorted(
        p for p in infos if p.startswith("xl/worksheets/") and p.endswith(".xml"))
    for part in parts:
        _check_extent(scan_sheet(archive, part, name, sheet), name, sheet)


def xlsx_sheet_names(data: bytes, name: str) -> list[str] | None:
    """Sheet names of an XLSX from xl/workbook.xml alone (nothing else is inflated); None when
    ``data`` is not an XLSX."""
    if not _is_zip(data):
        return None
    archive, infos = _open_archive(data, name)
    if "xl/workbook.xml" not in infos:
        return None
    if infos["xl/workbook.xml"].file_size > MAX_OTHER_PART_BYTES:
        _refuse_part(name, "xl/workbook.xml", infos["xl/workbook.xml"].file_size, MAX_OTHER_PART_BYTES)
    return [sheet for sheet, _ in workbook_sheets(archive, name)]


def workbook_sheets(archive: zipfile.ZipFile, name: str) -> list[tuple[str, str]]:
    """(sheet name, its XML part) of an XLSX, in the workbook's order, from xl/workbook.xml and
    its relationships (both size-checked before this is called)."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        try:
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        except KeyError:
            rels = None
    except Exception as exc:  # noqa: BLE001 - malformed XML
        raise IngestError("ingest_unreadable_workbook", {"file": name, "detail": _short(exc)},
                          "ingest_hint_workbook") from None
    targets: dict[str, str] = {}
    for rel in ([] if rels is None else list(rels)):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[rel.get("Id", "")] = re.sub(r"[^/]+/\.\./", "", target)
    out = []
    for element in book.iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        out.append((element.get("name", ""), targets.get(rid, "")))
    return out


def _refuse_part(name: str, part: str, size: int, limit: int) -> None:
    raise IngestError("ingest_part_too_big",
                      {"file": name, "part": part or name, "size_mb": round(size / 2**20),
                       "max_mb": round(limit / 2**20)}, "ingest_hint_limits")


def _check_extent(extent: SheetExtent, name: str, sheet: str) -> None:
    declared = declared_size(extent.declared) if extent.declared else None
    for rows, columns, where in ((*declared, extent.declared) if declared else (0, 0, None),
                                 (extent.rows, extent.columns, None)):
        if where is None and (rows, columns) == (0, 0):
            continue
        if rows > MAX_SHEET_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
            code = "ingest_sheet_declares_too_much" if where else "ingest_sheet_spans_too_much"
            raise IngestError(code, {"file": name, "sheet": sheet, "range": where or "",
                                     "rows": rows, "columns": columns,
                                     "max_rows": MAX_SHEET_ROWS, "max_columns": MAX_COLUMNS,
                                     "max_cells": MAX_CELLS}, "ingest_hint_limits")
    if extent.cells > MAX_CELLS:
        raise IngestError("ingest_too_many_cells",
                          {"file": name, "rows": extent.rows, "columns": extent.columns,
                           "cells": extent.cells, "max_cells": MAX_CELLS}, "ingest_hint_limits")


def _chunks(archive: zipfile.ZipFile, part: str, name: str, limit: int):
    """The inflated bytes of ``part`` in chunks that end just before a ``<`` (so no tag is cut),
    refusing once more than ``limit`` bytes came out whatever the zip declared."""
    carry, total = b"", 0
    try:
        with archive.open(part) as stream:
            while True:
                block = stream.read(SCAN_CHUNK_BYTES)
                total += len(block)
                if total > limit:
                    _refuse_part(name, part, total, limit)
                if not block:
                    if carry:
                        yield carry
                    return
                block = carry + block
                cut = block.rfind(b"<")
                if cut <= 0:
                    carry, cut = b"", len(block)
                    yield block
                    continue
                carry = block[cut:]
                yield block[:cut]
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - bad CRC, truncated stream, lying sizes
        raise IngestError("ingest_unreadable_workbook", {"file": name, "detail": _short(exc)},
                          "ingest_hint_workbook") from None


def _check_text_runs(chunk: bytes, offset: int, last_tag: int, name: str) -> int:
    """Refuse a run of more than ``2 × MAX_CELL_BYTES`` without a tag (one huge cell's text):
    a window of ``MAX_CELL_BYTES`` holding no ``<`` is always inside such a run (a run that long
    contains a whole window). Returns the offset of the last ``<`` seen, across chunks."""
    pos = chunk.rfind(b"<")
    gap_start = last_tag
    first = chunk.find(b"<")
    if first < 0:
        if offset + len(chunk) - gap_start > 2 * MAX_CELL_BYTES:
            _refuse_cell(name, offset + len(chunk) - gap_start)
        return last_tag
    if offset + first - gap_start > 2 * MAX_CELL_BYTES:
        _refuse_cell(name, offset + first - gap_start)
    for start in range(first, len(chunk), MAX_CELL_BYTES):
        if chunk.find(b"<", start, start + MAX_CELL_BYTES) < 0 and start + MAX_CELL_BYTES <= len(chunk):
            _refuse_cell(name, MAX_CELL_BYTES)
    return offset + pos


def _refuse_cell(name: str, size: int) -> None:
    raise IngestError("ingest_cell_too_big",
                      {"file": name, "size_kb": size // 1024, "max_kb": MAX_CELL_BYTES // 1024},
                      "ingest_hint_limits")


_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")


def _scan_shared_strings(archive: zipfile.ZipFile, part: str, name: str) -> None:
    """Refuse a shared string longer than the cell limit (one ``<t>`` or many rich-text runs):
    the distance between two string starts bounds a string's size."""
    offset, last_si, last_tag = 0, 0, 0
    for chunk in _chunks(archive, part, name, MAX_SHARED_STRINGS_BYTES):
        last_tag = _check_text_runs(chunk, offset, last_tag, name)
        for match in _SI.finditer(chunk):
            at = offset + match.start()
            if last_si and at - last_si > 2 * MAX_CELL_BYTES:
                _refuse_cell(name, at - last_si)
            last_si = at
        offset += len(chunk)
        if last_si and offset - last_si > 2 * MAX_CELL_BYTES:
            _refuse_cell(name, offset - last_si)


def _greater_than(value: str, digits: bool) -> bytes:
    """A regex matching the strings of digits (or of capital letters) that stand for a larger
    number (column) than ``value``: longer ones, or as long and larger at the first difference.
    (A longer string with leading zeros matches too; it is then measured exactly.)"""
    cls, top = (r"\d", "9") if digits else ("[A-Z]", "Z")
    n = len(value)
    alternatives = [f"{cls}{{{n + 1},}}"]
    for i, ch in enumerate(value):
        if ch != top:
            rest = n - i - 1
            alternatives.append(re.escape(value[:i]) + f"[{chr(ord(ch) + 1)}-{top}]"
                                + (f"{cls}{{{rest}}}" if rest else ""))
    return ("(?:" + "|".join(alternatives) + ")").encode("ascii")


def _column_letters(column: int) -> str:
    letters = ""
    while column > 0:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters or "A"


_ANY_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s>/])([^>]*)>")
_ANY_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s>/])([^>]*)>")
_ATTR_REF = re.compile(rb"(?<=\s)r=\"\$?([A-Za-z]{1,7})\$?(\d{1,12})\"")
_CELL_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?(?<=\s)r=\"\$?([A-Za-z]{1,7})\$?(\d{1,12})\"")
_ATTR_ROW = re.compile(rb"(?<=\s)r=\"(\d{1,12})\"")


def _anomalies(prefix: bytes, columns: int, rows: int) -> tuple[re.Pattern, ...]:
    """What the fast path cannot measure: a cell beyond ``columns`` or ``rows``; a cell or row
    without a leading plain ``r=``; a tag of another namespace prefix. Separate searches, each
    led by a literal, run several times faster in ``re`` than one alternation."""
    p = re.escape(prefix)
    other = (rb":(?:c|row)[\s>/]" if not prefix
             else rb"<(?!" + p + rb")(?:[A-Za-z_][\w.-]*:)?(?:c|row)[\s>/]")
    return (
        re.compile(rb"<" + p + rb"c r=\"(?:" + _greater_than(_column_letters(columns), False)
                   + rb"\d|[A-Z]{1,3}" + _greater_than(str(max(rows, 1)), True) + rb"\")"),
        re.compile(rb"<" + p + rb"(?:c|row)(?:[>/\t\n\r]| (?!r=\"[A-Z]{0,3}\d{1,7}\"))"),
        re.compile(other),
    )


def scan_sheet(archive: zipfile.ZipFile, part: str, name: str, sheet: str) -> SheetExtent:
    """Stream a worksheet's XML and measure the range its cells span, stopping as soon as a
    limit is passed (a bomb is refused after a few MB are inflated, not after gigabytes).

    Positions follow calamine: a ``<row>`` without ``r=`` is the row after the previous one, a
    ``<c>`` without ``r=`` the column after the previous cell of its row; a cell's own ``r=``
    places it, whatever its row says. Fast path: the rows' references and one regex search for
    anything unusual (a cell without a reference, beyond the widest column or the chunk's last
    row, another prefix); a chunk with anything unusual is walked row by row.
    """
    declared: str | None = None
    prefix = b""
    rows = columns = cells = 0
    row_now = 0          # row of the last <row> seen
    col_now = 0          # column of the last cell seen in that row
    offset, last_tag = 0, 0
    first = True
    anomaly = row_refs = None
    head = True
    cell_start = b""
    for chunk in _chunks(archive, part, name, MAX_SHEET_XML_BYTES):
        if first:
            root = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]", chunk)
            prefix = (root.group(1) or b"") if root else b""
            p = re.escape(prefix)
            dim = re.search(rb"<" + p + rb"dimension\s[^>]*?\bref=\"([^\"]*)\"", chunk)
            declared = dim.group(1).decode("ascii", "replace") if dim else None
            if declared and declared_size(declared):
                _check_extent(SheetExtent(declared, 0, 0, 0), name, sheet)
            row_refs = re.compile(rb"<" + p + rb"row r=\"(\d{1,7})\"")
            cell_start = b"<" + prefix + b'c r="'
            first = False
        last_tag = _check_text_runs(chunk, offset, last_tag, name)
        offset += len(chunk)
        pieces = [chunk]
        if head:
            # Walk the first rows to learn the table's width: the fast path needs one.
            cut = chunk.find(b"<" + prefix + b"row", HEAD_BYTES)
            pieces = [chunk] if cut < 0 else [chunk[:cut], chunk[cut:]]
            row_now, col_now, rows, columns, n = _walk_rows(pieces.pop(0), row_now, col_now, rows, columns)
            cells += n
            head = False
        for piece in pieces:
            piece_rows = [int(r) for r in row_refs.findall(piece)]
            bound = max([rows, *piece_rows])
            if anomaly is None or anomaly[0] != (columns, bound):
                anomaly = ((columns, bound), _anomalies(prefix, columns, bound))
            if b'r="' not in piece and not anomaly[1][2].search(piece):
                # No references at all (some writers never write them; the bomb of rows
                # without r=): rows follow one another, a row is as wide as its cells.
                row_now, col_now, rows, columns, n = _sequential_rows(piece, prefix, row_now, col_now,
                                                                       rows, columns)
                cells += n
            elif any(pattern.search(piece) for pattern in anomaly[1]):
                row_now, col_now, rows, columns, n = _walk_rows(piece, row_now, col_now, rows, columns)
                cells += n
            else:
                # no anomaly: every cell starts with a plain reference, so this counts them all
                rows, cells = bound, cells + piece.count(cell_start)
                row_now = max(row_now, *piece_rows) if piece_rows else row_now
                last = piece.rfind(cell_start)
                if last >= 0:    # a cell after the chunk's end without r= follows this one
                    col_now = column_number(re.match(rb"[A-Z]*", piece[last + len(cell_start):])
                                            .group(0).decode("ascii"))
        _check_extent(SheetExtent(declared, rows, columns, cells), name, sheet)
    return SheetExtent(declared, rows, columns, cells)


def _sequential_rows(chunk: bytes, prefix: bytes, row_now: int, col_now: int, rows: int,
                     columns: int) -> tuple[int, int, int, int, int]:
    """Rows and cells of a chunk without any ``r=`` (and no other prefix): counted, not walked.
    The first piece continues the row open at the previous chunk's end (``col_now`` cells in).
    Returns (last row, its last column, rows spanned, columns spanned, cells)."""
    row_now += len(_ANY_ROW.findall(chunk))
    tag = b"<" + prefix + b"c"
    # Counting "<c" also counts <col>, <cfRule>...: a width too large, never too small.
    widths = [piece.count(tag) for piece in re.split(rb"<" + re.escape(prefix) + rb"row[\s>/]", chunk)]
    widths[0] += col_now
    return row_now, widths[-1], max(rows, row_now), max(columns, *widths), chunk.count(tag)


def _walk_rows(chunk: bytes, row_now: int, col_now: int, rows: int,
               columns: int) -> tuple[int, int, int, int, int]:
    """Positions of a chunk's rows and cells one row at a time (any prefix, any attribute
    order, references or none); the first piece continues the row open at the previous chunk's
    end (its last cell at ``col_now``). Returns (last row, its last column, rows spanned,
    columns spanned, cells)."""
    pieces = _ANY_ROW.split(chunk)
    # split gives [before the first row, attributes 1, body 1, attributes 2, body 2, ...]
    bodies = [(None, pieces[0])] + [(pieces[i], pieces[i + 1]) for i in range(1, len(pieces), 2)]
    cells = 0
    col = col_now
    for attrs, body in bodies:
        if attrs is not None:
            found = _ATTR_ROW.search(b" " + attrs)
            row_now = int(found.group(1)) if found else row_now + 1
            rows = max(rows, row_now)
            col = 0
            if rows > MAX_SHEET_ROWS:
                break
        tags = _ANY_CELL.findall(body)
        if not tags:
            continue
        cells += len(tags)
        if b'r="' not in body:   # no references: each cell is the next column
            col += len(tags)
            columns = max(columns, col)
            continue
        refs = _CELL_REF.findall(body)
        if len(refs) == len(tags):   # every cell placed by its own reference
            widest = max({c.upper() for c, _ in refs}, key=lambda c: (len(c), c))
            columns = max(columns, column_number(widest.decode("ascii")))
            rows = max(rows, max(int(r) for r in {r for _, r in refs}))
            col = column_number(refs[-1][0].decode("ascii"))
        else:
            for cell_attrs in tags:
                ref = _ATTR_REF.search(b" " + cell_attrs)
                if ref:
                    col = column_number(ref.group(1).decode("ascii"))
                    rows = max(rows, int(ref.group(2)))
                else:
                    col += 1
                columns = max(columns, col)
        if columns > MAX_COLUMNS or rows > MAX_SHEET_ROWS:
            break
    return row_now, col, rows, columns, cells
