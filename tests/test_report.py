"""The Overview report is one self-contained HTML file."""
import re

import pytest

from lib.overview import charts
from lib.overview.kpis import build_overview
from lib.store.filters import Filters
from lib.overview.report import overview_html
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.pipeline.migrations import open_store
from tests.factories import S2, two_snapshots


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_inlines_everything(duckdb_url, lang):
    engine = open_store(duckdb_url)
    rules = current_rules(engine)
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    with engine.connect() as conn:
        view = build_overview(conn, Filters(S2), rules)
    figures = [charts.trend_customers(view.trend, lang), charts.trend_churn(view.trend, rules, lang)]
    page = overview_html(view, figures, Filters(S2), rules, lang)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""<script[^>]+src=|<link[^>]+href=["']?https?:""", page)
    assert page.count("Plotly.newPlot") == 2
    assert ("Monthly churn rate" if lang == "en" else "月流失率") in page
    assert "33.3%" in page
