"""Units of the Segments page's result columns, so every table reads its numbers by unit
(``lib.common.fmt``): shares as percentages, money in the rules' currency, counts with
thousands separators."""
from __future__ import annotations

import polars as pl

from lib.common.fmt import Currency

#: shares 0–1
SHARE_COLUMNS = frozenset({"monthly_churn", "revenue_share", "customer_share", "vip_share"})
#: currency (a month, or over the horizon for revenue at risk)
MONEY_COLUMNS = frozenset({"revenue", "arpu", "revenue_at_risk", "revenue_from", "revenue_to",
                           "revenue_change", "spend_avg_from", "spend_avg_to", "loss", "spend_m1"})


def unit_of(column: str, dtype: pl.DataType) -> str | None:
    """The ``lib.common.fmt`` unit of a result column: by name for shares and money, else by
    type (integers are counts, other floats plain numbers such as a cluster's mean minutes);
    None for text."""
    if column in SHARE_COLUMNS:
        return "share"
    if column in MONEY_COLUMNS:
        return "currency"
    if dtype.is_integer():
        return "count"
    if dtype.is_float():
        return "number"
    return None


def money_header(header: str, column: str, currency: Currency, lang: str) -> str:
    """``header`` with the currency code when ``column`` holds money ("ARPU (CNY)"), so a
    table and its CSV download say what the amounts are in."""
    if column not in MONEY_COLUMNS:
        return header
    return f"{header}（{currency.code}）" if lang == "zh" else f"{header} ({currency.code})"
