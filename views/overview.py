"""Overview: the executives' KPIs against targets, trend, concentration and revenue at risk."""
import streamlit as st

from lib.overview import charts

from lib.common import fmt

from lib import ui
from lib.i18n import t
from lib.common.localise import join
from lib.overview.kpis import build_overview, delta_arrow, delta_color, vip_spend_min
from lib.operations.results import OperationsOverview, outcomes_token, overview_operations
from lib.overview.report import overview_html, report_file_name
from lib.monthly.alerts import breach_table, overview_breaches

code = ui.lang()


def operations_section(ops: OperationsOverview) -> None:
    """Reach rate of the active call-back plans against its target, and the newest started
    plan's measured result (churn reduction against its hold-out, cost per save)."""
    st.subheader(t("overview_ops_title", code))
    reach, reduction, per_save = st.columns(3)
    rate = None if ops.not_started else ops.reach_rate
    reach.metric(("⚠ " if rate is not None and rate < ops.reach_target else "")
                 + t("outcomes_reach_rate", code),
                 t("ops_not_started", code) if ops.not_started else fmt.number(rate, "share", code),
                 delta=fmt.change(None if rate is None else rate - ops.reach_target, "share", code),
                 help=t("overview_ops_reach_help", code, plans=join(ops.plans, code),
                        target=fmt.number(ops.reach_target, "share", code)), border=True)
    latest = ops.latest
    if latest is not None:
        diff = latest.difference
        notes = [t("overview_ops_latest", code, plan=latest.label)]
        if diff is not None:
            notes.append(t("outcomes_difference_ci", code,
                           low=fmt.change(diff["difference_low"], "share", code),
                           high=fmt.change(diff["difference_high"], "share", code)))
        elif not latest.later_snapshots:
            notes.append(t("overview_ops_pending", code))
        reduction.metric(t("outcomes_difference", code),
                         "–" if diff is None else fmt.change(diff["difference"], "share", code),
                         help=" · ".join(notes), border=True)
        no_saves = latest.cost_per_save is None
        per_save.metric(t("outcomes_cost_per_save", code),
                        fmt.number(latest.cost_per_save, "currency", code, ui.rules().currency),
                        help=t("outcomes_no_saves", code) if no_saves else None, border=True)
        st.caption(" · ".join(notes))
    ui.pages.page_link(ui.pages.OPERATIONS, code, "overview_ops_open")


st.title(t("page_overview", code))

with ui.guard():
    filters = ui.filters_or_stop("overview_empty")
    rules = ui.rules()
    view = ui.compute(build_overview, filters, rules)
    st.caption(t("overview_caption", code, snapshot=fmt.date(view.snapshot_date),
                 previous=fmt.date(view.previous_date), version=view.rules_version))

    money = rules.currency
    columns = st.columns(4)
    for i, kpi in enumerate(view.kpis):
        with columns[i % len(columns)], st.container(border=True):   # the target inside the card
            label = t(kpi.key, code)
            if kpi.meets_target is False:
                label = f"⚠ {label}"
            target = "" if kpi.target is None else t(
                "kpi_target_min" if kpi.target_kind == "min" else "kpi_target_max", code,
                target=fmt.number(kpi.target, kpi.unit, code, money))
            st.metric(label, fmt.number(kpi.value, kpi.unit, code, money),
                      delta=fmt.change(kpi.change, kpi.unit, code, money),
                      delta_color=delta_color(kpi), delta_arrow=delta_arrow(kpi),
                      help=t(kpi.help_key or kpi.key + ("_model_help" if kpi.key == "kpi_revenue_at_risk"
                                        and view.risk_source == "model" else "_help"), code, months=view.horizon_months,
                             photo=fmt.date(view.photo_date), window=view.churn_window_months))
            st.caption(target or t("card_no_target", code))   # the target on the card, not in a tooltip
    if view.without_vips:
        st.info(t("overview_no_vip", code, vip=rules.tier_name(rules.vip_min_tier, code),
                  threshold=fmt.number(vip_spend_min(rules), "currency", code, money)))
        ui.pages.page_link(ui.pages.DATA, code, "overview_no_vip_link", icon=":material/tune:")
    missed = [t(k.key, code) for k in view.kpis if k.meets_target is False]
    if missed:
        st.warning(t("overview_missed", code, kpis=join(missed, code)))
    breaches = ui.compute(overview_breaches, filters.snapshot_date, rules)
    if breaches:
        st.subheader(t("alert_title", code))
        st.caption(t("alert_caption", code, version=rules.version))
        ui.table(breach_table(breaches, code, rules))
    if view.churn_window_months is None:
        st.info(t("overview_window_unknown", code, snapshot=fmt.date(view.snapshot_date)))
    if view.churn_window_months is not None or view.risk_source == "model":
        st.caption(t("overview_risk_note" if view.risk_source == "observed" else "overview_risk_note_model",
                     code, months=view.horizon_months, model=view.risk_model_id))

    left, right = st.columns(2)
    figures = charts.overview_figures(view, rules, code)
    for i, figure in enumerate(figures):
        with (left, right)[i % 2]:
            st.plotly_chart(figure, width="stretch", config={"displaylogo": False})

    with ui.engine().connect() as conn:   # not cached: recording outcomes changes no snapshot
        token = outcomes_token(conn)
    operations = ui.compute(overview_operations, rules, token)
    if operations is not None:
        operations_section(operations)

    ui.download_button(
        t("overview_download", code),
        lambda: overview_html(view, figures, filters, rules, code).encode("utf-8"),
        file_name=report_file_name(code, view.snapshot_date), mime="text/html")
