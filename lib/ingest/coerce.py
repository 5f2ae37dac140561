"""Polars expressions that turn source text into contract values.

Each ``parse_*(column, out)`` reads a column of cleaned text (stripped, blank tokens already
null; see :func:`clean`) and returns :data:`Stages` that add the typed column ``out``, null where
the text does not parse (intermediate columns are named ``out~...``). Callers tell "blank" from
"invalid" by comparing input and output: text present, value null = invalid. Everything is
vectorised; no Python runs per row.

Example
-------
>>> frame = pl.LazyFrame({"x": ["1,234.5", "¥12", "abc", None]})
>>> run(frame, parse_number("x", "n")).collect().get_column("n").to_list()
[1234.5, 12.0, None, None]
"""
from __future__ import annotations

import datetime as dt

import polars as pl

#: Text that means "no value" in any column (compared case-insensitively after stripping).
BLANK_TOKENS: tuple[str, ...] = ("", "na", "n/a", "null", "none", "-", "nan", "#n/a", "--")

BOOL_VALUES: dict[str, bool] = {
    **{k: True for k in ("yes", "y", "1", "1.0", "true", "t", "是", "有", "流失", "离网")},
    **{k: False for k in ("no", "n", "0", "0.0", "false", "f", "否", "无", "在网")},
    # the bank-churner file's Attrition_Flag: a flag written as words
    "attrited customer": True, "existing customer": False,
}

CHURN_TYPE_VALUES: dict[str, str] = {
    "switch": "switch", "downgrade": "downgrade", "value_decline": "value_decline",
    "value decline": "value_decline", "involuntary": "involuntary", "unknown": "unknown",
    "转网": "switch", "携号转网": "switch", "降档": "downgrade", "品牌降级": "downgrade",
    "价值下降": "value_decline", "欠费停机": "involuntary", "被动离网": "involuntary",
    "未知": "unknown",
}

_FULL_WIDTH = [chr(0xFF10 + i) for i in range(10)] + ["．", "，", "－", "＋", "　"]
_HALF_WIDTH = [str(i) for i in range(10)] + [".", ",", "-", "+", " "]

#: Excel stores dates as days since 1899-12-30; serials in this range are dates 1954–2119.
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 20000, 80000
EXCEL_EPOCH = dt.date(1899, 12, 30)


Stages = list[list[pl.Expr]]
"""Expressions grouped in levels: each level may read only columns made by earlier levels.

Polars re-evaluates a sub-expression every time it is referenced (no common-subexpression
elimination inside ``when/then``), so a parse that looks at its input several times is written as
levels of named intermediate columns: every reference is then a cheap column read.
"""


def _case_variants(token: str) -> set[str]:
    variants = {""}
    for ch in token:
        variants = {v + c for v in variants for c in {ch.lower(), ch.upper()}}
    return variants


#: Every upper/lower-case spelling of the blank tokens, so that no column is lower-cased.
_BLANK_SPELLINGS: list[str] = sorted({v for tok in BLANK_TOKENS for v in _case_variants(tok)})
_STRIP = " \t\r\n\x0b\x0c\u3000\u00a0\ufeff\u200b"


def clean(column: str, out: str) -> Stages:
    """Text of ``column`` stripped of white space (ASCII and ideographic); blank tokens → null."""
    stripped = f"{out}~strip"
    text = pl.col(stripped)
    return [
        [pl.col(column).cast(pl.String).str.strip_chars(_STRIP).alias(stripped)],
        [pl.when(text.is_in(_BLANK_SPELLINGS)).then(None).otherwise(text).alias(out)],
    ]


def parse_number(column: str, out: str) -> Stages:
    """Float64 ``out`` from the cleaned text in ``column``: "1,234.5", "¥ 12", "１２３",
    "12,5" (decimal comma), "1.234,5"; null if not a finite number.

    Plain numbers take a direct cast; only the texts that fail it are rewritten (on a column
    that is otherwise null, so the regexes cost little).
    """
    direct, rest, value = f"{out}~direct", f"{out}~rest", f"{out}~value"
    s = pl.col(rest)
    rewritten = (
        pl.when(s.str.contains(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"))
        .then(s.str.replace_all(",", "", literal=True))
        .when(s.str.contains(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$"))
        .then(s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(s.str.contains(r"^[+-]?\d*,\d+$")).then(s.str.replace(",", ".", literal=True))
        .otherwise(s)
    )
    return [
        [pl.col(column).cast(pl.Float64, strict=False).alias(direct)],
        [pl.when(pl.col(direct).is_null()).then(pl.col(column))
         .str.replace_many(_FULL_WIDTH, _HALF_WIDTH).str.replace_all(r"[\s¥$￥€£元]", "")
         .alias(rest)],
        [pl.coalesce(pl.col(direct), rewritten.cast(pl.Float64, strict=False)).alias(value)],
        [pl.when(pl.col(value).is_finite()).then(pl.col(value)).otherwise(None).alias(out)],
    ]


def parse_whole(number: pl.Expr) -> pl.Expr:
    """Int64 from a parsed Float64 that is whole ("3.0" → 3); null otherwise."""
    ok = (number == number.floor()) & (number.abs() < 1e15)
    return pl.when(ok).then(number).otherwise(None).cast(pl.Int64)


def parse_bool(column: str, out: str) -> Stages:
    """Boolean from Yes/No, Y/N, 1/0, 是/否, TRUE/FALSE, T/F, 有/无, 流失/在网, Attrited/Existing
    Customer (any case)."""
    return [[pl.col(column).str.to_lowercase()
             .replace_strict(BOOL_VALUES, default=None, return_dtype=pl.Boolean).alias(out)]]


def parse_churn_type(column: str, out: str) -> Stages:
    """Contract churn type from English or Chinese names; null if unknown."""
    key = pl.col(column).str.to_lowercase().str.replace_all(r"[\s_\-]+", " ").str.strip_chars()
    mapping = {k.replace("_", " "): v for k, v in CHURN_TYPE_VALUES.items()}
    return [[key.replace_strict(mapping, default=None, return_dtype=pl.String).alias(out)]]


def parse_date(column: str, out: str) -> Stages:
    """Date from YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日, YYYYMMDD, YYYY-MM / YYYYMM
    (first of the month), with or without a time, and Excel serials 20000–80000.

    Day-first or month-first forms (05/01/2024) are ambiguous and come out null; see
    :func:`is_ambiguous_date`. ISO dates take a direct parse; only the rest meet the regexes.
    """
    direct, rest = f"{out}~direct", f"{out}~rest"
    groups = {k: f"{out}~{k}" for k in ("ymd", "compact", "ym", "ymc", "serial")}
    s = pl.col(rest)

    def part(index: str, *kinds: str) -> pl.Expr:
        return pl.coalesce([pl.col(groups[k]).struct.field(index) for k in kinds])

    year = part("1", "ymd", "compact", "ym", "ymc")
    month = part("2", "ymd", "compact", "ym", "ymc").str.zfill(2)
    day = pl.coalesce(part("3", "ymd", "compact"), pl.lit("01")).str.zfill(2)
    serial = pl.col(groups["serial"])
    in_range = (serial >= EXCEL_SERIAL_MIN) & (serial <= EXCEL_SERIAL_MAX)
    first = f"{out}~first"
    # chrono reads "5-1-24" as year 5: a direct parse counts only with a four-digit year.
    year_ok = pl.col(first).dt.year() >= 1000
    return [
        [pl.col(column).str.to_date("%Y-%m-%d", strict=False).alias(first)],
        [pl.when(year_ok).then(pl.col(first)).alias(direct),
         pl.when(~year_ok.fill_null(False)).then(pl.col(column))
         .str.replace(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)$", "")
         .alias(rest)],
        [s.str.extract_groups(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$").alias(groups["ymd"]),
         s.str.extract_groups(r"^(\d{4})(\d{2})(\d{2})$").alias(groups["compact"]),
         s.str.extract_groups(r"^(\d{4})[-/.年](\d{1,2})月?$").alias(groups["ym"]),
         s.str.extract_groups(r"^(\d{4})(\d{2})$").alias(groups["ymc"]),
         pl.when(s.str.contains(r"^\d{5}(\.\d+)?$")).then(s).cast(pl.Float64, strict=False)
         .alias(groups["serial"])],
        [pl.coalesce(
            pl.col(direct),
            pl.concat_str([year, pl.lit("-"), month, pl.lit("-"), day])
            .str.to_date("%Y-%m-%d", strict=False),
            pl.when(in_range).then(
                pl.lit(EXCEL_EPOCH) + pl.duration(days=serial.floor().cast(pl.Int64))),
        ).cast(pl.Date).alias(out)],
    ]


def is_ambiguous_date(text: pl.Expr) -> pl.Expr:
    """True for day/month-first dates such as 05/01/2024 or 5-1-24."""
    return text.str.contains(r"^\d{1,2}[-/.]\d{1,2}[-/.](\d{4}|\d{2})(\s|T|$)")


def merge(*stage_lists: Stages) -> Stages:
    """Run several independent stage lists side by side (level k of each together)."""
    depth = max((len(s) for s in stage_lists), default=0)
    return [[e for s in stage_lists if k < len(s) for e in s[k]] for k in range(depth)]


def run(frame: pl.LazyFrame, stages: Stages) -> pl.LazyFrame:
    """Apply ``stages`` level by level."""
    for level in stages:
        if level:
            frame = frame.with_columns(level)
    return frame


def temporary(name: str) -> bool:
    """True for the intermediate columns the parsers make (``out~...``)."""
    return "~" in name
