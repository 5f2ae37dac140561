"""Alert rules (issue 19) on a small hand-made base, with every expected breach worked by hand.

The base (two monthly snapshots, churn window one month, every tenure 24 months so no
exclusion applies; tiers from spend_min = [0, 50, 100, 200, 400]):

    S1 2026-09-30  广东 G1–G4 spend 100 (tier 3), none churned
                   北京 B1–B4 spend 50 (tier 2), B4 churned
    S2 2026-10-31  广东 G1–G4 spend 100 (tier 3), G4 churned
                   北京 B1 spend 50 (tier 2), B2–B3 spend 45 (tier 1), none churned (B4 gone)

Monthly churn (churned rows / rows): base S1 1/8 = 12.5 %, S2 1/7 = 14.286 % (+1.786 pp);
广东 0 → 25 % (+25 pp); 北京 25 % → 0 (−25 pp).
ARPU (spend of active / active): base S1 550/7 = 78.571, S2 440/6 = 73.333 (−6.667 %);
广东 100 → 100 (0 %); 北京 150/3 = 50 → 140/3 = 46.667 (−6.667 %).
Active per tier: tier 3 4 → 3 (−25 %); tier 2 3 → 1 (−66.7 %); tier 1 has no row in S1, so no
previous value and no change (the Overview shows none either).

Rules below and their breaches on S2:
  1 monthly churn vs its 2.5 % ceiling, base          → breach: 14.286 % (change +1.786 pp)
  2 monthly churn up > 10 pp, per province            → 广东 (+25 pp); not 北京 (−25 pp)
  3 ARPU down > 5 %, base                             → breach (−6.667 %)
  4 active customers down > 30 %, per tier            → tier 2 (−66.7 %); not tier 3 (−25 %)
  5 ARPU either way > 5 %, per province               → 北京 (−6.667 %); not 广东 (0 %)
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.auth import User, acting_as
from lib.store.scope import Scope
from lib.cli import main
from lib.ingest.importer import import_file
from lib.monthly.alerts import breach_line, evaluate
from lib.pipeline.snapshots import write_snapshots
from lib.rules import RulesError
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.store import alert_log, read_frame
from lib.pipeline.migrations import open_store
from tests.factories import S1, S2, customer, snapshot

ROOT = Path(__file__).resolve().parents[1]

ALERTS = """
[[alert]]
kpi = "kpi_monthly_churn"
kind = "target"

[[alert]]
kpi = "kpi_monthly_churn"
kind = "change"
unit = "pp"
threshold = 10
direction = "up"
per = "province"

[[alert]]
kpi = "kpi_arpu"
kind = "change"
unit = "percent"
threshold = 5
direction = "down"

[[alert]]
kpi = "kpi_active"
kind = "change"
unit = "percent"
threshold = 30
direction = "down"
per = "tier"

[[alert]]
kpi = "kpi_arpu"
kind = "change"
unit = "percent"
threshold = 5
direction = "either"
per = "province"
"""


def _s1():
    return snapshot(S1, [customer(f"G{i}", 100, 24, province="广东") for i in range(1, 5)]
                    + [customer(f"B{i}", 50, 24, province="北京", churned=i == 4,
                                churn_type="switch" if i == 4 else None) for i in range(1, 5)])


def _s2_rows():
    return ([customer(f"G{i}", 100, 24, province="广东", churned=i == 4,
                      churn_type="switch" if i == 4 else None) for i in range(1, 5)]
            + [customer(f"B{i}", 50 if i == 1 else 45, 24, province="北京") for i in range(1, 4)])


def _rules_text(engine) -> str:
    """The shipped rules with their [[alert]] entries replaced by ALERTS."""
    text = current_rules(engine).text
    head = text.split("# Alert rules")[0]
    assert "[[alert]]" not in head
    return head + ALERTS


@pytest.fixture
def store(duckdb_url):
    engine = open_store(duckdb_url)
    save_rules(engine, _rules_text(engine))
    rules = current_rules(engine)
    write_snapshots(engine, _s1(), rules=rules, source_name="hand", churn_window_months=1)
    write_snapshots(engine, snapshot(S2, _s2_rows()), rules=rules, source_name="hand", churn_window_months=1)
    yield engine, duckdb_url
    engine.dispose()


def _found(breaches):
    return {(b.rule, b.entity): b for b in breaches}


def test_the_breaches_worked_by_hand(store):
    engine, _ = store
    found = _found(evaluate(engine, S2, current_rules(engine)))
    assert set(found) == {(1, None), (2, "广东"), (3, None), (4, "2"), (5, "北京")}
    assert found[(1, None)].value == pytest.approx(1 / 7)
    assert found[(1, None)].threshold == pytest.approx(0.025)
    assert found[(1, None)].change == pytest.approx(1 / 7 - 1 / 8)
    assert found[(2, "广东")].change == pytest.approx(25.0)
    assert found[(2, "广东")].value == pytest.approx(0.25)
    assert found[(3, None)].value == pytest.approx(440 / 6)
    assert found[(3, None)].change == pytest.approx((440 / 6 - 550 / 7) / (550 / 7) * 100)
    assert found[(3, None)].change == pytest.approx(-20 / 3)
    assert found[(4, "2")].value == 1 and found[(4, "2")].change == pytest.approx(-200 / 3)
    assert found[(5, "北京")].value == pytest.approx(140 / 3)
    assert found[(5, "北京")].change == pytest.approx(-20 / 3)
    line = breach_line(found[(2, "广东")], "en", current_rules(engine))
    assert line == "Monthly churn rate [广东] value 25.0% threshold 10 pp change +25.00 pp"


def test_no_breach_on_the_first_snapshot_but_the_target(store):
    """S1 has no previous snapshot: only the target rule can fire (12.5 % > 2.5 %)."""
    engine, _ = store
    assert set(_found(evaluate(engine, S1, current_rules(engine)))) == {(1, None)}


def test_a_scoped_user_gets_the_breaches_of_their_provinces(store):
    engine, _ = store
    with acting_as(User("bj", "viewer", Scope(("北京",)))):
        found = _found(evaluate(engine, S2, current_rules(engine)))
    # 北京 alone: churn 25 % → 0 (target met; −25 pp); ARPU 50 → 46.667 (−6.667 %: rules 3
    # and 5); tier 2 (B1–B3, then B1) 3 → 1 (−66.7 %)
    assert set(found) == {(3, None), (4, "2"), (5, "北京")}
    assert found[(3, None)].change == pytest.approx(-20 / 3)


def test_the_command_prints_one_line_per_breach_and_exits_3(store, capsys):
    engine, url = store
    engine.dispose()
    assert main(["alerts", "--db", url]) == 3
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and any("[北京]" in line and "-6.7%" in line for line in lines)
    assert main(["alerts", "--db", url, "--snapshot", "2026-01-31"]) == 2


def test_no_breach_exits_0(duckdb_url, capsys):
    """Rule 3 only, on a base whose ARPU does not move: nothing to report."""
    engine = open_store(duckdb_url)
    save_rules(engine, _rules_text(engine).split("[[alert]]")[0] + "[[alert]]" + ALERTS.split("[[alert]]")[3])
    rules = current_rules(engine)
    same = [customer(f"G{i}", 100, 24, province="广东") for i in range(1, 5)]
    write_snapshots(engine, snapshot(S1, same), rules=rules, source_name="hand", churn_window_months=1)
    write_snapshots(engine, snapshot(S2, same), rules=rules, source_name="hand", churn_window_months=1)
    engine.dispose()
    assert main(["alerts", "--db", duckdb_url]) == 0
    assert "No alert rule is breached" in capsys.readouterr().out


def test_alerts_are_evaluated_and_recorded_after_an_import(duckdb_url, tmp_path):
    engine = open_store(duckdb_url)
    save_rules(engine, _rules_text(engine))
    write_snapshots(engine, _s1(), rules=current_rules(engine), source_name="hand", churn_window_months=1)
    csv = tmp_path / "october.csv"
    lines = ["customer_id,tenure_months,churned,spend_m1,province,snapshot_date"]
    lines += [f"{r['customer_id']},24,{'1' if r['churned'] else '0'},{r['spend_m1']},{r['province']},2026-10-31"
              for r in _s2_rows()]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(engine, csv.read_bytes(), csv.name, churn_window_months=1)
    log = read_frame(engine, sa.select(alert_log.c.snapshot_date, alert_log.c.trigger, alert_log.c.breaches))
    assert log.rows() == [(S2, "import", 5)]
    engine.dispose()


def test_a_bad_alert_rule_is_refused_when_saved(duckdb_url):
    engine = open_store(duckdb_url)
    text = _rules_text(engine).replace('unit = "pp"', 'unit = "percent points"')
    with pytest.raises(RulesError) as refused:
        save_rules(engine, text)
    assert refused.value.code == "alert_bad_rule" and refused.value.params["number"] == 2
    arpu_in_pp = _rules_text(engine).replace('unit = "percent"\nthreshold = 5\ndirection = "down"',
                                             'unit = "pp"\nthreshold = 5\ndirection = "down"')
    with pytest.raises(RulesError):
        save_rules(engine, arpu_in_pp)     # ARPU is money, not a share: no percentage points
    engine.dispose()


def test_the_overview_lists_the_breaches_of_the_shown_snapshot(store, monkeypatch):
    engine, url = store
    monkeypatch.setenv("RETENTION_DB_URL", url)
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert any(s.value == "Alerts" for s in at.subheader)
    table = next(d.value for d in at.dataframe if "Threshold" in d.value.columns)
    assert sorted(table["Scope"].to_list()) == sorted(["whole base", "广东", "whole base", "2 star", "北京"])
    next(box for box in at.sidebar.selectbox if box.label == "Snapshot").set_value(S1).run()      # the first snapshot: the target rule only
    table = next(d.value for d in at.dataframe if "Threshold" in d.value.columns)
    assert table["Rule"].to_list() == ["1"]


def test_the_overview_reads_the_evaluation_recorded_at_import_for_the_same_data_and_rules(duckdb_url, tmp_path):
    """After an import the whole base's breaches are in the alert log for that import and rules
    version; the Overview reads them there (proved by blanking the record: it then lists none),
    a scoped user's are evaluated afresh, and a new rules version is evaluated afresh too."""
    from lib.monthly.alerts import overview_breaches
    from lib.store import alert_log

    engine = open_store(duckdb_url)
    save_rules(engine, _rules_text(engine))
    write_snapshots(engine, _s1(), rules=current_rules(engine), source_name="hand", churn_window_months=1)
    csv = tmp_path / "october.csv"
    lines = ["customer_id,tenure_months,churned,spend_m1,province,snapshot_date"]
    lines += [f"{r['customer_id']},24,{'1' if r['churned'] else '0'},{r['spend_m1']},{r['province']},2026-10-31"
              for r in _s2_rows()]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(engine, csv.read_bytes(), csv.name, churn_window_months=1)
    rules = current_rules(engine)
    with engine.connect() as conn:
        recorded = overview_breaches(conn, S2, rules)
    assert recorded == evaluate(engine, S2, rules) and len(recorded) == 5
    with engine.begin() as conn:
        conn.execute(sa.update(alert_log).values(detail="[]"))
    with engine.connect() as conn:
        assert overview_breaches(conn, S2, rules) == []                    # read from the record
        with acting_as(User("bj", "viewer", Scope(("北京",)))):
            assert len(overview_breaches(conn, S2, rules)) == 3            # evaluated for the scope
    newer = save_rules(engine, rules.text + "\n# a note\n")
    with engine.connect() as conn:
        assert overview_breaches(conn, S2, newer) == evaluate(engine, S2, newer)
    engine.dispose()
