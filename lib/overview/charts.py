"""Plotly figure builders: data in, figure out, no I/O. Labels come from lib.i18n."""
from __future__ import annotations

import re

import plotly.graph_objects as go
import polars as pl

from lib.i18n import t_text as t   # Plotly labels: escaped by style_figure, not as markdown
from lib.common import fmt
from lib.common.markup import plotly_text, unplain
from lib.rules import Rules

PALETTE = {
    "primary": "#0F6E7A",
    "accent": "#E07A1F",
    "muted": "#9AA5B1",
    "danger": "#C0392B",
    "tiers": ["#C9D6DF", "#9FB8C8", "#6F9AB2", "#3F7C9C", "#1F5E80", "#0B3D5C"],
}
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"


def style_figure(fig: go.Figure, title: str, height: int = 340) -> go.Figure:
    """The house style, and every label made inert (``inert_labels``): every chart ends here."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        height=height, margin={"l": 10, "r": 10, "t": 48, "b": 10},
        font={"family": FONT, "size": 12}, plot_bgcolor="white", paper_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        hoverlabel={"font": {"family": FONT}},
    )
    # automargin on every axis (the right-hand one too): Streamlit's chart element grows tight
    # margins for labels by itself, a standalone file (the HTML report) does not
    fig.update_xaxes(showgrid=False, linecolor="#D5DBE1", automargin=True)
    fig.update_yaxes(gridcolor="#EEF1F4", zeroline=False, automargin=True)
    return inert_labels(fig)


#: Tags our own templates use; harmless (no link, no fetch), so restored after escaping.
_KEPT_TAGS = ("<br>", "<b>", "</b>", "<i>", "</i>", "<extra>", "</extra>")
#: Keys whose strings are keys into other data (GeoJSON feature ids), never shown as labels.
_NOT_LABELS = {"locations", "geojson", "featureidkey", "ids"}


def inert_labels(fig: go.Figure) -> go.Figure:
    """Escape every string of ``fig`` for Plotly's HTML-like labels (``lib.common.markup.plotly_text``),
    in place: tier names from the rules, provinces, offer and plan names reach axis ticks, hover
    text, legends, Sankey nodes and titles, where ``<a href>`` would be a live link (also in the
    HTML report) and other tags would format. Only the tags in ``_KEPT_TAGS`` survive.

    Strings without ``<``, ``>`` or ``&`` (colours, number formats, ids) are unchanged.
    """
    for trace in fig.data:
        for key, value in trace.to_plotly_json().items():
            if key not in _NOT_LABELS:
                escaped = _inert(value)
                if escaped is not value:
                    trace[key] = escaped
    for key, value in fig.layout.to_plotly_json().items():
        if key != "template":
            escaped = _inert(value)
            if escaped is not value:
                fig.layout[key] = escaped
    return fig


def _inert(value):
    """``value`` with its strings escaped; the very same object when nothing needed escaping."""
    if isinstance(value, str):
        if not any(c in value for c in "<>&\\"):
            return value
        # a label made by lib.i18n.t for markdown (its data fields backslash-escaped) shows its
        # characters here without the backslashes: Plotly reads no markdown
        text = plotly_text(unplain(value))
        for tag in _KEPT_TAGS:
            text = text.replace(plotly_text(tag), tag)
        return text
    if isinstance(value, dict):
        items = {k: v if k in _NOT_LABELS else _inert(v) for k, v in value.items()}
        return value if all(items[k] is value[k] for k in value) else items
    if isinstance(value, (list, tuple)):
        items = [_inert(v) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
    if getattr(getattr(value, "dtype", None), "kind", "") == "O":   # a numpy array of objects
        items = [_inert(v) for v in value.tolist()]
        return value if all(a is b for a, b in zip(items, value.tolist())) else items
    return value


def unit_axis(fig: go.Figure, axis: str, values: list, unit: str, lang: str,
              currency: fmt.Currency | None = None, from_zero: bool = True) -> go.Figure:
    """Ticks of ``axis`` ("yaxis", "yaxis2", "xaxis") placed and labelled by ``lib.common.fmt``:
    the cards' units (万/亿 in Chinese, the currency symbol), no label repeated on a flat
    series, and (``from_zero``) a range from zero, so a 0.8 % change looks like one."""
    numbers = [float(v) for v in values if v is not None and v == v]
    if not numbers:
        return fig
    low, high = min(numbers), max(numbers)
    if from_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    ticks = fmt.nice_ticks(low, high)
    fig.update_layout({axis: {"tickmode": "array", "tickvals": ticks,
                              "ticktext": fmt.axis_labels(ticks, unit, lang, currency),
                              "range": [ticks[0], ticks[-1]], "autorange": False}})
    return fig


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


#: Width of a chart note's line, in columns (a CJK character counts two): fits a chart in half
#: of the page at Plotly's 12 px font, which never wraps a note by itself (it clips it).
NOTE_COLUMNS = 44
_TOKENS = re.compile(r"[\u2e80-\uffef]|[^\s\u2e80-\uffef]+\s*|\s+")


def _columns(text: str) -> int:
    """Display width of ``text``: two columns for a CJK (wide) character, one for others."""
    return sum(2 if "\u2e80" <= c <= "\uffef" else 1 for c in text)


def wrap_note(text: str, columns: int = NOTE_COLUMNS) -> str:
    """``text`` broken with ``<br>`` into lines of at most ``columns`` (between words; between
    any two characters of Chinese), for a Plotly annotation, which would clip one long line."""
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        if line and _columns((line + token).rstrip()) > columns:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return "<br>".join(lines)


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
        fig.add_annotation(text=wrap_note(t("kpi_revenue_at_risk_unknown_help", lang)),
                           showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
        fig.update_yaxes(visible=False)
    else:
        unit_axis(fig, "yaxis", risk["revenue_at_risk"].to_list(), "currency", lang, rules.currency)
    return style_figure(fig, t("chart_risk_by_tier", lang, months=rules.risk_horizon_months))
