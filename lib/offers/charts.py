"""Figures of the Offers ROI page."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from lib.common.charts import PALETTE, style_figure
from lib.i18n import t_text as t   # Plotly labels: escaped by style_figure, not as markdown
from lib.rules import Rules


def depth_curves(curves: dict[int, pl.DataFrame], rules: Rules, lang: str) -> go.Figure:
    """Net value against the share of the tier targeted (riskiest first), one line per tier,
    each optimum marked."""
    fig = go.Figure()
    for tier, curve in sorted(curves.items()):
        colour = PALETTE["tiers"][tier - 1]
        name = rules.tier_name(tier, lang)
        fig.add_scatter(x=curve["depth"].to_list(), y=curve["net_value"].to_list(), mode="lines",
                        name=name, line={"color": colour, "width": 3},
                        hovertemplate=f"{name}: %{{x:.0%}} → %{{y:,.0f}}<extra></extra>")
        best = curve.filter(pl.col("optimum"))
        fig.add_scatter(x=best["depth"].to_list(), y=best["net_value"].to_list(), mode="markers",
                        marker={"size": 11, "color": PALETTE["accent"], "line": {"color": colour, "width": 2}},
                        showlegend=False, hoverinfo="skip")
    fig.add_hline(y=0, line_color=PALETTE["muted"], line_width=1)
    fig.update_layout(xaxis={"tickformat": ".0%", "title": t("offers_depth_axis", lang)},
                      yaxis={"tickformat": ",.0f", "title": t("offers_net_value", lang)})
    return style_figure(fig, t("offers_depth_title", lang), height=380)


def plan_comparison(rows: list[tuple[str, float, float]], lang: str) -> go.Figure:
    """Net value and cost of the optimised plan against the alternatives (label, net, cost)."""
    labels = [r[0] for r in rows]
    fig = go.Figure()
    fig.add_bar(x=labels, y=[r[1] for r in rows], name=t("offers_net_value", lang),
                marker_color=PALETTE["primary"], hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.add_bar(x=labels, y=[r[2] for r in rows], name=t("offers_cost", lang),
                marker_color=PALETTE["muted"], hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.update_layout(barmode="group", yaxis={"tickformat": ",.0f"})
    return style_figure(fig, t("offers_compare_title", lang), height=360)
