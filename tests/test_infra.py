"""The test infrastructure itself: database fixtures, Streamlit config, pinned requirements."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]


def test_db_url_answers_select_1(db_url):
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_pg_url_is_a_fresh_database_on_loopback(pg_url):
    url = sa.make_url(pg_url)
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "127.0.0.1"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select current_database()")).scalar_one() == url.database
            tables = conn.execute(sa.text(
                "select count(*) from information_schema.tables where table_schema = 'public'"
            )).scalar_one()
            assert tables == 0
    finally:
        engine.dispose()


def test_duckdb_url_is_a_file_in_tmp_path(duckdb_url, tmp_path):
    assert duckdb_url == f"duckdb:///{tmp_path}/store.duckdb"
    engine = sa.create_engine(duckdb_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
    finally:
        engine.dispose()
    assert (tmp_path / "store.duckdb").exists()


def test_streamlit_config_is_headless_and_sends_no_usage_stats():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["headless"] is True
    # what an import can take (8 GB / 16 per byte of text): tests/test_signin_limits.py
    assert config["server"]["maxUploadSize"] == 512
    assert config["client"]["toolbarMode"] == "minimal"


PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!_-]+$")


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_requirements_are_pinned(name):
    unpinned = []
    for raw in (REPO / name).read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")) or line.startswith(("-c ", "--constraint ")):
            continue
        # An environment marker may follow the pin: "pkg==1.0; sys_platform == 'linux'".
        if not PIN.match(line.split(";", 1)[0].strip()):
            unpinned.append(line)
    assert not unpinned, f"{name}: not pinned with ==: {unpinned}"


def test_an_error_code_without_its_text_still_becomes_a_message():
    from lib.rules import RulesError
    from lib.ui import error_message

    message = error_message(RulesError("no_such_text_code", field="x"), "en")
    assert message.endswith("(no_such_text_code)") and "Traceback" not in message
    assert error_message(RulesError("rules_bad_toml", detail="x"), "zh") != message
