"""Figures of the Offers ROI page."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from lib.common.charts import PALETTE, style_figure, unit_axis
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
                      yaxis={"title": t("offers_net_value", lang)})
    values = [v for curve in curves.values() for v in curve["net_value"].to_list()]
    unit_axis(fig, "yaxis", values, "currency", lang, rules.currency)
    return style_figure(fig, t("offers_depth_title", lang), height=380)


def plan_comparison(rows: list[tuple[str, float, float]], lang: str) -> go.Figure:
    """Net value and cost of the optimised plan against the alternatives (label, net, cost)."""
    labels = [r[0] for r in rows]
    fig = go.Figure()
    fig.add_bar(x=labels, y=[r[1] for r in rows], name=t("offers_net_value", lang),
                marker_color=PALETTE["primary"], hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.add_bar(x=labels, y=[r[2] for r in rows], name=t("offers_cost", lang),
                marker_color=PALETTE["muted"], hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.update_layout(barmode="group")
    unit_axis(fig, "yaxis", [r[1] for r in rows] + [r[2] for r in rows], "currency", lang)
    return style_figure(fig, t("offers_compare_title", lang), height=360)


def simulation(table: pl.DataFrame, net_value: float, low: float, high: float, rules: Rules,
               lang: str) -> go.Figure:
    """The simulation at the chosen depth: value saved and cost per tier (``tier_table`` rows,
    currency over the horizon), then the total net value with its Monte Carlo 90 % interval
    (``low``–``high``) as an error bar."""
    names = [rules.tier_name(int(tier), lang) for tier in table["tier"].to_list()]
    total = t("offers_sim_total", lang)
    fig = go.Figure()
    fig.add_bar(x=names, y=table["value_saved"].to_list(), name=t("offers_col_value_saved", lang),
                marker_color=PALETTE["primary"], hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.add_bar(x=names, y=table["cost"].to_list(), name=t("offers_cost", lang),
                marker_color=PALETTE["muted"], hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.add_bar(x=[total], y=[net_value], name=t("offers_net_value", lang),
                marker_color=PALETTE["accent"],
                error_y={"type": "data", "symmetric": False, "array": [max(high - net_value, 0.0)],
                         "arrayminus": [max(net_value - low, 0.0)], "color": "#1d2730"},
                hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.add_hline(y=0, line_color=PALETTE["muted"], line_width=1)
    fig.update_layout(barmode="group", xaxis={"type": "category"})
    values = table["value_saved"].to_list() + table["cost"].to_list() + [net_value, low, high]
    unit_axis(fig, "yaxis", values, "currency", lang, rules.currency)
    return style_figure(fig, t("offers_sim_title", lang), height=360)
