"""Measured results of a call-back plan: service reach rate (服务到达率) against its target,
take-up per offer, churn of contacted (treated) against hold-out customers, and cost per save.

Definitions (queries in ``lib.operations.outcome_queries``):

- **Reach rate** = reached / treated, over the plan's *treated list* (every customer assigned
  to be contacted, attempted or not), "reached" meaning an outcome of reached, refused,
  accepted or complaint. Per assigned account manager, tier and province, against
  ``[operations] reach_rate_target``.
- **Take-up** per offer = acceptances / treated customers given that offer (and, for reference,
  / reached ones).
- **Churn, treated vs hold-out** (intention to treat: every customer counted in the arm the
  random draw put them in, reached or not): churn share of each arm over the snapshots in the
  ``[operations] result_months`` months after the plan's snapshot, the rules' churn base and
  exclusions applied; each arm's share has a 95 % Wilson interval. The difference hold-out −
  treated (the absolute churn reduction) has a 95 % Newcombe hybrid score interval, computed by
  ``lib.offers.calibration.calibrate`` (the same estimator the Offers ROI page uses for past
  campaigns; both behave at the small counts of a first plan, where Wald intervals collapse).
- **Cost per save** = cost / saves, cost = Σ over offers (treated × catalogue contact cost +
  acceptances × cost per acceptance), saves = difference × treated customers in the churn base;
  its range follows the difference's interval (none when the interval reaches 0).

Per offer and tier, :func:`plan_calibration` gives the Offers ROI page calibrated take-up and
effect from the plan (control = the hold-out of the same tier), refused with the reason where
the arms are smaller than ``[operations] calibration_min_arm_customers`` or the hold-out has too
few churners (``lib.offers.calibration.calibration_minimum``).
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.offers.roi import RANGE_COVERAGE
from lib.offers.calibration import MEASURED_COVERAGE, calibrate, calibration_minimum, wilson_interval
from lib.operations.plans import operations_settings
from lib.operations.outcomes import catalogue_in_force
from lib.operations import outcome_queries as q
from lib.rules import Rules
from lib.ingest.errors import IngestError
from lib.store import callback_plans, read_frame

#: Columns of ``lib.offers.calibration.calibrate``'s input.
CALIBRATION_INPUT: dict[str, pl.DataType] = {
    "offer_id": pl.String(), "tier": pl.Int64(), "treated": pl.Boolean(), "customers": pl.Int64(),
    "accepted": pl.Int64(), "churned": pl.Int64()}
#: The offer id under which a whole plan's pooled result is calibrated.
PLAN_POOL = "(plan)"


@dataclass(frozen=True)
class ResultsSettings:
    """``[operations]`` keys the measured results use: the reach-rate target (share 0-1) and the
    months after the plan's snapshot in which churn is counted."""

    reach_rate_target: float
    result_months: int


def results_settings(rules: Rules) -> ResultsSettings:
    """Parse the keys of ``[operations]`` the results read (the shipped ones when absent)."""
    target = operations_settings(rules).reach_rate_target
    return ResultsSettings(target, rules.read("operations").integer("result_months", 1, 24))


@dataclass(frozen=True)
class PlanResults:
    """A plan's measured results (shares 0-1, money in currency).

    Attributes
    ----------
    plan_id, plan_name, status, snapshot_month : the plan (month index year*12+month-1).
    reach_target : the rules' target reach rate.
    treated_listed, holdout_listed : customers of each arm on the plan's list.
    reach : one row: treated, attempted, reached, not_reached, refused, accepted, complaint,
        reach_rate.
    by_manager, by_tier, by_province : the same per ``group``, with ``meets_target``.
    take_up : per offer_id: treated, reached, accepted, take_up, take_up_reached, contact_cost,
        cost_per_acceptance, cost.
    arms : per arm ("treated", "holdout"): customers, accepted, churned, churn_share and its 95 %
        Wilson interval (churn_low, churn_high).
    difference : ``calibrate``'s pooled row (churn_control, churn_treated, difference,
        difference_low, difference_high, take_up, effect ...) or None when an arm is empty or no
        later snapshot is stored yet.
    later_snapshots, result_months : snapshots stored in the result window, and its length.
    cost, saves, cost_per_save, cost_per_save_low, cost_per_save_high : cost per save (None
        when there are no saves to divide by).
    """

    plan_id: int
    plan_name: str
    status: str
    snapshot_month: int
    reach_target: float
    treated_listed: int
    holdout_listed: int
    reach: pl.DataFrame
    by_manager: pl.DataFrame
    by_tier: pl.DataFrame
    by_province: pl.DataFrame
    take_up: pl.DataFrame
    arms: pl.DataFrame
    difference: dict | None
    later_snapshots: int
    result_months: int
    cost: float
    saves: float | None
    cost_per_save: float | None
    cost_per_save_low: float | None
    cost_per_save_high: float | None

    @property
    def reach_rate(self) -> float | None:
        return self.reach["reach_rate"][0] if self.reach.height else None

    @property
    def not_started(self) -> bool:
        """A draft plan: nobody was meant to be called yet, so its reach rate is no 0 %."""
        return self.status == "draft"

    @property
    def label(self) -> str:
        """"#id name", how results are labelled elsewhere (Offers ROI, Overview)."""
        return f"#{self.plan_id} {self.plan_name}"


def _reach_rates(frame: pl.DataFrame, target: float) -> pl.DataFrame:
    counts = ["treated", "attempted", "reached", "not_reached", "refused", "accepted", "complaint"]
    frame = frame.with_columns([pl.col(k).cast(pl.Int64) for k in counts if k in frame.columns])
    return frame.with_columns(
        reach_rate=pl.when(pl.col("treated") > 0).then(pl.col("reached") / pl.col("treated")),
    ).with_columns(meets_target=pl.col("reach_rate") >= target)


def _plan(conn: sa.Connection, plan_id: int) -> dict:
    row = conn.execute(sa.select(callback_plans).where(callback_plans.c.plan_id == int(plan_id))).mappings().first()
    if row is None:
        raise IngestError("outcomes_unknown_plan", {"plan": str(plan_id), "file": ""}, "outcomes_hint_plan")
    return dict(row)


def arm_churn(conn: sa.Connection, plan_id: int, rules: Rules, months: int | None = None) -> pl.DataFrame:
    """Per arm, tier and plan offer: customers, accepted, churned (``q.arm_churn``), over
    ``months`` after the plan's snapshot (default: the rules' ``result_months``)."""
    plan = _plan(conn, plan_id)
    months = months or results_settings(rules).result_months
    frame = read_frame(conn, q.arm_churn(int(plan_id), int(plan["snapshot_month"]), months, rules))
    if frame.height == 0:
        return pl.DataFrame(schema={"arm": pl.String, "tier": pl.Int64, "offer_id": pl.String,
                                    "customers": pl.Int64, "accepted": pl.Int64, "churned": pl.Int64})
    return frame.cast({"arm": pl.String, "tier": pl.Int64, "offer_id": pl.String, "customers": pl.Int64,
                       "accepted": pl.Int64, "churned": pl.Int64})


def calibration_input(arms: pl.DataFrame) -> pl.DataFrame:
    """``calibrate``'s input from :func:`arm_churn`: per offer given to treated customers and
    tier, the treated row and a control row made of the hold-out of that tier."""
    treated = (arms.filter((pl.col("arm") == "treated") & pl.col("offer_id").is_not_null())
               .group_by(["offer_id", "tier"]).agg(pl.col("customers", "accepted", "churned").sum())
               .with_columns(treated=pl.lit(True)))
    holdout = (arms.filter(pl.col("arm") == "holdout").group_by("tier")
               .agg(pl.col("customers", "churned").sum()).with_columns(accepted=pl.lit(0, pl.Int64)))
    control = (treated.select("offer_id", "tier").join(holdout, on="tier", how="inner")
               .with_columns(treated=pl.lit(False)))
    columns = list(CALIBRATION_INPUT)
    return (pl.concat([treated.select(columns), control.select(columns)], how="vertical")
            .cast(CALIBRATION_INPUT).sort(["offer_id", "tier", "treated"], descending=[False, False, True]))


def _pooled(outcomes: pl.DataFrame, tier: int = 0) -> pl.DataFrame:
    return (outcomes.group_by(["offer_id", "treated"])
            .agg(pl.col("customers").sum(), pl.col("accepted").sum(), pl.col("churned").sum())
            .with_columns(tier=pl.lit(tier, pl.Int64)).select(list(CALIBRATION_INPUT))
            .sort(["offer_id", "treated"], descending=[False, True]))


def plan_calibration(conn: sa.Connection, plan_id: int, rules: Rules, token: tuple = ()) -> pl.DataFrame:
    """The plan's measured take-up and effect per offer and tier and pooled over tiers (tier 0),
    in ``lib.offers.calibration.calibrate``'s output shape, for the Offers ROI page.
    at the catalogue ranges' coverage and with the rules' minimum campaign.
    ``token`` (:func:`outcomes_token`) is a cache key only."""
    minimum = calibration_minimum(rules)
    outcomes = calibration_input(arm_churn(conn, plan_id, rules))
    if outcomes.height == 0:
        return calibrate(outcomes, minimum, RANGE_COVERAGE)
    return pl.concat([calibrate(outcomes, minimum, RANGE_COVERAGE),
                      calibrate(_pooled(outcomes), minimum, RANGE_COVERAGE)])


def _arm_table(arms: pl.DataFrame) -> pl.DataFrame:
    table = (arms.group_by("arm").agg(pl.col("customers", "accepted", "churned").sum())
             .join(pl.DataFrame({"arm": ["treated", "holdout"]}), on="arm", how="right")
             .with_columns(pl.col("customers", "accepted", "churned").fill_null(0).cast(pl.Int64))
             .select("arm", "customers", "accepted", "churned"))
    bounds = [wilson_interval(x, n, MEASURED_COVERAGE) if n else (None, None)
              for x, n in zip(table["churned"].to_list(), table["customers"].to_list())]
    return table.with_columns(
        churn_share=pl.when(pl.col("customers") > 0).then(pl.col("churned") / pl.col("customers")),
        churn_low=pl.Series([b[0] for b in bounds], dtype=pl.Float64),
        churn_high=pl.Series([b[1] for b in bounds], dtype=pl.Float64),
    )


def _difference(table: pl.DataFrame) -> dict | None:
    rows = {r["arm"]: r for r in table.iter_rows(named=True)}
    if not rows["treated"]["customers"] or not rows["holdout"]["customers"]:
        return None
    pooled = pl.DataFrame([
        {"offer_id": PLAN_POOL, "tier": 0, "treated": True, "customers": rows["treated"]["customers"],
         "accepted": rows["treated"]["accepted"], "churned": rows["treated"]["churned"]},
        {"offer_id": PLAN_POOL, "tier": 0, "treated": False, "customers": rows["holdout"]["customers"],
         "accepted": 0, "churned": rows["holdout"]["churned"]},
    ], schema=CALIBRATION_INPUT)
    result = calibrate(pooled)
    return result.row(0, named=True) if result.height else None


def _take_up(frame: pl.DataFrame, conn: sa.Connection) -> pl.DataFrame:
    catalogue = {o.id: o for o in catalogue_in_force(conn)}
    costs = pl.DataFrame({"offer_id": list(catalogue),
                          "contact_cost": [o.contact_cost for o in catalogue.values()],
                          "cost_per_acceptance": [o.cost_per_acceptance for o in catalogue.values()]},
                         schema={"offer_id": pl.String, "contact_cost": pl.Float64, "cost_per_acceptance": pl.Float64})
    if frame.height == 0:
        frame = pl.DataFrame(schema={"offer_id": pl.String, "treated": pl.Int64, "reached": pl.Int64,
                                     "accepted": pl.Int64})
    frame = frame.cast({"offer_id": pl.String, "treated": pl.Int64, "reached": pl.Int64, "accepted": pl.Int64})
    return frame.join(costs, on="offer_id", how="left", maintain_order="left").with_columns(
        take_up=pl.when(pl.col("treated") > 0).then(pl.col("accepted") / pl.col("treated")),
        take_up_reached=pl.when(pl.col("reached") > 0).then(pl.col("accepted") / pl.col("reached")),
        cost=(pl.col("treated") * pl.col("contact_cost").fill_null(0.0)
              + pl.col("accepted") * pl.col("cost_per_acceptance").fill_null(0.0)),
    )


def plan_results(conn: sa.Connection, plan_id: int, rules: Rules, token: tuple = ()) -> PlanResults:
    """Everything measured about plan ``plan_id`` (see the module's definitions).

    ``token`` (``outcomes_token``) only makes cached results follow new outcomes.
    """
    plan = _plan(conn, plan_id)
    settings = results_settings(rules)
    pid, month = int(plan_id), int(plan["snapshot_month"])
    target = settings.reach_rate_target
    reach = _reach_rates(read_frame(conn, q.reach(pid)).fill_null(0), target)
    by = {d: _reach_rates(read_frame(conn, q.reach(pid, d)), target) for d in q.REACH_DIMENSIONS}
    take_up = _take_up(read_frame(conn, q.take_up(pid)), conn)
    sizes = dict(read_frame(conn, q.arm_sizes(pid)).iter_rows())
    later = int(read_frame(conn, q.later_snapshots(month, settings.result_months))["snapshots"][0])
    arms = _arm_table(arm_churn(conn, pid, rules, settings.result_months))
    difference = _difference(arms) if later else None
    cost = float(take_up["cost"].sum()) if take_up.height else 0.0
    saves = cost_per_save = low = high = None
    if difference is not None:
        treated_n = int(arms.filter(pl.col("arm") == "treated")["customers"][0])
        saves = difference["difference"] * treated_n
        cost_per_save = cost / saves if saves > 0 else None
        best, worst = difference["difference_high"] * treated_n, difference["difference_low"] * treated_n
        low = cost / best if best > 0 else None
        high = cost / worst if worst > 0 else None
    return PlanResults(pid, str(plan["name"]), str(plan["status"]), month, target,
                       int(sizes.get("treated", 0)), int(sizes.get("holdout", 0)), reach,
                       by["manager"], by["tier"], by["province"], take_up, arms, difference, later,
                       settings.result_months, cost, saves, cost_per_save, low, high)


def outcomes_token(conn: sa.Connection, plan_id: int | None = None) -> tuple:
    """(log rows, newest log id, newest plan id) of one plan (or all): changes with every
    recorded outcome and new plan, so pass it to ``ui.compute`` with the results."""
    rows, newest = conn.execute(q.outcomes_token(plan_id)).one()
    plans = conn.execute(sa.select(sa.func.max(callback_plans.c.plan_id))).scalar()
    return int(rows or 0), int(newest or 0), int(plans or 0)


# --------------------------------------------------------------------------- Overview

@dataclass(frozen=True)
class OperationsOverview:
    """What the Overview shows of operations.

    ``reach_rate`` / ``reach_target`` over the treated customers of every active plan (``plans``
    their labels; the newest plan when none is active); ``latest`` the measured results of the
    newest plan that is active or closed (None when there is no such plan).
    """

    plans: tuple[str, ...]
    treated: int
    reached: int
    reach_rate: float | None
    reach_target: float
    latest: PlanResults | None
    #: every plan counted is a draft: no call was due yet, so the reach rate is "not started"
    not_started: bool = False


def overview_operations(conn: sa.Connection, rules: Rules, token: tuple = ()) -> OperationsOverview | None:
    """Reach rate against its target and the latest plan's measured result, for the Overview;
    None when no plan exists. ``token``: :func:`outcomes_token` (cache key only)."""
    p = callback_plans.c
    plans = read_frame(conn, sa.select(p.plan_id, p.name, p.status).order_by(p.plan_id.desc()))
    if plans.height == 0:
        return None
    active = plans.filter(pl.col("status") == "active")
    counted = active if active.height else plans.head(1)
    treated = reached = 0
    for plan_id in counted["plan_id"].to_list():
        row = read_frame(conn, q.reach(int(plan_id))).fill_null(0).row(0, named=True)
        treated, reached = treated + int(row["treated"]), reached + int(row["reached"])
    started = plans.filter(pl.col("status") != "draft")
    latest = plan_results(conn, int(started["plan_id"][0]), rules) if started.height else None
    return OperationsOverview(
        tuple(f"#{i} {n}" for i, n in zip(counted["plan_id"], counted["name"])), treated, reached,
        reached / treated if treated else None, results_settings(rules).reach_rate_target, latest,
        bool((counted["status"] == "draft").all()))


def plan_choices(conn: sa.Connection, token: tuple = ()) -> pl.DataFrame:
    """Plans that have measured something (active or closed), newest first: plan_id, name, label
    — the Offers ROI page's calibration sources."""
    p = callback_plans.c
    frame = read_frame(conn, sa.select(p.plan_id, p.name).where(p.status != "draft").order_by(p.plan_id.desc()))
    if frame.height == 0:
        return pl.DataFrame(schema={"plan_id": pl.Int64, "name": pl.String, "label": pl.String})
    return frame.with_columns(label=pl.format("#{} {}", "plan_id", "name"))
