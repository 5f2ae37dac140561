"""Lifecycle page queries against a pandas implementation of the same work.

Usage: ``python -m bench.lifecycle_bench --customers 1000000 [--snapshots 12] [--repeat 5]
[--db PATH]``. Uses the same seeded base as bench/overview_bench.py (bench/work/), or ``--db``
(a copy, when another process holds the file). Prints a Markdown table and writes it to
bench/results/lifecycle_<customers>.md.

Timed: what the page computes on every rerun (stages × tier, Kaplan–Meier per tier from the
lifetimes query, the cohort matrix, the log-rank test between tiers 1 and 2, churn types and
reasons), cold and warm; the sBG fits per tier apart (the page caches them). The pandas baseline
computes the same lifetimes, Kaplan–Meier curves and cohort matrix from rows already in memory
(the load is timed apart) and the results are compared, so the times are for the same answers.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from bench.overview_bench import RESULTS, seed, timed
from lib import lifecycle, lifecycle_value
from lib.lifecycle_survival import KaplanMeier
from lib.queries import Filters
from lib.rules_versions import current_rules
from lib.snapshots import stored_dates
from lib.store import make_engine, read_frame

COLUMNS = ["snapshot_date", "snapshot_month", "customer_id", "tier", "stage", "churned",
           "churn_type", "churn_reason", "tenure_months", "group_paid", "join_month",
           "churn_month"]


def page_queries(conn, filters, rules, definition, s):
    survival = lifecycle.survival(conn, filters, rules, definition, "tier", s.max_groups)
    return (
        lifecycle.stages(conn, filters),
        survival,
        lifecycle.cohorts(conn, filters, rules, definition, s.cohort_months),
        lifecycle.compare(survival, "1", "2"),
        lifecycle.churn_breakdown(conn, filters, rules, definition, s.value_drop_share),
    )


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


def bench(engine: sa.Engine, repeat: int) -> list[tuple[str, float, str]]:
    rules = current_rules(engine)
    dates = stored_dates(engine)
    filters = Filters(dates[-1])
    definition = lifecycle.default_definition(rules)
    s = lifecycle.settings(rules)

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
        line = lifecycle.timeline(conn, filters.snapshot_date)
    start = time.perf_counter()
    rows = read_frame(engine, sa.text(f"SELECT {', '.join(COLUMNS)} FROM customers")).to_pandas()
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
    fitted = value.tiers.filter(value.tiers["gamma"].is_not_null()).height
    return [
        ("Lifecycle page queries, cold (first call)", cold, ""),
        ("Lifecycle page queries, warm (median)", warm,
         f"{baseline / warm:.1f}× faster than pandas" if baseline >= warm
         else f"pandas {warm / baseline:.1f}× faster (rows already in memory)"),
        ("pandas, same lifetimes, Kaplan–Meier per tier and cohort matrix from rows in memory",
         baseline, "stages, log-rank and churn breakdown not included"),
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
    engine = make_engine(f"duckdb:///{args.db}") if args.db else seed(args.customers,
                                                                     args.snapshots)[0]
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
