"""What a past campaign says about take-up and effect, from its randomised control group.

Per offer and tier: churn of the control group p_c and of the treated group p_t (intention to
treat), their difference with a 95 % Wald interval, take-up among the treated, and the effect
among takers as the catalogue means it (relative churn reduction): (p_c − p_t) / (take-up · p_c),
the treated-group difference scaled to the customers who actually took the offer (Bloom's
estimator). Interval of the effect: the difference's interval scaled the same way.
"""
from __future__ import annotations

import math

import polars as pl
import sqlalchemy as sa

from lib.queries import Filters
from lib.queries.offers import campaign_outcomes
from lib.store import read_frame

Z95 = 1.959963984540054


def calibrate(outcomes: pl.DataFrame) -> pl.DataFrame:
    """One row per offer and tier with both groups present: counts, churn shares (0–1), the
    difference and its 95 % interval, take-up, and the effect among takers with its interval."""
    rows = []
    for (offer_id, tier), group in outcomes.group_by(["offer_id", "tier"], maintain_order=True):
        treated = group.filter(pl.col("treated"))
        control = group.filter(~pl.col("treated"))
        if treated.height == 0 or control.height == 0:
            continue
        n_t, n_c = int(treated["customers"][0]), int(control["customers"][0])
        p_t, p_c = treated["churned"][0] / n_t, control["churned"][0] / n_c
        take_up = treated["accepted"][0] / n_t
        diff = p_c - p_t
        half = Z95 * math.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t)
        scale = take_up * p_c
        rows.append({
            "offer_id": offer_id, "tier": tier, "control": n_c, "treated": n_t,
            "churn_control": p_c, "churn_treated": p_t, "difference": diff,
            "difference_low": diff - half, "difference_high": diff + half, "take_up": take_up,
            "effect": diff / scale if scale > 0 else None,
            "effect_low": (diff - half) / scale if scale > 0 else None,
            "effect_high": (diff + half) / scale if scale > 0 else None,
        })
    schema = {"offer_id": pl.String, "tier": pl.Int64, "control": pl.Int64, "treated": pl.Int64,
              "churn_control": pl.Float64, "churn_treated": pl.Float64, "difference": pl.Float64,
              "difference_low": pl.Float64, "difference_high": pl.Float64, "take_up": pl.Float64,
              "effect": pl.Float64, "effect_low": pl.Float64, "effect_high": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def campaign_calibration(conn: sa.Connection, filters: Filters) -> pl.DataFrame:
    """``calibrate`` on the store's past-campaign customers up to the chosen snapshot, per tier
    and pooled over tiers (tier 0)."""
    outcomes = read_frame(conn, campaign_outcomes(filters))
    if outcomes.height == 0:
        return calibrate(outcomes)
    pooled = (outcomes.group_by(["offer_id", "treated"])
              .agg(pl.col("customers").sum(), pl.col("accepted").sum(), pl.col("churned").sum())
              .with_columns(tier=pl.lit(0, dtype=outcomes.schema["tier"]))
              .select(outcomes.columns))
    return pl.concat([calibrate(outcomes), calibrate(pooled.sort(["offer_id", "treated"]))])


def calibrated_ranges(row: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    """(take-up range, effect range) from a calibration row, as 95 % intervals clipped to 0–1."""
    half = Z95 * math.sqrt(row["take_up"] * (1 - row["take_up"]) / row["treated"])
    take_up = (max(row["take_up"] - half, 0.0), min(row["take_up"] + half, 1.0))
    return take_up, effect_range(row)


def effect_range(row: dict) -> tuple[float, float]:
    """The calibrated effect interval clipped to shares 0–1, for the simulator's Beta."""
    low = min(max(row["effect_low"] or 0.0, 0.0), 1.0)
    high = min(max(row["effect_high"] or 0.0, 0.0), 1.0)
    return (low, high) if low <= high else (high, low)
