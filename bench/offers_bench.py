"""Offers ROI: Monte Carlo and budget optimiser speed, against naive baselines in the same run.

Usage: ``python -m bench.offers_bench``. A synthetic target set of 6 tiers × 10 risk deciles
and the shipped catalogue; the Monte Carlo baseline draws one take-up and effect at a time and
simulates each draw (what a spreadsheet or a first notebook does); the optimiser baseline is
brute force on a small instance (it grows as (offers+1)^(groups)).
"""
from __future__ import annotations

import itertools
import time

import numpy as np
import polars as pl

from bench.timing import timed
from lib.offers.optimiser import candidates, optimise
from lib.offers.roi import beta_from_range, default_catalogue, monte_carlo, simulate


def targets(tiers: int = 6, deciles: int = 10, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [{"tier": t, "decile": d, "customers": float(rng.integers(1_000, 20_000)),
             "churn_probability": float(0.4 / d), "clv": float(2000 * t), "monthly_margin": float(10 * t)}
            for t in range(1, tiers + 1) for d in range(1, deciles + 1)]
    return pl.DataFrame(rows)


def naive_monte_carlo(data, offer, depth, draws, seed=0):
    rng = np.random.default_rng(seed)
    a_u, b_u = beta_from_range(*offer.take_up)
    a_e, b_e = beta_from_range(*offer.effect)
    return [simulate(data, offer, depth, take_up=rng.beta(a_u, b_u), effect=rng.beta(a_e, b_e)).net_value
            for _ in range(draws)]


def bench() -> list[tuple[str, float, str]]:
    """Monte Carlo and optimiser speed against their naive baselines (independent of base size)."""
    data, catalogue = targets(), default_catalogue()
    offer = catalogue[1]
    ours = timed(lambda: monte_carlo(data, offer, 0.3, draws=10_000))[0]
    naive = timed(lambda: naive_monte_carlo(data, offer, 0.3, draws=200), repeat=1)[0] * (10_000 / 200)
    plan = timed(lambda: optimise(data, catalogue, 2_000_000), repeat=3)[0]
    small = targets(tiers=4, deciles=4, seed=1).filter(pl.col("tier") >= 3)
    three = catalogue[1:4]
    items = candidates(small, three).filter(pl.col("net_value") > 0)
    groups = [list(g.iter_rows(named=True)) for _, g in items.group_by(["tier", "decile"])]

    def brute():
        best = 0.0
        for pick in itertools.product(*[[None] + g for g in groups]):
            chosen = [p for p in pick if p]
            if sum(p["cost"] for p in chosen) <= 50_000:
                best = max(best, sum(p["net_value"] for p in chosen))
        return best

    small_ours = timed(lambda: optimise(small, three, 50_000), repeat=3)[0]
    small_brute = timed(brute, repeat=1)[0]
    return [
        ("Monte Carlo, 10,000 draws, 60 groups (vectorised)", ours,
         f"{naive / ours:,.0f}× faster than one simulate per draw"),
        ("Monte Carlo, one simulate per draw (extrapolated from 200 draws)", naive, "baseline"),
        (f"Budget optimiser, 6 tiers × 10 deciles × {len(catalogue)} offers", plan,
         "exact MILP (HiGHS)"),
        ("Budget optimiser, 2 tiers × 4 deciles × 3 offers", small_ours,
         f"brute force {small_brute:.3f} s ({small_brute / small_ours:.1f}×)"),
    ]


def pandas_groups(scores, snapshot):
    """Active scored customers per tier × risk decile (count, mean probability, mean spend) and
    per tier (active, revenue), in pandas from frames in memory."""
    rows = scores.merge(snapshot, on="customer_id", how="inner")
    rows = rows[~rows["churned"]].assign(spend=rows["spend_m1"].fillna(0.0))
    groups = rows.groupby(["tier", "risk_decile"]).agg(
        customers=("customer_id", "size"), churn_probability=("churn_probability", "mean"),
        spend=("spend", "mean"))
    active = ~snapshot["churned"]
    tiers = snapshot.assign(active=active, revenue=snapshot["spend_m1"].where(active, 0.0)).groupby(
        "tier").agg(active=("active", "sum"), revenue=("revenue", "sum"))
    return groups, tiers


def page_bench(engine, repeat: int, baseline: bool = True) -> list[tuple[str, float, str]]:
    """The Offers page's store work for a snapshot: the target set (tier × risk-decile groups
    from the churn scores, per-tier churn, sBG CLV per tier) and the past-campaign calibration,
    cold and warm (the page caches both per filter set); then (``baseline``) pandas computing
    the groups and tier figures from the scores and the snapshot's rows in memory."""
    import time

    from bench.timing import mark
    from lib.rules.economics import economics
    from lib.offers.targets import offer_targets
    from lib.offers.calibration import campaign_calibration
    from lib.store.filters import Filters
    from lib.rules.versions import current_rules
    from lib.pipeline.snapshots import stored_dates

    rules = current_rules(engine)
    filters = Filters(stored_dates(engine)[-1])

    def ours():
        with engine.connect() as conn:
            return offer_targets(conn, filters, rules, economics(rules)), campaign_calibration(conn, filters)

    def fits():
        from lib.offers.targets import _sbg_clv

        with engine.connect() as conn:
            return _sbg_clv(conn, filters, rules, economics(rules))

    cold, _ = timed(ours, 1)
    warm, (targets_, _calibration) = timed(ours, repeat)
    fit_time, _ = timed(fits, repeat)
    mark("ours")
    rows = [("Offers page store work (targets + calibration), cold", cold, ""),
            ("Offers page store work (targets + calibration), warm (median)", warm,
             "cached by the page per filter set; includes the sBG fits per tier"),
            ("· of which the sBG fits per tier with their survival query (median)", fit_time,
             "the fits plus the cohort-survival query they are fitted to (which scans the base)")]
    if not baseline:
        return rows
    pooled = engine.raw_connection()
    raw = pooled.driver_connection
    start = time.perf_counter()
    scores = raw.execute(
        "SELECT customer_id, churn_probability, risk_decile FROM churn_scores WHERE snapshot_date = ? "
        "AND model_id = (SELECT max(model_id) FROM churn_scores WHERE snapshot_date = ?)",
        [filters.snapshot_date, filters.snapshot_date]).to_arrow_table().to_pandas()
    snapshot = raw.execute(
        "SELECT customer_id, tier, churned, spend_m1 FROM customers WHERE snapshot_date = ?",
        [filters.snapshot_date]).to_arrow_table().to_pandas()
    load = time.perf_counter() - start
    pooled.close()
    pandas_time, (groups, _tiers) = timed(lambda: pandas_groups(scores, snapshot), repeat)
    if targets_.risk_source == "model":
        assert int(groups["customers"].sum()) == int(targets_.frame["customers"].sum())
    rows += [("pandas, tier × decile groups and tier figures from rows in memory", pandas_time,
              "calibration and sBG fits not included"),
             ("pandas, loading the scores and the snapshot's rows first (Arrow)", load,
              "not counted")]
    return rows


def main() -> None:
    lines = ["| what | seconds | note |", "|---|---:|---|"]
    lines += [f"| {what} | {seconds:.4f} | {note} |" for what, seconds, note in bench()]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
