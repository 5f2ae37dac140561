"""Roles are enforced in lib: a viewer cannot import, delete or edit even by calling the code
directly; accounts keep only Argon2 hashes; the app asks for a login when accounts exist."""
import datetime as dt
import stat
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.auth import PermissionDenied, User, acting_as, authenticate, load_accounts, save_account
from lib.ingest.importer import import_file
from lib.offers.store import current_catalogue, save_catalogue
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.pipeline.snapshots import delete_snapshot, list_snapshots, write_snapshots
from lib.store import customers, read_frame
from lib.pipeline.migrations import open_store
from tests.factories import S1, two_snapshots
from tests.rendered import shown

ROOT = Path(__file__).resolve().parents[1]
VIEWER, ANALYST = User("vera", "viewer"), User("ann", "analyst")


@pytest.fixture
def engine(duckdb_url):
    engine = open_store(duckdb_url)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=current_rules(engine), source_name="hand", churn_window_months=1)
    yield engine
    engine.dispose()


def rows(engine):
    return read_frame(engine, sa.select(sa.func.count().label("n")).select_from(customers))["n"][0]


def test_a_viewer_cannot_write_through_any_code_path(engine, telco_file):
    rules = current_rules(engine)
    with acting_as(VIEWER):
        with pytest.raises(PermissionDenied) as caught:
            import_file(engine, telco_file.read_bytes(), telco_file.name, snapshot_date=dt.date(2026, 11, 30), churn_window_months=1)
        assert caught.value.code == "auth_denied" and caught.value.params["action"] == "import"
        with pytest.raises(PermissionDenied):
            write_snapshots(engine, two_snapshots()[0], rules=rules, source_name="x", replace=True, churn_window_months=1)
        with pytest.raises(PermissionDenied):
            delete_snapshot(engine, S1)
        with pytest.raises(PermissionDenied):
            save_rules(engine, rules.text)
        with pytest.raises(PermissionDenied):
            save_catalogue(engine, current_catalogue(engine)[2])
    assert rows(engine) == 12 and len(list_snapshots(engine)) == 2
    assert current_rules(engine).version == rules.version


def test_an_analyst_imports_but_cannot_delete(engine, telco_file):
    with acting_as(ANALYST):
        import_file(engine, telco_file.read_bytes(), telco_file.name, snapshot_date=dt.date(2026, 11, 30), churn_window_months=1)
        with pytest.raises(PermissionDenied):
            delete_snapshot(engine, S1)
    # the hand base's 12 rows plus the file's (its lines under the header, counted by polars)
    assert rows(engine) == 12 + pl.read_csv(telco_file).height


def test_nobody_signed_in_is_refused(engine):
    from lib.auth import _actor

    token = _actor.set(None)
    try:
        with pytest.raises(PermissionDenied) as caught:
            delete_snapshot(engine, S1)
        assert caught.value.code == "auth_not_signed_in"
    finally:
        _actor.reset(token)


def test_accounts_keep_hashes_only(tmp_path):
    path = tmp_path / "users.toml"
    save_account("ann", "analyst", "correct horse", path)
    text = path.read_text()
    assert "correct horse" not in text and "$argon2id$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert authenticate("ann", "correct horse", path) == User("ann", "analyst")
    assert authenticate("ann", "wrong", path) is None
    assert authenticate("nobody", "correct horse", path) is None
    save_account("ann", "viewer", "another pass", path)        # replaced, not duplicated
    assert list(load_accounts(path)) == ["ann"]
    with acting_as(ANALYST), pytest.raises(PermissionDenied):
        save_account("eve", "admin", "sneaky pass", path)


def test_the_app_asks_for_a_login_and_honours_the_role(engine, duckdb_url, tmp_path, monkeypatch):
    users = tmp_path / "users.toml"
    save_account("vera", "viewer", "viewer pass", users)
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    monkeypatch.setenv("RETENTION_DB_URL", duckdb_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert at.text_input[0].label == "User name" and not at.metric
    at.text_input[0].input("vera")
    at.text_input[1].input("wrong pass")
    at.button[0].click().run()
    assert "not right" in at.error[0].value
    at.text_input[0].input("vera")
    at.text_input[1].input("viewer pass")
    at.button[0].click().run()
    assert not at.exception
    assert at.metric                                            # the Overview
    at.switch_page("views/data.py").run()
    delete = next(b for b in at.button if b.label == "Delete…")
    assert delete.disabled


def test_a_viewer_cannot_export_or_train(engine):
    from lib.churn.actions import record_export
    from lib.churn.scores import train_and_score

    with acting_as(VIEWER):
        with pytest.raises(PermissionDenied):
            record_export(engine, view="action_list", snapshot_date=None, file_format="csv",
                          row_count=1, identifiers_masked=True)
        with pytest.raises(PermissionDenied):
            train_and_score(engine, S1, current_rules(engine))


@pytest.mark.parametrize("text", ["", "# accounts go here\n", "[[user]]\nrole = \"admin\"\n",
                                  "[[user]\nname = 'x'\n", "user = 3\n"],
                         ids=["empty", "comments-only", "nameless", "bad-toml", "not-a-list"])
def test_an_unusable_accounts_file_lets_nobody_in(engine, duckdb_url, tmp_path, monkeypatch, text):
    users = tmp_path / "users.toml"
    users.write_text(text, encoding="utf-8")
    with pytest.raises(PermissionDenied) as refused:
        load_accounts(users)
    assert refused.value.code == "auth_accounts_unusable"
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    monkeypatch.setenv("RETENTION_DB_URL", duckdb_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception                                  # no Streamlit exception box
    shown_error = shown(at.error[0].value)      # AppTest gives markdown source: fields escaped
    assert "cannot be used" in shown_error and str(users) in shown_error
    assert not at.metric and not at.text_input               # no page, no login form
    assert not any("Single-user mode" in c.value for c in at.caption)
    # the same file in Chinese
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception and not at.metric


def test_single_user_mode_only_without_a_file(engine, duckdb_url, tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_USERS_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RETENTION_DB_URL", duckdb_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    assert not at.exception and at.metric
    assert any("Single-user mode" in c.value for c in at.caption)


def test_a_deleted_account_loses_its_session_at_the_next_rerun(engine, duckdb_url, tmp_path, monkeypatch):
    users = tmp_path / "users.toml"
    with acting_as(User("root", "admin")):
        save_account("ann", "analyst", "analyst pass", users)
        save_account("bob", "admin", "admin pass!", users)
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    monkeypatch.setenv("RETENTION_DB_URL", duckdb_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.text_input[0].input("ann")
    at.text_input[1].input("analyst pass")
    at.button[0].click().run()
    assert at.metric and not at.exception
    # an admin deletes ann's account: the file now holds bob only
    only_bob = tmp_path / "only_bob.toml"
    with acting_as(User("root", "admin")):
        save_account("bob", "admin", "admin pass!", only_bob)
    only_bob.replace(users)
    assert list(load_accounts(users)) == ["bob"]
    at.run()
    assert not at.metric and at.text_input[0].label == "User name"


def test_accounts_are_written_in_one_rename(tmp_path, monkeypatch):
    import os

    users = tmp_path / "users.toml"
    with acting_as(User("root", "admin")):
        save_account("ann", "analyst", "analyst pass", users)
        before = users.read_text()

        def crash(src, dst):
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", crash)
        with pytest.raises(OSError):
            save_account("bob", "viewer", "viewer pass", users)
    assert users.read_text() == before                       # the old file, whole
    assert [p.name for p in tmp_path.iterdir()] == ["users.toml"]   # no temporary left behind


def test_an_unreadable_accounts_file_is_not_overwritten(tmp_path):
    users = tmp_path / "users.toml"
    users.write_text("[[user]\nname = 'x'\n", encoding="utf-8")
    with acting_as(User("root", "admin")), pytest.raises(PermissionDenied):
        save_account("ann", "analyst", "analyst pass", users)
    assert users.read_text() == "[[user]\nname = 'x'\n"


def test_a_viewer_cannot_store_a_model_or_scores(engine):
    from lib.churn.scores import score_snapshot, store_model
    from tests.factories import model_card

    with acting_as(VIEWER):
        with pytest.raises(PermissionDenied) as stored:
            store_model(engine, model_card(S1, 3), None)
        with pytest.raises(PermissionDenied) as scored:
            score_snapshot(engine, 1, S1, current_rules(engine))
    assert stored.value.params["action"] == scored.value.params["action"] == "edit_rules"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM churn_models")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM churn_scores")).scalar() == 0
