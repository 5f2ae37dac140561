"""Call-back plans (回访计划): make a plan from the call list or a selection, with a hold-out
sized by a power calculation; list plans, move them forward, open one (customers, outcomes)."""
import datetime as dt
import secrets

import polars as pl
import streamlit as st

from lib.common import fmt

from lib import ui
from lib.ui.tables import Column
from lib.churn.actions import BANDS, STAGES, catalogue_entries, offer_names
from lib.churn.scores import churn_view
from lib.common.exports import mask_identifiers
from lib.i18n import t
from lib.common.markup import plain
from lib.offers.store import current_catalogue
from lib.operations.plans import (
    CHANNELS,
    NEXT_STATUS,
    PlanDraft,
    create_plan,
    delete_plan,
    list_plans,
    operations_settings,
    plan_inputs,
    plan_members,
    set_status,
)
from lib.operations.holdout import power_of, propose_holdout
from views import operations_outcomes

code = ui.lang()
st.title(t("page_operations", code))
CAN_RUN = ui.user().can("run_operations")
CAN_SEE_IDENTIFIERS = ui.user().can("see_identifiers")
#: Headers of a plan's customer list (lib.operations.plans.plan_members) and of the plan listing.
MEMBER_TABLE = {k: f"ops_col_{k}" for k in ("customer_id", "arm", "tier", "stage", "province", "manager",
                                             "offer_id")}
PLAN_TABLE = {"plan_id": "ops_col_plan_id", "name": "ops_col_name", "status": "ops_col_status",
              "channel": "ops_col_channel", "treated": Column("ops_col_treated", "count"),
              "holdout": Column("ops_col_holdout", "count"), "outcomes": Column("ops_col_outcomes", "count"),
              "window_start": "ops_col_window_start", "window_end": "ops_col_window_end",
              "created_by": "ops_col_created_by", "created_at": "ops_col_created_at"}
OPEN_PLAN = ui.Keys.OPS_OPEN_PLAN
SEED = ui.Keys.OPS_SEED


def _done(message: str) -> None:
    ui.clear_caches()
    st.session_state[ui.Keys.OPS_FLASH] = message
    st.rerun()


def _new_plan(filters, rules, catalogue) -> None:
    settings = operations_settings(rules)
    handoff = st.session_state.pop(ui.Keys.FROM_ACTION_LIST, None)
    if handoff is not None:
        st.session_state[ui.Keys.OPS_SOURCE] = "action_list"
        st.session_state[ui.Keys.OPS_BANDS] = list(handoff.get("bands", ["high"]))
        st.session_state[ui.Keys.OPS_STAGES] = list(handoff.get("stages", []))
    scored_by = ui.compute(churn_view, filters.snapshot_date).scored_by
    if st.session_state.get(ui.Keys.OPS_SOURCE) not in ("action_list", "selection"):
        st.session_state[ui.Keys.OPS_SOURCE] = "action_list" if scored_by is not None else "selection"
    source = st.radio(t("ops_source", code), options=["action_list", "selection"], horizontal=True,
                      format_func=lambda s: t(f"ops_source_{s}", code), key=ui.Keys.OPS_SOURCE)
    offer_plan = None
    if source == "action_list":
        if scored_by is None:
            st.info(t("actions_not_scored", code, snapshot=fmt.date(filters.snapshot_date)))
            ui.pages.page_link(ui.pages.CHURN, code)
            return
        offer_plan = st.session_state.get(ui.Keys.OFFER_PLAN) or None
        left, right = st.columns(2)
        st.session_state.setdefault(ui.Keys.OPS_BANDS, ["high"])
        bands = left.multiselect(t("actions_bands", code), options=list(BANDS),
                                 format_func=lambda b: t(f"churn_band_{b}", code), key=ui.Keys.OPS_BANDS,
                                 placeholder=t("sidebar_all", code), disabled=bool(offer_plan))
        stages = right.multiselect(t("actions_stages", code), options=list(STAGES), key=ui.Keys.OPS_STAGES,
                                   format_func=lambda s: t(f"churn_stage_{s}", code),
                                   placeholder=t("sidebar_all", code), disabled=bool(offer_plan))
        tiers, provinces = filters.tiers, filters.provinces
        st.caption(t("ops_source_action_list_note" if not offer_plan else "ops_source_offer_plan_note",
                     code, snapshot=fmt.date(filters.snapshot_date)))
    else:
        a, b, c = st.columns(3)
        st.session_state.setdefault(ui.Keys.OPS_TIERS, list(filters.tiers))
        st.session_state.setdefault(ui.Keys.OPS_PROVINCES, list(filters.provinces))
        tiers = a.multiselect(t("sidebar_tiers", code), options=list(range(1, 7)),
                              format_func=lambda tier: rules.tier_name(tier, code), key=ui.Keys.OPS_TIERS,
                              placeholder=t("sidebar_all", code))
        stages = b.multiselect(t("actions_stages", code), options=list(STAGES), key=ui.Keys.OPS_SEL_STAGES,
                               format_func=lambda s: t(f"churn_stage_{s}", code),
                               placeholder=t("sidebar_all", code))
        provinces = c.multiselect(t("sidebar_provinces", code), key=ui.Keys.OPS_PROVINCES,
                                  options=ui.province_options(filters.snapshot_date, ui.data_token()),
                                  placeholder=t("sidebar_all", code))
        bands = ()
        st.caption(t("ops_source_selection_note", code, snapshot=fmt.date(filters.snapshot_date),
                     limit=f"{settings.max_plan_customers:,}"))
    inputs = ui.compute(plan_inputs, source, filters, rules, tuple(bands), tuple(stages), tuple(tiers),
                        tuple(provinces), catalogue, offer_plan)
    customers = inputs.candidates.height
    if customers == 0:
        st.info(t("ops_no_customers", code))
        return
    if inputs.matched > customers:
        st.caption(t("ops_capped", code, matched=f"{inputs.matched:,}", kept=f"{customers:,}"))

    st.markdown(f"**{t('ops_power_title', code)}**")
    left, right = st.columns(2)
    baseline = left.number_input(
        t("ops_baseline", code), min_value=0.1, max_value=99.9, step=0.5,
        value=min(99.9, max(0.1, round(inputs.baseline.rate * 100, 1))), key=ui.scoped(ui.Keys.OPS_BASELINE, source, round(inputs.baseline.rate, 4)),
        help=t(f"ops_baseline_{inputs.baseline.source}_help", code)) / 100
    # The rules' effect, or half the baseline when the baseline is too low for it.
    default_effect = min(settings.target_effect, round(baseline / 2, 3))
    effect = right.number_input(t("ops_effect", code), min_value=0.1, max_value=50.0, step=0.5,
                                value=max(0.1, round(default_effect * 100, 1)), key=ui.scoped(ui.Keys.OPS_EFFECT, default_effect),
                                help=t("ops_effect_help", code)) / 100
    if effect >= baseline:
        st.warning(t("ops_bad_effect", code, baseline=round(baseline * 100, 1), effect=round(effect * 100, 1)))
        return
    proposal = propose_holdout(customers, baseline, effect, settings)
    a, b, c, d = st.columns(4)
    a.metric(t("ops_kpi_customers", code), fmt.number(customers, "count", code), border=True)
    b.metric(t("ops_kpi_per_arm", code), fmt.number(proposal.per_arm_equal, "count", code),
             help=t("ops_kpi_per_arm_help", code, alpha=settings.alpha, power=fmt.number(settings.power, "share", code)),
             border=True)
    c.metric(t("ops_kpi_proposed", code), fmt.number(proposal.holdout, "count", code), border=True)
    d.metric(t("ops_kpi_power", code), fmt.number(proposal.achieved_power, "share", code), border=True)
    if proposal.enough:
        st.caption(t("ops_power_ok", code, holdout=f"{proposal.holdout:,}", treated=f"{customers - proposal.holdout:,}",
                     power=fmt.number(proposal.achieved_power, "share", code)))
    else:
        st.warning(t("ops_list_too_small", code, customers=f"{customers:,}", needed=f"{proposal.list_needed:,}",
                     per_arm=f"{proposal.per_arm_equal:,}", effect=f"{effect * 100:.1f}",
                     share=fmt.number(settings.default_holdout_share, "share", code),
                     power=fmt.number(proposal.achieved_power, "share", code)))

    if not CAN_RUN:
        st.caption(t("ops_viewer_note", code))
        return
    left, right = st.columns(2)
    holdout = left.number_input(t("ops_holdout", code), min_value=0, max_value=customers - 1,
                                value=min(proposal.holdout, customers - 1), step=1,
                                help=t("ops_holdout_help", code))
    if holdout != proposal.holdout:
        right.metric(t("ops_override_power", code),
                     fmt.number(power_of(int(holdout), customers - int(holdout), baseline, effect,
                                         settings.alpha, settings.continuity_correction), "share", code),
                     border=True)
    if SEED not in st.session_state:
        st.session_state[SEED] = secrets.randbelow(1_000_000) + 1
    with st.form(ui.Keys.OPS_NEW_PLAN_FORM):
        left, right = st.columns(2)
        name = left.text_input(t("ops_name", code))
        channel = right.selectbox(t("ops_channel", code), options=list(CHANNELS),
                                  format_func=lambda ch: t(f"ops_channel_{ch}", code))
        purpose = st.text_input(t("ops_purpose", code), placeholder=t("ops_purpose_placeholder", code))
        left, right = st.columns(2)
        today = dt.date.today()
        window = left.date_input(t("ops_window", code), value=(today, today + dt.timedelta(days=14)))
        offers = right.multiselect(t("ops_offers", code), options=[o["id"] for o in catalogue],
                                   format_func=offer_names(catalogue, code).get,
                                   placeholder=t("ops_offers_placeholder", code))
        seed = left.number_input(t("ops_seed", code), min_value=1, max_value=2**31 - 1, step=1, key=SEED,
                                 help=t("ops_seed_help", code))
        submitted = st.form_submit_button(t("ops_create", code), type="primary")
    if submitted:
        start, end = (tuple(window) + (None, None))[:2] if isinstance(window, (tuple, list)) else (window, None)
        selection = {"source": source, "snapshot_date": filters.snapshot_date, "tiers": list(tiers),
                     "stages": list(stages), "provinces": list(provinces), "bands": list(bands),
                     "baseline": baseline, "baseline_source": inputs.baseline.source,
                     "offer_plan": [list(g) for g in offer_plan] if offer_plan else None}
        if source == "action_list":
            selection["model_id"] = scored_by
        draft = PlanDraft(name=name, purpose=purpose, channel=channel, snapshot_date=filters.snapshot_date,
                          window_start=start, window_end=end, offer_ids=tuple(offers), selection=selection,
                          target_effect=effect, holdout_size=int(holdout), seed=int(seed))
        plan_id = create_plan(ui.engine(), draft, inputs.candidates, rules, catalogue)
        st.session_state[OPEN_PLAN] = plan_id
        st.session_state.pop(SEED, None)
        _done(t("ops_created", code, plan=plan_id, holdout=f"{int(holdout):,}",
                treated=f"{customers - int(holdout):,}"))


def _plan_label(row: dict) -> str:
    return f"#{row['plan_id']} · {row['name']} · {t('ops_status_' + row['status'], code)}"


def _open_plan(plan: dict, rules, catalogue) -> None:
    plan_id = plan["plan_id"]
    month = int(plan["snapshot_month"])
    st.caption(t("ops_plan_caption", code, channel=t(f"ops_channel_{plan['channel']}", code),
                 snapshot=f"{month // 12}-{month % 12 + 1:02d}", start=fmt.date(plan["window_start"]),
                 end=fmt.date(plan["window_end"]), seed=plan["seed"], by=plan["created_by"] or "–",
                 purpose=plan["purpose"] or "–",
                 effect=fmt.number(plan["target_effect"], "share", code)))
    a, b, c = st.columns(3)
    a.metric(t("ops_kpi_treated", code), fmt.number(plan["treated"], "count", code), border=True)
    b.metric(t("ops_kpi_holdout", code), fmt.number(plan["holdout"], "count", code), border=True)
    c.metric(t("ops_kpi_status", code), t(f"ops_status_{plan['status']}", code), border=True)
    if CAN_RUN:
        buttons = st.columns([1, 1, 4])
        following = NEXT_STATUS.get(plan["status"])
        if following and buttons[0].button(t(f"ops_to_{following}", code), key=ui.scoped(ui.Keys.OPS_STATUS, plan_id)):
            set_status(ui.engine(), plan_id, following)
            _done(t("ops_status_changed", code, plan=plan_id, status=t(f"ops_status_{following}", code)))
        if plan["status"] == "draft" and buttons[1].button(t("ops_delete", code), key=ui.scoped(ui.Keys.OPS_DELETE, plan_id)):
            delete_plan(ui.engine(), plan_id)
            st.session_state.pop(OPEN_PLAN, None)
            _done(t("ops_deleted", code, plan=plan_id))
    members = ui.compute(plan_members, plan_id)
    names = offer_names(catalogue, code)
    shown = mask_identifiers(members, ("customer_id",), CAN_SEE_IDENTIFIERS).with_columns(
        pl.col("arm").replace_strict({a: t(f"ops_arm_{a}", code) for a in ("treated", "holdout")},
                                     default=pl.col("arm"), return_dtype=pl.String),
        pl.col("tier").replace_strict({k: rules.tier_name(k, code) for k in range(1, 7)},
                                      default=None, return_dtype=pl.String),
        pl.col("stage").replace_strict({s: t(f"churn_stage_{s}", code) for s in STAGES},
                                       default=pl.col("stage"), return_dtype=pl.String),
        pl.col("offer_id").replace_strict(names, default=pl.col("offer_id"), return_dtype=pl.String),
    ).with_columns(pl.col("offer_id", "manager").fill_null("—"))    # hold-out: no call, no offer
    ui.labelled_table(shown, MEMBER_TABLE, code)
    st.caption(t("actions_shown_note" if CAN_SEE_IDENTIFIERS else "actions_masked_note", code))
    operations_outcomes.render(plan_id, names)


flash = st.session_state.pop(ui.Keys.OPS_FLASH, None)
if flash:
    st.success(flash)

with ui.guard(stop=True):
    filters = ui.filters_or_stop("churn_empty")
    rules = ui.rules()
    catalogue = catalogue_entries(current_catalogue(ui.engine())[1])

with ui.guard():
    st.subheader(t("ops_new", code))
    _new_plan(filters, rules, catalogue)

with ui.guard():
    st.subheader(t("ops_plans", code))
    plans = ui.compute(list_plans)
    if plans.height == 0:
        st.caption(t("ops_no_plans", code))
    else:
        listing = plans.select(
            "plan_id", "name",
            pl.col("status").replace_strict({s: t(f"ops_status_{s}", code) for s in ("draft", "active", "closed")},
                                            default=pl.col("status"), return_dtype=pl.String),
            pl.col("channel").replace_strict({c: t(f"ops_channel_{c}", code) for c in CHANNELS},
                                             default=pl.col("channel"), return_dtype=pl.String),
            "treated", "holdout", "outcomes", pl.col("window_start").cast(pl.String).fill_null("—"),
            pl.col("window_end").cast(pl.String).fill_null("—"), "created_by", pl.col("created_at").dt.strftime("%Y-%m-%d %H:%M"),
        )
        ui.labelled_table(listing, PLAN_TABLE, code)
        rows = {r["plan_id"]: r for r in plans.iter_rows(named=True)}
        ids = list(rows)
        if st.session_state.get(OPEN_PLAN) not in ids:
            st.session_state[OPEN_PLAN] = ids[0]
        chosen = st.selectbox(t("ops_open", code), options=ids, key=OPEN_PLAN,
                              format_func=lambda i: _plan_label(rows[i]))
        st.subheader(plain(_plan_label(rows[chosen])))   # a select box shows text, a subheader markdown
        _open_plan(rows[chosen], rules, catalogue)
