"""Strings of the segments page and its lib modules."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page_segments": ("Segments", "客户细分"),
    "seg_window_unknown": ("The churn flag's window of snapshot {snapshot} is unknown, so no "
                           "monthly churn rate or revenue at risk is shown (–): a churn share "
                           "over an unknown period is no rate per month. Import the file again on "
                           "the Data page with its churn window to get them.",
                           "快照 {snapshot} 的流失标志观察期未知，因此不显示月流失率和风险收入（–）：未知期间的流失占比"
                           "不是月流失率。请在“数据”页重新导入该文件并选择观察期。"),
    "seg_caption": ("Snapshot {snapshot} · rules version {version} · revenue is the latest month's "
                    "spend of active customers; churn is a monthly rate after the rules' exclusions.",
                    "快照 {snapshot} · 规则版本 {version} · 收入为在网客户最近一月消费；流失率为按规则剔除后的月流失率。"),
    "seg_empty": ("Import a snapshot on the Data page to see segments.",
                  "请先在数据页面导入快照，再查看客户细分。"),
    "seg_tab_value": ("Value", "价值分层"),
    "seg_tab_rfm": ("RFM", "RFM"),
    "seg_tab_clusters": ("Behaviour", "行为聚类"),
    "seg_tab_geography": ("Geography", "地域"),
    "seg_tab_migration": ("Tier migration", "星级迁移"),
    "seg_download": ("Download CSV", "下载 CSV"),
    # value
    "seg_tier_rules": ("Tiers by six-month average spend from {bounds}; six star: previous-year points "
                       "≥ {points}{key_person}.",
                       "按近六个月平均消费分级，下限 {bounds}；六星：上年积分 ≥ {points}{key_person}。"),
    "seg_tier_rules_key_person": (" or group key person", "或集团关键人"),
    "seg_top_share": ("Top share of customers", "头部客户占比"),
    "seg_top_result": ("The top {customers} of active customers bring {revenue} of revenue.",
                       "前 {customers} 的在网客户贡献了 {revenue} 的收入。"),
    "seg_dimension": ("Cross tiers with", "星级交叉维度"),
    "seg_dimension_none": ("This snapshot has no brand, plan, contract or payment method to cross "
                           "tiers with.", "本快照没有品牌、套餐、合约或付费方式字段，无法与星级交叉。"),
    "seg_dim_brand": ("Brand", "品牌"),
    "seg_dim_plan": ("Plan", "套餐"),
    "seg_dim_contract": ("Contract", "合约"),
    "seg_dim_payment_method": ("Payment method", "付费方式"),
    "seg_customer_share": ("Share of customers", "客户占比"),
    "seg_revenue_share": ("Share of revenue", "收入占比"),
    "seg_active": ("Active", "在网"),
    "seg_revenue": ("Revenue", "收入"),
    "seg_customers": ("Customers", "客户数"),
    "seg_arpu": ("ARPU", "ARPU"),
    "seg_arpu_axis": ("Latest-month spend (log scale)", "最近一月消费（对数刻度）"),
    "seg_churn": ("Monthly churn", "月流失率"),
    "seg_chart_tier_value": ("Customers and revenue by tier", "各星级客户与收入占比"),
    "seg_chart_tier_dimension": ("Active customers by tier × {dimension}", "各星级 × {dimension} 在网客户数"),
    "seg_chart_arpu": ("ARPU by tier", "各星级 ARPU 分布"),
    "seg_arpu_note": ("Box: quartiles; whiskers: 10th–90th percentile; dashed: mean. Quantiles are "
                      "read off spend bands (within about ±7 %).",
                      "箱体：四分位；须线：第 10–90 百分位；虚线：均值。分位数按消费档位估算（误差约 ±7%）。"),
    "seg_col_customer": ("Customer", "客户"),
    "seg_col_district": ("District / grid", "区县/网格"),
    "seg_col_from_tier": ("Tier before", "原星级"),
    "seg_col_to_tier": ("Tier now", "现星级"),
    "seg_col_spend_from": ("6-month avg spend before", "原近六月均消费"),
    "seg_col_spend_to": ("6-month avg spend now", "现近六月均消费"),
    "seg_col_loss": ("Loss per month", "月均降幅"),
    "seg_col_spend_m1": ("Latest-month spend", "最近一月消费"),
    "seg_col_revenue_from": ("Revenue before", "原收入"),
    "seg_col_revenue_to": ("Revenue now", "现收入"),
    "seg_col_revenue_change": ("Revenue change", "收入变化"),
    "seg_col_tier": ("Tier", "星级"),
    "seg_col_value": ("Value", "取值"),
    "seg_col_mean": ("Mean {feature}", "平均{feature}"),
    # RFM
    "seg_rfm_note": ("Scores 1–5 (5 best). Recency = months since the latest month with spend: 5 = the "
                     "latest month, 4 = one month before, 3 = two, 2 = three, 1 = four or more (or no "
                     "spend in the six). Frequency (months with spend in the last six) and monetary "
                     "(six-month average spend) are quintiles within the whole snapshot; tied "
                     "customers share a score. FM = ⌊(F + M) / 2⌋.",
                     "评分 1–5（5 最好）。R = 距最近有消费月份的月数：5 = 最近一月，4 = 前一个月，3 = 两个月前，"
                     "2 = 三个月前，1 = 四个月及以上（或六个月内无消费）。F（近六个月有消费的月数）与 M（近六个月"
                     "平均消费）为全快照内的五分位，取值相同的客户得分相同。FM = ⌊(F + M) / 2⌋。"),
    "seg_rfm_undivided": ("{dimension} does not separate these customers: {share:.0%} of them have "
                          "score {score}, so the segments differ by the other scores only.",
                          "{dimension}对所选客户无区分度：{share:.0%} 的客户得分均为 {score}，"
                          "细分只由其余评分区分。"),
    "seg_rfm_dim_recency": ("Recency", "R（最近消费）"),
    "seg_rfm_dim_frequency": ("Frequency", "F（消费频次）"),
    "seg_rfm_dim_monetary": ("Monetary", "M（消费金额）"),
    "seg_axis_recency": ("Recency score (5 = most recent)", "R 分（5 = 最近）"),
    "seg_axis_fm": ("Frequency-monetary score", "FM 分"),
    "seg_chart_rfm_grid": ("Customers by recency × frequency-monetary score",
                           "按 R × FM 评分的客户分布"),
    "seg_chart_rfm_segments": ("RFM segments: customers and monthly churn", "RFM 细分：客户数与月流失率"),
    "seg_col_segment": ("Segment", "细分"),
    # clusters
    "seg_k": ("Number of clusters", "聚类数"),
    "seg_k_auto": ("Best silhouette", "按轮廓系数自动"),
    "seg_cluster_note": ("k-means on {features} (ln(1 + x), standardised), fitted on {rows:,} customers "
                         "of the snapshot; k = {k}{how}. Every customer is labelled in the database "
                         "by the nearest centroid.",
                         "对 {features}（取 ln(1 + x) 后标准化）做 k-means，用本快照 {rows:,} 位客户拟合；"
                         "k = {k}{how}。全量客户由数据库按最近的质心打标签。"),
    "seg_cluster_how_auto": (" (best silhouette {score:.2f})", "（轮廓系数最佳 {score:.2f}）"),
    "seg_cluster_how_manual": (" (chosen)", "（手动指定）"),
    "seg_clusters_unavailable": ("Behavioural clusters need at least two usage columns ({features}) "
                                 "with values for most customers; this snapshot does not have them.",
                                 "行为聚类至少需要两个大多数客户都有值的使用量字段（{features}）；本快照不满足。"),
    "seg_chart_cluster_profile": ("Cluster profiles (centroid, standard deviations from the average)",
                                  "聚类画像（质心，偏离平均的标准差）"),
    "seg_chart_cluster_tiers": ("Customers per cluster by tier", "各聚类的星级构成"),
    "seg_col_cluster": ("Cluster", "聚类"),
    "seg_cluster_heavy": ("{features}-heavy", "{features}偏好型"),
    "seg_cluster_and": (" & ", "+"),
    "seg_cluster_light": ("Light users", "低使用量用户"),
    "seg_cluster_all_round": ("Heavy all-round users", "全面高使用用户"),
    "seg_cluster_average": ("Average users", "中等使用用户"),
    "seg_feature_data_gb": ("data", "流量"),
    "seg_feature_voice_minutes": ("voice", "语音"),
    "seg_feature_outgoing_calls": ("outgoing calls", "主叫"),
    "seg_feature_sms": ("SMS", "短信"),
    "seg_feature_roaming": ("roaming", "漫游"),
    "seg_feature_spend_avg_6m": ("spend", "消费"),
    "seg_feature_spend_m1": ("latest spend", "当月消费"),
    "seg_feature_tenure_months": ("tenure", "网龄"),
    "seg_feature_points": ("points", "积分"),
    "seg_feature_service_calls": ("service calls", "客服来电"),
    "seg_feature_complaints": ("complaints", "投诉"),
    # geography
    "seg_metric": ("Colour by", "着色指标"),
    "seg_metric_active": ("Customers", "在网客户数"),
    "seg_metric_vip_share": ("VIP share", "VIP 占比"),
    "seg_metric_monthly_churn": ("Churn rate", "流失率"),
    "seg_metric_arpu": ("ARPU", "ARPU"),
    "seg_metric_revenue_at_risk": ("Revenue at risk", "风险收入"),
    "seg_chart_tiles": ("{metric} by province (equal-area tiles)", "各省{metric}（等面积方块图）"),
    "seg_chart_ranked": ("{metric} by region, ranked", "各地区{metric}排名"),
    "seg_chart_choropleth": ("{metric} by province", "各省{metric}"),
    "seg_geo_no_layout": ("These regions have no tile layout, so they are ranked instead.",
                          "这些地区没有方块布局，改为排名显示。"),
    "seg_geo_unplaced": ("Not on the tile map: {areas}.", "未在方块图中显示：{areas}。"),
    "seg_geo_none": ("This selection has no province or state.", "所选数据没有省份/州字段。"),
    "seg_geo_risk_note": ("Revenue at risk: the region's revenue × expected losses over {months} months "
                          "at its own observed monthly churn.",
                          "风险收入：按各地区自身观测月流失率，估算未来 {months} 个月的收入损失。"),
    "seg_drill_province": ("Province", "省份"),
    "seg_drill_city": ("City", "城市"),
    "seg_drill_all": ("(all cities)", "（全部城市）"),
    "seg_col_area": ("Area", "地区"),
    "seg_col_rank": ("Rank", "排名"),
    "seg_bad_geojson": ("The GeoJSON file {path} could not be used ({detail}); the tile map is shown "
                        "instead.", "GeoJSON 文件 {path} 无法使用（{detail}），改为显示方块图。"),
    "segments_bad_geojson": ("The GeoJSON file {path} named by RETENTION_GEOJSON could not be used "
                             "({detail}). Fix the file or unset the variable.",
                             "RETENTION_GEOJSON 指定的 GeoJSON 文件 {path} 无法使用（{detail}）。请修正文件或取消该变量。"),
    # migration
    "seg_from_snapshot": ("From snapshot", "起始快照"),
    "seg_to_snapshot": ("To snapshot: {date} (the sidebar's)", "目标快照：{date}（侧边栏所选）"),
    "seg_migration_single": ("Tier migration needs an earlier snapshot than {date}.",
                             "星级迁移需要早于 {date} 的快照。"),
    "seg_migration_note": ("Customers active in {start}, by their tier then and in {end}; churned = "
                           "flagged churned in {end} or missing from it. Filters select the {start} rows.",
                           "{start} 在网客户按当时星级与 {end} 星级对比；流失 = {end} 标记流失或已不在快照中。"
                           "筛选条件作用于 {start} 的数据。"),
    "seg_sankey_measure": ("Flow by", "流量口径"),
    "seg_chart_sankey_customers": ("Tier moves (customers)", "星级迁移（客户数）"),
    "seg_chart_sankey_revenue": ("Tier moves (revenue in the first snapshot)", "星级迁移（起始快照收入）"),
    "seg_chart_moves": ("Revenue change by move", "各类迁移的收入变化"),
    "seg_move_up": ("Up", "升级"),
    "seg_move_same": ("Same", "不变"),
    "seg_move_down": ("Down", "降级"),
    "seg_move_churned": ("Churned", "流失"),
    "seg_col_move": ("Move", "迁移"),
    "seg_watch_title": ("Downgrade watch list", "降级预警名单"),
    "seg_watch_note": ("Customers still active whose tier dropped, largest loss of six-month average "
                       "spend first (at most {limit}). Make sure they do not downgrade further.",
                       "仍在网但星级下降的客户，按近六个月平均消费降幅从大到小（最多 {limit} 位）。防止其继续降级。"),
    "seg_watch_empty": ("No customer dropped a tier.", "没有客户降级。"),
    # rules
    "segments_bad_range": ("Rules: {key} must be two scores from 1 to 5, low first.",
                           "规则：{key} 必须是 1 到 5 之间的两个分数，小的在前。"),
    "segments_bad_names": ("Rules: {key} needs a key, name_en and name_zh.",
                           "规则：{key} 需要 key、name_en 和 name_zh。"),
    "segments_rfm_gap": ("Rules: no RFM segment covers recency {recency} with fm {fm}; add one.",
                         "规则：没有 RFM 细分覆盖 R={recency}、FM={fm}，请补充。"),
    "segments_bad_features": ("Rules: {key} must list distinct columns among: {allowed}.",
                              "规则：{key} 必须是以下字段中不重复的若干项：{allowed}。"),
}
