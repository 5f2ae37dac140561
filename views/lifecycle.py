"""Lifecycle: stages and playbooks, cohort retention, survival, sBG projection and CLV, churn types."""
import polars as pl
import streamlit as st

from lib.lifecycle import charts
from lib.common import fmt
from lib.lifecycle import settings as lifecycle_settings
from lib.lifecycle import stages as lifecycle_stages
from lib.lifecycle import dimensions as lifecycle_dimensions
from lib.lifecycle import curves as lifecycle_curves
from lib.lifecycle import cohort_matrix as lifecycle_cohorts
from lib.lifecycle import breakdown as lifecycle_breakdown
from lib.lifecycle import funnel as lifecycle_funnel
from lib.lifecycle import value as lifecycle_value
from lib import ui
from lib.rules.economics import ANNUAL_DISCOUNT_RANGE, MARGIN_SHARE_RANGE
from lib.ui.tables import Column
from lib.ui import links
from lib.i18n import t, t_text
from lib.common.localise import join
from lib.common.frames import relabel
from lib.lifecycle.queries import ChurnDefinition
from lib.rules import STAGES
from lib.store.schema import CHURN_TYPES

code = ui.lang()
st.title(t("page_lifecycle", code))
CONFIG = {"displaylogo": False}


#: Value decliners per tier: the share is shown multiplied by 100, to two decimals, as before.
VALUE_DECLINE_TABLE = {"tier": "lifecycle_col_tier", "active": Column("lifecycle_col_active", "count"),
                       "value_declined": Column("lifecycle_col_value_declined", "count"),
                       "value_declined_share": Column("lifecycle_col_value_declined_share", suffix=" (%)")}


def dimension_label(name: str | None) -> str:
    if name is None:
        return t("lifecycle_dimension_none", code)
    if lifecycle_dimensions.is_attribute(name):
        readable = lifecycle_dimensions.attribute_name(name).replace("_", " ")
        return t_text("lifecycle_dim_attribute", code, name=readable[:1].upper() + readable[1:])
    return t(f"lifecycle_dim_{name}", code)


def segment_picker(dim_key: str, value_key: str, label_key: str):
    """A dimension and one of its values (None, None: every customer)."""
    left, right = st.columns(2)
    dimension = left.selectbox(t(label_key, code), [None, *dimensions], format_func=dimension_label,
                               key=dim_key)
    value = None
    if dimension:
        values = ui.compute(lifecycle_dimensions.dimension_values, filters, dimension, settings.dimension_max_values)
        value = right.selectbox(t("lifecycle_cohort_value", code), values, key=value_key,
                                format_func=lambda v: charts.group_label(dimension, v, rules, code))
    return dimension, value


with ui.guard(stop=True):
    filters = ui.filters_or_stop("lifecycle_empty")
    rules = ui.rules()
    money = rules.currency   # the rules' currency on every amount
    settings = lifecycle_settings.settings(rules)
    stored = [d for d in ui.snapshot_dates(ui.data_token()) if d <= filters.snapshot_date]
    st.caption(t("lifecycle_caption", code, snapshot=fmt.date(filters.snapshot_date),
                 snapshots=len(stored), version=rules.version))

    with st.expander(t("lifecycle_definition", code), expanded=False):
        left, right = st.columns(2)
        types = left.multiselect(t("lifecycle_types", code), options=list(CHURN_TYPES),
                                 default=list(settings.churn_types), key=ui.Keys.LIFECYCLE_TYPES,
                                 format_func=lambda x: t(f"lifecycle_type_{x}", code),
                                 help=t("lifecycle_types_help", code))
        value_drop = left.slider(t("lifecycle_value_drop", code), *lifecycle_settings.VALUE_DROP_SHARE_RANGE,
                                 value=settings.value_drop_share, step=0.01, format="%.2f",
                                 key=ui.Keys.LIFECYCLE_VALUE_DROP, help=t("lifecycle_value_drop_help", code))
        involuntary = right.toggle(t("lifecycle_exclude_involuntary", code),
                                   value=rules.exclude_involuntary, key=ui.Keys.LIFECYCLE_INVOLUNTARY)
        tenure = right.toggle(t("lifecycle_exclude_tenure", code,
                                months=rules.exclude_min_tenure_months),
                              value=rules.exclude_min_tenure_months > 0, key=ui.Keys.LIFECYCLE_TENURE)
        group_paid = right.toggle(t("lifecycle_exclude_group_paid", code),
                                  value=rules.exclude_group_paid, key=ui.Keys.LIFECYCLE_GROUP_PAID)
    if not types:
        st.warning(t("lifecycle_no_types", code))
        st.stop()
    definition = ChurnDefinition(tuple(types), involuntary,
                                 rules.exclude_min_tenure_months if tenure else 0.0, group_paid)
    excluded = [t("lifecycle_excl_involuntary", code)] if involuntary else []
    if tenure and rules.exclude_min_tenure_months > 0:
        excluded.append(t("lifecycle_excl_tenure", code, months=rules.exclude_min_tenure_months))
    if group_paid:
        excluded.append(t("lifecycle_excl_group_paid", code))
    truncation = definition.truncation_months
    st.info((t("lifecycle_exclusions_on", code, items=join(excluded, code))
             + (t("lifecycle_exclusions_tenure", code, months=truncation) if truncation else ""))
            if excluded else t("lifecycle_exclusions_none", code), icon=":material/filter_alt:")

# Tabs run lazily: only the open one queries (each view stays within the speed target).
links.tab(ui.Keys.LIFECYCLE_TAB, [f"lifecycle_tab_{name}" for name in ("stages", "funnel", "cohorts", "survival", "value", "churn")],
          code)
stages_tab, funnel_tab, cohorts_tab, survival_tab, value_tab, churn_tab = st.tabs(
    [t(f"lifecycle_tab_{name}", code)
     for name in ("stages", "funnel", "cohorts", "survival", "value", "churn")],
    key=ui.Keys.LIFECYCLE_TAB, on_change="rerun")
dimensions = ui.compute(lifecycle_dimensions.dimension_names, filters, settings.dimension_max_values)

if stages_tab.open:
    with stages_tab, ui.guard():
        stages = ui.compute(lifecycle_stages.stages, filters)
        st.plotly_chart(charts.stage_tier(stages, rules, code), width="stretch", config=CONFIG)
        st.caption(t("lifecycle_stage_rules", code, version=rules.version,
                     acq=rules.acquisition_max_tenure_months, trend=rules.decline_max_spend_trend,
                     complaints=rules.decline_min_complaints, mature=rules.maturity_min_tenure_months,
                     usage="" if rules.decline_max_usage_trend is None else t(
                         "lifecycle_stage_rules_usage", code, usage=rules.decline_max_usage_trend,
                         months=rules.usage_trend_months, columns=join((t(f"seg_feature_{c}", code) for c in rules.usage_columns), code))))
        total = max(int(stages["customers"].sum()), 1)
        for stage in STAGES:
            count = int(stages.filter(stages["stage"] == stage)["customers"].sum())
            with st.container(border=True):
                st.markdown("**" + t("lifecycle_stage_count", code, stage=t(f"lifecycle_stage_{stage}", code),
                                     customers=f"{count:,}", share=fmt.number(count / total, "share", code))
                            + "**")
                st.markdown(f"{t('lifecycle_playbook', code)}: {t(f'lifecycle_playbook_{stage}', code)}")

if funnel_tab.open:
    with funnel_tab, ui.guard():
        funnel_dim, funnel_value = segment_picker(ui.Keys.LIFECYCLE_FUNNEL_DIM, ui.Keys.LIFECYCLE_FUNNEL_VALUE,
                                                  "lifecycle_funnel_dimension")
        funnel = ui.compute(lifecycle_funnel.funnel, filters, rules, definition, funnel_dim, funnel_value)
        table = funnel.cohorts
        if table.height == 0:
            st.info(t("lifecycle_no_funnel", code))
        else:
            st.plotly_chart(charts.funnel_heatmap(table, funnel.steps, code), width="stretch",
                            config=CONFIG)
            labels = table.sort("cohort")["label"].unique(maintain_order=True).to_list()
            complete = table.filter((pl.col("step") == "active") & pl.col("customers").is_not_null())
            default = [*complete.sort("cohort")["label"].to_list()[-1:], labels[-1]]
            chosen = st.multiselect(t("lifecycle_funnel_cohorts", code), labels,
                                    default=list(dict.fromkeys(default)), key=ui.Keys.LIFECYCLE_FUNNEL_COHORTS,
                                    max_selections=settings.max_groups)
            if chosen:
                st.plotly_chart(charts.funnel_bars(table, chosen, funnel.steps, code),
                                width="stretch", config=CONFIG)
            st.caption(t("lifecycle_funnel_note", code,
                         period=t(f"lifecycle_period_{funnel.period}", code).capitalize(),
                         survival=funnel.steps.survival_months,
                         growth=funnel.steps.growth_spend_share,
                         growth_months=funnel.steps.growth_months,
                         mature=funnel.steps.mature_months))
            ui.csv_download(t("lifecycle_download_funnel", code), table, "funnel", filters.snapshot_date)

if cohorts_tab.open:
    with cohorts_tab, ui.guard():
        cohort_dim, cohort_value = segment_picker(ui.Keys.LIFECYCLE_COHORT_DIM, ui.Keys.LIFECYCLE_COHORT_VALUE,
                                                  "lifecycle_cohort_dimension")
        matrix = ui.compute(lifecycle_cohorts.cohorts, filters, rules, definition, settings.cohort_months,
                            cohort_dim, cohort_value)
        if matrix.height == 0:
            st.info(t("lifecycle_no_cohorts", code))
        else:
            st.plotly_chart(charts.cohort_heatmap(matrix, code, truncation), width="stretch",
                            config=CONFIG)
            st.caption(t("lifecycle_cohort_note", code) + (
                t("lifecycle_cohort_note_conditional", code, months=truncation) if truncation else ""))
            ui.csv_download(t("lifecycle_download_cohorts", code), matrix, "cohorts", filters.snapshot_date)

if survival_tab.open:
    with survival_tab, ui.guard():
        survival_dim = st.selectbox(t("lifecycle_survival_dimension", code), [None, *dimensions],
                                    index=1, format_func=dimension_label, key=ui.Keys.LIFECYCLE_SURVIVAL_DIM)
        view = ui.compute(lifecycle_curves.survival, filters, rules, definition, survival_dim,
                          settings.max_groups)
        if view.summary.height == 0:
            st.info(t("lifecycle_no_lifetimes", code))
        else:
            origin = view.truncation_months
            st.plotly_chart(charts.survival_curves(view.curves, view.summary, survival_dim, rules, code,
                                                   origin), width="stretch", config=CONFIG)
            st.caption(t("lifecycle_survival_note", code) + (
                t("lifecycle_survival_note_conditional", code, months=origin) if origin else ""))
            summary = view.summary.to_dicts()
            ui.table(pl.DataFrame({
                t("lifecycle_col_group", code): [charts.group_label(survival_dim, r["segment"], rules, code)
                                                  for r in summary],
                (t("lifecycle_col_customers_conditional", code, months=origin) if origin
                 else t("lifecycle_col_customers", code)): [r["customers"] for r in summary],
                t("lifecycle_col_churners", code): [r["churners"] for r in summary],
                (t("lifecycle_col_median_conditional", code, months=origin) if origin
                 else t("lifecycle_col_median", code)): [
                    t("lifecycle_median_beyond", code) if r["median_months"] is None
                    else f"{r['median_months']:.0f}" for r in summary],
            }))
            if survival_dim and view.summary.height >= 2:
                st.subheader(t("lifecycle_logrank", code))
                groups = view.summary["segment"].to_list()
                a, b = st.columns(2)

                def label(v):
                    return charts.group_label(survival_dim, v, rules, code)

                group_a = a.selectbox(t("lifecycle_group_a", code), groups, index=0, key=ui.Keys.LIFECYCLE_GROUP_A,
                                      format_func=label)
                group_b = b.selectbox(t("lifecycle_group_b", code), groups, index=1, key=ui.Keys.LIFECYCLE_GROUP_B,
                                      format_func=label)
                if group_a == group_b:
                    st.info(t("lifecycle_logrank_need_two", code))
                else:
                    test = lifecycle_curves.compare(view, group_a, group_b)
                    verdict = t("lifecycle_logrank_differ" if test.differs(settings.logrank_alpha) else
                                "lifecycle_logrank_same", code)
                    st.markdown(t("lifecycle_logrank_result", code, statistic=test.statistic,
                                  p=fmt.p_value(test.p_value), verdict=verdict))

if value_tab.open:
    with value_tab, ui.guard():
        left, right = st.columns(2)
        margin = left.slider(t("lifecycle_margin", code), *MARGIN_SHARE_RANGE, settings.margin_share, step=0.05,
                             key=ui.Keys.LIFECYCLE_MARGIN, help=t("lifecycle_margin_help", code))
        discount = right.slider(t("lifecycle_discount", code), *ANNUAL_DISCOUNT_RANGE,
                                settings.annual_discount_rate, step=0.01, key=ui.Keys.LIFECYCLE_DISCOUNT,
                                help=t("lifecycle_discount_help", code))
        value = ui.compute(lifecycle_value.customer_value, filters, rules, definition, margin, discount,
                           settings.projection_months, settings.min_fit_customers)
        tiers = value.tiers
        st.plotly_chart(charts.projection(value.projection, tiers, rules, code), width="stretch",
                        config=CONFIG)
        st.plotly_chart(charts.clv_by_tier(tiers, rules, code), width="stretch", config=CONFIG)
        st.caption(t("lifecycle_value_note", code, discount=value.discount_per_month,
                     min_customers=settings.min_fit_customers) + (
            t("lifecycle_value_unconditional", code, months=definition.exclude_min_tenure_months)
            if truncation else ""))
        for row in tiers.filter(pl.col("fit_status") != "fitted").iter_rows(named=True):
            tier_name, reason = rules.tier_name(row["tier"], code), t(f"lifecycle_status_{row['fit_status']}", code)
            if row["clv_source"] == "simple":
                st.warning(t("lifecycle_not_identifiable", code, tier=tier_name, reason=reason,
                             churn=fmt.number(row["observed_monthly_churn"], "share", code),
                             value=fmt.number(row["residual_clv_per_customer_currency"], "currency", code, money)))
            else:
                st.warning(t("lifecycle_not_identifiable_no_value", code, tier=tier_name, reason=reason))
        shown = tiers.with_columns(relabel(tiers["tier"], lambda x: rules.tier_name(int(x), code))).select(
            pl.col("tier").alias(t("lifecycle_col_tier", code)),
            pl.col("clv_source").fill_null("none").replace_strict(
                {k: t(f"lifecycle_source_{k}", code) for k in ("sbg", "simple", "none")})
            .alias(t("lifecycle_col_source", code)),
            (pl.col("observed_monthly_churn") * 100).round(2)
            .alias(t("lifecycle_col_observed_churn", code) + " (%)"),
            pl.col("gamma").round(3).alias(t("lifecycle_col_gamma", code)),
            pl.col("delta").round(3).alias(t("lifecycle_col_delta", code)),
            pl.col("active").alias(t("lifecycle_col_active", code)),
            pl.col("spend_avg_6m").round(1).alias(t("lifecycle_col_spend", code)),
            pl.col("margin_per_month_currency").round(1).alias(t("lifecycle_col_margin", code)),
            pl.col("expected_lifetime_months").round(1).alias(t("lifecycle_col_lifetime", code)),
            pl.col("derl_months").round(1).alias(t("lifecycle_col_derl", code)),
            pl.col("clv_new_customer_currency").round(0).alias(t("lifecycle_col_clv_new", code)),
            pl.col("residual_clv_per_customer_currency").round(0)
            .alias(t("lifecycle_col_clv_residual", code)),
            pl.col("residual_value_currency").round(0)
            .alias(t("lifecycle_col_residual_total", code)),
        )
        money_columns = ("lifecycle_col_spend", "lifecycle_col_margin", "lifecycle_col_clv_new",
                         "lifecycle_col_clv_residual", "lifecycle_col_residual_total")
        ui.table(shown, units={**{t(k, code): "currency" for k in money_columns},
                               t("lifecycle_col_active", code): "count",
                               **{t(k, code): "months" for k in ("lifecycle_col_lifetime", "lifecycle_col_derl")}})
        ui.csv_download(t("lifecycle_download_value", code), tiers, "customer_value", filters.snapshot_date)

if churn_tab.open:
    with churn_tab, ui.guard():
        breakdown = ui.compute(lifecycle_breakdown.churn_breakdown, filters, rules, definition, value_drop)
        if breakdown.by_type.height == 0:
            st.info(t("lifecycle_no_churners", code))
        else:
            left, right = st.columns(2)
            left.plotly_chart(charts.churn_types(breakdown.by_type, code), width="stretch", config=CONFIG)
            if breakdown.by_reason.height:
                right.plotly_chart(charts.churn_reasons(breakdown.by_reason, code), width="stretch",
                                   config=CONFIG)
            else:
                right.info(t("lifecycle_no_reasons", code))
        if breakdown.value_decline.height:
            st.subheader(t("lifecycle_value_decline_title", code, share=value_drop))
            decline = breakdown.value_decline
            decline = decline.with_columns(relabel(decline["tier"], lambda x: rules.tier_name(int(x), code)))
            ui.labelled_table(decline.with_columns((pl.col("value_declined_share") * 100).round(2)),
                              VALUE_DECLINE_TABLE, code)
