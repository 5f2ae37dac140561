"""Uplift: who a retention offer actually keeps, learnt from a past randomised campaign."""
import streamlit as st

from lib import ui
from lib.common import fmt
from lib.i18n import t
from lib.uplift import charts
from lib.uplift.metrics import DECILE_UNITS
from lib.uplift.train import campaign_list, train_uplift

code = ui.lang()
st.title(t("page_uplift", code))

with ui.guard(stop=True):
    filters = ui.filters_or_stop("overview_empty")
    rules = ui.rules()
    st.caption(t("uplift_intro", code))
    campaigns = ui.compute(campaign_list, filters.snapshot_date)
    if campaigns.height == 0:
        st.info(t("uplift_no_campaigns", code))
        st.stop()
    offer = st.selectbox(t("uplift_offer", code), campaigns["offer_id"].to_list())
    result = ui.compute(train_uplift, offer, filters.snapshot_date, rules)
    fit = result.fit

with ui.guard():
    st.caption(t("uplift_trained_on", code, offer=offer, contacts=result.contacts,
                 first=str(result.first_contact), last=str(result.last_contact),
                 customers=fit.customers if fit else 0, treated=fit.treated if fit else 0,
                 control=fit.control if fit else 0, horizon=result.horizon_months,
                 unlabelled=result.unlabelled, without_features=result.without_features))
    if result.refusal is not None:
        st.warning(t(result.refusal.code, code, **result.refusal.params))
    evaluation = fit.evaluation if fit else None
    if evaluation is not None:
        if result.refusal is not None:
            st.caption(t("uplift_refused_record", code))
        candidates = ", ".join(f"{t(f'uplift_learner_{name}', code)} {value:.4f}"
                               for name, value in fit.candidates.items())
        st.caption(t("uplift_learner", code, learner=t(f"uplift_learner_{fit.learner}", code),
                     candidates=candidates, customers=evaluation.customers, treated=evaluation.treated))
        a, b, c, d = st.columns(4)
        a.metric(t("uplift_metric_qini_model", code), f"{evaluation.model.qini:.4f}",
                 help=t("uplift_metric_qini_help", code))
        b.metric(t("uplift_metric_qini_risk", code), f"{evaluation.risk.qini:.4f}",
                 help=t("uplift_metric_qini_help", code))
        for column, share in ((c, "0.2"), (d, "0.5")):
            column.metric(t("uplift_metric_top", code, share=fmt.number(float(share), "share", code)),
                          fmt.number(evaluation.model.prevented[share], "share", code),
                          delta=t("uplift_metric_top_delta", code,
                                  value=fmt.number(evaluation.risk.prevented[share], "share", code)),
                          delta_color="off")
        left, right = st.columns(2)
        left.plotly_chart(charts.gain_curves(evaluation.curves, "qini", code), width="stretch")
        right.plotly_chart(charts.gain_curves(evaluation.curves, "uplift", code), width="stretch")
        st.subheader(t("uplift_deciles", code))
        st.caption(t("uplift_deciles_help", code))
        ui.table(evaluation.deciles.rename({name: t(f"uplift_col_{name}", code)
                                            for name in evaluation.deciles.columns}),
                 units={t(f"uplift_col_{name}", code): unit for name, unit in DECILE_UNITS.items()})
        dogs = evaluation.sleeping_dogs
        text = t("uplift_sleeping_dogs", code, share=fmt.number(dogs.share, "share", code),
                 observed=fmt.number(dogs.observed, "share", code),
                 low=fmt.number(dogs.low, "share", code), high=fmt.number(dogs.high, "share", code))
        verdict = "significant" if dogs.significant else "not_significant"
        (st.error if dogs.significant else st.info)(text + " " + t(f"uplift_sleeping_dogs_{verdict}", code))
