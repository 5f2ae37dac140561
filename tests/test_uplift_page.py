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


def test_a_small_campaign_is_refused_with_its_numbers_in_both_languages(demo_url, monkeypatch):
    at = _page(demo_url, monkeypatch)
    assert at.title[0].value == "Uplift"
    assert at.selectbox[0].value == "OFFER_BONUS_50"
    warning = at.warning[0].value
    assert "refused" in warning and "control" in warning and "200" in warning
    assert any("BONUS" in c.value and "treated" in c.value for c in at.caption)
    at.session_state[Keys.LANG] = "zh"
    at.run()
    assert not at.exception
    assert at.title[0].value == "增量效果" and "对照组" in at.warning[0].value


def test_a_presented_model_shows_curves_deciles_and_sleeping_dogs(demo_url, monkeypatch):
    """With the minimums lowered to the campaign's size (as an analyst could on the Data page's
    rules), the demo campaign's model is presented."""
    engine = open_store(demo_url)
    rules = current_rules(engine)
    save_rules(engine, rules.text.replace("min_arm_customers = 200", "min_arm_customers = 10")
               .replace("min_arm_churners = 20", "min_arm_churners = 5")
               .replace("max_p_value = 0.05", "max_p_value = 0.5"), note="uplift page test")
    engine.dispose()
    try:
        for lang, qini, deciles in (("en", "Qini coefficient, uplift ranking", "Decile"),
                                    ("zh", "Qini 系数（按增量排序）", "十分位")):
            at = _page(demo_url, monkeypatch, lang)
            assert not at.warning
            assert qini in [m.label for m in at.metric]
            assert len(at.get("plotly_chart")) == 2
            table = at.dataframe[0].value
            assert deciles in table.columns and len(table) == 10
            assert (at.info or at.error)      # the sleeping dogs' verdict
    finally:
        engine = open_store(demo_url)
        save_rules(engine, rules.text, note="restore")
        engine.dispose()
