"""The early-warning call list (预警客户, 回访名单): who to call, why, with what, by whom.

From the stored churn scores: customers in the chosen risk bands and lifecycle stages,
highest expected monthly loss (churn probability × latest-month spend) first; a recommended
action from the stage playbook (docs/domain.md) and, when an offer catalogue is given, the first
eligible offer of the types the playbook prefers; an account manager by region or capacity.
Exports mask personal identifiers unless the caller may see them, and each is logged.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from lib.auth import require
from lib.common.exports import mask_identifier
import sqlalchemy as sa

from lib.churn.explain import parse_reasons
from lib.common.exports import csv_bytes, xlsx_bytes
from lib.common.frames import relabel
from lib.i18n import t
from lib.churn.need_tags import collapse, need_tags, tag_columns, tags_text
from lib.store.filters import Filters
from lib.churn import queries as q
from lib.rules import TIERS, Rules, RulesError
from lib.store import customers, export_log, now, read_frame

BANDS: tuple[str, ...] = ("high", "medium", "low")
STAGES: tuple[str, ...] = ("acquisition", "growth", "maturity", "decline")

#: The stage playbook (docs/domain.md, "Lifecycle"): the action key (i18n ``churn_action_<key>``)
#: and the offer types it prefers, per lifecycle stage of an at-risk customer.
PLAYBOOK: dict[str, tuple[str, tuple[str, ...]]] = {
    "acquisition": ("onboarding", ("prepaid_bonus", "care_call")),
    "growth": ("upsell", ("points", "prepaid_bonus", "care_call")),
    "maturity": ("loyalty", ("tenure_reward", "points", "priority_service", "handset_subsidy")),
    "decline": ("win_back", ("tenure_reward", "care_call", "prepaid_bonus")),
}
#: Reason groups that call for a care call first, whatever the stage.
CARE_FIRST_REASONS = frozenset({"complaints", "arrears"})


@dataclass(frozen=True)
class Manager:
    """An account manager or team: provinces covered (empty = anywhere) and capacity
    (customers per call list)."""

    name: str
    provinces: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class ActionSettings:
    """The rules' ``[churn_actions]`` section, checked."""

    high_min_decile: int
    medium_min_decile: int
    call_list_max_rows: int
    assignment: str
    managers: tuple[Manager, ...]


def action_settings(rules: Rules) -> ActionSettings:
    """Parse ``[churn_actions]`` (the shipped section when a saved rules version lacks it)."""
    section = rules.read("churn_actions")
    high = section.integer("high_min_decile", 2, 10)
    medium = section.integer("medium_min_decile", 1, high)
    assignment = section.choice("assignment", ("region", "capacity"), code="churn_rules_bad_assignment")
    managers, entries = [], section.value("managers")   # one list, whole (lib.rules.reader rule 4)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RulesError("churn_rules_bad_manager", key="churn_actions.managers")
    for entry in entries:
        name, provinces, capacity = entry.get("name"), entry.get("provinces", []), entry.get("capacity")
        if (not isinstance(name, str) or not name.strip() or not isinstance(provinces, list)
                or isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0):
            raise RulesError("churn_rules_bad_manager", key="churn_actions.managers")
        managers.append(Manager(name.strip(), tuple(str(p) for p in provinces), capacity))
    return ActionSettings(high, medium, section.integer("call_list_max_rows", 1, 1_000_000), assignment,
                          tuple(managers))


def decile_range(bands: tuple[str, ...], settings: ActionSettings) -> tuple[int, int]:
    """Lowest and highest risk decile of the chosen bands (contiguous: high ≥ medium ≥ low)."""
    ranges = {"high": (settings.high_min_decile, 10),
              "medium": (settings.medium_min_decile, settings.high_min_decile - 1),
              "low": (1, settings.medium_min_decile - 1)}
    chosen = [ranges[b] for b in bands if b in ranges] or list(ranges.values())
    return min(r[0] for r in chosen), max(r[1] for r in chosen)


def band_of(decile: pl.Expr, settings: ActionSettings) -> pl.Expr:
    return (pl.when(decile >= settings.high_min_decile).then(pl.lit("high"))
            .when(decile >= settings.medium_min_decile).then(pl.lit("medium"))
            .otherwise(pl.lit("low")))


def recommend(stage: str | None, tier: int | None, reasons: list[str],
              catalogue: list[dict] | None = None) -> tuple[str, str | None]:
    """``(action key, offer id or None)`` for one customer.

    The playbook gives the stage's action; complaints or arrears among the reasons make it a
    care call first. ``catalogue`` is the Offers page's catalogue in force
    (``catalogue_entries``: dicts with ``id``, ``type``, ``eligible_tiers``); the first offer
    of a preferred type the customer's tier is eligible for is suggested. TODO(offers): rank
    eligible offers by the Offers page's expected ROI for the customer's tier and decile.
    """
    action, types = PLAYBOOK.get(stage or "", ("care", ("care_call",)))
    if CARE_FIRST_REASONS & set(reasons):
        action, types = "care", ("care_call", *types)
    offer = None
    for wanted in types:
        offer = next((o.get("id") for o in catalogue or []
                      if o.get("type") == wanted and (tier is None or tier in o.get("eligible_tiers", []))),
                     None)
        if offer:
            break
    return action, offer


def catalogue_entries(offers) -> list[dict]:
    """The Offers page's catalogue in force (``lib.offers.roi.Offer`` objects, see
    ``lib.offers.store.current_catalogue``) as the plain dicts ``recommend`` reads."""
    return [{"id": o.id, "type": o.type, "eligible_tiers": list(o.eligible_tiers),
             "name_en": o.name_en, "name_zh": o.name_zh} for o in offers]


def offer_names(catalogue: list[dict], lang: str) -> dict[str, str]:
    """Offer id -> display name in ``lang`` (the id when the catalogue has no name)."""
    key = "name_zh" if lang == "zh" else "name_en"
    return {o["id"]: str(o.get(key) or o["id"]) for o in catalogue}


def assign(frame: pl.DataFrame, settings: ActionSettings) -> pl.Series:
    """Account manager of each row (rows in priority order), by the rules' assignment mode.

    "region": a manager covering the row's province with spare capacity, else anyone with
    spare capacity (managers with no provinces first); "capacity": whoever has the most spare
    capacity left. Rows beyond every capacity get null (not assigned).
    """
    left = {m.name: m.capacity for m in settings.managers}
    anywhere = [m for m in settings.managers if not m.provinces]
    out: list[str | None] = []
    for province in frame["province"].to_list():
        chosen = None
        if settings.assignment == "region":
            local = [m for m in settings.managers if province in m.provinces and left[m.name] > 0]
            fallback = [m for m in anywhere + list(settings.managers) if left[m.name] > 0]
            chosen = (local or fallback or [None])[0]
        else:
            spare = [m for m in settings.managers if left[m.name] > 0]
            chosen = max(spare, key=lambda m: left[m.name]) if spare else None
        if chosen is not None:
            left[chosen.name] -= 1
        out.append(chosen.name if chosen else None)
    return pl.Series("manager", out, dtype=pl.String)


@dataclass(frozen=True)
class CallList:
    """The call list: one row per customer, priority order. ``rows`` (before masking) counts
    the scored customers the filters matched, at most the rules' list size."""

    snapshot_date: dt.date
    rows: pl.DataFrame
    limit: int


def call_list(conn: sa.Connection, filters: Filters, rules: Rules, bands: tuple[str, ...],
              stages: tuple[str, ...], catalogue: list[dict] | None = None) -> CallList:
    """The early-warning list for the sidebar's snapshot, provinces and tiers, the chosen
    risk bands and stages: probability, band, reasons, need tags (``need_tags``: tag names,
    comma-separated, computed by the database from the rules' ``[need_tags]``), action, offer
    and manager per customer."""
    settings = action_settings(rules)
    tags = need_tags(rules)
    low, high = decile_range(bands, settings)
    rows = read_frame(conn, q.call_candidates(filters, low, high, stages, settings.call_list_max_rows,
                                              tuple(tag_columns(tags, customers.c))))
    if rows.height == 0:
        return CallList(filters.snapshot_date, _empty_list(), settings.call_list_max_rows)
    rows = collapse(rows, tags)
    reasons = [[g for g, _ in parse_reasons(text)] for text in rows["reasons"].to_list()]
    picks = [recommend(stage, tier, rs, catalogue) for stage, tier, rs in
             zip(rows["stage"].to_list(), rows["tier"].to_list(), reasons)]
    rows = rows.with_columns(
        band=band_of(pl.col("risk_decile"), settings),
        action=pl.Series([a for a, _ in picks], dtype=pl.String),
        offer_id=pl.Series([o for _, o in picks], dtype=pl.String),
    )
    rows = rows.with_columns(assign(rows, settings))
    return CallList(filters.snapshot_date, rows, settings.call_list_max_rows)


def apply_plan(calls: CallList, plan: tuple[tuple[int, int, str], ...]) -> CallList:
    """Only the customers of an Offers ROI plan — (tier, risk decile, offer id) groups — each
    with the plan's offer instead of the playbook's pick."""
    chosen = pl.DataFrame(list(plan), schema={"tier": pl.Int64, "risk_decile": pl.Int64,
                                              "plan_offer": pl.String}, orient="row")
    rows = calls.rows.with_columns(pl.col("tier").cast(pl.Int64), pl.col("risk_decile").cast(pl.Int64))
    rows = (rows.join(chosen, on=["tier", "risk_decile"], how="inner")
            .with_columns(offer_id=pl.col("plan_offer")).drop("plan_offer"))
    return CallList(calls.snapshot_date, rows, calls.limit)


def _empty_list() -> pl.DataFrame:
    return pl.DataFrame(schema={"customer_id": pl.String, "province": pl.String, "city": pl.String,
                                "district": pl.String, "tier": pl.Int64, "stage": pl.String,
                                "brand": pl.String, "plan": pl.String,
                                "tenure_months": pl.Float64, "spend_m1": pl.Float64,
                                "churn_probability": pl.Float64, "risk_decile": pl.Int64,
                                "reasons": pl.String, "expected_loss": pl.Float64,
                                "need_tags": pl.String, "band": pl.String, "action": pl.String, "offer_id": pl.String,
                                "manager": pl.String})


def reasons_text(text: str | None, lang: str) -> str:
    """Stored reasons in plain words: "Falling spend (+12 pp); Complaints (+5 pp)"."""
    return ("；" if lang == "zh" else "; ").join(f"{t('churn_reason_' + g, lang)} (+{effect * 100:.0f} pp)"
                     if lang == "en" else f"{t('churn_reason_' + g, lang)}（+{effect * 100:.0f} 个百分点）"
                     for g, effect in parse_reasons(text))


def display_frame(calls: CallList, rules: Rules, lang: str, can_see_identifiers: bool,
                  offers: dict[str, str] | None = None) -> pl.DataFrame:
    """The list as people read and export it: translated headers and values (``offers``:
    offer id -> name), identifiers masked unless ``can_see_identifiers`` (a later roles
    issue decides who may)."""
    r = calls.rows
    ids = r["customer_id"] if can_see_identifiers else relabel(r["customer_id"], mask_identifier)
    tier_name = {k: rules.tier_name(k, lang) for k in TIERS}
    tags = need_tags(rules)
    if "need_tags" not in r.columns:   # a list built without tags (older caches, hand-made)
        r = r.with_columns(need_tags=pl.lit("", dtype=pl.String))
    columns = {   # who, what to do, with which offer, by whom: visible without scrolling;
        # then how risky and why (the long reason and tag texts last among them)
        "customer": ids,
        "tier": r["tier"].replace_strict(tier_name, default=None, return_dtype=pl.String),
        "band": relabel(r["band"], lambda b: t(f"churn_band_{b}", lang)),
        "action": relabel(r["action"], lambda a: t(f"churn_action_{a}", lang)),
        "offer": r["offer_id"].replace_strict(offers or {}, default=r["offer_id"],
                                              return_dtype=pl.String),
        "manager": r["manager"],
        "probability": r["churn_probability"].round(3),
        **({"uplift": r["uplift"].round(3)} if "uplift" in r.columns else {}),
        "expected_loss": r["expected_loss"].round(2),
        "reasons": relabel(r["reasons"], lambda x: reasons_text(x, lang)),
        "need_tags": relabel(r["need_tags"], lambda x: tags_text(x, tags, lang)),
        "stage": relabel(r["stage"], lambda s: t(f"churn_stage_{s}", lang)),
        "spend": r["spend_m1"].round(2),
        "province": r["province"], "city": r["city"], "district": r["district"],
    }
    frame = pl.DataFrame(columns) if r.height else pl.DataFrame(
        {k: pl.Series([], dtype=pl.String) for k in columns})
    return frame.rename({k: call_list_header(k, rules, lang) for k in columns})


def call_list_header(key: str, rules: Rules, lang: str) -> str:
    """The call list's header of column ``key`` in ``lang``; money columns name the rules'
    currency ("Expected monthly loss (CNY)"), so an exported file says what its amounts are."""
    name = t(f"churn_col_{key}", lang)
    if CALL_LIST_UNITS.get(key) == "currency":
        return f"{name}（{rules.currency.code}）" if lang == "zh" else f"{name} ({rules.currency.code})"
    return name


#: Units of the call list's numeric columns (``display_frame`` keys), for ``lib.common.fmt``.
CALL_LIST_UNITS: dict[str, str] = {"probability": "share", "uplift": "share", "expected_loss": "currency",
                                   "spend": "currency"}
#: Columns of the call list shown narrow on screen (short values), so that the action, offer
#: and manager fit beside the customer without scrolling.
CALL_LIST_NARROW: tuple[str, ...] = ("customer", "tier", "band", "probability")


def call_list_units(rules: Rules, lang: str) -> dict[str, str]:
    """``CALL_LIST_UNITS`` under the headers ``display_frame`` gives in ``lang``."""
    return {call_list_header(key, rules, lang): unit for key, unit in CALL_LIST_UNITS.items()}


def call_list_widths(rules: Rules, lang: str) -> dict[str, str]:
    """Column widths ("small", "large") of the call list under its ``lang`` headers."""
    widths = {key: "small" for key in CALL_LIST_NARROW}
    widths.update({"action": "medium", "offer": "medium", "manager": "medium", "reasons": "large"})
    return {call_list_header(key, rules, lang): width for key, width in widths.items()}


def export_bytes(frame: pl.DataFrame, file_format: str) -> bytes:
    """The displayed list as a formula-safe CSV (UTF-8 with BOM) or XLSX file."""
    return xlsx_bytes(frame, sheet="call_list") if file_format == "xlsx" else csv_bytes(frame)


def record_export(engine: sa.Engine, *, view: str, snapshot_date: dt.date | None,
                  file_format: str, row_count: int, identifiers_masked: bool,
                  user_name: str | None = None) -> None:
    """Log one download (who, when, what, how many rows, masked or not); only for roles that
    may export."""
    actor = require("export")
    user_name = user_name or actor.name
    with engine.begin() as conn:
        conn.execute(sa.insert(export_log).values(
            exported_at=now(), user_name=user_name, view=view, snapshot_date=snapshot_date,
            file_format=file_format, row_count=row_count, identifiers_masked=identifiers_masked))


def export_call_list(engine: sa.Engine, frame: pl.DataFrame, file_format: str,
                     snapshot_date: dt.date | None, identifiers_masked: bool) -> bytes:
    """The call list file (csv or xlsx) for the acting user, logged as they get it."""
    require("export")
    data = export_bytes(frame, file_format)
    record_export(engine, view="action_list", snapshot_date=snapshot_date, file_format=file_format,
                  row_count=frame.height, identifiers_masked=identifiers_masked)
    return data


def export_history(conn: sa.Connection, limit: int = 20) -> pl.DataFrame:
    """The latest downloads, newest first."""
    return read_frame(conn, q.export_history(limit))
