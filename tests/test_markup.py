"""Stored text made inert where it meets markup (issue 21 item 5): the escaping helpers by hand,
and pages, charts and the HTML report built from a store whose province, tier names, plan name
and offer name are markdown images and links."""
import datetime as dt
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.common.charts import style_figure
from lib.overview import charts
from lib.i18n import t, t_text
from lib.overview.kpis import build_overview
from lib.common.markup import plain, plotly_text
from lib.offers.store import current_catalogue, save_catalogue
from lib.store.filters import Filters
from lib.overview.report import overview_html
from lib.rules import edit_rules_text
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.pipeline.migrations import open_store
from lib.ui import Keys
from tests.factories import OPS_PLAN_SNAPSHOT
from tests.rendered import shown

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "![p](http://evil.example/x.png)"
J = "\u2060"   # U+2060 WORD JOINER
LINK = "[link](http://evil.example)"


# --- the helpers, by hand --------------------------------------------------------------------
@pytest.mark.parametrize(("text", "escaped"), [
    # every ASCII punctuation character gets one backslash (CommonMark: it then shows as itself)
    # GFM autolink literals survive backslashes (found after escapes are resolved): an
    # invisible word joiner (U+2060, written J here) inside "http://", "www." and "a@" stops them
    (IMAGE, r"\!\[p\]\(http\:" + J + r"\/\/evil\.example\/x\.png\)"),
    (LINK, r"\[link\]\(http\:" + J + r"\/\/evil\.example\)"),
    (":red[x]", r"\:red\[x\]"),
    (":material/home:", r"\:material\/home\:"),
    ("$x$", r"\$x\$"),
    ("<b>x</b>", r"\<b\>x\<\/b\>"),
    ('<a href="http://e.example">x</a>', r'\<a href\=\"http\:' + J + r'\/\/e\.example\"\>x\<\/a\>'),
    ("www.evil.example", "www" + J + r"\.evil\.example"),  # GFM autolink literal
    ("a@evil.example", "a" + J + r"\@evil\.example"),      # GFM e-mail autolink
    ("北京 Beijing", "北京 Beijing"),                      # nothing to escape: unchanged
    ("# two\nlines", r"\# two lines"),                    # a line break could start a block
])
def test_plain_escapes_markdown_by_hand(text, escaped):
    assert plain(text) == escaped
    # a user sees the same characters (backslash escapes undone as CommonMark does)
    assert shown(plain(text)) == text.replace("\n", " ")


def test_plain_does_not_escape_twice():
    """A message built from messages (a translated text with escaped fields as a field)."""
    assert plain(plain(IMAGE)) == plain(IMAGE)
    # a backslash before a letter is no escape: it is punctuation itself and gets escaped, so
    # a Windows path shows with its backslashes: C \: \\ data \\ a \. csv
    assert plain(r"C:\data\a.csv") == r"C\:\\data\\a\.csv"
    assert shown(plain(r"C:\data\a.csv")) == r"C:\data\a.csv"


@pytest.mark.parametrize(("text", "escaped"), [
    ('<a href="http://evil.example">x</a>', '&lt;a href="http://evil.example"&gt;x&lt;/a&gt;'),
    ("<img src=x>", "&lt;img src=x&gt;"),
    ("<b>A&B</b>", "&lt;b&gt;A&amp;B&lt;/b&gt;"),
    ("4★ 广东", "4★ 广东"),
])
def test_plotly_text_escapes_tags_by_hand(text, escaped):
    assert plotly_text(text) == escaped


def test_t_escapes_text_fields_and_keeps_numbers():
    # template "Kept as segment dimensions: {columns}" (lib/i18n/app.py), filled by hand
    assert t("data_kept_columns", "en", columns=IMAGE) == (
        r"Kept as segment dimensions: \!\[p\]\(http\:" + J + r"\/\/evil\.example\/x\.png\)")
    assert t_text("data_kept_columns", "en", columns=IMAGE) == f"Kept as segment dimensions: {IMAGE}"
    # a number keeps its format spec ("{n:,}")
    assert t("data_import_button", "en", n=12345) == t_text("data_import_button", "en", n=12345)


def test_a_chart_keeps_no_tag_from_its_data_but_its_own():
    import plotly.graph_objects as go
    fig = go.Figure(go.Bar(x=[f'<a href="http://evil.example">{LINK}</a>', "ok"], y=[1, 2],
                           name="<img src=http://evil.example/x.png>",
                           hovertemplate="%{x}<br>%{y}<extra></extra>"))
    style_figure(fig, "<b>title</b>")
    spec = fig.to_json()
    assert "<a " not in spec and "<img" not in spec
    assert fig.data[0].x[0] == '&lt;a href="http://evil.example"&gt;[link](http://evil.example)&lt;/a&gt;'
    assert fig.data[0].hovertemplate == "%{x}<br>%{y}<extra></extra>"     # our own tags kept
    assert fig.layout.title.text == "<b>title</b>"


# --- a hostile store through the pages ---------------------------------------------------------
# the hand-made base has tiers 3 and 4 (spend 150 and 300): those carry the HTML
TIER_NAMES = [f"{LINK} 1", f"{LINK} 2", '<a href="http://evil.example">3</a>',
              IMAGE + '<img src="http://evil.example/y.png">', f"{LINK} 5", f"{LINK} 6"]


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    return hostile_store(f"duckdb:///{tmp_path_factory.mktemp('hostile')}/h.duckdb")


def hostile_store(url: str) -> str:
    """A hand-made base (three monthly snapshots, one call-back plan) with markdown and HTML in
    every stored name: a province, the tier names in the rules, the plan's name and purpose,
    an offer's name in the catalogue."""
    from lib.auth import User, acting_as
    from lib.pipeline.snapshots import write_snapshots
    from lib.store import callback_plans, plan_customers
    from tests.factories import customer, snapshot

    people = {f"C{i}": (IMAGE if i % 2 else "广东", 150 if i % 3 else 300) for i in range(40)}
    dates = (OPS_PLAN_SNAPSHOT, dt.date(2026, 9, 30), dt.date(2026, 10, 31))
    with acting_as(User("test", "admin")):
        engine = open_store(url)
        rules = current_rules(engine)
        save_rules(engine, edit_rules_text(rules.text, {"tiers.names_en": TIER_NAMES}))
        rules = current_rules(engine)
        for k, date in enumerate(dates):
            rows = [customer(cid, spend, 24 + k, province=province, churned=k > 0 and cid in ("C1", "C2"),
                             churn_type="switch" if k > 0 and cid in ("C1", "C2") else None)
                    for cid, (province, spend) in people.items()]
            write_snapshots(engine, snapshot(date, rows), rules=rules, source_name="hostile",
                            churn_window_months=1)
        _, _, text = current_catalogue(engine)
        save_catalogue(engine, text.replace('name_en = "Care call by account manager"',
                                            f'name_en = "{IMAGE}"', 1))
        with engine.begin() as conn:
            plan_id = conn.execute(sa.insert(callback_plans).values(
                name=IMAGE, purpose=LINK, channel="phone",
                snapshot_month=OPS_PLAN_SNAPSHOT.year * 12 + OPS_PLAN_SNAPSHOT.month - 1,
                window_start=dt.date(2026, 9, 1), window_end=dt.date(2026, 9, 30),
                offer_ids="care_call", selection="{}", target_effect=0.05, holdout_share=0.5,
                seed=1, status="active", created_by="test",
                created_at=dt.datetime(2026, 9, 1, 9, 0)).returning(callback_plans.c.plan_id)).scalar_one()
            conn.execute(sa.insert(plan_customers), [
                {"plan_id": plan_id, "customer_id": cid, "arm": "treated" if i % 2 else "holdout",
                 "tier": 5, "stage": "maturity", "province": people[cid][0], "manager": LINK,
                 "offer_id": "care_call" if i % 2 else None}
                for i, cid in enumerate(people)])
        engine.dispose()
    return url


UNESCAPED = re.compile(r"(?<!\\)\]\((?:http|//)|(?<!\\)!\[|(?<!\\)<(?:a|img)\b", re.I)


def markdown_bodies(at: AppTest) -> list[str]:
    """Every markdown-rendered text on the page: bodies, labels, help, metric values, radio
    options (select boxes and multiselects show their options as plain text: not included)."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                 "subheader", "header", "exception", "latex"):
        out += [e.proto.body if hasattr(e.proto, "body") else str(e.value) for e in at.get(kind)]
    for kind in ("metric", "selectbox", "multiselect", "radio", "button", "checkbox", "toggle",
                 "number_input", "text_input", "slider", "date_input", "expander", "tab",
                 "download_button", "text_area", "select_slider", "page_link"):
        for e in at.get(kind):
            proto = getattr(e, "proto", None)
            for field in ("label", "help", "body"):
                value = getattr(proto, field, None)
                if isinstance(value, str):
                    out.append(value)
            if kind == "radio":
                out += list(proto.options)
    return out


def chart_specs(at: AppTest) -> list[str]:
    return [e.proto.spec for e in at.get("plotly_chart")]


def run_page(monkeypatch, url: str, page: str, **state) -> AppTest:
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page(page)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def assert_inert(at: AppTest) -> int:
    bodies = markdown_bodies(at)
    bad = [b for b in bodies if UNESCAPED.search(b)]
    assert not bad, bad
    specs = chart_specs(at)
    for spec in specs:
        assert "<a " not in spec.lower() and "<img" not in spec.lower(), spec[:400]
    return len(specs)


@pytest.mark.parametrize(("page", "state", "expect"), [
    ("views/segments.py", {"segments_tab": "Geography"}, "evil.example"),
    ("views/segments.py", {"segments_tab": "Value"}, "evil.example"),
    ("views/segments.py", {"segments_tab": "Tier migration"}, "evil.example"),
    ("views/overview.py", {}, None),
    ("views/operations.py", {}, "evil.example"),
    ("views/offers.py", {}, "evil.example"),
    ("views/lifecycle.py", {}, None),
    ("views/data.py", {}, "evil.example"),
])
def test_no_stored_name_becomes_a_link_or_an_image(hostile_url, monkeypatch, page, state, expect):
    at = run_page(monkeypatch, hostile_url, page, **state)
    assert_inert(at)
    if expect:   # the hostile text is on the page (escaped), so the check above saw it
        everything = " ".join(markdown_bodies(at)) + " ".join(chart_specs(at))
        assert expect.replace(".", r"\.") in everything or expect in everything


def test_the_plan_name_shows_as_written(hostile_url, monkeypatch):
    at = run_page(monkeypatch, hostile_url, "views/operations.py")
    assert any(IMAGE in shown(s.value) for s in at.subheader)        # "#1 · ![p](…) · Active"
    assert any(LINK in shown(c.value) for c in at.caption)           # the purpose, in the caption


def test_the_report_has_no_live_link_or_image(hostile_url):
    engine = open_store(hostile_url)
    rules = current_rules(engine)
    filters = Filters(dt.date(2026, 10, 31), (IMAGE,), ())
    with engine.connect() as conn:
        view = build_overview(conn, filters, rules)
    figures = [charts.trend_customers(view.trend, "en"), charts.trend_churn(view.trend, rules, "en"),
               charts.risk_by_tier(view.risk_by_tier, rules, "en")]
    page = overview_html(view, figures, filters, rules, "en")
    engine.dispose()
    assert '<a href="http://evil' not in page and '<img src="http://evil' not in page
    # Plotly's JSON writes "<" as \u003c: a live tag in a figure would read \u003ca
    assert "\\u003ca " not in page and "\\u003cimg" not in page
    # the tier names are in the figures, as text: the tags escaped for Plotly
    assert "&lt;a href=" in page.split("<script", 1)[1] and "&lt;img src=" in page.split("<script", 1)[1]


def test_a_message_made_for_markdown_shows_its_characters_in_a_chart():
    # "Same offer to all: {offer}" is built by t() for markdown, then drawn as a Plotly label:
    # the offer's name must read as written (no "Top\-up"), and its tag must stay inert
    from lib.offers import charts as charts_offers
    from lib.i18n import t
    from lib.common.markup import plain, unplain

    label = t("offers_plan_single", "en", offer="Top-up bonus: 50 <a href='http://evil.example'>x</a>")
    fig = charts_offers.plan_comparison([(label, 1.0, 2.0)], "en")
    assert fig.data[0].x[0] == ("Same offer to all: Top-up bonus: 50 "
                                "&lt;a href='http://evil.example'&gt;x&lt;/a&gt;")
    assert unplain(plain("a-b: ![x](http://e) \\ c")) == "a-b: ![x](http://e) \\ c"


#: For a failure message: the Streamlit element holding a link, and its text.
WHERE = ("e => { const box = e.closest('[data-testid]') || e; "
         "return box.getAttribute('data-testid') + ' :: ' + box.innerText.slice(0, 160); }")


def test_no_stored_name_makes_the_browser_fetch_or_link_anything(browser_page, tmp_path):
    """Served for real and clicked through in Chromium: the province, tier, plan and offer names
    full of images and links make no request to another host and no link in any page."""
    from tests.browser import serve, visit_all_pages, wait_for_streamlit

    # its own store file: the AppTests above keep theirs open in this process (one DuckDB writer)
    url = hostile_store(f"duckdb:///{tmp_path}/served.duckdb")
    with serve(url, tmp_path, RETENTION_USERS_FILE=str(tmp_path / "absent.toml")) as served:
        result = visit_all_pages(browser_page.page, served.base_url, tmp_path / "shots")
        page = browser_page.page
        for path in ("segments", "offers", "operations"):
            page.goto(f"{served.base_url}/{path}")
            wait_for_streamlit(page, timeout=180)
            found = page.locator('a[href*="evil.example"], img[src*="evil.example"]')
            assert found.count() == 0, [found.nth(i).evaluate(WHERE) for i in range(min(found.count(), 5))]
        log = served.log_tail(200)
    assert len(result.pages) >= 7
    assert not [u for u in browser_page.recorder.requests if "evil.example" in u]
    assert not result.failures, "\n".join(result.failures) + "\n--- server log ---\n" + log
    assert "Traceback" not in log
