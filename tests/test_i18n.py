"""Every user-facing string exists in both languages, and every key the code asks for exists."""
import re
from pathlib import Path

import pytest

from lib.i18n import STRINGS, t

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*ROOT.glob("lib/**/*.py"), *ROOT.glob("views/*.py"), ROOT / "dashboard.py"]


def test_every_string_has_english_and_chinese():
    for key, (english, chinese) in STRINGS.items():
        assert english.strip() and chinese.strip(), key
        assert set(re.findall(r"{(\w+)", english)) == set(re.findall(r"{(\w+)", chinese)), key


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_literal_key_used_exists(path):
    text = path.read_text(encoding="utf-8")
    used = set(re.findall(r"\bt\(\s*\"([a-z0-9_]+)\"", text))
    missing = sorted(used - STRINGS.keys())
    assert not missing, missing


def test_kpi_help_texts_exist():
    from lib.overview.kpis import Overview  # noqa: F401 - the keys below are the KPIs' own

    for key in [k for k in STRINGS if k.startswith("kpi_") and not k.endswith("_help")]:
        if key in {"kpi_target_min", "kpi_target_max", "kpi_on_target", "kpi_missed"}:
            continue
        assert key + "_help" in STRINGS, key


def test_fields_fill_in_both_languages():
    assert t("data_imported", "zh", rows=1200, dates="2026-10-31", version=2).startswith("已导入 1,200 行")


def test_error_codes_raised_by_lib_exist():
    pattern = re.compile(r"(?:IngestError|StoreError|RulesError)\(\s*\"([a-z0-9_]+)\"(?:[^)]*?\"(ingest_hint_[a-z0-9_]+)\")?")
    for path in SOURCES:
        for code, hint in pattern.findall(path.read_text(encoding="utf-8")):
            assert code in STRINGS, (path.name, code)
            assert not hint or hint in STRINGS, (path.name, hint)


def test_app_strings_name_no_command_line_flag():
    """The app names its own controls; only the command line's strings (``cli_*`` keys and the
    ``*_cli`` siblings used under ``surface("cli")``) spell flags such as ``--replace``."""
    import re

    from lib.i18n import CLI_SUFFIX, STRINGS, surface, t_text

    flag = re.compile(r"(?<![\w-])--[a-z]")
    for key, (english, chinese) in STRINGS.items():
        if key.startswith("cli_") or key.endswith(CLI_SUFFIX):
            continue
        assert not flag.search(english) and not flag.search(chinese), key
    siblings = [k for k in STRINGS if k.endswith(CLI_SUFFIX)]
    assert siblings
    for key in siblings:
        assert key.removesuffix(CLI_SUFFIX) in STRINGS, key
    # the same key, two surfaces
    assert "--replace" not in t_text("store_snapshot_exists", "en", dates="2026-10-31")
    with surface("cli"):
        assert "--replace" in t_text("store_snapshot_exists", "en", dates="2026-10-31")
        assert "--replace" in t_text("store_snapshot_exists", "zh", dates="2026-10-31")


def test_every_contract_field_has_a_chinese_meaning():
    import re

    from lib.i18n.mapping import FIELD_DOCS_ZH
    from lib.store.schema import CONTRACT_COLUMNS

    assert set(FIELD_DOCS_ZH) == set(CONTRACT_COLUMNS)
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in FIELD_DOCS_ZH.values())
