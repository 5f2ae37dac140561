"""One call-back plan's contact outcomes and measured results, drawn inside the Call-back plans
page (views/operations.py calls ``render(plan_id)``).

Measured results (reach rate against target, take-up, churn of contacted vs hold-out, cost per
save); the call centre's result file (mapping, row-level report, record); outcomes edited in a
table; the history of everything recorded. Every write goes through lib.operations.outcomes.record_outcomes.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import streamlit as st

from lib.operations import charts as charts_operations

from lib.common import fmt

from lib import ui
from lib.ui.tables import Column
from lib.common.exports import mask_identifiers
from lib.common.frames import relabel
from lib.i18n import t
from lib.common.localise import localised
from lib.ingest import masked_report, report_csv
from lib.offers.calibration import campaign_calibration
from lib.operations.results import outcomes_token, plan_calibration, plan_choices, plan_results
from lib.operations.outcomes import (FIELD_NAMES, OUTCOMES, OutcomeCheck, auto_map, check_outcome_file, mapped_table,
                          outcome_history, plan_outcome_rows, record_outcomes, rows_table)



#: Take-up per offer (lib.operations.results): header and unit of each column.
TAKE_UP_TABLE = {"offer_id": "outcomes_col_offer", "treated": Column("outcomes_treated", "count"),
                 "reached": Column("outcomes_col_reached", "count"),
                 "accepted": Column("outcomes_col_accepted", "count"),
                 "take_up": Column("outcomes_col_take_up", "share"),
                 "take_up_reached": Column("outcomes_col_take_up_reached", "share"),
                 "cost": Column("outcomes_col_cost", "currency")}

def render(plan_id: int, offer_names: dict[str, str]) -> None:
    """Draw the outcomes and results of plan ``plan_id`` (Streamlit); ``offer_names``: offer id ->
    display name in the page's language."""
    code = ui.lang()
    st.subheader(t("outcomes_title", code))
    with ui.engine().connect() as conn:
        token = outcomes_token(conn, plan_id)
    tab_results, tab_upload, tab_edit, tab_history = st.tabs([
        t("outcomes_tab_results", code), t("outcomes_tab_upload", code), t("outcomes_tab_edit", code),
        t("outcomes_tab_history", code)])
    with tab_results, ui.guard():
        _results(plan_id, token, offer_names, code)
    with tab_upload, ui.guard():
        _upload(plan_id, code)
    with tab_edit, ui.guard():
        _editor(plan_id, token, code)
    with tab_history, ui.guard():
        history = ui.compute(outcome_history, plan_id, token)
        shown = mask_identifiers(history, can_see=ui.user().can("see_identifiers"))
        ui.table(localised(shown.with_columns(relabel(shown["offer_id"], lambda o: offer_names.get(o, o))), code))


def _can_record() -> bool:
    return ui.user().can("run_operations")


def _results(plan_id: int, token: tuple, offer_names: dict[str, str], code: str) -> None:
    rules = ui.rules()
    money = rules.currency   # the rules' currency on every amount
    res = ui.compute(plan_results, plan_id, rules, token)
    reach = res.reach.row(0, named=True)
    a, b, c, d = st.columns(4)
    rate = None if res.not_started else res.reach_rate
    a.metric(t("outcomes_reach_rate", code),
             t("ops_not_started", code) if res.not_started else fmt.number(rate, "share", code),
             delta=fmt.change(None if rate is None else rate - res.reach_target, "share", code),
             help=t("outcomes_reach_help", code, target=f"{res.reach_target:.0%}"))
    b.metric(t("outcomes_treated", code), fmt.number(reach["treated"], "count", code))
    c.metric(t("outcomes_attempted", code), fmt.number(reach["attempted"], "count", code))
    d.metric(t("outcomes_holdout", code), fmt.number(res.holdout_listed, "count", code))

    dimension = st.radio(t("outcomes_reach_by", code), ["manager", "tier", "province"], horizontal=True,
                         format_func=lambda k: t(f"outcomes_by_{k}", code), key=ui.scoped(ui.Keys.OUTCOMES_REACH_BY, plan_id))
    frame = getattr(res, f"by_{dimension}")
    if dimension == "tier":
        frame = frame.with_columns(relabel(frame["group"], lambda x: rules.tier_name(int(x), code)))
    if frame.height:
        st.plotly_chart(charts_operations.reach_by_group(frame, res.reach_target, t(f"outcomes_by_{dimension}", code),
                                                         code), width="stretch")

    st.markdown(f"**{t('outcomes_take_up', code)}**")
    take_up = res.take_up.with_columns(
        relabel(res.take_up["offer_id"], lambda o: offer_names.get(o, o)).fill_null(t("outcomes_no_offer", code)))
    ui.labelled_table(take_up, TAKE_UP_TABLE, code, rename=False)

    st.markdown(f"**{t('outcomes_churn_title', code)}**")
    if res.later_snapshots == 0:
        st.info(t("outcomes_no_later", code))
        return
    st.caption(t("outcomes_churn_help", code, months=res.result_months, later=res.later_snapshots))
    left, right = st.columns([3, 2])
    left.plotly_chart(charts_operations.churn_by_arm(res.arms, code), width="stretch")
    if res.difference is not None:
        diff = res.difference
        right.metric(t("outcomes_difference", code), fmt.change(diff["difference"], "share", code),
                     help=t("outcomes_difference_ci", code, low=fmt.change(diff["difference_low"], "share", code),
                            high=fmt.change(diff["difference_high"], "share", code)))
        right.caption(t("outcomes_difference_ci", code, low=fmt.change(diff["difference_low"], "share", code),
                        high=fmt.change(diff["difference_high"], "share", code)))
    right.metric(t("outcomes_cost", code), fmt.number(res.cost, "currency", code, money))
    if res.cost_per_save is None:
        right.metric(t("outcomes_cost_per_save", code), t("outcomes_no_saves", code))
    else:
        right.metric(t("outcomes_cost_per_save", code), fmt.number(res.cost_per_save, "currency", code, money))
        if res.cost_per_save_low is not None:
            high = fmt.number(res.cost_per_save_high, "currency", code, money) if res.cost_per_save_high else "∞"
            right.caption(t("outcomes_cost_per_save_range", code,
                            low=fmt.number(res.cost_per_save_low, "currency", code, money), high=high))


def _show_check(check: OutcomeCheck, name: str, code: str, key: str) -> None:
    a, b, c = st.columns(3)
    a.metric(t("outcomes_rows_read", code), f"{check.rows_read:,}")
    b.metric(t("outcomes_rows_ok", code), f"{check.rows_accepted:,}")
    c.metric(t("outcomes_rows_rejected", code), f"{check.rows_rejected:,}")
    if check.report.height:
        message = "message_zh" if code == "zh" else "message_en"
        report = masked_report(check.report, ui.user().can("see_identifiers"))
        ui.table(report.select(
            pl.col("row").alias(t("data_col_rows", code)), pl.col("column").alias(t("data_col_source", code)),
            pl.col("value"), pl.col(message).alias(t("data_col_problem", code))).head(1000))
        ui.download_button(t("outcomes_report_download", code), lambda: report_csv(check),
                           file_name=f"{name}.report.csv", mime="text/csv", key=ui.scoped(key, "report"))


def _upload(plan_id: int, code: str) -> None:
    upload = st.file_uploader(t("outcomes_upload", code), type=["csv", "txt", "tsv", "xlsx"],
                              disabled=not _can_record(),
                              help=t("outcomes_upload_help", code) if _can_record()
                              else t("outcomes_role_needed", code), key=ui.scoped(ui.Keys.OUTCOMES_UPLOAD, plan_id))
    if upload is None:
        return
    raw = ui.uploaded_table(upload, "run_operations")
    ui.table(raw.frame.head(10))
    st.markdown(f"**{t('outcomes_mapping', code)}**")
    st.caption(t("outcomes_mapping_help", code))
    proposed, headers = auto_map(list(raw.frame.columns)), list(raw.frame.columns)
    none = t("outcomes_not_mapped", code)
    mapping = {}
    for column, field in zip(st.columns(len(FIELD_NAMES)), FIELD_NAMES):
        options = [none, *headers]
        chosen = column.selectbox(t(f"outcomes_field_{field}", code), options,
                                  index=options.index(proposed[field]) if field in proposed else 0,
                                  key=ui.scoped(ui.Keys.OUTCOMES_MAP, plan_id, upload.file_id, raw.sheet, field))
        if chosen != none:
            mapping[field] = chosen
    with ui.engine().connect() as conn:
        check = check_outcome_file(conn, plan_id, raw, mapping)
    _show_check(check, upload.name, code, ui.scoped(ui.Keys.OUTCOMES_FILE, plan_id))
    if st.button(t("outcomes_record_button", code, n=check.rows_accepted), type="primary",
                 disabled=check.rows_accepted == 0 or not _can_record(), key=ui.scoped(ui.Keys.OUTCOMES_RECORD, plan_id),
                 help=None if _can_record() else t("outcomes_role_needed", code)):
        result = record_outcomes(ui.engine(), plan_id, mapped_table(raw, mapping), source="file",
                                 source_name=upload.name, column_labels=mapping)
        ui.clear_caches()
        st.success(t("outcomes_recorded", code, stored=result.stored, plan=plan_id))


def _blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _editor(plan_id: int, token: tuple, code: str) -> None:
    rows = ui.compute(plan_outcome_rows, plan_id, token)
    if rows.height == 0:
        st.info(t("outcomes_no_plan_rows", code))
        return
    st.caption(t("outcomes_edit_help", code))
    managers = sorted({m for m in rows["plan_manager"].to_list() if m})
    every = t("sidebar_all", code)
    manager = st.selectbox(t("outcomes_manager_filter", code), [every, *managers], key=ui.scoped(ui.Keys.OUTCOMES_MANAGER, plan_id))
    if manager != every:
        rows = rows.filter(pl.col("plan_manager") == manager)
    labels = {name: t(f"outcome_{name}", code) for name in OUTCOMES}
    offers = sorted({o for o in rows["plan_offer"].to_list() + rows["offer_id"].to_list() if o})
    shown = mask_identifiers(rows, can_see=ui.user().can("see_identifiers"))
    table = pd.DataFrame({
        "customer": shown["customer_id"].to_list(),
        "tier": rows["tier"].to_list(),
        "province": rows["province"].to_list(),
        "plan_manager": rows["plan_manager"].to_list(),
        "outcome": [labels.get(o) for o in rows["outcome"].to_list()],
        "outcome_date": pd.to_datetime(pd.Series(rows["outcome_date"].to_list(), dtype="object")).dt.date,
        "manager": rows["manager"].to_list(),
        "offer_id": rows["offer_id"].to_list(),
        "recorded_by": rows["recorded_by"].to_list(),
    })
    edited = st.data_editor(
        table, hide_index=True, width="stretch", num_rows="fixed",
        key=ui.scoped(ui.Keys.OUTCOMES_EDITOR, plan_id, manager, token), disabled=not _can_record(),
        column_config={
            "customer": st.column_config.TextColumn(t("outcomes_col_customer", code), disabled=True),
            "tier": st.column_config.NumberColumn(t("outcomes_col_tier", code), disabled=True),
            "province": st.column_config.TextColumn(t("outcomes_col_province", code), disabled=True),
            "plan_manager": st.column_config.TextColumn(t("outcomes_col_assigned", code), disabled=True),
            "outcome": st.column_config.SelectboxColumn(t("outcomes_field_outcome", code),
                                                        options=list(labels.values())),
            "outcome_date": st.column_config.DateColumn(t("outcomes_field_outcome_date", code),
                                                        max_value=dt.date.today(), format="YYYY-MM-DD"),
            "manager": st.column_config.TextColumn(t("outcomes_field_manager", code)),
            "offer_id": st.column_config.SelectboxColumn(t("outcomes_field_offer_id", code), options=offers),
            "recorded_by": st.column_config.TextColumn(t("outcomes_col_recorded_by", code), disabled=True),
        })
    changed = _changed_rows(rows, table, edited)
    if st.button(t("outcomes_save", code, n=len(changed)), type="primary", key=ui.scoped(ui.Keys.OUTCOMES_SAVE, plan_id),
                 disabled=not changed or not _can_record(),
                 help=None if _can_record() else t("outcomes_role_needed", code)):
        try:
            result = record_outcomes(ui.engine(), plan_id, rows_table(changed), source="app", source_name="app")
        except Exception as exc:
            if getattr(exc, "check", None) is not None:
                _show_check(exc.check, "outcomes_app", code, ui.scoped(ui.Keys.OUTCOMES_APP, plan_id))
            raise
        ui.clear_caches()
        st.success(t("outcomes_recorded", code, stored=result.stored, plan=plan_id))
        if result.check.rows_rejected:
            _show_check(result.check, "outcomes_app", code, ui.scoped(ui.Keys.OUTCOMES_APP, plan_id))


def _changed_rows(rows: pl.DataFrame, before: pd.DataFrame, after: pd.DataFrame) -> list[dict]:
    """Rows whose outcome, date, manager or offer the user changed, with an outcome chosen, as
    ``rows_table`` input (real customer ids, in the table's order)."""
    changed = []
    ids = rows["customer_id"].to_list()
    for i in range(len(after)):
        new = {k: (None if _blank(after.iloc[i][k]) else after.iloc[i][k])
               for k in ("outcome", "outcome_date", "manager", "offer_id")}
        old = {k: (None if _blank(before.iloc[i][k]) else before.iloc[i][k]) for k in new}
        if new["outcome"] is None or new == old:
            continue
        if new["outcome_date"] is None:  # an outcome picked without a date happened today
            new["outcome_date"] = dt.date.today()
        changed.append({"customer_id": ids[i], **new})
    return changed


def calibration_source(filters, rules, code: str) -> tuple[pl.DataFrame, str | None]:
    """For the Offers ROI page: a choice between the past campaign in the snapshots and each
    call-back plan with results; returns that source's calibration table
    (``lib.offers.calibration.calibrate`` shape) and the plan's label (None = the campaign)."""
    with ui.engine().connect() as conn:
        token = outcomes_token(conn)
    plans = ui.compute(plan_choices, token)
    labels = dict(zip(plans["plan_id"].to_list(), plans["label"].to_list()))
    source = None
    if labels:
        source = st.radio(t("outcomes_calibration_source", code), [None, *labels], horizontal=True,
                          format_func=lambda p: t("outcomes_source_campaign", code) if p is None
                          else t("outcomes_source_plan", code, plan=labels[p]), key=ui.Keys.CALIBRATION_SOURCE)
    if source is None:
        return ui.compute(campaign_calibration, filters, rules), None
    calibration = ui.compute(plan_calibration, source, rules, token)
    if calibration.height == 0:
        st.caption(t("outcomes_calibration_plan_none", code))
    return calibration, t("outcomes_source_plan", code, plan=labels[source])
