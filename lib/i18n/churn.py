"""Strings of the churn page and its lib modules."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {}
