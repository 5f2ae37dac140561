"""Reading a header as words and a column as a yes/no flag: how the auto-mapper
(``lib.ingest.mapping``) tells the churn flag by name and content, and how the plausibility
checks read what a header says.
"""
from __future__ import annotations

import re

import polars as pl

from lib.ingest.coerce import BOOL_VALUES

#: Latin words of a header: runs of letters, camel case split ("EstimatedSalary", "TenureYrs").
_LATIN_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
#: Words of a header that speak of customers leaving (latin as whole words, Chinese anywhere).
CHURN_WORDS: tuple[str, ...] = (
    "churn", "churned", "churner", "exit", "exited", "attrition", "attrited", "left", "leave",
    "leaving", "leaver", "cancelled", "canceled", "defected", "defection",
    "流失", "离网", "退网", "销户", "离开", "退出", "流失标识", "拆机")
#: Words that make a churn-named column something other than the flag ("Churn Score",
#: "Churn Reason", "流失概率"): such a column is never proposed as the flag by its name.
NOT_FLAG_WORDS: tuple[str, ...] = (
    "score", "reason", "category", "type", "date", "time", "probability", "prob", "risk",
    "rate", "cltv", "原因", "类型", "日期", "时间", "概率",
    "得分", "评分", "分数", "风险")
#: Values a two-valued flag column may hold (lower-cased); ``lib.ingest.coerce`` reads them.
FLAG_VALUES: frozenset[str] = frozenset(BOOL_VALUES)
#: Rows of a sample looked at per column to judge its values.
SAMPLE_ROWS = 2000


def header_says(header: str, vocabulary: tuple[str, ...], latin: set[str] | None = None) -> bool:
    """True when ``header`` holds one of the words of ``vocabulary``: a latin word as a whole word (any case,
    "EstimatedSalary" holds "salary" only as a camel-case part), a Chinese word anywhere.
    ``latin``: the header's latin words when the caller has them (see :func:`words`)."""
    text = str(header)
    latin = words(text) if latin is None else latin
    lowered = text.lower()
    return any(w in latin if w.isascii() else w in lowered for w in vocabulary)


def words(header: str) -> set[str]:
    """The latin words of a header, lower-cased ("Attrition_Flag" → {"attrition", "flag"})."""
    return {w.lower() for w in _LATIN_WORD.findall(str(header))}


def speaks_of_churn(header: str) -> bool:
    """Whether a header names customers leaving and is not a score, reason or date of it.

    >>> speaks_of_churn("Attrition_Flag"), speaks_of_churn("离网标识"), speaks_of_churn("Churn Score")
    (True, True, False)
    """
    latin = words(header)
    return header_says(header, CHURN_WORDS, latin) and not header_says(header, NOT_FLAG_WORDS, latin)


def flag_values(values: pl.Series) -> list[str] | None:
    """The distinct values (as written, at most two) when a text column reads as a yes/no flag,
    else ``None``; blanks are ignored and at least one value must be present."""
    try:
        text = values.head(SAMPLE_ROWS).cast(pl.String).str.strip_chars()
        seen = text.filter(text.is_not_null() & (text != "")).unique(maintain_order=True)
    except Exception:  # noqa: BLE001 - a sample that cannot be read as text is no flag
        return None
    if not 1 <= seen.len() <= 2:
        return None
    written = seen.to_list()
    return written if all(str(v).lower() in FLAG_VALUES for v in written) else None


def sample_text(values: pl.Series, n: int = 4) -> str:
    """The first ``n`` distinct values of a column, each cut to 20 characters, for a message
    ("Competitor, Price, Moved"); "–" when there is none."""
    try:
        text = values.head(SAMPLE_ROWS).cast(pl.String).drop_nulls().unique(maintain_order=True)
        return ", ".join(str(v)[:20] for v in text.head(n).to_list()) or "–"
    except Exception:  # noqa: BLE001
        return "–"
