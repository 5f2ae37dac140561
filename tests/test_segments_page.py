"""The Segments page through AppTest: every view on a small demo base, and on an imported telecom
export with the BigML churn file's shape (tests/data/telco_churn.csv: US states: no tile
layout; no usage columns: no clusters)."""
import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.auth import User, acting_as
from lib.ingest.importer import import_file
from lib.demo.seed import seed_demo
from lib.pipeline.migrations import open_store
from lib.ui import Keys

ROOT = Path(__file__).resolve().parents[1]
TABS = {"value": "Value", "rfm": "RFM", "clusters": "Behaviour", "geography": "Geography",
        "migration": "Tier migration"}


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('seg')}/demo.duckdb"
    engine = open_store(url)
    with acting_as(User("test", "admin")):          # module scope: outside conftest's actor
        seed_demo(engine, customers=3000, snapshots=3)
    engine.dispose()
    return url


def page(monkeypatch, url: str, tab: str, lang: str = "en") -> AppTest:
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/segments.py")
    at.session_state[Keys.LANG] = lang
    at.session_state["segments_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def downloads(at: AppTest) -> int:
    return len(at.get("download_button"))


@pytest.mark.parametrize("tab", list(TABS))
def test_every_view_renders_on_the_demo_base(demo_url, monkeypatch, tab):
    at = page(monkeypatch, demo_url, TABS[tab])
    assert at.title[0].value == "Segments"
    assert charts(at) >= 1 and downloads(at) >= 1
    if tab == "rfm":     # on the demo every score separates customers (tests/test_demo.py)
        assert not any("does not separate" in i.value for i in at.info)


def test_value_view_reads_the_concentration(demo_url, monkeypatch):
    at = page(monkeypatch, demo_url, "Value")
    assert any("of active customers bring" in c.value for c in at.caption)
    at.slider(key="seg_top_share").set_value(0.5).run()
    assert any("The top 50.0% of active customers" in c.value for c in at.caption)


def test_clusters_follow_a_chosen_k(demo_url, monkeypatch):
    at = page(monkeypatch, demo_url, "Behaviour")
    at.selectbox(key="seg_k").set_value(3).run()
    assert not at.exception
    assert any("k = 3 (chosen)" in c.value for c in at.caption)


def test_geography_drills_down_to_districts(demo_url, monkeypatch):
    at = page(monkeypatch, demo_url, "Geography")
    drill = at.selectbox(key="seg_drill_province")
    # options read as the sidebar names them: "广东 (Guangdong)" in English (data/province_tiles.csv)
    assert drill.options[0].startswith(drill.value + " (")
    city = at.selectbox(key="seg_drill_city")
    city.set_value(city.options[1]).run()
    assert not at.exception and len(at.dataframe) >= 2


def test_chinese_page(demo_url, monkeypatch):
    at = page(monkeypatch, demo_url, "星级迁移", lang="zh")
    assert at.title[0].value == "客户细分"
    assert any("降级预警名单" in h.value for h in at.subheader)


@pytest.fixture(scope="module")
def telco_url(tmp_path_factory, telco_file):
    url = f"duckdb:///{tmp_path_factory.mktemp('telco')}/telco.duckdb"
    engine = open_store(url)
    with acting_as(User("test", "admin")):
        import_file(engine, telco_file.read_bytes(), telco_file.name, snapshot_date=dt.date(2026, 10, 31), churn_window_months=1)
    engine.dispose()
    return url


@pytest.mark.parametrize("tab", list(TABS))
def test_every_view_on_the_telco_file(telco_url, monkeypatch, tab):
    at = page(monkeypatch, telco_url, TABS[tab])
    text = " ".join(i.value for i in at.info) + " ".join(c.value for c in at.caption)
    if tab == "clusters":
        assert "need at least two usage columns" in text
    elif tab == "geography":
        assert "no tile layout" in text and charts(at) == 1
    elif tab == "migration":
        assert "needs an earlier snapshot" in text
    elif tab == "rfm":
        # the file has one month of charges (their sum is spend_m1, no m2..m6): everyone spent
        # in the latest month (0 months → recency 5) and in one month of six (all tied: F 5)
        assert "Recency does not separate these customers: 100% of them have score 5" in text
        assert "Frequency does not separate these customers: 100% of them have score 5" in text
        assert "Monetary does not separate" not in text
        assert charts(at) >= 1
    else:
        assert charts(at) >= 1


@pytest.mark.parametrize("tab", list(TABS))
def test_views_follow_the_sidebar_filters(demo_url, monkeypatch, tab):
    at = page(monkeypatch, demo_url, TABS[tab])
    at.session_state[Keys.PROVINCES] = ["广东"]
    at.session_state[Keys.TIERS] = [6]
    at.session_state["segments_tab"] = TABS[tab]
    at.run()
    assert not at.exception and not at.error
    if tab == "geography":
        areas = at.dataframe[0].value.iloc[:, 1].tolist()
        assert areas == ["广东 (Guangdong)"]   # the English name from data/province_tiles.csv
