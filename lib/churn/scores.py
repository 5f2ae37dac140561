"""Churn models and scores in the store: keep a trained model, score a snapshot in batches,
read the revenue at risk the scores imply.

Scoring streams the active customers of a snapshot in batches of ``score_batch_rows`` (keyset
pagination by customer id), predicts, explains and bulk-writes each batch, all inside one
transaction: a snapshot's scores are replaced whole or not at all. Memory is bounded by one
batch of features plus one probability per customer (8 bytes each). Training keeps its model
and scores the snapshot in that same transaction, so a crash leaves the previous model and its
scores in force. Every write here requires ``edit_rules`` (lib.auth).
"""
from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import dataclass

import numpy as np
import polars as pl
import sqlalchemy as sa

from lib.churn.model import churn_settings, feature_frame
from lib.common import pickles
from lib.churn.explain import group_effects, reason_codes
from lib.churn.train import ModelCard, read_rows, train_churn_model
from lib.pipeline.cubes import rebuild_score_cube
from lib.store.filters import Filters
from lib.churn import queries as q
from lib.rules import Rules
from lib.auth import require
from lib.pipeline.snapshots import bulk_insert, refresh_statistics
from lib.store import StoreError, churn_models, churn_scores, read_frame, score_cube, writing


def store_model(engine: sa.Engine, card: ModelCard, model) -> int:
    """Keep a trained model and its card (refused ones too, for the record); return its id.

    Raises ``PermissionDenied`` unless the acting user may ``edit_rules`` (checked here, so a
    direct call from a viewer is refused as the page's button is)."""
    require("edit_rules")
    with writing(engine) as conn:   # model ids are numbered max + 1: one writer at a time
        return _insert_model(conn, card, model)


def _insert_model(conn: sa.Connection, card: ModelCard, model) -> int:
    """Write the model row inside the caller's transaction; return its id."""
    last = conn.execute(sa.select(sa.func.max(churn_models.c.model_id))).scalar()
    model_id = int(last or 0) + 1
    conn.execute(sa.insert(churn_models).values(
        model_id=model_id, snapshot_date=card.as_of, created_at=card.created_at,
        horizon_months=card.horizon_months, rules_version=card.rules_version,
        card=card.to_json(), model=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
    ))
    return model_id


def load_model(conn: sa.Connection, model_id: int):
    """The fitted model stored under ``model_id`` (written by ``store_model`` of this app)."""
    blob = conn.execute(sa.select(churn_models.c.model).where(
        churn_models.c.model_id == model_id)).scalar()
    if blob is None:
        raise StoreError("churn_model_missing")
    return pickles.loads(blob)   # models stored before a module move load too


def score_snapshot(engine: sa.Engine, model_id: int, snapshot_date: dt.date, rules: Rules,
                   progress=lambda share: None) -> int:
    """Score every active customer of ``snapshot_date`` with model ``model_id``; return rows.

    Writes probability, risk decile (1-10 by the snapshot's probability tenths) and reason
    codes (for about the riskiest ``reasons_top_share`` of customers, by the card's validated
    probabilities) to ``churn_scores``, replacing the snapshot's earlier scores, in one
    transaction.

    Raises ``PermissionDenied`` unless the acting user may ``edit_rules``.
    """
    require("edit_rules")
    with writing(engine) as conn:   # the score cube groups by tier: not while tiers change
        card = ModelCard.from_json(conn.execute(sa.select(churn_models.c.card).where(
            churn_models.c.model_id == model_id)).scalar_one())
        if not card.accepted:
            raise StoreError("churn_model_refused")
        return _write_scores(conn, model_id, card, load_model(conn, model_id), snapshot_date, rules,
                             progress)


def _write_scores(conn: sa.Connection, model_id: int, card: ModelCard, model, snapshot_date: dt.date,
                  rules: Rules, progress) -> int:
    """Replace the snapshot's scores with model ``model_id``'s, and its score cube rows, inside
    the caller's transaction; return the rows scored."""
    settings = churn_settings(rules)
    reason_cut = card.probability_at_share(settings.reasons_top_share)
    total = int(read_frame(conn, q.active_count(snapshot_date))["rows"][0])
    conn.execute(sa.delete(churn_scores).where(churn_scores.c.snapshot_date == snapshot_date))
    probabilities, after, done = [], None, 0
    while True:
        batch = read_rows(conn, q.score_batch(snapshot_date, after, settings.score_batch_rows))
        if batch.height == 0:
            break
        X = feature_frame(batch)
        p = model.predict_proba(X)
        reasons = [""] * batch.height
        explained = np.flatnonzero(p >= reason_cut)
        if explained.size:
            _, effects, groups = group_effects(model, X.iloc[explained], p[explained])
            texts = reason_codes(effects, groups, settings.reasons_per_customer,
                                 settings.reason_min_effect)
            for row, text in zip(explained.tolist(), texts):
                reasons[row] = text
        bulk_insert(conn, churn_scores, pl.DataFrame({
            "snapshot_date": pl.Series([snapshot_date] * batch.height, dtype=pl.Date),
            "customer_id": batch["customer_id"],
            "model_id": pl.Series([model_id] * batch.height, dtype=pl.Int32),
            "churn_probability": pl.Series(p, dtype=pl.Float64),
            "risk_decile": pl.Series([0] * batch.height, dtype=pl.Int16),
            "reasons": pl.Series(reasons, dtype=pl.String),
        }))
        probabilities.append(p)
        after = batch["customer_id"][-1]
        done += batch.height
        progress(done / max(total, 1))
    if not probabilities:
        raise StoreError("churn_no_rows")
    cuts = np.quantile(np.concatenate(probabilities), np.linspace(0.1, 0.9, 9))
    decile = sa.case(*[(churn_scores.c.churn_probability > float(cut), 10 - i)
                       for i, cut in enumerate(cuts[::-1])], else_=1)
    conn.execute(sa.update(churn_scores).where(churn_scores.c.snapshot_date == snapshot_date)
                 .values(risk_decile=decile))
    rebuild_score_cube(conn, [snapshot_date])
    refresh_statistics(conn, churn_scores, score_cube)
    return done


def train_and_score(engine: sa.Engine, snapshot_date: dt.date, rules: Rules,
                    progress=lambda share: None) -> tuple[int, ModelCard]:
    """The Churn risk page's button: train as of the snapshot, keep the model, and score the
    snapshot when the model is accepted. Returns ``(model_id, card)``."""
    require("edit_rules")   # training writes a model and scores: an analyst's job
    with engine.connect() as conn:
        card, model = train_churn_model(conn, snapshot_date, rules)
    # The model and its scores in one transaction: "the newest model" (lib.churn.queries
    # latest_model, the card the pages show) never names an accepted model whose scores were
    # lost to a crash; until this commits, the previous model and its scores stay in force.
    with writing(engine) as conn:   # the score cube groups by tier: not while tiers change
        model_id = _insert_model(conn, card, model)
        if card.accepted:
            _write_scores(conn, model_id, card, model, snapshot_date, rules, progress)
    return model_id, card


@dataclass(frozen=True)
class ChurnView:
    """What the Churn risk page shows: the newest model as of a snapshot (None when none was
    trained yet) and whether the snapshot is scored, by which model and how many rows."""

    model_id: int | None
    card: ModelCard | None
    scored_by: int | None
    scored_rows: int


def churn_view(conn: sa.Connection, snapshot_date: dt.date) -> ChurnView:
    """The newest model trained as of ``snapshot_date`` and the snapshot's scoring state."""
    row = read_frame(conn, q.latest_model(snapshot_date))
    scored = read_frame(conn, q.scored_model(snapshot_date))
    scored_by = int(scored["model_id"][0]) if scored.height else None
    rows = int(scored["rows"][0]) if scored.height else 0
    if row.height == 0:
        return ChurnView(None, None, scored_by, rows)
    return ChurnView(int(row["model_id"][0]), ModelCard.from_json(row["card"][0]), scored_by, rows)


@dataclass(frozen=True)
class RiskFromScores:
    """Revenue at risk from a model's scores (currency over ``horizon_months``), in total and
    by tier and province; ``model_horizon`` is the horizon the probabilities are over."""

    model_id: int
    model_horizon: int
    horizon_months: int
    total: float
    customers: int
    expected_churners: float
    by_tier: pl.DataFrame
    by_province: pl.DataFrame


#: Horizons (months) the Churn risk page offers for revenue at risk, beside the rules' own.
RISK_HORIZON_CHOICES_MONTHS: tuple[int, ...] = (3, 6, 12, 24)


def risk_horizon_choices(rules: Rules) -> list[int]:
    """The horizons (months, ascending) a user may pick revenue at risk over: the usual ones
    and the rules' ``[revenue_at_risk] horizon_months``."""
    return sorted({*RISK_HORIZON_CHOICES_MONTHS, rules.risk_horizon_months})


def revenue_at_risk_from_scores(conn: sa.Connection, filters: Filters,
                                horizon_months: int) -> RiskFromScores | None:
    """Revenue at risk = Σ over scored active customers of latest-month spend × expected
    months lost over ``horizon_months`` at the monthly churn rate their probability implies
    (``lib.churn.queries.expected_months_lost``); None when the snapshot has no scores.

    For the Overview: when this is not None it replaces the observed-rate estimate.
    """
    scored = read_frame(conn, q.scored_model(filters.snapshot_date))
    if scored.height == 0:
        return None
    model_id = int(scored["model_id"][0])
    model_horizon = int(conn.execute(sa.select(churn_models.c.horizon_months).where(
        churn_models.c.model_id == model_id)).scalar_one())
    # one join of the scores to the snapshot, added up per tier and per province here
    both = read_frame(conn, q.risk_by(filters, ("tier", "province"), model_horizon, horizon_months))
    by_tier, by_province = _risk_per(both, "tier"), _risk_per(both, "province")
    total = float(by_tier["revenue_at_risk"].sum()) if by_tier.height else 0.0
    return RiskFromScores(
        model_id=model_id, model_horizon=model_horizon, horizon_months=horizon_months,
        total=total, customers=int(by_tier["customers"].sum()) if by_tier.height else 0,
        expected_churners=float(by_tier["expected_churners"].sum()) if by_tier.height else 0.0,
        by_tier=by_tier,
        by_province=by_province.sort("revenue_at_risk", descending=True) if by_province.height
        else by_province,
    )


def _risk_per(groups: pl.DataFrame, key: str) -> pl.DataFrame:
    """``q.risk_by`` rows per tier × province added up per ``key``, in ``key`` order."""
    if groups.height == 0:
        return groups.drop("tier" if key == "province" else "province")
    sums = ("customers", "revenue", "expected_churners", "revenue_at_risk")
    return groups.group_by(key).agg(pl.col(name).sum() for name in sums).sort(key, nulls_last=True)


def decile_summary(conn: sa.Connection, filters: Filters) -> pl.DataFrame:
    """Scored customers per risk decile of the filtered snapshot (see the query)."""
    return read_frame(conn, q.decile_summary(filters))
