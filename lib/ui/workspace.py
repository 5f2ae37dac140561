"""Workspaces in the app: the sidebar switcher, the demo badge, flash messages and the Data
page's workspace parts (where an import goes, the repeated-base question, the Workspaces tab).

The chosen workspace is the switcher's value (``Keys.WORKSPACE``, a slug), resolved once at the
top of every run (``resolve``); ``lib.ui.engine()`` is its store's engine.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import polars as pl
import sqlalchemy as sa
import streamlit as st

from lib import ui, workspaces as ws
from lib.i18n import t, t_text
from lib.ingest import Mapping, ValidationResult
from lib.ingest.repeat import RepeatOverlap, repeat_overlap, repeat_thresholds
from lib.pipeline.derive import derive
from lib.pipeline.snapshots import list_snapshots
from lib.ui.keys import Keys, scoped
from lib.workspaces import Workspace

T = TypeVar("T")

#: The Data page's answers to "This file goes to" while the demo is chosen.
TARGET_NEW, TARGET_DEMO = "new", "demo"


def resolve() -> Workspace | None:
    """Choose this run's workspace: a switch asked for by the previous run, else the switcher's
    value while it names a workspace, else ``lib.workspaces.default_workspace``."""
    pending = st.session_state.pop(Keys.WORKSPACE_NEXT, None)
    if pending is not None:
        st.session_state[Keys.WORKSPACE] = pending
    listed = ws.list_workspaces(ui._engine_for)
    wanted = st.session_state.get(Keys.WORKSPACE)
    chosen = next((w for w in listed if w.slug == wanted), None) or ws.default_workspace(listed)
    if chosen is None:
        st.session_state.pop(Keys.WORKSPACE, None)
    else:
        st.session_state[Keys.WORKSPACE] = chosen.slug
    st.session_state[Keys.WORKSPACE_RUN] = (chosen, listed)
    return chosen


def _run() -> tuple[Workspace | None, list[Workspace]]:
    run = st.session_state.get(Keys.WORKSPACE_RUN)
    if run is None:
        resolve()
        run = st.session_state[Keys.WORKSPACE_RUN]
    return run


def current() -> Workspace | None:
    """This run's workspace (None when there is none yet)."""
    return _run()[0]


def current_url() -> str | None:
    """Store URL of this run's workspace, or None."""
    chosen = current()
    return chosen.store_url if chosen else None


def label(workspace: Workspace, code: str) -> str:
    """How a workspace is named on screen: the demo always as "Demo" / "演示"."""
    if workspace.is_demo:
        return t_text("ws_demo_label", code)
    return workspace.name or t_text("ws_main_label", code)


def _badge(code: str) -> str:
    return f":orange-badge[:material/science: {t('ws_demo_badge', code)}]"


def switcher() -> None:
    """The sidebar's workspace chooser, with the demo badge while the demo is chosen."""
    chosen, listed = _run()
    if not listed:
        return
    code = ui.lang()
    by_slug = {w.slug: w for w in listed}
    st.selectbox(t("ws_switcher", code), options=list(by_slug), key=Keys.WORKSPACE,
                 format_func=lambda slug: label(by_slug[slug], code), help=t("ws_switcher_help", code))
    if chosen is not None and chosen.is_demo:
        st.markdown(_badge(code))


def demo_badge() -> None:
    """On every page while the demo is chosen: its badge and what it means, above the page."""
    chosen = current()
    if chosen is not None and chosen.is_demo:
        code = ui.lang()
        st.markdown(f"{_badge(code)} {t('ws_demo_banner', code)}")


def flash(text: str, kind: str = "success") -> None:
    """Keep a message (``kind`` success | info | warning) until the next run shows it: for an
    action followed by ``st.rerun()``, whose own message the rerun would wipe."""
    st.session_state.setdefault(Keys.FLASH, []).append((kind, str(text)))


def show_flash() -> None:
    """Show and forget the messages ``flash`` kept (top of the page, once)."""
    for kind, text in st.session_state.pop(Keys.FLASH, []):
        getattr(st, kind)(text)


def switch_to(workspace: Workspace) -> None:
    """Make ``workspace`` the chosen one from the next run on (the switcher is drawn already)."""
    st.session_state[Keys.WORKSPACE_NEXT] = workspace.slug


# -- the Data page -------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportTarget:
    """Where the Data page's import goes: the chosen workspace, or a new one named ``new_name``."""

    workspace: Workspace | None
    new_name: str | None = None


def import_target(code: str) -> ImportTarget:
    """Say where an import goes; while the demo is chosen, offer a new workspace of one's own
    (the default) rather than mixing the file into the demo."""
    chosen = current()
    if chosen is None or not chosen.is_demo:
        if chosen is not None:
            st.caption(t("ws_current", code, name=label(chosen, code)))
        return ImportTarget(chosen)
    answer = st.radio(t("ws_target_label", code), (TARGET_NEW, TARGET_DEMO), key=Keys.WS_IMPORT_TARGET,
                      format_func=lambda a: t_text("ws_target_new" if a == TARGET_NEW else "ws_target_demo", code))
    if answer == TARGET_DEMO:
        return ImportTarget(chosen)
    name = st.text_input(t("ws_new_name", code), value=t_text("ws_default_name", code),
                         key=Keys.WS_IMPORT_NEW_NAME)
    return ImportTarget(None, name)


def import_into(target: ImportTarget, store: Callable[[sa.Engine], T]) -> tuple[T, Workspace | None]:
    """``store(engine)`` on the engine an import writes to; a new workspace is created first
    (and returned), and dropped again when ``store`` fails, so a failed first import leaves no
    empty workspace behind."""
    if target.new_name is None:
        return store(ui.engine()), None
    created = ws.create_workspace(target.new_name, engine_for=ui._engine_for)
    try:
        return store(ui._engine_for(created.store_url)), created
    except Exception:
        ws.discard_empty_workspace(created, engine_for=ui._engine_for)
        ui._engine_for.clear()   # the dropped store's engine must not be handed out again
        raise


def _share(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


@st.cache_data(show_spinner=False, max_entries=8)
def _overlap(file_id: str, sheet: str | None, mapping: Mapping, snapshot_date: dt.date | None,
             _result: ValidationResult, token: tuple) -> RepeatOverlap | None:
    rows = derive(_result.accepted, snapshot_date, tenure_unit=_result.tenure_unit)
    with ui.engine().connect() as conn:
        return repeat_overlap(conn, rows)


def repeat_confirmed(target: ImportTarget, file_id: str, sheet: str | None, mapping: Mapping,
                     snapshot_date: dt.date | None, result: ValidationResult, code: str) -> bool:
    """Whether the import may go ahead as far as a repeated base goes: a file that looks like
    the previous snapshot again (``lib.ingest.repeat``) gets the figures and a question that
    must be answered yes. A new workspace has no previous snapshot."""
    if target.new_name is not None or result.rows_accepted == 0 or result.refusal() is not None:
        return True
    overlap = _overlap(file_id, sheet, mapping, snapshot_date, result, ui.data_token())
    if overlap is None or not overlap.repeats(repeat_thresholds(ui.rules())):
        return True
    st.warning(t("ws_repeat_warning", code, previous=str(overlap.previous_date),
                 ids=_share(overlap.ids_share), tenure=_share(overlap.unchanged_tenure_share),
                 again=_share(overlap.churners_again_share)))
    return st.checkbox(t("ws_repeat_confirm", code), key=scoped(Keys.WS_REPEAT_CONFIRM, file_id, sheet))


def workspaces_tab(code: str) -> None:
    """The Data page's Workspaces tab: the list, a new workspace by name, removing the demo."""
    chosen, listed = _run()
    if listed:
        ui.table(pl.DataFrame({
            t_text("ws_col_name", code): [label(w, code) for w in listed],
            t_text("ws_col_kind", code): [t_text(f"ws_kind_{w.kind}", code) for w in listed],
            # the main store predates the registry: no creation time to show
            t_text("ws_col_created", code): ["–" if w.created_at == dt.datetime.min
                                             else w.created_at.strftime("%Y-%m-%d %H:%M") for w in listed],
            t_text("ws_col_store", code): [sa.make_url(w.store_url).render_as_string(hide_password=True)
                                           for w in listed],
        }, strict=False))
    can_create = ui.user().can("import")
    with st.form(Keys.WS_CREATE_FORM):
        name = st.text_input(t("ws_new_name", code), key=Keys.WS_CREATE_NAME)
        if st.form_submit_button(t("ws_create_button", code), disabled=not can_create):
            created = ws.create_workspace(name, engine_for=ui._engine_for)
            switch_to(created)
            ui.clear_caches()
            flash(t("ws_created", code, name=label(created, code)))
            st.rerun()
    _remove_demo(code, listed)


def _remove_demo(code: str, listed: list[Workspace]) -> None:
    demo = next((w for w in listed if w.is_demo), None)
    if demo is None:
        st.caption(t("ws_no_demo", code))
        return
    allowed = ui.user().can("delete_snapshot")
    if st.button(t("ws_remove_demo_button", code), icon=":material/delete:", disabled=not allowed,
                 help=None if allowed else t("auth_role_needed", code, role=t("auth_role_admin", code))):
        st.session_state[Keys.PENDING_REMOVE_DEMO] = demo.slug
    if st.session_state.get(Keys.PENDING_REMOVE_DEMO) != demo.slug:
        return
    stored = list_snapshots(ui._engine_for(demo.store_url))
    rows = int(stored["row_count"].sum()) if stored.height else 0
    st.warning(t("ws_remove_demo_confirm", code, snapshots=stored.height, rows=rows))
    yes, no = st.columns(2)
    if yes.button(t("ws_remove_yes", code), type="primary"):
        ws.remove_workspace(demo, engine_for=ui._engine_for)
        st.session_state.pop(Keys.PENDING_REMOVE_DEMO, None)
        ui._engine_for.clear()   # the removed store's engine must not be handed out again
        ui.clear_caches()
        flash(t("ws_demo_removed", code, rows=rows))
        st.rerun()
    if no.button(t("ws_remove_no", code)):
        st.session_state.pop(Keys.PENDING_REMOVE_DEMO, None)
        st.rerun()
