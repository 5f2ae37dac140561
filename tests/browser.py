"""Browser-test helpers: serve the app with ``streamlit run`` and drive it in headless Chromium.

Fixtures (re-exported by ``tests/conftest.py``):

- ``served_app`` (session): seeds a DuckDB demo base in a temp folder with
  ``python -m lib demo --customers 3000 --db duckdb:///TMP/demo.duckdb``, then runs
  ``python -m streamlit run $RETENTION_APP`` (default ``dashboard.py``) on a free loopback port
  with ``RETENTION_DB_URL`` pointing at that base; waits for ``/_stcore/health``; kills the
  process group at the end. Yields a :class:`ServedApp`.
- ``chromium`` (session): Playwright's sync API driving Debian's ``/usr/bin/chromium``
  (never ``playwright install``), headless, and with a host-resolver rule that makes every
  host but 127.0.0.1 unresolvable.
- ``browser_page`` (function): a fresh context and page with a :class:`Recorder` attached
  (every request, console message and page error), as ``browser_page.page`` /
  ``browser_page.recorder``.

Environment knobs (for developing the harness, not for CI):
  RETENTION_APP=path/to/app.py    serve another entry script (default dashboard.py)
  RETENTION_TEST_SEED=0           do not seed the demo base (for a throw-away app)
  RETENTION_TEST_CUSTOMERS=N      demo size (default 3000)
  CHROMIUM_PATH=/path/to/chromium (default /usr/bin/chromium)
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.pgserver import free_port

REPO = Path(__file__).resolve().parents[1]
SHOTS_DIR = REPO / "tests" / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Any host but loopback fails to resolve: the app must not need one.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
HEALTH_TIMEOUT = 60.0
# Streamlit probes these under a page's own path when a page URL is opened directly; the 404s
# it logs for them are its own, not the app's.
STREAMLIT_PROBES = ("/_stcore/host-config", "/_stcore/health")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str):
    """Skip, or fail under CI=true where a missing dependency must not pass unnoticed."""
    if _in_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------------------------------------
# Serving the app
# ---------------------------------------------------------------------------------------------
@dataclass
class ServedApp:
    base_url: str
    db_url: str
    app: Path
    log: Path
    proc: subprocess.Popen

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback only
                if r.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    return False


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def seed_demo(db_url: str, customers: int, log: Path) -> None:
    cmd = [sys.executable, "-m", "lib", "demo", "--customers", str(customers), "--db", db_url]
    with log.open("ab") as out:
        r = subprocess.run(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=600)
    if r.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"seeding the demo base failed ({r.returncode}): {' '.join(cmd)}\n{tail}",
                    pytrace=False)


@contextlib.contextmanager
def serve(db_url: str, tmp: Path, app: Path | None = None, **env_extra: str) -> Iterator[ServedApp]:
    """``streamlit run`` the app on ``db_url`` on a free loopback port until the block ends."""
    app = app or REPO / "dashboard.py"
    log = tmp / "streamlit.log"
    port = free_port()
    env = dict(os.environ, RETENTION_DB_URL=db_url, PYTHONUNBUFFERED="1", **env_extra)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    with log.open("wb") as out:
        # cwd=REPO so that .streamlit/config.toml applies; own process group so that every
        # child goes when we kill it.
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    served = ServedApp(f"http://127.0.0.1:{port}", db_url, app, log, proc)
    try:
        if not _wait_healthy(f"{served.base_url}/_stcore/health", proc, HEALTH_TIMEOUT):
            state = f"exited with {proc.returncode}" if proc.poll() is not None else "no answer"
            pytest.fail(f"streamlit did not become healthy within {HEALTH_TIMEOUT:.0f} s "
                        f"({state}): {' '.join(cmd)}\n{served.log_tail()}", pytrace=False)
        yield served
    finally:
        _kill_group(proc)


@pytest.fixture(scope="session")
def served_app(tmp_path_factory):
    app = Path(os.environ.get("RETENTION_APP", "dashboard.py"))
    if not app.is_absolute():
        app = REPO / app
    if not app.is_file():
        pytest.skip(f"{app} does not exist yet: nothing to serve")

    tmp = tmp_path_factory.mktemp("served-app")
    db_url = f"duckdb:///{tmp}/demo.duckdb"
    if os.environ.get("RETENTION_TEST_SEED", "1") != "0":
        seed_demo(db_url, int(os.environ.get("RETENTION_TEST_CUSTOMERS", "3000")), tmp / "seed.log")
    with serve(db_url, tmp, app) as served:
        yield served


# ---------------------------------------------------------------------------------------------
# Chromium through Playwright
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"{CHROMIUM} not found: run `make sysdeps` (Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (requirements-dev.txt)")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()


@dataclass
class Recorder:
    """Everything a page asked for or logged, and the checks the browser tests make on it."""

    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str, str]] = field(default_factory=list)  # (type, text, url)
    page_errors: list[str] = field(default_factory=list)
    _page: object = None

    def _on_request(self, req) -> None:
        self.requests.append(req.url)

    def _on_console(self, msg) -> None:
        loc = msg.location or {}
        self.console.append((msg.type, msg.text, loc.get("url", "")))

    def _on_pageerror(self, err) -> None:
        self.page_errors.append(str(err))

    def attach(self, page) -> "Recorder":
        self._page = page
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        page.on("pageerror", self._on_pageerror)
        return self

    def detach(self) -> None:
        if self._page is not None:
            self._page.remove_listener("request", self._on_request)
            self._page.remove_listener("console", self._on_console)
            self._page.remove_listener("pageerror", self._on_pageerror)
            self._page = None

    def outside_requests(self) -> list[str]:
        bad = []
        for url in self.requests:
            u = urlparse(url)
            if u.scheme in {"data", "blob", "about", "chrome", "chrome-extension"}:
                continue
            if (u.hostname or "") not in LOCAL_HOSTS:
                bad.append(url)
        return bad

    def console_errors(self) -> list[str]:
        out = []
        for typ, text, url in self.console:
            if typ != "error":
                continue
            if "404" in text and any(urlparse(url).path.endswith(p) for p in STREAMLIT_PROBES):
                continue
            out.append(f"{text} ({url})" if url else text)
        return out

    def failures(self) -> list[str]:
        found = (
            [f"console error: {e}" for e in self.console_errors()]
            + [f"page error: {e}" for e in self.page_errors]
            + [f"request to an outside host: {u}" for u in self.outside_requests()]
        )
        return list(dict.fromkeys(found))  # once each, in order


@dataclass
class BrowserPage:
    page: object
    recorder: Recorder


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US",
                                   service_workers="block")
    page = context.new_page()
    page.set_default_timeout(30_000)
    rec = Recorder().attach(page)
    try:
        yield BrowserPage(page, rec)
    finally:
        rec.detach()
        context.close()


# ---------------------------------------------------------------------------------------------
# Driving Streamlit
# ---------------------------------------------------------------------------------------------
RUNNING = '[data-testid="stStatusWidget"]'
APP = '[data-testid="stApp"]'
NAV_LINKS = '[data-testid="stSidebarNav"] a'
# <div data-testid="stApp" data-test-script-state="..."> (Streamlit's ScriptRunState): the
# script is done in these states. The status widget is hidden with toolbarMode = "minimal", so
# the attribute is the reliable signal; the widget is still honoured when it is shown.
DONE_STATES = {"notRunning", "compilationError"}


def script_state(page) -> str:
    app = page.locator(APP)
    if app.count() == 0:
        return "absent"
    state = app.first.get_attribute("data-test-script-state") or "initial"
    if state in DONE_STATES and page.locator(RUNNING).count() > 0:
        return "running"
    return state


def wait_for_streamlit(page, timeout: float = 60.0, settle_ms: int = 600) -> None:
    """Wait until the app view is there and Streamlit has finished running the script (the
    finished state held for ``settle_ms``), then for network idle and a short settle."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    done_since = None
    state = "absent"
    while time.monotonic() < deadline:
        state = script_state(page)
        if state not in DONE_STATES:
            done_since = None
        elif done_since is None:
            done_since = time.monotonic()
        elif (time.monotonic() - done_since) * 1000 >= settle_ms:
            break
        page.wait_for_timeout(100)
    else:
        raise TimeoutError(f"Streamlit still running after {timeout:.0f} s (state {state!r})")
    try:
        page.wait_for_load_state("networkidle", timeout=15_000)
    except Exception:  # noqa: BLE001 - a long-polling request must not fail the visit
        pass
    page.wait_for_timeout(300)


def page_problems(page) -> list[str]:
    """Errors Streamlit draws on the page: exception boxes and any visible traceback."""
    out = []
    for text in page.locator('[data-testid="stException"]').all_inner_texts():
        out.append("exception shown: " + " ".join(text.split())[:500])
    if page.get_by_text("Traceback").count() > 0:
        out.append("the text 'Traceback' is shown on the page")
    return out


def screenshot(page, path: Path | str, max_height: int = 8000) -> Path:
    """A screenshot of the whole page. Streamlit scrolls inside its main container, so
    Playwright's full_page alone stops at the viewport: grow the viewport to the content's
    height for the shot, then put it back."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1400, "height": 1000}
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight,
             ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stSidebarContent"]')]
                .map(e => e.scrollHeight))"""
    )
    tall = min(max(int(height) + 40, size["height"]), max_height)
    if tall > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": tall})
        page.wait_for_timeout(500)  # let charts re-layout
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if tall > size["height"]:
            page.set_viewport_size(size)
    return path


def _slug(text: str, fallback: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s or fallback


def _expand_nav(page) -> None:
    # Streamlit folds long navigations behind a "View more" button.
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in (more.first.inner_text() or "").lower():
        more.first.click()
        page.wait_for_timeout(200)


@dataclass
class VisitResult:
    pages: list[str]
    failures: list[str]
    recorder: Recorder
    screenshots: list[Path]


def visit_all_pages(page, base_url: str, shots_dir: Path | str = SHOTS_DIR) -> VisitResult:
    """Open the app, click every sidebar-navigation link in turn, screenshot each page, and
    collect every failure (exception boxes, tracebacks, console errors, uncaught page errors,
    requests to any host but loopback)."""
    shots_dir = Path(shots_dir)
    shots_dir.mkdir(parents=True, exist_ok=True)
    rec = Recorder().attach(page)
    failures: list[str] = []
    visited: list[str] = []
    shots: list[Path] = []
    try:
        page.goto(base_url)
        wait_for_streamlit(page)
        failures += [f"[start] {p}" for p in page_problems(page)]
        _expand_nav(page)
        n = page.locator(NAV_LINKS).count()
        if n == 0:
            failures.append("no links in the sidebar navigation "
                            '([data-testid="stSidebarNav"] a)')
        for i in range(n):
            _expand_nav(page)
            link = page.locator(NAV_LINKS).nth(i)
            label = link.inner_text() or ""
            for icon in link.locator('[data-testid="stIconMaterial"]').all_inner_texts():
                label = label.replace(icon, " ", 1)  # material icons render as ligature text
            label = " ".join(label.split())
            href = link.get_attribute("href") or ""
            name = _slug(urlparse(href).path.rstrip("/").rsplit("/", 1)[-1], "") or _slug(
                label, f"page{i + 1}")
            link.click()
            try:
                wait_for_streamlit(page)
            except TimeoutError as e:
                failures.append(f"[{name}] {e}")
            visited.append(name)
            shots.append(screenshot(page, shots_dir / f"{i + 1:02d}-{name}.png"))
            failures += [f"[{name}] {p}" for p in page_problems(page)]
    finally:
        rec.detach()
    failures += rec.failures()
    return VisitResult(visited, list(dict.fromkeys(failures)), rec, shots)


def choose_radio(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit radio whose label is ``label``; wait for the rerun."""
    group = page.locator('[data-testid="stRadio"]').filter(has_text=label)
    if group.count() == 0:
        raise AssertionError(f"no radio labelled {label!r} on the page")
    group.first.locator("label").filter(has_text=option).first.click()
    wait_for_streamlit(page)
