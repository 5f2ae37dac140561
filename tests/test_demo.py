"""The demo generator: contract shape, the business shape docs/domain.md asks for, and consistency
across snapshots. Tiers are computed here in polars from the documented default thresholds
(six-month average spend lower bounds 0/50/100/200/400 for 1-5 stars; six star = points
>= 30000 or key person), independently of lib.rules. RFM scores and segments of a seeded store
are recomputed from its rows in polars, with the segment ranges read from data/rules.toml by
tomllib, independently of lib.segments.tiers.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from lib.segments import tiers as segments
from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive
from lib.store.filters import Filters
from lib.rules.versions import current_rules
from lib.store.schema import contract_dtypes
from lib.demo.seed import seed_demo
from lib.store import read_frame
from lib.pipeline.migrations import open_store

CUSTOMERS, SNAPSHOTS, SEED = 20_000, 12, 7
LAST = dt.date(2026, 10, 31)
SPEND_MIN = (0, 50, 100, 200, 400)
SIX_STAR_POINTS = 30_000
CAMPAIGN = SNAPSHOTS // 2


def with_tier(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``tier`` 1-6 from spend_avg_6m, points and key_person."""
    tier = pl.lit(1)
    for stars, low in enumerate(SPEND_MIN[1:], start=2):
        tier = pl.when(pl.col("spend_avg_6m") >= low).then(stars).otherwise(tier)
    six = (pl.col("points") >= SIX_STAR_POINTS) | pl.col("key_person")
    return frame.with_columns(tier=pl.when(six).then(6).otherwise(tier).cast(pl.Int8))


@pytest.fixture(scope="module")
def raw() -> list[pl.DataFrame]:
    return list(generate_snapshots(customers=CUSTOMERS, snapshots=SNAPSHOTS, seed=SEED,
                                   last_snapshot=LAST))


@pytest.fixture(scope="module")
def frames(raw: list[pl.DataFrame]) -> list[pl.DataFrame]:
    return [with_tier(derive(f)) for f in raw]


@pytest.fixture(scope="module")
def monthly(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per snapshot with the KPIs the shape tests check."""
    vip = pl.col("tier") >= 4
    return pl.concat([f.select(
        rows=pl.len(),
        churned=pl.col("churned").sum(),
        gross_adds=(pl.col("join_month") == pl.col("snapshot_month")).sum(),
        vip_share=vip.mean(),
        vip_revenue_share=pl.col("spend_m1").filter(vip).sum() / pl.col("spend_m1").sum(),
    ) for f in frames])


@pytest.fixture(scope="module")
def pooled(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames)


# --- contract -----------------------------------------------------------------------------

def test_frames_carry_the_contract_columns_and_dtypes(raw):
    assert len(raw) == SNAPSHOTS
    for frame in raw:
        assert frame.schema == pl.Schema(contract_dtypes())
        assert frame["arpu"].null_count() == frame.height
        assert frame["tenure_months"].null_count() == frame.height
        filled = [c for c in frame.columns if c not in {"arpu", "tenure_months", "churn_date",
                  "churn_type", "churn_reason", "offer_id", "treated", "accepted",
                  "contact_date", "spend_m2", "spend_m3", "spend_m4", "spend_m5", "spend_m6"}]
        assert frame.select(pl.col(filled).null_count()).sum_horizontal().item() == 0


def test_snapshots_are_month_ends_oldest_first(raw):
    dates = [f["snapshot_date"].unique().to_list() for f in raw]
    assert all(len(d) == 1 for d in dates)
    dates = [d[0] for d in dates]
    assert dates[-1] == LAST
    assert dates == sorted(dates)
    assert all((d + dt.timedelta(days=1)).day == 1 for d in dates)
    assert len({(d.year, d.month) for d in dates}) == SNAPSHOTS


def test_size_is_about_the_requested_customers(monthly):
    assert monthly["rows"][-1] == pytest.approx(CUSTOMERS, rel=0.03)
    assert monthly["rows"].min() > 0.95 * CUSTOMERS


def test_rejects_a_last_snapshot_that_is_not_a_month_end():
    with pytest.raises(ValueError, match="month end"):
        next(generate_snapshots(customers=100, snapshots=2, last_snapshot=dt.date(2026, 10, 15)))


# --- business shape (docs/domain.md) -----------------------------------------------------------

def test_vip_tiers_are_5_to_10_percent_and_bring_half_the_revenue(monthly):
    assert monthly["vip_share"].min() >= 0.05
    assert monthly["vip_share"].max() <= 0.10
    assert monthly["vip_revenue_share"].min() >= 0.50


def test_monthly_churn_is_2_to_3_percent(monthly):
    rate = monthly["churned"] / monthly["rows"]
    assert 0.02 <= rate.mean() <= 0.03
    assert rate.min() >= 0.015 and rate.max() <= 0.035


def test_churn_is_lower_in_high_tiers(pooled):
    by_tier = pooled.group_by(pl.col("tier") >= 4).agg(pl.col("churned").mean())
    vip = by_tier.filter(pl.col("tier"))["churned"].item()
    rest = by_tier.filter(~pl.col("tier"))["churned"].item()
    assert 0.004 <= vip <= 0.015
    assert vip < rest / 2
    one_star = pooled.filter(pl.col("tier") == 1)["churned"].mean()
    assert one_star > pooled["churned"].mean()


def test_churn_is_higher_early_in_tenure_and_after_complaints(pooled):
    early = pooled.filter(pl.col("tenure_months") < 3)["churned"].mean()
    settled = pooled.filter(pl.col("tenure_months") >= 3)["churned"].mean()
    assert early > 1.5 * settled
    complained = pooled.filter(pl.col("complaints") > 0)["churned"].mean()
    quiet = pooled.filter(pl.col("complaints") == 0)["churned"].mean()
    assert complained > 1.3 * quiet


def test_gross_adds_keep_the_base_stable(monthly):
    ratio = monthly["churned"].sum() / monthly["gross_adds"].sum()
    assert 0.9 <= ratio <= 1.05
    assert monthly["gross_adds"].min() > 0


def test_churn_types_and_reasons(pooled):
    churned = pooled.filter(pl.col("churned"))
    counts = churned["churn_type"].value_counts()
    share = {t: n / churned.height for t, n in counts.iter_rows()}
    assert set(share) == {"switch", "downgrade", "value_decline", "involuntary"}
    assert max(share, key=share.get) == "switch"
    assert 0.08 <= share["involuntary"] <= 0.16
    assert churned["churn_reason"].null_count() == 0
    assert churned["churn_date"].null_count() == 0
    reasons = churned.group_by("churn_type").agg(pl.col("churn_reason").unique())
    reasons = {row["churn_type"]: set(row["churn_reason"]) for row in reasons.iter_rows(named=True)}
    assert reasons["involuntary"] <= {"non_payment", "real_name_check"}
    assert "non_payment" not in set().union(*(r for t, r in reasons.items() if t != "involuntary"))
    assert "competitor_offer" in reasons["switch"]
    active = pooled.filter(~pl.col("churned"))
    blanks = active.select(pl.col("churn_date", "churn_type", "churn_reason").null_count())
    assert blanks.row(0) == (active.height,) * 3


def test_churn_dates_fall_in_the_snapshot_month(pooled):
    churned = pooled.filter(pl.col("churned"))
    assert (churned["churn_month"] == churned["snapshot_month"]).all()
    assert (churned["churn_date"] >= churned["join_date"]).all()


def test_involuntary_churn_follows_arrears(pooled):
    churned = pooled.filter(pl.col("churned"))
    involuntary = churned.filter(pl.col("churn_type") == "involuntary")["arrears"]
    assert (involuntary > 0).mean() > 0.9
    assert involuntary.mean() > 5 * pooled.filter(~pl.col("churned"))["arrears"].mean()
    assert (pooled["arrears"] == 0).mean() > 0.9


def test_value_decliners_spend_falls_before_they_leave(pooled):
    decliners = pooled.filter(pl.col("churn_type") == "value_decline")
    assert decliners["spend_trend"].median() < -0.3
    assert pooled.filter(~pl.col("churned"))["spend_trend"].median() == pytest.approx(0, abs=0.05)


def test_joins_spread_over_years_plus_every_month(frames):
    first = frames[0]
    years = (first["snapshot_date"][0] - first["join_date"].min()).days / 365.25
    assert years >= 6
    assert (first["tenure_months"] > 72).mean() > 0.15
    for frame in frames:
        assert (frame["join_month"] == frame["snapshot_month"]).sum() > 0


def test_attributes_look_like_an_operator_base(frames):
    last = frames[-1]
    assert last["province"].n_unique() == 31
    top = last.group_by("province").len().sort("len", descending=True)["province"][0]
    assert top == "广东"
    cities = last.group_by("city").agg(pl.col("province").n_unique())
    assert (cities["province"] == 1).all()
    per_province = last.group_by("province").agg(pl.col("city").n_unique())["city"]
    assert per_province.min() >= 2 and per_province.max() <= 6
    grid_of_city = pl.col("district").str.starts_with(pl.col("city") + "-网格")
    assert last.select(grid_of_city.all()).item()
    assert set(last["brand"].unique()) == {"全球通", "动感地带", "神州行"}
    assert last.select(pl.col("plan").str.starts_with(pl.col("brand")).all()).item()
    assert set(last["contract"].unique()) <= {"none", "12m", "24m"}
    assert set(last["payment_method"].unique()) <= {"prepaid", "postpaid_bank", "postpaid_cash",
                                                    "wechat_pay"}
    assert set(last["gender"].unique()) == {"M", "F"}
    assert last["age"].min() >= 18 and last["age"].max() <= 80
    assert 0.004 <= last["key_person"].mean() <= 0.012
    assert 0.02 <= last["group_paid"].mean() <= 0.05
    assert 0.001 <= (last["points"] >= SIX_STAR_POINTS).mean() <= 0.02
    assert (last["complaints"] == 0).mean() > 0.85


def test_usage_and_points_follow_spend_and_tenure(frames):
    last = frames[-1]
    corr = last.select(
        data=pl.corr("spend_m1", "data_gb", method="spearman"),
        voice=pl.corr("spend_m1", "voice_minutes", method="spearman"),
        calls=pl.corr("voice_minutes", "outgoing_calls", method="spearman"),
        points_spend=pl.corr("spend_avg_6m", "points", method="spearman"),
        points_tenure=pl.corr("tenure_months", "points", method="spearman"),
    ).row(0, named=True)
    assert corr["data"] > 0.5 and corr["voice"] > 0.5 and corr["calls"] > 0.7
    assert corr["points_spend"] > 0.5 and corr["points_tenure"] > 0.3
    youth = last.filter(pl.col("brand") == "动感地带")
    premium = last.filter(pl.col("brand") == "全球通")
    def gb_per_cny(frame: pl.DataFrame) -> float:
        return (frame["data_gb"] / frame["spend_m1"]).median()

    assert gb_per_cny(youth) > gb_per_cny(premium)
    assert premium["roaming"].mean() > youth["roaming"].mean()


# --- consistency across snapshots ----------------------------------------------------------

def test_same_seed_same_frames_other_seed_other_frames():
    def run(seed: int) -> list[pl.DataFrame]:
        return list(generate_snapshots(customers=3000, snapshots=4, seed=seed))

    first, again, other = run(11), run(11), run(12)
    assert all(a.equals(b) for a, b in zip(first, again, strict=True))
    assert not first[-1].equals(other[-1])


def test_ids_are_stable_and_churners_do_not_come_back(frames):
    seen_churned: set[str] = set()
    for before, after in zip(frames, frames[1:]):
        assert before["customer_id"].is_unique().all()
        assert before["customer_id"].str.contains(r"^C\d{7,}$").all()
        stayed = before.filter(~pl.col("churned"))
        seen_churned |= set(before.filter(pl.col("churned"))["customer_id"])
        assert not seen_churned & set(after["customer_id"])
        both = stayed.join(after, on="customer_id", how="full", suffix="_after", coalesce=True)
        # everyone active at the end of a month is in the next snapshot ...
        assert both["snapshot_date_after"].null_count() == 0
        # ... and every newcomer joined during the next month
        newcomers = both.filter(pl.col("snapshot_date").is_null())
        assert (newcomers["join_month_after"] == newcomers["snapshot_month_after"]).all()
        kept = both.filter(pl.col("snapshot_date").is_not_null())
        for col in ("join_date", "province", "city", "district", "gender", "brand", "key_person"):
            assert (kept[col] == kept[f"{col}_after"]).all(), col


def test_spend_shifts_one_month_per_snapshot(frames):
    for before, after in zip(frames, frames[1:]):
        pairs = before.join(after, on="customer_id", suffix="_after")
        assert pairs.height > 0.9 * before.height
        for k in range(1, 6):
            a, b = pairs[f"spend_m{k}"], pairs[f"spend_m{k + 1}_after"]
            assert (a.is_null() == b.is_null()).all()
            assert (a.drop_nulls() == b.drop_nulls()).all()
    newcomers = frames[-1].filter(pl.col("join_month") == pl.col("snapshot_month"))
    blanks = newcomers.select(pl.col("spend_m2", "spend_m6").null_count())
    assert blanks.row(0) == (newcomers.height,) * 2


# --- the past retention campaign -------------------------------------------------------------

def test_campaign_takes_half_the_base_with_a_half_control_group(frames):
    """The demo world's campaign (lib.demo.world): CAMPAIGN_SHARE 0.5 of the active customers of
    tier 1 and up (everyone), 0.5 of them control, 0.5 of the treated accept."""
    campaign, before = frames[CAMPAIGN], frames[CAMPAIGN - 1]
    assert all(f["offer_id"].null_count() == f.height for f in frames[:CAMPAIGN])
    offered = campaign.filter(pl.col("offer_id").is_not_null())
    assert offered["offer_id"].unique().to_list() == ["OFFER_BONUS_50"]
    # chosen at the start of the month from the active base, as the previous snapshot shows it
    start = before.filter(~pl.col("churned"))
    chosen = offered.join(start.select("customer_id", tier_before="tier"), on="customer_id")
    assert chosen.height == offered.height
    assert offered.height / start.height == pytest.approx(0.50, abs=0.03)
    control = (~offered["treated"]).mean()
    assert control == pytest.approx(0.50, abs=0.03)
    treated = offered.filter(pl.col("treated"))
    assert treated["accepted"].mean() == pytest.approx(0.50, abs=0.03)
    assert not offered.filter(~pl.col("treated"))["accepted"].any()
    held_out = offered.filter(~pl.col("treated"))
    assert held_out["contact_date"].null_count() == held_out.height
    month = campaign["snapshot_date"][0]
    assert (treated["contact_date"] <= month).all()
    assert (treated["contact_date"] > month - dt.timedelta(days=31)).all()


def test_campaign_history_is_carried_forward(frames):
    cols = ["customer_id", "offer_id", "treated", "accepted", "contact_date"]
    offered = frames[CAMPAIGN].filter(pl.col("offer_id").is_not_null()).select(cols)
    for later in frames[CAMPAIGN + 1:]:
        marked = later.filter(pl.col("offer_id").is_not_null()).select(cols)
        assert marked.join(offered, on=cols, how="anti", nulls_equal=True).height == 0
        still_here = offered.join(later.select("customer_id"), on="customer_id")
        assert still_here.height == marked.height


# --- months without spend: skippers, prepaid top-ups, and what RFM makes of them -------------

SPEND = [f"spend_m{i}" for i in range(1, 7)]


def with_months(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``recency`` (months since the latest month with spend, 6 when none), ``frequency``
    (months with spend of the six) and ``skipped`` (a zero month after joining; null = before)."""
    spent = [pl.col(c).fill_null(0) > 0 for c in SPEND]
    recency = pl.lit(6)
    for months in range(5, -1, -1):
        recency = pl.when(spent[months]).then(months).otherwise(recency)
    return frame.with_columns(
        recency=recency,
        frequency=pl.sum_horizontal([s.cast(pl.Int32) for s in spent]),
        skipped=pl.any_horizontal([pl.col(c) == 0 for c in SPEND]).fill_null(False),
        prepaid=pl.col("payment_method") == "prepaid",
    )


def test_some_customers_skip_months_and_prepaid_spend_is_lumpy_top_ups(frames, pooled):
    # the shares lib.demo.generate documents: prepaid 35-55 % of the base, nearly all of them with a
    # month without a top-up in the six; 4-12 % of the others with an unused month
    for frame in (frames[0], frames[-1]):
        last = with_months(frame)
        prepaid = last.filter(pl.col("prepaid"))
        others = last.filter(~pl.col("prepaid"))
        assert 0.35 <= last["prepaid"].mean() <= 0.55
        assert prepaid["skipped"].mean() >= 0.8
        assert 0.4 <= (prepaid["spend_m1"] == 0).mean() <= 0.7
        assert 0.04 <= others["skipped"].mean() <= 0.12
        # top-ups come in round amounts (10 CNY steps), post-paid bills do not
        topups = prepaid["spend_m1"].filter(prepaid["spend_m1"] > 0)
        assert (topups % 10 == 0).all()
        assert (others["spend_m1"].filter(others["spend_m1"] > 0) % 10 != 0).mean() > 0.8
        # lumpy: a top-up month holds more than the six-month average
        assert (prepaid.filter(pl.col("spend_m1") > 0).select(
            (pl.col("spend_m1") > pl.col("spend_avg_6m")).mean()).item() > 0.7)
    # more so for customers in decline: value-decline churners skip far more than those staying
    months = with_months(pooled.filter(pl.col("payment_method") != "prepaid"))
    decliners = months.filter(pl.col("churn_type") == "value_decline")["skipped"].mean()
    staying = months.filter(~pl.col("churned"))["skipped"].mean()
    assert decliners > 3 * staying
    # usage goes on in a month without a top-up, but not in an unused post-paid month
    unused = months.filter(pl.col("spend_m1") == 0)
    assert unused.height > 0 and (unused["data_gb"] == 0).all()
    no_topup = with_months(frames[-1]).filter(pl.col("prepaid") & (pl.col("spend_m1") == 0))
    assert (no_topup["data_gb"] > 0).mean() > 0.5


@pytest.fixture(scope="module")
def stored_rfm(tmp_path_factory):
    """The latest snapshot of a seeded demo store: its rows, and lib.segments.tiers' RFM view of it."""
    engine = open_store(f"duckdb:///{tmp_path_factory.mktemp('rfm')}/demo.duckdb")
    seed_demo(engine, customers=5000, snapshots=3, seed=7)
    with engine.connect() as conn:
        rows = read_frame(conn, sa.text(
            "SELECT customer_id, " + ", ".join(SPEND) + ", spend_avg_6m FROM customers "
            "WHERE snapshot_date = (SELECT max(snapshot_date) FROM customers)"))
        latest = conn.execute(sa.text("SELECT max(snapshot_date) FROM customers")).scalar()
        view = segments.rfm_view(conn, Filters(latest), current_rules(engine))
    engine.dispose()
    return rows, view


def rfm_by_hand(rows: pl.DataFrame) -> pl.DataFrame:
    """Scores as data/rules.toml documents them. Recency: 0 months since the latest spend → 5,
    1 → 4, 2 → 3, 3 → 2, more → 1. Frequency and monetary: quintiles with ties sharing the
    score their group reaches, ceil(5 × rank(max) / n) (as pandas' rank(method="max", pct=True))."""
    n = rows.height

    def quintile(column: str) -> pl.Expr:
        return (5 * pl.col(column).rank("max") / n - 1e-9).ceil().cast(pl.Int64)

    months = with_months(rows.with_columns(payment_method=pl.lit(None, pl.String)))
    return months.with_columns(
        monetary=pl.col("spend_avg_6m").fill_null(0.0),
    ).with_columns(
        r=(5 - pl.col("recency")).clip(1, 5).cast(pl.Int64),
        f=quintile("frequency"),
        m=quintile("monetary"),
    ).with_columns(fm=(pl.col("f") + pl.col("m")) // 2)


def test_every_recency_score_and_most_rfm_segments_are_populated(stored_rfm):
    rows, view = stored_rfm
    scored = rfm_by_hand(rows)
    assert set(scored["r"].unique()) == {1, 2, 3, 4, 5}
    rules = tomllib.loads((Path(__file__).parents[1] / "data" / "rules.toml").read_text("utf-8"))
    named = rules["segments"]["rfm"]
    assert len(named) == 10

    def segment(r: int, fm: int) -> str:
        return next(s["key"] for s in named
                    if s["recency"][0] <= r <= s["recency"][1] and s["fm"][0] <= fm <= s["fm"][1])

    keys = [segment(r, fm) for r, fm in zip(scored["r"].to_list(), scored["fm"].to_list())]
    counts = pl.Series("segment", keys).value_counts()
    by_hand = dict(zip(counts["segment"].to_list(), counts["count"].to_list()))
    assert len(by_hand) >= 8, by_hand
    assert sum(by_hand.values()) == rows.height
    # the Segments page's view of the same store agrees with the recomputation
    shown = dict(zip(view.segments["key"].to_list(), view.segments["customers"].to_list()))
    assert {k: v for k, v in shown.items() if v} == by_hand
    # no score holds the rules' undivided share of the base, so the page adds no
    # "does not separate" note on the demo
    limit = rules["segments"]["undivided_share"]
    for column in ("r", "f", "m"):
        assert scored[column].value_counts()["count"].max() / rows.height < limit, column
    assert segments.undivided_scores(view.cells, limit) == ()
