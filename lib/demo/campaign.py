"""A simulated randomised retention campaign with known per-customer effects (tests, bench).

Customers have contract features drawn independently; their churn probability if left alone
(``p_control``) and if contacted (``p_treated``) follow four documented groups, chosen so that
churn risk and uplift are *not* aligned (the riskiest customers are lost causes and sleeping
dogs):

* lost causes: ``arrears > 0`` (already in a suspension spell): churn 0.55 whether contacted or
  not (effect 0);
* sleeping dogs: not lost, ``complaints >= 2``: churn 0.30 if left alone, 0.45 if contacted
  (effect -0.15, contact raises churn);
* persuadables: neither, spend fell (``spend_m1 < 0.8 * spend_avg_6m``): churn 0.25 alone,
  0.08 contacted (effect +0.17);
* the rest: churn 0.06 alone, 0.05 contacted (effect +0.01).

``effect`` = p_control - p_treated (the churn reduction if treated, share 0-1).
"""
from __future__ import annotations

import numpy as np
import polars as pl

GROUPS = {"lost_cause": (0.55, 0.55), "sleeping_dog": (0.30, 0.45),
          "persuadable": (0.25, 0.08), "rest": (0.06, 0.05)}


def simulated_campaign(customers: int, treated_share: float = 0.5, seed: int = 0,
                       effects: bool = True) -> pl.DataFrame:
    """Frame of ``customers`` campaign customers: contract columns, ``group``, ``p_control``,
    ``p_treated``, ``effect`` (true churn reduction if treated), ``treated`` (0/1, random with
    ``treated_share``) and ``churned`` (0/1 drawn from the arm's probability). With
    ``effects=False`` every group's contacted probability equals its control one (no effect)."""
    rng = np.random.default_rng(seed)
    n = customers
    avg = np.exp(rng.normal(4.5, 0.5, n))
    spend_m1 = avg * rng.uniform(0.5, 1.3, n)
    complaints = rng.poisson(0.5, n)
    arrears = np.where(rng.random(n) < 0.12, rng.uniform(20, 200, n), 0.0)
    group = np.select([arrears > 0, complaints >= 2, spend_m1 < 0.8 * avg],
                      ["lost_cause", "sleeping_dog", "persuadable"], "rest")
    p_c = np.array([GROUPS[g][0] for g in group])
    p_t = np.array([GROUPS[g][1] for g in group]) if effects else p_c
    treated = (rng.random(n) < treated_share).astype(np.int8)
    churned = (rng.random(n) < np.where(treated == 1, p_t, p_c)).astype(np.int8)
    return pl.DataFrame({
        "customer_id": pl.int_range(n, eager=True).cast(pl.String).str.zfill(8),
        "tenure_months": rng.integers(1, 120, n).astype(float), "spend_m1": spend_m1,
        "spend_avg_6m": avg, "complaints": complaints.astype(float), "arrears": arrears,
        "age": rng.integers(18, 75, n).astype(float), "tier": rng.integers(3, 7, n).astype(float),
        "brand": rng.choice(["全球通", "动感地带", "神州行"], n),
        "group": group, "p_control": p_c, "p_treated": p_t, "effect": p_c - p_t,
        "treated": treated, "churned": churned,
    })
