"""Churn model training and batch scoring, against pandas scoring of the whole base at once.

Usage: ``python -m bench.churn_bench --customers 1000000 [--snapshots 12]``
Prints a Markdown table and writes it to bench/results/churn_<customers>.md.

Works on a copy of the Overview benchmark's seeded base (bench/work/demo_N_12.duckdb, made by
``bench.overview_bench.seed`` when missing), so that training and scoring, which write to the
store, never hold the lock of a file another benchmark is reading. Each step runs in a fresh
child process, so its peak memory (max RSS) is its own:

- **train**: ``lib.churn.train.train_churn_model`` as of the latest snapshot with the shipped
  rules (200,000 sampled customers, time-based validation, logistic baseline, permutation
  importance, refit);
- **score**: ``lib.churn.scores.score_snapshot`` over every active customer of the latest
  snapshot, batches of 100,000 with reason codes, written in one transaction;
- **pandas baseline**: the same active rows loaded into one pandas frame, predicted in one call
  (no reasons, nothing written) — the memory a single-shot approach needs.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import time
from pathlib import Path

import sqlalchemy as sa

from bench.overview_bench import RESULTS, WORK, seed
from bench.timing import mark, peak_rss_mb, timed

def _as_admin():
    from lib.auth import User, acting_as  # the write paths check the acting user's role

    return acting_as(User("bench", "admin"))


def _train(url: str, queue: mp.Queue) -> None:
    from lib.churn.scores import store_model
    from lib.churn.train import train_churn_model
    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import stored_dates
    from lib.pipeline.migrations import open_store

    with _as_admin():
        engine = open_store(url)
        rules = current_rules(engine)
        latest = stored_dates(engine)[-1]
        start = time.perf_counter()
        with engine.connect() as conn:
            card, model = train_churn_model(conn, latest, rules)
        seconds = time.perf_counter() - start
        model_id = store_model(engine, card, model)
    queue.put({"seconds": seconds, "model_id": model_id, "card": card,
               "rss_mb": peak_rss_mb()})


def _score(url: str, model_id: int, queue: mp.Queue) -> None:
    from lib.churn.scores import score_snapshot
    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import stored_dates
    from lib.pipeline.migrations import open_store

    with _as_admin():
        engine = open_store(url)
        rules = current_rules(engine)
        latest = stored_dates(engine)[-1]
        start = time.perf_counter()
        rows = score_snapshot(engine, model_id, latest, rules)
        seconds = time.perf_counter() - start
    queue.put({"seconds": seconds, "rows": rows,
               "rss_mb": peak_rss_mb()})


def _pandas(url: str, model_id: int, queue: mp.Queue) -> None:
    import polars as pl

    from lib.churn.model import feature_frame
    from lib.churn.scores import load_model
    from lib.churn.train import read_rows
    from lib.churn.queries import score_batch
    from lib.pipeline.snapshots import stored_dates
    from lib.pipeline.migrations import open_store

    engine = open_store(url)
    latest = stored_dates(engine)[-1]
    start = time.perf_counter()
    with engine.connect() as conn:
        model = load_model(conn, model_id)
        rows = read_rows(conn, score_batch(latest, None, 10**9))   # every active row at once
    frame = feature_frame(rows)
    p = model.predict_proba(frame)
    seconds = time.perf_counter() - start
    assert isinstance(rows, pl.DataFrame) and len(p) == rows.height
    queue.put({"seconds": seconds, "rows": rows.height,
               "rss_mb": peak_rss_mb()})


def _child(target, *args) -> dict:
    queue: mp.Queue = mp.get_context("spawn").Queue()
    process = mp.get_context("spawn").Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def run_model(url: str, pandas_predict: bool = True) -> tuple[list[tuple[str, float, str, float]], object]:
    """Train, score and (``pandas_predict``) the pandas-style whole-base predict, each in a fresh
    child process, on the store at ``url`` (written to: pass a copy). Rows: what, seconds, note,
    peak RSS (MB)."""
    trained = _child(_train, url)
    card = trained["card"]
    scored = _child(_score, url, trained["model_id"]) if card.accepted else None
    if not pandas_predict:
        return rows_of(trained, scored, None), card
    whole = _child(_pandas, url, trained["model_id"])
    return rows_of(trained, scored, whole), card


def rows_of(trained: dict, scored: dict | None, whole: dict | None) -> list[tuple[str, float, str, float]]:
    card = trained["card"]
    rows = [("Churn model: train (sample by SQL, model + baseline, importance, refit)",
             trained["seconds"], f"{card.train_rows:,} sampled rows; ROC AUC "
             f"{card.model.roc_auc:.3f} vs baseline {card.baseline.roc_auc:.3f}", trained["rss_mb"])]
    if scored:
        rows.append((f"Churn model: score {scored['rows']:,} active customers in batches, with "
                     "reasons, one transaction", scored["seconds"], "", scored["rss_mb"]))
    if whole:
        rows.append((f"pandas-style: load {whole['rows']:,} rows at once, predict once (no "
                     "reasons, no write)", whole["seconds"], "memory grows with the base",
                     whole["rss_mb"]))
    return rows


def pandas_risk(scores, snapshot, model_horizon: int, horizon: int) -> dict:
    """Revenue at risk by tier and by province: the scores joined to the snapshot's rows and
    aggregated, in pandas from frames in memory."""
    import numpy as np

    rows = scores.merge(snapshot, on="customer_id", how="inner")

    p = rows["churn_probability"].to_numpy()
    q = (1.0 - p) ** (1.0 / model_horizon)
    with np.errstate(divide="ignore", invalid="ignore"):
        lost = np.where(p <= 0, 0.0, np.where(p >= 1, float(horizon),
                                              horizon - q * (1.0 - q ** horizon) / (1.0 - q)))
    spend = rows["spend_m1"].fillna(0.0)
    work = rows.assign(spend=spend, at_risk=spend * lost)
    agg = {"customers": ("customer_id", "size"), "revenue": ("spend", "sum"),
           "expected_churners": ("churn_probability", "sum"), "revenue_at_risk": ("at_risk", "sum")}
    return {"tier": work.groupby("tier").agg(**agg), "province": work.groupby("province").agg(**agg)}


def page_bench(engine: sa.Engine, repeat: int, baseline: bool = True) -> list[tuple[str, float, str]]:
    """The Churn page's queries for a scored snapshot (model card and scoring state, revenue at
    risk by tier and province), cold and warm; then (``baseline``) pandas joining the scores to
    the snapshot's rows in memory and aggregating the same."""
    from lib.churn.scores import churn_view, revenue_at_risk_from_scores
    from lib.store.filters import Filters
    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import stored_dates

    rules = current_rules(engine)
    filters = Filters(stored_dates(engine)[-1])
    horizon = rules.risk_horizon_months

    def ours():
        with engine.connect() as conn:
            return churn_view(conn, filters.snapshot_date), revenue_at_risk_from_scores(
                conn, filters, horizon)

    cold, _ = timed(ours, 1)
    warm, (view, risk) = timed(ours, repeat)
    mark("ours")
    rows = [("Churn page queries, cold (first call)", cold, ""),
            ("Churn page queries, warm (median)", warm, "")]
    if not baseline or risk is None:
        return rows
    raw = engine.raw_connection()
    try:
        start = time.perf_counter()
        scores = raw.driver_connection.execute(
            "SELECT customer_id, churn_probability FROM churn_scores WHERE snapshot_date = ? "
            "AND model_id = ?", [filters.snapshot_date, risk.model_id]).to_arrow_table().to_pandas()
        snapshot = raw.driver_connection.execute(
            "SELECT customer_id, tier, province, spend_m1 FROM customers WHERE snapshot_date = ?",
            [filters.snapshot_date]).to_arrow_table().to_pandas()
        load = time.perf_counter() - start
    finally:
        raw.close()
    pandas_time, expected = timed(lambda: pandas_risk(scores, snapshot, risk.model_horizon, horizon),
                                  repeat)
    total = float(expected["tier"]["revenue_at_risk"].sum())
    assert abs(total - risk.total) <= 1e-6 * abs(total), (total, risk.total)
    rows[1] = (rows[1][0], warm, f"{pandas_time / warm:.1f}× faster than pandas")
    rows += [("pandas, same revenue at risk by tier and province from scored rows in memory",
              pandas_time, ""),
             ("pandas, loading the scores and the snapshot's rows first (Arrow)", load, "not counted in the ratio")]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=12)
    args = parser.parse_args()
    engine, _ = seed(args.customers, args.snapshots)
    engine.dispose()
    source = WORK / f"demo_{args.customers}_{args.snapshots}.duckdb"
    copy = WORK / f"churn_{args.customers}_{args.snapshots}.duckdb"
    shutil.copyfile(source, copy)
    url = f"duckdb:///{copy}"
    trained = _child(_train, url)
    card = trained["card"]
    scored = _child(_score, url, trained["model_id"]) if card.accepted else None
    whole = _child(_pandas, url, trained["model_id"])
    sampled = card.train_rows
    lines = [
        f"### {args.customers:,} customers × {args.snapshots} monthly snapshots", "",
        f"Model: {card.scheme} validation, trained on {sampled:,} sampled rows of "
        f"{', '.join(d.isoformat() for d in card.train_dates)}, tested on "
        f"{card.test_date} ({card.model.rows:,} customers, {card.model.churners:,} churners): "
        f"ROC AUC {card.model.roc_auc:.3f} vs baseline {card.baseline.roc_auc:.3f}, PR AUC "
        f"{card.model.pr_auc:.3f} vs {card.baseline.pr_auc:.3f}, top-decile lift "
        f"{card.model.top_decile_lift:.2f}; {'accepted' if card.accepted else card.refused}.", "",
        "| what | seconds | peak memory (MB) | note |", "|---|---:|---:|---|",
        f"| train: sample by SQL, model + baseline, importance, refit | {trained['seconds']:.1f} | "
        f"{trained['rss_mb']:.0f} | target ≤ 60 s on 2 cores |",
    ]
    if scored:
        lines.append(f"| score {scored['rows']:,} active customers in batches of 100,000, with "
                     f"reasons, one transaction | {scored['seconds']:.1f} | {scored['rss_mb']:.0f} | "
                     f"target ≤ 30 s, bounded memory |")
    lines.append(f"| pandas-style: load {whole['rows']:,} rows at once, predict once (no reasons, "
                 f"no write) | {whole['seconds']:.1f} | {whole['rss_mb']:.0f} | memory grows with "
                 f"the base |")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"churn_{args.customers}.md").write_text(text, encoding="utf-8")
    print(text)
    Path(copy).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
