"""Strings of the monthly run (issue 19): row-level scope, batch commands, alerts, delivery."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # row-level scope
    "scope_whole_base": ("You see the whole base.", "您可查看全部客户。"),
    "scope_limited": ("You see only: {scope}.", "您仅可查看：{scope}。"),
    "scope_cities_unsupported": ("Your account is limited to cities ({cities}), and this view is "
                                 "summed per province only, so it cannot be shown to you. Ask an "
                                 "admin to give your account a province scope.",
                                 "您的账号限定为城市（{cities}），而本视图只按省份汇总，无法向您展示。"
                                 "请管理员为您的账号设置省份范围。"),
    "scope_hidden_import_history": (
        "The import history is not shown to your account (limited to {scope}): its row counts are "
        "of whole files, every branch's rows together, and cannot be cut to your scope.",
        "导入记录不向您的账号（限定为 {scope}）展示：其中的行数是整个文件、所有分支合计的，"
        "无法按您的范围拆分。"),
    "scope_hidden_model_metrics": (
        "The model's validation figures (AUC, lift, deciles, calibration) are not shown to your "
        "account (limited to {scope}): the model is trained and validated on the whole base, every "
        "branch together. Its scores of your customers are shown.",
        "模型的验证指标（AUC、提升度、十分位、校准）不向您的账号（限定为 {scope}）展示："
        "模型在全部客户（所有分支合计）上训练和验证。下面展示的是它对您的客户的评分。"),
    "scope_refused_train": (
        "Your account is limited to {scope}: training or scoring a churn model acts on every "
        "branch's customers, so an account that sees the whole base must do it.",
        "您的账号限定为 {scope}：训练或评分流失模型会作用于所有分支的客户，须由可查看全部客户的账号操作。"),
    "scope_refused_delete": (
        "Your account is limited to {scope}: deleting a snapshot deletes every branch's rows, so "
        "an account that sees the whole base must do it.",
        "您的账号限定为 {scope}：删除快照会删除所有分支的数据，须由可查看全部客户的账号操作。"),
    "scope_rows_note": ("Row counts are of the customers you may see ({scope}).",
                        "行数为您可查看的客户（{scope}）。"),
    "scope_export_log_note": ("Only your own downloads are listed: the others' are of other branches.",
                              "仅列出您自己的下载记录：其他人的记录属于其他分支。"),
    "cli_user_scope": ("Scope: {scope}.", "范围：{scope}。"),
    "cli_user_unknown": ("No account named {name} in {path}.", "{path} 中没有名为 {name} 的账号。"),
    # batch commands
    "cli_no_snapshot": ("No snapshot is stored yet; import one first.", "尚未存储任何快照，请先导入。"),
    "cli_unknown_snapshot": ("No snapshot {date} is stored; stored: {dates}.",
                             "未存储快照 {date}；已存储：{dates}。"),
    "cli_bad_out": ("The output file must end in .csv or .xlsx: {path}.",
                    "输出文件须以 .csv 或 .xlsx 结尾：{path}。"),
    "cli_training": ("No model in force for {date}: training one…", "{date} 没有可用模型：正在训练…"),
    "cli_retraining": ("Training a new model as of {date}…", "正在以 {date} 为基准训练新模型…"),
    "cli_scoring": ("Scoring snapshot {date} with model {model}…", "正在用模型 {model} 为快照 {date} 评分…"),
    "cli_scored": ("Scored {rows:,} customers of {date} with model {model}.",
                   "已用模型 {model} 为 {date} 的 {rows:,} 位客户评分。"),
    "cli_model_figures": ("Validation: ROC AUC {auc}, PR AUC {pr}, lift of the top decile {lift}, "
                          "churn base rate {base} ({rows:,} validation rows).",
                          "验证：ROC AUC {auc}，PR AUC {pr}，前 10% 提升度 {lift}，流失基准率 {base}"
                          "（验证行数 {rows:,}）。"),
    "cli_bad_tiers": ("--tiers takes star tiers 1-6, comma-separated: {tiers}.",
                      "--tiers 须为以逗号分隔的星级 1-6：{tiers}。"),
    "cli_bad_choice": ("Unknown choice {values}; use {allowed}.", "未知选项 {values}；可选：{allowed}。"),
    "cli_call_list_done": ("Wrote {rows:,} customers to {path}.", "已将 {rows:,} 位客户写入 {path}。"),
    "cli_report_done": ("Wrote {html} and {json}.", "已写入 {html} 和 {json}。"),
    # alerts
    "alert_line": ("{kpi} [{scope}] value {value} threshold {threshold} change {change}",
                   "{kpi} [{scope}] 数值 {value} 阈值 {threshold} 变化 {change}"),
    "alert_none": ("No alert rule is breached for {date}.", "{date} 没有触发任何预警规则。"),
    "alert_whole_base": ("whole base", "全部客户"),
    "alert_title": ("Alerts", "预警"),
    "alert_caption": ("Alert rules breached by the shown snapshot (rules version {version}).",
                      "所示快照触发的预警规则（规则版本 {version}）。"),
    "alert_col_kpi": ("KPI", "指标"),
    "alert_col_scope": ("Scope", "范围"),
    "alert_col_value": ("Value", "数值"),
    "alert_col_threshold": ("Threshold", "阈值"),
    "alert_col_change": ("Change", "变化"),
    "alert_col_rule": ("Rule", "规则"),
    "alert_bad_rule": ("Alert rule {number} in [[alert]] of the rules: {detail}.",
                       "规则中 [[alert]] 第 {number} 条预警规则：{detail}。"),
    # delivery
    "deliver_no_smtp": ("RETENTION_SMTP_URL is not set (smtp://host:port); nothing was sent.",
                        "未设置 RETENTION_SMTP_URL（smtp://host:port）；未发送任何邮件。"),
    "deliver_bad_smtp": ("RETENTION_SMTP_URL must look like smtp://host:port: {url}.",
                         "RETENTION_SMTP_URL 格式须为 smtp://host:port：{url}。"),
    "deliver_bad_file": ("The subscriptions file {path} cannot be used: {detail}.",
                         "订阅文件 {path} 无法使用：{detail}。"),
    "deliver_sent": ("sent to {to} ({user}, {lang}) snapshot {date}", "已发送至 {to}（{user}，{lang}）快照 {date}"),
    "deliver_skipped": ("skipped {to}: no alert for {date}", "跳过 {to}：{date} 无预警"),
    "deliver_failed": ("failed for {to}: {error}", "发送至 {to} 失败：{error}"),
    "deliver_subject": ("Retention report {date}", "客户保有报告 {date}"),
    "deliver_subject_alert": ("Retention report {date}: {n} alert(s)", "客户保有报告 {date}：{n} 条预警"),
    "deliver_body": ("The retention report of snapshot {date} is attached ({scope}).",
                     "附件为快照 {date} 的客户保有报告（{scope}）。"),
    "deliver_summary": ("{sent} sent, {skipped} skipped, {failed} failed.",
                        "已发送 {sent}，跳过 {skipped}，失败 {failed}。"),
}
