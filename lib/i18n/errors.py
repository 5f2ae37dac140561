"""How an ``AppError`` reads in each language: its problem, then its hint, from the catalogue."""
from __future__ import annotations

from lib.errors import AppError
from lib.i18n import STRINGS, t, t_text


def known(error: AppError) -> bool:
    """Whether the catalogue has the error's problem text (and its hint's, when it has one)."""
    return error.code in STRINGS and (error.hint is None or error.hint in STRINGS)


def _fill(key: str, lang: str, params: dict[str, object], markup: bool) -> str:
    fill = t if markup else t_text
    try:
        return fill(key, lang, **params)
    except (KeyError, IndexError, ValueError, AttributeError):
        # A template field the raiser forgot: show the template rather than fail; an unknown
        # key (a programming error, caught by tests/test_errors.py) shows as itself.
        try:
            return t(key, lang) if markup else t_text(key, lang)
        except KeyError:
            return str(key)


def error_text(error: AppError, lang: str = "en", *, markup: bool = False) -> str:
    """The problem, then the hint, in ``lang`` ("en" or "zh").

    Plain text by default (the CLI, logs); ``markup=True`` for Streamlit markdown, with the
    fields escaped (``lib.i18n.t``). Chinese sentences join without a space.

    Example
    -------
    >>> from lib.errors import AppError
    >>> error_text(AppError("store_schema_too_new", {"found": 9, "known": 7}), "en")[:36]
    'The database has schema version 9, n'
    """
    problem = _fill(error.code, lang, error.params, markup)
    if error.hint is None:
        return problem
    sep = "" if lang.startswith("zh") else " "   # Chinese sentences join without a space
    return f"{problem}{sep}{_fill(error.hint, lang, error.params, markup)}"
