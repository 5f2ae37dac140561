"""Workspaces in the app (AppTest): an import while the demo is chosen starts the user's own
workspace, the switcher and the demo badge, removing the demo, the repeated-base question.
Expected figures are counted from the files with polars or from the stores in plain SQL."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib import workspaces as ws
from lib.demo.seed import seed_demo
from lib.ingest.importer import check_file, store_validated
from lib.pipeline.migrations import open_store
from lib.ui import Keys
from tests.rendered import shown

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo_home(tmp_path, monkeypatch):
    """A DuckDB deployment whose configured store holds a small demo (as `make run` seeds it)."""
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    monkeypatch.delenv(ws.REGISTRY_ENV, raising=False)
    seed_demo(open_store(url), customers=300, snapshots=2)
    return tmp_path


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label.lstrip("⚠ ") == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def plain_count(path: Path, query: str) -> int:
    bare = sa.create_engine(f"duckdb:///{path}", poolclass=sa.pool.NullPool)
    with bare.connect() as conn:
        return conn.execute(sa.text(query)).scalar_one()


def upload_telco(at: AppTest, telco_file: Path) -> None:
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value((telco_file.name, telco_file.read_bytes(), "text/csv")).run()
    assert not at.exception
    next(s for s in at.selectbox if s.label == "Churn flag covers").set_value("unknown").run()
    next(c for c in at.checkbox if c.label.startswith("I have checked")).check().run()


def import_button(at: AppTest):
    return next(b for b in at.button if b.label.startswith("Import"))


def test_an_import_while_in_the_demo_starts_its_own_workspace(demo_home, telco_file):
    # the file's customers who have not churned, counted with polars alone
    rows, churners = pl.read_csv(telco_file).select(pl.len(), pl.col("Churn").sum()).row(0)
    at = app()
    assert not at.exception
    assert ":orange-badge[:material/science: Demo]" in markdown_text(at)   # badge on the page
    demo_metrics = {m.label: m.value for m in at.metric}
    assert demo_metrics
    upload_telco(at, telco_file)
    target = next(r for r in at.radio if r.label == "This file goes to")
    assert target.value == "new"                                   # your own workspace by default
    assert next(t for t in at.text_input if t.label == "Name of the new workspace").value == "My data"
    import_button(at).click().run()
    assert not at.exception
    assert any(f"Imported {rows:,} rows" in s.value for s in at.success)   # shown after the rerun
    assert any("Workspace My data is now selected" in i.value for i in at.info)
    assert at.session_state[Keys.WORKSPACE] == "my-data"
    own = demo_home / "workspaces" / "my-data.duckdb"
    assert plain_count(own, "SELECT count(*) FROM customers") == rows
    at.switch_page("views/overview.py").run()
    assert not at.exception
    assert ":orange-badge" not in markdown_text(at)
    assert metric(at, "Active customers") == f"{rows - churners:,}"
    # the demo's store and figures are as they were
    assert plain_count(demo_home / "app.duckdb", "SELECT count(*) FROM customers "
                       "WHERE snapshot_date NOT IN (SELECT snapshot_date FROM snapshots "
                       "WHERE source_name = 'demo')") == 0
    at.session_state[Keys.WORKSPACE] = ws.MAIN_SLUG
    at.run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == demo_metrics


def test_the_switcher_lists_the_workspaces_and_labels_the_demo(demo_home):
    ws.create_workspace("Shop")
    at = app()
    switcher = next(s for s in at.sidebar.selectbox if s.label == "Workspace")
    assert switcher.options == ["Shop", "Demo"] or switcher.options == ["Demo", "Shop"]
    assert switcher.value == "shop"                           # the newest own workspace first
    assert ":orange-badge" not in markdown_text(at)
    at.session_state[Keys.WORKSPACE] = ws.MAIN_SLUG
    at.session_state[Keys.LANG] = "zh"
    at.run()
    assert not at.exception
    assert ":orange-badge[:material/science: 演示]" in markdown_text(at)
    at.switch_page("views/lifecycle.py").run()                # the choice outlives the page
    assert not at.exception and at.session_state[Keys.WORKSPACE] == ws.MAIN_SLUG
    assert ":orange-badge[:material/science: 演示]" in markdown_text(at)


def test_removing_the_demo_is_one_confirmed_action_with_its_message(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_DB_URL", f"duckdb:///{tmp_path}/app.duckdb")
    demo_file = tmp_path / "demo.duckdb"
    seed_demo(open_store(f"duckdb:///{demo_file}"), customers=300, snapshots=2)
    ws.register_demo(f"duckdb:///{demo_file}", "Demo")
    rows = plain_count(demo_file, "SELECT count(*) FROM customers")
    at = app()
    at.session_state[Keys.WORKSPACE] = ws.DEMO_SLUG
    at.switch_page("views/data.py").run()
    assert not at.exception
    next(b for b in at.button if b.label == "Remove the demo…").click().run()
    assert any("Remove the demo workspace and everything stored in it (2 snapshots" in w.value
               for w in at.warning)
    assert demo_file.exists()                                   # nothing yet
    next(b for b in at.button if b.label == "Yes, remove the demo").click().run()
    assert not at.exception
    assert any(f"Removed the demo workspace ({rows:,} customer rows)." in s.value for s in at.success)
    assert not demo_file.exists()
    assert [w.slug for w in ws.list_workspaces()] == [ws.MAIN_SLUG]
    assert at.session_state[Keys.WORKSPACE] == ws.MAIN_SLUG
    at.run()                                                    # shown once, then gone
    assert not any("Removed the demo" in s.value for s in at.success)


def test_the_data_page_asks_whether_a_repeated_base_is_a_new_month(tmp_path, monkeypatch, telco_file):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    # the page's default snapshot date is the end of last month: store the file a month before
    page_date = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    earlier = page_date.replace(day=1) - dt.timedelta(days=1)
    validation = check_file(telco_file.read_bytes(), telco_file.name, snapshot_date=earlier)
    store_validated(open_store(url), validation, telco_file.name, snapshot_date=earlier,
                    churn_window_months=None)
    at = app()
    upload_telco(at, telco_file)
    # the same rows again: by hand 100 % of ids, 100 % unchanged tenure, 100 % churners again
    assert any(f"looks like snapshot {earlier} again: 100% of its customer ids" in shown(w.value)
               and "100% of those with an unchanged tenure" in shown(w.value) for w in at.warning)
    assert import_button(at).disabled
    next(c for c in at.checkbox if c.label == "Yes, it is a new month: import it").check().run()
    assert not import_button(at).disabled
    import_button(at).click().run()
    assert not at.exception
    assert plain_count(tmp_path / "app.duckdb", "SELECT count(DISTINCT snapshot_date) FROM customers") == 2


def test_a_deleted_snapshot_says_so_after_the_rerun(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    tiny = b"customer_id,tenure_months,churned,arpu\nc1,10,no,50\nc2,12,yes,60\n"
    date = dt.date(2024, 1, 31)
    store_validated(open_store(url), check_file(tiny, "t.csv", snapshot_date=date), "t.csv",
                    snapshot_date=date, churn_window_months=1)
    at = app()
    at.switch_page("views/data.py").run()
    next(b for b in at.button if b.label == "Delete…").click().run()
    next(b for b in at.button if b.label == "Yes, delete").click().run()
    assert not at.exception
    assert any("Deleted snapshot 2024-01-31 (2 rows)." in s.value for s in at.success)


def test_an_unreadable_workspace_list_gets_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_DB_URL", f"duckdb:///{tmp_path}/app.duckdb")
    (tmp_path / "workspaces.toml").write_text("[[workspace]\nslug = ", encoding="utf-8")
    at = app()
    assert not at.exception
    assert any("workspaces.toml cannot be read" in shown(e.value) for e in at.error)
