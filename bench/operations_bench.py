"""Call-back plans: the page's queries and a plan's creation, against pandas doing the same.

Usage: ``python -m bench.operations_bench --customers 1000000 [--snapshots 12] [--repeat 5]``
Prints a Markdown table and writes it to bench/results/operations_<customers>.md.

Works on a copy of the Overview benchmark's seeded base (bench/work/demo_N_12.duckdb, made by
``bench.bases.ensure_base`` when missing), so that the plans it writes never hold the lock of
a file another benchmark reads. Churn scores for the latest snapshot are written by one SQL
statement (a deterministic probability per customer, deciles by rank): the model's training is
``bench.churn_bench``'s subject, not this one's.

Timed, warm (median of ``repeat``) after one cold call:

- **selection**: ``lib.operations.plans.plan_inputs`` for a tier 4-6 selection of the latest snapshot
  (count, the 5,000 highest-spend customers with their scores, baseline churn);
- **call list**: ``plan_inputs`` from the Action list (high-risk band, 500 customers);
- **power proposal** for 5,000 customers (closed form over every split);
- **create a plan** of 5,000 customers (hold-out drawn, managers assigned, one transaction);
- **pandas baseline**: the same selection and baseline from the snapshot's rows and its scores
  already in memory as stored (two frames, the scores merged onto the chosen customers as the
  SQL joins them; the load timed apart and not counted).
"""
from __future__ import annotations

import argparse
import shutil
import time

import sqlalchemy as sa

from bench.bases import ensure_base
from bench.overview_bench import RESULTS, WORK
from bench.timing import timed


def prepare(customers: int, snapshots: int) -> sa.Engine:
    from lib.pipeline.migrations import open_store

    path = ensure_base(customers, snapshots)
    copy = WORK / f"operations_{customers}_{snapshots}.duckdb"
    if not copy.exists():
        shutil.copy(path, copy)
    engine = open_store(f"duckdb:///{copy}")
    with engine.begin() as conn:
        latest = conn.execute(sa.text("SELECT max(snapshot_date) FROM snapshots")).scalar()
        scored = conn.execute(sa.text("SELECT count(*) FROM churn_scores WHERE snapshot_date = :d"),
                              {"d": latest}).scalar()
        if not scored:
            conn.execute(sa.text(
                "INSERT INTO churn_scores (snapshot_date, customer_id, model_id, churn_probability, "
                "risk_decile, reasons) "
                "SELECT snapshot_date, customer_id, 1, p, "
                "CAST(ntile(10) OVER (ORDER BY p, customer_id) AS SMALLINT), '' FROM ("
                "  SELECT snapshot_date, customer_id, "
                "         (abs(hash(customer_id)) % 1000) / 2000.0 + 0.01 AS p "
                "  FROM customers WHERE snapshot_date = :d AND churned IS NOT TRUE) s"), {"d": latest})
    return engine


def pandas_selection(snapshot, scores, tiers, limit):
    """The selection in pandas from the snapshot's rows and its scores as stored (two frames):
    filter, the ``limit`` highest spenders, their scores looked up by a merge, mean score."""
    rows = snapshot[snapshot["tier"].isin(tiers) & ~snapshot["churned"].fillna(False).astype(bool)]
    rows = rows.assign(spend=rows["spend_m1"].fillna(0.0))
    chosen = rows.sort_values(["spend", "customer_id"], ascending=[False, True]).head(limit)
    chosen = chosen.merge(scores, on="customer_id", how="left")
    return len(rows), chosen, float(chosen["churn_probability"].mean())


def run(customers: int, snapshots: int, repeat: int) -> list[tuple[str, float, str]]:
    engine = prepare(customers, snapshots)
    rows = page_bench(engine, repeat)
    engine.dispose()
    return rows


def page_bench(engine: sa.Engine, repeat: int, baseline: bool = True) -> list[tuple[str, float, str]]:
    """The page's selection and call-list queries cold and warm, a power proposal and a plan's
    creation; then (``baseline``) pandas doing the same selection from the snapshot's rows in
    memory. ``engine`` holds churn scores for the latest snapshot (``prepare``, or bench.run_all's
    scored copy of the base)."""
    from bench.timing import mark
    from lib.auth import User, acting_as
    from lib.churn.actions import catalogue_entries
    from lib.offers.store import current_catalogue
    from lib.operations.plans import PlanDraft, create_plan, operations_settings, plan_inputs
    from lib.operations.holdout import propose_holdout
    from lib.store.filters import Filters
    from lib.rules import RulesError, default_rules
    from lib.rules.versions import current_rules
    from lib.store import read_frame

    rules = current_rules(engine)
    try:
        settings = operations_settings(rules)
    except RulesError:
        # a base seeded before the [operations] section gained a key: the shipped rules
        rules = default_rules()
        settings = operations_settings(rules)
    catalogue = catalogue_entries(current_catalogue(engine)[1])
    with engine.connect() as conn:
        latest = conn.execute(sa.text("SELECT max(snapshot_date) FROM snapshots")).scalar()
    filters = Filters(latest)
    tiers = (4, 5, 6)

    def selection():
        with engine.connect() as conn:
            return plan_inputs(conn, "selection", filters, rules, (), (), tiers, (), catalogue)

    def call_list():
        with engine.connect() as conn:
            return plan_inputs(conn, "action_list", filters, rules, ("high",), (), (), (), catalogue)

    cold, _ = timed(selection, 1)
    warm, inputs = timed(selection, repeat)
    list_cold, _ = timed(call_list, 1)
    list_warm, listed = timed(call_list, repeat)
    n = inputs.candidates.height
    # the rules' target effect, or half the baseline churn when that is lower (an effect must be
    # below the baseline; real model scores of top-spend tiers 4-6 can be a few per cent)
    effect = min(settings.target_effect, inputs.baseline.rate / 2)
    proposal_time, proposal = timed(lambda: propose_holdout(n, inputs.baseline.rate, effect,
                                                            settings), repeat)
    draft = PlanDraft("bench", "", "phone", latest, None, None, (), {"source": "selection"},
                      effect, proposal.holdout, 7)
    with acting_as(User("bench", "admin")):
        create_time, _ = timed(lambda: create_plan(engine, draft, inputs.candidates, rules, catalogue), 1)
    mark("ours")
    rows = [
        (f"Selection (tiers 4-6, {inputs.matched:,} matched, {n:,} kept) + baseline, cold", cold, ""),
        ("Selection + baseline, warm (median)", warm, ""),
        (f"Call list source ({listed.candidates.height} customers), cold", list_cold, ""),
        ("Call list source, warm (median of the call-list path)", list_warm, ""),
        (f"Power proposal for {n:,} customers", proposal_time,
         f"hold-out {proposal.holdout:,} for a {effect * 100:.1f} pp effect on a "
         f"{inputs.baseline.rate:.1%} baseline"),
        (f"Create a plan of {n:,} customers (draw, assign, store)", create_time, ""),
    ]
    if not baseline:
        return rows
    start = time.perf_counter()
    snapshot = read_frame(engine, sa.text(
        "SELECT customer_id, tier, churned, spend_m1 FROM customers WHERE snapshot_date = :d")
        .bindparams(d=latest)).to_pandas()
    scores = read_frame(engine, sa.text(
        "SELECT customer_id, churn_probability FROM churn_scores WHERE snapshot_date = :d")
        .bindparams(d=latest)).to_pandas()
    load = time.perf_counter() - start
    pandas_time, (matched, chosen, rate) = timed(
        lambda: pandas_selection(snapshot, scores, tiers, settings.max_plan_customers), repeat)
    assert matched == inputs.matched and list(chosen["customer_id"]) == inputs.candidates["customer_id"].to_list()
    assert abs(rate - inputs.baseline.rate) < 1e-9
    rows[1] = (rows[1][0], warm, f"{pandas_time / warm:.1f}× faster than pandas" if pandas_time > warm
               else f"pandas in memory {warm / pandas_time:.1f}× faster, after its load")
    return rows + [
        ("pandas, same selection + baseline from rows in memory", pandas_time, ""),
        ("pandas, loading the snapshot's rows and its scores first", load, "not counted in the ratio"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = run(args.customers, args.snapshots, args.repeat)
    table = ["| what | seconds | note |", "|---|---:|---|",
             *[f"| {what} | {seconds:.3f} | {note} |" for what, seconds, note in rows]]
    text = "\n".join(table)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"operations_{args.customers}.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
