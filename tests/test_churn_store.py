"""Churn labels, training, batch scoring and revenue at risk through the store, on DuckDB and
PostgreSQL."""
import datetime as dt

import polars as pl
import pytest

from lib.churn.actions import export_history, record_export
from lib.churn.explain import REASON_GROUPS, parse_reasons
from lib.churn.scores import churn_view, revenue_at_risk_from_scores, score_snapshot, train_and_score
from lib.churn.train import read_rows
from lib.demo.generate import generate_snapshots
from lib.pipeline.derive import derive
from lib.store.filters import Filters
from lib.churn import queries as q
from lib.rules import edit_rules_text, parse_rules
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.store import read_frame
from lib.pipeline.migrations import open_store
from tests.factories import customer, snapshot

S1, S2, S3 = dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31)


@pytest.fixture
def hand_engine(db_url):
    """A active throughout; B flagged churned in S2 (then gone); C gone from S3 without a
    flag; D suspended involuntarily in S2; E churned already in S1 (not active there)."""
    engine = open_store(db_url)
    rules = current_rules(engine)
    frames = [
        snapshot(S1, [customer("A", 100, 24), customer("B", 80, 30), customer("C", 60, 12),
                      customer("D", 40, 20), customer("E", 50, 10, churned=True, churn_type="switch")]),
        snapshot(S2, [customer("A", 100, 25), customer("B", 80, 31, churned=True, churn_type="switch"),
                      customer("C", 60, 13),
                      customer("D", 40, 21, churned=True, churn_type="involuntary")]),
        snapshot(S3, [customer("A", 100, 26)]),
    ]
    for frame in frames:
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    yield engine
    engine.dispose()


def test_labels_follow_customers_over_the_horizon(hand_engine):
    month = S1.year * 12 + S1.month - 1
    with hand_engine.connect() as conn:
        two = read_rows(conn, q.window_sample(S1, month, 2, 1)).sort("customer_id")
        one = read_rows(conn, q.window_sample(S1, month, 1, 1)).sort("customer_id")
    assert two["customer_id"].to_list() == ["A", "B", "C", "D"]          # E was not active
    assert two["churned_later"].to_list() == [0, 1, 1, 1]
    assert two["involuntary_later"].to_list() == [0, 0, 0, 1]
    assert one["churned_later"].to_list() == [0, 1, 0, 1]                # C still there in S2
    assert not {"churned", "churn_date", "churn_type", "churn_month", "stage"} & set(two.columns)


def test_no_scores_means_no_model_estimate(hand_engine):
    with hand_engine.connect() as conn:          # the Overview keeps its observed-rate estimate
        assert revenue_at_risk_from_scores(conn, Filters(S1), 12) is None


def test_the_stride_sample_takes_every_kth_customer(hand_engine):
    month = S1.year * 12 + S1.month - 1
    with hand_engine.connect() as conn:
        sample = read_rows(conn, q.window_sample(S1, month, 2, 2))
    assert sample["customer_id"].to_list() == ["A", "C"]


@pytest.fixture
def demo_engine(db_url):
    engine = open_store(db_url)
    rules = current_rules(engine)
    # On the demo world a linear baseline is a close second; at 3,000 customers the verdict
    # depends on the draw, and seed 15 gives an accepted model (0.667 vs 0.662 ROC AUC).
    for frame in generate_snapshots(customers=3000, snapshots=6, seed=15):
        write_snapshots(engine, derive(frame), rules=rules, source_name="demo", churn_window_months=1)
    yield engine, rules
    engine.dispose()


# 58 s on DuckDB and 82 s on PostgreSQL at a load average of 13 on 2 cores (2026-12-04): over
# the 30 s a test may take unmarked.
@pytest.mark.slow
def test_train_score_and_revenue_at_risk(demo_engine):
    engine, rules = demo_engine
    # small base: fewer churners needed than the shipped rules ask for
    rules = parse_rules(edit_rules_text(rules.text, {
        "churn_model.horizon_months": 2, "churn_model.min_train_churners": 20,
        "churn_model.min_test_churners": 10, "churn_model.score_batch_rows": 1000,
    }), version=rules.version)
    latest = dt.date(2026, 10, 31)
    model_id, card = train_and_score(engine, latest, rules)
    assert card.scheme == "time" and card.label == "window"
    assert card.model.roc_auc > 0.6
    with engine.connect() as conn:
        view = churn_view(conn, latest)
        active = read_frame(conn, q.active_count(latest))["rows"][0]
        scores = read_frame(conn, q.sa.select(q.churn_scores).where(q.s.snapshot_date == latest))
    assert view.card is not None and view.model_id == model_id
    assert card.accepted, card.refused
    assert view.scored_by == model_id and view.scored_rows == active   # every active customer, 3 batches
    deciles = scores.group_by("risk_decile").len().sort("risk_decile")
    assert deciles["risk_decile"].to_list() == list(range(1, 11))
    assert deciles["len"].min() >= active // 10 - 2
    top = scores.filter(pl.col("risk_decile") == 10)["churn_probability"].min()
    assert top >= scores.filter(pl.col("risk_decile") == 9)["churn_probability"].max()
    assert all(g in REASON_GROUPS for r in scores["reasons"].to_list() for g, _ in parse_reasons(r))
    # revenue at risk against the same sum done in polars from the stored scores
    with engine.connect() as conn:
        risk = revenue_at_risk_from_scores(conn, Filters(latest), 12)
        rows = read_frame(conn, q.sa.select(q.c.customer_id, q.c.spend_m1, q.c.tier)
                          .where(q.c.snapshot_date == latest))
    joined = scores.join(rows, on="customer_id")
    survival = (1 - joined["churn_probability"]) ** (1 / card.horizon_months)
    lost = sum(survival ** k for k in range(1, 13))
    expected = (joined["spend_m1"].fill_null(0) * (12 - lost)).sum()
    assert risk.total == pytest.approx(expected, rel=1e-9)
    assert risk.by_tier["customers"].sum() == active
    assert risk.by_province["revenue_at_risk"].sum() == pytest.approx(expected, rel=1e-9)
    # rescoring replaces, never appends
    score_snapshot(engine, model_id, latest, rules)
    with engine.connect() as conn:
        assert churn_view(conn, latest).scored_rows == active


def test_exports_are_logged(db_url):
    engine = open_store(db_url)
    record_export(engine, view="action_list", snapshot_date=S1, file_format="csv", row_count=42,
                  identifiers_masked=True)
    record_export(engine, view="action_list", snapshot_date=S1, file_format="xlsx", row_count=7,
                  identifiers_masked=True, user_name="li.wei")
    with engine.connect() as conn:
        log = export_history(conn)
    assert log["row_count"].to_list() == [7, 42]                  # newest first
    assert log["file_format"].to_list() == ["xlsx", "csv"]
    assert log["user_name"].to_list() == ["li.wei", "test"]        # default: the acting user
    assert log["identifiers_masked"].to_list() == [True, True]
    engine.dispose()


def test_a_call_list_export_is_the_file_and_its_log_line(db_url):
    import io

    from lib.auth import PermissionDenied, User, acting_as
    from lib.churn.actions import export_call_list

    engine = open_store(db_url)
    frame = pl.DataFrame({"customer": ["138****0001", "=cmd()"], "risk": [0.9, 0.8]})
    with acting_as(User("zhang.min", "analyst")):
        csv = export_call_list(engine, frame, "csv", S1, identifiers_masked=True)
        xlsx = export_call_list(engine, frame, "xlsx", S1, identifiers_masked=True)
    assert csv.decode("utf-8-sig").splitlines() == ["customer,risk", "138****0001,0.9", "'=cmd(),0.8"]
    back = pl.read_excel(io.BytesIO(xlsx), sheet_name="call_list")
    assert back["customer"].to_list() == ["138****0001", "'=cmd()"]
    with acting_as(User("guest", "viewer")), pytest.raises(PermissionDenied):
        export_call_list(engine, frame, "csv", S1, identifiers_masked=True)
    with engine.connect() as conn:
        log = export_history(conn)
    assert log["user_name"].to_list() == ["zhang.min", "zhang.min"]   # the viewer left no line
    assert log["file_format"].to_list() == ["xlsx", "csv"] and log["row_count"].to_list() == [2, 2]
    engine.dispose()


def test_a_single_snapshot_file_trains_on_its_own_flag_and_says_so(duckdb_url, telco_file):
    from lib.ingest.importer import import_file

    # the file's rows and TRUE rows, counted here with polars alone
    rows, churners = pl.read_csv(telco_file).select(pl.len(), pl.col("Churn").sum()).row(0)
    engine = open_store(duckdb_url)
    import_file(engine, telco_file.read_bytes(), telco_file.name, snapshot_date=S3, churn_window_months=3)
    model_id, card = train_and_score(engine, S3, current_rules(engine))
    assert (card.label, card.scheme, card.cv_folds) == ("same_row", "cv", 5)
    assert card.horizon_months == 3                      # the file's churn window
    assert card.limits()[0] == "churn_limit_same_row"
    assert card.model.rows == rows and card.model.churners == churners
    assert card.accepted and card.model.roc_auc > card.baseline.roc_auc
    with engine.connect() as conn:
        assert churn_view(conn, S3).scored_rows == rows - churners
    engine.dispose()


def test_a_crash_while_scoring_leaves_the_previous_model_in_force(demo_engine, monkeypatch):
    """Training writes its model, then scoring fails at its last step (the score cube): the
    store must look exactly as before, read back with plain SQL, not through lib's queries."""
    import sqlalchemy as sa

    import lib.churn.scores as churn_store

    engine, rules = demo_engine
    rules = parse_rules(edit_rules_text(rules.text, {
        "churn_model.horizon_months": 2, "churn_model.min_train_churners": 20,
        "churn_model.min_test_churners": 10, "churn_model.score_batch_rows": 1000,
    }), version=rules.version)
    latest = dt.date(2026, 10, 31)
    trained = []
    real_train = churn_store.train_churn_model

    def keep(conn, as_of, rules_):
        trained.append(real_train(conn, as_of, rules_))
        return trained[-1]

    monkeypatch.setattr(churn_store, "train_churn_model", keep)
    first_id, card = train_and_score(engine, latest, rules)
    assert card.accepted, card.refused

    def state():
        with engine.connect() as conn:
            return (conn.execute(sa.text("SELECT model_id FROM churn_models ORDER BY model_id")).all(),
                    conn.execute(sa.text("SELECT model_id, count(*), sum(churn_probability) FROM churn_scores"
                                         " GROUP BY model_id")).all(),
                    conn.execute(sa.text("SELECT model_id, sum(customers) FROM score_cube"
                                         " GROUP BY model_id")).all())

    before = state()
    active = int(read_frame(engine, q.active_count(latest))["rows"][0])
    assert before[0] == [(first_id,)]
    assert [(m, n) for m, n, _ in before[1]] == [(first_id, active)]
    assert before[2] == [(first_id, active)]

    # the second training reuses the first one's fit (no second fit needed to test the crash)
    monkeypatch.setattr(churn_store, "train_churn_model", lambda conn, as_of, rules_: trained[0])
    written = []

    def crash(conn, dates):
        written.append(conn.execute(sa.text("SELECT max(model_id) FROM churn_models")).scalar())
        raise RuntimeError("server lost between the scores and the score cube")

    monkeypatch.setattr(churn_store, "rebuild_score_cube", crash)
    with pytest.raises(RuntimeError):
        train_and_score(engine, latest, rules)
    assert written == [first_id + 1]          # the new model was written before the crash ...
    assert state() == before                  # ... and rolled back with its scores
    with engine.connect() as conn:
        view = churn_view(conn, latest)
    assert (view.model_id, view.scored_by, view.scored_rows) == (first_id, first_id, active)
