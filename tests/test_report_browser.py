"""The standalone HTML report in Chromium: every axis tick label inside its chart.

Streamlit's chart element makes room for tick labels itself; a standalone file relies on the
figure's own margins. In the app, Streamlit makes its "streamlit" Plotly template the default
(it has no automargin), so the figures are built here under that template, as the app builds
them: without automargin of our own, 42 labels fell outside (dates cut, "M" and "%" only). Measured in the browser: each tick label's bounding box against its
figure's box (``.main-svg``), in both languages, on a base large enough for 万 and k labels.
"""
from __future__ import annotations

import plotly.io as pio
import pytest
import streamlit  # noqa: F401 - registers the app's "streamlit" Plotly template

from lib.overview import charts
from lib.overview.kpis import build_overview
from lib.overview.report import overview_html, report_file_name
from lib.pipeline.snapshots import write_snapshots
from lib.rules.versions import current_rules
from lib.overview.queries import snapshot_list
from lib.store import read_frame
from lib.pipeline.migrations import open_store
from lib.store.filters import Filters
from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive

#: tick labels of every cartesian axis Plotly draws (x, y and the right-hand y2)
_BOXES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot => {
  const fig = plot.querySelector('.main-svg').getBoundingClientRect();
  const labels = Array.from(plot.querySelectorAll(
      '.xtick text, .ytick text, .y2tick text, .g-xtitle text, .g-ytitle text, .g-y2title text'))
    .map(el => { const b = el.getBoundingClientRect();
                 return {text: el.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom}; });
  return {figure: {left: fig.left, right: fig.right, top: fig.top, bottom: fig.bottom}, labels};
})"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_axis_label_lies_outside_its_chart(browser_page, duckdb_url, tmp_path, lang, monkeypatch):
    monkeypatch.setattr(pio.templates, "default", "streamlit")
    engine = open_store(duckdb_url)
    rules = current_rules(engine)
    for frame in generate_snapshots(customers=3000, snapshots=4, seed=5):
        write_snapshots(engine, derive(frame), rules=rules, source_name="demo", churn_window_months=1)
    with engine.connect() as conn:
        latest = read_frame(conn, snapshot_list())["snapshot_date"].max()
        view = build_overview(conn, Filters(latest), rules)
    figures = [charts.trend_customers(view.trend, lang), charts.trend_churn(view.trend, rules, lang),
               charts.pareto(view.pareto, view.top_customer_share, view.top_revenue_share, lang),
               charts.risk_by_tier(view.risk_by_tier, rules, lang)]
    name = report_file_name(lang, view.snapshot_date)
    assert name == f"overview_report_{lang}_{view.snapshot_date.isoformat()}.html"
    path = tmp_path / name
    path.write_text(overview_html(view, figures, Filters(view.snapshot_date), rules, lang), encoding="utf-8")

    page = browser_page.page
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
    plots = page.evaluate(_BOXES)
    assert len(plots) == 4
    outside = []
    for i, plot in enumerate(plots):
        box = plot["figure"]
        assert len([x for x in plot["labels"] if x["text"]]) >= 4, f"chart {i} drew no tick labels"
        for label in plot["labels"]:
            if not label["text"] or label["right"] <= label["left"]:
                continue   # an empty tick draws no box
            if (label["left"] < box["left"] - 0.5 or label["right"] > box["right"] + 0.5
                    or label["top"] < box["top"] - 0.5 or label["bottom"] > box["bottom"] + 0.5):
                outside.append((i, label["text"], label, box))
    assert outside == []
    # the report asks for nothing but itself
    assert [u for u in browser_page.recorder.outside_requests() if u != path.as_uri()] == []
