"""Tenure and dates become months by the convention in ``lib.store.schema`` (*Months*).

Expected values never come from ``lib.pipeline.derive``: join months are plain integer arithmetic
(``year * 12 + month - 1 - t``), join dates ``dateutil.relativedelta`` (which clamps to the
month's end like the convention), day counts ``datetime`` subtraction, and the Kaplan–Meier
median lifelines plus a hand count.
"""
import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from lib.lifecycle import curves as lifecycle_curves
from lib.pipeline.derive import derive
from lib.ingest.importer import import_file
from lib.ingest.mapping import parse_map_option
from lib.store.filters import Filters
from lib.lifecycle.queries import ChurnDefinition
from lib.rules.versions import current_rules
from lib.store.schema import CHURN_TYPES
from lib.store import customers
from lib.pipeline.migrations import open_store

D = dt.date
TENURES = list(range(0, 121))
SNAPSHOTS = [
    D(2024, 6, 30), D(2023, 12, 31), D(2025, 1, 31),   # month ends
    D(2024, 2, 29), D(2023, 2, 28),                     # February, leap and not
    D(2024, 6, 15),                                     # mid-month
]
#: Every churn type is the event, nobody is excluded: the lifetimes are the whole base.
EVERY_CHURN = ChurnDefinition(CHURN_TYPES, False, 0.0, False)


def month_of(date: dt.date) -> int:
    return date.year * 12 + date.month - 1


def tenure_frame(tenures: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"customer_id": [f"C{i}" for i in range(len(tenures))],
                         "tenure_months": [float(t) for t in tenures], "arpu": [10.0] * len(tenures)})


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=str)
def test_join_month_is_the_snapshot_month_less_the_tenure(snapshot):
    derived = derive(tenure_frame(TENURES), snapshot)
    expected_month = [snapshot.year * 12 + snapshot.month - 1 - t for t in TENURES]
    expected_date = [snapshot - relativedelta(months=t) for t in TENURES]
    assert derived["join_month"].to_list() == expected_month
    assert derived["join_date"].to_list() == expected_date
    assert derived["tenure_months"].to_list() == [float(t) for t in TENURES]   # kept as given


def test_hand_cases_month_end_clamping():
    # 2024-06-30 less 4 months: 2024-02-30 does not exist, so the month's end 2024-02-29;
    # 2024-03-31 less 1 month: 2024-02-29; 2023-03-31 less 1: 2023-02-28; 2024-12-31 less 10:
    # 2024-02-29 (old rule: 12.0 at 2024-06-30 gave 365 days back = 2023-07-01, one month off).
    cases = [(D(2024, 6, 30), 4, D(2024, 2, 29)), (D(2024, 3, 31), 1, D(2024, 2, 29)),
             (D(2023, 3, 31), 1, D(2023, 2, 28)), (D(2024, 12, 31), 10, D(2024, 2, 29)),
             (D(2024, 6, 30), 12, D(2023, 6, 30)), (D(2024, 6, 15), 12, D(2023, 6, 15))]
    for snapshot, tenure, joined in cases:
        row = derive(tenure_frame([tenure]), snapshot).row(0, named=True)
        assert row["join_date"] == joined, (snapshot, tenure)


def test_a_fraction_of_a_month_does_not_move_the_join_month():
    # (snapshot, tenure, join date): the whole months count back, the fraction stays in tenure.
    cases = [
        (D(2024, 6, 30), 12.7, D(2023, 6, 30)),     # 12 months back; June 2023 = 24281
        (D(2024, 6, 30), 0.99, D(2024, 6, 30)),     # joined this month: a gross add
        (D(2024, 6, 15), 3.5, D(2024, 3, 15)),
        (D(2024, 3, 31), 1.2, D(2024, 2, 29)),
        (D(2025, 1, 31), 119.9, D(2015, 2, 28)),    # 2025*12 + 0 - 119 = 24181 = Feb 2015
        (D(2024, 6, 30), -0.5, D(2024, 6, 30)),     # negative counts as 0
    ]
    derived = derive(tenure_frame([t for _, t, _ in cases]).with_columns(
        snapshot_date=pl.Series([s for s, _, _ in cases])))
    assert derived["join_date"].to_list() == [j for _, _, j in cases]
    assert derived["join_month"].to_list()[:2] == [2023 * 12 + 5, 2024 * 12 + 5]
    assert derived["tenure_months"].to_list() == [t for _, t, _ in cases]


def test_a_join_date_gives_its_month_and_a_tenure_from_days():
    # (join, snapshot, lifetime by hand, days by datetime subtraction)
    cases = [(D(2023, 6, 15), D(2024, 6, 30), 12, 381),
             (D(2024, 5, 31), D(2024, 6, 30), 1, 30),
             (D(2024, 7, 1), D(2024, 8, 31), 1, 61),
             (D(2024, 6, 30), D(2024, 6, 30), 0, 0)]
    frame = pl.DataFrame({"customer_id": ["A", "B", "C", "E"],
                          "join_date": [j for j, _, _, _ in cases],
                          "snapshot_date": [s for _, s, _, _ in cases], "arpu": [1.0] * 4})
    derived = derive(frame)
    assert [(s - j).days for j, s, _, _ in cases] == [d for *_, d in cases]
    lifetimes = (derived["snapshot_month"] - derived["join_month"]).to_list()
    assert lifetimes == [life for _, _, life, _ in cases]
    # 381 / 30.4375 = 12.52, 30 / 30.4375 = 0.99, 61 / 30.4375 = 2.00: whole part off by one
    # from the lifetime at month ends, as lib.store.schema documents.
    assert derived["tenure_months"].to_list() == pytest.approx([d / (365.25 / 12) for *_, d in cases])


def csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def stored(engine) -> dict[str, dict]:
    c = customers.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.customer_id, c.tenure_months, c.join_date, c.join_month,
                                      c.snapshot_month)).mappings().all()
    return {r["customer_id"]: dict(r) for r in rows}


def lifetime_rows(engine, snapshot) -> list[tuple]:
    with engine.connect() as conn:
        frame = lifecycle_curves.lifetime_counts(conn, Filters(snapshot), current_rules(engine),
                                          EVERY_CHURN, None)
    return sorted((r["duration_months"], r["event"], r["customers"]) for r in frame.iter_rows(named=True))


@pytest.mark.parametrize("snapshot", [D(2024, 2, 29), D(2025, 1, 31)], ids=str)
def test_imported_tenure_in_months_is_stored_as_that_lifetime(duckdb_url, snapshot):
    engine = open_store(duckdb_url)
    data = csv("customer_id,tenure_months,churned,arpu", [f"T{t},{t},No,10" for t in TENURES])
    import_file(engine, data, "tenures.csv", snapshot_date=snapshot, churn_window_months=1)
    rows = stored(engine)
    month = snapshot.year * 12 + snapshot.month - 1
    assert {cid: r["snapshot_month"] - r["join_month"] for cid, r in rows.items()} == {
        f"T{t}": t for t in TENURES}
    assert {cid: r["join_month"] for cid, r in rows.items()} == {f"T{t}": month - t for t in TENURES}
    # Survival: months of life with the joining month as month 1, so tenure t is censored at t + 1.
    assert lifetime_rows(engine, snapshot) == [(t + 1, 0, 1) for t in TENURES]
    engine.dispose()


def test_imported_tenure_in_days_lands_where_the_join_date_would(duckdb_url):
    # "Account length" is the BigML header for days (auto-mapped @days). d days before the
    # snapshot is a date; its month is the join month, as if the file had given that date.
    snapshot = D(2025, 1, 31)
    days = list(range(0, 400, 7)) + [29, 30, 31, 59, 60, 61, 365, 366]
    engine = open_store(duckdb_url)
    data = csv("customer_id,Account length,churn,arpu", [f"D{d},{d},0,10" for d in days])
    import_file(engine, data, "days.csv", snapshot_date=snapshot, churn_window_months=1)
    rows = stored(engine)
    for d in days:
        joined = snapshot - dt.timedelta(days=d)
        r = rows[f"D{d}"]
        assert (r["join_date"], r["join_month"]) == (joined, month_of(joined)), d
        assert r["tenure_months"] == pytest.approx(d * 12 / 365.25)
    engine.dispose()


def test_imported_tenure_in_years_counts_twelve_months_a_year(duckdb_url):
    snapshot = D(2024, 2, 29)
    years = [0, 0.5, 1, 1.5, 2.25, 10]           # 0, 6, 12, 18, 27, 120 months
    engine = open_store(duckdb_url)
    data = csv("customer_id,years,churn,arpu", [f"Y{i},{y},0,10" for i, y in enumerate(years)])
    import_file(engine, data, "years.csv", snapshot_date=snapshot, churn_window_months=1,
                overrides={"tenure_months": parse_map_option("years=tenure_months@years")})
    rows = stored(engine)
    lifetimes = [rows[f"Y{i}"]["snapshot_month"] - rows[f"Y{i}"]["join_month"] for i in range(len(years))]
    assert lifetimes == [0, 6, 12, 18, 27, 120]
    assert rows["Y3"]["join_date"] == D(2022, 8, 29)        # 2024-02-29 less 18 months
    engine.dispose()


def test_kaplan_meier_median_on_tenures_matches_lifelines(duckdb_url):
    # At 2025-01-31 the old day rule put tenures 1..12 one month short (tenure 1 = 30 days back
    # = 2025-01-01, lifetime 0), so this base tells the rules apart.
    lifelines = pytest.importorskip("lifelines")
    snapshot = D(2025, 1, 31)
    tenures = [0, 0, 1, 2, 2, 3, 4, 5, 6, 8]
    churned = [1, 0, 1, 1, 0, 1, 0, 1, 0, 0]
    engine = open_store(duckdb_url)
    data = csv("customer_id,tenure_months,churned,arpu",
               [f"K{i},{t},{'Yes' if e else 'No'},10" for i, (t, e) in enumerate(zip(tenures, churned))])
    import_file(engine, data, "km.csv", snapshot_date=snapshot, churn_window_months=1)
    with engine.connect() as conn:
        view = lifecycle_curves.survival(conn, Filters(snapshot), current_rules(engine), EVERY_CHURN, None, 8)
    median = view.summary["median_months"].to_list()[0]
    # Durations are t + 1 months of life (churners without a churn date leave in the snapshot
    # month). Hand count: month 1: 10 at risk, 1 event -> 0.9; month 2: 8, 1 -> 0.7875;
    # month 3: 7, 1 -> 0.675; month 4: 5, 1 -> 0.54; month 5: no event; month 6: 3, 1 -> 0.36.
    fitter = lifelines.KaplanMeierFitter().fit([t + 1 for t in tenures], churned)
    assert median == fitter.median_survival_time_ == 6
    engine.dispose()
