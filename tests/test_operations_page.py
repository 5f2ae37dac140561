"""The Call-back plans page through Streamlit's AppTest on a small demo base."""
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive
from lib.operations.plans import list_plans, plan_members
from lib.ui.keys import Keys as SessionKeys
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import list_snapshots, write_snapshots
from lib.store import churn_scores, customers, read_frame
from lib.pipeline.migrations import open_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo_store(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    engine = open_store(url)
    rules = current_rules(engine)
    for frame in generate_snapshots(customers=300, snapshots=2, seed=6):
        write_snapshots(engine, derive(frame), rules=rules, source_name="demo", churn_window_months=1)
    engine.dispose()
    return url


def _score(url):
    """Scores for the latest snapshot written by hand (the churn page's training is tested
    elsewhere): every active customer, probabilities by id order."""
    engine = open_store(url)
    latest = list_snapshots(engine)["snapshot_date"].max()
    ids = read_frame(engine, sa.select(customers.c.customer_id).where(
        customers.c.snapshot_date == latest, customers.c.churned.is_not(True)).order_by(customers.c.customer_id))
    with engine.begin() as conn:
        conn.execute(sa.insert(churn_scores), [
            {"snapshot_date": latest, "customer_id": c, "model_id": 1, "churn_probability": 0.1 + 0.08 * (i % 10),
             "risk_decile": i % 10 + 1, "reasons": ""} for i, c in enumerate(ids["customer_id"].to_list())])
    engine.dispose()


def _page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/operations.py").run()
    assert not at.exception, at.exception
    return at


def _button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, [b.label for b in at.button]
    return found[0]


def test_create_a_plan_from_a_selection_and_see_it_listed(demo_store):
    at = _page()
    assert at.title[0].value == "Call-back plans"
    assert at.radio(key="ops_source").value == "selection"      # no churn scores yet
    at.radio(key="ops_source").set_value("action_list").run()
    assert "no churn scores yet" in at.info[0].value
    at.radio(key="ops_source").set_value("selection").run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Proposed hold-out" in labels and "Needed per arm" in labels
    assert any("too small" in w.value for w in at.warning)       # a few hundred customers
    at.text_input[0].input("Tier 5-6 care calls")
    submit = [b for b in at.button if b.label == "Create the plan"]
    assert submit
    submit[0].click().run()
    assert not at.exception, at.exception
    assert any("created as a draft" in s.value for s in at.success)
    engine = open_store(demo_store)
    with engine.connect() as conn:
        plans = list_plans(conn)
        members = plan_members(conn, int(plans["plan_id"][0]))
    engine.dispose()
    assert plans.height == 1 and plans["name"][0] == "Tier 5-6 care calls"
    assert members.filter(pl.col("arm") == "holdout").height == plans["holdout"][0] > 0
    # Listed, opened, identifiers shown to the (single-user) admin.
    tables = [d.value for d in at.dataframe]
    assert any("Tier 5-6 care calls" in t["Name"].to_list() for t in tables if "Name" in t.columns)
    assert any("Arm" in t.columns and set(t["Arm"]) == {"Contact", "Hold-out"} for t in tables)
    shown = next(t for t in tables if "Arm" in t.columns)
    holdout = shown[shown["Arm"] == "Hold-out"]
    assert not shown.isna().any().any() and set(holdout.iloc[:, -1]) == {"—"}   # no "None" cells
    # Start it: the status moves forward, the delete button goes.
    _button(at, "Start the plan").click().run()
    assert not at.exception
    assert "Delete draft" not in [b.label for b in at.button]
    assert any("now Active" in s.value for s in at.success)


def test_plan_from_the_action_list_handoff(demo_store):
    _score(demo_store)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.session_state[SessionKeys.FROM_ACTION_LIST] = {"bands": ["high", "medium"], "stages": []}
    at.switch_page("views/operations.py").run()
    assert not at.exception, at.exception
    assert at.radio(key="ops_source").value == "action_list"
    assert at.multiselect(key="ops_bands").value == ["high", "medium"]
    customers_metric = [m.value for m in at.metric if m.label == "Customers on the list"]
    assert customers_metric and int(customers_metric[0].replace(",", "")) > 0
    at.text_input[0].input("From the call list")
    [b for b in at.button if b.label == "Create the plan"][0].click().run()
    assert not at.exception, at.exception
    assert any("created as a draft" in s.value for s in at.success)


def test_viewer_sees_plans_but_no_create_form(demo_store, tmp_path, monkeypatch):
    from lib.auth import save_account

    users = tmp_path / "users.toml"
    save_account("vera", "viewer", "viewer pass", users)
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.text_input[0].input("vera")
    at.text_input[1].input("viewer pass")
    at.button[0].click().run()
    at.switch_page("views/operations.py").run()
    assert not at.exception
    at.radio(key="ops_source").set_value("selection").run()
    assert not at.exception
    assert "Proposed hold-out" in [m.label for m in at.metric]
    assert not [b for b in at.button if b.label == "Create the plan"]
    assert any("may view plans" in c.value for c in at.caption)


def test_the_action_list_button_opens_the_page_with_its_list(demo_store):
    _score(demo_store)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/action_list.py").run()
    assert not at.exception, at.exception
    _button(at, "Create a call-back plan from this list").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Call-back plans"
    assert at.radio(key="ops_source").value == "action_list"
    assert at.multiselect(key="ops_bands").value == ["high"]


def test_the_page_speaks_chinese(demo_store):
    from lib.ui import Keys

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/operations.py")
    at.session_state[Keys.LANG] = "zh"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "回访计划"
    assert "建议对照组人数" in [m.label for m in at.metric]
