"""Uplift models: who an offer keeps, learnt from a randomised campaign.

Both learners share one shape: ``fit(X, churned, treated)`` on a ``lib.churn.model.feature_frame``
of campaign customers (treated and control), then ``predict_uplift(X)`` gives the predicted churn
reduction if treated over the horizon the labels were made with (share 0-1; negative for
sleeping dogs, whom contact makes likelier to churn). Nothing here reads the store.

* ``TwoModelUplift`` (T-learner): one churn classifier per arm; uplift = P(churn | control) -
  P(churn | treated).
* ``ClassTransformUplift`` (Jaskowski & Jaroszewicz 2012): one classifier of Z = 1 for treated
  stayers and control churners; with the arms weighted to equal size (the campaign's treated
  share need not be one half), P(Z = 1) = (1 + uplift) / 2, so uplift = 2 P(Z = 1) - 1.

Features are the churn model's allow-list (``lib.churn.model.FEATURES``): what the campaign
fields are (offer, treated, accepted, contact date) never reaches a learner.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import OrdinalEncoder

from lib.churn.model import CATEGORICAL_FEATURES, FEATURES, MAX_CATEGORIES, NUMERIC_FEATURES


def _encoder(categorical: list[str]) -> ColumnTransformer:
    """Categories ordinal-coded (rare ones pooled, unknown and missing as NaN), numbers passed
    through after them: one encoding shared by every classifier of a learner, so scoring
    encodes each row once however many classifiers read it."""
    encode = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                            encoded_missing_value=np.nan, max_categories=MAX_CATEGORIES)
    return ColumnTransformer([("cat", encode, categorical)], remainder="passthrough",
                             verbose_feature_names_out=False)


def _classifier(categorical: int, min_samples_leaf: int, random_state: int) -> HistGradientBoostingClassifier:
    """Shallow gradient boosting with native categories (the first ``categorical`` columns);
    early stopping on the log loss.

    Uplift is a small difference of two probabilities, so the trees are kept shallow and
    their leaves large: deep trees fit each arm's noise, and the difference of two noisy
    fits ranks customers at random."""
    return HistGradientBoostingClassifier(
        learning_rate=0.1, max_iter=200, max_depth=3, min_samples_leaf=min_samples_leaf,
        l2_regularization=1.0, early_stopping=True, validation_fraction=0.2,
        n_iter_no_change=15, scoring="loss",
        categorical_features=list(range(categorical)) or None, random_state=random_state)


class _Uplift:
    """Shared fitting frame: usable features, checked arrays, timing."""

    name = ""

    def __init__(self, min_samples_leaf: int = 50, random_state: int = 0) -> None:
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def _columns(self, X: pd.DataFrame) -> None:
        usable = [n for n in FEATURES if n in X.columns and X[n].notna().any()]
        self.categorical_ = [n for n in usable if n in CATEGORICAL_FEATURES]
        self.numeric_ = [n for n in usable if n in NUMERIC_FEATURES]
        self.features_ = self.categorical_ + self.numeric_

    def _leaf(self, rows: int) -> int:
        # never more than a tenth of the rows in one leaf: small arms still get a few splits
        return max(5, min(self.min_samples_leaf, rows // 10))

    def fit(self, X: pd.DataFrame, churned: np.ndarray, treated: np.ndarray) -> "_Uplift":
        """Learn from campaign customers ``X`` (a ``feature_frame``), ``churned`` (1 = churned
        within the horizon) and ``treated`` (1 = contacted, 0 = control)."""
        y = np.asarray(churned, dtype=np.int8)
        t = np.asarray(treated, dtype=np.int8)
        if not (0 < t.sum() < t.size):
            raise ValueError("an uplift model needs treated and control customers")
        start = time.perf_counter()
        self._columns(X)
        self.prepare_ = _encoder(self.categorical_).fit(X[self.features_])
        self._fit(self.prepare_.transform(X[self.features_]), y, t)
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _encode(self, X: pd.DataFrame) -> np.ndarray:
        return self.prepare_.transform(X[self.features_])

    def _fit(self, A: np.ndarray, y: np.ndarray, t: np.ndarray) -> None:
        raise NotImplementedError

    def predict_uplift(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted churn reduction if treated (share, -1 to 1; negative: sleeping dog)."""
        raise NotImplementedError


class TwoModelUplift(_Uplift):
    """T-learner: a churn classifier for the control arm and one for the treated arm.

    Example
    -------
    >>> model = TwoModelUplift(random_state=7).fit(feature_frame(rows), churned, treated)  # doctest: +SKIP
    >>> model.predict_uplift(feature_frame(base))                                          # doctest: +SKIP
    """

    name = "two_model"

    def _fit(self, A: np.ndarray, y: np.ndarray, t: np.ndarray) -> None:
        self.arms_ = {}
        for arm in (0, 1):
            rows = t == arm
            model = _classifier(len(self.categorical_), self._leaf(int(rows.sum())), self.random_state)
            self.arms_[arm] = model.fit(A[rows], y[rows])

    def predict_churn(self, X: pd.DataFrame, treated: bool) -> np.ndarray:
        """Predicted churn probability (share 0-1) if treated / if left alone."""
        return self.arms_[int(treated)].predict_proba(self._encode(X))[:, 1]

    def predict_uplift(self, X: pd.DataFrame) -> np.ndarray:
        A = self._encode(X)
        return self.arms_[0].predict_proba(A)[:, 1] - self.arms_[1].predict_proba(A)[:, 1]


class ClassTransformUplift(_Uplift):
    """Class transformation: one classifier of Z (treated stayer or control churner), the arms
    reweighted to equal total weight; uplift = 2 P(Z = 1) - 1."""

    name = "class_transform"

    def _fit(self, A: np.ndarray, y: np.ndarray, t: np.ndarray) -> None:
        z = np.where(t == 1, 1 - y, y).astype(np.int8)
        share = t.mean()
        weight = np.where(t == 1, 0.5 / share, 0.5 / (1 - share))
        self.model_ = _classifier(len(self.categorical_), self._leaf(t.size), self.random_state)
        self.model_.fit(A, z, sample_weight=weight)

    def predict_uplift(self, X: pd.DataFrame) -> np.ndarray:
        return 2 * self.model_.predict_proba(self._encode(X))[:, 1] - 1


#: The learners an uplift model is chosen from, by name.
LEARNERS: dict[str, type[_Uplift]] = {cls.name: cls for cls in (TwoModelUplift, ClassTransformUplift)}
