"""The Overview's Plotly figures: data in, figure out, no I/O. Labels come from lib.i18n;
the house style (``PALETTE``, ``style_figure``, ``unit_axis``) from lib.common.charts."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from lib.common.charts import PALETTE, style_figure, unit_axis
from lib.i18n import t_text as t   # Plotly labels: escaped by style_figure, not as markdown
from lib.rules import Rules


def _months(trend: pl.DataFrame) -> list[str]:
    """Snapshot months as category labels (month-end dates would tick at the next month)."""
    return [d.strftime("%Y-%m") for d in trend["snapshot_date"].to_list()]


def trend_customers(trend: pl.DataFrame, lang: str) -> go.Figure:
    """Active customers (left axis) and VIP customers (right axis) per snapshot."""
    months = _months(trend)
    fig = go.Figure()
    fig.add_scatter(x=months, y=trend["active"].to_list(), name=t("kpi_active", lang),
                    mode="lines+markers", line={"color": PALETTE["muted"], "width": 3},
                    hovertemplate="%{x}: %{y:,}<extra></extra>")
    fig.add_scatter(x=months, y=trend["vip_active"].to_list(), name=t("kpi_vip", lang),
                    yaxis="y2", mode="lines+markers", line={"color": PALETTE["primary"], "width": 3},
                    hovertemplate="%{x}: %{y:,}<extra></extra>")
    fig.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": t("kpi_active", lang)},
        yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "title": t("kpi_vip", lang)},
    )
    # both axes from zero rather than a shared scale: VIPs are 5-10 % of the base, so on one
    # scale their line would lie flat on the floor; from zero, each line's height is its level
    # and a 0.8 % change moves it 0.8 % of the way (an autoscaled axis stretched it to the
    # full height)
    unit_axis(fig, "yaxis", trend["active"].to_list(), "count", lang)
    unit_axis(fig, "yaxis2", trend["vip_active"].to_list(), "count", lang)
    return style_figure(fig, t("chart_trend_customers", lang))


def trend_churn(trend: pl.DataFrame, rules: Rules, lang: str) -> go.Figure:
    """Monthly churn rate per snapshot against the rules' ceiling; a snapshot whose churn
    window is unknown shows its churn share as a separate marker (it is no monthly rate)."""
    fig = go.Figure()
    fig.add_scatter(x=_months(trend), y=trend["monthly_churn"].to_list(),
                    name=t("kpi_monthly_churn", lang), mode="lines+markers",
                    line={"color": PALETTE["accent"], "width": 3},
                    hovertemplate="%{x}: %{y:.2%}<extra></extra>")
    if "churn_share" in trend.columns:  # snapshots of unknown window: their share, never a rate
        unknown = [share if rate is None else None for share, rate in
                   zip(trend["churn_share"].to_list(), trend["monthly_churn"].to_list())]
        if any(value is not None for value in unknown):
            fig.add_scatter(x=_months(trend), y=unknown, name=t("chart_churn_share_unknown", lang),
                            mode="markers", marker={"color": PALETTE["muted"], "size": 10,
                                                    "symbol": "diamond"},
                            hovertemplate="%{x}: %{y:.2%}<extra></extra>")
    fig.add_hline(y=rules.target_monthly_churn_max, line_dash="dash", line_color=PALETTE["danger"],
                  annotation_text=t("chart_target", lang), annotation_position="top left")
    fig.update_layout(xaxis={"type": "category"})
    shown = trend["monthly_churn"].to_list() + (trend["churn_share"].to_list()
                                                if "churn_share" in trend.columns else [])
    unit_axis(fig, "yaxis", shown + [rules.target_monthly_churn_max], "share", lang)
    return style_figure(fig, t("chart_trend_churn", lang))


def pareto(curve: pl.DataFrame, top_share: float, top_revenue_share: float | None, lang: str) -> go.Figure:
    """Cumulative revenue share against cumulative customer share (customers grouped by spend
    band, as ``lib.overview.kpis.pareto_curve`` gives it), with the equal-share line and the point
    "top ``top_share`` of customers → ``top_revenue_share`` of revenue" (none when None)."""
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name=t("chart_equal_share", lang),
                    line={"color": PALETTE["muted"], "dash": "dot"}, hoverinfo="skip")
    fig.add_scatter(x=curve["customer_share"].to_list(), y=curve["revenue_share"].to_list(),
                    mode="lines", name=t("chart_revenue_curve", lang), fill="tonexty",
                    line={"color": PALETTE["primary"], "width": 3},
                    hovertemplate="%{x:.0%} → %{y:.1%}<extra></extra>")
    if top_revenue_share is not None:
        fig.add_scatter(x=[top_share], y=[top_revenue_share], mode="markers", showlegend=False,
                        marker={"size": 10, "color": PALETTE["accent"]}, hoverinfo="skip")
        fig.add_annotation(x=top_share, y=top_revenue_share, ax=60, ay=40, showarrow=True,
                           arrowcolor=PALETTE["accent"], bgcolor="white", bordercolor=PALETTE["accent"],
                           text=t("chart_pareto_point", lang, customers=f"{top_share:.0%}",
                                  revenue=f"{top_revenue_share:.0%}"))
    fig.update_layout(xaxis={"tickformat": ".0%", "title": t("chart_customer_share", lang),
                             "range": [0, 1]},
                      yaxis={"tickformat": ".0%", "title": t("chart_revenue_share", lang),
                             "range": [0, 1.02]})
    fig = style_figure(fig, t("chart_pareto", lang))
    # the legend's long names below the axis title: at the top they ran into the chart's title,
    # inside the plot into the "top x %" annotation
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.28,
                              "xanchor": "left", "x": 0.0}, margin={"b": 110})
    return fig


def risk_by_tier(risk: pl.DataFrame, rules: Rules, lang: str) -> go.Figure:
    """Revenue at risk over the horizon per tier, with the tier's monthly churn rate on hover."""
    names = [rules.tier_name(int(tier), lang) for tier in risk["tier"].to_list()]
    fig = go.Figure()
    fig.add_bar(
        x=names, y=risk["revenue_at_risk"].to_list(),
        marker_color=[PALETTE["tiers"][int(tier) - 1] for tier in risk["tier"].to_list()],
        customdata=list(zip(risk["monthly_churn"].to_list(), risk["active"].to_list())),
        hovertemplate=t("chart_risk_hover", lang) + "<extra></extra>",
        showlegend=False,
    )
    if risk.height and risk["revenue_at_risk"].is_null().all():
        # no churn rate per month (the churn window is unknown): say so instead of empty axes
        fig.add_annotation(text=t("kpi_revenue_at_risk_unknown_help", lang), showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5, width=360)
        fig.update_yaxes(visible=False)
    else:
        unit_axis(fig, "yaxis", risk["revenue_at_risk"].to_list(), "currency", lang, rules.currency)
    return style_figure(fig, t("chart_risk_by_tier", lang, months=rules.risk_horizon_months))


def overview_figures(view, rules: Rules, lang: str) -> list[go.Figure]:
    """The Overview page's four charts, in page order (trend of customers, trend of churn,
    revenue concentration, revenue at risk by tier): the page and its report both draw these."""
    return [trend_customers(view.trend, lang), trend_churn(view.trend, rules, lang),
            pareto(view.pareto, view.top_customer_share, view.top_revenue_share, lang),
            risk_by_tier(view.risk_by_tier, rules, lang)]
