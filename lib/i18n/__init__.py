"""Every user-facing string, in English and 简体中文.

Catalogues are plain dicts ``key -> (english, chinese)`` in the modules of this package, one
per area of the product, so that two people adding strings to different areas never collide.
Templates use ``str.format`` fields: ``t("data_import_button", "zh", n=3)``.
"""
from __future__ import annotations

from lib.i18n import app, churn, distributed, ingest, lifecycle, offers, segments
from lib.i18n import needtags
from lib.i18n import outcomes
from lib.i18n import operations
from lib.i18n import filelimits

LANGUAGES: tuple[str, ...] = ("en", "zh")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "zh": "简体中文"}


def _merge(*catalogues: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for catalogue in catalogues:
        clash = merged.keys() & catalogue.keys()
        if clash:
            raise ValueError(f"i18n keys defined twice: {sorted(clash)}")
        merged.update(catalogue)
    return merged


STRINGS: dict[str, tuple[str, str]] = _merge(
    app.STRINGS, ingest.STRINGS, segments.STRINGS, lifecycle.STRINGS, churn.STRINGS, offers.STRINGS,
    distributed.STRINGS,
    needtags.STRINGS,
    outcomes.STRINGS,
    operations.STRINGS,
    filelimits.STRINGS,
)


def t(key: str, lang: str = "en", /, **fields: object) -> str:
    """The string ``key`` in ``lang`` ("en" or "zh"), with ``fields`` filled in.

    An unknown key is a programming error and raises ``KeyError`` (a test walks every key).
    """
    english, chinese = STRINGS[key]
    template = chinese if lang == "zh" else english
    return template.format(**fields) if fields else template
