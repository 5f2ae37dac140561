"""The house style of every Plotly chart: colours, font, layout, and labels made inert.

Every domain's figures (``lib.<domain>.charts``) end in :func:`style_figure`; kept here, below
the domains, so that no domain's charts import another's package.
"""
from __future__ import annotations

import plotly.graph_objects as go

from lib.common import fmt
from lib.common.markup import plotly_text, unplain

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


__all__ = ["FONT", "PALETTE", "inert_labels", "style_figure", "unit_axis"]
