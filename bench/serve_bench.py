"""Memory of the served app on a big base while a browser drives every page once.

Usage: ``python -m bench.serve_bench --customers 10000000 [--db duckdb:///path]``
(``bench.run_all`` runs it for its largest size). Writes bench/results/serve_<N>.json, which
``bench.run_all`` puts in bench/RESULTS.md.

Serves ``dashboard.py`` with ``streamlit run`` on a free loopback port, with
``RETENTION_DB_URL`` pointing at the scored copy of the base (``bench/work/churn_<N>_12.duckdb``,
written by ``bench.run_all``'s model step, so the Churn, Offers and Call-back plans pages show
model output), or at the plain base when there is no scored copy. Playwright drives Debian's
``/usr/bin/chromium`` (``tests.browser`` helpers): open the app, click every sidebar link in
turn and wait until Streamlit has finished the page, then open each of the page's other tabs
(tabs run lazily: only the open one queries), all in a fresh server (nothing cached, each view's
first run). A thread samples the resident memory of the server's whole process tree (the
Streamlit process and any children; not the browser) every 0.2 s; the peak is the figure
compared with the 4 GB target. Errors drawn on a page are recorded, not fatal.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.bases import WORK, base_path
from bench.timing import tree_rss_mb

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_DIR = HERE / "results"
PAGE_TIMEOUT_S = 900.0


class TreeSampler:
    """Peak resident memory of a process tree, sampled every ``interval`` seconds (MB)."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval, self.peak_mb, self.last_mb = pid, interval, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.last_mb = tree_rss_mb(self.pid)
            self.peak_mb = max(self.peak_mb, self.last_mb)
            self._stop.wait(self.interval)

    def start(self) -> "TreeSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


MAIN = '[data-testid="stMain"]'
TABS = '[data-testid="stTab"]'
ERRORS = '[data-testid="stAlertContentError"]'


def _problems(page) -> list[str]:
    """Exceptions and tracebacks on the page, and error messages it shows (``ui.guard`` turns
    an error into a message, which the browser tests' check does not count)."""
    from tests.browser import page_problems

    shown = [" ".join(text.replace("⚠️", " ").split())[:300]
             for text in page.locator(ERRORS).all_inner_texts()]
    return page_problems(page) + [f"error message shown: {text}" for text in dict.fromkeys(shown)]


def default_db(customers: int) -> str:
    scored = WORK / f"churn_{customers}_12.duckdb"
    return f"duckdb:///{scored if scored.exists() else base_path(customers, 12)}"


def serve_and_drive(customers: int, db_url: str, shots: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        NAV_LINKS,
        Recorder,
        _expand_nav,
        _kill_group,
        _wait_healthy,
        screenshot,
        wait_for_streamlit,
    )
    from tests.pgserver import free_port

    port = free_port()
    env = {**os.environ, "RETENTION_DB_URL": db_url,
           "RETENTION_USERS_FILE": "/nonexistent/users.toml"}
    log = open(WORK / f"serve_{customers}.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    sampler = TreeSampler(server.pid).start()
    base = f"http://127.0.0.1:{port}/"
    pages, failures = [], []
    try:
        if not _wait_healthy(base + "_stcore/health", server, 120):
            raise RuntimeError(f"the app did not start (log: {log.name})")
        start_rss = tree_rss_mb(server.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(PAGE_TIMEOUT_S * 1000)
            rec = Recorder().attach(page)
            began = time.perf_counter()
            page.goto(base)
            wait_for_streamlit(page, timeout=PAGE_TIMEOUT_S)
            pages.append({"page": "(start: Overview)", "seconds": time.perf_counter() - began,
                          "rss_mb": sampler.last_mb, "peak_mb": sampler.peak_mb})
            failures += [f"[start] {problem}" for problem in _problems(page)]
            _expand_nav(page)
            def visit(name: str, target, shot: Path | None = None) -> None:
                """Click ``target``, wait for the app to settle, record time, memory, problems."""
                began = time.perf_counter()
                target.click()
                try:
                    wait_for_streamlit(page, timeout=PAGE_TIMEOUT_S)
                except TimeoutError as exc:
                    failures.append(f"[{name}] {exc}")
                seconds = time.perf_counter() - began
                if shot is not None:
                    screenshot(page, shot)
                failures.extend(f"[{name}] {problem}" for problem in _problems(page))
                pages.append({"page": name, "seconds": seconds, "rss_mb": sampler.last_mb,
                              "peak_mb": sampler.peak_mb})
                print(f"   {name}: {seconds:.1f} s, RSS {sampler.last_mb:,.0f} MB "
                      f"(peak {sampler.peak_mb:,.0f} MB)", flush=True)

            for i in range(page.locator(NAV_LINKS).count()):
                _expand_nav(page)
                link = page.locator(NAV_LINKS).nth(i)
                label = " ".join((link.inner_text() or f"page {i + 1}").split())
                for icon in link.locator('[data-testid="stIconMaterial"]').all_inner_texts():
                    label = " ".join(label.replace(icon, " ", 1).split())
                visit(label, link, shots / f"{i + 1:02d}.png")
                # tabs run lazily (only the open one queries): open each of the others once
                tabs = page.locator(f"{MAIN} {TABS}")
                for k in range(1, tabs.count()):
                    tab = tabs.nth(k)
                    visit(f"{label} › {' '.join((tab.inner_text() or f'tab {k + 1}').split())}", tab)
            rec.detach()
            failures += rec.failures()
            browser.close()
    finally:
        sampler.stop()
        _kill_group(server)
        log.close()
    return {"customers": customers, "db": Path(db_url.split("///", 1)[-1]).name,
            "peak_rss_mb": sampler.peak_mb, "start_rss_mb": start_rss, "pages": pages,
            "failures": failures, "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            "duckdb_settings": "defaults (memory_limit 80 % of RAM, one thread per core)",
            "method": "`python -m bench.serve_bench`: `streamlit run dashboard.py` on loopback on "
                      "the scored copy of the base (made by the model step); headless Chromium "
                      "(Playwright) opens the app and clicks every page and every tab of it once, in "
                      "a fresh server (nothing cached); the resident memory of the server's process tree is "
                      "sampled every 0.2 s (the browser is not counted)."}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--db", help="database URL (default: the scored copy of the base)")
    args = parser.parse_args()
    shots = WORK / f"serve_{args.customers}_shots"
    shots.mkdir(parents=True, exist_ok=True)
    result = serve_and_drive(args.customers, args.db or default_db(args.customers), shots)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"serve_{args.customers}.json"
    out.write_text(json.dumps(result, indent=1))
    print(f"peak RSS {result['peak_rss_mb']:,.0f} MB; {len(result['failures'])} failures; "
          f"wrote {out}")
    for failure in result["failures"]:
        print("FAILURE:", failure)


if __name__ == "__main__":
    main()
