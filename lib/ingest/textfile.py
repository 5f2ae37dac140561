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

from lib.ingest.errors import IngestError
from lib.ingest.read_limits import check_columns

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


#: Lines of a text file in another encoding than the rest: (their encoding, 0-based line
#: numbers of the decoded text).
OddLines = tuple[str, list[int]]


def decode(data: bytes, name: str) -> tuple[bytes, str, list[tuple[str, dict]], OddLines | None]:
    """UTF-8 bytes of the text (BOM removed), the encoding name, any warning, and the lines
    written in another encoding than the rest (see :func:`decode_mixed`), or None."""
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise IngestError("ingest_unreadable_encoding", {"file": name},
                              "ingest_hint_encoding") from None
        return body, "utf-8-sig", [], None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16", [], None
        except UnicodeDecodeError:
            raise IngestError("ingest_unreadable_encoding", {"file": name},
                              "ingest_hint_encoding") from None
    if b"\x00" in data[:SAMPLE_BYTES]:
        raise IngestError("ingest_binary_file", {"file": name}, "ingest_hint_formats")
    try:
        data.decode("utf-8")
        return data, "utf-8", [], None
    except UnicodeDecodeError:
        pass
    mixed = decode_mixed(data)
    if mixed is not None:
        return mixed[0], mixed[1], [], mixed[2]
    return (*_decode_legacy(data, name), None)


def decode_mixed(data: bytes) -> tuple[bytes, str, OddLines] | None:
    """A file of UTF-8 lines and GBK/GB18030 lines (two exports pasted together), each line
    decoded in its own encoding: (UTF-8 bytes, the encoding of most lines, the other lines).

    Read whole in one encoding, the other lines came out garbled with no word ("广东" as
    "骞夸笢"). A line counts as UTF-8 when it has non-ASCII text and decodes as UTF-8, as GB
    when it does not and decodes as GB18030 to Chinese text. None when the file is not such a
    mix (no UTF-8 line with non-ASCII text, or a line neither decodes).
    """
    # The lossy decode is one C pass; the Python loops below see lines only in a mixed file.
    texts = data.decode("utf-8", errors="replace").split("\n")
    utf8 = [i for i, text in enumerate(texts) if not text.isascii() and "\ufffd" not in text]
    # Chinese text in UTF-8 too: a GBK line that happens to be valid UTF-8 decodes to Latin,
    # Cyrillic or rare ideographs, rarely to common ones.
    if not utf8 or not _mostly_chinese("".join(texts[i] for i in utf8[:SAMPLE_LINES])):
        return None
    lines = data.split(b"\n")
    gb = [i for i, text in enumerate(texts) if "\ufffd" in text]
    out = list(texts)
    try:
        for i in gb:
            out[i] = lines[i].decode("gb18030")
    except UnicodeDecodeError:
        return None
    if not gb or not _mostly_chinese("".join(out[i] for i in gb[:SAMPLE_LINES])):
        return None
    gb_name = _gb_name(b"\n".join(lines[i] for i in gb))
    body = "\n".join(out).encode("utf-8")
    if len(gb) >= len(utf8):
        return body, gb_name, ("utf-8", utf8)
    return body, "utf-8", (gb_name, gb)


def _decode_legacy(data: bytes, name: str) -> tuple[bytes, str, list[tuple[str, dict]]]:
    """A file that is not UTF-8 (nor a mix of UTF-8 lines and GB lines), decoded whole."""
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


def read_delimited(data: bytes, name: str) -> tuple[pl.DataFrame, str, str, list[tuple[str, dict]],
                                                   list[tuple[int, str, dict]]]:
    """Decode and parse delimited text: (frame of text with the header as its first row,
    encoding, delimiter, warnings, row warnings ``(data row, code, params)``)."""
    body, encoding, warnings, odd = decode(data, name)
    if b"\r" in body[:SAMPLE_BYTES] and b"\n" not in body[:SAMPLE_BYTES]:
        body = body.replace(b"\r", b"\n")  # classic Mac line ends (no "\n": no odd lines)
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
    row_warnings: list[tuple[int, str, dict]] = []
    if odd is not None:
        quoted = ("ingest_quotes_ignored", {"file": name}) not in warnings
        rows = data_rows_of_lines(body, odd[1], skip, quoted)
        row_warnings = [(row, "ingest_line_encoding_differs",
                         {"file": name, "line_encoding": odd[0].upper(), "encoding": encoding.upper()})
                        for row in rows]
    return frame, encoding, delimiter, warnings, row_warnings


def data_rows_of_lines(body: bytes, lines: list[int], skip: int, quoted: bool) -> list[int]:
    """1-based data rows holding the 0-based ``lines`` of ``body`` (a row spans several lines
    when a quoted value holds a line break), after ``skip`` leading lines and the header;
    lines of the skipped rows or the header are left out."""
    wanted, rows, record, open_quote = set(lines), [], -1, False
    for i, line in enumerate(body.split(b"\n")):
        if not open_quote:
            record += 1
        if i in wanted and record - skip >= 1:
            rows.append(record - skip)
        if quoted and line.count(b'"') % 2:
            open_quote = not open_quote
    return sorted(set(rows))


def _parse_csv(body: bytes, delimiter: str, quote: str | None) -> pl.DataFrame:
    return pl.read_csv(body, has_header=False, separator=delimiter, infer_schema=False,
                       quote_char=quote, truncate_ragged_lines=True, raise_if_empty=False,
                       encoding="utf8")
