"""The data contract: one row per customer per snapshot.

Every imported file, the demo generator and the store speak these field names and kinds.
Ingest is the boundary (docs/architecture.md, "Stack facts"): after it, frames carry exactly these names and types,
so nothing downstream re-checks them.

Units: money in the operator's currency (``_cny`` is not in the names because banks and
retailers use other currencies; the unit is "currency per month" for every spend field),
tenure in months, data volume in GB, shares as 0–1.

Months
------
How tenure and dates become months; the one statement of the convention. ``lib.pipeline.derive``
applies it; the survival, cohort and funnel queries (``lib.lifecycle.queries``), gross adds
(``lib.pipeline.cubes``) and contract need tags (``lib.churn.need_tags``) read the month indexes it stores.

* A **month index** is ``year * 12 + month - 1`` (:func:`month_index`), so queries need only
  integer arithmetic.
* A customer's **lifetime** at a snapshot is ``snapshot_month - join_month``: whole calendar
  months, whatever the days.
* A tenure **in months** (or years, 12 months each) of ``t`` puts the join month ``floor(t)``
  months before the snapshot month, so the lifetime is ``floor(t)``: tenure 12 at 2024-06-30
  joined in 2023-06, tenure 0 joined in the snapshot month (a gross add). The fraction of a
  month does not move the join month (12.7 months before a month-end snapshot is still in
  2023-06). ``join_date`` is the snapshot date shifted back ``floor(t)`` calendar months,
  clamped to the month's end (2024-06-30 less 4 months = 2024-02-29); ``tenure_months`` keeps
  the given value.
* A **join date**, or a tenure **in days** (the same information: the join date is the
  snapshot date less that many days), gives the join month of that date, and
  ``tenure_months`` = elapsed days / ``DAYS_PER_MONTH``: a continuous age for the stage and
  exclusion rules and the churn model. Its whole part can differ from the lifetime by one
  month either way near month ends: joined 2023-06-15 at 2024-06-30 is lifetime 12, tenure
  12.52; joined 2024-05-31 at 2024-06-30 is lifetime 1, tenure 0.99; joined 2024-07-01 at
  2024-08-31 is lifetime 1, tenure 2.00.
* Survival counts **months of life** with the joining month as month 1 (``lib.lifecycle.survival``):
  a customer active at the snapshot is censored at lifetime + 1, so a tenure of ``t`` whole
  months is censored at ``t + 1``; a churner's duration is ``churn_month - join_month + 1``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

Kind = Literal["id", "date", "int", "float", "bool", "text"]

#: Polars dtype each kind is coerced to at ingest.
KIND_DTYPES: dict[str, pl.DataType] = {
    "id": pl.String(),
    "date": pl.Date(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "text": pl.String(),
}

#: Average days per month (365.25 / 12) between a tenure in days and in months: ingest turns days
#: into months with it, ``lib.pipeline.derive`` turns them back into the join date (see *Months* above).
DAYS_PER_MONTH = 365.25 / 12

#: Units a source column may be given in, per field, with the factor to the contract unit.
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "tenure_months": {"months": 1.0, "days": 1.0 / DAYS_PER_MONTH, "years": 12.0},
    "data_gb": {"gb": 1.0, "mb": 1.0 / 1024.0},
}
#: Words by which a header states the unit of a convertible field ("Tenure (years)",
#: "在网时长（年）"): latin words match whole words, Chinese characters anywhere.
UNIT_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "tenure_months": {
        "months": ("month", "months", "mon", "mons", "mo", "mos", "月"),
        "days": ("day", "days", "d", "天", "日"),
        "years": ("year", "years", "yr", "yrs", "y", "年"),
    },
}

#: Risk order, the one convention across lib: a customer's ``risk_decile`` (``decile`` in grouped
#: frames) runs 1–10 and **10 is the riskiest tenth** of the scored customers
#: (``lib.churn.model.risk_deciles`` assigns it; the Action list's bands read it). Whatever targets "the
#: riskiest first" (Offers ROI depth, depth curves, the budget optimiser's plans) orders by it
#: descending through ``riskiest_first``; nothing may assume that decile 1 is the riskiest.
RISKIEST_DECILE = 10


def riskiest_first(frame: pl.DataFrame, within: tuple[str, ...] = (), decile: str = "decile") -> pl.DataFrame:
    """``frame`` ordered by the ``within`` columns ascending, then riskiest decile first."""
    keys = [*within, decile]
    return frame.sort(keys, descending=[False] * len(within) + [True])


CHURN_TYPES: tuple[str, ...] = ("switch", "downgrade", "value_decline", "involuntary", "unknown")

#: How many monthly spend columns the contract carries (m1 = latest month).
SPEND_MONTHS = 6
SPEND_COLUMNS: tuple[str, ...] = tuple(f"spend_m{i}" for i in range(1, SPEND_MONTHS + 1))


@dataclass(frozen=True)
class Field:
    """One contract field.

    Parameters
    ----------
    name : contract name, also the stored column name.
    kind : how source text is coerced (see ``KIND_DTYPES``).
    synonyms : source headers that auto-map to this field, English and Chinese. Compared after
        ``normalise_header``. A synonym may carry a unit after ``@`` (``"account length@days"``).
    doc : one line for ``--help`` and the Data page, unit included.
    """

    name: str
    kind: Kind
    synonyms: tuple[str, ...]
    doc: str


def _spend_synonyms(i: int) -> tuple[str, ...]:
    base = [f"spend_m{i}", f"spend m{i}", f"m{i}_spend", f"month{i}_spend", f"charge_m{i}",
            f"bill_m{i}", f"m{i}消费", f"消费_m{i}", f"第{i}月消费", f"近{i}月消费"]
    if i == 1:
        base += ["本月消费", "当月消费", "current month spend", "last month spend", "monthly spend"]
    return tuple(base)


FIELDS: tuple[Field, ...] = (
    Field("customer_id", "id",
          ("customer_id", "customer id", "customerid", "id", "cust_id", "client_id", "user_id",
           "subscriber_id", "msisdn", "phone number", "phone", "mobile", "account_id",
           "clientnum", "client_num", "client number", "customer number", "customer_no",
           "客户id", "客户编号", "客户号", "用户号码", "用户id", "用户编号", "手机号码", "手机号", "号码",
           "卡号"),
          "Customer identifier (text). Generated when the file has none."),
    Field("snapshot_date", "date",
          ("snapshot_date", "snapshot", "as_of", "as of date", "stat_date", "report_date",
           "快照日期", "统计日期", "数据日期", "账期"),
          "Date the row describes (YYYY-MM-DD). Given at import when the file has none."),
    Field("join_date", "date",
          ("join_date", "activation_date", "signup_date", "start_date", "open_date",
           "入网时间", "入网日期", "开户日期", "开卡日期", "激活日期"),
          "Date the customer joined. Either this or tenure_months is required."),
    Field("tenure_months", "float",
          ("tenure_months", "tenure", "months_on_network", "months on book", "account length@days",
           "account_length@days", "tenure_days@days", "tenure_years@years",
           "tenure in months", "tenure_in_months", "在网时长", "网龄", "在网月数", "在网时长(月)", "在网天数@days", "网龄(年)@years", "在网年数@years"),
          "Months since joining (days or years convertible at import)."),
    Field("churned", "bool",
          ("churned", "churn", "is_churn", "churn_flag", "churn_value", "churn_label", "exited",
           "attrition", "attrition_flag", "left", "是否流失", "流失", "流失标志", "流失标识",
           "是否离网", "离网", "离网标志", "离网标识"),
          "Churn indicator: Yes/No, 1/0, 是/否, TRUE/FALSE. Either this or churn_date is required."),
    Field("churn_date", "date",
          ("churn_date", "exit_date", "termination_date", "离网时间", "离网日期", "流失日期",
           "销户日期"),
          "Date the customer left (blank when active)."),
    Field("churn_type", "text",
          ("churn_type", "churn category", "churn_category", "流失类型", "离网类型"),
          "switch | downgrade | value_decline | involuntary | unknown."),
    Field("churn_reason", "text",
          ("churn_reason", "reason", "exit_reason", "流失原因", "离网原因"),
          "Free-text reason for leaving."),
    *(Field(name, "float", _spend_synonyms(i),
            f"Spend in month m{i} (currency per month; m1 = latest month).")
      for i, name in enumerate(SPEND_COLUMNS, start=1)),
    Field("arpu", "float",
          ("arpu", "monthly_charges", "monthlycharges", "monthly charge", "avg_monthly_spend",
           "average monthly spend", "月均消费", "月均arpu", "arpu值", "月均收入", "月消费", "平均月消费", "月消费额",
           "月均话费", "月话费"),
          "Average monthly spend (currency per month). Used when spend_m1..m6 are absent."),
    Field("province", "text",
          ("province", "state", "region", "省份", "省", "省分", "所属省份", "州"),
          "Province or state."),
    Field("city", "text", ("city", "地市", "城市", "市", "所属地市"), "City."),
    Field("district", "text",
          ("district", "grid", "county", "area_name", "区县", "网格", "营业区", "片区"),
          "District or sales grid."),
    Field("points", "float",
          ("points", "loyalty_points", "reward_points", "积分", "积分余额", "上年积分"),
          "Loyalty points (previous year)."),
    Field("key_person", "bool",
          ("key_person", "group_key_person", "vip_flag_key", "集团关键人", "关键人"),
          "Group key person flag (makes the customer six-star)."),
    Field("group_paid", "bool",
          ("group_paid", "corporate_paid", "集团付费", "集团统付"),
          "Line paid by a group/corporate account (excluded from churn analysis by default)."),
    Field("brand", "text", ("brand", "品牌", "客户品牌"), "Brand."),
    Field("plan", "text",
          ("plan", "tariff", "package", "rate_plan", "internet service", "套餐", "资费套餐",
           "主套餐"),
          "Tariff plan."),
    Field("contract", "text", ("contract", "contract_type", "合约", "合约类型"), "Contract type."),
    Field("payment_method", "text",
          ("payment_method", "paymentmethod", "payment", "付费方式", "支付方式"),
          "Payment method."),
    Field("voice_minutes", "float",
          ("voice_minutes", "minutes", "mou", "total minutes", "通话时长", "语音分钟数", "通话分钟"),
          "Voice minutes in the latest month."),
    Field("outgoing_calls", "float",
          ("outgoing_calls", "calls", "outgoing calls", "主叫次数", "通话次数"),
          "Outgoing calls in the latest month."),
    Field("sms", "float", ("sms", "sms_count", "短信", "短信条数"), "SMS sent in the latest month."),
    Field("data_gb", "float",
          ("data_gb", "data", "data_usage", "流量", "数据流量", "流量gb", "流量(gb)",
           "data_mb@mb", "流量mb@mb", "流量(mb)@mb"),
          "Mobile data in the latest month (GB; MB convertible)."),
    Field("roaming", "float",
          ("roaming", "roaming_minutes", "漫游", "漫游时长", "漫游分钟"),
          "Roaming minutes in the latest month."),
    Field("complaints", "int", ("complaints", "complaint_count", "投诉次数", "投诉"),
          "Complaints in the last six months."),
    Field("service_calls", "int",
          ("service_calls", "customer service calls", "customer_service_calls", "客服来电次数",
           "客服呼叫次数", "客服次数"),
          "Calls to customer service."),
    Field("arrears", "float", ("arrears", "debt", "overdue", "欠费", "欠费金额"),
          "Amount overdue (currency)."),
    Field("age", "int", ("age", "customer_age", "年龄"), "Age in years."),
    Field("gender", "text", ("gender", "sex", "性别"), "Gender."),
    Field("offer_id", "text", ("offer_id", "campaign_offer", "活动编号", "优惠编号"),
          "Retention offer made in a past campaign."),
    Field("treated", "bool", ("treated", "treatment", "in_campaign", "是否干预", "实验组"),
          "In the treated group of a past campaign (False = control)."),
    Field("accepted", "bool", ("accepted", "offer_accepted", "是否接受"), "Accepted the offer."),
    Field("contact_date", "date", ("contact_date", "接触日期", "外呼日期"), "Campaign contact date."),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
CONTRACT_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)

#: Requirement groups: each inner tuple needs at least one of its fields mapped.
#: snapshot_date is required too but may be supplied at import instead of from the file.
REQUIRED_GROUPS: tuple[tuple[str, ...], ...] = (
    ("customer_id",),
    ("join_date", "tenure_months"),
    ("churned", "churn_date"),
    (*SPEND_COLUMNS, "arpu"),
)

#: Columns the ingest derives and the store keeps beside the contract fields (month indexes:
#: see the module's *Months*).
DERIVED_DTYPES: dict[str, pl.DataType] = {
    "snapshot_month": pl.Int32(),
    "join_month": pl.Int32(),
    "churn_month": pl.Int32(),
    "spend_avg_6m": pl.Float64(),
    "spend_trend": pl.Float64(),
    "spend_band": pl.Int16(),
}

#: Spend bands per unit of ln(1 + spend): band b > 0 holds latest-month spends with
#: floor(ln(1 + spend) * SPEND_BANDS_PER_E) == b - 1, i.e. bands about 13 % wide; band 0 holds
#: no spend. The revenue-concentration curve is exact at every band edge.
SPEND_BANDS_PER_E = 8

#: Columns whose values the store fills from the rules in force (see lib.rules).
RULE_COLUMNS: dict[str, pl.DataType] = {"tier": pl.Int16(), "stage": pl.String()}


def contract_dtypes() -> dict[str, pl.DataType]:
    """Polars dtype of every contract field, keyed by name."""
    return {f.name: KIND_DTYPES[f.kind] for f in FIELDS}


def stored_dtypes() -> dict[str, pl.DataType]:
    """Dtypes of every column of a stored snapshot row, in storage order."""
    return {**contract_dtypes(), **DERIVED_DTYPES, **RULE_COLUMNS}


def normalise_header(header: str) -> str:
    """Lower-case a header and fold spaces, dashes and underscores into one underscore.

    >>> normalise_header("  Total Day-Charge ")
    'total_day_charge'
    """
    out = []
    for ch in header.strip().lower().replace("\ufeff", ""):
        out.append("_" if ch in " -_\t./" else ch)
    text = "".join(out)
    while "__" in text:
        text = text.replace("__", "_")
    return text.strip("_")


def synonym_index() -> dict[str, tuple[str, str | None]]:
    """Map every normalised synonym to ``(field name, unit or None)``."""
    index: dict[str, tuple[str, str | None]] = {}
    for field in FIELDS:
        for synonym in (field.name, *field.synonyms):
            text, _, unit = synonym.partition("@")
            index.setdefault(normalise_header(text), (field.name, unit or None))
    return index


def month_index(year: int, month: int) -> int:
    """Integer month index used in storage: ``year * 12 + month - 1`` (see the module's *Months*)."""
    return year * 12 + month - 1
