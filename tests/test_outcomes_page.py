"""The outcomes section of the Call-back plans page and the plan as a calibration source on
Offers ROI, through Streamlit's AppTest on the hand-made plan of tests/factories.operations_base."""
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.operations.outcomes import record_outcomes, rows_table
from lib.store import plan_outcomes, read_frame
from lib.pipeline.migrations import open_store
from tests.factories import operations_base
from tests.test_outcomes import GOOD, TODAY
from tests.rendered import shown   # AppTest gives markdown source: data fields escaped

ROOT = Path(__file__).resolve().parents[1]


def offer_name(offer_id: str) -> str:
    from lib.offers.roi import DEFAULT_CATALOGUE_PATH, parse_catalogue

    return next(o.name_en for o in parse_catalogue(DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8"))
                if o.id == offer_id)


@pytest.fixture
def ops_store(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    plan_id = operations_base(url)
    engine = open_store(url)
    record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY)
    engine.dispose()
    return url, plan_id


def _page(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def test_plan_page_shows_measured_results_and_records_a_result_file(ops_store):
    url, plan_id = ops_store
    at = _page("views/operations.py")
    assert not at.error, [e.value for e in at.error]
    assert _metric(at, "Service reach rate") == "83.3%"
    assert _metric(at, "Churn reduction (hold-out − contacted)") == "+16.7 pp"
    assert _metric(at, "Cost per save") == "¥57.0"   # in the rules' currency
    assert len(at.get("plotly_chart")) >= 2                      # reach vs target, churn by arm
    take_up = next(d.value for d in at.dataframe if "take_up_reached" in d.value.columns)
    offers = dict(zip(take_up["offer_id"], take_up["take_up"]))          # shown by catalogue name
    assert offers[offer_name("care_call")] == pytest.approx(2 / 3)      # T1, T3 of T1-T3 accepted

    text = "用户号码,回访结果,日期\nT6,已接通,2026-09-10\nX1,已接通,2026-09-10\n".encode()
    at.file_uploader[0].set_value(("结果.csv", text, "text/csv")).run()
    assert not at.exception, at.exception
    assert _metric(at, "Rows to record") == "1" and _metric(at, "Rows rejected") == "1"
    record = next(b for b in at.button if b.label == "Record 1 outcomes")
    record.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("1 outcomes recorded" in s.value for s in at.success)
    stored = read_frame(open_store(url), sa.select(plan_outcomes.c.customer_id, plan_outcomes.c.source)
                        .where(plan_outcomes.c.customer_id == "T6"))
    assert stored.rows() == [("T6", "file")]


def test_offers_page_offers_the_plan_as_a_calibration_source(ops_store):
    from lib.rules import edit_rules_text
    from lib.rules.versions import current_rules
    from lib.pipeline.regrade import save_rules

    url, plan_id = ops_store
    at = _page("views/offers.py")
    source = next(r for r in at.radio if r.label == "Calibrate from")
    assert shown(source.options[1]) == f"Call-back plan #{plan_id} Autumn care"   # radio options are markdown
    source.set_value(plan_id).run()
    assert not at.exception, at.exception
    # the hand-made plan has 4 hold-out customers: refused with the reason, nothing to use
    reasons = next(d.value for d in at.dataframe if "refusal" in d.value.columns)["refusal"].tolist()
    assert "control group of 4 customers, fewer than 30" in reasons
    assert any("large enough to calibrate from" in w.value for w in at.warning)
    assert not any(b.label.startswith("Use") for b in at.button)

    engine = open_store(url)   # an analyst lowers the minimum to one customer per group
    save_rules(engine, edit_rules_text(current_rules(engine).text,
                                       {"operations.calibration_min_arm_customers": 1}))
    engine.dispose()
    at = _page("views/offers.py")
    next(r for r in at.radio if r.label == "Calibrate from").set_value(plan_id).run()
    pick = next(s for s in at.selectbox if s.label.startswith("Campaign") or "offer" in s.label.lower()
                and "care_call" in (s.options or []))
    assert "care_call" in pick.options
    next(b for b in at.button if b.label.startswith("Use")).click().run()
    assert not at.exception, at.exception
    info = [i.value for i in at.info]
    assert any(f"#{plan_id} Autumn care" in i for i in info), info
    # 2/4 − 1/3 over 4 and 3 customers: the effect's 90 % interval reaches below 0, clipped
    assert any("90.0% intervals" in i and "clipped to 0–100 %" in i for i in info), info


def test_overview_shows_reach_against_target_and_the_latest_result(ops_store):
    """Hand-worked on tests/factories.operations_base: 5 of 6 treated reached (83.3 %, under
    the 85 % target: flagged, -1.7 pp), churn 2/4 hold-out vs 1/3 contacted (+16.7 pp)."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    reach = next(m for m in at.metric if m.label.endswith("Service reach rate"))
    assert reach.label.startswith("⚠") and reach.value == "83.3%"
    assert _metric(at, "Churn reduction (hold-out − contacted)") == "+16.7 pp"
    assert _metric(at, "Cost per save") == "¥57.0"   # in the rules' currency
    assert any("Autumn care" in c.value for c in at.caption)


def test_overview_has_no_operations_section_without_a_plan(tmp_path, monkeypatch):
    from tests.factories import churn_base

    monkeypatch.setenv("RETENTION_DB_URL", churn_base(f"duckdb:///{tmp_path}/plain.duckdb"))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception and not at.error
    assert all("reach rate" not in m.label for m in at.metric)


def _signed_in(tmp_path, monkeypatch, name: str, role: str) -> AppTest:
    """The app with an accounts file holding ``name`` as ``role``, that user's session already
    signed in (the login form itself is tested in tests/test_auth.py)."""
    from lib.auth import User, save_account
    from lib.ui import Keys

    users = tmp_path / "users.toml"
    save_account(name, role, f"{name} password", users)
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state[Keys.USER] = User(name, role)
    at.run()
    at.switch_page("views/operations.py").run()
    assert not at.exception, at.exception
    return at


GUESSES = "customer_id,outcome,date\nH1,已接通,2026-09-10\nX1,已接通,2026-09-10\n13912345678,已接通,2026-09-10\n"


def test_a_viewers_outcome_upload_is_refused_before_reading(ops_store, tmp_path, monkeypatch):
    import lib.ui

    calls = []

    def read(*args, **kwargs):
        calls.append(args)
        raise AssertionError("the file was read")

    monkeypatch.setattr(lib.ui, "read_table_isolated", read)
    monkeypatch.setattr(lib.ui, "sheet_names", read)
    at = _signed_in(tmp_path, monkeypatch, "vera", "viewer")
    uploader = at.file_uploader[0]
    assert uploader.disabled and "analyst or admin" in uploader.help
    # A forged message can deliver a file to a disabled uploader; AppTest will not, so the
    # page's courtesy is switched off instead: the refusal must come from lib (lib.ui).
    import views.operations_outcomes

    monkeypatch.setattr(views.operations_outcomes, "_can_record", lambda: True)
    at.run()
    assert not at.file_uploader[0].disabled
    at.file_uploader[0].set_value(("guesses.csv", GUESSES.encode(), "text/csv")).run()
    assert not at.exception, at.exception
    assert calls == []
    assert any("vera (viewer) may not do this (run_operations)" in shown(e.value) for e in at.error)
    assert not any(m.label == "Rows to record" for m in at.metric)
    tables = " ".join(str(d.value.to_dict()) for d in at.dataframe)
    assert "13912345678" not in tables and "not on the plan" not in tables


def test_an_analyst_sees_the_check_table_with_identifiers(ops_store, tmp_path, monkeypatch):
    at = _signed_in(tmp_path, monkeypatch, "ann", "analyst")
    assert not at.file_uploader[0].disabled
    at.file_uploader[0].set_value(("guesses.csv", GUESSES.encode(), "text/csv")).run()
    assert not at.exception, at.exception
    assert _metric(at, "Rows rejected") == "3"
    report = next(d.value for d in at.dataframe if "value" in d.value.columns)
    assert report["value"].tolist() == ["H1", "X1", "13912345678"]       # in full: she may see them
