"""Need tags (需求标签): rule parsing, hand cases at each threshold on both engines, the call
list's column and export in English and Chinese, and the Action list page."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from lib.pipeline.cubes import rebuild_score_cube
from lib.churn.actions import call_list, display_frame, export_bytes
from lib.pipeline.derive import derive
from lib.common.exports import UTF8_BOM
from lib.churn.need_tags import collapse, need_tags, parse_need_tags, tag_columns, tags_text
from lib.store.filters import Filters
from lib.rules import RulesError, default_rules, parse_rules
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import write_snapshots
from lib.store import churn_scores, customers
from lib.pipeline.migrations import open_store

ROOT = Path(__file__).resolve().parents[1]
SNAP = dt.date(2026, 10, 31)        # snapshot month index 2026 * 12 + 9
RULES = default_rules()


def person(cid: str, **fields) -> dict:
    """One customer at SNAP: 50/month flat, quiet usage, no contract, unless ``fields`` say."""
    row = {"customer_id": cid, "join_date": dt.date(2020, 1, 15), "churned": False,
           "province": "北京", "contract": "none", "payment_method": "postpaid_bank",
           "data_gb": 1.0, "roaming": 0.0, "voice_minutes": 50.0, "complaints": 0,
           "service_calls": 0, "arrears": 0.0, "points": 100.0,
           **{f"spend_m{i}": 50.0 for i in range(1, 7)}}
    row.update(fields)
    return row


def spend(recent: float, earlier: float) -> dict:
    return {**{f"spend_m{i}": recent for i in (1, 2, 3)},
            **{f"spend_m{i}": earlier for i in (4, 5, 6)}}


#: customer -> (fields, tags expected with the shipped rules). Thresholds from data/rules.toml:
#: data >= 20 GB, roaming >= 10 min, voice >= 500 min, spend trend <= -0.15 or prepaid,
#: complaints >= 1 or service calls >= 3, arrears > 0, points >= 5000, contract renewal
#: within 2 months (12m/24m terms counted from the joining month).
CASES: dict[str, tuple[dict, str]] = {
    "none": ({}, ""),
    "data_at": ({"data_gb": 20.0}, "data_heavy"),
    "data_below": ({"data_gb": 19.99}, ""),
    "roam_at": ({"roaming": 10.0}, "roaming"),
    "roam_below": ({"roaming": 9.5}, ""),
    "voice_at": ({"voice_minutes": 500.0}, "voice_heavy"),
    "voice_below": ({"voice_minutes": 499.0}, ""),
    "trend_at": (spend(85.0, 100.0), "price_sensitive"),            # 85/100 - 1 = -0.15
    "trend_above": (spend(86.0, 100.0), ""),                        # -0.14
    "prepaid": ({"payment_method": "prepaid"}, "price_sensitive"),
    "complaint_1": ({"complaints": 1}, "complaint_prone"),
    "calls_3": ({"service_calls": 3}, "complaint_prone"),
    "calls_2": ({"service_calls": 2}, ""),
    "arrears_cent": ({"arrears": 0.01}, "arrears"),
    "arrears_none": ({"arrears": None}, ""),
    "points_at": ({"points": 5000.0}, "points_to_redeem"),
    "points_below": ({"points": 4999.0}, ""),
    # 12-month contract joined 2025-12: 10 months elapsed, renewal in 2 months -> tagged.
    "c12_left2": ({"contract": "12m", "join_date": dt.date(2025, 12, 15)}, "contract_ending"),
    "c12_left3": ({"contract": "12m", "join_date": dt.date(2026, 1, 15)}, ""),
    "c12_left1": ({"contract": "12m", "join_date": dt.date(2024, 11, 2)}, "contract_ending"),
    "c12_renewed": ({"contract": "12m", "join_date": dt.date(2025, 10, 15)}, ""),   # 12 left
    "c24_left2": ({"contract": "24m", "join_date": dt.date(2024, 12, 15)}, "contract_ending"),
    "c24_left14": ({"contract": "24m", "join_date": dt.date(2025, 12, 15)}, ""),
    "no_contract": ({"contract": "none", "join_date": dt.date(2025, 12, 15)}, ""),
    "several": ({"data_gb": 30.0, "roaming": 50.0, "complaints": 2, "points": 9000.0},
                "data_heavy,roaming,complaint_prone,points_to_redeem"),
}


def hand_base(url: str) -> sa.Engine:
    """The CASES customers stored at SNAP, every one scored in the top risk decile."""
    engine = open_store(url)
    frame = pl.DataFrame([person(cid, **fields) for cid, (fields, _) in CASES.items()],
                         schema_overrides={"arrears": pl.Float64})
    write_snapshots(engine, derive(frame, SNAP), rules=current_rules(engine), source_name="test", churn_window_months=1)
    with engine.begin() as conn:
        conn.execute(sa.insert(churn_scores), [
            {"snapshot_date": SNAP, "customer_id": cid, "model_id": 1, "churn_probability": 0.5,
             "risk_decile": 10, "reasons": "complaints:0.100"} for cid in CASES])
        rebuild_score_cube(conn, [SNAP])             # as lib.churn.scores.score_snapshot does
    return engine


def test_each_tag_at_its_threshold_on_both_engines(db_url):
    engine = hand_base(db_url)
    with engine.connect() as conn:
        calls = call_list(conn, Filters(SNAP), RULES, ("high",), ())
    got = dict(zip(calls.rows["customer_id"].to_list(), calls.rows["need_tags"].to_list()))
    assert got == {cid: expected for cid, (_, expected) in CASES.items()}
    engine.dispose()


def test_custom_rules_text_in_flags_and_all(db_url):
    """An analyst's own tag (labels in the table), text ``in``, ``all`` of two terms, a
    flag column; computed by the database for exactly the selected rows."""
    engine = hand_base(db_url)
    tags = parse_need_tags({
        "heavy_roamer": {"label_en": "Heavy roamer", "label_zh": "漫游大户", "match": "all",
                         "when": [{"column": "roaming", "op": ">", "value": 10},
                                  {"column": "data_gb", "op": ">=", "value": 30}]},
        "bank_payer": {"label_en": "Pays by bank", "label_zh": "银行代扣",
                       "when": [{"column": "payment_method", "op": "in",
                                 "value": ["postpaid_bank", "wechat_pay"]},
                                {"column": "group_paid", "op": "=", "value": False}]},
    })
    c = customers.c
    select = (sa.select(c.customer_id, *tag_columns(tags, c))
              .where(c.snapshot_date == SNAP).order_by(c.customer_id))
    with engine.connect() as conn:
        rows = collapse(pl.DataFrame([dict(r._mapping) for r in conn.execute(select)]), tags)
    got = dict(zip(rows["customer_id"].to_list(), rows["need_tags"].to_list()))
    assert got["several"] == "heavy_roamer,bank_payer"
    assert got["roam_at"] == "bank_payer"                  # 10 is not > 10
    assert got["prepaid"] == ""
    assert tags_text(got["several"], tags, "zh") == "漫游大户、银行代扣"
    engine.dispose()


@pytest.mark.parametrize("section, code", [
    ({"x": 3}, "needtags_bad_section"),
    ({"Data Heavy": {"label_en": "a", "label_zh": "b", "when": [{"column": "data_gb", "op": ">=", "value": 1}]}},
     "needtags_bad_key"),
    ({"mystery": {"when": [{"column": "data_gb", "op": ">=", "value": 1}]}}, "needtags_no_label"),
    ({"data_heavy": {"when": []}}, "needtags_bad_when"),
    ({"data_heavy": {"when": [{"column": "data_gb", "op": ">=", "value": 1, "unit": "mb"}]}},
     "needtags_bad_when"),
    ({"data_heavy": {"when": [{"column": "data_gbs", "op": ">=", "value": 1}]}}, "needtags_bad_column"),
    ({"data_heavy": {"when": [{"column": "customer_id", "op": "=", "value": "x"}]}}, "needtags_bad_column"),
    ({"data_heavy": {"when": [{"column": "data_gb", "op": "=>", "value": 1}]}}, "needtags_bad_op"),
    ({"data_heavy": {"when": [{"column": "data_gb", "op": ">=", "value": "20"}]}},
     "needtags_bad_value_number"),
    ({"data_heavy": {"when": [{"column": "data_gb", "op": ">=", "value": True}]}},
     "needtags_bad_value_number"),
    ({"data_heavy": {"when": [{"column": "group_paid", "op": ">", "value": True}]}}, "needtags_bad_op"),
    ({"data_heavy": {"when": [{"column": "group_paid", "op": "=", "value": 1}]}}, "needtags_bad_value_flag"),
    ({"data_heavy": {"when": [{"column": "contract", "op": "=", "value": 12}]}}, "needtags_bad_value_text"),
    ({"data_heavy": {"when": [{"column": "contract", "op": "in", "value": []}]}}, "needtags_bad_value_list"),
    ({"data_heavy": {"match": "some", "when": [{"column": "data_gb", "value": 1}]}}, "needtags_bad_match"),
    ({"data_heavy": {"kind": "magic"}}, "needtags_bad_kind"),
    ({"contract_ending": {"kind": "contract_end", "within_months": 0, "terms": {"12m": 12}}},
     "rules_bad_number"),
    ({"contract_ending": {"kind": "contract_end", "within_months": 2, "terms": {"12m": "12"}}},
     "needtags_bad_terms"),
    ({"contract_ending": {"kind": "contract_end", "within_months": 2, "terms": {}}},
     "needtags_bad_terms"),
])
def test_a_bad_rule_is_a_clear_error(section, code):
    from lib.i18n import t

    with pytest.raises(RulesError) as caught:
        parse_need_tags(section)
    assert caught.value.code == code
    for lang in ("en", "zh"):                     # the message fills in both languages
        assert t(code, lang, **caught.value.params)


def test_rules_file_section_is_checked_and_defaults_when_absent():
    text = RULES.text.replace('op = ">=", value = 20.0', 'op = ">=", value = "lots"')
    with pytest.raises(RulesError) as caught:
        need_tags(parse_rules(text))
    assert caught.value.code == "needtags_bad_value_number" and caught.value.params["key"] == "data_heavy"
    without = RULES.text[:RULES.text.index("[need_tags]")]
    assert [tag.key for tag in need_tags(parse_rules(without))] == [tag.key for tag in need_tags(RULES)]
    assert len(need_tags(RULES)) == 8


def test_export_has_the_tags_column_in_english_and_chinese(duckdb_url):
    engine = hand_base(duckdb_url)
    with engine.connect() as conn:
        calls = call_list(conn, Filters(SNAP), RULES, ("high",), ())
    english = display_frame(calls, RULES, "en", can_see_identifiers=True)
    back = pl.read_csv(io.BytesIO(export_bytes(english, "csv")[len(UTF8_BOM):]))
    needs = dict(zip(back["Customer"].to_list(), back["Needs"].fill_null("").to_list()))
    assert needs["several"] == "Data-heavy; Roaming; Complaint-prone; Points to redeem"
    assert needs["c12_left2"] == "Contract ending" and needs["none"] == ""
    columns = list(back.columns)
    assert columns.index("Needs") == columns.index("Why (top drivers)") + 1   # beside the reasons
    chinese = display_frame(calls, RULES, "zh", can_see_identifiers=True)
    xlsx = pl.read_excel(io.BytesIO(export_bytes(chinese, "xlsx")))
    zh = dict(zip(xlsx["客户"].to_list(), xlsx["需求标签"].to_list()))
    assert zh["several"] == "流量大户、漫游用户、易投诉、积分待兑换"
    assert zh["prepaid"] == "价格敏感"
    engine.dispose()


def test_action_list_page_shows_the_tags(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    hand_base(url).dispose()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/action_list.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert "Needs" in table.columns
    by_customer = dict(zip(table["Customer"], table["Needs"]))
    assert by_customer["data_at"] == "Data-heavy"
    assert any("Need tags" in e.label for e in at.expander)
