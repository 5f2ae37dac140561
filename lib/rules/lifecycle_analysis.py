"""The ``[lifecycle_analysis]`` rules section, parsed and checked through ``lib.rules.reader``:
read by the Lifecycle page and by the lifetime cube's churn definition (``lib.pipeline.lifetimes``)."""
from __future__ import annotations

from dataclasses import dataclass

from lib.rules import Rules
from lib.rules.economics import economics
from lib.store.schema import CHURN_TYPES

SECTION = "lifecycle_analysis"


@dataclass(frozen=True)
class Settings:
    """The ``[lifecycle_analysis]`` rules section, checked.

    churn_types : churn types counted as churn by default.
    value_drop_share : share of spend lost (last three months against the three before) that
        makes an active customer a value decliner (0–1).
    cohort_months : join months shown in the cohort heatmap.
    projection_months : months the sBG projection runs to.
    margin_share : default margin on spend (0–1), an input on the page (``lib.rules.economics``).
    annual_discount_rate : default yearly discount rate (0–1), an input on the page (idem).
    max_groups : most groups drawn in one survival chart.
    min_fit_customers : fewest customers a tier needs for an sBG fit.
    funnel_survival_months : months of life that make a joiner "survived" in the funnel.
    funnel_growth_months : month of life at whose end growth is judged.
    funnel_growth_spend_share : rise of six-month average spend that counts as growth (0–1).
    funnel_join_months : join months the funnel covers (up to the chosen snapshot).
    funnel_cohort_period : "month", "quarter", "year" or "auto" (the finest period giving at
        most ``funnel_max_cohorts`` cohorts).
    funnel_max_cohorts : most cohorts "auto" allows before coarsening the period.
    dimension_max_values : an extra file column with more distinct values than this is a
        measure, not offered as a dimension.
    logrank_alpha : significance level (0–1) below which two survival curves differ.
    """

    churn_types: tuple[str, ...]
    value_drop_share: float
    cohort_months: int
    projection_months: int
    margin_share: float
    annual_discount_rate: float
    max_groups: int
    min_fit_customers: int
    funnel_survival_months: int = 3
    funnel_growth_months: int = 6
    funnel_growth_spend_share: float = 0.1
    funnel_join_months: int = 24
    funnel_cohort_period: str = "auto"
    funnel_max_cohorts: int = 12
    dimension_max_values: int = 50
    logrank_alpha: float = 0.05


#: Shares of spend lost (0–1) a value-decline rule may take (rules and the page's slider).
VALUE_DROP_SHARE_RANGE = (0.01, 1.0)
#: Periods a funnel cohort may span, in months.
COHORT_PERIODS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


def settings(rules: Rules) -> Settings:
    """Parse and check the ``[lifecycle_analysis]`` section of ``rules``.

    Rules saved before the section existed do not have it: the shipped defaults'
    (``data/rules.toml``) apply until an analyst saves a version that has it.
    """
    section = rules.read(SECTION)
    money = economics(rules)
    survival_months = section.integer("funnel_survival_months", 1, 120)
    return Settings(
        churn_types=section.choices("churn_types", CHURN_TYPES, code="lifecycle_bad_churn_types"),
        value_drop_share=section.share("value_drop_share", *VALUE_DROP_SHARE_RANGE),
        cohort_months=section.integer("cohort_months", 1, 240),
        projection_months=section.integer("projection_months", 1, 600),
        margin_share=money.margin_share,
        annual_discount_rate=money.annual_discount,
        max_groups=section.integer("max_groups", 1, 20),
        min_fit_customers=section.integer("min_fit_customers", 1, 1e9),
        funnel_survival_months=survival_months,
        funnel_growth_months=section.integer("funnel_growth_months", survival_months, 240),
        funnel_growth_spend_share=section.number("funnel_growth_spend_share", 0, 10),
        funnel_join_months=section.integer("funnel_join_months", 1, 600),
        funnel_cohort_period=section.choice("funnel_cohort_period", (*COHORT_PERIODS, "auto"),
                                            code="lifecycle_bad_period"),
        funnel_max_cohorts=section.integer("funnel_max_cohorts", 1, 240),
        dimension_max_values=section.integer("dimension_max_values", 2, 10000),
        logrank_alpha=section.share("logrank_alpha", exclusive=True),
    )

