"""Contact outcomes and a plan's measured results on the hand-made plan of
tests/factories.operations_base, worked by hand:

outcomes recorded: T1 accepted, T2 refused, T3 accepted (Li, care_call); T4 accepted,
T5 complaint (Wang, points_double); T6 nothing.
reach      overall 5/6; Li 3/3, Wang 2/3; tier 4 (T1 T2 T4) 3/3, tier 5 (T3 T5 T6) 2/3.
take-up    care_call 2/3 (reached 3), points_double 1/3 (reached 2).
churn      treated T1..T6: T2, T6 churn → 2/6; hold-out H1 H2 H5 H6 (H3 involuntary and H4 under
           the minimum tenure are excluded): H1, H2 churn → 2/4. Difference 1/2 − 1/3 = 1/6.
cost       care_call 3 × 8 contact; points_double 3 × 1 contact + 1 × 30 → 57; saves 1/6 × 6 = 1.
"""
import datetime as dt
import io
import math

import polars as pl
import pytest
import sqlalchemy as sa
import xlsxwriter
from scipy.stats import norm

from lib.auth import PermissionDenied, User, acting_as
from lib.cli import main
from lib.ingest.errors import IngestError
from lib.operations.results import (calibration_input, arm_churn, outcomes_token, overview_operations,
                                    plan_calibration, plan_choices, plan_results)
from lib.operations.outcomes import (auto_map, check_outcome_file, outcome_history, plan_outcome_rows,
                          record_outcome_file, record_outcomes, rows_table)
from lib.ingest.readers import read_table
from lib.rules import parse_rules
from lib.rules.versions import current_rules
from lib.store import callback_plans, outcome_log, plan_outcomes, read_frame
from lib.pipeline.migrations import open_store
from tests.factories import operations_base

TODAY = dt.date(2026, 11, 24)
GOOD = [
    {"customer_id": "T1", "outcome": "accepted", "outcome_date": "2026-09-05", "offer_id": "care_call"},
    {"customer_id": "T2", "outcome": "refused", "outcome_date": "2026-09-06"},
    {"customer_id": "T3", "outcome": "accepted", "outcome_date": "2026-09-07"},
    {"customer_id": "T4", "outcome": "accepted", "outcome_date": "2026-09-08"},
    {"customer_id": "T5", "outcome": "complaint", "outcome_date": "2026-09-09", "manager": "Zhao"},
]


@pytest.fixture
def plan(db_url):
    plan_id = operations_base(db_url)
    engine = open_store(db_url)
    yield engine, plan_id
    engine.dispose()


@pytest.fixture
def duck_plan(duckdb_url):
    plan_id = operations_base(duckdb_url)
    engine = open_store(duckdb_url)
    yield engine, plan_id
    engine.dispose()


def _stored(engine, table) -> pl.DataFrame:
    return read_frame(engine, sa.select(table).order_by(*table.primary_key.columns))


def _results(engine, plan_id):
    with engine.connect() as conn:
        return plan_results(conn, plan_id, current_rules(engine))


# --------------------------------------------------------------------------- measured results

def test_hand_worked_reach_take_up_churn_and_cost_on_both_engines(plan):
    engine, plan_id = plan
    record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY)
    res = _results(engine, plan_id)
    reach = res.reach.row(0, named=True)
    assert (reach["treated"], reach["attempted"], reach["reached"]) == (6, 5, 5)
    assert (reach["accepted"], reach["refused"], reach["complaint"], reach["not_reached"]) == (3, 1, 1, 0)
    assert res.reach_rate == pytest.approx(5 / 6) and res.reach_target == 0.85
    assert (res.treated_listed, res.holdout_listed) == (6, 6)
    assert dict(zip(res.by_manager["group"], res.by_manager["reach_rate"])) == pytest.approx({"Li": 1.0, "Wang": 2 / 3})
    assert res.by_manager["meets_target"].to_list() == [True, False]
    assert dict(zip(res.by_tier["group"], res.by_tier["reach_rate"])) == pytest.approx({4: 1.0, 5: 2 / 3})
    assert dict(zip(res.by_province["group"], res.by_province["reach_rate"])) == pytest.approx({"北京": 1.0, "广东": 2 / 3})
    take = {r["offer_id"]: r for r in res.take_up.iter_rows(named=True)}
    assert take["care_call"]["take_up"] == pytest.approx(2 / 3) and take["care_call"]["take_up_reached"] == pytest.approx(2 / 3)
    assert take["points_double"]["take_up"] == pytest.approx(1 / 3) and take["points_double"]["take_up_reached"] == pytest.approx(1 / 2)
    arms = {r["arm"]: r for r in res.arms.iter_rows(named=True)}
    assert (arms["treated"]["customers"], arms["treated"]["churned"]) == (6, 2)
    assert (arms["holdout"]["customers"], arms["holdout"]["churned"]) == (4, 2)
    assert res.later_snapshots == 2 and res.result_months == 3
    assert res.difference["difference"] == pytest.approx(1 / 6)
    assert res.cost == pytest.approx(57.0) and res.saves == pytest.approx(1.0)
    assert res.cost_per_save == pytest.approx(57.0)


def test_difference_interval_matches_an_independent_computation(duck_plan):
    engine, plan_id = duck_plan
    record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY)
    diff = _results(engine, plan_id).difference
    # Newcombe (1998) method 10 of p_holdout − p_treated = 2/4 − 2/6 = 1/6, from the Wilson
    # intervals (x + z²/2 ± z√(x(n−x)/n + z²/4)) / (n + z²), z from scipy:
    z = norm.ppf(0.975)

    def wilson(x, n):
        centre, half = (x + z * z / 2) / (n + z * z), z * math.sqrt(x * (n - x) / n + z * z / 4) / (n + z * z)
        return centre - half, centre + half

    (l1, u1), (l2, u2) = wilson(2, 4), wilson(2, 6)       # (0.1500, 0.8500), (0.0968, 0.7000)
    assert (l1, u1, l2, u2) == pytest.approx((0.150, 0.850, 0.0968, 0.7000), abs=1e-4)
    low = 1 / 6 - math.hypot(0.5 - l1, u2 - 1 / 3)        # 1/6 − √(0.35² + 0.3667²) = −0.3402
    high = 1 / 6 + math.hypot(u1 - 0.5, 1 / 3 - l2)       # 1/6 + √(0.35² + 0.2365²) = 0.5891
    assert diff["difference_low"] == pytest.approx(low, abs=1e-12)
    assert diff["difference_high"] == pytest.approx(high, abs=1e-12)
    assert (low, high) == pytest.approx((-0.3402, 0.5891), abs=1e-4)   # Wald gave 1/6 ± 0.618
    # and the cost-per-save range follows the interval: the low end reaches below 0 → no bound
    res = _results(engine, plan_id)
    assert res.cost_per_save_low == pytest.approx(57.0 / (high * 6))
    assert res.cost_per_save_high is None
    # each arm's churn share has its Wilson interval
    arms = {r["arm"]: r for r in res.arms.iter_rows(named=True)}
    assert (arms["holdout"]["churn_low"], arms["holdout"]["churn_high"]) == pytest.approx((l1, u1), abs=1e-12)
    assert (arms["treated"]["churn_low"], arms["treated"]["churn_high"]) == pytest.approx((l2, u2), abs=1e-12)


def test_calibration_input_has_the_shape_calibrate_expects(duck_plan):
    engine, plan_id = duck_plan
    record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY)
    rules = current_rules(engine)
    with engine.connect() as conn:
        frame = calibration_input(arm_churn(conn, plan_id, rules))
        table = plan_calibration(conn, plan_id, rules)
    assert frame.columns == ["offer_id", "tier", "treated", "customers", "accepted", "churned"]
    rows = {(r["offer_id"], r["tier"], r["treated"]): (r["customers"], r["accepted"], r["churned"])
            for r in frame.iter_rows(named=True)}
    assert rows[("care_call", 4, True)] == (2, 1, 1)           # T1 accepted, T2 churned
    assert rows[("care_call", 4, False)] == (2, 0, 1)          # hold-out of tier 4: H1 churned, H5
    assert rows[("points_double", 5, True)] == (2, 0, 1)       # T5, T6 churned
    pooled = table.filter((pl.col("offer_id") == "care_call") & (pl.col("tier") == 0)).row(0, named=True)
    assert (pooled["treated"], pooled["control"]) == (3, 4)
    # 4 hold-out customers: far below the rules' 30 per arm — refused, the counts kept
    assert pooled["refusal"] == "control_too_small" and pooled["take_up"] is None
    assert (pooled["accepted"], pooled["control_churned"], pooled["treated_churned"]) == (2, 2, 1)
    # with a minimum of one customer per arm the same plan calibrates
    lenient = parse_rules(rules.text.replace("calibration_min_arm_customers = 30", "calibration_min_arm_customers = 1"))
    with engine.connect() as conn:
        table = plan_calibration(conn, plan_id, lenient)
    pooled = table.filter((pl.col("offer_id") == "care_call") & (pl.col("tier") == 0)).row(0, named=True)
    assert pooled["refusal"] is None
    assert pooled["take_up"] == pytest.approx(2 / 3)
    assert pooled["difference"] == pytest.approx(2 / 4 - 1 / 3)


def test_no_later_snapshot_means_no_churn_result_yet(duck_plan):
    engine, plan_id = duck_plan
    with engine.begin() as conn:  # move the plan to the newest snapshot: nothing after it
        conn.execute(sa.update(callback_plans).values(snapshot_month=2026 * 12 + 9))
    res = _results(engine, plan_id)
    assert res.later_snapshots == 0 and res.difference is None and res.cost_per_save is None


def test_overview_reach_and_latest_result(duck_plan):
    engine, plan_id = duck_plan
    record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY)
    with engine.connect() as conn:
        overview = overview_operations(conn, current_rules(engine), outcomes_token(conn))
        choices = plan_choices(conn)
    assert overview.plans == (f"#{plan_id} Autumn care",)
    assert (overview.treated, overview.reached) == (6, 5) and overview.reach_rate == pytest.approx(5 / 6)
    assert overview.latest.label == f"#{plan_id} Autumn care"
    assert choices["label"].to_list() == [f"#{plan_id} Autumn care"]


# --------------------------------------------------------------------------- recording outcomes

def test_bad_rows_are_reported_and_good_rows_stored_in_one_go(duck_plan):
    engine, plan_id = duck_plan
    text = ("customer_id,outcome,date,manager\n"
            "T1,reached,2026-09-03,Li\n"
            "X9,reached,2026-09-03,Li\n"            # 2 not on the plan
            "H1,reached,2026-09-03,Li\n"            # 3 hold-out
            "T2,maybe,2026-09-03,Li\n"              # 4 unknown outcome
            "T3,refused,2030-01-01,Li\n"            # 5 future date
            "T4,refused,05/09/2026,Wang\n"          # 6 ambiguous date
            "T5,refused,2026-08-01,Wang\n"          # 7 before the plan was created
            "T6,reached,2026-09-04,Wang\n"          # 8 and 9: duplicate customer
            "T6,refused,2026-09-05,Wang\n"
            ",reached,2026-09-04,Wang\n")           # 10 no id
    result = record_outcome_file(engine, plan_id, text.encode(), "calls.csv", today=TODAY)
    assert (result.check.rows_read, result.stored, result.check.rows_rejected) == (10, 1, 9)
    problems = {(r["row"], r["code"]) for r in result.check.report.iter_rows(named=True)}
    assert problems == {(2, "outcomes_unknown_customer"), (3, "outcomes_holdout_customer"),
                        (4, "outcomes_bad_outcome"), (5, "outcomes_future_date"), (6, "outcomes_bad_date"),
                        (7, "outcomes_date_before_plan"), (8, "outcomes_duplicate_customer"),
                        (9, "outcomes_duplicate_customer"), (10, "outcomes_missing_customer")}
    row4 = result.check.report.filter(pl.col("row") == 4).row(0, named=True)
    assert row4["column"] == "outcome" and row4["value"] == "maybe" and "已接通" in row4["message_en"]
    assert "对照组" in result.check.report.filter(pl.col("row") == 3)["message_zh"][0]
    stored = _stored(engine, plan_outcomes)
    assert stored.select("customer_id", "outcome", "manager", "offer_id", "source").rows() == [
        ("T1", "reached", "Li", "care_call", "file")]               # offer from the plan
    assert _stored(engine, outcome_log).height == 1


def test_zh_headers_and_values_in_an_xlsx_file(duck_plan):
    engine, plan_id = duck_plan
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("回访")
    rows = [["用户号码", "回访结果", "回访日期", "客户经理", "优惠编号"],
            ["T1", "已接通", "2026-09-05", "李", ""], ["T2", "未接通", "2026年9月6日", "李", ""],
            ["T3", "拒绝", "2026/09/07", "", ""], ["T4", "接受", "20260908", "王", "points_double"],
            ["T5", "投诉", "2026-09-09", "王", ""]]
    for i, row in enumerate(rows):
        sheet.write_row(i, 0, row)
    book.close()
    data = buffer.getvalue()
    raw = read_table(data, "回访结果.xlsx")
    assert auto_map(raw.frame.columns) == {"customer_id": "用户号码", "outcome": "回访结果",
                                          "outcome_date": "回访日期", "manager": "客户经理", "offer_id": "优惠编号"}
    result = record_outcome_file(engine, plan_id, data, "回访结果.xlsx", today=TODAY)
    assert result.stored == 5 and result.check.report.height == 0
    stored = {r["customer_id"]: r for r in _stored(engine, plan_outcomes).iter_rows(named=True)}
    assert [stored[c]["outcome"] for c in ("T1", "T2", "T3", "T4", "T5")] == [
        "reached", "not_reached", "refused", "accepted", "complaint"]
    assert stored["T2"]["outcome_date"] == dt.date(2026, 9, 6)
    assert stored["T3"]["manager"] == "Li"                           # blank → the plan's manager
    assert stored["T4"]["offer_id"] == "points_double"


def test_en_header_synonyms_map():
    assert auto_map(["Phone Number", "Call Result", "Contact Date", "Account Manager", "Offer"]) == {
        "customer_id": "Phone Number", "outcome": "Call Result", "outcome_date": "Contact Date",
        "manager": "Account Manager", "offer_id": "Offer"}
    assert auto_map(["客户编号", "接触结果", "日期(YYYY-MM-DD)"]) == {
        "customer_id": "客户编号", "outcome": "接触结果", "outcome_date": "日期(YYYY-MM-DD)"}


def test_a_newer_outcome_replaces_the_latest_and_the_log_keeps_both(duck_plan):
    engine, plan_id = duck_plan
    first = [{"customer_id": "T1", "outcome": "not reached", "outcome_date": "2026-09-02"}]
    record_outcomes(engine, plan_id, rows_table(first), source="app", today=TODAY)
    second = [{"customer_id": "T1", "outcome": "Accepted offer", "outcome_date": "2026-09-04"}]
    record_outcomes(engine, plan_id, rows_table(second), source="app", today=TODAY)
    assert _stored(engine, plan_outcomes)["outcome"].to_list() == ["accepted"]
    with engine.connect() as conn:
        history = outcome_history(conn, plan_id)
        rows = plan_outcome_rows(conn, plan_id)
    assert history["outcome"].to_list() == ["accepted", "not_reached"]      # newest first
    assert rows.height == 6 and rows.filter(pl.col("customer_id") == "T1")["outcome"][0] == "accepted"


def test_a_file_for_an_unknown_plan_is_refused_and_nothing_changes(duck_plan):
    engine, plan_id = duck_plan
    record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY)
    before = (_stored(engine, plan_outcomes), _stored(engine, outcome_log))
    text = b"customer_id,outcome,date\nT6,reached,2026-09-05\n"
    with pytest.raises(IngestError) as refused:
        record_outcome_file(engine, 999, text, "calls.csv", today=TODAY)
    assert refused.value.code == "outcomes_unknown_plan" and "999" in refused.value.message("en")
    with pytest.raises(IngestError) as nothing:   # every row bad: refused as a whole
        record_outcome_file(engine, plan_id, b"customer_id,outcome,date\nX1,reached,2026-09-05\n", "b.csv",
                            today=TODAY)
    assert nothing.value.code == "outcomes_nothing_accepted" and nothing.value.check.rows_rejected == 1
    with pytest.raises(IngestError) as columns:
        record_outcome_file(engine, plan_id, b"id,when\nT6,2026-09-05\n", "c.csv", today=TODAY)
    assert columns.value.code == "outcomes_missing_columns" and "outcome" in columns.value.message("en")
    after = (_stored(engine, plan_outcomes), _stored(engine, outcome_log))
    assert before[0].equals(after[0]) and before[1].equals(after[1])


def test_a_draft_plan_takes_no_outcomes(duck_plan):
    engine, plan_id = duck_plan
    with engine.begin() as conn:
        conn.execute(sa.update(callback_plans).values(status="draft"))
    with pytest.raises(IngestError) as refused:
        record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY)
    assert refused.value.code == "outcomes_plan_draft"
    assert _stored(engine, plan_outcomes).height == 0


def test_a_viewer_cannot_record_outcomes_even_through_lib(duck_plan):
    engine, plan_id = duck_plan
    with acting_as(User("v", "viewer")):
        with pytest.raises(PermissionDenied):
            record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY)
        with pytest.raises(PermissionDenied):
            record_outcome_file(engine, plan_id, b"customer_id,outcome,date\nT1,reached,2026-09-05\n", "a.csv")
        with engine.connect() as conn:   # nor have a file checked against the plan (issue 21 item 6)
            with pytest.raises(PermissionDenied):
                check_outcome_file(conn, plan_id, read_table(b"customer_id,outcome,date\nT1,reached,2026-09-05\n",
                                                             "a.csv"), today=TODAY)
    with acting_as(User("a", "analyst")):
        assert record_outcomes(engine, plan_id, rows_table(GOOD), source="app", today=TODAY).stored == 5
    assert set(_stored(engine, plan_outcomes)["recorded_by"]) == {"a"}


# Guessed ids a viewer might upload to learn who is on the plan: H1 is in the hold-out; X1,
# 13912345678 and C000123 are not on the list (tests/factories.operations_base).
GUESSES = b"customer_id,outcome,date\nH1,reached,2026-09-05\nX1,reached,2026-09-05\n" \
          b"13912345678,reached,2026-09-05\nC000123,reached,2026-09-05\n"


@pytest.fixture
def reader_spy(monkeypatch):
    """Every file reader of lib's upload paths replaced by one that records its call and fails:
    a refusal "before reading" must leave this list empty."""
    import lib.ingest.importer
    import lib.operations.outcomes

    calls = []

    def read(*args, **kwargs):
        calls.append(args[1] if len(args) > 1 else kwargs.get("source_name"))
        raise AssertionError("the file was read")

    monkeypatch.setattr(lib.operations.outcomes, "read_table_isolated", read)
    monkeypatch.setattr(lib.ingest.importer, "read_table_isolated", read)
    return calls


def test_a_viewers_upload_is_refused_before_the_file_is_read(duck_plan, reader_spy):
    from lib.ingest.importer import check_file, import_file, read_snapshot_file
    from lib.operations.outcomes import read_outcome_file

    engine, plan_id = duck_plan
    with acting_as(User("v", "viewer")):
        for call in (lambda: read_outcome_file(GUESSES, "guesses.csv"),
                     lambda: record_outcome_file(engine, plan_id, GUESSES, "guesses.csv", today=TODAY),
                     lambda: read_snapshot_file(GUESSES, "guesses.csv"),
                     lambda: check_file(GUESSES, "guesses.csv", snapshot_date=TODAY),
                     lambda: import_file(engine, GUESSES, "guesses.csv", snapshot_date=TODAY,
                                         churn_window_months=1)):
            with pytest.raises(PermissionDenied) as refused:
                call()
            assert refused.value.code == "auth_denied"
    assert reader_spy == []


def test_an_analyst_sees_the_check_with_identifiers_and_other_roles_masked(duck_plan):
    from lib.ingest import masked_report, report_csv

    engine, plan_id = duck_plan
    with acting_as(User("a", "analyst")), engine.connect() as conn:
        check = check_outcome_file(conn, plan_id, read_table(GUESSES, "guesses.csv"), today=TODAY)
        analyst_csv = report_csv(check).decode("utf-8-sig")
    report = check.report.filter(pl.col("field") == "customer_id")
    assert report.select("value", "code").rows() == [
        ("H1", "outcomes_holdout_customer"), ("X1", "outcomes_unknown_customer"),
        ("13912345678", "outcomes_unknown_customer"), ("C000123", "outcomes_unknown_customer")]
    assert all(f",{value}," in analyst_csv for value in report["value"].to_list())
    # The masking rule of the Action list (lib.common.exports.mask_identifier), by hand:
    #   11+ characters keep 3 + 4: 13912345678 -> 139 + 4 stars + 5678
    #   6-10 characters keep 3 + 2: C000123 (7) -> C00 + 2 stars + 23
    #   shorter keep the first:    H1 -> H*, X1 -> X*
    masked = ["H*", "X*", "139****5678", "C00**23"]
    shown = masked_report(check.report, can_see=False).filter(pl.col("field") == "customer_id")
    assert shown["value"].to_list() == masked
    assert shown["code"].to_list() == report["code"].to_list()           # the row's problem stays
    assert masked_report(check.report, can_see=True).equals(check.report)
    with acting_as(User("v", "viewer")):           # a report reaching a role without the right
        viewer_csv = report_csv(check).decode("utf-8-sig")
    for full, mask in zip(report["value"].to_list(), masked):
        assert full not in viewer_csv.replace(mask, "")
        assert f",{mask}," in viewer_csv


# --------------------------------------------------------------------------- command line

def test_cli_records_a_result_file(duckdb_url, tmp_path, capsys):
    plan_id = operations_base(duckdb_url)
    path = tmp_path / "结果.csv"
    path.write_text("客户编号,接触结果,日期,回访人\nT1,已接通,2026-09-05,李\nT2,外星人,2026-09-05,李\n",
                    encoding="gbk")
    report = tmp_path / "report.csv"
    code = main(["outcomes", str(path), "--plan", str(plan_id), "--db", duckdb_url,
                 "--map", "回访人=manager", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "rows accepted: 1" in out and "rows rejected: 1" in out and "1 outcomes recorded" in out
    assert "outcomes_bad_outcome" in report.read_bytes().decode("utf-8-sig")
    stored = _stored(open_store(duckdb_url), plan_outcomes).row(0, named=True)
    assert (stored["customer_id"], stored["manager"], stored["source"]) == ("T1", "李", "cli")

    code = main(["outcomes", str(path), "--plan", "4242", "--db", duckdb_url])
    err = capsys.readouterr().err
    assert code == 2 and "4242" in err
