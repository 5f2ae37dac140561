"""Every user-facing string, in English and 简体中文.

Catalogues are plain dicts ``key -> (english, chinese)`` in the modules of this package, one
per area of the product, so that two people adding strings to different areas never collide.
Templates use ``str.format`` fields: ``t("data_import_button", "zh", n=3)``.

Most messages end up in Streamlit markdown (captions, alerts, labels), so ``t`` escapes every
text field with ``lib.common.markup.plain``: a field is data (a province, a plan or file name), never
markup. Where the text goes somewhere that is not markdown (the CLI, table cells, CSV, Plotly,
the HTML report, a select box's options) use ``t_text``, which fills the fields as they are.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

from lib.i18n import app, churn, distributed, ingest, lifecycle, offers, segments
from lib.i18n import needtags
from lib.i18n import outcomes
from lib.i18n import operations
from lib.i18n import filelimits
from lib.i18n import uplift
from lib.i18n import tables
from lib.i18n import fields
from lib.i18n import units
from lib.i18n import mapping
from lib.i18n import monthly
from lib.i18n import workspaces
from lib.common.markup import plain
from lib.i18n.locales import available_locales, consistent



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
    uplift.STRINGS,
    tables.STRINGS,
    fields.STRINGS,
    units.STRINGS,
    mapping.STRINGS,
    monthly.STRINGS,
    workspaces.STRINGS,
)

#: further languages as PO files (lib/i18n/locales.py, docs/i18n.md), read once at start;
#: translations whose fields differ from the English are left out (``python -m tools.i18n check``)
LOCALES = {code: consistent(locale, {k: v[0] for k, v in STRINGS.items()})[0]
           for code, locale in available_locales().items()}
LANGUAGES: tuple[str, ...] = ("en", "zh", *LOCALES)
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "zh": "简体中文",
                                  **{code: locale.name for code, locale in LOCALES.items()}}

#: Where text is shown: "app" (the default: pages name their own controls) or "cli" (the
#: command line names its flags). A key ``K`` may have a sibling ``K_cli`` that is used in its
#: place on the command line, so that no page ever shows ``--replace`` or ``--map``.
SURFACES: tuple[str, ...] = ("app", "cli")
CLI_SUFFIX = "_cli"
_SURFACE: contextvars.ContextVar[str] = contextvars.ContextVar("i18n_surface", default="app")


@contextlib.contextmanager
def surface(name: str) -> Iterator[None]:
    """Render every string inside the block for ``name`` ("app" or "cli")."""
    if name not in SURFACES:
        raise ValueError(f"unknown surface {name!r}")
    token = _SURFACE.set(name)
    try:
        yield
    finally:
        _SURFACE.reset(token)


def for_surface(key: str) -> str:
    """``key``, or its ``_cli`` sibling when rendering for the command line and one exists."""
    if _SURFACE.get() == "cli":
        variant = key + CLI_SUFFIX
        if variant in STRINGS:
            return variant
    return key


def t(key: str, lang: str = "en", /, **fields: object) -> str:
    """The string ``key`` in ``lang`` (a code of ``LANGUAGES``), with ``fields`` filled in, for markdown.

    Text fields are escaped (``lib.common.markup.plain``) so that they show as written and can make no
    link, image or format; numbers and dates are left for the template's format spec.
    An unknown key is a programming error and raises ``KeyError`` (a test walks every key).
    """
    return Markdown(t_text(key, lang, **{name: _inert(value) for name, value in fields.items()}))


class Markdown(str):
    """A text ``t`` made (its fields already escaped): passed as a field of another message it
    is taken as it is, so translated parts keep their look (``(chosen)``, not ``\\(chosen\\)``)."""

    __slots__ = ()


def t_text(key: str, lang: str = "en", /, **fields: object) -> str:
    """The string ``key`` in ``lang`` with ``fields`` filled in as they are: for plain text
    (the CLI, table cells and CSV, select-box options) or for a caller that escapes for its own
    markup (Plotly labels, HTML)."""
    key = for_surface(key)
    english, chinese = STRINGS[key]
    locale = LOCALES.get(lang)
    if locale is not None:
        template = locale.messages.get(key) or (chinese if locale.fallback == "zh" else english)
    else:
        template = chinese if lang == "zh" else english
    return template.format(**fields) if fields else template


#: A formatted number, share, change or date ("1,234", "12.5%", "+0.4 pp", "1.2万", "2026-10-31"):
#: no letters that could spell a link, no brackets, so nothing to escape.
_FIGURE = re.compile(r"[\d\s.,:%+\-–−/×]*(?:[kMB万亿]|pp|个百分点)?")


def _inert(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, Decimal, dt.date, Markdown)):
        return value          # no markup possible, or escaped already; keeps format specs working
    if isinstance(value, str) and _FIGURE.fullmatch(value):
        return value
    return plain(value)
