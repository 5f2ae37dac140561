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
}
