"""What every rules reader shares: the error a bad rule raises and the number check.

Below the rest of lib.rules so that its section modules (alerts, lifecycle analysis) can use them
without importing the package that imports them.
"""
from __future__ import annotations

import math

from lib.errors import AppError


class RulesError(AppError, ValueError):
    """Rule text that cannot be used; ``code`` is an i18n key, ``params`` fill it (still a
    ``ValueError`` for callers that check values that way)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)


def finite_number(value: object) -> bool:
    """True for a finite int or float. TOML allows ``nan`` and ``inf``, which no threshold, share
    or count can mean (``nan`` compares false with everything, so a rule on it never fires); a
    bool is no number. Every rules reader checks its numbers with this."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))
