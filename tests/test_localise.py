"""Tables, lists and contract fields in the user's language (lib/common/localise.py,
lib/i18n/tables.py, lib/i18n/fields.py). Expected texts are written out by hand."""
import datetime as dt

import polars as pl

from lib.common.localise import churn_reason, field_label, field_name, join, join_clauses, localised, report_view
from lib.demo.world import REASONS
from lib.i18n import STRINGS, t
from lib.store.schema import FIELDS


def test_chinese_lists_use_the_enumeration_comma():
    assert join(["流量", "语音", "短信"], "zh") == "流量、语音、短信"
    assert join(["data", "voice"], "en") == "data, voice"
    assert join_clauses(["一星：简易 CLV", "二星：sBG"], "zh") == "一星：简易 CLV；二星：sBG"
    # texts made by t keep their mark, so a message taking the list does not escape them again
    assert type(join([t("seg_feature_sms", "zh"), t("seg_feature_data_gb", "zh")], "zh")).__name__ == "Markdown"


def test_history_tables_get_headers_and_coded_cells_in_chinese():
    history = pl.DataFrame({"import_id": [1, 2], "source_name": ["demo", "telco.csv"],
                            "status": ["imported", "failed"], "imported_at": [dt.datetime(2026, 10, 31, 9)] * 2})
    shown = localised(history, "zh")
    assert shown.columns == ["导入编号", "来源", "状态", "导入时间"]
    assert shown["来源"].to_list() == ["演示数据", "telco.csv"]       # a file name stays as it is
    assert shown["状态"].to_list() == ["已导入", "失败"]
    snapshots = localised(pl.DataFrame({"snapshot_date": [dt.datetime(2026, 10, 31)], "note": [None]},
                                       schema={"snapshot_date": pl.Datetime, "note": pl.String}), "en")
    assert snapshots.row(0) == (dt.date(2026, 10, 31), "–")
    rules = localised(pl.DataFrame({"version": [1], "author": ["system"], "note": ["shipped defaults"]}), "zh")
    assert rules.row(0) == (1, "系统", "出厂默认值")
    outcomes = localised(pl.DataFrame({"outcome": ["not_reached"], "source": ["app"]}), "zh")
    assert outcomes.row(0, named=True) == {"接触结果": "未接通", "录入方式": "页面录入"}


def test_the_validation_report_shows_one_language():
    report = pl.DataFrame({"row": [3], "column": ["Account length"], "field": ["tenure_months"],
                           "value": ["x"], "severity": ["warning"], "code": ["ingest_bad_number"],
                           "message_en": ["Not a number."], "message_zh": ["不是数字。"]})
    shown = report_view(report, "zh")
    assert shown.columns == ["行号", "源列", "字段", "取值", "级别", "说明"]
    assert shown.row(0) == (3, "Account length", "在网时长（月）", "x", "警告（该值置空）", "不是数字。")


def test_every_contract_field_has_a_name_in_both_languages():
    for field in FIELDS:
        assert field_name(field.name, "zh") != field.name
        assert f"field_{field.name}" in STRINGS
    assert field_name("tenure_months", "en") == "Tenure (months)"
    assert field_label("tenure_months", "zh") == "在网时长（月）（tenure_months）"
    assert field_label("tenure_months", "en") == "tenure_months"     # what --map takes


def test_the_demos_churn_reasons_have_names_and_a_files_own_reason_stays():
    assert all(churn_reason(code, "zh") != code for code in REASONS)
    assert churn_reason("competitor_offer", "zh") == "竞争对手优惠"
    assert churn_reason("moved to Shanghai", "zh") == "moved to Shanghai"
