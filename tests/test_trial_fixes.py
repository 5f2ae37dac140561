"""What a new user's trial on the public BigML churn files found wrong, each pinned by a case
worked out by hand (the figures were recomputed from the files with plain pandas)."""
from __future__ import annotations

import polars as pl
from streamlit.testing.v1 import AppTest

from lib.pipeline.snapshots import write_snapshots
from lib.rules.versions import current_rules
from lib.store import make_engine
from lib.ui import table_display
from tests.factories import S1, customer, snapshot
from tests.rendered import shown
from tests.test_pages import ROOT


def test_a_missing_table_cell_reads_a_dash_not_none():
    """The Segments tier table of BigML's file: no six-star customer, so its ARPU and monthly
    churn are missing; the grid showed "None" there. By hand: 0.7273 as a share is "72.7%", the
    missing one "–"; a column without a gap keeps its numbers (it still sorts by value)."""
    frame = pl.DataFrame({"tier": ["5 star", "6 star"], "monthly_churn": [0.7273, None],
                          "active": [57, 0]})
    styler = table_display(frame, {"monthly_churn": "share", "active": "count"}, "en", None)
    assert styler.data["monthly_churn"].tolist() == ["72.7%", "–"]
    assert styler.data["active"].tolist() == [57, 0]
    html = styler.to_html()
    assert "None" not in html and "nan" not in html


def test_segments_states_the_exact_top_share_as_the_overview_does(tmp_path, monkeypatch):
    """Ten active customers: three spending 100, 103 and 106 a month (one spend band) and seven
    spending 10. The top 20 % is two customers, 106 + 103 = 209 of 309 + 70 = 379, so 55.1 %
    of revenue by hand (209 / 379 = 0.5515). The Segments page read the figure off the
    spend-band curve instead, as if the band's three spent alike (0.2 / 0.3 × 309 / 379 =
    54.4 %); on BigML's file it said 23.9 % where the rows give 24.3 % and the Overview 24 %."""
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    engine = make_engine(url)
    rows = [customer(cid, spend, 24) for cid, spend in
            (("A", 100), ("B", 103), ("C", 106), *((f"L{i}", 10) for i in range(7)))]
    write_snapshots(engine, snapshot(S1, rows), rules=current_rules(engine), source_name="hand",
                    churn_window_months=1)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/segments.py").run()
    assert not at.exception
    captions = [shown(c.value) for c in at.caption]
    assert "The top 20.0% of active customers bring 55.1% of revenue." in captions
