"""Screenshots of every page for people to look at: ``python -m tools.screenshots``.

Serves the app on a demo base (default: the 100k-customer base ``make run`` seeds) and writes
one PNG per page to ``tests/artifacts/screenshots/`` (git-ignored), plus the Chinese Overview
and the Data page with a file uploaded (``--file``, default the repository's synthetic telecom
export tests/data/telco_churn.csv). ``--readme`` also refreshes docs/overview.png for the README.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    SHOTS_DIR,
    _kill_group,
    _wait_healthy,
    choose_radio,
    screenshot,
    visit_all_pages,
    wait_for_streamlit,
)
from tests.pgserver import free_port

#: The file shown uploaded on the Data page unless ``--file`` names another.
UPLOAD = REPO / "tests" / "data" / "telco_churn.csv"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=f"duckdb:///{REPO / 'data' / 'retention.duckdb'}")
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--file", type=Path, default=UPLOAD,
                        help="the file uploaded on the Data page (CSV or workbook)")
    args = parser.parse_args()
    port = free_port()
    env = {**os.environ, "RETENTION_DB_URL": args.db, "RETENTION_USERS_FILE": "/nonexistent/users.toml"}
    subprocess.run([sys.executable, "-m", "lib", "demo", "--if-empty", "--db", args.db],
                   check=True, env=env, cwd=REPO)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        if not _wait_healthy(base + "_stcore/health", server, 60):
            print("the app did not start", file=sys.stderr)
            return 1
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            result = visit_all_pages(page, base)
            # every tab of the pages that keep most of their figures behind tabs
            for path in ("lifecycle", "segments", "churn"):
                page.goto(base + path)
                wait_for_streamlit(page)
                tabs = page.get_by_role("tab")
                for i in range(1, tabs.count()):
                    tabs.nth(i).click()
                    wait_for_streamlit(page)
                    result.screenshots.append(screenshot(page, SHOTS_DIR / f"{path}-tab{i}.png"))
            page.goto(base + "data")
            wait_for_streamlit(page)
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(args.file))
            wait_for_streamlit(page)
            result.screenshots.append(screenshot(page, SHOTS_DIR / "data-upload.png"))
            page.goto(base)
            wait_for_streamlit(page)
            choose_radio(page, "Language / 语言", "简体中文")
            result.screenshots.append(screenshot(page, SHOTS_DIR / "zh-overview.png"))
            browser.close()
        for shot in result.screenshots:
            print(shot)
        for failure in result.failures:
            print("FAILURE:", failure)
        if args.readme:
            (REPO / "docs").mkdir(exist_ok=True)
            shutil.copy(result.screenshots[0], REPO / "docs" / "overview.png")
        return 1 if result.failures else 0
    finally:
        _kill_group(server)


if __name__ == "__main__":
    sys.exit(main())
