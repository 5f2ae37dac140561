"""Shared fixtures: database URLs on DuckDB and on a throw-away PostgreSQL, and the browser
harness (see tests/browser.py).

- ``duckdb_url``: ``duckdb:///<tmp_path>/store.duckdb``, a new file per test.
- ``pg_url``: a fresh database per test on a session-wide throw-away PostgreSQL server, dropped
  after the test (``postgresql+psycopg://postgres@127.0.0.1:PORT/NAME``).
- ``db_url``: parametrised over ``duckdb`` and ``postgresql``; the postgresql case carries the
  ``postgres`` marker, so ``-m "not postgres"`` leaves it out.
- ``engine``: an empty store on ``db_url``, opened with ``open_store`` (the one way to open one).
- ``pg_server``: the server itself (a ``tests.pgserver.PgServer``).
- ``telco_file``: the path of ``tests/data/telco_churn.csv``, the synthetic telecom churn export
  with the BigML file's header and quirks (tests/data/README.md). Tests read no file outside
  the repository.

Without PostgreSQL server binaries the postgres cases skip with the reason, or fail when CI=true.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import pgserver
from tests.browser import browser_page, chromium, served_app  # noqa: F401 - fixtures

#: Made by tools/make_telco_fixture.py (fixed seed); its quirks are listed in tests/data/README.md.
TELCO_CSV = Path(__file__).resolve().parent / "data" / "telco_churn.csv"

POSTGRES_FIXTURES = {"pg_url", "pg_server"}
BROWSER_FIXTURES = {"served_app", "chromium", "browser_page"}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    # Mark by fixture use, so that `-m "not postgres"` / `-m "not browser"` deselect every test
    # that needs the server or Chromium, whichever way it asks for them.
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & POSTGRES_FIXTURES or params.get("db_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)
        if names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def pg_server():
    bindir = pgserver.find_bindir()
    if bindir is None:
        if _in_ci():
            pytest.fail(pgserver.MISSING_BINARIES, pytrace=False)
        pytest.skip(pgserver.MISSING_BINARIES)
    server = pgserver.PgServer(bindir)
    try:
        server.start()
    except pgserver.PgServerError as e:
        pytest.fail(f"could not start the throw-away PostgreSQL server: {e}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server, request):
    name, url = pg_server.create_database(request.node.name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture(scope="session")
def telco_file() -> Path:
    """The synthetic telecom churn export (2,000 rows; see tests/data/README.md)."""
    return TELCO_CSV


@pytest.fixture
def duckdb_url(tmp_path):
    return f"duckdb:///{tmp_path}/store.duckdb"


@pytest.fixture(
    params=[
        pytest.param("duckdb", id="duckdb"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request):
    if request.param == "duckdb":
        return request.getfixturevalue("duckdb_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url):
    """An empty store on ``db_url``, opened as the app and the CLI open one
    (``lib.pipeline.migrations.open_store``: schema created, nothing else); a module that needs
    rows defines its own ``engine`` fixture."""
    from lib.pipeline.migrations import open_store

    engine = open_store(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def acting_admin(tmp_path_factory):
    """Tests call lib's write paths directly, as the command line does: as an admin.
    (tests/test_auth.py sets other roles to prove they are refused.) A developer's own
    data/users.toml must not put a login in front of the page tests: point at none."""
    from lib.auth import USERS_FILE_ENV, User, acting_as

    os.environ[USERS_FILE_ENV] = str(tmp_path_factory.mktemp("accounts") / "none.toml")
    with acting_as(User("test", "admin")):
        yield


@pytest.fixture(autouse=True)
def fresh_sign_in_limits(monkeypatch):
    """Every test starts with no failed sign-ins counted (the limits are per server process,
    and the tests share one), so one test's wrong passwords cannot lock another's account."""
    from lib import auth
    from lib.auth.signin_limits import SignInLimits

    limits = SignInLimits()
    monkeypatch.setattr(auth, "SIGN_IN_LIMITS", limits)
    return limits
