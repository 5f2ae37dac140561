"""The Overview's headline "top X % of customers bring Y % of revenue", counted exactly in SQL
(``queries.top_customers_revenue`` via ``kpis.top_revenue_share``), on DuckDB and PostgreSQL.

Convention (documented in the query): the top X % of n active customers are the first
ceil(n × X) by latest-month spend, highest first (missing spend counts as 0). Expected values
are worked by hand or recomputed from the rows in plain pandas, with the ceiling taken on an
exact Fraction so that float noise cannot move the cut.
"""
from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from lib.overview.kpis import build_overview, top_revenue_share
from lib.store.filters import Filters
from lib.rules import RulesError, default_rules, edit_rules_text, parse_rules
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.pipeline.migrations import open_store
from tests.factories import customer, snapshot

TEN = dt.date(2026, 9, 30)      # ten active customers spending 100, 90, ..., 10
TWENTY_FIVE = dt.date(2026, 10, 31)   # twenty-five spending 25, 24, ..., 1
TIES = dt.date(2026, 11, 30)    # random spends with many ties, missing spends, churners


def _ten() -> list[dict]:
    rows = [customer(f"T{i:02d}", 10.0 * (11 - i), 24, province="广东" if i in (1, 5, 8) else "北京")
            for i in range(1, 11)]
    # a churned big spender: not active, so neither in the top nor in the revenue
    return rows + [customer("T99", 1000.0, 24, churned=True, churn_type="switch")]


def _twenty_five() -> list[dict]:
    return [customer(f"F{i:02d}", float(26 - i), 24) for i in range(1, 26)]


def _ties(rng: np.random.Generator) -> list[dict]:
    rows = []
    for i in range(600):
        spend = None if rng.random() < 0.08 else float(rng.integers(0, 30) * 10)
        rows.append(customer(f"R{i:04d}", spend, 24, churned=bool(rng.random() < 0.15),
                             province=("北京", "广东", "上海")[int(rng.integers(0, 3))]))
    return rows


@pytest.fixture
def engine(db_url):
    engine = open_store(db_url)
    rules = current_rules(engine)
    ties = _ties(np.random.default_rng(16))
    for date, rows in ((TEN, _ten()), (TWENTY_FIVE, _twenty_five()), (TIES, ties)):
        write_snapshots(engine, snapshot(date, rows), rules=rules, source_name="hand", churn_window_months=1)
    engine.ties_rows = ties
    yield engine
    engine.dispose()


def _share(engine, filters: Filters, customer_share: float) -> float | None:
    with engine.connect() as conn:
        return top_revenue_share(conn, filters, customer_share)


def test_top_fifth_of_ten_customers(engine):
    # spends 100 + 90 + ... + 10 = 550; top 20 % of 10 = 2 customers: 100 + 90 = 190
    assert _share(engine, Filters(TEN), 0.2) == pytest.approx(190 / 550)
    # 25 % of 10 = 2.5 -> ceil 3 customers: 100 + 90 + 80 = 270
    assert _share(engine, Filters(TEN), 0.25) == pytest.approx(270 / 550)
    # 5 % of 10 = 0.5 -> 1 customer: 100
    assert _share(engine, Filters(TEN), 0.05) == pytest.approx(100 / 550)


def test_filters_restrict_the_ranked_customers(engine):
    # 广东 holds T01 (100), T05 (60), T08 (30): total 190; 20 % of 3 = 0.6 -> 1 customer: 100
    assert _share(engine, Filters(TEN, provinces=("广东",)), 0.2) == pytest.approx(100 / 190)
    # no active customer in 上海 that snapshot: no revenue, no figure
    assert _share(engine, Filters(TEN, provinces=("上海",)), 0.2) is None


def test_the_cut_is_not_moved_by_float_noise(engine):
    # 0.28 × 25 is 7.000000000000001 in floats (a float ceiling would take 8 customers); the
    # top 28 % of 25 are exactly 7: 25 + 24 + ... + 19 = 154 of 25 × 26 / 2 = 325
    assert 0.28 * 25 > 7
    assert _share(engine, Filters(TWENTY_FIVE), 0.28) == pytest.approx(154 / 325)


def _pandas_top_share(rows: list[dict], customer_share: float, province: str | None = None) -> float:
    """Plain pandas: active customers, spend (missing = 0) sorted high to low, the first
    ceil(n × share) summed (ceiling of an exact Fraction)."""
    frame = pd.DataFrame(rows)
    frame = frame[frame["churned"] != True]  # noqa: E712 - churned may be missing
    if province is not None:
        frame = frame[frame["province"] == province]
    spend = frame["spend_m1"].fillna(0.0).sort_values(ascending=False)
    top = math.ceil(Fraction(str(customer_share)) * len(spend))
    return float(spend.iloc[:top].sum() / spend.sum())


@pytest.mark.parametrize("customer_share", [0.2, 0.1, 0.33, 0.5])
def test_random_base_with_ties_matches_pandas(engine, customer_share):
    rows = engine.ties_rows
    assert _share(engine, Filters(TIES), customer_share) == pytest.approx(
        _pandas_top_share(rows, customer_share), rel=1e-12)
    assert _share(engine, Filters(TIES, provinces=("上海",)), customer_share) == pytest.approx(
        _pandas_top_share(rows, customer_share, "上海"), rel=1e-12)


def test_the_overview_carries_the_rules_share_and_the_exact_figure(engine):
    rules = parse_rules(edit_rules_text(default_rules().text, {"overview.top_customer_share": 0.3}))
    with engine.connect() as conn:
        view = build_overview(conn, Filters(TEN), rules)
    # 30 % of 10 = 3 customers: 100 + 90 + 80 = 270 of 550
    assert view.top_customer_share == pytest.approx(0.3)
    assert view.top_revenue_share == pytest.approx(270 / 550)


def test_top_share_rule_is_bounded_and_defaults_for_older_rules():
    shipped = default_rules()
    assert shipped.overview_top_customer_share == pytest.approx(0.2)
    with pytest.raises(RulesError) as error:
        parse_rules(edit_rules_text(shipped.text, {"overview.top_customer_share": 1.5}))
    assert error.value.code == "rules_bad_number"
    # a version saved before the key existed: the whole section is missing
    older = shipped.text.replace("[overview]", "[overview_gone]")
    assert parse_rules(older).overview_top_customer_share == pytest.approx(0.2)
