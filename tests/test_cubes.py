"""The lifetime cube, the score cube and the campaign contacts (lib/pipeline/cubes.py) against the rows
they summarise, on DuckDB and PostgreSQL.

The Offers and Lifecycle pages read lifetimes from the cube when it holds the rules' churn
definition; these tests check that what they read equals the lifetimes computed from the rows
(``queries.lifecycle.lifetimes``, whose hand-worked cases are in test_lifecycle_queries.py)
after every kind of change that moves lifetimes: snapshots imported out of order, a snapshot
deleted, the churn definition changed in the rules. The calibration's contact counts and the
Offers page's tier × risk-decile groups are checked against the same figures worked out here in
polars from the stored rows and scores.
"""
from __future__ import annotations

import datetime as dt
import zlib

import polars as pl
import pytest
import sqlalchemy as sa

from lib.lifecycle import settings as lifecycle_settings
from lib.lifecycle import stages as lifecycle_stages
from lib.lifecycle import curves as lifecycle_curves
from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive
from lib.offers.calibration import campaign_calibration
from lib.store.filters import Filters
from lib.lifecycle import queries as q
from lib.churn.scores import store_model
from lib.pipeline.cubes import rebuild_score_cube
from lib.offers.queries import campaign_outcomes, scored_groups
from lib.rules import edit_rules_text
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.pipeline.snapshots import delete_snapshot, stored_dates, write_snapshots
from lib.store import churn_scores, customers, lifetime_cube, read_frame
from lib.pipeline.migrations import open_store
from tests.factories import model_card


@pytest.fixture
def frames() -> list[pl.DataFrame]:
    # 2,000 customers: the campaign (about 25 customers) then has churners after contact
    # (3 by the rows of seed 5), which test_calibration_reads_contacts_as_of_the_chosen_snapshot needs
    return [derive(f) for f in generate_snapshots(customers=2000, snapshots=6, seed=5)]


def _from_rows(conn: sa.Connection, filters: Filters, definition, rules, dimension) -> pl.DataFrame:
    frame = read_frame(conn, q.lifetimes(filters, definition, rules,
                                         lifecycle_stages.timeline(conn, filters.snapshot_date), dimension))
    return frame.with_columns(pl.col("segment").cast(pl.String))


def _filter_sets(conn: sa.Connection, date: dt.date) -> list[Filters]:
    provinces = sorted(p for p in read_frame(conn, sa.select(customers.c.province).distinct().where(
        customers.c.snapshot_date == date))["province"].to_list() if p)
    return [Filters(date), Filters(date, tuple(provinces[:2])), Filters(date, (), (1, 5, 6)),
            Filters(date, tuple(provinces[1:3]), (2, 3))]


def _assert_cube_matches_rows(engine: sa.Engine) -> int:
    """Every stored date, four filter sets, no dimension / tier / province: the cube's lifetimes
    equal the rows' (same rows, same order, same values). Returns the comparisons made."""
    rules = current_rules(engine)
    definition = lifecycle_settings.default_definition(rules)
    compared = 0
    with engine.connect() as conn:
        for date in stored_dates(conn):
            assert conn.execute(q.cube_built(date, definition)).first(), f"no cube for {date}"
            for filters in _filter_sets(conn, date):
                for dimension in (None, "tier", "province"):
                    cube = lifecycle_curves.lifetime_counts(conn, filters, rules, definition, dimension)
                    rows = _from_rows(conn, filters, definition, rules, dimension)
                    assert cube.height == rows.height, (date, filters, dimension)
                    assert cube.schema == rows.schema, (cube.schema, rows.schema)
                    assert cube.equals(rows), (date, filters, dimension)
                    compared += 1
    return compared


def _contacts_from_rows(conn: sa.Connection, filters: Filters) -> pl.DataFrame:
    """``campaign_outcomes`` worked out in polars from every stored row up to the snapshot."""
    rows = read_frame(conn, sa.select(customers).where(customers.c.snapshot_date <= filters.snapshot_date))
    campaign = rows.filter(pl.col("treated").is_not_null() & pl.col("offer_id").is_not_null())
    first = campaign.group_by("customer_id", "offer_id").agg(contact_month=pl.col("snapshot_month").min())
    contact = first.join(rows, left_on=["customer_id", "offer_id", "contact_month"],
                         right_on=["customer_id", "offer_id", "snapshot_month"])
    churns = rows.filter(pl.col("churned")).select("customer_id", later_month=pl.col("snapshot_month"))
    later = (contact.join(churns, on="customer_id", how="left")
             .group_by("customer_id", "offer_id")
             .agg(churned_after=(pl.col("later_month") > pl.col("contact_month")).any()))
    contact = contact.join(later, on=["customer_id", "offer_id"])
    if filters.provinces:
        contact = contact.filter(pl.col("province").is_in(filters.provinces))
    if filters.tiers:
        contact = contact.filter(pl.col("tier").is_in(filters.tiers))
    return (contact.group_by("offer_id", "tier", "treated")
            .agg(customers=pl.len(), accepted=pl.col("accepted").fill_null(False).sum(),
                 churned=pl.col("churned_after").sum())
            .sort("offer_id", "tier", "treated"))


def _assert_contacts_match_rows(engine: sa.Engine) -> int:
    compared = 0
    with engine.connect() as conn:
        for date in stored_dates(conn):
            for filters in _filter_sets(conn, date):
                stored = read_frame(conn, campaign_outcomes(filters))
                expected = _contacts_from_rows(conn, filters)
                assert stored.height == expected.height, (date, filters)
                for column in ("offer_id", "tier", "treated", "customers", "accepted", "churned"):
                    assert stored[column].to_list() == expected[column].to_list(), (date, filters, column)
                compared += stored.height
    return compared


def test_cube_and_contacts_follow_out_of_order_imports_and_deletes(db_url, frames):
    engine = open_store(db_url)
    rules = current_rules(engine)
    # the third and the last months arrive late: later dates' lifetimes must be rebuilt
    for index in (0, 1, 3, 4, 2, 5):
        write_snapshots(engine, frames[index], rules=rules, source_name=f"month {index}", churn_window_months=1)
        _assert_cube_matches_rows(engine)
    assert _assert_contacts_match_rows(engine) > 20     # the demo's campaign gives contacts

    dates = stored_dates(engine)
    delete_snapshot(engine, dates[2])                      # a month in the middle
    assert _assert_cube_matches_rows(engine) == 5 * 4 * 3
    _assert_contacts_match_rows(engine)
    delete_snapshot(engine, dates[0])                      # the first: left truncation moves
    _assert_cube_matches_rows(engine)
    _assert_contacts_match_rows(engine)
    with engine.connect() as conn:
        held = read_frame(conn, sa.select(lifetime_cube.c.snapshot_date).distinct())
    assert sorted(held["snapshot_date"].to_list()) == stored_dates(engine)
    engine.dispose()


def test_a_new_churn_definition_rebuilds_the_cube_and_the_old_one_reads_rows(db_url, frames):
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in frames[:4]:
        write_snapshots(engine, frame, rules=rules, source_name="demo", churn_window_months=1)
    old = lifecycle_settings.default_definition(rules)
    new_rules = save_rules(engine, edit_rules_text(rules.text, {
        "lifecycle_analysis.churn_types": ["switch"], "churn_exclusions.involuntary": False}))
    new = lifecycle_settings.default_definition(new_rules)
    assert new.key != old.key
    _assert_cube_matches_rows(engine)
    latest = stored_dates(engine)[-1]
    with engine.connect() as conn:
        assert not conn.execute(q.cube_built(latest, old)).first()
        # the old definition is still answered, from the rows
        again = lifecycle_curves.lifetime_counts(conn, Filters(latest), new_rules, old, "tier")
        assert again.equals(_from_rows(conn, Filters(latest), old, new_rules, "tier"))
        assert again["customers"].sum() > 0
    engine.dispose()


def test_calibration_reads_contacts_as_of_the_chosen_snapshot(db_url, frames):
    """Contacts made after the chosen snapshot and churn shown after it are not counted."""
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in frames:
        write_snapshots(engine, frame, rules=rules, source_name="demo", churn_window_months=1)
    dates = stored_dates(engine)
    with engine.connect() as conn:
        before, first, last = (campaign_calibration(conn, Filters(d)) for d in (dates[2], dates[3], dates[-1]))
        churned = [read_frame(conn, campaign_outcomes(Filters(d)))["churned"].sum() or 0 for d in dates]
    # the demo's campaign starts in the fourth month; churn after contact shows from the fifth
    assert before.height == 0 and first.height and last["treated"].sum() >= first["treated"].sum()
    assert churned[:4] == [0, 0, 0, 0] and churned == sorted(churned) and churned[-1] > 0
    engine.dispose()


def _groups_from_rows(conn: sa.Connection, filters: Filters) -> pl.DataFrame:
    """``scored_groups`` worked out in polars: the newest model's scores joined to the rows."""
    scores = read_frame(conn, sa.select(churn_scores).where(churn_scores.c.snapshot_date == filters.snapshot_date))
    scores = scores.filter(pl.col("model_id") == scores["model_id"].max())
    rows = read_frame(conn, sa.select(customers).where(customers.c.snapshot_date == filters.snapshot_date))
    joined = scores.join(rows, on="customer_id").filter(pl.col("churned").not_())
    if filters.provinces:
        joined = joined.filter(pl.col("province").is_in(filters.provinces))
    if filters.tiers:
        joined = joined.filter(pl.col("tier").is_in(filters.tiers))
    return (joined.group_by("tier", "risk_decile")
            .agg(customers=pl.len(), churn_probability=pl.col("churn_probability").mean(),
                 spend=pl.col("spend_m1").fill_null(0.0).mean())
            .sort("tier", "risk_decile"))


def _store_scores(engine: sa.Engine, date: dt.date, model_id: int) -> None:
    with engine.begin() as conn:
        ids = read_frame(conn, sa.select(customers.c.customer_id).where(
            customers.c.snapshot_date == date, customers.c.churned.is_not(True)))["customer_id"]
        conn.execute(sa.insert(churn_scores), [
            {"snapshot_date": date, "customer_id": cid, "model_id": model_id,
             "churn_probability": (zlib.crc32(cid.encode()) % 1000) / 1000,
             "risk_decile": zlib.crc32(cid.encode()) % 1000 // 100 + 1, "reasons": None}
            for cid in ids.to_list()])
        rebuild_score_cube(conn, [date])             # as lib.churn.scores.score_snapshot does


def _assert_groups_match_rows(engine: sa.Engine, date: dt.date) -> None:
    with engine.connect() as conn:
        for filters in _filter_sets(conn, date):
            stored = read_frame(conn, scored_groups(filters))
            expected = _groups_from_rows(conn, filters)
            assert stored["tier"].to_list() == expected["tier"].to_list(), filters
            assert stored["decile"].to_list() == expected["risk_decile"].to_list(), filters
            assert stored["customers"].to_list() == expected["customers"].to_list(), filters
            for column in ("churn_probability", "spend"):
                assert stored[column].to_list() == pytest.approx(expected[column].to_list(), rel=1e-12), filters


def test_score_cube_gives_the_scored_groups_and_follows_tier_changes(db_url, frames):
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in frames[:3]:
        write_snapshots(engine, frame, rules=rules, source_name="demo", churn_window_months=1)
    latest = stored_dates(engine)[-1]
    store_model(engine, model_card(latest, 3), None)
    _store_scores(engine, latest, 1)
    _assert_groups_match_rows(engine, latest)
    with engine.connect() as conn:
        before = read_frame(conn, scored_groups(Filters(latest)))
    # higher spend bounds move customers down a tier: the cube follows the stored tiers
    save_rules(engine, edit_rules_text(rules.text, {"tiers.spend_min": [0, 80, 160, 300, 600]}))
    _assert_groups_match_rows(engine, latest)
    with engine.connect() as conn:
        after = read_frame(conn, scored_groups(Filters(latest)))
        assert after["customers"].sum() == before["customers"].sum()
        assert not after.filter(pl.col("tier") <= 2)["customers"].sum() == before.filter(
            pl.col("tier") <= 2)["customers"].sum()
    delete_snapshot(engine, latest)
    with engine.connect() as conn:
        assert read_frame(conn, scored_groups(Filters(latest))).height == 0
    engine.dispose()
