"""The Overview as a self-contained HTML page an executive can forward.

Plotly's script is inlined once with the first figure; the page loads nothing from anywhere.
"""
from __future__ import annotations

import datetime as dt
import html

import plotly.graph_objects as go

from lib.common import fmt
from lib.i18n import t_text as t   # HTML: escaped here with html.escape, not as markdown
from lib.common.localise import join
from lib.overview.kpis import Overview
from lib.store.filters import Filters
from lib.rules import Rules

_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Microsoft YaHei',sans-serif;
margin:2rem auto;max-width:1100px;color:#1d2730;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} .meta{color:#5b6670;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e3e8ec}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.miss{color:#C0392B;font-weight:600} .ok{color:#1E7B4A}
"""


def report_file_name(lang: str, snapshot: dt.date | None) -> str:
    """The report's download name: its language and snapshot, e.g.
    ``overview_report_zh_2026-10-31.html`` (two reports forwarded side by side stay apart)."""
    return f"{t('report_file_stem', lang)}_{fmt.date(snapshot) if snapshot else 'all'}.html"


def _kpi_rows(overview: Overview, lang: str, money: fmt.Currency) -> str:
    rows = []
    for kpi in overview.kpis:
        target = "" if kpi.target is None else (
            ("≥ " if kpi.target_kind == "min" else "≤ ") + fmt.number(kpi.target, kpi.unit, lang, money))
        status = {True: f'<span class="ok">{t("kpi_on_target", lang)}</span>',
                  False: f'<span class="miss">{t("kpi_missed", lang)}</span>',
                  None: ""}[kpi.meets_target]
        rows.append(
            "<tr>" + f"<td>{html.escape(t(kpi.key, lang))}</td>"
            f'<td class="num">{html.escape(fmt.number(kpi.value, kpi.unit, lang, money))}</td>'
            f'<td class="num">{html.escape(fmt.change(kpi.change, kpi.unit, lang, money) or "")}</td>'
            f'<td class="num">{html.escape(target)}</td><td>{status}</td></tr>'
        )
    return "".join(rows)


def _risk_note(overview: Overview, lang: str) -> str:
    """How revenue at risk was estimated, or why it was not (churn window unknown)."""
    if overview.risk_source == "model":
        return t("overview_risk_note_model", lang, months=overview.horizon_months, model=overview.risk_model_id)
    if overview.churn_window_months is None:
        return t("overview_window_unknown", lang, snapshot=fmt.date(overview.snapshot_date))
    return t("overview_risk_note", lang, months=overview.horizon_months)


def _scope_line(filters: Filters, lang: str) -> str:
    """Whose rows the report counts: the reader's row-level scope, stated when it is limited."""
    if filters.scope.whole_base:
        return ""
    return f'<p class="meta">{html.escape(t("scope_limited", lang, scope=filters.scope.describe()))}</p>'


def overview_html(overview: Overview, figures: list[go.Figure], filters: Filters, rules: Rules,
                  lang: str) -> str:
    """Render the KPI table and ``figures`` into one HTML document (UTF-8 text)."""
    scope = join(filters.provinces, lang) or t("sidebar_all", lang)
    tiers = join((rules.tier_name(x, lang) for x in filters.tiers), lang) or t("sidebar_all", lang)
    charts = "".join(
        fig.to_html(include_plotlyjs=(i == 0), full_html=False, config={"displaylogo": False})
        for i, fig in enumerate(figures)
    )
    head = (f"<th>{t('report_kpi', lang)}</th><th>{t('report_value', lang)}</th>"
            f"<th>{t('report_change', lang)}</th><th>{t('report_target', lang)}</th><th></th>")
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{html.escape(t("report_title", lang))}</title>'
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(t('report_title', lang))}</h1>"
        f'<div class="meta">{html.escape(t("report_meta", lang, snapshot=fmt.date(overview.snapshot_date), previous=fmt.date(overview.previous_date), provinces=scope, tiers=tiers, version=overview.rules_version))}</div>'
        f"{_scope_line(filters, lang)}"
        f"<table><thead><tr>{head}</tr></thead><tbody>{_kpi_rows(overview, lang, rules.currency)}</tbody></table>"
        f"<p>{html.escape(_risk_note(overview, lang))}</p>"
        f"{charts}</body></html>"
    )
