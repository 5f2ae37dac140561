"""The province tile map: colour scales that fit the metric, hover with the count behind the
figure, no colour bar for a single tile, labels as the sidebar names provinces, and a click that
drills down (lib/segments/charts.py, lib/segments/geo.py, views/segments.py).

Chart tests use a hand-made frame of three provinces (worked below); the page tests use a
3,000-customer demo base and recompute what they expect from the stored rows in plain SQL.
"""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.auth import User, acting_as
from lib.demo.seed import seed_demo
from lib.segments import charts
from lib.segments.geo import GeoView, area_label
from lib.pipeline.migrations import open_store
from lib.ui import Keys

ROOT = Path(__file__).resolve().parents[1]

# 广东: 10 churners of 200 counted (5.0 %), 190 active; 北京 2 of 100 (2.0 %), 98 active;
# 上海 0 of 50, 50 active. Together 12 of 350 = 3.43 % (window 1 month: the monthly rate).
# Tile positions and English names as in data/province_tiles.csv.
AREAS = pl.DataFrame({
    "area": ["广东", "北京", "上海"], "customers": [200, 100, 50], "active": [190, 98, 50],
    "vip_active": [19, 5, 0], "revenue": [19000.0, 9800.0, 5000.0],
    "churners_counted": [10, 2, 0], "base_counted": [200, 100, 50],
    "vip_share": [0.1, 5 / 98, 0.0], "arpu": [100.0, 100.0, 100.0],
    "monthly_churn": [0.05, 0.02, 0.0], "revenue_at_risk": [1.0, 2.0, 3.0],
    "tile": ["广东", "北京", "上海"], "x": [5, 6, 7], "y": [6, 2, 4],
    "name_en": ["Guangdong", "Beijing", "Shanghai"]})
OVERALL = 12 / 350


def view(frame: pl.DataFrame = AREAS) -> GeoView:
    return GeoView(frame, 1.0, 12, OVERALL)


def tiles_trace(fig) -> dict:
    return fig.to_plotly_json()["data"][charts.TILE_CURVE]


def tile_labels(fig) -> list[str]:
    return [a["text"] for a in fig.to_plotly_json()["layout"]["annotations"]]


def test_churn_is_diverging_around_the_selection_and_counts_are_sequential():
    churn = tiles_trace(charts.province_tiles(view(), "monthly_churn", "en", OVERALL))["marker"]
    counts = tiles_trace(charts.province_tiles(view(), "active", "en", OVERALL))["marker"]
    # churn: blue through white to red, white at 12 / 350 on the 0–5 % range of the tiles:
    # (0.0342857 − 0) / (0.05 − 0) = 0.685714
    assert [c for _, c in churn["colorscale"]] == ["#2C7BB6", "#F7F7F7", "#D7191C"]
    assert churn["colorscale"][1][0] == pytest.approx(0.685714, abs=1e-6)
    assert (churn["cmin"], churn["cmax"]) == (0.0, 0.05)
    # counts: light to dark in one hue, over the counts' own range
    assert churn["colorscale"] != counts["colorscale"] and "cmin" not in counts
    assert counts["showscale"] and churn["showscale"]


def test_hover_shows_the_metric_with_its_count():
    zh = tiles_trace(charts.province_tiles(view(), "monthly_churn", "zh", OVERALL))["hovertext"]
    assert zh[0] == "广东<br>流失率：5.0%<br>流失 10 人 / 计入 200 人<br>在网客户 190 人"
    en = tiles_trace(charts.province_tiles(view(), "active", "en", OVERALL))["hovertext"]
    assert en[1] == "北京 (Beijing)<br>Customers: 98"


def test_one_province_has_no_colour_bar():
    trace = tiles_trace(charts.province_tiles(view(AREAS.head(1)), "monthly_churn", "en", 0.05))
    assert "showscale" not in trace["marker"] and "colorscale" not in trace["marker"]
    assert len(trace["x"]) == 1


def test_tile_labels_in_the_users_language_match_the_sidebar():
    zh = tile_labels(charts.province_tiles(view(), "active", "zh"))
    en = tile_labels(charts.province_tiles(view(), "active", "en"))
    assert zh == ["广东", "北京", "上海"]
    assert en == ["Guangdong", "Beijing", "Shanghai"]
    # the sidebar and the tables name a stored province the same way
    assert area_label("广东", "zh") == "广东" and area_label("广东省", "en") == "广东省 (Guangdong)"
    assert area_label("Texas", "en") == "Texas"                 # no tile: as stored


def test_a_click_on_a_coloured_tile_names_its_province():
    click = {"selection": {"points": [{"curve_number": 1, "point_index": 1, "customdata": "北京"}]}}
    assert charts.clicked_area(click) == "北京"
    assert charts.clicked_area({"selection": {"points": [{"curve_number": 0, "point_index": 3}]}}) is None
    assert charts.clicked_area(None) is None and charts.clicked_area({"selection": {"points": []}}) is None


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('tiles')}/demo.duckdb"
    engine = open_store(url)
    with acting_as(User("test", "admin")):
        seed_demo(engine, customers=3000, snapshots=2)
    engine.dispose()
    return url


def geography(monkeypatch, url: str, lang: str = "en") -> AppTest:
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/segments.py")
    at.session_state[Keys.LANG] = lang
    at.session_state["segments_tab"] = "Geography" if lang == "en" else "地域"
    at.run()
    assert not at.exception, at.exception
    return at


def test_clicking_a_province_drills_down_to_its_cities(demo_url, monkeypatch):
    at = geography(monkeypatch, demo_url)
    drill = at.selectbox(key="seg_drill_province")
    target = drill.options_raw[-1] if hasattr(drill, "options_raw") else None
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    target = target or spec["data"][charts.TILE_CURVE]["customdata"][-1]
    assert target != drill.value
    at.session_state["seg_tiles"] = {"selection": {"points": [
        {"curve_number": charts.TILE_CURVE, "point_index": 0, "customdata": target}]}}
    at.run()
    assert not at.exception
    assert at.selectbox(key="seg_drill_province").value == target
    engine = open_store(demo_url)
    with engine.connect() as conn:
        latest = conn.execute(sa.text("select max(snapshot_date) from customers")).scalar()
        cities = {r[0] for r in conn.execute(sa.text(
            "select distinct city from customers where snapshot_date = :d and province = :p "
            "and city is not null"), {"d": latest, "p": target})}
    engine.dispose()
    shown = set(at.dataframe[1].value.iloc[:, 1])
    assert shown == cities
    # the filter button puts the province in the sidebar's filter for every page
    next(b for b in at.button if b.label.startswith("Filter the whole app")).click().run()
    assert at.session_state[Keys.PROVINCES] == [target]


def test_one_province_filtered_says_so_without_a_scale(demo_url, monkeypatch):
    at = geography(monkeypatch, demo_url, "zh")
    at.session_state[Keys.PROVINCES] = ["广东"]
    at.session_state["segments_tab"] = "地域"
    at.run()
    assert any("只有一个省份" in c.value for c in at.caption)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert not spec["data"][charts.TILE_CURVE]["marker"].get("showscale")
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["广东"]
