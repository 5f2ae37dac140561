"""Every page in 简体中文 shows no English string of our catalogues.

A small demo base (2,500 customers, 6 monthly snapshots, ``tests.factories.churn_base``) with a
trained churn model, one logged call-list download, a call-back plan drawn from its action list, and the telco fixture uploaded on the Data page (so the mapping editor,
validation and plausibility messages are drawn). The walk opens every page, and every tab of
the pages whose tabs draw lazily, in Chinese, collects what a user reads
(``tests.visible.visible_texts``) and looks for the English side of ``lib.i18n.STRINGS``, the
English names the rules and offer catalogue give tiers, RFM segments and offers, and raw
column identifiers (``snake_case`` headers: a table shown without its headers translated).

Expected value: no leak. The allow-list below holds proper names and codes that Chinese users
read as they are, each with its reason. ``test_the_walk_catches_an_english_string`` puts an
English string back (a page title) and shows the walk reports it, so the check can fail.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import polars as pl

import pytest
from streamlit.testing.v1 import AppTest

from lib.auth import User, acting_as
from lib.churn.actions import record_export
from lib.pipeline.migrations import open_store
from lib.i18n import STRINGS, t
from lib.offers.roi import default_catalogue
from lib.rules import DEFAULT_RULES_PATH, default_rules
from lib.store.schema import CHURN_TYPES, FIELDS
from lib.segments.tiers import settings
from tests.factories import churn_base
from tests.visible import english_fragments, leaks, visible_texts

ROOT = Path(__file__).resolve().parents[1]

#: English a Chinese page may show, and why.
ALLOWED: dict[str, str] = {
    "Language": "the language switch is labelled in both languages, so an English reader finds it",
    "English": "the language switch names each language in its own script",
    "python -m lib users add": "a command to type, the same in every language",
    "Kaplan": "Kaplan–Meier: the estimator's proper name", "Meier": "Kaplan–Meier",
    "Fader": "Fader & Hardie: authors cited", "Hardie": "Fader & Hardie",
    "Newcombe": "the interval's proper name", "Wilson": "the interval's proper name",
    "Fleiss": "the continuity correction's proper name", "HiGHS": "the solver's name",
    "Log-rank": "the test's name, written so in Chinese texts too",
}

#: Lazily drawn tabs: session key and the catalogue keys of their labels.
LAZY_TABS = {
    "views/segments.py": ("segments_tab", ["seg_tab_value", "seg_tab_rfm", "seg_tab_clusters",
                                           "seg_tab_geography", "seg_tab_migration"]),
    "views/lifecycle.py": ("lifecycle_tab", [f"lifecycle_tab_{n}" for n in
                                             ("stages", "funnel", "cohorts", "survival", "value", "churn")]),
}
PAGES = ["views/overview.py", "views/segments.py", "views/offers.py", "views/lifecycle.py",
         "views/churn.py", "views/action_list.py", "views/operations.py", "views/data.py",
         "views/uplift.py"]

#: A column identifier shown as it is stored: lowercase words joined by "_".
IDENTIFIER = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.])")
#: A rules key the page cites so the user can find it in the rules text ("operations.target_effect").
RULES_KEY = re.compile(r"[a-z_]+(?:\.[a-z_]+)+")


def rules_keys() -> set[str]:
    """Every section and key of the shipped rules file: codes a page cites ("[churn_actions]
    managers") so the user finds them in the rules text, the same in every language."""
    keys: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                keys.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8")))
    return keys


#: The contract's field codes: typed in the command line's --map and in mapping templates, shown
#: beside each field's Chinese name in the mapping editor; and the churn type codes a file's
#: churn_type column holds, which the field's meaning lists beside their Chinese names.
FIELD_CODES = {f.name for f in FIELDS} | set(CHURN_TYPES)


def english_names() -> dict[str, str]:
    """English names from the rules and the offer catalogue (tiers, RFM segments, offers)."""
    rules = default_rules()
    names = {seg.name_en: f"rules segments.rfm {seg.key}" for seg in settings(rules).rfm}
    names |= {rules.tier_name(tier, "en"): f"rules tier {tier}" for tier in range(1, 7)}
    names |= {offer.name_en: f"offer {offer.id}" for offer in default_catalogue()}
    return names


def forbidden() -> dict[str, str]:
    pieces = english_fragments(STRINGS, set(ALLOWED))
    return pieces | {k: v for k, v in english_names().items() if k not in ALLOWED}


def problems(texts: list[str], pieces: dict[str, str],
             user_data: set[str] = frozenset()) -> list[tuple[str, str, str]]:
    """Leaks in ``texts``; ``user_data``: strings of an uploaded file (its headers and cells),
    which are the user's own words in whatever language the file has, taken out first."""
    codes = rules_keys() | FIELD_CODES
    texts = [text for text in texts if text not in user_data and text not in FIELD_CODES]
    # a code beside its Chinese name ("漫游分钟数（roaming）", "switch（转网）") is a code, not prose
    alternatives = "|".join(sorted(FIELD_CODES, key=len, reverse=True))
    beside = re.compile(r"（(?:" + alternatives + r")）|(?<![\w])(?:" + alternatives + r")(?=（)")
    texts = [beside.sub(" ", text) for text in texts]
    words = sorted((d for d in user_data if len(d) >= 3 and re.search(r"[A-Za-z]", d)), key=len, reverse=True)
    if words:
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(d) for d in words) + r")(?!\w)")
        texts = [pattern.sub(" ", text) for text in texts]
    found = leaks(texts, pieces)
    for text in texts:
        for word in IDENTIFIER.findall(RULES_KEY.sub(" ", text.replace("`", " "))):
            if word not in codes:
                found.append((word, "identifier", text[:160]))
    return found


@pytest.fixture(scope="module")
def zh_app(tmp_path_factory):
    """An AppTest in Chinese on a demo base with a trained model; yields the walk's reports."""
    url = f"duckdb:///{tmp_path_factory.mktemp('zh')}/demo.duckdb"
    with acting_as(User("t", "admin")):
        churn_base(url)
        engine = open_store(url)       # one call list downloaded: the Action list's export log
        record_export(engine, view="action_list", snapshot_date=None, file_format="csv",
                      row_count=10, identifiers_masked=False)
        engine.dispose()
    mp = pytest.MonkeyPatch()
    mp.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("views/churn.py").run()
    train = next(b for b in at.button if b.label.startswith("以 "))
    train.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # a call-back plan from the action list, so the Operations page shows a plan and its outcomes
    at.switch_page("views/operations.py").run()
    at.text_input[0].input("秋季关怀")
    next(b for b in at.button if b.label == t("ops_create", "zh")).click().run()
    assert not at.exception and at.success, [e.value for e in at.error]
    yield at
    mp.undo()


def open_page(at: AppTest, page: str, tab: tuple[str, str] | None = None) -> AppTest:
    at.switch_page(page)
    at.session_state["lang"] = "zh"
    if tab:
        at.session_state[tab[0]] = t(tab[1], "zh")
    at.run()
    assert not at.exception, at.exception
    return at


def walk(at: AppTest) -> dict[str, list[str]]:
    """Page (and tab) → texts a user reads there."""
    seen: dict[str, list[str]] = {}
    for page in PAGES:
        key, tabs = LAZY_TABS.get(page, (None, [None]))
        for tab in tabs:
            open_page(at, page, (key, tab) if tab else None)
            seen[f"{page} {tab or ''}".strip()] = visible_texts(at)
    return seen


@pytest.mark.slow
def test_no_english_string_on_any_chinese_page(zh_app, telco_file):
    pieces = forbidden()
    found = {where: problems(texts, pieces) for where, texts in walk(zh_app).items()}
    # the Data page with an upload: mapping editor, validation summary, plausibility checks
    at = open_page(zh_app, "views/data.py")
    at.file_uploader[0].set_value((telco_file.name, telco_file.read_bytes(), "text/csv")).run()
    assert not at.exception
    upload = pl.read_csv(telco_file, infer_schema=False)
    user_data = set(upload.columns) | {v for c in upload.columns for v in upload[c].unique().to_list() if v}
    found["views/data.py upload"] = problems(visible_texts(at), pieces, user_data)
    report = {where: sorted(set(hits)) for where, hits in found.items() if hits}
    assert not report, "\n".join(f"{where}: {hit}" for where, hits in report.items() for hit in hits)


@pytest.mark.slow
def test_the_walk_catches_an_english_string(zh_app, monkeypatch):
    """Put an English string back: the Overview's title in English on the Chinese page."""
    import lib.i18n

    pieces = forbidden()
    monkeypatch.setitem(lib.i18n.STRINGS, "page_overview", ("Overview", "Overview"))
    at = open_page(zh_app, "views/overview.py")
    hits = problems(visible_texts(at), pieces)
    assert ("Overview", "page_overview") in {(word, key) for word, key, _ in hits}
