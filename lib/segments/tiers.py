"""Segments: value tiers, revenue concentration, RFM segments and tier migration.

Functions ``*_view(conn, filters, rules, ...)`` run the queries of ``lib.segments.queries`` and
return small frames in dataclasses (picklable, for ``ui.compute``). Units: counts of customers,
money in currency per month, shares 0–1, churn as a monthly rate after the rules' exclusions.
Behavioural clusters are in ``lib.segments.clusters``, geography in ``lib.segments.geo``.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import sqlalchemy as sa

from lib.overview import queries as overview_queries
from lib.overview.kpis import monthly_rate, pareto_curve, revenue_share_of_top
from lib.store.filters import Filters
from lib.segments import queries as q
from lib.rules import TIER_COUNT, Rules, RulesError, Section
from lib.store.schema import SPEND_BANDS_PER_E
from lib.store import read_frame

SECTION = "segments"


#: Shares of customers (0–1) the revenue-concentration reading may take (rules and the page's slider).
PARETO_TOP_SHARE_RANGE = (0.01, 0.99)
#: RFM scores, 1 (worst) to 5 (best): quintiles for frequency and monetary, months for recency.
RFM_SCORES: tuple[int, ...] = (1, 2, 3, 4, 5)

@dataclass(frozen=True)
class RfmSegment:
    """One named RFM segment: inclusive ranges of the recency score and of fm = ⌊(F + M) / 2⌋."""

    key: str
    name_en: str
    name_zh: str
    recency: tuple[int, int]
    fm: tuple[int, int]

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def holds(self, recency: int, fm: int) -> bool:
        return self.recency[0] <= recency <= self.recency[1] and self.fm[0] <= fm <= self.fm[1]


@dataclass(frozen=True)
class SegmentSettings:
    """The rules' ``[segments]`` section, checked."""

    pareto_top_share: float
    watch_list_size: int
    rfm: tuple[RfmSegment, ...]
    undivided_share: float

    def segment_of(self, recency: int, frequency: int, monetary: int) -> RfmSegment:
        """The segment of scores (1–5 each): the first whose ranges hold recency and fm."""
        return self.segment_at(recency, (frequency + monetary) // 2)

    def segment_at(self, recency: int, fm: int) -> RfmSegment:
        return next(seg for seg in self.rfm if seg.holds(recency, fm))


def _score_range(entry: dict[str, Any], key: str, where: str) -> tuple[int, int]:
    value = entry.get(key)
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) and v in RFM_SCORES for v in value)
          and value[0] <= value[1])
    if not ok:
        raise RulesError("segments_bad_range", key=f"{where}.{key}")
    return int(value[0]), int(value[1])


def _rfm_segments(section: Section) -> tuple[RfmSegment, ...]:
    entries = section.value("rfm")   # one list, whole (lib.rules.reader rule 4)
    if not isinstance(entries, list) or not entries:
        raise RulesError("rules_missing_key", key=f"{SECTION}.rfm")
    found: list[RfmSegment] = []
    for i, entry in enumerate(entries, start=1):
        where = f"{SECTION}.rfm[{i}]"
        texts = [entry.get(name) if isinstance(entry, dict) else None
                 for name in ("key", "name_en", "name_zh")]
        if not all(isinstance(text, str) and text.strip() for text in texts):
            raise RulesError("segments_bad_names", key=where)
        found.append(RfmSegment(texts[0].strip(), texts[1].strip(), texts[2].strip(),
                                _score_range(entry, "recency", where), _score_range(entry, "fm", where)))
    for recency in RFM_SCORES:
        for fm in RFM_SCORES:
            if not any(seg.holds(recency, fm) for seg in found):
                raise RulesError("segments_rfm_gap", recency=recency, fm=fm)
    return tuple(found)


def settings(rules: Rules) -> SegmentSettings:
    """Parse and check the rules' ``[segments]`` section."""
    section = rules.read(SECTION)
    return SegmentSettings(
        pareto_top_share=section.share("pareto_top_share", *PARETO_TOP_SHARE_RANGE),
        watch_list_size=section.integer("watch_list_size", 1, 100_000),
        rfm=_rfm_segments(section),
        undivided_share=section.share("undivided_share", 0.5, 1.0),
    )


def with_rates(frame: pl.DataFrame, window_months: int | None,
               horizon_months: int | None = None) -> pl.DataFrame:
    """Add vip_share, arpu, monthly_churn (and revenue_at_risk over ``horizon_months``) to a
    frame of ``lib.segments.queries.measures`` columns. With an unknown churn window
    (``window_months`` None) monthly_churn and revenue_at_risk are null: a churn share over
    an unknown period is no rate per month."""
    from lib.overview.kpis import revenue_at_risk

    rates = [monthly_rate(churners / base if base else None, window_months)
             for churners, base in zip(frame["churners_counted"].to_list(),
                                       frame["base_counted"].to_list())]
    out = frame.with_columns(
        vip_share=pl.when(pl.col("active") > 0).then(pl.col("vip_active") / pl.col("active")),
        arpu=pl.when(pl.col("active") > 0).then(pl.col("revenue") / pl.col("active")),
        monthly_churn=pl.Series(rates, dtype=pl.Float64),
    )
    if horizon_months is not None:
        risk = [None if window_months is None else revenue_at_risk(revenue, rate or 0.0, horizon_months)
                for revenue, rate in zip(out["revenue"].to_list(), rates)]
        out = out.with_columns(revenue_at_risk=pl.Series(risk, dtype=pl.Float64))
    return out


def churn_window(conn: sa.Connection, snapshot_date: dt.date) -> int | None:
    """Months the snapshot's churn flag covers (1 for a monthly export); None when the
    importer did not know it (or the snapshot is not stored): then no monthly rate is made."""
    listing = read_frame(conn, overview_queries.snapshot_list())
    windows = dict(zip(listing["snapshot_date"].to_list(), listing["churn_window_months"].to_list()))
    window = windows.get(snapshot_date)
    return None if window is None else int(window)


# --- value -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValueView:
    """Tiers and where revenue sits for one snapshot and filter set.

    ``tiers``: tier, active, revenue, customer_share, revenue_share, arpu, monthly_churn.
    ``pareto``: the revenue-concentration curve (``lib.overview.kpis.pareto_curve``).
    ``arpu``: tier, active, mean (exact), p10 … p90 of latest-month spend (read off spend
    bands, see ``band_quantiles``). ``dimensions``: crossable columns with values in the
    snapshot.
    """

    tiers: pl.DataFrame
    pareto: pl.DataFrame
    arpu: pl.DataFrame
    dimensions: tuple[str, ...]
    rules_version: int


def value_view(conn: sa.Connection, filters: Filters, rules: Rules) -> ValueView:
    window = churn_window(conn, filters.snapshot_date)
    raw = read_frame(conn, overview_queries.tier_churn(filters, rules))
    tiers = pl.DataFrame({"tier": list(range(1, TIER_COUNT + 1))}, schema={"tier": pl.Int64})
    if raw.height:
        tiers = tiers.join(raw.with_columns(pl.col("tier").cast(pl.Int64)), on="tier", how="left")
    else:
        tiers = tiers.with_columns(active=pl.lit(0), revenue=pl.lit(0.0), churners_counted=pl.lit(0),
                                   base_counted=pl.lit(0))
    tiers = tiers.with_columns(pl.col("active", "churners_counted", "base_counted").fill_null(0),
                               pl.col("revenue").cast(pl.Float64).fill_null(0.0))
    total_active = tiers["active"].sum() or 0
    total_revenue = tiers["revenue"].sum() or 0.0
    rates = [monthly_rate(ch / b if b else None, window)
             for ch, b in zip(tiers["churners_counted"].to_list(), tiers["base_counted"].to_list())]
    tiers = tiers.select(
        "tier", "active", "revenue",
        customer_share=pl.col("active") / total_active if total_active else pl.lit(None, pl.Float64),
        revenue_share=pl.col("revenue") / total_revenue if total_revenue else pl.lit(None, pl.Float64),
        arpu=pl.when(pl.col("active") > 0).then(pl.col("revenue") / pl.col("active")),
        monthly_churn=pl.Series(rates, dtype=pl.Float64),
    )
    curve = pareto_curve(read_frame(conn, overview_queries.revenue_by_spend_band(filters)))
    arpu = band_quantiles(read_frame(conn, q.spend_bands_by_tier(filters)))
    coverage = read_frame(conn, q.dimension_coverage(filters.snapshot_date)).row(0, named=True)
    dimensions = tuple(d for d in q.DIMENSIONS if coverage[d])
    return ValueView(tiers, curve, arpu, dimensions, rules.version)


#: Quantiles of latest-month spend shown per tier (shares 0–1).
ARPU_QUANTILES: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9)


def band_quantiles(bands: pl.DataFrame) -> pl.DataFrame:
    """Per tier: active, mean and quantiles of latest-month spend from counts per spend band.

    Within band b > 0, ln(1 + spend) is taken as spread evenly over [(b − 1) / B, b / B)
    (B = ``SPEND_BANDS_PER_E``), so a quantile is exact to within one band (about ±7 %);
    band 0 is no spend. The mean is exact (revenue / customers).
    """
    rows = []
    for (tier,), part in bands.sort("tier", "band").group_by("tier", maintain_order=True):
        counts = part["active"].to_numpy().astype(float)
        total = counts.sum()
        if total <= 0:
            continue
        before = np.concatenate([[0.0], np.cumsum(counts)[:-1]])
        row = {"tier": int(tier), "active": int(total), "mean": float(part["revenue"].sum()) / total}
        for quantile in ARPU_QUANTILES:
            target = quantile * total
            i = int(np.searchsorted(np.cumsum(counts), target, side="left"))
            i = min(i, len(counts) - 1)
            band = int(part["band"][i])
            if band == 0:
                value = 0.0
            else:
                inside = (target - before[i]) / counts[i] if counts[i] else 0.0
                value = math.expm1((band - 1 + inside) / SPEND_BANDS_PER_E)
            row[f"p{round(quantile * 100)}"] = value
        rows.append(row)
    schema = {"tier": pl.Int64, "active": pl.Int64, "mean": pl.Float64,
              **{f"p{round(q_ * 100)}": pl.Float64 for q_ in ARPU_QUANTILES}}
    return pl.DataFrame(rows, schema=schema)


def tier_dimension_view(conn: sa.Connection, filters: Filters, dimension: str) -> pl.DataFrame:
    """Active customers and revenue per tier × value of ``dimension`` (brand, plan, …)."""
    return read_frame(conn, q.tier_by_dimension(filters, dimension))


def top_share(curve: pl.DataFrame, customer_share: float) -> float:
    """Share of revenue from the top ``customer_share`` of customers (0–1)."""
    return revenue_share_of_top(curve, customer_share)


# --- RFM -------------------------------------------------------------------------------------

def rfm_cuts(conn: sa.Connection, snapshot_date: dt.date) -> q.RfmCuts:
    """How the snapshot scores (recency by months, frequency and monetary as quintiles over
    the whole snapshot, ranked in SQL once): the page then scores any selection with CASE in a
    single scan, no join (cache this)."""
    cells = read_frame(conn, q.rfm_score_cells(snapshot_date))
    if cells.height == 0:
        return q.RfmCuts((), (), ())
    recency = cells.group_by("recency").agg(pl.col("r").first()).sort("recency")
    frequency = cells.group_by("frequency").agg(pl.col("f").first()).sort("frequency")
    monetary = cells.group_by("m").agg(pl.col("m_min").min()).sort("m")
    return q.RfmCuts(tuple((int(a), int(b)) for a, b in recency.iter_rows()),
                     tuple((int(a), int(b)) for a, b in frequency.iter_rows()),
                     tuple((int(a), float(b)) for a, b in monetary.iter_rows()))


def ensure_rfm(conn: sa.Connection, snapshot_date: dt.date) -> bool:
    """Write every customer's RFM scores for the snapshot to ``customer_segments`` unless they
    are there already (for per-customer lists and exports; the page's views need only
    ``rfm_cuts``). One transaction, INSERT … SELECT run by the database; True when it wrote.
    """
    if conn.in_transaction():
        conn.commit()
    with conn.begin():
        if conn.execute(q.rfm_present(snapshot_date)).scalar():
            return False
        conn.execute(q.rfm_insert(snapshot_date))
    return True


@dataclass(frozen=True)
class RfmView:
    """RFM segments of one snapshot and filter set.

    ``segments``: key, name_en, name_zh, customers, active, revenue, revenue_share, arpu,
    monthly_churn, in the rules' order. ``grid``: recency × fm customers (5 × 5 cells, fm =
    ⌊(F + M) / 2⌋) with the segment key of each cell. ``cells``: the raw score cells.
    """

    segments: pl.DataFrame
    grid: pl.DataFrame
    cells: pl.DataFrame
    rules_version: int


_CELL_SCHEMA = {"r": pl.Int64, "f": pl.Int64, "m": pl.Int64, "customers": pl.Int64,
                "active": pl.Int64, "vip_active": pl.Int64, "revenue": pl.Float64,
                "churners_counted": pl.Int64, "base_counted": pl.Int64}


def rfm_view(conn: sa.Connection, filters: Filters, rules: Rules, cuts: q.RfmCuts | None = None) -> RfmView:
    """RFM segments under ``filters``; ``cuts`` from ``rfm_cuts`` (computed when not given)."""
    config = settings(rules)
    cuts = cuts if cuts is not None else rfm_cuts(conn, filters.snapshot_date)
    window = churn_window(conn, filters.snapshot_date)
    cells = read_frame(conn, q.rfm_cells(filters, rules, cuts))
    cells = (cells.cast({name: dtype for name, dtype in _CELL_SCHEMA.items()}) if cells.height
             else pl.DataFrame(schema=_CELL_SCHEMA))
    keys = [config.segment_of(r, f, m).key
            for r, f, m in zip(cells["r"].to_list(), cells["f"].to_list(), cells["m"].to_list())]
    cells = cells.with_columns(segment=pl.Series(keys, dtype=pl.String),
                               fm=(pl.col("f") + pl.col("m")) // 2)
    sums = ["customers", "active", "vip_active", "revenue", "churners_counted", "base_counted"]
    order = pl.DataFrame({"key": [seg.key for seg in config.rfm],
                          "name_en": [seg.name_en for seg in config.rfm],
                          "name_zh": [seg.name_zh for seg in config.rfm]})
    grouped = cells.group_by("segment").agg(pl.col(sums).sum()).rename({"segment": "key"})
    segments = order.join(grouped, on="key", how="left").with_columns(
        pl.col(sums).fill_null(0))
    total_revenue = segments["revenue"].sum() or 0.0
    segments = with_rates(segments, window).with_columns(
        revenue_share=pl.col("revenue") / total_revenue if total_revenue else pl.lit(None, pl.Float64))
    segments = segments.select("key", "name_en", "name_zh", "customers", "active", "revenue",
                               "revenue_share", "arpu", "monthly_churn")
    grid_rows = [{"r": r, "fm": fm, "segment": config.segment_at(r, fm).key}
                 for r in RFM_SCORES for fm in RFM_SCORES]
    counts = cells.group_by("r", "fm").agg(pl.col("customers").sum())
    grid = pl.DataFrame(grid_rows, schema={"r": pl.Int64, "fm": pl.Int64, "segment": pl.String}).join(
        counts, on=["r", "fm"], how="left").with_columns(pl.col("customers").fill_null(0))
    return RfmView(segments, grid, cells.drop("vip_active"), rules.version)


#: The RFM dimensions by their score column in ``RfmView.cells``.
RFM_DIMENSIONS: tuple[tuple[str, str], ...] = (("recency", "r"), ("frequency", "f"), ("monetary", "m"))


@dataclass(frozen=True)
class UndividedScore:
    """An RFM dimension whose score (almost) every customer of a selection shares.

    ``dimension``: recency, frequency or monetary; ``score``: the shared score (1–5);
    ``share``: its share of the selection's customers (0–1).
    """

    dimension: str
    score: int
    share: float


def undivided_scores(cells: pl.DataFrame, min_share: float) -> tuple[UndividedScore, ...]:
    """The dimensions that do not separate the customers of ``cells`` (``RfmView.cells``): those
    whose most common score holds at least ``min_share`` (0–1) of them, in R, F, M order.
    None when the selection has no customers."""
    total = int(cells["customers"].sum()) if cells.height else 0
    if total == 0:
        return ()
    found = []
    for dimension, column in RFM_DIMENSIONS:
        counts = cells.group_by(column).agg(pl.col("customers").sum()).sort(
            ["customers", column], descending=[True, True])
        score, customers = counts.row(0)
        if customers / total >= min_share:
            found.append(UndividedScore(dimension, int(score), customers / total))
    return tuple(found)


# --- tier migration --------------------------------------------------------------------------

#: Move of a customer between two snapshots.
MOVES: tuple[str, ...] = ("up", "same", "down", "churned")


def move_of(from_tier: int, to_tier: int) -> str:
    """``up``, ``same``, ``down`` or ``churned`` (``to_tier`` 0)."""
    if to_tier == 0:
        return "churned"
    return "up" if to_tier > from_tier else "down" if to_tier < from_tier else "same"


@dataclass(frozen=True)
class MigrationView:
    """Tier moves between two snapshots for the customers active in the first.

    ``matrix``: from_tier, to_tier (0 = churned), customers, revenue_from, revenue_to, move.
    ``moves``: move, customers, revenue_from, revenue_to, revenue_change. ``watch``: the
    downgrade watch list (largest loss of six-month average spend first).
    """

    from_date: dt.date
    to_date: dt.date
    matrix: pl.DataFrame
    moves: pl.DataFrame
    watch: pl.DataFrame


def migration_view(conn: sa.Connection, filters: Filters, rules: Rules, from_date: dt.date) -> MigrationView:
    config = settings(rules)
    to_date = filters.snapshot_date
    matrix = read_frame(conn, q.migration_matrix(filters, from_date, to_date))
    schema = {"from_tier": pl.Int64, "to_tier": pl.Int64, "customers": pl.Int64,
              "revenue_from": pl.Float64, "revenue_to": pl.Float64}
    matrix = matrix.cast(schema) if matrix.height else pl.DataFrame(schema=schema)
    matrix = matrix.with_columns(move=pl.Series(
        [move_of(a, b) for a, b in zip(matrix["from_tier"].to_list(), matrix["to_tier"].to_list())],
        dtype=pl.String))
    moves = (pl.DataFrame({"move": list(MOVES)})
             .join(matrix.group_by("move").agg(pl.col("customers", "revenue_from", "revenue_to").sum()),
                   on="move", how="left")
             .with_columns(pl.col("customers").fill_null(0),
                           pl.col("revenue_from", "revenue_to").fill_null(0.0))
             .with_columns(revenue_change=pl.col("revenue_to") - pl.col("revenue_from")))
    watch = read_frame(conn, q.downgrade_watch(filters, from_date, to_date, config.watch_list_size))
    return MigrationView(from_date, to_date, matrix, moves, watch)
