"""Workspaces (lib.workspaces), the repeated-base check (lib.ingest.repeat) and the command line's
refusals. Expected counts come from the files (polars) or from plain SQL on the stores."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from lib import workspaces as ws
from lib.cli import main
from lib.demo.seed import seed_demo
from lib.ingest.importer import check_file
from lib.ingest.repeat import repeat_overlap, repeat_thresholds
from lib.pipeline.derive import derive
from lib.pipeline.snapshots import list_snapshots
from lib.rules import default_rules
from lib.store import StoreError
from lib.pipeline.migrations import open_store

JAN, FEB = dt.date(2024, 1, 31), dt.date(2024, 2, 29)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A single-URL deployment on a DuckDB file in tmp_path (the main workspace)."""
    url = f"duckdb:///{tmp_path}/main.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    monkeypatch.delenv(ws.REGISTRY_ENV, raising=False)
    return url


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """The embedded default (no URL), its data/ folder moved to tmp_path."""
    monkeypatch.delenv("RETENTION_DB_URL", raising=False)
    monkeypatch.delenv(ws.REGISTRY_ENV, raising=False)
    monkeypatch.setattr(ws, "DATA_DIR", tmp_path)
    monkeypatch.setattr(ws, "LEGACY_PATH", tmp_path / "retention.duckdb")
    monkeypatch.setattr("lib.store.DEFAULT_DB_PATH", tmp_path / "retention.duckdb")
    return tmp_path


def sql_count(path: Path, query: str) -> int:
    """A count straight from a DuckDB file in plain SQL, without our code (a bare SQLAlchemy
    engine: DuckDB refuses a second connection of another configuration in one process)."""
    bare = sa.create_engine(f"duckdb:///{path}", poolclass=sa.pool.NullPool)
    with bare.connect() as conn:
        return conn.execute(sa.text(query)).scalar_one()


def file_path(url: str) -> Path:
    return Path(url.removeprefix("duckdb:///"))


def test_a_new_workspace_is_a_marked_store_of_its_own(home, tmp_path):
    created = ws.create_workspace("Shop 2026 · Q1")
    assert created.slug == "shop-2026-q1" and created.kind == ws.OWN
    assert file_path(created.store_url) == tmp_path / "workspaces" / "shop-2026-q1.duckdb"
    assert sql_count(file_path(created.store_url), "SELECT count(*) FROM workspace_marker WHERE kind = 'own'") == 1
    listed = ws.list_workspaces()
    assert [w.slug for w in listed] == ["main", "shop-2026-q1"]      # the configured store first
    # a store beside the registry is recorded by its relative path: the folder can move
    assert 'store_file = "workspaces/shop-2026-q1.duckdb"' in (tmp_path / "workspaces.toml").read_text()
    with pytest.raises(StoreError) as taken:
        ws.create_workspace("shop 2026 · q1")
    assert taken.value.code == "ws_name_taken"
    with pytest.raises(StoreError) as empty:
        ws.create_workspace("   ")
    assert empty.value.code == "ws_name_empty"
    # a name without ASCII letters still gets a usable, unique id
    assert ws.create_workspace("我的数据").slug == "workspace"
    assert ws.create_workspace("客户数据").slug == "workspace-2"


def test_the_demo_seeding_marks_its_store(tmp_path):
    url = f"duckdb:///{tmp_path}/demo.duckdb"
    seed_demo(open_store(url), customers=300, snapshots=2)
    assert ws.store_kind(open_store(url)) == ws.DEMO
    assert sql_count(tmp_path / "demo.duckdb", "SELECT count(*) FROM workspace_marker WHERE kind = 'demo'") == 1
    plain = f"duckdb:///{tmp_path}/plain.duckdb"
    assert ws.store_kind(open_store(plain)) == ws.OWN


def test_make_run_seeds_the_demo_workspace_once_in_its_own_file(embedded, capsys):
    assert main(["demo", "--if-empty", "--customers", "300", "--snapshots", "2"]) == 0
    listed = ws.list_workspaces()
    assert [(w.slug, w.kind) for w in listed] == [("demo", "demo")]
    assert file_path(listed[0].store_url) == embedded / "demo.duckdb"
    assert not (embedded / "retention.duckdb").exists()
    assert main(["demo", "--if-empty"]) == 0
    assert "loaded here before" in capsys.readouterr().out
    ws.remove_workspace(listed[0])
    assert not (embedded / "demo.duckdb").exists() and ws.list_workspaces() == []
    assert main(["demo", "--if-empty"]) == 0        # a removed demo does not come back
    assert not (embedded / "demo.duckdb").exists()


def test_removing_a_demo_that_is_the_configured_store_empties_it(home):
    seed_demo(open_store(home), customers=300, snapshots=2)
    demo = ws.list_workspaces()[0]
    assert demo.is_demo and demo.slug == ws.MAIN_SLUG
    ws.remove_workspace(demo)
    assert sql_count(file_path(home), "SELECT count(*) FROM customers") == 0
    assert [(w.slug, w.kind) for w in ws.list_workspaces()] == [("main", "own")]


def test_on_postgresql_a_workspace_is_a_schema_of_the_one_database(pg_url, monkeypatch, telco_file):
    monkeypatch.setenv("RETENTION_DB_URL", pg_url)
    created = ws.create_workspace("Telco")
    assert "search_path%3Dws_telco" in created.store_url or "search_path=ws_telco" in created.store_url
    rows = pl.read_csv(telco_file).height
    assert main(["import", str(telco_file), "--snapshot-date", str(JAN), "--churn-window-unknown",
                 "--workspace", "Telco"]) == 0
    with sa.create_engine(pg_url).connect() as conn:
        in_schema = conn.execute(sa.text("SELECT count(*) FROM ws_telco.customers")).scalar()
        in_main = conn.execute(sa.text("SELECT count(*) FROM public.customers")).scalar()
        registered = conn.execute(sa.text("SELECT name, kind FROM public.workspace_registry")).all()
    assert (in_schema, in_main) == (rows, 0)
    assert [tuple(r) for r in registered] == [("Telco", "own")]
    ws.remove_workspace(ws.find_workspace("telco"))
    with sa.create_engine(pg_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM information_schema.schemata "
                                    "WHERE schema_name = 'ws_telco'")).scalar() == 0


# -- the command line ----------------------------------------------------------------------

def test_cli_refuses_to_import_into_the_demo_unless_told(tmp_path, capsys, telco_file):
    demo = f"duckdb:///{tmp_path}/demo.duckdb"
    seed_demo(open_store(demo), customers=300, snapshots=2)
    before = sql_count(tmp_path / "demo.duckdb", "SELECT count(*) FROM customers")
    args = ["import", str(telco_file), "--snapshot-date", str(JAN), "--churn-window-unknown",
            "--db", demo]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is the demo workspace (Demo)" in err[0]
    assert "--workspace" in err[0] and "--into-demo" in err[0]
    assert sql_count(tmp_path / "demo.duckdb", "SELECT count(*) FROM customers") == before
    assert main([*args, "--into-demo"]) == 0
    assert sql_count(tmp_path / "demo.duckdb", "SELECT count(*) FROM customers") == before + pl.read_csv(telco_file).height


def test_cli_workspace_option_creates_and_fills_a_workspace(home, tmp_path, capsys, telco_file):
    seed_demo(open_store(home), customers=300, snapshots=2)      # the configured store is the demo
    demo_rows = sql_count(tmp_path / "main.duckdb", "SELECT count(*) FROM customers")
    base = ["import", str(telco_file), "--snapshot-date", str(JAN), "--churn-window-unknown"]
    assert main(base) == 2                        # the default is the demo: refused
    assert "--into-demo" in capsys.readouterr().err
    assert main([*base, "--workspace", "Telco"]) == 0
    assert "Created workspace Telco" in capsys.readouterr().out
    own = tmp_path / "workspaces" / "telco.duckdb"
    assert sql_count(own, "SELECT count(*) FROM customers") == pl.read_csv(telco_file).height
    assert sql_count(tmp_path / "main.duckdb", "SELECT count(*) FROM customers") == demo_rows
    # now the newest own workspace is the default target
    assert main(["import", str(telco_file), "--snapshot-date", str(FEB), "--churn-window-unknown",
                 "--confirm-repeat"]) == 0
    assert sql_count(own, "SELECT count(DISTINCT snapshot_date) FROM customers") == 2


def test_cli_asks_before_storing_the_same_base_as_a_new_month(tmp_path, capsys, telco_file):
    url = f"duckdb:///{tmp_path}/own.duckdb"
    first = ["import", str(telco_file), "--churn-window-unknown", "--db", url]
    assert main([*first, "--snapshot-date", str(JAN)]) == 0
    capsys.readouterr()
    assert main([*first, "--snapshot-date", str(FEB)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "looks like snapshot 2024-01-31 again: 100% of its customer ids" in err[0]
    assert "100% of those with an unchanged tenure, 100% of its churners" in err[0]
    assert err[0].endswith("add --confirm-repeat.")
    assert list_snapshots(open_store(url))["snapshot_date"].to_list() == [JAN]
    assert main([*first, "--snapshot-date", str(FEB), "--confirm-repeat"]) == 0
    assert sorted(list_snapshots(open_store(url))["snapshot_date"].to_list()) == [JAN, FEB]


# -- the overlap figures -------------------------------------------------------------------

def derived(data: bytes, name: str, date: dt.date) -> pl.DataFrame:
    validation = check_file(data, name, snapshot_date=date)
    return derive(validation.accepted, date, tenure_unit=validation.tenure_unit)


def test_the_same_file_a_month_later_overlaps_entirely(tmp_path, telco_file):
    """The telco file has no id column: the importer numbers its rows, so the same file gets the
    same ids; its tenure is a day count that does not move; its churners are the same rows.
    By hand: 100 % of ids, 100 % unchanged tenures, 100 % of the churners churned again."""
    churners = int(pl.read_csv(telco_file)["Churn"].sum())   # the rows that say TRUE
    url = f"duckdb:///{tmp_path}/own.duckdb"
    assert main(["import", str(telco_file), "--snapshot-date", str(JAN), "--churn-window-unknown",
                 "--db", url]) == 0
    with open_store(url).connect() as conn:
        overlap = repeat_overlap(conn, derived(telco_file.read_bytes(), telco_file.name, FEB))
    assert overlap.previous_date == JAN
    assert overlap.previous_churners == churners > 0
    assert (overlap.ids_share, overlap.unchanged_tenure_share, overlap.churners_again_share) == (1.0, 1.0, 1.0)
    assert overlap.repeats(repeat_thresholds(default_rules()))
    with open_store(url).connect() as conn:       # nothing stored before January: no question
        assert repeat_overlap(conn, derived(telco_file.read_bytes(), telco_file.name, JAN)) is None


def tiny(rows: list[tuple[str, int, str]]) -> bytes:
    return ("customer_id,tenure_months,churned,arpu\n"
            + "".join(f"{c},{m},{flag},50\n" for c, m, flag in rows)).encode()


def test_a_true_next_month_is_not_taken_for_a_repeat(tmp_path):
    """January: c1-c4 with 10 months, c1 churned. February: c1 gone, c2-c4 at 11 months, c5 new.
    By hand: 3 of 4 February ids were in January (75 %), 0 of those 3 kept their tenure (0 %),
    0 of January's 1 churner churned again (0 %): not a repeat."""
    url = f"duckdb:///{tmp_path}/own.duckdb"
    engine = open_store(url)
    from lib.ingest.importer import store_validated

    january = check_file(tiny([("c1", 10, "yes"), ("c2", 10, "no"), ("c3", 10, "no"), ("c4", 10, "no")]),
                         "jan.csv", snapshot_date=JAN)
    store_validated(engine, january, "jan.csv", snapshot_date=JAN, churn_window_months=1)
    february = derived(tiny([("c2", 11, "no"), ("c3", 11, "no"), ("c4", 11, "no"), ("c5", 1, "no")]),
                       "feb.csv", FEB)
    with engine.connect() as conn:
        overlap = repeat_overlap(conn, february)
    assert (overlap.file_customers, overlap.previous_customers, overlap.previous_churners) == (4, 4, 1)
    assert (overlap.ids_share, overlap.unchanged_tenure_share, overlap.churners_again_share) == (0.75, 0.0, 0.0)
    assert not overlap.repeats(repeat_thresholds(default_rules()))


def test_a_failed_first_import_leaves_no_empty_workspace(home, tmp_path, telco_file):
    empty = ws.create_workspace("Empty")
    ws.discard_empty_workspace(empty)
    assert not (tmp_path / "workspaces" / "empty.duckdb").exists()
    assert [w.slug for w in ws.list_workspaces()] == ["main"]
    kept = ws.create_workspace("Kept")
    assert main(["import", str(telco_file), "--snapshot-date", str(JAN), "--churn-window-unknown",
                 "--workspace", "Kept"]) == 0
    ws.discard_empty_workspace(kept)              # it holds a snapshot: never dropped this way
    assert sql_count(tmp_path / "workspaces" / "kept.duckdb", "SELECT count(*) FROM snapshots") == 1


def test_outcomes_name_an_unknown_workspace_in_one_line(home, capsys, tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("customer_id,outcome,date\nc1,reached,2024-01-31\n")
    assert main(["outcomes", str(path), "--plan", "1", "--workspace", "Nowhere"]) == 2
    assert capsys.readouterr().err.strip() == "There is no workspace named Nowhere."


def test_only_an_admin_removes_the_demo_and_a_viewer_creates_nothing(home, tmp_path):
    from lib.auth import PermissionDenied, User, acting_as

    demo_file = tmp_path / "demo.duckdb"
    seed_demo(open_store(f"duckdb:///{demo_file}"), customers=300, snapshots=2)
    demo = ws.register_demo(f"duckdb:///{demo_file}", "Demo")
    with acting_as(User("ann", "analyst")), pytest.raises(PermissionDenied):
        ws.remove_workspace(demo)
    with acting_as(User("vera", "viewer")), pytest.raises(PermissionDenied):
        ws.create_workspace("Mine")
    assert demo_file.exists() and [w.slug for w in ws.list_workspaces()] == ["main", "demo"]
