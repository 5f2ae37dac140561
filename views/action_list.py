"""Action list: the early-warning call list (预警客户, 回访名单) with reasons, action, offer and
account manager; exports with identifiers masked, each one logged."""
import streamlit as st

from lib.common import fmt
from lib.common.localise import localised

from lib import ui
from lib.churn.actions import (
    BANDS,
    apply_plan,
    STAGES,
    call_list,
    call_list_units,
    call_list_widths,
    catalogue_entries,
    display_frame,
    export_call_list,
    export_history,
    offer_names,
)
from lib.churn.scores import churn_view
from lib.churn.need_tags import has_contract_end, legend, need_tags
from lib.offers.store import current_catalogue
from lib.i18n import t
from lib.uplift.targeting import rank_by_uplift, with_uplift
from lib.uplift.train import campaign_list, train_uplift

code = ui.lang()
st.title(t("page_action_list", code))
CAN_SEE_IDENTIFIERS = ui.user().can("see_identifiers")


with ui.guard(stop=True):
    filters = ui.filters_or_stop("churn_empty")
    rules = ui.rules()
    money = rules.currency   # the rules' currency on every amount
    view = ui.compute(churn_view, filters.snapshot_date)
    if view.scored_by is None:
        st.info(t("actions_not_scored", code, snapshot=fmt.date(filters.snapshot_date)))
        ui.pages.page_link(ui.pages.CHURN, code)
        st.stop()
    left, right = st.columns(2)
    bands = left.multiselect(t("actions_bands", code), options=list(BANDS), default=["high"],
                             format_func=lambda b: t(f"churn_band_{b}", code),
                             placeholder=t("sidebar_all", code))
    stages = right.multiselect(t("actions_stages", code), options=list(STAGES),
                               format_func=lambda s: t(f"churn_stage_{s}", code),
                               placeholder=t("sidebar_all", code))
    catalogue = catalogue_entries(current_catalogue(ui.engine())[1])
    plan = st.session_state.get(ui.Keys.OFFER_PLAN)
    if plan:
        st.info(t("actions_plan_active", code, groups=len(plan)))
        if st.button(t("actions_plan_clear", code)):
            st.session_state.pop(ui.Keys.OFFER_PLAN)
            st.rerun()
        calls = apply_plan(ui.compute(call_list, filters, rules, tuple(BANDS), (), catalogue), plan)
    else:
        calls = ui.compute(call_list, filters, rules, tuple(bands), tuple(stages), catalogue)
    campaigns = ui.compute(campaign_list, filters.snapshot_date)
    uplift_offer = st.selectbox(t("actions_uplift_offer", code), [""] + campaigns["offer_id"].to_list(),
                                format_func=lambda o: o or t("actions_uplift_none", code))
    if uplift_offer:
        model = ui.compute(train_uplift, uplift_offer, filters.snapshot_date, rules)
        if not model.accepted:
            st.warning(t(model.refusal.code, code, **model.refusal.params))
        else:
            exclude = st.checkbox(t("actions_uplift_exclude", code), value=True)
            with ui.engine().connect() as conn:
                scored = with_uplift(conn, calls, model.fit.model)
            before = scored.rows.height
            calls = rank_by_uplift(scored, exclude)
            st.caption(t("actions_uplift_caption", code, offer=uplift_offer, customers=model.fit.customers,
                         excluded=before - calls.rows.height))
    frame = display_frame(calls, rules, code, CAN_SEE_IDENTIFIERS, offer_names(catalogue, code))
    st.caption(t("actions_caption", code, snapshot=fmt.date(filters.snapshot_date),
                 model=view.scored_by, limit=f"{calls.limit:,}", version=rules.version))
    a, b, c = st.columns(3)
    a.metric(t("actions_kpi_customers", code), fmt.number(calls.rows.height, "count", code),
             border=True)
    b.metric(t("actions_kpi_expected_loss", code),
             fmt.number(float(calls.rows["expected_loss"].sum()) if calls.rows.height else 0.0,
                        "currency", code, money),
             help=t("actions_kpi_expected_loss_help", code), border=True)
    c.metric(t("actions_kpi_unassigned", code),
             fmt.number(calls.rows["manager"].null_count() if calls.rows.height else 0, "count", code),
             help=t("actions_kpi_unassigned_help", code), border=True)
    if calls.rows.height == 0:
        st.info(t("actions_empty", code))
    else:
        ui.table(frame, units=call_list_units(rules, code),
                 column_config={name: st.column_config.Column(width=width)
                                for name, width in call_list_widths(rules, code).items()})
        st.caption(t("actions_shown_note" if CAN_SEE_IDENTIFIERS else "actions_masked_note", code))
        tags = need_tags(rules)
        with st.expander(t("needtags_legend", code)):
            st.markdown("\n".join(f"- {line}" for line in legend(tags, code)))
            if has_contract_end(tags):
                st.caption(t("needtags_contract_note", code))
        downloads = st.columns([1, 1, 4])
        for column, file_format, mime in (
            (downloads[0], "csv", "text/csv"),
            (downloads[1], "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ):
            ui.download_button(
                t(f"actions_download_{file_format}", code),
                lambda file_format=file_format, engine=ui.engine(): export_call_list(
                    engine, frame, file_format, filters.snapshot_date, not CAN_SEE_IDENTIFIERS),
                file_name=ui.download_name("call_list", filters.snapshot_date, file_format),
                mime=mime, disabled=not ui.user().can("export"), where=column)
        if downloads[2].button(t("ops_from_list", code), icon=":material/support_agent:",
                               disabled=not ui.user().can("run_operations")):
            st.session_state[ui.Keys.FROM_ACTION_LIST] = {"bands": list(bands), "stages": list(stages)}
            ui.pages.switch_page(ui.pages.OPERATIONS)

with ui.guard():
    st.subheader(t("actions_log", code))
    with ui.engine().connect() as conn:   # not cached: a download adds to it without a rerun
        history = export_history(conn)
    if history.height == 0:
        st.caption(t("actions_log_empty", code))
    else:
        ui.table(localised(history.with_columns(history["user_name"].fill_null(t("actions_no_login", code))), code))
