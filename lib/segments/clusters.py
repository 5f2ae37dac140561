"""Behavioural clusters: k-means on standardised usage, fitted on a bounded sample, named from
the centroid profiles, and assigned to the whole base in SQL.

``BehaviourClusters`` is an estimator (fit → attributes ending in ``_``). Features are
transformed as z = (ln(1 + max(x, 0)) − mean) / scale, missing values filled with the sample
median first; the same arithmetic runs in SQL (``lib.segments.queries.cluster_labelled``) so
the labels of the whole base never pass through Python. k is the one with the best silhouette
over a range unless given.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl
import sqlalchemy as sa
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from lib.store.filters import Filters
from lib.segments import queries as q
from lib.rules import Rules
from lib.segments.tiers import SECTION, churn_window, with_rates
from lib.store import read_frame

#: Usage columns the rules may name as cluster features.
FEATURE_COLUMNS: tuple[str, ...] = ("data_gb", "voice_minutes", "outgoing_calls", "sms", "roaming",
                                    "spend_avg_6m", "spend_m1", "tenure_months", "points",
                                    "service_calls", "complaints")
#: Centroid z-score from which a feature marks a cluster as "heavy" on it.
HEAVY_Z = 0.5
#: At most this many silhouette evaluations' points (the score is O(n²)).
SILHOUETTE_SAMPLE = 4000


@dataclass(frozen=True)
class ClusterSettings:
    """The rules' ``[segments.clusters]`` section, checked."""

    features: tuple[str, ...]
    min_coverage: float
    k_min: int
    k_max: int
    sample_size: int
    random_state: int


def cluster_settings(rules: Rules) -> ClusterSettings:
    """Parse and check ``[segments.clusters]`` (the policy of ``lib.rules.reader``)."""
    section = rules.read(f"{SECTION}.clusters")
    features = section.choices("features", FEATURE_COLUMNS, code="segments_bad_features",
                               distinct=True)
    k_min = section.integer("k_min", 2, 20)
    k_max = section.integer("k_max", k_min, 20)
    return ClusterSettings(features, section.share("min_coverage"), k_min, k_max,
                           section.integer("sample_size", 100, 1_000_000),
                           section.integer("random_state", 0, 2**31 - 1))


class BehaviourClusters:
    """k-means on log-transformed, standardised features, k chosen by silhouette.

    Parameters
    ----------
    k : number of clusters, or None to choose by silhouette over ``k_range``.
    k_range : inclusive (low, high) range searched when ``k`` is None.
    random_state : seed of k-means and of the silhouette subsample.

    Attributes (after ``fit``)
    --------------------------
    fill_ : raw value put in for a missing one, per feature (sample median, feature units).
    mean_, scale_ : mean and standard deviation of ln(1 + x) per feature.
    centers_ : (k, features) centroids in standardised units.
    k_ : the k used. silhouettes_ : {k: mean silhouette} over the range searched.
    labels_ : cluster of each fitted row.

    Example
    -------
    >>> model = BehaviourClusters(k_range=(2, 6), random_state=7).fit(usage)  # doctest: +SKIP
    >>> model.predict(usage)  # doctest: +SKIP
    """

    def __init__(self, k: int | None = None, k_range: tuple[int, int] = (2, 8),
                 random_state: int = 7) -> None:
        self.k = k
        self.k_range = k_range
        self.random_state = random_state

    def _standardise(self, x: np.ndarray) -> np.ndarray:
        filled = np.where(np.isnan(x), self.fill_, x)
        return (np.log1p(np.maximum(filled, 0.0)) - self.mean_) / self.scale_

    def fit(self, x: np.ndarray) -> BehaviourClusters:
        """Fit on ``x`` (rows × features, raw units, NaN for missing)."""
        x = np.asarray(x, dtype=float)
        fill = np.nanmedian(x, axis=0)
        self.fill_ = np.where(np.isnan(fill), 0.0, fill)
        logged = np.log1p(np.maximum(np.where(np.isnan(x), self.fill_, x), 0.0))
        self.mean_ = logged.mean(axis=0)
        scale = logged.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        z = (logged - self.mean_) / self.scale_
        candidates = [self.k] if self.k else list(range(self.k_range[0], self.k_range[1] + 1))
        candidates = [k for k in candidates if k < len(z)] or [min(2, len(z))]
        self.silhouettes_: dict[int, float] = {}
        best: tuple[float, KMeans] | None = None
        for k in candidates:
            # One BLAS/OpenMP thread: on a shared 2-core server, k-means' thread pool made a
            # 17k-row fit 50× slower (measured), and the sample is small enough for one core.
            with threadpool_limits(1):
                fitted = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(z)
            labels = fitted.labels_
            score = (float(silhouette_score(z, labels, sample_size=min(SILHOUETTE_SAMPLE, len(z)),
                                            random_state=self.random_state))
                     if 1 < len(set(labels)) < len(z) else -1.0)
            self.silhouettes_[k] = score
            if best is None or score > best[0]:
                best = (score, fitted)
        chosen = best[1]
        self.centers_ = chosen.cluster_centers_
        self.k_ = int(chosen.n_clusters)
        self.labels_ = chosen.labels_
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Nearest centroid of each row of ``x`` (raw units); ties go to the lowest label."""
        z = self._standardise(np.asarray(x, dtype=float))
        distances = ((z[:, None, :] - self.centers_[None, :, :]) ** 2).sum(axis=2)
        return distances.argmin(axis=1)


@dataclass(frozen=True)
class ClusterModel:
    """A fitted clustering in plain tuples (picklable and hashable, for caching and for SQL).

    ``names``: per cluster (kind, features) with kind light | heavy | all_round | average.
    ``sizes``: customers per cluster in the fitting sample.
    """

    snapshot_date: dt.date
    features: tuple[str, ...]
    fill: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    centers: tuple[tuple[float, ...], ...]
    k: int
    silhouettes: tuple[tuple[int, float], ...]
    sample_rows: int
    names: tuple[tuple[str, tuple[str, ...]], ...]
    sizes: tuple[int, ...]
    chosen_by_silhouette: bool

    @property
    def sql(self) -> q.ClusterSql:
        """What the SQL assignment needs (``lib.segments.queries.cluster_labelled``)."""
        return q.ClusterSql(self.features, self.fill, self.mean, self.scale, self.centers)


def name_clusters(centers: np.ndarray, features: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Names from centroid profiles (standardised units).

    ``light``: every feature below average and the mean below −HEAVY_Z; ``all_round``: at least
    60 % of the features (and at least 3) at or above 2 × HEAVY_Z; ``heavy``: the one or two
    features most above average (≥ HEAVY_Z); otherwise ``average``.
    """
    names = []
    need = max(3, math.ceil(0.6 * len(features)))
    for center in np.asarray(centers):
        order = np.argsort(-center)
        high = [features[i] for i in order if center[i] >= HEAVY_Z]
        if center.max() < 0 and center.mean() <= -HEAVY_Z:
            names.append(("light", ()))
        elif int((center >= 2 * HEAVY_Z).sum()) >= need:
            names.append(("all_round", ()))
        elif high:
            names.append(("heavy", tuple(high[:2])))
        else:
            names.append(("average", ()))
    return tuple(names)


def usable_features(conn: sa.Connection, snapshot_date: dt.date, config: ClusterSettings) -> tuple[int, tuple[str, ...]]:
    """Rows of the snapshot and the configured features with enough values."""
    row = read_frame(conn, q.feature_coverage(snapshot_date, config.features)).row(0, named=True)
    rows = int(row["rows"] or 0)
    usable = tuple(f for f in config.features if rows and row[f] / rows >= max(config.min_coverage, 1e-9))
    return rows, usable


def fit_clusters(conn: sa.Connection, snapshot_date: dt.date, rules: Rules,
                 k: int | None = None) -> ClusterModel | None:
    """Fit the snapshot's behavioural clusters on a bounded, evenly spread sample.

    Returns None when fewer than two features have values or the snapshot is too small.
    """
    config = cluster_settings(rules)
    rows, features = usable_features(conn, snapshot_date, config)
    if len(features) < 2 or rows < 3 * config.k_max:
        return None
    every = max(1, math.ceil(rows / config.sample_size))
    sample = read_frame(conn, q.feature_sample(snapshot_date, features, every))
    x = sample.select([pl.col(f).cast(pl.Float64) for f in features]).to_numpy()
    model = BehaviourClusters(k=k, k_range=(config.k_min, config.k_max),
                              random_state=config.random_state).fit(x)
    sizes = np.bincount(model.labels_, minlength=model.k_)
    return ClusterModel(
        snapshot_date=snapshot_date, features=features,
        fill=tuple(map(float, model.fill_)), mean=tuple(map(float, model.mean_)),
        scale=tuple(map(float, model.scale_)),
        centers=tuple(tuple(map(float, c)) for c in model.centers_), k=model.k_,
        silhouettes=tuple(sorted(model.silhouettes_.items())), sample_rows=len(x),
        names=name_clusters(model.centers_, features), sizes=tuple(int(s) for s in sizes),
        chosen_by_silhouette=k is None,
    )


@dataclass(frozen=True)
class ClusterView:
    """Clusters of the whole base under the filters.

    ``clusters``: cluster, customers, active, revenue, arpu, monthly_churn, mean of each raw
    feature (feature units per month). ``by_tier``: cluster, tier, customers.
    ``profile``: cluster, feature, z (centroid, standardised units).
    """

    model: ClusterModel
    clusters: pl.DataFrame
    by_tier: pl.DataFrame
    profile: pl.DataFrame


def cluster_view(conn: sa.Connection, filters: Filters, rules: Rules, model: ClusterModel) -> ClusterView:
    window = churn_window(conn, filters.snapshot_date)
    labelled = q.cluster_labelled(filters, model.sql)
    cells = read_frame(conn, q.cluster_cells(labelled, rules, model.features))
    sums = ["customers", "active", "vip_active", "revenue", "churners_counted", "base_counted",
            *(f"sum_{f}" for f in model.features)]
    if cells.height == 0:
        cells = pl.DataFrame(schema={"cluster": pl.Int64, "tier": pl.Int64,
                                     **{name: pl.Float64 for name in sums}})
    cells = cells.with_columns(pl.col("cluster", "tier").cast(pl.Int64))
    base = pl.DataFrame({"cluster": list(range(model.k))}, schema={"cluster": pl.Int64})
    clusters = base.join(cells.group_by("cluster").agg(pl.col(sums).sum()), on="cluster", how="left")
    clusters = clusters.with_columns(pl.col(sums).fill_null(0))
    clusters = with_rates(clusters, window).with_columns(
        [(pl.col(f"sum_{f}") / pl.col("customers")).alias(f) for f in model.features])
    clusters = clusters.select("cluster", "customers", "active", "revenue", "arpu", "monthly_churn",
                               *model.features)
    by_tier = cells.select("cluster", "tier", "customers")
    profile = pl.DataFrame(
        [{"cluster": i, "feature": f, "z": model.centers[i][j]}
         for i in range(model.k) for j, f in enumerate(model.features)],
        schema={"cluster": pl.Int64, "feature": pl.String, "z": pl.Float64})
    return ClusterView(model, clusters, by_tier, profile)


def labels_frame(conn: sa.Connection, filters: Filters, model: ClusterModel) -> pl.DataFrame:
    """customer_id and cluster of every row under ``filters`` (for tests and small bases)."""
    labelled = q.cluster_labelled(filters, model.sql, extra=("customer_id",))
    return read_frame(conn, sa.select(labelled.c.customer_id, labelled.c.cluster)
                      .order_by(labelled.c.customer_id))


def cluster_name(model: ClusterModel, cluster: int, lang: str) -> str:
    """Display name of a cluster from its centroid profile, made unique with a number when two
    profiles read the same ("data-heavy 2")."""
    from lib.i18n import t_text as t   # a name for table cells and charts, not markdown

    def plain(i: int) -> str:
        kind, features = model.names[i]
        if kind == "heavy":
            joined = t("seg_cluster_and", lang).join(t(f"seg_feature_{f}", lang) for f in features)
            return t("seg_cluster_heavy", lang, features=joined)
        return t(f"seg_cluster_{kind}", lang)

    name = plain(cluster)
    same = [i for i in range(model.k) if plain(i) == name]
    return name if len(same) == 1 else f"{name} {same.index(cluster) + 1}"
