"""Call-back plans (回访计划): who is called, how, with what, by whom, and who is held out.

A plan is drawn from the Action list's call list or from a tier / stage / province selection
of one snapshot. When it is created a random hold-out control group is set aside (seeded and
reproducible: the same seed and the same customers give the same hold-out, whatever their
order) and never contacted, so that the plan's effect can later be measured as the churn of
the treated arm against the hold-out (lib.operations.results).

The hold-out's size and draw are in lib.operations.holdout (the power calculation's formula is
written there).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from lib.auth import require
from lib.churn.actions import BANDS, action_settings, apply_plan, assign, call_list
from lib.store.filters import Filters
from lib.operations import queries as q
from lib.operations.holdout import draw_holdout
# OperationsSettings re-exported: callers read the settings' type from here
from lib.operations.settings import OperationsError, OperationsSettings, operations_settings  # noqa: F401
from lib.rules import Rules
from lib.pipeline.snapshots import bulk_insert
from lib.store import callback_plans, now, plan_customers, plan_outcomes, read_frame

CHANNELS: tuple[str, ...] = ("phone", "sms", "app_push", "in_store")
STATUSES: tuple[str, ...] = ("draft", "active", "closed")
#: Allowed status changes: a plan only moves forward.
NEXT_STATUS: dict[str, str] = {"draft": "active", "active": "closed"}
SOURCES: tuple[str, ...] = ("action_list", "selection")
#: Columns of a plan's candidate list (before the hold-out is drawn).
CANDIDATE_SCHEMA: dict[str, type[pl.DataType]] = {
    "customer_id": pl.String, "tier": pl.Int64, "stage": pl.String, "province": pl.String,
    "churn_probability": pl.Float64, "offer_id": pl.String,
}


# --- candidates -----------------------------------------------------------------------------------

def candidates_from_call_list(rows: pl.DataFrame) -> pl.DataFrame:
    """A plan's candidates from the Action list's rows (``lib.churn.actions.CallList.rows``),
    in the list's priority order, with the offer the playbook recommended."""
    if rows.height == 0:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    return rows.select([pl.col(k).cast(v) for k, v in CANDIDATE_SCHEMA.items()])


def candidates_from_selection(conn: sa.Connection, snapshot_date: dt.date, tiers: tuple[int, ...],
                              stages: tuple[str, ...], provinces: tuple[str, ...],
                              rules: Rules) -> tuple[pl.DataFrame, int]:
    """The active customers of a tier / stage / province selection (empty = all), highest
    latest-month spend first, capped at the rules' ``max_plan_customers``; and how many the
    selection matched before the cap."""
    settings = operations_settings(rules)
    matched = int(read_frame(conn, q.selection_count(snapshot_date, tiers, stages, provinces))["customers"][0])
    rows = read_frame(conn, q.selection_candidates(snapshot_date, tiers, stages, provinces,
                                                   settings.max_plan_customers))
    if rows.height == 0:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA), matched
    rows = rows.with_columns(offer_id=pl.lit(None, dtype=pl.String))
    return rows.select([pl.col(k).cast(v) for k, v in CANDIDATE_SCHEMA.items()]), matched


@dataclass(frozen=True)
class Baseline:
    """Baseline churn of a plan's customers (share 0-1) and where it came from:
    "scores" (mean churn probability over the model's horizon), "segment" (share of the tier /
    province segment's rows flagged churned in the snapshot) or "rules" (fallback)."""

    rate: float
    source: str


def baseline_churn(conn: sa.Connection, candidates: pl.DataFrame, snapshot_date: dt.date,
                   tiers: tuple[int, ...], provinces: tuple[str, ...], rules: Rules) -> Baseline:
    """The baseline churn of the candidates: their mean churn score when scored, else the churn
    share of their tiers and provinces in the snapshot, else the rules' fallback."""
    settings = operations_settings(rules)
    scored = candidates["churn_probability"].drop_nulls() if candidates.height else pl.Series([], dtype=pl.Float64)
    if scored.len() and 0 < float(scored.mean()) < 1:
        return Baseline(float(scored.mean()), "scores")
    share = read_frame(conn, q.segment_churn_share(snapshot_date, tiers, provinces))
    if share.height and share["rows"][0] and share["churn_share"][0] and 0 < share["churn_share"][0] < 1:
        return Baseline(float(share["churn_share"][0]), "segment")
    return Baseline(settings.fallback_baseline_churn, "rules")


@dataclass(frozen=True)
class PlanInputs:
    """The candidates of a new plan (``CANDIDATE_SCHEMA``, priority order), how many customers
    the source matched before any cap, and their baseline churn."""

    source: str
    candidates: pl.DataFrame
    matched: int
    baseline: Baseline


def plan_inputs(conn: sa.Connection, source: str, filters: Filters, rules: Rules,
                bands: tuple[str, ...], stages: tuple[str, ...], tiers: tuple[int, ...],
                provinces: tuple[str, ...], catalogue: list[dict] | None = None,
                offer_plan: tuple[tuple[int, int, str], ...] | None = None) -> PlanInputs:
    """Candidates and baseline for a plan from ``source``.

    "action_list": the Action list's call list for the sidebar's ``filters`` and the chosen
    risk ``bands`` and ``stages`` (restricted to an Offers ROI ``offer_plan`` when one is in
    force, as the Action list shows it); "selection": the snapshot's active customers in
    ``tiers``, ``stages`` and ``provinces``.
    """
    if source == "action_list":
        if offer_plan:
            calls = apply_plan(call_list(conn, filters, rules, tuple(BANDS), (), catalogue), offer_plan)
        else:
            calls = call_list(conn, filters, rules, bands, stages, catalogue)
        candidates, matched = candidates_from_call_list(calls.rows), calls.rows.height
        tiers, provinces = filters.tiers, filters.provinces
    elif source == "selection":
        candidates, matched = candidates_from_selection(conn, filters.snapshot_date, tiers, stages,
                                                        provinces, rules)
    else:
        raise OperationsError("ops_bad_source", source=source)
    baseline = baseline_churn(conn, candidates, filters.snapshot_date, tiers, provinces, rules)
    return PlanInputs(source, candidates, matched, baseline)


# --- the plan ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanDraft:
    """What the analyst chose for a new plan. ``offer_ids`` from the catalogue in force (empty =
    the playbook's recommendation where the list has one); ``selection`` records how the list
    was drawn (JSON-able: source, snapshot_date, tiers, stages, provinces, bands, model_id)."""

    name: str
    purpose: str
    channel: str
    snapshot_date: dt.date
    window_start: dt.date | None
    window_end: dt.date | None
    offer_ids: tuple[str, ...]
    selection: dict = field(default_factory=dict)
    target_effect: float = 0.05
    holdout_size: int = 0
    seed: int = 1


def offers_for(candidates: pl.DataFrame, offer_ids: tuple[str, ...], catalogue: list[dict]) -> pl.Series:
    """Offer of each candidate: with no plan offers, the list's recommendation; otherwise the
    recommendation when it is one of the plan's offers, else the first plan offer the customer's
    tier is eligible for (``catalogue``: ``lib.churn.actions.catalogue_entries``), else none."""
    if not offer_ids:
        return candidates["offer_id"]
    eligible = {o["id"]: set(o.get("eligible_tiers", [])) for o in catalogue}
    out = []
    for tier, recommended in zip(candidates["tier"].to_list(), candidates["offer_id"].to_list()):
        if recommended in offer_ids:
            out.append(recommended)
            continue
        out.append(next((o for o in offer_ids if tier in eligible.get(o, set())), None))
    return pl.Series("offer_id", out, dtype=pl.String)


def build_members(candidates: pl.DataFrame, draft: PlanDraft, rules: Rules,
                  catalogue: list[dict]) -> pl.DataFrame:
    """The plan's customer list: hold-out drawn, the treated arm assigned to account managers in
    the list's order (lib.churn.actions.assign: by region or capacity, as the rules say) and
    given offers; manager and offer are null for the hold-out."""
    ids = candidates["customer_id"]
    if ids.n_unique() != ids.len():
        candidates = candidates.unique(subset="customer_id", keep="first", maintain_order=True)
    holdout = draw_holdout(candidates["customer_id"], draft.holdout_size, draft.seed)
    frame = candidates.with_columns(
        arm=pl.when(pl.col("customer_id").is_in(list(holdout))).then(pl.lit("holdout")).otherwise(pl.lit("treated")),
        offer_id=offers_for(candidates, draft.offer_ids, catalogue),
    )
    treated = frame.filter(pl.col("arm") == "treated")
    treated = treated.with_columns(assign(treated, action_settings(rules)))
    held = frame.filter(pl.col("arm") == "holdout").with_columns(
        manager=pl.lit(None, dtype=pl.String), offer_id=pl.lit(None, dtype=pl.String))
    columns = ["customer_id", "arm", "tier", "stage", "province", "manager", "offer_id"]
    return pl.concat([treated.select(columns), held.select(columns)])


def _check_draft(draft: PlanDraft, customers: int, catalogue: list[dict]) -> None:
    if not draft.name.strip():
        raise OperationsError("ops_name_missing")
    if draft.channel not in CHANNELS:
        raise OperationsError("ops_bad_channel", channel=draft.channel)
    if draft.window_start and draft.window_end and draft.window_end < draft.window_start:
        raise OperationsError("ops_bad_window")
    known = {o["id"] for o in catalogue}
    unknown = [o for o in draft.offer_ids if o not in known]
    if unknown:
        raise OperationsError("ops_unknown_offer", offers=", ".join(unknown))
    if customers == 0:
        raise OperationsError("ops_no_customers")
    if not 0 <= draft.holdout_size < customers:
        raise OperationsError("ops_bad_holdout", size=draft.holdout_size, customers=customers)
    if not 0 < draft.target_effect < 1:
        raise OperationsError("ops_bad_effect", baseline="-", effect=round(draft.target_effect * 100, 1))


def create_plan(engine: sa.Engine, draft: PlanDraft, candidates: pl.DataFrame, rules: Rules,
                catalogue: list[dict]) -> int:
    """Store a new draft plan with its customer list (hold-out drawn now); return its id.

    Only roles with ``run_operations``. Plan and customers are written in one transaction.
    """
    actor = require("run_operations")
    _check_draft(draft, candidates["customer_id"].n_unique(), catalogue)
    members = build_members(candidates, draft, rules, catalogue)
    month = draft.snapshot_date.year * 12 + draft.snapshot_date.month - 1
    selection = json.dumps(draft.selection, ensure_ascii=False, sort_keys=True, default=str)
    with engine.begin() as conn:
        plan_id = conn.execute(sa.insert(callback_plans).values(
            name=draft.name.strip(), purpose=draft.purpose.strip(), channel=draft.channel,
            snapshot_month=month, window_start=draft.window_start, window_end=draft.window_end,
            offer_ids=",".join(draft.offer_ids), selection=selection,
            target_effect=float(draft.target_effect),
            holdout_share=draft.holdout_size / members.height, seed=int(draft.seed), status="draft",
            created_by=actor.name, created_at=now(),
        ).returning(callback_plans.c.plan_id)).scalar_one()
        bulk_insert(conn, plan_customers, members.select(
            pl.lit(int(plan_id), dtype=pl.Int32).alias("plan_id"), pl.all().exclude("tier"),
            pl.col("tier").cast(pl.Int32))
            .select("plan_id", "customer_id", "arm", "tier", "stage", "province", "manager", "offer_id"))
    return int(plan_id)


def list_plans(conn: sa.Connection) -> pl.DataFrame:
    """Every plan, newest first, with its status and treated / hold-out / outcome counts."""
    return read_frame(conn, q.plans())


def plan_members(conn: sa.Connection, plan_id: int) -> pl.DataFrame:
    """A plan's customers with arm, tier, stage, province, manager and offer."""
    frame = read_frame(conn, q.plan_members(plan_id))
    schema = {"customer_id": pl.String, "arm": pl.String, "tier": pl.Int64, "stage": pl.String,
              "province": pl.String, "manager": pl.String, "offer_id": pl.String}
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    return frame.select([pl.col(k).cast(v) for k, v in schema.items()])


def _status(conn: sa.Connection, plan_id: int) -> str:
    status = conn.execute(sa.select(callback_plans.c.status)
                          .where(callback_plans.c.plan_id == plan_id)).scalar()
    if status is None:
        raise OperationsError("ops_unknown_plan", plan=plan_id)
    return str(status)


def set_status(engine: sa.Engine, plan_id: int, status: str) -> None:
    """Move a plan forward: draft → active → closed (no other change is allowed)."""
    require("run_operations")
    with engine.begin() as conn:
        current = _status(conn, plan_id)
        if NEXT_STATUS.get(current) != status:
            raise OperationsError("ops_bad_status", plan=plan_id, current=current, status=status)
        conn.execute(sa.update(callback_plans).where(callback_plans.c.plan_id == plan_id)
                     .values(status=status))


def delete_plan(engine: sa.Engine, plan_id: int) -> None:
    """Delete a draft plan and its customer list; an active or closed plan, or one with
    recorded outcomes, is kept (nothing recorded is lost)."""
    require("run_operations")
    with engine.begin() as conn:
        current = _status(conn, plan_id)
        recorded = conn.execute(sa.select(sa.func.count()).select_from(plan_outcomes)
                                .where(plan_outcomes.c.plan_id == plan_id)).scalar()
        if current != "draft" or recorded:
            raise OperationsError("ops_delete_not_draft", plan=plan_id)
        conn.execute(sa.delete(plan_customers).where(plan_customers.c.plan_id == plan_id))
        conn.execute(sa.delete(callback_plans).where(callback_plans.c.plan_id == plan_id))
