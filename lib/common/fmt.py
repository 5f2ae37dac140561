"""Numbers as people read them, by unit and language.

Units: "count" (customers, rows), "share" (0–1, shown as a percentage), "currency" (money in
the rules' currency, ``Currency``), "ratio" (a plain number such as churners per gross add),
"months" (durations), "number" (any other measure, e.g. minutes or GB).
"""
from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: A currency's ISO 4217 code has three letters; its symbol at most four characters (``[currency]``).
CURRENCY_CODE_CHARS = 3
CURRENCY_SYMBOL_MAX_CHARS = 4


@dataclass(frozen=True)
class Currency:
    """The money of a workspace's rules (``[currency]``): ISO code and the symbol shown."""

    code: str = "CNY"
    symbol: str = "¥"


def number(value: float | None, unit: str, lang: str = "en", currency: Currency | None = None) -> str:
    """Format ``value`` of ``unit`` (see the module doc); "–" when missing.

    Large currency amounts are shortened: 1.2M in English, 120万 / 1.2亿 in Chinese; with a
    ``currency`` its symbol leads ("¥120.0万", "-$1.5k").
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "currency":
        return _with_symbol(_money(value, lang), currency)
    if unit in ("months", "number"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _with_symbol(text: str, currency: Currency | None) -> str:
    """``text`` (a formatted amount) with the currency symbol after any sign."""
    if currency is None or not currency.symbol:
        return text
    sign = text[0] if text[:1] in "+-" else ""
    return f"{sign}{currency.symbol}{text[len(sign):]}"


def _money(value: float, lang: str) -> str:
    size = abs(value)
    if lang == "zh":
        if size >= 1e8:
            return f"{value / 1e8:.2f}亿"
        if size >= 1e4:
            return f"{value / 1e4:,.1f}万"
        return f"{value:,.1f}"
    if size >= 1e9:
        return f"{value / 1e9:.2f}B"
    if size >= 1e6:
        return f"{value / 1e6:.2f}M"
    if size >= 1e4:
        return f"{value / 1e3:,.1f}k"
    return f"{value:,.1f}"


def change(delta: float | None, unit: str, lang: str = "en", currency: Currency | None = None) -> str | None:
    """A change between snapshots: shares in percentage points, others in their unit.

    A change that shows as zero at the precision shown has no sign ("0.0 pp", not "+0.0 pp"):
    it is neither good nor bad news (see ``is_zero_change``).
    """
    if delta is None:
        return None
    zero = is_zero_change(delta, unit)
    if unit == "share":
        points = 0.0 if zero else delta * 100
        text = f"{points:.1f}" if zero else f"{points:+.1f}"
        return f"{text} pp" if lang == "en" else f"{text} 个百分点"
    if unit == "ratio":
        return f"{0.0:.2f}" if zero else f"{delta:+.2f}"
    if unit == "currency":
        if zero:
            return _with_symbol(_money(0.0, lang), currency)
        return _with_symbol(("+" if delta >= 0 else "") + _money(delta, lang), currency)
    return "0" if zero else f"{delta:+,.0f}"


def is_zero_change(delta: float | None, unit: str) -> bool:
    """True when ``delta`` rounds to zero at the precision ``change`` shows it (0.1 pp for a
    share, 0.01 for a ratio, 0.1 of the currency, 1 for a count): shown neutral, not green."""
    if delta is None:
        return False
    step = {"share": 0.001, "ratio": 0.01, "currency": 0.1}.get(unit, 1.0)
    return abs(delta) < step / 2


def date(value: dt.date | None) -> str:
    return "–" if value is None else value.isoformat()


#: Below this a p-value is written "< 0.001": more digits claim a precision the test lacks.
P_VALUE_FLOOR = 0.001


def p_value(p: float) -> str:
    """A p-value for a sentence, with its relation sign: "< 0.001", or "= 0.042" (3 decimals)."""
    return f"< {P_VALUE_FLOOR}" if p < P_VALUE_FLOOR else f"= {p:.3f}"


def month(index: int) -> str:
    """A month index (``year * 12 + month - 1``, as stored in ``snapshot_month``) as "YYYY-MM"."""
    year, month0 = divmod(int(index), 12)
    return f"{year}-{month0 + 1:02d}"


# ---------------------------------------------------------------------------------------------
# Chart axes: ticks placed and labelled here, so axes use the units the cards use (万/亿 in
# Chinese, the currency symbol) and no two ticks of one axis read the same.
# ---------------------------------------------------------------------------------------------
def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` evenly spaced round values (steps of 1, 2 or 5 × 10^k) covering
    [low, high]. A flat range (low == high) gets ticks around the value rather than one tick
    repeated: from 0 to the value, or ±1 around 0."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high < low:
        low, high = high, low
    if high == low:
        low, high = (min(0.0, low), max(0.0, high)) if low else (-1.0, 1.0)
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step + 1e-9) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 12))
    return ticks


def axis_labels(ticks: Sequence[float], unit: str, lang: str = "en",
                currency: Currency | None = None) -> list[str]:
    """Tick labels of ``ticks`` in ``unit``: the card's format (``number``), with the fewest
    decimals (at most four) that show every tick exactly, so no two ticks read the same and
    none is rounded (25,000 reads "2.5万", not "2万")."""
    if not ticks:
        return []
    # one scale for the whole axis, from its largest tick: 0.5亿, 1.0亿, not 5,000万, 1.0亿
    scale, suffix = (100.0, "%") if unit == "share" else _scale(max(abs(v) for v in ticks), lang)
    if unit == "share":
        scale = 0.01
    for decimals in range(0, 5):
        scaled = [value / scale for value in ticks]
        if all(abs(round(x, decimals) - x) < 1e-9 * max(1.0, abs(x)) for x in scaled):
            break
    labels = []
    for value, x in zip(ticks, scaled):
        text = ("0" + ("%" if unit == "share" else "")) if value == 0 else f"{x:,.{decimals}f}{suffix}"
        labels.append(_with_symbol(text, currency) if unit == "currency" else text)
    return labels


def _scale(size: float, lang: str) -> tuple[float, str]:
    """The unit a number of this size is shown in on an axis: 万/亿 in Chinese, k/M/B else."""
    # the thresholds the cards use (``_money``): k only from 10,000
    scales = (((1e8, 1e8, "亿"), (1e4, 1e4, "万")) if lang == "zh"
              else ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")))
    return next(((scale, suffix) for least, scale, suffix in scales if size >= least), (1.0, ""))


def column_formatter(unit: str, lang: str = "en",
                     currency: Currency | None = None) -> Callable[[object], str]:
    """A function that formats one table cell of ``unit`` (``number``; "–" for a missing
    value; text passes through unchanged) — for tables shown or exported."""
    def cell(value: object) -> str:
        if value is None or isinstance(value, str):
            return "–" if value is None else value
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return str(value)
        if isinstance(value, numbers.Real):   # numpy's scalars too (a pandas table's cells)
            value = float(value)
            if math.isnan(value):
                return "–"
            if unit == "currency":   # a table keeps every digit a card would shorten
                return _with_symbol(f"{value:,.2f}", currency)
            return number(float(value), unit, lang, currency)
        return str(value)
    return cell
