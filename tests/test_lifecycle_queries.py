"""Lifecycle queries on a hand-made base, on DuckDB and PostgreSQL.

Three monthly snapshots: M1 = 2026-08-31 (month index 24319), M2 = 2026-09-30 (24320),
M3 = 2026-10-31 (24321, the chosen one).

| customer | joined     | story                                                       |
|----------|------------|-------------------------------------------------------------|
| P        | 2026-08-10 | active throughout                                           |
| Q        | 2026-08-05 | churned (switch) 2026-09-20; still flagged churned in M3    |
| R        | 2026-08-12 | churned (switch) in its joining month, in M1                |
| S        | 2026-09-03 | active                                                      |
| U        | 2026-09-08 | churned involuntarily in M3                                 |
| V        | 2026-10-02 | active                                                      |
| W        | 2020-01-15 | active throughout (left-truncated: entry 79 months)         |
| X        | 2020-03-01 | churned (downgrade) in M2 (entry 77 months, duration 79)    |

Definition: switch and downgrade count as churn, no exclusions (unless a test says so).
Lifetimes (months of life, month 1 = the joining month): P 3 censored, S 2 censored,
V 1 censored, W 82 censored (entry 79), R 1 churned, Q 2 churned (counted once although M3
repeats it), X 79 churned (entry 77), U 2 censored (involuntary is not in the definition).
"""
import datetime as dt

import polars as pl
import pytest

from lib.lifecycle import stages as lifecycle_stages
from lib.lifecycle import curves as lifecycle_curves
from lib.lifecycle import cohort_matrix as lifecycle_cohorts
from lib.lifecycle import breakdown as lifecycle_breakdown
from lib.pipeline.derive import derive
from lib.store.filters import Filters
from lib.lifecycle.queries import ChurnDefinition
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.pipeline.migrations import open_store

M1, M2, M3 = dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31)
D = dt.date
NO_EXCLUSIONS = ChurnDefinition(("switch", "downgrade"), False, 0.0, False)


def row(cid, joined, *, churn=None, churn_type=None, tier_spend=30.0, brand="A", group_paid=False):
    return {"customer_id": cid, "join_date": joined, "churn_date": churn, "churn_type": churn_type,
            "spend_m1": tier_spend, "brand": brand, "group_paid": group_paid}


def snapshot(date, rows):
    frame = pl.DataFrame(rows, schema={
        "customer_id": pl.String, "join_date": pl.Date, "churn_date": pl.Date,
        "churn_type": pl.String, "spend_m1": pl.Float64, "brand": pl.String,
        "group_paid": pl.Boolean})
    return derive(frame, date)


def base():
    m1 = snapshot(M1, [
        row("P", D(2026, 8, 10)), row("Q", D(2026, 8, 5)),
        row("R", D(2026, 8, 12), churn=D(2026, 8, 25), churn_type="switch"),
        row("W", D(2020, 1, 15), tier_spend=300, brand="B"),
        row("X", D(2020, 3, 1), brand="B"),
    ])
    m2 = snapshot(M2, [
        row("P", D(2026, 8, 10)),
        row("Q", D(2026, 8, 5), churn=D(2026, 9, 20), churn_type="switch"),
        row("S", D(2026, 9, 3)), row("U", D(2026, 9, 8)),
        row("W", D(2020, 1, 15), tier_spend=300, brand="B"),
        row("X", D(2020, 3, 1), churn=D(2026, 9, 10), churn_type="downgrade", brand="B"),
    ])
    m3 = snapshot(M3, [
        row("P", D(2026, 8, 10)),
        row("Q", D(2026, 8, 5), churn=D(2026, 9, 20), churn_type="switch"),
        row("S", D(2026, 9, 3)),
        row("U", D(2026, 9, 8), churn=D(2026, 10, 15), churn_type="involuntary"),
        row("V", D(2026, 10, 2)),
        row("W", D(2020, 1, 15), tier_spend=300, brand="B"),
    ])
    return m1, m2, m3


@pytest.fixture
def engine(db_url):
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in base():
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    yield engine
    engine.dispose()


def lifetimes(engine, definition=NO_EXCLUSIONS, dimension=None):
    with engine.connect() as conn:
        frame = lifecycle_curves.lifetime_counts(conn, Filters(M3), current_rules(engine), definition, dimension)
    return sorted((r["duration_months"], r["event"], r["entry_months"], r["active"], r["customers"])
                  for r in frame.iter_rows(named=True))


def test_lifetimes_take_each_customer_once(engine):
    assert lifetimes(engine) == sorted([
        (3, 0, 0, 1, 1),      # P
        (2, 0, 0, 1, 1),      # S
        (1, 0, 0, 1, 1),      # V
        (82, 0, 79, 1, 1),    # W
        (1, 1, 0, 0, 1),      # R
        (2, 1, 0, 0, 1),      # Q, once
        (79, 1, 77, 0, 1),    # X
        (2, 0, 0, 0, 1),      # U: involuntary, censored
    ])


def test_exclusions_leave_customers_out(engine):
    # involuntary (U); the tenure exclusion truncates at 3 months of life: lifetimes of 3 months
    # or less are out (P 3, S 2, V 1, R 1, Q 2, U 2) and W's and X's entries (79, 77) are later
    # already: W and X remain, unchanged
    definition = ChurnDefinition(("switch", "downgrade"), True, 3.0, True)
    assert lifetimes(engine, definition) == [(79, 1, 77, 0, 1), (82, 0, 79, 1, 1)]


def test_survival_hand_case(engine):
    with engine.connect() as conn:
        view = lifecycle_curves.survival(conn, Filters(M3), current_rules(engine), NO_EXCLUSIONS, None, 8)
    curve = view.curves
    at = dict(zip(curve["months"].to_list(), curve["survival"].to_list()))
    # month 1: at risk P S V R Q U (W, X not yet observed), R churns -> 5/6
    assert at[1] == pytest.approx(5 / 6)
    # month 2: at risk P S Q U, Q churns -> 5/6 * 3/4
    assert at[2] == pytest.approx(5 / 6 * 3 / 4)
    assert view.summary["customers"].to_list() == [8]
    assert view.summary["churners"].to_list() == [3]


def test_cohort_matrix_with_censoring(engine):
    with engine.connect() as conn:
        m = lifecycle_cohorts.cohorts(conn, Filters(M3), current_rules(engine), NO_EXCLUSIONS, 24)
    cell = {(r["join_month"], r["months"]): r["share"] for r in m.iter_rows(named=True)}
    aug, sep, oct_ = 24319, 24320, 24321
    assert sorted({j for j, _ in cell}) == [aug, sep, oct_]   # W, X joined before M1: left out
    assert cell[(aug, 1)] == pytest.approx(2 / 3)             # R lost in month 1
    assert cell[(aug, 2)] == pytest.approx(1 / 3)             # Q lost in month 2
    assert cell[(aug, 3)] == pytest.approx(1 / 3)
    assert cell[(sep, 1)] == cell[(sep, 2)] == 1.0            # U is not a switch/downgrade
    assert cell[(sep, 3)] is None                             # censored, blank
    assert cell[(oct_, 1)] == 1.0 and cell[(oct_, 2)] is None


def test_cohort_filter_by_a_dimension(engine):
    with engine.connect() as conn:
        m = lifecycle_cohorts.cohorts(conn, Filters(M3), current_rules(engine), NO_EXCLUSIONS, 24,
                              "brand", "B")
    assert m.height == 0                                      # brand B joined before M1


def test_logrank_and_groups(engine):
    with engine.connect() as conn:
        view = lifecycle_curves.survival(conn, Filters(M3), current_rules(engine), NO_EXCLUSIONS,
                                  "brand", 8)
        test = lifecycle_curves.compare(view, "A", "B")
    assert view.summary["segment"].to_list() == ["A", "B"]
    assert view.summary["customers"].to_list() == [6, 2]
    assert 0 <= test.p_value <= 1


def test_churn_breakdown_of_the_chosen_snapshot(engine):
    with engine.connect() as conn:
        b = lifecycle_breakdown.churn_breakdown(conn, Filters(M3), current_rules(engine),
                                      ChurnDefinition(("switch",), True, 0.0, False), 0.3)
    # only U's churn shows first in M3 (Q's showed in M2); U is involuntary and excluded
    assert b.by_type.to_dicts() == [{"churn_type": "involuntary", "customers": 1, "counted": 0,
                                     "in_definition": False}]
    assert b.by_reason.height == 0


def test_stage_by_tier_counts_every_row(engine):
    with engine.connect() as conn:
        stages = lifecycle_stages.stages(conn, Filters(M3))
    assert stages["customers"].sum() == 6
    assert stages.filter(pl.col("stage") == "churned")["customers"].sum() == 2   # Q, U


def test_a_single_snapshot_is_read_as_a_cross_section(duckdb_url):
    engine = open_store(duckdb_url)
    write_snapshots(engine, base()[2], rules=current_rules(engine), source_name="hand", churn_window_months=1)
    # M3 alone: Q (churned in September) and U churned; no left truncation (entry 0)
    assert lifetimes(engine) == sorted([
        (3, 0, 0, 1, 1),      # P
        (2, 0, 0, 1, 1),      # S
        (1, 0, 0, 1, 1),      # V
        (82, 0, 0, 1, 1),     # W
        (2, 1, 0, 0, 1),      # Q: churn_month September, joined August
        (2, 0, 0, 0, 1),      # U: involuntary, censored
    ])
    engine.dispose()
