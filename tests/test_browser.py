"""The app served by `streamlit run`, driven in headless Chromium (tests/browser.py).

Screenshots land in tests/artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.browser import (
    REPO,
    SHOTS_DIR,
    choose_radio,
    screenshot,
    visit_all_pages,
    wait_for_streamlit,
)

pytestmark = pytest.mark.browser


def test_a_page_url_opened_first_gets_the_whole_app(served_app, browser_page):
    """A bookmark to a page, as the first request a fresh server sees, still runs dashboard.py
    (sign-in, sidebar, navigation) — the reason pages live in views/, not pages/. Keep this test
    first in the file: the server is shared by the session."""
    page = browser_page.page
    page.goto(served_app.base_url + "/data")
    wait_for_streamlit(page)
    assert page.get_by_text("Language / 语言").count() == 1
    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert not any("dashboard" in link.lower() for link in links), links


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


def test_a_segment_table_downloads_when_clicked(served_app, browser_page):
    """Downloads are made when clicked (deferred): the file arrives, the page does not rerun
    and the browser logs no 404 for a file dropped by a later rerun."""
    page, rec = browser_page.page, browser_page.recorder
    page.goto(served_app.base_url + "/segments")
    wait_for_streamlit(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").first.click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) >= 7 and "," in lines[0], lines[:3]      # a header and one row per tier
    assert download.value.suggested_filename.endswith(".csv")
    assert not rec.failures(), "\n".join(rec.failures())


def test_a_user_filters_imports_downloads_and_simulates(served_app, browser_page, telco_file):
    """The issue-7 walk: sidebar filter, a download, the offers slider, CSV upload and import."""
    page, rec = browser_page.page, browser_page.recorder
    page.goto(served_app.base_url)
    wait_for_streamlit(page)

    # a sidebar filter: pick the first province
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    page.locator('[role="option"]').first.click()
    page.keyboard.press("Escape")
    wait_for_streamlit(page)
    assert page.locator('[data-testid="stMetric"]').count() >= 8

    # download the Overview report: one self-contained HTML file
    with page.expect_download() as download:
        page.get_by_text("Download report (HTML)").click()
    html = Path(download.value.path()).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script src=" not in html

    # the offers simulator: move the depth slider with the keyboard
    page.goto(served_app.base_url + "/offers")
    wait_for_streamlit(page)
    before = page.locator('[data-testid="stMetric"]').nth(0).inner_text()
    slider = page.get_by_role("slider").nth(1)
    slider.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    wait_for_streamlit(page)
    after = page.locator('[data-testid="stMetric"]').nth(0).inner_text()
    assert before != after, "moving the depth slider changed nothing"
    screenshot(page, SHOTS_DIR / "walk-offers.png")
    # upload the telecom export (the BigML file's shape) on the Data page and import it; its
    # rows are counted here with polars alone
    rows = pl.read_csv(telco_file).height
    page.goto(served_app.base_url + "/data")
    wait_for_streamlit(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(telco_file))
    wait_for_streamlit(page)
    date = page.locator('[data-testid="stDateInput"] input').first
    date.fill("2026-11-30")               # the demo base already holds 2026-10-31
    date.dispatch_event("change")
    date.dispatch_event("blur")
    wait_for_streamlit(page)
    # the window has no default: the file's churn flag means "ever left", so: don't know
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Churn flag covers")
    box.scroll_into_view_if_needed()
    box.get_by_role("button", name="Open").click()
    page.locator('[role="option"]').filter(has_text="I don't know").click()
    wait_for_streamlit(page)
    # the file's "Account length" is in days: the plausibility warning must be acknowledged
    page.get_by_text("I have checked the").first.click()
    wait_for_streamlit(page)
    page.get_by_role("button", name=f"Import {rows:,} rows").click()
    wait_for_streamlit(page)
    page.get_by_text(f"Imported {rows:,} rows").first.wait_for(timeout=30_000)
    screenshot(page, SHOTS_DIR / "walk-data-imported.png")

    assert not page.locator('[data-testid="stException"]').count()
    assert not rec.failures(), "\n".join(rec.failures())


def test_a_link_opens_the_map_in_chinese_and_a_click_drills_down(served_app, browser_page):
    """A shared link (lib/ui/links.py) opens the Segments page's map in Chinese coloured by
    churn; a click on a province tile drills down: the drill box and the address name it."""
    page, rec = browser_page.page, browser_page.recorder
    # the demo store ("main"): an earlier test imports the telco file into a workspace of its
    # own, which a new session would otherwise open (the newest own workspace)
    page.goto(served_app.base_url + "/segments?lang=zh&workspace=main&segments_tab=seg_tab_geography"
              "&seg_metric=monthly_churn")
    wait_for_streamlit(page)
    page.get_by_text("各省流失率").first.wait_for(state="attached", timeout=30_000)
    assert page.get_by_role("tab", name="地域").get_attribute("aria-selected") == "true"
    # the tile of a province other than the one drilled into (its name is on the filter button)
    button = page.get_by_role("button", name="将全部页面筛选为").first
    before = button.inner_text()
    label = next(text for text in page.locator("g.annotation text").all_text_contents()
                 if text and text not in before)
    box = page.locator("g.annotation text", has_text=label).first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "name => decodeURIComponent(location.search).includes('seg_drill_province=' + name)", arg=label,
        timeout=30_000)
    wait_for_streamlit(page)
    page.get_by_role("button", name=f"将全部页面筛选为 {label}").wait_for(timeout=30_000)
    screenshot(page, SHOTS_DIR / "segments-map-zh-clicked.png")
    assert not rec.failures(), "\n".join(rec.failures())
