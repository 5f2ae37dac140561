"""Funnel per join cohort and extra file columns as dimensions, on a hand base, both engines.

Five monthly snapshots, Jan–May 2026 (month indexes 24312–24316), May chosen. Rules changed for
a small base: survival 2 months, growth judged at the end of month 3 of life, maturity 4
months, growth = tier up or spend +10 %, monthly cohorts. Spend is ``spend_m1`` only, so the
six-month average is that month's spend (tier 1 below 50, tier 2 from 50, tier 3 from 100).
The early row is the one of month ``join + 1`` (the end of the two survival months), the growth
row that of month ``join + 2`` (or the churn row of a customer who left before completing three
months). ``plan_type`` is a column outside the contract (stored in customer_attributes).

| customer | joined | plan  | story                                            | present | steps reached |
|----------|--------|-------|--------------------------------------------------|---------|---------------|
| A1       | Jan    | gold  | active, spend 30 throughout                      | 5       | survived      |
| A2       | Jan    | gold  | active, 30 then 60 from March (tier 1 -> 2)      | 5       | ... active    |
| A3       | Jan    | basic | 30 then 40 (+33 %), churned (switch) in May      | 4       | ... mature    |
| A4       | Jan    | basic | churned (switch) in February                     | 1       | acquired      |
| A5       | Jan    | basic | churned involuntarily in April: not in the types | -       | left out      |
| A6       | Jan    | basic | active, 30 then 32 (+6.7 %, no growth)           | 5       | survived      |
| A7       | Jan    | basic | 30 then 48 (+60 %) in March, churned (switch) Apr | 3      | grew          |
| B1       | Mar    | gold  | active, 30 then 100 in May                       | 3       | grew          |
| B2       | Mar    | basic | churned (switch) in April                        | 1       | acquired      |
| C1       | May    | basic | active                                           | 1       | acquired      |
| W        | 2020   | gold  | active: joined before the first snapshot, out    | -       | -             |

Jan cohort (5 months old): acquired 6, survived 5, grew 3, mature 2, active 1.
Mar cohort (3 months old): acquired 2, survived 1, grew 1; mature and active not observable.
May cohort (1 month old): acquired 1; every later step not observable (not 0 %).
"""
import datetime as dt

import polars as pl
import pytest

from lib.lifecycle import settings as lifecycle_settings
from lib.lifecycle import stages as lifecycle_stages
from lib.lifecycle import dimensions as lifecycle_dimensions
from lib.lifecycle import curves as lifecycle_curves
from lib.lifecycle import cohort_matrix as lifecycle_cohorts
from lib.lifecycle import funnel as lifecycle_funnel
from lib.pipeline.derive import derive
from lib.store.filters import Filters
from lib.lifecycle.queries import ChurnDefinition
from lib.rules import edit_rules_text, parse_rules
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.pipeline.migrations import open_store

D = dt.date
JAN, FEB, MAR, APR, MAY = D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31)
J_JAN, J_MAR, J_MAY = 24312, 24314, 24316
TYPES = ChurnDefinition(("switch", "downgrade"), False, 0.0, False)

# customer -> (join date, plan, spend per month Jan..May (None = no row), churn (month, type))
STORY = {
    "A1": (D(2026, 1, 5), "gold", [30, 30, 30, 30, 30], None),
    "A2": (D(2026, 1, 6), "gold", [30, 30, 60, 60, 60], None),
    "A3": (D(2026, 1, 7), "basic", [30, 30, 40, 40, 40], (MAY, "switch")),
    "A4": (D(2026, 1, 8), "basic", [30, 30, None, None, None], (FEB, "switch")),
    "A5": (D(2026, 1, 9), "basic", [30, 30, 30, 30, None], (APR, "involuntary")),
    "A6": (D(2026, 1, 10), "basic", [30, 30, 32, 32, 32], None),
    "A7": (D(2026, 1, 11), "basic", [30, 30, 48, 48, None], (APR, "switch")),
    "B1": (D(2026, 3, 2), "gold", [None, None, 30, 30, 100], None),
    "B2": (D(2026, 3, 3), "basic", [None, None, 30, 30, None], (APR, "switch")),
    "C1": (D(2026, 5, 4), "basic", [None, None, None, None, 30], None),
    "W": (D(2020, 1, 4), "gold", [300, 300, 300, 300, 300], None),
}


def snapshots() -> list[pl.DataFrame]:
    frames = []
    for month, date in enumerate((JAN, FEB, MAR, APR, MAY)):
        rows = []
        for cid, (joined, plan, spends, churn) in STORY.items():
            if spends[month] is None:
                continue
            churned = churn is not None and churn[0] == date
            rows.append({"customer_id": cid, "join_date": joined,
                         "churn_date": date if churned else None,
                         "churn_type": churn[1] if churned else None,
                         "spend_m1": float(spends[month]), "x_plan_type": plan})
        frame = pl.DataFrame(rows, schema={
            "customer_id": pl.String, "join_date": pl.Date, "churn_date": pl.Date,
            "churn_type": pl.String, "spend_m1": pl.Float64, "x_plan_type": pl.String})
        frames.append(derive(frame, date))
    return frames


def small_rules(base, **changes):
    text = edit_rules_text(base.text, {
        "lifecycle.maturity_min_tenure_months": 4,
        "lifecycle_analysis.funnel_survival_months": 2,
        "lifecycle_analysis.funnel_growth_months": 3,
        "lifecycle_analysis.funnel_cohort_period": "month",
        **changes,
    })
    return parse_rules(text, version=base.version)


@pytest.fixture
def engine(db_url):
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in snapshots():
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    yield engine
    engine.dispose()


def steps_of(result: lifecycle_funnel.Funnel) -> dict[str, list]:
    """Cohort label -> customers per step (None = not observable)."""
    out: dict[str, list] = {}
    for r in result.cohorts.sort("cohort", "step_index").iter_rows(named=True):
        out.setdefault(r["label"], []).append(r["customers"])
    return out


def run(engine, rules=None, filters=None, **kwargs) -> lifecycle_funnel.Funnel:
    rules = rules or small_rules(current_rules(engine))
    with engine.connect() as conn:
        return lifecycle_funnel.funnel(conn, filters or Filters(MAY), rules, TYPES, **kwargs)


def test_funnel_hand_case_with_censoring(engine):
    result = run(engine)
    assert result.period == "month"
    assert steps_of(result) == {
        "2026-01": [6, 5, 3, 2, 1],
        "2026-03": [2, 1, 1, None, None],        # 3 months old: maturity not yet observable
        "2026-05": [1, None, None, None, None],  # 1 month old: nothing after joining
    }
    jan = result.cohorts.filter(pl.col("label") == "2026-01").sort("step_index")
    assert jan["step_conversion"].to_list() == pytest.approx([None, 5 / 6, 0.6, 2 / 3, 0.5])
    assert jan["overall"].to_list() == pytest.approx([1.0, 5 / 6, 0.5, 1 / 3, 1 / 6])
    may = result.cohorts.filter(pl.col("label") == "2026-05")
    assert may["step_conversion"].null_count() == 5        # blank, never 0 %


def test_funnel_quarters_are_censored_by_their_youngest_month(engine):
    rules = small_rules(current_rules(engine), **{"lifecycle_analysis.funnel_cohort_period": "quarter"})
    result = run(engine, rules)
    assert result.period == "quarter"
    # Q1 = Jan + Mar cohorts; its youngest month (March) is 3 months old: maturity unknown
    assert steps_of(result) == {"2026-Q1": [8, 6, 4, None, None],
                                "2026-Q2": [1, None, None, None, None]}


def test_funnel_growth_threshold_and_maturity_come_from_the_rules(engine):
    # growth needs +50 %: A3 (+33 %) no longer grew; A2 (tier 1 -> 2) and A7 (+60 %) did
    rules = small_rules(current_rules(engine), **{"lifecycle_analysis.funnel_growth_spend_share": 0.5})
    assert steps_of(run(engine, rules))["2026-01"] == [6, 5, 2, 1, 1]
    # maturity at 6 months: even the January cohort (5 months old) is not observable there
    rules = small_rules(current_rules(engine), **{"lifecycle.maturity_min_tenure_months": 6})
    assert steps_of(run(engine, rules))["2026-01"] == [6, 5, 3, None, None]
    # growth judged at month 4: A7 left in its 4th month, so its churn row (48) is compared;
    # the March cohort (3 months old) cannot show growth yet
    rules = small_rules(current_rules(engine), **{"lifecycle_analysis.funnel_growth_months": 4})
    assert steps_of(run(engine, rules)) == {"2026-01": [6, 5, 3, 2, 1],
                                            "2026-03": [2, 1, None, None, None],
                                            "2026-05": [1, None, None, None, None]}


def test_funnel_filters_by_tier_and_by_an_extra_file_column(engine):
    # tier of the last row: tier 2 holds A2 only (60); B1 is tier 3 in May
    assert steps_of(run(engine, filters=Filters(MAY, tiers=(2,)))) == {"2026-01": [1, 1, 1, 1, 1]}
    gold = run(engine, dimension="attr:plan_type", value="gold")
    assert steps_of(gold) == {"2026-01": [2, 2, 1, 1, 1], "2026-03": [1, 1, 1, None, None]}


def test_funnel_with_one_snapshot_cannot_show_growth(duckdb_url):
    engine = open_store(duckdb_url)
    write_snapshots(engine, snapshots()[-1], rules=current_rules(engine), source_name="hand", churn_window_months=1)
    result = run(engine)
    # a cross-section: no early rows, so growth and the steps after it are not observable
    jan = steps_of(result)["2026-01"]
    assert jan == [4, 4, None, None, None]    # May alone: A1 A2 A3 A6, all past 2 months
    engine.dispose()


def test_extra_columns_are_dimensions(engine):
    with engine.connect() as conn:
        names = lifecycle_dimensions.dimension_names(conn, Filters(MAY))
        assert names[-1] == "attr:plan_type" and "tier" in names
        assert lifecycle_dimensions.dimension_values(conn, Filters(MAY), "attr:plan_type", 10) == ["gold", "basic"]
        rules = current_rules(engine)
        view = lifecycle_curves.survival(conn, Filters(MAY), rules, TYPES, "attr:plan_type", 8)
        matrix = lifecycle_cohorts.cohorts(conn, Filters(MAY), rules, TYPES, 24, "attr:plan_type", "gold")
    # last rows: gold A1 A2 B1 W (W left-truncated but in survival); basic A3 A4 A5 A6 A7 B2 C1
    # (A5 involuntary: censored, not a churner)
    sizes = dict(zip(view.summary["segment"].to_list(), view.summary["customers"].to_list()))
    churners = dict(zip(view.summary["segment"].to_list(), view.summary["churners"].to_list()))
    assert sizes == {"basic": 7, "gold": 4} and churners == {"basic": 4, "gold": 0}
    cohort_sizes = dict(zip(matrix["join_month"].to_list(), matrix["cohort_size"].to_list()))
    assert cohort_sizes == {J_JAN: 2, J_MAR: 1}              # A1 A2 and B1: no May joiner is gold
    assert matrix.filter(pl.col("join_month") == J_JAN)["share"].drop_nulls().to_list() == [1.0] * 5


def test_attribute_names_reach_sql_only_as_parameters(engine):
    with engine.connect() as conn:
        # a name that is SQL text matches nothing and breaks nothing
        assert lifecycle_dimensions.dimension_values(conn, Filters(MAY), "attr:x'); DROP TABLE customers; --",
                                          10) == []
        assert lifecycle_stages.stages(conn, Filters(MAY))["customers"].sum() > 0


def test_bad_cohort_period_is_a_rules_error():
    from lib.rules import RulesError, default_rules
    rules = parse_rules(edit_rules_text(default_rules().text,
                                        {"lifecycle_analysis.funnel_cohort_period": "week"}))
    with pytest.raises(RulesError) as err:
        lifecycle_settings.settings(rules)
    assert err.value.code == "lifecycle_bad_period"


def test_auto_period_keeps_cohorts_few():
    assert lifecycle_funnel.cohort_period(12, "auto", 12) == "month"
    assert lifecycle_funnel.cohort_period(24, "auto", 12) == "quarter"
    assert lifecycle_funnel.cohort_period(72, "auto", 12) == "year"
    assert lifecycle_funnel.cohort_period(72, "month", 12) == "month"
