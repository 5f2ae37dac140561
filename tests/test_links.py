"""Language, filters and page inputs in the address (lib.ui.links), through AppTest.

The base is the hand-made one of tests/factories.py (``two_snapshots``): snapshots S1 =
2026-09-30 and S2 = 2026-10-31, provinces 北京 and 广东. At S2, 广东 holds A (active) and B
(churned), so with province=广东 the Overview counts 1 active customer; at S1 both A and B are
active in 广东 (2). Those counts are read off the factory's rows, as tests/test_pages.py does.
"""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.pipeline.snapshots import write_snapshots
from lib.rules.versions import current_rules
from lib.pipeline.migrations import open_store
from lib.ui import Keys
from tests.factories import S1, two_snapshots

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def hand_store(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    engine = open_store(url)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=current_rules(engine), source_name="hand", churn_window_months=1)
    engine.dispose()
    return url


def opened(params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label.lstrip("⚠ ") == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def test_a_link_restores_language_snapshot_and_filters(hand_store):
    at = opened({"lang": "zh", "snapshot": S1.isoformat(), "province": "广东", "tier": ["4", "5"]})
    assert at.title[0].value == "概览"
    assert at.session_state[Keys.PROVINCES] == ["广东"]
    assert at.session_state[Keys.SNAPSHOT] == S1
    assert at.session_state[Keys.TIERS] == [4, 5]
    assert not at.warning or all("链接" not in w.value for w in at.warning)


def test_a_link_with_the_province_filter_shows_its_figures(hand_store):
    at = opened({"lang": "zh", "province": "广东"})
    assert metric(at, "在网客户数") == "1"            # A at S2 (B churned)
    at = opened({"lang": "en", "province": "广东", "snapshot": S1.isoformat()})
    assert metric(at, "Active customers") == "2"      # A and B at S1


def test_what_the_user_chooses_is_written_to_the_address(hand_store):
    at = opened({})
    assert at.query_params.get("lang") == "en"
    at.session_state[Keys.LANG] = "zh"
    at.session_state[Keys.PROVINCES] = ["广东"]
    at.session_state[Keys.SNAPSHOT] = S1
    at.run()
    assert at.query_params.get("lang") == "zh"
    assert at.query_params.get("province") == "广东"
    assert at.query_params.get("snapshot") == S1.isoformat()   # not the newest: pinned


def test_invalid_values_are_ignored_with_a_notice(hand_store):
    at = opened({"lang": "fr", "snapshot": "2020-01-01", "province": ["广东", "Atlantis"],
                 "tier": ["4", "9", "x"]})
    assert at.title[0].value == "Overview"               # fr unknown: the default language
    assert at.session_state[Keys.PROVINCES] == ["广东"]
    assert at.session_state[Keys.TIERS] == [4]
    notice = next(w.value for w in at.warning if "link" in w.value)
    for part in ("lang=fr", "snapshot=2020-01-01", "province=Atlantis", "tier=9", "tier=x"):
        assert part in notice.replace("\\", ""), notice
    assert metric(at, "Active customers") == "1"         # the newest snapshot, 广东 kept


def test_a_link_opens_the_segments_tab_and_metric(hand_store):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.query_params.update({"lang": "zh", "segments_tab": "seg_tab_geography", "seg_metric": "monthly_churn"})
    at.run()
    at.switch_page("views/segments.py").run()
    assert not at.exception
    assert at.session_state["segments_tab"] == "地域"
    assert at.selectbox(key="seg_metric").value == "monthly_churn"
    assert at.query_params.get("segments_tab") == "seg_tab_geography"


def test_the_workspace_is_in_the_address_and_an_unknown_one_is_ignored(hand_store):
    at = opened({})
    slug = at.session_state[Keys.WORKSPACE]
    assert slug and at.query_params.get("workspace") == slug
    at = opened({"workspace": slug, "lang": "zh"})
    assert at.session_state[Keys.WORKSPACE] == slug
    at = opened({"workspace": "no-such-workspace"})
    assert at.session_state[Keys.WORKSPACE] == slug                # the default one
    notice = next(w.value for w in at.warning if "link" in w.value)
    assert "workspace=no-such-workspace" in notice.replace("\\", "")
