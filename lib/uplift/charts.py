"""Figures of the Uplift view: the Qini and uplift curves of the uplift and risk rankings."""
from __future__ import annotations

import plotly.graph_objects as go

from lib.common import fmt
from lib.common.charts import unit_axis
from lib.i18n import t_text as t   # Plotly labels: escaped by style_figure, not as markdown
from lib.overview.charts import PALETTE, style_figure


def gain_curves(curves: dict[str, dict[str, list[float]]], kind: str, lang: str) -> go.Figure:
    """``kind`` ("qini" or "uplift") curve of each ranking against the share of held-out
    customers targeted, with random targeting's straight line to the uplift ranking's end."""
    fig = go.Figure()
    styles = {"uplift": PALETTE["primary"], "risk": PALETTE["accent"]}
    for name, curve in curves.items():
        total = max(curve["x"][-1], 1)
        label = t(f"uplift_ranking_{name}", lang)
        fig.add_scatter(x=[x / total for x in curve["x"]], y=curve[kind], mode="lines", name=label,
                        line={"color": styles.get(name, PALETTE["muted"]), "width": 3},
                        hovertemplate=f"{label}: %{{x:.0%}} → %{{y:,.1f}}<extra></extra>")
    end = curves["uplift"][kind][-1]
    fig.add_scatter(x=[0, 1], y=[0, end], mode="lines", name=t("uplift_ranking_random", lang),
                    line={"color": PALETTE["muted"], "dash": "dash", "width": 2}, hoverinfo="skip")
    fig.update_layout(xaxis={"tickformat": ".0%", "title": t("uplift_axis_targeted", lang)},
                      yaxis={"tickformat": ",.0f", "title": t("uplift_axis_prevented", lang)})
    return style_figure(fig, t(f"uplift_{kind}_title", lang), height=360)


def targeting_comparison(table, currency: fmt.Currency, lang: str) -> go.Figure:
    """Value saved, cost and net value (currency) of risk-based and uplift-based targeting for
    one budget (``lib.uplift.targeting.compare_targeting``'s rows), as grouped bars."""
    fig = go.Figure()
    names = [t(f"uplift_ranking_{s}", lang) for s in table["strategy"].to_list()]
    colours = {"value_saved": PALETTE["primary"], "cost": PALETTE["muted"], "net_value": PALETTE["accent"]}
    values: list[float] = []
    for column, colour in colours.items():
        label = t(f"uplift_roi_col_{column}", lang)
        ys = table[column].to_list()
        values += ys
        fig.add_bar(x=names, y=ys, name=label, marker_color=colour,
                    text=[fmt.number(y, "currency", lang, currency) for y in ys],
                    hovertemplate=f"{label}: %{{text}}<extra></extra>")
    fig.update_layout(barmode="group")
    unit_axis(fig, "yaxis", values, "currency", lang, currency)
    return style_figure(fig, t("uplift_roi_title", lang), height=340)
