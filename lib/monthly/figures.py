"""Headline figures of every page and the Overview report, as the acting user may see them.

``headline_figures`` gathers what ``python -m lib report`` writes to ``figures.json``: the
Overview KPIs with target and status, the tier table (Segments), survival medians
(Lifecycle), the churn model's validation metrics (Churn risk) and the budget plan of Offers
ROI, each from the lib function its page calls with the page's default choices.
Units: counts of customers, shares 0–1, money in currency per month, durations in months.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl
import sqlalchemy as sa

from lib.churn.scores import churn_view
from lib.lifecycle import curves as lifecycle_curves
from lib.lifecycle.settings import default_definition, settings as lifecycle_settings
from lib.offers.optimiser import optimise
from lib.offers.store import current_catalogue
from lib.offers.targets import offer_targets
from lib.overview import charts
from lib.overview.kpis import Overview, build_overview
from lib.overview.report import overview_html
from lib.rules import Rules
from lib.rules.economics import economics_of, offer_inputs
from lib.segments.tiers import value_view
from lib.store.filters import Filters


def overview_report(conn: sa.Connection, filters: Filters, rules: Rules, lang: str) -> tuple[Overview, str]:
    """The Overview and its self-contained HTML report, exactly as the page's download makes
    them (``build_overview``, ``charts.overview_figures``, ``overview_html``)."""
    view = build_overview(conn, filters, rules)
    return view, overview_html(view, charts.overview_figures(view, rules, lang), filters, rules, lang)


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, NaN as null."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def kpi_figures(view: Overview) -> list[dict[str, Any]]:
    """The Overview's KPI cards: value, previous value, change, target and whether it is met."""
    status = {True: "met", False: "missed", None: None}
    return [{"kpi": k.key, "unit": k.unit, "value": k.value, "previous": k.previous,
             "change": k.change, "target": k.target, "target_kind": k.target_kind,
             "status": status[k.meets_target]} for k in view.kpis]


def headline_figures(engine: sa.Engine, filters: Filters, rules: Rules,
                     view: Overview | None = None) -> dict[str, Any]:
    """Headline figures of every page for ``filters`` (whose scope is the reader's); ``view``:
    the Overview already built for the report, so both read the same figures."""
    _, catalogue, _ = current_catalogue(engine)   # stores the shipped one if none is: own transaction
    with engine.connect() as conn:
        return _headline(conn, filters, rules, catalogue, view or build_overview(conn, filters, rules))


def _headline(conn: sa.Connection, filters: Filters, rules: Rules, catalogue, view: Overview) -> dict[str, Any]:
    tiers = value_view(conn, filters, rules).tiers
    settings = lifecycle_settings(rules)
    survival = lifecycle_curves.survival(conn, filters, rules, default_definition(rules), None,
                                         settings.max_groups)
    model = churn_view(conn, filters.snapshot_date)
    return {
        "snapshot_date": filters.snapshot_date.isoformat(),
        "previous_date": _plain(view.previous_date),
        "rules_version": view.rules_version,
        "currency": rules.currency.code,   # of every amount below (per month unless named)
        "scope": {"provinces": list(filters.scope.provinces), "cities": list(filters.scope.cities)},
        "filters": {"provinces": list(filters.provinces), "tiers": list(filters.tiers)},
        "overview": {"kpis": kpi_figures(view), "risk_source": view.risk_source,
                     "top_customer_share": view.top_customer_share,
                     "top_revenue_share": view.top_revenue_share},
        "segments": {"tiers": _records(tiers)},
        "lifecycle": {"truncation_months": survival.truncation_months,
                      "survival": _records(survival.summary)},
        "churn": _model_figures(model),
        "offers": _offer_plan(conn, filters, rules, catalogue),
    }


def _model_figures(model) -> dict[str, Any]:
    """The Churn risk page's model card headline: validation metrics of the newest model."""
    if model.card is None:
        return {"model_id": None, "scored_by": model.scored_by}
    card = model.card
    metrics = {name: getattr(card.model, name) for name in
               ("roc_auc", "pr_auc", "top_decile_lift", "base_rate", "rows", "churners")}
    baseline = {name: getattr(card.baseline, name) for name in ("roc_auc", "pr_auc", "top_decile_lift")}
    return {"model_id": model.model_id, "accepted": card.accepted, "refused": card.refused,
            "as_of": card.as_of.isoformat(), "horizon_months": card.horizon_months,
            "scheme": card.scheme, "metrics": metrics, "baseline": baseline,
            "scored_by": model.scored_by, "scored_rows": model.scored_rows}


def _offer_plan(conn: sa.Connection, filters: Filters, rules: Rules, catalogue) -> dict[str, Any]:
    """The Offers ROI budget tab with its default inputs (the rules' economics and budget,
    no per-tier caps): the optimised plan's cost, net value and groups."""
    inputs = offer_inputs(rules, None)
    targets = offer_targets(conn, filters, rules, economics_of(inputs))
    plan = optimise(targets.frame, catalogue, float(inputs["budget"]), None)
    customers = float(plan.rows["customers"].sum()) if plan.rows.height and "customers" in plan.rows.columns else 0.0
    return {"budget": float(inputs["budget"]), "method": plan.method, "cost": plan.cost,
            "net_value": plan.net_value, "gap": plan.gap, "groups": plan.rows.height,
            "customers": customers, "risk_source": targets.risk_source, "clv_source": targets.clv_source}
