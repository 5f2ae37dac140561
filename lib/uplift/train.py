"""An uplift model per offer from the store: the training set, the fit, and scoring a snapshot.

``train_uplift(conn, offer_id, as_of, rules)`` reads the offer's past-campaign customers up to
``as_of`` (``lib.uplift.queries.training_rows``), fits and judges a model with
``lib.uplift.fit.fit_uplift`` and says which campaign and how many customers trained it
(``UpliftResult``). ``score_uplift`` then predicts, for every active customer of a snapshot,
the churn reduction if treated. Only snapshots up to ``as_of`` are read.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
import sqlalchemy as sa

from lib.churn import queries as qchurn
from lib.churn.model import feature_frame
from lib.churn.train import read_rows
from lib.rules import Rules
from lib.uplift import queries as q
from lib.uplift.fit import Refusal, UpliftFit, UpliftSettings, fit_uplift, uplift_settings


@dataclass
class UpliftResult:
    """One offer's uplift model as of a date.

    ``contacts``: the campaign's customers up to ``as_of``; ``unlabelled``: those whose
    ``horizon_months`` after contact are not all stored yet; ``without_features``: those with
    no snapshot before contact; ``first_contact`` / ``last_contact``: the contact snapshots'
    dates; ``fit``: the fit on the rest (None when nothing could be trained); ``refusal``: why
    no model may be presented (None when it may).
    """

    offer_id: str
    as_of: dt.date
    horizon_months: int
    contacts: int
    unlabelled: int
    without_features: int
    first_contact: dt.date | None
    last_contact: dt.date | None
    fit: UpliftFit | None
    refusal: Refusal | None

    @property
    def accepted(self) -> bool:
        """True when the model may be presented and used for targeting."""
        return self.refusal is None and self.fit is not None and self.fit.model is not None


def _month(conn: sa.Connection, as_of: dt.date) -> tuple[int | None, set[int]]:
    """Month index of ``as_of`` (None when not stored) and every stored month up to it."""
    months = read_rows(conn, qchurn.stored_months())
    upto = months.filter(pl.col("snapshot_date") <= as_of)
    match = upto.filter(pl.col("snapshot_date") == as_of)["snapshot_month"]
    return (int(match[0]) if match.len() else None), set(upto["snapshot_month"].to_list())


def training_set(conn: sa.Connection, offer_id: str, as_of: dt.date,
                 settings: UpliftSettings) -> tuple[pl.DataFrame, dict]:
    """The offer's labelled campaign customers as of ``as_of`` and the counts of who was left
    out (``contacts``, ``unlabelled``, ``without_features``, ``first_contact``, ``last_contact``).
    Rows whose horizon touches a month that is not stored are left out as unlabelled: a
    missing snapshot would make everyone in it look gone."""
    campaigns = read_rows(conn, q.campaigns(as_of)).filter(pl.col("offer_id") == offer_id)
    info = {"contacts": int(campaigns["customers"].sum()) if campaigns.height else 0,
            "first_contact": campaigns["first_contact"][0] if campaigns.height else None,
            "last_contact": campaigns["last_contact"][0] if campaigns.height else None}
    month, stored = _month(conn, as_of)
    h = settings.horizon_months
    rows = pl.DataFrame()
    if info["contacts"] and month is not None:
        rows = read_rows(conn, q.training_rows(offer_id, month, h))
    if rows.height:
        complete = [m for m in rows["contact_month"].unique().to_list()
                    if all(m + i in stored for i in range(h))]
        rows = rows.filter(pl.col("contact_month").is_in(complete))
    labelled = rows.height
    info["unlabelled"] = info["contacts"] - labelled
    if rows.height:
        info["without_features"] = int((rows["has_features"] == 0).sum())
        rows = rows.filter(pl.col("has_features") == 1)
    else:
        info["without_features"] = 0
    return rows, info


def train_uplift(conn: sa.Connection, offer_id: str, as_of: dt.date, rules: Rules) -> UpliftResult:
    """Fit and judge ``offer_id``'s uplift model on its campaign customers up to ``as_of``."""
    settings = uplift_settings(rules)
    rows, info = training_set(conn, offer_id, as_of, settings)
    result = UpliftResult(offer_id=offer_id, as_of=as_of, horizon_months=settings.horizon_months,
                          contacts=info["contacts"], unlabelled=info["unlabelled"],
                          without_features=info["without_features"],
                          first_contact=info["first_contact"], last_contact=info["last_contact"],
                          fit=None, refusal=None)
    if info["contacts"] == 0:
        result.refusal = Refusal("uplift_refused_no_campaign", {"offer": offer_id, "as_of": str(as_of)})
        return result
    if rows.height == 0:
        result.refusal = Refusal("uplift_refused_unlabelled",
                                 {"offer": offer_id, "contacts": info["contacts"],
                                  "unlabelled": info["unlabelled"],
                                  "without_features": info["without_features"],
                                  "horizon": settings.horizon_months})
        return result
    result.fit = fit_uplift(feature_frame(rows), rows["churned_later"].to_numpy(),
                            rows["treated"].to_numpy(), settings)
    result.refusal = result.fit.refusal
    return result


def score_uplift(conn: sa.Connection, model, snapshot_date: dt.date, settings: UpliftSettings,
                 with_tier: bool = False) -> pl.DataFrame:
    """Every active customer of ``snapshot_date``: customer_id, churn_probability (the newest
    churn model's, share 0-1; null when the snapshot is not scored) and uplift (predicted churn
    reduction if treated in the following month, share; negative for sleeping dogs), by id;
    with ``with_tier`` also their value tier (1-6). Read in batches of ``score_batch_rows``
    (bounded memory)."""
    keep = ["customer_id", "tier"] if with_tier else ["customer_id"]
    parts, after = [], None
    while True:
        batch = read_rows(conn, q.scoring_batch(snapshot_date, after, settings.score_batch_rows))
        if batch.height == 0:
            break
        uplift = model.predict_uplift(feature_frame(batch))
        parts.append(batch.select(*keep, pl.col("churn_probability").cast(pl.Float64))
                     .with_columns(uplift=pl.Series(np.asarray(uplift, dtype=np.float64))))
        after = batch["customer_id"][-1]
    if not parts:
        schema = {"customer_id": pl.String, "tier": pl.Int64, "churn_probability": pl.Float64,
                  "uplift": pl.Float64}
        return pl.DataFrame(schema={k: v for k, v in schema.items() if k != "tier" or with_tier})
    return pl.concat(parts)


def campaign_list(conn: sa.Connection, as_of: dt.date) -> pl.DataFrame:
    """The past campaigns up to ``as_of`` by offer (``lib.uplift.queries.campaigns``)."""
    return read_rows(conn, q.campaigns(as_of))
