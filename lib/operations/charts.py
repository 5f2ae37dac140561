"""Figures of a call-back plan's measured results: data in, Plotly figure out, no I/O."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from lib.common.charts import PALETTE, style_figure
from lib.i18n import t_text as t   # Plotly labels: escaped by style_figure, not as markdown


def reach_by_group(frame: pl.DataFrame, target: float, by_label: str, lang: str) -> go.Figure:
    """Reach rate (share 0-1) per group as bars, red where below ``target``, with the target as
    a dashed line. ``frame``: ``group``, ``reach_rate``, ``reached``, ``treated``."""
    groups = [str(g) if g is not None else t("outcomes_unassigned", lang) for g in frame["group"].to_list()]
    rates = [r if r is not None else 0.0 for r in frame["reach_rate"].to_list()]
    colours = [PALETTE["primary"] if r >= target else PALETTE["danger"] for r in rates]
    fig = go.Figure(go.Bar(
        x=groups, y=rates, marker_color=colours,
        text=[f"{r:.0%}" for r in rates], textposition="outside", cliponaxis=False,
        customdata=list(zip(frame["reached"].to_list(), frame["treated"].to_list())),
        hovertemplate="%{x}: %{y:.1%} (%{customdata[0]} / %{customdata[1]})<extra></extra>",
        name=t("outcomes_col_rate", lang)))
    fig.add_hline(y=target, line_dash="dash", line_color=PALETTE["accent"],
                  annotation_text=t("outcomes_chart_target", lang, target=f"{target:.0%}"),
                  annotation_position="top left", annotation_bgcolor="rgba(255,255,255,0.85)",
                  annotation_font_color=PALETTE["accent"])
    fig.update_yaxes(tickformat=".0%", range=[0, 1.12])
    fig.update_xaxes(type="category")
    style_figure(fig, t("outcomes_chart_reach", lang, by=by_label))
    return fig.update_layout(showlegend=False)


def churn_by_arm(arms: pl.DataFrame, lang: str) -> go.Figure:
    """Churn share of the contacted (treated) and hold-out arms with 95 % interval error bars.
    ``arms``: ``arm``, ``customers``, ``churned``, ``churn_share``, ``churn_low``, ``churn_high``."""
    rows = {r["arm"]: r for r in arms.iter_rows(named=True)}
    order = [a for a in ("treated", "holdout") if a in rows and rows[a]["churn_share"] is not None]
    shares = [rows[a]["churn_share"] for a in order]
    names = [f"{t(f'outcomes_arm_{a}', lang)}<br>{rows[a]['churn_share']:.1%} "
             f"({rows[a]['churned']:,} / {rows[a]['customers']:,})" for a in order]
    fig = go.Figure(go.Bar(
        x=names, y=shares, width=0.5,
        marker_color=[PALETTE["primary"] if a == "treated" else PALETTE["muted"] for a in order],
        error_y={"type": "data", "symmetric": False,
                 "array": [rows[a]["churn_high"] - rows[a]["churn_share"] for a in order],
                 "arrayminus": [rows[a]["churn_share"] - rows[a]["churn_low"] for a in order],
                 "color": "#44505C", "thickness": 1.5, "width": 8},
        customdata=[(rows[a]["churned"], rows[a]["customers"]) for a in order],
        hovertemplate="%{x}: %{y:.1%} (%{customdata[0]} / %{customdata[1]})<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title=t("outcomes_col_churn", lang))
    style_figure(fig, t("outcomes_chart_churn", lang))
    return fig.update_layout(showlegend=False)
