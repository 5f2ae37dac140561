"""Languages beyond English and 简体中文, as gettext PO files a translator can work on.

English and Simplified Chinese live in the area catalogues of this package, side by side, so a
developer adding a message writes both and a test holds every key to both. A further language
(繁體中文 for Hong Kong, Macau and Taiwan banks, say) is one file, ``lib/i18n/locales/<code>.po``,
made and refreshed by ``python -m tools.i18n export <code>``: one entry per key (``msgid`` is the
key, the English and Chinese texts are the translator's comments), edited in any PO editor, read
here with Babel. Nothing else changes: the language appears in the sidebar once its file exists.

Two entries of the file are not messages: ``$language_name``, the language's name in the
sidebar, and ``$fallback_language``, the language shown where a translation is missing or fuzzy
(``zh`` or ``en``; English when absent), so a half-done catalogue is usable and says nothing wrong.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

#: where the PO files live; RETENTION_LOCALE_DIR points elsewhere (tests, a site's own translations)
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
LOCALE_DIR_ENV = "RETENTION_LOCALE_DIR"
NAME_KEY = "$language_name"
FALLBACK_KEY = "$fallback_language"
_CODE = re.compile(r"^[a-z]{2,3}(?:_[A-Za-z]{2,4})*$")


@dataclass(frozen=True)
class Locale:
    """One PO catalogue: its code, sidebar name, fallback language and translations by key."""

    code: str
    name: str
    fallback: str
    messages: dict[str, str]


def locale_dir() -> Path:
    """The folder the PO files are read from."""
    return Path(os.environ.get(LOCALE_DIR_ENV) or LOCALE_DIR)


def read_locale(path: Path) -> Locale:
    """Read one PO file; fuzzy and empty translations are left out (the fallback shows instead)."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    messages = {str(m.id): str(m.string) for m in catalog
                if m.id and isinstance(m.string, str) and m.string and not m.fuzzy}
    name = messages.pop(NAME_KEY, "").strip() or path.stem
    fallback = messages.pop(FALLBACK_KEY, "en").strip()
    return Locale(code=path.stem, name=name, fallback=fallback if fallback in ("en", "zh") else "en",
                  messages=messages)


def available_locales(folder: Path | None = None) -> dict[str, Locale]:
    """Every PO catalogue in ``folder`` (default: :func:`locale_dir`), by language code."""
    folder = folder or locale_dir()
    if not folder.is_dir():
        return {}
    return {path.stem: read_locale(path) for path in sorted(folder.glob("*.po"))
            if _CODE.match(path.stem) and path.stem not in ("en", "zh")}


_FIELD = re.compile(r"{(\w+)")


def fields_of(template: str) -> set[str]:
    """The ``str.format`` field names a template uses."""
    return set(_FIELD.findall(template))


def consistent(locale: Locale, english: dict[str, str]) -> tuple[Locale, list[str]]:
    """The locale without translations of unknown keys or with other fields than the English
    (a template that asks for a field nobody passes would fail on screen), and those keys."""
    bad = sorted(key for key, text in locale.messages.items()
                 if key not in english or fields_of(text) != fields_of(english[key]))
    kept = {key: text for key, text in locale.messages.items() if key not in bad}
    return Locale(locale.code, locale.name, locale.fallback, kept), bad
