"""Churn risk: the leak-free feature set, the model and its baseline, and how they are judged.

``ChurnModel`` (scikit-learn ``HistGradientBoostingClassifier``) and ``BaselineModel``
(logistic regression) share one shape: ``fit(X, y)`` on a frame made by ``feature_frame``,
then ``predict_proba(X)`` gives the churn probability (share 0-1) over the horizon the labels
were made with. ``evaluate``, ``decile_table`` and ``calibration_table`` judge predictions;
``refusal`` says when a model must not be presented. Nothing here reads the store.

Features are an explicit allow-list (``FEATURES``): contract fields known at the snapshot and
columns derived from them. ``feature_frame`` builds the model's input from those names only,
so a column that carries the label (churn date, type, reason or month, the churned flag, the
stage "churned") cannot reach a model whatever the frame it is given holds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
from sklearn.calibration import calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from lib.churn.queries import FEATURE_SOURCE_COLUMNS, LABEL_COLUMNS
from lib.rules import Rules

#: Categorical contract fields the model reads.
CATEGORICAL_FEATURES: tuple[str, ...] = ("brand", "plan", "contract", "payment_method", "province",
                                         "gender")
#: Columns derived here from the allow-listed ones (ratios a person would look at).
DERIVED_FEATURES: tuple[str, ...] = ("spend_m1_to_avg", "arrears_to_spend", "usage_per_spend")
NUMERIC_FEATURES: tuple[str, ...] = tuple(
    name for name in FEATURE_SOURCE_COLUMNS if name not in CATEGORICAL_FEATURES
) + DERIVED_FEATURES
#: Every feature a model may use, numeric first.
FEATURES: tuple[str, ...] = NUMERIC_FEATURES + CATEGORICAL_FEATURES
#: Never features: the label and what is known only after it, identifiers and dates.
EXCLUDED: frozenset[str] = LABEL_COLUMNS | {
    "churned_later", "involuntary_later", "customer_id", "snapshot_date", "snapshot_month",
    "join_date", "join_month", "offer_id", "treated", "accepted", "contact_date",
}
assert not EXCLUDED & set(FEATURES)

#: Categories kept per categorical feature (rarer ones are pooled).
MAX_CATEGORIES = 60


@dataclass(frozen=True)
class ChurnSettings:
    """The rules' ``[churn_model]`` section, checked. Months, rows, shares 0-1."""

    horizon_months: int
    sample_rows: int
    train_snapshots: int
    cv_folds: int
    min_train_churners: int
    min_test_churners: int
    min_auc_gain: float
    exclude_involuntary: bool
    score_batch_rows: int
    reasons_per_customer: int
    reason_min_effect: float
    reasons_top_share: float
    random_state: int
    from_defaults: bool = False


_SETTINGS_RANGES: dict[str, tuple[float, float]] = {
    "horizon_months": (1, 24), "sample_rows": (1000, 5_000_000), "train_snapshots": (1, 24),
    "cv_folds": (2, 20), "min_train_churners": (1, 1_000_000),
    "min_test_churners": (1, 1_000_000), "min_auc_gain": (0, 0.5),
    "score_batch_rows": (1000, 5_000_000), "reasons_per_customer": (1, 5),
    "reason_min_effect": (0, 0.5), "reasons_top_share": (0, 1),
    "random_state": (0, 2**31 - 1),
}


_FLOAT_SETTINGS = {"min_auc_gain", "reason_min_effect", "reasons_top_share"}


def churn_settings(rules: Rules) -> ChurnSettings:
    """Parse the ``[churn_model]`` section of ``rules``.

    Read with the policy of ``lib.rules.reader``: keys a saved version lacks take the shipped
    values (``from_defaults`` True when the version lacks the whole section); a value out of
    range raises ``RulesError("rules_bad_number" / "rules_bad_integer" / "rules_bad_flag")``
    naming the key.
    """
    section = rules.read("churn_model")
    values: dict[str, object] = {
        key: section.number(key, low, high) if key in _FLOAT_SETTINGS else section.integer(key, low, high)
        for key, (low, high) in _SETTINGS_RANGES.items()}
    return ChurnSettings(**values, exclude_involuntary=section.flag("exclude_involuntary"),
                         from_defaults=section.absent)


def feature_frame(frame: pl.DataFrame) -> pd.DataFrame:
    """The model input for ``frame``: exactly ``FEATURES``, in that order.

    Only allow-listed columns are read (absent ones become missing values); every other
    column of ``frame`` is ignored, so nothing outside the allow-list can leak in. Numbers
    and flags become float64, categories text; missing is NaN.
    """
    present = [name for name in FEATURE_SOURCE_COLUMNS if name in frame.columns]
    work = frame.select(present).with_columns(
        [pl.lit(None, dtype=pl.Float64).alias(n) for n in FEATURE_SOURCE_COLUMNS
         if n not in present and n not in CATEGORICAL_FEATURES]
        + [pl.lit(None, dtype=pl.String).alias(n) for n in CATEGORICAL_FEATURES if n not in present]
    )
    numeric = [n for n in NUMERIC_FEATURES if n not in DERIVED_FEATURES]
    work = work.with_columns(
        [pl.col(n).cast(pl.Float64) for n in numeric]
        + [pl.col(n).cast(pl.String) for n in CATEGORICAL_FEATURES]
    )
    avg = pl.col("spend_avg_6m")
    usage = pl.col("voice_minutes").fill_null(0) + pl.col("data_gb").fill_null(0) * 100
    work = work.with_columns(
        spend_m1_to_avg=pl.when(avg > 0).then(pl.col("spend_m1") / avg),
        arrears_to_spend=pl.when(avg > 0).then(pl.col("arrears") / avg),
        usage_per_spend=pl.when(pl.col("spend_m1") > 0).then(usage / pl.col("spend_m1")),
    ).select(FEATURES)
    out = work.to_pandas()
    for name in NUMERIC_FEATURES:
        out[name] = out[name].astype("float64")
    for name in CATEGORICAL_FEATURES:
        out[name] = out[name].astype(object).where(out[name].notna(), np.nan)
    return out


class _Model:
    """Shared shape of the churn model and its baseline."""

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def _pipeline(self, numeric: list[str], categorical: list[str]) -> Pipeline:
        raise NotImplementedError

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> "_Model":
        """Learn from ``X`` (a ``feature_frame``) and labels ``y`` (1 = churned).

        Features with no value at all in ``X`` are left out (``features_``); the typical
        value of every feature among non-churners is kept (``reference_``) for reason codes.
        """
        y = np.asarray(y, dtype=np.int8)
        start = time.perf_counter()
        usable = [n for n in FEATURES if n in X.columns and X[n].notna().any()]
        self.numeric_ = [n for n in usable if n in NUMERIC_FEATURES]
        self.categorical_ = [n for n in usable if n in CATEGORICAL_FEATURES]
        self.features_ = self.categorical_ + self.numeric_
        self.pipeline_ = self._pipeline(self.numeric_, self.categorical_)
        self.pipeline_.fit(X[self.features_], y)
        stayers = X.loc[y == 0, self.features_] if (y == 0).any() else X[self.features_]
        self.reference_ = {n: float(stayers[n].median()) for n in self.numeric_}
        self.reference_.update({n: (stayers[n].mode().iloc[0] if stayers[n].notna().any()
                                    else np.nan) for n in self.categorical_})
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Churn probability over the label horizon (share 0-1), one per row."""
        return self.pipeline_.predict_proba(X[self.features_])[:, 1]


class ChurnModel(_Model):
    """Gradient boosting (``HistGradientBoostingClassifier``) on the allow-listed features;
    categories are ordinal-coded and split natively, missing values handled by the trees.

    Example
    -------
    >>> model = ChurnModel(random_state=7).fit(feature_frame(train), labels)  # doctest: +SKIP
    >>> model.predict_proba(feature_frame(rows))                              # doctest: +SKIP
    """

    def __init__(self, random_state: int = 0, max_iter: int = 150, learning_rate: float = 0.1) -> None:
        super().__init__(random_state)
        self.max_iter = max_iter
        self.learning_rate = learning_rate

    def _pipeline(self, numeric: list[str], categorical: list[str]) -> Pipeline:
        encode = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                encoded_missing_value=np.nan, max_categories=MAX_CATEGORIES)
        prepare = ColumnTransformer([("cat", encode, categorical)], remainder="passthrough",
                                    verbose_feature_names_out=False)
        boost = HistGradientBoostingClassifier(
            # Shallow trees: the same customers recur across training snapshots, so the
            # early-stopping split (by row) flatters deep trees that learn individuals.
            learning_rate=self.learning_rate, max_iter=self.max_iter, max_depth=3,
            min_samples_leaf=200, l2_regularization=1.0, early_stopping=True,
            validation_fraction=0.15, n_iter_no_change=20, scoring="loss",
            categorical_features=list(range(len(categorical))) or None,
            random_state=self.random_state,
        )
        return Pipeline([("prepare", prepare), ("boost", boost)])


class BaselineModel(_Model):
    """Logistic regression on standardised numbers (median-imputed, with missing flags) and
    one-hot categories: the yardstick a churn model must beat."""

    def _pipeline(self, numeric: list[str], categorical: list[str]) -> Pipeline:
        numbers = Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True)),
                            ("scale", StandardScaler())])
        categories = Pipeline([("impute", SimpleImputer(strategy="constant", fill_value="(none)")),
                               ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                                        max_categories=30))])
        prepare = ColumnTransformer([("num", numbers, numeric), ("cat", categories, categorical)])
        return Pipeline([("prepare", prepare),
                         ("logit", LogisticRegression(max_iter=1000, C=1.0))])


@dataclass(frozen=True)
class Metrics:
    """How well predictions rank churners: ROC AUC and PR AUC (0-1), the churners' share
    (``base_rate``) and top-decile lift (churn rate in the riskiest 10 % over the base rate)."""

    rows: int
    churners: int
    base_rate: float
    roc_auc: float
    pr_auc: float
    top_decile_lift: float


def evaluate(y: np.ndarray, p: np.ndarray) -> Metrics:
    """Metrics of probabilities ``p`` against labels ``y`` (scikit-learn's AUC definitions)."""
    y = np.asarray(y, dtype=np.int8)
    deciles = decile_table(y, p)
    return Metrics(rows=int(y.size), churners=int(y.sum()), base_rate=float(y.mean()),
                   roc_auc=float(roc_auc_score(y, p)), pr_auc=float(average_precision_score(y, p)),
                   top_decile_lift=float(deciles["lift"][0]))


def risk_deciles(p: np.ndarray) -> np.ndarray:
    """Risk decile 1-10 of each probability (10 = the riskiest tenth), by rank so that every
    decile holds the same number of customers (±1) even when probabilities tie."""
    order = np.argsort(-np.asarray(p), kind="stable")
    ranks = np.empty(order.size, dtype=np.int64)
    ranks[order] = np.arange(order.size)
    return (10 - ranks * 10 // max(order.size, 1)).astype(np.int16)


def decile_table(y: np.ndarray, p: np.ndarray) -> pl.DataFrame:
    """Lift and cumulative gains by risk decile, riskiest first.

    Columns: decile (10 … 1), customers, churners, churn_rate (share), lift (churn rate over
    the base rate), customer_share and gain (cumulative shares of customers and of churners
    reached by calling from the top down to this decile).
    """
    frame = pl.DataFrame({"decile": risk_deciles(p), "y": np.asarray(y, dtype=np.int64)})
    table = frame.group_by("decile").agg(customers=pl.len(), churners=pl.col("y").sum()).sort(
        "decile", descending=True)
    total, churners = table["customers"].sum(), max(int(table["churners"].sum()), 1)
    base = churners / max(total, 1)
    return table.with_columns(
        churn_rate=pl.col("churners") / pl.col("customers"),
    ).with_columns(
        lift=pl.col("churn_rate") / base,
        customer_share=pl.col("customers").cum_sum() / total,
        gain=pl.col("churners").cum_sum() / churners,
    ).with_columns(pl.col("decile").cast(pl.Int64), pl.col("customers").cast(pl.Int64),
                   pl.col("churners").cast(pl.Int64))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pl.DataFrame:
    """Observed churn share against mean predicted probability in ``bins`` equal-count bins
    (``sklearn.calibration.calibration_curve``, quantile strategy)."""
    observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="quantile")
    return pl.DataFrame({"predicted": predicted, "observed": observed})


def refusal(model: Metrics, baseline: Metrics, train_churners: int,
            settings: ChurnSettings) -> str | None:
    """The i18n code of the reason a model must not be presented, or None when it may be.

    Refused: too few churners to train on or to test on (the rules' minimums), or a ROC AUC
    that does not beat the baseline's by more than ``min_auc_gain``.
    """
    if train_churners < settings.min_train_churners:
        return "churn_refused_few_train_churners"
    if model.churners < settings.min_test_churners:
        return "churn_refused_few_test_churners"
    if model.roc_auc <= baseline.roc_auc + settings.min_auc_gain:
        return "churn_refused_not_better"
    return None
