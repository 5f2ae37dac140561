"""Strings of the Offers ROI page, the offer catalogue and the budget optimiser."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page_offers": ("Offers ROI", "维系优惠收益"),
    "offers_margin": ("Margin (share of spend)", "毛利率（占消费比例）"),
    "offers_margin_help": ("Share of a customer's monthly spend that is profit; CLV and payback use it.",
                           "客户月消费中的利润占比；CLV 与回收期据此计算。"),
    "offers_discount": ("Discount rate per year", "年折现率"),
    "offers_horizon": ("Churn horizon (months)", "流失期限（月）"),
    "offers_acquisition": ("Cost of acquiring a customer", "获取新客户成本"),
    "offers_acquisition_help": ("Compared with the cost per save; the documents put it at about 5× "
                                "the cost of keeping one.", "与每挽留一位客户的成本比较；资料显示约为维系成本的 5 倍。"),
    "offers_source_model": ("Churn risk: the newest churn model's scores.", "流失风险：最新流失模型评分。"),
    "offers_source_observed": ("Churn risk: each tier's observed churn rate (no churn model scores for "
                               "this snapshot yet).", "流失风险：各星级观测流失率（本快照尚无流失模型评分）。"),
    "offers_window_unknown": ("The churn flag's window of snapshot {snapshot} is unknown and it has "
                              "no churn model scores, so there is no churn probability over the "
                              "horizon to simulate offers with. Import the file again on the Data "
                              "page with its churn window, or train a churn model on the Churn risk "
                              "page.",
                              "快照 {snapshot} 的流失标志观察期未知且尚无流失模型评分，因此没有可用于模拟优惠的"
                              "预测期流失概率。请在“数据”页重新导入该文件并选择观察期，或在“流失风险”页训练流失模型。"),
    "offers_clv_simple": ("Customer value: simple CLV = monthly margin × (1 + d) / (d + churn).",
                          "客户价值：简易 CLV = 月毛利 × (1 + d) / (d + 流失率)。"),
    "offers_clv_sbg": ("Customer value: each tier's residual CLV from the sBG fit (Lifecycle page) "
                       "where the data identify it, else a simple CLV.",
                       "客户价值：数据可识别时用各星级 sBG 拟合的剩余 CLV（生命周期页），否则用简易 CLV。"),
    "offers_clv_by_tier": ("Customer value per tier: {items}.", "各星级客户价值：{items}。"),
    "offers_clv_tier_sbg": ("{tier} sBG residual CLV", "{tier} sBG 剩余 CLV"),
    "offers_clv_tier_simple": ("{tier} simple CLV at the tier's churn rate of {churn} a month (sBG "
                               "not used: {reason})",
                               "{tier} 按星级月流失率 {churn} 的简易 CLV（未用 sBG：{reason}）"),
    "offers_catalogue_version": ("Offer catalogue version {version}.", "优惠目录版本 {version}。"),
    "offers_tab_simulate": ("Simulate", "模拟"),
    "offers_tab_depth": ("Targeting depth", "目标深度"),
    "offers_tab_budget": ("Budget optimiser", "预算优化"),
    "offers_tab_catalogue": ("Offer catalogue", "优惠目录"),
    "offers_tab_scenarios": ("Scenarios", "方案"),
    "offers_offer": ("Offer", "优惠"),
    "offers_depth": ("Customers targeted (top % by risk, per tier)", "目标客户（各星级按风险前 %）"),
    "offers_depth_help": ("The riskiest customers of each eligible tier first.", "各适用星级中风险最高的客户优先。"),
    "offers_targeted": ("Targeted", "目标客户"),
    "offers_saves": ("Expected saves", "预计挽留"),
    "offers_net_value": ("Net value", "净价值"),
    "offers_cost": ("Cost", "成本"),
    "offers_roi": ("ROI", "投资回报率"),
    "offers_p_positive": ("P(ROI > 0)", "ROI 为正的概率"),
    "offers_interval": ("90 % interval {low} to {high} ({draws:,} draws of take-up and effect).",
                        "90% 区间 {low} 至 {high}（接受率与效果抽样 {draws:,} 次）。"),
    "offers_cost_per_save": ("Cost per save {cost}, against {acquisition} to acquire a customer.",
                             "每挽留一位客户成本 {cost}，获取一位新客户成本 {acquisition}。"),
    "offers_col_tier": ("Tier", "星级"),
    "offers_col_targeted": ("Targeted", "目标客户"),
    "offers_col_takers": ("Takers", "接受人数"),
    "offers_col_saves": ("Saves", "挽留"),
    "offers_col_value_saved": ("Value saved", "挽留价值"),
    "offers_col_cost": ("Cost", "成本"),
    "offers_col_giveaway_cost": ("of which to stayers", "其中给本会留存者"),
    "offers_col_net_value": ("Net value", "净价值"),
    "offers_col_roi": ("ROI", "回报率"),
    "offers_col_payback_months": ("Payback (months)", "回收期（月）"),
    "offers_col_cost_per_save": ("Cost per save", "每挽留成本"),
    "offers_depth_axis": ("share of the tier targeted, riskiest first", "目标客户占该星级比例（风险从高到低）"),
    "offers_depth_title": ("Net value by targeting depth", "不同目标深度的净价值"),
    "offers_depth_needs_model": ("Without churn-model scores every customer of a tier has the same "
                                 "risk, so each curve is a straight line: train a model on the Churn "
                                 "risk page to target the riskiest first.",
                                 "没有流失模型评分时，同一星级客户风险相同，曲线为直线：请先在“流失风险”页训练模型。"),
    "offers_budget": ("Total budget", "总预算"),
    "offers_caps": ("Per-tier caps (optional)", "各星级上限（可选）"),
    "offers_cap_help": ("0 = no cap for this tier.", "0 表示该星级不设上限。"),
    "offers_plan_optimised": ("Optimised plan", "优化方案"),
    "offers_plan_greedy": ("Greedy by return", "按回报贪心"),
    "offers_plan_single": ("Same offer to all: {offer}", "统一优惠：{offer}"),
    "offers_plan_nothing": ("Do nothing", "不采取行动"),
    "offers_compare_title": ("The plan against the alternatives", "方案与其他选择对比"),
    "offers_method_note": ("Exact allocation (a mixed-integer programme solved by HiGHS, at exact costs; "
                           "one offer per tier and risk decile); greedy by marginal return and the best "
                           "single offer shown for comparison.",
                           "精确分配（HiGHS 求解的混合整数规划，按实际成本；每个星级与风险分位仅一个优惠）；"
                           "按边际回报的贪心法与最佳单一优惠供对比。"),
    "offers_method_gap": ("The solver stopped at its time limit before proving the optimum: this plan's "
                          "net value is at most {gap} below the best possible.",
                          "求解器在证明最优之前已达到时间上限：本方案的净价值最多比最优低 {gap}。"),
    "offers_plan_to_actions": ("Send the plan's customers to the Action list", "将方案客户发送到预警名单"),
    "offers_plan_download": ("Download the plan (CSV)", "下载方案（CSV）"),
    "offers_catalogue_help": ("Edit, add or remove offers; ranges are about 90 % intervals; tiers as "
                              "1,2,3.", "编辑、添加或删除优惠；区间约为 90% 区间；星级写作 1,2,3。"),
    "offers_catalogue_save": ("Save as new catalogue version", "保存为新目录版本"),
    "offers_catalogue_saved": ("Saved catalogue version {version}.", "已保存目录版本 {version}。"),
    "offers_scenario": ("Scenario", "方案"),
    "offers_scenario_name": ("Scenario name", "方案名称"),
    "offers_scenario_save": ("Save the current inputs", "保存当前输入"),
    "offers_scenario_saved": ("Saved scenario '{name}'.", "已保存方案“{name}”。"),
    "offers_scenario_compare": ("Compare scenarios (2–4)", "比较方案（2–4 个）"),
    "offers_scenario_load": ("Load a scenario", "载入方案"),
    "offers_scenario_load_button": ("Load", "载入"),
    "offers_calibration": ("Calibrate from a past campaign", "用历史活动校准"),
    "offers_calibration_none": ("No past campaign with a control group in the data (columns treated, "
                                "offer_id).", "数据中没有带对照组的历史活动（treated、offer_id 列）。"),
    "offers_calibration_help": ("Churn after contact of treated against randomised control customers, "
                                "per tier and for all tiers; difference with Newcombe's hybrid score "
                                "interval, take-up with a Wilson interval, effect = difference / (take-up × "
                                "control churn), all as {coverage} intervals — the coverage the catalogue's "
                                "ranges are read at. Offered only from at least {customers} customers in "
                                "each group and {churners} churner(s) in the control group.",
                                "接触后干预组与随机对照组的流失对比（分星级及全部）；差值用 Newcombe 混合得分区间，"
                                "接受率用 Wilson 区间，效果 = 差值 /（接受率 × 对照组流失率），均为 {coverage} 区间"
                                "（与优惠目录区间的覆盖率一致）。每组至少 {customers} 人且对照组至少 {churners} "
                                "人流失才可用于校准。"),
    "offers_calibration_refusal": ("Not offered because", "不可用原因"),
    "offers_calibration_clipped": ("Effect clipped to 0–100 %", "效果截断至 0–100%"),
    "offers_calibration_clipped_note": ("Ticked rows: the effect or an end of its interval fell outside "
                                        "0–100 % (an effect above 100 % means the treated churned less than "
                                        "the takers alone can explain — chance at these counts); it is "
                                        "clipped to 0–100 %, the range a catalogue effect can have.",
                                        "勾选的行：效果或其区间端点超出 0–100%（效果高于 100% 表示干预组流失下降超出"
                                        "接受者所能解释的程度，在此样本量下多为偶然）；已截断至 0–100%，即优惠目录效果的取值范围。"),
    "offers_refused_control_too_small": ("control group of {control} customers, fewer than {customers}",
                                         "对照组仅 {control} 人，少于 {customers} 人"),
    "offers_refused_treated_too_small": ("treated group of {treated} customers, fewer than {customers}",
                                         "干预组仅 {treated} 人，少于 {customers} 人"),
    "offers_refused_control_churners_too_few": ("{churned} churner(s) in the control group, fewer than "
                                                "{churners}: no churn for the offer to reduce",
                                                "对照组流失 {churned} 人，少于 {churners} 人：无可降低的流失"),
    "offers_refused_no_takers": ("nobody took the offer", "无人接受该优惠"),
    "offers_calibration_all_refused": ("No campaign here is large enough to calibrate from (at least "
                                       "{customers} customers in each group and {churners} churner(s) in the "
                                       "control group); the catalogue's ranges stay in use.",
                                       "此处没有足够大的活动可用于校准（每组至少 {customers} 人且对照组至少 "
                                       "{churners} 人流失）；继续使用优惠目录的区间。"),
    "offers_calibration_pick": ("Campaign", "活动"),
    "offers_calibration_use": ("Use its take-up and effect for '{offer}'", "将其接受率与效果用于“{offer}”"),
    "offers_calibrated_from": ("Calibrated from campaign {campaign}: take-up {take_up}, effect {effect} "
                               "({coverage} intervals, read as the catalogue's ranges are).",
                               "已用活动 {campaign} 校准：接受率 {take_up}，效果 {effect}（{coverage} 区间，"
                               "与优惠目录区间同样解读）。"),
    "offers_calibrated_clipped": ("The effect's interval was clipped to 0–100 %.",
                                  "效果区间已截断至 0–100%。"),
    "offers_bad_range": ("Offer '{offer}': {key} must be [low, high] with 0 ≤ low ≤ high ≤ 1.",
                         "优惠“{offer}”：{key} 必须为 [下限, 上限]，且 0 ≤ 下限 ≤ 上限 ≤ 1。"),
    "offers_bad_cost": ("Offer '{offer}': {key} must be a number of at least 0.",
                        "优惠“{offer}”：{key} 必须是不小于 0 的数字。"),
    "offers_missing_id": ("Every offer needs an id.", "每个优惠都需要 id。"),
    "offers_bad_tiers": ("Offer '{offer}': eligible_tiers must list tiers from 1 to 6.",
                         "优惠“{offer}”：eligible_tiers 必须列出 1 到 6 之间的星级。"),
    "offers_bad_type": ("Offer '{offer}': type must be one of {types}.",
                        "优惠“{offer}”：type 必须是以下之一：{types}。"),
    "offers_bad_duration": ("Offer '{offer}': duration_months must be a whole number of at least 1.",
                            "优惠“{offer}”：duration_months 必须是不小于 1 的整数。"),
    "offers_empty": ("The catalogue has no offer.", "优惠目录为空。"),
    "offers_duplicate_id": ("Offer ids must be unique; repeated: {ids}.", "优惠 id 必须唯一；重复：{ids}。"),
}
