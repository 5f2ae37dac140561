"""Segments: RFM scores and segments, tiers, tier migration, planted clusters, geography.

Expected figures are worked by hand (in the comments) or computed independently (pandas ranks
for RFM quintiles, scikit-learn's adjusted Rand index for planted clusters). Store queries run
on DuckDB and PostgreSQL (``db_url``).
"""
import datetime as dt
import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
import sqlalchemy as sa
from sklearn.metrics import adjusted_rand_score

from lib.segments import tiers as segments

from lib.segments import clusters as segments_clusters

from lib.segments import geo as segments_geo
from lib.pipeline.derive import derive
from lib.store.filters import Filters
from lib.rules import RulesError, default_rules, parse_rules
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.store import customer_segments, read_frame
from lib.pipeline.migrations import open_store
from tests.factories import S1, S2, customer, snapshot

SPEND = [f"spend_m{i}" for i in range(1, 7)]


def spend_rows(date, rows):
    """Rows with six months of spend (m1 = latest)."""
    frame = pl.DataFrame(
        [{"customer_id": cid, "tenure_months": 24.0, "churned": False, "province": "北京",
          **dict(zip(SPEND, map(float, spends)))} for cid, spends in rows])
    return derive(frame, date)


#: recency months, active months, six-month average
RFM_BASE = [
    ("A", [100] * 6),                    # 0, 6, 100
    ("A2", [100] * 6),                   # tie with A
    ("B", [0, 50, 50, 50, 50, 50]),      # 1, 5, 41.67
    ("C", [0, 0, 30, 30, 30, 30]),       # 2, 4, 20
    ("D", [0, 0, 0, 0, 0, 60]),          # 5, 1, 10
    ("E", [0] * 6),                      # 6, 0, 0
]


@pytest.fixture
def rfm_engine(db_url):
    engine = open_store(db_url)
    write_snapshots(engine, spend_rows(S2, RFM_BASE), rules=current_rules(engine), source_name="rfm", churn_window_months=1)
    yield engine
    engine.dispose()


def test_rfm_scores_worked_by_hand(rfm_engine):
    with rfm_engine.connect() as conn:
        assert segments.ensure_rfm(conn, S2) is True
        assert segments.ensure_rfm(conn, S2) is False          # cached: written once
        s = customer_segments.c
        got = read_frame(conn, sa.select(s.customer_id, s.rfm_recency, s.rfm_frequency, s.rfm_monetary)
                         .where(s.snapshot_date == S2).order_by(s.customer_id))
    # Frequency and monetary are quintiles: n = 6. A and A2 tie best: 6 rows rank at or below
    # them, ceil(5 * 6 / 6) = 5; B: 4 rows at or below, ceil(20 / 6) = 4; C: ceil(15 / 6) = 3;
    # D: ceil(10 / 6) = 2; E: ceil(5 / 6) = 1.
    expected = {"A": 5, "A2": 5, "B": 4, "C": 3, "D": 2, "E": 1}
    for column in ("rfm_frequency", "rfm_monetary"):
        assert dict(zip(got["customer_id"].to_list(), got[column].to_list())) == expected
    # Recency by months since the latest spend (0 → 5, 1 → 4, 2 → 3, 3 → 2, more → 1):
    # A, A2 0 months; B 1; C 2; D 5 (only m6); E none in the six.
    recency = {"A": 5, "A2": 5, "B": 4, "C": 3, "D": 1, "E": 1}
    assert dict(zip(got["customer_id"].to_list(), got["rfm_recency"].to_list())) == recency


def test_rfm_scores_match_pandas_ranks(db_url):
    """Frequency and monetary quintiles of a random base against pandas' rank(method="max",
    pct=True); recency against its months read off in numpy."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(200):
        spends = np.round(rng.lognormal(3, 1, 6), 0) * (rng.random(6) < 0.6)
        rows.append((f"K{i:03d}", spends.tolist()))
    engine = open_store(db_url)
    write_snapshots(engine, spend_rows(S2, rows), rules=current_rules(engine), source_name="rnd", churn_window_months=1)
    with engine.connect() as conn:
        segments.ensure_rfm(conn, S2)
        s = customer_segments.c
        got = read_frame(conn, sa.select(s.customer_id, s.rfm_recency, s.rfm_frequency, s.rfm_monetary)
                         .order_by(s.customer_id)).to_pandas().set_index("customer_id")
    engine.dispose()
    frame = pd.DataFrame({cid: spends for cid, spends in rows}, index=SPEND).T
    positive = frame > 0
    recency = positive.values.argmax(axis=1).astype(float)
    recency[~positive.values.any(axis=1)] = 6
    frequency = positive.sum(axis=1)
    monetary = frame.mean(axis=1)

    def score(goodness: pd.Series) -> pd.Series:
        return np.ceil(5 * goodness.rank(method="max", pct=True) - 1e-9).astype(int)

    # 0 months since the latest spend → 5, 1 → 4, 2 → 3, 3 → 2, 4 or more → 1
    assert (got["rfm_recency"] == pd.Series(np.maximum(5 - recency, 1), index=frame.index)).all()
    assert (got["rfm_frequency"] == score(frequency)).all()
    assert (got["rfm_monetary"] == score(monetary)).all()
    # the page scores by CASE from the snapshot's cuts (no join): the same cells
    engine = open_store(db_url)
    with engine.connect() as conn:
        view = segments.rfm_view(conn, Filters(S2), current_rules(engine))
    engine.dispose()
    stored = got.groupby(["rfm_recency", "rfm_frequency", "rfm_monetary"]).size()
    cells = view.cells.to_pandas().set_index(["r", "f", "m"])["customers"]
    assert stored.to_dict() == cells[cells > 0].to_dict()


def test_rfm_segments_worked_by_hand(rfm_engine):
    rules = current_rules(rfm_engine)
    with rfm_engine.connect() as conn:
        view = segments.rfm_view(conn, Filters(S2), rules)
    counts = dict(zip(view.segments["key"].to_list(), view.segments["customers"].to_list()))
    # A, A2: R5 F5 M5 → champions; B: 4/4/4 → loyal; C: 3/3/3 → need attention;
    # D R1 F2 M2 (fm 2) and E 1/1/1 → hibernating.
    assert counts["champions"] == 2 and counts["loyal"] == 1 and counts["need_attention"] == 1
    assert counts["hibernating"] == 2 and sum(counts.values()) == 6
    revenue = dict(zip(view.segments["key"].to_list(), view.segments["revenue"].to_list()))
    assert revenue["champions"] == pytest.approx(200.0)            # latest month of A and A2
    assert view.grid.filter((pl.col("r") == 5) & (pl.col("fm") == 5))["customers"].item() == 2


def test_undivided_scores_name_the_dimensions_that_do_not_separate():
    cells = pl.DataFrame({"r": [5, 5, 5, 1], "f": [5, 4, 3, 2], "m": [5, 5, 1, 1],
                          "customers": [50, 30, 16, 4]})
    found = segments.undivided_scores(cells, 0.95)
    # r: 96 of 100 have score 5 (≥ 0.95); f: at most 50 share a score; m: 80 have 5
    assert [(u.dimension, u.score) for u in found] == [("recency", 5)]
    assert found[0].share == pytest.approx(0.96)
    # at 0.8 monetary (80 of 100 with score 5) does not separate either
    assert [u.dimension for u in segments.undivided_scores(cells, 0.8)] == ["recency", "monetary"]
    assert segments.undivided_scores(cells.clear(), 0.95) == ()
    assert segments.settings(default_rules()).undivided_share == 0.95


def test_rfm_rules_must_cover_every_cell():
    text = default_rules().text.replace('key = "hibernating"', 'key = "hibernating"\n#', 1)
    broken = text.replace("recency = [1, 2]\nfm = [1, 2]", "recency = [1, 1]\nfm = [1, 2]")
    with pytest.raises(RulesError) as err:
        segments.settings(parse_rules(broken))
    assert err.value.code == "segments_rfm_gap" and err.value.params == {"recency": 2, "fm": 1}


def test_segment_of_uses_the_floor_of_the_fm_mean():
    config = segments.settings(default_rules())
    assert config.segment_of(5, 5, 4).key == "champions"     # fm = 4
    assert config.segment_of(5, 4, 3).key == "potential_loyalists"   # fm = 3
    assert config.segment_of(1, 5, 5).key == "cant_lose"
    assert config.segment_of(3, 1, 2).key == "about_to_sleep"


# --- tiers and migration ---------------------------------------------------------------------

def migration_base():
    """S1: P 450 (5★), Q 250 (4★), R 120 (3★), S 60 (2★), T 30 (1★), U 300 (4★), V key person
    (6★), X churned already. S2: P 250 (4★, down), Q 450 (5★, up), R same, S churned, T gone,
    U 60 (2★, down two), V same, W new."""
    s1 = snapshot(S1, [customer("P", 450, 30), customer("Q", 250, 30), customer("R", 120, 30),
                       customer("S", 60, 30), customer("T", 30, 30), customer("U", 300, 30),
                       customer("V", 20, 30, key_person=True),
                       customer("X", 500, 30, churned=True, churn_type="switch")])
    s2 = snapshot(S2, [customer("P", 250, 31), customer("Q", 450, 31), customer("R", 120, 31),
                       customer("S", 60, 31, churned=True, churn_type="switch"),
                       customer("U", 60, 31), customer("V", 20, 31, key_person=True),
                       customer("W", 90, 0, join_date=dt.date(2026, 10, 2))])
    return s1, s2


@pytest.fixture
def migration_engine(db_url):
    engine = open_store(db_url)
    for frame in migration_base():
        write_snapshots(engine, frame, rules=current_rules(engine), source_name="hand", churn_window_months=1)
    yield engine
    engine.dispose()


def test_tiers_and_revenue_by_tier(migration_engine):
    rules = current_rules(migration_engine)
    with migration_engine.connect() as conn:
        view = segments.value_view(conn, Filters(S2), rules)
    tiers = {r["tier"]: r for r in view.tiers.iter_rows(named=True)}
    # active in S2: P 4★ 250, Q 5★ 450, R 3★ 120, U 2★ 60, V 6★ (key person) 20, W 2★ 90
    assert {t: r["active"] for t, r in tiers.items()} == {1: 0, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1}
    assert tiers[2]["revenue"] == pytest.approx(150.0)
    assert tiers[5]["revenue_share"] == pytest.approx(450 / 990)
    assert tiers[6]["arpu"] == pytest.approx(20.0)
    arpu = {r["tier"]: r for r in view.arpu.iter_rows(named=True)}
    assert arpu[2]["mean"] == pytest.approx(75.0) and 60.0 <= arpu[2]["p50"] <= 90.0
    assert segments.top_share(view.pareto, 1.0) == pytest.approx(1.0)


def test_band_quantiles_are_within_a_band_of_numpy():
    from lib.store.schema import SPEND_BANDS_PER_E

    spend = np.random.default_rng(1).lognormal(4, 0.8, 5000)
    bands = np.floor(np.log1p(spend) * SPEND_BANDS_PER_E).astype(int) + 1
    counts = pl.DataFrame({"band": bands, "spend": spend}).group_by("band").agg(
        pl.len().alias("active"), pl.col("spend").sum().alias("revenue"))
    got = segments.band_quantiles(counts.with_columns(tier=pl.lit(3)).sort("band")).row(0, named=True)
    width = math.exp(1 / SPEND_BANDS_PER_E)                        # one band, as a ratio
    for q in segments.ARPU_QUANTILES:
        exact = float(np.quantile(spend, q))
        assert exact / width <= got[f"p{round(q * 100)}"] <= exact * width
    assert got["mean"] == pytest.approx(spend.mean())


def test_migration_matrix_on_two_snapshots(migration_engine):
    rules = current_rules(migration_engine)
    with migration_engine.connect() as conn:
        view = segments.migration_view(conn, Filters(S2), rules, S1)
    cells = {(r["from_tier"], r["to_tier"]): r["customers"] for r in view.matrix.iter_rows(named=True)}
    assert cells == {(5, 4): 1, (4, 5): 1, (3, 3): 1, (2, 0): 1, (1, 0): 1, (4, 2): 1, (6, 6): 1}
    moves = {r["move"]: r for r in view.moves.iter_rows(named=True)}
    assert [moves[m]["customers"] for m in segments.MOVES] == [1, 2, 2, 2]
    assert moves["churned"]["revenue_from"] == pytest.approx(90.0)      # S 60 + T 30
    assert moves["down"]["revenue_change"] == pytest.approx((250 + 60) - (450 + 300))
    # watch list: U lost 240 a month on average, P 200
    assert view.watch["customer_id"].to_list() == ["U", "P"]
    assert view.watch["loss"].to_list() == pytest.approx([240.0, 200.0])


def test_migration_follows_the_tier_filter(migration_engine):
    rules = current_rules(migration_engine)
    with migration_engine.connect() as conn:
        view = segments.migration_view(conn, Filters(S2, tiers=(4,)), rules, S1)
    assert view.matrix["customers"].sum() == 2                     # Q and U were 4★ in S1
    assert view.watch["customer_id"].to_list() == ["U"]


# --- behavioural clusters --------------------------------------------------------------------

PLANTED = {   # median usage per group: data GB, voice minutes, outgoing calls, SMS, roaming minutes
    "data": (40.0, 60.0, 20.0, 5.0, 1.0),
    "voice": (2.0, 1500.0, 500.0, 10.0, 2.0),
    "light": (0.5, 20.0, 5.0, 2.0, 0.0),
    "roaming": (8.0, 400.0, 120.0, 60.0, 300.0),
}
FEATURES = ("data_gb", "voice_minutes", "outgoing_calls", "sms", "roaming")


def planted_base(per_group: int = 250, seed: int = 11) -> tuple[pl.DataFrame, dict[str, int]]:
    rng = np.random.default_rng(seed)
    rows, truth = [], {}
    for g, (name, medians) in enumerate(PLANTED.items()):
        for i in range(per_group):
            cid = f"{name}{i:04d}"
            truth[cid] = g
            usage = {f: float(np.round(m * rng.lognormal(0, 0.25), 2)) for f, m in zip(FEATURES, medians)}
            rows.append({"customer_id": cid, "tenure_months": 24.0, "churned": False,
                         "province": "北京", "spend_m1": 50.0, **usage})
    return derive(pl.DataFrame(rows), S2), truth


def test_kmeans_recovers_planted_clusters(db_url):
    frame, truth = planted_base()
    engine = open_store(db_url)
    rules = current_rules(engine)
    write_snapshots(engine, frame, rules=rules, source_name="planted", churn_window_months=1)
    with engine.connect() as conn:
        model = segments_clusters.fit_clusters(conn, S2, rules)
        labels = segments_clusters.labels_frame(conn, Filters(S2), model)
        view = segments_clusters.cluster_view(conn, Filters(S2), rules, model)
    engine.dispose()
    assert model.k == 4 and model.chosen_by_silhouette
    ari = adjusted_rand_score([truth[c] for c in labels["customer_id"].to_list()],
                              labels["cluster"].to_list())
    assert ari >= 0.9
    assert view.clusters["customers"].sum() == len(truth)
    names = {segments_clusters.cluster_name(model, i, "en") for i in range(model.k)}
    assert "Light users" in names
    assert any("data" in n for n in names) and any("roaming" in n for n in names)


def test_sql_labels_agree_with_the_estimator(duckdb_url):
    frame, _ = planted_base(per_group=60, seed=5)
    engine = open_store(duckdb_url)
    rules = current_rules(engine)
    write_snapshots(engine, frame, rules=rules, source_name="planted", churn_window_months=1)
    with engine.connect() as conn:
        model = segments_clusters.fit_clusters(conn, S2, rules, k=3)
        labels = segments_clusters.labels_frame(conn, Filters(S2), model)
    estimator = segments_clusters.BehaviourClusters()
    estimator.fill_, estimator.mean_ = np.array(model.fill), np.array(model.mean)
    estimator.scale_, estimator.centers_ = np.array(model.scale), np.array(model.centers)
    ordered = frame.sort("customer_id").select(FEATURES).to_numpy()
    assert model.k == 3 and not model.chosen_by_silhouette
    assert labels["cluster"].to_list() == estimator.predict(ordered).tolist()


def test_clusters_need_two_usage_columns(duckdb_url):
    engine = open_store(duckdb_url)
    rules = current_rules(engine)
    write_snapshots(engine, spend_rows(S2, RFM_BASE * 10), rules=rules, source_name="spend only", churn_window_months=1)
    with engine.connect() as conn:
        assert segments_clusters.fit_clusters(conn, S2, rules) is None


def test_cluster_features_are_checked():
    text = default_rules().text.replace('features = ["data_gb"', 'features = ["shoe_size"', 1)
    with pytest.raises(RulesError) as err:
        segments_clusters.cluster_settings(parse_rules(text))
    assert err.value.code == "segments_bad_features"


# --- geography -------------------------------------------------------------------------------

def test_tile_layout_covers_the_demo_provinces_once():
    from lib.demo.world import PROVINCES

    layout = segments_geo.tiles()
    assert sorted(layout["province"].to_list()) == sorted(p[0] for p in PROVINCES)
    assert layout.select("x", "y").is_unique().all()


@pytest.mark.parametrize("name, key", [("广东省", "广东"), ("内蒙古自治区", "内蒙古"), ("北京市", "北京"),
                                       ("guangxi", "广西"), ("Inner Mongolia", "内蒙古"), ("KS", None)])
def test_tile_key(name, key):
    assert segments_geo.tile_key(name) == key


def test_province_view_and_drill_down(migration_engine):
    rules = current_rules(migration_engine)
    with migration_engine.connect() as conn:
        view = segments_geo.province_view(conn, Filters(S2), rules)
        cities = segments_geo.area_view(conn, Filters(S2), rules, "city", "北京")
    assert view.use_tiles and view.areas["area"].to_list() == ["北京"]
    row = view.areas.row(0, named=True)
    # active P Q R U V W; VIP (4★ and up) P Q V; churn base after exclusions: P Q R S U V (W
    # under 3 months), churner S → 1/6
    assert (row["active"], row["vip_active"]) == (6, 3)
    assert row["monthly_churn"] == pytest.approx(1 / 6)
    revenue = 250 + 450 + 120 + 60 + 20 + 90
    survival = sum((5 / 6) ** k for k in range(1, rules.risk_horizon_months + 1))
    assert row["revenue_at_risk"] == pytest.approx(revenue * (rules.risk_horizon_months - survival))
    assert cities.height == 0                       # the fixture has no cities


def test_states_without_a_layout_are_ranked():
    areas = pl.DataFrame({"area": ["KS", "OH", "TX"], "active": [5, 9, 7]})
    ranked = segments_geo.ranked(areas, "active")
    assert ranked["area"].to_list() == ["OH", "TX", "KS"] and ranked["rank"].to_list() == [1, 2, 3]


def test_operator_geojson(tmp_path, monkeypatch):
    monkeypatch.delenv(segments_geo.GEOJSON_ENV, raising=False)
    assert segments_geo.operator_geojson() is None
    path = tmp_path / "p.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    monkeypatch.setenv(segments_geo.GEOJSON_ENV, str(path))
    assert segments_geo.operator_geojson().key == "name"
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(RulesError) as err:
        segments_geo.operator_geojson()
    assert err.value.code == "segments_bad_geojson"
