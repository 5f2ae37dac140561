"""What a new user's trial on the public BigML churn files found wrong, each pinned by a case
worked out by hand (the figures were recomputed from the files with plain pandas)."""
from __future__ import annotations

import polars as pl

from lib.ui import table_display


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
