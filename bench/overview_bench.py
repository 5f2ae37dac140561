"""Overview queries and CSV import, against a pandas implementation of the same work.

Usage: ``python -m bench.overview_bench --customers 1000000 [--snapshots 12] [--repeat 5]``
Prints a Markdown table and writes it to bench/results/overview_<customers>.md.

The pandas baseline is generous: the rows are already in memory (the load is timed apart),
as in a notebook that read a Parquet export once. The results of both paths are compared, so
the timing is of the same answers.
"""
from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import sqlalchemy as sa

from bench.timing import load_pandas, mark, timed
from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive
from lib.ingest.importer import import_file
from lib.overview.kpis import build_overview, quarter_photo_date, revenue_at_risk
from lib.store.filters import Filters
from lib.rules import Rules
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import stored_dates, write_snapshots
from lib.pipeline.migrations import open_store

WORK = Path(__file__).resolve().parent / "work"
RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ["snapshot_date", "customer_id", "province", "tier", "churned", "churn_type",
           "tenure_months", "group_paid", "join_month", "snapshot_month", "spend_m1"]


def seed(customers: int, snapshots: int) -> tuple[sa.Engine, pl.DataFrame]:
    """A store with the demo base (made once per size) and its latest snapshot's raw rows."""
    WORK.mkdir(exist_ok=True)
    path = WORK / f"demo_{customers}_{snapshots}.duckdb"
    engine = open_store(f"duckdb:///{path}")
    rules = current_rules(engine)
    latest = None
    fresh = not stored_dates(engine)
    for frame in generate_snapshots(customers=customers, snapshots=snapshots):
        latest = frame
        if fresh:
            write_snapshots(engine, derive(frame), rules=rules, source_name="bench", churn_window_months=1)
    return engine, latest


def pandas_overview(df: pd.DataFrame, rules: Rules, current, previous, photo) -> dict:
    """The Overview's numbers computed with pandas from in-memory rows."""
    current, photo = pd.Timestamp(current), pd.Timestamp(photo)
    counted = (df["churn_type"].fillna("") != "involuntary") & (df["tenure_months"] >= 3) & ~df["group_paid"]
    active = ~df["churned"]
    vip = df["tier"] >= rules.vip_min_tier
    work = df.assign(active=active, counted=counted, churn_counted=df["churned"] & counted,
                     gross=df["join_month"] == df["snapshot_month"],
                     revenue=df["spend_m1"].where(active, 0.0),
                     vip_active=active & vip, vip_revenue=df["spend_m1"].where(active & vip, 0.0))
    per_snapshot = work.groupby("snapshot_date").agg(
        active=("active", "sum"), churners=("churned", "sum"), churners_counted=("churn_counted", "sum"),
        base_counted=("counted", "sum"), gross_adds=("gross", "sum"), revenue=("revenue", "sum"),
        vip_active=("vip_active", "sum"), vip_revenue=("vip_revenue", "sum"))
    now = work[work["snapshot_date"] == current]
    tiers = now.groupby("tier").agg(active=("active", "sum"), revenue=("revenue", "sum"),
                                    churners=("churn_counted", "sum"), base=("counted", "sum"))
    risk = sum(revenue_at_risk(r.revenue, r.churners / r.base if r.base else 0.0,
                               rules.risk_horizon_months) for r in tiers.itertuples())
    photo_rows = work[(work["snapshot_date"] == photo) & work["vip_active"]][["customer_id"]]
    kept = photo_rows.merge(now[["customer_id", "active"]], on="customer_id", how="left")
    retention = kept["active"].fillna(False).astype(bool).mean()
    spend = np.sort(now.loc[now["active"], "spend_m1"].fillna(0.0).to_numpy())[::-1]
    top20 = spend[: int(len(spend) * 0.2)].sum() / spend.sum()
    return {"active": int(per_snapshot.loc[current, "active"]), "risk": risk,
            "retention": retention, "top20": top20, "snapshots": len(per_snapshot)}


def bench_overview(engine: sa.Engine, repeat: int, baseline: bool = True) -> list[tuple[str, float, str]]:
    """The Overview's query set cold and warm; then (``baseline``) pandas doing the same."""
    rules = current_rules(engine)
    dates = stored_dates(engine)
    current, previous = dates[-1], dates[-2]
    filters = Filters(current)

    def ours():
        with engine.connect() as conn:
            return build_overview(conn, filters, rules)

    cold, _ = timed(ours, 1)
    warm, view = timed(ours, repeat)
    mark("ours")
    if not baseline:
        return [("Overview queries, cold (first call)", cold, ""),
                ("Overview queries, warm (median)", warm, "")]
    start = time.perf_counter()
    rows = load_pandas(engine, f"SELECT {', '.join(COLUMNS)} FROM customers")
    load = time.perf_counter() - start
    photo = quarter_photo_date(current, dates)
    baseline, expected = timed(lambda: pandas_overview(rows, rules, current, previous, photo), repeat)
    assert expected["active"] == view.kpi("kpi_active").value
    assert abs(expected["risk"] - view.kpi("kpi_revenue_at_risk").value) < 1e-6 * expected["risk"]
    assert abs(expected["retention"] - view.kpi("kpi_vip_retention").value) < 1e-9
    return [
        ("Overview queries, cold (first call)", cold, ""),
        ("Overview queries, warm (median)", warm, f"{baseline / warm:.1f}× faster than pandas"),
        ("pandas, same Overview from rows in memory", baseline, ""),
        ("pandas, loading those rows first", load, "not counted in the ratio"),
    ]


def bench_import(latest: pl.DataFrame, repeat: int) -> list[tuple[str, float, str]]:
    buffer = io.BytesIO()
    latest.write_csv(buffer)
    data = buffer.getvalue()

    def ours():
        path = WORK / "import.duckdb"
        for leftover in WORK.glob("import.duckdb*"):
            leftover.unlink()
        engine = open_store(f"duckdb:///{path}")
        result = import_file(engine, data, "bench.csv", churn_window_months=1)
        engine.dispose()
        return result

    def pandas_import():
        frame = pd.read_csv(io.BytesIO(data), dtype={"customer_id": str},
                            parse_dates=["snapshot_date", "join_date", "churn_date"])
        frame["spend_avg_6m"] = frame[[f"spend_m{i}" for i in range(1, 7)]].mean(axis=1)
        frame["join_month"] = frame["join_date"].dt.year * 12 + frame["join_date"].dt.month - 1
        import duckdb

        con = duckdb.connect()
        con.register("staging", frame)
        con.execute("CREATE TABLE customers AS SELECT * FROM staging")
        con.close()
        return len(frame)

    ours_time, result = timed(ours, max(1, repeat // 2))
    mark("ours")
    assert result.validation.rows_accepted == latest.height
    baseline, _ = timed(pandas_import, max(1, repeat // 2))
    return [(f"Import of a {latest.height:,}-row CSV ({len(data) / 1e6:.0f} MB): read, map, "
             "validate, derive, store", ours_time,
             f"{ours_time / baseline:.1f}× the time of the bare pandas load below"),
            ("pandas: read_csv + two derivations + DuckDB insert (no validation)", baseline, "")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    engine, latest = seed(args.customers, args.snapshots)
    seeded = time.perf_counter() - start
    rows = bench_overview(engine, args.repeat) + bench_import(latest, args.repeat)
    lines = [f"### {args.customers:,} customers × {args.snapshots} monthly snapshots",
             "", f"Seeding (generate + store, or reuse): {seeded:.1f} s", "",
             "| what | seconds | note |", "|---|---:|---|"]
    lines += [f"| {what} | {seconds:.3f} | {note} |" for what, seconds, note in rows]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"overview_{args.customers}.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
