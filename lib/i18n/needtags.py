"""Strings of the need tags (需求标签) shown on the call list (lib/churn/need_tags.py)."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # Tag labels: needtag_<key> for every tag of the shipped rules' [need_tags] section.
    "needtag_data_heavy": ("Data-heavy", "流量大户"),
    "needtag_roaming": ("Roaming", "漫游用户"),
    "needtag_voice_heavy": ("Voice-heavy", "通话大户"),
    "needtag_price_sensitive": ("Price-sensitive", "价格敏感"),
    "needtag_complaint_prone": ("Complaint-prone", "易投诉"),
    "needtag_arrears": ("Overdue bills", "有欠费"),
    "needtag_points_to_redeem": ("Points to redeem", "积分待兑换"),
    "needtag_contract_ending": ("Contract ending", "合约将到期"),
    # What to offer, shown in the legend under the call list.
    "needtag_data_heavy_hint": ("a larger data package or a data add-on",
                                "更大流量套餐或流量加油包"),
    "needtag_roaming_hint": ("a roaming package and fast international roaming activation",
                             "漫游套餐，国际漫游快速开通"),
    "needtag_voice_heavy_hint": ("a voice bundle or family / group calling plan",
                                 "语音包或亲情/集团通话套餐"),
    "needtag_price_sensitive_hint": ("a tariff discount or prepaid-credit bonus; avoid upselling",
                                     "资费折扣或充值赠费；避免推销升档"),
    "needtag_complaint_prone_hint": ("a care call first: solve the complaint before any offer",
                                     "先做关怀回访：先解决投诉再谈优惠"),
    "needtag_arrears_hint": ("a payment reminder and an easier payment method",
                             "缴费提醒及更便捷的缴费方式"),
    "needtag_points_to_redeem_hint": ("a points-redemption reminder (积分有礼)",
                                      "积分兑换提醒（积分有礼）"),
    "needtag_contract_ending_hint": ("a renewal offer (handset subsidy, tenure reward) before the "
                                     "contract ends",
                                     "合约到期前的续约优惠（购机补贴、在网奖励）"),
    # Call list column and legend.
    "churn_col_need_tags": ("Needs", "需求标签"),
    "needtags_legend": ("Need tags: what to offer", "需求标签：推荐内容"),
    "needtags_legend_line": ("**{label}** — {hint}", "**{label}** — {hint}"),
    "needtags_contract_note": (
        "Contract ending is derived: the contract types listed in the rules renew every term "
        "from the joining month (the data carry no contract end date).",
        "“合约将到期”为推算值：规则中列出的合约类型自入网月起按合约期循环续约（数据中没有合约到期日）。"),
    # Rule errors (RulesError codes).
    "needtags_bad_section": ("[need_tags] must hold one table per tag ('{key}' is not a table).",
                             "[need_tags] 中每个标签须为一个表（“{key}”不是表）。"),
    "needtags_bad_key": ("Need tag name '{key}' must be lower-case letters, digits and "
                         "underscores (at most 40).",
                         "需求标签名“{key}”只能包含小写字母、数字和下划线（最多 40 个字符）。"),
    "needtags_no_label": ("Need tag '{key}' has no label: give label_en and label_zh in its table.",
                          "需求标签“{key}”没有名称：请在其表中填写 label_en 和 label_zh。"),
    "needtags_bad_kind": ("'need_tags.{key}.kind' must be \"condition\" or \"contract_end\".",
                          "“need_tags.{key}.kind”必须为 \"condition\" 或 \"contract_end\"。"),
    "needtags_bad_match": ("'need_tags.{key}.match' must be \"all\" or \"any\".",
                           "“need_tags.{key}.match”必须为 \"all\" 或 \"any\"。"),
    "needtags_bad_when": ("'need_tags.{key}.when' must be a non-empty list of "
                          "{{ column, op, value }} tables.",
                          "“need_tags.{key}.when”必须为非空的 {{ column, op, value }} 表列表。"),
    "needtags_bad_column": ("Need tag '{key}': '{column}' is not a stored customer column that "
                            "can be compared.",
                            "需求标签“{key}”：“{column}”不是可比较的客户字段。"),
    "needtags_bad_op": ("Need tag '{key}': operator '{op}' is not one of {ops}.",
                        "需求标签“{key}”：运算符“{op}”不在 {ops} 之中。"),
    "needtags_bad_value_number": ("Need tag '{key}': the value compared with '{column}' must be "
                                  "a number.",
                                  "需求标签“{key}”：与“{column}”比较的取值必须为数值。"),
    "needtags_bad_value_flag": ("Need tag '{key}': the value compared with '{column}' must be "
                                "true or false (operator = or !=).",
                                "需求标签“{key}”：与“{column}”比较的取值必须为 true 或 false（运算符 = 或 !=）。"),
    "needtags_bad_value_text": ("Need tag '{key}': the value compared with '{column}' must be "
                                "text (operator = or !=).",
                                "需求标签“{key}”：与“{column}”比较的取值必须为文本（运算符 = 或 !=）。"),
    "needtags_bad_value_list": ("Need tag '{key}': operator 'in' on '{column}' needs a non-empty "
                                "list of values.",
                                "需求标签“{key}”：对“{column}”使用 in 运算符时需要非空的取值列表。"),
    "needtags_bad_terms": ("'need_tags.{key}.terms' must map contract types to a term of 1 to "
                           "120 months.",
                           "“need_tags.{key}.terms”必须把合约类型映射到 1 至 120 个月的合约期。"),
}
