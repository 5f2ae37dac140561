"""Reading uploaded bytes into a table of text: CSV/TXT, XLSX (and other calamine workbooks),
Parquet and Arrow IPC.

The format is told by content (magic bytes), not by the file name. Text files are decoded as
UTF-8 first, then GBK/GB18030, then what ``charset-normalizer`` proposes; the delimiter (comma,
semicolon, tab, pipe) is sniffed from the first lines. Every column comes out as ``pl.String``
with the headers as written in the file (blank ones named, repeated ones suffixed " (2)").
Anything that cannot be read raises :class:`lib.ingest_errors.IngestError`, never another
exception.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field

import polars as pl

from lib.ingest_errors import IngestError

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
#: Bytes looked at to sniff encoding, delimiter and title rows.
SAMPLE_BYTES = 256 * 1024
SAMPLE_LINES = 200
#: Leading title rows ("2024年高价值客户清单") skipped at most.
MAX_TITLE_ROWS = 10

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
_CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "hz", "cp936"}
#: Encodings accepted from charset-normalizer's proposals (it also proposes exotic code pages
#: for short Latin text, which would produce garbage silently).
_TRUSTED_GUESSES = {"big5", "big5hkscs", "cp950", "cp1252", "latin_1", "iso8859_15", "cp1250",
                    "iso8859_2", "cp1251", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"}
_NUMBER_LIKE = re.compile(r"^[\s\d.,:/+\-eE%]+$")


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
    """

    frame: pl.DataFrame
    source_name: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    warnings: list[tuple[str, dict]] = field(default_factory=list)


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
    """Names of the sheets of a workbook, in order; ``[]`` for anything that is not one."""
    try:
        import fastexcel

        return list(fastexcel.read_excel(bytes(data)).sheet_names)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # noqa: BLE001 - not a workbook
        return []


# --------------------------------------------------------------------------- dispatch

def _read(data: bytes, name: str, sheet: str | None) -> RawTable:
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
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
    return _read_text(data, name)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# --------------------------------------------------------------------------- text files

def _decode(data: bytes, name: str) -> tuple[bytes, str, list[tuple[str, dict]]]:
    """UTF-8 bytes of the text (BOM removed), the encoding name and any warning."""
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise IngestError("ingest_unreadable_encoding", {"file": name},
                              "ingest_hint_encoding") from None
        return body, "utf-8-sig", []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16", []
        except UnicodeDecodeError:
            raise IngestError("ingest_unreadable_encoding", {"file": name},
                              "ingest_hint_encoding") from None
    if b"\x00" in data[:SAMPLE_BYTES]:
        raise IngestError("ingest_binary_file", {"file": name}, "ingest_hint_formats")
    try:
        data.decode("utf-8")
        return data, "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _mostly_chinese(text[: SAMPLE_BYTES // 2]):
        return text.encode("utf-8"), _gb_name(data), []
    guess = _charset_guess(data[:SAMPLE_BYTES])
    for encoding in guess:
        if encoding in _CHINESE_ENCODINGS:
            if text is not None:
                return text.encode("utf-8"), _gb_name(data), []
            continue
        try:
            decoded = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return decoded.encode("utf-8"), encoding, [
            ("ingest_encoding_guessed", {"file": name, "encoding": encoding})]
    try:
        decoded = data.decode("cp1252")
    except UnicodeDecodeError:
        raise IngestError("ingest_unreadable_encoding", {"file": name},
                          "ingest_hint_encoding") from None
    return decoded.encode("utf-8"), "cp1252", [
        ("ingest_encoding_guessed", {"file": name, "encoding": "cp1252"})]


def _gb_name(data: bytes) -> str:
    try:
        data.decode("gbk")
        return "gbk"
    except UnicodeDecodeError:
        return "gb18030"


def _mostly_chinese(text: str) -> bool:
    """True when the non-ASCII characters are nearly all CJK ideographs or CJK punctuation."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return True
    cjk = sum(
        1 for ch in non_ascii
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef" or ord(ch) >= 0x20000 or ch in "¥€·—‘’“”…"
    )
    return cjk >= 0.9 * len(non_ascii)


def _charset_guess(sample: bytes) -> list[str]:
    try:
        from charset_normalizer import from_bytes

        matches = from_bytes(sample)
    except Exception:  # noqa: BLE001 - the detector is a hint only
        return []
    out = []
    for match in matches:
        enc = str(match.encoding).lower().replace("-", "_")
        if enc in _CHINESE_ENCODINGS or enc in _TRUSTED_GUESSES:
            out.append(enc)
    return out


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n\f") or 0x7f <= ord(ch) < 0xa0
                   or ch == "\ufffd")
    return controls > max(2, 0.01 * len(text))


def _split_fields(line: str, delimiter: str) -> list[str]:
    """Fields of one line, honouring double quotes (enough for sniffing)."""
    fields, current, quoted = [], [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return fields


def _sniff_delimiter(lines: list[str]) -> str:
    """The candidate found the same (non-zero) number of times on most lines."""
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        counts = [len(_split_fields(line, delim)) - 1 for line in lines if line.strip()]
        if not counts:
            continue
        mode, _ = Counter(counts).most_common(1)[0]
        if mode == 0:
            continue
        share = sum(1 for c in counts if c == mode) / len(counts)
        score = (round(share, 2), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _title_rows(rows: list[list[str | None]]) -> int:
    """Leading rows with at most one value above a row with several (report titles)."""
    def filled(row: list[str | None]) -> int:
        return sum(1 for v in row if v is not None and str(v).strip())

    for i, row in enumerate(rows[: MAX_TITLE_ROWS + 1]):
        if filled(row) >= 2:
            return i if i <= MAX_TITLE_ROWS else 0
    return 0


def _read_text(data: bytes, name: str) -> RawTable:
    body, encoding, warnings = _decode(data, name)
    sample = body[:SAMPLE_BYTES].decode("utf-8", errors="ignore")
    if _looks_binary(sample):
        raise IngestError("ingest_binary_file", {"file": name}, "ingest_hint_formats")
    lines = sample.splitlines()
    if len(body) > SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last sampled line may be cut
    lines = lines[:SAMPLE_LINES]
    delimiter = None
    skip = 0
    first = lines[0].strip().lower() if lines else ""
    if re.fullmatch(r"sep=.", first):  # Excel's "sep=;" hint line
        delimiter = lines[0].strip()[4]
        if delimiter in "\r\n":
            delimiter = None
        skip, lines = 1, lines[1:]
    if delimiter is None:
        delimiter = _sniff_delimiter(lines)
    titles = _title_rows([_split_fields(line, delimiter) for line in lines])
    if titles:
        warnings.append(("ingest_title_rows_skipped", {"file": name, "count": titles}))
    skip += titles
    start = 0
    for _ in range(skip):
        nl = body.find(b"\n", start)
        start = len(body) if nl < 0 else nl + 1
    widths = [len(_split_fields(line, delimiter)) for line in lines[titles:] if line.strip()]
    frame = pl.read_csv(
        body[start:],
        has_header=False,
        separator=delimiter,
        infer_schema=False,
        quote_char='"',
        truncate_ragged_lines=True,
        raise_if_empty=False,
        encoding="utf8",
    )
    if widths and max(widths) > widths[0]:
        warnings.append(("ingest_ragged_rows", {"file": name, "columns": widths[0]}))
    table = _finish(frame, name, warnings)
    table.encoding, table.delimiter = encoding, delimiter
    return table


# --------------------------------------------------------------------------- workbooks

def _read_workbook(data: bytes, name: str, sheet: str | None) -> RawTable:
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
        raise IngestError("ingest_sheet_empty", {"file": name, "sheet": chosen}, "ingest_hint_sheet")
    frame = frame.select(pl.all().cast(pl.String))
    head = frame.head(MAX_TITLE_ROWS + 1).rows()
    titles = _title_rows([list(r) for r in head])
    if titles:
        warnings.append(("ingest_title_rows_skipped", {"file": name, "count": titles}))
        frame = frame.slice(titles)
    table = _finish(frame, name, warnings)
    table.sheet = chosen
    return table


# --------------------------------------------------------------------------- columnar files

def _read_columnar(data: bytes, name: str, kind: str) -> RawTable:
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
    if body.height:
        filled = body.select(
            pl.all().is_not_null() & (pl.all().str.strip_chars() != "")
        ).select(pl.all().any()).row(0)
    else:
        filled = (False,) * body.width
    keep = [i for i, h in enumerate(header) if h or filled[i]]
    if not keep:
        raise IngestError("ingest_no_header", {"file": name, "first": ""}, "ingest_hint_header")
    named = [header[i] for i in keep if header[i]]
    if named and all(_NUMBER_LIKE.match(h) for h in named):
        raise IngestError("ingest_no_header",
                          {"file": name, "first": ", ".join(named[:5])[:120]}, "ingest_hint_header")
    if not named:
        raise IngestError("ingest_no_header", {"file": name, "first": ""}, "ingest_hint_header")
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
