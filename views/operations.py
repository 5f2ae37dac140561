"""Call-back plans (回访计划): make a plan from the call list or a selection, with a hold-out
sized by a power calculation; list plans, move them forward, open one (customers, outcomes)."""
import datetime as dt
from typing import NamedTuple

import polars as pl
import streamlit as st

from lib.rules import TIERS
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
from lib.operations.holdout import (
    BASELINE_PERCENT_RANGE,
    EFFECT_PERCENT_RANGE,
    SEED_MAX,
    SEED_MIN,
    new_seed,
    power_of,
    propose_holdout,
)
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


class Choice(NamedTuple):
    """Who a new plan is drawn from: the source and its selection."""

    source: str
    bands: tuple
    stages: tuple
    tiers: tuple
    provinces: tuple
    offer_plan: tuple | None
    scored_by: int | None


def _take_handoff() -> None:
    """The Action list's "plan from this list": its bands and stages become this page's choice."""
    handoff = st.session_state.pop(ui.Keys.FROM_ACTION_LIST, None)
    if handoff is not None:
        st.session_state[ui.Keys.OPS_SOURCE] = "action_list"
        st.session_state[ui.Keys.OPS_BANDS] = list(handoff.get("bands", ["high"]))
        st.session_state[ui.Keys.OPS_STAGES] = list(handoff.get("stages", []))


def _choose_customers(filters, rules, settings) -> Choice | None:
    """The source (the call list or a tier / stage / province selection) and its filters;
    None when the call list is chosen but the snapshot is not scored."""
    _take_handoff()
    scored_by = ui.compute(churn_view, filters.snapshot_date).scored_by
    if st.session_state.get(ui.Keys.OPS_SOURCE) not in ("action_list", "selection"):
        st.session_state[ui.Keys.OPS_SOURCE] = "action_list" if scored_by is not None else "selection"
    source = st.radio(t("ops_source", code), options=["action_list", "selection"], horizontal=True,
                      format_func=lambda s: t(f"ops_source_{s}", code), key=ui.Keys.OPS_SOURCE)
    if source == "action_list":
        if scored_by is None:
            st.info(t("actions_not_scored", code, snapshot=fmt.date(filters.snapshot_date)))
            ui.pages.page_link(ui.pages.CHURN, code)
            return None
        offer_plan = st.session_state.get(ui.Keys.OFFER_PLAN) or None
        left, right = st.columns(2)
        st.session_state.setdefault(ui.Keys.OPS_BANDS, ["high"])
        bands = left.multiselect(t("actions_bands", code), options=list(BANDS),
                                 format_func=lambda b: t(f"churn_band_{b}", code), key=ui.Keys.OPS_BANDS,
                                 placeholder=t("sidebar_all", code), disabled=bool(offer_plan))
        stages = right.multiselect(t("actions_stages", code), options=list(STAGES), key=ui.Keys.OPS_STAGES,
                                   format_func=lambda s: t(f"churn_stage_{s}", code),
                                   placeholder=t("sidebar_all", code), disabled=bool(offer_plan))
        st.caption(t("ops_source_action_list_note" if not offer_plan else "ops_source_offer_plan_note",
                     code, snapshot=fmt.date(filters.snapshot_date)))
        return Choice(source, tuple(bands), tuple(stages), tuple(filters.tiers), tuple(filters.provinces),
                      offer_plan, scored_by)
    a, b, c = st.columns(3)
    st.session_state.setdefault(ui.Keys.OPS_TIERS, list(filters.tiers))
    st.session_state.setdefault(ui.Keys.OPS_PROVINCES, list(filters.provinces))
    tiers = a.multiselect(t("sidebar_tiers", code), options=list(TIERS),
                          format_func=lambda tier: rules.tier_name(tier, code), key=ui.Keys.OPS_TIERS,
                          placeholder=t("sidebar_all", code))
    stages = b.multiselect(t("actions_stages", code), options=list(STAGES), key=ui.Keys.OPS_SEL_STAGES,
                           format_func=lambda s: t(f"churn_stage_{s}", code),
                           placeholder=t("sidebar_all", code))
    provinces = c.multiselect(t("sidebar_provinces", code), key=ui.Keys.OPS_PROVINCES,
                              options=ui.province_options(filters.snapshot_date, ui.data_token()),
                              placeholder=t("sidebar_all", code))
    st.caption(t("ops_source_selection_note", code, snapshot=fmt.date(filters.snapshot_date),
                 limit=f"{settings.max_plan_customers:,}"))
    return Choice(source, (), tuple(stages), tuple(tiers), tuple(provinces), None, scored_by)


def _percent_input(where, label: str, share: float, bounds: tuple[float, float], key: str, help: str) -> float:
    """A share (0–1) typed in percent within ``bounds`` (percent), starting at ``share``."""
    low, high = bounds
    start = min(high, max(low, round(share * 100, 1)))
    return where.number_input(label, min_value=low, max_value=high, step=0.5, value=start, key=key,
                              help=help) / 100


def _power(inputs, settings, source: str):
    """Baseline, effect and the proposed hold-out, shown as the power calculation's figures;
    None when the effect is not below the baseline."""
    st.markdown(f"**{t('ops_power_title', code)}**")
    left, right = st.columns(2)
    baseline = _percent_input(left, t("ops_baseline", code), inputs.baseline.rate, BASELINE_PERCENT_RANGE,
                              ui.scoped(ui.Keys.OPS_BASELINE, source, round(inputs.baseline.rate, 4)),
                              t(f"ops_baseline_{inputs.baseline.source}_help", code))
    default_effect = settings.default_effect(baseline)
    effect = _percent_input(right, t("ops_effect", code), default_effect, EFFECT_PERCENT_RANGE,
                            ui.scoped(ui.Keys.OPS_EFFECT, default_effect), t("ops_effect_help", code))
    if effect >= baseline:
        st.warning(t("ops_bad_effect", code, baseline=round(baseline * 100, 1), effect=round(effect * 100, 1)))
        return None
    customers = inputs.candidates.height
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
    return baseline, effect, proposal


def _holdout_input(customers: int, proposal, baseline: float, effect: float, settings) -> int:
    """The hold-out size, the proposal unless the analyst types another (its power shown)."""
    left, right = st.columns(2)
    holdout = left.number_input(t("ops_holdout", code), min_value=0, max_value=customers - 1,
                                value=min(proposal.holdout, customers - 1), step=1,
                                help=t("ops_holdout_help", code))
    if holdout != proposal.holdout:
        right.metric(t("ops_override_power", code),
                     fmt.number(power_of(int(holdout), customers - int(holdout), baseline, effect,
                                         settings.alpha, settings.continuity_correction), "share", code),
                     border=True)
    return int(holdout)


def _plan_form(catalogue, settings):
    """Name, channel, purpose, window, offers and seed; None until the form is submitted."""
    if SEED not in st.session_state:
        st.session_state[SEED] = new_seed()
    with st.form(ui.Keys.OPS_NEW_PLAN_FORM):
        left, right = st.columns(2)
        name = left.text_input(t("ops_name", code))
        channel = right.selectbox(t("ops_channel", code), options=list(CHANNELS),
                                  format_func=lambda ch: t(f"ops_channel_{ch}", code))
        purpose = st.text_input(t("ops_purpose", code), placeholder=t("ops_purpose_placeholder", code))
        left, right = st.columns(2)
        today = dt.date.today()
        window = left.date_input(t("ops_window", code),
                                 value=(today, today + dt.timedelta(days=settings.default_window_days)))
        offers = right.multiselect(t("ops_offers", code), options=[o["id"] for o in catalogue],
                                   format_func=offer_names(catalogue, code).get,
                                   placeholder=t("ops_offers_placeholder", code))
        seed = left.number_input(t("ops_seed", code), min_value=SEED_MIN, max_value=SEED_MAX, step=1, key=SEED,
                                 help=t("ops_seed_help", code))
        if not st.form_submit_button(t("ops_create", code), type="primary"):
            return None
    start, end = (tuple(window) + (None, None))[:2] if isinstance(window, (tuple, list)) else (window, None)
    return name, channel, purpose, start, end, tuple(offers), int(seed)


def _new_plan(filters, rules, catalogue) -> None:
    """Make a call-back plan: who, the power calculation of its hold-out, then the form."""
    settings = operations_settings(rules)
    choice = _choose_customers(filters, rules, settings)
    if choice is None:
        return
    inputs = ui.compute(plan_inputs, choice.source, filters, rules, choice.bands, choice.stages, choice.tiers,
                        choice.provinces, catalogue, choice.offer_plan)
    customers = inputs.candidates.height
    if customers == 0:
        st.info(t("ops_no_customers", code))
        return
    if inputs.matched > customers:
        st.caption(t("ops_capped", code, matched=f"{inputs.matched:,}", kept=f"{customers:,}"))
    power = _power(inputs, settings, choice.source)
    if power is None:
        return
    baseline, effect, proposal = power
    if not CAN_RUN:
        st.caption(t("ops_viewer_note", code))
        return
    holdout = _holdout_input(customers, proposal, baseline, effect, settings)
    form = _plan_form(catalogue, settings)
    if form is None:
        return
    name, channel, purpose, start, end, offers, seed = form
    selection = {"source": choice.source, "snapshot_date": filters.snapshot_date, "tiers": list(choice.tiers),
                 "stages": list(choice.stages), "provinces": list(choice.provinces), "bands": list(choice.bands),
                 "baseline": baseline, "baseline_source": inputs.baseline.source,
                 "offer_plan": [list(g) for g in choice.offer_plan] if choice.offer_plan else None}
    if choice.source == "action_list":
        selection["model_id"] = choice.scored_by
    draft = PlanDraft(name=name, purpose=purpose, channel=channel, snapshot_date=filters.snapshot_date,
                      window_start=start, window_end=end, offer_ids=offers, selection=selection,
                      target_effect=effect, holdout_size=holdout, seed=seed)
    plan_id = create_plan(ui.engine(), draft, inputs.candidates, rules, catalogue)
    st.session_state[OPEN_PLAN] = plan_id
    st.session_state.pop(SEED, None)
    _done(t("ops_created", code, plan=plan_id, holdout=f"{holdout:,}", treated=f"{customers - holdout:,}"))


def _plan_label(row: dict) -> str:
    return f"#{row['plan_id']} · {row['name']} · {t('ops_status_' + row['status'], code)}"


def _open_plan(plan: dict, rules, catalogue) -> None:
    plan_id = plan["plan_id"]
    st.caption(t("ops_plan_caption", code, channel=t(f"ops_channel_{plan['channel']}", code),
                 snapshot=fmt.month(plan["snapshot_month"]), start=fmt.date(plan["window_start"]),
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
        pl.col("tier").replace_strict({k: rules.tier_name(k, code) for k in TIERS},
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
