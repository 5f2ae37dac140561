"""Numbers as people read them, by unit and language."""
from __future__ import annotations

import datetime as dt


def number(value: float | None, unit: str, lang: str = "en") -> str:
    """Format ``value`` of ``unit`` ("count", "share", "currency", "ratio"); "–" when missing.

    Large currency amounts are shortened: 1.2M in English, 120万 / 1.2亿 in Chinese.
    """
    if value is None:
        return "–"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "currency":
        return _money(value, lang)
    return f"{value:,.0f}"


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


def change(delta: float | None, unit: str, lang: str = "en") -> str | None:
    """A change between snapshots: shares in percentage points, others in their unit."""
    if delta is None:
        return None
    if unit == "share":
        return f"{delta * 100:+.1f} pp" if lang == "en" else f"{delta * 100:+.1f} 个百分点"
    if unit == "ratio":
        return f"{delta:+.2f}"
    if unit == "currency":
        return ("+" if delta >= 0 else "") + _money(delta, lang)
    return f"{delta:+,.0f}"


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
