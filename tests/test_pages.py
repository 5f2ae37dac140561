"""Overview and Data pages through Streamlit's AppTest, on the hand-made base and a telecom export."""
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from lib.rules.versions import current_rules
from lib.pipeline.snapshots import list_snapshots, write_snapshots
from lib.pipeline.migrations import open_store
from lib.ui import Keys
from tests.factories import S1, S2, two_snapshots
from tests.rendered import shown   # AppTest gives markdown source: data fields escaped

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store_url(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    return url


@pytest.fixture
def hand_store(store_url):
    engine = open_store(store_url)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=current_rules(engine), source_name="hand", churn_window_months=1)
    return store_url


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label.lstrip("⚠ ") == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def test_overview_shows_the_kpis_of_the_latest_snapshot(hand_store):
    at = app()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert metric(at, "Active customers") == "4"
    assert metric(at, "VIP retention this quarter") == "50.0%"
    assert metric(at, "Monthly churn rate") == "33.3%"
    labels = [m.label for m in at.metric]
    assert "⚠ Monthly churn rate" in labels          # misses its 2.5 % ceiling
    assert "Monthly churn rate" in at.warning[0].value


def test_overview_follows_the_sidebar(hand_store):
    at = app()
    at.sidebar.multiselect[0].set_value(["广东"]).run()
    assert metric(at, "Active customers") == "1"
    # AppTest (1.67) drops the entry script's sidebar from its tree after a rerun under
    # st.navigation, so later choices go through session state (the browser test clicks them).
    at.session_state[Keys.LANG] = "zh"
    at.session_state[Keys.PROVINCES] = ["广东"]
    at.run()
    assert at.title[0].value == "概览"
    assert metric(at, "在网客户数") == "1"           # the filter outlived the language switch
    at.session_state[Keys.SNAPSHOT] = S1
    at.session_state[Keys.PROVINCES] = ["广东"]
    at.session_state[Keys.LANG] = "zh"
    at.run()
    assert not at.exception
    assert metric(at, "在网客户数") == "2"           # A and B were both active in September


def test_overview_on_an_empty_store_points_to_the_data_page(store_url):
    at = app()
    assert not at.exception
    assert "Import a snapshot" in at.info[0].value


@pytest.mark.parametrize("page", ["segments", "offers", "lifecycle", "churn", "action_list",
                                  "operations", "uplift"])
def test_every_analysis_page_on_an_empty_store_says_so_and_links_to_data(store_url, page):
    at = app()
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception
    assert len(at.info) == 1 and at.info[0].value
    kinds = [type(e.proto).__name__ for e in at.main.children.values()]
    assert kinds == ["Heading", "Alert", "PageLink"], kinds   # title, message, link: stopped there
    assert at.main.children[2].proto.page == "data"


def test_what_is_stored_is_read_once_per_script_run(hand_store, monkeypatch):
    """Every cached computation is keyed on the stored snapshots; they are read once per run
    (a round trip per computation cost seconds per page on Spark)."""
    import lib.ui

    reads = []
    real = lib.ui._read_data_token
    monkeypatch.setattr(lib.ui, "_read_data_token", lambda: reads.append(1) or real())
    at = app()
    assert not at.exception and metric(at, "Active customers") == "4"
    assert len(reads) == 1
    at.switch_page("views/lifecycle.py").run()
    assert not at.exception and len(reads) == 2


def test_data_page_imports_the_telco_file(store_url, telco_file):
    # the file's rows and TRUE rows, counted with polars alone
    rows, churners = pl.read_csv(telco_file).select(pl.len(), pl.col("Churn").sum()).row(0)
    at = app()
    at.switch_page("views/data.py").run()
    assert not at.exception
    at.file_uploader[0].set_value((telco_file.name, telco_file.read_bytes(), "text/csv")).run()
    assert not at.exception
    assert metric(at, "Rows read") == f"{rows:,}"
    assert metric(at, "Rows accepted") == f"{rows:,}"
    # the file's churn flag means "ever left": its window is not known
    window_box(at).set_value("unknown").run()
    # "Account length" is read as days, its 99th percentile (about 190 days) as about 6 months,
    # under the 16-month floor: the page questions the unit and waits for the user to confirm (lib.ingest.plausibility).
    assert any("Account length (tenure_months) is read as days" in shown(w.value) for w in at.warning)
    next(c for c in at.checkbox if c.label.startswith("I have checked")).check().run()
    import_button(at).click().run()
    assert not at.exception
    assert any(f"Imported {rows:,} rows" in s.value for s in at.success)
    assert list_snapshots(open_store(store_url))["row_count"].to_list() == [rows]
    at.switch_page("views/overview.py").run()
    assert not at.exception
    assert metric(at, "Active customers") == f"{rows - churners:,}"   # the rows that say FALSE
    assert "Monthly churn rate" not in [m.label.lstrip("⚠ ") for m in at.metric]


# A tiny hand-built export: 8 customers of 24 months (no rule excludes any), c0-c2 churned.
TINY_CSV = ("customer_id,snapshot_date,tenure_months,churned,arpu\n" + "".join(
    f"c{i},2026-10-31,24,{'yes' if i < 3 else 'no'},{10 * (i + 1)}\n" for i in range(8))).encode()


def window_box(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Churn flag covers")


def import_button(at: AppTest):
    return next(b for b in at.button if b.label.startswith("Import"))


def upload_tiny(at: AppTest) -> None:
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value(("tiny.csv", TINY_CSV, "text/csv")).run()
    assert not at.exception
    assert metric(at, "Rows accepted") == "8"


def test_data_page_refuses_to_import_until_the_churn_window_is_answered(store_url):
    at = app()
    upload_tiny(at)
    assert window_box(at).value is None                       # no default window
    assert import_button(at).disabled
    assert any("Say over how many months the churn flag was observed" in w.value for w in at.warning)
    assert list_snapshots(open_store(store_url)).height == 0
    window_box(at).set_value("unknown").run()
    assert not import_button(at).disabled
    import_button(at).click().run()
    assert not at.exception
    assert any("Imported 8 rows" in s.value for s in at.success)
    assert list_snapshots(open_store(store_url))["churn_window_months"].to_list() == [None]


def test_overview_of_an_unknown_window_shows_the_churn_share_and_no_rate(store_url):
    at = app()
    upload_tiny(at)
    window_box(at).set_value("unknown").run()
    import_button(at).click().run()
    at.switch_page("views/overview.py").run()
    assert not at.exception
    # hand count: 3 churners of 8 customers
    assert metric(at, "Churn share (window unknown)") == "37.5%"
    assert "Monthly churn rate" not in [m.label.lstrip("⚠ ") for m in at.metric]
    assert metric(at, "Revenue at risk") == "–"
    assert any("churn flag's window of snapshot 2026-10-31 is unknown" in i.value for i in at.info)
    at.switch_page("views/segments.py").run()
    assert not at.exception
    assert any("no monthly churn rate or revenue at risk is shown" in i.value for i in at.info)
    at.switch_page("views/churn.py").run()
    assert not at.exception
    assert any("its window is unknown" in c.value for c in at.caption)
    assert next(b for b in at.button if b.label.startswith("Train and score")).disabled
    at.switch_page("views/offers.py").run()
    assert not at.exception
    assert any("no churn probability over the horizon" in e.value for e in at.error)


def test_overview_of_a_three_month_window_shows_the_monthly_rate(store_url):
    at = app()
    upload_tiny(at)
    window_box(at).set_value(3).run()
    import_button(at).click().run()
    at.switch_page("views/overview.py").run()
    assert not at.exception
    # (1 - r) ** 3 = 1 - 3/8 = 0.625 -> r = 1 - 0.854988 = 14.5 % a month (not 37.5 %, not 12.5 %)
    assert metric(at, "Monthly churn rate") == "14.5%"
    assert list_snapshots(open_store(store_url))["churn_window_months"].to_list() == [3]


def test_rules_edit_creates_a_version(hand_store):
    at = app()
    at.switch_page("views/data.py").run()
    at.number_input[0].set_value(45.0)
    submit = next(b for b in at.button if b.label == "Save as new rules version")
    submit.click().run()
    assert not at.exception
    assert any("Saved rules version 2" in s.value for s in at.success)


def test_delete_asks_to_confirm_then_deletes(hand_store):
    at = app()
    at.switch_page("views/data.py").run()
    pick = next(s for s in at.selectbox if s.label == "Snapshot to delete")
    pick.set_value(pick.options[-1]).run()          # the oldest, 2026-09-30
    next(b for b in at.button if b.label == "Delete…").click().run()
    assert "Delete snapshot 2026-09-30 and its 6 rows?" in at.warning[0].value
    assert list_snapshots(open_store(hand_store)).height == 2   # nothing yet
    next(b for b in at.button if b.label == "Yes, delete").click().run()
    assert not at.exception
    assert list_snapshots(open_store(hand_store))["snapshot_date"].to_list() == [S2]


def test_a_bad_upload_gets_a_message_and_changes_nothing(hand_store):
    at = app()
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value(("junk.csv", b"\x00\x01\x02\xff" * 100, "text/csv")).run()
    assert not at.exception
    assert at.error and "junk.csv" in shown(at.error[0].value)
    assert list_snapshots(open_store(hand_store))["row_count"].to_list() == [6, 6]


@pytest.mark.parametrize("page", ["views/action_list.py", "views/churn.py", "views/lifecycle.py",
                                  "views/offers.py", "views/operations.py", "views/uplift.py"])
def test_a_page_whose_set_up_fails_shows_the_message_and_stops(hand_store, monkeypatch, page):
    """The later sections of these pages use what the first one sets up (filters, rules, tabs):
    a failure there must stop the page with its message, not run on into a NameError."""
    from lib import ui
    from lib.rules import RulesError

    def broken_rules():
        raise RulesError("rules_bad_usage_columns", key="lifecycle.usage_columns", allowed="sms")

    monkeypatch.setattr(ui, "rules", broken_rules)
    at = app()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    # once from the sidebar (it shows the rules version), once where the page stopped
    assert {shown(e.value) for e in at.error} == {"'lifecycle.usage_columns' must list usage columns among: sms."}


def test_a_viewers_data_page_upload_is_refused_before_reading(hand_store, tmp_path, monkeypatch):
    import lib.ui
    from lib.auth import User, save_account

    users = tmp_path / "users.toml"
    save_account("vera", "viewer", "vera password", users)
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    calls = []

    def read(*args, **kwargs):
        calls.append(args)
        raise AssertionError("the file was read")

    monkeypatch.setattr(lib.ui, "read_table_isolated", read)
    monkeypatch.setattr(lib.ui, "sheet_names", read)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state[Keys.USER] = User("vera", "viewer")
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    assert at.file_uploader[0].disabled and "Needs the analyst role" in at.file_uploader[0].help
    # A forged message can deliver a file to a disabled uploader; AppTest will not, so the page
    # is made to believe she may import: the acting user is still the viewer, and lib refuses.
    monkeypatch.setattr(lib.ui, "user", lambda: User("vera", "admin"))
    at.run()
    assert not at.file_uploader[0].disabled
    at.file_uploader[0].set_value(("tiny.csv", TINY_CSV, "text/csv")).run()
    assert not at.exception, at.exception
    assert calls == []
    assert any("vera (viewer) may not do this (import)" in shown(e.value) for e in at.error)
    assert not any(m.label == "Rows accepted" for m in at.metric)
    assert list_snapshots(open_store(hand_store))["row_count"].to_list() == [6, 6]
