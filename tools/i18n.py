"""Translation catalogues for languages beyond English and 简体中文 (docs/i18n.md).

    python -m tools.i18n export zh_Hant --name "繁體中文" --fallback zh
        writes or refreshes lib/i18n/locales/zh_Hant.po: one entry per message key, the English
        and Simplified Chinese as translator comments, translations already made kept, entries
        whose English changed marked fuzzy;
    python -m tools.i18n check zh_Hant
        says how many keys are translated and which translations use other fields than the
        English (those are not shown); exit 1 when any does.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from lib.i18n import STRINGS
from lib.i18n.locales import FALLBACK_KEY, NAME_KEY, consistent, locale_dir, read_locale


def _words(text: str) -> str:
    return " ".join(text.split())


def _english_comment(message) -> str:
    """The English a translation was made from: the ``en:`` comment, whose lines the PO writer
    may have wrapped (compared by words, so the wrapping does not count as a change)."""
    lines, taking = [], False
    for comment in message.auto_comments:
        if comment.startswith("en: "):
            taking, comment = True, comment[len("en: "):]
        elif comment.startswith("zh: "):
            taking = False
        if taking:
            lines.append(comment)
    return _words(" ".join(lines))


def export(code: str, name: str, fallback: str, folder: Path) -> Path:
    """Write ``folder/<code>.po`` for every key of the catalogue, keeping existing translations."""
    path = folder / f"{code}.po"
    old: dict[str, tuple[str, str]] = {}  # key -> (translation, the English it was made from)
    if path.exists():
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    old[str(message.id)] = (str(message.string), _english_comment(message))
    catalog = Catalog(locale=code.replace("-", "_"), project="retention dashboard",
                      creation_date=dt.datetime.now(), fuzzy=False)
    catalog.add(NAME_KEY, name, auto_comments=["the language's name in the sidebar"])
    catalog.add(FALLBACK_KEY, fallback,
                auto_comments=["shown where a translation is missing or fuzzy: en or zh"])
    for key in sorted(STRINGS):
        english, chinese = STRINGS[key]
        translation, made_from = old.get(key, ("", _words(english)))
        catalog.add(key, translation, auto_comments=[f"en: {english}", f"zh: {chinese}"],
                    flags=("fuzzy",) if translation and made_from != _words(english) else ())
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True)
    return path


def check(code: str, folder: Path) -> int:
    """Print the state of ``<code>.po``; 1 when a translation's fields differ from the English."""
    locale = read_locale(folder / f"{code}.po")
    kept, bad = consistent(locale, {key: pair[0] for key, pair in STRINGS.items()})
    print(f"{code}: {len(kept.messages)} of {len(STRINGS)} keys translated; "
          f"missing or fuzzy ones show in {'简体中文' if locale.fallback == 'zh' else 'English'}")
    for key in bad:
        print(f"  {key}: its fields differ from the English, or the key is unknown: not shown")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.i18n", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    out = sub.add_parser("export")
    out.add_argument("code")
    out.add_argument("--name", required=True, help="the language's name as its readers write it")
    out.add_argument("--fallback", choices=("en", "zh"), default="en")
    chk = sub.add_parser("check")
    chk.add_argument("code")
    args = parser.parse_args(argv)
    folder = locale_dir()
    if args.command == "export":
        print(export(args.code, args.name, args.fallback, folder))
        return 0
    return check(args.code, folder)


if __name__ == "__main__":
    sys.exit(main())
