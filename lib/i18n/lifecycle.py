"""Strings of the lifecycle page and its lib modules."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page_lifecycle": ("Lifecycle", "生命周期"),
    "lifecycle_empty": ("No customer data yet. Import a snapshot on the Data page.",
                        "尚无客户数据。请在“数据”页导入快照。"),
    "lifecycle_caption": ("Snapshot {snapshot} · {snapshots} stored snapshots used for lifetimes · "
                          "rules version {version}",
                          "快照 {snapshot} · 生存时长取自 {snapshots} 个已存快照 · 规则版本 {version}"),
    "lifecycle_bad_churn_types": ("'{key}' must list churn types among: {allowed}.",
                                  "“{key}”须列出以下流失类型中的若干项：{allowed}。"),
    # churn definition
    "lifecycle_definition": ("Churn definition and exclusions", "流失口径与剔除规则"),
    "lifecycle_types": ("Counted as churn", "计为流失的类型"),
    "lifecycle_types_help": ("Churners of other types are treated as still at risk until they "
                             "left (censored), not as churned.",
                             "其他类型的流失客户按截尾处理（离网前视为仍在观察中），不计为流失。"),
    "lifecycle_exclude_involuntary": ("Leave out involuntary churn (suspended for non-payment)",
                                      "剔除被动离网（欠费停机）"),
    "lifecycle_exclude_tenure": ("Leave out customers under {months:g} months of tenure",
                                 "剔除在网不足 {months:g} 个月的客户"),
    "lifecycle_exclude_group_paid": ("Leave out group-paid lines", "剔除集团统付号码"),
    "lifecycle_value_drop": ("Value decline: spend drop of at least", "价值下降：消费降幅不低于"),
    "lifecycle_value_drop_help": ("Active customers whose spend (last three months against the "
                                  "three before) fell by at least this share are shown as value "
                                  "decliners in the churn-types view.",
                                  "近三个月消费较前三个月下降达到该比例的在网客户，在“流失类型”中显示为价值下降客户。"),
    "lifecycle_exclusions_on": ("Left out of the churn analysis on this page: {items}.",
                                "本页流失分析已剔除：{items}。"),
    "lifecycle_exclusions_tenure": (" Under the tenure exclusion, survival and cohort retention "
                                    "are of the customers who stayed {months:g} months, from "
                                    "month {months:g} on; customer value counts every customer "
                                    "from joining.",
                                    "剔除在网不足 {months:g} 个月的客户时，生存分析与批次留存仅针对在网满 "
                                    "{months:g} 个月的客户，自第 {months:g} 个月起计算；客户价值仍按全部客户自入网起计算。"),
    "lifecycle_exclusions_none": ("No exclusions: every customer is in the analysis base.",
                                  "未剔除任何客户。"),
    "lifecycle_excl_involuntary": ("involuntary churn", "被动离网"),
    "lifecycle_excl_tenure": ("tenure under {months:g} months", "在网不足 {months:g} 个月"),
    "lifecycle_excl_group_paid": ("group-paid lines", "集团统付号码"),
    "lifecycle_no_types": ("Pick at least one churn type.", "请至少选择一种流失类型。"),
    # churn types
    "lifecycle_type_switch": ("Switching operator", "转网"),
    "lifecycle_type_downgrade": ("Brand downgrade", "品牌降档"),
    "lifecycle_type_value_decline": ("Value decline", "价值下降"),
    "lifecycle_type_involuntary": ("Involuntary", "被动离网"),
    "lifecycle_type_unknown": ("Unknown (churn flag only)", "未知（仅有流失标志）"),
    # tabs
    "lifecycle_tab_stages": ("Stages", "生命周期阶段"),
    "lifecycle_tab_cohorts": ("Cohort retention", "入网批次留存"),
    "lifecycle_tab_survival": ("Survival", "生存分析"),
    "lifecycle_tab_value": ("Projection and CLV", "留存预测与客户价值"),
    "lifecycle_tab_churn": ("Churn types and reasons", "流失类型与原因"),
    # stages
    "lifecycle_stage_acquisition": ("Acquisition", "获取期"),
    "lifecycle_stage_growth": ("Growth", "提升期"),
    "lifecycle_stage_maturity": ("Maturity", "成熟期"),
    "lifecycle_stage_decline": ("Decline", "衰退期"),
    "lifecycle_stage_churned": ("Churned", "离网期"),
    "lifecycle_stage_rules": ("Stage rules (rules version {version}), applied in this order: churned "
                              "→ acquisition (tenure under {acq:g} months) → decline (spend trend "
                              "at or below {trend:.0%}, at least {complaints} complaints{usage}) → "
                              "maturity (tenure {mature:g}+ months) → growth (the rest). Edit them "
                              "on the Data page.",
                              "阶段规则（规则版本 {version}），按顺序判定：离网 → 获取期（在网不足 {acq:g} 个月）"
                              "→ 衰退期（消费趋势不高于 {trend:.0%}、投诉不少于 {complaints} 次{usage}）→ 成熟期（在网 "
                              "{mature:g} 个月及以上）→ 提升期（其余）。可在“数据”页修改。"),
    "lifecycle_stage_count": ("{stage}: {customers} customers ({share})", "{stage}：{customers} 位客户（{share}）"),
    "lifecycle_playbook_acquisition": (
        "Aim: raise stickiness from the first months. Check the plan fits the usage, welcome "
        "and first-bill care, bundle early (family or group plan, social circle / VPN). "
        "Customers under 3 months are left out of churn analysis (joined for a promotion).",
        "目标：入网初期提升粘性。核对套餐与使用是否匹配，做好欢迎与首月账单关怀，尽早捆绑（家庭/集团套餐、"
        "亲情圈/VPN）。在网不足 3 个月的客户（促销入网）不纳入流失分析。"),
    "lifecycle_playbook_growth": (
        "Spend incentives (discount above a spend level, cash-back); cross-sell and upsell of "
        "services; activity campaigns; brand migration (prepaid → premium brand); double points "
        "for a minimum spend; minimum-spend plans to prevent downgrade.",
        "消费激励（达到消费额度给予折扣、返现）；业务交叉销售与升级销售；营销活动；品牌迁移（预付费 → "
        "高端品牌）；达到最低消费给予双倍积分；保底消费套餐以防降档。"),
    "lifecycle_playbook_maturity": (
        "Bundling (services, social circle / VPN, handset for prepaid spend, prepaid credit "
        "bonus, family and group plans); points rewards; tenure rewards (tenure-based discount "
        "on the bill or top-ups); credit-based service (overdraft by credit grade); brand "
        "privileges; exclusive services.",
        "捆绑（业务、亲情圈/VPN、预存话费送手机、预存赠费、家庭及集团套餐）；积分回馈；网龄回馈（按网龄"
        "给予账单或充值优惠）；信用服务（按信用等级给予透支额度）；品牌特权；专属服务。"),
    "lifecycle_playbook_decline": (
        "Special tariffs for price-sensitive customers; gifts (ring-back tones, free MMS); "
        "complaint follow-up care (weak-coverage care, bill-anomaly alerts).",
        "为价格敏感客户提供特惠资费；赠送礼品（彩铃、免费彩信）；投诉回访关怀（弱覆盖关怀、账单异常提醒）。"),
    "lifecycle_playbook_churned": (
        "Win-back: tenure rewards, points rewards, bundling again. Retain only where the saved "
        "value exceeds the cost; involuntary churners (non-payment) are not to be retained.",
        "挽回：网龄回馈、积分回馈、重新捆绑。仅在挽回价值高于成本时挽留；欠费停机的被动离网客户不予挽留。"),
    "lifecycle_chart_stage_tier": ("Customers per lifecycle stage and tier",
                                   "各生命周期阶段与星级的客户数"),
    "lifecycle_customers": ("Customers", "客户数"),
    "lifecycle_playbook": ("Playbook", "维系策略"),
    # cohorts
    "lifecycle_cohort_dimension": ("Show cohorts for", "批次范围"),
    "lifecycle_cohort_value": ("Value", "取值"),
    "lifecycle_dimension_none": ("All customers", "全部客户"),
    "lifecycle_chart_cohorts": ("Share of each join cohort still active, by month of life",
                                "各入网批次按在网月数的留存比例"),
    "lifecycle_cohort_hover": ("Joined %{y}, month %{x}: %{z:.1%} still active "
                               "(%{customdata[0]:,} of %{customdata[1]:,})",
                               "%{y} 入网，第 %{x} 个月：%{z:.1%} 仍在网（%{customdata[1]:,} 人中 %{customdata[0]:,} 人）"),
    "lifecycle_share_active": ("Still active", "仍在网"),
    "lifecycle_months_since_join": ("Month of life (1 = the joining month)", "在网月数（1 = 入网当月）"),
    "lifecycle_join_month": ("Join month", "入网月份"),
    "lifecycle_cohort_note": ("Cells after the snapshot are blank: those months are not observed "
                              "yet (censored), not zero. Month 1 is the joining month. Only "
                              "cohorts that joined while snapshots were stored are shown when "
                              "there are several snapshots.",
                              "快照之后的单元格为空：这些月份尚未观察到（截尾），并非为零。第 1 个月为入网当月。"
                              "存有多个快照时，仅显示在快照期内入网的批次。"),
    "lifecycle_chart_cohorts_conditional": (
        "Share of each join cohort's customers who stayed {months} months still active, by "
        "month of life",
        "各入网批次中在网满 {months} 个月的客户按在网月数的留存比例"),
    "lifecycle_not_applicable_short": ("n/a", "不适用"),
    "lifecycle_cohort_not_applicable": (
        "not applicable (the table follows the customers who stayed {months} months)",
        "不适用（本表跟踪在网满 {months} 个月的客户）"),
    "lifecycle_cohort_note_conditional": (
        " Under the tenure exclusion each cohort is its customers who stayed {months} months "
        "(month {months} is 100 % by construction); earlier months are not applicable (n/a), "
        "not 100 %.",
        "剔除在网不足 {months} 个月的客户时，每个批次仅含在网满 {months} 个月的客户（第 {months} 个月按定义为 "
        "100 %）；此前各月不适用（不适用），并非 100 %。"),
    "lifecycle_no_cohorts": ("No join cohort in the chosen window.", "所选时间范围内没有入网批次。"),
    "lifecycle_download_cohorts": ("Download the cohort table (CSV)", "下载批次留存表（CSV）"),
    # survival
    "lifecycle_survival_dimension": ("Survival by", "分组维度"),
    "lifecycle_dim_tier": ("Tier", "星级"),
    "lifecycle_dim_stage": ("Lifecycle stage", "生命周期阶段"),
    "lifecycle_dim_province": ("Province", "省份"),
    "lifecycle_dim_city": ("City", "城市"),
    "lifecycle_dim_brand": ("Brand", "品牌"),
    "lifecycle_dim_plan": ("Plan", "套餐"),
    "lifecycle_dim_contract": ("Contract", "合约"),
    "lifecycle_dim_payment_method": ("Payment method", "付费方式"),
    "lifecycle_dim_gender": ("Gender", "性别"),
    "lifecycle_all_customers": ("All customers", "全部客户"),
    "lifecycle_chart_survival": ("Kaplan–Meier survival with 95 % confidence bands",
                                 "Kaplan–Meier 生存曲线（95% 置信带）"),
    "lifecycle_chart_survival_conditional": (
        "Kaplan–Meier retention of customers who stayed {months} months (from month {months}), "
        "with 95 % confidence bands",
        "在网满 {months} 个月客户的 Kaplan–Meier 留存曲线（自第 {months} 个月起，95% 置信带）"),
    "lifecycle_survival_origin": ("stayed {months} months", "在网满 {months} 个月"),
    "lifecycle_km_hover": ("month %{x}: %{y:.1%} surviving (95 % CI %{customdata[0]:.1%}–"
                           "%{customdata[1]:.1%}; %{customdata[2]:,.0f} at risk)",
                           "第 %{x} 个月：存活 %{y:.1%}（95% 置信区间 %{customdata[0]:.1%}–"
                           "%{customdata[1]:.1%}；风险集 %{customdata[2]:,.0f} 人）"),
    "lifecycle_survival": ("Share still a customer", "仍在网比例"),
    "lifecycle_col_group": ("Group", "分组"),
    "lifecycle_col_customers": ("Customers", "客户数"),
    "lifecycle_col_churners": ("Churners", "流失数"),
    "lifecycle_col_median": ("Median lifetime (months)", "中位在网时长（月）"),
    "lifecycle_col_customers_conditional": ("Customers who stayed {months} months",
                                            "在网满 {months} 个月的客户数"),
    "lifecycle_col_median_conditional": ("Median lifetime (months; of those who stayed {months})",
                                         "中位在网时长（月；在网满 {months} 个月者）"),
    "lifecycle_median_beyond": ("beyond the data", "超出观测范围"),
    "lifecycle_survival_note": ("Lifetimes come from each customer's last row up to the chosen "
                                "snapshot; customers who joined before the first stored "
                                "snapshot enter the risk set when observation began (left "
                                "truncation). With a single snapshot the file is read as a "
                                "cross-section.",
                                "在网时长取自截至所选快照的每位客户最后一条记录；首个快照之前入网的客户自观察开始时"
                                "进入风险集（左截断）。仅有一个快照时按横截面数据处理。"),
    "lifecycle_survival_note_conditional": (
        " Under the tenure exclusion the curves are conditional: each customer who stayed "
        "{months} months enters the risk set at month {months}, where the curve starts at 100 %; "
        "those who left earlier are out, not counted as retained. Turn the exclusion off for the "
        "survival of every new customer.",
        "剔除在网不足 {months} 个月的客户时，曲线为条件生存：在网满 {months} 个月的客户自第 {months} 个月起进入风险集，"
        "曲线在该月从 100 % 开始；更早离网的客户不纳入，而非计为留存。关闭该剔除规则即可查看全部新客户的生存情况。"),
    "lifecycle_logrank": ("Log-rank test between two groups", "两组间的 Log-rank 检验"),
    "lifecycle_group_a": ("Group A", "A 组"),
    "lifecycle_group_b": ("Group B", "B 组"),
    "lifecycle_logrank_result": ("χ² = {statistic:.2f} (1 degree of freedom), p {p}. {verdict}",
                                 "χ² = {statistic:.2f}（自由度 1），p {p}。{verdict}"),
    "lifecycle_logrank_differ": ("The survival of the two groups differs at the 5 % level.",
                                 "两组生存在 5% 水平上存在显著差异。"),
    "lifecycle_logrank_same": ("No significant difference at the 5 % level.",
                               "在 5% 水平上无显著差异。"),
    "lifecycle_logrank_need_two": ("Pick two different groups.", "请选择两个不同的分组。"),
    "lifecycle_no_lifetimes": ("No customers in the analysis base for these filters.",
                               "在当前筛选条件下分析范围内没有客户。"),
    # projection and value
    "lifecycle_margin": ("Margin on spend", "消费毛利率"),
    "lifecycle_margin_help": ("Share of a customer's six-month average spend that is margin.",
                              "客户近六个月平均消费中毛利所占比例。"),
    "lifecycle_discount": ("Yearly discount rate", "年折现率"),
    "lifecycle_discount_help": ("Converted to a monthly rate: (1 + r)^(1/12) − 1.",
                                "折算为月折现率：(1 + r)^(1/12) − 1。"),
    "lifecycle_chart_projection": ("Retention projected by the shifted-beta-geometric model (lines) "
                                   "against observed survival (circles)",
                                   "sBG 模型预测的留存（线）与实际生存（圆点）"),
    "lifecycle_sbg_hover": ("month %{x}: %{y:.1%} projected", "第 %{x} 个月：预测 %{y:.1%}"),
    "lifecycle_observed_hover": ("month %{x}: %{y:.1%} observed", "第 %{x} 个月：实际 %{y:.1%}"),
    "lifecycle_chart_clv": ("Customer value per tier (discounted margin)",
                            "各星级客户价值（折现毛利）"),
    "lifecycle_clv_new": ("New customer (CLV)", "新客户（CLV）"),
    "lifecycle_clv_residual": ("Active customer today (residual value)", "当前在网客户（剩余价值）"),
    "lifecycle_currency": ("Currency", "金额"),
    "lifecycle_value_note": ("sBG (Fader & Hardie 2007) fitted per tier by maximum likelihood to "
                             "the tier's lifetimes; value per Fader & Hardie (2010): margin per "
                             "month × discounted expected (residual) lifetime. Monthly discount "
                             "rate {discount:.3%}. A tier with fewer than {min_customers} customers, "
                             "no churner, or a fit that ends at the optimiser's bound is not "
                             "identifiable: its value is the simple CLV at its observed churn "
                             "(hatched bars).",
                             "按星级以最大似然对在网时长拟合 sBG 模型（Fader & Hardie 2007）；客户价值按 Fader & "
                             "Hardie (2010)：月毛利 × 折现期望（剩余）在网时长。月折现率 {discount:.3%}。"
                             "客户少于 {min_customers} 人、无流失或拟合停在优化边界的星级不可识别："
                             "其价值改用按实际流失率计算的简易 CLV（斜线柱）。"),
    "lifecycle_tier_not_identifiable": ("{tier} (observed only)", "{tier}（仅实际）"),
    "lifecycle_not_identifiable": ("{tier}: retention is not identifiable from the data — {reason}. "
                                   "Its value here is the simple CLV at the tier's observed churn "
                                   "of {churn} a month (churners per customer-month): margin × "
                                   "(1 + d) / (d + churn) = {value} per active customer; Offers ROI "
                                   "uses the simple CLV at its churn rate for the tier too.",
                                   "{tier}：无法从数据识别留存——{reason}。本页其价值改用按该星级实际月流失率 "
                                   "{churn}（流失人数 / 客户月）计算的简易 CLV：毛利 × (1 + d) / (d + 流失率) "
                                   "= 每位在网客户 {value}；优惠 ROI 页对该星级同样按其流失率使用简易 CLV。"),
    "lifecycle_not_identifiable_no_value": ("{tier}: retention is not identifiable from the data — "
                                            "{reason}; no fallback value either (no customer-months "
                                            "observed, or no churn and no discount).",
                                            "{tier}：无法从数据识别留存——{reason}；也无法给出替代价值"
                                            "（无观测客户月，或既无流失也无折现）。"),
    "lifecycle_status_fitted": ("sBG fit", "sBG 拟合"),
    "lifecycle_status_no_lifetimes": ("no customer lifetimes", "无客户在网记录"),
    "lifecycle_status_too_few_customers": ("fewer customers than the minimum for a fit",
                                           "客户数少于拟合所需最少人数"),
    "lifecycle_status_no_churners": ("no churner in the tier, so nothing shows how fast it "
                                     "churns", "该星级无流失客户，无从得知流失速度"),
    "lifecycle_status_at_bound": ("the maximum-likelihood fit ran to the optimiser's bound "
                                  "(γ or δ near e^12): the data cannot tell varied from uniform "
                                  "churn rates", "最大似然拟合停在优化边界（γ 或 δ 接近 e^12）：数据无法区分流失率"
                                  "是否因人而异"),
    "lifecycle_status_not_converged": ("the fit did not converge", "拟合未收敛"),
    "lifecycle_col_source": ("Value from", "价值来源"),
    "lifecycle_source_sbg": ("sBG fit", "sBG 拟合"),
    "lifecycle_source_simple": ("simple CLV (not identifiable)", "简易 CLV（不可识别）"),
    "lifecycle_source_none": ("no value", "无价值"),
    "lifecycle_col_observed_churn": ("Observed churn / month", "实际月流失率"),
    "lifecycle_value_unconditional": (
        " Values count every customer from joining, including those who left within {months:g} "
        "months: the tenure exclusion is for the churn analysis, not for the value of a new "
        "customer.",
        "客户价值按全部客户自入网起计算，包括在网不足 {months:g} 个月即离网的客户：在网时长剔除规则用于流失分析，"
        "不用于新客户价值。"),
    "lifecycle_col_tier": ("Tier", "星级"),
    "lifecycle_col_gamma": ("γ", "γ"),
    "lifecycle_col_delta": ("δ", "δ"),
    "lifecycle_col_active": ("Active customers", "在网客户数"),
    "lifecycle_col_spend": ("Avg spend / month", "月均消费"),
    "lifecycle_col_margin": ("Margin / month", "月毛利"),
    "lifecycle_col_lifetime": ("Discounted lifetime, new (months)", "新客户折现在网时长（月）"),
    "lifecycle_col_derl": ("Discounted residual lifetime, active (months)", "在网客户折现剩余时长（月）"),
    "lifecycle_col_clv_new": ("CLV, new customer", "新客户 CLV"),
    "lifecycle_col_clv_residual": ("Residual value per active customer", "每位在网客户剩余价值"),
    "lifecycle_col_residual_total": ("Residual value of the tier", "星级剩余总价值"),
    "lifecycle_download_value": ("Download customer value per tier (CSV)", "下载各星级客户价值（CSV）"),
    # churn breakdown
    "lifecycle_chart_types": ("Churners this snapshot by type", "本期流失客户按类型"),
    "lifecycle_chart_reasons": ("Churners counted by the definition, by reason",
                                "按口径计入的流失客户按原因"),
    "lifecycle_counted": ("In the analysis base", "纳入分析"),
    "lifecycle_excluded": ("Left out by the exclusions", "被剔除"),
    "lifecycle_no_churners": ("No churners in this snapshot.", "本期没有流失客户。"),
    "lifecycle_no_reasons": ("The data carries no churn reasons.", "数据中没有流失原因。"),
    "lifecycle_value_decline_title": ("Value decline by ARPU: active customers whose spend fell by "
                                      "{share:.0%} or more", "按 ARPU 的价值下降：消费降幅达 {share:.0%} 及以上的在网客户"),
    "lifecycle_col_value_declined": ("Value decliners", "价值下降客户数"),
    "lifecycle_col_value_declined_share": ("Share of active", "占在网比例"),
    # funnel per join cohort
    "lifecycle_tab_funnel": ("Funnel by join cohort", "入网批次漏斗"),
    "lifecycle_bad_period": ("'{key}' must be one of: {allowed}.", "“{key}”须为以下之一：{allowed}。"),
    "lifecycle_step_acquired": ("Acquired", "新入网"),
    "lifecycle_step_survived": ("Survived {months} months", "留存满 {months} 个月"),
    "lifecycle_step_grew": ("Grew (tier or spend up)", "成长（星级或消费提升）"),
    "lifecycle_step_mature": ("Mature ({months}+ months)", "成熟（{months} 个月以上）"),
    "lifecycle_step_active": ("Still active", "仍在网"),
    "lifecycle_chart_funnel_heatmap": ("Step conversion per join cohort (share of the previous step)",
                                       "各入网批次的逐步转化率（占上一步比例）"),
    "lifecycle_chart_funnel": ("Funnel of the chosen cohorts (share of the acquired)",
                               "所选批次的漏斗（占新入网比例）"),
    "lifecycle_funnel_step": ("Step", "步骤"),
    "lifecycle_join_cohort": ("Join cohort", "入网批次"),
    "lifecycle_step_conversion": ("Step conversion", "逐步转化率"),
    "lifecycle_share_of_acquired": ("Share of the acquired", "占新入网比例"),
    "lifecycle_not_observable": ("not yet observable (the cohort is too young)",
                                 "尚不可观察（批次入网时间太短）"),
    "lifecycle_funnel_hover": ("%{y} · %{x}: %{z:.1%} of the previous step<br>%{customdata[0]:,} "
                               "customers, %{customdata[1]} of the acquired",
                               "%{y} · %{x}：占上一步 %{z:.1%}<br>%{customdata[0]:,} 位客户，占新入网 %{customdata[1]}"),
    "lifecycle_funnel_bar_hover": ("%{x}: %{customdata[0]:,} customers, %{y:.1%} of the acquired, "
                                   "%{customdata[1]} of the previous step",
                                   "%{x}：%{customdata[0]:,} 位客户，占新入网 %{y:.1%}，占上一步 %{customdata[1]}"),
    "lifecycle_funnel_dimension": ("Funnel for", "漏斗范围"),
    "lifecycle_funnel_cohorts": ("Cohorts in the bar chart", "柱状图中的批次"),
    "lifecycle_period_month": ("monthly cohorts", "按月分批"),
    "lifecycle_period_quarter": ("quarterly cohorts", "按季度分批"),
    "lifecycle_period_year": ("yearly cohorts", "按年分批"),
    "lifecycle_funnel_note": (
        "{period}. Each step is a subset of the one before: survived = completed {survival} months "
        "as a customer; grew = at the end of month {growth_months} (or at churn, if earlier) a higher "
        "star tier or a six-month average spend at least {growth:.0%} above the one at the end of "
        "those {survival} months; "
        "mature = {mature}+ months; still active = active in this snapshot. Grey cells (–) are not "
        "yet observable: the cohort's youngest joiners are too new, or the data has no snapshot "
        "from their early months (growth needs one), so they are not 0 %. The minimum-tenure "
        "exclusion does not apply here; churners of types not counted are left out. Rules: "
        "[lifecycle_analysis] funnel_* and [lifecycle] maturity_min_tenure_months.",
        "{period}。每一步都是上一步的子集：留存 = 已在网满 {survival} 个月；成长 = 在网第 {growth_months} 个月末"
        "（或更早离网时）星级提升，或近六月平均消费比满 {survival} 个月时高出至少 {growth:.0%}；成熟 = 在网 {mature} 个月以上；"
        "仍在网 = 本快照在网。灰色格（–）表示尚不可观察：该批次最晚入网的客户时间太短，或数据中没有其早期月份的"
        "快照（成长需要），并非 0 %。此处不适用在网时长剔除规则；未计入口径的流失类型不纳入。规则："
        "[lifecycle_analysis] funnel_* 与 [lifecycle] maturity_min_tenure_months。"),
    "lifecycle_no_funnel": ("No customers joined in the funnel's months.", "漏斗覆盖的月份内没有新入网客户。"),
    "lifecycle_download_funnel": ("Download the funnel (CSV)", "下载漏斗（CSV）"),
    "lifecycle_dim_attribute": ("{name} (file column)", "{name}（文件列）"),
    "rules_bad_usage_columns": ("'{key}' must list usage columns among: {allowed}.",
                                "“{key}”须列出以下用量字段中的若干项：{allowed}。"),
    "lifecycle_stage_rules_usage": (", or usage trend at or below {usage:.0%} against {months} months "
                                    "earlier ({columns})",
                                    "，或用量趋势较 {months} 个月前不高于 {usage:.0%}（{columns}）"),
}
