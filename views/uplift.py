"""Uplift: who a retention offer actually keeps, learnt from a past randomised campaign."""
import polars as pl
import streamlit as st

from lib import ui
from lib.common import fmt
from lib.i18n import t
from lib.uplift import charts
from lib.offers.store import current_catalogue
from lib.offers.targets import offer_targets
from lib.rules.economics import economics_of, offer_inputs
from lib.uplift.metrics import DECILE_UNITS
from lib.uplift.targeting import COMPARISON_UNITS, compare_targeting, offer_targeting_customers
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

with ui.guard():
    st.subheader(t("uplift_roi", code))
    _, catalogue, _ = current_catalogue(ui.engine())
    if not result.accepted:
        st.info(t("uplift_roi_refused", code))
    elif not catalogue:
        st.info(t("uplift_roi_no_offer", code))
    else:
        money = rules.currency
        loaded = offer_inputs(rules, st.session_state.get(ui.Keys.OFFER_INPUTS))
        ids = [o.id for o in catalogue]
        left, right = st.columns(2)
        chosen = left.selectbox(t("uplift_roi_offer", code), ids, index=ids.index(offer) if offer in ids else 0,
                                format_func=lambda i: next(o.name(code) for o in catalogue if o.id == i))
        budget = right.number_input(t("uplift_roi_budget", code), 0.0, value=float(loaded["budget"]), step=1000.0)
        roi_offer = next(o for o in catalogue if o.id == chosen)
        targets = ui.compute(offer_targets, filters, rules, economics_of(loaded))
        customers = ui.compute(offer_targeting_customers, offer, filters.snapshot_date, rules, targets.frame)
        table = ui.memo(compare_targeting, customers, roi_offer, float(budget))
        st.caption(t("uplift_roi_help", code, offer=roi_offer.name(code),
                     budget=fmt.number(float(budget), "currency", code, money)))
        st.plotly_chart(charts.targeting_comparison(table, money, code), width="stretch")
        shown = table.with_columns(pl.col("strategy").replace_strict(
            {s: t(f"uplift_ranking_{s}", code) for s in table["strategy"].to_list()}))
        ui.table(shown.rename({k: t(f"uplift_roi_col_{k}", code) for k in shown.columns}),
                 units={t(f"uplift_roi_col_{k}", code): unit for k, unit in COMPARISON_UNITS.items()})
