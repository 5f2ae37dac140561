"""Call-back plans: the power calculation against published cases and a simulation, the
hold-out's randomness and reproducibility, plans on both engines, and roles."""
import datetime as dt

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa

from lib.pipeline.cubes import rebuild_score_cube
from lib.auth import PermissionDenied, User, acting_as
from lib.churn.actions import catalogue_entries
from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive
from lib.offers.store import current_catalogue
from lib.operations.plans import (
    PlanDraft,
    build_members,
    candidates_from_call_list,
    create_plan,
    delete_plan,
    list_plans,
    operations_settings,
    plan_inputs,
    plan_members,
    set_status,
)
from lib.operations.holdout import OperationsError, draw_holdout, holdout_size_needed, power_of, propose_holdout
from lib.store.filters import Filters
from lib.rules import RulesError, default_rules, edit_rules_text, parse_rules
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import list_snapshots, write_snapshots
from lib.store import churn_scores, plan_customers, read_frame
from lib.pipeline.migrations import open_store

RULES = default_rules()
SETTINGS = operations_settings(RULES)


# --- power calculation ---------------------------------------------------------------------------

def test_sample_size_matches_r_power_prop_test_documentation():
    # R's stats::power.prop.test help page (Fleiss's normal approximation, no correction):
    #   power.prop.test(p1 = .50, p2 = .75, power = .90)  ## => n = 76.7
    #   power.prop.test(n = 50, p1 = .50, p2 = .75)       ## => power = 0.740
    n = holdout_size_needed(0.75, 0.25, alpha=0.05, power=0.90, continuity_correction=False)
    assert round(n, 1) == 76.7
    assert round(power_of(50, 50, 0.75, 0.25, alpha=0.05, continuity_correction=False), 3) == 0.740


def test_sample_size_matches_zar_example_with_continuity_correction():
    # Zar, Biostatistical Analysis (4th ed., 1999), Example 24.26, as reproduced by Unistat's
    # manual (6.7.6.1): p1 = 0.45, p2 = 0.25, alpha 0.05 two-sided, power 0.90 ->
    # n = 127.2343 per group; with n2/n1 = 3 -> n1 = 83.1527 (n2 = 249.4581). These use the
    # continuity correction of Fleiss, Tytun & Ury (1980).
    assert holdout_size_needed(0.45, 0.20, 0.05, 0.90, 1.0, True) == pytest.approx(127.2343, abs=1e-4)
    assert holdout_size_needed(0.45, 0.20, 0.05, 0.90, 3.0, True) == pytest.approx(83.1527, abs=1e-4)


def test_power_of_the_proposed_sample_size_holds_in_a_simulation():
    # Independent check of what the formula means: draw many trials with n per arm and count
    # how often the pooled two-proportion z test rejects at alpha = 0.05.
    baseline, effect = 0.30, 0.08
    n = int(np.ceil(holdout_size_needed(baseline, effect, 0.05, 0.80, 1.0, False)))
    rng = np.random.default_rng(11)
    trials = 40_000
    held = rng.binomial(n, baseline, trials) / n
    treated = rng.binomial(n, baseline - effect, trials) / n
    pooled = (held + treated) / 2
    z = (held - treated) / np.sqrt(pooled * (1 - pooled) * 2 / n)
    rejected = float(np.mean(np.abs(z) > 1.959964))
    assert rejected == pytest.approx(0.80, abs=0.012)


def test_proposal_is_the_smallest_hold_out_with_the_power():
    settings = operations_settings(parse_rules(edit_rules_text(RULES.text, {
        "operations.continuity_correction": False})))
    proposal = propose_holdout(4000, 0.25, 0.05, settings)
    assert proposal.enough and proposal.holdout < 2000          # a large list needs a smaller hold-out
    h = proposal.holdout
    assert power_of(h, 4000 - h, 0.25, 0.05, 0.05, False) >= 0.80
    assert power_of(h - 1, 4001 - h, 0.25, 0.05, 0.05, False) < 0.80
    assert proposal.per_arm_equal == int(np.ceil(holdout_size_needed(0.25, 0.05, 0.05, 0.80, 1.0, False)))
    assert proposal.list_needed == 2 * proposal.per_arm_equal


def test_a_list_too_small_gets_the_default_share_and_says_so():
    proposal = propose_holdout(500, 0.30, 0.05, SETTINGS)
    assert not proposal.enough
    assert proposal.holdout == 100                              # 20 % default share of 500
    assert proposal.list_needed > 500 and proposal.achieved_power < 0.8


def test_an_effect_beyond_the_baseline_is_refused():
    with pytest.raises(OperationsError) as caught:
        holdout_size_needed(0.04, 0.05, 0.05, 0.8)
    assert caught.value.code == "ops_bad_effect"


def test_bad_operations_rules_are_refused():
    with pytest.raises(RulesError):
        operations_settings(parse_rules(edit_rules_text(RULES.text, {"operations.power": 1.5})))
    assert SETTINGS.reach_rate_target == 0.85 and SETTINGS.alpha == 0.05 and SETTINGS.power == 0.8


# --- the hold-out --------------------------------------------------------------------------------

IDS = [f"C{i:05d}" for i in range(1000)]


def test_holdout_is_reproducible_whatever_the_order():
    shuffled = list(np.random.default_rng(5).permutation(IDS))
    first = draw_holdout(IDS, 150, seed=42)
    assert first == draw_holdout(shuffled, 150, seed=42) == draw_holdout(pl.Series(IDS), 150, seed=42)
    assert len(first) == 150 and first <= set(IDS)
    assert first != draw_holdout(IDS, 150, seed=43)


def test_holdout_is_random():
    # Over many seeds every customer is held out about as often (150/1000), and the hold-out is
    # not a block of the sorted ids.
    counts = np.zeros(len(IDS))
    index = {c: i for i, c in enumerate(IDS)}
    for seed in range(400):
        for c in draw_holdout(IDS, 150, seed):
            counts[index[c]] += 1
    expected = 400 * 0.15
    chi2 = float(((counts - expected) ** 2 / (expected * 0.85)).sum())   # ~ chi-square, 999 df
    assert 850 < chi2 < 1150
    positions = sorted(index[c] for c in draw_holdout(IDS, 150, 1))
    assert positions[0] < 50 and positions[-1] > 950


def test_members_split_into_disjoint_arms():
    candidates = pl.DataFrame({"customer_id": IDS[:300], "tier": [4] * 300, "stage": ["maturity"] * 300,
                               "province": ["广东", "北京", "西藏"] * 100,
                               "churn_probability": [0.3] * 300, "offer_id": ["care_call"] * 300})
    draft = PlanDraft("p", "", "phone", dt.date(2026, 10, 31), None, None, (), holdout_size=60, seed=9)
    members = build_members(candidates, draft, RULES, [])
    held = members.filter(pl.col("arm") == "holdout")
    treated = members.filter(pl.col("arm") == "treated")
    assert held.height == 60 and treated.height == 240
    assert set(held["customer_id"]) == draw_holdout(IDS[:300], 60, 9)
    assert not set(held["customer_id"]) & set(treated["customer_id"])
    assert held["manager"].null_count() == 60 and held["offer_id"].null_count() == 60
    assert treated["manager"].null_count() == 0                  # 240 fit the managers' capacity
    assert set(treated.filter(pl.col("province") == "广东")["manager"]) == {"South team / 华南组"}
    assert set(treated["offer_id"]) == {"care_call"}


# --- plans in the store (DuckDB and PostgreSQL) ---------------------------------------------------

@pytest.fixture
def scored(db_url):
    """A 400-customer demo base of two snapshots; the latest scored by hand (no model fit)."""
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in generate_snapshots(customers=400, snapshots=2, seed=4):
        write_snapshots(engine, derive(frame), rules=rules, source_name="demo", churn_window_months=1)
    latest = list_snapshots(engine)["snapshot_date"].max()
    from lib.store import customers
    ids = read_frame(engine, sa.select(customers.c.customer_id).where(
        customers.c.snapshot_date == latest, customers.c.churned.is_not(True)).order_by(customers.c.customer_id))
    rows = [{"snapshot_date": latest, "customer_id": cid, "model_id": 1,
             "churn_probability": 0.05 + 0.5 * (i % 10) / 10, "risk_decile": i % 10 + 1, "reasons": ""}
            for i, cid in enumerate(ids["customer_id"].to_list())]
    with engine.begin() as conn:
        conn.execute(sa.insert(churn_scores), rows)
        rebuild_score_cube(conn, [latest])           # as lib.churn.scores.score_snapshot does
    yield engine, latest
    engine.dispose()


def _draft(latest, **changes):
    values = dict(name="Q4 retention", purpose="before contract end", channel="phone", snapshot_date=latest,
                  window_start=dt.date(2026, 11, 1), window_end=dt.date(2026, 11, 15), offer_ids=(),
                  selection={"source": "selection"}, target_effect=0.05, holdout_size=20, seed=3)
    values.update(changes)
    return PlanDraft(**values)


def test_plan_from_a_selection_and_its_lifecycle(scored):
    engine, latest = scored
    rules = current_rules(engine)
    catalogue = catalogue_entries(current_catalogue(engine)[1])
    with engine.connect() as conn:
        inputs = plan_inputs(conn, "selection", Filters(latest), rules, (), (), (4, 5, 6), (), catalogue)
    assert inputs.candidates.height == inputs.matched > 20
    assert inputs.baseline.source == "scores"
    assert inputs.baseline.rate == pytest.approx(float(inputs.candidates["churn_probability"].mean()))
    offer = catalogue[0]["id"]
    plan_id = create_plan(engine, _draft(latest, offer_ids=(offer,)), inputs.candidates, rules, catalogue)
    with engine.connect() as conn:
        plans = list_plans(conn)
        members = plan_members(conn, plan_id)
    row = plans.row(0, named=True)
    assert (row["plan_id"], row["status"], row["holdout"], row["treated"]) == (
        plan_id, "draft", 20, inputs.candidates.height - 20)
    assert row["snapshot_month"] == latest.year * 12 + latest.month - 1
    assert row["holdout_share"] == pytest.approx(20 / inputs.candidates.height)
    assert set(members.filter(pl.col("arm") == "holdout")["customer_id"]) == draw_holdout(
        inputs.candidates["customer_id"], 20, 3)
    eligible = set(catalogue[0]["eligible_tiers"])
    treated = members.filter(pl.col("arm") == "treated")
    assert set(treated.filter(pl.col("tier").is_in(list(eligible)))["offer_id"]) == {offer}
    # Same seed, same list: a second plan draws the same hold-out.
    second = create_plan(engine, _draft(latest, name="again"), inputs.candidates.reverse(), rules, catalogue)
    with engine.connect() as conn:
        again = plan_members(conn, second)
    assert set(again.filter(pl.col("arm") == "holdout")["customer_id"]) == set(
        members.filter(pl.col("arm") == "holdout")["customer_id"])

    with pytest.raises(OperationsError):
        set_status(engine, plan_id, "closed")                   # draft cannot jump to closed
    set_status(engine, plan_id, "active")
    with pytest.raises(OperationsError) as caught:
        delete_plan(engine, plan_id)                             # only drafts go
    assert caught.value.code == "ops_delete_not_draft"
    set_status(engine, plan_id, "closed")
    delete_plan(engine, second)
    with engine.connect() as conn:
        assert list_plans(conn)["status"].to_list() == ["closed"]
        left = conn.execute(sa.select(sa.func.count()).select_from(plan_customers)
                            .where(plan_customers.c.plan_id == second)).scalar()
    assert left == 0


def test_plan_from_the_call_list(scored):
    engine, latest = scored
    rules = current_rules(engine)
    catalogue = catalogue_entries(current_catalogue(engine)[1])
    with engine.connect() as conn:
        inputs = plan_inputs(conn, "action_list", Filters(latest), rules, ("high",), (), (), (), catalogue)
    assert 0 < inputs.candidates.height <= 500
    assert inputs.candidates["churn_probability"].min() >= 0.05 + 0.5 * 0.8 - 1e-9   # deciles 9-10
    plan_id = create_plan(engine, _draft(latest, holdout_size=10, selection={"source": "action_list"}),
                          inputs.candidates, rules, catalogue)
    with engine.connect() as conn:
        members = plan_members(conn, plan_id)
    assert members.height == inputs.candidates.height
    treated = members.filter(pl.col("arm") == "treated")
    recommended = dict(zip(inputs.candidates["customer_id"], inputs.candidates["offer_id"]))
    assert all(recommended[c] == o for c, o in zip(treated["customer_id"], treated["offer_id"]))


def test_bad_drafts_are_refused(scored):
    engine, latest = scored
    rules = current_rules(engine)
    candidates = candidates_from_call_list(pl.DataFrame({
        "customer_id": ["a", "b"], "tier": [1, 2], "stage": ["growth"] * 2, "province": ["北京"] * 2,
        "churn_probability": [0.2, 0.3], "offer_id": [None, None]}))
    for change, code in (({"name": " "}, "ops_name_missing"), ({"channel": "fax"}, "ops_bad_channel"),
                         ({"holdout_size": 2}, "ops_bad_holdout"), ({"offer_ids": ("nope",)}, "ops_unknown_offer"),
                         ({"window_end": dt.date(2026, 10, 1)}, "ops_bad_window")):
        with pytest.raises(OperationsError) as caught:
            create_plan(engine, _draft(latest, **change), candidates, rules, [])
        assert caught.value.code == code
    with engine.connect() as conn:
        assert list_plans(conn).height == 0


def test_a_viewer_cannot_create_or_change_plans(duckdb_url):
    engine = open_store(duckdb_url)
    rules = current_rules(engine)
    candidates = candidates_from_call_list(pl.DataFrame({
        "customer_id": ["a", "b", "c"], "tier": [1, 2, 3], "stage": ["growth"] * 3, "province": ["北京"] * 3,
        "churn_probability": [0.2] * 3, "offer_id": [None] * 3}))
    plan_id = create_plan(engine, _draft(dt.date(2026, 10, 31), holdout_size=1), candidates, rules, [])
    with acting_as(User("v", "viewer")):
        with pytest.raises(PermissionDenied):
            create_plan(engine, _draft(dt.date(2026, 10, 31), holdout_size=1), candidates, rules, [])
        with pytest.raises(PermissionDenied):
            set_status(engine, plan_id, "active")
        with pytest.raises(PermissionDenied):
            delete_plan(engine, plan_id)
    with acting_as(User("a", "analyst")):
        set_status(engine, plan_id, "active")
    with engine.connect() as conn:
        assert list_plans(conn)["status"].to_list() == ["active"]
    engine.dispose()


def test_selection_and_call_list_are_the_same_on_both_engines(duckdb_url, pg_url):
    found = []
    for url in (duckdb_url, pg_url):
        engine = open_store(url)
        rules = current_rules(engine)
        for frame in generate_snapshots(customers=300, snapshots=1, seed=8):
            write_snapshots(engine, derive(frame), rules=rules, source_name="demo", churn_window_months=1)
        latest = list_snapshots(engine)["snapshot_date"].max()
        with engine.connect() as conn:
            inputs = plan_inputs(conn, "selection", Filters(latest), rules, (), ("maturity", "decline"), (3, 4, 5, 6),
                                 (), [])
        found.append((inputs.candidates, inputs.matched, inputs.baseline))
        engine.dispose()
    (a, matched_a, base_a), (b, matched_b, base_b) = found
    assert matched_a == matched_b > 0 and a.equals(b)
    assert base_a.source == base_b.source and base_a.rate == pytest.approx(base_b.rate, abs=1e-12)


def test_rules_saved_before_a_key_existed_take_the_shipped_value():
    """A stored rules version whose [operations] lacks keys added later (as on bases seeded by an
    earlier version) works on the shipped values instead of refusing the page."""
    from lib.operations.results import results_settings
    from lib.rules import default_rules, parse_rules

    shipped = default_rules()
    text = "\n".join(line for line in shipped.text.splitlines()
                     if not line.startswith(("max_plan_customers", "result_months")))
    old = parse_rules(text, version=3)
    assert "max_plan_customers" not in old.section("operations")
    settings = operations_settings(old)
    assert settings.max_plan_customers == shipped.section("operations")["max_plan_customers"]
    assert results_settings(old).result_months == shipped.section("operations")["result_months"]
    edited = parse_rules(text.replace("reach_rate_target = 0.85", "reach_rate_target = 0.7"), version=4)
    assert operations_settings(edited).reach_rate_target == 0.7      # what was saved still counts
