"""Lifecycle page queries against a pandas implementation of the same work.

Usage: ``python -m bench.lifecycle_bench --customers 1000000 [--snapshots 12] [--repeat 5]
[--db PATH]``. Uses a copy of the seeded base of bench/overview_bench.py
(bench/work/lifecycle_N_S.duckdb) to which it adds, once, an extra file column ``plan_type``
for every stored row (customer_attributes, three values), or ``--db`` as it is. Prints a
Markdown table and writes it to bench/results/lifecycle_<customers>.md.

Timed: what the page computes with nothing cached (stages × tier, the funnel per join cohort,
Kaplan–Meier per tier from the lifetimes query, the cohort matrix, the log-rank test between
tiers 1 and 2, churn types and reasons, the dimension list), cold and warm; then each tab alone
(the page's tabs run lazily: only the open one queries), including the attribute dimension
(funnel and cohorts for one ``plan_type``, survival grouped by it); the sBG fits per tier apart
(the page caches them). The pandas baseline
computes the same lifetimes, Kaplan–Meier curves and cohort matrix from rows already in memory
(the load is timed apart) and the results are compared, so the times are for the same answers.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from bench.overview_bench import RESULTS, WORK, seed
from bench.timing import load_pandas, mark, timed
from lib.lifecycle import settings as lifecycle_settings
from lib.lifecycle import stages as lifecycle_stages
from lib.lifecycle import dimensions as lifecycle_dimensions
from lib.lifecycle import curves as lifecycle_curves
from lib.lifecycle import cohort_matrix as lifecycle_cohorts
from lib.lifecycle import breakdown as lifecycle_breakdown
from lib.lifecycle import funnel as lifecycle_funnel
from lib.lifecycle import value as lifecycle_value
from lib.lifecycle.survival import KaplanMeier
from lib.store.filters import Filters
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import stored_dates
from lib.pipeline.migrations import open_store

COLUMNS = ["snapshot_date", "snapshot_month", "customer_id", "tier", "stage", "churned",
           "churn_type", "churn_reason", "tenure_months", "group_paid", "join_month",
           "churn_month"]


def page_queries(conn, filters, rules, definition, s):
    survival = lifecycle_curves.survival(conn, filters, rules, definition, "tier", s.max_groups)
    return (
        lifecycle_stages.stages(conn, filters),
        survival,
        lifecycle_cohorts.cohorts(conn, filters, rules, definition, s.cohort_months),
        lifecycle_curves.compare(survival, "1", "2"),
        lifecycle_breakdown.churn_breakdown(conn, filters, rules, definition, s.value_drop_share),
        lifecycle_funnel.funnel(conn, filters, rules, definition),
        lifecycle_dimensions.dimension_names(conn, filters, s.dimension_max_values),
    )


def tab_queries(filters, rules, definition, s, attribute: str | None) -> dict:
    """What each tab of the page runs when opened (plus the header's timeline and dimension
    list, which every tab needs): name -> fn(conn)."""

    def common(conn):
        lifecycle_stages.timeline(conn, filters.snapshot_date)
        return lifecycle_dimensions.dimension_names(conn, filters, s.dimension_max_values)

    def survival(dimension):
        def run(conn):
            common(conn)
            view = lifecycle_curves.survival(conn, filters, rules, definition, dimension, s.max_groups)
            groups = view.summary["segment"].to_list()
            return lifecycle_curves.compare(view, groups[0], groups[1]) if len(groups) > 1 else view
        return run

    tabs = {
        "Stages": lambda conn: (common(conn), lifecycle_stages.stages(conn, filters)),
        "Funnel (all customers)": lambda conn: (
            common(conn), lifecycle_funnel.funnel(conn, filters, rules, definition)),
        "Cohort retention": lambda conn: (common(conn), lifecycle_cohorts.cohorts(
            conn, filters, rules, definition, s.cohort_months)),
        "Survival by tier + log-rank": survival("tier"),
        "Churn types and reasons": lambda conn: (common(conn), lifecycle_breakdown.churn_breakdown(
            conn, filters, rules, definition, s.value_drop_share)),
    }
    if attribute:
        def by_value(conn, fn):
            common(conn)
            value = lifecycle_dimensions.dimension_values(conn, filters, attribute, 50)[0]
            return fn(conn, value)

        tabs[f"Funnel for one {attribute}"] = lambda conn: by_value(
            conn, lambda c, v: lifecycle_funnel.funnel(c, filters, rules, definition, attribute, v))
        tabs[f"Cohort retention for one {attribute}"] = lambda conn: by_value(
            conn, lambda c, v: lifecycle_cohorts.cohorts(c, filters, rules, definition, s.cohort_months,
                                                 attribute, v))
        tabs[f"Survival by {attribute} + log-rank"] = survival(attribute)
    return tabs


def store_copy(customers: int, snapshots: int) -> sa.Engine:
    """A copy of the seeded base with an extra file column ``plan_type`` on every stored row."""
    source = WORK / f"demo_{customers}_{snapshots}.duckdb"
    target = WORK / f"lifecycle_{customers}_{snapshots}.duckdb"
    if not source.exists():
        seed(customers, snapshots)[0].dispose()
    if not target.exists():
        shutil.copy(source, target)
    engine = open_store(f"duckdb:///{target}")
    with engine.begin() as conn:
        if not conn.execute(sa.text("SELECT count(*) FROM customer_attributes")).scalar():
            conn.execute(sa.text(
                "INSERT INTO customer_attributes (snapshot_date, customer_id, name, value) "
                "SELECT snapshot_date, customer_id, 'plan_type', "
                "CASE hash(customer_id) % 3 WHEN 0 THEN 'basic' WHEN 1 THEN 'family' "
                "ELSE 'business' END FROM customers"))
    return engine


def pandas_lifecycle(df: pd.DataFrame, chosen, prev_month: dict, first_month: int, types,
                     cohort_months: int) -> dict:
    """Lifetimes per tier, Kaplan–Meier per tier and the cohort matrix with pandas."""
    chosen = pd.Timestamp(chosen)
    prev_month = {pd.Timestamp(k): v for k, v in prev_month.items()}
    rows = df[df["snapshot_date"] <= chosen]
    counted = ((rows["churn_type"].fillna("") != "involuntary") & (rows["tenure_months"] >= 3)
               & ~rows["group_paid"])
    prev = rows["snapshot_date"].map(prev_month)
    new_churn = rows["churned"] & (prev.isna() | (rows["churn_month"] > prev))
    active_now = (rows["snapshot_date"] == chosen) & ~rows["churned"]
    keep = counted & (active_now | new_churn) & (rows["churn_month"].isna()
                                                 | (rows["churn_month"] >= first_month))
    life = rows[keep]
    duration = life["churn_month"].fillna(life["snapshot_month"]) - life["join_month"] + 1
    event = (life["churned"] & life["churn_type"].isin(types)).astype(int)
    entry = np.where(life["join_month"] < first_month, first_month - life["join_month"], 0)
    frame = pd.DataFrame({"tier": life["tier"].to_numpy(), "d": duration.to_numpy(),
                          "e": event.to_numpy(), "s": entry, "j": life["join_month"].to_numpy()})
    frame = frame[frame["d"] >= 1]
    medians = {}
    for tier, part in frame.groupby("tier"):
        km = KaplanMeier().fit(part["d"], part["e"], None, part["s"])
        medians[int(tier)] = km.median_months_
    chosen_month = int(life["snapshot_month"].max())
    cohort = frame[frame["j"] >= max(chosen_month - cohort_months + 1, first_month)]
    sizes = cohort.groupby("j").size()
    lost = cohort[cohort["e"] == 1].groupby(["j", "d"]).size().unstack(fill_value=0)
    lost = lost.reindex(index=sizes.index, columns=range(1, chosen_month - sizes.index.min() + 2),
                        fill_value=0).cumsum(axis=1)
    share = 1 - lost.div(sizes, axis=0)
    observed = (np.asarray(share.columns)[None, :]
                <= (chosen_month - np.asarray(share.index) + 1)[:, None])
    share = share.where(observed)
    return {"medians": medians, "cohort_cells": int(share.notna().sum().sum()),
            "cohort_last": float(share.iloc[0].dropna().iloc[-1])}


def bench(engine: sa.Engine, repeat: int, baseline: bool = True) -> list[tuple[str, float, str]]:
    """The page's queries cold and warm, the cached sBG fits; then (``baseline``) pandas."""
    rules = current_rules(engine)
    dates = stored_dates(engine)
    filters = Filters(dates[-1])
    definition = lifecycle_settings.default_definition(rules)
    s = lifecycle_settings.settings(rules)

    def ours():
        with engine.connect() as conn:
            return page_queries(conn, filters, rules, definition, s)

    cold, _ = timed(ours, 1)
    warm, result = timed(ours, repeat)

    def fits():
        with engine.connect() as conn:
            return lifecycle_value.customer_value(conn, filters, rules, definition, s.margin_share,
                                            s.annual_discount_rate, s.projection_months,
                                            s.min_fit_customers)

    fit_time, value = timed(fits, 1)
    with engine.connect() as conn:
        names = lifecycle_dimensions.dimension_names(conn, filters, s.dimension_max_values)
    attribute = next((n for n in names if lifecycle_dimensions.is_attribute(n)), None)
    tabs = []
    for name, fn in tab_queries(filters, rules, definition, s, attribute).items():
        def run(fn=fn):
            with engine.connect() as conn:
                return fn(conn)
        tab_cold, _ = timed(run, 1)
        tab_warm, _ = timed(run, repeat)
        tabs.append((f"Tab alone, warm (median): {name}", tab_warm, f"cold {tab_cold:.3f} s"))
    mark("ours")
    fitted = value.tiers.filter(value.tiers["gamma"].is_not_null()).height
    if not baseline:
        return [("Lifecycle page queries, cold (first call)", cold, ""),
                ("Lifecycle page queries, warm (median)", warm, ""), *tabs,
                (f"sBG fits for {fitted} tiers + projection + CLV (cached by the page)", fit_time,
                 "excluded from the page target")]
    with engine.connect() as conn:
        line = lifecycle_stages.timeline(conn, filters.snapshot_date)
    start = time.perf_counter()
    rows = load_pandas(engine, f"SELECT {', '.join(COLUMNS)} FROM customers")
    load = time.perf_counter() - start
    baseline, expected = timed(lambda: pandas_lifecycle(
        rows, filters.snapshot_date, dict(line.previous_months), line.first_month,
        list(definition.types), s.cohort_months), repeat)
    survival = result[1].summary
    ours_medians = dict(zip(survival["segment"].cast(int).to_list(),
                            survival["median_months"].to_list()))
    assert ours_medians == expected["medians"], (ours_medians, expected["medians"])
    matrix = result[2]
    assert matrix["share"].is_not_null().sum() == expected["cohort_cells"]
    first = matrix.filter(matrix["join_month"] == matrix["join_month"].min()).drop_nulls("share")
    assert abs(first["share"][-1] - expected["cohort_last"]) < 1e-12
    return [
        ("Lifecycle page queries, all tabs, cold (first call)", cold, ""),
        ("Lifecycle page queries, all tabs, warm (median)", warm,
         f"{baseline / warm:.1f}× faster than pandas" if baseline >= warm
         else f"pandas {warm / baseline:.1f}× faster (rows already in memory)"),
        *tabs,
        ("pandas, same lifetimes, Kaplan–Meier per tier and cohort matrix from rows in memory",
         baseline, "stages, funnel, log-rank and churn breakdown not included"),
        ("pandas, loading those rows first", load, "not counted in the ratio"),
        (f"sBG fits for {fitted} tiers + projection + CLV (cached by the page)", fit_time,
         "excluded from the page target"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    start = time.perf_counter()
    engine = open_store(f"duckdb:///{args.db}") if args.db else store_copy(args.customers,
                                                                           args.snapshots)
    seeded = time.perf_counter() - start
    rows = bench(engine, args.repeat)
    lines = [f"### Lifecycle: {args.customers:,} customers × {args.snapshots} monthly snapshots",
             "", f"Seeding (generate + store, or reuse): {seeded:.1f} s", "",
             "| what | seconds | note |", "|---|---:|---|"]
    lines += [f"| {what} | {seconds:.3f} | {note} |" for what, seconds, note in rows]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"lifecycle_{args.customers}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
