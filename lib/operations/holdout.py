"""The hold-out design of a call-back plan: its size by a power calculation, and its draw.

Hold-out size: a power calculation for the two-sided comparison of two proportions proposes
the smallest hold-out that detects the analyst's target effect; the analyst may override it.

Normal approximation (Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions*,
3rd ed., 2003, §4.2; R's ``power.prop.test`` for r = 1). Hold-out arm n₁ customers with churn
p₁ (the baseline), treated arm n₂ = r·n₁ with churn p₂ = p₁ − δ (δ the target effect),
p̄ = (p₁ + r·p₂)/(1 + r), q = 1 − p::

    n₁ = [ z₁₋α/₂ √((1 + 1/r) p̄ q̄) + z₁₋β √(p₁q₁ + p₂q₂/r) ]² / δ²

With the continuity correction of Fleiss, Tytun & Ury (1980, *Biometrics* 36:343-346)::

    n₁' = n₁/4 · [ 1 + √(1 + 2(r + 1)/(n₁ r δ)) ]²

(for r = 1 the familiar n' = n/4 [1 + √(1 + 4/(n δ))]²). Power of arms (n₁, n₂) is the
inverse: Φ((δ − c − z₁₋α/₂ √(p̄q̄(1/n₁ + 1/n₂))) / √(p₁q₁/n₁ + p₂q₂/n₂)) with p̄ here the
pooled (n₁p₁ + n₂p₂)/(n₁ + n₂) and c = (1/n₁ + 1/n₂)/2 with the correction, 0 without.
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import norm

from lib.operations.settings import OperationsError, OperationsSettings


# --- power calculation -------------------------------------------------------------------------

def _check_rates(baseline: float, effect: float) -> tuple[float, float]:
    treated = baseline - effect
    if not 0 < baseline < 1 or not 0 < effect < 1 or not 0 < treated < 1:
        raise OperationsError("ops_bad_effect", baseline=round(baseline * 100, 1),
                              effect=round(effect * 100, 1))
    return baseline, treated


def holdout_size_needed(baseline: float, effect: float, alpha: float, power: float,
                        ratio: float | np.ndarray = 1.0, continuity_correction: bool = True) -> float | np.ndarray:
    """Hold-out customers n₁ needed (not rounded) when the treated arm is ``ratio`` × as large.

    Parameters
    ----------
    baseline : churn rate expected without contact, p₁ (share 0-1).
    effect : absolute churn reduction to detect, δ (share 0-1); treated churn p₂ = p₁ − δ.
    alpha : two-sided significance level (0-1).
    power : chance of detecting δ if it is real, 1 − β (0-1).
    ratio : r = n₂ / n₁, treated per hold-out customer (> 0; an array gives an array);
        1 = equal arms.
    continuity_correction : apply Fleiss, Tytun & Ury's correction (module docstring).
    """
    p1, p2 = _check_rates(baseline, effect)
    r = np.asarray(ratio, dtype=float)
    z_a, z_b = norm.ppf(1 - alpha / 2), norm.ppf(power)
    p_bar = (p1 + r * p2) / (1 + r)
    n = (z_a * np.sqrt((1 + 1 / r) * p_bar * (1 - p_bar))
         + z_b * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / r)) ** 2 / effect ** 2
    if continuity_correction:
        n = n / 4 * (1 + np.sqrt(1 + 2 * (r + 1) / (n * r * effect))) ** 2
    return float(n) if n.ndim == 0 else n


def power_of(holdout: int, treated: int, baseline: float, effect: float, alpha: float,
             continuity_correction: bool = True) -> float:
    """Power (0-1) of the two-sided test with ``holdout`` and ``treated`` customers (counts)."""
    p1, p2 = _check_rates(baseline, effect)
    if holdout < 1 or treated < 1:
        return 0.0
    n1, n2 = float(holdout), float(treated)
    pooled = (n1 * p1 + n2 * p2) / (n1 + n2)
    correction = (1 / n1 + 1 / n2) / 2 if continuity_correction else 0.0
    null_sd = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    alt_sd = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return float(norm.cdf((effect - correction - norm.ppf(1 - alpha / 2) * null_sd) / alt_sd))


@dataclass(frozen=True)
class PowerProposal:
    """The proposed hold-out of a list of ``customers``.

    ``holdout`` is the smallest hold-out (customers) whose test against the rest of the list
    reaches ``power``; when even an even split cannot, ``enough`` is False and ``holdout`` is
    the rules' default share of the list. ``per_arm_equal`` is n per arm with equal arms and
    ``list_needed`` the list size that would suffice (2 × per_arm_equal). ``achieved_power`` is
    the power of the proposed split.
    """

    customers: int
    baseline: float
    effect: float
    alpha: float
    power: float
    continuity_correction: bool
    per_arm_equal: int
    list_needed: int
    holdout: int
    enough: bool
    achieved_power: float


def propose_holdout(customers: int, baseline: float, effect: float,
                    settings: OperationsSettings) -> PowerProposal:
    """Smallest hold-out h of a list of ``customers`` with power(h, customers − h) ≥ target.

    Solved exactly on the closed form: for each h ≤ customers/2 the treated/hold-out ratio is
    r = (customers − h)/h and h suffices when h ≥ n₁(r) (``holdout_size_needed``).
    """
    alpha, power, cc = settings.alpha, settings.power, settings.continuity_correction
    per_arm = math.ceil(holdout_size_needed(baseline, effect, alpha, power, 1.0, cc))
    sizes = np.arange(1, customers // 2 + 1)
    chosen = None
    if sizes.size:
        needed = holdout_size_needed(baseline, effect, alpha, power, (customers - sizes) / sizes, cc)
        enough_at = np.flatnonzero(sizes >= np.asarray(needed) - 1e-9)
        chosen = int(sizes[enough_at[0]]) if enough_at.size else None
    enough = chosen is not None
    if not enough:
        chosen = min(customers, max(1, round(customers * settings.default_holdout_share))) if customers else 0
    achieved = power_of(chosen, customers - chosen, baseline, effect, alpha, cc) if customers else 0.0
    return PowerProposal(customers, baseline, effect, alpha, power, cc, per_arm, 2 * per_arm,
                         chosen, enough, achieved)


# --- the hold-out -------------------------------------------------------------------------------

#: What the plan form lets an analyst type, in percent: a baseline churn strictly between 0 and
#: 100 %, and an effect (absolute reduction) up to half the base (larger effects are not
#: what a call-back campaign achieves; the power calculation needs effect < baseline).
BASELINE_PERCENT_RANGE = (0.1, 99.9)
EFFECT_PERCENT_RANGE = (0.1, 50.0)

#: Seeds a plan's hold-out draw may take (numpy accepts any non-negative int; kept to what a
#: 32-bit signed integer column and a form's number input hold).
SEED_MIN, SEED_MAX = 1, 2**31 - 1


def new_seed() -> int:
    """A fresh random seed in [SEED_MIN, SEED_MAX] for a new plan's hold-out draw."""
    return SEED_MIN + secrets.randbelow(SEED_MAX - SEED_MIN + 1)


def draw_holdout(customer_ids: list[str] | pl.Series, size: int, seed: int) -> frozenset[str]:
    """The hold-out: ``size`` distinct customers drawn at random with ``seed``.

    Ids are de-duplicated and sorted first, so the same seed and the same customers give the
    same hold-out whatever their order (numpy's PCG64 generator, stable across versions).
    """
    ids = sorted(set(customer_ids))
    if not 0 <= size <= len(ids):
        raise OperationsError("ops_bad_holdout", size=size, customers=len(ids))
    picks = np.random.default_rng(seed).choice(len(ids), size=size, replace=False)
    return frozenset(ids[i] for i in picks)
