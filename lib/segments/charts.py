"""Figures of the Segments page: data in, Plotly figure out, labels from lib.i18n."""
from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

from lib.common.charts import PALETTE, style_figure, unit_axis
from lib.i18n import t_text as t   # Plotly labels: escaped by style_figure, not as markdown
from lib.rules import TIERS, Rules
from lib.segments.tiers import MOVES, SegmentSettings
from lib.segments.clusters import ClusterView, cluster_name
from lib.segments.geo import METRICS, GeoJson, GeoView, area_label, tiles

SEQUENTIAL = [[0.0, "#EEF4F7"], [0.5, "#6F9AB2"], [1.0, "#0B3D5C"]]
DIVERGING = [[0.0, "#2C7BB6"], [0.5, "#F7F7F7"], [1.0, "#D7191C"]]
MOVE_COLOURS = {"up": "#2E8B57", "same": PALETTE["muted"], "down": PALETTE["accent"],
                "churned": PALETTE["danger"]}
HOVER_FORMAT = {"count": ":,.0f", "share": ":.1%", "currency": ":,.0f"}


def _legend_below(fig: go.Figure) -> go.Figure:
    """Legend under the plot, so it never covers the title of a half-width chart."""
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left",
                              "x": 0.0})
    return fig


def _tier_names(rules: Rules, tiers, lang: str) -> list[str]:
    return [rules.tier_name(int(tier), lang) for tier in tiers]


def tier_value(tiers: pl.DataFrame, rules: Rules, lang: str) -> go.Figure:
    """Share of active customers and of revenue per tier, side by side."""
    names = _tier_names(rules, tiers["tier"].to_list(), lang)
    fig = go.Figure()
    fig.add_bar(x=names, y=tiers["customer_share"].to_list(), name=t("seg_customer_share", lang),
                marker_color=PALETTE["muted"], customdata=tiers["active"].to_list(),
                hovertemplate="%{x}: %{y:.1%} (%{customdata:,})<extra></extra>")
    fig.add_bar(x=names, y=tiers["revenue_share"].to_list(), name=t("seg_revenue_share", lang),
                marker_color=PALETTE["primary"], customdata=tiers["revenue"].to_list(),
                hovertemplate="%{x}: %{y:.1%} (%{customdata:,.0f})<extra></extra>")
    fig.update_layout(barmode="group")
    unit_axis(fig, "yaxis", tiers["customer_share"].to_list() + tiers["revenue_share"].to_list(),
              "share", lang)
    return _legend_below(style_figure(fig, t("seg_chart_tier_value", lang)))


def tier_dimension(frame: pl.DataFrame, rules: Rules, dimension_label: str, lang: str) -> go.Figure:
    """Active customers per tier × value of a dimension (brand, plan, …), as a heatmap."""
    values = sorted(set(frame["value"].to_list()))
    tiers = sorted(set(frame["tier"].to_list()))
    cells = {(r["tier"], r["value"]): r["active"] for r in frame.iter_rows(named=True)}
    z = [[cells.get((tier, value), 0) for value in values] for tier in tiers]
    fig = go.Figure(go.Heatmap(
        z=z, x=values, y=_tier_names(rules, tiers, lang), colorscale=SEQUENTIAL,
        texttemplate="%{z:,}", hovertemplate="%{y} × %{x}: %{z:,}<extra></extra>",
        colorbar={"title": t("seg_active", lang)}))
    fig.update_xaxes(type="category")
    height = max(300, 60 + 40 * len(tiers))
    return style_figure(fig, t("seg_chart_tier_dimension", lang, dimension=dimension_label), height)


def arpu_box(arpu: pl.DataFrame, rules: Rules, lang: str) -> go.Figure:
    """Latest-month spend per tier: box from the quartiles, whiskers at the 10th and 90th
    percentiles, mean marked (quantiles computed in SQL)."""
    names = _tier_names(rules, arpu["tier"].to_list(), lang)
    fig = go.Figure(go.Box(
        x=names, q1=arpu["p25"].to_list(), median=arpu["p50"].to_list(), q3=arpu["p75"].to_list(),
        lowerfence=arpu["p10"].to_list(), upperfence=arpu["p90"].to_list(),
        mean=arpu["mean"].to_list(), marker_color=PALETTE["primary"], boxpoints=False,
        name=t("seg_arpu", lang), showlegend=False))
    ticks = [v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)
             if arpu.height and arpu["p10"].min() / 2 <= v <= arpu["p90"].max() * 2]
    fig.update_layout(yaxis={"type": "log", "title": t("seg_arpu_axis", lang), "tickvals": ticks,
                             "ticktext": [f"{v:,}" for v in ticks]})
    return style_figure(fig, t("seg_chart_arpu", lang))


def rfm_grid(grid: pl.DataFrame, config: SegmentSettings, lang: str) -> go.Figure:
    """Customers per recency score × fm score, each cell labelled with its segment."""
    names = {seg.key: seg.name(lang) for seg in config.rfm}
    z = [[0] * 5 for _ in range(5)]
    text = [[""] * 5 for _ in range(5)]
    for row in grid.iter_rows(named=True):
        z[row["fm"] - 1][row["r"] - 1] = row["customers"]
        text[row["fm"] - 1][row["r"] - 1] = names[row["segment"]]
    fig = go.Figure(go.Heatmap(
        z=z, x=[1, 2, 3, 4, 5], y=[1, 2, 3, 4, 5], text=text, texttemplate="%{z:,}",
        textfont={"size": 12}, colorscale=SEQUENTIAL, xgap=2, ygap=2,
        hovertemplate="R %{x} · FM %{y} · %{text}: %{z:,}<extra></extra>",
        colorbar={"title": t("seg_customers", lang)}))
    fig.update_xaxes(title=t("seg_axis_recency", lang), dtick=1)
    fig.update_yaxes(title=t("seg_axis_fm", lang), dtick=1)
    return style_figure(fig, t("seg_chart_rfm_grid", lang), 420)


def rfm_segments(segments: pl.DataFrame, lang: str) -> go.Figure:
    """Customers per RFM segment (bars) and their monthly churn rate (line, right axis)."""
    names = segments["name_zh" if lang == "zh" else "name_en"].to_list()
    fig = go.Figure()
    fig.add_bar(x=names, y=segments["customers"].to_list(), name=t("seg_customers", lang),
                marker_color=PALETTE["primary"], hovertemplate="%{x}: %{y:,}<extra></extra>")
    fig.add_scatter(x=names, y=segments["monthly_churn"].to_list(), name=t("seg_churn", lang),
                    yaxis="y2", mode="markers", marker={"size": 11, "color": PALETTE["accent"]},
                    hovertemplate="%{x}: %{y:.2%}<extra></extra>")
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False})
    unit_axis(fig, "yaxis", segments["customers"].to_list(), "count", lang)
    unit_axis(fig, "yaxis2", segments["monthly_churn"].to_list(), "share", lang)
    fig.update_xaxes(tickangle=-35)
    return _legend_below(style_figure(fig, t("seg_chart_rfm_segments", lang), 420))


def feature_unit(feature: str, lang: str, currency: str = "") -> str:
    """The unit a behavioural feature is counted in ("GB a month"; money in ``currency``)."""
    return t(f"seg_unit_{feature}", lang, currency=currency)


def feature_label(feature: str, lang: str, currency: str = "") -> str:
    """A feature's name with its unit: "data (GB a month)", "流量（GB/月）"."""
    return t("seg_feature_with_unit", lang, feature=t(f"seg_feature_{feature}", lang),
             unit=feature_unit(feature, lang, currency))


def cluster_profile(view: ClusterView, lang: str, currency: str = "") -> go.Figure:
    """Centroids in standardised units (0 = the base's average) per cluster and feature, each
    feature named with its unit; hover gives the cluster's mean in that unit."""
    model = view.model
    names = [cluster_name(model, i, lang) for i in range(model.k)]
    features = [feature_label(f, lang, currency) for f in model.features]
    z = [[model.centers[i][j] for i in range(model.k)] for j in range(len(model.features))]
    by_cluster = {row["cluster"]: row for row in view.clusters.iter_rows(named=True)}

    def hover(i: int, j: int, feature: str) -> str:
        mean = by_cluster.get(i, {}).get(feature)
        return t("seg_profile_hover", lang, cluster=names[i], feature=t(f"seg_feature_{feature}", lang),
                 z=f"{model.centers[i][j]:+.2f}", mean="–" if mean is None else f"{mean:,.1f}",
                 unit=feature_unit(feature, lang, currency))

    text = [[hover(i, j, f) for i in range(model.k)] for j, f in enumerate(model.features)]
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=features, colorscale=DIVERGING, zmid=0, texttemplate="%{z:+.1f}",
        textfont={"size": 13}, xgap=2, ygap=2, text=text, hovertemplate="%{text}<extra></extra>",
        colorbar={"title": "σ"}))
    fig.update_xaxes(type="category", tickangle=0 if model.k <= 4 else -30)
    fig.update_yaxes(autorange="reversed")
    return style_figure(fig, t("seg_chart_cluster_profile", lang), 420)


def cluster_tiers(view: ClusterView, rules: Rules, lang: str) -> go.Figure:
    """Customers per cluster, stacked by tier."""
    model = view.model
    fig = go.Figure()
    for tier in TIERS:
        part = view.by_tier.filter(pl.col("tier") == tier)
        counts = dict(zip(part["cluster"].to_list(), part["customers"].to_list()))
        fig.add_bar(x=[cluster_name(model, i, lang) for i in range(model.k)],
                    y=[counts.get(i, 0) for i in range(model.k)], name=rules.tier_name(tier, lang),
                    marker_color=PALETTE["tiers"][tier - 1],
                    hovertemplate="%{x} · " + rules.tier_name(tier, lang) + ": %{y:,}<extra></extra>")
    fig.update_layout(barmode="stack", yaxis={"tickformat": ",.0f"})
    fig.update_xaxes(tickangle=0 if model.k <= 4 else -30)
    return _legend_below(style_figure(fig, t("seg_chart_cluster_tiers", lang), 420))


def _metric_values(areas: pl.DataFrame, metric: str) -> list:
    return areas[metric].to_list()


#: Colour scales of the tile map per metric: counts and money on the blue sequential scale,
#: shares each on a scale of its own hue so a churn map never looks like a customer map.
TILE_SCALES: dict[str, list] = {
    "active": SEQUENTIAL,
    "revenue_at_risk": [[0.0, "#FFF5EB"], [0.5, "#FD8D3C"], [1.0, "#7F2704"]],
    "arpu": [[0.0, "#F7FCF5"], [0.5, "#74C476"], [1.0, "#00441B"]],
    "vip_share": [[0.0, "#FCFBFD"], [0.5, "#9E9AC8"], [1.0, "#3F007D"]],
    "monthly_churn": DIVERGING,     # around the selection's own rate: better or worse than it
}
#: Curve of the coloured tiles in the tile map (0 is the grey layout behind them).
TILE_CURVE = 1
TILE_EMPTY = "#F1F3F5"
#: Tile side in pixels: the 8 × 8 layout in a 520-pixel figure (462 pixels of plot, 8.4 cells
#: with the margins below) leaves 55 pixels a cell; the gap between tiles is the rest.
TILE_SIZE = 48
_TILE_MARGIN = 0.7


def tile_hover(row: dict, metric: str, lang: str) -> str:
    """One tile's hover: the province as the table names it, the metric and the count behind it
    (customers; for churn the churners and the base they are counted in)."""
    from lib.common import fmt

    unit = METRICS[metric]
    lines = [area_label(row["area"], lang),
             t("seg_tile_metric", lang, metric=t(f"seg_metric_{metric}", lang),
               value=fmt.number(row[metric], unit, lang))]
    if metric == "monthly_churn":
        lines.append(t("seg_tile_churners", lang, churners=fmt.number(row["churners_counted"], "count", lang),
                       base=fmt.number(row["base_counted"], "count", lang)))
    elif metric == "vip_share":
        lines.append(t("seg_tile_vips", lang, vips=fmt.number(row["vip_active"], "count", lang),
                       active=fmt.number(row["active"], "count", lang)))
    if metric != "active":
        lines.append(t("seg_tile_active", lang, active=fmt.number(row["active"], "count", lang)))
    return "<br>".join(lines)


def province_tiles(view: GeoView, metric: str, lang: str, overall: float | None = None) -> go.Figure:
    """Equal-area tile map of provinces coloured by ``metric`` (no borders, no map tiles).

    Every province of the layout is a grey tile; those in the selection are coloured and can
    be clicked (Streamlit selection events; ``clicked_area`` reads the click back). Counts and
    money use sequential scales; the churn rate a diverging one centred on ``overall`` (the
    selection's rate), so red reads "worse than this selection". With one coloured tile
    there is no scale to read, so it is drawn in one colour without a colour bar.
    """
    layout = tiles()
    placed = view.areas.filter(pl.col("x").is_not_null())
    unit = METRICS[metric]
    fig = go.Figure()
    fig.add_scatter(x=layout["x"].to_list(), y=layout["y"].to_list(), mode="markers", hoverinfo="skip",
                    marker={"symbol": "square", "size": TILE_SIZE, "color": TILE_EMPTY}, showlegend=False)
    values = placed[metric].to_list()
    coloured = [v for v in values if v is not None]
    scaled = len(coloured) > 1 and min(coloured) < max(coloured)
    marker: dict = {"symbol": "square", "size": TILE_SIZE, "line": {"width": 1, "color": "white"}}
    if scaled:
        marker |= {"color": [v if v is not None else float("nan") for v in values],
                   "colorscale": TILE_SCALES[metric], "showscale": True,
                   "colorbar": {"title": {"text": t(f"seg_metric_{metric}", lang)}, "thickness": 12,
                                "tickformat": ".1%" if unit == "share" else ",.0f"}}
        if metric == "monthly_churn" and overall is not None:
            marker["colorscale"] = _diverging_at(overall, min(coloured), max(coloured))
            marker |= {"cmin": min(coloured), "cmax": max(coloured)}
    else:
        marker["color"] = PALETTE["primary"]
    labels = [row["area"] if lang == "zh" else _wrap(row["name_en"] or row["area"])
              for row in placed.iter_rows(named=True)]
    ink = _tile_ink(values, metric, overall if metric == "monthly_churn" else None) if scaled \
        else ["white"] * len(values)
    fig.add_scatter(
        x=placed["x"].to_list(), y=placed["y"].to_list(), mode="markers", marker=marker, showlegend=False,
        customdata=placed["area"].to_list(),
        # a click selects its tile; the others keep their colour (Plotly fades them by default)
        selected={"marker": {"opacity": 1.0}}, unselected={"marker": {"opacity": 1.0}},
        hovertext=[tile_hover(row, metric, lang) for row in placed.iter_rows(named=True)],
        hovertemplate="%{hovertext}<extra></extra>")
    # labels as annotations: a click selects a tile and Plotly fades the text of the others,
    # annotations it leaves alone
    for x, y, label, colour in zip(placed["x"].to_list(), placed["y"].to_list(), labels, ink):
        fig.add_annotation(x=x, y=y, text=label, showarrow=False, font={"size": 9, "color": colour})
    fig.update_xaxes(visible=False, range=[-_TILE_MARGIN, int(layout["x"].max()) + _TILE_MARGIN],
                     fixedrange=True)
    fig.update_yaxes(visible=False, range=[int(layout["y"].max()) + _TILE_MARGIN, -_TILE_MARGIN],
                     scaleanchor="x", fixedrange=True)
    fig.update_layout(clickmode="event+select", dragmode=False)
    return style_figure(fig, t("seg_chart_tiles", lang, metric=t(f"seg_metric_{metric}", lang)), 520)


def _diverging_at(midpoint: float, low: float, high: float) -> list:
    """The diverging scale with its white at ``midpoint`` on a ``low``–``high`` range, so the
    colour bar spans the rates that occur (no negative churn rates to fill a symmetric range)."""
    at = min(max((midpoint - low) / ((high - low) or 1.0), 0.05), 0.95)
    return [[0.0, DIVERGING[0][1]], [at, DIVERGING[1][1]], [1.0, DIVERGING[2][1]]]


def _tile_ink(values: list, metric: str, midpoint: float | None) -> list[str]:
    """Label colour per tile: white on the dark end of a scale, near-black on the light part
    (on the diverging churn scale both ends are dark)."""
    known = [v for v in values if v is not None]
    low, high = min(known), max(known)
    inks = []
    for v in values:
        if v is None:
            inks.append("#111111")
            continue
        position = (v - low) / ((high - low) or 1.0)      # where the tile sits on the scale
        if midpoint is not None:
            white = _diverging_at(midpoint, low, high)[1][0]
            dark = (white - position) / white > 0.6 if position < white \
                else (position - white) / (1 - white) > 0.6
        else:
            dark = position > 0.6
        inks.append("white" if dark else "#111111")
    return inks


def clicked_area(selection: dict | None) -> str | None:
    """The province of a click on the tile map (a Streamlit plotly selection state), or None."""
    points = ((selection or {}).get("selection") or {}).get("points") or []
    for point in points:
        if point.get("curve_number") == TILE_CURVE and point.get("customdata") is not None:
            data = point["customdata"]
            return data[0] if isinstance(data, list) else data
    return None


def _wrap(name: str) -> str:
    """Long English province names on two lines inside a tile (a 48-pixel tile holds about
    nine letters at the tile font)."""
    if len(name) <= 9:
        return name
    if " " in name:
        return name.replace(" ", "<br>", 1)
    return name[:7] + "-<br>" + name[7:]


def ranked_bars(areas: pl.DataFrame, metric: str, lang: str, limit: int = 40) -> go.Figure:
    """Areas ranked by ``metric`` as horizontal bars (largest on top), at most ``limit``."""
    top = areas.sort(metric, descending=True, nulls_last=True).head(limit)
    unit = METRICS[metric]
    fig = go.Figure(go.Bar(
        x=top[metric].to_list(), y=top["area"].to_list(), orientation="h",
        marker_color=PALETTE["primary"],
        hovertemplate="%{y}: %{x" + HOVER_FORMAT[unit] + "}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(tickformat=".1%" if unit == "share" else ",.0f")
    return style_figure(fig, t("seg_chart_ranked", lang, metric=t(f"seg_metric_{metric}", lang)),
                   max(320, 60 + 18 * top.height))


def choropleth(view: GeoView, geojson: GeoJson, metric: str, lang: str) -> go.Figure:
    """Choropleth from the operator's GeoJSON on a blank background (no map tiles fetched)."""
    frame = view.areas.select("area", metric).to_pandas()
    fig = px.choropleth_map(frame, geojson=geojson.features, locations="area",
                            featureidkey=f"properties.{geojson.key}", color=metric,
                            color_continuous_scale=[c for _, c in SEQUENTIAL], map_style="white-bg",
                            zoom=2.6, center={"lat": 35.0, "lon": 104.0}, opacity=0.9,
                            hover_name="area")
    # px's default hover shows the raw location id; the hover name is a label (escaped below)
    fig.update_traces(hovertemplate="%{hovertext}: %{z" + HOVER_FORMAT[METRICS[metric]] + "}<extra></extra>")
    fig.update_layout(coloraxis_colorbar={"title": t(f"seg_metric_{metric}", lang)})
    return style_figure(fig, t("seg_chart_choropleth", lang, metric=t(f"seg_metric_{metric}", lang)), 520)


def migration_sankey(matrix: pl.DataFrame, rules: Rules, lang: str, measure: str = "customers") -> go.Figure:
    """Tier moves between two snapshots: from-tier (left) to to-tier or churned (right).

    ``measure`` is ``customers`` or ``revenue_from`` (latest-month spend in the first snapshot).
    """
    left = [rules.tier_name(tier, lang) for tier in TIERS]
    right = [rules.tier_name(tier, lang) for tier in TIERS] + [t("seg_move_churned", lang)]
    colours = PALETTE["tiers"] + PALETTE["tiers"] + [PALETTE["danger"]]
    source, target, value, colour, hover = [], [], [], [], []
    for row in matrix.iter_rows(named=True):
        if not row[measure]:
            continue
        source.append(row["from_tier"] - 1)
        target.append(6 + (6 if row["to_tier"] == 0 else row["to_tier"] - 1))
        value.append(row[measure])
        colour.append(_rgba(MOVE_COLOURS[row["move"]], 0.45))
        hover.append(t(f"seg_move_{row['move']}", lang))
    xs, ys = _node_positions(matrix, measure)
    fig = go.Figure(go.Sankey(
        arrangement="fixed",
        node={"label": left + right, "color": colours, "pad": 14, "thickness": 16, "x": xs, "y": ys},
        link={"source": source, "target": target, "value": value, "color": colour,
              "customdata": hover,
              "hovertemplate": "%{source.label} → %{target.label} (%{customdata}): %{value:,.0f}"
                               "<extra></extra>"}))
    key = "seg_chart_sankey_customers" if measure == "customers" else "seg_chart_sankey_revenue"
    return style_figure(fig, t(key, lang), 480)


def _node_positions(matrix: pl.DataFrame, measure: str) -> tuple[list[float], list[float]]:
    """Node centres: tiers top (6★) to bottom (1★) on both sides, churned at the bottom right,
    each as tall as its flow."""
    total = float(matrix[measure].sum()) or 1.0
    left = {tier: float(matrix.filter(pl.col("from_tier") == tier)[measure].sum()) for tier in TIERS}
    right = {tier: float(matrix.filter(pl.col("to_tier") == tier)[measure].sum()) for tier in range(0, 7)}

    def centres(sizes: dict[int, float], order: list[int]) -> dict[int, float]:
        gap = 0.02
        y, out = 0.01, {}
        for key in order:
            height = sizes[key] / total * (1 - gap * len(order))
            out[key] = min(0.99, y + height / 2)
            y += height + gap
        return out

    lc = centres(left, [6, 5, 4, 3, 2, 1])
    rc = centres(right, [6, 5, 4, 3, 2, 1, 0])
    xs = [0.01] * 6 + [0.99] * 7
    ys = [lc[tier] for tier in TIERS] + [rc[tier] for tier in TIERS] + [rc[0]]
    return xs, ys


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def move_bars(moves: pl.DataFrame, lang: str) -> go.Figure:
    """Customers and revenue change per move (up, same, down, churned)."""
    labels = [t(f"seg_move_{m}", lang) for m in moves["move"].to_list()]
    fig = go.Figure(go.Bar(
        x=labels, y=moves["revenue_change"].to_list(),
        marker_color=[MOVE_COLOURS[m] for m in MOVES if m in moves["move"].to_list()],
        customdata=moves["customers"].to_list(),
        hovertemplate="%{x}: %{y:+,.0f} (%{customdata:,})<extra></extra>"))
    unit_axis(fig, "yaxis", moves["revenue_change"].to_list(), "currency", lang)
    return style_figure(fig, t("seg_chart_moves", lang), 340)
