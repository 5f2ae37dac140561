"""Load: N concurrent browser sessions walking the app's pages for a while, on the demo base.

``python -m tools.load [--sessions 20] [--seconds 120] [--customers 100000]`` (or ``make load``)
serves the app with ``streamlit run`` on loopback, opens N browser contexts in Debian's
Chromium (Playwright), and has each click through the sidebar navigation at random until the
time is up. Every page view must finish without an exception element or a console error and
ask no host but the app's own; the server's memory (the process group's resident set) is
sampled throughout. Prints a Markdown summary; exit 1 on any error.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from playwright.async_api import async_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, REPO, _kill_group, _wait_healthy
from tests.pgserver import free_port

NAV = '[data-testid="stSidebarNav"] a'


def group_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB), from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().split()
            if int(stat[4]) != pid and int(entry.name) != pid:   # stat[4] = process group id
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024


async def settle(page, timeout: float = 120.0) -> None:
    """Until Streamlit reports the script finished (and stays so for half a second)."""
    deadline = time.monotonic() + timeout
    done_since = None
    while time.monotonic() < deadline:
        app = page.locator('[data-testid="stApp"]')
        state = await app.first.get_attribute("data-test-script-state") if await app.count() else None
        if state == "notRunning":
            done_since = done_since or time.monotonic()
            if time.monotonic() - done_since > 0.5:
                return
        else:
            done_since = None
        await asyncio.sleep(0.1)
    raise TimeoutError("page did not finish")


async def session(browser, base: str, seconds: float, seed: int, stats: dict) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.on("console", lambda m: stats["errors"].append(f"console: {m.text}")
            if m.type == "error" and "_stcore/" not in m.text else None)
    page.on("request", lambda r: stats["errors"].append(f"outside request: {r.url}")
            if urlparse(r.url).hostname not in LOCAL_HOSTS and not r.url.startswith(("data:", "blob:")) else None)
    await page.goto(base)
    try:
        await settle(page)
    except TimeoutError:
        stats["errors"].append(f"the first page did not finish within 120 s: {page.url}")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        links = page.locator(NAV)
        count = await links.count()
        target = links.nth(rng.randrange(count))
        started = time.monotonic()
        await target.click()
        try:
            await settle(page)
        except TimeoutError:
            stats["errors"].append(f"a page did not finish within 120 s: {page.url}")
            if os.environ.get("RETENTION_LOAD_DUMP"):
                Path(os.environ["RETENTION_LOAD_DUMP"]).write_text(subprocess.run(
                    ["py-spy", "dump", "--pid", str(stats["server_pid"])], capture_output=True,
                    text=True).stdout)
            continue
        stats["views"].append(time.monotonic() - started)
        if await page.locator('[data-testid="stException"]').count():
            stats["errors"].append("exception shown on " + page.url)
    await context.close()


async def run(base: str, sessions: int, seconds: float, server_pid: int) -> dict:
    stats: dict = {"views": [], "errors": [], "rss": [], "server_pid": server_pid}

    async def sample() -> None:
        while True:
            stats["rss"].append(group_rss_mb(server_pid))
            await asyncio.sleep(2)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(sample())
        await asyncio.gather(*(session(browser, base, seconds, i, stats) for i in range(sessions)))
        sampler.cancel()
        await browser.close()
    return stats


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="retention-load-"))
    url = f"duckdb:///{work}/demo.duckdb"
    env = {**os.environ, "RETENTION_DB_URL": url, "RETENTION_USERS_FILE": str(work / "none.toml")}
    subprocess.run([sys.executable, "-m", "lib", "demo", "--customers", str(args.customers), "--db", url],
                   check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        if not _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", server, 60):
            print("the app did not start", file=sys.stderr)
            return 1
        started = time.monotonic()
        stats = asyncio.run(run(f"http://127.0.0.1:{port}/", args.sessions, args.seconds, server.pid))
        wall = time.monotonic() - started
    finally:
        _kill_group(server)
    views = sorted(stats["views"])
    lines = [
        "| sessions | duration | page views | median view | 95th percentile | errors | server memory, peak |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {args.sessions} | {wall:.0f} s | {len(views)} | {statistics.median(views):.2f} s | "
        f"{views[int(0.95 * (len(views) - 1))]:.2f} s | {len(stats['errors'])} | {max(stats['rss']):.0f} MB |",
    ]
    print("\n".join(lines))
    for error in dict.fromkeys(stats["errors"]):
        print("ERROR:", error)
    return 1 if stats["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
