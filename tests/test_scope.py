"""Row-level scope (issue 19): an account limited to some provinces gets, by every path — lib
calls, the pages, the exports, the batch commands — the figures an unscoped account gets with
those provinces chosen, and never a row or an aggregate of another province.

Expected values: the unscoped account's figures for the same provinces, and recounts of the
stored rows in plain polars (``_rows``), never the scoped code itself.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib import auth
from lib.auth import PermissionDenied, User, acting_as, save_account
from lib.store.scope import Scope
from lib.churn.scores import store_model
from lib.churn.actions import call_list, catalogue_entries, display_frame, export_call_list
from lib.demo.generate import generate_snapshots
from lib.lifecycle import curves as lifecycle_curves
from lib.lifecycle.cohort_matrix import cohorts as lifecycle_cohorts
from lib.lifecycle.settings import default_definition
from lib.monthly.alerts import evaluate
from lib.monthly.figures import headline_figures, overview_report
from lib.offers.store import current_catalogue
from lib.operations.plans import PlanDraft, create_plan, list_plans, plan_inputs, plan_members
from lib.overview import queries as overview_queries
from lib.overview.kpis import build_overview
from lib.pipeline.cubes import rebuild_score_cube
from lib.pipeline.derive import derive
from lib.pipeline.snapshots import stored_dates, write_snapshots
from lib.rules.versions import current_rules
from lib.segments.tiers import value_view
from lib.store import churn_scores, customers, read_frame
from lib.store.filters import Filters
from lib.pipeline.migrations import open_store
from tests.factories import model_card

ROOT = Path(__file__).resolve().parents[1]
ADMIN = User("root", "admin")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A 1,500-customer demo base of four monthly snapshots, the latest scored by hand (risk
    deciles cycling 1..10 over the customer ids), and the two largest provinces as the scope."""
    folder = tmp_path_factory.mktemp("scope")
    url = f"duckdb:///{folder}/store.duckdb"
    with acting_as(ADMIN):
        engine = open_store(url)
        rules = current_rules(engine)
        for frame in generate_snapshots(customers=1500, snapshots=4, seed=4):
            write_snapshots(engine, derive(frame), rules=rules, source_name="demo", churn_window_months=1)
        latest = stored_dates(engine)[-1]
        ids = read_frame(engine, sa.select(customers.c.customer_id).where(
            customers.c.snapshot_date == latest, customers.c.churned.is_not(True))
            .order_by(customers.c.customer_id))["customer_id"].to_list()
        rows = [{"snapshot_date": latest, "customer_id": cid, "model_id": 1,
                 "churn_probability": 0.05 + 0.5 * (i % 10) / 10, "risk_decile": i % 10 + 1, "reasons": ""}
                for i, cid in enumerate(ids)]
        store_model(engine, model_card(latest, 3), None)   # model 1: the card the scores name
        with engine.begin() as conn:
            conn.execute(sa.insert(churn_scores), rows)
            rebuild_score_cube(conn, [latest])
        everything = _rows(engine)
    counts = (everything.filter(pl.col("snapshot_date") == latest).group_by("province").len()
              .sort(["len", "province"], descending=[True, False]))
    scope = tuple(counts["province"].to_list()[:2])
    yield engine, url, latest, scope, everything
    engine.dispose()


def _rows(engine) -> pl.DataFrame:
    """Every stored customer row (the test's own recount, not the app's queries)."""
    c = customers.c
    return read_frame(engine, sa.select(c.snapshot_date, c.customer_id, c.province, c.city, c.tier,
                                        c.churned, c.spend_m1))


def _active(rows: pl.DataFrame, date, provinces) -> pl.DataFrame:
    return rows.filter((pl.col("snapshot_date") == date) & pl.col("province").is_in(list(provinces))
                       & (pl.col("churned") != True))   # noqa: E712 - polars expression


def test_nobody_acting_builds_no_query(base):
    engine, _, latest, _, _ = base
    token = auth._actor.set(None)
    try:
        with pytest.raises(PermissionDenied):
            Filters(latest)
    finally:
        auth._actor.reset(token)


def test_a_scoped_account_sees_the_figures_of_its_provinces_and_nothing_else(base):
    engine, _, latest, scope, everything = base
    rules = current_rules(engine)
    scoped = User("gd", "viewer", Scope(scope))
    with engine.connect() as conn:
        with acting_as(ADMIN):
            wide = build_overview(conn, Filters(latest, provinces=scope), rules)
            wide_tiers = value_view(conn, Filters(latest, provinces=scope), rules).tiers
            wide_survival = lifecycle_curves.survival(conn, Filters(latest, provinces=scope), rules,
                                                      default_definition(rules), None, 8).summary
        with acting_as(scoped):
            mine = build_overview(conn, Filters(latest), rules)
            tiers = value_view(conn, Filters(latest), rules).tiers
            survival = lifecycle_curves.survival(conn, Filters(latest), rules,
                                                 default_definition(rules), None, 8).summary
            provinces = read_frame(conn, overview_queries.provinces(latest))["province"].to_list()
            outside = build_overview(conn, Filters(latest, provinces=("no such province",)), rules)
            other = next(p for p in everything["province"].unique().to_list() if p not in scope)
            asked_outside = build_overview(conn, Filters(latest, provinces=(other,)), rules)
    assert [(k.key, k.value, k.previous) for k in mine.kpis] == [(k.key, k.value, k.previous) for k in wide.kpis]
    assert mine.trend.equals(wide.trend) and tiers.equals(wide_tiers) and survival.equals(wide_survival)
    active = _active(everything, latest, scope)
    assert mine.kpi("kpi_active").value == active.height
    assert tiers["active"].sum() == active.height
    assert sorted(provinces) == sorted(scope)
    assert outside.kpi("kpi_active").value in (0, None)
    assert asked_outside.kpi("kpi_active").value in (0, None)   # another province: nothing


def test_call_list_export_and_plans_stay_inside_the_scope(base, tmp_path):
    engine, _, latest, scope, everything = base
    rules = current_rules(engine)
    catalogue = catalogue_entries(current_catalogue(engine)[1])
    scoped = User("gd", "analyst", Scope(scope))
    with engine.connect() as conn:
        with acting_as(ADMIN):
            wide = call_list(conn, Filters(latest, provinces=scope), rules, ("high", "medium", "low"), (), catalogue)
            inputs = plan_inputs(conn, "selection", Filters(latest), rules, (), (), (), (), catalogue)
        with acting_as(scoped):
            mine = call_list(conn, Filters(latest), rules, ("high", "medium", "low"), (), catalogue)
    assert set(mine.rows["province"].unique().to_list()) <= set(scope)
    assert mine.rows["customer_id"].to_list() == wide.rows["customer_id"].to_list()
    with acting_as(scoped):
        for file_format in ("csv", "xlsx"):
            data = export_call_list(engine, display_frame(mine, rules, "en", False), file_format, latest, True)
            back = (pl.read_csv(io.BytesIO(data[3:])) if file_format == "csv"
                    else pl.read_excel(io.BytesIO(data)))
            assert set(back["Province"].to_list()) <= set(scope) and back.height == mine.rows.height
    # a plan drawn over the whole base: the scoped account sees only its provinces' members
    with acting_as(ADMIN):
        draft = PlanDraft(name="all", purpose="", channel="phone", snapshot_date=latest, window_start=None,
                          window_end=None, offer_ids=(), selection={"source": "selection"},
                          target_effect=0.05, holdout_size=20, seed=3)
        plan_id = create_plan(engine, draft, inputs.candidates, rules, catalogue)
        with engine.connect() as conn:
            all_members = plan_members(conn, plan_id)
    with acting_as(scoped), engine.connect() as conn:
        members = plan_members(conn, plan_id)
        plans = list_plans(conn)
        with_scope = plan_inputs(conn, "selection", Filters(latest), rules, (), (), (), (), catalogue)
    expected = all_members.filter(pl.col("province").is_in(list(scope)))
    assert members.sort("customer_id").equals(expected.sort("customer_id"))
    row = plans.filter(pl.col("plan_id") == plan_id).row(0, named=True)
    assert row["treated"] + row["holdout"] == expected.height
    assert set(with_scope.candidates["province"].to_list()) <= set(scope)
    assert with_scope.matched == _active(everything, latest, scope).height


def test_report_figures_and_alerts_are_the_scoped_ones(base):
    engine, _, latest, scope, everything = base
    rules = current_rules(engine)
    scoped = User("gd", "viewer", Scope(scope))
    with acting_as(scoped):
        with engine.connect() as conn:
            view, page = overview_report(conn, Filters(latest), rules, "en")
        figures = headline_figures(engine, Filters(latest), rules, view)
        breaches = evaluate(engine, latest, rules)
    kpis = {k["kpi"]: k["value"] for k in figures["overview"]["kpis"]}
    assert kpis["kpi_active"] == _active(everything, latest, scope).height
    assert sum(r["active"] for r in figures["segments"]["tiers"]) == _active(everything, latest, scope).height
    assert figures["scope"]["provinces"] == list(scope)
    assert "You see only" in page
    assert {b.entity for b in breaches if b.entity_kind == "province"} <= set(scope)


def test_a_city_scope_refuses_what_is_summed_per_province(base):
    engine, _, latest, _, everything = base
    rules = current_rules(engine)
    city = everything.filter(pl.col("snapshot_date") == latest)["city"].drop_nulls()[0]
    catalogue = catalogue_entries(current_catalogue(engine)[1])
    with acting_as(User("city", "viewer", Scope((), (city,)))), engine.connect() as conn:
        with pytest.raises(PermissionDenied) as refused:
            build_overview(conn, Filters(latest), rules)
        assert refused.value.code == "scope_cities_unsupported"
        calls = call_list(conn, Filters(latest), rules, ("high", "medium", "low"), (), catalogue)
    assert set(calls.rows["city"].to_list()) <= {city} and calls.rows.height > 0


def test_accounts_carry_their_scope(tmp_path):
    users = tmp_path / "users.toml"
    with acting_as(ADMIN):
        save_account("gd", "analyst", "gd password", users, scope=Scope(("广东", "江苏")))
        save_account("boss@example.com", "viewer", "boss password", users)
    assert auth.user_of("gd", users) == User("gd", "analyst", Scope(("广东", "江苏")))
    assert auth.sso_user("boss@example.com", users).scope.whole_base
    assert auth.sso_user("stranger@example.com", users) == User("stranger@example.com", "viewer")
    assert auth.authenticate("gd", "gd password", users).scope == Scope(("广东", "江苏"))


def test_users_add_stores_the_scope(tmp_path, monkeypatch):
    from lib.cli import main

    users = tmp_path / "users.toml"
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["users", "add", "js", "--role", "viewer", "--provinces", "江苏，浙江", "--cities", "南京",
                 "--password-stdin"]) == 0
    assert auth.user_of("js", users).scope == Scope(("江苏", "浙江"), ("南京",))


def test_batch_exports_as_a_scoped_user(base, tmp_path, monkeypatch):
    from lib.cli import main

    engine, url, latest, scope, everything = base
    users = tmp_path / "users.toml"
    with acting_as(ADMIN):
        save_account("gd", "analyst", "gd password", users, scope=Scope(scope))
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    engine.dispose()   # one DuckDB writer: the command opens its own engine
    out = tmp_path / "calls.csv"
    assert main(["call-list", "--db", url, "--user", "gd", "--bands", "high,medium,low", "--out", str(out)]) == 0
    listed = pl.read_csv(out)
    assert set(listed["Province"].to_list()) <= set(scope) and listed.height > 0
    assert main(["call-list", "--db", url, "--bands", "high,medium,low",
                 "--provinces", ",".join(scope), "--out", str(tmp_path / "wide.csv")]) == 0
    assert pl.read_csv(tmp_path / "wide.csv").height == listed.height
    assert main(["report", "--db", url, "--user", "gd", "--out", str(tmp_path / "report")]) == 0
    figures = json.loads((tmp_path / "report" / "figures.json").read_text(encoding="utf-8"))
    kpis = {k["kpi"]: k["value"] for k in figures["overview"]["kpis"]}
    assert kpis["kpi_active"] == _active(everything, latest, scope).height
    assert main(["report", "--db", url, "--user", "nobody", "--out", str(tmp_path / "x")]) == 2


def test_the_app_limits_and_states_the_scope(base, tmp_path, monkeypatch):
    engine, url, latest, scope, everything = base
    users = tmp_path / "users.toml"
    with acting_as(ADMIN):
        save_account("gd", "viewer", "gd password", users, scope=Scope(scope))
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    monkeypatch.setenv("RETENTION_DB_URL", url)
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.text_input[0].input("gd")
    at.text_input[1].input("gd password")
    at.button[0].click().run()
    assert not at.exception
    provinces = next(box for box in at.sidebar.multiselect if box.label == "Provinces")
    # options show "广东 (Guangdong)" in English: the name before the romanisation
    assert sorted(option.split(" (")[0] for option in provinces.options) == sorted(scope)
    assert any("You see only" in c.value and scope[0] in c.value for c in at.sidebar.caption)
    active = next(m.value for m in at.metric if m.label.lstrip("⚠ ") == "Active customers")
    assert active == f"{_active(everything, latest, scope).height:,}"
    at.switch_page("views/action_list.py").run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert set(shown["Province"].to_list()) <= set(scope) and len(shown) > 0


def test_the_segments_offers_and_lifecycle_downloads_hold_only_the_scope(base):
    """The frames behind the pages' CSV downloads (province map table, tier × brand,
    migration watch, offer targets, cohort matrix), for the scoped account: only its provinces,
    and the same as the unscoped account's with those provinces chosen."""
    from lib.offers.targets import offer_targets
    from lib.rules.economics import economics_of, offer_inputs
    from lib.segments import geo
    from lib.segments.tiers import migration_view, tier_dimension_view

    engine, _, latest, scope, everything = base
    rules = current_rules(engine)
    dates = stored_dates(engine)
    money = economics_of(offer_inputs(rules, None))

    def frames(filters):
        areas = geo.province_view(conn, filters, rules).areas
        crossed = tier_dimension_view(conn, filters, "brand")
        watch = migration_view(conn, filters, rules, dates[-2]).watch
        targets = offer_targets(conn, filters, rules, money).frame
        matrix = lifecycle_cohorts(conn, filters, rules, default_definition(rules), 24)
        return areas, crossed, watch, targets, matrix

    with engine.connect() as conn:
        with acting_as(ADMIN):
            wide = frames(Filters(latest, provinces=scope))
        with acting_as(User("gd", "viewer", Scope(scope))):
            mine = frames(Filters(latest))
    areas, crossed, watch, targets, matrix = mine
    assert set(areas["area"].to_list()) == set(scope)
    assert crossed["active"].sum() <= _active(everything, latest, scope).height
    allowed = set(everything.filter(pl.col("province").is_in(list(scope)))["customer_id"].to_list())
    assert set(watch["customer_id"].to_list()) <= allowed
    assert targets["customers"].sum() == _active(everything, latest, scope).height
    for got, expected in zip(mine, wide):
        assert got.equals(expected)
