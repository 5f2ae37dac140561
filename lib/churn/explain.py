"""Why a churn model says what it says: global permutation importance and per-customer reasons.

Reasons are groups of related features named in plain words (``REASON_GROUPS``; the words
are the i18n keys ``churn_reason_<group>``). A customer's reason codes are the groups whose own
values raise their churn probability most against a typical customer who stayed: for each
group, the probability with the group's features set to the stayers' typical values
(``model.reference_``) is subtracted from the customer's probability. That difference is the
group's effect (share 0-1, e.g. 0.12 = 12 percentage points); the largest positive effects
above a floor are the reasons.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

from lib.churn.model import FEATURES

#: Reason groups, most actionable first: name -> features.
REASON_GROUPS: dict[str, tuple[str, ...]] = {
    "spend_trend": ("spend_trend", "spend_m1_to_avg", "spend_m1", "spend_m2", "spend_m3"),
    "complaints": ("complaints", "service_calls"),
    "arrears": ("arrears", "arrears_to_spend"),
    "tenure": ("tenure_months",),
    "usage": ("voice_minutes", "outgoing_calls", "sms", "data_gb", "roaming", "usage_per_spend"),
    "contract": ("contract", "payment_method"),
    "plan": ("brand", "plan"),
    "value": ("spend_avg_6m", "tier", "points", "key_person", "group_paid"),
    "profile": ("age", "gender", "province"),
}
_GROUP_OF = {feature: group for group, features in REASON_GROUPS.items() for feature in features}
assert set(_GROUP_OF) == set(FEATURES), set(FEATURES) ^ set(_GROUP_OF)

#: Separators of the stored reasons text: "spend_trend:0.120;complaints:0.051".
_ITEM, _PAIR = ";", ":"


def permutation_table(model, X: pd.DataFrame, y: np.ndarray, repeats: int = 3,
                      random_state: int = 0) -> pl.DataFrame:
    """Drop in ROC AUC when each feature is shuffled (``sklearn.inspection``), largest first.

    Columns: feature, group (its reason group), importance and importance_std (AUC points).
    """
    # Many small predictions: one OpenMP thread each is faster than two that wait for a busy
    # second core (measured here: 5x on a loaded 2-core machine).
    with threadpool_limits(limits=1, user_api="openmp"):
        result = permutation_importance(model.pipeline_, X[model.features_], y, scoring="roc_auc",
                                        n_repeats=repeats, random_state=random_state, n_jobs=1)
    return pl.DataFrame({
        "feature": model.features_,
        "group": [_GROUP_OF[n] for n in model.features_],
        "importance": result.importances_mean.astype(float),
        "importance_std": result.importances_std.astype(float),
    }).sort("importance", descending=True)


def group_effects(model, X: pd.DataFrame,
                  p: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Each row's churn probability and the effect of each reason group on it.

    Returns ``(p, effects, groups)``: probabilities (rows,), effects (rows, groups) as
    p minus the probability with the group's features at the stayers' typical values.
    ``p`` may be passed when already predicted.
    """
    p = model.predict_proba(X) if p is None else p
    groups = [g for g, features in REASON_GROUPS.items()
              if any(f in model.features_ for f in features)]
    effects = np.empty((len(X), len(groups)))
    for j, group in enumerate(groups):
        typical = X.copy(deep=False)
        for feature in REASON_GROUPS[group]:
            if feature in model.features_:
                typical[feature] = model.reference_[feature]
        effects[:, j] = p - model.predict_proba(typical)
    return p, effects, groups


def reason_codes(effects: np.ndarray, groups: list[str], top: int, min_effect: float) -> list[str]:
    """Stored reasons text per row: up to ``top`` groups with effect ≥ ``min_effect``, largest
    first, as ``"group:effect;group:effect"`` (effects rounded to 0.001); "" when none."""
    if not groups:
        return [""] * effects.shape[0]
    order = np.argsort(-effects, axis=1)[:, :top]
    picked = np.take_along_axis(effects, order, axis=1)
    names = np.asarray(groups, dtype=object)
    out = []
    for idx, values in zip(order, picked):
        out.append(_ITEM.join(f"{names[i]}{_PAIR}{v:.3f}" for i, v in zip(idx, values)
                              if v >= min_effect))
    return out


def parse_reasons(text: str | None) -> list[tuple[str, float]]:
    """``[(group, effect), …]`` from a stored reasons text."""
    if not text:
        return []
    pairs = []
    for item in text.split(_ITEM):
        group, _, value = item.partition(_PAIR)
        if group in REASON_GROUPS:
            pairs.append((group, float(value or 0)))
    return pairs
