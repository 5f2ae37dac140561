"""Strings of the Call-back plans page (回访计划) and lib/operations/plans.py."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "overview_ops_title": ("Retention operations", "维系运营"),
    "overview_ops_reach_help": (
        "Reached customers / treated customers of the active plans ({plans}); target {target} "
        "(rules [operations] reach_rate_target).",
        "在执行计划（{plans}）的接触组中已触达客户的占比；目标 {target}（规则 [operations] reach_rate_target）。"),
    "overview_ops_latest": ("Latest plan: {plan}", "最新计划：{plan}"),
    "overview_ops_pending": ("Churn of contacted vs hold-out customers is measured once a snapshot after "
                             "the plan's is imported.",
                             "导入计划快照之后的快照后，即可比较接触组与对照组的流失。"),
    "overview_ops_open": ("Open the call-back plans", "打开回访计划"),
    "page_operations": ("Call-back plans", "回访计划"),
    "ops_new": ("New plan", "新建计划"),
    "ops_source": ("Customers from", "客户来源"),
    "ops_source_action_list": ("Current call list (Action list)", "当前预警名单"),
    "ops_source_selection": ("Tier / stage / province selection", "按等级 / 阶段 / 省份选择"),
    "ops_source_action_list_note": (
        "The Action list's call list for snapshot {snapshot} and the sidebar's provinces and tiers, "
        "in its priority order.",
        "快照 {snapshot} 的预警名单（按侧边栏的省份与等级筛选），保持名单优先顺序。"),
    "ops_source_offer_plan_note": (
        "The Action list's call list for snapshot {snapshot}, restricted to the Offers ROI plan in force.",
        "快照 {snapshot} 的预警名单，仅含当前生效的优惠 ROI 方案客户。"),
    "ops_source_selection_note": (
        "Active customers of snapshot {snapshot}; empty choices mean all. At most {limit} customers, "
        "highest latest-month spend first (rules: operations.max_plan_customers).",
        "快照 {snapshot} 的在网客户；不选即全部。最多 {limit} 名，按最近一月消费从高到低"
        "（规则：operations.max_plan_customers）。"),
    "ops_capped": ("The selection matches {matched} customers; the plan takes the first {kept}.",
                   "所选范围共 {matched} 名客户，计划取前 {kept} 名。"),
    "ops_power_title": ("Hold-out control group: proposed size", "留存对照组：建议规模"),
    "ops_baseline": ("Baseline churn of these customers (%)", "这些客户的基准流失率（%）"),
    "ops_baseline_scores_help": ("Their mean churn probability from the stored churn scores "
                                 "(over the model's horizon). Change it if you know better.",
                                 "取自已存流失评分的平均流失概率（模型预测期内）。如有更准确的估计可修改。"),
    "ops_baseline_segment_help": ("Share of their segment's rows flagged churned in the snapshot "
                                  "(no churn scores for them). Change it if you know better.",
                                  "该群体在快照中被标记为流失的比例（无流失评分）。如有更准确的估计可修改。"),
    "ops_baseline_rules_help": ("The rules' fallback (operations.fallback_baseline_churn): no score or "
                                "churn history for them. Change it if you know better.",
                                "规则中的默认值（operations.fallback_baseline_churn）：无评分或流失记录。"
                                "如有更准确的估计可修改。"),
    "ops_effect": ("Effect to detect (percentage points of churn)", "需检测的效果（流失率百分点）"),
    "ops_effect_help": ("The absolute churn reduction of contacted customers against the hold-out "
                        "that the plan should be able to show (rules: operations.target_effect).",
                        "计划应能证明的、被联系客户相对对照组的流失率绝对降幅（规则：operations.target_effect）。"),
    "ops_kpi_customers": ("Customers on the list", "名单客户数"),
    "ops_kpi_per_arm": ("Needed per arm", "每组所需人数"),
    "ops_kpi_per_arm_help": ("Customers needed in each arm when hold-out and contacted arms are equal: "
                             "two-proportion sample size, normal approximation with Fleiss's "
                             "continuity correction, two-sided α = {alpha}, power {power}.",
                             "对照组与联系组人数相等时每组所需客户数：两比例样本量，正态近似加 Fleiss "
                             "连续性校正，双侧 α = {alpha}，检验效能 {power}。"),
    "ops_kpi_proposed": ("Proposed hold-out", "建议对照组人数"),
    "ops_kpi_power": ("Power of the proposal", "建议方案的检验效能"),
    "ops_power_ok": ("Holding out {holdout} and calling {treated} detects the effect with power {power}.",
                     "留出 {holdout} 名对照、联系 {treated} 名，可以 {power} 的效能检测到该效果。"),
    "ops_list_too_small": (
        "The list is too small to detect a churn reduction of {effect} percentage points: {customers} customers, while "
        "{needed} are needed ({per_arm} per arm). Proposed instead: the default hold-out share "
        "{share}, with power {power}. Widen the selection, aim for a larger effect, or accept the "
        "lower power.",
        "名单太小，无法检测 {effect} 个百分点的流失率降幅：现有 {customers} 名，需 {needed} 名（每组 {per_arm} 名）。"
        "改为建议默认对照比例 {share}，检验效能 {power}。可扩大选择范围、设定更大的目标效果，或接受较低效能。"),
    "ops_holdout": ("Hold-out customers (override)", "对照组人数（可修改）"),
    "ops_holdout_help": ("Customers set aside at random and not contacted; the proposal above is the "
                         "smallest hold-out with the required power.",
                         "随机留出且不联系的客户；上方建议值为达到所需效能的最小对照组。"),
    "ops_override_power": ("Power with your hold-out", "按您的对照组人数的检验效能"),
    "ops_viewer_note": ("Your role may view plans but not create or change them.",
                        "您的角色可查看计划，但不能创建或修改。"),
    "ops_name": ("Plan name", "计划名称"),
    "ops_channel": ("Channel", "渠道"),
    "ops_channel_phone": ("Phone", "电话"),
    "ops_channel_sms": ("SMS", "短信"),
    "ops_channel_app_push": ("App push", "App 推送"),
    "ops_channel_in_store": ("In store", "营业厅"),
    "ops_purpose": ("Purpose", "目的"),
    "ops_purpose_placeholder": ("e.g. retention call before contract end", "例如：合约到期前的挽留回访"),
    "ops_window": ("Time window", "执行时间"),
    "ops_offers": ("Offers from the catalogue", "目录中的优惠"),
    "ops_offers_placeholder": ("The call list's recommendation", "沿用预警名单的推荐"),
    "ops_seed": ("Random seed of the hold-out", "对照组随机种子"),
    "ops_seed_help": ("The same seed and the same customers always give the same hold-out.",
                      "相同种子与相同客户总会得到相同的对照组。"),
    "ops_create": ("Create the plan", "创建计划"),
    "ops_created": ("Plan #{plan} created as a draft: {treated} customers to contact, {holdout} held out.",
                    "计划 #{plan} 已创建为草稿：联系 {treated} 名，对照 {holdout} 名。"),
    "ops_plans": ("Plans", "计划列表"),
    "ops_no_plans": ("No call-back plan yet.", "尚无回访计划。"),
    "ops_open": ("Open plan", "打开计划"),
    "ops_plan_caption": ("{channel} · snapshot {snapshot} · {start} to {end} · effect to detect {effect} · "
                         "seed {seed} · by {by} · {purpose}",
                         "{channel} · 快照 {snapshot} · {start} 至 {end} · 目标效果 {effect} · "
                         "种子 {seed} · 创建人 {by} · {purpose}"),
    "ops_kpi_treated": ("To contact", "待联系"),
    "ops_kpi_holdout": ("Held out", "对照组"),
    "ops_kpi_status": ("Status", "状态"),
    "ops_status_draft": ("Draft", "草稿"),
    "ops_status_active": ("Active", "执行中"),
    "ops_status_closed": ("Closed", "已关闭"),
    "ops_to_active": ("Start the plan", "启动计划"),
    "ops_to_closed": ("Close the plan", "关闭计划"),
    "ops_status_changed": ("Plan #{plan} is now {status}.", "计划 #{plan} 当前状态：{status}。"),
    "ops_delete": ("Delete draft", "删除草稿"),
    "ops_deleted": ("Draft plan #{plan} deleted.", "草稿计划 #{plan} 已删除。"),
    "ops_arm_treated": ("Contact", "联系"),
    "ops_arm_holdout": ("Hold-out", "对照"),
    "ops_col_plan_id": ("Plan", "计划"),
    "ops_col_name": ("Name", "名称"),
    "ops_col_status": ("Status", "状态"),
    "ops_col_channel": ("Channel", "渠道"),
    "ops_col_treated": ("To contact", "待联系"),
    "ops_col_holdout": ("Held out", "对照组"),
    "ops_col_outcomes": ("Outcomes recorded", "已记录结果"),
    "ops_col_window_start": ("From", "开始"),
    "ops_col_window_end": ("To", "结束"),
    "ops_col_created_by": ("Created by", "创建人"),
    "ops_col_created_at": ("Created at (UTC)", "创建时间（UTC）"),
    "ops_col_customer_id": ("Customer", "客户"),
    "ops_col_arm": ("Arm", "分组"),
    "ops_col_tier": ("Tier", "等级"),
    "ops_col_stage": ("Stage", "阶段"),
    "ops_col_province": ("Province", "省份"),
    "ops_col_manager": ("Account manager", "客户经理"),
    "ops_col_offer_id": ("Offer", "优惠"),
    "ops_from_list": ("Create a call-back plan from this list", "用此名单创建回访计划"),
    # lib/operations/plans.py errors
    "ops_bad_effect": ("The effect to detect ({effect} pp) must be above 0 and below the baseline "
                       "churn ({baseline} %).",
                       "需检测的效果（{effect} 个百分点）须大于 0 且小于基准流失率（{baseline}%）。"),
    "ops_bad_holdout": ("A hold-out of {size} is not possible on a list of {customers} customers.",
                        "{customers} 名客户的名单无法留出 {size} 名对照。"),
    "ops_name_missing": ("Give the plan a name.", "请填写计划名称。"),
    "ops_bad_channel": ("Unknown channel '{channel}'.", "未知渠道“{channel}”。"),
    "ops_bad_window": ("The time window ends before it starts.", "执行时间的结束早于开始。"),
    "ops_unknown_offer": ("Not in the offer catalogue in force: {offers}.", "不在当前优惠目录中：{offers}。"),
    "ops_no_customers": ("No customers match this choice.", "没有符合所选条件的客户。"),
    "ops_unknown_plan": ("There is no plan #{plan}.", "不存在计划 #{plan}。"),
    "ops_bad_status": ("Plan #{plan} is {current}; it cannot become {status} (draft → active → closed).",
                       "计划 #{plan} 当前为 {current}，不能改为 {status}（草稿 → 执行中 → 已关闭）。"),
    "ops_delete_not_draft": ("Plan #{plan} is not a draft without outcomes, so it is kept.",
                             "计划 #{plan} 不是无结果的草稿，予以保留。"),
    "ops_bad_source": ("Unknown source '{source}'.", "未知来源“{source}”。"),
}
