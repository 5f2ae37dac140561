"""Strings of currency, tier proposals, card targets and readable tables (issue 17, items 4–5)."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "rules_bad_currency_code": ("'{key}' must be a three-letter currency code such as CNY or USD.",
                                "“{key}”必须是三个字母的货币代码，例如 CNY 或 USD。"),
    "rules_bad_currency_symbol": ("'{key}' must be a currency symbol of at most four characters "
                                  "such as ¥ or $.", "“{key}”必须是不超过四个字符的货币符号，例如 ¥ 或 $。"),
    "rules_bad_top_shares": ("'{key}' must list {count} decreasing shares between 0 and 1.",
                             "“{key}”必须列出 {count} 个介于 0 和 1 之间、递减的占比。"),
    "rules_bad_share_band": ("'{key}' must be two shares from 0 to 1, the lower first.",
                             "“{key}”必须是两个 0 到 1 之间的占比，较小者在前。"),
    # tier proposal (Data page)
    "tiers_proposal_title": ("Star tiers for this file", "适合本文件的星级门槛"),
    "tiers_proposal_intro": (
        "The rules in force grade by {top} a month and more for {vip}; in this file "
        "{share} of customers would be VIPs. Proposed from this file's six-month average spend "
        "(VIPs are 5–10 % of a base): check the currency and the thresholds, then save them as a "
        "new rules version before you import.",
        "现行规则以月均消费 {top} 及以上为{vip}；本文件中 {share} 的客户将是 VIP。以下门槛按本文件"
        "近六个月月均消费提出（VIP 一般占客户的 5–10 %）：请核对货币与门槛，导入前保存为新的规则版本。"),
    "tiers_proposal_fits": ("The thresholds in force fit this file: {share} of its customers are VIPs.",
                            "现行门槛适合本文件：{share} 的客户为 VIP。"),
    "tiers_proposal_ask": ("Propose star-tier thresholds from this file", "按本文件提出星级门槛"),
    "tiers_currency_code": ("Currency code", "货币代码"),
    "tiers_currency_symbol": ("Currency symbol", "货币符号"),
    "tiers_threshold": ("{tier} from ({currency} a month)", "{tier}起（{currency}/月）"),
    "tiers_threshold_help": ("Proposed: {value} — the top {share} of this file's customers by "
                             "six-month average spend.",
                             "建议值：{value}——按近六个月月均消费排名前 {share} 的客户。"),
    "tiers_preview": ("With these thresholds: {shares}. VIPs ({vip} and up): {vip_share}.",
                      "按这些门槛：{shares}。VIP（{vip}及以上）：{vip_share}。"),
    "tiers_save": ("Save thresholds as a new rules version", "将门槛保存为新规则版本"),
    "tiers_use_for_new": ("Use these thresholds and currency in the new workspace {name}",
                          "在新工作区 {name} 中使用这些门槛和货币"),
    "tiers_saved_note": ("Tier thresholds proposed from {file}", "按 {file} 提出的星级门槛"),
    "tiers_no_spend": ("This file has no spend values, so no thresholds can be proposed.",
                       "本文件没有消费数值，无法提出门槛。"),
    # Overview without VIPs
    "overview_no_vip": (
        "No customer of this snapshot is a VIP: nobody reaches {threshold} a month ({vip}), the "
        "rules' lower bound. The thresholds may not fit this data's currency or scale; every VIP "
        "figure stays empty until they do. Check the star tiers in the rules on the Data page.",
        "本快照没有 VIP 客户：无人达到规则中{vip}的下限（月均 {threshold}）。门槛可能与数据的货币或量级不符；"
        "在门槛调整前，所有 VIP 指标均为空。请在“数据”页检查规则中的星级门槛。"),
    "overview_no_vip_link": ("Star tiers in the rules (Data page)", "规则中的星级门槛（数据页）"),
    # cards
    "card_no_target": ("No target", "无目标"),
    # Offers ROI simulation
    "offers_sim_title": ("Value saved and cost by tier; net value with its 90 % interval",
                         "各星级挽留价值与成本；净价值及其 90% 区间"),
    "offers_sim_total": ("Net value (all tiers)", "净价值（全部星级）"),
    "offers_interval_text": ("Net value {value}: 90 % of {draws:,} Monte Carlo draws of take-up "
                             "and effect fall between {low} and {high}; the chance of a positive "
                             "ROI is {p_positive}.",
                             "净价值 {value}：接受率与效果的 {draws:,} 次蒙特卡洛抽样中，90% 落在 {low} 至 "
                             "{high} 之间；ROI 为正的概率为 {p_positive}。"),
    # call-back plans
    "ops_not_started": ("Not started", "尚未开始"),
    # units of the behavioural features (cluster profiles)
    "seg_unit_data_gb": ("GB a month", "GB/月"),
    "seg_unit_voice_minutes": ("minutes a month", "分钟/月"),
    "seg_unit_outgoing_calls": ("calls a month", "次/月"),
    "seg_unit_sms": ("messages a month", "条/月"),
    "seg_unit_roaming": ("minutes a month", "分钟/月"),
    "seg_unit_spend_avg_6m": ("{currency} a month", "{currency}/月"),
    "seg_unit_spend_m1": ("{currency} a month", "{currency}/月"),
    "seg_unit_tenure_months": ("months", "月"),
    "seg_unit_points": ("points", "分"),
    "seg_unit_service_calls": ("calls", "次"),
    "seg_unit_complaints": ("complaints", "次"),
    "seg_feature_with_unit": ("{feature} ({unit})", "{feature}（{unit}）"),
    "seg_profile_hover": ("{cluster} · {feature}: {z} σ from the average; mean {mean} {unit}",
                          "{cluster} · {feature}：偏离平均 {z} σ；均值 {mean} {unit}"),
    "offers_col_decile": ("Risk decile", "风险十分位"),
    "offers_col_customers": ("Customers", "客户数"),
    "cli_tier_hint": ("Star tiers: with the rules in force {share} of this file's active customers "
                      "are VIPs (rules' currency {currency}). Thresholds that fit its spend: "
                      "[tiers] spend_min = [{bounds}] ({vip_share} VIPs); set them and [currency] on "
                      "the Data page or save edited rules.",
                      "星级：按现行规则，本文件在网客户中 VIP 占 {share}（规则货币 {currency}）。适合其消费的门槛："
                      "[tiers] spend_min = [{bounds}]（VIP 占 {vip_share}）；请在“数据”页设置门槛与 [currency]，或保存修改后的规则。"),
    # report
    "report_file_stem": ("overview_report_en", "overview_report_zh"),
}
