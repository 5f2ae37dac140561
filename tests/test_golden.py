"""End to end on a hand-built base: every headline figure worked out by hand, read through the pages.

The base is ``tests/data/golden_base.csv``: 28 customers over three month-end snapshots
S0 = 2023-12-31, S1 = 2024-01-31, S2 = 2024-02-29, imported as one file with a churn window of
one month. Spend is the latest month only, so the six-month average equals it; tiers by the
shipped thresholds 0 / 50 / 100 / 200 / 400 (six star: points ≥ 30,000 or key person). Status per
snapshot: A active, C churned (switch), I churned involuntarily, - not in the file.

    id   joined      spend prov  note              S0 S1 S2   tier
    V01  2019-04-10  450   广东                    A  A  A    5
    V02  2020-08-01  260   广东                    A  A  C    4
    V03  2021-01-15  310   北京                    A  A  A    4
    V04  2022-05-20  220   北京                    A  C  -    4
    V05  2018-11-03   90   北京  key person        A  A  A    6
    V06  2021-09-09  150   广东  35,000 points     A  A  A    6
    V07  2023-03-01  205   上海                    A  A  A    4
    V08  2022-12-12  500   上海                    A  A  I    5
    R01  2020-02-02  120   广东                    A  A  A    3
    R02  2021-06-30  110   广东                    A  A  C    3
    R03  2022-03-05   60   北京                    A  A  A    2
    R04  2022-07-07   75   北京                    A  C  -    2
    R05  2023-01-20   40   上海                    A  A  A    1
    R06  2023-05-05   30   上海                    A  A  A    1
    R07  2023-06-18   45   广东                    C  -  -    1
    R08  2023-10-10   55   北京                    A  A  C    2
    R09  2023-11-25   35   广东                    A  C  -    1
    R10  2023-12-08   25   上海                    A  A  A    1
    R11  2024-01-12   65   北京                    -  A  A    2
    R12  2024-01-20   20   广东                    -  A  C    1
    R13  2024-02-03   50   上海                    -  -  A    2
    R14  2024-02-14  140   北京                    -  -  A    3
    R15  2019-09-09  180   广东  group-paid        A  A  C    3
    R16  2020-12-01   95   上海                    A  A  A    2
    R17  2021-03-03   15   北京                    A  A  A    1
    R18  2022-09-19   85   广东                    A  I  -    2
    R19  2023-08-08  130   上海                    A  A  A    3
    R20  2023-02-28   70   广东                    A  A  C    2

Overview at S2, by hand (the rules' exclusions: involuntary, tenure under 3 months, group-paid):
- rows 23, churned 7 (V02 V08 R02 R08 R12 R15 R20) → **active 16**;
- revenue of the active = 450+310+90+150+205+120+60+40+30+25+65+50+140+95+15+130 = 1975,
  **ARPU 1975 / 16 = 123.44**; VIP (tier ≥ 4) active V01 V03 V05 V06 V07 → **5**, revenue 1205,
  **VIP revenue share 1205 / 1975 = 61.0 %**;
- **VIP retention this quarter**: the photo is S0 (the last snapshot before 2024-01), whose VIPs
  are V01–V08 (8); still active at S2: V01 V03 V05 V06 V07 → **5 / 8 = 62.5 %**;
- **monthly churn**: counted base = 23 rows − V08 (involuntary) − R15 (group-paid) − R10 R11 R12
  R13 R14 (tenure under 3 months) = 16; counted churners V02 R02 R08 R20 = 4 → **25.0 %**;
- **churn / gross adds**: 7 churners over 2 joiners of February (R13, R14) → **3.50**;
- **revenue at risk** (12 months): Σ tiers revenue × Σₖ₌₁¹² (1 − (1 − c)ᵏ); tier 2: c = 2/4,
  270 × (12 − (1 − 0.5¹²)) = 2,970.07; tiers 3 and 4: c = 1/3, (390 + 515) × (12 − 2(1 − (2/3)¹²))
  = 9,063.95; tiers 1, 5, 6 have no counted churner → **12,034.02 (12.0k)**.
Changes against S1 (25 rows, 21 active, 7 VIP, revenue 2,980, VIP revenue 1,965, counted base 19
with 2 churners (V04 R04), 4 churners over 2 joiners, VIP retention 7 / 8): active −5, VIP −2,
churn +14.5 pp (0.25 − 2/19), churn / gross adds +1.50, VIP share −4.9 pp (0.6101 − 0.6594),
ARPU −18.5 (123.44 − 141.90), VIP retention −25.0 pp.

Segments tier table at S2 (active, revenue, monthly churn after the exclusions):
tier 1: R05 R06 R10 R17 → 4, 110, counted R05 R06 R17 with no churner → 0;
tier 2: R03 R11 R13 R16 → 4, 270, counted R03 R08 R16 R20, churners R08 R20 → 0.5;
tier 3: R01 R14 R19 → 3, 390, counted R01 R02 R19, churner R02 → 1/3;
tier 4: V03 V07 → 2, 515, counted V02 V03 V07, churner V02 → 1/3;
tier 5: V01 → 1, 450 (V08 involuntary, not counted) → 0; tier 6: V05 V06 → 2, 240 → 0.

Offers ROI at S2, the care call (tiers 4–6, contact 8, take-up 0.55–0.75 → 0.65, effect
0.05–0.15 → 0.10) at the rules' starting depth of 30 %, no churn model (each tier one risk
group at its observed churn), margin 0.35 and 10 % a year (d = 1.1^(1/12) − 1 = 0.0079741):
tier 4: targeted 0.3 × 2 = 0.6, takers 0.39; churn over 12 months p = 1 − (2/3)¹² = 0.992293;
saves 0.39 × 0.10 × p = 0.038699; margin 0.35 × 257.5 = 90.125 a month, simple CLV
90.125 × (1 + d) / (d + 1/3) = 266.163, value saved 10.300; cost 0.6 × 8 = 4.8 → net 5.500;
tier 5: 0.3 targeted, no counted churner → saves 0, net −2.4; tier 6: 0.6 targeted → net −4.8.
Total net −1.70; cost 12.0 over 0.0387 saves → 310.1 per save.

Lifecycle survival at S2 by tier (the convention of lib.store.schema: a customer's lifetime counts the
joining month as month 1, so an active one is censored at S2's month − join month + 1 and a
churner ends at its churn month − join month + 1; customers who joined before S0 enter at
S0's month − join month; under the tenure exclusion entries are raised to 3 and lifetimes of
3 or less drop out; V08 R18 (involuntary) and R15 (group-paid) are left out). Month indexes:
S0 = 2023-12, S2 = 2024-02. (duration, event, entry):
tier 1: R05 (14, 0, 11), R06 (10, 0, 7), R07 (7, 1, 6), R17 (36, 0, 33); R09 R10 R12 drop out;
tier 2: R03 (24, 0, 21), R04 (19, 1, 17), R08 (5, 1, 3), R16 (39, 0, 36), R20 (13, 1, 10);
tier 3: R01 (49, 0, 46), R02 (33, 1, 30), R19 (7, 0, 4); tier 4: V02 (43, 1, 40), V03 (38, 0, 35),
V04 (21, 1, 19), V07 (12, 0, 9); tier 5: V01 (59, 0, 56); tier 6: V05 (64, 0, 61), V06 (30, 0, 27).
Kaplan–Meier with those entries (at risk at t: entry < t ≤ duration): tier 1 at 7 only R07 is at
risk → 0; tier 2 at 5 only R08 → 0; tier 3 at 33 only R02 → 0; tier 4 at 21 only V04 → 0. So the
survival at 12 months is 0, 0, 1, 1, 1, 1 and the medians 7, 5, 33, 21, beyond the data twice;
customers who stayed 3 months 4, 5, 3, 4, 1, 2 with 1, 3, 1, 2, 0, 0 churners.

Cohort retention (cohorts from S0's month on; month 1 = the joining month): 2023-12 is R10
(active through February), 2024-01 R11 R12 (R12 churned in February), 2024-02 R13 R14.
Without the exclusion: 2023-12 → 100, 100, 100 %; 2024-01 → 100, 50 %; 2024-02 → 100 %.
With it each cohort is its customers who stayed 3 months: months 1–2 not applicable; only
2023-12 has reached month 3 (R10) → 100 %; the other cells are not observed yet.
"""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.auth import User, acting_as
from lib.ingest.importer import import_file
from lib.pipeline.migrations import open_store
from tests.rendered import shown as shown_text   # AppTest gives markdown source

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden_base.csv"


@pytest.fixture(scope="module")
def golden_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('golden')}/golden.duckdb"
    engine = open_store(url)
    with acting_as(User("analyst", "analyst")):
        result = import_file(engine, GOLDEN.read_bytes(), GOLDEN.name, churn_window_months=1)
    assert result.validation.rows_rejected == 0
    engine.dispose()
    return url


def open_page(url: str, monkeypatch, page: str | None = None, lifecycle_tab: str | None = None) -> AppTest:
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    if page:
        at.switch_page(page)
        if lifecycle_tab:                    # the Lifecycle page draws only its open tab
            at.session_state["lifecycle_tab"] = lifecycle_tab
        at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_overview_kpis(golden_url, monkeypatch):
    at = open_page(golden_url, monkeypatch)
    shown = {m.label.lstrip("⚠ "): (m.value, m.delta) for m in at.metric}
    assert shown["Active customers"] == ("16", "-5")
    assert shown["VIP customers"] == ("5", "-2")
    assert shown["VIP revenue share"] == ("61.0%", "-4.9 pp")
    assert shown["VIP retention this quarter"] == ("62.5%", "-25.0 pp")
    assert shown["Monthly churn rate"] == ("25.0%", "+14.5 pp")
    assert shown["Churn / gross adds"] == ("3.50", "+1.50")
    assert shown["ARPU"] == ("¥123.4", "-¥18.5")   # the rules' currency (CNY, ¥)
    assert shown["Revenue at risk"][0] == "¥12.0k"
    missed = {m.label for m in at.metric if m.label.startswith("⚠")}
    assert missed == {"⚠ Monthly churn rate", "⚠ Churn / gross adds", "⚠ VIP retention this quarter"}


def test_segments_tier_table(golden_url, monkeypatch):
    at = open_page(golden_url, monkeypatch, "views/segments.py")
    table = at.dataframe[0].value
    assert table["Active"].tolist() == [4, 4, 3, 2, 1, 2]
    assert table["Revenue (CNY)"].tolist() == [110, 270, 390, 515, 450, 240]   # money names its currency
    assert table["Monthly churn"].tolist() == pytest.approx([0, 0.5, 1 / 3, 1 / 3, 0, 0])
    assert table["ARPU (CNY)"].tolist() == pytest.approx([27.5, 67.5, 130, 257.5, 450, 120])


def test_offers_roi_per_tier(golden_url, monkeypatch):
    at = open_page(golden_url, monkeypatch, "views/offers.py")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Net value"] == "-¥1.7"
    table = at.dataframe[0].value.set_index("Tier")
    assert table["Targeted"].tolist() == pytest.approx([0.6, 0.3, 0.6])
    assert table.loc["4 star", "Saves"] == pytest.approx(0.39 * 0.10 * (1 - (2 / 3) ** 12))
    d = 1.1 ** (1 / 12) - 1
    clv = 0.35 * 257.5 * (1 + d) / (d + 1 / 3)
    assert table.loc["4 star", "Value saved"] == pytest.approx(0.039 * (1 - (2 / 3) ** 12) * clv)
    assert table["Net value"].tolist() == pytest.approx([10.30036 - 4.8, -2.4, -4.8], abs=1e-4)
    assert any("Cost per save ¥310.1" in shown_text(c.value) for c in at.caption)


def _step_value(trace: dict, month: float) -> float:
    """A step curve's value at ``month``: the y of the last point at or before it."""
    return [y for x, y in zip(trace["x"], trace["y"]) if x <= month][-1]


def test_lifecycle_survival_by_tier(golden_url, monkeypatch):
    import json

    at = open_page(golden_url, monkeypatch, "views/lifecycle.py", "Survival")
    table = at.dataframe[0].value
    assert table.iloc[:, 1].tolist() == [4, 5, 3, 4, 1, 2]           # stayed 3 months
    assert table["Churners"].tolist() == [1, 3, 1, 2, 0, 0]
    assert table.iloc[:, 3].astype(str).tolist() == ["7", "5", "33", "21", "beyond the data", "beyond the data"]
    curves = {tr["name"]: tr for c in at.get("plotly_chart") for tr in json.loads(c.proto.spec)["data"]
              if tr.get("name", "").endswith("star")}
    at_12 = [_step_value(curves[f"{tier} star"], 12) for tier in range(1, 7)]
    assert at_12 == [0, 0, 1, 1, 1, 1]
    # each tier's only churner at risk at its churn month takes the curve to 0 there (lifelines
    # refuses such tiny truncated risk sets, so the hand list is the reference)
    assert [_step_value(curves[f"{tier} star"], month) for tier, month in
            ((1, 7), (2, 5), (3, 33), (4, 21))] == [0, 0, 0, 0]
    assert [_step_value(curves[f"{tier} star"], month - 1) for tier, month in
            ((1, 7), (2, 5), (3, 33), (4, 21))] == [1, 1, 1, 1]


def test_lifecycle_cohort_cells(golden_url, monkeypatch):
    import json

    at = open_page(golden_url, monkeypatch, "views/lifecycle.py", "Cohort retention")
    heat = [tr for c in at.get("plotly_chart") for tr in json.loads(c.proto.spec)["data"]
            if tr["type"] == "heatmap"]
    assert heat[0]["y"] == ["2023-12", "2024-01", "2024-02"]
    shown = [[cell for cell in row] for row in heat[0]["text"]]
    observed = [[cell for cell in row] for row in heat[1]["text"]]
    assert [r[:2] for r in shown] == [["n/a", "n/a"]] * 3                  # months 1-2: not applicable
    assert observed[0][2] == "100%" and observed[1][2] == "" and observed[2][2] == ""
    at.toggle(key="lifecycle_exclude_tenure").set_value(False).run()
    heat = [tr for c in at.get("plotly_chart") for tr in json.loads(c.proto.spec)["data"]
            if tr["type"] == "heatmap"]
    assert heat[0]["z"] == [[1, 1, 1], [1, 0.5, None], [1, None, None]]
