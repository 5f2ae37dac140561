"""Segments page queries against a pandas implementation of the same work.

Usage: ``python -m bench.segments_bench --customers 1000000 [--snapshots 12] [--repeat 5]``
Prints a Markdown table and writes it to bench/results/segments_<customers>.md.

Uses a copy of the Overview benchmark's seeded base (bench/work/demo_N_S.duckdb, made by
``bench.overview_bench`` when missing), so writing RFM scores never touches the shared file.
The cluster fit is timed apart (it is cached by the page and excluded from the target); the
one-off RFM ranking of a snapshot (``lib.segments.tiers.rfm_cuts``) likewise. The pandas baseline runs the same views on rows
already in memory; both answers are compared.
"""
from __future__ import annotations

import argparse
import shutil
import time

import numpy as np
import pandas as pd
import sqlalchemy as sa

from bench.overview_bench import RESULTS, WORK, seed
from bench.timing import mark, timed
from lib.store.filters import Filters
from lib.rules.versions import current_rules
from lib.segments.tiers import migration_view, rfm_cuts, rfm_view, settings, tier_dimension_view, value_view
from lib.segments.clusters import cluster_view, fit_clusters
from lib.segments.geo import area_view, province_view
from lib.pipeline.snapshots import stored_dates
from lib.pipeline.migrations import open_store

COLUMNS = ["snapshot_date", "customer_id", "province", "city", "brand", "tier", "churned", "churn_type",
           "tenure_months", "group_paid", "spend_m1", "spend_m2", "spend_m3", "spend_m4", "spend_m5",
           "spend_m6", "spend_avg_6m", "data_gb", "voice_minutes", "outgoing_calls", "sms", "roaming"]


def store_copy(customers: int, snapshots: int) -> sa.Engine:
    source = WORK / f"demo_{customers}_{snapshots}.duckdb"
    if not source.exists():
        seed(customers, snapshots)[0].dispose()
    target = WORK / f"segments_{customers}_{snapshots}.duckdb"
    if not target.exists():
        shutil.copy(source, target)
    return open_store(f"duckdb:///{target}")


def page_views(engine: sa.Engine, filters: Filters, rules, model, cuts, previous, province, city) -> dict:
    """Every query the Segments page runs for one snapshot (all five views)."""
    out = {}
    with engine.connect() as conn:
        out["value"] = (value_view(conn, filters, rules), tier_dimension_view(conn, filters, "brand"))
        out["rfm"] = rfm_view(conn, filters, rules, cuts)
        out["clusters"] = cluster_view(conn, filters, rules, model)
        out["geography"] = (province_view(conn, filters, rules),
                            area_view(conn, filters, rules, "city", province),
                            area_view(conn, filters, rules, "district", province, city))
        out["migration"] = migration_view(conn, filters, rules, previous)
    return out


def pandas_views(now: pd.DataFrame, before: pd.DataFrame, model, province: str, watch: int) -> dict:
    """The same views with pandas on rows in memory (no exclusions detail beyond the defaults)."""
    active = ~now["churned"]
    counted = (now["churn_type"].fillna("") != "involuntary") & (now["tenure_months"] >= 3) & ~now["group_paid"]
    work = now.assign(active=active, revenue=now["spend_m1"].where(active, 0.0),
                      counted=counted, churn_counted=now["churned"] & counted)
    tiers = work.groupby("tier").agg(active=("active", "sum"), revenue=("revenue", "sum"))
    work.loc[active].groupby(["tier", "brand"]).size()
    work.loc[active].groupby("tier")["spend_m1"].quantile([0.1, 0.25, 0.5, 0.75, 0.9])
    spend = now[[f"spend_m{i}" for i in range(1, 7)]].fillna(0.0).to_numpy() > 0
    recency = np.where(spend.any(axis=1), spend.argmax(axis=1), 6)
    scores = {"r": np.maximum(5 - recency, 1)}    # months since the latest spend: 0 → 5 … 4+ → 1
    for name, goodness in (("f", spend.sum(axis=1)),
                           ("m", now["spend_avg_6m"].fillna(0.0).to_numpy())):
        scores[name] = np.ceil(5 * pd.Series(goodness).rank(method="max", pct=True).to_numpy() - 1e-9)
    cells = pd.DataFrame(scores).assign(active=active.to_numpy(), revenue=work["revenue"].to_numpy())
    rfm = cells.groupby(["r", "f", "m"]).agg(customers=("active", "size"), revenue=("revenue", "sum"))
    x = now[list(model.features)].to_numpy(dtype=float)
    x = np.where(np.isnan(x), np.array(model.fill), x)
    z = (np.log1p(np.maximum(x, 0.0)) - np.array(model.mean)) / np.array(model.scale)
    labels = ((z[:, None, :] - np.array(model.centers)[None]) ** 2).sum(axis=2).argmin(axis=1)
    clusters = work.assign(cluster=labels).groupby(["cluster", "tier"]).agg(customers=("active", "size"))
    provinces = work.groupby("province").agg(active=("active", "sum"), revenue=("revenue", "sum"),
                                             churners=("churn_counted", "sum"), base=("counted", "sum"))
    work[work["province"] == province].groupby("city").agg(active=("active", "sum"))
    start = before[~before["churned"]][["customer_id", "tier", "spend_m1", "spend_avg_6m"]]
    merged = start.merge(now[["customer_id", "tier", "churned", "spend_m1", "spend_avg_6m"]],
                         on="customer_id", how="left", suffixes=("_from", "_to"))
    gone = merged["tier_to"].isna() | merged["churned"].fillna(False).astype(bool)
    merged["to"] = np.where(gone, 0, merged["tier_to"].fillna(0)).astype(int)
    matrix = merged.groupby(["tier_from", "to"]).size()
    down = merged[~gone & (merged["tier_to"] < merged["tier_from"])]
    down = down.assign(loss=down["spend_avg_6m_from"] - down["spend_avg_6m_to"]).nlargest(watch, "loss")
    return {"tiers": tiers, "rfm": rfm, "clusters": clusters, "provinces": provinces, "matrix": matrix,
            "watch": down}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = bench(store_copy(args.customers, args.snapshots), args.repeat)
    lines = [f"### {args.customers:,} customers × {args.snapshots} monthly snapshots", "",
             "| what | seconds | note |", "|---|---:|---|"]
    lines += [f"| {what} | {seconds:.3f} | {note} |" for what, seconds, note in rows]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"segments_{args.customers}.md").write_text(text, encoding="utf-8")
    print(text)


def bench(engine: sa.Engine, repeat: int, baseline: bool = True) -> list[tuple[str, float, str]]:
    """The page's one-off cached work, its five views cold and warm (together and each alone);
    then (``baseline``) pandas doing the same views on the two snapshots' rows in memory."""
    rules = current_rules(engine)
    dates = stored_dates(engine)
    current, previous = dates[-1], dates[-2]
    filters = Filters(current)
    rows = []
    with engine.connect() as conn:
        start = time.perf_counter()
        cuts = rfm_cuts(conn, current)
        rows.append(("RFM quintile cuts of the snapshot (ranked in SQL once; cached)",
                     time.perf_counter() - start, ""))
        fit, model = timed(lambda: fit_clusters(conn, current, rules), 1)
        rows.append((f"cluster fit on {model.sample_rows:,} sampled customers, k = {model.k} by "
                     "silhouette (cached, excluded)", fit, ""))
        geo = province_view(conn, filters, rules)
        province = geo.areas.sort("active", descending=True)["area"][0]
        city = area_view(conn, filters, rules, "city", province).sort("active", descending=True)["area"][0]
    cold, _ = timed(lambda: page_views(engine, filters, rules, model, cuts, previous, province, city), 1)
    warm, views = timed(lambda: page_views(engine, filters, rules, model, cuts, previous, province, city),
                        repeat)
    per_view = {}
    for name in ("value", "rfm", "clusters", "geography", "migration"):
        per_view[name], _ = timed(lambda n=name: _one(engine, n, filters, rules, model, cuts,
                                                       previous, province, city), repeat)
    mark("ours")
    rows += [("Segments page queries, cold (all five views)", cold, ""),
             ("Segments page queries, warm (median, all five views)", warm, "")]
    rows += [(f"· {name} view, warm", seconds, "") for name, seconds in per_view.items()]
    if not baseline:
        return rows
    raw = engine.raw_connection()
    try:
        start = time.perf_counter()
        now, before = (raw.driver_connection.execute(
            f"SELECT {', '.join(COLUMNS)} FROM customers WHERE snapshot_date = ?", [date])
            .to_arrow_table().to_pandas() for date in (current, previous))
        load = time.perf_counter() - start
    finally:
        raw.close()
    limit = settings(rules).watch_list_size
    pandas_time, expected = timed(lambda: pandas_views(now, before, model, province, limit), repeat)
    assert expected["rfm"]["customers"].sum() == views["rfm"].segments["customers"].sum()
    assert int(expected["matrix"].sum()) == views["migration"].matrix["customers"].sum()
    assert expected["watch"]["customer_id"].head(20).tolist() == \
        views["migration"].watch["customer_id"].head(20).to_list()
    sql_sizes = views["clusters"].by_tier.sort(["cluster", "tier"])["customers"].to_list()
    assert sql_sizes == expected["clusters"]["customers"].tolist()
    rows[3] = (rows[3][0], warm, f"{pandas_time / warm:.1f}× faster than pandas")  # the warm row
    rows += [("pandas, same views from rows in memory", pandas_time, ""),
             ("pandas, loading the two snapshots first (Arrow)", load, "not counted in the ratio")]
    return rows


def _one(engine, name, filters, rules, model, cuts, previous, province, city):
    with engine.connect() as conn:
        if name == "value":
            return value_view(conn, filters, rules), tier_dimension_view(conn, filters, "brand")
        if name == "rfm":
            return rfm_view(conn, filters, rules, cuts)
        if name == "clusters":
            return cluster_view(conn, filters, rules, model)
        if name == "geography":
            return (province_view(conn, filters, rules), area_view(conn, filters, rules, "city", province),
                    area_view(conn, filters, rules, "district", province, city))
        return migration_view(conn, filters, rules, previous)


if __name__ == "__main__":
    main()
