"""PostgreSQL parity of every page's queries (issue 8, item 3).

One seeded demo base is stored in DuckDB and in the throw-away PostgreSQL server, with the
same churn scores written to both. Every page's query set — Overview, Segments (value, RFM,
clusters, geography, migration), Lifecycle (stages, cohorts, survival, value, churn, funnel),
Churn risk (the training samples and the scored views), Offers, the Action list and the
Call-back plans page (a plan's candidates and baseline, the plans and their customers, recorded
outcomes and the measured results) — runs on both engines through the same lib functions the
pages call, and the results must agree:
same columns, same rows in the same order, same kinds of values, floats equal to 1e-9
relative. ``test_every_query_has_a_parity_case`` lists the public query builders of
``lib/queries/*`` and fails when one was never run by a parity case, so a new query cannot
slip past this file unnoticed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import math
import sys
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa

from lib.pipeline.cubes import rebuild_score_cube
from tests.factories import model_card
from lib.overview import kpis
from lib.lifecycle import settings as lifecycle_settings
from lib.lifecycle import stages as lifecycle_stages
from lib.lifecycle import dimensions as lifecycle_dimensions
from lib.lifecycle import curves as lifecycle_curves
from lib.lifecycle import cohort_matrix as lifecycle_cohorts
from lib.lifecycle import breakdown as lifecycle_breakdown
from lib.lifecycle import funnel as lifecycle_funnel
from lib.lifecycle import value as lifecycle_value
from lib.segments import tiers as segments
from lib.segments import clusters as segments_clusters
from lib.segments import geo as segments_geo
from lib.churn.actions import BANDS, call_list, catalogue_entries, export_history
from lib.churn.scores import churn_view, decile_summary, revenue_at_risk_from_scores, store_model
from lib.churn.train import read_rows
from lib.offers.store import current_catalogue
from lib.rules.economics import Economics, economics
from lib.offers.targets import offer_targets
from lib.offers.calibration import campaign_calibration
from lib.operations.plans import PlanDraft, create_plan, list_plans, plan_inputs, plan_members, set_status
from lib.operations.results import (arm_churn, outcomes_token, overview_operations, plan_calibration,
                                    plan_choices, plan_results)
from lib.operations.outcomes import OUTCOMES, outcome_history, plan_outcome_rows, record_outcomes, rows_table
from lib.store.filters import Filters
from lib.uplift import queries as quplift
from lib.churn import queries as qchurn
from lib.lifecycle import queries as qlifecycle
from lib.overview import queries as qoverview
from lib.rules.versions import current_rules
from lib.demo.seed import seed_demo
from lib.pipeline.snapshots import refresh_statistics
from lib.store import callback_plans, churn_scores, customer_segments, read_frame, score_cube
from lib.pipeline.migrations import open_store

CUSTOMERS, SNAPSHOTS, SEED = 3000, 12, 11
#: The call-back plan of the shared base: drawn from the VIP tiers of the 4th newest snapshot (so
#: the three later ones measure its churn), a quarter held out by a fixed seed, two offers.
PLAN_TIERS, PLAN_OFFERS, PLAN_SEED = (4, 5, 6), ("priority_service", "points_double"), 7
#: Columns holding wall-clock timestamps (when a plan was created, an outcome recorded): each
#: engine's base is built at its own moment, so these legitimately differ and are dropped
#: before comparing.
CLOCK_COLUMNS = ("created_at", "recorded_at")
REL = 1e-9
ABS = 1e-12

pytestmark = pytest.mark.postgres

#: Modules of lib/queries/* no parity case covers yet, with why. Keep this short: every
#: entry is a set of queries whose engines could disagree unseen.
NOT_COVERED: dict[str, str] = {}


# --- the shared base -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Context:
    """What the cases need besides the connection (identical on both engines)."""

    rules: Any
    dates: tuple[dt.date, ...]
    latest: dt.date
    everyone: Filters
    some: Filters          # two provinces, VIP tiers: the sidebar's filters applied
    plan: int              # the base's call-back plan (active, with outcomes)


def _scores(conn: sa.Connection, snapshot_date: dt.date) -> list[dict]:
    """The same scores for both engines: a probability from the id's checksum in steps of
    0.001 (many ties, as a real model's rounded scores have), deciles by the probability's
    tenths, reasons for the riskier half."""
    ids = conn.execute(sa.text(
        "SELECT customer_id FROM customers WHERE snapshot_date = :d AND churned IS NOT TRUE "
        "ORDER BY customer_id"), {"d": snapshot_date}).scalars().all()
    p = np.array([(zlib.crc32(i.encode()) % 600) / 1000 for i in ids])
    cuts = np.quantile(p, np.linspace(0.1, 0.9, 9))
    decile = 1 + np.searchsorted(cuts, p, side="left")
    groups = ("complaints", "spend_trend", "tenure", "usage", "arrears")
    return [{"snapshot_date": snapshot_date, "customer_id": i, "model_id": 1,
             "churn_probability": float(pi), "risk_decile": int(d),
             "reasons": (f"{groups[k % 5]}:{pi / 3:.3f};{groups[(k + 2) % 5]}:{pi / 7:.3f}"
                         if pi >= 0.3 else None)}
            for k, (i, pi, d) in enumerate(zip(ids, p, decile))]


def _outcome_rows(treated: list[str], day: dt.date, pass_: int) -> list[dict]:
    """Outcomes the call centre reports for the plan's treated customers (sorted ids): the first
    pass covers two in three of them, every outcome in turn, some with another manager or a
    catalogue offer other than the plan's; the second corrects every fourth of those (the log
    keeps both, ``plan_outcomes`` the latest)."""
    rows = []
    for k, cid in enumerate(treated):
        if k % 3 == 2 or (pass_ == 2 and k % 4):
            continue
        outcome = OUTCOMES[(k + pass_) % len(OUTCOMES)]
        rows.append({"customer_id": cid, "outcome": outcome, "outcome_date": day,
                     "manager": "Zhao" if k % 7 == 0 else None,
                     "offer_id": "care_call" if outcome == "accepted" and k % 2 else None})
    return rows


def _plan(engine: sa.Engine, rules, dates: list[dt.date]) -> int:
    """The base's call-back plan, as the Call-back plans page makes one: candidates of a
    selection, a seeded hold-out, activated, then outcomes recorded in the app and corrected."""
    day = dates[-4]
    catalogue = catalogue_entries(current_catalogue(engine)[1])
    with engine.connect() as conn:
        inputs = plan_inputs(conn, "selection", Filters(day), rules, (), (), PLAN_TIERS, (), catalogue)
    draft = PlanDraft(
        name="Parity care", purpose="keep VIPs", channel="phone", snapshot_date=day,
        window_start=day + dt.timedelta(days=1), window_end=day + dt.timedelta(days=30),
        offer_ids=PLAN_OFFERS, selection={"source": "selection", "snapshot_date": day, "tiers": PLAN_TIERS},
        target_effect=0.05, holdout_size=inputs.candidates.height // 4, seed=PLAN_SEED)
    plan_id = create_plan(engine, draft, inputs.candidates, rules, catalogue)
    set_status(engine, plan_id, "active")
    with engine.connect() as conn:
        treated = sorted(plan_members(conn, plan_id).filter(pl.col("arm") == "treated")["customer_id"])
        created = conn.execute(sa.select(callback_plans.c.created_at)
                               .where(callback_plans.c.plan_id == plan_id)).scalar_one().date()
    # Outcomes dated the plan's creation day (no earlier date is allowed); ``today`` the same,
    # so the check does not depend on the local time zone against the stored UTC time. The
    # correction comes in by the command line.
    for pass_, source in ((1, "app"), (2, "cli")):
        record_outcomes(engine, plan_id, rows_table(_outcome_rows(treated, created, pass_)),
                        source=source, today=created)
    return plan_id


def _store(engine: sa.Engine) -> None:
    seed_demo(engine, customers=CUSTOMERS, snapshots=SNAPSHOTS, seed=SEED)
    rules = current_rules(engine)
    with engine.connect() as conn:
        dates = sorted(read_frame(conn, qoverview.snapshot_list())["snapshot_date"].to_list())
        latest = dates[-1]
        rows = _scores(conn, latest)
    store_model(engine, model_card(latest, rules.section("churn_model").get("horizon_months", 3)), None)
    with engine.begin() as conn:
        conn.execute(sa.insert(churn_scores), rows)
        rebuild_score_cube(conn, [latest])              # as lib.churn.scores.score_snapshot does
        refresh_statistics(conn, churn_scores, score_cube)
    _plan(engine, rules, dates)


@pytest.fixture(scope="module")
def engines(pg_server, tmp_path_factory):
    name, url = pg_server.create_database("parity")
    made = {"duckdb": open_store(f"duckdb:///{tmp_path_factory.mktemp('parity')}/store.duckdb"),
            "postgresql": open_store(url)}
    for engine in made.values():
        _store(engine)
    yield made
    for engine in made.values():
        engine.dispose()
    pg_server.drop_database(name)


def _context(conn: sa.Connection) -> Context:
    rules = current_rules(conn.engine)
    dates = tuple(read_frame(conn, qoverview.snapshot_list())["snapshot_date"].to_list())
    latest = max(dates)
    provinces = read_frame(conn, qoverview.provinces(latest))["province"].to_list()
    plan = conn.execute(sa.select(sa.func.max(callback_plans.c.plan_id))).scalar_one()
    return Context(rules, tuple(sorted(dates)), latest, Filters(latest),
                   Filters(latest, tuple(sorted(provinces)[:2]), (4, 5, 6)), int(plan))


# --- the cases: what each page runs -----------------------------------------------------------

Case = Callable[[sa.Connection, Context], Any]


def _lifecycle_definition(x: Context):
    return lifecycle_settings.default_definition(x.rules)


def _cohort_dimension(conn: sa.Connection, x: Context) -> dict:
    names = lifecycle_dimensions.dimension_names(conn, x.everyone)
    out = {}
    for dim in names:
        values = lifecycle_dimensions.dimension_values(conn, x.everyone, dim, 50)
        out[dim] = values
        if values:
            out[f"{dim}:cohorts"] = lifecycle_cohorts.cohorts(
                conn, x.everyone, x.rules, _lifecycle_definition(x),
                lifecycle_settings.settings(x.rules).cohort_months, dim, values[0])
    return out


def _clusters(conn: sa.Connection, x: Context, filters: Filters) -> dict:
    model = segments_clusters.fit_clusters(conn, x.latest, x.rules, None)
    fixed = segments_clusters.fit_clusters(conn, x.latest, x.rules, 3)
    return {"model": model, "fixed": fixed,
            "view": segments_clusters.cluster_view(conn, filters, x.rules, model) if model else None,
            "labels": segments_clusters.labels_frame(conn, filters, fixed) if fixed else None}


def _geo(conn: sa.Connection, x: Context, filters: Filters) -> dict:
    view = segments_geo.province_view(conn, filters, x.rules)
    out: dict[str, Any] = {"provinces": view}
    for metric in segments_geo.METRICS:
        out[metric] = segments_geo.ranked(view.areas, metric)
    if view.areas.height:
        province = segments_geo.ranked(view.areas, "revenue")["area"][0]
        cities = segments_geo.area_view(conn, filters, x.rules, "city", province)
        out["cities"] = cities
        if cities.height:
            city = segments_geo.ranked(cities, "revenue")["area"][0]
            out["districts"] = segments_geo.area_view(conn, filters, x.rules, "district", province, city)
    return out


def _segments_value(conn: sa.Connection, x: Context, filters: Filters) -> dict:
    view = segments.value_view(conn, filters, x.rules)
    return {"view": view, **{d: segments.tier_dimension_view(conn, filters, d) for d in view.dimensions}}


def _rfm_stored(conn: sa.Connection, x: Context) -> dict:
    """Per-customer RFM scores written by the database (INSERT … SELECT), read back in id order."""
    wrote = segments.ensure_rfm(conn, x.latest)
    again = segments.ensure_rfm(conn, x.latest)
    stored = read_frame(conn, sa.select(customer_segments).where(
        customer_segments.c.snapshot_date == x.latest).order_by(customer_segments.c.customer_id))
    return {"wrote": wrote, "again": again, "rows": stored}


def _lifecycle_value(conn: sa.Connection, x: Context, filters: Filters):
    s = lifecycle_settings.settings(x.rules)
    return lifecycle_value.customer_value(conn, filters, x.rules, _lifecycle_definition(x),
                                          s.margin_share, s.annual_discount_rate,
                                          s.projection_months, s.min_fit_customers)


def _survival(conn: sa.Connection, x: Context, filters: Filters) -> dict:
    s = lifecycle_settings.settings(x.rules)
    out = {}
    for dim in (None, "tier", "province"):
        view = lifecycle_curves.survival(conn, filters, x.rules, _lifecycle_definition(x), dim, s.max_groups)
        out[str(dim)] = view
        groups = view.summary["segment"].to_list() if view.summary.height else []
        if dim and len(groups) >= 2:
            out[f"{dim}:logrank"] = lifecycle_curves.compare(view, groups[0], groups[1])
    return out


def _lifetimes(conn: sa.Connection, x: Context) -> dict:
    """Lifetimes read from the rows (the Lifecycle page's other dimensions and definitions) and
    the lifetime cube's rows as the store builds them (sorted here: the build is unordered)."""
    definition, when = _lifecycle_definition(x), lifecycle_stages.timeline(conn, x.latest)
    cube = read_frame(conn, qlifecycle.lifetime_cube_rows(x.everyone, definition, x.rules, when))
    return {"tier": read_frame(conn, qlifecycle.lifetimes(x.some, definition, x.rules, when, "tier")),
            "stage": read_frame(conn, qlifecycle.lifetimes(x.everyone, definition, x.rules, when, "stage")),
            "cube": cube.sort(cube.columns, nulls_last=True)}


def _churn_training(conn: sa.Connection, x: Context) -> dict:
    """The samples the model trains and scores on, read the way training reads them."""
    months = read_frame(conn, qchurn.stored_months())
    month = dict(zip(months["snapshot_date"].to_list(), months["snapshot_month"].to_list()))
    earlier = x.dates[-4]
    first = read_rows(conn, qchurn.score_batch(x.latest, None, 700))
    return {
        "months": months,
        "active": read_frame(conn, qchurn.active_count(x.latest)),
        "rows": read_frame(conn, qchurn.row_count(x.latest)),
        "window": read_rows(conn, qchurn.window_sample(earlier, month[earlier], 3, 7)),
        "flags": read_rows(conn, qchurn.flag_sample(x.latest, 5)),
        "batch1": first,
        "batch2": read_rows(conn, qchurn.score_batch(x.latest, first["customer_id"][-1], 700)),
    }


def _catalogue(conn: sa.Connection) -> list[dict]:
    return catalogue_entries(current_catalogue(conn.engine)[1])


def _call_list(conn: sa.Connection, x: Context, filters: Filters, bands, stages):
    return call_list(conn, filters, x.rules, bands, stages, _catalogue(conn))


def _without_clock(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame without its wall-clock columns (``CLOCK_COLUMNS``: they differ by engine)."""
    return frame.drop([c for c in CLOCK_COLUMNS if c in frame.columns])


def _selection_earlier(conn: sa.Connection, x: Context, tiers: tuple[int, ...], stages: tuple[str, ...]):
    """A selection in two provinces on a snapshot without churn scores: the baseline falls back
    to the tier / province segment's churn share (``segment_churn_share``), stages or not."""
    return plan_inputs(conn, "selection", Filters(x.dates[-6]), x.rules, (), stages, tiers,
                       x.some.provinces, _catalogue(conn))


def _plans(conn: sa.Connection, x: Context) -> dict:
    return {"plans": _without_clock(list_plans(conn)), "members": plan_members(conn, x.plan),
            "none": plan_members(conn, x.plan + 1)}


def _outcome_records(conn: sa.Connection, x: Context) -> dict:
    """The plan's outcome log (newest first, in each recording's row order) and its outcomes."""
    token = outcomes_token(conn, x.plan)
    return {"token": token, "all": outcomes_token(conn), "other": outcomes_token(conn, x.plan + 1),
            "history": _without_clock(outcome_history(conn, x.plan, token)),
            "rows": _without_clock(plan_outcome_rows(conn, x.plan, token))}


def _uplift_training(conn: sa.Connection, x: Context) -> dict:
    """The demo offer's training set at the latest snapshot and at one whose horizon is not
    stored yet for most of the campaign (three months after the base's middle)."""
    offer = read_rows(conn, quplift.campaigns(x.latest))["offer_id"][0]
    month = conn.execute(sa.text("SELECT snapshot_month FROM snapshots WHERE snapshot_date = :d"),
                         {"d": x.latest}).scalar_one()
    return {"latest": read_rows(conn, quplift.training_rows(offer, month, 3)),
            "one_month": read_rows(conn, quplift.training_rows(offer, month, 1)),
            "early": read_rows(conn, quplift.training_rows(offer, month - 4, 3))}


CASES: dict[str, Case] = {
    # Overview and the sidebar
    "overview/all": lambda conn, x: kpis.build_overview(conn, x.everyone, x.rules),
    "overview/filtered": lambda conn, x: kpis.build_overview(conn, x.some, x.rules),
    "overview/earlier": lambda conn, x: kpis.build_overview(conn, Filters(x.dates[-5]), x.rules),
    "sidebar/provinces": lambda conn, x: read_frame(conn, qoverview.provinces(x.latest)),
    # Segments
    "segments/value": lambda conn, x: _segments_value(conn, x, x.everyone),
    "segments/value_filtered": lambda conn, x: _segments_value(conn, x, x.some),
    "segments/rfm": lambda conn, x: segments.rfm_view(
        conn, x.everyone, x.rules, segments.rfm_cuts(conn, x.latest)),
    "segments/rfm_filtered": lambda conn, x: segments.rfm_view(
        conn, x.some, x.rules, segments.rfm_cuts(conn, x.latest)),
    "segments/clusters": lambda conn, x: _clusters(conn, x, x.everyone),
    "segments/clusters_filtered": lambda conn, x: _clusters(conn, x, x.some),
    "segments/geography": lambda conn, x: _geo(conn, x, x.everyone),
    "segments/geography_filtered": lambda conn, x: _geo(conn, x, x.some),
    "segments/rfm_stored": lambda conn, x: _rfm_stored(conn, x),
    "segments/migration": lambda conn, x: segments.migration_view(conn, x.everyone, x.rules, x.dates[-4]),
    "segments/migration_filtered": lambda conn, x: segments.migration_view(conn, x.some, x.rules, x.dates[0]),
    # Lifecycle
    "lifecycle/stages": lambda conn, x: lifecycle_stages.stages(conn, x.everyone),
    "lifecycle/stages_filtered": lambda conn, x: lifecycle_stages.stages(conn, x.some),
    "lifecycle/cohorts": lambda conn, x: lifecycle_cohorts.cohorts(
        conn, x.everyone, x.rules, _lifecycle_definition(x), lifecycle_settings.settings(x.rules).cohort_months),
    "lifecycle/cohorts_by_dimension": _cohort_dimension,
    "lifecycle/survival": lambda conn, x: _survival(conn, x, x.everyone),
    "lifecycle/survival_filtered": lambda conn, x: _survival(conn, x, x.some),
    "lifecycle/lifetimes": _lifetimes,
    "lifecycle/value": lambda conn, x: _lifecycle_value(conn, x, x.everyone),
    "lifecycle/tier_clv": lambda conn, x: lifecycle_value.tier_clv(conn, x.everyone, x.rules),
    "lifecycle/churn": lambda conn, x: lifecycle_breakdown.churn_breakdown(
        conn, x.everyone, x.rules, _lifecycle_definition(x), lifecycle_settings.settings(x.rules).value_drop_share),
    "lifecycle/churn_filtered": lambda conn, x: lifecycle_breakdown.churn_breakdown(
        conn, x.some, x.rules, _lifecycle_definition(x), 0.3),
    "lifecycle/funnel": lambda conn, x: lifecycle_funnel.funnel(conn, x.everyone, x.rules, _lifecycle_definition(x)),
    "lifecycle/funnel_tier": lambda conn, x: lifecycle_funnel.funnel(
        conn, x.everyone, x.rules, _lifecycle_definition(x), "tier", "5"),
    # Churn risk
    "churn/training_samples": _churn_training,
    "churn/view": lambda conn, x: churn_view(conn, x.latest),
    "churn/risk": lambda conn, x: revenue_at_risk_from_scores(conn, x.everyone, 12),
    "churn/risk_filtered": lambda conn, x: revenue_at_risk_from_scores(conn, x.some, 6),
    "churn/deciles": lambda conn, x: decile_summary(conn, x.everyone),
    # Offers
    "offers/targets": lambda conn, x: offer_targets(conn, x.everyone, x.rules, economics(x.rules)),
    "offers/targets_filtered": lambda conn, x: offer_targets(
        conn, x.some, x.rules, Economics(0.4, 0.08, 24, 200.0)),
    "offers/calibration": lambda conn, x: campaign_calibration(conn, x.everyone),
    # Action list
    "actions/all_bands": lambda conn, x: _call_list(conn, x, x.everyone, BANDS, ()),
    "actions/high": lambda conn, x: _call_list(conn, x, x.everyone, ("high",), ()),
    "actions/filtered": lambda conn, x: _call_list(conn, x, x.some, ("high", "medium"),
                                                   ("decline", "maturity")),
    "actions/export_log": lambda conn, x: export_history(conn, 20),
    # Call-back plans: a new plan's candidates and baseline, the plans and their customers
    "operations/selection": lambda conn, x: plan_inputs(
        conn, "selection", x.everyone, x.rules, (), (), (4, 5, 6), (), _catalogue(conn)),
    "operations/selection_earlier": lambda conn, x: _selection_earlier(conn, x, (), ("maturity", "decline")),
    "operations/selection_earlier_tiers": lambda conn, x: _selection_earlier(conn, x, (1, 2, 3), ()),
    "operations/action_list": lambda conn, x: plan_inputs(
        conn, "action_list", x.everyone, x.rules, ("high", "medium"), (), (), (), _catalogue(conn)),
    "operations/action_list_filtered": lambda conn, x: plan_inputs(
        conn, "action_list", x.some, x.rules, ("high", "medium"), ("maturity",), (), (), _catalogue(conn)),
    "operations/plans": _plans,
    # Call-back plans: recorded outcomes and the measured results
    "outcomes/records": _outcome_records,
    "outcomes/results": lambda conn, x: plan_results(conn, x.plan, x.rules, outcomes_token(conn, x.plan)),
    "outcomes/arm_churn": lambda conn, x: {"default": arm_churn(conn, x.plan, x.rules),
                                           "one_month": arm_churn(conn, x.plan, x.rules, 1)},
    "outcomes/calibration": lambda conn, x: plan_calibration(conn, x.plan, x.rules),
    "outcomes/overview": lambda conn, x: overview_operations(conn, x.rules, outcomes_token(conn)),
    "outcomes/choices": lambda conn, x: plan_choices(conn, outcomes_token(conn)),
    # Uplift: the campaigns, an offer's training set, a scoring batch with the churn scores
    "uplift/campaigns": lambda conn, x: read_rows(conn, quplift.campaigns(x.latest)),
    "uplift/training": _uplift_training,
    "uplift/scoring": lambda conn, x: {
        "first": read_rows(conn, quplift.scoring_batch(x.latest, None, 500)),
        "next": read_rows(conn, quplift.scoring_batch(x.latest, "C0001000", 500)),
        "unscored": read_rows(conn, quplift.scoring_batch(x.dates[0], None, 50)),
        "features": read_rows(conn, quplift.customer_features(
            x.latest, ("C0000005", "C0000100", "C0001000", "C9999999")))},
}


# --- running and comparing -------------------------------------------------------------------


#: the modules holding SQL builders, by the short name the argument table below uses
QUERY_MODULES = {"churn": "lib.churn.queries", "common": "lib.store.filters",
                 "lifecycle": "lib.lifecycle.queries", "offers": "lib.offers.queries",
                 "operations": "lib.operations.queries", "outcomes": "lib.operations.outcome_queries",
                 "overview": "lib.overview.queries", "segments": "lib.segments.queries",
                 "uplift": "lib.uplift.queries"}


def _query_functions() -> dict[str, Callable]:
    """Public query builders of every domain's queries module: functions returning a statement."""
    found = {}
    for key, module_name in QUERY_MODULES.items():
        module = importlib.import_module(module_name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            returns = str(inspect.signature(fn).return_annotation)
            if any(kind in returns for kind in ("Select", "Subquery", "Insert", "Join")):
                found[f"{key}.{name}"] = fn
    return found


@pytest.fixture(scope="module")
def results(engines):
    """Every case's result per engine, and the query builders the cases ran."""
    targets = {fn.__code__: name for name, fn in _query_functions().items()}
    seen: set[str] = set()

    def profile(frame, event, _arg):
        if event == "call" and frame.f_code in targets:
            seen.add(targets[frame.f_code])

    out: dict[str, dict[str, Any]] = {}
    for engine_name, engine in engines.items():
        with engine.connect() as conn:
            context = _context(conn)
            for case, run in CASES.items():
                sys.setprofile(profile)
                try:
                    value = run(conn, context)
                except Exception as exc:  # noqa: BLE001 - reported by the case's test
                    value = exc
                finally:
                    sys.setprofile(None)
                out.setdefault(case, {})[engine_name] = value
            conn.commit()
    return out, seen


def _kind(dtype: pl.DataType) -> str:
    """The kind of value a column holds; widths may differ between engines (Int32/Int64)."""
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        return "float"
    if dtype == pl.Null:
        return "null"
    return str(dtype.base_type())


def _floats_equal(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=REL, abs_tol=ABS)


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two results differ (empty when they agree)."""
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        return [f"{path}: raised {a!r} / {b!r}"]
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return [f"{path}: types {type(a).__name__} / {type(b).__name__}"]
    if isinstance(a, pl.DataFrame):
        if a.columns != b.columns:
            return [f"{path}: columns {a.columns} / {b.columns}"]
        if a.height != b.height:
            return [f"{path}: {a.height} / {b.height} rows"]
        out = []
        for name in a.columns:
            x, y = a[name], b[name]
            if _kind(x.dtype) != _kind(y.dtype) and "null" not in (_kind(x.dtype), _kind(y.dtype)):
                out.append(f"{path}.{name}: dtype {x.dtype} / {y.dtype}")
                continue
            if x.dtype.is_float() or y.dtype.is_float():
                bad = [i for i, (u, v) in enumerate(zip(x.to_list(), y.to_list()))
                       if not _floats_equal(None if u is None else float(u), None if v is None else float(v))]
            else:
                bad = [i for i, (u, v) in enumerate(zip(x.to_list(), y.to_list())) if u != v]
            if bad:
                i = bad[0]
                out.append(f"{path}.{name}: {len(bad)} rows differ, first row {i}: "
                           f"{x[i]!r} / {y[i]!r}")
        return out
    if isinstance(a, pl.Series):
        return differences(a.to_frame(), b.to_frame(), path)
    if dataclasses.is_dataclass(a):
        return [d for f in dataclasses.fields(a)
                for d in differences(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{path}: keys {list(a)} / {list(b)}"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}[{k!r}]")]
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} / {len(b)}"]
        return [d for i, (u, v) in enumerate(zip(a, b)) for d in differences(u, v, f"{path}[{i}]")]
    if isinstance(a, np.ndarray):
        if a.shape != b.shape:
            return [f"{path}: shape {a.shape} / {b.shape}"]
        if a.dtype.kind in "fc":
            ok = np.allclose(a, b, rtol=REL, atol=ABS, equal_nan=True)
        else:
            ok = bool(np.array_equal(a, b))
        return [] if ok else [f"{path}: arrays differ"]
    if isinstance(a, (float, np.floating)) or isinstance(b, (float, np.floating)):
        return [] if _floats_equal(float(a), float(b)) else [f"{path}: {a!r} / {b!r}"]
    if hasattr(a, "__dict__") and not isinstance(a, type):
        return differences(vars(a), vars(b), path)
    return [] if a == b else [f"{path}: {a!r} / {b!r}"]


@pytest.mark.parametrize("case", list(CASES))
def test_page_queries_agree_on_duckdb_and_postgresql(results, case):
    out, _ = results
    duck, pg = out[case]["duckdb"], out[case]["postgresql"]
    assert not isinstance(duck, BaseException), f"DuckDB raised {duck!r}"
    assert not isinstance(pg, BaseException), f"PostgreSQL raised {pg!r}"
    found = differences(duck, pg, case)
    assert not found, "\n".join(found[:20])


def test_cases_are_not_empty(results):
    """A parity case that compares nothing proves nothing: the base must give rows."""
    out, _ = results
    duck = {k: v["duckdb"] for k, v in out.items()}
    assert duck["overview/all"].kpis and duck["segments/rfm"].cells.height
    assert duck["actions/all_bands"].rows.height == duck["actions/all_bands"].limit
    assert duck["lifecycle/cohorts"].height and duck["offers/calibration"].height
    assert duck["churn/training_samples"]["window"].height > 100
    assert duck["segments/clusters"]["model"] is not None
    selection, earlier = duck["operations/selection"], duck["operations/selection_earlier"]
    by_tier = duck["operations/selection_earlier_tiers"]
    assert selection.candidates.height == selection.matched > 0 and selection.baseline.source == "scores"
    assert earlier.candidates.height == earlier.matched > 0 and earlier.baseline.source == "segment"
    assert by_tier.candidates.height and by_tier.baseline.source == "segment" and 0 < by_tier.baseline.rate < 1
    assert duck["operations/action_list"].candidates.height > 0
    assert duck["operations/action_list_filtered"].candidates.height > 0
    plans = duck["operations/plans"]
    plan = plans["plans"].row(0, named=True)
    assert plans["plans"].height == 1 and plan["status"] == "active"
    assert plan["treated"] > 0 and plan["holdout"] > 0 and plan["outcomes"] > 0
    assert plans["members"].height == plan["treated"] + plan["holdout"]
    assert plans["members"]["offer_id"].n_unique() > 2                 # both offers and none
    records = duck["outcomes/records"]
    assert records["history"].height > plan["outcomes"]                # corrections in the log
    assert records["rows"]["outcome"].drop_nulls().len() == plan["outcomes"]
    assert set(records["rows"]["outcome"].drop_nulls()) == set(OUTCOMES)
    results = duck["outcomes/results"]
    assert results.later_snapshots == 3 and results.difference is not None
    assert results.reach["attempted"][0] == plan["outcomes"] and results.take_up.height >= 2
    assert results.arms["customers"].min() > 0 and results.arms["churned"].sum() > 0
    assert duck["outcomes/arm_churn"]["default"].height and duck["outcomes/calibration"].height
    overview = duck["outcomes/overview"]
    assert overview is not None and overview.latest is not None and overview.treated == plan["treated"]
    assert duck["outcomes/choices"].height == 1
    assert duck["uplift/campaigns"].height == 1 and duck["uplift/training"]["latest"].height > 20
    assert duck["uplift/training"]["latest"]["churned_later"].sum() > 0
    assert duck["uplift/scoring"]["first"].height == 500
    assert duck["uplift/scoring"]["first"]["churn_probability"].null_count() < 500
    assert duck["uplift/scoring"]["unscored"]["churn_probability"].null_count() == 50


def test_every_query_has_a_parity_case(results):
    """Every public query builder in lib/queries/* ran in a parity case (or is listed in
    NOT_COVERED with why): add a case to CASES when adding a query."""
    _, seen = results
    every = set(_query_functions())
    missing = sorted(name for name in every - seen if name.split(".")[0] not in NOT_COVERED)
    assert not missing, f"query builders without a parity case: {missing}"


def test_ties_keep_one_order(results):
    """Ordered, limited lists break ties the same way on both engines: the call list has
    many equal churn probabilities (0.001 steps), and its order must still be identical."""
    out, _ = results
    for case in ("actions/all_bands", "actions/high", "actions/filtered"):
        duck, pg = out[case]["duckdb"].rows, out[case]["postgresql"].rows
        assert duck["customer_id"].to_list() == pg["customer_id"].to_list(), case
    probabilities = out["actions/all_bands"]["duckdb"].rows["churn_probability"]
    assert probabilities.n_unique() < probabilities.len()      # ties really occur


def test_postgresql_plans_on_fresh_statistics(engines):
    """Imports and scorings refresh PostgreSQL's planner statistics (lib.pipeline.snapshots.
    refresh_statistics): without them the first call list after a scoring ran as nested loops
    over the whole customers table (10-90 s on this 36,000-row base instead of 0.2 s)."""
    with engines["postgresql"].connect() as conn:
        for table in ("customers", "customer_attributes", "customer_cube", "churn_scores"):
            analysed = conn.execute(sa.text(
                "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}).scalar()
            assert analysed, table
