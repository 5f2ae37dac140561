"""The Uplift view through AppTest on a demo base, in both languages: the refusal explained
with its numbers, and a presented model's curves, deciles and sleeping dogs."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.demo.seed import seed_demo
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.ui import Keys
from lib.pipeline.migrations import open_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('uplift_page')}/demo.duckdb"
    engine = open_store(url)
    seed_demo(engine, customers=30000, snapshots=12, seed=5)
    engine.dispose()
    return url


def _page(url: str, monkeypatch, lang: str = "en") -> AppTest:
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.session_state[Keys.LANG] = lang
    at.run()
    at.switch_page("views/uplift.py").run()
    assert not at.exception
    return at


def test_a_refused_model_is_explained_in_both_languages_with_no_roi_figures(demo_url, monkeypatch):
    """With the minimum per arm raised above the demo campaign's (an analyst's rules change),
    the model is refused with its numbers, and the side-by-side ROI says why it shows none."""
    engine = open_store(demo_url)
    rules = current_rules(engine)
    save_rules(engine, rules.text.replace("min_arm_customers = 200", "min_arm_customers = 900000"),
               note="uplift page test")
    engine.dispose()
    try:
        at = _page(demo_url, monkeypatch)
        assert at.title[0].value == "Uplift"
        assert at.selectbox[0].value == "OFFER_BONUS_50"
        warning = at.warning[0].value
        assert "refused" in warning and "control" in warning and "900000" in warning
        assert any("BONUS" in c.value and "treated" in c.value for c in at.caption)
        assert any("model is refused" in i.value for i in at.info)
        assert not at.get("plotly_chart")
        at.session_state[Keys.LANG] = "zh"
        at.run()
        assert not at.exception
        assert at.title[0].value == "增量效果" and "对照组" in at.warning[0].value
        assert any("模型被拒绝" in i.value for i in at.info)
    finally:
        engine = open_store(demo_url)
        save_rules(engine, rules.text, note="restore")
        engine.dispose()


def test_the_demo_model_is_presented_with_curves_deciles_and_the_roi_comparison(demo_url, monkeypatch):
    """Under the shipped rules the demo campaign (half the base, 50/50) gives a model the page
    presents: curves, deciles, the sleeping dogs' verdict, and risk against uplift targeting
    for one budget (a chart and a two-row table)."""
    for lang, qini, deciles, net in (("en", "Qini coefficient, uplift ranking", "Decile", "Net value"),
                                     ("zh", "Qini 系数（按增量排序）", "十分位", "净价值")):
        at = _page(demo_url, monkeypatch, lang)
        assert not at.warning
        assert qini in [m.label for m in at.metric]
        assert len(at.get("plotly_chart")) == 3
        table = at.dataframe[0].value
        assert deciles in table.columns and len(table) == 10
        assert (at.info or at.error)      # the sleeping dogs' verdict
        roi = at.dataframe[1].value
        assert net in roi.columns and len(roi) == 2
