"""Strings of the app shell, Overview and Data pages, the store, rules and command line."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # pages and sidebar
    "page_overview": ("Overview", "概览"),
    "page_data": ("Data", "数据"),
    "sidebar_snapshot": ("Snapshot", "快照"),
    "sidebar_provinces": ("Provinces", "省份"),
    "sidebar_tiers": ("Tiers", "星级"),
    "sidebar_all": ("All", "全部"),
    "sidebar_no_data": ("No snapshot stored yet.", "尚未存储任何快照。"),
    "sidebar_rules_version": ("Rules version {version}", "规则版本 {version}"),
    "error_database": ("The database could not be reached or refused the request. Check "
                       "RETENTION_DB_URL and that the database is running, then reload.",
                       "无法连接数据库或请求被拒绝。请检查 RETENTION_DB_URL 及数据库是否运行，然后刷新。"),
    "error_unexpected": ("Something went wrong while drawing this part of the page. Nothing was "
                         "changed; the details are in the server log.",
                         "绘制本页此部分时出错。数据未被修改；详情见服务器日志。"),
    # accounts
    "auth_title": ("Sign in", "登录"),
    "auth_name": ("User name", "用户名"),
    "auth_password": ("Password", "密码"),
    "auth_sign_in": ("Sign in", "登录"),
    "auth_sso_login": ("Sign in with your company account", "使用公司账号登录"),
    "auth_failed": ("User name or password is not right.", "用户名或密码不正确。"),
    "auth_locked": ("Too many failed sign-ins for this user name or from this computer. Try again "
                    "in {wait}.", "该用户名或本机登录失败次数过多。请在{wait}后再试。"),
    "auth_busy": ("The server is checking many sign-ins right now. Try again in {wait}.",
                  "服务器正在处理大量登录请求。请在{wait}后再试。"),
    "auth_wait_seconds": ("{n} s", "{n} 秒"),
    "auth_wait_minutes": ("{n} min", "{n} 分钟"),
    "auth_signed_in": ("Signed in as {name} ({role})", "当前用户 {name}（{role}）"),
    "auth_sign_out": ("Sign out", "退出登录"),
    "auth_single_user": ("Single-user mode: no accounts configured, you have admin rights. Add "
                         "accounts with `python -m lib users add`.",
                         "单用户模式：未配置账号，您拥有管理员权限。可用 `python -m lib users add` 添加账号。"),
    "auth_role_viewer": ("viewer", "查看者"),
    "auth_role_analyst": ("analyst", "分析师"),
    "auth_role_admin": ("admin", "管理员"),
    "auth_denied": ("{user} ({role}) may not do this ({action}). Ask an admin for the analyst or "
                    "admin role.", "{user}（{role}）无权执行此操作（{action}）。请联系管理员获取分析师或管理员角色。"),
    "auth_role_needed": ("Needs the {role} role.", "需要{role}角色。"),
    "auth_not_signed_in": ("Sign in first.", "请先登录。"),
    "auth_accounts_unusable": ("The accounts file {path} cannot be used ({detail}), so nobody can sign "
                               "in. An admin fixes or removes it: with no accounts file the app runs "
                               "in single-user mode.",
                               "账号文件 {path} 无法使用（{detail}），因此任何人都无法登录。请管理员修正或删除该文件："
                               "没有账号文件时应用以单用户模式运行。"),
    "auth_bad_role": ("Unknown role {role}; use one of {roles}.", "未知角色 {role}；可选：{roles}。"),
    "auth_bad_account": ("A user needs a name and a password of at least 8 characters.",
                         "用户需要用户名和至少 8 个字符的密码。"),
    "cli_user_saved": ("Saved user {name} ({role}) in {path}.", "已保存用户 {name}（{role}）至 {path}。"),
    # KPIs
    "kpi_active": ("Active customers", "在网客户数"),
    "kpi_active_help": ("Customers in the snapshot who had not churned by its date.",
                        "快照中截至快照日未流失的客户。"),
    "kpi_vip": ("VIP customers", "VIP 客户数"),
    "kpi_vip_help": ("Active customers in the VIP tiers (from the rules' VIP tier up).",
                     "规则中 VIP 星级及以上的在网客户。"),
    "kpi_vip_revenue_share": ("VIP revenue share", "VIP 收入占比"),
    "kpi_vip_revenue_share_help": ("Share of the month's revenue (latest-month spend of active "
                                   "customers) that VIP customers bring.",
                                   "VIP 客户贡献的当月收入（在网客户最近一月消费）占比。"),
    "kpi_vip_retention": ("VIP retention this quarter", "本季度 VIP 保有率"),
    "kpi_vip_retention_help": ("Share of the VIP base photographed at quarter start (snapshot "
                               "{photo}) still active now.",
                               "季初拍照（快照 {photo}）的 VIP 客户中目前仍在网的比例。"),
    "kpi_monthly_churn": ("Monthly churn rate", "月流失率"),
    "kpi_monthly_churn_help": ("Churners in the snapshot over its customers, after the rules' "
                               "exclusions (involuntary, short tenure, group-paid), over the "
                               "churn flag's window of {window} months, converted to a month.",
                               "按规则剔除（被动离网、短在网、集团付费）后，快照流失标志观察期（{window} 个月）内的流失客户占比，折算为月。"),
    "kpi_churn_share_unknown_window": ("Churn share (window unknown)",
                                       "流失占比（观察期未知）"),
    "kpi_churn_share_unknown_window_help": (
        "Churners over customers, after the rules' exclusions, over whatever period the file's "
        "churn flag covers. The window was not given at import, so this is no rate per month "
        "and is not compared with the monthly churn target.",
        "按规则剔除后，流失客户占客户的比例，时间范围为文件流失标志所覆盖的期间。导入时未给出观察期，"
        "因此这不是月流失率，也不与月流失率目标比较。"),
    "kpi_churn_to_gross_add": ("Churn / gross adds", "流失/新增比"),
    "kpi_churn_to_gross_add_help": ("Churners over customers who joined in the snapshot month; "
                                    "above 1 the base shrinks.",
                                    "流失客户数与当月新入网客户数之比；大于 1 表示客户规模在缩小。"),
    "kpi_arpu": ("ARPU", "ARPU"),
    "kpi_arpu_help": ("Average latest-month spend per active customer (currency per month).",
                      "在网客户最近一月平均消费（每月金额）。"),
    "kpi_revenue_at_risk": ("Revenue at risk", "风险收入"),
    "kpi_revenue_at_risk_help": ("Revenue expected to be lost over the next {months} months if each "
                                 "tier's observed churn rate holds.",
                                 "若各星级保持当前观测流失率，未来 {months} 个月预计损失的收入。"),
    "kpi_revenue_at_risk_unknown_help": (
        "Not estimated: it needs a churn rate per month, and the churn flag's window of this "
        "snapshot is unknown.",
        "未估算：风险收入需要月流失率，而该快照流失标志的观察期未知。"),
    "kpi_revenue_at_risk_model_help": ("Revenue the churn model expects to be lost over the next "
                                       "{months} months: each scored customer's latest-month spend "
                                       "times the months of it their churn probability implies.",
                                       "流失模型预计未来 {months} 个月损失的收入：每位已评分客户最近一月消费 × 其流失概率对应的损失月数。"),
    "kpi_target_min": ("Target: at least {target}.", "目标：不低于 {target}。"),
    "kpi_target_max": ("Target: at most {target}.", "目标：不高于 {target}。"),
    "kpi_on_target": ("on target", "达标"),
    "kpi_missed": ("missed", "未达标"),
    # Overview
    "overview_empty": ("No customer data yet. Import a snapshot on the Data page, or load the "
                       "demo base with `python -m lib demo`.",
                       "尚无客户数据。请在“数据”页导入快照，或运行 `python -m lib demo` 载入演示数据。"),
    "overview_caption": ("Snapshot {snapshot}, compared with {previous} · rules version {version}",
                         "快照 {snapshot}，对比 {previous} · 规则版本 {version}"),
    "overview_missed": ("Missing target: {kpis}.", "未达标：{kpis}。"),
    "overview_risk_note": ("Revenue at risk is estimated from the observed churn rate of each tier "
                           "over the next {months} months; it will use churn-risk scores once a "
                           "churn model exists.",
                           "风险收入按各星级观测流失率估算（未来 {months} 个月）；建立流失模型后将改用风险评分。"),
    "overview_risk_note_model": ("Revenue at risk is the latest-month spend of each scored customer "
                                 "times the months of it the churn model (#{model}) expects to be "
                                 "lost over the next {months} months.",
                                 "风险收入 = 每位已评分客户最近一月消费 × 流失模型（#{model}）预计未来 {months} 个月内损失的月数。"),
    "overview_window_unknown": (
        "The churn flag's window of snapshot {snapshot} is unknown, so the churn share of the "
        "file is shown instead of a monthly churn rate, and the figures built on a rate per "
        "month (revenue at risk, churn per tier) are shown as –. Import the file again on the "
        "Data page with its churn window and \"Replace\" ticked to get them.",
        "快照 {snapshot} 的流失标志观察期未知，因此显示文件中的流失占比而非月流失率；依赖月流失率的指标"
        "（风险收入、各星级流失）显示为 –。请在“数据”页重新导入该文件，选择其观察期并勾选“替换”。"),
    "overview_download": ("Download report (HTML)", "下载报告（HTML）"),
    # charts
    "chart_trend_customers": ("Active and VIP customers", "在网客户与 VIP 客户"),
    "chart_trend_churn": ("Monthly churn rate", "月流失率"),
    "chart_target": ("target", "目标"),
    "chart_churn_share_unknown": ("churn share of the file (window unknown)", "文件流失占比（观察期未知）"),
    "chart_pareto": ("Revenue concentration", "收入集中度"),
    "chart_equal_share": ("equal share", "均等分布"),
    "chart_revenue_curve": ("revenue share (customers grouped by spend band)",
                            "收入占比（客户按消费档分组）"),
    "chart_pareto_point": ("top {customers} → {revenue} of revenue",
                           "前 {customers} 客户 → {revenue} 收入"),
    "chart_customer_share": ("share of customers, highest spend first", "客户占比（按消费从高到低）"),
    "chart_revenue_share": ("share of revenue", "收入占比"),
    "chart_risk_by_tier": ("Revenue at risk by tier, next {months} months",
                           "各星级风险收入（未来 {months} 个月）"),
    "chart_risk_hover": ("%{x}: %{y:,.0f}<br>monthly churn %{customdata[0]:.2%}"
                         "<br>active %{customdata[1]:,}",
                         "%{x}：%{y:,.0f}<br>月流失率 %{customdata[0]:.2%}<br>在网 %{customdata[1]:,}"),
    # report
    "report_title": ("Retention overview", "客户保有概览"),
    "report_meta": ("Snapshot {snapshot} (previous {previous}) · provinces: {provinces} · tiers: "
                    "{tiers} · rules version {version}",
                    "快照 {snapshot}（上期 {previous}）· 省份：{provinces} · 星级：{tiers} · 规则版本 {version}"),
    "report_kpi": ("KPI", "指标"),
    "report_value": ("Value", "数值"),
    "report_change": ("Change", "变化"),
    "report_target": ("Target", "目标"),
    # Data page
    "data_tab_import": ("Import", "导入"),
    "data_tab_snapshots": ("Snapshots", "快照"),
    "data_tab_rules": ("Rules", "规则"),
    "data_upload": ("Snapshot file", "快照文件"),
    "data_upload_help": ("CSV or TXT (UTF-8, GBK or GB18030; comma, semicolon or tab), XLSX or "
                         "Parquet. One row per customer.",
                         "CSV 或 TXT（UTF-8、GBK 或 GB18030；逗号、分号或制表符分隔）、XLSX 或 Parquet。每行一个客户。"),
    "data_sheet": ("Sheet", "工作表"),
    "data_file_facts": ("{rows:,} rows, {columns} columns · encoding {encoding} · delimiter {delimiter}",
                        "{rows:,} 行，{columns} 列 · 编码 {encoding} · 分隔符 {delimiter}"),
    "data_preview": ("Preview", "预览"),
    "data_mapping": ("Column mapping", "字段映射"),
    "data_mapping_help": ("Choose the file's column for each contract field, or “not in file”. "
                          "Spend fields may take several columns, added up. Each proposal shows "
                          "sample values, how sure it is and why.",
                          "请为每个标准字段选择文件中的列，或选“文件中没有”。消费字段可选多列，按行相加。"
                          "每项建议都显示示例值、置信度和理由。"),
    "data_col_field": ("Field", "字段"),
    "data_col_doc": ("Meaning", "含义"),
    "data_col_source": ("Source column(s)", "源列"),
    "data_col_unit": ("Unit", "单位"),
    "data_col_severity": ("Severity", "级别"),
    "data_col_rows": ("Rows", "行数"),
    "data_col_problem": ("Problem", "问题"),
    "data_severity_error": ("row rejected", "整行拒绝"),
    "data_severity_warning": ("row kept, see note", "行已保留（见说明）"),
    "data_kept_columns": ("Kept as segment dimensions: {columns}", "保留为细分维度：{columns}"),
    "data_tenure_unit": ("Unit of the tenure column ({column})", "在网时长列（{column}）的单位"),
    "data_tenure_unit_help": (
        "How the tenure values are written in the file; they are converted to months. The "
        "validation below warns when the values look like another unit.",
        "文件中在网时长的单位；导入时换算为月。若取值看起来像另一种单位，下方校验会给出提示。"),
    "data_plausibility_confirm": (
        "I have checked the {n} warning(s) above; import as mapped",
        "我已核对以上 {n} 条提示，按当前映射导入"),
    "data_snapshot_date": ("Snapshot date", "快照日期"),
    "data_churn_window": ("Churn flag covers", "流失标志覆盖的时间"),
    "data_churn_window_help": ("Over how many months was the churn flag observed? 1 for a "
                               "monthly export (customers who left this month); 3 for "
                               "\"left this quarter\". For a longer window churn rates are "
                               "converted to a month. If you don't know (a public file's "
                               "\"churn\" often means \"ever left\"), say so: only the churn "
                               "share of the file is shown, never a monthly rate.",
                               "流失标志是在多少个月内观察到的？月度导出（本月离网的客户）选 1；"
                               "“本季度离网”选 3。窗口更长时流失率会折算为月。若不知道（公开数据中的"
                               "“流失”常指“曾经离网”），请选“不知道”：只显示文件中的流失占比，不计算月流失率。"),
    "data_churn_window_placeholder": ("Choose the churn window", "请选择流失观察期"),
    "data_churn_window_one": ("1 month", "1 个月"),
    "data_churn_window_n": ("{n} months", "{n} 个月"),
    "data_churn_window_unknown": ("I don't know", "不知道"),
    "data_churn_window_needed": ("Say over how many months the churn flag was observed (or that "
                                 "you don't know) before importing: the monthly churn rate and "
                                 "the revenue at risk depend on it.",
                                 "导入前请选择流失标志的观察期（或选“不知道”）：月流失率和风险收入取决于它。"),
    "data_replace": ("Replace a stored snapshot of the same date", "替换同日期的已存快照"),
    "data_replace_help": ("Without this, importing a date that is already stored is refused.",
                          "不勾选时，导入已存在日期的快照会被拒绝。"),
    "data_validation": ("Validation", "校验"),
    "data_rows_read": ("Rows read", "读取行数"),
    "data_rows_accepted": ("Rows accepted", "接受行数"),
    "data_rows_rejected": ("Rows rejected", "拒绝行数"),
    "data_report_rows": ("Row-level report ({n} entries)", "逐行报告（{n} 条）"),
    "data_report_download": ("Download report (CSV)", "下载报告（CSV）"),
    "data_import_button": ("Import {n:,} rows", "导入 {n:,} 行"),
    "data_imported": ("Imported {rows:,} rows into snapshot {dates} (rules version {version}).",
                      "已导入 {rows:,} 行至快照 {dates}（规则版本 {version}）。"),
    "data_delete_pick": ("Snapshot to delete", "要删除的快照"),
    "data_delete_button": ("Delete…", "删除…"),
    "data_delete_confirm": ("Delete snapshot {date} and its {rows:,} rows? This cannot be undone.",
                            "删除快照 {date} 及其 {rows:,} 行？此操作不可撤销。"),
    "data_delete_yes": ("Yes, delete", "确认删除"),
    "data_delete_no": ("Cancel", "取消"),
    "data_deleted": ("Deleted snapshot {date} ({rows:,} rows).", "已删除快照 {date}（{rows:,} 行）。"),
    "data_history": ("Import history", "导入记录"),
    # rules
    "rules_in_force": ("Rules version {version} is in force. Saving creates a new version and "
                       "re-grades every stored snapshot.",
                       "当前生效规则版本 {version}。保存将生成新版本并重新评定所有已存快照。"),
    "rules_tiers": ("**Star tiers** — lowest six-month average spend per tier (currency per month)",
                    "**星级** — 各星级近六月月均消费下限（每月金额）"),
    "rules_tier_min": ("{tier} from", "{tier} 起"),
    "rules_vip_min_tier": ("VIP from tier", "VIP 起始星级"),
    "rules_points_min": ("Six star: points at least", "六星：积分不低于"),
    "rules_key_person": ("Group key persons are six star", "集团关键人为六星"),
    "rules_targets": ("**KPI targets**", "**KPI 目标**"),
    "rules_horizon": ("Revenue-at-risk horizon (months)", "风险收入期限（月）"),
    "rules_note": ("Note for this version", "版本说明"),
    "rules_save": ("Save as new rules version", "保存为新规则版本"),
    "rules_save_text": ("Save text as new rules version", "将文本保存为新规则版本"),
    "rules_saved": ("Saved rules version {version}; all snapshots re-graded.",
                    "已保存规则版本 {version}；所有快照已重新评定。"),
    "rules_text": ("Rules file (TOML)", "规则文件（TOML）"),
    "rules_history": ("Rules versions", "规则版本记录"),
    "rules_missing_key": ("The rules lack '{key}'. Add it back (see data/rules.toml for the "
                          "shipped defaults).", "规则缺少“{key}”。请补回（默认值见 data/rules.toml）。"),
    "rules_bad_number": ("'{key}' must be a number from {low} to {high}.",
                         "“{key}”必须是 {low} 到 {high} 之间的数字。"),
    "rules_bad_integer": ("'{key}' must be a whole number from {low} to {high}.",
                          "“{key}”必须是 {low} 到 {high} 之间的整数。"),
    "rules_bad_choice": ("'{key}' must be one of: {allowed}.", "“{key}”须为以下之一：{allowed}。"),
    "rules_bad_section": ("'{key}' must be a section (a [table]) of the rules.",
                          "“{key}”必须是规则中的一个节（[表]）。"),
    "rules_bad_flag": ("'{key}' must be true or false.", "“{key}”必须为 true 或 false。"),
    "rules_bad_names": ("'{key}' must list {count} non-empty tier names.",
                        "“{key}”必须列出 {count} 个非空星级名称。"),
    "rules_bad_bounds": ("tiers.spend_min must be {count} increasing numbers starting at 0.",
                         "tiers.spend_min 必须是以 0 开头、递增的 {count} 个数字。"),
    "rules_bad_toml": ("The rules text is not valid TOML: {detail}", "规则文本不是有效的 TOML：{detail}"),
    # store
    "store_no_rows": ("There are no rows to store.", "没有可存储的行。"),
    "store_bad_window": ("The churn window must be at least one month (got {value}).",
                         "流失观察期至少为 1 个月（当前 {value}）。"),
    "store_snapshot_exists": (
        "Snapshot {dates} is already stored. Delete it on the Data page (Snapshots tab) or import with “Replace a stored snapshot of the same date” ticked.",
        '快照 {dates} 已存在。请先在“数据”页的“快照”页签删除，或勾选“替换同日期的已存快照”后导入。'),
    "store_snapshot_exists_cli": ("Snapshot {dates} is already stored. Delete it on the Data page or "
                              "import with 'replace' ticked (--replace on the command line).",
                              "快照 {dates} 已存在。请先在“数据”页删除，或勾选“替换”导入（命令行用 --replace）。"),
    "store_snapshot_missing": ("Snapshot {date} is not stored.", "快照 {date} 不存在。"),
    "store_schema_too_new": ("The database has schema version {found}, newer than this program "
                             "knows ({known}). Upgrade the program.",
                             "数据库结构版本 {found} 高于本程序支持的 {known}。请升级程序。"),
    "store_busy": ("Another import or rules change is in progress; try again in a moment. "
                   "Nothing was changed.",
                   "另一项导入或规则修改正在进行中，请稍后重试。数据未被修改。"),
    "store_waiting": ("Waiting for another import or rules change to finish (at most {seconds:g} s)…",
                      "正在等待另一项导入或规则修改完成（最多 {seconds:g} 秒）…"),
    "store_step_prepare": ("Preparing…", "准备中…"),
    "store_step_rows": ("Writing customer rows…", "写入客户数据…"),
    "store_step_attributes": ("Writing extra columns…", "写入附加列…"),
    "store_step_rules": ("Grading tiers and stages…", "评定星级与生命周期…"),
    "store_step_done": ("Done.", "完成。"),
    # command line
    "cli_churn_window_needed": ("Say over how many months the file's churn flag was observed: "
                                "--churn-window-months N (1 for a monthly export), or "
                                "--churn-window-unknown.",
                                "请说明文件流失标志的观察期：--churn-window-months N（月度导出为 1），"
                                "或 --churn-window-unknown。"),
    "cli_nothing_valid": ("No row passed validation; nothing would be imported.",
                          "没有行通过校验；不会导入任何数据。"),
    "cli_demo_size": ("--customers must be between 1 and 10,000,000.",
                      "--customers 必须在 1 到 10,000,000 之间。"),
    "cli_demo_skipped": ("The database already holds snapshots; demo not loaded.",
                         "数据库已有快照；未载入演示数据。"),
    "cli_demo_done": ("Demo base stored: {rows:,} rows in {seconds:.1f} s.",
                      "演示数据已存储：{rows:,} 行，用时 {seconds:.1f} 秒。"),
    "cli_cannot_read": ("Cannot read {file}: {reason}.", "无法读取 {file}：{reason}。"),
    "cli_database_error": ("The database refused the operation ({reason}); nothing was changed.",
                           "数据库拒绝了该操作（{reason}）；数据未被修改。"),
}
