"""Delimited text files: telling the encoding, sniffing the delimiter, skipping title rows.

Encodings: UTF-8 (with or without BOM) and UTF-16 with BOM first; then GB18030 when the text it
gives is Chinese (reported as "gbk" when GBK alone decodes it); then what ``charset-normalizer``
proposes among trusted encodings; then cp1252. Delimiters: comma, semicolon, tab, pipe, or the
one an Excel ``sep=`` line names.
"""
from __future__ import annotations

import re
from collections import Counter

import polars as pl

from lib.ingest_errors import IngestError
from lib.read_limits import check_columns

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
#: Bytes looked at to sniff encoding, delimiter and title rows.
SAMPLE_BYTES = 256 * 1024
SAMPLE_LINES = 200
#: Leading title rows ("2024年高价值客户清单") skipped at most.
MAX_TITLE_ROWS = 10
_CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "hz", "cp936"}
#: Encodings accepted from charset-normalizer's proposals (it also proposes exotic code pages
#: for short Latin text, which would produce garbage silently).
_TRUSTED_GUESSES = {"big5", "big5hkscs", "cp950", "cp1252", "latin_1", "iso8859_15", "cp1250",
                    "iso8859_2", "cp1251", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"}


def decode(data: bytes, name: str) -> tuple[bytes, str, list[tuple[str, dict]]]:
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
    if cjk < 0.9 * len(non_ascii):
        return False
    # Latin-1 text read as GB18030 turns "ç" + "o" into one ideograph wedged between Latin
    # letters ("Besan鏾n"); real Chinese text rarely has an ideograph with letters on both sides.
    wedged = len(re.findall(r"(?<=[A-Za-z])[\u3400-\u9fff](?=[A-Za-z])", text))
    return wedged <= 0.1 * cjk


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
    controls = sum(1 for ch in text
                   if (ord(ch) < 32 and ch not in "\t\r\n\f") or 0x7f <= ord(ch) < 0xa0
                   or ch == "\ufffd")
    return controls > max(2, 0.01 * len(text))


def split_fields(line: str, delimiter: str) -> list[str]:
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


def sniff_delimiter(lines: list[str]) -> str:
    """The candidate found the same (non-zero) number of times on most lines."""
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        counts = [len(split_fields(line, delim)) - 1 for line in lines if line.strip()]
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


def title_rows(rows: list[list[str | None]]) -> int:
    """Leading rows with at most one value above a row with several (report titles)."""
    def filled(row: list[str | None]) -> int:
        return sum(1 for v in row if v is not None and str(v).strip())

    for i, row in enumerate(rows[: MAX_TITLE_ROWS + 1]):
        if filled(row) >= 2:
            return i if i <= MAX_TITLE_ROWS else 0
    return 0


def read_delimited(data: bytes,
                   name: str) -> tuple[pl.DataFrame, str, str, list[tuple[str, dict]]]:
    """Decode and parse delimited text: (frame of text with the header as its first row,
    encoding, delimiter, warnings)."""
    body, encoding, warnings = decode(data, name)
    if b"\r" in body[:SAMPLE_BYTES] and b"\n" not in body[:SAMPLE_BYTES]:
        body = body.replace(b"\r", b"\n")  # classic Mac line ends
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
        delimiter = sniff_delimiter(lines)
    titles = title_rows([split_fields(line, delimiter) for line in lines])
    if titles:
        warnings.append(("ingest_title_rows_skipped", {"file": name, "count": titles}))
    skip += titles
    start = 0
    for _ in range(skip):
        nl = body.find(b"\n", start)
        start = len(body) if nl < 0 else nl + 1
    widths = [len(split_fields(line, delimiter)) for line in lines[titles:] if line.strip()]
    # Before the parse: 10,000 header columns took 260 s to validate and 1M exhausted 12 GB.
    check_columns(max(widths, default=0), name)
    try:
        frame = _parse_csv(body[start:], delimiter, '"')
    except pl.exceptions.PolarsError:
        # An unbalanced quote: read the quotes as text rather than refuse the file.
        frame = _parse_csv(body[start:], delimiter, None)
        warnings.append(("ingest_quotes_ignored", {"file": name}))
    if widths and max(widths) > widths[0]:
        warnings.append(("ingest_ragged_rows", {"file": name, "columns": widths[0]}))
    return frame, encoding, delimiter, warnings


def _parse_csv(body: bytes, delimiter: str, quote: str | None) -> pl.DataFrame:
    return pl.read_csv(body, has_header=False, separator=delimiter, infer_schema=False,
                       quote_char=quote, truncate_ragged_lines=True, raise_if_empty=False,
                       encoding="utf8")
