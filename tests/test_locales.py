"""A third language as a PO file: made by the export tool, read by lib.i18n, with its fallback.

The expected texts are the ones this test writes into the file (a translator's work, by hand);
the fallback texts are the catalogue's own Simplified Chinese, read from the catalogue module.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from lib.i18n.app import STRINGS as APP

ROOT = Path(__file__).resolve().parent.parent

#: by hand, as a Hong Kong translator would write them
HAND = {"page_data": "數據", "page_overview": "總覽"}


def _tool(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.i18n", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, "RETENTION_LOCALE_DIR": str(folder)})


def _translate(path: Path, texts: dict[str, str]) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for key, text in texts.items():
        catalog[key].string = text
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0)


def _shown(folder: Path, keys: list[str]) -> dict:
    """What a fresh process's lib.i18n shows for ``keys`` in zh_Hant, and its languages."""
    code = ("import json, lib.i18n as i;"
            f"print(json.dumps({{'texts': {{k: i.t_text(k, 'zh_Hant') for k in {keys!r}}},"
            "'languages': list(i.LANGUAGES), 'names': i.LANGUAGE_NAMES}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, text=True, capture_output=True,
                         env={**os.environ, "RETENTION_LOCALE_DIR": str(folder)}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_po_file_adds_a_language_with_its_fallback(tmp_path):
    made = _tool(tmp_path, "export", "zh_Hant", "--name", "繁體中文", "--fallback", "zh")
    assert made.returncode == 0, made.stderr
    po = tmp_path / "zh_Hant.po"
    # a translation asking for a field the English does not have would fail on screen
    bad_key = next(key for key, (en, _) in APP.items() if "{" not in en and key not in HAND)
    _translate(po, {**HAND, bad_key: "{nobody_passes_this}"})

    shown = _shown(tmp_path, [*HAND, "sidebar_snapshot", bad_key])
    assert shown["languages"] == ["en", "zh", "zh_Hant"]
    assert shown["names"]["zh_Hant"] == "繁體中文"
    assert shown["texts"]["page_data"] == "數據"
    assert shown["texts"]["page_overview"] == "總覽"
    # not translated, or translated with the wrong fields: the fallback (Simplified Chinese)
    assert shown["texts"]["sidebar_snapshot"] == APP["sidebar_snapshot"][1]
    assert shown["texts"][bad_key] == APP[bad_key][1]

    checked = _tool(tmp_path, "check", "zh_Hant")
    assert checked.returncode == 1
    assert bad_key in checked.stdout and "2 of" in checked.stdout


def test_a_translation_whose_english_changed_is_marked_fuzzy_and_not_shown(tmp_path):
    assert _tool(tmp_path, "export", "zh_Hant", "--name", "繁體中文", "--fallback", "en").returncode == 0
    po = tmp_path / "zh_Hant.po"
    _translate(po, HAND)
    # pretend the translator worked from an older English text of page_data
    text = po.read_text(encoding="utf-8")
    older = text.replace(f"#. en: {APP['page_data'][0]}\n", "#. en: Data and rules\n", 1)
    assert older != text
    po.write_text(older, encoding="utf-8")

    assert _tool(tmp_path, "export", "zh_Hant", "--name", "繁體中文", "--fallback", "en").returncode == 0
    with po.open("rb") as handle:
        catalog = read_po(handle)
    assert catalog["page_data"].fuzzy and catalog["page_data"].string == "數據"
    assert not catalog["page_overview"].fuzzy          # unchanged English: kept as it was
    shown = _shown(tmp_path, ["page_data", "page_overview"])
    assert shown["texts"] == {"page_data": APP["page_data"][0], "page_overview": "總覽"}


def test_without_po_files_the_app_has_its_two_languages(tmp_path):
    shown = _shown(tmp_path, [])
    assert shown["languages"] == ["en", "zh"]
