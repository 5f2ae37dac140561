"""Training a churn model from the store, honestly validated, and its model card.

``train_churn_model(conn, as_of, rules)`` pulls bounded samples by SQL, chooses the
validation the data allows, fits the model and its baseline, judges them and returns the
card and the fitted model; ``lib.churn.scores`` keeps both. Only snapshots up to ``as_of`` are
read, so a model "as of" a month never sees what came after it.

Validation, in order of preference:

* **time**: the latest snapshot whose horizon is fully stored is the test set; training uses
  up to ``train_snapshots`` earlier snapshots whose own horizons ended by the test snapshot
  (labels a person could have known then). The scoring model is then refitted on training and
  test rows with the same settings.
* **cv**: one labelled snapshot: stratified k-fold cross-validation, out-of-fold predictions.
* **cv on the churn flag of the same row**: no snapshot has its horizon stored (a single file
  such as the BigML churn set): the label is the row's own churn flag and the features come
  from the same row, which may describe the month the customer left in. The card says so.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import polars as pl
import sklearn
import sqlalchemy as sa
from sklearn.model_selection import StratifiedKFold

from lib.churn.model import (
    BaselineModel,
    ChurnModel,
    ChurnSettings,
    Metrics,
    calibration_table,
    churn_settings,
    decile_table,
    evaluate,
    feature_frame,
    refusal,
)
from lib.churn.explain import permutation_table
from lib.churn import queries as q
from lib.rules import Rules
from lib.store import StoreError, now, read_frame

#: Rows the permutation importance is computed on (a random subset of the test rows).
IMPORTANCE_ROWS = 10_000


def read_rows(conn: sa.Connection, statement: sa.Executable) -> pl.DataFrame:
    """Run ``statement`` and return all rows as a polars frame; through Arrow on DuckDB (no
    Python object per value), through ``read_frame`` elsewhere."""
    if conn.dialect.name != "duckdb":
        return read_frame(conn, statement)
    result = conn.execute(statement)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        table = result.cursor.to_arrow_table()
    return pl.from_arrow(table)


@dataclass(frozen=True)
class ModelCard:
    """What a churn model was trained on, how it was judged and what it must not be used for.

    ``label`` is "window" (churn within ``horizon_months`` after the snapshot) or "same_row"
    (the row's own churn flag); ``scheme`` "time" or "cv". Metrics are on rows the model did
    not see. ``refused`` is the i18n code of why it must not be presented (None: accepted).
    Tables are plain dicts of lists (JSON), see ``table``.
    """

    as_of: dt.date
    created_at: dt.datetime
    rules_version: int
    horizon_months: int
    label: str
    scheme: str
    train_dates: tuple[dt.date, ...]
    test_date: dt.date | None
    train_rows: int
    train_churners: int
    excluded_involuntary: int
    features: tuple[str, ...]
    model: Metrics
    baseline: Metrics
    tables: dict[str, dict[str, list]]
    training_seconds: float
    refused: str | None
    cv_folds: int | None = None
    #: Percentiles 0, 5, …, 100 of the validated churn probabilities (where the scored base's
    #: risk cut-offs are expected to fall).
    probability_percentiles: tuple[float, ...] = ()
    library: str = field(default_factory=lambda: f"scikit-learn {sklearn.__version__}")

    @property
    def accepted(self) -> bool:
        return self.refused is None

    def table(self, name: str) -> pl.DataFrame:
        """One of the stored tables: deciles, baseline_deciles, calibration,
        baseline_calibration, importance."""
        return pl.DataFrame(self.tables[name])

    def probability_at_share(self, share: float) -> float:
        """The churn probability above which about ``share`` (0-1) of customers lie, read
        off the validated predictions (0 when unknown: everyone)."""
        if not self.probability_percentiles or share >= 1:
            return 0.0
        return float(np.interp(100 * (1 - share), np.arange(0, 101, 5),
                               self.probability_percentiles))

    def limits(self) -> list[str]:
        """i18n keys of the limits this card must state."""
        keys = ["churn_limit_association", "churn_limit_population"]
        if self.label == "same_row":
            keys.insert(0, "churn_limit_same_row")
        if self.scheme == "cv":
            keys.append("churn_limit_cv")
        return keys

    def to_json(self) -> str:
        body = asdict(self)
        body["model"], body["baseline"] = asdict(self.model), asdict(self.baseline)
        return json.dumps(body, default=_iso, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "ModelCard":
        body = json.loads(text)
        body["as_of"] = dt.date.fromisoformat(body["as_of"])
        body["created_at"] = dt.datetime.fromisoformat(body["created_at"])
        body["train_dates"] = tuple(dt.date.fromisoformat(d) for d in body["train_dates"])
        body["test_date"] = dt.date.fromisoformat(body["test_date"]) if body["test_date"] else None
        body["features"] = tuple(body["features"])
        body["probability_percentiles"] = tuple(body.get("probability_percentiles", ()))
        body["model"], body["baseline"] = Metrics(**body["model"]), Metrics(**body["baseline"])
        return cls(**body)


def _iso(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value))


@dataclass(frozen=True)
class Plan:
    """Which snapshots a training reads and how it validates."""

    label: str
    scheme: str
    train_dates: tuple[dt.date, ...]
    test_date: dt.date | None


def plan_training(months: dict[dt.date, int], as_of: dt.date, settings: ChurnSettings) -> Plan:
    """Choose label and validation from the stored snapshots up to ``as_of`` (date -> month
    index). See the module doc for the order of preference."""
    h = settings.horizon_months
    upto = {d: m for d, m in months.items() if d <= as_of}
    stored = set(upto.values())
    labelled = sorted(d for d, m in upto.items() if all(m + k in stored for k in range(1, h + 1)))
    if not labelled:
        return Plan("same_row", "cv", (as_of,), None)
    test = labelled[-1]
    earlier = [d for d in labelled if upto[d] + h <= upto[test]]
    if earlier:
        return Plan("window", "time", tuple(earlier[-settings.train_snapshots:]), test)
    return Plan("window", "cv", (test,), None)


@dataclass(frozen=True)
class TrainingTarget:
    """What a training as of a snapshot would learn: ``label`` "window" (churn within
    ``months`` = the rules' horizon after the snapshot, from later snapshots) or "same_row"
    (the row's own churn flag, covering the snapshot's stored churn window: ``months``, None
    when the importer did not know it)."""

    label: str
    months: int | None


def _target(plan: Plan, windows: dict[dt.date, int | None], settings: ChurnSettings) -> TrainingTarget:
    if plan.label == "window":
        return TrainingTarget("window", settings.horizon_months)
    # a same-row plan trains on the as-of snapshot only: the flag covers its window
    window = windows.get(plan.train_dates[0])
    return TrainingTarget("same_row", None if window is None else int(window))


def training_target(conn: sa.Connection, as_of: dt.date, rules: Rules) -> TrainingTarget:
    """The label and months a training as of ``as_of`` would use (see ``TrainingTarget``)."""
    settings = churn_settings(rules)
    listing = read_frame(conn, q.stored_months())
    months = dict(zip(listing["snapshot_date"].to_list(), listing["snapshot_month"].to_list()))
    windows = dict(zip(listing["snapshot_date"].to_list(), listing["churn_window_months"].to_list()))
    if as_of not in months:
        raise StoreError("store_snapshot_missing", date=str(as_of))
    return _target(plan_training(months, as_of, settings), windows, settings)


def _sample(conn: sa.Connection, date: dt.date, month: int, label: str, cap: int,
            h: int) -> pl.DataFrame:
    count_query = q.active_count(date) if label == "window" else q.row_count(date)
    rows = int(read_frame(conn, count_query)["rows"][0])
    stride = max(1, math.ceil(rows / max(cap, 1)))
    query = q.window_sample(date, month, h, stride) if label == "window" else q.flag_sample(date, stride)
    return read_rows(conn, query)


def _labels(frame: pl.DataFrame) -> np.ndarray:
    return frame["churned_later"].cast(pl.Int8).to_numpy()


def _tables(y, p, y_base, p_base) -> dict[str, dict[str, list]]:
    return {
        "deciles": decile_table(y, p).to_dict(as_series=False),
        "baseline_deciles": decile_table(y_base, p_base).to_dict(as_series=False),
        "calibration": calibration_table(y, p).to_dict(as_series=False),
        "baseline_calibration": calibration_table(y_base, p_base).to_dict(as_series=False),
    }


def _importance(model, X, y, settings: ChurnSettings) -> dict[str, list]:
    rng = np.random.default_rng(settings.random_state)
    if len(X) > IMPORTANCE_ROWS:
        keep = np.sort(rng.choice(len(X), IMPORTANCE_ROWS, replace=False))
        X, y = X.iloc[keep], y[keep]
    return permutation_table(model, X, y, random_state=settings.random_state).to_dict(as_series=False)


def train_churn_model(conn: sa.Connection, as_of: dt.date, rules: Rules):
    """Train, validate and judge a churn model on the store's snapshots up to ``as_of``.

    Returns ``(card, model)``: the ``ModelCard`` and the fitted ``ChurnModel`` to score with
    (refitted on every sampled row under time validation). Raises ``StoreError`` with code
    ``churn_no_rows`` when there is nothing to learn from (no rows, or a single class), and
    ``churn_window_unknown`` when it would learn the row's own churn flag and the snapshot's
    churn window is unknown (its probabilities would cover no known period, and every rate
    per month drawn from them would be invented).
    """
    settings = churn_settings(rules)
    start = time.perf_counter()
    listing = read_frame(conn, q.stored_months())
    months = dict(zip(listing["snapshot_date"].to_list(), listing["snapshot_month"].to_list()))
    windows = dict(zip(listing["snapshot_date"].to_list(), listing["churn_window_months"].to_list()))
    if as_of not in months:
        raise StoreError("store_snapshot_missing", date=str(as_of))
    plan = plan_training(months, as_of, settings)
    target = _target(plan, windows, settings)
    if target.months is None:
        raise StoreError("churn_window_unknown", snapshot=str(as_of))
    dates = plan.train_dates + ((plan.test_date,) if plan.test_date else ())
    cap = settings.sample_rows // len(dates)
    h = settings.horizon_months
    frames = {d: _sample(conn, d, months[d], plan.label, cap, h) for d in dates}
    excluded = 0
    if settings.exclude_involuntary:
        for d, frame in frames.items():
            keep = frame.filter(pl.col("involuntary_later") == 0)
            excluded += frame.height - keep.height
            frames[d] = keep
    train = pl.concat([frames[d] for d in plan.train_dates])
    y_train = _labels(train)
    if train.height == 0 or y_train.min() == y_train.max():
        raise StoreError("churn_no_rows")
    X_train = feature_frame(train)
    rs = settings.random_state
    if plan.scheme == "time":
        test = frames[plan.test_date]
        y_test = _labels(test)
        if test.height == 0 or y_test.min() == y_test.max():
            raise StoreError("churn_no_rows")
        X_test = feature_frame(test)
        model = ChurnModel(random_state=rs).fit(X_train, y_train)
        baseline = BaselineModel(random_state=rs).fit(X_train, y_train)
        p, p_base = model.predict_proba(X_test), baseline.predict_proba(X_test)
        importance = _importance(model, X_test, y_test, settings)
        y_eval, train_churners = y_test, int(y_train.sum())
    else:
        folds = StratifiedKFold(settings.cv_folds, shuffle=True, random_state=rs)
        p, p_base = np.zeros(len(y_train)), np.zeros(len(y_train))
        importance = None
        for fit_rows, held_out in folds.split(X_train, y_train):
            X_fit, X_out = X_train.iloc[fit_rows], X_train.iloc[held_out]
            fold_model = ChurnModel(random_state=rs).fit(X_fit, y_train[fit_rows])
            p[held_out] = fold_model.predict_proba(X_out)
            p_base[held_out] = BaselineModel(random_state=rs).fit(
                X_fit, y_train[fit_rows]).predict_proba(X_out)
            if importance is None:
                importance = _importance(fold_model, X_out, y_train[held_out], settings)
        y_eval = y_train
        train_churners = int(y_train.sum() * (settings.cv_folds - 1) / settings.cv_folds)
    model_metrics, baseline_metrics = evaluate(y_eval, p), evaluate(y_eval, p_base)
    refused = refusal(model_metrics, baseline_metrics, train_churners, settings)
    if plan.scheme == "time":
        if refused is None:  # the scoring model learns from the latest labels too
            both = pl.concat([train, test])
            model = ChurnModel(random_state=rs).fit(feature_frame(both), _labels(both))
        rows = train.height
    else:
        model = ChurnModel(random_state=rs).fit(X_train, y_train)
        rows = train.height
    tables = _tables(y_eval, p, y_eval, p_base)
    tables["importance"] = importance

    card = ModelCard(  # same row: the flag covers the file's churn window, not the rules' horizon
        as_of=as_of, created_at=now(), rules_version=rules.version, horizon_months=target.months,
        label=plan.label, scheme=plan.scheme, train_dates=plan.train_dates,
        test_date=plan.test_date, train_rows=rows, train_churners=train_churners,
        excluded_involuntary=excluded, features=tuple(model.features_), model=model_metrics,
        baseline=baseline_metrics, tables=tables,
        training_seconds=round(time.perf_counter() - start, 2), refused=refused,
        cv_folds=settings.cv_folds if plan.scheme == "cv" else None,
        probability_percentiles=tuple(float(x) for x in np.percentile(p, np.arange(0, 101, 5))),
    )
    return card, model
