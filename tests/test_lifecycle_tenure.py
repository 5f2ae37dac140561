"""The minimum-tenure exclusion ("joined for a promotion", 3 months in the shipped rules) as left
truncation, on a hand base of 36 customers, on DuckDB and PostgreSQL.

Eight month-end snapshots, January–August 2026 (month indexes 24312–24319), August chosen. Every
customer spends 30 a month (tier 1); churn is a switch; churners appear up to their churn month.
Durations are months of life (month 1 = the joining month).

| who  | joined     | customers | story (month of life of the churn)                   |
|------|------------|-----------|------------------------------------------------------|
| A    | 2026-01-10 | 20        | churn 4 @1, 2 @2, 1 @3, 2 @4, 2 @5, 2 @6, 1 @7; 6 active (8) |
| B    | 2026-03-10 | 10        | churn 2 @1, 1 @2, 1 @4, 1 @5; 5 active (6)            |
| C    | 2026-07-10 | 3         | active (2)                                           |
| T1   | 2025-12-10 | 1         | churn @2 (January); seen from January: entry 1        |
| T2   | 2025-12-10 | 1         | churn @5 (April); entry 1                             |
| T3   | 2025-03-15 | 1         | active (18); entry 10 (January 2026 − March 2025)     |

Unconditional Kaplan–Meier (at risk in month t: entry < t <= duration):
  t=1: 33 at risk (A 20, B 10, C 3), 6 churn        S = 27/33          = 0.818182
  t=2: 29 (A 16, B 8, C 3, T1, T2), 4 churn         S × 25/29          = 0.705329
  t=3: 22 (A 14, B 7, T2), 1 churn                  S × 21/22          = 0.673269
  t=4: 21 (A 13, B 7, T2), 3 churn                  S × 18/21          = 0.577088
  t=5: 18 (A 11, B 6, T2), 4 churn                  S × 14/18          = 0.448846  (median 5)
  t=6: 14 (A 9, B 5), 2 churn                       S × 12/14          = 0.384725
  t=7:  7 (A 7), 1 churn                            S × 6/7            = 0.329764
With the exclusion (3 months): customers enter at month 3 (T1, T2's entry 1 becomes 3); those
with a duration of 3 or less are out (A 7, B 3, C 3, T1: 14 of 36). The curve starts at 1 at
month 3, then 6/7 = 0.857143 (t=4), × 7/9 = 2/3 (t=5), × 6/7 = 4/7 (t=6), × 6/7 = 24/49 =
0.489796 (t=7, median 7): S(t) / S(3) of the curve above. 22 customers, 10 churners.

Cohorts (joined from January): with the exclusion A is its 13 customers who stayed 3 months,
B its 7, C none yet. Months 1–2 are not applicable; month 3 is 100 % by construction.
  A: 13/13, 11/13, 9/13, 7/13, 6/13, 6/13 for months 3..8.
  B: 7/7, 6/7, 5/7, 5/7 for months 3..6; later months not observed yet.

A new customer's value uses every customer (unconditional). Why it matters, undiscounted months
paid in the first six months of life, sum of S(t) for t = 0..5:
  from the curve above:                  1 + .818182 + .705329 + .673269 + .577088 + .448846 = 4.2227
  the old reading (excluded customers dropped, 100 % to month 3, then the conditional curve):
                                         1 + 1 + 1 + 1 + .857143 + .666667                  = 5.5238
Over a lifetime: the sBG fitted on the 22 who stayed, read from joining, is a geometric limit
(gamma, delta -> infinity) with churn = churners / months at risk = 10 / 136 = 0.073529 (months
at risk: 4×3 + 5×3 + (5−1) + 6×2 + 7 + 8×6 + 6×5 + (18−10) = 136); with the monthly discount
d = 1.1^(1/12) − 1 = 0.0079741 its discounted expected lifetime is 1 / (1 − (1 − 0.073529) /
1.0079741) = 12.37 months, against 10.60 for the sBG fitted on every customer (gamma ≈ 1.52,
delta ≈ 7.55, fitted in this file with scipy on the likelihood of Fader & Hardie 2007, written out
per customer): a new customer's CLV was overstated by about 17 %.
"""
import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import optimize, special

from lib.lifecycle import settings as lifecycle_settings
from lib.lifecycle import stages as lifecycle_stages
from lib.lifecycle import curves as lifecycle_curves
from lib.lifecycle import cohort_matrix as lifecycle_cohorts

from lib.lifecycle import value as lifecycle_value
from lib.pipeline.derive import derive
from lib.store.filters import Filters
from lib.lifecycle import queries as q
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.store import read_frame
from lib.pipeline.migrations import open_store

D = dt.date
MONTH_ENDS = [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31),
              D(2026, 6, 30), D(2026, 7, 31), D(2026, 8, 31)]
AUG = MONTH_ENDS[-1]
J_JAN, J_MAR, J_JUL = 24312, 24314, 24318

# group -> (join date, customers, {month of life of the churn: customers}, active customers)
STORY = {
    "A": (D(2026, 1, 10), 20, {1: 4, 2: 2, 3: 1, 4: 2, 5: 2, 6: 2, 7: 1}, 6),
    "B": (D(2026, 3, 10), 10, {1: 2, 2: 1, 4: 1, 5: 1}, 5),
    "C": (D(2026, 7, 10), 3, {}, 3),
    "T1": (D(2025, 12, 10), 1, {2: 1}, 0),
    "T2": (D(2025, 12, 10), 1, {5: 1}, 0),
    "T3": (D(2025, 3, 15), 1, {}, 1),
}

# Every customer's lifetime from the table: (duration, event, entry, customers).
EVERY = [(1, 1, 0, 6), (2, 1, 0, 3), (2, 1, 1, 1), (3, 1, 0, 1), (4, 1, 0, 3), (5, 1, 0, 3),
         (5, 1, 1, 1), (6, 1, 0, 2), (7, 1, 0, 1), (8, 0, 0, 6), (6, 0, 0, 5), (2, 0, 0, 3),
         (18, 0, 10, 1)]


def _month_index(date: dt.date) -> int:
    return date.year * 12 + date.month - 1


def snapshots() -> list[pl.DataFrame]:
    customers = []        # (id, join date, churn month-end or None)
    for group, (joined, _, churns, active) in STORY.items():
        n = 0
        for month_of_life, count in churns.items():
            churn_month = _month_index(joined) + month_of_life - 1
            for _ in range(count):
                customers.append((f"{group}{n}", joined, churn_month))
                n += 1
        for _ in range(active):
            customers.append((f"{group}{n}", joined, None))
            n += 1
    frames = []
    for date in MONTH_ENDS:
        month = _month_index(date)
        rows = []
        for cid, joined, churn_month in customers:
            if _month_index(joined) > month or (churn_month is not None and churn_month < month):
                continue
            churned = churn_month == month
            rows.append({"customer_id": cid, "join_date": joined,
                         "churn_date": D(date.year, date.month, 20) if churned else None,
                         "churn_type": "switch" if churned else None, "spend_m1": 30.0})
        frame = pl.DataFrame(rows, schema={"customer_id": pl.String, "join_date": pl.Date,
                                           "churn_date": pl.Date, "churn_type": pl.String,
                                           "spend_m1": pl.Float64})
        frames.append(derive(frame, date))
    return frames


@pytest.fixture
def engine(db_url):
    engine = open_store(db_url)
    rules = current_rules(engine)
    for frame in snapshots():
        write_snapshots(engine, frame, rules=rules, source_name="hand", churn_window_months=1)
    yield engine
    engine.dispose()


def definition(engine):
    """The rules' own definition (minimum tenure 3 months), so the lifetime cube is read."""
    rules = current_rules(engine)
    d = lifecycle_settings.default_definition(rules)
    assert d.exclude_min_tenure_months == 3 and d.truncation_months == 3
    return rules, d


def test_lifetimes_under_the_exclusion_are_left_truncated_at_month_3(engine):
    rules, d = definition(engine)
    expected = [
        (4, 1, 3, 0, 3),                       # A 2 + B 1
        (5, 1, 3, 0, 4),                       # A 2 + B 1 + T2 (entry 1 raised to 3)
        (6, 1, 3, 0, 2), (7, 1, 3, 0, 1),      # A
        (8, 0, 3, 1, 6), (6, 0, 3, 1, 5),      # A, B active
        (18, 0, 10, 1, 1),                     # T3 keeps its later entry
    ]
    with engine.connect() as conn:
        assert conn.execute(q.cube_built(AUG, d)).first()            # read from the cube
        cube = lifecycle_curves.lifetime_counts(conn, Filters(AUG), rules, d, None)
        rows = read_frame(conn, q.lifetimes(Filters(AUG), d, rules, lifecycle_stages.timeline(conn, AUG)))
    for frame in (cube, rows):
        got = sorted((r["duration_months"], r["event"], r["entry_months"], r["active"], r["customers"])
                     for r in frame.iter_rows(named=True))
        assert got == sorted(expected)


def test_survival_with_the_exclusion_is_conditional_on_staying_3_months(engine):
    from lifelines import KaplanMeierFitter

    rules, d = definition(engine)
    with engine.connect() as conn:
        view = lifecycle_curves.survival(conn, Filters(AUG), rules, d, None, 8)
        every = lifecycle_curves.survival(conn, Filters(AUG), rules, d.unconditional, None, 8)
    curve = view.curves.sort("months")
    assert view.truncation_months == 3 and every.truncation_months == 0
    assert curve["months"][0] == 3 and curve["survival"][0] == 1.0     # starts at 1 at month 3
    assert curve["months"].min() == 3                                  # no 100 % months 1-2
    at = dict(zip(curve["months"].to_list(), curve["survival"].to_list()))
    assert at[4] == pytest.approx(6 / 7)
    assert at[5] == pytest.approx(2 / 3)
    assert at[6] == pytest.approx(4 / 7)
    assert at[7] == pytest.approx(24 / 49)
    assert view.summary.row(0, named=True) == {"segment": None, "customers": 22, "churners": 10,
                                               "median_months": 7.0}
    # the unconditional curve: hand values above, median 5
    full = dict(zip(every.curves["months"].to_list(), every.curves["survival"].to_list()))
    assert full[1] == pytest.approx(27 / 33)
    assert full[3] == pytest.approx(27 / 33 * 25 / 29 * 21 / 22)
    assert every.summary["median_months"].to_list() == [5.0]
    # against lifelines: entries raised to 3, customers out by month 3 dropped ...
    durations = np.repeat([r[0] for r in EVERY], [r[3] for r in EVERY])
    events = np.repeat([r[1] for r in EVERY], [r[3] for r in EVERY])
    entries = np.repeat([r[2] for r in EVERY], [r[3] for r in EVERY])
    stayed = durations > 3
    ref = KaplanMeierFitter().fit(durations[stayed], events[stayed],
                                  entry=np.maximum(entries[stayed], 3))
    months = [m for m in at if m > 3]
    expected = ref.survival_function_.reindex(sorted(set(ref.survival_function_.index) | set(months))
                                              ).ffill().loc[months].to_numpy().ravel()
    np.testing.assert_allclose([at[m] for m in months], expected, atol=1e-9)
    assert ref.median_survival_time_ == 7
    # ... and S(t) / S(3) of lifelines' unconditional curve
    plain = KaplanMeierFitter().fit(durations, events, entry=entries)
    s3 = float(plain.survival_function_at_times(3).iloc[0])
    np.testing.assert_allclose([at[m] for m in months],
                               plain.survival_function_at_times(months).to_numpy() / s3, atol=1e-9)


def test_cohorts_show_the_months_before_3_as_not_applicable(engine):
    rules, d = definition(engine)
    with engine.connect() as conn:
        m = lifecycle_cohorts.cohorts(conn, Filters(AUG), rules, d, 24)
    cell = {(r["join_month"], r["months"]): r for r in m.iter_rows(named=True)}
    assert sorted({j for j, _ in cell}) == [J_JAN, J_MAR, J_JUL]      # T1-T3 joined before January
    for join in (J_JAN, J_MAR, J_JUL):
        for month in (1, 2):
            assert cell[(join, month)]["applicable"] is False
            assert cell[(join, month)]["share"] is None and cell[(join, month)]["active"] is None
    a = [cell[(J_JAN, month)]["share"] for month in range(3, 9)]
    assert a == pytest.approx([1, 11 / 13, 9 / 13, 7 / 13, 6 / 13, 6 / 13])
    assert cell[(J_JAN, 3)]["cohort_size"] == 13
    b = [cell[(J_MAR, month)]["share"] for month in range(3, 7)]
    assert b == pytest.approx([1, 6 / 7, 5 / 7, 5 / 7])
    assert cell[(J_MAR, 7)]["share"] is None and cell[(J_MAR, 7)]["applicable"] is True  # censored
    assert cell[(J_JUL, 3)]["cohort_size"] == 0 and cell[(J_JUL, 3)]["share"] is None
    # without the exclusion every joiner counts from month 1 (A: 16/20 after month 1)
    with engine.connect() as conn:
        plain = lifecycle_cohorts.cohorts(conn, Filters(AUG), rules, d.unconditional, 24)
    first = plain.filter((pl.col("join_month") == J_JAN) & (pl.col("months") <= 3)).sort("months")
    assert first["share"].to_list() == pytest.approx([16 / 20, 14 / 20, 13 / 20])
    assert first["applicable"].all()


def _sbg_fit(rows):
    """sBG maximum likelihood (Fader & Hardie 2007), written out per row: churn in period t has
    P = B(g + 1, d + t - 1) / B(g, d), alive after t has S = B(g, d + t) / B(g, d), and a row
    observed from period e on is divided by S(e)."""
    def loss(x):
        g, dl = np.exp(x)
        total = 0.0
        for duration, event, entry, count in rows:
            term = (special.betaln(g + 1, dl + duration - 1) if event
                    else special.betaln(g, dl + duration))
            total += count * (term - special.betaln(g, dl + entry))
        return -total
    result = optimize.minimize(loss, [0.0, 1.0], method="Nelder-Mead",
                               options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return np.exp(result.x)


def _discounted_months(g, dl, discount, survived=0):
    """Sum over t > survived of S(t) / S(survived) / (1 + discount) ** (t - survived - 1), by
    direct summation (the series of Fader & Hardie 2010)."""
    t = np.arange(survived + 1, survived + 20_000)
    s = np.exp(special.betaln(g, dl + t) - special.betaln(g, dl + survived))
    return float(np.sum(s / (1 + discount) ** (t - survived - 1)))


def test_a_new_customers_value_uses_every_customer(engine):
    rules, d = definition(engine)
    with engine.connect() as conn:
        view = lifecycle_value.customer_value(conn, Filters(AUG), rules, d, 0.5, 0.10, 240, 10)
    tier = view.tiers.filter(pl.col("tier") == 1).row(0, named=True)
    discount = 1.1 ** (1 / 12) - 1
    g, dl = _sbg_fit(EVERY)
    assert (g, dl) == pytest.approx((1.52, 7.55), abs=0.01)          # the values in the doc
    lifetime = 1 + _discounted_months(g, dl, discount) / (1 + discount)   # joining month + the rest
    assert lifetime == pytest.approx(10.60, abs=0.01)
    assert tier["fitted_customers"] == 36                              # nobody left out
    assert tier["margin_per_month_currency"] == pytest.approx(15.0)    # 0.5 × 30
    assert tier["gamma"] == pytest.approx(g, rel=1e-3)
    assert tier["delta"] == pytest.approx(dl, rel=1e-3)
    assert tier["expected_lifetime_months"] == pytest.approx(lifetime, rel=1e-4)
    assert tier["clv_new_customer_currency"] == pytest.approx(15.0 * lifetime, rel=1e-4)
    # the old reading (the 22 who stayed, from joining): the geometric limit worked out above
    old = 1 / (1 - (1 - 10 / 136) / (1 + discount))
    assert old == pytest.approx(12.37, abs=0.01)
    assert tier["clv_new_customer_currency"] < 0.9 * 15.0 * old
    # residual value: the 15 active customers (A 6 at 8 months, B 5 at 6, C 3 at 2, T3 at 18),
    # the young C customers included
    derls = {n: _discounted_months(g, dl, discount, n) for n in (8, 6, 2, 18)}
    mean = (6 * derls[8] + 5 * derls[6] + 3 * derls[2] + derls[18]) / 15
    assert tier["active"] == 15
    assert tier["derl_months"] == pytest.approx(mean, rel=1e-3)
    # the observed curve drawn beside the projection is the unconditional one
    km = view.projection.filter(pl.col("tier") == 1).sort("months")["km"].to_list()
    assert km[:4] == pytest.approx([1, 27 / 33, 27 / 33 * 25 / 29, 27 / 33 * 25 / 29 * 21 / 22])
    # the page's toggle does not change the value
    with engine.connect() as conn:
        again = lifecycle_value.customer_value(conn, Filters(AUG), rules, d.unconditional,
                                               0.5, 0.10, 240, 10)
    assert again.tiers.equals(view.tiers)
