"""Figures of the Lifecycle page: data in, Plotly figure out. Labels from lib.i18n."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from lib.common.charts import PALETTE, style_figure
from lib.i18n import t_text as t   # Plotly labels: escaped by style_figure, not as markdown
from lib.common.localise import churn_reason
from lib.lifecycle.stages import month_label
from lib.lifecycle.queries import FunnelSteps
from lib.rules import TIERS, STAGES, Rules

#: Distinct colours for groups that are not tiers (colour-blind friendly, Okabe–Ito).
GROUP_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#D55E00",
                 "#F0E442"]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def group_label(dimension: str | None, value: str | None, rules: Rules, lang: str) -> str:
    """Display name of a group value (tier names from the rules, stages translated)."""
    if value is None:
        return t("lifecycle_all_customers", lang)
    if dimension == "tier":
        return rules.tier_name(int(value), lang)
    if dimension == "stage" and value in STAGES:
        return t(f"lifecycle_stage_{value}", lang)
    return str(value)


def _colour(dimension: str | None, value: str | None, index: int) -> str:
    if dimension == "tier" and value is not None:
        return GROUP_COLOURS[(int(value) - 1) % len(GROUP_COLOURS)]
    return GROUP_COLOURS[index % len(GROUP_COLOURS)]


def stage_tier(stages: pl.DataFrame, rules: Rules, lang: str) -> go.Figure:
    """Stacked bars: customers per stage, split by tier."""
    fig = go.Figure()
    names = [t(f"lifecycle_stage_{s}", lang) for s in STAGES]
    for tier in TIERS:
        part = stages.filter(pl.col("tier") == tier)
        counts = dict(zip(part["stage"].to_list(), part["customers"].to_list()))
        fig.add_bar(x=names, y=[counts.get(s, 0) for s in STAGES], name=rules.tier_name(tier, lang),
                    marker_color=PALETTE["tiers"][tier - 1],
                    hovertemplate="%{x} · " + rules.tier_name(tier, lang)
                    + ": %{y:,}<extra></extra>")
    fig.update_layout(barmode="stack", yaxis={"tickformat": ",.0f",
                                              "title": t("lifecycle_customers", lang)})
    return style_figure(fig, t("lifecycle_chart_stage_tier", lang))


def cohort_heatmap(matrix: pl.DataFrame, lang: str, truncation_months: int = 0) -> go.Figure:
    """Join month × months since joining, share still active; censored cells blank. Under the
    minimum-tenure exclusion (``truncation_months`` > 0) the months before it are grey "n/a"
    cells (``applicable`` false), not 100 %."""
    if matrix.height == 0:
        return style_figure(go.Figure(), t("lifecycle_chart_cohorts", lang))
    joins = sorted(matrix["join_month"].unique().to_list())
    months = sorted(matrix["months"].unique().to_list())
    share = {(r["join_month"], r["months"]): r for r in matrix.iter_rows(named=True)}
    z, text, custom, blank = [], [], [], []
    for j in joins:
        row_z, row_text, row_custom, row_blank = [], [], [], []
        for m in months:
            cell = share.get((j, m))
            value = None if cell is None else cell["share"]
            row_z.append(value)
            row_text.append("" if value is None else f"{value:.0%}")
            row_custom.append([cell["active"] if cell and cell["active"] is not None else "",
                               cell["cohort_size"] if cell else ""])
            row_blank.append(1 if cell is not None and cell.get("applicable") is False else None)
        z.append(row_z)
        text.append(row_text)
        custom.append(row_custom)
        blank.append(row_blank)
    x, y = [str(m) for m in months], [month_label(j) for j in joins]
    fig = go.Figure()
    if any(b for row in blank for b in row):
        fig.add_heatmap(x=x, y=y, z=blank, colorscale=[[0, "#E6E6E6"], [1, "#E6E6E6"]],
                        showscale=False,
                        text=[[t("lifecycle_not_applicable_short", lang) if b else "" for b in row]
                              for row in blank],
                        texttemplate="%{text}", textfont={"color": PALETTE["muted"], "size": 10},
                        hovertemplate="%{y} · %{x}: " + t("lifecycle_cohort_not_applicable", lang,
                                                          months=truncation_months)
                        + "<extra></extra>", xgap=1, ygap=1)
    fig.add_trace(go.Heatmap(
        x=x, y=y, z=z, text=text,
        texttemplate="%{text}", textfont={"size": 10}, customdata=custom,
        colorscale=[[0, "#F6E3D4"], [0.5, "#9FC5C9"], [1, PALETTE["primary"]]],
        zmin=max(0.0, min((v for row in z for v in row if v is not None), default=0.0)), zmax=1.0,
        hovertemplate=t("lifecycle_cohort_hover", lang) + "<extra></extra>",
        colorbar={"tickformat": ".0%", "title": {"text": t("lifecycle_share_active", lang)}},
        xgap=1, ygap=1,
    ))
    title = (t("lifecycle_chart_cohorts_conditional", lang, months=truncation_months)
             if truncation_months else t("lifecycle_chart_cohorts", lang))
    fig.update_layout(xaxis={"title": t("lifecycle_months_since_join", lang), "type": "category"},
                      yaxis={"title": t("lifecycle_join_month", lang), "autorange": "reversed",
                             "type": "category"})
    return style_figure(fig, title, height=max(340, 22 * len(joins) + 120))


def survival_curves(curves: pl.DataFrame, summary: pl.DataFrame, dimension: str | None,
                    rules: Rules, lang: str, truncation_months: int = 0) -> go.Figure:
    """Kaplan–Meier step curves with shaded 95 % bands, one per group. Curves conditional on
    staying ``truncation_months`` months start there, marked and named so in the title."""
    fig = go.Figure()
    for i, group in enumerate(summary["segment"].to_list()):
        part = curves.filter(pl.col("segment").eq_missing(group)).sort("months")
        colour = _colour(dimension, group, i)
        name = group_label(dimension, group, rules, lang)
        x = part["months"].to_list()
        fig.add_scatter(x=x, y=part["upper"].to_list(), mode="lines", line={"width": 0,
                        "shape": "hv"}, showlegend=False, hoverinfo="skip", legendgroup=name)
        fig.add_scatter(x=x, y=part["lower"].to_list(), mode="lines", line={"width": 0,
                        "shape": "hv"}, fill="tonexty", fillcolor=_rgba(colour, 0.15),
                        showlegend=False, hoverinfo="skip", legendgroup=name)
        fig.add_scatter(x=x, y=part["survival"].to_list(), mode="lines", name=name,
                        legendgroup=name, line={"color": colour, "width": 2.5, "shape": "hv"},
                        customdata=list(zip(part["lower"].to_list(), part["upper"].to_list(),
                                            part["at_risk"].to_list())),
                        hovertemplate=name + " · " + t("lifecycle_km_hover", lang)
                        + "<extra></extra>")
    fig.add_hline(y=0.5, line_dash="dot", line_color=PALETTE["muted"])
    title = t("lifecycle_chart_survival", lang)
    if truncation_months:
        fig.add_vline(x=truncation_months, line_dash="dot", line_color=PALETTE["muted"],
                      annotation_text=t("lifecycle_survival_origin", lang, months=truncation_months),
                      annotation_position="bottom right")
        title = t("lifecycle_chart_survival_conditional", lang, months=truncation_months)
    fig.update_layout(xaxis={"title": t("lifecycle_months_since_join", lang), "rangemode": "tozero"},
                      yaxis={"title": t("lifecycle_survival", lang), "tickformat": ".0%",
                             "range": [0, 1.02]})
    return style_figure(fig, title, height=420)


def projection(frame: pl.DataFrame, tiers: pl.DataFrame, rules: Rules, lang: str) -> go.Figure:
    """Observed (Kaplan–Meier, markers) and sBG-projected (lines) survival per tier; a tier
    whose fit is not identifiable (``fit_status`` other than "fitted") keeps its markers and
    gets no line: it has no projection to show."""
    fig = go.Figure()
    fitted = set(tiers.filter(pl.col("fit_status") == "fitted")["tier"].to_list())
    observed_tiers = set(frame.filter(pl.col("km").is_not_null())["tier"].to_list())
    for tier in sorted(fitted | observed_tiers):
        part = frame.filter(pl.col("tier") == tier).sort("months")
        colour = _colour("tier", str(tier), tier - 1)
        name = rules.tier_name(tier, lang)
        if tier in fitted:
            fig.add_scatter(x=part["months"].to_list(), y=part["sbg"].to_list(), mode="lines",
                            name=name, legendgroup=name, line={"color": colour, "width": 2.5},
                            hovertemplate=name + " · " + t("lifecycle_sbg_hover", lang)
                            + "<extra></extra>")
        else:
            name = t("lifecycle_tier_not_identifiable", lang, tier=name)
        # every month for the first two years, then every sixth: readable markers
        observed = part.filter(pl.col("km").is_not_null()
                               & ((pl.col("months") <= 24) | (pl.col("months") % 6 == 0)))
        fig.add_scatter(x=observed["months"].to_list(), y=observed["km"].to_list(), mode="markers",
                        name=name, legendgroup=name, showlegend=tier not in fitted,
                        marker={"color": colour, "size": 5, "symbol": "circle-open"},
                        hovertemplate=name + " · " + t("lifecycle_observed_hover", lang)
                        + "<extra></extra>")
    fig.update_layout(xaxis={"title": t("lifecycle_months_since_join", lang), "rangemode": "tozero"},
                      yaxis={"title": t("lifecycle_survival", lang), "tickformat": ".0%",
                             "range": [0, 1.02]})
    return style_figure(fig, t("lifecycle_chart_projection", lang), height=420)


def clv_by_tier(tiers: pl.DataFrame, rules: Rules, lang: str) -> go.Figure:
    """Customer value per tier: a new customer's CLV and an active customer's residual value;
    hatched bars are the simple-CLV fallback of tiers whose sBG fit is not identifiable."""
    part = tiers.filter(pl.col("clv_source").is_not_null())
    names = [rules.tier_name(int(x), lang) for x in part["tier"].to_list()]
    hatch = ["/" if s == "simple" else "" for s in part["clv_source"].to_list()]
    fig = go.Figure()
    fig.add_bar(x=names, y=part["clv_new_customer_currency"].to_list(),
                name=t("lifecycle_clv_new", lang),
                marker={"color": PALETTE["muted"], "pattern": {"shape": hatch}},
                hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.add_bar(x=names, y=part["residual_clv_per_customer_currency"].to_list(),
                name=t("lifecycle_clv_residual", lang),
                marker={"color": PALETTE["primary"], "pattern": {"shape": hatch}},
                hovertemplate="%{x}: %{y:,.0f}<extra></extra>")
    fig.update_layout(barmode="group", yaxis={"tickformat": ",.0f",
                                              "title": t("lifecycle_currency", lang)})
    return style_figure(fig, t("lifecycle_chart_clv", lang))


def churn_types(by_type: pl.DataFrame, lang: str) -> go.Figure:
    """Churners per type: counted in the analysis base and excluded."""
    labels = [t(f"lifecycle_type_{x}", lang) for x in by_type["churn_type"].to_list()]
    counted = by_type["counted"].to_list()
    excluded = [a - b for a, b in zip(by_type["customers"].to_list(), counted)]
    fig = go.Figure()
    fig.add_bar(y=labels, x=counted, orientation="h", name=t("lifecycle_counted", lang),
                marker_color=PALETTE["accent"], hovertemplate="%{y}: %{x:,}<extra></extra>")
    fig.add_bar(y=labels, x=excluded, orientation="h", name=t("lifecycle_excluded", lang),
                marker_color=PALETTE["muted"], hovertemplate="%{y}: %{x:,}<extra></extra>")
    fig.update_layout(barmode="stack", yaxis={"autorange": "reversed"},
                      xaxis={"tickformat": ",.0f", "title": t("lifecycle_customers", lang)})
    style_figure(fig, t("lifecycle_chart_types", lang), height=320)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0,
                              "xanchor": "left"}, margin={"b": 40})
    return fig


def churn_reasons(by_reason: pl.DataFrame, lang: str) -> go.Figure:
    """Counted churners of the chosen types per reason, largest first."""
    fig = go.Figure()
    reasons = [churn_reason(r, lang) for r in by_reason["churn_reason"].to_list()]
    fig.add_bar(y=reasons, x=by_reason["customers"].to_list(),
                orientation="h", marker_color=PALETTE["primary"], showlegend=False,
                hovertemplate="%{y}: %{x:,}<extra></extra>")
    fig.update_layout(yaxis={"autorange": "reversed"},
                      xaxis={"tickformat": ",.0f", "title": t("lifecycle_customers", lang)})
    return style_figure(fig, t("lifecycle_chart_reasons", lang), height=max(300, 26 * by_reason.height + 90))


def step_name(step: str, steps: FunnelSteps, lang: str) -> str:
    """Display name of a funnel step, with its months from the rules."""
    months = {"survived": steps.survival_months, "mature": steps.mature_months}.get(step, 0)
    return t(f"lifecycle_step_{step}", lang, months=months)


def funnel_heatmap(cohorts: pl.DataFrame, steps_used: FunnelSteps, lang: str) -> go.Figure:
    """Step conversion per join cohort (rows) and funnel step (columns), 0–1.

    Steps not yet observable for a cohort are grey cells marked "–", not 0 %.
    """
    title = t("lifecycle_chart_funnel_heatmap", lang)
    if cohorts.height == 0:
        return style_figure(go.Figure(), title)
    steps = [s for s in cohorts.sort("step_index")["step"].unique(maintain_order=True).to_list()
             if s != "acquired"]
    labels = cohorts.sort("cohort")["label"].unique(maintain_order=True).to_list()
    cell = {(r["label"], r["step"]): r for r in cohorts.iter_rows(named=True)}
    size = {label: cell[(label, "acquired")]["customers"] for label in labels}
    y = [f"{label} · n={size[label]:,}" for label in labels]
    x = [step_name(s, steps_used, lang) for s in steps]
    z, text, custom, blank = [], [], [], []
    for label in labels:
        row_z, row_text, row_custom, row_blank = [], [], [], []
        for step in steps:
            r = cell[(label, step)]
            observed = r["customers"] is not None
            row_z.append(r["step_conversion"])
            row_text.append("" if r["step_conversion"] is None else f"{r['step_conversion']:.0%}")
            row_custom.append([r["customers"] if observed else "",
                               "" if r["overall"] is None else f"{r['overall']:.1%}"])
            row_blank.append(None if observed else 1)
        z.append(row_z)
        text.append(row_text)
        custom.append(row_custom)
        blank.append(row_blank)
    fig = go.Figure()
    fig.add_heatmap(x=x, y=y, z=blank, colorscale=[[0, "#E6E6E6"], [1, "#E6E6E6"]],
                    showscale=False, text=[["–" if b else "" for b in row] for row in blank],
                    texttemplate="%{text}", textfont={"color": PALETTE["muted"]},
                    hovertemplate="%{y} · %{x}: " + t("lifecycle_not_observable", lang)
                    + "<extra></extra>", xgap=2, ygap=2)
    fig.add_heatmap(
        x=x, y=y, z=z, text=text, texttemplate="%{text}", textfont={"size": 12}, customdata=custom,
        colorscale=[[0, "#F6E3D4"], [0.5, "#9FC5C9"], [1, PALETTE["primary"]]], zmin=0, zmax=1,
        hovertemplate=t("lifecycle_funnel_hover", lang) + "<extra></extra>",
        colorbar={"tickformat": ".0%", "title": {"text": t("lifecycle_step_conversion", lang)}},
        xgap=2, ygap=2)
    fig.update_layout(xaxis={"title": t("lifecycle_funnel_step", lang), "side": "top",
                             "type": "category"},
                      yaxis={"title": t("lifecycle_join_cohort", lang), "autorange": "reversed",
                             "type": "category"})
    return style_figure(fig, title, height=max(300, 28 * len(labels) + 150))


def funnel_bars(cohorts: pl.DataFrame, labels: list[str], steps: FunnelSteps,
                lang: str) -> go.Figure:
    """Share of the acquired reaching each step, grouped by step, one bar per chosen cohort;
    steps not yet observable are marked on the axis instead of drawn as 0."""
    fig = go.Figure()
    for i, label in enumerate(labels):
        part = cohorts.filter(pl.col("label") == label).sort("step_index")
        names = [step_name(s, steps, lang) for s in part["step"].to_list()]
        counts = part["customers"].to_list()
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        fig.add_bar(x=names, y=part["overall"].to_list(), name=label, marker_color=colour,
                    text=[f"{c:,}" if c is not None else "" for c in counts],
                    textposition="outside", cliponaxis=False,
                    customdata=[[c if c is not None else "",
                                 "" if v is None else f"{v:.0%}"]
                                for c, v in zip(counts, part["step_conversion"].to_list())],
                    hovertemplate=label + " · " + t("lifecycle_funnel_bar_hover", lang)
                    + "<extra></extra>")
        missing = [n for n, c in zip(names, counts) if c is None]
        if missing:
            fig.add_scatter(x=missing, y=[0.02] * len(missing), mode="markers", name=label,
                            legendgroup=label, showlegend=False,
                            marker={"symbol": "x-thin-open", "size": 10, "color": colour},
                            hovertemplate=label + " · %{x}: " + t("lifecycle_not_observable", lang)
                            + "<extra></extra>")
    fig.update_layout(barmode="group", yaxis={"title": t("lifecycle_share_of_acquired", lang),
                                              "tickformat": ".0%", "range": [0, 1.1]},
                      xaxis={"type": "category"})
    return style_figure(fig, t("lifecycle_chart_funnel", lang), height=400)
