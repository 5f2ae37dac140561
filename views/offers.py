"""Offers ROI: what each retention offer returns per value tier, before money is spent."""
from dataclasses import replace

import pandas as pd
import polars as pl
import streamlit as st

from lib.rules import TIERS
from lib.offers import charts as charts_offers

from lib.common import fmt

from lib import ui
from lib.ui.tables import Column
from lib.i18n import t
from lib.common.markup import plain
from lib.common.frames import relabel
from lib.common.localise import header, join_clauses, localised
from lib.offers.optimiser import greedy, optimise, plan_table, single_offer
from lib.offers.store import current_catalogue, list_scenarios, load_scenario, save_catalogue, save_scenario
from lib.rules.economics import (
    ACQUISITION_COST_RANGE,
    ANNUAL_DISCOUNT_RANGE,
    HORIZON_MONTHS_RANGE,
    MARGIN_SHARE_RANGE,
    Economics,
    economics_of,
    offer_inputs,
)
from lib.offers.targets import offer_targets, tier_table
from lib.offers.roi import RANGE_COVERAGE, TIER_TABLE_UNITS, catalogue_rows, catalogue_text, depth_curve, monte_carlo, simulate
from lib.offers.calibration import calibrated_ranges, calibration_minimum
from views import operations_outcomes

#: The per-tier outcome table (lib.offers.targets.tier_table): header key and unit of each column.
TIER_TABLE = {"tier": "offers_col_tier",
              **{k: Column(f"offers_col_{k}", unit) for k, unit in TIER_TABLE_UNITS.items()}}
code = ui.lang()
st.title(t("page_offers", code))

with ui.guard(stop=True):
    filters = ui.filters_or_stop("overview_empty")
    rules = ui.rules()
    money = rules.currency   # the rules' currency on every amount
    version, catalogue, catalogue_toml = current_catalogue(ui.engine())
    loaded = offer_inputs(rules, st.session_state.get(ui.Keys.OFFER_INPUTS))

    a, b, c, d = st.columns(4)
    margin = a.slider(t("offers_margin", code), *MARGIN_SHARE_RANGE, float(loaded["margin_share"]), step=0.05,
                      help=t("offers_margin_help", code))
    discount = b.number_input(t("offers_discount", code), *ANNUAL_DISCOUNT_RANGE,
                              float(loaded["annual_discount"]), step=0.01)
    horizon = c.number_input(t("offers_horizon", code), *HORIZON_MONTHS_RANGE,
                             int(loaded["horizon_months"]))
    acquisition = d.number_input(t("offers_acquisition", code), *ACQUISITION_COST_RANGE,
                                 value=float(loaded["acquisition_cost"]), step=50.0,
                                 help=t("offers_acquisition_help", code))
    economics = Economics(margin, discount, int(horizon), acquisition)
    targets = ui.compute(offer_targets, filters, rules, economics)
    st.caption(t(f"offers_source_{targets.risk_source}", code) + " " + t(f"offers_clv_{targets.clv_source}", code)
               + " " + t("offers_catalogue_version", code, version=version))
    st.caption(t("offers_clv_by_tier", code, items=join_clauses((
        t(f"offers_clv_tier_{r['clv_source']}", code, tier=rules.tier_name(r["tier"], code),
          churn=fmt.number(r["monthly_churn"], "share", code),
          reason=t(f"lifecycle_status_{r['fit_status'] or 'no_lifetimes'}", code))
        for r in targets.clv_sources.iter_rows(named=True)), code)))

    names = {o.id: o.name(code) for o in catalogue}
    tab_sim, tab_depth, tab_budget, tab_catalogue, tab_scenarios = st.tabs([
        t("offers_tab_simulate", code), t("offers_tab_depth", code), t("offers_tab_budget", code),
        t("offers_tab_catalogue", code), t("offers_tab_scenarios", code)])

with tab_sim, ui.guard():
    ids = [o.id for o in catalogue]
    chosen_id = st.selectbox(t("offers_offer", code), ids, format_func=names.get,
                             index=ids.index(loaded["offer_id"]) if loaded.get("offer_id") in ids else 0)
    offer = next(o for o in catalogue if o.id == chosen_id)
    with st.expander(t("offers_calibration", code)):
        calibration, plan_label = operations_outcomes.calibration_source(filters, rules, code)
        if calibration.height == 0:
            st.caption(t("offers_calibration_none", code))
        else:
            minimum = calibration_minimum(rules)
            st.caption(t("offers_calibration_help", code, coverage=fmt.number(RANGE_COVERAGE, "share", code),
                         customers=minimum.arm_customers, churners=minimum.control_churners))
            shares = ["churn_control", "churn_treated", "difference", "difference_low", "difference_high",
                      "take_up", "take_up_low", "take_up_high", "effect", "effect_low", "effect_high"]
            reasons = [t(f"offers_refused_{r['refusal']}", code, control=r["control"], treated=r["treated"],
                         churned=r["control_churned"], customers=minimum.arm_customers,
                         churners=minimum.control_churners) if r["refusal"] else ""
                       for r in calibration.iter_rows(named=True)]
            ui.table(localised(calibration.with_columns(
                relabel(calibration["tier"], lambda x: rules.tier_name(x, code) if x else t("sidebar_all", code)),
                relabel(calibration["offer_id"], lambda x: names.get(x, x)),
                refusal=pl.Series(reasons, dtype=pl.String)).drop("coverage"), code),
                column_config={**{header(name, code): st.column_config.NumberColumn(format="percent")
                                  for name in shares},
                               "refusal": st.column_config.TextColumn(t("offers_calibration_refusal", code)),
                               "effect_clipped": st.column_config.CheckboxColumn(
                                   t("offers_calibration_clipped", code))})
            if calibration["effect_clipped"].any():
                st.caption(t("offers_calibration_clipped_note", code))
            pooled = calibration.filter((pl.col("tier") == 0) & pl.col("refusal").is_null())
            if pooled.height == 0:
                st.warning(t("offers_calibration_all_refused", code, customers=minimum.arm_customers,
                             churners=minimum.control_churners))
            else:
                campaign = st.selectbox(t("offers_calibration_pick", code), pooled["offer_id"].to_list())
                if st.button(t("offers_calibration_use", code, offer=offer.name(code))):
                    row = pooled.filter(pl.col("offer_id") == campaign).row(0, named=True)
                    take_up, effect = calibrated_ranges(row)
                    st.session_state[ui.Keys.OFFER_CALIBRATION] = {
                        offer.id: (take_up, effect, campaign if plan_label is None else f"{campaign} · {plan_label}",
                                   bool(row["effect_clipped"]))}
    override = st.session_state.get(ui.Keys.OFFER_CALIBRATION, {}).get(offer.id)
    if override:
        offer = replace(offer, take_up=tuple(override[0]), effect=tuple(override[1]))
        st.info(t("offers_calibrated_from", code, campaign=override[2],
                  take_up=f"{offer.take_up[0]:.0%}–{offer.take_up[1]:.0%}",
                  effect=f"{offer.effect[0]:.0%}–{offer.effect[1]:.0%}",
                  coverage=fmt.number(RANGE_COVERAGE, "share", code))
                + (" " + t("offers_calibrated_clipped", code) if any(override[3:]) else ""))
    depth = st.slider(t("offers_depth", code), 0, 100, int(loaded["depth_percent"]), step=5,
                      help=t("offers_depth_help", code)) / 100
    total = simulate(targets.frame, offer, depth)
    spread = ui.memo(monte_carlo, targets.frame, offer, depth)
    cols = st.columns(5)
    cols[0].metric(t("offers_targeted", code), fmt.number(total.targeted, "count", code))
    cols[1].metric(t("offers_saves", code), fmt.number(total.saves, "count", code))
    cols[2].metric(t("offers_net_value", code), fmt.number(total.net_value, "currency", code, money),
                   help=t("offers_interval", code, low=fmt.number(spread.low, "currency", code, money),
                          high=fmt.number(spread.high, "currency", code, money), draws=spread.draws))
    cols[3].metric(t("offers_roi", code), fmt.number(total.roi, "share", code))
    cols[4].metric(t("offers_p_positive", code), fmt.number(spread.p_positive, "share", code))
    st.markdown(t("offers_interval_text", code, value=fmt.number(total.net_value, "currency", code, money),
                  low=fmt.number(spread.low, "currency", code, money),
                  high=fmt.number(spread.high, "currency", code, money), draws=spread.draws,
                  p_positive=fmt.number(spread.p_positive, "share", code)))
    if total.cost_per_save is not None:
        st.caption(t("offers_cost_per_save", code, cost=fmt.number(total.cost_per_save, "currency", code, money),
                     acquisition=fmt.number(acquisition, "currency", code, money)))
    table = tier_table(targets.frame, offer, depth)
    if table.height:
        st.plotly_chart(charts_offers.simulation(table, total.net_value, spread.low, spread.high, rules, code),
                        width="stretch")
    table = table.with_columns(relabel(table["tier"], lambda x: rules.tier_name(x, code)))
    ui.labelled_table(table, TIER_TABLE, code)
    st.session_state[ui.Keys.OFFER_INPUTS] = {
        "offer_id": chosen_id, "depth_percent": int(depth * 100), "margin_share": margin,
        "annual_discount": discount, "horizon_months": int(horizon), "acquisition_cost": acquisition,
        "budget": loaded["budget"]}

with tab_depth, ui.guard():
    curves = {tier: ui.memo(depth_curve, targets.frame.filter(pl.col("tier") == tier), offer)
              for tier in sorted(set(targets.frame["tier"].to_list()) & set(offer.eligible_tiers))}
    if targets.risk_source == "observed":
        st.info(t("offers_depth_needs_model", code))
    st.plotly_chart(charts_offers.depth_curves(curves, rules, code), width="stretch")

with tab_budget, ui.guard():
    budget = st.number_input(t("offers_budget", code), 0.0, value=float(loaded["budget"]),
                             step=10_000.0)
    st.session_state[ui.Keys.OFFER_INPUTS]["budget"] = budget
    with st.expander(t("offers_caps", code)):
        caps = {}
        cap_cols = st.columns(6)
        for tier in TIERS:
            cap = cap_cols[tier - 1].number_input(plain(rules.tier_name(tier, code)), 0.0, value=0.0, step=5000.0,
                                                  key=ui.scoped(ui.Keys.OFFER_CAP, tier), help=t("offers_cap_help", code))
            if cap > 0:
                caps[tier] = cap
    plan = ui.memo(optimise, targets.frame, catalogue, budget, caps or None)
    fast = ui.memo(greedy, targets.frame, catalogue, budget, caps or None)
    singles = [ui.memo(single_offer, targets.frame, o, budget) for o in catalogue]
    best_single = max(singles, key=lambda p: p.net_value)
    comparison = [(t("offers_plan_optimised", code), plan.net_value, plan.cost),
                  (t("offers_plan_greedy", code), fast.net_value, fast.cost),
                  (t("offers_plan_single", code, offer=names[best_single.method.split(":", 1)[1]]),
                   best_single.net_value, best_single.cost),
                  (t("offers_plan_nothing", code), 0.0, 0.0)]
    st.plotly_chart(charts_offers.plan_comparison(comparison, code), width="stretch")
    st.caption(t("offers_method_note", code))
    if plan.gap:
        st.warning(t("offers_method_gap", code, gap=fmt.number(plan.gap, "share", code)))
    shown, units = plan_table(plan.rows, names, rules, code)
    ui.table(shown, units=units)
    if targets.risk_source == "model" and plan.rows.height and st.button(t("offers_plan_to_actions", code)):
        st.session_state[ui.Keys.OFFER_PLAN] = tuple(
            (int(r["tier"]), int(r["decile"]), r["offer_id"]) for r in plan.rows.iter_rows(named=True))
        ui.pages.switch_page(ui.pages.ACTION_LIST)
    ui.csv_download(t("offers_plan_download", code), shown, "offer_plan", filters.snapshot_date)

with tab_catalogue, ui.guard():
    st.caption(t("offers_catalogue_help", code))
    editable = pd.DataFrame(catalogue_rows(catalogue))
    edited = st.data_editor(editable, num_rows="dynamic", hide_index=True, width="stretch",
                            key=ui.scoped(ui.Keys.CATALOGUE_EDITOR, version),
                            column_config={c: st.column_config.Column(header(c, code)) for c in editable.columns})
    if st.button(t("offers_catalogue_save", code), type="primary", disabled=not ui.user().can("edit_offers")):
        saved = save_catalogue(ui.engine(), catalogue_text(edited.to_dict("records")))
        ui.clear_caches()
        st.success(t("offers_catalogue_saved", code, version=saved))
        st.rerun()

with tab_scenarios, ui.guard():
    name = st.text_input(t("offers_scenario_name", code))
    if st.button(t("offers_scenario_save", code), disabled=not name.strip() or not ui.user().can("edit_offers")):
        save_scenario(ui.engine(), name.strip(), st.session_state[ui.Keys.OFFER_INPUTS])
        st.success(t("offers_scenario_saved", code, name=name.strip()))
    saved = list_scenarios(ui.engine())
    if saved.height:
        picked = st.multiselect(t("offers_scenario_compare", code), saved["name"].to_list(),
                                max_selections=4)
        if picked:
            summary = []
            for scenario in picked:
                inputs = load_scenario(ui.engine(), scenario)
                scenario_targets = ui.compute(offer_targets, filters, rules, economics_of(inputs))
                scenario_offer = next((o for o in catalogue if o.id == inputs["offer_id"]), catalogue[0])
                result = simulate(scenario_targets.frame, scenario_offer, inputs["depth_percent"] / 100)
                summary.append({t("offers_scenario", code): scenario,
                                t("offers_offer", code): scenario_offer.name(code),
                                t("offers_depth", code): f"{inputs['depth_percent']}%",
                                t("offers_saves", code): round(result.saves, 1),
                                t("offers_col_cost", code): round(result.cost, 0),
                                t("offers_net_value", code): round(result.net_value, 0),
                                t("offers_roi", code): fmt.number(result.roi, "share", code)})
            ui.table(pl.DataFrame(summary))
        load = st.selectbox(t("offers_scenario_load", code), [""] + saved["name"].to_list())
        if load and st.button(t("offers_scenario_load_button", code)):
            st.session_state[ui.Keys.OFFER_INPUTS] = load_scenario(ui.engine(), load)
            st.rerun()
