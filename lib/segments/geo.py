"""Geography: segment measures per province, city and district, and where to draw them.

Provinces are drawn on an equal-area tile layout shipped as ``data/province_tiles.csv``
(province, English name, grid x, grid y; no borders, nothing fetched). A choropleth is drawn
only from a GeoJSON file the operator names in ``RETENTION_GEOJSON`` (official maps carry
approval numbers, so none is shipped). Regions without a tile (US states in a BigML file)
get a ranked bar chart.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from lib.store.filters import Filters
from lib.segments import queries as q
from lib.rules import Rules
from lib.segments.tiers import churn_window, monthly_rate, with_rates
from lib.store import read_frame
from lib import DATA_DIR

TILES_PATH = DATA_DIR / "province_tiles.csv"
GEOJSON_ENV = "RETENTION_GEOJSON"
GEOJSON_KEY_ENV = "RETENTION_GEOJSON_KEY"
#: Metrics a map or ranking can show, with their unit (``lib.common.fmt.number``).
METRICS: dict[str, str] = {"active": "count", "vip_share": "share", "monthly_churn": "share",
                           "arpu": "currency", "revenue_at_risk": "currency"}
#: The tile map is drawn when at least this share of customers is in provinces with a tile.
TILE_MIN_SHARE = 0.8
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")


@lru_cache(maxsize=1)
def tiles() -> pl.DataFrame:
    """The province tile layout: province (Chinese), name_en, x, y (grid cells)."""
    return pl.read_csv(TILES_PATH, schema={"province": pl.String, "name_en": pl.String,
                                           "x": pl.Int64, "y": pl.Int64})


def tile_key(name: str | None) -> str | None:
    """The layout's province for a stored name: Chinese with or without 省/市/自治区, or English."""
    if not name:
        return None
    text = name.strip()
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    layout = tiles()
    by_zh = set(layout["province"].to_list())
    if text in by_zh:
        return text
    by_en = {en.lower(): zh for zh, en in zip(layout["province"].to_list(), layout["name_en"].to_list())}
    return by_en.get(text.lower())


def area_label(area: str, lang: str) -> str:
    """A province as the sidebar, the tables and the tile map name it: the stored name, and in
    English the layout's English name beside it ("广东 (Guangdong)"); a name the layout does not
    know (a city, a US state) as stored."""
    if lang == "zh" or not area:
        return area
    english = _english_names().get(tile_key(area) or "")
    return f"{area} ({english})" if english and english != area else area


@lru_cache(maxsize=1)
def _english_names() -> dict[str, str]:
    layout = tiles()
    return dict(zip(layout["province"].to_list(), layout["name_en"].to_list()))


@dataclass(frozen=True)
class GeoView:
    """Measures per area (see ``lib.segments.tiers.with_rates``) and, for provinces, their tile.

    ``areas``: area, customers, active, vip_active, revenue, churners_counted, base_counted,
    vip_share, arpu, monthly_churn, revenue_at_risk, tile (layout name or null), x, y, name_en.
    ``tile_share``: share of active customers in areas with a tile (0–1).
    """

    areas: pl.DataFrame
    tile_share: float
    horizon_months: int
    #: The selection's own monthly churn rate (all its areas together; None when the churn
    #: window is unknown): the midpoint of the churn map's diverging colours.
    overall_churn: float | None = None

    @property
    def use_tiles(self) -> bool:
        return self.areas.height > 0 and self.tile_share >= TILE_MIN_SHARE


def _finish(frame: pl.DataFrame, window: int, horizon: int) -> pl.DataFrame:
    schema = {"area": pl.String, "customers": pl.Int64, "active": pl.Int64, "vip_active": pl.Int64,
              "revenue": pl.Float64, "churners_counted": pl.Int64, "base_counted": pl.Int64}
    frame = frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)
    return with_rates(frame, window, horizon)


def province_view(conn: sa.Connection, filters: Filters, rules: Rules) -> GeoView:
    window = churn_window(conn, filters.snapshot_date)
    areas = _finish(read_frame(conn, q.province_measures(filters, rules)), window,
                    rules.risk_horizon_months)
    areas = areas.with_columns(
        tile=pl.Series([tile_key(a) for a in areas["area"].to_list()], dtype=pl.String))
    areas = areas.join(tiles().rename({"province": "tile"}), on="tile", how="left")
    total = areas["active"].sum() or 0
    placed = areas.filter(pl.col("x").is_not_null())["active"].sum() or 0
    churners, base = areas["churners_counted"].sum() or 0, areas["base_counted"].sum() or 0
    overall = monthly_rate(churners / base, window) if base else None
    return GeoView(areas, placed / total if total else 0.0, rules.risk_horizon_months, overall)


def area_view(conn: sa.Connection, filters: Filters, rules: Rules, level: str, province: str,
              city: str | None = None) -> pl.DataFrame:
    """Measures per city of ``province`` (level "city") or per district of ``city``."""
    window = churn_window(conn, filters.snapshot_date)
    return _finish(read_frame(conn, q.area_measures(filters, rules, level, province, city)), window,
                   rules.risk_horizon_months)


def ranked(areas: pl.DataFrame, metric: str) -> pl.DataFrame:
    """Areas ranked by ``metric``, largest first (ties by name), with a 1-based ``rank``."""
    out = areas.sort([metric, "area"], descending=[True, False], nulls_last=True)
    return out.with_row_index("rank", offset=1)


@dataclass(frozen=True)
class GeoJson:
    """An operator-supplied GeoJSON and the feature property holding the area name."""

    features: dict
    key: str


def operator_geojson() -> GeoJson | None:
    """The GeoJSON named by ``RETENTION_GEOJSON`` (None when unset).

    Raises ``lib.rules.RulesError`` with ``segments_bad_geojson`` when the file cannot be used.
    """
    from lib.rules import RulesError

    path = os.environ.get(GEOJSON_ENV, "").strip()
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RulesError("segments_bad_geojson", path=path, detail=type(exc).__name__) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise RulesError("segments_bad_geojson", path=path, detail="FeatureCollection")
    return GeoJson(data, os.environ.get(GEOJSON_KEY_ENV, "").strip() or "name")
