"""The app served by `streamlit run`, driven in headless Chromium (tests/browser.py).

Screenshots land in tests/artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import pytest

from tests.browser import (
    SHOTS_DIR,
    choose_radio,
    screenshot,
    visit_all_pages,
    wait_for_streamlit,
)

pytestmark = pytest.mark.browser


def test_every_page_renders_without_errors_or_outside_requests(served_app, browser_page):
    result = visit_all_pages(browser_page.page, served_app.base_url, SHOTS_DIR)
    assert not result.failures, "\n".join(result.failures) + "\n--- server log ---\n" + (
        served_app.log_tail())
    assert len(result.pages) >= 2, f"only {result.pages} in the sidebar navigation"
    assert result.recorder.requests, "no request recorded: the recorder is not attached"


def test_language_switch_to_chinese(served_app, browser_page):
    page, rec = browser_page.page, browser_page.recorder
    page.goto(served_app.base_url)
    wait_for_streamlit(page)
    choose_radio(page, "Language / 语言", "简体中文")
    page.get_by_text("概览").first.wait_for(state="attached", timeout=15_000)
    screenshot(page, SHOTS_DIR / "language-zh.png")
    assert "概览" in page.locator("body").inner_text()
    assert not rec.failures(), "\n".join(rec.failures())
