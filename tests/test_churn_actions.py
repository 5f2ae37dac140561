"""The call list's pieces: masking, export contents, playbook, assignment, risk bands."""
import datetime as dt
import io

import polars as pl
import pytest

from lib.churn.actions import (
    ActionSettings,
    CallList,
    Manager,
    action_settings,
    assign,
    decile_range,
    display_frame,
    export_bytes,
    mask_identifier,
    recommend,
)
from lib.common.exports import UTF8_BOM
from lib.rules import RulesError, default_rules, edit_rules_text, parse_rules

RULES = default_rules()


def calls() -> CallList:
    rows = pl.DataFrame({
        "customer_id": ["13812345678", "=HYPERLINK(\"x\")", "C0000042"],
        "province": ["广东", "北京", "西藏"], "city": ["广州", "朝阳区", "拉萨"],
        "district": [None, None, None], "tier": [5, 4, 6], "stage": ["decline", "maturity", "growth"],
        "brand": ["全球通"] * 3, "plan": ["x"] * 3, "tenure_months": [40.0, 80.0, 12.0],
        "spend_m1": [420.0, 260.0, 900.0], "churn_probability": [0.61, 0.35, 0.2],
        "risk_decile": [10, 9, 8], "reasons": ["complaints:0.210;spend_trend:0.080", "tenure:0.050", ""],
        "expected_loss": [256.2, 91.0, 180.0], "band": ["high", "high", "medium"],
        "action": ["care", "loyalty", "upsell"], "offer_id": ["care_call", None, "points_double"],
        "manager": ["South team", "North team", None],
    })
    return CallList(dt.date(2026, 10, 31), rows, 500)


@pytest.mark.parametrize("raw, masked", [
    ("13812345678", "138****5678"),          # an 11-digit mobile number
    ("C0000042", "C00***42"),
    ("ABCDE", "A****"),
    (None, None),
])
def test_identifiers_are_masked(raw, masked):
    assert mask_identifier(raw) == masked


def test_csv_export_is_masked_formula_safe_and_translated():
    frame = display_frame(calls(), RULES, "en", can_see_identifiers=False,
                          offers={"care_call": "Care call by account manager"})
    data = export_bytes(frame, "csv")
    assert data.startswith(UTF8_BOM)
    text = data.decode("utf-8-sig")
    assert "13812345678" not in text and "138****5678" in text
    back = pl.read_csv(io.BytesIO(data[len(UTF8_BOM):]))
    assert back.columns[0] == "Customer" and back.height == 3
    assert back["Customer"][1].startswith("'")                  # formula neutralised (=HY***")…)
    assert back["Why (top drivers)"][0] == "Complaints and service calls (+21 pp); Spend pattern (falling or unusual recent spend) (+8 pp)"
    assert back["Recommended action"][0].startswith("Care call first")
    assert back["Offer"][0] == "Care call by account manager"
    assert back["Tier"].to_list() == ["5 star", "4 star", "6 star"]


def test_unmasked_export_when_the_role_allows_and_xlsx_reads_back():
    frame = display_frame(calls(), RULES, "zh", can_see_identifiers=True)
    assert frame["客户"][0] == "13812345678"
    back = pl.read_excel(io.BytesIO(export_bytes(frame, "xlsx")))
    assert back.height == 3 and back.columns == frame.columns
    assert back["客户"][0] == "13812345678"
    assert back["客户"][1].startswith("'=")                      # text, never a formula
    assert back["阶段"][0] == "衰退期"


def test_playbook_recommendations():
    catalogue = [{"id": "care_call", "type": "care_call", "eligible_tiers": [4, 5, 6]},
                 {"id": "points_double", "type": "points", "eligible_tiers": [3, 4, 5, 6]},
                 {"id": "tenure_discount", "type": "tenure_reward", "eligible_tiers": [2, 3, 4, 5, 6]}]
    assert recommend("maturity", 5, ["tenure"], catalogue) == ("loyalty", "tenure_discount")
    assert recommend("growth", 3, [], catalogue) == ("upsell", "points_double")
    assert recommend("decline", 2, ["complaints"], catalogue) == ("care", "tenure_discount")  # no care call below 4★
    assert recommend("decline", 5, ["arrears"], catalogue) == ("care", "care_call")
    assert recommend("acquisition", 1, [], None) == ("onboarding", None)


def test_assignment_by_region_then_capacity():
    settings = ActionSettings(9, 7, 10, "region", (
        Manager("South", ("广东",), 1), Manager("North", ("北京",), 2), Manager("Centre", (), 1)))
    frame = pl.DataFrame({"province": ["广东", "广东", "北京", "西藏", "广东"]})
    # 2nd 广东 goes to the anywhere team; 西藏 to North's spare capacity; the last is left over
    assert assign(frame, settings).to_list() == ["South", "Centre", "North", "North", None]
    by_capacity = ActionSettings(9, 7, 10, "capacity", settings.managers)
    assert assign(frame, by_capacity).to_list() == ["North", "South", "North", "Centre", None]


def test_risk_bands_and_rules_section():
    settings = action_settings(RULES)
    assert decile_range(("high",), settings) == (9, 10)
    assert decile_range(("medium",), settings) == (7, 8)
    assert decile_range(("high", "medium"), settings) == (7, 10)
    assert decile_range((), settings) == (1, 10)
    assert len(settings.managers) == 5 and settings.managers[-1].provinces == ()
    bad = edit_rules_text(RULES.text, {"churn_actions.assignment": "random"})
    with pytest.raises(RulesError) as err:
        action_settings(parse_rules(bad))
    assert err.value.code == "churn_rules_bad_assignment"


def test_an_offers_plan_narrows_the_list_and_sets_its_offer():
    import datetime as dt

    import polars as pl

    from lib.churn.actions import CallList, apply_plan

    rows = pl.DataFrame({"customer_id": ["a", "b", "c"], "tier": [4, 4, 5], "risk_decile": [10, 9, 10],
                         "offer_id": ["x", "x", "x"]})
    calls = CallList(dt.date(2026, 10, 31), rows, 500)
    narrowed = apply_plan(calls, ((4, 10, "care_call"), (5, 10, "points_double")))
    assert sorted(narrowed.rows["customer_id"].to_list()) == ["a", "c"]
    assert dict(zip(narrowed.rows["customer_id"], narrowed.rows["offer_id"])) == {"a": "care_call", "c": "points_double"}
