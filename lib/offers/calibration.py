"""What a past campaign says about take-up and effect, from its randomised control group.

Per offer and tier: churn of the control group p_c and of the treated group p_t (intention to
treat), their difference p_c − p_t with Newcombe's hybrid score interval, take-up among the
treated with its Wilson interval, and the effect among takers as the catalogue means it
(relative churn reduction): (p_c − p_t) / (take-up · p_c), the treated-group difference scaled
to the customers who actually took the offer (Bloom's estimator). Interval of the effect: the
difference's interval scaled the same way.

Intervals. Wald intervals (p ± z·√(p(1−p)/n)) collapse to a point when a group has no churner
and overshoot [0, 1] on small groups; Newcombe (1998), "Interval estimation for the difference
between independent proportions: comparison of eleven methods", Statistics in Medicine 17:
873–890, method 10, combines the two groups' Wilson score intervals (l₁, u₁), (l₂, u₂):

    δ = p₁ − p₂,   L = δ − √((p₁ − l₁)² + (u₂ − p₂)²),   U = δ + √((u₁ − p₁)² + (p₂ − l₂)²)

which stays inside [−1, 1] and has close to its nominal coverage at small counts.

Which campaigns are offered. Even a good interval cannot turn three control customers into an
effect: a calibration is offered only when each arm has at least ``[operations]
calibration_min_arm_customers`` customers, the control group at least
``calibration_min_control_churners`` churners (the effect divides by the control's churn) and
someone took the offer. Other rows keep their counts and say why (``refusal``) instead of numbers.

The effect of a catalogue range is a share 0–1: an estimate or interval end outside is clipped
to it, and ``effect_clipped`` says so. The Offers page computes the intervals at
``lib.offers.roi.RANGE_COVERAGE``, the coverage the catalogue's ranges are read at, so a calibrated
range enters the simulator's Beta at the coverage it was built for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import polars as pl
import sqlalchemy as sa

from lib.offers.roi import RANGE_COVERAGE
from lib.store.filters import Filters
from lib.offers.queries import campaign_outcomes
from lib.rules import Rules, default_rules
from lib.store import read_frame

#: Coverage of the intervals of a measured result (Call-back plans page, Overview).
MEASURED_COVERAGE = 0.95
#: Reasons a calibration is refused, in the order they are checked.
REFUSALS: tuple[str, ...] = ("control_too_small", "treated_too_small", "control_churners_too_few",
                             "no_takers")

SCHEMA: dict[str, pl.DataType] = {
    "offer_id": pl.String(), "tier": pl.Int64(), "control": pl.Int64(), "treated": pl.Int64(),
    "control_churned": pl.Int64(), "treated_churned": pl.Int64(), "accepted": pl.Int64(),
    "churn_control": pl.Float64(), "churn_treated": pl.Float64(), "difference": pl.Float64(),
    "difference_low": pl.Float64(), "difference_high": pl.Float64(), "take_up": pl.Float64(),
    "take_up_low": pl.Float64(), "take_up_high": pl.Float64(), "effect": pl.Float64(),
    "effect_low": pl.Float64(), "effect_high": pl.Float64(), "effect_clipped": pl.Boolean(),
    "coverage": pl.Float64(), "refusal": pl.String()}


@dataclass(frozen=True)
class CalibrationMinimum:
    """Smallest campaign a calibration is offered from: customers in each arm (treated and
    control), and churners in the control group."""

    arm_customers: int
    control_churners: int


def calibration_minimum(rules: Rules) -> CalibrationMinimum:
    """``[operations] calibration_min_arm_customers`` and ``calibration_min_control_churners``
    (the shipped values when a saved rules version lacks them)."""
    section = rules.read("operations")
    return CalibrationMinimum(section.integer("calibration_min_arm_customers", 1, 1_000_000),
                              section.integer("calibration_min_control_churners", 1, 1_000_000))


def _z(coverage: float) -> float:
    """z of a central interval of ``coverage`` (share 0–1)."""
    return NormalDist().inv_cdf((1 + coverage) / 2)


def wilson_interval(successes: int, n: int, coverage: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval of the share ``successes / n`` (``n`` > 0):
    (x + z²/2 ± z·√(x(n − x)/n + z²/4)) / (n + z²)."""
    z = _z(coverage)
    centre = (successes + z * z / 2) / (n + z * z)
    half = z * math.sqrt(successes * (n - successes) / n + z * z / 4) / (n + z * z)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int,
                      coverage: float = 0.95) -> tuple[float, float]:
    """Newcombe's (1998, method 10) hybrid score interval of ``x1/n1 − x2/n2`` (see the module
    doc); both ``n`` > 0."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, coverage)
    l2, u2 = wilson_interval(x2, n2, coverage)
    difference = p1 - p2
    return (difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def refusal(control: int, treated: int, control_churned: int, accepted: int,
            minimum: CalibrationMinimum) -> str | None:
    """The first reason (``REFUSALS``) not to calibrate from these counts, None when fine."""
    if control < minimum.arm_customers:
        return "control_too_small"
    if treated < minimum.arm_customers:
        return "treated_too_small"
    if control_churned < minimum.control_churners:
        return "control_churners_too_few"
    if accepted == 0:
        return "no_takers"
    return None


def _clip(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def calibrate(outcomes: pl.DataFrame, minimum: CalibrationMinimum | None = None,
              coverage: float = MEASURED_COVERAGE) -> pl.DataFrame:
    """One row per offer and tier with both groups present (``SCHEMA``): counts, churn shares
    (0–1), the difference p_c − p_t with its Newcombe interval, take-up with its Wilson
    interval, and the effect among takers with its interval, clipped to 0–1 (``effect_clipped``
    when any of the three was outside), all at ``coverage``.

    With ``minimum``, a row that falls short of it keeps only its counts and gives its
    ``refusal``; without, every row is measured (a plan's result) and the effect is null where
    no control customer churned or nobody took the offer.
    """
    rows = []
    for (offer_id, tier), group in outcomes.group_by(["offer_id", "tier"], maintain_order=True):
        treated = group.filter(pl.col("treated"))
        control = group.filter(~pl.col("treated"))
        if treated.height == 0 or control.height == 0:
            continue
        n_t, n_c = int(treated["customers"][0]), int(control["customers"][0])
        x_t, x_c = int(treated["churned"][0]), int(control["churned"][0])
        accepted = int(treated["accepted"][0])
        row = {"offer_id": offer_id, "tier": tier, "control": n_c, "treated": n_t,
               "control_churned": x_c, "treated_churned": x_t, "accepted": accepted, "coverage": coverage,
               "refusal": refusal(n_c, n_t, x_c, accepted, minimum) if minimum else None}
        if row["refusal"] is None and n_t > 0 and n_c > 0:
            row.update(_estimates(n_c, x_c, n_t, x_t, accepted, coverage))
        rows.append(row)
    return pl.DataFrame(rows, schema=SCHEMA)


def _estimates(n_c: int, x_c: int, n_t: int, x_t: int, accepted: int, coverage: float) -> dict:
    p_c, p_t, take_up = x_c / n_c, x_t / n_t, accepted / n_t
    difference = p_c - p_t
    low, high = newcombe_interval(x_c, n_c, x_t, n_t, coverage)
    take_low, take_high = wilson_interval(accepted, n_t, coverage)
    out = {"churn_control": p_c, "churn_treated": p_t, "difference": difference,
           "difference_low": low, "difference_high": high, "take_up": take_up,
           "take_up_low": take_low, "take_up_high": take_high}
    scale = take_up * p_c
    if scale > 0:
        raw = (difference / scale, low / scale, high / scale)
        out.update(effect=_clip(raw[0]), effect_low=_clip(raw[1]), effect_high=_clip(raw[2]),
                   effect_clipped=any(not 0.0 <= v <= 1.0 for v in raw))
    return out


def campaign_calibration(conn: sa.Connection, filters: Filters, rules: Rules | None = None) -> pl.DataFrame:
    """``calibrate`` on the store's past-campaign customers up to the chosen snapshot, per tier
    and pooled over tiers (tier 0), at the catalogue ranges' coverage, with the ``rules``'
    minimum (the shipped rules' when None)."""
    minimum = calibration_minimum(rules or default_rules())
    outcomes = read_frame(conn, campaign_outcomes(filters))
    if outcomes.height == 0:
        return calibrate(outcomes, minimum, RANGE_COVERAGE)
    pooled = (outcomes.group_by(["offer_id", "treated"])
              .agg(pl.col("customers").sum(), pl.col("accepted").sum(), pl.col("churned").sum())
              .with_columns(tier=pl.lit(0, dtype=outcomes.schema["tier"]))
              .select(outcomes.columns))
    return pl.concat([calibrate(outcomes, minimum, RANGE_COVERAGE),
                      calibrate(pooled.sort(["offer_id", "treated"]), minimum, RANGE_COVERAGE)])


def calibrated_ranges(row: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    """(take-up range, effect range) from an offered calibration row: its intervals, at the
    row's ``coverage``, the effect's clipped to shares 0–1."""
    if row.get("refusal") or row.get("effect_low") is None:
        raise ValueError(f"calibration row {row.get('offer_id')} is not offered: {row.get('refusal')}")
    return (row["take_up_low"], row["take_up_high"]), effect_range(row)


def effect_range(row: dict) -> tuple[float, float]:
    """The calibrated effect interval as shares 0–1, for the simulator's Beta."""
    low = _clip(row["effect_low"] or 0.0)
    high = _clip(row["effect_high"] or 0.0)
    return (low, high) if low <= high else (high, low)
