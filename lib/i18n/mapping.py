"""Strings of the mapping editor, mapping templates, the file profile and the checks before an
import (Data page and ``python -m lib import``).

Fields: ``{column}`` source header(s); ``{values}`` sample values; ``{name}`` template name;
``{field}`` contract field; ``{share}`` a share shown as a percentage.
"""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- why a column was proposed
    "mapping_reason_synonym": (
        "“{column}” is a known name of this field.",
        "“{column}”是该字段的常用列名。"),
    "mapping_reason_synonym_note": (
        "“{column}” is a known name of this field once the note in brackets is set aside.",
        "去掉括号里的说明后，“{column}”是该字段的常用列名。"),
    "mapping_reason_synonym_values": (
        "“{column}” is a known name of this field and its values are a yes/no flag ({values}).",
        "“{column}”是该字段的常用列名，且取值为是/否标志（{values}）。"),
    "mapping_reason_churn_name_values": (
        "The name “{column}” speaks of churn, exit or attrition and its values are a yes/no flag "
        "({values}).",
        "列名“{column}”表示流失、离网或退出，且取值为是/否标志（{values}）。"),
    "mapping_reason_churn_name_only": (
        "The name “{column}” speaks of churn, exit or attrition (values not seen).",
        "列名“{column}”表示流失、离网或退出（未查看取值）。"),
    "mapping_reason_not_flag": (
        "“{column}” is a known name, but its values are not a yes/no flag ({values}): check it.",
        "“{column}”是常用列名，但取值不是是/否标志（{values}），请核对。"),
    "mapping_reason_charges": (
        "The sum of {n} charge columns: {column}.",
        "{n} 个费用列之和：{column}。"),
    "mapping_reason_template": (
        "From the saved mapping “{name}”.",
        "来自已保存的映射“{name}”。"),
    "mapping_reason_chosen": ("Chosen by you.", "由您选择。"),
    # ---------------------------------------------------------------- the editor
    "mapping_not_in_file": ("– not in file –", "– 文件中没有 –"),
    "mapping_required_fields": ("Required fields", "必填字段"),
    "mapping_optional_fields": ("Optional fields ({n} mapped)", "可选字段（已映射 {n} 个）"),
    "mapping_samples": ("e.g. {values}", "例如：{values}"),
    "mapping_confidence": ("confidence {share}", "置信度 {share}"),
    "mapping_sum_help": (
        "Several columns are added up (e.g. day + evening + night charges).",
        "可选多列，按行相加（例如白天、晚间、夜间话费）。"),
    # ---------------------------------------------------------------- templates
    "template_pick": ("Saved mapping for this file's columns", "与本文件列名匹配的已保存映射"),
    "template_none": ("– map automatically –", "– 自动映射 –"),
    "template_option": ("{name} (version {version}, {date})", "{name}（版本 {version}，{date}）"),
    "template_name": ("Save this mapping as (source name, e.g. “CRM export”)",
                      "将此映射保存为（数据来源名称，例如“CRM 导出”）"),
    "template_save": ("Save mapping", "保存映射"),
    "template_saved": (
        "Mapping “{name}” saved (version {version}); it is offered for the next file with these "
        "columns.",
        "映射“{name}”已保存（版本 {version}）；下次上传列名相同的文件时会提供此映射。"),
    "cli_template_saved": ("saved the mapping as template {name} (version {version})",
                           "已将映射保存为模板 {name}（版本 {version}）"),
    "template_name_needed": ("Give the mapping a name first.", "请先为映射命名。"),
    "template_unknown": (
        "There is no saved mapping named “{name}”. Saved mappings: {names}.",
        "没有名为“{name}”的已保存映射。已保存的映射：{names}。"),
    "template_hint_names": (
        "Save one on the Data page, or use one of the names listed.",
        "请在“数据”页保存映射，或使用上面列出的名称。"),
    "template_columns_missing": (
        "{file} lacks the column(s) the mapping “{name}” uses: {columns}.",
        "{file} 缺少映射“{name}”所用的列：{columns}。"),
    "template_hint_columns": (
        "Use a file from the same source, or map this file yourself.",
        "请使用同一来源的文件，或为此文件重新映射。"),
    "template_bad_name": (
        "A mapping name must be 1–80 characters of text.",
        "映射名称须为 1–80 个字符。"),
    # ---------------------------------------------------------------- the profile
    "profile_title": ("Profile of the file", "文件概况"),
    "profile_churn_share": ("Churn share of the accepted rows: {share}.",
                            "已接受行的流失占比：{share}。"),
    "profile_col_field": ("Field", "字段"),
    "profile_col_column": ("Source column", "源列"),
    "profile_col_null_share": ("Blank", "空值占比"),
    "profile_col_distinct": ("Distinct", "不同值个数"),
    "profile_col_min": ("Min", "最小值"),
    "profile_col_median": ("Median", "中位数"),
    "profile_col_max": ("Max", "最大值"),
    "profile_col_top": ("Most frequent", "最常见的值"),
    # ---------------------------------------------------------------- checks before an import
    "precheck_title": ("Before you import", "导入前请注意"),
    "precheck_date_stored": (
        "Snapshot {date} is already stored ({rows} rows). Importing replaces it only with "
        "“{replace}” ticked; otherwise the import is refused.",
        "快照 {date} 已存在（{rows} 行）。只有勾选“{replace}”才会替换它，否则导入会被拒绝。"),
    "precheck_date_stored_cli": (
        "Snapshot {date} is already stored ({rows} rows). Importing replaces it only with "
        "--replace; otherwise the import is refused.",
        "快照 {date} 已存在（{rows} 行）。只有加 --replace 才会替换它，否则导入会被拒绝。"),
    "precheck_ids_generated_stored": (
        "The file has no customer id column, and this workspace already holds {snapshots} "
        "snapshot(s): the ids made from row numbers would pair this file's customers with "
        "unrelated stored ones, so changes, VIP retention, tier migration and lifetimes would be "
        "wrong. Map a customer id column, or import the file into a workspace of its own.",
        "文件没有客户编号列，而本工作区已存有 {snapshots} 个快照：按行号生成的编号会把本文件的客户"
        "与无关的已存客户配对，变化、VIP 保有率、星级迁移和生命周期都会出错。请映射客户编号列，"
        "或把文件导入单独的工作区。"),
    "precheck_churn_share_window": (
        "{share} of the accepted customers are flagged as churned, for a churn window of "
        "{months} month(s): more than {limit} ({per_month} a month) is implausible. Is the flag "
        "observed over a longer window, or over the customers' whole lifetime?",
        "已接受客户中有 {share} 被标记为流失，而流失观察期为 {months} 个月：超过 {limit}（每月 "
        "{per_month}）不太可能。流失标志是否覆盖更长的观察期，或客户的整个生命周期？"),
    "precheck_churn_none": (
        "No accepted customer is flagged as churned: check the churn column ({column}).",
        "已接受的客户中没有被标记为流失的：请核对流失列（{column}）。"),
    "precheck_spend_lowest_tier": (
        "{share} of the customers spend less than {floor} a month, the floor of {tier}: they all "
        "fall into the lowest tier. Is the spend in another currency or scale than the tier "
        "thresholds (Rules tab)?",
        "{share} 的客户月消费低于 {floor}（{tier}的下限），都会落入最低星级。消费的币种或单位是否"
        "与星级门槛（“规则”页签）不同？"),
    "precheck_spend_top_tier": (
        "{share} of the customers spend at least {floor} a month, the floor of {tier}, the top "
        "tier. Is the spend in another currency or scale than the tier thresholds (Rules tab)?",
        "{share} 的客户月消费不低于最高星级{tier}的下限 {floor}。消费的币种或单位是否与星级门槛"
        "（“规则”页签）不同？"),
}

#: The contract fields' meanings in Chinese, for the editor's help texts; the English is each
#: field's ``doc`` in ``lib.store.schema`` (one statement of it, read by ``--help`` as well).
FIELD_DOCS_ZH: dict[str, str] = {
    "customer_id": "客户标识（文本）。文件中没有时按行号生成。",
    "snapshot_date": "该行描述的日期（YYYY-MM-DD）。文件中没有时在导入时指定。",
    "join_date": "客户入网日期。与 tenure_months 二者必须有其一。",
    "tenure_months": "入网以来的月数（导入时可由天或年换算）。",
    "churned": "流失标志：Yes/No、1/0、是/否、TRUE/FALSE。与 churn_date 二者必须有其一。",
    "churn_date": "客户离网日期（在网时为空）。",
    "churn_type": "switch（转网）| downgrade（降档）| value_decline（价值下降）| involuntary（欠费停机）| unknown（未知）。",
    "churn_reason": "离网原因（自由文本）。",
    **{f"spend_m{i}": f"第 m{i} 月消费（每月金额；m1 为最近一个月）。" for i in range(1, 7)},
    "arpu": "月均消费（每月金额）。没有 spend_m1..m6 时使用。",
    "province": "省份（或州）。",
    "city": "地市。",
    "district": "区县或营销网格。",
    "points": "积分（上一年）。",
    "key_person": "集团关键人标志（使客户成为六星）。",
    "group_paid": "由集团/单位账户付费的号码（默认不计入流失分析）。",
    "brand": "品牌。",
    "plan": "资费套餐。",
    "contract": "合约类型。",
    "payment_method": "付费方式。",
    "voice_minutes": "最近一个月的通话分钟数。",
    "outgoing_calls": "最近一个月的主叫次数。",
    "sms": "最近一个月发送的短信条数。",
    "data_gb": "最近一个月的移动数据流量（GB；可由 MB 换算）。",
    "roaming": "最近一个月的漫游分钟数。",
    "complaints": "近六个月的投诉次数。",
    "service_calls": "客服来电次数。",
    "arrears": "欠费金额。",
    "age": "年龄（岁）。",
    "gender": "性别。",
    "offer_id": "以往营销活动中提供的挽留优惠。",
    "treated": "是否在以往活动的干预组（False = 对照组）。",
    "accepted": "是否接受了优惠。",
    "contact_date": "营销接触日期。",
}
