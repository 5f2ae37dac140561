"""Churn risk: train and judge the model, see why it predicts, read its card and the revenue
the scored base puts at risk."""
import streamlit as st

from lib.churn import charts as charts_churn

from lib.common import fmt

from lib import ui
from lib.churn.model import churn_settings
from lib.churn.card import card_markdown, comparison, validation_text
from lib.churn.scores import churn_view, revenue_at_risk_from_scores, risk_horizon_choices, train_and_score
from lib.churn.train import training_target
from lib.i18n import t

code = ui.lang()
st.title(t("page_churn", code))
CHART = {"displaylogo": False}
card = None

with ui.guard(stop=True):
    filters = ui.filters_or_stop("churn_empty")
    rules = ui.rules()
    money = rules.currency   # the rules' currency on every amount
    settings = churn_settings(rules)
    target = ui.compute(training_target, filters.snapshot_date, rules)
    intro = {"window": "churn_intro", "same_row": "churn_intro_same_row"}[target.label]
    st.caption(t(intro if target.months is not None else "churn_intro_unknown", code,
                 months=target.months, horizon=settings.horizon_months,
                 rows=f"{settings.sample_rows:,}", version=rules.version))
    if st.button(t("churn_train_button", code, snapshot=fmt.date(filters.snapshot_date)),
                 type="primary", icon=":material/model_training:", disabled=target.months is None):
        with st.status(t("churn_training", code), expanded=True) as status:
            bar = st.progress(0.0, text=t("churn_scoring", code))
            model_id, trained = train_and_score(ui.engine(), filters.snapshot_date, rules,
                                                progress=lambda share: bar.progress(min(share, 1.0)))
            status.update(label=t("churn_trained", code, model=model_id,
                                  seconds=f"{trained.training_seconds:.1f}"), state="complete")
        ui.clear_caches()
    view = ui.compute(churn_view, filters.snapshot_date)
    if view.card is None:
        st.info(t("churn_no_model", code, snapshot=fmt.date(filters.snapshot_date)))
        st.stop()
    card = view.card
    if card.accepted:
        st.success(t("churn_accepted", code, model=view.model_id, rows=f"{view.scored_rows:,}",
                     snapshot=fmt.date(filters.snapshot_date)))
    else:
        st.error(t("churn_refused", code, model=view.model_id, reason=t(card.refused, code)))
    if settings.from_defaults:
        st.caption(t("churn_settings_defaults", code))

    st.subheader(t("churn_section_validation", code))
    st.caption(validation_text(card, code))
    ui.table(comparison(card, code))

with ui.guard():
    if card is not None and card.accepted:
        left, right = st.columns(2)
        with left:
            st.plotly_chart(charts_churn.lift(card.table("deciles"), card.table("baseline_deciles"),
                                              code), width="stretch", config=CHART)
            st.plotly_chart(charts_churn.calibration(card.table("calibration"),
                                                     card.table("baseline_calibration"), code),
                            width="stretch", config=CHART)
        with right:
            st.plotly_chart(charts_churn.gains(card.table("deciles"), card.table("baseline_deciles"),
                                               code), width="stretch", config=CHART)
            st.plotly_chart(charts_churn.importance(card.table("importance"), code),
                            width="stretch", config=CHART)
        st.caption(t("churn_explain_note", code))

with ui.guard():
    if card is not None and card.accepted:
        st.subheader(t("churn_section_risk", code))
        horizon = st.select_slider(t("churn_risk_horizon", code), options=risk_horizon_choices(rules),
                                   value=rules.risk_horizon_months)
        risk = ui.compute(revenue_at_risk_from_scores, filters, horizon)
        if risk is None:
            st.info(t("churn_not_scored", code))
        else:
            a, b, c = st.columns(3)
            a.metric(t("churn_kpi_revenue_at_risk", code, months=risk.horizon_months),
                     fmt.number(risk.total, "currency", code, money), border=True,
                     help=t("churn_kpi_revenue_at_risk_help", code, months=risk.horizon_months,
                            horizon=risk.model_horizon))
            b.metric(t("churn_kpi_expected_churners", code, months=risk.model_horizon),
                     fmt.number(risk.expected_churners, "count", code), border=True)
            c.metric(t("churn_kpi_scored", code), fmt.number(risk.customers, "count", code),
                     border=True)
            left, right = st.columns(2)
            left.plotly_chart(charts_churn.risk_by_tier(risk.by_tier, rules, risk.horizon_months,
                                                        code), width="stretch", config=CHART)
            right.plotly_chart(charts_churn.risk_by_province(risk.by_province,
                                                             risk.horizon_months, code),
                               width="stretch", config=CHART)
            ui.pages.page_link(ui.pages.ACTION_LIST, code)

with ui.guard():
    if card is not None:
        with st.expander(t("churn_section_card", code), expanded=not card.accepted):
            st.markdown(card_markdown(card, view.model_id, code))
