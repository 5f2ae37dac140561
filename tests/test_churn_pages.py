"""Churn risk and Action list pages through AppTest on a small demo base."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.rules.versions import current_rules
from lib.pipeline.migrations import open_store
from lib.ui import Keys
from tests.factories import churn_base as seeded

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store_url(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    return url


def churn_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.run()
    at.switch_page("views/churn.py").run()
    return at


def test_train_then_act_on_the_call_list(store_url):
    seeded(store_url)
    at = churn_page()
    assert not at.exception
    assert at.title[0].value == "Churn risk"
    assert "No churn model has been trained" in at.info[0].value
    at.switch_page("views/action_list.py").run()
    assert "has no churn scores yet" in at.info[0].value
    at.switch_page("views/churn.py").run()
    next(b for b in at.button if b.label.startswith("Train and score")).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "beats its baseline" in at.success[0].value
    comparison = at.dataframe[0].value
    assert list(comparison.columns) == ["Metric", "Gradient boosting", "Logistic baseline"]
    assert comparison.iloc[0, 0] == "ROC AUC"
    labels = [m.label for m in at.metric]
    assert "Revenue at risk, 12 months" in labels
    at.select_slider[0].set_value(6).run()                      # a shorter horizon
    assert "Revenue at risk, 6 months" in [m.label for m in at.metric]
    assert len(at.get("plotly_chart")) == 6
    assert any("Model card" in e.label for e in at.expander)

    at.switch_page("views/action_list.py").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert 0 < len(table) <= 500
    # what to do, with which offer, by whom: right after who (no scrolling to reach them)
    assert list(table.columns[:6]) == ["Customer", "Tier", "Risk", "Recommended action", "Offer",
                                       "Account manager"]
    assert "Expected monthly loss (CNY)" in table.columns     # exports say their currency
    styled = at.dataframe[0].proto.arrow_data.styler
    assert "¥".encode() in styled.display_values and b"None" not in styled.display_values
    assert not table["Customer"].str.contains(r"\*").any()      # single-user mode: an admin
    # (masking for roles without see_identifiers: tests/test_churn_actions.py and test_auth.py)
    assert set(table["Risk"]) == {"High"}
    assert table["Account manager"].notna().any()
    assert any("identifiers in full" in c.value for c in at.caption)
    at.multiselect[0].set_value(["high", "medium"]).run()
    assert set(at.dataframe[0].value["Risk"]) <= {"High", "Medium"}

    at.session_state[Keys.LANG] = "zh"
    at.run()
    assert not at.exception
    assert at.title[0].value == "预警名单"
    assert "客户经理" in at.dataframe[0].value.columns


def test_a_refused_model_is_not_presented(store_url):
    seeded(store_url, **{"churn_model.min_train_churners": 1_000_000})
    at = churn_page()
    next(b for b in at.button if b.label.startswith("Train and score")).click().run()
    assert not at.exception
    assert "is not presented" in at.error[0].value and "too few churners" in at.error[0].value
    assert len(at.get("plotly_chart")) == 0                     # no charts, no scores
    assert at.dataframe[0].value.shape[0] == 6                   # the comparison, for the record
    at.switch_page("views/action_list.py").run()
    assert "has no churn scores yet" in at.info[0].value


def test_an_offers_plan_is_handed_to_the_action_list(store_url):
    from lib.churn.scores import train_and_score
    from lib.pipeline.snapshots import stored_dates

    seeded(store_url)
    engine = open_store(store_url)
    model_id, card = train_and_score(engine, stored_dates(engine)[-1], current_rules(engine))
    assert card.accepted
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.run()
    at.switch_page("views/offers.py").run()
    assert "newest churn model" in at.caption[0].value
    send = next(b for b in at.button if b.label == "Send the plan's customers to the Action list")
    send.click().run()
    assert not at.exception
    assert any("Offers ROI plan" in i.value for i in at.info)
    assert len(at.dataframe[0].value) > 0
