"""Strings of contact outcomes (result files, the outcomes editor) and a plan's measured results."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # outcome labels (also accepted as values in result files and the editor)
    "outcome_reached": ("Reached", "已接通"),
    "outcome_not_reached": ("Not reached", "未接通"),
    "outcome_refused": ("Refused", "拒绝"),
    "outcome_accepted": ("Accepted offer", "接受优惠"),
    "outcome_complaint": ("Complaint raised", "投诉"),
    # file-level refusals and hints
    "outcomes_unknown_plan": ("{file} There is no call-back plan {plan}.",
                              "{file} 不存在回访计划 {plan}。"),
    "outcomes_hint_plan": (
        'Check the plan id on the Call-back plans page.',
        '请在回访计划页面核对计划编号。'),
    "outcomes_hint_plan_cli": ("Check the plan id on the Call-back plans page (python -m lib outcomes FILE --plan ID).",
                           "请在回访计划页面核对计划编号（python -m lib outcomes FILE --plan ID）。"),
    "outcomes_plan_draft": ("{file} Plan {plan} is still a draft: outcomes are recorded once it is active.",
                            "{file} 计划 {plan} 仍是草稿：计划启动后才能登记接触结果。"),
    "outcomes_hint_activate": ("Activate the plan on the Call-back plans page first.",
                               "请先在回访计划页面启动该计划。"),
    "outcomes_missing_columns": (
        "{file} has no column for {fields}. Its columns: {columns}.",
        "{file} 缺少字段 {fields} 对应的列。文件中的列：{columns}。"),
    "outcomes_mapped_column_missing": (
        "{file}: the mapping gives column “{column}” for {field}, but the file has no such column "
        "(columns: {columns}).", "{file}：映射将列“{column}”对应到 {field}，但文件中没有该列（列：{columns}）。"),
    "outcomes_hint_columns": (
        "Name the columns in the file or correct the mapping. Headers that map by themselves: {synonyms}",
        "请修改文件表头或更正映射。可自动识别的表头：{synonyms}"),
    "outcomes_map_syntax": ("Cannot read the mapping “{text}”: write COLUMN=FIELD, FIELD one of {fields}.",
                            "无法识别映射“{text}”：请写成 列名=字段，字段为 {fields} 之一。"),
    "outcomes_hint_map": (
        "Choose the file's column for each field in the mapping.",
        '请在映射中为每个字段选择文件中的列。'),
    "outcomes_hint_map_cli": ("Example: --map \"回访人=manager\".", "例如：--map \"回访人=manager\"。"),
    "outcomes_nothing_accepted": ("{file}: none of the {rows} rows can be recorded; nothing was stored.",
                                  "{file}：{rows} 行均无法登记，未保存任何内容。"),
    "outcomes_hint_report": ("Fix the rows named in the report and load the file again.",
                             "请按报告修改相应行后重新上传。"),
    # row-level problems (each rejects its row)
    "outcomes_missing_customer": ("No customer id: the row cannot be matched to the plan.",
                                  "缺少客户编号，无法与计划匹配。"),
    "outcomes_unknown_customer": ("This customer is not on the plan's list.",
                                  "该客户不在本计划名单中。"),
    "outcomes_holdout_customer": (
        "This customer is in the plan's hold-out (control) group and must not be contacted; the "
        "outcome is not recorded and the customer stays in the hold-out for the measured results.",
        "该客户属于本计划的对照组（保留组），不应接触；结果不予登记，评估时仍计入对照组。"),
    "outcomes_duplicate_customer": (
        "This customer appears on more than one row; none of them is recorded. Send one row per customer.",
        "该客户出现在多行中，均未登记。每位客户只能有一行。"),
    "outcomes_bad_outcome": (
        "Unknown or missing outcome. Use one of: {outcomes} (or 已接通 / 未接通 / 拒绝 / 接受 / 投诉).",
        "结果缺失或无法识别。可用：已接通 / 未接通 / 拒绝 / 接受 / 投诉（或 {outcomes}）。"),
    "outcomes_missing_date": ("No contact date.", "缺少接触日期。"),
    "outcomes_bad_date": ("Not a date (use YYYY-MM-DD; day/month-first dates are ambiguous).",
                          "不是有效日期（请用 YYYY-MM-DD；日/月在前的日期有歧义）。"),
    "outcomes_future_date": ("The date is after today ({today}).", "日期晚于今天（{today}）。"),
    "outcomes_date_before_plan": ("The date is before the plan was created ({created}).",
                                  "日期早于计划创建日（{created}）。"),
    "outcomes_unknown_offer": ("Unknown offer: neither one of the plan's offers nor in the catalogue.",
                               "未知优惠：既非本计划的优惠，也不在优惠目录中。"),
    # CLI
    "cli_outcomes_done": ("plan {plan}: {stored} outcomes recorded ({rejected} rows rejected)",
                          "计划 {plan}：已登记 {stored} 条接触结果（{rejected} 行被拒绝）"),
    # the page section (views/operations_outcomes.py)
    "outcomes_title": ("Contact outcomes", "接触结果"),
    "outcomes_tab_upload": ("Upload result file", "上传结果文件"),
    "outcomes_tab_edit": ("Edit in the app", "在线登记"),
    "outcomes_tab_results": ("Measured results", "评估结果"),
    "outcomes_tab_history": ("History", "历史记录"),
    "outcomes_upload": ("Call centre result file (CSV, TXT or XLSX)", "呼叫中心结果文件（CSV、TXT 或 XLSX）"),
    "outcomes_upload_help": (
        "One row per customer: customer id, outcome (reached / not reached / refused / accepted / "
        "complaint, or 已接通 / 未接通 / 拒绝 / 接受 / 投诉), date, and optionally account manager and offer. "
        "Headers in English or Chinese are mapped automatically.",
        "每位客户一行：客户编号、接触结果（已接通 / 未接通 / 拒绝 / 接受 / 投诉）、日期，可选客户经理和优惠。"
        "中英文表头自动识别。"),
    "outcomes_mapping": ("Column mapping", "列映射"),
    "outcomes_mapping_help": ("Pick the file's column for each field; required: customer id, outcome, date.",
                              "为每个字段选择文件中的列；必填：客户编号、接触结果、日期。"),
    "outcomes_field_customer_id": ("Customer id", "客户编号"),
    "outcomes_field_outcome": ("Outcome", "接触结果"),
    "outcomes_field_outcome_date": ("Date", "日期"),
    "outcomes_field_manager": ("Account manager", "客户经理"),
    "outcomes_field_offer_id": ("Offer", "优惠"),
    "outcomes_not_mapped": ("(none)", "（无）"),
    "outcomes_rows_read": ("Rows read", "读取行数"),
    "outcomes_rows_ok": ("Rows to record", "可登记行数"),
    "outcomes_rows_rejected": ("Rows rejected", "拒绝行数"),
    "outcomes_report_download": ("Download the report (CSV)", "下载报告（CSV）"),
    "outcomes_record_button": ("Record {n} outcomes", "登记 {n} 条结果"),
    "outcomes_recorded": ("{stored} outcomes recorded for plan {plan}.", "计划 {plan} 已登记 {stored} 条结果。"),
    "outcomes_edit_help": (
        "Pick an outcome and date per customer and save; only changed rows are recorded. Every "
        "change is kept in the history.",
        "为每位客户选择结果与日期后保存；只登记改动的行。每次改动都保留在历史记录中。"),
    "outcomes_manager_filter": ("Account manager", "客户经理"),
    "outcomes_save": ("Save {n} changed rows", "保存 {n} 行改动"),
    "outcomes_no_changes": ("No changes to save.", "没有需要保存的改动。"),
    "outcomes_col_customer": ("Customer", "客户"),
    "outcomes_col_tier": ("Tier", "星级"),
    "outcomes_col_province": ("Province", "省份"),
    "outcomes_col_assigned": ("Assigned manager", "指派经理"),
    "outcomes_col_recorded_by": ("Recorded by", "登记人"),
    "outcomes_no_plan_rows": ("This plan has no treated customers.", "本计划没有需接触的客户。"),
    "outcomes_role_needed": ("Recording outcomes needs the analyst or admin role.",
                             "登记接触结果需要分析师或管理员角色。"),
    # measured results
    "outcomes_reach_rate": ("Service reach rate", "服务到达率"),
    "outcomes_reach_help": (
        "Reached (reached, refused, accepted, complaint) / the plan's treated customers, attempted "
        "or not. Target {target} (rules [operations] reach_rate_target).",
        "已触达（已接通、拒绝、接受、投诉）/ 计划中应接触客户（无论是否已拨打）。目标 {target}（规则 [operations] reach_rate_target）。"),
    "outcomes_attempted": ("Attempted", "已拨打"),
    "outcomes_treated": ("Treated customers", "应接触客户"),
    "outcomes_holdout": ("Hold-out customers", "对照组客户"),
    "outcomes_by_manager": ("Account manager", "客户经理"),
    "outcomes_by_tier": ("Tier", "星级"),
    "outcomes_by_province": ("Province", "省份"),
    "outcomes_reach_by": ("Reach rate by", "到达率分组"),
    "outcomes_take_up": ("Take-up per offer", "各优惠接受率"),
    "outcomes_churn_title": ("Churn after the plan: contacted vs hold-out", "计划后流失：接触组与对照组"),
    "outcomes_churn_help": (
        "Intention to treat: every customer in the arm the random draw put them in, reached or not; "
        "churn in the {months} months after the plan's snapshot ({later} snapshot(s) stored so far), "
        "with the rules' churn base and exclusions. Bars: 95 % intervals.",
        "意向性分析：每位客户按随机分组计入，无论是否接通；统计计划快照后 {months} 个月内的流失（已有 {later} 个快照），"
        "采用规则中的流失口径与排除项。误差线为 95% 置信区间。"),
    "outcomes_no_later": ("No snapshot after the plan's snapshot yet: churn is measured once the next "
                          "month's snapshot is imported.", "计划快照之后尚无新快照：导入下月快照后即可评估流失。"),
    "outcomes_difference": ("Churn reduction (hold-out − contacted)", "流失降低（对照组 − 接触组）"),
    "outcomes_difference_ci": ("95 % interval {low} to {high}", "95% 置信区间 {low} 至 {high}"),
    "outcomes_cost": ("Cost (contacts + offers)", "成本（接触 + 优惠）"),
    "outcomes_cost_per_save": ("Cost per save", "每挽留一位客户成本"),
    "outcomes_cost_per_save_range": ("range {low} to {high}", "区间 {low} 至 {high}"),
    "outcomes_no_saves": ("no measurable saves", "无可测挽留"),
    "outcomes_arm_treated": ("Contacted (treated)", "接触组"),
    "outcomes_arm_holdout": ("Hold-out", "对照组"),
    "outcomes_chart_reach": ("Reach rate by {by} against the target", "按{by}的到达率与目标"),
    "outcomes_chart_target": ("Target {target}", "目标 {target}"),
    "outcomes_chart_churn": ("Churn share after the plan", "计划后流失率"),
    "outcomes_col_churn": ("Churn share", "流失率"),
    "outcomes_col_rate": ("Reach rate", "到达率"),
    "outcomes_unassigned": ("(no manager)", "（未指派）"),
    "outcomes_col_offer": ("Offer", "优惠"),
    "outcomes_no_offer": ("(no offer)", "（无优惠）"),
    "outcomes_col_reached": ("Reached", "已触达"),
    "outcomes_col_accepted": ("Accepted", "接受"),
    "outcomes_col_take_up": ("Take-up (of treated)", "接受率（占应接触）"),
    "outcomes_col_take_up_reached": ("Take-up (of reached)", "接受率（占已触达）"),
    "outcomes_col_cost": ("Cost", "成本"),
    # Offers ROI calibration source
    "outcomes_calibration_source": ("Calibrate from", "校准来源"),
    "outcomes_source_campaign": ("Past campaign in the snapshots", "快照中的历史营销活动"),
    "outcomes_source_plan": ("Call-back plan {plan}", "回访计划 {plan}"),
    "outcomes_calibration_plan_none": ("This plan has no measured result per offer yet (a later snapshot "
                                       "and both arms are needed).",
                                       "该计划尚无按优惠的评估结果（需要后续快照和两组客户）。"),
}
