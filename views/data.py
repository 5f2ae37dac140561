"""Data: import a snapshot file, manage stored snapshots, edit the rules."""
import datetime as dt

import polars as pl
import streamlit as st

from lib import ui
from lib.common import fmt
from lib.ui import workspace
from lib.i18n import t, t_text
from lib.common.markup import plain
from lib.ingest.importer import store_validated, unmapped_columns, with_unit
from lib.ingest import masked_report, report_csv
from lib.ingest.profile import profile
from lib.pipeline.prechecks import import_prechecks
from lib.ui import mapping as editor
from lib.ingest.plausibility import TENURE_UNITS
from lib.rules import TIER_COUNT, TIERS, default_rules, edit_rules_text, parse_rules
from lib.rules.economics import HORIZON_MONTHS_RANGE
from lib.common.frames import relabel
from lib.common.localise import field_name, join, localised, report_view
from lib.rules.versions import rules_history
from lib.pipeline.regrade import save_rules, with_rules
from lib.pipeline.proposal import propose_tiers, tier_shares, vip_share
from lib.overview.kpis import vip_spend_min
from lib.ingest.validate import snapshot_date_bounds
from lib.pipeline.snapshots import (CHURN_WINDOW_CHOICES, WINDOW_UNKNOWN, chosen_window, delete_snapshot,
                           import_history, list_snapshots)

code = ui.lang()
st.title(t("page_data", code))
tab_import, tab_snapshots, tab_rules, tab_workspaces = st.tabs(
    [t("data_tab_import", code), t("data_tab_snapshots", code), t("data_tab_rules", code),
     t("ws_tab", code)]
)


def last_month_end(today: dt.date) -> dt.date:
    return today.replace(day=1) - dt.timedelta(days=1)


def tier_proposal_section(spend: pl.DataFrame, file_name: str, key: str,
                          target: workspace.ImportTarget) -> str | None:
    """Star tiers that fit this file (issue 17): proposed from its spend, open on a workspace's
    first import when the thresholds in force do not fit, else on request (the expander).
    Into the chosen workspace they are saved at once; for a new workspace (no store yet) the
    accepted rules text is returned and saved there before its first rows."""
    new = target.new_name is not None
    rules = default_rules() if new else ui.rules()   # a new workspace starts on the shipped rules
    proposal = propose_tiers(spend, rules)
    if proposal is None:
        st.caption(t("tiers_no_spend", code))
        return None
    money = rules.currency
    vip_name = rules.tier_name(rules.vip_min_tier, code)
    first = new or not ui.snapshot_dates(ui.data_token())
    with st.expander(t("tiers_proposal_title", code), expanded=first and not proposal.fits_already,
                     icon=":material/workspace_premium:"):
        if proposal.fits_already:
            st.success(t("tiers_proposal_fits", code, share=fmt.number(proposal.current_vip_share, "share")))
        else:
            st.info(t("tiers_proposal_intro", code, vip=vip_name,
                      top=fmt.number(vip_spend_min(rules), "currency", code, money),
                      share=fmt.number(proposal.current_vip_share, "share")))
        left, right = st.columns(2)
        currency_code = left.text_input(t("tiers_currency_code", code), money.code, max_chars=fmt.CURRENCY_CODE_CHARS,
                                        key=ui.scoped(ui.Keys.TIERS_CODE, key))
        symbol = right.text_input(t("tiers_currency_symbol", code), money.symbol, max_chars=fmt.CURRENCY_SYMBOL_MAX_CHARS,
                                  key=ui.scoped(ui.Keys.TIERS_SYMBOL, key))
        bounds = [0.0]
        for column, tier in zip(st.columns(4), TIERS[1:-1]):
            proposed = proposal.spend_min[tier - 1]
            bounds.append(column.number_input(
                t("tiers_threshold", code, tier=rules.tier_name(tier, code), currency=currency_code),
                min_value=0.0, value=float(proposed), key=ui.scoped(ui.Keys.TIERS_BOUND, tier, key),
                help=t("tiers_threshold_help", code, value=f"{symbol}{proposed:,.2f}",
                       share=fmt.number(proposal.top_shares[tier - 2], "share"))))
        shares = tier_shares(spend, tuple(bounds), rules)
        st.caption(t("tiers_preview", code, vip=vip_name,
                     shares=" · ".join(f"{rules.tier_name(i + 1, code)} {fmt.number(x, 'share')}"
                                       for i, x in enumerate(shares)),
                     vip_share=fmt.number(vip_share(shares, rules), "share")))
        text = edit_rules_text(rules.text, {"tiers.spend_min": bounds,
                                            "currency.code": currency_code.strip().upper(),
                                            "currency.symbol": symbol.strip()})
        if new:
            parse_rules(text)   # refused here, with its message, rather than at the import
            use = st.checkbox(t("tiers_use_for_new", code, name=target.new_name),
                              value=not proposal.fits_already, key=ui.scoped(ui.Keys.TIERS_USE, key))
            return text if use else None
        if st.button(t("tiers_save", code), type="primary", key=ui.scoped(ui.Keys.TIERS_SAVE, key),
                     disabled=not ui.user().can("edit_rules")):
            saved = save_rules(ui.engine(), text, note=t_text("tiers_saved_note", code, file=file_name))
            ui.clear_caches()
            st.success(t("rules_saved", code, version=saved.version))
    return None


with tab_import, ui.guard():
    can_import = ui.user().can("import")
    target = workspace.import_target(code)
    upload = st.file_uploader(t("data_upload", code), type=["csv", "txt", "tsv", "xlsx", "parquet"],
                              disabled=not can_import,
                              help=t("data_upload_help", code) if can_import
                              else t("auth_role_needed", code, role=t("auth_role_analyst", code)))
    if upload is not None:
        raw = ui.uploaded_table(upload, "import")
        preview, profiled = st.columns([3, 2])
        preview.subheader(t("data_preview", code))
        with preview:
            ui.table(raw.frame.head(20))

        st.subheader(t("data_mapping", code))
        st.caption(t("data_mapping_help", code))
        key = f"{upload.file_id}_{raw.sheet}"
        proposal, origin = editor.proposal_for(ui.engine(), raw, key, code)
        mapping = editor.mapping_editor(raw, proposal, f"map_{key}_{origin}", code)
        tenure = mapping.get("tenure_months")
        if tenure is not None:
            # Keyed on the mapping table's unit, so a change there starts the choice afresh.
            mapped_unit = tenure.unit or TENURE_UNITS[0]
            unit = st.selectbox(
                t("data_tenure_unit", code, column=" + ".join(tenure.columns)), TENURE_UNITS,
                index=TENURE_UNITS.index(mapped_unit) if mapped_unit in TENURE_UNITS else 0,
                format_func=lambda u: t(f"ingest_unit_{u}", code),
                help=t("data_tenure_unit_help", code),
                key=ui.scoped(ui.Keys.TENURE_UNIT, upload.file_id, raw.sheet, tenure.columns, mapped_unit))
            mapping = with_unit(mapping, "tenure_months", unit)
        editor.template_saver(ui.engine(), raw, mapping, key, code, can_import)
        kept = unmapped_columns(raw, mapping)
        if kept:
            st.caption(t("data_kept_columns", code, columns=join(kept, code)))

        left, middle, right = st.columns(3)
        snapshot_date = None
        if "snapshot_date" not in mapping:
            earliest, latest = snapshot_date_bounds(dt.date.today())
            snapshot_date = left.date_input(t("data_snapshot_date", code),
                                            value=last_month_end(dt.date.today()),
                                            min_value=earliest, max_value=latest)
        # no default: the user must say what the churn flag covers (or that nobody knows)
        window = middle.selectbox(
            t("data_churn_window", code), CHURN_WINDOW_CHOICES, index=None,
            key=ui.scoped(ui.Keys.CHURN_WINDOW, upload.file_id), placeholder=t("data_churn_window_placeholder", code),
            format_func=lambda choice: t("data_churn_window_unknown", code) if choice == WINDOW_UNKNOWN
            else t("data_churn_window_one" if choice == 1 else "data_churn_window_n", code, n=choice),
            help=t("data_churn_window_help", code))
        replace = right.checkbox(t("data_replace", code), help=t("data_replace_help", code))

        result = ui.validate_upload(upload.file_id, raw.sheet, raw, mapping, snapshot_date,
                                    ui.rules(), dt.date.today())
        with profiled:
            st.subheader(t("profile_title", code))
            editor.file_profile(profile(result.accepted, mapping), code)
        st.subheader(t("data_validation", code))
        a, b, c = st.columns(3)
        a.metric(t("data_rows_read", code), f"{result.rows_read:,}")
        b.metric(t("data_rows_accepted", code), f"{result.rows_accepted:,}")
        c.metric(t("data_rows_rejected", code), f"{result.rows_rejected:,}")
        summary = result.summary()
        if summary.height:
            message = "message_zh" if code == "zh" else "message_en"
            ui.table(summary.select(
                pl.col("severity").replace_strict({"error": t("data_severity_error", code),
                                                   "warning": t("data_severity_warning", code)})
                .alias(t("data_col_severity", code)),
                pl.col("rows").alias(t("data_col_rows", code)),
                relabel(summary["field"], lambda f: field_name(f, code)).alias(t("data_col_field", code)),
                pl.col("column").alias(t("data_col_source", code)),
                pl.col(message).alias(t("data_col_problem", code)),
            ))
            with st.expander(t("data_report_rows", code, n=result.report.height)):
                ui.table(report_view(masked_report(result.report.head(1000), ui.user().can("see_identifiers")), code))
            ui.download_button(t("data_report_download", code), lambda: report_csv(result),
                               disabled=not ui.user().can("import"),
                               file_name=f"{upload.name}.report.csv", mime="text/csv")
        new_rules = None   # star tiers accepted for a new workspace, saved there before its rows
        with ui.guard():
            new_rules = tier_proposal_section(ui.upload_spend(upload.file_id, raw.sheet, mapping,
                                                              snapshot_date, result),
                                              upload.name, key, target)
        doubts = result.plausibility_warnings()
        confirmed = True
        if doubts.height:
            for message in doubts["message_zh" if code == "zh" else "message_en"]:
                st.warning(plain(message))   # a report cell: plain text, shown as markdown here
            confirmed = st.checkbox(t("data_plausibility_confirm", code, n=doubts.height),
                                    key=ui.scoped(ui.Keys.PLAUSIBLE, upload.file_id, raw.sheet))
        confirmed = workspace.repeat_confirmed(target, upload.file_id, raw.sheet, mapping,
                                               snapshot_date, result, code) and confirmed
        # a new workspace holds no snapshot yet: only the current store's dates can clash
        editor.prechecks(import_prechecks(ui.engine() if target.new_name is None else None,
                                          result.accepted, mapping, snapshot_date,
                                          None if window is None else chosen_window(window),
                                          ui.rules()), ui.rules(), code)
        if window is None:
            st.warning(t("data_churn_window_needed", code))
        if st.button(t("data_import_button", code, n=result.rows_accepted), type="primary",
                     disabled=result.rows_accepted == 0 or not ui.user().can("import")
                     or not confirmed or window is None,
                     help=None if ui.user().can("import") else t("auth_role_needed", code, role=t("auth_role_analyst", code))):
            bar = st.progress(0.0, text=t("store_step_prepare", code))
            outcome, created = workspace.import_into(target, lambda into: store_validated(
                with_rules(into, new_rules, t_text("tiers_saved_note", code, file=upload.name)),
                result, upload.name, snapshot_date=snapshot_date,
                churn_window_months=chosen_window(window), replace=replace,
                progress=lambda share, step: bar.progress(share, text=t(step, code)),
            ))
            ui.clear_caches()
            imported = t("data_imported", code, rows=outcome.rows_written,
                         dates=", ".join(map(str, outcome.snapshot_dates)),
                         version=outcome.rules_version)
            if created is None:
                st.success(imported)
            else:   # the new workspace is chosen from the next run on: the message waits for it
                workspace.switch_to(created)
                workspace.flash(imported)
                workspace.flash(t("ws_imported_into", code, name=workspace.label(created, code)), "info")
                st.rerun()

with tab_snapshots, ui.guard():
    stored = list_snapshots(ui.engine())
    if stored.height == 0:
        st.info(t("sidebar_no_data", code))
    else:
        ui.table(localised(stored, code))
        choice = st.selectbox(t("data_delete_pick", code), stored["snapshot_date"].to_list())
        if st.button(t("data_delete_button", code), icon=":material/delete:",
                     disabled=not ui.user().can("delete_snapshot"),
                     help=None if ui.user().can("delete_snapshot") else t("auth_role_needed", code, role=t("auth_role_admin", code))):
            st.session_state[ui.Keys.PENDING_DELETE] = choice
        pending = st.session_state.get(ui.Keys.PENDING_DELETE)
        if pending is not None:
            rows = stored.filter(stored["snapshot_date"] == pending)["row_count"].sum()
            st.warning(t("data_delete_confirm", code, date=str(pending), rows=rows))
            yes, no = st.columns(2)
            if yes.button(t("data_delete_yes", code), type="primary"):
                deleted = delete_snapshot(ui.engine(), pending)
                st.session_state.pop(ui.Keys.PENDING_DELETE)
                ui.clear_caches()
                workspace.flash(t("data_deleted", code, date=str(pending), rows=deleted))
                st.rerun()
            if no.button(t("data_delete_no", code)):
                st.session_state.pop(ui.Keys.PENDING_DELETE)
                st.rerun()
    st.subheader(t("data_history", code))
    ui.table(localised(import_history(ui.engine()), code))

with tab_rules, ui.guard():
    rules = ui.rules()
    st.caption(t("rules_in_force", code, version=rules.version))
    with st.form(ui.Keys.RULES_FORM):
        st.markdown(t("rules_tiers", code))
        bounds = list(rules.tier_spend_min)
        cols = st.columns(4)
        for tier in TIERS[1:-1]:   # tiers 2-5: tier 1 starts at 0, six-star is by points
            bounds[tier - 1] = cols[tier - 2].number_input(
                t("rules_tier_min", code, tier=rules.tier_name(tier, code)), min_value=0.0,
                value=float(rules.tier_spend_min[tier - 1]), step=10.0)
        cols = st.columns(3)
        vip_min = cols[0].number_input(t("rules_vip_min_tier", code), 1, TIER_COUNT, rules.vip_min_tier)
        points_min = cols[1].number_input(t("rules_points_min", code), min_value=0.0,
                                          value=rules.six_star_points_min, step=1000.0)
        key_person = cols[2].checkbox(t("rules_key_person", code), value=rules.six_star_key_person)
        st.markdown(t("rules_targets", code))
        cols = st.columns(5)
        retention = cols[0].number_input(t("kpi_vip_retention", code), 0.0, 1.0,
                                         rules.target_vip_retention_quarter_min, step=0.01)
        churn_max = cols[1].number_input(t("kpi_monthly_churn", code), 0.0, 1.0,
                                         rules.target_monthly_churn_max, step=0.001, format="%.3f")
        ratio_max = cols[2].number_input(t("kpi_churn_to_gross_add", code), 0.0, 100.0,
                                         rules.target_churn_to_gross_add_max, step=0.05)
        arpu_min = cols[3].number_input(t("kpi_arpu", code), 0.0, value=rules.target_arpu_min,
                                        step=5.0)
        horizon = cols[4].number_input(t("rules_horizon", code), *HORIZON_MONTHS_RANGE, rules.risk_horizon_months)
        note = st.text_input(t("rules_note", code))
        if st.form_submit_button(t("rules_save", code), type="primary", disabled=not ui.user().can("edit_rules")):
            text = edit_rules_text(rules.text, {
                "tiers.spend_min": bounds, "tiers.vip_min_tier": int(vip_min),
                "six_star.points_min": points_min, "six_star.key_person": key_person,
                "kpi_targets.vip_retention_quarter_min": retention,
                "kpi_targets.monthly_churn_max": churn_max,
                "kpi_targets.churn_to_gross_add_max": ratio_max, "kpi_targets.arpu_min": arpu_min,
                "revenue_at_risk.horizon_months": int(horizon),
            })
            saved = save_rules(ui.engine(), text, note=note or None)
            ui.clear_caches()
            st.success(t("rules_saved", code, version=saved.version))
    with st.expander(t("rules_text", code)):
        text = st.text_area(t("rules_text", code), rules.text, height=400, label_visibility="collapsed")
        if st.button(t("rules_save_text", code), disabled=not ui.user().can("edit_rules")):
            saved = save_rules(ui.engine(), text)
            ui.clear_caches()
            st.success(t("rules_saved", code, version=saved.version))
    st.subheader(t("rules_history", code))
    ui.table(localised(rules_history(ui.engine()), code))

with tab_workspaces, ui.guard():
    workspace.workspaces_tab(code)
