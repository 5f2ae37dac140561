"""Strings of uplift targeting: the Uplift view, its refusals and the ``uplift`` batch command."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "uplift_refused_no_campaign": (
        "No uplift model for offer {offer}: no past campaign customers with this offer up to {as_of}. "
        "Import snapshots carrying the campaign fields (offer_id, treated) for it.",
        "优惠 {offer} 无增量模型：截至 {as_of} 没有该优惠的历史活动客户。请导入带有活动字段（offer_id、treated）的快照。"),
    "uplift_refused_unlabelled": (
        "No uplift model for offer {offer}: of its {contacts} campaign customers, {unlabelled} are not "
        "yet followed for {horizon} months after contact and {without_features} have no snapshot "
        "before contact, which leaves none to learn from. Import the later snapshots.",
        "优惠 {offer} 无增量模型：其 {contacts} 位活动客户中，{unlabelled} 位尚未有接触后 {horizon} 个月的快照，"
        "{without_features} 位没有接触前的快照，没有可学习的客户。请导入之后的快照。"),
    "uplift_refused_few_customers": (
        "The uplift model is refused: the campaign has {treated} treated and {control} control "
        "customers; each group needs at least {minimum} (rules: uplift_model.min_arm_customers).",
        "增量模型未采用：该活动有 {treated} 位处理组和 {control} 位对照组客户；每组至少需要 {minimum} 位"
        "（规则 uplift_model.min_arm_customers）。"),
    "uplift_refused_few_churners": (
        "The uplift model is refused: {treated} treated and {control} control customers churned "
        "within the horizon; each group needs at least {minimum} churners (rules: "
        "uplift_model.min_arm_churners).",
        "增量模型未采用：预测期内处理组流失 {treated} 位、对照组流失 {control} 位；每组至少需要 {minimum} 位流失客户"
        "（规则 uplift_model.min_arm_churners）。"),
    "uplift_refused_not_better": (
        "The uplift model is refused: on {customers} held-out campaign customers its Qini "
        "coefficient is {qini:.4f}, and random targeting does as well in {p_value:.1%} of "
        "shuffles (at most {max_p_value:.1%} allowed). It does not beat random targeting.",
        "增量模型未采用：在 {customers} 位留出的活动客户上，其 Qini 系数为 {qini:.4f}，随机排序有 {p_value:.1%} "
        "的机会达到同样效果（允许至多 {max_p_value:.1%}）。模型未优于随机选客。"),
    "cli_uplift_no_snapshot": (
        "No stored snapshot {snapshot}: give --snapshot as one of the stored dates (YYYY-MM-DD).",
        "没有已存储的快照 {snapshot}：请用 --snapshot 指定一个已存储的日期（YYYY-MM-DD）。"),
    "cli_uplift_done": (
        "Scored {rows} active customers of {snapshot} for offer {offer} ({learner}, trained on "
        "{customers} campaign customers: {treated} treated, {control} control): {out}",
        "已为优惠 {offer} 评分 {snapshot} 的 {rows} 位在网客户（{learner}，基于 {customers} 位活动客户训练："
        "处理组 {treated}，对照组 {control}）：{out}"),
    "page_uplift": ("Uplift", "增量效果"),
    "uplift_intro": (
        "Who does the offer actually keep? An uplift model learns, from a past randomised campaign "
        "(treated and control customers), how much contacting each customer lowers their churn. "
        "It is judged on campaign customers it never saw, against random targeting and against "
        "targeting the riskiest first.",
        "优惠真正留住了谁？增量模型从一次历史随机活动（处理组与对照组客户）中学习接触每位客户能使其流失降低多少，"
        "并在模型未见过的活动客户上，与随机选客及“风险最高者优先”进行比较评估。"),
    "uplift_offer": ("Campaign (offer)", "活动（优惠）"),
    "uplift_no_campaigns": (
        "No past campaign up to this snapshot: import snapshots carrying the campaign fields "
        "(offer_id, treated, accepted, contact_date) to learn who an offer keeps.",
        "截至本快照没有历史活动：请导入带有活动字段（offer_id、treated、accepted、contact_date）的快照，以学习优惠留住了谁。"),
    "uplift_trained_on": (
        "Campaign {offer}: {contacts} customers contacted between {first} and {last}; {customers} of "
        "them ({treated} treated, {control} control) trained and tested the model, with churn within "
        "{horizon} months of contact. Left out: {unlabelled} not yet followed long enough, "
        "{without_features} without a snapshot before contact.",
        "活动 {offer}：{first} 至 {last} 期间接触 {contacts} 位客户；其中 {customers} 位（处理组 {treated}，对照组 {control}）"
        "用于训练和检验模型，目标为接触后 {horizon} 个月内是否流失。未纳入：{unlabelled} 位跟踪期不足，"
        "{without_features} 位无接触前快照。"),
    "uplift_learner": (
        "Chosen by cross-fitting: {learner} (out-of-fold Qini coefficient: {candidates}). Judged on "
        "{customers} held-out customers ({treated} treated).",
        "交叉拟合选择：{learner}（折外 Qini 系数：{candidates}）。在 {customers} 位留出客户（处理组 {treated}）上评估。"),
    "uplift_learner_two_model": ("two models (T-learner)", "双模型（T-learner）"),
    "uplift_learner_class_transform": ("class transformation", "类别转换"),
    "uplift_refused_record": (
        "The figures below are shown for the record only: do not target with this model.",
        "以下数字仅供记录：请勿用此模型选客。"),
    "uplift_metric_qini_model": ("Qini coefficient, uplift ranking", "Qini 系数（按增量排序）"),
    "uplift_metric_qini_risk": ("Qini coefficient, risk ranking", "Qini 系数（按风险排序）"),
    "uplift_metric_qini_help": (
        "Area between the Qini curve and random targeting, as a share of the perfect ranking's "
        "(0 = random, 1 = perfect, below 0 = worse than random).",
        "Qini 曲线与随机选客之间的面积占完美排序面积的比例（0 = 随机，1 = 完美，小于 0 = 不如随机）。"),
    "uplift_metric_top": ("Churn prevented per customer, top {share}", "前 {share} 每位客户减少的流失"),
    "uplift_metric_top_delta": ("{value} vs risk ranking", "风险排序为 {value}"),
    "uplift_ranking_uplift": ("By predicted uplift", "按预测增量"),
    "uplift_ranking_risk": ("By churn risk", "按流失风险"),
    "uplift_ranking_random": ("Random targeting", "随机选客"),
    "uplift_axis_targeted": ("Share of held-out customers targeted", "选中的留出客户比例"),
    "uplift_axis_prevented": ("Churns prevented", "减少的流失人数"),
    "uplift_qini_title": ("Qini curve: churns prevented among the treated of those targeted",
                          "Qini 曲线：选中客户中处理组减少的流失"),
    "uplift_uplift_title": ("Uplift curve: churns prevented had all those targeted been treated",
                            "增量曲线：若选中客户全部接触可减少的流失"),
    "uplift_deciles": ("Observed uplift by predicted-uplift decile (held-out customers)",
                       "按预测增量十分位的实际增量（留出客户）"),
    "uplift_deciles_help": (
        "Uplift = control churn share − treated churn share, with its 95 % interval; decile 10 "
        "holds the customers the model expects the offer to help most.",
        "增量 = 对照组流失率 − 处理组流失率，附 95% 区间；第 10 组为模型认为优惠帮助最大的客户。"),
    "uplift_col_decile": ("Decile", "十分位"),
    "uplift_col_customers": ("Customers", "客户数"),
    "uplift_col_treated": ("Treated", "处理组"),
    "uplift_col_control": ("Control", "对照组"),
    "uplift_col_churn_treated": ("Churn, treated", "处理组流失率"),
    "uplift_col_churn_control": ("Churn, control", "对照组流失率"),
    "uplift_col_uplift": ("Uplift", "增量"),
    "uplift_col_uplift_low": ("Uplift, low", "增量下限"),
    "uplift_col_uplift_high": ("Uplift, high", "增量上限"),
    "uplift_col_score_mean": ("Predicted uplift", "预测增量"),
    "uplift_sleeping_dogs": (
        "Sleeping dogs: {share} of held-out customers have a negative predicted uplift (contact "
        "would make them likelier to churn). Among them, observed uplift {observed} (95 % interval "
        "{low} to {high}).",
        "“沉睡的狗”：{share} 的留出客户预测增量为负（接触反而更可能流失）。其实际增量为 {observed}（95% 区间 {low} 至 {high}）。"),
    "uplift_sleeping_dogs_significant": (
        "Significant: contact measurably raised their churn. Leave them out of call lists.",
        "显著：接触确实提高了他们的流失。请将其排除在外呼名单之外。"),
    "uplift_sleeping_dogs_not_significant": (
        "Not significant: the campaign cannot tell whether contact hurts them.",
        "不显著：本次活动无法判断接触是否伤害了他们。"),
    "churn_col_uplift": ("Uplift", "增量"),
    "actions_uplift_offer": ("Rank by the uplift of", "按以下优惠的增量排序"),
    "actions_uplift_none": ("(churn risk, no uplift)", "（按流失风险，不用增量）"),
    "actions_uplift_exclude": ("Leave out sleeping dogs (negative uplift)", "排除“沉睡的狗”（增量为负）"),
    "actions_uplift_caption": (
        "Sorted by predicted uplift of offer {offer} (churn reduction if contacted, trained on "
        "{customers} campaign customers); {excluded} sleeping dogs left out.",
        "按优惠 {offer} 的预测增量排序（接触后流失的降低，基于 {customers} 位活动客户训练）；已排除 {excluded} 位“沉睡的狗”。"),
    "uplift_roi": ("Same budget: risk or uplift targeting", "同样预算：按风险还是按增量定位"),
    "uplift_roi_help": (
        "Offer {offer} for a budget of {budget}, to the riskiest customers first or to the most "
        "persuadable first (never to a customer whose predicted uplift is 0 or less). Both lists are "
        "judged by this model: expected incremental saves are the sum of the targeted customers' "
        "predicted uplift, valued at their tier's customer value (Offers ROI economics).",
        "优惠 {offer}、预算 {budget}：先给流失风险最高的客户，或先给最可挽留的客户（预测增量不大于 0 的客户不给）。"
        "两份名单都用本模型评估：预期增量挽留数为所选客户预测增量之和，按其等级的客户价值计（优惠回报的经济参数）。"),
    "uplift_roi_budget": ("Budget", "预算"),
    "uplift_roi_offer": ("Offer from the catalogue", "目录中的优惠"),
    "uplift_roi_refused": (
        "No side-by-side figures: the uplift model is refused, so nothing can say what either list returns.",
        "不显示对比数字：增量模型被拒绝，无法说明任一名单的回报。"),
    "uplift_roi_no_offer": (
        "No side-by-side figures: the offer catalogue is empty (Offers ROI, Catalogue).",
        "不显示对比数字：优惠目录为空（优惠回报 → 目录）。"),
    "uplift_roi_title": ("Return of one budget by targeting", "同一预算按定位方式的回报"),
    "uplift_roi_col_strategy": ("Targeting", "定位方式"),
    "uplift_roi_col_customers": ("Customers targeted", "定位客户数"),
    "uplift_roi_col_cost": ("Cost", "成本"),
    "uplift_roi_col_saves": ("Expected incremental saves", "预期增量挽留数"),
    "uplift_roi_col_value_saved": ("Value saved", "挽留价值"),
    "uplift_roi_col_net_value": ("Net value", "净价值"),
    "uplift_roi_col_sleeping_dogs": ("Sleeping dogs targeted", "定位到的“沉睡的狗”"),
}
