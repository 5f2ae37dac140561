"""Figures of the churn pages: data in, Plotly figure out. Labels come from lib.i18n."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from lib.common.charts import PALETTE, style_figure
from lib.i18n import t_text as t   # Plotly labels: escaped by style_figure, not as markdown
from lib.rules import Rules

#: Legend inside the plot, bottom right: curves rising to the top right leave that corner empty.
INSIDE_LEGEND = {"orientation": "v", "x": 0.98, "xanchor": "right", "y": 0.04, "yanchor": "bottom",
                 "bgcolor": "rgba(255,255,255,0.85)"}


def lift(deciles: pl.DataFrame, baseline: pl.DataFrame, lang: str) -> go.Figure:
    """Lift by risk decile (churn rate over the base rate), model and baseline side by side."""
    fig = go.Figure()
    labels = [str(d) for d in deciles["decile"].to_list()]
    fig.add_bar(x=labels, y=deciles["lift"].to_list(), name=t("churn_model_name", lang),
                marker_color=PALETTE["primary"], hovertemplate="%{x}: %{y:.2f}×<extra></extra>")
    fig.add_bar(x=[str(d) for d in baseline["decile"].to_list()], y=baseline["lift"].to_list(),
                name=t("churn_baseline_name", lang), marker_color=PALETTE["muted"],
                hovertemplate="%{x}: %{y:.2f}×<extra></extra>")
    fig.add_hline(y=1.0, line_dash="dot", line_color=PALETTE["danger"])
    fig.update_layout(barmode="group",
                      xaxis={"type": "category", "title": t("churn_axis_decile", lang)},
                      yaxis={"title": t("churn_axis_lift", lang)})
    return style_figure(fig, t("churn_chart_lift", lang))


def gains(deciles: pl.DataFrame, baseline: pl.DataFrame, lang: str) -> go.Figure:
    """Cumulative share of churners reached against share of customers called, riskiest first."""
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name=t("churn_random", lang),
                    line={"color": PALETTE["muted"], "dash": "dot"}, hoverinfo="skip")
    for frame, name, color in ((baseline, "churn_baseline_name", PALETTE["muted"]),
                               (deciles, "churn_model_name", PALETTE["primary"])):
        fig.add_scatter(x=[0.0, *frame["customer_share"].to_list()], y=[0.0, *frame["gain"].to_list()],
                        mode="lines+markers", name=t(name, lang),
                        line={"color": color, "width": 3},
                        hovertemplate="%{x:.0%} → %{y:.0%}<extra></extra>")
    fig.update_layout(xaxis={"tickformat": ".0%", "title": t("churn_axis_called", lang)},
                      yaxis={"tickformat": ".0%", "title": t("churn_axis_reached", lang),
                             "range": [0, 1.02]})
    return style_figure(fig, t("churn_chart_gains", lang)).update_layout(legend=INSIDE_LEGEND)


def calibration(model: pl.DataFrame, baseline: pl.DataFrame, lang: str) -> go.Figure:
    """Observed churn share against predicted probability, per equal-count bin."""
    top = max(model["predicted"].max() or 0, model["observed"].max() or 0,
              baseline["predicted"].max() or 0, baseline["observed"].max() or 0, 0.05) * 1.05
    fig = go.Figure()
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name=t("churn_perfect", lang),
                    line={"color": PALETTE["muted"], "dash": "dot"}, hoverinfo="skip")
    for frame, name, color in ((baseline, "churn_baseline_name", PALETTE["muted"]),
                               (model, "churn_model_name", PALETTE["accent"])):
        fig.add_scatter(x=frame["predicted"].to_list(), y=frame["observed"].to_list(),
                        mode="lines+markers", name=t(name, lang), line={"color": color, "width": 3},
                        hovertemplate="%{x:.1%} → %{y:.1%}<extra></extra>")
    fig.update_layout(xaxis={"tickformat": ".0%", "title": t("churn_axis_predicted", lang),
                             "range": [0, top]},
                      yaxis={"tickformat": ".0%", "title": t("churn_axis_observed", lang),
                             "range": [0, top]})
    return style_figure(fig, t("churn_chart_calibration", lang)).update_layout(legend=INSIDE_LEGEND)


def importance(table: pl.DataFrame, lang: str, top: int = 12) -> go.Figure:
    """Permutation importance (drop in ROC AUC), the ``top`` largest, largest at the top."""
    rows = table.head(top).reverse()
    fig = go.Figure()
    fig.add_bar(x=rows["importance"].to_list(),
                y=[t(f"churn_feature_{f}", lang) for f in rows["feature"].to_list()],
                orientation="h", marker_color=PALETTE["primary"],
                error_x={"type": "data", "array": rows["importance_std"].to_list(),
                         "color": PALETTE["muted"]},
                hovertemplate="%{y}: %{x:.4f}<extra></extra>", showlegend=False)
    fig.update_layout(xaxis={"title": t("churn_axis_importance", lang), "tickformat": ".3f"},
                      yaxis={"automargin": True})
    return style_figure(fig, t("churn_chart_importance", lang), height=max(340, 28 * rows.height + 90))


def risk_by_tier(frame: pl.DataFrame, rules: Rules, horizon: int, lang: str) -> go.Figure:
    """Revenue at risk from the model's scores per tier (currency over ``horizon`` months)."""
    tiers = [int(x) for x in frame["tier"].to_list()]
    fig = go.Figure()
    fig.add_bar(x=[rules.tier_name(x, lang) for x in tiers], y=frame["revenue_at_risk"].to_list(),
                marker_color=[PALETTE["tiers"][x - 1] for x in tiers],
                customdata=list(zip(frame["customers"].to_list(), frame["expected_churners"].to_list())),
                hovertemplate=t("churn_risk_hover", lang) + "<extra></extra>", showlegend=False)
    fig.update_layout(yaxis={"tickformat": ",.0f"})
    return style_figure(fig, t("churn_chart_risk_tier", lang, months=horizon))


def risk_by_province(frame: pl.DataFrame, horizon: int, lang: str, top: int = 15) -> go.Figure:
    """Revenue at risk per province, the ``top`` largest, largest at the top."""
    rows = frame.head(top).reverse()
    names = [p if p is not None else t("churn_unknown", lang) for p in rows["province"].to_list()]
    fig = go.Figure()
    fig.add_bar(x=rows["revenue_at_risk"].to_list(), y=names, orientation="h",
                marker_color=PALETTE["accent"],
                customdata=list(zip(rows["customers"].to_list(), rows["expected_churners"].to_list())),
                hovertemplate=t("churn_risk_hover", lang) + "<extra></extra>", showlegend=False)
    fig.update_layout(xaxis={"tickformat": ",.0f"}, yaxis={"automargin": True})
    return style_figure(fig, t("churn_chart_risk_province", lang, months=horizon),
                   height=max(340, 24 * rows.height + 90))
