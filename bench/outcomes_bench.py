"""Contact outcomes and a plan's measured results, against pandas doing the same churn count.

Usage: ``python -m bench.outcomes_bench --customers 1000000 [--snapshots 12] [--repeat 5]``
Prints a Markdown table and writes it to bench/results/outcomes_<customers>.md.

Works on a copy of the seeded base (bench/work/demo_N_12.duckdb, ``bench.bases.ensure_base``)
so the plans and outcomes it writes never hold the lock of a file another benchmark reads.
A 5,000-customer plan (tiers 4-6, a quarter held out) is drawn from the snapshot three months
before the latest and made active; outcomes of 90 % of its treated customers are recorded.

Timed, warm (median of ``repeat``) after one cold call:

- **record outcomes**: ``lib.operations.outcomes.record_outcomes`` of ~3,400 rows (checks + one transaction);
- **measured results**: ``lib.operations.results.plan_results`` (reach by manager, tier,
  province; take-up; churn of both arms over the next 3 months; cost per save);
- **Offers ROI calibration** from the plan (``plan_calibration``);
- **Overview**: ``overview_operations`` (reach of active plans + latest plan's results);
- **pandas baseline**: the arms' churn from the customer rows of the plan's snapshot and the
  next three already in memory (the load timed apart and not counted).
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import time

import numpy as np
import pandas as pd
import sqlalchemy as sa

from bench.bases import ensure_base
from bench.overview_bench import RESULTS, WORK
from bench.timing import timed


def prepare(customers: int, snapshots: int):
    from lib.churn.actions import catalogue_entries
    from lib.offers.store import current_catalogue
    from lib.operations.plans import PlanDraft, candidates_from_selection, create_plan, set_status
    from lib.operations.outcomes import plan_outcome_rows
    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import stored_dates
    from lib.store import callback_plans
    from lib.pipeline.migrations import open_store

    path = ensure_base(customers, snapshots)
    copy = WORK / f"outcomes_{customers}_{snapshots}.duckdb"
    if not copy.exists():
        shutil.copy(path, copy)
    engine = open_store(f"duckdb:///{copy}")
    rules = current_rules(engine)
    snapshot = stored_dates(engine)[-4]
    with engine.connect() as conn:
        plan_id = conn.execute(sa.select(sa.func.max(callback_plans.c.plan_id))).scalar()
    if plan_id is None:
        with engine.connect() as conn:
            candidates, _ = candidates_from_selection(conn, snapshot, (4, 5, 6), (), (), rules)
        catalogue = catalogue_entries(current_catalogue(engine)[1])
        draft = PlanDraft("bench plan", "bench", "phone", snapshot, snapshot + dt.timedelta(days=1),
                          snapshot + dt.timedelta(days=30), ("care_call", "points_double"), {}, 0.05,
                          holdout_size=candidates.height // 4, seed=3)
        plan_id = create_plan(engine, draft, candidates, rules, catalogue)
        set_status(engine, plan_id, "active")
        with engine.begin() as conn:
            conn.execute(sa.update(callback_plans).where(callback_plans.c.plan_id == plan_id).values(
                created_at=dt.datetime.combine(snapshot + dt.timedelta(days=1), dt.time(9))))
    with engine.connect() as conn:
        rows = plan_outcome_rows(conn, plan_id)
    rng = np.random.default_rng(5)
    kinds = rng.choice(["reached", "not_reached", "refused", "accepted", "complaint"], size=rows.height,
                       p=[0.3, 0.15, 0.25, 0.25, 0.05])
    entries = [{"customer_id": c, "outcome": k, "outcome_date": (snapshot + dt.timedelta(days=int(d))).isoformat()}
               for c, k, d, keep in zip(rows["customer_id"], kinds, rng.integers(2, 28, rows.height),
                                        rng.random(rows.height) < 0.9) if keep]
    return engine, rules, int(plan_id), snapshot, entries


def pandas_arms(frame: pd.DataFrame, members: pd.DataFrame, month: int) -> pd.DataFrame:
    """Churned customers per arm, the rules' exclusions applied, from rows in memory."""
    base = frame[frame["snapshot_month"] == month]
    base = base[~base["churned"].fillna(False).astype(bool) & (base["tenure_months"] >= 3)
                & ~base["group_paid"].fillna(False).astype(bool)]
    base = base.merge(members, on="customer_id")
    later = frame[(frame["snapshot_month"] > month) & (frame["snapshot_month"] <= month + 3)]
    later = later.assign(
        any_churn=later["churned"].fillna(False).astype(bool),
        counted=later["churned"].fillna(False).astype(bool) & (later["churn_type"].fillna("") != "involuntary")
        & (later["tenure_months"] >= 3) & ~later["group_paid"].fillna(False).astype(bool))
    flags = later.groupby("customer_id")[["any_churn", "counted"]].max().reset_index()
    per = base[["customer_id", "arm"]].merge(flags, on="customer_id", how="left").fillna(False)
    per = per[per["any_churn"] == per["counted"]]
    return per.groupby("arm").agg(customers=("customer_id", "size"), churned=("counted", "sum"))


def run(customers: int, snapshots: int, repeat: int) -> list[tuple[str, float, str]]:
    from lib.auth import User, acting_as
    from lib.operations.results import overview_operations, plan_calibration, plan_results
    from lib.operations.outcomes import record_outcomes, rows_table
    from lib.store import plan_customers, read_frame

    with acting_as(User("bench", "admin")):
        engine, rules, plan_id, snapshot, entries = prepare(customers, snapshots)
        table = rows_table(entries)
        record, _ = timed(lambda: record_outcomes(engine, plan_id, table, source="app"), repeat)
    rows = []
    rows.append(("record outcomes", record, f"{len(entries):,} rows, one transaction"))
    with engine.connect() as conn:
        plan_results(conn, plan_id, rules)
        warm, res = timed(lambda: plan_results(conn, plan_id, rules), repeat)
        rows.append(("measured results (plan_results)", warm,
                     f"reach {res.reach_rate:.1%}, difference {res.difference['difference'] * 100:+.2f} pp"
                     if res.difference else f"reach {res.reach_rate:.1%}"))
        calib, frame = timed(lambda: plan_calibration(conn, plan_id, rules), repeat)
        rows.append(("Offers ROI calibration (plan_calibration)", calib, f"{frame.height} rows"))
        over, _ = timed(lambda: overview_operations(conn, rules), repeat)
        rows.append(("Overview (overview_operations)", over, "reach of active plans + latest result"))
        month = snapshot.year * 12 + snapshot.month - 1
        start = time.perf_counter()
        loaded = read_frame(conn, sa.text(
            "SELECT customer_id, snapshot_month, churned, churn_type, tenure_months, group_paid FROM customers "
            f"WHERE snapshot_month BETWEEN {month} AND {month + 3}")).to_pandas()
        members = read_frame(conn, sa.select(plan_customers.c.customer_id, plan_customers.c.arm)
                             .where(plan_customers.c.plan_id == plan_id)).to_pandas()
        load = time.perf_counter() - start
    base, arms = timed(lambda: pandas_arms(loaded, members, month), repeat)
    same = all(int(arms.loc[a, "churned"]) == int(res.arms.filter(res.arms["arm"] == a)["churned"][0])
               and int(arms.loc[a, "customers"]) == int(res.arms.filter(res.arms["arm"] == a)["customers"][0])
               for a in ("treated", "holdout"))
    rows.append(("pandas: arms' churn from rows in memory", base,
                 f"load {load:.2f} s not counted; same counts as SQL: {same}"))
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = run(args.customers, args.snapshots, args.repeat)
    lines = [f"Outcomes and measured results at {args.customers:,} customers × {args.snapshots} snapshots "
             f"(median of {args.repeat}, warm)", "", "| step | time | note |", "|---|---|---|"]
    lines += [f"| {name} | {seconds * 1000:.0f} ms | {note} |" for name, seconds, note in rows]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"outcomes_{args.customers}.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
