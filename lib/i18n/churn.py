"""Strings of the Churn risk and Action list pages and their lib modules."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page_churn": ("Churn risk", "流失风险"),
    "page_action_list": ("Action list", "预警名单"),
    # Churn risk page
    "churn_empty": ("No customer data yet. Import a snapshot on the Data page first.",
                    "尚无客户数据。请先在“数据”页导入快照。"),
    "churn_intro": ("A gradient-boosting model of churn within {months} months of a snapshot, "
                    "trained on a sample of up to {rows} customers, judged against a "
                    "logistic-regression baseline on customers it did not see · rules version "
                    "{version}",
                    "梯度提升模型预测快照后 {months} 个月内的流失，训练样本最多 {rows} 名客户，"
                    "并在未参与训练的客户上与逻辑回归基线对比 · 规则版本 {version}"),
    "churn_intro_same_row": ("A gradient-boosting model of the snapshot's own churn flag, which "
                             "covers the file's churn window of {months} months (no later "
                             "snapshots cover the {horizon}-month horizon), trained on a sample "
                             "of up to {rows} customers, judged against a logistic-regression "
                             "baseline on customers it did not see · rules version {version}",
                             "梯度提升模型预测快照本身的流失标志（覆盖文件的 {months} 个月流失观察期；之后的快照"
                             "不足以覆盖 {horizon} 个月预测期），训练样本最多 {rows} 名客户，并在未参与训练的客户上"
                             "与逻辑回归基线对比 · 规则版本 {version}"),
    "churn_intro_unknown": ("With no later snapshots covering the {horizon}-month horizon, a model "
                            "would learn the snapshot's own churn flag, and its window is "
                            "unknown: its probabilities would cover no known period. Import the "
                            "file again on the Data page with its churn window, or store later "
                            "monthly snapshots, to train one · rules version {version}",
                            "之后的快照不足以覆盖 {horizon} 个月预测期，模型只能学习快照本身的流失标志，而其观察期未知："
                            "预测概率将不对应任何已知期间。请在“数据”页重新导入该文件并选择观察期，或存储之后的月度快照，"
                            "再训练模型 · 规则版本 {version}"),
    "churn_window_unknown": ("The churn flag's window of snapshot {snapshot} is unknown, so no "
                             "churn model is trained on it: import the file again with its churn "
                             "window on the Data page.",
                             "快照 {snapshot} 的流失标志观察期未知，因此不在其上训练流失模型：请在“数据”页重新导入该文件并选择观察期。"),
    "churn_train_button": ("Train and score as of {snapshot}", "以 {snapshot} 为基准训练并评分"),
    "churn_training": ("Training the model and its baseline…", "正在训练模型及基线…"),
    "churn_scoring": ("Scoring the active base in batches", "正在分批为在网客户评分"),
    "churn_trained": ("Model #{model} trained in {seconds} s", "模型 #{model} 训练完成，用时 {seconds} 秒"),
    "churn_no_model": ("No churn model has been trained as of {snapshot} yet. Press the button "
                       "above to train one (about a minute at 200,000 sampled customers).",
                       "截至 {snapshot} 尚未训练流失模型。点击上方按钮训练（抽样 20 万客户约需一分钟）。"),
    "churn_accepted": ("Model #{model} beats its baseline and is in use: {rows} active customers "
                       "of {snapshot} are scored.",
                       "模型 #{model} 优于基线并已启用：{snapshot} 的 {rows} 名在网客户已评分。"),
    "churn_refused": ("Model #{model} is not presented: {reason} Its metrics are shown for the "
                      "record; no scores were written.",
                      "模型 #{model} 不予采用：{reason} 下表仅供记录，未写入评分。"),
    "churn_refused_few_train_churners": (
        "too few churners to learn from (see the rules' min_train_churners).",
        "可供学习的流失客户太少（见规则 min_train_churners）。"),
    "churn_refused_few_test_churners": (
        "too few churners to test on (see the rules' min_test_churners).",
        "可供检验的流失客户太少（见规则 min_test_churners）。"),
    "churn_refused_not_better": (
        "its ROC AUC is no better than the logistic-regression baseline's.",
        "其 ROC AUC 不优于逻辑回归基线。"),
    "churn_settings_defaults": ("The rules in force have no [churn_model] section; the shipped "
                                "defaults are used. Save the rules on the Data page to keep them.",
                                "当前规则没有 [churn_model] 部分，已使用默认设置。可在“数据”页保存规则。"),
    "churn_section_validation": ("Validation: model against baseline", "验证：模型与基线对比"),
    "churn_validation_time": ("Time-based: trained on snapshots {train}, tested on the later "
                              "snapshot {test} (labels known by then only).",
                              "按时间验证：用快照 {train} 训练，在之后的快照 {test} 上检验（仅用当时已知的标签）。"),
    "churn_validation_cv": ("{folds}-fold cross-validation on snapshot {snapshot} (only one "
                            "labelled snapshot is stored).",
                            "在快照 {snapshot} 上做 {folds} 折交叉验证（仅有一个带标签的快照）。"),
    "churn_col_metric": ("Metric", "指标"),
    "churn_model_name": ("Gradient boosting", "梯度提升"),
    "churn_baseline_name": ("Logistic baseline", "逻辑回归基线"),
    "churn_metric_roc_auc": ("ROC AUC", "ROC AUC"),
    "churn_metric_pr_auc": ("PR AUC (average precision)", "PR AUC（平均精确率）"),
    "churn_metric_lift": ("Lift in the riskiest 10 %", "最高风险 10% 的提升度"),
    "churn_metric_base_rate": ("Churn share of tested customers", "受检客户流失占比"),
    "churn_metric_rows": ("Customers tested", "受检客户数"),
    "churn_metric_churners": ("Churners among them", "其中流失客户"),
    "churn_chart_lift": ("Lift by risk decile", "各风险十分位的提升度"),
    "churn_chart_gains": ("Cumulative gains: churners reached by calling the riskiest first",
                          "累积增益：按风险从高到低外呼可覆盖的流失客户"),
    "churn_chart_calibration": ("Calibration: predicted against observed churn",
                                "校准：预测与实际流失率"),
    "churn_chart_importance": ("What the model relies on (permutation importance)",
                               "模型依赖的因素（置换重要性）"),
    "churn_axis_decile": ("Risk decile (10 = riskiest)", "风险十分位（10 = 最高）"),
    "churn_axis_lift": ("Churn rate ÷ average", "流失率 ÷ 平均"),
    "churn_axis_called": ("Customers called", "外呼客户占比"),
    "churn_axis_reached": ("Churners reached", "覆盖流失客户占比"),
    "churn_axis_predicted": ("Predicted churn probability", "预测流失概率"),
    "churn_axis_observed": ("Observed churn share", "实际流失占比"),
    "churn_axis_importance": ("Drop in ROC AUC when shuffled", "打乱后 ROC AUC 的下降"),
    "churn_random": ("Random order", "随机顺序"),
    "churn_perfect": ("Perfectly calibrated", "完全校准"),
    "churn_explain_note": ("Each customer's reasons on the Action list are the groups of fields "
                           "that raise their churn probability most against a typical customer "
                           "who stayed.",
                           "预警名单中每位客户的原因，是与典型留存客户相比最能推高其流失概率的字段组。"),
    "churn_section_risk": ("Revenue at risk from the scores", "基于评分的风险收入"),
    "churn_risk_horizon": ("Horizon (months)", "预测期（月）"),
    "churn_not_scored": ("This snapshot has no scores yet.", "该快照尚未评分。"),
    "churn_kpi_revenue_at_risk": ("Revenue at risk, {months} months", "风险收入（{months} 个月）"),
    "churn_kpi_revenue_at_risk_help": (
        "Σ over scored active customers of latest-month spend × expected months lost over "
        "{months} months, at the monthly churn rate their {horizon}-month churn probability "
        "implies.",
        "对已评分在网客户求和：最近一月消费 × 未来 {months} 个月预计损失月数（由其 {horizon} 个月流失概率折算的月流失率计算）。"),
    "churn_kpi_expected_churners": ("Expected churners, {months} months", "预计流失客户（{months} 个月）"),
    "churn_kpi_scored": ("Customers scored", "已评分客户"),
    "churn_chart_risk_tier": ("Revenue at risk by tier, next {months} months (model)",
                              "各星级风险收入，未来 {months} 个月（模型）"),
    "churn_chart_risk_province": ("Revenue at risk by province, next {months} months (model)",
                                  "各省风险收入，未来 {months} 个月（模型）"),
    "churn_risk_hover": ("%{x}: %{y:,.0f}<br>%{customdata[0]:,} customers, "
                         "%{customdata[1]:,.0f} expected churners",
                         "%{x}：%{y:,.0f}<br>%{customdata[0]:,} 名客户，预计流失 %{customdata[1]:,.0f} 名"),
    "churn_unknown": ("(unknown)", "（未知）"),
    "churn_section_card": ("Model card", "模型卡"),
    "churn_card_model": ("Model", "模型"),
    "churn_card_status": ("Status", "状态"),
    "churn_card_accepted": ("accepted: better than the baseline on unseen customers.",
                            "已采用：在未见客户上优于基线。"),
    "churn_card_as_of": ("Data as of snapshot", "数据截至快照"),
    "churn_card_rules": ("rules version", "规则版本"),
    "churn_card_label": ("Target", "预测目标"),
    "churn_label_window": ("an active customer churns (flagged churned, or gone from a later "
                           "snapshot) within {months} months after the snapshot.",
                           "在网客户在快照后 {months} 个月内流失（标记为流失，或在之后的快照中消失）。"),
    "churn_label_same_row": ("the churn flag of the same row (only one snapshot, or no later "
                             "snapshots covering the horizon): the flag covers the file's churn "
                             "window of {months} months.",
                             "同一行的流失标志（仅有一个快照或之后的快照不足以覆盖预测期）：该标志覆盖文件的 {months} 个月流失窗口。"),
    "churn_card_validation": ("Validation", "验证方式"),
    "churn_card_data": ("Training data", "训练数据"),
    "churn_card_data_text": ("{rows} sampled customers (every k-th active customer by id), "
                             "{churners} churners; {excluded} involuntary churners left out.",
                             "抽样客户 {rows} 名（按编号每隔 k 个抽取在网客户），其中流失 {churners} 名；剔除被动离网 {excluded} 名。"),
    "churn_card_features": ("Features", "特征"),
    "churn_card_excluded_features": ("Never used", "从不使用"),
    "churn_card_excluded_text": ("churn date, type, reason and month, the churned flag, the "
                                 "lifecycle stage, campaign fields, identifiers (they carry or "
                                 "follow the label).",
                                 "流失日期、类型、原因与月份，流失标志，生命周期阶段，营销活动字段，客户标识（它们包含或晚于标签）。"),
    "churn_card_metrics": ("Metrics on unseen customers", "未见客户上的指标"),
    "churn_card_time": ("Training", "训练"),
    "churn_card_time_text": ("{seconds} s, finished {created} UTC.", "{seconds} 秒，完成于 {created} UTC。"),
    "churn_card_limits": ("Limits", "局限"),
    "churn_limit_same_row": ("The features come from the same row as the churn flag, so they may "
                             "describe the month the customer left in: the metrics are optimistic "
                             "for early warning. Store monthly snapshots to train on what was "
                             "known before the churn.",
                             "特征与流失标志来自同一行，可能反映客户离网当月的情况，因此对预警而言指标偏乐观。请存储月度快照，以便用流失前已知的信息训练。"),
    "churn_limit_cv": ("Cross-validation mixes customers of one period; a later period may "
                       "behave differently.",
                       "交叉验证只在同一时期内检验，之后的时期可能表现不同。"),
    "churn_limit_association": ("Reasons and importance show what the model associates with "
                                "churn, not what causes it; retention offers need a control "
                                "group to prove their effect.",
                                "原因与重要性显示的是模型认为与流失相关的因素，而非因果；挽留优惠的效果需要对照组验证。"),
    "churn_limit_population": ("Valid for customers like those trained on (same operator, "
                               "products and period); retrain after rule, product or market "
                               "changes.",
                               "仅适用于与训练样本相似的客户（同一运营商、产品与时期）；规则、产品或市场变化后应重新训练。"),
    "churn_no_rows": ("There is nothing to learn from: the snapshot has no customers, or none "
                      "(or all) of them churned. Import more snapshots or another file.",
                      "没有可学习的数据：快照中没有客户，或没有（或全部）客户流失。请导入更多快照或其他文件。"),
    "churn_model_missing": ("The churn model is not stored any more. Train it again.",
                       "流失模型已不存在，请重新训练。"),
    "churn_model_refused": ("This model was refused and cannot score customers.",
                            "该模型未被采用，不能为客户评分。"),
    "churn_rules_bad_assignment": ("'{key}' must be \"region\" or \"capacity\".",
                                   "“{key}”必须为 \"region\" 或 \"capacity\"。"),
    "churn_rules_bad_manager": ("Each entry of '{key}' needs a name, a list of provinces and a "
                                "capacity (a whole number, 0 or more).",
                                "“{key}”的每一项都需要名称、省份列表和容量（不小于 0 的整数）。"),
    # reasons (groups of features), plain words
    "churn_reason_spend_trend": ("Spend pattern (falling or unusual recent spend)", "消费变化（近期消费下降或异常）"),
    "churn_reason_complaints": ("Complaints and service calls", "投诉与客服来电"),
    "churn_reason_arrears": ("Arrears (overdue bills)", "欠费"),
    "churn_reason_tenure": ("Tenure (time with us)", "在网时长"),
    "churn_reason_usage": ("Usage (calls, data, SMS)", "使用量（通话、流量、短信）"),
    "churn_reason_contract": ("Contract and payment method", "合约与付费方式"),
    "churn_reason_plan": ("Brand and plan", "品牌与套餐"),
    "churn_reason_value": ("Value (average spend, tier, points)", "价值（月均消费、星级、积分）"),
    "churn_reason_profile": ("Profile (age, gender, region)", "客户特征（年龄、性别、地区）"),
    # features
    "churn_feature_tenure_months": ("Tenure (months)", "在网时长（月）"),
    "churn_feature_spend_m1": ("Spend, latest month", "最近一月消费"),
    "churn_feature_spend_m2": ("Spend, month 2", "第 2 月消费"),
    "churn_feature_spend_m3": ("Spend, month 3", "第 3 月消费"),
    "churn_feature_spend_avg_6m": ("Average spend, 6 months", "近 6 月平均消费"),
    "churn_feature_spend_trend": ("Spend trend", "消费趋势"),
    "churn_feature_points": ("Points", "积分"),
    "churn_feature_voice_minutes": ("Voice minutes", "通话分钟数"),
    "churn_feature_outgoing_calls": ("Outgoing calls", "主叫次数"),
    "churn_feature_sms": ("SMS", "短信条数"),
    "churn_feature_data_gb": ("Data (GB)", "流量（GB）"),
    "churn_feature_roaming": ("Roaming minutes", "漫游分钟数"),
    "churn_feature_complaints": ("Complaints", "投诉次数"),
    "churn_feature_service_calls": ("Service calls", "客服来电次数"),
    "churn_feature_arrears": ("Arrears", "欠费金额"),
    "churn_feature_age": ("Age", "年龄"),
    "churn_feature_tier": ("Star tier", "星级"),
    "churn_feature_key_person": ("Group key person", "集团关键人"),
    "churn_feature_group_paid": ("Group-paid line", "集团付费"),
    "churn_feature_spend_m1_to_avg": ("Latest spend ÷ 6-month average", "最近消费 ÷ 6 月平均"),
    "churn_feature_arrears_to_spend": ("Arrears ÷ average spend", "欠费 ÷ 平均消费"),
    "churn_feature_usage_per_spend": ("Usage per unit of spend", "单位消费使用量"),
    "churn_feature_brand": ("Brand", "品牌"),
    "churn_feature_plan": ("Plan", "套餐"),
    "churn_feature_contract": ("Contract", "合约"),
    "churn_feature_payment_method": ("Payment method", "付费方式"),
    "churn_feature_province": ("Province", "省份"),
    "churn_feature_gender": ("Gender", "性别"),
    # Action list
    "actions_not_scored": ("Snapshot {snapshot} has no churn scores yet: train and score a model "
                           "on the Churn risk page first.",
                           "快照 {snapshot} 尚无流失评分：请先在“流失风险”页训练并评分。"),
    "actions_bands": ("Risk bands", "风险等级"),
    "actions_stages": ("Lifecycle stages", "生命周期阶段"),
    "actions_caption": ("Snapshot {snapshot} · scores of model #{model} · at most {limit} "
                        "customers, highest expected monthly loss first · rules version {version}",
                        "快照 {snapshot} · 模型 #{model} 的评分 · 最多 {limit} 名客户，按预计月损失从高到低 · 规则版本 {version}"),
    "actions_kpi_customers": ("Customers on the list", "名单客户数"),
    "actions_kpi_expected_loss": ("Expected monthly loss", "预计月损失"),
    "actions_kpi_expected_loss_help": ("Σ churn probability × latest-month spend of the listed "
                                       "customers (currency per month).",
                                       "名单客户的流失概率 × 最近一月消费之和（每月金额）。"),
    "actions_kpi_unassigned": ("Not assigned", "未分配"),
    "actions_kpi_unassigned_help": ("Customers beyond every account manager's capacity (see the "
                                    "rules' [churn_actions] managers).",
                                    "超出所有客户经理容量的客户（见规则 [churn_actions] 的 managers）。"),
    "actions_empty": ("No scored customer matches these filters.", "没有符合筛选条件的已评分客户。"),
    "actions_masked_note": ("Customer identifiers are masked on screen and in downloads. Every "
                            "download is recorded below.",
                            "客户标识在页面与下载文件中均已脱敏。每次下载都会记录在下方。"),
    "actions_shown_note": ("Your role shows customer identifiers in full, on screen and in "
                           "downloads. Every download is recorded below.",
                           "您的角色可查看完整客户标识（页面与下载文件）。每次下载都会记录在下方。"),
    "actions_plan_active": ("Showing the customers of the Offers ROI plan ({groups} tier × risk-decile "
                            "groups), each with the plan's offer; highest expected loss first.",
                            "显示维系优惠方案中的客户（{groups} 个星级 × 风险分位组），优惠按方案；预计损失从高到低。"),
    "actions_plan_clear": ("Back to the whole list", "返回完整名单"),
    "actions_download_csv": ("Download CSV", "下载 CSV"),
    "actions_download_xlsx": ("Download XLSX", "下载 XLSX"),
    "actions_log": ("Export log", "导出记录"),
    "actions_log_empty": ("Nothing has been exported yet.", "尚无导出记录。"),
    "actions_no_login": ("(no login yet)", "（尚无登录）"),
    "churn_band_high": ("High", "高"),
    "churn_band_medium": ("Medium", "中"),
    "churn_band_low": ("Low", "低"),
    "churn_stage_acquisition": ("Acquisition", "获取期"),
    "churn_stage_growth": ("Growth", "提升期"),
    "churn_stage_maturity": ("Maturity", "成熟期"),
    "churn_stage_decline": ("Decline", "衰退期"),
    "churn_stage_churned": ("Churned", "离网期"),
    "churn_action_onboarding": ("Welcome call: check the plan fits, explain the services",
                                "欢迎回访：确认套餐合适，介绍服务"),
    "churn_action_upsell": ("Spend incentive or upgrade (cross-sell, double points)",
                            "消费激励或升级（交叉销售、双倍积分）"),
    "churn_action_loyalty": ("Loyalty: tenure or points reward, bundle, privileges",
                             "忠诚回馈：网龄或积分奖励、捆绑、专属权益"),
    "churn_action_win_back": ("Retention offer: special tariff or gift, prevent downgrade",
                              "挽留优惠：专属资费或礼品，防止降档"),
    "churn_action_care": ("Care call first: follow up complaints or the bill",
                          "先关怀回访：跟进投诉或账单问题"),
    "churn_col_customer": ("Customer", "客户"),
    "churn_col_province": ("Province", "省份"),
    "churn_col_city": ("City", "地市"),
    "churn_col_district": ("District / grid", "区县/网格"),
    "churn_col_tier": ("Tier", "星级"),
    "churn_col_stage": ("Stage", "阶段"),
    "churn_col_probability": ("Churn probability", "流失概率"),
    "churn_col_band": ("Risk", "风险"),
    "churn_col_spend": ("Spend, latest month", "最近一月消费"),
    "churn_col_expected_loss": ("Expected monthly loss", "预计月损失"),
    "churn_col_reasons": ("Why (top drivers)", "原因（主要因素）"),
    "churn_col_action": ("Recommended action", "建议措施"),
    "churn_col_offer": ("Offer", "优惠"),
    "churn_col_manager": ("Account manager", "客户经理"),
}
