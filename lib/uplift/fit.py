"""Choosing, validating and refusing an uplift model on one campaign's customers.

``fit_uplift(X, churned, treated, settings)`` is the honest-validation procedure:

1. Too few customers or churners in an arm (the rules' minimums): refused before any fit.
2. A stratified hold-out (``holdout_share`` of the customers, by arm and outcome) is put aside.
3. On the rest, each learner of ``lib.uplift.model.LEARNERS`` is cross-fitted (``cv_folds``
   folds, out-of-fold predictions) and the one with the higher out-of-fold Qini coefficient is
   chosen.
4. The chosen learner, refitted on the rest, ranks the held-out customers: Qini and uplift
   curves, coefficients, deciles, sleeping dogs, and the same for the risk-based ranking (a
   churn model, ``lib.churn.model.ChurnModel``, fitted on the same rows ignoring the arm).
5. Refused unless random rankings of the held-out customers reach its Qini coefficient in at
   most ``max_p_value`` of ``permutations`` shuffles.
6. Presented: the very model judged in 4 (not a refit on every customer): what the page
   shows for the hold-out is what targeting will use, and a refit would cost as much again.

Nothing here reads the store (``lib.uplift.train`` does).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import polars as pl
from sklearn.model_selection import StratifiedKFold, train_test_split

from lib.churn.model import ChurnModel
from lib.rules import Rules
from lib.uplift import metrics
from lib.uplift.model import LEARNERS

#: Shares of the ranking at which targeting returns are compared (top 20 %, top 50 %).
COMPARE_SHARES: tuple[float, ...] = (0.2, 0.5)


@dataclass(frozen=True)
class UpliftSettings:
    """The rules' ``[uplift_model]`` section, checked. Months, customers, shares 0-1."""

    horizon_months: int
    holdout_share: float
    cv_folds: int
    min_arm_customers: int
    min_arm_churners: int
    max_p_value: float
    permutations: int
    min_samples_leaf: int
    score_batch_rows: int
    random_state: int


_RANGES: dict[str, tuple[float, float]] = {
    "horizon_months": (1, 24), "holdout_share": (0.1, 0.5), "cv_folds": (2, 10),
    "min_arm_customers": (10, 10_000_000), "min_arm_churners": (5, 10_000_000),
    "max_p_value": (0.0001, 0.5), "permutations": (19, 10_000), "min_samples_leaf": (5, 100_000),
    "score_batch_rows": (1000, 5_000_000), "random_state": (0, 2**31 - 1),
}
_FLOATS = {"holdout_share", "max_p_value"}


def uplift_settings(rules: Rules) -> UpliftSettings:
    """Parse ``[uplift_model]`` (keys a saved rules version lacks come from the shipped rules).
    Raises ``RulesError("rules_bad_number")`` naming the key when a value is out of range
    (``rules_bad_integer`` for a count that is not whole), through ``lib.rules.reader``."""
    section = rules.read("uplift_model")
    values: dict[str, object] = {
        key: section.number(key, low, high) if key in _FLOATS else section.integer(key, low, high)
        for key, (low, high) in _RANGES.items()}
    return UpliftSettings(**values)


@dataclass(frozen=True)
class Refusal:
    """Why no uplift model may be presented: an i18n ``code`` and the numbers it quotes."""

    code: str
    params: dict[str, float | int | str]


@dataclass(frozen=True)
class Ranking:
    """How one ranking of the held-out customers targets: ``qini`` coefficient and ``auuc``
    (normalised, 0 random, 1 perfect) and churns prevented per targeted customer among the top
    ``COMPARE_SHARES`` (``prevented``: share → share 0-1, observed)."""

    qini: float
    auuc: float
    prevented: dict[str, float]


@dataclass
class Evaluation:
    """The chosen learner judged on held-out customers, against random and risk-based targeting.

    ``curves``: per ranking ("uplift", "risk") the Qini and uplift curves as
    ``x`` (customers targeted), ``qini`` and ``uplift`` (churns prevented); ``deciles``:
    ``metrics.uplift_deciles`` of the predicted uplift; ``p_value``: the permutation test's.
    """

    customers: int
    treated: int
    churned_treated: int
    churned_control: int
    model: Ranking
    risk: Ranking
    p_value: float
    deciles: pl.DataFrame
    sleeping_dogs: metrics.SleepingDogs
    curves: dict[str, dict[str, list[float]]]


@dataclass
class UpliftFit:
    """What ``fit_uplift`` found: counts, each learner's out-of-fold Qini coefficient, the chosen
    learner, its held-out evaluation, the refusal (None when presentable) and the model judged
    on the hold-out (None when refused)."""

    customers: int
    treated: int
    control: int
    churned_treated: int
    churned_control: int
    candidates: dict[str, float] = field(default_factory=dict)
    learner: str | None = None
    evaluation: Evaluation | None = None
    refusal: Refusal | None = None
    model: object | None = None


def _ranking(y: np.ndarray, t: np.ndarray, score: np.ndarray) -> Ranking:
    return Ranking(qini=metrics.qini_coefficient(y, t, score), auuc=metrics.uplift_auc(y, t, score),
                   prevented={f"{s:g}": metrics.prevented_at(y, t, score, s) for s in COMPARE_SHARES})


def _curves(y: np.ndarray, t: np.ndarray, score: np.ndarray) -> dict[str, list[float]]:
    x, q = metrics.qini_curve(y, t, score)
    _, u = metrics.uplift_curve(y, t, score)
    # at most ~200 points: the page draws them, the card stores them
    keep = np.unique(np.r_[np.linspace(0, x.size - 1, min(x.size, 200)).round().astype(int)])
    return {"x": x[keep].astype(float).tolist(), "qini": q[keep].tolist(), "uplift": u[keep].tolist()}


def _out_of_fold(name: str, X: pd.DataFrame, y: np.ndarray, t: np.ndarray,
                 settings: UpliftSettings) -> np.ndarray:
    folds = StratifiedKFold(settings.cv_folds, shuffle=True, random_state=settings.random_state)
    out = np.zeros(y.size)
    for fit_rows, test_rows in folds.split(X, 2 * t + y):
        model = LEARNERS[name](settings.min_samples_leaf, settings.random_state)
        model.fit(X.iloc[fit_rows], y[fit_rows], t[fit_rows])
        out[test_rows] = model.predict_uplift(X.iloc[test_rows])
    return out


def _too_small(fit: UpliftFit, settings: UpliftSettings) -> Refusal | None:
    if min(fit.treated, fit.control) < settings.min_arm_customers:
        return Refusal("uplift_refused_few_customers",
                       {"treated": fit.treated, "control": fit.control,
                        "minimum": settings.min_arm_customers})
    if min(fit.churned_treated, fit.churned_control) < settings.min_arm_churners:
        return Refusal("uplift_refused_few_churners",
                       {"treated": fit.churned_treated, "control": fit.churned_control,
                        "minimum": settings.min_arm_churners})
    return None


def fit_uplift(X: pd.DataFrame, churned: np.ndarray, treated: np.ndarray,
               settings: UpliftSettings) -> UpliftFit:
    """Choose, judge and fit an uplift model on one campaign's customers (see the module).

    ``X``: ``lib.churn.model.feature_frame`` of the customers as of before contact; ``churned``
    1 when they churned within the horizon; ``treated`` 1 contacted, 0 control.
    """
    y = np.asarray(churned, dtype=np.int8)
    t = np.asarray(treated, dtype=np.int8)
    fit = UpliftFit(customers=int(y.size), treated=int(t.sum()), control=int((1 - t).sum()),
                    churned_treated=int(y[t == 1].sum()), churned_control=int(y[t == 0].sum()))
    fit.refusal = _too_small(fit, settings)
    if fit.refusal is not None:
        return fit
    rows = np.arange(y.size)
    train, hold = train_test_split(rows, test_size=settings.holdout_share, stratify=2 * t + y,
                                   random_state=settings.random_state)
    X_train, y_train, t_train = X.iloc[train], y[train], t[train]
    fit.candidates = {name: metrics.qini_coefficient(
        y_train, t_train, _out_of_fold(name, X_train, y_train, t_train, settings))
        for name in LEARNERS}
    fit.learner = max(fit.candidates, key=lambda name: np.nan_to_num(fit.candidates[name], nan=-np.inf))
    chosen = LEARNERS[fit.learner](settings.min_samples_leaf, settings.random_state)
    chosen.fit(X_train, y_train, t_train)
    uplift = chosen.predict_uplift(X.iloc[hold])
    risk = ChurnModel(random_state=settings.random_state).fit(X_train, y_train).predict_proba(X.iloc[hold])
    y_hold, t_hold = y[hold], t[hold]
    p_value = metrics.permutation_p_value(y_hold, t_hold, uplift, settings.permutations,
                                          settings.random_state)
    fit.evaluation = Evaluation(
        customers=int(hold.size), treated=int(t_hold.sum()),
        churned_treated=int(y_hold[t_hold == 1].sum()), churned_control=int(y_hold[t_hold == 0].sum()),
        model=_ranking(y_hold, t_hold, uplift), risk=_ranking(y_hold, t_hold, risk), p_value=p_value,
        deciles=metrics.uplift_deciles(y_hold, t_hold, uplift),
        sleeping_dogs=metrics.sleeping_dogs(y_hold, t_hold, uplift),
        curves={"uplift": _curves(y_hold, t_hold, uplift), "risk": _curves(y_hold, t_hold, risk)})
    if p_value > settings.max_p_value or not fit.evaluation.model.qini > 0:
        fit.refusal = Refusal("uplift_refused_not_better",
                              {"qini": round(fit.evaluation.model.qini, 4), "p_value": round(p_value, 4),
                               "max_p_value": settings.max_p_value, "customers": int(hold.size)})
        return fit
    fit.model = chosen
    return fit
